//! Copying a store into another (`quotefeed migrate --to postgres://…`): every
//! table that holds what was collected or promised (sources, articles, quotes,
//! citations, tags, followers, keys, the delivery queue and the rest), row by
//! row, keeping ids, skipping rows the target has already. Running it again
//! copies nothing twice. The kept counts are not copied: the target's triggers
//! count the rows as they arrive. Leases are not copied either: they belong to
//! the processes of the old store.

use super::db::Connection;
use super::{Result, Store};

/// A table to copy: its name, the columns copied, and the key it is read in order of.
struct Table {
    name: &'static str,
    columns: &'static str,
    order: &'static str,
}

/// In the order that keeps references valid (sources before their articles,
/// quotes and articles before citations).
const TABLES: &[Table] = &[
    Table {
        name: "sources",
        columns: "name, url, fetch_url, etag, last_modified, title, site_url, language, last_attempt_at, \
                  last_success_at, last_status, last_error, error_count, next_run_at",
        order: "name",
    },
    Table {
        name: "articles",
        columns: "id, source, guid, url, title, published_at, first_seen_at, content_hash",
        order: "id",
    },
    Table {
        name: "quotes",
        columns: "seq, id, text, html, author_name, author_handle, author_url, platform, url, published, links, \
                  cited_at, first_seen_at, updated_at, resolved",
        order: "seq",
    },
    Table { name: "citations", columns: "quote_id, article_id, context, position", order: "quote_id, article_id" },
    Table { name: "quote_tags", columns: "tag, quote_id", order: "tag, quote_id" },
    Table { name: "status_cache", columns: "url, fetched_at, body, failures", order: "url" },
    Table { name: "actor_keys", columns: "actor, private_pem, public_pem, created_at", order: "actor" },
    Table {
        name: "followers",
        columns: "actor, follower, inbox, shared_inbox, follow_id, created_at, after_event",
        order: "actor, follower",
    },
    Table { name: "remote_actors", columns: "id, inbox, shared_inbox, key_id, public_pem, fetched_at", order: "id" },
    Table { name: "events", columns: "seq, actor, kind, quote_id, created_at", order: "seq" },
    Table {
        name: "deliveries",
        columns: "id, actor, inbox, activity, attempts, next_attempt_at, created_at, last_error",
        order: "id",
    },
    Table { name: "seen_activities", columns: "id, seen_at", order: "id" },
    Table {
        name: "quote_authorizations",
        columns: "id, actor, quote_id, interacting_object, requester, inbox, created_at",
        order: "id",
    },
    Table { name: "delivery_hosts", columns: "host, failures, paused_until", order: "host" },
    Table {
        name: "quote_requests",
        columns: "actor, quote_id, original, author, state, \"authorization\", requested_at, answered_at",
        order: "actor, quote_id",
    },
];

/// Rows read and written at a time.
const BATCH: i64 = 2000;

/// What a copy did to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedTable {
    /// The table.
    pub table: &'static str,
    /// Rows the source store has.
    pub rows: u64,
    /// Rows added to the target (the others were there already).
    pub copied: u64,
}

impl Store {
    /// Copies everything this store holds into `target`, skipping what it has.
    pub fn copy_into(&self, target: &Store) -> Result<Vec<CopiedTable>> {
        let mut report = Vec::new();
        for table in TABLES {
            let mut done = CopiedTable { table: table.name, rows: 0, copied: 0 };
            let width = table.columns.split(',').count();
            let select =
                format!("SELECT {} FROM {} ORDER BY {} LIMIT ?1 OFFSET ?2", table.columns, table.name, table.order);
            let placeholders: Vec<String> = (1..=width).map(|i| format!("?{i}")).collect();
            let insert = format!(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING",
                table.name,
                table.columns,
                placeholders.join(", ")
            );
            loop {
                let offset = i64::try_from(done.rows).unwrap_or(i64::MAX);
                let rows = self.read(|c| c.query_map(&select, [BATCH, offset], |r| Ok(r.values().to_vec())))?;
                if rows.is_empty() {
                    break;
                }
                done.rows += rows.len() as u64;
                done.copied += target.write(|tx| {
                    let mut copied = 0;
                    for row in &rows {
                        copied += tx.execute(&insert, row.clone())? as u64;
                    }
                    Ok(copied)
                })?;
                if (rows.len() as i64) < BATCH {
                    break;
                }
            }
            report.push(done);
        }
        target.write(continue_numbering)?;
        Ok(report)
    }
}

/// On PostgreSQL, moves each generated number past the copied ones (and events
/// past every event a follower was counted after).
fn continue_numbering(tx: &Connection<'_>) -> super::db::Result<()> {
    if !tx.is_postgres() {
        return Ok(());
    }
    for (table, column, floor) in [
        ("articles", "id", "0"),
        ("quotes", "seq", "0"),
        ("events", "seq", "(SELECT COALESCE(MAX(after_event), 0) FROM followers)"),
        ("deliveries", "id", "0"),
    ] {
        let largest: i64 =
            tx.query_row(&format!("SELECT GREATEST(COALESCE(MAX({column}), 0), {floor}) FROM {table}"), (), |r| {
                r.get(0)
            })?;
        if largest > 0 {
            tx.query_row(
                &format!("SELECT setval(pg_get_serial_sequence('{table}', '{column}'), ?1)"),
                [largest],
                |_| Ok(()),
            )?;
        }
    }
    Ok(())
}

