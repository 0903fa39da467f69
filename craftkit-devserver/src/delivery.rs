//! Delivering events as Craftkit does: each (event, endpoint) pair on its own task, posted
//! until the endpoint answers `2xx` or the redelivery window ends. A non-`2xx` answer, no
//! answer within the delivery timeout, or a connection error is retried after an exponential
//! backoff with jitter; nothing else the endpoint says (`Retry-After`, `410`) changes that.
//! Every attempt is recorded: in a bounded ring for
//! [`DevServer::deliveries`](crate::DevServer::deliveries), and as a JSON line in
//! [`Config::delivery_log`](crate::Config::delivery_log) when set.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::{Config, WebhookEndpoint};
use crate::ids::timestamp;

/// How many delivery attempts a server keeps in memory by default (the newest):
/// [`Config::delivery_log_capacity`](crate::Config::delivery_log_capacity).
pub const DELIVERY_LOG_CAPACITY: usize = 100_000;

/// How many events a server keeps (the newest) for
/// [`DevServer::resend`](crate::DevServer::resend): an older one is unknown to it.
pub const RESENDABLE_EVENTS: usize = 10_000;

/// One delivery attempt of one event to one endpoint, as
/// [`DevServer::deliveries`](crate::DevServer::deliveries) lists it and the delivery log file
/// writes it (one JSON object a line: `at`, `event_id`, `endpoint`, `resend`, `attempt`,
/// `outcome` (`"status"`, `"timeout"` or `"connection_error"`), `status` (or `null`), `error`
/// (or `null`), `latency_ms`, `retry_in_ms` (or `null`)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// The event's id (`evt_...`): the same on every attempt.
    pub event_id: String,
    /// The endpoint's URL.
    pub endpoint: String,
    /// 0 for the event's own delivery; `n` for its `n`-th resend
    /// ([`DevServer::resend`](crate::DevServer::resend)), which is a delivery of its own.
    pub resend: u32,
    /// 1 for the first attempt of the delivery (or of the resend), 2 for its first
    /// redelivery, and so on.
    pub attempt: u32,
    /// When the attempt started, on the server's [`Clock`](crate::Clock) (the signature's `t`).
    pub at: SystemTime,
    /// What the endpoint did.
    pub outcome: DeliveryOutcome,
    /// From sending the request to its answer (or to the timeout or the error).
    pub latency: Duration,
    /// The wait before the next attempt; `None` when this one succeeded or the next would
    /// start after the redelivery window.
    pub retry_in: Option<Duration>,
}

/// What an endpoint did with one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// It answered with this HTTP status: delivered when `2xx`, retried otherwise.
    Status(u16),
    /// It did not answer within [`Config::webhook_timeout`](crate::Config::webhook_timeout).
    Timeout,
    /// The connection failed (refused, reset, closed before an answer): the cause.
    ConnectionError(String),
}

impl DeliveryOutcome {
    /// Whether the endpoint acknowledged the event (`2xx`): no more attempts follow.
    pub fn is_success(&self) -> bool {
        matches!(self, DeliveryOutcome::Status(status) if (200..300).contains(status))
    }
}

impl DeliveryRecord {
    /// The record as one JSON object (the delivery log file's line).
    fn to_json(&self) -> serde_json::Value {
        let (outcome, status, error) = match &self.outcome {
            DeliveryOutcome::Status(status) => ("status", Some(*status), None),
            DeliveryOutcome::Timeout => ("timeout", None, None),
            DeliveryOutcome::ConnectionError(error) => {
                ("connection_error", None, Some(error.as_str()))
            }
        };
        json!({
            "at": timestamp(self.at),
            "event_id": self.event_id,
            "endpoint": self.endpoint,
            "resend": self.resend,
            "attempt": self.attempt,
            "outcome": outcome,
            "status": status,
            "error": error,
            "latency_ms": self.latency.as_secs_f64() * 1000.0,
            "retry_in_ms": self.retry_in.map(|d| d.as_secs_f64() * 1000.0),
        })
    }
}

