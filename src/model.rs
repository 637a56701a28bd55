//! The things quotefeed is about, shared by every layer: a [`Quote`] with its
//! [`Author`] and [`Platform`] (produced by the extractor crate, `quotefeed_extract`,
//! and re-exported here so that the store, the publishers and ActivityPub name them
//! from one place), and the [`Article`] of a source feed that quotes them.

pub use crate::feed::Article;
pub use quotefeed_extract::{Author, Platform, Quote};
