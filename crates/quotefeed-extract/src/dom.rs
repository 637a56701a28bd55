//! A linear-time HTML tree builder on html5ever's tokenizer, producing the same tree
//! type as scraper (`ego_tree::Tree<scraper::Node>`).
//!
//! Hand-written because html5ever's tree builder does not suit extraction: it scans
//! the stack of open elements for every new one, so its time grows with the square
//! of the nesting depth (10 MiB of `<div>` takes hours), and its full algorithm
//! (insertion modes, foster parenting, the adoption agency) costs about 40% of the
//! parse, while extraction needs only which element holds which text. This builder
//! follows the parts of the standard that shape text: void elements, the elements
//! that close an open `<p>`, `<li>`, `<dt>`/`<dd>` or heading, raw-text elements,
//! self-closing tags in SVG and MathML, and end tags that close everything opened
//! after their start tag. Every step is O(1) amortized, whatever the input.

use std::cell::RefCell;

use ego_tree::{NodeId, Tree};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use html5ever::{LocalName, QualName, local_name, ns};
use rustc_hash::FxHashMap;
use scraper::Node;
use scraper::node::{Element, Text};

/// Parses an HTML page or fragment into a tree whose root is a document node.
pub(crate) fn parse(html: &str) -> Tree<Node> {
    let builder = Builder {
        state: RefCell::new(State {
            tree: Tree::with_capacity(Node::Document, html.len() / 24),
            open: Vec::new(),
            open_names: FxHashMap::default(),
            foreign_depth: 0,
        }),
    };
    let tokenizer = Tokenizer::new(builder, TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    tokenizer.sink.state.into_inner().tree
}

struct Builder {
    state: RefCell<State>,
}

struct State {
    tree: Tree<Node>,
    /// The open elements, innermost last.
    open: Vec<(NodeId, LocalName)>,
    /// How many elements of each name are open (a map: a hostile page can keep
    /// thousands of distinct names open at once).
    /// (`FxHashMap`: hashing an interned name is one multiplication, where the
    /// default SipHash cost a fifth of the whole extraction.)
    open_names: FxHashMap<LocalName, usize>,
    /// How many `<svg>` and `<math>` elements are open.
    foreign_depth: usize,
}

/// Elements that never have content.
fn is_void(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("input")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
            | local_name!("param")
            | local_name!("keygen")
            | local_name!("frame")
    )
}

/// Start tags that close an open `<p>`.
fn closes_p(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("address")
            | local_name!("article")
            | local_name!("aside")
            | local_name!("blockquote")
            | local_name!("details")
            | local_name!("div")
            | local_name!("dl")
            | local_name!("fieldset")
            | local_name!("figcaption")
            | local_name!("figure")
            | local_name!("footer")
            | local_name!("form")
            | local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6")
            | local_name!("header")
            | local_name!("hr")
            | local_name!("main")
            | local_name!("nav")
            | local_name!("ol")
            | local_name!("p")
            | local_name!("pre")
            | local_name!("section")
            | local_name!("table")
            | local_name!("ul")
            | local_name!("li")
            | local_name!("dd")
            | local_name!("dt")
            | local_name!("center")
            | local_name!("menu")
            | local_name!("summary")
            | local_name!("search")
    )
}

fn is_heading(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6")
    )
}

/// How far down the stack an implied end tag looks for the element it closes. Real
/// pages need two or three levels; the bound keeps hostile nesting linear.
const IMPLIED_CLOSE_REACH: usize = 16;

impl State {
    fn current(&self) -> NodeId {
        self.open.last().map_or_else(|| self.tree.root().id(), |(id, _)| *id)
    }

    fn open_count(&self, name: &LocalName) -> usize {
        self.open_names.get(name).copied().unwrap_or(0)
    }

    fn push(&mut self, id: NodeId, name: LocalName) {
        if matches!(name, local_name!("svg") | local_name!("math")) {
            self.foreign_depth += 1;
        }
        *self.open_names.entry(name.clone()).or_insert(0) += 1;
        self.open.push((id, name));
    }

