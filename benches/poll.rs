//! Polling at scale: 1,000 sources on a loopback server, one pass that gets every
//! feed (200) and one that gets `304 Not Modified` for all, each run as
//! `quotefeed poll` (wall time, CPU time, peak memory); then the resident memory of
//! an idle `quotefeed run` on the same store.
//!
//! Run with `cargo bench --bench poll`. Each source has its own host name (pinned to
//! 127.0.0.1 in `[fetch.hosts]`), as 1,000 real sources would.

mod common;

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

const SOURCES: usize = 1000;

fn feed(n: usize) -> String {
    let mut items = String::new();
    for i in 0..2 {
        let id = n * 10 + i;
        write!(
            items,
            r#"<item><title>Story {id}</title><link>https://site{n}.example/{id}</link><guid>story-{id}</guid><pubDate>Tue, 12 Nov 2019 17:45:12 +0000</pubDate><content:encoded><![CDATA[<p>The minister said on Tuesday:</p><blockquote class="twitter-tweet"><p lang="en" dir="ltr">Statement number {id}, with a link https://t.co/abc{id}</p>&mdash; Minister {n} (@minister{n}) <a href="https://twitter.com/minister{n}/status/{id}">November 12, 2019</a></blockquote><p>More text follows, as it does in a real article, for a paragraph or two.</p>]]></content:encoded></item>"#
        )
        .unwrap();
    }
    format!(
        r#"<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Site {n}</title><link>https://site{n}.example/</link>{items}</channel></rss>"#
    )
}

/// Runs a command to completion; returns its output, CPU seconds (user + system)
/// and peak RSS in KiB, from `wait4`.
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its resource usage
fn run_measured(command: &mut Command) -> (std::process::Output, f64, i64) {
    let child = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let (mut out, mut err) = (child.stdout.unwrap(), child.stderr.unwrap());
    let reader = std::thread::spawn(move || {
        std::io::Read::read_to_end(&mut err, &mut stderr).unwrap();
        stderr
    });
    std::io::Read::read_to_end(&mut out, &mut stdout).unwrap();
    let stderr = reader.join().unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child, filling the structs we pass.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let output =
        std::process::Output { status: std::os::unix::process::ExitStatusExt::from_raw(status), stdout, stderr };
    (output, seconds(usage.ru_utime) + seconds(usage.ru_stime), usage.ru_maxrss)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let (_server, port) = common::serve_feeds((0..SOURCES).map(feed).collect());

    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\npath = \"bench.db\"\n[fetch]\nconcurrency = 64\n[fetch.hosts]\n",
    );
    for n in 0..SOURCES {
        writeln!(config, "\"feed{n}.bench.test\" = \"127.0.0.1\"").unwrap();
    }
    for n in 0..SOURCES {
        write!(config, "[[sources]]\nname = \"s{n}\"\nurl = \"http://feed{n}.bench.test:{port}/feed/{n}\"\n").unwrap();
    }
    let config_path = dir.path().join("quotefeed.toml");
    std::fs::write(&config_path, config).unwrap();
    let binary = env!("CARGO_BIN_EXE_quotefeed");

    println!("quotefeed poll of {SOURCES} sources on loopback:");
    for pass in ["all 200", "all 304"] {
        let started = Instant::now();
        let (output, cpu, peak_kib) =
            run_measured(Command::new(binary).args(["poll", "--config", config_path.to_str().unwrap()]));
        let wall = started.elapsed();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let report = String::from_utf8_lossy(&output.stdout);
        let failed = report.lines().filter(|l| l.contains(": error:")).count();
        assert_eq!(failed, 0, "{report}");
        let expected = if pass == "all 200" { "200," } else { "304," };
        assert_eq!(report.lines().filter(|l| l.contains(expected)).count(), SOURCES, "{report}");
        println!(
            "  {pass}: wall {:.2} s, CPU {:.2} s, peak RSS {:.1} MiB",
            wall.as_secs_f64(),
            cpu,
            peak_kib as f64 / 1024.0
        );
    }

    let mut daemon = Command::new(binary)
        .args(["run", "--config", config_path.to_str().unwrap()])
        .env("QUOTEFEED_LOG", "warn")
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.id())).unwrap();
    let rss = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap().split_whitespace().nth(1).unwrap();
    println!("  idle `quotefeed run` with {SOURCES} sources: RSS {:.1} MiB", rss.parse::<f64>().unwrap() / 1024.0);
    daemon.kill().unwrap();
    daemon.wait().unwrap();
}
