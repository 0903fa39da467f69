//! A generated struct: its derives and serde attributes, and one field per key of its object.

use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Attribute, Field, Fields, FieldsNamed, ItemStruct, Visibility, parse_quote};

use super::attrs;
use super::paths::{Scope, field_type, ident, name_ident, option};
use crate::model::{FieldDef, Struct, Ty};

/// Builds structs, holding the attributes every struct or field of one shape shares.
pub(super) struct StructEmitter {
    derive: Attribute,
    /// The derives of a struct whose every field is optional: the same and `Default`.
    derive_default: Attribute,
    serde_crate: Attribute,
    allow_dead_code: Attribute,
    optional: Attribute,
}

impl StructEmitter {
    pub(super) fn new() -> StructEmitter {
        StructEmitter {
            // `Deserialize` is not derived: serde's derive also reads a struct from a JSON
            // array; `deserialize_impl` writes one that takes only an object.
            derive: parse_quote! {
                #[derive(
                    ::std::fmt::Debug,
                    ::std::clone::Clone,
                    ::std::cmp::PartialEq,
                    ::craftkit_runtime::serde::Serialize
                )]
            },
            derive_default: parse_quote! {
                #[derive(
                    ::std::fmt::Debug,
                    ::std::clone::Clone,
                    ::std::cmp::PartialEq,
                    ::std::default::Default,
                    ::craftkit_runtime::serde::Serialize
                )]
            },
            serde_crate: attrs::serde_crate(),
            allow_dead_code: attrs::allow_dead_code(),
            optional: parse_quote!(
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
            ),
        }
    }

    /// The struct of `s`, with the visibility `vis`.
    pub(super) fn item(&self, s: &Struct, scope: Scope<'_>, vis: Visibility) -> ItemStruct {
        let mut attrs: Vec<Attribute> = attrs::docs(&s.docs).collect();
        let all_optional = s.fields.iter().all(|f| f.optional);
        attrs.extend([
            if all_optional {
                self.derive_default.clone()
            } else {
                self.derive.clone()
            },
            self.serde_crate.clone(),
            self.allow_dead_code.clone(),
        ]);
        attrs::extend_extra(&mut attrs, &s.extra);
        let mut named: Punctuated<Field, syn::Token![,]> =
            s.fields.iter().map(|f| self.field(f, scope)).collect();
        if !named.empty_or_trailing() {
            named.push_punct(Default::default());
        }
        ItemStruct {
            attrs,
            vis,
            struct_token: Default::default(),
            ident: ident(&s.name),
            generics: Default::default(),
            fields: Fields::Named(FieldsNamed {
                brace_token: Default::default(),
                named,
            }),
            semi_token: None,
        }
    }

    fn field(&self, f: &FieldDef, scope: Scope<'_>) -> Field {
        let mut attrs: Vec<Attribute> = attrs::docs(&f.docs).collect();
        if f.name.plain() != f.key {
            let key = &f.key;
            attrs.push(attrs::list("serde", quote!(rename = #key)));
        }
        if f.optional {
            attrs.push(self.optional.clone());
        }
        if let Some(with) = &f.with {
            let path = format!("{}::serialize", quote!(#with));
            attrs.push(attrs::list("serde", quote!(serialize_with = #path)));
        } else if let Some(helper) = serialize_with(&f.ty, f.optional) {
            let path = format!("::craftkit_runtime::__private::{helper}");
            attrs.push(attrs::list("serde", quote!(serialize_with = #path)));
        }
        attrs.extend(f.attributes.iter().cloned());
        let ty = field_type(&f.ty, scope);
        Field {
            attrs,
            vis: Visibility::Public(Default::default()),
            modifiers: Default::default(),
            ident: Some(name_ident(&f.name)),
            colon_token: Some(Default::default()),
            ty: if f.optional { option(ty) } else { ty },
            default: None,
        }
    }
}

/// The runtime's serializer for a field that holds `f64`s: integral values as JSON integers
/// (`95`, not `95.0`), and a non-finite number as an error instead of `null`.
fn serialize_with(ty: &Ty, optional: bool) -> Option<&'static str> {
    match (ty, optional) {
        (Ty::F64, false) => Some("serialize_f64"),
        (Ty::F64, true) => Some("serialize_option_f64"),
        (Ty::Vec(item), false) if matches!(**item, Ty::F64) => Some("serialize_vec_f64"),
        (Ty::Vec(item), true) if matches!(**item, Ty::F64) => Some("serialize_option_vec_f64"),
        _ => None,
    }
}
