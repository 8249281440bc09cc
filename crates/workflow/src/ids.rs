//! Typed ids and the roles a user can hold.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Serialized as the bare integer; `Display` prints the bare integer too.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(
    /// The database id of a document (berkas) going through the workflow.
    DocumentId
);
typed_id!(
    /// The database id of a user: a citizen (warga) or an officer.
    UserId
);
typed_id!(
    /// The database id of an agency (OPD), e.g. the licensing office.
    AgencyId
);

/// What a user may do in the workflow.
///
/// Serialized as the lowercase name (see [`Role::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A citizen (warga); the applicant (pemohon) of their own documents.
    Citizen,
    /// An officer who checks a document and gives paraf (verifikator).
    Verifier,
    /// The official who signs with a TTE (penandatangan).
    Signer,
    /// Administers services and users; takes no part in the approval itself.
    Admin,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 4] = [Role::Citizen, Role::Verifier, Role::Signer, Role::Admin];

    /// The stable lowercase name: `"citizen"`, `"verifier"`, `"signer"` or `"admin"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Verifier => "verifier",
            Role::Signer => "signer",
            Role::Admin => "admin",
        }
    }

    /// Parses the name produced by [`Role::as_str`]. Exact, lowercase match only;
    /// anything else gives `None`.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(Role::Citizen, "citizen")]
    #[case(Role::Verifier, "verifier")]
    #[case(Role::Signer, "signer")]
    #[case(Role::Admin, "admin")]
    fn role_names_round_trip(#[case] role: Role, #[case] name: &str) {
        assert_eq!(role.as_str(), name);
        assert_eq!(Role::parse(name), Some(role));
        assert_eq!(role.to_string(), name);
    }

    #[rstest]
    #[case("")]
    #[case("Citizen")]
    #[case("verifier ")]
    #[case("penandatangan")]
    fn unknown_role_names_are_rejected(#[case] name: &str) {
        assert_eq!(Role::parse(name), None);
    }

    #[test]
    fn ids_display_as_bare_integers() {
        assert_eq!(DocumentId(42).to_string(), "42");
        assert_eq!(UserId(-1).to_string(), "-1");
        assert_eq!(AgencyId(7).to_string(), "7");
    }
}
