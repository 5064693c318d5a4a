//! Playgram's one typed configuration.
//!
//! Layers, later wins: built-in defaults → an optional TOML file (`playgram.toml` in the working
//! directory, or the file named by `--config` / `PLAYGRAM_CONFIG`) → environment variables
//! (`PLAYGRAM_*`, and `DATABASE_URL`). Every key is described once in [`KEYS`]; that table drives
//! loading, the error messages, `playgram config check` and the README's reference.
//!
//! An invalid value stops start-up with a message naming the key, where it came from and the
//! expected form. Secrets are redacted in `Debug` and in `config check`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod keys;
mod secret;

pub use keys::{KEYS, Key};
pub use secret::SecretKey;
use secret::{load_or_create_secret_key, parse_secret_key};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub secret_key: SecretKey,
    pub public_url: url::Url,
    pub signup_open: bool,
    pub log_level: String,
    pub log_format: LogFormat,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub login_max_failures_per_account: i64,
    pub login_max_failures_per_ip: i64,
    pub login_throttle_minutes: i64,
    pub max_body_bytes: usize,
    pub db_max_connections: u32,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub trust_forwarded_for: bool,
    pub api_key_cache_seconds: u64,
    pub shutdown_grace_seconds: u64,
    pub api_key_rotation_overlap_hours: i64,
    pub jobs_concurrency: usize,
    pub jobs_claim_batch: usize,
    pub jobs_lease_seconds: u64,
    pub jobs_poll_ms: u64,
    pub jobs_retention_hours: i64,
    pub jobs_dead_retention_days: i64,
    pub events_retention_days: i64,
    pub sse_heartbeat_seconds: u64,
    pub webhooks_concurrency: usize,
    pub meta_graph_url: String,
    pub webhooks_timeout_seconds: u64,
    /// The wait before each attempt; its length is the number of attempts.
    pub webhooks_retry_schedule: Vec<std::time::Duration>,
    pub webhooks_disable_after_hours: i64,
    pub webhooks_log_retention_days: i64,
    pub webhooks_allow_networks: Vec<crate::net::Cidr>,
    pub request_bin_retention_hours: i64,
    pub request_bin_max_body_bytes: usize,
    pub request_bin_rate_per_minute: u32,
    pub contacts_import_max_bytes: usize,
    pub contacts_export_ttl_hours: i64,
    /// Cron overrides by schedule name (checked against the schedules when the worker starts).
    pub cron: BTreeMap<String, String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("public_url", &self.public_url.as_str())
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .finish_non_exhaustive()
    }
}

/// Where a raw value came from, for error messages and `config check`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Derived,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Env(var) => write!(f, "environment {var}"),
            Source::Derived => f.write_str("derived"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: `{key}` (from {origin}) must be {expects}; got {value:?}")]
    Invalid {
        key: &'static str,
        origin: Source,
        expects: &'static str,
        value: String,
    },
    #[error("invalid configuration file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("could not prepare {path}: {message}")]
    Io { path: PathBuf, message: String },
}

/// The raw, layered values before parsing: key name → (text, source).
pub struct Layers {
    values: BTreeMap<&'static str, (String, Source)>,
}

