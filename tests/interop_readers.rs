//! Interoperability: the feeds as real feed readers read them (Python feedparser,
//! jing with the Atom schema, xmllint, newsboat) and the pages in a real browser
//! (headless Chromium). Needs those programs: run with `scripts/test`, which installs
//! them (`cargo test --features interop` runs this set; without the programs each
//! test fails and says what to install).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Remote, Route, get, request, serve};
use serde_json::Value;

fn bolivia() -> (Remote, String) {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(common::fixture("bolivia/feed.xml")));
    let sources = format!("[[sources]]\nname = \"news\"\nurl = \"{}\"\n", remote.url("/feed.xml"));
    (remote, sources)
}

/// A program the test needs, with what to install when it is missing.
fn program(name: &str, install: &str) -> Command {
    let found = Command::new("sh").args(["-c", &format!("command -v {name}")]).output().unwrap();
    assert!(found.status.success(), "{name} is needed for this test: {install} (.ci/run installs it)");
    Command::new(name)
}

fn feedparser(url: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers/feedparser_check.py");
    let output = program("python3", "apt-get install python3").arg(script).arg(url).output().unwrap();
    assert!(
        output.status.success(),
        "feedparser failed (pip install feedparser): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn feedparser_reads_rss_and_atom_cleanly() {
    let (_remote, sources) = bolivia();
    let (_setup, _daemon, base) = serve(&sources, 16);
    for format in ["rss", "atom"] {
        let parsed = feedparser(&format!("{base}feeds/all.{format}"));
        assert_eq!(parsed["bozo"], 0, "{format}: {}", parsed["bozo_exception"]);
        assert_eq!(parsed["status"], 200);
        let entries = parsed["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 16, "{format}");
        for entry in entries {
            for field in ["title", "link", "id", "author", "date", "content"] {
                assert!(
                    entry[field].as_str().is_some_and(|v| !v.is_empty()),
                    "{format} entry without {field}: {entry}"
                );
            }
            assert!(entry["id"].as_str().unwrap().starts_with("urn:uuid:"));
            assert!(entry["link"].as_str().unwrap().starts_with("https://twitter.com/"));
            assert!(entry["tags"].as_array().unwrap().iter().any(|t| t == "twitter"));
        }
        let jill = entries
            .iter()
            .find(|e| e["title"].as_str().unwrap().starts_with("Dr. Jill Stein🌻 (@DrJillStein): Which"))
            .unwrap();
        assert!(jill["content"].as_str().unwrap().contains("poignantly asked"), "the lead-in is in the content");
        assert!(parsed["feed_links"].as_array().unwrap().iter().any(|rel| rel == "self"), "{format} has a self link");
    }
}

#[test]
fn the_atom_feed_is_valid_rfc_4287() {
    let (_remote, sources) = bolivia();
    let (setup, _daemon, base) = serve(&sources, 16);
    let file = setup.dir.path().join("all.atom");
    std::fs::write(&file, get(&format!("{base}feeds/all.atom")).body).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators/atom.rnc");
    let output = program("jing", "apt-get install jing").arg("-c").arg(schema).arg(&file).output().unwrap();
    assert!(
        output.status.success(),
        "jing: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lint = program("xmllint", "apt-get install libxml2-utils").arg("--noout").arg(&file).output().unwrap();
    assert!(lint.status.success(), "xmllint: {}", String::from_utf8_lossy(&lint.stderr));
}

#[test]
fn json_feed_and_author_feeds() {
    let (_remote, sources) = bolivia();
    let (_setup, _daemon, base) = serve(&sources, 16);
    let json: Value = serde_json::from_slice(&get(&format!("{base}feeds/all.json")).body).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], format!("{base}feeds/all.json"));
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 16);
    for item in items {
        for field in ["id", "url", "title", "content_html", "date_published"] {
            assert!(item[field].is_string(), "{field} in {item}");
        }
        assert!(item["authors"][0]["name"].is_string());
    }
    let jill = feedparser(&format!("{base}feeds/author/twitter/DrJillStein.atom"));
    assert_eq!(jill["bozo"], 0);
    assert_eq!(jill["entries"].as_array().unwrap().len(), 2);
    assert_eq!(
        feedparser(&format!("{base}feeds/author/twitter/drjillstein.rss"))["entries"].as_array().unwrap().len(),
        2,
        "handles are case-insensitive"
    );
    let source = feedparser(&format!("{base}feeds/source/news.atom"));
    assert_eq!(source["entries"].as_array().unwrap().len(), 16);
    assert_eq!(source["feed_title"], "Quotes from Example News");
}

