//! Changing a running daemon's configuration: the file is edited (or SIGHUP sent)
//! and added, removed and changed sources take effect without a restart; a broken
//! configuration is refused and the running one goes on.

mod common;

use std::time::Duration;

use common::{Remote, Route, Setup, fixture, free_port, get, start_serving, wait_for};

fn one_tweet_feed() -> String {
    r#"<rss version="2.0"><channel><title>Extra</title><link>https://extra.example/</link><description>d</description>
<item><title>Extra</title><link>https://extra.example/1</link><guid>e1</guid><description><![CDATA[<p>He said:</p><blockquote class="twitter-tweet"><p>Added while running.</p>&mdash; Late Comer (@latecomer) <a href="https://twitter.com/latecomer/status/1195000000000000077">November 21, 2019</a></blockquote>]]></description></item>
</channel></rss>"#
        .to_string()
}

#[test]
fn sources_added_changed_and_removed_in_a_running_daemon() {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    remote.set("/extra.xml", Route::feed(one_tweet_feed()));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/");
    let server = format!("[server]\nlisten = \"127.0.0.1:{port}\"\n");
    let news =
        format!("[[sources]]\nname = \"news\"\nurl = \"{}\"\nschedule = \"0 0 1 1 *\"\n", remote.url("/feed.xml"));
    let setup = Setup::new(&format!("{server}{news}"));
    let mut daemon = start_serving(&setup, port, 16);

    // A source added to the file is polled, and its feed served, without a restart.
    let extra =
        format!("[[sources]]\nname = \"extra\"\nurl = \"{}\"\nschedule = \"0 0 1 1 *\"\n", remote.url("/extra.xml"));
    setup.write_config(&format!("{server}{news}{extra}"));
    wait_for(Duration::from_secs(20), "the added source's quote", || setup.count("quotes") == 17);
    let feed = get(&format!("{base}feeds/source/extra.atom"));
    assert_eq!(feed.status, 200);
    assert!(feed.text().contains("Added while running."));

    // A configuration that does not validate is refused; the daemon goes on.
    setup.write_config(&format!(
        "{server}{news}{extra}[[sources]]\nname = \"broken\"\nurl = \"x\"\nschedule = \"0 25 * * *\"\n"
    ));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(get(&format!("{base}healthz")).status, 200);

    // A changed schedule takes effect at once: every second, so the feed is fetched again soon.
    let hits = remote.hits("/extra.xml");
    let every_second = extra.replace("0 0 1 1 *", "* * * * * *");
    setup.write_config(&format!("{server}{news}{every_second}"));
    wait_for(Duration::from_secs(20), "polls on the new schedule", || remote.hits("/extra.xml") >= hits + 2);

    // A removed source is no longer polled; SIGHUP rereads the file.
    setup.write_config(&format!("{server}{news}"));
    daemon.signal("HUP");
    std::thread::sleep(Duration::from_secs(4));
    let after = remote.hits("/extra.xml");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(remote.hits("/extra.xml"), after, "no more polls of the removed source");
    assert_eq!(get(&format!("{base}healthz")).status, 200, "SIGHUP does not stop the daemon");

    daemon.signal("TERM");
    let (code, log) = daemon.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("extra: added"), "{log}");
    assert!(log.contains("the configuration was not reloaded") && log.contains("hour field"), "{log}");
    assert!(log.contains("extra: changed, restarted"), "{log}");
    assert!(log.contains("extra: removed from the configuration"), "{log}");
}
