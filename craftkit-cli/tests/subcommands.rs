//! Every subcommand of `cargo craftkit` against the local server, through the real binary.

use std::process::{Command as Std, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use craftkit_devserver::Config;
use predicates::prelude::*;
use serde_json::{Value, json};

mod common;

use common::{Live, fixtures};

/// The server for these tests: its development key, renders of 10 ms.
fn start(name: &str) -> Live {
    Live::start(
        name,
        Config {
            render_delay: Duration::from_millis(10),
            ..Config::default()
        },
    )
}

impl Live {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("cargo-craftkit").unwrap();
        cmd.arg("craftkit")
            .args(args)
            .env("CRAFTKIT_API_URL", self.server().url())
            .env("CRAFTKIT_API_KEY", &self.server().keys()[0])
            .current_dir(&self.dir);
        cmd
    }

    /// Publishes `manifest` (a draft body) as the next version of its template.
    fn publish(&self, draft: Value) {
        let client = craftkit_runtime::Client::builder()
            .key(&self.server().keys()[0])
            .base_url(self.server().url())
            .build()
            .unwrap();
        let slug = draft["slug"].as_str().unwrap().to_owned();
        self.runtime.block_on(async {
            let draft = craftkit_runtime::client::TemplateDraft::from_value(&draft).unwrap();
            client.create_template(&draft.replace(true)).await.unwrap();
            client.publish_template(&slug).await.unwrap();
        });
    }
}

fn charter_draft() -> Value {
    let mut manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("manifests/charter-handover.json")).unwrap(),
    )
    .unwrap();
    let map = manifest.as_object_mut().unwrap();
    map.remove("version");
    map.remove("status");
    manifest
}

#[test]
fn pull_reports_new_unchanged_and_updated() {
    let live = start("pull");
    let dir = live.dir.join("m");
    let dir_arg = dir.to_str().unwrap();
    live.cmd(&["pull", "charter-handover", "--manifest-dir", dir_arg])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "charter-handover: new (version 12)",
        ));
    let cached = std::fs::read_to_string(dir.join("charter-handover.json")).unwrap();
    assert!(cached.ends_with("}\n") && !cached.contains(&live.server().keys()[0]));
    live.cmd(&["pull", "charter-handover", "--manifest-dir", dir_arg])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "charter-handover: unchanged (version 12)",
        ));
    live.publish(charter_draft()); // version 13
    live.cmd(&["pull", "--all", "--manifest-dir", dir_arg])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "charter-handover: updated (version 12 -> 13)",
        ))
        .stdout(predicate::str::contains("invoice: new (version 3)"));
}

#[test]
fn check_passes_compatible_changes_and_fails_breaking_ones() {
    let live = start("check");
    let dir = live.dir.join("m");
    let dir_arg = dir.to_str().unwrap();
    live.cmd(&["pull", "charter-handover", "--manifest-dir", dir_arg])
        .assert()
        .success();
    live.cmd(&["check", "--manifest-dir", dir_arg])
        .assert()
        .success()
        .stdout(predicate::str::contains("up to date"));

    let mut compatible = charter_draft();
    compatible["variables"]
        .as_array_mut()
        .unwrap()
        .push(json!({"path": "marina_notes", "type": "text"}));
    live.publish(compatible.clone());
    live.cmd(&["check", "charter-handover", "--manifest-dir", dir_arg])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("compatible").and(predicate::str::contains(
                "`marina_notes`: new optional variable",
            )),
        );
    live.cmd(&["check", "--exact", "--manifest-dir", dir_arg])
        .assert()
        .code(1);

    let mut breaking = compatible;
    breaking["variables"]
        .as_array_mut()
        .unwrap()
        .push(json!({"path": "skipper.licence", "type": "string", "required": true}));
    live.publish(breaking);
    live.cmd(&["check", "--manifest-dir", dir_arg])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("BREAKING")
                .and(predicate::str::contains("`skipper`: new required variable")),
        )
        .stderr(predicate::str::contains(
            "cargo craftkit pull charter-handover",
        ));
}

