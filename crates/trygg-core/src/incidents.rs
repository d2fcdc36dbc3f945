//! EST reporting: filing reports, seeing incidents as the sharing rules allow, review,
//! and the reporting rhythm.
//!
//! Who sees what follows `domain/ACCESS.md`: an incident belongs to its reporter's
//! organisation; `partners` incidents are seen by every EST partner, `own` ones only by
//! the organisation and the coordinators; a reporter sees their own reports in full and
//! other organisations' shared incidents without their free text. The rule is turned
//! into a [`Visibility`] once, here, and applied in SQL by the store for every list,
//! map, export and API call alike.

use serde_json::json;
use trygg_domain::Invalid;
use trygg_domain::geo::Wgs84;
use trygg_domain::id::{OrganisationId, PlaceId};
use trygg_domain::incident::personal_data::{self, PiiCounts};
use trygg_domain::incident::{
    Category, CategoryGroup, CategoryList, Description, IncidentId, LocalTimePolicy, OccurredAt,
    ReportId, Severity, SharingLevel,
};
use trygg_domain::policy::{Action, Grant};
use trygg_domain::time::Instant;
use trygg_store::Store;
use trygg_store::incident::{
    CategoryRow, IncidentFilter, IncidentRow, IncidentStore, NewCategory, NewIncident, NewReport,
    Review, RhythmRow, Visibility,
};

use crate::actor::draft;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// Where an incident happened, as the reporter gave it.
#[derive(Debug, Clone, Default)]
pub struct WhereInput {
    /// A point in WGS84 (a map click, "use my position", typed lat/lon).
    pub point: Option<Wgs84>,
    /// A named place; its point is used when no point is given.
    pub place: Option<PlaceId>,
    /// Free text such as an address, kept as given.
    pub text: Option<String>,
}

/// One incident of a report, as typed.
#[derive(Debug, Clone, Default)]
pub struct IncidentInput {
    pub category: String,
    pub description: String,
    pub occurred_at: String,
    pub occurred_to: Option<String>,
    pub place: WhereInput,
    pub creates_insecurity: bool,
    /// 1–3; the category's default when not given.
    pub severity: Option<String>,
    /// `partners` (default) or `own`.
    pub sharing: Option<String>,
    /// Photos, already checked and re-encoded (see [`crate::photos`]).
    pub photos: Vec<trygg_domain::incident::photo::CleanPhoto>,
}

/// What filing a report did.
#[derive(Debug, Clone)]
pub struct Filed {
    pub report: ReportId,
    /// `false` when the idempotency key had been used: nothing new was stored.
    pub new: bool,
    /// Personal data found per incident (masked or flagged as the category says).
    pub personal_data: Vec<PiiCounts>,
}

/// A field error of one incident in a multi-incident report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentError {
    pub index: usize,
    pub invalid: Invalid,
}

/// Reporting per organisation in one ISO week.
#[derive(Debug, Clone)]
pub struct RhythmWeek {
    pub rows: Vec<(trygg_store::Organisation, Vec<RhythmRow>)>,
}

impl RhythmWeek {
    /// The partner organisations that filed nothing.
    pub fn silent(&self) -> impl Iterator<Item = &trygg_store::Organisation> {
        self.rows
            .iter()
            .filter(|(_, r)| r.is_empty())
            .map(|(o, _)| o)
    }
}

/// Largest page a list returns.
pub const MAX_PAGE: i64 = 500;

fn category_of(row: &CategoryRow) -> Option<Category> {
    let group = CategoryGroup::parse(&row.group).ok()?;
    let severity = Severity::new(u8::try_from(row.default_severity).ok()?).ok()?;
    let mut c = Category::new(&row.code, &row.name_sv, &row.name_en, group, severity).ok()?;
    c.pii_policy = personal_data::PiiPolicy::parse(&row.pii_policy).ok()?;
    c.retired = row.retired;
    c.replaced_by = row
        .replaced_by
        .as_deref()
        .and_then(|r| trygg_domain::incident::CategoryCode::new(r).ok());
    Some(c)
}

