//! Property tests of the generator: manifest JSON in, Rust source out.
//!
//! What they prove, for every input the generators below can draw:
//!
//! - `garbage_never_panics`: for any JSON document (hostile slugs, paths, types, bounds,
//!   examples, descriptions, and valid manifests damaged by random mutations), either
//!   `Manifest::from_value` rejects it, or `generate` succeeds and both its tokens
//!   (`syn::parse2::<syn::File>`) and its text (`syn::parse_file(to_file_string())`) are valid
//!   Rust. Nothing panics, and a manifest that validates always generates.
//! - `valid_shapes_generate`: manifests valid by construction, over small pools of keys and enum
//!   values that collide after case conversion (`firstName`/`first_name`/`first-name`, `self`/
//!   `Self`/`self_`, `in-progress`/`in_progress`, ...), are accepted, generate, and parse; in the
//!   output every struct's field names and JSON keys are unique, every enum's variant names and
//!   values are unique, the module's type names are unique and never `Option`, `Result`,
//!   `String`, `Vec`, `Box` or `Self`, every named type a field uses exists, and the shape of the
//!   types (keys in manifest order, `Option` exactly for optional keys by the spec's
//!   required-ness rule, `Vec` for arrays, enum values) is the manifest's.
//! - `generation_is_deterministic`: the same manifest gives byte-identical text twice, and the
//!   same document written with its object keys in another order and other white space gives
//!   the same text.
//! - `hostile_descriptions_stay_in_docs`: hostile text in names, descriptions, formats,
//!   examples and enum values neither breaks the file nor adds items (the count of structs,
//!   enums, impls and modules is what the manifest implies, in the tokens and in the printed
//!   file), and every hostile string shows up inside some `#[doc]` string.
//! - `embedded_manifest_round_trips`: the manifest the generated code embeds (`MANIFEST_JSON`,
//!   which the runtime re-reads) re-parses to the manifest the code came from, with the
//!   `FINGERPRINT` the code carries, and regenerates the same file; numbers in the manifest text
//!   are written as people and other JSON writers write them (short, 17+ digits, exponents).
//!
//! The plain tests check that paths deeper than `MAX_PATH_DEPTH` (up to 1 MiB of them) are
//! rejected quickly on a small stack, that a path exactly `MAX_PATH_DEPTH` deep still generates,
//! and pin the minimal cases of the bugs the properties found (`bug_*`: they fail until the
//! generator or the workspace is fixed, as do the properties that found them).
//!
//! Proptest draws a new random seed each run; set `PROPTEST_RNG_SEED` to replay one. Failures
//! are not persisted to a `proptest-regressions/` directory: minimal cases are kept as `bug_*`
//! tests instead.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use craftkit_codegen::{Options, generate};
use craftkit_core::manifest::{MAX_PATH_DEPTH, Manifest, Rule, Tree};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use quote::ToTokens;
use serde_json::{Map, Value, json};
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;

// ---------------------------------------------------------------------------------------------
// Pools of tricky text
// ---------------------------------------------------------------------------------------------

/// Segment names for garbage paths: valid but awkward ones, and a few that break the grammar.
#[rustfmt::skip]
const TRICKY_SEGMENTS: &[&str] = &[
    "type", "Self", "self", "crate", "super", "_", "__", "a-b", "a_b", "aB", "AB", "2nd",
    "ÄnderungsDatum", "ünïcode", "Tenant Name", "option", "result", "string", "vec", "serde",
    "std", "core", "Option", "r#x", "😀", "名前", "\" quote", "a*/b", "#[x]", "\u{202e}", "",
    "[]",
];

/// Families of JSON keys that collide once made into Rust names; valid path names only.
#[rustfmt::skip]
const KEY_FAMILIES: &[&[&str]] = &[
    &["firstName", "first_name", "first-name", "FIRST_NAME", "First Name", "FirstName",
      "first_name_camel"],
    &["self", "Self", "self_", "SelfValue", "self_pascal", "SELF"],
    &["type", "Type", "TYPE", "r#type", "r_type", "fn", "async", "gen", "crate", "super"],
    &["a-b", "a_b", "a_b_kebab", "a--b", "aB", "AB", "ab", "a b"],
    &["area", "areas", "Area", "AREA", "area_item", "AreaItem", "entries", "entry"],
    &["option", "Option", "result", "Result", "string", "String", "vec", "Vec", "box", "Box",
      "some", "None"],
    &["_", "__", "-", "2nd", "_2nd", "2nd-line", "2nd_line", "😀", "名前", "\u{202e}",
      "\" quote", "a*/b", "</code>"],
    &["ÄnderungsDatum", "anderungs_datum", "ünïcode", "unicode", "Unicode", "Tenant Name",
      "tenant_name", "tenant-name"],
    &["home", "Home", "address", "Address", "addresses", "work", "serde", "std", "core",
      "craftkit_runtime"],
];

/// Families of enum values that collide once made into variant names.
#[rustfmt::skip]
const VALUE_FAMILIES: &[&[&str]] = &[
    &["in-progress", "in_progress", "InProgress", "IN_PROGRESS", "in progress", "inProgress"],
    &["done", "DONE", "Done", "done_upper", "DoneUpper"],
    &["self", "Self", "SelfValue", "self_", "SelfAlt", "crate", "super", "type", "Type"],
    &["-", "_", "__", "--", "+", " ", "\n", "\t", "other", "Other"],
    &["ünïcode", "unicode", "Unicode", "😀", "名前", "\u{202e}", "ÄnderungsDatum"],
    &["2nd-try", "2nd_try", "_2nd_try", "_2ndTry", "2"],
    &["a", "A", "a.b", "[x]", "a*/b", "\" quote", "ALL", "all", "as_str", "AsStr"],
];

/// Slugs that make awkward root names (`Option`, `String`, `SelfTemplate`, `_2024Report`, or a
/// name a nested type would want).
#[rustfmt::skip]
const SLUGS: &[&str] = &[
    "greeting", "charter-handover", "option", "string", "vec", "box", "result", "self", "type",
    "crate", "2024-report", "0", "a", "area", "address", "home", "first-name", "self-value",
    "kitchen-sink", "x-y-z", "some",
];

/// Text that must never escape a doc comment.
#[rustfmt::skip]
const HOSTILE: &[&str] = &[
    "*/",
    "/*",
    "\"",
    "#[",
    "#[doc = \"x\"]",
    "\u{202e}",
    "\0",
    "\r",
    "\r\n",
    "\u{85}",
    "\u{2028}",
    "</code>",
    "<script>",
    "`",
    "``",
    "```rust\npanic!()\n```",
    "~~~\nx\n~~~",
    "    indented code",
    "[link](https://example.org)",
    "[`Option`]",
    "https://example.org/a_(b)",
    "\\",
    "}",
    "} fn evil() {",
    "*/ fn evil() {} /*",
    "\"] fn evil() {} #[doc = \"",
    "/// inner",
    "//! inner",
    "\n\n",
    "\u{feff}",
    "\u{1b}[31m",
];

// ---------------------------------------------------------------------------------------------
// Garbage documents (property 1)
// ---------------------------------------------------------------------------------------------

fn hostile_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => vec(select(HOSTILE), 1..4).prop_map(|parts| parts.concat()),
        2 => "\\PC{0,40}",
        1 => any::<String>(),
        1 => (select(HOSTILE), 1_000usize..20_000)
            .prop_map(|(h, n)| format!("{}{h}", "long ".repeat(n / 5))),
        1 => "[a-z`*/\"#\\[\\]<>\\\\ \\n\\r\\x00]{0,30}",
    ]
    .boxed()
}

fn garbage_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (-3.0f64..3.0).prop_map(Value::from),
        hostile_text().prop_map(Value::String),
        select(vec![
            "2026-02-28",
            "2026-02-30",
            "2026-02-28T23:59:59Z",
            "2026-02-28T15:00:00+02:00",
            "https://example.org/a.png",
            "http://example.org/a.png",
            "data:image/png;base64,iVBORw0KGgo=",
            "ok",
            "a",
            ""
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(Value::Array),
            vec(("[a-z]{0,3}", inner), 0..3).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

fn garbage_name() -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(TRICKY_SEGMENTS).prop_map(str::to_owned),
        3 => "[a-zA-Z_][a-zA-Z0-9_ -]{0,8}[a-zA-Z0-9_]",
        1 => any::<String>(),
        1 => "\\PC{0,6}",
        1 => "[a.\\[\\] \\x00-\\x1f]{0,6}",
    ]
    .boxed()
}

