//! Signed webhook events: `Craftkit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">`, one `v1` per secret while a secret rotates. Their delivery, retried with
//! backoff, is `delivery`'s.

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
pub async fn deliver_once(
    url: &str,
    secret: &str,
    event: &Event,
    now: std::time::SystemTime,
) -> Result<u16, String> {
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

/// Starts delivering the event of a render that just reached a terminal state to every
/// endpoint, each on its own task (see `delivery`): the render path does not wait.
pub(crate) fn emit(app: &App, render: &Render) {
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
    let settings = crate::delivery::Settings::new(&app.config, app.http.clone());
    for endpoint in &app.config.webhooks {
        app.deliveries.spawn(
            settings.clone(),
            endpoint.clone(),
            event.id.clone(),
            body.clone(),
        );
    }
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
