//! What each pipeline can bind: `html` everything, `docx` arrays one level deep and images,
//! `pdf-form` scalars and signatures outside arrays.

use super::error::{Problem, Rule};
use super::tree::{Field, Items, Node, Object};
use super::types::{Pipeline, VarType};

pub(crate) fn check(pipeline: Pipeline, root: &Object) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_object(pipeline, root, 0, &mut problems);
    problems
}

fn check_object(
    pipeline: Pipeline,
    object: &Object,
    array_depth: usize,
    problems: &mut Vec<Problem>,
) {
    for field in &object.fields {
        check_field(pipeline, field, array_depth, problems);
    }
}

fn check_field(pipeline: Pipeline, field: &Field, array_depth: usize, problems: &mut Vec<Problem>) {
    // An object or array no variable declares is named with the variable that implies it,
    // so the user knows which line of the manifest to change.
    let implied = match implied_by(field) {
        Some(by) => format!(
            "`{}` is implied by `{}`, and ",
            field.path.escape_debug(),
            by.escape_debug()
        ),
        None => String::new(),
    };
    let lacks = |what: &str, fix: &str| {
        Problem::variable(
            &field.path,
            Rule::PipelineCapability,
            format!("{implied}the `{pipeline}` pipeline cannot bind {what}; {fix}"),
        )
    };
    match &field.node {
        Node::Scalar(scalar) => check_scalar(pipeline, &scalar.ty, array_depth, problems, lacks),
        Node::Object(object) => check_object(pipeline, object, array_depth, problems),
        Node::OpaqueObject => {}
        Node::Array(array) => {
            match pipeline {
                Pipeline::PdfForm => {
                    problems.push(lacks(
                        "arrays (repeating rows)",
                        "a form has a fixed set of fields: declare one variable per field",
                    ));
                    return;
                }
                Pipeline::Docx if array_depth > 0 => {
                    problems.push(lacks(
                        "an array inside an array item (docx repeats rows one level deep)",
                        "flatten the inner array or use the `html` pipeline",
                    ));
                    return;
                }
                _ => {}
            }
            match &array.items {
                Items::Scalar(scalar) => {
                    check_scalar(pipeline, &scalar.ty, array_depth + 1, problems, lacks)
                }
                Items::Object(object) => check_object(pipeline, object, array_depth + 1, problems),
            }
        }
    }
}

/// The first declared variable under `field` when `field` itself is not declared: the one
/// whose path implies it (`a[].b[].c` implies `a[].b[]`).
fn implied_by(field: &Field) -> Option<&str> {
    if field.variable.is_some() {
        return None;
    }
    fn first_declared(object: &Object) -> Option<&str> {
        object.fields.iter().find_map(|f| match &f.variable {
            Some(variable) => Some(variable.path.as_str()),
            None => match &f.node {
                Node::Object(inner)
                | Node::Array(super::tree::Array {
                    items: Items::Object(inner),
                    ..
                }) => first_declared(inner),
                _ => None,
            },
        })
    }
    match &field.node {
        Node::Object(inner)
        | Node::Array(super::tree::Array {
            items: Items::Object(inner),
            ..
        }) => first_declared(inner),
        _ => None,
    }
}

fn check_scalar(
    pipeline: Pipeline,
    ty: &VarType,
    array_depth: usize,
    problems: &mut Vec<Problem>,
    lacks: impl Fn(&str, &str) -> Problem,
) {
    match (pipeline, ty) {
        (Pipeline::PdfForm, VarType::Image) => {
            problems.push(lacks(
                "images",
                "a form can only take a signature: use type `signature`, or the `html` pipeline",
            ));
        }
        (Pipeline::PdfForm, VarType::Signature) if array_depth > 0 => {
            problems.push(lacks(
                "a signature inside an array",
                "declare each signature as its own variable",
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::manifest::{Manifest, ManifestError};

    fn problems(variables: &str) -> Vec<String> {
        let text = format!(
            r#"{{"slug": "t", "version": 1, "pipeline": "docx", "variables": {variables}}}"#
        );
        match Manifest::from_json(&text) {
            Err(ManifestError::Invalid { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }

    /// An array that no variable declares is named with the variable that implies it.
    #[test]
    fn an_implied_array_names_the_variable_that_implies_it() {
        let found = problems(r#"[{"path": "a[].b[].c", "type": "string"}]"#);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "variable `a[].b[]`: `a[].b[]` is implied by `a[].b[].c`, and the `docx` pipeline cannot bind an array inside an array item"
            ),
            "{found:?}"
        );
        // Deeper: the first declared variable under the implied array is named.
        let found = problems(
            r#"[{"path": "s[].r[].x.y", "type": "string"}, {"path": "s[].r[].z", "type": "string"}]"#,
        );
        assert!(found[0].contains("implied by `s[].r[].x.y`"), "{found:?}");
    }

    /// A declared array is named as it is, with nothing about implication.
    #[test]
    fn a_declared_array_is_named_alone() {
        let found = problems(r#"[{"path": "a[].b[]", "type": "array", "items": "string"}]"#);
        assert!(
            found[0].starts_with("variable `a[].b[]`: the `docx` pipeline"),
            "{found:?}"
        );
    }
}
