//! Long-term validity (ETSI EN 319 142-1 §5.3–5.5): the PAdES levels, the signature timestamp
//! of B-T (RFC 3161 Appendix A; ETSI EN 319 122-1 §5.3), the document security store of B-LT
//! (§5.4.2: `/DSS` with `/Certs`, `/CRLs`, `/OCSPs`) and the validation material it holds.
//! Every step is one incremental update that never touches earlier bytes; the document
//! timestamp of B-LTA is in [`crate::docts`].

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{ObjectIdentifier, SetOfVec};
use der::{Any, Decode, Encode};
use x509_cert::Certificate;

use crate::SigningError;
use crate::pdf::{Strictness, catalog_id, load_checked};
use crate::source::Source;
use crate::syntax::{Lexer, Token, Value, parse_dict};
use crate::tsp::{TimeStampReq, TimeStamper};
use crate::update::Plan;

/// id-aa-signatureTimeStampToken (RFC 3161 Appendix A).
const OID_SIGNATURE_TIMESTAMP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
const OID_CRL_DISTRIBUTION_POINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");

/// Bytes reserved in `/Contents` for one timestamp token (the token with the TSA's certificate
/// and its issuers; an RSA-4096 chain of three is about 6 KB).
pub const TOKEN_RESERVE: usize = 16 * 1024;

/// A PAdES baseline level (ETSI EN 319 142-1 §6): B-B, B-T (with a signature timestamp), B-LT
/// (with validation data in a DSS), B-LTA (with a document timestamp over it all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Basic signature.
    BB,
    /// With a signature timestamp.
    BT,
    /// With the DSS holding certificates and CRLs.
    BLT,
    /// With a document timestamp after the DSS.
    BLTA,
}

impl Level {
    /// Parses `b-b`, `b-t`, `b-lt` or `b-lta` (any case).
    pub fn parse(s: &str) -> Option<Level> {
        match s.to_ascii_lowercase().as_str() {
            "b-b" => Some(Level::BB),
            "b-t" => Some(Level::BT),
            "b-lt" => Some(Level::BLT),
            "b-lta" => Some(Level::BLTA),
            _ => None,
        }
    }

    /// `b-b`, `b-t`, `b-lt` or `b-lta`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::BB => "b-b",
            Level::BT => "b-t",
            Level::BLT => "b-lt",
            Level::BLTA => "b-lta",
        }
    }

    /// Whether the level needs a TSA (all but B-B).
    pub fn needs_tsa(self) -> bool {
        self != Level::BB
    }

    /// The default: B-T when a TSA is configured, else B-B.
    pub fn default_for(tsa_configured: bool) -> Level {
        if tsa_configured { Level::BT } else { Level::BB }
    }
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Level, String> {
        Level::parse(s).ok_or_else(|| format!("unknown level {s:?}: b-b, b-t, b-lt or b-lta"))
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the CRLs of a B-LT DSS come from: files given by the user, an HTTP fetch of each
/// certificate's CRL distribution point (in the `sahih` command and the web crate), or the
/// instance's own CA. The signing crate fetches nothing.
pub trait RevocationSource: Sync {
    /// DER CRLs (RFC 5280 §5) covering `certs` (end-entity and intermediate certificates;
    /// trust anchors are left out by the caller).
    ///
    /// Errors: [`SigningError::Revocation`] when a CRL cannot be had.
    fn crls(&self, certs: &[Certificate]) -> Result<Vec<Vec<u8>>, SigningError>;
}

/// CRLs known in advance (e.g. `sahih sign --crl FILE`), whatever the certificates.
#[derive(Debug, Clone, Default)]
pub struct FixedCrls(pub Vec<Vec<u8>>);

impl RevocationSource for FixedCrls {
    fn crls(&self, _certs: &[Certificate]) -> Result<Vec<Vec<u8>>, SigningError> {
        Ok(self.0.clone())
    }
}

/// What a signature above B-B needs besides the key: the level, the TSA, the CRLs' source.
#[derive(Clone, Copy)]
pub struct LongTerm<'a> {
    /// The level to reach.
    pub level: Level,
    /// The TSA (required from B-T up).
    pub tsa: Option<&'a dyn TimeStamper>,
    /// Where CRLs come from (B-LT up; none: a DSS with certificates only).
    pub revocation: Option<&'a dyn RevocationSource>,
}

