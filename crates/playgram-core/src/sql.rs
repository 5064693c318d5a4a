//! SQL built at run time (filters, bulk statements): the text with `$N` placeholders and the values
//! to bind, in order. [`bind_args!`] binds them onto a `sqlx::query`/`query_as`/`query_scalar` of
//! either backend.

/// One value bound to a placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// SQL NULL typed as text (for text columns, and `$N IS NULL` tests).
    Null,
    /// SQL NULL typed as a big integer (PostgreSQL refuses a text NULL in a BIGINT column).
    NullInt,
    /// SQL NULL typed as a double.
    NullFloat,
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

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Int(value)
    }
}

impl From<f64> for Arg {
    fn from(value: f64) -> Self {
        Arg::Float(value)
    }
}

impl From<bool> for Arg {
    fn from(value: bool) -> Self {
        Arg::Bool(value)
    }
}

impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(value: Option<T>) -> Self {
        value.map_or(Arg::Null, Into::into)
    }
}

/// A statement being written: text and arguments grow together, so a placeholder always names
/// the argument pushed with it.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Sql {
        Sql {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// Adds an argument and returns its placeholder (`$N`).
    pub fn arg(&mut self, value: impl Into<Arg>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    /// Appends text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Placeholders for each value, comma-separated (for `IN (…)`).
    pub fn list<T: Into<Arg>>(&mut self, values: impl IntoIterator<Item = T>) -> String {
        values
            .into_iter()
            .map(|v| self.arg(v))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Binds every [`Arg`] of `$args`. On PostgreSQL a statement's text is prepared once per
/// connection with the types of its first binds: the same text must always get the same types
/// (an `Int` where an `i32` was bound before fails with "incorrect binary data format"). (an iterator of `&Arg`) onto the query `$query`, in order.
#[macro_export]
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::sql::Arg::Text(v) => query.bind(v.clone()),
                $crate::sql::Arg::Int(v) => query.bind(*v),
                $crate::sql::Arg::Float(v) => query.bind(*v),
                $crate::sql::Arg::Bool(v) => query.bind(*v),
                $crate::sql::Arg::Null => query.bind(None::<String>),
                $crate::sql::Arg::NullInt => query.bind(None::<i64>),
                $crate::sql::Arg::NullFloat => query.bind(None::<f64>),
            };
        }
        query
    }};
}

/// Inserts many rows with one statement per few hundred rows (in the caller's transaction):
/// `INSERT INTO {table} ({columns}) VALUES (…), (…) {suffix}`. Each row has one value per column.
/// Placeholders are bare `?` on SQLite (see `db::placeholders` for why) and `$N` on PostgreSQL.
pub async fn insert_many(
    tx: &mut crate::Tx,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Arg>],
    suffix: &str,
) -> sqlx::Result<u64> {
    // Both backends accept far more, but long statements gain nothing past this.
    const MAX_PARAMS: usize = 8_000;
    let per = (MAX_PARAMS / columns.len().max(1)).max(1);
    let backend = tx.backend();
    let mut affected = 0;
    for chunk in rows.chunks(per) {
        let mut text = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut args: Vec<&Arg> = Vec::with_capacity(chunk.len() * columns.len());
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            text.push('(');
            text.push_str(&crate::db::placeholders(backend, args.len() + 1, row.len()));
            text.push(')');
            args.extend(row.iter());
        }
        if !suffix.is_empty() {
            text.push(' ');
            text.push_str(suffix);
        }
        affected += crate::on_tx!(tx, conn => bind_args!(sqlx::query(sqlx::AssertSqlSafe(text.clone())), args.iter().copied())
            .execute(conn).await.map(|r| r.rows_affected()))?;
    }
    Ok(affected)
}

/// `text` made literal inside a `LIKE … ESCAPE '\'` pattern (`%`, `_` and `\` escaped).
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
