//! The main job's PDF shows both signatures: the charter hand-over payload of
//! `cargo run -p craftkit-example-render` (signed with SVG) is rendered by the local server,
//! and its page is read back twice, in pure Rust so that `cargo test --workspace` needs
//! nothing else:
//!
//! - structurally (lopdf): the page draws two vector forms (one per signature row) with the
//!   SVG's aspect ratio, and their content strokes a path;
//! - visually (hayro rasterizes the page): each signature's area has ink, where the same area
//!   of a control render (signatures that draw only white) has none, so the check can fail.
//!
//! With `CRAFTKIT_TEST_POPPLER=1` the page is also rasterized by poppler's `pdftoppm` (a
//! second renderer, written by nobody here) and the same areas are checked.

use std::process::{Command, Stdio};
use std::sync::Arc;

use craftkit_devserver::{Config, DevServer};
use craftkit_example_macro::{CharterHandover, sample_handover};
use craftkit_runtime::{Client, Signature};
use lopdf::content::Content;
use lopdf::{Document, Object};

/// What the example signs with: 120 × 40 CSS pixels.
const SIGNATURE_ASPECT: f32 = 3.0;
/// Rasterizing resolution, pixels per point.
const SCALE: f32 = 2.0;

/// Renders `payload` on a local server (as the main job does with no `CRAFTKIT_API_URL`) and
/// returns the PDF.
async fn render(payload: &CharterHandover) -> Vec<u8> {
    let cache = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.craftkit/manifests");
    let server = DevServer::start(Config {
        templates: craftkit_devserver::load_templates(cache).expect("the manifest cache loads"),
        ..Config::default()
    })
    .await
    .expect("the local server starts");
    let client = Client::builder()
        .key(&server.keys()[0])
        .base_url(server.url())
        .build()
        .expect("a client");
    let render = client
        .render(payload)
        .send()
        .await
        .expect("the render is accepted")
        .wait()
        .await
        .expect("the render succeeds");
    let pdf = client.download(&render).await.expect("the PDF downloads");
    server.stop().await;
    pdf.to_vec()
}

