//! One parser per kind of embed, one file per platform: what each platform's
//! embed code looks like is described in `docs/ARCHITECTURE.md` ("Adding an embed
//! platform"). Each parser turns one embed element into blocks: a quote, an embed
//! without text, or nothing of interest. This module classifies elements and holds
//! what the parsers share (the body of a post, its links, its attribution).

mod blockquote;
mod facebook;
mod frames;
mod instagram;
mod mastodon;
mod post;
mod substack;
mod threads;
mod tiktok;

use ego_tree::NodeRef;
use scraper::Node;
use scraper::node::Element;
use url::Url;

use crate::attribution::{Trailing, parse_dash_name, parse_trailing};
use crate::dates::parse_date;
use crate::draft::{Block, Draft};
use crate::flatten::{Flat, Treat, flatten};
use crate::platform::{is_platform_host, platform_for_handle, profile_url};
use crate::text_util::{links_in_text, tidy, trim_link_end};
use crate::urls::{
    clean_url, host_of, is_mastodon_embed_url, mastodon_status, path_segments, tweet_link, twitter_profile,
    twitter_profile_handle, without_query,
};
use crate::{Author, Platform, TextlessEmbed};

/// What an embed element is: a post (or block quote) of a platform, or a link
/// card that is not a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A post of this platform, or an ordinary `<blockquote>` ([`Platform::Blockquote`]).
    Post(Platform),
    /// A WordPress link card (`wp-embedded-content`) or a Facebook page plugin
    /// (`fb-page`): not a quote.
    LinkCard,
    /// An embed frame or AMP element known only by the post's id or link.
    Frame,
    /// Substack's static tweet card (`div.tweet` with `data-attrs`).
    SubstackTweet,
}

/// The kind of embed an element starts, if any.
pub(crate) fn classify(element: &Element) -> Option<Kind> {
    let name = element.name();
    if !matches!(name, "blockquote" | "div" | "iframe") {
        return match name {
            "amp-twitter" | "amp-instagram" | "amp-facebook" | "amp-tiktok" => Some(Kind::Frame),
            _ => None,
        };
    }
    // Read the attributes once: scraper's `attr()` and `classes()` intern names on
    // every call, which costs more than this whole check.
    let (mut class, mut src, mut threads_permalink, mut tweet_id, mut data_attrs) = ("", None, false, false, false);
    for (attr, value) in element.attrs() {
        match attr {
            "class" => class = value,
            "src" => src = Some(value),
            "data-text-post-permalink" => threads_permalink = true,
            "data-tweet-id" => tweet_id = true,
            "data-attrs" => data_attrs = true,
            _ => {}
        }
    }
    let has = |wanted: &str| class.split_ascii_whitespace().any(|c| c.eq_ignore_ascii_case(wanted));
    match name {
        "blockquote" => Some(if has("twitter-tweet") || has("twitter-video") {
            Kind::Post(Platform::Twitter)
        } else if has("bluesky-embed") {
            Kind::Post(Platform::Bluesky)
        } else if has("mastodon-embed") {
            Kind::Post(Platform::Mastodon)
        } else if has("text-post-media") || threads_permalink {
            Kind::Post(Platform::Threads)
        } else if has("instagram-media") {
            Kind::Post(Platform::Instagram)
        } else if has("tiktok-embed") {
            Kind::Post(Platform::Tiktok)
        } else if has("fb-xfbml-parse-ignore") {
            Kind::Post(Platform::Facebook)
        } else if has("wp-embedded-content") {
            Kind::LinkCard
        } else {
            Kind::Post(Platform::Blockquote)
        }),
        "div" if has("fb-post") => Some(Kind::Post(Platform::Facebook)),
        "div" if has("fb-page") => Some(Kind::LinkCard),
        "div" if data_attrs && has("tweet") => Some(Kind::SubstackTweet),
        "iframe" if has("mastodon-embed") || src.is_some_and(is_mastodon_embed_url) => {
            Some(Kind::Post(Platform::Mastodon))
        }
        "iframe" if has("wp-embedded-content") => Some(Kind::LinkCard),
        "iframe" if tweet_id || src.is_some_and(frames::is_post_frame) => Some(Kind::Frame),
        _ => None,
    }
}

/// How embed parsers treat what is inside an embed: other embeds are parsed on
/// their own.
pub(crate) fn nested_embeds(element: &Element) -> Treat {
    if classify(element).is_some() { Treat::Nested } else { Treat::Keep }
}

/// What every parser needs: the article URL and where to put warnings.
pub(crate) struct Ctx<'w> {
    pub base: Option<Url>,
    pub include_unattributed: bool,
    pub warnings: &'w mut Vec<String>,
    /// How many embeds the one being parsed is nested in.
    pub depth: usize,
}

/// Embeds nested deeper than this (a quote of a quote of a quote…) are not parsed:
/// real pages nest two levels at most, hostile ones thousands.
const MAX_NESTING: usize = 4;

