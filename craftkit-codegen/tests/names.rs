//! The names of the generated code never collide (issue 24, item 1), over random valid
//! manifests whose keys are the names the generator itself writes: the slug's own name (as a
//! key at every depth, in every case), the root's and the nested types' builders, the
//! builders' type parameters (`OrderState`) and methods (`build`, `maybe_x`), the marker
//! module (`field`), the runtime's `Unset`/`Set`, prelude names, keywords, the `Deserialize`
//! impl's `D`, the enums' `ALL` and `as_str`.
//!
//! For each generated file, parsed with `syn`:
//!
//! - in each scope (the user's module, the module of nested types, the marker module) every
//!   item has its own name, no nested type takes a prelude name, and no module holds one of
//!   its own name (clippy's `module_inception`: a template `field` once had `field::field`);
//! - no type parameter of any impl or method is a name any scope defines (so no impl's body,
//!   which names the struct, its builder and the module by relative paths, finds a parameter
//!   instead: `error[E0574]: expected struct, ... found type parameter `Order``), none is a
//!   keyword, and the parameters of one list are distinct;
//! - each type's inherent items (methods, constants) are distinct, and no enum variant is named
//!   as an inherent item of its enum (`Self::ALL`);
//! - each struct's fields and each enum's variants are distinct.
//!
//! `tests/build.rs` of `craftkit-tests` compiles a sample of manifests drawn from the same
//! pool under `#![deny(warnings)]` (and CI's clippy), which is what proves the names resolve.
//!
//! Proptest draws a new random seed each run; set `PROPTEST_RNG_SEED` to replay one.

use std::collections::{BTreeMap, HashSet};

use craftkit_codegen::{Options, generate};
use craftkit_core::manifest::Tree;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

// The pool of names (the slugs, the generator's own names as keys, enum values), shared with
// the compiled sample of `tests/build.rs`.
#[path = "common/name_pool.rs"]
mod name_pool;
use name_pool::{SLUGS, VALUES, keys_for};

/// A node of the manifest's tree: a scalar, an enum, an object or an array.
#[derive(Debug, Clone)]
enum Node {
    Scalar(&'static str),
    Enum(Vec<&'static str>),
    ScalarArray(&'static str),
    Object(Vec<(usize, bool, Node)>),
    ObjectArray(Vec<(usize, bool, Node)>),
}

fn node(depth: u32) -> BoxedStrategy<Node> {
    let scalar = select(
        &[
            "string",
            "integer",
            "number",
            "boolean",
            "date",
            "signature",
        ][..],
    );
    let leaf = prop_oneof![
        3 => scalar.clone().prop_map(Node::Scalar),
        1 => proptest::sample::subsequence(VALUES, 1..4).prop_map(Node::Enum),
        1 => scalar.prop_map(Node::ScalarArray),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let children = || proptest::collection::vec((0..64usize, any::<bool>(), node(depth - 1)), 1..5);
    prop_oneof![
        3 => leaf,
        2 => children().prop_map(Node::Object),
        1 => children().prop_map(Node::ObjectArray),
    ]
    .boxed()
}

/// The variables of `children` under `prefix`, keys picked from `keys` by index (a repeated
/// key among siblings is dropped).
fn flatten(children: &[(usize, bool, Node)], prefix: &str, keys: &[String], out: &mut Vec<Value>) {
    let mut seen = HashSet::new();
    for (pick, required, node) in children {
        let key = &keys[pick % keys.len()];
        if !seen.insert(key) {
            continue;
        }
        let path = format!("{prefix}{key}");
        match node {
            Node::Scalar(ty) => {
                out.push(json!({"path": path, "type": ty, "required": required}));
            }
            Node::Enum(values) => out.push(
                json!({"path": path, "type": "enum", "values": values, "required": required}),
            ),
            Node::ScalarArray(ty) => out.push(
                json!({"path": format!("{path}[]"), "type": "array", "items": ty, "required": required}),
            ),
            Node::Object(inner) => flatten(inner, &format!("{path}."), keys, out),
            Node::ObjectArray(inner) => flatten(inner, &format!("{path}[]."), keys, out),
        }
    }
}

fn manifest() -> BoxedStrategy<Value> {
    (
        select(SLUGS),
        proptest::collection::vec((0..64usize, any::<bool>(), node(3)), 1..7),
    )
        .prop_map(|(slug, children)| {
            let mut variables = Vec::new();
            flatten(&children, "", &keys_for(slug), &mut variables);
            json!({"slug": slug, "version": 1, "pipeline": "html", "variables": variables})
        })
        .boxed()
}

/// The names one scope defines in the type namespace, each with how many items have it.
fn type_names(items: &[syn::Item]) -> BTreeMap<String, usize> {
    let mut names = BTreeMap::new();
    for item in items {
        let name = match item {
            syn::Item::Struct(s) => &s.ident,
            syn::Item::Enum(e) => &e.ident,
            syn::Item::Mod(m) => &m.ident,
            syn::Item::Type(t) => &t.ident,
            syn::Item::Trait(t) => &t.ident,
            _ => continue,
        };
        *names
            .entry(syn::ext::IdentExt::unraw(name).to_string())
            .or_default() += 1;
    }
    names
}

fn module_items(items: &[syn::Item]) -> Vec<(&syn::Ident, &[syn::Item])> {
    items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) => m.content.as_ref().map(|(_, items)| (&m.ident, &items[..])),
            _ => None,
        })
        .collect()
}

/// Every item of every scope, outermost first, with the scope's name.
fn scopes(file: &syn::File) -> Vec<(String, &[syn::Item])> {
    let mut out = vec![("(the user's module)".to_owned(), &file.items[..])];
    let mut i = 0;
    while i < out.len() {
        let (name, items) = out[i].clone();
        for (ident, inner) in module_items(items) {
            out.push((format!("{name}::{ident}"), inner));
        }
        i += 1;
    }
    out
}

fn self_type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => Some(path.path.segments.last()?.ident.to_string()),
        _ => None,
    }
}

