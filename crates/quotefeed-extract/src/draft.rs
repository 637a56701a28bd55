//! The pieces an article is read into, in reading order, before quotes are
//! assembled from them: paragraphs, headings, quote drafts from embeds, and embeds
//! without text. A leaf: the readers (`html`, `text`, `embeds`) make blocks and
//! the assembler (`assemble`) consumes them.

use crate::textless::textless_from_url;
use crate::{Author, Platform, TextlessEmbed};

/// One piece of an article, in reading order.
#[derive(Debug)]
pub(crate) enum Block {
    /// A paragraph (or a line) of text, trimmed but not yet tidied (most paragraphs
    /// are never read closely, so [`tidy`] runs only on those that are). Either the
    /// article's own prose or a flattened post whose attribution the assembler finds.
    Paragraph(String),
    /// A heading: the prose before it is not the lead-in of what follows.
    Heading,
    /// A quote found by an embed parser.
    Quote(Draft),
    /// Something that is neither prose nor a quote: an embed without text, a bare link
    /// left by a failed embed, an unattributed block quote.
    Embed(Option<TextlessEmbed>),
}

/// A quote before it gets its id and context.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub text: String,
    pub html: Option<String>,
    pub author: Author,
    pub platform: Option<Platform>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub links: Vec<String>,
    /// The post's own id on its platform (tweet status id, `at://` URI, …).
    pub post_id: Option<String>,
}

/// A line of text as a block: a paragraph, or an embed when the line is only a link
/// (what a failed oEmbed leaves behind).
pub(crate) fn line_block(line: String) -> Block {
    let is_bare_link =
        (line.starts_with("https://") || line.starts_with("http://")) && !line.contains(char::is_whitespace);
    if is_bare_link { Block::Embed(textless_from_url(&line)) } else { Block::Paragraph(line) }
}
