//! What the publishers read: quotes with the articles that cite them, sources with
//! their state, authors.

use super::db::{self, Connection, OptionalExtension, Row, Value, params};

use super::{Result, Store};
use crate::model::{Author, Platform, Quote};
use crate::safety::web_url;

/// Which quotes a feed or page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection<'a> {
    /// Every quote.
    All,
    /// The quotes cited by one source's articles.
    Source(&'a str),
    /// Everything one person said on one platform.
    Author {
        /// The platform.
        platform: Platform,
        /// Their handle (any case).
        handle: &'a str,
    },
    /// The quotes with a hashtag (lowercase, without `#`).
    Tag(&'a str),
}

impl Selection<'_> {
    /// The quotes `q` of the selection as `FROM … [WHERE …]`, its parameters, and
    /// the newest-first order that one of its indexes serves, so that a page costs
    /// its length, not the size of the store.
    fn rows(self) -> (&'static str, Vec<Value>, &'static str) {
        const NEWEST: &str = "q.cited_at DESC, q.seq DESC";
        match self {
            Selection::All => ("FROM quotes q", Vec::new(), NEWEST),
            Selection::Source(name) => (
                "FROM source_quotes sq JOIN quotes q ON q.id = sq.quote_id WHERE sq.source = ?",
                vec![Value::from(name.to_string())],
                "sq.cited_at DESC, sq.seq DESC",
            ),
            Selection::Author { platform, handle } => (
                "FROM quotes q WHERE q.platform = ? AND q.author_handle = ? COLLATE NOCASE",
                vec![Value::from(platform.as_str().to_string()), Value::from(handle.to_string())],
                NEWEST,
            ),
            Selection::Tag(tag) => (
                "FROM quote_tags t JOIN quotes q ON q.id = t.quote_id WHERE t.tag = ?",
                vec![Value::from(tag.to_lowercase())],
                NEWEST,
            ),
        }
    }
}

/// A quote as published, with the articles that cite it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedQuote {
    /// The quote (its `context` is the first citation's).
    pub quote: Quote,
    /// When the first citing article was published (or first seen), Unix seconds.
    pub cited_at: i64,
    /// When quotefeed first stored it.
    pub first_seen_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// The articles that quote it, earliest first.
    pub citations: Vec<CitingArticle>,
}

impl PublishedQuote {
    /// The articles that quote it, each once: one article carried by two sources
    /// (the same URL) is listed once, with the first source that carried it.
    pub fn citing_articles(&self) -> impl Iterator<Item = &CitingArticle> {
        self.citations
            .iter()
            .enumerate()
            .filter(|(i, citation)| {
                citation
                    .url
                    .as_ref()
                    .is_none_or(|url| !self.citations[..*i].iter().any(|c| c.url.as_ref() == Some(url)))
            })
            .map(|(_, citation)| citation)
    }
}

/// An article that quotes a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitingArticle {
    /// The source the article came from.
    pub source: String,
    /// The source's title, when its feed has one.
    pub source_title: Option<String>,
    /// The source's site.
    pub site_url: Option<String>,
    /// The article's title.
    pub title: Option<String>,
    /// The article's URL.
    pub url: Option<String>,
    /// When it was published, Unix seconds.
    pub published_at: Option<i64>,
    /// The sentence that introduces the quote.
    pub context: Option<String>,
}

/// A source as shown on the status page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSummary {
    /// Its name.
    pub name: String,
    /// Where it is fetched from.
    pub url: String,
    /// Its feed's title.
    pub title: Option<String>,
    /// Its site.
    pub site_url: Option<String>,
    /// Its language.
    pub language: Option<String>,
    /// Last poll, Unix seconds.
    pub last_attempt_at: Option<i64>,
    /// Last successful poll.
    pub last_success_at: Option<i64>,
    /// The last error, if the last poll failed.
    pub last_error: Option<String>,
    /// Failures in a row.
    pub error_count: i64,
    /// Next poll.
    pub next_run_at: Option<i64>,
    /// Quotes its articles cite.
    pub quotes: i64,
    /// When its newest quote was cited.
    pub newest_quote_at: Option<i64>,
    /// The process leasing it to poll it, and until when (Unix seconds), when one
    /// has (the lease may have run out: compare with now).
    pub polling: Option<(String, i64)>,
}

