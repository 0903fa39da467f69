//! JSON value -> validated [`Tree`], collecting every structural problem (missing fields, wrong
//! JSON types, unknown pipeline) instead of stopping at the first. Unknown fields are ignored.
//! The variables are folded once, here: the tree that the rules were checked on is the tree
//! handed on.

use serde_json::{Map, Number, Value};

use super::error::{ManifestError, Problem, Rule};
use super::tree::{Tree, fold};
use super::types::{Manifest, Pipeline, Status, VarType, Variable};

/// Whether `slug` matches `^[a-z0-9][a-z0-9-]{0,63}$`.
pub fn is_valid_slug(slug: &str) -> bool {
    let bytes = slug.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && matches!(bytes[0], b'a'..=b'z' | b'0'..=b'9')
        && bytes
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
}

/// The manifest in `value`, checked and folded into its [`Tree`]; every problem found (in the
/// fields, the variables and the folding) in one [`ManifestError::Invalid`].
pub(crate) fn parse(value: &Value) -> Result<Tree, ManifestError> {
    let Some(doc) = value.as_object() else {
        return Err(ManifestError::Invalid {
            slug: None,
            problems: vec![Problem::field(
                "(document)",
                Rule::WrongType,
                format!("a manifest is a JSON object, not {}", json_kind(value)),
            )],
        });
    };
    let mut problems = Vec::new();
    let mut fields = Fields {
        map: doc,
        problems: &mut problems,
        owner: None,
    };

    let slug = fields.string("slug", true);
    let slug_ok = match &slug {
        Some(s) if is_valid_slug(s) => true,
        Some(s) => {
            fields.problems.push(Problem::field(
                "slug",
                Rule::SlugPattern,
                format!(
                    "`{}` is not a valid slug: use 1 to 64 lowercase ASCII letters, digits and `-`, starting with a letter or digit (^[a-z0-9][a-z0-9-]{{0,63}}$)",
                    s.escape_debug()
                ),
            ));
            false
        }
        None => false,
    };
    let name = fields.string("name", false);
    let description = fields.string("description", false);
    let version = fields.unsigned("version", true);
    let status = fields
        .string("status", false)
        .and_then(|s| match s.as_str() {
            "published" => Some(Status::Published),
            "draft" => Some(Status::Draft),
            other => {
                fields.problems.push(Problem::field(
                    "status",
                    Rule::UnknownStatus,
                    format!(
                        "unknown status `{}`: use `published` or `draft`",
                        other.escape_debug()
                    ),
                ));
                None
            }
        });
    if version == Some(0) && status != Some(Status::Draft) {
        fields.problems.push(Problem::field(
            "version",
            Rule::VersionZero,
            "version 0 is only valid on a draft; a published version starts at 1",
        ));
    }
    let pipeline = fields.string("pipeline", true).and_then(|p| {
        let pipeline = Pipeline::from_name(&p);
        if pipeline.is_none() {
            fields.problems.push(Problem::field(
                "pipeline",
                Rule::UnknownPipeline,
                format!(
                    "unknown pipeline `{}`: use `html`, `docx` or `pdf-form`",
                    p.escape_debug()
                ),
            ));
        }
        pipeline
    });
    let updated_at = fields.string("updatedAt", false);
    let variables = match doc.get("variables") {
        None => {
            problems.push(Problem::field(
                "variables",
                Rule::MissingField,
                "the required field `variables` is missing: give the list of variables (it may be empty: [])",
            ));
            Vec::new()
        }
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| parse_variable(index, item, &mut problems))
            .collect(),
        Some(other) => {
            problems.push(Problem::field(
                "variables",
                Rule::WrongType,
                format!(
                    "`variables` must be an array of variables, not {}",
                    json_kind(other)
                ),
            ));
            Vec::new()
        }
    };

    // Fold what parsed, so that the rules about variables are reported with the rest.
    let (root, fold_problems) = fold(&variables, pipeline);
    problems.extend(fold_problems);
    match (slug, version, pipeline) {
        (Some(slug), Some(version), Some(pipeline)) if problems.is_empty() => {
            let manifest = Manifest {
                slug,
                name,
                description,
                version,
                status,
                pipeline,
                updated_at,
                variables,
            };
            Ok(Tree::from_parts(manifest, root))
        }
        (slug, ..) => Err(ManifestError::Invalid {
            slug: slug.filter(|_| slug_ok),
            problems,
        }),
    }
}

