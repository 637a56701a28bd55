//! HTTP signatures as the fediverse uses them, in both forms, in and out:
//! draft-cavage-http-signatures-12 (`rsa-sha256` / `hs2019` over `(request-target)`,
//! `host`, `date` and, on POST, `digest`, a SHA-256 `Digest` of the body) and RFC 9421
//! (`rsa-v1_5-sha256` over `@method`, `@target-uri`, … and `content-digest`, with
//! `Signature-Input`). Outgoing requests are signed RFC 9421 first (what Fedify and
//! newer Mastodon check), then draft-cavage when a server refuses it — the "double
//! knock" the fetcher runs.
//!
//! Hand-written: the Rust crates for this are either AGPL (http-signature-normalization)
//! or implement only RFC 9421, which Mastodon does not send; each scheme is a
//! signing string and one RSA operation. RFC 9421's structured headers are read with
//! the `sfv` crate.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::sha2::Sha256;
use rsa::{PrivateKey, PublicKey};
use sha2::Digest as _;

/// The `Digest` header of a body: `SHA-256=` and the base64 hash.
pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(sha2::Sha256::digest(body)))
}

/// Whether a `Digest` header (which may list several algorithms) has the right
/// SHA-256 of `body`.
pub fn digest_matches(header: &str, body: &[u8]) -> bool {
    let expected = BASE64.encode(sha2::Sha256::digest(body));
    header
        .split(',')
        .filter_map(|part| part.trim().split_once('='))
        .any(|(algorithm, value)| algorithm.eq_ignore_ascii_case("sha-256") && value.trim() == expected)
}

/// The signing string: one `name: value` line per signed header, in order, where
/// `(request-target)` is the lowercase method and the path with its query.
pub fn signing_string(
    method: &str,
    path_and_query: &str,
    headers: &[String],
    value_of: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut lines = Vec::with_capacity(headers.len());
    for name in headers {
        let value = match name.as_str() {
            "(request-target)" => format!("{} {path_and_query}", method.to_ascii_lowercase()),
            "(created)" | "(expires)" => return Err(format!("the {name} pseudo-header is not supported")),
            other => value_of(other).ok_or_else(|| format!("the signed header {other} is missing"))?,
        };
        lines.push(format!("{name}: {value}"));
    }
    Ok(lines.join("\n"))
}

/// Signs a request: returns the `Signature` header for these headers (name, value),
/// signed in the order given after `(request-target)`.
pub fn sign(key: &PrivateKey, key_id: &str, method: &str, path_and_query: &str, headers: &[(&str, &str)]) -> String {
    let mut names = vec!["(request-target)".to_string()];
    names.extend(headers.iter().map(|(name, _)| name.to_ascii_lowercase()));
    let text = signing_string(method, path_and_query, &names, |name| {
        headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_string())
    })
    .expect("every header named is given");
    let signature = key.pkcs1v15_sign::<Sha256>(text.as_bytes()).expect("an RSA key signs");
    format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
        names.join(" "),
        BASE64.encode(signature)
    )
}

/// The `Content-Digest` header (RFC 9530) of a body, which RFC 9421 signs.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", BASE64.encode(sha2::Sha256::digest(body)))
}

/// An RFC 9421 signature of a request, as (`Signature-Input`, `Signature`): label
/// `sig1`, algorithm `rsa-v1_5-sha256`, over `@method`, `@target-uri`, `@authority`
/// and the `headers` given (name, value), in that order — the components Fedify
/// signs and checks.
pub fn sign_rfc9421(
    key: &PrivateKey,
    key_id: &str,
    method: &str,
    target_uri: &str,
    authority: &str,
    headers: &[(&str, &str)],
    created: i64,
) -> (String, String) {
    let mut components = vec![
        ("@method".to_string(), method.to_ascii_uppercase()),
        ("@target-uri".to_string(), target_uri.to_string()),
        ("@authority".to_string(), authority.to_ascii_lowercase()),
    ];
    components.extend(headers.iter().map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_string())));
    let names: Vec<String> = components.iter().map(|(name, _)| format!("\"{name}\"")).collect();
    let key_id = key_id.replace('\\', "\\\\").replace('"', "\\\"");
    let parameters = format!("({});alg=\"rsa-v1_5-sha256\";keyid=\"{key_id}\";created={created}", names.join(" "));
    let mut base: Vec<String> = components.iter().map(|(name, value)| format!("\"{name}\": {value}")).collect();
    base.push(format!("\"@signature-params\": {parameters}"));
    let signature = key.pkcs1v15_sign::<Sha256>(base.join("\n").as_bytes()).expect("an RSA key signs");
    (format!("sig1={parameters}"), format!("sig1=:{}:", BASE64.encode(signature)))
}

