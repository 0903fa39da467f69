// `tests/compat/user.rs` against the manifest it was written for, through the macro.
use craftkit_runtime::craftkit_template;

#[craftkit_template("handover-base")]
pub struct Handover;

include!("../../compat/user.rs");

fn main() {
    assert!(user_json().contains("\"code\":\"BK-2931\""));
}
