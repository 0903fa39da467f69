//! One item's life: its PDF already on disk, else the render (sent again with the same key
//! after a transient failure), the wait, the download.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::time::Instant;

use super::driver::Shared;
use super::{BatchItem, BatchOutcome, BatchResult, on_disk, pdf_file_name};
use crate::client::Error;

/// Runs `item`, the `position`-th of its batch, to its one result.
pub(crate) async fn run(shared: Arc<Shared>, position: u64, item: BatchItem) -> BatchResult {
    let started = Instant::now();
    let BatchItem {
        slug,
        data,
        key,
        index,
    } = item;
    let claim = Claim::take(&shared, &key).await;
    let mut attempts = 0;
    let outcome = match data {
        Ok(data) => render(&shared, &slug, data, &key, &mut attempts).await,
        Err(error) => BatchOutcome::Error(error),
    };
    drop(claim);
    BatchResult {
        index: index.unwrap_or(position),
        key,
        outcome,
        elapsed: started.elapsed(),
        attempts,
    }
}

async fn render(
    shared: &Shared,
    slug: &str,
    data: serde_json::Value,
    key: &str,
    attempts: &mut u32,
) -> BatchOutcome {
    let pdf = shared
        .options
        .download_dir
        .as_ref()
        .filter(|_| shared.options.wait)
        .map(|dir| dir.join(pdf_file_name(key)));
    if let Some(pdf) = pdf {
        if on_disk(&pdf).await {
            return BatchOutcome::OnDisk { pdf };
        }
        return attempt_all(shared, slug, data, key, Some(pdf), attempts).await;
    }
    attempt_all(shared, slug, data, key, None, attempts).await
}

/// Tries the item until it has an outcome other than a transient error, or is out of
/// attempts. Every try carries the same key: the server renders the item at most once.
async fn attempt_all(
    shared: &Shared,
    slug: &str,
    data: serde_json::Value,
    key: &str,
    pdf: Option<PathBuf>,
    attempts: &mut u32,
) -> BatchOutcome {
    loop {
        *attempts += 1;
        match once(shared, slug, data.clone(), key, pdf.as_ref()).await {
            Err(error) if transient(&error) && *attempts < shared.options.item_attempts => {
                let policy = shared.client.inner.retry;
                if let Some(pause) = policy.delay(*attempts, None) {
                    tokio::time::sleep(pause).await;
                }
            }
            Err(error) => return BatchOutcome::Error(error),
            Ok(outcome) => return outcome,
        }
    }
}

async fn once(
    shared: &Shared,
    slug: &str,
    data: serde_json::Value,
    key: &str,
    pdf: Option<&PathBuf>,
) -> Result<BatchOutcome, Error> {
    let client = &shared.client;
    let mut request = client.render_json(slug, data).idempotency_key(key);
    if let Some(visibility) = shared.options.visibility {
        request = request.visibility(visibility);
    }
    let handle = request.send().await?;
    let replayed = handle.replayed();
    if !shared.options.wait {
        return Ok(BatchOutcome::Accepted {
            render: Box::new(handle.into_render()),
            replayed,
        });
    }
    let render = match handle.wait().await {
        Ok(render) => render,
        Err(Error::RenderFailed {
            render,
            code,
            message,
        }) => {
            return Ok(BatchOutcome::RenderFailed {
                render,
                code,
                message,
            });
        }
        Err(error) => return Err(error),
    };
    if let Some(pdf) = pdf {
        // The directory is made on first use (a run that starts in a fresh checkout), not
        // required to exist: otherwise every item would render and then fail to be written.
        if let Some(dir) = pdf.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        client.download_to_file(&render, pdf).await?;
    }
    Ok(BatchOutcome::Rendered {
        render: Box::new(render),
        replayed,
        pdf: pdf.cloned(),
    })
}

/// Whether sending the item again may succeed where the client's own retries gave up.
fn transient(error: &Error) -> bool {
    error.is_retryable()
}

/// An item's hold on its key while it is in flight.
struct Claim<'a> {
    shared: &'a Shared,
    key: &'a str,
}

impl<'a> Claim<'a> {
    /// Waits until no other item of the batch with `key` is in flight, then holds it.
    async fn take(shared: &'a Shared, key: &'a str) -> Claim<'a> {
        loop {
            let released = shared.key_released.notified();
            tokio::pin!(released);
            // Registered before the check, so a release in between is not missed.
            released.as_mut().enable();
            {
                let mut keys = shared.keys.lock().unwrap_or_else(|p| p.into_inner());
                if keys.insert(key.to_owned()) {
                    return Claim { shared, key };
                }
            }
            released.await;
        }
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.shared
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(self.key);
        self.shared.key_released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ApiFailure;

    fn api(status: u16, kind: &str) -> Error {
        Error::Api(Box::new(ApiFailure {
            method: "POST".into(),
            path: "/v1/templates/x/render".into(),
            status,
            kind: kind.into(),
            message: String::new(),
            details: Vec::new(),
            request_id: None,
            attempts: 3,
        }))
    }

    #[test]
    fn only_failures_that_another_try_may_cure_are_transient() {
        assert!(transient(&api(429, "rate_limited")));
        assert!(transient(&api(503, "server_error")));
        assert!(transient(&api(409, "idempotency_in_progress")));
        assert!(!transient(&api(409, "idempotency_conflict")));
        assert!(!transient(&api(422, "validation_failed")));
        assert!(!transient(&api(404, "not_found")));
        assert!(!transient(&Error::Serialize("NaN".into())));
    }
}
