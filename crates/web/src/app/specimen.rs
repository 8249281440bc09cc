//! The official's visible signature (spesimen and QR code) on the documents the service signs:
//! where it goes (`[signing] visible`), and the QR payload, the document's verification URL
//! with a statement signed by the instance's log key in its fragment (docs/qr-statement.md).
//! Paraf (approval) signatures stay invisible.

use sahih_signing::appearance::{Rect, Specimen, SpecimenPage, Visible, certificate_names};
use sahih_signing::{Certificate, Source};
use sahih_tlog::{LogRef, Statement, qr_payload};
use time::OffsetDateTime;

use super::App;
use crate::AppError;

/// Where the official's visible signature goes, and the address its QR code opens.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecimenSettings {
    /// Page and rectangle; none: signatures are invisible.
    pub placement: Option<(SpecimenPage, Rect)>,
    /// The service's public address, `https://host` without a trailing `/`: the QR code
    /// opens `<base_url>/v/<verification code>`.
    pub base_url: String,
}

/// The default placement: the last page, bottom right of an A4 or Letter page, 200 × 100
/// points (70 × 35 mm: the QR code takes about 34 mm of it)
/// (`last,370,40,200,100`).
pub const DEFAULT_PLACEMENT: &str = "last,370,40,200,100";

