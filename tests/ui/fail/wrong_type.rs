use craftkit_runtime::craftkit_template;

#[craftkit_template("greeting")]
pub struct Greeting;

fn main() {
    let _card = Greeting {
        recipient: greeting::Recipient { name: "Ada".into() },
        guests: "six",
        mood: greeting::Mood::Happy,
        note: None,
    };
}
