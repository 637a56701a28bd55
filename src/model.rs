//! The things quotefeed is about, shared by every layer: a [`Quote`] with its
//! [`Author`] and [`Platform`] (produced by the extractor crate, `quotefeed_extract`,
//! and re-exported here so that the store, the publishers and ActivityPub name them
//! from one place), and the [`Article`] of a source feed that quotes them.

use chrono::{DateTime, Utc};
pub use quotefeed_extract::{Author, Platform, Quote, hashtag_spans, hashtags};

/// The ActivityPub actor that posts everything one person said, across sources:
/// `PLATFORM.handle` in lowercase (`twitter.aoc`, `bluesky.mira.bsky.social`), a
/// name WebFinger and Mastodon accept and that no source name can take (source
/// names have no dot). `None` for block quotes and for handles with an `@`
/// (Mastodon's `user@host`, which an `acct:` address cannot hold).
pub fn author_actor(platform: Platform, handle: &str) -> Option<String> {
    let usable = platform != Platform::Blockquote
        && !handle.is_empty()
        && handle.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    usable.then(|| format!("{}.{}", platform.as_str(), handle.to_ascii_lowercase()))
}

/// The platform and handle an author actor's name stands for.
pub fn parse_author_actor(name: &str) -> Option<(Platform, &str)> {
    let (platform, handle) = name.split_once('.')?;
    let platform = Platform::parse(platform)?;
    (author_actor(platform, handle).as_deref() == Some(name)).then_some((platform, handle))
}

/// The name of the feed (and ActivityPub actor) of every quote, beside one per
/// source; no source may take it.
pub const ALL_ACTOR: &str = "all";

/// The key name of the instance actor (`/actor`, an `Application`), which signs
/// the GETs the daemon sends. No source may take it: source names start with a
/// letter or digit.
pub const INSTANCE_ACTOR: &str = "_instance";

/// One item of a source feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The item's id: RSS `guid`, Atom `id`, JSON Feed `id`, or (when the feed gives
    /// none) a hash of its link and title.
    pub id: String,
    /// Title, as plain text.
    pub title: Option<String>,
    /// The article's URL, absolute.
    pub url: Option<String>,
    /// When it was published (or, failing that, last updated).
    pub published: Option<DateTime<Utc>>,
    /// The fullest body the feed carries: `content:encoded` / Atom `content` /
    /// JSON `content_html` before `description` / `summary`. HTML or plain text.
    pub content: Option<String>,
}
