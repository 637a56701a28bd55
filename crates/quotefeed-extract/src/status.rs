//! Quotes from posts the daemon fetched for embeds that carry no text: a status as
//! ActivityStreams JSON (Mastodon, Threads) or a post from a Bluesky AppView. They
//! are turned into quotes here, so that their HTML goes through the same renderer
//! as every other quote and the extractor stays the one place that reads posts.

use serde_json::Value;

use super::dom;
use super::embeds::{body, nested_embeds};
use super::flatten::{escape_text, flatten};
use super::identity::quote_id;
use super::{Author, Platform, Quote, TextlessEmbed};

/// The quote of a Mastodon or Threads embed, from its status as ActivityStreams JSON
/// (a `Note` with HTML `content`) and the author's display name when known. `None`
/// when the status has no text.
pub fn activity_quote(embed: &TextlessEmbed, status: &Value, author_name: Option<&str>) -> Option<Quote> {
    let content = status
        .get("content")
        .and_then(Value::as_str)
        .or_else(|| status.get("contentMap")?.as_object()?.values().find_map(Value::as_str))?;
    let tree = dom::parse(content);
    let flat = flatten(tree.root(), &[], nested_embeds);
    let base = url::Url::parse(&embed.url).ok();
    let (text, html, links) = body(&flat, flat.raw.len(), embed.platform, base.as_ref());
    if text.is_empty() {
        return None;
    }
    let mut author = embed.author.clone();
    if let Some(name) = author_name.map(str::trim).filter(|n| !n.is_empty()) {
        author.name = Some(name.to_string());
    }
    let permalink = status.get("url").and_then(Value::as_str).filter(|u| u.starts_with("http")).unwrap_or(&embed.url);
    // The post's pictures, as links: a note of the quote attaches them.
    let pictures = status.get("attachment").and_then(Value::as_array).into_iter().flatten().filter_map(|a| {
        let url = match a.get("url")? {
            Value::String(url) => url.as_str(),
            link => link.get("href")?.as_str()?,
        };
        let image = a.get("mediaType").and_then(Value::as_str).is_some_and(|t| t.starts_with("image/"))
            || a.get("type").and_then(Value::as_str) == Some("Image");
        image.then(|| url.to_string())
    });
    let links = with_pictures(links, pictures);
    Some(Quote {
        id: quote_id(embed.platform, Some(&embed.url), &author, &text),
        text,
        html: Some(html),
        author,
        platform: embed.platform,
        url: Some(permalink.to_string()),
        published: status.get("published").and_then(Value::as_str).map(str::to_string),
        context: embed.context.clone(),
        links,
        resolved: true,
    })
}

/// The quote of a Bluesky embed, from the post as a Bluesky AppView returns it
/// (`app.bsky.feed.getPosts`): the record's text with its link facets, the
/// author's handle and display name, `createdAt`. `None` when the post has no text.
pub fn bluesky_quote(embed: &TextlessEmbed, post: &Value) -> Option<Quote> {
    let record = post.get("record")?;
    let text = record.get("text").and_then(Value::as_str)?;
    let uri = post.get("uri").and_then(Value::as_str)?;
    let author = post.get("author")?;
    let handle = author.get("handle").and_then(Value::as_str).filter(|h| !h.is_empty() && *h != "handle.invalid");
    let name = author.get("displayName").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty());
    let rkey = uri.rsplit('/').next()?;
    let profile = handle.or_else(|| author.get("did").and_then(Value::as_str))?;
    // Facets mark links by UTF-8 byte ranges of the text.
    let mut links: Vec<(usize, usize, String)> = record
        .get("facets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|facet| {
            let index = facet.get("index")?;
            let start = usize::try_from(index.get("byteStart")?.as_u64()?).ok()?;
            let end = usize::try_from(index.get("byteEnd")?.as_u64()?).ok()?;
            let uri = facet.get("features")?.as_array()?.iter().find_map(|f| {
                (f.get("$type")?.as_str()? == "app.bsky.richtext.facet#link").then(|| f.get("uri")?.as_str())?
            })?;
            (start < end
                && text.is_char_boundary(start)
                && text.is_char_boundary(end.min(text.len()))
                && end <= text.len())
            .then(|| (start, end, uri.to_string()))
        })
        .collect();
    links.sort();
    let mut html = String::from("<p>");
    let mut at = 0;
    for (start, end, uri) in &links {
        if *start < at {
            continue; // overlapping facets
        }
        html.push_str(&escape_text(&text[at..*start]).replace('\n', "<br>"));
        html.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            escape_text(uri).replace('"', "&quot;"),
            escape_text(&text[*start..*end])
        ));
        at = *end;
    }
    html.push_str(&escape_text(&text[at..]).replace('\n', "<br>"));
    html.push_str("</p>");
    // Through the same renderer as every quote: only safe markup and http(s) links.
    let tree = dom::parse(&html);
    let flat = flatten(tree.root(), &[], nested_embeds);
    let base = url::Url::parse(&embed.url).ok();
    let (text, html, links) = body(&flat, flat.raw.len(), Platform::Bluesky, base.as_ref());
    if text.is_empty() {
        return None;
    }
    let links = with_pictures(links, bluesky_pictures(post.get("embed")));
    let author = Author {
        name: name.map(str::to_string),
        handle: handle.map(str::to_string),
        url: Some(format!("https://bsky.app/profile/{profile}")),
    };
    Some(Quote {
        id: quote_id(Platform::Bluesky, Some(uri), &author, &text),
        text,
        html: Some(html),
        author,
        platform: Platform::Bluesky,
        url: Some(format!("https://bsky.app/profile/{profile}/post/{rkey}")),
        published: record.get("createdAt").and_then(Value::as_str).map(str::to_string),
        context: embed.context.clone(),
        links,
        resolved: true,
    })
}

