//! Carrying posts to followers. Store events (a quote added to, corrected in or
//! removed from an actor's feed) are fanned out into one delivery per follower
//! server (the shared inbox when there is one), kept in the store; a worker sends
//! them signed, re-signing on every try, with retries spread over about two days.
//! A server that answers 410 Gone loses its followers.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio_util::sync::CancellationToken;

use super::ActivityPub;
use super::objects::{actor, create, delete, note, revoke_quote, update, update_profile};
use crate::fetch::FetchError;
use crate::store::call;
use crate::store::{Delivery, Event, PROFILE_EVENT};

/// Hosts delivered to at once (one delivery in flight per host).
const CONCURRENT_DELIVERIES: usize = 8;
/// Failed deliveries in a row to one host (`host:port`) that pause it: the circuit
/// breaker, so a server that is down does not take a share of every send.
const BREAKER_THRESHOLD: i64 = 5;
/// How long a host is paused; the first delivery after it is the probe, and
/// another failure pauses the host again.
const BREAKER_PAUSE: i64 = 600;
/// The longest the worker sleeps before looking for work made by another process.
const IDLE_CHECK: Duration = Duration::from_secs(5);

/// Runs the fan-out and delivery loop until `shutdown`.
pub async fn run(ap: Arc<ActivityPub>, shutdown: CancellationToken) {
    loop {
        if let Err(e) = fan_out(&ap).await {
            tracing::warn!("cannot turn events into deliveries: {e}");
        }
        send_due(&ap).await;
        let next = call(&ap.store, |s| s.next_delivery_at()).await.ok().flatten();
        let wait = match next {
            Some(at) => Duration::from_millis(u64::try_from((at - chrono::Utc::now().timestamp()) * 1000).unwrap_or(0)),
            None => IDLE_CHECK,
        }
        .clamp(Duration::from_millis(50), IDLE_CHECK);
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = ap.wake.notified() => {}
            () = ap.store.events_added() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// The activity an event makes, or `None` when there is nothing to say any more
/// (the quote was deleted before a `Create` went out).
async fn activity_for(ap: &ActivityPub, event: &Event) -> Result<Option<String>, String> {
    if event.kind == "delete" {
        return Ok(Some(delete(&ap.urls, &event.actor, &event.quote_id).to_string()));
    }
    if event.kind == PROFILE_EVENT {
        // The profile as it is now (a later change makes its own event).
        let Some(kind) = ap.feed_of(&event.actor).await? else { return Ok(None) };
        let key = ap.keys.key(&event.actor).await?;
        let profile = actor(&ap.urls, &kind, &key, ap.person_actors);
        return Ok(Some(update_profile(&ap.urls, &event.actor, profile, event.seq).to_string()));
    }
    let (actor, id) = (event.actor.clone(), event.quote_id.clone());
    let found = call(&ap.store, move |s| -> Result<_, crate::store::StoreError> {
        Ok((s.published_quote(&id)?, s.quote_request(&actor, &id)?))
    })
    .await
    .map_err(|e| e.to_string())?;
    let (Some(quote), request) = found else { return Ok(None) };
    let document = note(&ap.urls, &event.actor, &quote, request.as_ref());
    // An author's answer changes the note too: the Update is dated by the later.
    let updated_at = quote.updated_at.max(request.and_then(|r| r.answered_at).unwrap_or(0));
    Ok(Some(
        match event.kind.as_str() {
            "update" => update(&ap.urls, &event.actor, document, updated_at),
            _ => create(&ap.urls, &event.actor, document),
        }
        .to_string(),
    ))
}

/// Turns pending events into deliveries, one per follower server.
async fn fan_out(ap: &ActivityPub) -> Result<(), String> {
    loop {
        let events = call(&ap.store, |s| s.pending_events(100)).await.map_err(|e| e.to_string())?;
        if events.is_empty() {
            return Ok(());
        }
        for event in events {
            if event.kind == "create"
                && let Err(e) = ap.ask_to_quote(&event).await
            {
                tracing::warn!("cannot ask to quote for {}: {e}", event.actor);
            }
            let for_event = event.clone();
            let inboxes = call(&ap.store, move |s| s.follower_inboxes(&for_event)).await.map_err(|e| e.to_string())?;
            let mut deliveries: Vec<(String, String)> = if inboxes.is_empty() {
                Vec::new()
            } else {
                match activity_for(ap, &event).await? {
                    Some(activity) => inboxes.into_iter().map(|inbox| (inbox, activity.clone())).collect(),
                    None => Vec::new(),
                }
            };
            if event.kind == "delete" {
                // FEP-044f: a deleted note's quote authorizations are revoked.
                let (actor, quote) = (event.actor.clone(), event.quote_id.clone());
                let stamps = call(&ap.store, move |s| s.quote_authorizations_of(&actor, &quote))
                    .await
                    .map_err(|e| e.to_string())?;
                for (stamp, inbox) in stamps {
                    deliveries.push((inbox, revoke_quote(&ap.urls, &event.actor, &stamp).to_string()));
                }
            }
            let count = deliveries.len();
            let now = chrono::Utc::now().timestamp();
            call(&ap.store, move |s| s.fan_out(&event, &deliveries, now)).await.map_err(|e| e.to_string())?;
            metrics::counter!("quotefeed_deliveries_queued_total").increment(count as u64);
        }
    }
}

/// Sends every delivery that is due.
async fn send_due(ap: &Arc<ActivityPub>) {
    loop {
        let now = chrono::Utc::now().timestamp();
        let (owner, until) = (ap.lease.owner.clone(), ap.lease.until(now));
        let due = match call(&ap.store, move |s| s.claim_deliveries(&owner, now, until, 200)).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!("cannot read the delivery queue: {e}");
                return;
            }
        };
        if due.is_empty() {
            return;
        }
        // One host's deliveries go one after another, so that the circuit breaker's
        // pause stops the next one; different hosts are served in parallel.
        let mut by_host: Vec<(String, Vec<Delivery>)> = Vec::new();
        for delivery in due {
            let host = host_of(&delivery.inbox);
            match by_host.iter_mut().find(|(h, _)| *h == host) {
                Some((_, deliveries)) => deliveries.push(delivery),
                None => by_host.push((host, vec![delivery])),
            }
        }
        // The leases are renewed while the batch goes out (one slow host can take
        // a while); the deliveries are released as each is done.
        let renewing = tokio::spawn(renew_leases(Arc::clone(ap)));
        stream::iter(by_host)
            .for_each_concurrent(CONCURRENT_DELIVERIES, |(_, deliveries)| async move {
                for delivery in deliveries {
                    deliver(ap, delivery).await;
                }
            })
            .await;
        renewing.abort();
    }
}