/// A hashtag, with how many quotes carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSummary {
    /// The tag, lowercase, without `#`.
    pub name: String,
    /// Number of quotes.
    pub quotes: i64,
}

/// A person quoted, with how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorSummary {
    /// Platform.
    pub platform: Platform,
    /// Handle as stored.
    pub handle: String,
    /// Display name.
    pub name: Option<String>,
    /// Number of quotes.
    pub quotes: i64,
}

/// How many of a selection's newest quotes are weighed for its pinned posts.
pub const RECENT_FOR_PINNING: i64 = 1000;

const QUOTE_COLUMNS: &str = "q.id, q.text, q.html, q.author_name, q.author_handle, q.author_url, q.platform, q.url, \
     q.published, q.links, q.cited_at, q.first_seen_at, q.updated_at, q.resolved";

fn published_quote(row: &Row) -> db::Result<PublishedQuote> {
    let platform: String = row.get(6)?;
    let links: String = row.get(9)?;
    Ok(PublishedQuote {
        quote: Quote {
            id: row.get(0)?,
            text: row.get(1)?,
            html: row.get(2)?,
            author: Author { name: row.get(3)?, handle: row.get(4)?, url: web_url(row.get(5)?) },
            platform: Platform::parse(&platform).unwrap_or(Platform::Blockquote),
            url: web_url(row.get(7)?),
            published: row.get(8)?,
            context: None,
            links: serde_json::from_str(&links).unwrap_or_default(),
            resolved: row.get(13)?,
        },
        cited_at: row.get(10)?,
        first_seen_at: row.get(11)?,
        updated_at: row.get(12)?,
        citations: Vec::new(),
    })
}

/// A source with its state, its quote count and its newest quote's date.
const SOURCE_SUMMARY: &str =
    "SELECT s.name, s.url, s.title, s.site_url, s.language, s.last_attempt_at, s.last_success_at,
        s.last_error, s.error_count, s.next_run_at, s.quote_count,
        (SELECT MAX(sq.cited_at) FROM source_quotes sq WHERE sq.source = s.name), s.lease_owner, s.lease_until
     FROM sources s";

fn source_summary(r: &Row) -> db::Result<SourceSummary> {
    Ok(SourceSummary {
        name: r.get(0)?,
        url: r.get(1)?,
        title: r.get(2)?,
        site_url: web_url(r.get(3)?),
        language: r.get(4)?,
        last_attempt_at: r.get(5)?,
        last_success_at: r.get(6)?,
        last_error: r.get(7)?,
        error_count: r.get(8)?,
        next_run_at: r.get(9)?,
        quotes: r.get(10)?,
        newest_quote_at: r.get(11)?,
        polling: match (r.get::<_, Option<String>>(12)?, r.get::<_, Option<i64>>(13)?) {
            (Some(owner), Some(until)) => Some((owner, until)),
            _ => None,
        },
    })
}

/// Fills in the citations of the quotes, in one query.
fn add_citations(connection: &Connection<'_>, quotes: &mut [PublishedQuote]) -> db::Result<()> {
    if quotes.is_empty() {
        return Ok(());
    }
    let placeholders = vec!["?"; quotes.len()].join(",");
    let sql = format!(
        "SELECT c.quote_id, a.source, s.title, s.site_url, a.title, a.url, a.published_at, c.context
         FROM citations c JOIN articles a ON a.id = c.article_id JOIN sources s ON s.name = a.source
         WHERE c.quote_id IN ({placeholders})
         ORDER BY COALESCE(a.published_at, a.first_seen_at), a.id"
    );
    let ids: Vec<Value> = quotes.iter().map(|q| Value::from(q.quote.id.as_str())).collect();
    let rows = connection.query_map(&sql, ids, |r| {
        Ok((
            r.get::<_, String>(0)?,
            CitingArticle {
                source: r.get(1)?,
                source_title: r.get(2)?,
                site_url: web_url(r.get(3)?),
                title: r.get(4)?,
                url: web_url(r.get(5)?),
                published_at: r.get(6)?,
                context: r.get(7)?,
            },
        ))
    })?;
    for (quote_id, citation) in rows {
        if let Some(quote) = quotes.iter_mut().find(|q| q.quote.id == quote_id) {
            if quote.quote.context.is_none() {
                quote.quote.context = citation.context.clone();
            }
            quote.citations.push(citation);
        }
    }
    Ok(())
}

