//! The EST meeting and the published lägesbild.
//!
//! Each week the partners meet over one area's [`WeeklyPicture`]: who took part, the
//! places to prioritise next week (each with the organisation responsible and what it
//! will do) and notes are recorded here. **Publishing** then freezes the picture:
//!
//! - the picture is computed once more at that moment, together with the meeting, into a
//!   [`Snapshot`]; the snapshot is written as canonical JSON (object keys sorted, no
//!   whitespace) and its SHA-256 stored beside it and in the audit chain;
//! - a published picture is always rendered from its snapshot, never recomputed, so
//!   editing, reclassifying or rejecting incidents later changes nothing in it;
//! - every read recomputes the hash of the stored text and compares it with the stored
//!   one ([`Integrity`]): a changed snapshot is shown as tampered, not as figures;
//! - republishing the same week adds a version (all versions kept, newest shown first);
//! - the publisher may open an aggregated public version ([`PublicPicture`]): figures
//!   only, no incident text, no people, no notes.
//!
//! Who sees what in a published picture: participants' names only for roles that may read
//! the draft picture; notable incidents' text only for roles that may read shared
//! incidents. The stored snapshot is complete; the filter is applied when it is read.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use trygg_analytics::week::IsoWeek;
use trygg_domain::Invalid;
use trygg_domain::id::{AreaId, OrganisationId, PlaceId};
use trygg_domain::policy::Action;
use trygg_domain::time::Instant;
use trygg_store::Store;
use trygg_store::est_meeting::{
    EstMeetingStore, MeetingChange, MeetingKey, MeetingRow, NewParticipant, NewPriority,
    NewPublication, PublicationSummary,
};

use crate::actor::draft;
use crate::lagesbild::WeeklyPicture;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// Version of the snapshot layout, stored in every snapshot.
pub const SNAPSHOT_FORMAT: u32 = 1;

const NAME_MAX: usize = 100;
const LOCATION_MAX: usize = 200;
const ACTION_MAX: usize = 1000;
const NOTES_MAX: usize = 10_000;

/// The meeting of one area and week, as the meeting page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    pub area: AreaId,
    pub area_name: String,
    pub week: IsoWeek,
    pub notes: String,
    pub participants: Vec<Participant>,
    pub priorities: Vec<Priority>,
    /// When something was last recorded; `None` before the first change.
    pub updated_at: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    /// Row id (0 in a snapshot).
    #[serde(skip)]
    pub id: i64,
    pub organisation: String,
    /// Personal data: only for roles that may read the draft picture.
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    #[serde(skip)]
    pub id: i64,
    /// The place's name or the described location.
    pub location: String,
    pub organisation: String,
    /// What the organisation will do.
    pub action: String,
    /// The measure it became, once measures exist.
    pub measure_id: Option<i64>,
}

/// A change to the meeting, as typed into the form (parsed here).
#[derive(Debug, Clone, Default)]
pub struct MeetingInput {
    pub organisation: String,
    pub name: String,
    pub place: String,
    pub location: String,
    pub action: String,
    pub notes: String,
}

/// What to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingEdit {
    Notes,
    AddParticipant,
    RemoveParticipant(i64),
    AddPriority,
    RemovePriority(i64),
}

/// What is frozen at publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: u32,
    pub published_at: Instant,
    /// The publisher's name and organisation.
    pub published_by: String,
    pub published_by_organisation: String,
    pub picture: WeeklyPicture,
    pub meeting: MeetingSnapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingSnapshot {
    pub notes: String,
    pub participants: Vec<Participant>,
    pub priorities: Vec<Priority>,
}

/// Whether a stored snapshot still has the hash it was published with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    Verified,
    /// The stored text no longer matches its hash: shown as tampered, never as figures.
    Mismatch {
        computed: String,
    },
}

/// A published picture as one caller may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub summary: PublicationSummary,
    pub integrity: Integrity,
    /// `None` when the integrity check failed.
    pub snapshot: Option<Snapshot>,
    /// Whether participants' names were kept for this caller.
    pub shows_names: bool,
}