fn type_params(generics: &syn::Generics) -> Vec<String> {
    generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect()
}

const PRELUDE: &[&str] = &[
    "Option", "Result", "String", "Vec", "Box", "Self", "Some", "None",
];

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "unsafe", "use", "where", "while", "yield",
];

/// The collision properties of one generated file.
fn check(file: &syn::File, root: &str) -> Result<(), TestCaseError> {
    let scopes = scopes(file);
    let mut defined: HashSet<String> = HashSet::new();
    for (scope, items) in &scopes {
        for (name, count) in type_names(items) {
            prop_assert_eq!(count, 1, "{} defines `{}` {} times", scope, name, count);
            if scope.contains("::") {
                prop_assert!(
                    !PRELUDE.contains(&name.as_str()),
                    "{scope} defines the prelude's `{name}`"
                );
            }
            defined.insert(name);
        }
    }
    prop_assert!(defined.contains(root), "no root `{root}`");
    for (_, items) in &scopes {
        for (outer, inner) in module_items(items) {
            for (nested, _) in module_items(inner) {
                prop_assert!(
                    outer != nested,
                    "a module `{outer}` holds a module `{nested}`"
                );
            }
        }
    }
    for (scope, items) in &scopes {
        let mut inherent: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut variants: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for item in *items {
            match item {
                syn::Item::Impl(imp) => {
                    let on = self_type_name(&imp.self_ty).unwrap_or_default();
                    let mut lists = vec![type_params(&imp.generics)];
                    for inner in &imp.items {
                        let (name, generics) = match inner {
                            syn::ImplItem::Fn(f) => {
                                (f.sig.ident.to_string(), Some(&f.sig.generics))
                            }
                            syn::ImplItem::Const(c) => (c.ident.to_string(), None),
                            syn::ImplItem::Type(t) => (t.ident.to_string(), None),
                            _ => continue,
                        };
                        if let Some(generics) = generics {
                            lists.push(type_params(generics));
                        }
                        if imp.trait_.is_none() {
                            inherent.entry(on.clone()).or_default().push(name);
                        }
                    }
                    for list in lists {
                        let distinct: HashSet<&String> = list.iter().collect();
                        prop_assert_eq!(
                            distinct.len(),
                            list.len(),
                            "{}: an impl on `{}` repeats a type parameter: {:?}",
                            scope,
                            on,
                            list
                        );
                        for param in &list {
                            prop_assert!(
                                !defined.contains(param),
                                "{scope}: the impl on `{on}` has a type parameter `{param}`, which \
                                 is also an item's name"
                            );
                            prop_assert!(
                                !KEYWORDS.contains(&param.as_str()),
                                "{scope}: a type parameter `{param}`"
                            );
                        }
                    }
                }
                syn::Item::Struct(s) => {
                    let mut fields = HashSet::new();
                    for field in &s.fields {
                        let name = field.ident.as_ref().map(ToString::to_string);
                        prop_assert!(
                            fields.insert(name.clone()),
                            "{scope}: `{}` has the field {name:?} twice",
                            s.ident
                        );
                    }
                    let params = type_params(&s.generics);
                    for param in &params {
                        prop_assert!(
                            !defined.contains(param),
                            "{scope}: `{}` has a type parameter `{param}`, which is also an \
                             item's name",
                            s.ident
                        );
                    }
                }
                syn::Item::Enum(e) => {
                    variants.insert(
                        e.ident.to_string(),
                        e.variants.iter().map(|v| v.ident.to_string()).collect(),
                    );
                }
                _ => {}
            }
        }
        for (on, names) in &inherent {
            let distinct: HashSet<&String> = names.iter().collect();
            prop_assert_eq!(
                distinct.len(),
                names.len(),
                "{}: `{}`'s inherent items repeat a name: {:?}",
                scope,
                on,
                names
            );
        }
        for (on, list) in &variants {
            let distinct: HashSet<&String> = list.iter().collect();
            prop_assert_eq!(
                distinct.len(),
                list.len(),
                "{}: `{}` repeats a variant",
                scope,
                on
            );
            for variant in list {
                prop_assert!(
                    !inherent
                        .get(on)
                        .is_some_and(|items| items.contains(variant)),
                    "{scope}: `{on}::{variant}` is a variant and an inherent item"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// No name of the generated code collides with another in its scope, whatever the keys.
    #[test]
    fn generated_names_never_collide(doc in manifest()) {
        let tree = Tree::from_value(&doc)
            .map_err(|e| TestCaseError::fail(format!("a valid manifest is rejected: {e}\n{doc:#}")))?;
        let generated = generate(&tree, &Options::default())
            .map_err(|e| TestCaseError::fail(format!("does not generate: {e}\n{doc:#}")))?;
        let file: syn::File = syn::parse2(generated.tokens())
            .map_err(|e| TestCaseError::fail(format!("not Rust: {e}")))?;
        check(&file, &generated.root_name)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{doc:#}")))?;
    }
}

/// The manifest of the issue: slug `order` with a required `order.order.order`.
#[test]
fn a_template_named_like_its_object_has_distinct_names() {
    let doc = json!({"slug": "order", "version": 1, "pipeline": "html", "variables": [
        {"path": "order.order.order", "type": "string", "required": true},
        {"path": "lines[].line", "type": "string", "required": true},
        {"path": "orderState", "type": "enum", "values": ["a-l-l", "ALL"], "required": true},
        {"path": "tenant.signature", "type": "signature", "required": true},
        {"path": "tenant.self", "type": "string", "required": true}
    ]});
    let tree = Tree::from_value(&doc).unwrap();
    let generated = generate(&tree, &Options::default()).unwrap();
    let file: syn::File = syn::parse2(generated.tokens()).unwrap();
    check(&file, "Order").unwrap();
    let text = generated.to_file_string();
    // The parameters read as the fields' states, and `order`'s steps aside for the enum
    // `OrderState` of `orderState`.
    assert!(
        text.contains("pub struct OrderBuilder<\n    OrderState2 = "),
        "{text}"
    );
    assert!(
        text.contains("pub struct TenantBuilder<\n        SignatureState = "),
        "{text}"
    );
    assert!(text.contains("SelfState = "), "{text}");
}
