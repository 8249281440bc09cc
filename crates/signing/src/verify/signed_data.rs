//! CMS SignedData validation (RFC 5652 §5.6): reads the SignedData of a PDF signature or of a
//! timestamp token in one place (parse, then verify), then checks one SignerInfo: the signer's
//! certificate, content-type and message-digest attributes, the signature value, and the ESS
//! signing-certificate(-v2) binding (RFC 2634 §5.4, RFC 5035 §3).

use const_oid::ObjectIdentifier;

use super::ber::{self, BerError, Tlv, tag};
use super::certs::Cert;
use super::crypto::{self, Algorithm, CryptoFailure, Hash};
use super::digests::Content;

const fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

pub(crate) const OID_SIGNED_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.2");
pub(crate) const OID_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.1");
pub(crate) const OID_TST_INFO: ObjectIdentifier = oid("1.2.840.113549.1.9.16.1.4");
const OID_CONTENT_TYPE: ObjectIdentifier = oid("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = oid("1.2.840.113549.1.9.4");
const OID_SIGNING_CERTIFICATE: ObjectIdentifier = oid("1.2.840.113549.1.9.16.2.12");
const OID_SIGNING_CERTIFICATE_V2: ObjectIdentifier = oid("1.2.840.113549.1.9.16.2.47");
pub(crate) const OID_SIGNATURE_TIMESTAMP: ObjectIdentifier = oid("1.2.840.113549.1.9.16.2.14");

/// How a SignerInfo names its signer (RFC 5652 §5.3).
#[derive(Debug, Clone)]
enum SignerId<'a> {
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    KeyId(Vec<u8>),
}

/// One SignerInfo, read but not yet checked.
#[derive(Debug, Clone)]
pub(crate) struct SignerInfo<'a> {
    sid: SignerId<'a>,
    digest_oid: ObjectIdentifier,
    signed_attrs: Option<Tlv<'a>>,
    signature_alg: Algorithm<'a>,
    /// The signature value.
    pub(crate) signature: Vec<u8>,
    unsigned_attrs: Option<Tlv<'a>>,
}

/// A SignedData, read but not yet checked.
#[derive(Debug, Clone)]
pub(crate) struct SignedData<'a> {
    pub(crate) econtent_type: ObjectIdentifier,
    pub(crate) econtent: Option<Vec<u8>>,
    pub(crate) certs: Vec<Cert>,
    /// The `crls` field's CertificateLists, DER (other revocation formats are skipped).
    pub(crate) crls: Vec<Vec<u8>>,
    pub(crate) signer_infos: Vec<SignerInfo<'a>>,
}

fn bad(what: &'static str) -> BerError {
    BerError(what)
}

/// Reads a DER/BER `ContentInfo` holding SignedData (RFC 5652 §3, §5.1). Returns it and the
/// bytes after it (for PDF `/Contents`, the padding).
pub(crate) fn read(data: &[u8]) -> ber::Result<(SignedData<'_>, &[u8])> {
    let (ci, rest) = ber::parse(data)?;
    let parts = ci.expect(tag::SEQUENCE)?.children()?;
    let [content_type, content] = parts.as_slice() else {
        return Err(bad("ContentInfo is not two elements"));
    };
    if content_type.oid()? != OID_SIGNED_DATA {
        return Err(bad("ContentInfo does not hold SignedData"));
    }
    let inner = content.expect(0xa0)?.children()?;
    let sd = inner
        .first()
        .ok_or(bad("empty ContentInfo"))?
        .expect(tag::SEQUENCE)?;
    let fields = sd.children()?;
    let mut it = fields.iter().copied().peekable();
    it.next()
        .ok_or(bad("SignedData without version"))?
        .expect(tag::INTEGER)?;
    it.next()
        .ok_or(bad("SignedData without digestAlgorithms"))?
        .expect(tag::SET)?;
    let encap = it
        .next()
        .ok_or(bad("SignedData without content info"))?
        .expect(tag::SEQUENCE)?;
    let encap = encap.children()?;
    let econtent_type = encap
        .first()
        .ok_or(bad("empty EncapsulatedContentInfo"))?
        .oid()?;
    let econtent = match encap.get(1) {
        Some(e) => {
            let inner = e.expect(0xa0)?.children()?;
            Some(inner.first().ok_or(bad("empty eContent"))?.octets()?)
        }
        None => None,
    };
    let mut certs = Vec::new();
    if it.peek().is_some_and(|t| t.tag == 0xa0) {
        let set = it.next().ok_or(bad("certificates"))?;
        // Other certificate formats (attribute certificates) are skipped.
        certs.extend(set.children()?.iter().filter_map(|c| Cert::from_der(c.raw)));
    }
    let mut crls = Vec::new();
    if it.peek().is_some_and(|t| t.tag == 0xa1) {
        let set = it.next().ok_or(bad("crls"))?;
        // RevocationInfoChoice: a CertificateList is a SEQUENCE; [1] other formats are skipped.
        crls.extend(
            set.children()?
                .iter()
                .filter(|c| c.tag == tag::SEQUENCE)
                .map(|c| c.raw.to_vec()),
        );
    }
    let infos = it
        .next()
        .ok_or(bad("SignedData without signerInfos"))?
        .expect(tag::SET)?;
    let signer_infos = infos
        .children()?
        .into_iter()
        .map(read_signer_info)
        .collect::<ber::Result<Vec<_>>>()?;
    Ok((
        SignedData {
            econtent_type,
            econtent,
            certs,
            crls,
            signer_infos,
        },
        rest,
    ))
}

