//! The webhooks' wire format, Standard Webhooks 1.0 (<https://www.standardwebhooks.com>): the
//! JSON body of a `document.status_changed` event, its signature, and the check a receiver
//! makes (here for the documentation and the tests; see docs/webhooks.md).
//!
//! Each delivery is a `POST` with `content-type: application/json` and three headers:
//! `webhook-id` ([`message_id`], the same on every retry and replay: receivers use it to
//! process a message once), `webhook-timestamp` (Unix seconds of this attempt) and
//! `webhook-signature` (`v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed
//! with the base64-decoded part of the application's `whsec_` secret). A receiver refuses a
//! timestamp more than [`TOLERANCE_SECONDS`] away from its clock, so a captured request cannot
//! be replayed later.
//!
//! ```
//! use sahih_web::webhook::{SigningSecret, sign, verify};
//! let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
//! let body = br#"{"test": 2432232314}"#;
//! let signature = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
//! assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
//! let checked = verify(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", &signature, body, 1614265330 + 60);
//! assert!(checked.is_ok());
//! ```

use base64ct::{Base64, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sahih_store::WebhookEvent;
use serde::Serialize;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The event type of every delivery (Standard Webhooks §Payload structure: `type`).
pub const EVENT_TYPE: &str = "document.status_changed";

/// How far a `webhook-timestamp` may be from the receiver's clock, seconds (5 minutes, either
/// way), as the Standard Webhooks libraries check.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// Random bytes in a new signing secret (the spec asks for 24 to 64).
pub const SECRET_BYTES: usize = 24;

/// The prefix of a serialized symmetric secret (Standard Webhooks §Signature scheme).
const SECRET_PREFIX: &str = "whsec_";

/// Why a signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The secret is not `whsec_` followed by base64.
    #[error("the signing secret is not whsec_ followed by base64")]
    BadSecret,
    /// `webhook-timestamp` is not whole Unix seconds.
    #[error("webhook-timestamp is not a Unix time in seconds")]
    BadTimestamp,
    /// `webhook-timestamp` is more than [`TOLERANCE_SECONDS`] from now: a replay, or a clock
    /// far off.
    #[error("webhook-timestamp is more than 5 minutes from now")]
    OutsideWindow,
    /// No `v1,` signature in `webhook-signature` matches.
    #[error("no v1 signature in webhook-signature matches")]
    NoMatch,
}

/// An application's signing key: HMAC-SHA256 keyed with the base64-decoded part of its
/// `whsec_` secret (the decoded bytes themselves are zeroized once keyed).
#[derive(Clone)]
pub struct SigningSecret {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret([redacted])")
    }
}

impl SigningSecret {
    /// Parses `whsec_<base64>` (padded standard base64, RFC 4648 §4).
    ///
    /// Errors: [`VerifyError::BadSecret`].
    pub fn parse(secret: &str) -> Result<SigningSecret, VerifyError> {
        let encoded = secret
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(VerifyError::BadSecret)?;
        let key = Zeroizing::new(Base64::decode_vec(encoded).map_err(|_| VerifyError::BadSecret)?);
        if key.is_empty() {
            return Err(VerifyError::BadSecret);
        }
        let mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&key).map_err(|_| VerifyError::BadSecret)?;
        Ok(SigningSecret { mac })
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// A new signing secret: `whsec_` + base64 of [`SECRET_BYTES`] random bytes.
///
/// Errors: the operating system's random source failed.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut key = Zeroizing::new([0u8; SECRET_BYTES]);
    getrandom::fill(key.as_mut())?;
    Ok(format!(
        "{SECRET_PREFIX}{}",
        Base64::encode_string(key.as_ref())
    ))
}

/// The `webhook-id` of delivery `delivery` to the application whose signing secret is
/// `secret`: `msg_` + 32 hex digits of SHA-256(secret ‖ `:` ‖ delivery), the same on every
/// attempt and replay, unique to the application and the instance (another instance or a
/// restored copy gives other ids), and saying nothing of how many deliveries the city makes.
pub fn message_id(secret: &str, delivery: i64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(secret.as_bytes())
        .chain_update(b":")
        .chain_update(delivery.to_string().as_bytes())
        .finalize();
    format!("msg_{}", &hex::encode(digest)[..32])
}

