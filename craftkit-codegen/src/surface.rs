//! The names user code writes: every Rust name a template's generated code gives to a part of
//! its data (nested types, fields, enum variants, the builders' `build` and `maybe_x`), keyed
//! by the JSON path it stands for, after the overrides.
//!
//! A manifest change that the API calls compatible (a new optional variable, say) can still
//! rename one of them: type names are short where unique, so a new `work.address` turns the
//! existing `Address` (of `home.address`) into `HomeAddress`; a new key `first_name` beside
//! `firstName` turns the field `first_name` into `first_name_camel`. Code that names the old
//! type or field no longer compiles. [`Surface::renamed`] finds those renames, and
//! [`Renamed::pin`] gives the override that keeps the old name.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use craftkit_core::manifest::Tree;

use crate::emit::method_names;
use crate::model::{Model, TypeDef};
use crate::{Error, Options};

/// A part of a template's data that generated code gives a Rust name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Part {
    /// The nested type (struct or enum) of the variable at this JSON path (`home.address`,
    /// `areas[]`).
    Type(String),
    /// The field of the variable at this JSON path.
    Field(String),
    /// The variant of the enum at a JSON path, for one of its values.
    Variant {
        /// The enum variable's JSON path.
        path: String,
        /// The value.
        value: String,
    },
    /// A builder method that is not a field's setter: `build`, or `maybe_x` for the optional
    /// field at a JSON path. Its usual name moves aside (`build_`) when a field takes it.
    Method {
        /// The JSON path of the object (empty for the root), or of the optional field.
        path: String,
        /// The method's usual name (`build`, `maybe_notes`).
        usual: String,
    },
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Type(path) => write!(f, "the type of `{path}`"),
            Part::Field(path) => write!(f, "the field of `{path}`"),
            Part::Variant { path, value } => write!(f, "the variant of `{path}` = {value:?}"),
            Part::Method { path, usual } if path.is_empty() => {
                write!(f, "the root builder's `{usual}`")
            }
            Part::Method { path, usual } => write!(f, "the builder method `{usual}` (`{path}`)"),
        }
    }
}

/// The Rust names of one template's generated code: see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Surface {
    names: BTreeMap<Part, String>,
}

/// A part whose Rust name differs between two versions of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    /// What is renamed.
    pub part: Part,
    /// Its name in the older version, which user code may use.
    pub old: String,
    /// Its name in the newer version.
    pub new: String,
}

impl fmt::Display for Renamed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is renamed `{}` -> `{}`",
            self.part, self.old, self.new
        )
    }
}

impl Renamed {
    /// The override in `.craftkit/config.toml` that keeps the old name for template `slug`,
    /// when there is one (types and fields; a variant's or a method's name cannot be pinned).
    /// When a new part took the old name (a new key `first_name` beside `firstName`), that
    /// part needs a name of its own too: generation refuses two fields of one name, saying so.
    pub fn pin(&self, slug: &str) -> Option<String> {
        match &self.part {
            // By the JSON path, which names the type in both versions.
            Part::Type(path) => Some(format!(
                "[template.{slug}.types.{path:?}]\nrename = {:?}",
                self.old
            )),
            Part::Field(path) => Some(format!(
                "[template.{slug}.fields.{path:?}]\nrename = {:?}",
                self.old
            )),
            Part::Variant { .. } | Part::Method { .. } => None,
        }
    }
}

impl Surface {
    /// The Rust name of `part`, if the template has it.
    pub fn name(&self, part: &Part) -> Option<&str> {
        self.names.get(part).map(String::as_str)
    }

    /// Every part and its name, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Part, &str)> {
        self.names.iter().map(|(part, name)| (part, name.as_str()))
    }

    /// The parts of `self` that `newer` names differently. Parts that `newer` lacks are not
    /// listed: removing a variable is a breaking change of the manifest already
    /// (`Manifest::compare`).
    pub fn renamed(&self, newer: &Surface) -> Vec<Renamed> {
        self.names
            .iter()
            .filter_map(|(part, old)| {
                let new = newer.names.get(part)?;
                (new != old).then(|| Renamed {
                    part: part.clone(),
                    old: old.clone(),
                    new: new.clone(),
                })
            })
            .collect()
    }

    fn from_model(model: &Model) -> Surface {
        let enums: HashMap<&str, _> = model
            .types
            .iter()
            .filter_map(|def| match def {
                TypeDef::Enum(e) => Some((e.name.as_str(), e)),
                TypeDef::Struct(_) => None,
            })
            .collect();
        // A struct's JSON path is the path of the field that holds it; the root's is empty.
        let mut paths: HashMap<&str, &str> = HashMap::new();
        for s in model.structs() {
            for f in &s.fields {
                if let Some(name) = f.ty.type_name() {
                    paths.insert(name, &f.path);
                }
            }
        }
        let mut names = BTreeMap::new();
        for s in model.structs() {
            let path = paths.get(s.name.as_str()).copied().unwrap_or("");
            let methods = method_names(s);
            names.insert(
                Part::Method {
                    path: path.to_owned(),
                    usual: "build".to_owned(),
                },
                methods.build,
            );
            for (f, maybe) in s.fields.iter().zip(methods.maybe) {
                names.insert(Part::Field(f.path.clone()), f.name.text.clone());
                if let Some(maybe) = maybe {
                    names.insert(
                        Part::Method {
                            path: f.path.clone(),
                            usual: format!("maybe_{}", f.name.plain().trim_start_matches('_')),
                        },
                        maybe,
                    );
                }
                let Some(ty) = f.ty.type_name() else { continue };
                names.insert(Part::Type(f.path.clone()), ty.clone());
                if let Some(e) = enums.get(ty.as_str()) {
                    for v in &e.variants {
                        let part = Part::Variant {
                            path: f.path.clone(),
                            value: v.value.clone(),
                        };
                        names.insert(part, v.name.text.clone());
                    }
                }
            }
        }
        Surface { names }
    }
}

/// The Rust names that [`generate`](crate::generate) with `options` gives
/// the parts of `tree`'s data. Fails as generation does (an override that does not apply, a
/// root name that is not an identifier).
///
/// ```
/// use craftkit_codegen::surface::{Part, surface};
/// use craftkit_codegen::Options;
/// use craftkit_core::manifest::Tree;
///
/// let v1 = Tree::from_json(r#"{"slug": "card", "version": 1, "pipeline": "html", "variables": [
///     {"path": "home.address.city", "type": "string"}]}"#)?;
/// let v2 = Tree::from_json(r#"{"slug": "card", "version": 2, "pipeline": "html", "variables": [
///     {"path": "home.address.city", "type": "string"},
///     {"path": "work.address.city", "type": "string"}]}"#)?;
/// let (v1, v2) = (surface(&v1, &Options::default())?, surface(&v2, &Options::default())?);
/// assert_eq!(v1.name(&Part::Type("home.address".into())), Some("Address"));
/// let renamed = v1.renamed(&v2);
/// assert_eq!(renamed[0].to_string(), "the type of `home.address` is renamed `Address` -> `HomeAddress`");
/// assert_eq!(renamed[0].pin("card").unwrap(), "[template.card.types.\"home.address\"]\nrename = \"Address\"");
/// # Ok::<(), craftkit_codegen::Error>(())
/// ```
pub fn surface(tree: &Tree, options: &Options) -> Result<Surface, Error> {
    let (model, _) =
        crate::model_with_overrides(tree, options.root_name.as_deref(), &options.overrides)?;
    Ok(Surface::from_model(&model))
}
