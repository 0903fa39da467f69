//! Model -> tokens. Every path in the output is absolute (`::std::option::Option`,
//! `::craftkit_runtime::serde`), so keys named `option`, `result`, `string`, `vec` or `serde`
//! shadow nothing, and the user's crate needs no dependency but `craftkit-runtime`. Generated
//! items allow `dead_code`: a binary that includes a template and uses part of it must not warn.

use craftkit_core::manifest::{Manifest, Pipeline};
use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};

use crate::model::{Enum, FieldDef, Model, Struct, Ty, TypeDef};
use crate::names::Name;

/// Where a named type is referred to from: the root's scope or inside the module.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Root { module: &'a Ident },
    Module,
}

/// The generated items, kept apart so that the printer can format them in parallel; the
/// macro joins them with [`Emitted::to_tokens`].
#[derive(Debug, Clone)]
pub(crate) struct Emitted {
    /// The user's attributes, the root struct and its `Template` impl.
    pub top: TokenStream,
    /// The module of nested types, unless there are none.
    pub module: Option<Module>,
}

#[derive(Debug, Clone)]
pub(crate) struct Module {
    /// `#[doc] #[allow(dead_code)] pub mod name`, without the braces.
    pub header: TokenStream,
    /// One entry per nested type: the type and its impls.
    pub items: Vec<TokenStream>,
}

impl Emitted {
    /// Every item as one token stream.
    pub fn to_tokens(&self) -> TokenStream {
        let mut tokens = self.top.clone();
        if let Some(module) = &self.module {
            let mut body = TokenStream::new();
            for item in &module.items {
                body.extend(item.clone());
            }
            tokens.extend(module.header.clone());
            tokens.extend([TokenTree::Group(Group::new(Delimiter::Brace, body))]);
        }
        tokens
    }
}

pub(crate) fn emit(
    model: &Model,
    manifest: &Manifest,
    vis: &TokenStream,
    attributes: &TokenStream,
) -> Emitted {
    let module = ident(&model.module);
    let root = emit_struct(&model.root, Scope::Root { module: &module }, vis);
    let template = emit_template_impl(&model.root.name, manifest, &model.fingerprint);
    let items: Vec<TokenStream> = model
        .types
        .iter()
        .map(|def| match def {
            TypeDef::Struct(s) => emit_struct(s, Scope::Module, &quote!(pub)),
            TypeDef::Enum(e) => emit_enum(e),
        })
        .collect();
    let module_docs = format!(" The types nested in [`{}`].", model.root.name);
    let module = (!items.is_empty()).then(|| Module {
        header: quote! {
            #[doc = #module_docs]
            #[allow(dead_code)]
            #vis mod #module
        },
        items,
    });
    Emitted {
        top: quote! {
            #attributes
            #root
            #template
        },
        module,
    }
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn name_ident(name: &Name) -> Ident {
    if name.raw {
        Ident::new_raw(&name.text, Span::call_site())
    } else {
        ident(&name.text)
    }
}

fn doc_attrs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    quote! { #(#[doc = #lines])* }
}

fn emit_struct(s: &Struct, scope: Scope<'_>, vis: &TokenStream) -> TokenStream {
    let name = ident(&s.name);
    let docs = doc_attrs(&s.docs);
    // Extending with owned streams moves tokens; interpolating `#(#fields)*` would copy each.
    let mut fields = TokenStream::new();
    for field in &s.fields {
        fields.extend(emit_field(field, scope));
    }
    quote! {
        #docs
        #[derive(
            ::std::fmt::Debug,
            ::std::clone::Clone,
            ::std::cmp::PartialEq,
            ::craftkit_runtime::serde::Serialize,
            ::craftkit_runtime::serde::Deserialize
        )]
        #[serde(crate = "::craftkit_runtime::serde")]
        #[allow(dead_code)]
        #vis struct #name {
            #fields
        }
    }
}

