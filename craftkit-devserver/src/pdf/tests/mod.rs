//! End-to-end tests: real PDFs, read back by every reader of [`readers`] (pure-Rust lopdf
//! always; poppler too with `CRAFTKIT_TEST_POPPLER=1`), each making the same assertions.

mod readers;

use std::time::{Duration, Instant};

use craftkit_core::manifest::{Manifest, Tree};
use serde_json::{Value, json};

use super::{PdfInput, RenderedPdf, render_pdf};
use readers::readers;

const CHARTER_MANIFEST: &str = include_str!("../testdata/charter-handover.manifest.json");
const CHARTER_DATA: &str = include_str!("../testdata/charter-handover.data.json");

fn tree(manifest: &str) -> Tree {
    let manifest = Manifest::from_json(manifest).expect("test manifest is valid");
    manifest.tree().expect("test manifest folds")
}

fn manifest_with(variables: Value) -> Tree {
    tree(&json!({"slug": "t", "name": "Test template", "version": 3, "pipeline": "html", "variables": variables}).to_string())
}

fn render(tree: &Tree, data: &Value) -> RenderedPdf {
    render_pdf(&PdfInput {
        tree,
        data,
        watermark: None,
        assets: None,
    })
    .expect("renders")
}

/// Whitespace runs as one space, so wrapped values compare equal.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every scalar of `value` a reader should find, as the PDF formats it (data URIs excluded).
fn scalars(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with("data:") => {}
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Bool(b) => out.push(if *b { "yes" } else { "no" }.to_owned()),
        Value::Array(items) => items.iter().for_each(|v| scalars(v, out)),
        Value::Object(map) => map.values().for_each(|v| scalars(v, out)),
        Value::Null => {}
    }
}

fn charter_data() -> Value {
    let mut data: Value = serde_json::from_str(CHARTER_DATA).expect("fixture is JSON");
    data["charterer"]["fullName"] = json!("Željka Čović 名前");
    data["handover_notes"] = json!("Łódź, Ωmega, Жук 😀 — “done”");
    data
}

#[test]
fn the_charter_fixture_reads_back_with_every_value() {
    let tree = tree(CHARTER_MANIFEST);
    let data = charter_data();
    let pdf = render_pdf(&PdfInput {
        tree: &tree,
        data: &data,
        watermark: Some("TEST"),
        assets: None,
    })
    .expect("renders");
    assert!(pdf.bytes.starts_with(b"%PDF-1.7"));
    for reader in readers() {
        assert_eq!(pdf.pages, reader.pages(&pdf.bytes), "{}", reader.name());
        let text = squash(&reader.text(&pdf.bytes));
        let mut expected = vec!["Charter handover".to_owned(), "version 12".to_owned()];
        scalars(&data, &mut expected);
        for value in &expected {
            assert!(
                text.contains(&squash(value)),
                "{value:?} not found by {}:\n{text}",
                reader.name()
            );
        }
        for must in [
            "BK-2931",
            "Galley",
            "worn",
            "Željka Čović 名前",
            "Łódź",
            "😀",
            "Marko, Iva",
        ] {
            assert!(
                text.contains(must),
                "{must:?} not found by {}:\n{text}",
                reader.name()
            );
        }
        // Labels, the table header and the linked image's placeholder.
        for label in [
            "booking",
            "embarkation",
            "fullName",
            "areas (2)",
            "condition",
            "https://assets.example.org/logo.png",
        ] {
            assert!(
                text.contains(label),
                "{label:?} not found by {}:\n{text}",
                reader.name()
            );
        }
    }
}

