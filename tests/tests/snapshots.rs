//! Each fixture manifest's generated code equals its checked-in snapshot, byte for byte.
//! Regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p craftkit-tests --test snapshots`.

use std::path::{Path, PathBuf};

use craftkit_codegen::{Options, generate};
use craftkit_core::manifest::Tree;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_manifests() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/manifests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 4, "the fixture manifests are missing");
    paths
}

fn generate_file(path: &Path) -> String {
    let tree = Tree::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    generate(&tree, &Options::default())
        .unwrap()
        .to_file_string()
}

#[test]
fn generated_code_matches_the_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut mismatches = Vec::new();
    for path in fixture_manifests() {
        let slug = path.file_stem().unwrap().to_string_lossy().into_owned();
        let actual = generate_file(&path);
        let snapshot = root().join("snapshots").join(format!("{slug}.rs"));
        if update {
            std::fs::write(&snapshot, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if expected != actual {
            let diff = similar::TextDiff::from_lines(&expected, &actual);
            mismatches.push(format!(
                "{}:\n{}",
                snapshot.display(),
                diff.unified_diff()
                    .context_radius(2)
                    .header("snapshot", "generated")
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "generated code differs from the snapshots (UPDATE_SNAPSHOTS=1 to accept):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    for path in fixture_manifests() {
        assert_eq!(
            generate_file(&path),
            generate_file(&path),
            "{}",
            path.display()
        );
    }
}

#[test]
fn key_order_and_white_space_of_the_manifest_do_not_change_the_code() {
    let path = root().join("fixtures/manifests/charter-handover.json");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // serde_json's Map sorts keys: a compact re-serialization reorders every object.
    let reordered = Tree::from_json(&serde_json::to_string(&value).unwrap()).unwrap();
    let code = generate(&reordered, &Options::default())
        .unwrap()
        .to_file_string();
    assert_eq!(code, generate_file(&path));
}