#[test]
fn newsboat_reads_the_rss_feed() {
    let (_remote, sources) = bolivia();
    let (setup, _daemon, base) = serve(&sources, 16);
    let home = setup.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let urls = home.join("urls");
    std::fs::write(&urls, format!("{base}feeds/all.rss\n")).unwrap();
    let cache = home.join("cache.db");
    let config = home.join("config");
    std::fs::write(&config, "").unwrap();
    let output = program("newsboat", "apt-get install newsboat")
        .env("HOME", &home)
        .args([
            "-u",
            urls.to_str().unwrap(),
            "-c",
            cache.to_str().unwrap(),
            "-C",
            config.to_str().unwrap(),
            "-x",
            "reload",
            "print-unread",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("16 unread articles"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let db = rusqlite::Connection::open(&cache).unwrap();
    let (items, with_author): (i64, i64) = db
        .query_row("SELECT COUNT(*), COUNT(NULLIF(author, '')) FROM rss_item", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((items, with_author), (16, 16));
    let author: String =
        db.query_row("SELECT author FROM rss_item WHERE title LIKE 'Ilhan%'", [], |r| r.get(0)).unwrap();
    assert_eq!(author, "Ilhan Omar (@IlhanMN)");
}

#[test]
fn http_details() {
    let (_remote, sources) = bolivia();
    let (_setup, _daemon, base) = serve(&sources, 16);
    for (path, content_type) in [
        ("feeds/all.rss", "application/rss+xml; charset=utf-8"),
        ("feeds/all.atom", "application/atom+xml; charset=utf-8"),
        ("feeds/all.json", "application/feed+json; charset=utf-8"),
        ("", "text/html; charset=utf-8"),
    ] {
        let response = get(&format!("{base}{path}"));
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some(content_type), "{path}");
        assert!(response.header("etag").is_some(), "{path}");
        assert!(response.header("cache-control").unwrap().starts_with("public, max-age="), "{path}");
    }
    let head = request("HEAD", &format!("{base}feeds/all.atom"), &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert!(head.header("content-length").unwrap().parse::<usize>().unwrap() > 1000);

    let plain = get(&format!("{base}feeds/all.atom"));
    let gzip = request("GET", &format!("{base}feeds/all.atom"), &[("accept-encoding", "gzip")]);
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gzip.header("vary"), Some("Accept-Encoding"));
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip.body[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, plain.body);
    let br = request("GET", &format!("{base}feeds/all.atom"), &[("accept-encoding", "br, gzip")]);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert!(br.body.len() < plain.body.len() / 3);

    let limited = feedparser(&format!("{base}feeds/all.rss?limit=5"));
    assert_eq!(limited["entries"].as_array().unwrap().len(), 5);
    for bad in ["0", "501", "many"] {
        let response = get(&format!("{base}feeds/all.rss?limit={bad}"));
        assert_eq!(response.status, 400, "limit={bad}");
        assert!(response.text().contains("limit must be a number from 1 to 500"));
    }
    for path in [
        "feeds/source/nope.atom",
        "feeds/author/twitter/nobody.rss",
        "feeds/author/myspace/tom.rss",
        "feeds/all.xml",
        "quotes/0000",
        "nothing/here",
    ] {
        let response = get(&format!("{base}{path}"));
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"), "{path}");
        assert!(response.text().starts_with("404 Not Found"), "{path}");
    }
    assert_eq!(get(&format!("{base}healthz")).status, 200);
    let metrics = get(&format!("{base}metrics")).text();
    for name in [
        "quotefeed_polls_total",
        "quotefeed_fetches_total",
        "quotefeed_quotes 16",
        "quotefeed_feed_requests_total",
        "quotefeed_poll_duration_seconds_bucket",
    ] {
        assert!(metrics.contains(name), "{name} in {metrics}");
    }
}

#[test]
fn chromium_shows_the_quotes_and_runs_nothing_from_them() {
    let (_hostile, hostile_source) = hostile();
    let (_bolivia, bolivia_source) = bolivia();
    let (setup, _daemon, base) = serve(&format!("{hostile_source}{bolivia_source}"), 17);
    let profile = setup.dir.path().join("chromium-profile");
    let index = chromium_dom(&base, &profile);
    assert!(index.contains("Quotes from the news"));
    assert!(index.contains("Alexandria Ocasio-Cortez (@AOC)"), "a quote's author is shown");
    assert!(index.contains(&format!("{base}feeds/all.atom")), "the feed links");
    let id: String =
        setup.db().query_row("SELECT id FROM quotes WHERE author_handle = 'mallory'", [], |r| r.get(0)).unwrap();
    let page = chromium_dom(&format!("{base}quotes/{id}"), &profile);
    // The text of the tweet is shown as text, and none of the markup became elements.
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; and"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(4)&lt;/script&gt;"), "the article title shows as text");
}

/// A source whose article quotes a tweet that is an XSS attempt, twice: as text
/// (escaped in the embed) and as markup inside the embed.
fn hostile() -> (Remote, String) {
    let remote = Remote::start();
    let article = r#"<p>A reader tried:</p><blockquote class="twitter-tweet"><p>&lt;img src=x onerror=alert(1)&gt; and <img src=y onerror=alert(2)><script>alert(3)</script></p>&mdash; Mallory (@mallory) <a href="https://twitter.com/mallory/status/666">November 11, 2019</a></blockquote>"#;
    let item = format!(
        "<item><title>&lt;script&gt;alert(4)&lt;/script&gt;</title><link>https://news.example/x</link><guid>x</guid><description><![CDATA[{article}]]></description></item>"
    );
    remote.set(
        "/feed.xml",
        Route::feed(format!("<rss version=\"2.0\"><channel><title>Hostile</title>{item}</channel></rss>")),
    );
    let sources = format!("[[sources]]\nname = \"hostile\"\nurl = \"{}\"\n", remote.url("/feed.xml"));
    (remote, sources)
}

/// The page as Chromium sees it after loading and running it.
fn chromium_dom(url: &str, profile: &Path) -> String {
    let output = program("chromium", "apt-get install chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--virtual-time-budget=2000",
            "--dump-dom",
            url,
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "chromium: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}
