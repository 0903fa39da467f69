//! A template's `data` as a JSON Schema (draft 2020-12), for tools outside Rust: form
//! builders, editors, other languages' validators, API gateways.
//!
//! [`json_schema`] walks the same tree of objects, arrays and scalars that the server's
//! validator (`craftkit_core::data::validate`) walks, and says in JSON Schema what each check
//! of that validator accepts, so that a validator of the schema and the server agree on every
//! payload but for the few cases listed on [`json_schema`].

use craftkit_core::manifest::{
    Array, Bounds, Field, Items, JsonKind, Node, Object, Scalar, Tree, VarType, compare_numbers,
};
use serde_json::{Map, Number, Value, json};

/// The dialect of every schema [`json_schema`] writes, its `$schema`.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema (draft 2020-12) of the `data` objects that a render of `manifest`'s
/// template accepts.
///
/// The schema has `$schema`, an `$id` of `urn:craftkit:template:<slug>:v<version>`, a `title`
/// (the name, else the slug), the manifest's `description`, and an `x-craftkit` annotation with
/// the slug, version, pipeline and fingerprint. Each key's schema carries its variable's
/// `description`, its `example` as `examples`, and an `x-craftkit` annotation with its
/// manifest path and type (and its `format` hint, which the server does not check). Nested
/// objects are written inline. The same manifest always gives the same schema.
///
/// What the schema says, as the server checks it:
///
/// - every object is `type: object` with its `properties`, the `required` keys of the tree,
///   and `additionalProperties: true` (unknown keys are a warning, not an error);
/// - a required key may not be `null`; an optional one may be absent or `null` (`null` is
///   added to its `type`, and to its `enum`);
/// - `string`/`text` with `minLength`/`maxLength` (both count Unicode scalar values), `number`
///   with `minimum`/`maximum`, `integer` bounded to the `i64` range as well, `boolean`, `enum`
///   as `enum`, arrays with `items` and `minItems`/`maxItems` (an array of scalars bounds each
///   item), an object declared without keys as any object, and a type this version does not
///   know as any value;
/// - `date` and `datetime` carry `format` (`date`, `date-time`) as an annotation, and a
///   `pattern` that matches exactly what the server parses, since validators of draft 2020-12
///   do not assert `format` by default: real calendar days of the years 0000-9999, times with
///   up to 9 fractional digits and a required offset;
/// - `image` and `signature` carry a `pattern` for an `https://` URL with a host (no
///   whitespace or control characters) or a PNG, JPEG or SVG `data:` URI with a strict base64
///   payload (or percent-encoded SVG), letter case as loose as the server's.
///
/// Where the schema and the server disagree, because JSON Schema cannot say it portably:
///
/// - **integers written as floats**: JSON Schema's `integer` is any number with a zero
///   fractional part, so `1.0`, `1e3` (and `-9223372036854775809`, which JSON parsers read as a
///   float) pass the schema, but the server wants an integer literal in the `i64` range and
///   rejects them with `type`;
/// - **image size**: a `data:` URI whose content is over 10 MiB decoded passes the schema; the
///   server rejects it with `image`;
/// - **leap seconds**: `23:59:60` is matched only when written in UTC (`Z`, `+00:00`,
///   `-00:00`) on a month's last day; the server also accepts that instant written in another
///   offset (`2026-07-01T01:59:60+02:00`), which the schema rejects;
/// - validators differ where the schema leaves room: one that asserts `format` applies its own
///   reading of RFC 3339 on top of the patterns, so it can only reject more (the `jsonschema`
///   crate rejects nothing more), and one that compares numbers as `f64` may misjudge a value
///   within rounding of a bound beyond 2^53, which the server compares exactly.
///
/// It takes the validated tree ([`Tree::from_json`], or
/// [`Manifest::tree`](craftkit_core::manifest::Manifest::tree) for a manifest at
/// hand), so it cannot fail.
///
/// ```
/// use craftkit_codegen::schema::json_schema;
/// use craftkit_core::manifest::Tree;
///
/// let tree = Tree::from_json(r#"{"slug": "greeting", "version": 1, "pipeline": "html",
///     "variables": [{"path": "person.name", "type": "string", "required": true, "maxLength": 40},
///                   {"path": "person.age", "type": "integer", "minimum": 0}]}"#)?;
/// let schema = json_schema(&tree);
/// assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
/// assert_eq!(schema["required"], serde_json::json!(["person"]));
/// let person = &schema["properties"]["person"];
/// assert_eq!(person["properties"]["name"]["maxLength"], 40);
/// assert_eq!(person["properties"]["age"]["type"], serde_json::json!(["integer", "null"]));
/// # Ok::<(), craftkit_core::manifest::ManifestError>(())
/// ```
pub fn json_schema(tree: &Tree) -> Value {
    let manifest = tree.manifest();
    let mut schema = Map::new();
    schema.insert("$schema".into(), DRAFT_2020_12.into());
    schema.insert(
        "$id".into(),
        format!(
            "urn:craftkit:template:{}:v{}",
            manifest.slug, manifest.version
        )
        .into(),
    );
    let title = manifest.name.as_deref().unwrap_or(&manifest.slug);
    schema.insert("title".into(), title.into());
    if let Some(description) = &manifest.description {
        schema.insert("description".into(), description.as_str().into());
    }
    schema.insert(
        "x-craftkit".into(),
        json!({
            "slug": manifest.slug,
            "version": manifest.version,
            "pipeline": manifest.pipeline.as_str(),
            "fingerprint": manifest.fingerprint(),
        }),
    );
    schema.extend(object(tree.root()));
    Value::Object(schema)
}

