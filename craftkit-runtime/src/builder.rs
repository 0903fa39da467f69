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
