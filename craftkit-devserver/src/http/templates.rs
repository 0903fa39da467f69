//! `GET /v1/templates`, `GET /v1/templates/:slug`, `POST /v1/templates`,
//! `POST /v1/templates/:slug/publish`.

use axum::Json;
use axum::extract::State;

use super::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use craftkit_core::api::{ErrorDetail, Page};
use craftkit_core::manifest::{Manifest, ManifestError, Status};
use serde::Deserialize;
use serde_json::Value;

use super::auth::ProjectKey;
use super::body::JsonBody;
use crate::api_error::Failure;
use crate::app::App;
use crate::persist::Change;

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// A manifest without its variables.
fn summary(manifest: &Manifest) -> Value {
    let mut value = serde_json::to_value(manifest).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("variables");
    }
    value
}

pub(crate) async fn list(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Query(query): Query<ListQuery>,
) -> Result<Json<Page<Value>>, Failure> {
    let limit = match query.limit.as_deref() {
        None => 50,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                Failure::invalid_request("`limit` must be a whole number from 1 to 100")
            })?,
    };
    let mut store = app.store.lock();
    let project = store.project(&key)?;
    let published = project
        .templates
        .iter()
        .filter_map(|(slug, entry)| Some((slug, entry.latest()?)));
    // The cursor is the last slug of the previous page: slugs are unique and sorted.
    let after = query.cursor.as_deref();
    let mut page: Vec<Value> = published
        .filter(|(slug, _)| after.is_none_or(|c| slug.as_str() > c))
        .take(limit + 1)
        .map(|(_, tree)| summary(tree.manifest()))
        .collect();
    let has_more = page.len() > limit;
    page.truncate(limit);
    let next_cursor = has_more.then(|| {
        page.last()
            .and_then(|m| m["slug"].as_str())
            .unwrap_or_default()
            .to_owned()
    });
    Ok(Json(Page {
        data: page,
        has_more,
        next_cursor,
    }))
}

#[derive(Deserialize)]
pub(crate) struct VersionQuery {
    version: Option<String>,
}

pub(crate) async fn get(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(slug): Path<String>,
    Query(query): Query<VersionQuery>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let version =
        match query.version.as_deref() {
            None => None,
            Some(v) => Some(v.parse::<u64>().ok().filter(|v| *v >= 1).ok_or_else(|| {
                Failure::invalid_request("`version` must be a whole number from 1")
            })?),
        };
    let tree = app.store.lock().published(&key, &slug, version)?;
    let etag = format!("\"{}\"", tree.manifest().fingerprint());
    let matches = headers
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        // The weak comparison (RFC 9110, 13.1.2): `W/"x"` matches `"x"`.
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|tag| tag.trim_start_matches("W/") == etag || tag == "*")
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(tree.manifest()).into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert("etag", value);
    }
    Ok(response)
}

/// The problems of an invalid manifest as API details, each naming its path.
pub(crate) fn manifest_details(error: &ManifestError) -> Vec<ErrorDetail> {
    match error {
        ManifestError::Syntax { message, .. } => {
            vec![ErrorDetail {
                path: String::new(),
                code: "syntax".into(),
                message: message.clone(),
            }]
        }
        _ => error
            .problems()
            .iter()
            .map(|p| ErrorDetail {
                path: p.path().to_owned(),
                code: p.rule.code().to_owned(),
                message: p.to_string(),
            })
            .collect(),
    }
}

pub(crate) async fn create(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let Value::Object(mut map) = body else {
        return Err(Failure::invalid_request(
            "the body must be a manifest: a JSON object",
        ));
    };
    let replace = match map.remove("replace") {
        // `null` is the same as absent, as for every optional field of a manifest.
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return Err(Failure::invalid_request("`replace` must be true or false")),
    };
    let slug = map
        .get("slug")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let last_version = app
        .store
        .lock()
        .project(&key)?
        .templates
        .get(&slug)
        .and_then(|e| e.published.keys().next_back().copied());
    map.insert("version".into(), Value::from(last_version.unwrap_or(0)));
    map.insert("status".into(), Value::from("draft"));
    let manifest = Manifest::from_value(&Value::Object(map)).map_err(|error| {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            error.to_string(),
        )
        .with_details(manifest_details(&error))
    })?;
    let mut store = app.store.lock();
    let project = store.project(&key)?;
    let published = project
        .templates
        .get(&manifest.slug)
        .is_some_and(|entry| !entry.published.is_empty());
    if published && !replace {
        return Err(Failure::conflict(
            "template_exists",
            format!(
                "`{}` is already published: send `\"replace\": true` to make a new draft of it",
                manifest.slug
            ),
        ));
    }
    app.commit(&key, &[Change::Draft(&manifest)])?;
    let entry = project.templates.entry(manifest.slug.clone()).or_default();
    entry.draft = Some(manifest.clone());
    drop(store);
    Ok((StatusCode::CREATED, Json(manifest)).into_response())
}

pub(crate) async fn publish(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(slug): Path<String>,
) -> Result<Json<Manifest>, Failure> {
    let mut store = app.store.lock();
    let draft = store
        .project(&key)?
        .templates
        .get(&slug)
        .and_then(|e| e.draft.clone())
        .ok_or_else(|| Failure::not_found("draft of this template"))?;
    let tree = store.publish(
        &key,
        Manifest {
            status: Some(Status::Draft),
            ..draft
        },
        |published| app.commit(&key, &[Change::Published(published)]),
    )?;
    drop(store);
    Ok(Json(tree.manifest().clone()))
}
