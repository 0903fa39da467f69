//! The checks of the `manifest` fuzz target (`fuzz/checks/manifest.rs`: parse, validate, fold,
//! model) and of the `manifest_codegen` one (`fuzz/checks/manifest_codegen.rs`: generate and
//! format) over their committed corpora and every input that once failed them
//! (`fuzz/regressions/<target>/`), on stable.

#[path = "../../fuzz/checks/manifest.rs"]
mod check;

#[path = "../../fuzz/checks/manifest_codegen.rs"]
mod check_codegen;

#[path = "../../fuzz/checks/inputs.rs"]
mod inputs;

#[test]
fn fuzz_regressions_manifest() {
    inputs::for_each("regressions/manifest", check::check);
}

#[test]
fn fuzz_corpus_manifest() {
    inputs::for_each("corpus/manifest", check::check);
}

#[test]
fn fuzz_regressions_manifest_codegen() {
    inputs::for_each("regressions/manifest_codegen", check_codegen::check);
}

#[test]
fn fuzz_corpus_manifest_codegen() {
    inputs::for_each("corpus/manifest_codegen", check_codegen::check);
}

/// The fast target's name checks are not vacuous: each model below has one name the emitted
/// code could not use, and the check rejects it.
#[test]
fn the_name_checks_reject_a_model_the_emitter_cannot_use() {
    use craftkit_codegen::fuzzing::{ItemNames, ModelNames};

    fn item(name: &str, members: &[&str], refers_to: &[&str]) -> ItemNames {
        ItemNames {
            name: name.to_owned(),
            is_enum: false,
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            refers_to: refers_to.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
    let good = || ModelNames {
        root: item("Root", &["inner", "r#type"], &["Inner"]),
        module: "root".to_owned(),
        nested: vec![item("Inner", &["a"], &[])],
    };
    check::check_names(&good());

    type Spoil = fn(&mut ModelNames);
    let spoiled: [(&str, Spoil); 8] = [
        ("a type named with a keyword", |m| {
            m.nested[0].name = "Self".to_owned()
        }),
        ("a raw type name", |m| {
            m.nested[0].name = "r#Inner".to_owned()
        }),
        ("two nested types of one name", |m| {
            m.nested.push(item("Inner", &[], &[]))
        }),
        ("a type named like another's builder", |m| {
            m.nested.push(item("InnerBuilder", &[], &[]))
        }),
        ("a field that is not an identifier", |m| {
            m.nested[0].members.push("a-b".to_owned())
        }),
        ("two fields of one name", |m| {
            m.nested[0].members.push("a".to_owned())
        }),
        ("a field's type the module lacks", |m| {
            m.root.refers_to.push("Gone".to_owned())
        }),
        ("the module named like the root", |m| {
            m.module = "Root".to_owned()
        }),
    ];
    for (what, spoil) in spoiled {
        let mut names = good();
        spoil(&mut names);
        let outcome = std::panic::catch_unwind(|| check::check_names(&names));
        assert!(outcome.is_err(), "the check accepts {what}");
    }
}
