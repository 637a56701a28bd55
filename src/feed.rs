//! Reading sources: RSS 0.9x/1.0/2.0, Atom 1.0 and JSON Feed 1.x, through feed-rs,
//! into articles whose content the extractor reads.

use url::Url;

pub use crate::model::Article;

/// A parsed source feed.
#[derive(Debug, Clone, Default)]
pub struct SourceFeed {
    /// The feed's title.
    pub title: Option<String>,
    /// The site the feed belongs to.
    pub link: Option<String>,
    /// The feed's language, when it declares one.
    pub language: Option<String>,
    /// The items, in feed order.
    pub articles: Vec<Article>,
}

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not a readable RSS, Atom or JSON feed: {0}")]
pub struct FeedError(String);

/// Parses a feed. `feed_url` resolves relative links (with `xml:base` where the
/// feed sets one).
pub fn parse_feed(bytes: &[u8], feed_url: Option<&str>) -> Result<SourceFeed, FeedError> {
    let parser = feed_rs::parser::Builder::new().base_uri(feed_url).build();
    let feed = match parser.parse(bytes) {
        Ok(feed) => feed,
        // A stray byte that is not UTF-8 (a feed pasted together from several
        // sources) should not cost the whole feed: replace it and read again.
        Err(first) => match std::str::from_utf8(bytes) {
            Ok(_) => return Err(FeedError(first.to_string())),
            Err(_) => {
                let repaired = String::from_utf8_lossy(bytes);
                let feed = parser.parse(repaired.as_bytes()).map_err(|_| FeedError(first.to_string()))?;
                tracing::warn!("{}: bytes that are not UTF-8 were replaced", feed_url.unwrap_or("a feed"));
                feed
            }
        },
    };
    let base = feed_url.and_then(|u| Url::parse(u).ok());
    let link = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .map(|l| resolve(&l.href, base.as_ref()));
    let site = link.as_deref().and_then(|l| Url::parse(l).ok()).or(base);
    // Yandex Turbo feeds carry the article only in `turbo:content`, which feed-rs
    // does not keep: read it in a second pass, one per item, in item order.
    let mut turbo = if memchr::memmem::find(bytes, b"<turbo:content").is_some() {
        turbo_contents(bytes).into_iter()
    } else {
        Vec::new().into_iter()
    };
    let articles = feed
        .entries
        .into_iter()
        .map(|entry| {
            let url = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())
                .map(|l| resolve(&l.href, site.as_ref()));
            let turbo_content = turbo.next().flatten();
            let content = entry
                .content
                .and_then(|c| c.body)
                .filter(|b| !b.trim().is_empty())
                .or(turbo_content)
                .or_else(|| entry.summary.map(|s| s.content));
            Article {
                id: entry.id,
                title: entry.title.map(|t| t.content.trim().to_string()),
                url,
                published: entry.published.or(entry.updated),
                content,
            }
        })
        .collect();
    Ok(SourceFeed { title: feed.title.map(|t| t.content.trim().to_string()), link, language: feed.language, articles })
}

/// The `turbo:content` of each `<item>` of an RSS feed, in order (`None` for an
/// item without one). Hand-written on quick-xml's reader because feed-rs drops
/// unknown extension elements.
fn turbo_contents(bytes: &[u8]) -> Vec<Option<String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut items: Vec<Option<String>> = Vec::new();
    let push = |items: &mut Vec<Option<String>>, text: &str| {
        if let Some(slot) = items.last_mut() {
            slot.get_or_insert_default().push_str(text);
        }
    };
    let mut in_content = false;
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e)) if e.name().as_ref() == "item" => items.push(None),
            Ok(Event::Start(e)) if e.name().as_ref() == "turbo:content" => in_content = true,
            Ok(Event::End(e)) if e.name().as_ref() == "turbo:content" => in_content = false,
            Ok(Event::CData(data)) if in_content => push(&mut items, &data),
            Ok(Event::Text(data)) if in_content => push(&mut items, &data.xml10_content()),
            Ok(Event::GeneralRef(reference)) if in_content => match reference.resolve_char_ref() {
                Ok(Some(c)) => push(&mut items, c.encode_utf8(&mut [0; 4])),
                _ => push(&mut items, quick_xml::escape::resolve_predefined_entity(&reference).unwrap_or("")),
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buffer.clear();
    }
    items
}

fn resolve(href: &str, base: Option<&Url>) -> String {
    match (Url::parse(href), base) {
        (Ok(url), _) => url.into(),
        (Err(_), Some(base)) => base.join(href).map(Into::into).unwrap_or_else(|_| href.to_string()),
        (Err(_), None) => href.to_string(),
    }
}

