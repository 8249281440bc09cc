//! The built-in time-stamping authority (RFC 3161) for deployments without an external one:
//! it signs a TSTInfo (§2.4.2) as CMS SignedData with content type id-ct-TSTInfo and the signed
//! attributes content-type, message-digest and signing-certificate-v2 (RFC 5816 §2.2.1), with
//! its own key whose certificate carries the critical extendedKeyUsage timeStamping (§2.3).
//! Issue that certificate with [`crate::devca::tsa_credentials`].

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{GeneralizedTime, Int, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Encode};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::SigningError;
use crate::cms::{OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_CERTIFICATE_V2};
use crate::keys::{SignerKey, check_key_matches};
use crate::tsp::{
    Accuracy, OID_TST_INFO, PkiStatusInfo, TimeStampReq, TimeStampResp, TimeStamper, TstInfo, fail,
};

/// Sahih's built-in TSA policy (RFC 3161 §2.4.2 `policy`): a placeholder under the UUID arc
/// 2.25 (ITU-T X.667) until the city registers its own OID (`const-oid` holds arcs of 32 bits
/// only, so a full 128-bit UUID arc cannot be written).
pub const SAHIH_TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.25.3614123521");
const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// A TSA signing with a key held in memory. `Debug` shows the certificate's subject only.
pub struct BuiltinTsa {
    key: SignerKey,
    cert: Certificate,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for BuiltinTsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinTsa")
            .field(
                "subject",
                &self.cert.tbs_certificate().subject().to_string(),
            )
            .field("key", &"[redacted]")
            .finish()
    }
}

impl BuiltinTsa {
    /// A TSA with `key`, its certificate `cert` (RFC 3161 §2.3: EKU timeStamping, critical)
    /// and the issuers to embed in tokens, `chain`.
    ///
    /// Errors: [`SigningError::Certificate`] when `cert` does not carry `key`'s public key.
    pub fn new(
        key: SignerKey,
        cert: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<BuiltinTsa, SigningError> {
        check_key_matches(&key, &cert)?;
        Ok(BuiltinTsa { key, cert, chain })
    }

    /// The TSA's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// Answers a DER `TimeStampReq` with a DER `TimeStampResp` (RFC 3161 §2.4.2): a token for a
    /// well-formed request with a SHA-256/384/512 imprint and no policy but Sahih's; a rejection
    /// with the failure bit otherwise (badDataFormat, badAlg, unacceptedPolicy,
    /// unacceptedExtension).
    ///
    /// Errors: [`SigningError::Der`] or [`SigningError::Key`] on an internal fault only.
    pub fn respond(&self, req_der: &[u8]) -> Result<Vec<u8>, SigningError> {
        let resp = match TimeStampReq::from_der(req_der) {
            Err(_) => TimeStampResp::rejection(fail::BAD_DATA_FORMAT, "not a TimeStampReq")?,
            Ok(req) => match self.refusal(&req) {
                Some((bit, why)) => TimeStampResp::rejection(bit, why)?,
                None => TimeStampResp {
                    status: PkiStatusInfo {
                        status: 0,
                        status_string: None,
                        fail_info: None,
                    },
                    time_stamp_token: Some(self.token(&req, OffsetDateTime::now_utc())?),
                },
            },
        };
        Ok(resp.to_der()?)
    }

    fn refusal(&self, req: &TimeStampReq) -> Option<(usize, &'static str)> {
        if req.version != 1 {
            return Some((fail::BAD_DATA_FORMAT, "version must be 1"));
        }
        if !req.message_imprint.is_well_formed() {
            return Some((
                fail::BAD_ALG,
                "the imprint must be SHA-256, SHA-384 or SHA-512",
            ));
        }
        if req.req_policy.is_some_and(|p| p != SAHIH_TSA_POLICY) {
            return Some((fail::UNACCEPTED_POLICY, "unknown TSA policy"));
        }
        if req.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            return Some((fail::UNACCEPTED_EXTENSION, "no extension is supported"));
        }
        None
    }

