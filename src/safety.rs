//! What may come in from the open web and go out again: text that every XML
//! consumer can read, URLs that cannot run script, handles that are safe in a path,
//! and sizes with a ceiling. Applied at ingest (before anything is stored) and
//! again where stored data is read for rendering, so data stored by an older
//! version cannot slip through either.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::model::Quote;

/// Whether XML 1.0 allows a character (the `Char` production): tab, newline,
/// carriage return, and everything from U+0020 up except U+FFFE and U+FFFF
/// (surrogates cannot occur in a Rust string).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// `text` without the characters XML cannot carry (U+0000–U+001F but tab and
/// newlines, U+FFFE, U+FFFF). Borrowed when there is nothing to remove.
pub fn xml_text(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

/// Removes XML-invalid characters in place.
pub fn clean_text(text: &mut String) {
    if let Cow::Owned(clean) = xml_text(text) {
        *text = clean;
    }
}

/// [`clean_text`] for an optional string.
fn clean_optional(text: &mut Option<String>) {
    if let Some(text) = text {
        clean_text(text);
    }
}

/// The same bytes with every XML-invalid character removed: the last guard on a
/// rendered RSS or Atom document, so that one stored character cannot make a feed
/// unreadable for every subscriber.
pub fn xml_document(bytes: Vec<u8>) -> Vec<u8> {
    match std::str::from_utf8(&bytes) {
        Ok(text) => match xml_text(text) {
            Cow::Borrowed(_) => bytes,
            Cow::Owned(clean) => clean.into_bytes(),
        },
        Err(_) => xml_text(&String::from_utf8_lossy(&bytes)).into_owned().into_bytes(),
    }
}

/// Whether a URL may be shown as a link: an absolute `http` or `https` URL with a
/// host. `javascript:`, `data:`, `file:` and everything else may not.
pub fn is_web_url(url: &str) -> bool {
    url::Url::parse(url.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// Keeps a URL only if it is a web URL ([`is_web_url`]).
pub fn web_url(url: Option<String>) -> Option<String> {
    url.filter(|u| is_web_url(u))
}

/// Keeps an optional URL in place only if it is a web URL.
pub fn keep_web_url(url: &mut Option<String>) {
    if url.as_deref().is_some_and(|u| !is_web_url(u)) {
        *url = None;
    }
}

/// Whether a handle can be used as one segment of a URL path and of a file path:
/// 1–100 letters, digits, `_`, `-`, `.` and `@` (Bluesky and Mastodon handles), not
/// starting with a dot (so never `.` or `..`).
pub fn is_safe_handle(handle: &str) -> bool {
    !handle.is_empty()
        && handle.chars().count() <= 100
        && !handle.starts_with('.')
        && handle.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
}

/// What a URL path segment keeps unencoded: RFC 3986's unreserved characters and `@`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'@');

/// A string percent-encoded as one URL path segment: `/`, `?`, `#`, `%` and
/// spaces cannot change where the URL leads.
pub fn path_segment(text: &str) -> Cow<'_, str> {
    let encoded: Cow<'_, str> = utf8_percent_encode(text, SEGMENT).into();
    match encoded.as_ref() {
        // A segment of dots means "this" or "parent" directory to URL resolution.
        "." | ".." => Cow::Owned(encoded.replace('.', "%2E")),
        _ => encoded,
    }
}

/// Ceilings on what one quote may store, so that one hostile article cannot fill
/// memory or the database. Configured under `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Characters of a quote's text; longer text is cut at a word and ends in "…".
    pub quote_text: usize,
    /// Bytes of a quote's HTML; longer HTML is dropped (the text is shown instead).
    pub quote_html: usize,
    /// Characters of a name, handle, title or lead-in sentence.
    pub name: usize,
    /// Links kept per quote.
    pub links: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { quote_text: 5_000, quote_html: 20_000, name: 300, links: 50 }
    }
}

/// `text` cut to at most `max` characters, at a word boundary when there is one
/// in the last fifth, ending in "…".
pub fn truncate(text: &mut String, max: usize) {
    if text.len() <= max || text.chars().count() <= max {
        return;
    }
    let keep = max.saturating_sub(1);
    let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
    let cut = &text[..end];
    let end = match cut.rfind(char::is_whitespace) {
        Some(space) if space >= end - end / 5 => space,
        _ => end,
    };
    text.truncate(end);
    text.truncate(text.trim_end().len());
    text.push('…');
}

fn truncate_optional(text: &mut Option<String>, max: usize) {
    if let Some(text) = text {
        truncate(text, max);
    }
}

/// Makes an extracted quote safe to store and publish: XML-invalid characters
/// removed from every text field, only web URLs kept, a handle that cannot be used
/// in a path dropped, and every field within `limits`.
pub fn clean_quote(quote: &mut Quote, limits: &Limits) {
    clean_text(&mut quote.text);
    truncate(&mut quote.text, limits.quote_text);
    clean_optional(&mut quote.html);
    if quote.html.as_ref().is_some_and(|h| h.len() > limits.quote_html) {
        quote.html = None;
    }
    for field in [&mut quote.author.name, &mut quote.context, &mut quote.published] {
        clean_optional(field);
        truncate_optional(field, limits.name);
    }
    clean_optional(&mut quote.author.handle);
    if quote.author.handle.as_deref().is_some_and(|h| !is_safe_handle(h)) {
        quote.author.handle = None;
    }
    keep_web_url(&mut quote.url);
    keep_web_url(&mut quote.author.url);
    quote.links.retain(|l| is_web_url(l));
    quote.links.truncate(limits.links);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_invalid_characters_go() {
        assert_eq!(xml_text("a\u{1}b\u{1f}c\td\ne\u{FFFE}\u{FFFF}f"), "abc\td\nef");
        assert!(matches!(xml_text("plain €"), Cow::Borrowed(_)));
        assert_eq!(xml_document(b"<a>\x01\x08</a>".to_vec()), b"<a></a>");
    }

    #[test]
    fn only_web_urls() {
        for bad in
            ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "file:///etc/passwd", "//x", "/a", ""]
        {
            assert!(!is_web_url(bad), "{bad}");
        }
        assert!(is_web_url("https://example.com/a?b#c"));
        assert!(is_web_url("HTTP://EXAMPLE.COM"));
    }

    #[test]
    fn handles_and_segments() {
        for bad in ["../../..", "..", ".", "a/b", "a\\b", "x y", "", "a%2f", ".hidden"] {
            assert!(!is_safe_handle(bad), "{bad}");
        }
        for good in ["AOC", "mira.bsky.social", "user@mastodon.social", "Ünïcødé_1", "a-b"] {
            assert!(is_safe_handle(good), "{good}");
        }
        assert_eq!(path_segment("../x"), "..%2Fx");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("a b?#%"), "a%20b%3F%23%25");
        assert_eq!(path_segment("user@host.social"), "user@host.social");
    }

    #[test]
    fn truncation_keeps_a_word() {
        let mut text = "one two three four five six seven".to_string();
        truncate(&mut text, 16);
        assert_eq!(text, "one two three…");
        let mut long = "x".repeat(50);
        truncate(&mut long, 10);
        assert_eq!(long.chars().count(), 10);
        let mut short = "short".to_string();
        truncate(&mut short, 10);
        assert_eq!(short, "short");
    }
}
