//! Signed webhook events: `Craftkit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">`, one `v1` per secret while a secret rotates. Their delivery, retried with
//! backoff, is `delivery`'s. A past event can be resent: the same body to every endpoint,
//! signed anew.

use std::time::Duration;

use craftkit_core::api::{Event, EventType, Render, RenderError, RenderStatus, Visibility};

use crate::app::App;
use crate::ids::{random_id, timestamp};

/// The signature header's value for `body` sent at unix time `t`: `t=<t>,v1=<hex>`.
pub fn signature_header(secret: &str, t: i64, body: &[u8]) -> String {
    craftkit_core::webhook::signature_header(&[secret], t, body)
}

/// `hex(HMAC-SHA256(secret, "<t>." + body))`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    craftkit_core::webhook::v1_signature(secret.as_bytes(), t, body)
}

/// A test event of type `kind` (`render.succeeded` or `render.failed`) about `render`, or
/// about a made-up render of template `test` when there is none: what `cargo craftkit
/// trigger` and [`DevServer::trigger`](crate::DevServer::trigger) send.
pub fn test_event(kind: EventType, render: Option<Render>, now: std::time::SystemTime) -> Event {
    let at = timestamp(now);
    let data = render.unwrap_or_else(|| {
        let failed = kind == EventType::RenderFailed;
        Render {
            id: random_id("rnd_"),
            object: "render".into(),
            template: "test".into(),
            template_version: 1,
            status: if failed {
                RenderStatus::Failed
            } else {
                RenderStatus::Succeeded
            },
            visibility: Visibility::Private,
            created_at: at.clone(),
            completed_at: Some(at.clone()),
            download_url: None,
            filename: "test.pdf".into(),
            pages: (!failed).then_some(1),
            bytes: None,
            error: failed.then(|| RenderError {
                code: "render_failed".into(),
                message: "a test event: no render failed".into(),
            }),
            warnings: Vec::new(),
        }
    });
    Event {
        id: random_id("evt_"),
        object: "event".into(),
        kind,
        created_at: at,
        data,
    }
}

/// Posts `event` to `url` once, signed with `secret` at `now`, and returns the HTTP status
/// the endpoint answered (no retries: a test wants to see the answer).
///
/// `event` is an [`Event`], or any JSON of one (a `serde_json::Value`, as `cargo craftkit
/// trigger --set` shapes it): the signature covers the body exactly as sent.
pub async fn deliver_once<E>(
    url: &str,
    secret: &str,
    event: &E,
    now: std::time::SystemTime,
) -> Result<u16, String>
where
    E: serde::Serialize + ?Sized,
{
    let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let t = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    crate::install_crypto_provider();
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("craftkit-signature", signature_header(secret, t, &body))
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    Ok(response.status().as_u16())
}

/// Asks the local server at `server_url` (`http://127.0.0.1:PORT`) to deliver its past event
/// `event_id` again to its endpoints (`POST /_dev/events/{id}/resend` with `key`, the key of
/// the event's project): what `cargo craftkit resend` does, for a server in another process
/// ([`DevServer::resend`](crate::DevServer::resend) in this one). Returns the resend's number
/// once the server has started the deliveries; an error says why not (an unknown event names
/// its id), never with the key.
pub async fn request_resend(server_url: &str, key: &str, event_id: &str) -> Result<u32, String> {
    let url = format!(
        "{}/_dev/events/{}/resend",
        server_url.trim_end_matches('/'),
        crate::ids::percent_encode(event_id)
    );
    crate::install_crypto_provider();
    let response = reqwest::Client::new()
        .post(&url)
        .bearer_auth(key)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("{server_url}: {e}"))?;
    let status = response.status();
    // The answer is a small JSON object: reading stops past 64 KiB, which is not the local
    // server's.
    let mut response = response;
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("{server_url}: {e}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > 64 * 1024 {
            break;
        }
    }
    let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
        format!("{server_url} answered {status} without JSON: is it a local craftkit-devserver?")
    })?;
    if status.is_success() {
        return answer["resend"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("{server_url} answered {status} without a resend number"));
    }
    let message = answer["error"]["message"].as_str().unwrap_or("no message");
    Err(
        // The local server's own 404 names the event; any other is another server's.
        if status == reqwest::StatusCode::NOT_FOUND && message.contains(event_id) {
            message.to_owned()
        } else {
            format!("{server_url} answered {status}: {message}")
        },
    )
}

/// Starts delivering the event of a render (of the project of `key`) that just reached a
/// terminal state to every endpoint, each on its own task (see `delivery`): the render path
/// does not wait. The event is kept for a resend.
pub(crate) fn emit(app: &App, key: &str, render: &Render) {
    if app.config.webhooks.is_empty() {
        return;
    }
    let kind = match render.status {
        RenderStatus::Succeeded => "render.succeeded",
        RenderStatus::Failed => "render.failed",
        _ => return,
    };
    let event = Event {
        id: random_id("evt_"),
        object: "event".into(),
        kind: kind.into(),
        created_at: timestamp(app.config.clock.now()),
        data: render.clone(),
    };
    let Ok(body) = serde_json::to_vec(&event) else {
        return;
    };
    let body = axum::body::Bytes::from(body);
    app.deliveries.keep(&event.id, key, body.clone());
    spawn_to_every_endpoint(app, &event.id, 0, &body);
}

/// Delivers event `event_id` again to every endpoint, on their own tasks: the same body,
/// signed anew at each attempt, its attempts in the delivery log under the resend's number,
/// which it returns (1 for the first). `None` when the server keeps no event `event_id` (of
/// the project of `key`, when given).
pub(crate) fn resend(app: &App, event_id: &str, key: Option<&str>) -> Option<u32> {
    let resend = app.deliveries.resend(event_id, key)?;
    spawn_to_every_endpoint(app, event_id, resend.number, &resend.body);
    Some(resend.number)
}

/// Starts delivering `body` to every endpoint, each on its own task.
fn spawn_to_every_endpoint(app: &App, event_id: &str, resend: u32, body: &axum::body::Bytes) {
    let settings = crate::delivery::Settings::new(&app.config, app.http.clone());
    for endpoint in &app.config.webhooks {
        app.deliveries.spawn(
            settings.clone(),
            endpoint.clone(),
            event_id.to_owned(),
            resend,
            body.clone(),
        );
    }
}

/// Why an event could not be resent: the text names the event id.
pub(crate) fn unknown_event(event_id: &str) -> String {
    format!(
        "no event `{event_id}` on this server: it resends the events of its own renders \
         (the newest {}), while it runs",
        crate::delivery::RESENDABLE_EVENTS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_t_dot_body() {
        // printf '%s' '1764151200.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            sign("whsec_test", 1_764_151_200, br#"{"a":1}"#),
            "691ab9360fdee04337f35e2aa0e5507d84f4e713dc176ca64db60f89b36d62dd"
        );
        let sig = sign("whsec_test", 1_764_151_200, b"{}");
        assert_eq!(sig.len(), 64);
        assert_eq!(
            signature_header("whsec_test", 1_764_151_200, b"{}"),
            format!("t=1764151200,v1={sig}")
        );
        assert_ne!(sig, sign("whsec_test", 1_764_151_201, b"{}"));
    }
}
