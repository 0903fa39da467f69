//! The command line of the local server, shared by `craftkit-devserver` and
//! `cargo craftkit serve`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::{AssetFetch, Config, DEV_KEY, DevServer, Fault, FaultKind, FaultWhen, WebhookEndpoint};

/// A local Craftkit-compatible API server: every call of the contract, real PDFs, signed
/// webhooks, fault injection.
///
/// Example: craftkit-devserver --port 0 --templates .craftkit/manifests --key ck_test_abcdefghijklmnopqrstuvwx
///
/// The keys and the webhook secret are best given in the environment (CRAFTKIT_API_KEY,
/// CRAFTKIT_WEBHOOK_SECRET), where other users of the machine cannot read them in `ps`. The
/// `Debug` of these arguments shows neither.
#[derive(Parser, Clone)]
#[command(version)]
pub struct Args {
    /// Port to listen on, on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// A directory of manifests (*.json) published in every project at start-up.
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// An API key; each is its own project. Without one, the development key is accepted.
    /// Several may be given as --key A --key B, or comma-separated in CRAFTKIT_API_KEY.
    #[arg(
        long = "key",
        env = "CRAFTKIT_API_KEY",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub keys: Vec<String>,
    /// Webhook endpoints, each with its secret (`--webhook URL --webhook-secret whsec_...`).
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    /// How long an endpoint has to answer a delivery before it counts as failed and is
    /// delivered again: `10s`, `250ms`, `1m`.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub webhook_timeout: Duration,
    /// How long an event is delivered again (with exponential backoff and jitter) to an
    /// endpoint that has not answered 2xx, from its first attempt: `24h`, `30s`, `500ms`.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub webhook_window: Duration,
    /// Append every webhook delivery attempt to this file as a JSON line (at, event_id,
    /// endpoint, attempt, outcome, status, error, latency_ms, retry_in_ms).
    #[arg(long, value_name = "FILE")]
    pub delivery_log: Option<PathBuf>,
    /// Keep templates, renders, shares, idempotency keys and PDFs here across restarts (a
    /// SQLite database and a folder of PDFs; a directory of the earlier JSON files is imported).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Append every API request to this file as a JSON line (method, path, query, headers
    /// with the key redacted, JSON body), for tests of the code that calls the server.
    #[arg(long, value_name = "FILE")]
    pub log_requests: Option<PathBuf>,
    /// How long a render takes, in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub render_ms: u64,
    /// Render workers.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Requests per second per key (a fixed one-second window); more get 429 with the time
    /// left of the window as `Retry-After`, to the microsecond.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Drop this share of API requests (0.0-1.0) before handling them.
    #[arg(long)]
    pub drop_rate: Option<f64>,
    /// Answer 503 to this share of API requests.
    #[arg(long)]
    pub error_rate: Option<f64>,
    /// Answer 429 (Retry-After: 1) to this share of API requests.
    #[arg(long)]
    pub throttle_rate: Option<f64>,
    /// Fail this share of renders.
    #[arg(long)]
    pub fail_render_rate: Option<f64>,
    /// Delay this share of API requests by --delay-ms.
    #[arg(long)]
    pub delay_rate: Option<f64>,
    /// The delay of --delay-rate, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub delay_ms: u64,
    /// The seed of the fault dice.
    #[arg(long, default_value_t = 1)]
    pub fault_seed: u64,
    /// Fetch linked https:// images before rendering, so the PDF shows them (https only, also
    /// after redirects; public addresses only; 5 s to connect, 20 s in all, 10 MiB at most).
    /// A render whose image cannot be fetched fails with asset_unreachable. Without it,
    /// linked images are labelled boxes and nothing is fetched.
    #[arg(long)]
    pub fetch_assets: bool,
    /// Also answer requests whose Host header is this name (any port) or name:port; by
    /// default only 127.0.0.1, localhost and `[::1]` are, others get 421 (a guard against DNS
    /// rebinding). Repeatable.
    #[arg(long = "allowed-host", value_name = "HOST")]
    pub allowed_hosts: Vec<String>,
    /// With --fetch-assets: fetch from loopback and private addresses too (an HTTPS server on
    /// this machine or its network). Anyone who can send a render can then make the server
    /// connect there: for tests only.
    #[arg(long, requires = "fetch_assets")]
    pub fetch_assets_allow_private: bool,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("port", &self.port)
            .field("templates", &self.templates)
            .field("keys", &crate::config::Redacted(self.keys.len()))
            .field("webhooks", &self.webhooks.endpoints)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("webhook_window", &self.webhook_window)
            .field("delivery_log", &self.delivery_log)
            .field("data_dir", &self.data_dir)
            .field("log_requests", &self.log_requests)
            .field("render_ms", &self.render_ms)
            .field("workers", &self.workers)
            .field("rate_limit", &self.rate_limit)
            .field("fetch_assets", &self.fetch_assets)
            .field("allowed_hosts", &self.allowed_hosts)
            .field(
                "fetch_assets_allow_private",
                &self.fetch_assets_allow_private,
            )
            .finish_non_exhaustive()
    }
}

