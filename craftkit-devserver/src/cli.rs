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
    /// A webhook endpoint URL (with --webhook-secret).
    #[arg(long, requires = "webhook_secret")]
    pub webhook: Option<String>,
    /// The webhook signing secret (whsec_...), or CRAFTKIT_WEBHOOK_SECRET.
    #[arg(long, env = "CRAFTKIT_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// Keep templates, renders, shares, idempotency keys and PDFs here across restarts.
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
    /// after redirects; 5 s to connect, 20 s in all, 10 MiB at most). A render whose image
    /// cannot be fetched fails with asset_unreachable. Without it, linked images are
    /// labelled boxes and nothing is fetched.
    #[arg(long)]
    pub fetch_assets: bool,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("port", &self.port)
            .field("templates", &self.templates)
            .field("keys", &crate::config::Redacted(self.keys.len()))
            .field("webhook", &self.webhook)
            .field(
                "webhook_secret",
                &self
                    .webhook_secret
                    .as_ref()
                    .map(|_| crate::config::Redacted(1)),
            )
            .field("data_dir", &self.data_dir)
            .field("log_requests", &self.log_requests)
            .field("render_ms", &self.render_ms)
            .field("workers", &self.workers)
            .field("rate_limit", &self.rate_limit)
            .field("fetch_assets", &self.fetch_assets)
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
    let webhooks = match (args.webhook, args.webhook_secret) {
        (Some(url), Some(secret)) => vec![WebhookEndpoint { url, secret }],
        _ => Vec::new(),
    };
    let config = Config {
        port: args.port,
        keys: args.keys,
        templates,
        webhooks,
        data_dir: args.data_dir,
        log_requests: args.log_requests,
        render_delay: Duration::from_millis(args.render_ms),
        workers: args.workers,
        rate_limit: args.rate_limit,
        faults,
        fault_seed: args.fault_seed,
        fetch_assets: args.fetch_assets.then(AssetFetch::default),
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
