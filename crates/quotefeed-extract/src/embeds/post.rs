//! X/Twitter and Bluesky: the same shape, a blockquote with the post's paragraphs
//! and an attribution line with the author and a permalinked date.

use super::*;

/// A Twitter or Bluesky embed (or a plain blockquote that has the same shape): the
/// post text, then `— Name (@handle)` and a link to the post on its date.
pub(super) fn parse(node: NodeRef<'_, Node>, platform: Platform, ctx: &mut Ctx<'_>, out: &mut Vec<Block>) {
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
            // A link to the post itself closing its text is the embed's stand-in for
            // media ("[image or embed]"), not part of the post.
            let mut cut = t.dash;
            if let Some(post) = post_url.as_deref().map(without_query) {
                while let Some(a) = flat.anchors.iter().find(|a| {
                    a.start < cut
                        && a.end >= flat.raw[..cut].trim_end().len()
                        && a.clean_href(ctx.base.as_ref()).map(without_query).as_deref() == Some(post.as_str())
                }) {
                    cut = a.start;
                }
            }
            let (text, html, links) = body(&flat, cut, platform, ctx.base.as_ref());
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
                    // "text — @user": the dash before the link closes the text too.
                    let before = flat.raw[..anchor.start].trim_end();
                    let cut = before.strip_suffix(DASHES).map_or(anchor.start, str::len);
                    (cut, None, handle, parse_date(anchor.text(&flat)))
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
