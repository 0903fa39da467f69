//! The root struct's `craftkit_runtime::Template` impl: the template's identity, its
//! fingerprint, and its manifest embedded as JSON.

use craftkit_core::manifest::{Manifest, Pipeline};
use std::io;

use proc_macro2::Literal;
use quote::format_ident;
use serde::Serialize;
use serde_json::ser::Formatter;
use syn::{Expr, ExprLit, ImplItem, ImplItemConst, ItemImpl, Lit, parse_quote};

use super::paths::ident;

/// The `Template` impl of the root struct `root`.
pub(super) fn item(root: &str, manifest: &Manifest, fingerprint: &str) -> ItemImpl {
    let root = ident(root);
    let slug = &manifest.slug;
    let version = manifest.version;
    let pipeline = format_ident!(
        "{}",
        match manifest.pipeline {
            Pipeline::Html => "Html",
            Pipeline::Docx => "Docx",
            Pipeline::PdfForm => "PdfForm",
        }
    );
    let mut item: ItemImpl = parse_quote! {
        #[automatically_derived]
        impl ::craftkit_runtime::Template for #root {
            const SLUG: &'static ::std::primitive::str = #slug;
            const VERSION: ::std::primitive::u64 = #version;
            const PIPELINE: ::craftkit_runtime::manifest::Pipeline = ::craftkit_runtime::manifest::Pipeline::#pipeline;
            const FINGERPRINT: &'static ::std::primitive::str = #fingerprint;
        }
    };
    item.items.push(ImplItem::Const(manifest_json(manifest)));
    item.items.push(parse_quote! {
        fn tree() -> &'static ::craftkit_runtime::manifest::Tree {
            static TREE: ::std::sync::OnceLock<::craftkit_runtime::manifest::Tree> = ::std::sync::OnceLock::new();
            TREE.get_or_init(|| {
                ::craftkit_runtime::__private::embedded_tree(<Self as ::craftkit_runtime::Template>::MANIFEST_JSON)
            })
        }
    });
    item
}

/// `const MANIFEST_JSON: &'static str = r#"..."#;`: the manifest as a raw string laid out as a
/// person writes one ([`layout`]), so that it reads as JSON in the generated file and in
/// `cargo expand`. The literal is made from the text, not from the `Manifest`'s tokens.
fn manifest_json(manifest: &Manifest) -> ImplItemConst {
    let mut item: ImplItemConst = parse_quote!(
        const MANIFEST_JSON: &'static ::std::primitive::str = "";
    );
    item.expr = Expr::Lit(ExprLit {
        attrs: Vec::new(),
        lit: Lit::new(raw_string(&layout(manifest))),
    });
    item
}

/// `text` as a raw string literal, with one `#` more than the longest run of them after a `"`
/// in it. `text` holds no carriage return (a raw string cannot), which JSON escapes.
fn raw_string(text: &str) -> Literal {
    let longest = text
        .split('"')
        .skip(1)
        .map(|after| after.len() - after.trim_start_matches('#').len())
        .max()
        .unwrap_or(0);
    let hashes = "#".repeat(longest + 1);
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .expect("a raw string of JSON text is a literal")
}

/// The manifest as JSON with one line per top-level key and one per variable, each variable
/// on its line as compact JSON with spaces (`{"path": "guests", "type": "integer"}`): how the
/// manifests in this repository are written, and a tenth of the lines of serde_json's pretty
/// form. Every character that Rust would escape in a string (bidi controls, other invisible
/// ones) is a JSON `\u` escape, so no text can hide in the raw string; the value is the same.
pub(crate) fn layout(manifest: &Manifest) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Layout::default());
    manifest
        .serialize(&mut serializer)
        .expect("a manifest always serializes: its maps have string keys");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The [`layout`]'s formatter: a line per member of the containers down to [`Layout::LINES`]
/// deep, and `, ` and `: ` below.
#[derive(Default)]
struct Layout {
    /// Per open container: whether it has had a member.
    open: Vec<bool>,
}

impl Layout {
    /// How deep containers put each member on a line: the manifest and its `variables`.
    const LINES: usize = 2;

