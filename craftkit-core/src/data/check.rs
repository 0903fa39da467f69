//! The recursive walk of data along the tree. It descends only where the manifest does, so its
//! depth is bounded by the manifest's, whatever the data holds.

use std::collections::HashSet;

use serde_json::{Map, Number, Value};

use super::{Code, Report, Violation};
use crate::manifest::scalar::quote;
use crate::manifest::{
    Array, Bounds, Items, JsonKind, Node, Object, Scalar, ScalarType, VarType, compare_numbers,
};

pub(super) fn root(object: &Object, data: &Value, report: &mut Report) {
    match data {
        Value::Object(map) => check_object(object, map, &mut String::new(), report),
        other => push(
            report,
            "",
            Code::Type,
            format!("data must be a JSON object, not {}", kind(other)),
        ),
    }
}

fn push(report: &mut Report, path: &str, code: Code, message: String) {
    report.violations.push(Violation {
        path: path.to_owned(),
        code,
        message,
    });
}

fn check_object(object: &Object, map: &Map<String, Value>, path: &mut String, report: &mut Report) {
    let base = path.len();
    let mut known_present = 0;
    for field in &object.fields {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&field.key);
        match map.get(&field.key) {
            None => {
                if field.required {
                    push(
                        report,
                        path,
                        Code::Required,
                        "required variable is missing".to_owned(),
                    );
                }
            }
            Some(Value::Null) => {
                known_present += 1;
                if field.required {
                    push(
                        report,
                        path,
                        Code::Required,
                        "required variable is null".to_owned(),
                    );
                }
            }
            Some(value) => {
                known_present += 1;
                node(&field.node, value, path, report);
            }
        }
        path.truncate(base);
    }
    if map.len() > known_present {
        let known: HashSet<&str> = object.fields.iter().map(|f| f.key.as_str()).collect();
        let sep = if path.is_empty() { "" } else { "." };
        for key in map.keys().filter(|k| !known.contains(k.as_str())) {
            report.unknown_keys.push(format!("{path}{sep}{key}"));
        }
    }
}

pub(super) fn node(node: &Node, value: &Value, path: &mut String, report: &mut Report) {
    match node {
        Node::Scalar(scalar) => check_scalar(scalar, value, path, report),
        Node::Object(object) => match value {
            Value::Object(map) => check_object(object, map, path, report),
            other => push(
                report,
                path,
                Code::Type,
                format!("expected an object, got {}", kind(other)),
            ),
        },
        Node::OpaqueObject => {
            if !value.is_object() {
                push(
                    report,
                    path,
                    Code::Type,
                    format!("expected an object, got {}", kind(value)),
                );
            }
        }
        Node::Array(array) => check_array(array, value, path, report),
    }
}

fn check_array(array: &Array, value: &Value, path: &mut String, report: &mut Report) {
    let Value::Array(items) = value else {
        return push(
            report,
            path,
            Code::Type,
            format!("expected an array, got {}", kind(value)),
        );
    };
    let count = items.len() as u64;
    if let Some(min) = array.min_items.filter(|min| count < *min) {
        push(
            report,
            path,
            Code::Items,
            format!("expected at least {min} items, got {count}"),
        );
    }
    if let Some(max) = array.max_items.filter(|max| count > *max) {
        push(
            report,
            path,
            Code::Items,
            format!("expected at most {max} items, got {count}"),
        );
    }
    let base = path.len();
    for (index, item) in items.iter().enumerate() {
        path.push_str(&format!("[{index}]"));
        match &array.items {
            Items::Scalar(scalar) => check_scalar(scalar, item, path, report),
            Items::Object(object) => match item {
                Value::Object(map) => check_object(object, map, path, report),
                other => push(
                    report,
                    path,
                    Code::Type,
                    format!("expected an object, got {}", kind(other)),
                ),
            },
        }
        path.truncate(base);
    }
}

fn check_scalar(scalar: &Scalar, value: &Value, path: &str, report: &mut Report) {
    match &scalar.ty {
        VarType::Enum => match value.as_str() {
            Some(s) if scalar.values.iter().any(|v| v == s) => {}
            Some(s) => push(
                report,
                path,
                Code::Enum,
                format!(
                    "expected one of {}, got {}",
                    scalar.values.join(", "),
                    quote(s)
                ),
            ),
            None => type_error(report, path, "a string", value),
        },
        // Unknown types are kept as JSON; objects and arrays are walked by the caller.
        ty => {
            if let Some(ty) = ty.scalar() {
                check_typed(ty, scalar, value, path, report);
            }
        }
    }
}

/// A value of a scalar type of the table: its JSON kind, then its format and bounds.
fn check_typed(ty: &ScalarType, scalar: &Scalar, value: &Value, path: &str, report: &mut Report) {
    match (ty.json, value) {
        (JsonKind::String, Value::String(s)) => {
            if let Err((code, message)) = ty.check_format(s) {
                push(report, path, code, message);
            }
            if ty.bounds == Bounds::Length {
                check_length(scalar, s, path, report);
            }
        }
        (JsonKind::Number, Value::Number(n)) => check_range(scalar, n, path, report),
        (JsonKind::Integer, Value::Number(n)) if n.as_i64().is_some() => {
            check_range(scalar, n, path, report)
        }
        (JsonKind::Integer, Value::Number(n)) if n.as_u64().is_some() => push(
            report,
            path,
            Code::Type,
            "expected an integer in the 64-bit signed range".to_owned(),
        ),
        (JsonKind::Boolean, Value::Bool(_)) => {}
        _ => type_error(report, path, ty.expected, value),
    }
}

fn type_error(report: &mut Report, path: &str, expected: &str, value: &Value) {
    push(
        report,
        path,
        Code::Type,
        format!("expected {expected}, got {}", kind(value)),
    );
}

fn check_length(scalar: &Scalar, s: &str, path: &str, report: &mut Report) {
    if scalar.min_length.is_none() && scalar.max_length.is_none() {
        return;
    }
    let length = s.chars().count() as u64;
    if let Some(min) = scalar.min_length.filter(|min| length < *min) {
        push(
            report,
            path,
            Code::Length,
            format!("expected at least {min} characters, got {length}"),
        );
    }
    if let Some(max) = scalar.max_length.filter(|max| length > *max) {
        push(
            report,
            path,
            Code::Length,
            format!("expected at most {max} characters, got {length}"),
        );
    }
}

fn check_range(scalar: &Scalar, n: &Number, path: &str, report: &mut Report) {
    use std::cmp::Ordering::{Greater, Less};
    if let Some(min) = &scalar.minimum {
        if compare_numbers(n, min) == Some(Less) {
            push(
                report,
                path,
                Code::Min,
                format!("expected at least {min}, got {n}"),
            );
        }
    }
    if let Some(max) = &scalar.maximum {
        if compare_numbers(n, max) == Some(Greater) {
            push(
                report,
                path,
                Code::Max,
                format!("expected at most {max}, got {n}"),
            );
        }
    }
}

/// "an object", "a string", ...: what a JSON value is, for messages about data.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
