//! The ActivityPub routes: WebFinger, NodeInfo, actors (JSON for ActivityPub
//! clients, the feed's page for browsers), outboxes, followers, notes, and the
//! inboxes.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use super::ActivityPub;
use super::inbox::{MAX_BODY, Refusal};
use super::objects::{self, actor_name};
use super::pictures;
use crate::http::response::{not_found, server_error, text_response};
use crate::model::INSTANCE_ACTOR;
use crate::publish::FeedKind;
use crate::publish::site;
use crate::store::call;

/// Posts on an outbox page.
const OUTBOX_PAGE: usize = 20;

/// The routes, for a server whose state has ActivityPub enabled.
pub fn router(activitypub: Arc<ActivityPub>) -> Router {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/actor", get(instance_actor))
        .route("/actor/outbox", get(instance_outbox))
        .route("/users/{name}", get(actor))
        .route("/users/{name}/outbox", get(outbox))
        .route("/users/{name}/followers", get(followers))
        .route("/users/{name}/featured", get(featured))
        .route("/users/{name}/avatar.png", get(avatar))
        .route("/users/{name}/header.png", get(header))
        .route("/users/{name}/following", get(following))
        .route("/users/{name}/quotes/{id}", get(note))
        .route("/users/{name}/quotes/{id}/authorizations/{key}", get(quote_authorization))
        .route("/users/{name}/inbox", post(inbox))
        .route("/inbox", post(inbox_shared))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(activitypub)
}

fn json(content_type: &'static str, value: &Value) -> Response {
    ([("content-type", content_type), ("cache-control", "public, max-age=60")], value.to_string()).into_response()
}

fn activity_json(value: &Value) -> Response {
    json("application/activity+json; charset=utf-8", value)
}

/// Whether a client asks for ActivityPub JSON rather than a page.
fn wants_activity(headers: &HeaderMap) -> bool {
    headers
        .get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|accept| accept.contains("application/activity+json") || accept.contains("application/ld+json"))
}

async fn feed_of(state: &ActivityPub, name: &str) -> Result<FeedKind, Response> {
    match state.feed_of(name).await {
        Ok(Some(kind)) => Ok(kind),
        Ok(None) => Err(not_found(&format!("no actor {name}"))),
        Err(e) => Err(server_error(&e)),
    }
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: Option<String>,
}

async fn webfinger(State(state): State<Arc<ActivityPub>>, Query(query): Query<WebfingerQuery>) -> Response {
    let ap = &state;
    let Some(resource) = query.resource else {
        return text_response(StatusCode::BAD_REQUEST, "400 Bad Request: resource is missing");
    };
    let name = match resource.strip_prefix("acct:") {
        Some(account) => {
            let account = account.trim_start_matches('@');
            match account.rsplit_once('@') {
                Some((name, host)) if host.eq_ignore_ascii_case(&ap.urls.acct_host()) => name.to_string(),
                _ => return not_found(&format!("no account {resource} here")),
            }
        }
        None => match ap.urls.actor_name(&resource) {
            Some(name) => name,
            None => return not_found(&format!("no account {resource} here")),
        },
    };
    if name == ap.urls.acct_host() || resource == ap.urls.actor(INSTANCE_ACTOR) {
        return json("application/jrd+json; charset=utf-8", &objects::instance_webfinger(&ap.urls));
    }
    let kind = match feed_of(&state, &name).await {
        Ok(kind) => kind,
        Err(response) => return response,
    };
    json("application/jrd+json; charset=utf-8", &objects::webfinger(&ap.urls, &name, &kind.page_url(ap.urls.base())))
}

async fn instance_actor(State(state): State<Arc<ActivityPub>>) -> Response {
    match state.keys.key(INSTANCE_ACTOR).await {
        Ok(key) => activity_json(&objects::instance_actor(&state.urls, &key)),
        Err(e) => server_error(&e),
    }
}

async fn instance_outbox(State(state): State<Arc<ActivityPub>>) -> Response {
    activity_json(&objects::counted_collection(&format!("{}/outbox", state.urls.actor(INSTANCE_ACTOR)), 0))
}

