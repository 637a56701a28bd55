//! What one hostile article (or hostile data already in an old store) can do to
//! what subscribers and browsers get: nothing. Feeds stay XML, no script URL
//! becomes a link, every response carries the security headers, and an export
//! never writes outside its folder.

mod common;

use common::{Remote, Route, get, serve};

/// A feed whose one article does everything wrong: control characters and
/// non-characters in the text, the name and the title, `javascript:` and `data:`
/// links for the article, the channel, the post and the author.
fn hostile_feed() -> String {
    r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Evil&#160;News</title><link>javascript:alert('channel')</link>
<description>x</description>
<item><title>Bad &#xFFFD; title</title><link>javascript:alert('article')</link><guid>evil-1</guid>
<pubDate>Wed, 20 Nov 2019 09:00:00 +0000</pubDate>
<description><![CDATA[<p>Look:</p><blockquote class="twitter-tweet"><p>Hello BELL_HERE world NONCHAR_HERE and <a href="javascript:alert(1)">click</a> <a href="data:text/html,boom">data</a></p>&mdash; Ev BELL_HERE il (@evil) <a href="https://twitter.com/evil/status/1195000000000000001">November 20, 2019</a></blockquote>
<blockquote><p>Second quote with a script link.</p><cite><a href="javascript:alert(2)">Someone Else</a></cite></blockquote>]]></description></item>
</channel></rss>"#
        .replace("BELL_HERE", "\u{7}\u{1}\u{1b}")
        .replace("NONCHAR_HERE", "\u{FFFF}\u{FFFE}")
}

fn assert_xml(body: &[u8], what: &str) {
    let text = std::str::from_utf8(body).unwrap_or_else(|e| panic!("{what} is not UTF-8: {e}"));
    if let Err(e) = roxmltree::Document::parse(text) {
        panic!("{what} is not well-formed XML: {e}\n{text}");
    }
}

fn assert_no_script_links(body: &[u8], what: &str) {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    for scheme in ["javascript:", "data:"] {
        assert!(!text.contains(scheme), "{what} contains {scheme}: {text}");
    }
}

fn assert_security_headers(response: &common::Fetched, what: &str) {
    assert_eq!(
        response.header("content-security-policy"),
        Some("default-src 'none'; style-src 'self'; img-src 'self' https:"),
        "{what}"
    );
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(response.header("x-frame-options"), Some("DENY"), "{what}");
}

#[test]
fn a_hostile_article_breaks_no_feed_and_injects_no_link() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(hostile_feed()));
    let sources = format!("[[sources]]\nname = \"evil\"\nurl = \"{}\"\n", remote.url("/feed.xml"));
    let (setup, _daemon, base) = serve(&sources, 1);

    let text: String =
        setup.db().query_row("SELECT text FROM quotes WHERE author_handle = 'evil'", [], |r| r.get(0)).unwrap();
    assert!(text.starts_with("Hello "), "{text:?}");
    assert!(!text.contains('\u{7}') && !text.contains('\u{FFFF}'), "stripped at ingest: {text:?}");
    let article_url: Option<String> = setup.db().query_row("SELECT url FROM articles", [], |r| r.get(0)).unwrap();
    assert_eq!(article_url, None, "a javascript: article link is not stored");

    let mut urls: Vec<String> = Vec::new();
    for feed in ["all", "source/evil", "author/twitter/evil"] {
        for format in ["rss", "atom", "json"] {
            urls.push(format!("{base}feeds/{feed}.{format}"));
        }
    }
    let quote_ids = setup.quote_ids();
    urls.extend(
        ["".into(), "sources/evil".into(), "authors/twitter/evil".into()].map(|p: String| format!("{base}{p}")),
    );
    urls.extend(quote_ids.iter().map(|id| format!("{base}quotes/{id}")));
    for url in &urls {
        let response = get(url);
        assert_eq!(response.status, 200, "{url}");
        assert_security_headers(&response, url);
        assert_no_script_links(&response.body, url);
        if url.ends_with(".rss") || url.ends_with(".atom") {
            assert_xml(&response.body, url);
        }
    }
    assert_security_headers(&get(&format!("{base}no/such/page")), "a 404");
    let page = get(&base).text();
    assert!(!page.contains("<style"), "no inline style (the policy forbids it)");
    assert!(page.contains(&format!("href=\"{base}style.css\"")));
    assert_eq!(get(&format!("{base}style.css")).header("content-type"), Some("text/css; charset=utf-8"));
}

