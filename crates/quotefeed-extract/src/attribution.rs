//! The attribution lines that close an embedded post: `— Name (@handle) Date`, as
//! Twitter and Bluesky embeds print them and as flattened text keeps them, and the
//! plain `— Name` that closes an ordinary block quote.

use super::dates::parse_date;

/// A `— Name (@handle) Date` attribution at the end of a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailing {
    /// Byte offset of the dash that starts the attribution; the quote's text ends here.
    pub dash: usize,
    /// The display name, as printed.
    pub name: String,
    /// The handle, without the `@`.
    pub handle: String,
    /// The date as printed, when there is one.
    pub date_text: Option<String>,
    /// The date as ISO 8601, when it parsed.
    pub published: Option<String>,
}

/// Longest display name accepted, in characters (Twitter allows 50, Bluesky 64).
const MAX_NAME_CHARS: usize = 80;
/// Longest date text accepted after the handle, in characters.
const MAX_DATE_CHARS: usize = 48;
/// How far from the end of a paragraph an attribution's `(@` can be, in bytes
/// (a long handle, a long date in a script of 3-byte characters).
const MAX_TAIL_BYTES: usize = 160 + MAX_DATE_CHARS * 4;

/// Finds the `— Name (@handle) Date` that ends `text`. Only the last one counts: an
/// em dash inside the quote ("Govts—devastating") is not an attribution. The date
/// is optional (some embeds print none). Accepts an em dash or horizontal bar with
/// any spacing (flattening glues it: `pic.twitter.com/x— Name`), and an en dash,
/// hyphen or `--` only with spaces around it.
pub fn parse_trailing(text: &str) -> Option<Trailing> {
    let text = text.trim_end();
    // The handle and date are short: "(@" must be near the end.
    let mut tail = text.len().saturating_sub(MAX_TAIL_BYTES);
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    let bytes = text.as_bytes();
    let open =
        memchr::memrchr_iter(b'(', &bytes[tail..]).map(|i| tail + i).find(|&i| bytes.get(i + 1) == Some(&b'@'))?;
    let after = &text[open + 2..];
    // A backslash may escape an underscore where the post went through Markdown
    // ("@k\_hanazuki").
    let handle_len = after
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@' | '\\')))
        .unwrap_or(after.len());
    let handle = after[..handle_len].trim_end_matches('.');
    if handle.is_empty() || !after[handle_len..].starts_with(')') {
        return None;
    }
    let date_text = after[handle_len + 1..].trim();
    let (date_text, published) = if date_text.is_empty() {
        (None, None)
    } else {
        let published = parse_date(date_text);
        if published.is_none() && !looks_like_unknown_date(date_text) {
            return None;
        }
        (Some(date_text.to_string()), published)
    };

    let (dash, name_start) = find_separator(&text[..open])?;
    let name = text[name_start..open].trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return None;
    }
    let unescape = |t: &str| t.replace("\\_", "_");
    Some(Trailing { dash, name: unescape(name), handle: unescape(handle), date_text, published })
}

/// A date in a form the date parser does not know (a language it lacks): short,
/// with a year-like number, and no sentence punctuation.
fn looks_like_unknown_date(text: &str) -> bool {
    text.chars().count() <= MAX_DATE_CHARS
        && !text.contains(['—', '(', ')', '!', '?', '"', '“'])
        && text.split(|c: char| !c.is_ascii_digit()).any(|n| n.len() == 4)
}

/// The dash that separates a quote from the name before `(@handle)`: returns the
/// dash's offset and the offset where the name starts. An em dash wins over a
/// spaced en dash or hyphen nearer the handle: in "— Ministry – Jane Doe (@moh)"
/// the en dash is part of the display name, and embeds print the em dash.
fn find_separator(before_handle: &str) -> Option<(usize, usize)> {
    let mut weaker = None;
    for (chars_seen, (i, c)) in before_handle.char_indices().rev().enumerate() {
        if c == '\n' || chars_seen > MAX_NAME_CHARS + 2 {
            break;
        }
        let next_is_space = before_handle[i + c.len_utf8()..].chars().next().is_none_or(char::is_whitespace);
        let prev = before_handle[..i].chars().next_back();
        match c {
            // Once a weaker dash is found, only a spaced em dash ("— Org – Name")
            // overrides it; "Govts—devastating – Name" keeps the en dash.
            '—' | '―' if weaker.is_none() || next_is_space => {
                // "&mdash;&mdash;" or a doubled dash: start at the first one.
                let start = before_handle[..i].trim_end_matches(['—', '―']).len();
                return Some((start, i + c.len_utf8()));
            }
            '–' | '-' if weaker.is_none() && next_is_space && prev.is_none_or(char::is_whitespace) => {
                weaker = Some((i, i + c.len_utf8()));
            }
            '-' if weaker.is_none() && next_is_space && prev == Some('-') => {
                let start = i - 1;
                let spaced = before_handle[..start].chars().next_back().is_none_or(char::is_whitespace);
                if spaced {
                    weaker = Some((start, i + 1));
                }
            }
            _ => {}
        }
    }
    weaker
}