fn garbage_path() -> BoxedStrategy<String> {
    let segment =
        (garbage_name(), prop::bool::weighted(0.2)).prop_map(|(n, a)| if a { n + "[]" } else { n });
    prop_oneof![
        10 => vec(segment, 1..=5).prop_map(|s| s.join(".")),
        1 => any::<String>(),
        1 => "\\PC{0,12}",
        1 => "[a.\\[\\]\\x00-\\x1f]{0,12}",
    ]
    .boxed()
}

#[rustfmt::skip]
const KNOWN_TYPES: &[&str] = &[
    "string", "text", "number", "integer", "boolean", "date", "datetime", "enum", "image",
    "signature", "object", "array",
];

fn garbage_type() -> BoxedStrategy<Value> {
    prop_oneof![
        10 => select(KNOWN_TYPES).prop_map(Value::from),
        2 => select(vec!["qrcode", "", "String", "ARRAY", "r#type", "geo point", "a\nb", "a\rb",
                         "*/", "\0"])
            .prop_map(Value::from),
        // an unknown type's name is shown in the docs: as hostile as any description
        2 => hostile_text().prop_map(Value::from),
        1 => "\\PC{0,10}".prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
        1 => garbage_json(),
    ]
    .boxed()
}

fn garbage_values() -> BoxedStrategy<Value> {
    let value = prop_oneof![
        4 => select(VALUE_FAMILIES.concat()).prop_map(str::to_owned),
        2 => hostile_text(),
        1 => Just(String::new()),
    ];
    prop_oneof![
        8 => vec(value, 0..6).prop_map(Value::from),
        1 => garbage_json(),
    ]
    .boxed()
}

fn garbage_number() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => (0u64..20).prop_map(Value::from),
        2 => (-20i64..0).prop_map(Value::from),
        2 => (-20.0f64..20.0).prop_map(Value::from),
        1 => Just(Value::from(u64::MAX)),
        1 => Just(Value::from(i64::MIN)),
        1 => Just(json!(9007199254740993u64)),
        1 => Just(json!(1e300)),
        1 => garbage_json(),
    ]
    .boxed()
}

fn garbage_variable() -> BoxedStrategy<Value> {
    let bound_keys = select(vec![
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
    ]);
    (
        prop::option::weighted(0.97, garbage_path().prop_map(Value::from)),
        prop::option::weighted(0.97, garbage_type()),
        prop::option::weighted(
            0.5,
            prop_oneof![4 => any::<bool>().prop_map(Value::Bool), 1 => garbage_json()],
        ),
        prop::option::weighted(0.3, garbage_values()),
        prop::option::weighted(0.2, garbage_type()),
        vec((bound_keys, garbage_number()), 0..3),
        prop::option::weighted(0.3, garbage_json()),
        prop::option::weighted(0.3, hostile_text().prop_map(Value::from)),
        prop::option::weighted(0.1, hostile_text().prop_map(Value::from)),
        prop::option::weighted(0.1, ("x-[a-z]{1,4}", garbage_json())),
    )
        .prop_map(
            |(path, ty, required, values, items, bounds, example, description, format, extra)| {
                let mut map = Map::new();
                let mut put = |k: &str, v: Option<Value>| {
                    if let Some(v) = v {
                        map.insert(k.to_owned(), v);
                    }
                };
                put("path", path);
                put("type", ty);
                put("required", required);
                put("values", values);
                put("items", items);
                put("example", example);
                put("description", description);
                put("format", format);
                for (k, v) in bounds {
                    map.insert(k.to_owned(), v);
                }
                if let Some((k, v)) = extra {
                    map.insert(k, v);
                }
                Value::Object(map)
            },
        )
        .boxed()
}

fn garbage_slug() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => select(SLUGS).prop_map(Value::from),
        3 => "[a-z0-9][a-z0-9-]{0,20}".prop_map(Value::from),
        2 => select(vec!["", "-a", "A", "a_b", "a b", "é", "a\n"]).prop_map(Value::from),
        1 => Just(Value::from("a".repeat(64))),
        1 => Just(Value::from("a".repeat(65))),
        1 => any::<String>().prop_map(Value::from),
        1 => garbage_json(),
    ]
    .boxed()
}

fn garbage_version() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => (1u64..100).prop_map(Value::from),
        1 => Just(Value::from(0)),
        1 => Just(Value::from(u64::MAX)),
        1 => Just(json!(-1)),
        1 => Just(json!(1.5)),
        1 => Just(json!("1")),
        1 => garbage_json(),
    ]
    .boxed()
}

fn garbage_pipeline() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => select(vec!["html", "docx", "pdf-form"]).prop_map(Value::from),
        2 => select(vec!["HTML", "pdf", "pdf_form", "", " html"]).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
        1 => garbage_json(),
    ]
    .boxed()
}

/// A manifest put together from random parts: each top-level field may be missing or of any
/// JSON type, and so may each variable.
fn random_manifest() -> BoxedStrategy<Value> {
    let variables = prop_oneof![
        12 => vec(garbage_variable(), 0..30).prop_map(Value::Array),
        1 => vec(garbage_json(), 0..4).prop_map(Value::Array),
        1 => garbage_json(),
    ];
    (
        prop::option::weighted(0.95, garbage_slug()),
        prop::option::weighted(0.95, garbage_version()),
        prop::option::weighted(0.95, garbage_pipeline()),
        prop::option::weighted(
            0.3,
            prop_oneof![
                select(vec!["published", "draft", "Draft", ""]).prop_map(Value::from),
                garbage_json()
            ],
        ),
        prop::option::weighted(0.3, hostile_text().prop_map(Value::from)),
        prop::option::weighted(0.3, hostile_text().prop_map(Value::from)),
        prop::option::weighted(0.95, variables),
    )
        .prop_map(
            |(slug, version, pipeline, status, name, description, variables)| {
                let mut map = Map::new();
                for (k, v) in [
                    ("slug", slug),
                    ("version", version),
                    ("pipeline", pipeline),
                    ("status", status),
                    ("name", name),
                    ("description", description),
                    ("variables", variables),
                ] {
                    if let Some(v) = v {
                        map.insert(k.to_owned(), v);
                    }
                }
                Value::Object(map)
            },
        )
        .boxed()
}

