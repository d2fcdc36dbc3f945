//! Safety walks (trygghetsvandringar): residents, the municipality and property owners
//! walk a set route, note what makes places feel unsafe and propose measures; whoever
//! controls each place answers every proposal in the protocol, which is published.
//!
//! Here are the pure parts: the values a walk is made of (parsed once at the boundary),
//! the answers an owner can give, the six-month follow-up figures, and the iCalendar
//! event sent to participants. Storage, access and e-mail live in the other crates.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::id::typed_id;
use crate::time::{Instant, STOCKHOLM};

typed_id!(
    /// One safety walk (planned, walked or with a published protocol).
    WalkId
);
typed_id!(
    /// A stop on a walk's route.
    StopId
);
typed_id!(
    /// Something noted during a walk.
    ObservationId
);
typed_id!(
    /// A proposed measure, routed to whoever controls the place.
    ProposalId
);
typed_id!(
    /// A person signed up for a walk (no account).
    ParticipantId
);
typed_id!(
    /// An owner outside Trygg (a property owner) who answers by an e-mailed link.
    ExternalOwnerId
);
typed_id!(
    /// A photo taken during a walk.
    WalkPhotoId
);

/// How many may sign up unless the organisers say otherwise: Brå's and Boverket's
/// advice is about twenty, so everyone can hear and be heard along the route.
pub const DEFAULT_CAPACITY: i64 = 20;
/// The municipality's target: its own measures done within six months of the walk.
pub const TARGET_MONTHS: i8 = 6;
/// How long an owner's answer link works.
pub const ANSWER_LINK_DAYS: i64 = 60;

/// Whether `text` holds control characters other than line breaks and tabs.
fn has_controls(text: &str, allow_breaks: bool) -> bool {
    text.chars()
        .any(|c| c.is_control() && !(allow_breaks && matches!(c, '\n' | '\r' | '\t')))
}

/// Trimmed single-line text of 1..=`max` characters; codes `required`, `too_long`,
/// `control_characters`.
pub fn line(field: &'static str, text: &str, max: usize) -> Result<String, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Invalid::new(field, "required"));
    }
    if t.chars().count() > max {
        return Err(Invalid::new(field, "too_long"));
    }
    if has_controls(t, false) {
        return Err(Invalid::new(field, "control_characters"));
    }
    Ok(t.to_owned())
}

/// Like [`line`], but empty text is `None` and line breaks are allowed.
pub fn optional_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<Option<String>, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(Invalid::new(field, "too_long"));
    }
    if has_controls(t, true) {
        return Err(Invalid::new(field, "control_characters"));
    }
    Ok(Some(t.to_owned()))
}

/// How many may sign up: 1–200; empty means [`DEFAULT_CAPACITY`]. Field `capacity`,
/// code `invalid_capacity`.
pub fn capacity(text: &str) -> Result<i64, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(DEFAULT_CAPACITY);
    }
    match t.parse::<i64>() {
        Ok(n) if (1..=200).contains(&n) => Ok(n),
        _ => Err(Invalid::new("capacity", "invalid_capacity")),
    }
}

/// Where a walk is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalkStatus {
    /// Planned: sign-up may be open, nothing walked yet.
    Planned,
    /// Walked: observations recorded, the protocol is being written and answered.
    Walked,
    /// The protocol is public.
    Published,
}

impl WalkStatus {
    pub const ALL: [Self; 3] = [Self::Planned, Self::Walked, Self::Published];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Walked => "walked",
            Self::Published => "published",
        }
    }

    /// Field `status`; code `unknown_walk_status`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|x| x.code() == s.trim())
            .ok_or(Invalid::new("status", "unknown_walk_status"))
    }
}

/// What kind of problem an observation is about (the physical cause, as the guides
/// on safety walks group them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemType {
    Lighting,
    Vegetation,
    SightLines,
    Litter,
    Graffiti,
    Layout,
    Other,
}

impl ProblemType {
    pub const ALL: [Self; 7] = [
        Self::Lighting,
        Self::Vegetation,
        Self::SightLines,
        Self::Litter,
        Self::Graffiti,
        Self::Layout,
        Self::Other,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Lighting => "lighting",
            Self::Vegetation => "vegetation",
            Self::SightLines => "sight_lines",
            Self::Litter => "litter",
            Self::Graffiti => "graffiti",
            Self::Layout => "layout",
            Self::Other => "other",
        }
    }

    pub const fn name_sv(self) -> &'static str {
        match self {
            Self::Lighting => "Belysning",
            Self::Vegetation => "Växtlighet",
            Self::SightLines => "Siktlinjer",
            Self::Litter => "Nedskräpning",
            Self::Graffiti => "Klotter",
            Self::Layout => "Utformning",
            Self::Other => "Annat",
        }
    }

    pub const fn name_en(self) -> &'static str {
        match self {
            Self::Lighting => "Lighting",
            Self::Vegetation => "Vegetation",
            Self::SightLines => "Sight lines",
            Self::Litter => "Litter",
            Self::Graffiti => "Graffiti",
            Self::Layout => "Layout",
            Self::Other => "Other",
        }
    }

    /// Field `problem`; code `unknown_problem`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|x| x.code() == s.trim())
            .ok_or(Invalid::new("problem", "unknown_problem"))
    }
}