#[test]
fn check_counts_a_compatible_change_that_renames_a_rust_type_as_breaking_and_shows_the_pin() {
    let live = start("check-names");
    let dir = live.dir.join("m");
    let dir_arg = dir.to_str().unwrap();
    live.cmd(&["pull", "charter-handover", "--manifest-dir", dir_arg])
        .assert()
        .success();
    // A new optional enum of inventory items: compatible for the API, but `areas[].condition`'s
    // type `Condition` is now `AreaCondition` beside `InventoryItemCondition`.
    let mut renaming = charter_draft();
    renaming["variables"].as_array_mut().unwrap().push(json!({
        "path": "inventory[].condition", "type": "enum", "values": ["ok", "missing"]
    }));
    live.publish(renaming);
    let pin = "[template.charter-handover.types.\"areas[].condition\"]\n    rename = \"Condition\"";
    live.cmd(&["check", "--manifest-dir", dir_arg])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("BREAKING")
                .and(predicate::str::contains(
                    "`inventory[].condition`: new optional variable",
                ))
                .and(predicate::str::contains(
                    "Rust: the type of `areas[].condition` is renamed `Condition` -> `AreaCondition`",
                ))
                .and(predicate::str::contains(pin)),
        );
    // With the pin in the overrides file beside the cache (valid for the cached manifest and
    // the live one alike), the old name stays: compatible.
    std::fs::write(
        live.dir.join("config.toml"),
        "[template.charter-handover.types.\"areas[].condition\"]\nrename = \"Condition\"\n",
    )
    .unwrap();
    live.cmd(&["check", "--manifest-dir", dir_arg])
        .assert()
        .success()
        .stdout(predicate::str::contains("charter-handover: compatible"));
}

#[test]
fn generate_writes_the_same_code_as_the_builder() {
    let live = start("generate");
    let dir = fixtures().join("manifests");
    let dir_arg = dir.to_str().unwrap();
    let expected =
        std::fs::read_to_string(fixtures().join("../snapshots/charter-handover.rs")).unwrap();
    live.cmd(&["generate", "charter-handover", "--manifest-dir", dir_arg])
        .assert()
        .success()
        .stdout(expected);
    let out = live.dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    live.cmd(&[
        "generate",
        "charter-handover",
        "invoice",
        "--manifest-dir",
        dir_arg,
        "-o",
        out.to_str().unwrap(),
    ])
    .assert()
    .success();
    assert!(
        std::fs::read_to_string(out.join("invoice.rs"))
            .unwrap()
            .starts_with("// @generated")
    );
    live.cmd(&["generate", "nope", "--manifest-dir", dir_arg])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cargo craftkit pull nope")
                .and(predicate::str::contains("did you mean").not()),
        );
    // A typo of a cached slug is answered with the slug, by every subcommand that reads one.
    let docs_out = live.dir.join("docs");
    let docs_out = docs_out.to_str().unwrap();
    for args in [
        &["generate", "charter-handvoer", "--manifest-dir", dir_arg][..],
        &["schema", "charter-handvoer", "--manifest-dir", dir_arg],
        &[
            "docs",
            "charter-handvoer",
            "-o",
            docs_out,
            "--manifest-dir",
            dir_arg,
        ],
    ] {
        live.cmd(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "no cached manifest for `charter-handvoer`: did you mean `charter-handover`?",
            ));
    }
}

