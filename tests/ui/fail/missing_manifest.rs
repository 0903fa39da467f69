use craftkit_runtime::craftkit_template;

#[craftkit_template("no-such-template")]
pub struct NoSuchTemplate;

fn main() {}
