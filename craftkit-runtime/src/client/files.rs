//! Getting the PDF (through the public URL when there is one, the private stream otherwise),
//! and share links.

use std::path::Path;

use bytes::Bytes;
use craftkit_core::api::{Page, Render, RenderStatus, Share};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::templates::encode;
use super::transport::Call;
use super::{Client, Error};

impl Client {
    /// The PDF of a succeeded render, in memory. For large documents prefer
    /// [`download_to`](Client::download_to), which never holds the whole PDF.
    pub async fn download(&self, render: &Render) -> Result<Bytes, Error> {
        let mut buffer = Vec::with_capacity(render.bytes.unwrap_or(0).min(64 << 20) as usize);
        self.download_to(render, &mut buffer).await?;
        Ok(Bytes::from(buffer))
    }

    /// Streams the PDF of a succeeded render into `out`, chunk by chunk. The public
    /// `downloadUrl` is fetched without the key (it is public, and may be on another host);
    /// a private render comes from `GET /v1/renders/:id/download` with it. Returns the bytes
    /// written. A failure before the first byte is retried; one after it is returned.
    pub async fn download_to<W: AsyncWrite + Unpin>(
        &self,
        render: &Render,
        out: &mut W,
    ) -> Result<u64, Error> {
        if render.status != RenderStatus::Succeeded {
            return Err(Error::Config(format!(
                "render {} is {}: only a succeeded render has a PDF (wait for it first)",
                render.id,
                render.status.as_str()
            )));
        }
        let mut response = self.open_download(render).await?;
        let mut written = 0u64;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    out.write_all(&chunk).await?;
                    written += chunk.len() as u64;
                }
                Ok(None) => break,
                Err(error) => {
                    return Err(Error::Transport {
                        method: "GET".into(),
                        path: format!("/v1/renders/{}/download", render.id),
                        message: format!("the download broke off after {written} bytes: {error}"),
                        attempts: 1,
                    });
                }
            }
        }
        out.flush().await?;
        Ok(written)
    }

    /// Streams the PDF into a file at `path` (written beside it, then renamed into place).
    pub async fn download_to_file(
        &self,
        render: &Render,
        path: impl AsRef<Path>,
    ) -> Result<u64, Error> {
        let path = path.as_ref();
        let partial = path.with_extension("pdf.part");
        let mut file = tokio::fs::File::create(&partial).await?;
        let written = match self.download_to(render, &mut file).await {
            Ok(written) => written,
            Err(error) => {
                drop(file);
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(error);
            }
        };
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&partial, path).await?;
        Ok(written)
    }

    /// Opens the download, retrying like any GET until the answer's head arrives.
    async fn open_download(&self, render: &Render) -> Result<reqwest::Response, Error> {
        let policy = self.inner.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = match &render.download_url {
                Some(url) => self.inner.http.get(url),
                None => self
                    .inner
                    .http
                    .get(format!(
                        "{}/v1/renders/{}/download",
                        self.inner.base_url,
                        encode(&render.id)
                    ))
                    .header("authorization", self.inner.key.header()),
            };
            let error = match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response)
                    if response.status().as_u16() == 429 || response.status().is_server_error() =>
                {
                    format!("HTTP {}", response.status())
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.bytes().await.unwrap_or_default();
                    let error = serde_json::from_slice::<craftkit_core::api::ErrorBody>(&body)
                        .ok()
                        .map(|b| b.error);
                    return Err(Error::Api(Box::new(super::ApiFailure {
                        method: "GET".into(),
                        path: format!("/v1/renders/{}/download", render.id),
                        status,
                        kind: error
                            .as_ref()
                            .map_or_else(|| "unknown".into(), |e| e.kind.clone()),
                        message: error
                            .as_ref()
                            .map_or_else(|| format!("HTTP {status}"), |e| e.message.clone()),
                        details: error
                            .as_ref()
                            .map(|e| e.details.clone())
                            .unwrap_or_default(),
                        request_id: error.and_then(|e| e.request_id),
                        attempts: attempt,
                    })));
                }
                Err(error) => error.to_string(),
            };
            let delay = if attempt > policy.max_retries {
                None
            } else {
                policy.delay(attempt, None)
            };
            match delay {
                Some(delay) => tokio::time::sleep(delay).await,
                None => {
                    return Err(Error::Transport {
                        method: "GET".into(),
                        path: format!("/v1/renders/{}/download", render.id),
                        message: error,
                        attempts: attempt,
                    });
                }
            }
        }
    }

    /// A durable share link for a succeeded render, usable without the key until revoked.
    pub async fn share(&self, render_id: &str, label: Option<&str>) -> Result<Share, Error> {
        let body = match label {
            Some(label) => json!({ "label": label }),
            None => json!({}),
        };
        self.json(Call::send_json(
            Method::POST,
            format!("/v1/renders/{}/shares", encode(render_id)),
            &body,
        )?)
        .await
    }

    /// The share links of a render.
    pub async fn shares(&self, render_id: &str) -> Result<Vec<Share>, Error> {
        let page: Page<Share> = self
            .json(Call::get(format!(
                "/v1/renders/{}/shares",
                encode(render_id)
            )))
            .await?;
        Ok(page.data)
    }

    /// Revokes a share link; its URL answers `404` from then on.
    pub async fn revoke_share(&self, share_id: &str) -> Result<Share, Error> {
        let call = Call {
            method: Method::DELETE,
            path: format!("/v1/shares/{}", encode(share_id)),
            body: None,
            headers: Vec::new(),
            retryable: true, // revoking twice is revoking once
        };
        self.json(call).await
    }

    /// A render by id (offline replay: keep the id, come back later).
    pub async fn get_render(&self, id: &str) -> Result<Render, Error> {
        self.json(Call::get(format!("/v1/renders/{}", encode(id))))
            .await
    }
}
