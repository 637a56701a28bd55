//! RSS 2.0, with the `rss` crate: `dc:creator` for authors, `atom:link rel="self"`,
//! GUIDs that are not permalinks.

use std::collections::BTreeMap;

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Guid, Item};

use super::{Feed, Format, TTL_MINUTES, display_author, item_date, item_id, item_link, item_title, quote_html};

pub(super) fn render(feed: &Feed) -> Vec<u8> {
    // The last guard: whatever a stored field holds, the document stays XML.
    crate::safety::xml_document(channel(feed).write_to(Vec::new()).expect("writing to memory does not fail"))
}

fn channel(feed: &Feed) -> Channel {
    let quote_page = |id: &str| format!("{}quotes/{id}", feed.base);
    let items: Vec<Item> = feed
        .items
        .iter()
        .map(|quote| {
            let mut categories = vec![Category { name: quote.quote.platform.as_str().to_string(), domain: None }];
            for citation in &quote.citations {
                if !categories.iter().any(|c| c.name == citation.source) {
                    categories.push(Category { name: citation.source.clone(), domain: None });
                }
            }
            Item {
                title: Some(item_title(quote)),
                link: Some(item_link(quote, &quote_page(&quote.quote.id))),
                description: Some(quote_html(quote)),
                guid: Some(Guid { value: item_id(&quote.quote.id), permalink: false }),
                pub_date: Some(item_date(quote).to_rfc2822()),
                categories,
                dublin_core_ext: Some(DublinCoreExtension {
                    creators: vec![display_author(&quote.quote.author, quote.quote.platform)],
                    ..DublinCoreExtension::default()
                }),
                ..Item::default()
            }
        })
        .collect();
    let self_link = Link {
        href: feed.self_url(Format::Rss),
        rel: "self".into(),
        mime_type: Some(Format::Rss.media_type().into()),
        ..Link::default()
    };
    Channel {
        title: feed.kind.title(),
        link: feed.page_url(),
        description: feed.kind.description(),
        language: feed.kind.language().map(str::to_string),
        last_build_date: Some(feed.updated().to_rfc2822()),
        generator: Some(format!("quotefeed {}", env!("CARGO_PKG_VERSION"))),
        ttl: Some(TTL_MINUTES.to_string()),
        items,
        atom_ext: Some(AtomExtension { links: vec![self_link] }),
        namespaces: BTreeMap::new(),
        ..Channel::default()
    }
}

#[cfg(test)]
mod tests {
    use rss::validation::Validate;

    use super::*;
    use crate::model::{Author, Platform, Quote};
    use crate::publish::FeedKind;
    use crate::store::{CitingArticle, PublishedQuote};

    #[test]
    fn the_channel_passes_the_rss_crates_validation() {
        let quote = PublishedQuote {
            quote: Quote {
                id: "ff215cf54df1df47".into(),
                text: "It’s a coup.".into(),
                html: None,
                author: Author {
                    name: Some("A".into()),
                    handle: Some("a".into()),
                    url: Some("https://twitter.com/a".into()),
                },
                platform: Platform::Twitter,
                url: Some("https://twitter.com/a/status/1".into()),
                published: Some("2019-11-11".into()),
                context: None,
                links: vec![],
                resolved: false,
            },
            cited_at: 1_573_580_712,
            first_seen_at: 1_573_580_712,
            updated_at: 1_573_580_712,
            citations: vec![CitingArticle {
                source: "news".into(),
                source_title: Some("Example News".into()),
                site_url: None,
                title: Some("Title".into()),
                url: Some("https://news.example/a".into()),
                published_at: Some(1_573_580_712),
                context: Some("She said:".into()),
            }],
        };
        let feed =
            Feed { kind: FeedKind::All, base: url::Url::parse("https://quotes.example/").unwrap(), items: vec![quote] };
        channel(&feed).validate().unwrap();
    }
}
