//! The development PKI of `sahih keys dev-init`: a CA and one certificate per demo officer,
//! made with rcgen. Development only: the CA key is written unencrypted (mode 0600) so that
//! missing officers can be added later; officers' keys are encrypted PKCS#8.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use crate::SigningError;
use crate::keys::encrypt_pkcs8_pem;

/// File name of the development CA certificate inside the certs directory.
pub const CA_CERT_FILE: &str = "ca.pem";
/// File name of the CA's key (PKCS#8 PEM, unencrypted, mode 0600) inside the certs directory.
pub const CA_KEY_FILE: &str = "ca.key.pem";
const CA_NAME: &str = "Sahih Development CA";

/// An officer who gets a development certificate.
#[derive(Debug, Clone)]
pub struct DevOfficer {
    /// Login, used for the file names `<login>.cert.pem` and `<login>.key.pem`.
    pub login: String,
    /// Full name: the certificate's commonName.
    pub name: String,
    /// Position (jabatan): the certificate's title (X.520, 2.5.4.12).
    pub position: String,
    /// Agency (OPD): the certificate's organizationName.
    pub agency: String,
}

/// Paths of one officer's development credentials.
#[derive(Debug, Clone)]
pub struct DevCredentials {
    /// `<dir>/<login>.cert.pem`: the officer's certificate.
    pub cert: PathBuf,
    /// `<dir>/<login>.key.pem`: the officer's key, `ENCRYPTED PRIVATE KEY` (PBES2).
    pub key: PathBuf,
}

pub(crate) fn rcgen_err(e: rcgen::Error) -> SigningError {
    SigningError::Certificate(e.to_string())
}

pub(crate) fn io_err(path: &Path, e: std::io::Error) -> SigningError {
    SigningError::Io(format!("{}: {e}", path.display()))
}

fn random_serial() -> Result<SerialNumber, SigningError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| SigningError::Key(e.to_string()))?;
    bytes[0] &= 0x7F; // a positive INTEGER (RFC 5280 §4.1.2.2)
    Ok(SerialNumber::from_slice(&bytes))
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_NAME);
    dn.push(DnType::OrganizationName, "Sahih (development only)");
    dn.push(DnType::CountryName, "ID");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

pub(crate) fn write_private(path: &Path, contents: &str) -> Result<(), SigningError> {
    fs::write(path, contents).map_err(|e| io_err(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| io_err(path, e))?;
    }
    Ok(())
}

/// Loads the CA of `dir`, or creates it (valid 10 years) when `ca.pem` is missing.
pub(crate) fn load_or_create_ca(dir: &Path) -> Result<(CertificateParams, KeyPair), SigningError> {
    let key_path = dir.join(CA_KEY_FILE);
    let cert_path = dir.join(CA_CERT_FILE);
    let mut params = ca_params();
    if key_path.exists() && cert_path.exists() {
        let pem = fs::read_to_string(&key_path).map_err(|e| io_err(&key_path, e))?;
        return Ok((params, KeyPair::from_pem(&pem).map_err(rcgen_err)?));
    }
    let key = KeyPair::generate().map_err(rcgen_err)?;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(3650);
    params.serial_number = Some(random_serial()?);
    let cert = params.self_signed(&key).map_err(rcgen_err)?;
    write_private(&key_path, &key.serialize_pem())?;
    fs::write(&cert_path, cert.pem()).map_err(|e| io_err(&cert_path, e))?;
    Ok((params, key))
}

/// Creates `dir` with a development CA (`ca.pem`) and, for each officer whose files are
/// missing, an ECDSA P-256 key encrypted under `passphrase` and a certificate (valid 2 years;
/// key usage digitalSignature + nonRepudiation; EKU emailProtection is not set) issued by it.
/// Existing files are kept. Returns the credentials of every officer, in order.
///
/// Errors: [`SigningError::Io`] on file-system failure, [`SigningError::Certificate`] or
/// [`SigningError::Key`] if generation fails.
pub fn dev_init(
    dir: &Path,
    officers: &[DevOfficer],
    passphrase: &[u8],
) -> Result<Vec<DevCredentials>, SigningError> {
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let (params, ca_key) = load_or_create_ca(dir)?;
    let issuer = Issuer::new(params, ca_key);
    officers
        .iter()
        .map(|o| {
            let creds = DevCredentials {
                cert: dir.join(format!("{}.cert.pem", o.login)),
                key: dir.join(format!("{}.key.pem", o.login)),
            };
            if !(creds.cert.exists() && creds.key.exists()) {
                issue_officer(&issuer, o, passphrase, &creds)?;
            }
            Ok(creds)
        })
        .collect()
}

