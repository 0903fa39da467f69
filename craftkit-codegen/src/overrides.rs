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
use craftkit_core::manifest::{SCALAR_TYPES, ScalarType};

use crate::emit::{enum_derives, struct_derives};
use crate::model::{CustomType, Extra, FieldDef, Model, Ty, TypeDef};
use crate::names::{self, Name};
use crate::override_problem::{OverrideProblem, Setting};
use crate::suggest::closest;

/// Applies `config` to `model`. `slug` names the template in errors. Every problem is
/// reported, each with its setting (not only the first); the derive checks, which read the
/// types the other settings produce, run only when those settings had none, so that one
/// mistake does not come back as a cascade.
pub(crate) fn apply(model: &mut Model, config: &TemplateConfig, slug: &str) -> Result<(), Error> {
    if config.is_empty() {
        return Ok(());
    }
    let mut problems = Problems::default();
    let all = extra(
        &config.derives,
        &config.attributes,
        "the top-level `derives`",
        &|derive| Setting::Derive(derive.to_owned()),
        &Setting::Attributes,
        &mut problems,
    );
    for_each_type(model, |extra, _| {
        extra.derives.extend(all.derives.iter().cloned());
        extra.attributes.extend(all.attributes.iter().cloned());
    });
    replace_by_kind(model, &config.replace, &mut problems);
    fields(model, &config.fields, &mut problems);
    types(model, config, &mut problems);
    if problems.0.is_empty() {
        dedupe_derives(model, config, &mut problems);
        check_derives(model, config, &mut problems);
    }
    if problems.0.is_empty() {
        return Ok(());
    }
    let message = problems
        .0
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    Err(Error::Override {
        template: slug.to_owned(),
        message,
        problems: problems.0,
    })
}

/// The problems found so far.
#[derive(Default)]
struct Problems(Vec<OverrideProblem>);

impl Problems {
    fn push(&mut self, setting: Setting, message: String) {
        self.0.push(OverrideProblem { setting, message });
    }
}

/// The setting that added `derive` (a last segment) to the type `name`: the top-level
/// `derives` when they have it, else the first `types` entry that has it.
fn derive_setting(config: &TemplateConfig, name: &str, derive: &str) -> Setting {
    if config.derives.iter().any(|d| last_of(d) == derive) {
        return Setting::Derive(derive.to_owned());
    }
    config
        .types
        .iter()
        .filter(|(_, ty)| ty.derives.iter().any(|d| last_of(d) == derive))
        .min_by_key(|(given, ty)| {
            // The entry that names this type (by name or by its rename) first.
            !(given.as_str() == name || ty.rename.as_deref() == Some(name))
        })
        .map_or_else(
            || Setting::Derive(derive.to_owned()),
            |(given, _)| Setting::TypeDerive(given.clone(), derive.to_owned()),
        )
}

