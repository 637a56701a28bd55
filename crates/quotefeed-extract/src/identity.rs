//! Stable quote ids.

use sha2::{Digest, Sha256};

use super::{Author, Platform};
use crate::text_util::normalize_for_comparison;

/// The id of a quote: 16 hex digits of the SHA-256 of a key. The key is the platform
/// and the post's own id when the embed carries one (tweet status id, Bluesky
/// `at://` URI, Mastodon status URL, …), so the same post gets the same id in every
/// article and on every run, whether linked on twitter.com or x.com. Without a post
/// id, the key is the platform, the handle (or name) and the text reduced to
/// lowercase letters and digits, so whitespace and link spacing do not matter.
pub fn quote_id(platform: Platform, post_id: Option<&str>, author: &Author, text: &str) -> String {
    let key = match post_id {
        Some(post) => format!("{platform}\u{1f}{post}"),
        None => {
            let who = author.handle.as_deref().or(author.name.as_deref()).unwrap_or("").to_lowercase();
            format!("{platform}\u{1f}{who}\u{1f}{}", normalize_for_comparison(text))
        }
    };
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_depend_on_the_post() {
        let author = Author { handle: Some("AOC".into()), ..Author::default() };
        let a = quote_id(Platform::Twitter, Some("123"), &author, "x");
        assert_eq!(a, quote_id(Platform::Twitter, Some("123"), &Author::default(), "other text"));
        assert_ne!(a, quote_id(Platform::Twitter, Some("124"), &author, "x"));
        assert_eq!(a.len(), 16);
        let b = quote_id(Platform::Twitter, None, &author, "It’s a coup.\nReally https://t.co/x");
        assert_eq!(
            b,
            quote_id(
                Platform::Twitter,
                None,
                &Author { handle: Some("aoc".into()), ..Author::default() },
                "It’s a coup. Really https://t.co/x"
            )
        );
        // Ids are stored and published: they must never change between releases.
        assert_eq!(quote_id(Platform::Twitter, Some("1193900000000001111"), &author, ""), "ff215cf54df1df47");
    }
}
