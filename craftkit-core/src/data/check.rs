//! The recursive walk of data along the tree. It descends only where the manifest does, so its
//! depth is bounded by the manifest's, whatever the data holds.

use std::collections::HashSet;

use serde_json::{Map, Number, Value};

use super::{Code, Report, Violation};
use crate::manifest::{Array, Items, Node, Object, Scalar, VarType, compare_numbers};
use crate::value::{Date, DateTime, Image};

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
    let type_error = |report: &mut Report, expected: &str| {
        push(
            report,
            path,
            Code::Type,
            format!("expected {expected}, got {}", kind(value)),
        )
    };
    match &scalar.ty {
        VarType::String | VarType::Text => match value.as_str() {
            Some(s) => check_length(scalar, s, path, report),
            None => type_error(report, "a string"),
        },
        VarType::Number => match value {
            Value::Number(n) => check_range(scalar, n, path, report),
            _ => type_error(report, "a number"),
        },
        VarType::Integer => match value {
            Value::Number(n) if n.as_i64().is_some() => check_range(scalar, n, path, report),
            Value::Number(n) if n.as_u64().is_some() => push(
                report,
                path,
                Code::Type,
                "expected an integer in the 64-bit signed range".to_owned(),
            ),
            _ => type_error(report, "an integer"),
        },
        VarType::Boolean if value.is_boolean() => {}
        VarType::Boolean => type_error(report, "true or false"),
        VarType::Date => match value.as_str() {
            Some(s) if Date::parse(s).is_ok() => {}
            Some(s) => push(
                report,
                path,
                Code::Format,
                format!("expected a date as YYYY-MM-DD, got {}", quote(s)),
            ),
            None => type_error(report, "a date string (YYYY-MM-DD)"),
        },
        VarType::DateTime => match value.as_str() {
            Some(s) if DateTime::parse(s).is_ok() => {}
            Some(s) => push(
                report,
                path,
                Code::Format,
                format!(
                    "expected an RFC 3339 date-time with an offset (2026-06-14T15:00:00+02:00), got {}",
                    quote(s)
                ),
            ),
            None => type_error(report, "a date-time string"),
        },
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
            None => type_error(report, "a string"),
        },
        VarType::Image | VarType::Signature => match value.as_str() {
            Some(s) => {
                if let Err(error) = Image::validate(s) {
                    push(report, path, Code::Image, error.to_string());
                }
            }
            None => type_error(report, "an https:// URL or a data: URI"),
        },
        VarType::Unknown(_) => {}
        VarType::Object | VarType::Array => {}
    }
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

/// A string quoted for a message, cut short so a 10 MiB value never lands in a log.
fn quote(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
        None => format!("{s:?}"),
    }
}
