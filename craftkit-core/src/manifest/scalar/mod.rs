//! The manifest's scalar types in one table: for each, its name, its JSON value, the bounds
//! and format the validator checks, its JSON Schema, and the Rust type the generator writes
//! with what that type supports. The validator, the rules, the generator, the JSON Schema and
//! the docs read this table instead of matching on [`VarType`] each on their own, so a new
//! scalar type is a row here (and its variant of [`VarType`]).
//!
//! `enum` is not in the table (its values make a type per variable), nor are `object`,
//! `array` and types this version does not know.
//!
//! ```
//! use craftkit_core::manifest::{JsonKind, ScalarType, VarType};
//!
//! let number = ScalarType::of(&VarType::Number).unwrap();
//! assert_eq!(number.name, "number");
//! assert_eq!(number.json, JsonKind::Number);
//! assert_eq!(number.rust.path, ["std", "primitive", "f64"]);
//! assert!(ScalarType::of(&VarType::Enum).is_none());
//! ```

mod patterns;

use super::types::VarType;
use crate::data::Code;
use crate::value::{Date, DateTime, Image};

/// One scalar type of the manifest and what every stage needs to know of it.
#[derive(Debug)]
#[non_exhaustive]
pub struct ScalarType {
    /// The type's variant.
    pub var_type: VarType,
    /// The name the manifest writes: `string`, `datetime`.
    pub name: &'static str,
    /// The JSON value the server takes.
    pub json: JsonKind,
    /// What a value of another JSON type was expected to be, in the validator's `type`
    /// error (`expected a string, got a number`).
    pub expected: &'static str,
    /// The bounds a variable of this type may declare.
    pub bounds: Bounds,
    /// The JSON Schema `format` of a value (`date-time`), if any.
    pub schema_format: Option<&'static str>,
    /// The JSON Schema `pattern` of a value: what the server's parser accepts.
    pub schema_pattern: Option<fn() -> &'static str>,
    /// A value for made-up examples (docs, sample payloads).
    pub example: Example,
    /// The Rust type the generated code uses.
    pub rust: RustType,
    /// What a string must be beyond a string: `Err((code, message))` names the problem.
    pub(crate) format: Option<FormatCheck>,
}

/// A check of a string's format: `Err((code, message))` names the problem.
type FormatCheck = fn(&str) -> Result<(), (Code, String)>;

/// The JSON value of a scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonKind {
    /// A JSON string.
    String,
    /// Any JSON number.
    Number,
    /// A JSON number without a fraction, in the `i64` range.
    Integer,
    /// `true` or `false`.
    Boolean,
}

impl JsonKind {
    /// The JSON Schema `type`: `string`, `number`, `integer` or `boolean`.
    pub fn schema_type(self) -> &'static str {
        match self {
            JsonKind::String => "string",
            JsonKind::Number => "number",
            JsonKind::Integer => "integer",
            JsonKind::Boolean => "boolean",
        }
    }
}

/// The bounds a variable of a scalar type may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Bounds {
    /// None.
    None,
    /// `minLength` and `maxLength`, in Unicode scalar values.
    Length,
    /// `minimum` and `maximum`.
    Range,
}

impl Bounds {
    /// The types that take these bounds, for a message: "`string` and `text`".
    pub fn types_text(self) -> String {
        let names: Vec<String> = SCALAR_TYPES
            .iter()
            .filter(|t| t.bounds == self)
            .map(|t| format!("`{}`", t.name))
            .collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    }
}

/// A made-up value of a scalar type, for docs and sample payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Example {
    /// This string.
    String(&'static str),
    /// A number within the variable's bounds (an integer for [`JsonKind::Integer`]).
    Number,
    /// This boolean.
    Boolean(bool),
}

/// The Rust type generated code writes for a scalar type, and what it supports.
#[derive(Debug)]
#[non_exhaustive]
pub struct RustType {
    /// The absolute path, without the leading `::`: `["std", "string", "String"]`,
    /// `["craftkit_runtime", "Date"]`.
    pub path: &'static [&'static str],
    /// How a docs example writes a value as a Rust expression.
    pub literal: Literal,
    /// The runtime's serializer for the field, when serde's own is not the server's form:
    /// `f64` for `craftkit_runtime::__private::serialize_f64` (and its `option_`, `vec_` and
    /// `option_vec_` forms, where serde's derive writes `Serialize`), and for the methods
    /// `StructFields::required_f64` (`optional_`, `required_vec_`, `optional_vec_`) where the
    /// generator writes it.
    pub serialize_with: Option<&'static str>,
    /// What the JSON value is checked to be before a type that replaces this one (an
    /// override) reads it; `None` leaves it to that type.
    pub replaced_check: Option<JsonKind>,
    /// Of the derives that overrides check (`Eq`, `Hash`, `Default`), those the type has.
    pub derives: &'static [&'static str],
}

