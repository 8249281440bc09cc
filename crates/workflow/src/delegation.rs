//! Delegation of signing authority to an acting official (Plt./Plh.) for a bounded period.
//!
//! A signing official (penandatangan), or their agency's admin, lends the official's signing
//! authority to another officer for a period: *Plt.* (Pelaksana Tugas) while the office is
//! vacant, *Plh.* (Pelaksana Harian) while its holder is temporarily absent. One grant lasts at
//! most [`MAX_DELEGATION_DAYS`] days, the ceiling of a Plt./Plh. assignment in BKN circular
//! SE 1/2021 (three months); a longer stand-in is a new grant. While a grant is active the
//! delegate may sign what the delegator could, and the signature says so: its `/Reason`
//! carries "Plt." or "Plh." before the office and "a.n." with the delegator's name
//! ([`Delegation::signature_reason`]).
//!
//! ```
//! use sahih_workflow::{Delegation, DelegationKind, UserId};
//!
//! let day = 86_400;
//! let from = 1_796_000_000;
//! let d = Delegation::new(UserId(1), UserId(2), DelegationKind::Plh, from, from + 14 * day)?;
//! assert!(d.is_active(from) && !d.is_active(from + 14 * day));
//! assert_eq!(d.reason_prefix("Kepala Dinas"), "Plh. Kepala Dinas");
//! assert_eq!(
//!     d.signature_reason("Surat Keterangan Usaha", "Kepala Dinas", "DPMPTSP", "Dr. Rina Wulandari"),
//!     "Surat Keterangan Usaha — Plh. Kepala Dinas, DPMPTSP, a.n. Dr. Rina Wulandari"
//! );
//! let too_long = Delegation::new(UserId(1), UserId(2), DelegationKind::Plt, from, from + 93 * day);
//! assert_eq!(too_long.err().map(|e| e.code()), Some("E_DELEGATION_TOO_LONG"));
//! # Ok::<(), sahih_workflow::DelegationError>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{UserId, is_invisible};

/// The longest grant, days: three months (BKN circular SE 1/2021 on Plt./Plh.).
pub const MAX_DELEGATION_DAYS: i64 = 92;

/// The longest grant, seconds ([`MAX_DELEGATION_DAYS`] × 86 400).
pub const MAX_DELEGATION_SECONDS: i64 = MAX_DELEGATION_DAYS * 86_400;

/// The latest time a grant may name: 9999-12-31T23:59:59Z, Unix seconds (the log writes
/// times as four-digit years).
pub const MAX_DELEGATION_TIME: i64 = 253_402_300_799;

/// Which kind of acting official.
///
/// Serialized as its storage code ([`DelegationKind::as_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DelegationKind {
    /// Pelaksana Tugas: acts in an office that is vacant.
    Plt,
    /// Pelaksana Harian: acts while the holder of the office is temporarily absent.
    Plh,
}

impl DelegationKind {
    /// Both kinds.
    pub const ALL: [DelegationKind; 2] = [DelegationKind::Plt, DelegationKind::Plh];

    /// The stable storage code: `"plt"` or `"plh"`.
    pub fn as_code(self) -> &'static str {
        match self {
            DelegationKind::Plt => "plt",
            DelegationKind::Plh => "plh",
        }
    }

    /// Parses a code of [`DelegationKind::as_code`], exactly.
    ///
    /// # Errors
    /// [`DelegationError::UnknownKind`] holding the input.
    pub fn from_code(s: &str) -> Result<DelegationKind, DelegationError> {
        DelegationKind::ALL
            .into_iter()
            .find(|k| k.as_code() == s)
            .ok_or_else(|| DelegationError::UnknownKind(s.to_owned()))
    }

    /// The abbreviation written before the office: `"Plt."` or `"Plh."`.
    pub fn prefix(self) -> &'static str {
        match self {
            DelegationKind::Plt => "Plt.",
            DelegationKind::Plh => "Plh.",
        }
    }

    /// The full Indonesian name: `"Pelaksana Tugas"` or `"Pelaksana Harian"`.
    pub fn name_id(self) -> &'static str {
        match self {
            DelegationKind::Plt => "Pelaksana Tugas",
            DelegationKind::Plh => "Pelaksana Harian",
        }
    }
}

impl fmt::Display for DelegationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_code())
    }
}

/// Why a delegation was refused. Each variant has a stable code ([`DelegationError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelegationError {
    /// An official cannot delegate to themselves.
    #[error("an official cannot delegate to themselves")]
    SelfDelegation,
    /// The period is empty or reversed (`valid_from` ≥ `valid_until`).
    #[error("the delegation must end after it starts")]
    EmptyPeriod,
    /// The period is longer than [`MAX_DELEGATION_DAYS`] days.
    #[error("a delegation lasts at most {max_days} days; extend it with a new one")]
    TooLong {
        /// [`MAX_DELEGATION_DAYS`].
        max_days: i64,
    },
    /// A bound before 1970 or after [`MAX_DELEGATION_TIME`].
    #[error("the delegation's dates are out of range")]
    TimeOutOfRange,
    /// A kind code that is not `plt` or `plh`.
    #[error("unknown delegation kind {0:?}: use plt or plh")]
    UnknownKind(String),
}

