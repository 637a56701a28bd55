//! `quotefeed run`, `quotefeed poll`, `quotefeed check` and `quotefeed export`.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Utc;
use clap::Args;

use super::{EXIT_UNREADABLE, fail};
use crate::app::App;
use crate::config::{Config, DEFAULT_CONFIG_PATH};
use crate::daemon::shutdown_on_signals;

/// Where the configuration is.
#[derive(Debug, Args)]
pub(crate) struct ConfigArg {
    /// The configuration file.
    #[arg(long, short, env = "QUOTEFEED_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct PollArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Poll only this source (even if it is disabled).
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The directory to write the files to (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The PostgreSQL database to copy the store into: `postgres://user:password@host/db`.
    #[arg(long, value_name = "URL")]
    to: String,
}

/// Logs to standard error: plain lines (coloured only on a terminal), or one JSON
/// object a line with `QUOTEFEED_LOG_FORMAT=json`; `QUOTEFEED_LOG` is a `tracing`
/// filter (`quotefeed=debug`).
fn init_logging(default: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("QUOTEFEED_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match std::env::var("QUOTEFEED_LOG_FORMAT").as_deref() {
        Ok("json") => builder.json().try_init(),
        _ => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
    };
}

fn load(arg: &ConfigArg) -> Result<Config, ExitCode> {
    Config::load(&arg.config).map_err(|e| fail(e, EXIT_UNREADABLE))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(32)
        .thread_keep_alive(std::time::Duration::from_secs(2))
        .build()
        .expect("the async runtime starts")
}

/// Raises the soft limit on open files to the hard limit: every connection and
/// every fetch is a file descriptor, and the usual soft limit (1024) is easily
/// reached by a busy server.
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!("open files limit: {limit}"),
        Err(e) => tracing::warn!("cannot raise the open files limit: {e}"),
    }
}