/// Parses the embed that `node` starts, appending what it finds to `out`.
pub(crate) fn parse(kind: Kind, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let Node::Element(element) = node.value() else { return };
    match kind {
        Kind::Post(platform @ (Platform::Twitter | Platform::Bluesky)) => post::parse(node, platform, ctx, out),
        Kind::Post(Platform::Mastodon) => out.push(Block::Embed(mastodon::parse(element, node))),
        Kind::Post(Platform::Threads) => out.push(Block::Embed(threads::parse(element, node))),
        Kind::Post(Platform::Instagram) => instagram::parse(element, node, ctx, out),
        Kind::Post(Platform::Tiktok) => tiktok::parse(element, node, ctx, out),
        Kind::Post(Platform::Facebook) => facebook::parse(element, node, ctx, out),
        Kind::Post(Platform::Blockquote) => blockquote::parse(element, node, ctx, out),
        Kind::LinkCard => out.push(Block::Embed(None)),
        Kind::Frame => frames::parse(element, node, ctx, out),
        Kind::SubstackTweet => substack::parse(element, ctx, out),
    }
}

/// Parses embeds found nested inside another one.
fn parse_nested(flat: &Flat<'_>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    if flat.nested.is_empty() {
        return;
    }
    if ctx.depth >= MAX_NESTING {
        ctx.warnings.push(format!("skipped embeds nested more than {MAX_NESTING} deep"));
        return;
    }
    ctx.depth += 1;
    for &node in &flat.nested {
        if let Node::Element(element) = node.value()
            && let Some(kind) = classify(element)
        {
            parse(kind, node, ctx, out);
        }
    }
    ctx.depth -= 1;
}

/// The text, sanitized HTML and links of `flat.raw[..cut]`.
pub(crate) fn body(
    flat: &Flat<'_>,
    cut: usize,
    platform: Platform,
    base: Option<&Url>,
) -> (String, String, Vec<String>) {
    let text = tidy(&flat.raw[..cut]);
    let html = flat.render_html(cut, base);
    let links = links(flat, cut, &text, platform, base);
    (text, html, links)
}

/// The links a quote shares, in order: every link written out in its text (with the
/// real target when the text is a link's shortened label, as `pic.twitter.com/…` is
/// for `https://t.co/…`), and links behind words, but not mentions, hashtags or
/// other links to the platform itself.
fn links(flat: &Flat<'_>, cut: usize, text: &str, platform: Platform, base: Option<&Url>) -> Vec<String> {
    let anchors: Vec<_> = flat.anchors.iter().filter(|a| a.start < cut).collect();
    let mut used = vec![false; anchors.len()];
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut search_from = 0;
    for token in links_in_text(text) {
        let position = flat.raw[search_from.min(cut)..cut].find(&token).map_or(search_from, |i| i + search_from);
        search_from = position + token.len();
        let label_of = anchors.iter().enumerate().position(|(i, a)| {
            !used[i] && {
                let label = trim_link_end(a.text(flat).trim_end_matches('…'));
                !label.is_empty() && token.starts_with(label)
            }
        });
        let link = match label_of {
            Some(i) => {
                used[i] = true;
                anchors[i].clean_href(base).map(str::to_string)
            }
            None if token.starts_with("http") => clean_url(&token, base),
            None => Some(token),
        };
        if let Some(link) = link {
            found.push((position, link));
        }
    }
    for (i, anchor) in anchors.iter().enumerate() {
        let label = anchor.text(flat);
        if used[i] || label.is_empty() || label.starts_with(['#', '@', '$']) || links_in_text(label).len() == 1 {
            continue;
        }
        let Some(href) = anchor.clean_href(base) else { continue };
        if !host_of(href).is_some_and(|h| is_platform_host(platform, &h)) {
            found.push((anchor.start, href.to_string()));
        }
    }
    found.sort_by_key(|(position, _)| *position);
    let mut links: Vec<String> = Vec::with_capacity(found.len());
    for (_, link) in found {
        if !links.contains(&link) {
            links.push(link);
        }
    }
    links
}

/// The `— Name (@handle) Date` on the last line of a flattened embed, with its
/// offset made absolute.
fn trailing_attribution(flat: &Flat<'_>) -> Option<Trailing> {
    let start = flat.last_line_start();
    parse_trailing(&flat.raw[start..]).map(|mut t| {
        t.dash += start;
        t
    })
}

fn warn_cut_off(ctx: &mut Ctx<'_>, platform: Platform, url: Option<&str>) {
    ctx.warnings.push(format!(
        "skipped a {} embed that has no attribution (cut off?){}",
        platform.label(),
        url.map(|u| format!(": {u}")).unwrap_or_default()
    ));
}

/// Dashes that open an attribution.
const DASHES: &[char] = &['—', '―', '–', '-'];

/// The link that is the whole text of a flattened block, if that is all it holds: a
/// page plugin's name, a blockquote left holding only a post's link. Not a quote.
fn only_a_link<'f>(flat: &'f Flat<'_>) -> Option<&'f crate::flatten::Anchor> {
    let text = flat.raw.trim();
    if text.is_empty() {
        return None;
    }
    flat.anchors.iter().find(|a| a.text(flat).trim() == text)
}

/// The `href` of every link under `node`, in order.
fn hrefs<'a>(node: NodeRef<'a, Node>) -> impl Iterator<Item = &'a str> {
    node.descendants().filter_map(|n| match n.value() {
        Node::Element(e) if e.name() == "a" => e.attr("href"),
        _ => None,
    })
}

/// The `<figcaption>` of the `<figure>` a block quote sits in.
pub(crate) fn figure_caption(blockquote: NodeRef<'_, Node>) -> Option<NodeRef<'_, Node>> {
    let figure = blockquote.parent().filter(|p| matches!(p.value(), Node::Element(e) if e.name() == "figure"))?;
    figure.children().find(|n| matches!(n.value(), Node::Element(e) if e.name() == "figcaption"))
}
