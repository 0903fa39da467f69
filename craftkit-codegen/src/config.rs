//! Overrides of the generated code: `.craftkit/config.toml`, the same settings as
//! [`Builder`](crate::Builder) setters, and as arguments of `#[craftkit_template(...)]`.
//!
//! One file beside the manifest cache (`.craftkit/config.toml` next to
//! `.craftkit/manifests/`) is read by all three front ends, and the compiler tracks it as it
//! tracks a manifest (the macro `include_bytes!`es it, the Builder prints
//! `cargo:rerun-if-changed`):
//!
//! ```toml
//! # Every template: added to every generated struct and enum.
//! derives = ["Eq", "Hash"]
//! attributes = ['#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]']
//!
//! # Every template: a manifest type's Rust type, for a type whose serde form is the JSON the
//! # template takes (`chrono::NaiveDate` is "2026-06-14", as `date` is).
//! [replace]
//! date = "chrono::NaiveDate"
//!
//! # One template, by slug: the same keys, and its types and fields.
//! [template.invoice]
//! derives = ["utoipa::ToSchema"]
//!
//! # One generated type, by its Rust name, or by the JSON path of the variable that holds it
//! # (`types."lines[]"`): a path names the same type in every version of the template, where
//! # a generated name can change when a new type collides with it (`cargo craftkit check`
//! # says so, and suggests the pin by path).
//! [template.invoice.types.Line]
//! derives = ["PartialOrd"]
//! rename = "InvoiceLine"
//!
//! # One variable, by its JSON path: its Rust type (and the serde `with` module for it, for a
//! # type whose own serde form is not the template's JSON), its field name, its attributes.
//! [template.invoice.fields."lines[].amount"]
//! type = "rust_decimal::Decimal"
//! with = "rust_decimal::serde::float"
//! rename = "amount_eur"
//! ```
//!
//! Settings add up from the outside in: the file's top level, its `[template.<slug>]`, then
//! what the Builder or the macro's arguments say (lists are appended, a `type`, `with` or
//! `rename` given again replaces the earlier one). Every name is checked: a slug, type, path
//! or manifest type that does not exist is an error that names it and the closest existing
//! one, and a derive that cannot apply (`Eq` on a struct with an `f64` field) is an error that
//! names both. Every problem is reported, not only the first; one that this file caused is
//! shown at its place, as a compiler shows an error (`.craftkit/config.toml:7:26: ...`, the
//! line quoted, a caret under the key: [`LoadedConfig::locate`](crate::LoadedConfig::locate)),
//! and so is a file that is not TOML or has an unknown key ([`Position`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;

/// The file name of the configuration, beside the manifest cache directory.
pub const CONFIG_FILE: &str = "config.toml";

pub use crate::config_span::Position;

/// The whole configuration file: settings for every template, and per template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Derives added to every generated struct and enum of every template (`"Hash"`,
    /// `"schemars::JsonSchema"`).
    #[serde(default)]
    pub derives: Vec<String>,
    /// Outer attributes added to every generated struct and enum (`'#[serde(deny_unknown_fields)]'`).
    #[serde(default)]
    pub attributes: Vec<String>,
    /// A manifest type (`date`, `number`...) to the Rust type of every variable of that type.
    #[serde(default)]
    pub replace: BTreeMap<String, String>,
    /// Settings of one template, by slug.
    #[serde(default)]
    pub template: BTreeMap<String, TemplateConfig>,
}

/// The settings of one template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TemplateConfig {
    /// Derives added to every generated struct and enum of the template.
    #[serde(default)]
    pub derives: Vec<String>,
    /// Outer attributes added to every generated struct and enum of the template.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// A manifest type to the Rust type of every variable of that type in this template.
    #[serde(default)]
    pub replace: BTreeMap<String, String>,
    /// One generated struct or enum, by its Rust name (before any rename, or after it), or by
    /// the JSON path of the variable that holds it (`lines[]`, `areas[].condition`).
    #[serde(default)]
    pub types: BTreeMap<String, TypeConfig>,
    /// One variable, by its JSON path (`lines[].amount`).
    #[serde(default)]
    pub fields: BTreeMap<String, FieldConfig>,
}

/// The settings of one generated type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TypeConfig {
    /// Derives added to this type.
    #[serde(default)]
    pub derives: Vec<String>,
    /// Outer attributes added to this type.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// The type's Rust name instead of the generated one (UpperCamelCase). Not for the root
    /// type, which the struct under the macro (or the Builder's root name) names.
    pub rename: Option<String>,
}

