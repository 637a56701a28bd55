//! Enrichment: quotes the extractor could not read from the article itself, because
//! the embed carries no text. Mastodon posts are fetched as ActivityStreams JSON
//! (with their author's name from the actor) through the guarded fetcher, cached
//! in the store for a day, and fetched once however many articles embed them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use quotefeed_extract::{Platform, Quote, TextlessEmbed, mastodon_quote};
use tokio::sync::OnceCell;
use url::Url;

use crate::fetch::{ACTIVITY_ACCEPT, Conditional, Fetched, Fetcher, Origin};
use crate::store::{Store, call};

/// How long a fetched Mastodon status (or the failure to fetch it) is reused.
const STATUS_CACHE_SECONDS: i64 = 24 * 3600;

/// Resolves textless embeds into quotes.
pub(super) struct Enricher {
    store: Arc<Store>,
    fetcher: Arc<Fetcher>,
    /// ActivityPub objects being fetched, so that articles prepared at the same
    /// time that embed the same post fetch it once.
    fetching: Mutex<HashMap<String, Arc<OnceCell<Option<serde_json::Value>>>>>,
}

impl Enricher {
    /// An enricher fetching with `fetcher` and caching in `store`.
    pub(super) fn new(store: Arc<Store>, fetcher: Arc<Fetcher>) -> Enricher {
        Enricher { store, fetcher, fetching: Mutex::new(HashMap::new()) }
    }

    /// Adds the quotes of the textless embeds it can resolve to `quotes`, each where
    /// its embed stood in the article.
    pub(super) async fn resolve(&self, textless: &[TextlessEmbed], quotes: &mut Vec<Quote>) {
        let mut inserted = 0;
        for embed in textless.iter().filter(|e| e.platform == Platform::Mastodon) {
            if let Some(quote) = self.mastodon(embed).await
                && !quotes.iter().any(|q| q.id == quote.id)
            {
                quotes.insert((embed.position + inserted).min(quotes.len()), quote);
                inserted += 1;
            }
        }
    }

    /// The quote of a Mastodon embed, from its status fetched as ActivityStreams JSON
    /// (with the author's name from their actor), cached in the store.
    async fn mastodon(&self, embed: &TextlessEmbed) -> Option<Quote> {
        let status = self.activity_object(&embed.url).await?;
        let actor = match status.get("attributedTo").and_then(serde_json::Value::as_str) {
            Some(actor_url) => self.activity_object(actor_url).await,
            None => None,
        };
        let name =
            actor.as_ref().and_then(|a| a.get("name").or_else(|| a.get("preferredUsername"))).and_then(|n| n.as_str());
        mastodon_quote(embed, &status, name)
    }

    /// An ActivityStreams object fetched from a remote server (cached for a day,
    /// failures too).
    async fn activity_object(&self, url: &str) -> Option<serde_json::Value> {
        let cell =
            Arc::clone(self.fetching.lock().unwrap_or_else(|p| p.into_inner()).entry(url.to_string()).or_default());
        let value = cell.get_or_init(|| self.load_activity_object(url)).await.clone();
        let mut fetching = self.fetching.lock().unwrap_or_else(|p| p.into_inner());
        if fetching.get(url).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            fetching.remove(url);
        }
        value
    }

    async fn load_activity_object(&self, url: &str) -> Option<serde_json::Value> {
        let now = Utc::now().timestamp();
        let key = url.to_string();
        if let Ok(Some(cached)) = call(&self.store, move |s| s.cached_status(&key, now - STATUS_CACHE_SECONDS)).await {
            return cached.and_then(|body| serde_json::from_str(&body).ok());
        }
        let parsed = Url::parse(url).ok()?;
        let body = match self.fetcher.get(&parsed, Origin::Remote, ACTIVITY_ACCEPT, &Conditional::default()).await {
            Ok(Fetched::Full(response)) => {
                serde_json::from_slice::<serde_json::Value>(&response.body).ok().filter(serde_json::Value::is_object)
            }
            Ok(Fetched::NotModified { .. }) => None,
            Err(e) => {
                tracing::warn!("cannot fetch {url}: {e}");
                None
            }
        };
        let text = body.as_ref().map(serde_json::Value::to_string);
        let key = url.to_string();
        if let Err(e) = call(&self.store, move |s| s.cache_status(&key, text.as_deref(), now)).await {
            tracing::warn!("cannot cache {url}: {e}");
        }
        body
    }
}
