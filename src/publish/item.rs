//! What every format says about one quote: its title, link, id, and the HTML body
//! (the quote, its attribution, its date, and the articles that quote it).

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use maud::{Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

use url::Url;

use crate::model::{Author, Platform, Quote, hashtag_spans};
use crate::store::PublishedQuote;

/// The stable id of a quote's item in every feed: a `urn:uuid:` made from the quote
/// id, so it does not change if the server moves.
pub fn item_id(quote_id: &str) -> String {
    let digest = Sha256::digest(format!("quotefeed:{quote_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8: custom
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    let hex = hex::encode(bytes);
    format!("urn:uuid:{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Who said it, for people: "Name (@handle)", "Name", "@handle", or the site.
pub fn display_author(author: &Author, platform: Platform) -> String {
    let handle = author
        .handle
        .as_deref()
        .map(|h| if platform == Platform::Blockquote { h.to_string() } else { format!("@{h}") });
    match (&author.name, handle) {
        (Some(name), Some(handle)) => format!("{name} ({handle})"),
        (Some(name), None) => name.clone(),
        (None, Some(handle)) => handle,
        (None, None) => author
            .url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_string()))
            .unwrap_or_else(|| "Someone".to_string()),
    }
}

/// The item title: "Name (@handle): first words of the quote…", cut on a word.
pub fn item_title(quote: &PublishedQuote) -> String {
    let who = display_author(&quote.quote.author, quote.quote.platform);
    format!("{who}: {}", first_words(&quote.quote.text, 80))
}

/// The start of a text, at most `max` characters, cut on a word boundary.
fn first_words(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let at_word = match cut.rfind(' ') {
        Some(space) if space > max / 3 => &cut[..space],
        _ => &cut,
    };
    format!("{}…", at_word.trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace()))
}

/// Where the item links: the original post when known, else the first citing article.
pub fn item_link(quote: &PublishedQuote, quote_page: &str) -> String {
    quote
        .quote
        .url
        .clone()
        .or_else(|| quote.citations.iter().find_map(|c| c.url.clone()))
        .unwrap_or_else(|| quote_page.to_string())
}

/// A post date for people ("11 November 2019", "18 April 2024, 09:12").
pub fn human_date(iso: &str) -> String {
    if let Ok(date) = NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        return date.format("%-d %B %Y").to_string();
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(iso) {
        return time.format("%-d %B %Y, %H:%M UTC%:z").to_string().replace("UTC+00:00", "UTC");
    }
    for layout in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(time) = NaiveDateTime::parse_from_str(iso, layout) {
            return time.format("%-d %B %Y, %H:%M").to_string();
        }
    }
    iso.to_string()
}

/// The quote's body as HTML: the sanitized quote, else its text in paragraphs.
pub(super) fn quote_body(quote: &Quote) -> Markup {
    match &quote.html {
        // Rendered by the extractor's sanitizing renderer.
        Some(html) if !html.is_empty() => PreEscaped(html.clone()),
        _ => html! { @for line in quote.text.lines() { p { (line) } } },
    }
}

/// The quote as HTML for a feed item or an ActivityPub note: the quote, who said it
/// where and when, and the articles that quote it with their lead-in sentences.
pub fn quote_html(quote: &PublishedQuote) -> String {
    let q = &quote.quote;
    let who = display_author(&q.author, q.platform);
    html! {
        blockquote cite=[q.url.as_deref()] {
            (quote_body(q))
            p {
                "— "
                @match &q.author.url { Some(url) => a href=(url) { (who) }, None => (who) }
                @if q.platform != Platform::Blockquote { " on " (q.platform.label()) }
                @if let Some(date) = &q.published {
                    ", "
                    @match &q.url {
                        Some(url) => a href=(url) { time datetime=(date) { (human_date(date)) } },
                        None => time datetime=(date) { (human_date(date)) },
                    }
                } @else if let Some(url) = &q.url {
                    " (" a href=(url) { "original post" } ")"
                }
            }
            @if let Some(origin) = resolved_from(q) { p { small { (origin) } } }
        }
        @if !quote.citations.is_empty() {
            p { "Quoted in:" }
            ul {
                @for article in quote.citing_articles() {
                    li {
                        @let title = article.title.as_deref().unwrap_or("an article");
                        @match &article.url { Some(url) => a href=(url) { (title) }, None => (title) }
                        @let site = article.source_title.as_deref().unwrap_or(&article.source);
                        " (" (site) ")"
                        @if let Some(context) = &article.context { br; "“" (context) "”" }
                    }
                }
            }
        }
    }
    .into_string()
}

/// Where the text of a quote came from when the article's embed had none:
/// "Text fetched from X's oEmbed endpoint; the article embeds the post without it."
pub fn resolved_from(quote: &Quote) -> Option<String> {
    if !quote.resolved {
        return None;
    }
    let endpoint = match quote.platform {
        Platform::Bluesky => "a public Bluesky AppView".to_string(),
        Platform::Mastodon | Platform::Threads => {
            format!("the post's {} server over ActivityPub", quote.platform.label())
        }
        platform => format!("{}'s oEmbed endpoint", platform.label()),
    };
    Some(format!("Text fetched from {endpoint}: the article embeds the post without it."))
}

/// Text with each `#hashtag` linked to its page, as Mastodon marks hashtags
/// (`a.mention.hashtag[rel=tag]`), so that the note's `tag` entries match.
fn with_hashtag_links(text: &str, base: &Url) -> Markup {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, tag) in hashtag_spans(text) {
        let href = format!("{base}{}", super::tag_page_path(tag));
        let linked = html! { (&text[at..span.start]) a.mention.hashtag href=(href) rel="tag" { "#" span { (tag) } } };
        out.push_str(&linked.into_string());
        at = span.end;
    }
    out.push_str(&html! { (&text[at..]) }.into_string());
    PreEscaped(out)
}

