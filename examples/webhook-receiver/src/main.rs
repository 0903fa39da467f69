//! The webhook receiver.
//!
//! With no arguments, a demo: starts the local Craftkit server in-process (no network, no
//! key), renders the sample charter hand-over, and prints the PDF the receiver downloaded when
//! the `render.succeeded` delivery arrived. Run: `cargo run -p craftkit-example-webhook-receiver`
//!
//! With `--listen ADDR`, a server: binds `ADDR` (`127.0.0.1:0` picks a port), prints
//! `listening on http://HOST:PORT` on stdout, and serves `POST /webhooks/craftkit` and
//! `GET /effects` until killed.
//!
//! ```text
//! --listen ADDR         serve on ADDR
//! --store SPEC          sqlite:PATH (default sqlite:webhook-receiver.sqlite3), memory,
//!                       postgres://..., redis://... (lossy-sqlite:PATH: the old,
//!                       lossy pattern, only for the kill test)
//! --namespace NS        the inbox namespace (default webhook-receiver)
//! --secret S            a signing secret (repeat while rotating; or CRAFTKIT_WEBHOOK_SECRET)
//! --api-url URL         the Craftkit API the PDFs are downloaded from (or CRAFTKIT_API_URL)
//! --api-key KEY         its key (or CRAFTKIT_API_KEY)
//! --out DIR             where the PDFs go (default: the temp directory)
//! --lease-ms N          the lease of a claim (default 60000)
//! --pool-size N         the PostgreSQL pool's most connections (default 64)
//! --slow-rate F --slow-ms N --fail-rate F --seed N    injected faults, for tests
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use craftkit_devserver::{Config, DevServer, WebhookEndpoint};
use craftkit_example_webhook_receiver::{
    DEFAULT_POOL_SIZE, Faults, Options, Receiver, StartError, StoreSpec,
};
use craftkit_runtime::Client;
use std::io::Write;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.is_empty() {
        demo().await
    } else {
        match parse(&args) {
            Ok(serve_args) => serve(serve_args).await,
            Err(message) => Err(message.into()),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

struct ServeArgs {
    listen: String,
    options: Options,
    api_url: Option<String>,
    api_key: Option<String>,
}

fn parse(args: &[String]) -> Result<ServeArgs, String> {
    let mut listen = None;
    let mut options = Options {
        store: StoreSpec::Sqlite(PathBuf::from("webhook-receiver.sqlite3")),
        namespace: "webhook-receiver".into(),
        secrets: Vec::new(),
        lease: Duration::from_secs(60),
        out_dir: std::env::temp_dir(),
        faults: Faults::default(),
        pool_size: DEFAULT_POOL_SIZE,
    };
    let mut api_url = std::env::var("CRAFTKIT_API_URL").ok();
    let mut api_key = std::env::var("CRAFTKIT_API_KEY").ok();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        let number = |v: String| -> Result<f64, String> {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| format!("`{flag}`: `{v}` is not a non-negative number"))
        };
        match flag.as_str() {
            "--listen" => listen = Some(value()?),
            "--store" => options.store = value()?.parse()?,
            "--namespace" => options.namespace = value()?,
            "--secret" => options.secrets.push(value()?),
            "--api-url" => api_url = Some(value()?),
            "--api-key" => api_key = Some(value()?),
            "--out" => options.out_dir = PathBuf::from(value()?),
            "--lease-ms" => options.lease = Duration::from_millis(number(value()?)? as u64),
            "--slow-rate" => options.faults.slow_rate = number(value()?)?,
            "--slow-ms" => options.faults.slow = Duration::from_millis(number(value()?)? as u64),
            "--fail-rate" => options.faults.fail_rate = number(value()?)?,
            "--pool-size" => options.pool_size = (number(value()?)? as u32).max(1),
            "--seed" => options.faults.seed = number(value()?)? as u64,
            other => return Err(format!("unknown argument `{other}` (see the source's doc)")),
        }
    }
    if options.secrets.is_empty() {
        options
            .secrets
            .extend(std::env::var("CRAFTKIT_WEBHOOK_SECRET").ok());
    }
    Ok(ServeArgs {
        listen: listen.ok_or("`--listen ADDR` is required with arguments")?,
        options,
        api_url,
        api_key,
    })
}

async fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.options.secrets.iter().all(String::is_empty) {
        // Loudly, before anything else: without it every delivery would be refused `401`.
        return Err(StartError::NoSecret.into());
    }
    let mut client = Client::builder();
    if let Some(url) = args.api_url {
        client = client.base_url(url);
    }
    match args.api_key {
        Some(key) => client = client.key(key),
        None => {
            return Err(
                "no API key to download PDFs with: set CRAFTKIT_API_KEY or pass --api-key".into(),
            );
        }
    }
    // Refuses to start without a secret, or with a store it cannot open.
    let receiver = Receiver::open(args.options, client.build()?).await?;
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    // One line, flushed at once: a test that starts this binary reads the port from it.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);
    axum::serve(listener, receiver.router()).await?;
    Ok(())
}

async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    let secret = "whsec_example";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}/webhooks/craftkit", listener.local_addr()?);
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache)?,
        webhooks: vec![WebhookEndpoint {
            url: endpoint,
            secret: secret.into(),
            previous_secret: None,
        }],
        ..Config::default()
    })
    .await?;
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()?;
    let store =
        std::env::temp_dir().join(format!("webhook-receiver-{}.sqlite3", std::process::id()));
    let options = Options {
        store: StoreSpec::Sqlite(store.clone()),
        namespace: "demo".into(),
        secrets: vec![secret.into()],
        lease: Duration::from_secs(60),
        out_dir: std::env::temp_dir(),
        faults: Faults::default(),
        pool_size: DEFAULT_POOL_SIZE,
    };
    let receiver = Receiver::open(options, client.clone()).await?;
    let app = receiver.router();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let payload = craftkit_example_macro::sample_handover()?;
    let render = client.render(&payload).send().await?.wait().await?;
    let mut outcome = Err("no webhook arrived within 5 s".into());
    for _ in 0..100 {
        let effects = receiver.effects().await?;
        if let Some(effect) = effects.effects.iter().find(|e| e.render_id == render.id) {
            let pdf = std::env::temp_dir().join(format!("{}.pdf", effect.render_id));
            println!("render {} -> {}", render.id, pdf.display());
            outcome = Ok(());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = store.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    outcome
}
