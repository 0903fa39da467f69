//! The PDF readers that the tests read every document back with.
//!
//! - [`Lopdf`], always on: a pure-Rust reader on `lopdf`'s parser, so `cargo test --workspace`
//!   needs nothing but the Rust toolchain. It parses the whole file, decodes every page's
//!   content stream, and decodes text through each font's encoding (WinAnsi for the built-in
//!   Helvetica, the `ToUnicode` CMap for the embedded CID font), as a PDF viewer's copy and
//!   search would.
//! - [`Poppler`], opt-in with `CRAFTKIT_TEST_POPPLER=1`: Debian's `poppler-utils` as a second,
//!   independent reader (a different parser, text extractor and rasterizer, written by nobody
//!   here). `.ci/run` installs it and turns it on. When it is on and a tool is missing, the tests
//!   fail naming the package; when it is off it is not run, and nothing else changes.
//!
//! Every test asserts the same things through [`readers`], so the two readers prove the same
//! properties and a disagreement between them fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use lopdf::content::Content;
use lopdf::{Document, Encoding, Object, ObjectId};

/// The environment variable that turns on the poppler reader.
pub(super) const POPPLER_OPT_IN: &str = "CRAFTKIT_TEST_POPPLER";

/// The images the pages of a document draw.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Images {
    /// Distinct image objects drawn (an image drawn twice counts once; soft masks not counted).
    pub(super) objects: usize,
    /// What kinds were seen: `image` (a raw image), `jpeg` (a DCT-encoded one), `smask` (an
    /// image's alpha as a soft mask).
    pub(super) kinds: BTreeSet<&'static str>,
}

/// What a test asks of a PDF reader.
pub(super) trait Reader {
    /// A name for failure messages.
    fn name(&self) -> &'static str;
    /// The text of every page in order, pages separated by a form feed.
    fn text(&self, pdf: &[u8]) -> String;
    /// The text of page `page` (1-based).
    fn page_text(&self, pdf: &[u8], page: u32) -> String;
    /// How many pages the document has; fails the test if the file is not a sound PDF.
    fn pages(&self, pdf: &[u8]) -> u32;
    /// The images the pages draw.
    fn images(&self, pdf: &[u8]) -> Images;
    /// Whether page `page` of `marked` shows a watermark that the same page of `plain` lacks.
    fn watermarked(&self, marked: &[u8], plain: &[u8], page: u32) -> bool;
}

/// The readers a test checks with: lopdf always, poppler when opted in.
pub(super) fn readers() -> Vec<Box<dyn Reader>> {
    let mut readers: Vec<Box<dyn Reader>> = vec![Box::new(Lopdf)];
    if poppler_opted_in() {
        readers.push(Box::new(Poppler));
    }
    readers
}

/// Whether `CRAFTKIT_TEST_POPPLER` asks for poppler. Any value other than unset, empty, `0`,
/// `1` or `true` fails, so a typo cannot turn the second reader off unnoticed.
fn poppler_opted_in() -> bool {
    match std::env::var(POPPLER_OPT_IN).as_deref() {
        Err(_) | Ok("" | "0") => false,
        Ok("1" | "true") => true,
        Ok(other) => panic!("{POPPLER_OPT_IN}={other:?}: set it to 1 (or unset it)"),
    }
}

// ---------------------------------------------------------------------------------------------
// lopdf

/// The pure-Rust reader.
pub(super) struct Lopdf;

/// The pages of a parsed document with their object ids, in order.
fn lopdf_load(pdf: &[u8]) -> (Document, Vec<ObjectId>) {
    let doc = Document::load_mem(pdf).unwrap_or_else(|e| panic!("lopdf cannot read the PDF: {e}"));
    // Every object must load: a broken reference or stream is a broken file.
    for (id, object) in &doc.objects {
        if let Object::Stream(stream) = object {
            if stream
                .filters()
                .is_ok_and(|f| f.iter().any(|f| f == b"FlateDecode"))
            {
                stream
                    .decompressed_content()
                    .unwrap_or_else(|e| panic!("object {id:?}: its stream does not inflate: {e}"));
            }
        }
    }
    let pages = doc.get_pages().into_values().collect();
    (doc, pages)
}

