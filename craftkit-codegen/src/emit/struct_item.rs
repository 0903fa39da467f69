//! A generated struct: its derives and serde attributes, and one field per key of its object.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Attribute, Field, Fields, FieldsNamed, ItemStruct, Meta, Visibility};

use super::attrs;
use super::paths::{Scope, field_type, ident, name_ident, option};
use super::serialize_impl::runtime_form;
use crate::model::{FieldDef, Struct, Ty};

/// Builds structs, holding the attributes every struct or field of one shape shares.
pub(super) struct StructEmitter {
    /// The derives, by whether every field is optional (`Default` too) and whether serde's
    /// derive writes `Serialize` (see `serialize_impl::derived`).
    derive: [[Attribute; 2]; 2],
    serde_crate: Attribute,
    allow_dead_code: Attribute,
    /// The `#[serde(...)]` part of an optional field.
    optional: TokenStream,
}

impl StructEmitter {
    pub(super) fn new() -> StructEmitter {
        StructEmitter {
            derive: [false, true].map(|all_optional| {
                [false, true]
                    .map(|serde| attrs::derive(&attrs::struct_derives(all_optional, serde)))
            }),
            serde_crate: attrs::serde_crate(),
            allow_dead_code: attrs::allow_dead_code(),
            optional: quote!(skip_serializing_if = "::std::option::Option::is_none"),
        }
    }

    /// The struct of `s`, with the visibility `vis`. With `serde`, serde's derive writes its
    /// `Serialize`, and the struct and its fields carry the `#[serde(...)]` attributes that
    /// say what `serialize_impl` otherwise writes.
    pub(super) fn item(
        &self,
        s: &Struct,
        scope: Scope<'_>,
        vis: Visibility,
        serde: bool,
    ) -> ItemStruct {
        let mut attrs: Vec<Attribute> = attrs::docs(&s.docs).collect();
        let all_optional = s.fields.iter().all(|f| f.optional);
        attrs.push(self.derive[usize::from(all_optional)][usize::from(serde)].clone());
        if serde {
            attrs.push(self.serde_crate.clone());
        }
        attrs.push(self.allow_dead_code.clone());
        attrs::extend_extra(&mut attrs, &s.extra);
        let mut named: Punctuated<Field, syn::Token![,]> = s
            .fields
            .iter()
            .map(|f| self.field(f, scope, serde))
            .collect();
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

    fn field(&self, f: &FieldDef, scope: Scope<'_>, derived: bool) -> Field {
        let mut attrs: Vec<Attribute> = attrs::docs(&f.docs).collect();
        if derived {
            self.serde_attributes(f, &mut attrs);
        } else {
            // `serialize_impl` writes the key and the rest. (A field with attributes of the
            // user's makes its struct `derived`.)
            attrs.extend(f.attributes.iter().cloned());
        }
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

    /// The field's `#[serde(...)]` for serde's derive, then the user's other attributes: one
    /// `#[serde(...)]` with every part, as typify writes it, not one line per part.
    fn serde_attributes(&self, f: &FieldDef, attrs: &mut Vec<Attribute>) {
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
    }
}

/// The runtime's serializer for a field whose scalar type's row names one (`f64`: integral
/// values as JSON integers, `95` and not `95.0`, and a non-finite number as an error instead
/// of `null`), in the form for an optional field, a list, or both.
fn serialize_with(ty: &Ty, optional: bool) -> Option<String> {
    let (list, base) = runtime_form(ty)?;
    let option = if optional { "option_" } else { "" };
    let list = if list { "vec_" } else { "" };
    Some(format!("serialize_{option}{list}{base}"))
}
