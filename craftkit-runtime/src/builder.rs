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
//! The states are types only: the builder keeps every value in one store of `Option`s, the
//! same type whatever the states, so that a setter moves the store and changes nothing but the
//! type (this keeps the generated code cheap to type-check). The builder's type is spelled out
//! only when a partly built builder is stored or returned: its type parameters are the
//! required fields' states in field order, so `BookingBuilder<Set<String>>` is a builder whose
//! first required field (a `String`) is set and whose others are not.

/// A required field that is not set yet: the initial state of each of a builder's type
/// parameters. It implements [`IsUnset`], not [`IsSet`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unset;

/// A required field of type `T` that is set. It implements [`IsSet`], not [`IsUnset`].
///
/// Builders use it as a type only: the value is in the builder's store, never in a `Set`.
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
    /// The field's value, from the builder's store: `.build()` calls it with the field's slot,
    /// which the setter filled when it made the state `Set`.
    ///
    /// # Panics
    ///
    /// If `slot` is `None`, which a builder used through its methods cannot reach: a state
    /// becomes `Set` only through the field's setter, which fills the slot in the same call,
    /// and nothing empties a required field's slot. Only code that builds or changes a builder
    /// through its private fields (in the module that holds the generated code) could get
    /// there; the message then names the field.
    fn value(slot: Option<T>) -> T;
}

impl<Field, T> IsSet<Field, T> for Set<T> {
    fn value(slot: Option<T>) -> T {
        match slot {
            Some(value) => value,
            None => panic!(
                "the builder's state says the required field `{}` is set, but its slot is \
                 empty: the builder was changed through its private fields",
                short_name::<Field>()
            ),
        }
    }
}

/// The last segment of a marker type's path (`code` for `booking::field::code`).
fn short_name<Field>() -> &'static str {
    let full = std::any::type_name::<Field>();
    full.rsplit("::").next().unwrap_or(full)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(non_camel_case_types, dead_code)]
    enum code {}

    #[test]
    fn a_set_state_takes_the_value_from_its_slot() {
        assert_eq!(
            <Set<String> as IsSet<code, String>>::value(Some("BK".into())),
            "BK"
        );
    }

    #[test]
    #[should_panic(expected = "required field `code` is set, but its slot is empty")]
    fn an_empty_slot_under_a_set_state_panics_naming_the_field() {
        <Set<String> as IsSet<code, String>>::value(None);
    }
}
