//! The overrides of one template ([`TemplateConfig`]) applied to its model: the stage
//! between `model` and `emit`. Every name is checked against the model (an unknown path,
//! type or manifest type is an error with the closest existing one), every Rust snippet is
//! parsed here once (a derive as a path, an attribute, a type, a `with` module), renames are
//! checked for collisions, and a derive that the fields' types cannot support (`Eq` over an
//! `f64`) is an error naming the type, the field and the derive.

use std::collections::{BTreeMap, HashMap, HashSet};

use syn::parse::Parser;

use crate::Error;
use crate::config::{FieldConfig, TemplateConfig};
use crate::model::{CustomType, Extra, FieldDef, Model, REPLACEABLE_KINDS, Ty, TypeDef};
use crate::names::{self, Name};
use crate::suggest::closest;

/// The derives every generated struct has, and those of every generated enum (by last path
/// segment): repeating one is skipped, `Deserialize` is refused (the generated impl is the
/// strict one).
const STRUCT_DERIVES: &[&str] = &["Debug", "Clone", "PartialEq", "Serialize"];
const ENUM_DERIVES: &[&str] = &[
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "Hash",
    "Serialize",
    "Deserialize",
];

/// Applies `config` to `model`. `slug` names the template in errors.
pub(crate) fn apply(model: &mut Model, config: &TemplateConfig, slug: &str) -> Result<(), Error> {
    if config.is_empty() {
        return Ok(());
    }
    let fail = |message: String| Error::Override {
        template: slug.to_owned(),
        message,
    };
    let all = extra(
        &config.derives,
        &config.attributes,
        "the top-level `derives`",
    )
    .map_err(fail)?;
    for_each_type(model, |extra, _| {
        extra.derives.extend(all.derives.iter().cloned());
        extra.attributes.extend(all.attributes.iter().cloned());
    });
    replace_by_kind(model, &config.replace).map_err(fail)?;
    fields(model, &config.fields).map_err(fail)?;
    types(model, config).map_err(fail)?;
    dedupe_derives(model).map_err(fail)?;
    check_derives(model).map_err(fail)
}

/// Calls `f` with the extras and name of the root and of every nested type.
fn for_each_type(model: &mut Model, mut f: impl FnMut(&mut Extra, &str)) {
    f(&mut model.root.extra, &model.root.name);
    for def in &mut model.types {
        match def {
            TypeDef::Struct(s) => f(&mut s.extra, &s.name),
            TypeDef::Enum(e) => f(&mut e.extra, &e.name),
        }
    }
}

/// Calls `f` with every field of every struct.
fn for_each_field(model: &mut Model, mut f: impl FnMut(&mut FieldDef)) {
    model.root.fields.iter_mut().for_each(&mut f);
    for def in &mut model.types {
        if let TypeDef::Struct(s) = def {
            s.fields.iter_mut().for_each(&mut f);
        }
    }
}

