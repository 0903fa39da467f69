//! A batch file's lines: each one JSON `data` object, or `{"key": ..., "data": ...}`; the
//! key of a line without one, derived from the slug and the line's canonical JSON; and the
//! share of lines a `--shard K/N` takes.

use std::io::BufRead;

use craftkit_core::manifest::canonical_json;
use craftkit_runtime::client::derive_idempotency_key;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One non-blank line of a batch file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Line {
    /// A line to render.
    Item {
        /// 1-based.
        number: u64,
        key: String,
        data: Value,
    },
    /// A line that cannot be rendered: not JSON, not an object, a bad key.
    Malformed {
        number: u64,
        /// Derived from the raw text, so that exactly one shard reports the line.
        key: String,
        problem: String,
    },
}

impl Line {
    pub(crate) fn key(&self) -> &str {
        match self {
            Line::Item { key, .. } | Line::Malformed { key, .. } => key,
        }
    }
}

/// The key of a line without one: the same slug and the same JSON (whatever its key order
/// and whitespace) give the same key, so a rerun of the file renders nothing twice.
pub(crate) fn derived_key(slug: &str, data: &Value) -> String {
    derive_idempotency_key(slug, &["cargo-craftkit-batch", &canonical_json(data)])
}

/// Reads line `number` (1-based) of the batch for template `slug`; `None` for a blank line.
pub(crate) fn parse(slug: &str, number: u64, raw: &[u8]) -> Option<Line> {
    let malformed = |problem: String| {
        let text = String::from_utf8_lossy(raw);
        Line::Malformed {
            number,
            key: derive_idempotency_key(slug, &["cargo-craftkit-malformed", text.trim()]),
            problem,
        }
    };
    let Ok(text) = std::str::from_utf8(raw) else {
        return Some(malformed("not UTF-8".into()));
    };
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return Some(malformed(format!("not JSON: {e}"))),
    };
    let Value::Object(object) = value else {
        return Some(malformed(
            "not a JSON object: a line is a template's `data`, or {\"key\": ..., \"data\": ...}"
                .into(),
        ));
    };
    let wrapped = object.get("data").is_some_and(Value::is_object)
        && object.keys().all(|k| k == "key" || k == "data");
    if !wrapped {
        let data = Value::Object(object);
        return Some(Line::Item {
            number,
            key: derived_key(slug, &data),
            data,
        });
    }
    let mut object = object;
    let data = object.remove("data").unwrap_or(Value::Null);
    let key = match object.remove("key") {
        None => derived_key(slug, &data),
        Some(Value::String(key))
            if (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x20..0x7f).contains(&b)) =>
        {
            key
        }
        Some(_) => {
            return Some(malformed(
                "`key` is not 1 to 255 printable ASCII characters".into(),
            ));
        }
    };
    Some(Line::Item { number, key, data })
}

/// The lines of a file, numbered from 1, as raw bytes (a line that is not UTF-8 is a
/// malformed line, not the end of the batch). A line over 20 MiB, which no request could carry,
/// is an error and the end: the first pass, which counts the lines, finds it before anything
/// is rendered, and no more than that is ever held.
pub(crate) fn read(reader: impl BufRead) -> impl Iterator<Item = (u64, std::io::Result<Vec<u8>>)> {
    crate::files::lines(reader, crate::files::MAX_FILE_BYTES)
        .zip(1..)
        .map(|(line, number)| (number, line))
}

/// `--shard K/N`: the K-th of N disjoint shares of the lines (K from 1), by a hash of each
/// line's key: N machines given the same file and the shards 1/N to N/N render every line
/// exactly once between them, without talking to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    pub k: u64,
    pub n: u64,
}

