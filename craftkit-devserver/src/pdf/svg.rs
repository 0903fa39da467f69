//! SVG data URIs as vector graphics: screen the SVG, parse it with `usvg`, write it with
//! `svg2pdf` as a form XObject that the page draws like an image.
//!
//! Why these crates: `usvg` (linebender's, the parser under resvg) turns SVG into a small tree
//! of paths with every CSS rule, `<use>`, unit and transform resolved, and `svg2pdf` (typst's)
//! writes that tree as PDF paths, gradients, clip paths and masks without rasterizing it. Both
//! are pure Rust and `#![forbid(unsafe_code)]`. svg2pdf's latest release writes with
//! `pdf-writer` 0.12, and its chunk can only join a document written by the same `pdf-writer`
//! (0.15 seals its object writer, so a foreign chunk cannot be copied in), which is why this
//! writer uses 0.12. Without svg2pdf's default features there is no text (no font database,
//! no system fonts read), no raster images inside an SVG and no filters: text, `<image>` and
//! filtered groups inside an SVG are left out of the drawing.
//!
//! An SVG is user data: the server draws it only when it is bounded and self-contained, and
//! otherwise says why in the placeholder box. The screen ([`screen`]) runs on the XML before
//! usvg sees it and refuses
//!
//! - more than [`MAX_SVG_BYTES`], or more than [`MAX_XML_NODES`] XML nodes;
//! - XML entity declarations (`<!ENTITY`): expansion is how "billion laughs" documents grow;
//! - nesting deeper than [`MAX_DEPTH`], counting what `<use>` pulls in (usvg and svg2pdf walk
//!   the tree recursively), and `<use>` that would copy more than [`MAX_EXPANDED`] elements
//!   or that refers to itself;
//! - shapes of more than [`MAX_VERTICES`] path segments in all, counting every copy a `<use>`
//!   makes and an arc as the curves usvg turns it into ([`segments`]);
//! - markers that would copy more than [`MAX_EXPANDED`] elements: usvg copies a marker's
//!   content at every vertex of a shape while it builds its tree, before the drawn-nodes budget
//!   below can look, so the screen bounds the copies from the XML (every vertex times the
//!   largest marker, nested markers multiplied; see [`marker_copies`]);
//! - any reference that is not inside the document (`href="file:///etc/passwd"`,
//!   `http://...`, `url(other.svg#a)`, CSS `@import`); `data:` URIs are allowed but not read;
//! - scripts (`<script>`, `on*` attributes) and `<foreignObject>`.
//!
//! Then usvg runs with [`options`]: no resources directory and an image resolver that refuses
//! every `href`, so nothing is read from a file or the network whatever the screen missed. The
//! tree's size must lie within [`MIN_SIDE`]..=[`MAX_SIDE`] units, the drawing (with every
//! pattern, clip path and mask counted each time it is drawn) within [`MAX_DRAWN`] nodes, and
//! svg2pdf's output within [`MAX_FORM_BYTES`].

mod segments;

use std::collections::HashMap;

use pdf_writer::{Chunk, Ref};
use svg2pdf::usvg::{self, roxmltree};

/// Largest SVG drawn, in bytes: the contract's image size limit.
pub(crate) const MAX_SVG_BYTES: usize = 10 << 20;
/// XML nodes (elements, text, comments) an SVG may have.
pub(crate) const MAX_XML_NODES: u32 = 200_000;
/// Elements an SVG may have once every `<use>` is expanded.
pub(crate) const MAX_EXPANDED: u64 = 200_000;
/// Nesting an SVG may have, counting the elements that `<use>` pulls in. usvg and svg2pdf
/// recurse once per level, so this bounds their stack; and svg2pdf saves the graphics state
/// once per group, which PDF readers allow 28 levels deep (ISO 32000-1, annex C), less the
/// levels svg2pdf and the page add around the drawing (the test at the limit shows it fits).
pub(crate) const MAX_DEPTH: usize = 24;
/// Path segments an SVG's shapes may have, counting each copy a `<use>` makes and an arc as
/// the curves it becomes: above what 10 MiB of path data can spell (two bytes a segment, as in
/// `h1h1`), so only expansion is refused.
pub(crate) const MAX_VERTICES: u64 = 6_000_000;
/// Path and group nodes drawn, counting a pattern, clip path or mask each time it is used.
pub(crate) const MAX_DRAWN: u64 = 200_000;
/// Smallest width or height, in SVG units: smaller ones would need a scale beyond what PDF
/// readers accept as a number.
pub(crate) const MIN_SIDE: f32 = 0.01;
/// Largest width or height, in SVG units: PDF readers' implementation limit on coordinates
/// (ISO 32000-1, annex C).
pub(crate) const MAX_SIDE: f32 = 32_767.0;
/// Largest form XObject svg2pdf may write for one SVG.
pub(crate) const MAX_FORM_BYTES: usize = 16 << 20;

