//! The one error type of `sahih-signing`.

/// Why a PDF could not be signed, or a key or certificate could not be used.
///
/// Every variant has a stable code ([`SigningError::code`]) that the web layer and the command
/// line show to users; the `Display` text is the plain English reason.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The input does not start with a `%PDF-x.y` header (ISO 32000-2 §7.5.2).
    #[error("not a PDF: the file does not start with a %PDF- header")]
    NotPdf,
    /// The PDF uses a security handler (`/Encrypt` in the trailer, ISO 32000-2 §7.6). Signing an
    /// encrypted document needs its password and an unencrypted `/Contents`; not supported yet.
    #[error("the PDF is encrypted (password-protected); remove the protection first")]
    Encrypted,
    /// The cross-reference data could not be read as written: the file would need repair, and a
    /// repaired file cannot be extended by an incremental update without rewriting it.
    #[error("the PDF's cross-reference data is broken and would need repair: {detail}")]
    BrokenXref {
        /// What the parser reported.
        detail: String,
    },
    /// The document structure lacks something a signature needs (catalog, pages).
    #[error("the PDF's structure is unusable: {detail}")]
    BadStructure {
        /// Which object was missing or of the wrong type.
        detail: String,
    },
    /// The document carries a certification signature with DocMDP permission 1: no change,
    /// not even another signature, is permitted (ISO 32000-2 §12.8.2.2.2).
    #[error(
        "the PDF is certified with no changes permitted (DocMDP P=1); it cannot be signed again"
    )]
    CertifiedNoChanges,
    /// A signed field locks the form against what a new signature does: FieldMDP or a field
    /// lock with `/P 1`, or locking all fields (ISO 32000-2 §12.8.2.4, §12.7.5.5).
    #[error("the signature in field {field} locks the document against further signatures")]
    FieldsLocked {
        /// The locking signature field.
        field: String,
    },
    /// The PDF is larger than the configured limit.
    #[error("the PDF is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input, bytes.
        size: usize,
        /// The limit, bytes.
        limit: usize,
    },
    /// The signed file would have more revisions than the validator analyses
    /// ([`crate::verify::MAX_REVISIONS`], [`crate::verify::MAX_ANALYSED_BYTES`]): signing it
    /// would make a document nobody here could verify.
    #[error(
        "the PDF has {revisions} revisions: with one more it would be more than the validator \
         analyses; save it again as one revision (e.g. print to PDF) and submit that"
    )]
    TooManyRevisions {
        /// Revisions of the input (cross-reference sections in its chain).
        revisions: usize,
    },
    /// The CMS SignedData did not fit the space reserved for `/Contents`.
    #[error("the signature ({needed} bytes) does not fit the reserved space ({reserved} bytes)")]
    ContentsTooSmall {
        /// DER length of the SignedData, bytes.
        needed: usize,
        /// Bytes reserved in the placeholder.
        reserved: usize,
    },
    /// A private key could not be read, decrypted or used.
    #[error("the private key cannot be used: {0}")]
    Key(String),
    /// The passphrase did not decrypt the encrypted PKCS#8 key (RFC 5958 §3, PBES2 RFC 8018 §6.2).
    #[error("the key passphrase is wrong")]
    WrongPassphrase,
    /// The key is encrypted and no passphrase was given.
    #[error("the key is encrypted and no passphrase was given")]
    PassphraseRequired,
    /// A file could not be read or written (keys, certificates).
    #[error("file error: {0}")]
    Io(String),
    /// A certificate could not be parsed, or does not match the key.
    #[error("the certificate cannot be used: {0}")]
    Certificate(String),
    /// DER encoding failed (an internal fault, reported rather than panicking).
    #[error("DER encoding failed: {0}")]
    Der(#[from] der::Error),
    /// The visible signature's page does not exist.
    #[error("the visible signature is to go on page {page}, but the PDF has {pages} pages")]
    SpecimenNoSuchPage {
        /// The page asked for, 1-based.
        page: usize,
        /// Pages in the document.
        pages: usize,
    },
    /// The visible signature's rectangle is not wholly inside the page's visible area (its
    /// `/CropBox`, default `/MediaBox`, ISO 32000-2 §14.11.2).
    #[error(
        "the visible signature [x {:.1}, y {:.1}, w {:.1}, h {:.1}] does not fit page {page}, whose \
         area is [{:.1} {:.1} {:.1} {:.1}] (points)",
        rect[0], rect[1], rect[2], rect[3], page_box[0], page_box[1], page_box[2], page_box[3]
    )]
    SpecimenOutsidePage {
        /// The page, 1-based.
        page: usize,
        /// x, y, width, height, points.
        rect: [f64; 4],
        /// The page's area, `[llx lly urx ury]`, points.
        page_box: [f64; 4],
    },
    /// The visible signature's rectangle is smaller than [`crate::appearance::MIN_SIZE`] (or
    /// not a finite number).
    #[error(
        "the visible signature ({width} x {height} points) is too small: it needs at least 60 x 30"
    )]
    SpecimenTooSmall {
        /// Width, points.
        width: f64,
        /// Height, points.
        height: f64,
    },
    /// The QR code's payload does not fit a QR code (ISO/IEC 18004: at most 2331 bytes at
    /// error correction M).
    #[error("the QR code of the visible signature cannot be made: {0}")]
    SpecimenQr(String),
    /// Writing the incremental update failed.
    #[error("writing the PDF failed: {0}")]
    Write(String),
    /// A PKCS#12 file cannot be imported (RFC 7292): `code` names why
    /// (`E_P12_WRONG_PASSWORD`, `E_P12_UNREADABLE`, `E_P12_NO_KEY`, `E_CERT_EXPIRED`,
    /// `E_CERT_KEY_USAGE`, `E_CERT_KEY_MISMATCH`).
    #[error("{message}")]
    Import {
        /// Stable code.
        code: &'static str,
        /// English detail.
        message: String,
    },
    /// No usable timestamp token: the TSA could not be reached, refused, or answered with a
    /// token that fails the requester's checks (RFC 3161 §2.4.2).
    #[error("no trusted timestamp: {detail}")]
    Timestamp {
        /// What went wrong.
        detail: String,
    },
    /// Revocation data (a CRL) for the DSS of B-LT could not be had or read (RFC 5280 §5).
    #[error("no revocation data: {detail}")]
    Revocation {
        /// Which certificate or CRL, and why.
        detail: String,
    },
}

