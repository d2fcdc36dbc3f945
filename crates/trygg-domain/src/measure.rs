//! Measures (åtgärder): what a partner does about a problem, who owns it, and where it
//! stands.
//!
//! Brå's finding is that problems are rarely linked to measures and measures rarely
//! followed up; so a measure links its problem (incidents, places, areas, a lägesbild
//! priority, later a safety-walk proposal) to an owner unit, a due date and a status
//! that tells *done* from *refused* and *not feasible*: closed is not fixed.
//!
//! The workflow is a state machine ([`MeasureStatus::apply`]): the coordinator assigns a
//! proposed measure to a unit; the unit's handläggare accepts it with a date or refuses
//! it with a reason; works on it; reports it done with evidence; the coordinator
//! confirms (or sends it back). Any closed measure can be reopened. Every command is
//! parsed from outside text once ([`Transition::parse`]), so an illegal command cannot
//! be expressed and an illegal transition is an error with the stable code
//! `illegal_transition`.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::id::{UnitId, typed_id};
use crate::incident::description::has_control_characters;

typed_id!(
    /// One measure (åtgärd).
    MeasureId
);
typed_id!(
    /// One comment in a measure's thread.
    MeasureCommentId
);

/// The stable code of a refused transition.
pub const ILLEGAL_TRANSITION: &str = "illegal_transition";

/// What kind of measure: the situational-prevention families the EST groups use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// Belysning.
    Lighting,
    /// Vegetation: clearing bushes, trimming trees for sight lines.
    Vegetation,
    /// Städning och klottersanering.
    Cleaning,
    /// Kamerabevakning.
    Camera,
    /// Närvaro: guards, police, field workers.
    Presence,
    /// Sociala insatser.
    Social,
    /// Övrigt.
    Other,
}

impl MeasureKind {
    pub const ALL: [MeasureKind; 7] = [
        Self::Lighting,
        Self::Vegetation,
        Self::Cleaning,
        Self::Camera,
        Self::Presence,
        Self::Social,
        Self::Other,
    ];

    /// The stable code stored and used in the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Lighting => "lighting",
            Self::Vegetation => "vegetation",
            Self::Cleaning => "cleaning",
            Self::Camera => "camera",
            Self::Presence => "presence",
            Self::Social => "social",
            Self::Other => "other",
        }
    }

    /// Field `kind`; code `unknown_measure_kind`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s.trim())
            .ok_or(Invalid::new("kind", "unknown_measure_kind"))
    }
}

/// Where a measure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    /// Föreslagen: written down, no owner yet.
    Proposed,
    /// Tilldelad: sent to a unit, waiting for its answer.
    Assigned,
    /// Accepterad: the unit will do it, by a date it gave.
    Accepted,
    /// Pågår.
    InProgress,
    /// Utförd: the unit says it is done, with evidence; waiting for the coordinator.
    Done,
    /// Bekräftad: the coordinator has checked it is done.
    Confirmed,
    /// Avböjd: the unit will not do it, and said why.
    Refused,
    /// Inte genomförbar: it cannot be done (permits, ownership, money), and why.
    NotFeasible,
}

