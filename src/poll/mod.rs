//! One poll of one source: fetch the feed (conditionally), parse it, find new and
//! edited articles, extract their quotes (fetching article pages and Mastodon posts
//! where needed), and store each article with its quotes in one transaction.
//!
//! Validators (`ETag`, `Last-Modified`) are stored only after every article of the
//! response is stored, so a crash or a failed article means the next poll reads the
//! whole feed again instead of missing articles; stored articles are then skipped by
//! their content hash.

mod backoff;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::{Location, SourceConfig};
use crate::feed::{Article, feed_links, looks_like_feed, parse_feed};
use crate::fetch::{Conditional, Fetched, Fetcher, Origin, Response};
use crate::resolve::Resolver;
use crate::safety::{Limits, clean_quote, clean_text, truncate, web_url};
use crate::store::{ArticleChanges, ArticleRecord, FeedInfo, PollRecord, SourceState, Store, Validators, call};
use backoff::next_run;
use quotefeed_extract::looks_like_html;
use quotefeed_extract::{ExtractOptions, InputFormat, MainContent, Quote, extract};

/// `Accept` for feeds.
const FEED_ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5";
/// `Accept` for article pages.
const PAGE_ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

/// Polls sources. Cheap to share behind an `Arc`.
pub struct Poller {
    store: Arc<Store>,
    fetcher: Arc<Fetcher>,
    max_bytes: usize,
    concurrency: usize,
    resolver: Arc<Resolver>,
    limits: Limits,
}

/// What a poll found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollSummary {
    /// `200`, `304`, `file`, `unchanged file`.
    pub status: String,
    /// Items in the feed.
    pub articles: usize,
    /// Articles seen for the first time.
    pub new_articles: usize,
    /// Known articles whose content changed.
    pub changed_articles: usize,
    /// Quotes stored for the first time.
    pub added: Vec<String>,
    /// Quotes updated.
    pub updated: Vec<String>,
    /// Quotes deleted (their article was edited).
    pub removed: Vec<String>,
    /// Articles that could not be processed (retried on the next poll).
    pub article_errors: Vec<String>,
    /// Embeds without text whose platform could not be reached: their articles are
    /// read again at the next poll.
    pub pending_embeds: Vec<String>,
    /// Shutdown interrupted the poll.
    pub interrupted: bool,
}

/// The result of polling one source.
#[derive(Debug, Clone)]
pub struct PollReport {
    /// The source's name.
    pub source: String,
    /// What was found, or why the poll failed.
    pub outcome: Result<PollSummary, String>,
    /// When the source is due again.
    pub next_run_at: DateTime<Utc>,
}

impl fmt::Display for PollReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.source)?;
        match &self.outcome {
            Err(error) => write!(f, "error: {error}")?,
            Ok(s) if s.status == "304" || s.status == "unchanged file" => write!(f, "{}, nothing new", s.status)?,
            Ok(s) => {
                write!(
                    f,
                    "{}, {} ({} new, {} changed), {} added",
                    s.status,
                    counted(s.articles, "article"),
                    s.new_articles,
                    s.changed_articles,
                    counted(s.added.len(), "quote")
                )?;
                if !s.updated.is_empty() {
                    write!(f, ", {} updated", s.updated.len())?;
                }
                if !s.removed.is_empty() {
                    write!(f, ", {} removed", s.removed.len())?;
                }
                if !s.article_errors.is_empty() {
                    write!(
                        f,
                        "; {} failed: {}",
                        counted(s.article_errors.len(), "article"),
                        s.article_errors.join("; ")
                    )?;
                }
                if !s.pending_embeds.is_empty() {
                    write!(
                        f,
                        "; {} to ask for again at the next poll: {}",
                        counted(s.pending_embeds.len(), "embedded post"),
                        s.pending_embeds.join(", ")
                    )?;
                }
                if s.interrupted {
                    write!(f, "; interrupted")?;
                }
            }
        }
        write!(f, "; next at {}", self.next_run_at.format("%Y-%m-%d %H:%M:%S UTC"))
    }
}

/// `1 article`, `2 articles`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// A poll that got through: what it found, the validators to keep (only when every
/// article was stored) and what the feed says about itself.
type Polled = (PollSummary, Option<Validators>, Option<FeedInfo>);

