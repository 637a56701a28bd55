//! `quotefeed export`: every feed and page written as static files, for operators
//! who serve them with nginx or a CDN. Each file is written next to its final name
//! and renamed into place, so a web server never sees half a file.

use std::path::{Path, PathBuf};

use url::Url;

use crate::publish::site::{self, FeedRequest};
use crate::publish::{DEFAULT_LIMIT, Format};
use crate::safety::is_safe_handle;
use crate::store::{Store, StoreError};

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    /// Feed files.
    pub feeds: usize,
    /// HTML pages.
    pub pages: usize,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored name would make a path outside the output directory.
    #[error("refusing to write {0}: it would leave the output directory")]
    Escape(String),
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// `out` joined with a relative path made from stored names, refused unless every
/// component is a plain name (no `..`, no root, no drive): nothing a feed says can
/// make an export write outside `out`.
fn inside(out: &Path, relative: &str) -> Result<PathBuf, ExportError> {
    let path = Path::new(relative);
    let plain = path.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if !plain || relative.contains('\\') || relative.chars().any(char::is_control) {
        return Err(ExportError::Escape(relative.to_string()));
    }
    Ok(out.join(path))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory,
/// renamed over the old one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let error = |source| ExportError::Write { path: path.to_path_buf(), source };
    let dir = path.parent().expect("export paths have a directory");
    std::fs::create_dir_all(dir).map_err(error)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes).map_err(error)?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        error(e)
    })
}

/// Writes every feed (all, each source, each author; every format) and every page
/// (front page, sources, authors, tags, quotes) under `out`, with the URLs' paths:
/// `feeds/all.atom`, `quotes/ID.html`, ….
pub fn export(store: &Store, base: &Url, out: &Path) -> Result<Exported, ExportError> {
    let mut exported = Exported::default();
    let mut requests = vec![FeedRequest::All];
    let sources = store.sources()?;
    requests.extend(sources.iter().map(|s| FeedRequest::Source(s.name.clone())));
    let authors = store.authors()?;
    requests.extend(authors.iter().map(|a| FeedRequest::Author(a.platform, a.handle.clone())));
    // Hashtags are letters, digits and underscores: safe as file names.
    let tags = store.tags()?;
    requests.extend(tags.iter().map(|t| FeedRequest::Tag(t.name.clone())));
    for request in &requests {
        if let FeedRequest::Author(_, handle) = request
            && !is_safe_handle(handle)
        {
            tracing::warn!("not exporting the author {handle:?}: the handle cannot be a file name");
            continue;
        }
        for format in Format::ALL {
            if let Some(document) = site::feed(store, base, request, format, DEFAULT_LIMIT)? {
                let path = match request {
                    FeedRequest::Author(platform, handle) => format!("feeds/author/{platform}/{handle}"),
                    other => other.key(),
                };
                write_atomically(&inside(out, &format!("{path}.{}", format.extension()))?, &document.body)?;
                exported.feeds += 1;
            }
        }
    }
    let mut page = |path: String, document: Option<site::Document>| -> Result<(), ExportError> {
        if let Some(document) = document {
            write_atomically(&inside(out, &path)?, &document.body)?;
            exported.pages += 1;
        }
        Ok(())
    };
    page("index.html".into(), Some(site::index(store, base, 1)?))?;
    write_atomically(&out.join("style.css"), crate::publish::pages::STYLE.as_bytes())?;
    for source in &sources {
        page(format!("sources/{}.html", source.name), site::source(store, base, &source.name, 1)?)?;
    }
    for author in authors.iter().filter(|a| is_safe_handle(&a.handle)) {
        let document = site::author(store, base, author.platform, &author.handle, 1)?;
        page(format!("authors/{}/{}.html", author.platform, author.handle), document)?;
    }
    for tag in &tags {
        page(format!("tags/{}.html", tag.name), site::tag(store, base, &tag.name, 1)?)?;
    }
    for id in store.quote_ids()? {
        page(format!("quotes/{id}.html"), site::quote(store, base, &id)?)?;
    }
    Ok(exported)
}
