//! Counts what the soak cannot see through the client's API, from the `tracing` output of
//! both sides: the server's one `request` line per answered API request (its path, status
//! and injected fault) and the client's `craftkit.request` span per attempt (retries are the
//! attempts numbered 2 and up).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::Attributes;
use tracing::subscriber::Interest;
use tracing::{Event, Id, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Named counters, shared by the layer and the test.
#[derive(Clone, Default)]
pub struct Tally(Arc<Mutex<BTreeMap<String, u64>>>);

impl Tally {
    fn bump(&self, name: String) {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *counts.entry(name).or_default() += 1;
    }

    /// Every counter, by name.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The counters whose names start with `prefix`, the prefix taken off.
    pub fn under(&self, prefix: &str) -> BTreeMap<String, u64> {
        self.snapshot()
            .into_iter()
            .filter_map(|(name, n)| name.strip_prefix(prefix).map(|rest| (rest.to_owned(), n)))
            .collect()
    }

    /// Forgets every count.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// A `tracing` layer that counts into a [`Tally`]:
/// - `server.requests`, `server.fault.<kind>` (`none` when no fault fired) and
///   `server.<METHOD> <route> <status>` for each request line of the devserver;
/// - `client.attempts`, `client.retries` and `client.retries.<METHOD> <route>` for each
///   attempt span of the client.
pub struct Counting(pub Tally);

/// The fields of one event or span, as text.
#[derive(Default)]
struct Fields(BTreeMap<&'static str, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name(), value.to_string());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }
}

impl Fields {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
}

/// `/v1/renders/rnd_abc/download` -> `/v1/renders/:id/download`.
fn route(path: &str) -> String {
    path.split('/')
        .map(|part| {
            if part.starts_with("rnd_") || part.starts_with("shr_") {
                ":id"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `Some(Status(503))` -> `Status(503)`; `None` -> `none`.
fn fault_kind(debug: &str) -> String {
    match debug
        .strip_prefix("Some(")
        .and_then(|s| s.strip_suffix(')'))
    {
        Some(kind) => kind.to_owned(),
        None => "none".to_owned(),
    }
}

impl<S: Subscriber> Layer<S> for Counting {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // Only the two crates' own lines: hyper's and h2's are many and not needed.
        if metadata.target().starts_with("craftkit_devserver")
            || metadata.target().starts_with("craftkit_runtime")
        {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if !event.metadata().target().starts_with("craftkit_devserver") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.get("message") != "request" || !fields.0.contains_key("fault") {
            return;
        }
        self.0.bump("server.requests".to_owned());
        self.0
            .bump(format!("server.fault.{}", fault_kind(fields.get("fault"))));
        self.0.bump(format!(
            "server.{} {} {}",
            fields.get("method"),
            route(fields.get("path")),
            fields.get("status")
        ));
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        if attrs.metadata().name() != "craftkit.request" {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        self.0.bump("client.attempts".to_owned());
        if fields.get("attempt") != "1" {
            self.0.bump("client.retries".to_owned());
            self.0.bump(format!(
                "client.retries.{} {}",
                fields.get("method"),
                route(fields.get("path"))
            ));
        }
    }
}
