//! Embeds without text become quotes through the platforms' public endpoints:
//! loopback stand-ins answering like X's and TikTok's oEmbed, a Bluesky AppView
//! and a Threads server (recorded answer shapes in `tests/fixtures/resolve/`),
//! reached through `[fetch.hosts]` as the real hosts would be.

mod common;

use common::{Remote, Route, Setup, fixture};

/// A JSON document.
fn json(body: String) -> Route {
    Route::Document { body, content_type: "application/json", etag: "\"json\"".into() }
}

/// The article: four embeds with no text, as publishers' pages carry them.
fn article(threads: &str) -> String {
    format!(
        r#"<p>Reactions from the harbour:</p>
<figure class="wp-block-embed is-type-rich is-provider-twitter wp-block-embed-twitter"><div class="wp-block-embed__wrapper">
https://twitter.com/harbourmuseum/status/1181234567890123457
</div></figure>
<p>The town answered:</p>
<iframe src="https://embed.bsky.app/embed/did:plc:abcd1234efgh5678ijkl/app.bsky.feed.post/3kxyzabc22" style="border:0"></iframe>
<p>Meanwhile on TikTok:</p>
<amp-tiktok width="325" height="575" layout="fixed" data-src="https://www.tiktok.com/@harbour.cat/video/7301234567890123456"></amp-tiktok>
<p>And on Threads:</p>
<blockquote class="text-post-media" data-text-post-permalink="{threads}/@harbour.cat/post/C9abcDEFghi" data-text-post-version="0"><a href="{threads}/@harbour.cat/post/C9abcDEFghi" target="_blank">Post by @harbour.cat</a></blockquote>"#
    )
}