/// A closing `— Name` line of an ordinary block quote (also `– Name`, `-- Name`,
/// `―Name`): returns the name.
pub fn parse_dash_name(line: &str) -> Option<&str> {
    let line = line.trim();
    let rest = line.strip_prefix("--").or_else(|| line.strip_prefix(['—', '―', '–', '-', '~']))?;
    let name = rest.trim_start_matches(['—', '―', '–', '-']).trim();
    let words = name.split_whitespace().count();
    (!name.is_empty() && name.chars().count() <= 120 && words <= 16).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (String, String, String, Option<String>) {
        let t = parse_trailing(text).unwrap_or_else(|| panic!("no attribution in {text:?}"));
        (text[..t.dash].trim_end().to_string(), t.name, t.handle, t.published)
    }

    #[test]
    fn the_plain_text_form() {
        let (body, name, handle, date) = parsed("It’s a coup. — Alexandria Ocasio-Cortez (@AOC) November 11, 2019");
        assert_eq!(body, "It’s a coup.");
        assert_eq!(name, "Alexandria Ocasio-Cortez");
        assert_eq!(handle, "AOC");
        assert_eq!(date.as_deref(), Some("2019-11-11"));
    }

    #[test]
    fn an_em_dash_inside_the_text_is_not_the_attribution() {
        let (body, name, ..) =
            parsed("Govts—devastating lives. Back home! — Qasim Rashid, Esq. (@QasimRashid) November 11, 2019");
        assert_eq!(body, "Govts—devastating lives. Back home!");
        assert_eq!(name, "Qasim Rashid, Esq.");
    }

    #[test]
    fn markdown_escaped_underscores() {
        let (body, name, handle, _) = parsed("netops VC — 花月かすみΛ\\_\\_Λ (@k\\_hanazuki) May 18, 2024");
        assert_eq!((body.as_str(), name.as_str(), handle.as_str()), ("netops VC", "花月かすみΛ__Λ", "k_hanazuki"));
    }

    #[test]
    fn a_dash_inside_the_display_name_is_not_the_separator() {
        let (body, name, handle, _) =
            parsed("Clinics stay open. — Ministerio de Salud – Dra. Ana Ruiz (@minsalud) October 4, 2019");
        assert_eq!(body, "Clinics stay open.");
        assert_eq!(name, "Ministerio de Salud – Dra. Ana Ruiz");
        assert_eq!(handle, "minsalud");
        let (body, name, ..) = parsed("Vote today - Harbour Council - Mayor (@hc) October 4, 2019");
        assert_eq!((body.as_str(), name.as_str()), ("Vote today - Harbour Council", "Mayor"), "no em dash: nearest");
    }

    #[test]
    fn glued_dash_hair_spaces_and_literal_dashes() {
        let (body, name, ..) = parsed("look pic.twitter.com/x— The Grayzone (@GrayzoneProject) November 12, 2019");
        assert_eq!(body, "look pic.twitter.com/x");
        assert_eq!(name, "The Grayzone");
        let (_, name, ..) = parsed("text\u{200a}—\u{200a}Name Here (@h) November 12, 2019");
        assert_eq!(name, "Name Here");
        let (_, name, ..) = parsed("text -- Name Here (@h) November 12, 2019");
        assert_eq!(name, "Name Here");
        let (_, name, ..) = parsed("text - Jean-Luc Picard (@h) November 12, 2019");
        assert_eq!(name, "Jean-Luc Picard");
    }

    #[test]
    fn bluesky_mastodon_and_missing_dates() {
        let t = parse_trailing("Hi — Mira Okafor (@miraokafor.bsky.social) Apr 18, 2024 at 09:12").unwrap();
        assert_eq!(t.handle, "miraokafor.bsky.social");
        assert_eq!(t.published.as_deref(), Some("2024-04-18T09:12"));
        let t = parse_trailing("Hi — Union (@ferryunion@social.example)").unwrap();
        assert_eq!(t.handle, "ferryunion@social.example");
        assert_eq!(t.published, None);
        let t = parse_trailing("Hi — Name (@h) 3 Ιανουαρίου 2013").unwrap();
        assert_eq!(t.date_text.as_deref(), Some("3 Ιανουαρίου 2013"));
        assert_eq!(t.published, None);
    }

    #[test]
    fn not_attributions() {
        assert_eq!(parse_trailing("He replied (@AOC) in a long thread about the coup and more"), None);
        assert_eq!(parse_trailing("No handle — Name November 11, 2019"), None);
        assert_eq!(parse_trailing("Hyphenated-word Name (@h) November 11, 2019"), None);
        assert_eq!(parse_trailing("text —\nName (@h) November 11, 2019"), None);
    }

    #[test]
    fn dash_names() {
        assert_eq!(parse_dash_name("— Helen Achterberg, lead engineer"), Some("Helen Achterberg, lead engineer"));
        assert_eq!(parse_dash_name("-- Ada"), Some("Ada"));
        assert_eq!(parse_dash_name("Ada"), None);
        assert_eq!(parse_dash_name("—"), None);
    }
}
