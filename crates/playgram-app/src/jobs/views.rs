//! `/app/jobs`: the workspace's background jobs — counts by state and queue, the last hour's
//! throughput as a chart drawn here (inline SVG, no script), the jobs of one state with retry and
//! cancel, bulk replay of dead jobs, and a test job to see the pipeline work. Every post redirects
//! back with a one-time message (post, redirect, get). `app.js` refreshes the counts, chart and
//! list while the page is open; without it the page is simply as fresh as its last load.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use playgram_core::jobs::manage::{self, ChangeError, JobRow, StateCount, Throughput};
use playgram_core::time::{Millis, now_ms, to_datetime};
use serde::{Deserialize, Serialize};

use super::api::{ListQuery, ProbeIn, ReplayIn, StatsOut, enqueue_probe, filter_from, replay};
use super::probe::Failure;
use crate::auth::Capability;
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, PageResult, Stamp, query_escape, safe_next};
use crate::state::AppState;

/// The list's tabs: (state filter, label). `all` lists every state.
pub const TABS: &[(&str, &str)] = &[
    ("all", "All"),
    ("failing", "Failing"),
    ("dead", "Dead"),
    ("running", "Running"),
    ("ready", "Ready"),
    ("scheduled", "Scheduled"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
];

/// The states counted in the tiles, in a job's life order (`failing`: scheduled again after an error).
const COUNTED: [&str; 7] = [
    "scheduled",
    "ready",
    "running",
    "failing",
    "done",
    "dead",
    "cancelled",
];

const PAGE_SIZE: i64 = 50;
const FLASH_KIND: &str = "jobs_notice";

/// A one-time message from a post to the page it redirects to.
#[derive(Serialize, Deserialize)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

/// One job as a list row.
pub struct JobView {
    pub id: String,
    pub name: String,
    pub queue: String,
    /// The state shown: `failing` for a job scheduled again after an error.
    pub state: &'static str,
    pub attempts: i32,
    pub max_attempts: i32,
    pub priority: i32,
    pub unique_key: Option<String>,
    /// The last error's first line, shortened for the row; the whole text is in `error`.
    pub error_line: Option<String>,
    pub error: Option<String>,
    pub payload: String,
    pub created: Stamp,
    pub run_at: Stamp,
    pub started: Option<Stamp>,
    pub finished: Option<Stamp>,
    /// The retry button's label, when retrying applies.
    pub retry: Option<&'static str>,
    pub can_cancel: bool,
}

fn state_name(job: &JobRow) -> &'static str {
    if job.is_failing() {
        return "failing";
    }
    COUNTED
        .into_iter()
        .find(|s| *s == job.state)
        .unwrap_or("scheduled")
}

impl From<JobRow> for JobView {
    fn from(job: JobRow) -> Self {
        let state = state_name(&job);
        let payload = serde_json::to_string_pretty(&job.payload_json()).unwrap_or_default();
        let error_line = job.last_error.as_deref().map(|e| {
            let line = e.lines().next().unwrap_or_default();
            match line.char_indices().nth(140) {
                Some((at, _)) => format!("{}…", &line[..at]),
                None if line.len() < e.len() => format!("{line} …"),
                None => line.to_owned(),
            }
        });
        JobView {
            retry: match state {
                "failing" => Some("Retry now"),
                "scheduled" => Some("Run now"),
                "dead" | "cancelled" => Some("Retry"),
                _ => None,
            },
            can_cancel: matches!(state, "scheduled" | "ready" | "failing"),
            id: job.id.to_string(),
            state,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            priority: job.priority,
            unique_key: job.unique_key,
            error_line,
            error: job.last_error,
            payload,
            created: Stamp::new(job.created_at),
            run_at: Stamp::new(job.run_at),
            started: Stamp::maybe(job.started_at),
            finished: Stamp::maybe(job.finished_at),
            name: job.name,
            queue: job.queue,
        }
    }
}

/// Jobs per state, overall and per queue.
pub struct Counts {
    pub total: BTreeMap<&'static str, i64>,
    /// (queue, a count per state in `COUNTED` order).
    pub queues: Vec<(String, Vec<i64>)>,
}

impl Counts {
    fn of(rows: &[StateCount]) -> Counts {
        let mut total: BTreeMap<&'static str, i64> = COUNTED.iter().map(|s| (*s, 0)).collect();
        let mut queues: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for row in rows {
            let Some(at) = COUNTED.iter().position(|s| *s == row.state) else {
                continue;
            };
            *total.entry(COUNTED[at]).or_default() += row.count;
            queues
                .entry(row.queue.clone())
                .or_insert_with(|| vec![0; COUNTED.len()])[at] += row.count;
        }
        Counts {
            total,
            queues: queues.into_iter().collect(),
        }
    }

