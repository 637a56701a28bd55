//! The store's upkeep: a background task that deletes what has outlived its use
//! (remembered activity ids, remote actors, cached posts, undeliverable events),
//! every [`PERIOD`], for as long as its [`Maintenance`] guard lives.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::{Store, call};

/// How often the upkeep runs.
pub const PERIOD: Duration = Duration::from_secs(600);

/// Owns the upkeep task: dropping it stops the task (mini-redis's drop guard).
pub struct Maintenance {
    stop: CancellationToken,
}

impl Maintenance {
    /// Starts the upkeep of `store`: once now, then every [`PERIOD`].
    pub fn start(store: Arc<Store>, federating: bool) -> Maintenance {
        let stop = CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PERIOD);
            loop {
                tokio::select! {
                    () = token.cancelled() => return,
                    _ = tick.tick() => {}
                }
                let now = chrono::Utc::now().timestamp();
                match call(&store, move |s| s.prune(now, federating)).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("upkeep: {n} stale rows deleted"),
                    Err(e) => tracing::warn!("upkeep failed: {e}"),
                }
            }
        });
        Maintenance { stop }
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
