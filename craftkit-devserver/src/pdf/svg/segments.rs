//! How many path segments a shape becomes in usvg's tree, counted from its attributes before
//! usvg builds anything: the SVG screen's measure of what markers copy and of how much a
//! drawing expands (an elliptical arc becomes as many cubic curves as its radius asks for).
//!
//! The count follows usvg 0.45 and svgtypes 0.15: a path is read with svgtypes' path parser
//! (each command one segment, an implicit `M` after `Z` one more, an arc as many as kurbo
//! splits it into), a `<line>` is two, a `<polyline>` one per point and a `<polygon>` one more
//! for its close. Other elements have none that markers are drawn on.

use svg2pdf::usvg::roxmltree;
use svgtypes::PathSegment;

/// Segments of `node` when it is a shape markers are drawn on (`path`, `line`, `polyline`,
/// `polygon`), else 0. Saturates rather than overflows.
pub(super) fn shape_segments(node: roxmltree::Node<'_, '_>) -> u64 {
    match node.tag_name().name() {
        "path" => node.attribute("d").map_or(0, path_segments),
        "line" => 2,
        "polyline" => node.attribute("points").map_or(0, points),
        "polygon" => node
            .attribute("points")
            .map_or(0, |p| points(p).saturating_add(1)),
        _ => 0,
    }
}

fn points(text: &str) -> u64 {
    svgtypes::PointsParser::from(text).count() as u64
}

/// Segments of path data `d` as svgtypes' simplifying parser yields them, without yielding
/// them (an arc of a huge radius would be millions of curves).
fn path_segments(d: &str) -> u64 {
    // The current point, the current subpath's start, and whether the last segment closed it:
    // what svgtypes tracks to make relative commands absolute.
    let (mut x, mut y, mut start_x, mut start_y) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut closed = false;
    let mut count = 0u64;
    for segment in svgtypes::PathParser::from(d) {
        // usvg stops at the first error, keeping what came before.
        let Ok(segment) = segment else { break };
        if closed
            && !matches!(
                segment,
                PathSegment::MoveTo { .. } | PathSegment::ClosePath { .. }
            )
        {
            count = count.saturating_add(1);
        }
        let to = |abs: bool, dx: f64, dy: f64| if abs { (dx, dy) } else { (x + dx, y + dy) };
        let point = match segment {
            PathSegment::MoveTo { abs, x: dx, y: dy } => {
                let point = match (abs, closed) {
                    (true, _) => (dx, dy),
                    (false, true) => (start_x + dx, start_y + dy),
                    (false, false) => (x + dx, y + dy),
                };
                (start_x, start_y) = point;
                point
            }
            PathSegment::LineTo { abs, x: dx, y: dy }
            | PathSegment::SmoothQuadratic { abs, x: dx, y: dy }
            | PathSegment::Quadratic {
                abs, x: dx, y: dy, ..
            }
            | PathSegment::SmoothCurveTo {
                abs, x: dx, y: dy, ..
            }
            | PathSegment::CurveTo {
                abs, x: dx, y: dy, ..
            }
            | PathSegment::EllipticalArc {
                abs, x: dx, y: dy, ..
            } => to(abs, dx, dy),
            PathSegment::HorizontalLineTo { abs, x: dx } => (to(abs, dx, 0.0).0, y),
            PathSegment::VerticalLineTo { abs, y: dy } => (x, to(abs, 0.0, dy).1),
            PathSegment::ClosePath { .. } => (start_x, start_y),
        };
        let segments = match segment {
            PathSegment::EllipticalArc {
                rx,
                ry,
                x_axis_rotation,
                large_arc,
                sweep,
                ..
            } => arc_segments(&kurbo::SvgArc {
                from: kurbo::Point::new(x, y),
                to: kurbo::Point::new(point.0, point.1),
                radii: kurbo::Vec2::new(rx, ry),
                x_rotation: x_axis_rotation.to_radians(),
                large_arc,
                sweep,
            }),
            // svgtypes drops a second close in a row.
            PathSegment::ClosePath { .. } if closed => 0,
            _ => 1,
        };
        count = count.saturating_add(segments);
        // svgtypes moves on only when the command yielded something (an arc may yield none).
        if segments > 0 {
            (x, y) = point;
            closed = matches!(segment, PathSegment::ClosePath { .. });
        }
    }
    count
}

/// Cubic curves kurbo splits an SVG arc into at svgtypes' tolerance (0.1), by kurbo's own
/// formula (`Arc::append_iter`), without making them; a straight line when it is no arc.
fn arc_segments(arc: &kurbo::SvgArc) -> u64 {
    const TOLERANCE: f64 = 0.1;
    let Some(arc) = kurbo::Arc::from_svg_arc(arc) else {
        return 1;
    };
    let scaled_err = arc.radii.x.max(arc.radii.y) / TOLERANCE;
    let n_err = (1.1163 * scaled_err).powf(1.0 / 6.0).max(3.999_999);
    let n = (n_err * arc.sweep_angle.abs() * (1.0 / (2.0 * std::f64::consts::PI))).ceil();
    // What kurbo's `n as usize` makes of it: NaN is 0, past the range the largest value.
    n as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What svgtypes' simplifying parser (usvg's) really yields, for comparison.
    fn yielded(d: &str) -> u64 {
        svgtypes::SimplifyingPathParser::from(d)
            .take_while(Result::is_ok)
            .count() as u64
    }

    #[test]
    fn path_segments_match_what_usvg_reads() {
        for d in [
            "M0 0 L5 5",
            "M0 0h1h1h1 1 1",
            "m1 1 2 2 3 3z l4 4 z z m1 1",
            "M0 0 C1 1 2 2 3 3 S4 4 5 5 Q1 1 2 2 T3 3 t1 1 V9 v1 H2",
            "M0 0 A5 5 0 1 0 10 0 a3 4 30 0 1 2 2",
            "M0 0 A1e6 1e6 0 1 0 1 0",
            "M0 0 A1e15 1e15 0 1 0 1 0 Z",
            "M10 10 A0 5 0 1 0 1 0 A5 5 0 0 0 1 0",
            "M0 0 L5 5 x L6 6",
            "M0 0 A1e300 1e-300 0 1 0 1 0 A1e6 1e6 0 1 0 1 1 A2 2 0 1 1 3 1",
            "",
        ] {
            assert_eq!(path_segments(d), yielded(d), "{d}");
        }
    }
}
