//! HTML pages for people: the front page (sources and the latest quotes), one page
//! per quote, per source and per author. Server-rendered with maud, which escapes
//! everything it is given; quote bodies come already sanitized from the extractor.
//! No JavaScript; light and dark colours follow the reader's setting.

use chrono::DateTime;
use maud::{DOCTYPE, Markup, html};
use url::Url;

use super::item::{human_date, quote_body};
use super::{FeedKind, Format, author_label, author_page_path, display_author, tag_page_path};
use crate::fetch::host_header;
use crate::model::Platform;
use crate::store::{AuthorSummary, PublishedQuote, QueuedInbox, SourceSummary, TagSummary};

/// The pages' stylesheet, served as `/style.css` (a separate file, so that the
/// Content-Security-Policy can forbid inline styles).
pub const STYLE: &str = r#"
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #fbfbf8; --muted: #5f6368; --card: #ffffff; --line: #e2e2dc; --accent: #0b57d0; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8e3; --bg: #15161a; --muted: #a0a4ab; --card: #1e2026; --line: #30333b; --accent: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
main, header, footer { max-width: 46rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.2rem; }
header a.home { color: var(--fg); text-decoration: none; font-weight: 700; font-size: 1.3rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 1rem 0 .3rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .6rem; }
a { color: var(--accent); }
.muted, .meta { color: var(--muted); font-size: .9rem; }
.feeds a { margin-right: .6rem; }
article.quote { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .9rem 1.1rem; margin: 0 0 1rem; }
article.quote blockquote { margin: 0; font-size: 1.05rem; overflow-wrap: anywhere; }
article.quote blockquote p { margin: 0 0 .5rem; }
article.quote .who { font-weight: 600; }
article.quote ul { margin: .4rem 0 0; padding-left: 1.1rem; }
article.quote li { margin: .2rem 0; }
ul.sources { list-style: none; padding: 0; }
ul.sources li { border-bottom: 1px solid var(--line); padding: .6rem 0; }
nav.pages { display: flex; justify-content: space-between; margin: 1rem 0 2rem; }
table.status { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.status th, table.status td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
svg.chart { display: block; }
svg.chart rect { fill: var(--accent); }
.error { color: #c5221f; }
footer { padding: 2rem 1rem 3rem; }
"#;

fn feed_links(base: &Url, kind: &FeedKind) -> Markup {
    html! {
        span.feeds {
            @for format in Format::ALL {
                a href=(kind.feed_url(base, format)) type=(format.media_type()) {
                    @match format { Format::Rss => "RSS", Format::Atom => "Atom", Format::Json => "JSON Feed" }
                }
            }
        }
    }
}

fn layout(base: &Url, title: &str, feeds: &[(&FeedKind, &str)], content: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) }
                @for (kind, label) in feeds {
                    @for format in Format::ALL {
                        link rel="alternate" type=(format.media_type()) title={ (label) " (" (format.extension()) ")" }
                            href=(kind.feed_url(base, format));
                    }
                }
                link rel="stylesheet" href={ (base) "style.css" };
            }
            body {
                header { a.home href=(base) { "quotefeed" } }
                main { (content) }
                footer.muted { "Quotes found in the news by quotefeed " (env!("CARGO_PKG_VERSION")) "." }
            }
        }
    }
    .into_string()
}

