//! `--data-dir`: templates, renders, shares, idempotency records and PDFs on disk, so that a
//! restarted server has everything it acknowledged. Each record is its own file, written to a
//! temporary file, flushed, and renamed over the old one before the answer goes out: a crash
//! mid-write leaves the previous version, never half a file.
//!
//! ```text
//! <dir>/<project>/templates/<slug>.json   published versions and the draft
//! <dir>/<project>/renders/<id>.json       the render, its data, its download token
//! <dir>/<project>/renders/<id>.pdf
//! <dir>/<project>/shares/<id>.json        the share and its token
//! <dir>/<project>/idempotency/<hash>.json a consumed Idempotency-Key
//! ```
//! `<project>` is a hash of the key: the key itself is never written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use craftkit_core::api::{Render, Share};
use craftkit_core::manifest::Manifest;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(Debug)]
pub(crate) struct Persist {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredTemplate {
    pub published: Vec<Manifest>,
    pub draft: Option<Manifest>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredRender {
    pub render: Render,
    pub data: Value,
    pub download_token: Option<String>,
    pub fail: bool,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredShare {
    pub share: Share,
    pub token: String,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredIdempotency {
    pub key: String,
    pub fingerprint: String,
    pub render_id: String,
    /// Seconds since the epoch.
    pub created: u64,
}

fn hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..12])
}

impl Persist {
    pub fn new(dir: impl Into<PathBuf>) -> Persist {
        Persist { dir: dir.into() }
    }

    fn project(&self, key: &str) -> PathBuf {
        self.dir.join(hash(key))
    }

    pub fn save_template(
        &self,
        key: &str,
        slug: &str,
        record: &StoredTemplate,
    ) -> std::io::Result<()> {
        write_json(
            &self
                .project(key)
                .join("templates")
                .join(format!("{slug}.json")),
            record,
        )
    }

    pub fn save_render(&self, key: &str, record: &StoredRender) -> std::io::Result<()> {
        write_json(
            &self
                .project(key)
                .join("renders")
                .join(format!("{}.json", record.render.id)),
            record,
        )
    }

    pub fn save_pdf(&self, key: &str, render_id: &str, pdf: &[u8]) -> std::io::Result<()> {
        write_atomic(
            &self
                .project(key)
                .join("renders")
                .join(format!("{render_id}.pdf")),
            pdf,
        )
    }

    pub fn save_share(&self, key: &str, record: &StoredShare) -> std::io::Result<()> {
        write_json(
            &self
                .project(key)
                .join("shares")
                .join(format!("{}.json", record.share.id)),
            record,
        )
    }

    pub fn save_idempotency(&self, key: &str, record: &StoredIdempotency) -> std::io::Result<()> {
        write_json(
            &self
                .project(key)
                .join("idempotency")
                .join(format!("{}.json", hash(&record.key))),
            record,
        )
    }

    pub fn templates(&self, key: &str) -> Vec<StoredTemplate> {
        read_all(&self.project(key).join("templates"))
    }

    pub fn renders(&self, key: &str) -> Vec<(StoredRender, Option<Vec<u8>>)> {
        let dir = self.project(key).join("renders");
        read_all::<StoredRender>(&dir)
            .into_iter()
            .map(|r| {
                let pdf = fs::read(dir.join(format!("{}.pdf", r.render.id))).ok();
                (r, pdf)
            })
            .collect()
    }

    pub fn shares(&self, key: &str) -> Vec<StoredShare> {
        read_all(&self.project(key).join("shares"))
    }

    pub fn idempotency(&self, key: &str) -> Vec<StoredIdempotency> {
        read_all(&self.project(key).join("idempotency"))
    }
}

pub(crate) fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(crate) fn from_unix_seconds(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

fn write_json(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    write_atomic(path, &bytes)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path)?;
    // The rename is durable once the directory is.
    fs::File::open(dir)?.sync_all()
}

/// Every `*.json` record of `dir` that parses (a file that does not is skipped with a log
/// line: it can only be a record of a newer version, since writes are atomic).
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
                tracing::warn!(path = %path.display(), %error, "skipping a stored record that does not parse");
                None
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "skipping a stored record that cannot be read");
                None
            }
        })
        .collect()
}

/// Loads what `persist` holds for the project of `key` into `inner`, and returns the ids of
/// the renders that had not finished (to be queued again).
pub(crate) fn restore(
    inner: &mut crate::store::Inner,
    persist: &Persist,
    key: &str,
) -> Vec<String> {
    use std::sync::Arc;

    use craftkit_core::api::RenderStatus;

    use crate::store::{IdempotencyEntry, IdempotencyState, RenderEntry, ShareEntry};

    let mut unfinished = Vec::new();
    let project = inner.projects.entry(key.to_owned()).or_default();
    for stored in persist.templates(key) {
        let Some(slug) = stored
            .published
            .first()
            .or(stored.draft.as_ref())
            .map(|m| m.slug.clone())
        else {
            continue;
        };
        let entry = project.templates.entry(slug).or_default();
        for manifest in stored.published {
            match manifest.tree() {
                Ok(tree) => {
                    entry.published.insert(manifest.version, Arc::new(tree));
                }
                Err(error) => {
                    tracing::warn!(%error, "skipping a stored template that is no longer valid")
                }
            }
        }
        entry.draft = stored.draft;
    }
    let mut tokens = Vec::new();
    for (stored, pdf) in persist.renders(key) {
        let render = stored.render;
        let tree = project
            .templates
            .get(&render.template)
            .and_then(|t| t.published.get(&render.template_version));
        let Some(tree) = tree.cloned() else {
            tracing::warn!(render = %render.id, "skipping a stored render whose template version is gone");
            continue;
        };
        let mut render = render;
        let pdf = pdf.map(axum::body::Bytes::from);
        let rerender = !render.status.is_terminal()
            || (render.status == RenderStatus::Succeeded && pdf.is_none());
        if rerender {
            render.status = RenderStatus::Queued;
            render.completed_at = None;
            unfinished.push(render.id.clone());
        }
        if let Some(token) = &stored.download_token {
            tokens.push((token.clone(), render.id.clone()));
        }
        project.renders.insert(
            render.id.clone(),
            RenderEntry {
                tree,
                // As for a render done in this run: the data only until it is rendered.
                data: if rerender { stored.data } else { Value::Null },
                rendering_since: None,
                download_token: stored.download_token,
                pdf,
                fail: stored.fail,
                render,
            },
        );
    }
    let mut share_tokens = Vec::new();
    for stored in persist.shares(key) {
        share_tokens.push((stored.token, stored.share.id.clone()));
        project.shares.insert(
            stored.share.id.clone(),
            ShareEntry {
                share: stored.share,
            },
        );
    }
    for stored in persist.idempotency(key) {
        project.idempotency.insert(
            stored.key,
            IdempotencyEntry {
                fingerprint: stored.fingerprint,
                state: IdempotencyState::Done(stored.render_id),
                created: from_unix_seconds(stored.created),
            },
        );
    }
    let render_ids: Vec<String> = project.renders.keys().cloned().collect();
    for id in render_ids {
        inner.render_projects.insert(id, key.to_owned());
    }
    for (token, id) in tokens {
        inner.download_tokens.insert(token, (key.to_owned(), id));
    }
    for (token, id) in share_tokens {
        inner.share_tokens.insert(token, (key.to_owned(), id));
    }
    unfinished
}
