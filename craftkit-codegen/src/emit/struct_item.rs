//! A generated struct: its derives and serde attributes, and one field per key of its object.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Attribute, Field, Fields, FieldsNamed, ItemStruct, Meta, Visibility};

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
    /// The `#[serde(...)]` part of an optional field.
    optional: TokenStream,
}

impl StructEmitter {
    pub(super) fn new() -> StructEmitter {
        StructEmitter {
            derive: attrs::derive(&attrs::struct_derives(false)),
            derive_default: attrs::derive(&attrs::struct_derives(true)),
            serde_crate: attrs::serde_crate(),
            allow_dead_code: attrs::allow_dead_code(),
            optional: quote!(skip_serializing_if = "::std::option::Option::is_none"),
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
        // One `#[serde(...)]` with every part, as typify writes it, not one line per part.
        let mut serde: Vec<TokenStream> = Vec::new();
        if f.name.plain() != f.key {
            let key = &f.key;
            serde.push(quote!(rename = #key));
        }
        if f.optional {
            serde.push(self.optional.clone());
        }
        if let Some(with) = &f.with {
            let path = format!("{}::serialize", quote!(#with));
            serde.push(quote!(serialize_with = #path));
        } else if let Some(helper) = serialize_with(&f.ty, f.optional) {
            let path = format!("::craftkit_runtime::__private::{helper}");
            serde.push(quote!(serialize_with = #path));
        }
        // The user's own `#[serde(...)]` (an override) joins the same list, after ours.
        let mut others = Vec::new();
        for attr in &f.attributes {
            match &attr.meta {
                Meta::List(list) if list.path.is_ident("serde") => {
                    let mut tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
                    if matches!(tokens.last(), Some(TokenTree::Punct(p)) if p.as_char() == ',') {
                        tokens.pop();
                    }
                    if !tokens.is_empty() {
                        serde.push(tokens.into_iter().collect());
                    }
                }
                _ => others.push(attr.clone()),
            }
        }
        if !serde.is_empty() {
            attrs.push(attrs::list("serde", quote!(#(#serde),*)));
        }
        attrs.extend(others);
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

/// The runtime's serializer for a field whose scalar type's row names one (`f64`: integral
/// values as JSON integers, `95` and not `95.0`, and a non-finite number as an error instead
/// of `null`), in the form for an optional field, a list, or both.
fn serialize_with(ty: &Ty, optional: bool) -> Option<String> {
    let (scalar, list) = match ty {
        Ty::Scalar(scalar) => (scalar, ""),
        Ty::Vec(item) => match &**item {
            Ty::Scalar(scalar) => (scalar, "vec_"),
            _ => return None,
        },
        _ => return None,
    };
    let base = scalar.rust.serialize_with?;
    let option = if optional { "option_" } else { "" };
    Some(format!("serialize_{option}{list}{base}"))
}
