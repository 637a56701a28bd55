//! Interoperability with Fedify, an independent ActivityPub implementation run as a
//! peer on loopback with Node.js: it looks our actor up, follows it, verifies our
//! signed Accept and Create, and unfollows. Needs Node.js and the packages pinned in
//! `tests/fedify/package-lock.json`: run with `scripts/test`, which installs them
//! (`cargo test --features interop` runs this set; without them the test fails and
//! says what to install).

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::fediverse::{bolivia_remote, federated, with_new_tweet};
use common::{Remote, Route, fixture, free_port, get, request, request_with_body, wait_for};
use serde_json::{Value, json};

/// The Fedify peer, started with Node.
struct Peer {
    child: Child,
    url: String,
}

impl Peer {
    fn start(port: u16) -> Peer {
        Peer::start_with(port, &[])
    }

    /// A peer in "authorized fetch" mode: it answers only signed GETs.
    fn start_secure(port: u16) -> Peer {
        Peer::start_with(port, &["secure"])
    }

    fn start_with(port: u16, args: &[&str]) -> Peer {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fedify");
        assert!(
            dir.join("node_modules/@fedify/fedify").exists(),
            "the Fedify peer needs its packages: cd tests/fedify && npm ci (.ci/run does this)"
        );
        let child = Command::new("node")
            .arg("peer.mjs")
            .arg(port.to_string())
            .args(args)
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let url = format!("http://127.0.0.1:{port}");
        wait_for(Duration::from_secs(30), "the Fedify peer", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Peer { child, url }
    }

    fn control(&self, path: &str, input: Value) -> Value {
        let response = request_with_body(
            "POST",
            &format!("{}/control/{path}", self.url),
            &[("content-type", "application/json")],
            input.to_string().into_bytes(),
        );
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        serde_json::from_slice(&response.body).unwrap()
    }

    /// The GETs the peer answered for `path`: status and signature scheme.
    fn gets(&self, path: &str) -> Vec<Value> {
        let all = self.control("received", json!({}));
        all["gets"].as_array().unwrap().iter().filter(|g| g["path"] == path).cloned().collect()
    }

    fn received(&self, kind: &str) -> Vec<Value> {
        let all = self.control("received", json!({}));
        all["received"].as_array().unwrap().iter().filter(|a| a["type"] == kind).cloned().collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn fedify_follows_receives_a_signed_note_and_unfollows() {
    let remote = bolivia_remote();
    let (setup, _daemon, base) = federated(&remote, "");
    let peer = Peer::start(free_port());
    let actor = format!("{base}users/news");

    let looked_up = peer.control("lookup", json!({"url": actor}));
    assert_eq!(looked_up["found"], true, "{looked_up}");
    assert_eq!(looked_up["type"], "Service");
    assert_eq!(looked_up["preferredUsername"], "news");
    assert_eq!(looked_up["sharedInbox"], format!("{base}inbox"));
    assert_eq!(looked_up["publicKeyOwner"], actor);
    assert_eq!(looked_up["manuallyApprovesFollowers"], false);

    let follow = peer.control("follow", json!({"actor": actor}));
    wait_for(Duration::from_secs(20), "Fedify to receive our signed Accept", || !peer.received("Accept").is_empty());
    let accept = &peer.received("Accept")[0];
    assert_eq!(accept["actor"], actor);
    assert_eq!(accept["objectId"], follow["followId"], "it accepts that Follow");
    assert_eq!(setup.count("followers"), 1);

    // A new article: quotefeed polls it and posts the new quote to the follower,
    // with its hashtag and its picture, to the public and the followers.
    let picture = "https://pbs.twimg.com/media/FerryPic1?format=jpg&name=large";
    let tweet = with_new_tweet(1).replacen(
        "Fresh quote number 1.",
        &format!("Fresh quote number 1. #HarbourLife <a href=\"{}\">pic</a>", picture.replace('&', "&amp;")),
        1,
    );
    remote.set("/feed.xml", Route::feed(tweet));
    assert!(setup.poll().contains("1 quote added"));
    wait_for(Duration::from_secs(30), "Fedify to receive a signed Create(Note)", || {
        !peer.received("Create").is_empty()
    });
    let creates = peer.received("Create");
    assert_eq!(creates.len(), 1, "only the new quote is posted: {creates:?}");
    let create = &creates[0];
    assert_eq!(create["actor"], actor);
    assert!(create["content"].as_str().unwrap().contains("Fresh quote number 1."), "{create:?}");
    assert_eq!(
        create["tags"],
        json!([{"type": "Hashtag", "name": "#harbourlife", "href": format!("{base}tags/harbourlife")}]),
        "{create:?}"
    );
    assert_eq!(create["attachments"], json!([{"type": "Document", "mediaType": "image/jpeg", "url": picture}]));
    assert_eq!(create["to"], json!(["https://www.w3.org/ns/activitystreams#Public"]));
    assert_eq!(create["cc"], json!([format!("{actor}/followers")]));
    let errors = peer.control("received", json!({}))["errors"].clone();
    assert_eq!(errors, json!([]), "Fedify found nothing wrong");

    peer.control("unfollow", json!({"actor": actor}));
    wait_for(Duration::from_secs(20), "the unfollow", || setup.count("followers") == 0);
    remote.set("/feed.xml", Route::feed(with_new_tweet(2)));
    assert!(setup.poll().contains("1 quote added"));
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(peer.received("Create").len(), 1, "nothing more goes to a former follower");
    assert_eq!(setup.count("deliveries"), 0);
}

#[test]
fn fedify_reads_an_authors_profile_follows_it_and_receives_its_next_quote() {
    let remote = bolivia_remote();
    let (setup, _daemon, base) = federated(&remote, "");
    // A first quote by @newcomer makes their account.
    remote.set("/feed.xml", Route::feed(with_new_tweet(1)));
    assert!(setup.poll().contains("1 quote added"));
    let peer = Peer::start(free_port());
    let actor = format!("{base}users/twitter.newcomer");

    let looked_up = peer.control("lookup", json!({"url": actor}));
    assert_eq!(looked_up["found"], true, "{looked_up}");
    assert_eq!(looked_up["preferredUsername"], "twitter.newcomer");
    assert_eq!(looked_up["iconUrl"], format!("{actor}/avatar.png"), "{looked_up}");
    assert_eq!(looked_up["iconMediaType"], "image/png");
    assert_eq!(looked_up["imageUrl"], format!("{actor}/header.png"));
    assert_eq!(looked_up["featured"], format!("{actor}/featured"));
    let fields = looked_up["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f == "Atom"), "profile fields: {fields:?}");

    peer.control("follow", json!({"actor": actor}));
    wait_for(Duration::from_secs(20), "Fedify to receive our signed Accept", || !peer.received("Accept").is_empty());
    // Their next quote, in another article, reaches the follower from their account.
    remote.set("/feed.xml", Route::feed(with_new_tweet(2)));
    assert!(setup.poll().contains("1 quote added"));
    wait_for(Duration::from_secs(30), "the author's next quote", || !peer.received("Create").is_empty());
    let creates = peer.received("Create");
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0]["actor"], actor);
    assert!(creates[0]["content"].as_str().unwrap().contains("Fresh quote number 2."), "{:?}", creates[0]);
    assert_eq!(peer.control("received", json!({}))["errors"], json!([]), "Fedify found nothing wrong");
}

/// The bolivia feed with one more article, embedding the peer's post `/@peer/1`
/// the way Mastodon's embed code does (an iframe, no text).
fn with_peer_post(peer: &Peer) -> String {
    let item = format!(
        r#"<item><title>Ferries</title><link>https://news.example/ferries</link><guid>ferries</guid><pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate><description><![CDATA[<p>The harbour said:</p><iframe src="{}/@peer/1/embed" class="mastodon-embed" width="400"></iframe>]]></description></item>"#,
        peer.url
    );
    fixture("bolivia/feed.xml").replacen("<item>", &format!("{item}<item>"), 1)
}

#[test]
fn a_fedify_server_in_secure_mode_follows_us_and_its_post_resolves_through_signed_gets() {
    let peer = Peer::start_secure(free_port());
    let unsigned = request("GET", &format!("{}/users/peer", peer.url), &[("accept", "application/activity+json")]);
    assert_eq!(unsigned.status, 401, "the peer refuses unsigned GETs: {}", unsigned.text());

    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(with_peer_post(&peer)));
    let (setup, _daemon, base) = federated(&remote, "");
    wait_for(Duration::from_secs(20), "the peer's post to become a quote", || setup.count("quotes") == 17);
    // The first poll fetched the peer's post with a signed GET and made it a quote.
    let feed: Value = serde_json::from_str(&get(&format!("{base}feeds/all.json")).text()).unwrap();
    let items = feed["items"].as_array().unwrap();
    let ferries = items
        .iter()
        .find(|i| i["content_text"].as_str().unwrap_or("").contains("Ferries run again tonight"))
        .expect("the peer's post is a quote");
    assert_eq!(ferries["_quotefeed"]["resolved"], true, "{ferries}");
    let post_gets = peer.gets("/@peer/1");
    assert!(post_gets.iter().any(|g| g["status"] == 200), "the post was served to a signed GET: {post_gets:?}");
    assert!(post_gets.iter().all(|g| g["scheme"] != "none"), "every GET was signed: {post_gets:?}");
    assert_eq!(post_gets[0]["scheme"], "rfc9421", "the first knock is RFC 9421, which Fedify verifies");

    // The peer follows @all: we fetch its key with a signed GET and accept.
    let actor = format!("{base}users/all");
    peer.control("follow", json!({"actor": actor}));
    wait_for(Duration::from_secs(20), "the secure peer to receive our Accept", || !peer.received("Accept").is_empty());
    let actor_gets = peer.gets("/users/peer");
    assert!(actor_gets.iter().any(|g| g["status"] == 200 && g["scheme"] == "rfc9421"), "{actor_gets:?}");
    // The first GET is the test's own unsigned one above; all of quotefeed's are signed.
    assert!(actor_gets[1..].iter().all(|g| g["scheme"] != "none"), "{actor_gets:?}");
    assert_eq!(peer.control("received", json!({}))["errors"], json!([]), "Fedify found nothing wrong");

    // The instance actor that signed those GETs is an Application with a key.
    let instance = request("GET", &format!("{base}actor"), &[("accept", "application/activity+json")]);
    let instance: Value = serde_json::from_slice(&instance.body).unwrap();
    assert_eq!(instance["type"], "Application");
    assert_eq!(instance["publicKey"]["id"], format!("{base}actor#main-key"));
}

#[test]
fn our_note_asks_leave_to_quote_a_fedify_post_and_fedify_gets_leave_to_quote_ours() {
    let peer = Peer::start(free_port());
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(with_peer_post(&peer)));
    let (setup, _daemon, base) = federated(&remote, "");
    wait_for(Duration::from_secs(20), "the peer's post to become a quote", || setup.count("quotes") == 17);
    let post = format!("{}/@peer/1", peer.url);

