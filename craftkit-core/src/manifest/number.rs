//! Exact comparison of JSON numbers, so bounds like `9007199254740993` are not rounded.

use std::cmp::Ordering;

use serde_json::Number;

/// Compares two JSON numbers by value: exactly when both are integers, as `f64` otherwise.
///
/// Returns `None` only when a float is NaN, which `serde_json` never produces.
pub fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (as_i128(a), as_i128(b)) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn as_i128(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
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
    fn mixed_integers_and_floats_compare_by_value() {
        assert_eq!(compare_numbers(&n("5"), &n("5.0")), Some(Ordering::Equal));
        assert_eq!(compare_numbers(&n("1.5"), &n("2")), Some(Ordering::Less));
    }
}
