//! Typed ids, so an organisation id can never be passed where a user id is meant.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

pub(crate) use typed_id;

typed_id!(
    /// An organisation (the municipality, the police, a housing company…).
    OrganisationId
);
typed_id!(
    /// A unit (förvaltning, avdelning) inside an organisation.
    UnitId
);
typed_id!(
    /// A user account.
    UserId
);
typed_id!(
    /// A login session.
    SessionId
);
typed_id!(
    /// An area (kommun, RegSO, district, permit area…).
    AreaId
);
typed_id!(
    /// A named place (a tunnel, a square, a school yard).
    PlaceId
);
