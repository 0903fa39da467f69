//! `cargo craftkit`: Craftkit templates in a team's daily loop and its CI.
//!
//! - `pull` fetches published manifests into the cache (`.craftkit/manifests`), and `check`
//!   compares the cache with the live API, in CI;
//! - `push` sends the templates kept in the repository (`.craftkit/templates/<slug>.json`) as
//!   drafts, printing what each changes against its published version (the report `check`
//!   prints, generated Rust names included); with `--publish` it publishes them and caches the
//!   new manifests as `pull` does, refusing a change that breaks generated code unless
//!   `--allow-breaking` is given;
//! - `generate`, `docs` and `schema` turn cached manifests into code, pages and JSON Schemas;
//! - `render` renders from the shell, one file or a batch; `serve` runs the local server;
//!   `trigger` and `resend` send test webhook events.
//!
//! Exit codes: 0 success; 1 a check found a breaking change or a render failed; 2 a usage or
//! input error (bad arguments, an unreadable or invalid manifest, an API error).

mod api;
mod batch;
mod cache;
mod check;
mod docs;
mod files;
mod generate;
mod pull;
mod push;
mod render;
mod resend;
mod schema;
mod shape;
mod trigger;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Cargo calls `cargo-craftkit craftkit ARGS...`.
#[derive(Parser, Debug)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    Craftkit(Cli),
}

/// Typed Craftkit templates: fetch manifests, check them against the live API, push templates
/// from the repository, generate bindings, render from the shell, run a local server.
#[derive(clap::Args, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands, each with its arguments as one struct in its own module; the flags
/// several share (the cache directory, the API key and URL) are flattened structs.
#[derive(Subcommand, Debug)]
enum Command {
    /// Fetch manifests into the cache.
    ///
    /// Example: cargo craftkit pull charter-handover invoice
    Pull(pull::Args),
    /// Compare cached manifests with the live ones; exit 1 on a breaking change.
    ///
    /// Example: cargo craftkit check --exact
    Check(check::Args),
    /// Save the templates in .craftkit/templates as drafts; with --publish, publish them.
    ///
    /// Each `<SLUG>.json` there is a manifest (a pulled one, or one without `version` and
    /// `status`). Every file is checked before anything is sent. Each draft is saved (replacing
    /// the template's draft) and what it changes against the published version is printed, as
    /// `check` prints it. With --publish the drafts are then published and the new manifests
    /// written into the cache as `pull` writes them; if one would break code generated from its
    /// published version (a breaking change, or a generated Rust name that changes), none is
    /// published and the command exits 1, unless --allow-breaking is given.
    ///
    /// Example: cargo craftkit push site-visit --publish
    Push(push::Args),
    /// Write the bindings of cached templates to a file (or a directory, one file each).
    ///
    /// Example: cargo craftkit generate charter-handover -o src/templates.rs
    Generate(generate::Args),
    /// Write one Markdown page per template: variables, types, bounds, an example payload in
    /// JSON and as a Rust struct literal.
    ///
    /// Example: cargo craftkit docs -o docs/templates
    Docs(docs::Args),
    /// Print a template's manifest as a JSON Schema (draft 2020-12) of its `data`.
    ///
    /// Example: cargo craftkit schema charter-handover > charter-handover.schema.json
    Schema(schema::Args),
    /// Render a JSON data file to a PDF, or every line of a JSON-lines file (--batch).
    ///
    /// Example: cargo craftkit render charter-handover data.json -o handover.pdf
    ///
    /// Example: cargo craftkit render invoice --batch november.jsonl --out pdfs --journal november.journal
    Render(render::Args),
    /// Run the local Craftkit-compatible server (the options of craftkit-devserver).
    ///
    /// Example: cargo craftkit serve --templates .craftkit/manifests --key ck_test_abcdefghijklmnopqrstuvwx
    Serve(craftkit_devserver::cli::Args),
    /// Send a signed test webhook event to an endpoint, once, and print the status it answered.
    ///
    /// Example: cargo craftkit trigger render.succeeded --to http://127.0.0.1:3000/webhooks/craftkit --secret whsec_test
    ///
    /// Example: cargo craftkit trigger render.failed --to http://127.0.0.1:3000/webhooks/craftkit --secret whsec_test --set data.error.code=font_missing --set id=evt_twice
    Trigger(trigger::Args),
    /// Have the local server deliver a past event again: same id and body, a fresh signature.
    ///
    /// As the dashboard's resend does: to every endpoint the server delivers to, retried as
    /// any delivery; its attempts are in the delivery log under the resend's number. The
    /// server keeps the events of its own renders, the newest 10,000, while it runs. Point
    /// --api-url (or CRAFTKIT_API_URL) at the local server: the service has no such call.
    ///
    /// Example: cargo craftkit resend evt_3kTq9ZrW7bN2mX --api-url http://127.0.0.1:4010
    Resend(resend::Args),
}

