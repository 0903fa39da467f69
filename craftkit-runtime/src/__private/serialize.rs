//! The `Serialize` of generated types, written as one method chain per struct instead of
//! serde's derive.
//!
//! The derive writes, per field, a `?` and an `if` (skipped or not) and, for a field with
//! `serialize_with`, a struct and an impl of its own: for a template of 200 variables that was
//! over a third of a user's `cargo check` (BENCHMARKS.md, issue 24 item 5). A generated impl
//! is now `struct_fields(serializer, "Name", n, &[..])` and one call per field, in field order;
//! the work per field is done here, once per field type. What a serializer receives is what
//! the derive gave it: `serialize_struct` with the struct's name and the number of fields
//! written, `serialize_field` for each present field, `skip_field` for each absent optional
//! one, then `end`. An enum is `serialize_unit_variant` with its index and value, as the
//! derive wrote it, and reads back through `FromStr` ([`enum_value`]).

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::{JsonNumber, Numbers};

/// The fields of one struct being serialized by a generated `Serialize` impl, one call per
/// field in field order. The first error is kept and every later call does nothing, so that
/// the impl is one expression (`?` per field is what made serde's derive costly to compile).
#[must_use = "a struct is written only by `.end()`"]
pub struct StructFields<S: Serializer> {
    state: Result<S::SerializeStruct, S::Error>,
}

/// Starts a struct named `name` with `required` fields always written, and one more for each
/// `true` of `present` (the optional fields that hold a value).
pub fn struct_fields<S: Serializer>(
    serializer: S,
    name: &'static str,
    required: usize,
    present: &[bool],
) -> StructFields<S> {
    let len = required + present.iter().filter(|present| **present).count();
    StructFields {
        state: serializer.serialize_struct(name, len),
    }
}

impl<S: Serializer> StructFields<S> {
    /// Runs `step` on the struct unless an earlier step failed; its error is kept.
    fn then(mut self, step: impl FnOnce(&mut S::SerializeStruct) -> Result<(), S::Error>) -> Self {
        if let Ok(fields) = &mut self.state
            && let Err(error) = step(fields)
        {
            self.state = Err(error);
        }
        self
    }

    fn write<T: ?Sized + Serialize>(self, key: &'static str, value: &T) -> Self {
        self.then(|fields| fields.serialize_field(key, value))
    }

    fn skip(self, key: &'static str) -> Self {
        self.then(|fields| fields.skip_field(key))
    }

    /// A required field: always written.
    pub fn required<T: ?Sized + Serialize>(self, key: &'static str, value: &T) -> Self {
        self.write(key, value)
    }

    /// An optional field: written when it holds a value (as the `Option` it is, so
    /// `serialize_some` as serde's derive writes it), skipped (left out of the JSON) otherwise.
    pub fn optional<T: Serialize>(self, key: &'static str, value: &Option<T>) -> Self {
        match value {
            Some(_) => self.write(key, value),
            None => self.skip(key),
        }
    }

    /// A required `f64`, written as [`serialize_f64`](super::serialize_f64) writes it.
    pub fn required_f64(self, key: &'static str, value: &f64) -> Self {
        self.write(key, &JsonNumber(*value))
    }

    /// An optional `f64`: [`Self::optional`], written as [`Self::required_f64`].
    pub fn optional_f64(self, key: &'static str, value: &Option<f64>) -> Self {
        self.optional(key, &value.map(JsonNumber))
    }

    /// A required list of `f64`, each written as [`Self::required_f64`].
    pub fn required_vec_f64(self, key: &'static str, value: &[f64]) -> Self {
        self.write(key, &Numbers(value))
    }

    /// An optional list of `f64`: [`Self::optional`], written as [`Self::required_vec_f64`].
    pub fn optional_vec_f64(self, key: &'static str, value: &Option<Vec<f64>>) -> Self {
        self.optional(key, &value.as_deref().map(Numbers))
    }

    /// Ends the struct: the first error of any field, or the serializer's result.
    pub fn end(self) -> Result<S::Ok, S::Error> {
        self.state?.end()
    }
}

