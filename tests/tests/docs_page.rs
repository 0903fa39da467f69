//! The Markdown docs page of each template (`craftkit_codegen::markdown::page`):
//!
//! - the charter-handover page equals `docs/charter-handover.md`, byte for byte;
//! - each fixture's example payload is valid and round-trips through the generated type;
//! - each page's Rust example compiles against the real generated types and builds exactly the
//!   page's JSON: `docs/examples/<slug>.rs` wraps it in a program (checked in, compared here)
//!   that trybuild compiles and runs. `docs/edge-cases.json` adds a manifest made for the
//!   example writer's hard cases (raw JSON, extreme numbers, keywords, quotes).
//!
//! Regenerate the checked-in files with
//! `UPDATE_SNAPSHOTS=1 cargo test -p craftkit-tests --test docs_page`.

use std::path::PathBuf;

use craftkit_codegen::markdown::page as markdown;
use craftkit_codegen::{Options, generate};
use craftkit_core::data;
use craftkit_core::manifest::Manifest;
use craftkit_runtime::serde::Serialize;
use craftkit_runtime::serde::de::DeserializeOwned;
use craftkit_tests::snapshots::{
    charter_handover_file::CharterHandover, invoice_file::Invoice, kitchen_sink_file::KitchenSink,
    lease_form_file::LeaseForm,
};
use serde_json::Value;

const FIXTURES: [&str; 4] = ["charter-handover", "invoice", "kitchen-sink", "lease-form"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some()
}

fn manifest_at(path: PathBuf) -> Manifest {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Manifest::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture(slug: &str) -> Manifest {
    manifest_at(root().join(format!("fixtures/manifests/{slug}.json")))
}

fn edge_cases() -> Manifest {
    manifest_at(root().join("docs/edge-cases.json"))
}

fn page(manifest: &Manifest) -> String {
    let tree = manifest
        .tree()
        .unwrap_or_else(|e| panic!("{}: {e}", manifest.slug));
    markdown(&tree).unwrap_or_else(|e| panic!("{}: {e}", manifest.slug))
}

/// The body of the first fenced block whose info string is `info`, whatever its fence length.
fn block(page: &str, info: &str) -> String {
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let fence_len = line.chars().take_while(|c| *c == '`').count();
        if fence_len >= 3 && line[fence_len..] == *info {
            let fence = &line[..fence_len];
            let mut body = String::new();
            for line in lines.by_ref() {
                if line == fence {
                    return body;
                }
                body.push_str(line);
                body.push('\n');
            }
            panic!("the {info} block is not closed");
        }
    }
    panic!("no {info} block in the page:\n{page}");
}

/// Compares `actual` with the checked-in file (or writes it, when updating); the mismatch as a
/// diff.
fn check_file(path: PathBuf, actual: &str) -> Option<String> {
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    (expected != actual).then(|| {
        let diff = similar::TextDiff::from_lines(&expected, actual);
        format!(
            "{}:\n{}",
            path.display(),
            diff.unified_diff()
                .context_radius(2)
                .header("checked in", "generated")
        )
    })
}

#[test]
fn the_charter_handover_page_matches_its_snapshot() {
    let actual = page(&fixture("charter-handover"));
    if let Some(diff) = check_file(root().join("docs/charter-handover.md"), &actual) {
        panic!("the page differs from its snapshot (UPDATE_SNAPSHOTS=1 to accept):\n{diff}");
    }
}

#[test]
fn pages_are_deterministic() {
    for slug in FIXTURES {
        assert_eq!(page(&fixture(slug)), page(&fixture(slug)), "{slug}");
    }
}

fn check_payload<T: Serialize + DeserializeOwned>(slug: &str) {
    let manifest = fixture(slug);
    let json = block(&page(&manifest), "json");
    let value: Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{slug}: the example payload is not JSON: {e}\n{json}"));
    let report = data::validate(&manifest.tree().unwrap(), &value);
    assert!(
        report.is_valid() && report.unknown_keys.is_empty(),
        "{slug}: the example payload is not valid: {report:?}"
    );
    let typed: T = serde_path_to_error::deserialize(&value)
        .unwrap_or_else(|e| panic!("{slug}: the example payload does not deserialize: {e}"));
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        value,
        "{slug}: the example payload does not round-trip"
    );
}

