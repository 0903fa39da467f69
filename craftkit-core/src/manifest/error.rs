//! What is wrong with a manifest: every problem, each naming its subject and rule.

use std::fmt;

/// Why a manifest was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The text is not JSON.
    #[error("the manifest is not valid JSON: {message} at line {line}, column {column}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON parser expected.
        message: String,
    },
    /// The JSON breaks one or more rules of the manifest spec.
    #[error("{}", DisplayInvalid { slug: slug.as_deref(), problems })]
    Invalid {
        /// The template's slug, when the manifest has a usable one.
        slug: Option<String>,
        /// Every problem found, in manifest order.
        problems: Vec<Problem>,
    },
}

impl ManifestError {
    pub(crate) fn syntax(error: serde_json::Error, text: &str) -> ManifestError {
        // serde_json's message ends with " at line L column C"; keep only the cause.
        let full = error.to_string();
        let message = match full.rfind(" at line ") {
            Some(at) => full[..at].to_owned(),
            None => full,
        };
        let (mut line, mut column) = (error.line(), error.column());
        // At the end of the input serde_json points at column 0 of the line after the last
        // newline; a person looks for the end of the last line that has text.
        if column == 0 {
            let lines: Vec<&str> = text.lines().collect();
            match lines.iter().rposition(|l| !l.trim().is_empty()) {
                Some(last) => (line, column) = (last + 1, lines[last].chars().count() + 1),
                None => (line, column) = (1, 1),
            }
        }
        ManifestError::Syntax {
            line,
            column,
            message,
        }
    }

    /// The problems of an invalid manifest (empty for a syntax error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ManifestError::Invalid { problems, .. } => problems,
            ManifestError::Syntax { .. } => &[],
        }
    }
}

struct DisplayInvalid<'a> {
    slug: Option<&'a str>,
    problems: &'a [Problem],
}

impl fmt::Display for DisplayInvalid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.slug {
            Some(slug) => write!(f, "the manifest of template `{slug}` is invalid")?,
            None => write!(f, "the manifest is invalid")?,
        }
        match self.problems {
            [one] => write!(f, ": {one}"),
            many => {
                write!(f, " ({} problems):", many.len())?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What the problem is about: a top-level field or one or more variable paths.
    pub subject: Subject,
    /// The rule it breaks.
    pub rule: Rule,
    /// What is wrong and how to fix it, in a sentence or two.
    pub message: String,
}

impl Problem {
    pub(crate) fn field(
        field: impl Into<String>,
        rule: Rule,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            subject: Subject::Field(field.into()),
            rule,
            message: message.into(),
        }
    }

    pub(crate) fn variable(
        path: impl Into<String>,
        rule: Rule,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            subject: Subject::Variables(vec![path.into()]),
            rule,
            message: message.into(),
        }
    }

    pub(crate) fn variables(paths: Vec<String>, rule: Rule, message: impl Into<String>) -> Problem {
        Problem {
            subject: Subject::Variables(paths),
            rule,
            message: message.into(),
        }
    }

    /// The first variable path or field name this problem names: what an API error's
    /// `details[].path` carries.
    pub fn path(&self) -> &str {
        match &self.subject {
            Subject::Field(field) => field,
            Subject::Variables(paths) => paths.first().map_or("", String::as_str),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} [{}]",
            self.subject,
            self.message,
            self.rule.code()
        )
    }
}

/// What a [`Problem`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A top-level field of the manifest: `slug`, `version`, `variables`, or
    /// `variables[3]` for an entry that has no usable path.
    Field(String),
    /// One or more variable paths, as the manifest writes them.
    Variables(Vec<String>),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Field(field) => write!(f, "field `{field}`"),
            Subject::Variables(paths) => {
                f.write_str(if paths.len() == 1 {
                    "variable "
                } else {
                    "variables "
                })?;
                for (i, path) in paths.iter().enumerate() {
                    match i {
                        0 => {}
                        i if i + 1 == paths.len() => f.write_str(" and ")?,
                        _ => f.write_str(", ")?,
                    }
                    write!(f, "`{}`", path.escape_debug())?;
                }
                Ok(())
            }
        }
    }
}

