//! UI components, one a file.

pub mod connect;
pub mod detail;
pub mod filters;
pub mod grid;
pub mod scrubber;
pub mod status;
pub mod tile;