#[test]
fn textless_embeds_become_quotes_and_a_failing_platform_is_asked_again_at_the_next_poll() {
    let remote = Remote::start();
    let port = remote.port();
    let threads = format!("http://www.threads.net:{port}");
    remote.set("/oembed-twitter", Route::Status { status: 503, retry_after: None });
    remote.set("/oembed-tiktok", json(fixture("resolve/tiktok-oembed.json")));
    remote.set("/bsky/xrpc/app.bsky.feed.getPosts", json(fixture("resolve/bluesky-get-posts.json")));
    remote.set("/bsky/xrpc/com.atproto.identity.resolveHandle", json(fixture("resolve/bluesky-resolve-handle.json")));
    remote.set(
        "/@harbour.cat/post/C9abcDEFghi",
        Route::activity(fixture("resolve/threads-note.json").replace("THREADS", &threads)),
    );
    remote.set(
        "/ap/users/17841400000000001/",
        Route::activity(r#"{"type": "Person", "name": "Harbour Cat", "preferredUsername": "harbour.cat"}"#),
    );
    let escaped = article(&threads).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    remote.set(
        "/feed.xml",
        Route::feed(format!(
            "<rss version=\"2.0\"><channel><title>Harbour News</title><item><title>Reactions</title><link>https://news.example/reactions</link><guid>r1</guid><description>{escaped}</description></item></channel></rss>"
        )),
    );
    let config = format!(
        r#"[fetch]
allow_private_networks = true
[fetch.hosts]
"publish.twitter.test" = "127.0.0.1"
"tiktok.test" = "127.0.0.1"
"appview.test" = "127.0.0.1"
"www.threads.net" = "127.0.0.1"

[resolve.endpoints]
twitter = "http://publish.twitter.test:{port}/oembed-twitter"
tiktok = "http://tiktok.test:{port}/oembed-tiktok"
bluesky = "http://appview.test:{port}/bsky/"

[[sources]]
name = "harbour"
url = "{}"
"#,
        remote.url("/feed.xml")
    );
    let setup = Setup::new(&config);

    // First poll: X answers 503. The other three become quotes; the tweet waits.
    let report = setup.poll();
    assert!(report.contains("3 quotes added"), "{report}");
    assert!(report.contains("1 embedded post to ask for again at the next poll"), "{report}");
    assert_eq!(remote.hits("/oembed-twitter"), 1);

    // Second poll: X answers. The tweet is added, once; the others come from the
    // store, not from the platforms again.
    remote.set("/oembed-twitter", json(fixture("resolve/twitter-oembed.json")));
    let report = setup.poll();
    assert!(report.contains("1 quote added"), "{report}");
    assert!(!report.contains("ask for again"), "{report}");
    assert_eq!(remote.hits("/oembed-twitter"), 2);
    for path in ["/oembed-tiktok", "/bsky/xrpc/app.bsky.feed.getPosts", "/@harbour.cat/post/C9abcDEFghi"] {
        assert_eq!(remote.hits(path), 1, "{path} is asked once");
    }
    // Third poll: the feed is unchanged (304): nothing more.
    let report = setup.poll();
    assert!(report.contains("nothing new"), "{report}");
    assert_eq!(setup.count("quotes"), 4);
    setup.assert_consistent();

    let db = setup.db();
    let mut rows = db
        .prepare(
            "SELECT q.platform, q.text, q.author_handle, q.author_name, q.url, q.published, q.resolved, c.context
             FROM quotes q JOIN citations c ON c.quote_id = q.id ORDER BY c.position",
        )
        .unwrap();
    type Row = (String, String, Option<String>, Option<String>, Option<String>, Option<String>, bool, Option<String>);
    let rows: Vec<Row> = rows
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let by_platform = |platform: &str| rows.iter().find(|r| r.0 == platform).unwrap_or_else(|| panic!("{platform}"));
    let twitter = by_platform("twitter");
    assert_eq!(twitter.1, "The lighthouse exhibition opens on Saturday. https://t.co/Ab12Cd34");
    assert_eq!(twitter.2.as_deref(), Some("harbourmuseum"));
    assert_eq!(twitter.4.as_deref(), Some("https://twitter.com/harbourmuseum/status/1181234567890123457"));
    assert_eq!(twitter.5.as_deref(), Some("2019-10-04"));
    assert_eq!(twitter.7.as_deref(), Some("Reactions from the harbour:"));
    let bluesky = by_platform("bluesky");
    assert_eq!(bluesky.1, "The new ferry timetable is out → harbour.example/timetable");
    assert_eq!((bluesky.2.as_deref(), bluesky.3.as_deref()), (Some("harbourtown.bsky.social"), Some("Harbour Town")));
    assert_eq!(bluesky.4.as_deref(), Some("https://bsky.app/profile/harbourtown.bsky.social/post/3kxyzabc22"));
    assert_eq!(bluesky.7.as_deref(), Some("The town answered:"));
    let tiktok = by_platform("tiktok");
    assert_eq!(tiktok.1, "Morning patrol on the pier 🐈 #catsoftiktok");
    assert_eq!((tiktok.2.as_deref(), tiktok.3.as_deref()), (Some("harbour.cat"), Some("Harbour Cat")));
    let threads_quote = by_platform("threads");
    assert_eq!(threads_quote.1, "Fog on the pier this morning. The 8:15 ferry waits.");
    assert_eq!(threads_quote.3.as_deref(), Some("Harbour Cat"));
    assert!(rows.iter().all(|r| r.6), "every quote says it was resolved");

    // The feeds say where the text came from.
    let output = setup.quotefeed(&["export", "--out", setup.dir.path().join("site").to_str().unwrap()]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(setup.dir.path().join("site/feeds/all.json")).unwrap()).unwrap();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|i| i["_quotefeed"]["resolved"] == true), "{json:#}");
    let atom = std::fs::read_to_string(setup.dir.path().join("site/feeds/all.atom")).unwrap();
    for origin in
        ["Text fetched from a public Bluesky AppView", "s oEmbed endpoint: the article embeds the post without it"]
    {
        assert!(atom.contains(origin), "{origin}: {atom}");
    }
}

/// A feed of one article whose description is `escaped_html`.
fn one_article_feed(escaped_html: &str) -> Route {
    Route::feed(format!(
        "<rss version=\"2.0\"><channel><title>T</title><item><title>A</title><link>https://news.example/a</link><guid>a</guid><description>{escaped_html}</description></item></channel></rss>"
    ))
}

/// A setup polling the remote's `/feed.xml`, with X's oEmbed standing in at the
/// remote's `/oembed-twitter`.
fn with_twitter_stand_in(remote: &Remote) -> Setup {
    Setup::new(&format!(
        "[fetch]\nallow_private_networks = true\n[fetch.hosts]\n\"publish.twitter.test\" = \"127.0.0.1\"\n[resolve.endpoints]\ntwitter = \"http://publish.twitter.test:{}/oembed-twitter\"\n[[sources]]\nname = \"n\"\nurl = \"{}\"\n",
        remote.port(),
        remote.url("/feed.xml")
    ))
}

