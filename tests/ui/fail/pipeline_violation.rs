use craftkit_runtime::craftkit_template;

#[craftkit_template("form-with-array")]
pub struct FormWithArray;

fn main() {}
