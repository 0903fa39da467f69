//! The SQLite database of a data directory: its schema, its transactions, and the state it
//! gives back at start-up.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use craftkit_core::api::{Render, RenderStatus, Share};
use craftkit_core::manifest::Manifest;
use rusqlite::{Connection, Transaction, params};
use serde_json::Value;

use super::{Change, from_unix_seconds, private, project_of, unix_seconds};
use crate::store::{IdempotencyEntry, IdempotencyState, Inner, RenderEntry, ShareEntry};

/// The database's file name in the data directory.
pub(super) const DATABASE: &str = "craftkit-devserver.sqlite3";

/// What `PRAGMA user_version` says of a database of this schema.
const SCHEMA_VERSION: i64 = 1;

/// Tables keyed by project (a hash of the key) and the API's own ids; the API objects (a
/// manifest, a render, a share) are stored as the JSON the API answers with.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS template_versions (
    project TEXT NOT NULL,
    slug TEXT NOT NULL,
    version INTEGER NOT NULL,
    manifest TEXT NOT NULL,
    PRIMARY KEY (project, slug, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS drafts (
    project TEXT NOT NULL,
    slug TEXT NOT NULL,
    manifest TEXT NOT NULL,
    PRIMARY KEY (project, slug)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS renders (
    id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL,
    render TEXT NOT NULL,
    data TEXT NOT NULL,
    download_token TEXT,
    fail INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS renders_of_project ON renders (project);
CREATE TABLE IF NOT EXISTS shares (
    id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL,
    share TEXT NOT NULL,
    token TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_of_project ON shares (project);
CREATE TABLE IF NOT EXISTS idempotency (
    project TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    render_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (project, key)
) WITHOUT ROWID;
";

/// The open database of a data directory, and its folder of PDFs.
pub(crate) struct Persist {
    connection: Mutex<Connection>,
    pdfs: PathBuf,
}

impl std::fmt::Debug for Persist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persist")
            .field("pdfs", &self.pdfs)
            .finish_non_exhaustive()
    }
}

impl Persist {
    /// Opens (or creates) the database of `dir`, and imports what the JSON-file format left
    /// there. The error says what is wrong with the directory.
    pub fn open(dir: &Path) -> Result<Persist, String> {
        private::create_dir(dir).map_err(|e| format!("cannot create it: {e}"))?;
        let pdfs = dir.join("pdfs");
        private::create_dir(&pdfs).map_err(|e| format!("cannot create {}: {e}", pdfs.display()))?;
        private::remove_temporary_files(&pdfs);
        let path = dir.join(DATABASE);
        // Created 0600 before SQLite opens it: SQLite gives its WAL the database's mode.
        private::file_options()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let sql = |e: rusqlite::Error| format!("{}: {e}", path.display());
        let mut connection = Connection::open(&path).map_err(sql)?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(sql)?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(sql)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!(
                "{}: SQLite cannot use a write-ahead log there (journal mode {mode})",
                path.display()
            ));
        }
        connection
            .execute_batch("PRAGMA synchronous = FULL;")
            .map_err(sql)?;
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(sql)?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "{} was written by a newer craftkit-devserver (schema {version}; this one knows \
                 {SCHEMA_VERSION}): run that version, or give this one another --data-dir",
                path.display()
            ));
        }
        let tx = connection.transaction().map_err(sql)?;
        tx.execute_batch(SCHEMA).map_err(sql)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        super::legacy::import(dir, &mut connection, &pdfs)?;
        Ok(Persist {
            connection: Mutex::new(connection),
            pdfs,
        })
    }

    /// Writes `changes` to the project of `project_key` as one transaction: all of them, or
    /// (the error) none.
    pub fn commit(&self, project_key: &str, changes: &[Change<'_>]) -> Result<(), String> {
        let project = project_of(project_key);
        // A panic mid-transaction drops the transaction, which rolls it back: the connection
        // is still sound.
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let tx = connection.transaction().map_err(|e| e.to_string())?;
        for change in changes {
            apply(&tx, &project, change)?;
        }
        tx.commit().map_err(|e| e.to_string())
    }

    /// Stores the PDF of `render_id` (a server-made id), atomically.
    pub fn save_pdf(&self, render_id: &str, pdf: &[u8]) -> std::io::Result<()> {
        private::write_atomic(&self.pdf_path(render_id), pdf)
    }

    fn pdf_path(&self, render_id: &str) -> PathBuf {
        self.pdfs.join(format!("{render_id}.pdf"))
    }

    /// Loads what the database holds for the project of `key` into `inner`, and returns the
    /// ids of the renders that had not finished (to be queued again). A row that does not
    /// parse (written by a newer version) is skipped with a log line.
    pub fn restore(&self, inner: &mut Inner, key: &str) -> Result<Vec<String>, String> {
        let project_id = project_of(key);
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let rows = Rows::read(&connection, &project_id).map_err(|e| e.to_string())?;
        drop(connection);

        let mut unfinished = Vec::new();
        let project = inner.projects.entry(key.to_owned()).or_default();
        for (what, manifest) in rows.published {
            let Some(manifest) = parse::<Manifest>(&what, &manifest) else {
                continue;
            };
            match manifest.tree() {
                Ok(tree) => {
                    let entry = project.templates.entry(manifest.slug.clone()).or_default();
                    entry.published.insert(manifest.version, Arc::new(tree));
                }
                Err(error) => {
                    tracing::warn!(%error, what, "skipping a stored template that is no longer valid")
                }
            }
        }
        for (what, manifest) in rows.drafts {
            if let Some(manifest) = parse::<Manifest>(&what, &manifest) {
                let entry = project.templates.entry(manifest.slug.clone()).or_default();
                entry.draft = Some(manifest);
            }
        }
        let mut tokens = Vec::new();
        for row in rows.renders {
            let what = format!("render {}", row.id);
            let (Some(mut render), Some(data)) = (
                parse::<Render>(&what, &row.render),
                parse::<Value>(&what, &row.data),
            ) else {
                continue;
            };
            let tree = project
                .templates
                .get(&render.template)
                .and_then(|t| t.published.get(&render.template_version))
                .cloned();
            let Some(tree) = tree else {
                tracing::warn!(render = %render.id, "skipping a stored render whose template version is gone");
                continue;
            };
            let pdf = std::fs::read(self.pdf_path(&render.id))
                .ok()
                .map(axum::body::Bytes::from);
            let rerender = !render.status.is_terminal()
                || (render.status == RenderStatus::Succeeded && pdf.is_none());
            if rerender {
                render.status = RenderStatus::Queued;
                render.completed_at = None;
                unfinished.push(render.id.clone());
            }
            if let Some(token) = &row.download_token {
                tokens.push((token.clone(), render.id.clone()));
            }
            project.renders.insert(
                render.id.clone(),
                RenderEntry {
                    tree,
                    // As for a render done in this run: the data only until it is rendered.
                    data: if rerender { data } else { Value::Null },
                    rendering_since: None,
                    download_token: row.download_token,
                    pdf,
                    fail: row.fail,
                    render,
                },
            );
        }
        let mut share_tokens = Vec::new();
        for (token, share) in rows.shares {
            let Some(share) = parse::<Share>("share", &share) else {
                continue;
            };
            share_tokens.push((token, share.id.clone()));
            project
                .shares
                .insert(share.id.clone(), ShareEntry { share });
        }
        for row in rows.idempotency {
            project.idempotency.insert(
                row.key,
                IdempotencyEntry {
                    fingerprint: row.fingerprint,
                    state: IdempotencyState::Done(row.render_id),
                    created: from_unix_seconds(row.created),
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
        Ok(unfinished)
    }
}

fn json(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

fn apply(tx: &Transaction<'_>, project: &str, change: &Change<'_>) -> Result<(), String> {
    let done = match change {
        Change::Draft(manifest) => tx.execute(
            "INSERT INTO drafts (project, slug, manifest) VALUES (?1, ?2, ?3)
             ON CONFLICT (project, slug) DO UPDATE SET manifest = excluded.manifest",
            params![project, manifest.slug, json(manifest)?],
        ),
        Change::Published(manifest) => tx
            .execute(
                "INSERT INTO template_versions (project, slug, version, manifest)
                 VALUES (?1, ?2, ?3, ?4)",
                params![project, manifest.slug, manifest.version, json(manifest)?],
            )
            .and_then(|_| {
                tx.execute(
                    "DELETE FROM drafts WHERE project = ?1 AND slug = ?2",
                    params![project, manifest.slug],
                )
            }),
        Change::Render {
            render,
            data,
            download_token,
            fail,
        } => tx.execute(
            "INSERT INTO renders (id, project, render, data, download_token, fail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET render = excluded.render, data = excluded.data,
                 download_token = excluded.download_token, fail = excluded.fail",
            params![
                render.id,
                project,
                json(render)?,
                json(data)?,
                download_token,
                fail
            ],
        ),
        Change::Idempotency {
            key,
            fingerprint,
            render_id,
            created,
        } => tx.execute(
            "INSERT INTO idempotency (project, key, fingerprint, render_id, created)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (project, key) DO UPDATE SET fingerprint = excluded.fingerprint,
                 render_id = excluded.render_id, created = excluded.created",
            params![project, key, fingerprint, render_id, unix_seconds(*created)],
        ),
        Change::Share { share, token } => tx.execute(
            "INSERT INTO shares (id, project, share, token) VALUES (?1, ?2, ?3, ?4)",
            params![share.id, project, json(share)?, token],
        ),
        Change::Revoked(share) => tx.execute(
            "UPDATE shares SET share = ?3 WHERE id = ?1 AND project = ?2",
            params![share.id, project, json(share)?],
        ),
    };
    done.map(|_| ()).map_err(|e| e.to_string())
}

/// `text` as a `T`, or `None` with a log line naming `what`.
fn parse<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Option<T> {
    match serde_json::from_str(text) {
        Ok(value) => Some(value),
        Err(error) => {
            tracing::warn!(what, %error, "skipping a stored record that does not parse");
            None
        }
    }
}

struct RenderRow {
    id: String,
    render: String,
    data: String,
    download_token: Option<String>,
    fail: bool,
}

struct IdempotencyRow {
    key: String,
    fingerprint: String,
    render_id: String,
    created: i64,
}

/// The rows of one project, read in one go (published versions in version order, so that a
/// template's latest is its last).
struct Rows {
    /// (what, manifest JSON)
    published: Vec<(String, String)>,
    drafts: Vec<(String, String)>,
    renders: Vec<RenderRow>,
    /// (token, share JSON)
    shares: Vec<(String, String)>,
    idempotency: Vec<IdempotencyRow>,
}

impl Rows {
    fn read(connection: &Connection, project: &str) -> rusqlite::Result<Rows> {
        let pairs = |sql: &str| -> rusqlite::Result<Vec<(String, String)>> {
            connection
                .prepare(sql)?
                .query_map([project], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        };
        let published = pairs(
            "SELECT slug || ' v' || version, manifest FROM template_versions
             WHERE project = ?1 ORDER BY slug, version",
        )?;
        let drafts = pairs("SELECT slug, manifest FROM drafts WHERE project = ?1 ORDER BY slug")?;
        let shares = pairs("SELECT token, share FROM shares WHERE project = ?1 ORDER BY id")?;
        let renders = connection
            .prepare(
                "SELECT id, render, data, download_token, fail FROM renders
                 WHERE project = ?1 ORDER BY id",
            )?
            .query_map([project], |row| {
                Ok(RenderRow {
                    id: row.get(0)?,
                    render: row.get(1)?,
                    data: row.get(2)?,
                    download_token: row.get(3)?,
                    fail: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let idempotency = connection
            .prepare(
                "SELECT key, fingerprint, render_id, created FROM idempotency
                 WHERE project = ?1 ORDER BY key",
            )?
            .query_map([project], |row| {
                Ok(IdempotencyRow {
                    key: row.get(0)?,
                    fingerprint: row.get(1)?,
                    render_id: row.get(2)?,
                    created: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Rows {
            published,
            drafts,
            renders,
            shares,
            idempotency,
        })
    }
}
