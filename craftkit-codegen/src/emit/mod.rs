//! Model -> `syn` items. Every path in the output is absolute (`::std::option::Option`,
//! `::craftkit_runtime::serde`), so keys named `option`, `result`, `string`, `vec` or `serde`
//! shadow nothing, and the user's crate needs no dependency but `craftkit-runtime`. Generated
//! items allow `dead_code`: a binary that includes a template and uses part of it must not warn.
//!
//! The items are built as code, never as text: every shape is written as Rust with `quote!`.
//! The ones made many times per template (the builders, the `Deserialize` impls, the enums and
//! their impls) stay tokens (`Item::Verbatim`): the macro only turns items back into tokens,
//! and parsing them with `parse_quote!` was 60% of an unoptimized expansion; the printer parses
//! them ([`Emitted::file`]). Each such item is written into one stream: the pieces made per
//! field are appended to it, or moved into a `Group` for braces, not built as streams of their
//! own and interpolated (`quote!` copies an interpolated stream token by token). The rest are
//! syntax trees (`parse_quote!` for the `Template` impl; the struct fields, one per variable,
//! built directly as `syn` values, and the attributes every struct shares parsed once per
//! template and cloned).

mod attrs;
mod builder_item;
mod deserialize_impl;
mod enum_item;
mod paths;
mod serialize_impl;
mod struct_item;
mod template_impl;

use craftkit_core::manifest::Manifest;
use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;
use syn::{Attribute, Item, ItemMod, Visibility};

use crate::model::{Model, Struct, TypeDef, TypeScope};

pub(crate) use attrs::{enum_derives, struct_derives};
pub(crate) use builder_item::method_names;
use paths::{Scope, ident};

/// The generated items of one template: the root struct (after the user's attributes), its
/// `Template` impl, and the module of nested types unless there are none.
///
/// The builders' items are kept as tokens (`Item::Verbatim`), not syntax trees: they are most
/// of the output, and the macro only turns them back into tokens, so parsing them there was
/// most of an expansion's time (60% of its instructions, for nothing). The printer parses
/// them ([`Emitted::file`]).
#[derive(Clone)]
pub(crate) struct Emitted {
    file: syn::File,
}

impl Emitted {
    /// The items as a file, for the printer: the ones kept as tokens (see [`Emitted`]) parsed
    /// into syntax trees, as prettyplease prints only those.
    pub fn file(&self) -> syn::File {
        let mut file = self.file.clone();
        parse_verbatim(&mut file.items);
        file
    }

    /// Every item as one token stream.
    pub fn to_tokens(&self) -> TokenStream {
        self.file.to_token_stream()
    }
}

impl std::fmt::Debug for Emitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitted")
            .field("items", &self.file.items.len())
            .finish_non_exhaustive()
    }
}

pub(crate) fn emit(
    model: &Model,
    manifest: &Manifest,
    vis: &Visibility,
    attributes: &[Attribute],
) -> Emitted {
    let module = ident(&model.module);
    let names = TypeScope::of(model);
    let rt = builder_item::Paths::new();
    let structs = StructItems {
        structs: struct_item::StructEmitter::new(),
        ser: ident(&names.serializer_param()),
        de: ident(&names.deserializer_param()),
    };
    let mut items = Vec::new();
    structs.push(
        &model.root,
        Scope::Root { module: &module },
        vis.clone(),
        attributes,
        &mut items,
    );
    let template = template_impl::item(&model.root.name, manifest, &model.fingerprint);
    items.push(Item::Impl(template));
    builder_item::items(
        &model.root,
        Scope::Root { module: &module },
        &names,
        vis,
        &rt,
        &mut items,
    );

    let enums = enum_item::EnumEmitter::new();
    let public = Visibility::Public(Default::default());
    let mut nested = Vec::new();
    for def in &model.types {
        match def {
            TypeDef::Struct(s) => {
                structs.push(s, Scope::Module, public.clone(), &[], &mut nested);
                builder_item::items(s, Scope::Module, &names, &public, &rt, &mut nested);
            }
            TypeDef::Enum(e) => {
                let serde = serialize_impl::derived(&e.extra, &[]);
                enums.items(e, serde, &mut nested);
                if !serde {
                    serialize_impl::enum_items(e, &structs.ser, &structs.de, &mut nested);
                }
            }
        }
    }
    nested.extend(builder_item::markers(model.structs()));
    if !nested.is_empty() {
        let docs = format!(" The types nested in [`{}`].", model.root.name);
        items.push(Item::Mod(ItemMod {
            attrs: vec![attrs::doc(&docs), attrs::allow_dead_code()],
            vis: vis.clone(),
            unsafety: None,
            mod_token: Default::default(),
            ident: module,
            content: Some((Default::default(), nested)),
            semi: None,
        }));
    }
    Emitted {
        file: syn::File {
            shebang: None,
            frontmatter: None,
            attrs: Vec::new(),
            items,
        },
    }
}

/// What every generated struct's items are written with: the struct emitter, and the type
/// parameters of the `Serialize` and `Deserialize` impls (the resolver's: see [`TypeScope`]).
struct StructItems {
    structs: struct_item::StructEmitter,
    ser: Ident,
    de: Ident,
}

impl StructItems {
    /// The struct of `s`, after `attributes` (the user's, on the root), then its `Serialize`
    /// impl (unless serde's derive writes it: `serialize_impl::struct_derived`) and its
    /// `Deserialize` impl, pushed onto `out`.
    fn push(
        &self,
        s: &Struct,
        scope: Scope<'_>,
        vis: Visibility,
        attributes: &[Attribute],
        out: &mut Vec<Item>,
    ) {
        let serde = serialize_impl::struct_derived(s, attributes);
        let mut item = self.structs.item(s, scope, vis, serde);
        item.attrs.splice(0..0, attributes.iter().cloned());
        out.push(Item::Struct(item));
        if !serde {
            out.push(serialize_impl::struct_item(s, &self.ser));
        }
        out.push(deserialize_impl::item(s, &self.de));
    }
}

/// Replaces each `Item::Verbatim` of `items`, nested modules included, by the items its tokens
/// parse to. The tokens are the generator's own (`quote!` of items), so they always parse.
fn parse_verbatim(items: &mut Vec<Item>) {
    for item in std::mem::take(items) {
        match item {
            Item::Verbatim(tokens) => {
                let file: syn::File = syn::parse2(tokens)
                    .unwrap_or_else(|e| unreachable!("generated items that do not parse: {e}"));
                items.extend(file.items);
            }
            Item::Mod(mut module) => {
                if let Some((_, content)) = &mut module.content {
                    parse_verbatim(content);
                }
                items.push(Item::Mod(module));
            }
            other => items.push(other),
        }
    }
}
