//! Medborgarlöften: writing promises with their activities and indicators, the monthly
//! report with computed indicator values, publishing it, and what the public reads.
//!
//! Access (ACCESS.md "manage plans, promises, monthly reports"): the coordinators write
//! promises and reports and read the drafts (`ManagePromises`) and publish
//! (`PublishPromiseReports`). Everyone else, signed in or not, reads only what is
//! published, through the public types here ([`PublicPromise`], [`PublicReport`]),
//! which have no field for a draft or for who published: a draft cannot reach a public
//! page, the feed or the API by mistake. A promise is public once it has a published
//! report; until then it is the coordinators' work in progress and answers `NotFound`.
//!
//! Indicator values are computed where Trygg has the data: counted incidents of the
//! indicator's categories in the promise's area in the month (counted as the lägesbild
//! counts them, over every organisation: the figure is an aggregate), and measures linked
//! to the area completed in the month. The form is prefilled with them and the
//! coordinator may correct them; a value is marked computed only if it is the computed
//! one. Published reports never change (the store's triggers refuse it).

use jiff::civil::Date;
use serde_json::json;
use trygg_domain::Invalid;
use trygg_domain::id::AreaId;
use trygg_domain::policy::Action;
use trygg_domain::promise::{
    self, IndicatorSource, MAX_ROWS, Month, Owner, PromiseId, PromiseIndicatorId, PromiseReportId,
    ReportStatus,
};
use trygg_domain::time::Instant;
use trygg_store::Store;
use trygg_store::measure::{MeasureFilter, MeasureStore, MeasureVisibility};
use trygg_store::promise::{
    IndicatorRow, NewActivity, NewIndicator, NewPromise, NewPromiseReport, NewValue,
    PromiseReportRow, PromiseRow, PromiseStore, ValueRow,
};

use crate::actor::draft;
use crate::measures::local_date;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// How many published reports the Atom feed carries.
pub const FEED_ENTRIES: i64 = 50;

/// A promise as typed in the form (or sent by the API).
#[derive(Debug, Clone, Default)]
pub struct PromiseInput {
    pub title: String,
    /// "Vi lovar att …".
    pub statement: String,
    pub description: String,
    /// An area id, or empty.
    pub area: String,
    /// `YYYY-MM`.
    pub first_month: String,
    /// `YYYY-MM`, or empty: until further notice.
    pub last_month: String,
    /// (text "genom att …", owner code); rows with empty text are skipped.
    pub activities: Vec<(String, String)>,
    pub indicators: Vec<IndicatorInput>,
}

/// One indicator row of the form; rows with an empty name are skipped.
#[derive(Debug, Clone, Default)]
pub struct IndicatorInput {
    /// The id of an existing indicator, or empty for a new one.
    pub id: String,
    pub name: String,
    /// `incidents`, `measures_done` or `manual`.
    pub source: String,
    /// Category codes for `incidents`, comma separated.
    pub categories: String,
}

/// A monthly report as typed.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// `YYYY-MM`.
    pub month: String,
    pub done_text: String,
    pub comments: String,
    /// Typed values per indicator; an empty one takes the computed value.
    pub values: Vec<(PromiseIndicatorId, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub text: String,
    pub owner: Owner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub id: PromiseIndicatorId,
    pub name: String,
    pub source: IndicatorSource,
    pub retired: bool,
}

/// A promise as the coordinators see it: every report, drafts included.
#[derive(Debug, Clone)]
pub struct PromiseDetail {
    pub promise: PromiseRow,
    pub activities: Vec<Activity>,
    pub indicators: Vec<Indicator>,
    pub reports: Vec<PromiseReportRow>,
}

/// A promise in the coordinators' list.
#[derive(Debug, Clone)]
pub struct PromiseSummary {
    pub promise: PromiseRow,
    pub published: usize,
    pub drafts: usize,
    /// The newest month with a report.
    pub latest_month: Option<String>,
}

