//! Quotes from posts fetched as ActivityStreams JSON. Mastodon embeds carry no text;
//! the daemon fetches the status and turns it into a quote here, so that its HTML
//! goes through the same renderer as every other quote.

use serde_json::Value;

use super::dom;
use super::embeds::{body, nested_embeds};
use super::flatten::flatten;
use super::identity::quote_id;
use super::{Platform, Quote, TextlessEmbed};

/// The quote of a Mastodon embed, from its status as ActivityStreams JSON (a `Note`
/// with HTML `content`) and the author's display name when known. `None` when the
/// status has no text.
pub fn mastodon_quote(embed: &TextlessEmbed, status: &Value, author_name: Option<&str>) -> Option<Quote> {
    let content = status
        .get("content")
        .and_then(Value::as_str)
        .or_else(|| status.get("contentMap")?.as_object()?.values().find_map(Value::as_str))?;
    let tree = dom::parse(content);
    let flat = flatten(tree.root(), &[], nested_embeds);
    let base = url::Url::parse(&embed.url).ok();
    let (text, html, links) = body(&flat, flat.raw.len(), Platform::Mastodon, base.as_ref());
    if text.is_empty() {
        return None;
    }
    let mut author = embed.author.clone();
    if let Some(name) = author_name.map(str::trim).filter(|n| !n.is_empty()) {
        author.name = Some(name.to_string());
    }
    let permalink = status.get("url").and_then(Value::as_str).filter(|u| u.starts_with("http")).unwrap_or(&embed.url);
    Some(Quote {
        id: quote_id(Platform::Mastodon, Some(&embed.url), &author, &text),
        text,
        html: Some(html),
        author,
        platform: Platform::Mastodon,
        url: Some(permalink.to_string()),
        published: status.get("published").and_then(Value::as_str).map(str::to_string),
        context: embed.context.clone(),
        links,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Author;

    #[test]
    fn a_status_becomes_a_quote() {
        let embed = TextlessEmbed {
            platform: Platform::Mastodon,
            url: "https://social.example/@union/1122".into(),
            author: Author {
                name: None,
                handle: Some("union@social.example".into()),
                url: Some("https://social.example/@union".into()),
            },
            context: Some("The union said:".into()),
            position: 1,
        };
        let status = json!({
            "type": "Note",
            "id": "https://social.example/users/union/statuses/1122",
            "url": "https://social.example/@union/1122",
            "published": "2024-04-18T10:00:00Z",
            "content": "<p>Back to work <span class=\"h-card\"><a href=\"https://social.example/@crew\" class=\"u-url mention\">@<span>crew</span></a></span>! <a href=\"https://example.com/timetable\" rel=\"nofollow\"><span class=\"invisible\">https://</span><span>example.com/timetable</span></a></p><p>See you <script>alert(1)</script>on deck.</p>"
        });
        let quote = mastodon_quote(&embed, &status, Some("Ferry Union")).unwrap();
        assert_eq!(quote.text, "Back to work @crew! https://example.com/timetable\nSee you on deck.");
        assert_eq!(quote.author.name.as_deref(), Some("Ferry Union"));
        assert_eq!(quote.published.as_deref(), Some("2024-04-18T10:00:00Z"));
        assert_eq!(quote.links, vec!["https://example.com/timetable"]);
        assert_eq!(quote.context.as_deref(), Some("The union said:"));
        assert!(!quote.html.unwrap().contains("script"));
        assert!(mastodon_quote(&embed, &json!({"content": ""}), None).is_none());
    }
}
