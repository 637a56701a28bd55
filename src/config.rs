//! The configuration: one TOML file (`config/quotefeed.toml` by default), every key
//! with a default, scalar keys overridable by `QUOTEFEED_SECTION_KEY` environment
//! variables. Errors name the file, the line and the key.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use quotefeed_extract::Platform;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::safety::Limits;
use crate::schedule::{DEFAULT_SCHEDULE, Schedule};

/// Where `quotefeed` looks for its configuration when no `--config` is given.
pub const DEFAULT_CONFIG_PATH: &str = "config/quotefeed.toml";

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// The HTTP server.
    pub server: ServerConfig,
    /// The SQLite store.
    pub storage: StorageConfig,
    /// How sources and pages are fetched.
    pub fetch: FetchConfig,
    /// ActivityPub.
    pub activitypub: ActivityPubConfig,
    /// Ceilings on what one quote may store.
    pub limits: Limits,
    /// How embeds without text are resolved into quotes.
    pub resolve: ResolveConfig,
    /// The configured sources.
    pub sources: Vec<SourceConfig>,
}

/// `[resolve]`: which platforms' embeds without text are fetched from the platform,
/// through which endpoints, how often and for how long answers are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolveConfig {
    /// Platforms whose textless embeds are resolved.
    pub platforms: Vec<Platform>,
    /// Meta's app access token (`APP_ID|CLIENT_TOKEN`) for Instagram and Facebook
    /// oEmbed; without it those two are not resolved.
    pub meta_access_token: Option<String>,
    /// How long an answer (or a post that is gone) is reused.
    pub cache_lifetime: Duration,
    /// Requests per minute to each platform.
    pub rate_limit: u32,
    /// Where each platform's public endpoint is.
    pub endpoints: ResolveEndpoints,
}

/// `[resolve.endpoints]`: the public, key-free endpoints the platforms' own embed
/// code uses (overridable for a proxy, a self-hosted AppView, or tests).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResolveEndpoints {
    /// X/Twitter's oEmbed.
    pub twitter: Url,
    /// TikTok's oEmbed.
    pub tiktok: Url,
    /// A Bluesky AppView's XRPC base.
    pub bluesky: Url,
    /// Meta's Instagram oEmbed.
    pub instagram: Url,
    /// Meta's Facebook post oEmbed.
    pub facebook: Url,
}

impl Default for ResolveEndpoints {
    fn default() -> Self {
        let url = |u: &str| Url::parse(u).expect("a valid default endpoint");
        ResolveEndpoints {
            twitter: url("https://publish.twitter.com/oembed"),
            tiktok: url("https://www.tiktok.com/oembed"),
            bluesky: url("https://public.api.bsky.app/"),
            instagram: url("https://graph.facebook.com/v22.0/instagram_oembed"),
            facebook: url("https://graph.facebook.com/v22.0/oembed_post"),
        }
    }
}

/// `[activitypub]`
#[derive(Debug, Clone)]
pub struct ActivityPubConfig {
    /// Whether the feeds are ActivityPub accounts (default: when `base_url` is https).
    pub enabled: bool,
    /// How long the first retry of a failed delivery waits; later ones wait longer
    /// (with the default one minute, retries go on for about two days).
    pub retry_base: Duration,
    /// Whether the accounts are `Service` actors (bots, the default) or `Person`s
    /// (which Bridgy Fed bridges to Bluesky).
    pub person_actors: bool,
}

/// `[server]`
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The public URL of the server (feeds and ActivityPub ids are built on it).
    pub base_url: Url,
    /// How long a client may take to send a request's headers, and how long a
    /// kept-alive connection may sit idle.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// What this process does (`role`): several processes can share one store.
    pub role: Role,
    /// How long a process holds a source it polls or a delivery it sends before
    /// another process may take it over (`lease`); renewed while the work goes on.
    pub lease: Duration,
}

/// What a `quotefeed run` process does, when several share one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Serves, polls and delivers (one process, the default).
    All,
    /// Polls the sources, delivers and tidies the store; serves nothing.
    Poller,
    /// Serves feeds, pages, actors and inboxes; polls and delivers nothing.
    Web,
}

impl Role {
    /// Whether this process answers HTTP.
    pub fn serves(self) -> bool {
        matches!(self, Role::All | Role::Web)
    }

