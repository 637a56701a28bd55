//! Sanitizing quote HTML with ammonia, so that nothing from an article (scripts,
//! event handlers, styles, tracking pixels) reaches a feed reader or our pages.

use std::collections::HashSet;
use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(HashSet::from([
            "p", "br", "a", "div", "span", "em", "strong", "b", "i", "u", "s", "del", "ins", "code", "pre", "ul", "ol",
            "li", "sub", "sup", "small", "mark", "q", "abbr", "bdi", "bdo", "blockquote", "cite",
        ]))
        .clean_content_tags(HashSet::from(["script", "style"]))
        .generic_attributes(HashSet::from(["lang", "dir"]))
        .add_tag_attributes("a", ["href"])
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// HTML with everything but text-level markup, safe links and `lang`/`dir` removed.
pub fn sanitize_html(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::sanitize_html;

    #[test]
    fn scripts_handlers_and_bad_links_are_removed() {
        let dirty = r#"<p dir="rtl" onclick="x()" style="color:red">Hi <img src=x onerror=alert(1)><script>alert(1)</script><a href="javascript:alert(1)">j</a> <a href="https://ok.example/">ok</a></p>"#;
        assert_eq!(
            sanitize_html(dirty),
            r#"<p dir="rtl">Hi <a rel="nofollow noopener noreferrer">j</a> <a href="https://ok.example/" rel="nofollow noopener noreferrer">ok</a></p>"#
        );
    }
}
