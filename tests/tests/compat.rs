//! Compatible means it still compiles (issue 14, item 3): `tests/compat/user.rs` compiles
//! against every variation in `tests/compat/manifests/` (that is `src/lib.rs`'s `compat`
//! module, built by `build.rs`); here, each variation is compatible with `base.json` by the
//! spec's rules, the program's JSON is the same against every one, and that JSON is data the
//! variation's template accepts. The breaking case (a new required variable) is the
//! compile-fail test `ui/fail/compat_breaking.rs`.

use craftkit_codegen::surface::surface;
use craftkit_core::manifest::Manifest;
use craftkit_tests::compat::VARIATIONS;

fn manifest(text: &str) -> Manifest {
    serde_json::from_str(text).expect("a valid manifest")
}

#[test]
fn every_variation_is_compatible_and_the_same_code_gives_the_same_json() {
    let (_, base_text, base_json) = VARIATIONS
        .iter()
        .find(|(name, ..)| *name == "base")
        .expect("compat/manifests/base.json");
    let base = manifest(base_text);
    let expected = base_json();
    assert!(expected.contains("\"code\":\"BK-2931\""), "{expected}");
    assert!(
        VARIATIONS.len() >= 10,
        "the base and at least nine variations"
    );
    for (name, text, json) in VARIATIONS {
        let live = manifest(text);
        let compatibility = base.compare(&live).expect("comparable");
        assert!(
            !compatibility.is_breaking(),
            "`{name}` should be a compatible change of base.json:\n{compatibility}"
        );
        if *name != "base" {
            assert!(
                !compatibility.changes.is_empty(),
                "`{name}` changes nothing"
            );
        }
        assert_eq!(json(), expected, "the user code's JSON against `{name}`");
        // No Rust name the user's code could use changes (what `cargo craftkit check` adds to
        // the manifest's own rules).
        let options = craftkit_codegen::Options::default();
        let before = surface(&base.tree().expect("folds"), &options).expect("generates");
        let after = surface(&live.tree().expect("folds"), &options).expect("generates");
        assert_eq!(before.renamed(&after), [], "`{name}` renames a Rust name");
        let tree = live.tree().expect("a valid manifest folds");
        let data: serde_json::Value = serde_json::from_str(&json()).expect("JSON");
        assert!(
            craftkit_core::data::validate(&tree, &data).is_valid(),
            "the template of `{name}` refuses the user's payload"
        );
    }
}
