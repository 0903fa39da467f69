//! `POST /v1/templates/:slug/render`, `GET /v1/renders/:id`, `GET /v1/renders/:id/download`.

use std::time::Duration;

use axum::Json;
use axum::extract::{Extension, State};

use super::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use craftkit_core::api::{ErrorDetail, Render, RenderBody, RenderStatus, Visibility};
use craftkit_core::data;
use craftkit_core::manifest::canonical_json;
use sha2::{Digest, Sha256};

use super::auth::ProjectKey;
use super::body::JsonBody;
use super::files::pdf_response;
use crate::api_error::{Failure, format_seconds};
use crate::app::App;
use crate::faults::FailRender;
use crate::ids::{random_id, timestamp};
use crate::persist::Change;
use crate::store::{Claim, RenderEntry};
use crate::worker;

const SYNC_WARNING: &str = "options.sync is not honored; poll GET /v1/renders/:id or use a webhook";

pub(crate) async fn create(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(slug): Path<String>,
    fail: Option<Extension<FailRender>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, Failure> {
    let idempotency_key = idempotency_key(&headers)?;
    let fingerprint = {
        let canonical = canonical_json(&body);
        let digest =
            Sha256::digest(format!("POST /v1/templates/{slug}/render\n{canonical}").as_bytes());
        hex::encode(digest)
    };
    // An object only: serde would also read a struct from an array (`[data, options]`).
    let request: RenderBody = match body {
        serde_json::Value::Object(_) => serde_json::from_value(body).map_err(|e| e.to_string()),
        other => Err(format!("not {}", craftkit_core::data::json_kind(&other))),
    }
    .map_err(|e| {
        Failure::invalid_request(format!(
            "the body must be {{\"data\": {{...}}, \"options\": {{...}}}}: {e}"
        ))
    })?;

    if let Some(idem) = &idempotency_key {
        let claim = app.store.lock().claim(
            &key,
            idem,
            &fingerprint,
            app.config.clock.now(),
            app.config.idempotency_ttl,
        )?;
        if let Claim::Replay(render) = claim {
            let mut response = (StatusCode::OK, Json(&render)).into_response();
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            set_location(&mut response, &render.id);
            return Ok(response);
        }
    }
    let accepted = accept(&app, &key, &slug, request, fail.is_some());
    let render = {
        let mut store = app.store.lock();
        // The render and its idempotency key: one transaction, then both in memory.
        let stored = accepted.and_then(|entry| {
            let idempotency = idempotency_key.as_deref().map(|idem| Change::Idempotency {
                key: idem,
                fingerprint: &fingerprint,
                render_id: &entry.render.id,
                created: store
                    .claimed_at(&key, idem)
                    .unwrap_or_else(|| app.config.clock.now()),
            });
            let mut changes = vec![Change::Render {
                render: &entry.render,
                data: &entry.data,
                download_token: entry.download_token.as_deref(),
                fail: entry.fail,
            }];
            changes.extend(idempotency);
            app.commit(&key, &changes)?;
            store.insert_render(&key, entry)
        });
        if let Some(idem) = &idempotency_key {
            let id = stored.as_ref().ok().map(|r| r.id.as_str());
            store.settle(&key, idem, id);
        }
        stored?
    };
    worker::spawn(app.clone(), render.id.clone());
    let mut response = (StatusCode::ACCEPTED, Json(&render)).into_response();
    set_location(&mut response, &render.id);
    Ok(response)
}

fn set_location(response: &mut Response, id: &str) {
    if let Ok(value) = HeaderValue::from_str(&format!("/v1/renders/{id}")) {
        response.headers_mut().insert("location", value);
    }
}

/// `Idempotency-Key`: 1 to 255 printable ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Failure> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let bad = || {
        Failure::invalid_request("`Idempotency-Key` must be 1 to 255 printable ASCII characters")
    };
    let text = value.to_str().map_err(|_| bad())?;
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(bad());
    }
    Ok(Some(text.to_owned()))
}

