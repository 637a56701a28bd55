//! Publishing: the feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) and HTML pages made from
//! the stored quotes. Pure rendering from data the store returns; the HTTP server
//! caches and serves the bytes, `quotefeed export` writes them to files.

mod atom;
mod item;
mod json;
pub mod pages;
mod rss;
pub mod site;

use chrono::{DateTime, Utc};
use url::Url;

use crate::model::Platform;
use crate::safety::path_segment;
use crate::store::{AuthorSummary, PublishedQuote, Selection, SourceSummary, TagSummary};

pub use item::{display_author, item_id, item_link, item_title, note_html, quote_html, resolved_from};

/// Items in a feed unless `?limit=` asks otherwise.
pub const DEFAULT_LIMIT: usize = 100;
/// The most items a feed gives.
pub const MAX_LIMIT: usize = 500;
/// How often feed readers are told to come back (`<ttl>`), in minutes.
pub const TTL_MINUTES: u32 = 15;

/// A feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    /// The format with this extension.
    pub fn from_extension(extension: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == extension)
    }

    /// The `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// The media type for `<link rel="alternate" type=…>`.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }
}

/// Which feed: every quote, one source's, or one person's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    /// Every quote.
    All,
    /// One source's quotes.
    Source(SourceSummary),
    /// One person's quotes.
    Author(AuthorSummary),
    /// The quotes with a hashtag.
    Tag(TagSummary),
}

impl FeedKind {
    /// Which quotes the feed holds.
    pub fn selection(&self) -> Selection<'_> {
        match self {
            FeedKind::All => Selection::All,
            FeedKind::Source(source) => Selection::Source(&source.name),
            FeedKind::Author(author) => Selection::Author { platform: author.platform, handle: &author.handle },
            FeedKind::Tag(tag) => Selection::Tag(&tag.name),
        }
    }

    /// The feed's URL in a format, under the public base URL (ending in `/`).
    pub fn feed_url(&self, base: &Url, format: Format) -> String {
        format!("{base}{}.{}", self.feed_path(), format.extension())
    }

    /// The URL of the HTML page showing the same quotes.
    pub fn page_url(&self, base: &Url) -> String {
        format!("{base}{}", self.page_path())
    }

    /// The feed's path without extension (`feeds/all`, `feeds/source/NAME`, …).
    fn feed_path(&self) -> String {
        match self {
            FeedKind::All => "feeds/all".into(),
            FeedKind::Source(source) => format!("feeds/source/{}", source.name),
            FeedKind::Author(author) => format!("feeds/author/{}/{}", author.platform, path_segment(&author.handle)),
            FeedKind::Tag(tag) => format!("feeds/tag/{}", path_segment(&tag.name)),
        }
    }

    /// The path of the HTML page showing the same quotes.
    fn page_path(&self) -> String {
        match self {
            FeedKind::All => String::new(),
            FeedKind::Source(source) => format!("sources/{}", source.name),
            FeedKind::Author(author) => author_page_path(author.platform, &author.handle),
            FeedKind::Tag(tag) => tag_page_path(&tag.name),
        }
    }

    /// The feed's title.
    pub fn title(&self) -> String {
        match self {
            FeedKind::All => "quotefeed: every quote".into(),
            FeedKind::Source(source) => format!("Quotes from {}", source.title.as_deref().unwrap_or(&source.name)),
            FeedKind::Author(author) => {
                format!("{} on {}, as quoted in the news", author_label(author), author.platform.label())
            }
            FeedKind::Tag(tag) => format!("Quotes tagged #{}", tag.name),
        }
    }

    /// A sentence about the feed.
    pub fn description(&self) -> String {
        match self {
            FeedKind::All => {
                "Every post and quote embedded in the articles quotefeed reads, one item per quote.".into()
            }
            FeedKind::Source(source) => format!(
                "The posts and quotes embedded in the articles of {}, one item per quote.",
                source.site_url.as_deref().unwrap_or(&source.url)
            ),
            FeedKind::Author(author) => format!(
                "Everything @{} said on {} that an article quotefeed reads has quoted.",
                author.handle,
                author.platform.label()
            ),
            FeedKind::Tag(tag) => format!("The quoted posts that carry #{}, one item per quote.", tag.name),
        }
    }

    /// The language of the feed, when one is known.
    pub fn language(&self) -> Option<&str> {
        match self {
            FeedKind::Source(source) => source.language.as_deref(),
            _ => None,
        }
    }
}

/// A feed ready to render.
#[derive(Debug, Clone)]
pub struct Feed {
    /// Which feed.
    pub kind: FeedKind,
    /// The public base URL (ending in `/`).
    pub base: Url,
    /// The items, newest first.
    pub items: Vec<PublishedQuote>,
}

impl Feed {
    /// The feed's own URL in a format.
    pub fn self_url(&self, format: Format) -> String {
        self.kind.feed_url(&self.base, format)
    }

    /// The URL of the HTML page with the same quotes.
    pub fn page_url(&self) -> String {
        self.kind.page_url(&self.base)
    }

    /// When the feed last changed: its newest item's latest date (the Unix epoch
    /// for an empty feed, so that an empty feed renders the same every time).
    pub fn updated(&self) -> DateTime<Utc> {
        let newest = self.items.iter().map(|q| q.cited_at.max(q.updated_at)).max().unwrap_or(0);
        DateTime::from_timestamp(newest, 0).unwrap_or_default()
    }

    /// Renders the feed.
    pub fn render(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Rss => rss::render(self),
            Format::Atom => atom::render(self),
            Format::Json => json::render(self),
        }
    }
}

/// The date an item carries: when the first citing article was published.
pub fn item_date(quote: &PublishedQuote) -> DateTime<Utc> {
    DateTime::from_timestamp(quote.cited_at, 0).unwrap_or_default()
}

/// The path of an author's page.
fn author_page_path(platform: Platform, handle: &str) -> String {
    format!("authors/{platform}/{}", path_segment(handle))
}

/// The path of a hashtag's page (`tags/NAME`).
pub fn tag_page_path(tag: &str) -> String {
    format!("tags/{}", path_segment(&tag.to_lowercase()))
}

/// An author for people: "Name (@handle)", or "@handle".
fn author_label(author: &AuthorSummary) -> String {
    match &author.name {
        Some(name) => format!("{name} (@{})", author.handle),
        None => format!("@{}", author.handle),
    }
}