    /// The token for `req` at time `at` (whole seconds, accuracy 1 s).
    fn token(&self, req: &TimeStampReq, at: OffsetDateTime) -> Result<ContentInfo, SigningError> {
        let mut serial = [0u8; 16];
        getrandom::fill(&mut serial).map_err(|e| SigningError::Key(e.to_string()))?;
        // Positive and without a leading zero octet: DER INTEGERs are minimal (X.690 §8.3.2),
        // and requesters refuse a token whose serialNumber is not (1 in 256 were).
        serial[0] = serial[0] & 0x7F | 0x40;
        let secs = u64::try_from(at.unix_timestamp()).unwrap_or(0);
        let gen_time = GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))?;
        let info = TstInfo {
            version: 1,
            policy: SAHIH_TSA_POLICY,
            message_imprint: req.message_imprint.clone(),
            serial_number: Int::new(&serial)?,
            gen_time: Any::encode_from(&gen_time)?,
            accuracy: Some(Accuracy {
                seconds: Some(1),
                millis: None,
                micros: None,
            }),
            ordering: false,
            nonce: req.nonce.clone(),
            tsa: None,
            extensions: None,
        };
        let content = info.to_der()?;
        self.sign(&content, req.cert_req)
    }

    /// SignedData over `content` (TSTInfo DER), eContent encapsulated (RFC 3161 §2.4.2).
    fn sign(&self, content: &[u8], with_certs: bool) -> Result<ContentInfo, SigningError> {
        let digest_alg = AlgorithmIdentifierOwned {
            oid: self.key.digest_oid(),
            parameters: None,
        };
        let digest = crate::cms::content_digest(&self.key, &[content]);
        let signed_attrs = SetOfVec::try_from(vec![
            crate::cms::attribute(OID_CONTENT_TYPE, Any::encode_from(&OID_TST_INFO)?)?,
            crate::cms::attribute(
                OID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(digest)?)?,
            )?,
            crate::cms::attribute(
                OID_SIGNING_CERTIFICATE_V2,
                crate::cms::signing_certificate_v2(&self.cert)?,
            )?,
        ])?;
        let signature = self.key.sign(&signed_attrs.to_der()?)?;
        let tbs = self.cert.tbs_certificate();
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            }),
            digest_alg: digest_alg.clone(),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: self.key.signature_algorithm(),
            signature: OctetString::new(signature)?,
            unsigned_attrs: None,
        };
        let certificates = if with_certs {
            let mut certs = vec![CertificateChoices::Certificate(self.cert.clone())];
            for c in self.chain.iter().filter(|c| **c != self.cert) {
                certs.push(CertificateChoices::Certificate(c.clone()));
            }
            Some(CertificateSet(SetOfVec::try_from(certs)?))
        } else {
            None
        };
        let sd = SignedData {
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: OID_TST_INFO,
                econtent: Some(Any::encode_from(&OctetString::new(content.to_vec())?)?),
            },
            certificates,
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
        };
        Ok(ContentInfo {
            content_type: OID_SIGNED_DATA,
            content: Any::encode_from(&sd)?,
        })
    }
}