impl DelegationError {
    /// The stable code, e.g. `"E_DELEGATION_TOO_LONG"`. Codes never change meaning.
    pub fn code(&self) -> &'static str {
        match self {
            DelegationError::SelfDelegation => "E_DELEGATION_SELF",
            DelegationError::EmptyPeriod => "E_DELEGATION_PERIOD",
            DelegationError::TooLong { .. } => "E_DELEGATION_TOO_LONG",
            DelegationError::TimeOutOfRange => "E_DELEGATION_TIME",
            DelegationError::UnknownKind(_) => "E_DELEGATION_KIND",
        }
    }
}

/// A grant of `delegator`'s signing authority to `delegate` over `[valid_from, valid_until)`
/// (Unix seconds, UTC; the end excluded). Build it with [`Delegation::new`], which checks the
/// rules; revocation is recorded by the store beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// The official whose authority is lent (e.g. the Kepala Dinas).
    pub delegator: UserId,
    /// The acting official (Plt./Plh.) who may sign meanwhile.
    pub delegate: UserId,
    /// Plt. or Plh.
    pub kind: DelegationKind,
    /// The first second it is active, Unix seconds.
    pub valid_from: i64,
    /// The first second it is no longer active, Unix seconds.
    pub valid_until: i64,
}

impl Delegation {
    /// A checked grant.
    ///
    /// # Errors
    /// In this order: [`DelegationError::SelfDelegation`] (`delegator == delegate`),
    /// [`DelegationError::TimeOutOfRange`] (a bound outside 1970-01-01 … 9999-12-31),
    /// [`DelegationError::EmptyPeriod`] (`valid_from >= valid_until`),
    /// [`DelegationError::TooLong`] (`valid_until - valid_from` >
    /// [`MAX_DELEGATION_SECONDS`]).
    pub fn new(
        delegator: UserId,
        delegate: UserId,
        kind: DelegationKind,
        valid_from: i64,
        valid_until: i64,
    ) -> Result<Delegation, DelegationError> {
        if delegator == delegate {
            return Err(DelegationError::SelfDelegation);
        }
        let in_range = |t: i64| (0..=MAX_DELEGATION_TIME).contains(&t);
        if !in_range(valid_from) || !in_range(valid_until) {
            return Err(DelegationError::TimeOutOfRange);
        }
        if valid_from >= valid_until {
            return Err(DelegationError::EmptyPeriod);
        }
        if valid_until - valid_from > MAX_DELEGATION_SECONDS {
            return Err(DelegationError::TooLong {
                max_days: MAX_DELEGATION_DAYS,
            });
        }
        Ok(Delegation {
            delegator,
            delegate,
            kind,
            valid_from,
            valid_until,
        })
    }

    /// Whether the grant covers the instant `at` (Unix seconds): `valid_from <= at <
    /// valid_until`. A revoked grant is the store's to exclude.
    pub fn is_active(&self, at: i64) -> bool {
        (self.valid_from..self.valid_until).contains(&at)
    }

    /// The acting official's title: the kind's abbreviation and the delegator's position
    /// (jabatan), e.g. `"Plt. Kepala Dinas"`; just `"Plt."` when the position is blank.
    /// Control and invisible characters are dropped and white space runs become one space.
    pub fn reason_prefix(&self, delegator_position: &str) -> String {
        let position = one_line(delegator_position);
        if position.is_empty() {
            self.kind.prefix().to_owned()
        } else {
            format!("{} {position}", self.kind.prefix())
        }
    }

    /// The text of the signature's `/Reason` (ISO 32000-2 §12.8.1, Table 255) when the
    /// delegate signs by this grant:
    ///
    /// `"{service} — {Plt.|Plh.} {position}, {agency}, a.n. {delegator_name}"`
    ///
    /// e.g. `"Surat Keterangan Usaha — Plt. Kepala Dinas, DPMPTSP, a.n. Dr. Rina Wulandari"`.
    /// It is the shape of an official's own reason (`"{service} — {position}, {agency}"`) with
    /// the acting title ([`Delegation::reason_prefix`]) in place of the position, and "a.n."
    /// (atas nama, on behalf of) naming the official whose authority is used; the signer's own
    /// name is the signature's `/Name`. `position` is the delegator's position, `agency` the
    /// agency's name or code. Each part is put on one line ([`Delegation::reason_prefix`]);
    /// a blank `service`, `agency` or `delegator_name` is left out with its separator.
    pub fn signature_reason(
        &self,
        service: &str,
        position: &str,
        agency: &str,
        delegator_name: &str,
    ) -> String {
        let mut office = self.reason_prefix(position);
        for (separator, part) in [(", ", agency), (", a.n. ", delegator_name)] {
            let part = one_line(part);
            if !part.is_empty() {
                office.push_str(separator);
                office.push_str(&part);
            }
        }
        let service = one_line(service);
        if service.is_empty() {
            office
        } else {
            format!("{service} — {office}")
        }
    }
}

