//! Incoming activities: every POST to an inbox must carry a valid draft-cavage HTTP
//! signature by the key of the activity's actor, over `(request-target)`, `host`,
//! `date` and `digest`, with a `Digest` that matches the body and a `Date` within an
//! hour. Then `Follow` adds a follower (and queues an `Accept`), `Undo` of a follow
//! and `Delete` of an actor remove one; anything else is accepted and ignored.

use axum::http::HeaderMap;
use serde_json::Value;

use super::identity::{self, KeySource};
use super::objects::accept;
use super::signature::{self, SignatureHeader};
use super::{ActivityPub, str_field};
use crate::store::{Follower, RemoteActor, call};

/// The most an inbox reads of a body.
pub const MAX_BODY: usize = 256 * 1024;
/// How far a request's `Date` may be from ours.
const MAX_CLOCK_SKEW_SECONDS: i64 = 3600;

/// Why an activity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No valid signature (401).
    #[error("{0}")]
    Unauthorized(String),
    /// A malformed activity (400).
    #[error("{0}")]
    BadRequest(String),
    /// Our store failed (503): the sender should try again later.
    #[error("{0}")]
    Unavailable(String),
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// What a request's signature covers: the key that made it, the text it signed and
/// the signature, once the headers it covers were checked.
struct Signed {
    key_id: String,
    text: String,
    signature: Vec<u8>,
}

/// How far `Date` or `created` may be from now.
fn check_freshness(sent: i64) -> Result<(), Refusal> {
    let skew = (chrono::Utc::now().timestamp() - sent).abs();
    if skew > MAX_CLOCK_SKEW_SECONDS {
        return Err(Refusal::Unauthorized(format!(
            "the signature was made {skew} seconds away from now (at most an hour)"
        )));
    }
    Ok(())
}

/// A draft-cavage signature: it must cover `(request-target)`, `host`, `date` and
/// `digest`, the `Date` must be fresh and the `Digest` the body's.
fn cavage_signed(path_and_query: &str, headers: &HeaderMap, body: &[u8]) -> Result<Signed, Refusal> {
    let unauthorized = |m: &str| Refusal::Unauthorized(m.to_string());
    let signature = header(headers, "signature").ok_or_else(|| unauthorized("the request is not signed"))?;
    let signature =
        SignatureHeader::parse(&signature).map_err(|e| Refusal::Unauthorized(format!("bad Signature: {e}")))?;
    for required in ["(request-target)", "host", "date", "digest"] {
        if !signature.headers.iter().any(|h| h == required) {
            return Err(Refusal::Unauthorized(format!("the signature must cover {required}")));
        }
    }
    let date = header(headers, "date").ok_or_else(|| unauthorized("no Date header"))?;
    let sent = chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000"))
        .map_err(|_| Refusal::Unauthorized(format!("unreadable Date: {date}")))?;
    check_freshness(sent.timestamp())?;
    let digest = header(headers, "digest").ok_or_else(|| unauthorized("no Digest header"))?;
    if !signature::digest_matches(&digest, body) {
        return Err(unauthorized("the Digest does not match the body"));
    }
    let text = signature::signing_string("POST", path_and_query, &signature.headers, |name| header(headers, name))
        .map_err(Refusal::Unauthorized)?;
    Ok(Signed { key_id: signature.key_id, text, signature: signature.signature })
}

impl ActivityPub {
    /// An RFC 9421 signature: it must cover the method, the target (`@target-uri`,
    /// or `@path` with `@authority` or `host`) and `content-digest`, be `created`
    /// within the hour and not expired, and the `Content-Digest` must be the body's.
    fn rfc9421_signed(&self, path_and_query: &str, headers: &HeaderMap, body: &[u8]) -> Result<Signed, Refusal> {
        let unauthorized = |m: &str| Refusal::Unauthorized(m.to_string());
        let input = header(headers, "signature-input").unwrap_or_default();
        let signature =
            header(headers, "signature").ok_or_else(|| unauthorized("Signature-Input without Signature"))?;
        let signature = signature::Rfc9421Signature::parse(&input, &signature)
            .map_err(|e| Refusal::Unauthorized(format!("bad RFC 9421 signature: {e}")))?;
        let covers = |name: &str| signature.components.iter().any(|c| c == name);
        let target = covers("@target-uri") || (covers("@path") && (covers("@authority") || covers("host")));
        if !covers("@method") || !target || !covers("content-digest") {
            return Err(unauthorized(
                "the signature must cover @method, @target-uri (or @path and @authority) and content-digest",
            ));
        }
        check_freshness(signature.created.ok_or_else(|| unauthorized("the signature has no created time"))?)?;
        if signature.expires.is_some_and(|expires| expires < chrono::Utc::now().timestamp()) {
            return Err(unauthorized("the signature has expired"));
        }
        let digest = header(headers, "content-digest").ok_or_else(|| unauthorized("no Content-Digest header"))?;
        if !signature::content_digest_matches(&digest, body) {
            return Err(unauthorized("the Content-Digest does not match the body"));
        }
        let base = self.urls.base();
        let (path, query) = path_and_query.split_once('?').map_or((path_and_query, None), |(p, q)| (p, Some(q)));
        let text = signature
            .base(|name| match name {
                "@method" => Some("POST".to_string()),
                "@target-uri" => Some(format!("{}{path_and_query}", base.origin().ascii_serialization())),
                "@authority" => header(headers, "host").map(|h| h.to_ascii_lowercase()),
                "@scheme" => Some(base.scheme().to_string()),
                "@path" => Some(path.to_string()),
                "@query" => Some(format!("?{}", query.unwrap_or_default())),
                "@request-target" => Some(path_and_query.to_string()),
                other if other.starts_with('@') => None,
                other => header(headers, other),
            })
            .map_err(Refusal::Unauthorized)?;
        Ok(Signed { key_id: signature.key_id, text, signature: signature.signature })
    }

