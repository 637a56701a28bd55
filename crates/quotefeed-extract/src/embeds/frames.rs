//! Embeds known only by an id or a link, with no text of their own: rendered
//! iframes (`iframe.twitter-tweet` with `data-tweet-id`, Twitter, Bluesky,
//! Threads, Instagram and Facebook embed frames) and AMP elements (`amp-twitter`,
//! `amp-instagram`, `amp-facebook`, `amp-tiktok`). Each becomes an embed without
//! text for the daemon to resolve, unless it wraps the platform's own blockquote as
//! a placeholder (AMP does), which is then read as usual.

use super::*;
use crate::textless::textless_from_url;

/// An embed frame or AMP element.
pub(super) fn parse(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let placeholder = node.descendants().skip(1).find_map(|n| match n.value() {
        Node::Element(e) => {
            classify(e).filter(|k| matches!(k, Kind::Post(p) if *p != Platform::Blockquote)).map(|k| (k, n))
        }
        _ => None,
    });
    if let Some((kind, placeholder)) = placeholder {
        let before = out.len();
        super::parse(kind, placeholder, ctx, out);
        // A placeholder that is only a link still leaves the frame's own id to go by.
        let found_quote = out[before..].iter().any(|b| matches!(b, Block::Quote(_) | Block::Embed(Some(_))));
        if found_quote {
            return;
        }
        out.truncate(before);
    }
    out.push(Block::Embed(frame_post(element).and_then(|url| textless_from_url(&url))));
}

/// The URL of the post a frame or AMP element shows, from its attributes.
fn frame_post(element: &Element) -> Option<String> {
    let attr = |name: &str| element.attr(name).map(str::trim).filter(|v| !v.is_empty());
    match element.name() {
        "amp-twitter" => attr("data-tweetid").and_then(status_url),
        "amp-instagram" => attr("data-shortcode").map(|code| format!("https://www.instagram.com/p/{code}/")),
        "amp-facebook" => attr("data-href").map(str::to_string),
        // A bare video id names no author, and TikTok's oEmbed wants the full URL.
        "amp-tiktok" => attr("data-src").filter(|src| src.starts_with("http")).map(str::to_string),
        _ => attr("data-tweet-id").and_then(status_url).or_else(|| attr("src").and_then(frame_src_post)),
    }
}

/// The post an embed frame's `src` shows: `platform.twitter.com/embed/Tweet.html?id=`,
/// `embed.bsky.app/embed/DID/app.bsky.feed.post/RKEY`, `…/post/CODE/embed` on
/// Threads and Instagram, Facebook's `plugins/post.php?href=`.
fn frame_src_post(src: &str) -> Option<String> {
    let url = Url::parse(src).ok()?;
    let host = url.host_str()?.trim_start_matches("www.");
    let query = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    let segments: Vec<&str> = url.path_segments().map(|s| s.filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    match (host, segments.as_slice()) {
        ("platform.twitter.com", ["embed", ..]) => query("id").as_deref().and_then(status_url),
        ("embed.bsky.app", ["embed", did, "app.bsky.feed.post", rkey]) => {
            Some(format!("https://bsky.app/profile/{did}/post/{rkey}"))
        }
        ("threads.net" | "threads.com", [user, "post", code, ..]) => {
            Some(format!("https://www.threads.net/{user}/post/{code}"))
        }
        ("instagram.com", [kind @ ("p" | "reel"), code, ..]) => {
            Some(format!("https://www.instagram.com/{kind}/{code}/"))
        }
        ("facebook.com", ["plugins", "post.php"]) => query("href"),
        _ => None,
    }
}

/// The URL of a tweet known only by its numeric id.
fn status_url(id: &str) -> Option<String> {
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then(|| format!("https://twitter.com/i/status/{id}"))
}

/// Whether an iframe's `src` is a post embed frame this module reads.
pub(super) fn is_post_frame(src: &str) -> bool {
    frame_src_post(src).is_some()
}
