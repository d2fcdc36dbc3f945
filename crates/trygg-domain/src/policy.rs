//! The access policy: one table of role × action → grant, denying by default.
//!
//! The table is the single source of truth for who may do what. `trygg-core` checks it in
//! every use case and `trygg-web` maps every route to one of its actions; a route or use
//! case without an action cannot be written. The grant says how far the permission reaches
//! (own records, own unit, own organisation, everything), so organisation scoping lives
//! here too and not in scattered `if`s.

use crate::account::Role;
use serde::Serialize;

/// Something a signed-in user may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See the start page and one's own account.
    ViewStartPage,
    /// Create, disable and change accounts, roles and passwords.
    ManageUsers,
    /// Create and change organisations and their units.
    ManageOrganisations,
    /// Read the list of organisations, units and users (the admin pages).
    ReadDirectory,
    /// Verify the audit chain and read the audit log.
    VerifyAudit,
    /// Read areas, places and the map.
    ReadGeography,
    /// Import and change areas.
    ManageAreas,
    /// Create and change places.
    ManagePlaces,
    /// Manage the incident category code list.
    ManageCategories,
    /// File an EST report.
    FileReport,
    /// Read incidents of the user's own organisation (for reporters: their own reports).
    ReadOwnIncidents,
    /// Read incidents other organisations share with the partners.
    ReadSharedIncidents,
    /// Review reports: accept, reclassify, merge, reject.
    ReviewIncidents,
    /// Export incidents.
    ExportIncidents,
    /// Import incidents and police events from files.
    ImportIncidents,
    /// Read the weekly situation picture before it is published.
    ReadDraftLagesbild,
    /// Record the EST meeting and publish the situation picture.
    PublishLagesbild,
    /// Read published situation pictures.
    ReadPublishedLagesbild,
    /// Read measures: those shared with the partners, one's own organisation's and
    /// unit's (the coordinator: all).
    ReadMeasures,
    /// Create and assign measures.
    ManageMeasures,
    /// Answer and progress measures assigned to one's unit.
    AnswerMeasures,
    /// Manage agreements, plans, promises and monthly reports.
    ManagePlans,
    /// Read agreements, their activity plans, the BF groups' plans and the åtgärdsplan
    /// versions (partner staff; the public sees none of it).
    ReadPlans,
    /// Read published promises and protocols (also possible without login).
    ReadPublished,
    /// Plan safety walks and edit their protocols.
    PlanWalks,
    /// Answer safety-walk proposals routed to one's unit.
    AnswerWalkProposals,
    /// Create, list and revoke organisations' API tokens for integrations.
    ManageApiTokens,
    /// Write medborgarlöften and their monthly reports, and read the drafts.
    ManagePromises,
    /// Publish a monthly promise report (final: it is never changed afterwards).
    PublishPromiseReports,
}

/// How far a permission reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Not allowed. The default for anything not in the table.
    Deny,
    /// Only records the user created.
    OwnRecords,
    /// Only records of the user's unit.
    OwnUnit,
    /// Only records of the user's organisation.
    OwnOrganisation,
    /// All records the action applies to.
    Any,
}

use Grant::{Any, Deny, OwnOrganisation as Org, OwnRecords as Mine, OwnUnit as Unit};

