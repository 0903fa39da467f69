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
    use serde::ser::SerializeStruct;

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

    struct Chained(Derived);

    impl Serialize for Chained {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let v = &self.0;
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
        let derived = serde_json::to_string(&v).unwrap();
        let chained = serde_json::to_string(&Chained(v)).unwrap();
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
        let chained = serde_json::to_string(&Chained(v)).unwrap_err().to_string();
        assert_eq!(derived, chained);
        assert!(chained.contains("NaN"), "{chained}");
    }

    /// The calls a [`Recorder`] saw.
    #[derive(Default)]
    struct Calls(Vec<String>);

    /// A `SerializeStruct` that records its calls.
    struct Recorder<'a>(&'a mut Calls);

    impl SerializeStruct for Recorder<'_> {
        type Ok = ();
        type Error = serde::de::value::Error;
        fn serialize_field<T: ?Sized + Serialize>(
            &mut self,
            key: &'static str,
            _: &T,
        ) -> Result<(), Self::Error> {
            self.0.0.push(format!("field {key}"));
            Ok(())
        }
        fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
            self.0.0.push(format!("skip {key}"));
            Ok(())
        }
        fn end(self) -> Result<(), Self::Error> {
            self.0.0.push("end".into());
            Ok(())
        }
    }

    /// What a serializer is told: the struct's length counts the present fields only, and an
    /// absent optional field is skipped, as the derive does.
    #[test]
    fn the_length_and_the_skipped_fields_are_the_derives() {
        let mut calls = Calls::default();
        let recorder = Recorder(&mut calls);
        let fields: StructFields<RecorderOnly<'_>> = StructFields {
            state: Ok(recorder),
        };
        fields
            .required("a", "x")
            .optional::<u8>("b", &None)
            .optional("c", &Some(1))
            .end()
            .unwrap();
        assert_eq!(calls.0, ["field a", "skip b", "field c", "end"]);
        let len = |present: &[bool]| {
            let mut seen = None;
            let _ = struct_fields(LenSerializer(&mut seen), "S", 2, present).end();
            seen
        };
        assert_eq!(len(&[]), Some(("S", 2)));
        assert_eq!(len(&[true, false, true]), Some(("S", 4)));
    }

    /// A serializer whose `SerializeStruct` is a [`Recorder`]: only that type is used.
    struct RecorderOnly<'a>(std::marker::PhantomData<&'a ()>);

    macro_rules! unused_serializer_methods {
        () => {
            type SerializeSeq = serde::ser::Impossible<(), serde::de::value::Error>;
            type SerializeTuple = serde::ser::Impossible<(), serde::de::value::Error>;
            type SerializeTupleStruct = serde::ser::Impossible<(), serde::de::value::Error>;
            type SerializeTupleVariant = serde::ser::Impossible<(), serde::de::value::Error>;
            type SerializeMap = serde::ser::Impossible<(), serde::de::value::Error>;
            type SerializeStructVariant = serde::ser::Impossible<(), serde::de::value::Error>;
            fn serialize_bool(self, _: bool) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_i8(self, _: i8) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_i16(self, _: i16) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_i32(self, _: i32) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_i64(self, _: i64) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_u8(self, _: u8) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_u16(self, _: u16) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_u32(self, _: u32) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_u64(self, _: u64) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_f32(self, _: f32) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_f64(self, _: f64) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_char(self, _: char) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_str(self, _: &str) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_bytes(self, _: &[u8]) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_none(self) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_unit(self) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_unit_struct(self, _: &'static str) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_unit_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
            ) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_newtype_struct<T: ?Sized + Serialize>(
                self,
                _: &'static str,
                _: &T,
            ) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_newtype_variant<T: ?Sized + Serialize>(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: &T,
            ) -> Result<(), Self::Error> {
                unreachable!()
            }
            fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
                unreachable!()
            }
            fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
                unreachable!()
            }
            fn serialize_tuple_struct(
                self,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleStruct, Self::Error> {
                unreachable!()
            }
            fn serialize_tuple_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeTupleVariant, Self::Error> {
                unreachable!()
            }
            fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
                unreachable!()
            }
            fn serialize_struct_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self::SerializeStructVariant, Self::Error> {
                unreachable!()
            }
        };
    }

    impl<'a> Serializer for RecorderOnly<'a> {
        type Ok = ();
        type Error = serde::de::value::Error;
        type SerializeStruct = Recorder<'a>;
        unused_serializer_methods!();
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Recorder<'a>, Self::Error> {
            unreachable!()
        }
    }

    /// Records the name and length `serialize_struct` is given.
    struct LenSerializer<'a>(&'a mut Option<(&'static str, usize)>);

    impl Serializer for LenSerializer<'_> {
        type Ok = ();
        type Error = serde::de::value::Error;
        type SerializeStruct = serde::ser::Impossible<(), serde::de::value::Error>;
        unused_serializer_methods!();
        fn serialize_struct(
            self,
            name: &'static str,
            len: usize,
        ) -> Result<Self::SerializeStruct, Self::Error> {
            *self.0 = Some((name, len));
            Err(serde::ser::Error::custom("recorded"))
        }
    }
}
