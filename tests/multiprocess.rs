//! Several `quotefeed run` processes on one store, as an operator runs them to share
//! the work: each run of a source is polled by one process; a process killed in the
//! middle of a poll has its source taken over when its lease runs out, with nothing
//! lost or stored twice; what a poller stores, a web process serves within about a
//! second; and a follower gets each activity once, whichever process sends it.
//!
//! Each runs on one SQLite file and, with the `interop` feature (PostgreSQL
//! installed by `scripts/test`), on one PostgreSQL database.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::fediverse::{RemoteActor, now_date, post};
use common::{Daemon, Remote, Route, Setup, free_port, get, wait_for};

/// A feed whose one article quotes one tweet, `n`.
fn feed(n: u32) -> String {
    format!(
        r#"<rss version="2.0"><channel><title>Feed {n}</title><link>https://site{n}.example/</link><item><title>Story {n}</title><link>https://site{n}.example/{n}</link><guid>story-{n}</guid><description><![CDATA[<p>The minister said:</p><blockquote class="twitter-tweet"><p>Statement number {n}.</p>&mdash; Minister (@minister) <a href="https://twitter.com/minister/status/{}">November 20, 2026</a></blockquote>]]></description></item></channel></rss>"#,
        1_300_000_000_000_000_000u64 + u64::from(n)
    )
}

/// The store the processes share.
enum Shared {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by URL.
    #[cfg_attr(not(feature = "interop"), allow(dead_code))]
    Postgres(String),
}

impl Shared {
    /// A new SQLite file in `dir`.
    fn sqlite(dir: &tempfile::TempDir) -> Shared {
        Shared::Sqlite(dir.path().join("shared.db"))
    }

    /// A new database on the test PostgreSQL.
    #[cfg(feature = "interop")]
    fn postgres() -> Shared {
        Shared::Postgres(quotefeed::store::testing::Postgres::shared().new_database())
    }

    /// The `[storage]` section that names it.
    fn storage(&self) -> String {
        match self {
            Shared::Sqlite(path) => format!("[storage]\npath = \"{}\"\n", path.display()),
            Shared::Postgres(url) => format!("[storage]\nurl = \"{url}\"\n"),
        }
    }

    /// The one value a query returns (0 while the store does not exist yet).
    fn count(&self, sql: &str) -> i64 {
        match self {
            Shared::Sqlite(path) => {
                rusqlite::Connection::open(path).and_then(|c| c.query_row(sql, [], |r| r.get(0))).unwrap_or(0)
            }
            Shared::Postgres(url) => ::postgres::Client::connect(url, ::postgres::NoTls)
                .and_then(|mut c| c.query_one(sql, &[]))
                .map_or(0, |row| row.get(0)),
        }
    }

    /// The process leasing the (one) source.
    fn lease_owner(&self) -> String {
        match self {
            Shared::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row("SELECT lease_owner FROM sources", [], |r| r.get(0))
                .unwrap(),
            Shared::Postgres(url) => ::postgres::Client::connect(url, ::postgres::NoTls)
                .unwrap()
                .query_one("SELECT lease_owner FROM sources", &[])
                .unwrap()
                .get(0),
        }
    }
}

/// One process's configuration: the shared store, its port and role, the sources.
fn process(store: &Shared, port: u16, base: &str, role: &str, extra: &str, sources: &str) -> Setup {
    Setup::new(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"{base}\"\nrole = \"{role}\"\nlease = \"2s\"\n\
         {}[fetch]\nallow_private_networks = true\n{extra}\n{sources}",
        store.storage()
    ))
}

/// A test on SQLite, and (with the `interop` feature) on PostgreSQL.
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $scenario() {
                    let dir = tempfile::tempdir().unwrap();
                    super::$scenario(super::Shared::sqlite(&dir));
                }
            )*
        }
        #[cfg(feature = "interop")]
        mod postgres {
            $(
                #[test]
                fn $scenario() {
                    super::$scenario(super::Shared::postgres());
                }
            )*
        }
    };
}

on_both_stores!(
    three_processes_poll_each_run_of_a_source_once,
    a_process_killed_mid_poll_loses_its_source_to_another,
    a_poller_stores_and_a_web_process_serves_it_within_a_second,
    a_follower_gets_each_activity_once_from_two_processes,
);

