//! ActivityPub as Mastodon and other servers see it: WebFinger, actors, signed
//! inboxes, and deliveries — against Fedify, an independent implementation running
//! as a peer on loopback, and against hand-made requests for what must be refused.

mod common;

use std::time::Duration;

use common::fediverse::{RemoteActor, bolivia_remote, federated, now_date, post, with_new_tweet};
use common::{Daemon, Remote, Route, Setup, fixture, free_port, get, request, start_serving, wait_for};
use quotefeed::activitypub::keys::generate_pem;
use serde_json::{Value, json};

fn activity_json(url: &str) -> Value {
    let response = request("GET", url, &[("accept", "application/activity+json")]);
    assert_eq!(response.status, 200, "{url}: {}", response.text());
    assert!(response.header("content-type").unwrap().starts_with("application/activity+json"), "{url}");
    serde_json::from_slice(&response.body).unwrap()
}

#[test]
fn webfinger_actor_and_nodeinfo_have_the_expected_shapes() {
    let remote = bolivia_remote();
    let (_setup, _daemon, base) = federated(&remote, "");
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let finger = get(&format!("{base}.well-known/webfinger?resource=acct:news@{host}"));
    assert_eq!(finger.status, 200);
    assert_eq!(finger.header("content-type"), Some("application/jrd+json; charset=utf-8"));
    let jrd: Value = serde_json::from_slice(&finger.body).unwrap();
    // The instance actor, named the way Mastodon names its own (acct:HOST@HOST).
    let instance: Value =
        serde_json::from_slice(&get(&format!("{base}.well-known/webfinger?resource=acct:{host}@{host}")).body).unwrap();
    assert_eq!(instance["links"][0]["href"], format!("{base}actor"));
    let application = activity_json(&format!("{base}actor"));
    assert_eq!(application["type"], "Application");
    assert_eq!(application["publicKey"]["owner"], format!("{base}actor"));
    assert_eq!(application["inbox"], format!("{base}inbox"));
    assert!(application["publicKey"]["publicKeyPem"].as_str().unwrap().contains("PUBLIC KEY"));
    // Every account says when it started (Mastodon's "Joined"): when its key was made.
    let joined = |actor: &Value| chrono::DateTime::parse_from_rfc3339(actor["published"].as_str().unwrap()).unwrap();
    assert!((chrono::Utc::now() - joined(&application).to_utc()).num_minutes() < 5);
    assert!((chrono::Utc::now() - joined(&activity_json(&format!("{base}users/news"))).to_utc()).num_minutes() < 5);
    let actor_id = format!("{base}users/news");
    assert_eq!(
        jrd,
        json!({
            "subject": format!("acct:news@{host}"),
            "aliases": [actor_id, format!("{base}sources/news")],
            "links": [
                {"rel": "self", "type": "application/activity+json", "href": actor_id},
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": format!("{base}sources/news")}
            ]
        })
    );
    let by_url: Value =
        serde_json::from_slice(&get(&format!("{base}.well-known/webfinger?resource={actor_id}")).body).unwrap();
    assert_eq!(by_url["subject"], format!("acct:news@{host}"));
    assert_eq!(get(&format!("{base}.well-known/webfinger?resource=acct:nobody@{host}")).status, 404);
    assert_eq!(get(&format!("{base}.well-known/webfinger")).status, 400);

    let actor = activity_json(&actor_id);
    let keys: Vec<&str> = actor.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "@context",
        "id",
        "type",
        "preferredUsername",
        "name",
        "summary",
        "url",
        "icon",
        "inbox",
        "outbox",
        "followers",
        "following",
        "endpoints",
        "publicKey",
        "manuallyApprovesFollowers",
        "discoverable",
        "attachment",
    ] {
        assert!(keys.contains(&key), "the actor has {key}: {actor}");
    }
    assert_eq!(actor["id"], actor_id);
    assert_eq!(actor["type"], "Service");
    assert_eq!(actor["preferredUsername"], "news", "preferredUsername + host loops back to the acct:");
    assert_eq!(actor["inbox"], format!("{actor_id}/inbox"));
    assert_eq!(actor["endpoints"]["sharedInbox"], format!("{base}inbox"));
    assert_eq!(actor["publicKey"]["id"], format!("{actor_id}#main-key"));
    assert_eq!(actor["publicKey"]["owner"], actor_id);
    assert!(actor["publicKey"]["publicKeyPem"].as_str().unwrap().starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(actor["manuallyApprovesFollowers"], false);
    assert_eq!(actor["discoverable"], true);
    assert_eq!(actor["@context"][2]["manuallyApprovesFollowers"], "as:manuallyApprovesFollowers", "terms are inline");
    let attachments = actor["attachment"].as_array().unwrap();
    assert!(attachments.iter().all(|a| a["type"] == "PropertyValue"));
    assert!(
        attachments
            .iter()
            .any(|a| a["name"] == "Atom" && a["value"].as_str().unwrap().contains("feeds/source/news.atom"))
    );
    assert!(actor["summary"].as_str().unwrap().contains("feeds/source/news.rss"));
    // Generated pictures: an avatar and a header per account, valid PNGs of their size.
    for (field, size) in [("icon", (400, 400)), ("image", (1500, 500))] {
        let url = actor[field]["url"].as_str().unwrap();
        assert!(url.starts_with(&actor_id), "{url}");
        let picture = get(url);
        assert_eq!(picture.header("content-type"), Some("image/png"));
        let info = png::Decoder::new(std::io::Cursor::new(picture.body)).read_info().unwrap().info().clone();
        assert_eq!((info.width, info.height), size);
    }
    let all = activity_json(&format!("{base}users/all"));
    assert_ne!(get(all["icon"]["url"].as_str().unwrap()).body, get(actor["icon"]["url"].as_str().unwrap()).body);
    let ld = request(
        "GET",
        &actor_id,
        &[("accept", "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"")],
    );
    assert!(ld.header("content-type").unwrap().starts_with("application/activity+json"));
    let html = request("GET", &actor_id, &[("accept", "text/html")]);
    assert_eq!(html.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(html.text().contains("Quotes from Example News"), "a browser gets the source's page");
    assert_eq!(activity_json(&format!("{base}users/all"))["preferredUsername"], "all");
    assert_eq!(request("GET", &format!("{base}users/nobody"), &[("accept", "application/activity+json")]).status, 404);

    // Pinned posts: the actor's most cited quotes (all cited once here: newest first).
    assert_eq!(actor["featured"], format!("{actor_id}/featured"));
    let featured = activity_json(&format!("{actor_id}/featured"));
    assert_eq!(featured["type"], "OrderedCollection");
    let pinned = featured["orderedItems"].as_array().unwrap();
    assert_eq!((featured["totalItems"].as_i64(), pinned.len()), (Some(5), 5));
    assert!(pinned.iter().all(|n| n["type"] == "Note" && n["attributedTo"] == actor_id.as_str()));

    let outbox = activity_json(&format!("{actor_id}/outbox"));
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 16);
    let page = activity_json(outbox["first"].as_str().unwrap());
    assert_eq!(page["type"], "OrderedCollectionPage");
    let items = page["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 16);
    let create = &items[0];
    assert_eq!(create["type"], "Create");
    assert_eq!(create["object"]["type"], "Note");
    assert_eq!(create["object"]["attributedTo"], actor_id);
    assert_eq!(create["object"]["to"], json!(["https://www.w3.org/ns/activitystreams#Public"]));
    assert_eq!(create["object"]["cc"], json!([format!("{actor_id}/followers")]));
    assert!(create["object"].get("summary").is_none(), "no content warning");
    let note_id = create["object"]["id"].as_str().unwrap();
    assert_eq!(activity_json(note_id)["content"], create["object"]["content"], "notes can be fetched");
    // Hashtags: a `tag` entry per tag whose href is our /tags page, and the same link
    // in the content, as Mastodon marks hashtags.
    let tag_page = format!("{base}tags/bolivia");
    let tagged = items
        .iter()
        .find(|i| i["object"]["content"].as_str().unwrap().contains(&format!("href=\"{tag_page}\"")))
        .unwrap();
    assert!(tagged["object"]["content"].as_str().unwrap().contains("rel=\"tag\">#<span>Bolivia</span></a>"));
    assert!(
        tagged["object"]["tag"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["type"] == "Hashtag" && t["name"] == "#bolivia" && t["href"] == tag_page.as_str())
    );
    let page = get(&tag_page);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("#bolivia"), "the tag's page lists its quotes");

    let links: Value = serde_json::from_slice(&get(&format!("{base}.well-known/nodeinfo")).body).unwrap();
    let nodeinfo_url = links["links"][0]["href"].as_str().unwrap().to_string();
    assert_eq!(links["links"][0]["rel"], "http://nodeinfo.diaspora.software/ns/schema/2.1");
    let nodeinfo: Value = serde_json::from_slice(&get(&nodeinfo_url).body).unwrap();
    assert_eq!(nodeinfo["version"], "2.1");
    assert_eq!(nodeinfo["software"]["name"], "quotefeed");
    assert_eq!(nodeinfo["protocols"], json!(["activitypub"]));
    assert_eq!(nodeinfo["usage"]["localPosts"], 16);
}

#[test]
fn the_inbox_refuses_what_is_not_properly_signed() {
    let remote = bolivia_remote();
    let (setup, _daemon, base) = federated(&remote, "");
    let tester = RemoteActor::new();
    let inbox = format!("{base}users/news/inbox");
    let target = format!("{base}users/news");
    let body = tester.follow(&target);
    let followers = || setup.count("followers");

    let unsigned = post(&inbox, &[("content-type".into(), "application/activity+json".into())], body.clone());
    assert_eq!(unsigned.status, 401, "unsigned: {}", unsigned.text());

    let (other_key, _) = generate_pem();
    let wrong_key = post(&inbox, &tester.signed(&inbox, &body, &now_date(), &other_key), body.clone());
    assert_eq!(wrong_key.status, 401, "signed with another key: {}", wrong_key.text());

    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let digest_mismatch =
        post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), tampered.clone());
    assert_eq!(digest_mismatch.status, 401, "digest mismatch: {}", digest_mismatch.text());
    assert!(digest_mismatch.text().contains("Digest"));

    let two_hours_ago =
        (chrono::Utc::now() - chrono::Duration::hours(2)).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let stale = post(&inbox, &tester.signed(&inbox, &body, &two_hours_ago, &tester.private_pem), body.clone());
    assert_eq!(stale.status, 401, "stale date: {}", stale.text());

    let huge = vec![b' '; 2 * 1024 * 1024];
    let too_big = post(&inbox, &tester.signed(&inbox, &huge, &now_date(), &tester.private_pem), huge);
    assert_eq!(too_big.status, 413, "a 2 MiB body");

    // RFC 9421: what it signs must cover the method, target and body; it must be
    // fresh; and it must be the body that was signed.
    let now = chrono::Utc::now().timestamp();
    let mut partial = tester.signed_rfc9421(&inbox, &body, now);
    for (name, value) in &mut partial {
        if name == "signature-input" {
            *value = format!("sig1=(\"@method\" \"@target-uri\");keyid=\"{}#main-key\";created={now}", tester.id);
        }
    }
    let refused = post(&inbox, &partial, body.clone());
    assert_eq!(refused.status, 401);
    assert!(refused.text().contains("content-digest"), "{}", refused.text());
    let garbled = post(
        &inbox,
        &tester
            .signed(&inbox, &body, &now_date(), &tester.private_pem)
            .into_iter()
            .chain([("signature-input".to_string(), "sig1=(".to_string())])
            .collect::<Vec<_>>(),
        body.clone(),
    );
    assert_eq!(garbled.status, 401, "{}", garbled.text());
    let stale = post(&inbox, &tester.signed_rfc9421(&inbox, &body, now - 7200), body.clone());
    assert_eq!(stale.status, 401, "{}", stale.text());
    let other_body = post(&inbox, &tester.signed_rfc9421(&inbox, &body, now), tampered.clone());
    assert_eq!(other_body.status, 401, "{}", other_body.text());
    assert!(other_body.text().contains("Content-Digest"), "{}", other_body.text());
    let elsewhere = format!("{base}users/other/inbox");
    let misdirected = post(&inbox, &tester.signed_rfc9421(&elsewhere, &body, now), body.clone());
    assert_eq!(misdirected.status, 401, "signed for another URL: {}", misdirected.text());

    let impostor = json!({"id": "x", "type": "Follow", "actor": "http://127.0.0.1:1/someone-else", "object": target})
        .to_string()
        .into_bytes();
    let not_owner = post(&inbox, &tester.signed(&inbox, &impostor, &now_date(), &tester.private_pem), impostor);
    assert_eq!(not_owner.status, 401, "key owner is not the actor: {}", not_owner.text());

    assert_eq!(followers(), 0, "nothing refused changed anything");
    assert_eq!(setup.count("deliveries"), 0);

    // When our store fails, the sender is told to retry (5xx), not that its Follow
    // is malformed, and our database's details stay in our log.
    let writer = rusqlite::Connection::open(setup.db_path()).unwrap();
    writer.execute_batch("ALTER TABLE followers RENAME TO followers_away").unwrap();
    let store_down = post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), body.clone());
    writer.execute_batch("ALTER TABLE followers_away RENAME TO followers").unwrap();
    assert_eq!(store_down.status, 503, "{}", store_down.text());
    assert!(!store_down.text().contains(".db"), "{}", store_down.text());
    assert_eq!((followers(), setup.count("deliveries")), (0, 0));

    // The same Follow, properly signed (RFC 9421, as Fedify's first knock), is
    // accepted, and an Accept goes back.
    let accepted = post(&inbox, &tester.signed_rfc9421(&inbox, &body, chrono::Utc::now().timestamp()), body.clone());
    assert_eq!(accepted.status, 202, "{}", accepted.text());
    assert_eq!(followers(), 1);
    wait_for(Duration::from_secs(10), "the Accept", || tester.remote.hits("/actor/inbox") == 1);
    let accept: Value = serde_json::from_slice(&tester.remote.bodies("/actor/inbox")[0]).unwrap();
    assert_eq!(accept["type"], "Accept");
    assert_eq!(accept["object"]["id"], format!("{}/follows/1", tester.id));
    // Signed the RFC 9421 way (the tester's server accepts it), over the body's digest.
    let input = tester.remote.last_header("/actor/inbox", "signature-input").unwrap();
    assert!(
        input.starts_with(
            "sig1=(\"@method\" \"@target-uri\" \"@authority\" \"host\" \"date\" \"content-digest\");alg=\"rsa-v1_5-sha256\""
        ),
        "{input}"
    );
    assert!(input.contains(&format!("keyid=\"{target}#main-key\"")), "{input}");
    let digest = tester.remote.last_header("/actor/inbox", "content-digest").unwrap();
    let expected = {
        use base64::Engine as _;
        use sha2::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&tester.remote.bodies("/actor/inbox")[0]))
    };
    assert_eq!(digest, format!("sha-256=:{expected}:"));
    // The shared inbox takes activities too; an unknown activity is accepted and ignored.
    let like = json!({"id": "l", "type": "Like", "actor": tester.id, "object": target}).to_string().into_bytes();
    let shared = format!("{base}inbox");
    assert_eq!(post(&shared, &tester.signed(&shared, &like, &now_date(), &tester.private_pem), like).status, 202);
    assert_eq!(followers(), 1);
}

