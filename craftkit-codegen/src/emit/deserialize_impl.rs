//! The strict `Deserialize` impl of a generated struct: a struct literal whose fields come out
//! of a JSON object by key through `craftkit_runtime::__private::object`, which refuses
//! anything but an object (serde's derive also reads a struct from an array, by field order)
//! and names the data path of every error. The per-field work is the runtime's, compiled once
//! per field type; what is generated per struct is the literal.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{ItemImpl, LitStr, parse_quote};

use super::paths::{ident, name_ident};
use crate::model::{Struct, Ty};

/// `impl Deserialize for` the struct `s`.
pub(super) fn item(s: &Struct) -> ItemImpl {
    let name = ident(&s.name);
    let what = LitStr::new(&s.json, Span::call_site());
    let fields: Vec<TokenStream> = s
        .fields
        .iter()
        .map(|f| {
            let field = name_ident(&f.name);
            let key = LitStr::new(&f.key, Span::call_site());
            let take = match (&f.ty, f.optional) {
                (Ty::Vec(_), false) => ident("required_items"),
                (Ty::Vec(_), true) => ident("optional_items"),
                (_, false) => ident("required"),
                (_, true) => ident("optional"),
            };
            quote!(#field: object.#take(#key)?)
        })
        .collect();
    let object = if fields.is_empty() {
        ident("_object")
    } else {
        ident("object")
    };
    parse_quote! {
        #[automatically_derived]
        impl<'de> ::craftkit_runtime::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::craftkit_runtime::serde::Deserializer<'de>,
            {
                ::craftkit_runtime::__private::object(deserializer, #what, |#object| {
                    ::std::result::Result::Ok(Self {
                        #(#fields,)*
                    })
                })
            }
        }
    }
}
