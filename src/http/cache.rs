//! Rendered responses, cached per URL until the store changes: the bytes, their
//! compressed forms (made once, on first demand, on a blocking thread), a strong
//! `ETag` from the content, and `Last-Modified`. Answers `If-None-Match` and
//! `If-Modified-Since` with 304.
//!
//! The cache is `moka`'s, bounded by bytes (each entry weighs its body and room
//! for its compressed forms), and coalesces concurrent misses of one URL into one
//! rendering.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

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

/// The most bytes of rendered responses kept in memory.
pub const CACHE_BYTES: u64 = 64 * 1024 * 1024;

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

    /// What the entry costs the cache: its bytes, room for its compressed forms
    /// (never larger than the original for text), and its bookkeeping.
    fn weight(&self) -> u32 {
        u32::try_from(self.identity.len().saturating_mul(2).saturating_add(512)).unwrap_or(u32::MAX)
    }

    /// The body in an encoding, compressed on a blocking thread the first time.
    async fn body(self: &Arc<Self>, encoding: Encoding) -> Bytes {
        let ready = match encoding {
            Encoding::Identity => Some(self.identity.clone()),
            Encoding::Gzip => self.gzip.get().cloned(),
            Encoding::Brotli => self.brotli.get().cloned(),
        };
        if let Some(bytes) = ready {
            return bytes;
        }
        let rendered = Arc::clone(self);
        tokio::task::spawn_blocking(move || rendered.encoded(encoding)).await.expect("compression does not panic")
    }

    /// The response to a request with these headers: 304 when the client's copy is
    /// current, else the body in the best encoding it accepts.
    pub async fn respond(self: &Arc<Self>, request: &HeaderMap) -> Response {
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
            let text = super::response::http_date(modified);
            headers.insert(LAST_MODIFIED, HeaderValue::from_str(&text).expect("a date is a valid header"));
        }
        if self.not_modified(request) {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            *response.headers_mut() = headers;
            return response;
        }
        let body = self.body(encoding).await;
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

/// The cache of rendered responses, by path and query, for one store revision at
/// a time. `None` records that there is nothing at that path.
pub struct Cache {
    entries: moka::future::Cache<String, Option<Arc<Rendered>>>,
    /// The revision the entries were rendered at.
    revision: AtomicU64,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache::with_capacity(CACHE_BYTES)
    }
}

impl Cache {
    /// A cache holding at most `bytes` of responses.
    pub fn with_capacity(bytes: u64) -> Cache {
        let entries = moka::future::Cache::builder()
            .max_capacity(bytes)
            .weigher(|key: &String, value: &Option<Arc<Rendered>>| {
                let key = u32::try_from(key.len()).unwrap_or(u32::MAX);
                value.as_ref().map_or(64, |r| r.weight()).saturating_add(key)
            })
            .build();
        Cache { entries, revision: AtomicU64::new(0) }
    }

    /// The response at `key` for the store's `revision`: cached, or rendered by
    /// `render` once however many ask at the same time. The first request at a
    /// new revision empties the cache.
    pub async fn get_or_render<F, E>(
        &self,
        key: String,
        revision: u64,
        render: F,
    ) -> Result<Option<Arc<Rendered>>, Arc<E>>
    where
        F: Future<Output = Result<Option<Rendered>, E>>,
        E: Send + Sync + 'static,
    {
        if self.revision.fetch_max(revision, Ordering::AcqRel) < revision {
            self.entries.invalidate_all();
        }
        let key = format!("{revision} {key}");
        self.entries.try_get_with(key, async move { render.await.map(|r| r.map(Arc::new)) }).await
    }

    /// Bytes held now (approximately: the cache settles its accounts lazily).
    pub fn weighted_size(&self) -> u64 {
        self.entries.weighted_size()
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

    fn rendered() -> Arc<Rendered> {
        let modified = DateTime::parse_from_rfc3339("2019-11-12T17:45:12Z").unwrap().with_timezone(&Utc);
        Arc::new(Rendered::new(1, "application/atom+xml; charset=utf-8", 300, Some(modified), b"<feed/>".repeat(200)))
    }

    #[tokio::test]
    async fn conditional_requests() {
        let r = rendered();
        let first = r.respond(&request(&[])).await;
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()[ETAG].to_str().unwrap().to_string();
        assert_eq!(r.respond(&request(&[("if-none-match", &etag)])).await.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.respond(&request(&[("if-none-match", "\"other\", W/\"nope\"")])).await.status(), StatusCode::OK);
        let since = "Tue, 12 Nov 2019 17:45:12 GMT";
        assert_eq!(first.headers()[LAST_MODIFIED], since);
        assert_eq!(r.respond(&request(&[("if-modified-since", since)])).await.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(
            r.respond(&request(&[("if-modified-since", "Mon, 11 Nov 2019 00:00:00 GMT")])).await.status(),
            StatusCode::OK
        );
        // If-None-Match decides when both are sent.
        assert_eq!(
            r.respond(&request(&[("if-none-match", "\"other\""), ("if-modified-since", since)])).await.status(),
            StatusCode::OK
        );
    }

    #[tokio::test]
    async fn compression_by_accept_encoding() {
        let r = rendered();
        let gzip = r.respond(&request(&[("accept-encoding", "gzip, deflate")])).await;
        assert_eq!(gzip.headers()[CONTENT_ENCODING], "gzip");
        assert!(gzip.headers()[ETAG].to_str().unwrap().ends_with("-gz\""));
        let br = r.respond(&request(&[("accept-encoding", "gzip, br")])).await;
        assert_eq!(br.headers()[CONTENT_ENCODING], "br");
        let none = r.respond(&request(&[("accept-encoding", "br;q=0, identity")])).await;
        assert!(none.headers().get(CONTENT_ENCODING).is_none());
        // A tag from one encoding validates the others (same content).
        let tag = br.headers()[ETAG].to_str().unwrap().to_string();
        assert_eq!(r.respond(&request(&[("if-none-match", &tag)])).await.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn the_cache_is_bounded_by_bytes() {
        let cache = Cache::with_capacity(1024 * 1024);
        for n in 0..100 {
            let render = async { Ok::<_, ()>(Some(Rendered::new(1, "text/plain", 1, None, vec![b'x'; 100_000]))) };
            assert!(cache.get_or_render(format!("/feed?limit={n}"), 1, render).await.unwrap().is_some());
        }
        cache.entries.run_pending_tasks().await;
        assert!(cache.weighted_size() <= 1024 * 1024, "{} bytes kept", cache.weighted_size());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_render_once() {
        let cache = Arc::new(Cache::with_capacity(1024 * 1024));
        let renders = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cache, renders) = (Arc::clone(&cache), Arc::clone(&renders));
            tasks.push(tokio::spawn(async move {
                let render = async move {
                    renders.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    Ok::<_, ()>(Some(Rendered::new(7, "text/plain", 1, None, b"feed".to_vec())))
                };
                cache.get_or_render("/feeds/all.atom".into(), 7, render).await.unwrap().unwrap().revision
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 7);
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1, "sixteen requests, one rendering");
        // A new revision renders anew.
        let render = async { Ok::<_, ()>(Some(Rendered::new(8, "text/plain", 1, None, b"new".to_vec()))) };
        assert_eq!(cache.get_or_render("/feeds/all.atom".into(), 8, render).await.unwrap().unwrap().revision, 8);
    }
}