impl Layers {
    /// Reads defaults, then the file (if any), then the environment given as a lookup function
    /// (tests pass their own map instead of touching the process environment).
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut values = BTreeMap::new();
        for k in KEYS {
            if !k.default.is_empty() {
                values.insert(k.name, (k.default.to_owned(), Source::Default));
            }
        }
        let explicit = file
            .map(Path::to_path_buf)
            .or_else(|| env("PLAYGRAM_CONFIG").map(PathBuf::from));
        let path = explicit
            .clone()
            .or_else(|| Some(PathBuf::from("playgram.toml")).filter(|p| p.exists()));
        if let Some(path) = path {
            for (name, text) in read_toml(&path, explicit.is_some())? {
                values.insert(name, (text, Source::File(path.clone())));
            }
        }
        for k in KEYS {
            let from_env = env(k.env).map(|v| (v, Source::Env(k.env)));
            // `DATABASE_URL` is the convention; `PLAYGRAM_DATABASE_URL` is accepted too.
            let from_env = from_env.or_else(|| {
                (k.name == "database_url")
                    .then(|| {
                        env("PLAYGRAM_DATABASE_URL")
                            .map(|v| (v, Source::Env("PLAYGRAM_DATABASE_URL")))
                    })
                    .flatten()
            });
            if let Some(value) = from_env.filter(|(v, _)| !v.is_empty()) {
                values.insert(k.name, value);
            }
        }
        Ok(Self { values })
    }

    fn get(&self, name: &str) -> Option<&(String, Source)> {
        self.values.get(name)
    }

    /// Parses the layered values into a [`Config`], creating the data dir and secret key file if needed.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        let bind: SocketAddr = self.parse("bind", |v| v.parse().ok())?;
        let data_dir: PathBuf = self.parse("data_dir", |v| Some(PathBuf::from(v)))?;
        let database_url = match self.get("database_url") {
            Some(_) => self.parse("database_url", |v| {
                (v.starts_with("sqlite:")
                    || v.starts_with("postgres://")
                    || v.starts_with("postgresql://"))
                .then(|| v.to_owned())
            })?,
            None => format!("sqlite://{}", data_dir.join("playgram.db").display()),
        };
        let uses_data_dir = database_url.starts_with("sqlite:") || self.get("secret_key").is_none();
        if uses_data_dir {
            std::fs::create_dir_all(&data_dir).map_err(|e| ConfigError::Io {
                path: data_dir.clone(),
                message: e.to_string(),
            })?;
        }
        let secret_key = match self.get("secret_key") {
            Some(_) => self.parse("secret_key", parse_secret_key)?,
            None => load_or_create_secret_key(&data_dir.join("secret.key"))?,
        };
        let public_url = match self.get("public_url") {
            Some(_) => self.parse("public_url", |v| {
                url::Url::parse(v)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
            })?,
            None => url::Url::parse(&format!("http://{bind}")).map_err(|_| self.invalid("bind"))?,
        };
        Ok(Config {
            bind,
            data_dir,
            database_url,
            secret_key,
            public_url,
            signup_open: self.parse("signup_open", parse_bool)?,
            log_level: self.parse("log_level", |v| Some(v.to_owned()))?,
            log_format: self.parse("log_format", |v| match v {
                "text" => Some(LogFormat::Text),
                "json" => Some(LogFormat::Json),
                _ => None,
            })?,
            session_idle_minutes: self.parse("session_idle_minutes", positive)?,
            session_absolute_hours: self.parse("session_absolute_hours", positive)?,
            login_max_failures_per_account: self
                .parse("login_max_failures_per_account", positive)?,
            login_max_failures_per_ip: self.parse("login_max_failures_per_ip", positive)?,
            login_throttle_minutes: self.parse("login_throttle_minutes", positive)?,
            max_body_bytes: self.parse("max_body_bytes", |v| v.parse().ok().filter(|n| *n > 0))?,
            db_max_connections: self
                .parse("db_max_connections", |v| v.parse().ok().filter(|n| *n > 0))?,
            smtp_url: match self.get("smtp_url") {
                Some(_) => Some(self.parse("smtp_url", |v| {
                    url::Url::parse(v)
                        .ok()
                        .filter(|u| matches!(u.scheme(), "smtp" | "smtps"))
                        .map(|_| v.to_owned())
                })?),
                None => None,
            },
            mail_from: self.parse("mail_from", |v| v.contains('@').then(|| v.to_owned()))?,
            trust_forwarded_for: self.parse("trust_forwarded_for", parse_bool)?,
            api_key_cache_seconds: self.parse("api_key_cache_seconds", |v| v.parse().ok())?,
            shutdown_grace_seconds: self.parse("shutdown_grace_seconds", |v| v.parse().ok())?,
            api_key_rotation_overlap_hours: self.parse("api_key_rotation_overlap_hours", |v| {
                v.parse().ok().filter(|n: &i64| *n >= 0)
            })?,
            jobs_concurrency: self
                .parse("jobs_concurrency", |v| v.parse().ok().filter(|n| *n > 0))?,
            jobs_claim_batch: self
                .parse("jobs_claim_batch", |v| v.parse().ok().filter(|n| *n > 0))?,
            jobs_lease_seconds: self
                .parse("jobs_lease_seconds", |v| v.parse().ok().filter(|n| *n > 0))?,
            jobs_poll_ms: self.parse("jobs_poll_ms", |v| v.parse().ok().filter(|n| *n > 0))?,
            jobs_retention_hours: self.parse("jobs_retention_hours", positive)?,
            jobs_dead_retention_days: self.parse("jobs_dead_retention_days", positive)?,
            events_retention_days: self.parse("events_retention_days", positive)?,
            sse_heartbeat_seconds: self.parse("sse_heartbeat_seconds", |v| {
                v.parse().ok().filter(|n| *n > 0)
            })?,
            webhooks_concurrency: self.parse("webhooks_concurrency", |v| {
                v.parse().ok().filter(|n| *n > 0)
            })?,
            webhooks_timeout_seconds: self.parse("webhooks_timeout_seconds", |v| {
                v.parse().ok().filter(|n| *n > 0)
            })?,
            webhooks_retry_schedule: self.parse("webhooks_retry_schedule", |v| {
                v.split([',', ' '])
                    .filter(|p| !p.trim().is_empty())
                    .map(crate::net::parse_duration)
                    .collect::<Option<Vec<_>>>()
                    .filter(|s| !s.is_empty() && s.len() <= 50)
            })?,
            webhooks_disable_after_hours: self.parse("webhooks_disable_after_hours", positive)?,
            webhooks_log_retention_days: self.parse("webhooks_log_retention_days", positive)?,
            webhooks_allow_networks: self
                .parse("webhooks_allow_networks", crate::net::parse_cidrs)?,
            request_bin_retention_hours: self.parse("request_bin_retention_hours", positive)?,
            request_bin_max_body_bytes: self.parse("request_bin_max_body_bytes", |v| {
                v.parse().ok().filter(|n| *n > 0)
            })?,
            request_bin_rate_per_minute: self.parse("request_bin_rate_per_minute", |v| {
                v.parse().ok().filter(|n| *n > 0)
            })?,
            contacts_import_max_bytes: self.parse("contacts_import_max_bytes", |v| {
                v.parse().ok().filter(|n| *n > 0)
            })?,
            contacts_export_ttl_hours: self.parse("contacts_export_ttl_hours", positive)?,
            meta_graph_url: self.parse("meta_graph_url", |v| {
                url::Url::parse(v)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .map(|_| v.trim_end_matches('/').to_owned())
            })?,
            cron: match self.get("cron") {
                Some(_) => self.parse("cron", parse_cron_overrides)?,
                None => BTreeMap::new(),
            },
        })
    }

    fn invalid(&self, name: &'static str) -> ConfigError {
        let k = KEYS.iter().find(|k| k.name == name);
        let (value, source) = self
            .get(name)
            .cloned()
            .unwrap_or((String::new(), Source::Default));
        ConfigError::Invalid {
            key: k.map(|k| k.name).unwrap_or(name),
            origin: source,
            expects: k.map(|k| k.expects).unwrap_or("a valid value"),
            value: if k.is_some_and(|k| k.secret) {
                "<redacted>".into()
            } else {
                value
            },
        }
    }

    fn parse<T>(
        &self,
        name: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        let text = self.get(name).map(|(v, _)| v.trim()).unwrap_or_default();
        parse(text).ok_or_else(|| self.invalid(name))
    }

    /// The effective configuration as `(key, shown value, source)` rows, secrets redacted.
    pub fn describe(&self, config: &Config) -> Vec<(&'static str, String, String)> {
        KEYS.iter()
            .map(|k| {
                let source = self
                    .get(k.name)
                    .map(|(_, s)| s.to_string())
                    .unwrap_or_else(|| "derived".into());
                let shown = match k.name {
                    "database_url" => redact_url(&config.database_url),
                    "secret_key" => "<redacted>".into(),
                    "public_url" => config.public_url.to_string(),
                    "data_dir" => config.data_dir.display().to_string(),
                    "smtp_url" => config
                        .smtp_url
                        .as_deref()
                        .map(redact_url)
                        .unwrap_or_else(|| "(unset: emails go to the log)".into()),
                    _ => self.get(k.name).map(|(v, _)| v.clone()).unwrap_or_default(),
                };
                (k.name, shown, source)
            })
            .collect()
    }
}

