//! The durable store: sources with their fetch state, articles, quotes, and the
//! citations linking each quote to the articles that quote it: the same post
//! quoted by two articles is one quote citing both. Every article's quotes are
//! committed in one transaction, so a crash leaves either all of an article or
//! none of it.
//!
//! Two databases keep it, with the same behaviour: SQLite in WAL mode, one file
//! (the default), or PostgreSQL, which several processes on several machines
//! share. Every method is written once over [`db::Connection`].
//!
//! Calls block: async code runs them with `tokio::task::spawn_blocking`.

mod copy;
pub mod db;
mod federation;
mod read;
mod schema;
#[cfg(any(test, feature = "interop"))]
pub mod testing;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::model::Quote;
use db::{Connection, OptionalExtension, PgConnection, params};

pub use copy::CopiedTable;
pub use federation::{
    Delivery, Event, Follower, QueuedInbox, QuoteApproval, QuoteAuthorization, QuoteRequestRecord, RemoteActor,
};
pub use read::{AuthorSummary, CitingArticle, PublishedQuote, Selection, SourceSummary, TagSummary};
use schema::latest_version;

/// A store error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database {database}: {source}")]
    Database {
        /// The database: its file, or its PostgreSQL URL without the password.
        database: String,
        /// What the database said.
        source: db::Error,
    },
    /// The database was written by a newer quotefeed.
    #[error(
        "database {database} has schema version {found}, newer than this quotefeed knows ({known}); upgrade quotefeed"
    )]
    TooNew {
        /// The database.
        database: String,
        /// Its schema version.
        found: usize,
        /// The newest this build knows.
        known: usize,
    },
}

/// Store results.
pub type Result<T> = std::result::Result<T, StoreError>;

use crate::model::{ALL_ACTOR, Platform, author_actor};

/// Where the store is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by its `postgres://` URL.
    Postgres(String),
}

impl Location {
    /// The location, fit to show: a file's path, or a URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => without_password(url),
        }
    }
}

/// A PostgreSQL URL with its password (if any) replaced by `***`.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(a PostgreSQL URL that does not parse)".to_string(),
    }
}

/// A source's row as a claim reads it: next run, last attempt, lease holder, lease end.
type ClaimRow = (Option<i64>, Option<i64>, Option<String>, Option<i64>);

/// The database behind a store (boxed where large: one of them is made per store).
enum Backend {
    Sqlite {
        path: PathBuf,
        writer: Box<Mutex<rusqlite::Connection>>,
        readers: Mutex<Vec<rusqlite::Connection>>,
        /// A connection kept only to notice commits by other processes, and the
        /// `PRAGMA data_version` it last saw.
        watcher: Mutex<Option<(rusqlite::Connection, i64)>>,
    },
    Postgres {
        url: String,
        /// Idle connections. A plain pool: the store's calls are already limited
        /// to [`STORE_CALLS`] at once, so a pool crate would add nothing.
        pool: Mutex<Vec<PgConnection>>,
        /// Whether the thread that listens for other processes' commits runs.
        listening: AtomicBool,
    },
}

/// The store. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Store {
    location: Location,
    backend: Backend,
    /// Bumped by every write that changes quotes, so caches know when to refresh.
    revision: Arc<AtomicU64>,
    /// Signalled when a commit records events for ActivityPub delivery.
    events_added: tokio::sync::Notify,
    /// Whether commits record events for ActivityPub delivery.
    federating: AtomicBool,
}

/// This process's name in the store's leases and how long a lease lasts.
#[derive(Debug)]
pub struct Lease {
    /// Unique to this process: `pid-random`.
    pub owner: String,
    /// How long a lease lasts unless renewed.
    pub length: Duration,
}

impl Lease {
    /// A lease name for this process, with leases of `length`.
    pub fn for_this_process(length: Duration) -> Lease {
        let mut random = [0u8; 4];
        getrandom::fill(&mut random).expect("the system has randomness");
        Lease { owner: format!("{}-{}", std::process::id(), hex::encode(random)), length }
    }

    /// When a lease taken now runs out (Unix seconds).
    pub fn until(&self, now: i64) -> i64 {
        now + i64::try_from(self.length.as_secs()).unwrap_or(i64::MAX / 2)
    }
}

/// What [`Store::claim_source`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceClaim {
    /// The caller may poll it now.
    Claimed,
    /// Another process polled it for this run: the next is at `next_run_at`.
    Polled {
        /// The next run, as that poll planned it (Unix seconds).
        next_run_at: i64,
    },
    /// Another process is polling it, leased until `until` (Unix seconds).
    Held {
        /// When that lease runs out unless renewed.
        until: i64,
    },
}