/// Whether a `Content-Digest` header (RFC 9530, a dictionary that may list several
/// algorithms) has the right SHA-256 of `body`.
pub fn content_digest_matches(header: &str, body: &[u8]) -> bool {
    let Ok(digests) = sfv::Parser::new(header).parse::<sfv::Dictionary>() else { return false };
    let expected = sha2::Sha256::digest(body);
    digests.get("sha-256").is_some_and(|entry| match entry {
        sfv::ListEntry::Item(item) => item.bare_item.as_byte_sequence() == Some(expected.as_slice()),
        sfv::ListEntry::InnerList(_) => false,
    })
}

/// A request's RFC 9421 signature, read from its `Signature-Input` and `Signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rfc9421Signature {
    /// The key's id (`keyid`).
    pub key_id: String,
    /// The covered components, in order (`@method`, `content-digest`, …).
    pub components: Vec<String>,
    /// `created`, Unix seconds.
    pub created: Option<i64>,
    /// `expires`, Unix seconds.
    pub expires: Option<i64>,
    /// The signature.
    pub signature: Vec<u8>,
    /// The `@signature-params` value: the member as the sender serialized it.
    parameters: String,
}

impl Rfc9421Signature {
    /// The first signature of `Signature-Input` that names a key, with its bytes from
    /// `Signature`. Only `rsa-v1_5-sha256` (or no `alg`, for an RSA key) is
    /// supported, and only plain components (no `;sf`, `;key`, `;req` parameters).
    pub fn parse(input: &str, signature: &str) -> Result<Rfc9421Signature, String> {
        let inputs: sfv::Dictionary =
            sfv::Parser::new(input).parse().map_err(|e| format!("Signature-Input is not a dictionary: {e}"))?;
        let signatures: sfv::Dictionary =
            sfv::Parser::new(signature).parse().map_err(|e| format!("Signature is not a dictionary: {e}"))?;
        for (label, entry) in &inputs {
            let sfv::ListEntry::InnerList(list) = entry else { continue };
            let Some(key_id) = list.params.get("keyid").and_then(|v| v.as_string()) else { continue };
            if let Some(alg) = list.params.get("alg").and_then(|v| v.as_string())
                && alg.as_str() != "rsa-v1_5-sha256"
            {
                return Err(format!("the signature algorithm {} is not supported (rsa-v1_5-sha256)", alg.as_str()));
            }
            let mut components = Vec::with_capacity(list.items.len());
            for item in &list.items {
                match item.bare_item.as_string() {
                    Some(name) if item.params.is_empty() => components.push(name.as_str().to_ascii_lowercase()),
                    _ => return Err("only plain component names are supported in Signature-Input".into()),
                }
            }
            let integer = |key: &str| list.params.get(key).and_then(|v| v.as_integer()).map(i64::from);
            let bytes = match signatures.get(label.as_str()) {
                Some(sfv::ListEntry::Item(item)) => item.bare_item.as_byte_sequence().map(<[u8]>::to_vec),
                _ => None,
            }
            .ok_or_else(|| format!("Signature has no {} to go with Signature-Input", label.as_str()))?;
            let mut member = sfv::Dictionary::new();
            member.insert(label.clone(), entry.clone());
            let serialized = sfv::FieldType::serialize(&member);
            let parameters = serialized
                .as_deref()
                .and_then(|s| s.strip_prefix(&format!("{}=", label.as_str())))
                .ok_or("Signature-Input cannot be serialized again")?
                .to_string();
            return Ok(Rfc9421Signature {
                key_id: key_id.as_str().to_string(),
                components,
                created: integer("created"),
                expires: integer("expires"),
                signature: bytes,
                parameters,
            });
        }
        Err("no signature in Signature-Input names a key (keyid)".into())
    }

