//! The invoice template with the overrides of `.craftkit/config.toml`: money as
//! `rust_decimal::Decimal`, dates as `chrono::NaiveDate`, `Eq` and `Hash` on every type, the
//! item type renamed `InvoiceLine` and `buyer.reference` the field `purchase_order`.

use std::str::FromStr;

use chrono::NaiveDate;
use craftkit_runtime::craftkit_template;
use rust_decimal::Decimal;

/// The invoice document: its fields come from `.craftkit/manifests/invoice.json`, shaped by
/// `.craftkit/config.toml`.
#[craftkit_template("invoice")]
pub struct Invoice;

/// A note left with a delivery: every variable of the template is optional.
#[craftkit_template("delivery-note")]
pub struct DeliveryNote;

/// A delivery note that says only who it is for. Every field of `DeliveryNote` and of its
/// `Recipient` is optional, so both implement `Default`: name what you set, default the rest.
pub fn short_note() -> DeliveryNote {
    DeliveryNote {
        recipient: Some(delivery_note::Recipient {
            name: Some("Ada Lovelace".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A decimal amount from its text.
fn money(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_default()
}

/// An invoice of two lines, built with the generated builders.
pub fn sample_invoice() -> Invoice {
    let address = |street: &str, city: &str, country: &str| {
        (street.to_owned(), city.to_owned(), country.to_owned())
    };
    let (street, city, country) = address("Obala 1", "Split", "HR");
    let lines = [
        invoice::InvoiceLine::builder()
            .description("Charter week, Bavaria C42")
            .quantity(Decimal::ONE)
            .unit_price(money("3150.00"))
            .tax_rate(money("0.13"))
            .build(),
        invoice::InvoiceLine::builder()
            .description("Skipper, per day")
            .quantity(Decimal::from(7))
            .unit_price(money("180.50"))
            .build(),
    ];
    Invoice::builder()
        .number("INV-2026-0042")
        .issued_on(NaiveDate::from_ymd_opt(2026, 6, 14).unwrap_or_default())
        .due_on(NaiveDate::from_ymd_opt(2026, 6, 28).unwrap_or_default())
        .currency(invoice::Currency::Eur)
        .seller(
            invoice::Seller::builder()
                .name("Adriatic Charter d.o.o.")
                .address(
                    invoice::SellerAddress::builder()
                        .street(street)
                        .city(city)
                        .postcode("21000")
                        .country(country)
                        .build(),
                )
                .build(),
        )
        .buyer(
            invoice::Buyer::builder()
                .name("Ada Lovelace")
                .address(
                    invoice::BuyerAddress::builder()
                        .street("12 St James's Square")
                        .city("London")
                        .country("GB")
                        .build(),
                )
                .purchase_order("PO-7731")
                .build(),
        )
        .lines(lines)
        .totals(
            invoice::Totals::builder()
                .net(money("4413.50"))
                .tax(money("409.50"))
                .gross(money("4823.00"))
                .build(),
        )
        .build()
}