/// Issues a development certificate, from the CA of `dir` (created if missing), for an existing
/// PKCS#8 key (P-256, Ed25519 or RSA; RFC 5958), and writes `<login>.cert.pem` and the key,
/// encrypted under `passphrase`, as `<login>.key.pem`, replacing earlier files of that login.
///
/// Errors: [`SigningError::Key`] for a key rcgen cannot use, and those of [`dev_init`].
pub fn issue_for_key(
    dir: &Path,
    officer: &DevOfficer,
    key_pkcs8_der: &[u8],
    passphrase: &[u8],
) -> Result<DevCredentials, SigningError> {
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let (params, ca_key) = load_or_create_ca(dir)?;
    let issuer = Issuer::new(params, ca_key);
    let key = KeyPair::try_from(key_pkcs8_der).map_err(|e| SigningError::Key(e.to_string()))?;
    let creds = DevCredentials {
        cert: dir.join(format!("{}.cert.pem", officer.login)),
        key: dir.join(format!("{}.key.pem", officer.login)),
    };
    issue(&issuer, officer, &key, passphrase, &creds)?;
    Ok(creds)
}

fn issue_officer(
    issuer: &Issuer<'_, KeyPair>,
    officer: &DevOfficer,
    passphrase: &[u8],
    creds: &DevCredentials,
) -> Result<(), SigningError> {
    let key = KeyPair::generate().map_err(rcgen_err)?;
    issue(issuer, officer, &key, passphrase, creds)
}

fn issue(
    issuer: &Issuer<'_, KeyPair>,
    officer: &DevOfficer,
    key: &KeyPair,
    passphrase: &[u8],
    creds: &DevCredentials,
) -> Result<(), SigningError> {
    let cert = officer_params(officer)?
        .signed_by(key, issuer)
        .map_err(rcgen_err)?;
    let key_pem = encrypt_pkcs8_pem(&key.serialize_der(), passphrase)?;
    write_private(&creds.key, &key_pem)?;
    fs::write(&creds.cert, cert.pem()).map_err(|e| io_err(&creds.cert, e))
}

/// An officer's certificate parameters: name, position and agency in the subject; key usage
/// digitalSignature + nonRepudiation; valid 2 years from yesterday.
fn officer_params(officer: &DevOfficer) -> Result<CertificateParams, SigningError> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, officer.name.as_str());
    dn.push(
        DnType::CustomDnType(vec![2, 5, 4, 12]),
        officer.position.as_str(),
    );
    dn.push(DnType::OrganizationName, officer.agency.as_str());
    dn.push(DnType::CountryName, "ID");
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    params.extended_key_usages = Vec::<ExtendedKeyUsagePurpose>::new();
    params.use_authority_key_identifier_extension = true;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(730);
    params.serial_number = Some(random_serial()?);
    Ok(params)
}

/// A public key known only by its SubjectPublicKeyInfo (a key in a PKCS#11 token).
struct SpkiKey {
    raw: Vec<u8>,
    alg: &'static rcgen::SignatureAlgorithm,
}

impl rcgen::PublicKeyData for SpkiKey {
    fn der_bytes(&self) -> &[u8] {
        &self.raw
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.alg
    }
}

/// Issues a development certificate, from the CA of `dir` (created if missing), for a public
/// key alone (`spki_der`, an X.509 SubjectPublicKeyInfo, RFC 5280 §4.1.2.7: EC P-256, RSA or
/// Ed25519), e.g. of a key that never leaves a PKCS#11 token; writes `<login>.cert.pem` and
/// returns its path.
///
/// Errors: [`SigningError::Key`] for another key type, those of [`dev_init`].
pub fn issue_for_public_key(
    dir: &Path,
    officer: &DevOfficer,
    spki_der: &[u8],
) -> Result<PathBuf, SigningError> {
    use der::Decode;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)?;
    let alg = match spki.algorithm.oid.to_string().as_str() {
        "1.2.840.10045.2.1" => &rcgen::PKCS_ECDSA_P256_SHA256,
        "1.2.840.113549.1.1.1" => &rcgen::PKCS_RSA_SHA256,
        "1.3.101.112" => &rcgen::PKCS_ED25519,
        other => {
            return Err(SigningError::Key(format!(
                "cannot certify a key of algorithm {other}"
            )));
        }
    };
    let key = SpkiKey {
        raw: spki.subject_public_key.raw_bytes().to_vec(),
        alg,
    };
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let (params, ca_key) = load_or_create_ca(dir)?;
    let issuer = Issuer::new(params, ca_key);
    let cert = officer_params(officer)?
        .signed_by(&key, &issuer)
        .map_err(rcgen_err)?;
    let path = dir.join(format!("{}.cert.pem", officer.login));
    fs::write(&path, cert.pem()).map_err(|e| io_err(&path, e))?;
    Ok(path)
}