    /// The signature base: one `"name": value` line per covered component, where
    /// `value_of` gives each (`None` for one the request lacks), then
    /// `@signature-params`.
    pub fn base(&self, value_of: impl Fn(&str) -> Option<String>) -> Result<String, String> {
        let mut lines = Vec::with_capacity(self.components.len() + 1);
        for name in &self.components {
            let value = value_of(name).ok_or_else(|| format!("the signed component {name} is missing"))?;
            lines.push(format!("\"{name}\": {value}"));
        }
        lines.push(format!("\"@signature-params\": {}", self.parameters));
        Ok(lines.join("\n"))
    }
}

/// A parsed `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// The key's id (usually the actor's URL with `#main-key`).
    pub key_id: String,
    /// `rsa-sha256`, `hs2019`, or absent.
    pub algorithm: Option<String>,
    /// The signed headers, lowercase, in order.
    pub headers: Vec<String>,
    /// The signature.
    pub signature: Vec<u8>,
}

impl SignatureHeader {
    /// Parses `keyId="…",algorithm="…",headers="…",signature="…"`.
    pub fn parse(header: &str) -> Result<SignatureHeader, String> {
        let mut key_id = None;
        let mut algorithm = None;
        let mut headers = None;
        let mut signature = None;
        let mut rest = header.trim();
        while !rest.is_empty() {
            let (name, after) = rest.split_once('=').ok_or("a Signature parameter without a value")?;
            let after = after.trim_start();
            let (value, remaining) = match after.strip_prefix('"') {
                Some(quoted) => {
                    let end = quoted.find('"').ok_or("an unterminated quoted value")?;
                    (&quoted[..end], &quoted[end + 1..])
                }
                None => after.split_at(after.find(',').unwrap_or(after.len())),
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "keyid" => key_id = Some(value.to_string()),
                "algorithm" => algorithm = Some(value.to_ascii_lowercase()),
                "headers" => headers = Some(value.split_whitespace().map(str::to_ascii_lowercase).collect()),
                "signature" => signature = Some(BASE64.decode(value).map_err(|_| "the signature is not base64")?),
                _ => {}
            }
            rest = remaining.trim_start().trim_start_matches(',').trim_start();
        }
        if let Some(a) = &algorithm
            && !matches!(a.as_str(), "rsa-sha256" | "hs2019")
        {
            return Err(format!("the signature algorithm {a} is not supported (rsa-sha256, hs2019)"));
        }
        Ok(SignatureHeader {
            key_id: key_id.ok_or("no keyId in the Signature")?,
            algorithm,
            // The draft's default when no headers are named.
            headers: headers.unwrap_or_else(|| vec!["date".to_string()]),
            signature: signature.ok_or("no signature in the Signature")?,
        })
    }
}

/// A public key from PEM (SPKI `PUBLIC KEY`, or PKCS#1 `RSA PUBLIC KEY`).
pub fn public_key(pem: &str) -> Result<PublicKey, String> {
    PublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| PublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| format!("not an RSA public key: {e}"))
}

