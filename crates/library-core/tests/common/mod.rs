//! Shared test helpers.
pub mod gen;
