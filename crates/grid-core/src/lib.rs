//! Pure grid geometry for a virtualised photo grid that stays smooth at a
//! million assets: justified and square layout, day groups and month
//! sections, estimated heights, the visible window, anchoring across
//! relayouts, capped scroll mapping, the scrubber and keyboard navigation.
//!
//! # Model
//!
//! * Input: one aspect ratio per tile (`width / height`) in display order and,
//!   optionally, one day key per tile (days since 1970-01-01 of the asset's
//!   local date). Runs of equal days are **groups**; runs of equal
//!   (year, month) are **sections**.
//! * Each group is a block: `[month header if it starts a section] + day header
//!   + rows + group_gap`. A group that is not laid out has an **estimated**
//!   height, so the total height is known immediately; [`Grid::group`]
//!   exposes `top`, `content_top`, etc.
//! * Group tops are a prefix sum (`f64`), recomputed from the first changed
//!   group when real heights replace estimates.
//! * Rows are stored flat (first tile, y relative to the group's content top,
//!   height). Tiles store only their aspect ratio: a tile's width is its
//!   clamped aspect times its row height and its x the running sum of the
//!   widths before it, so layout touches each tile once and geometry costs
//!   ~9 bytes per tile. [`Grid::tile_rect`], [`Grid::visible_tiles`] and
//!   [`Grid::write_rects`] give x/y/w/h.
//! * All lookups (group at y, row at y, group of a tile, row of a tile) are
//!   binary searches.
//!
//! No I/O, no allocation per tile, no clocks; compiles for wasm32.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod civil;
mod config;
mod grid;
mod layout;
mod nav;
mod scroll;
mod scrubber;

pub use civil::{civil_from_days, year_month_of_day, YearMonth};
pub use config::{sanitize_aspect, LayoutConfig, LayoutMode};
pub use grid::{Anchor, Grid, GroupInfo, TileRect, VisibleTiles, Window};
pub use layout::{justified_rects, justified_rects_into};
pub use nav::NavKey;
pub use scroll::{ScrollMap, ScrollSync, DEFAULT_MAX_DOM_HEIGHT};
pub use scrubber::ScrubberMark;

/// Estimated content height of a group of `count` tiles whose aspect ratios
/// have mean `mean_aspect` and standard deviation `aspect_std_dev`, under
/// `cfg` (exact for uniform aspects, i.e. `aspect_std_dev == 0`). For callers
/// that know only per-day counts (e.g. timeline buckets) before any asset;
/// pass a typical spread such as 0.35 when unknown.
pub fn estimate_group_height(
    cfg: &LayoutConfig,
    count: u32,
    mean_aspect: f32,
    aspect_std_dev: f32,
) -> f32 {
    layout::estimate_height(
        &config::Params::new(cfg),
        count,
        mean_aspect,
        aspect_std_dev,
    )
}

/// Maps the scroll top of an old geometry to the scroll top of a new one
/// (after a rebuild with inserted/removed tiles or new settings) so the tile
/// at the top of the view stays at the same offset from the viewport top.
///
/// `map_tile` translates an old tile index to its new index (identity when
/// only the width changed; `+k` for tiles after `k` inserted ones; `None` if
/// the tile disappeared, in which case the old scroll top is kept, clamped).
pub fn relayout_scroll_top(
    old: &Grid,
    old_scroll_top: f64,
    new: &mut Grid,
    map_tile: impl FnOnce(u32) -> Option<u32>,
    viewport_h: f64,
) -> f64 {
    let clamped = old_scroll_top.clamp(0.0, new.max_scroll_top(viewport_h));
    let Some(anchor) = old.anchor_at(old_scroll_top) else {
        return clamped;
    };
    match map_tile(anchor.tile) {
        Some(tile) => new.scroll_top_for_anchor(
            Anchor {
                tile,
                offset: anchor.offset,
            },
            viewport_h,
        ),
        None => clamped,
    }
}