#[test]
fn the_watermark_marks_every_page_without_joining_the_text() {
    let tree = manifest_with(json!([{"path": "rows[].v", "type": "string"}]));
    let rows: Vec<Value> = (0..120)
        .map(|i| json!({"v": format!("value {i}")}))
        .collect();
    let data = json!({"rows": rows});
    let plain = render(&tree, &data);
    let marked = render_pdf(&PdfInput {
        tree: &tree,
        data: &data,
        watermark: Some("TEST"),
        assets: None,
    })
    .expect("renders");
    assert!(marked.pages > 1);
    for reader in readers() {
        let name = reader.name();
        assert_eq!(
            reader.text(&plain.bytes),
            reader.text(&marked.bytes),
            "{name}: the watermark must not be extracted as text"
        );
        assert!(reader.text(&plain.bytes).contains("value 119"), "{name}");
        for page in 1..=marked.pages {
            assert!(
                reader.watermarked(&marked.bytes, &plain.bytes, page),
                "{name}: page {page} has no watermark"
            );
        }
    }
}

#[test]
fn absent_optional_values_show_a_dash() {
    let tree = manifest_with(json!([
        {"path": "a", "type": "string", "required": true},
        {"path": "b", "type": "string"},
        {"path": "tags[]", "type": "array", "items": "string"}
    ]));
    let pdf = render(&tree, &json!({"a": "present", "tags": []}));
    for reader in readers() {
        let text = squash(&reader.text(&pdf.bytes));
        assert!(
            text.contains("a present b — tags none"),
            "{}: {text}",
            reader.name()
        );
    }
}

#[test]
fn a_long_table_paginates_and_repeats_its_header() {
    let tree = manifest_with(json!([
        {"path": "rows[].item_label", "type": "string", "required": true},
        {"path": "rows[].quantity_count", "type": "integer"},
        {"path": "rows[].sub[].leaf", "type": "string"}
    ]));
    let rows: Vec<Value> = (0..200)
        .map(|i| {
            let mut row = json!({"item_label": format!("row-{i:03}"), "quantity_count": i});
            if i % 50 == 7 {
                row["sub"] = json!([{"leaf": format!("nested-{i}")}]);
            }
            row
        })
        .collect();
    let pdf = render(&tree, &json!({"rows": rows}));
    assert!(pdf.pages > 1, "200 rows fit on one page?");
    for reader in readers() {
        assert_eq!(pdf.pages, reader.pages(&pdf.bytes), "{}", reader.name());
        for page in 1..=pdf.pages {
            let text = reader.page_text(&pdf.bytes, page);
            if text.contains("row-") {
                assert!(
                    text.contains("item_label") && text.contains("quantity_count"),
                    "{}: page {page} has rows but no header:\n{text}",
                    reader.name()
                );
            }
        }
        let text = reader.text(&pdf.bytes);
        for i in [0, 57, 199] {
            assert!(
                text.contains(&format!("row-{i:03}")),
                "{}: row {i} missing",
                reader.name()
            );
        }
        assert!(
            text.contains("nested-157"),
            "{}: a nested array under its row is missing",
            reader.name()
        );
    }
}

/// A 5×3 RGBA PNG with a transparent column.
fn png_rgba() -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 5, 3);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("png header");
    let pixels: Vec<u8> = (0..15)
        .flat_map(|i| [200, 30, 30, if i % 5 == 0 { 0 } else { 255 }])
        .collect();
    writer.write_image_data(&pixels).expect("png data");
    writer.finish().expect("png end");
    bytes
}

/// An 8×8 RGB baseline JPEG (made once with the `jpeg-encoder` crate, quality 40).
const TINY_JPEG: &[u8] = include_bytes!("../testdata/tiny-8x8.jpg");

fn data_uri(bytes: &[u8]) -> String {
    craftkit_core::value::Image::from_bytes(bytes)
        .expect("a PNG or JPEG")
        .as_str()
        .to_owned()
}