/// The `webhook-signature` value: `v1,` + base64(HMAC-SHA256(key, `{id}.{timestamp}.{body}`))
/// (Standard Webhooks §Signature scheme). `timestamp` is the attempt's Unix seconds.
pub fn sign(secret: &SigningSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = secret
        .mac(id, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    format!("v1,{}", Base64::encode_string(&tag))
}

/// Checks a delivery as a receiver must (Standard Webhooks §Verifying signatures): the
/// timestamp within [`TOLERANCE_SECONDS`] of `now` (Unix seconds), and one of the
/// space-separated `v1,<base64>` signatures equal, in constant time, to the HMAC of
/// `{id}.{timestamp}.{body}` over the raw body as received. Other versions (`v1a`, …) are
/// skipped.
///
/// Errors: [`VerifyError::BadTimestamp`], [`VerifyError::OutsideWindow`],
/// [`VerifyError::NoMatch`].
pub fn verify(
    secret: &SigningSecret,
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    let sent = timestamp
        .trim()
        .parse::<i64>()
        .map_err(|_| VerifyError::BadTimestamp)?;
    if now.abs_diff(sent) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(VerifyError::OutsideWindow);
    }
    let expected = secret.mac(id, timestamp.trim(), body);
    let matches = signatures
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| Base64::decode_vec(s).ok())
        .any(|tag| expected.clone().verify_slice(&tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(VerifyError::NoMatch)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    data: Data<'a>,
}

#[derive(Serialize)]
struct Data<'a> {
    id: &'a str,
    event: &'a str,
    state: &'a str,
    previous_state: Option<&'a str>,
    service: &'a str,
    nomor_surat: Option<&'a str>,
    links: Links,
}

#[derive(Serialize)]
struct Links {
    #[serde(rename = "self")]
    self_: String,
    receipt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_pdf: Option<String>,
}

