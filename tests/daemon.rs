//! The daemon as an operator runs it: `quotefeed poll` and `quotefeed run` against
//! feeds served on loopback, with a real SQLite file.

mod common;

use std::time::Duration;

use common::{Remote, Route, Setup, fixture, stderr, stdout, wait_for};

fn source(name: &str, url: &str) -> String {
    format!("[[sources]]\nname = \"{name}\"\nurl = \"{url}\"\n")
}

/// A feed as another site republishes it: the same posts in articles of its own.
fn republished(feed: &str) -> String {
    feed.replace("https://news.example/", "https://other.example/")
        .replace("?p=100201", "?p=7")
        .replace("?p=100187", "?p=8")
}

/// The bolivia feed with one tweet taken out and another put in.
fn edited_bolivia() -> String {
    let feed = fixture("bolivia/feed.xml");
    let start = feed.find("<blockquote class=\"twitter-tweet\" data-width=\"550\" data-dnt=\"true\"><p lang=\"en\" dir=\"ltr\">The ugly face").unwrap();
    let end = start + feed[start..].find("</blockquote>").unwrap() + "</blockquote>".len();
    let new_tweet = r#"<blockquote class="twitter-tweet"><p lang="en" dir="ltr">A new tweet, added when the article was updated.</p>&mdash; Someone New (@someonenew) <a href="https://twitter.com/someonenew/status/1193900000000099999">November 13, 2019</a></blockquote>"#;
    format!("{}{new_tweet}{}", &feed[..start], &feed[end..])
}

#[test]
fn a_poll_stores_16_quotes_and_the_next_gets_304() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    let setup = Setup::new(&source("news", &remote.url("/feed.xml")));

    let first = setup.poll();
    assert!(first.contains("news: 200, 2 articles (2 new, 0 changed), 16 quotes added"), "{first}");
    assert_eq!(setup.count("quotes"), 16);
    assert_eq!(setup.count("articles"), 2);
    setup.assert_consistent();

    let second = setup.poll();
    assert!(second.contains("news: 304, nothing new"), "{second}");
    assert!(remote.last_header("/feed.xml", "if-none-match").is_some(), "a conditional request");
    assert!(remote.last_header("/feed.xml", "user-agent").unwrap().starts_with("quotefeed/"));
    assert_eq!(setup.count("quotes"), 16);
}

#[test]
fn an_edited_article_adds_exactly_one_quote() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    let setup = Setup::new(&source("news", &remote.url("/feed.xml")));
    setup.poll();
    let before = setup.quote_ids();

    remote.set("/feed.xml", Route::feed(edited_bolivia()));
    let report = setup.poll();
    assert!(report.contains("1 quote added") && report.contains("1 removed"), "{report}");
    let after = setup.quote_ids();
    let added: Vec<_> = after.iter().filter(|id| !before.contains(id)).collect();
    let removed: Vec<_> = before.iter().filter(|id| !after.contains(id)).collect();
    assert_eq!((added.len(), removed.len()), (1, 1), "one quote added, the tweet taken out removed");
    assert_eq!(after.len(), 16);
    let text: String = setup.db().query_row("SELECT text FROM quotes WHERE id = ?1", [added[0]], |r| r.get(0)).unwrap();
    assert_eq!(text, "A new tweet, added when the article was updated.");
    setup.assert_consistent();
}

#[test]
fn a_second_source_with_the_same_tweets_only_adds_a_citation() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    remote.set("/other.xml", Route::feed(republished(&fixture("bolivia/feed.xml"))));
    let setup = Setup::new(&format!(
        "{}{}",
        source("news", &remote.url("/feed.xml")),
        source("other", &remote.url("/other.xml"))
    ));
    setup.poll();
    assert_eq!(setup.count("quotes"), 16);
    assert_eq!(setup.count("articles"), 4);
    assert_eq!(setup.count("citations"), 32, "every quote cites both articles");
    setup.assert_consistent();
}

