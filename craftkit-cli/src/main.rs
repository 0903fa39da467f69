//! `cargo craftkit`: Craftkit templates in a team's daily loop and its CI.
//!
//! Exit codes: 0 success; 1 a check found a breaking change or a render failed; 2 a usage or
//! input error (bad arguments, an unreadable or invalid manifest, an API error).

mod batch;
mod cache;
mod check;
mod docs;
mod generate;
mod pull;
mod render;
mod schema;
mod trigger;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Cargo calls `cargo-craftkit craftkit ARGS...`.
#[derive(Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    Craftkit(Cli),
}

/// Typed Craftkit templates: fetch manifests, check them against the live API, generate
/// bindings, render from the shell, run a local server.
#[derive(clap::Args)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where live calls go: `CRAFTKIT_API_URL` (default the live API) with `CRAFTKIT_API_KEY`.
#[derive(clap::Args, Clone)]
struct Api {
    /// The API key (or CRAFTKIT_API_KEY). Never printed.
    #[arg(long, env = "CRAFTKIT_API_KEY", hide_env_values = true)]
    key: Option<String>,
    /// The API base URL (or CRAFTKIT_API_URL).
    #[arg(
        long,
        env = "CRAFTKIT_API_URL",
        default_value = "https://api.craftkit.io"
    )]
    api_url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch manifests into the cache.
    ///
    /// Example: cargo craftkit pull charter-handover invoice
    Pull {
        /// The templates to fetch (with --all: every published one).
        slugs: Vec<String>,
        /// Fetch every published template.
        #[arg(long)]
        all: bool,
        /// The cache directory (default: .craftkit/manifests under the crate or workspace root).
        #[arg(long)]
        manifest_dir: Option<PathBuf>,
        #[command(flatten)]
        api: Api,
    },
    /// Compare cached manifests with the live ones; exit 1 on a breaking change.
    ///
    /// Example: cargo craftkit check --exact
    Check {
        /// The templates to check (default: every cached one).
        slugs: Vec<String>,
        /// Fail on any difference, not only breaking ones.
        #[arg(long)]
        exact: bool,
        /// The cache directory.
        #[arg(long)]
        manifest_dir: Option<PathBuf>,
        #[command(flatten)]
        api: Api,
    },
    /// Write the bindings of cached templates to a file (or a directory, one file each).
    ///
    /// Example: cargo craftkit generate charter-handover -o src/templates.rs
    Generate {
        /// The templates.
        #[arg(required = true)]
        slugs: Vec<String>,
        /// A file (all templates in it) or an existing directory (one `<slug>.rs` each);
        /// standard output when absent.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The cache directory.
        #[arg(long)]
        manifest_dir: Option<PathBuf>,
    },
    /// Write one Markdown page per template: variables, types, bounds, an example payload in
    /// JSON and as a Rust struct literal.
    ///
    /// Example: cargo craftkit docs -o docs/templates
    Docs {
        /// The templates (default: every cached one).
        slugs: Vec<String>,
        /// The directory to write `<slug>.md` into.
        #[arg(short, long, required = true)]
        output: PathBuf,
        /// The cache directory.
        #[arg(long)]
        manifest_dir: Option<PathBuf>,
    },
    /// Print a template's manifest as a JSON Schema (draft 2020-12) of its `data`.
    ///
    /// Example: cargo craftkit schema charter-handover > charter-handover.schema.json
    Schema {
        /// The template.
        slug: String,
        /// The cache directory.
        #[arg(long)]
        manifest_dir: Option<PathBuf>,
    },
    /// Render a JSON data file to a PDF, or every line of a JSON-lines file (--batch).
    ///
    /// Example: cargo craftkit render charter-handover data.json -o handover.pdf
    ///
    /// Example: cargo craftkit render invoice --batch november.jsonl --out pdfs --journal november.journal
    Render {
        /// The template.
        slug: String,
        /// The `data` as a JSON file.
        #[arg(required_unless_present = "batch", conflicts_with = "batch")]
        data: Option<PathBuf>,
        /// Where to write the PDF, replacing the file there (default: the file name the server
        /// gave the render when it is a plain file name, else RENDER_ID.pdf, in the current
        /// directory; an existing file is then an error, never overwritten).
        #[arg(short, long, conflicts_with = "batch")]
        output: Option<PathBuf>,
        /// Print the render id and return without waiting (with --batch: queue every line,
        /// wait for none).
        #[arg(long, conflicts_with = "out")]
        no_wait: bool,
        /// The Idempotency-Key (default: a fresh one).
        #[arg(long, conflicts_with = "batch")]
        idempotency_key: Option<String>,
        /// Render every line of this file: one JSON `data` object a line, or
        /// {"key": "...", "data": {...}}. A line without a key gets one derived from the slug
        /// and its content, so running the file again renders nothing twice. Exit 1 if any
        /// line failed.
        #[arg(long, value_name = "FILE.jsonl")]
        batch: Option<PathBuf>,
        /// With --batch: write each PDF into this directory, as KEY.pdf (a hash of the key
        /// when the key is not a plain file name); a PDF already there skips its line.
        #[arg(long, value_name = "DIR", requires = "batch")]
        out: Option<PathBuf>,
        /// With --batch: the most renders in flight; fewer while the API answers 429.
        #[arg(long, value_name = "N", default_value_t = 16, requires = "batch",
              value_parser = clap::value_parser!(u16).range(1..))]
        concurrency: u16,
        /// With --batch: record finished lines here (append-only), so that a rerun sends no
        /// request for them.
        #[arg(long, value_name = "FILE", requires = "batch")]
        journal: Option<PathBuf>,
        /// With --batch: render only shard K of N (by a hash of each line's key), so that N
        /// machines split one file with no overlap: --shard 1/3, --shard 2/3, --shard 3/3.
        #[arg(long, value_name = "K/N", requires = "batch", value_parser = batch::Shard::parse)]
        shard: Option<batch::Shard>,
        /// A private render (no public downloadUrl).
        #[arg(long)]
        private: bool,
        #[command(flatten)]
        api: Api,
    },
    /// Run the local Craftkit-compatible server (the options of craftkit-devserver).
    ///
    /// Example: cargo craftkit serve --templates .craftkit/manifests --key ck_test_abcdefghijklmnopqrstuvwx
    Serve(craftkit_devserver::cli::Args),
    /// Send a signed test webhook event to an endpoint, once, and print the status it answered.
    ///
    /// Example: cargo craftkit trigger render.succeeded --to http://127.0.0.1:3000/webhooks/craftkit --secret whsec_test
    Trigger {
        /// The event type: render.succeeded or render.failed.
        #[arg(value_parser = ["render.succeeded", "render.failed"])]
        event: String,
        /// The endpoint's URL.
        #[arg(long)]
        to: String,
        /// The signing secret (or CRAFTKIT_WEBHOOK_SECRET). Never printed.
        #[arg(long, env = "CRAFTKIT_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// About this existing render (fetched with the API settings); default: a made-up one.
        #[arg(long)]
        render: Option<String>,
        #[command(flatten)]
        api: Api,
    },
}

