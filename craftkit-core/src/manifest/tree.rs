//! The fold of a manifest's flat path list into a tree of objects, arrays and scalars.
//!
//! Objects and arrays need not be declared: `booking.code` implies the object `booking`. An
//! undeclared object or array is required when anything directly inside it is required; a
//! declared one is required only when it says so.

use std::collections::HashMap;

use serde_json::Number;

use super::error::{ManifestError, Problem, Rule};
use super::path::{PathSegment, parse_path};
use super::types::{Manifest, Pipeline, VarType, Variable};
use super::{pipeline, rules};

/// A manifest folded into its shape: what a valid `data` object looks like.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    manifest: Manifest,
    root: Object,
}

/// A JSON object with known keys, in manifest order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    /// The object's keys, in the order they first appear in the manifest.
    pub fields: Vec<Field>,
}

/// One key of an [`Object`].
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The JSON key, exactly.
    pub key: String,
    /// The manifest path of this key: `booking`, `areas[]`, `areas[].name`.
    pub path: String,
    /// Whether the key must be present and not null (declared, or implied by the rule above).
    pub required: bool,
    /// The variable that declares this key, when one does.
    pub variable: Option<Variable>,
    /// What the key holds.
    pub node: Node,
}

/// What a key holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A single JSON value.
    Scalar(Scalar),
    /// An object whose keys the manifest lists.
    Object(Object),
    /// An object declared without children: any keys, kept as JSON.
    OpaqueObject,
    /// An array.
    Array(Array),
}

/// A scalar type with its value constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The type: never `object` or `array`.
    pub ty: VarType,
    /// The allowed values of an `enum` (empty for other types).
    pub values: Vec<String>,
    /// Least length in Unicode scalar values.
    pub min_length: Option<u64>,
    /// Greatest length in Unicode scalar values.
    pub max_length: Option<u64>,
    /// Least numeric value.
    pub minimum: Option<Number>,
    /// Greatest numeric value.
    pub maximum: Option<Number>,
}

/// An array with its item shape and length bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// What each item is.
    pub items: Items,
    /// Least number of items.
    pub min_items: Option<u64>,
    /// Greatest number of items.
    pub max_items: Option<u64>,
}

/// The items of an [`Array`].
#[derive(Debug, Clone, PartialEq)]
pub enum Items {
    /// Scalars (`items` of the variable), each checked against the array's value bounds.
    Scalar(Scalar),
    /// Objects whose keys are the array's children (`areas[].name`).
    Object(Object),
}

impl Tree {
    /// Parses a manifest from JSON text, checks every rule of the spec and folds it, in one
    /// pass: what [`Manifest::from_json`] does, keeping the tree. Every problem is reported at
    /// once.
    ///
    /// ```
    /// use craftkit_core::manifest::Tree;
    ///
    /// let tree = Tree::from_json(r#"{"slug": "greeting", "version": 1, "pipeline": "html",
    ///     "variables": [{"path": "person.name", "type": "string", "required": true}]}"#)?;
    /// assert_eq!(tree.manifest().slug, "greeting");
    /// assert_eq!(tree.root().fields[0].key, "person");
    /// # Ok::<(), craftkit_core::manifest::ManifestError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Tree, ManifestError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ManifestError::syntax(e, text))?;
        Tree::from_value(&value)
    }

    /// [`Tree::from_json`] for a JSON value already parsed.
    pub fn from_value(value: &serde_json::Value) -> Result<Tree, ManifestError> {
        super::parse::parse(value)
    }

    /// A tree from a manifest and the object folded from its variables without a problem.
    pub(crate) fn from_parts(manifest: Manifest, root: Object) -> Tree {
        Tree { manifest, root }
    }

    /// The manifest, giving up the tree.
    pub fn into_manifest(self) -> Manifest {
        self.manifest
    }

    /// Folds and checks `manifest`: every problem is reported at once. A manifest read with
    /// [`Manifest::from_json`] was already folded once; read it with [`Tree::from_json`] to
    /// keep that tree instead.
    pub fn build(manifest: &Manifest) -> Result<Tree, ManifestError> {
        let (root, problems) = fold(&manifest.variables, Some(manifest.pipeline));
        if problems.is_empty() {
            Ok(Tree {
                manifest: manifest.clone(),
                root,
            })
        } else {
            Err(ManifestError::Invalid {
                slug: Some(manifest.slug.clone()),
                problems,
            })
        }
    }

    /// The manifest this tree was folded from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The `data` object itself.
    pub fn root(&self) -> &Object {
        &self.root
    }
}