#[test]
fn a_restart_adds_nothing() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    // Due once a year: after the first poll, the source is not due again during the test.
    let setup = Setup::new(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n{}schedule = \"0 0 1 1 *\"\n",
        source("news", &remote.url("/feed.xml"))
    ));
    let mut daemon = setup.run();
    wait_for(Duration::from_secs(20), "16 quotes", || setup.try_count("quotes") == Some(16));
    daemon.signal("TERM");
    let (code, log) = daemon.wait(Duration::from_secs(5));
    assert_eq!(code, Some(0), "{log}");
    let ids = setup.quote_ids();

    // The poll ran; its next run is in the future, so a restart waits for it.
    let mut daemon = setup.run();
    std::thread::sleep(Duration::from_millis(1500));
    daemon.signal("INT");
    let (code, log) = daemon.wait(Duration::from_secs(5));
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(remote.hits("/feed.xml"), 1, "no poll before the source is due");
    assert_eq!(setup.quote_ids(), ids);

    // A poll after the restart adds nothing either.
    setup.poll();
    assert_eq!(setup.quote_ids(), ids);
    setup.assert_consistent();
}

#[test]
fn sigkill_in_the_middle_of_a_poll_leaves_a_consistent_store() {
    let remote = Remote::start();
    // Every article is fetched from its page, slowly, so the daemon is killed with
    // some articles stored and others not.
    let mut items = String::new();
    for i in 0..12 {
        let path = format!("/article/{i}");
        let tweet = format!(
            r#"<article><p>Story {i} begins here and goes on for a while so that it is the main content of the page.</p><p>Someone said:</p><blockquote class="twitter-tweet"><p>Quote number {i}.</p>&mdash; Person {i} (@person{i}) <a href="https://twitter.com/person{i}/status/{}">May 1, 2024</a></blockquote></article>"#,
            1_000 + i
        );
        remote.set(&path, Route::Slow { body: tweet, content_type: "text/html", delay: Duration::from_millis(250) });
        items.push_str(&format!(
            "<item><title>Story {i}</title><link>{}</link><guid>story-{i}</guid><description>Story {i}</description></item>",
            remote.url(&path)
        ));
    }
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Slow</title><link>https://slow.example/</link>{items}</channel></rss>"
    );
    remote.set("/feed.xml", Route::feed(feed));
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[fetch]\nallow_private_networks = true\nper_host_concurrency = 1\n{}full_article = true\n",
        source("slow", &remote.url("/feed.xml"))
    );
    let setup = Setup::new(&config);
    let mut daemon = setup.run();
    wait_for(Duration::from_secs(20), "some articles stored", || setup.try_count("articles").is_some_and(|n| n >= 3));
    daemon.kill();
    let stored = setup.count("articles");
    assert!(stored < 12, "killed before the end ({stored} articles)");
    setup.assert_consistent();
    assert_eq!(setup.count("quotes"), stored);

    // The feed's validators were not stored, so the next poll reads it again and
    // finishes the job without duplicates.
    let report = setup.poll();
    assert!(report.contains("slow: 200, 12 articles"), "{report}");
    assert_eq!(setup.count("articles"), 12);
    assert_eq!(setup.count("quotes"), 12);
    assert_eq!(setup.count("citations"), 12);
    setup.assert_consistent();
}

