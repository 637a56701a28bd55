//! The architecture stays as `docs/ARCHITECTURE.md` draws it: no import cycle among
//! the top-level modules of either crate (checked by `scripts/check_imports.rs`).

#[path = "../scripts/check_imports.rs"]
mod check_imports;

use std::path::Path;

#[test]
fn no_import_cycles_among_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for src in ["src", "crates/quotefeed-extract/src"] {
        let graph = check_imports::graph(&root.join(src));
        assert!(graph.len() > 5, "{src}: modules found: {graph:?}");
        if let Some(cycle) = check_imports::find_cycle(&graph) {
            panic!("{src}: an import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_checker_finds_a_cycle() {
    let mut graph = check_imports::Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(check_imports::find_cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    graph.get_mut("c").unwrap().clear();
    assert_eq!(check_imports::find_cycle(&graph), None);
}