#[test]
fn every_example_payload_is_valid_and_round_trips_through_the_generated_type() {
    check_payload::<CharterHandover>("charter-handover");
    check_payload::<Invoice>("invoice");
    check_payload::<KitchenSink>("kitchen-sink");
    check_payload::<LeaseForm>("lease-form");
}

#[test]
fn the_edge_cases_payload_is_valid() {
    let manifest = edge_cases();
    let value: Value = serde_json::from_str(&block(&page(&manifest), "json")).unwrap();
    let report = data::validate(&manifest.tree().unwrap(), &value);
    assert!(report.is_valid(), "{report:?}");
}

/// A raw string literal of `text`: enough `#`s that no `"#...` inside ends it.
fn raw_string(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let hashes = "#".repeat(hashes);
    format!("r{hashes}\"{text}\"{hashes}")
}

/// The program that compiles the page's Rust example against `types` (a path to `include!`,
/// relative to `docs/examples/`) and checks it against the page's JSON.
fn example_program(manifest: &Manifest, page: &str, types: &str) -> String {
    let rust = block(page, "rust");
    let json = block(page, "json");
    let slug = &manifest.slug;
    let root = craftkit_codegen::root_name_for_slug(slug);
    format!(
        r#"//! The Rust example of the docs page of template `{slug}`, compiled against the generated
//! types: it must build, validate, serialize to the page's JSON and read back from it.
//! Written by `tests/docs_page.rs` (UPDATE_SNAPSHOTS=1): do not edit.
#![deny(warnings)]

/// The generated types, as a user's crate would have them.
mod generated {{
    include!("{types}");
}}

#[allow(unused_imports)]
use generated::*;

use craftkit_runtime::Template as _;

/// The page's example payload.
const JSON: &str = {json_literal};

{rust}
fn main() {{
    let built = example();
    built.validate().expect("the example is within bounds");
    let expected: craftkit_runtime::serde_json::Value =
        craftkit_runtime::serde_json::from_str(JSON).unwrap();
    let json = craftkit_runtime::serde_json::to_value(&built).unwrap();
    assert_eq!(json, expected);
    let read: {root} = craftkit_runtime::serde_json::from_str(JSON).unwrap();
    assert_eq!(read, built);
}}
"#,
        json_literal = raw_string(json.trim_end()),
    )
}

#[test]
fn every_rust_example_compiles_against_the_generated_types() {
    let examples = root().join("docs/examples");
    let mut mismatches = Vec::new();
    for slug in FIXTURES {
        let manifest = fixture(slug);
        let program = example_program(
            &manifest,
            &page(&manifest),
            &format!("../../snapshots/{slug}.rs"),
        );
        mismatches.extend(check_file(examples.join(format!("{slug}.rs")), &program));
    }
    // the edge cases have no snapshot of their own: their generated code is checked in beside
    let manifest = edge_cases();
    let code = generate(&manifest.tree().unwrap(), &Options::default())
        .unwrap()
        .to_file_string();
    mismatches.extend(check_file(
        examples.join(format!("generated/{}.rs", manifest.slug)),
        &code,
    ));
    let program = example_program(
        &manifest,
        &page(&manifest),
        &format!("generated/{}.rs", manifest.slug),
    );
    mismatches.extend(check_file(
        examples.join(format!("{}.rs", manifest.slug)),
        &program,
    ));
    assert!(
        mismatches.is_empty(),
        "the example programs differ from the pages (UPDATE_SNAPSHOTS=1 to accept):\n{}",
        mismatches.join("\n")
    );
    trybuild::TestCases::new().pass("docs/examples/*.rs");
}
