//! The hostile manifest of `build.rs` (comment and string terminators, attributes, code fences,
//! HTML, bidi controls, NUL, `\r`, a lone `\n}` then `fn evil(){}`, 1 MiB strings), generated
//! by the `Builder` into `OUT_DIR/hostile/`, and compiled by `src/lib.rs` under
//! `#![deny(warnings)]` (so rustc's deny-by-default `text_direction_codepoint_in_comment` and
//! `text_direction_codepoint_in_literal` hold too):
//!
//! - the file declares exactly the items the manifest implies, nothing injected: no `fn`, `use`,
//!   macro or attribute beyond what the generator writes, and the JSON keys are the manifest's;
//! - every `#[doc]` holds the manifest's text exactly, escaped the way `craftkit-codegen`'s
//!   `docs.rs` escapes on purpose (brackets, `<`/`>`, control characters, bidi controls, code
//!   fences, indentation), and no doc holds a raw bidi control, `\r` or NUL;
//! - the compiled types say what the manifest said: the slug, the embedded manifest, every
//!   enum value (as `as_str`, `Display` and JSON), the 1 MiB one included, which deserializes
//!   through `TryFrom<String>` (serde's derive would match it as a byte-string pattern, and
//!   rustc needs gigabytes for that), and an unknown value is an error naming the values;
//! - the docs page shows the hostile prose escaped too.
//!
//! Property tests of the same ground (random hostile text, no injected item) are in
//! `craftkit-codegen/tests/properties.rs`; this test adds the compiler and the 1 MiB strings.

use std::collections::BTreeSet;
use std::path::PathBuf;

use craftkit_core::manifest::Manifest;
use craftkit_runtime::Template;
use craftkit_tests::hostile::{HostileText, hostile_text};
use serde_json::Value;

fn out(rel: &str) -> PathBuf {
    PathBuf::from(env!("OUT_DIR")).join("hostile").join(rel)
}