/// The aggregated public version: figures only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicPicture {
    pub area_name: String,
    pub week: IsoWeek,
    pub first_day: String,
    pub last_day: String,
    pub published_at: Instant,
    pub version: i64,
    pub sha256: String,
    pub count: u32,
    pub last_week: Option<u32>,
    pub four_week_mean: Option<f64>,
    pub same_week_last_year: Option<u32>,
    /// Category name (Swedish, English) and this week's count.
    pub categories: Vec<PublicCategory>,
    /// Significant hot-spot cells: place name if any, count, bin.
    pub hot_spots: Vec<PublicHotSpot>,
    pub hot_spot_cell_m: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicCategory {
    pub name_sv: String,
    pub name_en: String,
    pub count: u32,
    pub last_week: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicHotSpot {
    pub col: usize,
    pub row: usize,
    pub e_min: f64,
    pub n_min: f64,
    pub place: Option<String>,
    pub count: u32,
    pub bin: i8,
}

fn key(area: AreaId, week: IsoWeek) -> MeetingKey {
    MeetingKey {
        area,
        year: i64::from(week.year()),
        week: i64::from(week.week()),
    }
}

/// Trimmed text of at most `max` characters; `None` when empty.
fn text(value: &str, field: &'static str, max: usize) -> Result<Option<String>> {
    let t = value.trim();
    if t.chars().count() > max {
        return Err(Invalid::new(field, "too_long").into());
    }
    Ok((!t.is_empty()).then(|| t.to_owned()))
}

/// Canonical JSON: object keys sorted, no insignificant whitespace, numbers and strings
/// as serde_json writes them. The same snapshot always gives the same bytes, whatever
/// order the structs' fields or a map's entries come in.
pub fn canonical_json(value: &serde_json::Value) -> String {
    fn write(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    write(v, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// Hex SHA-256.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Trygg {
    async fn area_name(&self, area: AreaId) -> Result<String> {
        Ok(self.db.area(area).await?.ok_or(Error::NotFound)?.info.name)
    }

    /// The meeting of an area and week (empty if nothing is recorded yet).
    pub async fn est_meeting(
        &self,
        caller: &Caller,
        area: AreaId,
        week: IsoWeek,
    ) -> Result<Meeting> {
        caller.require(Action::ReadDraftLagesbild)?;
        let area_name = self.area_name(area).await?;
        let row = self.db.meeting(key(area, week)).await?;
        Ok(meeting_from(area, area_name, week, row))
    }

    /// Records one change to the meeting, audited. Names are not written to the audit
    /// detail (personal data stays in one place).
    pub async fn change_est_meeting(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        area: AreaId,
        week: IsoWeek,
        edit: MeetingEdit,
        input: &MeetingInput,
    ) -> Result<()> {
        caller.require(Action::PublishLagesbild)?;
        let actor = caller.actor().ok_or(Error::Forbidden)?;
        self.area_name(area).await?;
        let organisation = || -> Result<OrganisationId> {
            input
                .organisation
                .trim()
                .parse::<i64>()
                .map(OrganisationId)
                .map_err(|_| Invalid::new("organisation", "required").into())
        };
        let change = match edit {
            MeetingEdit::Notes => {
                MeetingChange::Notes(text(&input.notes, "notes", NOTES_MAX)?.unwrap_or_default())
            }
            MeetingEdit::AddParticipant => {
                let organisation_id = organisation()?;
                if self.db.organisation(organisation_id).await?.is_none() {
                    return Err(Invalid::new("organisation", "unknown_organisation").into());
                }
                MeetingChange::AddParticipant(NewParticipant {
                    organisation_id,
                    person_name: text(&input.name, "name", NAME_MAX)?,
                })
            }
            MeetingEdit::AddPriority => {
                let place_id = match input.place.trim() {
                    "" => None,
                    p => {
                        let id = p
                            .parse::<i64>()
                            .map(PlaceId)
                            .map_err(|_| Invalid::new("place", "unknown_place"))?;
                        if self.db.place(id).await?.is_none() {
                            return Err(Invalid::new("place", "unknown_place").into());
                        }
                        Some(id)
                    }
                };
                let location_text = text(&input.location, "location", LOCATION_MAX)?;
                if place_id.is_none() && location_text.is_none() {
                    return Err(Invalid::new("location", "place_or_location_required").into());
                }
                let action = text(&input.action, "action", ACTION_MAX)?
                    .ok_or(Invalid::new("action", "required"))?;
                let organisation_id = organisation()?;
                if self.db.organisation(organisation_id).await?.is_none() {
                    return Err(Invalid::new("organisation", "unknown_organisation").into());
                }
                MeetingChange::AddPriority(NewPriority {
                    place_id,
                    location_text,
                    organisation_id,
                    action,
                })
            }
            MeetingEdit::RemoveParticipant(id) => MeetingChange::RemoveParticipant(id),
            MeetingEdit::RemovePriority(id) => MeetingChange::RemovePriority(id),
        };
        let (what, item) = match &change {
            MeetingChange::Notes(_) => ("notes", None),
            MeetingChange::AddParticipant(_) => ("add_participant", None),
            MeetingChange::RemoveParticipant(id) => ("remove_participant", Some(*id)),
            MeetingChange::AddPriority(_) => ("add_priority", None),
            MeetingChange::RemovePriority(id) => ("remove_priority", Some(*id)),
        };
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "est_meeting.change",
            "est_meeting",
            None,
            serde_json::json!({
                "area": area.0, "week": week.to_string(), "change": what, "item": item,
            }),
        );
        self.db
            .change_meeting(key(area, week), &change, actor.user.id, now, audit)
            .await?;
        Ok(())
    }

    /// The choices of the meeting's forms: organisations and places as (id, name), by
    /// name. Only for those who record the meeting.
    pub async fn est_meeting_choices(
        &self,
        caller: &Caller,
    ) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>)> {
        caller.require(Action::PublishLagesbild)?;
        let mut organisations: Vec<(i64, String)> = self
            .db
            .organisations()
            .await?
            .into_iter()
            .map(|o| (o.id.0, o.name))
            .collect();
        organisations.sort_by(|a, b| trygg_domain::geo::swedish_cmp(&a.1, &b.1));
        let mut places: Vec<(i64, String)> = self
            .db
            .places()
            .await?
            .into_iter()
            .map(|p| (p.id.0, p.name))
            .collect();
        places.sort_by(|a, b| trygg_domain::geo::swedish_cmp(&a.1, &b.1));
        Ok((organisations, places))
    }

    /// Publishes the picture of `area` in `week`: computes it now, freezes it with the
    /// meeting, hashes and stores it as the next version. Returns the publication's id.
    pub async fn publish_lagesbild(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        area: AreaId,
        week: IsoWeek,
        public: bool,
    ) -> Result<i64> {
        caller.require(Action::PublishLagesbild)?;
        let actor = caller.actor().ok_or(Error::Forbidden)?;
        let picture = self.weekly_picture(caller, area, week).await?;
        let meeting = self.est_meeting(caller, area, week).await?;
        let now = self.clock.now();
        let snapshot = Snapshot {
            format: SNAPSHOT_FORMAT,
            published_at: now,
            published_by: actor.user.name.clone(),
            published_by_organisation: actor.organisation.name.clone(),
            picture,
            meeting: MeetingSnapshot {
                notes: meeting.notes,
                participants: meeting.participants,
                priorities: meeting.priorities,
            },
        };
        let value = serde_json::to_value(&snapshot)
            .map_err(|e| Error::Internal(format!("snapshot: {e}")))?;
        let text = canonical_json(&value);
        let sha256 = sha256_hex(&text);
        let audit = draft(
            caller,
            meta,
            now,
            "lagesbild.publish",
            "lagesbild_publication",
            None,
            serde_json::json!({
                "area": area.0, "week": week.to_string(), "sha256": sha256, "public": public,
            }),
        );
        let (id, _version) = self
            .db
            .publish(
                &NewPublication {
                    key: key(area, week),
                    snapshot: text,
                    sha256,
                    public,
                    published_by: actor.user.id,
                    at: now,
                },
                audit,
            )
            .await?;
        Ok(id)
    }

    /// Published pictures, newest week first (of one area or all).
    pub async fn published_lagesbilder(
        &self,
        caller: &Caller,
        area: Option<AreaId>,
    ) -> Result<Vec<PublicationSummary>> {
        caller.require(Action::ReadPublishedLagesbild)?;
        Ok(self.db.publications(area, 500).await?)
    }

    /// One published picture, its hash checked, filtered for the caller.
    pub async fn published_lagesbild(&self, caller: &Caller, id: i64) -> Result<Published> {
        caller.require(Action::ReadPublishedLagesbild)?;
        let row = self.db.publication(id).await?.ok_or(Error::NotFound)?;
        let computed = sha256_hex(&row.snapshot);
        let shows_names = caller.require(Action::ReadDraftLagesbild).is_ok();
        if computed != row.summary.sha256 {
            tracing::error!(
                publication = id,
                "published lägesbild does not match its hash"
            );
            return Ok(Published {
                summary: row.summary,
                integrity: Integrity::Mismatch { computed },
                snapshot: None,
                shows_names,
            });
        }
        let mut snapshot: Snapshot = serde_json::from_str(&row.snapshot)
            .map_err(|e| Error::Internal(format!("stored snapshot {id}: {e}")))?;
        if !shows_names {
            for p in &mut snapshot.meeting.participants {
                p.name = None;
            }
        }
        if caller.require(Action::ReadSharedIncidents).is_err() {
            for n in &mut snapshot.picture.notable {
                n.description.clear();
            }
        }
        Ok(Published {
            summary: row.summary,
            integrity: Integrity::Verified,
            snapshot: Some(snapshot),
            shows_names,
        })
    }

    /// The PDF of a published picture, made from its snapshot (refused when the snapshot
    /// no longer matches its hash). Returns a file name and the bytes.
    pub async fn published_lagesbild_pdf(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<(String, Vec<u8>)> {
        let published = self.published_lagesbild(caller, id).await?;
        let Some(snapshot) = &published.snapshot else {
            return Err(Error::Refused("publication_tampered"));
        };
        let doc = crate::lagesbild_pdf::document(&published.summary, snapshot);
        let bytes = crate::pdf::render(doc).await?;
        let name = format!(
            "lagesbild-{}-{}-v{}.pdf",
            snapshot.picture.area.code, snapshot.picture.week, published.summary.version
        );
        Ok((name, bytes))
    }

    /// The newest public version of an area's picture: no login, figures only.
    pub async fn public_lagesbild(&self, area: AreaId) -> Result<PublicPicture> {
        let row = self
            .db
            .latest_public_publication(area)
            .await?
            .ok_or(Error::NotFound)?;
        if sha256_hex(&row.snapshot) != row.summary.sha256 {
            tracing::error!(
                publication = row.summary.id,
                "public lägesbild does not match its hash"
            );
            return Err(Error::NotFound);
        }
        let s: Snapshot = serde_json::from_str(&row.snapshot)
            .map_err(|e| Error::Internal(format!("stored snapshot: {e}")))?;
        let p = &s.picture;
        Ok(PublicPicture {
            area_name: p.area.name.clone(),
            week: p.week,
            first_day: p.first_day.clone(),
            last_day: p.last_day.clone(),
            published_at: s.published_at,
            version: row.summary.version,
            sha256: row.summary.sha256,
            count: p.headline.count,
            last_week: p.headline.last_week,
            four_week_mean: p.headline.four_week_mean,
            same_week_last_year: p.headline.same_week_last_year,
            categories: p
                .trend
                .rows
                .iter()
                .map(|r| PublicCategory {
                    name_sv: r.name_sv.clone(),
                    name_en: r.name_en.clone(),
                    count: r.figures.count,
                    last_week: r.figures.last_week.as_ref().map(|c| c.baseline_count),
                })
                .collect(),
            hot_spots: p
                .hot_spots
                .cells
                .iter()
                .map(|c| PublicHotSpot {
                    col: c.col,
                    row: c.row,
                    e_min: c.e_min,
                    n_min: c.n_min,
                    place: c.place.clone(),
                    count: c.count,
                    bin: c.bin,
                })
                .collect(),
            hot_spot_cell_m: p.hot_spots.cell_size_m,
        })
    }
}

fn meeting_from(
    area: AreaId,
    area_name: String,
    week: IsoWeek,
    row: Option<MeetingRow>,
) -> Meeting {
    let Some(row) = row else {
        return Meeting {
            area,
            area_name,
            week,
            notes: String::new(),
            participants: Vec::new(),
            priorities: Vec::new(),
            updated_at: None,
        };
    };
    Meeting {
        area,
        area_name,
        week,
        notes: row.notes,
        participants: row
            .participants
            .into_iter()
            .map(|p| Participant {
                id: p.id,
                organisation: p.organisation_name,
                name: p.person_name,
            })
            .collect(),
        priorities: row
            .priorities
            .into_iter()
            .map(|p| Priority {
                id: p.id,
                location: match (p.place_name, p.location_text) {
                    (Some(place), Some(text)) => format!("{place}, {text}"),
                    (Some(place), None) => place,
                    (None, Some(text)) => text,
                    (None, None) => String::new(),
                },
                organisation: p.organisation_name,
                action: p.action,
                measure_id: p.measure_id,
            })
            .collect(),
        updated_at: Some(row.updated_at),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"b": 1, "a": {"y": [1, {"q": 2, "p": "å"}], "x": 0.5}}"#)
                .unwrap();
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"x":0.5,"y":[1,{"p":"å","q":2}]},"b":1}"#
        );
        let b: serde_json::Value =
            serde_json::from_str(r#"{"a": {"x": 0.5, "y": [1, {"p": "å", "q": 2}]}, "b": 1}"#)
                .unwrap();
        assert_eq!(
            sha256_hex(&canonical_json(&a)),
            sha256_hex(&canonical_json(&b))
        );
    }

    #[test]
    fn sha256_is_the_standard_digest() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