/// The settings of one variable's field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FieldConfig {
    /// The field's Rust type instead of the generated one: any type that serializes to JSON
    /// the template accepts (`validate()` still checks that JSON). For an array, the type of
    /// the whole array field's items is replaced: `Vec<T>` becomes `Vec<type>`.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// A serde `with` module for the field, as `#[serde(with = "...")]` would take it: it
    /// serializes and deserializes the field's type as written (`Option<T>` for an optional
    /// field: `rust_decimal::serde::float_option`).
    pub with: Option<String>,
    /// The field's Rust name instead of the generated one (snake_case); the JSON key stays.
    pub rename: Option<String>,
    /// Outer attributes added to the field.
    #[serde(default)]
    pub attributes: Vec<String>,
}

impl Config {
    /// The empty configuration, to fill with the methods below.
    pub fn new() -> Config {
        Config::default()
    }

    /// Adds a derive to every generated type of every template.
    pub fn derive(mut self, path: impl Into<String>) -> Config {
        self.derives.push(path.into());
        self
    }

    /// Adds an outer attribute (`"#[...]"`) to every generated type of every template.
    pub fn attribute(mut self, attribute: impl Into<String>) -> Config {
        self.attributes.push(attribute.into());
        self
    }

    /// Replaces the Rust type of every variable of a manifest type (`"date"`).
    pub fn replace(
        mut self,
        manifest_type: impl Into<String>,
        rust_type: impl Into<String>,
    ) -> Config {
        self.replace.insert(manifest_type.into(), rust_type.into());
        self
    }

    /// Adds settings of one template.
    pub fn template(mut self, slug: impl Into<String>, config: TemplateConfig) -> Config {
        self.template.entry(slug.into()).or_default().merge(config);
        self
    }

