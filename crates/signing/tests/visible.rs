//! The visible signature on small hand-written PDFs: the widget goes on the chosen page with its
//! rectangle and appearance, the page's content is never touched (earlier bytes are kept), an
//! earlier signature stays intact, and a rectangle off the page is refused with a reason.

mod common;

use common::{assemble, ed25519_pki};
use sahih_signing::verify::{Indication, Policy, verify};
use sahih_signing::{Rect, SignatureOptions, Specimen, SpecimenPage, Visible, sign_pdf};

/// Two pages; the media box is inherited from the page tree by both, the second page has a
/// smaller crop box.
fn two_pages() -> Vec<u8> {
    assemble(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 595 842] >>".into(),
        "<< /Type /Page /Parent 2 0 R >>".into(),
        "<< /Type /Page /Parent 2 0 R /CropBox [0 0 420 595] >>".into(),
    ])
}

fn visible(page: SpecimenPage, x: f64) -> Visible {
    Visible {
        page,
        rect: Rect {
            x,
            y: 40.0,
            width: 170.0,
            height: 90.0,
        },
        specimen: Specimen {
            name: "Ni Made Ayu Sukmawati, S.Kom.".into(),
            position: Some("Kepala Dinas".into()),
            agency: Some("DPMPTSP".into()),
            nomor_surat: Some("503/0012/DPMPTSP/XI/2026".into()),
            time: time::OffsetDateTime::now_utc(),
            issuer: "Sahih Development CA".into(),
        },
        qr: Some("https://sahih.test/v/abc#s=statement".into()),
    }
}

#[test]
fn the_widget_is_on_the_chosen_page_with_its_appearance_and_earlier_bytes_are_kept() {
    let pki = ed25519_pki(3);
    let pdf = two_pages();
    let options = SignatureOptions {
        visible: Some(visible(SpecimenPage::Last, 240.0)),
        ..SignatureOptions::default()
    };
    let signed = sign_pdf(&pdf, &pki.key, &pki.cert, &pki.ca, &options).expect("sign");
    assert!(signed.bytes.starts_with(&pdf), "earlier bytes unchanged");
    let doc = lopdf::Document::load_mem(&signed.bytes).expect("load");
    let pages = doc.get_pages();
    let last = pages[&2];
    let annots = doc
        .get_dictionary(last)
        .and_then(|p| p.get(b"Annots"))
        .and_then(lopdf::Object::as_array)
        .expect("the last page has /Annots");
    let widget = doc
        .get_dictionary(annots[0].as_reference().expect("ref"))
        .expect("widget");
    let rect: Vec<f32> = widget
        .get(b"Rect")
        .and_then(lopdf::Object::as_array)
        .expect("rect")
        .iter()
        .map(|n| n.as_float().expect("number"))
        .collect();
    assert_eq!(rect, vec![240.0, 40.0, 410.0, 130.0]);
    let ap = widget
        .get(b"AP")
        .and_then(lopdf::Object::as_dict)
        .and_then(|ap| ap.get(b"N"))
        .and_then(lopdf::Object::as_reference)
        .expect("/AP /N");
    let stream = doc
        .get_object(ap)
        .and_then(lopdf::Object::as_stream)
        .expect("stream");
    assert_eq!(
        stream
            .dict
            .get(b"Subtype")
            .and_then(lopdf::Object::as_name)
            .ok(),
        Some(&b"Form"[..])
    );
    assert!(stream.dict.has(b"Resources"));
    // The first page has no annotation, and no page's content changed.
    assert!(
        doc.get_dictionary(pages[&1])
            .expect("page")
            .get(b"Annots")
            .is_err()
    );
    let report = verify(&signed.bytes, &Policy::default()).expect("verifies");
    assert_ne!(report.indication, Indication::TotalFailed, "{report:?}");
    assert_eq!(report.signatures.len(), 1);
}

#[test]
fn an_earlier_signature_stays_intact_under_a_visible_one() {
    let pki = ed25519_pki(4);
    let first = sign_pdf(
        &two_pages(),
        &pki.key,
        &pki.cert,
        &pki.ca,
        &SignatureOptions::default(),
    )
    .expect("paraf");
    let options = SignatureOptions {
        visible: Some(visible(SpecimenPage::Index(0), 400.0)),
        ..SignatureOptions::default()
    };
    let second = sign_pdf(&first.bytes, &pki.key, &pki.cert, &pki.ca, &options).expect("sign");
    let policy = Policy {
        trust_anchors: pki.ca.clone(),
        ..Policy::default()
    };
    let report = verify(&second.bytes, &policy).expect("verifies");
    assert_eq!(report.signatures.len(), 2);
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
}