fn read_toml(path: &Path, required: bool) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let file_error = |message: String| ConfigError::File {
        path: path.to_path_buf(),
        message,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(file_error(e.to_string())),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| file_error(e.to_string()))?;
    table
        .into_iter()
        .map(|(name, value)| {
            let k = KEYS.iter().find(|k| k.name == name).ok_or_else(|| {
                file_error(format!(
                    "unknown key `{name}` (known keys: see `playgram config check`)"
                ))
            })?;
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(file_error(format!(
                        "`{name}` must be {}; got {other}",
                        k.expects
                    )));
                }
            };
            Ok((k.name, text))
        })
        .collect()
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// `NAME=EXPR; NAME=off` → map (the expressions are checked when the worker starts).
fn parse_cron_overrides(v: &str) -> Option<BTreeMap<String, String>> {
    let mut overrides = BTreeMap::new();
    for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, expr) = part.split_once('=')?;
        let expr = expr.trim();
        if expr != "off" && crate::jobs::cron::CronExpr::parse(expr).is_err() {
            return None;
        }
        overrides.insert(name.trim().to_owned(), expr.to_owned());
    }
    Some(overrides)
}

fn positive(v: &str) -> Option<i64> {
    v.parse().ok().filter(|n| *n > 0)
}

/// Replaces a URL's password with `***` so it can be shown.
pub fn redact_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => text.to_owned(),
    }
}