/// A published monthly report as anyone may read it: no draft, no person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicReport {
    pub id: PromiseReportId,
    pub promise_id: PromiseId,
    pub month: String,
    pub done_text: String,
    pub comments: Option<String>,
    pub published_at: Instant,
    pub values: Vec<ValueRow>,
}

impl PublicReport {
    /// `None` for a draft: the only way a stored report becomes a public one.
    fn of(r: &PromiseReportRow) -> Option<Self> {
        if ReportStatus::parse(&r.status) != Some(ReportStatus::Published) {
            return None;
        }
        Some(Self {
            id: r.id,
            promise_id: r.promise_id,
            month: r.month.clone(),
            done_text: r.done_text.clone(),
            comments: r.comments.clone(),
            published_at: r.published_at?,
            values: r.values.clone(),
        })
    }
}

/// A promise as the public reads it, with its published reports (oldest first).
#[derive(Debug, Clone)]
pub struct PublicPromise {
    pub id: PromiseId,
    pub title: String,
    pub statement: String,
    pub description: Option<String>,
    pub area_name: Option<String>,
    pub first_month: String,
    pub last_month: Option<String>,
    pub activities: Vec<Activity>,
    /// The indicators with a published value, in order, named as last published.
    pub indicators: Vec<(PromiseIndicatorId, String)>,
    pub reports: Vec<PublicReport>,
}

impl PublicPromise {
    /// The newest publication, for the feed's and the list's dates.
    pub fn updated(&self) -> Option<Instant> {
        self.reports.iter().map(|r| r.published_at).max()
    }
}

/// One entry of the feed: a published report with its promise's title.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub promise_title: String,
    pub report: PublicReport,
}

fn indicator_of(row: &IndicatorRow) -> Result<Indicator> {
    Ok(Indicator {
        id: row.id,
        name: row.name.clone(),
        source: IndicatorSource::parse(&row.source, &row.categories)
            .map_err(|_| Error::Internal(format!("stored indicator {} unreadable", row.id)))?,
        retired: row.retired,
    })
}

fn activities_of(rows: Vec<trygg_store::promise::ActivityRow>) -> Vec<Activity> {
    rows.into_iter()
        .filter_map(|a| {
            Some(Activity {
                owner: Owner::parse(&a.owner).ok()?,
                text: a.text,
            })
        })
        .collect()
}

fn month_of(stored: &str) -> Result<Month> {
    Month::parse("month", stored).map_err(|_| Error::Internal("stored month unreadable".into()))
}

impl Trygg {
    fn promise_today(&self) -> Date {
        local_date(self.clock.now())
    }

    async fn parse_promise(&self, caller: &Caller, input: &PromiseInput) -> Result<NewPromise> {
        let title = promise::line("title", &input.title, 200)?;
        let statement = promise::line("statement", &input.statement, 500)?;
        let description = promise::optional_text("description", &input.description, 4000)?;
        let area_id = match input.area.trim() {
            "" => None,
            a => {
                let id = a
                    .parse::<AreaId>()
                    .map_err(|_| Invalid::new("area", "unknown_promise_area"))?;
                self.db
                    .area(id)
                    .await?
                    .ok_or(Invalid::new("area", "unknown_promise_area"))?;
                Some(id)
            }
        };
        let first = Month::parse("first_month", &input.first_month)?;
        let last = match input.last_month.trim() {
            "" => None,
            l => Some(Month::parse("last_month", l)?),
        };
        if last.is_some_and(|l| l < first) {
            return Err(Invalid::new("last_month", "promise_period_reversed").into());
        }
        let mut activities = Vec::new();
        for (text, owner) in &input.activities {
            if text.trim().is_empty() {
                continue;
            }
            activities.push(NewActivity {
                text: promise::line("activities", text, 500)?,
                owner: Owner::parse(owner)?.code(),
            });
        }
        if activities.is_empty() {
            return Err(Invalid::new("activities", "promise_activity_required").into());
        }
        let mut indicators = Vec::new();
        for i in &input.indicators {
            if i.name.trim().is_empty() {
                continue;
            }
            let source = IndicatorSource::parse(&i.source, &i.categories)?;
            if source.computed() && area_id.is_none() {
                return Err(Invalid::new("indicators", "indicator_needs_area").into());
            }
            let id = match i.id.trim() {
                "" => None,
                s => Some(
                    s.parse::<PromiseIndicatorId>()
                        .map_err(|_| Invalid::new("indicators", "unknown_promise_indicator"))?,
                ),
            };
            indicators.push(NewIndicator {
                id,
                name: promise::line("indicators", &i.name, 200)?,
                source: match source {
                    IndicatorSource::Incidents { .. } => "incidents",
                    IndicatorSource::MeasuresDone => "measures_done",
                    IndicatorSource::Manual => "manual",
                },
                categories: source.categories_text(),
            });
        }
        if activities.len() > MAX_ROWS || indicators.len() > MAX_ROWS {
            return Err(Invalid::new("activities", "promise_too_many_rows").into());
        }
        Ok(NewPromise {
            title,
            statement,
            description,
            area_id,
            first_month: first.to_string(),
            last_month: last.map(|l| l.to_string()),
            activities,
            indicators,
            by: caller.user_id(),
            at: self.clock.now(),
        })
    }

