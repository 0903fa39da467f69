//! Waiting for a render: polls `GET /v1/renders/:id`, following the server's `Retry-After`
//! hint, under a deadline.

use std::time::{Duration, Instant};

use craftkit_core::api::{Render, RenderStatus};

use super::retry::retry_after;
use super::templates::encode;
use super::transport::Call;
use super::{Client, Error, RenderRef};

/// How [`Client::wait`] polls: by default for at most 2 minutes, pausing from 250 ms up to
/// 2 s between polls when the server gives no `Retry-After`. Start from
/// [`default`](WaitOptions::default) and change what differs; a setting added in a later
/// version gets its default, so this code keeps compiling:
///
/// ```
/// use std::time::Duration;
/// use craftkit_runtime::client::WaitOptions;
///
/// let quick = WaitOptions::default().with_deadline(Duration::from_secs(5));
/// assert_eq!(quick.deadline(), Duration::from_secs(5));
/// assert_eq!(quick.max_interval(), Duration::from_secs(2)); // the default
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct WaitOptions {
    deadline: Duration,
    initial_interval: Duration,
    max_interval: Duration,
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

impl WaitOptions {
    /// These options giving up after `deadline` (default 2 minutes), even in the middle of a
    /// poll that is being retried or answered slowly ([`Error::Deadline`]).
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> WaitOptions {
        self.deadline = deadline;
        self
    }

    /// These options with the first pause between polls at `interval` (default 250 ms) when
    /// the server gives no `Retry-After`; it grows by 1.5x up to
    /// [`max_interval`](WaitOptions::max_interval).
    #[must_use]
    pub fn with_initial_interval(mut self, interval: Duration) -> WaitOptions {
        self.initial_interval = interval;
        self
    }

    /// These options with the longest pause between polls at `interval` (default 2 s), the
    /// server's `Retry-After` included.
    #[must_use]
    pub fn with_max_interval(mut self, interval: Duration) -> WaitOptions {
        self.max_interval = interval;
        self
    }

    /// How long a wait may take in all.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The first pause between polls when the server gives no `Retry-After`.
    pub fn initial_interval(&self) -> Duration {
        self.initial_interval
    }

    /// The longest pause between polls.
    pub fn max_interval(&self) -> Duration {
        self.max_interval
    }
}

impl Client {
    /// Polls a render (its id, or the render: [`RenderRef`]) until it is terminal, with the
    /// client's [`WaitOptions`].
    pub async fn wait(&self, render: impl Into<RenderRef<'_>>) -> Result<Render, Error> {
        self.wait_with(render, self.inner.wait).await
    }

    /// Polls a render (its id, or the render: [`RenderRef`]) until it is terminal. Given an id,
    /// the first GET goes out at once; given a render, that is its state at the start (returned
    /// at once when terminal) and the first GET comes after the first pause. The pause between
    /// polls is the server's `Retry-After` when it gives one (capped by `max_interval`), else a
    /// backoff growing from `initial_interval` by 1.5x; the last pause is cut to end at the
    /// deadline.
    pub async fn wait_with(
        &self,
        render: impl Into<RenderRef<'_>>,
        options: WaitOptions,
    ) -> Result<Render, Error> {
        let render = render.into();
        self.wait_from(render.id(), render.render(), options).await
    }

    /// Polls the render `id` until it is terminal, starting from what is already known of it:
    /// `accepted`, the answer to its POST, is the render's state at the start (returned at
    /// once when terminal, e.g. an idempotent replay), so the first GET comes after the first
    /// pause instead of at once.
    pub(crate) async fn wait_from(
        &self,
        id: &str,
        accepted: Option<&Render>,
        options: WaitOptions,
    ) -> Result<Render, Error> {
        let started = Instant::now();
        let mut schedule = Schedule::new(options, accepted.is_some());
        if let Some(render) = accepted {
            if let Some(done) = settled(render) {
                return done;
            }
        }
        let mut hint = None;
        let mut last_status = accepted.map_or(RenderStatus::Queued, |r| r.status);
        let deadline = |last_status| Error::Deadline {
            render_id: id.to_owned(),
            last_status,
            waited: started.elapsed(),
        };
        loop {
            let pause = schedule.next_pause(hint);
            if !pause.is_zero() {
                let left = options.deadline.saturating_sub(started.elapsed());
                tokio::time::sleep(pause.min(left)).await;
            }
            // The poll ends at the deadline too, retries included: a `429`'s `Retry-After` or
            // a slow answer must not hold the wait past it.
            let left = options.deadline.saturating_sub(started.elapsed());
            let poll = async {
                let mut call = Call::get(format!("/v1/renders/{}", encode(id)));
                call.deadline = Some(started + options.deadline);
                let answer = self.execute(call).await?;
                let render: Render =
                    self.decode((&reqwest::Method::GET, "/v1/renders/:id"), &answer.body)?;
                Ok::<_, Error>((answer, render))
            };
            let Ok(polled) = tokio::time::timeout(left, poll).await else {
                return Err(deadline(last_status));
            };
            let (answer, render) = polled?;
            if let Some(done) = settled(&render) {
                return done;
            }
            last_status = render.status;
            if started.elapsed() >= options.deadline {
                return Err(deadline(last_status));
            }
            hint = retry_after(&answer.headers, std::time::SystemTime::now());
        }
    }
}

/// The end of a wait, when `render` is terminal: the render, or [`Error::RenderFailed`].
fn settled(render: &Render) -> Option<Result<Render, Error>> {
    match render.status {
        RenderStatus::Succeeded => Some(Ok(render.clone())),
        RenderStatus::Failed => {
            let (code, message) = render
                .error
                .as_ref()
                .map(|e| (e.code.clone(), e.message.clone()))
                .unwrap_or_else(|| ("render_failed".into(), "no reason given".into()));
            Some(Err(Error::RenderFailed {
                render: Box::new(render.clone()),
                code,
                message,
            }))
        }
        RenderStatus::Queued | RenderStatus::Rendering => None,
    }
}

/// The pauses before each poll of one wait.
#[derive(Debug)]
struct Schedule {
    options: WaitOptions,
    /// The next backoff step, used when the server gives no hint.
    interval: Duration,
    /// Whether the next GET goes out without a pause: the first one, when the render's state
    /// at the start is not known (no POST answer).
    at_once: bool,
}

impl Schedule {
    fn new(options: WaitOptions, accepted: bool) -> Schedule {
        Schedule {
            options,
            interval: options.initial_interval,
            at_once: !accepted,
        }
    }

    /// The pause before the next GET, given the `Retry-After` of the last answer. The first
    /// GET goes out at once unless the render's state at the start is known: then polling
    /// at once would only repeat the POST's answer.
    fn next_pause(&mut self, hint: Option<Duration>) -> Duration {
        if std::mem::take(&mut self.at_once) {
            return Duration::ZERO;
        }
        match hint {
            Some(hint) => hint.min(self.options.max_interval),
            None => {
                let pause = self.interval;
                self.interval = self.interval.mul_f64(1.5).min(self.options.max_interval);
                pause
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The GETs of a wait on a render that completes `done` after its POST, against a server
    /// answering `hint` while it is not terminal: when each went out, in virtual time.
    fn polls(accepted: bool, done: Duration, hint: Option<Duration>) -> Vec<Duration> {
        let mut schedule = Schedule::new(WaitOptions::default(), accepted);
        let (mut now, mut last_hint, mut gets) = (Duration::ZERO, None, Vec::new());
        loop {
            now += schedule.next_pause(last_hint);
            gets.push(now);
            if now >= done || gets.len() > 100 {
                return gets;
            }
            last_hint = hint;
        }
    }

    #[test]
    fn setters_change_one_setting_and_keep_the_defaults() {
        let default = WaitOptions::default();
        assert_eq!(
            (
                default.deadline(),
                default.initial_interval(),
                default.max_interval()
            ),
            (
                Duration::from_secs(120),
                Duration::from_millis(250),
                Duration::from_secs(2)
            )
        );
        let changed = default
            .with_deadline(Duration::from_secs(5))
            .with_initial_interval(Duration::from_millis(10))
            .with_max_interval(Duration::from_millis(40));
        assert_eq!(changed.deadline(), Duration::from_secs(5));
        assert_eq!(changed.initial_interval(), Duration::from_millis(10));
        assert_eq!(changed.max_interval(), Duration::from_millis(40));
        // The schedule follows the settings: 10, 15, 22.5, then 40 at most.
        let mut schedule = Schedule::new(changed, true);
        let pauses: Vec<Duration> = (0..5).map(|_| schedule.next_pause(None)).collect();
        assert_eq!(pauses[0], Duration::from_millis(10));
        assert_eq!(pauses[4], Duration::from_millis(40));
    }

    #[test]
    fn a_five_second_render_takes_at_most_six_gets_without_hints() {
        let done = Duration::from_millis(5_050);
        let gets = polls(true, done, None);
        assert!(gets.len() <= 6, "{gets:?}");
        // Noticed within one poll interval of completing.
        let [.., before, last] = gets[..] else {
            panic!("{gets:?}")
        };
        assert!(last - done <= last - before, "{gets:?}");
    }

    #[test]
    fn an_accepted_render_is_not_polled_at_once() {
        let gets = polls(true, Duration::from_secs(1), None);
        assert_eq!(gets[0], WaitOptions::default().initial_interval);
        let gets = polls(false, Duration::from_secs(1), None);
        assert_eq!(
            gets[0],
            Duration::ZERO,
            "a bare id has no state to start from"
        );
    }

    #[test]
    fn the_server_hint_is_followed_up_to_the_longest_interval() {
        let gets = polls(true, Duration::from_secs(5), Some(Duration::from_secs(3)));
        let pauses: Vec<Duration> = gets.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(
            pauses.iter().all(|p| *p == Duration::from_secs(2)),
            "{pauses:?}"
        );
        let gets = polls(
            true,
            Duration::from_secs(1),
            Some(Duration::from_millis(100)),
        );
        assert_eq!(gets[1] - gets[0], Duration::from_millis(100));
    }
}