/// The feeds a web page links to (`<link rel="alternate" type="application/rss+xml">`,
/// Atom or JSON Feed), absolute, in page order, each once.
pub fn feed_links(html: &str, page: &Url) -> Vec<Url> {
    static LINKS: std::sync::LazyLock<scraper::Selector> =
        std::sync::LazyLock::new(|| scraper::Selector::parse("link[rel~=alternate][href]").expect("a valid selector"));
    // Feed links are in the head: parsing only that keeps a huge or deeply nested
    // page cheap.
    let head_end =
        memchr::memmem::find(html.as_bytes(), b"</head").or_else(|| memchr::memmem::find(html.as_bytes(), b"</HEAD"));
    let mut end = head_end.unwrap_or(html.len()).min(256 * 1024);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let document = scraper::Html::parse_document(&html[..end]);
    let mut feeds: Vec<Url> = Vec::new();
    for link in document.select(&LINKS) {
        let kind = link.value().attr("type").unwrap_or("").to_ascii_lowercase();
        let is_feed = ["application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"]
            .iter()
            .any(|t| kind.starts_with(t));
        if let (true, Some(href)) = (is_feed, link.value().attr("href"))
            && let Ok(url) = page.join(href.trim())
            && !feeds.contains(&url)
        {
            feeds.push(url);
        }
    }
    feeds
}

