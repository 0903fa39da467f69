//! Typed Rust bindings from Craftkit template manifests.
//!
//! One code path, three front ends: the `#[craftkit_template("slug")]` attribute (crate
//! `craftkit-macros`), the [`Builder`] for `build.rs`, and the `cargo craftkit generate`
//! command all call [`generate`], so a template gives the same Rust whichever way it is used.
//!
//! Every output takes the validated manifest, a [`Tree`]: reading and checking the manifest
//! is the caller's one step ([`Tree::from_json`], or [`Manifest::tree`] for a manifest at
//! hand), then [`generate`] gives the Rust, [`markdown::page`] the docs page and
//! [`schema::json_schema`] the JSON Schema, none of them folding it again.
//!
//! [`Manifest::tree`]: craftkit_core::manifest::Manifest::tree
//!
//! The stages, each a pure function in its own module: the manifest is parsed and validated
//! and folded into a tree (`craftkit-core`), the tree becomes a model of named types
//! (`model`, with the naming rules of `names`), the model becomes `syn` items (`emit`), and
//! the items become tokens for the macro ([`Generated::tokens`]) or, at the edge, text
//! (`prettyplease`, in [`Generated::to_file_string`]), without a round trip through tokens.
//!
//! ```
//! use craftkit_codegen::{generate, Options};
//! use craftkit_core::manifest::Tree;
//!
//! let tree = Tree::from_json(r#"{"slug": "greeting", "version": 1, "pipeline": "html",
//!     "variables": [{"path": "person.name", "type": "string", "required": true}]}"#)?;
//! let code = generate(&tree, &Options::default())?.to_file_string();
//! assert!(code.contains("pub struct Greeting {"));
//! assert!(code.contains("pub struct Person {"));
//! # Ok::<(), craftkit_codegen::Error>(())
//! ```
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `fetch` | no | fetch a manifest the cache lacks from the API when `CRAFTKIT_API_KEY` is set (blocking ureq, rustls on ring); off, a crate that only uses cached manifests compiles no HTTP or TLS stack |

#[doc(hidden)]
pub mod attribute;
mod attribute_args;
mod builder;
pub mod config;
mod config_span;
mod emit;
mod error;
#[cfg(feature = "fetch")]
pub mod fetch;
mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod markdown;
mod model;
mod names;
mod override_problem;
mod overrides;
mod rustdoc;
pub mod schema;
mod source;
use craftkit_core::suggest;
pub mod surface;

use craftkit_core::manifest::{Tree, Warning};
use proc_macro2::TokenStream;
use syn::parse::Parser;

pub use builder::Builder;
pub use config::{Config, FieldConfig, TemplateConfig, TypeConfig};
pub use error::Error;
pub use override_problem::{OverrideProblem, Setting};
pub use source::{Fetch, LoadedConfig, LoadedManifest, MANIFEST_DIR_ENV, ManifestSource};

/// How to generate one template's types.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// The root type's name; by default the slug in UpperCamelCase (`charter-handover` ->
    /// `CharterHandover`). The module of nested types is named after it in snake_case.
    pub root_name: Option<String>,
    /// The visibility of the root type and of the module of nested types, as tokens
    /// (`pub`, `pub(crate)`, or empty for private); `pub` by default. Tokens that are not a
    /// visibility make [`generate`] fail with [`Error::InvalidOptions`].
    pub visibility: Option<TokenStream>,
    /// Outer attributes for the root type, before the generated ones (the macro passes on
    /// what the user wrote on the struct: docs, `#[allow]`s). Tokens that are not outer
    /// attributes make [`generate`] fail with [`Error::InvalidOptions`].
    pub attributes: TokenStream,
    /// Derives, attributes, type replacements and renames for this template (see
    /// [`config`]): what `.craftkit/config.toml` says of it, as
    /// [`Config::for_template`] resolves it, plus what the front end adds.
    pub overrides: TemplateConfig,
}

impl Options {
    /// Options with the given root type name.
    pub fn with_root_name(mut self, name: impl Into<String>) -> Options {
        self.root_name = Some(name.into());
        self
    }

    /// Options with these outer attributes on the root type.
    pub fn with_attributes(mut self, attributes: TokenStream) -> Options {
        self.attributes = attributes;
        self
    }

    /// Options with these overrides.
    pub fn with_overrides(mut self, overrides: TemplateConfig) -> Options {
        self.overrides = overrides;
        self
    }

    /// Options with the given visibility for the root type and module.
    pub fn with_visibility(mut self, visibility: TokenStream) -> Options {
        self.visibility = Some(visibility);
        self
    }
}

/// The generated code of one template.
#[derive(Debug, Clone)]
pub struct Generated {
    emitted: emit::Emitted,
    /// The root type's name.
    pub root_name: String,
    /// The name of the module of nested types.
    pub module_name: String,
    /// What the user should know (variables of unknown type).
    pub warnings: Vec<Warning>,
    slug: String,
    version: u64,
}

impl Generated {
    /// The items as tokens: root struct, `Template` impl, module of nested types.
    pub fn tokens(&self) -> TokenStream {
        self.emitted.to_tokens()
    }

    /// The code as a formatted file with an `@generated` header, ready to write or `include!`.
    pub fn to_file_string(&self) -> String {
        self.file_with_body(&self.body())
    }

    /// The formatted items, without a header: what [`Generated::to_file_string`] puts after
    /// its header, and the Builder's file of all templates after its own.
    pub(crate) fn body(&self) -> String {
        format::body(&self.emitted)
    }

