//! quotefeed: turns the quotes embedded in news articles into feeds of their own.
//!
//! The data flow, one module per step (see DESIGN.md): [`feed`] reads a source's
//! items → [`extract`] finds the quotes of each article. [`cli`] is the command line.

pub mod activitypub;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod export;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod http;
pub mod poll;
pub mod publish;
pub mod schedule;
pub mod store;
