//! Exact comparison of JSON numbers, so bounds like `9007199254740993` are not rounded.

use std::cmp::Ordering;

use serde_json::Number;

/// Compares two JSON numbers by value, exactly: integers as integers, and an integer against a
/// float without rounding the integer to `f64` first.
///
/// Returns `None` only when a float is NaN, which `serde_json` never produces.
pub fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (as_i128(a), as_i128(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) => compare_int_float(x, b.as_f64()?),
        (None, Some(y)) => compare_int_float(y, a.as_f64()?).map(Ordering::reverse),
        (None, None) => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn as_i128(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// `int` against `float`, exactly: the float's whole part is an integer that `i128` holds
/// exactly whenever it is in range, and the fractional part breaks a tie.
fn compare_int_float(int: i128, float: f64) -> Option<Ordering> {
    const LIMIT: f64 = 1.7e38; // inside i128's range (about ±1.7014e38)
    if float.is_nan() {
        return None;
    }
    if float >= LIMIT {
        return Some(Ordering::Less);
    }
    if float <= -LIMIT {
        return Some(Ordering::Greater);
    }
    let whole = float.trunc();
    #[allow(clippy::cast_possible_truncation)] // `whole` is integral and within i128's range
    let whole_int = whole as i128;
    Some(int.cmp(&whole_int).then_with(|| {
        0.0_f64
            .partial_cmp(&(float - whole))
            .unwrap_or(Ordering::Equal)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn integers_compare_exactly_beyond_f64_precision() {
        assert_eq!(
            compare_numbers(&n("9007199254740993"), &n("9007199254740992")),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_numbers(&n("-5"), &n("18446744073709551615")),
            Some(Ordering::Less)
        );
    }

    #[test]
    fn an_integer_and_a_float_compare_without_rounding_the_integer() {
        assert_eq!(
            compare_numbers(&n("9007199254740993"), &n("9007199254740992.0")),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_numbers(&n("9007199254740992.0"), &n("9007199254740993")),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare_numbers(&n("18446744073709551615"), &n("1.8446744073709552e19")),
            Some(Ordering::Less)
        );
        assert_eq!(compare_numbers(&n("-3"), &n("-2.5")), Some(Ordering::Less));
        assert_eq!(compare_numbers(&n("2"), &n("1e300")), Some(Ordering::Less));
    }

    #[test]
    fn mixed_integers_and_floats_compare_by_value() {
        assert_eq!(compare_numbers(&n("5"), &n("5.0")), Some(Ordering::Equal));
        assert_eq!(compare_numbers(&n("1.5"), &n("2")), Some(Ordering::Less));
    }
}
