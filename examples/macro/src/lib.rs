//! The charter hand-over template as a Rust type, filled by `#[craftkit_template]` from the
//! cached manifest, and a sample payload: what the other examples render.

use craftkit_runtime::{Date, DateTime, Signature, ValueError, craftkit_template};

/// The charter hand-over document: its fields come from
/// `.craftkit/manifests/charter-handover.json`.
#[craftkit_template("charter-handover")]
pub struct CharterHandover;

/// A complete hand-over of the yacht Aurora, as an app would build it at sign-off: every
/// struct through its builder, so that a new optional variable in the template changes none of
/// these lines.
pub fn sample_handover() -> Result<CharterHandover, ValueError> {
    let signature = Signature::from_svg(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><path d="M5 30 C 40 5, 60 45, 115 10" stroke="black" fill="none"/></svg>"#,
    )?;
    let booking = charter_handover::Booking::builder()
        .code("BK-2931")
        .embarkation(DateTime::parse("2026-06-14T15:00:00+02:00")?)
        .disembarkation(DateTime::parse("2026-06-21T09:00:00+02:00")?)
        .base("ACI Marina Split")
        .build();
    let areas = [
        charter_handover::Area::builder()
            .name("Galley")
            .condition(charter_handover::Condition::Ok)
            .build(),
        charter_handover::Area::builder()
            .name("Saloon")
            .condition(charter_handover::Condition::Worn)
            .notes("Scuff on the table edge.")
            .build(),
    ];
    Ok(CharterHandover::builder()
        .booking(booking)
        .vessel(
            charter_handover::Vessel::builder()
                .name("Aurora")
                .model("Bavaria C42")
                .length_m(12.8)
                .registration("ST-4411")
                .build(),
        )
        .charterer(
            charter_handover::Charterer::builder()
                .full_name("Ada Lovelace")
                .email("ada@example.org")
                .build(),
        )
        .guests(6)
        .crew(["Marko", "Iva"])
        .fuel_level(95)
        .water_level(80)
        .engine_hours(1412)
        .deposit_taken(true)
        .areas(areas)
        .inventory([charter_handover::InventoryItem::builder()
            .item("Life jacket")
            .quantity(8)
            .checked(true)
            .build()])
        .handed_over_on(Date::new(2026, 6, 14)?)
        .signatures(
            charter_handover::Signatures::builder()
                .captain(signature.clone())
                .charterer(signature)
                .build(),
        )
        .build())
}