/// One random edit of a manifest document.
#[derive(Debug, Clone)]
enum Mutation {
    SetVarField(usize, &'static str, Value),
    RemoveVarField(usize, &'static str),
    SetTopField(&'static str, Value),
    PushVar(Value),
    DuplicateVar(usize),
    RemoveVar(usize),
    SwapVars(usize, usize),
    SetPath(usize, String),
}

#[rustfmt::skip]
const VAR_FIELDS: &[&str] = &[
    "path", "type", "required", "values", "items", "example", "description", "format", "minLength",
    "maxLength", "minimum", "maximum", "minItems", "maxItems",
];

/// A value for the variable field `key`: mostly of the kind that field takes, so that a
/// mutation often keeps the manifest valid but strange; sometimes any JSON.
fn var_field_value(key: &'static str) -> BoxedStrategy<Value> {
    let fitting = match key {
        "path" => garbage_path().prop_map(Value::from).boxed(),
        "type" | "items" => garbage_type(),
        "required" => any::<bool>().prop_map(Value::Bool).boxed(),
        "values" => garbage_values(),
        "example" => garbage_json(),
        "description" | "format" => hostile_text().prop_map(Value::from).boxed(),
        _ => garbage_number(),
    };
    prop_oneof![6 => fitting, 1 => garbage_json()].boxed()
}

fn top_field_value(key: &'static str) -> BoxedStrategy<Value> {
    let fitting = match key {
        "slug" => garbage_slug(),
        "version" => garbage_version(),
        "pipeline" => garbage_pipeline(),
        "name" | "description" | "status" => hostile_text().prop_map(Value::from).boxed(),
        _ => garbage_json(),
    };
    prop_oneof![6 => fitting, 1 => garbage_json()].boxed()
}

fn mutation() -> BoxedStrategy<Mutation> {
    let top_keys = vec![
        "slug",
        "version",
        "pipeline",
        "status",
        "name",
        "description",
        "variables",
        "x-extra",
    ];
    prop_oneof![
        6 => (any::<usize>(), select(VAR_FIELDS))
            .prop_flat_map(|(i, k)| {
                var_field_value(k).prop_map(move |v| Mutation::SetVarField(i, k, v))
            }),
        2 => (any::<usize>(), select(VAR_FIELDS)).prop_map(|(i, k)| Mutation::RemoveVarField(i, k)),
        1 => select(top_keys).prop_flat_map(|k| {
                top_field_value(k).prop_map(move |v| Mutation::SetTopField(k, v))
            }),
        2 => garbage_variable().prop_map(Mutation::PushVar),
        1 => any::<usize>().prop_map(Mutation::DuplicateVar),
        1 => any::<usize>().prop_map(Mutation::RemoveVar),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SwapVars(i, j)),
        2 => (any::<usize>(), garbage_path()).prop_map(|(i, p)| Mutation::SetPath(i, p)),
    ]
    .boxed()
}

fn apply(doc: &mut Value, mutation: Mutation) {
    let Some(map) = doc.as_object_mut() else {
        return;
    };
    if let Mutation::SetTopField(k, v) = mutation {
        map.insert(k.to_owned(), v);
        return;
    }
    let Some(Value::Array(vars)) = map.get_mut("variables") else {
        return;
    };
    if let Mutation::PushVar(v) = mutation {
        vars.push(v);
        return;
    }
    if vars.is_empty() {
        return;
    }
    let len = vars.len();
    match mutation {
        Mutation::SetVarField(i, k, v) => {
            if let Some(var) = vars[i % len].as_object_mut() {
                var.insert(k.to_owned(), v);
            }
        }
        Mutation::RemoveVarField(i, k) => {
            if let Some(var) = vars[i % len].as_object_mut() {
                var.remove(k);
            }
        }
        Mutation::DuplicateVar(i) => {
            let v = vars[i % len].clone();
            vars.push(v);
        }
        Mutation::RemoveVar(i) => {
            vars.remove(i % len);
        }
        Mutation::SwapVars(i, j) => vars.swap(i % len, j % len),
        Mutation::SetPath(i, p) => {
            if let Some(var) = vars[i % len].as_object_mut() {
                var.insert("path".to_owned(), Value::from(p));
            }
        }
        Mutation::SetTopField(..) | Mutation::PushVar(_) => unreachable!("handled above"),
    }
}

fn garbage_manifest() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => random_manifest(),
        1 => (
            valid_manifest(),
            prop::option::weighted(0.5, hostile_text()),
            vec(mutation(), 0..4),
        ).prop_map(
            |(m, unknown_type, mutations)| {
                let mut doc = m.to_json();
                if let Some(name) = unknown_type {
                    rename_unknown_types(&mut doc, &name);
                }
                for mutation in mutations {
                    apply(&mut doc, mutation);
                }
                doc
            }
        ),
    ]
    .boxed()
}

