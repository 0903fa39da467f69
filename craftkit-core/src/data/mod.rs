//! The validator of render `data` against a manifest.
//!
//! One validator for the whole project: the local server answers `422 validation_failed` with
//! its violations, and [`Template::validate`](crate::Template::validate) runs it on a typed
//! payload before anything is sent. Every violation carries the data's own path
//! (`areas[1].condition`) and one of the API's codes.

mod check;

use std::fmt;

pub use check::kind as json_kind;

use serde_json::Value;

use crate::manifest::{Field, Tree};

/// A problem with one value of the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where the value is, in the data's own shape: `areas[1].condition`; empty for the root.
    pub path: String,
    /// What kind of problem it is.
    pub code: Code,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(data)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} [{}]", self.message, self.code)
    }
}

/// The API's validation codes (`details[].code` of a `422`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// A required variable is missing or null.
    Required,
    /// The value has the wrong JSON type.
    Type,
    /// Not one of the enum's values.
    Enum,
    /// Not a valid `date` or `datetime`.
    Format,
    /// Not an `https://` URL or a data URI of an accepted image type, or over 10 MiB.
    Image,
    /// Below `minimum`.
    Min,
    /// Above `maximum`.
    Max,
    /// A string shorter than `minLength` or longer than `maxLength`.
    Length,
    /// An array with fewer than `minItems` or more than `maxItems` items.
    Items,
}

impl Code {
    /// The code as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Required => "required",
            Code::Type => "type",
            Code::Enum => "enum",
            Code::Format => "format",
            Code::Image => "image",
            Code::Min => "min",
            Code::Max => "max",
            Code::Length => "length",
            Code::Items => "items",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of validating data against a manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every violation, in manifest order.
    pub violations: Vec<Violation>,
    /// The paths of keys the manifest does not know: not an error, a render warning.
    pub unknown_keys: Vec<String>,
}

impl Report {
    /// Whether the data has no violations (unknown keys are allowed).
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Validates `data` against the manifest folded into `tree`.
///
/// ```
/// use craftkit_core::{data, manifest::Manifest};
/// use serde_json::json;
///
/// let manifest = Manifest::from_json(r#"{"slug": "t", "version": 1, "pipeline": "html",
///     "variables": [{"path": "areas[].condition", "type": "enum", "values": ["ok", "worn"], "required": true}]}"#)?;
/// let report = data::validate(&manifest.tree()?, &json!({"areas": [{"condition": "ok"}, {"condition": "bad"}]}));
/// assert_eq!(report.violations[0].path, "areas[1].condition");
/// assert_eq!(report.violations[0].code, data::Code::Enum);
/// # Ok::<(), craftkit_core::manifest::ManifestError>(())
/// ```
pub fn validate(tree: &Tree, data: &Value) -> Report {
    let mut report = Report::default();
    check::root(tree.root(), data, &mut report);
    report
}

/// The violations of one value of `field` (an example, say), with paths relative to the field.
pub(crate) fn check_field_value(field: &Field, value: &Value) -> Vec<Violation> {
    let mut report = Report::default();
    check::node(&field.node, value, &mut field.key.clone(), &mut report);
    report.violations
}