/// An SVG converted into PDF objects: a form XObject drawn in the unit square, like an image.
pub(crate) struct SvgForm {
    /// The form XObject and every object it uses, numbered from 1.
    pub(crate) chunk: Chunk,
    /// The form XObject in `chunk`.
    pub(crate) form: Ref,
    /// The SVG's width in CSS pixels (1/96 inch).
    pub(crate) width: f32,
    /// The SVG's height in CSS pixels.
    pub(crate) height: f32,
}

/// Converts an SVG document into a form XObject, or says why it is not drawn.
pub(crate) fn convert(bytes: &[u8]) -> Result<SvgForm, String> {
    if bytes.len() > MAX_SVG_BYTES {
        return Err(format!(
            "SVG: {} bytes, more than the {} drawn",
            bytes.len(),
            MAX_SVG_BYTES
        ));
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err("SVG: compressed SVG (svgz) is not drawn".to_owned());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "SVG: the text is not UTF-8".to_owned())?;
    if text.contains("<!ENTITY") {
        return Err("SVG: declares XML entities (<!ENTITY>), which are not expanded".to_owned());
    }
    if nesting_exceeds(text, MAX_DEPTH + 1) {
        return Err(format!("SVG: nested deeper than {MAX_DEPTH} levels"));
    }
    let xml = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            nodes_limit: MAX_XML_NODES,
        },
    )
    .map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => {
            format!("SVG: more than {MAX_XML_NODES} XML nodes")
        }
        other => format!("SVG: not well-formed XML ({other})"),
    })?;
    screen(&xml)?;
    let tree = usvg::Tree::from_xmltree(&xml, &options()).map_err(|e| format!("SVG: {e}"))?;
    let size = tree.size();
    let (width, height) = (size.width(), size.height());
    let side_ok = |side: f32| side.is_finite() && (MIN_SIDE..=MAX_SIDE).contains(&side);
    if !side_ok(width) || !side_ok(height) {
        return Err(format!(
            "SVG: its size {width} × {height} is outside {MIN_SIDE} to {MAX_SIDE} units a side"
        ));
    }
    let mut drawn = 0;
    if !within_budget(tree.root(), &mut drawn) {
        return Err(format!(
            "SVG: draws more than {MAX_DRAWN} shapes (patterns, clip paths and masks counted \
             each time they are used)"
        ));
    }
    if !draws_something(tree.root()) {
        return Err(
            "SVG: draws no shapes (text, raster images and filters inside an SVG are not drawn)"
                .to_owned(),
        );
    }
    let options = svg2pdf::ConversionOptions {
        compress: true,
        embed_text: false,
        pdfa: false,
        ..svg2pdf::ConversionOptions::default()
    };
    let (chunk, form) = svg2pdf::to_chunk(&tree, options).map_err(|e| format!("SVG: {e}"))?;
    if chunk.len() > MAX_FORM_BYTES {
        return Err(format!(
            "SVG: its drawing would take {} bytes, more than {MAX_FORM_BYTES}",
            chunk.len()
        ));
    }
    Ok(SvgForm {
        chunk,
        form,
        width,
        height,
    })
}

