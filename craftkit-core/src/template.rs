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
    /// The manifest, as compact JSON.
    const MANIFEST_JSON: &'static str;

    /// The manifest folded into a tree (parsed once, on first use).
    fn tree() -> &'static Tree;

    /// The manifest the type was generated from.
    fn manifest() -> &'static Manifest {
        Self::tree().manifest()
    }

    /// Checks what the type system cannot: string lengths, number ranges and array lengths
    /// (and that every number is finite). Returns every violation, each with its data path.
    fn validate(&self) -> Result<(), ValidationError> {
        let violations = match serde_json::to_value(self) {
            Ok(value) => data::validate(Self::tree(), &value).violations,
            Err(error) => vec![Violation {
                path: String::new(),
                code: Code::Type,
                message: error.to_string(),
            }],
        };
        if violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                template: Self::SLUG,
                violations,
            })
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
