//! Photos on pages: the upload extractor (multipart, streamed, CSRF-checked), the
//! thumbnails on the incident page with the form to add more, and the photo routes.
//!
//! Uploads are not buffered by the CSRF guard (a phone photo is several megabytes): the
//! guard lets `multipart/form-data` through only to the routes in [`UPLOAD_ROUTES`] and
//! marks whether the `X-CSRF-Token` header already proved the request; otherwise
//! [`Upload`] requires the form's *first* field to be the CSRF token and refuses before
//! reading anything else. Every file is limited in bytes while it streams.
//!
//! Photos are answered with `Cache-Control: private, no-store` (they may show people:
//! no cache on a shared computer or proxy keeps them), `X-Content-Type-Options:
//! nosniff`, a sandboxing CSP and the content type we encoded them in; every answer is
//! an audited read (see `trygg_core::photos`).

use askama::Template;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use trygg_core::Caller;
use trygg_domain::Invalid;
use trygg_domain::incident::photo::{self, PhotoLimits};
use trygg_domain::incident::{IncidentId, PhotoId};
use trygg_domain::policy::Action;
use trygg_store::incident::IncidentRow;
use trygg_store::photo::{PhotoData, PhotoRow, PhotoVariant};

use super::{FormData, PageResult, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::error::plain;
use crate::i18n::Lang;

/// The routes that take `multipart/form-data`; the guard refuses it everywhere else.
pub const UPLOAD_ROUTES: &[&str] = &[
    "/rapportera",
    "/incidenter/{id}/foton",
    "/api/v1/incidents/{id}/photos",
    "/walks/{id}/observations",
    "/measures/{id}/evidence",
];

/// The largest upload request: a report of several incidents with photos from a phone.
/// Each file is further limited to `PhotoLimits::max_bytes`.
pub const UPLOAD_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Text fields of an upload form, in total (the form itself is small).
const TEXT_LIMIT: usize = 1024 * 1024;

/// Set by the CSRF guard on a multipart request: `true` when the `X-CSRF-Token` header
/// (or an API token) already proved it, `false` when [`Upload`] must check the field.
#[derive(Debug, Clone, Copy)]
pub struct CsrfChecked(pub bool);

/// Whether a request's body is `multipart/form-data`.
pub fn is_multipart(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// A form that may carry files: its text fields, and the files by field name.
pub struct Upload {
    pub form: FormData,
    /// (field name, bytes) of every non-empty file, in the order sent.
    pub files: Vec<(String, Vec<u8>)>,
    /// Field names of files over the byte limit (not kept).
    pub too_large: Vec<String>,
    /// The body was `multipart/form-data` (else a plain form without files).
    pub multipart: bool,
}

impl Upload {
    /// The files of one field.
    pub fn files_of(&self, field: &str) -> Vec<Vec<u8>> {
        self.files
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, b)| b.clone())
            .collect()
    }

    pub fn any_files(&self) -> bool {
        !self.files.is_empty() || !self.too_large.is_empty()
    }
}

