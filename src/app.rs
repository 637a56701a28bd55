//! The composition root: the one place that builds the parts from the
//! configuration (store, fetcher, poller, scheduler, ActivityPub, the HTTP routes)
//! and runs them together under one shutdown token. Nothing else wires parts
//! together, so `daemon`, `http` and `activitypub` do not import one another.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::activitypub::{self, ActivityPub};
use crate::config::{Config, SourceConfig};
use crate::daemon::Scheduler;
use crate::fetch::{Fetcher, RequestSigner};
use crate::http::{self, Site, response};
use crate::maintenance::Maintenance;
use crate::model::INSTANCE_ACTOR;
use crate::poll::Poller;
use crate::resolve::Resolver;
use crate::store::{Lease, Store, call};

/// The parts of a running quotefeed, built from its configuration.
pub struct App {
    /// The configuration.
    pub config: Arc<Config>,
    /// The store.
    pub store: Arc<Store>,
    /// The source scheduler.
    pub scheduler: Scheduler,
    /// ActivityPub, when enabled.
    pub activitypub: Option<Arc<ActivityPub>>,
}

impl App {
    /// Opens the store (recording the configured sources) and builds the parts.
    pub async fn open(config: Config) -> Result<App, String> {
        let location = config.storage.location();
        let store = tokio::task::spawn_blocking(move || Store::open_at(&location))
            .await
            .expect("opening the store does not panic")
            .map_err(|e| e.to_string())?;
        let store = Arc::new(store);
        store.set_federating(config.activitypub.enabled);
        let sources: Vec<(String, String)> =
            config.sources.iter().map(|s| (s.name.clone(), s.location.to_string())).collect();
        call(&store, move |s| s.sync_sources(sources.iter().map(|(n, u)| (n.as_str(), u.clone()))))
            .await
            .map_err(|e| e.to_string())?;
        let fetcher = Arc::new(Fetcher::new(&config.fetch)?);
        let lease = Arc::new(Lease::for_this_process(config.server.lease));
        let activitypub =
            ActivityPub::new(&config, Arc::clone(&store), Arc::clone(&fetcher), Arc::clone(&lease)).map(Arc::new);
        let signer: Option<Arc<dyn RequestSigner>> = match &activitypub {
            Some(ap) => Some(Arc::new(ap.signer_for(INSTANCE_ACTOR))),
            None => None,
        };
        let resolver =
            Arc::new(Resolver::new(Some(Arc::clone(&store)), Arc::clone(&fetcher), signer, config.resolve.clone()));
        let poller = Arc::new(Poller::new(
            Arc::clone(&store),
            Arc::clone(&fetcher),
            resolver,
            config.fetch.max_bytes,
            config.fetch.per_host_concurrency,
            config.limits,
        ));
        let scheduler = Scheduler::new(config.sources.clone(), poller, Arc::clone(&store), lease);
        Ok(App { config: Arc::new(config), store, scheduler, activitypub })
    }

    /// Every route: pages and feeds, and the ActivityPub routes when enabled, all
    /// with the security headers.
    pub fn router(&self) -> Router {
        let site = Arc::new(Site::new(Arc::clone(&self.store), self.config.server.base_url.clone()));
        let mut router = http::router(site);
        if let Some(ap) = &self.activitypub {
            router = router.merge(activitypub::routes::router(Arc::clone(ap)));
        }
        response::with_security_headers(router.fallback(|| async { response::not_found("no such page") }))
    }

