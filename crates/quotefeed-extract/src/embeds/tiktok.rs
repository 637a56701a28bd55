//! TikTok: a blockquote with a section holding the author link and the caption.

use super::*;

static P: LazyLock<Selector> = LazyLock::new(|| Selector::parse("p").expect("valid selector"));

/// A TikTok embed: the `cite` permalink, `@user`, and the caption in a `<p>`.
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