#[test]
fn png_and_jpeg_data_uris_are_embedded() {
    let tree = manifest_with(json!([
        {"path": "photo", "type": "image"},
        {"path": "sig", "type": "signature"},
        {"path": "again", "type": "image"},
        {"path": "vector", "type": "image"},
        {"path": "gallery[]", "type": "array", "items": "image"},
        {"path": "rows[].pic", "type": "image"}
    ]));
    let png = data_uri(&png_rgba());
    let jpeg = data_uri(TINY_JPEG);
    let data = json!({
        "photo": png, "sig": jpeg, "again": png, "vector": "data:image/svg+xml,%3Csvg%2F%3E",
        "gallery": [png, jpeg, "https://cdn.example.com/a.png"],
        "rows": [{"pic": jpeg}, {"pic": "https://cdn.example.com/b.png"}]
    });
    let pdf = render(&tree, &data);
    let raw = String::from_utf8_lossy(&pdf.bytes);
    assert!(raw.contains("/Subtype /Image"), "no image XObject");
    assert!(
        raw.contains("/DCTDecode"),
        "the JPEG is not embedded as DCT"
    );
    assert!(raw.contains("/SMask"), "the PNG's alpha is not a soft mask");
    for reader in readers() {
        let name = reader.name();
        // One XObject per distinct image however often drawn: the PNG (with its mask) and the
        // JPEG.
        let images = reader.images(&pdf.bytes);
        assert_eq!(images.objects, 2, "{name}: {images:?}");
        for kind in ["image", "smask", "jpeg"] {
            assert!(
                images.kinds.contains(kind),
                "{name}: {kind} missing from {images:?}"
            );
        }
        let text = reader.text(&pdf.bytes);
        assert!(
            text.contains("SVG image") && text.contains("https://cdn.example.com/a.png"),
            "{name}: {text}"
        );
    }
}

/// A PNG whose header declares `width` × `height` 8-bit grey pixels and whose data is one
/// empty row: the decoder fails after the header, which is all the render's budget reads.
fn declared_png(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).expect("small").to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        // The decoder ignores checksums, as browsers do.
        out.extend_from_slice(&[0; 4]);
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    chunk(
        &mut png,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&[0], 6),
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn a_render_decodes_at_most_its_pixel_budget() {
    // Issue 25, finding 14: 50 distinct 8192×8192 PNGs (each within the 64 MiB limit of one
    // image) took 27 s to render. Each of these declares 8192×8191 grey pixels (64 MiB less a
    // row), so four fit the render's 256 MiB and a fifth does not.
    let tree = manifest_with(json!([{"path": "gallery[]", "type": "array", "items": "image"}]));
    let gallery = |count: usize| {
        let images: Vec<String> = (0..count)
            .map(|i| {
                let side = 8191 - u32::try_from(i).expect("small");
                data_uri(&declared_png(8192, side))
            })
            .collect();
        json!({ "gallery": images })
    };
    let render = |data: &Value| {
        render_pdf(&PdfInput {
            tree: &tree,
            data,
            watermark: None,
            assets: None,
        })
    };
    let start = Instant::now();
    assert!(render(&gallery(4)).is_ok(), "four fit the budget");
    let error = render(&gallery(50)).expect_err("fifty PNGs of 64 MiB exceed the budget");
    assert_eq!(
        error,
        super::PdfError::ImagesTooLarge {
            limit: super::image::MAX_RENDER_PIXEL_BYTES
        }
    );
    assert!(
        error
            .to_string()
            .contains("decode to more than 268435456 bytes"),
        "{error}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn hostile_data_never_panics_and_stays_bounded() {
    let tree = manifest_with(json!([
        {"path": "big", "type": "text"},
        {"path": "controls", "type": "string"},
        {"path": "empty[]", "type": "array", "items": "string"},
        {"path": "img", "type": "image"},
        {"path": "rows[].cell", "type": "string"},
        {"path": "rows[].n", "type": "number"},
        {"path": "meta", "type": "object"}
    ]));
    let huge = "ab cdefghij ".repeat(90_000); // ~1 MB
    let no_spaces = "x".repeat(1 << 20);
    let bomb = {
        // A PNG header claiming 60000×60000 RGBA pixels and nothing else.
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        let ihdr = [
            &60_000u32.to_be_bytes()[..],
            &60_000u32.to_be_bytes(),
            &[8, 6, 0, 0, 0],
        ]
        .concat();
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&[0, 0, 0, 0]);
        data_uri(&png)
    };
    let cases = [
        json!({"big": huge, "rows": [{"cell": no_spaces, "n": 1e300}]}),
        json!({"controls": "a\u{0}b\u{7}c\u{1b}[31m\r\nd\te\u{7f}\u{85}\u{feff}\u{202e}f", "empty": [], "rows": []}),
        json!({"img": bomb}),
        json!({"img": "data:image/jpeg;base64,/9j/AAAA"}),
        json!({"img": 42, "rows": "not an array", "empty": {"not": "a list"}, "meta": [1, 2]}),
        json!({"rows": [1, "two", null, [3], {"cell": {"deep": true}}]}),
        json!({"meta": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}, "list": [1, {"x": 2}]}}),
        json!("not an object at all"),
        json!(null),
    ];
    for data in &cases {
        let pdf = render(&tree, data);
        for reader in readers() {
            assert_eq!(pdf.pages, reader.pages(&pdf.bytes), "{}", reader.name());
        }
    }
    // A table of 150 columns: each a sliver, none may panic.
    let columns: Vec<Value> = (0..150)
        .map(|i| json!({"path": format!("wide[].c{i}"), "type": "image"}))
        .collect();
    let wide = manifest_with(Value::Array(columns));
    let row: serde_json::Map<String, Value> = (0..150)
        .map(|i| (format!("c{i}"), json!(data_uri(&png_rgba()))))
        .collect();
    let pdf = render(&wide, &json!({"wide": [row.clone(), row]}));
    for reader in readers() {
        assert_eq!(pdf.pages, reader.pages(&pdf.bytes), "{}", reader.name());
    }

    let watermarks = ["", "   ", "名前😀", &"W".repeat(10_000)];
    for watermark in watermarks {
        let data = json!({"big": "x"});
        let pdf = render_pdf(&PdfInput {
            tree: &tree,
            data: &data,
            watermark: Some(watermark),
            assets: None,
        })
        .expect("renders");
        for reader in readers() {
            assert_eq!(pdf.pages, reader.pages(&pdf.bytes), "{}", reader.name());
        }
    }
}