    /// Serves on `listener`, delivers, keeps the store tidy and polls on schedule,
    /// until `shutdown` is cancelled; then lets what is in flight finish. A `web`
    /// process (no polling) only serves; a `poller` (no `listener`) only works.
    pub async fn run(self, listener: Option<tokio::net::TcpListener>, shutdown: CancellationToken) {
        let works = self.config.server.role.works();
        let _maintenance = works.then(|| Maintenance::start(Arc::clone(&self.store), self.activitypub.is_some()));
        let watcher = tokio::spawn(notice_external_commits(Arc::clone(&self.store), shutdown.clone()));
        let settings = self.config.server.clone();
        let server =
            listener.map(|listener| tokio::spawn(http::serve(self.router(), listener, settings, shutdown.clone())));
        let federation = self
            .activitypub
            .clone()
            .filter(|_| works)
            .map(|ap| tokio::spawn(activitypub::delivery::run(ap, shutdown.clone())));
        if works {
            let (updates, reloaded) = mpsc::channel(4);
            let reloader = tokio::spawn(reload_on_change(Arc::clone(&self.config), updates, shutdown.clone()));
            self.scheduler.run(shutdown, reloaded).await;
            let _ = reloader.await;
        } else {
            // A web process polls nothing, so a changed source list is not its concern.
            shutdown.cancelled().await;
        }
        if let Some(federation) = federation {
            let _ = federation.await;
        }
        if let Some(server) = server {
            match server.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!("the HTTP server failed: {e}"),
                Err(e) => tracing::error!("the HTTP server stopped: {e}"),
            }
        }
        let _ = watcher.await;
    }
}

/// How often the configuration file is checked for changes.
const CONFIG_CHECK: Duration = Duration::from_secs(2);

/// Reloads the configuration on `SIGHUP` and when its file changes (checked every
/// [`CONFIG_CHECK`]; the content is compared, so an editor's save without change or a
/// `touch` does nothing), and sends the new sources to the scheduler. A new
/// configuration that does not validate is refused with its error, and the one
/// running goes on. Settings other than the sources take effect at the next start.
///
/// The file is polled rather than watched with `notify`: one small file every two
/// seconds costs nothing, and polling sees edits through symlinks, bind mounts and
/// editors that replace the file, where inotify watches can go stale.
async fn reload_on_change(current: Arc<Config>, updates: mpsc::Sender<Vec<SourceConfig>>, shutdown: CancellationToken) {
    let path = current.path.clone();
    let mut seen = std::fs::read(&path).ok();
    let mut running = current;
    #[cfg(unix)]
    let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(signal) => Some(signal),
        Err(e) => {
            tracing::warn!("cannot handle SIGHUP (the file is still watched): {e}");
            None
        }
    };
    let mut tick = tokio::time::interval(CONFIG_CHECK);
    loop {
        #[cfg(unix)]
        let hung_up = async {
            match hangup.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let hung_up = std::future::pending::<Option<()>>();
        let asked = tokio::select! {
            () = shutdown.cancelled() => return,
            _ = hung_up => true,
            _ = tick.tick() => false,
        };
        let text = std::fs::read(&path).ok();
        if !asked && text == seen {
            continue;
        }
        seen = text;
        match Config::load(&path) {
            Ok(new) => {
                for (what, same) in [
                    (
                        "[server]",
                        new.server.listen == running.server.listen && new.server.base_url == running.server.base_url,
                    ),
                    ("[storage]", new.storage == running.storage),
                    ("[fetch]", new.fetch == running.fetch),
                    ("[activitypub]", new.activitypub.enabled == running.activitypub.enabled),
                ] {
                    if !same {
                        tracing::warn!("{what} changed: it takes effect when quotefeed restarts");
                    }
                }
                tracing::info!("configuration reloaded from {}: {} sources", path.display(), new.sources.len());
                if updates.send(new.sources.clone()).await.is_err() {
                    return;
                }
                running = Arc::new(new);
            }
            Err(e) => tracing::error!("the configuration was not reloaded, the one running goes on: {e}"),
        }
    }
}

/// Notices commits by other processes (`quotefeed poll` beside `quotefeed run`)
/// every second, so that cached responses are rendered again.
async fn notice_external_commits(store: Arc<Store>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let store = Arc::clone(&store);
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || store.notice_external_changes()).await {
            tracing::warn!("cannot check the database for changes: {e}");
        }
    }
}
