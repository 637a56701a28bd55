//! `quotefeed sources` as an operator uses it: adding, listing and removing sources
//! edits the configuration file in place (comments kept), a change that would not
//! validate is refused and leaves the file alone, and a real feed reader's OPML
//! export of 50 feeds is imported (and exported back).

mod common;

use common::{Setup, stderr, stdout};

const CONFIG: &str = "# My quotefeed\n[server]\nlisten = \"127.0.0.1:8089\" # the port\n\n# The first source.\n[[sources]]\nname = \"local\"\nurl = \"feed.xml\"\n";

#[test]
fn sources_are_added_listed_and_removed_in_place() {
    let setup = Setup::new(CONFIG);
    let run = |args: &[&str]| setup.quotefeed(args);
    let added = run(&["sources", "add", "https://www.news.example/feed/", "--schedule", "@hourly"]);
    assert!(added.status.success(), "{}", stderr(&added));
    assert_eq!(stdout(&added), "added news-example: https://www.news.example/feed/\n");
    let named = run(&["sources", "add", "https://news.example/world", "--name", "world"]);
    assert!(named.status.success(), "{}", stderr(&named));
    let listed = stdout(&run(&["sources", "list"]));
    assert_eq!(
        listed,
        "local\t".to_string()
            + &setup.dir.path().join("feed.xml").display().to_string()
            + "\t*/15 * * * *\nnews-example\thttps://www.news.example/feed/\t@hourly\nworld\thttps://news.example/world\t*/15 * * * *\n"
    );
    let text = std::fs::read_to_string(setup.config_path()).unwrap();
    for kept in ["# My quotefeed", "# the port", "# The first source."] {
        assert!(text.contains(kept), "the comment {kept:?} is kept: {text}");
    }

    let before = std::fs::read_to_string(setup.config_path()).unwrap();
    let bad = run(&["sources", "add", "https://x.example/", "--schedule", "0 25 * * *"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("the hour field \"25\""), "{}", stderr(&bad));
    let taken = run(&["sources", "add", "https://y.example/", "--name", "world"]);
    assert!(stderr(&taken).contains("exists already"), "{}", stderr(&taken));
    assert_eq!(std::fs::read_to_string(setup.config_path()).unwrap(), before, "a refused change leaves the file");

    let removed = run(&["sources", "remove", "news-example"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(!stdout(&run(&["sources", "list"])).contains("news-example"));
    assert!(stderr(&run(&["sources", "remove", "nothing"])).contains("no source named nothing"));
    assert!(setup.quotefeed(&["check"]).status.success());
}

#[test]
fn a_real_opml_export_of_50_feeds_is_imported_and_exported() {
    let setup = Setup::new(CONFIG);
    let opml = common::fixture_path("opml/engineering-blogs.opml");
    let imported = setup.quotefeed(&["sources", "import", opml.to_str().unwrap(), "--schedule", "@daily"]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(stdout(&imported).starts_with("imported 50 sources"), "{}", stdout(&imported));
    let again = setup.quotefeed(&["sources", "import", opml.to_str().unwrap()]);
    assert!(stdout(&again).starts_with("imported 0 sources") && stdout(&again).contains("skipped 50"));
    let listed = stdout(&setup.quotefeed(&["sources", "list"]));
    assert_eq!(listed.lines().count(), 51);
    assert!(listed.contains("aws\thttps://aws.amazon.com/blogs/aws/feed/\t@daily"), "{listed}");
    let check = setup.quotefeed(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));

    let exported = setup.quotefeed(&["sources", "export"]);
    assert!(exported.status.success());
    let document = opml::OPML::from_str(&stdout(&exported)).expect("the export is OPML");
    assert_eq!(document.version, "2.0");
    assert_eq!(document.body.outlines.len(), 51);
    assert!(
        document.body.outlines.iter().any(|o| o.xml_url.as_deref() == Some("https://aws.amazon.com/blogs/aws/feed/"))
    );
}
