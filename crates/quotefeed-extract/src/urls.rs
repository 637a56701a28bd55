//! Links and permalinks: resolving relative URLs, removing tracking parameters, and
//! bringing each platform's post URLs to one form.
//!
//! Every URL is first brought to its normal form (what `url::Url` serializes). Most
//! links in embeds are already in it, and checking that is far cheaper than parsing
//! them, so `url::Url` runs only for the others (a property test checks that the
//! check agrees with `url::Url`). Everything after that works on the normal form's
//! text.

use std::borrow::Cow;

use url::Url;

/// Query parameters that only track where a click came from.
fn is_tracking_param(name: &str, host: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_")
        || matches!(
            lower.as_str(),
            "ref_src"
                | "ref_url"
                | "refer"
                | "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "igshid"
                | "igsh"
                | "mc_cid"
                | "mc_eid"
                | "_hsenc"
                | "_hsmi"
                | "mkt_tok"
                | "yclid"
                | "twclid"
        )
        || (is_twitter_host(host) && matches!(lower.as_str(), "s" | "t" | "src" | "lang"))
}

/// Whether an absolute `http(s)` URL is already in the form `url::Url` gives it: a
/// lowercase host name (not an address, no port or user), a path, and only
/// characters that need no escaping.
fn is_normal(href: &str) -> bool {
    let Some(rest) = href.strip_prefix("https://").or_else(|| href.strip_prefix("http://")) else {
        return false;
    };
    let Some(slash) = rest.find(['/', '?', '#']) else { return false };
    let (host, tail) = rest.split_at(slash);
    let last_label = host.rsplit('.').next().unwrap_or("");
    let path = tail.split(['?', '#']).next().unwrap_or("");
    !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && last_label.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && tail.starts_with('/')
        && !path.contains("/.")
        && !path.to_ascii_lowercase().contains("%2e")
        && tail.bytes().all(|b| {
            (0x21..=0x7e).contains(&b)
                && !matches!(b, b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' | b'\'')
        })
}

/// `href` resolved against `base` in normal form, if it is an `http(s)` URL.
fn normalize<'a>(href: &'a str, base: Option<&Url>) -> Option<Cow<'a, str>> {
    let href = href.trim();
    if is_normal(href) {
        return Some(Cow::Borrowed(href));
    }
    if href.is_empty() {
        return None;
    }
    let url = match Url::parse(href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => match href.strip_prefix("//") {
            Some(rest) => Url::parse(&format!("https://{rest}")).ok()?,
            None => base?.join(href).ok()?,
        },
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https").then(|| Cow::Owned(url.into()))
}

/// The pieces of a URL in normal form.
struct Parts<'a> {
    /// `scheme://host[:port]`.
    origin: &'a str,
    host: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
    /// Everything before the query.
    before_query: &'a str,
}

fn parts(normal: &str) -> Parts<'_> {
    let (before_fragment, fragment) = match normal.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (normal, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    let scheme_length = before_query.find("://").map_or(0, |i| i + 3);
    let after_scheme = &before_query[scheme_length..];
    let authority_length = after_scheme.find('/').unwrap_or(after_scheme.len());
    let (authority, path) = after_scheme.split_at(authority_length);
    let origin = &before_query[..scheme_length + authority_length];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.find(']').map_or(host_port, |end| &host_port[..=end])
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    Parts { origin, host, path, query, fragment, before_query }
}

/// Resolves `href` against `base` and removes tracking parameters. Only `http` and
/// `https` links are kept; anything else (`javascript:`, `data:`, `mailto:`) gives
/// `None`.
pub fn clean_url(href: &str, base: Option<&Url>) -> Option<String> {
    let normal = normalize(href, base)?;
    let parts = parts(&normal);
    let Some(query) = parts.query else { return Some(normal.into_owned()) };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| !is_tracking_param(pair.split('=').next().unwrap_or(""), parts.host))
        .collect();
    let mut out = String::with_capacity(normal.len());
    out.push_str(parts.before_query);
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(fragment) = parts.fragment {
        out.push('#');
        out.push_str(fragment);
    }
    Some(out)
}