#[test]
fn deep_nesting_renders() {
    // Objects 60 deep, and arrays inside array items 20 deep.
    let object_path = vec!["o"; 60].join(".");
    let array_path = format!("{}.leaf", vec!["a[]"; 20].join("."));
    let tree = manifest_with(json!([
        {"path": object_path, "type": "string", "required": true},
        {"path": array_path, "type": "string"}
    ]));
    let mut objects = json!("bottom-of-objects");
    for _ in 0..60 {
        objects = json!({"o": objects});
    }
    let mut arrays = json!([{"leaf": "bottom-of-arrays"}]);
    for _ in 0..19 {
        arrays = json!([{"a": arrays}, {"a": []}]);
    }
    let mut data = objects;
    data["a"] = arrays;
    let pdf = render(&tree, &data);
    for reader in readers() {
        let text = reader.text(&pdf.bytes);
        assert!(
            text.contains("bottom-of-objects") && text.contains("bottom-of-arrays"),
            "{}: {text}",
            reader.name()
        );
    }
}

#[test]
fn ten_thousand_rows_render_quickly() {
    let tree = manifest_with(json!([
        {"path": "rows[].name", "type": "string", "required": true},
        {"path": "rows[].status", "type": "enum", "values": ["ok", "worn"]},
        {"path": "rows[].note", "type": "text"}
    ]));
    let rows: Vec<Value> = (0..10_000)
        .map(|i| json!({"name": format!("item {i}"), "status": "ok", "note": "a note that is long enough to need some room"}))
        .collect();
    let data = json!({"rows": rows});
    let start = Instant::now();
    let pdf = render(&tree, &data);
    let elapsed = start.elapsed();
    // Generous for an unoptimised build on a loaded CI machine; release takes ~0.1 s.
    assert!(
        elapsed < Duration::from_secs(20),
        "10,000 rows took {elapsed:?}"
    );
    assert!(pdf.pages > 100);
    for reader in readers() {
        assert_eq!(pdf.pages, reader.pages(&pdf.bytes), "{}", reader.name());
    }
}

