//! `Authorization: Bearer <key>`: a missing, malformed or unknown key is `401`.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::api_error::Failure;
use crate::app::App;
use crate::config::is_key_shaped;

/// The caller's project, named by its key.
pub(crate) struct ProjectKey(pub String);

impl FromRequestParts<App> for ProjectKey {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<ProjectKey, Failure> {
        authenticate(app, &parts.headers).map(ProjectKey)
    }
}

/// The key of the request's project, or why there is none (`401`).
pub(crate) fn authenticate(app: &App, headers: &HeaderMap) -> Result<String, Failure> {
    let header = headers.get("authorization").ok_or_else(|| {
        Failure::unauthenticated("missing Authorization header: send `Authorization: Bearer <key>`")
    })?;
    let key = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| is_key_shaped(k))
        .ok_or_else(|| {
            Failure::unauthenticated(
                "malformed API key: expected `Bearer ck_live_...` or `Bearer ck_test_...`",
            )
        })?;
    if !app.store.lock().projects.contains_key(key) {
        return Err(Failure::unauthenticated("unknown API key"));
    }
    Ok(key.to_owned())
}