    /// [`Generated::to_file_string`] for an already formatted [`Generated::body`].
    pub(crate) fn file_with_body(&self, body: &str) -> String {
        format::file(
            [body],
            &format!("template `{}` version {}", self.slug, self.version),
        )
    }
}

/// Generates the types of one template from its validated manifest ([`Tree::from_json`], or
/// [`Manifest::tree`](craftkit_core::manifest::Manifest::tree) for a manifest at hand).
///
/// Fails with [`Error::InvalidRootName`] for a root name that is not an identifier, with
/// [`Error::InvalidOptions`] for a visibility or attributes that are not Rust, and with
/// [`Error::Override`] for overrides that do not fit the template. Never panics.
///
/// ```
/// use craftkit_codegen::{Options, generate};
/// use craftkit_core::manifest::Tree;
///
/// let tree = Tree::from_json(r#"{"slug": "greeting", "version": 1, "pipeline": "html",
///     "variables": [{"path": "name", "type": "string", "required": true}]}"#)?;
/// let generated = generate(&tree, &Options::default())?;
/// assert_eq!(generated.root_name, "Greeting");
/// # Ok::<(), craftkit_codegen::Error>(())
/// ```
pub fn generate(tree: &Tree, options: &Options) -> Result<Generated, Error> {
    let vis = match &options.visibility {
        Some(tokens) => syn::parse2::<syn::Visibility>(tokens.clone()).map_err(|e| {
            Error::InvalidOptions(format!(
                "`{tokens}` is not a visibility (`pub`, `pub(crate)`, or nothing): {e}"
            ))
        })?,
        None => syn::Visibility::Public(Default::default()),
    };
    let attributes = syn::Attribute::parse_outer
        .parse2(options.attributes.clone())
        .map_err(|e| {
            Error::InvalidOptions(format!(
                "`{}` are not outer attributes (`#[...]`): {e}",
                options.attributes
            ))
        })?;
    generate_parsed(
        tree,
        options.root_name.as_deref(),
        &vis,
        &attributes,
        &options.overrides,
    )
}

/// [`generate`] with the visibility and attributes already parsed: the macro hands over what
/// syn parsed of the user's struct, with no round trip through tokens.
pub(crate) fn generate_parsed(
    tree: &Tree,
    root_name: Option<&str>,
    vis: &syn::Visibility,
    attributes: &[syn::Attribute],
    overrides: &TemplateConfig,
) -> Result<Generated, Error> {
    let manifest = tree.manifest();
    let (model, root_name) = model_with_overrides(tree, root_name, overrides)?;
    Ok(Generated {
        emitted: emit::emit(&model, manifest, vis, attributes),
        root_name,
        module_name: model.module,
        warnings: manifest.warnings(),
        slug: manifest.slug.clone(),
        version: manifest.version,
    })
}

/// The model of `tree` with its root named `root_name` (or after the slug), the overrides
/// applied: what is emitted, and what [`surface`] reads names from.
pub(crate) fn model_with_overrides(
    tree: &Tree,
    root_name: Option<&str>,
    overrides: &TemplateConfig,
) -> Result<(model::Model, String), Error> {
    let manifest = tree.manifest();
    let root_name = match root_name {
        Some(name) => {
            if syn::parse_str::<syn::Ident>(name).is_err() || name.starts_with("r#") {
                return Err(Error::InvalidRootName(name.to_owned()));
            }
            name.to_owned()
        }
        None => root_name_for_slug(&manifest.slug),
    };
    let mut model = model::Model::build(tree, &root_name);
    overrides::apply(&mut model, overrides, &manifest.slug)?;
    Ok((model, root_name))
}

/// The default root type name of a slug: UpperCamelCase (`charter-handover` ->
/// `CharterHandover`, `2024-report` -> `_2024Report`).
pub fn root_name_for_slug(slug: &str) -> String {
    let name = names::convert(slug, names::Case::Camel);
    if names::is_keyword(&name) {
        format!("{name}Template")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use craftkit_core::manifest::Tree;
    use quote::quote;

    use crate::{Error, Options, generate};

    const MANIFEST: &str = r#"{"slug": "a", "version": 1, "pipeline": "html",
        "variables": [{"path": "x.y", "type": "string"}]}"#;

    /// Options that are not Rust are an error, not a file that fails to compile.
    #[test]
    fn a_visibility_or_attributes_that_are_not_rust_are_an_error() {
        let tree = Tree::from_json(MANIFEST).unwrap();
        for options in [
            Options::default().with_visibility(quote!(fn)),
            Options::default().with_attributes(quote!(
                struct X;
            )),
            Options::default().with_attributes(quote!(#![allow(dead_code)])),
        ] {
            let result = generate(&tree, &options);
            assert!(
                matches!(result, Err(Error::InvalidOptions(_))),
                "{result:?}"
            );
        }
    }

    /// The user's attributes come before the generated ones, and the visibility applies to the
    /// root type and the module.
    #[test]
    fn user_attributes_and_visibility_are_kept() {
        let tree = Tree::from_json(MANIFEST).unwrap();
        let options = Options::default()
            .with_visibility(quote!(pub(crate)))
            .with_attributes(quote!(#[doc = " Mine."] #[allow(unused)]));
        let code = generate(&tree, &options).unwrap().to_file_string();
        let mine = code.find("/// Mine.\n#[allow(unused)]\n/// ").unwrap();
        assert!(mine < code.find("#[derive(").unwrap());
        assert!(code.contains("pub(crate) struct A {"));
        assert!(code.contains("pub(crate) mod a {"));
    }
}