/// Checks the request against the published template: the queued render to store.
fn accept(
    app: &App,
    key: &str,
    slug: &str,
    request: RenderBody,
    fail: bool,
) -> Result<RenderEntry, Failure> {
    let tree = app.store.lock().published(key, slug, None)?;
    let manifest = tree.manifest();
    if let Some(wanted) = request.options.template_version {
        if wanted != manifest.version {
            let message = format!("the published version of `{slug}` is {}", manifest.version);
            return Err(Failure::conflict(
                "template_version_mismatch",
                format!("options.templateVersion is {wanted}, but {message}"),
            )
            .with_details(vec![ErrorDetail {
                path: "options.templateVersion".into(),
                code: "version".into(),
                message,
            }]));
        }
    }
    let filename = match request.options.filename {
        Some(name) => check_filename(&name)?,
        None => format!("{slug}.pdf"),
    };
    let report = data::validate(&tree, &request.data);
    if !report.is_valid() {
        let n = report.violations.len();
        let details = report
            .violations
            .into_iter()
            .map(|v| ErrorDetail {
                path: v.path,
                code: v.code.as_str().to_owned(),
                message: v.message,
            })
            .collect();
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!(
                "{n} variable{} do{} not match the manifest of {slug} v{}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "es" } else { "" },
                manifest.version
            ),
        )
        .with_details(details));
    }
    let mut warnings: Vec<String> = report
        .unknown_keys
        .iter()
        .map(|k| format!("unknown key `{k}` is not in the manifest and was ignored"))
        .collect();
    if request.options.sync.is_some() {
        warnings.push(SYNC_WARNING.to_owned());
    }
    let visibility = request.options.visibility.unwrap_or_default();
    let id = random_id("rnd_");
    let render = Render {
        id: id.clone(),
        object: "render".into(),
        template: slug.to_owned(),
        template_version: manifest.version,
        status: RenderStatus::Queued,
        visibility,
        created_at: timestamp(app.config.clock.now()),
        completed_at: None,
        download_url: None,
        filename,
        pages: None,
        bytes: None,
        error: None,
        warnings,
    };
    let download_token = (visibility == Visibility::Public).then(|| random_id(""));
    Ok(RenderEntry {
        render,
        tree,
        data: request.data,
        rendering_since: None,
        download_token,
        pdf: None,
        fail,
    })
}

/// A file name for `Content-Disposition` and the public URL: no path, no control characters.
fn check_filename(name: &str) -> Result<String, Failure> {
    if !craftkit_core::api::is_plain_file_name(name) {
        return Err(Failure::invalid_request(
            "options.filename must be a plain file name (1 to 255 characters, no `/`, `\\`, `\"` or control characters)",
        )
        .with_details(vec![ErrorDetail {
            path: "options.filename".into(),
            code: "format".into(),
            message: "not a plain file name".into(),
        }]));
    }
    Ok(name.to_owned())
}

pub(crate) async fn get(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let (render, rendering_for) = {
        let mut store = app.store.lock();
        store
            .project(&key)?
            .renders
            .get(&id)
            .map(|e| (e.render.clone(), e.rendering_since.map(|t| t.elapsed())))
            .ok_or_else(|| Failure::not_found("render"))?
    };
    let terminal = render.status.is_terminal();
    let mut response = Json(render).into_response();
    if !terminal {
        let hint = poll_hint(app.config.render_delay, rendering_for);
        if let Ok(value) = HeaderValue::from_str(&format_seconds(hint)) {
            response.headers_mut().insert("retry-after", value);
        }
    }
    Ok(response)
}

/// The `Retry-After` of a render that is not terminal, in seconds: the time its render delay
/// has left (all of it while queued), plus 0.1 s for the PDF itself, rounded up to a tenth
/// and kept within 0.1 to 2 s. A poller that follows it asks once just after the render is
/// done instead of up to a whole interval later.
fn poll_hint(render_delay: Duration, rendering_for: Option<Duration>) -> f64 {
    let left = render_delay.saturating_sub(rendering_for.unwrap_or_default());
    let tenths = (left.as_millis() + 100).div_ceil(100).clamp(1, 20);
    tenths as f64 / 10.0
}

pub(crate) async fn download(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let (pdf, filename) = {
        let mut store = app.store.lock();
        let entry = store
            .project(&key)?
            .renders
            .get(&id)
            .ok_or_else(|| Failure::not_found("render"))?;
        match (&entry.pdf, entry.render.status) {
            (Some(pdf), RenderStatus::Succeeded) => (pdf.clone(), entry.render.filename.clone()),
            _ => return Err(not_ready(entry.render.status)),
        }
    };
    Ok(pdf_response(pdf, &filename))
}

pub(crate) fn not_ready(status: RenderStatus) -> Failure {
    Failure::conflict(
        "render_not_ready",
        format!("the render is {}, not succeeded", status.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn the_poll_hint_is_the_time_left_and_a_little() {
        // 4.2 s into a 5 s render: come back just after it ends, not 2 s later.
        assert_eq!(poll_hint(S(5_000), Some(S(4_200))), 0.9);
        assert_eq!(poll_hint(S(1_000), Some(S(250))), 0.9);
        // Past its delay, the PDF is being written: soon.
        assert_eq!(poll_hint(S(1_000), Some(S(1_300))), 0.1);
        assert_eq!(poll_hint(Duration::ZERO, None), 0.1);
    }

    #[test]
    fn the_poll_hint_stays_within_a_tenth_and_two_seconds() {
        assert_eq!(
            poll_hint(S(5_000), None),
            2.0,
            "queued: the whole delay, capped"
        );
        assert_eq!(poll_hint(S(60_000), Some(S(1_000))), 2.0);
        assert_eq!(poll_hint(S(1_000), Some(S(850))), 0.3);
    }
}
