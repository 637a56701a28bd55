//! Threads: a blockquote that carries no text, only the post's permalink.

use super::*;

/// A Threads embed: a permalink and no text.
pub(super) fn parse(element: &Element, node: NodeRef<'_, Node>) -> Option<TextlessEmbed> {
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
