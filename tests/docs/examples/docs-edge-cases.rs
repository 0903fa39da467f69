//! The Rust example of the docs page of template `docs-edge-cases`, compiled against the generated
//! types: it must build, validate, serialize to the page's JSON and read back from it.
//! Written by `tests/docs_page.rs` (UPDATE_SNAPSHOTS=1): do not edit.
#![deny(warnings)]

/// The generated types, as a user's crate would have them.
mod generated {
    include!("generated/docs-edge-cases.rs");
}

#[allow(unused_imports)]
use generated::*;

use craftkit_runtime::Template as _;

/// The page's example payload.
const JSON: &str = r#"{
  "meta": {
    "a": 1,
    "b": [
      true,
      null
    ],
    "big": 9007199254740993,
    "nested": {
      "x": "y"
    }
  },
  "blank": {},
  "qr": {
    "e": 1e+300,
    "f": -1.5,
    "min": -9223372036854775808,
    "n": -3000000000,
    "text": "hi",
    "u": 18446744073709551615
  },
  "code": "example",
  "temp": -10,
  "ratio": -0.25,
  "huge": 1e+300,
  "whole": 3,
  "floor": -9223372036854775808,
  "type": "Self",
  "self": "Exa",
  "Name": "Example",
  "name": "ada@example.org",
  "quote": "He said \"hi\" `x`\n```\nü \\ end | pipe",
  "when": "2026-06-14T15:00:00.123+02:00",
  "on": "2026-01-01",
  "logo": "https://example.org/a.png",
  "sig": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "levels": [
    "low",
    "low"
  ],
  "weights": [
    1.5,
    2,
    3
  ],
  "none": [],
  "sections": [
    {
      "rows": [
        {
          "cells": [
            5
          ],
          "fn": false
        }
      ],
      "title": "Intro"
    },
    {
      "rows": [
        {
          "cells": [
            5
          ],
          "fn": false
        }
      ],
      "title": "Intro"
    }
  ]
}"#;

fn example() -> DocsEdgeCases {
    DocsEdgeCases {
        meta: craftkit_runtime::serde_json::Map::from_iter([
            ("a".to_owned(), craftkit_runtime::serde_json::json!(1)),
            ("b".to_owned(), craftkit_runtime::serde_json::json!([true, null])),
            ("big".to_owned(), craftkit_runtime::serde_json::json!(9007199254740993i64)),
            ("nested".to_owned(), craftkit_runtime::serde_json::json!({"x": "y"})),
        ]),
        extra: None,
        blank: craftkit_runtime::serde_json::Map::new(),
        qr: craftkit_runtime::serde_json::json!({
            "e": 1e300,
            "f": -1.5,
            "min": -9223372036854775808i64,
            "n": -3000000000i64,
            "text": "hi",
            "u": 18446744073709551615u64
        }),
        code: craftkit_runtime::serde_json::json!("example"),
        temp: -10.0,
        ratio: Some(-0.25),
        huge: Some(1e300),
        whole: 3.0,
        floor: -9223372036854775808,
        r#type: docs_edge_cases::Type::SelfValue,
        self_: "Exa".into(),
        name_pascal: "Example".into(),
        name: "ada@example.org".into(),
        quote: "He said \"hi\" `x`\n```\nü \\ end | pipe".into(),
        when: craftkit_runtime::DateTime::parse("2026-06-14T15:00:00.123+02:00")
            .unwrap(),
        on: craftkit_runtime::Date::parse("2026-01-01").unwrap(),
        logo: Some(craftkit_runtime::Image::parse("https://example.org/a.png").unwrap()),
        sig: craftkit_runtime::Signature::parse(
                "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
            )
            .unwrap(),
        levels: vec![docs_edge_cases::Level::Low, docs_edge_cases::Level::Low],
        weights: vec![1.5, 2.0, 3.0],
        none: vec![],
        sections: vec![
            docs_edge_cases::Section {
                rows: vec![docs_edge_cases::Row {
                    cells: vec![5],
                    r#fn: Some(false),
                }],
                title: Some("Intro".into()),
            },
            docs_edge_cases::Section {
                rows: vec![docs_edge_cases::Row {
                    cells: vec![5],
                    r#fn: Some(false),
                }],
                title: Some("Intro".into()),
            },
        ],
    }
}

fn main() {
    let built = example();
    built.validate().expect("the example is within bounds");
    let expected: craftkit_runtime::serde_json::Value =
        craftkit_runtime::serde_json::from_str(JSON).unwrap();
    let json = craftkit_runtime::serde_json::to_value(&built).unwrap();
    assert_eq!(json, expected);
    let read: DocsEdgeCases = craftkit_runtime::serde_json::from_str(JSON).unwrap();
    assert_eq!(read, built);
}