/// Gives every variable of the unknown type `qrcode` (or array of it) the type `name` instead:
/// an unknown type's name is shown in the docs, so it is as hostile as any description.
fn rename_unknown_types(doc: &mut Value, name: &str) {
    let Some(Value::Array(vars)) = doc.get_mut("variables") else {
        return;
    };
    for var in vars.iter_mut().filter_map(Value::as_object_mut) {
        for key in ["type", "items"] {
            if var.get(key).and_then(Value::as_str) == Some("qrcode") {
                var.insert(key.to_owned(), Value::from(name));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Valid manifests by construction (properties 2 to 4)
// ---------------------------------------------------------------------------------------------

/// A scalar type that every pipeline binds, or that needs checking against the pipeline.
#[rustfmt::skip]
const SCALAR_TYPES: &[&str] = &[
    "string", "text", "number", "integer", "boolean", "date", "datetime", "image", "signature",
    "qrcode",
];

/// What a key holds, as the test means it (the manifest is derived from this).
#[derive(Debug, Clone)]
enum Shape {
    Scalar(&'static str),
    Enum(Vec<String>),
    /// An object; `declared` says whether a variable of type `object` declares it.
    Object {
        declared: bool,
        children: Vec<Child>,
    },
    /// A declared object without children.
    Opaque,
    /// An array of objects.
    ArrayOf {
        declared: bool,
        items_object: bool,
        children: Vec<Child>,
    },
    ArrayScalar(&'static str),
    ArrayEnum(Vec<String>),
}

#[derive(Debug, Clone)]
struct Child {
    key: String,
    shape: Shape,
    required: bool,
    description: Option<String>,
    /// An example of the right type, when the test gives one.
    example: Option<Value>,
    format: Option<String>,
    /// Bounds that fit the type and the example: `minLength`, `minimum`, `minItems`, ...
    bounds: Vec<(&'static str, Value)>,
    /// Whether the declaration comes after the variables inside it.
    declared_last: bool,
}

impl Child {
    fn declared(&self) -> bool {
        !matches!(
            self.shape,
            Shape::Object {
                declared: false,
                ..
            } | Shape::ArrayOf {
                declared: false,
                ..
            }
        )
    }

    fn children(&self) -> Option<&[Child]> {
        match &self.shape {
            Shape::Object { children, .. } | Shape::ArrayOf { children, .. } => Some(children),
            _ => None,
        }
    }

    /// Required-ness by the spec: a declared key says it; an undeclared object or array is
    /// required when anything directly inside it is.
    fn effective_required(&self) -> bool {
        if self.declared() {
            self.required
        } else {
            self.children()
                .unwrap_or_default()
                .iter()
                .any(Child::effective_required)
        }
    }

    fn is_array(&self) -> bool {
        matches!(
            self.shape,
            Shape::ArrayOf { .. } | Shape::ArrayScalar(_) | Shape::ArrayEnum(_)
        )
    }
}

/// A manifest valid by construction, with the tree it was made from.
#[derive(Debug, Clone)]
struct ValidManifest {
    slug: String,
    version: u64,
    pipeline: &'static str,
    name: Option<String>,
    description: Option<String>,
    root: Vec<Child>,
}

impl ValidManifest {
    fn to_json(&self) -> Value {
        let mut variables = Vec::new();
        flatten(&self.root, "", &mut variables);
        let mut doc = json!({
            "slug": self.slug,
            "version": self.version,
            "pipeline": self.pipeline,
            "status": "published",
            "variables": variables,
        });
        if let Some(name) = &self.name {
            doc["name"] = Value::from(name.clone());
        }
        if let Some(description) = &self.description {
            doc["description"] = Value::from(description.clone());
        }
        doc
    }

    /// The items the generated file should hold, as [`count_items`] counts them: the root
    /// struct and one per object or array of objects; one enum per enum; the `Template` impl,
    /// a `Serialize` and a `Deserialize` impl per struct, and six per enum (inherent,
    /// `Display`, `FromStr`, the `TryFrom<String>` it deserializes through, `Serialize` and
    /// `Deserialize`); the module when anything is nested; nothing else.
    fn expected_items(&self) -> [usize; 5] {
        fn count(children: &[Child], acc: &mut (usize, usize)) {
            for child in children {
                match &child.shape {
                    Shape::Object { children, .. } | Shape::ArrayOf { children, .. } => {
                        acc.0 += 1;
                        count(children, acc);
                    }
                    Shape::Enum(_) | Shape::ArrayEnum(_) => acc.1 += 1,
                    _ => {}
                }
            }
        }
        fn any_required(children: &[Child]) -> bool {
            children.iter().any(|child| {
                child.effective_required()
                    || match &child.shape {
                        Shape::Object { children, .. } | Shape::ArrayOf { children, .. } => {
                            any_required(children)
                        }
                        _ => false,
                    }
            })
        }
        let mut acc = (0, 0);
        count(&self.root, &mut acc);
        let (structs, enums) = acc;
        [
            // Each struct and its builder.
            2 * (1 + structs),
            enums,
            // `Template`; each struct's `Serialize`, `Deserialize`, `builder()` impl and
            // builder impl; each enum's inherent impl, `Display`, `FromStr`,
            // `TryFrom<String>`, `Serialize` and `Deserialize`.
            1 + 4 * (1 + structs) + 6 * enums,
            // The module of nested types, also there for the field markers of the builders.
            usize::from(structs + enums > 0 || any_required(&self.root)),
            0,
        ]
    }
}

fn flatten(children: &[Child], prefix: &str, out: &mut Vec<Value>) {
    for child in children {
        let brackets = if child.is_array() { "[]" } else { "" };
        let path = format!("{prefix}{}{brackets}", child.key);
        let mut var = json!({ "path": path });
        match &child.shape {
            Shape::Scalar(ty) => var["type"] = Value::from(*ty),
            Shape::Enum(values) => {
                var["type"] = Value::from("enum");
                var["values"] = Value::from(values.clone());
            }
            Shape::Object { .. } | Shape::Opaque => var["type"] = Value::from("object"),
            Shape::ArrayOf { items_object, .. } => {
                var["type"] = Value::from("array");
                if *items_object {
                    var["items"] = Value::from("object");
                }
            }
            Shape::ArrayScalar(items) => {
                var["type"] = Value::from("array");
                var["items"] = Value::from(*items);
            }
            Shape::ArrayEnum(values) => {
                var["type"] = Value::from("array");
                var["items"] = Value::from("enum");
                var["values"] = Value::from(values.clone());
            }
        }
        if child.declared() {
            for (key, value) in &child.bounds {
                var[*key] = value.clone();
            }
            if child.required {
                var["required"] = Value::Bool(true);
            }
            if let Some(d) = &child.description {
                var["description"] = Value::from(d.clone());
            }
            if let Some(e) = &child.example {
                var["example"] = e.clone();
            }
            if let Some(f) = &child.format {
                var["format"] = Value::from(f.clone());
            }
            if !child.declared_last {
                out.push(var.take());
            }
        }
        if let Some(children) = child.children() {
            flatten(children, &format!("{path}."), out);
        }
        if child.declared() && child.declared_last {
            out.push(var);
        }
    }
}

fn family_key() -> BoxedStrategy<String> {
    select(KEY_FAMILIES)
        .prop_flat_map(select)
        .prop_map(str::to_owned)
        .boxed()
}

fn enum_values() -> BoxedStrategy<Vec<String>> {
    (select(VALUE_FAMILIES), select(VALUE_FAMILIES))
        .prop_flat_map(|(a, b)| {
            let mut pool: Vec<&'static str> = a.iter().chain(b.iter()).copied().collect();
            pool.sort_unstable();
            pool.dedup();
            let max = pool.len().min(7);
            subsequence(pool, 1..=max).prop_shuffle()
        })
        .prop_map(|values| values.into_iter().map(str::to_owned).collect())
        .boxed()
}

fn example_for(ty: &str) -> Option<Value> {
    Some(match ty {
        "string" | "text" => json!("an example"),
        "number" => json!(1.5),
        "integer" => json!(-3),
        "boolean" => json!(true),
        "date" => json!("2026-02-28"),
        "datetime" => json!("2026-02-28T15:00:00+02:00"),
        "image" | "signature" => json!("https://example.org/a.png"),
        _ => return None,
    })
}

/// Bounds that agree with each other and with `example_for` (`an example` has 10 characters,
/// the number example is 1.5, the integer one -3); some are fractional or negative.
fn bounds_for(shape: &Shape, a: u8, b: u8, f: f64) -> Vec<(&'static str, Value)> {
    let (low, high) = (u64::from(a.min(b)), u64::from(a.max(b)));
    // three decimals, as people write bounds (full-precision floats hit the round-trip bug
    // that `embedded_manifest_round_trips` is about)
    let f = (f * 1000.0).round() / 1000.0;
    let ty = match shape {
        Shape::Scalar(ty) | Shape::ArrayScalar(ty) => *ty,
        _ => "",
    };
    let mut bounds = match ty {
        "string" | "text" => vec![("minLength", json!(low)), ("maxLength", json!(high + 10))],
        "number" => vec![
            ("minimum", json!(f.min(1.5))),
            ("maximum", json!(f.max(1.5))),
        ],
        "integer" => vec![
            ("minimum", json!(-3 - i64::from(a))),
            ("maximum", json!(f.max(-3.0))),
        ],
        "qrcode" => vec![("maxLength", json!(high)), ("minimum", json!(f))],
        _ => Vec::new(),
    };
    if matches!(
        shape,
        Shape::ArrayOf { declared: true, .. } | Shape::ArrayScalar(_) | Shape::ArrayEnum(_)
    ) {
        bounds.extend([("minItems", json!(low)), ("maxItems", json!(high))]);
    }
    bounds
}

/// Keys with shapes; duplicate keys in one object are dropped (keeping the first).
fn children_of(
    shape: BoxedStrategy<Shape>,
    size: std::ops::Range<usize>,
) -> BoxedStrategy<Vec<Child>> {
    vec(
        (
            family_key(),
            shape,
            any::<bool>(),
            prop::option::weighted(0.2, "[A-Za-z ]{0,20}"),
            prop::bool::weighted(0.2),
            prop::option::weighted(0.1, select(vec!["email", "uri", "phone"])),
            (
                prop::bool::weighted(0.3),
                0u8..=10,
                0u8..=10,
                -10.0f64..=10.0,
                prop::bool::weighted(0.2),
            ),
        ),
        size,
    )
    .prop_map(|raw| {
        let mut seen = HashSet::new();
        raw.into_iter()
            .filter(|(key, ..)| seen.insert(key.clone()))
            .map(
                |(
                    key,
                    shape,
                    required,
                    description,
                    with_example,
                    format,
                    (with_bounds, a, b, f, declared_last),
                )| {
                    let example = match &shape {
                        Shape::Scalar(ty) if with_example => example_for(ty),
                        Shape::Enum(values) if with_example => Some(Value::from(values[0].clone())),
                        _ => None,
                    };
                    let format = format
                        .filter(|_| matches!(shape, Shape::Scalar("string")))
                        .map(str::to_owned);
                    let bounds = if with_bounds {
                        bounds_for(&shape, a, b, f)
                    } else {
                        Vec::new()
                    };
                    Child {
                        key,
                        shape,
                        required,
                        description,
                        example,
                        format,
                        bounds,
                        declared_last,
                    }
                },
            )
            .collect()
    })
    .boxed()
}

fn shape() -> BoxedStrategy<Shape> {
    let leaf = prop_oneof![
        6 => select(SCALAR_TYPES).prop_map(Shape::Scalar),
        3 => enum_values().prop_map(Shape::Enum),
        1 => Just(Shape::Opaque),
        1 => select(SCALAR_TYPES).prop_map(Shape::ArrayScalar),
        1 => enum_values().prop_map(Shape::ArrayEnum),
    ];
    leaf.prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            (any::<bool>(), children_of(inner.clone(), 1..5))
                .prop_map(|(declared, children)| Shape::Object { declared, children }),
            (any::<bool>(), any::<bool>(), children_of(inner, 1..5)).prop_map(
                |(declared, items_object, children)| {
                    Shape::ArrayOf {
                        declared,
                        items_object: declared && items_object,
                        children,
                    }
                }
            ),
        ]
    })
    .boxed()
}

/// The pipelines that can bind this tree.
fn pipelines_for(root: &[Child]) -> Vec<&'static str> {
    fn walk(children: &[Child], in_array: bool, flags: &mut (bool, bool, bool)) {
        for child in children {
            if child.is_array() {
                flags.0 = true;
                if in_array {
                    flags.1 = true;
                }
            }
            if let Shape::Scalar("image") | Shape::ArrayScalar("image") = child.shape {
                flags.2 = true;
            }
            if let Some(inner) = child.children() {
                walk(
                    inner,
                    in_array || matches!(child.shape, Shape::ArrayOf { .. }),
                    flags,
                );
            }
        }
    }
    // (has an array, has an array inside an array item, has an image)
    let mut flags = (false, false, false);
    walk(root, false, &mut flags);
    let mut out = vec!["html"];
    if !flags.1 {
        out.push("docx");
    }
    if !flags.0 && !flags.2 {
        out.push("pdf-form");
    }
    out
}

fn valid_manifest() -> BoxedStrategy<ValidManifest> {
    (
        select(SLUGS),
        1u64..50,
        children_of(shape(), 0..7),
        any::<prop::sample::Index>(),
        prop::option::weighted(0.3, "[A-Za-z ]{1,20}"),
        prop::option::weighted(0.3, "[A-Za-z .]{1,40}"),
    )
        .prop_map(|(slug, version, root, pick, name, description)| {
            let pipelines = pipelines_for(&root);
            ValidManifest {
                slug: slug.to_owned(),
                version,
                pipeline: pipelines[pick.index(pipelines.len())],
                name,
                description,
                root,
            }
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Looking at the output
// ---------------------------------------------------------------------------------------------

fn parse_both(
    generated: &craftkit_codegen::Generated,
) -> Result<(syn::File, syn::File), TestCaseError> {
    let from_tokens = syn::parse2::<syn::File>(generated.tokens()).map_err(|e| {
        TestCaseError::fail(format!(
            "tokens do not parse as a file: {e}\n{}",
            generated.tokens()
        ))
    })?;
    let text = generated.to_file_string();
    let from_text = syn::parse_file(&text).map_err(|e| {
        TestCaseError::fail(format!("to_file_string() does not parse: {e}\n{text}"))
    })?;
    Ok((from_tokens, from_text))
}

fn doc_value(attr: &syn::Attribute) -> Option<String> {
    if !attr.path().is_ident("doc") {
        return None;
    }
    match &attr.meta {
        syn::Meta::NameValue(syn::MetaNameValue {
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// `#[serde(rename = "...")]`, if the attributes have one.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|attr| {
            let metas = attr
                .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .ok()?;
            metas.into_iter().find_map(|meta| match meta {
                syn::Meta::NameValue(syn::MetaNameValue {
                    path,
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }),
                    ..
                }) if path.is_ident("rename") => Some(s.value()),
                _ => None,
            })
        })
}

fn push_docs(attrs: &[syn::Attribute], out: &mut Vec<String>) {
    out.extend(attrs.iter().filter_map(doc_value));
}

/// Every `#[doc]` string anywhere in the items.
fn all_docs(items: &[syn::Item], out: &mut Vec<String>) {
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                push_docs(&s.attrs, out);
                for field in &s.fields {
                    push_docs(&field.attrs, out);
                }
            }
            syn::Item::Enum(e) => {
                push_docs(&e.attrs, out);
                for variant in &e.variants {
                    push_docs(&variant.attrs, out);
                }
            }
            syn::Item::Impl(i) => {
                push_docs(&i.attrs, out);
                for item in &i.items {
                    match item {
                        syn::ImplItem::Const(c) => push_docs(&c.attrs, out),
                        syn::ImplItem::Fn(f) => push_docs(&f.attrs, out),
                        _ => {}
                    }
                }
            }
            syn::Item::Mod(m) => {
                push_docs(&m.attrs, out);
                if let Some((_, inner)) = &m.content {
                    all_docs(inner, out);
                }
            }
            other => push_docs(&item_attrs(other), out),
        }
    }
}

fn item_attrs(item: &syn::Item) -> Vec<syn::Attribute> {
    match item {
        syn::Item::Const(i) => i.attrs.clone(),
        syn::Item::Fn(i) => i.attrs.clone(),
        syn::Item::Static(i) => i.attrs.clone(),
        syn::Item::Use(i) => i.attrs.clone(),
        syn::Item::Macro(i) => i.attrs.clone(),
        _ => Vec::new(),
    }
}

/// Counts of item kinds: (structs, enums, impls, mods, anything else).
fn count_items(items: &[syn::Item]) -> [usize; 5] {
    let mut counts = [0; 5];
    for item in items {
        // The builders' module of field markers (`field::code`): one uninhabited enum per
        // required field name, whose use the trybuild builder cases check; not counted here.
        if matches!(item, syn::Item::Mod(m) if m.ident == "field") {
            continue;
        }
        let slot = match item {
            syn::Item::Struct(_) => 0,
            syn::Item::Enum(_) => 1,
            syn::Item::Impl(_) => 2,
            syn::Item::Mod(_) => 3,
            _ => 4,
        };
        counts[slot] += 1;
        if let syn::Item::Mod(syn::ItemMod {
            content: Some((_, inner)),
            ..
        }) = item
        {
            let inner = count_items(inner);
            for (c, i) in counts.iter_mut().zip(inner) {
                *c += i;
            }
        }
    }
    counts
}

/// The generated file split into its parts: the root struct, the module's name and items.
struct Output<'f> {
    root: &'f syn::ItemStruct,
    module: Option<(String, &'f [syn::Item])>,
    /// Every impl, at the top level and in the module.
    impls: Vec<&'f syn::ItemImpl>,
}

fn output<'f>(file: &'f syn::File, root_name: &str) -> Result<Output<'f>, TestCaseError> {
    let mut root = None;
    let mut module = None;
    for item in &file.items {
        match item {
            syn::Item::Struct(s) if s.ident == root_name => root = Some(s),
            syn::Item::Mod(m) => {
                let items = m.content.as_ref().map_or(&[][..], |(_, items)| &items[..]);
                prop_assert!(module.is_none(), "two modules");
                module = Some((m.ident.unraw().to_string(), items));
            }
            _ => {}
        }
    }
    let root = root.ok_or_else(|| TestCaseError::fail(format!("no root struct `{root_name}`")))?;
    let nested = module.as_ref().map_or(&[][..], |(_, items)| *items);
    let impls = file
        .items
        .iter()
        .chain(nested)
        .filter_map(|item| match item {
            syn::Item::Impl(i) => Some(i),
            _ => None,
        })
        .collect();
    Ok(Output {
        root,
        module,
        impls,
    })
}

