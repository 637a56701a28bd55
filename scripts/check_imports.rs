//! Checks that the top-level modules of a crate import one another without a
//! cycle: reads every `crate::NAME` (and, in a top-level module's own file,
//! `super::NAME`) in `src/`, builds the graph of which module uses which, and
//! reports any cycle. A Rust file rather than a shell script so that it runs
//! wherever `cargo test` does: `tests/architecture.rs` includes it and runs it
//! over both crates.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Which top-level module each other top-level module refers to.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// The graph of a crate whose sources are in `src`.
pub fn graph(src: &Path) -> Graph {
    let mut modules: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(src).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if path.is_dir() || (path.extension().is_some_and(|e| e == "rs") && !matches!(name.as_str(), "lib" | "main")) {
            modules.insert(name);
        }
    }
    let mut graph: Graph = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    let mut files = vec![src.to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("readable") {
                files.push(entry.expect("a directory entry").path());
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).expect("under src");
        let mut parts = relative.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string());
        let Some(module) = parts.next().filter(|m| modules.contains(m)) else { continue };
        // In src/NAME.rs and src/NAME/mod.rs, `super` is the crate root.
        let rest: Vec<String> = parts.collect();
        let super_is_root = rest.is_empty() || rest == ["mod"];
        let text = std::fs::read_to_string(&path).expect("readable");
        let mut used = referenced(&text, "crate::");
        if super_is_root {
            used.extend(referenced(&text, "super::"));
        }
        for other in used.into_iter().filter(|u| *u != module && modules.contains(u)) {
            graph.get_mut(&module).expect("a module").insert(other);
        }
    }
    graph
}

/// The first path segments after each `prefix` in `text`, braces expanded one level:
/// `crate::store::call` and `crate::{store, fetch::Fetcher}` give `store` (and `fetch`).
fn referenced(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (at, _) in text.match_indices(prefix) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `quotefeed_crate::…`, not ours
        }
        let rest = &text[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(group.split(',').map(|item| ident(item.trim())).filter(|n| !n.is_empty()));
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// A cycle in the graph, as the modules on it (the first repeated at the end).
pub fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, done: &mut BTreeSet<String>, path: &mut Vec<String>) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}