#[test]
fn sigterm_during_a_slow_poll_exits_promptly() {
    let remote = Remote::start();
    remote.set(
        "/feed.xml",
        Route::Slow {
            body: fixture("bolivia/feed.xml"),
            content_type: "application/rss+xml",
            delay: Duration::from_secs(30),
        },
    );
    let setup =
        Setup::new(&format!("[server]\nlisten = \"127.0.0.1:0\"\n{}", source("news", &remote.url("/feed.xml"))));
    let mut daemon = setup.run();
    wait_for(Duration::from_secs(10), "the poll to start", || remote.hits("/feed.xml") == 1);
    let started = std::time::Instant::now();
    daemon.signal("TERM");
    let (code, log) = daemon.wait(Duration::from_secs(8));
    assert_eq!(code, Some(0), "{log}");
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[test]
fn bad_sources_fail_alone_with_clear_errors() {
    let remote = Remote::start();
    remote.set("/good.xml", Route::feed(fixture("bolivia/feed.xml")));
    remote.set("/500.xml", Route::Status { status: 500, retry_after: None });
    remote.set("/429.xml", Route::Status { status: 429, retry_after: Some("120") });
    remote.set("/malformed.xml", Route::feed("<?xml version=\"1.0\"?><rss><channel><item><title>broken</ti"));
    remote.set("/huge.xml", Route::Huge);
    remote.set("/drip.xml", Route::Drip);
    let config = format!(
        "[fetch]\ntimeout = \"3s\"\nmax_bytes = \"5 MiB\"\n{}{}{}{}{}{}{}",
        source("dns", "http://no-such-host.invalid/feed.xml"),
        source("error500", &remote.url("/500.xml")),
        source("limited", &remote.url("/429.xml")),
        source("malformed", &remote.url("/malformed.xml")),
        source("huge", &remote.url("/huge.xml")),
        source("drip", &remote.url("/drip.xml")),
        source("good", &remote.url("/good.xml")),
    );
    let setup = Setup::new(&config);
    let started = std::time::Instant::now();
    let output = setup.quotefeed(&["poll"]);
    let elapsed = started.elapsed();
    let report = stdout(&output);
    assert!(output.status.success(), "only some sources failed: {report}{}", stderr(&output));
    for (line_start, needle) in [
        ("dns: error:", "no-such-host.invalid"),
        ("error500: error:", "HTTP 500"),
        ("limited: error:", "HTTP 429 (retry after 120s)"),
        ("malformed: error:", "not a readable RSS, Atom or JSON feed"),
        ("huge: error:", "larger than the limit of 5242880 bytes"),
        ("drip: error:", "timed out after 3s"),
        ("good: 200,", "16 quotes added"),
    ] {
        let line =
            report.lines().find(|l| l.starts_with(line_start)).unwrap_or_else(|| panic!("no {line_start} in {report}"));
        assert!(line.contains(needle), "{line} should contain {needle}");
    }
    assert!(elapsed < Duration::from_secs(12), "a slow source does not hold up the others ({elapsed:?})");
    assert_eq!(setup.count("quotes"), 16);
    let db = setup.db();
    let (errors, next): (i64, i64) = db
        .query_row("SELECT error_count, next_run_at FROM sources WHERE name = 'limited'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(errors, 1);
    assert!(next >= chrono::Utc::now().timestamp() + 110, "Retry-After is honoured");
    let message: String =
        db.query_row("SELECT last_error FROM sources WHERE name = 'error500'", [], |r| r.get(0)).unwrap();
    assert_eq!(message, "HTTP 500");
}

#[test]
fn every_source_failing_fails_the_poll() {
    let remote = Remote::start();
    remote.set("/500.xml", Route::Status { status: 500, retry_after: None });
    let setup = Setup::new(&source("broken", &remote.url("/500.xml")));
    let output = setup.quotefeed(&["poll"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("broken: error: HTTP 500"));
}

#[test]
fn a_permanent_redirect_moves_the_source() {
    let remote = Remote::start();
    remote.set("/old.xml", Route::Redirect { status: 301, to: "/feed.xml".into() });
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    let setup = Setup::new(&source("news", &remote.url("/old.xml")));
    setup.poll();
    let second = setup.poll();
    assert!(second.contains("304"), "{second}");
    assert_eq!(remote.hits("/old.xml"), 1, "the second poll goes to the new URL directly");
    let fetch_url: String = setup.db().query_row("SELECT fetch_url FROM sources", [], |r| r.get(0)).unwrap();
    assert_eq!(fetch_url, remote.url("/feed.xml"));
}

#[test]
fn article_links_to_private_addresses_are_refused() {
    let remote = Remote::start();
    remote.set("/private-page", Route::page("<p>secret</p>"));
    let links = [
        remote.url("/private-page"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        format!("http://[::1]:{}/private-page", remote.port()),
        format!("http://localhost:{}/private-page", remote.port()),
        format!("http://news.example.com:{}/private-page", remote.port()),
    ];
    let items: String = links
        .iter()
        .enumerate()
        .map(|(i, link)| {
            format!("<item><title>A{i}</title><link>{link}</link><guid>a{i}</guid><description>x</description></item>")
        })
        .collect();
    remote.set(
        "/feed.xml",
        Route::feed(format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>")),
    );
    let config = format!(
        "[fetch]\n[fetch.hosts]\n\"news.example.com\" = \"127.0.0.1\"\n{}full_article = true\n",
        source("news", &remote.url("/feed.xml"))
    );
    let setup = Setup::new(&config);
    let report = setup.poll();
    assert!(report.contains("5 articles failed"), "{report}");
    for link in &links {
        let host = url::Url::parse(link).unwrap().host_str().unwrap().to_string();
        assert!(report.contains(&host), "{host} is named in {report}");
    }
    assert!(report.matches("refusing").count() >= 5, "{report}");
    assert_eq!(remote.hits("/private-page"), 0, "no request reached the private address");
    assert_eq!(setup.count("articles"), 0);
}

#[test]
fn mastodon_embeds_are_fetched_as_activitypub_and_cached() {
    let remote = Remote::start();
    let status_url = remote.url("/@union/1122");
    let actor_url = remote.url("/users/union");
    remote.set(
        "/@union/1122",
        Route::activity(format!(
            r#"{{"type": "Note", "id": "{status_url}", "url": "{status_url}", "attributedTo": "{actor_url}", "published": "2024-04-18T10:00:00Z", "content": "<p>Ferries run again tomorrow.</p>"}}"#
        )),
    );
    remote.set(
        "/users/union",
        Route::activity(r#"{"type": "Person", "name": "Ferry Union", "preferredUsername": "union"}"#),
    );
    let embed = format!(
        r#"<p>The union said:</p><blockquote class="mastodon-embed" data-embed-url="{status_url}/embed"><a href="{status_url}">Post by @union</a></blockquote><p>And then:</p><blockquote class="twitter-tweet"><p>A tweet.</p>&mdash; T (@t) <a href="https://twitter.com/t/status/5">May 1, 2024</a></blockquote>"#
    );
    let escaped = embed.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let items: String = (0..2)
        .map(|i| format!("<item><title>A{i}</title><link>https://news.example/{i}</link><guid>a{i}</guid><description>{escaped}</description></item>"))
        .collect();
    remote.set(
        "/feed.xml",
        Route::feed(format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>")),
    );
    let config = format!("[fetch]\nallow_private_networks = true\n{}", source("news", &remote.url("/feed.xml")));
    let setup = Setup::new(&config);
    let report = setup.poll();
    assert!(report.contains("2 quotes added"), "{report}");
    let (text, name, position): (String, String, i64) = setup
        .db()
        .query_row(
            "SELECT q.text, q.author_name, c.position FROM quotes q JOIN citations c ON c.quote_id = q.id WHERE q.platform = 'mastodon' LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((text.as_str(), name.as_str(), position), ("Ferries run again tomorrow.", "Ferry Union", 0));
    assert_eq!(
        remote.last_header("/@union/1122", "accept").unwrap().split(',').next(),
        Some("application/activity+json")
    );
    assert_eq!(remote.hits("/@union/1122"), 1, "the second article uses the cached status");
}

#[test]
fn runs_of_one_source_never_overlap() {
    let remote = Remote::start();
    remote.set(
        "/feed.xml",
        Route::Slow {
            body: fixture("bolivia/feed.xml"),
            content_type: "application/rss+xml",
            delay: Duration::from_millis(1500),
        },
    );
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n{}schedule = \"* * * * * *\"\n",
        source("busy", &remote.url("/feed.xml"))
    );
    let setup = Setup::new(&config);
    let mut daemon = setup.run();
    wait_for(Duration::from_secs(15), "three polls", || remote.hits("/feed.xml") >= 3);
    daemon.signal("TERM");
    daemon.wait(Duration::from_secs(5));
    assert_eq!(remote.max_in_flight("/feed.xml"), 1, "a run never starts while the previous one is running");
}

#[test]
fn a_run_missed_while_down_happens_once_at_start_up() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    // Due every hour; the store says the next run was due a day ago (24 missed).
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n{}schedule = \"0 * * * *\"\n",
        source("news", &remote.url("/feed.xml"))
    );
    let setup = Setup::new(&config);
    setup.poll();
    assert_eq!(remote.hits("/feed.xml"), 1);
    let a_day_ago = chrono::Utc::now().timestamp() - 24 * 3600;
    rusqlite::Connection::open(setup.db_path())
        .unwrap()
        .execute("UPDATE sources SET next_run_at = ?1", [a_day_ago])
        .unwrap();
    let mut daemon = setup.run();
    wait_for(Duration::from_secs(10), "the catch-up poll", || remote.hits("/feed.xml") == 2);
    std::thread::sleep(Duration::from_millis(1500));
    daemon.signal("TERM");
    daemon.wait(Duration::from_secs(5));
    assert_eq!(remote.hits("/feed.xml"), 2, "one catch-up run, not one per missed slot");
}

#[test]
fn check_shows_the_next_runs_and_config_errors_name_the_line() {
    let setup = Setup::new("[[sources]]\nname = \"weekly\"\nurl = \"feed.xml\"\nschedule = \"0 9 * * 1\"\n");
    let output = setup.quotefeed(&["check"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.matches("next run").count(), 3, "{text}");
    assert_eq!(text.matches("09:00:00 UTC (Mon)").count(), 3, "{text}");

    setup.write_config("[[sources]]\nname = \"weekly\"\nurl = \"feed.xml\"\nschedule = \"0 9 * *\"\n");
    let output = setup.quotefeed(&["check"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("quotefeed.toml:7: [[sources]] schedule:"), "{message}");
}

#[test]
fn full_article_pages_are_read_from_their_main_content() {
    let remote = Remote::start();
    let tweet = |who: &str, id: u32| {
        format!(
            r#"<blockquote class="twitter-tweet"><p>Said by {who}.</p>&mdash; {who} (@{who}) <a href="https://twitter.com/{who}/status/{id}">May 1, 2024</a></blockquote>"#
        )
    };
    let prose = "<p>The council met again on Thursday to discuss the harbour, and members of the public filled the gallery to hear what would be decided.</p>";
    let page = format!(
        "<html><body><nav>{}</nav><main><div class=\"entry-content\">{prose}<p>The mayor wrote:</p>{}</div><div class=\"post-body\">{}</div></main><aside class=\"sidebar\">{prose}{}</aside></body></html>",
        tweet("navbar", 1),
        tweet("mayor", 2),
        tweet("selected", 3),
        tweet("sidebar", 4)
    );
    remote.set("/article", Route::page(page));
    let item = format!(
        "<item><title>A</title><link>{}</link><guid>a</guid><description>short</description></item>",
        remote.url("/article")
    );
    remote
        .set("/feed.xml", Route::feed(format!("<rss version=\"2.0\"><channel><title>T</title>{item}</channel></rss>")));
    remote.set(
        "/feed2.xml",
        Route::feed(format!(
            "<rss version=\"2.0\"><channel><title>T</title>{}</channel></rss>",
            item.replace("<guid>a</guid>", "<guid>b</guid>")
        )),
    );
    let config = format!(
        "[fetch]\nallow_private_networks = true\n{}full_article = true\n{}full_article = true\ncontent_selector = \".post-body\"\n",
        source("auto", &remote.url("/feed.xml")),
        source("selected", &remote.url("/feed2.xml")),
    );
    let setup = Setup::new(&config);
    setup.poll();
    let db = setup.db();
    let handles = |source: &str| -> Vec<String> {
        let mut statement = db
            .prepare("SELECT q.author_handle FROM quotes q JOIN citations c ON c.quote_id = q.id JOIN articles a ON a.id = c.article_id WHERE a.source = ?1")
            .unwrap();
        statement.query_map([source], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(handles("auto"), vec!["mayor"], "the article body, not the navigation or the sidebar");
    assert_eq!(handles("selected"), vec!["selected"], "the configured selector");
    let context: String = db
        .query_row(
            "SELECT context FROM citations c JOIN quotes q ON q.id = c.quote_id WHERE q.author_handle = 'mayor'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(context, "The mayor wrote:");
}

#[test]
fn a_proxy_in_the_environment_does_not_bypass_the_private_address_guard() {
    let remote = Remote::start();
    remote.set("/private-page", Route::page("<p>secret</p>"));
    let item = |i: usize, link: &str| {
        format!("<item><title>A{i}</title><link>{link}</link><guid>a{i}</guid><description>x</description></item>")
    };
    let items = item(0, &format!("http://internal.example:{}/private-page", remote.port()));
    remote.set(
        "/feed.xml",
        Route::feed(format!("<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>")),
    );
    // A "proxy" that would happily fetch anything for us.
    let proxy = Remote::start();
    proxy.set("/", Route::page("<p>via the proxy</p>"));
    let setup = Setup::new(&format!("{}full_article = true\n", source("news", &remote.url("/feed.xml"))));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_quotefeed"))
        .args(["poll", "--config", setup.config_path().to_str().unwrap()])
        .env("HTTP_PROXY", proxy.url("/"))
        .env("http_proxy", proxy.url("/"))
        .env("ALL_PROXY", proxy.url("/"))
        .output()
        .unwrap();
    let report = stdout(&output);
    assert!(report.contains("1 article failed"), "{report}{}", stderr(&output));
    assert!(proxy.paths().is_empty(), "nothing went through the proxy: {:?}", proxy.paths());
    assert_eq!(remote.hits("/private-page"), 0);
}

#[test]
fn another_source_cannot_rewrite_a_published_quote() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    let forged = republished(&fixture("bolivia/feed.xml").replace("it’s a coup.", "it is a FORGERY."));
    remote.set("/other.xml", Route::feed(forged));
    let setup = Setup::new(&source("news", &remote.url("/feed.xml")));
    setup.poll();
    setup.write_config(&format!(
        "{}{}",
        source("news", &remote.url("/feed.xml")),
        source("other", &remote.url("/other.xml"))
    ));
    let report = setup.poll();
    assert!(!report.contains("updated"), "{report}");
    let forged: i64 =
        setup.db().query_row("SELECT COUNT(*) FROM quotes WHERE text LIKE '%FORGERY%'", [], |r| r.get(0)).unwrap();
    assert_eq!(forged, 0, "the first publication stands");
    assert_eq!(setup.count("citations"), 32, "the other source's article still cites the quote");
}

#[test]
fn a_healthy_source_is_not_timed_out_by_a_slow_one_on_the_same_host() {
    let remote = Remote::start();
    remote.set("/good.xml", Route::feed(fixture("bolivia/feed.xml")));
    remote.set("/drip.xml", Route::Drip);
    let config = format!(
        "[fetch]\ntimeout = \"2s\"\nper_host_concurrency = 1\n{}{}",
        source("drip", &remote.url("/drip.xml")),
        source("good", &remote.url("/good.xml"))
    );
    let setup = Setup::new(&config);
    let report = setup.poll();
    assert!(report.lines().any(|l| l.starts_with("drip: error:") && l.contains("timed out")), "{report}");
    assert!(report.lines().any(|l| l.starts_with("good: 200,") && l.contains("16 quotes added")), "{report}");
}

#[test]
fn logs_are_plain_in_files_and_json_on_request() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    remote.set("/gone.xml", Route::Status { status: 500, retry_after: None });
    let setup = Setup::new(&format!(
        "{}{}",
        source("news", &remote.url("/feed.xml")),
        source("gone", &remote.url("/gone.xml"))
    ));
    let run = |format: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_quotefeed"));
        command
            .args(["poll", "--config", setup.config_path().to_str().unwrap()])
            .env("QUOTEFEED_LOG", "quotefeed=debug");
        if let Some(format) = format {
            command.env("QUOTEFEED_LOG_FORMAT", format);
        }
        String::from_utf8(command.output().unwrap().stderr).unwrap()
    };
    let plain = run(None);
    assert!(!plain.is_empty() && !plain.contains('\u{1b}'), "no colour codes in a file: {plain:?}");
    assert!(!plain.contains("html5ever"), "quotefeed=debug is quotefeed's own lines only");
    let json = run(Some("json"));
    assert!(!json.is_empty());
    for line in json.lines() {
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(parsed["level"].is_string() && parsed["fields"].is_object(), "{line}");
    }
}

#[test]
fn poll_reports_count_in_words() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    let setup = Setup::new(&source("news", &remote.url("/feed.xml")));
    setup.poll();
    remote.set("/feed.xml", Route::feed(edited_bolivia()));
    let report = setup.poll();
    assert!(report.contains("2 articles (0 new, 1 changed), 1 quote added, 1 removed"), "{report}");
}

#[test]
fn check_shows_resolved_paths_and_warns_of_missing_files() {
    let setup =
        Setup::new("[storage]\npath = \"../data/q.db\"\n[[sources]]\nname = \"sample\"\nurl = \"sample/feed.xml\"\n");
    let output = setup.quotefeed(&["check"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    let dir = setup.dir.path();
    let parent = dir.parent().unwrap();
    assert!(text.contains(&format!("database {} (does not exist yet", parent.join("data/q.db").display())), "{text}");
    assert!(text.contains(&format!("warning: {} does not exist", dir.join("sample/feed.xml").display())), "{text}");
}

#[test]
fn a_web_page_as_source_is_read_through_the_feed_it_links() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    let page = |links: &str| {
        format!("<!DOCTYPE html><html><head><title>News</title>{links}</head><body><p>Hello</p></body></html>")
    };
    remote.set(
        "/",
        Route::page(page(r#"<link rel="alternate" type="application/rss+xml" title="News" href="/feed.xml">"#)),
    );
    remote.set(
        "/two",
        Route::page(page(r#"<link rel="alternate" type="application/rss+xml" href="/a.xml"><link rel="alternate" type="application/atom+xml" href="/b.atom">"#)),
    );
    remote.set("/none", Route::page(page("")));
    let setup = Setup::new(&format!(
        "{}{}{}",
        source("news", &remote.url("/")),
        source("two", &remote.url("/two")),
        source("none", &remote.url("/none"))
    ));
    let report = setup.poll();
    let line = |name: &str| report.lines().find(|l| l.starts_with(&format!("{name}:"))).unwrap().to_string();
    assert!(line("news").contains(&format!("the feed the page links to, {}", remote.url("/feed.xml"))), "{report}");
    assert!(line("news").contains("16 quotes added"), "{report}");
    let two = line("two");
    assert!(
        two.contains("links to 2 feeds") && two.contains(&remote.url("/a.xml")) && two.contains(&remote.url("/b.atom")),
        "{two}"
    );
    assert!(line("none").contains("is a web page, not a feed, and links to no feed"), "{report}");
    // From now on the source is fetched from the feed directly.
    setup.poll();
    assert_eq!(remote.hits("/"), 1, "the page was read once");
}