    fn pop(&mut self) -> Option<LocalName> {
        let (_, name) = self.open.pop()?;
        if matches!(name, local_name!("svg") | local_name!("math")) {
            self.foreign_depth -= 1;
        }
        if let Some(count) = self.open_names.get_mut(&name) {
            *count -= 1;
            if *count == 0 {
                self.open_names.remove(&name);
            }
        }
        Some(name)
    }

    /// Pops elements up to and including the innermost one named `name`, if it is
    /// open at all (an end tag for an element that is not open is ignored).
    fn close(&mut self, name: &LocalName) {
        if self.open_count(name) == 0 {
            return;
        }
        while let Some(popped) = self.pop() {
            if popped == *name {
                break;
            }
        }
    }

    /// Closes an element that a start tag implies the end of, when it is open within
    /// reach and no element in `barriers` lies between.
    fn close_implied(&mut self, wanted: impl Fn(&LocalName) -> bool, barriers: impl Fn(&LocalName) -> bool) {
        let found = self
            .open
            .iter()
            .rev()
            .take(IMPLIED_CLOSE_REACH)
            .take_while(|(_, n)| wanted(n) || !barriers(n))
            .position(|(_, n)| wanted(n));
        if let Some(depth) = found {
            for _ in 0..=depth {
                self.pop();
            }
        }
    }

    fn start_tag(&mut self, tag: Tag) -> TokenSinkResult<()> {
        let name = tag.name;
        if matches!(name, local_name!("html") | local_name!("head") | local_name!("body")) {
            return TokenSinkResult::Continue;
        }
        if self.foreign_depth == 0 {
            let scope_barrier = |n: &LocalName| {
                matches!(
                    *n,
                    local_name!("table")
                        | local_name!("td")
                        | local_name!("th")
                        | local_name!("button")
                        | local_name!("template")
                        | local_name!("object")
                        | local_name!("caption")
                )
            };
            if closes_p(&name) && self.open_count(&local_name!("p")) > 0 {
                self.close_implied(|n| *n == local_name!("p"), scope_barrier);
            }
            match name {
                local_name!("li") => self.close_implied(
                    |n| *n == local_name!("li"),
                    |n| scope_barrier(n) || matches!(*n, local_name!("ul") | local_name!("ol")),
                ),
                local_name!("dt") | local_name!("dd") => self.close_implied(
                    |n| matches!(*n, local_name!("dt") | local_name!("dd")),
                    |n| scope_barrier(n) || *n == local_name!("dl"),
                ),
                local_name!("a") if self.open_count(&local_name!("a")) > 0 => self.close(&local_name!("a")),
                _ if is_heading(&name) && self.open.last().is_some_and(|(_, n)| is_heading(n)) => {
                    self.pop();
                }
                _ => {}
            }
        }
        let parent = self.current();
        let element = Element::new(QualName::new(None, ns!(html), name.clone()), tag.attrs);
        let id = self.tree.get_mut(parent).expect("open node").append(Node::Element(element)).id();
        let is_empty = is_void(&name) || (tag.self_closing && self.foreign_depth > 0);
        if !is_empty {
            let raw = match name {
                local_name!("script") => Some(TokenSinkResult::RawData(RawKind::ScriptData)),
                local_name!("style")
                | local_name!("xmp")
                | local_name!("iframe")
                | local_name!("noembed")
                | local_name!("noframes")
                | local_name!("noscript") => Some(TokenSinkResult::RawData(RawKind::Rawtext)),
                local_name!("textarea") | local_name!("title") => Some(TokenSinkResult::RawData(RawKind::Rcdata)),
                local_name!("plaintext") => Some(TokenSinkResult::Plaintext),
                _ => None,
            };
            self.push(id, name);
            if let Some(raw) = raw {
                return raw;
            }
        }
        TokenSinkResult::Continue
    }

