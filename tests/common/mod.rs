//! Shared test helpers: a remote web server on loopback whose answers each test
//! sets, a scratch directory with a configuration file, the real `quotefeed` binary,
//! and read access to the SQLite file it writes.
#![allow(dead_code)] // each test binary uses part of this

pub mod fediverse;

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// What the remote server answers on a path.
#[derive(Clone, Debug)]
pub enum Route {
    /// A document with an `ETag`; `If-None-Match` with that tag gets 304.
    Document { body: String, content_type: &'static str, etag: String },
    /// The same, after a delay.
    Slow { body: String, content_type: &'static str, delay: Duration },
    /// An error status, with an optional `Retry-After`.
    Status { status: u16, retry_after: Option<&'static str> },
    /// A redirect.
    Redirect { status: u16, to: String },
    /// A server that checks only draft-cavage signatures: 401 to a request with an
    /// RFC 9421 `Signature-Input`, `status` to the others.
    CavageOnly { status: u16 },
    /// A body that never ends, one byte a second.
    Drip,
    /// A body of 2 GB of zeros, generated as it is sent.
    Huge,
}

impl Route {
    /// A feed with an `ETag` made from its content.
    pub fn feed(body: impl Into<String>) -> Route {
        let body = body.into();
        let etag = format!("\"{:x}\"", fxhash(&body));
        Route::Document { body, content_type: "application/rss+xml; charset=utf-8", etag }
    }

    /// An HTML page.
    pub fn page(body: impl Into<String>) -> Route {
        Route::Document { body: body.into(), content_type: "text/html; charset=utf-8", etag: "\"page\"".into() }
    }

    /// ActivityStreams JSON.
    pub fn activity(body: impl Into<String>) -> Route {
        Route::Document { body: body.into(), content_type: "application/activity+json", etag: "\"json\"".into() }
    }
}

fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[derive(Default)]
struct RemoteState {
    routes: HashMap<String, Route>,
    hits: HashMap<String, usize>,
    requests: Vec<(String, HeaderMap)>,
    times: Vec<(String, Instant)>,
    bodies: Vec<(String, Vec<u8>)>,
    in_flight: HashMap<String, usize>,
    max_in_flight: HashMap<String, usize>,
}

/// A web server on loopback standing in for the sites quotefeed reads.
pub struct Remote {
    addr: SocketAddr,
    state: Arc<Mutex<RemoteState>>,
    _runtime: tokio::runtime::Runtime,
}

struct InFlight {
    state: Arc<Mutex<RemoteState>>,
    path: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(n) = self.state.lock().unwrap().in_flight.get_mut(&self.path) {
            *n -= 1;
        }
    }
}

impl Remote {
    /// Starts the server on a free port.
    pub fn start() -> Remote {
        Remote::start_on(0)
    }

    /// Starts the server on this port (0: any free one).
    pub fn start_on(port: u16) -> Remote {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let state = Arc::new(Mutex::new(RemoteState::default()));
        let shared = Arc::clone(&state);
        let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port))).unwrap();
        let addr = listener.local_addr().unwrap();
        let app =
            axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| {
                let state = Arc::clone(&shared);
                async move { answer(state, uri.path().to_string(), headers, body).await }
            });
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Remote { addr, state, _runtime: runtime }
    }

    /// The URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Sets what a path answers.
    pub fn set(&self, path: &str, route: Route) {
        self.state.lock().unwrap().routes.insert(path.to_string(), route);
    }

    /// How many requests a path received.
    pub fn hits(&self, path: &str) -> usize {
        self.state.lock().unwrap().hits.get(path).copied().unwrap_or(0)
    }

    /// The most requests to a path that were in flight at once.
    pub fn max_in_flight(&self, path: &str) -> usize {
        self.state.lock().unwrap().max_in_flight.get(path).copied().unwrap_or(0)
    }

    /// A header of the last request to a path.
    /// When each request to `path` arrived, in order.
    pub fn hit_times(&self, path: &str) -> Vec<Instant> {
        let state = self.state.lock().unwrap();
        state.times.iter().filter(|(p, _)| p == path).map(|(_, t)| *t).collect()
    }

    /// One header of every request to `path`, in order (`None` where it was absent).
    pub fn header_values(&self, path: &str, name: &str) -> Vec<Option<String>> {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, h)| h.get(name).map(|v| v.to_str().unwrap().to_string()))
            .collect()
    }

    pub fn last_header(&self, path: &str, name: &str) -> Option<String> {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .rev()
            .find(|(p, _)| p == path)
            .and_then(|(_, h)| h.get(name))
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// The bodies of the requests to a path, in order.
    pub fn bodies(&self, path: &str) -> Vec<Vec<u8>> {
        self.state.lock().unwrap().bodies.iter().filter(|(p, _)| p == path).map(|(_, b)| b.clone()).collect()
    }

    /// Every path requested, in order.
    pub fn paths(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.iter().map(|(p, _)| p.clone()).collect()
    }
}