/// Folds `variables` and checks every rule about them (and about `pipeline`, when known),
/// returning the tree of what could be folded and every problem found.
pub(crate) fn fold(variables: &[Variable], pipeline: Option<Pipeline>) -> (Object, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut root = Building::default();
    for variable in variables {
        problems.extend(rules::check_variable(variable));
        match parse_path(&variable.path) {
            Ok(segments) => root.insert(variable, &segments, &mut problems),
            Err(path_problems) => problems.extend(
                path_problems
                    .into_iter()
                    .map(|(rule, msg)| Problem::variable(&variable.path, rule, msg)),
            ),
        }
    }
    let root = root.finish_object(&mut problems);
    if let Some(pipeline) = pipeline {
        problems.extend(pipeline::check(pipeline, &root));
    }
    problems.extend(rules::check_examples(&root));
    (root, problems)
}

impl Node {
    /// A short description of the shape for messages: "an object", "an array", "a string".
    pub fn describe(&self) -> String {
        match self {
            Node::Scalar(scalar) => format!("a `{}` value", scalar.ty),
            Node::Object(_) | Node::OpaqueObject => "an object".to_owned(),
            Node::Array(_) => "an array".to_owned(),
        }
    }
}

/// A node while the paths are being inserted.
#[derive(Default)]
struct Building<'m> {
    /// The variable declaring this node.
    declared: Option<&'m Variable>,
    /// The first path that reached this node: what messages name for an undeclared node.
    first_path: Option<&'m str>,
    /// The manifest path of this node itself.
    own_path: String,
    /// Children keyed by (key, is array), so that `areas[]` and `areas` stay apart and can be
    /// reported as one conflict instead of cascading into their children.
    children: Vec<(&'m str, bool, Building<'m>)>,
    index: HashMap<(&'m str, bool), usize>,
}

