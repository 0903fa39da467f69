//! The example payload: the manifest's examples where present, values made up to fit the type
//! and bounds elsewhere; normalized to what the generated types serialize, and validated.

use std::cmp::Ordering;
use std::fmt::Write as _;

use craftkit_core::data;
use craftkit_core::manifest::{
    Bounds, Example, Field, Items, JsonKind, ManifestError, Node, Object, Problem, Rule, Scalar,
    Subject, Tree, VarType, compare_numbers,
};
use serde_json::{Map, Number, Value};

/// The example `data` of `tree`: every required variable and every optional one with an
/// example (with what holds it), checked against the tree.
pub(crate) fn build(tree: &Tree) -> Result<Value, crate::Error> {
    let raw = Value::Object(object(tree.root()));
    let payload = fit_object(tree.root(), &raw);
    let report = data::validate(tree, &payload);
    if report.is_valid() {
        return Ok(payload);
    }
    let problems = report
        .violations
        .iter()
        .map(|violation| Problem {
            subject: Subject::Variables(vec![manifest_path(&violation.path)]),
            rule: Rule::ExampleMismatch,
            message: format!(
                "no valid example payload can be made for the docs page: the value at `{}` breaks the variable ({}); give the variable an `example` that fits, or bounds that some value meets",
                violation.path, violation.message
            ),
        })
        .collect();
    Err(ManifestError::Invalid {
        slug: Some(tree.manifest().slug.clone()),
        problems,
    }
    .into())
}

/// `areas[1].photos[0]` -> `areas[].photos[]`.
fn manifest_path(data_path: &str) -> String {
    let mut out = String::with_capacity(data_path.len());
    let mut in_index = false;
    for c in data_path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            c => out.push(c),
        }
    }
    out
}

fn object(object: &Object) -> Map<String, Value> {
    object
        .fields
        .iter()
        .filter_map(|field| Some((field.key.clone(), value(field)?)))
        .collect()
}

/// The field's value, or `None` to leave an optional key out.
fn value(field: &Field) -> Option<Value> {
    let variable = field.variable.as_ref();
    if let Some(example) = variable.and_then(|v| v.example.as_ref()) {
        return Some(example.clone());
    }
    if !field.required && !has_example_inside(&field.node) {
        return None;
    }
    let format = variable.and_then(|v| v.format.as_deref());
    Some(match &field.node {
        Node::Scalar(scalar) => made_up(scalar, format),
        Node::Object(inner) => Value::Object(object(inner)),
        Node::OpaqueObject => Value::Object(Map::new()),
        Node::Array(array) => {
            let count = array.min_items.unwrap_or(0).max(1);
            let count = array.max_items.map_or(count, |max| count.min(max));
            let item = match &array.items {
                Items::Object(inner) => Value::Object(object(inner)),
                Items::Scalar(scalar) => made_up(scalar, format),
            };
            Value::Array((0..count).map(|_| item.clone()).collect())
        }
    })
}

fn has_example_inside(node: &Node) -> bool {
    match node {
        Node::Object(inner)
        | Node::Array(craftkit_core::manifest::Array {
            items: Items::Object(inner),
            ..
        }) => inner.fields.iter().any(|field| {
            field.variable.as_ref().is_some_and(|v| v.example.is_some())
                || has_example_inside(&field.node)
        }),
        _ => false,
    }
}

/// A value of `scalar`'s type within its bounds.
fn made_up(scalar: &Scalar, format: Option<&str>) -> Value {
    if scalar.ty == VarType::Enum {
        return Value::String(scalar.values.first().cloned().unwrap_or_default());
    }
    let Some(ty) = scalar.ty.scalar() else {
        return Value::String("example".to_owned());
    };
    match ty.example {
        // A string with lengths: the format's example if it has one, fit to them.
        Example::String(example) if ty.bounds == Bounds::Length => {
            let base = match format {
                Some("email") => "ada@example.org",
                Some("uri" | "url") => "https://example.org",
                Some("phone") => "+1 555 0100",
                _ => example,
            };
            Value::String(fit_length(base, scalar.min_length, scalar.max_length))
        }
        Example::String(example) => Value::String(example.to_owned()),
        Example::Number if ty.json == JsonKind::Integer => Value::Number(integer(scalar)),
        Example::Number => Value::Number(number(scalar)),
        Example::Boolean(b) => Value::Bool(b),
        // `Example` may grow: a kind this writer does not know takes the unknown type's value.
        _ => Value::String("example".to_owned()),
    }
}