impl Trygg {
    /// Stores the default category list once, on a database that has none.
    pub async fn ensure_default_categories(&self) -> Result<()> {
        if !self.db.categories().await?.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        for c in CategoryList::defaults().categories() {
            let new = NewCategory {
                code: c.code.as_str().into(),
                name_sv: c.name_sv.as_str().into(),
                name_en: c.name_en.as_str().into(),
                group: c.group.code().into(),
                default_severity: i64::from(c.default_severity.get()),
                pii_policy: c.pii_policy.code().into(),
                retired: c.retired,
                replaced_by: None,
            };
            let audit = draft(
                &Caller::System,
                &RequestMeta::cli(),
                now,
                "category_created",
                "category",
                None,
                json!({ "code": new.code }),
            );
            self.db.add_category_version(&new, now, audit).await?;
        }
        Ok(())
    }

    /// The newest version of every category, as the current code list, plus the
    /// stored rows (ids by code) new incidents refer to.
    pub async fn category_list(&self) -> Result<(CategoryList, Vec<CategoryRow>)> {
        let rows = self.db.categories().await?;
        let mut latest: Vec<CategoryRow> = Vec::new();
        for r in rows {
            match latest.iter_mut().find(|l| l.code == r.code) {
                Some(l) if l.version < r.version => *l = r,
                Some(_) => {}
                None => latest.push(r),
            }
        }
        let version =
            u32::try_from(latest.iter().map(|r| r.version).max().unwrap_or(1)).unwrap_or(1);
        let cats: Vec<Category> = latest.iter().filter_map(category_of).collect();
        let list = CategoryList::new(version, cats).map_err(Error::Invalid)?;
        Ok((list, latest))
    }

    /// Which incidents a caller may see (and whether at all).
    pub fn incident_visibility(&self, caller: &Caller) -> Result<Visibility> {
        let own = caller
            .require(Action::ReadOwnIncidents)
            .unwrap_or(Grant::Deny);
        let shared = caller
            .require(Action::ReadSharedIncidents)
            .unwrap_or(Grant::Deny);
        let mut v = Visibility::default();
        match caller {
            Caller::System => v.all = true,
            Caller::Anonymous => return Err(Error::Unauthenticated),
            Caller::User(_) | Caller::Integration(_) => {
                match own {
                    Grant::Any => v.all = true,
                    Grant::OwnOrganisation | Grant::OwnUnit => {
                        v.organisation = caller.organisation_id()
                    }
                    Grant::OwnRecords => v.reporter = caller.user_id(),
                    Grant::Deny => {}
                }
                if shared != Grant::Deny {
                    v.shared = true;
                }
            }
        }
        if v.nothing() {
            return Err(Error::Forbidden);
        }
        Ok(v)
    }

    /// Whether the caller may read this incident's free text: reporters see only their
    /// own reports' text, others read what they can see.
    pub(crate) fn may_read_text(caller: &Caller, row: &IncidentRow) -> bool {
        match caller {
            Caller::System => true,
            Caller::Anonymous => false,
            Caller::User(_) | Caller::Integration(_) => match caller
                .require(Action::ReadOwnIncidents)
                .unwrap_or(Grant::Deny)
            {
                Grant::Any => true,
                Grant::OwnOrganisation | Grant::OwnUnit => {
                    Some(row.organisation_id) == caller.organisation_id()
                        || row.sharing == "partners"
                }
                Grant::OwnRecords => {
                    row.reporter_user_id.is_some() && row.reporter_user_id == caller.user_id()
                }
                Grant::Deny => false,
            },
        }
    }

    fn redact(caller: &Caller, mut row: IncidentRow) -> IncidentRow {
        if !Self::may_read_text(caller, &row) {
            row.description = String::new();
            row.location_text = None;
        }
        row
    }