/// Runs the server until Ctrl-C, printing `listening on http://127.0.0.1:PORT` first.
pub async fn run(args: Args) -> Result<(), String> {
    let templates = match &args.templates {
        Some(dir) => crate::load_templates(dir).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let mut faults = Vec::new();
    let mut rate = |rate: Option<f64>, kind: FaultKind| {
        if let Some(p) = rate {
            faults.push(Fault {
                kind,
                when: FaultWhen::Rate(p),
            });
        }
    };
    rate(args.drop_rate, FaultKind::Drop);
    rate(args.error_rate, FaultKind::Status(503));
    rate(
        args.throttle_rate,
        FaultKind::RateLimited(Duration::from_secs(1)),
    );
    rate(args.fail_render_rate, FaultKind::FailRender);
    rate(
        args.delay_rate,
        FaultKind::Delay(Duration::from_millis(args.delay_ms)),
    );
    let config = Config {
        webhooks: args.webhooks.endpoints,
        webhook_timeout: args.webhook_timeout,
        webhook_window: args.webhook_window,
        delivery_log: args.delivery_log,
        port: args.port,
        keys: args.keys,
        templates,
        data_dir: args.data_dir,
        log_requests: args.log_requests,
        render_delay: Duration::from_millis(args.render_ms),
        workers: args.workers,
        rate_limit: args.rate_limit,
        faults,
        fault_seed: args.fault_seed,
        fetch_assets: args.fetch_assets.then(|| AssetFetch {
            allow_private: args.fetch_assets_allow_private,
            ..AssetFetch::default()
        }),
        allowed_hosts: args.allowed_hosts,
        ..Config::default()
    };
    let server = DevServer::start(config).await.map_err(|e| e.to_string())?;
    println!("listening on {}", server.url());
    if server.keys() == [DEV_KEY] {
        eprintln!("no --key given: accepting the development key {DEV_KEY}");
    }
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    Ok(())
}

/// The webhook endpoints of the command line: each `--webhook URL` takes the
/// `--webhook-secret`s that follow it, one, or two while its secret rotates (the old one, then
/// the new one: both sign, as two `v1` entries).
///
/// ```text
/// --webhook http://127.0.0.1:4000/hooks --webhook-secret whsec_a
/// --webhook http://127.0.0.1:4001/hooks --webhook-secret whsec_old --webhook-secret whsec_new
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookArgs {
    /// The endpoints, in the order given.
    pub endpoints: Vec<WebhookEndpoint>,
}

const WEBHOOK: &str = "webhook";
const WEBHOOK_SECRET: &str = "webhook_secret";
/// The environment variable that gives the secret of every `--webhook` given without one.
const WEBHOOK_SECRET_ENV: &str = "CRAFTKIT_WEBHOOK_SECRET";

impl clap::FromArgMatches for WebhookArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<WebhookArgs, clap::Error> {
        let mut given: Vec<(usize, bool, String)> = Vec::new();
        for (id, is_url) in [(WEBHOOK, true), (WEBHOOK_SECRET, false)] {
            let (Some(indices), Some(values)) =
                (matches.indices_of(id), matches.get_many::<String>(id))
            else {
                continue;
            };
            given.extend(indices.zip(values).map(|(i, v)| (i, is_url, v.clone())));
        }
        given.sort_by_key(|(index, _, _)| *index);
        let mut endpoints: Vec<(String, Vec<String>)> = Vec::new();
        for (_, is_url, value) in given {
            match endpoints.last_mut() {
                _ if is_url => endpoints.push((value, Vec::new())),
                Some((_, secrets)) => secrets.push(value),
                None => {
                    return Err(webhook_error(
                        "--webhook-secret comes after the --webhook URL it signs for",
                    ));
                }
            }
        }
        endpoints
            .into_iter()
            .map(|(url, mut secrets)| {
                if secrets.is_empty() {
                    // Off the command line (and `ps`): the secret, or "old,new" while it rotates.
                    if let Ok(from_env) = std::env::var(WEBHOOK_SECRET_ENV) {
                        secrets = from_env.split(',').map(str::to_owned).collect();
                    }
                }
                (url, secrets)
            })
            .map(|(url, secrets)| match secrets.as_slice() {
                [secret] => Ok(WebhookEndpoint::new(&url, secret)),
                [old, new] => Ok(WebhookEndpoint::new(&url, new).with_previous_secret(old)),
                [] => Err(webhook_error(&format!(
                    "--webhook {url} needs a --webhook-secret whsec_... after it (or \
                     {WEBHOOK_SECRET_ENV} in the environment)"
                ))),
                _ => Err(webhook_error(&format!(
                    "--webhook {url} has more than two --webhook-secret: give one, or two while \
                     a secret rotates (the old one, then the new one)"
                ))),
            })
            .collect::<Result<_, _>>()
            .map(|endpoints| WebhookArgs { endpoints })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = WebhookArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for WebhookArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        command
            .arg(
                clap::Arg::new(WEBHOOK)
                    .long("webhook")
                    .value_name("URL")
                    .action(clap::ArgAction::Append)
                    .help("A webhook endpoint URL, followed by its --webhook-secret; repeat for more endpoints"),
            )
            .arg(
                clap::Arg::new(WEBHOOK_SECRET)
                    .long("webhook-secret")
                    .value_name("SECRET")
                    .action(clap::ArgAction::Append)
                    .help("The signing secret (whsec_...) of the --webhook before it; twice while a secret rotates (the old one, then the new one: both sign). Without it: CRAFTKIT_WEBHOOK_SECRET (\"old,new\" while rotating)"),
            )
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        WebhookArgs::augment_args(command)
    }
}

