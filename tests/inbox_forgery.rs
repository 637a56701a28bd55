//! Forged identities at the inbox, each made with a real RSA key: a document that
//! claims to be another actor, a key that is not the one named, a key owned by
//! someone else, a request signed for another server, a replay, a floods of bad
//! signatures, and key ids that are not web URLs. None may add, remove or store
//! anything.

mod common;

use std::time::Duration;

use common::fediverse::{RemoteActor, bolivia_remote, federated, now_date, post, signed_request};
use common::{Remote, Route, get, wait_for};
use quotefeed::activitypub::keys::generate_pem;
use serde_json::json;

/// An attacker with a key of their own on a server of their own.
struct Attacker {
    remote: Remote,
    private_pem: String,
    public_pem: String,
}

impl Attacker {
    fn new() -> Attacker {
        let (private_pem, public_pem) = generate_pem();
        Attacker { remote: Remote::start(), private_pem, public_pem }
    }

    /// Serves `document` at `path`.
    fn serve(&self, path: &str, document: serde_json::Value) {
        self.remote.set(path, Route::activity(document.to_string()));
    }
}

fn follow_as(actor: &str, target: &str, id: &str) -> Vec<u8> {
    json!({"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Follow", "actor": actor, "object": target})
        .to_string()
        .into_bytes()
}

#[test]
fn forged_identities_are_refused_and_nothing_is_stored() {
    let feed = bolivia_remote();
    let (setup, _daemon, base) = federated(&feed, "");
    let inbox = format!("{base}users/news/inbox");
    let target = format!("{base}users/news");
    let host = base.trim_start_matches("http://").trim_end_matches('/').to_string();
    let victim = RemoteActor::new();
    let attacker = Attacker::new();
    let refused = |body: Vec<u8>, key_id: &str, key: &str, what: &str| {
        let response = post(&inbox, &signed_request(&inbox, &body, &now_date(), key, key_id, &host), body);
        assert_eq!(response.status, 401, "{what}: {}", response.text());
        response.text()
    };

    // 1. A document at the attacker's URL claiming the victim's id, with the
    // attacker's key, in a Follow in the victim's name.
    let claimed = attacker.remote.url("/claims-victim");
    attacker.serve(
        "/claims-victim",
        json!({"id": victim.id, "type": "Person", "inbox": attacker.remote.url("/inbox"),
               "publicKey": {"id": format!("{claimed}#main-key"), "owner": victim.id, "publicKeyPem": attacker.public_pem}}),
    );
    let message = refused(
        follow_as(&victim.id, &target, "https://x/1"),
        &format!("{claimed}#main-key"),
        &attacker.private_pem,
        "a document claiming another id",
    );
    assert!(message.contains("another id"), "{message}");

    // 2. The actor's own document, but the keyId names a key it does not list:
    // no falling back to the first key.
    let own = attacker.remote.url("/actor");
    attacker.serve(
        "/actor",
        json!({"id": own, "type": "Person", "inbox": attacker.remote.url("/inbox"),
               "publicKey": {"id": format!("{own}#other-key"), "owner": own, "publicKeyPem": attacker.public_pem}}),
    );
    refused(
        follow_as(&own, &target, "https://x/2"),
        &format!("{own}#main-key"),
        &attacker.private_pem,
        "an unlisted key",
    );

    // 3. The key's owner is someone else.
    let owned = attacker.remote.url("/owned");
    attacker.serve(
        "/owned",
        json!({"id": owned, "type": "Person", "inbox": attacker.remote.url("/inbox"),
               "publicKey": {"id": format!("{owned}#main-key"), "owner": victim.id, "publicKeyPem": attacker.public_pem}}),
    );
    refused(
        follow_as(&owned, &target, "https://x/3"),
        &format!("{owned}#main-key"),
        &attacker.private_pem,
        "a key owned by another",
    );

    // 4. A key document on the attacker's server naming the victim as its owner.
    let key_doc = attacker.remote.url("/keys/1");
    attacker.serve("/keys/1", json!({"id": key_doc, "owner": victim.id, "publicKeyPem": attacker.public_pem}));
    refused(follow_as(&victim.id, &target, "https://x/4"), &key_doc, &attacker.private_pem, "a key on another server");

    // 5. The victim's real key id, signed with the attacker's key.
    refused(
        follow_as(&victim.id, &target, "https://x/5"),
        &format!("{}#main-key", victim.id),
        &attacker.private_pem,
        "the victim's key id with another key",
    );

    // 6. Key ids that are not web URLs: refused before any request, and the
    // daemon keeps answering.
    for key_id in ["file:///etc/passwd", "urn:uuid:1", "", "data:,x", "ftp://127.0.0.1/k"] {
        refused(follow_as(&own, &target, "https://x/6"), key_id, &attacker.private_pem, key_id);
    }
    assert_eq!(get(&format!("{base}healthz")).status, 200);

    assert_eq!(setup.count("followers"), 0, "no forged follow was taken");
    assert_eq!(setup.count("deliveries"), 0);
    assert_eq!(setup.count("remote_actors"), 0, "nothing unverified is stored");
}

