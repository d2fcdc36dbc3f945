//! Agreements and plans: the samverkansöverenskommelse between the municipality and the
//! police (and other partners), its priority areas and activity plans, the local
//! crime-prevention groups (BF-grupper) with their own plans, and the statutory
//! **åtgärdsplan** of lag (2023:196) as a versioned, decided document.
//!
//! The activities of a plan are measures (`measure.rs`): a plan does not copy what is to
//! be done, it points at the measures that do it, so the plan shows their real status and
//! Brå's gap between plans and follow-up closes. Here are the pure parts: the values an
//! agreement and a decision are made of, parsed once at the boundary, and the frozen
//! content of an åtgärdsplan version (serialised canonically and hashed in `trygg-core`).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::id::{OrganisationId, typed_id};
use crate::measure::parse_date;
use crate::walk::{line, optional_text};

typed_id!(
    /// One samverkansöverenskommelse (agreement).
    AgreementId
);
typed_id!(
    /// A priority area of an agreement (e.g. ungdomsbrottslighet).
    PriorityAreaId
);
typed_id!(
    /// An activity plan: the agreement's own, or a local BF group's.
    ActivityPlanId
);
typed_id!(
    /// One activity of a plan: a measure under a priority area.
    ActivityId
);
typed_id!(
    /// A local crime-prevention group (lokal BF-grupp), usually per district.
    BfGroupId
);
typed_id!(
    /// One version of the statutory åtgärdsplan.
    ActionPlanVersionId
);

/// Linköping's three priority areas, the default of a new agreement.
pub const LINKOPING_PRIORITY_AREAS: [&str; 3] = [
    "Organiserad brottslighet",
    "Otrygghet och brott i offentlig miljö",
    "Ungdomsbrottslighet",
];

/// Version of the åtgärdsplan content layout, stored in every version.
pub const ACTION_PLAN_FORMAT: u32 = 1;

/// Longest title of an agreement, plan or group.
pub const TITLE_MAX: usize = 200;
/// Longest free text (problems, causes, goals, follow-up).
pub const TEXT_MAX: usize = 10_000;
/// Longest note on an activity.
pub const NOTE_MAX: usize = 2_000;
/// An agreement runs at most this many years (Linköping's run 3–4).
pub const PERIOD_MAX_YEARS: i16 = 10;

/// The period an agreement covers: first and last day, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

impl Period {
    /// Fields `period_start`, `period_end`; codes `required`, `invalid_date`,
    /// `period_end_before_start`, `period_too_long`.
    pub fn parse(start: &str, end: &str) -> Result<Self, Invalid> {
        let start = parse_date("period_start", start)?;
        let end = parse_date("period_end", end)?;
        if end < start {
            return Err(Invalid::new("period_end", "period_end_before_start"));
        }
        if end.year() - start.year() > PERIOD_MAX_YEARS {
            return Err(Invalid::new("period_end", "period_too_long"));
        }
        Ok(Self { start, end })
    }

    /// Whether `day` falls in the period.
    pub fn contains(&self, day: Date) -> bool {
        self.start <= day && day <= self.end
    }
}

/// A signatory: who signs for a party, e.g. "Anna Berg, kommunstyrelsens ordförande".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Signatory(String);

impl Signatory {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// One per line; empty lines are skipped. Field `signatories`; codes `too_long`,
    /// `control_characters`, `too_many_signatories` (more than 20).
    pub fn parse_lines(text: &str) -> Result<Vec<Self>, Invalid> {
        let out = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| line("signatories", l, TITLE_MAX).map(Self))
            .collect::<Result<Vec<_>, _>>()?;
        if out.len() > 20 {
            return Err(Invalid::new("signatories", "too_many_signatories"));
        }
        Ok(out)
    }
}

/// An agreement as typed into the form or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AgreementInput {
    pub title: String,
    /// The parties' organisation ids (at least two).
    #[serde(default)]
    pub parties: Vec<i64>,
    pub period_start: String,
    pub period_end: String,
    /// The problems in focus.
    pub problems: String,
    /// Their causes, as far as known.
    pub causes: String,
    /// Measurable goals.
    pub goals: String,
    /// How the work is documented and followed up.
    pub follow_up: String,
    /// One signatory per line.
    #[serde(default)]
    pub signatories: String,
}

/// A parsed agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub title: String,
    pub parties: Vec<OrganisationId>,
    pub period: Period,
    pub problems: String,
    pub causes: String,
    pub goals: String,
    pub follow_up: String,
    pub signatories: Vec<Signatory>,
}

/// Required free text of at most [`TEXT_MAX`] characters, line breaks allowed.
fn text(field: &'static str, value: &str) -> Result<String, Invalid> {
    optional_text(field, value, TEXT_MAX)?.ok_or(Invalid::new(field, "required"))
}

