//! PAdES document timestamps (ETSI EN 319 142-1 §5.4.3; ISO 32000-2 §12.8.5): a signature
//! dictionary `/Type /DocTimeStamp /SubFilter /ETSI.RFC3161` whose `/Contents` is an RFC 3161
//! token over the ByteRange, in a new invisible field, appended as one incremental update. And
//! the steps that take a signed document to B-LT and B-LTA, or re-timestamp an archived one.

use std::collections::HashSet;

use sha2::Digest;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::SigningError;
use crate::ltv::{
    LongTerm, RevocationSource, certs_of_cms, check_dss_crls, cms_in, dedup, dss_update,
    own_certs_of_cms,
};
use crate::pdf::{
    BYTE_RANGE_PLACEHOLDER, Strictness, catalog_id, check_docmdp, check_verifiable, hex_upper,
    load_checked, page_tree, walk_fields,
};
use crate::source::Source;
use crate::tsp::{TimeStampReq, TimeStamper};
use crate::update::Plan;

/// Prefix of document timestamp fields' `/T`.
const FIELD_PREFIX: &str = "Sahih-DTS";

/// A source made of another one followed by bytes in memory: a signed file while its later
/// updates are being written.
pub(crate) struct Chained<'a> {
    pub(crate) head: &'a dyn Source,
    pub(crate) tail: Vec<u8>,
}

impl Source for Chained<'_> {
    fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: usize) -> std::io::Result<()> {
        let split = self.head.len();
        let end = offset
            .checked_add(buf.len())
            .filter(|e| *e <= self.len())
            .ok_or(std::io::ErrorKind::UnexpectedEof)?;
        if offset < split {
            let n = split.min(end) - offset;
            self.head.read_exact_at(&mut buf[..n], offset)?;
            if end > split {
                buf[n..].copy_from_slice(&self.tail[..end - split]);
            }
        } else {
            buf.copy_from_slice(&self.tail[offset - split..end - split]);
        }
        Ok(())
    }
}

/// Writes `bytes` to `out` and keeps them at the end of `chained`.
fn emit(
    chained: &mut Chained<'_>,
    out: &mut dyn std::io::Write,
    bytes: Vec<u8>,
) -> Result<(), SigningError> {
    out.write_all(&bytes)?;
    chained.tail.extend(bytes);
    Ok(())
}

/// The bytes of an incremental update adding a document timestamp from `tsa` over all of `src`
/// and the update itself but its `/Contents` (ETSI EN 319 142-1 §5.4.3). Returns them and the
/// new field's name.
///
/// Errors: those of loading for signing, [`SigningError::Timestamp`] from the TSA,
/// [`SigningError::ContentsTooSmall`] for a token past [`crate::ltv::TOKEN_RESERVE`].
pub fn doc_timestamp_update(
    src: &dyn Source,
    tsa: &dyn TimeStamper,
) -> Result<(Vec<u8>, String), SigningError> {
    let reserve = crate::ltv::TOKEN_RESERVE;
    let (doc, chain, _) = load_checked(src, Strictness::Signing)?;
    check_verifiable(src.len(), chain.len())?;
    let root = catalog_id(&doc)?;
    check_docmdp(&doc, root)?;
    let (page, _) = page_tree(&doc, root)?;
    let mut names = HashSet::new();
    walk_fields(&doc, root, src.len(), &mut names)?;
    let field = (1..)
        .map(|n| format!("{FIELD_PREFIX}-{n}"))
        .find(|n| !names.contains(n))
        .unwrap_or_else(|| FIELD_PREFIX.to_string());
    let mut plan = Plan::new(src, &doc, &chain)?;
    let (sig_id, widget_id) = (plan.alloc(), plan.alloc());
    let head = "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange ";
    let sig = format!(
        "{head}{BYTE_RANGE_PLACEHOLDER} /Contents <{}> >>",
        "0".repeat(2 * reserve)
    );
    plan.put(sig_id, 0, sig.into_bytes());
    let widget = format!(
        "<< /Type /Annot /Subtype /Widget /FT /Sig /T ({field}) /V {sig_id} 0 R /Rect [0 0 0 0] /F 132 /P {} {} R >>",
        page.0, page.1
    );
    plan.put(widget_id, 0, widget.into_bytes());
    let widget_ref = format!("{widget_id} 0 R");
    plan.add_signature_field(root.0, &widget_ref)?;
    plan.push_to_object_array(page.0, b"Annots", &widget_ref)?;
    let (mut update, offsets) = plan.write(&chain)?;
    let base = src.len();
    let sig_at = offsets[&sig_id] - base + format!("{sig_id} 0 obj\n").len();
    let range_at = sig_at + head.len();
    let a = base + range_at + BYTE_RANGE_PLACEHOLDER.len() + " /Contents ".len();
    let b = a + 2 * reserve + 2;
    let c = base + update.len() - b;
    let mut range = format!("[0 {a} {b} {c}]");
    while range.len() < BYTE_RANGE_PLACEHOLDER.len() {
        range.insert(range.len() - 1, ' ');
    }
    update[range_at..range_at + range.len()].copy_from_slice(range.as_bytes());
    let mut hasher = sha2::Sha256::new();
    crate::source::for_each_chunk(src, 0..base, |chunk| hasher.update(chunk))?;
    hasher.update(&update[..a - base]);
    hasher.update(&update[b - base..]);
    let req = TimeStampReq::for_sha256(hasher.finalize().into())?;
    let token = tsa.timestamp(&req)?;
    if token.len() > reserve {
        return Err(SigningError::ContentsTooSmall {
            needed: token.len(),
            reserved: reserve,
        });
    }
    let hex = hex_upper(&token);
    let at = a - base + 1;
    update[at..at + hex.len()].copy_from_slice(hex.as_bytes());
    Ok((update, field))
}

