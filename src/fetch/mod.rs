//! Fetching sources and pages: conditional GET, redirects (with permanent moves
//! reported), a cap on the body after decompression, a timeout, a user agent, and
//! bounded concurrency overall and per host. Local files are read with the same cap.

pub mod guard;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER,
};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use url::Url;

use crate::config::FetchConfig;

/// The `Accept` of ActivityPub requests: both media types servers answer to.
pub const ACTIVITY_ACCEPT: &str =
    "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// The two forms of HTTP signature an outgoing request can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// RFC 9421 (`Signature-Input` and `Signature`), tried first.
    Rfc9421,
    /// draft-cavage-http-signatures-12, which every fediverse server checks.
    Cavage,
}

/// Signs outgoing requests: an ActivityPub actor's HTTP signature. The fetcher
/// decides which scheme each host gets (see [`Fetcher::send_signed`]).
pub trait RequestSigner: Send + Sync {
    /// Adds `Date`, the body's digest when there is one, and the signature headers
    /// of `scheme` to an unsigned request (asynchronous: the key may have to be
    /// read or made first).
    fn sign<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        scheme: SignatureScheme,
    ) -> futures_util::future::BoxFuture<'a, Result<(), String>>;
}

/// How long the scheme a host accepted is remembered.
const KNOCK_MEMORY: Duration = Duration::from_secs(24 * 3600);

/// Whom a URL comes from, which decides where it may lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The operator's configuration: any address is fine.
    Configured,
    /// Feed content or a remote server (article links, embeds, ActivityPub): never
    /// private or local addresses, unless `allow_private_networks` is set.
    Remote,
}

/// Validators from the last full response, for a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditional {
    /// Sent as `If-None-Match`.
    pub etag: Option<String>,
    /// Sent as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A full response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Where the body came from, after redirects.
    pub final_url: Url,
    /// Set when every redirect on the way was permanent (301, 308): where the
    /// requested URL now lives.
    pub moved_to: Option<Url>,
    /// New validators.
    pub validators: Conditional,
    /// The body, decompressed.
    pub body: Bytes,
}

/// The result of a fetch.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// `304 Not Modified` (or an unchanged local file).
    NotModified {
        /// Where the requested URL now lives, after permanent redirects.
        moved_to: Option<Url>,
    },
    /// A full response.
    Full(Response),
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status.
    #[error("HTTP {status}{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    Status {
        /// The status code.
        status: u16,
        /// What `Retry-After` asked for.
        retry_after: Option<Duration>,
    },
    /// The body was larger than allowed.
    #[error("response larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The request took longer than allowed.
    #[error("timed out after {}s", .0.as_secs())]
    Timeout(Duration),
    /// Too many redirects.
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// The private-network guard refused the URL.
    #[error("{0}")]
    Refused(String),
    /// DNS, connection or protocol failure.
    #[error("{0}")]
    Network(String),
    /// A local file could not be read.
    #[error("cannot read {0}")]
    File(String),
}

