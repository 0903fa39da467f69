//! Every crate that would be published carries the metadata crates.io and docs.rs read, and every
//! cargo feature it has is described in its rustdoc; examples and tests are never published.
//! (`.ci/package.sh` also packages each crate and checks it alone from its packaged files.)

use std::path::{Path, PathBuf};

/// The crates a release publishes, with the file whose rustdoc is the crate's front page.
const PUBLISHED: [(&str, &str); 6] = [
    ("craftkit-core", "src/lib.rs"),
    ("craftkit-codegen", "src/lib.rs"),
    ("craftkit-macros", "src/lib.rs"),
    ("craftkit-runtime", "src/lib.rs"),
    ("craftkit-devserver", "src/lib.rs"),
    ("craftkit-cli", "src/main.rs"),
];

/// The workspace members that must never be published.
const UNPUBLISHED: [&str; 5] = [
    "examples/builder",
    "examples/macro",
    "examples/render",
    "tests",
    "docs/snippets",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

fn manifest(dir: &str) -> toml::Table {
    let path = root().join(dir).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn published_crates_carry_their_registry_metadata() {
    for (name, _) in PUBLISHED {
        let manifest = manifest(name);
        let package = manifest["package"].as_table().expect("[package]");
        assert_eq!(package["name"].as_str(), Some(name));
        for key in [
            "description",
            "license",
            "repository",
            "documentation",
            "readme",
            "keywords",
            "categories",
        ] {
            assert!(package.contains_key(key), "{name}: no `{key}` in [package]");
        }
        assert_ne!(
            package.get("publish").and_then(toml::Value::as_bool),
            Some(false),
            "{name}"
        );
        assert_eq!(
            package["documentation"].as_str(),
            Some(format!("https://docs.rs/{name}").as_str()),
            "{name}"
        );
        let readme = package["readme"].as_str().expect("readme is a path");
        assert!(
            root().join(name).join(readme).is_file(),
            "{name}: no {readme}"
        );
        let keywords = package["keywords"].as_array().expect("keywords");
        assert!(
            (1..=5).contains(&keywords.len()),
            "{name}: crates.io takes 1 to 5 keywords"
        );
        for keyword in keywords {
            let keyword = keyword.as_str().expect("a keyword is a string");
            assert!(
                keyword.len() <= 20
                    && keyword
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{name}: crates.io refuses the keyword {keyword:?}"
            );
        }
        let docs_rs = package
            .get("metadata")
            .and_then(|m| m.get("docs"))
            .and_then(|d| d.get("rs"))
            .unwrap_or_else(|| panic!("{name}: no [package.metadata.docs.rs]"));
        let features = manifest.get("features").and_then(toml::Value::as_table);
        for feature in docs_rs
            .get("features")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let feature = feature.as_str().expect("a feature name");
            assert!(
                features.is_some_and(|f| f.contains_key(feature)),
                "{name}: docs.rs is asked for feature `{feature}`, which the crate lacks"
            );
        }
    }
}

/// The `| `feature` |` rows of the `# Cargo features` table in a crate's front-page rustdoc.
fn documented_features(front_page: &str) -> Vec<String> {
    let docs: Vec<&str> = front_page
        .lines()
        .take_while(|line| line.starts_with("//!") || line.trim().is_empty())
        .map(|line| line.trim_start_matches("//!").trim())
        .collect();
    let Some(start) = docs.iter().position(|line| *line == "# Cargo features") else {
        return Vec::new();
    };
    docs[start..]
        .iter()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|row| {
            let cell = row.split('|').nth(1)?.trim();
            Some(cell.strip_prefix('`')?.strip_suffix('`')?.to_owned())
        })
        .collect()
}

#[test]
fn every_cargo_feature_is_described_in_the_crate_docs() {
    for (name, front_page) in PUBLISHED {
        let manifest = manifest(name);
        let mut features: Vec<String> = manifest
            .get("features")
            .and_then(toml::Value::as_table)
            .map(|f| f.keys().filter(|k| *k != "default").cloned().collect())
            .unwrap_or_default();
        let path = root().join(name).join(front_page);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut documented = documented_features(&text);
        features.sort();
        documented.sort();
        assert_eq!(
            documented, features,
            "{name}: the `# Cargo features` table of {front_page} must list exactly the crate's features"
        );
    }
}

#[test]
fn examples_and_tests_are_never_published() {
    for dir in UNPUBLISHED {
        let manifest = manifest(dir);
        assert_eq!(
            manifest["package"]
                .get("publish")
                .and_then(toml::Value::as_bool),
            Some(false),
            "{dir} must say `publish = false`"
        );
    }
}
