//! The plain-text path: every non-empty line is a paragraph. The assembler finds the
//! `TEXT — Name (@handle) Date` attributions in them.

use crate::draft::{Block, line_block};

/// The paragraphs of a plain-text article.
pub(crate) fn blocks(input: &str) -> Vec<Block> {
    input.lines().map(str::trim).filter(|line| !line.is_empty()).map(|line| line_block(line.to_string())).collect()
}
