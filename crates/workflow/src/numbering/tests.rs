use proptest::prelude::*;
use rstest::rstest;

use super::*;

fn parts(classification: &str, seq: u64, month: u8) -> NumberParts {
    NumberParts {
        classification: classification.into(),
        seq,
        agency: "DPMPTSP".into(),
        service: "sku".into(),
        month,
        year: 2026,
    }
}

#[rstest]
#[case(DEFAULT_NUMBER_FORMAT, 12, 11, "503/0012/DPMPTSP/XI/2026")]
#[case(DEFAULT_NUMBER_FORMAT, 123_456, 1, "503/123456/DPMPTSP/I/2026")]
#[case("{classification}/{seq}/{agency}/{year}", 7, 4, "503/7/DPMPTSP/2026")]
#[case("{seq:01}.{classification}-{year}", 0, 4, "0.503-2026")]
#[case("{seq:09}|{classification}|{year}", 42, 4, "000000042|503|2026")]
#[case(
    "No. {classification}/{seq:03}/{service}/{month:02}/{year}",
    5,
    3,
    "No. 503/005/sku/03/2026"
)]
#[case("{classification}/{seq}/{month}/{year}", 5, 9, "503/5/9/2026")]
#[case("{classification}/{seq}/{month_roman}/{year}", 1, 12, "503/1/XII/2026")]
#[case(
    "Nomor: {classification}/{seq}/{year} — arsip",
    1,
    4,
    "Nomor: 503/1/2026 — arsip"
)]
fn formats_render_the_number_a_reader_expects(
    #[case] format: &str,
    #[case] seq: u64,
    #[case] month: u8,
    #[case] expected: &str,
) {
    let parsed = NumberFormat::parse(format).expect("valid format");
    assert_eq!(parsed.as_str(), format);
    assert_eq!(parsed.render(&parts("503", seq, month)), expected);
}

#[rstest]
#[case("", NumberingError::SeqCount { found: 0 })]
#[case("{classification}/{year}", NumberingError::SeqCount { found: 0 })]
#[case("{classification}/{seq}/{seq:04}/{year}", NumberingError::SeqCount { found: 2 })]
#[case("{classification}/{seq}", NumberingError::MissingPlaceholder("year"))]
#[case("{seq}/{year}", NumberingError::MissingPlaceholder("classification"))]
#[case("{classification}/{seq:4}/{year}", NumberingError::UnknownPlaceholder("seq:4".into()))]
#[case("{classification}/{seq:00}/{year}", NumberingError::UnknownPlaceholder("seq:00".into()))]
#[case("{classification}/{seq:010}/{year}", NumberingError::UnknownPlaceholder("seq:010".into()))]
#[case("{classification}/{seq}/{month:03}/{year}", NumberingError::UnknownPlaceholder("month:03".into()))]
#[case("{classification}/{seq}/{tahun}", NumberingError::UnknownPlaceholder("tahun".into()))]
#[case("{classification}/{SEQ}/{year}", NumberingError::UnknownPlaceholder("SEQ".into()))]
#[case("{classification}/{ seq }/{year}", NumberingError::UnknownPlaceholder(" seq ".into()))]
#[case("{classification}/{seq/{year}", NumberingError::UnmatchedBrace { brace: '{', at: 18 })]
#[case("{classification}/{seq}/{year", NumberingError::UnmatchedBrace { brace: '{', at: 24 })]
#[case("{classification}/{seq}}/{year}", NumberingError::UnmatchedBrace { brace: '}', at: 23 })]
#[case("{classification}\t{seq}/{year}", NumberingError::ForbiddenChar { at: 17 })]
#[case("{classification}/{seq}\n{year}", NumberingError::ForbiddenChar { at: 23 })]
#[case("{classification}\u{200B}{seq}/{year}", NumberingError::ForbiddenChar { at: 17 })]
fn bad_formats_are_refused_with_the_reason(#[case] format: &str, #[case] error: NumberingError) {
    let got = NumberFormat::parse(format).expect_err("refused");
    assert_eq!(got, error);
    assert_eq!(got.code(), "E_NUMBER_FORMAT");
}

#[test]
fn a_format_longer_than_120_characters_is_refused() {
    let at_limit = format!(
        "{}{}",
        DEFAULT_NUMBER_FORMAT,
        "é".repeat(120 - DEFAULT_NUMBER_FORMAT.len())
    );
    assert_eq!(at_limit.chars().count(), 120);
    assert!(NumberFormat::parse(&at_limit).is_ok());
    let over = format!("{at_limit}x");
    assert_eq!(
        NumberFormat::parse(&over),
        Err(NumberingError::FormatTooLong { len: 121, max: 120 })
    );
}

#[test]
fn the_default_format_is_the_parsed_default_text() {
    assert_eq!(
        NumberFormat::parse(DEFAULT_NUMBER_FORMAT),
        Ok(NumberFormat::default())
    );
}

