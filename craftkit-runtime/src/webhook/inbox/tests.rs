//! Unit tests of the shared pieces.
