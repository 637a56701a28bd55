//! Rendered responses, cached per URL until the store changes: the bytes, their
//! compressed forms (made once, on first demand), a strong `ETag` from the content,
//! and `Last-Modified`. Answers `If-None-Match` and `If-Modified-Since` with 304.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock, RwLock};

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Most cached responses kept (feeds of every author at every limit could be many).
const MAX_ENTRIES: usize = 2048;

/// A rendered response.
#[derive(Debug)]
pub struct Rendered {
    /// The store revision it was rendered at.
    pub revision: u64,
    content_type: &'static str,
    max_age: u32,
    last_modified: Option<DateTime<Utc>>,
    /// The content hash, the `ETag` of the uncompressed bytes.
    tag: String,
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl Rendered {
    /// A response body rendered at `revision`.
    pub fn new(
        revision: u64,
        content_type: &'static str,
        max_age: u32,
        last_modified: Option<DateTime<Utc>>,
        body: Vec<u8>,
    ) -> Rendered {
        let tag = hex::encode(&Sha256::digest(&body)[..12]);
        Rendered {
            revision,
            content_type,
            max_age,
            last_modified,
            tag,
            identity: Bytes::from(body),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    fn encoded(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => self.identity.clone(),
            Encoding::Gzip => self
                .gzip
                .get_or_init(|| {
                    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                    encoder.write_all(&self.identity).expect("writing to memory does not fail");
                    Bytes::from(encoder.finish().expect("writing to memory does not fail"))
                })
                .clone(),
            Encoding::Brotli => self
                .brotli
                .get_or_init(|| {
                    let mut out = Vec::new();
                    let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                    encoder.write_all(&self.identity).expect("writing to memory does not fail");
                    drop(encoder);
                    Bytes::from(out)
                })
                .clone(),
        }
    }

    /// The response to a request with these headers: 304 when the client's copy is
    /// current, else the body in the best encoding it accepts.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let encoding = Encoding::negotiate(request);
        let etag = format!("\"{}{}\"", self.tag, encoding.tag_suffix());
        let mut headers = HeaderMap::new();
        headers.insert(ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header"));
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_str(&format!("public, max-age={}", self.max_age)).expect("a valid header"),
        );
        headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Some(modified) = self.last_modified {
            let text = super::http_date(modified);
            headers.insert(LAST_MODIFIED, HeaderValue::from_str(&text).expect("a date is a valid header"));
        }
        if self.not_modified(request) {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            *response.headers_mut() = headers;
            return response;
        }
        let body = self.encoded(encoding);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        if let Some(name) = encoding.header() {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        let mut response = Response::new(Body::from(body));
        *response.headers_mut() = headers;
        response
    }

    /// `If-None-Match` (any of our tags, in any encoding) wins over
    /// `If-Modified-Since`, as RFC 9110 says.
    fn not_modified(&self, request: &HeaderMap) -> bool {
        if let Some(tags) = request.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
            return tags.split(',').map(str::trim).any(|tag| {
                let tag = tag.trim_start_matches("W/").trim_matches('"');
                tag == "*" || tag.split('-').next() == Some(self.tag.as_str())
            });
        }
        match (request.get(IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()), self.last_modified) {
            (Some(since), Some(modified)) => DateTime::parse_from_rfc2822(since.trim())
                .map(|since| modified.timestamp() <= since.timestamp())
                .unwrap_or(false),
            _ => false,
        }
    }
}

/// A content coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The best coding the request accepts: Brotli, then gzip, then none.
    fn negotiate(request: &HeaderMap) -> Encoding {
        let Some(accept) = request.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
            return Encoding::Identity;
        };
        let accepts = |name: &str| {
            accept.split(',').any(|part| {
                let mut pieces = part.split(';');
                let coding = pieces.next().unwrap_or("").trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                coding.eq_ignore_ascii_case(name) && q > 0.0
            })
        };
        if accepts("br") {
            Encoding::Brotli
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    /// Each coding is a representation of its own, with its own strong tag.
    fn tag_suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gz",
            Encoding::Brotli => "-br",
        }
    }
}

/// The cache of rendered responses, by path and query.
#[derive(Debug, Default)]
pub struct Cache {
    entries: RwLock<HashMap<String, Arc<Rendered>>>,
}

impl Cache {
    /// The cached response for `key` if it was rendered at `revision`.
    pub fn get(&self, key: &str, revision: u64) -> Option<Arc<Rendered>> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries.get(key).filter(|r| r.revision == revision).cloned()
    }

    /// Keeps a rendered response.
    pub fn put(&self, key: String, rendered: Arc<Rendered>) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let revision = rendered.revision;
            entries.retain(|_, r| r.revision == revision);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, rendered);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    fn rendered() -> Rendered {
        let modified = DateTime::parse_from_rfc3339("2019-11-12T17:45:12Z").unwrap().with_timezone(&Utc);
        Rendered::new(1, "application/atom+xml; charset=utf-8", 300, Some(modified), b"<feed/>".repeat(200))
    }

    #[test]
    fn conditional_requests() {
        let r = rendered();
        let first = r.respond(&request(&[]));
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()[ETAG].to_str().unwrap().to_string();
        assert_eq!(r.respond(&request(&[("if-none-match", &etag)])).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.respond(&request(&[("if-none-match", "\"other\", W/\"nope\"")])).status(), StatusCode::OK);
        let since = "Tue, 12 Nov 2019 17:45:12 GMT";
        assert_eq!(first.headers()[LAST_MODIFIED], since);
        assert_eq!(r.respond(&request(&[("if-modified-since", since)])).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(
            r.respond(&request(&[("if-modified-since", "Mon, 11 Nov 2019 00:00:00 GMT")])).status(),
            StatusCode::OK
        );
        // If-None-Match decides when both are sent.
        assert_eq!(
            r.respond(&request(&[("if-none-match", "\"other\""), ("if-modified-since", since)])).status(),
            StatusCode::OK
        );
    }

    #[test]
    fn compression_by_accept_encoding() {
        let r = rendered();
        let gzip = r.respond(&request(&[("accept-encoding", "gzip, deflate")]));
        assert_eq!(gzip.headers()[CONTENT_ENCODING], "gzip");
        assert!(gzip.headers()[ETAG].to_str().unwrap().ends_with("-gz\""));
        let br = r.respond(&request(&[("accept-encoding", "gzip, br")]));
        assert_eq!(br.headers()[CONTENT_ENCODING], "br");
        let none = r.respond(&request(&[("accept-encoding", "br;q=0, identity")]));
        assert!(none.headers().get(CONTENT_ENCODING).is_none());
        // A tag from one encoding validates the others (same content).
        let tag = br.headers()[ETAG].to_str().unwrap().to_string();
        assert_eq!(r.respond(&request(&[("if-none-match", &tag)])).status(), StatusCode::NOT_MODIFIED);
    }
}
