//! The extractor never panics: on arbitrary bytes, on corpus pages mutated at random,
//! and on pathological nesting. (A coverage-guided `cargo fuzz` target lives in
//! `fuzz/`; these property tests run in CI, where fuzzing cannot.)

mod sanitize;

use proptest::prelude::*;
use quotefeed_extract::{ExtractOptions, Extraction, InputFormat, MainContent, extract};

fn check(input: &[u8], format: InputFormat) -> Extraction {
    check_with(input, format, MainContent::Whole)
}

fn check_with(input: &[u8], format: InputFormat, main_content: MainContent) -> Extraction {
    let options = ExtractOptions { format, include_unattributed: true, main_content, ..ExtractOptions::default() };
    let extraction = extract(input, &options).expect("inputs under the limit are accepted");
    for quote in &extraction.quotes {
        assert!(!quote.text.is_empty(), "a quote without text: {quote:?}");
        assert_eq!(quote.id.len(), 16);
        assert!(!quote.text.contains("\n\n"));
        if let Some(html) = &quote.html {
            assert_eq!(&sanitize::with_ammonia(html), html, "ammonia would change the HTML of {quote:?}");
        }
    }
    extraction
}

const CORPUS: [&str; 3] = [
    include_str!("../../../tests/fixtures/bolivia/article.html"),
    include_str!("../../../tests/fixtures/kinds/article.html"),
    include_str!("../../../tests/fixtures/bolivia/article.txt"),
];

/// Fragments that steer mutations towards the code paths that parse embeds.
const FRAGMENTS: [&str; 16] = [
    "<blockquote class=\"twitter-tweet\">",
    "<blockquote class=\"bluesky-embed\">",
    "<blockquote class=\"instagram-media\">",
    "<div class=\"fb-post\">",
    "</blockquote>",
    "<p>",
    "</p>",
    "&mdash; ",
    "— Name (@handle) ",
    "(@",
    "<a href=\"https://twitter.com/a/status/1\">",
    "</a>",
    "<br><br>",
    "\u{200a}",
    "<cite>",
    "A post shared by ",
];

fn mutation() -> impl Strategy<Value = (usize, usize, usize, Vec<u8>)> {
    (
        0..CORPUS.len(),
        any::<usize>(),
        0usize..64,
        prop_oneof![
            (0..FRAGMENTS.len()).prop_map(|i| FRAGMENTS[i].as_bytes().to_vec()),
            proptest::collection::vec(any::<u8>(), 0..16),
        ],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes, InputFormat::Auto);
        check(&bytes, InputFormat::Html);
        check(&bytes, InputFormat::Text);
    }

    #[test]
    fn mutated_corpus(mutations in proptest::collection::vec(mutation(), 1..12)) {
        let mut page = CORPUS[mutations[0].0].as_bytes().to_vec();
        for (_, at, delete, insert) in mutations {
            let at = at % (page.len() + 1);
            let end = (at + delete).min(page.len());
            page.splice(at..end, insert);
        }
        check(&page, InputFormat::Auto);
        check(&page, InputFormat::Html);
        check(&page, InputFormat::Text);
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    // Parsing, walking and rendering are all iterative: a small stack is enough for
    // a page nested 100,000 elements deep, and the quote at the bottom is found
    // (except inside embeds, which are read only a few levels deep).
    for (open, found) in [
        ("<div>", 1),
        ("<a href=\"x\">", 1),
        ("<p><span>", 1),
        ("<b>", 1),
        ("<blockquote>", 0),
        ("<blockquote class=\"twitter-tweet\">", 0),
    ] {
        let page = format!("{}<p>Deep down.</p>\u{2014} Name (@handle) November 11, 2019", open.repeat(100_000));
        let result = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || check(page.as_bytes(), InputFormat::Html).quotes.len())
            .unwrap()
            .join();
        assert_eq!(result.ok(), Some(found), "{open} nested 100,000 deep");
    }
}

#[test]
fn nested_tweets_are_parsed_a_few_levels_deep() {
    let tweet = |inner: &str, n: usize| {
        format!(
            r#"<blockquote class="twitter-tweet"><p>Level {n}</p>{inner}&mdash; N{n} (@n{n}) <a href="https://twitter.com/n{n}/status/{n}">May 1, 2024</a></blockquote>"#
        )
    };
    let mut page = String::new();
    for n in 0..10 {
        page = tweet(&page, n);
    }
    let extraction = check(page.as_bytes(), InputFormat::Html);
    assert_eq!(extraction.quotes.len(), 5);
    assert!(extraction.warnings.iter().any(|w| w.contains("nested")));
}

/// A piece of a hostile page: an element of one of thousands of names opened (and
/// maybe closed), a candidate container, a paragraph, a pull quote, an embed.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..5000).prop_map(|n| format!("<x-{n}>")),
        (0u32..5000).prop_map(|n| format!("</x-{n}>")),
        Just("<article>".to_string()),
        Just("<div class=\"entry-content\">".to_string()),
        Just("<aside class=\"sidebar\">".to_string()),
        Just("</div>".to_string()),
        Just("<p>A paragraph long enough to count as article text for the scoring, and then some more.</p>".to_string()),
        Just("<blockquote><p>Pulled.</p><cite>Same Person</cite></blockquote>".to_string()),
        Just("<blockquote class=\"twitter-tweet\"><p>Same post.</p>&mdash; A (@a) <a href=\"https://twitter.com/a/status/1\">May 1, 2024</a></blockquote>".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Many distinct tag names, candidate containers and repeated quotes, read as a
    /// whole page with the automatic choice of main content.
    #[test]
    fn distinct_tags_and_automatic_main_content(pieces in proptest::collection::vec(piece(), 0..400)) {
        let page = pieces.concat();
        check_with(page.as_bytes(), InputFormat::Html, MainContent::Auto);
        check_with(page.as_bytes(), InputFormat::Html, MainContent::Selector("article .entry-content, x-7".into()));
    }
}

#[test]
fn thousands_of_distinct_open_elements_and_candidates() {
    let mut page = String::new();
    for n in 0..20_000 {
        page.push_str(&format!("<x-{n}><article><p>Paragraph {n} of a page that nests without end, long enough.</p>"));
    }
    let result = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || check_with(page.as_bytes(), InputFormat::Html, MainContent::Auto).quotes.len())
        .unwrap()
        .join();
    assert_eq!(result.ok(), Some(0));
}
