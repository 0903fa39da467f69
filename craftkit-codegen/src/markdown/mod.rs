//! One Markdown page per template: what it is, every variable with its Rust field and type, and
//! an example payload both as JSON and as a Rust literal of the generated types.
//!
//! The example payload is made from the manifest's `example`s where there are some and made up
//! to fit each type and bound where there are none; it is checked with the same validator as
//! render data ([`craftkit_core::data::validate`]) before the page is written, so a page never
//! shows a payload that the template would reject.
//!
//! ```
//! use craftkit_core::manifest::Tree;
//!
//! let tree = Tree::from_json(r#"{"slug": "greeting", "version": 1, "pipeline": "html",
//!     "variables": [{"path": "person.name", "type": "string", "required": true, "example": "Ada"}]}"#)?;
//! let page = craftkit_codegen::markdown::page(&tree)?;
//! assert!(page.contains("| `person.name` |"));
//! assert!(page.contains("name: \"Ada\".into()"));
//! # Ok::<(), craftkit_codegen::Error>(())
//! ```

mod payload;
mod rust;
mod table;

use std::collections::HashMap;
use std::fmt::Write as _;

use craftkit_core::manifest::Tree;

use crate::model::{Model, Struct, TypeDef};
use crate::rustdoc;

/// The Markdown page of one template from its validated tree ([`Tree::from_json`], or
/// [`Manifest::tree`](craftkit_core::manifest::Manifest::tree) for a manifest at hand), with
/// the default root type name (the slug in UpperCamelCase, as [`generate`](crate::generate)
/// names it).
///
/// Fails with [`Error::Manifest`](crate::Error::Manifest) when no payload that the template
/// accepts can be made from it (say, an `integer` whose bounds hold no integer); never panics.
pub fn page(tree: &Tree) -> Result<String, crate::Error> {
    page_named(tree, &crate::root_name_for_slug(&tree.manifest().slug))
}

/// The page, with the root type named `root_name` (a valid identifier).
pub(crate) fn page_named(tree: &Tree, root_name: &str) -> Result<String, crate::Error> {
    let manifest = tree.manifest();
    let model = Model::build(tree, root_name);
    let ctx = Ctx::new(&model);
    let payload = payload::build(tree)?;
    let json = payload::to_pretty_json(tree.root(), &payload);
    let rust = rust::example(&ctx, &payload)?;

    let mut out = String::new();
    let title = manifest.name.as_deref().unwrap_or(&manifest.slug);
    let _ = writeln!(out, "# {}\n", prose(title).join(" "));
    if let Some(description) = &manifest.description {
        for line in prose(description) {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "- Slug: {}", rustdoc::code(&manifest.slug));
    let _ = writeln!(out, "- Version: {}", manifest.version);
    if let Some(status) = manifest.status {
        let status = match status {
            craftkit_core::manifest::Status::Published => "published",
            craftkit_core::manifest::Status::Draft => "draft",
        };
        let _ = writeln!(out, "- Status: {status}");
    }
    let _ = writeln!(out, "- Pipeline: `{}`", manifest.pipeline);
    if let Some(updated) = &manifest.updated_at {
        let _ = writeln!(out, "- Updated: {}", rustdoc::code(updated));
    }
    let _ = writeln!(out, "- Fingerprint: `{}`", model.fingerprint);
    let _ = writeln!(out, "- Rust type: `{root_name}`{}", ctx.module_note());
    out.push('\n');

    out.push_str("## Variables\n\n");
    out.push_str(
        "Every key of the `data` object, declared or implied by a longer path. A required key \
         must be present and not null whenever the object that holds it is present. `[i]` in a \
         Rust path stands for any item of the array.\n\n",
    );
    table::write(&mut out, &ctx, tree.root());
    out.push('\n');

    out.push_str("## Example payload\n\n");
    out.push_str(
        "Every required variable, and the optional ones that the manifest gives an example for; \
         values without an example are made up to fit their type and bounds. The template \
         accepts it as it is.\n\n",
    );
    fenced(&mut out, "json", &json);
    out.push('\n');

    out.push_str("## In Rust\n\n");
    let _ = writeln!(
        out,
        "The same payload built from the generated types (with `{root_name}`{} in scope); it \
         serializes to exactly the JSON above.\n",
        ctx.module_scope_note()
    );
    fenced(&mut out, "rust", &rust);
    Ok(out)
}

/// What the page's parts need to know about the generated code.
pub(crate) struct Ctx<'m> {
    model: &'m Model,
    types: HashMap<&'m str, &'m TypeDef>,
    /// How user code names the runtime crate: `craftkit_runtime`, or `::craftkit_runtime` when
    /// the template's own module has that name.
    runtime: &'static str,
}

