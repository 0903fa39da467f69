//! The table of variables: one row per key of the `data` object, declared or implied, with the
//! generated Rust field and type.

use std::fmt::Write as _;

use craftkit_core::manifest::{Field, Items, Node, Object, Scalar, VarType};
use serde_json::Value;

use super::Ctx;
use crate::model::{FieldDef, Struct, Ty};
use crate::rustdoc;

/// The index names of nested arrays in Rust paths: `areas[i].photos[j]`.
const INDEXES: &[&str] = &["i", "j", "k", "l", "m", "n"];

pub(super) fn write(out: &mut String, ctx: &Ctx<'_>, root: &Object) {
    out.push_str(
        "| JSON path | Type | Rust field | Rust type | Required | Bounds | Example | Description |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    rows(out, ctx, root, ctx.root(), &ctx.root().name, 0);
}

fn rows(out: &mut String, ctx: &Ctx<'_>, object: &Object, s: &Struct, prefix: &str, depth: usize) {
    for (field, def) in object.fields.iter().zip(&s.fields) {
        let rust_path = format!("{prefix}.{}", field_name(def));
        let cells = [
            rustdoc::code(&field.path),
            type_text(&field.node),
            rustdoc::code(&rust_path),
            rustdoc::code(&rust_type(ctx, &def.ty, def.optional)),
            if field.required { "yes" } else { "no" }.to_owned(),
            bounds(field),
            example(field),
            description(field),
        ];
        out.push('|');
        for text in cells {
            let _ = write!(out, " {} |", cell(&text));
        }
        out.push('\n');
        let inner = match (&field.node, &def.ty) {
            (Node::Object(inner), Ty::Named(name)) => Some((inner, name, rust_path)),
            (
                Node::Array(craftkit_core::manifest::Array {
                    items: Items::Object(inner),
                    ..
                }),
                Ty::Vec(item),
            ) => match &**item {
                Ty::Named(name) => {
                    let index = INDEXES
                        .get(depth)
                        .map_or_else(|| format!("i{}", depth + 1), |i| (*i).to_owned());
                    Some((inner, name, format!("{rust_path}[{index}]")))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((inner, name, path)) = inner {
            if let Some(s) = ctx.structure(name) {
                let depth = depth + usize::from(matches!(field.node, Node::Array(_)));
                rows(out, ctx, inner, s, &path, depth);
            }
        }
    }
}

/// A table cell: one line, with `|` escaped (also inside code spans, as GFM wants).
fn cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ").replace('|', "\\|")
}

pub(super) fn field_name(def: &FieldDef) -> String {
    if def.name.raw {
        format!("r#{}", def.name.text)
    } else {
        def.name.text.clone()
    }
}

/// The field's type as user code writes it: `Option<Vec<charter_handover::Area>>`.
pub(super) fn rust_type(ctx: &Ctx<'_>, ty: &Ty, optional: bool) -> String {
    let rt = ctx.runtime;
    let inner = match ty {
        // A std type by its prelude name (`String`, `f64`), a runtime type by its path.
        Ty::Scalar(scalar) if scalar.rust.is_runtime() => {
            format!("{rt}::{}", scalar.rust.path[1..].join("::"))
        }
        Ty::Scalar(scalar) => scalar
            .rust
            .path
            .last()
            .copied()
            .unwrap_or_default()
            .to_owned(),
        Ty::Json => format!("{rt}::serde_json::Value"),
        Ty::JsonMap => format!("{rt}::serde_json::Map<String, {rt}::serde_json::Value>"),
        Ty::Named(name) => format!("{}::{name}", ctx.module()),
        Ty::Vec(item) => format!("Vec<{}>", rust_type(ctx, item, false)),
        Ty::Custom(custom) => custom.text.clone(),
    };
    if optional {
        format!("Option<{inner}>")
    } else {
        inner
    }
}

fn type_text(node: &Node) -> String {
    match node {
        Node::Scalar(s) => scalar_type(s),
        Node::Object(_) => "object".to_owned(),
        Node::OpaqueObject => "object (any keys)".to_owned(),
        Node::Array(a) => match &a.items {
            Items::Scalar(s) => format!("array of {}", scalar_type(s)),
            Items::Object(_) => "array of objects".to_owned(),
        },
    }
}

fn scalar_type(s: &Scalar) -> String {
    match &s.ty {
        VarType::Unknown(name) => format!("{} (unknown: raw JSON)", rustdoc::code(name)),
        ty => rustdoc::code(ty.as_str()),
    }
}

fn bounds(field: &Field) -> String {
    let mut parts = Vec::new();
    let scalar = match &field.node {
        Node::Scalar(s) => Some(s),
        Node::Array(a) => {
            if let Some(range) = range(
                a.min_items.map(|n| n.to_string()),
                a.max_items.map(|n| n.to_string()),
            ) {
                parts.push(format!("items: {range}"));
            }
            match &a.items {
                Items::Scalar(s) => Some(s),
                Items::Object(_) => None,
            }
        }
        _ => None,
    };
    let each = if matches!(field.node, Node::Array(_)) {
        "each "
    } else {
        ""
    };
    if let Some(s) = scalar {
        if let Some(range) = range(
            s.min_length.map(|n| n.to_string()),
            s.max_length.map(|n| n.to_string()),
        ) {
            parts.push(format!("{each}{range} characters"));
        }
        if let Some(range) = range(
            s.minimum.as_ref().map(ToString::to_string),
            s.maximum.as_ref().map(ToString::to_string),
        ) {
            parts.push(format!("{each}{range}"));
        }
        if !s.values.is_empty() {
            let values: Vec<String> = s.values.iter().map(|v| rustdoc::code(v)).collect();
            parts.push(format!("{each}one of {}", values.join(", ")));
        }
    }
    if let Some(format) = field.variable.as_ref().and_then(|v| v.format.as_deref()) {
        parts.push(format!("format {}", rustdoc::code(format)));
    }
    parts.join("; ")
}

/// [`rustdoc::range_text`], with equal bounds said as `exactly N`.
fn range(min: Option<String>, max: Option<String>) -> Option<String> {
    match (min, max) {
        (Some(min), Some(max)) if min == max => Some(format!("exactly {min}")),
        (min, max) => rustdoc::range_text(min, max),
    }
}

fn example(field: &Field) -> String {
    const MAX: usize = 60;
    let Some(value) = field.variable.as_ref().and_then(|v| v.example.as_ref()) else {
        return String::new();
    };
    let text = match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => value.to_string(),
        _ => serde_json::to_string(value).unwrap_or_default(),
    };
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => rustdoc::code(&format!("{}…", &text[..cut])),
        None => rustdoc::code(&text),
    }
}

fn description(field: &Field) -> String {
    let mut parts: Vec<String> = Vec::new();
    match &field.variable {
        Some(variable) => {
            if let Some(description) = &variable.description {
                parts.push(super::prose(description).join("<br>"));
            }
        }
        None => parts.push("Not declared: implied by the variables inside it.".to_owned()),
    }
    let unknown = match &field.node {
        Node::Scalar(s) => Some(s),
        Node::Array(craftkit_core::manifest::Array {
            items: Items::Scalar(s),
            ..
        }) => Some(s),
        _ => None,
    }
    .and_then(|s| match &s.ty {
        VarType::Unknown(name) => Some(name),
        _ => None,
    });
    if let Some(name) = unknown {
        parts.push(format!(
            "The type {} is not known to this version of craftkit: the value is kept as raw JSON.",
            rustdoc::code(name)
        ));
    }
    parts.join("<br>")
}