/// `text` without control or invisible characters, its white space runs made one space, trimmed.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .map(|word| {
            word.chars()
                .filter(|c| !c.is_control() && !is_invisible(*c))
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    const DAY: i64 = 86_400;
    const T0: i64 = 1_796_000_000;
    const A: UserId = UserId(1);
    const B: UserId = UserId(2);

    #[rstest]
    #[case(A, B, T0, T0 + DAY, Ok(()))]
    #[case(A, B, T0, T0 + MAX_DELEGATION_SECONDS, Ok(()))]
    #[case(A, B, T0, T0 + MAX_DELEGATION_SECONDS + 1, Err("E_DELEGATION_TOO_LONG"))]
    #[case(A, B, T0, T0 + 365 * DAY, Err("E_DELEGATION_TOO_LONG"))]
    #[case(A, A, T0, T0 + DAY, Err("E_DELEGATION_SELF"))]
    #[case(A, B, T0, T0, Err("E_DELEGATION_PERIOD"))]
    #[case(A, B, T0 + DAY, T0, Err("E_DELEGATION_PERIOD"))]
    #[case(A, B, -1, T0, Err("E_DELEGATION_TIME"))]
    #[case(A, B, T0, i64::MAX, Err("E_DELEGATION_TIME"))]
    #[case(A, B, i64::MIN, i64::MAX, Err("E_DELEGATION_TIME"))]
    #[case(A, B, MAX_DELEGATION_TIME - DAY, MAX_DELEGATION_TIME, Ok(()))]
    fn grants(
        #[case] delegator: UserId,
        #[case] delegate: UserId,
        #[case] from: i64,
        #[case] until: i64,
        #[case] expected: Result<(), &str>,
    ) {
        let got = Delegation::new(delegator, delegate, DelegationKind::Plt, from, until);
        match (got, expected) {
            (Ok(d), Ok(())) => assert_eq!((d.valid_from, d.valid_until), (from, until)),
            (Err(e), Err(code)) => assert_eq!(e.code(), code),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[rstest]
    #[case(T0 - 1, false)]
    #[case(T0, true)]
    #[case(T0 + 3 * DAY, true)]
    #[case(T0 + 7 * DAY - 1, true)]
    #[case(T0 + 7 * DAY, false)]
    fn active_only_inside_the_period(#[case] at: i64, #[case] active: bool) {
        let d = Delegation::new(A, B, DelegationKind::Plh, T0, T0 + 7 * DAY).expect("valid");
        assert_eq!(d.is_active(at), active);
    }

    #[rstest]
    #[case(DelegationKind::Plt, "Kepala Dinas", "Plt. Kepala Dinas")]
    #[case(DelegationKind::Plh, "  Sekretaris\n Dinas ", "Plh. Sekretaris Dinas")]
    #[case(DelegationKind::Plt, "", "Plt.")]
    #[case(DelegationKind::Plh, "\u{200B}", "Plh.")]
    fn prefixes(#[case] kind: DelegationKind, #[case] position: &str, #[case] want: &str) {
        let d = Delegation::new(A, B, kind, T0, T0 + DAY).expect("valid");
        assert_eq!(d.reason_prefix(position), want);
    }

    #[rstest]
    #[case(
        ("Surat Keterangan Usaha", "Kepala Dinas", "DPMPTSP", "Dr. Rina Wulandari"),
        "Surat Keterangan Usaha — Plt. Kepala Dinas, DPMPTSP, a.n. Dr. Rina Wulandari"
    )]
    #[case(("", "Kepala Dinas", "DPMPTSP", "Rina"), "Plt. Kepala Dinas, DPMPTSP, a.n. Rina")]
    #[case(("SKU", "", "", "Rina"), "SKU — Plt., a.n. Rina")]
    #[case(("SKU\r\n", "Kepala\tDinas", "Dinas\u{0} X", "Rina\nW."), "SKU — Plt. Kepala Dinas, Dinas X, a.n. Rina W.")]
    fn reasons(#[case] parts: (&str, &str, &str, &str), #[case] want: &str) {
        let d = Delegation::new(A, B, DelegationKind::Plt, T0, T0 + DAY).expect("valid");
        let (service, position, agency, name) = parts;
        assert_eq!(d.signature_reason(service, position, agency, name), want);
    }

    #[test]
    fn kind_codes_round_trip_exactly() {
        for kind in DelegationKind::ALL {
            assert_eq!(DelegationKind::from_code(kind.as_code()), Ok(kind));
        }
        for bad in ["", "Plt", "plt.", "PLH", "plt "] {
            assert_eq!(
                DelegationKind::from_code(bad).map_err(|e| e.code()),
                Err("E_DELEGATION_KIND")
            );
        }
        assert_eq!(DelegationKind::Plh.name_id(), "Pelaksana Harian");
    }
}
