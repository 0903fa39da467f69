//! The JSON type a replaced field's value must have before the user's type reads it.
//!
//! An override may put any type in place of a generated one (`rust_decimal::Decimal` for a
//! `number`), and that type's own `Deserialize` may be more lenient than the server: a
//! Decimal also reads `"12.50"`, which the server refuses with `422 type`. Generated code
//! checks the manifest's JSON type first, so a replaced field refuses what the server refuses.

use serde_json::Value;

use super::FieldError;

/// The JSON type the manifest declares for a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `string`, `text`, `date`, `datetime`: a JSON string.
    String,
    /// `number`: a JSON number.
    Number,
    /// `integer`: a JSON number without a fraction.
    Integer,
    /// `boolean`: `true` or `false`.
    Boolean,
    /// `image`, `signature`: left to the type (a URL, a data URI or an object).
    Any,
}

impl Kind {
    /// `Ok` when `value` has this JSON type, else serde's `invalid type` error.
    pub fn check(self, value: &Value) -> Result<(), FieldError> {
        let ok = match self {
            Kind::String => value.is_string(),
            Kind::Number => value.is_number(),
            Kind::Integer => value.is_i64() || value.is_u64(),
            Kind::Boolean => value.is_boolean(),
            Kind::Any => true,
        };
        if ok {
            return Ok(());
        }
        let expected = match self {
            Kind::String => "a JSON string",
            Kind::Number => "a JSON number",
            Kind::Integer => "an integer",
            Kind::Boolean => "a boolean",
            Kind::Any => "any value",
        };
        Err(serde::de::Error::custom(format_args!(
            "invalid type: {}, expected {expected}",
            crate::data::json_kind(value)
        )))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Kind;

    #[test]
    fn a_value_of_another_json_type_is_refused() {
        assert!(Kind::Number.check(&json!(12.5)).is_ok());
        let error = Kind::Number.check(&json!("12.50")).unwrap_err().to_string();
        assert!(error.contains("expected a JSON number"), "{error}");
        assert!(Kind::Integer.check(&json!(2.5)).is_err());
        assert!(Kind::String.check(&json!("2026-06-14")).is_ok());
        assert!(Kind::Boolean.check(&json!(1)).is_err());
        assert!(Kind::Any.check(&json!({"url": "x"})).is_ok());
    }
}
