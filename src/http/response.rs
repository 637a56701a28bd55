//! Plain responses every route uses, pages, feeds and ActivityPub alike: one-line
//! text answers, HTTP dates, and the security headers every response carries. A
//! leaf: it imports nothing of quotefeed.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of every response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' https:";

/// A time as HTTP writes it (`Date`, `Last-Modified`): `Tue, 12 Nov 2019 17:45:12 GMT`.
pub fn http_date(time: DateTime<Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A plain-text response of one line.
pub fn text_response(status: StatusCode, message: &str) -> Response {
    (status, [("content-type", "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
}

/// 404, saying what was not found.
pub fn not_found(what: &str) -> Response {
    text_response(StatusCode::NOT_FOUND, &format!("404 Not Found: {what}"))
}

/// 400, saying what is wrong.
pub fn bad_request(what: &str) -> Response {
    text_response(StatusCode::BAD_REQUEST, &format!("400 Bad Request: {what}"))
}

/// 500; the error goes to the log, not to the client.
pub fn server_error(error: &dyn std::fmt::Display) -> Response {
    tracing::error!("{error}");
    text_response(StatusCode::INTERNAL_SERVER_ERROR, "500 Internal Server Error")
}

/// `router` with the headers every response carries: no script, no plugins, no
/// framing, styles and images only from here (images also over https), no
/// content sniffing, and no referrer sent to the sites quotes link to.
pub fn with_security_headers(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
}
