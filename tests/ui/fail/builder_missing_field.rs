// `.build()` with a required field left unset does not compile, and the error names it.
use craftkit_runtime::craftkit_template;

#[craftkit_template("greeting")]
pub struct Greeting;

fn main() {
    let _card = Greeting::builder()
        .recipient(greeting::Recipient::builder().name("Ada").build())
        .mood(greeting::Mood::Happy)
        .build();
}
