//! `POST /v1/templates/:slug/render`: typed or untyped, always with an idempotency key.

use std::ops::Deref;
use tracing::Instrument;

use craftkit_core::api::{Render, RenderBody, RenderOptions, Visibility};
use reqwest::Method;
use serde_json::Value;

use super::idempotency::fresh_key;
use super::transport::Call;
use super::wait::WaitOptions;
use super::{Client, Error, ResponseMeta};
use crate::Template;

/// A render request being set up; nothing is sent until [`send`](RenderRequest::send).
#[must_use = "a render request does nothing until it is sent"]
#[derive(Debug)]
pub struct RenderRequest<'c> {
    client: &'c Client,
    slug: String,
    data: Result<Value, Error>,
    idempotency_key: Option<String>,
    options: RenderOptions,
    pinned_version: Option<u64>,
}

impl Client {
    /// A render of a typed payload. Before anything is sent, [`Template::to_data`] serializes
    /// it once and checks the bounds the type cannot express: a violation fails
    /// [`send`](RenderRequest::send) with [`Error::Validation`] listing every data path, a
    /// payload that does not serialize with [`Error::Serialize`]. The value checked is the
    /// value sent.
    pub fn render<T: Template>(&self, payload: &T) -> RenderRequest<'_> {
        let data = payload.to_data().map_err(Error::from);
        RenderRequest {
            client: self,
            slug: T::SLUG.to_owned(),
            data,
            idempotency_key: None,
            options: RenderOptions::default(),
            pinned_version: Some(T::VERSION),
        }
    }

    /// A render of untyped JSON data (the server validates it).
    pub fn render_json(&self, slug: impl Into<String>, data: Value) -> RenderRequest<'_> {
        RenderRequest {
            client: self,
            slug: slug.into(),
            data: Ok(data),
            idempotency_key: None,
            options: RenderOptions::default(),
            pinned_version: None,
        }
    }

    /// Renders a typed payload and waits for the PDF: `render(payload).send()` then `wait()`.
    pub async fn render_and_wait<T: Template>(&self, payload: &T) -> Result<Render, Error> {
        self.render(payload).send().await?.wait().await
    }
}

impl RenderRequest<'_> {
    /// The `Idempotency-Key`: the same key with the same data renders once, however often it
    /// is sent, for the 24 hours the service keeps it; the same key with other data is `409
    /// idempotency_conflict`. Without one, a fresh random key is made for this call and reused
    /// by its retries (as Stripe's SDKs do), so two calls with the same payload render twice:
    /// the key is never derived from the payload, because two intentional renders of the same
    /// data must not collapse into one. A replay that must render once (an offline queue sent
    /// again, a job rerun) passes a key from its own identifiers:
    /// [`derive_idempotency_key`](super::derive_idempotency_key).
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The PDF's file name.
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.options.filename = Some(filename.into());
        self
    }

    /// `Public` (a permanent public `downloadUrl`, the default) or `Private`.
    pub fn visibility(mut self, visibility: Visibility) -> Self {
        self.options.visibility = Some(visibility);
        self
    }

    /// Renders only if the published version is the one the type was generated from
    /// (`409 template_version_mismatch` otherwise). Off by default; untyped renders cannot pin.
    pub fn pin_version(mut self, pin: bool) -> Self {
        self.options.template_version = if pin { self.pinned_version } else { None };
        self
    }

    /// Sends the request (retrying safely) and returns the accepted render.
    pub async fn send(self) -> Result<RenderHandle, Error> {
        let data = self.data?;
        let key = self.idempotency_key.unwrap_or_else(fresh_key);
        let body = RenderBody {
            data,
            options: self.options,
        };
        let path = format!("/v1/templates/{}/render", self.slug);
        // One span over the attempts: the template, the key's hash, and the render id once
        // it is known, to correlate with the webhook and the server's logs.
        let span = tracing::info_span!(
            "craftkit.render",
            template = %self.slug,
            idempotency_key_hash = %super::idempotency::key_hash(&key),
            render_id = tracing::field::Empty,
        );
        let mut call =
            Call::send_json(Method::POST, path.clone(), &body)?.header("idempotency-key", key);
        call.retryable = true;
        let answer = self.client.execute(call).instrument(span.clone()).await?;
        let render: Render = self.client.decode((&Method::POST, &path), &answer.body)?;
        span.record("render_id", render.id.as_str());
        let response = ResponseMeta {
            method: Method::POST,
            route: path,
            attempt: answer.attempt,
            status: reqwest::StatusCode::from_u16(answer.status).unwrap_or(reqwest::StatusCode::OK),
            headers: answer.headers,
        };
        Ok(RenderHandle {
            client: self.client.clone(),
            render,
            response,
        })
    }
}

/// An accepted render and the client that made it, so that it can be waited for.
#[derive(Debug, Clone)]
pub struct RenderHandle {
    client: Client,
    render: Render,
    response: ResponseMeta,
}

impl RenderHandle {
    /// Polls until the render is terminal: the succeeded render, or [`Error::RenderFailed`]
    /// / [`Error::Deadline`]. Uses the client's [`WaitOptions`]. The accepted render is the
    /// starting point: a terminal one (an idempotent replay) is returned without a request,
    /// and the first GET comes after the first pause.
    pub async fn wait(self) -> Result<Render, Error> {
        let options = self.client.inner.wait;
        self.wait_with(options).await
    }

    /// As [`wait`](RenderHandle::wait) with other options.
    pub async fn wait_with(self, options: WaitOptions) -> Result<Render, Error> {
        self.client
            .wait_from(&self.render.id, Some(&self.render), options)
            .await
    }

    /// Whether the server answered with a render it already had for this idempotency key
    /// (`Idempotent-Replayed: true`): nothing new was rendered.
    pub fn replayed(&self) -> bool {
        self.response.replayed()
    }

    /// The answer to the render's `POST`: its request id (for support), status (`202`, or
    /// `200` for a replay), headers and which attempt it was.
    ///
    /// ```no_run
    /// # async fn f(client: craftkit_runtime::Client, data: serde_json::Value) -> Result<(), craftkit_runtime::client::Error> {
    /// let handle = client.render_json("invoice", data).send().await?;
    /// tracing::info!(render = %handle.id, request_id = handle.response().request_id(), "accepted");
    /// # Ok(()) }
    /// ```
    pub fn response(&self) -> &ResponseMeta {
        &self.response
    }

    /// The render as it was accepted.
    pub fn into_render(self) -> Render {
        self.render
    }
}

impl Deref for RenderHandle {
    type Target = Render;

    fn deref(&self) -> &Render {
        &self.render
    }
}
