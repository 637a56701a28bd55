//! One parser per kind of embed: what each platform's embed code looks like is in
//! DESIGN.md ("Extraction rules"). Each parser turns one embed element into blocks:
//! a quote, an embed without text, or nothing of interest.

use std::sync::LazyLock;

use ego_tree::NodeRef;
use scraper::node::Element;
use scraper::{ElementRef, Node, Selector};
use url::Url;

use super::attribution::{Trailing, parse_dash_name, parse_trailing};
use super::blocks::{Block, Draft, platform_for_handle, profile_url};
use super::dates::parse_date;
use super::flatten::{Flat, Treat, escape_text, flatten};
use super::text_util::{links_in_text, tidy, trim_link_end};
use super::urls::{
    clean_url, host_of, is_mastodon_embed_url, is_twitter_host, mastodon_status, path_segments, tweet_link,
    twitter_profile, twitter_profile_handle, without_query,
};
use super::{Author, Platform, TextlessEmbed};

/// The kinds of embed the extractor knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Twitter,
    Bluesky,
    Mastodon,
    Threads,
    Instagram,
    Tiktok,
    Facebook,
    /// A WordPress link card (`wp-embedded-content`): not a quote.
    LinkCard,
    /// An ordinary `<blockquote>`.
    Blockquote,
}