impl Command {
    /// Runs the subcommand.
    async fn run(self) -> Result<(), Failure> {
        match self {
            Command::Pull(args) => pull::run(args).await,
            Command::Check(args) => check::run(args).await,
            Command::Push(args) => push::run(args).await,
            Command::Generate(args) => generate::run(args),
            Command::Docs(args) => docs::run(args),
            Command::Schema(args) => schema::run(args),
            Command::Render(args) => render::run(args).await,
            Command::Serve(args) => craftkit_devserver::cli::run(args)
                .await
                .map_err(Failure::input),
            Command::Trigger(args) => trigger::run(args).await,
            Command::Resend(args) => resend::run(args).await,
        }
    }
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
    let result = runtime.block_on(cli.command.run());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use clap::Parser;
    use clap::error::ErrorKind;

    use super::*;

    /// `cargo craftkit ARGS`, parsed.
    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cargo::try_parse_from(["cargo", "craftkit"].iter().chain(args)).map(|cargo| {
            let Cargo::Craftkit(cli) = cargo;
            cli.command
        })
    }

    fn error(args: &[&str]) -> ErrorKind {
        parse(args)
            .map(|c| panic!("{args:?} parsed: {c:?}"))
            .unwrap_err()
            .kind()
    }

    /// The shared API flags, given on the command line (so the environment cannot decide).
    const API: [&str; 4] = ["--key", "ck_test_k", "--api-url", "http://127.0.0.1:9"];

    fn assert_api(api: &api::Api) {
        assert_eq!(api.key.as_ref().map(|k| k.expose()), Some("ck_test_k"));
        assert_eq!(api.api_url, "http://127.0.0.1:9");
    }

    fn dir(cache: &cache::Dir) -> Option<&Path> {
        cache.manifest_dir.as_deref()
    }

    #[test]
    fn pull_and_check_take_the_shared_flags_before_or_after_their_slugs() {
        for args in [
            [
                &["pull", "a", "b", "--all", "--manifest-dir", "m"][..],
                &API,
            ]
            .concat(),
            [
                &["pull", "--manifest-dir", "m"][..],
                &API,
                &["--all", "a", "b"],
            ]
            .concat(),
        ] {
            let Command::Pull(pull) = parse(&args).unwrap() else {
                panic!("{args:?}")
            };
            assert_eq!(pull.slugs, ["a", "b"]);
            assert!(pull.all);
            assert_eq!(dir(&pull.cache), Some(Path::new("m")));
            assert_api(&pull.api);
        }
        let args = [
            &["check", "--exact"][..],
            &API,
            &["a", "--manifest-dir", "m"],
        ]
        .concat();
        let Command::Check(check) = parse(&args).unwrap() else {
            panic!()
        };
        assert_eq!(check.slugs, ["a"]);
        assert!(check.exact);
        assert_eq!(dir(&check.cache), Some(Path::new("m")));
        assert_api(&check.api);
        // The API's URL has its default; the cache its own (none given).
        let Command::Check(check) = parse(&["check"]).unwrap() else {
            panic!()
        };
        assert!(check.slugs.is_empty() && !check.exact && dir(&check.cache).is_none());
        if std::env::var_os("CRAFTKIT_API_URL").is_none() {
            assert_eq!(check.api.api_url, "https://api.craftkit.io");
        }
    }

    #[test]
    fn push_takes_slugs_its_flags_and_the_shared_ones() {
        let args = [
            &["push", "a", "--publish", "--templates-dir", "t"][..],
            &API,
            &["b", "--allow-breaking", "--manifest-dir", "m"],
        ]
        .concat();
        let Command::Push(push) = parse(&args).unwrap() else {
            panic!("{args:?}")
        };
        assert_eq!(push.slugs, ["a", "b"]);
        assert!(push.publish && push.allow_breaking);
        assert_eq!(push.templates_dir.as_deref(), Some(Path::new("t")));
        assert_eq!(dir(&push.cache), Some(Path::new("m")));
        assert_api(&push.api);

        let Command::Push(push) = parse(&["push"]).unwrap() else {
            panic!()
        };
        assert!(push.slugs.is_empty() && !push.publish && !push.allow_breaking);
        assert!(push.templates_dir.is_none() && dir(&push.cache).is_none());
        // --allow-breaking only means something when publishing.
        assert_eq!(
            error(&["push", "--allow-breaking"]),
            ErrorKind::MissingRequiredArgument
        );
    }

    #[test]
    fn shared_flags_belong_to_the_subcommand_not_before_it() {
        assert_eq!(
            error(&["--key", "k", "pull", "a"]),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            error(&["--manifest-dir", "m", "schema", "a"]),
            ErrorKind::UnknownArgument
        );
        // Commands that never call the API take no key.
        assert_eq!(
            error(&["generate", "a", "--key", "k"]),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            error(&["schema", "a", "--api-url", "u"]),
            ErrorKind::UnknownArgument
        );
    }

    #[test]
    fn generate_docs_and_schema_read_the_cache_they_are_given() {
        let Command::Generate(generate) =
            parse(&["generate", "--manifest-dir", "m", "a", "b", "-o", "out.rs"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(generate.slugs, ["a", "b"]);
        assert_eq!(generate.output, Some(PathBuf::from("out.rs")));
        assert_eq!(dir(&generate.cache), Some(Path::new("m")));
        assert_eq!(error(&["generate"]), ErrorKind::MissingRequiredArgument);

        let Command::Docs(docs) = parse(&["docs", "--output", "d", "a"]).unwrap() else {
            panic!()
        };
        assert_eq!(
            (docs.slugs.as_slice(), docs.output.as_path()),
            (&["a".to_owned()][..], Path::new("d"))
        );
        assert!(dir(&docs.cache).is_none());
        assert_eq!(error(&["docs", "a"]), ErrorKind::MissingRequiredArgument);

        let Command::Schema(schema) = parse(&["schema", "a", "--manifest-dir", "m"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(schema.slug, "a");
        assert_eq!(dir(&schema.cache), Some(Path::new("m")));
        assert_eq!(error(&["schema", "a", "b"]), ErrorKind::UnknownArgument);
    }

    #[test]
    fn render_takes_one_data_file_or_a_batch_and_never_both() {
        let args = [
            &["render", "s", "data.json", "-o", "x.pdf", "--no-wait"][..],
            &API,
            &["--idempotency-key", "ik", "--private"],
        ]
        .concat();
        let Command::Render(render) = parse(&args).unwrap() else {
            panic!()
        };
        assert_eq!(render.slug, "s");
        assert_eq!(render.data, Some(PathBuf::from("data.json")));
        assert_eq!(render.output, Some(PathBuf::from("x.pdf")));
        assert!(render.no_wait && render.private);
        assert_eq!(render.idempotency_key.as_deref(), Some("ik"));
        assert!(render.batch.file.is_none());
        assert_eq!(render.batch.concurrency, 16);
        assert_api(&render.api);

        let args = [
            &[
                "render",
                "s",
                "--batch",
                "f.jsonl",
                "--out",
                "pdfs",
                "--concurrency",
                "4",
            ][..],
            &["--journal", "j", "--shard", "2/3"],
            &API,
        ]
        .concat();
        let Command::Render(render) = parse(&args).unwrap() else {
            panic!()
        };
        assert_eq!(render.data, None);
        assert_eq!(render.batch.file, Some(PathBuf::from("f.jsonl")));
        assert_eq!(render.batch.out, Some(PathBuf::from("pdfs")));
        assert_eq!(render.batch.concurrency, 4);
        assert_eq!(render.batch.journal, Some(PathBuf::from("j")));
        assert_eq!(
            render.batch.shard.map(|s| s.to_string()).as_deref(),
            Some("2/3")
        );
        assert_api(&render.api);

        let conflict = ErrorKind::ArgumentConflict;
        assert_eq!(error(&["render", "s", "d.json", "--batch", "f"]), conflict);
        assert_eq!(
            error(&["render", "s", "--batch", "f", "-o", "x.pdf"]),
            conflict
        );
        assert_eq!(
            error(&["render", "s", "--batch", "f", "--idempotency-key", "k"]),
            conflict
        );
        assert_eq!(
            error(&["render", "s", "--batch", "f", "--out", "o", "--no-wait"]),
            conflict
        );
        assert_eq!(error(&["render", "s"]), ErrorKind::MissingRequiredArgument);
        // Flags of --batch alone are refused beside a DATA file, not ignored.
        for flag in [
            ["--out", "o"],
            ["--journal", "j"],
            ["--shard", "1/2"],
            ["--concurrency", "2"],
        ] {
            let args = [&["render", "s", "d.json"][..], &flag].concat();
            assert_eq!(error(&args), conflict, "{args:?}");
        }
        assert_eq!(
            error(&["render", "s", "--out", "o"]),
            ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            error(&["render", "s", "--batch", "f", "--concurrency", "0"]),
            ErrorKind::ValueValidation
        );
        assert_eq!(
            error(&["render", "s", "--batch", "f", "--shard", "4/3"]),
            ErrorKind::ValueValidation
        );
    }

    #[test]
    fn trigger_and_serve_keep_their_flags() {
        let args = [
            &[
                "trigger",
                "render.failed",
                "--to",
                "http://h/w",
                "--secret",
                "whsec_s",
            ][..],
            &["--render", "r_1"],
            &API,
        ]
        .concat();
        let Command::Trigger(trigger) = parse(&args).unwrap() else {
            panic!()
        };
        assert_eq!(trigger.event, "render.failed");
        assert_eq!(trigger.to, "http://h/w");
        assert_eq!(trigger.secret.expose(), "whsec_s");
        assert_eq!(trigger.render.as_deref(), Some("r_1"));
        assert!(trigger.sets.is_empty());
        assert_api(&trigger.api);
        let sets = ["trigger", "render.failed", "--to", "u", "--secret", "s"];
        let args = [&sets[..], &["--set", "data.pages=2", "--set", "id=evt_x"]].concat();
        let Command::Trigger(trigger) = parse(&args).unwrap() else {
            panic!()
        };
        let paths: Vec<_> = trigger.sets.iter().map(|s| s.path.join(".")).collect();
        assert_eq!(paths, ["data.pages", "id"]);
        for bad in ["data.pages", "=1", "a..b=1"] {
            let args = [&sets[..], &["--set", bad]].concat();
            assert_eq!(error(&args), ErrorKind::ValueValidation, "{bad}");
        }

        let args = [&["resend", "evt_1"][..], &API].concat();
        let Command::Resend(resend) = parse(&args).unwrap() else {
            panic!()
        };
        assert_eq!(resend.event_id, "evt_1");
        assert_api(&resend.api);
        assert_eq!(error(&["resend"]), ErrorKind::MissingRequiredArgument);
        let bad_event = ["trigger", "render.nope", "--to", "u", "--secret", "s"];
        assert_eq!(error(&bad_event), ErrorKind::InvalidValue);

        let Command::Serve(serve) = parse(&["serve", "--port", "0", "--key", "ck_test_k"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(serve.keys, ["ck_test_k"]);
    }

    #[test]
    fn debug_of_the_arguments_shows_no_key_and_no_secret() {
        let args = [
            &[
                "trigger",
                "render.failed",
                "--to",
                "http://h/w",
                "--secret",
                "whsec_SecretCanary",
            ][..],
            &["--key", "ck_test_KeyCanary"],
        ]
        .concat();
        let pull = ["pull", "a", "--key", "ck_test_KeyCanary"];
        let push = ["push", "a", "--key", "ck_test_KeyCanary"];
        let render = ["render", "s", "d.json", "--key", "ck_test_KeyCanary"];
        for args in [&args[..], &pull, &push, &render] {
            let debug = format!("{:?}", parse(args).unwrap());
            assert!(!debug.contains("Canary"), "{debug}");
            assert!(debug.contains("[redacted]"), "{debug}");
        }
    }
}
