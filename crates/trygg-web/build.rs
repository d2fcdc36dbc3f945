//! Embeds the browser assets into the binary.
//!
//! Sources:
//! - the npm packages pinned in `web/package-lock.json` (htmx, Leaflet), taken from
//!   `web/node_modules` — nothing third-party is committed to the repository;
//! - our own files in `crates/trygg-web/static/`.
//!
//! Every file is copied into `OUT_DIR/assets/` and `OUT_DIR/assets.rs` is generated with
//! one table row per file (logical name, public name, content type, `include_bytes!` of
//! the copy), which `src/assets.rs` includes.
//!
//! Naming rule:
//! - a *top-level* file gets a content hash in its public name (`htmx.min.js` →
//!   `htmx.min.3f2a9c1b.js`, the first 8 hex digits of its SHA-256) and is served as
//!   immutable, so a new release can never be mixed with a cached old file;
//! - a file in a *sub-folder* (`images/marker-icon.png`) keeps its plain name, because
//!   other files point at it by a relative URL that we do not rewrite: `leaflet.css` says
//!   `url(images/layers.png)`, and Leaflet's JavaScript derives the marker icon URLs from
//!   that CSS path and appends the plain file names. Those files are served with a short
//!   cache lifetime instead of `immutable`.
//!
//! The copy (rather than `include_bytes!` straight from `node_modules`) makes the embedded
//! bytes exactly the ones that were hashed, even if `npm ci` runs during a build.

use std::collections::BTreeMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Files taken from npm packages: (logical name, path inside `web/node_modules`).
const NPM_FILES: &[(&str, &str)] = &[
    ("htmx.min.js", "htmx.org/dist/htmx.min.js"),
    ("leaflet.js", "leaflet/dist/leaflet.js"),
    ("leaflet.css", "leaflet/dist/leaflet.css"),
];

/// Folders whose `*.png` files are all embedded: (logical folder, folder in `node_modules`).
const NPM_IMAGE_DIRS: &[(&str, &str)] = &[("images", "leaflet/dist/images")];

/// Length of the hash in hashed public names; 8 hex digits = 32 bits, ample for a few
/// dozen files whose only collision risk is with their own earlier versions.
const HASH_LEN: usize = 8;

fn main() {
    if let Err(message) = run() {
        // `cargo::error` fails the build and shows the message as it is, without the
        // `Error: "…"` debug quoting that returning the error from `main` would add.
        println!("cargo::error={message}");
    }
}

/// One file to embed.
struct Source {
    logical: String,
    path: PathBuf,
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(env_var("OUT_DIR")?);
    let repo_root = manifest_dir
        .parent()
        .and_then(Path::parent)
        .ok_or("crates/trygg-web is expected two levels below the repository root")?;
    let web_dir = repo_root.join("web");
    let node_modules = web_dir.join("node_modules");
    let static_dir = manifest_dir.join("static");

    // A new `npm ci` rewrites the lockfile copy inside node_modules; that plus the
    // individual files below covers dependency upgrades. The static folder is watched
    // as a folder so that added and removed files are noticed too.
    println!(
        "cargo::rerun-if-changed={}",
        web_dir.join("package-lock.json").display()
    );
    println!(
        "cargo::rerun-if-changed={}",
        node_modules.join(".package-lock.json").display()
    );
    println!("cargo::rerun-if-changed={}", static_dir.display());
    // Each feature keeps its texts in its own .ftl file; a new file must rebuild the
    // crate so the Fluent loader (a macro reading the folders) picks it up.
    for lang in ["sv", "en"] {
        println!(
            "cargo::rerun-if-changed={}",
            manifest_dir.join("locales").join(lang).display()
        );
    }

    if !node_modules.is_dir() {
        return Err(format!(
            "{} is missing: run `npm ci --prefix web` first (see README). \
             The browser assets (htmx, Leaflet) are installed by npm from \
             web/package-lock.json and embedded into the binary at build time.",
            node_modules.display()
        ));
    }

    let mut sources = Vec::new();
    for (logical, relative) in NPM_FILES {
        let path = node_modules.join(relative);
        if !path.is_file() {
            return Err(format!(
                "{} is missing: run `npm ci --prefix web` first (see README); \
                 if it still is, web/package.json no longer matches build.rs.",
                path.display()
            ));
        }
        sources.push(Source {
            logical: (*logical).to_owned(),
            path,
        });
    }
    for (logical_dir, relative) in NPM_IMAGE_DIRS {
        let dir = node_modules.join(relative);
        for path in list_files(&dir)? {
            if path.extension().is_some_and(|ext| ext == "png") {
                let name = file_name(&path)?;
                sources.push(Source {
                    logical: format!("{logical_dir}/{name}"),
                    path,
                });
            }
        }
    }
    if static_dir.is_dir() {
        collect_static(&static_dir, "", &mut sources)?;
    }