impl MeasureStatus {
    pub const ALL: [MeasureStatus; 8] = [
        Self::Proposed,
        Self::Assigned,
        Self::Accepted,
        Self::InProgress,
        Self::Done,
        Self::Confirmed,
        Self::Refused,
        Self::NotFeasible,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Assigned => "assigned",
            Self::Accepted => "accepted",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Confirmed => "confirmed",
            Self::Refused => "refused",
            Self::NotFeasible => "not_feasible",
        }
    }

    /// Field `status`; code `unknown_measure_status`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s.trim())
            .ok_or(Invalid::new("status", "unknown_measure_status"))
    }

    /// Still to be done by someone: the statuses a due date applies to.
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            Self::Proposed | Self::Assigned | Self::Accepted | Self::InProgress
        )
    }

    /// Waiting for the owner unit to act (answer or finish).
    pub const fn waits_for_unit(self) -> bool {
        matches!(self, Self::Assigned | Self::Accepted | Self::InProgress)
    }

    /// Waiting for the coordinator (assign a proposal, confirm a done measure).
    pub const fn waits_for_coordinator(self) -> bool {
        matches!(self, Self::Proposed | Self::Done)
    }

    /// The state after `t`, or `illegal_transition`. The whole table:
    ///
    /// | from | command | to |
    /// |---|---|---|
    /// | proposed, assigned, refused | assign | assigned |
    /// | assigned | accept (date) | accepted |
    /// | assigned | refuse (reason) | refused |
    /// | assigned, accepted, in progress | not feasible (reason) | not feasible |
    /// | accepted | start | in progress |
    /// | accepted, in progress | complete (evidence) | done |
    /// | done | confirm | confirmed |
    /// | done | send back (reason) | in progress |
    /// | confirmed, refused, not feasible | reopen (reason) | assigned |
    pub fn apply(self, t: &Transition) -> Result<MeasureStatus, Invalid> {
        use MeasureStatus::*;
        let to = match (self, t) {
            (Proposed | Assigned | Refused, Transition::Assign { .. }) => Assigned,
            (Assigned, Transition::Accept { .. }) => Accepted,
            (Assigned, Transition::Refuse { .. }) => Refused,
            (Assigned | Accepted | InProgress, Transition::NotFeasible { .. }) => NotFeasible,
            (Accepted, Transition::Start) => InProgress,
            (Accepted | InProgress, Transition::Complete { .. }) => Done,
            (Done, Transition::Confirm) => Confirmed,
            (Done, Transition::SendBack { .. }) => InProgress,
            (Confirmed | Refused | NotFeasible, Transition::Reopen { .. }) => Assigned,
            _ => return Err(Invalid::new("transition", ILLEGAL_TRANSITION)),
        };
        Ok(to)
    }
}

impl fmt::Display for MeasureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Who may give a command: the coordinator (ManageMeasures) or the owner unit
/// (AnswerMeasures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Coordinator,
    Unit,
}

/// A reason, a note or evidence text: trimmed, 1–2000 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Note(String);

impl Note {
    pub const MAX_CHARS: usize = 2000;

    /// Codes `required`, `too_long`, `control_characters`.
    pub fn parse(field: &'static str, text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new(field, "required"));
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::new(field, "too_long"));
        }
        if has_control_characters(text, true) {
            return Err(Invalid::new(field, "control_characters"));
        }
        Ok(Self(text.to_owned()))
    }

    /// `None` for empty text; otherwise as [`Note::parse`].
    pub fn parse_optional(field: &'static str, text: &str) -> Result<Option<Self>, Invalid> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(field, text).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A calendar date (`YYYY-MM-DD`, Swedish local date), e.g. a due date.
pub fn parse_date(field: &'static str, text: &str) -> Result<Date, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::new(field, "required"));
    }
    text.parse::<Date>()
        .map_err(|_| Invalid::new(field, "invalid_date"))
        .and_then(|d| {
            if d.year() < 2000 || d.year() > 2100 {
                Err(Invalid::new(field, "invalid_date"))
            } else {
                Ok(d)
            }
        })
}

/// `None` for empty text; otherwise as [`parse_date`].
pub fn parse_optional_date(field: &'static str, text: &str) -> Result<Option<Date>, Invalid> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(field, text).map(Some)
    }
}

/// A workflow command, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Send to a unit (the coordinator), also to another unit after a refusal.
    Assign { unit: UnitId },
    /// The unit will do it, by this date.
    Accept { planned: Date },
    /// The unit will not do it.
    Refuse { reason: Note },
    /// It cannot be done.
    NotFeasible { reason: Note },
    /// Work has started.
    Start,
    /// Done; what was done and how it can be seen.
    Complete { evidence: Note },
    /// The coordinator has checked the work.
    Confirm,
    /// The coordinator does not accept the evidence; back to work.
    SendBack { reason: Note },
    /// A closed measure is opened again (the problem came back, a refusal reconsidered).
    Reopen { reason: Note },
}

/// The raw fields a command may carry, from a form or JSON.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TransitionInput {
    pub action: String,
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub planned_date: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub evidence: Option<String>,
}

