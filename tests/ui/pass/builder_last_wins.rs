// An optional field's setters can be called again: the last call wins, and `maybe_x(None)`
// clears it. Struct literals keep working (the fields are `pub`).
use craftkit_runtime::craftkit_template;

#[craftkit_template("greeting")]
pub struct Greeting;

fn main() {
    let recipient = || greeting::Recipient::builder().name("Ada").build();
    let card = Greeting::builder()
        .recipient(recipient())
        .guests(2)
        .mood(greeting::Mood::Happy)
        .note("first")
        .note("second")
        .build();
    assert_eq!(card.note.as_deref(), Some("second"));
    let cleared = Greeting::builder()
        .note("first")
        .maybe_note(None)
        .recipient(recipient())
        .mood(greeting::Mood::Calm)
        .guests(1)
        .build();
    assert_eq!(cleared.note, None);
    let literal = Greeting {
        recipient: recipient(),
        guests: 2,
        mood: greeting::Mood::Happy,
        note: Some("second".into()),
    };
    assert_eq!(card, literal);
}
