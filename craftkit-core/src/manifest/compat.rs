//! Compatibility between the manifest code was generated from and the published one.
//!
//! Both manifests are folded into trees and flattened to one entry per path (declared or
//! implied), so an implied object that becomes required is seen like a declared one.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_json::{Number, Value};

use super::error::ManifestError;
use super::number::compare_numbers;
use super::tree::{Field, Items, Node, Object, Scalar};
use super::types::Manifest;

/// The differences between two manifests, each judged breaking or compatible.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Compatibility {
    /// Every difference, template-level first, then in the live manifest's order.
    pub changes: Vec<Change>,
}

impl Compatibility {
    /// Whether any change breaks code generated from the older manifest.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.breaking)
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.breaking)
    }

    /// The compatible changes.
    pub fn compatible(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| !c.breaking)
    }
}

impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return f.write_str("no changes");
        }
        for (i, change) in self.changes.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{change}")?;
        }
        Ok(())
    }
}

/// One difference between two manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The variable path, or `None` for a template-level change.
    pub path: Option<String>,
    /// What changed.
    pub kind: ChangeKind,
    /// Whether code generated from the older manifest may now send data the live one rejects.
    pub breaking: bool,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.breaking {
            "breaking:   "
        } else {
            "compatible: "
        })?;
        if let Some(path) = &self.path {
            write!(f, "`{path}`: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// What changed between two manifests.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ChangeKind {
    /// A variable (or implied object/array) that the older manifest did not have.
    Added {
        /// Whether it is required.
        required: bool,
    },
    /// A variable the live manifest no longer has (the server ignores the key and warns).
    Removed,
    /// An optional variable is now required.
    MadeRequired,
    /// A required variable is now optional.
    MadeOptional,
    /// The type or shape changed.
    TypeChanged {
        /// The old type, in words.
        from: String,
        /// The new type, in words.
        to: String,
    },
    /// An enum value was added.
    EnumValueAdded(String),
    /// An enum value was removed.
    EnumValueRemoved(String),
    /// A bound changed; breaking when it got tighter.
    BoundChanged {
        /// `minLength`, `maxLength`, `minimum`, `maximum`, `minItems` or `maxItems`.
        bound: &'static str,
        /// The old bound, if there was one.
        from: Option<String>,
        /// The new bound, if there is one.
        to: Option<String>,
    },
    /// A variable's description changed.
    DescriptionChanged,
    /// A variable's example changed.
    ExampleChanged,
    /// A variable's `format` hint changed.
    FormatChanged,
    /// The template's name changed.
    NameChanged,
    /// The template's description changed.
    TemplateDescriptionChanged,
    /// The published version changed.
    VersionChanged {
        /// The older version.
        from: u64,
        /// The live version.
        to: u64,
    },
    /// The pipeline changed (compatible, but reported).
    PipelineChanged {
        /// The older pipeline.
        from: String,
        /// The live pipeline.
        to: String,
    },
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChangeKind::Added { required: true } => f.write_str("new required variable"),
            ChangeKind::Added { required: false } => f.write_str("new optional variable"),
            ChangeKind::Removed => f.write_str("removed (the server ignores the key and warns)"),
            ChangeKind::MadeRequired => f.write_str("optional -> required"),
            ChangeKind::MadeOptional => f.write_str("required -> optional"),
            ChangeKind::TypeChanged { from, to } => write!(f, "type {from} -> {to}"),
            ChangeKind::EnumValueAdded(v) => write!(f, "enum value {v:?} added"),
            ChangeKind::EnumValueRemoved(v) => write!(f, "enum value {v:?} removed"),
            ChangeKind::BoundChanged { bound, from, to } => write!(
                f,
                "{bound} {} -> {}",
                from.as_deref().unwrap_or("none"),
                to.as_deref().unwrap_or("none")
            ),
            ChangeKind::DescriptionChanged => f.write_str("description changed"),
            ChangeKind::ExampleChanged => f.write_str("example changed"),
            ChangeKind::FormatChanged => f.write_str("format hint changed"),
            ChangeKind::NameChanged => f.write_str("template name changed"),
            ChangeKind::TemplateDescriptionChanged => f.write_str("template description changed"),
            ChangeKind::VersionChanged { from, to } => write!(f, "version {from} -> {to}"),
            ChangeKind::PipelineChanged { from, to } => write!(f, "pipeline {from} -> {to}"),
        }
    }
}

