//! The scheduler: one task per enabled source that sleeps until the source is due,
//! polls it and schedules the next run (so runs of one source never overlap). A run
//! missed while the daemon was down happens once at start-up. On shutdown no new
//! poll starts, polls in flight stop between articles, and the scheduler returns.
//!
//! Several processes may share one store: before polling, a process leases the
//! source in the store ([`Store::claim_source`]) and renews the lease while it
//! polls. A run is polled by one process; the others see it done and wait for the
//! next. A process that dies mid-poll stops renewing, and another takes the source
//! over when the lease runs out.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::config::SourceConfig;
use crate::poll::{PollReport, Poller};
use crate::store::call;
use crate::store::{Lease, SourceClaim, Store};

/// Longest wait for polls in flight after a shutdown request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

/// Polls the configured sources on their schedules.
pub struct Scheduler {
    sources: Vec<SourceConfig>,
    poller: Arc<Poller>,
    store: Arc<Store>,
    lease: Arc<Lease>,
}

impl Scheduler {
    /// A scheduler for these sources, polling with `poller` into `store`, leasing
    /// each run with `lease`.
    pub fn new(sources: Vec<SourceConfig>, poller: Arc<Poller>, store: Arc<Store>, lease: Arc<Lease>) -> Scheduler {
        Scheduler { sources, poller, store, lease }
    }

    /// Polls every enabled source (or the one named) once, all at once within the
    /// fetch limits, and returns the reports in configuration order.
    pub async fn poll_once(&self, only: Option<&str>, cancel: &CancellationToken) -> Vec<PollReport> {
        let sources: Vec<SourceConfig> = self
            .sources
            .iter()
            .filter(|s| match only {
                Some(name) => s.name == name,
                None => s.enabled,
            })
            .cloned()
            .collect();
        let mut tasks = JoinSet::new();
        for (index, source) in sources.into_iter().enumerate() {
            let poller = Arc::clone(&self.poller);
            let cancel = cancel.clone();
            tasks.spawn(async move { (index, poller.poll(&source, &cancel).await) });
        }
        let mut reports: Vec<(usize, PollReport)> = tasks.join_all().await;
        reports.sort_by_key(|(index, _)| *index);
        reports.into_iter().map(|(_, report)| report).collect()
    }

    /// Polls every enabled source on its schedule until `shutdown` is cancelled.
    /// Each new list of sources from `updates` (a reloaded configuration) takes
    /// effect at once: removed sources stop, added ones start, and changed ones
    /// restart (a changed schedule is followed from now on, not after the run the
    /// old one planned). A source's runs never overlap, across reloads too.
    pub async fn run(&self, shutdown: CancellationToken, mut updates: mpsc::Receiver<Vec<SourceConfig>>) {
        let mut running: HashMap<String, Running> = HashMap::new();
        self.apply(self.sources.clone(), &mut running, &shutdown, false).await;
        if running.is_empty() {
            tracing::warn!("no enabled sources: nothing to poll");
        }
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                update = updates.recv() => match update {
                    Some(sources) => self.apply(sources, &mut running, &shutdown, true).await,
                    None => {
                        shutdown.cancelled().await;
                        break;
                    }
                },
            }
        }
        let mut tasks: Vec<JoinHandle<()>> = running.into_values().map(|r| r.task).collect();
        let all = futures_util::future::join_all(tasks.iter_mut());
        if tokio::time::timeout(SHUTDOWN_GRACE, all).await.is_err() {
            tracing::warn!("polls still running after {}s: stopping them", SHUTDOWN_GRACE.as_secs());
            tasks.iter().for_each(JoinHandle::abort);
        }
    }

    /// Makes the running sources those of `sources`.
    async fn apply(
        &self,
        sources: Vec<SourceConfig>,
        running: &mut HashMap<String, Running>,
        shutdown: &CancellationToken,
        reloading: bool,
    ) {
        let wanted: HashMap<String, SourceConfig> =
            sources.into_iter().filter(|s| s.enabled).map(|s| (s.name.clone(), s)).collect();
        let stale: Vec<String> =
            running.iter().filter(|(name, r)| wanted.get(*name) != Some(&r.config)).map(|(n, _)| n.clone()).collect();
        let mut changed = Vec::new();
        for name in stale {
            let Some(mut old) = running.remove(&name) else { continue };
            old.stop.cancel();
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut old.task).await.is_err() {
                old.task.abort();
            }
            if wanted.contains_key(&name) {
                changed.push(name);
            } else {
                tracing::info!("{name}: removed from the configuration, no longer polled");
            }
        }
        let starting: Vec<SourceConfig> = wanted.into_values().filter(|s| !running.contains_key(&s.name)).collect();
        if reloading && !starting.is_empty() {
            let rows: Vec<(String, String)> =
                starting.iter().map(|s| (s.name.clone(), s.location.to_string())).collect();
            if let Err(e) =
                call(&self.store, move |s| s.sync_sources(rows.iter().map(|(n, u)| (n.as_str(), u.clone())))).await
            {
                tracing::error!("cannot record the reloaded sources: {e}");
            }
        }
        for source in starting {
            let fresh_schedule = changed.contains(&source.name);
            if reloading {
                tracing::info!("{}: {}", source.name, if fresh_schedule { "changed, restarted" } else { "added" });
            }
            let stop = shutdown.child_token();
            let task = tokio::spawn(source_loop(
                source.clone(),
                Arc::clone(&self.poller),
                Arc::clone(&self.store),
                Arc::clone(&self.lease),
                stop.clone(),
                fresh_schedule,
            ));
            running.insert(source.name.clone(), Running { config: source, stop, task });
        }
    }
}