impl TimeStamper for BuiltinTsa {
    fn timestamp(&self, req: &TimeStampReq) -> Result<Vec<u8>, SigningError> {
        if let Some((_, why)) = self.refusal(req) {
            return Err(crate::tsp::timestamp_error(why));
        }
        let der = self.token(req, OffsetDateTime::now_utc())?.to_der()?;
        crate::tsp::check_token(&der, req)?;
        Ok(der)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsp::{self, TimeStampReq};

    fn tsa() -> BuiltinTsa {
        let dir = tempfile::tempdir().expect("tempdir");
        let creds = crate::devca::tsa_credentials(dir.path(), b"tsa-pass", time::Duration::ZERO)
            .expect("tsa");
        BuiltinTsa::new(creds.key, creds.cert, creds.chain).expect("tsa")
    }

    #[test]
    fn a_token_answers_the_request_it_was_asked() {
        let tsa = tsa();
        let req = TimeStampReq::sha256(b"signature value").expect("req");
        let resp = tsa.respond(&req.to_der().expect("der")).expect("respond");
        let token = tsp::check_response(&resp, &req).expect("granted and checked");
        let (info, certs) = tsp::read_token(&token).expect("token");
        assert_eq!(info.policy, SAHIH_TSA_POLICY);
        assert_eq!(info.nonce, req.nonce);
        assert!(
            certs.contains(tsa.certificate()),
            "the token carries the TSA certificate"
        );
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let t = tsp::gen_time_unix(&info).expect("genTime");
        assert!((now - t).abs() < 300, "genTime {t} is not now {now}");
        // A token for another request fails the requester's checks.
        let other = TimeStampReq::sha256(b"another value").expect("req");
        assert!(tsp::check_response(&resp, &other).is_err());
    }

    #[test]
    fn bad_requests_are_rejected_with_a_reason() {
        let tsa = tsa();
        let resp = tsa.respond(b"not DER at all").expect("respond");
        let req = TimeStampReq::sha256(b"x").expect("req");
        let err = tsp::check_response(&resp, &req).expect_err("rejected");
        assert!(err.to_string().contains("not a TimeStampReq"), "{err}");
        let mut weird = req.clone();
        weird.req_policy = Some(ObjectIdentifier::new_unwrap("1.2.3.4"));
        let resp = tsa.respond(&weird.to_der().expect("der")).expect("respond");
        assert!(tsp::check_response(&resp, &weird).is_err());
    }

    /// A TSA whose certificate has the EKU timeStamping (critical) or not, issued by a CA or
    /// self-signed.
    fn tsa_with(eku: bool, self_signed: bool) -> BuiltinTsa {
        use rcgen::{BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, KeyPair};
        let ca_key = KeyPair::generate().expect("key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "CA Uji");
        let ca_cert = ca.self_signed(&ca_key).expect("ca");
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "TSA Uji");
        if eku {
            let mut ext = CustomExtension::from_oid_content(
                &[2, 5, 29, 37],
                vec![
                    0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
                ],
            );
            ext.set_criticality(true);
            params.custom_extensions = vec![ext];
        }
        let cert = if self_signed {
            params.self_signed(&key)
        } else {
            params.signed_by(&key, &rcgen::Issuer::new(ca, ca_key))
        }
        .expect("cert");
        let pem = |p: String| crate::load_certificates_pem(&p).expect("pem").remove(0);
        let signer = SignerKey::from_pkcs8_der(&key.serialize_der()).expect("key");
        BuiltinTsa::new(signer, pem(cert.pem()), vec![pem(ca_cert.pem())]).expect("tsa")
    }

    #[test]
    fn the_requester_refuses_a_token_of_no_tsa_or_of_another_time() {
        let req = TimeStampReq::sha256(b"signature value").expect("req");
        let ask = |tsa: &BuiltinTsa| tsa.respond(&req.to_der().expect("der")).expect("respond");
        let now = OffsetDateTime::now_utc();
        let tolerance = tsp::GEN_TIME_TOLERANCE;
        let resp = ask(&tsa_with(true, false));
        assert!(tsp::check_response_at(&resp, &req, now, tolerance).is_ok());
        // The requester's clock an hour off either way: the token's genTime is no "now".
        for off in [time::Duration::hours(1), -time::Duration::hours(1)] {
            let err = tsp::check_response_at(&resp, &req, now + off, tolerance)
                .expect_err("genTime out of tolerance");
            assert_eq!(err.code(), "E_TSA_UNAVAILABLE");
            assert!(err.to_string().contains("genTime"), "{err}");
        }
        let err = tsp::check_response(&ask(&tsa_with(false, false)), &req).expect_err("no EKU");
        assert!(err.to_string().contains("timeStamping"), "{err}");
        let err = tsp::check_response(&ask(&tsa_with(true, true)), &req).expect_err("self-signed");
        assert!(err.to_string().contains("self-signed"), "{err}");
        // The built-in TSA checks its own tokens the same way.
        assert!(tsa_with(false, false).timestamp(&req).is_err());
        assert!(tsa_with(true, false).timestamp(&req).is_ok());
    }
}
