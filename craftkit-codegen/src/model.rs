//! The intermediate model between a manifest's tree and tokens: named structs, enums and
//! field types, in a deterministic order (manifest order, depth first).

use std::collections::{HashMap, HashSet};

use craftkit_core::manifest::{Field, Items, Manifest, Node, Object, Scalar, Tree, VarType};

use crate::docs;
use crate::names::{self, Case, Name};

/// Everything one template generates.
pub(crate) struct Model {
    pub root: Struct,
    /// The module holding the nested types (named after the root type).
    pub module: String,
    /// The nested types, in order.
    pub types: Vec<TypeDef>,
    /// The manifest's fingerprint, computed once for the docs and the `Template` impl.
    pub fingerprint: String,
}

pub(crate) enum TypeDef {
    Struct(Struct),
    Enum(Enum),
}

pub(crate) struct Struct {
    pub name: String,
    pub docs: Vec<String>,
    pub fields: Vec<FieldDef>,
}

pub(crate) struct FieldDef {
    pub name: Name,
    pub key: String,
    pub ty: Ty,
    pub optional: bool,
    pub docs: Vec<String>,
}

pub(crate) struct Enum {
    pub name: String,
    pub docs: Vec<String>,
    pub variants: Vec<Variant>,
}

pub(crate) struct Variant {
    pub name: Name,
    pub value: String,
}

/// A field's Rust type.
#[derive(Clone, PartialEq)]
pub(crate) enum Ty {
    String,
    F64,
    I64,
    Bool,
    Date,
    DateTime,
    Image,
    Signature,
    /// Any JSON value (a type this version does not know).
    Json,
    /// A JSON object with unknown keys.
    JsonMap,
    /// A nested generated type.
    Named(String),
    Vec(Box<Ty>),
}

/// Type names the generated module never uses, so that `use module::*` shadows nothing of the
/// prelude (the generated code itself uses absolute paths and would not care).
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Self",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Extend",
    "Default",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "TryFrom",
    "TryInto",
    "FromIterator",
    "AsyncFn",
    "AsyncFnMut",
    "AsyncFnOnce",
];

/// Whether a generated type may not take `name` (a prelude item, or `Self`).
pub(crate) fn is_reserved_type_name(name: &str) -> bool {
    RESERVED_TYPE_NAMES.contains(&name)
}

impl Model {
    pub(crate) fn build(tree: &Tree, root_name: &str) -> Model {
        let manifest: &Manifest = tree.manifest();
        let mut slots = Vec::new();
        collect_slots(tree.root(), &[], &mut slots);
        let type_names = resolve_type_names(&slots, root_name);
        let module = module_name(root_name);
        let mut builder = ModelBuilder {
            names: type_names,
            types: Vec::new(),
            cursor: 0,
        };
        let fields = builder.fields(tree.root());
        let fingerprint = manifest.fingerprint();
        Model {
            root: Struct {
                name: root_name.to_owned(),
                docs: docs::root(manifest, &fingerprint),
                fields,
            },
            module,
            types: builder.types,
            fingerprint,
        }
    }
}

/// The module for nested types: the root's name in snake_case (`CharterHandover` ->
/// `charter_handover`), kept apart from the root's own name and from keywords.
fn module_name(root: &str) -> String {
    let snake = names::convert(root, Case::Snake);
    if snake == root || names::is_keyword(&snake) {
        format!("{snake}_types")
    } else {
        snake
    }
}

/// A generated type before it has its final name: which kind, and its lineage of name parts
/// from the root (`home.address` -> `["Home", "Address"]`).
struct Slot {
    is_enum: bool,
    lineage: Vec<String>,
}

/// Visits the tree in the same order as [`ModelBuilder::fields`], one slot per generated type.
fn collect_slots(object: &Object, lineage: &[String], slots: &mut Vec<Slot>) {
    for field in &object.fields {
        let mut child = |part: String, is_enum: bool, inner: Option<&Object>| {
            let mut lineage = lineage.to_vec();
            lineage.push(part);
            slots.push(Slot {
                is_enum,
                lineage: lineage.clone(),
            });
            if let Some(inner) = inner {
                collect_slots(inner, &lineage, slots);
            }
        };
        match &field.node {
            Node::Object(inner) => {
                child(names::convert(&field.key, Case::Camel), false, Some(inner))
            }
            Node::Scalar(s) if s.ty == VarType::Enum => {
                child(names::convert(&field.key, Case::Camel), true, None)
            }
            Node::Array(array) => match &array.items {
                Items::Object(inner) => {
                    child(names::item_type_base(&field.key), false, Some(inner))
                }
                Items::Scalar(s) if s.ty == VarType::Enum => {
                    child(names::item_type_base(&field.key), true, None)
                }
                Items::Scalar(_) => {}
            },
            Node::Scalar(_) | Node::OpaqueObject => {}
        }
    }
}

