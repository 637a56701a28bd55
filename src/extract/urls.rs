//! Links and permalinks: resolving relative URLs, removing tracking parameters, and
//! bringing each platform's post URLs to one form.

use url::Url;

/// Query parameters that only track where a click came from.
fn is_tracking_param(name: &str, host: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_")
        || matches!(
            lower.as_str(),
            "ref_src" | "ref_url" | "refer" | "fbclid" | "gclid" | "dclid" | "msclkid" | "igshid" | "igsh"
                | "mc_cid" | "mc_eid" | "_hsenc" | "_hsmi" | "mkt_tok" | "yclid" | "twclid"
        )
        || (is_twitter_host(host) && matches!(lower.as_str(), "s" | "t" | "src" | "lang"))
}

/// Resolves `href` against `base` and removes tracking parameters. Only `http`
/// and `https` links are kept; anything else (`javascript:`, `data:`) gives `None`.
pub fn clean_url(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let parsed = match Url::parse(href) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            if let Some(rest) = href.strip_prefix("//") {
                Url::parse(&format!("https://{rest}")).ok()?
            } else {
                base?.join(href).ok()?
            }
        }
        Err(_) => return None,
    };
    Some(strip_tracking(parsed).into())
}

fn strip_tracking(mut url: Url) -> Url {
    if !matches!(url.scheme(), "http" | "https") {
        return url;
    }
    if url.query().is_some() {
        let host = url.host_str().unwrap_or("").to_string();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k, &host))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url
}

/// An `http(s)` URL with tracking removed, or `None` for other schemes.
pub fn clean_http_url(href: &str, base: Option<&Url>) -> Option<String> {
    let cleaned = clean_url(href, base)?;
    (cleaned.starts_with("http://") || cleaned.starts_with("https://")).then_some(cleaned)
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
    let url = Url::parse(href.trim()).ok()?;
    let host = url.host_str()?;
    if !is_twitter_host(host) {
        return None;
    }
    let canonical_host = if host.ends_with("x.com") { "x.com" } else { "twitter.com" };
    let mut segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    // Old hash-bang URLs: https://twitter.com/#!/user/status/123
    if segments.is_empty() {
        if let Some(fragment) = url.fragment().and_then(|f| f.strip_prefix("!/")) {
            segments = fragment.split('/').filter(|s| !s.is_empty()).collect();
        }
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
    let url = Url::parse(href).ok()?;
    if !is_twitter_host(url.host_str()?) {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [handle] if handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Some(handle.to_string()),
        _ => None,
    }
}

/// A permalink without query or fragment (for platforms whose post URLs never need one).
pub fn without_query(href: &str) -> String {
    match Url::parse(href) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            url.into()
        }
        Err(_) => href.to_string(),
    }
}

/// A Mastodon status URL from an embed URL (`https://INST/@user/ID/embed` →
/// `https://INST/@user/ID`), with the handle as `user@INST`.
pub fn mastodon_status(embed_or_status_url: &str) -> Option<(String, String)> {
    let url = Url::parse(embed_or_status_url.trim()).ok()?;
    let host = url.host_str()?.to_string();
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let (user, id) = match segments.as_slice() {
        [user, id, ..] if user.starts_with('@') && id.chars().all(|c| c.is_ascii_digit()) => (&user[1..], *id),
        ["users", user, "statuses", id, ..] => (*user, *id),
        _ => return None,
    };
    Some((format!("https://{host}/@{user}/{id}"), format!("{user}@{host}")))
}

/// Whether an iframe or embed URL is a Mastodon status embed (`…/@user/123/embed`).
pub fn is_mastodon_embed_url(src: &str) -> bool {
    src.trim_end_matches('/').ends_with("/embed") && mastodon_status(src).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn relative_links_resolve_against_the_base() {
        let base = Url::parse("https://news.example/2019/11/story/").unwrap();
        assert_eq!(clean_url("../other/", Some(&base)).as_deref(), Some("https://news.example/2019/11/other/"));
        assert_eq!(clean_url("//cdn.example/x", None).as_deref(), Some("https://cdn.example/x"));
        assert_eq!(clean_url("relative", None), None);
        assert_eq!(clean_http_url("javascript:alert(1)", None), None);
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
        assert!(is_mastodon_embed_url("https://social.example/@a/1/embed"));
        assert!(!is_mastodon_embed_url("https://www.youtube.com/embed/abc"));
    }
}
