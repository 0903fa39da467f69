//! Makes a large, valid manifest of a given number of variables, shaped like real templates:
//! nested objects (up to four levels), arrays of objects with their own fields, scalar arrays,
//! enums, every scalar type, bounds, examples and descriptions, and sibling keys that collide
//! once converted to Rust names. Used by the generator's benchmark and by
//! `cargo run --release -p craftkit-codegen --example make_manifest -- N`.

use serde_json::{Value, json};

/// A manifest of exactly `variables` variables.
pub fn big_manifest(variables: usize) -> Value {
    let mut list = Vec::with_capacity(variables);
    let mut i = 0;
    while list.len() < variables {
        let group = i / 20;
        let section = format!("section{}", group % 50);
        let within = format!("part{}", group);
        let path = match i % 20 {
            0 => {
                json!({"path": format!("{section}.{within}.title"), "type": "string", "required": true, "minLength": 1, "maxLength": 80, "example": "A title", "description": "A title: see [notes] <here>"})
            }
            1 => json!({"path": format!("{section}.{within}.body"), "type": "text"}),
            2 => {
                json!({"path": format!("{section}.{within}.amount"), "type": "number", "minimum": 0, "maximum": 1e6, "example": 12.5})
            }
            3 => {
                json!({"path": format!("{section}.{within}.count"), "type": "integer", "required": true, "minimum": 0})
            }
            4 => json!({"path": format!("{section}.{within}.flag"), "type": "boolean"}),
            5 => {
                json!({"path": format!("{section}.{within}.on"), "type": "date", "example": "2026-06-14"})
            }
            6 => json!({"path": format!("{section}.{within}.at"), "type": "datetime"}),
            7 => {
                json!({"path": format!("{section}.{within}.state"), "type": "enum", "values": ["in-progress", "in_progress", "done", "DONE"], "required": true})
            }
            8 => json!({"path": format!("{section}.{within}.logo"), "type": "image"}),
            9 => json!({"path": format!("{section}.{within}.sign"), "type": "signature"}),
            10 => json!({"path": format!("{section}.{within}.firstName"), "type": "string"}),
            11 => json!({"path": format!("{section}.{within}.first_name"), "type": "string"}),
            12 => {
                json!({"path": format!("{section}.{within}.rows[]"), "type": "array", "minItems": 1, "maxItems": 50})
            }
            13 => {
                json!({"path": format!("{section}.{within}.rows[].label"), "type": "string", "required": true})
            }
            14 => json!({"path": format!("{section}.{within}.rows[].value"), "type": "number"}),
            15 => {
                json!({"path": format!("{section}.{within}.rows[].address.city"), "type": "string"})
            }
            16 => {
                json!({"path": format!("{section}.{within}.tags[]"), "type": "array", "items": "string", "maxItems": 10})
            }
            17 => {
                json!({"path": format!("{section}.{within}.levels[]"), "type": "array", "items": "enum", "values": ["low", "high"]})
            }
            18 => {
                json!({"path": format!("{section}.{within}.address.city"), "type": "string", "required": true})
            }
            _ => {
                json!({"path": format!("{section}.{within}.type"), "type": "string", "description": "A keyword as a key"})
            }
        };
        list.push(path);
        i += 1;
    }
    json!({
        "slug": format!("big-{variables}"),
        "name": format!("{variables} variables"),
        "version": 1,
        "status": "published",
        "pipeline": "html",
        "variables": Value::Array(list),
    })
}
