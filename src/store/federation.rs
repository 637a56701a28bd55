//! What ActivityPub needs stored: each actor's key, the followers, remote actors'
//! inboxes and keys, the events that changed what an actor posts, and the queue of
//! deliveries to followers' inboxes.

use super::db::{self, OptionalExtension, params};
use std::collections::HashMap;

use super::{Result, Store};

/// How long an activity id is remembered: the hour a `Date` is good for, on
/// either side.
const SEEN_ACTIVITY_SECONDS: i64 = 2 * 3600;
/// How long a remote actor is kept after it was fetched (it is fetched again
/// after a day anyway).
const REMOTE_ACTOR_KEEP_SECONDS: i64 = 2 * 24 * 3600;
/// How long a fetched post is kept (it is fetched again after a day anyway).
const STATUS_CACHE_KEEP_SECONDS: i64 = 2 * 24 * 3600;

/// A follower of one of our actors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follower {
    /// Their actor id.
    pub id: String,
    /// Their inbox.
    pub inbox: String,
    /// Their server's shared inbox, when it has one.
    pub shared_inbox: Option<String>,
    /// The id of their `Follow` activity.
    pub follow_id: Option<String>,
}

/// What we keep of a remote actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteActor {
    /// The actor id.
    pub id: String,
    /// Its inbox.
    pub inbox: Option<String>,
    /// Its server's shared inbox.
    pub shared_inbox: Option<String>,
    /// The id of its public key.
    pub key_id: Option<String>,
    /// The key, PEM.
    pub public_pem: Option<String>,
    /// When it was fetched (Unix seconds).
    pub fetched_at: i64,
}

/// A change to what one of our actors posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its sequence number.
    pub seq: i64,
    /// The actor (`all` or a source name).
    pub actor: String,
    /// `create`, `update` or `delete`.
    pub kind: String,
    /// The quote.
    pub quote_id: String,
}

/// The deliveries queued for one inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedInbox {
    /// The inbox.
    pub inbox: String,
    /// Deliveries waiting.
    pub deliveries: i64,
    /// When the next is due (Unix seconds).
    pub next_attempt_at: i64,
    /// The most failed tries of one of them.
    pub attempts: i64,
    /// The last error, if a try failed.
    pub last_error: Option<String>,
}

/// An authorization given to quote one of our notes (FEP-044f).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteAuthorization {
    /// Its URL.
    pub id: String,
    /// Our actor whose note may be quoted.
    pub actor: String,
    /// The quote the note posts.
    pub quote_id: String,
    /// The post that quotes it.
    pub interacting_object: String,
    /// Who asked.
    pub requester: String,
}

/// What the author of a fediverse post answered when one of our notes asked to
/// quote it (FEP-044f `QuoteRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteApproval {
    /// Asked, no answer yet.
    Pending,
    /// Approved: the URL of their `QuoteAuthorization` stamp.
    Accepted(String),
    /// Refused: the note no longer presents itself as a quote.
    Rejected,
}

/// A request we sent to quote a fediverse post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRequestRecord {
    /// The quoted post's id.
    pub original: String,
    /// Its author, the only one whose answer counts.
    pub author: String,
    /// The answer so far.
    pub approval: QuoteApproval,
    /// When the answer came (Unix seconds).
    pub answered_at: Option<i64>,
}

fn quote_request_record(r: &db::Row) -> db::Result<QuoteRequestRecord> {
    Ok(QuoteRequestRecord {
        original: r.get("original")?,
        author: r.get("author")?,
        approval: approval(&r.get::<_, String>("state")?, r.get("authorization")?),
        answered_at: r.get("answered_at")?,
    })
}

fn approval(state: &str, authorization: Option<String>) -> QuoteApproval {
    match (state, authorization) {
        ("accepted", Some(stamp)) => QuoteApproval::Accepted(stamp),
        ("rejected", _) => QuoteApproval::Rejected,
        _ => QuoteApproval::Pending,
    }
}

