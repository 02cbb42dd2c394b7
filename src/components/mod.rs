//! UI components, one a file.

pub mod connect;
pub mod filters;
pub mod grid;
pub mod info;
pub mod lazy;
pub mod scrubber;
pub mod status;
pub mod tile;
pub mod viewer;