/// `1 quote`, `2 quotes`.
fn counted(n: i64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn time(unix: Option<i64>) -> String {
    unix.and_then(|t| DateTime::from_timestamp(t, 0))
        .map_or_else(|| "never".into(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// A quote as a card: the quote, who said it and when, and where it was quoted.
fn quote_card(base: &Url, quote: &PublishedQuote, link_to_page: bool) -> Markup {
    let q = &quote.quote;
    let who = display_author(&q.author, q.platform);
    html! {
        article.quote id={ "q-" (q.id) } {
            blockquote { (quote_body(q)) }
            p.meta {
                "— "
                @match (&q.author.handle, q.platform) {
                    (Some(handle), platform) if platform != Platform::Blockquote => {
                        a.who href={ (base) (author_page_path(platform, handle)) } { (who) }
                    }
                    _ => span.who { (who) },
                }
                @if q.platform != Platform::Blockquote { " on " (q.platform.label()) }
                @if let Some(date) = &q.published { ", " time datetime=(date) { (human_date(date)) } }
                @if let Some(url) = &q.url { " · " a href=(url) rel="nofollow noopener" { "original post" } }
                @if link_to_page { " · " a href={ (base) "quotes/" (q.id) } { "permalink" } }
            }
            @if !quote.citations.is_empty() {
                div.meta {
                    "Quoted in:"
                    ul {
                        @for article in quote.citing_articles() {
                            li {
                                @let title = article.title.as_deref().unwrap_or("an article");
                                @match &article.url { Some(url) => a href=(url) rel="nofollow noopener" { (title) }, None => (title) }
                                " (" a href={ (base) "sources/" (article.source) } { (article.source_title.as_deref().unwrap_or(&article.source)) } ")"
                                @if let Some(context) = &article.context { br; "“" (context) "”" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One page of a longer list of quotes.
#[derive(Debug, Clone)]
pub struct Paged {
    /// The quotes on this page, newest first.
    pub quotes: Vec<PublishedQuote>,
    /// Which page (from 1).
    pub page: usize,
    /// Whether there are older quotes on later pages.
    pub has_more: bool,
}

/// Links to the newer and older pages of a list at `path` (under `base`).
fn page_links(base: &Url, path: &str, paged: &Paged) -> Markup {
    html! {
        @if paged.page > 1 || paged.has_more {
            nav.pages {
                @if paged.page > 1 {
                    @let newer = if paged.page == 2 { String::new() } else { format!("?page={}", paged.page - 1) };
                    a rel="prev" href={ (base) (path) (newer) } { "← Newer quotes" }
                    " "
                }
                @if paged.has_more {
                    a rel="next" href={ (base) (path) "?page=" (paged.page + 1) } { "Older quotes →" }
                }
            }
        }
    }
}

/// A source as people can tell it from the others: its feed's title with its name
/// ("Example News (world)"), or its name alone when the feed has no title.
fn source_label(source: &SourceSummary) -> String {
    match &source.title {
        Some(title) if !title.eq_ignore_ascii_case(&source.name) => format!("{title} ({})", source.name),
        _ => source.name.clone(),
    }
}

/// The front page: the sources with their feeds, and the latest quotes.
pub fn index(base: &Url, sources: &[SourceSummary], latest: &Paged) -> String {
    let all = FeedKind::All;
    let content = html! {
        h1 { "Quotes from the news" }
        p.muted { "Every post and quote embedded in the articles of these sources, republished one per item." }
        p { "Everything: " (feed_links(base, &all)) }
        h2 { "Sources" }
        @if sources.is_empty() { p.muted { "No sources are configured yet." } }
        ul.sources {
            @for source in sources {
                @let kind = FeedKind::Source(source.clone());
                li {
                    a href={ (base) "sources/" (source.name) } { strong { (source_label(source)) } }
                    " " span.muted { (counted(source.quotes, "quote")) }
                    br;
                    (feed_links(base, &kind))
                    br;
                    span.meta {
                        "Last checked " (time(source.last_attempt_at))
                        @if let Some(error) = &source.last_error { " · " span.error { "failing: " (error) } }
                    }
                }
            }
        }
        h2 { "Latest quotes" }
        @if latest.quotes.is_empty() { p.muted { "No quotes yet." } }
        @for quote in &latest.quotes { (quote_card(base, quote, true)) }
        (page_links(base, "", latest))
        p.muted { a href={ (base) "status" } { "Status of the sources and deliveries" } }
    };
    layout(base, "quotefeed", &[(&all, "All quotes")], content)
}

/// One quote with every article that cites it.
pub fn quote(base: &Url, quote: &PublishedQuote) -> String {
    let q = &quote.quote;
    let who = display_author(&q.author, q.platform);
    let title = format!("{who}: {}", q.text.lines().next().unwrap_or(""));
    let author_kind = q.author.handle.as_ref().filter(|_| q.platform != Platform::Blockquote).map(|handle| {
        FeedKind::Author(AuthorSummary {
            platform: q.platform,
            handle: handle.clone(),
            name: q.author.name.clone(),
            quotes: 0,
        })
    });
    let label = format!("Quotes of {who}");
    let feeds: Vec<(&FeedKind, &str)> = author_kind.iter().map(|k| (k, label.as_str())).collect();
    let content = html! {
        h1 { (who) }
        (quote_card(base, quote, false))
        @if let Some(kind) = &author_kind { p { "Everything " (who) " said: " (feed_links(base, kind)) } }
    };
    layout(base, &title, &feeds, content)
}

/// A source with its feeds and quotes.
pub fn source(base: &Url, source: &SourceSummary, quotes: &Paged) -> String {
    let kind = FeedKind::Source(source.clone());
    let name = source_label(source);
    let name = name.as_str();
    let content = html! {
        h1 { (name) }
        p.muted {
            @if let Some(site) = &source.site_url { a href=(site) rel="nofollow noopener" { (site) } " · " }
            (counted(source.quotes, "quote")) " · last checked " (time(source.last_attempt_at))
            @if let Some(error) = &source.last_error { " · " span.error { "failing: " (error) } }
        }
        p { (feed_links(base, &kind)) }
        @for quote in &quotes.quotes { (quote_card(base, quote, true)) }
        (page_links(base, &format!("sources/{}", source.name), quotes))
    };
    layout(base, &format!("Quotes from {name}"), &[(&kind, &format!("Quotes from {name}"))], content)
}

/// An author with their feeds and quotes.
pub fn author(base: &Url, author: &AuthorSummary, quotes: &Paged) -> String {
    let kind = FeedKind::Author(author.clone());
    let who = author_label(author);
    let content = html! {
        h1 { (who) }
        p.muted { (counted(author.quotes, "quote")) " on " (author.platform.label()) }
        p { (feed_links(base, &kind)) }
        @for quote in &quotes.quotes { (quote_card(base, quote, true)) }
        (page_links(base, &author_page_path(author.platform, &author.handle), quotes))
    };
    layout(base, &who, &[(&kind, &format!("Quotes of {who}"))], content)
}

/// A hashtag's page: the quotes that carry it, newest first.
pub fn tag(base: &Url, tag: &TagSummary, quotes: &Paged) -> String {
    let kind = FeedKind::Tag(tag.clone());
    let title = format!("#{}", tag.name);
    let content = html! {
        h1 { (title) }
        p.muted { (counted(tag.quotes, "quote")) }
        p { (feed_links(base, &kind)) }
        @for quote in &quotes.quotes { (quote_card(base, quote, true)) }
        (page_links(base, &tag_page_path(&tag.name), quotes))
    };
    layout(base, &title, &[(&kind, &format!("Quotes tagged {title}"))], content)
}

/// What the status page shows of one source.
#[derive(Debug, Clone)]
pub struct SourceStatus {
    /// The source, with its poll state.
    pub source: SourceSummary,
    /// Articles stored.
    pub articles: i64,
    /// Quotes found on each of the last [`CHART_DAYS`] days, oldest first.
    pub per_day: Vec<i64>,
}

/// Days in the status page's charts.
pub const CHART_DAYS: usize = 30;

/// A small bar chart of quotes per day, as inline SVG (no script, no request).
fn chart(per_day: &[i64]) -> Markup {
    let highest = per_day.iter().copied().max().unwrap_or(0).max(1);
    let (width, height, bar) = (per_day.len() * 4, 24, 3);
    let total: i64 = per_day.iter().sum();
    html! {
        svg.chart width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) } role="img"
            xmlns="http://www.w3.org/2000/svg" {
            title { (counted(total, "quote")) " in the last " (per_day.len()) " days" }
            @for (day, count) in per_day.iter().enumerate() {
                @let h = if *count == 0 { 0 } else { (count * height as i64 / highest).max(1) };
                rect x=(day * 4) y=(height as i64 - h) width=(bar) height=(h) {}
            }
        }
    }
}

/// The operator's view: each source's health and the delivery queue per host.
/// `paused` lists the hosts whose deliveries the circuit breaker holds back:
/// `(host, failures in a row, until)`.
pub fn status(
    base: &Url,
    sources: &[SourceStatus],
    queue: &[QueuedInbox],
    paused: &[(String, i64, i64)],
    now: i64,
) -> String {
    let mut hosts: Vec<(String, i64, i64, i64, Option<String>)> = Vec::new();
    for inbox in queue {
        let host = Url::parse(&inbox.inbox).map(|u| host_header(&u)).unwrap_or_default();
        match hosts.iter_mut().find(|h| h.0 == host) {
            Some(entry) => {
                entry.1 += inbox.deliveries;
                entry.2 = entry.2.min(inbox.next_attempt_at);
                entry.3 = entry.3.max(inbox.attempts);
                if entry.4.is_none() {
                    entry.4 = inbox.last_error.clone();
                }
            }
            None => {
                hosts.push((host, inbox.deliveries, inbox.next_attempt_at, inbox.attempts, inbox.last_error.clone()))
            }
        }
    }
    let content = html! {
        h1 { "Status" }
        h2 { "Sources" }
        @if sources.is_empty() { p.muted { "No sources are configured yet." } }
        @else {
            table.status {
                tr { th { "Source" } th { "Last attempt" } th { "Last success" } th { "Failures" } th { "Next run" } th { "Articles" } th { "Quotes" } th { "Per day, 30 days" } }
                @for status in sources {
                    @let s = &status.source;
                    tr {
                        td {
                            a href={ (base) "sources/" (s.name) } { (s.name) }
                            @if let Some(title) = &s.title { br; span.muted { (title) } }
                            @if let Some(error) = &s.last_error { br; span.error { (error) } }
                            @if let Some((owner, until)) = s.polling.as_ref().filter(|(_, until)| *until > now) {
                                br; span.muted { "being polled by process " (owner) ", leased until " (time(Some(*until))) }
                            }
                        }
                        td { (time(s.last_attempt_at)) }
                        td { (time(s.last_success_at)) }
                        td { (s.error_count) }
                        td { (time(s.next_run_at)) }
                        td { (status.articles) }
                        td { (s.quotes) }
                        td { (chart(&status.per_day)) }
                    }
                }
            }
        }
        h2 { "Deliveries" }
        @if hosts.is_empty() { p.muted { "Nothing waiting to be delivered." } }
        @else {
            table.status {
                tr { th { "Server" } th { "Waiting" } th { "Next try" } th { "Most tries" } th { "Last error" } }
                @for (host, waiting, next, attempts, error) in &hosts {
                    @let pause = paused.iter().find(|(h, _, _)| h == host);
                    tr {
                        td {
                            (host)
                            @if let Some((_, failures, until)) = pause {
                                br; span.error { "paused after " (failures) " failures in a row, until " (time(Some(*until))) }
                            }
                        }
                        td { (waiting) }
                        td { @if *next <= now { "now" } @else { (time(Some(*next))) } }
                        td { (attempts) }
                        td { @if let Some(error) = error { span.error { (error) } } }
                    }
                }
            }
        }
    };
    layout(base, "quotefeed status", &[], content)
}