/// A source being polled: its configuration, what stops it, and its task.
struct Running {
    config: SourceConfig,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// Polls one source whenever it is due, until shutdown. With `fresh_schedule` (the
/// source's configuration changed), the next run follows the source's schedule
/// rather than the time stored at the last run. Each run is polled only when this
/// process holds its lease.
async fn source_loop(
    source: SourceConfig,
    poller: Arc<Poller>,
    store: Arc<Store>,
    lease: Arc<Lease>,
    shutdown: CancellationToken,
    fresh_schedule: bool,
) {
    let name = source.name.clone();
    let stored = call(&store, move |s| s.source_state(&name)).await.ok().flatten();
    let now = Utc::now();
    // A run missed while the daemon was down (or a source never polled) runs now,
    // once; otherwise wait for the time stored at the last run.
    let stored_due = stored.and_then(|s| s.next_run_at).and_then(|t| DateTime::from_timestamp(t, 0));
    let mut due: DateTime<Utc> = match stored_due {
        Some(_) if fresh_schedule => {
            source.schedule.next_after(now).map_or(now, |t| t + source.schedule.jitter(&source.name, now))
        }
        Some(at) if at > now => at,
        _ => now,
    };
    // `due` is the run planned; `wake` is when to try for it, later than `due` while
    // another process holds the source.
    let mut wake = due;
    loop {
        let wait = (wake - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        let (name, owner, planned) = (source.name.clone(), lease.owner.clone(), due.timestamp());
        let now = Utc::now().timestamp();
        let until = lease.until(now);
        let claim = call(&store, move |s| s.claim_source(&name, &owner, planned, now, until)).await;
        let at = |t: i64| DateTime::from_timestamp(t, 0).unwrap_or_else(Utc::now);
        match claim {
            Ok(SourceClaim::Claimed) => {}
            Ok(SourceClaim::Polled { next_run_at }) => {
                tracing::debug!("{}: polled by another process; next at {next_run_at}", source.name);
                due = at(next_run_at);
                wake = due;
                continue;
            }
            Ok(SourceClaim::Held { until }) => {
                // Look again when that lease runs out: by then the holder has polled
                // the run, or died and the run is ours to take over.
                wake = at(until) + chrono::Duration::milliseconds(200);
                continue;
            }
            Err(e) => {
                tracing::warn!("{}: cannot lease the source: {e}", source.name);
                wake = Utc::now() + chrono::Duration::seconds(10);
                continue;
            }
        }
        let renewing = tokio::spawn(renew(Arc::clone(&store), Arc::clone(&lease), source.name.clone()));
        // Boxed: a poll's state is large, and a thousand sleeping sources should
        // not each carry room for one.
        let report = Box::pin(poller.poll(&source, &shutdown)).await;
        renewing.abort();
        let (name, owner) = (source.name.clone(), lease.owner.clone());
        if let Err(e) = call(&store, move |s| s.release_source(&name, &owner)).await {
            tracing::warn!("{}: cannot release the source: {e}", source.name);
        }
        match &report.outcome {
            Ok(_) => tracing::info!("{report}"),
            Err(_) => tracing::warn!("{report}"),
        }
        due = report.next_run_at;
        wake = due;
        if shutdown.is_cancelled() {
            return;
        }
    }
}

/// Renews this process's lease on a source every third of its length, while the
/// poll runs (the task is aborted when it ends).
async fn renew(store: Arc<Store>, lease: Arc<Lease>, name: String) {
    loop {
        tokio::time::sleep(lease.length / 3).await;
        let (source, owner, until) = (name.clone(), lease.owner.clone(), lease.until(Utc::now().timestamp()));
        match call(&store, move |s| s.renew_source_lease(&source, &owner, until)).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!("{name}: the lease was taken over while polling"),
            Err(e) => tracing::warn!("{name}: cannot renew the lease: {e}"),
        }
    }
}

/// A token cancelled by SIGTERM or SIGINT (Ctrl-C).
pub fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        let interrupt = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM can be handled");
            tokio::select! {
                _ = interrupt => {}
                _ = terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = interrupt.await;
        tracing::info!("shutting down");
        cancel.cancel();
    });
    token
}
