//! `quotefeed extract` as a user runs it: inputs from files and standard input, both
//! output formats, URLs fetched through the guarded fetcher, and clear errors with
//! exit code 2 for input it cannot read.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn quotefeed(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quotefeed"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("quotefeed starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const TWEET: &[u8] = br#"<p>She said:</p><blockquote class="twitter-tweet"><p>Hello <a href="/local">world</a>.</p>&mdash; Jane (@jane) <a href="https://twitter.com/jane/status/1">November 11, 2019</a></blockquote>"#;

#[test]
fn an_article_without_quotes_gives_an_empty_list() {
    let output = quotefeed(&["extract", "-"], b"<p>Nothing quoted here.</p>");
    assert!(output.status.success());
    assert_eq!(json(&output), serde_json::json!({"quotes": []}));
}

#[test]
fn standard_input_and_base_url() {
    let output = quotefeed(&["extract", "--base-url", "https://news.example/a/b", "-"], TWEET);
    assert!(output.status.success(), "{}", stderr(&output));
    let quotes = json(&output)["quotes"].clone();
    assert_eq!(quotes[0]["text"], "Hello world.");
    assert_eq!(quotes[0]["links"], serde_json::json!(["https://news.example/local"]));
    assert_eq!(quotes[0]["context"], "She said:");
}

#[test]
fn text_format_is_readable() {
    let output = quotefeed(&["extract", "--format", "text", "-"], TWEET);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("1. Jane (@jane) on X (Twitter), 2019-11-11"), "{text}");
    assert!(text.contains("   > Hello world."), "{text}");
    assert!(text.contains("context: She said:"), "{text}");
}

#[test]
fn forced_input_kinds() {
    // As plain text, the markup is just characters: no embed is recognised.
    let output = quotefeed(&["extract", "--input", "text", "-"], TWEET);
    assert!(output.status.success());
    let output = quotefeed(&["extract", "--input", "feed", "-"], TWEET);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not a readable RSS, Atom or JSON feed"), "{}", stderr(&output));
}

#[test]
fn missing_file_is_a_clear_error() {
    let output = quotefeed(&["extract", "/nonexistent/article.html"], b"");
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.starts_with("quotefeed: error: cannot read /nonexistent/article.html"), "{message}");
    assert!(output.stdout.is_empty());
}

#[test]
fn oversized_input_is_refused() {
    let output = quotefeed(&["extract", "--max-bytes", "100", "-"], &[b'a'; 101]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("larger than the limit of 100 bytes"), "{}", stderr(&output));
    let output = quotefeed(&["extract", "--max-bytes", "100", "-"], &[b'a'; 100]);
    assert!(output.status.success());
}

#[test]
fn the_default_limit_is_10_mib() {
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let output = quotefeed(&["extract", "-"], &big);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn broken_feed_is_a_clear_error() {
    let output =
        quotefeed(&["extract", "-"], b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><title>x</ti");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not a readable RSS, Atom or JSON feed"), "{}", stderr(&output));
}

#[test]
fn invalid_utf8_is_decoded_with_a_warning() {
    let output = quotefeed(&["extract", "-"], b"Caf\xe9 open. \xe2\x80\x94 Owner (@owner) May 1, 2024\n");
    assert!(output.status.success());
    assert!(stderr(&output).contains("warning: input is not valid UTF-8"), "{}", stderr(&output));
    assert_eq!(json(&output)["quotes"][0]["text"], "Caf\u{fffd} open.");
}

#[test]
fn json_feed_input() {
    let feed = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "url": "https://j.example/1", "title": "One",
         "content_html": "<p>He wrote:</p><blockquote class=\"twitter-tweet\"><p>JSON!</p>&mdash; Jay (@jay) <a href=\"https://twitter.com/jay/status/9\">May 1, 2024</a></blockquote>"}]}"#;
    let output = quotefeed(&["extract", "-"], feed);
    assert!(output.status.success(), "{}", stderr(&output));
    let quote = &json(&output)["quotes"][0];
    assert_eq!(quote["text"], "JSON!");
    assert_eq!(quote["article"]["url"], "https://j.example/1");
}

#[test]
fn a_url_is_fetched_through_the_guarded_fetcher() {
    let remote = common::Remote::start();
    remote.set("/article", common::Route::page(common::fixture("bolivia/article.html")));
    let url = remote.url("/article");
    let refused = Command::new(env!("CARGO_BIN_EXE_quotefeed")).args(["extract", &url]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("refusing to fetch 127.0.0.1"),
        "the private-address guard"
    );
    assert_eq!(remote.hits("/article"), 0);
    let output = Command::new(env!("CARGO_BIN_EXE_quotefeed"))
        .args(["extract", "--allow-private-networks", &url])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["quotes"].as_array().unwrap().len(), 16);
}

#[test]
fn resolve_fetches_the_text_of_embeds_that_carry_none() {
    let remote = common::Remote::start();
    remote.set(
        "/oembed-twitter",
        common::Route::Document {
            body: common::fixture("resolve/twitter-oembed.json"),
            content_type: "application/json",
            etag: "\"t\"".into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("quotefeed.toml");
    std::fs::write(
        &config,
        format!(
            "[fetch]\nallow_private_networks = true\n[fetch.hosts]\n\"publish.twitter.test\" = \"127.0.0.1\"\n[resolve.endpoints]\ntwitter = \"http://publish.twitter.test:{}/oembed-twitter\"\n",
            remote.port()
        ),
    )
    .unwrap();
    let page = br#"<p>The museum wrote:</p><amp-twitter width="375" height="472" layout="responsive" data-tweetid="1181234567890123457"></amp-twitter>"#;

    // Without --resolve: no quote, and a note naming the embed.
    let output = quotefeed(&["extract", "-"], page);
    assert_eq!(json(&output)["quotes"].as_array().unwrap().len(), 0);
    assert!(stderr(&output).contains("embed without text"), "{}", stderr(&output));
    assert_eq!(remote.hits("/oembed-twitter"), 0);

    let output = quotefeed(&["extract", "--resolve", "--config", config.to_str().unwrap(), "-"], page);
    assert!(output.status.success(), "{}", stderr(&output));
    let quotes = json(&output)["quotes"].as_array().unwrap().clone();
    assert_eq!(quotes.len(), 1, "{quotes:?}");
    assert_eq!(quotes[0]["text"], "The lighthouse exhibition opens on Saturday. https://t.co/Ab12Cd34");
    assert_eq!(quotes[0]["author"]["handle"], "harbourmuseum");
    assert_eq!(quotes[0]["context"], "The museum wrote:");
    assert_eq!(quotes[0]["resolved"], true);
    assert!(!stderr(&output).contains("embed without text"), "{}", stderr(&output));
    let host = remote.last_header("/oembed-twitter", "host");
    assert!(host.is_some_and(|h| h.starts_with("publish.twitter.test")), "through [fetch.hosts]");
}