#[test]
fn an_invalid_cached_manifest_is_shown_with_file_line_and_column() {
    let live = start("invalid");
    let dir = live.dir.join("m");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bad.json"),
        "{\n  \"slug\": \"bad\", \"version\": 1, \"pipeline\": \"html\",\n  \"variables\": [\n    {\"path\": \"booking..code\", \"type\": \"string\"}\n  ]\n}\n",
    )
    .unwrap();
    live.cmd(&["generate", "bad", "--manifest-dir", dir.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("bad.json:4:14")
                .and(predicate::str::contains("booking..code")),
        );
    std::fs::write(dir.join("broken.json"), "{\n  \"slug\": \"broken\",\n").unwrap();
    live.cmd(&[
        "generate",
        "broken",
        "--manifest-dir",
        dir.to_str().unwrap(),
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("broken.json:2:"));
}

#[test]
fn render_writes_the_pdf_and_no_wait_prints_the_id() {
    let live = start("render");
    let data = fixtures().join("payloads/charter-handover.valid.json");
    let pdf = live.dir.join("out.pdf");
    live.cmd(&[
        "render",
        "charter-handover",
        data.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
        "--idempotency-key",
        "k1",
    ])
    .assert()
    .success()
    .stdout(predicate::str::starts_with("rnd_").and(predicate::str::contains("out.pdf")));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    live.cmd(&[
        "render",
        "charter-handover",
        data.to_str().unwrap(),
        "--no-wait",
        "--private",
    ])
    .assert()
    .success()
    .stdout(predicate::str::is_match("^rnd_[A-Za-z0-9]+\n$").unwrap());
    let invalid = fixtures().join("payloads/charter-handover.invalid.json");
    live.cmd(&["render", "charter-handover", invalid.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("validation_failed")
                .and(predicate::str::contains("areas[1].condition")),
        );
}

/// A data file over 20 MiB, the API's limit for a request body, is refused before it is read
/// whole or sent; so is a cached manifest over it.
#[test]
fn render_refuses_a_data_file_or_a_manifest_over_the_body_limit() {
    let live = start("render-large");
    let big = live.dir.join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(20 * 1024 * 1024 + 1)
        .unwrap();
    live.cmd(&["render", "charter-handover", big.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "big.json: larger than 20 MiB, the API's limit for a request body",
        ));
    let manifests = live.dir.join(".craftkit/manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    std::fs::File::create(manifests.join("huge.json"))
        .unwrap()
        .set_len(20 * 1024 * 1024 + 1)
        .unwrap();
    live.cmd(&["schema", "huge"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "huge.json: larger than 20 MiB, the API's limit for a request body",
        ));
}

#[test]
fn serve_prints_its_address_first() {
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("cargo-craftkit"))
        .args([
            "craftkit",
            "serve",
            "--port",
            "0",
            "--key",
            "ck_test_servecliservecliserve0000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
}

#[test]
fn usage_errors_exit_2_and_every_subcommand_has_help_with_an_example() {
    Command::cargo_bin("cargo-craftkit")
        .unwrap()
        .args(["craftkit", "nope"])
        .assert()
        .code(2);
    Command::cargo_bin("cargo-craftkit")
        .unwrap()
        .args(["craftkit", "pull"])
        .env_remove("CRAFTKIT_API_KEY")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("CRAFTKIT_API_KEY"));
    for sub in [
        "pull", "check", "generate", "docs", "schema", "render", "serve", "trigger", "resend",
    ] {
        Command::cargo_bin("cargo-craftkit")
            .unwrap()
            .args(["craftkit", sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}

#[test]
fn schema_prints_a_json_schema_of_the_data() {
    let live = start("schema");
    let dir = fixtures().join("manifests");
    let output = live
        .cmd(&[
            "schema",
            "charter-handover",
            "--manifest-dir",
            dir.to_str().unwrap(),
        ])
        .assert()
        .success();
    let schema: Value = serde_json::from_slice(&output.get_output().stdout).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&json!("booking"))
    );
}

#[test]
fn docs_writes_the_same_page_as_the_generator() {
    let live = start("docs");
    let dir = fixtures().join("manifests");
    let out = live.dir.join("pages");
    live.cmd(&[
        "docs",
        "charter-handover",
        "-o",
        out.to_str().unwrap(),
        "--manifest-dir",
        dir.to_str().unwrap(),
    ])
    .assert()
    .success();
    let page = std::fs::read_to_string(out.join("charter-handover.md")).unwrap();
    let expected = std::fs::read_to_string(fixtures().join("../docs/charter-handover.md")).unwrap();
    assert_eq!(page, expected, "the CLI writes the snapshot page");
}

/// `generate` reads `.craftkit/config.toml` beside the cache, as the macro and the Builder do.
#[test]
fn generate_applies_the_overrides_file_beside_the_cache() {
    let live = start("generate-config");
    let manifests = live.dir.join(".craftkit/manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    std::fs::copy(
        fixtures().join("manifests/invoice.json"),
        manifests.join("invoice.json"),
    )
    .unwrap();
    std::fs::write(
        live.dir.join(".craftkit/config.toml"),
        "[replace]\ndate = \"chrono::NaiveDate\"\n[template.invoice.fields.\"buyer.reference\"]\nrename = \"purchase_order\"\n",
    )
    .unwrap();
    let dir = manifests.to_str().unwrap();
    live.cmd(&["generate", "invoice", "--manifest-dir", dir])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("pub issued_on: chrono::NaiveDate,")
                .and(predicate::str::contains("pub purchase_order: ")),
        );
    std::fs::write(
        live.dir.join(".craftkit/config.toml"),
        "[template.invoice.fields.\"buyer.refrence\"]\nrename = \"purchase_order\"\n",
    )
    .unwrap();
    live.cmd(&["generate", "invoice", "--manifest-dir", dir])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(
                "no variable `buyer.refrence` (did you mean `buyer.reference`?)",
            )
            // At its place in the file, as a compiler shows an error.
            .and(predicate::str::contains(
                "config.toml:1:26: `fields.\"buyer.refrence\"`: ",
            ))
            .and(predicate::str::contains(
                "1 | [template.invoice.fields.\"buyer.refrence\"]\n  |                          ^^^^^^^^^^^^^^^^",
            )),
        );
    std::fs::write(
        live.dir.join(".craftkit/config.toml"),
        "[replace]\ndate = chrono::NaiveDate\n",
    )
    .unwrap();
    live.cmd(&["generate", "invoice", "--manifest-dir", dir])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("config.toml:2:8: ").and(predicate::str::contains(
                "2 | date = chrono::NaiveDate\n  |        ^",
            )),
        );
}
