//! Rust names for JSON keys and enum values.
//!
//! The rules, in order:
//! 1. Transliterate to ASCII (`ÄnderungsDatum` -> `AnderungsDatum`, via `deunicode`), then
//!    convert the case with `heck`: snake_case for fields, UpperCamelCase for types and enum
//!    variants. Anything that is not a letter, digit or `_` separates words.
//! 2. A name with no letters or digits is spelled out (`_` -> `underscore`, `-` -> `dash`).
//! 3. A name that starts with a digit gets a leading `_` (`2nd_line` -> `_2nd_line`,
//!    `2nd-try` -> `_2ndTry`): valid, lint-free, and still reads as the key.
//! 4. Keywords become raw identifiers (`type` -> `r#type`), except the four that cannot be raw:
//!    `self`, `Self`, `crate`, `super` get a trailing `_` (`self_`) as fields, and `Self` as a
//!    variant becomes `SelfValue`.
//! 5. When several keys of one scope get the same name, the key that is already written that
//!    way keeps it (`first_name`); if none is, the first in manifest order does. Each other key
//!    gets a suffix saying how it is written: `_camel` (`firstName`), `_pascal` (`Name`),
//!    `_kebab` (`first-name`), `_snake`, `_upper` (`DONE`), `_spaced` (`Tenant Name`),
//!    `_unicode`, `_alt`; a number follows only if even that collides.

use std::collections::HashSet;

use proc_macro2::{Ident, Span};

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Keywords of Rust 2015–2024, strict and reserved.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that `r#` cannot escape.
const NOT_RAW: &[&str] = &["self", "Self", "crate", "super"];

/// Whether `name` is a Rust keyword.
pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// What a name means for its scope.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// struct fields: snake_case
    Snake,
    /// types and enum variants: UpperCamelCase
    Camel,
}

/// Rule 1–3: the plain converted name, before keywords and collisions.
pub(crate) fn convert(key: &str, case: Case) -> String {
    let ascii = deunicode::deunicode(key);
    let converted = match case {
        Case::Snake => ascii.to_snake_case(),
        Case::Camel => ascii.to_upper_camel_case(),
    };
    let mut name: String = converted
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !name.chars().any(|c| c.is_ascii_alphanumeric()) {
        name = spell_out(key, case);
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

fn spell_out(key: &str, case: Case) -> String {
    let words: Vec<&str> = key
        .chars()
        .map(|c| match c {
            '_' => "underscore",
            '-' => "dash",
            '$' => "dollar",
            '@' => "at",
            '#' => "hash",
            '+' => "plus",
            '*' => "star",
            '&' => "and",
            '%' => "percent",
            '!' => "bang",
            '?' => "question",
            '/' => "slash",
            ':' => "colon",
            '~' => "tilde",
            '=' => "equals",
            _ => "other",
        })
        .collect();
    let snake = if words.is_empty() {
        "empty".to_owned()
    } else {
        words.join("_")
    };
    match case {
        Case::Snake => snake,
        Case::Camel => snake.to_upper_camel_case(),
    }
}

/// How a key is written, for the suffix of rule 5.
fn style(key: &str) -> &'static str {
    let has_upper = key.chars().any(char::is_uppercase);
    let has_lower = key.chars().any(char::is_lowercase);
    if key.contains(char::is_whitespace) {
        "spaced"
    } else if key.contains('-') {
        "kebab"
    } else if !key.is_ascii() {
        "unicode"
    } else if has_upper && !has_lower {
        "upper"
    } else if key.contains('_') {
        "snake"
    } else if key.starts_with(char::is_uppercase) {
        "pascal"
    } else if has_upper {
        "camel"
    } else {
        "alt"
    }
}

/// A name ready to become an identifier: `text` never holds `r#`; `raw` says whether the
/// source must write it as a raw identifier. For the key `type`, `text` is `type` and `raw` is
/// true, and [`name_ident`] makes the identifier `r#type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    /// The identifier without `r#` (`type`, `first_name`, `self_`): what collisions compare
    /// and what derived names (`TypeState`) start from.
    pub text: String,
    /// Whether `text` is a keyword that the source writes raw (`r#type`). Never true for the
    /// four keywords that cannot be raw (rule 4 renamed them).
    pub raw: bool,
}

impl Name {
    /// The name without `r#`: [`Name::text`].
    pub fn plain(&self) -> &str {
        &self.text
    }
}

