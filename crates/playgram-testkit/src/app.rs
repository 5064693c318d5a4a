//! [`TestApp`]: the real Playgram application, served in-process on a free port of 127.0.0.1.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use playgram_app::{AppState, Application, ServeRole};
use playgram_core::config::Layers;
use playgram_core::{Backend, Db, on_db};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::client::Client;
use crate::database::{FreshDatabase, hex_token};
use crate::settings::Settings;
use crate::smtp::FakeSmtp;

/// The configured public URL. The app listens on a port only known after binding, so links in
/// emails point here; [`TestApp::local`] maps them to the running app. Browsers' `Origin` is the
/// real address, which the CSRF check accepts because it matches the `Host` header.
pub const PUBLIC_URL: &str = "http://playgram.test";

/// The built-in schedules, all turned off (see `maintenance::SCHEDULES`).
pub const OFF_CRON: &str = "maintenance.sweep=off; maintenance.prune=off; contacts.retention=off";

/// A running app with its own database and fake SMTP server. Dropping it stops the server and
/// removes the database.
///
/// [`TestApp::spawn_beside`] starts another instance on the same database (another node of one
/// deployment); only the first instance owns the database, so drop the others first (declare them
/// after it).
pub struct TestApp {
    // Fields drop in this order: stop the server first, the database last.
    shutdown: Option<oneshot::Sender<()>>,
    running: Option<JoinHandle<()>>,
    state: AppState,
    base: url::Url,
    address: SocketAddr,
    /// The environment the configuration was loaded from (instances beside this one reuse it).
    env: BTreeMap<&'static str, String>,
    /// Every email the app sent.
    pub mail: FakeSmtp,
    _database: Option<FreshDatabase>,
}

/// A value bound to a `$N` placeholder in [`TestApp::execute`] and friends.
#[derive(Clone, Debug)]
pub enum Arg {
    Int(i64),
    Text(String),
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Int(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}

impl From<&String> for Arg {
    fn from(value: &String) -> Self {
        Arg::Text(value.clone())
    }
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Int(v) => query.bind(*v),
                Arg::Text(v) => query.bind(v.clone()),
            };
        }
        query
    }};
}

