//! "Did you mean": the closest of some names to a name that matched none of them. The
//! generator suggests a template's slug or an override's path with it, and a generated enum's
//! `FromStr` one of its values.
//!
//! `strsim`'s optimal string alignment distance (a transposition counts as one edit, so
//! `handvoer` is one edit from `handover`): a small, well-kept crate that clap and cynic use
//! for the same purpose, rather than an edit distance written here.

/// The candidate closest to `wanted`, when it is close enough to be a typo of it: at most one
/// edit in three characters (and at least one edit allowed), ties broken by name. `wanted`
/// itself is never a suggestion.
///
/// ```
/// use craftkit_core::suggest::closest;
///
/// assert_eq!(closest("invoce", ["invoice", "receipt"]), Some("invoice"));
/// assert_eq!(closest("order", ["invoice", "receipt"]), None);
/// ```
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|candidate| *candidate != wanted)
        .map(|candidate| (strsim::osa_distance(wanted, candidate), candidate))
        .filter(|&(distance, candidate)| {
            let longest = wanted.chars().count().max(candidate.chars().count());
            distance <= (longest / 3).max(1)
        })
        .min_by(|a, b| a.cmp(b))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn a_typo_finds_its_name_and_a_stranger_finds_none() {
        let names = ["charter-handover", "invoice", "lease-form"];
        assert_eq!(closest("charter-handvoer", names), Some("charter-handover"));
        assert_eq!(closest("invoce", names), Some("invoice"));
        assert_eq!(closest("lease-from", names), Some("lease-form"));
        assert_eq!(closest("receipt", names), None);
        assert_eq!(
            closest("invoice", names),
            None,
            "an exact name is not a suggestion"
        );
        assert_eq!(
            closest("x", ["y", "z"]),
            Some("y"),
            "ties go to the first by name"
        );
        assert_eq!(closest("anything", []), None);
    }
}