#[test]
fn a_pending_delivery_survives_a_restart_and_arrives_once() {
    let remote = bolivia_remote();
    let tester = RemoteActor::new();
    // The follower's server (its shared inbox) is down at first.
    let down_port = free_port();
    tester.publish(Some(&format!("http://127.0.0.1:{down_port}/inbox")));

    let (setup, mut daemon, base) = federated(&remote, "");
    let inbox = format!("{base}inbox");
    let target = format!("{base}users/news");
    let body = tester.follow(&target);
    assert_eq!(post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), body).status, 202);
    wait_for(Duration::from_secs(10), "the Accept", || tester.remote.hits("/actor/inbox") == 1);

    remote.set("/feed.xml", Route::feed(with_new_tweet(7)));
    assert!(setup.poll().contains("1 quote added"));
    let attempts = || -> i64 {
        setup.db().query_row("SELECT COALESCE(MAX(attempts), 0) FROM deliveries", [], |r| r.get(0)).unwrap()
    };
    wait_for(Duration::from_secs(20), "a failed delivery", || attempts() >= 1);
    daemon.signal("TERM");
    daemon.wait(Duration::from_secs(6));
    assert_eq!(setup.count("deliveries"), 1, "the delivery is still queued");

    // The follower's server comes back; so does quotefeed.
    let server = Remote::start_on(down_port);
    server.set("/inbox", Route::Status { status: 202, retry_after: None });
    let _daemon = start_serving(&setup, url::Url::parse(&base).unwrap().port().unwrap(), 16);
    wait_for(Duration::from_secs(30), "the retried delivery", || server.hits("/inbox") == 1);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(server.hits("/inbox"), 1, "delivered once");
    let create: Value = serde_json::from_slice(&server.bodies("/inbox")[0]).unwrap();
    assert_eq!(create["type"], "Create");
    assert!(create["object"]["content"].as_str().unwrap().contains("Fresh quote number 7."));
    assert_eq!(setup.count("deliveries"), 0);
}