/// The deliveries of one server: the tasks in flight, the ring of attempts, the log file, the
/// events that can be resent.
pub(crate) struct Deliveries {
    ring: Mutex<VecDeque<DeliveryRecord>>,
    capacity: usize,
    events: Mutex<Events>,
    file: Option<Mutex<std::io::LineWriter<std::fs::File>>>,
    tasks: Mutex<Tasks>,
    shutdown: watch::Sender<bool>,
    /// The runtime the server started on, when there was one: a resend asked from outside it
    /// (a test's own thread) is delivered there.
    runtime: Option<tokio::runtime::Handle>,
}

/// The newest [`RESENDABLE_EVENTS`] events delivered, by id.
#[derive(Default)]
struct Events {
    by_id: HashMap<String, Kept>,
    /// The ids, oldest first: the first one goes when the map is full.
    order: VecDeque<String>,
}

/// One event kept for a resend.
struct Kept {
    /// The key of the project whose render it is about.
    project: String,
    /// The body as first delivered: a resend sends the same bytes.
    body: Bytes,
    /// How many times it was resent.
    resends: u32,
}

/// An event found for a resend: its body and the resend's number (1 for the first).
pub(crate) struct Resend {
    pub body: Bytes,
    pub number: u32,
}

#[derive(Default)]
struct Tasks {
    set: JoinSet<()>,
    stopped: bool,
}

/// What a delivery task needs of the server's configuration.
#[derive(Clone)]
pub(crate) struct Settings {
    pub http: reqwest::Client,
    pub clock: crate::config::Clock,
    pub timeout: Duration,
    pub window: Duration,
    pub backoff: Duration,
    pub backoff_max: Duration,
}

impl Settings {
    pub(crate) fn new(config: &Config, http: reqwest::Client) -> Settings {
        Settings {
            http,
            clock: config.clock.clone(),
            timeout: config.webhook_timeout,
            window: config.webhook_window,
            backoff: config.webhook_backoff,
            backoff_max: config.webhook_backoff_max,
        }
    }
}

impl Deliveries {
    /// Deliveries keeping `capacity` records, appending each to `file` when given; their
    /// tasks run on the current runtime, if any (else on the one current at each spawn).
    pub(crate) fn new(capacity: usize, file: Option<&Path>) -> std::io::Result<Deliveries> {
        let file = match file {
            Some(path) => Some(Mutex::new(std::io::LineWriter::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            ))),
            None => None,
        };
        Ok(Deliveries {
            ring: Mutex::new(VecDeque::new()),
            capacity,
            events: Mutex::new(Events::default()),
            file,
            tasks: Mutex::new(Tasks::default()),
            shutdown: watch::Sender::new(false),
            runtime: tokio::runtime::Handle::try_current().ok(),
        })
    }

    /// Keeps the body of event `event_id` (about a render of the project of `project`) for a
    /// later resend, forgetting the oldest event kept when there are [`RESENDABLE_EVENTS`].
    pub(crate) fn keep(&self, event_id: &str, project: &str, body: Bytes) {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        while events.order.len() >= RESENDABLE_EVENTS {
            let Some(oldest) = events.order.pop_front() else {
                break;
            };
            events.by_id.remove(&oldest);
        }
        events.order.push_back(event_id.to_owned());
        events.by_id.insert(
            event_id.to_owned(),
            Kept {
                project: project.to_owned(),
                body,
                resends: 0,
            },
        );
    }

    /// The body of a kept event, counted as resent once more: `None` when no event
    /// `event_id` is kept (of the project of `project`, when given).
    pub(crate) fn resend(&self, event_id: &str, project: Option<&str>) -> Option<Resend> {
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let kept = events
            .by_id
            .get_mut(event_id)
            .filter(|kept| project.is_none_or(|p| p == kept.project))?;
        kept.resends += 1;
        Some(Resend {
            body: kept.body.clone(),
            number: kept.resends,
        })
    }

    /// Starts delivering `body` (event `event_id`; `resend` 0, or the resend's number) to
    /// `endpoint`, on its own task; nothing once the server is stopping.
    pub(crate) fn spawn(
        self: &std::sync::Arc<Self>,
        settings: Settings,
        endpoint: WebhookEndpoint,
        event_id: String,
        resend: u32,
        body: Bytes,
    ) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        if tasks.stopped {
            tracing::warn!(event = %event_id, "the server is stopping: the event is not delivered");
            return;
        }
        // Finished tasks are reaped here, so the set holds only the ones in flight.
        while tasks.set.try_join_next().is_some() {}
        let deliveries = self.clone();
        let shutdown = self.shutdown.subscribe();
        let task = async move {
            let delivery = deliver(
                &deliveries,
                &settings,
                &endpoint,
                (&event_id, resend),
                &body,
            );
            tokio::select! {
                () = delivery => {}
                () = stopping(shutdown) => {}
            }
        };
        match &self.runtime {
            Some(runtime) => tasks.set.spawn_on(task, runtime),
            None => tasks.set.spawn(task),
        };
    }

    /// How many (event, endpoint) pairs are still being delivered.
    pub(crate) fn pending(&self) -> usize {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        while tasks.set.try_join_next().is_some() {}
        tasks.set.len()
    }

    /// Ends every delivery in flight (an attempt being sent is abandoned) and waits for their
    /// tasks; later events are not delivered.
    pub(crate) async fn stop(&self) {
        let mut set = {
            let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
            tasks.stopped = true;
            std::mem::take(&mut tasks.set)
        };
        self.shutdown.send_replace(true);
        while set.join_next().await.is_some() {}
    }

    /// The records kept, oldest first.
    pub(crate) fn records(&self) -> Vec<DeliveryRecord> {
        self.ring
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    fn record(&self, record: DeliveryRecord) {
        if let Some(file) = &self.file {
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            // A log that cannot be written is no reason to stop delivering.
            let _ = writeln!(file, "{}", record.to_json());
        }
        if self.capacity == 0 {
            return;
        }
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        if ring.len() >= self.capacity {
            ring.pop_front();
        }
        ring.push_back(record);
    }
}

