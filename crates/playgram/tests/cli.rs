//! The `playgram` binary as an administrator uses it: `config check`, `admin`, `backup`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A fresh working directory, removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let token = playgram_core::crypto::random_token().replace(['-', '_'], "x");
        let dir = std::env::temp_dir().join(format!("playgram-cli-{}", &token[..16]));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.path("playgram.db").display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir` with only the given environment (nothing inherited from the test).
fn playgram(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_playgram"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PLAYGRAM_DATA_DIR", dir.join("data"))
        .env("PLAYGRAM_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .expect("run playgram");
    Run {
        ok: status.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

const SECRET_KEY: &str = "8f3a0c5e7b9d1f2a4c6e8a0b2d4f6a8c0e2a4c6e8b0d2f4a6c8e0a2c4e6a8b0d";

#[test]
fn config_check_shows_the_effective_values_with_secrets_redacted() {
    let dir = Scratch::new();
    let run = playgram(
        &dir.0,
        &[
            ("PLAYGRAM_SECRET_KEY", SECRET_KEY),
            (
                "DATABASE_URL",
                "postgres://playgram:hunter2@db.internal:5432/playgram",
            ),
            ("PLAYGRAM_SMTP_URL", "smtp://mailer:mailpass@127.0.0.1:2525"),
            ("PLAYGRAM_SIGNUP_OPEN", "true"),
        ],
        &["config", "check"],
    );
    assert!(run.ok, "{}", run.stderr);
    let out = format!("{}{}", run.stdout, run.stderr);
    for secret in ["hunter2", "mailpass", SECRET_KEY] {
        assert!(!out.contains(secret), "{secret} printed:\n{out}");
    }
    assert!(
        out.contains("postgres://playgram:***@db.internal:5432/playgram"),
        "{out}"
    );
    assert!(out.contains("smtp://mailer:***@127.0.0.1:2525"), "{out}");
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} line in:\n{}", run.stdout))
            .to_owned()
    };
    assert!(line("secret_key").contains("<redacted>"));
    assert!(line("database_url").contains("environment DATABASE_URL"));
    assert!(line("signup_open").contains("true"));
    assert!(line("bind").contains("127.0.0.1:8080") && line("bind").contains("default"));
}

#[test]
fn an_invalid_value_stops_with_a_message_naming_the_key() {
    let dir = Scratch::new();
    let run = playgram(
        &dir.0,
        &[("PLAYGRAM_SESSION_IDLE_MINUTES", "soon")],
        &["config", "check"],
    );
    assert!(!run.ok);
    for part in [
        "`session_idle_minutes`",
        "PLAYGRAM_SESSION_IDLE_MINUTES",
        "\"soon\"",
        "minutes",
    ] {
        assert!(run.stderr.contains(part), "{part} missing:\n{}", run.stderr);
    }
    // `serve` refuses to start the same way, and a bad secret is not echoed back.
    let run = playgram(
        &dir.0,
        &[("PLAYGRAM_SECRET_KEY", "tooshort-secret")],
        &["serve"],
    );
    assert!(!run.ok);
    assert!(run.stderr.contains("`secret_key`"), "{}", run.stderr);
    assert!(!run.stderr.contains("tooshort-secret"), "{}", run.stderr);
}

#[test]
fn admin_create_user_backup_and_reset_link() {
    let dir = Scratch::new();
    let url = dir.sqlite_url();
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("PLAYGRAM_PUBLIC_URL", "https://social.example.com"),
    ];
    let created = playgram(
        &dir.0,
        &env,
        &[
            "admin",
            "create-user",
            "--email",
            "admin@example.com",
            "--password",
            "correct horse battery",
            "--workspace",
            "Acme",
            "--role",
            "owner",
        ],
    );
    assert!(created.ok, "{}", created.stderr);
    assert!(created.stdout.contains("admin@example.com") && created.stdout.contains("owner"));

    let reset = playgram(
        &dir.0,
        &env,
        &["admin", "reset-password", "--email", "ADMIN@example.com"],
    );
    assert!(reset.ok, "{}", reset.stderr);
    assert!(
        reset
            .stdout
            .contains("https://social.example.com/password-reset/"),
        "{}",
        reset.stdout
    );
    let unknown = playgram(
        &dir.0,
        &env,
        &["admin", "reset-password", "--email", "nobody@example.com"],
    );
    assert!(!unknown.ok);
    assert!(unknown.stderr.contains("no account"), "{}", unknown.stderr);

    let backup = dir.path("backup.db");
    let backup_arg = backup.display().to_string();
    let run = playgram(&dir.0, &env, &["backup", "--to", &backup_arg]);
    assert!(run.ok, "{}", run.stderr);
    let bytes = std::fs::read(&backup).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"), "not a SQLite file");
    let again = playgram(&dir.0, &env, &["backup", "--to", &backup_arg]);
    assert!(
        !again.ok && again.stderr.contains("already exists"),
        "{}",
        again.stderr
    );

    // The copy is a working database: the account is in it.
    let copy_url = format!("sqlite://{backup_arg}");
    let from_copy = playgram(
        &dir.0,
        &[("DATABASE_URL", copy_url.as_str())],
        &["admin", "reset-password", "--email", "admin@example.com"],
    );
    assert!(from_copy.ok, "{}", from_copy.stderr);
    assert!(
        from_copy.stdout.contains("/password-reset/"),
        "{}",
        from_copy.stdout
    );
}

#[test]
fn backup_on_postgres_points_to_pg_dump() {
    let dir = Scratch::new();
    let started = Instant::now();
    // Nothing listens on port 1: the hint must come without trying to connect.
    let run = playgram(
        &dir.0,
        &[
            (
                "DATABASE_URL",
                "postgres://playgram:hunter2@127.0.0.1:1/playgram",
            ),
            ("PLAYGRAM_SECRET_KEY", SECRET_KEY),
        ],
        &["backup", "--to", "playgram.dump"],
    );
    assert!(!run.ok);
    assert!(run.stderr.contains("pg_dump"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(!dir.path("playgram.dump").exists());
}

/// `GET path` over a plain TCP connection; the status code, or 0 when nothing answers.
fn http_status(port: u16, path: &str) -> u16 {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    if stream.write_all(request.as_bytes()).is_err()
        || stream.read_to_string(&mut response).is_err()
    {
        return 0;
    }
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// Starts `playgram serve` with extra arguments on a free port and waits until `/healthz` answers.
fn serve(dir: &Path, args: &[&str]) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_playgram"))
        .args(["serve", "--bind", &bind])
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PLAYGRAM_DATA_DIR", dir.join("data"))
        .env("PLAYGRAM_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start playgram serve");
    let started = Instant::now();
    while http_status(port, "/healthz") != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "playgram serve did not answer"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

/// Sends SIGTERM and waits for the process to exit by itself.
fn terminate(mut child: std::process::Child) -> Run {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "playgram did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        ok: status.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

#[test]
fn serve_starts_with_zero_configuration_and_stops_gracefully_on_sigterm() {
    let dir = Scratch::new();
    let (child, port) = serve(&dir.0, &[]);
    assert_eq!(http_status(port, "/readyz"), 200);
    assert_eq!(http_status(port, "/api/v1/me"), 401);
    assert!(dir.path("data/playgram.db").exists() && dir.path("data/secret.key").exists());
    let run = terminate(child);
    assert!(run.ok, "exit status after SIGTERM: {}", run.stderr);
    assert!(run.stdout.contains("shutting down"), "{}", run.stdout);
    assert_eq!(
        http_status(port, "/healthz"),
        0,
        "still answering after shutdown"
    );
}

#[test]
fn worker_role_serves_only_the_operational_endpoints() {
    let dir = Scratch::new();
    let (child, port) = serve(&dir.0, &["--role", "worker"]);
    assert_eq!(http_status(port, "/readyz"), 200);
    assert_eq!(http_status(port, "/metrics"), 200);
    assert_eq!(http_status(port, "/api/v1/me"), 404);
    assert_eq!(http_status(port, "/login"), 404);
    assert!(terminate(child).ok);
}
