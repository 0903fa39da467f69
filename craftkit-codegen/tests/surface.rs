//! The names user code writes, and the renames a compatible manifest change can make: each
//! kind of rename the naming rules allow (a type qualified by a new collision, a field moved
//! aside by a new key written its way, a builder method moved aside by a new field), the
//! override that pins the old name, and overrides that stop applying.

use craftkit_codegen::surface::{Part, Renamed, Surface, surface};
use craftkit_codegen::{Error, Options, TemplateConfig, TypeConfig};
use craftkit_core::manifest::Tree;
use serde_json::{Value, json};

fn tree(variables: Value) -> Tree {
    let manifest =
        json!({"slug": "card", "version": 1, "pipeline": "html", "variables": variables});
    Tree::from_value(&manifest).expect("a valid manifest")
}

fn names(variables: Value) -> Surface {
    surface(&tree(variables), &Options::default()).expect("generates")
}

fn renamed(old: Value, new: Value) -> Vec<Renamed> {
    names(old).renamed(&names(new))
}

#[test]
fn every_part_is_named_by_its_json_path() {
    let names = names(json!([
        {"path": "home.address.city", "type": "string", "required": true},
        {"path": "status", "type": "enum", "values": ["in-progress", "done"], "required": true},
        {"path": "areas[].name", "type": "string"},
    ]));
    let expect = [
        (Part::Type("home".into()), "Home"),
        (Part::Type("home.address".into()), "Address"),
        (Part::Field("home.address.city".into()), "city"),
        (Part::Type("status".into()), "Status"),
        (
            Part::Variant {
                path: "status".into(),
                value: "in-progress".into(),
            },
            "InProgress",
        ),
        (Part::Type("areas[]".into()), "Area"),
        (
            Part::Method {
                path: "".into(),
                usual: "build".into(),
            },
            "build",
        ),
        (
            Part::Method {
                path: "areas[].name".into(),
                usual: "maybe_name".into(),
            },
            "maybe_name",
        ),
    ];
    for (part, name) in expect {
        assert_eq!(names.name(&part), Some(name), "{part}: {names:#?}");
    }
}

#[test]
fn a_new_object_that_collides_renames_the_existing_type_and_a_type_override_pins_it() {
    let v1 = json!([{"path": "home.address.city", "type": "string"}]);
    let v2 = json!([
        {"path": "home.address.city", "type": "string"},
        {"path": "work.address.city", "type": "string"},
    ]);
    let renamed = renamed(v1.clone(), v2.clone());
    assert_eq!(renamed.len(), 1, "{renamed:?}");
    assert_eq!(
        renamed[0].to_string(),
        "the type of `home.address` is renamed `Address` -> `HomeAddress`"
    );
    let pin = renamed[0].pin("card").expect("a type can be pinned");
    assert_eq!(
        pin,
        "[template.card.types.\"home.address\"]\nrename = \"Address\""
    );

    // The pin, as the user would write it, applies to both versions (the type is named by its
    // JSON path, not by a name that only one version has) and keeps the old name.
    let config: TemplateConfig = toml_template(&pin);
    let options = Options::default().with_overrides(config);
    let before = surface(&tree(v1.clone()), &options).unwrap();
    let pinned = surface(&tree(v2), &options).unwrap();
    assert!(names(v1).renamed(&before).is_empty());
    assert!(before.renamed(&pinned).is_empty());
}

#[test]
fn a_new_key_written_the_rust_way_renames_the_existing_field_and_a_field_override_pins_it() {
    let v1 = json!([{"path": "firstName", "type": "string"}]);
    let v2 = json!([
        {"path": "firstName", "type": "string"},
        {"path": "first_name", "type": "string"},
    ]);
    let renamed = renamed(v1.clone(), v2.clone());
    let field: Vec<_> = renamed
        .iter()
        .filter(|r| matches!(r.part, Part::Field(_)))
        .collect();
    assert_eq!(field.len(), 1, "{renamed:?}");
    assert_eq!(
        field[0].to_string(),
        "the field of `firstName` is renamed `first_name` -> `first_name_camel`"
    );
    let pin = field[0].pin("card").unwrap();
    assert_eq!(
        pin,
        "[template.card.fields.\"firstName\"]\nrename = \"first_name\""
    );
    // Pinned alone, the new key's field would take the name too: generation says so.
    let error = surface(
        &tree(v2.clone()),
        &Options::default().with_overrides(toml_template(&pin)),
    )
    .expect_err("two fields named first_name");
    assert!(matches!(error, Error::Override { .. }), "{error}");
    assert!(error.to_string().contains("first_name"), "{error}");
    // With the newcomer named too, the old code's names all stay.
    let both =
        format!("{pin}\n[template.card.fields.\"first_name\"]\nrename = \"first_name_snake\"");
    let pinned = surface(
        &tree(v2),
        &Options::default().with_overrides(toml_template(&both)),
    );
    assert!(names(v1).renamed(&pinned.unwrap()).is_empty());
}

#[test]
fn a_new_field_named_like_a_builder_method_moves_the_method_aside() {
    let v1 = json!([{"path": "notes", "type": "string"}]);
    let v2 = json!([
        {"path": "notes", "type": "string"},
        {"path": "build", "type": "string"},
        {"path": "maybe_notes", "type": "string"},
    ]);
    let renamed = renamed(v1, v2);
    let texts: Vec<String> = renamed.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        [
            "the root builder's `build` is renamed `build` -> `build_`",
            "the builder method `maybe_notes` (`notes`) is renamed `maybe_notes` -> `maybe_notes_`",
        ]
    );
    assert!(renamed.iter().all(|r| r.pin("card").is_none()));
}

#[test]
fn additions_that_collide_with_nothing_rename_nothing() {
    let v1 = json!([
        {"path": "booking.code", "type": "string", "required": true},
        {"path": "status", "type": "enum", "values": ["ok", "worn"]},
        {"path": "areas[].name", "type": "string"},
    ]);
    let v2 = json!([
        {"path": "booking.code", "type": "string", "required": true},
        {"path": "booking.notes", "type": "text"},
        {"path": "status", "type": "enum", "values": ["ok", "worn", "damaged"]},
        {"path": "areas[].name", "type": "string"},
        {"path": "areas[].photo", "type": "image"},
        {"path": "vessel.name", "type": "string"},
    ]);
    assert_eq!(renamed(v1, v2), []);
}

#[test]
fn an_override_that_no_longer_applies_is_an_error_of_the_new_version() {
    let v2 = json!([
        {"path": "home.address.city", "type": "string"},
        {"path": "work.address.city", "type": "string"},
    ]);
    let config = TemplateConfig::default().ty("Address", TypeConfig::default().rename("Postal"));
    let v1 = surface(
        &tree(json!([{"path": "home.address.city", "type": "string"}])),
        &Options::default().with_overrides(config.clone()),
    )
    .unwrap();
    assert_eq!(v1.name(&Part::Type("home.address".into())), Some("Postal"));
    let error = surface(&tree(v2), &Options::default().with_overrides(config))
        .expect_err("`Address` is now `HomeAddress` and `WorkAddress`");
    assert!(error.to_string().contains("Address"), "{error}");
}

/// One template's settings, from the TOML `pin` gives.
fn toml_template(pin: &str) -> TemplateConfig {
    let config = craftkit_codegen::Config::from_toml(pin, std::path::Path::new("config.toml"))
        .expect("the pin is valid TOML");
    config.for_template("card")
}
