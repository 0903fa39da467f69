// Two mistakes in the overrides at once: both are reported, each at the argument that caused it
// (a misspelled variable path, a manifest type that does not exist), not one at the slug.
use craftkit_runtime::craftkit_template;

#[craftkit_template(
    "greeting",
    field("recipient.nmae", rename = "full_name"),
    replace(strnig = "::std::string::String")
)]
pub struct Greeting;

fn main() {}