/// What the store keeps of a source between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    /// The URL to fetch: the configured one, or where it permanently moved.
    pub fetch_url: String,
    /// The `ETag` of the last full response.
    pub etag: Option<String>,
    /// The `Last-Modified` of the last full response.
    pub last_modified: Option<String>,
    /// Failed polls since the last success.
    pub error_count: u32,
    /// When the next poll is due (Unix seconds).
    pub next_run_at: Option<i64>,
}

/// The result of one poll of a source, to record.
#[derive(Debug, Clone)]
pub struct PollRecord {
    /// When the poll started (Unix seconds).
    pub attempted_at: i64,
    /// `Ok(status)` or `Err(message)`.
    pub outcome: std::result::Result<String, String>,
    /// New validators and URL, after a full response.
    pub validators: Option<Validators>,
    /// Feed title, site and language, after a full response.
    pub feed_info: Option<FeedInfo>,
    /// When to poll next (Unix seconds).
    pub next_run_at: i64,
}

/// Conditional-request validators for a source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// Where to fetch from now on (changes after a permanent redirect).
    pub fetch_url: String,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
}

/// What a feed says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedInfo {
    /// Title.
    pub title: Option<String>,
    /// The site's home page.
    pub site_url: Option<String>,
    /// Language.
    pub language: Option<String>,
}

/// An article as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRecord {
    /// The feed item's id (guid, Atom id or URL).
    pub guid: String,
    /// The article's URL.
    pub url: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// When it was published (Unix seconds).
    pub published_at: Option<i64>,
    /// Hash of what quotes were extracted from; a change means re-extraction.
    pub content_hash: String,
}

/// What committing an article changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleChanges {
    /// Whether the article was new.
    pub new_article: bool,
    /// Quotes stored for the first time.
    pub added: Vec<String>,
    /// Quotes whose text or details changed.
    pub updated: Vec<String>,
    /// Quotes no article cites any more, deleted.
    pub removed: Vec<String>,
}

/// Counts of what the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Sources.
    pub sources: i64,
    /// Articles.
    pub articles: i64,
    /// Quotes.
    pub quotes: i64,
    /// Citations (quote–article links).
    pub citations: i64,
}

fn open_connection(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let connection = rusqlite::Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", true)?;
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(connection)
}

/// At most this many store calls run at once: SQLite has one writer anyway, and a
/// thousand sources starting together would otherwise start a thread (and open a
/// connection) each.
static STORE_CALLS: Semaphore = Semaphore::const_new(4);

/// Runs store work (which blocks) off the async threads: the bridge from async
/// code to the database.
pub async fn call<T: Send + 'static>(store: &Arc<Store>, f: impl FnOnce(&Store) -> T + Send + 'static) -> T {
    let permit = STORE_CALLS.acquire().await.expect("the semaphore is never closed");
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || {
        // Released when the work is done, not when the caller next runs: a caller
        // can sit unpolled in a stream while others wait for the permit.
        let _permit = permit;
        f(&store)
    })
    .await
    .expect("store work does not panic")
}

/// How a write transaction locks on PostgreSQL.
#[derive(Clone, Copy)]
enum WriteKind {
    /// One at a time across every process, as SQLite's writes are.
    Exclusive,
    /// Only the rows it locks (`FOR UPDATE`): taking and renewing leases.
    Rows,
}

