//! `playgram`: the one binary. `serve` (the default) runs the server; the other subcommands manage
//! the database, accounts, backups and configuration.

mod bench;
mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("playgram: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("playgram: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