/// `quotefeed run`: the scheduler and the HTTP server until SIGTERM or SIGINT.
pub(crate) fn run(arg: ConfigArg) -> ExitCode {
    init_logging("info");
    let config = match load(&arg) {
        Ok(config) => config,
        Err(code) => return code,
    };
    raise_open_files_limit();
    runtime().block_on(async move {
        let listen = config.server.listen;
        let app = match App::open(config).await {
            Ok(app) => app,
            Err(e) => return fail(e, 1),
        };
        let role = app.config.server.role;
        let listener = if role.serves() {
            match tokio::net::TcpListener::bind(listen).await {
                Ok(listener) => Some(listener),
                Err(e) => return fail(format!("cannot listen on {listen}: {e}"), 1),
            }
        } else {
            None
        };
        let shutdown = shutdown_on_signals();
        let sources = app.config.sources.iter().filter(|s| s.enabled).count();
        let database = app.store.location().display();
        match &listener {
            Some(listener) => tracing::info!(
                sources,
                database,
                role = ?role,
                "quotefeed {} serving http://{} (public URL {})",
                env!("CARGO_PKG_VERSION"),
                listener.local_addr().map_or_else(|_| listen.to_string(), |a| a.to_string()),
                app.config.server.base_url
            ),
            None => tracing::info!(
                sources,
                database,
                "quotefeed {} polling and delivering (role poller, not serving)",
                env!("CARGO_PKG_VERSION")
            ),
        }
        app.run(listener, shutdown).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

/// `quotefeed poll`: every enabled source once, now; a line per source. Fails only
/// when every source failed.
pub(crate) fn poll(args: PollArgs) -> ExitCode {
    init_logging("warn");
    let config = match load(&args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    if let Some(name) = &args.source
        && config.source(name).is_none()
    {
        let known: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        return fail(format!("no source named \"{name}\" (configured: {})", known.join(", ")), EXIT_UNREADABLE);
    }
    runtime().block_on(async move {
        let app = match App::open(config).await {
            Ok(app) => app,
            Err(e) => return fail(e, 1),
        };
        let cancel = shutdown_on_signals();
        let reports = app.scheduler.poll_once(args.source.as_deref(), &cancel).await;
        if reports.is_empty() {
            println!("no enabled sources");
            return ExitCode::SUCCESS;
        }
        for report in &reports {
            println!("{report}");
        }
        if reports.iter().all(|r| r.outcome.is_err()) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
    })
}

/// `quotefeed check`: validates the configuration and shows each source's next runs.
pub(crate) fn check(arg: ConfigArg) -> ExitCode {
    let config = match load(&arg) {
        Ok(config) => config,
        Err(code) => return code,
    };
    // Absolute, with `.` and `..` folded (the file need not exist, so no canonicalize).
    let absolute = |path: &std::path::Path| {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut folded = std::path::PathBuf::new();
        for part in path.components() {
            match part {
                std::path::Component::ParentDir => {
                    folded.pop();
                }
                std::path::Component::CurDir => {}
                other => folded.push(other),
            }
        }
        folded
    };
    println!("{}: OK", absolute(&config.path).display());
    println!("listen {}, public URL {}", config.server.listen, config.server.base_url);
    match config.storage.location() {
        crate::store::Location::Sqlite(path) => {
            let database = absolute(&path);
            if database.exists() {
                println!("database {}", database.display());
            } else {
                println!("database {} (does not exist yet: it will be created there)", database.display());
            }
        }
        postgres => println!("database {} (PostgreSQL)", postgres.display()),
    }
    if config.sources.is_empty() {
        println!("no sources configured");
    }
    let now = Utc::now();
    for source in &config.sources {
        let state = if source.enabled { "" } else { " (disabled)" };
        match &source.location {
            crate::config::Location::File(path) => {
                println!("\n{}{state}: {}", source.name, absolute(path).display());
                if !path.exists() {
                    println!("  warning: {} does not exist", absolute(path).display());
                }
            }
            crate::config::Location::Http(url) => println!("\n{}{state}: {url}", source.name),
        }
        println!("  schedule \"{}\"{}", source.schedule, if source.full_article { ", full article pages" } else { "" });
        for time in source.schedule.upcoming(now, 3) {
            println!("  next run {}", time.format("%Y-%m-%d %H:%M:%S UTC (%a)"));
        }
    }
    ExitCode::SUCCESS
}

/// `quotefeed migrate --to postgres://…`: copies the configured SQLite store into
/// PostgreSQL (creating the schema there) and says what it copied, table by
/// table. Rows already there are kept, so it can run again (after a run cut
/// short, or to catch up before switching over).
pub(crate) fn migrate(args: MigrateArgs) -> ExitCode {
    init_logging("warn");
    let config = match load(&args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let from = config.storage.location();
    if matches!(from, crate::store::Location::Postgres(_)) {
        return fail(format!("the configured store is already PostgreSQL ({})", from.display()), EXIT_UNREADABLE);
    }
    let to = match crate::config::postgres_url(&args.to) {
        Ok(url) => crate::store::Location::Postgres(url),
        Err(e) => return fail(format!("--to: {e}"), EXIT_UNREADABLE),
    };
    let (source, target) = match (crate::store::Store::open_at(&from), crate::store::Store::open_at(&to)) {
        (Ok(source), Ok(target)) => (source, target),
        (Err(e), _) | (_, Err(e)) => return fail(e, 1),
    };
    match source.copy_into(&target) {
        Ok(report) => {
            println!("copied {} into {}:", from.display(), to.display());
            for table in &report {
                let already = table.rows - table.copied;
                println!("  {:<22} {:>9} copied, {:>9} there already", table.table, table.copied, already);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e, 1),
    }
}

/// `quotefeed export`: every feed and page as static files.
pub(crate) fn export(args: ExportArgs) -> ExitCode {
    init_logging("warn");
    let config = match load(&args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let store = match crate::store::Store::open_at(&config.storage.location()) {
        Ok(store) => store,
        Err(e) => return fail(e, 1),
    };
    match crate::export::export(&store, &config.server.base_url, &args.out) {
        Ok(exported) => {
            println!("{} feeds and {} pages written to {}", exported.feeds, exported.pages, args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e, 1),
    }
}
