//! Mastodon: an iframe or blockquote that carries no text, only the post's URL
//! (the daemon fetches the post over ActivityPub).

use super::*;
use crate::textless::mastodon_embed;

/// A Mastodon embed: a link to the status and no text.
pub(super) fn parse(element: &Element, node: NodeRef<'_, Node>) -> Option<TextlessEmbed> {
    let candidates = [element.attr("data-embed-url"), element.attr("src")];
    let (url, handle) = candidates.into_iter().flatten().chain(hrefs(node)).find_map(mastodon_status)?;
    Some(mastodon_embed(url, handle))
}