    /// Verifies and handles a POST to an inbox. `path_and_query` is the request
    /// target as sent.
    pub async fn receive(&self, path_and_query: &str, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
        let signed = if headers.contains_key("signature-input") {
            self.rfc9421_signed(path_and_query, headers, body)?
        } else {
            cavage_signed(path_and_query, headers, body)?
        };
        let host = header(headers, "host").unwrap_or_default();
        if !self.urls.is_our_host(&host) {
            return Err(Refusal::Unauthorized(format!(
                "the request was signed for {host:?}, not for {}",
                self.urls.acct_host()
            )));
        }
        let key_id = identity::parse_key_id(&signed.key_id).map_err(Refusal::Unauthorized)?;

        let activity: Value = serde_json::from_slice(body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| Refusal::BadRequest("the body is not a JSON object".into()))?;
        let actor_id =
            str_field(&activity, "actor").ok_or_else(|| Refusal::BadRequest("the activity has no actor".into()))?;

        let owner = self.verified_signer(&key_id, &signed.text, &signed.signature).await?;
        if owner.id != actor_id {
            return Err(Refusal::Unauthorized(format!(
                "signed by {}, but the activity's actor is {actor_id}",
                owner.id
            )));
        }
        // A replay of an activity already taken (within the hour a Date is good
        // for) changes nothing.
        if let Some(id) = activity.get("id").and_then(Value::as_str) {
            let (id, now) = (id.to_string(), chrono::Utc::now().timestamp());
            let first = call(&self.store, move |s| s.remember_activity(&id, now))
                .await
                .map_err(|e| Refusal::Unavailable(format!("cannot store: {e}")))?;
            if !first {
                tracing::info!("ignoring a replayed activity from {actor_id}");
                return Ok(());
            }
        }
        let handled = self.handle(&activity, actor_id, &owner).await;
        if handled.is_err()
            && let Some(id) = activity.get("id").and_then(Value::as_str).map(str::to_string)
        {
            // Not taken after all: the sender's retry must not count as a replay.
            if let Err(e) = call(&self.store, move |s| s.forget_activity(&id)).await {
                tracing::warn!("cannot forget a refused activity: {e}");
            }
        }
        handled
    }

    /// FEP-044f: anyone may quote our notes, so a `QuoteRequest` for one is
    /// approved at once: the authorization is kept (and served at its URL) and an
    /// `Accept` carrying it goes to the requester.
    async fn authorize_quote(&self, request: &Value, actor_id: &str, owner: &RemoteActor) -> Result<(), Refusal> {
        let bad = |m: String| Refusal::BadRequest(m);
        let note = str_field(request, "object").ok_or_else(|| bad("QuoteRequest without object".into()))?;
        let (actor, quote_id) = self.urls.note_parts(note).ok_or_else(|| bad(format!("{note} is not a note here")))?;
        let quoting_post =
            str_field(request, "instrument").ok_or_else(|| bad("QuoteRequest without instrument".into()))?.to_string();
        let (name, id) = (actor.clone(), quote_id.clone());
        let posted = call(&self.store, move |s| -> Result<bool, crate::store::StoreError> {
            Ok(s.published_quote(&id)?.is_some() && s.actor_posts(&name, &id)?)
        })
        .await
        .map_err(|e| Refusal::Unavailable(format!("cannot read: {e}")))?;
        if !posted {
            return Err(bad(format!("{note} is not a note here")));
        }
        let inbox = owner.inbox.clone().ok_or_else(|| bad("the requester has no inbox".into()))?;
        let stamp = self.urls.quote_authorization(&actor, &quote_id, &quoting_post);
        let accept = super::objects::accept_quote(&self.urls, &actor, request, &stamp).to_string();
        let authorization = crate::store::QuoteAuthorization {
            id: stamp,
            actor,
            quote_id,
            interacting_object: quoting_post,
            requester: actor_id.to_string(),
        };
        let now = chrono::Utc::now().timestamp();
        call(&self.store, move |s| s.authorize_quote(&authorization, &inbox, &accept, now))
            .await
            .map_err(|e| Refusal::Unavailable(format!("cannot store: {e}")))?;
        tracing::info!("{actor_id} may quote {note}");
        self.wake.notify_one();
        Ok(())
    }