#[test]
fn a_flood_of_bad_signatures_fetches_the_key_at_most_twice() {
    let feed = bolivia_remote();
    let (setup, _daemon, base) = federated(&feed, "");
    let inbox = format!("{base}users/news/inbox");
    let tester = RemoteActor::new();
    let (wrong, _) = generate_pem();
    let body = tester.follow(&format!("{base}users/news"));
    for _ in 0..40 {
        let response = post(&inbox, &tester.signed(&inbox, &body, &now_date(), &wrong), body.clone());
        assert_eq!(response.status, 401);
    }
    assert!(tester.remote.hits("/actor") <= 2, "{} fetches of the key", tester.remote.hits("/actor"));
    assert_eq!(setup.count("remote_actors"), 0);
    // The real key still works, and only now is the actor stored.
    let good = post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), body.clone());
    assert_eq!(good.status, 202, "{}", good.text());
    assert_eq!(setup.count("remote_actors"), 1);
    assert_eq!(setup.count("followers"), 1);
}

#[test]
fn requests_signed_for_another_server_or_replayed_change_nothing() {
    let feed = bolivia_remote();
    let (setup, _daemon, base) = federated(&feed, "");
    let inbox = format!("{base}users/news/inbox");
    let target = format!("{base}users/news");
    let tester = RemoteActor::new();
    let key_id = format!("{}#main-key", tester.id);

    // Signed for another server's inbox (its Host), replayed to ours.
    let body = tester.follow(&target);
    let elsewhere = signed_request(&inbox, &body, &now_date(), &tester.private_pem, &key_id, "other.example");
    let response = post(&inbox, &elsewhere, body.clone());
    assert_eq!(response.status, 401, "{}", response.text());
    assert!(response.text().contains("other.example"), "{}", response.text());
    assert_eq!(setup.count("followers"), 0);

    // A follow, its undo, then the follow replayed: the follow stays undone.
    let follow = tester.signed(&inbox, &body, &now_date(), &tester.private_pem);
    assert_eq!(post(&inbox, &follow, body.clone()).status, 202);
    assert_eq!(setup.count("followers"), 1);
    wait_for(Duration::from_secs(10), "the Accept", || tester.remote.hits("/actor/inbox") == 1);
    let undo = json!({"id": format!("{}/undo/1", tester.id), "type": "Undo", "actor": tester.id,
                      "object": {"id": format!("{}/follows/1", tester.id), "type": "Follow", "actor": tester.id, "object": target}})
    .to_string()
    .into_bytes();
    assert_eq!(post(&inbox, &tester.signed(&inbox, &undo, &now_date(), &tester.private_pem), undo).status, 202);
    assert_eq!(setup.count("followers"), 0);
    let replayed = post(&inbox, &follow, body);
    assert_eq!(replayed.status, 202, "a replay is acknowledged ...");
    assert_eq!(setup.count("followers"), 0, "... and ignored");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(tester.remote.hits("/actor/inbox"), 1, "no second Accept");
}
