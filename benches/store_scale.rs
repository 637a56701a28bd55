//! The store at scale: QUOTES quotes (default 100,000) from QUOTES/5 articles in 10
//! sources, committed through the same path a poll uses (`Store::commit_article`),
//! then the uncached render time of the documents readers ask for most — the front
//! page, `/feeds/all.atom`, a source's feed and page, an author's feed and page and
//! an outbox page — and the store's bytes per quote.
//!
//! Run with `cargo bench --bench store_scale` (`QUOTES=1000000` for the million);
//! `STORE=postgres cargo bench --features interop --bench store_scale` for
//! PostgreSQL (the tests' own server, on loopback).
//! Each document is rendered 7 times; the median is reported.

use std::time::{Duration, Instant};

use quotefeed::model::{Author, Platform, Quote};
use quotefeed::publish::site::{self, FeedRequest};
use quotefeed::publish::{FeedKind, Format};
use quotefeed::store::{ArticleRecord, Location, Selection, Store};
use url::Url;

const SOURCES: usize = 10;
const QUOTES_PER_ARTICLE: usize = 5;
/// Authors quoted: each quote is by one of them.
const AUTHORS: usize = 2000;

fn quote(n: usize) -> Quote {
    let author = n % AUTHORS;
    let handle = format!("person{author}");
    let url = format!("https://twitter.com/{handle}/status/{}", 1_200_000_000_000_000_000u64 + n as u64);
    let person = Author {
        name: Some(format!("Person {author}")),
        handle: Some(handle.clone()),
        url: Some(format!("https://twitter.com/{handle}")),
    };
    let text = format!(
        "Statement number {n} on the harbour, the ferries and the timetable #harbour{} https://t.co/x{n}",
        n % 50
    );
    Quote {
        id: quotefeed_extract::quote_id(Platform::Twitter, Some(&url), &person, &text),
        html: Some(format!("<p>{text}</p>")),
        text,
        author: person,
        platform: Platform::Twitter,
        url: Some(url),
        published: Some("2026-11-20".into()),
        context: Some("The minister said:".into()),
        links: vec![format!("https://t.co/x{n}")],
        resolved: false,
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time(label: &str, mut render: impl FnMut() -> usize) {
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..7 {
        let start = Instant::now();
        bytes = render();
        times.push(start.elapsed());
    }
    println!("{label:<28} {:>8.2} ms  ({bytes} bytes)", median(times).as_secs_f64() * 1000.0);
}

/// The store's size on disk: the SQLite file (its write-ahead log folded in), or
/// the PostgreSQL database (after a VACUUM, so dead rows are not counted).
fn store_bytes(location: &Location, dir: &std::path::Path) -> u64 {
    match location {
        Location::Sqlite(path) => {
            if path.exists() {
                rusqlite::Connection::open(path).unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
            }
            std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum()
        }
        Location::Postgres(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            client.batch_execute("VACUUM ANALYZE").unwrap();
            let size: i64 = client.query_one("SELECT pg_database_size(current_database())", &[]).unwrap().get(0);
            size as u64
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let quotes: usize = std::env::var("QUOTES").ok().and_then(|q| q.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scale.db");
    let location = match std::env::var("STORE").as_deref() {
        #[cfg(feature = "interop")]
        Ok("postgres") => Location::Postgres(quotefeed::store::testing::Postgres::shared().new_database()),
        #[cfg(not(feature = "interop"))]
        Ok("postgres") => panic!("STORE=postgres needs --features interop (the tests' PostgreSQL server)"),
        _ => Location::Sqlite(path.clone()),
    };
    let empty_size = store_bytes(&location, dir.path());
    let store = Store::open_at(&location).unwrap();
    store.set_federating(true);
    let names: Vec<String> = (0..SOURCES).map(|s| format!("source{s}")).collect();
    store.sync_sources(names.iter().map(|n| (n.as_str(), format!("https://{n}.example/feed.xml")))).unwrap();

    let start = Instant::now();
    let articles = quotes / QUOTES_PER_ARTICLE;
    let base_time = 1_790_000_000;
    for a in 0..articles {
        let source = &names[a % SOURCES];
        let record = ArticleRecord {
            guid: format!("article-{a}"),
            url: Some(format!("https://{source}.example/{a}")),
            title: Some(format!("Story {a}")),
            published_at: Some(base_time + a as i64 * 60),
            content_hash: format!("hash-{a}"),
        };
        let batch: Vec<Quote> = (0..QUOTES_PER_ARTICLE).map(|i| quote(a * QUOTES_PER_ARTICLE + i)).collect();
        store.commit_article(source, &record, &batch, base_time + a as i64 * 60).unwrap();
    }
    let elapsed = start.elapsed();
    println!(
        "stored {quotes} quotes from {articles} articles in {SOURCES} sources in {:.1} s: {:.0} quotes/s",
        elapsed.as_secs_f64(),
        quotes as f64 / elapsed.as_secs_f64()
    );
    drop(store);
    let bytes = store_bytes(&location, dir.path()) - empty_size;
    let store = Store::open_at(&location).unwrap();
    println!("store: {bytes} bytes, {:.0} bytes per quote", bytes as f64 / quotes as f64);

    let base = Url::parse("https://quotes.example/").unwrap();
    let feed = |request: FeedRequest| {
        let store = &store;
        let base = &base;
        move || site::feed(store, base, &request, Format::Atom, 50).unwrap().unwrap().body.len()
    };
    time("/", || site::index(&store, &base, 1).unwrap().body.len());
    time("/?page=50", || site::index(&store, &base, 50).unwrap().body.len());
    // The deepest page served (offsets stop at `MAX_PAGE`).
    time("/?page=1000", || site::index(&store, &base, site::MAX_PAGE).unwrap().body.len());
    time("/feeds/all.atom", feed(FeedRequest::All));
    time("/feeds/source/source3.atom", feed(FeedRequest::Source("source3".into())));
    time("/sources/source3", || site::source(&store, &base, "source3", 1).unwrap().unwrap().body.len());
    time("/feeds/author/twitter/person7", feed(FeedRequest::Author(Platform::Twitter, "person7".into())));
    time("/authors/twitter/person7", || {
        site::author(&store, &base, Platform::Twitter, "person7", 1).unwrap().unwrap().body.len()
    });
    let now = base_time + articles as i64 * 60;
    time("/status", || site::status(&store, &base, now).unwrap().body.len());
    time("outbox page 1 (@all)", || {
        let selection = FeedKind::All.selection();
        let total = store.count_quotes(selection).unwrap();
        store.published_quotes_page(selection, 0, 20).unwrap().len() + total as usize
    });
    time("outbox page 1 (@source3)", || {
        let selection = Selection::Source("source3");
        let total = store.count_quotes(selection).unwrap();
        store.published_quotes_page(selection, 0, 20).unwrap().len() + total as usize
    });
}
