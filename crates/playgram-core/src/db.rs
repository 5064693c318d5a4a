//! The database: one handle over SQLite or PostgreSQL, chosen by URL.
//!
//! sqlx's `Any` driver cannot decode SQLite booleans or PostgreSQL-specific types, so [`Db`] is an
//! enum over the two pools. Store functions write their SQL once (`$N` placeholders work on both) and
//! run it through [`on_db!`] / [`on_tx!`], which repeat the same body in each arm so each is typed for
//! its backend. Where the dialects differ, the store marks the branch with `Db::backend()`.
//!
//! SQLite runs in WAL mode with foreign keys on, a busy timeout and `synchronous = FULL` (a commit is
//! on disk before we acknowledge it). Every write transaction starts with `BEGIN IMMEDIATE`, so two
//! writers queue on the busy timeout instead of failing with SQLITE_BUSY when a read lock upgrades;
//! within one process they first take turns on an async semaphore (FIFO, no sleeping), so the busy
//! timeout only matters between processes and for single-statement writes outside a transaction.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::signals::{Signal, Signals};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle: a pool of either backend plus this process's wake-up [`Signals`].
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    signals: Arc<Signals>,
    /// SQLite has one writer: this process's write transactions wait their turn here, in order,
    /// instead of polling SQLite's busy handler (which sleeps 1, 2, 5 … 100 ms between tries and
    /// wastes most of the time under load).
    writer: Arc<tokio::sync::Semaphore>,
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction on either backend. Dropping it without [`Tx::commit`] rolls back.
///
/// Work written in the transaction that others should notice (a job, an event) is announced with
/// [`Tx::signal`]; the announcement goes out only after the commit, so a woken worker always finds
/// the row. On PostgreSQL the store also issues `pg_notify`, which PostgreSQL itself delivers only
/// on commit, so other instances wake too.
pub struct Tx {
    conn: TxConn,
    signals: Arc<Signals>,
    raised: Vec<Signal>,
    /// SQLite's write turn, given back when the transaction ends (commit, rollback or drop).
    _turn: Option<tokio::sync::OwnedSemaphorePermit>,
}

pub enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$conn` bound to the pool of whichever backend `$db` is.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $conn:ident => $body:expr) => {
        match ($db).pool() {
            $crate::db::Pool::Sqlite($conn) => $body,
            $crate::db::Pool::Postgres($conn) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the open transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match ($tx).conn() {
            $crate::db::TxConn::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::TxConn::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Either the pool or an open transaction: for store functions that read the same way in both
/// (a page reads from the pool; a service reads what it is about to change inside its
/// transaction). Run SQL on it with [`on_conn!`].
pub enum Conn<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for Conn<'a> {
    fn from(db: &'a Db) -> Self {
        Conn::Db(db)
    }
}

impl<'a> From<&'a mut Tx> for Conn<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Conn::Tx(tx)
    }
}

impl Conn<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Db(db) => db.backend(),
            Conn::Tx(tx) => tx.backend(),
        }
    }
}

/// Runs `$body` with `$conn` bound to the pool or the transaction a `&mut Conn` holds (the body
/// is compiled once per backend and per kind of connection).
#[macro_export]
macro_rules! on_conn {
    ($c:expr, $conn:ident => $body:expr) => {
        match &mut *$c {
            $crate::db::Conn::Db(db) => match db.pool() {
                $crate::db::Pool::Sqlite($conn) => $body,
                $crate::db::Pool::Postgres($conn) => $body,
            },
            $crate::db::Conn::Tx(tx) => match tx.conn() {
                $crate::db::TxConn::Sqlite(tx) => {
                    let $conn = &mut **tx;
                    $body
                }
                $crate::db::TxConn::Postgres(tx) => {
                    let $conn = &mut **tx;
                    $body
                }
            },
        }
    };
}

impl Db {
    /// Connects by URL: `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory");
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .min_connections(1)
                .connect_with(options)
                .await?;
            Ok(Db::new(Pool::Sqlite(pool)))
        } else {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Db::new(Pool::Postgres(pool)))
        }
    }

    fn new(pool: Pool) -> Db {
        Db {
            pool,
            signals: Arc::new(Signals::default()),
            writer: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// This process's wake-ups for job workers, the event sequencer and the realtime hub.
    pub fn signals(&self) -> &Arc<Signals> {
        &self.signals
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies every pending migration for this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        on_db!(self, pool => self.migrator().run(pool).await)
    }

    /// How many of the binary's migrations the database has not applied yet (for `/readyz`).
    pub async fn pending_migrations(&self) -> Result<usize, sqlx::Error> {
        let applied: Vec<i64> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(pool)
                .await
        })
        .unwrap_or_default();
        Ok(self
            .migrator()
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count())
    }

    /// A cheap round trip, to prove the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    /// Begins a write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let (conn, turn) = match &self.pool {
            Pool::Sqlite(pool) => {
                let turn = self
                    .writer
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                (TxConn::Sqlite(tx), Some(turn))
            }
            Pool::Postgres(pool) => (TxConn::Postgres(pool.begin().await?), None),
        };
        Ok(Tx {
            conn,
            signals: self.signals.clone(),
            raised: Vec::new(),
            _turn: turn,
        })
    }

    /// Pool statistics for `/metrics`: (open connections, idle connections).
    pub fn pool_stats(&self) -> (u32, usize) {
        on_db!(self, pool => (pool.size(), pool.num_idle()))
    }

    /// An online copy of a SQLite database into `path` (`VACUUM INTO`). PostgreSQL has `pg_dump`.
    pub async fn backup_sqlite(&self, path: &str) -> Result<(), sqlx::Error> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::query("VACUUM INTO $1")
                .bind(path)
                .execute(pool)
                .await
                .map(|_| ()),
            Pool::Postgres(_) => Err(sqlx::Error::Configuration(
                "backup by VACUUM INTO is for SQLite".into(),
            )),
        }
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

