//! Getting the PDF (through the public URL when there is one, the private stream otherwise),
//! and share links.

use std::path::Path;

use bytes::Bytes;
use craftkit_core::api::{Page, Render, RenderStatus, Share};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tracing::Instrument;

use super::templates::encode;
use super::transport::{Call, Failed, Retries, describe};
use super::{Client, Error, RenderRef};

impl Client {
    /// The PDF of a succeeded render (the render, or its id: [`RenderRef`]), in memory. For
    /// large documents prefer [`download_to`](Client::download_to), which never holds the
    /// whole PDF.
    pub async fn download(&self, render: impl Into<RenderRef<'_>>) -> Result<Bytes, Error> {
        let fetched;
        let render = match render.into() {
            RenderRef::Render(render) => render,
            id => {
                fetched = self.get_render(id).await?;
                &fetched
            }
        };
        let mut buffer = Vec::with_capacity(render.bytes.unwrap_or(0).min(64 << 20) as usize);
        self.download_to(render, &mut buffer).await?;
        Ok(Bytes::from(buffer))
    }

    /// Streams the PDF of a succeeded render (the render, or its id, which fetches the render
    /// first: [`RenderRef`]) into `out`, chunk by chunk. The public
    /// `downloadUrl` is fetched without the key (it is public, and may be on another host);
    /// a private render comes from `GET /v1/renders/:id/download` with it. Returns the bytes
    /// written. A failure before the first byte is retried like any GET (honouring
    /// `Retry-After`); one after it is returned, since `out` already holds part of the PDF.
    pub async fn download_to<W: AsyncWrite + Unpin>(
        &self,
        render: impl Into<RenderRef<'_>>,
        out: &mut W,
    ) -> Result<u64, Error> {
        let fetched;
        let render = match render.into() {
            RenderRef::Render(render) => render,
            id => {
                fetched = self.get_render(id).await?;
                &fetched
            }
        };
        if render.status != RenderStatus::Succeeded {
            return Err(Error::NotReady {
                render_id: render.id.clone(),
                status: render.status,
            });
        }
        let call = download_call(render);
        let mut retries = Retries::new(&call, self);
        loop {
            let (attempt, span) = retries.start();
            let failed = match self.open(&call, attempt).instrument(span.clone()).await {
                Ok(response) => match stream_into(response, out).instrument(span).await? {
                    Streamed::Whole(written) => return Ok(written),
                    Streamed::BrokeOff {
                        written: 0,
                        message,
                    } => Failed::Unreachable(format!(
                        "the download broke off before its first byte: {message}"
                    )),
                    // `out` holds part of the PDF: another attempt would append to it.
                    Streamed::BrokeOff { written, message } => {
                        return Err(Error::Transport {
                            method: "GET".into(),
                            path: call.route().into_owned(),
                            message: format!(
                                "the download broke off after {written} bytes: {message}"
                            ),
                            attempts: attempt,
                        });
                    }
                },
                Err(failed) => failed,
            };
            retries.after(failed).await?;
        }
    }

    /// Streams the PDF of a succeeded render (the render, or its id: [`RenderRef`]) into a file
    /// at `path` (written beside it, then renamed into place).
    pub async fn download_to_file(
        &self,
        render: impl Into<RenderRef<'_>>,
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

    /// A durable share link for a succeeded render (its id, or the render: [`RenderRef`]),
    /// usable without the key until revoked, with an optional `label` for people.
    pub async fn share(
        &self,
        render: impl Into<RenderRef<'_>>,
        label: Option<&str>,
    ) -> Result<Share, Error> {
        let render_id = render.into().id();
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

    /// The share links of a render (its id, or the render: [`RenderRef`]).
    pub async fn shares(&self, render: impl Into<RenderRef<'_>>) -> Result<Vec<Share>, Error> {
        let render_id = render.into().id();
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
            retryable: true, // revoking twice is revoking once
            ..Call::new(Method::DELETE, format!("/v1/shares/{}", encode(share_id)))
        };
        self.json(call).await
    }

    /// A render as it is now, by its id or an older copy of it ([`RenderRef`]; offline replay:
    /// keep the id, come back later).
    pub async fn get_render(&self, render: impl Into<RenderRef<'_>>) -> Result<Render, Error> {
        let id = render.into().id();
        self.json(Call::get(format!("/v1/renders/{}", encode(id))))
            .await
    }
}

/// How a download ended.
enum Streamed {
    /// Every byte is in `out`.
    Whole(u64),
    /// The answer broke off after `written` bytes.
    BrokeOff { written: u64, message: String },
}

/// Streams an answer's body into `out`, chunk by chunk. Only writing to `out` is an error here.
async fn stream_into<W: AsyncWrite + Unpin>(
    mut response: reqwest::Response,
    out: &mut W,
) -> Result<Streamed, Error> {
    let mut written = 0u64;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                out.write_all(&chunk).await?;
                written += chunk.len() as u64;
            }
            Ok(None) => {
                out.flush().await?;
                return Ok(Streamed::Whole(written));
            }
            Err(error) => {
                return Ok(Streamed::BrokeOff {
                    written,
                    message: describe(&error),
                });
            }
        }
    }
}

/// The GET of a render's PDF: its public `downloadUrl` without the key when it has one (the
/// URL holds a token, so messages name the render instead), the private endpoint otherwise.
fn download_call(render: &Render) -> Call {
    match &render.download_url {
        Some(url) => Call::public_download(url, &render.id),
        None => Call::get(format!("/v1/renders/{}/download", encode(&render.id))),
    }
}
