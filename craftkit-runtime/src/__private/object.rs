//! The strict `Deserialize` of generated structs: only a JSON object is an object.
//!
//! serde's derived `Deserialize` also reads a struct from a JSON array, field by field in
//! order (`{"home": ["Split"]}` would become `home.city = "Split"`), which the server refuses
//! with `422 type`. Generated structs implement `Deserialize` with [`object`] instead: it takes
//! a JSON object and nothing else, and each field comes out of it by key with
//! [`Object::required`], [`Object::optional`] or their `_items` forms for arrays. The work per
//! field is done here, once per field type, not once per struct; the generated impl is a
//! struct literal.
//!
//! Errors carry the data path (`at ``booking.code``: ...`, `at ``areas[1].name``: ...`), as
//! the server's `details[].path` names it.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// The fields of one JSON object, taken out by key by a generated `Deserialize` impl.
pub struct Object {
    map: Map<String, Value>,
}

/// The error of a field: `serde_json`'s, located at a data path.
pub type FieldError = serde_json::Error;

/// How an error names its data path: `at `path`: message`.
const AT: &str = "at `";

/// Deserializes a generated struct: `deserializer` must hold a JSON object, whose fields
/// `build` takes out. `what` names the struct in the error for anything else.
pub fn object<'de, D, T>(
    deserializer: D,
    what: &'static str,
    build: impl FnOnce(&mut Object) -> Result<T, FieldError>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let map = deserializer.deserialize_map(ObjectVisitor(what))?;
    build(&mut Object { map }).map_err(de::Error::custom)
}

/// Accepts a map (a JSON object) and nothing else.
struct ObjectVisitor(&'static str);

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object ({})", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some((key, value)) = access.next_entry::<String, Value>()? {
            map.insert(key, value);
        }
        Ok(map)
    }
}

impl Object {
    /// The value of a required key: present and not `null`.
    pub fn required<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, FieldError> {
        match self.map.remove(key) {
            None => Err(located(key, "a required key is missing")),
            Some(Value::Null) => Err(located(key, "a required key is null")),
            Some(value) => T::deserialize(value).map_err(|e| relocated(key, &e)),
        }
    }

    /// The value of an optional key: absent and `null` are `None`.
    pub fn optional<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, FieldError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|e| relocated(key, &e)),
        }
    }

    /// The value of a required key, deserialized by `with` (a serde `with` module's
    /// `deserialize`, for a field whose type an override replaced).
    pub fn required_with<T>(
        &mut self,
        key: &str,
        with: impl FnOnce(Value) -> Result<T, FieldError>,
    ) -> Result<T, FieldError> {
        match self.map.remove(key) {
            None => Err(located(key, "a required key is missing")),
            Some(Value::Null) => Err(located(key, "a required key is null")),
            Some(value) => with(value).map_err(|e| relocated(key, &e)),
        }
    }

    /// The value of an optional key, deserialized by `with`, which reads the field's type as
    /// written (`Option<T>`, as for `#[serde(with = "...")]`); absent and `null` are `None`
    /// without calling it.
    pub fn optional_with<T>(
        &mut self,
        key: &str,
        with: impl FnOnce(Value) -> Result<Option<T>, FieldError>,
    ) -> Result<Option<T>, FieldError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => with(value).map_err(|e| relocated(key, &e)),
        }
    }

    /// A required array: each item's error names its index (`areas[1].name`).
    pub fn required_items<T: DeserializeOwned>(&mut self, key: &str) -> Result<Vec<T>, FieldError> {
        match self.map.remove(key) {
            None => Err(located(key, "a required key is missing")),
            Some(Value::Null) => Err(located(key, "a required key is null")),
            Some(value) => items(key, value),
        }
    }

    /// An optional array: absent and `null` are `None`.
    pub fn optional_items<T: DeserializeOwned>(
        &mut self,
        key: &str,
    ) -> Result<Option<Vec<T>>, FieldError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => items(key, value).map(Some),
        }
    }
}