/// `base` cut or padded to fit the bounds (in Unicode scalar values); padding keeps a bound
/// met without a made-up value that reads like a real one.
fn fit_length(base: &str, min: Option<u64>, max: Option<u64>) -> String {
    let len = base.chars().count() as u64;
    if min.is_some_and(|min| len < min) || max.is_some_and(|max| len > max) {
        let want = min.unwrap_or(0).max(max.map_or(len, |max| len.min(max)));
        let want = usize::try_from(want).unwrap_or(usize::MAX);
        // a format hint's value may not be cut: start again from plain letters
        "Example"
            .chars()
            .chain(std::iter::repeat('x'))
            .take(want)
            .collect()
    } else {
        base.to_owned()
    }
}

fn within(n: &Number, scalar: &Scalar) -> bool {
    let above_min = scalar
        .minimum
        .as_ref()
        .is_none_or(|min| compare_numbers(n, min) != Some(Ordering::Less));
    let below_max = scalar
        .maximum
        .as_ref()
        .is_none_or(|max| compare_numbers(n, max) != Some(Ordering::Greater));
    above_min && below_max
}

/// 1 when the bounds allow it, else the bound nearest to it.
fn number(scalar: &Scalar) -> Number {
    let one = Number::from(1);
    if within(&one, scalar) {
        return one;
    }
    match (&scalar.minimum, &scalar.maximum) {
        (Some(min), _) if compare_numbers(min, &one) == Some(Ordering::Greater) => min.clone(),
        (_, Some(max)) => max.clone(),
        (Some(min), None) => min.clone(),
        (None, None) => one,
    }
}

/// 1 when the bounds allow it, else the integer nearest to it; what it returns may break the
/// bounds when no integer meets them, which validation then reports.
fn integer(scalar: &Scalar) -> Number {
    let one = Number::from(1);
    if within(&one, scalar) {
        return one;
    }
    let min_above_one = scalar
        .minimum
        .as_ref()
        .filter(|min| compare_numbers(min, &one) == Some(Ordering::Greater));
    let candidate = match (min_above_one, &scalar.maximum) {
        (Some(min), _) => ceil(min),
        (None, Some(max)) => floor(max),
        (None, None) => None,
    };
    candidate.map_or(one, Number::from)
}

fn ceil(n: &Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = n.as_f64()?.ceil();
        // `as` saturates: out-of-range bounds give a value that validation then rejects
        #[allow(clippy::cast_possible_truncation)]
        Some(f as i64)
    })
}

fn floor(n: &Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = n.as_f64()?.floor();
        #[allow(clippy::cast_possible_truncation)]
        Some(f as i64)
    })
}

/// The payload as the generated types serialize it: known keys only, no `null` for an absent
/// optional key, and `number`s written as the runtime writes an `f64` (`95`, not `95.0`).
fn fit_object(object: &Object, value: &Value) -> Value {
    let Value::Object(map) = value else {
        return value.clone();
    };
    let mut out = Map::new();
    for field in &object.fields {
        match map.get(&field.key) {
            None => {}
            Some(Value::Null) if !field.required => {}
            Some(value) => {
                out.insert(field.key.clone(), fit(&field.node, value));
            }
        }
    }
    Value::Object(out)
}

fn fit(node: &Node, value: &Value) -> Value {
    match (node, value) {
        (Node::Scalar(scalar), value) => fit_scalar(scalar, value),
        (Node::Object(inner), value) => fit_object(inner, value),
        (Node::Array(array), Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|item| match &array.items {
                    Items::Object(inner) => fit_object(inner, item),
                    Items::Scalar(scalar) => fit_scalar(scalar, item),
                })
                .collect(),
        ),
        (_, value) => value.clone(),
    }
}

fn fit_scalar(scalar: &Scalar, value: &Value) -> Value {
    match (&scalar.ty, value) {
        (ty, Value::Number(n)) if ty.scalar().is_some_and(|t| t.json == JsonKind::Number) => {
            match n.as_f64() {
                Some(f) => f64_value(f),
                None => value.clone(),
            }
        }
        _ => value.clone(),
    }
}

