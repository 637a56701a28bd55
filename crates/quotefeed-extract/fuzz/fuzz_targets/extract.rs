//! Coverage-guided fuzzing of the extractor: any bytes, read as HTML, as plain text
//! and as a feed, must never panic. Run with `cargo fuzz run extract` (see the
//! README); seed it with the workspace's `tests/fixtures` for mutated real pages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quotefeed_extract::{extract, ExtractOptions, InputFormat};

fuzz_target!(|data: &[u8]| {
    for format in [InputFormat::Html, InputFormat::Text, InputFormat::Auto] {
        let options = ExtractOptions { format, include_unattributed: true, ..ExtractOptions::default() };
        if let Ok(extraction) = extract(data, &options) {
            for quote in extraction.quotes {
                assert!(!quote.text.is_empty());
            }
        }
    }
});
