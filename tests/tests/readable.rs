//! Generated code a person is glad to read (issue 24, item 4), checked on the snapshots (the
//! generator's output for each fixture, compiled by `src/lib.rs`):
//!
//! - enums parse with `FromStr`, whose error suggests the value a typo meant;
//! - a setter of a list of strings takes `["Marko", "Iva"]`, and still everything
//!   `impl Into<Vec<String>>` took, the empty `vec![]` and `Vec::new()` included;
//! - each field carries at most one `#[serde(...)]` where serde's derive writes `Serialize`
//!   (a type given attributes or derives by overrides; the others have none);
//! - `MANIFEST_JSON` is a raw string, one line per variable, that parses to the manifest.
#![deny(warnings)]

use std::path::PathBuf;

use craftkit_core::manifest::Manifest;
use craftkit_runtime::{ParseEnumError, Template};
use craftkit_tests::snapshots::charter_handover_file::{CharterHandover, charter_handover};
use craftkit_tests::snapshots::kitchen_sink_file::kitchen_sink;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each fixture's slug, manifest and snapshot file.
fn fixtures() -> Vec<(String, Manifest, syn::File)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/manifests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "the fixture manifests are missing");
    paths
        .into_iter()
        .map(|path| {
            let slug = path.file_stem().unwrap().to_string_lossy().into_owned();
            let manifest = Manifest::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let snapshot = root().join("snapshots").join(format!("{slug}.rs"));
            let file = syn::parse_file(&std::fs::read_to_string(snapshot).unwrap()).unwrap();
            (slug, manifest, file)
        })
        .collect()
}

#[test]
fn from_str_parses_a_value_and_suggests_the_one_a_typo_meant() {
    use charter_handover::Condition;

    assert_eq!("damaged".parse::<Condition>(), Ok(Condition::Damaged));
    for value in Condition::ALL {
        assert_eq!(value.as_str().parse::<Condition>(), Ok(value));
    }

    let typo: ParseEnumError = "damagd".parse::<Condition>().unwrap_err();
    assert_eq!(typo.value(), "damagd");
    assert_eq!(typo.suggestion(), Some("damaged"));
    assert_eq!(
        typo.to_string(),
        "unknown variant `damagd`, expected one of `ok`, `worn`, `damaged`, `missing`; \
         did you mean `damaged`?"
    );
    let case = "WORN".parse::<Condition>().unwrap_err();
    assert_eq!(
        case.suggestion(),
        Some("worn"),
        "another case is a typo too"
    );

    let stranger = "exploded".parse::<Condition>().unwrap_err();
    assert_eq!(stranger.suggestion(), None);
    assert!(!stranger.to_string().contains("did you mean"));
    // An error type that works with `?` in a function returning `Box<dyn Error>`.
    let _: Box<dyn std::error::Error + Send + Sync> = Box::new(stranger);

    // Deserialization goes through `TryFrom<String>`, worded as serde's derive words it.
    assert_eq!(
        Condition::try_from("damagd".to_owned()),
        Err("unknown variant `damagd`, expected one of `ok`, `worn`, `damaged`, `missing`".into())
    );
    let error = serde_json::from_str::<Condition>(r#""damagd""#).unwrap_err();
    assert!(!error.to_string().contains("did you mean"), "{error}");
}

#[test]
fn a_list_of_strings_takes_an_array_of_str() {
    let row = kitchen_sink::Row::builder().cells(["Marko", "Iva"]).build();
    assert_eq!(row.cells, Some(vec!["Marko".to_owned(), "Iva".to_owned()]));

    // What `impl Into<Vec<String>>` took still compiles, the empty literals included: their
    // item type is inferred from the one `Vec` the setter takes.
    let names = vec!["Marko".to_owned()];
    for cells in [
        kitchen_sink::Row::builder().cells(vec!["Marko".to_owned()]),
        kitchen_sink::Row::builder().cells(names.clone()),
        kitchen_sink::Row::builder().cells(&names[..]),
        kitchen_sink::Row::builder().cells(&names),
        kitchen_sink::Row::builder().cells(["Marko".to_owned()]),
        kitchen_sink::Row::builder().cells(&["Marko"][..]),
    ] {
        assert_eq!(cells.build().cells, Some(names.clone()));
    }
    for empty in [
        kitchen_sink::Row::builder().cells(vec![]),
        kitchen_sink::Row::builder().cells(Vec::new()),
    ] {
        assert_eq!(empty.build().cells, Some(Vec::new()));
    }
    let root = CharterHandover::builder().crew(["Marko", "Iva"]);
    drop(root);
}

/// Each `#[serde(...)]` in `attrs`.
fn serde_attrs(attrs: &[syn::Attribute]) -> usize {
    attrs.iter().filter(|a| a.path().is_ident("serde")).count()
}

/// Every struct and enum of `items`, at any depth of modules.
fn each_type<'a>(items: &'a [syn::Item], out: &mut Vec<&'a syn::Item>) {
    for item in items {
        match item {
            syn::Item::Struct(_) | syn::Item::Enum(_) => out.push(item),
            syn::Item::Mod(m) => each_type(&m.content.as_ref().unwrap().1, out),
            _ => {}
        }
    }
}

