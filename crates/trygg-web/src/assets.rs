//! The browser assets (htmx, Leaflet, our CSS and JavaScript), embedded in the binary.
//!
//! `build.rs` copies them from `web/node_modules` (installed by `npm ci --prefix web` from
//! the committed lockfile) and from `crates/trygg-web/static/`, and generates the table
//! included below; no CDN is used at run time and nothing third-party is committed.
//!
//! Names:
//! - the *logical* name is what code and templates ask for: `"app.css"`, `"htmx.min.js"`,
//!   `"images/marker-icon.png"`;
//! - the *public* name is the one in the URL. Top-level files carry the first 8 hex digits
//!   of their SHA-256 (`htmx.min.3f2a9c1b.js`) and are cached for a year as immutable, so
//!   every release busts the cache exactly for the files that changed. Files in a
//!   sub-folder keep their plain name (`/assets/images/marker-icon.png`) because
//!   `leaflet.css` and Leaflet's icon code refer to them by relative, plain names; they
//!   are cached for a day instead.
//!
//! The router mounts [`serve`] at `/assets/{*name}`; templates link with [`url`], e.g.
//! `<link rel="stylesheet" href="{{ assets::url("app.css") }}">`.

use std::sync::{Mutex, PoisonError};

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The URL prefix under which [`serve`] is mounted.
pub const PREFIX: &str = "/assets/";

/// `Cache-Control` for hashed names: the content of such a URL can never change.
const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` for plain names (Leaflet's images): they change only when Leaflet is
/// upgraded, and a day-old marker icon after an upgrade is harmless.
const CACHE_PLAIN: &str = "public, max-age=86400";

/// One row of the generated table.
struct Entry {
    logical: &'static str,
    public: &'static str,
    url: &'static str,
    content_type: &'static str,
    immutable: bool,
    bytes: &'static [u8],
}

mod generated {
    use super::Entry;
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// An embedded file, as found by [`lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// The file's content.
    pub bytes: &'static [u8],
    /// The `Content-Type` header value, with `charset=utf-8` for text.
    pub content_type: &'static str,
    /// Whether the public name carries a content hash, so that the response may be
    /// cached forever.
    pub immutable: bool,
}

/// The URL of the asset with the given logical name: `url("app.css")` is
/// `"/assets/app.1a2b3c4d.css"`, `url("images/marker-icon.png")` is
/// `"/assets/images/marker-icon.png"`.
///
/// An unknown name is a programming error (a typo in a template, a file not added to
/// `static/`). Rather than failing the page, it falls back to the plain path
/// `"/assets/<logical>"`, which answers 404, so the browser's network log shows exactly
/// which name was asked for; a warning is logged once per name. This holds in debug and
/// release builds alike. The fallback strings are interned (leaked once per distinct
/// name), which is bounded because logical names come from the source code, never from
/// requests.
pub fn url(logical: &str) -> &'static str {
    match generated::TABLE
        .iter()
        .find(|entry| entry.logical == logical)
    {
        Some(entry) => entry.url,
        None => unknown_url(logical),
    }
}

fn unknown_url(logical: &str) -> &'static str {
    static UNKNOWN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let plain = format!("{PREFIX}{logical}");
    // A poisoned lock only means another thread panicked while holding it; the list
    // itself is always in a consistent state.
    let mut unknown = UNKNOWN.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = unknown.iter().find(|url| **url == plain) {
        return known;
    }
    tracing::warn!(
        asset = logical,
        "unknown asset name; its URL will answer 404"
    );
    let leaked: &'static str = Box::leak(plain.into_boxed_str());
    unknown.push(leaked);
    leaked
}

/// The asset served under `/assets/<public_name>`, if any. Only public names resolve:
/// the unhashed name of a hashed file does not, so that nothing can end up cached under
/// a URL whose content changes between releases.
pub fn lookup(public_name: &str) -> Option<Asset> {
    generated::TABLE
        .iter()
        .find(|entry| entry.public == public_name)
        .map(|entry| Asset {
            bytes: entry.bytes,
            content_type: entry.content_type,
            immutable: entry.immutable,
        })
}