impl Store {
    /// Opens (creating if needed) the SQLite database and runs pending migrations.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_at(&Location::Sqlite(path.to_path_buf()))
    }

    /// Opens the store at `location` (creating a SQLite file if needed) and runs
    /// pending migrations.
    pub fn open_at(location: &Location) -> Result<Store> {
        let error = |source: db::Error| StoreError::Database { database: location.display(), source };
        let too_new = |found| StoreError::TooNew { database: location.display(), found, known: latest_version() };
        let backend = match location {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| error(db::Error::Io(e)))?;
                }
                let mut writer = open_connection(path).map_err(|e| error(e.into()))?;
                let version: i64 =
                    writer.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| error(e.into()))?;
                let version = usize::try_from(version).unwrap_or(0);
                if version > latest_version() {
                    return Err(too_new(version));
                }
                schema::migrate(&mut writer).map_err(|e| error(e.into()))?;
                Backend::Sqlite {
                    path: path.clone(),
                    writer: Box::new(Mutex::new(writer)),
                    readers: Mutex::new(Vec::new()),
                    watcher: Mutex::new(None),
                }
            }
            Location::Postgres(url) => {
                let mut connection = PgConnection::connect(url).map_err(error)?;
                let found = schema::migrate_postgres(connection.client()).map_err(|e| error(e.into()))?;
                if found > latest_version() {
                    return Err(too_new(found));
                }
                Backend::Postgres {
                    url: url.clone(),
                    pool: Mutex::new(vec![connection]),
                    listening: AtomicBool::new(false),
                }
            }
        };
        Ok(Store {
            location: location.clone(),
            backend,
            revision: Arc::new(AtomicU64::new(1)),
            events_added: tokio::sync::Notify::new(),
            federating: AtomicBool::new(false),
        })
    }

    /// Where the store is kept.
    pub fn location(&self) -> &Location {
        &self.location
    }

    fn error(&self, source: db::Error) -> StoreError {
        StoreError::Database { database: self.location.display(), source }
    }

    /// A pooled PostgreSQL connection (or a new one).
    fn pg_connection(&self, url: &str, pool: &Mutex<Vec<PgConnection>>) -> Result<PgConnection> {
        let pooled = pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match pooled {
            Some(connection) => Ok(connection),
            None => PgConnection::connect(url).map_err(|e| self.error(e)),
        }
    }

    /// Gives a PostgreSQL connection back to the pool, unless it broke.
    fn pg_return(pool: &Mutex<Vec<PgConnection>>, connection: PgConnection) {
        let mut pool = pool.lock().unwrap_or_else(|p| p.into_inner());
        if connection.is_open() && pool.len() < 8 {
            pool.push(connection);
        }
    }

    /// Runs `f` in a write transaction, one at a time across every process.
    fn write<T>(&self, f: impl FnOnce(&Connection<'_>) -> db::Result<T>) -> Result<T> {
        self.transaction(WriteKind::Exclusive, f)
    }

    /// Runs `f` in a write transaction that locks only the rows it names with
    /// `FOR UPDATE` (on SQLite, as every write, the whole database).
    fn lease_write<T>(&self, f: impl FnOnce(&Connection<'_>) -> db::Result<T>) -> Result<T> {
        self.transaction(WriteKind::Rows, f)
    }

    fn transaction<T>(&self, kind: WriteKind, f: impl FnOnce(&Connection<'_>) -> db::Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => {
                let mut connection = writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                // IMMEDIATE: the write lock is taken at the start, waiting out another
                // process's write (the busy timeout), rather than failing when a
                // transaction that began by reading tries to write after another
                // process wrote.
                let transaction = connection
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(|e| self.error(e.into()))?;
                let value = f(&Connection::Sqlite(&transaction)).map_err(|e| self.error(e))?;
                transaction.commit().map_err(|e| self.error(e.into()))?;
                Ok(value)
            }
            Backend::Postgres { url, pool, .. } => {
                let mut connection = self.pg_connection(url, pool)?;
                let begin = match kind {
                    WriteKind::Exclusive => format!("BEGIN; SELECT pg_advisory_xact_lock({})", schema::WRITE_LOCK),
                    WriteKind::Rows => "BEGIN".to_string(),
                };
                let result = (|| {
                    connection.client().batch_execute(&begin)?;
                    let value = f(&Connection::Postgres(RefCell::new(&mut connection)))?;
                    connection.client().batch_execute("COMMIT")?;
                    Ok(value)
                })();
                if result.is_err() && connection.is_open() {
                    let _ = connection.client().batch_execute("ROLLBACK");
                }
                Self::pg_return(pool, connection);
                result.map_err(|e| self.error(e))
            }
        }
    }

    /// Runs `f` on a reader connection (on SQLite, WAL lets readers run beside
    /// the writer).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection<'_>) -> db::Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite { path, readers, .. } => {
                let pooled = readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let connection = match pooled {
                    Some(c) => c,
                    None => open_connection(path).map_err(|e| self.error(e.into()))?,
                };
                let value = f(&Connection::Sqlite(&connection)).map_err(|e| self.error(e));
                let mut readers = readers.lock().unwrap_or_else(|p| p.into_inner());
                if readers.len() < 8 {
                    readers.push(connection);
                }
                value
            }
            Backend::Postgres { url, pool, .. } => {
                let mut connection = self.pg_connection(url, pool)?;
                let value = f(&Connection::Postgres(RefCell::new(&mut connection)));
                Self::pg_return(pool, connection);
                value.map_err(|e| self.error(e))
            }
        }
    }

    /// Whether commits record events for ActivityPub delivery (off, nothing
    /// would ever deliver them).
    pub fn set_federating(&self, federating: bool) {
        self.federating.store(federating, Ordering::Release);
    }

    /// Completes after this process commits changes that may need delivering.
    pub async fn events_added(&self) {
        self.events_added.notified().await;
    }

    /// A number that changes whenever quotes or citations change in this process.
    pub fn revision(&self) -> u64 {
        self.revision.load(Ordering::Acquire)
    }

    fn bump_revision(&self) {
        self.revision.fetch_add(1, Ordering::AcqRel);
    }

    /// Notices commits made by other processes and moves the revision on if there
    /// were any. On SQLite this compares the file's `data_version` (call it every
    /// second); on PostgreSQL the first call starts a thread that listens for the
    /// `quotefeed_changes` notice every commit of published data sends, and moves
    /// the revision on as each arrives.
    pub fn notice_external_changes(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite { path, watcher, .. } => {
                let mut watcher = watcher.lock().unwrap_or_else(|p| p.into_inner());
                let data_version = |c: &rusqlite::Connection| -> Result<i64> {
                    c.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(|e| self.error(e.into()))
                };
                match watcher.as_mut() {
                    None => {
                        let connection = open_connection(path).map_err(|e| self.error(e.into()))?;
                        let version = data_version(&connection)?;
                        *watcher = Some((connection, version));
                    }
                    Some((connection, seen)) => {
                        let version = data_version(connection)?;
                        if version != *seen {
                            *seen = version;
                            self.bump_revision();
                        }
                    }
                }
                Ok(())
            }
            Backend::Postgres { url, listening, .. } => {
                if listening.swap(true, Ordering::AcqRel) {
                    return Ok(());
                }
                let mut connection = PgConnection::connect(url).map_err(|e| self.error(e))?;
                connection.client().batch_execute("LISTEN quotefeed_changes").map_err(|e| self.error(e.into()))?;
                let revision = Arc::downgrade(&self.revision);
                let url = url.clone();
                std::thread::Builder::new()
                    .name("store-listen".into())
                    .spawn(move || listen_for_changes(connection, &url, &revision))
                    .map_err(|e| self.error(db::Error::Io(e)))?;
                Ok(())
            }
        }
    }
    /// Records the configured sources: new ones are added; a source whose URL changed
    /// starts over with no validators.
    pub fn sync_sources<'a>(&self, sources: impl IntoIterator<Item = (&'a str, String)>) -> Result<()> {
        self.write(|tx| {
            for (name, url) in sources {
                // One statement, so processes that start together add a source once.
                tx.execute(
                    "INSERT INTO sources (name, url, fetch_url) VALUES (?1, ?2, ?2)
                     ON CONFLICT (name) DO UPDATE SET url = excluded.url, fetch_url = excluded.url, etag = NULL,
                       last_modified = NULL
                     WHERE sources.url != excluded.url",
                    params![name, url],
                )?;
            }
            Ok(())
        })
    }

    /// What the store keeps of a source between polls.
    pub fn source_state(&self, name: &str) -> Result<Option<SourceState>> {
        self.read(|c| {
            c.query_row(
                "SELECT fetch_url, etag, last_modified, error_count, next_run_at FROM sources WHERE name = ?1",
                [name],
                |r| {
                    Ok(SourceState {
                        fetch_url: r.get(0)?,
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                        error_count: r.get(3)?,
                        next_run_at: r.get(4)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Asks for the right to poll a source's run planned for `due`, for a process
    /// named `owner`, until `until` (all Unix seconds). Another process may have
    /// polled that run already (a poll started at or after `due` and planned the
    /// next run after it) or be polling it.
    ///
    /// On PostgreSQL the source's row is locked while this runs (`FOR UPDATE SKIP
    /// LOCKED`): a process that finds it locked by another's claim does not wait
    /// but reads it as held for a second more.
    pub fn claim_source(&self, name: &str, owner: &str, due: i64, now: i64, until: i64) -> Result<SourceClaim> {
        self.lease_write(|tx| {
            let row: Option<ClaimRow> = tx
                .query_row(
                    "SELECT next_run_at, last_attempt_at, lease_owner, lease_until FROM sources WHERE name = ?1
                     FOR UPDATE SKIP LOCKED",
                    [name],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((next_run_at, last_attempt_at, holder, held_until)) = row else {
                let known: bool =
                    tx.query_row("SELECT EXISTS (SELECT 1 FROM sources WHERE name = ?1)", [name], |r| r.get(0))?;
                return if known { Ok(SourceClaim::Held { until: now + 1 }) } else { Err(db::Error::NoRows) };
            };
            // Polled: a poll started at or after the planned time, and planned a later
            // run (so a caller following `Polled` always moves forward).
            if let Some(next) = next_run_at.filter(|next| *next > due && last_attempt_at.is_some_and(|a| a >= due)) {
                return Ok(SourceClaim::Polled { next_run_at: next });
            }
            if let Some(held) = held_until.filter(|held| *held > now && holder.as_deref() != Some(owner)) {
                return Ok(SourceClaim::Held { until: held });
            }
            tx.execute(
                "UPDATE sources SET lease_owner = ?2, lease_until = ?3 WHERE name = ?1",
                params![name, owner, until],
            )?;
            Ok(SourceClaim::Claimed)
        })
    }

    /// Extends a process's lease on a source; false if it no longer holds it.
    pub fn renew_source_lease(&self, name: &str, owner: &str, until: i64) -> Result<bool> {
        self.lease_write(|tx| {
            tx.execute(
                "UPDATE sources SET lease_until = ?3 WHERE name = ?1 AND lease_owner = ?2",
                params![name, owner, until],
            )
            .map(|n| n > 0)
        })
    }

    /// Gives up a process's lease on a source (its poll is recorded).
    pub fn release_source(&self, name: &str, owner: &str) -> Result<()> {
        self.lease_write(|tx| {
            tx.execute(
                "UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE name = ?1 AND lease_owner = ?2",
                params![name, owner],
            )
            .map(drop)
        })
    }

    /// Records the result of a poll.
    pub fn record_poll(&self, name: &str, record: &PollRecord) -> Result<()> {
        let profile_changed = self.write(|tx| {
            match &record.outcome {
                Ok(status) => tx.execute(
                    "UPDATE sources SET last_attempt_at = ?2, last_success_at = ?2, last_status = ?3, last_error = NULL,
                     error_count = 0, next_run_at = ?4 WHERE name = ?1",
                    params![name, record.attempted_at, status, record.next_run_at],
                )?,
                Err(message) => tx.execute(
                    "UPDATE sources SET last_attempt_at = ?2, last_status = 'error', last_error = ?3,
                     error_count = error_count + 1, next_run_at = ?4 WHERE name = ?1",
                    params![name, record.attempted_at, message, record.next_run_at],
                )?,
            };
            if let Some(v) = &record.validators {
                tx.execute(
                    "UPDATE sources SET fetch_url = ?2, etag = ?3, last_modified = ?4 WHERE name = ?1",
                    params![name, v.fetch_url, v.etag, v.last_modified],
                )?;
            }
            if let Some(info) = &record.feed_info {
                // The source's account shows its title and site: a change is an
                // `Update` of its profile for its followers.
                let changed = tx.execute(
                    "UPDATE sources SET title = ?2, site_url = ?3, language = ?4
                     WHERE name = ?1
                       AND (title IS DISTINCT FROM ?2 OR site_url IS DISTINCT FROM ?3 OR language IS DISTINCT FROM ?4)",
                    params![name, info.title, info.site_url, info.language],
                )?;
                if changed > 0 && self.federating.load(Ordering::Acquire) {
                    tx.execute(
                        "INSERT INTO events (actor, kind, quote_id, created_at) VALUES (?1, ?2, '', ?3)",
                        params![name, PROFILE_EVENT, record.attempted_at],
                    )?;
                    return Ok(true);
                }
            }
            Ok(false)
        })?;
        if profile_changed {
            self.events_added.notify_one();
        }
        Ok(())
    }

    /// The content hash stored for an article, if the article is known.
    pub fn article_hash(&self, source: &str, guid: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row("SELECT content_hash FROM articles WHERE source = ?1 AND guid = ?2", [source, guid], |r| {
                r.get(0)
            })
            .optional()
        })
    }

    /// Stores an article and its quotes in one transaction: new quotes are added, a
    /// quote already stored (from this or another article) gets a citation, quotes
    /// changed by an edit of this article are updated, and quotes the article no longer cites lose that citation
    /// (and are deleted when nothing cites them any more). `now` is Unix seconds.
    pub fn commit_article(
        &self,
        source: &str,
        article: &ArticleRecord,
        quotes: &[Quote],
        now: i64,
    ) -> Result<ArticleChanges> {
        let federating = self.federating.load(Ordering::Acquire);
        let changes = self.write(|tx| {
            let mut changes = ArticleChanges::default();
            let existing: Option<i64> = tx
                .query_row("SELECT id FROM articles WHERE source = ?1 AND guid = ?2", [source, &article.guid], |r| r.get(0))
                .optional()?;
            let article_id = match existing {
                Some(id) => {
                    tx.execute(
                        "UPDATE articles SET url = ?2, title = ?3, published_at = ?4, content_hash = ?5 WHERE id = ?1",
                        params![id, article.url, article.title, article.published_at, article.content_hash],
                    )?;
                    id
                }
                None => {
                    changes.new_article = true;
                    tx.query_row(
                        "INSERT INTO articles (source, guid, url, title, published_at, first_seen_at, content_hash)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                        params![source, article.guid, article.url, article.title, article.published_at, now, article.content_hash],
                        |r| r.get(0),
                    )?
                }
            };
            let cited_at = article.published_at.unwrap_or(now);
            let before: Vec<String> =
                tx.query_map("SELECT quote_id FROM citations WHERE article_id = ?1", [article_id], |r| r.get(0))?;
            let event = |actor: &str, kind: &str, quote: &str| {
                if !federating {
                    return Ok(());
                }
                tx.execute(
                    "INSERT INTO events (actor, kind, quote_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![actor, kind, quote, now],
                )
                .map(drop)
            };
            let cited_by_source_elsewhere = |quote: &str| -> db::Result<bool> {
                tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM citations c JOIN articles a ON a.id = c.article_id
                     WHERE c.quote_id = ?1 AND a.source = ?2 AND c.article_id != ?3)",
                    params![quote, source, article_id],
                    |r| r.get(0),
                )
            };
            for (position, quote) in quotes.iter().enumerate() {
                let links = serde_json::to_string(&quote.links).expect("strings serialize");
                let fresh = QuoteFields::of(quote, links.clone());
                let stored: Option<QuoteFields> = tx
                    .query_row(
                        "SELECT text, html, author_name, author_handle, author_url, url, published, links FROM quotes WHERE id = ?1",
                        [&quote.id],
                        QuoteFields::from_row,
                    )
                    .optional()?;
                match stored {
                    None => {
                        tx.execute(
                            "INSERT INTO quotes (id, text, html, author_name, author_handle, author_url, platform, url,
                             published, links, cited_at, first_seen_at, updated_at, resolved)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
                            params![
                                quote.id, quote.text, quote.html, quote.author.name, quote.author.handle,
                                quote.author.url, quote.platform.as_str(), quote.url, quote.published, links, cited_at, now,
                                quote.resolved
                            ],
                        )?;
                        tag_quote(tx, quote)?;
                        changes.added.push(quote.id.clone());
                        event(ALL_ACTOR, "create", &quote.id)?;
                        event(source, "create", &quote.id)?;
                        if let Some(author) = author_of(quote) {
                            event(&author, "create", &quote.id)?;
                        }
                    }
                    Some(old) => {
                        let new_to_source = !before.contains(&quote.id) && !cited_by_source_elsewhere(&quote.id)?;
                        if new_to_source {
                            event(source, "create", &quote.id)?;
                        }
                        // Only an edit of an article that already cites the quote changes
                        // it: another article (perhaps another source's) that quotes the
                        // same post differently cannot rewrite what was published.
                        if old != fresh && before.contains(&quote.id) {
                            tx.execute(
                                "UPDATE quotes SET text = ?2, html = ?3, author_name = ?4, author_handle = ?5, author_url = ?6,
                                 url = ?7, published = ?8, links = ?9, updated_at = ?10 WHERE id = ?1",
                                params![
                                    quote.id, quote.text, quote.html, quote.author.name, quote.author.handle,
                                    quote.author.url, quote.url, quote.published, links, now
                                ],
                            )?;
                            tx.execute("DELETE FROM quote_tags WHERE quote_id = ?1", [&quote.id])?;
                            tag_quote(tx, quote)?;
                            changes.updated.push(quote.id.clone());
                            event(ALL_ACTOR, "update", &quote.id)?;
                            if let Some(author) = author_of(quote) {
                                event(&author, "update", &quote.id)?;
                            }
                            let citing: Vec<String> = tx.query_map(
                                "SELECT DISTINCT a.source FROM citations c JOIN articles a ON a.id = c.article_id
                                 WHERE c.quote_id = ?1",
                                [&quote.id],
                                |r| r.get(0),
                            )?;
                            for other in citing.iter().filter(|s| !(new_to_source && s.as_str() == source)) {
                                event(other, "update", &quote.id)?;
                            }
                        }
                        tx.execute(
                            "UPDATE quotes SET cited_at = ?2 WHERE id = ?1 AND cited_at > ?2",
                            params![quote.id, cited_at],
                        )?;
                    }
                }
                tx.execute(
                    "INSERT INTO citations (quote_id, article_id, context, position) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (quote_id, article_id) DO UPDATE SET context = excluded.context, position = excluded.position",
                    params![quote.id, article_id, quote.context, position as i64],
                )?;
            }
            for gone in before.iter().filter(|id| !quotes.iter().any(|q| &&q.id == id)) {
                tx.execute("DELETE FROM citations WHERE quote_id = ?1 AND article_id = ?2", params![gone, article_id])?;
                if !cited_by_source_elsewhere(gone)? {
                    event(source, "delete", gone)?;
                }
                let still_cited: bool =
                    tx.query_row("SELECT EXISTS (SELECT 1 FROM citations WHERE quote_id = ?1)", [gone], |r| r.get(0))?;
                if !still_cited {
                    let author: Option<(String, Option<String>)> = tx
                        .query_row("SELECT platform, author_handle FROM quotes WHERE id = ?1", [gone], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })
                        .optional()?;
                    tx.execute("DELETE FROM quotes WHERE id = ?1", [gone])?;
                    changes.removed.push(gone.clone());
                    event(ALL_ACTOR, "delete", gone)?;
                    let author_actor = author.and_then(|(platform, handle)| {
                        author_actor(Platform::parse(&platform)?, handle.as_deref()?)
                    });
                    if let Some(author) = author_actor {
                        event(&author, "delete", gone)?;
                    }
                }
            }
            Ok(changes)
        })?;
        if changes.new_article
            || !changes.added.is_empty()
            || !changes.updated.is_empty()
            || !changes.removed.is_empty()
        {
            self.bump_revision();
            self.events_added.notify_one();
        }
        Ok(changes)
    }

    /// A platform's answer about an embedded post (a status, an oEmbed document), if
    /// fetched after `since`. `Some(None)` records that the post is gone.
    pub fn cached_status(&self, url: &str, since: i64) -> Result<Option<Option<String>>> {
        self.read(|c| {
            c.query_row(
                "SELECT body FROM status_cache WHERE url = ?1 AND fetched_at >= ?2 AND failures = 0",
                params![url, since],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Keeps a platform's answer (or, with `None`, that the post is gone).
    pub fn cache_status(&self, url: &str, body: Option<&str>, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO status_cache (url, fetched_at, body, failures) VALUES (?1, ?2, ?3, 0)
                 ON CONFLICT (url) DO UPDATE SET fetched_at = excluded.fetched_at, body = excluded.body, failures = 0",
                params![url, now, body],
            )
            .map(drop)
        })
    }

    /// Counts one more time a platform could not be reached about a post. After
    /// `give_up_after` times in a row the post is kept as gone (for the cache
    /// lifetime) and `true` is returned: a platform that stays unreachable must not
    /// keep an article, and its feed, from ever being done.
    pub fn record_status_failure(&self, url: &str, now: i64, give_up_after: u32) -> Result<bool> {
        self.write(|tx| {
            let failures: u32 = tx.query_row(
                "INSERT INTO status_cache (url, fetched_at, body, failures) VALUES (?1, ?2, NULL, 1)
                 ON CONFLICT (url) DO UPDATE SET fetched_at = excluded.fetched_at, body = NULL,
                   failures = status_cache.failures + 1
                 RETURNING failures",
                params![url, now],
                |r| r.get(0),
            )?;
            if failures < give_up_after {
                return Ok(false);
            }
            tx.execute("UPDATE status_cache SET failures = 0 WHERE url = ?1", [url])?;
            Ok(true)
        })
    }

    /// How much the store holds.
    pub fn counts(&self) -> Result<Counts> {
        self.read(|c| {
            c.query_row(
                "SELECT (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM articles),
                        (SELECT COUNT(*) FROM quotes), (SELECT COUNT(*) FROM citations)",
                (),
                |r| Ok(Counts { sources: r.get(0)?, articles: r.get(1)?, quotes: r.get(2)?, citations: r.get(3)? }),
            )
        })
    }
}

/// Moves `revision` on at each `quotefeed_changes` notice, until the store is
/// dropped. A lost connection is made again (and the revision moved on, since
/// notices may have been missed meanwhile).
fn listen_for_changes(mut connection: PgConnection, url: &str, revision: &Weak<AtomicU64>) {
    use postgres::fallible_iterator::FallibleIterator;
    loop {
        let Some(counter) = revision.upgrade() else { return };
        let mut failed = false;
        {
            let mut notifications = connection.client().notifications();
            let mut waiting = notifications.timeout_iter(Duration::from_secs(1));
            loop {
                match waiting.next() {
                    // Each notice moves the revision on at once.
                    Ok(Some(_)) => {
                        counter.fetch_add(1, Ordering::AcqRel);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "lost the store's change notices; connecting again");
                        failed = true;
                        break;
                    }
                }
            }
        }
        if failed || !connection.is_open() {
            drop(counter);
            std::thread::sleep(Duration::from_secs(1));
            match PgConnection::connect(url).and_then(|mut c| {
                c.client().batch_execute("LISTEN quotefeed_changes")?;
                Ok(c)
            }) {
                Ok(c) => {
                    connection = c;
                    if let Some(counter) = revision.upgrade() {
                        counter.fetch_add(1, Ordering::AcqRel);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not listen for the store's change notices"),
            }
        }
    }
}

/// Records a quote's hashtags for its `/tags/NAME` pages and feeds.
fn tag_quote(tx: &Connection<'_>, quote: &Quote) -> db::Result<()> {
    for tag in crate::model::hashtags(&quote.text) {
        tx.execute(
            "INSERT INTO quote_tags (tag, quote_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![tag, quote.id],
        )?;
    }
    Ok(())
}

/// The kind of event that says an actor's profile changed (the others are about a
/// quote: `create`, `update`, `delete`).
pub const PROFILE_EVENT: &str = "profile";

/// The author actor that posts a quote, if its author has one.
fn author_of(quote: &Quote) -> Option<String> {
    author_actor(quote.platform, quote.author.handle.as_deref()?)
}

/// The stored fields of a quote that an edit can change.
#[derive(Debug, PartialEq, Eq)]
struct QuoteFields {
    text: String,
    html: Option<String>,
    author_name: Option<String>,
    author_handle: Option<String>,
    author_url: Option<String>,
    url: Option<String>,
    published: Option<String>,
    links: String,
}

impl QuoteFields {
    fn of(quote: &Quote, links: String) -> Self {
        QuoteFields {
            text: quote.text.clone(),
            html: quote.html.clone(),
            author_name: quote.author.name.clone(),
            author_handle: quote.author.handle.clone(),
            author_url: quote.author.url.clone(),
            url: quote.url.clone(),
            published: quote.published.clone(),
            links,
        }
    }

    fn from_row(r: &db::Row) -> db::Result<Self> {
        Ok(QuoteFields {
            text: r.get(0)?,
            html: r.get(1)?,
            author_name: r.get(2)?,
            author_handle: r.get(3)?,
            author_url: r.get(4)?,
            url: r.get(5)?,
            published: r.get(6)?,
            links: r.get(7)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polled(store: &Store, attempted_at: i64, next_run_at: i64) {
        let record =
            PollRecord { attempted_at, outcome: Ok("304".into()), validators: None, feed_info: None, next_run_at };
        store.record_poll("news", &record).unwrap();
    }

    #[test]
    fn a_run_is_leased_to_one_process_and_polled_once() {
        let dir = tempfile::tempdir().unwrap();
        for store in crate::store::testing::stores(dir.path()) {
            store.sync_sources([("news", "https://news.example/feed".to_string())]).unwrap();
            // The run planned for 100: one takes it, the other finds it held.
            assert_eq!(store.claim_source("news", "a", 100, 100, 160).unwrap(), SourceClaim::Claimed);
            assert_eq!(store.claim_source("news", "b", 100, 101, 161).unwrap(), SourceClaim::Held { until: 160 });
            // The holder renews and then polls; the other finds the run done.
            assert!(store.renew_source_lease("news", "a", 180).unwrap());
            assert!(!store.renew_source_lease("news", "b", 999).unwrap(), "b holds nothing");
            polled(&store, 100, 400);
            store.release_source("news", "a").unwrap();
            assert_eq!(
                store.claim_source("news", "b", 100, 181, 241).unwrap(),
                SourceClaim::Polled { next_run_at: 400 }
            );
            // The next run: a dies holding it, and b takes it over when the lease runs out.
            assert_eq!(store.claim_source("news", "a", 400, 400, 460).unwrap(), SourceClaim::Claimed);
            assert_eq!(store.claim_source("news", "b", 400, 459, 519).unwrap(), SourceClaim::Held { until: 460 });
            assert_eq!(store.claim_source("news", "b", 400, 460, 520).unwrap(), SourceClaim::Claimed);
            // A poll that planned nothing later (an edited store, a clock set back) is not
            // taken for this run's: following `Polled` always moves forward.
            polled(&store, 500, 450);
            assert_eq!(store.claim_source("news", "a", 480, 500, 560).unwrap(), SourceClaim::Held { until: 520 });
            assert_eq!(store.claim_source("news", "b", 480, 500, 560).unwrap(), SourceClaim::Claimed);
        }
    }
}
