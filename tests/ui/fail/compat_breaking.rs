// `tests/compat/user.rs`, written against `handover-base`, compiled against a manifest with a
// new required variable (`booking.marina`): the build fails and the error names the field.
use craftkit_runtime::craftkit_template;

#[craftkit_template("handover-breaking")]
pub struct Handover;

include!("../../compat/user.rs");

fn main() {
    println!("{}", user_json());
}
