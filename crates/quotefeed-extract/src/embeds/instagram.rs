//! Instagram: a blockquote whose paragraphs are the caption (when the embed has
//! one) and a closing line naming the author.
//!
//! Read by structure, not by the words of the embed's chrome, which Instagram
//! prints in the reader's language ("View this post on Instagram", "Sieh dir
//! diesen Beitrag auf Instagram an", …):
//! - the chrome sits inside the link that wraps the placeholder image, so only
//!   paragraphs that are not inside a link count;
//! - the author's line is the last paragraph holding a `(@handle)`, a `<time>` or a
//!   link to a profile; the paragraphs before it are the caption;
//! - the handle is the last `(@…)` of that line (a name may hold its own
//!   parentheses: "Ana (she/her) (@ana)"), the name is the profile link's text, the
//!   date the `<time>` element's `datetime`.

use super::*;

/// "A post shared by" in languages often seen. Used only to tell a name from the
/// words before it when the embed prints both inside one link (new-style embeds);
/// in other languages the name stays unknown and the handle names the author.
const SHARED_BY: &[&str] = &[
    "A post shared by",
    "Ein Beitrag geteilt von",
    "Une publication partagée par",
    "Una publicación compartida de",
    "Una publicación compartida por",
    "Uma publicação compartilhada por",
    "Un post condiviso da",
    "Een bericht gedeeld door",
    "Публикация от",
];

/// An Instagram embed: the caption's paragraphs, then the author's line.
pub(super) fn parse(element: &Element, node: NodeRef<'_, Node>, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
    let permalink = element
        .attr("data-instgrm-permalink")
        .into_iter()
        .chain(hrefs(node))
        .filter_map(|h| clean_url(h, ctx.base.as_ref()))
        .map(|u| without_query(&u))
        .find(|u| post_id(u).is_some());
    let Some(permalink) = permalink else {
        out.push(Block::Embed(None));
        return;
    };
    let paragraphs: Vec<NodeRef<'_, Node>> = node
        .descendants()
        .filter(|n| matches!(n.value(), Node::Element(e) if e.name() == "p") && !inside_link(*n, node))
        .collect();
    let flats: Vec<Flat<'_>> = paragraphs.iter().map(|p| flatten(*p, &[], nested_embeds)).collect();
    let byline = flats.iter().rposition(|flat| {
        handle_in(&flat.raw).is_some()
            || !flat.times.is_empty()
            || flat.anchors.iter().any(|a| profile_handle(&a.href, &permalink).is_some())
    });
    let Some(byline) = byline else {
        // Only the placeholder: a post known by its link.
        out.push(Block::Embed(Some(TextlessEmbed::new(Platform::Instagram, permalink, Author::default()))));
        return;
    };
    let author = author(&flats[byline], &permalink, ctx.base.as_ref());
    let published = flats[byline].times.iter().find_map(|(_, datetime)| parse_date(datetime));

    let (mut text, mut html, mut links_found) = (Vec::new(), String::new(), Vec::new());
    for flat in &flats[..byline] {
        let (paragraph, paragraph_html, paragraph_links) =
            body(flat, flat.raw.len(), Platform::Instagram, ctx.base.as_ref());
        if !paragraph.is_empty() {
            text.push(paragraph);
            html.push_str(&format!("<p>{paragraph_html}</p>"));
            links_found.extend(paragraph_links.into_iter().filter(|l| without_query(l) != permalink));
        }
    }
    let text = text.join("\n");
    if text.is_empty() {
        out.push(Block::Embed(Some(TextlessEmbed::new(Platform::Instagram, permalink, author))));
        return;
    }
    links_found.dedup();
    out.push(Block::Quote(Draft {
        text,
        html: Some(html),
        author,
        platform: Some(Platform::Instagram),
        post_id: post_id(&permalink),
        url: Some(permalink),
        published,
        links: links_found,
    }));
}

/// The author named by the closing line: handle, name and profile link.
fn author(byline: &Flat<'_>, permalink: &str, base: Option<&Url>) -> Author {
    let profile = byline.anchors.iter().find_map(|a| profile_handle(&a.href, permalink).map(|h| (a, h)));
    let handle = handle_in(&byline.raw).or_else(|| profile.as_ref().map(|(_, h)| h.clone()));
    let name = match &profile {
        Some((anchor, _)) => Some(tidy(anchor.text(byline))),
        // New-style embeds print "A post shared by Name (@handle)" in one link.
        None => byline.raw.rfind("(@").and_then(|open| {
            let before = byline.raw[..open].trim();
            SHARED_BY.iter().find_map(|phrase| before.rfind(phrase).map(|i| tidy(&before[i + phrase.len()..])))
        }),
    }
    .filter(|n| !n.is_empty() && !n.starts_with('@'));
    let url = profile
        .and_then(|(anchor, _)| anchor.clean_href(base).map(without_query))
        .or_else(|| handle.as_deref().and_then(|h| profile_url(Platform::Instagram, h)));
    Author { name, handle, url }
}

/// The handle in "(@handle)" (the last one), or in a bare "@handle" word.
fn handle_in(text: &str) -> Option<String> {
    let valid = |h: &str| !h.is_empty() && h.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.'));
    if let Some(open) = text.rfind("(@") {
        let rest = &text[open + 2..];
        if let Some(close) = rest.find(')')
            && valid(&rest[..close])
        {
            return Some(rest[..close].to_string());
        }
    }
    text.split_whitespace().rev().find_map(|word| word.strip_prefix('@').filter(|h| valid(h)).map(str::to_string))
}

/// The user of a link to an Instagram profile (one path segment, not the post).
fn profile_handle(href: &str, permalink: &str) -> Option<String> {
    let host = host_of(href)?;
    if host != "instagram.com" || without_query(href) == permalink {
        return None;
    }
    match path_segments(href).as_slice() {
        [user] if !matches!(user.as_str(), "p" | "reel" | "tv" | "explore" | "accounts") => Some(user.clone()),
        _ => None,
    }
}

/// The post id of an Instagram permalink (`/p/ID/`, `/reel/ID/`, `/tv/ID/`).
fn post_id(url: &str) -> Option<String> {
    if host_of(url)? != "instagram.com" {
        return None;
    }
    let segments = path_segments(url);
    let at = segments.iter().position(|s| matches!(s.as_str(), "p" | "reel" | "tv"))?;
    segments.get(at + 1).cloned()
}

/// Whether `node` sits inside a link below `root`.
fn inside_link(node: NodeRef<'_, Node>, root: NodeRef<'_, Node>) -> bool {
    node.ancestors()
        .take_while(|a| a.id() != root.id())
        .any(|a| matches!(a.value(), Node::Element(e) if e.name() == "a"))
}
