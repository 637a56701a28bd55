//! What the extractor knows of each platform beyond its embed markup: which
//! platform a plain-text handle belongs to, its profile URLs, its own hosts.

use crate::Platform;
use crate::urls::is_twitter_host;

/// The platform a plain-text handle belongs to: `user@instance` is Mastodon, a
/// domain handle (`name.bsky.social`) is Bluesky, anything else Twitter.
pub(crate) fn platform_for_handle(handle: &str) -> Platform {
    if handle.contains('@') {
        Platform::Mastodon
    } else if handle.contains('.') {
        Platform::Bluesky
    } else {
        Platform::Twitter
    }
}

/// The profile URL for a handle on a platform, when it can be derived.
pub(crate) fn profile_url(platform: Platform, handle: &str) -> Option<String> {
    match platform {
        Platform::Twitter => Some(format!("https://twitter.com/{handle}")),
        Platform::Bluesky => Some(format!("https://bsky.app/profile/{handle}")),
        Platform::Mastodon => handle.split_once('@').map(|(user, host)| format!("https://{host}/@{user}")),
        Platform::Threads => Some(format!("https://www.threads.net/@{handle}")),
        Platform::Instagram => Some(format!("https://www.instagram.com/{handle}/")),
        Platform::Tiktok => Some(format!("https://www.tiktok.com/@{handle}")),
        Platform::Facebook | Platform::Blockquote => None,
    }
}

/// Hosts of a platform's own pages: links there inside a post are mentions,
/// hashtags or the post itself, not links the post shares.
pub(crate) fn is_platform_host(platform: Platform, host: &str) -> bool {
    let host = host.strip_prefix("www.").unwrap_or(host);
    match platform {
        Platform::Twitter => is_twitter_host(host),
        Platform::Bluesky => host == "bsky.app",
        Platform::Instagram => host == "instagram.com",
        Platform::Tiktok => host == "tiktok.com",
        Platform::Facebook => host == "facebook.com" || host == "m.facebook.com",
        Platform::Threads => host == "threads.net" || host == "threads.com",
        Platform::Mastodon | Platform::Blockquote => false,
    }
}