fn read(rel: &str) -> String {
    let path = out(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manifest_json() -> Value {
    serde_json::from_str(&read("manifests/hostile-text.json")).expect("the manifest is JSON")
}

fn generated() -> syn::File {
    syn::parse_file(&read("craftkit.rs")).expect("the generated file parses")
}

/// A Unicode bidirectional control (`Bidi_Control`).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What `docs.rs` makes of prose (no URL appears in the hostile text, so none is wrapped), as
/// the printed file shows it: `prettyplease` drops the trailing spaces of a `///` line.
fn escaped_prose(text: &str) -> String {
    assert!(!text.contains("http"), "the model has no URL rule");
    text.lines()
        .map(|line| {
            let line = line.trim_start();
            let mut out = String::new();
            if line.starts_with("```") || line.starts_with("~~~") {
                out.push('\\');
            }
            for c in line.chars() {
                match c {
                    '[' => out.push_str("\\["),
                    ']' => out.push_str("\\]"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}' => out.push('\u{fffd}'),
                    c if is_bidi(c) => out.extend(c.escape_unicode()),
                    c => out.push(c),
                }
            }
            out.trim_end_matches(' ').to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The doc text of some attributes: each `#[doc]` value without the one space the generator
/// puts first, joined by new lines.
fn doc_of(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        let syn::Meta::NameValue(nv) = &attr.meta else {
            panic!("a doc attribute that is not `doc = \"...\"`")
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &nv.value
        else {
            panic!("a doc attribute whose value is not a string literal")
        };
        let value = text.value();
        lines.push(value.strip_prefix(' ').unwrap_or(&value).to_owned());
    }
    lines.join("\n")
}

/// Every attribute the generator writes; anything else was injected.
const ATTRIBUTES: [&str; 6] = [
    "doc",
    "derive",
    "serde",
    "allow",
    "automatically_derived",
    "must_use",
];

fn check_attrs(attrs: &[syn::Attribute], docs: &mut Vec<String>) {
    for attr in attrs {
        let name = attr
            .path()
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(
            ATTRIBUTES.contains(&name.as_str()),
            "an injected attribute: #[{name}]"
        );
        assert!(
            matches!(attr.style, syn::AttrStyle::Outer),
            "an inner attribute"
        );
    }
    docs.push(doc_of(attrs));
}

/// The items of the file, checked: kinds, names, attributes. Returns every doc text, the
/// structs and the enums (by name).
struct Walk {
    docs: Vec<String>,
    structs: Vec<syn::ItemStruct>,
    enums: Vec<syn::ItemEnum>,
    impls: Vec<syn::ItemImpl>,
    fns: BTreeSet<String>,
    markers: Vec<String>,
}

fn walk(items: &[syn::Item], walk_: &mut Walk, depth: usize) {
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                check_attrs(&s.attrs, &mut walk_.docs);
                for field in &s.fields {
                    check_attrs(&field.attrs, &mut walk_.docs);
                }
                walk_.structs.push(s.clone());
            }
            syn::Item::Enum(e) => {
                check_attrs(&e.attrs, &mut walk_.docs);
                for variant in &e.variants {
                    check_attrs(&variant.attrs, &mut walk_.docs);
                    assert!(variant.fields.is_empty() && variant.discriminant.is_none());
                }
                walk_.enums.push(e.clone());
            }
            syn::Item::Impl(i) => {
                check_attrs(&i.attrs, &mut walk_.docs);
                walk_.impls.push(i.clone());
                for member in &i.items {
                    match member {
                        syn::ImplItem::Fn(f) => {
                            walk_.fns.insert(f.sig.ident.to_string());
                        }
                        syn::ImplItem::Const(_) | syn::ImplItem::Type(_) => {}
                        other => panic!("an unexpected impl member: {}", quote_of(other)),
                    }
                }
            }
            // The builders' field markers: uninhabited enums named after required fields.
            syn::Item::Mod(m) if depth == 1 && m.ident == "field" => {
                // Its attributes are fixed text: two doc lines, `doc(hidden)` and an `allow`.
                let attrs: Vec<String> = m.attrs.iter().map(quote_of).collect();
                assert_eq!(attrs.len(), 4, "{attrs:?}");
                assert!(attrs[2] == "# [doc (hidden)]", "{attrs:?}");
                let (_, content) = m.content.as_ref().expect("an inline module");
                for marker in content {
                    let syn::Item::Enum(e) = marker else {
                        panic!("an injected item: {}", quote_of(marker));
                    };
                    assert!(e.attrs.is_empty() && e.variants.is_empty());
                    walk_.markers.push(e.ident.to_string());
                }
            }
            syn::Item::Mod(m) if depth == 0 => {
                check_attrs(&m.attrs, &mut walk_.docs);
                let (_, content) = m.content.as_ref().expect("an inline module");
                walk(content, walk_, depth + 1);
            }
            other => panic!("an injected item: {}", quote_of(other)),
        }
    }
}

/// An item as Rust text, for a failure message.
fn quote_of(item: &impl quote::ToTokens) -> String {
    item.to_token_stream()
        .to_string()
        .chars()
        .take(200)
        .collect()
}

fn walked() -> Walk {
    let file = generated();
    assert!(file.attrs.is_empty(), "no inner attribute in the file");
    let mut w = Walk {
        docs: Vec::new(),
        structs: Vec::new(),
        enums: Vec::new(),
        impls: Vec::new(),
        fns: BTreeSet::new(),
        markers: Vec::new(),
    };
    walk(&file.items, &mut w, 0);
    w
}

#[test]
fn the_file_declares_exactly_what_the_manifest_declares() {
    let manifest = manifest_json();
    let w = walked();
    let variables = manifest["variables"].as_array().unwrap();
    let enums = variables
        .iter()
        .filter(|v| v["type"] == "enum" || v["items"] == "enum")
        .count();
    // The root and `nested`; one enum per enum variable; the Template impl, a `Serialize` and
    // a `Deserialize` per struct, and per enum its inherent impl, Display, `FromStr`, the
    // `TryFrom<String>` it is deserialized through (for `mood` too, whose value is 1 MiB),
    // `Serialize` and `Deserialize`.
    // Each struct also has its builder (a struct, `builder()` and the builder's impl).
    let all: Vec<String> = w.structs.iter().map(|s| s.ident.to_string()).collect();
    let names: Vec<&String> = all.iter().filter(|n| !n.ends_with("Builder")).collect();
    assert_eq!(names, ["HostileText", "Nested"]);
    for name in &names {
        assert!(
            all.contains(&format!("{name}Builder")),
            "{name} has a builder"
        );
    }
    assert_eq!(all.len(), 2 * names.len());
    assert_eq!(w.enums.len(), enums);
    assert_eq!(w.impls.len(), 1 + 4 * names.len() + 6 * enums);
    // Beyond the impls' own functions: `builder`, `build`, and one setter per field (`x`,
    // and `maybe_x` for an optional one), named from the fields, nothing else.
    let fields: BTreeSet<String> = w
        .structs
        .iter()
        .filter(|s| !s.ident.to_string().ends_with("Builder"))
        .flat_map(|s| s.fields.iter())
        .filter_map(|f| f.ident.as_ref())
        .map(|i| i.to_string().trim_start_matches("r#").to_owned())
        .collect();
    for f in &w.fns {
        let known = [
            "as_str",
            "serialize",
            "deserialize",
            "fmt",
            "tree",
            "try_from",
            "from_str",
            "builder",
            "build",
        ]
        .contains(&f.as_str());
        let setter = fields.contains(f.trim_start_matches("r#"))
            || f.strip_prefix("maybe_").is_some_and(|rest| {
                fields
                    .iter()
                    .any(|field| field.trim_start_matches('_') == rest)
            });
        assert!(known || setter, "an unexpected function: {f}");
    }
    for marker in &w.markers {
        assert!(
            fields.contains(marker.trim_start_matches("r#")),
            "a marker of no field: {marker}"
        );
    }
    // Every enum deserializes from a string only, through `TryFrom<String>` (the runtime's
    // `enum_value`).
    for e in &w.enums {
        let de = impl_of(&w, &e.ident.to_string(), "Deserialize");
        let body = quote::ToTokens::to_token_stream(de).to_string();
        assert!(
            body.contains("__private :: enum_value (deserializer)"),
            "{body}"
        );
    }
    assert!(w.enums.iter().any(|e| e.ident == "Mood"));

    // The root's JSON keys are the manifest's top-level keys, in order, as its `Serialize`
    // writes them.
    let keys: Vec<String> = written_keys(&w, "HostileText")
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    assert_eq!(
        keys,
        [
            "*/ fn evil() {} /*",
            "quote \" backslash \\ #! <script> \u{202e}rtl\u{2066}",
            "nested",
            "mood",
            "rows"
        ]
    );
    let nested = written_keys(&w, "Nested");
    assert_eq!(nested[0].1, "#!doc = \"x\" key");

    // Every enum value is one variant, written (`as_str`) as exactly that value.
    for (e, variable) in w
        .enums
        .iter()
        .zip(variables.iter().filter(|v| v["values"].is_array()))
    {
        let written: Vec<String> = written_values(&w, &e.ident.to_string())
            .into_iter()
            .map(|(_, value)| value)
            .collect();
        let variants: Vec<String> = e.variants.iter().map(|v| v.ident.to_string()).collect();
        assert_eq!(
            written_values(&w, &e.ident.to_string())
                .into_iter()
                .map(|(variant, _)| variant)
                .collect::<Vec<_>>(),
            variants
        );
        let values: Vec<String> = variable["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(written, values);
    }
}

/// The impl of the trait named `trait_name` (its last segment) for the type `name`, or its
/// inherent impl for `""`.
fn impl_of<'w>(w: &'w Walk, name: &str, trait_name: &str) -> &'w syn::ItemImpl {
    w.impls
        .iter()
        .find(|i| {
            quote_of(&*i.self_ty) == name
                && match &i.trait_ {
                    None => trait_name.is_empty(),
                    Some((path, _)) => path
                        .segments
                        .last()
                        .is_some_and(|segment| segment.ident == trait_name),
                }
        })
        .unwrap_or_else(|| panic!("no impl {trait_name} for {name}"))
}

/// Each field of the struct `name` and the JSON key its generated `Serialize` writes it under,
/// in order: the `("key", &self.field)` arguments of the method chain that is its body.
fn written_keys(w: &Walk, name: &str) -> Vec<(String, String)> {
    let serialize = impl_of(w, name, "Serialize");
    let Some(syn::ImplItem::Fn(f)) = serialize.items.first() else {
        panic!("`Serialize` for {name} has no `serialize`");
    };
    let Some(syn::Stmt::Expr(last, None)) = f.block.stmts.last() else {
        panic!("`serialize` of {name} does not end with an expression");
    };
    let mut expr = last;
    let mut pairs = Vec::new();
    while let syn::Expr::MethodCall(call) = expr {
        if let [
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(key),
                ..
            }),
            syn::Expr::Reference(reference),
        ] = &call.args.iter().collect::<Vec<_>>()[..]
            && let syn::Expr::Field(field) = &*reference.expr
            && let syn::Member::Named(field) = &field.member
        {
            pairs.push((field.to_string(), key.value()));
        }
        expr = &call.receiver;
    }
    pairs.reverse();
    pairs
}

