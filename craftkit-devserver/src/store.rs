//! The server's state: per project (one per key) its templates, renders, shares and
//! idempotency records, plus the global indexes of the public links. One mutex, never held
//! across an await.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use craftkit_core::api::{Render, Share};
use craftkit_core::manifest::{Manifest, Status, Tree};
use serde_json::Value;

use crate::api_error::Failure;

#[derive(Default)]
pub(crate) struct Store {
    inner: Mutex<Inner>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub projects: HashMap<String, Project>,
    /// share token -> (project key, share id)
    pub share_tokens: HashMap<String, (String, String)>,
    /// download token -> (project key, render id)
    pub download_tokens: HashMap<String, (String, String)>,
    /// render id -> project key, for the worker
    pub render_projects: HashMap<String, String>,
}

#[derive(Default)]
pub(crate) struct Project {
    pub templates: BTreeMap<String, TemplateEntry>,
    pub renders: HashMap<String, RenderEntry>,
    pub shares: HashMap<String, ShareEntry>,
    pub idempotency: HashMap<String, IdempotencyEntry>,
}

#[derive(Default)]
pub(crate) struct TemplateEntry {
    /// Published versions, each folded once.
    pub published: BTreeMap<u64, Arc<Tree>>,
    pub draft: Option<Manifest>,
}

impl TemplateEntry {
    pub fn latest(&self) -> Option<&Arc<Tree>> {
        self.published.values().next_back()
    }
}

pub(crate) struct RenderEntry {
    pub render: Render,
    pub tree: Arc<Tree>,
    /// The request's data until the render is terminal, then `Null` (the record on disk
    /// keeps it).
    pub data: Value,
    /// When a worker took it (the render delay runs from here), while it is rendering.
    pub rendering_since: Option<std::time::Instant>,
    /// The token of the permanent public URL (public renders only).
    pub download_token: Option<String>,
    pub pdf: Option<axum::body::Bytes>,
    /// Injected fault: fail this render.
    pub fail: bool,
}

pub(crate) struct ShareEntry {
    pub share: Share,
}

pub(crate) struct IdempotencyEntry {
    /// What the first request was: endpoint and canonical body, hashed.
    pub fingerprint: String,
    pub state: IdempotencyState,
    pub created: SystemTime,
}

pub(crate) enum IdempotencyState {
    InProgress,
    Done(String),
}

/// What to do with a request carrying an idempotency key.
pub(crate) enum Claim {
    /// First use (or expired, or released): handle it; the key is now in progress.
    Proceed,
    /// Seen before with the same request: answer the original render.
    Replay(Box<Render>),
}

impl Store {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than refusing every later request would.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    pub fn project(&mut self, key: &str) -> Result<&mut Project, Failure> {
        self.projects
            .get_mut(key)
            .ok_or_else(|| Failure::unauthenticated("unknown API key"))
    }

    /// The published manifest of `slug` (a given version, or the latest).
    pub fn published(
        &mut self,
        key: &str,
        slug: &str,
        version: Option<u64>,
    ) -> Result<Arc<Tree>, Failure> {
        let project = self.project(key)?;
        let entry = project
            .templates
            .get(slug)
            .ok_or_else(|| Failure::not_found("template"))?;
        let tree = match version {
            Some(v) => entry.published.get(&v),
            None => entry.latest(),
        };
        match tree {
            Some(tree) => Ok(tree.clone()),
            None if version.is_some() && !entry.published.is_empty() => {
                Err(Failure::not_found("published version of this template"))
            }
            None => Err(Failure::new(
                StatusCode::NOT_FOUND,
                "template_not_published",
                format!("the template `{slug}` exists only as a draft: publish it first"),
            )),
        }
    }

    /// Publishes `manifest` as the next version of its slug, once `store` (the data
    /// directory's transaction) has stored the published manifest; nothing changes when it
    /// fails.
    pub fn publish(
        &mut self,
        key: &str,
        mut manifest: Manifest,
        store: impl FnOnce(&Manifest) -> Result<(), Failure>,
    ) -> Result<Arc<Tree>, Failure> {
        let project = self.project(key)?;
        let entry = project.templates.entry(manifest.slug.clone()).or_default();
        manifest.version = entry.published.keys().next_back().copied().unwrap_or(0) + 1;
        manifest.status = Some(Status::Published);
        let tree = Arc::new(
            manifest
                .tree()
                .map_err(|e| Failure::invalid_request(e.to_string()))?,
        );
        store(tree.manifest())?;
        entry.published.insert(manifest.version, tree.clone());
        entry.draft = None;
        Ok(tree)
    }