/// A rectangle on the page, in points from the bottom-left corner.
#[derive(Debug, Clone, Copy)]
struct Area {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

/// A form XObject the first page draws outside any translucent state (the `TEST` watermark is
/// drawn translucent), with the area the unit square maps to and its content's operators.
struct DrawnForm {
    area: Area,
    operators: Vec<String>,
}

fn number(object: &Object) -> f32 {
    match object {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        other => panic!("expected a number, found {other:?}"),
    }
}

/// `a` then `b`, as PDF concatenates matrices (`cm` pre-multiplies the current one).
fn multiply(a: [f32; 6], b: [f32; 6]) -> [f32; 6] {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

/// The opaque form XObjects page 1 draws, following `q`/`Q`/`cm`/`gs`.
fn drawn_forms(pdf: &[u8]) -> Vec<DrawnForm> {
    let doc = Document::load_mem(pdf).expect("lopdf reads the PDF");
    let page = *doc.get_pages().get(&1).expect("a first page");
    let content = Content::decode(&doc.get_page_content(page)).expect("the content stream decodes");
    let (resources, _) = doc.get_page_resources(page).expect("resources");
    let inherited = doc
        .get_dictionary(page)
        .and_then(|p| p.get(b"Parent"))
        .and_then(Object::as_reference)
        .and_then(|parent| doc.get_dictionary(parent))
        .and_then(|parent| parent.get(b"Resources"))
        .and_then(Object::as_dict)
        .ok();
    let xobjects = resources
        .or(inherited)
        .and_then(|r| r.get(b"XObject").ok())
        .and_then(|x| x.as_dict().ok())
        .expect("the page has XObjects")
        .clone();
    let mut stack = vec![([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], false)];
    let mut forms = Vec::new();
    for op in content.operations {
        let (matrix, translucent) = *stack.last().expect("a state");
        match op.operator.as_str() {
            "q" => stack.push((matrix, translucent)),
            "Q" => {
                stack.pop();
            }
            "cm" => {
                let m: Vec<f32> = op.operands.iter().map(number).collect();
                let top = stack.last_mut().expect("a state");
                top.0 = multiply([m[0], m[1], m[2], m[3], m[4], m[5]], matrix);
            }
            "gs" => stack.last_mut().expect("a state").1 = true,
            "Do" if !translucent => {
                let name = op.operands[0].as_name().expect("Do names an XObject");
                let id = xobjects
                    .get(name)
                    .and_then(Object::as_reference)
                    .expect("the XObject is a reference");
                let stream = doc
                    .get_object(id)
                    .and_then(Object::as_stream)
                    .expect("a stream");
                if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form") {
                    continue;
                }
                let bytes = stream
                    .decompressed_content()
                    .unwrap_or_else(|_| stream.content.clone());
                let operators = Content::decode(&bytes)
                    .expect("the form's content decodes")
                    .operations
                    .into_iter()
                    .map(|op| op.operator)
                    .collect();
                // The form maps its box to the unit square (its /Matrix), which `cm` places.
                let [a, _, _, d, e, f] = matrix;
                forms.push(DrawnForm {
                    area: Area {
                        x: e,
                        y: f,
                        width: a,
                        height: d,
                    },
                    operators,
                });
            }
            _ => {}
        }
    }
    forms
}

/// A page rasterized in grey: `width` × `height` pixels, 0 black to 255 white, top row first.
struct Raster {
    width: usize,
    height: usize,
    grey: Vec<u8>,
}

impl Raster {
    /// Pixels darker than mid-grey inside `area` (the watermark is far lighter than that).
    fn ink(&self, area: Area) -> usize {
        let page_height = self.height as f32 / SCALE;
        let x0 = (area.x * SCALE).floor().max(0.0) as usize;
        let x1 = (((area.x + area.width) * SCALE).ceil() as usize).min(self.width);
        let y0 = ((page_height - area.y - area.height) * SCALE)
            .floor()
            .max(0.0) as usize;
        let y1 = (((page_height - area.y) * SCALE).ceil() as usize).min(self.height);
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| self.grey[y * self.width + x] < 128)
            .count()
    }
}

/// A way to rasterize page 1 of a PDF.
type Rasterizer = fn(&[u8]) -> Raster;

/// Page 1 rasterized by hayro.
fn rasterize_hayro(pdf: &[u8]) -> Raster {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    use hayro::vello_cpu::color::palette::css::WHITE;
    use hayro::{PixmapSettings, RenderCache, RenderSettings};

    let pdf = Pdf::new(Arc::new(pdf.to_vec())).expect("hayro reads the PDF");
    let page = &pdf.pages()[0];
    let pixmap = hayro::render(
        page,
        &RenderCache::new(),
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: SCALE,
            y_scale: SCALE,
            bg_color: WHITE,
        },
    );
    let (width, height) = (usize::from(pixmap.width()), usize::from(pixmap.height()));
    let grey = pixmap
        .data()
        .iter()
        .map(|p| {
            // Premultiplied on a white background: composite, then luma.
            let white = 255 - u16::from(p.a);
            let [r, g, b] = [p.r, p.g, p.b].map(|c| u32::from(u16::from(c) + white));
            ((r * 299 + g * 587 + b * 114) / 1000).min(255) as u8
        })
        .collect();
    Raster {
        width,
        height,
        grey,
    }
}

/// The environment variable that turns on the poppler check.
const POPPLER_OPT_IN: &str = "CRAFTKIT_TEST_POPPLER";

fn poppler_opted_in() -> bool {
    match std::env::var(POPPLER_OPT_IN).as_deref() {
        Err(_) | Ok("" | "0") => false,
        Ok("1" | "true") => true,
        Ok(other) => panic!("{POPPLER_OPT_IN}={other:?}: set it to 1 (or unset it)"),
    }
}

