use craftkit_runtime::craftkit_template;

#[craftkit_template(greeting)]
pub struct NoQuotes;

#[craftkit_template("Not A Slug")]
pub struct BadSlug;

#[craftkit_template("greeting")]
pub struct WithFields {
    pub name: String,
}

fn main() {}
