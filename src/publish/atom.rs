//! Atom 1.0, with `atom_syndication`. It checks nothing, so every required element
//! (`id`, `updated`, an author per entry) is set here; content is `type="html"`
//! (the crate writes `xhtml` content unescaped).

use atom_syndication::{Category, Content, Entry, FixedDateTime, Generator, Link, Person, Text};

use super::{Feed, Format, display_author, item_date, item_id, item_link, item_title, quote_html};

fn fixed(date: chrono::DateTime<chrono::Utc>) -> FixedDateTime {
    date.fixed_offset()
}

/// The post's own date as a timestamp, when it has one a feed can carry.
fn post_date(published: Option<&str>) -> Option<FixedDateTime> {
    let text = published?;
    chrono::DateTime::parse_from_rfc3339(text).ok().or_else(|| {
        let date = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
        let time = chrono::NaiveTime::parse_from_str(text.get(11..16).unwrap_or("00:00"), "%H:%M").unwrap_or_default();
        Some(date.and_time(time).and_utc().fixed_offset())
    })
}

pub(super) fn render(feed: &Feed) -> Vec<u8> {
    let entries: Vec<Entry> = feed
        .items
        .iter()
        .map(|quote| {
            let page = format!("{}quotes/{}", feed.base, quote.quote.id);
            let mut links = vec![Link {
                href: item_link(quote, &page),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Link::default()
            }];
            for url in quote.citing_articles().filter_map(|c| c.url.as_ref()) {
                links.push(Link { href: url.clone(), rel: "related".into(), ..Link::default() });
            }
            let mut categories = vec![Category { term: quote.quote.platform.as_str().into(), ..Category::default() }];
            for citation in &quote.citations {
                if !categories.iter().any(|c| c.term == citation.source) {
                    categories.push(Category { term: citation.source.clone(), ..Category::default() });
                }
            }
            let date = item_date(quote);
            let updated = chrono::DateTime::from_timestamp(quote.cited_at.max(quote.updated_at), 0).unwrap_or(date);
            Entry {
                title: Text::plain(item_title(quote)),
                id: item_id(&quote.quote.id),
                updated: fixed(updated),
                published: Some(post_date(quote.quote.published.as_deref()).unwrap_or_else(|| fixed(date))),
                authors: vec![Person {
                    name: display_author(&quote.quote.author, quote.quote.platform),
                    uri: quote.quote.author.url.clone(),
                    ..Person::default()
                }],
                links,
                categories,
                content: Some(Content {
                    value: Some(quote_html(quote)),
                    content_type: Some("html".into()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let atom = atom_syndication::Feed {
        title: Text::plain(feed.kind.title()),
        subtitle: Some(Text::plain(feed.kind.description())),
        id: feed.self_url(Format::Atom),
        updated: fixed(feed.updated()),
        links: vec![
            Link {
                href: feed.self_url(Format::Atom),
                rel: "self".into(),
                mime_type: Some(Format::Atom.media_type().into()),
                ..Link::default()
            },
            Link {
                href: feed.page_url(),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Link::default()
            },
        ],
        generator: Some(Generator {
            value: "quotefeed".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        lang: feed.kind.language().map(str::to_string),
        entries,
        ..atom_syndication::Feed::default()
    };
    // The last guard: whatever a stored field holds, the document stays XML.
    crate::safety::xml_document(atom.write_to(Vec::new()).expect("writing to memory does not fail"))
}
