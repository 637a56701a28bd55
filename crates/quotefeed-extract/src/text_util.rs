//! Text helpers shared by both extraction paths: whitespace tidying, splitting links
//! that flattening glued to the word before them, finding links in text, and finding
//! the last sentence of a paragraph.

use std::sync::LazyLock;

use memchr::memmem::Finder;

/// Tidies raw text: every line trimmed, runs of whitespace (including no-break, thin
/// and hair spaces) collapsed to one space, empty lines dropped, glued links split
/// off the word before them, lines joined by `"\n"`.
pub fn tidy(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut line_start = true;
    let mut pending_space = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line_start = true;
            pending_space = false;
            i += 1;
            continue;
        }
        let space = whitespace_len(bytes, i);
        if space > 0 {
            pending_space = true;
            i += space;
            continue;
        }
        // A run of text up to the next whitespace or line break, copied at once.
        let start = i;
        i += 1;
        while i < bytes.len()
            && !(MAY_BREAK_RUN[usize::from(bytes[i])] && (bytes[i] == b'\n' || whitespace_len(bytes, i) > 0))
        {
            i += 1;
        }
        if line_start {
            if !out.is_empty() {
                out.push('\n');
            }
            line_start = false;
        } else if pending_space {
            out.push(' ');
        }
        pending_space = false;
        out.push_str(&raw[start..i]);
    }
    if has_glued_link(&out) { split_glued_links(&out) } else { out }
}

/// Whether some link in the text has a character other than a space before it
/// (a quick check before [`split_glued_links`] builds a new string).
fn has_glued_link(text: &str) -> bool {
    static FINDERS: LazyLock<[Finder<'static>; 2]> =
        LazyLock::new(|| [Finder::new(b"http"), Finder::new(b"pic.twitter.com/")]);
    let bytes = text.as_bytes();
    FINDERS.iter().any(|finder| finder.find_iter(bytes).any(|i| i > 0 && !matches!(bytes[i - 1], b' ' | b'\n')))
}

/// Bytes that may start whitespace or a line break (the rest never do).
static MAY_BREAK_RUN: [bool; 256] = {
    let mut table = [false; 256];
    let starts = [b' ', b'\t', b'\r', b'\n', 0x0b, 0x0c, 0xC2, 0xE1, 0xE2, 0xE3];
    let mut i = 0;
    while i < starts.len() {
        table[starts[i] as usize] = true;
        i += 1;
    }
    table
};

/// The length in bytes of the whitespace character (other than a line feed) that
/// starts at `bytes[i]`, or 0. The same set as `char::is_whitespace`, found without
/// decoding UTF-8 for every character.
fn whitespace_len(bytes: &[u8], i: usize) -> usize {
    match bytes[i] {
        b' ' | b'\t' | b'\r' | 0x0b | 0x0c => 1,
        b if b < 0x80 => 0,
        0xC2 if matches!(bytes.get(i + 1), Some(0x85 | 0xA0)) => 2,
        0xE1 if bytes.get(i + 1..i + 3) == Some(&[0x9A, 0x80]) => 3,
        0xE2 => match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(0x80), Some(0x80..=0x8A | 0xA8 | 0xA9 | 0xAF)) | (Some(0x81), Some(0x9F)) => 3,
            _ => 0,
        },
        0xE3 if bytes.get(i + 1..i + 3) == Some(&[0x80, 0x80]) => 3,
        _ => 0,
    }
}

/// Where a link may start inside a word: the schemes and the scheme-less
/// `pic.twitter.com` form that Twitter prints for media.
const LINK_STARTS: [&str; 3] = ["https://", "http://", "pic.twitter.com/"];

