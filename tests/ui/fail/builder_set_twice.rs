// A required field's setter can be called once: a second call does not compile. (An optional
// field's setter can be called again: the last call wins, see `pass/builder_last_wins.rs`.)
use craftkit_runtime::craftkit_template;

#[craftkit_template("greeting")]
pub struct Greeting;

fn main() {
    let _card = Greeting::builder()
        .recipient(greeting::Recipient::builder().name("Ada").build())
        .guests(2)
        .guests(3)
        .mood(greeting::Mood::Happy)
        .build();
}
