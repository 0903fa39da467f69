//! The Rust example of the docs page of template `kitchen-sink`, compiled against the generated
//! types: it must build, validate, serialize to the page's JSON and read back from it.
//! Written by `tests/docs_page.rs` (UPDATE_SNAPSHOTS=1): do not edit.
#![deny(warnings)]

/// The generated types, as a user's crate would have them.
mod generated {
    include!("../../snapshots/kitchen-sink.rs");
}

#[allow(unused_imports)]
use generated::*;

use craftkit_runtime::Template as _;

/// The page's example payload.
const JSON: &str = r#"{
  "title": "Everything",
  "count": 1,
  "big": 9007199254740993,
  "day": "2026-02-28",
  "at": "2026-02-28T23:59:59Z",
  "status": "in-progress",
  "a": {
    "b": {
      "c": {
        "d": {
          "e": {
            "f": "Example"
          }
        }
      }
    }
  },
  "sections": [
    {
      "heading": "Example"
    }
  ],
  "home": {
    "address": {
      "city": "Example"
    }
  }
}"#;

fn example() -> KitchenSink {
    KitchenSink {
        title: "Everything".into(),
        body: None,
        ratio: None,
        count: 1,
        big: Some(9007199254740993),
        flag: None,
        day: Some(craftkit_runtime::Date::parse("2026-02-28").unwrap()),
        at: Some(craftkit_runtime::DateTime::parse("2026-02-28T23:59:59Z").unwrap()),
        status: kitchen_sink::Status::InProgress,
        logo: None,
        sig: None,
        qr: None,
        r#type: None,
        r#fn: None,
        self_: None,
        self_pascal: None,
        crate_: None,
        super_: None,
        r#async: None,
        underscore: None,
        first_name_camel: None,
        first_name: None,
        first_name_kebab: None,
        name_pascal: None,
        name: None,
        _2nd_line: None,
        anderungs_datum: None,
        e_mail: None,
        option: None,
        result: None,
        string: None,
        kitchen_sink: None,
        tags: None,
        scores: None,
        levels: None,
        gallery: None,
        a: kitchen_sink::A {
            b: kitchen_sink::B {
                c: kitchen_sink::C {
                    d: kitchen_sink::D {
                        e: kitchen_sink::E {
                            f: "Example".into(),
                        },
                    },
                },
                x: None,
            },
        },
        sections: vec![kitchen_sink::Section {
            heading: "Example".into(),
            rows: None,
        }],
        home: kitchen_sink::Home {
            address: kitchen_sink::HomeAddress {
                city: "Example".into(),
                zip: None,
            },
        },
        work: None,
    }
}

fn main() {
    let built = example();
    built.validate().expect("the example is within bounds");
    let expected: craftkit_runtime::serde_json::Value =
        craftkit_runtime::serde_json::from_str(JSON).unwrap();
    let json = craftkit_runtime::serde_json::to_value(&built).unwrap();
    assert_eq!(json, expected);
    let read: KitchenSink = craftkit_runtime::serde_json::from_str(JSON).unwrap();
    assert_eq!(read, built);
}
