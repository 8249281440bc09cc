//! The Time-Stamp Protocol (RFC 3161): requests, responses and the TSTInfo they carry, encoded
//! with `der` derives, and the checks a requester makes on a response (§2.4.2). Pure: the HTTP
//! transport (§3.4, `application/timestamp-query` → `application/timestamp-reply`) lives in
//! the `sahih` command and the web crate; the built-in TSA is [`crate::tsa`].
//!
//! ```
//! use sahih_signing::tsp::TimeStampReq;
//! let req = TimeStampReq::sha256(b"the signature value")?;
//! assert!(req.cert_req);
//! let der = req.to_der()?;
//! assert_eq!(TimeStampReq::from_der(&der)?, req);
//! # Ok::<(), sahih_signing::SigningError>(())
//! ```

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{BitString, Int, ObjectIdentifier, OctetString, Utf8StringRef};
use der::{Any, Decode, Encode, Sequence};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;

use crate::SigningError;

/// id-ct-TSTInfo (RFC 3161 §2.4.2).
pub const OID_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-sha256 (RFC 5754 §2.2).
pub const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// `MessageImprint` (RFC 3161 §2.4.1): the hash of the stamped data and its algorithm.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct MessageImprint {
    /// The digest algorithm (SHA-256, SHA-384 or SHA-512 here).
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// The digest, as many bytes as the algorithm yields.
    pub hashed_message: OctetString,
}

impl MessageImprint {
    /// The imprint of `data` with SHA-256.
    ///
    /// Errors: [`SigningError::Der`] (never in practice).
    pub fn sha256(data: &[u8]) -> Result<MessageImprint, SigningError> {
        Ok(MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: OID_SHA256,
                parameters: None,
            },
            hashed_message: OctetString::new(sha2::Sha256::digest(data).to_vec())?,
        })
    }

    /// Whether the algorithm is one this crate hashes with and the digest has its length.
    pub fn is_well_formed(&self) -> bool {
        let len = match self.hash_algorithm.oid {
            OID_SHA256 => 32,
            OID_SHA384 => 48,
            OID_SHA512 => 64,
            _ => return false,
        };
        self.hashed_message.as_bytes().len() == len
    }
}

/// `TimeStampReq` (RFC 3161 §2.4.1), without extensions.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TimeStampReq {
    /// Always 1.
    pub version: u8,
    /// What is to be stamped.
    pub message_imprint: MessageImprint,
    /// The TSA policy asked for, if any.
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    /// A random number the response must echo (§2.4.2), against replay.
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// Whether the token must carry the TSA's certificate (§2.4.1).
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
    /// Extensions (none are understood here).
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub extensions: Option<Extensions>,
}

impl TimeStampReq {
    /// A request for a token over SHA-256(`data`) with a fresh 64-bit nonce and certReq TRUE.
    ///
    /// Errors: [`SigningError::Key`] when the system has no randomness.
    pub fn sha256(data: &[u8]) -> Result<TimeStampReq, SigningError> {
        TimeStampReq::for_sha256(sha2::Sha256::digest(data).into())
    }

    /// [`TimeStampReq::sha256`] for data already hashed: `digest` is its SHA-256.
    ///
    /// Errors: [`SigningError::Key`] when the system has no randomness.
    pub fn for_sha256(digest: [u8; 32]) -> Result<TimeStampReq, SigningError> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| SigningError::Key(e.to_string()))?;
        nonce[0] &= 0x7F; // a positive INTEGER
        nonce[0] |= 0x01; // and of eight bytes, so that its encoding is stable
        Ok(TimeStampReq {
            version: 1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid: OID_SHA256,
                    parameters: None,
                },
                hashed_message: OctetString::new(digest.to_vec())?,
            },
            req_policy: None,
            nonce: Some(Int::new(&nonce)?),
            cert_req: true,
            extensions: None,
        })
    }

    /// The DER to send (`application/timestamp-query`, §3.4).
    ///
    /// Errors: [`SigningError::Der`].
    pub fn to_der(&self) -> Result<Vec<u8>, SigningError> {
        Ok(Encode::to_der(self)?)
    }

    /// Parses a request received by a TSA.
    ///
    /// Errors: [`SigningError::Timestamp`] when it is not a DER `TimeStampReq`.
    pub fn from_der(der: &[u8]) -> Result<TimeStampReq, SigningError> {
        <TimeStampReq as Decode>::from_der(der)
            .map_err(|e| timestamp_error(format!("not a TimeStampReq: {e}")))
    }
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PkiStatusInfo {
    /// 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning,
    /// 5 revocationNotification.
    pub status: u8,
    /// `PKIFreeText`: why (UTF8String values).
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<Any>>,
    /// `PKIFailureInfo` bits (§2.4.2): 0 badAlg, 2 badRequest, 5 badDataFormat, 14
    /// timeNotAvailable, 15 unacceptedPolicy, 16 unacceptedExtension, 17 addInfoNotAvailable,
    /// 25 systemFailure.
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

/// `PKIFailureInfo` bit numbers used by the built-in TSA (RFC 3161 §2.4.2).
pub mod fail {
    /// Unrecognized or unsupported algorithm identifier.
    pub const BAD_ALG: usize = 0;
    /// The data submitted has the wrong format.
    pub const BAD_DATA_FORMAT: usize = 5;
    /// The requested TSA policy is not supported.
    pub const UNACCEPTED_POLICY: usize = 15;
    /// The requested extension is not supported.
    pub const UNACCEPTED_EXTENSION: usize = 16;
    /// The request cannot be handled due to system failure.
    pub const SYSTEM_FAILURE: usize = 25;
}

/// `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TimeStampResp {
    /// Whether a token was granted, and why not.
    pub status: PkiStatusInfo,
    /// The token: a `ContentInfo` holding SignedData over TSTInfo.
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<ContentInfo>,
}