/// `[[sources]]` entries for the remote's feeds `/feed{i}.xml`.
fn sources(remote: &Remote, count: u32, schedule: &str) -> String {
    (0..count)
        .map(|i| {
            format!(
                "[[sources]]\nname = \"s{i}\"\nurl = \"{}\"\nschedule = \"{schedule}\"\n",
                remote.url(&format!("/feed{i}.xml"))
            )
        })
        .collect()
}

/// Starts a process and waits until it answers (web and all) or has started
/// (poller: nothing to connect to).
fn start(setup: &Setup, port: u16, serves: bool) -> Daemon {
    let daemon = setup.run();
    if serves {
        wait_for(Duration::from_secs(20), "the process to serve", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
    } else {
        std::thread::sleep(Duration::from_millis(500));
    }
    daemon
}

fn three_processes_poll_each_run_of_a_source_once(store: Shared) {
    let remote = Remote::start();
    for i in 0..6 {
        remote.set(&format!("/feed{i}.xml"), Route::feed(feed(i)));
    }
    let list = sources(&remote, 6, "*/3 * * * * *");
    let started = Instant::now();
    let _processes: Vec<(Setup, Daemon)> = (0..3)
        .map(|_| {
            let port = free_port();
            let setup = process(&store, port, &format!("http://127.0.0.1:{port}/"), "all", "", &list);
            let daemon = start(&setup, port, true);
            (setup, daemon)
        })
        .collect();
    std::thread::sleep(Duration::from_secs(11).saturating_sub(started.elapsed()));
    for i in 0..6 {
        let times = remote.hit_times(&format!("/feed{i}.xml"));
        assert!(times.len() >= 3, "feed {i} was polled on each run: {} polls", times.len());
        // Runs are 3 s apart. After the first (the start-up run, which may fall just
        // before a scheduled one), two polls of a run by two processes would come
        // within moments of each other.
        for pair in times[1..].windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap >= Duration::from_millis(1500), "feed {i}: two polls {gap:?} apart in one run");
        }
    }
    assert_eq!(store.count("SELECT COUNT(*) FROM quotes"), 6);
    assert_eq!(store.count("SELECT COUNT(*) FROM citations"), 6);
}

fn a_process_killed_mid_poll_loses_its_source_to_another(store: Shared) {
    let remote = Remote::start();
    remote.set(
        "/feed0.xml",
        Route::Slow { body: feed(0), content_type: "application/rss+xml", delay: Duration::from_secs(4) },
    );
    // Only the start-up run: the schedule's next is next year.
    let list = sources(&remote, 1, "0 0 1 1 *");
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let setups: Vec<Setup> = ports
        .iter()
        .map(|port| process(&store, *port, &format!("http://127.0.0.1:{port}/"), "all", "", &list))
        .collect();
    let mut processes: Vec<Daemon> = setups.iter().zip(&ports).map(|(setup, port)| start(setup, *port, true)).collect();
    wait_for(Duration::from_secs(10), "one process to start polling", || remote.hits("/feed0.xml") == 1);
    let holder = store.lease_owner();
    let pid: u32 = holder.split('-').next().unwrap().parse().unwrap();
    // Every process's status page says which process is polling it.
    let status = get(&format!("http://127.0.0.1:{}/status", ports[0])).text();
    assert!(status.contains(&format!("being polled by process {holder}")), "{status}");
    let victim = processes.iter_mut().find(|p| p.pid() == Some(pid)).expect("the holder is one of ours");
    victim.kill();
    let killed = Instant::now();
    // Its 2 s lease runs out; another process takes the source over and polls it.
    wait_for(Duration::from_secs(10), "another process to take the source over", || remote.hits("/feed0.xml") == 2);
    let taken_over = killed.elapsed();
    wait_for(Duration::from_secs(10), "the quote", || store.count("SELECT COUNT(*) FROM quotes") == 1);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(remote.hits("/feed0.xml"), 2, "polled by the killed process and by one other");
    assert_eq!(store.count("SELECT COUNT(*) FROM quotes"), 1);
    assert_eq!(store.count("SELECT COUNT(*) FROM citations"), 1);
    assert!(taken_over < Duration::from_secs(5), "taken over {taken_over:?} after the kill (lease 2 s)");
}