    fn begin(&mut self, w: &mut (impl io::Write + ?Sized), bracket: &[u8]) -> io::Result<()> {
        self.open.push(false);
        w.write_all(bracket)
    }

    fn member(&mut self, w: &mut (impl io::Write + ?Sized), first: bool) -> io::Result<()> {
        if let Some(had) = self.open.last_mut() {
            *had = true;
        }
        if !first {
            w.write_all(b",")?;
        }
        if self.open.len() <= Self::LINES {
            w.write_all(b"\n")?;
            w.write_all(&b"  ".repeat(self.open.len()))
        } else if first {
            Ok(())
        } else {
            w.write_all(b" ")
        }
    }

    fn end(&mut self, w: &mut (impl io::Write + ?Sized), bracket: &[u8]) -> io::Result<()> {
        let had = self.open.pop().unwrap_or(false);
        if had && self.open.len() < Self::LINES {
            w.write_all(b"\n")?;
            w.write_all(&b"  ".repeat(self.open.len()))?;
        }
        w.write_all(bracket)
    }
}

impl Formatter for Layout {
    fn begin_array<W: io::Write + ?Sized>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"[")
    }

    fn end_array<W: io::Write + ?Sized>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]")
    }

    fn begin_array_value<W: io::Write + ?Sized>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.member(w, first)
    }

    fn begin_object<W: io::Write + ?Sized>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"{")
    }

    fn end_object<W: io::Write + ?Sized>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"}")
    }

    fn begin_object_key<W: io::Write + ?Sized>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.member(w, first)
    }

    fn begin_object_value<W: io::Write + ?Sized>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: io::Write + ?Sized>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(hidden) {
            w.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().expect("found");
            for unit in c.encode_utf16(&mut [0; 2]) {
                write!(w, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

/// Whether Rust's `{:?}` would escape `c` in a string (control, format and unassigned
/// characters, bidi controls, combining marks alone): such a character is written `\uXXXX`.
fn hidden(c: char) -> bool {
    c != '\'' && c != '"' && c != '\\' && c.escape_debug().nth(1).is_some()
}

#[cfg(test)]
mod tests {
    use craftkit_core::manifest::Manifest;

    use super::{layout, raw_string};

    #[test]
    fn a_raw_string_has_one_hash_more_than_any_run_after_a_quote() {
        assert_eq!(raw_string("{}").to_string(), "r#\"{}\"#");
        assert_eq!(raw_string("[\"#x\"]").to_string(), "r##\"[\"#x\"]\"##");
        assert_eq!(
            raw_string("[\"a\", \"###\"]").to_string(),
            "r####\"[\"a\", \"###\"]\"####"
        );
        let text = "a \"# b \"## c";
        let parsed: syn::LitStr = syn::parse_str(&raw_string(text).to_string()).unwrap();
        assert_eq!(parsed.value(), text);
    }

    #[test]
    fn the_layout_is_a_line_per_variable_and_hides_no_character() {
        let manifest = Manifest::from_json(concat!(
            "{\"slug\": \"a\", \"version\": 1, \"pipeline\": \"html\", \"variables\": [",
            "{\"path\": \"x\", \"type\": \"enum\", \"values\": ",
            "[\"on\", \"o\\u202eff\", \"\\u00e9\", \"\\u0000\"]},",
            "{\"path\": \"y[]\", \"type\": \"array\", \"items\": \"string\"}]}"
        ))
        .unwrap();
        let text = layout(&manifest);
        assert_eq!(
            text,
            concat!(
                "{\n",
                "  \"slug\": \"a\",\n",
                "  \"version\": 1,\n",
                "  \"pipeline\": \"html\",\n",
                "  \"variables\": [\n",
                "    {\"path\": \"x\", \"type\": \"enum\", \"required\": false, ",
                "\"values\": [\"on\", \"o\\u202eff\", \"\u{e9}\", \"\\u0000\"]},\n",
                "    {\"path\": \"y[]\", \"type\": \"array\", \"required\": false, ",
                "\"items\": \"string\"}\n",
                "  ]\n",
                "}"
            )
        );
        assert_eq!(Manifest::from_json(&text).unwrap(), manifest);
    }
}