/// Which group a participant says they belong to (optional; for the organisers'
/// picture of who came, never published per person).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantGroup {
    Resident,
    Parent,
    Youth,
    Other,
}

impl ParticipantGroup {
    pub const ALL: [Self; 4] = [Self::Resident, Self::Parent, Self::Youth, Self::Other];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Resident => "boende",
            Self::Parent => "foralder",
            Self::Youth => "ungdom",
            Self::Other => "annan",
        }
    }

    pub const fn name_sv(self) -> &'static str {
        match self {
            Self::Resident => "Boende",
            Self::Parent => "Förälder",
            Self::Youth => "Ungdom",
            Self::Other => "Annan",
        }
    }

    pub const fn name_en(self) -> &'static str {
        match self {
            Self::Resident => "Resident",
            Self::Parent => "Parent",
            Self::Youth => "Young person",
            Self::Other => "Other",
        }
    }

    /// Empty is `None`. Field `group`; code `unknown_group`.
    pub fn parse(s: &str) -> Result<Option<Self>, Invalid> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        Self::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .map(Some)
            .ok_or(Invalid::new("group", "unknown_group"))
    }
}

/// How an owner answers a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Will do it, by this date.
    WillDo { due: Date },
    /// Will not do it, for this reason (shown in the public protocol).
    WillNotDo { reason: String },
    /// It was done already.
    AlreadyDone,
}

impl Answer {
    pub const CODES: [&'static str; 3] = ["will_do", "will_not_do", "already_done"];

    pub fn code(&self) -> &'static str {
        match self {
            Self::WillDo { .. } => "will_do",
            Self::WillNotDo { .. } => "will_not_do",
            Self::AlreadyDone => "already_done",
        }
    }

    /// From form fields: the answer code, a due date (`YYYY-MM-DD`, for `will_do`, not
    /// before `today`) and a reason (for `will_not_do`). Fields `answer`, `due`,
    /// `reason`; codes `unknown_answer`, `required`, `invalid_date`, `due_in_past`,
    /// `too_long`, `control_characters`.
    pub fn parse(code: &str, due: &str, reason: &str, today: Date) -> Result<Self, Invalid> {
        match code.trim() {
            "will_do" => {
                let due = due.trim();
                if due.is_empty() {
                    return Err(Invalid::new("due", "required"));
                }
                let due: Date = due
                    .parse()
                    .map_err(|_| Invalid::new("due", "invalid_date"))?;
                if due < today {
                    return Err(Invalid::new("due", "due_in_past"));
                }
                Ok(Self::WillDo { due })
            }
            "will_not_do" => {
                let reason = optional_text("reason", reason, 2000)?
                    .ok_or(Invalid::new("reason", "required"))?;
                Ok(Self::WillNotDo { reason })
            }
            "already_done" => Ok(Self::AlreadyDone),
            "" => Err(Invalid::new("answer", "required")),
            _ => Err(Invalid::new("answer", "unknown_answer")),
        }
    }
}

/// Where a proposal stands, as the protocol shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Nobody has answered yet.
    Unanswered,
    /// Promised, not yet done, due date not passed.
    Promised,
    /// Promised, not done, due date passed.
    Overdue,
    /// Done (after a promise, or already before).
    Done,
    /// The owner will not do it.
    Declined,
}

impl ProposalStatus {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Unanswered => "unanswered",
            Self::Promised => "promised",
            Self::Overdue => "overdue",
            Self::Done => "done",
            Self::Declined => "declined",
        }
    }

    /// From the stored facts: the answer code, its due date, and whether (and when)
    /// it was marked done.
    pub fn of(answer: Option<&str>, due: Option<Date>, done: bool, today: Date) -> Self {
        match answer {
            None => Self::Unanswered,
            Some("already_done") => Self::Done,
            Some("will_not_do") => Self::Declined,
            Some(_) if done => Self::Done,
            Some(_) => match due {
                Some(d) if d < today => Self::Overdue,
                _ => Self::Promised,
            },
        }
    }

    /// Still needs doing (for a re-walk).
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Unanswered | Self::Promised | Self::Overdue)
    }
}

