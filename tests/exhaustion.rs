//! Clients and articles that try to exhaust the daemon: sockets that never send a
//! request or never hang up, more connections than it serves, and quotes of
//! megabytes. Each is bounded.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Remote, Route, Setup, free_port, get, start_serving};

fn daemon_with(server: &str) -> (Setup, common::Daemon, u16) {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(common::fixture("bolivia/feed.xml")));
    let port = free_port();
    let setup = Setup::new(&format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n{server}\n[[sources]]\nname = \"news\"\nurl = \"{}\"\n",
        remote.url("/feed.xml")
    ));
    let daemon = start_serving(&setup, port, 16);
    (setup, daemon, port)
}

/// Whether the server closed the socket (a read gives end of file or an error).
fn closed(stream: &mut TcpStream) -> bool {
    stream.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn idle_sockets_are_closed_and_do_not_starve_others() {
    let (_setup, _daemon, port) = daemon_with("idle_timeout = \"2s\"\nmax_connections = 20");
    let base = format!("http://127.0.0.1:{port}/");
    // Twenty sockets that never send a byte take every connection slot ...
    let mut silent: Vec<TcpStream> = (0..20).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    // ... and one that sent a request, read the answer, and stays.
    let mut kept_alive = TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    // A new client is served once the idle ones are closed, not never.
    assert_eq!(get(&format!("{base}healthz")).status, 200);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(8), "served after {waited:?}");
    for stream in &mut silent {
        assert!(closed(stream), "a silent socket is closed after the idle timeout");
    }
    kept_alive.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(closed(&mut kept_alive), "a kept-alive socket is closed after the idle timeout");
}

#[test]
fn many_idle_sockets_leave_the_server_answering() {
    let (_setup, _daemon, port) = daemon_with("idle_timeout = \"30s\"");
    let _idle: Vec<TcpStream> = (0..500).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    let started = Instant::now();
    assert_eq!(get(&format!("http://127.0.0.1:{port}/healthz")).status, 200);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn a_giant_quote_is_cut_to_the_limit() {
    let giant = "word ".repeat(500_000); // 2.5 MB
    let feed = format!(
        r#"<rss version="2.0"><channel><title>t</title><link>https://news.example/</link><description>d</description>
<item><title>Giant</title><link>https://news.example/giant</link><guid>giant</guid><description><![CDATA[<blockquote class="twitter-tweet"><p>{giant}</p>&mdash; Big (@big) <a href="https://twitter.com/big/status/1195000000000000009">November 20, 2019</a></blockquote>]]></description></item>
</channel></rss>"#
    );
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(feed));
    let setup = Setup::new(&format!(
        "[limits]\nquote_text = 1000\n[[sources]]\nname = \"news\"\nurl = \"{}\"\n",
        remote.url("/feed.xml")
    ));
    setup.poll();
    let (text, html): (String, Option<String>) =
        setup.db().query_row("SELECT text, html FROM quotes", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert!(text.chars().count() <= 1000, "{} characters", text.chars().count());
    assert!(text.ends_with('…'));
    assert_eq!(html, None, "HTML over the limit is dropped; the text is shown");
    assert_eq!(setup.count("events"), 0, "no events are kept for delivery when ActivityPub is off");
}