#[test]
fn a_server_that_refuses_rfc9421_signatures_gets_draft_cavage_ones_and_is_remembered() {
    let remote = bolivia_remote();
    let tester = RemoteActor::new();
    tester.remote.set("/actor/inbox", Route::CavageOnly { status: 202 });
    let (setup, _daemon, base) = federated(&remote, "");
    let inbox = format!("{base}users/news/inbox");
    let body = tester.follow(&format!("{base}users/news"));
    assert_eq!(post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), body).status, 202);
    // The Accept knocks twice: RFC 9421 first (refused), then draft-cavage.
    wait_for(Duration::from_secs(10), "the Accept", || tester.remote.hits("/actor/inbox") == 2);
    let inputs = tester.remote.header_values("/actor/inbox", "signature-input");
    assert!(inputs[0].as_deref().is_some_and(|i| i.starts_with("sig1=(\"@method\" \"@target-uri\"")), "{inputs:?}");
    assert!(inputs[0].as_deref().unwrap().contains("\"content-digest\");alg=\"rsa-v1_5-sha256\";keyid="));
    assert!(
        tester.remote.header_values("/actor/inbox", "content-digest")[0].as_deref().unwrap().starts_with("sha-256=:")
    );
    assert_eq!(inputs[1], None, "the second knock is draft-cavage");
    let signature = tester.remote.header_values("/actor/inbox", "signature")[1].clone().unwrap();
    assert!(signature.contains("headers=\"(request-target) host date digest\""), "{signature}");

    // The host is remembered: the next delivery goes draft-cavage at once.
    remote.set("/feed.xml", Route::feed(with_new_tweet(3)));
    assert!(setup.poll().contains("1 quote added"));
    wait_for(Duration::from_secs(20), "the Create", || tester.remote.hits("/actor/inbox") >= 3);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(tester.remote.hits("/actor/inbox"), 3, "one POST for the Create");
    assert_eq!(tester.remote.header_values("/actor/inbox", "signature-input")[2], None);
    assert_eq!(setup.count("deliveries"), 0, "delivered");
}