/// The HTTP(S) URIs of `cert`'s CRL distribution points (RFC 5280 §4.2.1.13), in order.
pub fn crl_urls(cert: &Certificate) -> Vec<String> {
    use x509_cert::ext::pkix::CrlDistributionPoints;
    use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
    let Some(ext) = cert
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == OID_CRL_DISTRIBUTION_POINTS)
    else {
        return Vec::new();
    };
    let Ok(points) = CrlDistributionPoints::from_der(ext.extn_value.as_bytes()) else {
        return Vec::new();
    };
    points
        .0
        .iter()
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(u) => Some(u.as_str().to_string()),
            _ => None,
        })
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .collect()
}

/// Adds a signature-time-stamp-token unsigned attribute (RFC 3161 Appendix A) to the one
/// SignerInfo of CMS `ContentInfo` DER `cms_der`: a token from `tsa` over SHA-256 of the
/// SignerInfo's signature value. Returns the new DER.
///
/// Errors: [`SigningError::Timestamp`] from the TSA, [`SigningError::Der`].
pub(crate) fn add_signature_timestamp(
    cms_der: &[u8],
    tsa: &dyn TimeStamper,
) -> Result<Vec<u8>, SigningError> {
    let mut ci = ContentInfo::from_der(cms_der)?;
    let mut sd: SignedData = ci.content.decode_as()?;
    let mut infos: Vec<_> = sd.signer_infos.0.into_vec();
    let si = infos
        .first_mut()
        .ok_or_else(|| SigningError::Key("the CMS has no SignerInfo".into()))?;
    let req = TimeStampReq::sha256(si.signature.as_bytes())?;
    let token = tsa.timestamp(&req)?;
    let attr = crate::cms::attribute(OID_SIGNATURE_TIMESTAMP, Any::from_der(&token)?)?;
    let mut attrs: Vec<_> = si
        .unsigned_attrs
        .take()
        .map(SetOfVec::into_vec)
        .unwrap_or_default();
    attrs.push(attr);
    si.unsigned_attrs = Some(SetOfVec::try_from(attrs)?);
    sd.signer_infos = cms::signed_data::SignerInfos(SetOfVec::try_from(infos)?);
    ci.content = Any::encode_from(&sd)?;
    Ok(ci.to_der()?)
}

/// The CMS DER in the `/Contents` gap of a signature whose ByteRange is `[0, a, b, c]`: the hex
/// digits between `<` at `a` and `>` at `b - 1`, decoded, without the zero padding.
///
/// Errors: [`SigningError::BadStructure`] when the gap is not a hex string holding DER.
pub(crate) fn cms_in(src: &dyn Source, range: [usize; 4]) -> Result<Vec<u8>, SigningError> {
    let bad = |d: &str| SigningError::BadStructure {
        detail: format!("signature /Contents: {d}"),
    };
    let [_, a, b, _] = range;
    if b <= a + 1 {
        return Err(bad("empty"));
    }
    let gap = crate::source::window(src, a, b - a)?;
    let hex: Vec<u8> = gap
        .iter()
        .copied()
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    let bytes = hex::decode_even(&hex).ok_or_else(|| bad("not hex"))?;
    let len = der_len(&bytes)
        .filter(|l| *l <= bytes.len())
        .ok_or_else(|| bad("not DER"))?;
    Ok(bytes[..len].to_vec())
}

/// The length of the DER element at the start of `b`, header included (X.690 §8.1.3,
/// definite lengths of up to four octets).
fn der_len(b: &[u8]) -> Option<usize> {
    let first = usize::from(*b.get(1)?);
    if first < 0x80 {
        return Some(2 + first);
    }
    let n = first & 0x7f;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = len << 8 | usize::from(*b.get(2 + i)?);
    }
    Some(2 + n + len)
}

mod hex {
    /// Decodes ASCII hex digits (an odd count takes a trailing 0, ISO 32000-2 §7.3.4.3).
    pub(super) fn decode_even(digits: &[u8]) -> Option<Vec<u8>> {
        let val = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
        digits
            .chunks(2)
            .map(|p| Some(val(p[0])? << 4 | p.get(1).map_or(Some(0), |c| val(*c))?))
            .collect()
    }
}

