//! A generated enum of a variable's values, with `ALL`, `as_str`, `Display`, and for a value
//! too long for serde's derived visitor, a `TryFrom<String>` to deserialize through.

use proc_macro2::{Ident, Span};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{
    Arm, Attribute, Block, Expr, ExprArray, ExprLit, ExprMatch, Fields, ImplItem, ImplItemConst,
    ImplItemFn, Item, ItemEnum, ItemImpl, Lit, LitInt, LitStr, Pat, Path, Stmt, Type, TypeArray,
    Variant, Visibility, parse_quote,
};

use super::attrs;
use super::paths::{ident, name_ident, path_expr, path_type, relative, self_type};
use crate::model::Enum;

/// The longest enum value, in bytes, that serde's derived `Deserialize` may match.
///
/// The derive matches every value twice, as a `"..."` string pattern in `visit_str` and as a
/// `b"..."` byte-string pattern in `visit_bytes`, and rustc's cost for a byte-string pattern
/// grows far faster than its length: compiling the tests crate, whose hostile manifest has one
/// long enum value, peaked at 0.5 GB of RSS with a 4 KiB value and passed 12 GB (then aborted
/// at its 14 GB limit) with a 64 KiB one. So a manifest could take down the machine that builds
/// its bindings. An enum with a longer value is deserialized through the `TryFrom<String>`
/// impl that [`try_from_impl`] writes instead, which compares strings at run time and has no
/// pattern at all (the same crate with a 1 MiB value then peaks at 0.3 GB). Every value of the
/// fixtures and of real templates is far below this, so their output is what it always was.
const LONG_ENUM_VALUE: usize = 256;

/// How much of a long value the error of an unknown one shows, in bytes (at most).
const SHOWN_OF_LONG_VALUE: usize = 32;

/// Builds enums and their impls, holding the pieces every enum shares.
pub(super) struct EnumEmitter {
    derive: Attribute,
    serde_crate: Attribute,
    serde_try_from: Attribute,
    /// `as_str` with an empty body.
    as_str: ImplItemFn,
    /// The `Display` impl, for a type to replace.
    display: ItemImpl,
}