/// Whether bytes look like a feed (rather than an HTML page or plain text): an XML
/// document whose root is `rss`, `feed` or `rdf:RDF`, or a JSON Feed.
pub fn looks_like_feed(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('{') {
        return text.contains("jsonfeed.org/version");
    }
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-')).collect();
        return matches!(name.as_str(), "rss" | "feed" | "rdf:RDF" | "RDF");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yandex_turbo_content_is_read() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:yandex="http://news.yandex.ru" xmlns:media="http://search.yahoo.com/mrss/" xmlns:turbo="http://turbo.yandex.ru" version="2.0">
<channel><title>Новости</title><link>https://news.example/</link>
<item turbo="true"><title>A</title><link>https://news.example/a</link><description>Short.</description>
<turbo:content><![CDATA[<header><h1>A</h1></header><p>Полный текст.</p>]]></turbo:content></item>
<item><title>B</title><link>https://news.example/b</link><description>Only a description.</description></item>
<item turbo="true"><title>C</title><link>https://news.example/c</link>
<turbo:content>&lt;p&gt;Escaped &amp;amp; &#1058;ext.&lt;/p&gt;</turbo:content></item>
</channel></rss>"#;
        let feed = parse_feed(xml.as_bytes(), None).unwrap();
        let contents: Vec<_> = feed.articles.iter().map(|a| a.content.as_deref()).collect();
        assert_eq!(
            contents,
            vec![
                Some("<header><h1>A</h1></header><p>Полный текст.</p>"),
                Some("Only a description."),
                Some("<p>Escaped &amp; Тext.</p>")
            ]
        );
    }

    #[test]
    fn content_encoded_is_preferred_over_description() {
        let rss = r#"<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
            <item><title>A</title><link>/a</link><guid>g1</guid><description>Short.</description>
            <content:encoded><![CDATA[<p>The full text.</p>]]></content:encoded></item>
            <item><title>B</title><link>b.html</link><description>Only a description.</description></item>
            </channel></rss>"#;
        let feed = parse_feed(rss.as_bytes(), Some("https://news.example/feed/")).unwrap();
        assert_eq!(feed.articles[0].content.as_deref(), Some("<p>The full text.</p>"));
        assert_eq!(feed.articles[0].id, "g1");
        assert_eq!(feed.articles[0].url.as_deref(), Some("https://news.example/a"));
        assert_eq!(feed.articles[1].content.as_deref(), Some("Only a description."));
        assert_eq!(feed.articles[1].url.as_deref(), Some("https://news.example/feed/b.html"));
        assert!(!feed.articles[1].id.is_empty(), "an item without a guid still gets an id");
    }

    #[test]
    fn feed_links_of_a_page() {
        let page = Url::parse("https://news.example/world/").unwrap();
        let html = r#"<!DOCTYPE html><html><head><title>World</title>
            <link rel="alternate" type="application/rss+xml" title="RSS" href="/feed/">
            <link rel="alternate" type="application/atom+xml" href="https://news.example/atom.xml">
            <link rel="alternate" type="application/rss+xml" href="/feed/">
            <link rel="alternate" hreflang="de" href="/de/">
            <link rel="stylesheet" href="/s.css"></head><body><link rel="alternate" type="application/rss+xml" href="/body-feed/"></body></html>"#;
        let links: Vec<String> = feed_links(html, &page).iter().map(Url::to_string).collect();
        assert_eq!(links, ["https://news.example/feed/", "https://news.example/atom.xml"]);
    }

    #[test]
    fn a_byte_that_is_not_utf8_is_replaced_not_fatal() {
        let mut rss = b"<rss version=\"2.0\"><channel><title>T</title><item><title>Caf".to_vec();
        rss.push(0xe9); // Latin-1 in a feed that says nothing of its encoding
        rss.extend_from_slice(b"</title><guid>g</guid><description>x</description></item></channel></rss>");
        let feed = parse_feed(&rss, None).unwrap();
        assert_eq!(feed.articles[0].title.as_deref(), Some("Caf\u{fffd}"));
    }

    #[test]
    fn atom_xml_base_resolves_links() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/posts/"><title>T</title><id>urn:t</id>
            <updated>2024-01-01T00:00:00Z</updated><link href="/"/>
            <entry><title>A</title><id>urn:a</id><updated>2024-01-02T00:00:00Z</updated><link href="first/"/>
            <content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>"#;
        let feed = parse_feed(atom.as_bytes(), Some("https://other.example/atom.xml")).unwrap();
        assert_eq!(feed.articles[0].url.as_deref(), Some("https://blog.example/posts/first/"));
        assert_eq!(feed.articles[0].published.map(|d| d.to_rfc3339()).as_deref(), Some("2024-01-02T00:00:00+00:00"));
    }

    #[test]
    fn feeds_are_told_from_pages() {
        assert!(looks_like_feed(b"<?xml version=\"1.0\"?>\n<!-- hi --><rss version=\"2.0\">"));
        assert!(looks_like_feed(b"<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(looks_like_feed(b"<rdf:RDF xmlns:rdf=\"x\">"));
        assert!(looks_like_feed(br#"{"version": "https://jsonfeed.org/version/1.1", "items": []}"#));
        assert!(!looks_like_feed(b"<!DOCTYPE html><html><body>"));
        assert!(!looks_like_feed(b"Plain text"));
        assert!(!looks_like_feed(b"{\"not\": \"a feed\"}"));
    }

    fn one_quote(html: &str) -> quotefeed_extract::Quote {
        let options = quotefeed_extract::ExtractOptions {
            format: quotefeed_extract::InputFormat::Html,
            ..quotefeed_extract::ExtractOptions::default()
        };
        let mut quotes = quotefeed_extract::extract_str(html, &options).unwrap().quotes;
        assert_eq!(quotes.len(), 1, "{quotes:#?}");
        quotes.remove(0)
    }

    #[test]
    fn entity_escaped_atom_content() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:x</id><updated>2019-11-12T00:00:00Z</updated>
    <entry><title>A</title><id>urn:a</id><updated>2019-11-12T00:00:00Z</updated><link href="https://news.example/a"/>
    <content type="html">&lt;p&gt;Intro:&lt;/p&gt;&lt;blockquote class="twitter-tweet"&gt;&lt;p lang="en"&gt;Escaped &amp;amp; fine.&lt;/p&gt;&amp;mdash; Jane Doe (@janedoe) &lt;a href="https://twitter.com/janedoe/status/1001"&gt;November 11, 2019&lt;/a&gt;&lt;/blockquote&gt;</content>
    </entry></feed>"#;
        let feed = parse_feed(atom.as_bytes(), None).unwrap();
        let content = feed.articles[0].content.as_deref().unwrap();
        let q = one_quote(content);
        assert_eq!(q.text, "Escaped & fine.");
        assert_eq!(q.url.as_deref(), Some("https://twitter.com/janedoe/status/1001"));
    }

    #[test]
    fn atom_xhtml_content() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:x</id><updated>2019-11-12T00:00:00Z</updated>
    <entry><title>A</title><id>urn:a</id><updated>2019-11-12T00:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Intro:</p><blockquote class="twitter-tweet"><p>In XHTML.</p>— Jane Doe (@janedoe) <a href="https://twitter.com/janedoe/status/1001">November 11, 2019</a></blockquote></div></content>
    </entry></feed>"#;
        let feed = parse_feed(atom.as_bytes(), None).unwrap();
        let q = one_quote(feed.articles[0].content.as_deref().unwrap());
        assert_eq!(q.text, "In XHTML.");
    }
}
