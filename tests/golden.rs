//! Golden tests: `quotefeed extract --format json` on the worked examples gives
//! exactly their expected quotes (same count, text once whitespace is ignored,
//! platform, author, date, permalink, context and links).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path).to_string_lossy().into_owned()
}

fn extract(path: &str) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_quotefeed"))
        .args(["extract", "--format", "json", &fixture(path)])
        .output()
        .expect("quotefeed runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    json["quotes"].as_array().expect("a quotes array").clone()
}

fn expected(path: &str) -> Vec<Value> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(fixture(path)).unwrap()).unwrap();
    json["quotes"].as_array().unwrap().clone()
}

fn without_whitespace(v: &Value) -> String {
    v.as_str().unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect()
}

/// In HTML, Twitter shows media links as `pic.twitter.com/X` on an anchor to
/// `https://t.co/X`; quotefeed reports the anchor's target.
fn link_target(link: &Value) -> String {
    let link = link.as_str().unwrap();
    match link.strip_prefix("pic.twitter.com/") {
        Some(id) => format!("https://t.co/{id}"),
        None => link.to_string(),
    }
}

fn assert_matches(actual: &[Value], expected: &[Value], html_links: bool) {
    assert_eq!(actual.len(), expected.len(), "number of quotes");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let who = e["author"]["handle"].as_str().or(e["author"]["name"].as_str()).unwrap_or("?");
        assert_eq!(without_whitespace(&a["text"]), without_whitespace(&e["text"]), "text of quote {i} ({who})");
        for key in ["platform", "published", "context"] {
            assert_eq!(a[key], e[key], "{key} of quote {i} ({who})");
        }
        assert_eq!(a["author"], e["author"], "author of quote {i}");
        if e.get("url").is_some() {
            assert_eq!(a["url"], e["url"], "permalink of quote {i} ({who})");
        }
        let links = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|l| if html_links { link_target(l) } else { l.as_str().unwrap().into() })
                .collect()
        };
        assert_eq!(links(&a["links"]), links(&e["links"]), "links of quote {i} ({who})");
        assert_eq!(a["id"].as_str().map(str::len), Some(16), "id of quote {i}");
    }
}

#[test]
fn bolivia_plain_text() {
    assert_matches(&extract("bolivia/article.txt"), &expected("bolivia/expected.json"), false);
}

#[test]
fn bolivia_html() {
    assert_matches(&extract("bolivia/article.html"), &expected("bolivia/expected-html.json"), true);
}

#[test]
fn bolivia_feed() {
    let quotes = extract("bolivia/feed.xml");
    assert_matches(&quotes, &expected("bolivia/expected-html.json"), true);
    for quote in &quotes {
        assert_eq!(quote["article"]["title"], "Progressives around the world are condemning the coup in Bolivia");
        assert_eq!(quote["article"]["url"], "https://news.example/2019/11/12/progressives-condemn-bolivia-coup/");
        assert_eq!(quote["article"]["published"], "2019-11-12T17:45:12+00:00");
    }
}

#[test]
fn one_embed_of_each_kind() {
    assert_matches(&extract("kinds/article.html"), &expected("kinds/expected.json"), false);
}

#[test]
fn html_and_feed_give_the_same_ids() {
    let ids = |path| extract(path).iter().map(|q| q["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids("bolivia/article.html"), ids("bolivia/feed.xml"));
}

#[test]
fn json_has_exactly_the_documented_fields() {
    let quote = &extract("kinds/article.html")[0];
    let keys: Vec<&str> = quote.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "text", "html", "author", "platform", "url", "published", "context", "links"]);
    let author: Vec<&str> = quote["author"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(author, ["name", "handle", "url"]);
}