impl<'m> Ctx<'m> {
    fn new(model: &'m Model) -> Ctx<'m> {
        let types = model
            .types
            .iter()
            .map(|def| {
                let name = match def {
                    TypeDef::Struct(s) => s.name.as_str(),
                    TypeDef::Enum(e) => e.name.as_str(),
                };
                (name, def)
            })
            .collect();
        let runtime = if model.module == "craftkit_runtime" {
            "::craftkit_runtime"
        } else {
            "craftkit_runtime"
        };
        Ctx {
            model,
            types,
            runtime,
        }
    }

    fn root(&self) -> &'m Struct {
        &self.model.root
    }

    fn module(&self) -> &'m str {
        &self.model.module
    }

    /// The nested struct named `name`.
    fn structure(&self, name: &str) -> Option<&'m Struct> {
        match self.types.get(name) {
            Some(TypeDef::Struct(s)) => Some(s),
            _ => None,
        }
    }

    fn module_note(&self) -> String {
        if self.model.types.is_empty() {
            String::new()
        } else {
            format!(", nested types in the module `{}`", self.module())
        }
    }

    fn module_scope_note(&self) -> String {
        if self.model.types.is_empty() {
            String::new()
        } else {
            format!(" and its module `{}`", self.module())
        }
    }
}

/// Free text as Markdown prose: rustdoc's escaping (no links to nowhere, no HTML, no code
/// blocks), and no headings, quotes or rules either.
fn prose(text: &str) -> Vec<String> {
    rustdoc::escape(text)
        .into_iter()
        .map(|line| {
            if line.starts_with(['#', '>', '=', '|']) || line.starts_with("---") {
                format!("\\{line}")
            } else {
                line
            }
        })
        .collect()
}

/// A fenced code block whose fence no line of `body` can close.
fn fenced(out: &mut String, info: &str, body: &str) {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}{info}");
    out.push_str(body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    let _ = writeln!(out, "{fence}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_of(variables: &str) -> Result<String, crate::Error> {
        let text = format!(
            r#"{{"slug": "t", "version": 1, "pipeline": "html", "variables": [{variables}]}}"#
        );
        page(&Tree::from_json(&text).unwrap())
    }

    #[test]
    fn fences_outlast_backticks_in_the_body() {
        let mut out = String::new();
        fenced(&mut out, "json", "\"a ````` b\"");
        assert!(out.starts_with("``````json\n"), "{out}");
    }

    #[test]
    fn an_integer_without_a_value_in_its_bounds_is_an_error() {
        let error = page_of(
            r#"{"path": "n", "type": "integer", "required": true, "minimum": 0.2, "maximum": 0.8}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("`n`"), "{error}");
    }

    #[test]
    fn table_cells_escape_pipes_and_new_lines() {
        let page = page_of(
            r#"{"path": "a", "type": "string", "description": "one | two\nthree", "example": "x|y"}"#,
        )
        .unwrap();
        assert!(page.contains("one \\| two<br>three"), "{page}");
        assert!(page.contains("`\"x\\|y\"`"), "{page}");
    }

    #[test]
    fn headings_in_descriptions_stay_text() {
        let text = r##"{"slug": "t", "version": 1, "pipeline": "html", "description": "# not a title\n[link](x)",
            "variables": [{"path": "a", "type": "string"}]}"##;
        let page = page(&Tree::from_json(text).unwrap()).unwrap();
        assert!(
            page.contains("\n\\# not a title\n\\[link\\](x)\n"),
            "{page}"
        );
    }
}