/// A failure and its exit code.
pub(crate) struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// A usage or input error: exit 2.
    pub(crate) fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }

    /// A check or render that failed: exit 1.
    pub(crate) fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let Cargo::Craftkit(cli) = Cargo::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Pull {
                slugs,
                all,
                manifest_dir,
                api,
            } => pull::run(slugs, all, manifest_dir, &api).await,
            Command::Check {
                slugs,
                exact,
                manifest_dir,
                api,
            } => check::run(slugs, exact, manifest_dir, &api).await,
            Command::Docs {
                slugs,
                output,
                manifest_dir,
            } => docs::run(slugs, &output, manifest_dir),
            Command::Schema { slug, manifest_dir } => schema::run(&slug, manifest_dir),
            Command::Generate {
                slugs,
                output,
                manifest_dir,
            } => generate::run(&slugs, output, manifest_dir),
            Command::Render {
                slug,
                batch: Some(batch),
                out,
                concurrency,
                journal,
                shard,
                no_wait,
                private,
                api,
                ..
            } => {
                batch::run(
                    batch::Options {
                        slug,
                        batch,
                        out,
                        concurrency: usize::from(concurrency),
                        journal,
                        shard,
                        no_wait,
                        private,
                    },
                    &api,
                )
                .await
            }
            Command::Render {
                slug,
                data: Some(data),
                output,
                no_wait,
                idempotency_key,
                private,
                api,
                ..
            } => {
                render::run(
                    render::Options {
                        slug,
                        data,
                        output,
                        no_wait,
                        idempotency_key,
                        private,
                    },
                    &api,
                )
                .await
            }
            Command::Render { .. } => Err(Failure::input(
                "render needs a DATA.json file or --batch FILE.jsonl",
            )),
            Command::Trigger {
                event,
                to,
                secret,
                render,
                api,
            } => trigger::run(&event, &to, &secret, render.as_deref(), &api).await,
            Command::Serve(args) => craftkit_devserver::cli::run(args)
                .await
                .map_err(Failure::input),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

impl Api {
    /// A client for these settings.
    pub(crate) fn client(&self) -> Result<craftkit_runtime::Client, Failure> {
        let key = self
            .key
            .as_deref()
            .ok_or_else(|| Failure::input("no API key: set CRAFTKIT_API_KEY (or pass --key)"))?;
        craftkit_runtime::Client::builder()
            .key(key)
            .base_url(&self.api_url)
            .build()
            .map_err(|e| Failure::input(e.to_string()))
    }
}