    /// Creates a promise.
    pub async fn create_promise(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        input: PromiseInput,
    ) -> Result<PromiseId> {
        caller.require(Action::ManagePromises)?;
        let new = self.parse_promise(caller, &input).await?;
        let audit = draft(
            caller,
            meta,
            new.at,
            "promise_created",
            "promise",
            None,
            json!({ "title": new.title, "activities": new.activities.len(), "indicators": new.indicators.len() }),
        );
        Ok(self.db.create_promise(&new, audit).await?)
    }

    /// Changes a promise. Indicators left out are retired, not deleted, so published
    /// reports keep theirs; an indicator id of another promise is refused.
    pub async fn update_promise(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: PromiseId,
        input: PromiseInput,
    ) -> Result<()> {
        caller.require(Action::ManagePromises)?;
        self.db.promise(id).await?.ok_or(Error::NotFound)?;
        let new = self.parse_promise(caller, &input).await?;
        let audit = draft(
            caller,
            meta,
            new.at,
            "promise_changed",
            "promise",
            Some(id.to_string()),
            json!({ "title": new.title, "activities": new.activities.len(), "indicators": new.indicators.len() }),
        );
        self.db
            .update_promise(id, &new, audit)
            .await
            .map_err(|e| match e {
                trygg_store::StoreError::NotFound => {
                    Error::Invalid(Invalid::new("indicators", "unknown_promise_indicator"))
                }
                other => other.into(),
            })
    }

    /// Every promise with its report counts, for the coordinators.
    pub async fn promises(&self, caller: &Caller) -> Result<Vec<PromiseSummary>> {
        caller.require(Action::ManagePromises)?;
        let mut out = Vec::new();
        for p in self.db.promises().await? {
            let reports = self.db.promise_reports(p.id, false).await?;
            let published = reports.iter().filter(|r| r.status == "published").count();
            out.push(PromiseSummary {
                drafts: reports.len() - published,
                published,
                latest_month: reports.last().map(|r| r.month.clone()),
                promise: p,
            });
        }
        Ok(out)
    }

    /// One promise with every report, drafts included, for the coordinators.
    pub async fn promise_detail(&self, caller: &Caller, id: PromiseId) -> Result<PromiseDetail> {
        caller.require(Action::ManagePromises)?;
        let promise = self.db.promise(id).await?.ok_or(Error::NotFound)?;
        Ok(PromiseDetail {
            activities: activities_of(self.db.promise_activities(id).await?),
            indicators: self
                .db
                .promise_indicators(id)
                .await?
                .iter()
                .map(indicator_of)
                .collect::<Result<_>>()?,
            reports: self.db.promise_reports(id, false).await?,
            promise,
        })
    }

