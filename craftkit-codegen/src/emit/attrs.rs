//! Outer attributes of generated items: `#[doc]` lines and `#[name(...)]` lists.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{
    AttrStyle, Attribute, Expr, ExprLit, Lit, LitStr, MacroDelimiter, Meta, MetaList, MetaNameValue,
};

use super::paths::ident;
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
