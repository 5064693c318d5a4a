//! `playgram bench contacts`: the CRM at 100,000 contacts, over real HTTP with an API key.
//!
//! 1. Import: a generated CSV of `--contacts` rows (names with diacritics, emails, E.164 phones,
//!    tags, a select field, a WhatsApp id on a third of them) is uploaded, previewed and imported
//!    by the real job; the time from start to `completed` (the whole file in the database, search
//!    documents and events included) and rows/s.
//! 2. Lists and searches, `--requests` each after a warm-up, one at a time: the newest page, pages
//!    deep into a name-sorted list (following cursors), a tag filter, a field filter, and searches
//!    by first name, by an email prefix, by phone digits and by an exact full name. p50 and p99
//!    per query in milliseconds, server and client included.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use playgram_app::{Application, ServeRole};
use playgram_core::config::Layers;
use serde::Serialize;
use serde_json::{Value, json};

use super::Scratch;

#[derive(Clone, Debug)]
pub struct ContactBench {
    pub contacts: usize,
    pub requests: usize,
    pub postgres: Option<String>,
}

#[derive(Serialize)]
struct Timing {
    query: &'static str,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    results: usize,
}

#[derive(Serialize)]
struct Report {
    backend: &'static str,
    contacts: usize,
    import_seconds: f64,
    import_rows_per_s: u64,
    imported: i64,
    queries: Vec<Timing>,
}

pub async fn contacts(options: ContactBench) -> anyhow::Result<()> {
    let scratch = Scratch::create(options.postgres.as_deref()).await?;
    let result = run(&options, &scratch.url).await;
    if std::env::var_os("PLAYGRAM_BENCH_KEEP").is_some() {
        // For looking at query plans afterwards.
        eprintln!("kept the database: {}", scratch.url);
    } else {
        scratch.finish().await;
    }
    println!("{}", serde_json::to_string(&result?)?);
    Ok(())
}

const FIRST: [&str; 20] = [
    "José", "Zoë", "Émilie", "Łukasz", "Søren", "Maria", "Ana", "Noé", "Chloé", "Mateo", "Aïcha",
    "Björn", "Inès", "Luca", "Yasmin", "Hugo", "Leïla", "Omar", "Sofia", "Kenji",
];
const LAST: [&str; 20] = [
    "Núñez",
    "García",
    "Müller",
    "Dubois",
    "Ødegård",
    "Rossi",
    "Kowalski",
    "Silva",
    "Martin",
    "Haddad",
    "Andersson",
    "Lefèvre",
    "Nakamura",
    "Costa",
    "Novák",
    "Bernard",
    "Rahman",
    "Moreau",
    "Weiß",
    "Lopez",
];
const TAGS: [&str; 10] = [
    "VIP",
    "Lead",
    "Customer",
    "Newsletter",
    "Churn risk",
    "Wholesale",
    "Event 2026",
    "Partner",
    "Support",
    "Trial",
];

/// A deterministic pseudo-random number (a SplitMix64 step), so every run imports the same file.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Row `i`'s phone as a person types it: `+33 6 00 01 23 45`.
fn spaced_phone(i: u64) -> String {
    let digits = format!("{i:08}");
    let pairs: Vec<&str> = (0..4).map(|k| &digits[k * 2..k * 2 + 2]).collect();
    format!("+33 6 {}", pairs.join(" "))
}

/// Row `i`'s email, as the file has it.
fn email_of(i: u64) -> String {
    let r = mix(i);
    format!(
        "{}.{}.{i}@example.com",
        FIRST[(r % 20) as usize].to_lowercase(),
        LAST[((r >> 8) % 20) as usize].to_lowercase()
    )
}

fn csv(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 120);
    out.push_str("First name,Last name,Email,Phone,Tags,Plan,Score,WhatsApp\n");
    for i in 0..rows as u64 {
        let r = mix(i);
        let first = FIRST[(r % 20) as usize];
        let last = LAST[((r >> 8) % 20) as usize];
        let tags = format!(
            "{};{}",
            TAGS[((r >> 16) % 10) as usize],
            TAGS[((r >> 24) % 10) as usize]
        );
        let plan = ["Free", "Pro", "Gold"][((r >> 32) % 3) as usize];
        let score = (r >> 40) % 100;
        // French mobile numbers: +33 6 then eight digits, unique per row.
        let phone = format!("+336{:08}", i);
        let whatsapp = if i % 3 == 0 {
            format!("336{:08}", i)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{first},{last},{}.{}.{i}@example.com,{phone},\"{tags}\",{plan},{score},{whatsapp}\n",
            first.to_lowercase(),
            last.to_lowercase()
        ));
    }
    out
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{path}: {status}: {text}");
        }
        let json: Value = serde_json::from_str(&text)?;
        Ok(json)
    }
}