impl<'m> Building<'m> {
    fn child(&mut self, name: &'m str, array: bool, variable: &'m Variable) -> &mut Building<'m> {
        let index = *self.index.entry((name, array)).or_insert_with(|| {
            let prefix = if self.own_path.is_empty() {
                String::new()
            } else {
                format!("{}.", self.own_path)
            };
            let own_path = format!("{prefix}{name}{}", if array { "[]" } else { "" });
            self.children.push((
                name,
                array,
                Building {
                    own_path,
                    ..Building::default()
                },
            ));
            self.children.len() - 1
        });
        let child = &mut self.children[index].2;
        child.first_path.get_or_insert(&variable.path);
        child
    }

    fn insert(
        &mut self,
        variable: &'m Variable,
        segments: &[PathSegment<'m>],
        problems: &mut Vec<Problem>,
    ) {
        let Some((last, containers)) = segments.split_last() else {
            return;
        };
        let mut node = self;
        for segment in containers {
            node = node.child(segment.name, segment.array, variable);
        }
        let leaf = node.child(last.name, last.array, variable);
        match leaf.declared {
            Some(_) => problems.push(Problem::variable(
                &variable.path,
                Rule::DuplicatePath,
                "the same path is declared twice; keep one declaration",
            )),
            None => leaf.declared = Some(variable),
        }
    }

    /// The path to name in messages about this node.
    fn name_path(&self) -> &str {
        self.declared
            .map(|v| v.path.as_str())
            .or(self.first_path)
            .unwrap_or(&self.own_path)
    }

    fn finish_object(self, problems: &mut Vec<Problem>) -> Object {
        // key -> (is array, the path to name, the shape in words) of the first node with that key
        let mut seen: HashMap<&str, (bool, String, String)> = HashMap::new();
        let mut fields = Vec::with_capacity(self.children.len());
        for (key, array, child) in self.children {
            let shape = match child.declared {
                _ if array => "an array".to_owned(),
                Some(v) if v.ty.is_scalar() => format!("a `{}` value", v.ty),
                _ => "an object".to_owned(),
            };
            if let Some((other_array, other_path, other_shape)) = seen.get(key) {
                let (array_path, other_path, other_shape) = if *other_array {
                    (other_path.clone(), child.name_path().to_owned(), shape)
                } else {
                    (
                        child.name_path().to_owned(),
                        other_path.clone(),
                        other_shape.clone(),
                    )
                };
                problems.push(Problem::variables(
                    vec![array_path.clone(), other_path.clone()],
                    Rule::ShapeConflict,
                    format!(
                        "the key `{}` is used as an array (by `{array_path}`) and as {other_shape} (by `{other_path}`); a key has one shape",
                        key.escape_debug()
                    ),
                ));
                continue;
            }
            seen.insert(key, (array, child.name_path().to_owned(), shape));
            if let Some(field) = child.finish_field(key, array, problems) {
                fields.push(field);
            }
        }
        Object { fields }
    }

    fn finish_field(self, key: &str, array: bool, problems: &mut Vec<Problem>) -> Option<Field> {
        let own_path = self.own_path.clone();
        let declared = self.declared;
        let first_child_path = self
            .children
            .first()
            .map(|(_, _, c)| c.name_path().to_owned());
        let has_children = !self.children.is_empty();
        let node = match declared {
            None if array => Node::Array(Array {
                items: Items::Object(self.finish_object(problems)),
                min_items: None,
                max_items: None,
            }),
            None => Node::Object(self.finish_object(problems)),
            Some(v) => match (&v.ty, array) {
                (VarType::Array, false) => {
                    problems.push(Problem::variable(
                        &v.path,
                        Rule::ArrayWithoutBrackets,
                        format!(
                            "an `array` variable's path ends in `[]`: write `{}[]`",
                            v.path.escape_debug()
                        ),
                    ));
                    return None;
                }
                (ty, true) if *ty != VarType::Array => {
                    problems.push(Problem::variable(
                        &v.path,
                        Rule::BracketsWithoutArray,
                        format!("a path ending in `[]` is an array, but the type is `{ty}`: use type `array` with `items`, or drop the `[]`"),
                    ));
                    return None;
                }
                (VarType::Array, true) => finish_array(v, self, first_child_path, problems)?,
                (VarType::Object, _) if has_children => Node::Object(self.finish_object(problems)),
                (VarType::Object, _) => Node::OpaqueObject,
                (ty, _) => {
                    if let Some(child) = first_child_path {
                        problems.push(Problem::variables(
                            vec![v.path.clone(), child.clone()],
                            Rule::ShapeConflict,
                            format!(
                                "`{}` is declared as a `{ty}` value, but `{child}` uses it as an object; declare it as `object` or move the nested variable",
                                v.path.escape_debug()
                            ),
                        ));
                        return None;
                    }
                    Node::Scalar(scalar_of(v, ty.clone()))
                }
            },
        };
        let required = match declared {
            Some(v) => v.required,
            None => match &node {
                Node::Object(object)
                | Node::Array(Array {
                    items: Items::Object(object),
                    ..
                }) => object.fields.iter().any(|f| f.required),
                _ => false,
            },
        };
        Some(Field {
            key: key.to_owned(),
            path: own_path,
            required,
            variable: declared.cloned(),
            node,
        })
    }
}

fn finish_array<'m>(
    v: &'m Variable,
    node: Building<'m>,
    first_child_path: Option<String>,
    problems: &mut Vec<Problem>,
) -> Option<Node> {
    let items = match (&v.items, first_child_path) {
        (None | Some(VarType::Object), Some(_)) => Items::Object(node.finish_object(problems)),
        (Some(items), Some(child)) => {
            problems.push(Problem::variables(
                vec![v.path.clone(), child],
                Rule::ArrayItemsAndChildren,
                format!("the array has `items: \"{items}\"` and also child variables; an array with children holds objects: drop `items` or the children"),
            ));
            return None;
        }
        (None, None) => {
            problems.push(Problem::variable(
                &v.path,
                Rule::ArrayWithoutItems,
                "the array has neither child variables nor `items`: say what it holds, e.g. `\"items\": \"string\"`, or declare its keys (`tags[].label`)",
            ));
            return None;
        }
        (Some(VarType::Object), None) => {
            problems.push(Problem::variable(
                &v.path,
                Rule::ArrayWithoutItems,
                "an array of objects must declare the keys of its items as child variables (`tags[].label`)",
            ));
            return None;
        }
        (Some(VarType::Array), None) => {
            problems.push(Problem::variable(
                &v.path,
                Rule::InvalidItems,
                "`items` cannot be `array`: write an array of arrays with a named level, as in `rows[].cells[]`",
            ));
            return None;
        }
        (Some(items), None) => Items::Scalar(scalar_of(v, items.clone())),
    };
    Some(Node::Array(Array {
        items,
        min_items: v.min_items,
        max_items: v.max_items,
    }))
}