    fn text(&mut self, text: StrTendril) {
        let parent = self.current();
        let mut parent = self.tree.get_mut(parent).expect("open node");
        if let Some(mut last) = parent.last_child()
            && let Node::Text(existing) = last.value()
        {
            existing.text.push_tendril(&text);
            return;
        }
        parent.append(Node::Text(Text { text }));
    }
}

impl TokenSink for Builder {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => return state.start_tag(tag),
                // `</br>` is a line break, as browsers read it.
                TagKind::EndTag if tag.name == local_name!("br") => {
                    return state.start_tag(Tag { kind: TagKind::StartTag, attrs: Vec::new(), ..tag });
                }
                TagKind::EndTag => state.close(&tag.name),
            },
            Token::CharacterTokens(text) => state.text(text),
            Token::NullCharacterToken
            | Token::CommentToken(_)
            | Token::DoctypeToken(_)
            | Token::ParseError(_)
            | Token::EOFToken => {}
        }
        TokenSinkResult::Continue
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.state.borrow().foreign_depth > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as nested names and text, for comparing shapes.
    fn shape(html: &str) -> String {
        fn write(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
            for child in node.children() {
                match child.value() {
                    Node::Element(e) => {
                        out.push_str(&format!("<{}>", e.name()));
                        write(child, out);
                        out.push_str(&format!("</{}>", e.name()));
                    }
                    Node::Text(t) => out.push_str(&t.text),
                    _ => {}
                }
            }
        }
        let tree = parse(html);
        let mut out = String::new();
        write(tree.root(), &mut out);
        out
    }

    #[test]
    fn implied_end_tags() {
        assert_eq!(shape("<p>one<p>two<div>three</div>"), "<p>one</p><p>two</p><div>three</div>");
        assert_eq!(shape("<ul><li>a<li>b</ul>after"), "<ul><li>a</li><li>b</li></ul>after");
        assert_eq!(shape("<h1>a<h2>b</h2>"), "<h1>a</h1><h2>b</h2>");
        assert_eq!(shape("<a href=1>x<a href=2>y</a>"), "<a>x</a><a>y</a>");
        assert_eq!(
            shape("<table><tr><td><p>x<p>y</td></tr></table>"),
            "<table><tr><td><p>x</p><p>y</p></td></tr></table>"
        );
    }

    #[test]
    fn void_raw_text_and_foreign_elements() {
        assert_eq!(shape("a<br>b<img src=x>c"), "a<br></br>b<img></img>c");
        assert_eq!(shape("<div/>in div</div>"), "<div>in div</div>");
        assert_eq!(shape("<svg><path/><g>x</g></svg>y"), "<svg><path></path><g>x</g></svg>y");
        assert_eq!(shape("<script>if (a<b) {}</script>ok"), "<script>if (a<b) {}</script>ok");
        assert_eq!(shape("<style>p::after{content:\"</p>\"}</style>"), "<style>p::after{content:\"</p>\"}</style>");
        assert_eq!(shape("<title>a<b>c</title>"), "<title>a<b>c</title>");
    }

    #[test]
    fn stray_end_tags_and_entities() {
        assert_eq!(shape("</span>a</p>b<i>c</b>d"), "ab<i>cd</i>");
        assert_eq!(shape("<b><p>x</b>y"), "<b><p>x</p></b>y");
        assert_eq!(shape("A &amp; B &mdash; C&nbsp;D"), "A & B \u{2014} C\u{a0}D");
        assert_eq!(shape("<html><head></head><body><p>x</p></body></html>"), "<p>x</p>");
    }

    #[test]
    fn deep_nesting_is_linear() {
        let depth = 200_000;
        let html = format!("{}x{}", "<div>".repeat(depth), "</span>".repeat(depth));
        // Quadratic work here would take hours and time the test run out.
        let tree = parse(&html);
        assert_eq!(tree.root().descendants().count(), depth + 2);
    }
}