pub(crate) fn compare(
    compiled: &Manifest,
    live: &Manifest,
) -> Result<Compatibility, ManifestError> {
    let (old_tree, new_tree) = (compiled.tree()?, live.tree()?);
    let mut changes = Vec::new();
    let mut top = |kind, breaking| {
        changes.push(Change {
            path: None,
            kind,
            breaking,
        })
    };
    if compiled.version != live.version {
        top(
            ChangeKind::VersionChanged {
                from: compiled.version,
                to: live.version,
            },
            false,
        );
    }
    if compiled.pipeline != live.pipeline {
        top(
            ChangeKind::PipelineChanged {
                from: compiled.pipeline.to_string(),
                to: live.pipeline.to_string(),
            },
            false,
        );
    }
    if compiled.name != live.name {
        top(ChangeKind::NameChanged, false);
    }
    if compiled.description != live.description {
        top(ChangeKind::TemplateDescriptionChanged, false);
    }

    let old = flatten(old_tree.root());
    let new = flatten(new_tree.root());
    // Matched by key path without `[]`: `tags` and `tags[]` are the same JSON key, so a
    // scalar that became an array is a type change, not a removal and an addition. Within one
    // valid manifest the two cannot coexist, so the key path is unique.
    let old_index: HashMap<&str, &Entry> = old.iter().map(|e| (e.key_path.as_str(), e)).collect();
    let new_paths: HashSet<&str> = new.iter().map(|e| e.key_path.as_str()).collect();

    let mut added: HashSet<&str> = HashSet::new();
    for entry in &new {
        let Some(before) = old_index.get(entry.key_path.as_str()) else {
            if !entry.parent.as_deref().is_some_and(|p| added.contains(p)) {
                let required = entry.required;
                changes.push(Change {
                    path: Some(entry.path.clone()),
                    kind: ChangeKind::Added { required },
                    breaking: required,
                });
            }
            added.insert(&entry.key_path);
            continue;
        };
        compare_entry(before, entry, &mut changes);
    }
    let mut removed: HashSet<&str> = HashSet::new();
    for entry in &old {
        if !new_paths.contains(entry.key_path.as_str()) {
            if !entry.parent.as_deref().is_some_and(|p| removed.contains(p)) {
                changes.push(Change {
                    path: Some(entry.path.clone()),
                    kind: ChangeKind::Removed,
                    breaking: false,
                });
            }
            removed.insert(&entry.key_path);
        }
    }
    Ok(Compatibility { changes })
}

fn compare_entry(old: &Entry, new: &Entry, changes: &mut Vec<Change>) {
    let mut change = |kind, breaking| {
        changes.push(Change {
            path: Some(new.path.clone()),
            kind,
            breaking,
        })
    };
    if old.shape != new.shape {
        change(
            ChangeKind::TypeChanged {
                from: old.shape.clone(),
                to: new.shape.clone(),
            },
            true,
        );
    }
    match (old.required, new.required) {
        (false, true) => change(ChangeKind::MadeRequired, true),
        (true, false) => change(ChangeKind::MadeOptional, false),
        _ => {}
    }
    for value in old.values.iter().filter(|v| !new.values.contains(v)) {
        change(ChangeKind::EnumValueRemoved(value.clone()), true);
    }
    for value in new.values.iter().filter(|v| !old.values.contains(v)) {
        change(ChangeKind::EnumValueAdded(value.clone()), false);
    }
    for (bound, low_is_tight, before, after) in [
        (
            "minLength",
            true,
            old.bounds.min_length.map(Number::from),
            new.bounds.min_length.map(Number::from),
        ),
        (
            "maxLength",
            false,
            old.bounds.max_length.map(Number::from),
            new.bounds.max_length.map(Number::from),
        ),
        (
            "minimum",
            true,
            old.bounds.minimum.clone(),
            new.bounds.minimum.clone(),
        ),
        (
            "maximum",
            false,
            old.bounds.maximum.clone(),
            new.bounds.maximum.clone(),
        ),
        (
            "minItems",
            true,
            old.bounds.min_items.map(Number::from),
            new.bounds.min_items.map(Number::from),
        ),
        (
            "maxItems",
            false,
            old.bounds.max_items.map(Number::from),
            new.bounds.max_items.map(Number::from),
        ),
    ] {
        let tighter = match (&before, &after) {
            (None, None) => continue,
            (Some(b), Some(a)) => match compare_numbers(a, b) {
                Some(Ordering::Equal) | None => continue,
                Some(order) => (order == Ordering::Greater) == low_is_tight,
            },
            (None, Some(_)) => true,
            (Some(_), None) => false,
        };
        let from = before.map(|n| n.to_string());
        let to = after.map(|n| n.to_string());
        change(ChangeKind::BoundChanged { bound, from, to }, tighter);
    }
    if old.description != new.description {
        change(ChangeKind::DescriptionChanged, false);
    }
    if old.example != new.example {
        change(ChangeKind::ExampleChanged, false);
    }
    if old.format != new.format {
        change(ChangeKind::FormatChanged, false);
    }
}