/// The kind of embed an element starts, if any.
pub(crate) fn classify(element: &Element) -> Option<Kind> {
    let name = element.name();
    if !matches!(name, "blockquote" | "div" | "iframe") {
        return None;
    }
    // Read the attributes once: scraper's `attr()` and `classes()` intern names on
    // every call, which costs more than this whole check.
    let (mut class, mut src, mut threads_permalink) = ("", None, false);
    for (attr, value) in element.attrs() {
        match attr {
            "class" => class = value,
            "src" => src = Some(value),
            "data-text-post-permalink" => threads_permalink = true,
            _ => {}
        }
    }
    let has = |wanted: &str| class.split_ascii_whitespace().any(|c| c.eq_ignore_ascii_case(wanted));
    match name {
        "blockquote" => Some(if has("twitter-tweet") || has("twitter-video") {
            Kind::Twitter
        } else if has("bluesky-embed") {
            Kind::Bluesky
        } else if has("mastodon-embed") {
            Kind::Mastodon
        } else if has("text-post-media") || threads_permalink {
            Kind::Threads
        } else if has("instagram-media") {
            Kind::Instagram
        } else if has("tiktok-embed") {
            Kind::Tiktok
        } else if has("fb-xfbml-parse-ignore") {
            Kind::Facebook
        } else if has("wp-embedded-content") {
            Kind::LinkCard
        } else {
            Kind::Blockquote
        }),
        "div" if has("fb-post") => Some(Kind::Facebook),
        "iframe" if has("mastodon-embed") || src.is_some_and(is_mastodon_embed_url) => Some(Kind::Mastodon),
        "iframe" if has("wp-embedded-content") => Some(Kind::LinkCard),
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
        Kind::Twitter => parse_post(node, Platform::Twitter, ctx, out),
        Kind::Bluesky => parse_post(node, Platform::Bluesky, ctx, out),
        Kind::Mastodon => out.push(Block::Embed(mastodon(element, node))),
        Kind::Threads => out.push(Block::Embed(threads(element, node))),
        Kind::Instagram => instagram(element, node, ctx, out),
        Kind::Tiktok => tiktok(element, node, ctx, out),
        Kind::Facebook => facebook(element, node, ctx, out),
        Kind::LinkCard => out.push(Block::Embed(None)),
        Kind::Blockquote => blockquote(element, node, ctx, out),
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

/// Hosts of a platform's own pages: links there inside a post are mentions,
/// hashtags or the post itself, not links the post shares.
fn is_platform_host(platform: Platform, host: &str) -> bool {
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

/// A Twitter or Bluesky embed (or a plain blockquote that has the same shape): the
/// post text, then `— Name (@handle)` and a link to the post on its date.
fn parse_post(node: NodeRef<'_, Node>, platform: Platform, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let keep_newlines: &'static [&'static str] = if platform == Platform::Bluesky { &["p"] } else { &[] };
    let flat = flatten(node, keep_newlines, nested_embeds);
    let trailing = trailing_attribution(&flat);
    let last_line = flat.last_line_start();
    let after = trailing.as_ref().map_or(last_line, |t| t.dash);
    let closing_anchors: Vec<_> = flat.anchors.iter().filter(|a| a.start >= after).collect();

    let draft = match platform {
        Platform::Bluesky => {
            let post_url = closing_anchors
                .iter()
                .rev()
                .find(|a| a.href.contains("/post/"))
                .and_then(|a| clean_url(&a.href, ctx.base.as_ref()));
            let profile = closing_anchors
                .iter()
                .find(|a| a.href.contains("/profile/") && !a.href.contains("/post/"))
                .and_then(|a| clean_url(&a.href, ctx.base.as_ref()));
            let post_id = match node.value() {
                Node::Element(e) => e.attr("data-bluesky-uri").map(str::to_string),
                _ => None,
            }
            .or_else(|| post_url.clone());
            let Some(t) = trailing.as_ref() else {
                warn_cut_off(ctx, platform, post_url.as_deref());
                out.push(Block::Embed(None));
                return;
            };
            let (text, html, links) = body(&flat, t.dash, platform, ctx.base.as_ref());
            Draft {
                text,
                html: Some(html),
                author: Author {
                    name: Some(t.name.clone()),
                    url: profile.or_else(|| profile_url(platform, &t.handle)),
                    handle: Some(t.handle.clone()),
                },
                platform: Some(platform),
                url: post_url,
                published: t.published.clone(),
                links,
                post_id,
            }
        }
        _ => {
            let status = closing_anchors.iter().rev().find_map(|a| tweet_link(&a.href).map(|link| (*a, link)));
            let (cut, name, handle, published) = match (&trailing, &status) {
                (Some(t), _) => (t.dash, Some(t.name.clone()), Some(t.handle.clone()), t.published.clone()),
                (None, Some((anchor, link))) => {
                    // No "— Name (@handle)": the link on the date closes the post.
                    let handle = link.handle.clone().or_else(|| twitter_profile_handle(&anchor.href));
                    (anchor.start, None, handle, parse_date(anchor.text(&flat)))
                }
                (None, None) => {
                    warn_cut_off(ctx, platform, None);
                    out.push(Block::Embed(None));
                    parse_nested(&flat, ctx, out);
                    return;
                }
            };
            let url = status.as_ref().map(|(_, link)| match (&link.handle, &handle) {
                (None, Some(h)) => link.url.replace("/i/web/status/", &format!("/{h}/status/")),
                _ => link.url.clone(),
            });
            let (text, html, links) = body(&flat, cut, Platform::Twitter, ctx.base.as_ref());
            let platform = match &handle {
                Some(h) if url.is_none() => platform_for_handle(h),
                _ => Platform::Twitter,
            };
            Draft {
                text,
                html: Some(html),
                author: Author {
                    name,
                    url: handle.as_deref().and_then(|h| match platform {
                        Platform::Twitter => Some(twitter_profile(h, url.as_deref())),
                        _ => profile_url(platform, h),
                    }),
                    handle,
                },
                platform: Some(platform),
                post_id: status.map(|(_, link)| link.status_id),
                url,
                published,
                links,
            }
        }
    };
    if draft.text.is_empty() {
        out.push(Block::Embed(
            draft
                .url
                .clone()
                .map(|url| TextlessEmbed::new(draft.platform.unwrap_or(platform), url, draft.author.clone())),
        ));
    } else {
        out.push(Block::Quote(draft));
    }
    parse_nested(&flat, ctx, out);
}

fn warn_cut_off(ctx: &mut Ctx<'_>, platform: Platform, url: Option<&str>) {
    ctx.warnings.push(format!(
        "skipped a {} embed that has no attribution (cut off?){}",
        platform.label(),
        url.map(|u| format!(": {u}")).unwrap_or_default()
    ));
}

/// A Mastodon embed: a link to the status and no text.
fn mastodon(element: &Element, node: NodeRef<'_, Node>) -> Option<TextlessEmbed> {
    let candidates = [element.attr("data-embed-url"), element.attr("src")];
    let (url, handle) = candidates.into_iter().flatten().chain(hrefs(node)).find_map(mastodon_status)?;
    Some(mastodon_embed(url, handle))
}

/// A Mastodon status known by its URL and `user@host` handle.
fn mastodon_embed(status_url: String, handle: String) -> TextlessEmbed {
    let author = Author { name: None, url: profile_url(Platform::Mastodon, &handle), handle: Some(handle) };
    TextlessEmbed::new(Platform::Mastodon, status_url, author)
}

/// The `href` of every link under `node`, in order.
fn hrefs<'a>(node: NodeRef<'a, Node>) -> impl Iterator<Item = &'a str> {
    node.descendants().filter_map(|n| match n.value() {
        Node::Element(e) if e.name() == "a" => e.attr("href"),
        _ => None,
    })
}

/// A Threads embed: a permalink and no text.
fn threads(element: &Element, node: NodeRef<'_, Node>) -> Option<TextlessEmbed> {
    let url = element
        .attr("data-text-post-permalink")
        .into_iter()
        .chain(hrefs(node))
        .find(|h| h.contains("/post/"))
        .map(without_query)?;
    let handle = path_segments(&url).into_iter().find_map(|s| s.strip_prefix('@').map(str::to_string));
    Some(TextlessEmbed::new(
        Platform::Threads,
        url,
        Author { name: None, url: handle.as_deref().and_then(|h| profile_url(Platform::Threads, h)), handle },
    ))
}

/// "A post shared by" in the languages Instagram's embed code is most often seen in.
const INSTAGRAM_SHARED_BY: &[&str] = &[
    "A post shared by",
    "Ein Beitrag geteilt von",
    "Une publication partagée par",
    "Una publicación compartida de",
    "Uma publicação compartilhada por",
    "Un post condiviso da",
    "Een bericht gedeeld door",
];

/// Lines of Instagram's embed chrome, not of the caption.
const INSTAGRAM_CHROME: &[&str] = &["View this post on Instagram", "View more on Instagram"];

/// An Instagram embed: the caption (when the embed is captioned), then
/// "A post shared by NAME (@handle) on DATE".
fn instagram(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let flat = flatten(node, &[], nested_embeds);
    let permalink = element
        .attr("data-instgrm-permalink")
        .into_iter()
        .chain(hrefs(node))
        .find(|h| h.contains("instagram.com/"))
        .and_then(|h| clean_url(h, ctx.base.as_ref()))
        .map(|u| without_query(&u));
    let Some(permalink) = permalink else {
        out.push(Block::Embed(None));
        return;
    };
    let shared_by =
        INSTAGRAM_SHARED_BY.iter().filter_map(|phrase| flat.raw.rfind(phrase).map(|i| (i, phrase.len()))).max();
    let Some((attribution_start, phrase_len)) = shared_by else {
        out.push(Block::Embed(Some(TextlessEmbed::new(Platform::Instagram, permalink, Author::default()))));
        return;
    };
    let line_end = flat.raw[attribution_start..].find('\n').map_or(flat.raw.len(), |i| i + attribution_start);
    let line = flat.raw[attribution_start + phrase_len..line_end].trim();
    let (name_part, handle) = match (line.find("(@"), line.find(')')) {
        (Some(open), Some(close)) if close > open => {
            (line[..open].trim(), Some(line[open + 2..close].trim().to_string()))
        }
        _ => (line.split(" on ").next().unwrap_or("").trim(), None),
    };
    let profile_anchor = flat.anchors.iter().find(|a| a.start >= attribution_start);
    let name = Some(name_part.to_string()).filter(|n| !n.is_empty());
    let author_url = profile_anchor
        .and_then(|a| clean_url(&a.href, ctx.base.as_ref()))
        .or_else(|| handle.as_deref().and_then(|h| profile_url(Platform::Instagram, h)));
    let published = flat
        .times
        .iter()
        .find(|(at, _)| *at >= attribution_start)
        .map(|(_, datetime)| datetime.clone())
        .filter(|d| parse_date(d).is_some())
        .or_else(|| line.rsplit_once(" on ").and_then(|(_, date)| parse_date(date)));
    let caption_start = caption_start(&flat, attribution_start);
    let caption: Vec<&str> = flat.raw[caption_start..attribution_start]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !INSTAGRAM_CHROME.contains(l))
        .collect();
    let text = tidy(&caption.join("\n"));
    let author = Author { name, handle, url: author_url };
    if text.is_empty() {
        out.push(Block::Embed(Some(TextlessEmbed::new(Platform::Instagram, permalink, author))));
        return;
    }
    let links = links(&flat, attribution_start, &text, Platform::Instagram, ctx.base.as_ref())
        .into_iter()
        .filter(|l| without_query(l) != permalink)
        .collect();
    let segments = path_segments(&permalink);
    let post_id = segments
        .iter()
        .position(|s| matches!(s.as_str(), "p" | "reel" | "tv"))
        .and_then(|i| segments.get(i + 1).cloned());
    out.push(Block::Quote(Draft {
        html: Some(text.lines().map(|l| format!("<p>{}</p>", escape_text(l))).collect()),
        text,
        author,
        platform: Some(Platform::Instagram),
        url: Some(permalink),
        published,
        links,
        post_id,
    }));
}

/// Where an Instagram caption starts: after the "View this post on Instagram" link.
fn caption_start(flat: &Flat<'_>, before: usize) -> usize {
    INSTAGRAM_CHROME
        .iter()
        .filter_map(|chrome| flat.raw[..before].rfind(chrome).map(|i| i + chrome.len()))
        .max()
        .unwrap_or(0)
}

static P: LazyLock<Selector> = LazyLock::new(|| Selector::parse("p").expect("valid selector"));

/// A TikTok embed: the `cite` permalink, `@user`, and the caption in a `<p>`.
fn tiktok(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let url = element
        .attr("cite")
        .into_iter()
        .chain(hrefs(node))
        .find(|h| h.contains("/video/"))
        .and_then(|h| clean_url(h, ctx.base.as_ref()))
        .map(|u| without_query(&u));
    let handle =
        url.as_deref().and_then(|u| path_segments(u).into_iter().find_map(|s| s.strip_prefix('@').map(str::to_string)));
    let video_id = element
        .attr("data-video-id")
        .map(str::to_string)
        .or_else(|| url.as_deref().and_then(|u| u.rsplit('/').next().map(str::to_string)));
    let author = Author { name: None, url: handle.as_deref().and_then(|h| profile_url(Platform::Tiktok, h)), handle };
    let Some(root) = ElementRef::wrap(node) else { return };
    let mut text_parts = Vec::new();
    let mut html = String::new();
    let mut links_found = Vec::new();
    for paragraph in root.select(&P) {
        let flat = flatten(*paragraph, &[], nested_embeds);
        let cut = flat.raw.len();
        let (text, paragraph_html, paragraph_links) = body(&flat, cut, Platform::Tiktok, ctx.base.as_ref());
        if !text.is_empty() {
            text_parts.push(text);
            html.push_str(&format!("<p>{paragraph_html}</p>"));
            links_found.extend(paragraph_links);
        }
    }
    let text = text_parts.join("\n");
    match url {
        Some(url) if text.is_empty() => out.push(Block::Embed(Some(TextlessEmbed::new(Platform::Tiktok, url, author)))),
        None if text.is_empty() => out.push(Block::Embed(None)),
        url => out.push(Block::Quote(Draft {
            text,
            html: Some(html),
            author,
            platform: Some(Platform::Tiktok),
            url,
            published: None,
            links: links_found,
            post_id: video_id,
        })),
    }
}

/// "Posted by" in the languages Facebook's embed code is most often seen in.
const FACEBOOK_POSTED_BY: &[&str] =
    &["Posted by", "Publiée par", "Publié par", "Gepostet von", "Publicado por", "Pubblicato da", "Geplaatst door"];

/// A Facebook post embed: the post text, then "Posted by NAME on DATE".
fn facebook(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let permalink =
        element.attr("data-href").or_else(|| element.attr("cite")).and_then(|h| clean_url(h, ctx.base.as_ref()));
    let quote = if element.name() == "blockquote" {
        Some(node)
    } else {
        node.descendants().find(|n| matches!(n.value(), Node::Element(e) if e.name() == "blockquote"))
    };
    let Some(quote) = quote else {
        out.push(Block::Embed(permalink.map(|url| TextlessEmbed::new(Platform::Facebook, url, Author::default()))));
        return;
    };
    let permalink = permalink.or_else(|| match quote.value() {
        Node::Element(e) => e.attr("cite").and_then(|h| clean_url(h, ctx.base.as_ref())),
        _ => None,
    });
    let flat = flatten(quote, &[], nested_embeds);
    let posted_by = flat
        .raw
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .chain([0])
        .filter(|&start| FACEBOOK_POSTED_BY.iter().any(|p| flat.raw[start..].trim_start().starts_with(p)))
        .max();
    let (cut, name, author_url, published, date_link) = match posted_by {
        Some(start) => {
            let closing: Vec<_> = flat.anchors.iter().filter(|a| a.start >= start).collect();
            let author = closing.first();
            let date = closing.last().filter(|_| closing.len() > 1);
            let published = date
                .and_then(|a| parse_date(a.text(&flat)))
                .or_else(|| flat.raw[start..].rsplit_once(" on").and_then(|(_, d)| parse_date(d)));
            (
                start,
                author.map(|a| tidy(a.text(&flat))).filter(|n| !n.is_empty()),
                author.and_then(|a| clean_url(&a.href, ctx.base.as_ref())),
                published,
                date.and_then(|a| clean_url(&a.href, ctx.base.as_ref())),
            )
        }
        None => (flat.raw.len(), None, None, None, None),
    };
    let url = permalink.or(date_link);
    let (text, html, links) = body(&flat, cut, Platform::Facebook, ctx.base.as_ref());
    let author = Author { name, handle: None, url: author_url };
    match url {
        Some(url) if text.is_empty() => {
            out.push(Block::Embed(Some(TextlessEmbed::new(Platform::Facebook, url, author))))
        }
        _ if text.is_empty() => out.push(Block::Embed(None)),
        url => out.push(Block::Quote(Draft {
            text,
            html: Some(html),
            author,
            platform: Some(Platform::Facebook),
            post_id: url.clone(),
            url,
            published,
            links,
        })),
    }
}

/// An ordinary block quote: attributed by a `<cite>`, a `<footer>`, the
/// `<figcaption>` of its figure, a closing "— Name" line, or a `cite=` URL. A
/// blockquote that carries a `— Name (@handle) Date` line is a post whose embed code
/// lost its class, and is parsed as one.
fn blockquote(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let treat = |e: &Element| match e.name() {
        "cite" | "footer" => Treat::Omit,
        _ => nested_embeds(e),
    };
    let flat = flatten(node, &[], treat);
    let has_citation =
        node.descendants().any(|n| matches!(n.value(), Node::Element(e) if matches!(e.name(), "cite" | "footer")));
    if !has_citation && trailing_attribution(&flat).is_some() {
        let is_bluesky = flat.anchors.iter().any(|a| a.href.contains("bsky.app/") && a.href.contains("/post/"));
        let platform = if is_bluesky { Platform::Bluesky } else { Platform::Twitter };
        parse_post(node, platform, ctx, out);
        return;
    }

    let citation = node
        .descendants()
        .filter(|n| matches!(n.value(), Node::Element(e) if e.name() == "cite"))
        .last()
        .or_else(|| node.children().find(|n| matches!(n.value(), Node::Element(e) if e.name() == "footer")))
        .or_else(|| figure_caption(node));
    let mut cut = flat.raw.len();
    let mut author = Author::default();
    if let Some(citation) = citation {
        let cited = flatten(citation, &[], nested_embeds);
        let text = tidy(&cited.raw);
        let text = parse_dash_name(&text).map(str::to_string).unwrap_or(text);
        author.name = Some(text).filter(|t| !t.is_empty());
        author.url = cited.anchors.first().and_then(|a| clean_url(&a.href, ctx.base.as_ref()));
    } else {
        let start = flat.last_line_start();
        if start > 0
            && let Some(name) = parse_dash_name(&flat.raw[start..])
        {
            author.name = Some(tidy(name));
            cut = start;
        }
    }
    let url = element.attr("cite").and_then(|c| clean_url(c, ctx.base.as_ref()));
    let attributed = author.name.is_some() || url.is_some();
    if attributed || ctx.include_unattributed {
        let (text, html, links) = body(&flat, cut, Platform::Blockquote, ctx.base.as_ref());
        out.push(Block::Quote(Draft {
            text,
            html: Some(html),
            author,
            platform: Some(Platform::Blockquote),
            url,
            published: None,
            links,
            post_id: None,
        }));
    } else {
        out.push(Block::Embed(None));
    }
    parse_nested(&flat, ctx, out);
}

/// The `<figcaption>` of the `<figure>` a block quote sits in.
pub(crate) fn figure_caption(blockquote: NodeRef<'_, Node>) -> Option<NodeRef<'_, Node>> {
    let figure = blockquote.parent().filter(|p| matches!(p.value(), Node::Element(e) if e.name() == "figure"))?;
    figure.children().find(|n| matches!(n.value(), Node::Element(e) if e.name() == "figcaption"))
}

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