/// How a field's type looks: `Option`/`Vec` wrappers around a leaf or a generated type.
#[derive(Debug, PartialEq)]
enum TyShape {
    Option(Box<TyShape>),
    Vec(Box<TyShape>),
    Named(String),
    Leaf(String),
}

fn ty_shape(ty: &syn::Type, module: &str) -> TyShape {
    let syn::Type::Path(path) = ty else {
        return TyShape::Leaf(ty.to_token_stream().to_string());
    };
    let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
    let first = segments
        .first()
        .map(|s| s.ident.unraw().to_string())
        .unwrap_or_default();
    let last = segments.last().expect("a path has a segment");
    if path.path.leading_colon.is_none()
        && segments.len() == 2
        && (first == module || first == "self")
    {
        return TyShape::Named(last.ident.to_string());
    }
    let inner = match &last.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    };
    match (last.ident.to_string().as_str(), inner) {
        ("Option", Some(t)) => TyShape::Option(Box::new(ty_shape(t, module))),
        ("Vec", Some(t)) => TyShape::Vec(Box::new(ty_shape(t, module))),
        _ => TyShape::Leaf(ty.to_token_stream().to_string().replace(' ', "")),
    }
}

fn named_fields(s: &syn::ItemStruct) -> Result<Vec<&syn::Field>, TestCaseError> {
    match &s.fields {
        syn::Fields::Named(named) => Ok(named.named.iter().collect()),
        _ => Err(TestCaseError::fail(format!(
            "struct `{}` has no named fields",
            s.ident
        ))),
    }
}

/// The JSON key each field of `s` serializes as, in field order: as the struct's generated
/// `Serialize` writes it (`.required("key", &self.field)`), else (serde's derive, when
/// overrides ask for it) by serde's `rename`, else the field's name.
fn json_keys(out: &Output<'_>, s: &syn::ItemStruct) -> Result<Vec<String>, TestCaseError> {
    let written = out
        .impl_of(&s.ident.to_string(), "Serialize")
        .map(|i| written_pairs(i, &["&", "self", "."]));
    named_fields(s)?
        .iter()
        .map(|field| {
            let name = field.ident.as_ref().expect("named").unraw().to_string();
            Ok(match &written {
                Some(pairs) => pairs
                    .iter()
                    .find(|(f, _)| *f == name)
                    .map(|(_, key)| key.clone())
                    .ok_or_else(|| {
                        TestCaseError::fail(format!(
                            "`{}`'s `Serialize` does not write the field `{name}`",
                            s.ident
                        ))
                    })?,
                None => serde_rename(&field.attrs).unwrap_or(name),
            })
        })
        .collect()
}

/// The value each variant of `e` stands for, in order: as its `as_str` writes it (`Self::A =>
/// "a"`), which its generated `Serialize` writes and `FromStr` reads, else by serde's `rename`.
fn written_values(out: &Output<'_>, e: &syn::ItemEnum) -> Result<Vec<String>, TestCaseError> {
    let written = out.impl_of(&e.ident.to_string(), "").map(|i| {
        written_pairs(i, &[])
            .into_iter()
            .map(|(value, variant)| (variant, value))
            .collect::<Vec<_>>()
    });
    e.variants
        .iter()
        .map(|v| {
            let name = v.ident.unraw().to_string();
            Ok(match &written {
                Some(pairs) => pairs
                    .iter()
                    .find(|(variant, _)| *variant == name)
                    .map(|(_, value)| value.clone())
                    .ok_or_else(|| {
                        TestCaseError::fail(format!("`{}::as_str` misses `{name}`", e.ident))
                    })?,
                None => serde_rename(&v.attrs).unwrap_or(name),
            })
        })
        .collect()
}

impl Output<'_> {
    /// The impl of `trait_name` (its last segment; `""` for the inherent impl) for `name`.
    fn impl_of(&self, name: &str, trait_name: &str) -> Option<&syn::ItemImpl> {
        self.impls.iter().copied().find(|i| {
            i.self_ty.to_token_stream().to_string() == name
                && match &i.trait_ {
                    None => trait_name.is_empty(),
                    Some((path, _)) => {
                        !trait_name.is_empty()
                            && path
                                .segments
                                .last()
                                .is_some_and(|segment| segment.ident == trait_name)
                    }
                }
        })
    }
}