/// The host of an `http(s)` URL, without `www.`.
pub fn host_of(href: &str) -> Option<String> {
    let normal = normalize(href, None)?;
    let host = parts(&normal).host;
    Some(host.strip_prefix("www.").unwrap_or(host).to_string())
}

/// The `scheme://host[:port]` of an `http(s)` URL and its host as it is.
fn origin_and_host(href: &str) -> Option<(String, String)> {
    normalize(href, None).map(|normal| {
        let parts = parts(&normal);
        (parts.origin.to_string(), parts.host.to_string())
    })
}

/// The non-empty path segments of an `http(s)` URL.
pub fn path_segments(href: &str) -> Vec<String> {
    match normalize(href, None) {
        Some(normal) => parts(&normal).path.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        None => Vec::new(),
    }
}

/// Whether a host is Twitter's or X's (`twitter.com`, `x.com`, `mobile.twitter.com`, …).
pub fn is_twitter_host(host: &str) -> bool {
    let host = host.strip_prefix("www.").unwrap_or(host);
    let host = host.strip_prefix("mobile.").unwrap_or(host);
    matches!(host, "twitter.com" | "x.com")
}

/// A tweet's permalink: the canonical URL and the status id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TweetLink {
    /// `https://twitter.com/HANDLE/status/ID` or the same on `x.com` (the host the
    /// publisher used is kept; identity uses only the status id).
    pub url: String,
    /// The handle in the path, when the URL names one.
    pub handle: Option<String>,
    /// The numeric status id.
    pub status_id: String,
}

/// Recognises a tweet permalink in any of its forms: twitter.com or x.com, `www.` or
/// `mobile.`, `/status/` or `/statuses/`, `/i/web/status/`, with `/photo/1`,
/// query strings or fragments after it.
pub fn tweet_link(href: &str) -> Option<TweetLink> {
    let normal = normalize(href, None)?;
    let parts = parts(&normal);
    if !is_twitter_host(parts.host) {
        return None;
    }
    let canonical_host = if parts.host.ends_with("x.com") { "x.com" } else { "twitter.com" };
    let mut segments: Vec<&str> = parts.path.split('/').filter(|s| !s.is_empty()).collect();
    // Old hash-bang URLs: https://twitter.com/#!/user/status/123
    if segments.is_empty()
        && let Some(fragment) = parts.fragment.and_then(|f| f.strip_prefix("!/"))
    {
        segments = fragment.split('/').filter(|s| !s.is_empty()).collect();
    }
    let (handle, status_id) = match segments.as_slice() {
        ["i", "web", "status" | "statuses", id, ..] | ["i", "status" | "statuses", id, ..] => (None, *id),
        [handle, "status" | "statuses", id, ..] => (Some(*handle), *id),
        _ => return None,
    };
    let status_id: String = status_id.chars().take_while(char::is_ascii_digit).collect();
    if status_id.is_empty() {
        return None;
    }
    let url = match handle {
        Some(h) => format!("https://{canonical_host}/{h}/status/{status_id}"),
        None => format!("https://{canonical_host}/i/web/status/{status_id}"),
    };
    Some(TweetLink { url, handle: handle.map(str::to_string), status_id })
}

/// A Twitter profile URL (`https://twitter.com/NAME`), on the host of the tweet's
/// permalink when there is one.
pub fn twitter_profile(handle: &str, permalink: Option<&str>) -> String {
    let host = match permalink {
        Some(p) if p.starts_with("https://x.com/") => "x.com",
        _ => "twitter.com",
    };
    format!("https://{host}/{handle}")
}

/// The handle a Twitter profile link points at (`https://twitter.com/AOC` → `AOC`).
pub fn twitter_profile_handle(href: &str) -> Option<String> {
    if !is_twitter_host(&host_of(href)?) {
        return None;
    }
    match path_segments(href).as_slice() {
        [handle] if handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Some(handle.clone()),
        _ => None,
    }
}