/// An `f64` as the runtime's serializer writes it: an integer when it is one below 2^53.
pub(crate) fn f64_value(f: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.fract() == 0.0 && f.abs() < EXACT {
        #[allow(clippy::cast_possible_truncation)] // integral and below 2^53: exact
        Value::from(f as i64)
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

/// The payload as indented JSON with its keys in manifest order (the order of the table and of
/// the Rust literal), whatever order a `serde_json::Map` keeps.
pub(crate) fn to_pretty_json(root: &Object, payload: &Value) -> String {
    let mut out = String::new();
    write_object(&mut out, Some(root), payload, 0);
    out.push('\n');
    out
}

fn write_node(out: &mut String, node: Option<&Node>, value: &Value, depth: usize) {
    match (node, value) {
        (Some(Node::Object(inner)), Value::Object(_)) => {
            write_object(out, Some(inner), value, depth)
        }
        (Some(Node::Array(array)), Value::Array(items)) => {
            let item_node = match &array.items {
                Items::Object(inner) => Some(inner),
                Items::Scalar(_) => None,
            };
            write_array(out, items, depth, |out, item, depth| match item_node {
                Some(inner) => write_object(out, Some(inner), item, depth),
                None => write_node(out, None, item, depth),
            });
        }
        (_, Value::Object(_)) => write_object(out, None, value, depth),
        (_, Value::Array(items)) => {
            write_array(out, items, depth, |out, item, depth| {
                write_node(out, None, item, depth);
            });
        }
        (_, scalar) => out.push_str(&scalar.to_string()),
    }
}

fn write_object(out: &mut String, object: Option<&Object>, value: &Value, depth: usize) {
    let Value::Object(map) = value else {
        return write_node(out, None, value, depth);
    };
    if map.is_empty() {
        out.push_str("{}");
        return;
    }
    // known keys in manifest order, then any others (raw JSON) in the map's order
    let mut entries: Vec<(&String, &Value, Option<&Node>)> = Vec::with_capacity(map.len());
    if let Some(object) = object {
        for field in &object.fields {
            if let Some((key, value)) = map.get_key_value(&field.key) {
                entries.push((key, value, Some(&field.node)));
            }
        }
    }
    for (key, value) in map {
        if !entries.iter().any(|(k, _, _)| *k == key) {
            entries.push((key, value, None));
        }
    }
    out.push('{');
    for (i, (key, value, node)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, depth + 1);
        let _ = write!(out, "{}: ", Value::String(key.clone()));
        write_node(out, node, value, depth + 1);
    }
    newline(out, depth);
    out.push('}');
}

fn write_array(
    out: &mut String,
    items: &[Value],
    depth: usize,
    mut write_item: impl FnMut(&mut String, &Value, usize),
) {
    if items.is_empty() {
        out.push_str("[]");
        return;
    }
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, depth + 1);
        write_item(out, item, depth + 1);
    }
    newline(out, depth);
    out.push(']');
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use craftkit_core::manifest::Manifest;

    fn payload(variables: &str) -> Result<Value, crate::Error> {
        let text = format!(
            r#"{{"slug": "t", "version": 1, "pipeline": "html", "variables": [{variables}]}}"#
        );
        build(&Manifest::from_json(&text).unwrap().tree().unwrap())
    }

    #[test]
    fn made_up_values_meet_their_bounds() {
        let value = payload(
            r#"{"path": "s", "type": "string", "required": true, "minLength": 12, "maxLength": 20},
               {"path": "short", "type": "string", "required": true, "maxLength": 3},
               {"path": "mail", "type": "string", "required": true, "format": "email"},
               {"path": "n", "type": "number", "required": true, "minimum": 2.5},
               {"path": "m", "type": "number", "required": true, "maximum": -7},
               {"path": "i", "type": "integer", "required": true, "minimum": 1.5, "maximum": 9},
               {"path": "j", "type": "integer", "required": true, "maximum": -2.5},
               {"path": "rows[]", "type": "array", "items": "date", "required": true, "minItems": 3},
               {"path": "none[]", "type": "array", "items": "string", "required": true, "maxItems": 0}"#,
        )
        .unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "s": "Examplexxxxx", "short": "Exa", "mail": "ada@example.org", "n": 2.5, "m": -7,
                "i": 2, "j": -3, "rows": ["2026-01-01", "2026-01-01", "2026-01-01"], "none": []
            })
        );
    }

    #[test]
    fn optional_keys_appear_only_with_an_example_inside() {
        let value = payload(
            r#"{"path": "a.x", "type": "string"},
               {"path": "b.c.y", "type": "integer", "example": 3},
               {"path": "b.c.z", "type": "boolean", "required": true},
               {"path": "n", "type": "number", "example": 2.0}"#,
        )
        .unwrap();
        assert_eq!(
            value,
            serde_json::json!({"b": {"c": {"y": 3, "z": true}}, "n": 2})
        );
    }

    #[test]
    fn data_paths_become_manifest_paths() {
        assert_eq!(manifest_path("areas[12].photos[0]"), "areas[].photos[]");
        assert_eq!(manifest_path("a.b"), "a.b");
    }
}