#[rstest]
#[case(0, "0")]
#[case(13, "13")]
fn an_impossible_month_is_written_in_digits_not_dropped(#[case] month: u8, #[case] shown: &str) {
    let format = NumberFormat::parse("{classification}/{seq}/{month_roman}/{year}").expect("ok");
    assert_eq!(
        format.render(&parts("503", 1, month)),
        format!("503/1/{shown}/2026")
    );
}

#[rstest]
#[case("503")]
#[case("000.1.2")]
#[case("900")]
#[case("PK-01")]
#[case("12345678901234567890")]
fn good_classifications_are_accepted(#[case] code: &str) {
    assert_eq!(validate_classification(code), Ok(()));
    assert!(Numbering::new(code, NumberFormat::default()).is_ok());
}

#[rstest]
#[case("")]
#[case("123456789012345678901")]
#[case("503 ")]
#[case("50/3")]
#[case("5{0}3")]
#[case("५०३")]
fn bad_classifications_are_refused(#[case] code: &str) {
    let error = Numbering::new(code, NumberFormat::default()).expect_err("refused");
    assert_eq!(error, NumberingError::Classification(code.into()));
    assert_eq!(error.code(), "E_CLASSIFICATION");
}

#[test]
fn a_services_numbering_table_reads_from_toml() {
    #[derive(Deserialize)]
    struct Service {
        numbering: Numbering,
    }
    let full: Service = toml::from_str(
        "[numbering]\nclassification = \"000.1.2\"\nformat = \"{seq}/{classification}/{year}\"\n",
    )
    .expect("parses");
    assert_eq!(full.numbering.classification, "000.1.2");
    assert_eq!(
        full.numbering.format.as_str(),
        "{seq}/{classification}/{year}"
    );

    let short: Service = toml::from_str("[numbering]\nclassification = \"503\"\n").expect("parses");
    assert_eq!(short.numbering.format, NumberFormat::default());

    for bad in [
        "[numbering]\nclassification = \"5 03\"\n",
        "[numbering]\nclassification = \"503\"\nformat = \"{seq}\"\n",
        "[numbering]\nclassification = \"503\"\nformt = \"{seq}\"\n",
        "[numbering]\nformat = \"{classification}/{seq}/{year}\"\n",
    ] {
        assert!(toml::from_str::<Service>(bad).is_err(), "{bad}");
    }
}

#[rstest::rstest]
#[case("{classification}3/{seq:04}/{year}", "classification")]
#[case("5{classification}/{seq:04}/{year}", "classification")]
#[case("{classification}/{seq:04}{year}", "seq")]
#[case("{classification}/A{seq}/{year}", "seq")]
#[case("{classification}{seq}/{year}", "classification")]
fn classification_and_sequence_must_be_set_off_by_punctuation(
    #[case] text: &str,
    #[case] name: &str,
) {
    assert_eq!(
        NumberFormat::parse(text),
        Err(NumberingError::NotDelimited(match name {
            "seq" => "seq",
            _ => "classification",
        }))
    );
    assert!(NumberFormat::parse("{classification}.{seq:03}-{year}").is_ok());
}

#[test]
fn a_format_serializes_as_its_text() {
    let format = NumberFormat::default();
    assert_eq!(String::from(format.clone()), DEFAULT_NUMBER_FORMAT);
    assert_eq!(format.to_string(), DEFAULT_NUMBER_FORMAT);
    assert_eq!(DEFAULT_NUMBER_FORMAT.parse::<NumberFormat>(), Ok(format));
}

proptest! {
    #[test]
    fn rendered_numbers_have_no_braces_and_keep_their_padding(
        before in "[^{}#\\p{Cc}\u{00AD}\u{200B}-\u{200F}\u{2060}-\u{2064}\u{FEFF}]{0,20}",
        after in "[^{}#\\p{Cc}\u{00AD}\u{200B}-\u{200F}\u{2060}-\u{2064}\u{FEFF}]{0,20}",
        width in 1usize..=9,
        seq in any::<u64>(),
        classification in "[0-9A-Za-z.-]{1,20}",
        month in 1u8..=12,
    ) {
        let text = format!("{before}#{{seq:0{width}}}#{after}/{{classification}}/{{month_roman}}{{year}}");
        let format = NumberFormat::parse(&text).expect("valid format");
        let number = format.render(&parts(&classification, seq, month));
        prop_assert!(!number.contains(['{', '}']), "braces left in {:?}", number);
        let mut pieces = number.split('#');
        prop_assert_eq!(pieces.next(), Some(before.as_str()));
        let digits = pieces.next().unwrap_or_default();
        prop_assert!(digits.len() >= width && digits.bytes().all(|b| b.is_ascii_digit()));
        prop_assert_eq!(digits.parse::<u64>().ok(), Some(seq));
        prop_assert!(pieces.next().unwrap_or_default().ends_with("2026"));
    }

    #[test]
    fn parsing_any_text_never_panics_and_success_round_trips(text in "\\PC{0,130}") {
        if let Ok(format) = NumberFormat::parse(&text) {
            prop_assert_eq!(format.as_str(), text.as_str());
            prop_assert_eq!(NumberFormat::parse(format.as_str()), Ok(format.clone()));
        }
    }
}
