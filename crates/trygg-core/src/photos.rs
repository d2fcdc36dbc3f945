//! Photos of incidents: cleaning uploads, attaching them (with a report or later), and
//! handing them out only to those who may see them, every read audited.
//!
//! Who may see a photo: whoever may see the incident *and* read its free text (see
//! [`Trygg::may_read_text`]). A photo can show people, faces, plates; ACCESS.md makes
//! such data need-to-know, so a reporter who sees another organisation's shared
//! incident on the map without its description does not see its photos either.
//! A photo that may not be read answers `NotFound`, like an incident one may not see,
//! so its existence is not revealed.
//!
//! Who may add photos to an existing incident: its reporter and the coordinators
//! (review rights); an integration for the incidents its organisation filed through
//! the API.

use serde_json::json;
use trygg_domain::Invalid;
use trygg_domain::incident::IncidentId;
use trygg_domain::incident::PhotoId;
use trygg_domain::incident::photo::{self, CleanPhoto, PhotoLimits};
use trygg_domain::policy::Action;
use trygg_store::PhotoStore;
use trygg_store::incident::IncidentStore;
use trygg_store::photo::{NewPhoto, PhotoData, PhotoRow, PhotoVariant};

use crate::actor::draft;
use crate::incidents::IncidentInput;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// The store's form of a clean photo.
pub fn new_photo(p: &CleanPhoto) -> NewPhoto {
    NewPhoto {
        content_type: p.content_type().content_type().to_owned(),
        width: i64::from(p.width()),
        height: i64::from(p.height()),
        sha256: p.sha256().to_owned(),
        data: p.bytes().to_vec(),
        thumb: p.thumb().to_vec(),
    }
}

/// The photos of a report's incidents, by incident index, for `NewReport::photos`.
pub fn for_report(incidents: &[IncidentInput]) -> Vec<(usize, NewPhoto)> {
    incidents
        .iter()
        .enumerate()
        .flat_map(|(i, input)| input.photos.iter().map(move |p| (i, new_photo(p))))
        .collect()
}

/// Checks and re-encodes uploads off the async threads (decoding is CPU work). The
/// first refused upload names the reason; its position is the error's index.
pub async fn clean(
    uploads: Vec<Vec<u8>>,
    limits: PhotoLimits,
) -> std::result::Result<Vec<CleanPhoto>, (usize, Invalid)> {
    limits.check_count(uploads.len()).map_err(|e| (0, e))?;
    tokio::task::spawn_blocking(move || {
        uploads
            .iter()
            .enumerate()
            .map(|(i, u)| CleanPhoto::parse(u, &limits).map_err(|e| (i, e)))
            .collect()
    })
    .await
    .map_err(|_| (0, Invalid::new(photo::FIELD, photo::PHOTO_UNREADABLE)))?
}

impl Trygg {
    /// The photos of an incident the caller may see them of; an empty list when the
    /// caller sees the incident but not its details.
    pub async fn incident_photos(&self, caller: &Caller, id: IncidentId) -> Result<Vec<PhotoRow>> {
        let v = self.incident_visibility(caller)?;
        let row = self.db.incident(id, v).await?.ok_or(Error::NotFound)?;
        if !Self::may_read_text(caller, &row) {
            return Ok(Vec::new());
        }
        Ok(self.db.photos(id).await?)
    }

    /// One photo (or its thumbnail), if the caller may see it; the read is audited in
    /// the same transaction.
    pub async fn photo(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: IncidentId,
        photo: PhotoId,
        variant: PhotoVariant,
    ) -> Result<PhotoData> {
        let v = self.incident_visibility(caller)?;
        let row = self.db.incident(id, v).await?.ok_or(Error::NotFound)?;
        if !Self::may_read_text(caller, &row) {
            return Err(Error::NotFound);
        }
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "incident_photo_read",
            "incident_photo",
            Some(photo.0.to_string()),
            json!({ "incident": id.0, "variant": variant.code() }),
        );
        self.db
            .read_photo(id, photo, variant, audit)
            .await?
            .ok_or(Error::NotFound)
    }

    /// Adds clean photos to an existing incident (its reporter, a coordinator, or the
    /// integration that filed it), within the per-incident limit.
    pub async fn add_photos(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: IncidentId,
        photos: Vec<CleanPhoto>,
    ) -> Result<Vec<PhotoId>> {
        caller.require(Action::FileReport)?;
        let v = self.incident_visibility(caller)?;
        let row = self.db.incident(id, v).await?.ok_or(Error::NotFound)?;
        let is_reviewer = caller.require(Action::ReviewIncidents).is_ok();
        let is_reporter =
            row.reporter_user_id.is_some() && row.reporter_user_id == caller.user_id();
        let is_filing_integration = caller.api_token().is_some()
            && row.reporter_user_id.is_none()
            && Some(row.organisation_id) == caller.organisation_id();
        if !(is_reviewer || is_reporter || is_filing_integration) {
            return Err(Error::Forbidden);
        }
        if photos.is_empty() {
            return Err(Invalid::new(photo::FIELD, "required").into());
        }
        let limits = self.settings.photos;
        limits.check_count(photos.len())?;
        let new: Vec<NewPhoto> = photos.iter().map(new_photo).collect();
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "incident_photos_added",
            "incident",
            Some(id.0.to_string()),
            json!({ "photos": new.len() }),
        );
        self.db
            .add_photos(
                id,
                &new,
                caller.user_id(),
                limits.max_per_incident,
                self.clock.now(),
                audit,
            )
            .await
            .map_err(|e| match Error::from(e) {
                Error::Conflict("incident_photos_limit") => {
                    Invalid::new(photo::FIELD, photo::TOO_MANY_PHOTOS).into()
                }
                other => other,
            })
    }
}