/// Inserts a space before a link that is glued to the text before it
/// (`#ElMundoConEvohttps://t.co/x` → `#ElMundoConEvo https://t.co/x`,
/// `great!pic.twitter.com/x` → `great! pic.twitter.com/x`).
///
/// A link nested inside another link (`https://web.archive.org/web/2019/https://…`,
/// `?url=https://…`) or opened by a bracket or quote is left alone.
pub fn split_glued_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some((pos, len)) = next_link_start(rest) {
        let (before, from) = rest.split_at(pos);
        out.push_str(before);
        let mut back = before.chars().rev();
        let glued = match back.next() {
            None => false,
            Some(p) if p.is_whitespace() => false,
            // Inside another link (`…/web/2019/https://…`, `?url=https://…`) or
            // after an opening bracket or quote: not glued.
            Some('/' | '=' | '%' | ':' | '&' | '?' | '#' | '(' | '[' | '<' | '“' | '‘' | '«') => false,
            // A straight quote closes a sentence when a word comes right before it.
            Some('"' | '\'') => back.next().is_some_and(|c| !c.is_whitespace()),
            Some(_) => true,
        };
        if glued {
            out.push(' ');
        }
        out.push_str(&from[..len]);
        rest = &from[len..];
    }
    out.push_str(rest);
    out
}

fn next_link_start(s: &str) -> Option<(usize, usize)> {
    LINK_STARTS.iter().filter_map(|p| s.find(p).map(|i| (i, p.len()))).min_by_key(|&(i, _)| i)
}

/// The links written out in `text` (`http(s)://…` and `pic.twitter.com/…`), in order,
/// without trailing punctuation. Expects text that went through [`tidy`].
pub fn links_in_text(text: &str) -> Vec<String> {
    text.split(char::is_whitespace)
        .map(|w| w.trim_start_matches(['(', '[', '<', '"', '\'', '“', '‘', '«']))
        .filter(|w| LINK_STARTS.iter().any(|p| w.starts_with(p)))
        .map(|w| trim_link_end(w).to_string())
        .filter(|w| !LINK_STARTS.contains(&w.as_str()))
        .collect()
}

/// Strips the punctuation a sentence puts after a link (`…/x).` → `…/x`), keeping a
/// closing parenthesis that belongs to the link (`wiki/Foo_(bar)`).
pub fn trim_link_end(link: &str) -> &str {
    let mut end = link.len();
    while let Some(c) = link[..end].chars().next_back() {
        let strip = match c {
            '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | '”' | '’' | '»' | '…' | ']' => true,
            ')' => link[..end].matches('(').count() < link[..end].matches(')').count(),
            _ => false,
        };
        if !strip {
            break;
        }
        end -= c.len_utf8();
    }
    &link[..end]
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "sen", "rep", "gov", "lt", "col", "capt", "sgt", "rev",
    "hon", "pres", "inc", "ltd", "co", "corp", "vs", "etc", "no", "fig", "approx", "dept", "est", "mt", "ft", "e.g",
    "i.e", "u.s", "u.k", "u.n", "a.m", "p.m",
];

/// The last sentence of a paragraph.
///
/// Hand-written rather than taken from a Unicode segmentation crate: UAX #29 sentence
/// breaks split after "Dr." and "U.S.", and the lead-in sentences quotefeed reports
/// are full of titles and abbreviations.
pub fn last_sentence(paragraph: &str) -> &str {
    let p = paragraph.trim();
    let chars: Vec<(usize, char)> = p.char_indices().collect();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？') {
            // Closing quotes and brackets belong to the sentence they end.
            let mut j = i + 1;
            while j < chars.len() && matches!(chars[j].1, '"' | '\'' | '”' | '’' | ')' | ']' | '»') {
                j += 1;
            }
            let is_cjk_stop = matches!(c, '。' | '！' | '？');
            let followed_by_space = j < chars.len() && chars[j].1.is_whitespace();
            if (followed_by_space || (is_cjk_stop && j < chars.len()))
                && !(c == '.' && ends_with_abbreviation(p, chars[i].0))
            {
                let mut k = j;
                while k < chars.len() && chars[k].1.is_whitespace() {
                    k += 1;
                }
                if k < chars.len() && starts_sentence(chars[k].1) {
                    start = chars[k].0;
                }
                i = k;
                continue;
            }
        }
        i += 1;
    }
    &p[start..]
}