    pub fn of_state(&self, state: &str) -> i64 {
        self.total.get(state).copied().unwrap_or(0)
    }

    pub fn states(&self) -> [&'static str; 7] {
        COUNTED
    }

    pub fn is_empty(&self) -> bool {
        self.total.values().all(|n| *n == 0)
    }
}

/// One stacked bar of the throughput chart: a minute, in SVG units.
pub struct Bar {
    pub x: u32,
    /// What the minute holds, for the bar's tooltip.
    pub label: String,
    /// (CSS class, y, height) from the bottom up: done, failed, dead.
    pub parts: Vec<(&'static str, String, String)>,
}

/// The last hour of finished runs per minute, drawn as 60 stacked bars.
pub struct Chart {
    pub bars: Vec<Bar>,
    pub peak: i64,
    /// The chart in words (also its accessible name).
    pub summary: String,
}

/// Height and width of the chart's drawing area, in SVG units (one minute is 10 wide).
pub const CHART_HEIGHT: u32 = 120;
pub const CHART_WIDTH: u32 = 600;

impl Chart {
    fn of(rows: &[Throughput], now: Millis) -> Chart {
        let this_minute = now - now.rem_euclid(60_000);
        let first = this_minute - 59 * 60_000;
        let by_minute: BTreeMap<Millis, &Throughput> = rows.iter().map(|r| (r.minute, r)).collect();
        let minutes: Vec<(Millis, [i64; 3])> = (0..60)
            .map(|i| {
                let minute = first + i * 60_000;
                let counts = by_minute
                    .get(&minute)
                    .map(|r| [r.done, r.failed, r.dead])
                    .unwrap_or_default();
                (minute, counts)
            })
            .collect();
        let peak = minutes
            .iter()
            .map(|(_, c)| c.iter().sum::<i64>())
            .max()
            .unwrap_or(0);
        let scale = if peak > 0 {
            f64::from(CHART_HEIGHT - 8) / peak as f64
        } else {
            0.0
        };
        let bars = minutes
            .iter()
            .enumerate()
            .map(|(i, (minute, counts))| {
                let mut bottom = f64::from(CHART_HEIGHT);
                let mut parts = Vec::new();
                for (class, count) in ["bar-done", "bar-failed", "bar-dead"].iter().zip(counts) {
                    if *count == 0 {
                        continue;
                    }
                    let height = (*count as f64 * scale).max(2.0);
                    bottom -= height;
                    parts.push((*class, format!("{bottom:.1}"), format!("{height:.1}")));
                }
                let [done, failed, dead] = counts;
                Bar {
                    x: i as u32 * 10 + 1,
                    label: format!(
                        "{} UTC: {done} done, {failed} failed, {dead} dead",
                        to_datetime(*minute).format("%H:%M")
                    ),
                    parts,
                }
            })
            .collect();
        let sums = minutes.iter().fold([0i64; 3], |mut acc, (_, c)| {
            for (a, n) in acc.iter_mut().zip(c) {
                *a += n;
            }
            acc
        });
        let summary = if peak == 0 {
            "No job finished a run in the last hour.".to_owned()
        } else {
            format!(
                "In the last hour: {} done, {} failed and retried, {} failed for good (dead). \
                 Busiest minute: {}.",
                runs(sums[0]),
                runs(sums[1]),
                runs(sums[2]),
                runs(peak)
            )
        };
        Chart {
            bars,
            peak,
            summary,
        }
    }
}

fn runs(n: i64) -> String {
    if n == 1 {
        "1 run".to_owned()
    } else {
        format!("{n} runs")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "jobs.html")]
pub struct JobsPage {
    pub chrome: Chrome,
    pub counts: Counts,
    pub chart: Chart,
    pub jobs: Vec<JobView>,
    /// The tab shown (`all` or a state).
    pub state: String,
    pub tabs: &'static [(&'static str, &'static str)],
    /// This page's own address, where the row forms come back to.
    pub here: String,
    pub older: Option<String>,
    pub paged: bool,
    pub can_manage: bool,
    /// Job types this build runs, for the replay form.
    pub job_types: Vec<&'static str>,
    pub notice: Option<Notice>,
    /// The statistics as `GET /api/v1/jobs/stats` gives them: `app.js` refreshes the page's parts
    /// when its answer differs.
    pub stats_json: String,
}

#[derive(Deserialize, Default)]
pub struct JobsQuery {
    pub state: Option<String>,
    /// Only jobs older than this id (the "Older jobs" link).
    pub before: Option<String>,
    /// Set by `app.js` when it re-reads the page in the background: the one-time message is left
    /// for the page the person actually opens.
    pub refresh: Option<String>,
}

/// The jobs page.
pub async fn list_jobs(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<JobsQuery>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ReadJobs)?;
    let tab = query
        .state
        .filter(|s| !s.is_empty() && s != "all")
        .unwrap_or_else(|| "all".to_owned());
    let (filter, _) = filter_from(&ListQuery {
        state: (tab != "all").then(|| tab.clone()),
        cursor: query.before,
        ..ListQuery::default()
    })?;
    let stats: StatsOut = super::api::stats(&state, principal).await?;
    let rows = manage::list(&state.db, &principal.workspace_id, &filter, PAGE_SIZE).await?;
    let here = if tab == "all" {
        "/app/jobs".to_owned()
    } else {
        format!("/app/jobs?state={}", query_escape(&tab))
    };
    let older = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten()
        .map(|id| {
            let join = if here.contains('?') { '&' } else { '?' };
            format!("{here}{join}before={}", query_escape(&id))
        });
    let notice: Option<Notice> = match query.refresh {
        Some(_) => None,
        None => chrome.take_once(&state, FLASH_KIND).await?,
    };
    Ok(JobsPage {
        counts: Counts::of(&stats.counts),
        chart: Chart::of(&stats.throughput, now_ms()),
        stats_json: serde_json::to_string(&stats).unwrap_or_default(),
        jobs: rows.into_iter().map(JobView::from).collect(),
        paged: filter.before.is_some(),
        state: tab,
        tabs: TABS,
        here,
        older,
        can_manage: chrome.can(Capability::ManageJobs),
        job_types: super::registry(&state).names(),
        notice,
        chrome,
    }
    .into_response())
}