/// Each fixture's generated file with an attribute on every type, which makes each of them
/// derive serde's `Serialize` with its `#[serde(...)]` attributes.
fn derived_fixtures() -> Vec<(String, syn::File)> {
    use craftkit_codegen::config::TemplateConfig;
    fixtures()
        .into_iter()
        .map(|(slug, manifest, _)| {
            let tree = craftkit_core::manifest::Tree::from_json(&manifest.to_json()).unwrap();
            let options = craftkit_codegen::Options::default()
                .with_overrides(TemplateConfig::new().attribute("#[doc(alias = \"derived\")]"));
            let text = craftkit_codegen::generate(&tree, &options)
                .unwrap()
                .to_file_string();
            (slug, syn::parse_file(&text).unwrap())
        })
        .collect()
}

#[test]
fn no_serde_attribute_where_the_generator_writes_serialize() {
    for (slug, _, file) in fixtures() {
        let mut types = Vec::new();
        each_type(&file.items, &mut types);
        for item in types {
            let text = quote::ToTokens::to_token_stream(item).to_string();
            assert!(!text.contains("# [serde"), "{slug}: {text:.200}");
        }
    }
}

#[test]
fn each_field_has_at_most_one_serde_attribute() {
    let mut fields_with_serde = 0;
    for (slug, file) in derived_fixtures() {
        let mut types = Vec::new();
        each_type(&file.items, &mut types);
        for item in types {
            let (name, attrs, fields): (_, _, Vec<(String, &[syn::Attribute])>) = match item {
                syn::Item::Struct(s) => (
                    &s.ident,
                    &s.attrs,
                    s.fields
                        .iter()
                        .map(|f| (f.ident.as_ref().unwrap().to_string(), &f.attrs[..]))
                        .collect(),
                ),
                syn::Item::Enum(e) => (
                    &e.ident,
                    &e.attrs,
                    e.variants
                        .iter()
                        .map(|v| (v.ident.to_string(), &v.attrs[..]))
                        .collect(),
                ),
                _ => unreachable!(),
            };
            assert!(serde_attrs(attrs) <= 1, "{slug}: `{name}` has several");
            for (field, attrs) in fields {
                let count = serde_attrs(attrs);
                assert!(count <= 1, "{slug}: `{name}.{field}` has {count} #[serde]");
                fields_with_serde += count;
            }
        }
    }
    assert!(
        fields_with_serde > 50,
        "the check saw the fields: {fields_with_serde}"
    );
}

#[test]
fn manifest_json_is_a_raw_string_that_parses_to_the_manifest() {
    for (slug, manifest, file) in fixtures() {
        let literal = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Impl(i) => i.items.iter().find_map(|item| match item {
                    syn::ImplItem::Const(c) if c.ident == "MANIFEST_JSON" => match &c.expr {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) => Some(s.clone()),
                        _ => None,
                    },
                    _ => None,
                }),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{slug}: no MANIFEST_JSON literal"));
        let token = literal.token().to_string();
        assert!(
            token.starts_with("r#\""),
            "{slug}: not a raw string: {token:.80}"
        );
        let json = literal.value();
        assert_eq!(Manifest::from_json(&json).unwrap(), manifest, "{slug}");
        // One line per top-level key and per variable: `{`, the keys, a line per variable,
        // `]` and `}`.
        let lines = json.lines().count();
        assert!(
            lines >= manifest.variables.len() + 4,
            "{slug}: {lines} lines:\n{json}"
        );
        assert!(
            json.lines().any(|line| line.starts_with("    {\"path\": ")),
            "{slug}: a variable per line:\n{json}"
        );
    }
    // And the compiled constant is that text.
    let compiled = Manifest::from_json(CharterHandover::MANIFEST_JSON).unwrap();
    assert_eq!(compiled.fingerprint(), CharterHandover::FINGERPRINT);
}
