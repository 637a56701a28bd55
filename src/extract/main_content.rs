//! Choosing the main content of a whole article page, so that quotes come from the
//! article and never from sidebars, "related" boxes or comments: a configured CSS
//! selector; else the first of the usual article-body containers that holds real
//! text; else the element with the most paragraph text, readability-style.
//!
//! Hand-written rather than taken from a readability crate: those rewrite the
//! article (dropping "unlikely" elements, classes and attributes), which destroys the
//! embed markup the extractor reads. Only the choice of container is needed here.

use std::sync::LazyLock;

use ego_tree::NodeRef;
use scraper::{ElementRef, Node, Selector};

/// Containers that hold the article body on most sites, most specific first.
const ARTICLE_BODY: &[&str] = &[
    "[itemprop=\"articleBody\"]",
    ".entry-content",
    ".post-content",
    ".article-body",
    ".article-content",
    ".article__body",
    ".story-body",
    ".post-body",
    "article",
    "[role=\"main\"]",
    "main",
];

static ARTICLE_BODY_SELECTORS: LazyLock<Vec<Selector>> =
    LazyLock::new(|| ARTICLE_BODY.iter().map(|s| Selector::parse(s).expect("valid selector")).collect());

/// Less text than this is not an article body.
const MIN_TEXT: usize = 140;

/// Words in a class or id that mark page furniture, not the article.
const FURNITURE: &[&str] = &[
    "sidebar",
    "widget",
    "related",
    "comment",
    "promo",
    "advert",
    "sponsor",
    "footer",
    "menu",
    "share",
    "social",
    "newsletter",
    "subscribe",
    "recommend",
    "popular",
    "trending",
    "most-read",
    "breadcrumb",
    "masthead",
    "cookie",
];

fn is_furniture(node: NodeRef<'_, Node>) -> bool {
    let Node::Element(element) = node.value() else { return false };
    if matches!(element.name(), "nav" | "aside" | "footer" | "form" | "header") {
        return true;
    }
    element.attrs().filter(|(name, _)| matches!(*name, "class" | "id")).any(|(_, value)| {
        let value = value.to_ascii_lowercase();
        FURNITURE.iter().any(|word| value.contains(word))
    })
}

fn inside_furniture(node: NodeRef<'_, Node>) -> bool {
    node.ancestors().any(is_furniture)
}

/// Characters of paragraph text directly or indirectly inside `node`.
fn paragraph_text(node: NodeRef<'_, Node>) -> usize {
    node.descendants()
        .filter(|n| matches!(n.value(), Node::Element(e) if e.name() == "p"))
        .filter(|p| !p.ancestors().take_while(|a| a.id() != node.id()).any(is_furniture))
        .map(|p| p.descendants().filter_map(|t| t.value().as_text()).map(|t| t.trim().chars().count()).sum::<usize>())
        .sum()
}

/// The elements matching a CSS selector, outermost only (a match inside another
/// would be read twice).
pub(crate) fn by_selector<'a>(document: NodeRef<'a, Node>, selector: &Selector) -> Vec<NodeRef<'a, Node>> {
    let mut found: Vec<NodeRef<'a, Node>> = Vec::new();
    for element in document.descendants().filter_map(ElementRef::wrap) {
        if selector.matches(&element) && !element.ancestors().any(|a| found.iter().any(|f| f.id() == a.id())) {
            found.push(*element);
        }
    }
    found
}

/// The node holding the article body of a whole page (the document itself when
/// nothing better is found).
pub(crate) fn choose(document: NodeRef<'_, Node>) -> NodeRef<'_, Node> {
    for selector in ARTICLE_BODY_SELECTORS.iter() {
        let best = by_selector(document, selector)
            .into_iter()
            .filter(|n| !inside_furniture(*n))
            .map(|n| (paragraph_text(n), n))
            .filter(|(text, _)| *text >= MIN_TEXT)
            .max_by_key(|(text, _)| *text);
        if let Some((_, node)) = best {
            return node;
        }
    }
    readability_choice(document).unwrap_or(document)
}

/// Readability's scoring, reduced: each paragraph gives its length to its parent and
/// half of it to its grandparent; the best-scoring element outside furniture wins.
fn readability_choice(document: NodeRef<'_, Node>) -> Option<NodeRef<'_, Node>> {
    let mut scores: Vec<(ego_tree::NodeId, usize)> = Vec::new();
    let mut add = |id, points| match scores.iter_mut().find(|(n, _)| *n == id) {
        Some((_, score)) => *score += points,
        None => scores.push((id, points)),
    };
    for paragraph in document.descendants().filter(|n| matches!(n.value(), Node::Element(e) if e.name() == "p")) {
        if inside_furniture(paragraph) {
            continue;
        }
        let length: usize = paragraph.descendants().filter_map(|t| t.value().as_text()).map(|t| t.trim().len()).sum();
        if length < 25 {
            continue;
        }
        let mut ancestors = paragraph.ancestors().filter(|a| a.value().is_element());
        if let Some(parent) = ancestors.next() {
            add(parent.id(), length);
            if let Some(grandparent) = ancestors.next() {
                add(grandparent.id(), length / 2);
            }
        }
    }
    let (best, score) = scores.into_iter().max_by_key(|(_, score)| *score)?;
    (score >= MIN_TEXT).then(|| document.tree().get(best)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::dom;

    fn chosen(html: &str) -> String {
        let tree = dom::parse(html);
        let node = choose(tree.root());
        match node.value() {
            Node::Element(e) => {
                let class = e.attrs().find(|(n, _)| *n == "class").map(|(_, v)| v).unwrap_or("");
                format!("{}.{class}", e.name())
            }
            _ => "document".to_string(),
        }
    }

    const PROSE: &str = "<p>The council met again on Thursday to discuss the harbour and the ferries, and members of the public filled the gallery to hear what would be decided about them.</p>";

    #[test]
    fn the_usual_containers() {
        let page = format!(
            "<html><body><nav>{PROSE}</nav><div class=\"layout\"><div class=\"entry-content\">{PROSE}</div><aside class=\"sidebar\">{PROSE}{PROSE}</aside></div></body></html>"
        );
        assert_eq!(chosen(&page), "div.entry-content");
        let page = format!(
            "<body><article class=\"post\">{PROSE}</article><div class=\"related\"><article>{PROSE}{PROSE}</article></div></body>"
        );
        assert_eq!(chosen(&page), "article.post", "an article inside a related box does not count");
    }

    #[test]
    fn readability_scoring_when_nothing_is_labelled() {
        let page = format!(
            "<body><div class=\"a\">{PROSE}{PROSE}{PROSE}</div><div class=\"widget-box\">{PROSE}{PROSE}{PROSE}{PROSE}</div><div class=\"b\">{PROSE}</div></body>"
        );
        assert_eq!(chosen(&page), "div.a");
        assert_eq!(chosen("<p>short</p>"), "document");
    }
}