async fn run(options: &ContactBench, url: &str) -> anyhow::Result<Report> {
    let data_dir = std::env::temp_dir().join(format!(
        "playgram-bench-data-{}",
        &playgram_core::crypto::random_token()[..8]
    ));
    let env = [
        ("DATABASE_URL", url.to_owned()),
        ("PLAYGRAM_DATA_DIR", data_dir.display().to_string()),
        ("PLAYGRAM_BIND", "127.0.0.1:0".to_owned()),
        ("PLAYGRAM_LOG", "warn".to_owned()),
        (
            "PLAYGRAM_CONTACTS_IMPORT_MAX_BYTES",
            (200 * 1024 * 1024).to_string(),
        ),
        (
            "PLAYGRAM_CRON",
            "maintenance.sweep=off; maintenance.prune=off; contacts.retention=off".to_owned(),
        ),
    ];
    let config = Layers::load(None, &|name| {
        env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    })?
    .resolve()?;
    let app = Application::build(config, ServeRole::All).await?;
    let db = app.state().db.clone();
    let backend = match app.state().db.backend() {
        playgram_core::Backend::Sqlite => "sqlite",
        playgram_core::Backend::Postgres => "postgres",
    };
    let base = format!("http://{}/api/v1", app.local_addr());
    let origin = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = stopped.await;
    }));
    let browser = reqwest::Client::builder().cookie_store(true).build()?;
    let signup = browser.post(format!("{base}/auth/signup"))
        .json(&json!({ "email": "bench@example.com", "password": "correct horse battery staple", "name": "Bench", "workspace_name": "Bench" }))
        .send().await?;
    if !signup.status().is_success() {
        bail!("sign-up: {}", signup.text().await?);
    }
    let key: Value = browser.post(format!("{base}/api-keys")).header("origin", &origin)
        .json(&json!({ "name": "bench", "scopes": ["contacts:read", "contacts:write", "contacts:manage"] }))
        .send().await?.json().await?;
    let secret = key["data"]["secret"]
        .as_str()
        .context("an API key")?
        .to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {secret}").parse()?,
    );
    let api = Api {
        http: reqwest::Client::builder()
            .default_headers(headers)
            .build()?,
        base: base.clone(),
    };

    // 1. Import.
    let file = csv(options.contacts);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(file.into_bytes()).file_name("bench.csv"),
    );
    let up: Value = api
        .http
        .post(format!("{base}/contact-imports"))
        .multipart(form)
        .send()
        .await?
        .json()
        .await?;
    let id = up["data"]["id"]
        .as_str()
        .with_context(|| format!("upload: {up}"))?
        .to_owned();
    let plan = json!({
        "mapping": { "First name": "first_name", "Last name": "last_name", "Email": "email", "Phone": "phone",
                     "Tags": "tags", "Plan": "field:plan", "Score": "field:score", "WhatsApp": "identity:whatsapp" },
        "create_fields": [
            { "key": "plan", "label": "Plan", "kind": "select", "options": ["Free", "Pro", "Gold"] },
            { "key": "score", "label": "Score", "kind": "number" },
        ],
        "match_by": ["identity", "email", "phone"], "on_match": "update",
    });
    api.call(
        reqwest::Method::POST,
        &format!("/contact-imports/{id}/preview"),
        Some(plan.clone()),
    )
    .await?;
    let started = Instant::now();
    api.call(
        reqwest::Method::POST,
        &format!("/contact-imports/{id}/start"),
        Some(plan),
    )
    .await?;
    let import = loop {
        let import = api
            .call(
                reqwest::Method::GET,
                &format!("/contact-imports/{id}"),
                None,
            )
            .await?;
        match import["data"]["status"].as_str() {
            Some("completed") => break import["data"].clone(),
            Some("failed" | "cancelled") => bail!("the import ended: {import}"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let import_seconds = started.elapsed().as_secs_f64();
    let imported = import["created"].as_i64().unwrap_or_default();
    eprintln!("imported {imported} contacts in {import_seconds:.1} s");
    // The events the import raised are numbered by the sequencer in the background; measure reads
    // once it is done, as a server at rest would be.
    let sequencing = Instant::now();
    loop {
        let left: i64 = playgram_core::on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE seq IS NULL").fetch_one(pool).await)?;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let events: i64 = playgram_core::on_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(pool).await)?;
    eprintln!(
        "{events} events sequenced {:.1} s after the import",
        sequencing.elapsed().as_secs_f64()
    );
    if imported != options.contacts as i64 {
        bail!(
            "imported {imported} of {} contacts: {import}",
            options.contacts
        );
    }

    // 2. Lists and searches.
    let tag = api.call(reqwest::Method::GET, "/tags", None).await?["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let field_filter =
        enc(&json!({ "fields": [{ "field": "plan", "op": "eq", "value": "Gold" }] }).to_string());
    let number_filter =
        enc(&json!({ "fields": [{ "field": "score", "op": "gte", "value": 90 }] }).to_string());
    // A row every run has, whatever its size: its email and phone are searched for.
    let probe = 12_345 % options.contacts.max(1) as u64;
    let queries: Vec<(&'static str, String)> = vec![
        ("list newest 50", "/contacts?limit=50".into()),
        ("list by tag", format!("/contacts?limit=50&tag={tag}")),
        (
            "list by field (plan = Gold)",
            format!("/contacts?limit=50&filter={field_filter}"),
        ),
        (
            "list by number (score >= 90)",
            format!("/contacts?limit=50&filter={number_filter}"),
        ),
        (
            "search first name (maria)",
            "/contacts?limit=50&q=maria".into(),
        ),
        (
            "search diacritics (nunez)",
            "/contacts?limit=50&q=nunez".into(),
        ),
        (
            "search an email",
            format!("/contacts?limit=50&q={}", enc(&email_of(probe))),
        ),
        (
            "search an email's start",
            format!("/contacts?limit=50&q={}", enc(&email_of(probe)[..12])),
        ),
        (
            "search phone digits",
            format!("/contacts?limit=50&q={}", enc(&spaced_phone(probe))),
        ),
        (
            "search full name",
            "/contacts?limit=50&q=chloe%20lefevre".into(),
        ),
    ];
    let mut timings = Vec::new();
    for (name, path) in &queries {
        let timing = measure(&api, name, options.requests, |_| path.clone()).await?;
        eprintln!(
            "{name}: p50 {} ms, p99 {} ms ({} results)",
            timing.p50_ms, timing.p99_ms, timing.results
        );
        if timing.results == 0 {
            bail!("{name} found nothing: it would measure an empty answer");
        }
        timings.push(timing);
    }
    // Deep paging: follow the name-sorted list's cursors.
    let mut cursors = vec![String::new()];
    for _ in 0..40 {
        let last = cursors.last().cloned().unwrap_or_default();
        let page = api
            .call(
                reqwest::Method::GET,
                &format!("/contacts?sort=name&limit=50&cursor={last}"),
                None,
            )
            .await?;
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => cursors.push(c.to_owned()),
            None => break,
        }
    }
    timings.push(
        measure(
            &api,
            "list by name, pages 1-40 (cursor)",
            options.requests,
            |i| {
                format!(
                    "/contacts?sort=name&limit=50&cursor={}",
                    cursors[i % cursors.len()]
                )
            },
        )
        .await?,
    );
    let _ = stop.send(());
    let _ = server.await;
    let _ = std::fs::remove_dir_all(&data_dir);
    Ok(Report {
        backend,
        contacts: options.contacts,
        import_seconds: (import_seconds * 10.0).round() / 10.0,
        import_rows_per_s: (options.contacts as f64 / import_seconds) as u64,
        imported,
        queries: timings,
    })
}

async fn measure(
    api: &Api,
    query: &'static str,
    requests: usize,
    path: impl Fn(usize) -> String,
) -> anyhow::Result<Timing> {
    let mut results = 0;
    for i in 0..requests.min(50) {
        api.call(reqwest::Method::GET, &path(i), None).await?;
    }
    let mut times = Vec::with_capacity(requests);
    for i in 0..requests {
        let started = Instant::now();
        let page = api.call(reqwest::Method::GET, &path(i), None).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        results = page["data"].as_array().map_or(0, Vec::len);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Ok(Timing {
        query,
        p50_ms: round(at(0.50)),
        p99_ms: round(at(0.99)),
        max_ms: round(at(1.0)),
        results,
    })
}