#[test]
fn a_post_that_is_gone_is_not_asked_for_again_and_the_article_is_done() {
    let remote = Remote::start();
    remote.set("/oembed-twitter", Route::Status { status: 404, retry_after: None });
    let body = "&lt;p&gt;Gone:&lt;/p&gt;&lt;blockquote class=\"twitter-tweet\"&gt;&lt;a href=\"https://twitter.com/x/status/42\"&gt;https://twitter.com/x/status/42&lt;/a&gt;&lt;/blockquote&gt;";
    remote.set("/feed.xml", one_article_feed(body));
    let setup = with_twitter_stand_in(&remote);
    let report = setup.poll();
    assert!(report.contains("0 quotes added") && !report.contains("ask for again"), "{report}");
    assert!(setup.poll().contains("nothing new"));
    assert_eq!(remote.hits("/oembed-twitter"), 1, "a 404 is kept, not asked again");
}

#[test]
fn instagram_and_facebook_need_a_meta_token() {
    let setup = Setup::new("[resolve]\nplatforms = [\"twitter\", \"instagram\"]\n");
    let output = setup.quotefeed(&["check"]);
    assert!(!output.status.success());
    let error = common::stderr(&output);
    assert!(error.contains("[resolve] platforms") && error.contains("meta_access_token"), "{error}");
    let setup = Setup::new("[resolve]\nplatforms = [\"myspace\"]\n");
    let error = common::stderr(&setup.quotefeed(&["check"]));
    assert!(error.contains("\"myspace\" is not one of"), "{error}");
}

#[test]
fn a_platform_that_stays_unreachable_is_given_up_after_three_polls() {
    let remote = Remote::start();
    remote.set("/oembed-twitter", Route::Status { status: 503, retry_after: None });
    let body =
        "&lt;p&gt;Still down:&lt;/p&gt;&lt;amp-twitter data-tweetid=\"1181234567890123457\"&gt;&lt;/amp-twitter&gt;";
    remote.set("/feed.xml", one_article_feed(body));
    let setup = with_twitter_stand_in(&remote);
    for poll in 1..=2 {
        let report = setup.poll();
        assert!(report.contains("1 embedded post to ask for again"), "poll {poll}: {report}");
    }
    let report = setup.poll();
    assert!(!report.contains("ask for again"), "the third failure gives up: {report}");
    assert!(setup.poll().contains("nothing new"), "the feed is done: its validators are kept");
    assert_eq!(remote.hits("/oembed-twitter"), 3);
    assert_eq!(setup.count("articles"), 1);
}

#[test]
fn instagram_is_resolved_through_meta_only_with_a_token_and_the_token_is_not_stored() {
    let remote = Remote::start();
    let port = remote.port();
    remote.set("/instagram_oembed", json(fixture("resolve/instagram-oembed.json")));
    let body = "&lt;p&gt;On the pier:&lt;/p&gt;&lt;amp-instagram data-shortcode=\"C5xYzAbCdEf\" width=\"400\" height=\"400\"&gt;&lt;/amp-instagram&gt;";
    remote.set("/feed.xml", one_article_feed(body));
    let config = |token: &str| {
        format!(
            "[fetch]\nallow_private_networks = true\n[fetch.hosts]\n\"graph.test\" = \"127.0.0.1\"\n[resolve]\n{token}[resolve.endpoints]\ninstagram = \"http://graph.test:{port}/instagram_oembed\"\n[[sources]]\nname = \"n\"\nurl = \"{}\"\n",
            remote.url("/feed.xml")
        )
    };
    // Without a token Instagram is not asked.
    let setup = Setup::new(&config(""));
    assert!(setup.poll().contains("0 quotes added"));
    assert_eq!(remote.hits("/instagram_oembed"), 0);

    let setup = Setup::new(&config("meta_access_token = \"123|secret-client-token\"\n"));
    let report = setup.poll();
    assert!(report.contains("1 quote added"), "{report}");
    let (text, handle, url): (String, String, String) = setup
        .db()
        .query_row("SELECT text, author_handle, url FROM quotes", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!(text, "Nap in the sun on the pier 🐈 #harbourlife");
    assert_eq!(handle, "harbour.cat");
    assert_eq!(url, "https://www.instagram.com/p/C5xYzAbCdEf/");
    let cached: Vec<String> = {
        let db = setup.db();
        let mut statement = db.prepare("SELECT url FROM status_cache").unwrap();
        statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(cached.len(), 1);
    assert!(!cached[0].contains("secret"), "the token is not written to the store: {}", cached[0]);
}