/// A daemon federating the remote's feed as `@news`, followed by a remote actor whose
/// `Accept` has arrived.
fn followed_by_a_tester(remote: &Remote) -> (RemoteActor, Setup, Daemon, String) {
    let tester = RemoteActor::new();
    let (setup, daemon, base) = federated(remote, "");
    let inbox = format!("{base}users/news/inbox");
    let body = tester.follow(&format!("{base}users/news"));
    assert_eq!(post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), body).status, 202);
    wait_for(Duration::from_secs(10), "the Accept", || tester.remote.hits("/actor/inbox") == 1);
    (tester, setup, daemon, base)
}

#[test]
fn corrected_and_removed_quotes_are_updated_and_deleted() {
    let remote = bolivia_remote();
    let (tester, setup, _daemon, base) = followed_by_a_tester(&remote);

    // The article is edited: AOC's tweet is corrected, Ilhan Omar's removed.
    let edited = fixture("bolivia/feed.xml").replace("it’s a coup.", "it is a coup.");
    let start = edited.find("<figure class=\"wp-block-embed is-type-rich is-provider-twitter wp-block-embed-twitter\"><div class=\"wp-block-embed__wrapper\">\n<blockquote class=\"twitter-tweet\" data-width=\"550\" data-dnt=\"true\"><p lang=\"en\" dir=\"ltr\">There's a word").unwrap();
    let end = start + edited[start..].find("</figure>").unwrap() + "</figure>".len();
    remote.set("/feed.xml", Route::feed(format!("{}{}", &edited[..start], &edited[end..])));
    let report = setup.poll();
    assert!(report.contains("1 updated") && report.contains("1 removed"), "{report}");
    wait_for(Duration::from_secs(20), "the Update and the Delete", || tester.remote.hits("/actor/inbox") == 3);
    let activities: Vec<Value> =
        tester.remote.bodies("/actor/inbox").iter().skip(1).map(|b| serde_json::from_slice(b).unwrap()).collect();
    let update = activities.iter().find(|a| a["type"] == "Update").expect("an Update");
    assert!(update["object"]["content"].as_str().unwrap().contains("it is a coup."));
    assert!(update["object"]["updated"].is_string());
    let delete = activities.iter().find(|a| a["type"] == "Delete").expect("a Delete");
    assert_eq!(delete["object"]["type"], "Tombstone");
    assert!(delete["object"]["id"].as_str().unwrap().starts_with(&format!("{base}users/news/quotes/")));
}