/// A failed poll: why, and how long the server asked us to wait.
type PollFailure = (String, Option<Duration>);

/// An article ready to store.
struct Prepared {
    record: ArticleRecord,
    quotes: Vec<Quote>,
    /// Embedded posts that could not be fetched this time.
    pending: Vec<String>,
}

impl Poller {
    /// A poller over this store and fetcher. `max_bytes` limits article pages too;
    /// `concurrency` is how many articles of one source are prepared at once.
    pub fn new(
        store: Arc<Store>,
        fetcher: Arc<Fetcher>,
        resolver: Arc<Resolver>,
        max_bytes: u64,
        concurrency: usize,
        limits: Limits,
    ) -> Poller {
        Poller {
            resolver,
            limits,
            store,
            fetcher,
            max_bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX),
            concurrency: concurrency.max(1),
        }
    }

    /// Polls one source now, records the result, and says when it is due again.
    pub async fn poll(&self, source: &SourceConfig, cancel: &CancellationToken) -> PollReport {
        let started = Utc::now();
        tracing::debug!(source = %source.name, "polling {}", source.location);
        let name = source.name.clone();
        let state = call(&self.store, move |s| s.source_state(&name)).await;
        let state = match state {
            Ok(Some(state)) => state,
            Ok(None) => SourceState { fetch_url: source.location.to_string(), ..SourceState::default() },
            Err(e) => {
                return PollReport {
                    source: source.name.clone(),
                    outcome: Err(e.to_string()),
                    next_run_at: started + chrono::Duration::minutes(1),
                };
            }
        };
        let result = self.fetch_and_store(source, &state, cancel).await;
        let (outcome, validators, feed_info, retry_after) = match result {
            Ok((summary, validators, info)) => (Ok(summary), validators, info, None),
            Err((message, retry_after)) => (Err(message), None, None, retry_after),
        };
        let next_run_at = next_run(source, &state, outcome.is_ok(), retry_after, Utc::now());
        let record = PollRecord {
            attempted_at: started.timestamp(),
            outcome: outcome.as_ref().map(|s| s.status.clone()).map_err(Clone::clone),
            validators,
            feed_info,
            next_run_at: next_run_at.timestamp(),
        };
        let name = source.name.clone();
        if let Err(e) = call(&self.store, move |s| s.record_poll(&name, &record)).await {
            tracing::error!(source = %source.name, "cannot record the poll: {e}");
        }
        let result = if outcome.is_ok() { "ok" } else { "error" };
        metrics::counter!("quotefeed_polls_total", "source" => source.name.clone(), "result" => result).increment(1);
        let elapsed = (Utc::now() - started).to_std().unwrap_or_default();
        metrics::histogram!("quotefeed_poll_duration_seconds", "source" => source.name.clone())
            .record(elapsed.as_secs_f64());
        if let Ok(summary) = &outcome {
            metrics::counter!("quotefeed_quotes_added_total").increment(summary.added.len() as u64);
        }
        PollReport { source: source.name.clone(), outcome, next_run_at }
    }

    async fn fetch_and_store(
        &self,
        source: &SourceConfig,
        state: &SourceState,
        cancel: &CancellationToken,
    ) -> Result<Polled, PollFailure> {
        let conditional = Conditional { etag: state.etag.clone(), last_modified: state.last_modified.clone() };
        let fetched = match &source.location {
            Location::Http(configured) => {
                let url = Url::parse(&state.fetch_url).unwrap_or_else(|_| configured.clone());
                self.fetcher.get(&url, Origin::Configured, FEED_ACCEPT, &conditional).await
            }
            Location::File(path) => self.fetcher.read_file(path, &conditional).await,
        }
        .map_err(|e| (e.to_string(), e.retry_after()))?;

        let is_file = matches!(source.location, Location::File(_));
        let response = match fetched {
            Fetched::NotModified { moved_to } => {
                let status = if is_file { "unchanged file" } else { "304" };
                let validators = moved_to.map(|url| Validators {
                    fetch_url: url.to_string(),
                    etag: state.etag.clone(),
                    last_modified: state.last_modified.clone(),
                });
                return Ok((PollSummary { status: status.into(), ..PollSummary::default() }, validators, None));
            }
            Fetched::Full(response) => response,
        };
        // A web page rather than a feed: follow the one feed it links to.
        let (response, discovered) = match self.discover(source, response).await {
            Ok(found) => found,
            Err(message) => return Err((message, None)),
        };
        let feed_url = response.final_url.to_string();
        let body = response.body.clone();
        let feed = tokio::task::spawn_blocking(move || parse_feed(&body, Some(&feed_url)))
            .await
            .expect("feed parsing does not panic")
            .map_err(|e| (e.to_string(), None))?;

        let mut summary = PollSummary {
            status: match (&discovered, is_file) {
                (Some(url), _) => format!("200 (the feed the page links to, {url})"),
                (None, true) => "file".into(),
                (None, false) => "200".into(),
            },
            articles: feed.articles.len(),
            ..PollSummary::default()
        };
        // Oldest first, so that quotes are stored roughly in the order they were published.
        let articles: Vec<Article> = feed.articles.into_iter().rev().collect();
        // Each article is prepared and stored by a future of its own, so that none
        // waits unpolled (holding a connection or a permit) while another is stored.
        let mut processed =
            stream::iter(articles).map(|article| self.process(source, article)).buffer_unordered(self.concurrency);
        while let Some(result) = tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            next = processed.next() => next,
        } {
            match result {
                Ok(Some((changes, pending))) => {
                    summary.pending_embeds.extend(pending);
                    if changes.new_article {
                        summary.new_articles += 1;
                    } else {
                        summary.changed_articles += 1;
                    }
                    summary.added.extend(changes.added);
                    summary.updated.extend(changes.updated);
                    summary.removed.extend(changes.removed);
                }
                Ok(None) => {}
                Err(error) => summary.article_errors.push(error),
            }
        }
        summary.interrupted = cancel.is_cancelled();
        // Validators are kept only when nothing is left to do: a 304 next time would
        // skip the articles that failed or wait for a platform.
        let complete = summary.article_errors.is_empty() && summary.pending_embeds.is_empty() && !summary.interrupted;
        let validators = complete.then(|| Validators {
            fetch_url: match (&discovered, &response.moved_to) {
                (Some(feed), _) => feed.to_string(),
                (None, Some(moved)) => moved.to_string(),
                (None, None) => state.fetch_url.clone(),
            },
            etag: response.validators.etag.clone(),
            last_modified: response.validators.last_modified.clone(),
        });
        let mut info = FeedInfo { title: feed.title, site_url: web_url(feed.link), language: feed.language };
        for text in [&mut info.title, &mut info.language].into_iter().flatten() {
            clean_text(text);
            truncate(text, self.limits.name);
        }
        Ok((summary, validators, Some(info)))
    }

    /// The response itself when it is a feed; when it is an HTML page that links
    /// exactly one feed (`<link rel="alternate">`), that feed, fetched, and its URL;
    /// an error naming the feeds when it links several, or saying it links none.
    async fn discover(&self, source: &SourceConfig, response: Response) -> Result<(Response, Option<Url>), String> {
        if looks_like_feed(&response.body) {
            return Ok((response, None));
        }
        let text = String::from_utf8_lossy(&response.body);
        if !looks_like_html(&text) {
            return Ok((response, None));
        }
        let page = response.final_url.clone();
        let feeds = feed_links(&text, &page);
        let feed = match feeds.as_slice() {
            [] => return Err(format!("{page} is a web page, not a feed, and links to no feed")),
            [one] => one.clone(),
            several => {
                let listed: Vec<String> = several.iter().map(Url::to_string).collect();
                return Err(format!(
                    "{page} is a web page that links to {} feeds; set the source's url to one of them: {}",
                    several.len(),
                    listed.join(", ")
                ));
            }
        };
        tracing::info!(source = %source.name, "{page} is a web page; reading the feed it links to, {feed}");
        match self.fetcher.get(&feed, Origin::Configured, FEED_ACCEPT, &Conditional::default()).await {
            Ok(Fetched::Full(found)) => Ok((found, Some(feed))),
            Ok(Fetched::NotModified { .. }) => Err(format!("{feed}: unexpected 304")),
            Err(e) => Err(format!("{feed} (linked from {page}): {e}")),
        }
    }

    /// Extracts and stores the quotes of an article that is new or changed; `Ok(None)`
    /// when it is stored already, unchanged. Returns what storing it changed and the
    /// embedded posts still to fetch.
    async fn process(
        &self,
        source: &SourceConfig,
        article: Article,
    ) -> Result<Option<(ArticleChanges, Vec<String>)>, String> {
        let Some(prepared) = self.prepare(source, article).await? else { return Ok(None) };
        let pending = prepared.pending;
        let name = source.name.clone();
        let now = Utc::now().timestamp();
        let label = prepared.record.url.clone().unwrap_or_else(|| prepared.record.guid.clone());
        let changes = call(&self.store, move |s| s.commit_article(&name, &prepared.record, &prepared.quotes, now))
            .await
            .map_err(|e| format!("{label}: {e}"))?;
        Ok(Some((changes, pending)))
    }

    /// Extracts the quotes of an article that is new or changed (`Ok(None)` when it
    /// is stored already, unchanged).
    async fn prepare(&self, source: &SourceConfig, article: Article) -> Result<Option<Prepared>, String> {
        let label = article.url.clone().or(article.title.clone()).unwrap_or_else(|| article.id.clone());
        let content_hash = {
            let mut hasher = Sha256::new();
            for part in [&article.title, &article.url, &article.content] {
                hasher.update(part.as_deref().unwrap_or("").as_bytes());
                hasher.update([0x1f]);
            }
            hasher.update(article.published.map(|d| d.timestamp()).unwrap_or(0).to_le_bytes());
            hex::encode(hasher.finalize())
        };
        let (name, guid) = (source.name.clone(), article.id.clone());
        let stored = call(&self.store, move |s| s.article_hash(&name, &guid)).await.map_err(|e| e.to_string())?;
        if stored.as_deref() == Some(content_hash.as_str()) {
            return Ok(None);
        }

        let article_url = article.url.as_deref().and_then(|u| Url::parse(u).ok());
        let mut options =
            ExtractOptions { base_url: article_url.clone(), max_bytes: self.max_bytes, ..ExtractOptions::default() };
        let content = match (&article_url, source.full_article) {
            (Some(url), true) if matches!(url.scheme(), "http" | "https") => {
                let page = match self.fetcher.get(url, Origin::Remote, PAGE_ACCEPT, &Conditional::default()).await {
                    Ok(Fetched::Full(page)) => page,
                    Ok(Fetched::NotModified { .. }) => return Err(format!("{label}: unexpected 304")),
                    Err(e) => return Err(format!("{label}: {e}")),
                };
                options.base_url = Some(page.final_url.clone());
                options.format = InputFormat::Html;
                options.main_content = match &source.content_selector {
                    Some(css) => MainContent::Selector(css.clone()),
                    None => MainContent::Auto,
                };
                page.body.to_vec()
            }
            _ => article.content.clone().unwrap_or_default().into_bytes(),
        };
        let extraction = tokio::task::spawn_blocking(move || extract(&content, &options))
            .await
            .expect("extraction does not panic")
            .map_err(|e| format!("{label}: {e}"))?;
        for warning in &extraction.warnings {
            tracing::debug!(source = %source.name, article = %label, "{warning}");
        }
        let mut quotes = extraction.quotes;
        let resolution = self.resolver.resolve(&extraction.textless, &mut quotes).await;
        for quote in &mut quotes {
            clean_quote(quote, &self.limits);
        }
        let mut title = article.title;
        if let Some(title) = &mut title {
            clean_text(title);
            truncate(title, self.limits.name);
        }
        // An article waiting for a platform is stored under a hash no feed gives, so
        // that the next poll reads it again; what it quotes so far is stored now.
        let content_hash = if resolution.pending.is_empty() { content_hash } else { format!("pending {content_hash}") };
        let record = ArticleRecord {
            guid: article.id,
            url: web_url(article.url),
            title,
            published_at: article.published.map(|d| d.timestamp()),
            content_hash,
        };
        Ok(Some(Prepared { record, quotes, pending: resolution.pending }))
    }
}
