//! The hashtags of a quote's text, as the platforms link them: `#` at the start of a
//! word, then letters, digits and underscores with at least one letter (`#2024` is
//! not a tag, `#rubykaigi2024` is; `C#` and `&#39;` are not).

/// Most tags taken from one quote.
const MAX_TAGS: usize = 30;
/// Longest tag kept, in characters.
const MAX_TAG_CHARS: usize = 100;

/// The hashtags of `text`, lowercased, without `#`, each once, in order.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for (_, tag) in hashtag_spans(text) {
        let tag = tag.to_lowercase();
        if !tags.contains(&tag) {
            tags.push(tag);
            if tags.len() == MAX_TAGS {
                break;
            }
        }
    }
    tags
}

/// Where the hashtags of `text` are: the byte range of each `#tag` (with its `#`) and
/// the tag as written, in order.
pub fn hashtag_spans(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut spans = Vec::new();
    let mut previous: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at_word_start = previous.is_none_or(|p| !(p.is_alphanumeric() || matches!(p, '_' | '&' | '/' | '#')));
        previous = Some(c);
        if c != '#' || !at_word_start {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let tag = &rest[..len];
        if tag.chars().any(char::is_alphabetic) && tag.chars().count() <= MAX_TAG_CHARS {
            spans.push((i..i + 1 + len, tag));
        }
        while chars.peek().is_some_and(|(j, _)| *j < i + 1 + len) {
            previous = chars.next().map(|(_, c)| c);
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::hashtags;

    #[test]
    fn tags_as_platforms_link_them() {
        assert_eq!(
            hashtags("Ferries #HarbourLife and #rubykaigi2024! #harbourlife"),
            vec!["harbourlife", "rubykaigi2024"]
        );
        assert_eq!(hashtags("#2024 C# a#b &#39; https://x.example/#frag ##twice"), Vec::<String>::new());
        assert_eq!(hashtags("Ça va #ÉtéIndien, #東京 (#ok)"), vec!["étéindien", "東京", "ok"]);
    }
}
