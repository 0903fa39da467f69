use craftkit_runtime::craftkit_template;

#[craftkit_template("broken")]
pub struct Broken;

#[craftkit_template("not-json")]
pub struct NotJson;

fn main() {}