    /// Files a report of one or more incidents. Every incident is checked first; any
    /// error refuses the whole report (with the incident's index) and nothing is stored.
    pub async fn file_report(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        incidents: Vec<IncidentInput>,
        idempotency_key: Option<String>,
    ) -> std::result::Result<Filed, ReportError> {
        caller.require(Action::FileReport)?;
        // A person files for their organisation; an integration for its token's.
        let organisation = caller.organisation_id().ok_or(Error::Forbidden)?;
        let reporter = caller.user_id();
        if incidents.is_empty() {
            return Err(ReportError::Invalid(vec![IncidentError {
                index: 0,
                invalid: Invalid::new("incidents", "required"),
            }]));
        }
        let key = idempotency_key
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        if key.as_ref().is_some_and(|k| k.len() > 200) {
            return Err(Error::Invalid(Invalid::new("idempotency_key", "too_long")).into());
        }
        let now = self.clock.now();
        let (list, rows) = self.category_list().await?;
        let areas = self.area_set().await?;
        let mut errors = Vec::new();
        let mut prepared = Vec::new();
        let mut found = Vec::new();
        for (index, input) in incidents.iter().enumerate() {
            if let Err(invalid) = self.settings.photos.check_count(input.photos.len()) {
                errors.push(IncidentError { index, invalid });
            }
            match self
                .prepare(&list, &rows, &areas, input, organisation, now)
                .await
            {
                Ok((new, counts)) => {
                    prepared.push(NewIncident {
                        reporter_user_id: reporter,
                        source: if caller.api_token().is_some() {
                            "api"
                        } else {
                            new.source
                        },
                        ..new
                    });
                    found.push(counts);
                }
                Err(Error::Invalid(invalid)) => errors.push(IncidentError { index, invalid }),
                Err(e) => return Err(e.into()),
            }
        }
        if !errors.is_empty() {
            return Err(ReportError::Invalid(errors));
        }
        let counts: serde_json::Map<String, serde_json::Value> = found
            .iter()
            .flat_map(|c| c.nonzero())
            .fold(serde_json::Map::new(), |mut m, (k, n)| {
                let total =
                    m.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0) + u64::from(n);
                m.insert(k.to_owned(), json!(total));
                m
            });
        let audit = draft(
            caller,
            meta,
            now,
            "report_filed",
            "report",
            None,
            json!({
                "incidents": prepared.len(),
                "personal_data_found": counts,
                "photos": incidents.iter().map(|i| i.photos.len()).sum::<usize>(),
            }),
        );
        let report = NewReport {
            organisation_id: organisation,
            reporter_user_id: reporter,
            submitted_at: now,
            idempotency_key: key,
            api_token_id: caller.api_token().map(|t| t.id),
            incidents: prepared,
            photos: crate::photos::for_report(&incidents),
        };
        let (id, new) = self
            .db
            .submit_report(&report, audit)
            .await
            .map_err(Error::from)?;
        Ok(Filed {
            report: id,
            new,
            personal_data: found,
        })
    }

    async fn prepare(
        &self,
        list: &CategoryList,
        rows: &[CategoryRow],
        areas: &crate::geography::AreaSet,
        input: &IncidentInput,
        organisation: OrganisationId,
        now: Instant,
    ) -> Result<(NewIncident, PiiCounts)> {
        // A retired category is refused as such; any other miss is an unknown one.
        let category = list.resolve(&input.category).map_err(|e| {
            if e.code == "retired_category" {
                e
            } else {
                Invalid::new("category", "unknown_category")
            }
        })?;
        if category.retired {
            return Err(Invalid::new("category", "retired_category").into());
        }
        let category_id = rows
            .iter()
            .find(|r| r.code == category.code.as_str())
            .map(|r| r.id)
            .ok_or(Error::NotFound)?;
        let description = Description::parse(&input.description)?;
        let occurred = OccurredAt::parse(
            &input.occurred_at,
            input.occurred_to.as_deref(),
            now,
            LocalTimePolicy::default(),
        )?;
        let severity = match input
            .severity
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => Severity::parse(s)?,
            None => category.default_severity,
        };
        let sharing = match input
            .sharing
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => SharingLevel::parse(s)?,
            None => SharingLevel::Partners,
        };
        let place = match input.place.place {
            Some(id) => Some(
                self.db
                    .place(id)
                    .await?
                    .ok_or(Invalid::new("place", "unknown_place"))?,
            ),
            None => None,
        };
        let point = match (input.place.point, &place) {
            (Some(p), _) => Some(p),
            (None, Some(p)) => {
                Some(Wgs84::new(p.lat, p.lon).map_err(|_| Invalid::new("place", "unknown_place"))?)
            }
            (None, None) => None,
        };
        let text = input
            .place
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if point.is_none() && text.is_none() {
            return Err(Invalid::new("position", "position_required").into());
        }
        if let Some(p) = point
            && !p.plausible_in_sweden()
        {
            return Err(Invalid::new("position", "position_outside_sweden").into());
        }
        let screened = personal_data::screen(description.as_str(), category.pii_policy);
        let mut pii = serde_json::Map::new();
        for (k, n) in screened.counts.nonzero() {
            pii.insert(k.into(), json!(n));
        }
        if screened.flagged {
            pii.insert("flagged".into(), json!(true));
        }
        let area_ids = point.map(|p| areas.locate_ids(p)).unwrap_or_default();
        Ok((
            NewIncident {
                category_id,
                organisation_id: organisation,
                reporter_user_id: None,
                description: screened.text,
                pii_found: serde_json::Value::Object(pii).to_string(),
                occurred_from: occurred.start(),
                occurred_to: occurred.end(),
                position: point.map(|p| (p.lat(), p.lon())),
                place_id: place.map(|p| p.id),
                location_text: text,
                severity: i64::from(severity.get()),
                creates_insecurity: input.creates_insecurity,
                sharing: sharing.code(),
                source: "form",
                external_id: None,
                status: "submitted",
                area_ids,
            },
            screened.counts,
        ))
    }

    /// A page of incidents the caller may see, and the size of the whole selection.
    pub async fn incidents(
        &self,
        caller: &Caller,
        filter: &IncidentFilter,
    ) -> Result<(Vec<IncidentRow>, i64)> {
        let v = self.incident_visibility(caller)?;
        let mut f = filter.clone();
        f.limit = f.limit.clamp(1, MAX_PAGE);
        let (rows, total) = self.db.incidents(&f, v).await?;
        Ok((
            rows.into_iter().map(|r| Self::redact(caller, r)).collect(),
            total,
        ))
    }

    /// One incident, if the caller may see it (otherwise `NotFound`, so its existence
    /// is not revealed).
    pub async fn incident(&self, caller: &Caller, id: IncidentId) -> Result<IncidentRow> {
        let v = self.incident_visibility(caller)?;
        let row = self.db.incident(id, v).await?.ok_or(Error::NotFound)?;
        Ok(Self::redact(caller, row))
    }

    /// The coordinators' review queue: submitted incidents, oldest first.
    pub async fn review_queue(
        &self,
        caller: &Caller,
        limit: i64,
    ) -> Result<(Vec<IncidentRow>, i64)> {
        caller.require(Action::ReviewIncidents)?;
        let f = IncidentFilter {
            status: Some("submitted".into()),
            order: trygg_store::incident::IncidentOrder::OldestFirst,
            limit,
            ..Default::default()
        };
        self.incidents(caller, &f).await
    }

    /// Likely duplicates of an incident: the same category, within `metres` and
    /// `hours` of it, not merged away.
    pub async fn duplicate_suggestions(
        &self,
        caller: &Caller,
        id: IncidentId,
        metres: f64,
        hours: i64,
    ) -> Result<Vec<IncidentRow>> {
        caller.require(Action::ReviewIncidents)?;
        let me = self.incident(caller, id).await?;
        let Some((lat, lon)) = me.position else {
            return Ok(Vec::new());
        };
        let f = IncidentFilter {
            category_code: Some(me.category_code.clone()),
            from: Some(me.occurred_from.minus_seconds(hours * 3600)),
            to: Some(me.occurred_from.plus_seconds(hours * 3600 + 1)),
            limit: MAX_PAGE,
            ..Default::default()
        };
        let (rows, _) = self.incidents(caller, &f).await?;
        Ok(rows
            .into_iter()
            .filter(|r| r.id != id && r.merged_into.is_none() && r.status != "merged")
            .filter(|r| {
                r.position
                    .is_some_and(|(la, lo)| distance_m((lat, lon), (la, lo)) <= metres)
            })
            .collect())
    }

    /// Applies a review decision (accept, reject with a reason, reclassify, move, merge).
    pub async fn review(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: IncidentId,
        decision: ReviewInput,
    ) -> Result<()> {
        caller.require(Action::ReviewIncidents)?;
        let actor = caller.actor().ok_or(Error::Forbidden)?;
        let current = self.incident(caller, id).await?;
        let now = self.clock.now();
        let (review, verb) = match decision {
            ReviewInput::Accept { note } => {
                (Review::Accept { note: clean(note) }, "incident_accepted")
            }
            ReviewInput::Reject { reason } => {
                let reason = clean(Some(reason)).ok_or(Invalid::new("reason", "required"))?;
                (Review::Reject { reason }, "incident_rejected")
            }
            ReviewInput::Reclassify { category, note } => {
                let (list, rows) = self.category_list().await?;
                let c = list
                    .resolve(&category)
                    .map_err(|_| Invalid::new("category", "unknown_category"))?;
                let cid = rows
                    .iter()
                    .find(|r| r.code == c.code.as_str())
                    .map(|r| r.id)
                    .ok_or(Error::NotFound)?;
                (
                    Review::Reclassify {
                        category_id: cid,
                        note: clean(note),
                    },
                    "incident_reclassified",
                )
            }
            ReviewInput::Move { point, place } => {
                let areas = self.area_set().await?;
                (
                    Review::MoveTo {
                        position: (point.lat(), point.lon()),
                        place_id: place,
                        area_ids: areas.locate_ids(point),
                    },
                    "incident_moved",
                )
            }
            ReviewInput::Merge { into } => {
                if into == id {
                    return Err(Invalid::new("merge_into", "merge_into_itself").into());
                }
                self.incident(caller, into).await?;
                (Review::MergeInto { target: into }, "incident_merged")
            }
        };
        let audit = draft(
            caller,
            meta,
            now,
            verb,
            "incident",
            Some(id.0.to_string()),
            json!({ "previous_status": current.status }),
        );
        Ok(self
            .db
            .review(id, &review, actor.user.id, now, audit)
            .await?)
    }

    /// Who reported in `[from, to)`, per partner organisation; organisations without a
    /// report are listed with no rows, so the coordinator sees who is silent.
    pub async fn rhythm(&self, caller: &Caller, from: Instant, to: Instant) -> Result<RhythmWeek> {
        caller.require(Action::ReviewIncidents)?;
        let rows = self.db.rhythm(from, to).await?;
        let orgs = self.db.organisations().await?;
        Ok(RhythmWeek {
            rows: orgs
                .into_iter()
                .map(|o| {
                    let mine = rows
                        .iter()
                        .filter(|r| r.organisation_id == o.id)
                        .cloned()
                        .collect();
                    (o, mine)
                })
                .collect(),
        })
    }
}

/// A review decision as the reviewer gave it.
#[derive(Debug, Clone)]
pub enum ReviewInput {
    Accept {
        note: Option<String>,
    },
    Reject {
        reason: String,
    },
    Reclassify {
        category: String,
        note: Option<String>,
    },
    Move {
        point: Wgs84,
        place: Option<PlaceId>,
    },
    Merge {
        into: IncidentId,
    },
}

/// Why a report was refused: field errors per incident, or anything else.
#[derive(Debug)]
pub enum ReportError {
    Invalid(Vec<IncidentError>),
    Other(Error),
}

impl From<Error> for ReportError {
    fn from(e: Error) -> Self {
        Self::Other(e)
    }
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Great-circle distance in metres (haversine; plenty for "within 150 m").
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_008.8;
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}