/// One path of a flattened tree.
struct Entry<'t> {
    path: String,
    /// The path with `[]` removed: the JSON keys alone.
    key_path: String,
    /// The parent's `key_path`.
    parent: Option<String>,
    shape: String,
    required: bool,
    values: Vec<String>,
    bounds: Bounds,
    description: Option<&'t str>,
    example: Option<&'t Value>,
    format: Option<&'t str>,
}

#[derive(Default)]
struct Bounds {
    min_length: Option<u64>,
    max_length: Option<u64>,
    minimum: Option<Number>,
    maximum: Option<Number>,
    min_items: Option<u64>,
    max_items: Option<u64>,
}

fn flatten(root: &Object) -> Vec<Entry<'_>> {
    let mut entries = Vec::new();
    flatten_object(root, None, &mut entries);
    entries
}

fn flatten_object<'t>(object: &'t Object, parent: Option<&str>, entries: &mut Vec<Entry<'t>>) {
    for field in &object.fields {
        let key_path = field.path.replace("[]", "");
        entries.push(entry(field, key_path.clone(), parent));
        match &field.node {
            Node::Object(inner)
            | Node::Array(super::tree::Array {
                items: Items::Object(inner),
                ..
            }) => flatten_object(inner, Some(&key_path), entries),
            _ => {}
        }
    }
}

fn entry<'t>(field: &'t Field, key_path: String, parent: Option<&str>) -> Entry<'t> {
    let mut bounds = Bounds::default();
    let scalar_bounds = |s: &Scalar, bounds: &mut Bounds| {
        bounds.min_length = s.min_length;
        bounds.max_length = s.max_length;
        bounds.minimum = s.minimum.clone();
        bounds.maximum = s.maximum.clone();
        s.values.clone()
    };
    let (shape, values) = match &field.node {
        Node::Scalar(s) => (s.ty.to_string(), scalar_bounds(s, &mut bounds)),
        Node::Object(_) => ("object".to_owned(), Vec::new()),
        Node::OpaqueObject => ("object (any keys)".to_owned(), Vec::new()),
        Node::Array(array) => {
            bounds.min_items = array.min_items;
            bounds.max_items = array.max_items;
            match &array.items {
                Items::Scalar(s) => (format!("array of {}", s.ty), scalar_bounds(s, &mut bounds)),
                Items::Object(_) => ("array of objects".to_owned(), Vec::new()),
            }
        }
    };
    let variable = field.variable.as_ref();
    Entry {
        path: field.path.clone(),
        key_path,
        parent: parent.map(str::to_owned),
        shape,
        required: field.required,
        values,
        bounds,
        description: variable.and_then(|v| v.description.as_deref()),
        example: variable.and_then(|v| v.example.as_ref()),
        format: variable.and_then(|v| v.format.as_deref()),
    }
}
