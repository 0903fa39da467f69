//! The rules about one variable at a time (enum values, bounds), and examples, which are
//! checked against the finished tree with the same validator as render data.

use std::cmp::Ordering;

use super::error::{Problem, Rule};
use super::number::compare_numbers;
use super::scalar::Bounds;
use super::tree::{Field, Items, Node, Object};
use super::types::{VarType, Variable};
use crate::data;

pub(crate) fn check_variable(v: &Variable) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut problem =
        |rule, message: String| problems.push(Problem::variable(&v.path, rule, message));
    // Bounds of an array with scalar items apply to each item.
    let value_ty = match (&v.ty, &v.items) {
        (VarType::Array, Some(items)) => items,
        (ty, _) => ty,
    };

    if *value_ty == VarType::Enum {
        match v.values.as_deref() {
            None | Some([]) => problem(
                Rule::EnumWithoutValues,
                "an `enum` needs `values`: the list of allowed strings, e.g. `\"values\": [\"ok\", \"worn\"]`".to_owned(),
            ),
            Some(values) => {
                if values.iter().any(String::is_empty) {
                    problem(Rule::EnumEmptyValue, "an `enum` value is the empty string; remove it".to_owned());
                }
                let mut sorted: Vec<&String> = values.iter().collect();
                sorted.sort();
                let mut duplicates: Vec<&str> = sorted.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0].as_str()).collect();
                duplicates.dedup();
                for value in duplicates {
                    problem(
                        Rule::EnumDuplicateValue,
                        format!("the `enum` value `{}` appears more than once; list each value once", value.escape_debug()),
                    );
                }
            }
        }
    } else if v.values.is_some() {
        problem(
            Rule::BoundNotApplicable,
            format!("`values` applies to `enum` variables, not `{value_ty}`"),
        );
    }

    let unknown = matches!(value_ty, VarType::Unknown(_));
    let bounds = value_ty.scalar().map_or(Bounds::None, |t| t.bounds);
    let textual = bounds == Bounds::Length || unknown;
    let numeric = bounds == Bounds::Range || unknown;
    let array = v.ty == VarType::Array;
    let (textual_types, numeric_types) = (Bounds::Length.types_text(), Bounds::Range.types_text());
    for (name, set, applies, kind) in [
        (
            "minLength",
            v.min_length.is_some(),
            textual,
            textual_types.as_str(),
        ),
        (
            "maxLength",
            v.max_length.is_some(),
            textual,
            textual_types.as_str(),
        ),
        (
            "minimum",
            v.minimum.is_some(),
            numeric,
            numeric_types.as_str(),
        ),
        (
            "maximum",
            v.maximum.is_some(),
            numeric,
            numeric_types.as_str(),
        ),
        ("minItems", v.min_items.is_some(), array, "`array`"),
        ("maxItems", v.max_items.is_some(), array, "`array`"),
    ] {
        if set && !applies {
            problem(
                Rule::BoundNotApplicable,
                format!("`{name}` applies to {kind} values, not `{value_ty}`; remove it"),
            );
        }
    }

    let contradict =
        |low: Option<u64>, high: Option<u64>| matches!((low, high), (Some(l), Some(h)) if l > h);
    if contradict(v.min_length, v.max_length) {
        problem(
            Rule::BoundsContradict,
            bounds_message("minLength", v.min_length, "maxLength", v.max_length),
        );
    }
    if contradict(v.min_items, v.max_items) {
        problem(
            Rule::BoundsContradict,
            bounds_message("minItems", v.min_items, "maxItems", v.max_items),
        );
    }
    if let (Some(low), Some(high)) = (&v.minimum, &v.maximum) {
        if compare_numbers(low, high) == Some(Ordering::Greater) {
            problem(
                Rule::BoundsContradict,
                format!(
                    "`minimum` ({low}) is above `maximum` ({high}): no value can satisfy both; swap or fix them"
                ),
            );
        }
    }
    problems
}

fn bounds_message(low_name: &str, low: Option<u64>, high_name: &str, high: Option<u64>) -> String {
    let (low, high) = (low.unwrap_or_default(), high.unwrap_or_default());
    format!(
        "`{low_name}` ({low}) is above `{high_name}` ({high}): no value can satisfy both; swap or fix them"
    )
}

/// Every declared `example` must be a valid value of its variable.
pub(crate) fn check_examples(root: &Object) -> Vec<Problem> {
    let mut problems = Vec::new();
    walk(root, &mut |field| {
        let Some(example) = field.variable.as_ref().and_then(|v| v.example.as_ref()) else {
            return;
        };
        let violations = data::check_field_value(field, example);
        if let Some(first) = violations.first() {
            let shown = shorten(&example.to_string());
            problems.push(Problem::variable(
                &field.path,
                Rule::ExampleMismatch,
                format!(
                    "the example {shown} does not fit the variable: {}",
                    first.message
                ),
            ));
        }
    });
    problems
}

fn walk<'t>(object: &'t Object, visit: &mut impl FnMut(&'t Field)) {
    for field in &object.fields {
        visit(field);
        match &field.node {
            Node::Object(inner)
            | Node::Array(super::tree::Array {
                items: Items::Object(inner),
                ..
            }) => walk(inner, visit),
            _ => {}
        }
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(v: &Variable) -> Vec<Rule> {
        check_variable(v).into_iter().map(|p| p.rule).collect()
    }

    #[test]
    fn enum_values_are_checked() {
        let mut v = Variable::new("state", VarType::Enum);
        assert_eq!(rules(&v), [Rule::EnumWithoutValues]);
        v.values = Some(vec!["a".into(), "".into()]);
        assert_eq!(rules(&v), [Rule::EnumEmptyValue]);
        v.values = Some(vec!["a".into(), "b".into(), "a".into(), "a".into()]);
        let problems = check_variable(&v);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("`a`"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn bounds_must_apply_and_agree() {
        let mut v = Variable::new("count", VarType::Integer);
        v.minimum = Some(10.into());
        v.maximum = Some(1.into());
        assert_eq!(rules(&v), [Rule::BoundsContradict]);
        let mut v = Variable::new("count", VarType::Integer);
        v.max_length = Some(3);
        assert_eq!(rules(&v), [Rule::BoundNotApplicable]);
        let mut v = Variable::new("tags[]", VarType::Array);
        v.items = Some(VarType::String);
        v.max_length = Some(3);
        v.max_items = Some(2);
        assert_eq!(rules(&v), []);
    }
}