impl Shard {
    /// Parses `K/N` with 1 <= K <= N.
    pub(crate) fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard `{text}`: expected K/N with 1 <= K <= N, such as 2/8");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether the line with `key` is in this shard: the first 8 bytes of the key's SHA-256,
    /// as a big-endian number, modulo N (stable across machines, versions and platforms).
    pub(crate) fn contains(&self, key: &str) -> bool {
        let digest = Sha256::digest(key.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.n == self.k - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(line: Option<Line>) -> (String, Value) {
        match line {
            Some(Line::Item { key, data, .. }) => (key, data),
            other => panic!("expected an item, got {other:?}"),
        }
    }

    fn problem(line: Option<Line>) -> String {
        match line {
            Some(Line::Malformed { problem, .. }) => problem,
            other => panic!("expected a malformed line, got {other:?}"),
        }
    }

    #[test]
    fn a_data_line_gets_a_key_from_the_slug_and_its_canonical_json() {
        let (a, data) = item(parse(
            "invoice",
            1,
            br#"{"b": 1, "a": {"y": 2, "x": [1, 2]}}"#,
        ));
        assert_eq!(data, json!({"a": {"x": [1, 2], "y": 2}, "b": 1}));
        let (b, _) = item(parse(
            "invoice",
            9,
            b"  {\"a\":{\"x\":[1,2],\"y\":2},\"b\":1}\r",
        ));
        assert_eq!(
            a, b,
            "key order, whitespace and the line number do not matter"
        );
        let (c, _) = item(parse(
            "lease",
            1,
            br#"{"b": 1, "a": {"y": 2, "x": [1, 2]}}"#,
        ));
        assert_ne!(a, c, "the slug does");
        let (d, _) = item(parse(
            "invoice",
            1,
            br#"{"b": 2, "a": {"y": 2, "x": [1, 2]}}"#,
        ));
        assert_ne!(a, d, "the content does");
    }

    #[test]
    fn a_wrapped_line_carries_its_key_or_gets_one() {
        let (key, data) = item(parse(
            "invoice",
            1,
            br#"{"key": "inv-42", "data": {"n": 1}}"#,
        ));
        assert_eq!((key.as_str(), data), ("inv-42", json!({"n": 1})));
        let (key, data) = item(parse("invoice", 1, br#"{"data": {"n": 1}}"#));
        assert_eq!(data, json!({"n": 1}));
        assert_eq!(key, derived_key("invoice", &json!({"n": 1})));
        // `data` beside other variables is the template's own variable, not a wrapper.
        let (_, data) = item(parse("invoice", 1, br#"{"data": {"n": 1}, "total": 3}"#));
        assert_eq!(data, json!({"data": {"n": 1}, "total": 3}));
    }

    #[test]
    fn a_bad_line_is_malformed_with_the_reason() {
        assert!(problem(parse("t", 3, b"{not json")).starts_with("not JSON"));
        assert!(problem(parse("t", 3, b"[1, 2]")).starts_with("not a JSON object"));
        assert!(problem(parse("t", 3, b"\xff\xfe")).contains("UTF-8"));
        assert!(problem(parse("t", 3, br#"{"key": 7, "data": {}}"#)).contains("`key`"));
        assert!(problem(parse("t", 3, br#"{"key": "", "data": {}}"#)).contains("`key`"));
        assert_eq!(parse("t", 3, b"   "), None);
        let Some(Line::Malformed { number, .. }) = parse("t", 3, b"{") else {
            panic!()
        };
        assert_eq!(number, 3);
    }

    #[test]
    fn shards_partition_the_lines() {
        let keys: Vec<String> = (0..2_000)
            .map(|i| derived_key("invoice", &json!({ "n": i })))
            .collect();
        for n in [1, 2, 3, 7] {
            let shards: Vec<Shard> = (1..=n).map(|k| Shard { k, n }).collect();
            let mut sizes = vec![0usize; n as usize];
            for key in &keys {
                let owners: Vec<usize> = shards
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.contains(key))
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(owners.len(), 1, "{key} is in exactly one of {n} shards");
                sizes[owners[0]] += 1;
            }
            let fair = keys.len() / n as usize;
            assert!(
                sizes.iter().all(|s| s.abs_diff(fair) < fair / 4 + 10),
                "shares of about {fair}: {sizes:?}"
            );
        }
    }

    #[test]
    fn a_shard_is_k_of_n() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { k: 2, n: 8 }));
        for bad in ["0/3", "4/3", "1/0", "1", "a/b", "1/2/3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