impl FromRequest<AppState> for Upload {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_multipart(req.headers()) {
            let form = FormData::from_request(req, state).await?;
            return Ok(Self {
                form,
                files: Vec::new(),
                too_large: Vec::new(),
                multipart: false,
            });
        }
        let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
            return Err(plain(StatusCode::INTERNAL_SERVER_ERROR, "internal"));
        };
        // Without the guard's mark the request did not pass the guard: refuse.
        // (An integration's bearer request needs no CSRF check and gets no mark.)
        let mut verified = match req.extensions().get::<CsrfChecked>().copied() {
            Some(CsrfChecked(v)) => v,
            None if ctx.integration.is_some() => true,
            None => return Err(plain(StatusCode::FORBIDDEN, "csrf_failed")),
        };
        let max_bytes = state.trygg.settings.photos.max_bytes;
        let mut multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut pairs = Vec::new();
        let mut files = Vec::new();
        let mut too_large = Vec::new();
        let mut text_bytes = 0;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(&e)),
            };
            let name = field.name().unwrap_or("").to_owned();
            let is_file = field.file_name().is_some();
            if !verified {
                // The token must come first, before anything is read or kept.
                if name != "csrf_token" || is_file {
                    return Err(plain(StatusCode::FORBIDDEN, "csrf_failed"));
                }
                let token = field.text().await.map_err(|e| multipart_error(&e))?;
                if !trygg_core::secret::same(&token, &ctx.csrf) {
                    return Err(plain(StatusCode::FORBIDDEN, "csrf_failed"));
                }
                verified = true;
                continue;
            }
            let mut field = field;
            let mut bytes = Vec::new();
            let mut over = false;
            let limit = if is_file { max_bytes } else { TEXT_LIMIT };
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        // Past the limit the rest is read (to reach the next field)
                        // but not kept.
                        if !over && bytes.len() + chunk.len() > limit {
                            over = true;
                            bytes = Vec::new();
                        }
                        if !over {
                            bytes.extend_from_slice(&chunk);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(multipart_error(&e)),
                }
            }
            if is_file {
                if over {
                    too_large.push(name);
                } else if !bytes.is_empty() {
                    // A file input left empty sends an empty part: not a photo.
                    files.push((name, bytes));
                }
            } else {
                text_bytes += bytes.len();
                if over || text_bytes > TEXT_LIMIT {
                    return Err(plain(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));
                }
                pairs.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        if !verified {
            return Err(plain(StatusCode::FORBIDDEN, "csrf_failed"));
        }
        Ok(Self {
            form: FormData(pairs),
            files,
            too_large,
            multipart: true,
        })
    }
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        plain(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    } else {
        plain(StatusCode::BAD_REQUEST, "invalid_upload")
    }
}

/// Cleans the files of one field: too large ones, too many, or any that is not a
/// photo refuse the lot with the reason.
pub async fn clean_field(
    upload: &Upload,
    field: &str,
    limits: PhotoLimits,
) -> Result<Vec<photo::CleanPhoto>, Invalid> {
    if upload.too_large.iter().any(|f| f == field) {
        return Err(Invalid::new(photo::FIELD, photo::PHOTO_TOO_LARGE));
    }
    trygg_core::photos::clean(upload.files_of(field), limits)
        .await
        .map_err(|(_, e)| e)
}

// ---------------------------------------------------------------- serving photos

/// The response for a photo's bytes.
pub fn photo_response(data: PhotoData, variant: PhotoVariant) -> Response {
    let ext = if data.content_type == "image/png" {
        "png"
    } else {
        "jpg"
    };
    let name = format!(
        "incident-{}-foto-{}{}.{ext}",
        data.row.incident_id.0,
        data.row.id.0,
        if variant == PhotoVariant::Thumb {
            "-miniatyr"
        } else {
            ""
        }
    );
    let mut res = data.bytes.into_response();
    let h = res.headers_mut();
    let mut set = |k: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(header::CONTENT_TYPE, &data.content_type);
    set(header::CACHE_CONTROL, "private, no-store");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        header::CONTENT_DISPOSITION,
        &format!("inline; filename=\"{name}\""),
    );
    res
}

async fn serve(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    photo: i64,
    variant: PhotoVariant,
) -> PageResult {
    let data = state
        .trygg
        .photo(
            &ctx.caller(),
            &ctx.meta(),
            IncidentId(id),
            PhotoId(photo),
            variant,
        )
        .await?;
    let mut res = photo_response(data, variant);
    // Opened on its own, the picture is a document: it may run nothing.
    res.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"),
    );
    Ok(res)
}

/// `GET /incidenter/{id}/foton/{photo}`: the photo.
pub async fn full(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(i64, i64)>,
) -> PageResult {
    serve(&state, &ctx, id, photo, PhotoVariant::Full).await
}

/// `GET /incidenter/{id}/foton/{photo}/miniatyr`: its thumbnail.
pub async fn thumb(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(i64, i64)>,
) -> PageResult {
    serve(&state, &ctx, id, photo, PhotoVariant::Thumb).await
}

// ---------------------------------------------------------------- the incident page