/// Renews this process's delivery leases every third of their length, until aborted.
async fn renew_leases(ap: Arc<ActivityPub>) {
    loop {
        tokio::time::sleep(ap.lease.length / 3).await;
        let (owner, until) = (ap.lease.owner.clone(), ap.lease.until(chrono::Utc::now().timestamp()));
        if let Err(e) = call(&ap.store, move |s| s.renew_delivery_leases(&owner, until)).await {
            tracing::warn!("cannot renew the delivery leases: {e}");
        }
    }
}

/// What to do after a try.
enum Outcome {
    Delivered,
    Gone,
    Rejected(u16),
    Retry(String),
}

/// The host (`host:port`) of an inbox, which the circuit breaker counts by.
fn host_of(inbox: &str) -> String {
    url::Url::parse(inbox).map(|u| crate::fetch::host_header(&u)).unwrap_or_else(|_| inbox.to_string())
}

async fn deliver(ap: &Arc<ActivityPub>, delivery: Delivery) {
    let host = host_of(&delivery.inbox);
    let now = chrono::Utc::now().timestamp();
    let probe = host.clone();
    if let Ok(Some(until)) = call(&ap.store, move |s| s.host_paused_until(&probe, now)).await {
        let id = delivery.id;
        if let Err(e) = call(&ap.store, move |s| s.postpone_delivery(id, until)).await {
            tracing::warn!("cannot postpone a delivery: {e}");
        }
        return;
    }
    let outcome = match ap.post(&delivery.actor, &delivery.inbox, &delivery.activity).await {
        Ok(status) if (200..300).contains(&status) => Outcome::Delivered,
        Ok(410) => Outcome::Gone,
        Ok(status @ (408 | 429)) | Ok(status @ 500..=599) => Outcome::Retry(format!("HTTP {status}")),
        Ok(status) => Outcome::Rejected(status),
        Err(e @ FetchError::Refused(_)) => {
            tracing::warn!("delivery to {} refused: {e}", delivery.inbox);
            Outcome::Rejected(0)
        }
        Err(e) => Outcome::Retry(e.to_string()),
    };
    let id = delivery.id;
    let inbox = delivery.inbox.clone();
    let answered = !matches!(outcome, Outcome::Retry(_));
    let (counted, until) = (host.clone(), now + BREAKER_PAUSE);
    match call(&ap.store, move |s| s.record_host_result(&counted, answered, BREAKER_THRESHOLD, until)).await {
        Ok(Some(until)) => tracing::warn!(
            "{host} failed {BREAKER_THRESHOLD} deliveries in a row: paused until {}",
            chrono::DateTime::from_timestamp(until, 0).unwrap_or_default().format("%H:%M:%S UTC")
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!("cannot record how {host} answered: {e}"),
    }
    let result = match outcome {
        Outcome::Delivered => {
            metrics::counter!("quotefeed_deliveries_total", "result" => "delivered").increment(1);
            call(&ap.store, move |s| s.finish_delivery(id)).await
        }
        Outcome::Gone => {
            tracing::info!("{inbox} is gone: its followers are removed");
            metrics::counter!("quotefeed_deliveries_total", "result" => "gone").increment(1);
            call(&ap.store, move |s| s.remove_followers_at(&inbox).and_then(|_| s.finish_delivery(id))).await
        }
        Outcome::Rejected(status) => {
            tracing::warn!("{} rejected a delivery (HTTP {status}); not retrying", delivery.inbox);
            metrics::counter!("quotefeed_deliveries_total", "result" => "rejected").increment(1);
            call(&ap.store, move |s| s.finish_delivery(id)).await
        }
        Outcome::Retry(error) => match ap.retry_delay(delivery.attempts) {
            Some(delay) => {
                tracing::info!("delivery to {inbox} failed ({error}); retrying in {}s", delay.as_secs());
                metrics::counter!("quotefeed_deliveries_total", "result" => "retry").increment(1);
                let at = chrono::Utc::now().timestamp() + i64::try_from(delay.as_secs()).unwrap_or(i64::MAX);
                call(&ap.store, move |s| s.retry_delivery(id, at, &error)).await
            }
            None => {
                tracing::warn!("giving up on a delivery to {inbox} after {} tries: {error}", delivery.attempts + 1);
                metrics::counter!("quotefeed_deliveries_total", "result" => "given_up").increment(1);
                call(&ap.store, move |s| s.finish_delivery(id)).await
            }
        },
    };
    if let Err(e) = result {
        tracing::warn!("cannot record a delivery: {e}");
    }
}