#[test]
fn notes_use_only_what_mastodon_keeps_and_anyone_may_quote_them() {
    let remote = bolivia_remote();
    let (_setup, _daemon, base) = federated(&remote, "");
    let outbox = activity_json(&format!("{base}users/news/outbox?page=1"));
    let items = outbox["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 16);
    for create in items {
        let note = &create["object"];
        let content = note["content"].as_str().unwrap();
        let fragment = scraper::Html::parse_fragment(content);
        let names: std::collections::BTreeSet<String> = fragment
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .map(|e| e.value().name().to_string())
            .collect();
        // Mastodon keeps p, br, a and the span of a hashtag link.
        assert!(names.iter().all(|n| ["html", "p", "br", "a", "span"].contains(&n.as_str())), "{names:?} in {content}");
        assert!(content.contains("— "), "a plain-text attribution line: {content}");
        assert!(content.contains("Quoted in:"), "{content}");
        assert_eq!(
            note["interactionPolicy"]["canQuote"]["automaticApproval"],
            "https://www.w3.org/ns/activitystreams#Public"
        );
        assert_eq!(note["sensitive"], false);
        assert!(note.get("summary").is_none());
    }
    let aoc = items.iter().find(|i| i["object"]["content"].as_str().unwrap().contains("isn’t democracy")).unwrap();
    assert!(
        aoc["object"]["content"]
            .as_str()
            .unwrap()
            .contains("— Alexandria Ocasio-Cortez (@AOC) on X (Twitter), 11 November 2019")
    );
    let note = activity_json(aoc["object"]["id"].as_str().unwrap());
    assert_eq!(note["@context"][1]["canQuote"]["@id"], "gts:canQuote", "the terms are defined");
}

#[test]
fn a_quote_request_is_accepted_with_an_authorization_that_can_be_fetched() {
    let remote = bolivia_remote();
    let (setup, _daemon, base) = federated(&remote, "");
    let tester = RemoteActor::new();
    let outbox = activity_json(&format!("{base}users/news/outbox?page=1"));
    let aoc = outbox["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["object"]["content"].as_str().unwrap().contains("isn’t democracy"))
        .unwrap();
    let note = aoc["object"]["id"].as_str().unwrap().to_string();
    let quoting_post = format!("{}/posts/42", tester.id);
    let request = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", {"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"}],
        "id": format!("{}/requests/1", tester.id), "type": "QuoteRequest", "actor": tester.id,
        "object": note, "instrument": {"id": quoting_post, "type": "Note", "attributedTo": tester.id, "content": "Look at this", "quote": note}
    })
    .to_string()
    .into_bytes();
    let inbox = format!("{base}users/news/inbox");
    let answer = post(&inbox, &tester.signed(&inbox, &request, &now_date(), &tester.private_pem), request);
    assert_eq!(answer.status, 202, "{}", answer.text());
    wait_for(Duration::from_secs(10), "the Accept", || tester.remote.hits("/actor/inbox") == 1);
    let accept: Value = serde_json::from_slice(&tester.remote.bodies("/actor/inbox")[0]).unwrap();
    assert_eq!(accept["type"], "Accept");
    assert_eq!(accept["object"]["type"], "QuoteRequest");
    assert_eq!(accept["object"]["id"], format!("{}/requests/1", tester.id));
    let stamp_url = accept["result"].as_str().unwrap();
    assert!(stamp_url.starts_with(&format!("{note}/authorizations/")), "{stamp_url}");
    let stamp = activity_json(stamp_url);
    assert_eq!(stamp["type"], "QuoteAuthorization");
    assert_eq!(stamp["id"], stamp_url);
    assert_eq!(stamp["attributedTo"], format!("{base}users/news"));
    assert_eq!(stamp["interactingObject"], quoting_post);
    assert_eq!(stamp["interactionTarget"], note);
    assert_eq!(setup.count("quote_authorizations"), 1);

    // A request to quote something that is not our note is refused.
    let bogus = json!({"id": format!("{}/requests/2", tester.id), "type": "QuoteRequest", "actor": tester.id,
                       "object": format!("{base}users/news/quotes/nothing"), "instrument": quoting_post})
    .to_string()
    .into_bytes();
    assert_eq!(post(&inbox, &tester.signed(&inbox, &bogus, &now_date(), &tester.private_pem), bogus).status, 400);
    assert_eq!(request_status(&format!("{note}/authorizations/0000000000000000")), 404);

    // The quoted post leaves the article: the note is deleted and the authorization
    // revoked.
    let mut feed = fixture("bolivia/feed.xml");
    while let Some(at) = feed.find("it’s a coup.") {
        let start = feed[..at].rfind("<blockquote").unwrap();
        let end = at + feed[at..].find("</blockquote>").unwrap() + "</blockquote>".len();
        feed.replace_range(start..end, "");
    }
    remote.set("/feed.xml", Route::feed(feed));
    assert!(setup.poll().contains("1 removed"));
    wait_for(Duration::from_secs(20), "the revocation", || tester.remote.hits("/actor/inbox") == 2);
    let revocation: Value = serde_json::from_slice(&tester.remote.bodies("/actor/inbox")[1]).unwrap();
    assert_eq!(revocation["type"], "Delete");
    assert_eq!(revocation["object"], stamp_url);
    assert_eq!(request_status(stamp_url), 404, "a revoked authorization is gone");
    assert_eq!(setup.count("quote_authorizations"), 0);
}