/// The handler for `GET /assets/{*name}` (HEAD is answered by axum from the same route).
///
/// 200 with the embedded bytes, `Content-Type`, `Cache-Control` (a year and `immutable`
/// for hashed names, a day otherwise) and `X-Content-Type-Options: nosniff`; 404 for any
/// other name.
pub async fn serve(Path(name): Path<String>) -> Response {
    let nosniff = (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    match lookup(&name) {
        Some(asset) => {
            let cache = if asset.immutable {
                CACHE_IMMUTABLE
            } else {
                CACHE_PLAIN
            };
            (
                StatusCode::OK,
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(asset.content_type),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
                    nosniff,
                ],
                asset.bytes,
            )
                .into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
                nosniff,
            ],
            "Not found",
        )
            .into_response(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn hash8(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn public_name(logical: &str) -> &'static str {
        url(logical).strip_prefix(PREFIX).unwrap()
    }

    #[test]
    fn every_expected_asset_is_embedded() {
        for logical in [
            "htmx.min.js",
            "leaflet.js",
            "leaflet.css",
            "app.css",
            "app.js",
            "images/marker-icon.png",
            "images/marker-icon-2x.png",
            "images/marker-shadow.png",
            "images/layers.png",
            "images/layers-2x.png",
        ] {
            let public = public_name(logical);
            let asset = lookup(public).unwrap_or_else(|| panic!("{logical} is not embedded"));
            assert!(!asset.bytes.is_empty(), "{logical} is empty");
        }
    }

    #[test]
    fn top_level_names_carry_the_content_hash_before_the_extension() {
        let public = public_name("htmx.min.js");
        let asset = lookup(public).unwrap();
        assert_eq!(public, format!("htmx.min.{}.js", hash8(asset.bytes)));
        assert!(asset.immutable);
        assert_eq!(asset.content_type, "text/javascript; charset=utf-8");

        let public = public_name("app.css");
        let asset = lookup(public).unwrap();
        assert_eq!(public, format!("app.{}.css", hash8(asset.bytes)));
        assert_eq!(asset.content_type, "text/css; charset=utf-8");
    }

    #[test]
    fn images_keep_their_plain_names() {
        assert_eq!(
            url("images/marker-icon.png"),
            "/assets/images/marker-icon.png"
        );
        let asset = lookup("images/marker-icon.png").unwrap();
        assert!(!asset.immutable);
        assert_eq!(asset.content_type, "image/png");
        assert_eq!(&asset.bytes[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn every_image_leaflet_css_refers_to_resolves_next_to_it() {
        // leaflet.css is served at /assets/leaflet.<hash>.css, so its relative
        // `url(images/x.png)` resolves to /assets/images/x.png.
        let css = std::str::from_utf8(lookup(public_name("leaflet.css")).unwrap().bytes).unwrap();
        let referenced: Vec<&str> = css
            .split("url(")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
            .map(|target| target.trim_matches(['"', '\'']))
            .filter(|target| target.starts_with("images/"))
            .collect();
        assert!(
            referenced.len() >= 3,
            "leaflet.css changed shape: {referenced:?}"
        );
        for target in referenced {
            assert!(
                lookup(target).is_some(),
                "leaflet.css refers to missing {target}"
            );
        }
    }

    #[test]
    fn unhashed_names_of_hashed_files_and_strangers_are_not_found() {
        assert_eq!(lookup("htmx.min.js"), None);
        assert_eq!(lookup("app.css"), None);
        assert_eq!(lookup(""), None);
        assert_eq!(lookup("../Cargo.toml"), None);
        assert_eq!(lookup("images/"), None);
    }

    #[test]
    fn unknown_logical_names_fall_back_to_the_plain_path_once() {
        let first = url("no-such-file.css");
        assert_eq!(first, "/assets/no-such-file.css");
        let second = url("no-such-file.css");
        assert!(
            std::ptr::eq(first, second),
            "the fallback should be interned"
        );
        assert_eq!(lookup("no-such-file.css"), None);
    }

    #[tokio::test]
    async fn serve_answers_hashed_names_with_immutable_caching() {
        let public = public_name("app.js");
        let response = serve(Path(public.to_owned())).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }

    #[tokio::test]
    async fn serve_answers_plain_images_without_immutable() {
        let response = serve(Path("images/layers.png".to_owned())).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "image/png");
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=86400");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }

    #[tokio::test]
    async fn serve_answers_404_for_unknown_names() {
        for name in ["htmx.min.js", "nope.js", "images/../app.css"] {
            let response = serve(Path(name.to_owned())).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{name}");
            assert_eq!(
                response.headers()[header::X_CONTENT_TYPE_OPTIONS],
                "nosniff"
            );
        }
    }
}