/// One thumbnail on the incident page.
pub struct Thumb {
    pub href: String,
    pub src: String,
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

/// The photos part of the incident page.
#[derive(Template)]
#[template(path = "photos/_gallery.html")]
pub struct Gallery {
    pub lang: Lang,
    pub incident: i64,
    pub thumbs: Vec<Thumb>,
    /// The caller may add photos (shows the form).
    pub can_add: bool,
    pub room: usize,
    pub csrf: String,
    /// How adding photos went, when the page is the answer to it.
    pub added: Option<String>,
    pub error: Option<String>,
}

impl Gallery {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }
}

/// Who may add photos to an incident (the core checks again).
fn may_add(caller: &Caller, row: &IncidentRow) -> bool {
    if caller.require(Action::FileReport).is_err() {
        return false;
    }
    caller.require(Action::ReviewIncidents).is_ok()
        || (row.reporter_user_id.is_some() && row.reporter_user_id == caller.user_id())
}

/// The gallery for an incident page; `query` is the page's query string, which says
/// how adding photos went (`foton=tillagda` or `fotofel=<code>`).
pub async fn gallery(
    state: &AppState,
    ctx: &Ctx,
    row: &IncidentRow,
) -> Result<Gallery, crate::WebError> {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let photos: Vec<PhotoRow> = state.trygg.incident_photos(&caller, row.id).await?;
    let limits = state.trygg.settings.photos;
    let total = photos.len();
    let thumbs = photos
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let scale = (f64::from(limits.thumb_edge) / p.width.max(p.height) as f64).min(1.0);
            Thumb {
                href: format!("/incidenter/{}/foton/{}", row.id.0, p.id.0),
                src: format!("/incidenter/{}/foton/{}/miniatyr", row.id.0, p.id.0),
                alt: lang.t_args(
                    "photos-alt",
                    &[
                        ("number", (n + 1).to_string()),
                        ("total", total.to_string()),
                        ("id", row.id.0.to_string()),
                    ],
                ),
                width: ((p.width as f64 * scale).round() as i64).max(1),
                height: ((p.height as f64 * scale).round() as i64).max(1),
            }
        })
        .collect();
    let query = ctx.path.split_once('?').map(|(_, q)| q).unwrap_or("");
    let (mut added, mut error) = (None, None);
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "foton" if v == "tillagda" => added = Some(lang.t("photos-added")),
            // Only codes of the photo module are shown; anything else reads as unknown.
            "fotofel" => {
                let code = [
                    photo::PHOTO_TYPE_NOT_ALLOWED,
                    photo::PHOTO_TOO_LARGE,
                    photo::PHOTO_TOO_MANY_PIXELS,
                    photo::PHOTO_EMPTY,
                    photo::PHOTO_UNREADABLE,
                    photo::TOO_MANY_PHOTOS,
                    "required",
                ]
                .into_iter()
                .find(|c| *c == v)
                .unwrap_or("unknown");
                error = Some(lang.error(code));
            }
            _ => {}
        }
    }
    Ok(Gallery {
        lang,
        incident: row.id.0,
        can_add: may_add(&caller, row) && total < limits.max_per_incident,
        room: limits.max_per_incident.saturating_sub(total),
        thumbs,
        csrf: ctx.csrf.clone(),
        added,
        error,
    })
}

/// `POST /incidenter/{id}/foton`: adds photos from the incident page (PRG: back to the
/// page with the outcome in the query).
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    upload: Upload,
) -> PageResult {
    let back = |q: &str| see_other(&format!("/incidenter/{id}?{q}#foton"));
    let limits = state.trygg.settings.photos;
    let photos = match clean_field(&upload, "photos", limits).await {
        Ok(p) if p.is_empty() => return Ok(back("fotofel=required")),
        Ok(p) => p,
        Err(e) => return Ok(back(&format!("fotofel={}", e.code))),
    };
    match state
        .trygg
        .add_photos(&ctx.caller(), &ctx.meta(), IncidentId(id), photos)
        .await
    {
        Ok(_) => Ok(back("foton=tillagda")),
        Err(trygg_core::Error::Invalid(e)) => Ok(back(&format!("fotofel={}", e.code))),
        Err(e) => Err(e.into()),
    }
}