/// Each variant of the enum `name` and the value its `as_str` writes, in order.
fn written_values(w: &Walk, name: &str) -> Vec<(String, String)> {
    let inherent = impl_of(w, name, "");
    let as_str = inherent
        .items
        .iter()
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "as_str" => Some(f),
            _ => None,
        })
        .expect("as_str");
    let Some(syn::Stmt::Expr(syn::Expr::Match(m), None)) = as_str.block.stmts.last() else {
        panic!("`as_str` of {name} is not a match");
    };
    m.arms
        .iter()
        .map(|arm| {
            let syn::Pat::Path(path) = &arm.pat else {
                panic!("an arm of {name}::as_str matches no variant");
            };
            // The printer puts a long value in braces.
            let body = match &*arm.body {
                syn::Expr::Block(block) => match block.block.stmts.as_slice() {
                    [syn::Stmt::Expr(expr, None)] => expr,
                    _ => &*arm.body,
                },
                other => other,
            };
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(value),
                ..
            }) = body
            else {
                panic!(
                    "an arm of {name}::as_str is not a string: {:.300}",
                    quote_of(&*arm.body)
                );
            };
            let variant = path
                .path
                .segments
                .last()
                .expect("a variant")
                .ident
                .to_string();
            (variant, value.value())
        })
        .collect()
}

