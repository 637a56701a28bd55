//! The HTTP server (axum): feeds, HTML pages, health and metrics. Responses are
//! rendered once per store revision and then served from memory with validators,
//! compression and cache headers.

mod cache;
pub mod response;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use url::Url;

pub use cache::{Cache, Rendered};
use response::{bad_request, not_found, server_error};

use crate::config::ServerConfig;
use crate::model::Platform;
use crate::publish::site::{self, FeedRequest};
use crate::publish::{DEFAULT_LIMIT, Format, MAX_LIMIT};
use crate::store::{Store, StoreError};

/// The feed sizes (`?limit=`) kept in the cache; others are rendered each time.
const CACHED_LIMITS: [usize; 4] = [10, 50, DEFAULT_LIMIT, MAX_LIMIT];
/// Seconds feed readers and proxies may reuse a feed.
const FEED_MAX_AGE: u32 = 300;
/// Seconds browsers may reuse a page.
const PAGE_MAX_AGE: u32 = 60;

/// What the page and feed handlers share: the store, the public URL and the
/// rendered responses.
pub struct Site {
    store: Arc<Store>,
    base: Url,
    cache: Cache,
    metrics: PrometheusHandle,
}

/// The HELP text of every metric.
fn describe_metrics() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!("quotefeed_polls_total", "Polls of sources, by source and result (ok, error).");
    describe_histogram!("quotefeed_poll_duration_seconds", "How long a poll of a source took.");
    describe_counter!("quotefeed_quotes_added_total", "Quotes stored for the first time, since the process started.");
    describe_counter!("quotefeed_fetches_total", "HTTP fetches, by result (200, 304, an error status, timeout, …).");
    describe_counter!("quotefeed_feed_requests_total", "Feed requests served, by format and status.");
    describe_histogram!("quotefeed_feed_request_duration_seconds", "How long answering a feed request took.");
    describe_counter!("quotefeed_inbox_refused_total", "ActivityPub inbox requests refused, by status.");
    describe_counter!("quotefeed_deliveries_total", "ActivityPub deliveries attempted, by result.");
    describe_counter!("quotefeed_deliveries_queued_total", "ActivityPub deliveries queued.");
    describe_gauge!("quotefeed_quotes", "Quotes in the store.");
    describe_gauge!("quotefeed_articles", "Articles in the store.");
    describe_gauge!("quotefeed_sources", "Sources in the store.");
    describe_gauge!("quotefeed_citations", "Citations (quote and article pairs) in the store.");
    describe_gauge!("quotefeed_sources_failing", "Sources whose last poll failed.");
    describe_gauge!("quotefeed_delivery_queue", "ActivityPub deliveries waiting in the queue.");
}

/// The Prometheus recorder, installed once per process.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)
                .expect("buckets are not empty");
            let handle = match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is installed (tests that start two servers).
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            };
            describe_metrics();
            handle
        })
        .clone()
}

impl Site {
    /// The site of this store, published under `base`.
    pub fn new(store: Arc<Store>, base: Url) -> Site {
        Site { store, base, cache: Cache::default(), metrics: metrics_handle() }
    }

    fn base(&self) -> Url {
        self.base.clone()
    }
}

/// How long one request may take to be answered (a handler that fetches a remote
/// key, a client that trickles a body).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connections in flight may finish after a shutdown request.
const DRAIN_TIME: Duration = Duration::from_secs(3);

/// Serves until `shutdown` is cancelled: HTTP/1.1 with a header-read and idle
/// timeout (`[server] idle_timeout`: idle sockets are closed, not hoarded), a cap
/// on connections (`[server] max_connections`), and a timeout on every request.
///
/// The accept loop is written here rather than taken from `axum::serve`, which
/// has no connection cap and no header-read or idle timeout.
pub async fn serve(
    app: Router,
    listener: tokio::net::TcpListener,
    settings: ServerConfig,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let idle_timeout = settings.idle_timeout;
    let max_connections = settings.max_connections;
    let app = app
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT));
    let connections = Arc::new(tokio::sync::Semaphore::new(max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = Arc::clone(&connections).acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(idle_timeout)
            .serve_connection(
                hyper_util::rt::TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(app.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
            drop(permit);
        });
    }
    if tokio::time::timeout(DRAIN_TIME, graceful.shutdown()).await.is_err() {
        tracing::debug!("closing connections still open after {}s", DRAIN_TIME.as_secs());
    }
    Ok(())
}

