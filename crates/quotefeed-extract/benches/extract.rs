//! Extraction speed: the bolivia article as HTML and as plain text, and a generated
//! ~1 MiB page with 200 embeds, each beside html5ever's bare parse of the same bytes
//! (`scraper::Html::parse_document`, the parse extraction starts with).
//!
//! Run `cargo bench --bench extract`, then `scripts/bench-report` for MB/s and the
//! extraction-to-parse ratios.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quotefeed_extract::{ExtractOptions, InputFormat, extract};

const BOLIVIA_HTML: &str = include_str!("../../../tests/fixtures/bolivia/article.html");
const BOLIVIA_TEXT: &str = include_str!("../../../tests/fixtures/bolivia/article.txt");
const KINDS_HTML: &str = include_str!("../../../tests/fixtures/kinds/article.html");

/// A long article of about 1 MiB: prose paragraphs with 200 embeds of every kind
/// spread through it, wrapped in a page with head, navigation and footer.
fn big_page() -> String {
    let mut embeds: Vec<String> = Vec::new();
    for html in [BOLIVIA_HTML, KINDS_HTML] {
        let mut rest = html;
        while let Some(start) = rest.find("<blockquote") {
            let end = rest[start..].find("</blockquote>").map_or(rest.len(), |e| start + e + "</blockquote>".len());
            embeds.push(rest[start..end].to_string());
            rest = &rest[end..];
        }
    }
    let prose = "<p>The council met again on Thursday to discuss the harbour, the ferries and the budget for \
                 the coming year, and members of the public filled the gallery to hear what would be decided. \
                 Several speakers asked <a href=\"/2024/04/harbour\">about the repairs</a> and the timetable.</p>\n";
    let mut page = String::from(
        "<!DOCTYPE html><html><head><title>Long read</title><style>p{margin:0}</style></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav><main><article><h1>Long read</h1>\n",
    );
    let target: usize = 1024 * 1024;
    let per_embed = target / 200;
    for i in 0..200 {
        let start = page.len();
        while page.len() - start < per_embed.saturating_sub(embeds[i % embeds.len()].len() + 80) {
            page.push_str(prose);
        }
        page.push_str(&format!("<p>Reaction number {i} came quickly:</p>\n"));
        page.push_str(&embeds[i % embeds.len()].replace("1193900000", &format!("{:010}", 1_193_900_000u64 + i as u64)));
        page.push_str("<script async src=\"https://platform.twitter.com/widgets.js\"></script>\n");
    }
    page.push_str("</article></main><footer>© Example News</footer></body></html>");
    page
}

fn bench(c: &mut Criterion) {
    let page = big_page();
    let html = ExtractOptions { format: InputFormat::Html, ..ExtractOptions::default() };
    let text = ExtractOptions { format: InputFormat::Text, ..ExtractOptions::default() };
    let inputs = [("bolivia-html", BOLIVIA_HTML, &html), ("page-1mib-200-embeds", page.as_str(), &html)];
    for (name, input, options) in inputs {
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function("extract", |b| b.iter(|| extract(black_box(input.as_bytes()), options).unwrap()));
        group.bench_function("html5ever-parse", |b| b.iter(|| scraper::Html::parse_document(black_box(input))));
        group.finish();
    }
    let mut group = c.benchmark_group("bolivia-text");
    group.throughput(Throughput::Bytes(BOLIVIA_TEXT.len() as u64));
    group.bench_function("extract", |b| b.iter(|| extract(black_box(BOLIVIA_TEXT.as_bytes()), &text).unwrap()));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
