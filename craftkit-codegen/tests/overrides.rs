//! Overrides applied to generated code: what each setting does to the output, and the error
//! of every setting that names something the template lacks or cannot apply.

use craftkit_codegen::{Error, FieldConfig, Options, TemplateConfig, TypeConfig, generate};
use craftkit_core::manifest::Tree;

const INVOICE: &str = r#"{"slug": "invoice", "version": 1, "pipeline": "html", "variables": [
    {"path": "number", "type": "string", "required": true},
    {"path": "issued_on", "type": "date", "required": true},
    {"path": "buyer.fullName", "type": "string", "required": true},
    {"path": "lines[]", "type": "array", "required": true},
    {"path": "lines[].amount", "type": "number", "required": true},
    {"path": "lines[].unit", "type": "enum", "values": ["h", "day"]},
    {"path": "tags[]", "type": "array", "items": "date"}
]}"#;

fn code(config: TemplateConfig) -> Result<String, Error> {
    let tree = Tree::from_json(INVOICE).unwrap();
    generate(&tree, &Options::default().with_overrides(config)).map(|g| g.to_file_string())
}

fn error(config: TemplateConfig) -> String {
    code(config).expect_err("an error").to_string()
}

#[test]
fn derives_and_attributes_go_on_every_type_one_type_or_one_field() {
    let code = code(
        TemplateConfig::new()
            .derive("schemars::JsonSchema")
            .attribute("#[doc(alias = \"bill\")]")
            .ty("Line", TypeConfig::new().derive("PartialOrd"))
            .field(
                "number",
                FieldConfig::new().attribute("#[doc(alias = \"no\")]"),
            ),
    )
    .unwrap();
    // Invoice, Buyer and the enum Unit; Line has its own derive beside it.
    assert_eq!(
        code.matches("#[derive(schemars::JsonSchema)]").count(),
        3,
        "{code}"
    );
    assert!(code.contains("#[derive(schemars::JsonSchema, ::std::cmp::PartialOrd)]"));
    assert!(code.contains("#[doc(alias = \"no\")]\n    pub number"));
}

#[test]
fn types_are_replaced_by_manifest_type_or_by_path_and_renames_keep_the_key() {
    let code = code(
        TemplateConfig::new()
            .replace("date", "chrono::NaiveDate")
            .field(
                "lines[].amount",
                FieldConfig::new()
                    .ty("rust_decimal::Decimal")
                    .with("rust_decimal::serde::float"),
            )
            .field("buyer.fullName", FieldConfig::new().rename("name"))
            .ty("Line", TypeConfig::new().rename("InvoiceLine")),
    )
    .unwrap();
    assert!(code.contains("pub issued_on: chrono::NaiveDate,"), "{code}");
    assert!(code.contains("pub tags: ::std::option::Option<::std::vec::Vec<chrono::NaiveDate>>"));
    assert!(code.contains("pub amount: rust_decimal::Decimal,"));
    assert!(code.contains("serialize_with = \"rust_decimal :: serde :: float::serialize\""));
    assert!(code.contains("rust_decimal::serde::float::deserialize(value)"));
    // The field is renamed, its key is not: the generated `Serialize` writes the key, as serde's
    // derive did by `#[serde(rename = "fullName")]` (Line keeps serde's derive for its `with`).
    assert!(code.contains("pub name: ::std::string::String,"), "{code}");
    assert!(
        code.contains(".required(\"fullName\", &self.name)"),
        "{code}"
    );
    assert!(
        code.contains("name: object.required(\"fullName\")?"),
        "{code}"
    );
    assert!(code.contains("pub struct InvoiceLine {"));
    assert!(code.contains("::std::vec::Vec<invoice::InvoiceLine>"));
    assert!(!code.contains("pub struct Line {"));
}

#[test]
fn an_unknown_path_type_or_manifest_type_names_the_closest_one() {
    let e = error(TemplateConfig::new().field("lines[].amonut", FieldConfig::new().rename("x")));
    assert!(e.contains("template `invoice`"), "{e}");
    assert!(
        e.contains("no variable `lines[].amonut` (did you mean `lines[].amount`?)"),
        "{e}"
    );
    let e = error(TemplateConfig::new().ty("Lines", TypeConfig::new().derive("Hash")));
    assert!(e.contains("no type `Lines` (did you mean `Line`?)"), "{e}");
    let e = error(TemplateConfig::new().replace("dat", "chrono::NaiveDate"));
    assert!(
        e.contains("`dat` is not a manifest type (did you mean `date`?)"),
        "{e}"
    );
}

#[test]
fn a_derive_that_cannot_apply_names_the_type_the_field_and_the_derive() {
    let e = error(TemplateConfig::new().ty("Line", TypeConfig::new().derive("Eq")));
    assert!(
        e.contains(
            "cannot derive `Eq` on `Line`: its field `amount` (`lines[].amount`) is an `f64`"
        ),
        "{e}"
    );
    // Through a nested type: the root holds `Line`s, which cannot be `Hash`.
    let e = error(TemplateConfig::new().derive("Hash"));
    assert!(e.contains("cannot derive `Hash` on `Line`"), "{e}");
    // Replacing the f64 makes it possible.
    code(TemplateConfig::new().derive("Eq").derive("Hash").field(
        "lines[].amount",
        FieldConfig::new().ty("rust_decimal::Decimal"),
    ))
    .unwrap();
    let e = error(TemplateConfig::new().ty("Invoice", TypeConfig::new().derive("Default")));
    assert!(e.contains("cannot derive `Default` on `Invoice`"), "{e}");
    let e = error(TemplateConfig::new().derive("serde::Deserialize"));
    assert!(e.contains("implement `Deserialize` themselves"), "{e}");
}

