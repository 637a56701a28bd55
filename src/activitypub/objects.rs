//! The JSON documents of our ActivityPub side: actors, WebFinger, NodeInfo, notes,
//! activities and collections. Extension terms are defined inline in `@context`,
//! since peers may not fetch remote contexts.

use serde_json::{Value, json};
use url::Url;

use super::keys::ActorKey;
use crate::model::{INSTANCE_ACTOR, Platform};
use crate::publish::{FeedKind, Format, note_html};
use crate::store::{PublishedQuote, QuoteApproval, QuoteRequestRecord};
use quotefeed_extract::image_media_type;

/// The ActivityStreams public collection.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
const ACTIVITYSTREAMS: &str = "https://www.w3.org/ns/activitystreams";
const SECURITY: &str = "https://w3id.org/security/v1";

/// The URLs of our ActivityPub objects, all under the public base URL.
#[derive(Debug, Clone)]
pub struct Urls {
    base: Url,
}

impl Urls {
    /// URLs under `base` (ending in `/`).
    pub fn new(base: Url) -> Urls {
        Urls { base }
    }

    /// The public base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// An actor's id; the instance actor's is `/actor`.
    pub fn actor(&self, name: &str) -> String {
        if name == INSTANCE_ACTOR {
            return format!("{}actor", self.base);
        }
        format!("{}users/{name}", self.base)
    }

    /// The id of an actor's key.
    pub fn key_id(&self, name: &str) -> String {
        format!("{}#main-key", self.actor(name))
    }

    /// An actor's inbox.
    pub fn inbox(&self, name: &str) -> String {
        format!("{}/inbox", self.actor(name))
    }

    /// An actor's outbox.
    pub fn outbox(&self, name: &str) -> String {
        format!("{}/outbox", self.actor(name))
    }

    /// An actor's featured (pinned) collection.
    pub fn featured(&self, name: &str) -> String {
        format!("{}/featured", self.actor(name))
    }

    /// An actor's followers collection.
    pub fn followers(&self, name: &str) -> String {
        format!("{}/followers", self.actor(name))
    }

    /// An actor's (empty) following collection.
    pub fn following(&self, name: &str) -> String {
        format!("{}/following", self.actor(name))
    }

    /// The shared inbox.
    pub fn shared_inbox(&self) -> String {
        format!("{}inbox", self.base)
    }

    /// The note in which an actor posts a quote. Each actor has its own note for a
    /// quote, since an object has one author and a quote is posted by `@all` and by
    /// each source that cites it.
    pub fn note(&self, actor: &str, quote_id: &str) -> String {
        format!("{}/quotes/{quote_id}", self.actor(actor))
    }

    /// The page people read for a quote.
    pub fn quote_page(&self, quote_id: &str) -> String {
        format!("{}quotes/{quote_id}", self.base)
    }

    /// The page of a hashtag (`/tags/NAME`).
    pub fn tag_page(&self, tag: &str) -> String {
        format!("{}{}", self.base, crate::publish::tag_page_path(tag))
    }

    /// Whether a request's `Host` header names this server (with or without the
    /// default port).
    pub fn is_our_host(&self, host: &str) -> bool {
        let ours = self.acct_host();
        let host = host.trim();
        host.eq_ignore_ascii_case(&ours)
            || self.base.port().is_none()
                && self
                    .base
                    .port_or_known_default()
                    .is_some_and(|port| host.eq_ignore_ascii_case(&format!("{ours}:{port}")))
    }

    /// `host[:port]`, as in `acct:NAME@HOST`.
    pub fn acct_host(&self) -> String {
        crate::fetch::host_header(&self.base)
    }

    /// The actor name and quote id a note URL names, if it is one of ours.
    pub fn note_parts(&self, id: &str) -> Option<(String, String)> {
        let rest = id.strip_prefix(&format!("{}users/", self.base))?;
        let (actor, quote) = rest.split_once("/quotes/")?;
        let valid = |s: &str| !s.is_empty() && !s.contains(['/', '#', '?']);
        (valid(actor) && valid(quote)).then(|| (actor.to_string(), quote.to_string()))
    }