fn request_status(url: &str) -> u16 {
    request("GET", url, &[("accept", "application/activity+json")]).status
}

#[test]
fn a_person_can_be_followed_across_sources() {
    let remote = bolivia_remote();
    let (setup, _daemon, base) = federated(&remote, "");
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let finger = get(&format!("{base}.well-known/webfinger?resource=acct:twitter.aoc@{host}"));
    assert_eq!(finger.status, 200, "{}", finger.text());
    let jrd: Value = serde_json::from_slice(&finger.body).unwrap();
    let actor_id = format!("{base}users/twitter.aoc");
    assert_eq!(jrd["links"][0]["href"], actor_id);
    let actor = activity_json(&actor_id);
    assert_eq!(actor["preferredUsername"], "twitter.aoc");
    assert!(actor["name"].as_str().unwrap().contains("Alexandria Ocasio-Cortez"), "{actor}");
    assert_eq!(activity_json(&format!("{actor_id}/outbox"))["totalItems"], 1);
    assert_eq!(
        request("GET", &format!("{base}users/twitter.nobody"), &[("accept", "application/activity+json")]).status,
        404
    );

    let tester = RemoteActor::new();
    let inbox = format!("{actor_id}/inbox");
    let body = tester.follow(&actor_id);
    assert_eq!(post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), body).status, 202);
    wait_for(Duration::from_secs(10), "the Accept", || tester.remote.hits("/actor/inbox") == 1);

    // Another article quotes AOC: her follower gets it; a new tweet by someone else does not reach them.
    let item = r#"<item><title>More</title><link>https://news.example/more</link><guid>more-1</guid><pubDate>Thu, 21 Nov 2019 09:00:00 +0000</pubDate><description><![CDATA[<p>She added:</p><blockquote class="twitter-tweet"><p>A second statement.</p>&mdash; Alexandria Ocasio-Cortez (@AOC) <a href="https://twitter.com/AOC/status/1196000000000000001">November 21, 2019</a></blockquote>]]></description></item>"#;
    let feed = with_new_tweet(9).replacen("<item>", &format!("{item}<item>"), 1);
    remote.set("/feed.xml", Route::feed(feed));
    assert!(setup.poll().contains("2 quotes added"));
    wait_for(Duration::from_secs(20), "AOC's new quote", || tester.remote.hits("/actor/inbox") == 2);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(tester.remote.hits("/actor/inbox"), 2, "only AOC's quote");
    let create: Value = serde_json::from_slice(&tester.remote.bodies("/actor/inbox")[1]).unwrap();
    assert_eq!(create["type"], "Create");
    assert_eq!(create["actor"], actor_id);
    assert!(create["object"]["content"].as_str().unwrap().contains("A second statement."));
    assert_eq!(
        activity_json(create["object"]["id"].as_str().unwrap())["attributedTo"],
        actor_id,
        "the note can be fetched"
    );
}

