//! The manifest document as data: what the JSON says, with unknown fields dropped.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};

use super::error::ManifestError;
use super::scalar::ScalarType;
use super::tree::Tree;
use super::{compat, fingerprint};

/// A template's manifest, as `GET /v1/templates/:slug` answers it.
///
/// The fields are plain data. A value made by [`Manifest::from_json`], [`Manifest::from_value`]
/// or serde's `Deserialize` has passed every rule of the spec; one built by hand can be checked
/// with [`Manifest::validate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The template's slug: `^[a-z0-9][a-z0-9-]{0,63}$`.
    pub slug: String,
    /// The template's human name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the template is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The published version, from 1 (0 only on a draft).
    pub version: u64,
    /// `published` or `draft`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The render pipeline, which decides what the template may bind.
    pub pipeline: Pipeline,
    /// When the template was last changed (RFC 3339), as the API said it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// The variables, in the order the template's author sees them.
    pub variables: Vec<Variable>,
}

/// One bound variable of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    /// Where the value sits in the render's `data`: `booking.code`, `areas[].name`.
    pub path: String,
    /// The variable's type.
    #[serde(rename = "type")]
    pub ty: VarType,
    /// A required variable must be present and not null.
    pub required: bool,
    /// Shown in generated docs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A value of the variable's type, for docs and examples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// The allowed strings of an `enum`, or of an `array` whose `items` is `enum`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// The item type of an `array` whose items are not objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<VarType>,
    /// Least length of a `string`/`text`, in Unicode scalar values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// Greatest length of a `string`/`text`, in Unicode scalar values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Least value of a `number`/`integer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Number>,
    /// Greatest value of a `number`/`integer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<Number>,
    /// Least number of items of an `array`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Greatest number of items of an `array`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// A hint for a `string` (`email`, `uri`, `phone`): documentation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl Variable {
    /// A variable with this path and type and nothing else set.
    pub fn new(path: impl Into<String>, ty: VarType) -> Variable {
        Variable {
            path: path.into(),
            ty,
            required: false,
            description: None,
            example: None,
            values: None,
            items: None,
            min_length: None,
            max_length: None,
            minimum: None,
            maximum: None,
            min_items: None,
            max_items: None,
            format: None,
        }
    }
}

/// A template's publication state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Published: renders use it.
    Published,
    /// A draft: not rendered until published.
    Draft,
}

/// The render pipeline of a template; each binds a different set of types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Pipeline {
    /// HTML templates: everything.
    #[serde(rename = "html")]
    Html,
    /// Word templates: arrays one level deep, images.
    #[serde(rename = "docx")]
    Docx,
    /// Fillable PDF forms: scalars and signatures only.
    #[serde(rename = "pdf-form")]
    PdfForm,
}

impl Pipeline {
    /// Every pipeline, in a stable order.
    pub const ALL: [Pipeline; 3] = [Pipeline::Html, Pipeline::Docx, Pipeline::PdfForm];

    /// The name the API uses: `html`, `docx` or `pdf-form`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pipeline::Html => "html",
            Pipeline::Docx => "docx",
            Pipeline::PdfForm => "pdf-form",
        }
    }

    /// The pipeline the API calls `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Pipeline> {
        Pipeline::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The type of a variable, or of an array's items. What each scalar type is and how every
/// stage treats it is its row in [`SCALAR_TYPES`](super::SCALAR_TYPES).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VarType {
    /// A one-line string.
    String,
    /// A multi-line string.
    Text,
    /// Any JSON number.
    Number,
    /// An integer in the i64 range.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339 with an offset.
    DateTime,
    /// One of the variable's `values`.
    Enum,
    /// An `https://` URL or an image data URI.
    Image,
    /// As `Image`: a drawn signature.
    Signature,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// A type this version does not know (the API may add types); its values are kept as JSON.
    Unknown(String),
}