fn a_poller_stores_and_a_web_process_serves_it_within_a_second(store: Shared) {
    let remote = Remote::start();
    remote.set("/feed0.xml", Route::feed(feed(0)));
    let list = sources(&remote, 1, "*/2 * * * * *");
    let (web_port, poller_port) = (free_port(), free_port());
    let web_base = format!("http://127.0.0.1:{web_port}/");
    let web = process(&store, web_port, &web_base, "web", "", &list);
    let mut web_process = start(&web, web_port, true);
    // Nothing is polled before the poller starts: the web process does not poll.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(remote.hits("/feed0.xml"), 0, "a web process polls nothing");
    let poller = process(&store, poller_port, &web_base, "poller", "", &list);
    let mut poller_process = start(&poller, poller_port, false);
    assert!(std::net::TcpStream::connect(("127.0.0.1", poller_port)).is_err(), "a poller does not listen");
    // The feed changes while both run: the poller stores the new quote at its next
    // run, and the web process serves it about a second later.
    wait_for(Duration::from_secs(10), "the first quote", || store.count("SELECT COUNT(*) FROM quotes") == 1);
    let served = || get(&format!("{web_base}feeds/all.atom")).text();
    wait_for(Duration::from_secs(5), "the web process to serve it", || served().contains("Statement number 0."));
    remote.set("/feed0.xml", Route::feed(with_second_quote()));
    wait_for(Duration::from_secs(10), "the second quote", || store.count("SELECT COUNT(*) FROM quotes") == 2);
    let stored = Instant::now();
    wait_for(Duration::from_secs(5), "the web process to serve it", || served().contains("Statement number 1."));
    let delay = stored.elapsed();
    // SQLite's processes look for others' commits every second; PostgreSQL tells
    // them at once (LISTEN/NOTIFY).
    let within = match store {
        Shared::Sqlite(_) => Duration::from_millis(2500),
        Shared::Postgres(_) => Duration::from_secs(1),
    };
    assert!(delay < within, "served {delay:?} after it was stored");
    // Both stop cleanly, closing their database connections.
    for (name, process) in [("web", &mut web_process), ("poller", &mut poller_process)] {
        process.signal("TERM");
        let (code, log) = process.wait(Duration::from_secs(15));
        assert_eq!(code, Some(0), "the {name} process exits 0 on SIGTERM; log:\n{log}");
        assert!(!log.contains("panicked"), "{name}: {log}");
    }
}

/// Feed 0 with a newer article quoting statement 1 before its own.
fn with_second_quote() -> String {
    let second = feed(1);
    let item = &second[second.find("<item>").unwrap()..second.find("</item>").unwrap() + "</item>".len()];
    feed(0).replace("<item>", &format!("{item}<item>"))
}

fn a_follower_gets_each_activity_once_from_two_processes(store: Shared) {
    let remote = Remote::start();
    remote.set("/feed0.xml", Route::feed(feed(0)));
    let list = sources(&remote, 1, "*/2 * * * * *");
    let (first, second) = (free_port(), free_port());
    // Both answer for one public URL, as two machines behind a load balancer do.
    let base = format!("http://127.0.0.1:{first}/");
    let federating = "[activitypub]\nenabled = true\nretry_base = \"1s\"";
    let one = process(&store, first, &base, "all", federating, &list);
    let two = process(&store, second, &base, "all", federating, &list);
    let _one = start(&one, first, true);
    let _two = start(&two, second, true);
    wait_for(Duration::from_secs(10), "the first quote", || store.count("SELECT COUNT(*) FROM quotes") == 1);

    let tester = RemoteActor::new();
    let inbox = format!("{base}users/s0/inbox");
    let body = tester.follow(&format!("{base}users/s0"));
    assert_eq!(post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), body).status, 202);
    wait_for(Duration::from_secs(10), "the Accept", || tester.remote.hits("/actor/inbox") == 1);

    remote.set("/feed0.xml", Route::feed(with_second_quote()));
    wait_for(Duration::from_secs(15), "the Create", || tester.remote.hits("/actor/inbox") == 2);
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(tester.remote.hits("/actor/inbox"), 2, "one Accept and one Create, each sent once");
    let create: serde_json::Value = serde_json::from_slice(&tester.remote.bodies("/actor/inbox")[1]).unwrap();
    assert_eq!(create["type"], "Create");
    assert!(create["object"]["content"].as_str().unwrap().contains("Statement number 1."));
    assert_eq!(store.count("SELECT COUNT(*) FROM deliveries"), 0);
    assert_eq!(store.count("SELECT COUNT(*) FROM events"), 0);
}