#[test]
fn a_server_that_keeps_failing_is_paused_by_the_circuit_breaker() {
    let remote = bolivia_remote();
    let (setup, _daemon, base) = federated(&remote, "");
    let tester = RemoteActor::new();
    tester.remote.set("/actor/inbox", Route::Status { status: 503, retry_after: None });
    let inbox = format!("{base}users/news/inbox");
    let body = tester.follow(&format!("{base}users/news"));
    assert_eq!(post(&inbox, &tester.signed(&inbox, &body, &now_date(), &tester.private_pem), body).status, 202);
    // The Accept fails, then the Creates of five new quotes do: five in a row pause the server.
    let mut feed = fixture("bolivia/feed.xml");
    for n in 0..5u64 {
        let item = format!(
            r#"<item><title>N{n}</title><link>https://news.example/n/{n}</link><guid>n-{n}</guid><description><![CDATA[<blockquote class="twitter-tweet"><p>Number {n}.</p>&mdash; P (@p{n}) <a href="https://twitter.com/p{n}/status/{}">November 20, 2019</a></blockquote>]]></description></item>"#,
            1_197_000_000_000_000_000u64 + n
        );
        feed = feed.replacen("<item>", &format!("{item}<item>"), 1);
    }
    remote.set("/feed.xml", Route::feed(feed));
    setup.poll();
    wait_for(Duration::from_secs(20), "the server to be paused", || {
        setup
            .db()
            .query_row("SELECT COUNT(*) FROM delivery_hosts WHERE paused_until IS NOT NULL", [], |r| r.get::<_, i64>(0))
            .unwrap()
            == 1
    });
    let hits = tester.remote.hits("/actor/inbox");
    assert!(hits >= 5, "{hits}");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(tester.remote.hits("/actor/inbox"), hits, "no more tries while paused (retries were due after 1 s)");
    assert_eq!(setup.count("deliveries"), 6, "nothing is lost: the deliveries wait");
    let status = get(&format!("{base}status")).text();
    assert!(status.contains("paused after ") && status.contains(" failures in a row, until "), "{status}");
}

