//! `rampart`: a self-hosted server speaking Alibaba Cloud's RAM, STS and KMS
//! Secrets Manager APIs.

mod config;
mod console;
mod http;
mod metrics;
mod respond;
mod seed;
mod setup;
mod testmode;
mod tls;
mod workers;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::ServeArgs;

/// mimalloc: request handling allocates many small, short-lived objects on
/// several threads, where it does markedly better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rampart: Alibaba Cloud RAM, STS and KMS Secrets Manager, self-hosted.
#[derive(Parser, Debug)]
#[command(name = "rampart", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the APIs (initializes an empty store first).
    Serve(ServeArgs),
    /// Initialize an empty store and print the root credentials as JSON.
    Init(ServeArgs),
    /// Write a consistent copy of the embedded database (safe while serving).
    Backup {
        /// Options locating the store.
        #[command(flatten)]
        args: config::StoreArgs,
        /// The backup file to create.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Restore the embedded database from a backup into an empty data dir.
    Restore {
        /// Options locating the store.
        #[command(flatten)]
        args: config::StoreArgs,
        /// The backup file to restore.
        #[arg(long)]
        from: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (args, serve, op) = match cli.command {
        Command::Serve(a) => (a, true, None),
        Command::Init(a) => (a, false, None),
        Command::Backup { args, out } => {
            (args.into(), false, Some(setup::Maintenance::Backup(out)))
        }
        Command::Restore { args, from } => {
            (args.into(), false, Some(setup::Maintenance::Restore(from)))
        }
    };
    let cfg = match config::Config::resolve(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rampart: {e:#}");
            return ExitCode::from(2);
        }
    };
    if serve {
        if let Err(e) = cfg
            .check_plain_listen()
            .and_then(|()| cfg.check_test_mode())
        {
            eprintln!("rampart: {e:#}");
            return ExitCode::from(2);
        }
    }
    config::init_tracing(&cfg);
    let result = match (serve, op) {
        (true, _) => serve_main(cfg),
        (false, None) => setup::init_command(&cfg),
        (false, Some(op)) => setup::maintenance(&cfg, op),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rampart: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve_main(cfg: config::Config) -> anyhow::Result<()> {
    // A request that waits for a shared database holds a thread meanwhile
    // (a blocking one, or a worker whose other tasks moved to one): as
    // many as there are connections to it, and a few more for the
    // background work; more would only wait for a connection, and each
    // thread keeps memory of its own. Idle threads are kept for minutes, not
    // seconds, so that bursts reuse them instead of making new ones (each
    // new thread's allocator heap grows the process anew).
    let blocking = usize::try_from(cfg.db_pool_size)
        .unwrap_or(512)
        .saturating_add(8);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(blocking)
        .thread_keep_alive(std::time::Duration::from_secs(300))
        .build()?;
    runtime.block_on(http::serve(cfg))
}