/// One proposal, as the follow-up counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposalFacts {
    /// Routed to a unit of the municipality (rather than another owner).
    pub municipal: bool,
    pub status: ProposalStatus,
}

/// The six-month follow-up of one walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Six months after the walk: when the municipality's measures should be done.
    pub target_date: Date,
    /// Whether the target date has passed.
    pub target_passed: bool,
    pub total: usize,
    pub municipal: usize,
    pub municipal_done: usize,
    /// Municipal proposals done, in whole per cent (0 when there are none).
    pub municipal_done_percent: u32,
    /// Promised items past their own due date, plus open municipal items once the
    /// six-month target has passed.
    pub overdue: usize,
    pub unanswered: usize,
    pub declined: usize,
    /// Every municipal proposal is done or declined.
    pub met: bool,
}

impl FollowUp {
    pub fn compute(walk_day: Date, today: Date, proposals: &[ProposalFacts]) -> Self {
        let target_date = walk_day
            .checked_add(jiff::Span::new().months(TARGET_MONTHS))
            .unwrap_or(walk_day);
        let target_passed = today > target_date;
        let municipal: Vec<&ProposalFacts> = proposals.iter().filter(|p| p.municipal).collect();
        let municipal_done = municipal
            .iter()
            .filter(|p| p.status == ProposalStatus::Done)
            .count();
        let overdue = proposals
            .iter()
            .filter(|p| {
                p.status == ProposalStatus::Overdue
                    || (target_passed && p.municipal && p.status.is_open())
            })
            .count();
        let percent = if municipal.is_empty() {
            0
        } else {
            // Rounded down: "100 %" only when everything is done.
            u32::try_from(municipal_done * 100 / municipal.len()).unwrap_or(100)
        };
        Self {
            target_date,
            target_passed,
            total: proposals.len(),
            municipal: municipal.len(),
            municipal_done,
            municipal_done_percent: percent,
            overdue,
            unanswered: proposals
                .iter()
                .filter(|p| p.status == ProposalStatus::Unanswered)
                .count(),
            declined: proposals
                .iter()
                .filter(|p| p.status == ProposalStatus::Declined)
                .count(),
            met: municipal.iter().all(|p| !p.status.is_open()),
        }
    }
}

/// A client-made key that makes a repeated POST (a phone on a poor connection sending
/// twice) a no-op: 8–100 characters of `A–Z a–z 0–9 - _`. Field `idempotency_key`,
/// code `invalid_idempotency_key`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let ok = (8..=100).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid::new("idempotency_key", "invalid_idempotency_key"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The local start of a walk, from a form's `datetime-local` value (`2026-11-26T18:00`,
/// also with a space) in Swedish time. Field `starts_at`; codes `required`,
/// `invalid_walk_start`.
pub fn local_start(text: &str) -> Result<Instant, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Invalid::new("starts_at", "required"));
    }
    let dt: jiff::civil::DateTime = t
        .replacen(' ', "T", 1)
        .parse()
        .map_err(|_| Invalid::new("starts_at", "invalid_walk_start"))?;
    let zoned = dt
        .in_tz(STOCKHOLM)
        .map_err(|_| Invalid::new("starts_at", "invalid_walk_start"))?;
    Ok(Instant::from_timestamp(zoned.timestamp()))
}

/// The Swedish calendar day of an instant.
pub fn local_date(at: Instant) -> Date {
    match jiff::tz::TimeZone::get(STOCKHOLM) {
        Ok(tz) => at.timestamp().to_zoned(tz).date(),
        Err(_) => at.timestamp().to_zoned(jiff::tz::TimeZone::UTC).date(),
    }
}

/// The `datetime-local` form value of an instant (Swedish time).
pub fn local_input(at: Instant) -> String {
    match jiff::tz::TimeZone::get(STOCKHOLM) {
        Ok(tz) => at
            .timestamp()
            .to_zoned(tz)
            .strftime("%Y-%m-%dT%H:%M")
            .to_string(),
        Err(_) => at.timestamp().strftime("%Y-%m-%dT%H:%M").to_string(),
    }
}

/// One event for a calendar, as RFC 5545 wants it.
#[derive(Debug, Clone)]
pub struct CalendarEvent<'a> {
    /// Globally unique and stable, e.g. `walk-12@trygg.linkoping.se`.
    pub uid: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub starts: Instant,
    pub ends: Instant,
    /// When the file was made (`DTSTAMP`).
    pub stamp: Instant,
    pub url: Option<&'a str>,
}