    /// The URL of the authorization to quote a note, for the post that quotes it.
    pub fn quote_authorization(&self, actor: &str, quote_id: &str, quoting_post: &str) -> String {
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(quoting_post.as_bytes()));
        format!("{}/authorizations/{}", self.note(actor, quote_id), &digest[..16])
    }

    /// The actor name an actor id names, if it is one of ours.
    pub fn actor_name(&self, id: &str) -> Option<String> {
        let rest = id.strip_prefix(&format!("{}users/", self.base))?;
        (!rest.is_empty() && !rest.contains(['/', '#', '?'])).then(|| rest.to_string())
    }
}

/// The actor name of a feed: `all`, the source's name, or the author's
/// `PLATFORM.handle`.
pub fn actor_name(kind: &FeedKind) -> String {
    match kind {
        FeedKind::Source(source) => source.name.clone(),
        FeedKind::Author(author) => crate::model::author_actor(author.platform, &author.handle)
            .unwrap_or_else(|| crate::model::ALL_ACTOR.to_string()),
        // A hashtag has pages and feeds but no account.
        FeedKind::All | FeedKind::Tag(_) => crate::model::ALL_ACTOR.to_string(),
    }
}

fn escape(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

/// An actor that posts the quotes of one feed: a `Service` (a bot), or a `Person`
/// when `person` is set.
pub fn actor(urls: &Urls, kind: &FeedKind, key: &ActorKey, person: bool) -> Value {
    let name = actor_name(kind);
    let id = urls.actor(&name);
    let feed = |format: Format| kind.feed_url(urls.base(), format);
    let link = |url: &str| format!("<a href=\"{0}\" rel=\"nofollow noopener noreferrer\">{0}</a>", escape(url));
    let mut attachment = vec![
        json!({"type": "PropertyValue", "name": "RSS", "value": link(&feed(Format::Rss))}),
        json!({"type": "PropertyValue", "name": "Atom", "value": link(&feed(Format::Atom))}),
        json!({"type": "PropertyValue", "name": "JSON Feed", "value": link(&feed(Format::Json))}),
    ];
    let mut summary = format!("<p>{}</p>", escape(&kind.description()));
    if let FeedKind::Source(source) = kind
        && let Some(site) = &source.site_url
    {
        attachment.push(json!({"type": "PropertyValue", "name": "Site", "value": link(site)}));
        summary.push_str(&format!("<p>Source: {}</p>", link(site)));
    }
    summary.push_str(&format!(
        "<p>Also as <a href=\"{}\">RSS</a> and <a href=\"{}\">Atom</a>.</p>",
        escape(&feed(Format::Rss)),
        escape(&feed(Format::Atom))
    ));
    json!({
        "@context": [ACTIVITYSTREAMS, SECURITY, {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }],
        "id": id,
        "type": if person { "Person" } else { "Service" },
        "preferredUsername": name,
        "name": kind.title(),
        "summary": summary,
        "url": kind.page_url(urls.base()),
        "icon": {"type": "Image", "mediaType": "image/png", "url": format!("{id}/avatar.png")},
        "image": {"type": "Image", "mediaType": "image/png", "url": format!("{id}/header.png")},
        "inbox": urls.inbox(&name),
        "outbox": urls.outbox(&name),
        "followers": urls.followers(&name),
        "following": urls.following(&name),
        "featured": urls.featured(&name),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "publicKey": {"id": urls.key_id(&name), "owner": id, "publicKeyPem": key.public_pem},
        "published": timestamp(key.created_at),
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "attachment": attachment
    })
}

/// The instance actor (`/actor`): the `Application` whose key signs the GETs the
/// daemon sends (keys, actors, posts), as Mastodon's own instance actor does. It
/// posts nothing and accepts no followers; its inbox is the shared inbox.
pub fn instance_actor(urls: &Urls, key: &ActorKey) -> Value {
    let id = urls.actor(INSTANCE_ACTOR);
    json!({
        "@context": [ACTIVITYSTREAMS, SECURITY, {"manuallyApprovesFollowers": "as:manuallyApprovesFollowers"}],
        "id": id,
        "type": "Application",
        "preferredUsername": urls.acct_host(),
        "name": "quotefeed",
        "summary": "<p>The quotefeed server itself: it signs the requests this server sends.</p>",
        "url": urls.base().as_str(),
        "inbox": urls.shared_inbox(),
        "outbox": format!("{id}/outbox"),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "publicKey": {"id": urls.key_id(INSTANCE_ACTOR), "owner": id, "publicKeyPem": key.public_pem},
        "published": timestamp(key.created_at),
        "manuallyApprovesFollowers": true
    })
}

/// The WebFinger answer for the instance actor (`acct:HOST@HOST`, as Mastodon names its own).
pub fn instance_webfinger(urls: &Urls) -> Value {
    let id = urls.actor(INSTANCE_ACTOR);
    json!({
        "subject": format!("acct:{0}@{0}", urls.acct_host()),
        "aliases": [id],
        "links": [{"rel": "self", "type": "application/activity+json", "href": id}]
    })
}

/// The WebFinger answer for an actor.
pub fn webfinger(urls: &Urls, name: &str, page: &str) -> Value {
    json!({
        "subject": format!("acct:{name}@{}", urls.acct_host()),
        "aliases": [urls.actor(name), page],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": urls.actor(name)},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page}
        ]
    })
}