impl Tx {
    /// Commits, then raises the signals announced during the transaction.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await?,
            TxConn::Postgres(tx) => tx.commit().await?,
        }
        for signal in self.raised {
            self.signals.raise(signal);
        }
        Ok(())
    }

    pub fn conn(&mut self) -> &mut TxConn {
        &mut self.conn
    }

    /// Runs `work` so that, when it fails, what it wrote is undone and the transaction goes on
    /// (a savepoint): on PostgreSQL a failed statement otherwise aborts the whole transaction,
    /// and on SQLite the statements before the failure would stay. Signals it raised still go
    /// out on commit; they only wake workers, who then find nothing new.
    pub async fn attempt<T, E, F>(&mut self, work: F) -> Result<Result<T, E>, sqlx::Error>
    where
        F: AsyncFnOnce(&mut Tx) -> Result<T, E>,
    {
        self.run_raw("SAVEPOINT attempt").await?;
        let result = work(self).await;
        if result.is_err() {
            self.run_raw("ROLLBACK TO SAVEPOINT attempt").await?;
        }
        self.run_raw("RELEASE SAVEPOINT attempt").await?;
        Ok(result)
    }

    async fn run_raw(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        match &mut self.conn {
            TxConn::Sqlite(tx) => sqlx::raw_sql(sql).execute(&mut **tx).await.map(drop),
            TxConn::Postgres(tx) => sqlx::raw_sql(sql).execute(&mut **tx).await.map(drop),
        }
    }

    /// Announces `signal` to this process once the transaction commits (and never if it rolls back).
    pub fn signal(&mut self, signal: Signal) {
        if !self.raised.contains(&signal) {
            self.raised.push(signal);
        }
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
        }
    }
}

/// True when the error is a unique-constraint violation (mapped to a field error by callers).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// Placeholders for `count` binds numbered from `from`, for a statement whose binds are all written
/// with this function (in bind order): `$from, $from+1, …` on PostgreSQL, bare `?, ?, …` on SQLite.
///
/// Why not `$N` on SQLite: binding a named parameter looks its name up in a list, so a statement
/// with thousands of them costs time quadratic in their number at every execution (this made
/// inserts five times slower). sqlx numbers bare `?` in order from 1, so they must not be mixed
/// with numbered ones in one statement.
pub fn placeholders(backend: Backend, from: usize, count: usize) -> String {
    match backend {
        Backend::Postgres => (from..from + count)
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", "),
        Backend::Sqlite => vec!["?"; count].join(", "),
    }
}
