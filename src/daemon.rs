//! The scheduler: one task per enabled source that sleeps until the source is due,
//! polls it and schedules the next run (so runs of one source never overlap). A run
//! missed while the daemon was down happens once at start-up. On shutdown no new
//! poll starts, polls in flight stop between articles, and the scheduler returns.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::SourceConfig;
use crate::poll::{PollReport, Poller};
use crate::store::Store;
use crate::store::call;

/// Longest wait for polls in flight after a shutdown request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

/// Polls the configured sources on their schedules.
pub struct Scheduler {
    sources: Vec<SourceConfig>,
    poller: Arc<Poller>,
    store: Arc<Store>,
}

impl Scheduler {
    /// A scheduler for these sources, polling with `poller` into `store`.
    pub fn new(sources: Vec<SourceConfig>, poller: Arc<Poller>, store: Arc<Store>) -> Scheduler {
        Scheduler { sources, poller, store }
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
    pub async fn run(&self, shutdown: CancellationToken) {
        let mut tasks = JoinSet::new();
        for source in self.sources.iter().filter(|s| s.enabled).cloned() {
            let poller = Arc::clone(&self.poller);
            let store = Arc::clone(&self.store);
            let shutdown = shutdown.clone();
            tasks.spawn(async move { source_loop(source, poller, store, shutdown).await });
        }
        if tasks.is_empty() {
            tracing::warn!("no enabled sources: nothing to poll");
        }
        shutdown.cancelled().await;
        if tokio::time::timeout(SHUTDOWN_GRACE, async { while tasks.join_next().await.is_some() {} }).await.is_err() {
            tracing::warn!("polls still running after {}s: stopping them", SHUTDOWN_GRACE.as_secs());
            tasks.abort_all();
        }
    }
}

/// Polls one source whenever it is due, until shutdown.
async fn source_loop(source: SourceConfig, poller: Arc<Poller>, store: Arc<Store>, shutdown: CancellationToken) {
    let name = source.name.clone();
    let stored = call(&store, move |s| s.source_state(&name)).await.ok().flatten();
    // A run missed while the daemon was down (or a source never polled) runs now,
    // once; otherwise wait for the time stored at the last run.
    let mut due: DateTime<Utc> = stored
        .and_then(|s| s.next_run_at)
        .and_then(|t| DateTime::from_timestamp(t, 0))
        .filter(|t| *t > Utc::now())
        .unwrap_or_else(Utc::now);
    loop {
        let wait = (due - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        // Boxed: a poll's state is large, and a thousand sleeping sources should
        // not each carry room for one.
        let report = Box::pin(poller.poll(&source, &shutdown)).await;
        match &report.outcome {
            Ok(_) => tracing::info!("{report}"),
            Err(_) => tracing::warn!("{report}"),
        }
        due = report.next_run_at;
        if shutdown.is_cancelled() {
            return;
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