impl RustType {
    /// Whether the type lives in `craftkit_runtime` (and not in `std`).
    pub fn is_runtime(&self) -> bool {
        self.path.first() == Some(&"craftkit_runtime")
    }
}

/// How a docs example writes a value as a Rust expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Literal {
    /// `"text".into()`.
    Into,
    /// An `f64` literal.
    Float,
    /// An integer literal.
    Integer,
    /// `true` or `false`.
    Bool,
    /// `Type::parse("text").unwrap()`.
    Parse,
}

const STRING_PATH: &[&str] = &["std", "string", "String"];
const ALL_CHECKED: &[&str] = &["Eq", "Hash", "Default"];
/// Types with no default value: a required field of one cannot be `Default`.
const NO_DEFAULT: &[&str] = &["Eq", "Hash"];

/// A `String` in Rust with `minLength`/`maxLength`: `string` and `text`.
const fn text(var_type: VarType, name: &'static str, example: &'static str) -> ScalarType {
    ScalarType {
        var_type,
        name,
        json: JsonKind::String,
        expected: "a string",
        bounds: Bounds::Length,
        schema_format: None,
        schema_pattern: None,
        example: Example::String(example),
        rust: RustType {
            path: STRING_PATH,
            literal: Literal::Into,
            serialize_with: None,
            replaced_check: Some(JsonKind::String),
            derives: ALL_CHECKED,
        },
        format: None,
    }
}

/// An image or a signature: an `https://` URL or a data URI.
const fn image(var_type: VarType, name: &'static str, path: &'static [&'static str]) -> ScalarType {
    ScalarType {
        var_type,
        name,
        json: JsonKind::String,
        expected: "an https:// URL or a data: URI",
        bounds: Bounds::None,
        schema_format: None,
        schema_pattern: Some(|| patterns::IMAGE_PATTERN.as_str()),
        example: Example::String(PNG_DATA_URI),
        rust: RustType {
            path,
            literal: Literal::Parse,
            serialize_with: None,
            replaced_check: None,
            derives: NO_DEFAULT,
        },
        format: Some(|s| Image::validate(s).map_err(|e| (Code::Image, e.to_string()))),
    }
}

/// A 1x1 PNG as a data URI: the example of `image` and `signature`.
const PNG_DATA_URI: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// Every scalar type, in the order of the spec.
pub static SCALAR_TYPES: [ScalarType; 9] = [
    text(VarType::String, "string", "Example"),
    text(VarType::Text, "text", "Example text."),
    ScalarType {
        var_type: VarType::Number,
        name: "number",
        json: JsonKind::Number,
        expected: "a number",
        bounds: Bounds::Range,
        schema_format: None,
        schema_pattern: None,
        example: Example::Number,
        rust: RustType {
            path: &["std", "primitive", "f64"],
            literal: Literal::Float,
            serialize_with: Some("f64"),
            replaced_check: Some(JsonKind::Number),
            derives: &["Default"],
        },
        format: None,
    },
    ScalarType {
        var_type: VarType::Integer,
        name: "integer",
        json: JsonKind::Integer,
        expected: "an integer",
        bounds: Bounds::Range,
        schema_format: None,
        schema_pattern: None,
        example: Example::Number,
        rust: RustType {
            path: &["std", "primitive", "i64"],
            literal: Literal::Integer,
            serialize_with: None,
            replaced_check: Some(JsonKind::Integer),
            derives: ALL_CHECKED,
        },
        format: None,
    },
    ScalarType {
        var_type: VarType::Boolean,
        name: "boolean",
        json: JsonKind::Boolean,
        expected: "true or false",
        bounds: Bounds::None,
        schema_format: None,
        schema_pattern: None,
        example: Example::Boolean(true),
        rust: RustType {
            path: &["std", "primitive", "bool"],
            literal: Literal::Bool,
            serialize_with: None,
            replaced_check: Some(JsonKind::Boolean),
            derives: ALL_CHECKED,
        },
        format: None,
    },
    ScalarType {
        var_type: VarType::Date,
        name: "date",
        json: JsonKind::String,
        expected: "a date string (YYYY-MM-DD)",
        bounds: Bounds::None,
        schema_format: Some("date"),
        schema_pattern: Some(|| patterns::DATE_PATTERN.as_str()),
        example: Example::String("2026-01-01"),
        rust: RustType {
            path: &["craftkit_runtime", "Date"],
            literal: Literal::Parse,
            serialize_with: None,
            replaced_check: Some(JsonKind::String),
            derives: NO_DEFAULT,
        },
        format: Some(|s| match Date::parse(s) {
            Ok(_) => Ok(()),
            Err(_) => Err((
                Code::Format,
                format!("expected a date as YYYY-MM-DD, got {}", quote(s)),
            )),
        }),
    },
    ScalarType {
        var_type: VarType::DateTime,
        name: "datetime",
        json: JsonKind::String,
        expected: "a date-time string",
        bounds: Bounds::None,
        schema_format: Some("date-time"),
        schema_pattern: Some(|| patterns::DATETIME_PATTERN.as_str()),
        example: Example::String("2026-01-01T00:00:00Z"),
        rust: RustType {
            path: &["craftkit_runtime", "DateTime"],
            literal: Literal::Parse,
            serialize_with: None,
            replaced_check: Some(JsonKind::String),
            derives: NO_DEFAULT,
        },
        format: Some(|s| match DateTime::parse(s) {
            Ok(_) => Ok(()),
            Err(_) => Err((
                Code::Format,
                format!(
                    "expected an RFC 3339 date-time with an offset (2026-06-14T15:00:00+02:00), got {}",
                    quote(s)
                ),
            )),
        }),
    },
    image(VarType::Image, "image", &["craftkit_runtime", "Image"]),
    image(
        VarType::Signature,
        "signature",
        &["craftkit_runtime", "Signature"],
    ),
];

impl ScalarType {
    /// The row of `ty`; `None` for `enum`, `object`, `array` and unknown types.
    pub fn of(ty: &VarType) -> Option<&'static ScalarType> {
        SCALAR_TYPES.iter().find(|t| t.var_type == *ty)
    }

    /// The row the manifest calls `name`.
    pub fn named(name: &str) -> Option<&'static ScalarType> {
        SCALAR_TYPES.iter().find(|t| t.name == name)
    }

    /// Whether this type's Rust type has `derive` (one of `Eq`, `Hash`, `Default`).
    pub fn has_derive(&self, derive: &str) -> bool {
        self.rust.derives.contains(&derive)
    }

    /// Checks a string value's format (a real date, a valid image): `Err((code, message))`.
    pub(crate) fn check_format(&self, s: &str) -> Result<(), (Code, String)> {
        self.format.map_or(Ok(()), |check| check(s))
    }
}