/// `/.well-known/nodeinfo`.
pub fn nodeinfo_links(urls: &Urls) -> Value {
    json!({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{}nodeinfo/2.1", urls.base())}]})
}

/// NodeInfo 2.1.
pub fn nodeinfo(actors: i64, posts: i64) -> Value {
    json!({
        "version": "2.1",
        "software": {"name": "quotefeed", "version": env!("CARGO_PKG_VERSION")},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": false,
        "usage": {"users": {"total": actors, "activeMonth": actors, "activeHalfyear": actors}, "localPosts": posts},
        "metadata": {"nodeName": "quotefeed"}
    })
}

/// The note in which `actor` posts a quote; `request` is what the note asked the
/// author of a fediverse original (see [`quote_request`]).
pub fn note(urls: &Urls, actor: &str, quote: &PublishedQuote, request: Option<&QuoteRequestRecord>) -> Value {
    let page = urls.quote_page(&quote.quote.id);
    // Mastodon links a hashtag of the content when a `tag` entry has its href.
    let mut tags: Vec<Value> = crate::model::hashtags(&quote.quote.text)
        .into_iter()
        .map(|tag| json!({"type": "Hashtag", "name": format!("#{tag}"), "href": urls.tag_page(&tag)}))
        .collect();
    let original = match request {
        // The author refused: the note no longer presents itself as a quote (the
        // attribution line still links the post).
        Some(QuoteRequestRecord { approval: QuoteApproval::Rejected, .. }) => None,
        // The id the request named, which the author's authorization names too.
        Some(request) => Some(request.original.as_str()),
        None => fediverse_original(quote),
    };
    if let Some(original) = original {
        // FEP-e232: the object link older quote-post implementations read.
        tags.push(json!({
            "type": "Link",
            "mediaType": ACTIVITY_LD_JSON,
            "rel": "https://misskey-hub.net/ns#_misskey_quote",
            "href": original,
            "name": format!("RE: {original}")
        }));
    }
    let mut note = json!({
        "id": urls.note(actor, &quote.quote.id),
        "type": "Note",
        "attributedTo": urls.actor(actor),
        "url": page,
        "published": timestamp(quote.cited_at),
        "to": [PUBLIC],
        "cc": [urls.followers(actor)],
        "content": note_html(quote, urls.base()),
        "sensitive": false,
        "tag": tags,
        // FEP-044f: anyone may quote this note, approved at once.
        "interactionPolicy": {"canQuote": {"automaticApproval": PUBLIC}}
    });
    if quote.updated_at > quote.first_seen_at {
        note["updated"] = json!(timestamp(quote.updated_at));
    }
    // The pictures the quote links to as image files: Mastodon shows attachments
    // of type Document with an image media type (four at most).
    let pictures: Vec<Value> = quote
        .quote
        .links
        .iter()
        .filter_map(|link| {
            image_media_type(link).map(|media_type| json!({"type": "Document", "mediaType": media_type, "url": link}))
        })
        .take(MAX_PICTURES)
        .collect();
    if !pictures.is_empty() {
        note["attachment"] = json!(pictures);
    }
    if let Some(original) = original {
        // The original is itself on the fediverse: this note quotes it (FEP-044f's
        // `quote`, and `quoteUrl` and `_misskey_quote` for servers before it).
        for field in ["quote", "quoteUrl", "_misskey_quote"] {
            note[field] = json!(original);
        }
    }
    if let Some(QuoteRequestRecord { approval: QuoteApproval::Accepted(stamp), .. }) = request {
        note["quoteAuthorization"] = json!(stamp);
    }
    note
}

/// The id of the `QuoteRequest` an actor's note of a quote sends.
pub fn quote_request_id(urls: &Urls, actor: &str, quote_id: &str) -> String {
    format!("{}#quote-request", urls.note(actor, quote_id))
}

/// FEP-044f `QuoteRequest`: our note (the `instrument`, embedded) asks the author
/// of `original` for leave to quote it.
pub fn quote_request(urls: &Urls, actor: &str, note: Value, original: &str, author: &str) -> Value {
    let quote_id = urls.note_parts(note["id"].as_str().unwrap_or_default()).map(|(_, id)| id).unwrap_or_default();
    json!({
        "@context": context(),
        "id": quote_request_id(urls, actor, &quote_id),
        "type": "QuoteRequest",
        "actor": urls.actor(actor),
        "to": [author],
        "object": original,
        "instrument": note
    })
}

/// The most pictures a note attaches (what Mastodon shows).
const MAX_PICTURES: usize = 4;

/// The ActivityStreams JSON-LD media type, as FEP-e232 links name it.
const ACTIVITY_LD_JSON: &str = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// The original post of a quote when it lives on the fediverse (a Mastodon or
/// Threads post): what a note of it quotes.
pub fn fediverse_original(quote: &PublishedQuote) -> Option<&str> {
    matches!(quote.quote.platform, Platform::Mastodon | Platform::Threads).then_some(quote.quote.url.as_deref())?
}

/// Unix seconds as an ActivityStreams date.
fn timestamp(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The `@context` of activities and notes: ActivityStreams with the extension terms
/// they use defined inline.
pub fn context() -> Value {
    json!([ACTIVITYSTREAMS, {
        "Hashtag": "as:Hashtag",
        "sensitive": "as:sensitive",
        "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
        "quoteUrl": "as:quoteUrl",
        "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
        "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
        "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
        "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
        "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
        "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
        "gts": "https://gotosocial.org/ns#",
        "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
        "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
        "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"}
    }])
}

/// `Create` of a note.
pub fn create(urls: &Urls, actor: &str, note: Value) -> Value {
    json!({
        "@context": context(),
        "id": format!("{}#create", note["id"].as_str().unwrap_or_default()),
        "type": "Create",
        "actor": urls.actor(actor),
        "published": note["published"],
        "to": [PUBLIC],
        "cc": [urls.followers(actor)],
        "object": note
    })
}

/// `Update` of a note corrected at `at` (Unix seconds). The note always carries
/// `updated`, which Mastodon needs to apply an edit, even when the correction came
/// within the second the quote was first stored.
pub fn update(urls: &Urls, actor: &str, mut note: Value, at: i64) -> Value {
    note["updated"] = json!(timestamp(at));
    json!({
        "@context": context(),
        "id": format!("{}#update-{at}", note["id"].as_str().unwrap_or_default()),
        "type": "Update",
        "actor": urls.actor(actor),
        "to": [PUBLIC],
        "cc": [urls.followers(actor)],
        "object": note
    })
}

/// `Update` of an actor whose profile changed (`seq`, the event's, makes the id
/// unique).
pub fn update_profile(urls: &Urls, actor: &str, profile: Value, seq: i64) -> Value {
    json!({
        "@context": context(),
        "id": format!("{}#profile-update-{seq}", urls.actor(actor)),
        "type": "Update",
        "actor": urls.actor(actor),
        "to": [PUBLIC],
        "cc": [urls.followers(actor)],
        "object": profile
    })
}

/// `Delete` of a note whose quote is gone.
pub fn delete(urls: &Urls, actor: &str, quote_id: &str) -> Value {
    let note = urls.note(actor, quote_id);
    json!({
        "@context": ACTIVITYSTREAMS,
        "id": format!("{note}#delete"),
        "type": "Delete",
        "actor": urls.actor(actor),
        "to": [PUBLIC],
        "cc": [urls.followers(actor)],
        "object": {"id": note, "type": "Tombstone"}
    })
}

/// `Accept` of a follow.
pub fn accept(urls: &Urls, actor: &str, follow: &Value) -> Value {
    let follow_id = follow["id"].as_str().unwrap_or_default();
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(follow_id.as_bytes()));
    json!({
        "@context": ACTIVITYSTREAMS,
        "id": format!("{}#accepts/{}", urls.actor(actor), &digest[..16]),
        "type": "Accept",
        "actor": urls.actor(actor),
        "object": {"id": follow_id, "type": "Follow", "actor": follow["actor"], "object": urls.actor(actor)}
    })
}

/// A FEP-044f `QuoteAuthorization`: the stamp saying `actor`'s note may be quoted
/// by `quoting_post`; the quoting server shows it to prove the quote was approved.
pub fn quote_authorization(urls: &Urls, actor: &str, quote_id: &str, quoting_post: &str) -> Value {
    json!({
        "@context": context(),
        "id": urls.quote_authorization(actor, quote_id, quoting_post),
        "type": "QuoteAuthorization",
        "attributedTo": urls.actor(actor),
        "interactingObject": quoting_post,
        "interactionTarget": urls.note(actor, quote_id)
    })
}

/// `Delete` of a quote authorization: the quoted note is gone (FEP-044f revocation).
pub fn revoke_quote(urls: &Urls, actor: &str, stamp: &str) -> Value {
    json!({
        "@context": context(),
        "id": format!("{stamp}#delete"),
        "type": "Delete",
        "actor": urls.actor(actor),
        "object": stamp
    })
}

/// `Accept` of a `QuoteRequest`, with the authorization as its `result`.
pub fn accept_quote(urls: &Urls, actor: &str, request: &Value, stamp: &str) -> Value {
    let request_id = request["id"].as_str().unwrap_or_default();
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(request_id.as_bytes()));
    json!({
        "@context": context(),
        "id": format!("{}#accepts/{}", urls.actor(actor), &digest[..16]),
        "type": "Accept",
        "actor": urls.actor(actor),
        "to": [request["actor"]],
        "object": {"id": request_id, "type": "QuoteRequest", "actor": request["actor"], "object": request["object"], "instrument": request["instrument"]},
        "result": stamp
    })
}