    /// Whether this process polls, delivers and tidies.
    pub fn works(self) -> bool {
        matches!(self, Role::All | Role::Poller)
    }
}

/// `[storage]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// The SQLite database file (used when no `url` is set).
    pub path: PathBuf,
    /// A `postgres://` URL: the store is kept in PostgreSQL instead.
    pub url: Option<String>,
}

impl StorageConfig {
    /// Where the store is kept.
    pub fn location(&self) -> crate::store::Location {
        match &self.url {
            Some(url) => crate::store::Location::Postgres(url.clone()),
            None => crate::store::Location::Sqlite(self.path.clone()),
        }
    }
}

/// `[fetch]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// The `User-Agent` of every request.
    pub user_agent: String,
    /// Longest time one request may take, body included.
    pub timeout: Duration,
    /// Largest response body accepted, after decompression.
    pub max_bytes: u64,
    /// Most redirects followed for one request.
    pub max_redirects: usize,
    /// Most requests in flight at once.
    pub concurrency: usize,
    /// Most requests in flight to one host at once.
    pub per_host_concurrency: usize,
    /// Allow requests to loopback, private and link-local addresses for URLs taken
    /// from feed content (article pages, Mastodon posts). Configured sources may
    /// always be anywhere.
    pub allow_private_networks: bool,
    /// Fixed addresses for host names, like `/etc/hosts` (still subject to the
    /// private-network rule).
    pub hosts: BTreeMap<String, IpAddr>,
}

/// `[[sources]]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    /// Short unique name: used in URLs (`/feeds/source/NAME.atom`) and as the
    /// ActivityPub account name.
    pub name: String,
    /// Where the feed is.
    pub location: Location,
    /// When to poll it.
    pub schedule: Schedule,
    /// Fetch each article's page instead of relying on the feed's content.
    pub full_article: bool,
    /// CSS selector of the article body on those pages.
    pub content_selector: Option<String>,
    /// Whether the source is polled.
    pub enabled: bool,
}