/// The routes of the pages, feeds, health and metrics.
pub fn router(site: Arc<Site>) -> Router {
    Router::new()
        .route("/style.css", get(stylesheet))
        .route("/", get(index))
        .route("/quotes/{id}", get(quote_page))
        .route("/sources/{name}", get(source_page))
        .route("/authors/{platform}/{handle}", get(author_page))
        .route("/feeds/{file}", get(feed_all))
        .route("/feeds/source/{file}", get(feed_source))
        .route("/feeds/author/{platform}/{file}", get(feed_author))
        .route("/tags/{name}", get(tag_page))
        .route("/feeds/tag/{file}", get(feed_tag))
        .route("/status", get(status_page))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(site)
}

/// At most this many responses are rendered at once (each on a blocking thread).
static RENDERING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Renders at the store's current revision, off the async threads.
async fn render_now(
    state: &Arc<Site>,
    revision: u64,
    render: impl FnOnce(&Store, u64) -> Result<Option<Rendered>, StoreError> + Send + 'static,
) -> Result<Option<Rendered>, StoreError> {
    let _permit = RENDERING.acquire().await.expect("the semaphore is never closed");
    let store = Arc::clone(&state.store);
    tokio::task::spawn_blocking(move || render(&store, revision)).await.expect("rendering does not panic")
}

/// Serves `key` from the cache, or renders it (once, however many ask at the
/// same time) at the current revision. `render` gives `None` for something that
/// does not exist.
async fn cached(
    state: &Arc<Site>,
    key: String,
    headers: &HeaderMap,
    render: impl FnOnce(&Store, u64) -> Result<Option<Rendered>, StoreError> + Send + 'static,
    missing: &str,
) -> Response {
    let revision = state.store.revision();
    match state.cache.get_or_render(key, revision, render_now(state, revision, render)).await {
        Ok(Some(rendered)) => rendered.respond(headers).await,
        Ok(None) => not_found(missing),
        Err(e) => server_error(&e),
    }
}

/// Renders without keeping the result (a feed size that is not worth a place in
/// the cache).
async fn uncached(
    state: &Arc<Site>,
    headers: &HeaderMap,
    render: impl FnOnce(&Store, u64) -> Result<Option<Rendered>, StoreError> + Send + 'static,
    missing: &str,
) -> Response {
    let revision = state.store.revision();
    match render_now(state, revision, render).await {
        Ok(Some(rendered)) => Arc::new(rendered).respond(headers).await,
        Ok(None) => not_found(missing),
        Err(e) => server_error(&e),
    }
}

#[derive(Debug, Deserialize)]
struct FeedQuery {
    limit: Option<String>,
}

/// `NAME.ext` → (`NAME`, format).
fn split_file(file: &str) -> Option<(&str, Format)> {
    let (name, extension) = file.rsplit_once('.')?;
    Some((name, Format::from_extension(extension)?))
}

/// A feed request: which feed, format and size, rendered through the cache.
async fn feed(state: Arc<Site>, headers: HeaderMap, kind: FeedRequest, format: Format, query: FeedQuery) -> Response {
    let started = Instant::now();
    let limit = match query.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return bad_request(&format!("limit must be a number from 1 to {MAX_LIMIT}")),
    };
    let key = format!("{}.{}?limit={limit}", kind.key(), format.extension());
    let base = state.base();
    let missing = kind.missing();
    let render = move |store: &Store, revision| {
        let document = site::feed(store, &base, &kind, format, limit)?;
        Ok(document.map(|d| Rendered::new(revision, format.content_type(), FEED_MAX_AGE, d.last_modified, d.body)))
    };
    // Only the usual sizes are cached: a client cannot fill memory by asking for
    // every size from 1 to 500.
    let response = if CACHED_LIMITS.contains(&limit) {
        cached(&state, key, &headers, render, &missing).await
    } else {
        uncached(&state, &headers, render, &missing).await
    };
    metrics::counter!("quotefeed_feed_requests_total", "format" => format.extension(), "status" => response.status().as_u16().to_string()).increment(1);
    metrics::histogram!("quotefeed_feed_request_duration_seconds").record(started.elapsed().as_secs_f64());
    response
}