impl CalendarEvent<'_> {
    /// The `.ics` file: a VCALENDAR with one VEVENT, times in UTC (`Z`, which every
    /// calendar converts to its own zone), CRLF line ends, text escaped, and lines
    /// folded at 75 octets without splitting a UTF-8 character.
    pub fn to_ics(&self) -> String {
        let utc = |t: Instant| t.timestamp().strftime("%Y%m%dT%H%M%SZ").to_string();
        let mut lines = vec![
            "BEGIN:VCALENDAR".to_owned(),
            "VERSION:2.0".to_owned(),
            "PRODID:-//Trygg//Trygghetsvandring//SV".to_owned(),
            "CALSCALE:GREGORIAN".to_owned(),
            "METHOD:PUBLISH".to_owned(),
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", ics_escape(self.uid)),
            format!("DTSTAMP:{}", utc(self.stamp)),
            format!("DTSTART:{}", utc(self.starts)),
            format!("DTEND:{}", utc(self.ends)),
            format!("SUMMARY:{}", ics_escape(self.summary)),
            format!("DESCRIPTION:{}", ics_escape(self.description)),
            format!("LOCATION:{}", ics_escape(self.location)),
        ];
        if let Some(u) = self.url {
            lines.push(format!("URL:{}", ics_escape(u)));
        }
        lines.push("END:VEVENT".to_owned());
        lines.push("END:VCALENDAR".to_owned());
        let mut out = String::new();
        for l in lines {
            out.push_str(&fold(&l));
            out.push_str("\r\n");
        }
        out
    }
}

