//! The expansion of `#[craftkit_template("slug")]`, kept here (not in the proc-macro crate)
//! so that ordinary tests reach it.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;

use crate::attribute_args::Spans;
use crate::{LoadedConfig, OverrideProblem, generate_parsed, source::ManifestSource};

/// Expands the attribute: `attr` is what is inside the parentheses, `item` the struct it is
/// put on. Every error becomes a `compile_error!` at the attribute's slug, next to the struct
/// left as written, so that the user sees one error and not a cascade.
pub fn expand(attr: TokenStream, item: TokenStream, source: &ManifestSource) -> TokenStream {
    match try_expand(attr, item.clone(), source) {
        Ok(tokens) => tokens,
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#error #item)
        }
    }
}

fn try_expand(
    attr: TokenStream,
    item: TokenStream,
    source: &ManifestSource,
) -> syn::Result<TokenStream> {
    if attr.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "expected the template's slug as a string: #[craftkit_template(\"charter-handover\")]",
        ));
    }
    if !matches!(
        attr.clone().into_iter().next(),
        Some(proc_macro2::TokenTree::Literal(_))
    ) {
        return Err(syn::Error::new(
            attr.span(),
            "expected the template's slug as a string: #[craftkit_template(\"charter-handover\")]",
        ));
    }
    let (slug, arguments, spans) = crate::attribute_args::parse(attr)?;
    let item: syn::ItemStruct = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "#[craftkit_template] goes on a struct without fields: `pub struct CharterHandover;`",
        )
    })?;
    if !matches!(item.fields, syn::Fields::Unit) {
        return Err(syn::Error::new(
            item.fields.span(),
            "write the struct without fields (`pub struct CharterHandover;`): its fields come from the template's manifest",
        ));
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            item.generics.span(),
            "a template struct cannot be generic",
        ));
    }
    let loaded = source
        .load(&slug.value())
        .map_err(|e| syn::Error::new(slug.span(), e.to_string()))?;
    let config = source
        .config()
        .map_err(|e| syn::Error::new(slug.span(), e.to_string()))?;
    let mut overrides = config.config.for_template(&slug.value());
    overrides.merge(arguments);
    // The struct as syn parsed it goes on as it is: its name, visibility and attributes.
    let generated = generate_parsed(
        &loaded.tree,
        Some(&item.ident.to_string()),
        &item.vis,
        &item.attrs,
        &overrides,
    )
    .map_err(|e| match e {
        crate::Error::Override {
            template, problems, ..
        } => override_errors(&template, &problems, &spans, &config, slug.span()),
        other => syn::Error::new(slug.span(), other.to_string()),
    })?;
    let tokens = generated.tokens();
    // Makes the compiler read the manifest (and the overrides file), so that editing either
    // re-expands the macro.
    let path = loaded.path.to_string_lossy().into_owned();
    let config_path = config
        .path
        .map(|path| path.to_string_lossy().into_owned())
        .into_iter();
    Ok(quote! {
        #tokens
        const _: &[u8] = ::std::include_bytes!(#path);
        #(const _: &[u8] = ::std::include_bytes!(#config_path);)*
    })
}

/// One error per problem of the overrides, combined: each at the argument that caused it, or,
/// when the setting came from `.craftkit/config.toml`, at the slug with a message that starts
/// with the file's `path:line:col` and quotes the line.
fn override_errors(
    template: &str,
    problems: &[OverrideProblem],
    spans: &Spans,
    config: &LoadedConfig,
    slug: Span,
) -> syn::Error {
    let mut errors = problems.iter().map(|problem| {
        let message = format!("template `{template}`: {problem}");
        match spans.get(&problem.setting) {
            Some(span) => syn::Error::new(*span, message),
            None => match config.locate_message(template, &problem.setting, &message) {
                Some(located) => syn::Error::new(slug, located),
                None => syn::Error::new(
                    slug,
                    format!(
                        "template `{template}`: overrides (`.craftkit/config.toml`): {problem}"
                    ),
                ),
            },
        }
    });
    let mut combined = errors
        .next()
        .unwrap_or_else(|| syn::Error::new(slug, format!("template `{template}`: overrides")));
    for error in errors {
        combined.combine(error);
    }
    combined
}