/// Reads a generated enum from a string through its `TryFrom<String>` (and so `FromStr`):
/// what serde's derive with `#[serde(try_from = "String")]` did, with the same error.
pub fn enum_value<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<String, Error = String>,
{
    String::deserialize(deserializer)
        .and_then(|value| T::try_from(value).map_err(de::Error::custom))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A struct as serde's derive writes it, beside the same struct through [`StructFields`].
    #[derive(serde::Serialize)]
    struct Derived {
        a: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<u32>,
        #[serde(serialize_with = "crate::__private::serialize_f64")]
        c: f64,
        #[serde(
            skip_serializing_if = "Option::is_none",
            serialize_with = "crate::__private::serialize_option_f64"
        )]
        d: Option<f64>,
        #[serde(serialize_with = "crate::__private::serialize_vec_f64")]
        e: Vec<f64>,
        #[serde(
            skip_serializing_if = "Option::is_none",
            serialize_with = "crate::__private::serialize_option_vec_f64"
        )]
        f: Option<Vec<f64>>,
    }

    struct Chained<'a>(&'a Derived);

    impl Serialize for Chained<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let v = self.0;
            struct_fields(
                serializer,
                "Derived",
                3,
                &[v.b.is_some(), v.d.is_some(), v.f.is_some()],
            )
            .required("a", &v.a)
            .optional("b", &v.b)
            .required_f64("c", &v.c)
            .optional_f64("d", &v.d)
            .required_vec_f64("e", &v.e)
            .optional_vec_f64("f", &v.f)
            .end()
        }
    }

    fn both(v: Derived) -> (String, String) {
        assert_eq!(tokens(&v), tokens(&Chained(&v)));
        let derived = serde_json::to_string(&v).unwrap();
        let chained = serde_json::to_string(&Chained(&v)).unwrap();
        (derived, chained)
    }

    #[test]
    fn writes_what_the_derive_writes() {
        let full = Derived {
            a: "x".into(),
            b: Some(2),
            c: 95.0,
            d: Some(1.5),
            e: vec![1.0, 2.5],
            f: Some(vec![3.0]),
        };
        let (derived, chained) = both(full);
        assert_eq!(derived, chained);
        assert_eq!(
            chained,
            r#"{"a":"x","b":2,"c":95,"d":1.5,"e":[1,2.5],"f":[3]}"#
        );
        let empty = Derived {
            a: String::new(),
            b: None,
            c: -0.5,
            d: None,
            e: Vec::new(),
            f: None,
        };
        let (derived, chained) = both(empty);
        assert_eq!(derived, chained);
        assert_eq!(chained, r#"{"a":"","c":-0.5,"e":[]}"#);
    }

    #[test]
    fn the_first_error_is_the_result() {
        let v = Derived {
            a: "x".into(),
            b: None,
            c: f64::NAN,
            d: Some(f64::INFINITY),
            e: Vec::new(),
            f: None,
        };
        let derived = serde_json::to_string(&v).unwrap_err().to_string();
        let chained = serde_json::to_string(&Chained(&v)).unwrap_err().to_string();
        assert_eq!(derived, chained);
        assert!(chained.contains("NaN"), "{chained}");
    }

    /// What a serializer is told, as `serde_assert` records it.
    fn tokens(value: &impl Serialize) -> String {
        let serializer = serde_assert::Serializer::builder().build();
        format!("{:?}", value.serialize(&serializer).unwrap())
    }

    /// A struct of `required` always-written fields and the optional ones `present` says hold
    /// a value, with no field written: what `serialize_struct` is told.
    struct Length(usize, &'static [bool]);

    impl Serialize for Length {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            struct_fields(serializer, "S", self.0, self.1).end()
        }
    }

    /// A required `a`, an absent optional `b` and a present optional `c`.
    struct Calls;

    impl Serialize for Calls {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            struct_fields(serializer, "S", 1, &[false, true])
                .required("a", "x")
                .optional::<u8>("b", &None)
                .optional("c", &Some(1u8))
                .end()
        }
    }

    /// What a serializer is told: the struct's length counts the present fields only, and an
    /// absent optional field is skipped, as the derive does.
    #[test]
    fn the_length_and_the_skipped_fields_are_the_derives() {
        assert_eq!(
            tokens(&Calls),
            "Tokens([Struct { name: \"S\", len: 2 }, Field(\"a\"), Str(\"x\"), \
             SkippedField(\"b\"), Field(\"c\"), Some, U8(1), StructEnd])"
        );
        assert_eq!(
            tokens(&Length(2, &[])),
            "Tokens([Struct { name: \"S\", len: 2 }, StructEnd])"
        );
        assert_eq!(
            tokens(&Length(2, &[true, false, true])),
            "Tokens([Struct { name: \"S\", len: 4 }, StructEnd])"
        );
    }
}
