//! The canonical fingerprint of a manifest.

use std::fmt::Write;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::types::Manifest;

pub(crate) fn fingerprint(manifest: &Manifest) -> String {
    let binding = json!({
        "slug": manifest.slug,
        "version": manifest.version,
        "pipeline": manifest.pipeline,
        "variables": manifest.variables,
    });
    let mut canonical = String::new();
    write_canonical(&binding, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// `value` as canonical JSON: compact, with object keys sorted at every level. Two documents
/// that differ only in key order and white space have the same canonical form.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// Compact JSON with object keys sorted at every level. Sorting here, rather than relying on
/// `serde_json::Map` being a `BTreeMap`, keeps the fingerprint stable even when another crate
/// in the build turns on serde_json's `preserve_order` feature.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::Manifest;

    const A: &str = r#"{"slug": "t", "version": 2, "pipeline": "html", "name": "T",
        "variables": [{"path": "a", "type": "string", "required": true, "maxLength": 3}]}"#;

    #[test]
    fn key_order_and_white_space_do_not_change_it() {
        let b = r#"{"variables":[{"maxLength":3,"required":true,"type":"string","path":"a"}],"pipeline":"html","version":2,"slug":"t","name":"Other name","x-new":1}"#;
        let a = Manifest::from_json(A).unwrap().fingerprint();
        assert_eq!(a, Manifest::from_json(b).unwrap().fingerprint());
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn binding_changes_change_it() {
        let a = Manifest::from_json(A).unwrap().fingerprint();
        let bumped = A.replace("\"version\": 2", "\"version\": 3");
        let looser = A.replace("\"maxLength\": 3", "\"maxLength\": 4");
        assert_ne!(a, Manifest::from_json(&bumped).unwrap().fingerprint());
        assert_ne!(a, Manifest::from_json(&looser).unwrap().fingerprint());
    }
}