/// Rules 1–5 for the keys of one scope (the fields of a struct, the variants of an enum), one
/// [`Name`] per key in the order of `keys`. No key takes a name in `reserved` (the items the
/// generated code puts in the same namespace: [`ENUM_ITEMS`] for variants, nothing for
/// fields); a key that would gets the suffix of rule 5, as if another key had the name.
pub(crate) fn assign(keys: &[&str], case: Case, reserved: &[&str]) -> Vec<Name> {
    let bases: Vec<String> = keys.iter().map(|key| convert(key, case)).collect();
    // rule 4 for the four keywords that cannot be raw; the others stay comparable as written
    let unraw = |base: &str| -> String {
        if NOT_RAW.contains(&base) {
            match case {
                Case::Snake => format!("{base}_"),
                Case::Camel => format!("{base}Value"),
            }
        } else {
            base.to_owned()
        }
    };
    let plain: Vec<String> = bases.iter().map(|b| unraw(b)).collect();

    let mut winners: Vec<Option<usize>> = vec![None; keys.len()];
    let mut groups: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (i, name) in plain.iter().enumerate() {
        groups.entry(name).or_default().push(i);
    }
    let mut taken: HashSet<String> = reserved.iter().map(|r| (*r).to_owned()).collect();
    for (i, name) in plain.iter().enumerate() {
        if reserved.contains(&name.as_str()) {
            continue;
        }
        let group = &groups[name.as_str()];
        let winner = group
            .iter()
            .copied()
            .find(|&j| keys[j] == bases[j])
            .unwrap_or(group[0]);
        if winner == i {
            winners[i] = Some(i);
            taken.insert(name.clone());
        }
    }
    let mut names = Vec::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        let text = if winners[i].is_some() {
            plain[i].clone()
        } else {
            let suffix = match case {
                Case::Snake => format!("_{}", style(key)),
                Case::Camel => style(key).to_upper_camel_case(),
            };
            let first = format!("{}{suffix}", bases[i]);
            let mut candidate = first.clone();
            let mut n = 2;
            while taken.contains(&candidate) {
                candidate = match case {
                    Case::Snake => format!("{first}_{n}"),
                    Case::Camel => format!("{first}{n}"),
                };
                n += 1;
            }
            taken.insert(candidate.clone());
            candidate
        };
        let raw = is_keyword(&text);
        names.push(Name { text, raw });
    }
    names
}

/// The associated items of a generated enum that share its variants' namespace (`Self::ALL`).
pub(crate) const ENUM_ITEMS: &[&str] = &["ALL"];

/// The module of field markers, inside the module of nested types: lowercase, so no type
/// name (UpperCamelCase, or `_` and a digit) can be it.
pub(crate) const MARKERS_MODULE: &str = "field";

/// The builder of the struct named `name`, in the struct's scope: `{name}Builder`.
pub(crate) fn builder_name(name: &str) -> String {
    format!("{name}Builder")
}

/// The base of the builder's type parameter for the required field `field`: its name in
/// UpperCamelCase and `State` (`booking` -> `BookingState`, `self_` -> `SelfState`,
/// `r#type` -> `TypeState`). Never a keyword, a prelude name or lowercase.
pub(crate) fn state_param_base(field: &Name) -> String {
    format!("{}State", convert(field.plain(), Case::Camel))
}

