//! quotefeed: turns the quotes embedded in news articles into feeds of their own.
//!
//! The data flow, one module per step (`docs/ARCHITECTURE.md` draws it and says
//! what each module may import): [`config`] and [`schedule`] say what to poll when →
//! [`daemon`] runs the schedule → [`poll`] polls a source: [`fetch`] gets it,
//! [`feed`] reads its items, the `quotefeed_extract` crate (pure, no I/O) finds the
//! quotes of each article, [`safety`] cleans them → [`store`] keeps them in SQLite →
//! [`publish`] renders feeds and pages, [`activitypub`] posts to followers → [`http`]
//! serves both; [`export`] writes static files. [`app`] builds and runs the parts;
//! [`cli`] is the command line; [`model`] names the shared types.

#![warn(missing_docs)]

pub mod activitypub;
pub mod app;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod export;
pub mod feed;
pub mod fetch;
pub mod http;
pub mod maintenance;
pub mod model;
pub mod poll;
pub mod publish;
pub mod resolve;
pub mod safety;
pub mod schedule;
pub mod store;