/// The certificates a CMS SignedData carries, and those of any signature timestamp token in
/// its SignerInfos' unsigned attributes (or, for a document timestamp, the token's own).
pub(crate) fn certs_of_cms(cms_der: &[u8]) -> Vec<Certificate> {
    let mut out = own_certs_of_cms(cms_der);
    for token in timestamp_tokens(cms_der) {
        out.extend(certs_of_cms(&token));
    }
    out
}

/// The certificates a CMS SignedData carries itself (for a signature: the signer's and its
/// chain), not those of its timestamp tokens.
pub(crate) fn own_certs_of_cms(cms_der: &[u8]) -> Vec<Certificate> {
    let Ok(sd) = ContentInfo::from_der(cms_der).and_then(|ci| ci.content.decode_as::<SignedData>())
    else {
        return Vec::new();
    };
    sd.certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// Checks the CRLs `crls` (DER) for the DSS of a B-LT signature whose CMS carries `own` (the
/// signer's certificate and chain) and `all` (with the timestamp's) at `now`: each CRL signed by
/// the issuer of a certificate of `all`, current, listing none of the signer's chain, and every
/// non-self-signed certificate of the signer's chain covered (ETSI EN 319 142-1 §5.4.2; RFC
/// 5280 §6.3). The verifier's CRL reading does the work.
///
/// Errors: [`SigningError::Revocation`] (`E_CRL_UNAVAILABLE`) naming the CRL or certificate.
pub(crate) fn check_dss_crls(
    own: &[Certificate],
    all: &[Certificate],
    crls: &[Vec<u8>],
    now: time::OffsetDateTime,
) -> Result<(), SigningError> {
    let chain: Vec<Certificate> = own
        .iter()
        .filter(|c| c.tbs_certificate().issuer() != c.tbs_certificate().subject())
        .cloned()
        .collect();
    crate::verify::check_crls_for_dss(&chain, all, crls, now)
        .map_err(|detail| SigningError::Revocation { detail })
}

/// The signature timestamp tokens (RFC 3161 Appendix A) in the unsigned attributes of a CMS
/// SignedData's SignerInfos, as DER.
pub(crate) fn timestamp_tokens(cms_der: &[u8]) -> Vec<Vec<u8>> {
    let Ok(sd) = ContentInfo::from_der(cms_der).and_then(|ci| ci.content.decode_as::<SignedData>())
    else {
        return Vec::new();
    };
    sd.signer_infos
        .0
        .iter()
        .flat_map(|si| si.unsigned_attrs.iter().flat_map(|a| a.iter()))
        .filter(|attr| attr.oid == OID_SIGNATURE_TIMESTAMP)
        .flat_map(|attr| attr.values.iter())
        .filter_map(|v| v.to_der().ok())
        .collect()
}

/// Removes repeated certificates, keeping the first of each.
pub(crate) fn dedup(certs: Vec<Certificate>) -> Vec<Certificate> {
    let mut out: Vec<Certificate> = Vec::with_capacity(certs.len());
    for c in certs {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The bytes of an incremental update that adds validation data to the document security store
/// (ETSI EN 319 142-1 §5.4.2.2): a new `/DSS` dictionary keeping the entries of an existing one
/// and appending streams for `certs` (DER) and `crls` (DER) to `/Certs` and `/CRLs`; the
/// catalog points to it. Returns the bytes to append to `src`.
///
/// Errors: those of loading for signing ([`SigningError::Encrypted`], ...),
/// [`SigningError::BadStructure`] when the catalog or an existing DSS cannot be edited.
pub fn dss_update(
    src: &dyn Source,
    certs: &[Certificate],
    crls: &[Vec<u8>],
) -> Result<Vec<u8>, SigningError> {
    let (doc, chain, _) = load_checked(src, Strictness::Signing)?;
    let root = catalog_id(&doc)?;
    let mut plan = Plan::new(src, &doc, &chain)?;
    let (g, catalog) = plan.text(root.0)?;
    let d = parse_dict(&catalog, 0).ok_or_else(|| structure("the catalog does not parse"))?;
    let old = match d.get(b"DSS").map(|e| (e.value.clone(), e.span.clone())) {
        Some((Value::Ref(n, _), _)) => Some(plan.text(n)?.1),
        Some((Value::Dict, span)) => Some(catalog[span].to_vec()),
        _ => None,
    };
    let mut entries = old_entries(&plan, old.as_deref())?;
    let mut add = |plan: &mut Plan<'_>, key: usize, der: &[u8]| {
        let id = plan.alloc();
        let mut text = format!("<< /Length {} >>\nstream\n", der.len()).into_bytes();
        text.extend_from_slice(der);
        text.extend_from_slice(b"\nendstream");
        plan.put(id, 0, text);
        entries.refs[key].push(format!("{id} 0 R"));
    };
    for c in dedup(certs.to_vec()) {
        add(&mut plan, 0, &c.to_der()?);
    }
    let mut seen = std::collections::HashSet::new();
    for crl in crls.iter().filter(|c| seen.insert(c.as_slice())) {
        add(&mut plan, 1, crl);
    }
    let mut dss = String::from("<< /Type /DSS");
    for (key, refs) in ["Certs", "CRLs", "OCSPs"].iter().zip(&entries.refs) {
        if !refs.is_empty() {
            dss.push_str(&format!(" /{key} [{}]", refs.join(" ")));
        }
    }
    if let Some(vri) = &entries.vri {
        dss.push_str(&format!(" /VRI {vri}"));
    }
    dss.push_str(" >>");
    let dss_id = plan.alloc();
    plan.put(dss_id, 0, dss.into_bytes());
    let new_ref = format!("{dss_id} 0 R");
    let catalog = match d.get(b"DSS") {
        Some(e) => splice(&catalog, e.span.clone(), new_ref.as_bytes()),
        None => splice(
            &catalog,
            d.close..d.close,
            format!(" /DSS {new_ref} ").as_bytes(),
        ),
    };
    plan.put(root.0, g, catalog);
    Ok(plan.write(&chain)?.0)
}

fn structure(detail: &str) -> SigningError {
    SigningError::BadStructure {
        detail: detail.into(),
    }
}

fn splice(text: &[u8], range: std::ops::Range<usize>, with: &[u8]) -> Vec<u8> {
    [&text[..range.start], with, &text[range.end..]].concat()
}

/// An existing DSS's references under `/Certs`, `/CRLs`, `/OCSPs`, and its `/VRI` text.
struct OldEntries {
    refs: [Vec<String>; 3],
    vri: Option<String>,
}

fn old_entries(plan: &Plan<'_>, old: Option<&[u8]>) -> Result<OldEntries, SigningError> {
    let mut out = OldEntries {
        refs: [Vec::new(), Vec::new(), Vec::new()],
        vri: None,
    };
    let Some(text) = old else { return Ok(out) };
    let d = parse_dict(text, 0).ok_or_else(|| structure("the DSS does not parse"))?;
    for (i, key) in [&b"Certs"[..], b"CRLs", b"OCSPs"].iter().enumerate() {
        let Some(e) = d.get(key) else { continue };
        let array = match e.value {
            Value::Ref(n, _) => plan.text(n)?.1,
            Value::Array => text[e.span.clone()].to_vec(),
            _ => return Err(structure("a DSS entry is not an array")),
        };
        let mut lex = Lexer::new(&array, 0);
        if lex.next() != Some(Token::ArrayOpen) {
            return Err(structure("a DSS entry is not an array"));
        }
        while let Some((n, g)) = lex.reference() {
            out.refs[i].push(format!("{n} {g} R"));
        }
    }
    out.vri = d
        .get(b"VRI")
        .map(|e| String::from_utf8_lossy(&text[e.span.clone()]).into_owned());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_from_their_names_only() {
        for l in [Level::BB, Level::BT, Level::BLT, Level::BLTA] {
            assert_eq!(Level::parse(l.as_str()), Some(l));
            assert_eq!(Level::parse(&l.as_str().to_uppercase()), Some(l));
        }
        assert_eq!(Level::parse("b-lta+"), None);
        assert_eq!(Level::default_for(true), Level::BT);
        assert_eq!(Level::default_for(false), Level::BB);
        assert!(!Level::BB.needs_tsa() && Level::BLTA.needs_tsa());
    }

    #[test]
    fn hex_decodes_with_odd_digits_padded() {
        assert_eq!(hex::decode_even(b"3003"), Some(vec![0x30, 0x03]));
        assert_eq!(hex::decode_even(b"301"), Some(vec![0x30, 0x10]));
        assert_eq!(hex::decode_even(b"zz"), None);
    }
}