    /// The actor whose key made `signature` over `text`. A stored key that fails is
    /// fetched again (the actor may have a new one), at most once per interval; an
    /// actor is stored only once its signature verified.
    async fn verified_signer(&self, key_id: &url::Url, text: &str, signature: &[u8]) -> Result<RemoteActor, Refusal> {
        let cannot = |e: String| Refusal::Unauthorized(format!("cannot get the key {key_id}: {e}"));
        let (mut actor, mut source) = self.signer(key_id, false).await.map_err(cannot)?;
        loop {
            let pem = actor.public_pem.clone().ok_or_else(|| cannot("it has no publicKeyPem".into()))?;
            let key = signature::public_key(&pem).map_err(Refusal::Unauthorized)?;
            if signature::verify(&key, text, signature) {
                if source != KeySource::Stored {
                    self.trust(actor.clone()).await.map_err(Refusal::Unavailable)?;
                }
                return Ok(actor);
            }
            if source == KeySource::Fetched {
                return Err(Refusal::Unauthorized("the signature does not verify".into()));
            }
            (actor, source) = self
                .signer(key_id, true)
                .await
                .map_err(|e| Refusal::Unauthorized(format!("the signature does not verify ({e})")))?;
        }
    }

    async fn handle(&self, activity: &Value, actor_id: &str, owner: &RemoteActor) -> Result<(), Refusal> {
        let kind = activity.get("type").and_then(Value::as_str).unwrap_or("");
        let store_error = |e: crate::store::StoreError| Refusal::Unavailable(format!("cannot store: {e}"));
        match kind {
            "Follow" => {
                let object =
                    str_field(activity, "object").ok_or_else(|| Refusal::BadRequest("Follow without object".into()))?;
                let name = self
                    .urls
                    .actor_name(object)
                    .ok_or_else(|| Refusal::BadRequest(format!("{object} is not an actor here")))?;
                if self.feed_of(&name).await.map_err(Refusal::Unavailable)?.is_none() {
                    return Err(Refusal::BadRequest(format!("no actor {name} here")));
                }
                let inbox =
                    owner.inbox.clone().ok_or_else(|| Refusal::BadRequest("the follower has no inbox".into()))?;
                let follower = Follower {
                    id: actor_id.to_string(),
                    inbox,
                    shared_inbox: owner.shared_inbox.clone(),
                    follow_id: activity.get("id").and_then(Value::as_str).map(str::to_string),
                };
                let accept = accept(&self.urls, &name, activity).to_string();
                let now = chrono::Utc::now().timestamp();
                call(&self.store, move |s| s.add_follower(&name, &follower, &accept, now))
                    .await
                    .map_err(store_error)?;
                tracing::info!("{actor_id} follows {object}");
                self.wake.notify_one();
            }
            "Undo" => {
                let object = activity.get("object").cloned().unwrap_or(Value::Null);
                let undone = object.get("type").and_then(Value::as_str);
                if matches!(undone, Some("Follow") | None) {
                    let target = str_field(&object, "object").and_then(|o| self.urls.actor_name(o));
                    let follow_id =
                        object.as_str().or_else(|| object.get("id").and_then(Value::as_str)).map(str::to_string);
                    let actor = actor_id.to_string();
                    let removed = call(&self.store, move |s| match target {
                        Some(name) => s.remove_follower(&name, &actor).map(usize::from),
                        None => s.remove_follows_by_id(&actor, follow_id.as_deref().unwrap_or_default()),
                    })
                    .await
                    .map_err(store_error)?;
                    tracing::info!("{actor_id} unfollowed ({removed} follow removed)");
                }
            }
            "Delete" if str_field(activity, "object") == Some(actor_id) => {
                let actor = actor_id.to_string();
                let removed =
                    call(&self.store, move |s| s.remove_follower_everywhere(&actor)).await.map_err(store_error)?;
                tracing::info!("{actor_id} was deleted ({removed} follows removed)");
            }
            "QuoteRequest" => self.authorize_quote(activity, actor_id, owner).await?,
            "Accept" | "Reject" => self.take_quote_answer(activity, actor_id, kind == "Accept").await?,
            _ => tracing::debug!("ignoring a {kind} from {actor_id}"),
        }
        Ok(())
    }
}