/// The full-size images of a Bluesky post's embed (`images#view`, or the media of
/// a `recordWithMedia#view`).
fn bluesky_pictures(embed: Option<&Value>) -> Vec<String> {
    let Some(embed) = embed else { return Vec::new() };
    let embed = match embed.get("$type").and_then(Value::as_str) {
        Some("app.bsky.embed.recordWithMedia#view") => embed.get("media"),
        _ => Some(embed),
    };
    embed
        .filter(|e| e.get("$type").and_then(Value::as_str) == Some("app.bsky.embed.images#view"))
        .and_then(|e| e.get("images")?.as_array())
        .into_iter()
        .flatten()
        .filter_map(|image| image.get("fullsize")?.as_str().map(str::to_string))
        .collect()
}

/// The links of a quote's text followed by its pictures (image files only, each once).
fn with_pictures(mut links: Vec<String>, pictures: impl IntoIterator<Item = String>) -> Vec<String> {
    for picture in pictures {
        if crate::urls::image_media_type(&picture).is_some() && !links.contains(&picture) {
            links.push(picture);
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
        let quote = activity_quote(&embed, &status, Some("Ferry Union")).unwrap();
        assert_eq!(quote.text, "Back to work @crew! https://example.com/timetable\nSee you on deck.");
        assert_eq!(quote.author.name.as_deref(), Some("Ferry Union"));
        assert_eq!(quote.published.as_deref(), Some("2024-04-18T10:00:00Z"));
        assert_eq!(quote.links, vec!["https://example.com/timetable"]);
        assert_eq!(quote.context.as_deref(), Some("The union said:"));
        assert!(!quote.html.unwrap().contains("script"));
        assert!(activity_quote(&embed, &json!({"content": ""}), None).is_none());

        // Its pictures (Mastodon's attachment shape) follow the text's links; a
        // video and a non-image file are not pictures.
        let mut with_media = status.clone();
        with_media["attachment"] = json!([
            {"type": "Document", "mediaType": "image/jpeg", "url": "https://files.social.example/media/original/a.jpeg", "name": "The ferry"},
            {"type": "Document", "mediaType": "video/mp4", "url": "https://files.social.example/media/original/b.mp4"},
            {"type": "Image", "url": {"type": "Link", "href": "https://files.social.example/media/original/c.png"}},
            {"type": "Document", "mediaType": "image/jpeg", "url": "https://files.social.example/media/original/d"}
        ]);
        let quote = activity_quote(&embed, &with_media, None).unwrap();
        assert_eq!(
            quote.links,
            vec![
                "https://example.com/timetable",
                "https://files.social.example/media/original/a.jpeg",
                "https://files.social.example/media/original/c.png"
            ]
        );
    }

    #[test]
    fn a_bluesky_posts_images_are_kept_as_links() {
        let embed = TextlessEmbed {
            platform: Platform::Bluesky,
            url: "https://bsky.app/profile/harbour.example/post/3kabc".into(),
            author: Author::default(),
            context: None,
            position: 0,
        };
        let image = |n: u8| {
            json!({
                "thumb": format!("https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:h/bafk{n}@jpeg"),
                "fullsize": format!("https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:h/bafk{n}@jpeg"),
                "alt": "a ferry"
            })
        };
        let post = |embed: serde_json::Value| {
            json!({
                "uri": "at://did:plc:h/app.bsky.feed.post/3kabc",
                "author": {"did": "did:plc:h", "handle": "harbour.example", "displayName": "Harbour"},
                "record": {"text": "Boats again", "createdAt": "2026-11-20T09:00:00Z"},
                "embed": embed
            })
        };
        let images = bluesky_quote(
            &embed,
            &post(json!({"$type": "app.bsky.embed.images#view", "images": [image(1), image(2)]})),
        )
        .unwrap();
        assert_eq!(
            images.links,
            vec![
                "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:h/bafk1@jpeg",
                "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:h/bafk2@jpeg"
            ]
        );
        let quoting = bluesky_quote(
            &embed,
            &post(json!({"$type": "app.bsky.embed.recordWithMedia#view", "media": {"$type": "app.bsky.embed.images#view", "images": [image(3)]}})),
        )
        .unwrap();
        assert_eq!(quoting.links, vec!["https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:h/bafk3@jpeg"]);
        let link_card = bluesky_quote(&embed, &post(json!({"$type": "app.bsky.embed.external#view"}))).unwrap();
        assert!(link_card.links.is_empty());
    }
}