#[test]
fn what_is_not_rust_or_collides_is_an_error() {
    let e = error(TemplateConfig::new().field("number", FieldConfig::new().ty("Vec<")));
    assert!(
        e.contains("`fields.\"number\"`.type: `Vec<` is not a Rust type"),
        "{e}"
    );
    let e = error(TemplateConfig::new().derive("not a path"));
    assert!(e.contains("is not a derive's path"), "{e}");
    let e = error(TemplateConfig::new().attribute("derive(Hash)"));
    assert!(e.contains("is not an outer attribute"), "{e}");
    let e = error(TemplateConfig::new().field("number", FieldConfig::new().rename("issued_on")));
    assert!(e.contains("would both be the field `issued_on`"), "{e}");
    let e = error(TemplateConfig::new().field("number", FieldConfig::new().rename("Number")));
    assert!(e.contains("not a snake_case Rust identifier"), "{e}");
    let e = error(TemplateConfig::new().ty("Buyer", TypeConfig::new().rename("Line")));
    assert!(e.contains("`Line` names two types"), "{e}");
    let e = error(TemplateConfig::new().ty("Invoice", TypeConfig::new().rename("Bill")));
    assert!(e.contains("is the root type"), "{e}");
}

#[test]
fn overridden_code_is_deterministic() {
    let config = || {
        TemplateConfig::new()
            .derive("Hash")
            .replace("number", "rust_decimal::Decimal")
            .replace("date", "chrono::NaiveDate")
    };
    assert_eq!(code(config()).unwrap(), code(config()).unwrap());
}

#[test]
fn a_type_can_be_named_by_the_json_path_of_the_variable_that_holds_it() {
    let by_path = code(TemplateConfig::new().ty(
        "lines[]",
        TypeConfig::new().derive("PartialOrd").rename("InvoiceLine"),
    ))
    .unwrap();
    let by_name = code(TemplateConfig::new().ty(
        "Line",
        TypeConfig::new().derive("PartialOrd").rename("InvoiceLine"),
    ))
    .unwrap();
    assert_eq!(by_path, by_name);
    assert!(by_path.contains("pub struct InvoiceLine {"), "{by_path}");
    let e = error(TemplateConfig::new().ty("lines[].amonut", TypeConfig::new().derive("Hash")));
    assert!(e.contains("no type `lines[].amonut`"), "{e}");
    assert!(
        e.contains("by the JSON path of the variable that holds it"),
        "{e}"
    );
}

#[test]
fn every_problem_is_reported_with_its_setting_not_only_the_first() {
    use craftkit_codegen::Setting;
    let config = TemplateConfig::new()
        .field("lines[].amonut", FieldConfig::new().rename("x"))
        .ty("Lines", TypeConfig::new().derive("Hash"))
        .replace("dat", "chrono::NaiveDate")
        .field("number", FieldConfig::new().rename("NotSnake"));
    let Err(Error::Override {
        template, problems, ..
    }) = code(config)
    else {
        panic!("expected Error::Override");
    };
    assert_eq!(template, "invoice");
    let mut settings: Vec<Setting> = problems.iter().map(|p| p.setting.clone()).collect();
    settings.sort_by_key(|s| format!("{s:?}"));
    assert_eq!(
        settings,
        [
            Setting::Field("lines[].amonut".into()),
            Setting::Field("number".into()),
            Setting::Replace("dat".into()),
            Setting::Type("Lines".into()),
        ]
    );
    // The message holds them all, each naming its setting.
    let e = code(
        TemplateConfig::new()
            .replace("dat", "chrono::NaiveDate")
            .ty("Lines", TypeConfig::new().derive("Hash")),
    )
    .expect_err("two problems")
    .to_string();
    assert!(
        e.contains("`replace.dat`") && e.contains("`types.Lines`"),
        "{e}"
    );
}

#[test]
fn a_derive_check_names_the_setting_that_added_the_derive() {
    use craftkit_codegen::Setting;
    // `Eq` from `types.Line`: `lines[].amount` is an f64.
    let Err(Error::Override { problems, .. }) =
        code(TemplateConfig::new().ty("Line", TypeConfig::new().derive("Eq")))
    else {
        panic!("expected Error::Override");
    };
    assert_eq!(
        problems.iter().map(|p| &p.setting).collect::<Vec<_>>(),
        [&Setting::TypeDerive("Line".into(), "Eq".into())]
    );
    // The same derive at the top level is the top level's.
    let Err(Error::Override { problems, .. }) = code(TemplateConfig::new().derive("Eq")) else {
        panic!("expected Error::Override");
    };
    assert!(
        problems
            .iter()
            .all(|p| p.setting == Setting::Derive("Eq".into())),
        "{problems:?}"
    );
}

/// A field's own `#[serde(...)]` joins the one the generator writes (issue 24, item 4): a
/// field carries at most one, its parts in order, ours first.
#[test]
fn a_field_serde_attribute_joins_the_generated_one() {
    let code = code(
        TemplateConfig::new()
            .field(
                "lines[].unit",
                FieldConfig::new().attribute("#[serde(alias = \"u\",)]"),
            )
            .field(
                "number",
                FieldConfig::new().attribute("#[serde(alias = \"no\")]"),
            ),
    )
    .unwrap();
    assert!(
        code.contains(
            "#[serde(skip_serializing_if = \"::std::option::Option::is_none\", alias = \"u\")]\n        pub unit:"
        ),
        "{code}"
    );
    assert!(
        code.contains("#[serde(alias = \"no\")]\n    pub number:"),
        "{code}"
    );
}
