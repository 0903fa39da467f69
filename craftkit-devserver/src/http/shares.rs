//! `POST /v1/renders/:id/shares`, `GET /v1/renders/:id/shares`, `DELETE /v1/shares/:id`.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;

use super::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use craftkit_core::api::{Page, RenderStatus, Share};
use serde_json::Value;

use super::auth::ProjectKey;
use super::body::{declared_length, parse_json, read_limited, require_json};
use super::renders::not_ready;
use crate::api_error::Failure;
use crate::app::App;
use crate::ids::{random_id, timestamp};
use crate::persist::Change;
use crate::store::ShareEntry;

pub(crate) async fn create(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(render_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    // The body is optional: `{"label": "..."}` (as JSON) or nothing.
    let body = read_limited(body, declared_length(&headers)).await?;
    let label = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        require_json(&headers)?;
        let value = parse_json(&body)?;
        // An object only: `value.get` would read an array or a string as a body without a label.
        if !value.is_object() {
            return Err(Failure::invalid_request(format!(
                "the body must be a JSON object, {{\"label\": \"...\"}}, not {}",
                craftkit_core::data::json_kind(&value)
            )));
        }
        match value.get("label") {
            None | Some(Value::Null) => None,
            Some(Value::String(label)) if label.chars().count() <= 200 => Some(label.clone()),
            Some(_) => {
                return Err(Failure::invalid_request(
                    "`label` must be a string of at most 200 characters",
                ));
            }
        }
    };
    let mut store = app.store.lock();
    let project = store.project(&key)?;
    let status = project
        .renders
        .get(&render_id)
        .ok_or_else(|| Failure::not_found("render"))?
        .render
        .status;
    if status != RenderStatus::Succeeded {
        return Err(not_ready(status));
    }
    let token = random_id("");
    let share = Share {
        id: random_id("shr_"),
        object: "share".into(),
        render_id,
        url: format!("{}/s/{token}", app.base_url),
        label,
        created_at: timestamp(app.config.clock.now()),
        revoked_at: None,
    };
    app.commit(
        &key,
        &[Change::Share {
            share: &share,
            token: &token,
        }],
    )?;
    project.shares.insert(
        share.id.clone(),
        ShareEntry {
            share: share.clone(),
        },
    );
    store
        .share_tokens
        .insert(token, (key.clone(), share.id.clone()));
    drop(store);
    Ok((StatusCode::CREATED, Json(share)).into_response())
}

pub(crate) async fn list(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(render_id): Path<String>,
) -> Result<Json<Page<Share>>, Failure> {
    let mut store = app.store.lock();
    let project = store.project(&key)?;
    if !project.renders.contains_key(&render_id) {
        return Err(Failure::not_found("render"));
    }
    let mut shares: Vec<Share> = project
        .shares
        .values()
        .filter(|s| s.share.render_id == render_id)
        .map(|s| s.share.clone())
        .collect();
    shares.sort_by(|a, b| {
        a.created_at
            .as_str()
            .cmp(b.created_at.as_str())
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Json(Page {
        data: shares,
        has_more: false,
        next_cursor: None,
    }))
}

pub(crate) async fn revoke(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(share_id): Path<String>,
) -> Result<Json<Share>, Failure> {
    let now = timestamp(app.config.clock.now());
    let mut store = app.store.lock();
    let entry = store
        .project(&key)?
        .shares
        .get_mut(&share_id)
        .ok_or_else(|| Failure::not_found("share"))?;
    if entry.share.revoked_at.is_some() {
        return Ok(Json(entry.share.clone()));
    }
    let share = Share {
        revoked_at: Some(now),
        ..entry.share.clone()
    };
    app.commit(&key, &[Change::Revoked(&share)])?;
    entry.share = share.clone();
    drop(store);
    Ok(Json(share))
}
