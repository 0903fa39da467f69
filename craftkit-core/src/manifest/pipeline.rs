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
    let lacks = |what: &str, fix: &str| {
        Problem::variable(
            &field.path,
            Rule::PipelineCapability,
            format!("the `{pipeline}` pipeline cannot bind {what}; {fix}"),
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