#[test]
fn more_distinct_characters_than_cids_still_render() {
    let tree = manifest_with(json!([{"path": "text", "type": "text"}]));
    let text: String = (0x4E00u32..0x4E00 + 70_000)
        .filter_map(char::from_u32)
        .collect();
    let pdf = render(&tree, &json!({"text": text}));
    for reader in readers() {
        assert_eq!(pdf.pages, reader.pages(&pdf.bytes), "{}", reader.name());
    }
}

#[test]
fn output_is_deterministic() {
    let tree = tree(CHARTER_MANIFEST);
    let data = charter_data();
    assert_eq!(render(&tree, &data), render(&tree, &data));
}

/// One-page render time, for the report (not a test):
/// `cargo test --release -- --ignored --nocapture one_page_render_time`.
#[test]
#[ignore = "a measurement, run by hand in release"]
fn one_page_render_time() {
    let tree = tree(CHARTER_MANIFEST);
    let fixture: Value = serde_json::from_str(CHARTER_DATA).expect("fixture is JSON");
    for (what, data) in [
        ("fixture as is (WinAnsi only)", fixture),
        ("with non-ASCII (font subset)", charter_data()),
    ] {
        let input = PdfInput {
            tree: &tree,
            data: &data,
            watermark: Some("TEST"),
            assets: None,
        };
        let first = render_pdf(&input).expect("renders");
        assert_eq!(first.pages, 1);
        let runs = 2_000;
        let start = Instant::now();
        for _ in 0..runs {
            std::hint::black_box(render_pdf(std::hint::black_box(&input)).expect("renders"));
        }
        let each = start.elapsed() / runs;
        println!(
            "charter-handover, 1 page, watermarked, {what}: {each:?} per PDF, {} bytes",
            first.bytes.len()
        );
    }
}

fn svg_uri(svg: &str) -> String {
    craftkit_core::value::Image::from_svg(svg)
        .expect("an SVG")
        .as_str()
        .to_owned()
}

#[test]
fn svg_signatures_are_drawn_and_hostile_svg_says_why_not() {
    let tree = manifest_with(json!([
        {"path": "sig", "type": "signature"},
        {"path": "again", "type": "signature"},
        {"path": "hostile", "type": "image"},
        {"path": "rows[].sig", "type": "signature"}
    ]));
    let signature = svg_uri(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40"><defs><linearGradient id="g"><stop offset="0" stop-color="navy"/><stop offset="1" stop-color="teal"/></linearGradient></defs><path d="M5 30 C 40 5, 60 45, 115 10" stroke="url(#g)" stroke-width="2" fill="none" opacity="0.9"/></svg>"##,
    );
    let hostile = svg_uri(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="file:///etc/passwd" width="5" height="5"/></svg>"#,
    );
    let data = json!({
        "sig": signature, "again": signature, "hostile": hostile,
        "rows": [{"sig": signature}]
    });
    let pdf = render(&tree, &data);
    assert_eq!(
        pdf,
        render(&tree, &data),
        "the same SVG gives the same bytes"
    );
    let raw = String::from_utf8_lossy(&pdf.bytes);
    // One form per distinct SVG, however often drawn: the page names it once.
    assert_eq!(raw.matches("/Sv1 ").count(), 1, "{raw}");
    assert!(!raw.contains("/Sv2"), "the hostile SVG must not be drawn");
    for reader in readers() {
        let name = reader.name();
        assert_eq!(pdf.pages, reader.pages(&pdf.bytes), "{name}");
        let text = squash(&reader.text(&pdf.bytes));
        assert!(
            text.contains("SVG image SVG: refers to an outside resource (file:///etc/passwd)"),
            "{name}: {text}"
        );
        assert!(
            !text.contains("SVG image SVG: draws"),
            "{name}: the signature is drawn: {text}"
        );
    }
}
