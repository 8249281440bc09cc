//! Trusted time and revocation data over HTTP, for signatures above PAdES B-B: an RFC 3161
//! client (§3.4: POST `application/timestamp-query`, answer `application/timestamp-reply`) and
//! a CRL fetcher for each certificate's CRL distribution point (RFC 5280 §4.2.1.13). The pure
//! signing crate receives them as [`TimeStamper`] and [`RevocationSource`].

use std::sync::Arc;
use std::time::Duration;

use base64ct::Encoding as _;
use sahih_signing::ltv::{Level, RevocationSource, crl_urls};
use sahih_signing::tsp::{TimeStampReq, TimeStamper, check_response};
use sahih_signing::{Certificate, SigningError};

/// How long one TSA or CRL request may take, whole.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Largest TSA answer or CRL read, bytes.
const LIMIT: u64 = 8 * 1024 * 1024;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("Sahih/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// An external TSA reached over HTTP(S) (RFC 3161 §3.4).
pub struct HttpTsa {
    url: String,
    agent: ureq::Agent,
}

impl std::fmt::Debug for HttpTsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTsa").field("url", &self.url).finish()
    }
}

impl HttpTsa {
    /// A client for the TSA at `url` (`http://` or `https://`).
    pub fn new(url: &str) -> HttpTsa {
        HttpTsa {
            url: url.to_string(),
            agent: agent(),
        }
    }
}

impl TimeStamper for HttpTsa {
    fn timestamp(&self, req: &TimeStampReq) -> Result<Vec<u8>, SigningError> {
        let fail = |what: String| SigningError::Timestamp {
            detail: format!("{}: {what}", self.url),
        };
        let mut res = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/timestamp-query")
            .send(&req.to_der()?[..])
            .map_err(|e| fail(e.to_string()))?;
        if res.status().as_u16() != 200 {
            return Err(fail(format!("HTTP status {}", res.status().as_u16())));
        }
        let body = res
            .body_mut()
            .with_config()
            .limit(LIMIT)
            .read_to_vec()
            .map_err(|e| fail(e.to_string()))?;
        check_response(&body, req)
    }
}

/// CRLs fetched from each certificate's HTTP CRL distribution points: the first point that
/// answers with a CRL wins; a certificate without one needs none here.
#[derive(Clone)]
pub struct HttpCrls {
    agent: ureq::Agent,
}

impl std::fmt::Debug for HttpCrls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpCrls")
    }
}

impl Default for HttpCrls {
    fn default() -> Self {
        HttpCrls { agent: agent() }
    }
}

impl RevocationSource for HttpCrls {
    fn crls(&self, certs: &[Certificate]) -> Result<Vec<Vec<u8>>, SigningError> {
        let mut out = Vec::new();
        let mut fetched = std::collections::HashSet::new();
        for cert in certs {
            let urls = crl_urls(cert);
            if urls.is_empty() || urls.iter().any(|u| fetched.contains(u)) {
                continue;
            }
            let mut errors = Vec::new();
            let found = urls.iter().find_map(|u| match self.fetch(u) {
                Ok(crl) => Some((u.clone(), crl)),
                Err(e) => {
                    errors.push(format!("{u}: {e}"));
                    None
                }
            });
            let (url, crl) = found.ok_or_else(|| SigningError::Revocation {
                detail: errors.join("; "),
            })?;
            fetched.insert(url);
            out.push(crl);
        }
        Ok(out)
    }
}

impl HttpCrls {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let mut res = self.agent.get(url).call().map_err(|e| e.to_string())?;
        if res.status().as_u16() != 200 {
            return Err(format!("HTTP status {}", res.status().as_u16()));
        }
        let body = res
            .body_mut()
            .with_config()
            .limit(LIMIT)
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        crl_der(&body).map_err(|e| e.to_string())
    }
}

/// A CRL as DER, from DER or PEM (`-----BEGIN X509 CRL-----`, RFC 7468 §6).
///
/// Errors: [`SigningError::Revocation`] when the bytes are neither.
pub fn crl_der(bytes: &[u8]) -> Result<Vec<u8>, SigningError> {
    let bad = |d: &str| SigningError::Revocation {
        detail: format!("not a CRL: {d}"),
    };
    let der = if bytes.starts_with(b"-----BEGIN") || bytes.first().is_some_and(|b| *b != 0x30) {
        let text = std::str::from_utf8(bytes).map_err(|_| bad("neither DER nor PEM"))?;
        let body: String = text
            .lines()
            .skip_while(|l| !l.starts_with("-----BEGIN X509 CRL-----"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        base64ct::Base64::decode_vec(body.trim()).map_err(|_| bad("bad PEM"))?
    } else {
        bytes.to_vec()
    };
    if der.first() != Some(&0x30) {
        return Err(bad("not a DER SEQUENCE"));
    }
    Ok(der)
}

/// The signing settings of `[signing]`: the PAdES level, the TSA, and where CRLs come from.
#[derive(Clone)]
pub struct Timestamping {
    /// The level officers' signatures are made at.
    pub level: Level,
    /// The TSA (required from B-T up).
    pub tsa: Option<Arc<dyn TimeStamper + Send + Sync>>,
    /// The built-in TSA when it is the one configured: also served at `POST /tsa`.
    pub builtin: Option<Arc<sahih_signing::tsa::BuiltinTsa>>,
    /// Where the CRLs of a B-LT DSS come from; by default each certificate's distribution
    /// point over HTTP. The lead may point it at Sahih's own CA store.
    pub revocation: Arc<dyn RevocationSource + Send + Sync>,
    /// Re-timestamp an archived document when its last timestamp's TSA certificate expires
    /// within this many days.
    pub renew_within_days: i64,
}

impl std::fmt::Debug for Timestamping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timestamping")
            .field("level", &self.level)
            .field("tsa", &self.tsa.is_some())
            .field("renew_within_days", &self.renew_within_days)
            .finish()
    }
}

impl Default for Timestamping {
    fn default() -> Self {
        Timestamping {
            level: Level::BB,
            tsa: None,
            builtin: None,
            revocation: Arc::new(HttpCrls::default()),
            renew_within_days: 180,
        }
    }
}

impl Timestamping {
    /// What [`sahih_signing::sign_at_level`] takes.
    pub fn long_term(&self) -> sahih_signing::LongTerm<'_> {
        sahih_signing::LongTerm {
            level: self.level,
            tsa: self.tsa.as_deref().map(|t| t as &dyn TimeStamper),
            revocation: Some(&*self.revocation as &dyn RevocationSource),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crls_are_read_from_der_or_pem() {
        let der = vec![0x30, 0x03, 0x02, 0x01, 0x00];
        assert_eq!(crl_der(&der).expect("der"), der);
        let pem = format!(
            "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
            base64ct::Base64::encode_string(&der)
        );
        assert_eq!(crl_der(pem.as_bytes()).expect("pem"), der);
        assert_eq!(
            crl_der(b"hello").expect_err("neither").code(),
            "E_CRL_UNAVAILABLE"
        );
    }
}
