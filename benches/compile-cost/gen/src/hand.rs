//! The baseline: the types of one template as a Rust developer would write them by hand.
//!
//! The shapes and names are craftkit's own: this reads the items that craftkit-codegen
//! generates for the template (the root struct, and the structs and enums of its module of
//! nested types) and writes each again as plain serde, in one flat module:
//!
//! - every struct and enum derives `Debug, Clone, serde::Serialize, serde::Deserialize`, and
//!   nothing else: no docs, no other derives, no impls (craftkit's `Template` impl, strict
//!   `Deserialize` impls, `ALL`/`as_str`/`Display`/`TryFrom<String>` of enums are left out);
//! - a field keeps craftkit's name and type; `#[serde(rename = "...")]` where its JSON key is
//!   not its name (`r#type` needs none); an `Option<T>` gets
//!   `#[serde(default, skip_serializing_if = "Option::is_none")]`;
//! - an enum keeps its unit variants, with `#[serde(rename = "...")]` where the JSON value is
//!   not the variant's name;
//! - `Vec<T>` for arrays; `String`, `f64`, `i64`, `bool` as craftkit has them; craftkit's
//!   `Date`, `DateTime`, `Image` and `Signature` become `String` (the JSON is a string, and a
//!   hand-written crate would not pull in craftkit-runtime for them); an unknown type's
//!   `serde_json::Value` stays.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, Fields, GenericArgument, Item, LitStr, PathArguments, Type};

/// The hand-written module of one template, formatted: `root` first, then the nested types in
/// craftkit's order.
pub fn write(generated: &TokenStream, root: &str) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(generated.clone()).map_err(|e| format!("craftkit's tokens: {e}"))?;
    // The root struct and its module of nested types; the impls are left out.
    let mut items = Vec::new();
    for item in file.items {
        match item {
            Item::Mod(module) => {
                let (_, nested) = module
                    .content
                    .ok_or_else(|| format!("module `{}` has no body", module.ident))?;
                items.extend(nested.into_iter().filter(is_type));
            }
            item if is_type(&item) => items.insert(0, item),
            _ => {}
        }
    }
    // Builders (`FooBuilder` beside `Foo`) are craftkit's extra API, not a hand-writer's types.
    let names: HashSet<String> = items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    items.retain(|item| match item {
        Item::Struct(s) => !s
            .ident
            .to_string()
            .strip_suffix("Builder")
            .is_some_and(|stem| names.contains(stem)),
        _ => true,
    });
    match items.first() {
        Some(Item::Struct(s)) if s.ident == root => {}
        _ => return Err(format!("no root struct `{root}` in craftkit's items")),
    }
    let mut names = HashSet::new();
    for item in &items {
        let name = match item {
            Item::Struct(s) => s.ident.to_string(),
            Item::Enum(e) => e.ident.to_string(),
            _ => unreachable!("only types are kept"),
        };
        if !names.insert(name.clone()) {
            return Err(format!("two types named `{name}` in one flat module"));
        }
    }

    let mut out = Vec::new();
    for item in &items {
        out.push(match item {
            Item::Struct(s) => hand_struct(s, &names)?,
            Item::Enum(e) => hand_enum(e)?,
            _ => unreachable!("only types are kept"),
        });
    }
    let file: syn::File = syn::parse2(quote!(#(#out)*)).map_err(|e| format!("own tokens: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

fn is_type(item: &Item) -> bool {
    matches!(item, Item::Struct(_) | Item::Enum(_))
}

fn hand_struct(item: &syn::ItemStruct, names: &HashSet<String>) -> Result<TokenStream, String> {
    let name = &item.ident;
    let Fields::Named(fields) = &item.fields else {
        return Err(format!("struct `{name}` has no named fields"));
    };
    let mut out = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("a named field");
        let ty = hand_type(&field.ty, names).map_err(|e| format!("`{name}.{ident}`: {e}"))?;
        // The JSON key: craftkit's rename, else the name (serde strips `r#`).
        let key = serde_rename(&field.attrs)?;
        let rename = key.map(|key| quote!(#[serde(rename = #key)]));
        let optional = is_option(&field.ty)
            .then(|| quote!(#[serde(default, skip_serializing_if = "Option::is_none")]));
        out.push(quote!(#rename #optional pub #ident: #ty,));
    }
    Ok(quote! {
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#out)*
        }
    })
}

fn hand_enum(item: &syn::ItemEnum) -> Result<TokenStream, String> {
    let name = &item.ident;
    let mut out = Vec::new();
    for variant in &item.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(format!("`{name}::{}` is not a unit variant", variant.ident));
        }
        let ident = &variant.ident;
        let rename = serde_rename(&variant.attrs)?
            .filter(|value| *value != ident.to_string())
            .map(|value| quote!(#[serde(rename = #value)]));
        out.push(quote!(#rename #ident,));
    }
    Ok(quote! {
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
        pub enum #name {
            #(#out)*
        }
    })
}

/// The value of a `#[serde(rename = "...")]` among `attrs`, if any.
fn serde_rename(attrs: &[Attribute]) -> Result<Option<String>, String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.input.peek(syn::Token![=]) {
                let value = meta.value()?;
                if meta.path.is_ident("rename") {
                    rename = Some(value.parse::<LitStr>()?.value());
                } else {
                    value.parse::<syn::Expr>()?;
                }
            }
            Ok(())
        })
        .map_err(|e| format!("`{}`: {e}", quote!(#attr)))?;
    }
    Ok(rename)
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// craftkit's field type, as written by hand (see the module docs).
fn hand_type(ty: &Type, names: &HashSet<String>) -> Result<TokenStream, String> {
    let Type::Path(path) = ty else {
        return Err(format!("unexpected type `{}`", quote!(#ty)));
    };
    let segments: Vec<String> = path.path.segments.iter().map(|s| s.ident.to_string()).collect();
    let full = format!(
        "{}{}",
        if path.path.leading_colon.is_some() { "::" } else { "" },
        segments.join("::")
    );
    let last = path.path.segments.last().expect("a path has a segment");
    let inner = || -> Result<TokenStream, String> {
        match &last.arguments {
            PathArguments::AngleBracketed(args) => match args.args.first() {
                Some(GenericArgument::Type(t)) if args.args.len() == 1 => hand_type(t, names),
                _ => Err(format!("unexpected arguments in `{}`", quote!(#ty))),
            },
            _ => Err(format!("`{full}` without its argument")),
        }
    };
    Ok(match full.as_str() {
        "::std::option::Option" => {
            let t = inner()?;
            quote!(Option<#t>)
        }
        "::std::vec::Vec" => {
            let t = inner()?;
            quote!(Vec<#t>)
        }
        "::std::string::String"
        | "::craftkit_runtime::Date"
        | "::craftkit_runtime::DateTime"
        | "::craftkit_runtime::Image"
        | "::craftkit_runtime::Signature" => quote!(String),
        "::std::primitive::f64" => quote!(f64),
        "::std::primitive::i64" => quote!(i64),
        "::std::primitive::bool" => quote!(bool),
        "::craftkit_runtime::serde_json::Value" => quote!(serde_json::Value),
        // A generated type: `self::Part0Row`, or `t1::Section0` from the root.
        _ if path.path.leading_colon.is_none() && names.contains(&last.ident.to_string()) => {
            let ident = format_ident!("{}", last.ident);
            quote!(#ident)
        }
        _ => return Err(format!("no hand-written form for `{full}`")),
    })
}
