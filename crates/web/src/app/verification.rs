//! Public verification (DESIGN.md decision 4): every document Sahih signs gets an unguessable
//! verification code, the capability in its public `/v/{code}` link.

/// Random bytes in a verification code (160 bits), written as 40 lowercase hex digits.
pub const VERIFICATION_CODE_BYTES: usize = 20;

/// Whether `code` has the shape of a verification code (before any database lookup).
pub fn is_verification_code(code: &str) -> bool {
    code.len() == 2 * VERIFICATION_CODE_BYTES
        && code
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_codes_are_40_lowercase_hex_digits() {
        assert!(is_verification_code(&"a1".repeat(20)));
        for bad in [
            "",
            "../etc",
            &"A1".repeat(20),
            &"a1".repeat(21),
            &"g1".repeat(20),
        ] {
            assert!(!is_verification_code(bad), "{bad}");
        }
    }
}
