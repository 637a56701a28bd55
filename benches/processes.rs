//! Sharing the polling: 10,000 sources (`SOURCES` to change it) on a loopback server,
//! polled by 1, 2 and 3 `quotefeed run` processes (`role = "poller"`) on one SQLite
//! store. Each count of processes gets a fresh store and makes two passes: every
//! feed new (200, two articles and two quotes each), then every feed unchanged (304).
//! Reported: the wall time of each pass, from starting the processes until every
//! source has been polled, and how the sources were shared.
//!
//! Run with `cargo bench --bench processes`; with `--features interop` it runs
//! again on PostgreSQL (the tests' own server), and reports the statements the
//! processes sent per source (`pg_stat_statements`), each one round trip.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn feed(n: usize) -> String {
    let mut items = String::new();
    for i in 0..2 {
        let id = n * 10 + i;
        write!(
            items,
            r#"<item><title>Story {id}</title><link>https://site{n}.example/{id}</link><guid>story-{id}</guid><description><![CDATA[<p>The minister said:</p><blockquote class="twitter-tweet"><p lang="en" dir="ltr">Statement number {id}.</p>&mdash; Minister {n} (@minister{n}) <a href="https://twitter.com/minister{n}/status/{id}">November 12, 2019</a></blockquote>]]></description></item>"#
        )
        .unwrap();
    }
    format!(r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Site {n}</title>{items}</channel></rss>"#)
}

/// Makes a fresh store for one count of processes, in a temporary directory.
type OpenStore = fn(&Path) -> Shared;

/// The store the processes share.
enum Shared {
    Sqlite(std::path::PathBuf),
    #[cfg_attr(not(feature = "interop"), allow(dead_code))]
    Postgres(String),
}

impl Shared {
    fn storage(&self) -> String {
        match self {
            Shared::Sqlite(path) => format!("[storage]\npath = \"{}\"\n", path.display()),
            Shared::Postgres(url) => format!("[storage]\nurl = \"{url}\"\n"),
        }
    }

    fn count(&self, sql: &str) -> i64 {
        match self {
            Shared::Sqlite(db) => {
                let Ok(connection) = rusqlite::Connection::open(db) else { return 0 };
                connection.busy_timeout(Duration::from_secs(10)).unwrap();
                connection.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
            }
            Shared::Postgres(url) => postgres::Client::connect(url, postgres::NoTls)
                .and_then(|mut c| c.query_one(sql, &[]))
                .map_or(0, |r| r.get(0)),
        }
    }

    fn execute(&self, sql: &str) {
        match self {
            Shared::Sqlite(db) => drop(rusqlite::Connection::open(db).unwrap().execute(sql, []).unwrap()),
            Shared::Postgres(url) => {
                postgres::Client::connect(url, postgres::NoTls).unwrap().batch_execute(sql).unwrap();
            }
        }
    }

    /// Statements run on the database since the last call (PostgreSQL only).
    fn statements(&self) -> Option<i64> {
        let Shared::Postgres(url) = self else { return None };
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        let row = client
            .query_one(
                "SELECT COALESCE(SUM(calls), 0)::BIGINT FROM pg_stat_statements
                 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
                &[],
            )
            .unwrap();
        client.batch_execute("SELECT pg_stat_statements_reset()").unwrap();
        Some(row.get(0))
    }
}

/// Starts `processes` pollers, waits until every source's last attempt is after
/// `since`, stops them; returns the wall time.
fn pass(binary: &str, config: &Path, db: &Shared, processes: usize, sources: usize, since: i64) -> Duration {
    let started = Instant::now();
    let mut children: Vec<Child> = (0..processes)
        .map(|_| {
            Command::new(binary)
                .args(["run", "--config", config.to_str().unwrap()])
                .env("QUOTEFEED_LOG", "warn")
                .spawn()
                .unwrap()
        })
        .collect();
    let query = format!("SELECT COUNT(*) FROM sources WHERE last_attempt_at >= {since}");
    while db.count(&query) < sources as i64 {
        assert!(started.elapsed() < Duration::from_secs(600), "the pass did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
    let wall = started.elapsed();
    for child in &mut children {
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    }
    for child in &mut children {
        child.wait().unwrap();
    }
    wall
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let sources: usize = std::env::var("SOURCES").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let (_server, port) = common::serve_feeds((0..sources).map(feed).collect());
    let binary = env!("CARGO_BIN_EXE_quotefeed");

    let stores: &[(&str, OpenStore)] = &[
        ("SQLite", |dir| Shared::Sqlite(dir.join("bench.db"))),
        #[cfg(feature = "interop")]
        ("PostgreSQL", |_| Shared::Postgres(quotefeed::store::testing::Postgres::shared().new_database())),
    ];
    for (name, open) in stores.iter().copied() {
        println!("{sources} sources polled by processes sharing one {name} store:");
        run(binary, port, sources, open);
    }
}

fn run(binary: &str, port: u16, sources: usize, open: OpenStore) {
    for processes in 1..=3 {
        let dir = tempfile::tempdir().unwrap();
        let db = open(dir.path());
        // Only the start-up run: the schedule's next run is next year.
        let mut config = format!(
            "[server]\nrole = \"poller\"\nlease = \"60s\"\n{}[fetch]\nconcurrency = 64\n[fetch.hosts]\n",
            db.storage()
        );
        for n in 0..sources {
            writeln!(config, "\"feed{n}.bench.test\" = \"127.0.0.1\"").unwrap();
        }
        for n in 0..sources {
            write!(
                config,
                "[[sources]]\nname = \"s{n}\"\nurl = \"http://feed{n}.bench.test:{port}/feed/{n}\"\nschedule = \"0 0 1 1 *\"\n"
            )
            .unwrap();
        }
        let config_path = dir.path().join("quotefeed.toml");
        std::fs::write(&config_path, config).unwrap();
        let mut line = format!("  {processes} process{}:", if processes == 1 { "" } else { "es" });
        for label in ["200", "304"] {
            if label == "304" {
                // The last attempts of the first pass are in an earlier second.
                std::thread::sleep(Duration::from_secs(1));
            }
            let since = chrono::Utc::now().timestamp();
            if label == "304" {
                // Due again now, with the validators of the first pass.
                db.execute("UPDATE sources SET next_run_at = 0");
            }
            db.statements();
            let wall = pass(binary, &config_path, &db, processes, sources, since);
            write!(
                line,
                " {label} pass {:.1} s ({:.0} sources/s",
                wall.as_secs_f64(),
                sources as f64 / wall.as_secs_f64()
            )
            .unwrap();
            match db.statements() {
                Some(statements) => write!(line, ", {:.1} statements/source);", statements as f64 / sources as f64),
                None => write!(line, ");"),
            }
            .unwrap();
        }
        let quotes = db.count("SELECT COUNT(*) FROM quotes");
        assert_eq!(quotes, 2 * sources as i64, "every quote stored once");
        println!("{line} {quotes} quotes");
    }
}