/// The body of the delivery of `event`, minified JSON:
///
/// ```json
/// {"type":"document.status_changed","timestamp":"2026-11-29T08:15:00Z",
///  "data":{"id":"<public id>","event":"paraf","state":"in_review:1",
///          "previous_state":"in_review:0","service":"surat-keterangan-usaha",
///          "nomor_surat":null,"links":{"self":"/api/v1/documents/<id>",
///          "receipt":"/api/v1/documents/<id>/receipt"}}}
/// ```
///
/// `timestamp` is when the event happened (RFC 3339, UTC); `event` its kind as in the API's
/// history; `state` and `previous_state` are `DocumentState` codes (`previous_state` is `null`
/// for `submitted`: nothing came before); `nomor_surat` is set on
/// the `numbered` and `signed` events; `links.signed_pdf` appears once the document is signed.
/// Links are relative to the instance's address, as in the API.
pub fn body(event: &WebhookEvent) -> String {
    let self_ = format!("/api/v1/documents/{}", event.public_id);
    let signed = event.to_state == "signed";
    let numbered = signed || event.kind == "numbered";
    let body = Body {
        kind: EVENT_TYPE,
        timestamp: rfc3339(event.at),
        data: Data {
            id: &event.public_id,
            event: &event.kind,
            state: &event.to_state,
            // A submission has no state before it.
            previous_state: Some(event.from_state.as_str()).filter(|_| event.kind != "submitted"),
            service: &event.service,
            nomor_surat: event.nomor_surat.as_deref().filter(|_| numbered),
            links: Links {
                receipt: format!("{self_}/receipt"),
                signed_pdf: signed.then(|| format!("{self_}/signed.pdf")),
                self_,
            },
        },
    };
    // Serializing strings and options into a String cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

/// Unix seconds as an RFC 3339 time in UTC (`2026-11-29T08:15:00Z`); empty if out of range.
pub(crate) fn rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sahih_workflow::{DocumentId, UserId};

    /// The test vector of the Standard Webhooks reference libraries (libraries/go
    /// webhook_test.go, TestWebhookSign; the same in every language).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1614265330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn spec_secret() -> SigningSecret {
        SigningSecret::parse(SPEC_SECRET).expect("spec secret")
    }

    #[test]
    fn the_signature_matches_the_standard_webhooks_test_vector() {
        assert_eq!(
            sign(&spec_secret(), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn verification_takes_any_matching_v1_signature_within_five_minutes() {
        let secret = spec_secret();
        let ts = SPEC_TIMESTAMP.to_string();
        let check =
            |sigs: &str, body: &[u8], now: i64| verify(&secret, SPEC_ID, &ts, sigs, body, now);
        assert_eq!(check(SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP), Ok(()));
        let several = format!(
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,abc {SPEC_SIGNATURE} v2,x"
        );
        assert_eq!(check(&several, SPEC_BODY, SPEC_TIMESTAMP), Ok(()));
        // The window: 5 minutes either way, and not a second more.
        assert_eq!(
            check(SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP + 300),
            Ok(())
        );
        assert_eq!(
            check(SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP - 300),
            Ok(())
        );
        assert_eq!(
            check(SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP + 301),
            Err(VerifyError::OutsideWindow)
        );
        assert_eq!(
            check(SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP - 301),
            Err(VerifyError::OutsideWindow)
        );
        // A body changed by one byte, or another id, does not verify.
        assert_eq!(
            check(SPEC_SIGNATURE, br#"{"test": 2432232315}"#, SPEC_TIMESTAMP),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(
                &secret,
                "msg_other",
                &ts,
                SPEC_SIGNATURE,
                SPEC_BODY,
                SPEC_TIMESTAMP
            ),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(
                &secret,
                SPEC_ID,
                "soon",
                SPEC_SIGNATURE,
                SPEC_BODY,
                SPEC_TIMESTAMP
            ),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(
            check("", SPEC_BODY, SPEC_TIMESTAMP),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn new_secrets_are_whsec_and_24_bytes_of_base64_and_differ() {
        let a = new_secret().expect("random");
        let b = new_secret().expect("random");
        assert_ne!(a, b);
        assert!(
            a.starts_with("whsec_") && a.len() == "whsec_".len() + 32,
            "{a}"
        );
        SigningSecret::parse(&a).expect("parses");
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_",
            "whsec_not base64!",
        ] {
            assert_eq!(
                SigningSecret::parse(bad).map(|_| ()),
                Err(VerifyError::BadSecret),
                "{bad}"
            );
        }
    }

    fn event(kind: &str, from: &str, to: &str, number: Option<&str>) -> WebhookEvent {
        WebhookEvent {
            application: UserId(7),
            event_id: 42,
            document: DocumentId(3),
            public_id: "3f2a9c".into(),
            service: "surat-keterangan-usaha".into(),
            kind: kind.into(),
            from_state: from.into(),
            to_state: to.into(),
            at: 1_795_000_000,
            nomor_surat: number.map(str::to_owned),
        }
    }

    #[test]
    fn the_body_carries_the_change_and_links_and_the_number_once_numbered() {
        let paraf = body(&event("paraf", "in_review:0", "in_review:1", Some("503/1")));
        assert_eq!(
            paraf,
            "{\"type\":\"document.status_changed\",\"timestamp\":\"2026-11-18T11:06:40Z\",\
             \"data\":{\"id\":\"3f2a9c\",\"event\":\"paraf\",\"state\":\"in_review:1\",\
             \"previous_state\":\"in_review:0\",\"service\":\"surat-keterangan-usaha\",\
             \"nomor_surat\":null,\"links\":{\"self\":\"/api/v1/documents/3f2a9c\",\
             \"receipt\":\"/api/v1/documents/3f2a9c/receipt\"}}}"
        );
        let signed: serde_json::Value =
            serde_json::from_str(&body(&event("signed", "approved", "signed", Some("503/1"))))
                .expect("json");
        assert_eq!(signed["data"]["nomor_surat"], "503/1");
        assert_eq!(
            signed["data"]["links"]["signed_pdf"],
            "/api/v1/documents/3f2a9c/signed.pdf"
        );
    }
}