impl Store {
    /// The newest quotes of a selection, newest first (by when they were first cited).
    pub fn published_quotes(&self, selection: Selection<'_>, limit: usize) -> Result<Vec<PublishedQuote>> {
        self.published_quotes_page(selection, 0, limit)
    }

    /// Like [`Store::published_quotes`], skipping the `offset` newest.
    pub fn published_quotes_page(
        &self,
        selection: Selection<'_>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<PublishedQuote>> {
        let (rows, mut values, newest) = selection.rows();
        values.push(Value::from(i64::try_from(limit).unwrap_or(i64::MAX)));
        values.push(Value::from(i64::try_from(offset).unwrap_or(i64::MAX)));
        let sql = format!("SELECT {QUOTE_COLUMNS} {rows} ORDER BY {newest} LIMIT ? OFFSET ?");
        self.quotes_with_citations(&sql, values)
    }

    /// The quotes a query of [`QUOTE_COLUMNS`] selects, with their citations.
    fn quotes_with_citations(&self, sql: &str, values: Vec<Value>) -> Result<Vec<PublishedQuote>> {
        self.read(|c| {
            let mut quotes = c.query_map(sql, values, published_quote)?;
            add_citations(c, &mut quotes)?;
            Ok(quotes)
        })
    }

    /// The most cited of a selection's [`RECENT_FOR_PINNING`] newest quotes (an
    /// actor's pinned posts), most cited first, newest first among equals. Only
    /// recent quotes are weighed, so the cost does not grow with the store.
    pub fn most_cited_quotes(&self, selection: Selection<'_>, limit: usize) -> Result<Vec<PublishedQuote>> {
        let (rows, mut values, newest) = selection.rows();
        values.push(Value::from(RECENT_FOR_PINNING));
        values.push(Value::from(i64::try_from(limit).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT {QUOTE_COLUMNS} FROM quotes q
             JOIN (SELECT q.seq AS seq {rows} ORDER BY {newest} LIMIT ?) recent ON recent.seq = q.seq
             ORDER BY (SELECT COUNT(*) FROM citations c WHERE c.quote_id = q.id) DESC, q.cited_at DESC, q.seq DESC
             LIMIT ?"
        );
        self.quotes_with_citations(&sql, values)
    }

    /// How many quotes a selection holds: kept counts for everything and for a
    /// source, an index range for an author or a hashtag.
    pub fn count_quotes(&self, selection: Selection<'_>) -> Result<i64> {
        self.read(|c| match selection {
            Selection::All => c.query_row("SELECT value FROM counters WHERE name = 'quotes'", (), |r| r.get(0)),
            Selection::Source(name) => c
                .query_row("SELECT quote_count FROM sources WHERE name = ?1", [name], |r| r.get(0))
                .optional()
                .map(Option::unwrap_or_default),
            _ => {
                let (rows, values, _) = selection.rows();
                c.query_row(&format!("SELECT COUNT(*) {rows}"), values, |r| r.get(0))
            }
        })
    }

    /// One quote by id.
    pub fn published_quote(&self, id: &str) -> Result<Option<PublishedQuote>> {
        self.read(|c| {
            let sql = format!("SELECT {QUOTE_COLUMNS} FROM quotes q WHERE q.id = ?1");
            let Some(quote) = c.query_row(&sql, [id], published_quote).optional()? else { return Ok(None) };
            let mut quotes = [quote];
            add_citations(c, &mut quotes)?;
            let [quote] = quotes;
            Ok(Some(quote))
        })
    }

    /// Every source the store knows, by name, with its state and quote count.
    pub fn sources(&self) -> Result<Vec<SourceSummary>> {
        self.read(|c| c.query_map(&format!("{SOURCE_SUMMARY} ORDER BY s.name"), (), source_summary))
    }

    /// One source with its state and quote count, if the store knows it.
    pub fn source(&self, name: &str) -> Result<Option<SourceSummary>> {
        self.read(|c| c.query_row(&format!("{SOURCE_SUMMARY} WHERE s.name = ?1"), [name], source_summary).optional())
    }

    /// An author as stored (the handle's case as first seen) if any quote is theirs.
    pub fn author(&self, platform: Platform, handle: &str) -> Result<Option<AuthorSummary>> {
        self.read(|c| {
            c.query_row(
                "SELECT MIN(author_handle), MAX(author_name), COUNT(*) FROM quotes
                 WHERE platform = ?1 AND author_handle = ?2 COLLATE NOCASE GROUP BY author_handle COLLATE NOCASE",
                params![platform.as_str(), handle],
                |r| Ok(AuthorSummary { platform, handle: r.get(0)?, name: r.get(1)?, quotes: r.get(2)? }),
            )
            .optional()
        })
    }

    /// A hashtag, if any quote carries it.
    pub fn tag(&self, name: &str) -> Result<Option<TagSummary>> {
        let name = name.to_lowercase();
        self.read(|c| {
            let quotes: i64 = c.query_row("SELECT COUNT(*) FROM quote_tags WHERE tag = ?1", [&name], |r| r.get(0))?;
            Ok((quotes > 0).then_some(TagSummary { name, quotes }))
        })
    }

    /// Every hashtag, most used first.
    pub fn tags(&self) -> Result<Vec<TagSummary>> {
        self.read(|c| {
            c.query_map("SELECT tag, COUNT(*) FROM quote_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag", (), |r| {
                Ok(TagSummary { name: r.get(0)?, quotes: r.get(1)? })
            })
        })
    }

    /// Everyone quoted (with a handle), most quoted first.
    pub fn authors(&self) -> Result<Vec<AuthorSummary>> {
        self.read(|c| {
            c.query_map(
                "SELECT platform, MIN(author_handle), MAX(author_name), COUNT(*) FROM quotes WHERE author_handle IS NOT NULL
                 GROUP BY platform, author_handle COLLATE NOCASE ORDER BY COUNT(*) DESC, 2",
                (),
                |r| {
                    let platform: String = r.get(0)?;
                    Ok(AuthorSummary {
                        platform: Platform::parse(&platform).unwrap_or(Platform::Blockquote),
                        handle: r.get(1)?,
                        name: r.get(2)?,
                        quotes: r.get(3)?,
                    })
                },
            )
        })
    }

    /// Articles stored per source.
    pub fn article_counts(&self) -> Result<Vec<(String, i64)>> {
        self.read(|c| {
            c.query_map("SELECT name, article_count FROM sources ORDER BY name", (), |r| Ok((r.get(0)?, r.get(1)?)))
        })
    }

    /// Quotes found per source and day (days since the Unix epoch) since `since`
    /// (Unix seconds): `(source, day, quotes)`.
    pub fn quotes_found_per_day(&self, since: i64) -> Result<Vec<(String, i64, i64)>> {
        self.read(|c| {
            c.query_map(
                "SELECT source, day, quotes FROM source_days WHERE day >= CAST(?1 AS BIGINT) / 86400 AND quotes > 0
                 ORDER BY day, source",
                [since],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
    }

    /// Every quote id, newest first.
    pub fn quote_ids(&self) -> Result<Vec<String>> {
        self.read(|c| c.query_map("SELECT id FROM quotes ORDER BY cited_at DESC, seq DESC", (), |r| r.get(0)))
    }
}

/// The queries whose plans the tests check, on both databases: a page of every
/// quote, of a source's (`news`), of an author's, and the source list.
#[cfg(test)]
fn hot_queries() -> [(String, Vec<Value>); 4] {
    let page = |selection: Selection<'_>| {
        let (rows, mut values, newest) = selection.rows();
        values.extend([Value::from(50), Value::from(0)]);
        (format!("SELECT {QUOTE_COLUMNS} {rows} ORDER BY {newest} LIMIT ? OFFSET ?"), values)
    };
    [
        page(Selection::All),
        page(Selection::Source("news")),
        page(Selection::Author { platform: Platform::Twitter, handle: "h" }),
        (SOURCE_SUMMARY.to_string(), Vec::new()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Author;
    use crate::store::ArticleRecord;

    fn quote(id: &str) -> Quote {
        Quote {
            id: id.into(),
            text: format!("text of {id}"),
            html: None,
            author: Author { name: None, handle: Some("h".into()), url: None },
            platform: Platform::Twitter,
            url: None,
            published: None,
            context: None,
            links: Vec::new(),
            resolved: false,
        }
    }

    #[test]
    fn the_most_cited_quotes_come_first() {
        let dir = tempfile::tempdir().unwrap();
        for store in crate::store::testing::stores(dir.path()) {
            store.sync_sources([("news", "https://news.example/feed".to_string())]).unwrap();
            let article = |guid: &str| ArticleRecord {
                guid: guid.into(),
                url: None,
                title: None,
                published_at: None,
                content_hash: guid.into(),
            };
            // "a" is cited by two articles, "b" and "c" (newer) by one each.
            store.commit_article("news", &article("1"), &[quote("a"), quote("b")], 10).unwrap();
            store.commit_article("news", &article("2"), &[quote("a"), quote("c")], 20).unwrap();
            let ids = |limit| -> Vec<String> {
                store.most_cited_quotes(Selection::All, limit).unwrap().into_iter().map(|q| q.quote.id).collect()
            };
            assert_eq!(ids(5), vec!["a", "c", "b"]);
            assert_eq!(ids(1), vec!["a"]);
        }
    }

    fn article(guid: &str) -> ArticleRecord {
        ArticleRecord { guid: guid.into(), url: None, title: None, published_at: None, content_hash: guid.into() }
    }

    /// What the kept counts say, beside what counting the rows says.
    fn counts(store: &Store) -> Vec<(String, i64, i64)> {
        let mut counts = vec![(
            "all".to_string(),
            store.count_quotes(Selection::All).unwrap(),
            store.read(|c| c.query_row("SELECT COUNT(*) FROM quotes", (), |r| r.get(0))).unwrap(),
        )];
        for source in ["news", "wire"] {
            let counted: i64 = store
                .read(|c| {
                    c.query_row(
                        "SELECT COUNT(DISTINCT c.quote_id) FROM citations c JOIN articles a ON a.id = c.article_id
                         WHERE a.source = ?1",
                        [source],
                        |r| r.get(0),
                    )
                })
                .unwrap();
            counts.push((source.to_string(), store.count_quotes(Selection::Source(source)).unwrap(), counted));
            // The status page's kept figures agree with counting too.
            let kept_articles = store.article_counts().unwrap().into_iter().find(|(n, _)| n == source).unwrap().1;
            let articles: i64 = store
                .read(|c| c.query_row("SELECT COUNT(*) FROM articles WHERE source = ?1", [source], |r| r.get(0)))
                .unwrap();
            assert_eq!(kept_articles, articles, "{source} articles");
            let per_day: i64 =
                store.quotes_found_per_day(0).unwrap().iter().filter(|(n, _, _)| n == source).map(|(_, _, q)| q).sum();
            assert_eq!(per_day, counted, "{source} quotes per day");
        }
        counts
    }

    #[test]
    fn kept_counts_follow_citations_as_they_come_and_go() {
        let dir = tempfile::tempdir().unwrap();
        for store in crate::store::testing::stores(dir.path()) {
            store
                .sync_sources([
                    ("news", "https://news.example/feed".to_string()),
                    ("wire", "https://wire.example/".into()),
                ])
                .unwrap();
            let check = |expected: [i64; 3]| {
                let counts = counts(&store);
                for (name, kept, counted) in &counts {
                    assert_eq!(kept, counted, "{name}: {counts:?}");
                }
                assert_eq!(counts.iter().map(|c| c.1).collect::<Vec<_>>(), expected, "{counts:?}");
            };
            store.commit_article("news", &article("1"), &[quote("a"), quote("b")], 10).unwrap();
            store.commit_article("news", &article("2"), &[quote("a"), quote("c")], 20).unwrap();
            check([3, 3, 0]);
            store.commit_article("wire", &article("3"), &[quote("a")], 30).unwrap();
            check([3, 3, 1]);
            // An earlier citation of "b" (by wire) moves its date on news's list too.
            store.commit_article("wire", &article("4"), &[quote("b")], 5).unwrap();
            let dated: i64 = store
                .read(|c| {
                    c.query_row(
                        "SELECT cited_at FROM source_quotes WHERE source = 'news' AND quote_id = 'b'",
                        (),
                        |r| r.get(0),
                    )
                })
                .unwrap();
            assert_eq!(dated, 5);
            store.commit_article("wire", &article("4"), &[], 6).unwrap();
            check([3, 3, 1]);
            // "a" leaves article 1 but is still cited by 2: news keeps it.
            store.commit_article("news", &article("1"), &[quote("b")], 40).unwrap();
            check([3, 3, 1]);
            // "a" leaves article 2 too: news no longer has it; wire does, so it stays.
            store.commit_article("news", &article("2"), &[quote("c")], 50).unwrap();
            check([3, 2, 1]);
            let newest = |source: &str| store.source(source).unwrap().unwrap().newest_quote_at;
            assert_eq!(newest("wire"), Some(10), "the date \"a\" was first cited");
            // The last citation of "a" goes: the quote is deleted everywhere.
            store.commit_article("wire", &article("3"), &[], 60).unwrap();
            check([2, 2, 0]);
            assert_eq!(newest("wire"), None);
            let page: Vec<String> = store
                .published_quotes_page(Selection::Source("news"), 0, 10)
                .unwrap()
                .into_iter()
                .map(|q| q.quote.id)
                .collect();
            assert_eq!(page, vec!["c", "b"]);
        }
    }

    /// The plan SQLite chooses for a query, one step a line.
    fn plan(store: &Store, sql: &str, values: Vec<Value>) -> String {
        store
            .read(|c| c.query_map(&format!("EXPLAIN QUERY PLAN {sql}"), values, |r| r.get::<_, String>(3)))
            .unwrap()
            .join("\n")
    }

    #[test]
    fn the_hot_queries_read_an_index_range_not_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("q.db")).unwrap();
        store.sync_sources([("news", "https://news.example/feed".to_string())]).unwrap();
        store.read(|c| c.execute_batch("ANALYZE")).unwrap();
        let [all, source, author, sources] = hot_queries().map(|(sql, values)| plan(&store, &sql, values));
        // Every quote and a source's: walked in date order along an index, no sort.
        for (plan, index) in [(all, "quotes_by_date"), (source, "source_quotes_by_date")] {
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "sorts: {plan}");
        }
        // An author's: an index range of that author.
        assert!(author.contains("quotes_by_author"), "{author}");
        // The source list of the front page and the status page: kept counts and
        // one index lookup per source, no pass over the citations.
        assert!(!sources.contains("citations") && !sources.contains("SCAN c"), "{sources}");
        assert!(sources.contains("source_quotes_by_date"), "{sources}");
    }
}

#[cfg(all(test, feature = "interop"))]
mod postgres_tests {
    use super::*;
    use crate::store::Location;
    use crate::store::testing::Postgres;

    /// PostgreSQL's plan for a query, as `EXPLAIN` prints it.
    fn plan(store: &Store, sql: &str, values: Vec<Value>) -> String {
        store
            .read(|c| {
                // Only the indexes' own order may serve the query: no scan of the
                // whole table, no sort (on a table this small the planner would
                // otherwise rather read it all).
                c.execute_batch("SET enable_seqscan = off; SET enable_sort = off")?;
                let plan = c.query_map(&format!("EXPLAIN {sql}"), values, |r| r.get::<_, String>(0));
                c.execute_batch("RESET enable_seqscan; RESET enable_sort")?;
                plan
            })
            .unwrap()
            .join("\n")
    }

    #[test]
    fn the_hot_queries_read_an_index_range_on_postgres_too() {
        let store = Store::open_at(&Location::Postgres(Postgres::shared().new_database())).unwrap();
        store.sync_sources([("news", "https://news.example/feed".to_string())]).unwrap();
        let [all, source, author, sources] = hot_queries().map(|(sql, values)| plan(&store, &sql, values));
        for (plan, index) in [(all, "quotes_by_date"), (source, "source_quotes_by_date")] {
            assert!(plan.contains(&format!("Index Scan using {index}")), "{plan}");
            assert!(!plan.contains("Sort") && !plan.contains("Seq Scan"), "{plan}");
        }
        assert!(author.contains("quotes_by_author"), "{author}");
        assert!(!sources.contains("citations"), "{sources}");
        assert!(sources.contains("source_quotes_by_date"), "{sources}");
    }
}
