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
    /// Whether the upload was refused before any check (too large, no file, a malformed form),
    /// rather than a file that was read and cannot be validated.
    pub fn refused(&self) -> bool {
        matches!(
            self.unusable.code.as_str(),
            "E_UPLOAD_TOO_LARGE" | "E_UPLOAD_MISSING" | "E_BAD_INPUT"
        )
    }

    /// The headline.
    pub fn title(&self) -> &'static str {
        self.p.lang.t(if self.refused() {
            "upload_refused_title"
        } else {
            "unusable_title"
        })
    }

    /// The reason in plain words: the verification sentence for the code, else the general one.
    pub fn reason(&self) -> String {
        let code = &self.unusable.code;
        self.p
            .lang
            .lookup(&format!("unusable_{code}"))
            .or_else(|| self.p.lang.lookup(code))
            .unwrap_or_else(|| self.p.t("unusable_other"))
            .replace("{limit}", &self.limit_mb.to_string())
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

/// A distinguished name (RFC 4514 string) for people: its common name, else the whole name,
/// unescaped either way (`CN=Rina\\, S.H.` → `Rina, S.H.`).
pub fn dn_name(dn: &str) -> String {
    dn_parts(dn)
        .into_iter()
        .find_map(|part| {
            let (kind, value) = part.split_once('=')?;
            kind.trim()
                .eq_ignore_ascii_case("CN")
                .then(|| dn_unescape(value))
        })
        .unwrap_or_else(|| dn_unescape(dn))
}

/// The attribute-value assertions of an RFC 4514 string: split at each `,` or `+` that is not
/// escaped.
fn dn_parts(dn: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, c) in dn.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' | '+' => {
                parts.push(&dn[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&dn[start..]);
    parts
}

/// Undoes RFC 4514 §2.4 escaping: `\\c` is `c`, `\\XX` the byte of hex `XX` (UTF-8).
fn dn_unescape(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'\\', None) if i + 1 < bytes.len() => {
                out.push(bytes[i + 1]);
                i += 2;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

    /// Whether the document carries no signature at all (`V_NO_SIGNATURE`).
    pub fn unsigned(&self) -> bool {
        self.report.signatures.is_empty() && self.report.reason == "V_NO_SIGNATURE"
    }

    /// The document's verdict as a headline; a document without signatures says so plainly.
    pub fn headline(&self) -> &'static str {
        if self.unsigned() {
            return self.say("verdict_no_signature");
        }
        self.say(&format!("verdict_{}", class_of(self.report.indication)))
    }

    /// The document's verdict in plain words, under the headline.
    pub fn verdict_text(&self) -> String {
        if self.unsigned() {
            return self.say("verdict_no_signature_hint").to_string();
        }
        if self.report.reason == "V_OK" {
            // The signature with the widest later changes speaks for the document.
            if let Some(index) = (0..self.report.signatures.len())
                .max_by_key(|&i| self.report.signatures[i].modifications.level)
            {
                return self.result_text(index);
            }
        }
        self.explain(&self.report.reason).to_string()
    }

    /// What a signature's verdict means, in plain words: a valid signature over the whole file
    /// says the document has not changed; one with allowed later changes says which.
    pub fn result_text<I: Borrow<usize>>(&self, index: I) -> String {
        let Some(s) = self.signature(*index.borrow()) else {
            return String::new();
        };
        if s.reason != "V_OK" {
            return self.explain(&s.reason).to_string();
        }
        match s.modifications.level {
            ModificationLevel::None if s.covers_whole_file => {
                self.say("verify_ok_unchanged").to_string()
            }
            ModificationLevel::None => self.explain("V_OK").to_string(),
            _ => format!(
                "{} {}",
                self.say("verify_ok_changed"),
                self.say(self.later_change(s))
            ),
        }
    }

    /// The key of the words for what changed after `s` (within what is allowed).
    fn later_change(&self, s: &SignatureReport) -> &'static str {
        let later = || {
            self.report
                .signatures
                .iter()
                .filter(move |o| o.revision > s.revision)
        };
        match s.modifications.level {
            ModificationLevel::SignaturesAndTimestamps => {
                if later().any(|o| o.kind != SignatureKind::DocumentTimestamp) {
                    "later_signed"
                } else if later().next().is_some() {
                    "later_timestamped"
                } else {
                    "later_validation_data"
                }
            }
            ModificationLevel::FormFilling => "later_form_filling",
            ModificationLevel::Annotations => "later_annotations",
            ModificationLevel::None | ModificationLevel::Other => "later_other",
        }
    }

    /// A check's outcome for the signature whose deciding reason is `reason`: "yes"; "no" when
    /// this check is that reason (its words are given once, as the signature's result); else
    /// what went wrong.
    pub fn check_for<C: Borrow<Check>, S: AsRef<str>>(&self, c: C, reason: S) -> &'static str {
        let c = c.borrow();
        if !c.ok && c.code == reason.as_ref() {
            self.say("verify_no")
        } else {
            self.check(c)
        }
    }

    /// The certification path of the signature at `index` by common names, signer first,
    /// ending with the issuer of its last certificate: `A ← B ← C`.
    pub fn chain_names<I: Borrow<usize>>(&self, index: I) -> String {
        let Some(s) = self.signature(*index.borrow()) else {
            return String::new();
        };
        let mut names: Vec<String> = s.chain.iter().map(|dn| dn_name(dn)).collect();
        if let Some(signer) = &s.signer
            && s.chain.len() <= 1
        {
            names.push(signer.issuer_common_name.clone());
        }
        names.join(" ← ")
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

    /// The revocation check in plain words (its codes are not failures unless `V_REVOKED`).
    pub fn revocation<C: Borrow<Check>>(&self, c: C) -> &'static str {
        let c = c.borrow();
        if c.code == "V_OK" {
            self.say("verify_revocation_ok")
        } else {
            self.explain(&c.code)
        }
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

    const SUBS: [SubIndication; 11] = [
        SubIndication::Revoked,
        SubIndication::RevokedNoPoe,
        SubIndication::ChainConstraintsFailure,
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
        for later in [
            "later_signed",
            "later_timestamped",
            "later_validation_data",
            "later_form_filling",
            "later_annotations",
            "later_other",
            "verdict_no_signature",
            "verdict_no_signature_hint",
            "verify_ok_unchanged",
            "verify_ok_changed",
        ] {
            keys.push(later.to_string());
        }
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

    #[rstest::rstest]
    #[case(
        "C=ID,O=DPMPTSP,CN=Dr. Rina Wulandari\\, S.H.\\, M.H.",
        "Dr. Rina Wulandari, S.H., M.H."
    )]
    #[case(
        "C=ID,O=Sahih (development only),CN=Sahih Development CA",
        "Sahih Development CA"
    )]
    #[case("cn=A\\+B+O=X", "A+B")]
    #[case("CN=J\\C3\\A9r\\C3\\B4me", "Jérôme")]
    #[case("O=Kota\\, Uji,C=ID", "O=Kota, Uji,C=ID")]
    fn names_are_shown_by_their_common_name_unescaped(#[case] dn: &str, #[case] shown: &str) {
        assert_eq!(dn_name(dn), shown);
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