/// `base` if neither `taken` nor `is_reserved_type_name` has it, else the first free of
/// `base2`, `base3`...; recorded in `taken`.
pub(crate) fn fresh(base: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = base.to_owned();
    let mut n = 2;
    while taken.contains(&candidate) || is_reserved_type_name(&candidate) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// The singular of an array's key, for the name of its item type: `areas` -> `Area`,
/// `entries` -> `Entry`; a word it cannot make singular gets `Item` (`inventory` ->
/// `InventoryItem`).
pub(crate) fn item_type_base(key: &str) -> String {
    let camel = convert(key, Case::Camel);
    let lower = camel.to_ascii_lowercase();
    // Plurals the suffix rules below get wrong (`buses` -> `Buse`, `people` -> `PeopleItem`):
    // the last word of the key, looked up in a short list. A list and not a crate: the
    // inflection crates bring `regex` into every build of the proc-macro.
    if let Some((plural, singular)) = IRREGULAR_PLURALS.iter().find(|(plural, _)| {
        lower.ends_with(plural) && word_starts_at(&camel, camel.len() - plural.len())
    }) {
        let stem = &camel[..camel.len() - plural.len()];
        let first = &camel[camel.len() - plural.len()..][..1];
        let singular = if first.chars().all(|c| c.is_ascii_uppercase()) {
            let mut chars = singular.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_ascii_uppercase().to_string())
                + chars.as_str()
        } else {
            (*singular).to_owned()
        };
        return format!("{stem}{singular}");
    }
    let keep_s = ["ss", "us", "is", "os"]
        .iter()
        .any(|end| lower.ends_with(end));
    let singular = if lower.ends_with("ies") && camel.len() > 3 {
        format!("{}y", &camel[..camel.len() - 3])
    } else if ["sses", "xes", "ches", "shes"]
        .iter()
        .any(|end| lower.ends_with(end))
    {
        camel[..camel.len() - 2].to_owned()
    } else if lower.ends_with('s') && !keep_s && camel.len() > 1 {
        camel[..camel.len() - 1].to_owned()
    } else {
        format!("{camel}Item")
    };
    if singular.starts_with(|c: char| c.is_ascii_alphabetic()) {
        singular
    } else {
        format!("{camel}Item")
    }
}

/// Plurals whose singular the suffix rules of [`item_type_base`] get wrong, lowercase.
const IRREGULAR_PLURALS: &[(&str, &str)] = &[
    ("buses", "bus"),
    ("statuses", "status"),
    ("bonuses", "bonus"),
    ("campuses", "campus"),
    ("viruses", "virus"),
    ("censuses", "census"),
    ("surpluses", "surplus"),
    ("aliases", "alias"),
    ("analyses", "analysis"),
    ("diagnoses", "diagnosis"),
    ("axes", "axis"),
    ("crises", "crisis"),
    ("theses", "thesis"),
    ("indices", "index"),
    ("matrices", "matrix"),
    ("vertices", "vertex"),
    ("appendices", "appendix"),
    ("criteria", "criterion"),
    ("phenomena", "phenomenon"),
    ("people", "person"),
    ("children", "child"),
    ("women", "woman"),
    ("men", "man"),
    ("feet", "foot"),
    ("teeth", "tooth"),
    ("mice", "mouse"),
    ("geese", "goose"),
    ("leaves", "leaf"),
    ("lives", "life"),
    ("knives", "knife"),
    ("wives", "wife"),
    ("halves", "half"),
    ("shelves", "shelf"),
    ("quizzes", "quiz"),
    ("heroes", "hero"),
    ("potatoes", "potato"),
    ("tomatoes", "tomato"),
];

/// Whether a word starts at byte `at` of an UpperCamelCase name: at its start, or at an
/// uppercase letter (`CityBuses`: `buses` starts a word; `Omnibuses`: it does not).
fn word_starts_at(camel: &str, at: usize) -> bool {
    at == 0 || camel[at..].starts_with(|c: char| c.is_ascii_uppercase())
}

/// Type names the generated module never uses, so that `use module::*` shadows nothing of the
/// prelude (the generated code itself uses absolute paths and would not care).
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Self",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Extend",
    "Default",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "TryFrom",
    "TryInto",
    "FromIterator",
    "AsyncFn",
    "AsyncFnMut",
    "AsyncFnOnce",
];

/// Whether a generated type may not take `name` (a prelude item, or `Self`).
pub(crate) fn is_reserved_type_name(name: &str) -> bool {
    RESERVED_TYPE_NAMES.contains(&name)
}

