//! FEP-044f quote posts in the direction where we quote: a note of a Mastodon or
//! Threads post asks the post's author for leave to quote it (`QuoteRequest`), and
//! keeps their answer. An `Accept` counts only from that author and only with a
//! `QuoteAuthorization` stamp that, fetched from their server, names our note and
//! their post; the note then carries it as `quoteAuthorization`. A `Reject` makes
//! the note stop presenting itself as a quote. Either way the followers get an
//! `Update` of the note.

use serde_json::Value;
use url::Url;

use super::inbox::Refusal;
use super::objects::{fediverse_original, note, quote_request};
use super::{ActivityPub, str_field};
use crate::store::{Event, QuoteApproval, QuoteRequestRecord, StoreError, call};

/// How long a quoted post's author and inbox are remembered.
pub(super) const QUOTED_AUTHOR_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// The suffix of our `QuoteRequest` ids (after the note's URL).
const REQUEST_SUFFIX: &str = "#quote-request";

/// Whether two URLs are on the same server.
fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// The first id a property names (a string, an object with `id`, or a list of them).
fn first_id(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::Array(items) => items.iter().find_map(|item| match item {
            Value::String(s) => Some(s.clone()),
            other => other.get("id").and_then(Value::as_str).map(str::to_string),
        }),
        _ => str_field(value, key).map(str::to_string),
    }
}

impl ActivityPub {
    /// For a new note of a fediverse post: fetches the post and its author (signed
    /// GETs), and queues a `QuoteRequest` to the author's inbox, once per note. A
    /// post or author that cannot be fetched is logged: the note stays a quote
    /// without an authorization.
    pub(super) async fn ask_to_quote(&self, event: &Event) -> Result<(), String> {
        let (actor, id) = (event.actor.clone(), event.quote_id.clone());
        let found = call(&self.store, move |s| -> Result<_, StoreError> {
            Ok((s.published_quote(&id)?, s.quote_requested(&actor, &id)?))
        })
        .await
        .map_err(|e| e.to_string())?;
        let (Some(quote), false) = found else { return Ok(()) };
        let Some(url) = fediverse_original(&quote) else { return Ok(()) };
        let (original, author, inbox) = match self.quoted_author(url).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("cannot ask to quote {url}: {e}");
                return Ok(());
            }
        };
        let record = QuoteRequestRecord {
            original: original.clone(),
            author: author.clone(),
            approval: QuoteApproval::Pending,
            answered_at: None,
        };
        let document = note(&self.urls, &event.actor, &quote, Some(&record));
        let request = quote_request(&self.urls, &event.actor, document, &original, &author).to_string();
        let (actor, id, now) = (event.actor.clone(), event.quote_id.clone(), chrono::Utc::now().timestamp());
        call(&self.store, move |s| s.request_quote(&actor, &id, &original, &author, &inbox, &request, now))
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!("{} asks {} to quote {url}", event.actor, record.author);
        Ok(())
    }

    /// A fediverse post's id, its author, and the author's inbox (remembered for
    /// [`QUOTED_AUTHOR_TTL`]; failures are not).
    async fn quoted_author(&self, url: &str) -> Result<(String, String, String), String> {
        if let Some(found) = self.quoted_authors.get(url) {
            return Ok(found);
        }
        let found = self.fetch_quoted_author(url).await?;
        self.quoted_authors.insert(url.to_string(), found.clone());
        Ok(found)
    }

    async fn fetch_quoted_author(&self, url: &str) -> Result<(String, String, String), String> {
        let post = self.fetch_object(url).await?;
        let original = post.get("id").and_then(Value::as_str).ok_or("the post has no id")?.to_string();
        if !same_origin(&original, url) {
            return Err(format!("the post at {url} claims an id on another server ({original})"));
        }
        let author = first_id(&post, "attributedTo").ok_or("the post names no author")?;
        if !same_origin(&author, &original) {
            return Err(format!("the post's author {author} is on another server"));
        }
        let actor = self.fetch_object(&author).await?;
        if actor.get("id").and_then(Value::as_str) != Some(author.as_str()) {
            return Err(format!("the document at {author} is not that actor"));
        }
        let inbox = str_field(&actor, "inbox").ok_or("the author has no inbox")?.to_string();
        Ok((original, author, inbox))
    }

    /// An `Accept` or `Reject` from `actor_id`: the answer to one of our
    /// `QuoteRequest`s, if it is one (other answers, such as to a Follow we never
    /// send, are ignored).
    pub(super) async fn take_quote_answer(
        &self,
        activity: &Value,
        actor_id: &str,
        accepted: bool,
    ) -> Result<(), Refusal> {
        let bad = |m: String| Refusal::BadRequest(m);
        let Some(request) = str_field(activity, "object") else { return Ok(()) };
        let Some((actor, quote_id)) = request.strip_suffix(REQUEST_SUFFIX).and_then(|n| self.urls.note_parts(n)) else {
            tracing::debug!("ignoring an answer to {request} from {actor_id}");
            return Ok(());
        };
        let (name, id) = (actor.clone(), quote_id.clone());
        let record = call(&self.store, move |s| s.quote_request(&name, &id))
            .await
            .map_err(|e| Refusal::Unavailable(format!("cannot read: {e}")))?
            .ok_or_else(|| bad(format!("{request} was never sent")))?;
        if record.author != actor_id {
            return Err(bad(format!("only {} can answer {request}", record.author)));
        }
        let answer = if accepted {
            let stamp = str_field(activity, "result")
                .ok_or_else(|| bad("an Accept of a QuoteRequest needs a QuoteAuthorization as result".into()))?;
            self.check_stamp(stamp, actor_id, &self.urls.note(&actor, &quote_id), &record.original)
                .await
                .map_err(|e| bad(format!("the authorization {stamp}: {e}")))?;
            QuoteApproval::Accepted(stamp.to_string())
        } else {
            QuoteApproval::Rejected
        };
        let now = chrono::Utc::now().timestamp();
        let (name, id) = (actor.clone(), quote_id.clone());
        let changed = call(&self.store, move |s| s.answer_quote_request(&name, &id, &answer, now))
            .await
            .map_err(|e| Refusal::Unavailable(format!("cannot store: {e}")))?;
        if changed {
            tracing::info!(
                "{actor_id} {} {actor}'s quote of {}",
                if accepted { "approved" } else { "refused" },
                record.original
            );
            self.wake.notify_one();
        }
        Ok(())
    }

    /// Fetches a `QuoteAuthorization` and checks it is what it must be: on the
    /// author's server, by the author, for our note quoting their post.
    async fn check_stamp(&self, stamp: &str, author: &str, our_note: &str, original: &str) -> Result<(), String> {
        if !same_origin(stamp, author) {
            return Err("not on the author's server".into());
        }
        let document = self.fetch_object(stamp).await?;
        let field = |key: &str| first_id(&document, key);
        let checks = [
            (document.get("id").and_then(Value::as_str) == Some(stamp), "its id is another URL"),
            (document.get("type").and_then(Value::as_str) == Some("QuoteAuthorization"), "not a QuoteAuthorization"),
            (field("attributedTo").as_deref() == Some(author), "not given by the post's author"),
            (field("interactingObject").as_deref() == Some(our_note), "not for our note"),
            (field("interactionTarget").as_deref() == Some(original), "not for the quoted post"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, why)) => Err((*why).to_string()),
            None => Ok(()),
        }
    }
}