impl Agreement {
    /// Every field checked in form order, so the first error is the first field wrong.
    /// Codes as the fields' parsers, and `too_few_parties` (fewer than two different
    /// organisations: an agreement is between parties).
    pub fn parse(input: &AgreementInput) -> Result<Self, Invalid> {
        let title = line("title", &input.title, TITLE_MAX)?;
        let mut parties: Vec<OrganisationId> =
            input.parties.iter().map(|p| OrganisationId(*p)).collect();
        parties.sort();
        parties.dedup();
        if parties.len() < 2 {
            return Err(Invalid::new("parties", "too_few_parties"));
        }
        let period = Period::parse(&input.period_start, &input.period_end)?;
        Ok(Self {
            title,
            parties,
            period,
            problems: text("problems", &input.problems)?,
            causes: text("causes", &input.causes)?,
            goals: text("goals", &input.goals)?,
            follow_up: text("follow_up", &input.follow_up)?,
            signatories: Signatory::parse_lines(&input.signatories)?,
        })
    }
}

/// A priority area's name: one line, 1–200 characters. Field `name`.
pub fn priority_area_name(text: &str) -> Result<String, Invalid> {
    line("name", text, TITLE_MAX)
}

/// Priority areas typed one per line (the agreement form); empty lines skipped,
/// duplicates refused (`duplicate_priority_area`). Field `priority_areas`.
pub fn priority_area_lines(text: &str) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        let name = line("priority_areas", l, TITLE_MAX)?;
        if out.iter().any(|o| o.to_lowercase() == name.to_lowercase()) {
            return Err(Invalid::new("priority_areas", "duplicate_priority_area"));
        }
        out.push(name);
    }
    if out.len() > 20 {
        return Err(Invalid::new("priority_areas", "too_many_priority_areas"));
    }
    Ok(out)
}

/// A diary number (diarienummer) as the registry writes it, e.g. `KS 2026-0412` or
/// `Dnr KS 2026/123`: 1–50 characters of letters, digits, spaces and `-/.:`, with at
/// least one digit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DiaryNumber(String);

impl DiaryNumber {
    /// Field `diary_number`; codes `required`, `too_long`, `invalid_diary_number`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let t = line("diary_number", text, 50)?;
        let allowed = t
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '/' | '.' | ':'));
        if !allowed || !t.chars().any(|c| c.is_ascii_digit()) {
            return Err(Invalid::new("diary_number", "invalid_diary_number"));
        }
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The decision on an åtgärdsplan version: when, by which body, under which diary
/// number. Lag (2023:196) wants the plan *decided*; this is the record of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub decided_on: Date,
    /// The deciding body, e.g. "Kommunstyrelsen".
    pub body: String,
    pub diary_number: DiaryNumber,
}

/// A decision as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecisionInput {
    pub decided_on: String,
    pub body: String,
    pub diary_number: String,
}

impl Decision {
    /// Fields `decided_on`, `body`, `diary_number`. The date must lie between the
    /// version's creation (`not_before`; code `decision_before_version`: a plan cannot be
    /// decided before it was written) and `today` (code `decision_in_future`).
    pub fn parse(input: &DecisionInput, not_before: Date, today: Date) -> Result<Self, Invalid> {
        let decided_on = parse_date("decided_on", &input.decided_on)?;
        if decided_on < not_before {
            return Err(Invalid::new("decided_on", "decision_before_version"));
        }
        if decided_on > today {
            return Err(Invalid::new("decided_on", "decision_in_future"));
        }
        Ok(Self {
            decided_on,
            body: line("body", &input.body, TITLE_MAX)?,
            diary_number: DiaryNumber::parse(&input.diary_number)?,
        })
    }
}

/// The frozen content of one åtgärdsplan version: the agreement as it stood and every
/// activity of its plans with the measure's state at that moment. Serialised as
/// canonical JSON and hashed; always shown from this text, never recomputed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionPlanContent {
    pub format: u32,
    pub agreement_id: i64,
    pub title: String,
    pub parties: Vec<String>,
    pub period_start: String,
    pub period_end: String,
    pub problems: String,
    pub causes: String,
    pub goals: String,
    pub follow_up: String,
    pub signatories: Vec<String>,
    pub priority_areas: Vec<ActionPlanArea>,
    /// When the version was made, RFC 3339, and by whom (name, organisation).
    pub created_at: String,
    pub created_by: String,
    pub created_by_organisation: String,
}

/// A priority area with its activities, in the åtgärdsplan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionPlanArea {
    pub name: String,
    pub description: Option<String>,
    pub activities: Vec<ActionPlanActivity>,
}

/// One activity (a measure) in the åtgärdsplan, as it stood when the version was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionPlanActivity {
    pub measure_id: i64,
    pub title: String,
    /// The measure's status code (`assigned`, `done`, …).
    pub status: String,
    pub owner: Option<String>,
    pub due_date: Option<String>,
    /// The plan it belongs to: the agreement's or a BF group's (its name).
    pub plan: String,
    pub note: Option<String>,
}