/// An actor's outbox: how many posts, and where its pages start.
pub fn outbox(urls: &Urls, actor: &str, total: i64, pages: i64) -> Value {
    let outbox = urls.outbox(actor);
    json!({
        "@context": ACTIVITYSTREAMS,
        "id": outbox,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": format!("{outbox}?page=1"),
        "last": format!("{outbox}?page={}", pages.max(1))
    })
}

/// The featured collection: the actor's pinned notes, its most cited quotes.
pub fn featured(urls: &Urls, actor: &str, notes: Vec<Value>) -> Value {
    json!({
        "@context": context(),
        "id": urls.featured(actor),
        "type": "OrderedCollection",
        "totalItems": notes.len(),
        "orderedItems": notes
    })
}

/// A page of an outbox, newest first.
pub fn outbox_page(urls: &Urls, actor: &str, page: i64, items: Vec<Value>, has_next: bool) -> Value {
    let outbox = urls.outbox(actor);
    let mut document = json!({
        "@context": context(),
        "id": format!("{outbox}?page={page}"),
        "type": "OrderedCollectionPage",
        "partOf": outbox,
        "orderedItems": items
    });
    if has_next {
        document["next"] = json!(format!("{outbox}?page={}", page + 1));
    }
    if page > 1 {
        document["prev"] = json!(format!("{outbox}?page={}", page - 1));
    }
    document
}