fn parse_variable(index: usize, item: &Value, problems: &mut Vec<Problem>) -> Option<Variable> {
    let Some(map) = item.as_object() else {
        problems.push(Problem::field(
            format!("variables[{index}]"),
            Rule::WrongType,
            format!(
                "each variable is a JSON object with `path` and `type`, not {}",
                json_kind(item)
            ),
        ));
        return None;
    };
    let before = problems.len();
    let path = match map.get("path") {
        Some(Value::String(path)) => Some(path.clone()),
        Some(other) => {
            problems.push(Problem::field(
                format!("variables[{index}].path"),
                Rule::WrongType,
                format!("`path` must be a string, not {}", json_kind(other)),
            ));
            None
        }
        None => {
            problems.push(Problem::field(
                format!("variables[{index}]"),
                Rule::MissingField,
                "the variable has no `path`: say where its value sits in the data, e.g. `booking.code`",
            ));
            None
        }
    };
    let mut fields = Fields {
        map,
        problems,
        owner: path.as_deref(),
    };
    let ty = fields.string("type", true).map(|t| VarType::from_name(&t));
    let required = fields.boolean("required").unwrap_or(false);
    let description = fields.string("description", false);
    let example = map.get("example").cloned();
    let values = fields.string_list("values");
    let items = fields
        .string("items", false)
        .map(|t| VarType::from_name(&t));
    let min_length = fields.unsigned("minLength", false);
    let max_length = fields.unsigned("maxLength", false);
    let minimum = fields.number("minimum");
    let maximum = fields.number("maximum");
    let min_items = fields.unsigned("minItems", false);
    let max_items = fields.unsigned("maxItems", false);
    let format = fields.string("format", false);

    if problems.len() > before {
        return None;
    }
    Some(Variable {
        path: path?,
        ty: ty?,
        required,
        description,
        example,
        values,
        items,
        min_length,
        max_length,
        minimum,
        maximum,
        min_items,
        max_items,
        format,
    })
}

/// Reads typed fields out of a JSON object, recording a problem for each wrong or missing one.
struct Fields<'a, 'p> {
    map: &'a Map<String, Value>,
    problems: &'p mut Vec<Problem>,
    /// The variable path these fields belong to, or `None` for the top level.
    owner: Option<&'a str>,
}

impl Fields<'_, '_> {
    fn problem(&mut self, key: &str, rule: Rule, message: String) {
        self.problems.push(match self.owner {
            Some(path) => Problem::variable(path, rule, message),
            None => Problem::field(key, rule, message),
        });
    }

    fn get(&mut self, key: &str, required: bool) -> Option<&Value> {
        match self.map.get(key) {
            None | Some(Value::Null) if required => {
                let whose = if self.owner.is_some() {
                    "the variable"
                } else {
                    "the manifest"
                };
                self.problem(
                    key,
                    Rule::MissingField,
                    format!("the required field `{key}` is missing from {whose}"),
                );
                None
            }
            None | Some(Value::Null) => None,
            Some(value) => Some(value),
        }
    }

    fn string(&mut self, key: &str, required: bool) -> Option<String> {
        match self.get(key, required)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let kind = json_kind(other);
                self.problem(
                    key,
                    Rule::WrongType,
                    format!("`{key}` must be a string, not {kind}"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, key: &str) -> Option<bool> {
        match self.get(key, false)? {
            Value::Bool(b) => Some(*b),
            other => {
                let kind = json_kind(other);
                self.problem(
                    key,
                    Rule::WrongType,
                    format!("`{key}` must be true or false, not {kind}"),
                );
                None
            }
        }
    }

    fn unsigned(&mut self, key: &str, required: bool) -> Option<u64> {
        match self.get(key, required)? {
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            other => {
                let kind = json_kind(other);
                self.problem(
                    key,
                    Rule::WrongType,
                    format!("`{key}` must be a whole number, zero or more, not {kind}"),
                );
                None
            }
        }
    }

    fn number(&mut self, key: &str) -> Option<Number> {
        match self.get(key, false)? {
            Value::Number(n) => Some(n.clone()),
            other => {
                let kind = json_kind(other);
                self.problem(
                    key,
                    Rule::WrongType,
                    format!("`{key}` must be a number, not {kind}"),
                );
                None
            }
        }
    }

    fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        let value = self.get(key, false)?;
        let list = value.as_array().and_then(|items| {
            items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        });
        if list.is_none() {
            let kind = json_kind(value);
            self.problem(
                key,
                Rule::WrongType,
                format!("`{key}` must be an array of strings, not {kind}"),
            );
        }
        list
    }
}

/// "a string", "an object", ...: for messages about a JSON value's type.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(n) if n.as_i64().is_some_and(|n| n < 0) => "a negative number",
        other => crate::data::json_kind(other),
    }
}