impl SigningError {
    /// The stable error code shown to users and scripts, e.g. `E_PDF_ENCRYPTED`.
    pub fn code(&self) -> &'static str {
        match self {
            SigningError::NotPdf => "E_NOT_PDF",
            SigningError::Encrypted => "E_PDF_ENCRYPTED",
            SigningError::BrokenXref { .. } => "E_PDF_BROKEN_XREF",
            SigningError::BadStructure { .. } => "E_PDF_STRUCTURE",
            SigningError::TooLarge { .. } | SigningError::TooManyRevisions { .. } => {
                "E_PDF_TOO_LARGE"
            }
            SigningError::CertifiedNoChanges => "E_PDF_CERTIFIED_NO_CHANGES",
            SigningError::FieldsLocked { .. } => "E_PDF_FIELDS_LOCKED",
            SigningError::ContentsTooSmall { .. } => "E_SIGNATURE_TOO_LARGE",
            SigningError::Key(_) => "E_KEY_UNUSABLE",
            SigningError::WrongPassphrase => "E_WRONG_PASSPHRASE",
            SigningError::PassphraseRequired => "E_PASSPHRASE_REQUIRED",
            SigningError::Io(_) => "E_IO",
            SigningError::Certificate(_) => "E_CERTIFICATE_UNUSABLE",
            SigningError::Der(_) => "E_DER",
            SigningError::Write(_) => "E_PDF_WRITE",
            SigningError::Import { code, .. } => code,
            SigningError::Timestamp { .. } => "E_TSA_UNAVAILABLE",
            SigningError::Revocation { .. } => "E_CRL_UNAVAILABLE",
            SigningError::SpecimenNoSuchPage { .. } => "E_SPECIMEN_PAGE",
            SigningError::SpecimenOutsidePage { .. } | SigningError::SpecimenTooSmall { .. } => {
                "E_SPECIMEN_PLACEMENT"
            }
            SigningError::SpecimenQr(_) => "E_SPECIMEN_QR",
        }
    }

    /// Whether the fault lies in the document the user supplied (a 4xx), rather than in the
    /// service's keys or code.
    pub fn is_input_fault(&self) -> bool {
        matches!(
            self,
            SigningError::NotPdf
                | SigningError::Encrypted
                | SigningError::BrokenXref { .. }
                | SigningError::BadStructure { .. }
                | SigningError::TooLarge { .. }
                | SigningError::TooManyRevisions { .. }
                | SigningError::CertifiedNoChanges
                | SigningError::FieldsLocked { .. }
                | SigningError::WrongPassphrase
                | SigningError::PassphraseRequired
                | SigningError::Import { .. }
                | SigningError::SpecimenNoSuchPage { .. }
                | SigningError::SpecimenOutsidePage { .. }
                | SigningError::SpecimenTooSmall { .. }
        )
    }
}

impl From<std::io::Error> for SigningError {
    fn from(e: std::io::Error) -> SigningError {
        SigningError::Io(e.to_string())
    }
}