/// In the tokens of `item`, every string literal and the identifier after it, past the tokens
/// `between` (`"key", &self.field` gives `(field, key)`), or before it with `between` empty
/// (`Self::A => "a"` gives `(a, A)`... as `(value, variant)`: see [`written_values`]).
fn written_pairs(item: &syn::ItemImpl, between: &[&str]) -> Vec<(String, String)> {
    fn flatten(tokens: proc_macro2::TokenStream, out: &mut Vec<proc_macro2::TokenTree>) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Group(g) => flatten(g.stream(), out),
                other => out.push(other),
            }
        }
    }
    let mut tokens = Vec::new();
    flatten(item.to_token_stream(), &mut tokens);
    let text = |t: &proc_macro2::TokenTree| t.to_string();
    let string = |t: &proc_macro2::TokenTree| match t {
        proc_macro2::TokenTree::Literal(l) => syn::parse_str::<syn::LitStr>(&l.to_string())
            .ok()
            .map(|s| s.value()),
        _ => None,
    };
    let mut pairs = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Some(value) = string(token) else { continue };
        if between.is_empty() {
            // `Self : : Variant = > "value"`, each punctuation character a token.
            if i >= 6
                && text(&tokens[i - 1]) == ">"
                && text(&tokens[i - 2]) == "="
                && text(&tokens[i - 6]) == "Self"
            {
                let variant = syn::parse_str::<syn::Ident>(&text(&tokens[i - 3]))
                    .map(|v| v.unraw().to_string())
                    .unwrap_or_default();
                pairs.push((value, variant));
            }
        } else {
            // `"key" , & self . field`
            let after = &tokens[i + 1..];
            if after.len() > between.len() + 1
                && text(&after[0]) == ","
                && after[1..=between.len()]
                    .iter()
                    .zip(between)
                    .all(|(t, want)| text(t) == *want)
            {
                let field = syn::parse_str::<syn::Ident>(&text(&after[between.len() + 1]))
                    .map(|f| f.unraw().to_string())
                    .unwrap_or_default();
                pairs.push((field, value));
            }
        }
    }
    pairs
}

const FORBIDDEN_TYPE_NAMES: &[&str] = &["Option", "Result", "String", "Vec", "Box", "Self"];

/// The uniqueness properties of one generated file.
fn check_names(out: &Output<'_>) -> Result<(), TestCaseError> {
    let mut structs = vec![out.root];
    let mut enums = Vec::new();
    let mut type_names = BTreeSet::new();
    if let Some((_, items)) = &out.module {
        for item in *items {
            let name = match item {
                syn::Item::Struct(s) => {
                    structs.push(s);
                    s.ident.to_string()
                }
                syn::Item::Enum(e) => {
                    enums.push(e);
                    e.ident.to_string()
                }
                _ => continue,
            };
            prop_assert!(
                !FORBIDDEN_TYPE_NAMES.contains(&name.as_str()),
                "the module defines a type `{name}`"
            );
            prop_assert!(
                type_names.insert(name.clone()),
                "the module defines `{name}` twice"
            );
        }
    }
    for s in &structs {
        let mut idents = HashSet::new();
        let mut keys = HashSet::new();
        for (field, key) in named_fields(s)?.into_iter().zip(json_keys(out, s)?) {
            let ident = field.ident.as_ref().expect("named").unraw().to_string();
            prop_assert!(
                idents.insert(ident.clone()),
                "struct `{}` has the field `{ident}` twice",
                s.ident
            );
            prop_assert!(
                keys.insert(key.clone()),
                "struct `{}` has the JSON key {key:?} twice",
                s.ident
            );
        }
    }
    for e in &enums {
        let mut idents = HashSet::new();
        let mut values = HashSet::new();
        for (variant, value) in e.variants.iter().zip(written_values(out, e)?) {
            let ident = variant.ident.unraw().to_string();
            prop_assert!(
                idents.insert(ident.clone()),
                "enum `{}` has the variant `{ident}` twice",
                e.ident
            );
            prop_assert!(
                values.insert(value.clone()),
                "enum `{}` has the value {value:?} twice",
                e.ident
            );
        }
    }
    Ok(())
}

