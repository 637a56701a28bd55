//! TikTok: a blockquote whose `<section>` holds the author's `@user` link, the
//! caption (bare text or in a `<p>`, with hashtag links) and the sound's link.

use super::*;

/// A TikTok embed: the `cite` permalink, `@user`, and the caption: everything in the
/// embed but the link to the author's profile and the link to the sound
/// ("♬ original sound - …"), both recognised by where they point.
pub(super) fn parse(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
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
    let treat = |e: &Element| match e.name() {
        "a" if e.attr("href").is_some_and(is_chrome_link) => Treat::Omit,
        _ => nested_embeds(e),
    };
    let flat = flatten(node, &["p"], treat);
    let (text, html, links) = body(&flat, flat.raw.len(), Platform::Tiktok, ctx.base.as_ref());
    match url {
        Some(url) if text.is_empty() => out.push(Block::Embed(Some(TextlessEmbed::new(Platform::Tiktok, url, author)))),
        None if text.is_empty() => out.push(Block::Embed(None)),
        url => out.push(Block::Quote(Draft {
            text,
            html: Some(if html.contains("<p") { html } else { format!("<p>{html}</p>") }),
            author,
            platform: Some(Platform::Tiktok),
            url,
            published: None,
            links,
            post_id: video_id,
        })),
    }
}

/// A link of the embed's frame rather than the caption: to a profile (`/@user`) or
/// to a sound (`/music/…`).
fn is_chrome_link(href: &str) -> bool {
    match path_segments(href).as_slice() {
        [user] => user.starts_with('@'),
        [music, ..] => music == "music",
        [] => false,
    }
}