/// A `type: object` with its known keys; any other key is allowed.
fn object(object: &Object) -> Map<String, Value> {
    let properties: Map<String, Value> = object
        .fields
        .iter()
        .map(|f| (f.key.clone(), Value::Object(field(f))))
        .collect();
    let required: Vec<Value> = object
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.key.as_str().into())
        .collect();
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), true.into());
    schema
}

/// The schema of one key's value: its node's, with the variable's annotations, and `null`
/// allowed when the key is optional.
fn field(field: &Field) -> Map<String, Value> {
    let mut schema = match &field.node {
        Node::Scalar(scalar) => self::scalar(scalar),
        Node::Object(inner) => object(inner),
        Node::OpaqueObject => Map::from_iter([("type".into(), "object".into())]),
        Node::Array(array) => self::array(array),
    };
    let mut craftkit = Map::new();
    craftkit.insert("path".into(), field.path.as_str().into());
    let ty = match (&field.variable, &field.node) {
        (Some(variable), _) => variable.ty.as_str(),
        (None, Node::Array(_)) => "array",
        (None, _) => "object",
    };
    craftkit.insert("type".into(), ty.into());
    if let Node::Array(Array {
        items: Items::Scalar(items),
        ..
    }) = &field.node
    {
        craftkit.insert("items".into(), items.ty.as_str().into());
    }
    if let Some(variable) = &field.variable {
        if let Some(format) = &variable.format {
            craftkit.insert("format".into(), format.as_str().into());
        }
        if let Some(description) = &variable.description {
            schema.insert("description".into(), description.as_str().into());
        }
        if let Some(example) = &variable.example {
            schema.insert("examples".into(), Value::Array(vec![example.clone()]));
        }
    }
    schema.insert("x-craftkit".into(), Value::Object(craftkit));
    if field.required {
        if !schema.contains_key("type") {
            // A type that accepts anything still may not be null when required.
            schema.insert("not".into(), json!({"type": "null"}));
        }
    } else {
        allow_null(&mut schema);
    }
    schema
}

/// Lets a schema accept `null` too. Type-specific keywords (`pattern`, `minimum`, `required`,
/// ...) ignore values of other types, so adding `"null"` to `type` is enough, and to `enum`.
fn allow_null(schema: &mut Map<String, Value>) {
    if let Some(Value::String(ty)) = schema.get("type") {
        let ty = ty.clone();
        schema.insert("type".into(), json!([ty, "null"]));
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.push(Value::Null);
    }
}

fn array(array: &Array) -> Map<String, Value> {
    let items = match &array.items {
        Items::Scalar(scalar) => self::scalar(scalar),
        Items::Object(inner) => object(inner),
    };
    let mut schema = Map::new();
    schema.insert("type".into(), "array".into());
    schema.insert("items".into(), Value::Object(items));
    if let Some(min) = array.min_items {
        schema.insert("minItems".into(), min.into());
    }
    if let Some(max) = array.max_items {
        schema.insert("maxItems".into(), max.into());
    }
    schema
}

/// What `check_scalar` of the server accepts for one value (never `null`).
fn scalar(scalar: &Scalar) -> Map<String, Value> {
    let mut schema = Map::new();
    if scalar.ty == VarType::Enum {
        schema.insert("type".into(), "string".into());
        let values = scalar.values.iter().map(|v| v.as_str().into()).collect();
        schema.insert("enum".into(), Value::Array(values));
        return schema;
    }
    // Anything for an unknown type: the server keeps its JSON as it is.
    let Some(ty) = scalar.ty.scalar() else {
        return schema;
    };
    schema.insert("type".into(), ty.json.schema_type().into());
    match (ty.bounds, ty.json) {
        (Bounds::Length, _) => {
            if let Some(min) = scalar.min_length {
                schema.insert("minLength".into(), min.into());
            }
            if let Some(max) = scalar.max_length {
                schema.insert("maxLength".into(), max.into());
            }
        }
        // The server reads an integer as an `i64`: its range bounds the schema's.
        (Bounds::Range, JsonKind::Integer) => {
            let tighter = |bound: &Option<Number>, limit: i64, keep: std::cmp::Ordering| {
                let limit = Number::from(limit);
                Some(match bound {
                    Some(bound) if compare_numbers(bound, &limit) == Some(keep) => bound.clone(),
                    _ => limit,
                })
            };
            let minimum = tighter(&scalar.minimum, i64::MIN, std::cmp::Ordering::Greater);
            let maximum = tighter(&scalar.maximum, i64::MAX, std::cmp::Ordering::Less);
            bounds(&mut schema, minimum, maximum);
        }
        (Bounds::Range, _) => {
            bounds(&mut schema, scalar.minimum.clone(), scalar.maximum.clone());
        }
        _ => {}
    }
    if let Some(format) = ty.schema_format {
        schema.insert("format".into(), format.into());
    }
    if let Some(pattern) = ty.schema_pattern {
        schema.insert("pattern".into(), pattern().into());
    }
    schema
}

fn bounds(schema: &mut Map<String, Value>, minimum: Option<Number>, maximum: Option<Number>) {
    if let Some(minimum) = minimum {
        schema.insert("minimum".into(), Value::Number(minimum));
    }
    if let Some(maximum) = maximum {
        schema.insert("maximum".into(), Value::Number(maximum));
    }
}
