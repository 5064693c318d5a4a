//! Cron schedules: declared in code, overridable in config, enqueued once per tick across nodes.
//!
//! Every worker runs [`run`]. At a tick each of them tries to move the schedule's `last_tick` in
//! `cron_ticks` forward with a compare-and-set; the one that succeeds enqueues the job in the same
//! transaction (with the unique key `cron:NAME:TICK` as a second guard). A tick missed while no
//! worker ran is not made up: the next tick runs as usual.
//!
//! Expressions have the five classic fields, in UTC: minute, hour, day of month, month, day of week
//! (0 or 7 = Sunday), each `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a list of these.
//! As in Vixie cron, when both day fields are restricted a day matching either runs.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc};
use tokio::sync::watch;

use super::{NewJob, enqueue};
use crate::time::{Millis, now_ms};
use crate::{Db, on_tx};

/// A parsed five-field expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronExpr {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    any_day: bool,
    any_weekday: bool,
    text: String,
}

impl CronExpr {
    pub fn parse(text: &str) -> Result<CronExpr, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields.as_slice() else {
            return Err(format!(
                "`{text}` needs five fields: minute hour day-of-month month day-of-week"
            ));
        };
        let mut weekdays = field(weekday, 0, 7, "day of week")?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1; // 7 is Sunday too.
        }
        Ok(CronExpr {
            minutes: field(minute, 0, 59, "minute")?,
            hours: field(hour, 0, 23, "hour")?,
            days: field(day, 1, 31, "day of month")?,
            months: field(month, 1, 12, "month")?,
            weekdays,
            any_day: *day == "*",
            any_weekday: *weekday == "*",
            text: text.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn day_matches(&self, at: &DateTime<Utc>) -> bool {
        let day = self.days & (1 << at.day()) != 0;
        let weekday = self.weekdays & (1 << at.weekday().num_days_from_sunday()) != 0;
        match (self.any_day, self.any_weekday) {
            (false, false) => day || weekday,
            _ => day && weekday,
        }
    }

    /// The first tick strictly after `after`, searched up to five years ahead.
    pub fn next_after(&self, after: Millis) -> Option<Millis> {
        let start = Utc.timestamp_millis_opt(after).single()?;
        let mut at = start.with_second(0)?.with_nanosecond(0)? + chrono::Duration::minutes(1);
        let limit = start + chrono::Duration::days(5 * 366);
        while at < limit {
            if self.months & (1 << at.month()) == 0 || !self.day_matches(&at) {
                let next_day = at.date_naive().succ_opt()?.and_hms_opt(0, 0, 0)?;
                at = Utc.from_utc_datetime(&next_day);
                continue;
            }
            if self.hours & (1 << at.hour()) == 0 {
                at = at.with_minute(0)? + chrono::Duration::hours(1);
                continue;
            }
            if self.minutes & (1 << at.minute()) == 0 {
                at += chrono::Duration::minutes(1);
                continue;
            }
            return Some(at.timestamp_millis());
        }
        None
    }
}

/// One field as a bit set of allowed values.
fn field(text: &str, min: u32, max: u32, what: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a valid {what} field ({min}-{max})");
    let mut set = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, step.parse::<u32>().map_err(|_| bad())?),
            None => (part, 1),
        };
        if step == 0 {
            return Err(bad());
        }
        let (low, high) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?)
        } else {
            let value: u32 = range.parse().map_err(|_| bad())?;
            (value, if part.contains('/') { max } else { value })
        };
        if low < min || high > max || low > high {
            return Err(bad());
        }
        for value in (low..=high).step_by(step as usize) {
            set |= 1 << value;
        }
    }
    Ok(set)
}

/// A schedule declared in code: a name, a default expression and the job to enqueue at each tick.
#[derive(Clone)]
pub struct Schedule {
    pub name: &'static str,
    pub default: &'static str,
    pub job: fn() -> NewJob,
}

/// The schedules in effect: code defaults with config overrides (`NAME=EXPR`, or `NAME=off`).
pub fn resolve(
    schedules: &[Schedule],
    overrides: &BTreeMap<String, String>,
) -> Result<Vec<(Schedule, CronExpr)>, String> {
    for name in overrides.keys() {
        if !schedules.iter().any(|s| s.name == name) {
            let known: Vec<_> = schedules.iter().map(|s| s.name).collect();
            return Err(format!(
                "no cron schedule is named `{name}` (known: {})",
                known.join(", ")
            ));
        }
    }
    let mut active = Vec::new();
    for schedule in schedules {
        let text = overrides
            .get(schedule.name)
            .map(String::as_str)
            .unwrap_or(schedule.default);
        if text.trim() == "off" {
            continue;
        }
        let expr = CronExpr::parse(text).map_err(|e| format!("cron `{}`: {e}", schedule.name))?;
        active.push((schedule.clone(), expr));
    }
    Ok(active)
}

