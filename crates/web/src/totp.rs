//! The signing key's second factor: time-based one-time passwords (TOTP, RFC 6238: HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of clock skew either way), their enrollment QR code
//! (the `otpauth://` URI of Google Authenticator's Key Uri Format, drawn as inline SVG), and the
//! TOTP secret sealed at rest with AES-256-GCM (NIST SP 800-38D) under the instance's
//! second-factor key, bound to its officer by the associated data.
//!
//! The code itself comes from `totp-rs` (constant-time comparison of codes, on this workspace's
//! `hmac`/`sha1` lines); which step a code matched is returned so that the caller accepts each
//! step once (RFC 6238 §5.2).

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use sahih_workflow::UserId;
use zeroize::Zeroizing;

use crate::AppError;

/// Seconds per TOTP step (RFC 6238 §4.1, X = 30).
pub const STEP_SECONDS: u64 = 30;
/// Digits of a code (RFC 4226 §5.3).
pub const DIGITS: u8 = 6;
/// Steps of clock skew accepted either way (RFC 6238 §5.2 recommends one).
pub const SKEW_STEPS: u16 = 1;
/// Bytes of a TOTP secret: 160 bits, as RFC 4226 §4 R6 recommends.
pub const SECRET_BYTES: usize = 20;
/// The sealed form's version prefix.
const SEALED_PREFIX: &str = "v1:";
/// Bytes of an AES-GCM nonce (NIST SP 800-38D §8.2.2, random 96-bit IVs).
const NONCE_BYTES: usize = 12;

/// An officer's TOTP shared secret, zeroized on drop; `Debug` shows nothing.
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(redacted)")
    }
}

impl TotpSecret {
    /// A new random secret of [`SECRET_BYTES`] from the operating system's CSPRNG.
    ///
    /// Errors: `E_INTERNAL` when the CSPRNG fails.
    pub fn generate() -> Result<TotpSecret, AppError> {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_BYTES]);
        getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(TotpSecret(bytes))
    }

    /// A secret from its raw bytes (at least 16, RFC 4226 §4 R6).
    ///
    /// Errors: `E_INTERNAL` for a shorter secret.
    pub fn from_bytes(bytes: &[u8]) -> Result<TotpSecret, AppError> {
        if bytes.len() < 16 {
            return Err(AppError::Internal(
                "TOTP secret shorter than 128 bits".into(),
            ));
        }
        Ok(TotpSecret(Zeroizing::new(bytes.to_vec())))
    }

    /// A secret from its base32 form (RFC 4648 §6, padding optional), as shown on the
    /// enrollment page.
    ///
    /// Errors: `E_INTERNAL` for text that is not base32 or too short a secret.
    pub fn from_base32(text: &str) -> Result<TotpSecret, AppError> {
        let secret = totp_rs::Secret::try_from_base32(text)
            .map_err(|_| AppError::Internal("not a base32 TOTP secret".into()))?;
        TotpSecret::from_bytes(secret.as_bytes())
    }

    fn totp(&self) -> Result<totp_rs::Totp, AppError> {
        totp_rs::Builder::new()
            .with_algorithm(totp_rs::Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(SKEW_STEPS)
            .with_step_duration(STEP_SECONDS)
            .with_secret(totp_rs::Secret::new(self.0.to_vec().into_boxed_slice()))
            .build()
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The secret in base32 without padding (RFC 4648 §6), as authenticator apps take it typed.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(base32_no_pad(&self.0))
    }

    /// The `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
    /// URI that authenticator apps read from the enrollment QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Zeroizing<String> {
        let enc = |s: &str| -> String {
            form_urlencoded::byte_serialize(s.replace(':', " ").as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        Zeroizing::new(format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1\
             &digits={DIGITS}&period={STEP_SECONDS}",
            issuer = enc(issuer),
            account = enc(account),
            secret = base32_no_pad(&self.0),
        ))
    }

    /// The step (Unix time / 30 s) that `code` is valid for at `unix_time` seconds, looking one
    /// step back and one ahead; `None` for a wrong or malformed code. Spaces in the code are
    /// ignored (apps show `123 456`).
    pub fn matching_step(&self, code: &str, unix_time: u64) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.totp().ok()?.check(&code, unix_time)
    }

    /// The code for `unix_time` (what the officer's app shows then).
    ///
    /// Errors: `E_INTERNAL` if the secret cannot make a TOTP.
    pub fn code_at(&self, unix_time: u64) -> Result<String, AppError> {
        Ok(self.totp()?.generate(unix_time).to_string())
    }
}

