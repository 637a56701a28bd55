//! Sharing the polling: 10,000 sources (`SOURCES` to change it) on a loopback server,
//! polled by 1, 2 and 3 `quotefeed run` processes (`role = "poller"`) on one SQLite
//! store. Each count of processes gets a fresh store and makes two passes: every
//! feed new (200, two articles and two quotes each), then every feed unchanged (304).
//! Reported: the wall time of each pass, from starting the processes until every
//! source has been polled, and how the sources were shared.
//!
//! Run with `cargo bench --bench processes`.

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

fn count(db: &Path, sql: &str) -> i64 {
    let connection = rusqlite::Connection::open(db).unwrap();
    connection.busy_timeout(Duration::from_secs(10)).unwrap();
    connection.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

/// Starts `processes` pollers, waits until every source's last attempt is after
/// `since`, stops them; returns the wall time.
fn pass(binary: &str, config: &Path, db: &Path, processes: usize, sources: usize, since: i64) -> Duration {
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
    while count(db, &query) < sources as i64 {
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

    println!("{sources} sources polled by processes sharing one SQLite store:");
    for processes in 1..=3 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bench.db");
        // Only the start-up run: the schedule's next run is next year.
        let mut config = String::from(
            "[server]\nrole = \"poller\"\nlease = \"60s\"\n[storage]\npath = \"bench.db\"\n[fetch]\nconcurrency = 64\n[fetch.hosts]\n",
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
                let connection = rusqlite::Connection::open(&db).unwrap();
                connection.execute("UPDATE sources SET next_run_at = 0", []).unwrap();
            }
            let wall = pass(binary, &config_path, &db, processes, sources, since);
            write!(
                line,
                " {label} pass {:.1} s ({:.0} sources/s);",
                wall.as_secs_f64(),
                sources as f64 / wall.as_secs_f64()
            )
            .unwrap();
        }
        let quotes = count(&db, "SELECT COUNT(*) FROM quotes");
        assert_eq!(quotes, 2 * sources as i64, "every quote stored once");
        println!("{line} {quotes} quotes");
    }
}
