//! A template's manifest: what a published template binds.
//!
//! [`Tree::from_json`] is the one parser that every part of the project goes through (the
//! generator, the macro, the CLI, the runtime client and the local server; [`Manifest::from_json`]
//! is the same parse, keeping only the manifest): it parses the JSON, checks every rule of the
//! spec, reports all problems at once in a [`ManifestError`], and folds the variables of a
//! valid manifest into a [`Tree`] (objects, arrays and scalars with their effective
//! required-ness). A manifest has a [`fingerprint`](Manifest::fingerprint) and can be
//! [compared](Manifest::compare) with another version of itself.
//!
//! ```
//! use craftkit_core::manifest::Manifest;
//!
//! let manifest = Manifest::from_json(r#"{
//!     "slug": "greeting", "version": 1, "pipeline": "html",
//!     "variables": [{"path": "person.name", "type": "string", "required": true}]
//! }"#)?;
//! let tree = manifest.tree()?;
//! assert!(tree.root().fields[0].required); // `person` is required because `person.name` is
//! # Ok::<(), craftkit_core::manifest::ManifestError>(())
//! ```

mod compat;
mod error;
mod fingerprint;
mod number;
mod parse;
mod path;
mod pipeline;
mod rules;
pub(crate) mod scalar;
mod tree;
mod types;

pub use compat::{Change, ChangeKind, Compatibility};
pub use error::{ManifestError, Problem, Rule, Subject};
pub use fingerprint::canonical_json;
pub use number::compare_numbers;
pub use parse::is_valid_slug;
pub use path::MAX_PATH_DEPTH;
pub use scalar::{Bounds, Example, JsonKind, Literal, RustType, SCALAR_TYPES, ScalarType};
pub use tree::{Array, Field, Items, Node, Object, Scalar, Tree};
pub use types::{Manifest, Pipeline, Status, VarType, Variable, Warning};
