//! Getting the PDF (through the public URL when there is one, the private stream otherwise),
//! and share links.

use std::path::Path;

use bytes::Bytes;
use craftkit_core::api::{Page, Render, RenderStatus, Share};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tracing::Instrument;

use super::retry::parse_retry_after;
use super::transport::describe;

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
    /// written. A failure before the first byte is retried like any GET (honouring
    /// `Retry-After`); one after it is returned, since `out` already holds part of the PDF.
    pub async fn download_to<W: AsyncWrite + Unpin>(
        &self,
        render: &Render,
        out: &mut W,
    ) -> Result<u64, Error> {
        if render.status != RenderStatus::Succeeded {
            return Err(Error::NotReady {
                render_id: render.id.clone(),
                status: render.status,
            });
        }
        let path = download_path(render);
        let span = tracing::info_span!("craftkit.download", path = %path, attempt = tracing::field::Empty, status = tracing::field::Empty);
        let policy = self.inner.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let (message, retry_after) =
                match self.open_download(render).instrument(span.clone()).await {
                    Ok(mut response) => {
                        span.record("status", response.status().as_u16());
                        let mut written = 0u64;
                        let broke = loop {
                            match response.chunk().await {
                                Ok(Some(chunk)) => {
                                    out.write_all(&chunk).await?;
                                    written += chunk.len() as u64;
                                }
                                Ok(None) => break None,
                                Err(error) => break Some(describe(&error)),
                            }
                        };
                        match broke {
                            None => {
                                out.flush().await?;
                                return Ok(written);
                            }
                            Some(message) if written > 0 => {
                                return Err(Error::Transport {
                                    method: "GET".into(),
                                    path,
                                    message: format!(
                                        "the download broke off after {written} bytes: {message}"
                                    ),
                                    attempts: attempt,
                                });
                            }
                            Some(message) => (
                                format!("the download broke off before its first byte: {message}"),
                                None,
                            ),
                        }
                    }
                    Err(Opened::Retry {
                        message,
                        retry_after,
                    }) => (message, retry_after),
                    Err(Opened::Fail(failure)) => {
                        let mut failure = failure;
                        failure.attempts = attempt;
                        return Err(Error::Api(failure));
                    }
                };
            let delay = if attempt > policy.max_retries {
                None
            } else {
                policy.delay(attempt, retry_after)
            };
            match delay {
                Some(delay) => tokio::time::sleep(delay).await,
                None => {
                    return Err(Error::Transport {
                        method: "GET".into(),
                        path,
                        message,
                        attempts: attempt,
                    });
                }
            }
        }
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

    /// One attempt at the answer's head.
    async fn open_download(&self, render: &Render) -> Result<reqwest::Response, Opened> {
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
        let response = request.send().await.map_err(|error| Opened::Retry {
            message: describe(&error),
            retry_after: None,
        })?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        if status == 429 || status >= 500 {
            return Err(Opened::Retry {
                message: format!("HTTP {status}"),
                retry_after,
            });
        }
        let body = response.bytes().await.unwrap_or_default();
        Err(Opened::Fail(Box::new(super::ApiFailure::from_answer(
            "GET",
            &download_path(render),
            status,
            &body,
            None,
            1,
        ))))
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

enum Opened {
    Retry {
        message: String,
        retry_after: Option<std::time::Duration>,
    },
    Fail(Box<super::ApiFailure>),
}

/// Where a download comes from, for messages: the public link's path without its token (a
/// secret), or the private endpoint.
fn download_path(render: &Render) -> String {
    match render.download_url {
        Some(_) => format!("<public downloadUrl of {}>", render.id),
        None => format!("/v1/renders/{}/download", render.id),
    }
}
