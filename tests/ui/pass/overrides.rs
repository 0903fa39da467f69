// `config.toml` beside the manifests applies to `priced`: a type of the user's for money
// (`crate::Cents`), so `Eq` and `Hash` can be derived; `Line` renamed `PriceLine`, and
// `contact.fullName` the field `name`, the JSON key kept. The macro's arguments add to it.
use craftkit_runtime::craftkit_template;
use craftkit_runtime::serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(crate = "craftkit_runtime::serde")]
pub struct Cents(pub i64);

#[craftkit_template("priced", types("PriceLine", attributes(#[doc(alias = "row")])))]
pub struct Priced;

fn main() {
    let list = Priced::builder()
        .title("Spring")
        .lines([priced::PriceLine::builder().label("Week").amount(Cents(315_000)).build()])
        .contact(priced::Contact::builder().name("Ada").build())
        .build();
    let json = craftkit_runtime::serde_json::to_string(&list).unwrap();
    assert_eq!(
        json,
        r#"{"title":"Spring","lines":[{"label":"Week","amount":315000}],"contact":{"fullName":"Ada"}}"#
    );
    let mut set = std::collections::HashSet::new();
    assert!(set.insert(list.clone()));
    let back: Priced = craftkit_runtime::serde_json::from_str(&json).unwrap();
    assert_eq!(back, list);
    // The JSON type of the manifest is checked before `Cents` reads the value.
    let error = craftkit_runtime::serde_json::from_str::<Priced>(
        r#"{"title":"Spring","lines":[{"label":"Week","amount":"315000"}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("lines[0].amount"), "{error}");
}
