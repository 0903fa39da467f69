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
    let mut canonical = Vec::new();
    write_canonical(&binding, &mut canonical);
    let digest = Sha256::digest(&canonical);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// `value` as canonical JSON: compact, with object keys sorted at every level. Two documents
/// that differ only in key order and white space have the same canonical form.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    // Only serde_json's own output and ASCII punctuation were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Compact JSON with object keys sorted at every level. Sorting here, rather than relying on
/// `serde_json::Map` being a `BTreeMap`, keeps the fingerprint stable even when another crate
/// in the build turns on serde_json's `preserve_order` feature. Keys and scalars are written
/// by serde_json straight into `out` (no copy of a key, no `String` per scalar).
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(key, out);
                out.push(b':');
                write_canonical(value, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

/// A string, number, boolean or null as compact JSON.
fn write_scalar(value: &(impl serde::Serialize + ?Sized), out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail, and these values always serialize.
    let _ = serde_json::to_writer(out, value);
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
