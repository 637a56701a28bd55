//! One function per kind of endpoint: oEmbed (X/Twitter, TikTok, Meta), a Bluesky
//! AppView, and ActivityPub (Mastodon, Threads). Each turns the answer into a quote
//! through the extractor, which stays the one place that reads posts.

use quotefeed_extract::{
    ExtractOptions, InputFormat, Platform, Quote, TextlessEmbed, activity_quote, bluesky_quote, extract_str,
};
use serde_json::Value;
use url::Url;

use super::Resolver;
use crate::fetch::ACTIVITY_ACCEPT;

const JSON_ACCEPT: &str = "application/json";

/// An oEmbed endpoint's answer: its `html` is the platform's own embed markup,
/// with the text, read by the extractor like any article.
pub(super) async fn oembed(resolver: &Resolver, embed: &TextlessEmbed) -> Result<Option<Quote>, String> {
    let endpoints = &resolver.config.endpoints;
    let (endpoint, token) = match embed.platform {
        Platform::Twitter => (&endpoints.twitter, None),
        Platform::Tiktok => (&endpoints.tiktok, None),
        Platform::Instagram => (&endpoints.instagram, resolver.config.meta_access_token.as_deref()),
        Platform::Facebook => (&endpoints.facebook, resolver.config.meta_access_token.as_deref()),
        _ => return Ok(None),
    };
    let mut url = endpoint.clone();
    url.query_pairs_mut().append_pair("url", &embed.url);
    if embed.platform == Platform::Twitter {
        url.query_pairs_mut().append_pair("omit_script", "1").append_pair("dnt", "true");
    }
    let cache_key = url.to_string();
    if let Some(token) = token {
        url.query_pairs_mut().append_pair("access_token", token).append_pair("omitscript", "true");
    }
    let Some(answer) = resolver.json(embed.platform, &url, &cache_key, JSON_ACCEPT).await? else { return Ok(None) };
    let Some(html) = answer.get("html").and_then(Value::as_str) else { return Ok(None) };
    let options = ExtractOptions {
        format: InputFormat::Html,
        base_url: Url::parse(&embed.url).ok(),
        ..ExtractOptions::default()
    };
    let Ok(extraction) = extract_str(html, &options) else { return Ok(None) };
    let Some(mut quote) = extraction.quotes.into_iter().find(|q| q.platform == embed.platform) else {
        return Ok(None);
    };
    // TikTok's markup names only the handle; the answer names the person.
    if quote.author.name.is_none() {
        quote.author.name = answer.get("author_name").and_then(Value::as_str).map(str::to_string);
    }
    Ok(Some(quote))
}

/// A Bluesky post from a public AppView: the handle in the post's URL resolved to
/// its DID, then the post by its `at://` URI.
pub(super) async fn bluesky(resolver: &Resolver, embed: &TextlessEmbed) -> Result<Option<Quote>, String> {
    let Ok(post_url) = Url::parse(&embed.url) else { return Ok(None) };
    let segments: Vec<&str> = post_url.path_segments().map(Iterator::collect).unwrap_or_default();
    let ["profile", actor, "post", rkey] = segments.as_slice() else { return Ok(None) };
    let appview = &resolver.config.endpoints.bluesky;
    let did = if actor.starts_with("did:") {
        actor.to_string()
    } else {
        let Some(mut url) = xrpc(appview, "com.atproto.identity.resolveHandle") else { return Ok(None) };
        url.query_pairs_mut().append_pair("handle", actor);
        let key = url.to_string();
        match resolver.json(Platform::Bluesky, &url, &key, JSON_ACCEPT).await? {
            Some(answer) => match answer.get("did").and_then(Value::as_str) {
                Some(did) => did.to_string(),
                None => return Ok(None),
            },
            None => return Ok(None),
        }
    };
    let Some(mut url) = xrpc(appview, "app.bsky.feed.getPosts") else { return Ok(None) };
    url.query_pairs_mut().append_pair("uris", &format!("at://{did}/app.bsky.feed.post/{rkey}"));
    let key = url.to_string();
    let Some(answer) = resolver.json(Platform::Bluesky, &url, &key, JSON_ACCEPT).await? else { return Ok(None) };
    let post = answer.get("posts").and_then(Value::as_array).and_then(|posts| posts.first());
    Ok(post.and_then(|post| bluesky_quote(embed, post)))
}

/// A Mastodon or Threads post fetched as ActivityStreams JSON, with its author's
/// name from their actor.
pub(super) async fn activity(resolver: &Resolver, embed: &TextlessEmbed) -> Result<Option<Quote>, String> {
    let Ok(url) = Url::parse(&embed.url) else { return Ok(None) };
    let Some(status) = resolver.json(embed.platform, &url, &embed.url, ACTIVITY_ACCEPT).await? else {
        return Ok(None);
    };
    let actor = match status.get("attributedTo").and_then(Value::as_str).and_then(|a| Url::parse(a).ok()) {
        // A missing actor costs only the display name.
        Some(actor_url) => {
            resolver.json(embed.platform, &actor_url, actor_url.as_str(), ACTIVITY_ACCEPT).await.ok().flatten()
        }
        None => None,
    };
    let name =
        actor.as_ref().and_then(|a| a.get("name").or_else(|| a.get("preferredUsername"))).and_then(Value::as_str);
    Ok(activity_quote(embed, &status, name))
}

/// An XRPC method's URL on an AppView.
fn xrpc(appview: &Url, method: &str) -> Option<Url> {
    appview.join(&format!("xrpc/{method}")).ok()
}
