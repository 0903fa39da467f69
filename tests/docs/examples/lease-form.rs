//! The Rust example of the docs page of template `lease-form`, compiled against the generated
//! types: it must build, validate, serialize to the page's JSON and read back from it.
//! Written by `tests/docs_page.rs` (UPDATE_SNAPSHOTS=1): do not edit.
#![deny(warnings)]

/// The generated types, as a user's crate would have them.
mod generated {
    include!("../../snapshots/lease-form.rs");
}

#[allow(unused_imports)]
use generated::*;

use craftkit_runtime::Template as _;

/// The page's example payload.
const JSON: &str = r#"{
  "Tenant Name": "Grace Hopper",
  "tenant": {
    "signature": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
  },
  "1st-payment": "2026-01-01",
  "monthlyRent": 1,
  "type": "fixed-term",
  "landlord": {
    "signature": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
  }
}"#;

fn example() -> LeaseForm {
    LeaseForm {
        tenant_name: "Grace Hopper".into(),
        tenant: lease_form::Tenant {
            e_mail: None,
            phone_number: None,
            signature: craftkit_runtime::Signature::parse(
                    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
                )
                .unwrap(),
        },
        _1st_payment: craftkit_runtime::Date::parse("2026-01-01").unwrap(),
        monthly_rent: 1.0,
        monthly_rent_in_words: None,
        r#type: lease_form::Type::FixedTerm,
        pets_allowed: None,
        self_: None,
        landlord: lease_form::Landlord {
            signature: craftkit_runtime::Signature::parse(
                    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
                )
                .unwrap(),
        },
    }
}

fn main() {
    let built = example();
    built.validate().expect("the example is within bounds");
    let expected: craftkit_runtime::serde_json::Value =
        craftkit_runtime::serde_json::from_str(JSON).unwrap();
    let json = craftkit_runtime::serde_json::to_value(&built).unwrap();
    assert_eq!(json, expected);
    let read: LeaseForm = craftkit_runtime::serde_json::from_str(JSON).unwrap();
    assert_eq!(read, built);
}