/// A feed file's request: `NAME.FORMAT` made into a feed request by `kind`.
async fn feed_file(
    state: Arc<Site>,
    headers: HeaderMap,
    file: &str,
    query: FeedQuery,
    kind: impl FnOnce(&str) -> Option<FeedRequest>,
    missing: &str,
) -> Response {
    match split_file(file).and_then(|(name, format)| Some((kind(name)?, format))) {
        Some((request, format)) => feed(state, headers, request, format, query).await,
        None => not_found(missing),
    }
}

async fn feed_all(
    State(state): State<Arc<Site>>,
    Path(file): Path<String>,
    Query(query): Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    let kind = |name: &str| (name == "all").then_some(FeedRequest::All);
    feed_file(state, headers, &file, query, kind, "no such feed (try /feeds/all.rss, .atom or .json)").await
}

async fn feed_source(
    State(state): State<Arc<Site>>,
    Path(file): Path<String>,
    Query(query): Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    let kind = |name: &str| Some(FeedRequest::Source(name.to_string()));
    feed_file(state, headers, &file, query, kind, "no such feed (the name ends in .rss, .atom or .json)").await
}

async fn feed_author(
    State(state): State<Arc<Site>>,
    Path((platform, file)): Path<(String, String)>,
    Query(query): Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(platform) = Platform::parse(&platform) else { return not_found(&format!("no platform \"{platform}\"")) };
    match split_file(&file) {
        Some((handle, format)) => {
            let handle = handle.trim_start_matches('@').to_string();
            feed(state, headers, FeedRequest::Author(platform, handle), format, query).await
        }
        None => not_found("no such feed (the handle ends in .rss, .atom or .json)"),
    }
}

async fn feed_tag(
    State(state): State<Arc<Site>>,
    Path(file): Path<String>,
    Query(query): Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    let kind = |name: &str| Some(FeedRequest::Tag(name.to_string()));
    feed_file(state, headers, &file, query, kind, "no such feed (the tag ends in .rss, .atom or .json)").await
}

fn page(revision: u64, document: site::Document) -> Rendered {
    Rendered::new(revision, "text/html; charset=utf-8", PAGE_MAX_AGE, document.last_modified, document.body)
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    /// The page asked for (1 by default), or `None` for a bad one.
    fn number(&self) -> Option<usize> {
        match self.page.as_deref().map(str::parse::<usize>) {
            None => Some(1),
            Some(Ok(n)) if (1..=site::MAX_PAGE).contains(&n) => Some(n),
            Some(_) => None,
        }
    }
}

/// 400 for a bad `?page=`.
fn bad_page() -> Response {
    bad_request(&format!("page must be a number from 1 to {}", site::MAX_PAGE))
}

/// A page of a list: the first page through the cache, later ones rendered each
/// time (so that the cache holds one copy of each list, not one per page).
async fn list_page(
    state: &Arc<Site>,
    key: String,
    number: usize,
    headers: &HeaderMap,
    render: impl FnOnce(&Store, u64) -> Result<Option<Rendered>, StoreError> + Send + 'static,
    missing: &str,
) -> Response {
    if number == 1 {
        cached(state, key, headers, render, missing).await
    } else {
        uncached(state, headers, render, missing).await
    }
}

async fn index(State(state): State<Arc<Site>>, Query(query): Query<PageQuery>, headers: HeaderMap) -> Response {
    let Some(number) = query.number() else { return bad_page() };
    let base = state.base();
    let render = move |store: &Store, revision| Ok(Some(page(revision, site::index(store, &base, number)?)));
    list_page(&state, "/".into(), number, &headers, render, "").await
}

