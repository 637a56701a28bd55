//! One test per embed kind and per variant of real embed markup listed in
//! `docs/ARCHITECTURE.md` ("Real embed markup"), through the library's public API.

mod sanitize;

use quotefeed_extract::{ExtractOptions, Extraction, InputFormat, Platform, Quote, extract, extract_str};
use url::Url;

fn html(input: &str) -> Extraction {
    extract_str(input, &ExtractOptions { format: InputFormat::Html, ..ExtractOptions::default() }).unwrap()
}

fn one(input: &str) -> Quote {
    let extraction = html(input);
    assert_eq!(extraction.quotes.len(), 1, "expected one quote in {input}: {:#?}", extraction.quotes);
    extraction.quotes.into_iter().next().unwrap()
}

const TWEET: &str = r#"<p>The minister replied:</p>
<blockquote class="twitter-tweet" data-width="550"><p lang="en" dir="ltr">We will not back down.</p>&mdash; Jane Doe (@janedoe) <a href="https://twitter.com/janedoe/status/1001?ref_src=twsrc%5Etfw">November 11, 2019</a></blockquote>
<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>"#;

#[test]
fn twitter_embed() {
    let q = one(TWEET);
    assert_eq!(q.text, "We will not back down.");
    assert_eq!(q.platform, Platform::Twitter);
    assert_eq!(q.author.name.as_deref(), Some("Jane Doe"));
    assert_eq!(q.author.handle.as_deref(), Some("janedoe"));
    assert_eq!(q.author.url.as_deref(), Some("https://twitter.com/janedoe"));
    assert_eq!(q.url.as_deref(), Some("https://twitter.com/janedoe/status/1001"));
    assert_eq!(q.published.as_deref(), Some("2019-11-11"));
    assert_eq!(q.context.as_deref(), Some("The minister replied:"));
    assert_eq!(q.html.as_deref(), Some(r#"<p dir="ltr" lang="en">We will not back down.</p>"#));
}

#[test]
fn x_com_data_attributes_extra_classes_and_a_div_body() {
    let q = one(
        r#"<blockquote class="twitter-tweet tw-align-center" data-lang="en" data-dnt="true" data-theme="dark"><div lang="en" dir="ltr">Line one<br>Line two</div>&mdash; Jane Doe (@janedoe) <a href="https://x.com/janedoe/status/1001?s=20&amp;t=abc">Nov 11, 2019</a></blockquote>"#,
    );
    assert_eq!(q.text, "Line one\nLine two");
    assert_eq!(q.url.as_deref(), Some("https://x.com/janedoe/status/1001"));
    assert_eq!(q.author.url.as_deref(), Some("https://x.com/janedoe"));
}

#[test]
fn twitter_com_and_x_com_links_to_one_status_have_one_id() {
    let on_x = one(&TWEET.replace("https://twitter.com/janedoe/status/1001", "https://x.com/janedoe/status/1001"));
    let on_twitter = one(TWEET);
    assert_eq!(on_x.id, on_twitter.id);
    assert_eq!(one(TWEET).id, on_twitter.id, "ids are the same on every run");
}

#[test]
fn wpautop_split_attribution() {
    let q = one(r#"<blockquote class="twitter-tweet"><p lang="en" dir="ltr">First paragraph.</p>
<p>&mdash; Jane Doe (@janedoe) <a href="https://twitter.com/janedoe/status/1001">November 11, 2019</a></p></blockquote>"#);
    assert_eq!(q.text, "First paragraph.");
    assert_eq!(q.author.name.as_deref(), Some("Jane Doe"));
    assert_eq!(q.published.as_deref(), Some("2019-11-11"));
    assert_eq!(q.html.as_deref(), Some(r#"<p dir="ltr" lang="en">First paragraph.</p>"#));
}

#[test]
fn hair_spaces_around_a_literal_dash() {
    let q = one(
        "<blockquote class=\"twitter-tweet\"><p>Hair spaces.</p>\u{200a}\u{2014}\u{200a}Jane Doe (@janedoe) <a href=\"https://twitter.com/janedoe/status/1001\">November 11, 2019</a></blockquote>",
    );
    assert_eq!(q.text, "Hair spaces.");
    assert_eq!(q.author.name.as_deref(), Some("Jane Doe"));
}

#[test]
fn literal_dash_and_statuses_path() {
    let q = one(
        r#"<blockquote class="twitter-tweet"><p>Literal dash.</p>— Jane Doe (@janedoe) <a href="https://twitter.com/janedoe/statuses/1001">November 11, 2019</a></blockquote>"#,
    );
    assert_eq!(q.url.as_deref(), Some("https://twitter.com/janedoe/status/1001"));
    assert_eq!(q.author.name.as_deref(), Some("Jane Doe"));
}

#[test]
fn missing_date() {
    // Medium prints no date; some embeds have an empty link or none at all.
    let q = one(
        r#"<blockquote class="twitter-tweet"><p>No date.</p>&mdash; Jane Doe (@janedoe) <a href="https://twitter.com/janedoe/status/1001"></a></blockquote>"#,
    );
    assert_eq!(q.published, None);
    assert_eq!(q.url.as_deref(), Some("https://twitter.com/janedoe/status/1001"));
    let q = one(r#"<blockquote class="twitter-tweet"><p>No link either.</p>&mdash; Jane Doe (@janedoe)</blockquote>"#);
    assert_eq!(q.text, "No link either.");
    assert_eq!(q.author.handle.as_deref(), Some("janedoe"));
    assert_eq!((q.url, q.published), (None, None));
}

#[test]
fn localized_date() {
    let q = one(
        r#"<blockquote class="twitter-tweet" data-lang="de"><p lang="de" dir="ltr">Guten Morgen.</p>&mdash; Jana (@jana) <a href="https://twitter.com/jana/status/7">3. Januar 2013</a></blockquote>"#,
    );
    assert_eq!(q.published.as_deref(), Some("2013-01-03"));
}

#[test]
fn rtl_text() {
    let q = one(
        r#"<blockquote class="twitter-tweet"><p lang="ar" dir="rtl">الميناء مفتوح من جديد</p>&mdash; هيئة الميناء (@portauth) <a href="https://twitter.com/portauth/status/9">November 11, 2019</a></blockquote>"#,
    );
    assert_eq!(q.text, "الميناء مفتوح من جديد");
    assert_eq!(q.author.name.as_deref(), Some("هيئة الميناء"));
    assert_eq!(q.html.as_deref(), Some(r#"<p dir="rtl" lang="ar">الميناء مفتوح من جديد</p>"#));
}

#[test]
fn nested_tweet_gives_two_quotes() {
    let extraction = html(
        r#"<p>She answered him:</p><blockquote class="twitter-tweet"><p>Outer reply.</p>
<blockquote class="twitter-tweet"><p>Inner original.</p>&mdash; Bob (@bob) <a href="https://twitter.com/bob/status/1">November 10, 2019</a></blockquote>
&mdash; Alice (@alice) <a href="https://twitter.com/alice/status/2">November 11, 2019</a></blockquote>"#,
    );
    let texts: Vec<(&str, &str)> =
        extraction.quotes.iter().map(|q| (q.text.as_str(), q.author.handle.as_deref().unwrap())).collect();
    assert_eq!(texts, vec![("Outer reply.", "alice"), ("Inner original.", "bob")]);
    assert!(extraction.quotes.iter().all(|q| q.context.as_deref() == Some("She answered him:")));
}

#[test]
fn truncated_blockquote_yields_nothing_and_a_warning() {
    let extraction = html(r#"<p>Intro:</p><blockquote class="twitter-tweet"><p lang="en">The text was cut off mid-"#);
    assert!(extraction.quotes.is_empty());
    assert!(extraction.warnings.iter().any(|w| w.contains("no attribution")), "{:?}", extraction.warnings);
}

#[test]
fn bare_url_failed_embed_invents_nothing() {
    let extraction = html(
        r#"<p>Sanders called for democracy:</p>
<figure class="wp-block-embed is-type-rich is-provider-twitter wp-block-embed-twitter"><div class="wp-block-embed__wrapper">
https://twitter.com/BernieSanders/status/1193900000000000001
</div></figure>"#,
    );
    assert!(extraction.quotes.is_empty());
    assert_eq!(extraction.textless.len(), 1);
    assert_eq!(extraction.textless[0].url, "https://twitter.com/BernieSanders/status/1193900000000000001");
    assert_eq!(extraction.textless[0].context.as_deref(), Some("Sanders called for democracy:"));
}

#[test]
fn link_cards_video_iframes_scripts_and_styles_are_not_quotes() {
    let extraction = html(
        r#"<p>Watch:</p>
<figure class="wp-block-embed is-type-video is-provider-youtube"><div class="wp-block-embed__wrapper"><iframe src="https://www.youtube.com/embed/x"></iframe></div></figure>
<blockquote class="wp-embedded-content" data-secret="k"><a href="https://news.example/a/">A card — Someone</a></blockquote>
<iframe class="wp-embedded-content" src="https://news.example/a/embed/#?secret=k"></iframe>
<script>document.write("— Fake (@fake) November 11, 2019")</script><style>p::after { content: "— Fake (@fake) November 11, 2019" }</style>"#,
    );
    assert!(extraction.quotes.is_empty(), "{:#?}", extraction.quotes);
    assert!(extraction.textless.is_empty());
}

#[test]
fn bluesky_both_forms() {
    let q = one(
        r#"<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:abc/app.bsky.feed.post/3k1" data-bluesky-cid="x"><p lang="en">Line one

Line two</p>&mdash; Mira (<a href="https://bsky.app/profile/did:plc:abc?ref_src=embed">@mira.bsky.social</a>) <a href="https://bsky.app/profile/did:plc:abc/post/3k1?ref_src=embed">Apr 21, 2024 at 15:09</a></blockquote>"#,
    );
    assert_eq!(q.text, "Line one\nLine two");
    assert_eq!(q.html.as_deref(), Some(r#"<p lang="en">Line one<br><br>Line two</p>"#));
    assert_eq!(q.author.handle.as_deref(), Some("mira.bsky.social"));
    assert_eq!(q.author.url.as_deref(), Some("https://bsky.app/profile/did:plc:abc"));
    assert_eq!(q.url.as_deref(), Some("https://bsky.app/profile/did:plc:abc/post/3k1"));
    assert_eq!(q.published.as_deref(), Some("2024-04-21T15:09"));

    let oembed = one(
        r#"<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:abc/app.bsky.feed.post/3k1"><p lang="en">Same post.</p>&mdash; <a href="https://bsky.app/profile/did:plc:abc?ref_src=embed">Mira (@mira.bsky.social)</a> <a href="https://bsky.app/profile/did:plc:abc/post/3k1?ref_src=embed">2024-04-21T15:09:00.000Z</a></blockquote>"#,
    );
    assert_eq!(oembed.author.name.as_deref(), Some("Mira"));
    assert_eq!(oembed.published.as_deref(), Some("2024-04-21T15:09:00.000Z"));
    assert_eq!(oembed.id, q.id, "the at:// URI is the identity");
}

#[test]
fn mastodon_and_threads_are_recognised_without_text() {
    let extraction = html(
        r#"<blockquote class="mastodon-embed" data-embed-url="https://social.example/@union/1122/embed"><a href="https://social.example/@union/1122">Post by @union@social.example</a></blockquote>
<iframe src="https://mastodon.example/@old/3344/embed" class="mastodon-embed" width="400"></iframe>
<blockquote class="text-post-media" data-text-post-permalink="https://www.threads.net/@meta/post/C8abc" data-text-post-version="0"><a href="https://www.threads.net/@meta/post/C8abc">Post by @meta</a></blockquote>"#,
    );
    assert!(extraction.quotes.is_empty());
    let found: Vec<(Platform, &str, Option<&str>)> =
        extraction.textless.iter().map(|e| (e.platform, e.url.as_str(), e.author.handle.as_deref())).collect();
    assert_eq!(
        found,
        vec![
            (Platform::Mastodon, "https://social.example/@union/1122", Some("union@social.example")),
            (Platform::Mastodon, "https://mastodon.example/@old/3344", Some("old@mastodon.example")),
            (Platform::Threads, "https://www.threads.net/@meta/post/C8abc", Some("meta")),
        ]
    );
}

#[test]
fn instagram_captioned_and_not() {
    let captioned = one(
        r#"<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="https://www.instagram.com/p/ABC/?utm_source=ig_embed"><div><a href="https://www.instagram.com/p/ABC/">View this post on Instagram</a><p><a href="https://www.instagram.com/p/ABC/">A caption.</a></p><p>A post shared by <a href="https://www.instagram.com/someone/">Some One</a> (@someone) on <time datetime="2024-04-18T06:40:11+00:00">Apr 18, 2024</time></p></div></blockquote>"#,
    );
    assert_eq!(captioned.text, "A caption.");
    assert_eq!(captioned.author.handle.as_deref(), Some("someone"));
    assert_eq!(captioned.url.as_deref(), Some("https://www.instagram.com/p/ABC/"));

    let bare = html(
        r#"<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/XYZ/" data-instgrm-version="14"><div><a href="https://www.instagram.com/p/XYZ/">View this post on Instagram</a><p><a href="https://www.instagram.com/p/XYZ/">A post shared by Some One (@someone)</a></p></div></blockquote>"#,
    );
    assert!(bare.quotes.is_empty());
    assert_eq!(bare.textless[0].author.handle.as_deref(), Some("someone"));
}

#[test]
fn tiktok_embed() {
    let q = one(
        r#"<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@dee/video/42" data-video-id="42"><section><a title="@dee" href="https://www.tiktok.com/@dee?refer=embed">@dee</a><p>On the water <a title="boats" href="https://www.tiktok.com/tag/boats">#boats</a></p><a href="https://www.tiktok.com/music/x">♬ original sound</a></section></blockquote>"#,
    );
    assert_eq!(q.text, "On the water #boats");
    assert_eq!(q.author.handle.as_deref(), Some("dee"));
    assert_eq!(q.url.as_deref(), Some("https://www.tiktok.com/@dee/video/42"));
    assert!(q.links.is_empty(), "hashtags are not links: {:?}", q.links);
}

#[test]
fn facebook_post() {
    let q = one(
        r#"<div class="fb-post" data-href="https://www.facebook.com/council/posts/123"><blockquote cite="https://www.facebook.com/council/posts/123" class="fb-xfbml-parse-ignore"><p>We welcome it.</p>Posted by <a href="https://www.facebook.com/council">City Council</a> on&nbsp;<a href="https://www.facebook.com/council/posts/123">Thursday, April 18, 2024</a></blockquote></div>"#,
    );
    assert_eq!(q.text, "We welcome it.");
    assert_eq!(q.author.name.as_deref(), Some("City Council"));
    assert_eq!(q.author.url.as_deref(), Some("https://www.facebook.com/council"));
    assert_eq!(q.published.as_deref(), Some("2024-04-18"));
}

#[test]
fn wordpress_quote_and_pullquote_with_citations() {
    let extraction = html(
        r#"<p>Asked about it, she said.</p>
<blockquote class="wp-block-quote"><p>It was hard.</p><p>But we did it.</p><cite>Helen, engineer</cite></blockquote>
<figure class="wp-block-pullquote"><blockquote><p>Something else entirely.</p><cite>— Paul</cite></blockquote></figure>
<figure class="wp-block-pullquote"><blockquote><p>It was hard.</p><cite>Helen, engineer</cite></blockquote></figure>"#,
    );
    let quotes: Vec<(&str, Option<&str>)> =
        extraction.quotes.iter().map(|q| (q.text.as_str(), q.author.name.as_deref())).collect();
    assert_eq!(
        quotes,
        vec![("It was hard.\nBut we did it.", Some("Helen, engineer")), ("Something else entirely.", Some("Paul"))],
        "a pull quote repeating a quote of the same person is dropped"
    );
    assert!(extraction.quotes.iter().all(|q| q.platform == Platform::Blockquote));
}

#[test]
fn plain_blockquotes_by_cite_attribute_trailing_dash_and_figcaption() {
    let q = one(r#"<blockquote cite="https://speeches.example/42?utm_source=x"><p>Ask not.</p></blockquote>"#);
    assert_eq!(q.url.as_deref(), Some("https://speeches.example/42"));
    let q = one("<blockquote><p>Be brief.</p><p>\u{2014} Anon Ymous</p></blockquote>");
    assert_eq!((q.text.as_str(), q.author.name.as_deref()), ("Be brief.", Some("Anon Ymous")));
    let q = one(
        "<figure><blockquote><p>Figured.</p></blockquote><figcaption>\u{2014} Fig Ure</figcaption></figure><p>After.</p>",
    );
    assert_eq!((q.text.as_str(), q.author.name.as_deref()), ("Figured.", Some("Fig Ure")));
}

#[test]
fn unattributed_blockquotes_only_on_request() {
    let input = "<p>A resident:</p><blockquote><p>Not the same town.</p></blockquote>";
    assert!(html(input).quotes.is_empty());
    let options = ExtractOptions { include_unattributed: true, format: InputFormat::Html, ..ExtractOptions::default() };
    let quotes = extract_str(input, &options).unwrap().quotes;
    assert_eq!(quotes.len(), 1);
    assert_eq!(quotes[0].author.name, None);
    assert_eq!(quotes[0].context.as_deref(), Some("A resident:"));
}

#[test]
fn class_stripped_tweet_is_still_a_tweet() {
    let q = one(
        r#"<blockquote><p>Sanitizer ate my class.</p>&mdash; Jane Doe (@janedoe) <a href="https://twitter.com/janedoe/status/1001">November 11, 2019</a></blockquote>"#,
    );
    assert_eq!(q.platform, Platform::Twitter);
    assert_eq!(q.url.as_deref(), Some("https://twitter.com/janedoe/status/1001"));
}

#[test]
fn relative_links_resolve_against_the_article_url() {
    let options = ExtractOptions {
        base_url: Some(Url::parse("https://news.example/2024/story/").unwrap()),
        ..ExtractOptions::default()
    };
    let quotes = extract_str(
        r#"<blockquote class="wp-block-quote"><p>See <a href="../report.pdf">the report</a>.</p><cite><a href="/people/helen">Helen</a></cite></blockquote>"#,
        &options,
    )
    .unwrap()
    .quotes;
    assert_eq!(quotes[0].links, vec!["https://news.example/2024/report.pdf"]);
    assert_eq!(quotes[0].author.url.as_deref(), Some("https://news.example/people/helen"));
}

#[test]
fn hostile_markup_is_sanitized() {
    let q = one(
        r#"<blockquote class="twitter-tweet"><p onclick="steal()">Look <img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">here</a></p>&mdash; Eve (@eve) <a href="https://twitter.com/eve/status/5">November 11, 2019</a></blockquote>"#,
    );
    let html = q.html.unwrap();
    assert_eq!(
        html, r#"<p>Look <a rel="nofollow noopener noreferrer">here</a></p>"#,
        "no handler, image, script or javascript: link survives"
    );
    assert_eq!(sanitize::with_ammonia(&html), html);
    assert_eq!(q.text, "Look here");
}

#[test]
fn plain_text_links_and_dashes() {
    let text = "Intro sentence here:\n\nGreat news!pic.twitter.com/abc— Team (@team) January 2, 2020\n";
    let quotes = extract(text.as_bytes(), &ExtractOptions::default()).unwrap().quotes;
    assert_eq!(quotes[0].text, "Great news! pic.twitter.com/abc");
    assert_eq!(quotes[0].links, vec!["pic.twitter.com/abc"]);
    assert_eq!(quotes[0].context.as_deref(), Some("Intro sentence here:"));
}

#[test]
fn plain_text_bluesky_and_mastodon_handles() {
    let text = "Two posts:\nHello. — Mira (@mira.bsky.social) Apr 18, 2024 at 09:12\nHi. — Union (@union@social.example) April 18, 2024\n";
    let quotes = extract(text.as_bytes(), &ExtractOptions::default()).unwrap().quotes;
    assert_eq!(quotes[0].platform, Platform::Bluesky);
    assert_eq!(quotes[0].author.url.as_deref(), Some("https://bsky.app/profile/mira.bsky.social"));
    assert_eq!(quotes[1].platform, Platform::Mastodon);
    assert_eq!(quotes[1].author.url.as_deref(), Some("https://social.example/@union"));
}

#[test]
fn headings_are_not_lead_ins() {
    let q = one(&format!(
        "<p>Old section text.</p><h2>Reactions</h2>{}",
        TWEET.replace("<p>The minister replied:</p>", "")
    ));
    assert_eq!(q.context, None);
}

#[test]
fn the_same_post_twice_in_one_article_is_one_quote() {
    assert_eq!(html(&format!("{TWEET}{TWEET}")).quotes.len(), 1);
}

#[test]
fn quote_html_is_what_ammonia_would_keep() {
    for page in [
        include_str!("../../../tests/fixtures/bolivia/article.html"),
        include_str!("../../../tests/fixtures/kinds/article.html"),
    ] {
        for quote in html(page).quotes {
            let body = quote.html.expect("HTML input gives HTML quotes");
            assert_eq!(sanitize::with_ammonia(&body), body);
        }
    }
}