impl FetchError {
    /// How long the server asked us to wait, for 429 and 503.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The `Host` header value for a URL (the port only when it is not the default):
/// also how servers are told apart, by `host:port`.
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// The redirects a fetch has followed so far: where the resource moved to, while
/// every one of them was permanent.
struct Moves {
    moved_to: Option<Url>,
    all_permanent: bool,
}

/// What one request of a fetch led to.
enum Hop {
    /// The final answer.
    Done(Fetched),
    /// A redirect to follow.
    Redirect(Url),
}

/// The HTTP client with its limits. Cheap to share behind an `Arc`.
pub struct Fetcher {
    configured: reqwest::Client,
    remote: reqwest::Client,
    guard_remote: bool,
    max_bytes: u64,
    max_redirects: usize,
    timeout: Duration,
    global: Arc<Semaphore>,
    per_host: Mutex<HashMap<String, Arc<Semaphore>>>,
    per_host_limit: usize,
    /// The signature scheme each host (`host:port`) accepted last.
    knocks: moka::sync::Cache<String, SignatureScheme>,
}

static INSTALL_CRYPTO: Once = Once::new();

impl Fetcher {
    /// A fetcher with the configured limits.
    pub fn new(config: &FetchConfig) -> Result<Fetcher, String> {
        INSTALL_CRYPTO.call_once(|| {
            // Fails only if another provider is installed already, which is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let client = |guard: bool| {
            reqwest::Client::builder()
                .user_agent(&config.user_agent)
                .redirect(reqwest::redirect::Policy::none())
                // A proxy from HTTP(S)_PROXY would resolve names itself and pass
                // the private-network guard by.
                .no_proxy()
                .timeout(config.timeout)
                .connect_timeout(config.timeout.min(Duration::from_secs(10)))
                .pool_idle_timeout(Duration::from_secs(30))
                .dns_resolver(guard::Resolver::new(config.hosts.clone(), guard))
                .build()
                .map_err(|e| format!("cannot set up the HTTP client: {e}"))
        };
        let guard_remote = !config.allow_private_networks;
        Ok(Fetcher {
            configured: client(false)?,
            remote: client(guard_remote)?,
            guard_remote,
            max_bytes: config.max_bytes,
            max_redirects: config.max_redirects,
            timeout: config.timeout,
            global: Arc::new(Semaphore::new(config.concurrency)),
            per_host: Mutex::new(HashMap::new()),
            per_host_limit: config.per_host_concurrency,
            knocks: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(KNOCK_MEMORY).build(),
        })
    }

    /// The client for URLs of this origin (for callers that build their own
    /// requests, such as signed ActivityPub requests).
    pub fn client(&self, origin: Origin) -> &reqwest::Client {
        match origin {
            Origin::Configured => &self.configured,
            Origin::Remote => &self.remote,
        }
    }

    /// Refuses a remote URL that names a private or local address.
    pub fn check_remote(&self, url: &Url) -> Result<(), FetchError> {
        if self.guard_remote {
            guard::check_url(url).map_err(FetchError::Refused)?;
        }
        Ok(())
    }

    fn host_limit(&self, url: &Url) -> Arc<Semaphore> {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let mut map = self.per_host.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 4096 {
            map.retain(|_, s| Arc::strong_count(s) > 1);
        }
        Arc::clone(map.entry(host).or_insert_with(|| Arc::new(Semaphore::new(self.per_host_limit))))
    }

    /// GETs a URL, following redirects, with `Accept` and conditional headers.
    pub async fn get(
        &self,
        url: &Url,
        origin: Origin,
        accept: &str,
        conditional: &Conditional,
    ) -> Result<Fetched, FetchError> {
        self.get_as(url, origin, accept, conditional, None).await
    }

    /// [`Fetcher::get`] with every request (each redirect too) signed by `signer`:
    /// servers in "authorized fetch" mode answer only signed GETs.
    pub async fn get_signed(&self, url: &Url, accept: &str, signer: &dyn RequestSigner) -> Result<Fetched, FetchError> {
        self.get_as(url, Origin::Remote, accept, &Conditional::default(), Some(signer)).await
    }

    async fn get_as(
        &self,
        url: &Url,
        origin: Origin,
        accept: &str,
        conditional: &Conditional,
        signer: Option<&dyn RequestSigner>,
    ) -> Result<Fetched, FetchError> {
        let _permit = self.global.acquire().await.expect("the semaphore is never closed");
        let result = self.follow(url, origin, accept, conditional, signer).await;
        let status = match &result {
            Ok(Fetched::Full(_)) => "200".to_string(),
            Ok(Fetched::NotModified { .. }) => "304".to_string(),
            Err(FetchError::Status { status, .. }) => status.to_string(),
            Err(FetchError::TooLarge { .. }) => "too_large".to_string(),
            Err(FetchError::Timeout(_)) => "timeout".to_string(),
            Err(FetchError::TooManyRedirects(_)) => "redirects".to_string(),
            Err(FetchError::Refused(_)) => "refused".to_string(),
            Err(FetchError::Network(_) | FetchError::File(_)) => "network".to_string(),
        };
        metrics::counter!("quotefeed_fetches_total", "result" => status).increment(1);
        result
    }

    async fn follow(
        &self,
        url: &Url,
        origin: Origin,
        accept: &str,
        conditional: &Conditional,
        signer: Option<&dyn RequestSigner>,
    ) -> Result<Fetched, FetchError> {
        let client = self.client(origin);
        let mut current = url.clone();
        let mut moves = Moves { moved_to: None, all_permanent: true };
        // The time limit runs from when the first request can be sent: waiting for
        // a host's other requests to finish (a slow source on the same host) does
        // not count against this one.
        let mut deadline: Option<tokio::time::Instant> = None;
        for _ in 0..=self.max_redirects {
            if origin == Origin::Remote {
                self.check_remote(&current)?;
            }
            let host_limit = self.host_limit(&current);
            let _host_permit = host_limit.acquire().await.expect("the semaphore is never closed");
            let deadline = *deadline.get_or_insert_with(|| tokio::time::Instant::now() + self.timeout);
            let exchange = self.exchange(client, &current, accept, conditional, signer, &mut moves);
            match tokio::time::timeout_at(deadline, exchange).await {
                Err(_) => return Err(FetchError::Timeout(self.timeout)),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(Hop::Done(fetched))) => return Ok(fetched),
                Ok(Ok(Hop::Redirect(next))) => current = next,
            }
        }
        Err(FetchError::TooManyRedirects(self.max_redirects))
    }

