//! The accounts' pictures, generated: an avatar (a symmetric 5×5 pattern drawn from
//! the account's name, like an identicon) and a header band, both in the account's
//! colour: its platform's for an author's account, one drawn from the name for a
//! source's. No remote image is fetched or shown.
//!
//! Two-colour indexed PNGs (the `png` crate): a few hundred bytes each, made on
//! request in well under a millisecond.

use sha2::{Digest, Sha256};

use crate::model::{Platform, parse_author_actor};

/// The avatar's side, in pixels.
pub const AVATAR_SIDE: u32 = 400;
/// The header's size (Mastodon's 3:1).
pub const HEADER_SIZE: (u32, u32) = (1500, 500);

/// The colour of an account: its platform's brand colour for an author's account,
/// else one derived from the name.
pub fn colour(actor: &str) -> [u8; 3] {
    let platform = parse_author_actor(actor).map(|(platform, _)| platform);
    match platform {
        Some(Platform::Twitter) => [0x0f, 0x14, 0x19],
        Some(Platform::Bluesky) => [0x11, 0x85, 0xfe],
        Some(Platform::Mastodon) => [0x63, 0x64, 0xff],
        Some(Platform::Threads) => [0x10, 0x10, 0x10],
        Some(Platform::Instagram) => [0xe1, 0x30, 0x6c],
        Some(Platform::Tiktok) => [0xfe, 0x2c, 0x55],
        Some(Platform::Facebook) => [0x18, 0x77, 0xf2],
        Some(Platform::Blockquote) | None => {
            // A dark, saturated colour from the name, so that white reads on it.
            let hash = Sha256::digest(actor.as_bytes());
            [hash[0] / 2 + 20, hash[1] / 2 + 20, hash[2] / 2 + 20]
        }
    }
}

/// The avatar: a 5×5 pattern, mirrored left to right, white on the account's
/// colour, with a margin.
pub fn avatar(actor: &str) -> Vec<u8> {
    let hash = Sha256::digest(format!("avatar\u{1f}{actor}").as_bytes());
    let cell = AVATAR_SIDE / 7;
    let margin = (AVATAR_SIDE - cell * 5) / 2;
    let filled = |column: u32, row: u32| {
        let column = column.min(4 - column); // mirrored
        let bit = (row * 3 + column) as usize;
        hash[bit / 8] & (1 << (bit % 8)) != 0
    };
    two_colour_png(AVATAR_SIDE, AVATAR_SIDE, colour(actor), |x, y| {
        let inside = (margin..margin + cell * 5).contains(&x) && (margin..margin + cell * 5).contains(&y);
        inside && filled((x - margin) / cell, (y - margin) / cell)
    })
}

/// The header: the account's colour with thin white diagonal stripes.
pub fn header(actor: &str) -> Vec<u8> {
    let (width, height) = HEADER_SIZE;
    two_colour_png(width, height, colour(actor), |x, y| (x + y) % 60 < 3)
}

/// A 1-bit indexed PNG: `foreground(x, y)` pixels white, the rest `background`.
fn two_colour_png(width: u32, height: u32, background: [u8; 3], foreground: impl Fn(u32, u32) -> bool) -> Vec<u8> {
    let row_bytes = width.div_ceil(8) as usize;
    let mut pixels = vec![0u8; row_bytes * height as usize];
    for y in 0..height {
        for x in 0..width {
            if foreground(x, y) {
                pixels[y as usize * row_bytes + (x / 8) as usize] |= 0x80 >> (x % 8);
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::One);
    let mut palette = background.to_vec();
    palette.extend([0xff, 0xff, 0xff]);
    encoder.set_palette(palette);
    let mut writer = encoder.write_header().expect("writing to memory does not fail");
    writer.write_image_data(&pixels).expect("the image data has the header's size");
    writer.finish().expect("writing to memory does not fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        (reader.info().width, reader.info().height)
    }

    #[test]
    fn pictures_are_valid_pngs_of_their_size_and_differ_per_account() {
        assert_eq!(decode(&avatar("news")), (AVATAR_SIDE, AVATAR_SIDE));
        assert_eq!(decode(&header("news")), HEADER_SIZE);
        assert_ne!(avatar("news"), avatar("world"));
        assert_eq!(avatar("news"), avatar("news"), "the same every time");
        assert_eq!(colour("bluesky.mira.bsky.social"), [0x11, 0x85, 0xfe], "an author's platform colour");
        assert!(avatar("news").len() < 2_000, "{} bytes", avatar("news").len());
    }
}
