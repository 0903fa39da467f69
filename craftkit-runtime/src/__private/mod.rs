//! Helpers for generated code only: not a public API, may change in any release.

mod kind;
mod object;
mod serialize;

pub use kind::Kind;
pub use object::{FieldError, Object, object};
pub use serialize::{StructFields, enum_value, struct_fields};

use crate::ParseEnumError;

/// The variant of a generated enum whose value is `value`: a scan of its `ALL` by `as_str`
/// (compiled once per enum type, the values not repeated in the source), or the error naming
/// `expected` (the values as serde's `unknown variant` error lists them) and the closest value.
/// What every generated enum's `FromStr` calls.
pub fn parse_enum<T: Copy>(
    value: &str,
    all: &[T],
    as_str: fn(&T) -> &'static str,
    expected: &'static str,
) -> Result<T, ParseEnumError> {
    match all.iter().find(|variant| as_str(variant) == value) {
        Some(variant) => Ok(*variant),
        None => {
            let values: Vec<&'static str> = all.iter().map(as_str).collect();
            Err(ParseEnumError::new(value, &values, expected))
        }
    }
}

/// serde's `unknown variant` message of `error`, without the suggestion: what a generated
/// enum's `TryFrom<String>` (which it deserializes through) answers, worded as serde's derive
/// words it.
pub fn unknown_variant(error: ParseEnumError) -> String {
    error.unknown_variant()
}

use serde::{Serialize, Serializer};

use crate::manifest::Tree;

/// Parses the manifest embedded in generated code.
///
/// # Panics
///
/// Only if the embedded JSON is not a valid manifest, which cannot happen for code that
/// `craftkit-codegen` generated (it embeds a manifest it has just validated) unless the
/// generated file was edited by hand.
pub fn embedded_tree(json: &str) -> Tree {
    match Tree::from_json(json) {
        Ok(tree) => tree,
        Err(error) => panic!(
            "the manifest embedded in generated craftkit code is invalid (was the file edited?): {error}"
        ),
    }
}

/// An `f64` written as JSON the way JavaScript writes it: `95`, not `95.0`, so that a payload
/// read from JSON serializes back to the same text. Non-finite values are an error, since JSON
/// has no NaN or infinity (serde_json would otherwise write `null`).
struct JsonNumber(f64);

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact
        let v = self.0;
        if !v.is_finite() {
            return Err(serde::ser::Error::custom(format_args!(
                "the number {v} cannot be sent: JSON has no NaN or infinity"
            )));
        }
        if v.fract() == 0.0 && v.abs() < EXACT {
            #[allow(clippy::cast_possible_truncation)] // integral and below 2^53: exact
            serializer.serialize_i64(v as i64)
        } else {
            serializer.serialize_f64(v)
        }
    }
}

/// `serialize_with` for `f64` fields.
pub fn serialize_f64<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    JsonNumber(*value).serialize(serializer)
}

/// `serialize_with` for `Option<f64>` fields.
pub fn serialize_option_f64<S: Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.map(JsonNumber).serialize(serializer)
}

/// `serialize_with` for `Vec<f64>` fields.
pub fn serialize_vec_f64<S: Serializer>(value: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
    Numbers(value).serialize(serializer)
}

/// A list of numbers, each written as [`JsonNumber`].
struct Numbers<'a>(&'a [f64]);

impl Serialize for Numbers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|v| JsonNumber(*v)))
    }
}

/// `serialize_with` for `Option<Vec<f64>>` fields.
pub fn serialize_option_vec_f64<S: Serializer>(
    value: &Option<Vec<f64>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.as_deref().map(Numbers).serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_are_written_as_integers() {
        let text = |v: f64| serde_json::to_string(&JsonNumber(v)).unwrap();
        assert_eq!(text(95.0), "95");
        assert_eq!(text(-3.0), "-3");
        assert_eq!(text(12.8), "12.8");
        assert_eq!(text(1e300), "1e+300");
        assert!(serde_json::to_string(&JsonNumber(f64::NAN)).is_err());
        assert!(serde_json::to_string(&JsonNumber(f64::INFINITY)).is_err());
    }
}
