//! The article as a sequence of blocks, and the assembly of quotes from it: plain-text
//! attributions (`TEXT — Name (@handle) Date`) with quotes that span several
//! paragraphs, lead-in sentences as context, stable ids, and duplicates removed.

use std::collections::{HashMap, HashSet};

use super::attribution::{Trailing, parse_trailing};
use super::draft::{Block, Draft};
use super::flatten::escape_text;
use super::identity::quote_id;
use super::platform::{platform_for_handle, profile_url};
use super::text_util::{last_sentence, links_in_text, normalize_for_comparison, tidy};
use super::{Author, Extraction, Platform, Quote};

/// How many characters of text a post on a platform can hold (Twitter's weighted
/// count, links and line breaks not counted, with some slack): a quote assembled
/// from several plain-text paragraphs never grows past it.
fn length_budget(platform: Platform) -> usize {
    match platform {
        Platform::Twitter => 300,
        Platform::Bluesky => 320,
        Platform::Mastodon | Platform::Threads => 520,
        _ => 300,
    }
}

/// Twitter's weighted length: most scripts count 1 per character, CJK and emoji 2;
/// links and line breaks are not counted.
fn weighted_length(text: &str) -> usize {
    let mut length = 0;
    for word in text.split(' ') {
        if word.starts_with("http://") || word.starts_with("https://") || word.starts_with("pic.twitter.com/") {
            continue;
        }
        length += 1 + if word.is_ascii() {
            word.len()
        } else {
            word.chars()
                .map(|c| match c as u32 {
                    0..=0x10FF | 0x2000..=0x200D | 0x2010..=0x201F | 0x2032..=0x2037 => 1,
                    _ => 2,
                })
                .sum()
        };
    }
    length
}

/// A paragraph that introduces what follows ("… poignantly asked:", "She also
/// stressed:"): its last sentence ends in a colon and is a sentence, not a label
/// inside a post ("US Foreign Policy:", "THREAD:").
fn is_lead_in(paragraph: &str) -> bool {
    let sentence =
        last_sentence(paragraph).trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '”' | '’' | ')'));
    let Some(body) = sentence.strip_suffix(':').or_else(|| sentence.strip_suffix('：')) else {
        return false;
    };
    let words: Vec<&str> = body.split_whitespace().collect();
    let is_label = words.len() <= 6 && words.iter().all(|w| !w.chars().next().is_some_and(char::is_lowercase));
    !is_label
}

/// Turns the blocks of an article into its quotes.
pub(crate) fn assemble(blocks: Vec<Block>, is_html: bool, warnings: Vec<String>) -> Extraction {
    let blocks = attribute_paragraphs(blocks, is_html);
    let mut extraction = Extraction { warnings, ..Extraction::default() };
    let mut seen: HashSet<String> = HashSet::new();
    // The lead-in is the last sentence of the latest paragraph, found only when a
    // quote needs it.
    let mut lead_in: Option<String> = None;
    let mut context: Option<String> = None;
    let context_of = |lead_in: &mut Option<String>, context: &mut Option<String>| {
        if let Some(paragraph) = lead_in.take() {
            *context = Some(tidy(last_sentence(&paragraph)));
        }
        context.clone()
    };
    for block in blocks {
        match block {
            Block::Paragraph(p) => {
                if p.chars().any(char::is_alphanumeric) {
                    lead_in = Some(p);
                }
            }
            Block::Heading => {
                lead_in = None;
                context = None;
            }
            Block::Embed(Some(mut embed)) => {
                embed.context = context_of(&mut lead_in, &mut context);
                embed.position = extraction.quotes.len();
                extraction.textless.push(embed);
            }
            Block::Embed(None) => {}
            Block::Quote(draft) => {
                if draft.text.is_empty() {
                    continue;
                }
                let platform = draft.platform.unwrap_or(Platform::Blockquote);
                let id = quote_id(platform, draft.post_id.as_deref(), &draft.author, &draft.text);
                if !seen.insert(id.clone()) {
                    continue; // the same post embedded twice
                }
                extraction.quotes.push(Quote {
                    id,
                    text: draft.text,
                    html: draft.html,
                    author: draft.author,
                    platform,
                    url: draft.url,
                    published: draft.published,
                    context: context_of(&mut lead_in, &mut context),
                    links: draft.links,
                    resolved: false,
                });
            }
        }
    }
    drop_repeated_pull_quotes(&mut extraction.quotes);
    extraction
}

