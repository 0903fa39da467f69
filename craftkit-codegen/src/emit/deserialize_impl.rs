//! The strict `Deserialize` impl of a generated struct: a struct literal whose fields come out
//! of a JSON object by key through `craftkit_runtime::__private::object`, which refuses
//! anything but an object (serde's derive also reads a struct from an array, by field order)
//! and names the data path of every error. The per-field work is the runtime's, compiled once
//! per field type; what is generated per struct is the literal.

use craftkit_core::manifest::JsonKind;
use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::quote;
use syn::{Item, LitStr};

use super::paths::{ident, name_ident};
use crate::model::{FieldDef, Struct, Ty};

/// The field of a replaced type (an override): the manifest's JSON type checked first (the
/// user's type may read more than the server does), then the `with` module or the type's own
/// `Deserialize`. `None` for a generated type.
fn custom(f: &FieldDef) -> Option<TokenStream> {
    let scalar = matches!(f.ty, Ty::Custom(_));
    if !scalar && f.with.is_none() {
        return None;
    }
    let field = name_ident(&f.name);
    let key = LitStr::new(&f.key, Span::call_site());
    let check = scalar.then(|| {
        let kind = ident(match f.kind.and_then(|kind| kind.rust.replaced_check) {
            Some(JsonKind::String) => "String",
            Some(JsonKind::Number) => "Number",
            Some(JsonKind::Integer) => "Integer",
            Some(JsonKind::Boolean) => "Boolean",
            // `JsonKind` may grow: a kind the runtime has no check for is left to the type.
            _ => "Any",
        });
        quote!(::craftkit_runtime::__private::Kind::#kind.check(&value)?;)
    });
    let read = match (&f.with, f.optional) {
        (Some(with), _) => quote!(#with::deserialize(value)),
        (None, false) => quote!(::craftkit_runtime::serde::Deserialize::deserialize(value)),
        (None, true) => {
            quote!(
                ::craftkit_runtime::serde::Deserialize::deserialize(value)
                    .map(::std::option::Option::Some)
            )
        }
    };
    let take = ident(if f.optional {
        "optional_with"
    } else {
        "required_with"
    });
    Some(quote!(#field: object.#take(#key, |value| { #check #read })?,))
}

/// `impl Deserialize for` the struct `s`, its `deserialize`'s type parameter `d` named by the
/// resolver (no `with` path of an override can name it). Kept as tokens, as the builders are
/// (see `Emitted`): the macro never needs it as a syntax tree.
pub(super) fn item(s: &Struct, d: &Ident) -> Item {
    let name = ident(&s.name);
    let what = LitStr::new(&s.json, Span::call_site());
    // The fields appended to one stream and moved into the struct literal's braces: a stream
    // per field interpolated would be copied token by token.
    let mut fields = TokenStream::new();
    for f in &s.fields {
        if let Some(custom) = custom(f) {
            fields.extend(custom);
            continue;
        }
        let field = name_ident(&f.name);
        let key = LitStr::new(&f.key, Span::call_site());
        let take = match (&f.ty, f.optional) {
            (Ty::Vec(_), false) => ident("required_items"),
            (Ty::Vec(_), true) => ident("optional_items"),
            (_, false) => ident("required"),
            (_, true) => ident("optional"),
        };
        fields.extend(quote!(#field: object.#take(#key)?,));
    }
    let object = if s.fields.is_empty() {
        ident("_object")
    } else {
        ident("object")
    };
    let fields = Group::new(Delimiter::Brace, fields);
    Item::Verbatim(quote! {
        #[automatically_derived]
        impl<'de> ::craftkit_runtime::serde::Deserialize<'de> for #name {
            fn deserialize<#d>(deserializer: #d) -> ::std::result::Result<Self, #d::Error>
            where
                #d: ::craftkit_runtime::serde::Deserializer<'de>,
            {
                ::craftkit_runtime::__private::object(deserializer, #what, |#object| {
                    ::std::result::Result::Ok(Self #fields)
                })
            }
        }
    })
}