/// Resolves once the server is stopping.
async fn stopping(mut shutdown: watch::Receiver<bool>) {
    // An error means the sender is gone: the server is gone too.
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

/// Posts `body` (the event and the resend's number) to `endpoint` until it answers `2xx` or
/// the window ends; each attempt is signed anew, at its own time.
async fn deliver(
    deliveries: &Deliveries,
    settings: &Settings,
    endpoint: &WebhookEndpoint,
    (event_id, resend): (&str, u32),
    body: &Bytes,
) {
    let deadline = Instant::now() + settings.window;
    let secrets: Vec<&str> = endpoint.secrets().collect();
    for attempt in 1u32.. {
        let at = settings.clock.now();
        let t = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let started = Instant::now();
        let sent = settings
            .http
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header(
                "craftkit-signature",
                craftkit_core::webhook::signature_header(&secrets, t, body),
            )
            .body(body.clone())
            .timeout(settings.timeout)
            .send()
            .await;
        let latency = started.elapsed();
        let outcome = match sent {
            Ok(response) => DeliveryOutcome::Status(response.status().as_u16()),
            Err(error) if error.is_timeout() => DeliveryOutcome::Timeout,
            Err(error) => DeliveryOutcome::ConnectionError(cause(&error)),
        };
        let success = outcome.is_success();
        let wait = backoff(
            settings.backoff,
            settings.backoff_max,
            attempt,
            random_unit(),
        );
        let retry_in = (!success && Instant::now() + wait <= deadline).then_some(wait);
        let url = &endpoint.url;
        if success {
            tracing::info!(event = %event_id, %url, resend, attempt, "webhook delivered");
        } else if let Some(wait) = retry_in {
            tracing::warn!(event = %event_id, %url, resend, attempt, ?outcome, ?wait, "webhook delivery failed; retrying");
        } else {
            tracing::warn!(event = %event_id, %url, resend, attempt, ?outcome, "webhook delivery failed; the redelivery window is over, giving up");
        }
        deliveries.record(DeliveryRecord {
            event_id: event_id.to_owned(),
            endpoint: endpoint.url.clone(),
            resend,
            attempt,
            at,
            outcome,
            latency,
            retry_in,
        });
        let Some(wait) = retry_in else {
            return;
        };
        tokio::time::sleep(wait).await;
    }
}

/// The innermost cause of a failed request ("Connection refused (os error 111)"): reqwest's
/// own text only says that sending failed.
fn cause(error: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = error;
    while let Some(source) = last.source() {
        last = source;
    }
    last.to_string()
}

/// The wait after failed attempt `attempt` (1-based): `first` doubled per attempt, at most
/// `max`, then scaled into its upper half by `unit` (in [0, 1)), so waits never shrink from
/// one attempt to the next (before the cap) yet do not all fall on the same instant.
pub(crate) fn backoff(first: Duration, max: Duration, attempt: u32, unit: f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(31);
    let full = first.saturating_mul(1u32 << doublings).min(max);
    full / 2 + full.mul_f64(unit.clamp(0.0, 1.0) / 2.0)
}

/// A uniform number in [0, 1) from the OS's generator (0.5 if it ever failed: no jitter).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_the_cap_with_jitter_in_its_upper_half() {
        let first = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        let low: Vec<_> = (1..=6).map(|a| backoff(first, max, a, 0.0)).collect();
        let high: Vec<_> = (1..=6).map(|a| backoff(first, max, a, 0.999_999)).collect();
        let ms = |d: &Duration| d.as_millis();
        assert_eq!(
            low.iter().map(ms).collect::<Vec<_>>(),
            [50, 100, 200, 400, 500, 500]
        );
        assert_eq!(
            high.iter().map(ms).collect::<Vec<_>>(),
            [99, 199, 399, 799, 999, 999]
        );
        // The highest draw of one attempt never exceeds the lowest of the next (before the cap).
        for a in 0..3 {
            assert!(high[a] <= low[a + 1], "{a}: {high:?} {low:?}");
        }
        // No overflow for attempts far past the cap.
        assert_eq!(
            backoff(first, max, u32::MAX, 0.0),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn kept_events_are_found_by_id_within_their_project_and_counted_per_resend() {
        let deliveries = Deliveries::new(0, None).unwrap();
        deliveries.keep("evt_a", "ck_a", Bytes::from_static(b"{\"id\":\"evt_a\"}"));
        assert!(deliveries.resend("evt_b", None).is_none());
        assert!(deliveries.resend("evt_a", Some("ck_other")).is_none());
        let first = deliveries.resend("evt_a", Some("ck_a")).unwrap();
        assert_eq!(
            (first.number, &first.body[..]),
            (1, &b"{\"id\":\"evt_a\"}"[..])
        );
        assert_eq!(deliveries.resend("evt_a", None).unwrap().number, 2);
        for n in 0..RESENDABLE_EVENTS {
            deliveries.keep(&format!("evt_{n}"), "ck_a", Bytes::new());
        }
        assert!(
            deliveries.resend("evt_a", None).is_none(),
            "the oldest is forgotten"
        );
        assert!(deliveries.resend("evt_0", None).is_some());
    }

    #[test]
    fn the_ring_keeps_the_newest_records_and_the_file_gets_every_one() {
        let path =
            std::env::temp_dir().join(format!("craftkit-deliveries-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let deliveries = Deliveries::new(3, Some(&path)).unwrap();
        for attempt in 1..=5 {
            deliveries.record(DeliveryRecord {
                event_id: "evt_1".into(),
                endpoint: "http://127.0.0.1:9/hooks".into(),
                resend: 0,
                attempt,
                at: SystemTime::UNIX_EPOCH,
                outcome: if attempt == 5 {
                    DeliveryOutcome::Status(204)
                } else {
                    DeliveryOutcome::Timeout
                },
                latency: Duration::from_millis(3),
                retry_in: (attempt < 5).then_some(Duration::from_millis(10)),
            });
        }
        let kept: Vec<u32> = deliveries.records().iter().map(|r| r.attempt).collect();
        assert_eq!(kept, [3, 4, 5]);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0]["outcome"], "timeout");
        assert_eq!(lines[0]["status"], serde_json::Value::Null);
        assert_eq!(lines[0]["retry_in_ms"], 10.0);
        assert_eq!(lines[4]["outcome"], "status");
        assert_eq!(lines[4]["status"], 204);
        assert_eq!(lines[4]["retry_in_ms"], serde_json::Value::Null);
        assert_eq!(lines[4]["latency_ms"], 3.0);
        assert_eq!(lines[4]["at"], "1970-01-01T00:00:00.000Z");
        assert_eq!(lines[4]["resend"], 0);
        std::fs::remove_file(path).unwrap();
    }
}
