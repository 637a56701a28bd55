//! `quotefeed extract`: the extractor on one file, for people and scripts.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::Serialize;
use url::Url;

use super::{EXIT_UNREADABLE, fail};
use crate::config::{Config, FetchConfig, ResolveConfig};
use crate::feed::{looks_like_feed, parse_feed};
use crate::fetch::Fetcher;
use crate::resolve::Resolver;
use quotefeed_extract::{
    DEFAULT_MAX_BYTES, ExtractOptions, Extraction, InputFormat, MainContent, Quote, extract, extract_str,
};

#[derive(Debug, Args)]
pub(crate) struct ExtractArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    format: OutputFormat,
    /// How to read the input: detected from its content by default.
    #[arg(long, value_enum, default_value_t = InputKind::Auto)]
    input: InputKind,
    /// The article's URL, to resolve relative links (for a feed, each item's own URL
    /// is used, and this is the feed's URL).
    #[arg(long, value_name = "URL")]
    base_url: Option<Url>,
    /// Also print block quotes that name no one.
    #[arg(long)]
    include_unattributed: bool,
    /// For a whole page: read only its article body, found automatically (not
    /// navigation, sidebars or comments).
    #[arg(long)]
    main_content: bool,
    /// For a whole page: read only the elements matching this CSS selector.
    #[arg(long, value_name = "CSS")]
    content_selector: Option<String>,
    /// With a URL: allow it (and its redirects) to reach loopback and private
    /// addresses.
    #[arg(long)]
    allow_private_networks: bool,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    max_bytes: usize,
    /// The article or feed: a file, `-` for standard input, or an http(s) URL to
    /// fetch (through the same guarded fetcher as the daemon: no private addresses).
    /// Fetch the text of embeds that carry none (a bare tweet link, an iframe, an
    /// `amp-twitter`, Threads' or Mastodon's embed code) from their platform, as the
    /// daemon does: X and TikTok oEmbed, a public Bluesky AppView, Mastodon and
    /// Threads over ActivityPub, Instagram and Facebook with a Meta token.
    #[arg(long)]
    resolve: bool,
    /// A configuration file whose `[fetch]` and `[resolve]` settings URL input and
    /// `--resolve` use (tokens, endpoints, `[fetch.hosts]`); built-in defaults
    /// without it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[arg(value_name = "FILE|-|URL")]
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// `{"quotes": [...]}`: the fields of a quote, as the README's "Extracting quotes" shows.
    Json,
    /// A readable listing.
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputKind {
    /// Feed, HTML or plain text, by content.
    Auto,
    /// An HTML page or fragment.
    Html,
    /// Plain text, one paragraph per line.
    Text,
    /// An RSS, Atom or JSON feed.
    Feed,
}

/// The article a quote of a feed came from.
#[derive(Debug, Serialize)]
struct ArticleRef {
    title: Option<String>,
    url: Option<String>,
    published: Option<String>,
}

#[derive(Debug, Serialize)]
struct QuoteOut<'a> {
    #[serde(flatten)]
    quote: &'a Quote,
    #[serde(skip_serializing_if = "Option::is_none")]
    article: Option<&'a ArticleRef>,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    quotes: Vec<QuoteOut<'a>>,
}

pub(crate) fn run(mut args: ExtractArgs) -> ExitCode {
    let settings = match &args.config {
        Some(path) => Config::load(path),
        None => Config::parse("", Path::new(".")),
    };
    let (mut fetch, resolve) = match settings {
        Ok(config) => (config.fetch, config.resolve),
        Err(e) => return fail(e, 1),
    };
    fetch.allow_private_networks |= args.allow_private_networks;
    let web = args.file.to_str().and_then(|f| Url::parse(f).ok()).filter(|u| matches!(u.scheme(), "http" | "https"));
    let read = match &web {
        Some(url) => fetch_input(url, args.max_bytes, &fetch),
        None => read_input(&args.file, args.max_bytes),
    };
    let bytes = match read {
        Ok((bytes, final_url)) => {
            if args.base_url.is_none() {
                args.base_url = final_url;
            }
            bytes
        }
        Err(message) => return fail(message, EXIT_UNREADABLE),
    };
    let options = ExtractOptions {
        format: match args.input {
            InputKind::Html => InputFormat::Html,
            InputKind::Text => InputFormat::Text,
            InputKind::Auto | InputKind::Feed => InputFormat::Auto,
        },
        base_url: args.base_url.clone(),
        include_unattributed: args.include_unattributed,
        max_bytes: args.max_bytes,
        main_content: match (&args.content_selector, args.main_content) {
            (Some(css), _) => MainContent::Selector(css.clone()),
            (None, true) => MainContent::Auto,
            (None, false) => MainContent::Whole,
        },
    };
    let is_feed = match args.input {
        InputKind::Feed => true,
        InputKind::Auto => looks_like_feed(&bytes),
        _ => false,
    };
    let mut results: Vec<(Option<ArticleRef>, Extraction)> = if is_feed {
        let feed_url = args.base_url.as_ref().map(Url::as_str);
        let feed = match parse_feed(&bytes, feed_url) {
            Ok(feed) => feed,
            Err(e) => return fail(format!("{}: {e}", args.file.display()), EXIT_UNREADABLE),
        };
        feed.articles
            .into_iter()
            .map(|article| {
                let options = ExtractOptions {
                    base_url: article.url.as_deref().and_then(|u| Url::parse(u).ok()).or(options.base_url.clone()),
                    ..options.clone()
                };
                let extraction = extract_str(article.content.as_deref().unwrap_or(""), &options).unwrap_or_else(|e| {
                    let name = article.url.as_deref().or(article.title.as_deref()).unwrap_or(&article.id);
                    Extraction { warnings: vec![format!("skipped article {name}: {e}")], ..Extraction::default() }
                });
                let reference = ArticleRef {
                    title: article.title,
                    url: article.url,
                    published: article.published.map(|d| d.to_rfc3339()),
                };
                (Some(reference), extraction)
            })
            .collect()
    } else {
        match extract(&bytes, &options) {
            Ok(extraction) => vec![(None, extraction)],
            Err(e) => return fail(format!("{}: {e}", args.file.display()), EXIT_UNREADABLE),
        }
    };

    if args.resolve
        && let Err(message) = resolve_embeds(&mut results, fetch, resolve)
    {
        return fail(message, 1);
    }
    for (_, extraction) in &results {
        for warning in &extraction.warnings {
            eprintln!("quotefeed: warning: {warning}");
        }
        for embed in &extraction.textless {
            eprintln!("quotefeed: note: {} embed without text, no quote: {}", embed.platform.label(), embed.url);
        }
    }
    let rendered = match args.format {
        OutputFormat::Json => {
            let output = Output {
                quotes: results
                    .iter()
                    .flat_map(|(article, extraction)| {
                        extraction.quotes.iter().map(move |quote| QuoteOut { quote, article: article.as_ref() })
                    })
                    .collect(),
            };
            let mut json = serde_json::to_string_pretty(&output).expect("quotes serialize");
            json.push('\n');
            json
        }
        OutputFormat::Text => render_text(&results),
    };
    match std::io::stdout().lock().write_all(rendered.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(format!("cannot write output: {e}"), 1),
    }
}

