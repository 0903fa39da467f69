//! The root struct's `craftkit_runtime::Template` impl: the template's identity, its
//! fingerprint, and its manifest embedded as JSON.

use craftkit_core::manifest::{Manifest, Pipeline};
use proc_macro2::Span;
use quote::format_ident;
use syn::{Expr, ExprLit, ImplItem, ImplItemConst, ItemImpl, Lit, LitStr, parse_quote};

use super::paths::ident;

/// The `Template` impl of the root struct `root`.
pub(super) fn item(root: &str, manifest: &Manifest, fingerprint: &str) -> ItemImpl {
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
    let mut item: ItemImpl = parse_quote! {
        #[automatically_derived]
        impl ::craftkit_runtime::Template for #root {
            const SLUG: &'static ::std::primitive::str = #slug;
            const VERSION: ::std::primitive::u64 = #version;
            const PIPELINE: ::craftkit_runtime::manifest::Pipeline = ::craftkit_runtime::manifest::Pipeline::#pipeline;
            const FINGERPRINT: &'static ::std::primitive::str = #fingerprint;
        }
    };
    item.items.push(ImplItem::Const(manifest_json(manifest)));
    item.items.push(parse_quote! {
        fn tree() -> &'static ::craftkit_runtime::manifest::Tree {
            static TREE: ::std::sync::OnceLock<::craftkit_runtime::manifest::Tree> = ::std::sync::OnceLock::new();
            TREE.get_or_init(|| {
                ::craftkit_runtime::__private::embedded_tree(<Self as ::craftkit_runtime::Template>::MANIFEST_JSON)
            })
        }
    });
    item
}

/// `const MANIFEST_JSON: &'static str = "...";`. The literal, as long as the manifest, is made
/// from its value and never lexed.
fn manifest_json(manifest: &Manifest) -> ImplItemConst {
    let mut item: ImplItemConst = parse_quote!(
        const MANIFEST_JSON: &'static ::std::primitive::str = "";
    );
    item.expr = Expr::Lit(ExprLit {
        attrs: Vec::new(),
        lit: Lit::Str(LitStr::new(&manifest.to_json(), Span::call_site())),
    });
    item
}