/// usvg's options for user SVG: no resources directory, and every image `href` refused (a
/// `data:` URI too: svg2pdf draws no raster images here, and a nested SVG would skip the
/// screen). With no `text` feature there is no font database to fill from the system.
pub(crate) fn options() -> usvg::Options<'static> {
    usvg::Options {
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Whether elements in `xml` nest deeper than `limit`, read from the text before any parser
/// sees it: roxmltree recurses once per level and would overflow the stack on a document of
/// 100,000 nested `<g>`. Comments, CDATA, processing instructions, the DOCTYPE and quoted
/// attribute values are skipped; the count is an upper bound on malformed XML, which the
/// parser refuses anyway.
fn nesting_exceeds(xml: &str, limit: usize) -> bool {
    let bytes = xml.as_bytes();
    let find = |from: usize, needle: &[u8]| {
        bytes
            .get(from..)
            .and_then(|rest| rest.windows(needle.len()).position(|w| w == needle))
            .map_or(bytes.len(), |at| from + at + needle.len())
    };
    let (mut depth, mut i) = (0usize, 0usize);
    while let Some(at) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'<'))
    {
        i += at;
        let rest = &bytes[i..];
        if rest.starts_with(b"<!--") {
            i = find(i + 4, b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = find(i + 9, b"]]>");
        } else if rest.starts_with(b"<?") {
            i = find(i + 2, b"?>");
        } else if rest.starts_with(b"<!") {
            // The DOCTYPE, with its internal subset in brackets.
            let mut brackets = 0usize;
            i += 2;
            while let Some(&b) = bytes.get(i) {
                i += 1;
                match b {
                    b'[' => brackets += 1,
                    b']' => brackets = brackets.saturating_sub(1),
                    b'>' if brackets == 0 => break,
                    _ => {}
                }
            }
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            i = find(i + 2, b">");
        } else {
            // A start tag: to its `>` outside quotes; `/>` closes it at once.
            let mut quote = None;
            i += 1;
            let mut closed = false;
            while let Some(&b) = bytes.get(i) {
                i += 1;
                match (quote, b) {
                    (None, b'"' | b'\'') => quote = Some(b),
                    (Some(q), b) if b == q => quote = None,
                    (None, b'>') => {
                        closed = bytes.get(i.saturating_sub(2)) == Some(&b'/');
                        break;
                    }
                    _ => {}
                }
            }
            if !closed {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
        }
    }
    false
}

/// Refuses what the module documentation lists, before usvg parses anything.
fn screen(xml: &roxmltree::Document<'_>) -> Result<(), String> {
    let root = xml.root_element();
    if root.tag_name().name() != "svg" {
        return Err(format!(
            "SVG: the root element is <{}>, not <svg>",
            short(root.tag_name().name())
        ));
    }
    let mut ids = HashMap::new();
    for node in xml.descendants().filter(roxmltree::Node::is_element) {
        let name = node.tag_name().name();
        match name {
            "script" | "handler" => return Err("SVG: contains a <script>".to_owned()),
            "foreignObject" => return Err("SVG: contains a <foreignObject>".to_owned()),
            "style" => {
                let css: String = node.children().filter_map(|c| c.text()).collect();
                outside_css(&css)?;
            }
            _ => {}
        }
        for attribute in node.attributes() {
            let (key, value) = (attribute.name(), attribute.value());
            if key.len() > 2 && starts_with_ignore_case(key, "on") {
                return Err(format!("SVG: has a script attribute ({})", short(key)));
            }
            if key == "href" {
                let target = value.trim();
                if !(target.starts_with('#') || starts_with_ignore_case(target, "data:")) {
                    return Err(format!(
                        "SVG: refers to an outside resource ({}); only references inside the \
                         SVG are drawn",
                        short(target)
                    ));
                }
            } else {
                outside_css(value)?;
            }
        }
        if let Some(id) = node.attribute("id") {
            ids.entry(id).or_insert(node.id());
        }
    }
    let mut expansion = Expansion {
        xml,
        ids: &ids,
        memo: HashMap::new(),
    };
    let size = expansion.measure(root, 0)?;
    if size.elements > MAX_EXPANDED {
        return Err(format!(
            "SVG: its <use> elements expand to more than {MAX_EXPANDED} elements"
        ));
    }
    if size.vertices > MAX_VERTICES {
        return Err(format!(
            "SVG: its shapes have more than {MAX_VERTICES} path segments (an arc counts as \
             the curves it becomes, a shape each time a <use> copies it)"
        ));
    }
    let markers = xml
        .descendants()
        .filter(|node| node.tag_name().name() == "marker")
        .filter_map(|node| expansion.memo.get(&node.id()).copied().flatten());
    let copied = marker_copies(size.vertices, markers);
    if copied > MAX_EXPANDED {
        return Err(format!(
            "SVG: its markers would copy more than {MAX_EXPANDED} elements (each marker is \
             copied at every vertex of the shapes that use it)"
        ));
    }
    Ok(())
}

/// An upper bound on the elements usvg copies for markers, without knowing which shapes use
/// which marker (CSS and inheritance decide that): every vertex of every shape, `vertices`,
/// takes the largest marker; and since a marker's shapes may have markers of their own (usvg
/// only refuses a marker inside itself), a chain of distinct markers multiplies: each level
/// adds the largest marker's elements plus its vertices times the level below. With no
/// `<marker>`, markers draw nothing.
fn marker_copies(vertices: u64, markers: impl Iterator<Item = Size>) -> u64 {
    let (mut count, mut elements, mut inner) = (0usize, 0u64, 0u64);
    for marker in markers {
        count += 1;
        elements = elements.max(marker.elements);
        inner = inner.max(marker.vertices);
    }
    let cap = MAX_EXPANDED + 1;
    let mut per_vertex = elements.min(cap);
    for _ in 1..count {
        let next = elements
            .saturating_add(inner.saturating_mul(per_vertex))
            .min(cap);
        if next == per_vertex || next == cap {
            per_vertex = next;
            break;
        }
        per_vertex = next;
    }
    vertices.saturating_mul(per_vertex)
}

/// Refuses CSS (an attribute value or a `<style>` sheet) that imports or points outside.
fn outside_css(css: &str) -> Result<(), String> {
    if css.contains("@import") {
        return Err("SVG: its style sheet imports another (@import)".to_owned());
    }
    let mut rest = css;
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let target = rest.trim_start().trim_start_matches(['"', '\'']);
        if !(target.starts_with('#') || starts_with_ignore_case(target, "data:")) {
            let end = target.find([')', '"', '\'']).unwrap_or(target.len());
            return Err(format!(
                "SVG: refers to an outside resource (url({})); only references inside the SVG \
                 are drawn",
                short(&target[..end])
            ));
        }
    }
    Ok(())
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// At most 80 characters of user text for a reason.
fn short(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// What a subtree becomes once every `<use>` in it is replaced by what it refers to.
#[derive(Debug, Clone, Copy)]
struct Size {
    /// Elements, at most [`MAX_EXPANDED`] + 1.
    elements: u64,
    /// Levels below the subtree's root.
    height: usize,
    /// Vertices markers may be drawn at: the path segments of its shapes
    /// ([`segments::shape_segments`]) plus one per shape (a lone `M` takes a start marker),
    /// at most [`MAX_VERTICES`] + 1.
    vertices: u64,
}

/// How big and how deep a subtree is once every `<use>` in it is replaced by what it refers to.
struct Expansion<'d, 'input> {
    xml: &'d roxmltree::Document<'input>,
    ids: &'d HashMap<&'d str, roxmltree::NodeId>,
    /// The size of each element measured so far; `None` while it is being measured (a `<use>`
    /// met again then is a cycle).
    memo: HashMap<roxmltree::NodeId, Option<Size>>,
}

impl Expansion<'_, '_> {
    /// The size of `node`'s expanded subtree; `depth` is how deep `node` is drawn. The
    /// recursion stops at [`MAX_DEPTH`], so it is as shallow as what it guards.
    fn measure(&mut self, node: roxmltree::Node<'_, '_>, depth: usize) -> Result<Size, String> {
        let too_deep = || format!("SVG: nested deeper than {MAX_DEPTH} levels");
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        match self.memo.get(&node.id()) {
            Some(Some(size)) => {
                return if depth + size.height > MAX_DEPTH {
                    Err(too_deep())
                } else {
                    Ok(*size)
                };
            }
            Some(None) => return Err("SVG: a <use> refers to itself".to_owned()),
            None => {}
        }
        self.memo.insert(node.id(), None);
        let own = segments::shape_segments(node);
        let mut size = Size {
            elements: 1,
            height: 0,
            vertices: if own > 0 { own.saturating_add(1) } else { 0 },
        };
        let mut add = |inner: Size| {
            size.elements = size
                .elements
                .saturating_add(inner.elements)
                .min(MAX_EXPANDED + 1);
            size.height = size.height.max(inner.height + 1);
            size.vertices = size
                .vertices
                .saturating_add(inner.vertices)
                .min(MAX_VERTICES + 1);
        };
        for child in node.children().filter(roxmltree::Node::is_element) {
            add(self.measure(child, depth + 1)?);
        }
        if node.tag_name().name() == "use" {
            let target = node
                .attribute(("http://www.w3.org/1999/xlink", "href"))
                .or_else(|| node.attribute("href"))
                .and_then(|href| href.trim().strip_prefix('#'))
                .and_then(|id| self.ids.get(id))
                .and_then(|&id| self.xml.get_node(id));
            if let Some(target) = target {
                add(self.measure(target, depth + 1)?);
            }
        }
        if size.elements > MAX_EXPANDED {
            return Err(format!(
                "SVG: its <use> elements expand to more than {MAX_EXPANDED} elements"
            ));
        }
        self.memo.insert(node.id(), Some(size));
        Ok(size)
    }
}

/// Counts the nodes svg2pdf will draw into `drawn`, a pattern, clip path or mask each time it
/// is used; false as soon as the count passes [`MAX_DRAWN`] (so the walk itself is bounded).
fn within_budget(group: &usvg::Group, drawn: &mut u64) -> bool {
    *drawn += 1;
    if *drawn > MAX_DRAWN {
        return false;
    }
    let mut clip = group.clip_path();
    while let Some(path) = clip {
        if !within_budget(path.root(), drawn) {
            return false;
        }
        clip = path.clip_path();
    }
    let mut mask = group.mask();
    while let Some(m) = mask {
        if !within_budget(m.root(), drawn) {
            return false;
        }
        mask = m.mask();
    }
    for child in group.children() {
        let fits = match child {
            usvg::Node::Group(inner) => within_budget(inner, drawn),
            usvg::Node::Path(path) => {
                *drawn += 1;
                let paints = [
                    path.fill().map(usvg::Fill::paint),
                    path.stroke().map(usvg::Stroke::paint),
                ];
                paints.into_iter().flatten().all(|paint| match paint {
                    usvg::Paint::Pattern(pattern) => within_budget(pattern.root(), drawn),
                    _ => *drawn <= MAX_DRAWN,
                })
            }
            usvg::Node::Image(_) | usvg::Node::Text(_) => {
                *drawn += 1;
                *drawn <= MAX_DRAWN
            }
        };
        if !fits {
            return false;
        }
    }
    true
}

/// Whether the tree has a path with a fill or a stroke (what svg2pdf draws here).
fn draws_something(group: &usvg::Group) -> bool {
    group.children().iter().any(|child| match child {
        usvg::Node::Group(inner) => draws_something(inner),
        usvg::Node::Path(path) => path.fill().is_some() || path.stroke().is_some(),
        usvg::Node::Image(_) | usvg::Node::Text(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNATURE: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><path d="M5 30 C 40 5, 60 45, 115 10" stroke="black" fill="none"/></svg>"#;

    /// Why `svg` is not drawn; fails the test if it is.
    fn refused(svg: &str) -> String {
        match convert(svg.as_bytes()) {
            Ok(_) => panic!("drawn, but should be refused: {}", short(svg)),
            Err(why) => why,
        }
    }

    /// The content of the converted form XObject (svg2pdf compresses it).
    fn form_content(form: &SvgForm) -> String {
        let bytes = form.chunk.as_bytes();
        let text = String::from_utf8_lossy(bytes);
        assert!(text.contains("/Subtype /Form"), "{text}");
        let start = text.find("stream\n").expect("a stream") + "stream\n".len();
        let end = text[start..].find("\nendstream").expect("an end") + start;
        let inflated = miniz_oxide::inflate::decompress_to_vec_zlib(&bytes[start..end])
            .expect("the form's stream inflates");
        String::from_utf8_lossy(&inflated).into_owned()
    }

    #[test]
    fn a_signature_becomes_a_form_of_paths_with_its_size() {
        let form = convert(SIGNATURE.as_bytes()).expect("drawn");
        assert_eq!((form.width, form.height), (120.0, 40.0));
        let content = form_content(&form);
        // A curve (`c`) stroked (`S`).
        assert!(
            content.contains(" c\n") && content.contains("\nS"),
            "{content}"
        );
        // Units and viewBox are usvg's: 3cm wide is 113.4 CSS px.
        let form = convert(br#"<svg xmlns="http://www.w3.org/2000/svg" width="3cm" height="1cm" viewBox="0 0 30 10"><rect width="30" height="10"/></svg>"#)
            .expect("drawn");
        assert!((form.width - 113.385).abs() < 0.01 && (form.height - 37.795).abs() < 0.01);
    }

    #[test]
    fn malformed_svg_is_refused_with_a_reason() {
        for (svg, reason) in [
            ("", "not well-formed XML"),
            ("<svg", "not well-formed XML"),
            ("<html/>", "the root element is <html>"),
            ("\u{0}\u{1}", "not well-formed XML"),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#,
                "draws no shapes",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="0" height="10"><rect width="5" height="5"/></svg>"#,
                "SVG: ",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>Ada</text></svg>"#,
                "draws no shapes",
            ),
        ] {
            let why = refused(svg);
            assert!(why.contains(reason), "{svg:?}: {why}");
        }
        let why = |bytes: &[u8]| convert(bytes).err().unwrap_or_default();
        assert!(why(&[0xff, 0xfe, 0x00]).contains("not UTF-8"));
        assert!(why(&[0x1f, 0x8b, 0x08]).contains("svgz"));
    }

    #[test]
    fn huge_or_tiny_dimensions_are_refused() {
        for size in [
            r#"width="1e9" height="10""#,
            r#"width="40000" height="10""#,
            r#"width="10" height="0.001""#,
        ] {
            let svg = format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" {size}><rect width="5" height="5"/></svg>"#
            );
            let why = refused(&svg);
            assert!(
                why.contains("size") && why.contains("units a side"),
                "{size}: {why}"
            );
        }
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="32767" height="1"><rect width="5" height="1"/></svg>"#;
        assert!(convert(svg.as_bytes()).is_ok(), "the largest side allowed");
    }

    #[test]
    fn external_references_scripts_and_entities_are_refused() {
        let cases = [
            (
                r#"<image href="file:///etc/passwd" width="5" height="5"/>"#,
                "outside resource (file:///etc/passwd)",
            ),
            (
                r#"<image xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="http://127.0.0.1:9/x.png" width="5" height="5"/>"#,
                "outside resource (http://127.0.0.1:9/x.png)",
            ),
            (
                r#"<use href="other.svg#a"/>"#,
                "outside resource (other.svg#a)",
            ),
            (
                r#"<rect width="5" height="5" fill="url(https://a.example/p.svg#g)"/>"#,
                "outside resource (url(https://a.example/p.svg#g))",
            ),
            (
                r#"<style>@import url("https://a.example/x.css");</style>"#,
                "@import",
            ),
            (
                r#"<style>rect { fill: url('/etc/passwd') }</style>"#,
                "outside resource (url(/etc/passwd))",
            ),
            (r#"<script>alert(1)</script>"#, "<script>"),
            (
                r#"<rect width="5" height="5" onclick="alert(1)"/>"#,
                "script attribute (onclick)",
            ),
            (
                r#"<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>"#,
                "<foreignObject>",
            ),
        ];
        for (inner, reason) in cases {
            let svg = format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M0 0 L5 5" stroke="black"/>{inner}</svg>"#
            );
            let why = refused(&svg);
            assert!(why.contains(reason), "{inner}: {why}");
        }
        let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&lol2;</text></svg>"#;
        assert!(refused(laughs).contains("<!ENTITY>"));
        // A DOCTYPE without entities, as older editors write, is fine.
        let doctype = format!(
            r#"<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">{SIGNATURE}"#
        );
        assert!(convert(doctype.as_bytes()).is_ok());
        // References inside the SVG and data URIs are fine (the raster is not drawn).
        let inside = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><defs><linearGradient id="g"><stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue"/></linearGradient><path id="p" d="M0 0 L9 9"/></defs><use xlink:href="#p" stroke="url(#g)"/><image href="data:image/png;base64,iVBORw0KGgo=" width="2" height="2"/></svg>"##;
        assert!(convert(inside.as_bytes()).is_ok());
    }

    #[test]
    fn non_ascii_attribute_names_do_not_panic() {
        // The script-attribute check once sliced the name's first two bytes: a panic inside
        // a character (issue 25, finding 6).
        for name in ["中文", "é", "oé", "ö1", "on中"] {
            let svg = format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path {name}="1" d="M0 0 L5 5" stroke="black"/></svg>"#
            );
            let outcome = std::panic::catch_unwind(|| convert(svg.as_bytes()).map(|_| ()));
            match (name, outcome) {
                (_, Err(_)) => panic!("the attribute {name} panics the screen"),
                ("on中", Ok(outcome)) => {
                    assert!(outcome.is_err_and(|why| why.contains("script attribute (on中)")));
                }
                (_, Ok(outcome)) => assert!(outcome.is_ok(), "{name}: {outcome:?}"),
            }
        }
    }

    #[test]
    fn the_resolver_reads_no_file_even_without_the_screen() {
        // An image usvg's default resolver would load from disk: with `options()` it is gone.
        let dir = std::env::temp_dir().join(format!("craftkit-svg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let png = dir.join("dot.png");
        // A valid 1×1 PNG.
        let bytes: &[u8] = &[
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48,
            0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
            0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78,
            0x9C, 0x63, 0x60, 0x60, 0x60, 0xF8, 0x0F, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5F, 0xE5,
            0xC3, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ];
        std::fs::write(&png, bytes).expect("write the PNG");
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="{}" width="5" height="5"/><image href="file://{}" width="5" height="5"/></svg>"#,
            png.display(),
            png.display()
        );
        fn images(group: &usvg::Group) -> usize {
            group
                .children()
                .iter()
                .map(|node| match node {
                    usvg::Node::Image(_) => 1,
                    usvg::Node::Group(inner) => images(inner),
                    _ => 0,
                })
                .sum()
        }
        let default = usvg::Options {
            resources_dir: Some(dir.clone()),
            ..usvg::Options::default()
        };
        let loaded = usvg::Tree::from_str(&svg, &default).expect("parses");
        assert_eq!(
            images(loaded.root()),
            1,
            "usvg's default resolver reads the file"
        );
        let ours = usvg::Tree::from_str(&svg, &options()).expect("parses");
        assert_eq!(images(ours.root()), 0, "our resolver must read nothing");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `levels` nested groups around a path.
    fn nested(levels: usize) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{}<path d="M0 0 L5 5" stroke="black"/>{}</svg>"#,
            "<g>".repeat(levels),
            "</g>".repeat(levels)
        )
    }

    #[test]
    fn deep_nesting_is_refused_and_the_limit_draws() {
        // The path is at depth levels + 1 under the root.
        if let Err(why) = convert(nested(MAX_DEPTH - 1).as_bytes()) {
            panic!("the deepest nesting allowed is refused: {why}");
        }
        assert!(refused(&nested(MAX_DEPTH)).contains("nested deeper"));
        // Deeper than the XML parser's recursion could take: refused before it parses.
        assert!(refused(&nested(100_000)).contains("nested deeper"));
        assert!(!nesting_exceeds(
            r#"<?xml version="1.0"?><!DOCTYPE svg [<!ELEMENT a (b)>]><!-- <g><g> --><svg a="<g>" b='>'><![CDATA[<g><g>]]><g/><g></g></svg>"#,
            2
        ));
        assert!(nesting_exceeds("<svg><g><g>", 2));
        // Depth through <use>: a chain of uses, each pulling in the previous one.
        let mut chain = String::from(r#"<path id="u0" d="M0 0 L5 5" stroke="black"/>"#);
        for i in 1..=MAX_DEPTH {
            chain.push_str(&format!(r##"<g id="u{i}"><use href="#u{}"/></g>"##, i - 1));
        }
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>{chain}</defs><use href="#u{MAX_DEPTH}"/></svg>"##
        );
        assert!(refused(&svg).contains("nested deeper"));
    }

    #[test]
    fn use_bombs_and_use_cycles_are_refused() {
        // Each level uses the previous one ten times: 10^8 paths once expanded.
        let mut defs = String::from(r#"<path id="l0" d="M0 0 L5 5" stroke="black"/>"#);
        for level in 1..=8 {
            defs.push_str(&format!(r#"<g id="l{level}">"#));
            for _ in 0..10 {
                defs.push_str(&format!(r##"<use href="#l{}"/>"##, level - 1));
            }
            defs.push_str("</g>");
        }
        let bomb = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>{defs}</defs><use href="#l8"/></svg>"##
        );
        assert!(refused(&bomb).contains("expand to more than"));
        // The same through <symbol>, which is drawn only where a <use> pulls it in.
        let mut symbols =
            String::from(r#"<symbol id="s0"><path d="M0 0 L5 5" stroke="black"/></symbol>"#);
        for level in 1..=8 {
            symbols.push_str(&format!(r#"<symbol id="s{level}">"#));
            symbols.push_str(&format!(r##"<use href="#s{}"/>"##, level - 1).repeat(10));
            symbols.push_str("</symbol>");
        }
        let bomb = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{symbols}<use href="#s8"/></svg>"##
        );
        assert!(refused(&bomb).contains("expand to more than"));
        let cycle = r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g id="a"><path d="M0 0 L5 5" stroke="black"/><use href="#a"/></g></svg>"##;
        assert!(refused(cycle).contains("refers to itself"));
        let mutual = r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></defs><use href="#a"/><path d="M0 0 L5 5" stroke="black"/></svg>"##;
        assert!(refused(mutual).contains("refers to itself"));
    }

    /// A marker of `paths` paths.
    fn marker(id: &str, paths: usize) -> String {
        format!(
            r#"<marker id="{id}" markerWidth="4" markerHeight="4">{}</marker>"#,
            r#"<path d="M0 0 L1 1" stroke="black"/>"#.repeat(paths)
        )
    }

    #[test]
    fn marker_bombs_are_refused_before_usvg_copies_them() {
        // Issue 25, finding 3: a marker of 40 paths at each vertex of a path of many `h1`.
        // 5,000 vertices × 41 elements: past the budget, yet small enough that, unscreened,
        // usvg builds it in about a second and the drawn-nodes budget refuses it afterwards
        // (the review's 100 KB one took 18.5 s and 1.06 GB, a 600 KB one aborted the server).
        let h = "h1".repeat(5_000);
        let bombs = [
            format!(r##"<path d="M0 0{h}" marker-mid="url(#m)" stroke="black"/>"##),
            // Through a style sheet, inherited from a group, and the `marker` shorthand.
            format!(r#"<style>path {{ marker-mid: url(#m) }}</style><path d="M0 0{h}"/>"#),
            format!(r##"<g marker-start="url(#m)" marker-mid="url(#m)"><path d="M0 0{h}"/></g>"##),
            format!(r##"<path d="M0 0{h}" style="marker: url(#m)"/>"##),
            // A polyline's points and a line used many times.
            format!(
                r##"<polyline points="{}" marker-mid="url(#m)" stroke="black"/>"##,
                "1,1 ".repeat(5_000)
            ),
            format!(
                r##"<line id="l" x2="5" y2="5" marker-end="url(#m)" stroke="black"/>{}"##,
                r##"<use href="#l"/>"##.repeat(2_500)
            ),
        ];
        for inner in bombs {
            let svg = format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>{}</defs>{inner}</svg>"#,
                marker("m", 40)
            );
            let start = std::time::Instant::now();
            let why = refused(&svg);
            assert!(why.contains("markers would copy more than"), "{why}");
            assert!(
                start.elapsed() < std::time::Duration::from_secs(2),
                "{:?}",
                start.elapsed()
            );
        }
        // Nested markers multiply: a marker whose path of 100 vertices carries a marker of 40
        // paths, at each of 100 vertices: 100 × 100 × 41 copies, though no single marker is big.
        let nested = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>{}<marker id="a" markerWidth="4" markerHeight="4"><path d="M0 0{}" marker-mid="url(#m)" stroke="black"/></marker></defs><path d="M0 0{}" marker-mid="url(#a)" stroke="black"/></svg>"##,
            marker("m", 40),
            "h1".repeat(100),
            "h1".repeat(100)
        );
        assert!(refused(&nested).contains("markers would copy more than"));
        // Arrowheads on a few lines, and a long path beside them, are drawn.
        let arrows = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs><marker id="arrow" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0 L10 5 L0 10 z"/></marker></defs>{}<path d="M0 0{}" stroke="black" fill="none"/></svg>"##,
            r##"<line x1="10" y1="10" x2="90" y2="90" stroke="black" marker-end="url(#arrow)"/>"##
                .repeat(20),
            " l1 0.5 l1 -0.5".repeat(5_000)
        );
        if let Err(why) = convert(arrows.as_bytes()) {
            panic!("arrowheads are refused: {why}");
        }
    }

    #[test]
    fn shapes_that_expand_to_too_many_segments_are_refused() {
        // A path of 100,001 segments copied 60 times by <use>: 6 million segments, from 200 KB.
        let copies = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><path id="p" d="M0 0{}" stroke="black"/></defs>{}</svg>"##,
            "h1".repeat(100_000),
            r##"<use href="#p"/>"##.repeat(60)
        );
        let start = std::time::Instant::now();
        assert!(
            refused(&copies).contains("path segments"),
            "{}",
            refused(&copies)
        );
        // Arcs of a huge radius: each becomes about 480 curves; 13,000 of them from 260 KB.
        let arcs = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M0 0{}" stroke="black"/></svg>"#,
            " A1e15 1e15 0 1 0 1 0 A1e15 1e15 0 1 0 0 0".repeat(6_500)
        );
        assert!(
            refused(&arcs).contains("path segments"),
            "{}",
            refused(&arcs)
        );
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn nested_patterns_that_multiply_are_refused() {
        // Pattern pN fills ten rectangles with pattern pN-1: drawn, 10^7 rectangles.
        let mut defs = String::from(
            r#"<pattern id="p0" width="1" height="1" patternUnits="userSpaceOnUse"><rect width="1" height="1"/></pattern>"#,
        );
        for level in 1..=7 {
            defs.push_str(&format!(
                r#"<pattern id="p{level}" width="10" height="10" patternUnits="userSpaceOnUse">"#
            ));
            for i in 0..10 {
                defs.push_str(&format!(
                    r#"<rect x="{i}" width="1" height="10" fill="url(#p{})"/>"#,
                    level - 1
                ));
            }
            defs.push_str("</pattern>");
        }
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>{defs}</defs><rect width="10" height="10" fill="url(#p7)"/></svg>"#
        );
        assert!(refused(&svg).contains("draws more than"));
    }

    #[test]
    fn too_many_nodes_and_too_many_bytes_are_refused() {
        let paths = r#"<path d="M0 0 L5 5" stroke="black"/>"#.repeat(MAX_XML_NODES as usize);
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">{paths}</svg>"#
        );
        assert!(refused(&svg).contains("XML nodes"));
        let big = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><!--{}--></svg>"#,
            "x".repeat(MAX_SVG_BYTES)
        );
        assert!(refused(&big).contains("bytes, more than"));
    }

    /// Time and output size of the cases at and past the limits, for the report (not a test):
    /// `cargo test -p craftkit-devserver --release --lib -- --ignored --nocapture svg_budget`.
    #[test]
    #[ignore = "a measurement, run by hand in release"]
    fn svg_budget() {
        let svg = |inner: &str| {
            format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">{inner}</svg>"#
            )
        };
        let segments = " L1 1 L2 2".repeat((MAX_SVG_BYTES - 200) / 10);
        let mut use_bomb = String::from(r#"<path id="l0" d="M0 0 L5 5" stroke="black"/>"#);
        for level in 1..=8 {
            use_bomb.push_str(&format!(r#"<g id="l{level}">"#));
            use_bomb.push_str(&format!(r##"<use href="#l{}"/>"##, level - 1).repeat(10));
            use_bomb.push_str("</g>");
        }
        let cases = [
            ("the example's signature", SIGNATURE.to_owned()),
            (
                "one path of 10 MiB (drawn)",
                svg(&format!(r#"<path d="M0 0{segments}" stroke="black"/>"#)),
            ),
            (
                "199,990 short paths (drawn)",
                svg(&r#"<path d="M0 0 L5 5" stroke="black"/>"#.repeat(199_990)),
            ),
            (
                "200,001 XML nodes (refused)",
                svg(&r#"<path d="M0 0 L5 5" stroke="black"/>"#.repeat(200_001)),
            ),
            ("a <use> bomb of 10^8 (refused)", svg(&use_bomb)),
            (
                "one path of 10 MiB of h1, 5.2 million segments (drawn)",
                svg(&format!(
                    r#"<path d="M0 0{}" stroke="black"/>"#,
                    "h1".repeat((MAX_SVG_BYTES - 200) / 2)
                )),
            ),
            (
                "the review's 100 KB marker bomb (refused)",
                svg(&format!(
                    r##"<defs>{}</defs><path d="M0 0{}" marker-mid="url(#m)" stroke="black"/>"##,
                    marker("m", 40),
                    "h1".repeat(50_000)
                )),
            ),
            (
                "the review's 600 KB marker bomb (refused)",
                svg(&format!(
                    r##"<defs>{}</defs><path d="M0 0{}" marker-mid="url(#m)" stroke="black"/>"##,
                    marker("m", 40),
                    "h1".repeat(300_000)
                )),
            ),
            (
                "a marker of 40 paths at 4,600 vertices, just within (drawn)",
                svg(&format!(
                    r##"<defs>{}</defs><path d="M0 0{}" marker-mid="url(#m)" stroke="black"/>"##,
                    marker("m", 40),
                    "h1".repeat(4_600)
                )),
            ),
            (
                "13,000 arcs of radius 1e15 (refused)",
                svg(&format!(
                    r#"<path d="M0 0{}" stroke="black"/>"#,
                    " A1e15 1e15 0 1 0 1 0 A1e15 1e15 0 1 0 0 0".repeat(6_500)
                )),
            ),
            (
                "10,000 circles of radius 1e15 (their arcs are not counted yet)",
                svg(&r#"<circle r="1e15" stroke="black" fill="none"/>"#.repeat(10_000)),
            ),
            (
                "100,000 nested groups (refused)",
                svg(&format!(
                    "{}{}",
                    "<g>".repeat(100_000),
                    "</g>".repeat(100_000)
                )),
            ),
        ];
        for (what, svg) in cases {
            let start = std::time::Instant::now();
            let outcome = convert(svg.as_bytes());
            let elapsed = start.elapsed();
            match outcome {
                Ok(form) => println!(
                    "{what}: {} bytes in, drawn in {elapsed:?}, {} bytes of PDF objects",
                    svg.len(),
                    form.chunk.len()
                ),
                Err(why) => println!(
                    "{what}: {} bytes in, refused in {elapsed:?}: {why}",
                    svg.len()
                ),
            }
        }
    }
}
