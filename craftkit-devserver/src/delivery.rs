//! Delivering events as Craftkit does: each (event, endpoint) pair on its own task, posted
//! until the endpoint answers `2xx` or the redelivery window ends. A non-`2xx` answer, no
//! answer within the delivery timeout, or a connection error is retried after an exponential
//! backoff with jitter; nothing else the endpoint says (`Retry-After`, `410`) changes that.
//! Every attempt is recorded: in a bounded ring for
//! [`DevServer::deliveries`](crate::DevServer::deliveries), and as a JSON line in
//! [`Config::delivery_log`](crate::Config::delivery_log) when set.

use std::collections::VecDeque;
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

/// One delivery attempt of one event to one endpoint, as
/// [`DevServer::deliveries`](crate::DevServer::deliveries) lists it and the delivery log file
/// writes it (one JSON object a line: `at`, `event_id`, `endpoint`, `attempt`, `outcome`
/// (`"status"`, `"timeout"` or `"connection_error"`), `status` (or `null`), `error` (or
/// `null`), `latency_ms`, `retry_in_ms` (or `null`)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// The event's id (`evt_...`): the same on every attempt.
    pub event_id: String,
    /// The endpoint's URL.
    pub endpoint: String,
    /// 1 for the first delivery, 2 for the first redelivery, and so on.
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
            "attempt": self.attempt,
            "outcome": outcome,
            "status": status,
            "error": error,
            "latency_ms": self.latency.as_secs_f64() * 1000.0,
            "retry_in_ms": self.retry_in.map(|d| d.as_secs_f64() * 1000.0),
        })
    }
}

/// The deliveries of one server: the tasks in flight, the ring of attempts, the log file.
pub(crate) struct Deliveries {
    ring: Mutex<VecDeque<DeliveryRecord>>,
    capacity: usize,
    file: Option<Mutex<std::io::LineWriter<std::fs::File>>>,
    tasks: Mutex<Tasks>,
    shutdown: watch::Sender<bool>,
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
    /// Deliveries keeping `capacity` records, appending each to `file` when given.
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
            file,
            tasks: Mutex::new(Tasks::default()),
            shutdown: watch::Sender::new(false),
        })
    }

    /// Starts delivering `body` (event `event_id`) to `endpoint`, on its own task; nothing once
    /// the server is stopping.
    pub(crate) fn spawn(
        self: &std::sync::Arc<Self>,
        settings: Settings,
        endpoint: WebhookEndpoint,
        event_id: String,
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
        tasks.set.spawn(async move {
            let delivery = deliver(&deliveries, &settings, &endpoint, &event_id, &body);
            tokio::select! {
                () = delivery => {}
                () = stopping(shutdown) => {}
            }
        });
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

/// Posts `body` to `endpoint` until it answers `2xx` or the window ends.
async fn deliver(
    deliveries: &Deliveries,
    settings: &Settings,
    endpoint: &WebhookEndpoint,
    event_id: &str,
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
            tracing::info!(event = %event_id, %url, attempt, "webhook delivered");
        } else if let Some(wait) = retry_in {
            tracing::warn!(event = %event_id, %url, attempt, ?outcome, ?wait, "webhook delivery failed; retrying");
        } else {
            tracing::warn!(event = %event_id, %url, attempt, ?outcome, "webhook delivery failed; the redelivery window is over, giving up");
        }
        deliveries.record(DeliveryRecord {
            event_id: event_id.to_owned(),
            endpoint: endpoint.url.clone(),
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
    fn the_ring_keeps_the_newest_records_and_the_file_gets_every_one() {
        let path =
            std::env::temp_dir().join(format!("craftkit-deliveries-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let deliveries = Deliveries::new(3, Some(&path)).unwrap();
        for attempt in 1..=5 {
            deliveries.record(DeliveryRecord {
                event_id: "evt_1".into(),
                endpoint: "http://127.0.0.1:9/hooks".into(),
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
        std::fs::remove_file(path).unwrap();
    }
}