/// Whether `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `text`.
pub fn verify(key: &PublicKey, text: &str, signature: &[u8]) -> bool {
    key.pkcs1v15_verify::<Sha256>(text.as_bytes(), signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activitypub::keys::generate_pem;

    #[test]
    fn a_signature_verifies_and_a_changed_request_does_not() {
        let (private_pem, public_pem) = generate_pem();
        let private = crate::activitypub::keys::private_key(&private_pem).unwrap();
        let body = br#"{"type":"Create"}"#;
        let digest_value = digest(body);
        let date = "Fri, 27 Nov 2026 12:00:00 GMT";
        let header = sign(
            &private,
            "https://a.example/users/x#main-key",
            "POST",
            "/inbox?x=1",
            &[("host", "b.example"), ("date", date), ("digest", &digest_value)],
        );
        let parsed = SignatureHeader::parse(&header).unwrap();
        assert_eq!(parsed.key_id, "https://a.example/users/x#main-key");
        assert_eq!(parsed.headers, vec!["(request-target)", "host", "date", "digest"]);
        let values = |name: &str| match name {
            "host" => Some("b.example".to_string()),
            "date" => Some(date.to_string()),
            "digest" => Some(digest_value.clone()),
            _ => None,
        };
        let key = public_key(&public_pem).unwrap();
        let text = signing_string("POST", "/inbox?x=1", &parsed.headers, values).unwrap();
        assert!(verify(&key, &text, &parsed.signature));
        let other = signing_string("POST", "/inbox?x=2", &parsed.headers, values).unwrap();
        assert!(!verify(&key, &other, &parsed.signature));
        assert!(digest_matches(&digest_value, body));
        assert!(digest_matches(&format!("md5=abc,{digest_value}"), body));
        assert!(!digest_matches(&digest_value, b"{}"));
    }

    #[test]
    fn an_rfc9421_signature_made_here_verifies_and_a_changed_request_does_not() {
        let (private_pem, public_pem) = generate_pem();
        let private = crate::activitypub::keys::private_key(&private_pem).unwrap();
        let body = br#"{"type":"Follow"}"#;
        let digest = content_digest(body);
        let date = "Mon, 07 Dec 2026 12:00:00 GMT";
        let (input, header) = sign_rfc9421(
            &private,
            "https://a.example/users/x#main-key",
            "POST",
            "https://b.example/inbox",
            "b.example",
            &[("host", "b.example"), ("date", date), ("content-digest", &digest)],
            1_796_644_800,
        );
        let parsed = Rfc9421Signature::parse(&input, &header).unwrap();
        assert_eq!(parsed.key_id, "https://a.example/users/x#main-key");
        assert_eq!(parsed.created, Some(1_796_644_800));
        assert_eq!(parsed.components, ["@method", "@target-uri", "@authority", "host", "date", "content-digest"]);
        let values = |target: &'static str| {
            let digest = digest.clone();
            move |name: &str| match name {
                "@method" => Some("POST".to_string()),
                "@target-uri" => Some(target.to_string()),
                "@authority" | "host" => Some("b.example".to_string()),
                "date" => Some(date.to_string()),
                "content-digest" => Some(digest.clone()),
                _ => None,
            }
        };
        let key = public_key(&public_pem).unwrap();
        assert!(verify(&key, &parsed.base(values("https://b.example/inbox")).unwrap(), &parsed.signature));
        assert!(!verify(&key, &parsed.base(values("https://b.example/inbox?x")).unwrap(), &parsed.signature));
        assert!(content_digest_matches(&digest, body));
        assert!(content_digest_matches(&format!("sha-512=:AAAA:, {digest}"), body));
        assert!(!content_digest_matches(&digest, b"{}"));
        assert!(!content_digest_matches("sha-256=abc", body));
    }

    #[test]
    fn rfc9421_headers_that_cannot_be_checked_are_refused() {
        let sig = "sig1=:AAAA:";
        for (input, why) in [
            ("garbage((", "not a dictionary"),
            ("sig1=(\"@method\");created=1", "names a key"),
            ("sig1=(\"@method\");keyid=\"k\";alg=\"ed25519\"", "not supported"),
            ("sig1=(\"@query-param\";name=\"a\");keyid=\"k\"", "plain component"),
            ("sig2=(\"@method\");keyid=\"k\"", "Signature has no sig2"),
        ] {
            let error = Rfc9421Signature::parse(input, sig).unwrap_err();
            assert!(error.contains(why), "{input}: {error}");
        }
    }

    #[test]
    fn header_parsing() {
        let parsed = SignatureHeader::parse(
            r#"keyId="k",algorithm="hs2019",headers="(request-target) host date",signature="AAAA""#,
        )
        .unwrap();
        assert_eq!(parsed.algorithm.as_deref(), Some("hs2019"));
        assert_eq!(SignatureHeader::parse(r#"keyId="k",signature="AAAA""#).unwrap().headers, vec!["date"]);
        assert!(SignatureHeader::parse(r#"keyId="k",algorithm="ed25519",signature="AAAA""#).is_err());
        assert!(SignatureHeader::parse(r#"algorithm="rsa-sha256",signature="AAAA""#).is_err());
        assert!(SignatureHeader::parse("garbage").is_err());
    }
}
