//! The Rust example of the docs page of template `invoice`, compiled against the generated
//! types: it must build, validate, serialize to the page's JSON and read back from it.
//! Written by `tests/docs_page.rs` (UPDATE_SNAPSHOTS=1): do not edit.
#![deny(warnings)]

/// The generated types, as a user's crate would have them.
mod generated {
    include!("../../snapshots/invoice.rs");
}

#[allow(unused_imports)]
use generated::*;

use craftkit_runtime::Template as _;

/// The page's example payload.
const JSON: &str = r#"{
  "number": "INV-2026-0042",
  "issued_on": "2026-10-01",
  "due_on": "2026-10-31",
  "currency": "EUR",
  "seller": {
    "name": "Example",
    "address": {
      "street": "Example",
      "city": "Example",
      "postcode": "Example",
      "country": "Example"
    }
  },
  "buyer": {
    "name": "Example",
    "address": {
      "street": "Example",
      "city": "Example",
      "country": "Example"
    }
  },
  "lines": [
    {
      "description": "Example",
      "quantity": 1,
      "unit_price": 1
    }
  ],
  "totals": {
    "net": 1,
    "tax": 1,
    "gross": 1
  }
}"#;

fn example() -> Invoice {
    Invoice {
        number: "INV-2026-0042".into(),
        issued_on: craftkit_runtime::Date::parse("2026-10-01").unwrap(),
        due_on: craftkit_runtime::Date::parse("2026-10-31").unwrap(),
        currency: invoice::Currency::Eur,
        seller: invoice::Seller {
            name: "Example".into(),
            vat_id: None,
            address: invoice::SellerAddress {
                street: "Example".into(),
                city: "Example".into(),
                postcode: "Example".into(),
                country: "Example".into(),
            },
        },
        buyer: invoice::Buyer {
            name: "Example".into(),
            address: invoice::BuyerAddress {
                street: "Example".into(),
                city: "Example".into(),
                postcode: None,
                country: "Example".into(),
            },
            reference: None,
        },
        lines: vec![invoice::Line {
            description: "Example".into(),
            quantity: 1.0,
            unit: None,
            unit_price: 1.0,
            tax_rate: None,
        }],
        totals: invoice::Totals {
            net: 1.0,
            tax: 1.0,
            gross: 1.0,
        },
        paid: None,
        payment_terms: None,
        logo: None,
        approved_by: None,
    }
}

fn main() {
    let built = example();
    built.validate().expect("the example is within bounds");
    let expected: craftkit_runtime::serde_json::Value =
        craftkit_runtime::serde_json::from_str(JSON).unwrap();
    let json = craftkit_runtime::serde_json::to_value(&built).unwrap();
    assert_eq!(json, expected);
    let read: Invoice = craftkit_runtime::serde_json::from_str(JSON).unwrap();
    assert_eq!(read, built);
}
