//! The check of the fast `manifest` fuzz target, shared with its stable regression test
//! (`craftkit-codegen/tests/fuzz_manifest.rs`), which includes this file with `#[path]`.
//!
//! Any bytes give an error or a model whose names the emitter can use: the manifest is read,
//! validated and folded by `Tree::from_json` (the error's message is written out too); a valid
//! one folds again to the same tree (what `generate` does with a `Manifest`), and its model
//! (`craftkit_codegen::fuzzing::model_names`) names every type, field and variant with an
//! identifier (the emitter's `Ident::new` panics on anything else), distinct where Rust needs
//! it. Emitting and formatting the code is the `manifest_codegen` target's check. A panic, a
//! stack overflow or an unbounded run anywhere on the way is a bug.

use std::collections::HashSet;

use craftkit_codegen::fuzzing::{ItemNames, ModelNames, model_names};
use craftkit_core::manifest::Tree;

/// Runs the check on one input; panics (with the reason) when a property does not hold.
pub fn check(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let tree = match Tree::from_json(text) {
        Ok(tree) => tree,
        Err(error) => {
            assert!(!error.to_string().is_empty(), "an error without a message");
            return;
        }
    };
    match tree.manifest().tree() {
        Ok(again) => assert!(again == tree, "the manifest folds again to another tree"),
        Err(error) => panic!("a manifest read from JSON does not fold again: {error}"),
    }
    check_names(&model_names(&tree));
}

/// The model's names are identifiers, distinct within each namespace the emitter puts them in.
pub fn check_names(names: &ModelNames) {
    let root_builder = format!("{}Builder", names.root.name);
    for name in [&names.root.name, &root_builder, &names.module] {
        assert_plain_ident(name);
    }
    assert_distinct(
        "the root, its builder and the module",
        [&names.root.name, &root_builder, &names.module],
    );
    check_members(&names.root);

    // The module holds the nested types, the builder of each nested struct, and `field` (the
    // builders' markers).
    let mut module_items: Vec<String> = vec!["field".to_owned()];
    for item in &names.nested {
        assert_plain_ident(&item.name);
        module_items.push(item.name.clone());
        if !item.is_enum {
            module_items.push(format!("{}Builder", item.name));
        }
        check_members(item);
    }
    assert_distinct(
        &format!("the items of module `{}`", names.module),
        &module_items,
    );

    let nested: HashSet<&str> = names.nested.iter().map(|i| i.name.as_str()).collect();
    for item in std::iter::once(&names.root).chain(&names.nested) {
        for target in &item.refers_to {
            assert!(
                nested.contains(target.as_str()),
                "`{}` names `{target}`, which the module does not define",
                item.name
            );
        }
    }
}

/// A struct's fields (or an enum's variants) are identifiers, raw where needed, and distinct.
fn check_members(item: &ItemNames) {
    for member in &item.members {
        assert!(
            syn::parse_str::<syn::Ident>(member).is_ok(),
            "`{member}` in `{}` is not an identifier",
            item.name
        );
    }
    assert_distinct(&format!("the members of `{}`", item.name), &item.members);
}

/// `name` is an identifier that needs no `r#`.
fn assert_plain_ident(name: &str) {
    assert!(
        !name.starts_with("r#") && syn::parse_str::<syn::Ident>(name).is_ok(),
        "`{name}` is not an identifier"
    );
}

fn assert_distinct<'a>(what: &str, names: impl IntoIterator<Item = &'a String>) {
    let mut seen = HashSet::new();
    for name in names {
        assert!(seen.insert(name), "{what}: `{name}` is there twice");
    }
}