impl PartialEq for ScalarType {
    fn eq(&self, other: &ScalarType) -> bool {
        self.var_type == other.var_type
    }
}

/// A string quoted for a message, cut short so a 10 MiB value never lands in a log.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
        None => format!("{s:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every scalar variant of `VarType` has its row, found by variant and by name, and the
    /// names round-trip through `VarType`.
    #[test]
    fn every_scalar_variant_has_one_row() {
        let scalars = [
            VarType::String,
            VarType::Text,
            VarType::Number,
            VarType::Integer,
            VarType::Boolean,
            VarType::Date,
            VarType::DateTime,
            VarType::Image,
            VarType::Signature,
        ];
        assert_eq!(scalars.len(), SCALAR_TYPES.len());
        for ty in &scalars {
            let row = ScalarType::of(ty).unwrap();
            assert_eq!(ScalarType::named(row.name), Some(row));
            assert_eq!(VarType::from_name(row.name), *ty);
            assert_eq!(ty.as_str(), row.name);
        }
        for ty in [VarType::Enum, VarType::Object, VarType::Array] {
            assert!(ScalarType::of(&ty).is_none());
            assert_eq!(VarType::from_name(ty.as_str()), ty);
        }
    }

    #[test]
    fn bound_wording_lists_the_types() {
        assert_eq!(Bounds::Length.types_text(), "`string` and `text`");
        assert_eq!(Bounds::Range.types_text(), "`number` and `integer`");
    }

    #[test]
    fn formats_are_checked() {
        let date = ScalarType::of(&VarType::Date).unwrap();
        assert!(date.check_format("2024-02-29").is_ok());
        assert_eq!(date.check_format("2023-02-29").unwrap_err().0, Code::Format);
        let image = ScalarType::of(&VarType::Image).unwrap();
        assert_eq!(image.check_format("http://a").unwrap_err().0, Code::Image);
    }
}
