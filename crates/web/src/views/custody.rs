//! The officer's key page (`/akun/kunci`): the TOTP second factor's enrollment.

use askama::Template;

use super::Page;
use crate::app::Enrollment;

/// The officer's signing-key page: enroll or see the second factor.
#[derive(Template)]
#[template(path = "account_key.html")]
pub struct AccountKeyPage {
    /// Common.
    pub p: Page,
    /// The second factor: enrolled, or pending with its QR code and secret.
    pub enrollment: Enrollment,
    /// Whether this instance refuses signing without a second factor.
    pub required: bool,
    /// What just happened, as a translation key (`totp_enrolled`), if anything.
    pub notice: Option<&'static str>,
}

impl AccountKeyPage {
    /// The QR code (inline SVG, made by the `qrcode` crate from the `otpauth://` URI: no
    /// user-controlled markup) and the base32 secret, while enrolling.
    pub fn pending(&self) -> Option<(&str, &str)> {
        match &self.enrollment {
            Enrollment::Pending {
                secret_base32,
                qr_svg,
            } => Some((qr_svg.as_str(), secret_base32.as_str())),
            Enrollment::Enrolled { .. } => None,
        }
    }

    /// When the second factor was confirmed (Unix seconds), once it is.
    pub fn enrolled_since(&self) -> Option<i64> {
        match self.enrollment {
            Enrollment::Enrolled { since } => Some(since),
            Enrollment::Pending { .. } => None,
        }
    }
}
