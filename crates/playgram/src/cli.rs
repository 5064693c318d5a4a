//! Command-line interface.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use playgram_app::auth::Role;
use playgram_app::{AppState, Application, ServeRole};
use playgram_core::Db;
use playgram_core::config::{Config, Layers};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "playgram",
    version,
    about = "One self-hostable server for a business's social presence."
)]
pub struct Args {
    /// A TOML configuration file (default: ./playgram.toml if it exists; env PLAYGRAM_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default command).
    Serve {
        /// Which parts to run: everything, only the API and pages, or only background work.
        #[arg(long, value_enum, default_value_t = RoleArg::All)]
        role: RoleArg,
        /// Address to listen on (overrides `bind` / PLAYGRAM_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Account administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Copy the SQLite database to FILE while the server runs (PostgreSQL: use pg_dump).
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Benchmarks (each on a fresh database of its own).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Job queue: enqueue/s, processed/s and pick-up latency of no-op jobs.
    Queue {
        #[arg(long, default_value_t = 20_000)]
        jobs: usize,
        #[arg(long, default_value_t = 100)]
        concurrency: usize,
        /// Jobs claimed per statement.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Jobs enqueued one at a time to measure pick-up latency.
        #[arg(long, default_value_t = 1000)]
        latency_jobs: usize,
        /// Run on PostgreSQL: an admin URL; a scratch database is created and dropped.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Contacts: a CSV import's time, and list and search p50/p99 at that many contacts.
    Contacts {
        #[arg(long, default_value_t = 100_000)]
        contacts: usize,
        /// Requests per measured query (one at a time).
        #[arg(long, default_value_t = 500)]
        requests: usize,
        /// Run on PostgreSQL: an admin URL; a scratch database is created and dropped.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Outbound webhooks: deliveries/s to a local receiver with the log kept, and latency.
    Webhooks {
        #[arg(long, default_value_t = 20_000)]
        events: usize,
        /// Requests in flight (the worker's concurrency and the endpoint's `max_in_flight`);
        /// 256 is the default `webhooks_concurrency`.
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
        /// Delivery jobs claimed per statement.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Events emitted one at a time to measure event-to-delivery latency.
        #[arg(long, default_value_t = 500)]
        latency_events: usize,
        /// Run on PostgreSQL: an admin URL; a scratch database is created and dropped.
        #[arg(long)]
        postgres: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account (or set its password) with a role in a workspace, created if needed.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, env = "PLAYGRAM_ADMIN_PASSWORD")]
        password: String,
        /// Workspace name; an existing workspace of that name is joined.
        #[arg(long)]
        workspace: String,
        #[arg(long, value_enum, default_value_t = RoleChoice::Owner)]
        role: RoleChoice,
    },
    /// Print a one-hour password-reset link for an account, or set the password with --password.
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Set this password now instead of printing a link (all sessions end).
        #[arg(long, env = "PLAYGRAM_ADMIN_PASSWORD")]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration and where each value came from (secrets redacted).
    Check,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    All,
    Web,
    Worker,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleChoice {
    Owner,
    Admin,
    Manager,
    Agent,
    Viewer,
}

impl From<RoleChoice> for Role {
    fn from(role: RoleChoice) -> Role {
        match role {
            RoleChoice::Owner => Role::Owner,
            RoleChoice::Admin => Role::Admin,
            RoleChoice::Manager => Role::Manager,
            RoleChoice::Agent => Role::Agent,
            RoleChoice::Viewer => Role::Viewer,
        }
    }
}

fn load(file: Option<&std::path::Path>) -> anyhow::Result<(Config, Layers)> {
    Ok(Config::from_env(file)?)
}

/// Connects and migrates, for the commands that work on the database directly.
async fn open(config: &Config) -> anyhow::Result<AppState> {
    let db = Db::connect(&config.database_url, 2)
        .await
        .context("connecting to the database")?;
    db.migrate().await.context("applying database migrations")?;
    AppState::new(config.clone(), db)
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let command = args.command.unwrap_or(Command::Serve {
        role: RoleArg::All,
        bind: None,
    });
    let file = args.config.as_deref();
    match command {
        Command::Serve { role, bind } => {
            let (mut config, _) = load(file)?;
            if let Some(bind) = bind {
                config.bind = bind.parse().with_context(|| {
                    format!("--bind must be a socket address such as 127.0.0.1:8080; got {bind:?}")
                })?;
                if std::env::var("PLAYGRAM_PUBLIC_URL").is_err() {
                    config.public_url = url::Url::parse(&format!("http://{}", config.bind))?;
                }
            }
            let _log_guard = playgram_core::telemetry::init(&config.log_level, &config.log_format);
            let role = match role {
                RoleArg::All => ServeRole::All,
                RoleArg::Web => ServeRole::Web,
                RoleArg::Worker => ServeRole::Worker,
            };
            let app = Application::build(config.clone(), role).await?;
            let address = app.local_addr();
            tracing::info!(%address, role = ?role, database = %playgram_core::config::redact_url(&config.database_url), "Playgram is listening");
            if role != ServeRole::Worker {
                eprintln!(
                    "Playgram is running: open {} in your browser.",
                    config.public_url
                );
            }
            app.run(playgram_app::shutdown_signal()).await
        }
        Command::Migrate => {
            let (config, _) = load(file)?;
            let db = Db::connect(&config.database_url, 1)
                .await
                .context("connecting to the database")?;
            let pending = db.pending_migrations().await.unwrap_or(usize::MAX);
            db.migrate().await.context("applying database migrations")?;
            match pending {
                0 => println!("The database is up to date."),
                usize::MAX => println!("Migrations applied to a new database."),
                n => println!("Applied {n} migration(s)."),
            }
            Ok(())
        }
        Command::Admin { command } => {
            let (config, _) = load(file)?;
            let state = open(&config).await?;
            match command {
                AdminCommand::CreateUser {
                    email,
                    password,
                    workspace,
                    role,
                } => {
                    let (user, ws) = playgram_app::accounts::service::admin_create_user(
                        &state,
                        &email,
                        &password,
                        &workspace,
                        role.into(),
                    )
                    .await?;
                    println!(
                        "{email} ({user}) is {} of workspace {workspace:?} ({ws}).",
                        Role::from(role)
                    );
                }
                AdminCommand::ResetPassword {
                    email,
                    password: Some(password),
                } => {
                    playgram_app::accounts::service::admin_set_password(&state, &email, &password)
                        .await?;
                    println!("Password of {email} changed; their sessions have ended.");
                }
                AdminCommand::ResetPassword {
                    email,
                    password: None,
                } => {
                    let origin = playgram_app::accounts::service::Origin {
                        ip: "cli".into(),
                        user_agent: "playgram admin".into(),
                    };
                    match playgram_app::accounts::service::create_reset_link(
                        &state, &email, &origin,
                    )
                    .await
                    .map_err(app_error)?
                    {
                        Some(link) => {
                            println!("Reset link for {email} (works once, for one hour):\n{link}")
                        }
                        None => anyhow::bail!("no account has the address {email}"),
                    }
                }
            }
            Ok(())
        }
        Command::Backup { to } => {
            let (config, _) = load(file)?;
            // Decided by the URL, before connecting: the hint must not wait on an unreachable server.
            if !config.is_sqlite() {
                anyhow::bail!(
                    "backup copies SQLite databases. For PostgreSQL use its own tool, for example:\n  pg_dump --format=custom --file=playgram.dump \"$DATABASE_URL\""
                );
            }
            if to.exists() {
                anyhow::bail!("{} already exists; choose a new file name", to.display());
            }
            let db = Db::connect(&config.database_url, 1)
                .await
                .context("connecting to the database")?;
            let path = to.to_str().context("the backup path must be valid UTF-8")?;
            db.backup_sqlite(path).await.context("VACUUM INTO")?;
            let size = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
            println!(
                "Backed up to {} ({size} bytes). Restore by stopping Playgram and copying it over the database file.",
                to.display()
            );
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::Queue {
                    jobs,
                    concurrency,
                    batch,
                    latency_jobs,
                    postgres,
                },
        } => {
            crate::bench::queue(crate::bench::QueueBench {
                jobs,
                concurrency,
                batch,
                latency_jobs,
                postgres,
            })
            .await
        }
        Command::Bench {
            command:
                BenchCommand::Contacts {
                    contacts,
                    requests,
                    postgres,
                },
        } => {
            crate::bench::contacts(crate::bench::ContactBench {
                contacts,
                requests,
                postgres,
            })
            .await
        }
        Command::Bench {
            command:
                BenchCommand::Webhooks {
                    events,
                    concurrency,
                    batch,
                    latency_events,
                    postgres,
                },
        } => {
            crate::bench::webhooks(crate::bench::WebhookBench {
                events,
                concurrency,
                batch,
                latency_events,
                postgres,
            })
            .await
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            let (config, layers) = load(file)?;
            println!("Configuration is valid. Effective values:");
            for (key, value, source) in layers.describe(&config) {
                println!("  {key:<32} = {value:<40} ({source})");
            }
            Ok(())
        }
    }
}

fn app_error(error: playgram_app::http::AppError) -> anyhow::Error {
    match error {
        playgram_app::http::AppError::Internal(error) => error,
        other => anyhow::anyhow!(other.public_message()),
    }
}
