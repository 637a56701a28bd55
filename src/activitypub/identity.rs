//! Who signed an incoming request: the remote actor that owns the signature's
//! `keyId`, established the way a forger cannot fake.
//!
//! - The `keyId` is an `http(s)` URL; anything else is refused before any request.
//! - Every fetched document's `id` is the URL it was fetched from (without the
//!   fragment): a document at the attacker's URL cannot claim to be someone else.
//! - The actor and its key are on the `keyId`'s origin, the key's `id` is exactly
//!   the `keyId` (no falling back to another key) and the key's `owner` is the actor.
//! - An actor is stored only after a signature by its key verified; fetched but
//!   unverified documents are kept in memory for a few minutes only, so a flood
//!   of bad signatures costs one fetch, not one per request.
//! - A key whose signature fails is fetched again (the actor may have a new key)
//!   at most once per [`REFETCH_INTERVAL`].

use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::{ActivityPub, str_field};
use crate::store::RemoteActor;
use crate::store::call;

/// How long a verified remote actor (its inbox and key) is trusted before it is
/// fetched again.
pub const REMOTE_ACTOR_TTL: i64 = 24 * 3600;
/// How long fetched but not yet verified actors are kept in memory.
pub const UNVERIFIED_TTL: Duration = Duration::from_secs(300);
/// The least time between two fetches of one key after failed signatures.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(600);

/// Where a signer's key came from, which decides whether fetching it again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// Verified before and stored.
    Stored,
    /// Fetched earlier, not verified yet.
    Remembered,
    /// Fetched just now.
    Fetched,
}

/// A key id without its fragment: the URL its document is fetched from.
fn document_url(key_id: &Url) -> Url {
    let mut url = key_id.clone();
    url.set_fragment(None);
    url
}

/// The `keyId` as an `http(s)` URL, or why it cannot be one.
pub fn parse_key_id(key_id: &str) -> Result<Url, String> {
    let url = Url::parse(key_id).map_err(|e| format!("the keyId {key_id:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("the keyId {key_id:?} is not an http(s) URL"));
    }
    Ok(url)
}

/// Whether a document's `id` names the URL it was fetched from.
fn id_is(document: &Value, url: &Url) -> bool {
    document
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| Url::parse(id).ok())
        .is_some_and(|id| document_url(&id) == *url)
}

/// The keys an actor document lists.
fn keys_of(document: &Value) -> Vec<&Value> {
    match document.get("publicKey") {
        Some(Value::Array(keys)) => keys.iter().collect(),
        Some(key @ Value::Object(_)) => vec![key],
        _ => Vec::new(),
    }
}

impl ActivityPub {
    /// The actor that owns `key_id`, from the store, from memory, or fetched; and
    /// where it came from. `refetch` skips the store and memory.
    pub async fn signer(&self, key_id: &Url, refetch: bool) -> Result<(RemoteActor, KeySource), String> {
        let id = key_id.to_string();
        if !refetch {
            let now = chrono::Utc::now().timestamp();
            let lookup = id.clone();
            let stored = call(&self.store, move |s| s.remote_actor_by_key(&lookup)).await.map_err(|e| e.to_string())?;
            if let Some(actor) = stored.filter(|a| now - a.fetched_at < REMOTE_ACTOR_TTL) {
                return Ok((actor, KeySource::Stored));
            }
            if let Some(actor) = self.unverified.get(&id) {
                return Ok((actor, KeySource::Remembered));
            }
        } else {
            if self.refetched.contains_key(&id) {
                return Err(format!("the key {id} was fetched again less than {}s ago", REFETCH_INTERVAL.as_secs()));
            }
            self.refetched.insert(id.clone(), ());
        }
        let actor = self.fetch_signer(key_id).await?;
        self.unverified.insert(id, actor.clone());
        Ok((actor, KeySource::Fetched))
    }

    /// Keeps an actor whose signature verified.
    pub async fn trust(&self, actor: RemoteActor) -> Result<(), String> {
        if let Some(key_id) = &actor.key_id {
            self.unverified.invalidate(key_id);
        }
        call(&self.store, move |s| s.save_remote_actor(&actor)).await.map_err(|e| e.to_string())
    }

    /// Fetches the key's document (the actor, or a key document and then its
    /// owner) and checks every claim in it against where it came from.
    async fn fetch_signer(&self, key_id: &Url) -> Result<RemoteActor, String> {
        let key_url = document_url(key_id);
        let document = self.fetch_object(key_url.as_str()).await?;
        if !id_is(&document, &key_url) {
            return Err(format!("the document at {key_url} has another id ({})", document["id"]));
        }
        let (actor, key) = if document.get("inbox").is_some() {
            // The actor itself, with the key inside.
            let key = keys_of(&document)
                .into_iter()
                .find(|k| k.get("id").and_then(Value::as_str) == Some(key_id.as_str()))
                .cloned()
                .ok_or_else(|| format!("the actor {key_url} has no key {key_id}"))?;
            (document, key)
        } else {
            // A key document: its owner is the actor.
            let owner = str_field(&document, "owner").ok_or_else(|| format!("the key {key_id} names no owner"))?;
            let owner = Url::parse(owner).map_err(|e| format!("the key's owner {owner:?}: {e}"))?;
            if owner.origin() != key_id.origin() {
                return Err(format!("the key {key_id} claims an owner on another server ({owner})"));
            }
            let actor = self.fetch_object(owner.as_str()).await?;
            if !id_is(&actor, &owner) {
                return Err(format!("the document at {owner} has another id ({})", actor["id"]));
            }
            if !keys_of(&actor).iter().any(|k| k.get("id").and_then(Value::as_str) == Some(key_id.as_str())) {
                return Err(format!("the actor {owner} does not list the key {key_id}"));
            }
            (actor, document)
        };
        let actor_id = actor["id"].as_str().unwrap_or_default().to_string();
        let actor_url = Url::parse(&actor_id).map_err(|e| format!("the actor id {actor_id:?}: {e}"))?;
        if actor_url.origin() != key_id.origin() {
            return Err(format!("the key {key_id} belongs to an actor on another server ({actor_id})"));
        }
        if let Some(owner) = str_field(&key, "owner")
            && owner != actor_id
        {
            return Err(format!("the key {key_id} is owned by {owner}, not by {actor_id}"));
        }
        Ok(RemoteActor {
            id: actor_id,
            inbox: actor.get("inbox").and_then(Value::as_str).map(str::to_string),
            shared_inbox: actor
                .get("endpoints")
                .and_then(|e| e.get("sharedInbox"))
                .and_then(Value::as_str)
                .map(str::to_string),
            key_id: Some(key_id.to_string()),
            public_pem: key.get("publicKeyPem").and_then(Value::as_str).map(str::to_string),
            fetched_at: chrono::Utc::now().timestamp(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_must_be_web_urls() {
        for bad in ["file:///etc/passwd", "urn:x", "", "data:,k", "https://"] {
            assert!(parse_key_id(bad).is_err(), "{bad}");
        }
        assert!(parse_key_id("https://a.example/users/x#main-key").is_ok());
    }

    #[test]
    fn a_document_is_what_its_id_says() {
        let url = Url::parse("https://a.example/users/x").unwrap();
        assert!(id_is(&serde_json::json!({"id": "https://a.example/users/x"}), &url));
        assert!(!id_is(&serde_json::json!({"id": "https://b.example/users/x"}), &url));
        assert!(!id_is(&serde_json::json!({}), &url));
    }
}