/// The rules of the manifest spec, one per kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The document, a variable or a field has the wrong JSON type.
    WrongType,
    /// A required field is missing.
    MissingField,
    /// The slug breaks `^[a-z0-9][a-z0-9-]{0,63}$`.
    SlugPattern,
    /// The pipeline is not `html`, `docx` or `pdf-form`.
    UnknownPipeline,
    /// The status is not `published` or `draft`.
    UnknownStatus,
    /// A published manifest has version 0.
    VersionZero,
    /// A path has an empty segment (`a..b`, `.a`, `a.`).
    EmptySegment,
    /// A segment has `[]` but no name.
    EmptyName,
    /// A segment carries more than one `[]`.
    MultipleBrackets,
    /// `[` or `]` somewhere other than a closing `[]`.
    MisplacedBrackets,
    /// A name has white space at an end.
    Whitespace,
    /// A name has a control character.
    ControlCharacter,
    /// A path is deeper than [`MAX_PATH_DEPTH`](super::MAX_PATH_DEPTH) segments.
    TooDeep,
    /// The same path twice.
    DuplicatePath,
    /// One key used as two shapes: a scalar and an object, an array and an object, ...
    ShapeConflict,
    /// An `array` with neither children nor `items`.
    ArrayWithoutItems,
    /// An `array` with a scalar `items` and children.
    ArrayItemsAndChildren,
    /// An `array` whose path does not end in `[]`.
    ArrayWithoutBrackets,
    /// A path ending in `[]` whose type is not `array`.
    BracketsWithoutArray,
    /// An `items` type that an array cannot have.
    InvalidItems,
    /// An `enum` with no `values`.
    EnumWithoutValues,
    /// An `enum` with an empty value.
    EnumEmptyValue,
    /// An `enum` with the same value twice.
    EnumDuplicateValue,
    /// A bound that does not apply to the variable's type.
    BoundNotApplicable,
    /// Bounds that contradict (`minimum` above `maximum`).
    BoundsContradict,
    /// An `example` that does not fit its variable.
    ExampleMismatch,
    /// A type the pipeline cannot bind.
    PipelineCapability,
}

impl Rule {
    /// A stable snake_case code for the rule, for logs and API error details.
    pub fn code(self) -> &'static str {
        match self {
            Rule::WrongType => "wrong_type",
            Rule::MissingField => "missing_field",
            Rule::SlugPattern => "slug_pattern",
            Rule::UnknownPipeline => "unknown_pipeline",
            Rule::UnknownStatus => "unknown_status",
            Rule::VersionZero => "version_zero",
            Rule::EmptySegment => "empty_segment",
            Rule::EmptyName => "empty_name",
            Rule::MultipleBrackets => "multiple_brackets",
            Rule::MisplacedBrackets => "misplaced_brackets",
            Rule::Whitespace => "whitespace",
            Rule::ControlCharacter => "control_character",
            Rule::TooDeep => "too_deep",
            Rule::DuplicatePath => "duplicate_path",
            Rule::ShapeConflict => "shape_conflict",
            Rule::ArrayWithoutItems => "array_without_items",
            Rule::ArrayItemsAndChildren => "array_items_and_children",
            Rule::ArrayWithoutBrackets => "array_without_brackets",
            Rule::BracketsWithoutArray => "brackets_without_array",
            Rule::InvalidItems => "invalid_items",
            Rule::EnumWithoutValues => "enum_without_values",
            Rule::EnumEmptyValue => "enum_empty_value",
            Rule::EnumDuplicateValue => "enum_duplicate_value",
            Rule::BoundNotApplicable => "bound_not_applicable",
            Rule::BoundsContradict => "bounds_contradict",
            Rule::ExampleMismatch => "example_mismatch",
            Rule::PipelineCapability => "pipeline_capability",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