async fn quote_page(State(state): State<Arc<Site>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let base = state.base();
    let key = format!("quotes/{id}");
    let render = move |store: &Store, revision| Ok(site::quote(store, &base, &id)?.map(|d| page(revision, d)));
    cached(&state, key, &headers, render, "no such quote").await
}

async fn source_page(
    State(state): State<Arc<Site>>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let (key, missing) = (format!("sources/{name}"), format!("no source named \"{name}\""));
    named_list_page(state, query, headers, key, missing, name, site::source).await
}

/// Renders page N of the quotes of something named (`site::source`, `site::tag`).
type NamedPage = fn(&Store, &Url, &str, usize) -> Result<Option<site::Document>, StoreError>;

/// A page of the quotes of something named by one path segment (a source, a
/// hashtag), rendered by `render`.
async fn named_list_page(
    state: Arc<Site>,
    query: PageQuery,
    headers: HeaderMap,
    key: String,
    missing: String,
    name: String,
    render: NamedPage,
) -> Response {
    let Some(number) = query.number() else { return bad_page() };
    let base = state.base();
    let render = move |store: &Store, revision| Ok(render(store, &base, &name, number)?.map(|d| page(revision, d)));
    list_page(&state, key, number, &headers, render, &missing).await
}

async fn author_page(
    State(state): State<Arc<Site>>,
    Path((platform, handle)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(number) = query.number() else { return bad_page() };
    let Some(platform) = Platform::parse(&platform) else { return not_found(&format!("no platform \"{platform}\"")) };
    let base = state.base();
    let missing = format!("no quotes of @{handle} on {}", platform.label());
    let key = format!("authors/{platform}/{}", handle.to_lowercase());
    let render = move |store: &Store, revision| {
        Ok(site::author(store, &base, platform, &handle, number)?.map(|d| page(revision, d)))
    };
    list_page(&state, key, number, &headers, render, &missing).await
}

async fn tag_page(
    State(state): State<Arc<Site>>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let (key, missing) = (format!("tags/{}", name.to_lowercase()), format!("no quotes tagged #{name}"));
    named_list_page(state, query, headers, key, missing, name, site::tag).await
}

/// The operator's status page: rendered on each request (it shows times).
async fn status_page(State(state): State<Arc<Site>>, headers: HeaderMap) -> Response {
    let base = state.base();
    let now = chrono::Utc::now().timestamp();
    let render = move |store: &Store, revision| Ok(Some(page(revision, site::status(store, &base, now)?)));
    uncached(&state, &headers, render, "").await
}

/// The pages' stylesheet.
async fn stylesheet() -> Response {
    (
        [("content-type", "text/css; charset=utf-8"), ("cache-control", "public, max-age=86400")],
        crate::publish::pages::STYLE,
    )
        .into_response()
}

/// 200 when the store answers.
async fn healthz(State(state): State<Arc<Site>>) -> Response {
    let store = Arc::clone(&state.store);
    match tokio::task::spawn_blocking(move || store.counts()).await.expect("counting does not panic") {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!("health check: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
        }
    }
}

/// Prometheus text format. The gauges are read from the store on each scrape, so
/// they are right after a restart too.
async fn metrics(State(state): State<Arc<Site>>) -> Response {
    let store = Arc::clone(&state.store);
    if let Ok(Ok((counts, (failing, queued)))) =
        tokio::task::spawn_blocking(move || Ok::<_, StoreError>((store.counts()?, store.health_counts()?))).await
    {
        metrics::gauge!("quotefeed_quotes").set(counts.quotes as f64);
        metrics::gauge!("quotefeed_articles").set(counts.articles as f64);
        metrics::gauge!("quotefeed_sources").set(counts.sources as f64);
        metrics::gauge!("quotefeed_citations").set(counts.citations as f64);
        metrics::gauge!("quotefeed_sources_failing").set(failing as f64);
        metrics::gauge!("quotefeed_delivery_queue").set(queued as f64);
    }
    ([("content-type", "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render()).into_response()
}
