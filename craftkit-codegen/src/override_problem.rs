//! What an override got wrong, and which setting it was given under: so that every problem is
//! reported, each at the argument (or the `config.toml` key) that caused it.

use std::fmt;

/// The override a problem is about: a key of `[template.<slug>]` in `.craftkit/config.toml`,
/// a [`Builder`](crate::Builder) setting, or an argument of `#[craftkit_template]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// One of the top-level `derives`, by its path's last segment (`Hash`).
    Derive(String),
    /// The top-level `attributes`.
    Attributes,
    /// `replace.<kind>`.
    Replace(String),
    /// `types.<given>`, as it was given (a Rust name or a JSON path).
    Type(String),
    /// One of `types.<given>.derives`, by its path's last segment.
    TypeDerive(String, String),
    /// `fields."<path>"`.
    Field(String),
    /// The fields' names after every rename (two would collide).
    FieldNames,
    /// The types' names after every rename (two would collide).
    TypeNames,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Derive(derive) => write!(f, "the top-level `derives` (`{derive}`)"),
            Setting::Attributes => f.write_str("the top-level `attributes`"),
            Setting::Replace(kind) => write!(f, "`replace.{kind}`"),
            Setting::Type(given) => write!(f, "`types.{given}`"),
            Setting::TypeDerive(given, derive) => write!(f, "`types.{given}.derives` (`{derive}`)"),
            Setting::Field(path) => write!(f, "`fields.\"{path}\"`"),
            Setting::FieldNames => f.write_str("`fields`"),
            Setting::TypeNames => f.write_str("`types`"),
        }
    }
}

/// One problem of the overrides: its setting and what is wrong (the message names the
/// setting too, and the closest existing name when a name is wrong).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideProblem {
    /// The setting that caused it.
    pub setting: Setting,
    /// What is wrong, and the fix.
    pub message: String,
}

impl fmt::Display for OverrideProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
