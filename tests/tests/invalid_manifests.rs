//! Every file of `fixtures/invalid/` is rejected, without a panic and without code, by an error
//! that names what `EXPECTED.md` says it must name and breaks the rule it lists.

use std::collections::BTreeMap;
use std::path::PathBuf;

use craftkit_codegen::{Error, ManifestSource};
use craftkit_core::manifest::{Manifest, ManifestError, Rule};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/invalid")
}

/// `file -> names the error must mention`, from the table in EXPECTED.md.
fn expectations() -> BTreeMap<String, Vec<String>> {
    let table = std::fs::read_to_string(dir().join("EXPECTED.md")).unwrap();
    table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let file = cells.get(1)?.strip_suffix(".json")?;
            let names = cells
                .get(2)?
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
            Some((format!("{file}.json"), names))
        })
        .collect()
}

/// The rule each fixture breaks (EXPECTED.md's last column, as our rule names).
fn expected_rule(file: &str) -> Option<Rule> {
    Some(match file {
        "empty-segment.json" | "leading-dot.json" => Rule::EmptySegment,
        "double-brackets.json" => Rule::MultipleBrackets,
        "brackets-mid.json" => Rule::MisplacedBrackets,
        "bare-brackets.json" => Rule::EmptyName,
        "whitespace-name.json" => Rule::Whitespace,
        "duplicate-path.json" => Rule::DuplicatePath,
        "scalar-and-object.json" | "array-and-object.json" => Rule::ShapeConflict,
        "array-no-items.json" => Rule::ArrayWithoutItems,
        "array-items-and-children.json" => Rule::ArrayItemsAndChildren,
        "array-without-brackets.json" => Rule::ArrayWithoutBrackets,
        "enum-no-values.json" => Rule::EnumWithoutValues,
        "enum-duplicate-values.json" => Rule::EnumDuplicateValue,
        "enum-empty-value.json" => Rule::EnumEmptyValue,
        "example-wrong-type.json" => Rule::ExampleMismatch,
        "bounds-contradict.json" => Rule::BoundsContradict,
        "bad-slug.json" => Rule::SlugPattern,
        "missing-version.json" | "missing-pipeline.json" => Rule::MissingField,
        "unknown-pipeline.json" => Rule::UnknownPipeline,
        "pdf-form-array.json" | "pdf-form-image.json" | "docx-nested-array.json" => {
            Rule::PipelineCapability
        }
        "variables-not-array.json" => Rule::WrongType,
        "not-json.json" => return None,
        other => panic!("{other} is in EXPECTED.md but not in this test: add its rule"),
    })
}

#[test]
fn every_invalid_fixture_is_rejected_as_expected() {
    let expectations = expectations();
    let files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    assert_eq!(
        files.len(),
        expectations.len(),
        "EXPECTED.md and the fixture files disagree"
    );
    for (file, names) in &expectations {
        let text = std::fs::read_to_string(dir().join(file)).unwrap();
        let error = Manifest::from_json(&text).expect_err(file);
        let message = error.to_string();
        match expected_rule(file) {
            None => {
                let ManifestError::Syntax { line, column, .. } = error else {
                    panic!("{file}: {error:?}")
                };
                assert!(line >= 1 && column >= 1);
                assert!(
                    message.contains(&format!("line {line}, column {column}")),
                    "{file}: {message}"
                );
            }
            Some(rule) => {
                assert!(
                    error.problems().iter().any(|p| p.rule == rule),
                    "{file}: expected {rule:?} in {message}"
                );
            }
        }
        for name in names {
            assert!(
                message.contains(name.as_str()),
                "{file}: the error must name `{name}`:\n{message}"
            );
        }
    }
}

#[test]
fn the_generator_reports_the_file_and_produces_no_code() {
    let source = ManifestSource::new(dir());
    // a cache file is named by its slug; every invalid fixture has the slug `bad` or none
    let error = source.load("scalar-and-object").expect_err("invalid");
    match error {
        Error::Manifest {
            path: Some(path), ..
        }
        | Error::SlugMismatch { path, .. } => {
            assert!(path.ends_with("scalar-and-object.json"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = r#"{"slug": "multi", "version": 1, "pipeline": "pdf-form", "variables": [
        {"path": "a..b", "type": "string"},
        {"path": "state", "type": "enum"},
        {"path": "rows[]", "type": "array", "items": "string"},
        {"path": "n", "type": "integer", "minimum": 3, "maximum": 1},
        {"path": "v", "type": 7}
    ]}"#;
    let error = Manifest::from_json(text).expect_err("many problems");
    let message = error.to_string();
    assert!(
        message.starts_with("the manifest of template `multi` is invalid"),
        "{message}"
    );
    for needle in ["`a..b`", "`state`", "`n`", "`type` must be a string"] {
        assert!(message.contains(needle), "missing {needle}:\n{message}");
    }
}
