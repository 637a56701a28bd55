//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), with serde.

use serde::Serialize;

use super::{Feed, Format, display_author, item_date, item_id, item_link, item_title, quote_html, resolved_from};

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    items: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    url: String,
    title: String,
    content_html: String,
    content_text: String,
    date_published: String,
    date_modified: String,
    authors: Vec<JsonAuthor>,
    tags: Vec<String>,
    /// quotefeed's extension: how the quote was found.
    #[serde(rename = "_quotefeed", skip_serializing_if = "Option::is_none")]
    quotefeed: Option<JsonExtension>,
}

/// `_quotefeed` (JSON Feed extensions start with an underscore): `resolved` when
/// the text was fetched from the platform, and from where.
#[derive(Serialize)]
struct JsonExtension {
    resolved: bool,
    resolved_from: String,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

pub(super) fn render(feed: &Feed) -> Vec<u8> {
    let items = feed
        .items
        .iter()
        .map(|quote| {
            let mut tags = vec![quote.quote.platform.as_str().to_string()];
            for citation in &quote.citations {
                if !tags.contains(&citation.source) {
                    tags.push(citation.source.clone());
                }
            }
            let modified =
                chrono::DateTime::from_timestamp(quote.cited_at.max(quote.updated_at), 0).unwrap_or_default();
            JsonItem {
                id: item_id(&quote.quote.id),
                url: item_link(quote, &format!("{}quotes/{}", feed.base, quote.quote.id)),
                title: item_title(quote),
                content_html: quote_html(quote),
                content_text: quote.quote.text.clone(),
                date_published: item_date(quote).to_rfc3339(),
                date_modified: modified.to_rfc3339(),
                authors: vec![JsonAuthor {
                    name: display_author(&quote.quote.author, quote.quote.platform),
                    url: quote.quote.author.url.clone(),
                }],
                tags,
                quotefeed: resolved_from(&quote.quote)
                    .map(|origin| JsonExtension { resolved: true, resolved_from: origin }),
            }
        })
        .collect();
    let json = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: feed.kind.title(),
        home_page_url: feed.page_url(),
        feed_url: feed.self_url(Format::Json),
        description: feed.kind.description(),
        language: feed.kind.language(),
        items,
    };
    let mut bytes = serde_json::to_vec_pretty(&json).expect("feeds serialize");
    bytes.push(b'\n');
    bytes
}