/// Resolves each extraction's textless embeds in place, as the daemon does (answers
/// are not kept: there is no store).
fn resolve_embeds(
    results: &mut [(Option<ArticleRef>, Extraction)],
    fetch: FetchConfig,
    resolve: ResolveConfig,
) -> Result<(), String> {
    let fetcher = Arc::new(Fetcher::new(&fetch)?);
    let resolver = Resolver::new(None, fetcher, None, resolve);
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("cannot start: {e}"))?;
    for (_, extraction) in results.iter_mut() {
        let resolution = runtime.block_on(resolver.resolve(&extraction.textless, &mut extraction.quotes));
        for url in &resolution.pending {
            extraction.warnings.push(format!("{url}: the platform could not be reached; try again later"));
        }
        // Embeds that became quotes are no longer "without text".
        extraction.textless.retain(|e| !resolution.resolved.contains(&e.url));
    }
    Ok(())
}

/// Fetches a page or feed with the daemon's fetcher and the `[fetch]` settings (the
/// private-address guard on unless lifted); returns the body and the URL it came from.
fn fetch_input(url: &Url, max_bytes: usize, settings: &FetchConfig) -> Result<(Vec<u8>, Option<Url>), String> {
    let mut settings = settings.clone();
    settings.max_bytes = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    let fetcher = Fetcher::new(&settings)?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("cannot start: {e}"))?;
    let accept = "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, application/feed+json;q=0.9, */*;q=0.5";
    let fetched = runtime
        .block_on(fetcher.get(url, crate::fetch::Origin::Remote, accept, &crate::fetch::Conditional::default()))
        .map_err(|e| format!("cannot fetch {url}: {e}"))?;
    match fetched {
        crate::fetch::Fetched::Full(response) => Ok((response.body.to_vec(), Some(response.final_url))),
        crate::fetch::Fetched::NotModified { .. } => Err(format!("cannot fetch {url}: an unexpected 304")),
    }
}

/// Reads a file or standard input, at most `max_bytes`.
fn read_input(path: &PathBuf, max_bytes: usize) -> Result<(Vec<u8>, Option<Url>), String> {
    let name = path.display();
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(file) => Box::new(file),
            Err(e) => return Err(format!("cannot read {name}: {e}")),
        }
    };
    let mut bytes = Vec::new();
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX).saturating_add(1);
    if let Err(e) = reader.take(limit).read_to_end(&mut bytes) {
        return Err(format!("cannot read {name}: {e}"));
    }
    if bytes.len() > max_bytes {
        return Err(format!("{name} is larger than the limit of {max_bytes} bytes (see --max-bytes)"));
    }
    Ok((bytes, None))
}

/// A readable listing of the quotes.
fn render_text(results: &[(Option<ArticleRef>, Extraction)]) -> String {
    let mut out = String::new();
    let mut count = 0;
    for (article, extraction) in results {
        if let Some(article) = article {
            if extraction.quotes.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "== {} ({})\n\n",
                article.title.as_deref().unwrap_or("Untitled"),
                article.url.as_deref().unwrap_or("no link")
            ));
        }
        for quote in &extraction.quotes {
            count += 1;
            let who = match (&quote.author.name, &quote.author.handle) {
                (Some(name), Some(handle)) => format!("{name} (@{handle})"),
                (Some(name), None) => name.clone(),
                (None, Some(handle)) => format!("@{handle}"),
                (None, None) => "Unknown".to_string(),
            };
            out.push_str(&format!("{count}. {who} on {}", quote.platform.label()));
            if let Some(date) = &quote.published {
                out.push_str(&format!(", {date}"));
            }
            out.push('\n');
            for line in quote.text.lines() {
                out.push_str(&format!("   > {line}\n"));
            }
            if let Some(url) = &quote.url {
                out.push_str(&format!("   {url}\n"));
            }
            if let Some(context) = &quote.context {
                out.push_str(&format!("   context: {context}\n"));
            }
            out.push('\n');
        }
    }
    if count == 0 {
        out.push_str("No quotes found.\n");
    }
    out
}