/// Short names where they are unique; colliding ones are qualified by their parents' names
/// (`HomeAddress`, `WorkAddress`) until they are not; a name that still collides, or that is
/// reserved or the root's, gets `Object`/`Enum` (and a number only if that collides too).
fn resolve_type_names(slots: &[Slot], root: &str) -> Vec<String> {
    let join = |slot: &Slot, k: usize| slot.lineage[slot.lineage.len() - k..].concat();
    let reserved = |name: &str| name == root || is_reserved_type_name(name);
    let mut depth = vec![1; slots.len()];
    loop {
        let names: Vec<String> = slots.iter().zip(&depth).map(|(s, &k)| join(s, k)).collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for name in &names {
            *counts.entry(name).or_default() += 1;
        }
        let mut changed = false;
        for (i, name) in names.iter().enumerate() {
            if (counts[name.as_str()] > 1 || reserved(name)) && depth[i] < slots[i].lineage.len() {
                depth[i] += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let names: Vec<String> = slots.iter().zip(&depth).map(|(s, &k)| join(s, k)).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in &names {
        *counts.entry(name).or_default() += 1;
    }
    let mut taken: HashSet<String> = names
        .iter()
        .filter(|n| counts[n.as_str()] == 1 && !reserved(n))
        .cloned()
        .collect();
    let mut finals = Vec::with_capacity(slots.len());
    for (slot, name) in slots.iter().zip(&names) {
        if counts[name.as_str()] == 1 && !reserved(name) {
            finals.push(name.clone());
            continue;
        }
        let base = format!("{name}{}", if slot.is_enum { "Enum" } else { "Object" });
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.contains(&candidate) || reserved(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        taken.insert(candidate.clone());
        finals.push(candidate);
    }
    finals
}

struct ModelBuilder {
    /// The final type names, in slot order.
    names: Vec<String>,
    types: Vec<TypeDef>,
    /// The next slot to name.
    cursor: usize,
}

impl ModelBuilder {
    fn next_name(&mut self) -> String {
        let name = self.names[self.cursor].clone();
        self.cursor += 1;
        name
    }

    fn fields(&mut self, object: &Object) -> Vec<FieldDef> {
        let keys: Vec<&str> = object.fields.iter().map(|f| f.key.as_str()).collect();
        let names = names::assign(&keys, Case::Snake);
        object
            .fields
            .iter()
            .zip(names)
            .map(|(field, name)| FieldDef {
                name,
                key: field.key.clone(),
                ty: self.field_type(field),
                optional: !field.required,
                docs: docs::field(field),
            })
            .collect()
    }

    fn field_type(&mut self, field: &Field) -> Ty {
        match &field.node {
            Node::Scalar(scalar) => self.scalar_type(scalar, field),
            Node::Object(inner) => Ty::Named(self.structure(inner, field)),
            Node::OpaqueObject => Ty::JsonMap,
            Node::Array(array) => Ty::Vec(Box::new(match &array.items {
                Items::Object(inner) => Ty::Named(self.structure(inner, field)),
                Items::Scalar(scalar) => self.scalar_type(scalar, field),
            })),
        }
    }

    fn structure(&mut self, object: &Object, field: &Field) -> String {
        let name = self.next_name();
        let position = self.types.len();
        // reserve the place so that a struct comes before the types of its fields
        self.types.push(TypeDef::Enum(Enum {
            name: String::new(),
            docs: Vec::new(),
            variants: Vec::new(),
        }));
        let fields = self.fields(object);
        let mut docs_lines = vec![match &field.node {
            Node::Array(_) => format!("One item of {}.", docs::code(&field.path)),
            _ => format!("The object at {}.", docs::code(&field.path)),
        }];
        if let Some(description) = field
            .variable
            .as_ref()
            .and_then(|v| v.description.as_deref())
        {
            docs_lines.push(String::new());
            docs_lines.extend(docs::escape(description));
        }
        self.types[position] = TypeDef::Struct(Struct {
            name: name.clone(),
            docs: docs_lines,
            fields,
        });
        name
    }

    fn scalar_type(&mut self, scalar: &Scalar, field: &Field) -> Ty {
        match &scalar.ty {
            VarType::String | VarType::Text => Ty::String,
            VarType::Number => Ty::F64,
            VarType::Integer => Ty::I64,
            VarType::Boolean => Ty::Bool,
            VarType::Date => Ty::Date,
            VarType::DateTime => Ty::DateTime,
            VarType::Image => Ty::Image,
            VarType::Signature => Ty::Signature,
            VarType::Enum => {
                let name = self.next_name();
                let values: Vec<&str> = scalar.values.iter().map(String::as_str).collect();
                let variants = names::assign(&values, Case::Camel)
                    .into_iter()
                    .zip(&scalar.values)
                    .map(|(name, value)| Variant {
                        name,
                        value: value.clone(),
                    })
                    .collect();
                self.types.push(TypeDef::Enum(Enum {
                    name: name.clone(),
                    docs: vec![format!("The values of {}.", docs::code(&field.path))],
                    variants,
                }));
                Ty::Named(name)
            }
            VarType::Unknown(_) | VarType::Object | VarType::Array => Ty::Json,
        }
    }
}