/// Where a source's feed is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// On the web.
    Http(Url),
    /// A local file.
    File(PathBuf),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Http(url) => f.write_str(url.as_str()),
            Location::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A configuration error, with where it is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawConfig {
    server: RawServer,
    storage: RawStorage,
    fetch: RawFetch,
    activitypub: RawActivityPub,
    limits: Limits,
    resolve: RawResolve,
    sources: Vec<RawSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawActivityPub {
    enabled: Option<bool>,
    retry_base: Option<Spanned<DurationOrSeconds>>,
    actor_type: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawResolve {
    platforms: Option<Spanned<Vec<String>>>,
    meta_access_token: Option<String>,
    cache_lifetime: Option<Spanned<DurationOrSeconds>>,
    rate_limit: Option<u32>,
    endpoints: ResolveEndpoints,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawServer {
    listen: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    idle_timeout: Option<Spanned<DurationOrSeconds>>,
    max_connections: Option<usize>,
    role: Option<Spanned<String>>,
    lease: Option<Spanned<DurationOrSeconds>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawStorage {
    path: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawFetch {
    user_agent: Option<String>,
    timeout: Option<Spanned<DurationOrSeconds>>,
    max_bytes: Option<Spanned<SizeOrBytes>>,
    max_redirects: Option<usize>,
    concurrency: Option<usize>,
    per_host_concurrency: Option<usize>,
    allow_private_networks: Option<bool>,
    hosts: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DurationOrSeconds {
    Seconds(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SizeOrBytes {
    Bytes(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    url: Spanned<String>,
    schedule: Option<Spanned<String>>,
    #[serde(default)]
    full_article: bool,
    content_selector: Option<Spanned<String>>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// Validates `[resolve]`: known platform names, and a token for Meta's two.
fn resolve_config(raw: RawResolve, here: &Located<'_>, cache_lifetime: Duration) -> Result<ResolveConfig, ConfigError> {
    let token = raw.meta_access_token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let platforms = match &raw.platforms {
        None => {
            let mut all =
                vec![Platform::Twitter, Platform::Bluesky, Platform::Tiktok, Platform::Threads, Platform::Mastodon];
            if token.is_some() {
                all.extend([Platform::Instagram, Platform::Facebook]);
            }
            all
        }
        Some(listed) => {
            let mut platforms = Vec::new();
            for name in listed.get_ref() {
                match Platform::parse(name) {
                    Some(Platform::Blockquote) | None => {
                        return here.error(
                            listed.span(),
                            "[resolve] platforms",
                            format!("\"{name}\" is not one of twitter, bluesky, tiktok, threads, mastodon, instagram, facebook"),
                        );
                    }
                    Some(p @ (Platform::Instagram | Platform::Facebook)) if token.is_none() => {
                        return here.error(
                            listed.span(),
                            "[resolve] platforms",
                            format!(
                                "\"{}\" is resolved through Meta's oEmbed, which needs [resolve] meta_access_token",
                                p.as_str()
                            ),
                        );
                    }
                    Some(p) => platforms.push(p),
                }
            }
            platforms
        }
    };
    Ok(ResolveConfig {
        platforms,
        meta_access_token: token,
        cache_lifetime,
        rate_limit: raw.rate_limit.unwrap_or(60).max(1),
        endpoints: raw.endpoints,
    })
}

/// Parses a duration: `30s`, `2m`, `1h 30m`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("\"{text}\" is not a duration ({e}); write e.g. \"30s\" or \"2m\""))
}

/// Parses a size: `10 MiB`, `512 KB`, `1048576`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: f64 = number.parse().map_err(|_| format!("\"{text}\" is not a size; write e.g. \"10 MiB\""))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("\"{text}\": unknown unit \"{other}\"; use B, KB, KiB, MB, MiB, GB or GiB")),
    };
    Ok((number * factor as f64) as u64)
}

struct Located<'a> {
    file: &'a Path,
    source: &'a str,
}

impl Located<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.source[..offset.min(self.source.len())].matches('\n').count() + 1
    }

    fn error<T>(&self, span: std::ops::Range<usize>, key: &str, message: impl fmt::Display) -> Result<T, ConfigError> {
        Err(ConfigError(format!("{}:{}: {key}: {message}", self.file.display(), self.line_of(span.start))))
    }
}

impl Config {
    /// Reads the configuration file, applies `QUOTEFEED_*` overrides from the
    /// environment to it, and validates the result: an overridden value is
    /// checked, and a relative path resolved, exactly as if the file said it.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: cannot read the configuration: {e}", path.display())))?;
        Config::parse_with_environment(&text, path, std::env::vars())
    }

    /// [`Config::parse`] after applying environment overrides to the text.
    pub fn parse_with_environment(
        text: &str,
        path: &Path,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let (text, overridden) = apply_environment(text, path, vars)?;
        Config::parse(&text, path).map_err(|ConfigError(message)| {
            // Name the variable, not a line of the file, for a bad overridden value.
            let blamed = overridden.iter().find(|(key, _)| message.contains(&format!(": {key}: ")));
            match blamed {
                Some((key, variable)) => {
                    let detail = message.split_once(&format!(": {key}: ")).map_or(message.as_str(), |(_, d)| d);
                    ConfigError(format!("environment variable {variable}: {key}: {detail}"))
                }
                None => ConfigError(message),
            }
        })
    }

    /// Parses and validates configuration text; `path` locates errors and is the
    /// base of relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let here = Located { file: path, source: text };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| here.line_of(s.start));
            let key = e.span().and_then(|s| key_at(text, s.start));
            let message = e.message().trim().to_string();
            ConfigError(match (line, key) {
                (Some(line), Some(key)) => format!("{}:{line}: {key}: {message}", path.display()),
                (Some(line), None) => format!("{}:{line}: {message}", path.display()),
                _ => format!("{}: {message}", path.display()),
            })
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let resolve = |p: &str| {
            let p = PathBuf::from(p);
            if p.is_absolute() { p } else { dir.join(p) }
        };

        let listen = match &raw.server.listen {
            Some(l) => match resolve_listen(l.get_ref()) {
                Ok(addr) => addr,
                Err(e) => return here.error(l.span(), "[server] listen", e),
            },
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let listen_text =
            raw.server.listen.as_ref().map_or_else(|| listen.to_string(), |l| l.get_ref().trim().to_string());
        let base_url = match &raw.server.base_url {
            Some(b) => match Url::parse(b.get_ref()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => url,
                Ok(_) => return here.error(b.span(), "[server] base_url", "must be an http or https URL"),
                Err(e) => return here.error(b.span(), "[server] base_url", format!("\"{}\": {e}", b.get_ref())),
            },
            None => Url::parse(&format!("http://{listen_text}/"))
                .or_else(|_| Url::parse(&format!("http://{listen}/")))
                .expect("an address is a valid host"),
        };

        let f = raw.fetch;
        let duration = |value: &Option<Spanned<DurationOrSeconds>>, key: &str, default: u64| match value {
            Some(t) => match t.get_ref() {
                DurationOrSeconds::Seconds(s) => Ok(Duration::from_secs(*s)),
                DurationOrSeconds::Text(text) => match parse_duration(text) {
                    Ok(d) => Ok(d),
                    Err(e) => here.error(t.span(), key, e),
                },
            },
            None => Ok(Duration::from_secs(default)),
        };
        let timeout = duration(&f.timeout, "[fetch] timeout", 30)?;
        if let Some(t) = &f.timeout
            && timeout.is_zero()
        {
            return here.error(t.span(), "[fetch] timeout", "must be more than zero");
        }
        let activitypub = ActivityPubConfig {
            enabled: raw.activitypub.enabled.unwrap_or(base_url.scheme() == "https"),
            retry_base: duration(&raw.activitypub.retry_base, "[activitypub] retry_base", 60)?,
            person_actors: match &raw.activitypub.actor_type {
                None => false,
                Some(kind) => match kind.get_ref().to_ascii_lowercase().as_str() {
                    "service" => false,
                    "person" => true,
                    other => {
                        return here.error(
                            kind.span(),
                            "[activitypub] actor_type",
                            format!("\"{other}\" is not \"service\" or \"person\""),
                        );
                    }
                },
            },
        };
        let max_bytes = match &f.max_bytes {
            Some(m) => match m.get_ref() {
                SizeOrBytes::Bytes(b) => *b,
                SizeOrBytes::Text(text) => match parse_size(text) {
                    Ok(b) => b,
                    Err(e) => return here.error(m.span(), "[fetch] max_bytes", e),
                },
            },
            None => 10 * 1024 * 1024,
        };
        if let Some(m) = &f.max_bytes
            && max_bytes == 0
        {
            return here.error(m.span(), "[fetch] max_bytes", "must be more than zero");
        }
        let mut hosts = BTreeMap::new();
        for (name, address) in &f.hosts {
            match address.get_ref().parse::<IpAddr>() {
                Ok(ip) => hosts.insert(name.to_ascii_lowercase(), ip),
                Err(_) => return here.error(address.span(), &format!("[fetch.hosts] {name}"), "not an IP address"),
            };
        }
        let fetch = FetchConfig {
            user_agent: f.user_agent.unwrap_or_else(|| {
                format!("quotefeed/{} (+{})", env!("CARGO_PKG_VERSION"), base_url.as_str().trim_end_matches('/'))
            }),
            timeout,
            max_bytes,
            max_redirects: f.max_redirects.unwrap_or(5),
            concurrency: f.concurrency.unwrap_or(16).max(1),
            per_host_concurrency: f.per_host_concurrency.unwrap_or(2).max(1),
            allow_private_networks: f.allow_private_networks.unwrap_or(false),
            hosts,
        };

        let cache_lifetime = duration(&raw.resolve.cache_lifetime, "[resolve] cache_lifetime", 24 * 3600)?;
        let resolving = resolve_config(raw.resolve, &here, cache_lifetime)?;

        let mut sources: Vec<SourceConfig> = Vec::with_capacity(raw.sources.len());
        let mut schedules: BTreeMap<String, Schedule> = BTreeMap::new();
        for source in &raw.sources {
            let name = source.name.get_ref();
            if !is_valid_name(name) {
                return here.error(
                    source.name.span(),
                    "[[sources]] name",
                    format!(
                        "\"{name}\": use lowercase letters, digits, '-' and '_' (it appears in URLs), and not \"all\""
                    ),
                );
            }
            if sources.iter().any(|s| s.name == *name) {
                return here.error(source.name.span(), "[[sources]] name", format!("\"{name}\" is used twice"));
            }
            let url = source.url.get_ref().trim();
            if url.is_empty() {
                return here.error(source.url.span(), "[[sources]] url", "is empty: give a feed's URL or a file path");
            }
            let location = if url.starts_with("http://") || url.starts_with("https://") {
                match Url::parse(url) {
                    Ok(u) => Location::Http(u),
                    Err(e) => return here.error(source.url.span(), "[[sources]] url", format!("\"{url}\": {e}")),
                }
            } else if url.contains("://") {
                return here.error(
                    source.url.span(),
                    "[[sources]] url",
                    format!("\"{url}\": only http, https and file paths"),
                );
            } else {
                Location::File(resolve(url.strip_prefix("file:").unwrap_or(url)))
            };
            let schedule_text = source.schedule.as_ref().map_or(DEFAULT_SCHEDULE, |s| s.get_ref().as_str());
            let parsed = match schedules.get(schedule_text) {
                Some(schedule) => Ok(schedule.clone()),
                None => schedule_text.parse::<Schedule>(),
            };
            let schedule = match parsed {
                Ok(s) => {
                    schedules.insert(schedule_text.to_string(), s.clone());
                    s
                }
                Err(e) => {
                    let span = source.schedule.as_ref().map_or(source.name.span(), Spanned::span);
                    return here.error(span, "[[sources]] schedule", e);
                }
            };
            if let Some(selector) = &source.content_selector
                && !quotefeed_extract::is_valid_selector(selector.get_ref())
            {
                return here.error(
                    selector.span(),
                    "[[sources]] content_selector",
                    format!(
                        "\"{}\" is not a valid CSS selector (write e.g. \"article .entry-content\")",
                        selector.get_ref()
                    ),
                );
            }
            let content_selector = source.content_selector.as_ref().map(|s| s.get_ref().clone());
            sources.push(SourceConfig {
                name: name.clone(),
                location,
                schedule,
                full_article: source.full_article,
                content_selector,
                enabled: source.enabled,
            });
        }

        Ok(Config {
            path: path.to_path_buf(),
            server: ServerConfig {
                listen,
                base_url,
                idle_timeout: duration(&raw.server.idle_timeout, "[server] idle_timeout", 20)?,
                max_connections: raw.server.max_connections.unwrap_or(4096).max(1),
                role: match &raw.server.role {
                    None => Role::All,
                    Some(role) => match role.get_ref().to_ascii_lowercase().as_str() {
                        "all" => Role::All,
                        "poller" => Role::Poller,
                        "web" => Role::Web,
                        other => {
                            return here.error(
                                role.span(),
                                "[server] role",
                                format!("\"{other}\" is not \"all\", \"poller\" or \"web\""),
                            );
                        }
                    },
                },
                lease: match duration(&raw.server.lease, "[server] lease", 60)? {
                    lease if lease < Duration::from_secs(1) => {
                        let span = raw.server.lease.as_ref().map(Spanned::span).unwrap_or_default();
                        return here.error(span, "[server] lease", "must be at least 1s");
                    }
                    lease => lease,
                },
            },
            storage: StorageConfig {
                path: resolve(raw.storage.path.as_ref().map_or("quotefeed.db", |p| p.get_ref().as_str())),
                // A URL wins over a path, so QUOTEFEED_STORAGE_URL moves a configuration
                // that names a file onto PostgreSQL.
                url: match &raw.storage.url {
                    Some(url) => {
                        Some(postgres_url(url.get_ref()).or_else(|e| here.error(url.span(), "[storage] url", e))?)
                    }
                    None => None,
                },
            },
            fetch,
            activitypub,
            limits: raw.limits,
            resolve: resolving,
            sources,
        })
    }

    /// The configured source with this name.
    pub fn source(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// A PostgreSQL URL, checked: `postgres://` or `postgresql://`, in the form
/// the PostgreSQL client reads.
pub(crate) fn postgres_url(url: &str) -> Result<String, String> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err("must be a postgres:// URL".to_string());
    }
    url.parse::<postgres::Config>().map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
    Ok(url.to_string())
}

/// How an environment variable's value is written into the configuration.
#[derive(Debug, Clone, Copy)]
enum ValueKind {
    Text,
    Number,
    Flag,
}

/// The keys `QUOTEFEED_SECTION_KEY` variables override: (section, key, kind).
const OVERRIDABLE: &[(&str, &str, ValueKind)] = &[
    ("server", "listen", ValueKind::Text),
    ("server", "base_url", ValueKind::Text),
    ("server", "idle_timeout", ValueKind::Text),
    ("server", "max_connections", ValueKind::Number),
    ("storage", "path", ValueKind::Text),
    ("storage", "url", ValueKind::Text),
    ("fetch", "user_agent", ValueKind::Text),
    ("fetch", "timeout", ValueKind::Text),
    ("fetch", "max_bytes", ValueKind::Text),
    ("fetch", "max_redirects", ValueKind::Number),
    ("fetch", "concurrency", ValueKind::Number),
    ("fetch", "per_host_concurrency", ValueKind::Number),
    ("fetch", "allow_private_networks", ValueKind::Flag),
    ("activitypub", "enabled", ValueKind::Flag),
    ("activitypub", "retry_base", ValueKind::Text),
    ("limits", "quote_text", ValueKind::Number),
    ("limits", "quote_html", ValueKind::Number),
    ("limits", "name", ValueKind::Number),
    ("limits", "links", ValueKind::Number),
];

/// Writes `QUOTEFEED_SECTION_KEY` overrides into the configuration text (with
/// `toml_edit`, which keeps the rest of the file as it is, so errors elsewhere
/// keep their line numbers). Returns the new text and, per overridden key, its
/// label (`[fetch] timeout`) and variable. Done on the text rather than with a
/// layered-configuration crate (figment, config) so that every value, from the
/// file or the environment, passes the same validation with the same messages.
fn apply_environment(
    text: &str,
    path: &Path,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(String, Vec<(String, String)>), ConfigError> {
    let mut overrides: Vec<(String, String)> =
        vars.into_iter().filter(|(name, _)| name.starts_with("QUOTEFEED_")).collect();
    overrides.retain(|(name, _)| {
        OVERRIDABLE.iter().any(|(section, key, _)| *name == format!("QUOTEFEED_{}_{}", section, key).to_uppercase())
    });
    if overrides.is_empty() {
        return Ok((text.to_string(), Vec::new()));
    }
    let mut document: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ConfigError(format!("{}: {}", path.display(), e.message().trim())))?;
    let mut overridden = Vec::new();
    for (name, value) in overrides {
        let (section, key, kind) = OVERRIDABLE
            .iter()
            .find(|(section, key, _)| name == format!("QUOTEFEED_{}_{}", section, key).to_uppercase())
            .expect("kept above");
        let bad = |message: String| ConfigError(format!("environment variable {name}: {message}"));
        let item = match kind {
            ValueKind::Text => toml_edit::value(value.clone()),
            ValueKind::Number => {
                toml_edit::value(value.trim().parse::<i64>().map_err(|_| bad(format!("\"{value}\" is not a number")))?)
            }
            ValueKind::Flag => toml_edit::value(match value.trim() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                other => return Err(bad(format!("\"{other}\" is not true or false"))),
            }),
        };
        let table = document
            .entry(section)
            .or_insert_with(toml_edit::table)
            .as_table_like_mut()
            .ok_or_else(|| bad(format!("[{section}] is not a table in the file")))?;
        table.insert(key, item);
        overridden.push((format!("[{section}] {key}"), name));
    }
    Ok((document.to_string(), overridden))
}

/// The address to listen on: `IP:PORT`, `[IPv6]:PORT`, or `HOST:PORT` with a host
/// name resolved now (its first address).
fn resolve_listen(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let text = text.trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if text.rsplit_once(':').is_none_or(|(_, port)| port.parse::<u16>().is_err()) {
        return Err(format!("\"{text}\" is not HOST:PORT (e.g. \"127.0.0.1:8080\" or \"localhost:8080\")"));
    }
    text.to_socket_addrs()
        .map_err(|e| format!("\"{text}\": {e}"))?
        .next()
        .ok_or_else(|| format!("\"{text}\": the host name has no address"))
}

/// Source names appear in URLs and ActivityPub account names.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != crate::model::ALL_ACTOR
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_alphanumeric()
}

/// The key written on the line that holds `offset` (`schedule = …` gives
/// `[[sources]] schedule`), for errors that the TOML parser locates by value.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_string())?;
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|t| t.split('#').next().unwrap_or(t).trim().to_string());
    Some(match table {
        Some(table) => format!("{table} {key}"),
        None => key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("conf/quotefeed.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn every_key_has_a_default() {
        let config = parse("").unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.server.base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(config.storage.path, PathBuf::from("conf/quotefeed.db"));
        assert_eq!(config.fetch.timeout, Duration::from_secs(30));
        assert_eq!(config.fetch.max_bytes, 10 * 1024 * 1024);
        assert!(config.fetch.user_agent.starts_with("quotefeed/"));
        assert!(!config.fetch.allow_private_networks);
        assert!(config.sources.is_empty());
        assert!(!config.activitypub.enabled, "off for an http base URL");
        assert!(parse("[server]\nbase_url = \"https://q.example/\"\n").unwrap().activitypub.enabled, "on for https");
        assert_eq!(config.activitypub.retry_base, Duration::from_secs(60));
    }

    #[test]
    fn a_full_configuration() {
        let config = parse(
            r#"
[server]
listen = "0.0.0.0:9000"
base_url = "https://quotes.example/"
[storage]
path = "/var/lib/quotefeed/db.sqlite"
[fetch]
timeout = "1m"
max_bytes = "2 MiB"
concurrency = 4
[fetch.hosts]
"news.example" = "10.0.0.5"
[[sources]]
name = "world"
url = "https://news.example/feed/"
schedule = "0 9 * * 1"
full_article = true
content_selector = "article .entry-content"
[[sources]]
name = "local"
url = "sample/feed.xml"
enabled = false
"#,
        )
        .unwrap();
        assert_eq!(config.server.base_url.as_str(), "https://quotes.example/");
        assert_eq!(config.storage.path, PathBuf::from("/var/lib/quotefeed/db.sqlite"));
        assert_eq!(config.fetch.timeout, Duration::from_secs(60));
        assert_eq!(config.fetch.max_bytes, 2 * 1024 * 1024);
        assert_eq!(config.fetch.hosts["news.example"].to_string(), "10.0.0.5");
        assert_eq!(config.sources[0].location, Location::Http(Url::parse("https://news.example/feed/").unwrap()));
        assert_eq!(config.sources[0].schedule.to_string(), "0 9 * * 1");
        assert_eq!(config.sources[1].location, Location::File(PathBuf::from("conf/sample/feed.xml")));
        assert_eq!(config.sources[1].schedule.to_string(), DEFAULT_SCHEDULE);
        assert!(!config.sources[1].enabled);
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let cases = [
            (
                "[[sources]]\nname = \"a\"\nurl = \"x.xml\"\nschedule = \"every day\"\n",
                "conf/quotefeed.toml:4: [[sources]] schedule:",
            ),
            ("[fetch]\ntimeout = \"soon\"\n", "conf/quotefeed.toml:2: [fetch] timeout:"),
            ("[fetch]\n\nconcurrency = \"many\"\n", "conf/quotefeed.toml:3: [fetch] concurrency:"),
            ("[server]\nlisten = \"nowhere\"\n", "conf/quotefeed.toml:2: [server] listen:"),
            ("[fetch]\ntypo = 1\n", "conf/quotefeed.toml:2: [fetch] typo: unknown field `typo`"),
            ("[[sources]]\nname = \"Bad Name\"\nurl = \"x\"\n", "conf/quotefeed.toml:2: [[sources]] name:"),
            (
                "[[sources]]\nname = \"a\"\nurl = \"x\"\n[[sources]]\nname = \"a\"\nurl = \"y\"\n",
                "conf/quotefeed.toml:5: [[sources]] name: \"a\" is used twice",
            ),
            ("[[sources]]\nname = \"a\"\nurl = \"ftp://x\"\n", "conf/quotefeed.toml:3: [[sources]] url:"),
            (
                "[[sources]]\nname = \"a\"\nurl = \"x\"\ncontent_selector = \"<<\"\n",
                "conf/quotefeed.toml:4: [[sources]] content_selector:",
            ),
            ("[server\n", "conf/quotefeed.toml:1:"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.starts_with(expected), "{error:?} should start with {expected:?}");
        }
    }

    fn with_environment(text: &str, vars: &[(&str, &str)]) -> Result<Config, String> {
        let vars = vars.iter().map(|(n, v)| (n.to_string(), v.to_string()));
        Config::parse_with_environment(text, Path::new("conf/quotefeed.toml"), vars).map_err(|e| e.to_string())
    }

    #[test]
    fn environment_overrides() {
        let config = with_environment(
            "[server]\nlisten = \"127.0.0.1:1\" # kept comment\n",
            &[
                ("QUOTEFEED_SERVER_LISTEN", "127.0.0.1:2"),
                ("QUOTEFEED_FETCH_TIMEOUT", "5s"),
                ("QUOTEFEED_FETCH_ALLOW_PRIVATE_NETWORKS", "true"),
                ("QUOTEFEED_STORAGE_PATH", "data/q.db"),
                ("QUOTEFEED_LIMITS_QUOTE_TEXT", "100"),
                ("OTHER", "x"),
            ],
        )
        .unwrap();
        assert_eq!(config.server.listen.port(), 2);
        let named = parse("[server]\nlisten = \"localhost:9001\"\n").unwrap();
        assert!(named.server.listen.ip().is_loopback() && named.server.listen.port() == 9001);
        assert_eq!(named.server.base_url.as_str(), "http://localhost:9001/");
        assert_eq!(config.fetch.timeout, Duration::from_secs(5));
        assert!(config.fetch.allow_private_networks);
        assert_eq!(config.storage.path, PathBuf::from("conf/data/q.db"), "resolved like the file's own paths");
        assert_eq!(config.limits.quote_text, 100);
        assert_eq!(config.server.base_url.as_str(), "http://127.0.0.1:2/", "derived from the overridden listen");
        // A URL moves the store to PostgreSQL, over a path the file names.
        let postgres = with_environment(
            "[storage]\npath = \"q.db\"\n",
            &[("QUOTEFEED_STORAGE_URL", "postgres://q:secret@db/quotes")],
        )
        .unwrap();
        assert_eq!(
            postgres.storage.location(),
            crate::store::Location::Postgres("postgres://q:secret@db/quotes".into())
        );
        assert_eq!(postgres.storage.location().display(), "postgres://q:***@db/quotes", "shown without the password");
        // Overridden values are validated like the file's, and the error names the variable.
        for (name, value, expected) in [
            ("QUOTEFEED_FETCH_TIMEOUT", "later", "environment variable QUOTEFEED_FETCH_TIMEOUT: [fetch] timeout:"),
            (
                "QUOTEFEED_SERVER_BASE_URL",
                "ftp://x/",
                "environment variable QUOTEFEED_SERVER_BASE_URL: [server] base_url:",
            ),
            ("QUOTEFEED_FETCH_CONCURRENCY", "many", "environment variable QUOTEFEED_FETCH_CONCURRENCY:"),
            (
                "QUOTEFEED_STORAGE_URL",
                "mysql://db/q",
                "environment variable QUOTEFEED_STORAGE_URL: [storage] url: must be",
            ),
            (
                "QUOTEFEED_STORAGE_URL",
                "postgres://db:port/q",
                "environment variable QUOTEFEED_STORAGE_URL: [storage] url: not a",
            ),
            ("QUOTEFEED_FETCH_TIMEOUT", "0s", "environment variable QUOTEFEED_FETCH_TIMEOUT: [fetch] timeout:"),
        ] {
            let error = with_environment("", &[(name, value)]).unwrap_err();
            assert!(error.starts_with(expected), "{error}");
        }
    }

    #[test]
    fn empty_and_zero_values_are_refused() {
        for (text, expected) in [
            ("[[sources]]\nname = \"a\"\nurl = \"\"\n", "conf/quotefeed.toml:3: [[sources]] url: is empty"),
            ("[fetch]\ntimeout = \"0s\"\n", "conf/quotefeed.toml:2: [fetch] timeout: must be more than zero"),
            ("[fetch]\nmax_bytes = \"0\"\n", "conf/quotefeed.toml:2: [fetch] max_bytes: must be more than zero"),
            ("[fetch]\nmax_bytes = 0\n", "conf/quotefeed.toml:2: [fetch] max_bytes: must be more than zero"),
            (
                "[activitypub]\nactor_type = \"robot\"\n",
                "conf/quotefeed.toml:2: [activitypub] actor_type: \"robot\" is not \"service\" or \"person\"",
            ),
            (
                "[server]\nrole = \"worker\"\n",
                "conf/quotefeed.toml:2: [server] role: \"worker\" is not \"all\", \"poller\" or \"web\"",
            ),
            ("[server]\nlease = \"0s\"\n", "conf/quotefeed.toml:2: [server] lease: must be at least 1s"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.starts_with(expected), "{error:?} should start with {expected:?}");
        }
        let error = parse("[[sources]]\nname = \"a\"\nurl = \"x\"\ncontent_selector = \"<<\"\n").unwrap_err();
        assert!(!error.contains("report this"), "{error}");
        assert!(error.contains("not a valid CSS selector"), "{error}");
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("10 MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("1.5KB"), Ok(1500));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
    }
}
