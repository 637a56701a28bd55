//! Resolving embeds that carry no text (a bare tweet link, an `amp-twitter`, a
//! Bluesky or Threads iframe, Mastodon's embed code) into quotes, through each
//! platform's public endpoint, as its own embed code does:
//!
//! | platform | endpoint |
//! |---|---|
//! | X/Twitter | oEmbed (`publish.twitter.com`), whose `html` is the usual blockquote |
//! | TikTok | oEmbed (`www.tiktok.com/oembed`), the same |
//! | Bluesky | a public AppView: `com.atproto.identity.resolveHandle`, then `app.bsky.feed.getPosts` |
//! | Mastodon, Threads | the post itself as ActivityStreams JSON, and its author's actor |
//! | Instagram, Facebook | Meta's oEmbed, only with `[resolve] meta_access_token` |
//!
//! Every request goes through the guarded fetcher (no private addresses, size and
//! time limits), at most `[resolve] rate_limit` per minute per platform. Answers,
//! and posts that are gone, are kept in the store for `[resolve] cache_lifetime`
//! and fetched once however many articles embed them. A transient failure (timeout,
//! 5xx, 429) is not kept: the article is marked for another look at the next poll,
//! up to three polls in a row, after which the post counts as gone for a while.

mod endpoints;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use quotefeed_extract::{Platform, Quote, TextlessEmbed};
use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use crate::config::ResolveConfig;
use crate::fetch::{Conditional, FetchError, Fetched, Fetcher, Origin, RequestSigner};
use crate::store::{Store, call};

/// How many polls in a row an unreachable platform is asked about a post before the
/// post is given up (until the cache lifetime passes): the article is then done.
const GIVE_UP_AFTER: u32 = 3;

/// What a lookup of one URL came to.
#[derive(Debug, Clone)]
enum Lookup {
    /// A JSON document.
    Found(Value),
    /// Not there, not JSON, or refused: kept, and not asked again for a while.
    Gone,
    /// Worth asking again later (timeout, 5xx, 429, connection failure): not kept.
    Transient(String),
}

/// What resolving an article's embeds came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Embeds whose post is now a quote of the article (the URLs the embeds gave).
    pub resolved: Vec<String>,
    /// Embeds whose platform could not be reached this time: the article should be
    /// read again at the next poll.
    pub pending: Vec<String>,
}

/// Resolves textless embeds into quotes. Cheap to share behind an `Arc`.
pub struct Resolver {
    /// Where answers are kept; `None` keeps nothing (`quotefeed extract --resolve`).
    store: Option<Arc<Store>>,
    fetcher: Arc<Fetcher>,
    /// Signs the GETs of fediverse posts (the instance actor), when ActivityPub is
    /// on: servers in "authorized fetch" mode answer only signed requests.
    signer: Option<Arc<dyn RequestSigner>>,
    config: ResolveConfig,
    limiters: HashMap<Platform, DefaultDirectRateLimiter>,
    /// Lookups under way, so that articles prepared at the same time that embed
    /// the same post fetch it once.
    fetching: Mutex<HashMap<String, Arc<OnceCell<Lookup>>>>,
}

impl Resolver {
    /// A resolver fetching with `fetcher` (fediverse posts signed by `signer`) and
    /// keeping answers in `store`.
    pub fn new(
        store: Option<Arc<Store>>,
        fetcher: Arc<Fetcher>,
        signer: Option<Arc<dyn RequestSigner>>,
        config: ResolveConfig,
    ) -> Resolver {
        let per_minute = NonZeroU32::new(config.rate_limit).unwrap_or(NonZeroU32::MIN);
        let limiters =
            config.platforms.iter().map(|p| (*p, RateLimiter::direct(Quota::per_minute(per_minute)))).collect();
        Resolver { store, fetcher, signer, config, limiters, fetching: Mutex::new(HashMap::new()) }
    }

    /// Adds the quotes of the textless embeds it can resolve to `quotes`, each where
    /// its embed stood in the article, and says which became quotes and which could
    /// not be reached.
    pub async fn resolve(&self, textless: &[TextlessEmbed], quotes: &mut Vec<Quote>) -> Resolution {
        let mut resolution = Resolution::default();
        let mut inserted = 0;
        for embed in textless.iter().filter(|e| self.config.platforms.contains(&e.platform)) {
            match self.quote_of(embed).await {
                Ok(Some(mut quote)) => {
                    if !quotes.iter().any(|q| q.id == quote.id) {
                        quote.context = embed.context.clone();
                        quote.resolved = true;
                        quotes.insert((embed.position + inserted).min(quotes.len()), quote);
                        inserted += 1;
                    }
                    resolution.resolved.push(embed.url.clone());
                }
                Ok(None) => {}
                Err(reason) => {
                    tracing::info!("{} will be asked again at the next poll: {reason}", embed.url);
                    resolution.pending.push(embed.url.clone());
                }
            }
        }
        resolution
    }

