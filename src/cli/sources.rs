//! `quotefeed sources`: list, add and remove sources, and import and export them as
//! OPML, by editing the configuration file in place. `toml_edit` keeps the file's
//! comments and layout; every edit is validated as a whole configuration before the
//! file is replaced (atomically), and a running daemon picks the change up.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::{EXIT_UNREADABLE, fail};
use crate::config::{Config, DEFAULT_CONFIG_PATH, Location};

#[derive(Debug, Args)]
pub(crate) struct SourcesArgs {
    /// The configuration file.
    #[arg(long, short, env = "QUOTEFEED_CONFIG", default_value = DEFAULT_CONFIG_PATH, global = true)]
    config: PathBuf,
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Print the configured sources.
    List,
    /// Add a source (a feed's URL, a page that links to its feed, or a file).
    Add {
        /// Where the feed is.
        url: String,
        /// Its name (in URLs and as the ActivityPub account); made from the URL's
        /// host by default.
        #[arg(long)]
        name: Option<String>,
        /// When to poll it (crontab, or @hourly …); every 15 minutes by default.
        #[arg(long)]
        schedule: Option<String>,
    },
    /// Remove a source (its quotes stay in the store).
    Remove {
        /// The source's name.
        name: String,
    },
    /// Add every feed of an OPML file (a feed reader's export); feeds already
    /// configured are skipped.
    Import {
        /// The OPML file.
        file: PathBuf,
        /// When to poll the imported sources.
        #[arg(long)]
        schedule: Option<String>,
    },
    /// Print the sources as OPML 2.0, for a feed reader.
    Export,
}

/// Runs `quotefeed sources …`.
pub(crate) fn run(args: SourcesArgs) -> ExitCode {
    let result = match args.action {
        Action::List => list(&args.config),
        Action::Add { url, name, schedule } => edit(&args.config, |document, config| {
            add(document, config, &url, name.as_deref(), schedule.as_deref()).map(|name| format!("added {name}: {url}"))
        }),
        Action::Remove { name } => edit(&args.config, |document, _| remove(document, &name)),
        Action::Import { file, schedule } => {
            edit(&args.config, |document, config| import(document, config, &file, schedule.as_deref()))
        }
        Action::Export => export(&args.config),
    };
    match result {
        Ok(message) => {
            print!("{message}");
            if !message.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
        Err(message) => fail(message, EXIT_UNREADABLE),
    }
}

fn list(path: &Path) -> Result<String, String> {
    let config = Config::load(path).map_err(|e| e.to_string())?;
    if config.sources.is_empty() {
        return Ok("no sources configured".into());
    }
    Ok(config
        .sources
        .iter()
        .map(|s| format!("{}\t{}\t{}{}\n", s.name, s.location, s.schedule, if s.enabled { "" } else { "\t(disabled)" }))
        .collect())
}

/// Applies `change` to the configuration file's document, checks that the result is
/// a valid configuration, and replaces the file with it.
fn edit(
    path: &Path,
    change: impl FnOnce(&mut DocumentMut, &Config) -> Result<String, String>,
) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let config = Config::parse(&text, path).map_err(|e| e.to_string())?;
    let mut document: DocumentMut = text.parse().map_err(|e| format!("{}: {e}", path.display()))?;
    let message = change(&mut document, &config)?;
    let edited = document.to_string();
    Config::parse(&edited, path).map_err(|e| format!("not changed: the result would not be valid: {e}"))?;
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, &edited).map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(message)
}

fn sources_table(document: &mut DocumentMut) -> Result<&mut ArrayOfTables, String> {
    document
        .entry("sources")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| "`sources` in the file is not a list of [[sources]] tables".to_string())
}

/// A source name made from a URL's host or a title: lowercase letters, digits and
/// `-`, not taken yet.
fn name_for(hint: &str, taken: &[String]) -> String {
    let host =
        url::Url::parse(hint).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_else(|| hint.to_string());
    let host = host.trim_start_matches("www.").trim_start_matches("feeds.");
    let mut base: String = host
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    base.truncate(48);
    if base.is_empty() || base == crate::model::ALL_ACTOR {
        base = "source".into();
    }
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

fn add(
    document: &mut DocumentMut,
    config: &Config,
    url: &str,
    name: Option<&str>,
    schedule: Option<&str>,
) -> Result<String, String> {
    let taken: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
    let name = match name {
        Some(name) if taken.iter().any(|t| t == name) => return Err(format!("a source named {name} exists already")),
        Some(name) => name.to_string(),
        None => name_for(url, &taken),
    };
    let mut table = Table::new();
    table.insert("name", value(name.as_str()));
    table.insert("url", value(url));
    if let Some(schedule) = schedule {
        table.insert("schedule", value(schedule));
    }
    sources_table(document)?.push(table);
    Ok(name)
}

fn remove(document: &mut DocumentMut, name: &str) -> Result<String, String> {
    let sources = sources_table(document)?;
    let index = sources
        .iter()
        .position(|t| t.get("name").and_then(Item::as_str) == Some(name))
        .ok_or_else(|| format!("no source named {name}"))?;
    sources.remove(index);
    Ok(format!("removed {name} (its quotes stay in the store)"))
}

fn import(document: &mut DocumentMut, config: &Config, file: &Path, schedule: Option<&str>) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let opml = opml::OPML::from_str(&text).map_err(|e| format!("{}: not an OPML file: {e}", file.display()))?;
    let mut feeds: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<&opml::Outline> = opml.body.outlines.iter().rev().collect();
    while let Some(outline) = stack.pop() {
        if let Some(url) = outline.xml_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            let title = outline.title.clone().unwrap_or_else(|| outline.text.clone());
            feeds.push((title, url.to_string()));
        }
        stack.extend(outline.outlines.iter().rev());
    }
    let mut taken: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
    let mut present: Vec<String> = config.sources.iter().map(|s| s.location.to_string()).collect();
    let (mut added, mut skipped) = (Vec::new(), 0);
    for (title, url) in feeds {
        if present.contains(&url) {
            skipped += 1;
            continue;
        }
        let hint = if title.trim().is_empty() { url.clone() } else { title };
        let name = name_for(&hint, &taken);
        let mut table = Table::new();
        table.insert("name", value(name.as_str()));
        table.insert("url", value(url.as_str()));
        if let Some(schedule) = schedule {
            table.insert("schedule", value(schedule));
        }
        sources_table(document)?.push(table);
        taken.push(name.clone());
        present.push(url);
        added.push(name);
    }
    Ok(format!("imported {} sources from {}, skipped {skipped} already configured\n", added.len(), file.display()))
}

fn export(path: &Path) -> Result<String, String> {
    let config = Config::load(path).map_err(|e| e.to_string())?;
    let mut opml = opml::OPML::default();
    opml.head = Some(opml::Head { title: Some("quotefeed sources".into()), ..opml::Head::default() });
    for source in &config.sources {
        let url = match &source.location {
            Location::Http(url) => url.to_string(),
            Location::File(path) => {
                url::Url::from_file_path(std::path::absolute(path).unwrap_or_else(|_| path.clone()))
                    .map_or_else(|()| path.display().to_string(), |u| u.to_string())
            }
        };
        opml.body.outlines.push(opml::Outline {
            text: source.name.clone(),
            title: Some(source.name.clone()),
            r#type: Some("rss".into()),
            xml_url: Some(url),
            ..opml::Outline::default()
        });
    }
    let xml = opml.to_string().map_err(|e| format!("cannot write OPML: {e}"))?;
    Ok(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}\n"))
}
