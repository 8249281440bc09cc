//! `sahih-signing`: PAdES signatures for Sahih (ETSI EN 319 142-1), embedded in PDFs by
//! incremental update (ISO 32000-2 §7.5.6), with CMS SignedData (RFC 5652), keys in PKCS#8
//! (RFC 5958, encrypted with PBES2 per RFC 8018) and a development CA.
//!
//! Pure and synchronous: values in, values out.
//!
//! ```no_run
//! use sahih_signing::{SignatureOptions, SignerKey, load_certificates_pem, sign_pdf};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SignerKey::from_pem(&std::fs::read_to_string("certs-dev/penandatangan.key.pem")?,
//!                               Some(b"sahih-demo"))?;
//! let certs = load_certificates_pem(&std::fs::read_to_string("certs-dev/penandatangan.cert.pem")?)?;
//! let chain = load_certificates_pem(&std::fs::read_to_string("certs-dev/ca.pem")?)?;
//! let pdf = std::fs::read("in.pdf")?;
//! let signed = sign_pdf(&pdf, &key, &certs[0], &chain, &SignatureOptions::default())?;
//! std::fs::write("out.pdf", &signed.bytes)?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod appearance;
pub mod ca;
pub mod cms;
pub mod devca;
pub mod docts;
mod error;
mod integrity;
pub mod keys;
pub mod ltv;
mod object;
pub mod p12;
mod p12_read;
pub mod pdf;
pub mod pkcs11;
mod reader;
pub mod revisions;
pub mod source;
mod syntax;
pub mod tsa;
pub mod tsp;
mod update;
pub mod verify;

pub use appearance::{Rect, Specimen, SpecimenPage, Visible};
pub use error::SigningError;
pub use keys::{Algorithm, SignerKey, encrypt_pkcs8_pem, load_certificates_pem};
pub use ltv::{Level, LongTerm, RevocationSource};
pub use pdf::{
    PdfSummary, Prehash, SignatureOptions, SignedPdf, SignedUpdate, inspect, prehash,
    sign_at_level, sign_pdf, sign_prehashed, sign_to,
};
pub use source::{FileSource, Prefix, Source};
pub use tsp::TimeStamper;
pub use x509_cert::Certificate;