/// An identifier at the call site.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// A field's or variant's identifier, raw (`r#type`) where the name is a keyword.
pub(crate) fn name_ident(name: &Name) -> Ident {
    if name.raw {
        Ident::new_raw(&name.text, Span::call_site())
    } else {
        ident(&name.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(keys: &[&str]) -> Vec<String> {
        assign(keys, Case::Snake, &[])
            .into_iter()
            .map(|n| {
                if n.raw {
                    format!("r#{}", n.text)
                } else {
                    n.text
                }
            })
            .collect()
    }

    fn variants(keys: &[&str]) -> Vec<String> {
        assign(keys, Case::Camel, ENUM_ITEMS)
            .into_iter()
            .map(|n| n.text)
            .collect()
    }

    #[test]
    fn a_name_holds_no_r_hash_and_only_its_ident_is_raw() {
        let names = assign(&["type", "self", "name", "Self"], Case::Snake, &[]);
        let texts: Vec<(&str, bool)> = names.iter().map(|n| (n.plain(), n.raw)).collect();
        assert_eq!(
            texts,
            [
                ("type", true),
                ("self_", false),
                ("name", false),
                ("self_pascal", false)
            ]
        );
        assert!(names.iter().all(|n| !n.text.contains("r#")));
        assert_eq!(name_ident(&names[0]).to_string(), "r#type");
        assert_eq!(name_ident(&names[1]).to_string(), "self_");
    }

    #[test]
    fn fields_are_snake_case_and_keep_meaning() {
        assert_eq!(
            fields(&[
                "fullName",
                "length_m",
                "e-mail",
                "Tenant Name",
                "ÄnderungsDatum",
                "2nd_line",
                "_"
            ]),
            [
                "full_name",
                "length_m",
                "e_mail",
                "tenant_name",
                "anderungs_datum",
                "_2nd_line",
                "underscore"
            ]
        );
    }

    #[test]
    fn keywords_are_raw_or_suffixed() {
        assert_eq!(
            fields(&["type", "fn", "async", "crate", "super"]),
            ["r#type", "r#fn", "r#async", "crate_", "super_"]
        );
        assert_eq!(fields(&["self", "Self"]), ["self_", "self_pascal"]);
        assert_eq!(variants(&["self", "type"]), ["SelfValue", "Type"]);
    }

    #[test]
    fn collisions_get_a_suffix_naming_the_style() {
        assert_eq!(
            fields(&["firstName", "first_name", "first-name"]),
            ["first_name_camel", "first_name", "first_name_kebab"]
        );
        assert_eq!(fields(&["Name", "name"]), ["name_pascal", "name"]);
        assert_eq!(
            variants(&[
                "in-progress",
                "in_progress",
                "done",
                "DONE",
                "2nd-try",
                "ünïcode"
            ]),
            [
                "InProgress",
                "InProgressSnake",
                "Done",
                "DoneUpper",
                "_2ndTry",
                "Unicode"
            ]
        );
        assert_eq!(
            variants(&["fixed-term", "periodic", "Fixed term"]),
            ["FixedTerm", "Periodic", "FixedTermSpaced"]
        );
    }

    #[test]
    fn a_variant_never_takes_an_enum_item_name() {
        // `a-l-l` would be `ALL`, the enum's constant of every value (`Self::ALL`)
        assert_eq!(variants(&["a-l-l", "ALL"]), ["ALLKebab", "All"]);
    }

    #[test]
    fn type_parameters_read_as_the_fields_states() {
        let param = |text: &str| {
            state_param_base(&Name {
                text: text.to_owned(),
                raw: is_keyword(text),
            })
        };
        assert_eq!(param("booking"), "BookingState");
        assert_eq!(param("self_"), "SelfState");
        assert_eq!(param("type"), "TypeState");
        assert_eq!(param("_2nd"), "_2ndState");
        let mut taken: HashSet<String> = ["BookingState".to_owned()].into();
        assert_eq!(fresh("BookingState", &mut taken), "BookingState2");
        assert_eq!(fresh("BookingState", &mut taken), "BookingState3");
    }

    #[test]
    fn a_suffix_that_collides_gets_a_number() {
        assert_eq!(
            fields(&["a-b", "a_b", "a_b_kebab", "a--b"]),
            ["a_b_kebab_2", "a_b", "a_b_kebab", "a_b_kebab_3"]
        );
    }

    #[test]
    fn item_types_are_singular() {
        assert_eq!(item_type_base("areas"), "Area");
        assert_eq!(item_type_base("buses"), "Bus");
        assert_eq!(item_type_base("cityBuses"), "CityBus");
        assert_eq!(item_type_base("people"), "Person");
        assert_eq!(item_type_base("statuses"), "Status");
        assert_eq!(item_type_base("shelves"), "Shelf");
        assert_eq!(item_type_base("indices"), "Index");
        assert_eq!(item_type_base("entries"), "Entry");
        assert_eq!(item_type_base("boxes"), "Box");
        assert_eq!(item_type_base("inventory"), "InventoryItem");
        assert_eq!(item_type_base("status"), "StatusItem");
        assert_eq!(item_type_base("s"), "SItem");
    }
}
