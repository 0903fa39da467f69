//! The error of a generated enum's `FromStr`.

use std::fmt;

/// How long a text or an enum value can be, in bytes, for [`ParseEnumError`] to look for a
/// suggestion: the edit distance costs the product of the two lengths, and a typo of a value
/// longer than this is not one a suggestion helps with.
const SUGGESTION_LIMIT: usize = 128;

/// The error of a generated enum's [`FromStr`](std::str::FromStr): the text is none of the
/// enum's values. It says which values there are and, when the text looks like a typo of one
/// (a different case, or a letter or two off), which one was meant:
///
/// ```text
/// unknown variant `eur`, expected one of `EUR`, `USD`, `GBP`, `CHF`; did you mean `EUR`?
/// ```
///
/// ```ignore
/// let currency: invoice::Currency = "EUR".parse()?;
/// let error = "eur".parse::<invoice::Currency>().unwrap_err();
/// assert_eq!(error.suggestion(), Some("EUR"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseEnumError {
    value: String,
    expected: &'static str,
    suggestion: Option<&'static str>,
}

impl ParseEnumError {
    /// The error for `value`, none of `values`, which are listed as `expected`.
    pub(crate) fn new(value: &str, values: &[&'static str], expected: &'static str) -> Self {
        ParseEnumError {
            value: value.to_owned(),
            expected,
            suggestion: suggestion(value, values),
        }
    }

    /// The text that is none of the values.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The value the text is a likely typo of: the one equal to it but for case, or else the
    /// closest by edit distance when it is close enough ([`craftkit_core::suggest::closest`]).
    pub fn suggestion(&self) -> Option<&'static str> {
        self.suggestion
    }

    /// serde's wording, without the suggestion.
    pub(crate) fn unknown_variant(&self) -> String {
        format!(
            "unknown variant `{}`, expected {}",
            self.value, self.expected
        )
    }
}

impl fmt::Display for ParseEnumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.unknown_variant())?;
        match self.suggestion {
            Some(value) => write!(f, "; did you mean `{value}`?"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ParseEnumError {}

/// The value `value` is a likely typo of (see [`ParseEnumError::suggestion`]); `None` past
/// [`SUGGESTION_LIMIT`].
fn suggestion(value: &str, values: &[&'static str]) -> Option<&'static str> {
    if value.len() > SUGGESTION_LIMIT {
        return None;
    }
    let short = values
        .iter()
        .copied()
        .filter(|v| v.len() <= SUGGESTION_LIMIT);
    let lower = value.to_lowercase();
    short
        .clone()
        .find(|v| v.to_lowercase() == lower)
        .or_else(|| craftkit_core::suggest::closest(value, short))
}

#[cfg(test)]
mod tests {
    use super::ParseEnumError;

    const VALUES: &[&str] = &["EUR", "USD", "in-progress", "done"];

    fn error(value: &str) -> ParseEnumError {
        ParseEnumError::new(value, VALUES, "one of `EUR`, `USD`, `in-progress`, `done`")
    }

    #[test]
    fn a_typo_or_another_case_suggests_the_value() {
        assert_eq!(error("eur").suggestion(), Some("EUR"));
        assert_eq!(error("in-progres").suggestion(), Some("in-progress"));
        assert_eq!(error("dnoe").suggestion(), Some("done"));
        assert_eq!(
            error("eur").to_string(),
            "unknown variant `eur`, expected one of `EUR`, `USD`, `in-progress`, `done`; \
             did you mean `EUR`?"
        );
    }

    #[test]
    fn a_stranger_suggests_nothing_and_reads_as_serde_words_it() {
        let error = error("pending");
        assert_eq!(error.suggestion(), None);
        assert_eq!(error.value(), "pending");
        assert_eq!(
            error.to_string(),
            "unknown variant `pending`, expected one of `EUR`, `USD`, `in-progress`, `done`"
        );
        assert_eq!(error.unknown_variant(), error.to_string());
    }

    #[test]
    fn a_long_text_is_not_compared() {
        let long = "d".repeat(super::SUGGESTION_LIMIT + 1);
        assert_eq!(error(&long).suggestion(), None);
    }
}