impl Config {
    /// Loads the configuration from the process environment and an optional file.
    pub fn from_env(file: Option<&Path>) -> Result<(Config, Layers), ConfigError> {
        let layers = Layers::load(file, &|name| std::env::var(name).ok())?;
        let config = layers.resolve()?;
        Ok((config, layers))
    }

    /// Whether links point at https (cookies then carry `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = std::env::temp_dir().join(format!("pg-config-{}", crate::crypto::random_token()));
        let mut env: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.entry("PLAYGRAM_DATA_DIR".into())
            .or_insert(dir.display().to_string());
        Layers::load(None, &|name| env.get(name).cloned())?.resolve()
    }

    #[test]
    fn zero_config_creates_a_private_secret_key_once() {
        let dir = std::env::temp_dir().join(format!("pg-config-{}", crate::crypto::random_token()));
        let dir_text = dir.display().to_string();
        let first = load(&[("PLAYGRAM_DATA_DIR", &dir_text)]).map_err(|e| e.to_string());
        let second = load(&[("PLAYGRAM_DATA_DIR", &dir_text)]).map_err(|e| e.to_string());
        let (Ok(first), Ok(second)) = (first, second) else {
            panic!("config should load")
        };
        assert_eq!(first.secret_key.0, second.secret_key.0);
        assert_eq!(first.bind.to_string(), "127.0.0.1:8080");
        assert!(first.database_url.ends_with("playgram.db"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                std::fs::metadata(dir.join("secret.key")).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
    }

    #[test]
    fn invalid_value_names_the_key_and_the_expected_form() {
        let Err(error) = load(&[("PLAYGRAM_BIND", "nowhere")]) else {
            panic!("bad bind accepted")
        };
        let text = error.to_string();
        assert!(
            text.contains("`bind`")
                && text.contains("PLAYGRAM_BIND")
                && text.contains("127.0.0.1:8080"),
            "{text}"
        );
        let Err(error) = load(&[("PLAYGRAM_SECRET_KEY", "tooshort")]) else {
            panic!("bad key accepted")
        };
        assert!(
            !error.to_string().contains("tooshort"),
            "secrets are not echoed"
        );
    }

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db/playgram"),
            "postgres://app:***@db/playgram"
        );
    }
}