fn starts_sentence(c: char) -> bool {
    c.is_uppercase()
        || c.is_numeric()
        || matches!(c, '"' | '\'' | '“' | '‘' | '«' | '(' | '¿' | '¡')
        || !c.is_alphabetic()
}

/// Whether the word ending at the full stop at `dot` is an abbreviation or an initial.
fn ends_with_abbreviation(text: &str, dot: usize) -> bool {
    let word_start = text[..dot]
        .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '"' | '“'))
        .map_or(0, |i| i + text[i..].chars().next().map_or(1, char::len_utf8));
    let word = &text[word_start..dot];
    if word.chars().count() == 1 && word.chars().all(char::is_uppercase) {
        return true; // an initial: "J. K. Rowling"
    }
    let lower = word.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
}

/// Text reduced to lowercase letters and digits, for comparing quotes.
pub(crate) fn normalize_for_comparison(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            }
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_collapses_whitespace_and_joins_lines() {
        assert_eq!(tidy("  a \u{a0} b\t\n\n\n c\u{200a}d \n"), "a b\nc d");
        assert_eq!(tidy("é\u{3000}ü\u{2028}x\u{205f}y\u{85}z\u{1680}w — v"), "é ü x y z w — v");
    }

    #[test]
    fn whitespace_matches_the_standard_library() {
        for c in (0..0x3100u32).filter_map(char::from_u32).filter(|&c| c != '\n') {
            let s = c.to_string();
            assert_eq!(whitespace_len(s.as_bytes(), 0) > 0, c.is_whitespace(), "{c:?}");
        }
    }

    #[test]
    fn glued_links_are_split() {
        assert_eq!(
            tidy("#NoCoupInBolivia#ElMundoConEvohttps://t.co/ORLmmwVDQC"),
            "#NoCoupInBolivia#ElMundoConEvo https://t.co/ORLmmwVDQC"
        );
        assert_eq!(tidy("great!pic.twitter.com/abc"), "great! pic.twitter.com/abc");
        assert_eq!(tidy("Christ.\"https://t.co/x"), "Christ.\" https://t.co/x");
        assert_eq!(tidy("see \"https://t.co/x\""), "see \"https://t.co/x\"");
        assert_eq!(tidy("https://t.co/abchttps://t.co/def"), "https://t.co/abc https://t.co/def");
    }

    #[test]
    fn nested_links_are_not_split() {
        let archived = "https://web.archive.org/web/2019/https://example.com/a?u=https://b.example/";
        assert_eq!(tidy(archived), archived);
    }

    #[test]
    fn links_are_found_without_trailing_punctuation() {
        assert_eq!(
            links_in_text(
                "see https://t.co/abc. and (https://en.wikipedia.org/wiki/Foo_(bar)) pic.twitter.com/x \"https://a.example/\""
            ),
            vec![
                "https://t.co/abc",
                "https://en.wikipedia.org/wiki/Foo_(bar)",
                "pic.twitter.com/x",
                "https://a.example/"
            ]
        );
    }

    #[test]
    fn last_sentence_respects_abbreviations() {
        assert_eq!(
            last_sentence("Chomsky pointed to US involvement. Many other analysts said the same:"),
            "Many other analysts said the same:"
        );
        assert_eq!(last_sentence("As Dr. Jill Stein asked:"), "As Dr. Jill Stein asked:");
        assert_eq!(last_sentence("It rained. The U.S. envoy said:"), "The U.S. envoy said:");
        assert_eq!(last_sentence("He said “stop.” Then she wrote:"), "Then she wrote:");
        assert_eq!(last_sentence("Author J. K. Rowling wrote:"), "Author J. K. Rowling wrote:");
        assert_eq!(last_sentence("No full stop at all"), "No full stop at all");
    }
}
