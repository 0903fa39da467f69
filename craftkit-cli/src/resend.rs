//! `cargo craftkit resend`: a past event of the local server delivered again to its
//! endpoints, as the dashboard's "resend" does on the service: the same id and body, signed
//! anew. It asks a running `craftkit-devserver` (or `cargo craftkit serve`) over its one route
//! outside the contract, `POST /_dev/events/{id}/resend`; the service itself has no such call.

use crate::Failure;
use crate::api::Api;

/// The service's API, which has no resend call.
const LIVE_API: &str = "https://api.craftkit.io";

/// The arguments of `resend`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The event's id (evt_...), as the endpoint received it or the delivery log shows it.
    pub event_id: String,
    #[command(flatten)]
    pub api: Api,
}

/// Asks the local server to deliver the event again and prints the resend's number, the one
/// its attempts carry in the delivery log; an unknown event (or key, or server) is an input
/// error.
pub(crate) async fn run(args: Args) -> Result<(), Failure> {
    let Args { event_id, api } = args;
    if api.api_url.trim_end_matches('/') == LIVE_API {
        return Err(Failure::input(format!(
            "resend asks the local server, and the API URL is the service's ({LIVE_API}): set \
             --api-url (or CRAFTKIT_API_URL) to the local server's; the service resends from its \
             dashboard"
        )));
    }
    let key = api
        .key
        .as_ref()
        .ok_or_else(|| Failure::input("no API key: set CRAFTKIT_API_KEY (or pass --key)"))?;
    let number = craftkit_devserver::request_resend(&api.api_url, key.expose(), &event_id)
        .await
        .map_err(Failure::input)?;
    println!("{event_id} resent (resend {number})");
    Ok(())
}