impl VarType {
    /// The name the manifest uses for this type (a scalar's from [`SCALAR_TYPES`](super::SCALAR_TYPES)).
    pub fn as_str(&self) -> &str {
        match self {
            VarType::Enum => "enum",
            VarType::Object => "object",
            VarType::Array => "array",
            VarType::Unknown(name) => name,
            scalar => ScalarType::of(scalar).map_or("", |t| t.name),
        }
    }

    /// The type the manifest calls `name`; an unknown name is kept as [`VarType::Unknown`].
    pub fn from_name(name: &str) -> VarType {
        match name {
            "enum" => VarType::Enum,
            "object" => VarType::Object,
            "array" => VarType::Array,
            other => ScalarType::named(other).map_or_else(
                || VarType::Unknown(other.to_owned()),
                |t| t.var_type.clone(),
            ),
        }
    }

    /// The row of this type in the table of scalar types; `None` for `enum`, `object`,
    /// `array` and unknown types.
    pub fn scalar(&self) -> Option<&'static ScalarType> {
        ScalarType::of(self)
    }

    /// Whether a value of this type is a single JSON value rather than an object or array.
    pub fn is_scalar(&self) -> bool {
        !matches!(self, VarType::Object | VarType::Array)
    }
}

impl std::fmt::Display for VarType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for VarType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Something in a valid manifest that deserves attention but does not stop generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The variable path it concerns.
    pub path: String,
    /// What to know, in a sentence.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "variable `{}`: {}", self.path, self.message)
    }
}

impl Manifest {
    /// Parses a manifest from JSON text and checks every rule of the spec.
    ///
    /// Text that is not JSON gives [`ManifestError::Syntax`] with its line and column; a JSON
    /// document that breaks rules gives [`ManifestError::Invalid`] listing every problem.
    pub fn from_json(text: &str) -> Result<Manifest, ManifestError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ManifestError::syntax(e, text))?;
        Manifest::from_value(&value)
    }

    /// Parses a manifest from a JSON value and checks every rule of the spec.
    pub fn from_value(value: &Value) -> Result<Manifest, ManifestError> {
        Tree::from_value(value).map(Tree::into_manifest)
    }

    /// Checks every rule of the spec, reporting all problems at once.
    pub fn validate(&self) -> Result<(), ManifestError> {
        self.tree().map(drop)
    }

    /// Folds the flat list of variables into a tree of objects, arrays and scalars, checking
    /// every rule on the way.
    pub fn tree(&self) -> Result<Tree, ManifestError> {
        Tree::build(self)
    }

    /// Things a generator should tell the user about this manifest: variables of a type this
    /// version does not know.
    pub fn warnings(&self) -> Vec<Warning> {
        self.variables
            .iter()
            .filter_map(|v| {
                let unknown = match (&v.ty, &v.items) {
                    (VarType::Unknown(name), _) | (VarType::Array, Some(VarType::Unknown(name))) => name,
                    _ => return None,
                };
                Some(Warning {
                    path: v.path.clone(),
                    message: format!(
                        "type `{unknown}` is not known to this version of craftkit; its value is kept as raw JSON (upgrade craftkit for a typed field)"
                    ),
                })
            })
            .collect()
    }

    /// The canonical fingerprint: lowercase hex SHA-256 over the binding parts (slug, version,
    /// pipeline, variables) in a canonical JSON form, so key order and white space never change
    /// it. It is the `ETag` of `GET /v1/templates/:slug`.
    pub fn fingerprint(&self) -> String {
        fingerprint::fingerprint(self)
    }

    /// This manifest as compact JSON with every known field (unknown ones are dropped).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .expect("a manifest always serializes: its maps have string keys")
    }

    /// Compares this manifest (the one code was generated from) with `live` (the published
    /// one) by the spec's compatibility rules.
    pub fn compare(&self, live: &Manifest) -> Result<Compatibility, ManifestError> {
        compat::compare(self, live)
    }
}

use super::compat::Compatibility;

impl<'de> Deserialize<'de> for Manifest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Manifest, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Manifest::from_value(&value).map_err(serde::de::Error::custom)
    }
}