/// An activity to deliver to one inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id in the queue.
    pub id: i64,
    /// The actor that sends it.
    pub actor: String,
    /// Where it goes.
    pub inbox: String,
    /// The activity, JSON.
    pub activity: String,
    /// Failed tries so far.
    pub attempts: i64,
}

fn remote_actor_row(r: &db::Row) -> db::Result<RemoteActor> {
    Ok(RemoteActor {
        id: r.get(0)?,
        inbox: r.get(1)?,
        shared_inbox: r.get(2)?,
        key_id: r.get(3)?,
        public_pem: r.get(4)?,
        fetched_at: r.get(5)?,
    })
}

impl Store {
    /// An actor's key pair (private PEM, public PEM, when it was made), if it has one.
    pub fn actor_key(&self, actor: &str) -> Result<Option<(String, String, i64)>> {
        self.read(|c| {
            c.query_row("SELECT private_pem, public_pem, created_at FROM actor_keys WHERE actor = ?1", [actor], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
    }

    /// Keeps an actor's key pair unless it already has one; returns the one kept
    /// (private PEM, public PEM, when it was made).
    pub fn save_actor_key(
        &self,
        actor: &str,
        private_pem: &str,
        public_pem: &str,
        now: i64,
    ) -> Result<(String, String, i64)> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO actor_keys (actor, private_pem, public_pem, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                params![actor, private_pem, public_pem, now],
            )?;
            tx.query_row("SELECT private_pem, public_pem, created_at FROM actor_keys WHERE actor = ?1", [actor], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
        })
    }

    /// The remote actor whose key has this id, as last verified.
    pub fn remote_actor_by_key(&self, key_id: &str) -> Result<Option<RemoteActor>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, inbox, shared_inbox, key_id, public_pem, fetched_at FROM remote_actors WHERE key_id = ?1",
                [key_id],
                remote_actor_row,
            )
            .optional()
        })
    }

    /// Records that an activity was taken; false if it was already (a replay).
    pub fn remember_activity(&self, id: &str, now: i64) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO seen_activities (id, seen_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![id, now],
            )
            .map(|n| n > 0)
        })
    }

    /// Deletes what is no longer needed: activity ids older than the signature
    /// window, remote actors and cached posts older than their lifetime, and, when
    /// nothing federates, events nobody will deliver. Returns the rows deleted.
    pub fn prune(&self, now: i64, federating: bool) -> Result<usize> {
        self.write(|tx| {
            let mut deleted =
                tx.execute("DELETE FROM seen_activities WHERE seen_at < ?1", [now - SEEN_ACTIVITY_SECONDS])?;
            deleted +=
                tx.execute("DELETE FROM remote_actors WHERE fetched_at < ?1", [now - REMOTE_ACTOR_KEEP_SECONDS])?;
            deleted +=
                tx.execute("DELETE FROM status_cache WHERE fetched_at < ?1", [now - STATUS_CACHE_KEEP_SECONDS])?;
            if !federating {
                deleted += tx.execute("DELETE FROM events", ())?;
            }
            Ok(deleted)
        })
    }

    /// Records an authorization to quote one of our notes and queues the `Accept`
    /// that carries it to the requester's inbox, together.
    pub fn authorize_quote(
        &self,
        authorization: &QuoteAuthorization,
        inbox: &str,
        accept: &str,
        now: i64,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO quote_authorizations (id, actor, quote_id, interacting_object, requester, inbox, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
                params![
                    authorization.id,
                    authorization.actor,
                    authorization.quote_id,
                    authorization.interacting_object,
                    authorization.requester,
                    inbox,
                    now
                ],
            )?;
            tx.execute(
                "INSERT INTO deliveries (actor, inbox, activity, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![authorization.actor, inbox, accept, now],
            )?;
            Ok(())
        })
    }

    /// Whether an actor's note of a quote has asked its original's author already.
    pub fn quote_requested(&self, actor: &str, quote_id: &str) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM quote_requests WHERE actor = ?1 AND quote_id = ?2)",
                [actor, quote_id],
                |r| r.get(0),
            )
        })
    }

    /// Records that an actor's note asks to quote `original` and queues the
    /// `QuoteRequest` to its author's inbox, together.
    #[allow(clippy::too_many_arguments)]
    pub fn request_quote(
        &self,
        actor: &str,
        quote_id: &str,
        original: &str,
        author: &str,
        inbox: &str,
        request: &str,
        now: i64,
    ) -> Result<()> {
        self.write(|tx| {
            let inserted = tx.execute(
                "INSERT INTO quote_requests (actor, quote_id, original, author, state, requested_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5) ON CONFLICT DO NOTHING",
                params![actor, quote_id, original, author, now],
            )?;
            if inserted > 0 {
                tx.execute(
                    "INSERT INTO deliveries (actor, inbox, activity, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![actor, inbox, request, now],
                )?;
            }
            Ok(())
        })
    }

    /// The request an actor's note of a quote sent, if any.
    pub fn quote_request(&self, actor: &str, quote_id: &str) -> Result<Option<QuoteRequestRecord>> {
        self.read(|c| {
            c.query_row(
                "SELECT original, author, state, \"authorization\", answered_at FROM quote_requests
                 WHERE actor = ?1 AND quote_id = ?2",
                [actor, quote_id],
                quote_request_record,
            )
            .optional()
        })
    }

    /// Every request an actor's notes sent, by quote id.
    pub fn quote_requests_of(&self, actor: &str) -> Result<HashMap<String, QuoteRequestRecord>> {
        self.read(|c| {
            c.query_map("SELECT quote_id, original, author, state, \"authorization\", answered_at FROM quote_requests WHERE actor = ?1", [actor], |r| Ok((r.get(0)?, quote_request_record(r)?)))
                .map(|rows| rows.into_iter().collect())
        })
    }

    /// Keeps the author's answer to a pending request and queues an `update` of the
    /// note for its followers; false when there was no pending request.
    pub fn answer_quote_request(&self, actor: &str, quote_id: &str, answer: &QuoteApproval, now: i64) -> Result<bool> {
        let (state, stamp) = match answer {
            QuoteApproval::Accepted(stamp) => ("accepted", Some(stamp.as_str())),
            QuoteApproval::Rejected => ("rejected", None),
            QuoteApproval::Pending => return Ok(false),
        };
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE quote_requests SET state = ?3, \"authorization\" = ?4, answered_at = ?5
                 WHERE actor = ?1 AND quote_id = ?2 AND state = 'pending'",
                params![actor, quote_id, state, stamp, now],
            )?;
            if changed > 0 {
                tx.execute(
                    "INSERT INTO events (actor, kind, quote_id, created_at) VALUES (?1, 'update', ?2, ?3)",
                    params![actor, quote_id, now],
                )?;
            }
            Ok(changed > 0)
        })
    }

    /// The authorizations given to quote an actor's note of a quote, with the inbox
    /// of each requester: `(authorization URL, inbox)`.
    pub fn quote_authorizations_of(&self, actor: &str, quote_id: &str) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            c.query_map(
                "SELECT id, inbox FROM quote_authorizations WHERE actor = ?1 AND quote_id = ?2",
                [actor, quote_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// An authorization to quote one of our notes, by its URL.
    pub fn quote_authorization(&self, id: &str) -> Result<Option<QuoteAuthorization>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, actor, quote_id, interacting_object, requester FROM quote_authorizations WHERE id = ?1",
                [id],
                |r| {
                    Ok(QuoteAuthorization {
                        id: r.get(0)?,
                        actor: r.get(1)?,
                        quote_id: r.get(2)?,
                        interacting_object: r.get(3)?,
                        requester: r.get(4)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Forgets a taken activity (handling it failed, so it may come again).
    pub fn forget_activity(&self, id: &str) -> Result<()> {
        self.write(|tx| tx.execute("DELETE FROM seen_activities WHERE id = ?1", [id]).map(drop))
    }

    /// Keeps a remote actor.
    pub fn save_remote_actor(&self, actor: &RemoteActor) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO remote_actors (id, inbox, shared_inbox, key_id, public_pem, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
                 key_id = excluded.key_id, public_pem = excluded.public_pem, fetched_at = excluded.fetched_at",
                params![actor.id, actor.inbox, actor.shared_inbox, actor.key_id, actor.public_pem, actor.fetched_at],
            )
            .map(drop)
        })
    }

    /// Adds (or refreshes) a follower and queues the `Accept` to send them, together.
    pub fn add_follower(&self, actor: &str, follower: &Follower, accept: &str, now: i64) -> Result<()> {
        self.write(|tx| {
            // A follower gets what happens after they follow, not the events still
            // waiting to be fanned out: the last event number given out so far.
            let last_event = if tx.is_postgres() {
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_seq_seq"
            } else {
                "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'events'"
            };
            let after_event: i64 = tx.query_row(last_event, (), |r| r.get(0))?;
            tx.execute(
                "INSERT INTO followers (actor, follower, inbox, shared_inbox, follow_id, created_at, after_event)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (actor, follower) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
                 follow_id = excluded.follow_id",
                params![actor, follower.id, follower.inbox, follower.shared_inbox, follower.follow_id, now, after_event],
            )?;
            tx.execute(
                "INSERT INTO deliveries (actor, inbox, activity, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![actor, follower.inbox, accept, now],
            )?;
            Ok(())
        })
    }

    /// Removes a follower of one actor; says whether there was one.
    pub fn remove_follower(&self, actor: &str, follower: &str) -> Result<bool> {
        self.write(|tx| {
            tx.execute("DELETE FROM followers WHERE actor = ?1 AND follower = ?2", params![actor, follower])
                .map(|n| n > 0)
        })
    }

    /// Removes the follows of `follower` made by the `Follow` with this id (an `Undo`
    /// that names the follow only by id).
    pub fn remove_follows_by_id(&self, follower: &str, follow_id: &str) -> Result<usize> {
        self.write(|tx| {
            tx.execute("DELETE FROM followers WHERE follower = ?1 AND follow_id = ?2", params![follower, follow_id])
        })
    }

    /// Removes a remote actor from every follower list (their account was deleted).
    pub fn remove_follower_everywhere(&self, follower: &str) -> Result<usize> {
        self.write(|tx| tx.execute("DELETE FROM followers WHERE follower = ?1", [follower]))
    }

    /// Removes every follower whose inbox (or shared inbox) is `inbox` (it answered
    /// 410 Gone).
    pub fn remove_followers_at(&self, inbox: &str) -> Result<usize> {
        self.write(|tx| tx.execute("DELETE FROM followers WHERE inbox = ?1 OR shared_inbox = ?1", [inbox]))
    }

    /// How many follow an actor.
    pub fn follower_count(&self, actor: &str) -> Result<i64> {
        self.read(|c| c.query_row("SELECT COUNT(*) FROM followers WHERE actor = ?1", [actor], |r| r.get(0)))
    }

    /// The inboxes to deliver an actor's event to: one per server (its shared
    /// inbox), or the follower's own inbox when the server has none; only followers
    /// who followed before the event.
    pub fn follower_inboxes(&self, event: &Event) -> Result<Vec<String>> {
        self.read(|c| {
            c.query_map("SELECT DISTINCT COALESCE(shared_inbox, inbox) FROM followers WHERE actor = ?1 AND after_event < ?2 ORDER BY 1", params![event.actor, event.seq], |r| r.get(0))
        })
    }

    /// The oldest events not yet turned into deliveries.
    pub fn pending_events(&self, limit: usize) -> Result<Vec<Event>> {
        self.read(|c| {
            c.query_map(
                "SELECT seq, actor, kind, quote_id FROM events ORDER BY seq LIMIT ?1",
                [i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| Ok(Event { seq: r.get(0)?, actor: r.get(1)?, kind: r.get(2)?, quote_id: r.get(3)? }),
            )
        })
    }

    /// Replaces an event by the deliveries it makes (`(inbox, activity)` pairs), in
    /// one transaction.
    /// When another process fanned the event out first, nothing is added.
    pub fn fan_out(&self, event: &Event, deliveries: &[(String, String)], now: i64) -> Result<()> {
        self.write(|tx| {
            if tx.execute("DELETE FROM events WHERE seq = ?1", [event.seq])? == 0 {
                return Ok(());
            }
            for (inbox, activity) in deliveries {
                tx.execute(
                    "INSERT INTO deliveries (actor, inbox, activity, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![event.actor, inbox, activity, now],
                )?;
            }
            if event.kind == "delete" {
                // The note is gone: so are the authorizations to quote it (their
                // revocations are among the deliveries).
                tx.execute(
                    "DELETE FROM quote_authorizations WHERE actor = ?1 AND quote_id = ?2",
                    params![event.actor, event.quote_id],
                )?;
            }
            Ok(())
        })
    }

    /// Leases the deliveries due at `now` (oldest first, at most `limit`) to the
    /// process `owner` until `until`: none that another process holds, and none to
    /// a host another process is sending to, so one host's deliveries never go out
    /// from two processes at once.
    pub fn claim_deliveries(&self, owner: &str, now: i64, until: i64, limit: usize) -> Result<Vec<Delivery>> {
        self.write(|tx| {
            tx.query_map(
                "UPDATE deliveries SET lease_owner = ?1, lease_until = ?3
                 WHERE id IN (
                     SELECT d.id FROM deliveries d
                     WHERE d.next_attempt_at <= ?2 AND (d.lease_until IS NULL OR d.lease_until <= ?2)
                       AND NOT EXISTS (
                           SELECT 1 FROM deliveries o
                           WHERE o.host = d.host AND o.lease_until > ?2 AND o.lease_owner != ?1
                       )
                     ORDER BY d.next_attempt_at, d.id LIMIT ?4
                 )
                 RETURNING id, actor, inbox, activity, attempts, next_attempt_at",
                params![owner, now, until, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok((
                        r.get::<_, i64>(5)?,
                        Delivery {
                            id: r.get(0)?,
                            actor: r.get(1)?,
                            inbox: r.get(2)?,
                            activity: r.get(3)?,
                            attempts: r.get(4)?,
                        },
                    ))
                },
            )
            .map(|mut claimed| {
                // RETURNING gives no order: oldest first, as they were chosen.
                claimed.sort_by_key(|(due, d)| (*due, d.id));
                claimed.into_iter().map(|(_, d)| d).collect()
            })
        })
    }

    /// Extends the leases `owner` holds on deliveries.
    pub fn renew_delivery_leases(&self, owner: &str, until: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE deliveries SET lease_until = ?2 WHERE lease_owner = ?1", params![owner, until]).map(drop)
        })
    }

    /// When the next delivery is due, if any is queued.
    pub fn next_delivery_at(&self) -> Result<Option<i64>> {
        // A delivery another process holds is due again, at the earliest, when its
        // lease runs out.
        self.read(|c| {
            c.query_row("SELECT MIN(CASE WHEN lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END) FROM deliveries", (), |r| r.get(0))
        })
    }

    /// Removes a delivery from the queue (sent, or given up).
    pub fn finish_delivery(&self, id: i64) -> Result<()> {
        self.write(|tx| tx.execute("DELETE FROM deliveries WHERE id = ?1", [id]).map(drop))
    }

    /// Records a failed try and when to try again.
    pub fn retry_delivery(&self, id: i64, next_attempt_at: i64, error: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3,
                 lease_owner = NULL, lease_until = NULL WHERE id = ?1",
                params![id, next_attempt_at, error],
            )
            .map(drop)
        })
    }

    /// The delivery queue per inbox: `(inbox, deliveries, next attempt, most failed
    /// tries, last error)`.
    pub fn delivery_queue(&self) -> Result<Vec<QueuedInbox>> {
        self.read(|c| {
            c.query_map("SELECT inbox, COUNT(*), MIN(next_attempt_at), MAX(attempts),
                 (SELECT last_error FROM deliveries d2 WHERE d2.inbox = d.inbox AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1)
                 FROM deliveries d GROUP BY inbox ORDER BY inbox", (), |r| {
                Ok(QueuedInbox {
                    inbox: r.get(0)?,
                    deliveries: r.get(1)?,
                    next_attempt_at: r.get(2)?,
                    attempts: r.get(3)?,
                    last_error: r.get(4)?,
                })
            })
        })
    }

    /// How many sources failed their last poll, and how many deliveries are queued.
    pub fn health_counts(&self) -> Result<(i64, i64)> {
        self.read(|c| {
            c.query_row(
                "SELECT (SELECT COUNT(*) FROM sources WHERE error_count > 0), (SELECT COUNT(*) FROM deliveries)",
                (),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// Whether one of our actors posts a quote: `all` every quote, a source the
    /// quotes its articles cite, an author actor the quotes of that person.
    pub fn actor_posts(&self, actor: &str, quote_id: &str) -> Result<bool> {
        if actor == crate::model::ALL_ACTOR {
            return self
                .read(|c| c.query_row("SELECT EXISTS (SELECT 1 FROM quotes WHERE id = ?1)", [quote_id], |r| r.get(0)));
        }
        if let Some((platform, handle)) = crate::model::parse_author_actor(actor) {
            return self.read(|c| {
                c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM quotes WHERE id = ?1 AND platform = ?2 AND author_handle = ?3 COLLATE NOCASE)",
                    params![quote_id, platform.as_str(), handle],
                    |r| r.get(0),
                )
            });
        }
        self.source_cites(actor, quote_id)
    }

    /// Until when deliveries to `host` are paused, if they are.
    pub fn host_paused_until(&self, host: &str, now: i64) -> Result<Option<i64>> {
        self.read(|c| {
            c.query_row(
                "SELECT paused_until FROM delivery_hosts WHERE host = ?1 AND paused_until > ?2",
                params![host, now],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Records how a delivery to `host` went: an answer clears its failures; a
    /// failure adds one, and the `threshold`th in a row pauses the host until
    /// `pause_until`. Returns the pause, when this failure started one.
    pub fn record_host_result(
        &self,
        host: &str,
        answered: bool,
        threshold: i64,
        pause_until: i64,
    ) -> Result<Option<i64>> {
        self.write(|tx| {
            if answered {
                tx.execute("DELETE FROM delivery_hosts WHERE host = ?1", [host])?;
                return Ok(None);
            }
            let failures: i64 = tx.query_row(
                "INSERT INTO delivery_hosts (host, failures) VALUES (?1, 1)
                 ON CONFLICT (host) DO UPDATE SET failures = failures + 1 RETURNING failures",
                [host],
                |r| r.get(0),
            )?;
            if failures >= threshold {
                tx.execute("UPDATE delivery_hosts SET paused_until = ?2 WHERE host = ?1", params![host, pause_until])?;
                return Ok(Some(pause_until));
            }
            Ok(None)
        })
    }

    /// Moves a delivery to `at` without counting a try (its host is paused).
    pub fn postpone_delivery(&self, id: i64, at: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE deliveries SET next_attempt_at = CASE WHEN next_attempt_at > ?2 THEN next_attempt_at ELSE ?2 END, lease_owner = NULL, lease_until = NULL
                 WHERE id = ?1",
                params![id, at],
            )
            .map(drop)
        })
    }

    /// The hosts whose deliveries are paused: `(host, failures in a row, until)`.
    pub fn paused_hosts(&self, now: i64) -> Result<Vec<(String, i64, i64)>> {
        self.read(|c| {
            c.query_map(
                "SELECT host, failures, paused_until FROM delivery_hosts WHERE paused_until > ?1 ORDER BY host",
                [now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
    }

    /// Whether a source's articles cite a quote.
    pub fn source_cites(&self, source: &str, quote_id: &str) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM citations c JOIN articles a ON a.id = c.article_id WHERE a.source = ?1 AND c.quote_id = ?2)",
                [source, quote_id],
                |r| r.get(0),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_processes_never_hold_one_delivery_or_one_host() {
        let dir = tempfile::tempdir().unwrap();
        for store in crate::store::testing::stores(dir.path()) {
            store
                .write(|tx| {
                    tx.execute(
                        "INSERT INTO events (actor, kind, quote_id, created_at) VALUES ('all', 'create', 'q', 0)",
                        (),
                    )
                    .map(drop)
                })
                .unwrap();
            let event = store.pending_events(10).unwrap().remove(0);
            let deliveries = [
                ("https://a.example/inbox".to_string(), "{}".to_string()),
                ("https://a.example:8443/users/x/inbox".to_string(), "{}".to_string()),
                ("https://B.example/inbox".to_string(), "{}".to_string()),
            ];
            store.fan_out(&event, &deliveries, 100).unwrap();
            // Another process fanning out the same event adds nothing.
            store.fan_out(&event, &deliveries, 100).unwrap();
            let hosts: Vec<String> =
                store.read(|c| c.query_map("SELECT host FROM deliveries ORDER BY id", (), |r| r.get(0))).unwrap();
            assert_eq!(hosts, vec!["a.example", "a.example:8443", "b.example"]);

            let ids = |claimed: Vec<Delivery>| claimed.into_iter().map(|d| d.inbox).collect::<Vec<_>>();
            // Process one takes what it can hold: two, say (a batch limit).
            let first = ids(store.claim_deliveries("one", 100, 160, 2).unwrap());
            assert_eq!(first, vec!["https://a.example/inbox", "https://a.example:8443/users/x/inbox"]);
            // Process two gets only the third; a new delivery to a host process one is
            // sending to waits for it.
            store
                .write(|tx| {
                    tx.execute(
                        "INSERT INTO deliveries (actor, inbox, activity, next_attempt_at, created_at)
                     VALUES ('all', 'https://a.example/shared', '{}', 100, 100)",
                        (),
                    )
                    .map(drop)
                })
                .unwrap();
            assert_eq!(ids(store.claim_deliveries("two", 101, 161, 10).unwrap()), vec!["https://B.example/inbox"]);
            assert!(store.claim_deliveries("two", 102, 162, 10).unwrap().is_empty());
            // Process one dies: when its leases run out, process two takes its work.
            let taken = ids(store.claim_deliveries("two", 161, 221, 10).unwrap());
            assert_eq!(taken.len(), 4, "its own ran out too: {taken:?}");
            // A retried delivery is free again at its next attempt.
            let id = store.read(|c| c.query_row("SELECT MIN(id) FROM deliveries", (), |r| r.get::<_, i64>(0))).unwrap();
            store.retry_delivery(id, 300, "HTTP 503").unwrap();
            assert_eq!(store.next_delivery_at().unwrap(), Some(221), "the others are held until 221");
        }
    }

    #[test]
    fn upkeep_deletes_what_outlived_its_use() {
        let dir = tempfile::tempdir().unwrap();
        for store in crate::store::testing::stores(dir.path()) {
            let now = 1_000_000_000;
            assert!(store.remember_activity("https://a.example/old", now - 3 * 3600).unwrap());
            assert!(store.remember_activity("https://a.example/new", now).unwrap());
            assert!(!store.remember_activity("https://a.example/new", now).unwrap(), "a replay");
            for (id, at) in [("https://a.example/stale", now - 3 * 24 * 3600), ("https://a.example/fresh", now)] {
                let actor = RemoteActor {
                    id: id.into(),
                    inbox: None,
                    shared_inbox: None,
                    key_id: Some(format!("{id}#k")),
                    public_pem: None,
                    fetched_at: at,
                };
                store.save_remote_actor(&actor).unwrap();
            }
            store.cache_status("https://m.example/1", None, now - 3 * 24 * 3600).unwrap();
            store
                .write(|tx| {
                    tx.execute(
                        "INSERT INTO events (actor, kind, quote_id, created_at) VALUES ('all', 'create', 'q', 0)",
                        (),
                    )
                })
                .unwrap();
            assert_eq!(store.prune(now, true).unwrap(), 3, "old activity, stale actor, old cached post");
            assert!(store.remote_actor_by_key("https://a.example/fresh#k").unwrap().is_some());
            assert!(store.remember_activity("https://a.example/old", now).unwrap(), "forgotten after the window");
            assert_eq!(store.prune(now, false).unwrap(), 1, "events nobody will deliver");
        }
    }
}