/// A collection given only by its size (followers), or empty (following).
pub fn counted_collection(id: &str, total: i64) -> Value {
    json!({"@context": ACTIVITYSTREAMS, "id": id, "type": "OrderedCollection", "totalItems": total})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(platform: Platform, url: &str) -> PublishedQuote {
        PublishedQuote {
            quote: crate::model::Quote {
                id: "0123456789abcdef".into(),
                text: "Ferries run again #HarbourLife".into(),
                html: None,
                author: crate::model::Author::default(),
                platform,
                url: Some(url.into()),
                published: None,
                context: None,
                links: Vec::new(),
                resolved: true,
            },
            cited_at: 1,
            first_seen_at: 1,
            updated_at: 1,
            citations: Vec::new(),
        }
    }

    #[test]
    fn a_note_of_a_fediverse_post_quotes_it() {
        let urls = Urls::new(Url::parse("https://quotes.example/").unwrap());
        let original = "https://social.example/@union/1122";
        let quoting = note(&urls, "news", &published(Platform::Mastodon, original), None);
        for field in ["quote", "quoteUrl", "_misskey_quote"] {
            assert_eq!(quoting[field], original, "{field}");
        }
        let tags = quoting["tag"].as_array().unwrap();
        let link = tags.iter().find(|t| t["type"] == "Link").unwrap();
        assert_eq!(link["href"], original);
        assert_eq!(link["rel"], "https://misskey-hub.net/ns#_misskey_quote");
        assert!(link["mediaType"].as_str().unwrap().starts_with("application/ld+json"));
        assert!(tags.iter().any(|t| t["type"] == "Hashtag" && t["href"] == "https://quotes.example/tags/harbourlife"));
        // A tweet is not on the fediverse: nothing to quote.
        let tweet = note(&urls, "news", &published(Platform::Twitter, "https://twitter.com/a/status/1"), None);
        assert!(tweet.get("quote").is_none() && tweet.get("quoteUrl").is_none());
        assert!(tweet["tag"].as_array().unwrap().iter().all(|t| t["type"] == "Hashtag"));
    }

    #[test]
    fn actors_are_services_unless_configured_as_people() {
        let urls = Urls::new(Url::parse("https://quotes.example/").unwrap());
        let (private_pem, public_pem) = crate::activitypub::keys::generate_pem();
        let private = crate::activitypub::keys::private_key(&private_pem).unwrap();
        let key = ActorKey { private, public_pem, created_at: 1_796_000_000 };
        assert_eq!(actor(&urls, &FeedKind::All, &key, false)["type"], "Service");
        let person = actor(&urls, &FeedKind::All, &key, true);
        assert_eq!(person["type"], "Person");
        assert_eq!(person["featured"], "https://quotes.example/users/all/featured");
        assert_eq!(person["published"], "2026-11-30T00:53:20Z");
    }

    #[test]
    fn urls() {
        let urls = Urls::new(Url::parse("http://127.0.0.1:8080/").unwrap());
        assert_eq!(urls.actor("news"), "http://127.0.0.1:8080/users/news");
        assert_eq!(urls.acct_host(), "127.0.0.1:8080");
        assert_eq!(urls.actor_name("http://127.0.0.1:8080/users/news").as_deref(), Some("news"));
        assert_eq!(urls.actor_name("http://127.0.0.1:8080/users/news/inbox"), None);
        assert_eq!(urls.actor_name("https://elsewhere.example/users/news"), None);
    }
}
