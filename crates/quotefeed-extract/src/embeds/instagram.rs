//! Instagram: a blockquote with the caption (when the embed has one) and a
//! "shared by" line naming the author.

use super::*;

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
pub(super) fn parse(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
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
