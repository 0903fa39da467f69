//! The two generators, each from JSON text to a formatted Rust file.

use craftkit_codegen::{Options, generate};
use craftkit_core::manifest::Tree;
use typify::{TypeSpace, TypeSpaceSettings};

/// craftkit-codegen: manifest JSON text to the file the `Builder` writes for one template
/// (`OUT_DIR/<slug>.rs`): parse and validate, fold, name, emit tokens, format.
pub fn craftkit(manifest_json: &str) -> Result<String, String> {
    let tree = Tree::from_json(manifest_json).map_err(|e| e.to_string())?;
    let generated = generate(&tree, &Options::default()).map_err(|e| e.to_string())?;
    Ok(generated.to_file_string())
}

/// typify: schema JSON text to a `TypeSpace` with default settings, its token stream, and
/// that stream formatted as `cargo typify` and typify's own examples do
/// (`prettyplease::unparse(&syn::parse2(stream))`).
pub fn typify(schema_json: &str) -> Result<String, String> {
    let schema: schemars::schema::RootSchema =
        serde_json::from_str(schema_json).map_err(|e| format!("schemars: {e}"))?;
    let mut space = TypeSpace::new(&TypeSpaceSettings::default());
    space
        .add_root_schema(schema)
        .map_err(|e| format!("typify: {e}"))?;
    let file: syn::File =
        syn::parse2(space.to_stream()).map_err(|e| format!("typify's tokens: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
