//! ammonia, set up to allow what a quote body may hold, as the oracle for the
//! extractor's HTML renderer: ammonia must leave the renderer's output unchanged.

use std::collections::HashSet;

/// `html` cleaned by ammonia with the quote-body allowlist.
pub fn with_ammonia(html: &str) -> String {
    ammonia::Builder::empty()
        .tags(HashSet::from([
            "p", "div", "span", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "code", "pre", "ul", "ol", "li",
            "sub", "sup", "small", "mark", "q", "abbr", "bdi", "bdo", "br",
        ]))
        .clean_content_tags(HashSet::from(["script", "style"]))
        .generic_attributes(HashSet::from(["lang", "dir"]))
        .add_tag_attributes("a", ["href"])
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow noopener noreferrer"))
        .clean(html)
        .to_string()
}
