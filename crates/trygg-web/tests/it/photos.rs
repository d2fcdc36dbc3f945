//! Photos through the web, on both databases: the report form as `multipart/form-data`
//! (what a browser without JavaScript sends), thumbnails on the incident page, the
//! photo routes' headers, the refusal of a user of another organisation by every photo
//! route, the audit of each read, and a bad photo refusing the whole report.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use tower::ServiceExt;
use trygg_core::Caller;
use trygg_domain::account::Role;
use trygg_store::incident::IncidentFilter;
use trygg_store::{Store, on_both_backends};

use crate::harness::{Browser, ORIGIN, TestApp};

const SECRET: &[u8] = b"GPS 58.4109N 15.6216E Storgatan 1";

/// A small JPEG with an EXIF APP1 segment and a comment, both holding [`SECRET`].
fn phone_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(96, 64, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 3) as u8, 140])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .unwrap();
    let mut app1 = b"Exif\0\0II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
    app1.extend_from_slice(SECRET);
    let mut out = vec![0xFF, 0xD8];
    for (marker, payload) in [(0xE1u8, &app1[..]), (0xFE, SECRET)] {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A part of a multipart body: a text field, or a file (name, file name, bytes).
enum Part<'a> {
    Text(&'a str, String),
    File(&'a str, &'a str, &'a str, Vec<u8>),
}

const BOUNDARY: &str = "----trygg-test-boundary-7MA4YWxkTrZu0gW";

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
            }
            Part::File(name, file_name, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

struct Raw {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(app: &TestApp, req: Request<Body>) -> Raw {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 20 << 20)
        .await
        .unwrap()
        .to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

async fn get(app: &TestApp, path: &str, b: &Browser) -> Raw {
    let req = Request::builder()
        .uri(path)
        .header(header::COOKIE, b.cookie_header())
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

/// A multipart POST from our own origin; the CSRF token travels as the first field
/// (as the forms put it) unless `csrf_header` sends it in the header instead.
async fn post_multipart(
    app: &TestApp,
    path: &str,
    b: &Browser,
    parts: &[Part<'_>],
    csrf_header: bool,
) -> Raw {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, b.cookie_header());
    if csrf_header {
        req = req.header("x-csrf-token", &b.csrf);
    }
    send(app, req.body(Body::from(multipart(parts))).unwrap()).await
}

/// The report form's fields for one incident, CSRF token first, and its photos.
fn report<'a>(
    b: &Browser,
    description: &str,
    sharing: &str,
    photos: Vec<Part<'a>>,
) -> Vec<Part<'a>> {
    let mut parts = vec![Part::Text("csrf_token", b.csrf.clone())];
    for (k, v) in [
        ("idempotency_key", format!("photo-{description}")),
        ("count", "1".into()),
        ("action", "submit".into()),
        ("i0.category", "klotter".into()),
        ("i0.description", description.into()),
        ("i0.crs", "wgs84".into()),
        ("i0.lat", "58,41611".into()),
        ("i0.lon", "15,62583".into()),
        ("i0.occurred_at", "2027-01-14T22:30".into()),
        ("i0.insecurity", "ja".into()),
        ("i0.severity", "".into()),
        ("i0.sharing", sharing.into()),
    ] {
        parts.push(Part::Text(k, v));
    }
    parts.extend(photos);
    parts
}

/// Every incident id, newest first (read as the system: no login, no audit entry).
async fn incident_ids(app: &TestApp) -> Vec<i64> {
    let (rows, _) = app
        .trygg
        .incidents(
            &Caller::System,
            &IncidentFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    rows.iter().map(|r| r.id.0).collect()
}

/// The first `href="/incidenter/{id}/foton/{photo}"` on a page.
fn first_photo_link(html: &str, incident: i64) -> String {
    let marker = format!("href=\"/incidenter/{incident}/foton/");
    let start = html.find(&marker).expect("a photo link") + "href=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

on_both_backends!(
    a_report_with_a_photo_shows_its_thumbnail_and_serves_it_privately,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let reporter = app.login(Role::Rapportor).await;
        let form = app.get("/rapportera", Some(&reporter)).await;
        assert!(form.body.contains("enctype=\"multipart/form-data\""));
        assert!(form.body.contains("type=\"file\""));
        assert!(
            form.body
                .contains("accept=\"image/jpeg,image/png,image/webp\"")
        );

        let parts = report(
            &reporter,
            "Klotter med foto",
            "partners",
            vec![Part::File(
                "i0.photos",
                "IMG_0001.JPG",
                "image/jpeg",
                phone_jpeg(),
            )],
        );
        let sent = post_multipart(&app, "/rapportera", &reporter, &parts, false).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let id = incident_ids(&app).await[0];

        // The incident page shows the thumbnail, with alt text, linking to the photo.
        let page = get(&app, &format!("/incidenter/{id}"), &reporter).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        let link = first_photo_link(&html, id);
        assert!(html.contains(&format!("src=\"{link}/miniatyr\"")), "{html}");
        assert!(html.contains(&format!("alt=\"Foto 1 av 1 till händelse {id}")));

        let audit_before = app.trygg.db.audit_entries(0, 100_000).await.unwrap().len();
        for path in [link.clone(), format!("{link}/miniatyr")] {
            let photo = get(&app, &path, &reporter).await;
            assert_eq!(photo.status, StatusCode::OK, "{path}");
            assert_eq!(photo.headers[header::CONTENT_TYPE], "image/jpeg");
            assert_eq!(photo.headers[header::CACHE_CONTROL], "private, no-store");
            assert_eq!(photo.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert!(photo.body.starts_with(&[0xFF, 0xD8]));
            assert!(
                !contains(&photo.body, SECRET),
                "{path} still has the metadata"
            );
            assert!(!contains(&photo.body, b"Exif"));
        }
        let entries = app.trygg.db.audit_entries(0, 100_000).await.unwrap();
        let reads: Vec<_> = entries[audit_before..]
            .iter()
            .filter(|e| e.draft.action == "incident_photo_read")
            .collect();
        assert_eq!(reads.len(), 2, "each read is audited");

        // The API lists and serves it too.
        let list = get(&app, &format!("/api/v1/incidents/{id}/photos"), &reporter).await;
        assert_eq!(list.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_slice(&list.body).unwrap();
        let photo_url = json["photos"][0]["url"].as_str().unwrap().to_owned();
        assert_eq!(json["photos"][0]["content_type"], "image/jpeg");
        let thumb = get(&app, &format!("{photo_url}?variant=thumb"), &reporter).await;
        assert_eq!(thumb.status, StatusCode::OK);
        // (Every API answer is `no-store`, set by the middleware.)
        assert_eq!(thumb.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(thumb.headers[header::CONTENT_TYPE], "image/jpeg");
    }
);

on_both_backends!(
    another_organisation_cannot_fetch_the_photo_of_an_own_incident_by_any_route,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        // The reporter works for Stångåstaden; the analyst and the officer elsewhere.
        let reporter = app.login(Role::Rapportor).await;
        let parts = report(
            &reporter,
            "Bara vår organisation",
            "own",
            vec![Part::File("i0.photos", "a.jpg", "image/jpeg", phone_jpeg())],
        );
        let sent = post_multipart(&app, "/rapportera", &reporter, &parts, false).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let id = incident_ids(&app).await[0];
        let page = get(&app, &format!("/incidenter/{id}"), &reporter).await;
        let link = first_photo_link(&page.text(), id);
        let photo = link.rsplit('/').next().unwrap().to_owned();
        let routes = [
            format!("/incidenter/{id}"),
            link.clone(),
            format!("{link}/miniatyr"),
            format!("/api/v1/incidents/{id}/photos"),
            format!("/api/v1/incidents/{id}/photos/{photo}"),
            format!("/api/v1/incidents/{id}/photos/{photo}?variant=thumb"),
        ];
        let audit_before = app.trygg.db.audit_entries(0, 100_000).await.unwrap().len();
        for role in [Role::Analytiker, Role::Lasare] {
            let other = app.login(role).await;
            for path in &routes {
                let reply = get(&app, path, &other).await;
                assert!(
                    matches!(reply.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                    "{role:?} {path}: {}",
                    reply.status
                );
                assert!(!reply.body.starts_with(&[0xFF, 0xD8]));
            }
            // Nor may they add to it.
            let add = post_multipart(
                &app,
                &format!("/api/v1/incidents/{id}/photos"),
                &other,
                &[Part::File("photos", "b.jpg", "image/jpeg", phone_jpeg())],
                true,
            )
            .await;
            assert!(
                matches!(add.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                "{role:?}: {}",
                add.status
            );
        }
        let reads = app.trygg.db.audit_entries(0, 100_000).await.unwrap()[audit_before..]
            .iter()
            .filter(|e| e.draft.action == "incident_photo_read")
            .count();
        assert_eq!(reads, 0, "nothing was read");
        // The coordinator (who sees every incident) can.
        let coordinator = app.login(Role::Samordnare).await;
        assert_eq!(get(&app, &link, &coordinator).await.status, StatusCode::OK);
    }
);

on_both_backends!(
    a_bad_photo_refuses_the_whole_report_with_a_swedish_error,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let reporter = app.login(Role::Rapportor).await;
        let before = incident_ids(&app).await.len();
        let audit_before = app.trygg.db.audit_entries(0, 100_000).await.unwrap().len();
        // A text file named .jpg, sent as image/jpeg: the content decides.
        let parts = report(
            &reporter,
            "Foto som inte är ett foto",
            "partners",
            vec![
                Part::File("i0.photos", "ok.jpg", "image/jpeg", phone_jpeg()),
                Part::File(
                    "i0.photos",
                    "bild.jpg",
                    "image/jpeg",
                    b"hello, not a picture".to_vec(),
                ),
            ],
        );
        let reply = post_multipart(&app, "/rapportera", &reporter, &parts, false).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = reply.text();
        assert!(
            html.contains("Filen är inte en bild i JPEG, PNG eller WebP"),
            "{html}"
        );
        assert!(
            html.contains("href=\"#i0-photos\""),
            "the summary links to the field"
        );
        assert!(html.contains("Foton måste väljas igen"));
        assert!(
            html.contains("Foto som inte är ett foto"),
            "the text is kept"
        );
        assert_eq!(incident_ids(&app).await.len(), before, "nothing stored");
        assert_eq!(
            app.trygg.db.audit_entries(0, 100_000).await.unwrap().len(),
            audit_before
        );
        // A GIF is a picture, but not an accepted one.
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
        let parts = report(
            &reporter,
            "En gif",
            "partners",
            vec![Part::File("i0.photos", "a.png", "image/png", gif)],
        );
        let reply = post_multipart(&app, "/rapportera", &reporter, &parts, false).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(incident_ids(&app).await.len(), before);
    }
);

on_both_backends!(
    uploads_need_the_csrf_token_first_and_an_upload_route,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let reporter = app.login(Role::Rapportor).await;
        // The token after the files (or missing) is refused before anything is read.
        let mut parts = report(
            &reporter,
            "Token sist",
            "partners",
            vec![Part::File("i0.photos", "a.jpg", "image/jpeg", phone_jpeg())],
        );
        let token = parts.remove(0);
        parts.push(token);
        let reply = post_multipart(&app, "/rapportera", &reporter, &parts, false).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let mut forged = report(&reporter, "Fel token", "partners", vec![]);
        forged[0] = Part::Text("csrf_token", "0".repeat(64));
        let reply = post_multipart(&app, "/rapportera", &reporter, &forged, false).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        // A route that takes no files refuses multipart altogether.
        let coordinator = app.login(Role::Samordnare).await;
        let reply = post_multipart(
            &app,
            "/incidenter/1/granskning",
            &coordinator,
            &[Part::Text("csrf_token", coordinator.csrf.clone())],
            false,
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(incident_ids(&app).await.len(), 0);
    }
);

on_both_backends!(
    the_api_adds_photos_to_the_reporters_incident,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let reporter = app.login(Role::Rapportor).await;
        let sent = post_multipart(
            &app,
            "/rapportera",
            &reporter,
            &report(&reporter, "Först utan foto", "partners", vec![]),
            false,
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let id = incident_ids(&app).await[0];
        let path = format!("/api/v1/incidents/{id}/photos");
        let added = post_multipart(
            &app,
            &path,
            &reporter,
            &[
                Part::File("photos", "1.jpg", "image/jpeg", phone_jpeg()),
                Part::File("photos", "2.jpg", "application/octet-stream", phone_jpeg()),
            ],
            true,
        )
        .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
        let json: serde_json::Value = serde_json::from_slice(&added.body).unwrap();
        assert_eq!(json["photos"].as_array().unwrap().len(), 2);
        let refused = post_multipart(
            &app,
            &path,
            &reporter,
            &[Part::File(
                "photos",
                "x.webp",
                "image/webp",
                b"RIFF\0\0\0\0WEBPjunk".to_vec(),
            )],
            true,
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let json: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
        assert_eq!(json["error"]["code"], "photo_unreadable");
        // The page form adds too, and says so.
        let page = post_multipart(
            &app,
            &format!("/incidenter/{id}/foton"),
            &reporter,
            &[
                Part::Text("csrf_token", reporter.csrf.clone()),
                Part::File("photos", "3.jpg", "image/jpeg", phone_jpeg()),
            ],
            false,
        )
        .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let back = get(
            &app,
            page.headers[header::LOCATION].to_str().unwrap(),
            &reporter,
        )
        .await;
        assert!(back.text().contains("Fotona har lagts till."));
        let list = get(&app, &path, &reporter).await;
        let json: serde_json::Value = serde_json::from_slice(&list.body).unwrap();
        assert_eq!(json["photos"].as_array().unwrap().len(), 3);
    }
);
