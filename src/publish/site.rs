//! Every document quotefeed publishes, read from the store and rendered: the feeds
//! and the pages. The HTTP server caches and serves them; `quotefeed export` writes
//! them to files.

use chrono::{DateTime, Utc};
use url::Url;

use super::{Feed, FeedKind, Format, pages};
use crate::model::Platform;
use crate::store::{Selection, Store, StoreError};

/// Quotes on an HTML page.
pub const PAGE_QUOTES: usize = 50;
/// Quotes on the front page.
const FRONT_PAGE_QUOTES: usize = 20;

/// Which feed a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedRequest {
    /// `/feeds/all`
    All,
    /// `/feeds/source/NAME`
    Source(String),
    /// `/feeds/author/PLATFORM/HANDLE`
    Author(Platform, String),
}

impl FeedRequest {
    /// The path without extension, lowercased where case does not matter.
    pub fn key(&self) -> String {
        match self {
            FeedRequest::All => "feeds/all".into(),
            FeedRequest::Source(name) => format!("feeds/source/{name}"),
            FeedRequest::Author(platform, handle) => format!("feeds/author/{platform}/{}", handle.to_lowercase()),
        }
    }

    /// What to say when the feed does not exist.
    pub fn missing(&self) -> String {
        match self {
            FeedRequest::All => "no such feed".into(),
            FeedRequest::Source(name) => format!("no source named \"{name}\""),
            FeedRequest::Author(platform, handle) => format!("no quotes of @{handle} on {}", platform.label()),
        }
    }

    /// The feed, if it exists.
    fn resolve(&self, store: &Store) -> Result<Option<FeedKind>, StoreError> {
        Ok(match self {
            FeedRequest::All => Some(FeedKind::All),
            FeedRequest::Source(name) => store.source(name)?.map(FeedKind::Source),
            FeedRequest::Author(platform, handle) => store.author(*platform, handle)?.map(FeedKind::Author),
        })
    }
}

/// A rendered document and when what it shows last changed.
pub struct Document {
    /// The bytes.
    pub body: Vec<u8>,
    /// When its content last changed, when that is known.
    pub last_modified: Option<DateTime<Utc>>,
}

/// A feed in a format with at most `limit` items (`None` if it does not exist).
pub fn feed(
    store: &Store,
    base: &Url,
    request: &FeedRequest,
    format: Format,
    limit: usize,
) -> Result<Option<Document>, StoreError> {
    let Some(kind) = request.resolve(store)? else { return Ok(None) };
    let items = store.published_quotes(kind.selection(), limit)?;
    let feed = Feed { kind, base: base.clone(), items };
    let last_modified = (!feed.items.is_empty()).then(|| feed.updated());
    Ok(Some(Document { body: feed.render(format), last_modified }))
}

fn page(html: String) -> Document {
    Document { body: html.into_bytes(), last_modified: None }
}

/// The front page.
pub fn index(store: &Store, base: &Url) -> Result<Document, StoreError> {
    let sources = store.sources()?;
    let latest = store.published_quotes(Selection::All, FRONT_PAGE_QUOTES)?;
    Ok(page(pages::index(base, &sources, &latest)))
}

/// A quote's page.
pub fn quote(store: &Store, base: &Url, id: &str) -> Result<Option<Document>, StoreError> {
    Ok(store.published_quote(id)?.map(|quote| page(pages::quote(base, &quote))))
}

/// A source's page.
pub fn source(store: &Store, base: &Url, name: &str) -> Result<Option<Document>, StoreError> {
    let Some(source) = store.source(name)? else { return Ok(None) };
    let quotes = store.published_quotes(Selection::Source(&source.name), PAGE_QUOTES)?;
    Ok(Some(page(pages::source(base, &source, &quotes))))
}

/// An author's page.
pub fn author(store: &Store, base: &Url, platform: Platform, handle: &str) -> Result<Option<Document>, StoreError> {
    let Some(author) = store.author(platform, handle)? else { return Ok(None) };
    let quotes = store.published_quotes(Selection::Author { platform, handle: &author.handle }, PAGE_QUOTES)?;
    Ok(Some(page(pages::author(base, &author, &quotes))))
}