/// Where a row form returns to: the list it was posted from, never another page.
#[derive(Deserialize, Default)]
pub struct BackForm {
    #[serde(default)]
    pub back: String,
}

fn back_to(back: &str) -> String {
    let to = safe_next(Some(back));
    if to == "/app/jobs" || to.starts_with("/app/jobs?") {
        to
    } else {
        "/app/jobs".to_owned()
    }
}

async fn tell(chrome: &Chrome, state: &AppState, ok: bool, text: String, to: &str) -> PageResult {
    chrome
        .show_once(state, FLASH_KIND, &Notice { ok, text }, to)
        .await
}

/// A refused change: a job that moved on meanwhile is said on the page; anything else is an error page.
async fn refused(chrome: &Chrome, state: &AppState, error: ChangeError, to: &str) -> PageResult {
    match error {
        ChangeError::WrongState(now) => {
            let text = format!("That job is {now} now, so it cannot be changed that way.");
            tell(chrome, state, false, text, to).await
        }
        ChangeError::KeyTaken => {
            let text =
                "Another unfinished job holds this job's unique key; retry it once that one \
                        has finished."
                    .to_owned();
            tell(chrome, state, false, text, to).await
        }
        ChangeError::NotFound => Err(AppError::not_found().into()),
        ChangeError::Db(error) => Err(AppError::from(error).into()),
    }
}

pub async fn retry_job(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(form): PageForm<BackForm>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageJobs)?;
    let to = back_to(&form.back);
    match super::api::retry(&state, principal, &id).await {
        Ok(job) => {
            let text = format!("“{}” is queued to run again.", job.name);
            tell(&chrome, &state, true, text, &to).await
        }
        Err(error) => refused(&chrome, &state, error, &to).await,
    }
}

pub async fn cancel_job(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(form): PageForm<BackForm>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageJobs)?;
    let to = back_to(&form.back);
    match super::api::cancel(&state, principal, &id).await {
        Ok(job) => {
            let text = format!("“{}” is cancelled. You can still retry it later.", job.name);
            tell(&chrome, &state, true, text, &to).await
        }
        Err(error) => refused(&chrome, &state, error, &to).await,
    }
}

#[derive(Deserialize, Default)]
pub struct ReplayForm {
    #[serde(default)]
    pub name: String,
    /// `YYYY-MM-DD` (UTC), from a date input; empty for the API's default (7 days ago).
    #[serde(default)]
    pub since: String,
    /// `YYYY-MM-DD` (UTC), the last day included; empty for "until now".
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub back: String,
}

/// `YYYY-MM-DD` → RFC 3339 at the start of that day (UTC), `days_after` days later.
fn day_start(text: &str, days_after: i64) -> Result<Option<String>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ())?;
    let start = (day + chrono::Duration::days(days_after))
        .and_hms_opt(0, 0, 0)
        .ok_or(())?;
    Ok(Some(
        start
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    ))
}