/// The built-in TSA's credentials (RFC 3161 §2.3), from [`tsa_credentials`].
pub struct TsaCredentials {
    /// The TSA's signing key (P-256), decrypted.
    pub key: crate::keys::SignerKey,
    /// Its certificate: key usage digitalSignature, extendedKeyUsage timeStamping (critical).
    pub cert: x509_cert::Certificate,
    /// The issuing CA, to embed in tokens.
    pub chain: Vec<x509_cert::Certificate>,
}

/// Loads the built-in TSA's key (`tsa.key.pem`, encrypted PKCS#8 PBES2 under `passphrase`)
/// and certificate (`tsa.cert.pem`) from `dir`, or, when they are missing or the certificate
/// expires within `renew_within`, issues a new P-256 key and a certificate (valid 5 years) from
/// the CA of `dir` (created if missing) with the one extendedKeyUsage timeStamping, critical,
/// as RFC 3161 §2.3 requires. Renewing before expiry lets re-timestamping use a certificate
/// that outlives the one it replaces.
///
/// Errors: [`SigningError::WrongPassphrase`] for a wrong passphrase, and those of [`dev_init`].
pub fn tsa_credentials(
    dir: &Path,
    passphrase: &[u8],
    renew_within: Duration,
) -> Result<TsaCredentials, SigningError> {
    const OID_EXT_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
    // SEQUENCE { OID 1.3.6.1.5.5.7.3.8 (id-kp-timeStamping) }
    const EKU_TIME_STAMPING: &[u8] = &[
        0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
    ];
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let (cert_path, key_path) = (dir.join("tsa.cert.pem"), dir.join("tsa.key.pem"));
    let ca_path = dir.join(CA_CERT_FILE);
    let read = |p: &Path| fs::read_to_string(p).map_err(|e| io_err(p, e));
    let now = OffsetDateTime::now_utc();
    if cert_path.exists() && key_path.exists() && ca_path.exists() {
        let cert = crate::keys::load_certificates_pem(&read(&cert_path)?)?
            .into_iter()
            .next()
            .ok_or_else(|| SigningError::Certificate("no TSA certificate".into()))?;
        let not_after = cert
            .tbs_certificate()
            .validity()
            .not_after
            .to_unix_duration();
        let fresh =
            i128::from(not_after.as_secs()) > i128::from((now + renew_within).unix_timestamp());
        if fresh {
            let key = crate::keys::SignerKey::from_pem(&read(&key_path)?, Some(passphrase))?;
            let chain = crate::keys::load_certificates_pem(&read(&ca_path)?)?;
            return Ok(TsaCredentials { key, cert, chain });
        }
    }
    let (params, ca_key) = load_or_create_ca(dir)?;
    let issuer = Issuer::new(params, ca_key);
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Sahih Time-Stamping Authority");
    dn.push(DnType::OrganizationName, "Sahih (development only)");
    dn.push(DnType::CountryName, "ID");
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let mut eku =
        rcgen::CustomExtension::from_oid_content(OID_EXT_KEY_USAGE, EKU_TIME_STAMPING.to_vec());
    eku.set_criticality(true);
    params.custom_extensions = vec![eku];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(5 * 365);
    params.serial_number = Some(random_serial()?);
    let key = KeyPair::generate().map_err(rcgen_err)?;
    let cert = params.signed_by(&key, &issuer).map_err(rcgen_err)?;
    let key_pem = encrypt_pkcs8_pem(&key.serialize_der(), passphrase)?;
    write_private(&key_path, &key_pem)?;
    fs::write(&cert_path, cert.pem()).map_err(|e| io_err(&cert_path, e))?;
    Ok(TsaCredentials {
        key: crate::keys::SignerKey::from_pem(&key_pem, Some(passphrase))?,
        cert: crate::keys::load_certificates_pem(&cert.pem())?
            .into_iter()
            .next()
            .ok_or_else(|| SigningError::Certificate("no TSA certificate".into()))?,
        chain: crate::keys::load_certificates_pem(&read(&ca_path)?)?,
    })
}
