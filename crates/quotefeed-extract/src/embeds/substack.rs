//! Substack's static tweet card: a `div.tweet` whose `data-attrs` JSON holds the
//! tweet as Substack copied it (`url`, `full_text`, `username`, `name`, `date`),
//! followed by a rendering of the same. The JSON is the exact record, so it is read
//! rather than the rendering.

use serde_json::Value;

use super::*;
use crate::dom;

/// A Substack tweet card.
pub(super) fn parse(element: &Element, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let Some(attrs) = element.attr("data-attrs").and_then(|a| serde_json::from_str::<Value>(a).ok()) else {
        out.push(Block::Embed(None));
        return;
    };
    let field = |name: &str| attrs.get(name).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty());
    let Some(link) = field("url").and_then(tweet_link) else {
        out.push(Block::Embed(None));
        return;
    };
    let handle = field("username").map(str::to_string).or(link.handle.clone());
    let author = Author {
        name: field("name").map(str::to_string),
        url: handle.as_deref().map(|h| twitter_profile(h, Some(&link.url))),
        handle,
    };
    // `full_text` is HTML: mentions come as `<span class="tweet-fake-link">`.
    let tree = dom::parse(field("full_text").unwrap_or(""));
    let flat = flatten(tree.root(), &[], nested_embeds);
    let (text, html, links) = body(&flat, flat.raw.len(), Platform::Twitter, ctx.base.as_ref());
    if text.is_empty() {
        out.push(Block::Embed(Some(TextlessEmbed::new(Platform::Twitter, link.url, author))));
        return;
    }
    // "Fri Jun 12 18:56:44 +0000 2020", as Twitter's API printed dates.
    let published = field("date").and_then(|d| {
        chrono::DateTime::parse_from_str(d, "%a %b %d %H:%M:%S %z %Y")
            .ok()
            .map(|t| t.to_rfc3339())
            .or_else(|| parse_date(d))
    });
    out.push(Block::Quote(Draft {
        text,
        html: Some(format!("<p>{html}</p>")),
        author,
        platform: Some(Platform::Twitter),
        url: Some(link.url),
        published,
        links,
        post_id: Some(link.status_id),
    }));
}