    // Each of our notes of the peer's post (@all, @news; a handle with a port makes
    // no author account) asks the post's author; the peer approves with a stamp,
    // which we fetch and check.
    wait_for(Duration::from_secs(30), "two QuoteRequests", || peer.received("QuoteRequest").len() == 2);
    let requests = peer.received("QuoteRequest");
    assert!(requests.iter().all(|r| r["objectId"] == post), "{requests:?}");
    // The post is fetched once to become a quote and once for its author, however
    // many of our notes ask.
    assert_eq!(peer.gets("/@peer/1").len(), 2, "{:?}", peer.gets("/@peer/1"));
    let ours = requests.iter().find(|r| r["actor"] == format!("{base}users/all")).expect("@all asked");
    let note_url = ours["instrumentId"].as_str().unwrap().to_string();
    assert!(note_url.starts_with(&format!("{base}users/all/quotes/")), "{note_url}");
    let note = || -> Value {
        let answer = request("GET", &note_url, &[("accept", "application/activity+json")]);
        serde_json::from_slice(&answer.body).unwrap()
    };
    wait_for(Duration::from_secs(20), "the approval to be kept", || note()["quoteAuthorization"].is_string());
    let note = note();
    assert_eq!(note["quoteAuthorization"], ours["stampId"]);
    assert_eq!(note["quote"], post);
    let approved: i64 =
        setup.db().query_row("SELECT COUNT(*) FROM quote_requests WHERE state = 'accepted'", [], |r| r.get(0)).unwrap();
    assert_eq!(approved, 2);

    // The other way: Fedify posts a note quoting one of ours and asks; we approve
    // with a stamp that Fedify dereferences.
    let quote_id = &setup.quote_ids()[0];
    let target = format!("{base}users/news/quotes/{quote_id}");
    let asked = peer.control("quote", json!({"note": target}));
    wait_for(Duration::from_secs(20), "our Accept of Fedify's QuoteRequest", || {
        peer.received("Accept").iter().any(|a| a["resultId"].is_string())
    });
    let accept = peer.received("Accept").into_iter().find(|a| a["resultId"].is_string()).unwrap();
    assert_eq!(accept["actor"], format!("{base}users/news"));
    let stamp = &accept["stamp"];
    assert_eq!(stamp["type"], "QuoteAuthorization", "{accept}");
    assert_eq!(stamp["attributedTo"], format!("{base}users/news"));
    assert_eq!(stamp["interactingObject"], asked["quotingId"]);
    assert_eq!(stamp["interactionTarget"], target);
    assert_eq!(peer.control("received", json!({}))["errors"], json!([]), "Fedify found nothing wrong");
}
