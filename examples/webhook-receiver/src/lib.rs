//! A webhook receiver as a backend writes one: an axum route that takes only verified
//! deliveries ([`VerifiedEvent`]), processes each event id once ([`SeenEvents`]), and downloads
//! the PDF of every succeeded render into a directory.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use craftkit_runtime::Client;
use craftkit_runtime::webhook::axum::VerifiedEvent;
use craftkit_runtime::webhook::{Event, EventType, InMemorySeenEvents, SeenEvents, Verifier};

/// The receiver's state: the verifier, the ids seen, the client that downloads, and a log.
#[derive(Clone)]
pub struct Receiver {
    verifier: Verifier,
    seen: Arc<InMemorySeenEvents>,
    client: Client,
    out_dir: PathBuf,
    processed: Arc<Mutex<Vec<Processed>>>,
}

/// One event the receiver acted on.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The event, as delivered.
    pub event: Event,
    /// The PDF it saved, for a succeeded render.
    pub pdf: Option<PathBuf>,
}

impl FromRef<Receiver> for Verifier {
    fn from_ref(receiver: &Receiver) -> Verifier {
        receiver.verifier.clone()
    }
}

impl Receiver {
    /// A receiver verifying with `secret`, downloading with `client` into `out_dir`.
    pub fn new(secret: &str, client: Client, out_dir: impl Into<PathBuf>) -> Receiver {
        Receiver {
            verifier: Verifier::new(secret),
            seen: Arc::new(InMemorySeenEvents::new(10_000)),
            client,
            out_dir: out_dir.into(),
            processed: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The app: `POST /webhooks/craftkit`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/webhooks/craftkit", post(webhook))
            .with_state(self.clone())
    }

    /// What the receiver acted on so far, in order (a redelivery is not in it).
    pub fn processed(&self) -> Vec<Processed> {
        self.processed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

async fn webhook(
    State(receiver): State<Receiver>,
    VerifiedEvent(event): VerifiedEvent,
) -> StatusCode {
    match receiver.seen.first_delivery(&event.id).await {
        Ok(true) => {}
        Ok(false) => return StatusCode::OK, // a redelivery: done already, acknowledge it
        Err(never) => match never {},
    }
    let pdf = match event.kind {
        EventType::RenderSucceeded => {
            let path = receiver.out_dir.join(format!("{}.pdf", event.data.id));
            match receiver.client.download_to_file(&event.data, &path).await {
                Ok(_) => Some(path),
                // Not 2xx: Craftkit delivers again later, and the id must be new for it.
                Err(_) => {
                    let Ok(()) = receiver.seen.forget(&event.id).await;
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
            }
        }
        EventType::RenderFailed | EventType::Unknown(_) => None,
    };
    receiver
        .processed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(Processed { event, pdf });
    StatusCode::OK
}
