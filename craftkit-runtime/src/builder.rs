//! The states of generated builders.
//!
//! Every generated struct has a builder: `Booking::builder()`, one setter per field named as
//! the field, and `.build()`, which returns the struct itself. The compiler tracks which
//! required fields are set: each one is a type parameter of the builder, [`Unset`] until its
//! setter is called and [`Set`] after, so
//!
//! - `.build()` with a required field left unset does not compile, and the error names the
//!   field: ``missing required field `code` ``;
//! - a required field's setter can be called once: calling it again does not compile
//!   (``the field `code` is already set``);
//! - an optional field `x` has `.x(value)` and `.maybe_x(Option<T>)`; the last call wins, so
//!   `.maybe_x(None)` clears it.
//!
//! ```ignore
//! let booking = charter_handover::Booking::builder()
//!     .code("BK-2931")
//!     .embarkation(embarkation)
//!     .disembarkation(disembarkation)
//!     .maybe_base(base)            // Option<String>
//!     .build();                    // a Booking, not a Result
//! ```
//!
//! Adding an optional variable to a template adds a setter and changes no existing call, so
//! code written with builders keeps compiling across every change the compatibility check
//! calls compatible. Struct literals keep working too (the fields are `pub`); they are the
//! form that breaks when a field is added.
//!
//! The builder's type is spelled out only when a partly built builder is stored or returned:
//! `BookingBuilder<Set<String>>` is a builder whose first required field is set.

/// A required field that is not set yet: the initial state of each of a builder's type
/// parameters. It implements [`IsUnset`], not [`IsSet`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unset;

/// A required field that is set, holding its value. It implements [`IsSet`], not [`IsUnset`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Set<T>(pub T);

/// The bound of `.build()` on each required field: implemented by [`Set`] only. `Field` is a
/// marker type named after the field, so that the compiler's error names it.
#[diagnostic::on_unimplemented(
    message = "missing required field `{Field}`",
    label = "`{Field}` is not set",
    note = "call `.{Field}(...)` on the builder before `.build()`"
)]
pub trait IsSet<Field, T> {
    /// The field's value.
    fn into_value(self) -> T;
}

impl<Field, T> IsSet<Field, T> for Set<T> {
    fn into_value(self) -> T {
        self.0
    }
}

/// The bound of a required field's setter: implemented by [`Unset`] only, so that a required
/// field is set exactly once.
#[diagnostic::on_unimplemented(
    message = "the field `{Field}` is already set",
    label = "`{Field}` was set before",
    note = "a required field's setter can be called once on a builder"
)]
pub trait IsUnset<Field> {}

impl<Field> IsUnset<Field> for Unset {}

/// What a builder's setter of a list of strings (a `Vec<String>` field) takes: an array or a
/// slice of anything that converts into a `String`, or the `Vec<String>` itself.
///
/// ```ignore
/// let handover = Handover::builder()
///     .crew(["Marko", "Iva"])                  // [&str; N]
///     .tags(vec!["a".to_owned()])               // Vec<String>, also `vec![]` and `Vec::new()`
///     .notes(&lines[..])                        // &[String] or &[&str]
///     .build();
/// ```
///
/// Not `impl IntoIterator<Item = impl Into<String>>`: with that, an empty `vec![]` or
/// `Vec::new()` has no item type to infer and stops compiling, while code written when these
/// setters took `impl Into<Vec<String>>` passes them. This trait is implemented for exactly one
/// `Vec` (`Vec<String>`), so they still infer, and for every other type `Into<Vec<String>>` took
/// (arrays, slices, `Box<[String]>`, `VecDeque`, `BinaryHeap`, `Cow<[String]>`), arrays and
/// slices now of `&str` too. An iterator is `.collect::<Vec<String>>()`ed first, and an empty
/// array written `[]` needs its type (`[] as [&str; 0]`, or `Vec::new()`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of strings this setter takes",
    label = "expected an array or slice of `&str` or `String`, or a `Vec<String>`",
    note = "collect an iterator first: `.collect::<Vec<String>>()`; a `Vec<&str>` has no \
            conversion, an array `[\"a\", \"b\"]` has"
)]
pub trait IntoStrings {
    /// The strings, in order.
    fn into_strings(self) -> Vec<String>;
}

impl IntoStrings for Vec<String> {
    fn into_strings(self) -> Vec<String> {
        self
    }
}

impl<S: Into<String>, const N: usize> IntoStrings for [S; N] {
    fn into_strings(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: Clone + Into<String>, const N: usize> IntoStrings for &[S; N] {
    fn into_strings(self) -> Vec<String> {
        self.as_slice().into_strings()
    }
}

impl<S: Clone + Into<String>, const N: usize> IntoStrings for &mut [S; N] {
    fn into_strings(self) -> Vec<String> {
        self.as_slice().into_strings()
    }
}

impl<S: Clone + Into<String>> IntoStrings for &[S] {
    fn into_strings(self) -> Vec<String> {
        self.iter().cloned().map(Into::into).collect()
    }
}

impl<S: Clone + Into<String>> IntoStrings for &mut [S] {
    fn into_strings(self) -> Vec<String> {
        (&*self).into_strings()
    }
}

impl<S: Clone + Into<String>> IntoStrings for &Vec<S> {
    fn into_strings(self) -> Vec<String> {
        self.as_slice().into_strings()
    }
}

impl IntoStrings for Box<[String]> {
    fn into_strings(self) -> Vec<String> {
        self.into_vec()
    }
}

impl IntoStrings for std::collections::VecDeque<String> {
    fn into_strings(self) -> Vec<String> {
        self.into()
    }
}

impl IntoStrings for std::collections::BinaryHeap<String> {
    fn into_strings(self) -> Vec<String> {
        self.into()
    }
}

impl IntoStrings for std::borrow::Cow<'_, [String]> {
    fn into_strings(self) -> Vec<String> {
        self.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::{BinaryHeap, VecDeque};

    use super::IntoStrings;

    fn strings(list: impl IntoStrings) -> Vec<String> {
        list.into_strings()
    }

    /// Every argument `impl Into<Vec<String>>` took still compiles, the empty ones included
    /// (their type is inferred), and arrays and slices of `&str` compile now.
    #[test]
    #[allow(clippy::needless_borrows_for_generic_args)] // the impls for references are tested
    fn what_into_vec_took_and_arrays_of_str() {
        let ab = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(strings(ab.clone()), ab);
        assert_eq!(strings(vec![]), Vec::<String>::new());
        assert_eq!(strings(Vec::new()), Vec::<String>::new());
        assert_eq!(strings(["a".to_owned(), "b".to_owned()]), ab);
        assert_eq!(strings(["a", "b"]), ab);
        assert_eq!(strings(&["a", "b"]), ab);
        assert_eq!(strings(&mut ["a", "b"]), ab);
        assert_eq!(strings(&ab[..]), ab);
        assert_eq!(strings(&mut ab.clone()[..]), ab);
        assert_eq!(strings(&ab), ab);
        assert_eq!(strings(ab.clone().into_boxed_slice()), ab);
        assert_eq!(strings(VecDeque::from(ab.clone())), ab);
        assert_eq!(strings(BinaryHeap::from(ab.clone())).len(), 2);
        assert_eq!(strings(Cow::Borrowed(&ab[..])), ab);
    }
}