impl Transition {
    /// Every command code, in workflow order.
    pub const CODES: [&'static str; 9] = [
        "assign",
        "accept",
        "refuse",
        "not_feasible",
        "start",
        "complete",
        "confirm",
        "send_back",
        "reopen",
    ];

    /// Field `action`, code `unknown_transition`; then each command's own fields.
    pub fn parse(input: &TransitionInput) -> Result<Self, Invalid> {
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        Ok(match input.action.trim() {
            "assign" => Transition::Assign {
                unit: UnitId(input.unit_id.ok_or(Invalid::new("unit_id", "required"))?),
            },
            "accept" => Transition::Accept {
                planned: parse_date("planned_date", &text(&input.planned_date))?,
            },
            "refuse" => Transition::Refuse {
                reason: Note::parse("reason", &text(&input.reason))?,
            },
            "not_feasible" => Transition::NotFeasible {
                reason: Note::parse("reason", &text(&input.reason))?,
            },
            "start" => Transition::Start,
            "complete" => Transition::Complete {
                evidence: Note::parse("evidence", &text(&input.evidence))?,
            },
            "confirm" => Transition::Confirm,
            "send_back" => Transition::SendBack {
                reason: Note::parse("reason", &text(&input.reason))?,
            },
            "reopen" => Transition::Reopen {
                reason: Note::parse("reason", &text(&input.reason))?,
            },
            _ => return Err(Invalid::new("action", "unknown_transition")),
        })
    }

    pub const fn code(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "assign",
            Self::Accept { .. } => "accept",
            Self::Refuse { .. } => "refuse",
            Self::NotFeasible { .. } => "not_feasible",
            Self::Start => "start",
            Self::Complete { .. } => "complete",
            Self::Confirm => "confirm",
            Self::SendBack { .. } => "send_back",
            Self::Reopen { .. } => "reopen",
        }
    }

    /// Who gives this command.
    pub const fn party(&self) -> Party {
        match self {
            Self::Assign { .. } | Self::Confirm | Self::SendBack { .. } | Self::Reopen { .. } => {
                Party::Coordinator
            }
            Self::Accept { .. }
            | Self::Refuse { .. }
            | Self::NotFeasible { .. }
            | Self::Start
            | Self::Complete { .. } => Party::Unit,
        }
    }

    /// The reason or evidence the command carries, for the history.
    pub fn note(&self) -> Option<&Note> {
        match self {
            Self::Refuse { reason }
            | Self::NotFeasible { reason }
            | Self::SendBack { reason }
            | Self::Reopen { reason } => Some(reason),
            Self::Complete { evidence } => Some(evidence),
            _ => None,
        }
    }

    /// The commands that are legal from a status (for the buttons a page shows).
    pub fn codes_from(status: MeasureStatus) -> Vec<&'static str> {
        Self::CODES
            .into_iter()
            .filter(|c| status.apply(&Self::sample(c)).is_ok())
            .collect()
    }

    /// A command of the given code with placeholder fields, to ask the table.
    fn sample(code: &str) -> Transition {
        let note = Note("x".into());
        match code {
            "assign" => Self::Assign { unit: UnitId(0) },
            "accept" => Self::Accept {
                planned: Date::constant(2026, 1, 1),
            },
            "refuse" => Self::Refuse { reason: note },
            "not_feasible" => Self::NotFeasible { reason: note },
            "start" => Self::Start,
            "complete" => Self::Complete { evidence: note },
            "confirm" => Self::Confirm,
            "send_back" => Self::SendBack { reason: note },
            _ => Self::Reopen { reason: note },
        }
    }
}

/// A measure's title: trimmed, 1–200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Title(String);

