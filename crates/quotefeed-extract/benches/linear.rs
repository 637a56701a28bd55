//! Hostile inputs at doubling sizes: the extraction time should double, not
//! quadruple. Each input is built to hit one search that could be quadratic: many
//! distinct open element names, many nested or sibling candidate containers for
//! the main-content choice, the same embed many times, many pull quotes by one
//! person. Run with `cargo bench --bench linear`; prints the time at each size and
//! the ratio to the size before.

use std::time::{Duration, Instant};

use quotefeed_extract::{ExtractOptions, InputFormat, MainContent, extract};

type Builder = fn(usize) -> String;

const INPUTS: [(&str, Builder, MainContent); 5] = [
    ("distinct open tag names", distinct_tags, MainContent::Whole),
    ("nested candidate containers", nested_containers, MainContent::Auto),
    ("sibling candidate containers", sibling_containers, MainContent::Auto),
    ("the same embed repeated", repeated_embeds, MainContent::Whole),
    ("pull quotes by one person", pull_quotes, MainContent::Whole),
];

fn distinct_tags(n: usize) -> String {
    (0..n).map(|i| format!("<x-{i}>")).collect::<String>() + "<p>Deep.</p>"
}

fn nested_containers(n: usize) -> String {
    (0..n).map(|i| format!("<article><p>Paragraph {i} long enough to be counted as article text here.</p>")).collect()
}

fn sibling_containers(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "<div class=\"entry-content\"><p>Paragraph {i} long enough to be counted as article text.</p></div>"
            )
        })
        .collect()
}

fn repeated_embeds(n: usize) -> String {
    "<blockquote class=\"twitter-tweet\"><p>Same post.</p>&mdash; A (@a) <a href=\"https://twitter.com/a/status/1\">May 1, 2024</a></blockquote>".repeat(n)
}

fn pull_quotes(n: usize) -> String {
    (0..n).map(|i| format!("<blockquote><p>Words number {i} said.</p><cite>Same Person</cite></blockquote>")).collect()
}

fn time(page: &str, main_content: &MainContent) -> Duration {
    let options = ExtractOptions {
        format: InputFormat::Html,
        main_content: main_content.clone(),
        max_bytes: usize::MAX,
        ..ExtractOptions::default()
    };
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(extract(page.as_bytes(), &options).expect("extracts"));
            started.elapsed()
        })
        .collect();
    runs.sort();
    runs[2]
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters the inputs by name.
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    println!("{:<30} {:>8} {:>10} {:>10}", "input", "size", "time", "ratio");
    for (name, build, main_content) in &INPUTS {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let mut previous: Option<Duration> = None;
        for n in [2_000, 4_000, 8_000, 16_000] {
            let page = build(n);
            let took = time(&page, main_content);
            let ratio = previous.map_or("".to_string(), |p| format!("{:.2}", took.as_secs_f64() / p.as_secs_f64()));
            println!("{name:<30} {n:>8} {:>8.2}ms {ratio:>10}", took.as_secs_f64() * 1000.0);
            previous = Some(took);
        }
    }
}
