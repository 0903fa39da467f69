//! `cargo craftkit trigger`: a signed test event, sent once to an endpoint, as `stripe
//! trigger` does for Stripe: the way to exercise a webhook receiver on demand. `--set` shapes
//! the event first (see `shape`); the signature covers the shaped body.

use std::time::SystemTime;

use craftkit_core::api::EventType;

use crate::Failure;
use crate::api::{Api, Secret};
use crate::shape::{Assignment, shape};

/// The arguments of `trigger`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The event type: render.succeeded or render.failed.
    #[arg(value_parser = ["render.succeeded", "render.failed"])]
    pub event: String,
    /// The endpoint's URL.
    #[arg(long)]
    pub to: String,
    /// The signing secret (or CRAFTKIT_WEBHOOK_SECRET). Never printed.
    #[arg(long, env = "CRAFTKIT_WEBHOOK_SECRET", hide_env_values = true)]
    pub secret: Secret,
    /// About this existing render (fetched with the API settings); default: a made-up one.
    #[arg(long)]
    pub render: Option<String>,
    /// Set a field of the event by its dot-path, before signing (repeatable).
    ///
    /// PATH: keys separated by dots (data.filename, data.error.code); a number indexes an array
    /// (data.warnings.0). VALUE: JSON when it parses (3, true, null, "3", {...}), else text.
    /// The id may change (evt_...); the type, object and data.status stay those of EVENT; the
    /// event must still read as one. The signature covers the final body.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<Assignment>,
    #[command(flatten)]
    pub api: Api,
}

/// Sends one signed event of the given type to the endpoint; an answer other than 2xx is a
/// failure.
pub(crate) async fn run(args: Args) -> Result<(), Failure> {
    let Args {
        event,
        to,
        secret,
        render,
        sets,
        api,
    } = args;
    let secret = secret.expose();
    if secret.is_empty() {
        return Err(Failure::input(
            "no signing secret: pass --secret or set CRAFTKIT_WEBHOOK_SECRET",
        ));
    }
    let kind = EventType::from(event.as_str());
    let render = match render.as_deref() {
        Some(id) => Some(
            api.client()?
                .get_render(id)
                .await
                .map_err(|e| Failure::failed(e.to_string()))?,
        ),
        None => None,
    };
    let now = SystemTime::now();
    let event = craftkit_devserver::test_event(kind.clone(), render, now);
    let event = serde_json::to_value(&event).map_err(|e| Failure::failed(e.to_string()))?;
    let event = shape(event, kind.as_str(), &sets).map_err(Failure::input)?;
    let id = event["id"].as_str().unwrap_or_default();
    let status = craftkit_devserver::deliver_once(&to, secret, &event, now)
        .await
        .map_err(Failure::failed)?;
    println!("{id} {kind} -> {status}", kind = kind.as_str());
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(Failure::failed(format!(
            "the endpoint answered {status} to event {id}"
        )))
    }
}
