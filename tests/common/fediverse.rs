//! ActivityPub helpers: a daemon with federation on, and a remote actor with its
//! own key on a loopback server, to sign requests with.

use serde_json::json;

use super::{Remote, Route, Setup, fixture, free_port, request_with_body, start_serving};
use quotefeed::activitypub::keys::{generate_pem, private_key};
use quotefeed::activitypub::signature::{content_digest, digest, sign, sign_rfc9421};

/// A daemon with ActivityPub on, quick retries, reading the bolivia feed.
pub fn federated(remote: &Remote, extra: &str) -> (Setup, super::Daemon, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/");
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\nbase_url = \"{base}\"\n[activitypub]\nenabled = true\nretry_base = \"1s\"\n\
         [fetch]\nallow_private_networks = true\n{extra}\n[[sources]]\nname = \"news\"\nurl = \"{}\"\nschedule = \"0 0 1 1 *\"\n",
        remote.url("/feed.xml")
    );
    let setup = Setup::new(&config);
    let daemon = start_serving(&setup, port, 16);
    (setup, daemon, base)
}

/// A remote serving the bolivia feed at `/feed.xml`.
pub fn bolivia_remote() -> Remote {
    let remote = Remote::start();
    remote.set("/feed.xml", Route::feed(fixture("bolivia/feed.xml")));
    remote
}

/// A remote actor on a loopback server, with its own key, to sign requests with.
pub struct RemoteActor {
    /// The server it lives on.
    pub remote: Remote,
    /// Its id.
    pub id: String,
    /// Its private key.
    pub private_pem: String,
    /// Its public key.
    pub public_pem: String,
}

impl RemoteActor {
    pub fn new() -> RemoteActor {
        let remote = Remote::start();
        let (private_pem, public_pem) = generate_pem();
        let id = remote.url("/actor");
        remote.set("/actor/inbox", Route::Status { status: 202, retry_after: None });
        let actor = RemoteActor { remote, id, private_pem, public_pem };
        actor.publish(None);
        actor
    }

    /// Serves the actor document, with a shared inbox if given.
    pub fn publish(&self, shared_inbox: Option<&str>) {
        let mut document = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.id, "type": "Person", "preferredUsername": "tester", "inbox": self.remote.url("/actor/inbox"),
            "publicKey": {"id": format!("{}#main-key", self.id), "owner": self.id, "publicKeyPem": self.public_pem}
        });
        if let Some(shared) = shared_inbox {
            document["endpoints"] = json!({"sharedInbox": shared});
        }
        self.remote.set("/actor", Route::activity(document.to_string()));
    }

    pub fn follow(&self, target: &str) -> Vec<u8> {
        json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}/follows/1", self.id), "type": "Follow", "actor": self.id, "object": target})
            .to_string()
            .into_bytes()
    }

    /// Headers of a POST of `body` to `url` signed the RFC 9421 way (as Fedify does),
    /// `created` at the given Unix time.
    pub fn signed_rfc9421(&self, url: &str, body: &[u8], created: i64) -> Vec<(String, String)> {
        let parsed = url::Url::parse(url).unwrap();
        let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
        let date = now_date();
        let digest = content_digest(body);
        let key = private_key(&self.private_pem).unwrap();
        let (input, signature) = sign_rfc9421(
            &key,
            &format!("{}#main-key", self.id),
            "POST",
            url,
            &host,
            &[("host", &host), ("date", &date), ("content-digest", &digest)],
            created,
        );
        vec![
            ("host".into(), host),
            ("date".into(), date),
            ("content-digest".into(), digest),
            ("signature-input".into(), input),
            ("signature".into(), signature),
            ("content-type".into(), "application/activity+json".into()),
        ]
    }

    /// Headers of a signed POST of `body` to `url`, with the given date and key.
    pub fn signed(&self, url: &str, body: &[u8], date: &str, key_pem: &str) -> Vec<(String, String)> {
        let parsed = url::Url::parse(url).unwrap();
        let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
        signed_request(url, body, date, key_pem, &format!("{}#main-key", self.id), &host)
    }
}

/// Headers of a POST of `body` to `url` signed by `key_pem` as `key_id`, for the
/// `Host` given (which a forger may choose).
pub fn signed_request(
    url: &str,
    body: &[u8],
    date: &str,
    key_pem: &str,
    key_id: &str,
    host: &str,
) -> Vec<(String, String)> {
    let url = url::Url::parse(url).unwrap();
    let digest = digest(body);
    let key = private_key(key_pem).unwrap();
    let signature = sign(&key, key_id, "POST", url.path(), &[("host", host), ("date", date), ("digest", &digest)]);
    vec![
        ("host".into(), host.to_string()),
        ("date".into(), date.into()),
        ("digest".into(), digest),
        ("signature".into(), signature),
        ("content-type".into(), "application/activity+json".into()),
    ]
}

/// `Date` as HTTP writes it, now.
pub fn now_date() -> String {
    chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// POSTs `body` with these headers.
pub fn post(url: &str, headers: &[(String, String)], body: Vec<u8>) -> super::Fetched {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    request_with_body("POST", url, &headers, body)
}

/// The bolivia feed with one more article quoting a new tweet.
pub fn with_new_tweet(n: u32) -> String {
    let item = format!(
        r#"<item><title>New {n}</title><link>https://news.example/new/{n}</link><guid>new-{n}</guid><pubDate>Wed, 20 Nov 2019 09:00:00 +0000</pubDate><description><![CDATA[<p>Then:</p><blockquote class="twitter-tweet"><p>Fresh quote number {n}.</p>&mdash; Newcomer (@newcomer) <a href="https://twitter.com/newcomer/status/{}">November 20, 2019</a></blockquote>]]></description></item>"#,
        1_195_000_000_000_000_000u64 + u64::from(n)
    );
    fixture("bolivia/feed.xml").replacen("<item>", &format!("{item}<item>"), 1)
}