/// Columns in the order of [`Role::ALL`]:
/// admin, samordnare, analytiker, rapportör, handläggare, läsare.
pub const POLICY: &[(Action, [Grant; 6])] = &[
    (Action::ViewStartPage, [Any, Any, Any, Any, Any, Any]),
    (Action::ManageUsers, [Any, Deny, Deny, Deny, Deny, Deny]),
    (
        Action::ManageOrganisations,
        [Any, Deny, Deny, Deny, Deny, Deny],
    ),
    (Action::ReadDirectory, [Any, Any, Deny, Deny, Deny, Deny]),
    (Action::VerifyAudit, [Any, Deny, Deny, Deny, Deny, Deny]),
    (Action::ReadGeography, [Any, Any, Any, Any, Any, Any]),
    (Action::ManageAreas, [Any, Any, Deny, Deny, Deny, Deny]),
    (Action::ManagePlaces, [Any, Any, Deny, Deny, Deny, Deny]),
    (Action::ManageCategories, [Any, Any, Deny, Deny, Deny, Deny]),
    (Action::FileReport, [Deny, Any, Deny, Org, Org, Deny]),
    (Action::ReadOwnIncidents, [Org, Any, Org, Mine, Org, Deny]),
    (
        Action::ReadSharedIncidents,
        [Deny, Any, Any, Any, Any, Deny],
    ),
    (Action::ReviewIncidents, [Deny, Any, Deny, Deny, Deny, Deny]),
    (Action::ExportIncidents, [Deny, Any, Any, Deny, Deny, Deny]),
    (Action::ImportIncidents, [Deny, Any, Deny, Deny, Deny, Deny]),
    (
        Action::ReadDraftLagesbild,
        [Deny, Any, Any, Deny, Any, Deny],
    ),
    (
        Action::PublishLagesbild,
        [Deny, Any, Deny, Deny, Deny, Deny],
    ),
    (
        Action::ReadPublishedLagesbild,
        [Any, Any, Any, Any, Any, Any],
    ),
    (Action::ReadMeasures, [Deny, Any, Any, Any, Any, Any]),
    (Action::ManageMeasures, [Deny, Any, Deny, Deny, Deny, Deny]),
    (Action::AnswerMeasures, [Deny, Any, Deny, Deny, Unit, Deny]),
    (Action::ManagePlans, [Deny, Any, Deny, Deny, Deny, Deny]),
    (Action::ReadPlans, [Deny, Any, Any, Any, Any, Any]),
    (Action::ReadPublished, [Any, Any, Any, Any, Any, Any]),
    (Action::PlanWalks, [Deny, Any, Deny, Deny, Deny, Deny]),
    (
        Action::AnswerWalkProposals,
        [Deny, Any, Deny, Deny, Unit, Deny],
    ),
    // A token is an account for a machine; accounts are the admin's (ACCESS.md).
    (Action::ManageApiTokens, [Any, Deny, Deny, Deny, Deny, Deny]),
    // ACCESS.md: promises and monthly reports are the coordinator's; everyone else
    // reads what is published, like the public.
    (Action::ManagePromises, [Deny, Any, Deny, Deny, Deny, Deny]),
    (
        Action::PublishPromiseReports,
        [Deny, Any, Deny, Deny, Deny, Deny],
    ),
];

/// The most an integration (an API token of an organisation) may ever be granted,
/// whatever its scopes: what a partner's own staff together may do with incidents,
/// bounded to its organisation, and nothing else. Anything not listed is denied.
pub const INTEGRATION_CEILING: &[(Action, Grant)] = &[
    (Action::ReadGeography, Any),
    (Action::ReadOwnIncidents, Org),
    (Action::ReadSharedIncidents, Any),
    (Action::FileReport, Org),
    (Action::ExportIncidents, Any),
];

/// The ceiling of [`INTEGRATION_CEILING`] for one action.
pub fn integration_ceiling(action: Action) -> Grant {
    INTEGRATION_CEILING
        .iter()
        .find(|(a, _)| *a == action)
        .map_or(Deny, |(_, g)| *g)
}

/// What one role is granted for one action; `Deny` unless the table says otherwise.
pub fn grant(role: Role, action: Action) -> Grant {
    let Some(column) = Role::ALL.iter().position(|r| *r == role) else {
        return Deny;
    };
    POLICY
        .iter()
        .find(|(a, _)| *a == action)
        .map_or(Deny, |(_, grants)| grants[column])
}

/// The widest grant any of a user's roles gives (roles only ever add permissions).
pub fn best_grant(roles: &[Role], action: Action) -> Grant {
    roles
        .iter()
        .map(|r| grant(*r, action))
        .max()
        .unwrap_or(Deny)
}

