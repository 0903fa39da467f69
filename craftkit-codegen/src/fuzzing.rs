//! The model stage on its own, for the fuzz targets in `fuzz/` (not a stable API, hidden from
//! the docs).
//!
//! The fast `manifest` target runs parse, validate, fold and model on every input; emitting,
//! formatting and re-parsing the code cost far more per input (`fuzz/README.md` has the rates)
//! and run in their own target (`manifest_codegen`). The emitter turns every name of the model into an identifier with
//! `proc_macro2::Ident::new`, which panics on a string that is not one, so these are the names
//! the fast target checks: valid, and distinct where Rust needs them distinct.

use craftkit_core::manifest::Tree;

use crate::model::{Model, TypeDef};

/// The names the model gives one template's items, as the emitter writes them.
#[derive(Debug, Clone)]
pub struct ModelNames {
    /// The root struct (beside its builder, `{root}Builder`, and the module).
    pub root: ItemNames,
    /// The module of nested types.
    pub module: String,
    /// The nested structs and enums, in the model's order.
    pub nested: Vec<ItemNames>,
}

/// The names of one generated struct or enum.
#[derive(Debug, Clone)]
pub struct ItemNames {
    /// The type's name.
    pub name: String,
    /// Whether it is an enum (an enum has variants and no builder).
    pub is_enum: bool,
    /// The fields' (or variants') identifiers as written in the source (`r#type` when raw).
    pub members: Vec<String>,
    /// The generated types that the fields name (by their names in the module).
    pub refers_to: Vec<String>,
}

/// Builds the model of a folded manifest with the default options (the root named after the
/// slug, no overrides) and returns its names.
pub fn model_names(tree: &Tree) -> ModelNames {
    let root_name = crate::root_name_for_slug(&tree.manifest().slug);
    let model = Model::build(tree, &root_name);
    ModelNames {
        root: struct_names(&model.root),
        module: model.module.clone(),
        nested: model
            .types
            .iter()
            .map(|def| match def {
                TypeDef::Struct(s) => struct_names(s),
                TypeDef::Enum(e) => ItemNames {
                    name: e.name.clone(),
                    is_enum: true,
                    members: e.variants.iter().map(|v| written(&v.name)).collect(),
                    refers_to: Vec::new(),
                },
            })
            .collect(),
    }
}

fn struct_names(s: &crate::model::Struct) -> ItemNames {
    let refers_to = s
        .fields
        .iter()
        .filter_map(|f| f.ty.type_name().cloned())
        .collect();
    ItemNames {
        name: s.name.clone(),
        is_enum: false,
        members: s.fields.iter().map(|f| written(&f.name)).collect(),
        refers_to,
    }
}

/// A field's or variant's name as the source spells it.
fn written(name: &crate::names::Name) -> String {
    if name.raw {
        format!("r#{}", name.text)
    } else {
        name.text.clone()
    }
}
