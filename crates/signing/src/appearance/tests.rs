use rstest::rstest;

use super::*;

fn specimen(name: &str) -> Specimen {
    Specimen {
        name: name.into(),
        position: Some("Kepala Dinas".into()),
        agency: Some("Dinas Penanaman Modal dan PTSP".into()),
        nomor_surat: Some("503/0012/DPMPTSP/XI/2026".into()),
        time: time::macros::datetime!(2026-11-29 03:04:05 UTC),
        issuer: "BSrE".into(),
    }
}

#[rstest]
#[case("(a) \\ b", "(\\(a\\) \\\\ b)")]
#[case("Ni Made Ayu Sukmawati, S.Kom.", "(Ni Made Ayu Sukmawati, S.Kom.)")]
#[case("Dr. H. Ahmad Syarifuddin, M.Si.", "(Dr. H. Ahmad Syarifuddin, M.Si.)")]
#[case("Désirée Ö’Brien", "(D\\351sir\\351e \\326\\222Brien)")]
#[case("Ahmad 李 ) (", "(Ahmad ? \\) \\()")]
fn text_is_escaped_into_ascii_literal_strings(#[case] text: &str, #[case] expected: &str) {
    let written = literal(&winansi(text));
    assert_eq!(written, expected);
    assert!(written.is_ascii());
}

#[test]
fn the_appearance_shows_every_line_in_the_standard_fonts() {
    let v = Visible {
        page: SpecimenPage::Last,
        rect: Rect {
            x: 400.0,
            y: 40.0,
            width: 180.0,
            height: 90.0,
        },
        specimen: specimen("Dr. H. Ahmad (Syarifuddin), M.Si."),
        qr: Some("https://sahih.test/v/abc#s=xyz".into()),
    };
    let object = String::from_utf8(appearance_object(&v).expect("appearance")).expect("ascii");
    for needed in [
        "/Subtype /Form",
        "/BBox [0 0 180 90]",
        "/BaseFont /Helvetica ",
        "/BaseFont /Helvetica-Bold ",
        "/Encoding /WinAnsiEncoding",
        " re\n",
    ] {
        assert!(object.contains(needed), "{needed} missing from {object}");
    }
    let (head, stream) = object.split_once("\nstream\n").expect("stream");
    let content = stream.strip_suffix("\nendstream").expect("endstream");
    assert!(head.ends_with(&format!("/Length {} >>", content.len())));
    let shown: String = content
        .lines()
        .filter_map(|l| l.split_once(") Tj").map(|(t, _)| t))
        .filter_map(|t| t.split_once(" Td (").map(|(_, t)| t))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        shown.contains("ditandatangani secara elektronik menggunakan sertifikat elektronik"),
        "the sentence of electronic official documents is shown: {shown}"
    );
    for needed in [
        "Dr. H. Ahmad \\(Syarifuddin\\), M.Si.",
        "Kepala Dinas",
        "Nomor: 503/0012/DPMPTSP/XI/2026",
        "29 November 2026 10.04 WIB",
        "diterbitkan oleh BSrE.",
    ] {
        assert!(shown.contains(needed), "{needed} not shown: {shown}");
    }
}

#[test]
fn wrapped_lines_fit_their_width() {
    let text = sentence_id("Balai Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara");
    for width in [60.0, 100.0, 200.0] {
        let lines = wrap(&text, width, 6.0, false);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(
                text_width(l, 6.0, false) <= width,
                "{l:?} wider than {width}"
            );
        }
        assert_eq!(lines.join(" "), text);
    }
}

#[test]
fn the_time_is_shown_in_wib() {
    // 17:30 UTC on 31 December is 00:30 WIB on 1 January.
    let t = time::macros::datetime!(2026-12-31 17:30 UTC);
    assert_eq!(wib(t), "1 Januari 2027 00.30 WIB");
}

#[rstest]
#[case(Rect { x: 500.0, y: 40.0, width: 170.0, height: 90.0 })]
#[case(Rect { x: -1.0, y: 40.0, width: 170.0, height: 90.0 })]
#[case(Rect { x: 10.0, y: 800.0, width: 170.0, height: 90.0 })]
fn a_rectangle_outside_the_page_is_refused_clearly(#[case] rect: Rect) {
    let e = check_placement(&rect, [0.0, 0.0, 595.0, 842.0], 2).expect_err("outside");
    assert_eq!(e.code(), "E_SPECIMEN_PLACEMENT");
    assert!(e.is_input_fault());
    let text = e.to_string();
    assert!(text.contains("does not fit page 2"), "{text}");
    assert!(text.contains("595.0 842.0"), "{text}");
}

#[test]
fn a_rectangle_too_small_or_not_a_number_is_refused() {
    for rect in [
        Rect {
            x: 0.0,
            y: 0.0,
            width: 20.0,
            height: 90.0,
        },
        Rect {
            x: f64::NAN,
            y: 0.0,
            width: 100.0,
            height: 90.0,
        },
    ] {
        let e = check_placement(&rect, [0.0, 0.0, 595.0, 842.0], 1).expect_err("small");
        assert_eq!(e.code(), "E_SPECIMEN_PLACEMENT");
    }
    let inside = Rect {
        x: 400.0,
        y: 40.0,
        width: 170.0,
        height: 90.0,
    };
    assert!(check_placement(&inside, [0.0, 0.0, 595.0, 842.0], 1).is_ok());
}

#[test]
fn pages_are_chosen_by_index_or_last() {
    let pages = [(3, 0), (9, 0)];
    assert_eq!(
        choose_page(SpecimenPage::Last, &pages).expect("last"),
        (9, 0)
    );
    assert_eq!(
        choose_page(SpecimenPage::Index(0), &pages).expect("first"),
        (3, 0)
    );
    let e = choose_page(SpecimenPage::Index(2), &pages).expect_err("no page 3");
    assert_eq!(e.code(), "E_SPECIMEN_PAGE");
    assert!(e.to_string().contains("page 3"), "{e}");
}