async fn nodeinfo_links(State(state): State<Arc<ActivityPub>>) -> Response {
    json("application/json; charset=utf-8", &objects::nodeinfo_links(&state.urls))
}

async fn nodeinfo(State(state): State<Arc<ActivityPub>>) -> Response {
    let counts = call(&state.store, |s| s.counts()).await;
    match counts {
        Ok(counts) => json(
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"; charset=utf-8",
            &objects::nodeinfo(counts.sources + 1, counts.quotes),
        ),
        Err(e) => server_error(&e),
    }
}

async fn actor(State(state): State<Arc<ActivityPub>>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let kind = match feed_of(&state, &name).await {
        Ok(kind) => kind,
        Err(response) => return response,
    };
    if !wants_activity(&headers) {
        // A browser: the feed's page.
        let base = state.urls.base().clone();
        let store = Arc::clone(&state.store);
        let page = tokio::task::spawn_blocking(move || match &kind {
            FeedKind::Source(source) => site::source(&store, &base, &source.name, 1),
            FeedKind::Author(author) => site::author(&store, &base, author.platform, &author.handle, 1),
            _ => site::index(&store, &base, 1).map(Some),
        })
        .await
        .expect("rendering does not panic");
        return match page {
            Ok(Some(page)) => {
                ([("content-type", "text/html; charset=utf-8"), ("vary", "Accept")], page.body).into_response()
            }
            Ok(None) => not_found(&format!("no actor {name}")),
            Err(e) => server_error(&e),
        };
    }
    let ap = &state;
    match ap.keys.key(&actor_name(&kind)).await {
        Ok(key) => {
            let mut response = activity_json(&objects::actor(&ap.urls, &kind, &key, ap.person_actors));
            response.headers_mut().insert("vary", "Accept".parse().expect("a valid header"));
            response
        }
        Err(e) => server_error(&e),
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

async fn outbox(
    State(state): State<Arc<ActivityPub>>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let kind = match feed_of(&state, &name).await {
        Ok(kind) => kind,
        Err(response) => return response,
    };
    let ap = Arc::clone(&state);
    let result = tokio::task::spawn_blocking(move || -> Result<Value, crate::store::StoreError> {
        let selection = kind.selection();
        let total = ap.store.count_quotes(selection)?;
        let pages = (total + OUTBOX_PAGE as i64 - 1) / OUTBOX_PAGE as i64;
        Ok(match query.page {
            None => objects::outbox(&ap.urls, &name, total, pages),
            Some(page) => {
                let page = page.max(1);
                let offset = usize::try_from((page - 1) * OUTBOX_PAGE as i64).unwrap_or(usize::MAX);
                let quotes = ap.store.published_quotes_page(selection, offset, OUTBOX_PAGE)?;
                let requests = ap.store.quote_requests_of(&name)?;
                let items = quotes
                    .iter()
                    .map(|q| {
                        let note = objects::note(&ap.urls, &name, q, requests.get(&q.quote.id));
                        objects::create(&ap.urls, &name, note)
                    })
                    .collect();
                objects::outbox_page(&ap.urls, &name, page, items, page < pages)
            }
        })
    })
    .await
    .expect("rendering does not panic");
    match result {
        Ok(document) => activity_json(&document),
        Err(e) => server_error(&e),
    }
}

/// An account's avatar, generated from its name.
async fn avatar(State(state): State<Arc<ActivityPub>>, Path(name): Path<String>) -> Response {
    picture(&state, name, pictures::avatar).await
}

/// An account's header, in its colour.
async fn header(State(state): State<Arc<ActivityPub>>, Path(name): Path<String>) -> Response {
    picture(&state, name, pictures::header).await
}

async fn picture(state: &Arc<ActivityPub>, name: String, draw: fn(&str) -> Vec<u8>) -> Response {
    if let Err(response) = feed_of(state, &name).await {
        return response;
    }
    let png = tokio::task::spawn_blocking(move || draw(&name)).await.expect("drawing does not panic");
    ([("content-type", "image/png"), ("cache-control", "public, max-age=86400")], png).into_response()
}

/// How many quotes an actor pins (Mastodon shows a handful).
const FEATURED: usize = 5;

/// An actor's pinned notes: its most cited quotes.
async fn featured(State(state): State<Arc<ActivityPub>>, Path(name): Path<String>) -> Response {
    let kind = match feed_of(&state, &name).await {
        Ok(kind) => kind,
        Err(response) => return response,
    };
    let ap = Arc::clone(&state);
    let result = tokio::task::spawn_blocking(move || -> Result<Value, crate::store::StoreError> {
        let quotes = ap.store.most_cited_quotes(kind.selection(), FEATURED)?;
        let requests = ap.store.quote_requests_of(&name)?;
        let notes = quotes.iter().map(|q| objects::note(&ap.urls, &name, q, requests.get(&q.quote.id))).collect();
        Ok(objects::featured(&ap.urls, &name, notes))
    })
    .await
    .expect("rendering does not panic");
    match result {
        Ok(document) => activity_json(&document),
        Err(e) => server_error(&e),
    }
}

async fn followers(State(state): State<Arc<ActivityPub>>, Path(name): Path<String>) -> Response {
    if let Err(response) = feed_of(&state, &name).await {
        return response;
    }
    let actor = name.clone();
    match call(&state.store, move |s| s.follower_count(&actor)).await {
        Ok(count) => activity_json(&objects::counted_collection(&state.urls.followers(&name), count)),
        Err(e) => server_error(&e),
    }
}

async fn following(State(state): State<Arc<ActivityPub>>, Path(name): Path<String>) -> Response {
    if let Err(response) = feed_of(&state, &name).await {
        return response;
    }
    activity_json(&objects::counted_collection(&state.urls.following(&name), 0))
}

async fn note(
    State(state): State<Arc<ActivityPub>>,
    Path((name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let ap = Arc::clone(&state);
    if !wants_activity(&headers) {
        return (StatusCode::SEE_OTHER, [("location", ap.urls.quote_page(&id))]).into_response();
    }
    let actor = name.clone();
    let found = call(&ap.store, move |s| -> Result<_, crate::store::StoreError> {
        let Some(quote) = s.published_quote(&id)? else { return Ok(None) };
        if !s.actor_posts(&actor, &quote.quote.id)? {
            return Ok(None);
        }
        let request = s.quote_request(&actor, &quote.quote.id)?;
        Ok(Some((quote, request)))
    })
    .await;
    match found {
        Ok(Some((quote, request))) => {
            let mut document = objects::note(&ap.urls, &name, &quote, request.as_ref());
            document["@context"] = objects::context();
            activity_json(&document)
        }
        Ok(None) => not_found("no such note"),
        Err(e) => server_error(&e),
    }
}

/// A FEP-044f `QuoteAuthorization` we gave, for the quoting server to verify.
async fn quote_authorization(
    State(state): State<Arc<ActivityPub>>,
    Path((name, id, key)): Path<(String, String, String)>,
) -> Response {
    let url = format!("{}/authorizations/{key}", state.urls.note(&name, &id));
    match call(&state.store, move |s| s.quote_authorization(&url)).await {
        Ok(Some(stamp)) => activity_json(&objects::quote_authorization(
            &state.urls,
            &stamp.actor,
            &stamp.quote_id,
            &stamp.interacting_object,
        )),
        Ok(None) => not_found("no such authorization"),
        Err(e) => server_error(&e),
    }
}

async fn receive(state: &ActivityPub, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    match state.receive(target, headers, body).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        // Our failure: logged, and the sender is told to try again later.
        Err(Refusal::Unavailable(error)) => {
            tracing::error!("cannot take an activity: {error}");
            refused(StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
        Err(refusal) => {
            tracing::info!("refused an activity: {refusal}");
            let status = if matches!(refusal, Refusal::Unauthorized(_)) {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            refused(status, &refusal.to_string())
        }
    }
}

fn refused(status: StatusCode, message: &str) -> Response {
    metrics::counter!("quotefeed_inbox_refused_total", "status" => status.as_u16().to_string()).increment(1);
    text_response(status, message)
}

async fn inbox(
    State(state): State<Arc<ActivityPub>>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = feed_of(&state, &name).await {
        return response;
    }
    receive(&state, &uri, &headers, &body).await
}

async fn inbox_shared(State(state): State<Arc<ActivityPub>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    receive(&state, &uri, &headers, &body).await
}
