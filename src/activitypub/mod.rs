//! ActivityPub: every feed is an account people on Mastodon can follow — `@all`
//! for every quote, `@NAME` for each source. Actors, WebFinger and NodeInfo are
//! served by [`routes`]; the inbox ([`inbox`]) takes follows with verified HTTP
//! signatures ([`signature`]); [`delivery`] sends each new, corrected or removed quote
//! to the followers' servers from a queue kept in the store.

pub mod delivery;
pub mod identity;
pub mod inbox;
pub mod keys;
pub mod objects;
pub mod pictures;
pub mod routes;
pub mod signature;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use tokio::sync::Notify;
use url::Url;

use crate::config::Config;
use crate::fetch::{ACTIVITY_ACCEPT, FetchError, Fetcher, Origin, host_header};
use crate::http::response::http_date;
use crate::model::ALL_ACTOR;
use crate::publish::FeedKind;
use crate::store::call;
use crate::store::{RemoteActor, Store};
use keys::{ActorKey, Keyring};
use objects::Urls;

/// The ActivityPub side of the daemon.
pub struct ActivityPub {
    /// Our URLs.
    pub urls: Urls,
    /// The store.
    pub store: Arc<Store>,
    fetcher: Arc<Fetcher>,
    /// The actors' keys.
    pub keys: Keyring,
    /// Wakes the delivery worker when there is something to send.
    pub wake: Notify,
    /// The first retry's delay; later ones grow from it.
    retry_base: Duration,
    /// `Person` actors instead of `Service` (`[activitypub] actor_type`).
    pub person_actors: bool,
    /// Signers' actors fetched but not yet verified, by key id.
    unverified: moka::sync::Cache<String, RemoteActor>,
    /// Key ids fetched again after a failed signature, recently.
    refetched: moka::sync::Cache<String, ()>,
}

/// The path and query of a URL, as `(request-target)` signs it.
pub fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    match value.get(key)? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

impl ActivityPub {
    /// The ActivityPub side, if the configuration enables it.
    pub fn new(config: &Config, store: Arc<Store>, fetcher: Arc<Fetcher>) -> Option<ActivityPub> {
        config.activitypub.enabled.then(|| ActivityPub {
            urls: Urls::new(config.server.base_url.clone()),
            keys: Keyring::new(Arc::clone(&store)),
            store,
            fetcher,
            wake: Notify::new(),
            retry_base: config.activitypub.retry_base,
            person_actors: config.activitypub.person_actors,
            unverified: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(identity::UNVERIFIED_TTL)
                .build(),
            refetched: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(identity::REFETCH_INTERVAL)
                .build(),
        })
    }

    /// The feed an actor posts, if there is such an actor: `all`, a source's name,
    /// or an author's `PLATFORM.handle`.
    pub async fn feed_of(&self, name: &str) -> Result<Option<FeedKind>, String> {
        if name == ALL_ACTOR {
            return Ok(Some(FeedKind::All));
        }
        if let Some((platform, handle)) = crate::model::parse_author_actor(name) {
            let handle = handle.to_string();
            let author = call(&self.store, move |s| s.author(platform, &handle)).await.map_err(|e| e.to_string())?;
            return Ok(author.map(FeedKind::Author));
        }
        let name = name.to_string();
        let source = call(&self.store, move |s| s.source(&name)).await.map_err(|e| e.to_string())?;
        Ok(source.map(FeedKind::Source))
    }

    /// A request signed by one of our actors: `(request-target) host date`, plus
    /// `digest` when there is a body.
    fn signed(
        &self,
        key: &ActorKey,
        actor: &str,
        method: reqwest::Method,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::Request, String> {
        let date = http_date(chrono::Utc::now());
        let host = host_header(url);
        let digest = body.as_deref().map(signature::digest);
        let mut signed_headers = vec![("host", host.as_str()), ("date", date.as_str())];
        if let Some(digest) = &digest {
            signed_headers.push(("digest", digest));
        }
        let signature = signature::sign(
            &key.private,
            &self.urls.key_id(actor),
            method.as_str(),
            &path_and_query(url),
            &signed_headers,
        );
        let mut builder = self
            .fetcher
            .client(Origin::Remote)
            .request(method, url.clone())
            .header("date", &date)
            .header(ACCEPT, ACTIVITY_ACCEPT)
            .header("signature", signature);
        if let (Some(body), Some(digest)) = (body, digest) {
            builder = builder.header("digest", digest).header(CONTENT_TYPE, "application/activity+json").body(body);
        }
        builder.build().map_err(|e| format!("{url}: {e}"))
    }

    /// Fetches a remote ActivityPub document with a GET signed by `@all` (servers in
    /// "authorized fetch" mode require one).
    pub async fn fetch_object(&self, url: &str) -> Result<Value, String> {
        let url = Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{url}: not an http(s) URL"));
        }
        let key = self.keys.key(ALL_ACTOR).await?;
        let request = self.signed(&key, ALL_ACTOR, reqwest::Method::GET, &url, None)?;
        let (status, body) = self.fetcher.send(request, Origin::Remote).await.map_err(|e| format!("{url}: {e}"))?;
        if !(200..300).contains(&status) {
            return Err(format!("{url}: HTTP {status}"));
        }
        serde_json::from_slice::<Value>(&body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| format!("{url}: not an ActivityPub object"))
    }

    /// Posts an activity to an inbox, signed by `actor`; returns the status.
    pub async fn post(&self, actor: &str, inbox: &str, activity: &str) -> Result<u16, FetchError> {
        let url = Url::parse(inbox).map_err(|e| FetchError::Network(format!("{inbox}: {e}")))?;
        let key = self.keys.key(actor).await.map_err(FetchError::Network)?;
        let request = self
            .signed(&key, actor, reqwest::Method::POST, &url, Some(activity.as_bytes().to_vec()))
            .map_err(FetchError::Network)?;
        self.fetcher.send(request, Origin::Remote).await.map(|(status, _)| status)
    }

    /// How long to wait before the try after `attempts` failed ones, or `None` to
    /// give up. With the default one-minute base: 1 min, 5 min, 30 min, 1 h, 2 h,
    /// 4 h, 8 h, then 12 h three times — about two days in all.
    pub fn retry_delay(&self, attempts: i64) -> Option<Duration> {
        const FACTORS: [u32; 10] = [1, 5, 30, 60, 120, 240, 480, 720, 720, 720];
        let factor = FACTORS.get(usize::try_from(attempts).ok()?)?;
        Some(self.retry_base * *factor)
    }
}