impl ActionPlanContent {
    /// How many activities the version holds.
    pub fn activity_count(&self) -> usize {
        self.priority_areas.iter().map(|a| a.activities.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn input() -> AgreementInput {
        AgreementInput {
            title: "Samverkansöverenskommelse 2026–2027".into(),
            parties: vec![1, 2],
            period_start: "2026-01-01".into(),
            period_end: "2027-12-31".into(),
            problems: "Otrygghet i centrum".into(),
            causes: "Mörka platser".into(),
            goals: "Andelen otrygga ska minska med 5 procentenheter".into(),
            follow_up: "Tertialvis uppföljning i styrgruppen".into(),
            signatories:
                "Anna Berg, kommunstyrelsens ordförande\n\n  Per Holm, lokalpolisområdeschef "
                    .into(),
        }
    }

    #[test]
    fn an_agreement_parses_with_its_signatories() {
        let a = Agreement::parse(&input()).unwrap();
        assert_eq!(a.parties, vec![OrganisationId(1), OrganisationId(2)]);
        assert_eq!(a.signatories.len(), 2);
        assert_eq!(a.signatories[1].as_str(), "Per Holm, lokalpolisområdeschef");
        assert!(a.period.contains(Date::constant(2027, 12, 31)));
        assert!(!a.period.contains(Date::constant(2028, 1, 1)));
    }

    #[test]
    fn an_agreement_needs_two_parties_and_a_forward_period() {
        let one = AgreementInput {
            parties: vec![1, 1],
            ..input()
        };
        assert_eq!(
            Agreement::parse(&one),
            Err(Invalid::new("parties", "too_few_parties"))
        );
        let backwards = AgreementInput {
            period_end: "2025-12-31".into(),
            ..input()
        };
        assert_eq!(
            Agreement::parse(&backwards),
            Err(Invalid::new("period_end", "period_end_before_start"))
        );
        let long = AgreementInput {
            period_end: "2040-01-01".into(),
            ..input()
        };
        assert_eq!(
            Agreement::parse(&long),
            Err(Invalid::new("period_end", "period_too_long"))
        );
        let no_goals = AgreementInput {
            goals: "  ".into(),
            ..input()
        };
        assert_eq!(
            Agreement::parse(&no_goals),
            Err(Invalid::new("goals", "required"))
        );
        let bad_date = AgreementInput {
            period_start: "2026-02-30".into(),
            ..input()
        };
        assert_eq!(
            Agreement::parse(&bad_date),
            Err(Invalid::new("period_start", "invalid_date"))
        );
    }

    #[test]
    fn priority_areas_are_one_per_line_without_duplicates() {
        let text = LINKOPING_PRIORITY_AREAS.join("\n");
        assert_eq!(priority_area_lines(&text).unwrap().len(), 3);
        assert_eq!(
            priority_area_lines("Ungdomsbrottslighet\nungdomsbrottslighet"),
            Err(Invalid::new("priority_areas", "duplicate_priority_area"))
        );
        assert!(priority_area_lines("").unwrap().is_empty());
    }

    #[test]
    fn diary_numbers_as_registries_write_them() {
        for ok in ["KS 2026-0412", "Dnr KS 2026/123", "KS.2026.77", "2026:5"] {
            assert!(DiaryNumber::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            DiaryNumber::parse("KS utan nummer"),
            Err(Invalid::new("diary_number", "invalid_diary_number"))
        );
        assert_eq!(
            DiaryNumber::parse("KS <2026>"),
            Err(Invalid::new("diary_number", "invalid_diary_number"))
        );
        assert_eq!(
            DiaryNumber::parse(" "),
            Err(Invalid::new("diary_number", "required"))
        );
    }

    #[test]
    fn a_decision_lies_between_the_version_and_today() {
        let made = Date::constant(2026, 11, 1);
        let today = Date::constant(2026, 11, 25);
        let d = |on: &str| DecisionInput {
            decided_on: on.into(),
            body: "Kommunstyrelsen".into(),
            diary_number: "KS 2026-0412".into(),
        };
        assert!(Decision::parse(&d("2026-11-10"), made, today).is_ok());
        assert_eq!(
            Decision::parse(&d("2026-10-31"), made, today),
            Err(Invalid::new("decided_on", "decision_before_version"))
        );
        assert_eq!(
            Decision::parse(&d("2026-11-26"), made, today),
            Err(Invalid::new("decided_on", "decision_in_future"))
        );
        let no_body = DecisionInput {
            body: "".into(),
            ..d("2026-11-10")
        };
        assert_eq!(
            Decision::parse(&no_body, made, today),
            Err(Invalid::new("body", "required"))
        );
    }
}