#[test]
fn the_compiled_types_say_what_the_manifest_said() {
    let manifest = manifest_json();
    assert_eq!(HostileText::SLUG, "hostile-text");
    let embedded = Manifest::from_json(HostileText::MANIFEST_JSON).expect("the embedded manifest");
    let written = Manifest::from_json(&read("manifests/hostile-text.json")).unwrap();
    assert_eq!(embedded, written);
    let values: Vec<&str> = manifest["variables"][3]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let all: Vec<&str> = hostile_text::Mood::ALL.iter().map(|m| m.as_str()).collect();
    assert_eq!(all, values);
    for mood in hostile_text::Mood::ALL {
        assert_eq!(mood.to_string(), mood.as_str());
        let json = serde_json::to_value(mood).unwrap();
        assert_eq!(json, Value::from(mood.as_str()));
        let back: hostile_text::Mood = serde_json::from_value(json).unwrap();
        assert_eq!(back, mood);
    }
}

#[test]
fn the_mebibyte_enum_value_deserializes_and_unknown_values_are_errors() {
    use hostile_text::Mood;

    let long = Mood::ALL.last().copied().unwrap();
    assert_eq!(long, Mood::V);
    assert!(long.as_str().len() > 1024 * 1024, "a 1 MiB value");
    // From JSON text (an owned, unescaped string) and from a `Value`.
    let text = serde_json::to_string(&long).unwrap();
    assert_eq!(serde_json::from_str::<Mood>(&text).unwrap(), long);
    let value = Value::from(long.as_str());
    assert_eq!(serde_json::from_value::<Mood>(value).unwrap(), long);
    assert_eq!(Mood::try_from(long.as_str().to_owned()), Ok(long));
    // The short values of the same enum go the same way.
    assert_eq!(
        serde_json::from_str::<Mood>(r#""*/""#).unwrap(),
        Mood::ALL[0]
    );

    // A value that is not one, the long value cut short or lengthened among them.
    let mut chars = long.as_str().chars();
    chars.next_back();
    let cut = chars.as_str();
    let longer = format!("{}x", long.as_str());
    for unknown in ["nope", "", cut, &longer] {
        let error = serde_json::from_value::<Mood>(Value::from(unknown))
            .unwrap_err()
            .to_string();
        let start = format!("unknown variant `{unknown}`, expected one of `*/`, `/*`, ");
        assert!(error.starts_with(&start), "{error:.200}");
        // The long value is cut to its first 32 bytes (at a char boundary) and `…`.
        assert!(
            error.ends_with(", `v*/\"\\#[\u{202e}*/\"\\#[\u{202e}*/\"\\#[\u{202e}*/\"\\…`"),
            "{:?}",
            &error[error.len().saturating_sub(200)..]
        );
        assert!(error.len() < unknown.len() + 300, "{} bytes", error.len());
    }
    // Not a string at all: serde's own error for the `String` it reads first.
    let error = serde_json::from_str::<Mood>("3").unwrap_err().to_string();
    assert!(
        error.starts_with("invalid type: integer `3`, expected a string"),
        "{error}"
    );
}

#[test]
fn the_docs_page_shows_the_prose_escaped() {
    let page = read("docs/hostile-text.md");
    let manifest = manifest_json();
    let description = manifest["description"].as_str().unwrap();
    for line in escaped_prose(description).lines().filter(|l| !l.is_empty()) {
        assert!(page.contains(line), "{line:.80}");
    }
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert(1)"), "raw HTML on the page");
}