async fn answer(state: Arc<Mutex<RemoteState>>, path: String, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let route = {
        let mut s = state.lock().unwrap();
        *s.hits.entry(path.clone()).or_default() += 1;
        s.requests.push((path.clone(), headers.clone()));
        s.times.push((path.clone(), Instant::now()));
        if !body.is_empty() {
            s.bodies.push((path.clone(), body.to_vec()));
        }
        let now = {
            let n = s.in_flight.entry(path.clone()).or_default();
            *n += 1;
            *n
        };
        let max = s.max_in_flight.entry(path.clone()).or_default();
        *max = (*max).max(now);
        s.routes.get(&path).cloned()
    };
    let _guard = InFlight { state, path };
    let Some(route) = route else { return (StatusCode::NOT_FOUND, "no such page").into_response() };
    match route {
        Route::Document { body, content_type, etag } => {
            if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
            }
            ([("content-type", content_type.to_string()), ("etag", etag)], body).into_response()
        }
        Route::Slow { body, content_type, delay } => {
            tokio::time::sleep(delay).await;
            ([("content-type", content_type)], body).into_response()
        }
        Route::Status { status, retry_after } => {
            let mut response = (StatusCode::from_u16(status).unwrap(), "error").into_response();
            if let Some(value) = retry_after {
                response.headers_mut().insert("retry-after", HeaderValue::from_static(value));
            }
            response
        }
        Route::Redirect { status, to } => (StatusCode::from_u16(status).unwrap(), [("location", to)]).into_response(),
        Route::CavageOnly { status } => {
            let status = if headers.contains_key("signature-input") { 401 } else { status };
            (StatusCode::from_u16(status).unwrap(), "").into_response()
        }
        Route::Drip => {
            let stream = futures_util::stream::unfold(0u32, |n| async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"<")), n + 1))
            });
            ([("content-type", "application/rss+xml")], Body::from_stream(stream)).into_response()
        }
        Route::Huge => {
            let chunk = bytes::Bytes::from(vec![b' '; 1 << 20]);
            let stream = futures_util::stream::iter((0..2048).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
            let mut response = ([("content-type", "application/rss+xml")], Body::from_stream(stream)).into_response();
            response.headers_mut().insert("content-length", HeaderValue::from(2u64 << 30));
            response
        }
    }
}

/// A scratch directory with a configuration file and the database.
pub struct Setup {
    pub dir: tempfile::TempDir,
}

impl Setup {
    /// A directory with `quotefeed.toml` holding `config` (plus `[storage] path =
    /// "quotefeed.db"` unless it sets one).
    pub fn new(config: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let setup = Setup { dir };
        setup.write_config(config);
        setup
    }

    /// Replaces the configuration. Unless it has a `[resolve]` section, embeds without
    /// text are resolved only where the post's own server is named in the article
    /// (Mastodon, Threads): tests never reach the platforms' real endpoints.
    pub fn write_config(&self, config: &str) {
        let mut text = config.to_string();
        if !text.contains("[storage]") {
            text = format!("[storage]\npath = \"quotefeed.db\"\n\n{text}");
        }
        if !text.contains("[resolve") {
            text = format!("{text}\n[resolve]\nplatforms = [\"mastodon\", \"threads\"]\n");
        }
        std::fs::write(self.config_path(), text).unwrap();
    }

