//! Choosing the main content of a whole article page, so that quotes come from the
//! article and never from sidebars, "related" boxes or comments: a configured CSS
//! selector; else the first of the usual article-body containers that holds real
//! text; else the element with the most paragraph text, readability-style.
//!
//! Hand-written rather than taken from a readability crate: those rewrite the
//! article (dropping "unlikely" elements, classes and attributes), which destroys the
//! embed markup the extractor reads. Only the choice of container is needed here.

use std::sync::LazyLock;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
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

/// What the choice needs to know of every node, found in two passes over the
/// tree (so that the choice is linear in the page, however many candidates it has
/// and however deep they nest).
struct Analysis {
    /// Nodes that are furniture or inside it.
    in_furniture: HashSet<NodeId>,
    /// Per element: characters of paragraph text inside it, leaving out paragraphs
    /// in furniture below it.
    paragraph_chars: HashMap<NodeId, usize>,
    /// Per `<p>`: bytes of its trimmed text.
    paragraph_bytes: HashMap<NodeId, usize>,
}

impl Analysis {
    fn of(document: NodeRef<'_, Node>) -> Analysis {
        let mut in_furniture = HashSet::default();
        let mut furniture_depth = 0usize;
        let mut furniture_open: Vec<bool> = Vec::new();
        let mut paragraph_chars = HashMap::default();
        let mut paragraph_bytes = HashMap::default();
        // Per open node: (text characters, text bytes, paragraph characters) below it.
        let mut sums: Vec<(usize, usize, usize)> = Vec::new();
        for edge in document.traverse() {
            match edge {
                Edge::Open(node) => {
                    let furniture = is_furniture(node);
                    furniture_depth += usize::from(furniture);
                    furniture_open.push(furniture);
                    if furniture_depth > 0 {
                        in_furniture.insert(node.id());
                    }
                    sums.push((0, 0, 0));
                }
                Edge::Close(node) => {
                    let furniture = furniture_open.pop().unwrap_or(false);
                    furniture_depth -= usize::from(furniture);
                    let (mut chars, mut bytes, mut paragraphs) = sums.pop().unwrap_or_default();
                    match node.value() {
                        Node::Text(text) => {
                            let trimmed = text.trim();
                            chars = trimmed.chars().count();
                            bytes = trimmed.len();
                        }
                        Node::Element(element) if element.name() == "p" => {
                            paragraphs = chars;
                            paragraph_bytes.insert(node.id(), bytes);
                        }
                        _ => {}
                    }
                    if node.value().is_element() {
                        paragraph_chars.insert(node.id(), paragraphs);
                    }
                    if let Some(parent) = sums.last_mut() {
                        parent.0 += chars;
                        parent.1 += bytes;
                        if !furniture {
                            parent.2 += paragraphs;
                        }
                    }
                }
            }
        }
        Analysis { in_furniture, paragraph_chars, paragraph_bytes }
    }

    /// Characters of paragraph text inside `node`.
    fn paragraph_text(&self, node: NodeRef<'_, Node>) -> usize {
        self.paragraph_chars.get(&node.id()).copied().unwrap_or(0)
    }
}

/// Elements deeper than this are not candidates for a selector: no real page
/// nests its article body so deep, and matching a selector with a descendant
/// combinator looks at every ancestor.
const MAX_SELECTOR_DEPTH: usize = 256;

/// The elements matching a CSS selector, outermost only (a match inside another
/// would be read twice).
pub(crate) fn by_selector<'a>(document: NodeRef<'a, Node>, selector: &Selector) -> Vec<NodeRef<'a, Node>> {
    let mut found: Vec<NodeRef<'a, Node>> = Vec::new();
    let mut depth = 0usize;
    // The depth of the match being skipped over, if inside one.
    let mut inside_match: Option<usize> = None;
    for edge in document.traverse() {
        match edge {
            Edge::Open(node) => {
                depth += 1;
                if inside_match.is_some() || depth > MAX_SELECTOR_DEPTH {
                    continue;
                }
                if let Some(element) = ElementRef::wrap(node)
                    && selector.matches(&element)
                {
                    found.push(node);
                    inside_match = Some(depth);
                }
            }
            Edge::Close(_) => {
                if inside_match == Some(depth) {
                    inside_match = None;
                }
                depth -= 1;
            }
        }
    }
    found
}

/// The node holding the article body of a whole page (the document itself when
/// nothing better is found).
pub(crate) fn choose(document: NodeRef<'_, Node>) -> NodeRef<'_, Node> {
    let analysis = Analysis::of(document);
    for selector in ARTICLE_BODY_SELECTORS.iter() {
        let best = by_selector(document, selector)
            .into_iter()
            .filter(|n| !analysis.in_furniture.contains(&n.id()))
            .map(|n| (analysis.paragraph_text(n), n))
            .filter(|(text, _)| *text >= MIN_TEXT)
            .max_by_key(|(text, _)| *text);
        if let Some((_, node)) = best {
            return node;
        }
    }
    readability_choice(document, &analysis).unwrap_or(document)
}

/// Readability's scoring, reduced: each paragraph gives its length to its parent and
/// half of it to its grandparent; the best-scoring element outside furniture wins.
fn readability_choice<'a>(document: NodeRef<'a, Node>, analysis: &Analysis) -> Option<NodeRef<'a, Node>> {
    let mut scores: HashMap<NodeId, usize> = HashMap::default();
    for paragraph in document.descendants().filter(|n| matches!(n.value(), Node::Element(e) if e.name() == "p")) {
        if analysis.in_furniture.contains(&paragraph.id()) {
            continue;
        }
        let length = analysis.paragraph_bytes.get(&paragraph.id()).copied().unwrap_or(0);
        if length < 25 {
            continue;
        }
        let mut ancestors = paragraph.ancestors().filter(|a| a.value().is_element());
        if let Some(parent) = ancestors.next() {
            *scores.entry(parent.id()).or_default() += length;
            if let Some(grandparent) = ancestors.next() {
                *scores.entry(grandparent.id()).or_default() += length / 2;
            }
        }
    }
    // Ties go to the element that comes first in the page.
    let order: HashMap<NodeId, usize> = document.descendants().enumerate().map(|(i, n)| (n.id(), i)).collect();
    let (best, score) = scores.into_iter().max_by_key(|(id, score)| (*score, std::cmp::Reverse(order[id])))?;
    (score >= MIN_TEXT).then(|| document.tree().get(best)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom;

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