#[test]
fn a_source_whose_title_changes_updates_its_profile_for_its_followers() {
    let remote = bolivia_remote();
    let (tester, setup, _daemon, base) = followed_by_a_tester(&remote);

    // The same articles under a new channel title: nothing new to quote, a new profile.
    let renamed =
        fixture("bolivia/feed.xml").replacen("<title>Example News</title>", "<title>Example Daily</title>", 1);
    assert_ne!(renamed, fixture("bolivia/feed.xml"), "the fixture names its channel");
    remote.set("/feed.xml", Route::feed(renamed));
    let report = setup.poll();
    assert!(report.contains("0 quotes added"), "{report}");
    wait_for(Duration::from_secs(20), "the profile Update", || tester.remote.hits("/actor/inbox") == 2);
    let update: Value = serde_json::from_slice(&tester.remote.bodies("/actor/inbox")[1]).unwrap();
    assert_eq!(update["type"], "Update");
    assert_eq!(update["actor"], format!("{base}users/news"));
    assert_eq!(update["object"]["id"], format!("{base}users/news"));
    assert_eq!(update["object"]["type"], "Service");
    assert_eq!(update["object"]["name"], "Quotes from Example Daily");
    // An unchanged title on the next poll says nothing.
    setup.poll();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(tester.remote.hits("/actor/inbox"), 2);
}

#[test]
fn only_the_quoted_author_can_answer_our_quote_request_and_a_refusal_unquotes_the_note() {
    let author = RemoteActor::new();
    let post_url = author.remote.url("/@tester/1");
    author.remote.set(
        "/@tester/1",
        Route::activity(
            json!({"id": post_url, "type": "Note", "attributedTo": author.id, "content": "<p>Ferries run again.</p>"})
                .to_string(),
        ),
    );
    let remote = Remote::start();
    let article = format!(
        r#"<item><title>Ferries</title><link>https://news.example/ferries</link><guid>ferries</guid><description><![CDATA[<iframe src="{post_url}/embed" class="mastodon-embed"></iframe>]]></description></item>"#
    );
    remote
        .set("/feed.xml", Route::feed(fixture("bolivia/feed.xml").replacen("<item>", &format!("{article}<item>"), 1)));
    let (setup, _daemon, base) = federated(&remote, "");
    wait_for(Duration::from_secs(20), "the post to become a quote", || setup.count("quotes") == 17);
    // @all and @news each ask the author.
    wait_for(Duration::from_secs(20), "the QuoteRequests", || author.remote.hits("/actor/inbox") == 2);
    let requests: Vec<Value> =
        author.remote.bodies("/actor/inbox").iter().map(|b| serde_json::from_slice(b).unwrap()).collect();
    let request = requests.iter().find(|r| r["actor"] == format!("{base}users/news")).unwrap();
    assert_eq!(request["type"], "QuoteRequest");
    assert_eq!(request["object"], post_url);
    assert_eq!(request["instrument"]["quote"], post_url, "the instrument is our note, quoting the post");
    let our_note = request["instrument"]["id"].as_str().unwrap().to_string();
    let inbox = format!("{base}inbox");
    let answer = |actor: &RemoteActor, kind: &str, stamp: Option<&str>| {
        let mut activity = json!({"id": format!("{}/answers/{}", actor.id, now_date().len() + stamp.map_or(0, str::len)), "type": kind, "actor": actor.id, "object": request["id"]});
        if let Some(stamp) = stamp {
            activity["result"] = json!(stamp);
        }
        let body = activity.to_string().into_bytes();
        post(&inbox, &actor.signed(&inbox, &body, &now_date(), &actor.private_pem), body)
    };

    // Someone else cannot approve or refuse it.
    let stranger = RemoteActor::new();
    let refused = answer(&stranger, "Reject", None);
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert!(refused.text().contains("only"), "{}", refused.text());
    // A stamp that does not name our note is not an approval.
    let stamp = author.remote.url("/stamps/1");
    author.remote.set(
        "/stamps/1",
        Route::activity(json!({"id": stamp, "type": "QuoteAuthorization", "attributedTo": author.id, "interactingObject": "https://elsewhere.example/notes/1", "interactionTarget": post_url}).to_string()),
    );
    let wrong = answer(&author, "Accept", Some(&stamp));
    assert_eq!(wrong.status, 400, "{}", wrong.text());
    assert!(wrong.text().contains("not for our note"), "{}", wrong.text());

    // The author refuses: the note stops presenting itself as a quote.
    assert_eq!(answer(&author, "Reject", None).status, 202);
    let note = activity_json(&our_note);
    assert!(note.get("quote").is_none() && note.get("quoteAuthorization").is_none(), "{note}");
    assert!(note["content"].as_str().unwrap().contains(&post_url), "the attribution still links the post");
    let state: String =
        setup.db().query_row("SELECT state FROM quote_requests WHERE actor = 'news'", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "rejected");
}