    /// The configuration file.
    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("quotefeed.toml")
    }

    /// The database file.
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("quotefeed.db")
    }

    /// Runs `quotefeed ARGS --config …` to completion.
    pub fn quotefeed(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        let config = self.config_path();
        all.extend(["--config", config.to_str().unwrap()]);
        Command::new(env!("CARGO_BIN_EXE_quotefeed")).args(&all).output().unwrap()
    }

    /// `quotefeed poll`, returning stdout; panics with stderr if it fails.
    pub fn poll(&self) -> String {
        let output = self.quotefeed(&["poll"]);
        assert!(output.status.success(), "poll failed: {}{}", stdout(&output), stderr(&output));
        stdout(&output)
    }

    /// Starts `quotefeed run` in the background.
    pub fn run(&self) -> Daemon {
        let child = Command::new(env!("CARGO_BIN_EXE_quotefeed"))
            .args(["run", "--config", self.config_path().to_str().unwrap()])
            .env("QUOTEFEED_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Daemon { child: Some(child) }
    }

    /// The database, opened read-only.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(self.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
    }

    /// `SELECT COUNT(*) FROM table`.
    pub fn count(&self, table: &str) -> i64 {
        self.db().query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    /// The same, or `None` while the daemon is still creating the database.
    pub fn try_count(&self, table: &str) -> Option<i64> {
        let db =
            rusqlite::Connection::open_with_flags(self.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
        db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).ok()
    }

    /// The ids of all stored quotes, sorted.
    pub fn quote_ids(&self) -> Vec<String> {
        let db = self.db();
        let mut statement = db.prepare("SELECT id FROM quotes ORDER BY id").unwrap();
        statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    /// Checks the store is consistent: SQLite's integrity check passes, every quote is
    /// cited, every citation points at a quote and an article.
    pub fn assert_consistent(&self) {
        let db = self.db();
        let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(integrity, "ok");
        let orphans: i64 = db
            .query_row("SELECT COUNT(*) FROM quotes WHERE id NOT IN (SELECT quote_id FROM citations)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(orphans, 0, "quotes without citations");
        let dangling: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM citations WHERE quote_id NOT IN (SELECT id FROM quotes) OR article_id NOT IN (SELECT id FROM articles)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(dangling, 0, "citations of missing quotes or articles");
    }
}

/// `quotefeed run` in the background.
pub struct Daemon {
    child: Option<Child>,
}

impl Daemon {
    /// Its process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends a signal to the daemon.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args(["-s", signal, &pid]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the daemon to exit, at most `limit`; returns its exit code and log.
    pub fn wait(&mut self, limit: Duration) -> (Option<i32>, String) {
        let mut child = self.child.take().unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > limit {
                child.kill().unwrap();
                let mut log = String::new();
                child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
                panic!("the daemon did not exit within {limit:?}; log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut log = String::new();
        child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
        (status.code(), log)
    }

    /// Stops the daemon with SIGKILL.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until `condition` holds, at most `limit`.
pub fn wait_for(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Where a test fixture is.
pub fn fixture_path(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path)
}

/// A test fixture's text.
pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(fixture_path(path)).unwrap()
}

/// A free port on loopback (bound and released; the daemon binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An HTTP response, read raw (no automatic decompression).
pub struct Fetched {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Fetched {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends a request with these headers and returns the raw response.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Fetched {
    request_with_body(method, url, headers, Vec::new())
}

/// Sends a request with these headers and body and returns the raw response.
pub fn request_with_body(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Fetched {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
        let mut request = client.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        Fetched { status, headers, body }
    })
}

/// `GET url`.
pub fn get(url: &str) -> Fetched {
    request("GET", url, &[])
}

/// Starts `quotefeed run` on a free port with `sources` (TOML) and waits until the
/// store holds `quotes` quotes and the server answers. Returns the daemon and base URL.
pub fn serve(setup_sources: &str, quotes: i64) -> (Setup, Daemon, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/");
    let setup = Setup::new(&format!("[server]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"{base}\"\n{setup_sources}"));
    let daemon = start_serving(&setup, port, quotes);
    (setup, daemon, base)
}

/// Starts `quotefeed run` for a setup that listens on `port`, and waits until the
/// store holds `quotes` quotes and the server answers.
pub fn start_serving(setup: &Setup, port: u16, quotes: i64) -> Daemon {
    let daemon = setup.run();
    wait_for(Duration::from_secs(30), "the daemon to store the quotes and serve", || {
        setup.try_count("quotes").is_some_and(|n| n >= quotes)
            && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    daemon
}