pub async fn replay_jobs(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(form): PageForm<ReplayForm>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageJobs)?;
    let to = back_to(&form.back);
    let (Ok(since), Ok(until)) = (day_start(&form.since, 0), day_start(&form.until, 1)) else {
        let text = "Enter the dates like 2026-01-31.".to_owned();
        return tell(&chrome, &state, false, text, &to).await;
    };
    let input = ReplayIn {
        name: Some(form.name).filter(|n| !n.trim().is_empty()),
        since,
        until,
    };
    let text = match replay(&state, principal, &input).await {
        Ok(0) => "No dead job matched, so nothing was replayed.".to_owned(),
        Ok(1) => "1 dead job is back in the queue.".to_owned(),
        Ok(n) => format!("{n} dead jobs are back in the queue."),
        Err(AppError::Internal(error)) => return Err(AppError::Internal(error).into()),
        Err(error) => return tell(&chrome, &state, false, error.public_message(), &to).await,
    };
    tell(&chrome, &state, true, text, &to).await
}

#[derive(Deserialize, Default)]
pub struct ProbeForm {
    #[serde(default)]
    pub fail: Failure,
}

/// "Run a test job": a `diag.probe` for this workspace, then the full list, where it appears.
pub async fn create_probe(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(form): PageForm<ProbeForm>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageJobs)?;
    let input = ProbeIn {
        sleep_ms: 0,
        fail: form.fail,
        run_at: None,
    };
    enqueue_probe(&state, principal, &input).await?;
    let text = match form.fail {
        Failure::None => "Test job queued. It should be done within a second or two.",
        Failure::Error | Failure::Panic => {
            "Test job queued. It will fail, be retried with back-off, and end up dead."
        }
        Failure::Fatal => "Test job queued. It will fail at once and end up dead.",
    };
    tell(&chrome, &state, true, text.to_owned(), "/app/jobs").await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(minute: Millis, done: i64, failed: i64, dead: i64) -> Throughput {
        Throughput {
            minute,
            done,
            failed,
            dead,
        }
    }

    #[test]
    fn the_chart_has_a_bar_per_minute_scaled_to_the_busiest() {
        let now: Millis = 1_800_000_000_000 + 30_000;
        let this_minute = now - now.rem_euclid(60_000);
        let rows = [
            minute(this_minute - 70 * 60_000, 99, 0, 0), // older than the hour: not drawn
            minute(this_minute - 59 * 60_000, 1, 0, 0),
            minute(this_minute, 6, 1, 1),
        ];
        let chart = Chart::of(&rows, now);
        assert_eq!(chart.bars.len(), 60);
        assert_eq!(chart.peak, 8);
        assert_eq!(chart.bars[0].parts.len(), 1);
        let last = &chart.bars[59];
        assert_eq!(last.x, 591);
        let classes: Vec<_> = last.parts.iter().map(|p| p.0).collect();
        assert_eq!(classes, ["bar-done", "bar-failed", "bar-dead"]);
        // The busiest minute fills the drawing area but its top 8 units; stacked from the bottom.
        assert_eq!(last.parts[0], ("bar-done", "36.0".into(), "84.0".into()));
        assert_eq!(last.parts[2].1, "8.0");
        assert!(last.label.ends_with("UTC: 6 done, 1 failed, 1 dead"));
        assert!(chart.bars[30].parts.is_empty());
        assert_eq!(
            chart.summary,
            "In the last hour: 7 runs done, 1 run failed and retried, 1 run failed for good \
             (dead). Busiest minute: 8 runs."
        );
    }

    #[test]
    fn an_idle_hour_says_so() {
        let chart = Chart::of(&[], 1_800_000_000_000);
        assert_eq!(chart.peak, 0);
        assert!(chart.bars.iter().all(|b| b.parts.is_empty()));
        assert_eq!(chart.summary, "No job finished a run in the last hour.");
    }

    #[test]
    fn forms_only_return_to_the_jobs_page() {
        assert_eq!(back_to("/app/jobs?state=dead"), "/app/jobs?state=dead");
        assert_eq!(back_to("/app/team"), "/app/jobs");
        assert_eq!(back_to("//evil.example/app/jobs"), "/app/jobs");
        assert_eq!(back_to(""), "/app/jobs");
    }

    #[test]
    fn replay_days_are_utc_and_inclusive() {
        assert_eq!(day_start("", 0), Ok(None));
        assert_eq!(
            day_start("2026-01-31", 1),
            Ok(Some("2026-02-01T00:00:00Z".into()))
        );
        assert!(day_start("31/01/2026", 0).is_err());
    }
}