#[test]
fn a_rectangle_off_the_crop_box_or_a_missing_page_is_refused() {
    let pki = ed25519_pki(5);
    // x 400 fits the A4 media box but not the second page's 420-point crop box.
    let options = SignatureOptions {
        visible: Some(visible(SpecimenPage::Last, 400.0)),
        ..SignatureOptions::default()
    };
    let e = sign_pdf(&two_pages(), &pki.key, &pki.cert, &pki.ca, &options).expect_err("off");
    assert_eq!(e.code(), "E_SPECIMEN_PLACEMENT");
    assert!(e.to_string().contains("does not fit page 2"), "{e}");
    let options = SignatureOptions {
        visible: Some(visible(SpecimenPage::Index(2), 40.0)),
        ..SignatureOptions::default()
    };
    let e = sign_pdf(&two_pages(), &pki.key, &pki.cert, &pki.ca, &options).expect_err("page 3");
    assert_eq!(e.code(), "E_SPECIMEN_PAGE");
}

/// Two pages whose `/Annots` is one array object (5 0 R), holding a link annotation.
fn shared_annots() -> Vec<u8> {
    assemble(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 595 842] >>".into(),
        "<< /Type /Page /Parent 2 0 R /Annots 5 0 R >>".into(),
        "<< /Type /Page /Parent 2 0 R /Annots 5 0 R >>".into(),
        "[6 0 R]".into(),
        "<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] >>".into(),
    ])
}

#[test]
fn a_specimen_on_a_page_sharing_its_annots_array_shows_on_that_page_only() {
    let pki = ed25519_pki(4);
    let pdf = shared_annots();
    let options = SignatureOptions {
        visible: Some(visible(SpecimenPage::Last, 240.0)),
        ..SignatureOptions::default()
    };
    let signed = sign_pdf(&pdf, &pki.key, &pki.cert, &pki.ca, &options).expect("sign");
    let doc = lopdf::Document::load_mem(&signed.bytes).expect("load");
    let pages = doc.get_pages();
    let annots = |n: u32| -> Vec<lopdf::Object> {
        let a = doc
            .get_dictionary(pages[&n])
            .and_then(|p| p.get(b"Annots"))
            .expect("/Annots");
        let a = match a {
            lopdf::Object::Reference(id) => doc.get_object(*id).expect("array"),
            direct => direct,
        };
        a.as_array().expect("array").clone()
    };
    let link = lopdf::Object::Reference((6, 0));
    assert_eq!(annots(1), vec![link.clone()], "page 1 keeps only its link");
    let second = annots(2);
    assert_eq!(
        second.len(),
        2,
        "page 2: the link and the widget: {second:?}"
    );
    assert_eq!(second[0], link);
    let report = verify(&signed.bytes, &Policy::default()).expect("usable");
    assert_ne!(report.indication, Indication::TotalFailed, "{report:?}");
}

#[test]
fn a_page_box_that_is_not_four_numbers_is_refused_not_guessed() {
    let pki = ed25519_pki(5);
    let options = SignatureOptions {
        visible: Some(visible(SpecimenPage::Last, 40.0)),
        ..SignatureOptions::default()
    };
    for (media, crop) in [
        ("[0 0 /Foo 792 1000]", ""),
        ("[0 0 595]", ""),
        ("[0 0 595 842 1000]", ""),
        ("[0 0 595 842]", "/CropBox [0 0 (x) 420 595]"),
    ] {
        // The page tree's box is valid: a broken page box must not fall back to it.
        let pdf = assemble(&[
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>".into(),
            format!("<< /Type /Page /Parent 2 0 R /MediaBox {media} {crop} >>"),
        ]);
        let err = sign_pdf(&pdf, &pki.key, &pki.cert, &pki.ca, &options).expect_err(media);
        assert_eq!(err.code(), "E_PDF_STRUCTURE", "{media} {crop}: {err}");
    }
}