    /// One report (draft or published), for the coordinators.
    pub async fn promise_report(
        &self,
        caller: &Caller,
        id: PromiseReportId,
    ) -> Result<PromiseReportRow> {
        caller.require(Action::ManagePromises)?;
        self.db.promise_report(id).await?.ok_or(Error::NotFound)
    }

    /// The value Trygg computes for an indicator in a month, or `None` when it cannot
    /// (typed-in indicators, promises without an area).
    pub async fn compute_indicator(
        &self,
        area: Option<AreaId>,
        source: &IndicatorSource,
        month: Month,
    ) -> Result<Option<i64>> {
        let Some(area) = area else { return Ok(None) };
        match source {
            IndicatorSource::Manual => Ok(None),
            IndicatorSource::Incidents { categories } => {
                let counts = self
                    .db
                    .incident_counts_by_category(area, month.start(), month.end())
                    .await?;
                // A retired code counts under the code that replaced it, as in the
                // lägesbild; either naming it in the indicator counts it once.
                let named = |c: &str| categories.iter().any(|x| x == c);
                Ok(Some(
                    counts
                        .iter()
                        .filter(|c| named(&c.code) || c.replaced_by.as_deref().is_some_and(named))
                        .map(|c| c.n)
                        .sum(),
                ))
            }
            IndicatorSource::MeasuresDone => {
                let (from, to) = (month.start(), month.end());
                let measures = self
                    .db
                    .measures(&MeasureFilter {
                        visibility: MeasureVisibility {
                            all: true,
                            ..Default::default()
                        },
                        statuses: vec!["done".into(), "confirmed".into()],
                        area: Some(area),
                        today: self.promise_today().to_string(),
                        limit: 10_000,
                        ..Default::default()
                    })
                    .await?;
                Ok(Some(
                    measures
                        .iter()
                        .filter(|m| {
                            m.values
                                .completed_at
                                .is_some_and(|at| at >= from && at < to)
                        })
                        .count() as i64,
                ))
            }
        }
    }

    /// The computed values of a promise's current indicators for a month (to prefill
    /// the report form).
    pub async fn computed_values(
        &self,
        caller: &Caller,
        id: PromiseId,
        month: Month,
    ) -> Result<Vec<(PromiseIndicatorId, Option<i64>)>> {
        caller.require(Action::ManagePromises)?;
        let p = self.db.promise(id).await?.ok_or(Error::NotFound)?;
        let mut out = Vec::new();
        for row in self.db.promise_indicators(id).await? {
            let ind = indicator_of(&row)?;
            if ind.retired {
                continue;
            }
            out.push((
                ind.id,
                self.compute_indicator(p.area_id, &ind.source, month)
                    .await?,
            ));
        }
        Ok(out)
    }