/// Finds `TEXT — Name (@handle) Date` at the end of paragraphs and turns it, with the
/// paragraphs of the same post before it, into a quote.
fn attribute_paragraphs(blocks: Vec<Block>, is_html: bool) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks {
        let Block::Paragraph(paragraph) = block else {
            out.push(block);
            continue;
        };
        if parse_trailing(&paragraph).is_none() {
            out.push(Block::Paragraph(paragraph));
            continue;
        }
        let paragraph = tidy(&paragraph);
        let Some(attribution) = parse_trailing(&paragraph) else {
            out.push(Block::Paragraph(paragraph));
            continue;
        };
        let platform = platform_for_handle(&attribution.handle);
        let last = paragraph[..attribution.dash].trim();
        // A quoted post inside this one ("comment\nquoted — Name (@h) date — Outer
        // (@o) date"): its lines become a quote of their own, after this one.
        let (last, quoted) = split_quoted_post(last);
        let mut parts: Vec<String> = Some(last.to_string()).into_iter().filter(|l| !l.is_empty()).collect();
        let mut length = weighted_length(last);
        let budget = length_budget(platform);
        while let Some(Block::Paragraph(previous)) = out.last() {
            let mut stop_after = false;
            if is_lead_in(previous) {
                // Two lead-ins in a row before a post of several paragraphs (a
                // thread): the first is the article's, the second opens the thread
                // ("Here is what happened at the harbour:"). Before a one-paragraph
                // post, the nearer one is the article's (its earlier quote may be
                // missing from the text).
                let before = out.len().checked_sub(2).and_then(|i| out.get(i));
                if !matches!(before, Some(Block::Paragraph(p)) if is_lead_in(p)) || parts.len() < 2 {
                    break;
                }
                stop_after = true;
            }
            let previous = tidy(previous);
            let extra = weighted_length(&previous);
            if length + extra > budget {
                break;
            }
            length += extra;
            out.pop();
            parts.push(previous);
            if stop_after {
                break;
            }
        }
        parts.reverse();
        // The parts are tidy lines, so the joined text is tidy too.
        let text = parts.join("\n");
        if text.is_empty() {
            out.push(Block::Embed(None));
            continue;
        }
        out.push(Block::Quote(post_draft(text, attribution, is_html)));
        if let Some(quoted) = quoted
            && let Some(inner) = parse_trailing(quoted)
        {
            let text = quoted[..inner.dash].trim().to_string();
            out.push(Block::Quote(post_draft(text, inner, is_html)));
        }
    }
    out
}

/// The draft of a post read from plain text: its text and closing attribution.
fn post_draft(text: String, attribution: Trailing, is_html: bool) -> Draft {
    let platform = platform_for_handle(&attribution.handle);
    let html = is_html.then(|| paragraphs_as_html(&text));
    let links = links_in_text(&text);
    let author = Author {
        name: Some(attribution.name),
        url: profile_url(platform, &attribution.handle),
        handle: Some(attribution.handle),
    };
    Draft { text, html, author, platform: Some(platform), published: attribution.published, links, ..Draft::default() }
}

/// Splits the text of a post at a quoted post it ends with: the last line, when it
/// carries its own `— Name (@handle) Date`. Returns the post's own text (empty when
/// it is all in earlier paragraphs) and the quoted post's line.
fn split_quoted_post(text: &str) -> (&str, Option<&str>) {
    let start = text.rfind('\n').map_or(0, |i| i + 1);
    match parse_trailing(&text[start..]) {
        Some(inner) if inner.dash > 0 => (text[..start].trim_end(), Some(&text[start..])),
        _ => (text, None),
    }
}

/// Plain text as HTML paragraphs, escaped.
fn paragraphs_as_html(text: &str) -> String {
    text.lines().map(|line| format!("<p>{}</p>", escape_text(line))).collect()
}

/// How many quotes by the same person a pull quote is compared with (the
/// longest): real articles have a handful; a hostile one must not make this
/// quadratic.
const PULL_QUOTE_CANDIDATES: usize = 16;

/// A cited pull quote repeats words of a quote by the same person in the same
/// article: keep the full quote only.
fn drop_repeated_pull_quotes(quotes: &mut Vec<Quote>) {
    // Only block quotes can be pull quotes: most articles (embedded posts only) have
    // nothing to compare.
    if !quotes.iter().any(|q| q.platform == Platform::Blockquote) {
        return;
    }
    let mut by_author: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for (i, quote) in quotes.iter().enumerate() {
        by_author.entry(quote.author.name.as_deref()).or_default().push(i);
    }
    let compared =
        by_author.values().filter(|g| g.len() > 1 && g.iter().any(|&i| quotes[i].platform == Platform::Blockquote));
    let mut normalized: Vec<String> = vec![String::new(); quotes.len()];
    for &i in compared.clone().flatten() {
        normalized[i] = normalize_for_comparison(&quotes[i].text);
    }
    let mut repeated: Vec<usize> = Vec::new();
    for group in compared {
        let mut longest = group.clone();
        longest.sort_by_key(|&i| std::cmp::Reverse(normalized[i].len()));
        longest.truncate(PULL_QUOTE_CANDIDATES);
        for &i in group.iter().filter(|&&i| quotes[i].platform == Platform::Blockquote) {
            let short = &normalized[i];
            if longest
                .iter()
                .any(|&j| j != i && normalized[j].len() > short.len() && normalized[j].contains(short.as_str()))
            {
                repeated.push(i);
            }
        }
    }
    let mut drop = vec![false; quotes.len()];
    for i in repeated {
        drop[i] = true;
    }
    let mut index = 0;
    quotes.retain(|_| {
        index += 1;
        !drop[index - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_ins_and_labels() {
        assert!(is_lead_in("As these worrying events unfolded, Jill Stein poignantly asked:"));
        assert!(is_lead_in("She also stressed:"));
        assert!(is_lead_in("Chomsky agreed. Many other analysts said the same:"));
        assert!(!is_lead_in("US Foreign Policy:"));
        assert!(!is_lead_in("•Funds violent overthrow of Govts—devastating lives. US Domestic Policy:"));
        assert!(!is_lead_in("Which US-backed coup will be the model for Bolivia?"));
    }

    #[test]
    fn weighted_length_ignores_links() {
        assert_eq!(weighted_length("ab https://t.co/x cd"), 6);
        assert_eq!(weighted_length("日本"), 5);
    }
}