impl TimeStampResp {
    /// A refusal with status rejection (2), the failure bit `bit` (see [`fail`]) and `why`.
    ///
    /// Errors: [`SigningError::Der`].
    pub fn rejection(bit: usize, why: &str) -> Result<TimeStampResp, SigningError> {
        let mut bits = vec![0u8; bit / 8 + 1];
        bits[bit / 8] = 0x80 >> (bit % 8);
        let unused = u8::try_from(7 - bit % 8).unwrap_or(0);
        Ok(TimeStampResp {
            status: PkiStatusInfo {
                status: 2,
                status_string: Some(vec![Any::encode_from(&Utf8StringRef::new(why)?)?]),
                fail_info: Some(BitString::new(unused, bits)?),
            },
            time_stamp_token: None,
        })
    }
}

/// `Accuracy` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Accuracy {
    /// Whole seconds.
    #[asn1(optional = "true")]
    pub seconds: Option<u32>,
    /// Milliseconds, 1..999.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    /// Microseconds, 1..999.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// `TSTInfo` (RFC 3161 §2.4.2). `gen_time` stays a raw `GeneralizedTime` element: TSAs may
/// write fractional seconds, which `der`'s `GeneralizedTime` refuses.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TstInfo {
    /// Always 1.
    pub version: u8,
    /// The TSA policy under which the token was issued.
    pub policy: ObjectIdentifier,
    /// The request's imprint, echoed.
    pub message_imprint: MessageImprint,
    /// Unique per token of this TSA (up to 160 bits).
    pub serial_number: Int,
    /// The time, a `GeneralizedTime` (UTC).
    pub gen_time: Any,
    /// How far `gen_time` may be off.
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    /// Whether tokens of this TSA are ordered by `gen_time` alone.
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    /// The request's nonce, echoed.
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// A name of the TSA.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    /// Extensions.
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub extensions: Option<Extensions>,
}

/// A source of timestamp tokens: an RFC 3161 TSA reached over HTTP (in the `sahih` command and
/// the web crate), or the built-in TSA ([`crate::tsa::BuiltinTsa`]).
pub trait TimeStamper: Sync {
    /// A token for `req`: the DER `ContentInfo` (SignedData over TSTInfo) that
    /// [`check_response`] returned for the TSA's answer.
    ///
    /// Errors: [`SigningError::Timestamp`] when the TSA cannot be reached or refuses.
    fn timestamp(&self, req: &TimeStampReq) -> Result<Vec<u8>, SigningError>;
}

pub(crate) fn timestamp_error(detail: impl Into<String>) -> SigningError {
    SigningError::Timestamp {
        detail: detail.into(),
    }
}

/// How far a token's genTime may be from the requester's clock, either way, in
/// [`check_response`] and [`check_token`].
pub const GEN_TIME_TOLERANCE: time::Duration = time::Duration::minutes(5);

/// Checks a TSA's `TimeStampResp` DER against the request that asked for it (RFC 3161 §2.4.2)
/// at the local clock, with [`GEN_TIME_TOLERANCE`]: see [`check_response_at`].
///
/// Errors: [`SigningError::Timestamp`] naming the failed check.
pub fn check_response(resp_der: &[u8], req: &TimeStampReq) -> Result<Vec<u8>, SigningError> {
    check_response_at(
        resp_der,
        req,
        time::OffsetDateTime::now_utc(),
        GEN_TIME_TOLERANCE,
    )
}

