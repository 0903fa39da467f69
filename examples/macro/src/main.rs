//! Builds a charter hand-over payload with the type `#[craftkit_template]` fills from the
//! cached manifest, checks its bounds, and prints the JSON a render of the template accepts.
//!
//! Run: `cargo run -p craftkit-example-macro`

use craftkit_runtime::Template;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let payload = craftkit_example_macro::sample_handover()?;
    payload.validate()?;
    println!("{}", serde_json::to_string_pretty(&payload)?);
    Ok(())
}