    /// The quote of one embed; `Err` when the platform could not be reached.
    async fn quote_of(&self, embed: &TextlessEmbed) -> Result<Option<Quote>, String> {
        match embed.platform {
            Platform::Twitter | Platform::Tiktok | Platform::Instagram | Platform::Facebook => {
                endpoints::oembed(self, embed).await
            }
            Platform::Bluesky => endpoints::bluesky(self, embed).await,
            Platform::Mastodon | Platform::Threads => endpoints::activity(self, embed).await,
            Platform::Blockquote => Ok(None),
        }
    }

    /// A JSON document from `url` (`Ok(None)` when it is gone), from the store when
    /// fresh, else fetched once however many ask at the same time. `cache_key` is
    /// the URL without secrets (an access token is not written to the store).
    async fn json(
        &self,
        platform: Platform,
        url: &Url,
        cache_key: &str,
        accept: &str,
    ) -> Result<Option<Value>, String> {
        let cell = Arc::clone(
            self.fetching.lock().unwrap_or_else(|p| p.into_inner()).entry(cache_key.to_string()).or_default(),
        );
        let lookup = cell.get_or_init(|| self.load(platform, url, cache_key, accept)).await.clone();
        let mut fetching = self.fetching.lock().unwrap_or_else(|p| p.into_inner());
        if fetching.get(cache_key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            fetching.remove(cache_key);
        }
        match lookup {
            Lookup::Found(value) => Ok(Some(value)),
            Lookup::Gone => Ok(None),
            Lookup::Transient(reason) => Err(reason),
        }
    }

    async fn load(&self, platform: Platform, url: &Url, cache_key: &str, accept: &str) -> Lookup {
        let now = Utc::now().timestamp();
        let since = now - i64::try_from(self.config.cache_lifetime.as_secs()).unwrap_or(i64::MAX);
        if let Some(store) = &self.store {
            let key = cache_key.to_string();
            if let Ok(Some(cached)) = call(store, move |s| s.cached_status(&key, since)).await {
                return match cached.and_then(|body| serde_json::from_str(&body).ok()) {
                    Some(value) => Lookup::Found(value),
                    None => Lookup::Gone,
                };
            }
        }
        if let Some(limiter) = self.limiters.get(&platform) {
            limiter.until_ready().await;
        }
        let fetched = match &self.signer {
            Some(signer) if matches!(platform, Platform::Mastodon | Platform::Threads) => {
                self.fetcher.get_signed(url, accept, signer.as_ref()).await
            }
            _ => self.fetcher.get(url, Origin::Remote, accept, &Conditional::default()).await,
        };
        let lookup = match fetched {
            Ok(Fetched::Full(response)) => match serde_json::from_slice::<Value>(&response.body) {
                Ok(value) if value.is_object() => Lookup::Found(value),
                _ => {
                    tracing::warn!("{cache_key}: the answer is not a JSON object");
                    Lookup::Gone
                }
            },
            Ok(Fetched::NotModified { .. }) => Lookup::Gone,
            Err(e) if is_transient(&e) => {
                let Some(store) = &self.store else { return Lookup::Transient(format!("{cache_key}: {e}")) };
                let key = cache_key.to_string();
                return match call(store, move |s| s.record_status_failure(&key, now, GIVE_UP_AFTER)).await {
                    Ok(true) => {
                        tracing::warn!(
                            "{cache_key}: {e}; unreachable {GIVE_UP_AFTER} times in a row, given up for now"
                        );
                        Lookup::Gone
                    }
                    _ => Lookup::Transient(format!("{cache_key}: {e}")),
                };
            }
            Err(e) => {
                tracing::warn!("{cache_key}: {e}");
                Lookup::Gone
            }
        };
        if let Some(store) = &self.store {
            let body = match &lookup {
                Lookup::Found(value) => Some(value.to_string()),
                _ => None,
            };
            let key = cache_key.to_string();
            if let Err(e) = call(store, move |s| s.cache_status(&key, body.as_deref(), now)).await {
                tracing::warn!("cannot keep the answer for {cache_key}: {e}");
            }
        }
        lookup
    }
}

/// Failures worth asking again about later.
fn is_transient(error: &FetchError) -> bool {
    match error {
        FetchError::Status { status, .. } => *status == 429 || *status >= 500,
        FetchError::Timeout(_) | FetchError::Network(_) => true,
        _ => false,
    }
}