/// A permalink without query or fragment (for platforms whose post URLs never need one).
pub fn without_query(href: &str) -> String {
    match normalize(href, None) {
        Some(normal) => parts(&normal).before_query.to_string(),
        None => href.to_string(),
    }
}

/// A Mastodon status URL from an embed URL (`https://INST/@user/ID/embed` →
/// `https://INST/@user/ID`), with the handle as `user@INST`.
pub fn mastodon_status(embed_or_status_url: &str) -> Option<(String, String)> {
    let (origin, host) = origin_and_host(embed_or_status_url)?;
    let segments = path_segments(embed_or_status_url);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (user, id) = match segments.as_slice() {
        [user, id, ..] if user.starts_with('@') && !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) => {
            (&user[1..], *id)
        }
        ["users", user, "statuses", id, ..] => (*user, *id),
        _ => return None,
    };
    Some((format!("{origin}/@{user}/{id}"), format!("{user}@{host}")))
}

/// Whether an iframe or embed URL is a Mastodon status embed (`…/@user/123/embed`).
pub fn is_mastodon_embed_url(src: &str) -> bool {
    src.trim_end_matches('/').ends_with("/embed") && mastodon_status(src).is_some()
}

/// The media type of a link that is an image file itself (what a fediverse note
/// can attach), or `None`: a file name ending in an image extension, an X/Twitter
/// media URL (`pbs.twimg.com/media/…?format=jpg`), or a Bluesky CDN image
/// (`cdn.bsky.app/img/…@jpeg`). Pages about an image (`pic.twitter.com/…`,
/// Instagram posts) are not images.
pub fn image_media_type(href: &str) -> Option<&'static str> {
    let url = Url::parse(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let by_name = |name: &str| match name.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        "avif" => Some("image/avif"),
        _ => None,
    };
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let last = url.path_segments()?.next_back()?;
    if host == "pbs.twimg.com" && url.path().starts_with("/media/") {
        let format = url.query_pairs().find(|(k, _)| k == "format").map(|(_, v)| v.into_owned());
        return format.as_deref().and_then(by_name).or_else(|| by_name(last.rsplit_once('.')?.1));
    }
    if host == "cdn.bsky.app" && url.path().starts_with("/img/") {
        return by_name(last.rsplit_once('@')?.1);
    }
    by_name(last.rsplit_once('.')?.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn image_links_are_told_from_pages() {
        for (href, expected) in [
            ("https://files.mastodon.social/media_attachments/files/1/original/a.JPEG", Some("image/jpeg")),
            ("https://pbs.twimg.com/media/GZx1abc?format=png&name=large", Some("image/png")),
            ("https://pbs.twimg.com/media/GZx1abc.jpg", Some("image/jpeg")),
            ("https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:abc/bafkrei@jpeg", Some("image/jpeg")),
            ("https://example.org/photo.webp?size=2", Some("image/webp")),
            ("https://pic.twitter.com/mAbFvpVq2G", None),
            ("https://www.instagram.com/p/Cabc/", None),
            ("https://example.org/page.html", None),
            ("javascript:alert(1).png", None),
            ("https://example.org/", None),
        ] {
            assert_eq!(image_media_type(href), expected, "{href}");
        }
    }

    proptest! {
        #[test]
        fn the_normal_form_check_agrees_with_the_url_crate(
            scheme in prop_oneof![Just("http"), Just("https"), Just("HTTPS")],
            host in "[a-zA-Z0-9.\\-]{1,12}",
            tail in "[/a-zA-Z0-9.%?#=&_~!$'()*+,;:@\\[\\]{}|\\\\^`\" <>-]{0,24}",
        ) {
            let href = format!("{scheme}://{host}{tail}");
            if is_normal(&href) {
                let parsed = Url::parse(&href).map(String::from);
                prop_assert_eq!(parsed.as_deref(), Ok(href.as_str()));
            }
        }
    }

    #[test]
    fn tracking_parameters_are_removed() {
        assert_eq!(
            clean_url("https://twitter.com/AOC/status/1?ref_src=twsrc%5Etfw", None).as_deref(),
            Some("https://twitter.com/AOC/status/1")
        );
        assert_eq!(
            clean_url("https://www.instagram.com/p/X/?utm_source=ig_embed&utm_campaign=loading", None).as_deref(),
            Some("https://www.instagram.com/p/X/")
        );
        assert_eq!(
            clean_url("https://example.com/a?id=3&utm_medium=x#frag", None).as_deref(),
            Some("https://example.com/a?id=3#frag")
        );
        assert_eq!(clean_url("HTTPS://Example.COM:443?utm_source=x", None).as_deref(), Some("https://example.com/"));
    }

    #[test]
    fn relative_links_resolve_against_the_base() {
        let base = Url::parse("https://news.example/2019/11/story/").unwrap();
        assert_eq!(clean_url("../other/", Some(&base)).as_deref(), Some("https://news.example/2019/11/other/"));
        assert_eq!(clean_url("//cdn.example/x", None).as_deref(), Some("https://cdn.example/x"));
        assert_eq!(clean_url("relative", None), None);
        assert_eq!(clean_url("javascript:alert(1)", None), None);
        assert_eq!(clean_url("mailto:a@b.example", None), None);
    }

    #[test]
    fn hosts_and_paths() {
        assert_eq!(host_of("https://www.tiktok.com/@dee/video/1?x=1").as_deref(), Some("tiktok.com"));
        assert_eq!(host_of("http://user:pw@Example.org:8080/a").as_deref(), Some("example.org"));
        assert_eq!(path_segments("https://www.tiktok.com/@dee/video/1?x=1"), vec!["@dee", "video", "1"]);
    }

    #[test]
    fn tweet_permalinks_in_every_form() {
        let expect = |href: &str, url: &str| {
            let link = tweet_link(href).unwrap_or_else(|| panic!("{href} is a tweet"));
            assert_eq!(link.url, url, "{href}");
            assert_eq!(link.status_id, "123", "{href}");
        };
        expect("https://twitter.com/AOC/status/123?ref_src=twsrc%5Etfw", "https://twitter.com/AOC/status/123");
        expect("https://twitter.com/AOC/statuses/123", "https://twitter.com/AOC/status/123");
        expect("https://mobile.twitter.com/AOC/status/123/photo/1", "https://twitter.com/AOC/status/123");
        expect("https://x.com/AOC/status/123?s=20&t=abc", "https://x.com/AOC/status/123");
        expect("https://www.x.com/AOC/status/123", "https://x.com/AOC/status/123");
        expect("https://Twitter.com/AOC/status/123", "https://twitter.com/AOC/status/123");
        expect("https://twitter.com/i/web/status/123", "https://twitter.com/i/web/status/123");
        expect("https://twitter.com/#!/AOC/status/123", "https://twitter.com/AOC/status/123");
        assert_eq!(tweet_link("https://twitter.com/AOC"), None);
        assert_eq!(tweet_link("https://example.com/AOC/status/123"), None);
    }

    #[test]
    fn mastodon_embed_urls() {
        assert_eq!(
            mastodon_status("https://social.example/@ferryunion/112233/embed"),
            Some(("https://social.example/@ferryunion/112233".into(), "ferryunion@social.example".into()))
        );
        assert_eq!(
            mastodon_status("http://127.0.0.1:8080/@a/1/embed"),
            Some(("http://127.0.0.1:8080/@a/1".into(), "a@127.0.0.1".into()))
        );
        assert!(is_mastodon_embed_url("https://social.example/@a/1/embed"));
        assert!(!is_mastodon_embed_url("https://www.youtube.com/embed/abc"));
    }
}