/// TEXT escaping of RFC 5545 §3.3.11.
fn ics_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into pieces of at most 75 octets, continuation lines starting
/// with one space (RFC 5545 §3.1), never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn values_parse_with_field_codes() {
        assert_eq!(line("title", "  Skäggetorp  ", 10).unwrap(), "Skäggetorp");
        assert_eq!(line("title", " ", 10).unwrap_err().code, "required");
        assert_eq!(line("title", "abc", 2).unwrap_err().code, "too_long");
        assert_eq!(
            line("title", "a\nb", 5).unwrap_err().code,
            "control_characters"
        );
        assert_eq!(optional_text("x", " ", 5).unwrap(), None);
        assert_eq!(capacity("").unwrap(), 20);
        assert_eq!(capacity("12").unwrap(), 12);
        assert_eq!(capacity("0").unwrap_err().code, "invalid_capacity");
        assert_eq!(capacity("tjugo").unwrap_err().code, "invalid_capacity");
        assert_eq!(
            ProblemType::parse("sight_lines").unwrap(),
            ProblemType::SightLines
        );
        assert_eq!(ProblemType::parse("x").unwrap_err().field, "problem");
        assert_eq!(ParticipantGroup::parse("").unwrap(), None);
        assert_eq!(
            ParticipantGroup::parse("foralder").unwrap(),
            Some(ParticipantGroup::Parent)
        );
        assert!(IdempotencyKey::parse("abc").is_err());
        assert!(IdempotencyKey::parse("obs-1234_abcd").is_ok());
        assert!(IdempotencyKey::parse("obs 1234 abcd").is_err());
        for s in WalkStatus::ALL {
            assert_eq!(WalkStatus::parse(s.code()).unwrap(), s);
        }
    }

    #[test]
    fn answers() {
        let today = date(2026, 11, 1);
        assert_eq!(
            Answer::parse("will_do", "2026-12-01", "", today).unwrap(),
            Answer::WillDo {
                due: date(2026, 12, 1)
            }
        );
        assert_eq!(
            Answer::parse("will_do", "", "", today).unwrap_err(),
            Invalid::new("due", "required")
        );
        assert_eq!(
            Answer::parse("will_do", "2026-10-01", "", today)
                .unwrap_err()
                .code,
            "due_in_past"
        );
        assert_eq!(
            Answer::parse("will_do", "1 dec", "", today)
                .unwrap_err()
                .code,
            "invalid_date"
        );
        assert_eq!(
            Answer::parse("will_not_do", "", " ", today).unwrap_err(),
            Invalid::new("reason", "required")
        );
        assert_eq!(
            Answer::parse("already_done", "", "", today).unwrap(),
            Answer::AlreadyDone
        );
        assert_eq!(
            Answer::parse("kanske", "", "", today).unwrap_err().code,
            "unknown_answer"
        );
    }

    #[test]
    fn proposal_status() {
        let today = date(2026, 11, 1);
        use ProposalStatus::*;
        assert_eq!(ProposalStatus::of(None, None, false, today), Unanswered);
        assert_eq!(
            ProposalStatus::of(Some("will_do"), Some(date(2026, 12, 1)), false, today),
            Promised
        );
        assert_eq!(
            ProposalStatus::of(Some("will_do"), Some(date(2026, 10, 1)), false, today),
            Overdue
        );
        assert_eq!(
            ProposalStatus::of(Some("will_do"), Some(date(2026, 10, 1)), true, today),
            Done
        );
        assert_eq!(
            ProposalStatus::of(Some("already_done"), None, false, today),
            Done
        );
        assert_eq!(
            ProposalStatus::of(Some("will_not_do"), None, false, today),
            Declined
        );
        assert!(Overdue.is_open() && !Declined.is_open() && !Done.is_open());
    }

    #[test]
    fn six_month_follow_up() {
        use ProposalStatus::*;
        let p = |municipal, status| ProposalFacts { municipal, status };
        let all = [
            p(true, Done),
            p(true, Promised),
            p(true, Unanswered),
            p(true, Overdue),
            p(false, Overdue),
            p(false, Declined),
        ];
        let walk = date(2026, 3, 10);
        let before = FollowUp::compute(walk, date(2026, 6, 1), &all);
        assert_eq!(before.target_date, date(2026, 9, 10));
        assert!(!before.target_passed);
        assert_eq!(
            (before.total, before.municipal, before.municipal_done),
            (6, 4, 1)
        );
        assert_eq!(before.municipal_done_percent, 25);
        assert_eq!(before.overdue, 2, "only items past their own date");
        assert_eq!((before.unanswered, before.declined), (1, 1));
        assert!(!before.met);
        let after = FollowUp::compute(walk, date(2026, 9, 11), &all);
        assert!(after.target_passed);
        assert_eq!(after.overdue, 4, "every open municipal item is now overdue");
        let done = FollowUp::compute(
            walk,
            date(2026, 9, 11),
            &[p(true, Done), p(false, Unanswered)],
        );
        assert!(done.met);
        assert_eq!(done.municipal_done_percent, 100);
        assert_eq!(done.overdue, 0, "other owners have no six-month target");
        let none = FollowUp::compute(walk, walk, &[]);
        assert_eq!(none.municipal_done_percent, 0);
        assert!(none.met);
    }

    #[test]
    fn local_times_are_swedish() {
        let t = local_start("2026-11-26T18:00").unwrap();
        assert_eq!(t.rfc3339(), "2026-11-26T17:00:00Z");
        assert_eq!(
            local_start("2026-07-01 18:30").unwrap().rfc3339(),
            "2026-07-01T16:30:00Z"
        );
        assert_eq!(local_input(t), "2026-11-26T18:00");
        assert_eq!(local_date(t), date(2026, 11, 26));
        assert_eq!(
            local_start("imorgon").unwrap_err().code,
            "invalid_walk_start"
        );
        assert_eq!(local_start("").unwrap_err().code, "required");
    }

    #[test]
    fn ics_follows_rfc_5545() {
        let starts = local_start("2026-11-26T18:00").unwrap();
        let long = "Samling vid Skäggetorps centrum, vid fontänen; ta med ficklampa, varma kläder och gärna en granne som också vill vara med";
        let ev = CalendarEvent {
            uid: "walk-7@trygg.test",
            summary: "Trygghetsvandring i Skäggetorp",
            description: long,
            location: "Skäggetorps centrum",
            starts,
            ends: starts.plus_seconds(7200),
            stamp: starts.minus_seconds(86_400),
            url: Some("https://trygg.test/public/walks/7"),
        };
        let ics = ev.to_ics();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nDTSTART:20261126T170000Z\r\n"));
        assert!(ics.contains("\r\nDTEND:20261126T190000Z\r\n"));
        assert!(ics.contains("\r\nDTSTAMP:20261125T170000Z\r\n"));
        assert!(
            !ics.replace("\r\n", "").contains('\n'),
            "only CRLF line ends"
        );
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "line longer than 75 octets: {l}");
        }
        // Unfolded, the description is the escaped original.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(
            "DESCRIPTION:Samling vid Skäggetorps centrum\\, vid fontänen\\; ta med ficklampa\\, varma kläder"
        ));
        assert!(unfolded.contains("UID:walk-7@trygg.test\r\n"));
    }

    #[test]
    fn folding_never_splits_characters() {
        let l = format!("SUMMARY:{}", "å".repeat(100));
        let folded = fold(&l);
        for piece in folded.split("\r\n") {
            assert!(piece.len() <= 75);
        }
        assert_eq!(folded.replace("\r\n ", ""), l);
    }
}
