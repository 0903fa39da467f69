//! The data directory of the versions before SQLite: one JSON file per record, in a folder per
//! project (a hash of its key). At start-up every such folder is imported into the database in
//! one transaction, then moved into `imported-json/`; importing again (after a crash between
//! the two) adds nothing twice.
//!
//! ```text
//! <dir>/<project>/templates/<slug>.json   published versions and the draft
//! <dir>/<project>/renders/<id>.json       the render, its data, its download token
//! <dir>/<project>/renders/<id>.pdf
//! <dir>/<project>/shares/<id>.json        the share and its token
//! <dir>/<project>/idempotency/<hash>.json a consumed Idempotency-Key
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use craftkit_core::api::{Render, Share};
use craftkit_core::manifest::Manifest;
use rusqlite::{Connection, params};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::private;

/// Where imported project folders go.
const IMPORTED: &str = "imported-json";

#[derive(Deserialize)]
struct StoredTemplate {
    published: Vec<Manifest>,
    draft: Option<Manifest>,
}

#[derive(Deserialize)]
struct StoredRender {
    render: Render,
    data: Value,
    download_token: Option<String>,
    fail: bool,
}

#[derive(Deserialize)]
struct StoredShare {
    share: Share,
    token: String,
}

#[derive(Deserialize)]
struct StoredIdempotency {
    key: String,
    fingerprint: String,
    render_id: String,
    /// Seconds since the epoch.
    created: u64,
}

/// The project folders of the JSON-file format in `dir`: named by 24 hexadecimal digits, with
/// at least one of the record folders in them.
fn project_folders(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut folders: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let path = entry.path();
            let hex = name.len() == 24 && name.bytes().all(|b| b.is_ascii_hexdigit());
            let records = ["templates", "renders", "shares", "idempotency"]
                .iter()
                .any(|folder| path.join(folder).is_dir());
            (hex && records).then_some((name, path))
        })
        .collect();
    folders.sort();
    folders
}

/// Imports every project folder of the JSON-file format in `dir` (PDFs copied into `pdfs`),
/// then moves the folders into `imported-json/`.
pub(super) fn import(dir: &Path, connection: &mut Connection, pdfs: &Path) -> Result<(), String> {
    let folders = project_folders(dir);
    if folders.is_empty() {
        return Ok(());
    }
    let sql = |e: rusqlite::Error| format!("importing the JSON files of {}: {e}", dir.display());
    let tx = connection.transaction().map_err(sql)?;
    let mut records = 0usize;
    for (project, folder) in &folders {
        for stored in read_all::<StoredTemplate>(&folder.join("templates")) {
            for manifest in &stored.published {
                records += tx
                    .execute(
                        "INSERT OR IGNORE INTO template_versions (project, slug, version, manifest)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![project, manifest.slug, manifest.version, to_json(manifest)?],
                    )
                    .map_err(sql)?;
            }
            if let Some(draft) = &stored.draft {
                records += tx
                    .execute(
                        "INSERT OR IGNORE INTO drafts (project, slug, manifest) VALUES (?1, ?2, ?3)",
                        params![project, draft.slug, to_json(draft)?],
                    )
                    .map_err(sql)?;
            }
        }
        for stored in read_all::<StoredRender>(&folder.join("renders")) {
            let id = &stored.render.id;
            if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                tracing::warn!("skipping a stored render whose id is not one this server makes");
                continue;
            }
            // The PDF first: a render without one is rendered again at start-up.
            if let Ok(pdf) = fs::read(folder.join("renders").join(format!("{id}.pdf"))) {
                private::write_atomic(&pdfs.join(format!("{id}.pdf")), &pdf)
                    .map_err(|e| format!("copying the PDF of {id} into {}: {e}", pdfs.display()))?;
            }
            records += tx
                .execute(
                    "INSERT OR IGNORE INTO renders (id, project, render, data, download_token, fail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        id,
                        project,
                        to_json(&stored.render)?,
                        to_json(&stored.data)?,
                        stored.download_token,
                        stored.fail
                    ],
                )
                .map_err(sql)?;
        }
        for stored in read_all::<StoredShare>(&folder.join("shares")) {
            records += tx
                .execute(
                    "INSERT OR IGNORE INTO shares (id, project, share, token) VALUES (?1, ?2, ?3, ?4)",
                    params![stored.share.id, project, to_json(&stored.share)?, stored.token],
                )
                .map_err(sql)?;
        }
        for stored in read_all::<StoredIdempotency>(&folder.join("idempotency")) {
            records += tx
                .execute(
                    "INSERT OR IGNORE INTO idempotency (project, key, fingerprint, render_id, created)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        project,
                        stored.key,
                        stored.fingerprint,
                        stored.render_id,
                        i64::try_from(stored.created).unwrap_or(i64::MAX)
                    ],
                )
                .map_err(sql)?;
        }
    }
    tx.commit().map_err(sql)?;

    let imported = dir.join(IMPORTED);
    private::create_dir(&imported)
        .map_err(|e| format!("cannot create {}: {e}", imported.display()))?;
    for (project, folder) in &folders {
        let mut target = imported.join(project);
        if target.exists() {
            target = imported.join(format!("{project}-{}", crate::ids::random_id("")));
        }
        fs::rename(folder, &target).map_err(|e| {
            format!(
                "imported {}, but cannot move it into {}: {e}; move it yourself",
                folder.display(),
                imported.display()
            )
        })?;
    }
    tracing::info!(
        projects = folders.len(),
        records,
        kept_in = %imported.display(),
        "imported the data directory's JSON files into its database; the files can be deleted"
    );
    Ok(())
}

fn to_json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// Every `*.json` record of `dir` that parses, in file-name order; one that does not is
/// skipped with a log line.
fn read_all<T: DeserializeOwned>(dir: &Path) -> Vec<T> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| match fs::read(&path).map(|b| serde_json::from_slice::<T>(&b)) {
            Ok(Ok(record)) => Some(record),
            Ok(Err(error)) => {
                tracing::warn!(path = %path.display(), %error, "not importing a record that does not parse");
                None
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "not importing a record that cannot be read");
                None
            }
        })
        .collect()
}