    /// One request of a [`Fetcher::get`]: the answer, or where it redirects.
    async fn exchange(
        &self,
        client: &reqwest::Client,
        current: &Url,
        accept: &str,
        conditional: &Conditional,
        signer: Option<&dyn RequestSigner>,
        moves: &mut Moves,
    ) -> Result<Hop, FetchError> {
        let mut request = client.get(current.clone()).header(ACCEPT, accept);
        if let Some(etag) = &conditional.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &conditional.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
        let request = request.build().map_err(|e| network_error(&e, self.timeout))?;
        let response = match signer {
            Some(signer) => self.knock(client, request, signer).await?,
            None => client.execute(request).await.map_err(|e| network_error(&e, self.timeout))?,
        };
        let status = response.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            let next = header(response.headers(), LOCATION)
                .and_then(|location| current.join(&location).ok())
                .ok_or_else(|| FetchError::Network(format!("HTTP {} without a usable Location", status.as_u16())))?;
            moves.all_permanent &= matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT);
            if moves.all_permanent {
                moves.moved_to = Some(next.clone());
            }
            return Ok(Hop::Redirect(next));
        }
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Hop::Done(Fetched::NotModified { moved_to: moves.moved_to.clone() }));
        }
        if !status.is_success() {
            let retry_after = header(response.headers(), RETRY_AFTER).and_then(|v| parse_retry_after(&v));
            return Err(FetchError::Status { status: status.as_u16(), retry_after });
        }
        let validators = Conditional {
            etag: header(response.headers(), ETAG),
            last_modified: header(response.headers(), LAST_MODIFIED),
        };
        let body = self.read_body(response).await?;
        Ok(Hop::Done(Fetched::Full(Response {
            final_url: current.clone(),
            moved_to: moves.moved_to.clone(),
            validators,
            body,
        })))
    }

    /// Sends an unsigned request signed by `signer` (an ActivityPub POST or GET),
    /// within the same limits as [`Fetcher::get`]: the private-network guard, the
    /// concurrency limits, the timeout and the body cap. Redirects are not
    /// followed. Returns the status and the body.
    pub async fn send_signed(
        &self,
        request: reqwest::Request,
        signer: &dyn RequestSigner,
    ) -> Result<(u16, Bytes), FetchError> {
        self.check_remote(request.url())?;
        let _permit = self.global.acquire().await.expect("the semaphore is never closed");
        let host_limit = self.host_limit(request.url());
        let _host_permit = host_limit.acquire().await.expect("the semaphore is never closed");
        let exchange = async {
            let response = self.knock(self.client(Origin::Remote), request, signer).await?;
            let status = response.status().as_u16();
            Ok((status, self.read_body(response).await?))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(self.timeout)),
        }
    }

    /// Sends a request signed the way its host accepts: RFC 9421 first, and when
    /// the host refuses that (400, 401 or 403) the same request again in
    /// draft-cavage form. The scheme that worked is remembered for the host, so
    /// the second knock is paid once a day, not on every request.
    async fn knock(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        signer: &dyn RequestSigner,
    ) -> Result<reqwest::Response, FetchError> {
        let host = host_header(request.url());
        let first = self.knocks.get(&host).unwrap_or(SignatureScheme::Rfc9421);
        let second = (first == SignatureScheme::Rfc9421).then(|| request.try_clone()).flatten();
        let send = |mut request: reqwest::Request, scheme: SignatureScheme| async move {
            signer.sign(&mut request, scheme).await.map_err(FetchError::Network)?;
            client.execute(request).await.map_err(|e| network_error(&e, self.timeout))
        };
        let response = send(request, first).await?;
        let refused = matches!(response.status().as_u16(), 400 | 401 | 403);
        let response = match second {
            Some(second) if refused => {
                drop(response);
                let response = send(second, SignatureScheme::Cavage).await?;
                if response.status().is_success() {
                    self.knocks.insert(host, SignatureScheme::Cavage);
                }
                return Ok(response);
            }
            _ => response,
        };
        if response.status().is_success() {
            self.knocks.insert(host, first);
        }
        Ok(response)
    }

    /// Reads a body, stopping as soon as it passes the limit (so a 2 GB response
    /// costs at most the limit).
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Bytes, FetchError> {
        let limit = self.max_bytes;
        if response.content_length().is_some_and(|n| n > limit) && response.headers().get("content-encoding").is_none()
        {
            return Err(FetchError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| network_error(&e, self.timeout))? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }

    /// Reads a local file with the same size limit; it counts as unchanged when its
    /// hash equals the stored `etag`.
    pub async fn read_file(&self, path: &Path, conditional: &Conditional) -> Result<Fetched, FetchError> {
        let name = path.display().to_string();
        let metadata = tokio::fs::metadata(path).await.map_err(|e| FetchError::File(format!("{name}: {e}")))?;
        if metadata.len() > self.max_bytes {
            return Err(FetchError::TooLarge { limit: self.max_bytes });
        }
        let body = tokio::fs::read(path).await.map_err(|e| FetchError::File(format!("{name}: {e}")))?;
        let hash = format!("\"sha256:{}\"", hex::encode(Sha256::digest(&body)));
        if conditional.etag.as_deref() == Some(hash.as_str()) {
            return Ok(Fetched::NotModified { moved_to: None });
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let final_url =
            Url::from_file_path(&absolute).map_err(|()| FetchError::File(format!("{name}: not a file path")))?;
        Ok(Fetched::Full(Response {
            final_url,
            moved_to: None,
            validators: Conditional { etag: Some(hash), last_modified: None },
            body: Bytes::from(body),
        }))
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// `Retry-After`: a number of seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.signed_duration_since(chrono::Utc::now()).num_seconds();
    Some(Duration::from_secs(wait.max(0) as u64))
}

/// A readable message for a client error, including what the resolver said.
fn network_error(error: &reqwest::Error, timeout: Duration) -> FetchError {
    if error.is_timeout() {
        return FetchError::Timeout(timeout);
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.starts_with("refusing to connect") {
            return FetchError::Refused(text);
        }
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    FetchError::Network(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
