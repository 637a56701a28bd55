//! What subscribers see, checked without outside programs: conditional requests, a
//! new quote first, the pages' feed links and escaping, and static export, from a
//! daemon on loopback that polls the bolivia feed. (Real feed readers and a browser
//! read the same feeds and pages in `tests/interop_readers.rs`.)

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Remote, Route, get, request, serve, wait_for};

fn bolivia() -> (Remote, String) {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(common::fixture("bolivia/feed.xml")));
    let sources = format!("[[sources]]\nname = \"news\"\nurl = \"{}\"\n", remote.url("/feed.xml"));
    (remote, sources)
}

#[test]
fn conditional_requests_and_a_new_quote_first() {
    let (remote, sources) = bolivia();
    let (setup, _daemon, base) = serve(&sources, 16);
    let url = format!("{base}feeds/all.atom");
    let first = get(&url);
    assert_eq!(first.status, 200);
    let etag = first.header("etag").unwrap().to_string();
    let modified = first.header("last-modified").unwrap().to_string();
    let again = request("GET", &url, &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(request("GET", &url, &[("if-modified-since", &modified)]).status, 304);

    // A newer article with a new tweet, stored by `quotefeed poll` in another process.
    let new_item = r#"<item><title>New</title><link>https://news.example/2019/11/20/new/</link><guid>new-1</guid><pubDate>Wed, 20 Nov 2019 09:00:00 +0000</pubDate><description><![CDATA[<p>Then:</p><blockquote class="twitter-tweet"><p>The newest quote.</p>&mdash; Newcomer (@newcomer) <a href="https://twitter.com/newcomer/status/1195000000000000001">November 20, 2019</a></blockquote>]]></description></item>"#;
    let feed = common::fixture("bolivia/feed.xml").replacen("<item>", &format!("{new_item}<item>"), 1);
    remote.set("/feed.xml", Route::feed(feed));
    let report = setup.poll();
    assert!(report.contains("1 quote added"), "{report}");
    let mut fresh = get(&url);
    wait_for(Duration::from_secs(10), "the feed to change", || {
        fresh = request("GET", &url, &[("if-none-match", &etag)]);
        fresh.status == 200
    });
    assert_ne!(fresh.header("etag"), Some(etag.as_str()));
    let first_entry = fresh.text().split("<entry>").nth(1).unwrap().to_string();
    assert!(first_entry.contains("Newcomer (@newcomer): The newest quote."), "{first_entry}");
}

#[test]
fn pages_link_their_feeds_and_escape_what_they_show() {
    let (_remote, sources) = bolivia();
    let (setup, _daemon, base) = serve(&sources, 16);
    let index = get(&base).text();
    assert!(index.contains(r#"<link rel="alternate" type="application/atom+xml""#), "autodiscovery");
    assert!(index.contains(&format!("href=\"{base}feeds/source/news.rss\"")));
    assert!(index.contains("Example News"));
    let id: String =
        setup.db().query_row("SELECT id FROM quotes WHERE author_handle = 'AOC'", [], |r| r.get(0)).unwrap();
    let quote = get(&format!("{base}quotes/{id}")).text();
    assert!(quote.contains("isn’t democracy, it’s a coup"));
    assert!(quote.contains("Progressives around the world are condemning the coup in Bolivia"), "the citing article");
    assert!(quote.contains("Fellow progressive politicians have also spoken out:"), "its lead-in");
    assert!(quote.contains(&format!("{base}feeds/author/twitter/AOC.atom")), "the author's feed");
    let author = get(&format!("{base}authors/twitter/DrJillStein")).text();
    assert_eq!(author.matches("<article class=\"quote\"").count(), 2);
    let source = get(&format!("{base}sources/news")).text();
    assert_eq!(source.matches("<article class=\"quote\"").count(), 16);

    // Hashtags have pages and feeds, whatever the case they are written in.
    let texts: Vec<String> = {
        let db = setup.db();
        let mut statement = db.prepare("SELECT text FROM quotes").unwrap();
        statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    // "#Bolivia" as a whole word ("#BoliviaCoup" is another tag).
    let tagged = texts
        .iter()
        .map(|t| t.to_lowercase())
        .filter(|t| {
            t.match_indices("#bolivia")
                .any(|(i, m)| !t[i + m.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        })
        .count() as i64;
    assert_eq!(tagged, 1);
    let tag = get(&format!("{base}tags/Bolivia"));
    assert_eq!(tag.status, 200);
    assert_eq!(tag.text().matches("<article class=\"quote\"").count() as i64, tagged, "{}", tag.text());
    assert!(tag.text().contains(&format!("{base}feeds/tag/bolivia.atom")), "the tag's feeds");
    let atom = get(&format!("{base}feeds/tag/bolivia.atom"));
    assert_eq!(atom.status, 200);
    let document = roxmltree::Document::parse(std::str::from_utf8(&atom.body).unwrap()).unwrap();
    let entries = document.descendants().filter(|n| n.has_tag_name("entry")).count() as i64;
    assert_eq!(entries, tagged);
    assert_eq!(get(&format!("{base}tags/nosuchtag")).status, 404);
    assert_eq!(get(&format!("{base}feeds/tag/nosuchtag.rss")).status, 404);
}

#[test]
fn export_writes_the_same_feeds_and_pages_as_static_files() {
    let (_remote, sources) = bolivia();
    let (setup, _daemon, base) = serve(&sources, 16);
    let out = setup.dir.path().join("site");
    let output = setup.quotefeed(&["export", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    assert!(common::stdout(&output).contains("feeds and"), "{}", common::stdout(&output));
    for path in [
        "feeds/all.rss",
        "feeds/all.atom",
        "feeds/all.json",
        "feeds/source/news.atom",
        "feeds/author/twitter/DrJillStein.atom",
        "feeds/tag/bolivia.atom",
    ] {
        let file = std::fs::read(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(file, get(&format!("{base}{path}")).body, "{path} is what the server serves");
    }
    assert_eq!(std::fs::read(out.join("tags/bolivia.html")).unwrap(), get(&format!("{base}tags/bolivia")).body);
    assert!(std::fs::read_to_string(out.join("index.html")).unwrap().contains("Quotes from the news"));
    let quotes = std::fs::read_dir(out.join("quotes")).unwrap().count();
    assert_eq!(quotes, 16);
    let leftovers = walk(&out).into_iter().filter(|p| p.to_string_lossy().ends_with(".tmp")).count();
    assert_eq!(leftovers, 0, "no temporary files are left behind");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn an_article_carried_by_two_sources_is_quoted_in_once() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(common::fixture("bolivia/feed.xml")));
    remote.set("/mirror.xml", Route::feed(common::fixture("bolivia/feed.xml")));
    let sources = format!(
        "[[sources]]\nname = \"news\"\nurl = \"{}\"\n[[sources]]\nname = \"mirror\"\nurl = \"{}\"\n",
        remote.url("/feed.xml"),
        remote.url("/mirror.xml")
    );
    let (setup, _daemon, base) = serve(&sources, 16);
    wait_for(Duration::from_secs(20), "both sources' citations", || setup.count("citations") == 32);
    let id: String =
        setup.db().query_row("SELECT id FROM quotes WHERE author_handle = 'AOC'", [], |r| r.get(0)).unwrap();
    let title = "Progressives around the world are condemning the coup in Bolivia";
    let page = get(&format!("{base}quotes/{id}")).text();
    assert_eq!(page.matches(title).count(), 1, "one \"Quoted in\" entry: {page}");
    let json: serde_json::Value = serde_json::from_slice(&get(&format!("{base}feeds/all.json")).body).unwrap();
    let item = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["content_html"].as_str().unwrap().contains("it’s a coup"))
        .unwrap();
    assert_eq!(item["content_html"].as_str().unwrap().matches(title).count(), 1, "{item}");
}

/// A feed of `n` articles, each quoting one tweet of its own.
fn many_tweets(n: u64) -> String {
    let items: String = (0..n)
        .map(|i| {
            format!(
                r#"<item><title>Article {i}</title><link>https://many.example/{i}</link><guid>m{i}</guid><pubDate>Wed, 20 Nov 2019 09:{:02}:00 +0000</pubDate><description><![CDATA[<p>Lead {i}:</p><blockquote class="twitter-tweet"><p>Tweet number {i}.</p>&mdash; Person {i} (@person{i}) <a href="https://twitter.com/person{i}/status/{}">November 20, 2019</a></blockquote>]]></description></item>"#,
                i % 60,
                1_196_000_000_000_000_000u64 + i
            )
        })
        .collect();
    format!(
        "<rss version=\"2.0\"><channel><title>Example News</title><link>https://many.example/</link><description>d</description>{items}</channel></rss>"
    )
}

#[test]
fn pages_are_paginated_and_the_status_page_shows_each_source() {
    let remote = Remote::start();
    remote.set("/many.xml", Route::feed(many_tweets(25)));
    remote.set("/feed.xml", Route::feed(common::fixture("bolivia/feed.xml")));
    remote.set("/gone.xml", Route::Status { status: 500, retry_after: None });
    let sources = format!(
        "[[sources]]\nname = \"many\"\nurl = \"{}\"\n[[sources]]\nname = \"news\"\nurl = \"{}\"\n[[sources]]\nname = \"gone\"\nurl = \"{}\"\n",
        remote.url("/many.xml"),
        remote.url("/feed.xml"),
        remote.url("/gone.xml")
    );
    let (_setup, _daemon, base) = serve(&sources, 41);

    // Two sources whose feeds have one title are told apart by their names.
    let front = get(&base).text();
    assert!(front.contains("Example News (many)") && front.contains("Example News (news)"), "{front}");
    assert_eq!(front.matches("<article class=\"quote\"").count(), 20);
    assert!(front.contains(&format!("href=\"{base}?page=2\"")), "a link to older quotes");
    assert!(front.contains(&format!("href=\"{base}status\"")), "a link to the status page");
    let second = get(&format!("{base}?page=2")).text();
    assert_eq!(second.matches("<article class=\"quote\"").count(), 20);
    assert!(second.contains(&format!("href=\"{base}\"")) && second.contains(&format!("href=\"{base}?page=3\"")));
    let third = get(&format!("{base}?page=3")).text();
    assert_eq!(third.matches("<article class=\"quote\"").count(), 1, "41 quotes: 20 + 20 + 1");
    assert!(!third.contains("Older quotes"));
    assert_eq!(get(&format!("{base}?page=zero")).status, 400);
    assert_eq!(get(&format!("{base}sources/many?page=100000")).status, 400);

    let status = get(&format!("{base}status"));
    assert_eq!(status.status, 200);
    let status = status.text();
    for name in ["many", "news", "gone"] {
        assert!(status.contains(&format!("href=\"{base}sources/{name}\"")), "{name} on the status page");
    }
    assert!(status.contains("HTTP 500"), "the failing source's error");
    assert!(status.contains("<svg") && status.contains("25 quotes in the last 30 days"), "{status}");
    assert!(!status.contains("<script"));

    let metrics = get(&format!("{base}metrics")).text();
    assert!(metrics.contains("# HELP quotefeed_quotes Quotes in the store."), "{metrics}");
    assert!(metrics.contains("quotefeed_quotes 41"), "{metrics}");
    assert!(metrics.contains("quotefeed_sources_failing 1"), "{metrics}");
    assert!(metrics.contains("quotefeed_delivery_queue 0"), "{metrics}");
}