impl TestApp {
    /// The app on a fresh SQLite database, default test settings.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Settings::new()).await
    }

    pub async fn spawn_with(settings: Settings) -> TestApp {
        Self::spawn_on(Backend::Sqlite, settings)
            .await
            .expect("SQLite is always available")
    }

    /// The app on a fresh PostgreSQL database, or `None` (with a skip note) when
    /// `PLAYGRAM_TEST_POSTGRES_URL` is not set.
    pub async fn spawn_postgres() -> Option<TestApp> {
        Self::spawn_postgres_with(Settings::new()).await
    }

    pub async fn spawn_postgres_with(settings: Settings) -> Option<TestApp> {
        Self::spawn_on(Backend::Postgres, settings).await
    }

    pub async fn spawn_on(backend: Backend, settings: Settings) -> Option<TestApp> {
        Self::spawn_as(backend, ServeRole::All, settings).await
    }

    /// The app in one role (web only, worker only, or all) on a fresh database of `backend`, or
    /// `None` when that backend is not available (PostgreSQL without `PLAYGRAM_TEST_POSTGRES_URL`).
    pub async fn spawn_as(
        backend: Backend,
        role: ServeRole,
        settings: Settings,
    ) -> Option<TestApp> {
        init_logging();
        let mail = FakeSmtp::start().await;
        let database = FreshDatabase::create(backend).await?;
        let base_env = BTreeMap::from([
            ("PLAYGRAM_BIND", "127.0.0.1:0".to_owned()),
            ("PLAYGRAM_DATA_DIR", database.data_dir.display().to_string()),
            ("DATABASE_URL", database.url.clone()),
            ("PLAYGRAM_SECRET_KEY", hex_token()),
            ("PLAYGRAM_PUBLIC_URL", PUBLIC_URL.to_owned()),
            ("PLAYGRAM_SMTP_URL", mail.url()),
            ("PLAYGRAM_DB_MAX_CONNECTIONS", "4".to_owned()),
            ("PLAYGRAM_SHUTDOWN_GRACE_SECONDS", "1".to_owned()),
            // Housekeeping cron jobs appearing at a tick would disturb tests that count jobs;
            // cron itself is tested by calling `cron::fire`.
            ("PLAYGRAM_CRON", OFF_CRON.to_owned()),
        ]);
        let env = settings.environment(base_env);
        Some(Self::launch(env, role, mail, Some(database)).await)
    }

    /// Another instance of the app, in `role`, on this app's database, with this app's
    /// configuration (secret key included, so sessions and API keys work on both) and `settings`
    /// over it. Like a second node of one deployment. It does not own the database: drop it before
    /// this app.
    pub async fn spawn_beside(&self, role: ServeRole, settings: Settings) -> TestApp {
        let env = settings.environment(self.env.clone());
        Self::launch(env, role, self.mail.clone(), None).await
    }

    async fn launch(
        env: BTreeMap<&'static str, String>,
        role: ServeRole,
        mail: FakeSmtp,
        database: Option<FreshDatabase>,
    ) -> TestApp {
        let config = Layers::load(None, &|name| env.get(name).cloned())
            .and_then(|layers| layers.resolve())
            .unwrap_or_else(|e| panic!("test configuration: {e}"));
        let app = Application::build(config, role)
            .await
            .unwrap_or_else(|e| panic!("building the app: {e:#}"));
        let address = app.local_addr();
        let state = app.state().clone();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(async move {
            let stop = async move {
                let _ = stopped.await;
            };
            if let Err(error) = app.run(stop).await {
                eprintln!("test app stopped with an error: {error:#}");
            }
        });
        let base = url::Url::parse(&format!("http://{address}/")).expect("base URL");
        TestApp {
            shutdown: Some(shutdown),
            running: Some(running),
            state,
            base,
            address,
            env,
            mail,
            _database: database,
        }
    }

    /// Shuts the app down as SIGTERM would (stop serving, let running jobs finish or give them
    /// back within the grace period), waits until it has stopped, then reconnects [`TestApp::db`]
    /// so the test can look at what it left behind. The database is kept until the app is dropped.
    pub async fn stop(&mut self) {
        self.shutdown.take();
        if let Some(running) = self.running.take() {
            let _ = running.await;
        }
        let url = self.state.config.database_url.clone();
        self.state.db = Db::connect(&url, 2)
            .await
            .unwrap_or_else(|e| panic!("reconnecting after stop: {e}"));
    }

    pub fn backend(&self) -> Backend {
        self.state.db.backend()
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base(&self) -> &url::Url {
        &self.base
    }

    /// The origin a browser on this app sends, such as `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The app's shared state (configuration, database, caches).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The app's database, for arranging data and for time travel.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// A link the app gave out (`http://playgram.test/…`) as a URL of this running app.
    pub fn local(&self, link: &str) -> url::Url {
        let url = url::Url::parse(link).expect("a link");
        let mut local = self.base.join(url.path()).expect("a path");
        local.set_query(url.query());
        local
    }

    /// A new browser with an empty cookie jar.
    pub fn browser(&self) -> Client {
        Client::browser(&self.base)
    }

    /// A client that sends only what a test adds: no cookies, no `Origin`, no key.
    pub fn bare(&self) -> Client {
        Client::bare(&self.base)
    }

    /// An integration authenticating with an API key secret.
    pub fn api(&self, secret: &str) -> Client {
        Client::with_api_key(&self.base, secret)
    }

    /// Runs a statement on the app's database; returns the rows affected.
    pub async fn execute(&self, sql: &str, args: &[Arg]) -> u64 {
        let result = on_db!(self.db(), pool => bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()));
        result.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The first column of the first row, as an integer (`COUNT(*)` and the like).
    pub async fn fetch_i64(&self, sql: &str, args: &[Arg]) -> i64 {
        let result: Result<i64, _> = on_db!(self.db(), pool => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), args)
            .fetch_one(pool)
            .await);
        result.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The first column of the first row, as optional text.
    pub async fn fetch_text(&self, sql: &str, args: &[Arg]) -> Option<String> {
        let result: Result<Option<Option<String>>, _> = on_db!(self.db(), pool => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), args)
            .fetch_optional(pool)
            .await);
        result.unwrap_or_else(|e| panic!("{sql}: {e}")).flatten()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Resolves the shutdown future given to `Application::run`.
        self.shutdown.take();
    }
}

/// Logs go to the test output when `PLAYGRAM_TEST_LOG` is set (for example `PLAYGRAM_TEST_LOG=debug`).
fn init_logging() {
    if let Ok(level) = std::env::var("PLAYGRAM_TEST_LOG") {
        // The writer runs while its guard lives: keep it for the whole test process.
        if let Some(guard) =
            playgram_core::telemetry::init(&level, &playgram_core::config::LogFormat::Text)
        {
            std::mem::forget(guard);
        }
    }
}
