//! No enum is deserialized by serde's derived visitor: it would match each value as a
//! byte-string pattern (`b"..."` in `visit_bytes`), for which rustc needs gigabytes when the
//! value is long, and it would also take the map form of a unit variant (`{"final": null}`),
//! which the server refuses. Every enum carries `#[serde(try_from = "::std::string::String")]`
//! and a `TryFrom<String>` impl; a value over 256 bytes is shown cut in its error.
//!
//! That the result compiles cheaply, deserializes the long value and rejects unknown ones is
//! checked in `tests/tests/hostile_manifest.rs`, which compiles a 1 MiB value.

use craftkit_codegen::{Options, generate};
use craftkit_core::manifest::Tree;
use quote::ToTokens;
use serde_json::json;

/// The enum of `path` with `values`, next to a short-valued enum `plain`.
fn generated(values: &[String]) -> syn::File {
    let tree = Tree::from_value(&json!({
        "slug": "long-values",
        "version": 1,
        "pipeline": "html",
        "variables": [
            {"path": "mood", "type": "enum", "required": true, "values": values},
            {"path": "plain", "type": "enum", "values": ["a", "b"]}
        ]
    }))
    .expect("a valid manifest");
    let generated = generate(&tree, &Options::default()).expect("it generates");
    assert!(
        !has_byte_string(generated.tokens()),
        "the generator writes no byte string literal"
    );
    let text = generated.to_file_string();
    syn::parse_file(&text).expect("the output parses")
}

/// Whether a token stream holds a byte string literal (`b"..."`, `br"..."`) at any depth.
fn has_byte_string(tokens: proc_macro2::TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Group(group) => has_byte_string(group.stream()),
        proc_macro2::TokenTree::Literal(literal) => {
            let text = literal.to_string();
            text.starts_with("b\"") || text.starts_with("br")
        }
        _ => false,
    })
}

fn items(file: &syn::File) -> &[syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) => m.content.as_ref().map(|(_, items)| items.as_slice()),
            _ => None,
        })
        .expect("the module of nested types")
}

fn the_enum<'a>(items: &'a [syn::Item], name: &str) -> &'a syn::ItemEnum {
    items
        .iter()
        .find_map(|item| match item {
            syn::Item::Enum(e) if e.ident == name => Some(e),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no enum {name}"))
}

/// The `#[serde(...)]` attributes on the enum itself, as text.
fn serde_attrs(e: &syn::ItemEnum) -> Vec<String> {
    e.attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .map(|a| a.to_token_stream().to_string())
        .collect()
}

/// The trait impls for `name`, by trait path as text.
fn trait_impls(items: &[syn::Item], name: &str) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(i) if i.self_ty.to_token_stream().to_string() == name => i
                .trait_
                .as_ref()
                .map(|(path, _)| path.to_token_stream().to_string().replace(' ', "")),
            _ => None,
        })
        .collect()
}

/// The traits a generated enum implements itself (beside its derives): `Deserialize` calls
/// `__private::enum_value`, which reads a string and converts it with `TryFrom<String>`.
const TRAITS: [&str; 5] = [
    "::std::fmt::Display",
    "::std::str::FromStr",
    "::std::convert::TryFrom<::std::string::String>",
    "::craftkit_runtime::serde::Serialize",
    "::craftkit_runtime::serde::Deserialize<'de>",
];

#[test]
fn a_long_value_deserializes_through_try_from_string() {
    let long = format!("v{}", "*/\"\\#[\u{202e}".repeat(100_000));
    let file = generated(&["short".to_owned(), long.clone(), "other".to_owned()]);
    let items = items(&file);

    let mood = the_enum(items, "Mood");
    // No serde derive, so no `#[serde(rename)]` per value: the generated `Serialize` writes
    // `as_str`, and `Deserialize` reads through `TryFrom<String>`.
    assert!(serde_attrs(mood).is_empty(), "{:?}", serde_attrs(mood));
    assert_eq!(trait_impls(items, "Mood"), TRAITS);
    // The value is written once (`as_str`): serializing writes it, and the conversion
    // (`FromStr`, which `TryFrom<String>` calls) scans `ALL` by `as_str`; its error shows only
    // the start of the value.
    let text = file.to_token_stream().to_string();
    let literal = proc_macro2::Literal::string(&long).to_string();
    assert_eq!(text.matches(&literal).count(), 1);
    let cut: String = long
        .chars()
        .take_while({
            let mut bytes = 0;
            move |c| {
                bytes += c.len_utf8();
                bytes <= 32
            }
        })
        .collect();
    let expected =
        proc_macro2::Literal::string(&format!("one of `short`, `{cut}…`, `other`")).to_string();
    assert!(text.contains(&expected), "the error lists the values, cut");

    // The short-valued enum next to it deserializes the same way, its values shown whole.
    let plain = the_enum(items, "Plain");
    assert!(serde_attrs(plain).is_empty());
    assert_eq!(trait_impls(items, "Plain"), TRAITS);
    assert!(text.contains(&proc_macro2::Literal::string("`a` or `b`").to_string()));
}

#[test]
fn every_length_deserializes_through_try_from_and_only_a_long_value_is_cut() {
    for (len, cut) in [(1, false), (256, false), (257, true)] {
        let value = "é".repeat(len / 2) + &"x".repeat(len % 2);
        assert_eq!(value.len(), len);
        let file = generated(std::slice::from_ref(&value));
        assert_eq!(trait_impls(items(&file), "Mood"), TRAITS, "{len} bytes");
        let text = file.to_token_stream().to_string();
        let whole = proc_macro2::Literal::string(&format!("`{value}`")).to_string();
        assert_eq!(!text.contains(&whole), cut, "{len} bytes");
    }
}

#[test]
fn two_values_are_listed_as_serde_lists_them() {
    let long = "y".repeat(300);
    let file = generated(&[long]);
    let text = file.to_token_stream().to_string();
    assert!(
        text.contains(&format!("\"`{}…`\"", "y".repeat(32))),
        "one value"
    );
    let file = generated(&["a".to_owned(), "y".repeat(300)]);
    let text = file.to_token_stream().to_string();
    assert!(
        text.contains(&format!("\"`a` or `{}…`\"", "y".repeat(32))),
        "two values"
    );
}