/// Page 1 rasterized by poppler's `pdftoppm` (grey PGM on standard output).
fn rasterize_poppler(pdf: &[u8]) -> Raster {
    let dir = std::env::temp_dir().join(format!("craftkit-signatures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file = dir.join(format!("{}.pdf", pdf.len()));
    std::fs::write(&file, pdf).expect("write the PDF");
    let dpi = (SCALE * 72.0).to_string();
    let output = Command::new("pdftoppm")
        .args(["-r", &dpi, "-gray", "-f", "1", "-l", "1"])
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `pdftoppm` ({e}): {POPPLER_OPT_IN} is set, so the signatures are also checked with poppler; install it with `apt-get install -y poppler-utils`, or unset {POPPLER_OPT_IN}")
        });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(output.status.success(), "pdftoppm failed");
    let pgm = output.stdout;
    // "P5\n<w> <h>\n255\n", then one byte per pixel.
    let header: Vec<&[u8]> = pgm.splitn(4, |&b| b == b'\n').collect();
    let size = std::str::from_utf8(header[1]).expect("a PGM size");
    let (width, height) = size.split_once(' ').expect("width and height");
    Raster {
        width: width.parse().expect("a width"),
        height: height.parse().expect("a height"),
        grey: header[3].to_vec(),
    }
}

/// The signature forms of a rendered PDF: one per signature row, in page order.
fn signature_forms(pdf: &[u8]) -> Vec<DrawnForm> {
    let forms = drawn_forms(pdf);
    assert_eq!(
        forms.len(),
        2,
        "two signature forms (captain, charterer) expected on page 1, found {}",
        forms.len()
    );
    forms
}

#[tokio::test]
async fn the_main_jobs_pdf_shows_both_signatures() {
    let signed = render(&sample_handover().expect("the sample payload")).await;
    let mut control = sample_handover().expect("the sample payload");
    // Same size, draws only white: the forms are there, but nothing would show.
    let blank = Signature::from_svg(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="white"/></svg>"#,
    )
    .expect("an SVG signature");
    control.signatures.captain = blank.clone();
    control.signatures.charterer = blank;
    let control = render(&control).await;

    let forms = signature_forms(&signed);
    for form in &forms {
        let aspect = form.area.width / form.area.height;
        assert!(
            (aspect - SIGNATURE_ASPECT).abs() < 0.01,
            "the signature keeps its 3:1 shape, drawn {:?}",
            form.area
        );
        let ops = &form.operators;
        assert!(
            ops.iter().any(|o| o == "m") && ops.iter().any(|o| o == "c"),
            "the signature is a path with a curve: {ops:?}"
        );
        assert!(
            ops.iter().any(|o| o == "S"),
            "the signature's path is stroked: {ops:?}"
        );
    }
    assert!(
        forms[0].area.y > forms[1].area.y + forms[1].area.height,
        "the captain's signature is above the charterer's: {:?} {:?}",
        forms[0].area,
        forms[1].area
    );
    let control_forms = signature_forms(&control);

    let mut rasterizers: Vec<(&str, Rasterizer)> = vec![("hayro", rasterize_hayro)];
    if poppler_opted_in() {
        rasterizers.push(("poppler", rasterize_poppler));
    }
    for (name, rasterize) in rasterizers {
        let (page, control_page) = (rasterize(&signed), rasterize(&control));
        for (form, control_form) in forms.iter().zip(&control_forms) {
            let area = form.area;
            let pixels = (area.width * area.height * SCALE * SCALE) as usize;
            let ink = page.ink(area);
            // A 1-pt stroke across the box: well over a hundredth of its pixels.
            assert!(
                ink * 100 > pixels,
                "{name}: the signature at {area:?} is blank ({ink} dark pixels of {pixels})"
            );
            assert_eq!(
                control_page.ink(control_form.area),
                0,
                "{name}: the control's white signature at {:?} has ink",
                control_form.area
            );
        }
    }
}
