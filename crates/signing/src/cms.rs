//! CMS SignedData for PAdES (ETSI EN 319 142-1 §5.1; RFC 5652 §5): detached content, signed
//! attributes content-type, message-digest and signing-certificate-v2 (RFC 5035), no
//! signing-time (the claimed time is the signature dictionary's `/M`).

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Encode, Sequence};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use crate::SigningError;
use crate::keys::SignerKey;

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const OID_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const OID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const OID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// `IssuerSerial` (RFC 5035 §4).
#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// `ESSCertIDv2` (RFC 5035 §4) with the hashAlgorithm left at its DEFAULT, SHA-256, so omitted.
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificateV2` (RFC 5035 §3) without policies.
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// Computes the digest that the message-digest attribute must carry for `key` over the
/// concatenation of `parts` (the two ByteRange segments): SHA-256, or SHA-512 for Ed25519.
pub fn content_digest(key: &SignerKey, parts: &[&[u8]]) -> Vec<u8> {
    let mut h = ContentHasher::for_key(key);
    parts.iter().for_each(|p| h.update(p));
    h.finalize()
}

/// The digest of [`content_digest`], fed piece by piece (for ByteRange segments streamed from
/// a file).
#[derive(Clone)]
pub enum ContentHasher {
    /// SHA-256 (FIPS 180-4), for RSA and ECDSA keys.
    Sha256(sha2::Sha256),
    /// SHA-512, for Ed25519 (RFC 8419 §3).
    Sha512(sha2::Sha512),
}

impl ContentHasher {
    /// The hasher `key`'s signatures use.
    pub fn for_key(key: &SignerKey) -> ContentHasher {
        if key.digest_oid() == crate::keys::OID_SHA512 {
            ContentHasher::Sha512(sha2::Sha512::new())
        } else {
            ContentHasher::Sha256(sha2::Sha256::new())
        }
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            ContentHasher::Sha256(h) => h.update(bytes),
            ContentHasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest of everything fed.
    pub fn finalize(self) -> Vec<u8> {
        match self {
            ContentHasher::Sha256(h) => h.finalize().to_vec(),
            ContentHasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

pub(crate) fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, SigningError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

pub(crate) fn signing_certificate_v2(cert: &Certificate) -> Result<Any, SigningError> {
    let cert_hash = sha2::Sha256::digest(cert.to_der()?);
    let tbs = cert.tbs_certificate();
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(cert_hash.to_vec())?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            }),
        }],
    };
    Ok(Any::encode_from(&value)?)
}

/// Builds a DER `ContentInfo` holding a detached CMS SignedData (RFC 5652 §5.1) over content
/// whose digest is `digest` (from [`content_digest`]), signed by `key` whose certificate is
/// `signer`; `chain` (issuers, optional) is added to the certificate set.
///
/// Errors: [`SigningError::Der`] if encoding fails, [`SigningError::Key`] if signing fails.
pub fn signed_data(
    key: &SignerKey,
    signer: &Certificate,
    chain: &[Certificate],
    digest: &[u8],
) -> Result<Vec<u8>, SigningError> {
    let digest_alg = AlgorithmIdentifierOwned {
        oid: key.digest_oid(),
        parameters: None,
    };
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(OID_CONTENT_TYPE, Any::encode_from(&OID_DATA)?)?,
        attribute(
            OID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.to_vec())?)?,
        )?,
        attribute(OID_SIGNING_CERTIFICATE_V2, signing_certificate_v2(signer)?)?,
    ])?;
    // RFC 5652 §5.4: the signature covers the DER of the attributes with an explicit SET OF tag.
    let signature = key.sign(&signed_attrs.to_der()?)?;
    let tbs = signer.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: key.signature_algorithm(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let mut certs: Vec<CertificateChoices> = vec![CertificateChoices::Certificate(signer.clone())];
    for c in chain {
        if c != signer
            && !certs
                .iter()
                .any(|x| matches!(x, CertificateChoices::Certificate(y) if y == c))
        {
            certs.push(CertificateChoices::Certificate(c.clone()));
        }
    }
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: OID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    let ci = ContentInfo {
        content_type: OID_SIGNED_DATA,
        content: Any::encode_from(&sd)?,
    };
    Ok(ci.to_der()?)
}
