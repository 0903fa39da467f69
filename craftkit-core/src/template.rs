//! The trait every generated payload type implements.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::data::{self, Code, Violation};
use crate::manifest::{Manifest, Pipeline, Tree};

/// A payload type generated from a template's manifest.
///
/// Generated code implements it; applications use it through the client
/// (`client.render(&payload)`) and to check bounds before sending. The manifest the type was
/// generated from is compiled into it, so the runtime can compare it with the live one.
pub trait Template: Serialize + DeserializeOwned + 'static {
    /// The template's slug.
    const SLUG: &'static str;
    /// The published version the type was generated from.
    const VERSION: u64;
    /// The template's pipeline.
    const PIPELINE: Pipeline;
    /// The manifest's [fingerprint](Manifest::fingerprint).
    const FINGERPRINT: &'static str;
    /// The manifest as JSON (generated code writes it as a raw string, a line per variable).
    const MANIFEST_JSON: &'static str;

    /// The manifest folded into a tree (parsed once, on first use).
    fn tree() -> &'static Tree;

    /// The manifest the type was generated from.
    fn manifest() -> &'static Manifest {
        Self::tree().manifest()
    }

    /// Checks what the type system cannot: string lengths, number ranges and array lengths
    /// (and that every number is finite). Returns every violation, each with its data path.
    ///
    /// A payload that does not serialize at all (a non-finite number) is one violation with
    /// code `type`; [`to_data`](Template::to_data) tells that case apart.
    fn validate(&self) -> Result<(), ValidationError> {
        match self.to_data() {
            Ok(_) => Ok(()),
            Err(DataError::Invalid(error)) => Err(error),
            Err(DataError::Serialize { template, message }) => Err(ValidationError {
                template,
                violations: vec![Violation {
                    path: String::new(),
                    code: Code::Type,
                    message,
                }],
            }),
        }
    }

    /// The payload as the template's JSON `data`, checked as [`validate`](Template::validate)
    /// checks it: serialized once, so the value that was validated is the value to send (the
    /// client sends exactly this).
    ///
    /// ```ignore
    /// let data = payload.to_data()?;          // serde_json::Value, within every bound
    /// assert!(data.is_object());
    /// ```
    fn to_data(&self) -> Result<serde_json::Value, DataError> {
        let value = serde_json::to_value(self).map_err(|error| DataError::Serialize {
            template: Self::SLUG,
            message: error.to_string(),
        })?;
        let violations = data::validate(Self::tree(), &value).violations;
        if violations.is_empty() {
            Ok(value)
        } else {
            Err(DataError::Invalid(ValidationError {
                template: Self::SLUG,
                violations,
            }))
        }
    }
}

/// Why a payload cannot become its template's `data` ([`Template::to_data`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataError {
    /// The payload does not serialize to JSON at all: a non-finite number (JSON has no NaN or
    /// infinity), or a hand-written `Serialize` impl that failed.
    Serialize {
        /// The template's slug.
        template: &'static str,
        /// What serde said.
        message: String,
    },
    /// It serializes, but breaks the template's bounds.
    Invalid(ValidationError),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Serialize { template, message } => write!(
                f,
                "the data for template `{template}` does not serialize to JSON: {message}"
            ),
            DataError::Invalid(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Invalid(error) => Some(error),
            DataError::Serialize { .. } => None,
        }
    }
}

/// A payload that breaks its template's bounds: every violation, each with its data path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The template's slug.
    pub template: &'static str,
    /// Every violation found.
    pub violations: Vec<Violation>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.violations.len();
        write!(
            f,
            "the data for template `{}` has {n} problem{}:",
            self.template,
            if n == 1 { "" } else { "s" }
        )?;
        for violation in &self.violations {
            write!(f, "\n  - {violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}