/// A derive's last segment, from its text (`schemars :: JsonSchema` -> `JsonSchema`).
fn last_of(derive: &str) -> &str {
    derive.rsplit("::").next().unwrap_or(derive).trim()
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

/// The derives and attributes given, parsed; each one that does not parse is a problem (of
/// `derive_setting`'s setting, or `attributes_setting`) and is left out.
fn extra(
    derives: &[String],
    attributes: &[String],
    what: &str,
    derive_setting: &dyn Fn(&str) -> Setting,
    attributes_setting: &Setting,
    problems: &mut Problems,
) -> Extra {
    let mut parsed = Extra::default();
    for d in derives {
        match syn::parse_str::<syn::Path>(d) {
            Ok(path) => parsed
                .derives
                .push(absolute_std_derive(&path).unwrap_or(path)),
            Err(e) => problems.push(
                derive_setting(last_of(d)),
                format!(
                    "{what}: `{d}` is not a derive's path (`Hash`, `schemars::JsonSchema`): {e}"
                ),
            ),
        }
    }
    for a in attributes {
        match syn::Attribute::parse_outer.parse_str(a) {
            Ok(attrs) => parsed.attributes.extend(attrs),
            Err(e) => problems.push(
                attributes_setting.clone(),
                format!("{what}: `{a}` is not an outer attribute (`#[...]`): {e}"),
            ),
        }
    }
    parsed
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

fn replace_by_kind(model: &mut Model, replace: &BTreeMap<String, String>, problems: &mut Problems) {
    let mut by_kind = HashMap::new();
    for (kind, text) in replace {
        let setting = Setting::Replace(kind.clone());
        let Some(scalar) = ScalarType::named(kind) else {
            let names: Vec<&str> = SCALAR_TYPES.iter().map(|t| t.name).collect();
            problems.push(setting, format!(
                "`replace.{kind}`: `{kind}` is not a manifest type{}; the types a replacement can name are {}",
                did_you_mean(kind, names.iter().copied()),
                names.join(", ")
            ));
            continue;
        };
        match custom(text, &format!("`replace.{kind}`")) {
            Ok(ty) => {
                by_kind.insert(scalar.name, ty);
            }
            Err(message) => problems.push(setting, message),
        }
    }
    for_each_field(model, |field| {
        if let Some(with) = field.kind.and_then(|kind| by_kind.get(kind.name)) {
            field.ty = replaced(&field.ty, with.clone());
        }
    });
}

fn fields(model: &mut Model, configs: &BTreeMap<String, FieldConfig>, problems: &mut Problems) {
    if configs.is_empty() {
        return;
    }
    let mut paths = Vec::new();
    for_each_field(model, |field| paths.push(field.path.clone()));
    for path in configs.keys() {
        if !paths.contains(path) {
            problems.push(
                Setting::Field(path.clone()),
                format!(
                    "`fields.\"{path}\"`: the template has no variable `{path}`{}",
                    did_you_mean(path, paths.iter().map(String::as_str))
                ),
            );
        }
    }
    for_each_field(model, |field| {
        if let Some(config) = configs.get(&field.path) {
            field_override(field, config, problems);
        }
    });
    check_field_names(model, problems);
}

fn field_override(field: &mut FieldDef, config: &FieldConfig, problems: &mut Problems) {
    let what = format!("`fields.\"{}\"`", field.path);
    let setting = Setting::Field(field.path.clone());
    if let Some(text) = &config.ty {
        match custom(text, &format!("{what}.type")) {
            Ok(ty) => field.ty = replaced(&field.ty, ty),
            Err(message) => problems.push(setting.clone(), message),
        }
    }
    if let Some(with) = &config.with {
        match syn::parse_str::<syn::Path>(with) {
            Ok(path) => field.with = Some(path),
            Err(e) => problems.push(
                setting.clone(),
                format!(
                    "{what}.with: `{with}` is not a module path (`rust_decimal::serde::float`): {e}"
                ),
            ),
        }
    }
    if let Some(rename) = &config.rename {
        let valid = syn::parse_str::<syn::Ident>(rename).is_ok()
            && names::convert(rename, names::Case::Snake) == *rename;
        if valid {
            field.name = Name {
                text: rename.clone(),
                raw: false,
            };
        } else {
            problems.push(
                setting.clone(),
                format!(
                    "{what}.rename: `{rename}` is not a snake_case Rust identifier (`full_name`)"
                ),
            );
        }
    }
    let more = extra(
        &[],
        &config.attributes,
        &format!("{what}.attributes"),
        &|_| setting.clone(),
        &setting,
        problems,
    );
    field.attributes.extend(more.attributes);
}

/// After renames, no two fields of a struct share a name: each collision is a problem of the
/// second field's setting.
fn check_field_names(model: &Model, problems: &mut Problems) {
    for s in model.structs() {
        let mut seen = HashMap::new();
        for field in &s.fields {
            if let Some(other) = seen.insert(field.name.text.as_str(), field.path.as_str()) {
                problems.push(Setting::Field(field.path.clone()), format!(
                    "`fields`: `{other}` and `{}` would both be the field `{}` of `{}`; rename one of them to another name",
                    field.path, field.name.text, s.name
                ));
            }
        }
    }
}

fn type_names(model: &Model) -> Vec<String> {
    std::iter::once(model.root.name.clone())
        .chain(model.types.iter().map(|d| match d {
            TypeDef::Struct(s) => s.name.clone(),
            TypeDef::Enum(e) => e.name.clone(),
        }))
        .collect()
}

fn types(model: &mut Model, config: &TemplateConfig, problems: &mut Problems) {
    if config.types.is_empty() {
        return;
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
                problems.push(Setting::Type(given.clone()), format!(
                    "`types.{given}`: the template has no type `{given}`{}; name a type by its Rust name or by the JSON path of the variable that holds it",
                    did_you_mean(given, known)
                ));
                continue;
            }
        };
        let name = &name;
        let what = format!("`types.{given}`");
        let setting = Setting::Type(given.clone());
        let more = extra(
            &ty.derives,
            &ty.attributes,
            &what,
            &|derive| Setting::TypeDerive(given.clone(), derive.to_owned()),
            &setting,
            problems,
        );
        let entry = extras.entry(name.clone()).or_default();
        entry.derives.extend(more.derives);
        entry.attributes.extend(more.attributes);
        if let Some(rename) = &ty.rename {
            if *name == model.root.name {
                problems.push(setting, format!(
                    "{what}.rename: `{name}` is the root type, named by the struct under `#[craftkit_template]` (or the Builder's root name), not by a rename"
                ));
                continue;
            }
            let valid = syn::parse_str::<syn::Ident>(rename).is_ok()
                && names::convert(rename, names::Case::Camel) == *rename;
            if !valid {
                problems.push(setting, format!(
                    "{what}.rename: `{rename}` is not an UpperCamelCase Rust identifier (`InvoiceLine`)"
                ));
                continue;
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
        return;
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
            // The setting of the rename that made the name, when one did.
            let setting = config
                .types
                .iter()
                .find(|(_, ty)| ty.rename.as_deref() == Some(name.as_str()))
                .map_or(Setting::TypeNames, |(given, _)| {
                    Setting::Type(given.clone())
                });
            problems.push(setting, format!(
                "`types`: after the renames, `{name}` names two types (or a builder, or a reserved name); choose another name"
            ));
            return;
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
fn dedupe_derives(model: &mut Model, config: &TemplateConfig, problems: &mut Problems) {
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
        let last = |derives: &[&[&str]]| -> HashSet<String> {
            derives
                .iter()
                .filter_map(|path| path.last().map(|s| (*s).to_owned()))
                .collect()
        };
        let mut seen: HashSet<String> = if enums.contains(name) {
            last(&enum_derives(true))
        } else {
            let seen = last(&struct_derives(all_optional.contains(name), true));
            if let Some(d) = extra
                .derives
                .iter()
                .find(|d| last_segment(d) == "Deserialize")
            {
                problems.push(derive_setting(config, name, "Deserialize"), format!(
                    "`{}` on `{name}`: generated structs implement `Deserialize` themselves (strictly, as the server reads the data); drop the derive",
                    quote::quote!(#d)
                ));
            }
            seen
        };
        extra.derives.retain(|d| seen.insert(last_segment(d)));
    });
}

/// Which of the checked derives each type ends up with, and whether the fields allow them.
fn check_derives(model: &Model, config: &TemplateConfig, problems: &mut Problems) {
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
                        problems.push(derive_setting(config, &s.name, derive), format!(
                            "cannot derive `{derive}` on `{}`: its field `{}` (`{}`) {why}; drop the derive, or replace the field's type (`fields.\"{}\".type`)",
                            s.name, field.name.text, field.path, field.path
                        ));
                        // One field says enough of this derive on this struct.
                        break;
                    }
                }
            }
            has.insert((&s.name, derive), ok);
        }
    }
}

/// Why a field of type `ty` cannot take part in `derive`, if it cannot.
fn lacks(ty: &Ty, derive: &str, has: &HashMap<(&str, &str), bool>) -> Option<String> {
    match ty {
        Ty::Scalar(scalar) if !scalar.has_derive(derive) => Some(if derive == "Default" {
            "is required and has no default value".to_owned()
        } else {
            format!(
                "is {}, which does not implement `{derive}`",
                a_type(scalar.rust.path.last().copied().unwrap_or_default())
            )
        }),
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

/// "an `f64`", "a `Date`": a Rust type's name with its article.
fn a_type(name: &str) -> String {
    let vowel =
        name.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) || name == "f64";
    format!("{} `{name}`", if vowel { "an" } else { "a" })
}

fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, candidates).map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"))
}
