//! Facebook: a `div.fb-post` holding a blockquote with the post's paragraphs and
//! a closing "Posted by NAME on DATE" line.
//!
//! The closing line is found by structure, not by its words (Facebook prints it in
//! the reader's language: "Publicado por", "Publicada por", "Dikirim oleh", …): it
//! is what follows the post's last `<p>`, with a link to the author and a link on
//! the date; without paragraphs, a last line whose last link is a date.

use super::*;

/// A Facebook post embed: the post text, then "Posted by NAME on DATE".
pub(super) fn parse(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
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
    if only_a_link(&flat).is_some() {
        // A page plugin's name, or a post embed whose text is gone: a post only if
        // the embed points at one.
        out.push(Block::Embed(permalink.as_deref().and_then(crate::textless::textless_from_url)));
        return;
    }
    let last_line = flat.last_line_start();
    let closing: Vec<_> = flat.anchors.iter().filter(|a| a.start >= last_line).collect();
    let date_closes_it = closing.len() >= 2 && closing.last().is_some_and(|a| parse_date(a.text(&flat)).is_some());
    let posted_by = (last_line > 0 && (byline_follows_paragraphs(quote) || date_closes_it)).then_some(last_line);
    let (cut, name, author_url, published, date_link) = match posted_by {
        Some(start) => {
            let closing: Vec<_> = flat.anchors.iter().filter(|a| a.start >= start).collect();
            let author = closing.first();
            let date = closing.last().filter(|_| closing.len() > 1);
            let published = date
                .and_then(|a| parse_date(a.text(&flat)))
                .or_else(|| flat.raw[start..].rsplit_once(char::is_whitespace).and_then(|(_, d)| parse_date(d)));
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

/// Whether the blockquote ends with something other than a paragraph after its
/// paragraphs: the closing line of a post embed.
fn byline_follows_paragraphs(quote: NodeRef<'_, Node>) -> bool {
    let children: Vec<_> = quote.children().collect();
    let is_paragraph = |n: &NodeRef<'_, Node>| matches!(n.value(), Node::Element(e) if e.name() == "p");
    let Some(last_paragraph) = children.iter().rposition(is_paragraph) else { return false };
    children[last_paragraph + 1..].iter().any(|n| match n.value() {
        Node::Text(text) => !text.trim().is_empty(),
        Node::Element(_) => true,
        _ => false,
    })
}