    /// Parses the TOML text of a configuration file; `path` names it in errors, which give
    /// the line and column of the problem and quote its line.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, Error> {
        toml::from_str(text).map_err(|error| {
            let message = error.message().trim_end().to_owned();
            match error.span() {
                Some(span) => {
                    let (at, quoted) = crate::config_span::snippet(text, span);
                    Error::ConfigFile {
                        path: path.to_owned(),
                        position: Some(at),
                        message: format!("{message}{quoted}"),
                    }
                }
                None => Error::ConfigFile {
                    path: path.to_owned(),
                    position: None,
                    message,
                },
            }
        })
    }

    /// Reads `path`; a file that does not exist is the empty configuration.
    pub fn read(path: &Path) -> Result<Config, Error> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::from_toml(&text, path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(Error::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// The settings that apply to the template `slug`: the top level's, then its own.
    pub fn for_template(&self, slug: &str) -> TemplateConfig {
        let mut merged = TemplateConfig {
            derives: self.derives.clone(),
            attributes: self.attributes.clone(),
            replace: self.replace.clone(),
            ..TemplateConfig::default()
        };
        if let Some(own) = self.template.get(slug) {
            merged.merge(own.clone());
        }
        merged
    }

    /// Adds `other` on top of this configuration (lists appended, names replaced).
    pub fn merge(&mut self, other: Config) {
        self.derives.extend(other.derives);
        self.attributes.extend(other.attributes);
        self.replace.extend(other.replace);
        for (slug, template) in other.template {
            self.template.entry(slug).or_default().merge(template);
        }
    }

    /// Whether nothing is configured.
    pub fn is_empty(&self) -> bool {
        *self == Config::default()
    }
}

impl TemplateConfig {
    /// No settings, to fill with the methods below.
    pub fn new() -> TemplateConfig {
        TemplateConfig::default()
    }

    /// Adds a derive to every generated type of the template.
    pub fn derive(mut self, path: impl Into<String>) -> TemplateConfig {
        self.derives.push(path.into());
        self
    }

    /// Adds an outer attribute to every generated type of the template.
    pub fn attribute(mut self, attribute: impl Into<String>) -> TemplateConfig {
        self.attributes.push(attribute.into());
        self
    }

    /// Replaces the Rust type of every variable of a manifest type in the template.
    pub fn replace(
        mut self,
        manifest_type: impl Into<String>,
        rust_type: impl Into<String>,
    ) -> TemplateConfig {
        self.replace.insert(manifest_type.into(), rust_type.into());
        self
    }

    /// Adds settings of one generated type, by its Rust name.
    pub fn ty(self, name: impl Into<String>, config: TypeConfig) -> TemplateConfig {
        let mut one = TemplateConfig::default();
        one.types.insert(name.into(), config);
        let mut merged = self;
        merged.merge(one);
        merged
    }

    /// Adds settings of one variable's field, by its JSON path.
    pub fn field(self, path: impl Into<String>, config: FieldConfig) -> TemplateConfig {
        let mut one = TemplateConfig::default();
        one.fields.insert(path.into(), config);
        let mut merged = self;
        merged.merge(one);
        merged
    }

    /// Adds `other` on top of these settings (lists appended, names replaced).
    pub fn merge(&mut self, other: TemplateConfig) {
        self.derives.extend(other.derives);
        self.attributes.extend(other.attributes);
        self.replace.extend(other.replace);
        for (name, ty) in other.types {
            let entry = self.types.entry(name).or_default();
            entry.derives.extend(ty.derives);
            entry.attributes.extend(ty.attributes);
            if ty.rename.is_some() {
                entry.rename = ty.rename;
            }
        }
        for (path, field) in other.fields {
            let entry = self.fields.entry(path).or_default();
            if field.ty.is_some() {
                entry.ty = field.ty;
            }
            if field.with.is_some() {
                entry.with = field.with;
            }
            if field.rename.is_some() {
                entry.rename = field.rename;
            }
            entry.attributes.extend(field.attributes);
        }
    }

    /// Whether nothing is configured.
    pub fn is_empty(&self) -> bool {
        *self == TemplateConfig::default()
    }
}

impl TypeConfig {
    /// No settings, to fill with the methods below.
    pub fn new() -> TypeConfig {
        TypeConfig::default()
    }

    /// Adds a derive to this type.
    pub fn derive(mut self, path: impl Into<String>) -> TypeConfig {
        self.derives.push(path.into());
        self
    }

    /// Adds an outer attribute to this type.
    pub fn attribute(mut self, attribute: impl Into<String>) -> TypeConfig {
        self.attributes.push(attribute.into());
        self
    }

    /// Renames this type (UpperCamelCase).
    pub fn rename(mut self, name: impl Into<String>) -> TypeConfig {
        self.rename = Some(name.into());
        self
    }
}

impl FieldConfig {
    /// No settings, to fill with the methods below.
    pub fn new() -> FieldConfig {
        FieldConfig::default()
    }

    /// Replaces the field's Rust type (for an array, its items' type).
    pub fn ty(mut self, rust_type: impl Into<String>) -> FieldConfig {
        self.ty = Some(rust_type.into());
        self
    }

    /// A serde `with` module for the field's type as written.
    pub fn with(mut self, module: impl Into<String>) -> FieldConfig {
        self.with = Some(module.into());
        self
    }

    /// Renames the field (snake_case); the JSON key stays.
    pub fn rename(mut self, name: impl Into<String>) -> FieldConfig {
        self.rename = Some(name.into());
        self
    }

    /// Adds an outer attribute to the field.
    pub fn attribute(mut self, attribute: impl Into<String>) -> FieldConfig {
        self.attributes.push(attribute.into());
        self
    }
}

/// The configuration file of a manifest cache directory: `config.toml` in its parent
/// (`.craftkit/config.toml` for `.craftkit/manifests/`).
pub fn config_path(manifest_dir: &Path) -> PathBuf {
    manifest_dir.parent().map_or_else(
        || PathBuf::from(CONFIG_FILE),
        |parent| parent.join(CONFIG_FILE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_file_parses_and_merges_from_the_outside_in() {
        let text = r#"
            derives = ["Eq"]
            [replace]
            date = "chrono::NaiveDate"
            [template.invoice]
            derives = ["Hash"]
            replace = { date = "time::Date" }
            [template.invoice.types.Line]
            rename = "InvoiceLine"
            [template.invoice.fields."lines[].amount"]
            type = "rust_decimal::Decimal"
            with = "rust_decimal::serde::float"
        "#;
        let config = Config::from_toml(text, Path::new("config.toml")).unwrap();
        let invoice = config.for_template("invoice");
        assert_eq!(invoice.derives, ["Eq", "Hash"]);
        assert_eq!(invoice.replace["date"], "time::Date");
        assert_eq!(invoice.types["Line"].rename.as_deref(), Some("InvoiceLine"));
        let amount = &invoice.fields["lines[].amount"];
        assert_eq!(amount.ty.as_deref(), Some("rust_decimal::Decimal"));
        let other = config.for_template("other");
        assert_eq!(other.derives, ["Eq"]);
        assert_eq!(other.replace["date"], "chrono::NaiveDate");
        assert!(other.fields.is_empty());
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_the_file() {
        let error = Config::from_toml("derive = [\"Eq\"]", Path::new(".craftkit/config.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with(".craftkit/config.toml:1:1: "), "{error}");
        assert!(error.contains("unknown field `derive`"), "{error}");
        assert!(
            error.ends_with("1 | derive = [\"Eq\"]\n  | ^^^^^^"),
            "{error}"
        );
    }

    #[test]
    fn a_toml_syntax_error_gives_its_line_and_column() {
        let text = "derives = [\"Eq\"]\n\n[replace]\ndate = chrono\n";
        let error = Config::from_toml(text, Path::new(".craftkit/config.toml")).unwrap_err();
        let Error::ConfigFile { position, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(*position, Some(Position { line: 4, column: 8 }));
        let shown = error.to_string();
        assert!(shown.starts_with(".craftkit/config.toml:4:8: "), "{shown}");
        assert!(
            shown.contains("\n4 | date = chrono\n  |        ^"),
            "{shown}"
        );
    }
}