#[cfg(all(test, feature = "interop"))]
mod tests {
    use super::*;
    use crate::model::{Author, Platform, Quote};
    use crate::store::testing::Postgres;
    use crate::store::{ArticleRecord, Follower, Location, Selection};

    fn quote(id: &str, handle: &str) -> Quote {
        Quote {
            id: id.into(),
            text: format!("text of {id} #harbour"),
            html: None,
            author: Author { name: Some("Name".into()), handle: Some(handle.into()), url: None },
            platform: Platform::Twitter,
            url: Some(format!("https://twitter.com/{handle}/status/{id}")),
            published: None,
            context: Some("said:".into()),
            links: vec!["https://example.org/".into()],
            resolved: false,
        }
    }

    fn article(guid: &str, at: i64) -> ArticleRecord {
        ArticleRecord {
            guid: guid.into(),
            url: Some(format!("https://news.example/{guid}")),
            title: None,
            published_at: Some(at),
            content_hash: guid.into(),
        }
    }

    /// What the publishers would show of a store.
    fn shown(store: &Store) -> Vec<String> {
        let mut shown = Vec::new();
        for selection in
            [Selection::All, Selection::Source("news"), Selection::Source("wire"), Selection::Tag("harbour")]
        {
            shown.push(format!("{selection:?}: {}", store.count_quotes(selection).unwrap()));
            for quote in store.published_quotes(selection, 50).unwrap() {
                shown.push(format!("{} {} {:?}", quote.quote.id, quote.cited_at, quote.citations));
            }
        }
        shown.push(format!(
            "{:?}",
            store.sources().unwrap().iter().map(|s| (&s.name, s.quotes, s.newest_quote_at)).collect::<Vec<_>>()
        ));
        shown.push(format!("{:?}", store.article_counts().unwrap()));
        shown.push(format!("{:?}", store.quotes_found_per_day(0).unwrap()));
        shown.push(format!("{:?}", store.authors().unwrap()));
        shown.push(format!(
            "{:?}",
            store
                .follower_inboxes(&crate::store::Event {
                    seq: i64::MAX,
                    actor: "all".into(),
                    kind: "create".into(),
                    quote_id: String::new()
                })
                .unwrap()
        ));
        shown.push(format!("{:?}", store.delivery_queue().unwrap().len()));
        shown.push(format!("{:?}", store.actor_key("all").unwrap()));
        shown
    }

    fn same(copy: &[String], original: &[String]) {
        for (copied, kept) in copy.iter().zip(original) {
            assert_eq!(copied, kept);
        }
        assert_eq!(copy.len(), original.len());
    }

    #[test]
    fn a_sqlite_store_is_copied_into_postgres_whole_and_once() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Store::open(&dir.path().join("q.db")).unwrap();
        sqlite.set_federating(true);
        sqlite
            .sync_sources([("news", "https://news.example/feed".to_string()), ("wire", "https://wire.example/".into())])
            .unwrap();
        for n in 0..30 {
            let source = if n % 3 == 0 { "wire" } else { "news" };
            let quotes = [quote(&format!("q{n}"), "minister"), quote(&format!("q{}", n / 2), "Minister")];
            sqlite.commit_article(source, &article(&format!("a{n}"), 1_000 + n), &quotes, 90_000 + n * 10_000).unwrap();
        }
        sqlite.save_actor_key("all", "private", "public", 5).unwrap();
        let follower = Follower {
            id: "https://m.example/u".into(),
            inbox: "https://m.example/u/inbox".into(),
            shared_inbox: Some("https://m.example/inbox".into()),
            follow_id: Some("f1".into()),
        };
        sqlite.add_follower("all", &follower, "{}", 7).unwrap();
        let postgres = Store::open_at(&Location::Postgres(Postgres::shared().new_database())).unwrap();

        let report = sqlite.copy_into(&postgres).unwrap();
        let copied = |table: &str| report.iter().find(|t| t.table == table).unwrap().clone();
        assert_eq!(copied("quotes"), CopiedTable { table: "quotes", rows: 30, copied: 30 });
        assert_eq!(copied("citations").copied, 59, "article 0 cites q0 twice: one citation");
        same(&shown(&postgres), &shown(&sqlite));

        // Again: nothing is copied twice.
        let again = sqlite.copy_into(&postgres).unwrap();
        assert!(again.iter().all(|t| t.copied == 0), "{again:?}");
        same(&shown(&postgres), &shown(&sqlite));
        // The copy goes on numbering after the copied rows.
        postgres.set_federating(true);
        let changes =
            postgres.commit_article("news", &article("new", 5_000), &[quote("fresh", "minister")], 9_000_000).unwrap();
        assert_eq!(changes.added, vec!["fresh"]);
        let events = postgres.pending_events(1000).unwrap();
        let copied_events = sqlite.pending_events(1000).unwrap();
        assert!(events.last().unwrap().seq > copied_events.last().unwrap().seq);
    }
}
