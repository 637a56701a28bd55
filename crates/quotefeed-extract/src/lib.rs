//! The quote extractor: article bytes in, quotes out.
//!
//! Pure: no I/O, no clock, no global state, so it can be tested, fuzzed and
//! benchmarked alone. Both paths turn the article into a sequence of [blocks]
//! (paragraphs of the article's own prose, headings, quotes found in embeds, other
//! embeds); the assembler then finds plain-text attributions, joins quotes that span
//! several paragraphs, and gives each quote its lead-in sentence and stable id.
//!
//! [blocks]: draft::Block

mod assemble;
mod attribution;
mod dates;
mod dom;
mod draft;
mod embeds;
mod flatten;
mod hashtags;
mod html;
mod identity;
mod main_content;
mod platform;
mod status;
mod text;
mod text_util;
mod textless;
mod urls;

use serde::{Deserialize, Serialize};
use url::Url;

pub use dates::parse_date;
pub use hashtags::{hashtag_spans, hashtags};
pub use identity::quote_id;
pub use status::{activity_quote, bluesky_quote};
pub use urls::{clean_url, image_media_type, tweet_link};

/// Whether `css` is a CSS selector [`MainContent::Selector`] can use.
pub fn is_valid_selector(css: &str) -> bool {
    scraper::Selector::parse(css).is_ok()
}

/// Largest input the extractor accepts by default (10 MiB).
pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// One quote: a post embedded in an article, or an attributed block quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Stable id: from the platform and the post's own id when the embed carries one,
    /// else from platform, author and text (see [`quote_id`]).
    pub id: String,
    /// Plain text; paragraphs joined by `"\n"`.
    pub text: String,
    /// Sanitized HTML of the quote body, when the source was HTML.
    pub html: Option<String>,
    /// Who said it.
    pub author: Author,
    /// Where it was said.
    pub platform: Platform,
    /// Permalink of the original post.
    pub url: Option<String>,
    /// Date or timestamp of the original post, ISO 8601.
    pub published: Option<String>,
    /// The sentence of the article that introduces the quote.
    pub context: Option<String>,
    /// Links inside the quote, in order.
    pub links: Vec<String>,
    /// Whether the text was fetched from the platform (the article's embed had
    /// none) rather than read from the article.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resolved: bool,
}

/// The person or account a quote is from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// Display name, as the embed prints it.
    pub name: Option<String>,
    /// Handle without the leading `@` (`AOC`, `miraokafor.bsky.social`, `user@instance`).
    pub handle: Option<String>,
    /// Profile URL.
    pub url: Option<String>,
}

/// Where a quote was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// X, formerly Twitter.
    Twitter,
    /// Bluesky.
    Bluesky,
    /// Mastodon and other ActivityPub servers.
    Mastodon,
    /// Threads.
    Threads,
    /// Instagram.
    Instagram,
    /// TikTok.
    Tiktok,
    /// Facebook.
    Facebook,
    /// An ordinary attributed block quote.
    Blockquote,
}

impl Platform {
    /// Every platform, in a fixed order.
    pub const ALL: [Platform; 8] = [
        Platform::Twitter,
        Platform::Bluesky,
        Platform::Mastodon,
        Platform::Threads,
        Platform::Instagram,
        Platform::Tiktok,
        Platform::Facebook,
        Platform::Blockquote,
    ];

    /// The lowercase name used in JSON, URLs and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Twitter => "twitter",
            Platform::Bluesky => "bluesky",
            Platform::Mastodon => "mastodon",
            Platform::Threads => "threads",
            Platform::Instagram => "instagram",
            Platform::Tiktok => "tiktok",
            Platform::Facebook => "facebook",
            Platform::Blockquote => "blockquote",
        }
    }

    /// The platform with this lowercase name.
    pub fn parse(name: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// A name for people ("X (Twitter)", "Bluesky", …).
    pub fn label(self) -> &'static str {
        match self {
            Platform::Twitter => "X (Twitter)",
            Platform::Bluesky => "Bluesky",
            Platform::Mastodon => "Mastodon",
            Platform::Threads => "Threads",
            Platform::Instagram => "Instagram",
            Platform::Tiktok => "TikTok",
            Platform::Facebook => "Facebook",
            Platform::Blockquote => "Quote",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An embed that was recognised but carries no text (Mastodon and Threads embeds,
/// uncaptioned Instagram posts, failed oEmbeds that left a bare post URL). It yields
/// no quote; the daemon may fetch the text (Mastodon statuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextlessEmbed {
    /// The platform of the post.
    pub platform: Platform,
    /// The post's permalink.
    pub url: String,
    /// Whatever the embed says about the author.
    pub author: Author,
    /// The lead-in sentence before the embed.
    pub context: Option<String>,
    /// How many of the article's quotes come before it.
    pub position: usize,
}

impl TextlessEmbed {
    /// An embed of `platform` at `url`, with what is known of its author.
    pub fn new(platform: Platform, url: String, author: Author) -> Self {
        TextlessEmbed { platform, url, author, context: None, position: 0 }
    }
}

/// What the extractor found in one article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// The quotes, in the order they appear.
    pub quotes: Vec<Quote>,
    /// Recognised embeds without text.
    pub textless: Vec<TextlessEmbed>,
    /// Things a user should know: lossy decoding, embeds that were cut off.
    pub warnings: Vec<String>,
}

/// How to read the input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InputFormat {
    /// HTML when the input has HTML tags, plain text otherwise.
    #[default]
    Auto,
    /// An HTML page or fragment.
    Html,
    /// Plain text, one paragraph per line.
    Text,
}