/// The generated types have the manifest's shape: keys in order, optional exactly where the
/// spec says, arrays as `Vec`, objects and enums as generated types that exist.
fn check_shape(out: &Output<'_>, root: &[Child]) -> Result<(), TestCaseError> {
    let (module, items) = out.module.clone().unwrap_or_default();
    let find_struct = |name: &str| {
        items.iter().find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
    };
    let find_enum = |name: &str| {
        items.iter().find_map(|item| match item {
            syn::Item::Enum(e) if e.ident == name => Some(e),
            _ => None,
        })
    };
    let mut stack: Vec<(&syn::ItemStruct, &[Child], String)> =
        vec![(out.root, root, "(root)".to_owned())];
    while let Some((s, children, at)) = stack.pop() {
        let fields = named_fields(s)?;
        let keys = json_keys(out, s)?;
        let expected: Vec<&str> = children.iter().map(|c| c.key.as_str()).collect();
        prop_assert_eq!(&keys, &expected, "the keys of `{}` (at {})", s.ident, at);
        for (field, child) in fields.iter().zip(children) {
            let mut shape = ty_shape(&field.ty, &module);
            let path = format!("{at}/{}", child.key);
            if let TyShape::Option(inner) = shape {
                prop_assert!(!child.effective_required(), "{path}: required but `Option`");
                shape = *inner;
            } else {
                prop_assert!(
                    child.effective_required(),
                    "{path}: optional but not `Option`: {shape:?}"
                );
            }
            if child.is_array() {
                let TyShape::Vec(inner) = shape else {
                    return Err(TestCaseError::fail(format!(
                        "{path}: an array but not `Vec`: {shape:?}"
                    )));
                };
                shape = *inner;
            }
            match (&child.shape, &shape) {
                (
                    Shape::Object { children, .. } | Shape::ArrayOf { children, .. },
                    TyShape::Named(name),
                ) => {
                    let inner = find_struct(name).ok_or_else(|| {
                        TestCaseError::fail(format!("{path}: no struct `{name}` in the module"))
                    })?;
                    stack.push((inner, &children[..], path));
                }
                (Shape::Enum(values) | Shape::ArrayEnum(values), TyShape::Named(name)) => {
                    let e = find_enum(name).ok_or_else(|| {
                        TestCaseError::fail(format!("{path}: no enum `{name}` in the module"))
                    })?;
                    let got = written_values(out, e)?;
                    prop_assert_eq!(&got, values, "{}: the values of enum `{}`", path, name);
                }
                (Shape::Scalar(_) | Shape::ArrayScalar(_) | Shape::Opaque, TyShape::Leaf(_)) => {}
                (expected, got) => {
                    return Err(TestCaseError::fail(format!(
                        "{path}: expected {expected:?}, got the type {got:?}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The string value of the `Template` impl's constant `name`.
fn template_const(file: &syn::File, name: &str) -> Option<String> {
    file.items.iter().find_map(|item| match item {
        syn::Item::Impl(i) => i.items.iter().find_map(|item| match item {
            syn::ImplItem::Const(c) if c.ident == name => match &c.expr {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        }),
        _ => None,
    })
}

/// The runtime re-reads `MANIFEST_JSON` (and panics if it is invalid): it must give back the
/// same manifest, with the fingerprint the code carries.
fn check_embedded(file: &syn::File, manifest: &Manifest) -> Result<(), TestCaseError> {
    let json = template_const(file, "MANIFEST_JSON")
        .ok_or_else(|| TestCaseError::fail("no MANIFEST_JSON"))?;
    let embedded = Manifest::from_json(&json).map_err(|e| {
        TestCaseError::fail(format!(
            "the embedded manifest does not re-parse: {e}\n{json}"
        ))
    })?;
    prop_assert_eq!(&embedded, manifest, "the embedded manifest differs");
    prop_assert_eq!(
        template_const(file, "FINGERPRINT"),
        Some(manifest.fingerprint())
    );
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Keep the test's footprint to this one file: no `proptest-regressions/` directory.
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// A test failure saying `what`.
fn fail(what: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(what.to_string())
}

/// The manifest of a document that must be valid.
fn accept(doc: &Value) -> Result<Manifest, TestCaseError> {
    Manifest::from_value(doc)
        .map_err(|e| fail(format!("a valid manifest is rejected: {e}\n{doc:#}")))
}

/// The code of a valid manifest, which must generate.
fn generate_ok(
    manifest: &Manifest,
    options: &Options,
) -> Result<craftkit_codegen::Generated, TestCaseError> {
    let tree = manifest
        .tree()
        .map_err(|e| fail(format!("a valid manifest does not fold: {e}")))?;
    generate(&tree, options).map_err(|e| fail(format!("a valid manifest does not generate: {e}")))
}

/// Root names a user might pass, some of them awkward (a prelude name, a weak keyword).
const ROOT_NAMES: &[&str] = &[
    "Root",
    "Area",
    "Option",
    "union",
    "A",
    "_x",
    "Greeting",
    "SelfValue",
];

// ---------------------------------------------------------------------------------------------
// Property 1
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(384))]

    /// Any JSON is either rejected or generates code that parses; nothing panics.
    #[test]
    fn garbage_never_panics(doc in garbage_manifest()) {
        let Ok(manifest) = Manifest::from_value(&doc) else { return Ok(()) };
        parse_both(&generate_ok(&manifest, &Options::default())?)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Property 2
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// Valid manifests full of colliding names generate well-formed, collision-free types.
    #[test]
    fn valid_shapes_generate(
        m in valid_manifest(),
        root_name in prop::option::weighted(0.2, select(ROOT_NAMES)),
    ) {
        let manifest = accept(&m.to_json())?;
        let options = match root_name {
            Some(name) => Options::default().with_root_name(name),
            None => Options::default(),
        };
        let generated = generate_ok(&manifest, &options)?;
        let (from_tokens, from_text) = parse_both(&generated)?;
        for file in [&from_tokens, &from_text] {
            let out = output(file, &generated.root_name)?;
            if let Some((module, _)) = &out.module {
                prop_assert_eq!(module, &generated.module_name);
                prop_assert_ne!(module, &generated.root_name);
            }
            check_names(&out)?;
            check_shape(&out, &m.root)?;
            check_embedded(file, &manifest)?;
        }
        prop_assert_eq!(count_items(&from_tokens.items), m.expected_items());
    }
}

// ---------------------------------------------------------------------------------------------
// Property 3
// ---------------------------------------------------------------------------------------------

/// JSON text with each object's keys in an order drawn from `seed`, and optional white space.
fn write_json(value: &Value, seed: u64, pretty: bool, out: &mut String) {
    let space = if pretty { "\n  " } else { "" };
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| {
                // FNV-1a of the key, mixed with the seed: a stable shuffle.
                let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
                for b in k.bytes() {
                    h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
                }
                h
            });
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(space);
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push_str(if pretty { " : " } else { ":" });
                write_json(&map[k], seed.rotate_left(7), pretty, out);
            }
            out.push_str(space);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(space);
                write_json(item, seed, pretty, out);
            }
            out.push(']');
        }
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    /// The same manifest, however its JSON is written, gives the same text, every time.
    #[test]
    fn generation_is_deterministic(
        m in valid_manifest(),
        seed in any::<u64>(),
        extra in prop::option::of(garbage_json()),
    ) {
        let mut doc = m.to_json();
        if let Some(extra) = extra {
            // an unknown field changes nothing either
            doc["x-editor"] = extra.clone();
            if let Some(Value::Object(first)) = doc["variables"].get_mut(0) {
                first.insert("x-hint".to_owned(), extra);
            }
        }
        let mut shuffled = String::new();
        write_json(&doc, seed, false, &mut shuffled);
        let mut pretty = String::new();
        write_json(&doc, !seed, true, &mut pretty);
        let plain = m.to_json().to_string();

        let manifest = accept(&m.to_json())?;
        let first = generate_ok(&manifest, &Options::default())?;
        let text = first.to_file_string();
        let again = generate_ok(&manifest, &Options::default())?;
        prop_assert_eq!(&text, &again.to_file_string(), "generating twice");
        prop_assert_eq!(first.tokens().to_string(), again.tokens().to_string());
        prop_assert_eq!(&text, &first.to_file_string(), "printing twice");
        for json in [&shuffled, &pretty, &plain] {
            let other = Manifest::from_json(json).map_err(|e| fail(format!("{e}\n{json}")))?;
            prop_assert_eq!(other.fingerprint(), manifest.fingerprint());
            let generated = generate_ok(&other, &Options::default())?;
            prop_assert_eq!(&generated.to_file_string(), &text, "from {}", json);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Property 4
// ---------------------------------------------------------------------------------------------

/// A hostile string around a marker that survives doc escaping (letters and digits only).
fn hostile_with(marker: &str) -> BoxedStrategy<String> {
    let marker = marker.to_owned();
    (
        vec(select(HOSTILE), 0..3),
        vec(select(HOSTILE), 0..3),
        prop::bool::weighted(0.1),
    )
        .prop_map(move |(before, after, long)| {
            let padding = if long {
                "x ".repeat(5_000)
            } else {
                String::new()
            };
            format!("{}{padding}{marker}{}", before.concat(), after.concat())
        })
        .boxed()
}

/// A valid manifest with hostile text in every place text can go, and the markers placed.
fn hostile_manifest() -> BoxedStrategy<(ValidManifest, Vec<String>)> {
    (
        valid_manifest(),
        hostile_with("Zq0name"),
        hostile_with("Zq1desc"),
        vec(
            (
                hostile_with("Zq2field"),
                hostile_with("Zq3ex"),
                hostile_with("Zq4fmt"),
                hostile_with("Zq5enum"),
            ),
            1..4,
        ),
    )
        .prop_map(|(mut m, name, description, per_var)| {
            m.name = Some(name);
            m.description = Some(description);
            let mut markers = vec!["Zq0name".to_owned(), "Zq1desc".to_owned()];
            for (i, (desc, example, format, value)) in per_var.into_iter().enumerate() {
                let tag = |s: String, kind: &str| s.replacen(kind, &format!("{kind}n{i}"), 1);
                let key = format!("hostile{i}");
                let mut child = Child {
                    key,
                    shape: Shape::Scalar("string"),
                    required: i % 2 == 0,
                    description: Some(tag(desc, "Zq2field")),
                    // the example's text is cut at 200 characters in the docs: marker first
                    example: Some(Value::from(format!(
                        "Zq3exn{i}{}",
                        example.replacen("Zq3ex", "", 1)
                    ))),
                    format: Some(tag(format, "Zq4fmt")),
                    bounds: Vec::new(),
                    declared_last: false,
                };
                markers.push(format!("Zq2fieldn{i}"));
                if i % 2 == 1 {
                    // an enum whose values are hostile, with a plain example and no format
                    let values = vec![tag(value, "Zq5enum"), format!("plain{i}")];
                    child.example = Some(Value::from(values[1].clone()));
                    child.format = None;
                    child.shape = Shape::Enum(values);
                    markers.push(format!("Zq5enumn{i}"));
                } else {
                    markers.extend([format!("Zq3exn{i}"), format!("Zq4fmtn{i}")]);
                }
                // also inside a declared object, so struct docs get the description too
                if i == 2 {
                    child = Child {
                        key: "holder".to_owned(),
                        shape: Shape::Object {
                            declared: true,
                            children: vec![child],
                        },
                        required: false,
                        description: Some(format!("{HOSTILE:?}Zq6obj")),
                        example: None,
                        format: None,
                        bounds: Vec::new(),
                        declared_last: true,
                    };
                    markers.push("Zq6obj".to_owned());
                }
                m.root.push(child);
            }
            // the extra keys must stay unique in the root object
            let mut seen = HashSet::new();
            m.root.retain(|c| seen.insert(c.key.clone()));
            (m, markers)
        })
        .boxed()
}

proptest! {
    #![proptest_config(config(128))]

    /// Hostile text stays inside doc strings and adds no item.
    #[test]
    fn hostile_descriptions_stay_in_docs((m, markers) in hostile_manifest()) {
        let manifest = accept(&m.to_json())?;
        let generated = generate_ok(&manifest, &Options::default())?;
        let (from_tokens, from_text) = parse_both(&generated)?;
        let expected = m.expected_items();
        for (file, what) in [(&from_tokens, "tokens"), (&from_text, "text")] {
            prop_assert_eq!(count_items(&file.items), expected, "items in the {}", what);
            let mut docs = Vec::new();
            all_docs(&file.items, &mut docs);
            for marker in &markers {
                let found = docs.iter().any(|d| d.contains(marker.as_str()));
                prop_assert!(found, "{} is in no doc string of the {}", marker, what);
            }
            // and the hostile enum values are kept exactly, as serde renames
            let out = output(file, &generated.root_name)?;
            check_names(&out)?;
            check_shape(&out, &m.root)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Property 5
// ---------------------------------------------------------------------------------------------

/// A JSON number literal as people and other JSON writers produce it: short, long (more digits
/// than an `f64` holds), with or without an exponent.
fn number_literal() -> BoxedStrategy<String> {
    prop_oneof![
        "-?[1-9][0-9]{0,3}\\.[0-9]{1,3}",
        "-?[0-9]\\.[0-9]{15,25}",
        "-?[1-9]\\.[0-9]{15,25}e-?[1-9][0-9]?",
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Value::from(f).to_string()),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config(128))]

    /// The manifest embedded in the generated code (`MANIFEST_JSON`, which the runtime re-reads
    /// and panics on if it is invalid) is the manifest the code was generated from: it re-parses
    /// to an equal manifest, with the `FINGERPRINT` the code carries, and regenerates the same
    /// file. The manifest comes from JSON text, as it does from the API or the cache.
    #[test]
    fn embedded_manifest_round_trips(
        m in valid_manifest(),
        number in number_literal(),
        ty in select(vec!["number", "qrcode"]),
    ) {
        // one more variable with the number as a bound and as the example, written by hand
        const PLACEHOLDER: &str = "\"the number\"";
        let mut doc = m.to_json();
        let variable = json!({
            "path": "measured_value", "type": ty, "minimum": "the number", "example": "the number",
        });
        doc["variables"].as_array_mut().expect("variables").push(variable);
        let text = doc.to_string().replace(PLACEHOLDER, &number);
        let manifest = Manifest::from_json(&text).map_err(|e| fail(format!("{e}\n{text}")))?;
        let generated = generate_ok(&manifest, &Options::default())?;
        let (file, _) = parse_both(&generated)?;
        check_embedded(&file, &manifest)?;
        let json = template_const(&file, "MANIFEST_JSON").unwrap_or_default();
        let embedded = Manifest::from_json(&json).map_err(fail)?;
        let again = generate_ok(&embedded, &Options::default())?;
        let regenerated = again.to_file_string();
        prop_assert_eq!(regenerated, generated.to_file_string(), "regenerated from MANIFEST_JSON");
    }
}

// ---------------------------------------------------------------------------------------------
// Deep paths
// ---------------------------------------------------------------------------------------------

/// Runs `f` on a thread with a small stack, so that deep recursion would overflow.
fn on_small_stack<T: Send + 'static>(stack: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

fn manifest_text(path: &str) -> String {
    json!({"slug": "deep", "version": 1, "pipeline": "html",
           "variables": [{"path": path, "type": "string", "required": true}]})
    .to_string()
}

#[test]
fn deep_paths_are_rejected_quickly_on_a_small_stack() {
    let cases: Vec<(&str, String)> = vec![
        ("65 segments", vec!["a"; MAX_PATH_DEPTH + 1].join(".")),
        (
            "65 segments, 1 MiB",
            vec!["x".repeat(16 * 1024); MAX_PATH_DEPTH + 1].join("."),
        ),
        ("100,000 `a.` segments", "a.".repeat(100_000)),
        (
            "100,000 `a.` segments and a last `a`",
            "a.".repeat(100_000) + "a",
        ),
        ("1 MiB of `a[].`", "a[].".repeat(256 * 1024) + "a"),
    ];
    for (what, path) in cases {
        let text = manifest_text(&path);
        let started = Instant::now();
        let result = on_small_stack(256 * 1024, move || Manifest::from_json(&text).map(drop));
        let elapsed = started.elapsed();
        let error = result.expect_err(what);
        assert!(
            error.problems().iter().any(|p| p.rule == Rule::TooDeep),
            "{what}: {error}"
        );
        assert!(elapsed < Duration::from_secs(5), "{what}: took {elapsed:?}");
    }
}

#[test]
fn a_path_at_the_depth_limit_generates() {
    let path = (0..MAX_PATH_DEPTH)
        .map(|i| format!("level{i}"))
        .collect::<Vec<_>>()
        .join(".");
    let text = on_small_stack(8 * 1024 * 1024, move || {
        let tree = Tree::from_json(&manifest_text(&path)).expect("64 segments are allowed");
        generate(&tree, &Options::default())
            .expect("generates")
            .to_file_string()
    });
    let file = syn::parse_file(&text).expect("parses");
    // Each struct and its builder; each struct's `Serialize`, `Deserialize`, `builder()` and
    // builder impls, and the root's `Template`.
    assert_eq!(
        count_items(&file.items),
        [2 * MAX_PATH_DEPTH, 0, 4 * MAX_PATH_DEPTH + 1, 1, 0]
    );
}

// ---------------------------------------------------------------------------------------------
// Minimal cases of bugs the properties found
// ---------------------------------------------------------------------------------------------

/// Generates from `json` and parses both the tokens and the printed file.
fn generate_and_parse(json: &str) -> Result<(), String> {
    let tree = Tree::from_json(json).map_err(|e| format!("rejected: {e}"))?;
    let generated =
        generate(&tree, &Options::default()).map_err(|e| format!("does not generate: {e}"))?;
    syn::parse2::<syn::File>(generated.tokens())
        .map_err(|e| format!("tokens do not parse: {e}"))?;
    let text = generated.to_file_string();
    syn::parse_file(&text)
        .map_err(|e| format!("to_file_string() does not parse: {e}\n{text:?}"))?;
    Ok(())
}

/// Found by the embedded-manifest check (`check_embedded`, now in `valid_shapes_generate` and
/// `embedded_manifest_round_trips`; first seen on garbage documents): a number with more significant digits than an `f64`
/// holds does not survive `Manifest::to_json` -> `Manifest::from_json`. serde_json is built
/// without its `float_roundtrip` feature, so its float parser is not correctly rounded: this
/// literal parses to 9.768833256236845e-10, `to_json` writes that, and it parses back as
/// 9.768833256236843e-10. So the `MANIFEST_JSON` the generated code embeds (and the runtime
/// re-reads) holds a different `minimum`, and its fingerprint is not the `FINGERPRINT` the code
/// carries (a compiled-vs-live comparison would see a tighter bound). With
/// `serde_json = { features = ["float_roundtrip"] }` in the workspace, 0 of 50,000 such literals
/// differ.
#[test]
fn a_long_decimal_bound_survives_the_embedded_manifest() {
    let json = concat!(
        r#"{"slug": "a", "version": 1, "pipeline": "html", "variables": "#,
        r#"[{"path": "n", "type": "number", "minimum": 9.76883325623684456509e-10}]}"#,
    );
    let tree = Tree::from_json(json).expect("valid");
    let generated = generate(&tree, &Options::default()).expect("generates");
    let file = syn::parse2::<syn::File>(generated.tokens()).expect("parses");
    let embedded = template_const(&file, "MANIFEST_JSON").expect("MANIFEST_JSON");
    let reparsed = Manifest::from_json(&embedded).expect("the embedded manifest is valid");
    assert_eq!(
        template_const(&file, "FINGERPRINT").as_deref(),
        Some(reparsed.fingerprint().as_str()),
        "FINGERPRINT is not the fingerprint of MANIFEST_JSON: {embedded}"
    );
    assert_eq!(
        &reparsed,
        tree.manifest(),
        "MANIFEST_JSON is not the manifest: {embedded}"
    );
}

/// Found by `garbage_never_panics`: an unknown `type` (or array `items`) containing a carriage
/// return is written as is into the field's `- Type:` doc line (`describe` in
/// `craftkit-codegen/src/docs.rs` formats `s.ty` between backticks without `code()`'s
/// control-character cleaning; `field` pushes it), and prettyplease prints that line as a `///`
/// comment holding a bare CR, which rustc ("bare CR not allowed in doc-comment") and syn
/// reject: the file from `to_file_string()` (the Builder's output) does not parse, though the
/// tokens (the macro's output) do.
#[test]
fn a_carriage_return_in_an_unknown_type_keeps_the_printed_file_valid() {
    for json in [
        concat!(
            r#"{"slug": "greeting", "version": 1, "pipeline": "html", "variables": "#,
            r#"[{"path": "x", "type": "\r"}]}"#,
        ),
        concat!(
            r#"{"slug": "greeting", "version": 1, "pipeline": "html", "variables": "#,
            r#"[{"path": "x[]", "type": "array", "items": "\r"}]}"#,
        ),
    ] {
        if let Err(e) = generate_and_parse(json) {
            panic!("{json}: {e}");
        }
    }
}