fn webhook_error(message: &str) -> clap::Error {
    clap::Error::raw(
        clap::error::ErrorKind::ArgumentConflict,
        format!("{message}\n"),
    )
}

/// A duration written as a number and a unit: `250ms`, `10s`, `5m`, `24h`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        format!("`{text}` is not a duration: write a number and a unit, 250ms, 10s, 5m, 24h")
    })?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(number)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => {
            return Err(format!(
                "`{text}`: the unit is ms, s, m or h (250ms, 10s, 5m, 24h)"
            ));
        }
    };
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is too long a duration"))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("craftkit-devserver").chain(args.iter().copied()))
    }

    #[test]
    fn each_webhook_takes_the_secrets_that_follow_it() {
        let args = parse(&[
            "--webhook",
            "http://127.0.0.1:1/a",
            "--webhook-secret",
            "whsec_a",
            "--port",
            "0",
            "--webhook",
            "http://127.0.0.1:2/b",
            "--webhook-secret",
            "whsec_old",
            "--webhook-secret",
            "whsec_new",
        ])
        .unwrap();
        assert_eq!(
            args.webhooks.endpoints,
            [
                WebhookEndpoint::new("http://127.0.0.1:1/a", "whsec_a"),
                WebhookEndpoint::new("http://127.0.0.1:2/b", "whsec_new")
                    .with_previous_secret("whsec_old"),
            ]
        );
        assert_eq!(args.webhook_timeout, Duration::from_secs(10));
        assert_eq!(args.webhook_window, Duration::from_secs(24 * 3600));
        assert!(parse(&[]).unwrap().webhooks.endpoints.is_empty());
    }

    #[test]
    fn a_webhook_without_its_secret_or_with_three_is_refused() {
        let message = |args: &[&str]| parse(args).unwrap_err().to_string();
        assert!(
            message(&["--webhook", "http://h/a"])
                .contains("--webhook http://h/a needs a --webhook-secret"),
            "{}",
            message(&["--webhook", "http://h/a"])
        );
        assert!(
            message(&["--webhook-secret", "whsec_a", "--webhook", "http://h/a"])
                .contains("comes after the --webhook URL")
        );
        let three = [
            "--webhook",
            "http://h/a",
            "--webhook-secret",
            "a",
            "--webhook-secret",
            "b",
            "--webhook-secret",
            "c",
        ];
        assert!(message(&three).contains("more than two"));
    }

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("10").unwrap_err().contains("the unit"));
        assert!(parse_duration("s").unwrap_err().contains("not a duration"));
        assert!(parse_duration("99999999999999999999h").is_err());
        let args = parse(&["--webhook-timeout", "50ms", "--webhook-window", "2s"]).unwrap();
        assert_eq!(args.webhook_timeout, Duration::from_millis(50));
        assert_eq!(args.webhook_window, Duration::from_secs(2));
    }
}