/// RFC 4648 §6 base32 without padding.
fn base32_no_pad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The instance's key that seals TOTP secrets at rest (32 bytes for AES-256-GCM), zeroized on
/// drop; `Debug` shows nothing. `sahih serve` keeps it in the data directory
/// (`second-factor.key`, mode 0600); without one, [`SealKey::ephemeral`] lasts as long as the
/// process (tests, tools that enroll nobody).
#[derive(Clone)]
pub struct SealKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(redacted)")
    }
}

impl SealKey {
    /// A key from its 32 bytes.
    pub fn new(bytes: [u8; 32]) -> SealKey {
        SealKey(Zeroizing::new(bytes))
    }

    /// A random key that lives as long as this value: secrets sealed with it cannot be read
    /// after a restart.
    ///
    /// Errors: `E_INTERNAL` when the CSPRNG fails.
    pub fn ephemeral() -> Result<SealKey, AppError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(SealKey(bytes))
    }

    fn cipher(&self) -> Result<Aes256Gcm, AppError> {
        Aes256Gcm::new_from_slice(self.0.as_ref()).map_err(|e| AppError::Internal(e.to_string()))
    }

    /// Seals `secret` for `owner`: `v1:` + hex(nonce ‖ ciphertext ‖ tag), the officer's id as
    /// associated data (a sealed secret moved to another officer's row does not open).
    ///
    /// Errors: `E_INTERNAL` when the CSPRNG or the cipher fails.
    pub fn seal(&self, owner: UserId, secret: &TotpSecret) -> Result<String, AppError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| AppError::Internal(e.to_string()))?;
        let aad = owner.0.to_be_bytes();
        let sealed = self
            .cipher()?
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &secret.0,
                    aad: &aad,
                },
            )
            .map_err(|_| AppError::Internal("sealing the TOTP secret failed".into()))?;
        Ok(format!(
            "{SEALED_PREFIX}{}{}",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    /// Opens what [`SealKey::seal`] made for `owner`.
    ///
    /// Errors: `E_INTERNAL` for a malformed value, another key (e.g. the key file was
    /// replaced: an admin resets the officer's second factor) or another owner.
    pub fn open(&self, owner: UserId, sealed: &str) -> Result<TotpSecret, AppError> {
        let unreadable = || AppError::Internal("the stored TOTP secret cannot be opened".into());
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .filter(|b| b.len() > NONCE_BYTES)
            .ok_or_else(unreadable)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| unreadable())?;
        let aad = owner.0.to_be_bytes();
        let plain = self
            .cipher()?
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| unreadable())?;
        TotpSecret::from_bytes(&Zeroizing::new(plain))
    }
}

/// The QR code of `text` as an inline `<svg>` element (no XML declaration), dark modules on
/// white, at least 220 px square.
///
/// Errors: `E_INTERNAL` when `text` is too long for a QR code.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .build();
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

/// Seconds since the Unix epoch now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (the 8-digit codes' last 6 digits are the 6-digit code,
    /// RFC 4226 §5.3: the code is the value mod 10^digits).
    #[test]
    fn codes_match_rfc_6238_appendix_b() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").expect("secret");
        for (time, eight) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let code = secret.code_at(time).expect("code");
            assert_eq!(code, eight[2..], "T = {time}");
            assert_eq!(secret.matching_step(&code, time), Some(time / 30));
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_early_or_late_and_no_further() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").expect("secret");
        let t = 1_234_567_890;
        let code = secret.code_at(t).expect("code");
        assert_eq!(secret.matching_step(&code, t + 30), Some(t / 30));
        assert_eq!(secret.matching_step(&code, t - 30), Some(t / 30));
        assert_eq!(secret.matching_step(&code, t + 90), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.matching_step(&spaced, t), Some(t / 30));
        for bad in ["", "12345", "1234567", "abcdef", "０１２３４５"] {
            assert_eq!(secret.matching_step(bad, t), None, "{bad:?}");
        }
    }

    #[test]
    fn base32_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_no_pad(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_officer_and_key() {
        let key = SealKey::new([7; 32]);
        let secret = TotpSecret::generate().expect("secret");
        let sealed = key.seal(UserId(5), &secret).expect("seal");
        assert!(!sealed.contains(&*secret.to_base32()));
        let opened = key.open(UserId(5), &sealed).expect("opens");
        assert_eq!(*opened.to_base32(), *secret.to_base32());
        assert!(key.open(UserId(6), &sealed).is_err(), "another officer");
        assert!(SealKey::new([8; 32]).open(UserId(5), &sealed).is_err());
        assert!(format!("{key:?} {secret:?}").contains("redacted"));
    }

    #[test]
    fn the_uri_and_qr_code_carry_the_secret() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").expect("secret");
        let uri = secret.otpauth_uri("Sahih Kota Uji", "kadis:1");
        assert_eq!(
            *uri,
            "otpauth://totp/Sahih%20Kota%20Uji:kadis%201?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Sahih%20Kota%20Uji&algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&uri).expect("svg");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
