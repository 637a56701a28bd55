//! What the polling benchmarks share: a loopback server for their feeds.

/// Serves `feeds[n]` at `/feed/{n}` on loopback, each with an `ETag` that a
/// conditional request matches (304), on a runtime of its own. Returns the runtime
/// (keep it alive while polling) and the port.
pub fn serve_feeds(feeds: Vec<String>) -> (tokio::runtime::Runtime, u16) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let feeds = std::sync::Arc::new(feeds);
    let app = axum::Router::new().route(
        "/feed/{n}",
        axum::routing::get(
            move |axum::extract::Path(n): axum::extract::Path<usize>, headers: axum::http::HeaderMap| {
                let feeds = std::sync::Arc::clone(&feeds);
                async move {
                    use axum::response::IntoResponse;
                    let etag = format!("\"v1-{n}\"");
                    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                        return (axum::http::StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
                    }
                    ([("content-type", "application/rss+xml".to_string()), ("etag", etag)], feeds[n].clone())
                        .into_response()
                }
            },
        ),
    );
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (runtime, port)
}