impl Title {
    /// Field `title`; codes `required`, `too_long`, `control_characters`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new("title", "required"));
        }
        if text.chars().count() > 200 {
            return Err(Invalid::new("title", "too_long"));
        }
        if has_control_characters(text, false) {
            return Err(Invalid::new("title", "control_characters"));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A cost in whole Swedish kronor, 0–1 000 000 000. Spaces (also non-breaking) as
/// thousands separators and a trailing "kr" are accepted, as Swedes write amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CostSek(i64);

impl CostSek {
    /// Field `cost_sek`; code `invalid_cost`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let t = text
            .trim()
            .trim_end_matches("kr")
            .trim_end_matches(':')
            .trim();
        let digits: String = t
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::new("cost_sek", "invalid_cost"));
        }
        match digits.parse::<i64>() {
            Ok(v) if v <= 1_000_000_000 => Ok(Self(v)),
            _ => Err(Invalid::new("cost_sek", "invalid_cost")),
        }
    }

    pub fn parse_optional(text: &str) -> Result<Option<Self>, Invalid> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(text).map(Some)
        }
    }

    pub const fn from_stored(v: i64) -> Self {
        Self(v)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// "12 500 kr", with a non-breaking space as thousands separator.
    pub fn display_sv(self) -> String {
        let s = self.0.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push('\u{a0}');
            }
            out.push(c);
        }
        out.push_str("\u{a0}kr");
        out
    }
}

/// Whether an open measure is late or soon due, on `today` (a Swedish local date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    /// Past its due date and still open.
    Overdue,
    /// Due within [`DUE_SOON_DAYS`].
    DueSoon,
    /// Neither (or closed, or no due date).
    OnTime,
}

/// How many days before its due date a measure counts as due soon.
pub const DUE_SOON_DAYS: i32 = 7;

