//! Embeds that carry no text: a post known only by its URL (a Mastodon or Threads
//! embed, or a bare link left by a failed embed), reported for the daemon to
//! resolve.

use crate::platform::profile_url;
use crate::urls::{host_of, mastodon_status, path_segments, tweet_link, twitter_profile, without_query};
use crate::{Author, Platform, TextlessEmbed};

/// A recognised post on its own line (what a failed oEmbed leaves), as an embed
/// without text.
pub(crate) fn textless_from_url(link: &str) -> Option<TextlessEmbed> {
    if let Some(tweet) = tweet_link(link) {
        let author = Author {
            name: None,
            url: tweet.handle.as_deref().map(|h| twitter_profile(h, Some(&tweet.url))),
            handle: tweet.handle,
        };
        return Some(TextlessEmbed::new(Platform::Twitter, tweet.url, author));
    }
    let host = host_of(link)?;
    let segments = path_segments(link);
    let has = |segment: &str| segments.iter().any(|s| s == segment);
    let platform = match host.as_str() {
        "bsky.app" if has("post") => Platform::Bluesky,
        "instagram.com" if matches!(segments.first().map(String::as_str), Some("p" | "reel")) => Platform::Instagram,
        "tiktok.com" if has("video") => Platform::Tiktok,
        "threads.net" | "threads.com" if has("post") => Platform::Threads,
        "facebook.com" if has("posts") => Platform::Facebook,
        _ => {
            let (status, handle) = mastodon_status(link)?;
            return Some(mastodon_embed(status, handle));
        }
    };
    Some(TextlessEmbed::new(platform, without_query(link), Author::default()))
}

/// A Mastodon status known by its URL and `user@host` handle.
pub(crate) fn mastodon_embed(status_url: String, handle: String) -> TextlessEmbed {
    let author = Author { name: None, url: profile_url(Platform::Mastodon, &handle), handle: Some(handle) };
    TextlessEmbed::new(Platform::Mastodon, status_url, author)
}