/// The quote as HTML that Mastodon keeps whole, which allows only `p`, `br` and
/// `a` (it flattens blockquotes, lists and `time`): the quote's paragraphs, a
/// plain-text attribution line ("— Name (@handle) on Platform, date") with the
/// link to the original, and "Quoted in" with each citing article.
pub fn note_html(quote: &PublishedQuote, base: &Url) -> String {
    let q = &quote.quote;
    let who = display_author(&q.author, q.platform);
    html! {
        @for paragraph in q.text.split("\n").filter(|p| !p.trim().is_empty()) { p { (with_hashtag_links(paragraph, base)) } }
        p {
            "— " (who)
            @if q.platform != Platform::Blockquote { " on " (q.platform.label()) }
            @if let Some(date) = &q.published { ", " (human_date(date)) }
            @if let Some(url) = &q.url { br; a href=(url) { (url) } }
        }
        @if quote.citing_articles().next().is_some() {
            p {
                "Quoted in:"
                @for article in quote.citing_articles() {
                    br;
                    @let title = article.title.as_deref().unwrap_or("an article");
                    @match &article.url { Some(url) => a href=(url) { (title) }, None => (title) }
                    @let site = article.source_title.as_deref().unwrap_or(&article.source);
                    " (" (site) ")"
                }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_cut_on_a_word() {
        assert_eq!(first_words("Short.", 80), "Short.");
        assert_eq!(first_words("one two three four five six", 14), "one two three…");
        assert_eq!(first_words("Supercalifragilistic", 10), "Supercalif…");
        assert_eq!(first_words("line one\nline two", 80), "line one line two");
    }

    #[test]
    fn ids_are_uuids_that_do_not_change() {
        let id = item_id("ff215cf54df1df47");
        assert_eq!(id, item_id("ff215cf54df1df47"));
        assert_eq!(id.len(), "urn:uuid:".len() + 36);
        assert_eq!(&id[23..24], "8", "version 8");
    }

    #[test]
    fn dates_for_people() {
        assert_eq!(human_date("2019-11-11"), "11 November 2019");
        assert_eq!(human_date("2024-04-18T09:12"), "18 April 2024, 09:12");
        assert_eq!(human_date("2024-04-18T06:40:11+00:00"), "18 April 2024, 06:40 UTC");
        assert_eq!(human_date("someday"), "someday");
    }

    #[test]
    fn authors_for_people() {
        let author = |name: Option<&str>, handle: Option<&str>, url: Option<&str>| Author {
            name: name.map(Into::into),
            handle: handle.map(Into::into),
            url: url.map(Into::into),
        };
        assert_eq!(
            display_author(&author(Some("Jill"), Some("DrJillStein"), None), Platform::Twitter),
            "Jill (@DrJillStein)"
        );
        assert_eq!(display_author(&author(None, Some("dee"), None), Platform::Tiktok), "@dee");
        assert_eq!(
            display_author(&author(None, None, Some("https://www.speeches.example/1")), Platform::Blockquote),
            "speeches.example"
        );
    }
}
