//! The public verification pages: the upload form, the report, and the page for a file that
//! cannot be checked. Every sentence comes from the i18n table in the visitor's language; the
//! report's English details are shown only as technical detail under them.

use std::borrow::Borrow;

use askama::Template;
use sahih_signing::verify::{
    Check, Indication, ModificationLevel, Report, SignatureKind, SignatureReport, Unusable,
};

use super::Page;

/// The upload form (`GET /verifikasi`).
#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    /// Common.
    pub p: Page,
    /// Upload limit, MB.
    pub limit_mb: usize,
}

/// A file that cannot be checked at all (HTTP 422).
#[derive(Template)]
#[template(path = "verify_unusable.html")]
pub struct VerifyUnusablePage {
    /// Common.
    pub p: Page,
    /// Why.
    pub unusable: Unusable,
    /// Upload limit, MB (the form is offered again).
    pub limit_mb: usize,
}

impl VerifyUnusablePage {
    /// The reason in plain words: the verification sentence for the code, else the general one.
    pub fn reason(&self) -> &'static str {
        let code = &self.unusable.code;
        self.p
            .lang
            .lookup(&format!("unusable_{code}"))
            .or_else(|| self.p.lang.lookup(code))
            .unwrap_or_else(|| self.p.t("unusable_other"))
    }
}

/// The validation report, signature by signature (`POST /verifikasi`, `GET /v/{code}`).
#[derive(Template)]
#[template(path = "verify_report.html")]
pub struct VerifyReportPage {
    /// Common.
    pub p: Page,
    /// The report.
    pub report: Report,
    /// The uploaded file's name (none on a verification code's page).
    pub filename: Option<String>,
    /// Where signed revisions are downloaded, `{base}/revisi/{n}` (`/verifikasi/{sha256}` or
    /// `/v/{code}`); none when they cannot be.
    pub revision_base: Option<String>,
    /// The signed PDF's download link (a verification code's page).
    pub download: Option<String>,
    /// The signed document's transparency-log receipt (a verification code's page).
    pub receipt: Option<String>,
}

/// The CSS class stem of an indication: green, amber, red.
fn class_of(i: Indication) -> &'static str {
    match i {
        Indication::TotalPassed => "passed",
        Indication::Indeterminate => "indeterminate",
        Indication::TotalFailed => "failed",
    }
}