/// Takes a file just signed (B-T) to `lt.level`: for B-LT and B-LTA appends a DSS with the
/// certificates of the signature whose ByteRange is `range` (signer, chain, TSA) and the CRLs
/// `lt.revocation` gives for them; for B-LTA then a document timestamp. Writes the appended
/// bytes to `out`; returns the new length of the file.
///
/// Errors: those of [`dss_update`] and [`doc_timestamp_update`], [`SigningError::Revocation`].
pub(crate) fn extend_to_level(
    signed: &dyn Source,
    range: [usize; 4],
    out: &mut dyn std::io::Write,
    lt: &LongTerm<'_>,
) -> Result<usize, SigningError> {
    use crate::ltv::Level;
    let mut chained = Chained {
        head: signed,
        tail: Vec::new(),
    };
    if lt.level >= Level::BLT {
        let cms = cms_in(signed, range)?;
        let certs = dedup(certs_of_cms(&cms));
        let crls = crls_for(&certs, lt.revocation)?;
        if lt.revocation.is_some() {
            check_dss_crls(
                &own_certs_of_cms(&cms),
                &certs,
                &crls,
                OffsetDateTime::now_utc(),
            )?;
        }
        let dss = dss_update(&chained, &certs, &crls)?;
        emit(&mut chained, out, dss)?;
    }
    if lt.level >= Level::BLTA {
        let tsa = lt
            .tsa
            .ok_or_else(|| crate::tsp::timestamp_error("B-LTA needs a TSA"))?;
        let (dts, _) = doc_timestamp_update(&chained, tsa)?;
        emit(&mut chained, out, dts)?;
    }
    Ok(chained.len())
}

/// CRLs for `certs` but the self-signed ones (trust anchors need none).
fn crls_for(
    certs: &[Certificate],
    revocation: Option<&dyn RevocationSource>,
) -> Result<Vec<Vec<u8>>, SigningError> {
    let Some(source) = revocation else {
        return Ok(Vec::new());
    };
    let checked: Vec<Certificate> = certs
        .iter()
        .filter(|c| c.tbs_certificate().issuer() != c.tbs_certificate().subject())
        .cloned()
        .collect();
    source.crls(&checked)
}

/// The newest timestamp of a signed document (ETSI EN 319 142-1 §5.5): of its signatures and
/// document timestamps, the one in the latest revision; the time its TSA certificate expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastTimestamp {
    /// The timestamp's genTime.
    pub time: OffsetDateTime,
    /// notAfter of the certificate that signed the token.
    pub tsa_not_after: OffsetDateTime,
}