    for source in &sources {
        println!("cargo::rerun-if-changed={}", source.path.display());
    }

    // Keyed by logical name: duplicates are refused, and the generated table is sorted,
    // so the same inputs always give byte-identical output (reproducible builds).
    let mut rows = BTreeMap::new();
    let assets_out = out_dir.join("assets");
    if assets_out.exists() {
        // Start clean so that a file removed from static/ does not linger in OUT_DIR.
        fs::remove_dir_all(&assets_out)
            .map_err(|e| format!("cannot clear {}: {e}", assets_out.display()))?;
    }
    for source in sources {
        let bytes = fs::read(&source.path)
            .map_err(|e| format!("cannot read {}: {e}", source.path.display()))?;
        let content_type = content_type(&source.logical)?;
        let digest = hex(&Sha256::digest(&bytes));
        let immutable = !source.logical.contains('/');
        let public = if immutable {
            hashed_name(&source.logical, &digest[..HASH_LEN])
        } else {
            source.logical.clone()
        };
        let copy = assets_out.join(&public);
        if let Some(parent) = copy.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&copy, &bytes).map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
        let row = Row {
            public,
            content_type,
            immutable,
            copy,
        };
        if rows.insert(source.logical.clone(), row).is_some() {
            return Err(format!(
                "two assets share the logical name `{}`; rename the file in static/",
                source.logical
            ));
        }
    }

    let mut code = String::from(
        "// Generated by crates/trygg-web/build.rs — do not edit.\n\
         /// Every embedded asset, sorted by logical name.\n\
         pub(crate) static TABLE: &[Entry] = &[\n",
    );
    for (logical, row) in &rows {
        // `{:?}` writes valid Rust string literals, with any backslash of a Windows
        // path escaped.
        writeln!(
            code,
            "    Entry {{ logical: {logical:?}, public: {public:?}, url: {url:?}, \
             content_type: {ct:?}, immutable: {immutable}, bytes: include_bytes!({copy:?}) }},",
            public = row.public,
            url = format!("/assets/{}", row.public),
            ct = row.content_type,
            immutable = row.immutable,
            copy = row.copy.display().to_string(),
        )
        .map_err(|e| e.to_string())?;
    }
    code.push_str("];\n");
    let generated = out_dir.join("assets.rs");
    fs::write(&generated, code).map_err(|e| format!("cannot write {}: {e}", generated.display()))
}

struct Row {
    public: String,
    content_type: &'static str,
    immutable: bool,
    copy: PathBuf,
}

fn env_var(name: &str) -> Result<String, String> {
    env::var(name).map_err(|e| format!("{name} is not set by cargo: {e}"))
}

/// Adds every file below `dir` to `sources`, named by its path relative to `static/`.
/// Dotfiles (`.gitkeep`, editor swap files) are skipped.
fn collect_static(dir: &Path, prefix: &str, sources: &mut Vec<Source>) -> Result<(), String> {
    let mut entries = fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let name = file_name(&path)?;
        if name.starts_with('.') {
            continue;
        }
        let logical = format!("{prefix}{name}");
        if path.is_dir() {
            collect_static(&path, &format!("{logical}/"), sources)?;
        } else {
            sources.push(Source { logical, path });
        }
    }
    Ok(())
}

fn list_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))? {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> Result<String, String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no UTF-8 file name", path.display()))
}

/// `htmx.min.js` + `3f2a9c1b` → `htmx.min.3f2a9c1b.js` (the hash goes before the last
/// extension so that tools that look at the extension still see the right one).
fn hashed_name(logical: &str, hash: &str) -> String {
    match logical.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{hash}.{ext}"),
        _ => format!("{logical}.{hash}"),
    }
}

/// The `Content-Type` for an asset. An unknown extension fails the build rather than
/// being served as `application/octet-stream`: with `nosniff`, browsers would refuse it
/// as a script or stylesheet, a confusing failure far from its cause.
fn content_type(logical: &str) -> Result<&'static str, String> {
    let ext = logical
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    Ok(match ext.as_deref() {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("webp") => "image/webp",
        Some("woff2") => "font/woff2",
        Some("json" | "map") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => {
            return Err(format!(
                "static asset `{logical}` has an extension build.rs does not know; \
                 add its content type to `content_type` in crates/trygg-web/build.rs"
            ));
        }
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
            s
        })
}
