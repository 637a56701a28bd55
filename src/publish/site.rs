//! Every document quotefeed publishes, read from the store and rendered: the feeds
//! and the pages. The HTTP server caches and serves them; `quotefeed export` writes
//! them to files.

use chrono::{DateTime, Utc};
use url::Url;

use super::pages::{self, Paged};
use super::{Feed, FeedKind, Format};
use crate::model::Platform;
use crate::store::{Selection, Store, StoreError};

/// Quotes on an HTML page.
pub const PAGE_QUOTES: usize = 50;
/// Quotes on the front page.
const FRONT_PAGE_QUOTES: usize = 20;
/// The deepest page of a list a client may ask for (offsets past it cost the
/// database a scan).
pub const MAX_PAGE: usize = 1000;

/// Page `page` (from 1) of a selection, `per_page` quotes a page.
fn paged(store: &Store, selection: Selection<'_>, page: usize, per_page: usize) -> Result<Paged, StoreError> {
    let page = page.clamp(1, MAX_PAGE);
    let mut quotes = store.published_quotes_page(selection, (page - 1) * per_page, per_page + 1)?;
    let has_more = quotes.len() > per_page;
    quotes.truncate(per_page);
    Ok(Paged { quotes, page, has_more })
}

/// Which feed a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedRequest {
    /// `/feeds/all`
    All,
    /// `/feeds/source/NAME`
    Source(String),
    /// `/feeds/author/PLATFORM/HANDLE`
    Author(Platform, String),
    /// `/feeds/tag/NAME`
    Tag(String),
}

impl FeedRequest {
    /// The path without extension, lowercased where case does not matter.
    pub fn key(&self) -> String {
        match self {
            FeedRequest::All => "feeds/all".into(),
            FeedRequest::Source(name) => format!("feeds/source/{name}"),
            FeedRequest::Author(platform, handle) => format!("feeds/author/{platform}/{}", handle.to_lowercase()),
            FeedRequest::Tag(tag) => format!("feeds/tag/{}", tag.to_lowercase()),
        }
    }

    /// What to say when the feed does not exist.
    pub fn missing(&self) -> String {
        match self {
            FeedRequest::All => "no such feed".into(),
            FeedRequest::Source(name) => format!("no source named \"{name}\""),
            FeedRequest::Author(platform, handle) => format!("no quotes of @{handle} on {}", platform.label()),
            FeedRequest::Tag(tag) => format!("no quotes tagged #{tag}"),
        }
    }

    /// The feed, if it exists.
    fn resolve(&self, store: &Store) -> Result<Option<FeedKind>, StoreError> {
        Ok(match self {
            FeedRequest::All => Some(FeedKind::All),
            FeedRequest::Source(name) => store.source(name)?.map(FeedKind::Source),
            FeedRequest::Author(platform, handle) => store.author(*platform, handle)?.map(FeedKind::Author),
            FeedRequest::Tag(tag) => store.tag(tag)?.map(FeedKind::Tag),
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

/// The front page (its `page`th page of quotes, from 1).
pub fn index(store: &Store, base: &Url, page_number: usize) -> Result<Document, StoreError> {
    let sources = store.sources()?;
    let latest = paged(store, Selection::All, page_number, FRONT_PAGE_QUOTES)?;
    Ok(page(pages::index(base, &sources, &latest)))
}

/// A quote's page.
pub fn quote(store: &Store, base: &Url, id: &str) -> Result<Option<Document>, StoreError> {
    Ok(store.published_quote(id)?.map(|quote| page(pages::quote(base, &quote))))
}

/// A source's page.
pub fn source(store: &Store, base: &Url, name: &str, page_number: usize) -> Result<Option<Document>, StoreError> {
    let Some(source) = store.source(name)? else { return Ok(None) };
    let quotes = paged(store, Selection::Source(&source.name), page_number, PAGE_QUOTES)?;
    Ok(Some(page(pages::source(base, &source, &quotes))))
}

/// A hashtag's page.
pub fn tag(store: &Store, base: &Url, name: &str, page_number: usize) -> Result<Option<Document>, StoreError> {
    let Some(tag) = store.tag(name)? else { return Ok(None) };
    let quotes = paged(store, Selection::Tag(&tag.name), page_number, PAGE_QUOTES)?;
    Ok(Some(page(pages::tag(base, &tag, &quotes))))
}

/// An author's page.
pub fn author(
    store: &Store,
    base: &Url,
    platform: Platform,
    handle: &str,
    page_number: usize,
) -> Result<Option<Document>, StoreError> {
    let Some(author) = store.author(platform, handle)? else { return Ok(None) };
    let quotes = paged(store, Selection::Author { platform, handle: &author.handle }, page_number, PAGE_QUOTES)?;
    Ok(Some(page(pages::author(base, &author, &quotes))))
}

/// The status page: every source's health with its quotes per day, and the
/// delivery queue.
pub fn status(store: &Store, base: &Url, now: i64) -> Result<Document, StoreError> {
    let days = pages::CHART_DAYS as i64;
    let today = now.div_euclid(86_400);
    let first_day = today - days + 1;
    let articles = store.article_counts()?;
    let found = store.quotes_found_per_day(first_day * 86_400)?;
    let sources = store
        .sources()?
        .into_iter()
        .map(|source| {
            let mut per_day = vec![0; pages::CHART_DAYS];
            for (_, day, count) in found.iter().filter(|(name, _, _)| *name == source.name) {
                if let Some(slot) = usize::try_from(day - first_day).ok().and_then(|i| per_day.get_mut(i)) {
                    *slot += count;
                }
            }
            let articles = articles.iter().find(|(name, _)| *name == source.name).map_or(0, |(_, n)| *n);
            pages::SourceStatus { source, articles, per_day }
        })
        .collect::<Vec<_>>();
    let queue = store.delivery_queue()?;
    let paused = store.paused_hosts(now)?;
    Ok(page(pages::status(base, &sources, &queue, &paused, now)))
}