fn read_signer_info(t: Tlv<'_>) -> ber::Result<SignerInfo<'_>> {
    let fields = t.expect(tag::SEQUENCE)?.children()?;
    let mut it = fields.iter().copied().peekable();
    it.next()
        .ok_or(bad("SignerInfo without version"))?
        .expect(tag::INTEGER)?;
    let sid_tlv = it.next().ok_or(bad("SignerInfo without sid"))?;
    let sid = match sid_tlv.tag {
        tag::SEQUENCE => {
            let p = sid_tlv.children()?;
            let [issuer, serial] = p.as_slice() else {
                return Err(bad("malformed IssuerAndSerialNumber"));
            };
            SignerId::IssuerSerial {
                issuer: issuer.raw,
                serial: serial.expect(tag::INTEGER)?.content,
            }
        }
        0x80 => SignerId::KeyId(sid_tlv.content.to_vec()),
        _ => return Err(bad("unknown SignerIdentifier")),
    };
    let digest_oid = Algorithm::read(it.next().ok_or(bad("SignerInfo without digest"))?)?.oid;
    let signed_attrs = match it.peek() {
        Some(t) if t.tag == 0xa0 => it.next(),
        _ => None,
    };
    let signature_alg = Algorithm::read(it.next().ok_or(bad("SignerInfo without algorithm"))?)?;
    let signature = it
        .next()
        .ok_or(bad("SignerInfo without signature"))?
        .octets()?;
    let unsigned_attrs = it.next().filter(|t| t.tag == 0xa1);
    Ok(SignerInfo {
        sid,
        digest_oid,
        signed_attrs,
        signature_alg,
        signature,
        unsigned_attrs,
    })
}

/// The values of attribute `oid` in an attribute set.
fn attribute_values<'a>(set: Option<Tlv<'a>>, oid: ObjectIdentifier) -> Vec<Tlv<'a>> {
    let Some(set) = set else { return Vec::new() };
    let Ok(attrs) = set.children() else {
        return Vec::new();
    };
    attrs
        .iter()
        .filter_map(|a| {
            let parts = a.children().ok()?;
            (parts.first()?.oid().ok()? == oid).then(|| parts.get(1)?.children().ok())?
        })
        .flatten()
        .collect()
}

/// How the signer's certificate is bound by the signed attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Binding {
    /// signing-certificate-v2 (RFC 5035) matches.
    V2,
    /// signing-certificate (RFC 2634, SHA-1) matches.
    V1,
    /// Neither attribute is present.
    Absent,
    /// An attribute is present but names another certificate.
    Mismatch,
}

/// What checking one SignerInfo found.
#[derive(Debug, Clone)]
pub(crate) struct SignerCheck {
    /// The signer's certificate, if one verifies the signature or matches the identifier.
    pub(crate) signer: Option<Cert>,
    /// Whether the SignerInfo's identifier names that certificate.
    pub(crate) identified: bool,
    pub(crate) digest: Option<Hash>,
    pub(crate) digest_name: String,
    /// Whether the message-digest attribute (or, without attributes, the signature) matches
    /// the content: `None` when the digest algorithm is unsupported.
    pub(crate) digest_matches: Option<bool>,
    pub(crate) signature: Result<(), CryptoFailure>,
    pub(crate) content_type_ok: bool,
    pub(crate) binding: Binding,
    pub(crate) legacy_algorithm: bool,
    pub(crate) has_signed_attrs: bool,
    /// The signed attributes were written in DER, as RFC 5652 §5.4 requires (the signature is
    /// checked over them as written).
    pub(crate) attrs_der: bool,
}