/// Whether any of the roles allows the action at all (in some scope).
pub fn allows(roles: &[Role], action: Action) -> bool {
    best_grant(roles, action) != Deny
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// The expected table, written out independently of `POLICY` in the shape of
    /// `domain/ACCESS.md`, so a slip in either shows up as a failing cell.
    /// A = any, O = own organisation, U = own unit, M = own records, - = deny.
    const EXPECTED: &str = "
        action                    admin samordnare analytiker rapportör handläggare läsare
        view_start_page           A     A          A          A         A           A
        manage_users              A     -          -          -         -           -
        manage_organisations      A     -          -          -         -           -
        read_directory            A     A          -          -         -           -
        verify_audit              A     -          -          -         -           -
        read_geography            A     A          A          A         A           A
        manage_areas              A     A          -          -         -           -
        manage_places             A     A          -          -         -           -
        manage_categories         A     A          -          -         -           -
        file_report               -     A          -          O         O           -
        read_own_incidents        O     A          O          M         O           -
        read_shared_incidents     -     A          A          A         A           -
        review_incidents          -     A          -          -         -           -
        export_incidents          -     A          A          -         -           -
        import_incidents          -     A          -          -         -           -
        read_draft_lagesbild      -     A          A          -         A           -
        publish_lagesbild         -     A          -          -         -           -
        read_published_lagesbild  A     A          A          A         A           A
        read_measures             -     A          A          A         A           A
        manage_measures           -     A          -          -         -           -
        answer_measures           -     A          -          -         U           -
        manage_plans              -     A          -          -         -           -
        read_plans                -     A          A          A         A           A
        read_published            A     A          A          A         A           A
        plan_walks                -     A          -          -         -           -
        answer_walk_proposals     -     A          -          -         U           -
        manage_api_tokens         A     -          -          -         -           -
        manage_promises           -     A          -          -         -           -
        publish_promise_reports   -     A          -          -         -           -
    ";

    fn action_code(a: Action) -> String {
        serde_json::to_value(a)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn every_cell_of_the_table_is_as_specified() {
        let mut lines = EXPECTED.lines().map(str::trim).filter(|l| !l.is_empty());
        let header: Vec<&str> = lines.next().unwrap().split_whitespace().skip(1).collect();
        let roles: Vec<Role> = header.iter().map(|h| Role::parse(h).unwrap()).collect();
        assert_eq!(
            roles,
            Role::ALL,
            "the expected table names every role once, in order"
        );
        let mut seen = Vec::new();
        let mut cells = 0;
        for line in lines {
            let mut parts = line.split_whitespace();
            let code = parts.next().unwrap();
            let action = POLICY
                .iter()
                .map(|(a, _)| *a)
                .find(|a| action_code(*a) == code)
                .unwrap_or_else(|| panic!("{code} is not an action in POLICY"));
            for (role, cell) in roles.iter().zip(parts) {
                let want = match cell {
                    "A" => Any,
                    "O" => Org,
                    "U" => Unit,
                    "M" => Mine,
                    "-" => Deny,
                    other => panic!("bad cell {other}"),
                };
                assert_eq!(grant(*role, action), want, "{code} for {}", role.code());
                assert_eq!(
                    allows(&[*role], action),
                    want != Deny,
                    "{code} for {}",
                    role.code()
                );
                cells += 1;
            }
            seen.push(action);
        }
        assert_eq!(
            seen.len(),
            POLICY.len(),
            "every action of POLICY is specified"
        );
        assert_eq!(cells, POLICY.len() * Role::ALL.len());
    }

    #[test]
    fn each_action_appears_once() {
        for (i, (a, _)) in POLICY.iter().enumerate() {
            assert!(POLICY[i + 1..].iter().all(|(b, _)| a != b), "{a:?} twice");
        }
    }

    #[test]
    fn no_roles_means_no_rights_and_roles_only_add() {
        for (action, _) in POLICY {
            assert_eq!(best_grant(&[], *action), Deny);
            for r in Role::ALL {
                assert!(best_grant(&[r, Role::Lasare], *action) >= grant(r, *action));
            }
        }
    }

    #[test]
    fn an_integration_never_gets_more_than_partner_staff() {
        // No role-less power: each ceiling is within what some non-admin role of a
        // partner organisation holds, and never reaches other organisations' own data.
        for (action, ceiling) in INTEGRATION_CEILING {
            let staff = [Role::Analytiker, Role::Rapportor, Role::Handlaggare]
                .iter()
                .map(|r| grant(*r, *action))
                .max()
                .unwrap();
            assert!(*ceiling <= staff, "{action:?}");
        }
        assert_eq!(integration_ceiling(Action::ReadOwnIncidents), Org);
        assert_eq!(integration_ceiling(Action::FileReport), Org);
        for a in [
            Action::ReviewIncidents,
            Action::ManageApiTokens,
            Action::ManageUsers,
            Action::VerifyAudit,
            Action::ViewStartPage,
        ] {
            assert_eq!(integration_ceiling(a), Deny, "{a:?}");
        }
    }

    #[test]
    fn admin_does_not_open_operational_work() {
        // ACCESS.md principle 5: admin rights manage accounts and settings only.
        for a in [
            Action::ReviewIncidents,
            Action::ReadSharedIncidents,
            Action::ManageMeasures,
        ] {
            assert_eq!(grant(Role::Admin, a), Deny);
        }
    }
}
