//! The `Serialize` impls of generated types (and an enum's `Deserialize`), written here rather
//! than derived by serde.
//!
//! serde's derive writes, per field, an `if`, a `?` and, for a field with `serialize_with`, a
//! struct and an impl of its own; for a template of 200 variables its output was over a third
//! of a user's `cargo check` (BENCHMARKS.md, issue 24 item 5). The impl written here is one
//! method chain through `craftkit_runtime::__private::struct_fields`, one call per field, and
//! tells the serializer exactly what the derive told it (the runtime's tests compare the two).
//!
//! A type whose overrides give it derives or attributes (or give one of its fields attributes
//! or a `with` module) keeps serde's derive and the `#[serde(...)]` attributes that say the
//! same ([`derived`]): an added derive such as `schemars::JsonSchema` reads them, and a user's
//! own `#[serde(...)]` needs serde's derive to mean anything.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::quote;
use syn::{Attribute, Item, LitInt, LitStr};

use super::paths::{ident, name_ident};
use crate::model::{Enum, Extra, Struct, Ty};

/// Whether a type keeps serde's derive: its overrides add derives or attributes to it, or
/// (for the root) the user puts attributes other than docs on the struct under the macro
/// (`user`). See the [module docs](self).
pub(super) fn derived(extra: &Extra, user: &[Attribute]) -> bool {
    !extra.derives.is_empty()
        || !extra.attributes.is_empty()
        || user.iter().any(|attr| !attr.path().is_ident("doc"))
}

/// [`derived`] for a struct, whose fields' overrides count too: attributes, or a `with`
/// module.
pub(super) fn struct_derived(s: &Struct, user: &[Attribute]) -> bool {
    derived(&s.extra, user)
        || s.fields
            .iter()
            .any(|f| f.with.is_some() || !f.attributes.is_empty())
}

/// `impl Serialize for` the struct `s`: see the [module docs](self). `serializer` is the
/// method's type parameter (the resolver's: no name the body writes).
pub(super) fn struct_item(s: &Struct, serializer: &Ident) -> Item {
    let name = ident(&s.name);
    let struct_name = LitStr::new(&s.name, Span::call_site());
    let required = s.fields.iter().filter(|f| !f.optional).count();
    let required = LitInt::new(&format!("{required}usize"), Span::call_site());
    // The optional fields that hold a value count towards the struct's length, as the
    // derive counts them.
    let mut present = TokenStream::new();
    let mut calls = TokenStream::new();
    for f in &s.fields {
        let field = name_ident(&f.name);
        let key = LitStr::new(&f.key, Span::call_site());
        if f.optional {
            present.extend(quote!(self.#field.is_some(),));
        }
        let method = ident(&method(&f.ty, f.optional));
        calls.extend(quote!(.#method(#key, &self.#field)));
    }
    let present = Group::new(Delimiter::Bracket, present);
    let s_ = serializer;
    Item::Verbatim(quote! {
        #[automatically_derived]
        impl ::craftkit_runtime::serde::Serialize for #name {
            fn serialize<#s_>(&self, serializer: #s_) -> ::std::result::Result<#s_::Ok, #s_::Error>
            where
                #s_: ::craftkit_runtime::serde::Serializer,
            {
                ::craftkit_runtime::__private::struct_fields(serializer, #struct_name, #required, &#present)
                    #calls
                    .end()
            }
        }
    })
}

/// The `StructFields` method that writes a field of type `ty`: `required` or `optional`, or,
/// when the scalar type's row names a serializer of the runtime (`f64`), its form
/// (`required_f64`, `optional_vec_f64`...).
fn method(ty: &Ty, optional: bool) -> String {
    let presence = if optional { "optional" } else { "required" };
    match runtime_form(ty) {
        Some((list, base)) => format!("{presence}_{}{base}", if list { "vec_" } else { "" }),
        None => presence.to_owned(),
    }
}

/// Whether a field of type `ty` is written by a serializer of the runtime rather than its
/// type's own `Serialize`: the scalar type's row names it (`f64`), for the scalar or for a
/// list of it (`true`).
pub(super) fn runtime_form(ty: &Ty) -> Option<(bool, &'static str)> {
    let (scalar, list) = match ty {
        Ty::Scalar(scalar) => (scalar, false),
        Ty::Vec(item) => match &**item {
            Ty::Scalar(scalar) => (scalar, true),
            _ => return None,
        },
        _ => return None,
    };
    scalar.rust.serialize_with.map(|base| (list, base))
}

/// `impl Serialize` and `impl Deserialize` for the enum `e`: its value as a unit variant (the
/// index and the value, as the derive with `#[serde(rename)]` wrote it), and read back from a
/// string through `TryFrom<String>`, as `#[serde(try_from = "String")]` read it.
pub(super) fn enum_items(
    e: &Enum,
    serializer: &Ident,
    deserializer: &Ident,
    items: &mut Vec<Item>,
) {
    let name = ident(&e.name);
    let enum_name = LitStr::new(&e.name, Span::call_site());
    let (s_, d) = (serializer, deserializer);
    items.push(Item::Verbatim(quote! {
        #[automatically_derived]
        impl ::craftkit_runtime::serde::Serialize for #name {
            fn serialize<#s_>(&self, serializer: #s_) -> ::std::result::Result<#s_::Ok, #s_::Error>
            where
                #s_: ::craftkit_runtime::serde::Serializer,
            {
                serializer.serialize_unit_variant(#enum_name, *self as ::std::primitive::u32, self.as_str())
            }
        }
        #[automatically_derived]
        impl<'de> ::craftkit_runtime::serde::Deserialize<'de> for #name {
            fn deserialize<#d>(deserializer: #d) -> ::std::result::Result<Self, #d::Error>
            where
                #d: ::craftkit_runtime::serde::Deserializer<'de>,
            {
                ::craftkit_runtime::__private::enum_value(deserializer)
            }
        }
    }));
}