/// Finds the newest timestamp token in `src` (see [`LastTimestamp`]): `None` when the document
/// has no timestamp at all. Reads every signature's `/Contents` through the validator's view
/// of the document.
///
/// Errors: [`SigningError::BadStructure`] when the file cannot be read as a PDF.
pub fn last_timestamp(src: &dyn Source) -> Result<Option<LastTimestamp>, SigningError> {
    let report =
        crate::verify::verify_source(src, &crate::verify::Policy::default()).map_err(|u| {
            SigningError::BadStructure {
                detail: format!("{}: {}", u.code, u.reason),
            }
        })?;
    let mut best: Option<(u64, LastTimestamp)> = None;
    for sig in &report.signatures {
        let (Some(end), [0, a, b, c]) = (sig.signed_length, sig.byte_range.as_slice()) else {
            continue;
        };
        let range = [0, *a, *b, *c].map(|x| usize::try_from(x).unwrap_or(0));
        let Ok(cms) = cms_in(src, range) else {
            continue;
        };
        let tokens = if sig.kind == crate::verify::SignatureKind::DocumentTimestamp {
            vec![cms]
        } else {
            crate::ltv::timestamp_tokens(&cms)
        };
        for token in tokens {
            let Some(found) = token_times(&token) else {
                continue;
            };
            if best
                .as_ref()
                .is_none_or(|(e, b)| (end, found.time) > (*e, b.time))
            {
                best = Some((end, found));
            }
        }
    }
    Ok(best.map(|(_, t)| t))
}

fn token_times(token: &[u8]) -> Option<LastTimestamp> {
    let (info, certs) = crate::tsp::read_token(token).ok()?;
    let time = OffsetDateTime::from_unix_timestamp(crate::tsp::gen_time_unix(&info)?).ok()?;
    let signer = crate::tsp::token_signer(token, &certs)?;
    let not_after = signer
        .tbs_certificate()
        .validity()
        .not_after
        .to_unix_duration();
    let tsa_not_after =
        OffsetDateTime::from_unix_timestamp(i64::try_from(not_after.as_secs()).ok()?).ok()?;
    Some(LastTimestamp {
        time,
        tsa_not_after,
    })
}

/// Re-timestamps an archived document (ETSI EN 319 142-1 §5.5, B-LTA): appends a DSS with the
/// certificates of every signature and timestamp in it and the CRLs `revocation` gives for
/// them, then a fresh document timestamp from `tsa`. Writes the whole new file to `out`;
/// earlier bytes are copied unchanged. Returns the new file's length.
///
/// Errors: those of [`dss_update`], [`doc_timestamp_update`] and [`last_timestamp`].
pub fn archive_timestamp(
    src: &dyn Source,
    out: &mut dyn std::io::Write,
    tsa: &dyn TimeStamper,
    revocation: Option<&dyn RevocationSource>,
) -> Result<usize, SigningError> {
    let report =
        crate::verify::verify_source(src, &crate::verify::Policy::default()).map_err(|u| {
            SigningError::BadStructure {
                detail: format!("{}: {}", u.code, u.reason),
            }
        })?;
    let mut certs = Vec::new();
    for sig in &report.signatures {
        if let [0, a, b, c] = sig.byte_range.as_slice() {
            let range = [0, *a, *b, *c].map(|x| usize::try_from(x).unwrap_or(0));
            if let Ok(cms) = cms_in(src, range) {
                certs.extend(certs_of_cms(&cms));
            }
        }
    }
    let certs = dedup(certs);
    let crls = crls_for(&certs, revocation)?;
    let mut chained = Chained {
        head: src,
        tail: Vec::new(),
    };
    let dss = dss_update(&chained, &certs, &crls)?;
    chained.tail = dss;
    let (dts, _) = doc_timestamp_update(&chained, tsa)?;
    chained.tail.extend(dts);
    let mut written = Ok(());
    crate::source::for_each_chunk(src, 0..src.len(), |chunk| {
        if written.is_ok() {
            written = out.write_all(chunk);
        }
    })?;
    written?;
    out.write_all(&chained.tail)?;
    Ok(chained.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chained_source_reads_across_the_seam() {
        let head: Vec<u8> = b"hello ".to_vec();
        let c = Chained {
            head: &head,
            tail: b"world".to_vec(),
        };
        let mut buf = vec![0; 11];
        c.read_exact_at(&mut buf, 0).expect("read");
        assert_eq!(buf, b"hello world");
        let mut buf = vec![0; 4];
        c.read_exact_at(&mut buf, 4).expect("read");
        assert_eq!(buf, b"o wo");
        c.read_exact_at(&mut buf, 7).expect("read");
        assert_eq!(buf, b"orld");
        assert!(c.read_exact_at(&mut buf, 8).is_err());
    }
}
