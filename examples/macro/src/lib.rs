//! The charter hand-over template as a Rust type, filled by `#[craftkit_template]` from the
//! cached manifest, and a sample payload: what the other examples render.

use craftkit_runtime::{Date, DateTime, Signature, ValueError, craftkit_template};

/// The charter hand-over document: its fields come from
/// `.craftkit/manifests/charter-handover.json`.
#[craftkit_template("charter-handover")]
pub struct CharterHandover;

/// A complete hand-over of the yacht Aurora, as an app would build it at sign-off.
pub fn sample_handover() -> Result<CharterHandover, ValueError> {
    let signature = Signature::from_svg(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><path d="M5 30 C 40 5, 60 45, 115 10" stroke="black" fill="none"/></svg>"#,
    )?;
    Ok(CharterHandover {
        booking: charter_handover::Booking {
            code: "BK-2931".into(),
            embarkation: DateTime::parse("2026-06-14T15:00:00+02:00")?,
            disembarkation: DateTime::parse("2026-06-21T09:00:00+02:00")?,
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
        water_level: Some(80.0),
        engine_hours: Some(1412),
        deposit_taken: true,
        areas: vec![
            charter_handover::Area {
                name: "Galley".into(),
                condition: charter_handover::Condition::Ok,
                notes: None,
                photos: None,
            },
            charter_handover::Area {
                name: "Saloon".into(),
                condition: charter_handover::Condition::Worn,
                notes: Some("Scuff on the table edge.".into()),
                photos: None,
            },
        ],
        inventory: Some(vec![charter_handover::InventoryItem {
            item: "Life jacket".into(),
            quantity: 8,
            checked: Some(true),
        }]),
        handover_notes: None,
        handed_over_on: Date::new(2026, 6, 14)?,
        signatures: charter_handover::Signatures {
            captain: signature.clone(),
            charterer: signature,
        },
        company_logo: None,
    })
}
