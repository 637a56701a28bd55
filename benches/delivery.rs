//! Delivering one new quote to 1,000 followers on 50 servers (each with a shared
//! inbox, served by one loopback server under 50 host names): how many POSTs are
//! made (one per server, not one per follower) and how long from starting the
//! daemon, which polls the source at once, to the last delivery.
//!
//! Run with `cargo bench --bench delivery`.

use std::fmt::Write as _;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FOLLOWERS: usize = 1000;
const SERVERS: usize = 50;

fn article(n: u32) -> String {
    format!(
        r#"<item><title>Story {n}</title><link>https://news.example/{n}</link><guid>story-{n}</guid><pubDate>Tue, 12 Nov 2019 1{n}:00:00 +0000</pubDate><description><![CDATA[<p>The minister said:</p><blockquote class="twitter-tweet"><p>Statement {n}.</p>&mdash; Minister (@minister) <a href="https://twitter.com/minister/status/{}">November 12, 2019</a></blockquote>]]></description></item>"#,
        1_000 + n
    )
}

fn feed(articles: &[u32]) -> String {
    let items: String = articles.iter().map(|n| article(*n)).collect();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><link>https://news.example/</link>{items}</channel></rss>"#
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let posts: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
    let seen = Arc::clone(&posts);
    let app = axum::Router::new().route(
        "/inbox",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let seen = Arc::clone(&seen);
            async move {
                let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
                seen.lock().unwrap().push((Instant::now(), host));
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let feed_path = dir.path().join("feed.xml");
    std::fs::write(&feed_path, feed(&[1])).unwrap();
    let server_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = format!(
        "[server]\nlisten = \"127.0.0.1:{server_port}\"\nbase_url = \"http://127.0.0.1:{server_port}/\"\n[storage]\npath = \"bench.db\"\n\
         [activitypub]\nenabled = true\n[fetch]\nallow_private_networks = true\n[fetch.hosts]\n"
    );
    for n in 0..SERVERS {
        writeln!(config, "\"inbox{n}.bench.test\" = \"127.0.0.1\"").unwrap();
    }
    config.push_str("[[sources]]\nname = \"news\"\nurl = \"feed.xml\"\nschedule = \"0 0 1 1 *\"\n");
    let config_path = dir.path().join("quotefeed.toml");
    std::fs::write(&config_path, config).unwrap();
    let binary = env!("CARGO_BIN_EXE_quotefeed");

    // The first article is stored before anyone follows.
    let output = Command::new(binary).args(["poll", "--config", config_path.to_str().unwrap()]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let db = rusqlite::Connection::open(dir.path().join("bench.db")).unwrap();
    let after: i64 = db
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'events'", [], |r| r.get(0))
        .unwrap();
    for i in 0..FOLLOWERS {
        let server = i % SERVERS;
        db.execute(
            "INSERT INTO followers (actor, follower, inbox, shared_inbox, follow_id, created_at, after_event) VALUES ('news', ?1, ?2, ?3, NULL, 0, ?4)",
            rusqlite::params![
                format!("http://inbox{server}.bench.test:{port}/users/f{i}"),
                format!("http://inbox{server}.bench.test:{port}/users/f{i}/inbox"),
                format!("http://inbox{server}.bench.test:{port}/inbox"),
                after
            ],
        )
        .unwrap();
    }
    // A second article arrives; the daemon polls it at start-up.
    std::fs::write(&feed_path, feed(&[1, 2])).unwrap();
    db.execute("UPDATE sources SET next_run_at = NULL, etag = NULL", []).unwrap();
    drop(db);

    let started = Instant::now();
    let mut daemon = Command::new(binary)
        .args(["run", "--config", config_path.to_str().unwrap()])
        .env("QUOTEFEED_LOG", "warn")
        .spawn()
        .unwrap();
    while posts.lock().unwrap().len() < SERVERS && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let last = posts.lock().unwrap().iter().map(|(at, _)| *at).max();
    std::thread::sleep(Duration::from_secs(2));
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let posts = posts.lock().unwrap();
    let mut hosts: Vec<&String> = posts.iter().map(|(_, host)| host).collect();
    hosts.sort();
    hosts.dedup();
    println!("one new quote to {FOLLOWERS} followers on {SERVERS} servers:");
    println!("  POSTs made: {} (to {} distinct servers)", posts.len(), hosts.len());
    if let Some(last) = last {
        println!(
            "  from daemon start (which polls, fans out and delivers) to the last POST: {:.2} s",
            (last - started).as_secs_f64()
        );
    }
}
