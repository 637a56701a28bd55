//! The database schema, as numbered migrations run at start-up. SQLite records
//! how many have run in `PRAGMA user_version`, PostgreSQL in `schema_version`;
//! the numbers are the same on both, so a store copied from one to the other
//! (`quotefeed migrate`) keeps its place.
//!
//! PostgreSQL starts at the schema SQLite has after migration 9, in one script:
//! the same tables, indexes and kept counts, in PostgreSQL's types and triggers.
//! A later migration is added to both lists.

use rusqlite::Connection;

/// Each migration, in order. Never edit one that has shipped: add another.
const MIGRATIONS: &[&str] = &[
    // 1: sources, articles, quotes and the citations that link them.
    "
    CREATE TABLE sources (
        name            TEXT PRIMARY KEY,
        url             TEXT NOT NULL,
        fetch_url       TEXT NOT NULL,
        etag            TEXT,
        last_modified   TEXT,
        title           TEXT,
        site_url        TEXT,
        language        TEXT,
        last_attempt_at INTEGER,
        last_success_at INTEGER,
        last_status     TEXT,
        last_error      TEXT,
        error_count     INTEGER NOT NULL DEFAULT 0,
        next_run_at     INTEGER
    ) STRICT;

    CREATE TABLE articles (
        id            INTEGER PRIMARY KEY,
        source        TEXT NOT NULL REFERENCES sources(name),
        guid          TEXT NOT NULL,
        url           TEXT,
        title         TEXT,
        published_at  INTEGER,
        first_seen_at INTEGER NOT NULL,
        content_hash  TEXT NOT NULL,
        UNIQUE (source, guid)
    ) STRICT;

    CREATE TABLE quotes (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        id            TEXT NOT NULL UNIQUE,
        text          TEXT NOT NULL,
        html          TEXT,
        author_name   TEXT,
        author_handle TEXT,
        author_url    TEXT,
        platform      TEXT NOT NULL,
        url           TEXT,
        published     TEXT,
        links         TEXT NOT NULL,
        cited_at      INTEGER NOT NULL,
        first_seen_at INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX quotes_by_date ON quotes (cited_at DESC, seq DESC);
    CREATE INDEX quotes_by_author ON quotes (platform, author_handle COLLATE NOCASE, cited_at DESC);

    CREATE TABLE citations (
        quote_id   TEXT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        context    TEXT,
        position   INTEGER NOT NULL,
        PRIMARY KEY (quote_id, article_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX citations_by_article ON citations (article_id);

    CREATE TABLE status_cache (
        url        TEXT PRIMARY KEY,
        fetched_at INTEGER NOT NULL,
        body       TEXT
    ) STRICT;
    ",
    // 2: ActivityPub: actor keys, followers, remote actors, and the events and
    // deliveries that carry quotes to followers.
    "
    CREATE TABLE actor_keys (
        actor       TEXT PRIMARY KEY,
        private_pem TEXT NOT NULL,
        public_pem  TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE followers (
        actor        TEXT NOT NULL,
        follower     TEXT NOT NULL,
        inbox        TEXT NOT NULL,
        shared_inbox TEXT,
        follow_id    TEXT,
        created_at   INTEGER NOT NULL,
        after_event  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (actor, follower)
    ) STRICT;
    CREATE INDEX followers_by_follower ON followers (follower);

    CREATE TABLE remote_actors (
        id           TEXT PRIMARY KEY,
        inbox        TEXT,
        shared_inbox TEXT,
        key_id       TEXT,
        public_pem   TEXT,
        fetched_at   INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE events (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        actor      TEXT NOT NULL,
        kind       TEXT NOT NULL,
        quote_id   TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE deliveries (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        actor           TEXT NOT NULL,
        inbox           TEXT NOT NULL,
        activity        TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        created_at      INTEGER NOT NULL,
        last_error      TEXT
    ) STRICT;
    CREATE INDEX deliveries_due ON deliveries (next_attempt_at);
    ",
    // 3: activities already taken (replays within the signature window are
    // ignored); remote actors found by their key.
    "
    CREATE TABLE seen_activities (
        id      TEXT PRIMARY KEY,
        seen_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX seen_activities_by_age ON seen_activities (seen_at);
    CREATE INDEX remote_actors_by_key ON remote_actors (key_id);
    CREATE INDEX remote_actors_by_age ON remote_actors (fetched_at);
    CREATE INDEX status_cache_by_age ON status_cache (fetched_at);
    CREATE INDEX events_by_age ON events (created_at);
    ",
    // 4: FEP-044f: authorizations given to quote our notes; the delivery circuit
    // breaker.
    "
    CREATE TABLE quote_authorizations (
        id                 TEXT PRIMARY KEY,
        actor              TEXT NOT NULL,
        quote_id           TEXT NOT NULL,
        interacting_object TEXT NOT NULL,
        requester          TEXT NOT NULL,
        inbox              TEXT NOT NULL,
        created_at         INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX quote_authorizations_by_quote ON quote_authorizations (actor, quote_id);

    -- Delivery hosts that keep failing, paused for a while (the circuit breaker).
    CREATE TABLE delivery_hosts (
        host         TEXT PRIMARY KEY,
        failures     INTEGER NOT NULL,
        paused_until INTEGER
    ) STRICT;
    ",
    // 5: quotes whose text was fetched from the platform (the embed had none), and
    // how many times in a row a platform could not be reached about a post.
    "
    ALTER TABLE quotes ADD COLUMN resolved INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE status_cache ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;

    -- The hashtags of each quote's text (lowercase, without '#'), for /tags/NAME;
    -- filled for the quotes already stored right after this migration.
    CREATE TABLE quote_tags (
        tag      TEXT NOT NULL,
        quote_id TEXT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, quote_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX quote_tags_by_quote ON quote_tags (quote_id);
    ",
    // 6: FEP-044f the other way: our notes that quote a fediverse post ask its
    // author, and keep the answer (the authorization stamp when approved).
    "
    CREATE TABLE quote_requests (
        actor         TEXT NOT NULL,
        quote_id      TEXT NOT NULL,
        original      TEXT NOT NULL,
        author        TEXT NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
        authorization TEXT,
        requested_at  INTEGER NOT NULL,
        answered_at   INTEGER,
        PRIMARY KEY (actor, quote_id)
    ) STRICT;
    ",
    // 7: what reading costs must not grow with the store. Which quotes each source
    // has cited, in date order, and how many (the sources' and the store's counts),
    // kept by triggers as citations and quotes come and go, so a source's feed, page
    // and count and the front page are index lookups, not scans of every citation.
    "
    CREATE TABLE source_quotes (
        source   TEXT NOT NULL,
        quote_id TEXT NOT NULL,
        cited_at INTEGER NOT NULL,
        seq      INTEGER NOT NULL,
        PRIMARY KEY (source, quote_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX source_quotes_by_date ON source_quotes (source, cited_at DESC, seq DESC);
    INSERT INTO source_quotes (source, quote_id, cited_at, seq)
        SELECT DISTINCT a.source, q.id, q.cited_at, q.seq
        FROM citations c JOIN articles a ON a.id = c.article_id JOIN quotes q ON q.id = c.quote_id;

    ALTER TABLE sources ADD COLUMN quote_count INTEGER NOT NULL DEFAULT 0;
    UPDATE sources SET quote_count = (SELECT COUNT(*) FROM source_quotes WHERE source = sources.name);
    CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) STRICT;
    INSERT INTO counters (name, value) SELECT 'quotes', COUNT(*) FROM quotes;

    CREATE TRIGGER quote_added AFTER INSERT ON quotes BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'quotes';
    END;
    -- A quote is deleted after its last citation, which took its source_quotes rows.
    CREATE TRIGGER quote_removed AFTER DELETE ON quotes BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'quotes';
    END;
    CREATE TRIGGER quote_redated AFTER UPDATE OF cited_at ON quotes WHEN NEW.cited_at != OLD.cited_at BEGIN
        UPDATE source_quotes SET cited_at = NEW.cited_at
        WHERE quote_id = NEW.id AND source IN (
            SELECT a.source FROM citations c JOIN articles a ON a.id = c.article_id WHERE c.quote_id = NEW.id
        );
    END;
    CREATE TRIGGER citation_added AFTER INSERT ON citations BEGIN
        INSERT INTO source_quotes (source, quote_id, cited_at, seq)
            SELECT a.source, q.id, q.cited_at, q.seq FROM articles a, quotes q
            WHERE a.id = NEW.article_id AND q.id = NEW.quote_id
            ON CONFLICT DO NOTHING;
    END;
    CREATE TRIGGER citation_removed AFTER DELETE ON citations BEGIN
        DELETE FROM source_quotes
        WHERE quote_id = OLD.quote_id
          AND source = (SELECT source FROM articles WHERE id = OLD.article_id)
          AND NOT EXISTS (
              SELECT 1 FROM citations c JOIN articles a ON a.id = c.article_id
              WHERE c.quote_id = OLD.quote_id AND a.source = source_quotes.source
          );
    END;
    CREATE TRIGGER source_quote_added AFTER INSERT ON source_quotes BEGIN
        UPDATE sources SET quote_count = quote_count + 1 WHERE name = NEW.source;
    END;
    CREATE TRIGGER source_quote_removed AFTER DELETE ON source_quotes BEGIN
        UPDATE sources SET quote_count = quote_count - 1 WHERE name = OLD.source;
    END;
    ",
    // 8: several processes on one store. A source being polled and a delivery being
    // sent are leased to one process until the lease runs out (renewed while the
    // work goes on); a delivery's host (`host:port` of its inbox) is kept beside it,
    // so that one host's deliveries are never sent by two processes at once.
    "
    ALTER TABLE sources ADD COLUMN lease_owner TEXT;
    ALTER TABLE sources ADD COLUMN lease_until INTEGER;
    ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
    ALTER TABLE deliveries ADD COLUMN lease_until INTEGER;
    ALTER TABLE deliveries ADD COLUMN host TEXT GENERATED ALWAYS AS (
        lower(substr(
            substr(inbox, instr(inbox, '://') + 3),
            1,
            CASE instr(substr(inbox, instr(inbox, '://') + 3), '/')
                WHEN 0 THEN length(inbox)
                ELSE instr(substr(inbox, instr(inbox, '://') + 3), '/') - 1
            END
        ))
    ) VIRTUAL;
    CREATE INDEX deliveries_by_host ON deliveries (host, lease_until);
    ",
    // 9: the status page's figures kept as they change rather than counted per
    // request: each source's articles, and the quotes each source found per day
    // (by the day the quote was first stored).
    "
    ALTER TABLE sources ADD COLUMN article_count INTEGER NOT NULL DEFAULT 0;
    UPDATE sources SET article_count = (SELECT COUNT(*) FROM articles WHERE source = sources.name);
    CREATE TRIGGER article_added AFTER INSERT ON articles BEGIN
        UPDATE sources SET article_count = article_count + 1 WHERE name = NEW.source;
    END;
    CREATE TRIGGER article_removed AFTER DELETE ON articles BEGIN
        UPDATE sources SET article_count = article_count - 1 WHERE name = OLD.source;
    END;

    CREATE TABLE source_days (
        source TEXT NOT NULL,
        day    INTEGER NOT NULL,
        quotes INTEGER NOT NULL,
        PRIMARY KEY (source, day)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX source_days_by_day ON source_days (day);
    INSERT INTO source_days (source, day, quotes)
        SELECT sq.source, q.first_seen_at / 86400, COUNT(*) FROM source_quotes sq JOIN quotes q ON q.id = sq.quote_id
        GROUP BY sq.source, q.first_seen_at / 86400;
    CREATE TRIGGER source_day_added AFTER INSERT ON source_quotes BEGIN
        INSERT INTO source_days (source, day, quotes)
            SELECT NEW.source, first_seen_at / 86400, 1 FROM quotes WHERE id = NEW.quote_id
            ON CONFLICT (source, day) DO UPDATE SET quotes = quotes + 1;
    END;
    CREATE TRIGGER source_day_removed AFTER DELETE ON source_quotes BEGIN
        UPDATE source_days SET quotes = quotes - 1
        WHERE source = OLD.source AND day = (SELECT first_seen_at / 86400 FROM quotes WHERE id = OLD.quote_id);
    END;
    ",
];

/// The schema on PostgreSQL: what SQLite has after migration [`POSTGRES_BASE`].
/// Case-insensitive handles use an ICU collation named `nocase`, so the store's
/// `COLLATE NOCASE` reads the same on both. Every commit that changes what is
/// published sends `NOTIFY quotefeed_changes`, which every process listens to.
const POSTGRES_SCHEMA: &str = "
    CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

    CREATE TABLE sources (
        name            TEXT PRIMARY KEY,
        url             TEXT NOT NULL,
        fetch_url       TEXT NOT NULL,
        etag            TEXT,
        last_modified   TEXT,
        title           TEXT,
        site_url        TEXT,
        language        TEXT,
        last_attempt_at BIGINT,
        last_success_at BIGINT,
        last_status     TEXT,
        last_error      TEXT,
        error_count     BIGINT NOT NULL DEFAULT 0,
        next_run_at     BIGINT,
        quote_count     BIGINT NOT NULL DEFAULT 0,
        lease_owner     TEXT,
        lease_until     BIGINT,
        article_count   BIGINT NOT NULL DEFAULT 0
    );

    CREATE TABLE articles (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        source        TEXT NOT NULL REFERENCES sources(name),
        guid          TEXT NOT NULL,
        url           TEXT,
        title         TEXT,
        published_at  BIGINT,
        first_seen_at BIGINT NOT NULL,
        content_hash  TEXT NOT NULL,
        UNIQUE (source, guid)
    );

    CREATE TABLE quotes (
        seq           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        text          TEXT NOT NULL,
        html          TEXT,
        author_name   TEXT,
        author_handle TEXT,
        author_url    TEXT,
        platform      TEXT NOT NULL,
        url           TEXT,
        published     TEXT,
        links         TEXT NOT NULL,
        cited_at      BIGINT NOT NULL,
        first_seen_at BIGINT NOT NULL,
        updated_at    BIGINT NOT NULL,
        resolved      BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX quotes_by_date ON quotes (cited_at DESC, seq DESC);
    CREATE INDEX quotes_by_author ON quotes (platform, author_handle COLLATE nocase, cited_at DESC);

    CREATE TABLE citations (
        quote_id   TEXT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
        article_id BIGINT NOT NULL REFERENCES articles(id),
        context    TEXT,
        position   BIGINT NOT NULL,
        PRIMARY KEY (quote_id, article_id)
    );
    CREATE INDEX citations_by_article ON citations (article_id);

    CREATE TABLE status_cache (
        url        TEXT PRIMARY KEY,
        fetched_at BIGINT NOT NULL,
        body       TEXT,
        failures   BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX status_cache_by_age ON status_cache (fetched_at);

    CREATE TABLE actor_keys (
        actor       TEXT PRIMARY KEY,
        private_pem TEXT NOT NULL,
        public_pem  TEXT NOT NULL,
        created_at  BIGINT NOT NULL
    );

    CREATE TABLE followers (
        actor        TEXT NOT NULL,
        follower     TEXT NOT NULL,
        inbox        TEXT NOT NULL,
        shared_inbox TEXT,
        follow_id    TEXT,
        created_at   BIGINT NOT NULL,
        after_event  BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (actor, follower)
    );
    CREATE INDEX followers_by_follower ON followers (follower);

    CREATE TABLE remote_actors (
        id           TEXT PRIMARY KEY,
        inbox        TEXT,
        shared_inbox TEXT,
        key_id       TEXT,
        public_pem   TEXT,
        fetched_at   BIGINT NOT NULL
    );
    CREATE INDEX remote_actors_by_key ON remote_actors (key_id);
    CREATE INDEX remote_actors_by_age ON remote_actors (fetched_at);

    CREATE TABLE events (
        seq        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        actor      TEXT NOT NULL,
        kind       TEXT NOT NULL,
        quote_id   TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX events_by_age ON events (created_at);

    CREATE TABLE deliveries (
        id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        actor           TEXT NOT NULL,
        inbox           TEXT NOT NULL,
        activity        TEXT NOT NULL,
        attempts        BIGINT NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        created_at      BIGINT NOT NULL,
        last_error      TEXT,
        lease_owner     TEXT,
        lease_until     BIGINT,
        host            TEXT GENERATED ALWAYS AS (lower(split_part(split_part(inbox, '://', 2), '/', 1))) STORED
    );
    CREATE INDEX deliveries_due ON deliveries (next_attempt_at);
    CREATE INDEX deliveries_by_host ON deliveries (host, lease_until);

    CREATE TABLE seen_activities (
        id      TEXT PRIMARY KEY,
        seen_at BIGINT NOT NULL
    );
    CREATE INDEX seen_activities_by_age ON seen_activities (seen_at);

    CREATE TABLE quote_authorizations (
        id                 TEXT PRIMARY KEY,
        actor              TEXT NOT NULL,
        quote_id           TEXT NOT NULL,
        interacting_object TEXT NOT NULL,
        requester          TEXT NOT NULL,
        inbox              TEXT NOT NULL,
        created_at         BIGINT NOT NULL
    );
    CREATE INDEX quote_authorizations_by_quote ON quote_authorizations (actor, quote_id);

    CREATE TABLE delivery_hosts (
        host         TEXT PRIMARY KEY,
        failures     BIGINT NOT NULL,
        paused_until BIGINT
    );

    CREATE TABLE quote_tags (
        tag      TEXT NOT NULL,
        quote_id TEXT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, quote_id)
    );
    CREATE INDEX quote_tags_by_quote ON quote_tags (quote_id);

    CREATE TABLE quote_requests (
        actor         TEXT NOT NULL,
        quote_id      TEXT NOT NULL,
        original      TEXT NOT NULL,
        author        TEXT NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
        \"authorization\" TEXT,
        requested_at  BIGINT NOT NULL,
        answered_at   BIGINT,
        PRIMARY KEY (actor, quote_id)
    );

    CREATE TABLE source_quotes (
        source   TEXT NOT NULL,
        quote_id TEXT NOT NULL,
        cited_at BIGINT NOT NULL,
        seq      BIGINT NOT NULL,
        PRIMARY KEY (source, quote_id)
    );
    CREATE INDEX source_quotes_by_date ON source_quotes (source, cited_at DESC, seq DESC);

    CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value BIGINT NOT NULL
    );
    INSERT INTO counters (name, value) VALUES ('quotes', 0);

    CREATE TABLE source_days (
        source TEXT NOT NULL,
        day    BIGINT NOT NULL,
        quotes BIGINT NOT NULL,
        PRIMARY KEY (source, day)
    );
    CREATE INDEX source_days_by_day ON source_days (day);

    -- The kept counts, as SQLite's triggers keep them.
    CREATE FUNCTION quote_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'quotes';
        RETURN NULL;
    END $$;
    CREATE TRIGGER quote_added AFTER INSERT ON quotes FOR EACH ROW EXECUTE FUNCTION quote_added();

    CREATE FUNCTION quote_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'quotes';
        RETURN NULL;
    END $$;
    CREATE TRIGGER quote_removed AFTER DELETE ON quotes FOR EACH ROW EXECUTE FUNCTION quote_removed();

    CREATE FUNCTION quote_redated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE source_quotes SET cited_at = NEW.cited_at
        WHERE quote_id = NEW.id AND source IN (
            SELECT a.source FROM citations c JOIN articles a ON a.id = c.article_id WHERE c.quote_id = NEW.id
        );
        RETURN NULL;
    END $$;
    CREATE TRIGGER quote_redated AFTER UPDATE OF cited_at ON quotes
        FOR EACH ROW WHEN (NEW.cited_at <> OLD.cited_at) EXECUTE FUNCTION quote_redated();

    CREATE FUNCTION citation_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        INSERT INTO source_quotes (source, quote_id, cited_at, seq)
            SELECT a.source, q.id, q.cited_at, q.seq FROM articles a, quotes q
            WHERE a.id = NEW.article_id AND q.id = NEW.quote_id
            ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$;
    CREATE TRIGGER citation_added AFTER INSERT ON citations FOR EACH ROW EXECUTE FUNCTION citation_added();

    CREATE FUNCTION citation_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        DELETE FROM source_quotes
        WHERE quote_id = OLD.quote_id
          AND source = (SELECT source FROM articles WHERE id = OLD.article_id)
          AND NOT EXISTS (
              SELECT 1 FROM citations c JOIN articles a ON a.id = c.article_id
              WHERE c.quote_id = OLD.quote_id AND a.source = source_quotes.source
          );
        RETURN NULL;
    END $$;
    CREATE TRIGGER citation_removed AFTER DELETE ON citations FOR EACH ROW EXECUTE FUNCTION citation_removed();

    CREATE FUNCTION source_quote_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE sources SET quote_count = quote_count + 1 WHERE name = NEW.source;
        INSERT INTO source_days (source, day, quotes)
            SELECT NEW.source, first_seen_at / 86400, 1 FROM quotes WHERE id = NEW.quote_id
            ON CONFLICT (source, day) DO UPDATE SET quotes = source_days.quotes + 1;
        RETURN NULL;
    END $$;
    CREATE TRIGGER source_quote_added AFTER INSERT ON source_quotes FOR EACH ROW EXECUTE FUNCTION source_quote_added();

    CREATE FUNCTION source_quote_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE sources SET quote_count = quote_count - 1 WHERE name = OLD.source;
        UPDATE source_days SET quotes = quotes - 1
        WHERE source = OLD.source AND day = (SELECT first_seen_at / 86400 FROM quotes WHERE id = OLD.quote_id);
        RETURN NULL;
    END $$;
    CREATE TRIGGER source_quote_removed AFTER DELETE ON source_quotes
        FOR EACH ROW EXECUTE FUNCTION source_quote_removed();

    CREATE FUNCTION article_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE sources SET article_count = article_count + 1 WHERE name = NEW.source;
        RETURN NULL;
    END $$;
    CREATE TRIGGER article_added AFTER INSERT ON articles FOR EACH ROW EXECUTE FUNCTION article_added();

    CREATE FUNCTION article_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE sources SET article_count = article_count - 1 WHERE name = OLD.source;
        RETURN NULL;
    END $$;
    CREATE TRIGGER article_removed AFTER DELETE ON articles FOR EACH ROW EXECUTE FUNCTION article_removed();

    -- Every process's response cache listens: a commit that changes what is
    -- published tells them all (one notice per transaction: PostgreSQL folds
    -- repeats).
    CREATE FUNCTION published_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        PERFORM pg_notify('quotefeed_changes', '');
        RETURN NULL;
    END $$;
    CREATE TRIGGER sources_changed AFTER INSERT OR UPDATE OR DELETE ON sources
        FOR EACH STATEMENT EXECUTE FUNCTION published_changed();
    CREATE TRIGGER articles_changed AFTER INSERT OR UPDATE OR DELETE ON articles
        FOR EACH STATEMENT EXECUTE FUNCTION published_changed();
    CREATE TRIGGER quotes_changed AFTER INSERT OR UPDATE OR DELETE ON quotes
        FOR EACH STATEMENT EXECUTE FUNCTION published_changed();
    CREATE TRIGGER citations_changed AFTER INSERT OR UPDATE OR DELETE ON citations
        FOR EACH STATEMENT EXECUTE FUNCTION published_changed();
    CREATE TRIGGER followers_changed AFTER INSERT OR UPDATE OR DELETE ON followers
        FOR EACH STATEMENT EXECUTE FUNCTION published_changed();
    CREATE TRIGGER quote_requests_changed AFTER INSERT OR UPDATE OR DELETE ON quote_requests
        FOR EACH STATEMENT EXECUTE FUNCTION published_changed();
";

/// The SQLite migration whose result [`POSTGRES_SCHEMA`] is.
const POSTGRES_BASE: usize = 9;

/// PostgreSQL's migrations after [`POSTGRES_SCHEMA`]: entry `i` is migration
/// `POSTGRES_BASE + 1 + i`, the same change as SQLite's of that number.
const POSTGRES_MIGRATIONS: &[&str] = &[];

/// Keys of the advisory locks: migrations, and write transactions (PostgreSQL
/// runs the store's writes one at a time, as SQLite does; leases take row locks
/// instead, so claiming work never waits for a commit).
pub(super) const MIGRATION_LOCK: i64 = 0x7175_6f74_6566_0001;
/// See [`MIGRATION_LOCK`].
pub(super) const WRITE_LOCK: i64 = 0x7175_6f74_6566_0002;

/// The schema version of a PostgreSQL store (0 for an empty database).
pub(super) fn postgres_version(client: &mut impl postgres::GenericClient) -> Result<usize, postgres::Error> {
    // Looked up rather than `CREATE TABLE IF NOT EXISTS`, whose notice would be
    // logged at every start.
    let exists: bool = client.query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?.get(0);
    if !exists {
        client.batch_execute("CREATE TABLE schema_version (version BIGINT NOT NULL)")?;
    }
    let version: Option<i64> = client.query_opt("SELECT version FROM schema_version", &[])?.map(|r| r.get(0));
    Ok(version.map_or(0, |v| usize::try_from(v).unwrap_or(0)))
}

/// Brings a PostgreSQL store up to the latest schema, in one transaction that
/// holds an advisory lock, so processes that start together migrate one after
/// another. Returns the version found before, to refuse a store newer than this
/// build after the lock is let go.
pub(super) fn migrate_postgres(client: &mut postgres::Client) -> Result<usize, postgres::Error> {
    let mut transaction = client.transaction()?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    let found = postgres_version(&mut transaction)?;
    if found > latest_version() {
        return Ok(found);
    }
    if found == 0 {
        transaction.batch_execute(POSTGRES_SCHEMA)?;
        transaction.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&(POSTGRES_BASE as i64)])?;
    }
    let applied = found.max(POSTGRES_BASE);
    for (index, migration) in POSTGRES_MIGRATIONS.iter().enumerate() {
        if POSTGRES_BASE + index < applied {
            continue;
        }
        transaction.batch_execute(migration)?;
        transaction.execute("UPDATE schema_version SET version = $1", &[&((POSTGRES_BASE + index + 1) as i64)])?;
    }
    transaction.commit()?;
    Ok(found)
}

/// The migration that adds `quote_tags` (0-based), after which the stored quotes'
/// hashtags are read from their text.
const TAGS_MIGRATION: usize = 4;

/// Fills `quote_tags` from the text of every stored quote.
fn tag_stored_quotes(transaction: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let mut quotes = transaction.prepare("SELECT id, text FROM quotes")?;
    let mut insert = transaction.prepare("INSERT OR IGNORE INTO quote_tags (tag, quote_id) VALUES (?1, ?2)")?;
    let mut rows = quotes.query([])?;
    while let Some(row) = rows.next()? {
        let (id, text): (String, String) = (row.get(0)?, row.get(1)?);
        for tag in crate::model::hashtags(&text) {
            insert.execute(rusqlite::params![tag, id])?;
        }
    }
    Ok(())
}

/// Brings the database up to the latest schema, in one transaction.
pub fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    // The write lock is taken before the version is read, so processes that start
    // together migrate one after another: the later ones find nothing left to do.
    let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let applied: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(usize::try_from(applied).unwrap_or(0)) {
        transaction.execute_batch(migration)?;
        if index == TAGS_MIGRATION {
            tag_stored_quotes(&transaction)?;
        }
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    transaction.commit()
}

/// How many migrations this build knows.
pub(super) fn latest_version() -> usize {
    debug_assert_eq!(MIGRATIONS.len(), POSTGRES_BASE + POSTGRES_MIGRATIONS.len());
    MIGRATIONS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_stored_before_tags_existed_get_their_tags() {
        let mut connection = Connection::open_in_memory().unwrap();
        for migration in &MIGRATIONS[..TAGS_MIGRATION] {
            connection.execute_batch(migration).unwrap();
        }
        connection.pragma_update(None, "user_version", TAGS_MIGRATION as i64).unwrap();
        connection
            .execute(
                "INSERT INTO quotes (id, text, platform, links, cited_at, first_seen_at, updated_at)
                 VALUES ('q1', 'Ferries run again #HarbourLife #2024 #ferries', 'twitter', '[]', 1, 1, 1)",
                [],
            )
            .unwrap();
        migrate(&mut connection).unwrap();
        let mut statement =
            connection.prepare("SELECT tag FROM quote_tags WHERE quote_id = 'q1' ORDER BY tag").unwrap();
        let tags: Vec<String> = statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(tags, vec!["ferries", "harbourlife"]);
    }

    #[test]
    fn a_store_from_before_the_kept_counts_gets_them() {
        let mut connection = Connection::open_in_memory().unwrap();
        // Up to migration 7 (kept counts), whose triggers would otherwise count
        // the rows below as they go in.
        let before = 6;
        for migration in &MIGRATIONS[..before] {
            connection.execute_batch(migration).unwrap();
        }
        connection.pragma_update(None, "user_version", before as i64).unwrap();
        connection
            .execute_batch(
                "INSERT INTO sources (name, url, fetch_url) VALUES ('news', 'u', 'u'), ('wire', 'w', 'w');
                 INSERT INTO articles (id, source, guid, first_seen_at, content_hash) VALUES
                     (1, 'news', 'a1', 1, 'h'), (2, 'news', 'a2', 1, 'h'), (3, 'wire', 'a3', 1, 'h');
                 INSERT INTO quotes (id, text, platform, links, cited_at, first_seen_at, updated_at) VALUES
                     ('q1', 'one', 'twitter', '[]', 10, 1, 1), ('q2', 'two', 'twitter', '[]', 20, 1, 1);
                 INSERT INTO citations (quote_id, article_id, position) VALUES
                     ('q1', 1, 0), ('q1', 2, 0), ('q2', 2, 1), ('q2', 3, 0);",
            )
            .unwrap();
        migrate(&mut connection).unwrap();
        let count = |sql: &str| -> i64 { connection.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT value FROM counters WHERE name = 'quotes'"), 2);
        assert_eq!(count("SELECT quote_count FROM sources WHERE name = 'news'"), 2, "q1 twice is one quote");
        assert_eq!(count("SELECT quote_count FROM sources WHERE name = 'wire'"), 1);
        assert_eq!(count("SELECT MAX(cited_at) FROM source_quotes WHERE source = 'wire'"), 20);
        // Migration 9: the status page's articles per source and quotes per day.
        assert_eq!(count("SELECT article_count FROM sources WHERE name = 'news'"), 2);
        assert_eq!(count("SELECT quotes FROM source_days WHERE source = 'news' AND day = 0"), 2);
        assert_eq!(count("SELECT quotes FROM source_days WHERE source = 'wire' AND day = 0"), 1);
    }
}