/// A page's content stream, decoded into operations.
fn lopdf_content(doc: &Document, page: ObjectId) -> Content {
    let bytes = doc
        .get_page_content_with_limit(page, 1 << 30)
        .unwrap_or_else(|e| panic!("page {page:?}: no content: {e}"));
    Content::decode(&bytes).unwrap_or_else(|e| panic!("page {page:?}: bad content stream: {e}"))
}

/// The number an operand holds.
fn number(object: &Object) -> f32 {
    match object {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        other => panic!("expected a number, found {other:?}"),
    }
}

/// The text of one page: each text object (`BT`..`ET`) is a run placed by `Td`; runs on one
/// baseline are joined by a space and a new baseline starts a new line, as pdftotext does for
/// this writer's output (one run per word group, in reading order).
fn lopdf_page_text(doc: &Document, page: ObjectId) -> String {
    let fonts = doc
        .get_page_fonts(page)
        .unwrap_or_else(|e| panic!("page {page:?}: fonts: {e}"));
    let encodings: BTreeMap<Vec<u8>, Encoding<'_>> = fonts
        .into_iter()
        .map(|(name, font)| {
            let encoding = font
                .get_font_encoding(doc)
                .unwrap_or_else(|e| panic!("font {name:?}: no encoding: {e}"));
            (name, encoding)
        })
        .collect();
    let mut text = String::new();
    let mut font: Option<&Encoding<'_>> = None;
    // The baseline of the last run written, and whether a positioning operator came since.
    let mut last_y: Option<f32> = None;
    let (mut y, mut placed) = (0.0f32, false);
    for op in lopdf_content(doc, page).operations {
        let operands = &op.operands;
        match op.operator.as_str() {
            "BT" => (y, placed) = (0.0, true),
            "Td" | "TD" => (y, placed) = (y + number(&operands[1]), true),
            "Tm" => (y, placed) = (number(&operands[5]), true),
            "T*" => placed = true,
            "Tf" => {
                let name = operands[0].as_name().expect("Tf names a font");
                font = Some(
                    encodings
                        .get(name)
                        .unwrap_or_else(|| panic!("Tf names {name:?}, not in the resources")),
                );
            }
            "Tj" | "TJ" | "'" | "\"" => {
                let encoding = font.expect("text shown before Tf");
                if placed && !text.is_empty() {
                    let same_line = last_y.is_some_and(|last| (last - y).abs() < 0.5);
                    text.push(if same_line { ' ' } else { '\n' });
                }
                (last_y, placed) = (Some(y), false);
                for operand in operands {
                    let strings = match operand {
                        Object::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    for string in strings {
                        if let Object::String(bytes, _) = string {
                            let decoded = Document::decode_text(encoding, bytes)
                                .unwrap_or_else(|e| panic!("undecodable text {bytes:?}: {e}"));
                            text.push_str(&decoded);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    text.push('\n');
    text
}

/// The object a resource name stands for in a page's `/Resources /XObject`.
fn lopdf_xobjects(doc: &Document, page: ObjectId) -> BTreeMap<Vec<u8>, ObjectId> {
    let (direct, ids) = doc
        .get_page_resources(page)
        .unwrap_or_else(|e| panic!("page {page:?}: resources: {e}"));
    let mut found = BTreeMap::new();
    let dicts = direct
        .into_iter()
        .chain(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
    for resources in dicts {
        let Ok(xobjects) = resources.get(b"XObject") else {
            continue;
        };
        let (_, xobjects) = doc.dereference(xobjects).expect("XObject resolves");
        for (name, object) in xobjects.as_dict().expect("XObject is a dictionary") {
            let id = object.as_reference().expect("an XObject is a reference");
            found.entry(name.clone()).or_insert(id);
        }
    }
    found
}

/// The stream dictionary of object `id`.
fn lopdf_stream_dict(doc: &Document, id: ObjectId) -> &lopdf::Dictionary {
    &doc.get_object(id)
        .and_then(Object::as_stream)
        .unwrap_or_else(|e| panic!("object {id:?} is not a stream: {e}"))
        .dict
}

/// The XObjects that page `page` draws with `Do`, each with the `/GS` state set before it (the
/// graphics state stack followed through `q`/`Q`).
fn lopdf_drawn(doc: &Document, page: ObjectId) -> Vec<(ObjectId, Option<Vec<u8>>)> {
    let names = lopdf_xobjects(doc, page);
    let mut drawn = Vec::new();
    let mut state: Vec<Option<Vec<u8>>> = vec![None];
    for op in lopdf_content(doc, page).operations {
        match op.operator.as_str() {
            "q" => state.push(state.last().cloned().flatten()),
            "Q" => {
                state.pop();
                assert!(!state.is_empty(), "page {page:?}: Q without q");
            }
            "gs" => {
                *state.last_mut().expect("a state") =
                    op.operands[0].as_name().ok().map(<[u8]>::to_vec)
            }
            "Do" => {
                let name = op.operands[0].as_name().expect("Do names an XObject");
                let id = *names
                    .get(name)
                    .unwrap_or_else(|| panic!("Do names {name:?}, not in the resources"));
                drawn.push((id, state.last().cloned().flatten()));
            }
            _ => {}
        }
    }
    drawn
}

/// The watermark lopdf can see: a form XObject drawn under a translucent graphics state whose
/// content fills outlines covering a large part of the page. Returns the filled path's extent
/// as a share of the page's area (0 when the page has none).
fn lopdf_watermark_extent(doc: &Document, page: ObjectId) -> f32 {
    let gstates = {
        let (direct, ids) = doc.get_page_resources(page).expect("resources");
        let mut found = BTreeMap::new();
        for resources in direct
            .into_iter()
            .chain(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()))
        {
            if let Ok(states) = resources.get(b"ExtGState") {
                let (_, states) = doc.dereference(states).expect("ExtGState resolves");
                for (name, object) in states.as_dict().expect("ExtGState is a dictionary") {
                    let (_, state) = doc.dereference(object).expect("a graphics state resolves");
                    let alpha = state
                        .as_dict()
                        .ok()
                        .and_then(|s| s.get(b"ca").ok())
                        .map_or(1.0, number);
                    found.insert(name.clone(), alpha);
                }
            }
        }
        found
    };
    let mut best = 0.0f32;
    for (id, gs) in lopdf_drawn(doc, page) {
        let dict = lopdf_stream_dict(doc, id);
        if dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form") {
            continue;
        }
        let alpha = gs
            .and_then(|name| gstates.get(&name).copied())
            .unwrap_or(1.0);
        if !(0.0 < alpha && alpha < 1.0) {
            continue;
        }
        let stream = doc
            .get_object(id)
            .and_then(Object::as_stream)
            .expect("a form");
        let bytes = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        let content = Content::decode(&bytes).expect("the form's content decodes");
        // The form's transform, then the bounding box of the points its path visits.
        let mut matrix = [1.0f32, 0.0, 0.0, 1.0, 0.0, 0.0];
        let (mut min, mut max) = ([f32::MAX; 2], [f32::MIN; 2]);
        let mut segments = 0usize;
        let mut filled = false;
        for op in &content.operations {
            match op.operator.as_str() {
                "cm" => {
                    let m: Vec<f32> = op.operands.iter().map(number).collect();
                    matrix = [m[0], m[1], m[2], m[3], m[4], m[5]];
                }
                "m" | "l" | "c" | "v" | "y" => {
                    segments += 1;
                    let n: Vec<f32> = op.operands.iter().map(number).collect();
                    for point in n.chunks(2) {
                        let (x, y) = (point[0], point[1]);
                        let px = matrix[0] * x + matrix[2] * y + matrix[4];
                        let py = matrix[1] * x + matrix[3] * y + matrix[5];
                        min = [min[0].min(px), min[1].min(py)];
                        max = [max[0].max(px), max[1].max(py)];
                    }
                }
                "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => filled = true,
                _ => {}
            }
        }
        if filled && segments > 20 {
            let media = super::super::layout::PAGE_WIDTH * super::super::layout::PAGE_HEIGHT;
            let area = (max[0] - min[0]).max(0.0) * (max[1] - min[1]).max(0.0);
            best = best.max(area / media);
        }
    }
    best
}

impl Reader for Lopdf {
    fn name(&self) -> &'static str {
        "lopdf"
    }

    fn text(&self, pdf: &[u8]) -> String {
        let (doc, pages) = lopdf_load(pdf);
        pages
            .iter()
            .map(|&page| lopdf_page_text(&doc, page))
            .collect::<Vec<_>>()
            .join("\x0c")
    }

    fn page_text(&self, pdf: &[u8], page: u32) -> String {
        let (doc, pages) = lopdf_load(pdf);
        let index = usize::try_from(page - 1).expect("a page index");
        lopdf_page_text(&doc, pages[index])
    }

    fn pages(&self, pdf: &[u8]) -> u32 {
        let (doc, pages) = lopdf_load(pdf);
        // Every page's content must decode and every font must have an encoding.
        for &page in &pages {
            lopdf_page_text(&doc, page);
            lopdf_drawn(&doc, page);
        }
        let declared = doc
            .catalog()
            .and_then(|c| c.get(b"Pages"))
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .and_then(|tree| tree.get(b"Count"))
            .and_then(Object::as_i64)
            .expect("the page tree has a /Count");
        assert_eq!(
            usize::try_from(declared).ok(),
            Some(pages.len()),
            "the page tree's /Count differs from its pages"
        );
        u32::try_from(pages.len()).expect("a page count")
    }

    fn images(&self, pdf: &[u8]) -> Images {
        let (doc, pages) = lopdf_load(pdf);
        let mut objects = BTreeSet::new();
        let mut kinds = BTreeSet::new();
        for &page in &pages {
            for (id, _) in lopdf_drawn(&doc, page) {
                let dict = lopdf_stream_dict(&doc, id);
                if dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Image") {
                    continue;
                }
                objects.insert(id);
                let dct = dict
                    .get(b"Filter")
                    .is_ok_and(|f| f.as_name().ok() == Some(b"DCTDecode"));
                kinds.insert(if dct { "jpeg" } else { "image" });
                if let Ok(mask) = dict.get(b"SMask").and_then(Object::as_reference) {
                    let mask = lopdf_stream_dict(&doc, mask);
                    assert_eq!(
                        mask.get(b"Subtype").and_then(Object::as_name).ok(),
                        Some(&b"Image"[..]),
                        "an /SMask that is not an image"
                    );
                    kinds.insert("smask");
                }
            }
        }
        Images {
            objects: objects.len(),
            kinds,
        }
    }

    fn watermarked(&self, marked: &[u8], plain: &[u8], page: u32) -> bool {
        let index = usize::try_from(page - 1).expect("a page index");
        let extent = |pdf: &[u8]| {
            let (doc, pages) = lopdf_load(pdf);
            lopdf_watermark_extent(&doc, pages[index])
        };
        // The diagonal word covers well over a tenth of the page's box.
        extent(marked) > 0.1 && extent(plain) == 0.0
    }
}

// ---------------------------------------------------------------------------------------------
// poppler

/// The opt-in second reader: poppler's command-line tools.
pub(super) struct Poppler;

/// A PDF written to a temporary file, removed on drop unless `CRAFTKIT_PDF_KEEP` is set (to
/// look at what the tests render).
struct TempPdf(PathBuf);

impl TempPdf {
    fn new(bytes: &[u8]) -> TempPdf {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("craftkit-pdf-test-{}-{n}.pdf", std::process::id()));
        let mut file = std::fs::File::create(&path).expect("temp file");
        file.write_all(bytes).expect("write temp file");
        TempPdf(path)
    }
}

impl Drop for TempPdf {
    fn drop(&mut self) {
        if std::env::var_os("CRAFTKIT_PDF_KEEP").is_some() {
            return;
        }
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs a poppler tool on `pdf`; fails loudly when the tool is missing or complains.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    String::from_utf8(poppler_raw(tool, args, pdf)).expect("poppler writes UTF-8")
}

/// [`poppler`], returning the tool's output as bytes.
fn poppler_raw(tool: &str, args: &[&str], pdf: &[u8]) -> Vec<u8> {
    let file = TempPdf::new(pdf);
    let output = Command::new(tool)
        .args(args)
        .arg(&file.0)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[][..] })
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{tool}` ({e}): {POPPLER_OPT_IN} is set, so the PDF tests also read their PDFs with poppler; install it with `apt-get install -y poppler-utils`, or unset {POPPLER_OPT_IN}")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{tool} failed: {stderr}");
    assert!(
        !stderr.contains("rror"),
        "{tool} reported problems: {stderr}"
    );
    output.stdout
}

/// The sum of darkness over page `page` rendered in grey at a low resolution.
fn ink(pdf: &[u8], page: u32) -> u64 {
    let page = page.to_string();
    let pgm = poppler_raw(
        "pdftoppm",
        &["-r", "20", "-gray", "-f", &page, "-l", &page],
        pdf,
    );
    // A binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
    let mut fields = 0;
    let start = pgm
        .iter()
        .position(|&b| {
            fields += usize::from(b == b'\n');
            fields == 3
        })
        .expect("a PGM header");
    pgm[start + 1..].iter().map(|&p| u64::from(255 - p)).sum()
}

impl Reader for Poppler {
    fn name(&self) -> &'static str {
        "poppler"
    }

    fn text(&self, pdf: &[u8]) -> String {
        poppler("pdftotext", &["-enc", "UTF-8"], pdf)
    }

    fn page_text(&self, pdf: &[u8], page: u32) -> String {
        let page = page.to_string();
        poppler(
            "pdftotext",
            &["-enc", "UTF-8", "-f", &page, "-l", &page],
            pdf,
        )
    }

    fn pages(&self, pdf: &[u8]) -> u32 {
        let info = poppler("pdfinfo", &[], pdf);
        info.lines()
            .find_map(|line| line.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in pdfinfo output:\n{info}"))
    }

    fn images(&self, pdf: &[u8]) -> Images {
        let list = poppler("pdfimages", &["-list"], pdf);
        // Columns: page num type width height color comp bpc enc interp object ID ...
        let rows: Vec<Vec<&str>> = list
            .lines()
            .skip(2)
            .map(|line| line.split_whitespace().collect())
            .collect();
        let objects: BTreeSet<&str> = rows
            .iter()
            .filter(|row| row.get(2) != Some(&"smask"))
            .filter_map(|row| row.get(10).copied())
            .collect();
        let mut kinds = BTreeSet::new();
        for row in &rows {
            for kind in ["image", "smask", "jpeg"] {
                if row.get(2) == Some(&kind) || row.get(8) == Some(&kind) {
                    kinds.insert(kind);
                }
            }
        }
        Images {
            objects: objects.len(),
            kinds,
        }
    }

    fn watermarked(&self, marked: &[u8], plain: &[u8], page: u32) -> bool {
        ink(marked, page) > ink(plain, page) + 1_000
    }
}
