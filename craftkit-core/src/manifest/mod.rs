//! A template's manifest: what a published template binds.
//!
//! [`Manifest::from_json`] is the one entry point that every part of the project uses (the
//! generator, the macro, the runtime client and the local server): it parses the JSON, checks
//! every rule of the spec and reports all problems at once in a [`ManifestError`]. A valid
//! manifest folds into a [`Tree`] (objects, arrays and scalars with their effective
//! required-ness), has a [`fingerprint`](Manifest::fingerprint), and can be
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
mod tree;
mod types;

pub use compat::{Change, ChangeKind, Compatibility};
pub use error::{ManifestError, Problem, Rule, Subject};
pub use fingerprint::canonical_json;
pub use number::compare_numbers;
pub use parse::is_valid_slug;
pub use path::MAX_PATH_DEPTH;
pub use tree::{Array, Field, Items, Node, Object, Scalar, Tree};
pub use types::{Manifest, Pipeline, Status, VarType, Variable, Warning};
