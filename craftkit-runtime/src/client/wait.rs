//! Waiting for a render: polls `GET /v1/renders/:id`, following the server's `Retry-After`
//! hint, under a deadline.

use std::time::{Duration, Instant};

use craftkit_core::api::{Render, RenderStatus};

use super::retry::parse_retry_after;
use super::transport::Call;
use super::{Client, Error};

/// How [`Client::wait`] polls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitOptions {
    /// Give up after this long.
    pub deadline: Duration,
    /// The first pause between polls when the server gives no `Retry-After`.
    pub initial_interval: Duration,
    /// The longest pause between polls.
    pub max_interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> WaitOptions {
        WaitOptions {
            deadline: Duration::from_secs(120),
            initial_interval: Duration::from_millis(250),
            max_interval: Duration::from_secs(2),
        }
    }
}

impl Client {
    /// Polls the render `id` until it is terminal, with the client's [`WaitOptions`].
    pub async fn wait(&self, id: &str) -> Result<Render, Error> {
        self.wait_with(id, self.inner.wait).await
    }

    /// Polls the render `id` until it is terminal. The pause between polls is the server's
    /// `Retry-After` when it gives one (capped by `max_interval`), else a backoff growing from
    /// `initial_interval` by 1.5x; the last pause is cut to end at the deadline.
    pub async fn wait_with(&self, id: &str, options: WaitOptions) -> Result<Render, Error> {
        let started = Instant::now();
        let mut interval = options.initial_interval;
        loop {
            let answer = self.execute(Call::get(format!("/v1/renders/{id}"))).await?;
            let render: Render =
                self.decode((&reqwest::Method::GET, "/v1/renders/:id"), &answer.body)?;
            match render.status {
                RenderStatus::Succeeded => return Ok(render),
                RenderStatus::Failed => {
                    let (code, message) = render
                        .error
                        .as_ref()
                        .map(|e| (e.code.clone(), e.message.clone()))
                        .unwrap_or_else(|| ("render_failed".into(), "no reason given".into()));
                    return Err(Error::RenderFailed {
                        render: Box::new(render),
                        code,
                        message,
                    });
                }
                RenderStatus::Queued | RenderStatus::Rendering => {}
            }
            let elapsed = started.elapsed();
            if elapsed >= options.deadline {
                return Err(Error::Deadline {
                    render_id: id.to_owned(),
                    last_status: render.status,
                    waited: elapsed,
                });
            }
            let hint = answer
                .headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let pause = match hint {
                Some(hint) => hint.min(options.max_interval),
                None => {
                    let pause = interval;
                    interval = interval.mul_f64(1.5).min(options.max_interval);
                    pause
                }
            };
            tokio::time::sleep(pause.min(options.deadline - elapsed)).await;
        }
    }
}
