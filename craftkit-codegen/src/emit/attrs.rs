//! Outer attributes of generated items: `#[doc]` lines and `#[name(...)]` lists.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{
    AttrStyle, Attribute, Expr, ExprLit, Lit, LitStr, MacroDelimiter, Meta, MetaList, MetaNameValue,
};

use super::paths::{absolute, ident};
use crate::model::Extra;

/// `#[doc = "text"]`, with `text` as it is (rustdoc's lines start with a space).
pub(super) fn doc(text: &str) -> Attribute {
    outer(Meta::NameValue(MetaNameValue {
        path: ident("doc").into(),
        eq_token: Default::default(),
        value: Expr::Lit(ExprLit {
            attrs: Vec::new(),
            lit: Lit::Str(LitStr::new(text, Span::call_site())),
        }),
    }))
}

/// One `#[doc]` per line of documentation, each non-empty line after a space.
pub(super) fn docs(lines: &[String]) -> impl Iterator<Item = Attribute> + '_ {
    lines.iter().map(|line| {
        if line.is_empty() {
            doc("")
        } else {
            doc(&format!(" {line}"))
        }
    })
}

/// `#[name(tokens)]`.
pub(super) fn list(name: &str, tokens: TokenStream) -> Attribute {
    outer(Meta::List(MetaList {
        path: ident(name).into(),
        delimiter: MacroDelimiter::Paren(Default::default()),
        tokens,
    }))
}

fn outer(meta: Meta) -> Attribute {
    Attribute {
        pound_token: Default::default(),
        style: AttrStyle::Outer,
        bracket_token: Default::default(),
        meta,
    }
}

/// `#[serde(crate = "::craftkit_runtime::serde")]`: serde's derives name the runtime's re-export,
/// so that the user's crate needs no serde of its own.
pub(super) fn serde_crate() -> Attribute {
    list("serde", quote!(crate = "::craftkit_runtime::serde"))
}

/// `#[allow(dead_code)]`: a binary that uses part of a template must not warn.
pub(super) fn allow_dead_code() -> Attribute {
    list("allow", quote!(dead_code))
}

/// The user's derives (one `#[derive]`) and attributes, from the overrides.
pub(super) fn extend_extra(attrs: &mut Vec<Attribute>, extra: &Extra) {
    if !extra.derives.is_empty() {
        let derives = &extra.derives;
        attrs.push(list("derive", quote!(#(#derives),*)));
    }
    attrs.extend(extra.attributes.iter().cloned());
}

/// A derive's path, as segments after the leading `::`.
pub(crate) type DerivePath = &'static [&'static str];

/// The derives of every generated struct. `Deserialize` is not one: serde's derive also reads
/// a struct from a JSON array; `deserialize_impl` writes one that takes only an object. Nor is
/// `Serialize`, which `serialize_impl` writes, unless the overrides ask for serde's derive
/// ([`SERDE_STRUCT_DERIVES`]).
const STRUCT_DERIVES: &[DerivePath] = &[
    &["std", "fmt", "Debug"],
    &["std", "clone", "Clone"],
    &["std", "cmp", "PartialEq"],
];

/// What a struct whose every field is optional derives too.
const DEFAULT: DerivePath = &["std", "default", "Default"];

/// The derives of every generated enum. `Serialize` and `Deserialize` are written by
/// `serialize_impl`, unless the overrides ask for serde's derive ([`SERDE_ENUM_DERIVES`]).
pub(crate) const ENUM_DERIVES: &[DerivePath] = &[
    &["std", "fmt", "Debug"],
    &["std", "clone", "Clone"],
    &["std", "marker", "Copy"],
    &["std", "cmp", "PartialEq"],
    &["std", "cmp", "Eq"],
    &["std", "hash", "Hash"],
];

/// serde's derives of a struct whose overrides need them (see `serialize_impl::derived`),
/// after [`STRUCT_DERIVES`]. Every struct implements these traits, derived or not.
pub(crate) const SERDE_STRUCT_DERIVES: &[DerivePath] =
    &[&["craftkit_runtime", "serde", "Serialize"]];

/// serde's derives of an enum whose overrides need them, after [`ENUM_DERIVES`]. Every enum
/// implements these traits, derived or not.
pub(crate) const SERDE_ENUM_DERIVES: &[DerivePath] = &[
    &["craftkit_runtime", "serde", "Serialize"],
    &["craftkit_runtime", "serde", "Deserialize"],
];

/// The derives of a generated struct: [`STRUCT_DERIVES`], with `Default` when every field is
/// optional, and serde's ([`SERDE_STRUCT_DERIVES`]) when `serde` says so. The one list that
/// the emitter writes and (with serde's) that overrides check repeats against.
pub(crate) fn struct_derives(all_optional: bool, serde: bool) -> Vec<DerivePath> {
    let mut derives = STRUCT_DERIVES.to_vec();
    if all_optional {
        derives.push(DEFAULT);
    }
    if serde {
        derives.extend_from_slice(SERDE_STRUCT_DERIVES);
    }
    derives
}

/// The derives of a generated enum: [`ENUM_DERIVES`], and serde's ([`SERDE_ENUM_DERIVES`])
/// when `serde` says so.
pub(crate) fn enum_derives(serde: bool) -> Vec<DerivePath> {
    let mut derives = ENUM_DERIVES.to_vec();
    if serde {
        derives.extend_from_slice(SERDE_ENUM_DERIVES);
    }
    derives
}

/// `#[derive(::a::B, ...)]`.
pub(super) fn derive(paths: &[DerivePath]) -> Attribute {
    let paths = paths.iter().map(|segments| absolute(segments));
    list("derive", quote!(#(#paths),*))
}
