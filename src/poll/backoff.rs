//! The backoff policy: when a source is due again after a poll, on schedule when it
//! succeeded, later and later when it keeps failing.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::SourceConfig;
use crate::store::SourceState;

/// The longest wait after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// When a source is due again: its next scheduled time (plus its jitter); after a
/// failure, no sooner than the server's `Retry-After` or an exponential backoff
/// (1 minute doubling per failure, at most 6 hours).
pub(super) fn next_run(
    source: &SourceConfig,
    state: &SourceState,
    succeeded: bool,
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let scheduled = source.schedule.next_after(now).unwrap_or(now + chrono::Duration::hours(1));
    let scheduled = scheduled + source.schedule.jitter(&source.name, now);
    if succeeded {
        return scheduled;
    }
    let failures = state.error_count.saturating_add(1).min(16);
    let backoff = Duration::from_secs(60u64 << (failures - 1)).min(MAX_BACKOFF);
    let wait = retry_after.unwrap_or_default().max(backoff).min(Duration::from_secs(24 * 3600));
    scheduled.max(now + chrono::Duration::from_std(wait).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Location;
    use crate::schedule::Schedule;

    fn source() -> SourceConfig {
        SourceConfig {
            name: "s".into(),
            location: Location::File("x".into()),
            schedule: "*/15 * * * *".parse::<Schedule>().unwrap(),
            full_article: false,
            content_selector: None,
            enabled: true,
        }
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z").unwrap().with_timezone(&Utc);
        let ok = next_run(&source(), &SourceState::default(), true, None, now);
        assert!(ok > now && ok <= now + chrono::Duration::minutes(16));
        let after_many = SourceState { error_count: 8, ..SourceState::default() };
        let failed = next_run(&source(), &after_many, false, None, now);
        assert!(failed >= now + chrono::Duration::hours(4), "{failed}");
        let told = next_run(&source(), &SourceState::default(), false, Some(Duration::from_secs(3600)), now);
        assert!(told >= now + chrono::Duration::hours(1), "{told}");
    }
}
