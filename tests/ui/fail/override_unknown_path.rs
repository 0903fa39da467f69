// An override that names a variable the template lacks: the error names it and the closest.
use craftkit_runtime::craftkit_template;

#[craftkit_template("greeting", field("recipient.nmae", rename = "full_name"))]
pub struct Greeting;

fn main() {}