fn emit_field(f: &FieldDef, scope: Scope<'_>) -> TokenStream {
    let docs = doc_attrs(&f.docs);
    let name = name_ident(&f.name);
    let inner = type_tokens(&f.ty, scope);
    let ty = if f.optional {
        quote!(::std::option::Option<#inner>)
    } else {
        inner
    };
    let rename = (f.name.plain() != f.key).then(|| {
        let key = &f.key;
        quote!(#[serde(rename = #key)])
    });
    let optional = f
        .optional
        .then(|| quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]));
    let serialize_with = match (&f.ty, f.optional) {
        (Ty::F64, false) => Some("serialize_f64"),
        (Ty::F64, true) => Some("serialize_option_f64"),
        (Ty::Vec(item), false) if **item == Ty::F64 => Some("serialize_vec_f64"),
        (Ty::Vec(item), true) if **item == Ty::F64 => Some("serialize_option_vec_f64"),
        _ => None,
    }
    .map(|helper| {
        let path = format!("::craftkit_runtime::__private::{helper}");
        quote!(#[serde(serialize_with = #path)])
    });
    quote! {
        #docs
        #rename
        #optional
        #serialize_with
        pub #name: #ty,
    }
}

fn type_tokens(ty: &Ty, scope: Scope<'_>) -> TokenStream {
    match ty {
        Ty::String => quote!(::std::string::String),
        Ty::F64 => quote!(::std::primitive::f64),
        Ty::I64 => quote!(::std::primitive::i64),
        Ty::Bool => quote!(::std::primitive::bool),
        Ty::Date => quote!(::craftkit_runtime::Date),
        Ty::DateTime => quote!(::craftkit_runtime::DateTime),
        Ty::Image => quote!(::craftkit_runtime::Image),
        Ty::Signature => quote!(::craftkit_runtime::Signature),
        Ty::Json => quote!(::craftkit_runtime::serde_json::Value),
        Ty::JsonMap => quote!(
            ::craftkit_runtime::serde_json::Map<::std::string::String, ::craftkit_runtime::serde_json::Value>
        ),
        Ty::Named(name) => {
            let name = ident(name);
            match scope {
                Scope::Root { module } => quote!(#module::#name),
                Scope::Module => quote!(self::#name),
            }
        }
        Ty::Vec(item) => {
            let item = type_tokens(item, scope);
            quote!(::std::vec::Vec<#item>)
        }
    }
}

/// The longest enum value, in bytes, that serde's derived `Deserialize` may match.
///
/// The derive matches every value twice, as a `"..."` string pattern in `visit_str` and as a
/// `b"..."` byte-string pattern in `visit_bytes`, and rustc's cost for a byte-string pattern
/// grows far faster than its length: compiling the tests crate, whose hostile manifest has one
/// long enum value, peaked at 0.5 GB of RSS with a 4 KiB value and passed 12 GB (then aborted
/// at its 14 GB limit) with a 64 KiB one. So a manifest could take down the machine that builds
/// its bindings. An enum with a longer value is deserialized through the `TryFrom<String>`
/// impl that [`emit_try_from`] writes instead, which compares strings at run time and has no
/// pattern at all (the same crate with a 1 MiB value then peaks at 0.3 GB). Every value of the
/// fixtures and of real templates is far below this, so their output is what it always was.
pub(crate) const LONG_ENUM_VALUE: usize = 256;

/// How much of a long value the error of an unknown one shows, in bytes (at most).
const SHOWN_OF_LONG_VALUE: usize = 32;

fn emit_enum(e: &Enum) -> TokenStream {
    let name = ident(&e.name);
    let docs = doc_attrs(&e.docs);
    let variants: Vec<Ident> = e.variants.iter().map(|v| name_ident(&v.name)).collect();
    let values: Vec<&str> = e.variants.iter().map(|v| v.value.as_str()).collect();
    // Escaped as a Rust string would be, then as inline code: a value of backticks (```) must
    // not open a code block in rustdoc.
    let variant_docs = values
        .iter()
        .map(|v| format!(" {}", crate::docs::code(&v.escape_debug().to_string())));
    let count = variants.len();
    let long = values.iter().any(|v| v.len() > LONG_ENUM_VALUE);
    let serde_attr = if long {
        quote!(#[serde(crate = "::craftkit_runtime::serde", try_from = "::std::string::String")])
    } else {
        quote!(#[serde(crate = "::craftkit_runtime::serde")])
    };
    let try_from = long.then(|| emit_try_from(&name, &values));
    quote! {
        #docs
        #[derive(
            ::std::fmt::Debug,
            ::std::clone::Clone,
            ::std::marker::Copy,
            ::std::cmp::PartialEq,
            ::std::cmp::Eq,
            ::std::hash::Hash,
            ::craftkit_runtime::serde::Serialize,
            ::craftkit_runtime::serde::Deserialize
        )]
        #serde_attr
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #[serde(rename = #values)]
                #variants,
            )*
        }

        impl #name {
            /// Every value, in manifest order.
            pub const ALL: [Self; #count] = [#(Self::#variants),*];

            /// The value as the template writes it.
            pub fn as_str(&self) -> &'static ::std::primitive::str {
                match self {
                    #(Self::#variants => #values,)*
                }
            }
        }

        #[automatically_derived]
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #try_from
    }
}

/// The conversion `#[serde(try_from = "::std::string::String")]` deserializes a long-valued
/// enum with (see [`LONG_ENUM_VALUE`]): a scan of `ALL` by `as_str`, so the values are not
/// repeated in the source, and an error worded as serde's derive words it.
fn emit_try_from(name: &Ident, values: &[&str]) -> TokenStream {
    let expected = expected_values(values);
    quote! {
        #[automatically_derived]
        impl ::std::convert::TryFrom<::std::string::String> for #name {
            type Error = ::std::string::String;

            fn try_from(
                value: ::std::string::String,
            ) -> ::std::result::Result<Self, ::std::string::String> {
                Self::ALL
                    .iter()
                    .find(|variant| variant.as_str() == value.as_str())
                    .copied()
                    .ok_or_else(|| {
                        ::std::format!("unknown variant `{}`, expected {}", value, #expected)
                    })
            }
        }
    }
}

/// The values as serde's `unknown variant` error lists them (`` `a` ``, `` `a` or `b` ``,
/// `` one of `a`, `b`, `c` ``), each value over [`LONG_ENUM_VALUE`] bytes cut to its first
/// [`SHOWN_OF_LONG_VALUE`] bytes and `…`, so that the message stays short.
fn expected_values(values: &[&str]) -> String {
    let shown: Vec<String> = values
        .iter()
        .map(|value| {
            if value.len() > LONG_ENUM_VALUE {
                let mut end = SHOWN_OF_LONG_VALUE;
                while !value.is_char_boundary(end) {
                    end -= 1;
                }
                format!("`{}…`", &value[..end])
            } else {
                format!("`{value}`")
            }
        })
        .collect();
    // An enum has at least one value, and a long-valued one has at least that one.
    match shown.as_slice() {
        [a, b] => format!("{a} or {b}"),
        [_, _, _, ..] => format!("one of {}", shown.join(", ")),
        _ => shown.concat(),
    }
}

fn emit_template_impl(root: &str, manifest: &Manifest, fingerprint: &str) -> TokenStream {
    let root = ident(root);
    let slug = &manifest.slug;
    let version = manifest.version;
    let pipeline = format_ident!(
        "{}",
        match manifest.pipeline {
            Pipeline::Html => "Html",
            Pipeline::Docx => "Docx",
            Pipeline::PdfForm => "PdfForm",
        }
    );
    let json = manifest.to_json();
    quote! {
        #[automatically_derived]
        impl ::craftkit_runtime::Template for #root {
            const SLUG: &'static ::std::primitive::str = #slug;
            const VERSION: ::std::primitive::u64 = #version;
            const PIPELINE: ::craftkit_runtime::manifest::Pipeline = ::craftkit_runtime::manifest::Pipeline::#pipeline;
            const FINGERPRINT: &'static ::std::primitive::str = #fingerprint;
            const MANIFEST_JSON: &'static ::std::primitive::str = #json;

            fn tree() -> &'static ::craftkit_runtime::manifest::Tree {
                static TREE: ::std::sync::OnceLock<::craftkit_runtime::manifest::Tree> = ::std::sync::OnceLock::new();
                TREE.get_or_init(|| {
                    ::craftkit_runtime::__private::embedded_tree(<Self as ::craftkit_runtime::Template>::MANIFEST_JSON)
                })
            }
        }
    }
}