/// Extraction settings.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// How to read the input.
    pub format: InputFormat,
    /// The article's URL, against which relative links are resolved.
    pub base_url: Option<Url>,
    /// Also return block quotes that name no one (off by default: they are often the
    /// article's own pull quotes).
    pub include_unattributed: bool,
    /// Inputs larger than this are refused.
    pub max_bytes: usize,
    /// Which part of an HTML page to read.
    pub main_content: MainContent,
}

/// Which part of an HTML page holds the article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MainContent {
    /// All of it (an article body, as feeds carry it).
    #[default]
    Whole,
    /// Find the article body of a whole page, leaving out navigation, sidebars and
    /// comments.
    Auto,
    /// The elements matching this CSS selector (the automatic choice when none match).
    Selector(String),
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            format: InputFormat::Auto,
            base_url: None,
            include_unattributed: false,
            max_bytes: DEFAULT_MAX_BYTES,
            main_content: MainContent::Whole,
        }
    }
}

/// Why the extractor refused an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The input is larger than [`ExtractOptions::max_bytes`].
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
}

/// Extracts the quotes of one article given as bytes (UTF-8; other bytes are
/// replaced with U+FFFD and a warning is added).
pub fn extract(input: &[u8], options: &ExtractOptions) -> Result<Extraction, ExtractError> {
    if input.len() > options.max_bytes {
        return Err(ExtractError::TooLarge { size: input.len(), limit: options.max_bytes });
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    match std::str::from_utf8(input) {
        Ok(text) => extract_str(text, options),
        Err(_) => {
            let text = String::from_utf8_lossy(input);
            let mut extraction = extract_str(&text, options)?;
            extraction
                .warnings
                .insert(0, "input is not valid UTF-8: invalid bytes were replaced with U+FFFD".to_string());
            Ok(extraction)
        }
    }
}

/// Extracts the quotes of one article given as text (HTML or plain text).
pub fn extract_str(input: &str, options: &ExtractOptions) -> Result<Extraction, ExtractError> {
    if input.len() > options.max_bytes {
        return Err(ExtractError::TooLarge { size: input.len(), limit: options.max_bytes });
    }
    let is_html = match options.format {
        InputFormat::Html => true,
        InputFormat::Text => false,
        InputFormat::Auto => looks_like_html(input),
    };
    let mut warnings = Vec::new();
    let blocks = if is_html { html::blocks(input, options, &mut warnings) } else { text::blocks(input) };
    Ok(assemble::assemble(blocks, is_html, warnings))
}

/// Whether text has HTML markup (any common tag), as opposed to plain text that
/// merely contains `<`.
pub fn looks_like_html(input: &str) -> bool {
    const TAGS: &[&str] = &[
        "p",
        "div",
        "br",
        "blockquote",
        "a",
        "span",
        "figure",
        "html",
        "body",
        "h1",
        "h2",
        "h3",
        "h4",
        "li",
        "ul",
        "ol",
        "article",
        "section",
        "img",
        "script",
        "em",
        "strong",
        "b",
        "i",
        "iframe",
        "table",
        "!doctype",
        "head",
    ];
    let bytes = input.as_bytes();
    let mut from = 0;
    while let Some(pos) = memchr::memchr(b'<', &bytes[from..]) {
        let start = from + pos + 1;
        let rest = &bytes[start..];
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        let name_len = rest.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'!').count();
        let after = rest.get(name_len).copied();
        if name_len > 0 && matches!(after, None | Some(b'>' | b' ' | b'/' | b'\n' | b'\t' | b'\r')) {
            let name = std::str::from_utf8(&rest[..name_len]).unwrap_or("").to_ascii_lowercase();
            if TAGS.contains(&name.as_str()) {
                return true;
            }
        }
        from = start;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_told_from_text() {
        assert!(looks_like_html("<p>Hello</p>"));
        assert!(looks_like_html("text <br/> more"));
        assert!(looks_like_html("<!DOCTYPE html><html>"));
        assert!(!looks_like_html("I <3 cats and a < b > c"));
        assert!(!looks_like_html("What is <this>?"));
    }

    #[test]
    fn oversized_input_is_refused() {
        let options = ExtractOptions { max_bytes: 10, ..ExtractOptions::default() };
        assert_eq!(extract(&[b'a'; 11], &options), Err(ExtractError::TooLarge { size: 11, limit: 10 }));
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_with_a_warning() {
        let input = b"Hi \xff there. \xe2\x80\x94 Name (@h) November 11, 2019";
        let extraction = extract(input, &ExtractOptions::default()).unwrap();
        assert!(extraction.warnings[0].contains("not valid UTF-8"));
        assert_eq!(extraction.quotes.len(), 1);
        assert_eq!(extraction.quotes[0].text, "Hi \u{fffd} there.");
    }
}
