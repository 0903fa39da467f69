//! The Rust example of the docs page of template `charter-handover`, compiled against the generated
//! types: it must build, validate, serialize to the page's JSON and read back from it.
//! Written by `tests/docs_page.rs` (UPDATE_SNAPSHOTS=1): do not edit.
#![deny(warnings)]

/// The generated types, as a user's crate would have them.
mod generated {
    include!("../../snapshots/charter-handover.rs");
}

#[allow(unused_imports)]
use generated::*;

use craftkit_runtime::Template as _;

/// The page's example payload.
const JSON: &str = r#"{
  "booking": {
    "code": "BK-2931",
    "embarkation": "2026-06-14T15:00:00+02:00",
    "disembarkation": "2026-06-21T09:00:00+02:00",
    "base": "ACI Marina Split"
  },
  "vessel": {
    "name": "Aurora",
    "model": "Bavaria C42",
    "length_m": 12.8,
    "registration": "ST-4411"
  },
  "charterer": {
    "fullName": "Ada Lovelace",
    "email": "ada@example.org"
  },
  "guests": 6,
  "crew": [
    "Marko",
    "Iva"
  ],
  "fuel_level": 95,
  "engine_hours": 1412,
  "deposit_taken": true,
  "areas": [
    {
      "name": "Galley",
      "condition": "ok"
    }
  ],
  "inventory": [
    {
      "item": "Life jacket",
      "quantity": 8,
      "checked": true
    }
  ],
  "handed_over_on": "2026-06-14",
  "signatures": {
    "captain": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "charterer": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
  },
  "company_logo": "https://assets.example.org/logo.png"
}"#;

fn example() -> CharterHandover {
    CharterHandover {
        booking: charter_handover::Booking {
            code: "BK-2931".into(),
            embarkation: craftkit_runtime::DateTime::parse("2026-06-14T15:00:00+02:00")
                .unwrap(),
            disembarkation: craftkit_runtime::DateTime::parse(
                    "2026-06-21T09:00:00+02:00",
                )
                .unwrap(),
            base: Some("ACI Marina Split".into()),
        },
        vessel: charter_handover::Vessel {
            name: "Aurora".into(),
            model: Some("Bavaria C42".into()),
            length_m: Some(12.8),
            registration: Some("ST-4411".into()),
        },
        charterer: charter_handover::Charterer {
            full_name: "Ada Lovelace".into(),
            email: Some("ada@example.org".into()),
            phone: None,
            licence_number: None,
        },
        guests: 6,
        crew: Some(vec!["Marko".into(), "Iva".into()]),
        fuel_level: 95.0,
        water_level: None,
        engine_hours: Some(1412),
        deposit_taken: true,
        areas: vec![charter_handover::Area {
            name: "Galley".into(),
            condition: charter_handover::Condition::Ok,
            notes: None,
            photos: None,
        }],
        inventory: Some(
            vec![charter_handover::InventoryItem {
                item: "Life jacket".into(),
                quantity: 8,
                checked: Some(true),
            }],
        ),
        handover_notes: None,
        handed_over_on: craftkit_runtime::Date::parse("2026-06-14").unwrap(),
        signatures: charter_handover::Signatures {
            captain: craftkit_runtime::Signature::parse(
                    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
                )
                .unwrap(),
            charterer: craftkit_runtime::Signature::parse(
                    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
                )
                .unwrap(),
        },
        company_logo: Some(
            craftkit_runtime::Image::parse("https://assets.example.org/logo.png")
                .unwrap(),
        ),
    }
}

fn main() {
    let built = example();
    built.validate().expect("the example is within bounds");
    let expected: craftkit_runtime::serde_json::Value =
        craftkit_runtime::serde_json::from_str(JSON).unwrap();
    let json = craftkit_runtime::serde_json::to_value(&built).unwrap();
    assert_eq!(json, expected);
    let read: CharterHandover = craftkit_runtime::serde_json::from_str(JSON).unwrap();
    assert_eq!(read, built);
}