/// Rows written by an older quotefeed that did not clean its input: the feeds and
/// pages are still safe, because rendering checks again.
#[test]
fn hostile_rows_already_stored_are_rendered_safely() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(common::fixture("bolivia/feed.xml")));
    let sources = format!("[[sources]]\nname = \"news\"\nurl = \"{}\"\n", remote.url("/feed.xml"));
    let (setup, mut daemon, _) = serve(&sources, 16);
    daemon.kill();
    let writer = rusqlite::Connection::open(setup.db_path()).unwrap();
    writer
        .execute(
            "UPDATE quotes SET text = ?1, author_name = ?1, url = 'javascript:alert(1)', author_url = 'data:text/html,x'",
            ["bad \u{1}\u{8}\u{FFFF} text"],
        )
        .unwrap();
    writer.execute("UPDATE articles SET url = 'javascript:alert(2)', title = ?1", ["t\u{2}"]).unwrap();
    writer.execute("UPDATE sources SET site_url = 'javascript:alert(3)', title = ?1", ["s\u{3}"]).unwrap();
    drop(writer);
    let port = common::free_port();
    let base = format!("http://127.0.0.1:{port}/");
    setup.write_config(&format!("[server]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"{base}\"\n{sources}"));
    let _daemon = common::start_serving(&setup, port, 16);
    for path in ["feeds/all.rss", "feeds/all.atom", "feeds/source/news.rss", "feeds/source/news.atom", "feeds/all.json"]
    {
        let response = get(&format!("{base}{path}"));
        assert_eq!(response.status, 200, "{path}");
        assert_no_script_links(&response.body, path);
        if !path.ends_with(".json") {
            assert_xml(&response.body, path);
        }
    }
    for path in ["", "sources/news"] {
        assert_no_script_links(&get(&format!("{base}{path}")).body, path);
    }
}

#[test]
fn export_never_writes_outside_its_folder() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(common::fixture("bolivia/feed.xml")));
    let sources = format!("[[sources]]\nname = \"news\"\nurl = \"{}\"\n", remote.url("/feed.xml"));
    let setup = common::Setup::new(&sources);
    setup.poll();
    // Handles an older version stored unchecked (an Instagram handle is free text).
    let writer = rusqlite::Connection::open(setup.db_path()).unwrap();
    for (n, handle) in ["../../..", "../escape", "/abs", "..", "a\\b"].iter().enumerate() {
        writer
            .execute(
                "UPDATE quotes SET author_handle = ?1, platform = 'instagram' WHERE seq = ?2",
                rusqlite::params![handle, n as i64 + 1],
            )
            .unwrap();
    }
    drop(writer);
    let root = setup.dir.path().join("deep/er");
    std::fs::create_dir_all(&root).unwrap();
    let out = root.join("out");
    let output = setup.quotefeed(&["export", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let mut outside = Vec::new();
    for entry in walk(setup.dir.path()) {
        let ours = entry.parent() == Some(setup.dir.path())
            && entry.file_name().is_some_and(|n| n.to_string_lossy().starts_with("quotefeed."));
        if !entry.starts_with(&out) && !ours {
            outside.push(entry);
        }
    }
    assert_eq!(outside, Vec::<std::path::PathBuf>::new(), "files written outside --out");
    assert!(out.join("feeds/all.atom").exists() && out.join("style.css").exists());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

mod rendering {
    use proptest::prelude::*;
    use quotefeed::model::{Author, Platform, Quote};
    use quotefeed::publish::{Feed, FeedKind, Format};
    use quotefeed::store::{CitingArticle, PublishedQuote};

    fn feed(text: String, name: String, handle: String, title: String, url: String) -> Feed {
        let quote = Quote {
            id: "0123456789abcdef".into(),
            text: text.clone(),
            html: Some(format!("<p>{text}</p>")),
            author: Author { name: Some(name), handle: Some(handle), url: Some(url.clone()) },
            platform: Platform::Twitter,
            url: Some(url.clone()),
            published: Some(text.chars().take(10).collect()),
            context: Some(text),
            links: vec![url.clone()],
            resolved: false,
        };
        let citation = CitingArticle {
            source: "news".into(),
            source_title: Some(title.clone()),
            site_url: Some(url.clone()),
            title: Some(title),
            url: Some(url),
            published_at: Some(0),
            context: None,
        };
        Feed {
            kind: FeedKind::All,
            base: url::Url::parse("https://q.example/").unwrap(),
            items: vec![PublishedQuote {
                quote,
                cited_at: 1,
                first_seen_at: 1,
                updated_at: 1,
                citations: vec![citation],
            }],
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Whatever the stored fields hold, RSS and Atom stay well-formed XML.
        #[test]
        fn every_feed_is_xml_whatever_the_quote_says(
            text in any::<String>(), name in any::<String>(), handle in any::<String>(),
            title in any::<String>(), url in any::<String>(),
        ) {
            let feed = feed(text, name, handle, title, url);
            for format in [Format::Rss, Format::Atom] {
                let bytes = feed.render(format);
                let document = String::from_utf8(bytes).expect("UTF-8");
                prop_assert!(roxmltree::Document::parse(&document).is_ok(), "{:?}: {}", format, document);
            }
        }
    }
}