fn extra(derives: &[String], attributes: &[String], what: &str) -> Result<Extra, String> {
    let derives = derives
        .iter()
        .map(|d| {
            syn::parse_str::<syn::Path>(d)
                .map(|path| absolute_std_derive(&path).unwrap_or(path))
                .map_err(|e| {
                    format!(
                        "{what}: `{d}` is not a derive's path (`Hash`, `schemars::JsonSchema`): {e}"
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    let attributes = attributes
        .iter()
        .map(|a| {
            syn::Attribute::parse_outer
                .parse_str(a)
                .map_err(|e| format!("{what}: `{a}` is not an outer attribute (`#[...]`): {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(Extra {
        derives,
        attributes,
    })
}

/// `Eq` -> `::std::cmp::Eq`: generated code names everything absolutely, so that a user's
/// type named `Eq` shadows nothing.
fn absolute_std_derive(path: &syn::Path) -> Option<syn::Path> {
    let name = path.get_ident()?.to_string();
    let full = match name.as_str() {
        "Eq" | "PartialEq" | "Ord" | "PartialOrd" => format!("::std::cmp::{name}"),
        "Hash" => "::std::hash::Hash".to_owned(),
        "Default" => "::std::default::Default".to_owned(),
        "Copy" => "::std::marker::Copy".to_owned(),
        "Clone" => "::std::clone::Clone".to_owned(),
        "Debug" => "::std::fmt::Debug".to_owned(),
        _ => return None,
    };
    syn::parse_str(&full).ok()
}

fn custom(text: &str, what: &str) -> Result<Box<CustomType>, String> {
    let ty = syn::parse_str::<syn::Type>(text).map_err(|e| {
        format!("{what}: `{text}` is not a Rust type (`rust_decimal::Decimal`): {e}")
    })?;
    Ok(Box::new(CustomType {
        ty,
        text: text.to_owned(),
    }))
}

/// A scalar's type, or an array's items' type, replaced.
fn replaced(ty: &Ty, with: Box<CustomType>) -> Ty {
    match ty {
        Ty::Vec(_) => Ty::Vec(Box::new(Ty::Custom(with))),
        _ => Ty::Custom(with),
    }
}

fn replace_by_kind(model: &mut Model, replace: &BTreeMap<String, String>) -> Result<(), String> {
    let mut by_kind = HashMap::new();
    for (kind, text) in replace {
        if !REPLACEABLE_KINDS.contains(&kind.as_str()) {
            return Err(format!(
                "`replace.{kind}`: `{kind}` is not a manifest type{}; the types a replacement can name are {}",
                did_you_mean(kind, REPLACEABLE_KINDS.iter().copied()),
                REPLACEABLE_KINDS.join(", ")
            ));
        }
        by_kind.insert(kind.as_str(), custom(text, &format!("`replace.{kind}`"))?);
    }
    for_each_field(model, |field| {
        if let Some(with) = field.kind.and_then(|kind| by_kind.get(kind)) {
            field.ty = replaced(&field.ty, with.clone());
        }
    });
    Ok(())
}

fn fields(model: &mut Model, configs: &BTreeMap<String, FieldConfig>) -> Result<(), String> {
    if configs.is_empty() {
        return Ok(());
    }
    let mut paths = Vec::new();
    for_each_field(model, |field| paths.push(field.path.clone()));
    for path in configs.keys() {
        if !paths.contains(path) {
            return Err(format!(
                "`fields.\"{path}\"`: the template has no variable `{path}`{}",
                did_you_mean(path, paths.iter().map(String::as_str))
            ));
        }
    }
    let mut error = None;
    for_each_field(model, |field| {
        let Some(config) = configs.get(&field.path) else {
            return;
        };
        if let Err(message) = field_override(field, config) {
            error.get_or_insert(message);
        }
    });
    if let Some(message) = error {
        return Err(message);
    }
    check_field_names(model)
}

fn field_override(field: &mut FieldDef, config: &FieldConfig) -> Result<(), String> {
    let what = format!("`fields.\"{}\"`", field.path);
    if let Some(text) = &config.ty {
        field.ty = replaced(&field.ty, custom(text, &format!("{what}.type"))?);
    }
    if let Some(with) = &config.with {
        field.with = Some(syn::parse_str::<syn::Path>(with).map_err(|e| {
            format!(
                "{what}.with: `{with}` is not a module path (`rust_decimal::serde::float`): {e}"
            )
        })?);
    }
    if let Some(rename) = &config.rename {
        let valid = syn::parse_str::<syn::Ident>(rename).is_ok()
            && names::convert(rename, names::Case::Snake) == *rename;
        if !valid {
            return Err(format!(
                "{what}.rename: `{rename}` is not a snake_case Rust identifier (`full_name`)"
            ));
        }
        field.name = Name {
            text: rename.clone(),
            raw: false,
        };
    }
    field
        .attributes
        .extend(extra(&[], &config.attributes, &format!("{what}.attributes"))?.attributes);
    Ok(())
}

/// After renames, no two fields of a struct share a name.
fn check_field_names(model: &Model) -> Result<(), String> {
    for s in model.structs() {
        let mut seen = HashMap::new();
        for field in &s.fields {
            if let Some(other) = seen.insert(field.name.text.as_str(), field.path.as_str()) {
                return Err(format!(
                    "`fields`: `{other}` and `{}` would both be the field `{}` of `{}`; rename one of them to another name",
                    field.path, field.name.text, s.name
                ));
            }
        }
    }
    Ok(())
}

fn type_names(model: &Model) -> Vec<String> {
    std::iter::once(model.root.name.clone())
        .chain(model.types.iter().map(|d| match d {
            TypeDef::Struct(s) => s.name.clone(),
            TypeDef::Enum(e) => e.name.clone(),
        }))
        .collect()
}

fn types(model: &mut Model, config: &TemplateConfig) -> Result<(), String> {
    if config.types.is_empty() {
        return Ok(());
    }
    let names = type_names(model);
    // A type may be named by its new name too (`types.InvoiceLine` after a rename of `Line`).
    let renamed_to: HashMap<&str, &str> = config
        .types
        .iter()
        .filter_map(|(name, ty)| Some((ty.rename.as_deref()?, name.as_str())))
        .collect();
    // Or by the JSON path of the variable that holds it (`types."areas[].condition"`), which a
    // new type elsewhere never changes: what `cargo craftkit check` suggests to pin a name.
    let by_path: HashMap<String, String> = model
        .structs()
        .flat_map(|s| &s.fields)
        .filter_map(|f| Some((f.path.clone(), f.ty.type_name()?.clone())))
        .collect();
    let mut extras: HashMap<String, Extra> = HashMap::new();
    let mut renames = HashMap::new();
    for (given, ty) in &config.types {
        let name = match (renamed_to.get(given.as_str()), by_path.get(given)) {
            _ if names.contains(given) => given.clone(),
            (Some(original), _) => (*original).to_owned(),
            (None, Some(held)) => held.clone(),
            (None, None) => {
                let known = names.iter().chain(by_path.keys()).map(String::as_str);
                return Err(format!(
                    "`types.{given}`: the template has no type `{given}`{}; name a type by its Rust name or by the JSON path of the variable that holds it",
                    did_you_mean(given, known)
                ));
            }
        };
        let name = &name;
        let what = format!("`types.{given}`");
        let more = extra(&ty.derives, &ty.attributes, &what)?;
        let entry = extras.entry(name.clone()).or_default();
        entry.derives.extend(more.derives);
        entry.attributes.extend(more.attributes);
        if let Some(rename) = &ty.rename {
            if *name == model.root.name {
                return Err(format!(
                    "{what}.rename: `{name}` is the root type, named by the struct under `#[craftkit_template]` (or the Builder's root name), not by a rename"
                ));
            }
            let valid = syn::parse_str::<syn::Ident>(rename).is_ok()
                && names::convert(rename, names::Case::Camel) == *rename;
            if !valid {
                return Err(format!(
                    "{what}.rename: `{rename}` is not an UpperCamelCase Rust identifier (`InvoiceLine`)"
                ));
            }
            renames.insert(name.clone(), rename.clone());
        }
    }
    for_each_type(model, |extra, name| {
        if let Some(more) = extras.get(name) {
            extra.derives.extend(more.derives.iter().cloned());
            extra.attributes.extend(more.attributes.iter().cloned());
        }
    });
    if renames.is_empty() {
        return Ok(());
    }
    let finals: Vec<String> = names
        .iter()
        .map(|n| renames.get(n).cloned().unwrap_or_else(|| n.clone()))
        .collect();
    // The resolver's rule: in the module, no two types, no type and a struct's builder, and
    // none of the root, its builder or the marker module.
    let root_builder = names::builder_name(&finals[0]);
    let nested: Vec<&String> = finals.iter().skip(1).collect();
    let builders: HashSet<String> = model
        .types
        .iter()
        .zip(&nested)
        .filter(|(def, _)| matches!(def, TypeDef::Struct(_)))
        .map(|(_, name)| names::builder_name(name))
        .collect();
    let mut taken = HashSet::new();
    for name in nested {
        if !taken.insert(name.clone())
            || names::is_reserved_type_name(name)
            || *name == finals[0]
            || *name == root_builder
            || name == names::MARKERS_MODULE
            || builders.contains(name)
            || builders.contains(&finals[0])
            || builders.contains(&root_builder)
        {
            return Err(format!(
                "`types`: after the renames, `{name}` names two types (or a builder, or a reserved name); choose another name"
            ));
        }
    }
    for def in &mut model.types {
        let name = match def {
            TypeDef::Struct(s) => &mut s.name,
            TypeDef::Enum(e) => &mut e.name,
        };
        if let Some(new) = renames.get(name.as_str()) {
            *name = new.clone();
        }
    }
    for_each_field(model, |field| rename_refs(&mut field.ty, &renames));
    Ok(())
}

fn rename_refs(ty: &mut Ty, renames: &HashMap<String, String>) {
    match ty {
        Ty::Named(name) => {
            if let Some(new) = renames.get(name.as_str()) {
                *name = new.clone();
            }
        }
        Ty::Vec(item) => rename_refs(item, renames),
        _ => {}
    }
}

fn last_segment(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// Drops derives a type already has (generated or given twice); refuses `Deserialize`.
fn dedupe_derives(model: &mut Model) -> Result<(), String> {
    let mut error = None;
    let all_optional: HashSet<String> = model
        .structs()
        .filter(|s| s.fields.iter().all(|f| f.optional))
        .map(|s| s.name.clone())
        .collect();
    let enums: HashSet<String> = model
        .types
        .iter()
        .filter_map(|d| match d {
            TypeDef::Enum(e) => Some(e.name.clone()),
            TypeDef::Struct(_) => None,
        })
        .collect();
    for_each_type(model, |extra, name| {
        let mut seen: HashSet<String> = if enums.contains(name) {
            ENUM_DERIVES.iter().map(|s| (*s).to_owned()).collect()
        } else {
            let mut seen: HashSet<String> =
                STRUCT_DERIVES.iter().map(|s| (*s).to_owned()).collect();
            if all_optional.contains(name) {
                seen.insert("Default".to_owned());
            }
            if let Some(d) = extra
                .derives
                .iter()
                .find(|d| last_segment(d) == "Deserialize")
            {
                error.get_or_insert(format!(
                    "`{}` on `{name}`: generated structs implement `Deserialize` themselves (strictly, as the server reads the data); drop the derive",
                    quote::quote!(#d)
                ));
            }
            seen
        };
        extra.derives.retain(|d| seen.insert(last_segment(d)));
    });
    error.map_or(Ok(()), Err)
}

/// Which of the checked derives each type ends up with, and whether the fields allow them.
fn check_derives(model: &Model) -> Result<(), String> {
    const CHECKED: &[&str] = &["Eq", "Hash", "Default"];
    let mut has: HashMap<(&str, &str), bool> = HashMap::new();
    for def in &model.types {
        if let TypeDef::Enum(e) = def {
            let extra: Vec<String> = e.extra.derives.iter().map(last_segment).collect();
            for derive in CHECKED {
                let generated = matches!(*derive, "Eq" | "Hash");
                has.insert(
                    (&e.name, derive),
                    generated || extra.iter().any(|d| d == derive),
                );
            }
        }
    }
    // Structs come after the types of their fields: the root last.
    for s in model.nested_structs().chain(std::iter::once(&model.root)) {
        let extra: Vec<String> = s.extra.derives.iter().map(last_segment).collect();
        let all_optional = s.fields.iter().all(|f| f.optional);
        for derive in CHECKED {
            let asked = extra.iter().any(|d| d == derive);
            let ok = asked || (*derive == "Default" && all_optional);
            if asked {
                for field in &s.fields {
                    if field.optional && *derive == "Default" {
                        continue;
                    }
                    if let Some(why) = lacks(&field.ty, derive, &has) {
                        return Err(format!(
                            "cannot derive `{derive}` on `{}`: its field `{}` (`{}`) {why}; drop the derive, or replace the field's type (`fields.\"{}\".type`)",
                            s.name, field.name.text, field.path, field.path
                        ));
                    }
                }
            }
            has.insert((&s.name, derive), ok);
        }
    }
    Ok(())
}

/// Why a field of type `ty` cannot take part in `derive`, if it cannot.
fn lacks(ty: &Ty, derive: &str, has: &HashMap<(&str, &str), bool>) -> Option<String> {
    match ty {
        Ty::F64 if derive != "Default" => {
            Some(format!("is an `f64`, which does not implement `{derive}`"))
        }
        Ty::Date | Ty::DateTime | Ty::Image | Ty::Signature if derive == "Default" => {
            Some("is required and has no default value".to_owned())
        }
        Ty::Named(name) => match has.get(&(name.as_str(), derive)) {
            Some(false) => Some(format!(
                "is a `{name}`, which does not derive `{derive}` (add it to `types.{name}.derives`)"
            )),
            _ => None,
        },
        Ty::Vec(item) if derive != "Default" => lacks(item, derive, has),
        _ => None,
    }
}

fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, candidates).map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"))
}
