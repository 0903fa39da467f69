//! `POST /_dev/events/{id}/resend`: the local server's stand-in for the dashboard's "resend"
//! button. The service has no such call, so it is no part of the contract: it lives outside
//! `/v1/` and `openapi.yaml` (and so outside rate limits and injected faults), and takes the
//! key of the event's project.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::auth::ProjectKey;
use super::extract::Path;
use crate::api_error::Failure;
use crate::app::App;
use crate::webhooks;

/// Delivers a past event of the caller's project again to every endpoint: `202` with
/// `{"object": "resend", "event": ID, "resend": N, "endpoints": [URL...]}`, the deliveries on
/// their way; `404` naming the id when the server keeps no such event.
pub(crate) async fn resend(
    State(app): State<App>,
    ProjectKey(key): ProjectKey,
    Path(event_id): Path<String>,
) -> Result<Response, Failure> {
    let number = webhooks::resend(&app, &event_id, Some(&key)).ok_or_else(|| {
        Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            webhooks::unknown_event(&event_id),
        )
    })?;
    let endpoints: Vec<&str> = app.config.webhooks.iter().map(|e| e.url.as_str()).collect();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "object": "resend",
            "event": event_id,
            "resend": number,
            "endpoints": endpoints,
        })),
    )
        .into_response())
}