impl VerifyReportPage {
    fn say(&self, key: &str) -> &'static str {
        self.p.lang.lookup(key).unwrap_or("?")
    }

    /// CSS class stem of an indication.
    pub fn class_of<I: Borrow<Indication>>(&self, i: I) -> &'static str {
        class_of(*i.borrow())
    }

    /// The document's verdict as a headline.
    pub fn headline(&self) -> &'static str {
        self.say(&format!("verdict_{}", class_of(self.report.indication)))
    }

    /// An indication in words, with its standard name.
    pub fn indication_label<I: Borrow<Indication>>(&self, i: I) -> &'static str {
        self.say(&format!("indication_{}", i.borrow().as_str()))
    }

    /// A sub-indication (its standard name, e.g. `HASH_FAILURE`) in plain words.
    pub fn sub_text<S: AsRef<str>>(&self, sub: S) -> &'static str {
        self.say(&format!("sub_{}", sub.as_ref()))
    }

    /// A finding's code (`V_…`) in plain words.
    pub fn explain<S: AsRef<str>>(&self, code: S) -> &'static str {
        self.p
            .lang
            .lookup(code.as_ref())
            .unwrap_or_else(|| self.say("V_UNKNOWN"))
    }

    /// A check's outcome in plain words: "yes", or what went wrong.
    pub fn check<C: Borrow<Check>>(&self, c: C) -> &'static str {
        let c = c.borrow();
        if c.ok {
            self.say("verify_yes")
        } else {
            self.explain(&c.code)
        }
    }

    /// The kind of signature in words.
    pub fn kind<K: Borrow<SignatureKind>>(&self, k: K) -> &'static str {
        self.say(match k.borrow() {
            SignatureKind::Approval => "kind_approval",
            SignatureKind::Certification => "kind_certification",
            SignatureKind::DocumentTimestamp => "kind_document_timestamp",
        })
    }

    /// A modification level in words.
    pub fn level<L: Borrow<ModificationLevel>>(&self, l: L) -> &'static str {
        self.say(&format!("level_{}", l.borrow().as_str()))
    }

    /// Where the time a certificate was checked at came from, in words.
    pub fn checked_source<S: AsRef<str>>(&self, source: S) -> String {
        let key = format!("checked_source_{}", source.as_ref().replace(' ', "_"));
        self.p
            .lang
            .lookup(&key)
            .map_or_else(|| source.as_ref().to_string(), str::to_string)
    }

    /// The report's signature at (0-based) `index`.
    fn signature(&self, index: usize) -> Option<&SignatureReport> {
        self.report.signatures.get(index)
    }

    /// What the signature at `index` covers: the whole document, or "revision r of n".
    pub fn coverage<I: Borrow<usize>>(&self, index: I) -> String {
        let Some(s) = self.signature(*index.borrow()) else {
            return String::new();
        };
        match s.revision {
            Some(_) if s.covers_whole_file => self.say("verify_covers_whole").to_string(),
            Some(r) => format!(
                "{} {r} {} {}",
                self.say("verify_revision"),
                self.say("verify_of"),
                self.report.revisions
            ),
            None => self.say("verify_covers_no_revision").to_string(),
        }
    }

    /// The download link of the signed revision of the signature at `index`, when offered.
    pub fn revision_link<I: Borrow<usize>>(&self, index: I) -> Option<String> {
        let s = self.signature(*index.borrow())?;
        let base = self.revision_base.as_ref()?;
        s.signed_length?;
        Some(format!("{base}/revisi/{}", s.revision?))
    }

    /// An RFC 3339 time as `YYYY-MM-DD HH:MM:SS WIB` (UTC+7), the city's time zone; the text as
    /// given if it does not parse.
    pub fn time<S: AsRef<str>>(&self, rfc3339: S) -> String {
        use time::format_description::well_known::Rfc3339;
        let text = rfc3339.as_ref();
        let wib = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
        match time::OffsetDateTime::parse(text, &Rfc3339) {
            Ok(t) => {
                let t = t.to_offset(wib);
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02} WIB",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            }
            Err(_) => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use sahih_signing::verify::SubIndication;

    const SUBS: [SubIndication; 8] = [
        SubIndication::FormatFailure,
        SubIndication::HashFailure,
        SubIndication::SigCryptoFailure,
        SubIndication::CryptoConstraintsFailure,
        SubIndication::NoSigningCertificateFound,
        SubIndication::NoCertificateChainFound,
        SubIndication::OutOfBoundsNoPoe,
        SubIndication::SignedDataNotFound,
    ];
    const LEVELS: [ModificationLevel; 5] = [
        ModificationLevel::None,
        ModificationLevel::SignaturesAndTimestamps,
        ModificationLevel::FormFilling,
        ModificationLevel::Annotations,
        ModificationLevel::Other,
    ];
    const INDICATIONS: [Indication; 3] = [
        Indication::TotalPassed,
        Indication::Indeterminate,
        Indication::TotalFailed,
    ];

    /// Every value the report can hold has words in both languages.
    #[test]
    fn every_indication_sub_indication_and_level_is_translated() {
        let mut keys: Vec<String> = SUBS.iter().map(|s| format!("sub_{}", s.as_str())).collect();
        keys.extend(LEVELS.iter().map(|l| format!("level_{}", l.as_str())));
        for i in INDICATIONS {
            keys.push(format!("indication_{}", i.as_str()));
            keys.push(format!("verdict_{}", class_of(i)));
        }
        for source in [
            "signature timestamp",
            "current time",
            "validation time given",
        ] {
            keys.push(format!("checked_source_{}", source.replace(' ', "_")));
        }
        for lang in [Lang::Id, Lang::En] {
            let missing: Vec<&String> = keys.iter().filter(|k| lang.lookup(k).is_none()).collect();
            assert!(missing.is_empty(), "{lang:?}: {missing:?}");
        }
    }

    /// Every finding code the verifier can report (`"V_…"` in its sources) is explained.
    #[test]
    fn every_reason_code_of_the_verifier_is_explained() {
        let mut dirs =
            vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../signing/src/verify")];
        let mut sources = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).expect("verifier sources") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.push(std::fs::read_to_string(path).expect("read"));
                }
            }
        }
        let mut codes = std::collections::BTreeSet::new();
        for text in &sources {
            for part in text.split("\"V_").skip(1) {
                let rest: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if part[rest.len()..].starts_with('"') {
                    codes.insert(format!("V_{rest}"));
                }
            }
        }
        assert!(codes.contains("V_DIGEST_MISMATCH"), "{codes:?}");
        let missing: Vec<&String> = codes
            .iter()
            .filter(|c| Lang::Id.lookup(c).is_none() || Lang::En.lookup(c).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "reason codes without words: {missing:?}"
        );
    }
}