/// Checks a TSA's `TimeStampResp` DER against the request that asked for it (RFC 3161 §2.4.2):
/// status granted (0 or 1), a token present whose content is TSTInfo, then the checks of
/// [`check_token_at`]. Returns the token's DER.
///
/// Errors: [`SigningError::Timestamp`] naming the failed check.
pub fn check_response_at(
    resp_der: &[u8],
    req: &TimeStampReq,
    now: time::OffsetDateTime,
    tolerance: time::Duration,
) -> Result<Vec<u8>, SigningError> {
    let resp = <TimeStampResp as Decode>::from_der(resp_der)
        .map_err(|e| timestamp_error(format!("the TSA's answer is not a TimeStampResp: {e}")))?;
    if resp.status.status > 1 {
        let why = resp
            .status
            .status_string
            .iter()
            .flatten()
            .filter_map(|a| a.decode_as::<der::asn1::Utf8StringRef<'_>>().ok())
            .map(|s| s.as_str().to_string())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(timestamp_error(format!(
            "the TSA refused (status {}): {why}",
            resp.status.status
        )));
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| timestamp_error("the TSA granted but sent no token"))?;
    let der = token.to_der()?;
    check_token_at(&der, req, now, tolerance)?;
    Ok(der)
}

/// [`check_token_at`] at the local clock with [`GEN_TIME_TOLERANCE`].
///
/// Errors: [`SigningError::Timestamp`].
pub fn check_token(token_der: &[u8], req: &TimeStampReq) -> Result<(), SigningError> {
    check_token_at(
        token_der,
        req,
        time::OffsetDateTime::now_utc(),
        GEN_TIME_TOLERANCE,
    )
}

/// The requester's checks of a token (RFC 3161 §2.4.2): the same message imprint and nonce,
/// the TSA certificate present when certReq was set, the token's signature verifying with it;
/// that certificate carrying the critical extendedKeyUsage timeStamping (§2.3) and not
/// self-signed (a key anyone can make vouches for nothing); and genTime within `tolerance` of
/// `now` (a token dated 1999 or 2049 proves no time). Trust in the TSA's CA is the verifier's
/// matter.
///
/// Errors: [`SigningError::Timestamp`] naming the failed check.
pub fn check_token_at(
    token_der: &[u8],
    req: &TimeStampReq,
    now: time::OffsetDateTime,
    tolerance: time::Duration,
) -> Result<(), SigningError> {
    let (info, certs) = read_token(token_der)?;
    if info.message_imprint != req.message_imprint {
        return Err(timestamp_error(
            "the token stamps another message imprint than requested",
        ));
    }
    if info.nonce != req.nonce {
        return Err(timestamp_error("the token's nonce is not the request's"));
    }
    if req.cert_req && certs.is_empty() {
        return Err(timestamp_error(
            "the token lacks the TSA certificate asked for",
        ));
    }
    if !crate::verify::token_signature_verifies(token_der) {
        return Err(timestamp_error(
            "the token's signature does not verify with the TSA certificate it carries",
        ));
    }
    check_tsa_certificate(token_der, &certs)?;
    check_gen_time(&info, now, tolerance)
}

/// The token's signer is a timestamp authority: EKU timeStamping, critical (RFC 3161 §2.3),
/// and issued by someone else than itself.
fn check_tsa_certificate(token_der: &[u8], certs: &[Certificate]) -> Result<(), SigningError> {
    let signer = token_signer(token_der, certs).ok_or_else(|| {
        timestamp_error("the token carries no TSA certificate, so the TSA cannot be checked")
    })?;
    if !crate::verify::is_time_stamping(&signer) {
        return Err(timestamp_error(
            "the token's signer is no timestamp authority: its certificate lacks the critical extendedKeyUsage timeStamping (RFC 3161 §2.3)",
        ));
    }
    let tbs = signer.tbs_certificate();
    if tbs.issuer() == tbs.subject() {
        return Err(timestamp_error(
            "the TSA certificate is self-signed: no certificate authority vouches for it",
        ));
    }
    Ok(())
}

/// genTime within `tolerance` of `now`.
fn check_gen_time(
    info: &TstInfo,
    now: time::OffsetDateTime,
    tolerance: time::Duration,
) -> Result<(), SigningError> {
    let at = gen_time_unix(info)
        .ok_or_else(|| timestamp_error("the token's genTime is not a GeneralizedTime in UTC"))?;
    let off = at - now.unix_timestamp();
    if off.abs() > tolerance.whole_seconds() {
        let when = time::OffsetDateTime::from_unix_timestamp(at)
            .map(crate::verify::rfc3339)
            .unwrap_or_else(|_| at.to_string());
        return Err(timestamp_error(format!(
            "the token's genTime {when} is {off} s from this machine's clock (at most {} s accepted): either clock is wrong",
            tolerance.whole_seconds()
        )));
    }
    Ok(())
}

/// Reads a token's TSTInfo and the certificates it carries.
///
/// Errors: [`SigningError::Timestamp`] when it is not SignedData over TSTInfo.
pub fn read_token(token_der: &[u8]) -> Result<(TstInfo, Vec<Certificate>), SigningError> {
    let bad = |what: &str| timestamp_error(format!("the token is malformed: {what}"));
    let ci = <ContentInfo as Decode>::from_der(token_der).map_err(|e| bad(&e.to_string()))?;
    if ci.content_type != OID_SIGNED_DATA {
        return Err(bad("not SignedData"));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e: der::Error| bad(&e.to_string()))?;
    if sd.encap_content_info.econtent_type != OID_TST_INFO {
        return Err(bad("the content is not TSTInfo"));
    }
    let content = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| bad("no encapsulated TSTInfo"))?;
    let octets: OctetString = content
        .decode_as()
        .map_err(|e: der::Error| bad(&e.to_string()))?;
    let info = <TstInfo as Decode>::from_der(octets.as_bytes())
        .map_err(|e| bad(&format!("TSTInfo: {e}")))?;
    let certs = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    Ok((info, certs))
}