impl SignerInfo<'_> {
    /// Checks this SignerInfo over content whose parts are `content` (RFC 5652 §5.6), with
    /// `certs` as the candidate signer certificates and `econtent_type` as the content type.
    pub(crate) fn check(
        &self,
        certs: &[Cert],
        econtent_type: ObjectIdentifier,
        content: &Content<'_>,
    ) -> SignerCheck {
        let digest = Hash::from_oid(&self.digest_oid);
        let identified_cert = certs.iter().find(|c| self.names(c)).cloned();
        let mut check = SignerCheck {
            signer: identified_cert.clone(),
            identified: identified_cert.is_some(),
            digest,
            digest_name: digest.map_or_else(|| self.digest_oid.to_string(), |h| h.name().into()),
            digest_matches: None,
            signature: Err(CryptoFailure::Unsupported(format!(
                "digest algorithm {}",
                self.digest_oid
            ))),
            content_type_ok: true,
            binding: Binding::Absent,
            legacy_algorithm: false,
            has_signed_attrs: self.signed_attrs.is_some(),
            attrs_der: true,
        };
        let Some(hash) = digest else { return check };
        check.legacy_algorithm = crypto::is_legacy(&self.signature_alg, hash);
        let (message, signed): (Vec<u8>, bool) = match self.signed_attrs {
            Some(attrs) => {
                let content_digest = content.digest(hash);
                let md = attribute_values(Some(attrs), OID_MESSAGE_DIGEST);
                check.digest_matches =
                    Some(md.len() == 1 && md[0].octets().is_ok_and(|v| v == content_digest));
                let ct = attribute_values(Some(attrs), OID_CONTENT_TYPE);
                check.content_type_ok =
                    ct.len() == 1 && ct[0].oid().is_ok_and(|o| o == econtent_type);
                match (attrs.der_set(tag::SET), attrs.definite(tag::SET)) {
                    (Ok(der), Ok(written)) => {
                        // Not DER: the integrity check fails on that; the signature value is
                        // still checked over what was written, so the report can say whether
                        // it is otherwise sound.
                        check.attrs_der = der == written;
                        (written, true)
                    }
                    _ => (Vec::new(), false),
                }
            }
            None => (content.concat(), true),
        };
        if !signed {
            check.signature = Err(CryptoFailure::Invalid);
            return check;
        }
        let candidates: Vec<&Cert> = match &identified_cert {
            Some(c) => vec![c],
            None => certs.iter().collect(),
        };
        check.signature = Err(CryptoFailure::Invalid);
        for cert in candidates {
            let Some(spki) = cert.spki() else { continue };
            let result = crypto::verify(
                &spki,
                &self.signature_alg,
                hash,
                &[&message],
                &self.signature,
            );
            match result {
                Ok(()) => {
                    check.signer = Some(cert.clone());
                    check.signature = Ok(());
                    break;
                }
                Err(e @ CryptoFailure::Unsupported(_)) => check.signature = Err(e),
                Err(CryptoFailure::Invalid) => {}
            }
        }
        if self.signed_attrs.is_none() {
            // Without attributes the signature itself covers the content digest.
            check.digest_matches = Some(check.signature.is_ok());
        }
        if let Some(cert) = &check.signer {
            check.binding = self.binding(cert);
        }
        check
    }

    fn names(&self, cert: &Cert) -> bool {
        match &self.sid {
            SignerId::IssuerSerial { issuer, serial } => {
                cert.issuer_der() == *issuer && cert.serial() == *serial
            }
            SignerId::KeyId(id) => cert.subject_key_id().as_deref() == Some(id),
        }
    }

    /// ESS signing-certificate-v2 / signing-certificate against `cert`: the first ESSCertID's
    /// hash must be the certificate's, and its issuerSerial, when present, its serial.
    fn binding(&self, cert: &Cert) -> Binding {
        let v2 = attribute_values(self.signed_attrs, OID_SIGNING_CERTIFICATE_V2);
        let v1 = attribute_values(self.signed_attrs, OID_SIGNING_CERTIFICATE);
        if let Some(value) = v2.first() {
            return if ess_matches(value, cert, true) {
                Binding::V2
            } else {
                Binding::Mismatch
            };
        }
        if let Some(value) = v1.first() {
            return if ess_matches(value, cert, false) {
                Binding::V1
            } else {
                Binding::Mismatch
            };
        }
        Binding::Absent
    }

    /// The signature timestamp token (RFC 3161 Appendix A), if the unsigned attributes hold one.
    pub(crate) fn timestamp_token(&self) -> Option<&[u8]> {
        attribute_values(self.unsigned_attrs, OID_SIGNATURE_TIMESTAMP)
            .first()
            .map(|t| t.raw)
    }
}