fn scalar_of(v: &Variable, ty: VarType) -> Scalar {
    Scalar {
        values: if ty == VarType::Enum {
            v.values.clone().unwrap_or_default()
        } else {
            Vec::new()
        },
        ty,
        min_length: v.min_length,
        max_length: v.max_length,
        minimum: v.minimum.clone(),
        maximum: v.maximum.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(variables: &str) -> Tree {
        let text = format!(
            r#"{{"slug": "t", "version": 1, "pipeline": "html", "variables": [{variables}]}}"#
        );
        Manifest::from_json(&text).unwrap().tree().unwrap()
    }

    fn field<'t>(object: &'t Object, key: &str) -> &'t Field {
        object
            .fields
            .iter()
            .find(|f| f.key == key)
            .unwrap_or_else(|| panic!("no field {key}"))
    }

    fn object(field: &Field) -> &Object {
        match &field.node {
            Node::Object(o)
            | Node::Array(Array {
                items: Items::Object(o),
                ..
            }) => o,
            other => panic!("{} is {other:?}", field.path),
        }
    }

    #[test]
    fn undeclared_objects_are_required_when_something_inside_is() {
        let t = tree(
            r#"{"path": "booking.details.code", "type": "string", "required": true},
                        {"path": "notes.text", "type": "text"}"#,
        );
        let booking = field(t.root(), "booking");
        assert!(booking.required && booking.variable.is_none());
        let details = field(object(booking), "details");
        assert!(details.required);
        assert_eq!(details.path, "booking.details");
        assert!(!field(t.root(), "notes").required);
    }

    #[test]
    fn a_declared_object_is_required_only_when_it_says_so() {
        let t = tree(
            r#"{"path": "maybe", "type": "object"},
                        {"path": "maybe.must", "type": "string", "required": true}"#,
        );
        let maybe = field(t.root(), "maybe");
        assert!(!maybe.required, "declared optional: may be absent");
        assert!(
            field(object(maybe), "must").required,
            "but when present it must carry `must`"
        );
    }

    #[test]
    fn arrays_fold_into_items() {
        let t = tree(
            r#"{"path": "areas[].name", "type": "string", "required": true},
                        {"path": "areas[].photos[]", "type": "array", "items": "image", "maxItems": 6},
                        {"path": "crew[]", "type": "array", "items": "string", "maxLength": 20}"#,
        );
        let areas = field(t.root(), "areas");
        assert!(
            areas.required,
            "an undeclared array is required when an item field is"
        );
        assert_eq!(areas.path, "areas[]");
        let photos = field(object(areas), "photos");
        assert_eq!(photos.path, "areas[].photos[]");
        let Node::Array(Array {
            items: Items::Scalar(s),
            max_items: Some(6),
            ..
        }) = &photos.node
        else {
            panic!("{photos:?}")
        };
        assert_eq!(s.ty, VarType::Image);
        let Node::Array(Array {
            items: Items::Scalar(s),
            ..
        }) = &field(t.root(), "crew").node
        else {
            panic!()
        };
        assert_eq!(
            s.max_length,
            Some(20),
            "value bounds of a scalar array apply to each item"
        );
    }

    #[test]
    fn fields_keep_manifest_order_of_first_appearance() {
        let t = tree(
            r#"{"path": "b.x", "type": "string"}, {"path": "a", "type": "string"},
                        {"path": "b.y", "type": "string"}"#,
        );
        let keys: Vec<&str> = t.root().fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
        let inner: Vec<&str> = object(field(t.root(), "b"))
            .fields
            .iter()
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(inner, ["x", "y"]);
    }

    #[test]
    fn a_declared_object_without_children_keeps_any_keys() {
        let t = tree(r#"{"path": "meta", "type": "object"}"#);
        assert_eq!(field(t.root(), "meta").node, Node::OpaqueObject);
    }

    #[test]
    fn the_same_key_as_scalar_and_array_is_one_conflict() {
        let text = r#"{"slug": "t", "version": 1, "pipeline": "html", "variables": [
            {"path": "tags", "type": "string"}, {"path": "tags[]", "type": "array", "items": "string"}]}"#;
        let error = Manifest::from_json(text).unwrap_err();
        assert_eq!(error.problems().len(), 1, "{error}");
        assert_eq!(error.problems()[0].rule, Rule::ShapeConflict);
        assert!(
            error
                .to_string()
                .contains("as an array (by `tags[]`) and as a `string` value (by `tags`)"),
            "{error}"
        );
    }
}
