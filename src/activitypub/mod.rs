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
pub mod quoting;
pub mod routes;
pub mod signature;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use tokio::sync::Notify;
use url::Url;

use crate::config::Config;
use crate::fetch::{ACTIVITY_ACCEPT, FetchError, Fetcher, Origin, RequestSigner, SignatureScheme, host_header};
use crate::http::response::http_date;
use crate::model::{ALL_ACTOR, INSTANCE_ACTOR};
use crate::publish::FeedKind;
use crate::store::call;
use crate::store::{Lease, RemoteActor, Store};
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
    pub keys: Arc<Keyring>,
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
    /// Fediverse posts our notes quote: (post id, author, author's inbox), by URL,
    /// so the notes of one quote by several actors fetch them once.
    quoted_authors: moka::sync::Cache<String, (String, String, String)>,
    /// This process's leases on deliveries (several processes may share a store).
    pub lease: Arc<Lease>,
}

/// The path and query of a URL, as `(request-target)` signs it.
pub fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

/// Signs requests as one of our actors, in either scheme the fetcher asks for:
/// `Date`, the body's digest (`Digest` or `Content-Digest`) and the signature over
/// the method, target, host and date, and the digest when there is a body.
pub struct ActorSigner {
    keys: Arc<Keyring>,
    actor: String,
    key_id: String,
}

impl RequestSigner for ActorSigner {
    fn sign<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        scheme: SignatureScheme,
    ) -> futures_util::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let key = self.keys.key(&self.actor).await?;
            sign_with(&key, &self.key_id, request, scheme)
        })
    }
}

/// Adds the headers of one signature scheme to a request.
fn sign_with(
    key: &ActorKey,
    key_id: &str,
    request: &mut reqwest::Request,
    scheme: SignatureScheme,
) -> Result<(), String> {
    let url = request.url().clone();
    let method = request.method().as_str().to_string();
    let now = chrono::Utc::now();
    let date = http_date(now);
    let host = host_header(&url);
    let body = request.body().map(|b| b.as_bytes().map(<[u8]>::to_vec).ok_or("a streamed body cannot be signed"));
    let body = body.transpose()?;
    let mut added: Vec<(&str, String)> = vec![("date", date.clone())];
    match scheme {
        SignatureScheme::Cavage => {
            let digest = body.as_deref().map(signature::digest);
            let mut signed = vec![("host", host.as_str()), ("date", date.as_str())];
            if let Some(digest) = &digest {
                signed.push(("digest", digest));
            }
            let header = signature::sign(&key.private, key_id, &method, &path_and_query(&url), &signed);
            added.extend(digest.map(|d| ("digest", d)));
            added.push(("signature", header));
        }
        SignatureScheme::Rfc9421 => {
            let digest = body.as_deref().map(signature::content_digest);
            let mut signed = vec![("host", host.as_str()), ("date", date.as_str())];
            if let Some(digest) = &digest {
                signed.push(("content-digest", digest));
            }
            let (input, header) =
                signature::sign_rfc9421(&key.private, key_id, &method, url.as_str(), &host, &signed, now.timestamp());
            added.extend(digest.map(|d| ("content-digest", d)));
            added.push(("signature-input", input));
            added.push(("signature", header));
        }
    }
    let headers = request.headers_mut();
    for (name, value) in added {
        let value = reqwest::header::HeaderValue::from_str(&value).map_err(|e| format!("{name}: {e}"))?;
        headers.insert(name, value);
    }
    Ok(())
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
    pub fn new(config: &Config, store: Arc<Store>, fetcher: Arc<Fetcher>, lease: Arc<Lease>) -> Option<ActivityPub> {
        config.activitypub.enabled.then(|| ActivityPub {
            urls: Urls::new(config.server.base_url.clone()),
            keys: Arc::new(Keyring::new(Arc::clone(&store))),
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
            quoted_authors: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(quoting::QUOTED_AUTHOR_TTL)
                .build(),
            lease,
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

    /// A signer for one of our actors (`INSTANCE_ACTOR` for the instance actor).
    pub fn signer_for(&self, actor: &str) -> ActorSigner {
        ActorSigner { keys: Arc::clone(&self.keys), actor: actor.to_string(), key_id: self.urls.key_id(actor) }
    }

    /// Fetches a remote ActivityPub document with a GET signed by the instance
    /// actor (servers in "authorized fetch" mode require one). Redirects are not
    /// followed: a document must be at the URL its id names.
    pub async fn fetch_object(&self, url: &str) -> Result<Value, String> {
        let url = Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{url}: not an http(s) URL"));
        }
        let signer = self.signer_for(INSTANCE_ACTOR);
        let request = self
            .fetcher
            .client(Origin::Remote)
            .get(url.clone())
            .header(ACCEPT, ACTIVITY_ACCEPT)
            .build()
            .map_err(|e| format!("{url}: {e}"))?;
        let (status, body) = self.fetcher.send_signed(request, &signer).await.map_err(|e| format!("{url}: {e}"))?;
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
        let signer = self.signer_for(actor);
        let request = self
            .fetcher
            .client(Origin::Remote)
            .post(url)
            .header(ACCEPT, ACTIVITY_ACCEPT)
            .header(CONTENT_TYPE, "application/activity+json")
            .body(activity.as_bytes().to_vec())
            .build()
            .map_err(|e| FetchError::Network(format!("{inbox}: {e}")))?;
        self.fetcher.send_signed(request, &signer).await.map(|(status, _)| status)
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