fn items<T: DeserializeOwned>(key: &str, value: Value) -> Result<Vec<T>, FieldError> {
    let Value::Array(values) = value else {
        let found = crate::data::json_kind(&value);
        return Err(located(
            key,
            &format!("invalid type: {found}, expected a JSON array"),
        ));
    };
    values
        .into_iter()
        .enumerate()
        .map(|(i, item)| T::deserialize(item).map_err(|e| relocated(&format!("{key}[{i}]"), &e)))
        .collect()
}

/// An error at `path`.
fn located(path: &str, message: &str) -> FieldError {
    de::Error::custom(format_args!("{AT}{path}`: {message}"))
}

/// `error`, which happened inside the value at `path`: its own path (if it has one) goes
/// after `path`.
fn relocated(path: &str, error: &FieldError) -> FieldError {
    let message = error.to_string();
    match message
        .strip_prefix(AT)
        .and_then(|rest| rest.split_once("`: "))
    {
        Some((inner, rest)) if inner.starts_with('[') => located(&format!("{path}{inner}"), rest),
        Some((inner, rest)) => located(&format!("{path}.{inner}"), rest),
        None => located(path, &message),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::{Object, object};

    #[derive(Debug, PartialEq)]
    struct Home {
        city: String,
        zip: Option<String>,
    }

    impl<'de> Deserialize<'de> for Home {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            object(d, "`home`", |o: &mut Object| {
                Ok(Home {
                    city: o.required("city")?,
                    zip: o.optional("zip")?,
                })
            })
        }
    }

    #[derive(Debug, PartialEq)]
    struct Root {
        home: Home,
        rooms: Option<Vec<Home>>,
    }

    impl<'de> Deserialize<'de> for Root {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            object(d, "the template's data", |o: &mut Object| {
                Ok(Root {
                    home: o.required("home")?,
                    rooms: o.optional_items("rooms")?,
                })
            })
        }
    }

    fn error(json: serde_json::Value) -> String {
        serde_json::from_value::<Root>(json)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn only_an_object_is_an_object() {
        let ok: Root = serde_json::from_str(r#"{"home": {"city": "Split", "x": 1}}"#).unwrap();
        assert_eq!(ok.home.city, "Split");
        assert!(serde_json::from_str::<Root>(r#"{"home": ["Split"]}"#).is_err());
        assert!(serde_json::from_str::<Root>(r#"[{"city": "Split"}]"#).is_err());
        assert_eq!(
            error(json!({"home": ["Split"]})),
            "at `home`: invalid type: sequence, expected a JSON object (`home`)"
        );
    }

    #[test]
    fn errors_name_the_data_path() {
        assert_eq!(error(json!({})), "at `home`: a required key is missing");
        assert_eq!(
            error(json!({"home": null})),
            "at `home`: a required key is null"
        );
        assert_eq!(
            error(json!({"home": {"city": 5}})),
            "at `home.city`: invalid type: integer `5`, expected a string"
        );
        assert_eq!(
            error(json!({"home": {"city": "a"}, "rooms": [{"city": "b"}, {"zip": "1"}]})),
            "at `rooms[1].city`: a required key is missing"
        );
        assert_eq!(
            error(json!({"home": {"city": "a"}, "rooms": {"city": "b"}})),
            "at `rooms`: invalid type: an object, expected a JSON array"
        );
        // From JSON text, the same message (serde_json adds the position).
        let text = serde_json::from_str::<Root>(r#"{"home": {"city": 5}}"#)
            .unwrap_err()
            .to_string();
        assert!(text.starts_with("at `home.city`: invalid type"), "{text}");
    }

    #[test]
    fn absent_and_null_optionals_are_none() {
        let root: Root =
            serde_json::from_value(json!({"home": {"city": "a", "zip": null}, "rooms": null}))
                .unwrap();
        assert_eq!(root.home.zip, None);
        assert_eq!(root.rooms, None);
    }
}
