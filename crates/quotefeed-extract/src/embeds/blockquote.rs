//! Ordinary block quotes, attributed by `<cite>`, a `cite=` URL, a `<figcaption>`
//! or a closing "— Name" line.

use super::*;
use crate::textless::textless_from_url;

/// An ordinary block quote: attributed by a `<cite>`, a `<footer>`, the
/// `<figcaption>` of its figure, a closing "— Name" line, or a `cite=` URL. A
/// blockquote that carries a `— Name (@handle) Date` line is a post whose embed code
/// lost its class, and is parsed as one.
pub(super) fn parse(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let treat = |e: &Element| match e.name() {
        "cite" | "footer" => Treat::Omit,
        _ => nested_embeds(e),
    };
    let flat = flatten(node, &[], treat);
    if let Some(link) = only_a_link(&flat) {
        let post = link.clean_href(ctx.base.as_ref()).and_then(textless_from_url);
        out.push(Block::Embed(post));
        return;
    }
    let has_citation =
        node.descendants().any(|n| matches!(n.value(), Node::Element(e) if matches!(e.name(), "cite" | "footer")));
    // "text — @user", the handle linking to the status (Medium's tweet quotes).
    let signed_with_status = flat.anchors.last().is_some_and(|last| {
        tweet_link(&last.href).is_some()
            && flat.raw[last.end..].trim().is_empty()
            && flat.raw[..last.start].trim_end().ends_with(DASHES)
    });
    if !has_citation && signed_with_status {
        super::post::parse(node, Platform::Twitter, ctx, out);
        return;
    }
    if !has_citation && trailing_attribution(&flat).is_some() {
        let is_bluesky = flat.anchors.iter().any(|a| a.href.contains("bsky.app/") && a.href.contains("/post/"));
        let platform = if is_bluesky { Platform::Bluesky } else { Platform::Twitter };
        super::post::parse(node, platform, ctx, out);
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
