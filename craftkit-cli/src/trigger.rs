//! `cargo craftkit trigger`: a signed test event, sent once to an endpoint, as `stripe
//! trigger` does for Stripe: the way to exercise a webhook receiver on demand.

use std::time::SystemTime;

use craftkit_core::api::EventType;

use crate::{Api, Failure};

pub(crate) async fn run(
    event: &str,
    to: &str,
    secret: &str,
    render: Option<&str>,
    api: &Api,
) -> Result<(), Failure> {
    if secret.is_empty() {
        return Err(Failure::input(
            "no signing secret: pass --secret or set CRAFTKIT_WEBHOOK_SECRET",
        ));
    }
    let kind = EventType::from(event);
    let render = match render {
        Some(id) => Some(
            api.client()?
                .get_render(id)
                .await
                .map_err(|e| Failure::failed(e.to_string()))?,
        ),
        None => None,
    };
    let now = SystemTime::now();
    let event = craftkit_devserver::test_event(kind, render, now);
    let status = craftkit_devserver::deliver_once(to, secret, &event, now)
        .await
        .map_err(Failure::failed)?;
    println!("{} {} -> {status}", event.id, event.kind);
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(Failure::failed(format!(
            "the endpoint answered {status} to event {}",
            event.id
        )))
    }
}