impl EnumEmitter {
    pub(super) fn new() -> EnumEmitter {
        EnumEmitter {
            derive: parse_quote! {
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
            },
            serde_crate: attrs::serde_crate(),
            serde_try_from: parse_quote!(
                #[serde(crate = "::craftkit_runtime::serde", try_from = "::std::string::String")]
            ),
            as_str: parse_quote! {
                /// The value as the template writes it.
                pub fn as_str(&self) -> &'static ::std::primitive::str {}
            },
            display: parse_quote! {
                #[automatically_derived]
                impl ::std::fmt::Display for Self {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
            },
        }
    }

    /// The enum of `e` and its impls, pushed onto `items`.
    pub(super) fn items(&self, e: &Enum, items: &mut Vec<Item>) {
        let name = ident(&e.name);
        let variants: Vec<Ident> = e.variants.iter().map(|v| name_ident(&v.name)).collect();
        let values: Vec<&str> = e.variants.iter().map(|v| v.value.as_str()).collect();
        let long = values.iter().any(|v| v.len() > LONG_ENUM_VALUE);
        let mut attrs: Vec<Attribute> = attrs::docs(&e.docs).collect();
        attrs.push(self.derive.clone());
        attrs.push(if long {
            self.serde_try_from.clone()
        } else {
            self.serde_crate.clone()
        });
        let mut enum_variants: Punctuated<Variant, syn::Token![,]> = variants
            .iter()
            .zip(&values)
            .map(|(variant, value)| Variant {
                attrs: vec![
                    // Escaped as a Rust string would be, then as inline code: a value of
                    // backticks (```) must not open a code block in rustdoc.
                    attrs::doc(&format!(
                        " {}",
                        crate::rustdoc::code(&value.escape_debug().to_string())
                    )),
                    attrs::list("serde", quote!(rename = #value)),
                ],
                ident: variant.clone(),
                fields: Fields::Unit,
                discriminant: None,
            })
            .collect();
        if !enum_variants.empty_or_trailing() {
            enum_variants.push_punct(Default::default());
        }
        items.push(Item::Enum(ItemEnum {
            attrs,
            vis: Visibility::Public(Default::default()),
            enum_token: Default::default(),
            ident: name.clone(),
            generics: Default::default(),
            brace_token: Default::default(),
            variants: enum_variants,
        }));
        items.push(Item::Impl(ItemImpl {
            attrs: Vec::new(),
            modifiers: Default::default(),
            unsafety: None,
            impl_token: Default::default(),
            generics: Default::default(),
            trait_: None,
            self_ty: Box::new(path_type(Path::from(name.clone()))),
            brace_token: Default::default(),
            items: vec![
                ImplItem::Const(all_const(&variants)),
                ImplItem::Fn(self.as_str_fn(&variants, &values)),
            ],
        }));
        let mut display = self.display.clone();
        display.self_ty = Box::new(path_type(Path::from(name.clone())));
        items.push(Item::Impl(display));
        if long {
            items.push(Item::Impl(try_from_impl(&name, &values)));
        }
    }

    /// `as_str`: a `match` of every variant to its value.
    fn as_str_fn(&self, variants: &[Ident], values: &[&str]) -> ImplItemFn {
        let arms = variants
            .iter()
            .zip(values)
            .map(|(variant, value)| Arm {
                attrs: Vec::new(),
                pat: Pat::Path(self_variant(variant)),
                fat_arrow_token: Default::default(),
                body: Box::new(Expr::Lit(ExprLit {
                    attrs: Vec::new(),
                    lit: Lit::Str(LitStr::new(value, Span::call_site())),
                })),
                comma: Some(Default::default()),
            })
            .collect();
        let mut as_str = self.as_str.clone();
        as_str.block = Block {
            brace_token: Default::default(),
            stmts: vec![Stmt::Expr(
                Expr::Match(ExprMatch {
                    attrs: Vec::new(),
                    match_token: Default::default(),
                    expr: Box::new(path_expr(Path::from(ident("self")))),
                    brace_token: Default::default(),
                    arms,
                }),
                None,
            )],
        };
        as_str
    }
}

/// `Self::Variant`, as an expression or a pattern.
fn self_variant(variant: &Ident) -> syn::ExprPath {
    syn::ExprPath {
        attrs: Vec::new(),
        qself: None,
        path: relative([ident("Self"), variant.clone()]),
    }
}

/// `pub const ALL: [Self; N] = [Self::A, ...];`, documented.
fn all_const(variants: &[Ident]) -> ImplItemConst {
    let count = format!("{}usize", variants.len());
    ImplItemConst {
        attrs: vec![attrs::doc(" Every value, in manifest order.")],
        vis: Visibility::Public(Default::default()),
        modifiers: Default::default(),
        const_token: Default::default(),
        ident: ident("ALL"),
        generics: Default::default(),
        colon_token: Default::default(),
        ty: Type::Array(TypeArray {
            attrs: Vec::new(),
            bracket_token: Default::default(),
            elem: Box::new(self_type()),
            semi_token: Default::default(),
            len: Expr::Lit(ExprLit {
                attrs: Vec::new(),
                lit: Lit::Int(LitInt::new(&count, Span::call_site())),
            }),
        }),
        eq_token: Default::default(),
        expr: Expr::Array(ExprArray {
            attrs: Vec::new(),
            bracket_token: Default::default(),
            elems: variants
                .iter()
                .map(|variant| Expr::Path(self_variant(variant)))
                .collect(),
        }),
        semi_token: Default::default(),
    }
}

/// The conversion `#[serde(try_from = "::std::string::String")]` deserializes a long-valued
/// enum with (see [`LONG_ENUM_VALUE`]): a scan of `ALL` by `as_str`, so the values are not
/// repeated in the source, and an error worded as serde's derive words it.
fn try_from_impl(name: &Ident, values: &[&str]) -> ItemImpl {
    let expected = expected_values(values);
    parse_quote! {
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
