//! A generated enum of a variable's values, with `ALL`, `as_str`, `Display`, `FromStr` (whose
//! error suggests the value a typo meant), and the `TryFrom<String>` it deserializes through:
//! a JSON string and nothing else.

use proc_macro2::{Ident, Span};
use quote::quote;
use syn::{Attribute, Item, ItemImpl, LitInt, LitStr, Path, parse_quote};

use super::attrs;
use super::paths::{ident, name_ident, path_type};
use crate::model::Enum;

/// The longest enum value, in bytes, that an `unknown variant` error shows whole.
///
/// Enums deserialize through `TryFrom<String>` and so `FromStr` ([`from_str_impl`]), which compares
/// strings at run time: no pattern per value, unlike serde's derived visitor, which matches
/// every value as a `"..."` and a `b"..."` pattern (rustc needed over 12 GB for one 64 KiB
/// byte-string pattern), and which also took the map form of a unit variant
/// (`{"final": null}`) that the server refuses.
const LONG_ENUM_VALUE: usize = 256;

/// How much of a long value the error of an unknown one shows, in bytes (at most).
const SHOWN_OF_LONG_VALUE: usize = 32;

/// Builds enums and their impls, holding the pieces every enum shares.
pub(super) struct EnumEmitter {
    /// The derives, by whether serde's derive writes `Serialize` and `Deserialize` (see
    /// `serialize_impl::derived`).
    derive: [Attribute; 2],
    serde_try_from: Attribute,
    /// The `Display` impl, for a type to replace.
    display: SelfImpl,
    /// The `TryFrom<String>` impl, for a type to replace.
    try_from: SelfImpl,
}

/// An impl written for `Self`, whose self type is replaced per enum.
struct SelfImpl(ItemImpl);

impl SelfImpl {
    fn clone_for(&self, name: &Ident) -> ItemImpl {
        let mut item = self.0.clone();
        item.self_ty = Box::new(path_type(Path::from(name.clone())));
        item
    }
}

impl EnumEmitter {
    pub(super) fn new() -> EnumEmitter {
        EnumEmitter {
            derive: [false, true].map(|serde| attrs::derive(&attrs::enum_derives(serde))),
            serde_try_from: parse_quote!(
                #[serde(crate = "::craftkit_runtime::serde", try_from = "::std::string::String")]
            ),
            display: SelfImpl(parse_quote! {
                #[automatically_derived]
                impl ::std::fmt::Display for Self {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
            }),
            // The conversion `#[serde(try_from = "::std::string::String")]` deserializes every
            // enum with (see [`LONG_ENUM_VALUE`]): `FromStr`, with serde's error, which names
            // no suggestion.
            try_from: SelfImpl(parse_quote! {
                #[automatically_derived]
                impl ::std::convert::TryFrom<::std::string::String> for Self {
                    type Error = ::std::string::String;

                    fn try_from(
                        value: ::std::string::String,
                    ) -> ::std::result::Result<Self, ::std::string::String> {
                        <Self as ::std::str::FromStr>::from_str(&value)
                            .map_err(::craftkit_runtime::__private::unknown_variant)
                    }
                }
            }),
        }
    }

    /// The enum of `e` and its impls, pushed onto `items`. With `serde`, serde's derive writes
    /// its `Serialize` and `Deserialize`, and it carries the `#[serde(...)]` attributes that
    /// say what `serialize_impl` otherwise writes.
    pub(super) fn items(&self, e: &Enum, serde: bool, items: &mut Vec<Item>) {
        let name = ident(&e.name);
        let variants: Vec<Ident> = e.variants.iter().map(|v| name_ident(&v.name)).collect();
        let values: Vec<&str> = e.variants.iter().map(|v| v.value.as_str()).collect();
        let mut attrs: Vec<Attribute> = attrs::docs(&e.docs).collect();
        attrs.push(self.derive[usize::from(serde)].clone());
        // Every enum deserializes from a string and nothing else, through `TryFrom<String>`:
        // serde's derived visitor also takes the map form of a unit variant
        // (`{"final": null}`), which the server refuses.
        if serde {
            attrs.push(self.serde_try_from.clone());
        }
        attrs::extend_extra(&mut attrs, &e.extra);
        // Escaped as a Rust string would be, then as inline code: a value of backticks (```)
        // must not open a code block in rustdoc.
        let variant_docs = values.iter().map(|value| {
            format!(
                " {}",
                crate::rustdoc::code(&value.escape_debug().to_string())
            )
        });
        // Tokens, not parsed: the macro only turns the item back into tokens (see `Emitted`).
        let renames = values
            .iter()
            .map(|value| serde.then(|| quote!(#[serde(rename = #value)])));
        items.push(Item::Verbatim(quote! {
            #(#attrs)*
            pub enum #name {
                #(
                    #[doc = #variant_docs]
                    #renames
                    #variants,
                )*
            }
        }));
        let count = LitInt::new(&format!("{}usize", variants.len()), Span::call_site());
        let values_lit = values.iter().map(|v| LitStr::new(v, Span::call_site()));
        items.push(Item::Verbatim(quote! {
            impl #name {
                /// Every value, in manifest order.
                pub const ALL: [Self; #count] = [#(Self::#variants),*];
                /// The value as the template writes it.
                pub fn as_str(&self) -> &'static ::std::primitive::str {
                    match self {
                        #(Self::#variants => #values_lit,)*
                    }
                }
            }
        }));
        items.push(Item::Impl(self.display.clone_for(&name)));
        items.push(from_str_impl(&name, &values));
        items.push(Item::Impl(self.try_from.clone_for(&name)));
    }
}

/// `FromStr`: the runtime's `__private::parse_enum`, a scan of `ALL` by `as_str` (so the values
/// are not repeated in the source, and the scan is compiled once, not per enum), whose error
/// lists the values as serde's derive words it (see [`LONG_ENUM_VALUE`]) and suggests the one
/// a typo meant.
fn from_str_impl(name: &Ident, values: &[&str]) -> Item {
    let expected = expected_values(values);
    Item::Verbatim(quote! {
        #[automatically_derived]
        impl ::std::str::FromStr for #name {
            type Err = ::craftkit_runtime::ParseEnumError;

            fn from_str(
                value: &::std::primitive::str,
            ) -> ::std::result::Result<Self, ::craftkit_runtime::ParseEnumError> {
                ::craftkit_runtime::__private::parse_enum(value, &Self::ALL, Self::as_str, #expected)
            }
        }
    })
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