/// Records `tick` for `name` and enqueues its job, unless another node already did. Returns whether
/// this call enqueued it.
pub async fn fire(db: &Db, schedule: &Schedule, tick: Millis) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let moved = on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO cron_ticks (name, last_tick) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET last_tick = excluded.last_tick \
         WHERE cron_ticks.last_tick < excluded.last_tick")
        .bind(schedule.name).bind(tick).execute(conn).await.map(|r| r.rows_affected()))?;
    if moved == 0 {
        return Ok(false);
    }
    let job = (schedule.job)().unique(format!("cron:{}:{tick}", schedule.name));
    enqueue(&mut tx, job.run_at(tick)).await?;
    tx.commit().await?;
    Ok(true)
}

/// Enqueues each schedule's job at its ticks until `stop`.
pub async fn run(db: Db, schedules: Vec<(Schedule, CronExpr)>, mut stop: watch::Receiver<bool>) {
    if schedules.is_empty() {
        return;
    }
    let start = now_ms();
    let mut next: Vec<Option<Millis>> = schedules
        .iter()
        .map(|(_, expr)| expr.next_after(start))
        .collect();
    loop {
        let Some(soonest) = next.iter().flatten().min().copied() else {
            return;
        };
        let wait = Duration::from_millis((soonest - now_ms()).max(0) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let now = now_ms();
        for ((schedule, expr), due) in schedules.iter().zip(next.iter_mut()) {
            let Some(tick) = *due else { continue };
            if tick > now {
                continue;
            }
            match fire(&db, schedule, tick).await {
                Ok(true) => tracing::debug!(schedule = schedule.name, tick, "cron enqueued"),
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(schedule = schedule.name, %error, "cron tick failed; retrying");
                    continue;
                }
            }
            *due = expr.next_after(now.max(tick));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Millis {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .unwrap_or_default()
    }

    #[test]
    fn finds_the_next_tick() {
        let every_5 = CronExpr::parse("*/5 * * * *").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            every_5.next_after(at("2026-11-22T10:02:30Z")),
            Some(at("2026-11-22T10:05:00Z"))
        );
        assert_eq!(
            every_5.next_after(at("2026-11-22T10:05:00Z")),
            Some(at("2026-11-22T10:10:00Z"))
        );
        let nightly = CronExpr::parse("30 3 * * *").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            nightly.next_after(at("2026-11-22T10:00:00Z")),
            Some(at("2026-11-23T03:30:00Z"))
        );
        let mondays = CronExpr::parse("0 9 * * 1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            mondays.next_after(at("2026-11-22T10:00:00Z")), // a Sunday
            Some(at("2026-11-23T09:00:00Z"))
        );
        let leap = CronExpr::parse("0 0 29 2 *").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            leap.next_after(at("2026-11-22T10:00:00Z")),
            Some(at("2028-02-29T00:00:00Z"))
        );
        let sunday7 = CronExpr::parse("0 12 * * 7").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            sunday7.next_after(at("2026-11-21T13:00:00Z")),
            Some(at("2026-11-22T12:00:00Z"))
        );
    }

    #[test]
    fn config_overrides_replace_or_turn_off_schedules() {
        fn job() -> NewJob {
            NewJob {
                name: "test.tick",
                queue: "default",
                payload: "null".into(),
                workspace_id: None,
                run_at: None,
                priority: 0,
                max_attempts: 1,
                unique_key: None,
                limit: None,
            }
        }
        let schedules = [
            Schedule {
                name: "a",
                default: "*/5 * * * *",
                job,
            },
            Schedule {
                name: "b",
                default: "0 * * * *",
                job,
            },
        ];
        let overrides = BTreeMap::from([
            ("a".to_owned(), "0 3 * * *".to_owned()),
            ("b".to_owned(), "off".to_owned()),
        ]);
        let active = resolve(&schedules, &overrides).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].0.name, "a");
        assert_eq!(active[0].1.as_str(), "0 3 * * *");
        let unknown = BTreeMap::from([("c".to_owned(), "off".to_owned())]);
        assert!(resolve(&schedules, &unknown).is_err_and(|e| e.contains("known: a, b")));
        let bad = BTreeMap::from([("a".to_owned(), "61 * * * *".to_owned())]);
        assert!(resolve(&schedules, &bad).is_err());
    }

    #[test]
    fn refuses_bad_expressions() {
        for bad in [
            "* * * *",
            "60 * * * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "a * * * *",
        ] {
            assert!(CronExpr::parse(bad).is_err(), "{bad}");
        }
    }
}
