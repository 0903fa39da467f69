//! Two templates in one module, used the way an application would, under deny(warnings).
#![deny(warnings, missing_docs)]

use craftkit_runtime::{Template, craftkit_template};

/// A greeting card.
#[craftkit_template("greeting")]
pub struct Greeting;

/// The same template under another name, beside the first: nothing collides.
#[craftkit_template("greeting")]
pub(crate) struct OtherGreeting;

fn main() {
    let card = Greeting {
        recipient: greeting::Recipient { name: "Ada".into() },
        guests: 6,
        mood: greeting::Mood::Calm,
        note: Some("See you".into()),
    };
    assert!(card.validate().is_ok());
    let other: OtherGreeting = craftkit_runtime::serde_json::from_value(
        craftkit_runtime::serde_json::to_value(&card).unwrap(),
    )
    .unwrap();
    assert_eq!(other.mood, other_greeting::Mood::Calm);
    assert_eq!(Greeting::SLUG, "greeting");
}
