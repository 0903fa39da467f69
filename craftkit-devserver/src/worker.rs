//! The render lifecycle: `queued` -> `rendering` -> `succeeded` | `failed`, on a pool of
//! workers. Terminal states never change.

use axum::body::Bytes;
use craftkit_core::api::{RenderError, RenderStatus};
use serde_json::Value;

use crate::app::App;
use crate::ids::{percent_encode, timestamp};
use crate::pdf::{Assets, PdfInput, RenderedPdf, render_pdf};
use crate::persist::Change;
use crate::webhooks;

pub(crate) fn spawn(app: App, render_id: String) {
    tokio::spawn(async move {
        let Ok(_permit) = app.workers.clone().acquire_owned().await else {
            return;
        };
        let job = {
            let mut store = app.store.lock();
            let Some(entry) = store.render_mut(&render_id) else {
                return;
            };
            if entry.render.status != RenderStatus::Queued {
                return;
            }
            entry.render.status = RenderStatus::Rendering;
            entry.rendering_since = Some(std::time::Instant::now());
            // Moved out, not copied: it comes back for the final record on disk, and the
            // store keeps none once the render is terminal (it is needed only to render).
            (
                entry.tree.clone(),
                std::mem::take(&mut entry.data),
                entry.fail,
            )
        };
        let (tree, data, fail) = job;
        tokio::time::sleep(app.config.render_delay).await;
        let watermark = app
            .store
            .lock()
            .render_projects
            .get(&render_id)
            .is_some_and(|k| k.starts_with("ck_test_"));
        let failed = |message: String| RenderError {
            code: "render_failed".into(),
            message,
        };
        // Linked images first, when the server fetches them: one that cannot be fetched
        // fails the render before anything is drawn.
        let assets = match (&app.assets, fail) {
            (Some(fetcher), false) => Some(fetcher.fetch_all(tree.root(), &data).await),
            _ => None,
        };
        let (outcome, data) = match assets {
            _ if fail => (
                Err(failed("the render failed (injected fault)".to_owned())),
                data,
            ),
            Some(Err(error)) => (
                Err(RenderError {
                    code: error.code.into(),
                    message: error.message,
                }),
                data,
            ),
            Some(Ok(assets)) => draw(tree, data, watermark, Some(assets)).await,
            None => draw(tree, data, watermark, None).await,
        };
        let key = app
            .store
            .lock()
            .render_projects
            .get(&render_id)
            .cloned()
            .unwrap_or_default();
        // The PDF is on disk before the render says it succeeded.
        let outcome = match outcome {
            Ok(pdf) => match app.save_pdf(&render_id, &pdf.bytes) {
                Ok(()) => Ok(pdf),
                Err(error) => {
                    tracing::error!(%error, "cannot write a PDF to the data directory");
                    Err(failed("the PDF could not be stored".to_owned()))
                }
            },
            Err(error) => Err(error),
        };
        let render = {
            let now = timestamp(app.config.clock.now());
            let base_url = app.base_url.clone();
            let mut store = app.store.lock();
            let Some(entry) = store.render_mut(&render_id) else {
                return;
            };
            let render = &mut entry.render;
            render.completed_at = Some(now);
            match outcome {
                Ok(pdf) => {
                    render.status = RenderStatus::Succeeded;
                    render.pages = Some(pdf.pages);
                    render.bytes = Some(pdf.bytes.len() as u64);
                    if let Some(token) = &entry.download_token {
                        render.download_url = Some(format!(
                            "{base_url}/files/{token}/{}",
                            percent_encode(&render.filename)
                        ));
                    }
                    // Stored for as long as the server runs: without the writer's spare
                    // capacity.
                    let mut bytes = pdf.bytes;
                    bytes.shrink_to_fit();
                    entry.pdf = Some(Bytes::from(bytes));
                }
                Err(error) => {
                    render.status = RenderStatus::Failed;
                    render.error = Some(error);
                }
            }
            // The final record keeps the data (a restored server renders a succeeded render
            // again when its PDF file is gone). Rendered is rendered: a record that cannot be
            // written leaves the render queued on disk, to be rendered again after a restart.
            let stored = app.commit(
                &key,
                &[Change::Render {
                    render: &entry.render,
                    data: &data,
                    download_token: entry.download_token.as_deref(),
                    fail: entry.fail,
                }],
            );
            if stored.is_err() {
                tracing::warn!(render = %render_id, "the render's final state is not stored");
            }
            entry.render.clone()
        };
        webhooks::emit(&app, &key, &render);
    });
}

/// Renders the PDF on a blocking thread; gives `data` back for the final record.
async fn draw(
    tree: std::sync::Arc<craftkit_core::manifest::Tree>,
    data: Value,
    watermark: bool,
    assets: Option<Assets>,
) -> (Result<RenderedPdf, RenderError>, Value) {
    tokio::task::spawn_blocking(move || {
        let pdf = render_pdf(&PdfInput {
            tree: &tree,
            data: &data,
            watermark: watermark.then_some("TEST"),
            assets: assets.as_ref(),
        })
        .map_err(|e| RenderError {
            code: "render_failed".into(),
            message: e.to_string(),
        });
        (pdf, data)
    })
    .await
    .unwrap_or_else(|e| {
        let error = RenderError {
            code: "render_failed".into(),
            message: format!("the renderer stopped: {e}"),
        };
        (Err(error), Value::Null)
    })
}
