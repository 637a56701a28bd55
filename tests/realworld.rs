//! The real-world set (`tests/fixtures/realworld/`): 40 pages and excerpts by real
//! publishers in 8 languages, with every platform's embeds and 18 documents that
//! must give no quote (share buttons and CSS naming embed classes, page plugins).
//! `expected.json` holds each document's quotes and textless embeds, checked by
//! hand against the page; `scripts/eval-realworld` reports precision and recall
//! over the same set.

use std::collections::BTreeMap;
use std::io::Read;

use quotefeed_extract::{ExtractOptions, InputFormat, extract};
use serde_json::Value;
use url::Url;

fn fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/realworld")
}

/// A document's bytes, gunzipped when it is stored compressed.
fn document(name: &str) -> Vec<u8> {
    let bytes = std::fs::read(fixture_dir().join(name)).unwrap();
    if !name.ends_with(".gz") {
        return bytes;
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice()).read_to_end(&mut out).unwrap();
    out
}

#[test]
fn every_document_gives_exactly_its_quotes() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("expected.json")).unwrap()).unwrap();
    let documents = expected["documents"].as_object().unwrap();
    assert_eq!(documents.len(), 40);
    let languages: std::collections::BTreeSet<&str> =
        documents.values().map(|d| d["language"].as_str().unwrap()).collect();
    assert!(languages.len() >= 6, "{languages:?}");

    let mut per_platform: BTreeMap<String, usize> = BTreeMap::new();
    let mut textless_per_platform: BTreeMap<String, usize> = BTreeMap::new();
    let mut checked_quotes = 0;
    let mut quoteless_documents = 0;
    for (name, want) in documents {
        let options = ExtractOptions {
            format: InputFormat::Html,
            base_url: want["base_url"].as_str().and_then(|u| Url::parse(u).ok()),
            ..ExtractOptions::default()
        };
        let got = extract(&document(name), &options).unwrap();
        let want_quotes = want["quotes"].as_array().unwrap();
        assert_eq!(got.quotes.len(), want_quotes.len(), "{name}: {:#?}", got.quotes);
        for (quote, want) in got.quotes.iter().zip(want_quotes) {
            assert_eq!(quote.platform.as_str(), want["platform"], "{name}");
            assert_eq!(quote.text, want["text"].as_str().unwrap(), "{name}");
            assert_eq!(quote.author.handle.as_deref(), want["handle"].as_str(), "{name}: {}", quote.text);
            assert_eq!(quote.url.as_deref(), want["url"].as_str(), "{name}: {}", quote.text);
            assert_eq!(quote.published.as_deref(), want["published"].as_str(), "{name}: {}", quote.text);
            *per_platform.entry(quote.platform.as_str().to_string()).or_default() += 1;
            checked_quotes += 1;
        }
        let want_textless = want["textless"].as_array().unwrap();
        let got_textless: Vec<(String, String)> =
            got.textless.iter().map(|e| (e.platform.as_str().to_string(), e.url.clone())).collect();
        let want_textless: Vec<(String, String)> = want_textless
            .iter()
            .map(|e| (e["platform"].as_str().unwrap().to_string(), e["url"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(got_textless, want_textless, "{name}");
        for (platform, _) in got_textless {
            *textless_per_platform.entry(platform).or_default() += 1;
        }
        if want_quotes.is_empty() && want["textless"].as_array().unwrap().is_empty() {
            quoteless_documents += 1;
        }
    }
    assert!(checked_quotes >= 40, "{checked_quotes}");
    let counts = |pairs: &[(&str, usize)]| pairs.iter().map(|(p, n)| (p.to_string(), *n)).collect::<BTreeMap<_, _>>();
    assert_eq!(
        per_platform,
        counts(&[("bluesky", 1), ("facebook", 3), ("instagram", 1), ("tiktok", 1), ("twitter", 34)])
    );
    assert_eq!(textless_per_platform, counts(&[("mastodon", 2), ("threads", 1), ("twitter", 3)]));
    assert_eq!(quoteless_documents, 18);
}
