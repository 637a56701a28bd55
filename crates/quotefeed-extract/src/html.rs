//! The HTML path: the page is parsed (html5ever's tokenizer, our [`dom`] builder)
//! and walked in document order. Embeds go to their parsers; text between block elements becomes
//! paragraphs; headings are noted; scripts, styles, media, navigation and forms are
//! skipped.

use ego_tree::NodeRef;
use scraper::{Node, Selector};

use super::dom;
use super::embeds::{self, Ctx, classify};
use super::flatten::{Visit, Visitor, is_block, is_skipped, walk};
use super::{ExtractOptions, MainContent, main_content};
use crate::draft::{Block, line_block};

/// The blocks of an HTML page or fragment.
pub(crate) fn blocks(input: &str, options: &ExtractOptions, warnings: &mut Vec<String>) -> Vec<Block> {
    let document = dom::parse(input);
    let roots = match &options.main_content {
        MainContent::Whole => vec![document.root()],
        MainContent::Auto => vec![main_content::choose(document.root())],
        MainContent::Selector(css) => {
            let found = match Selector::parse(css) {
                Ok(selector) => main_content::by_selector(document.root(), &selector),
                Err(_) => Vec::new(),
            };
            if found.is_empty() {
                warnings.push(format!(
                    "the content selector \"{css}\" matches nothing: the article body was chosen automatically"
                ));
                vec![main_content::choose(document.root())]
            } else {
                found
            }
        }
    };
    let mut walker = DocumentWalker {
        ctx: Ctx {
            base: options.base_url.clone(),
            include_unattributed: options.include_unattributed,
            warnings,
            depth: 0,
        },
        blocks: Vec::new(),
        text: String::new(),
    };
    for root in roots {
        walk(root, &mut walker);
        walker.flush();
    }
    walker.blocks
}

struct DocumentWalker<'w> {
    ctx: Ctx<'w>,
    blocks: Vec<Block>,
    /// Text of the paragraph being read.
    text: String,
}

impl DocumentWalker<'_> {
    fn flush(&mut self) {
        for line in self.text.split('\n').map(str::trim).filter(|line| !line.is_empty()) {
            self.blocks.push(line_block(line.to_string()));
        }
        self.text.clear();
    }
}

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// A `<figcaption>` that attributes the block quote of its figure (read by the
/// blockquote parser, so not prose).
fn is_quote_caption(node: NodeRef<'_, Node>) -> bool {
    node.parent().is_some_and(|figure| {
        figure.children().any(|c| matches!(c.value(), Node::Element(e) if e.name() == "blockquote"))
    })
}

impl<'a> Visitor<'a> for DocumentWalker<'_> {
    fn open(&mut self, node: NodeRef<'a, Node>) -> Visit {
        match node.value() {
            Node::Text(text) => {
                // Line breaks in the source are spaces; tidy() collapses them.
                for (i, piece) in text.split(['\n', '\r', '\t']).enumerate() {
                    if i > 0 {
                        self.text.push(' ');
                    }
                    self.text.push_str(piece);
                }
                Visit::Skip
            }
            Node::Element(element) => {
                let name = element.name();
                if let Some(kind) = classify(element) {
                    self.flush();
                    embeds::parse(kind, node, &mut self.ctx, &mut self.blocks);
                    return Visit::Skip;
                }
                if is_skipped(name) || matches!(name, "nav" | "aside" | "form") {
                    return Visit::Skip;
                }
                match name {
                    "br" => {
                        self.text.push('\n');
                        Visit::Skip
                    }
                    "figcaption" if is_quote_caption(node) => Visit::Skip,
                    _ if is_heading(name) => {
                        self.flush();
                        self.blocks.push(Block::Heading);
                        Visit::Skip
                    }
                    _ => {
                        if is_block(name) {
                            self.flush();
                        }
                        Visit::Enter
                    }
                }
            }
            _ => Visit::Enter,
        }
    }

    fn close(&mut self, node: NodeRef<'a, Node>) {
        if let Node::Element(element) = node.value()
            && is_block(element.name())
        {
            self.flush();
        }
    }
}