pub fn urgency(status: MeasureStatus, due: Option<Date>, today: Date) -> Urgency {
    let Some(due) = due else {
        return Urgency::OnTime;
    };
    if !status.is_open() {
        return Urgency::OnTime;
    }
    if due < today {
        return Urgency::Overdue;
    }
    match today.checked_add(jiff::Span::new().days(DUE_SOON_DAYS)) {
        Ok(soon) if due <= soon => Urgency::DueSoon,
        _ => Urgency::OnTime,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The whole transition table, written out independently of `apply`: each line is a
    /// status and, for every command in [`Transition::CODES`] order, the status it leads
    /// to or `-` for refused.
    const TABLE: &str = "
        from          assign   accept   refuse   not_feasible start       complete confirm   send_back   reopen
        proposed      assigned -        -        -            -           -        -         -           -
        assigned      assigned accepted refused  not_feasible -           -        -         -           -
        accepted      -        -        -        not_feasible in_progress done     -         -           -
        in_progress   -        -        -        not_feasible -           done     -         -           -
        done          -        -        -        -            -           -        confirmed in_progress -
        confirmed     -        -        -        -            -           -        -         -           assigned
        refused       assigned -        -        -            -           -        -         -           assigned
        not_feasible  -        -        -        -            -           -        -         -           assigned
    ";

    #[test]
    fn the_whole_transition_table_is_as_specified() {
        let mut lines = TABLE.lines().map(str::trim).filter(|l| !l.is_empty());
        let header: Vec<&str> = lines.next().unwrap().split_whitespace().skip(1).collect();
        assert_eq!(header, Transition::CODES);
        let mut seen = 0;
        for line in lines {
            let mut cells = line.split_whitespace();
            let from = MeasureStatus::parse(cells.next().unwrap()).unwrap();
            for (code, cell) in header.iter().zip(cells) {
                let got = from.apply(&Transition::sample(code));
                match cell {
                    "-" => assert_eq!(
                        got,
                        Err(Invalid::new("transition", ILLEGAL_TRANSITION)),
                        "{from} {code}"
                    ),
                    to => assert_eq!(got, Ok(MeasureStatus::parse(to).unwrap()), "{from} {code}"),
                }
                seen += 1;
            }
        }
        assert_eq!(seen, MeasureStatus::ALL.len() * Transition::CODES.len());
    }

    #[test]
    fn every_status_is_reachable_and_closed_is_not_done() {
        let mut reached = vec![MeasureStatus::Proposed];
        let mut frontier = reached.clone();
        while let Some(s) = frontier.pop() {
            for c in Transition::codes_from(s) {
                let next = s.apply(&Transition::sample(c)).unwrap();
                if !reached.contains(&next) {
                    reached.push(next);
                    frontier.push(next);
                }
            }
        }
        assert_eq!(reached.len(), MeasureStatus::ALL.len());
        for s in [
            MeasureStatus::Refused,
            MeasureStatus::NotFeasible,
            MeasureStatus::Confirmed,
        ] {
            assert!(!s.is_open());
        }
    }

    #[test]
    fn commands_parse_with_their_fields() {
        let input = |action: &str| TransitionInput {
            action: action.into(),
            ..Default::default()
        };
        assert_eq!(
            Transition::parse(&input("accept")),
            Err(Invalid::new("planned_date", "required"))
        );
        assert_eq!(
            Transition::parse(&TransitionInput {
                planned_date: Some("2026-13-01".into()),
                ..input("accept")
            }),
            Err(Invalid::new("planned_date", "invalid_date"))
        );
        assert_eq!(
            Transition::parse(&input("refuse")),
            Err(Invalid::new("reason", "required"))
        );
        assert_eq!(
            Transition::parse(&input("complete")),
            Err(Invalid::new("evidence", "required"))
        );
        assert_eq!(
            Transition::parse(&input("assign")),
            Err(Invalid::new("unit_id", "required"))
        );
        assert_eq!(
            Transition::parse(&input("delete")),
            Err(Invalid::new("action", "unknown_transition"))
        );
        for code in Transition::CODES {
            let t = Transition::parse(&TransitionInput {
                action: code.into(),
                unit_id: Some(3),
                planned_date: Some("2026-12-01".into()),
                reason: Some("skäl".into()),
                evidence: Some("foto".into()),
            })
            .unwrap();
            assert_eq!(t.code(), code);
        }
        assert_eq!(Transition::Start.party(), Party::Unit);
        assert_eq!(Transition::Confirm.party(), Party::Coordinator);
    }

    #[test]
    fn kinds_and_statuses_round_trip() {
        for k in MeasureKind::ALL {
            assert_eq!(MeasureKind::parse(k.code()), Ok(k));
        }
        for s in MeasureStatus::ALL {
            assert_eq!(MeasureStatus::parse(s.code()), Ok(s));
        }
        assert!(MeasureKind::parse("lamps").is_err());
    }

    #[test]
    fn costs_read_as_swedes_write_them() {
        assert_eq!(CostSek::parse("12 500 kr").unwrap().get(), 12_500);
        assert_eq!(CostSek::parse("12\u{a0}500").unwrap().get(), 12_500);
        assert_eq!(CostSek::parse("0").unwrap().get(), 0);
        assert!(CostSek::parse("-5").is_err());
        assert!(CostSek::parse("12,5").is_err());
        assert!(CostSek::parse("99999999999").is_err());
        assert_eq!(CostSek::parse_optional(" ").unwrap(), None);
        assert_eq!(
            CostSek::from_stored(1_234_567).display_sv(),
            "1\u{a0}234\u{a0}567\u{a0}kr"
        );
    }

    #[test]
    fn urgency_by_due_date() {
        let today = Date::constant(2026, 11, 25);
        let open = MeasureStatus::Accepted;
        assert_eq!(
            urgency(open, Some(Date::constant(2026, 11, 24)), today),
            Urgency::Overdue
        );
        assert_eq!(urgency(open, Some(today), today), Urgency::DueSoon);
        assert_eq!(
            urgency(open, Some(Date::constant(2026, 12, 2)), today),
            Urgency::DueSoon
        );
        assert_eq!(
            urgency(open, Some(Date::constant(2026, 12, 3)), today),
            Urgency::OnTime
        );
        assert_eq!(
            urgency(MeasureStatus::Done, Some(Date::constant(2026, 1, 1)), today),
            Urgency::OnTime
        );
        assert_eq!(urgency(open, None, today), Urgency::OnTime);
        assert!(Urgency::Overdue < Urgency::DueSoon);
    }

    #[test]
    fn titles_and_notes_are_bounded() {
        assert!(Title::parse("  ").is_err());
        assert!(Title::parse("a\nb").is_err());
        assert_eq!(Title::parse(" Belysning ").unwrap().as_str(), "Belysning");
        assert!(Note::parse("reason", "rad 1\nrad 2").is_ok());
        assert_eq!(
            Note::parse("reason", &"x".repeat(2001)),
            Err(Invalid::new("reason", "too_long"))
        );
    }
}