impl Default for SpecimenSettings {
    fn default() -> Self {
        SpecimenSettings {
            placement: parse_placement(DEFAULT_PLACEMENT).ok().flatten(),
            base_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// Parses `PAGE,X,Y,W,H` (page 1-based or `last`; points from the page's lower-left corner),
/// or `none` for invisible signatures.
///
/// Errors: a sentence saying what is expected.
pub fn parse_placement(text: &str) -> Result<Option<(SpecimenPage, Rect)>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let expected = || format!("{text:?}: expected PAGE,X,Y,W,H (e.g. {DEFAULT_PLACEMENT}) or none");
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [page, numbers @ ..] = parts.as_slice() else {
        return Err(expected());
    };
    let page = match *page {
        "last" => SpecimenPage::Last,
        n => match n.parse::<usize>() {
            Ok(n) if n >= 1 => SpecimenPage::Index(n - 1),
            _ => return Err(expected()),
        },
    };
    let numbers: Vec<f64> = numbers
        .iter()
        .map(|n| n.parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect::<Option<_>>()
        .ok_or_else(expected)?;
    let [x, y, width, height] = numbers.as_slice() else {
        return Err(expected());
    };
    Ok(Some((
        page,
        Rect {
            x: *x,
            y: *y,
            width: *width,
            height: *height,
        },
    )))
}

/// What the specimen of one signature says, besides the nomor surat (known only inside the
/// signing transaction).
pub(super) struct SpecimenDraft {
    pub visible: Visible,
    statement: Option<Statement>,
    url: String,
}

impl SpecimenDraft {
    /// The visible signature with `nomor_surat`, and its QR payload signed by `app`'s log key.
    ///
    /// Errors: `E_INTERNAL` when a field is too long for the statement (over 255 bytes).
    pub(super) fn finish(&self, app: &App, nomor_surat: Option<&str>) -> Result<Visible, AppError> {
        let mut visible = self.visible.clone();
        visible.specimen.nomor_surat = nomor_surat.map(str::to_string);
        let payload = match &self.statement {
            Some(s) => {
                let statement = Statement {
                    nomor_surat: nomor_surat.unwrap_or_default().to_string(),
                    ..s.clone()
                };
                let signed = statement
                    .sign(&app.config.log_key)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                qr_payload(&self.url, &signed)
            }
            None => self.url.clone(),
        };
        visible.qr = Some(payload);
        Ok(visible)
    }
}

/// Who signs and what: the inputs of [`App::specimen_draft`].
pub(super) struct Signing<'a> {
    pub document: sahih_workflow::DocumentId,
    pub pdf: &'a dyn Source,
    pub cert: &'a Certificate,
    pub name: &'a str,
    pub position: &'a str,
    pub agency: &'a str,
    pub verification_code: &'a str,
    pub time: OffsetDateTime,
}

impl App {
    /// Sets where the official's visible signature goes and the address its QR code opens.
    pub fn with_specimen(mut self, settings: SpecimenSettings) -> App {
        self.specimen = std::sync::Arc::new(settings);
        self
    }

    /// The visible signature of a signing, if the settings ask for one: the specimen, and a
    /// statement (the input's SHA-256, the signer, the certificate serial, the document's log
    /// pseudonym) to sign once the nomor surat is known.
    ///
    /// Errors: `E_IO` when the input cannot be read; store errors reading the log's salt.
    pub(super) fn specimen_draft(&self, s: Signing<'_>) -> Result<Option<SpecimenDraft>, AppError> {
        let Some((page, rect)) = self.specimen.placement else {
            return Ok(None);
        };
        let issuer = certificate_names(s.cert)
            .issuer
            .unwrap_or_else(|| "penyelenggara sertifikasi elektronik".into());
        let document_sha256 = sahih_signing::source::sha256(s.pdf, 0..s.pdf.len())
            .map_err(|e| AppError::Internal(format!("hashing the document: {e}")))?;
        let pseudonym = self.store.log_document_pseudonym(s.document)?;
        let non_empty = |t: &str| (!t.trim().is_empty()).then(|| t.to_string());
        Ok(Some(SpecimenDraft {
            visible: Visible {
                page,
                rect,
                specimen: Specimen {
                    name: s.name.to_string(),
                    position: non_empty(s.position),
                    agency: non_empty(s.agency),
                    nomor_surat: None,
                    time: s.time,
                    issuer,
                },
                qr: None,
            },
            statement: Some(Statement {
                document_sha256,
                nomor_surat: String::new(),
                signer: s.name.to_string(),
                signer_id: s.cert.tbs_certificate().serial_number().as_bytes().to_vec(),
                log: LogRef::Document(pseudonym.0),
            }),
            url: format!(
                "{}/v/{}",
                self.specimen.base_url.trim_end_matches('/'),
                s.verification_code
            ),
        }))
    }
}

/// `visible` moved inside `page_box` (`[llx lly urx ury]`) keeping its size, for a page smaller
/// than the configured position expects; none when the page is smaller than the rectangle.
pub(super) fn moved_inside(visible: &Visible, page_box: [f64; 4]) -> Option<Visible> {
    let r = visible.rect;
    if r.width > page_box[2] - page_box[0] || r.height > page_box[3] - page_box[1] {
        return None;
    }
    let x = r.x.min(page_box[2] - r.width).max(page_box[0]);
    let y = r.y.min(page_box[3] - r.height).max(page_box[1]);
    Some(Visible {
        rect: Rect { x, y, ..r },
        ..visible.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_parse_and_mistakes_say_what_is_expected() {
        let (page, rect) = parse_placement(" 2, 400,40,170.5,90")
            .expect("parse")
            .expect("visible");
        assert_eq!(page, SpecimenPage::Index(1));
        assert_eq!((rect.x, rect.width), (400.0, 170.5));
        assert_eq!(parse_placement("none"), Ok(None));
        assert!(SpecimenSettings::default().placement.is_some());
        for bad in [
            "0,1,2,3,4",
            "1,2,3",
            "x,1,2,3,4",
            "1,a,2,3,4",
            "1,inf,2,3,4",
            "",
        ] {
            let e = parse_placement(bad).expect_err(bad);
            assert!(e.contains("PAGE,X,Y,W,H"), "{e}");
        }
    }

    #[test]
    fn a_specimen_is_moved_inside_a_smaller_page() {
        let (page, rect) = parse_placement(DEFAULT_PLACEMENT)
            .expect("parse")
            .expect("visible");
        let v = Visible {
            page,
            rect,
            specimen: Specimen {
                name: "A".into(),
                position: None,
                agency: None,
                nomor_surat: None,
                time: OffsetDateTime::UNIX_EPOCH,
                issuer: "CA".into(),
            },
            qr: None,
        };
        // A5 portrait: 420 x 595 points.
        let moved = moved_inside(&v, [0.0, 0.0, 420.0, 595.0]).expect("fits");
        assert_eq!((moved.rect.x, moved.rect.y), (220.0, 40.0));
        assert!(moved_inside(&v, [0.0, 0.0, 100.0, 100.0]).is_none());
    }
}
