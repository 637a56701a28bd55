//! The things quotefeed is about, shared by every layer: a [`Quote`] with its
//! [`Author`] and [`Platform`] (produced by the extractor crate, `quotefeed_extract`,
//! and re-exported here so that the store, the publishers and ActivityPub name them
//! from one place), and the [`Article`] of a source feed that quotes them.

use chrono::{DateTime, Utc};
pub use quotefeed_extract::{Author, Platform, Quote};

/// The name of the feed (and ActivityPub actor) of every quote, beside one per
/// source; no source may take it.
pub const ALL_ACTOR: &str = "all";

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