    pub fn claim(
        &mut self,
        key: &str,
        idempotency_key: &str,
        fingerprint: &str,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Claim, Failure> {
        let project = self.project(key)?;
        if let Some(entry) = project.idempotency.get(idempotency_key) {
            let expired = now
                .duration_since(entry.created)
                .is_ok_and(|age| age >= ttl);
            if !expired {
                if entry.fingerprint != fingerprint {
                    return Err(Failure::conflict(
                        "idempotency_conflict",
                        "this Idempotency-Key was used with a different request; use a new key for a new request",
                    ));
                }
                return match &entry.state {
                    IdempotencyState::InProgress => Err(Failure::conflict(
                        "idempotency_in_progress",
                        "the first request with this Idempotency-Key is still being handled; retry shortly",
                    )),
                    IdempotencyState::Done(id) => match project.renders.get(id) {
                        Some(render) => Ok(Claim::Replay(Box::new(render.render.clone()))),
                        None => Err(Failure::server_error(StatusCode::INTERNAL_SERVER_ERROR)),
                    },
                };
            }
        }
        project.idempotency.insert(
            idempotency_key.to_owned(),
            IdempotencyEntry {
                fingerprint: fingerprint.to_owned(),
                state: IdempotencyState::InProgress,
                created: now,
            },
        );
        Ok(Claim::Proceed)
    }

    /// Ends a claim: `Some(render id)` consumes the key, `None` releases it (a 4xx).
    pub fn settle(&mut self, key: &str, idempotency_key: &str, render: Option<&str>) {
        let Some(project) = self.projects.get_mut(key) else {
            return;
        };
        match render {
            Some(id) => {
                if let Some(entry) = project.idempotency.get_mut(idempotency_key) {
                    entry.state = IdempotencyState::Done(id.to_owned());
                }
            }
            None => {
                project.idempotency.remove(idempotency_key);
            }
        }
    }

    /// When the claim of `idempotency_key` was made.
    pub fn claimed_at(&self, key: &str, idempotency_key: &str) -> Option<SystemTime> {
        Some(
            self.projects
                .get(key)?
                .idempotency
                .get(idempotency_key)?
                .created,
        )
    }

    /// Adds an accepted render (and its public link's token) to the project of `key`.
    pub fn insert_render(&mut self, key: &str, entry: RenderEntry) -> Result<Render, Failure> {
        let id = entry.render.id.clone();
        let render = entry.render.clone();
        let token = entry.download_token.clone();
        self.project(key)?.renders.insert(id.clone(), entry);
        if let Some(token) = token {
            self.download_tokens
                .insert(token, (key.to_owned(), id.clone()));
        }
        self.render_projects.insert(id, key.to_owned());
        Ok(render)
    }

    pub fn render_mut(&mut self, render_id: &str) -> Option<&mut RenderEntry> {
        let key = self.render_projects.get(render_id)?;
        self.projects.get_mut(key)?.renders.get_mut(render_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ck_test_aaaaaaaaaaaaaaaaaaaaaaaa";
    const DAY: Duration = Duration::from_secs(86_400);

    fn inner() -> Inner {
        let mut inner = Inner::default();
        inner.projects.insert(KEY.to_owned(), Project::default());
        inner
    }

    #[test]
    fn a_key_in_progress_answers_idempotency_in_progress() {
        let mut inner = inner();
        let now = SystemTime::now();
        assert!(matches!(
            inner.claim(KEY, "k", "body-a", now, DAY),
            Ok(Claim::Proceed)
        ));
        let second = inner.claim(KEY, "k", "body-a", now, DAY).err().unwrap();
        assert_eq!(
            (second.status, second.kind),
            (StatusCode::CONFLICT, "idempotency_in_progress")
        );
        let other_body = inner.claim(KEY, "k", "body-b", now, DAY).err().unwrap();
        assert_eq!(other_body.kind, "idempotency_conflict");
    }

    #[test]
    fn a_released_key_is_free_and_an_expired_one_is_fresh() {
        let mut inner = inner();
        let now = SystemTime::now();
        assert!(matches!(
            inner.claim(KEY, "k", "a", now, DAY),
            Ok(Claim::Proceed)
        ));
        inner.settle(KEY, "k", None);
        assert!(
            matches!(inner.claim(KEY, "k", "b", now, DAY), Ok(Claim::Proceed)),
            "a 4xx does not consume the key"
        );
        inner.settle(KEY, "k", Some("rnd_gone"));
        assert!(
            matches!(
                inner.claim(KEY, "k", "c", now + DAY, DAY),
                Ok(Claim::Proceed)
            ),
            "after 24 h the key is new"
        );
    }
}