fn ess_matches(value: &Tlv<'_>, cert: &Cert, v2: bool) -> bool {
    let first = value
        .children()
        .ok()
        .and_then(|c| c.first().copied())
        .and_then(|certs| certs.children().ok())
        .and_then(|c| c.first().copied())
        .and_then(|id| id.children().ok());
    let Some(fields) = first else { return false };
    let mut it = fields.iter().copied().peekable();
    let mut hash = if v2 { Hash::Sha256 } else { Hash::Sha1 };
    if v2 && it.peek().is_some_and(|t| t.tag == tag::SEQUENCE) {
        let alg = it.next().and_then(|a| Algorithm::read(a).ok());
        match alg.and_then(|a| Hash::from_oid(&a.oid)) {
            Some(h) => hash = h,
            None => return false,
        }
    }
    let Some(cert_hash) = it.next().and_then(|t| t.octets().ok()) else {
        return false;
    };
    if cert_hash != hash.digest(&[&cert.der]) {
        return false;
    }
    match it.next() {
        None => true,
        Some(issuer_serial) => issuer_serial
            .children()
            .ok()
            .and_then(|p| p.get(1).map(|s| s.content == cert.serial()))
            .unwrap_or(false),
    }
}

/// A timestamp token's TSTInfo (RFC 3161 §2.4.2): what it stamps and when.
#[derive(Debug, Clone)]
pub(crate) struct TstInfo {
    pub(crate) imprint_hash: Option<Hash>,
    pub(crate) imprint: Vec<u8>,
    /// genTime as UNIX seconds (fractions dropped).
    pub(crate) gen_time: i64,
}

/// Reads TSTInfo DER.
pub(crate) fn read_tst_info(der: &[u8]) -> ber::Result<TstInfo> {
    let (t, _) = ber::parse(der)?;
    let f = t.expect(tag::SEQUENCE)?.children()?;
    let mi = f
        .get(2)
        .ok_or(bad("TSTInfo without messageImprint"))?
        .children()?;
    let alg = Algorithm::read(*mi.first().ok_or(bad("messageImprint"))?)?;
    let imprint = mi.get(1).ok_or(bad("messageImprint"))?.octets()?;
    let gen_time = f
        .get(4)
        .ok_or(bad("TSTInfo without genTime"))?
        .expect(tag::GENERALIZED_TIME)?;
    Ok(TstInfo {
        imprint_hash: Hash::from_oid(&alg.oid),
        imprint,
        gen_time: generalized_time(gen_time.content).ok_or(bad("malformed genTime"))?,
    })
}

/// `YYYYMMDDHHMMSS[.f*]Z` (RFC 3161 §2.4.2) as UNIX seconds.
fn generalized_time(text: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(text).ok()?;
    let s = s.strip_suffix('Z')?;
    let whole = s.split('.').next()?;
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| whole[r].parse::<u16>().ok();
    let month = time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::from(n(0..4)?), month, u8::try_from(n(6..8)?).ok()?)
            .ok()?;
    let t = time::Time::from_hms(
        u8::try_from(n(8..10)?).ok()?,
        u8::try_from(n(10..12)?).ok()?,
        u8::try_from(n(12..14)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(t).assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_generalized_time_with_and_without_fractions() {
        assert_eq!(generalized_time(b"20201101000000Z"), Some(1_604_188_800));
        assert_eq!(
            generalized_time(b"20201101000000.123Z"),
            Some(1_604_188_800)
        );
        assert_eq!(generalized_time(b"20201101000000"), None);
        assert_eq!(generalized_time(b"2020110100000Z"), None);
    }
}
