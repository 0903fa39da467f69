// The user's code, written once against `manifests/base.json` and never edited: `build.rs`
// compiles it against the bindings of the base manifest and of every compatible variation of
// it, and `ui/fail/compat_breaking.rs` against a breaking one (a new required variable).
// It is `include!`d next to a template struct named `Handover`.

/// The payload the user's app sends, built with the generated builders.
pub fn user_payload() -> Handover {
    let galley = handover::Area::builder()
        .name("Galley")
        .condition(handover::Condition::Ok)
        .build();
    let saloon = handover::Area::builder()
        .name("Saloon")
        .condition(handover::Condition::Worn)
        .notes("Scuff on the table edge.")
        .build();
    let base: Option<String> = None;
    Handover::builder()
        .booking(
            handover::Booking::builder()
                .code("BK-2931")
                .maybe_base(base)
                .build(),
        )
        .guests(6)
        .fuel_level(95)
        .status(handover::Status::Final)
        .areas([galley, saloon])
        .crew(vec!["Marko".to_owned()])
        .handed_over_on(
            ::craftkit_runtime::Date::new(2026, 6, 14).expect("a valid date"),
        )
        .build()
}

/// The JSON of [`user_payload`]: the same for every compatible variation of the manifest.
pub fn user_json() -> String {
    ::craftkit_runtime::serde_json::to_string(&user_payload()).expect("the payload serializes")
}