    /// Writes the month's report as a draft (again, while it is one). Empty values of
    /// computed indicators take the computed value. A published month is final
    /// (`promise_report_published`).
    pub async fn save_promise_report(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: PromiseId,
        input: ReportInput,
    ) -> Result<PromiseReportId> {
        caller.require(Action::ManagePromises)?;
        let p = self.db.promise(id).await?.ok_or(Error::NotFound)?;
        let month = Month::parse("month", &input.month)?;
        let first = month_of(&p.first_month)?;
        let last = p.last_month.as_deref().map(month_of).transpose()?;
        promise::check_report_month(month, first, last, self.promise_today())?;
        let done_text = promise::optional_text("done_text", &input.done_text, 8000)?
            .ok_or(Invalid::new("done_text", "required"))?;
        let comments = promise::optional_text("comments", &input.comments, 4000)?;
        let mut values = Vec::new();
        for row in self.db.promise_indicators(id).await? {
            let ind = indicator_of(&row)?;
            if ind.retired {
                continue;
            }
            let typed = input
                .values
                .iter()
                .find(|(i, _)| *i == ind.id)
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            let typed = promise::indicator_value(typed)?;
            let computed = self
                .compute_indicator(p.area_id, &ind.source, month)
                .await?;
            let value = typed.or(computed);
            values.push(NewValue {
                indicator_id: ind.id,
                name: ind.name,
                value,
                computed: computed.is_some() && value == computed,
            });
        }
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "promise_report_saved",
            "promise_report",
            None,
            json!({ "promise": id.0, "month": month.to_string(), "values": values.len() }),
        );
        let new = NewPromiseReport {
            promise_id: id,
            month: month.to_string(),
            done_text,
            comments,
            values,
            by: caller.user_id(),
            at: now,
        };
        Ok(self.db.save_promise_report(&new, audit).await?)
    }

    /// Publishes a draft report: from now on the public sees it, and it never changes.
    pub async fn publish_promise_report(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: PromiseReportId,
    ) -> Result<()> {
        caller.require(Action::PublishPromiseReports)?;
        let r = self.db.promise_report(id).await?.ok_or(Error::NotFound)?;
        ReportStatus::parse(&r.status)
            .unwrap_or(ReportStatus::Published)
            .ensure_editable()
            .map_err(Error::Refused)?;
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "promise_report_published",
            "promise_report",
            Some(id.to_string()),
            json!({ "promise": r.promise_id.0, "month": r.month }),
        );
        Ok(self
            .db
            .publish_promise_report(id, caller.user_id(), now, audit)
            .await?)
    }

    async fn public_of(&self, p: PromiseRow) -> Result<Option<PublicPromise>> {
        let reports: Vec<PublicReport> = self
            .db
            .promise_reports(p.id, true)
            .await?
            .iter()
            .filter_map(PublicReport::of)
            .collect();
        if reports.is_empty() {
            return Ok(None);
        }
        // The indicators as the reports name them, in order of the stored indicators;
        // the newest report's name wins.
        let order = self.db.promise_indicators(p.id).await?;
        let mut indicators: Vec<(PromiseIndicatorId, String)> = Vec::new();
        for row in &order {
            if let Some(name) = reports
                .iter()
                .rev()
                .find_map(|r| r.values.iter().find(|v| v.indicator_id == row.id))
                .map(|v| v.name.clone())
            {
                indicators.push((row.id, name));
            }
        }
        Ok(Some(PublicPromise {
            id: p.id,
            activities: activities_of(self.db.promise_activities(p.id).await?),
            title: p.title,
            statement: p.statement,
            description: p.description,
            area_name: p.area_name,
            first_month: p.first_month,
            last_month: p.last_month,
            indicators,
            reports,
        }))
    }

    /// The promises with at least one published report, and only those reports.
    pub async fn public_promises(&self) -> Result<Vec<PublicPromise>> {
        let mut out = Vec::new();
        for p in self.db.promises().await? {
            if let Some(pp) = self.public_of(p).await? {
                out.push(pp);
            }
        }
        Ok(out)
    }

    /// One promise as the public reads it; `NotFound` until a report is published.
    pub async fn public_promise(&self, id: PromiseId) -> Result<PublicPromise> {
        let p = self.db.promise(id).await?.ok_or(Error::NotFound)?;
        self.public_of(p).await?.ok_or(Error::NotFound)
    }

    /// The newest published reports of every promise, for the Atom feed.
    pub async fn promise_feed(&self) -> Result<Vec<FeedEntry>> {
        let mut out = Vec::new();
        let mut titles: Vec<(PromiseId, String)> = Vec::new();
        for r in self.db.published_promise_reports(FEED_ENTRIES).await? {
            let Some(report) = PublicReport::of(&r) else {
                continue;
            };
            let title = match titles.iter().find(|(id, _)| *id == r.promise_id) {
                Some((_, t)) => t.clone(),
                None => {
                    let t = self
                        .db
                        .promise(r.promise_id)
                        .await?
                        .map(|p| p.title)
                        .unwrap_or_default();
                    titles.push((r.promise_id, t.clone()));
                    t
                }
            };
            out.push(FeedEntry {
                promise_title: title,
                report,
            });
        }
        Ok(out)
    }
}