/// The certificate among `certs` that signed token `token_der`: the one its SignerInfo names
/// by issuer and serial number (RFC 5652 §5.3), else the first.
pub fn token_signer(token_der: &[u8], certs: &[Certificate]) -> Option<Certificate> {
    let ci = <ContentInfo as Decode>::from_der(token_der).ok()?;
    let sd: SignedData = ci.content.decode_as().ok()?;
    let named = sd
        .signer_infos
        .0
        .iter()
        .next()
        .and_then(|si| match &si.sid {
            cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(ias) => {
                certs.iter().find(|c| {
                    c.tbs_certificate().issuer() == &ias.issuer
                        && c.tbs_certificate().serial_number() == &ias.serial_number
                })
            }
            _ => None,
        });
    named.or_else(|| certs.first()).cloned()
}

/// `genTime` of a TSTInfo as UNIX seconds (fractions dropped), `None` when malformed.
pub fn gen_time_unix(info: &TstInfo) -> Option<i64> {
    if der::Tagged::tag(&info.gen_time) != der::Tag::GeneralizedTime {
        return None;
    }
    let s = std::str::from_utf8(info.gen_time.value()).ok()?;
    let whole = s.strip_suffix('Z')?.split('.').next()?;
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| whole[r].parse::<u8>().ok();
    let year = whole[0..4].parse::<i32>().ok()?;
    let month = time::Month::try_from(n(4..6)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, n(6..8)?).ok()?;
    let t = time::Time::from_hms(n(8..10)?, n(10..12)?, n(12..14)?).ok()?;
    Some(date.with_time(t).assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_with_nonce_and_cert_req() {
        let req = TimeStampReq::sha256(b"abc").expect("request");
        let der = req.to_der().expect("der");
        let back = TimeStampReq::from_der(&der).expect("parse");
        assert_eq!(back, req);
        assert!(back.cert_req);
        assert!(back.message_imprint.is_well_formed());
        // Two requests carry different nonces.
        let other = TimeStampReq::sha256(b"abc").expect("request");
        assert_ne!(other.nonce, req.nonce);
    }

    #[test]
    fn cert_req_false_is_omitted_as_der_requires() {
        let mut req = TimeStampReq::sha256(b"abc").expect("request");
        req.cert_req = false;
        req.nonce = None;
        let der = req.to_der().expect("der");
        // SEQUENCE { INTEGER 1, MessageImprint } and nothing else.
        let imprint_len = req.message_imprint.to_der().expect("der").len();
        assert_eq!(der.len(), 2 + 3 + imprint_len);
    }

    #[test]
    fn a_rejection_names_its_failure_and_reason() {
        let resp = TimeStampResp::rejection(fail::BAD_ALG, "SHA-1 is not accepted").expect("resp");
        let der = resp.to_der().expect("der");
        let req = TimeStampReq::sha256(b"abc").expect("request");
        let err = check_response(&der, &req).expect_err("refused");
        assert_eq!(err.code(), "E_TSA_UNAVAILABLE");
        assert!(err.to_string().contains("SHA-1 is not accepted"), "{err}");
    }

    #[test]
    fn garbage_is_not_a_response() {
        let req = TimeStampReq::sha256(b"abc").expect("request");
        assert!(check_response(b"\x30\x03\x02\x01\x00", &req).is_err());
        assert!(TimeStampReq::from_der(b"hello").is_err());
    }
}
