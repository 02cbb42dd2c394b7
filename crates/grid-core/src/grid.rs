//! The whole library's geometry: day groups stacked with headers, month
//! sections, estimated heights until a group is laid out, and the prefix sum
//! of group tops that turns a scroll position into a group in O(log groups).

use std::ops::Range;

use crate::{
    civil::{year_month_of_day, YearMonth},
    config::{sanitize_aspect, LayoutConfig, Params},
    layout::{estimate_height, layout_group, Rows},
};

/// Marks a group whose rows are not in the arena yet (its height is an estimate).
const NOT_LAID_OUT: u32 = u32::MAX;

/// Position and size of one tile. `y` is absolute (from the top of the whole
/// grid, in real content pixels); `x` is from the left of the grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileRect {
    /// Index of the tile in display order (the index into the caller's arrays).
    pub index: u32,
    /// Left edge.
    pub x: f32,
    /// Top edge, absolute.
    pub y: f64,
    /// Width.
    pub w: f32,
    /// Height (the row's height).
    pub h: f32,
}

/// Where a group and its headers sit.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupInfo {
    /// Index of the group.
    pub group: u32,
    /// Its tiles, global indices.
    pub tiles: Range<u32>,
    /// Day key (days since 1970-01-01) shared by its tiles; 0 when ungrouped.
    pub day: i32,
    /// Top of the group's block (the month header if it starts a month, else the day header).
    /// Day groups flowing side by side on one line share it.
    pub top: f64,
    /// Left edge of the group (its day header and first tile): 0 unless the
    /// group flows on a line after other days.
    pub x: f32,
    /// Width of the group's day header: its row's width when it flows beside
    /// other days (the last day of a line: up to the right edge), else the
    /// container width. Month headers are full width.
    pub width: f32,
    /// `Some(month)` when this group is the first of a month section: render the
    /// month header at `top`.
    pub month_header: Option<YearMonth>,
    /// Top of the day header.
    pub day_header_top: f64,
    /// Top of the first row of tiles.
    pub content_top: f64,
    /// Height of the rows (real once laid out, else estimated).
    pub content_height: f64,
    /// Whether `content_height` is real.
    pub laid_out: bool,
}

/// The band of the grid to render for a scroll position, from [`Grid::window`].
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Top of the band (scroll top minus overscan, at least 0), real pixels.
    pub top: f64,
    /// Bottom of the band (scroll top + viewport + overscan), real pixels.
    pub bottom: f64,
    /// Groups whose block (headers + rows) intersects the band: render their headers.
    pub groups: Range<u32>,
    /// Tiles of laid-out rows intersecting the band; contiguous because tiles
    /// are in display order. Empty when nothing is laid out there.
    pub tiles: Range<u32>,
    /// False when a group in the band is not laid out yet (call
    /// [`Grid::layout_window`] first); its tiles are then missing from `tiles`.
    pub complete: bool,
}

/// A tile and its distance from the viewport top, captured before a relayout
/// so the view can be restored after it (see [`Grid::anchor_at`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    /// Tile index in display order.
    pub tile: u32,
    /// `tile top - scroll top` in real pixels (negative when the tile's row
    /// is partly scrolled out above the viewport).
    pub offset: f64,
}

/// Geometry of a whole library. See the crate docs for the model.
///
/// Memory: per tile one `f32` (the sanitised aspect ratio); per row 12 bytes;
/// per group ~40 bytes. Positions are derived on demand.
#[derive(Clone, Debug)]
pub struct Grid {
    pub(crate) cfg: LayoutConfig,
    pub(crate) p: Params,
    /// False when built without day keys: one group, no headers, no sections.
    pub(crate) grouped: bool,
    /// Sanitised (not clamped: the clamp depends on the width) aspect per tile.
    pub(crate) aspects: Vec<f32>,
    /// Group g holds tiles `group_start[g]..group_start[g + 1]` (len groups + 1).
    pub(crate) group_start: Vec<u32>,
    pub(crate) group_day: Vec<i32>,
    /// Sum of aspects clamped to the config bounds, for estimates.
    pub(crate) group_aspect_sum: Vec<f32>,
    /// Sum of squares of the same, for the spread of the group's aspects.
    pub(crate) group_aspect_sq: Vec<f32>,
    /// First group of a month section (gets a month header).
    pub(crate) group_month_start: Vec<bool>,
    /// Arena index of the group's first row, or `NOT_LAID_OUT`.
    pub(crate) group_row_start: Vec<u32>,
    pub(crate) group_row_count: Vec<u32>,
    /// Real or estimated content height.
    pub(crate) group_content_h: Vec<f32>,
    /// Line of each group. A line is one group, or several small day groups
    /// of one month side by side (see [`LayoutConfig::flow_days`]).
    pub(crate) group_line: Vec<u32>,
    /// Left edge of each group on its line.
    pub(crate) group_x: Vec<f32>,
    /// Width of each group's header (its row when flowed, else the container).
    pub(crate) group_w: Vec<f32>,
    /// Whether the group is a flowed one-row group (its height is its line's).
    pub(crate) group_flowed: Vec<bool>,
    /// Line l holds groups `line_start[l]..line_start[l + 1]` (len lines + 1).
    pub(crate) line_start: Vec<u32>,
    /// Prefix sum of line block heights: top of line l (len lines + 1; last =
    /// total height).
    pub(crate) line_top: Vec<f64>,
    /// Section s holds groups `section_first_group[s]..section_first_group[s + 1]`.
    pub(crate) section_first_group: Vec<u32>,
    pub(crate) section_month: Vec<YearMonth>,
    pub(crate) rows: Rows,
    /// Rows in the arena no group points at any more (left by `append`).
    pub(crate) dead_rows: usize,
}

impl Grid {
    /// Builds the geometry of `aspects` (width / height per tile, display
    /// order; 0, NaN and infinities count as 1.0) grouped by `days` (days since
    /// 1970-01-01 of each tile's local date; equal neighbours form a group).
    ///
    /// An empty `days` means ungrouped: one group, no headers, no sections.
    /// If `days` is shorter than `aspects`, the remaining tiles join the last day.
    /// Nothing is laid out yet: every group has an estimated height, so
    /// [`Grid::total_height`] is already meaningful. O(tiles).
    pub fn new(cfg: LayoutConfig, aspects: &[f32], days: &[i32]) -> Self {
        let mut grid = Self {
            cfg,
            p: Params::new(&cfg),
            grouped: !days.is_empty(),
            aspects: Vec::new(),
            group_start: vec![0],
            group_day: Vec::new(),
            group_aspect_sum: Vec::new(),
            group_aspect_sq: Vec::new(),
            group_month_start: Vec::new(),
            group_row_start: Vec::new(),
            group_row_count: Vec::new(),
            group_content_h: Vec::new(),
            group_line: Vec::new(),
            group_x: Vec::new(),
            group_w: Vec::new(),
            group_flowed: Vec::new(),
            line_start: vec![0],
            line_top: vec![0.0],
            section_first_group: vec![0],
            section_month: Vec::new(),
            rows: Rows::default(),
            dead_rows: 0,
        };
        grid.append(aspects, days);
        grid
    }

    /// Appends tiles (a page of data arrived). If the first new tile has the
    /// last group's day, that group grows and goes back to an estimate.
    /// A grid that is still empty takes its grouping from this call (empty
    /// `days` = ungrouped). Existing tile indices are unchanged; use [`Grid::anchor_at`] before and
    /// [`Grid::scroll_top_for_anchor`] after to keep the view still.
    /// O(new tiles + groups). `days` is ignored for an ungrouped grid.
    pub fn append(&mut self, aspects: &[f32], days: &[i32]) {
        if aspects.is_empty() {
            return;
        }
        let old_n = self.aspects.len();
        if old_n == 0 {
            // A grid created empty decides grouping with its first page.
            self.grouped = !days.is_empty();
        }
        let old_groups = self.group_day.len();
        self.aspects
            .extend(aspects.iter().map(|&a| sanitize_aspect(a)));
        // Drop the end sentinel; it is pushed back below.
        self.group_start.pop();
        let mut cur_day = self.group_day.last().copied();
        let mut first_changed = old_groups;
        for (j, _) in aspects.iter().enumerate() {
            let day = if self.grouped {
                days.get(j).copied().or(cur_day).unwrap_or(0)
            } else {
                0
            };
            if cur_day == Some(day) {
                if j == 0 {
                    // The previous last group continues: it must be laid out again.
                    first_changed = old_groups - 1;
                }
                continue;
            }
            cur_day = Some(day);
            self.group_start.push((old_n + j) as u32);
            self.group_day.push(day);
        }
        self.group_start.push(self.aspects.len() as u32);
        let groups = self.group_day.len();
        self.group_aspect_sum.resize(groups, 0.0);
        self.group_aspect_sq.resize(groups, 0.0);
        self.group_month_start.resize(groups, false);
        self.group_row_start.resize(groups, NOT_LAID_OUT);
        self.group_row_count.resize(groups, 0);
        self.group_content_h.resize(groups, 0.0);
        self.group_line.resize(groups, 0);
        self.group_x.resize(groups, 0.0);
        self.group_w.resize(groups, 0.0);
        self.group_flowed.resize(groups, false);
        for g in first_changed..groups {
            self.forget_layout(g);
        }
        self.recompute_sums(first_changed..groups);
        self.rebuild_sections();
        self.recompute_estimates(first_changed..groups);
        // The line before the first new group may take new days beside it.
        let l = self.rebuild_lines_from(first_changed.saturating_sub(1));
        self.recompute_tops_from_line(l);
    }

    /// The current configuration.
    pub fn config(&self) -> &LayoutConfig {
        &self.cfg
    }

    /// Replaces the configuration (width, target height, mode, headers ...).
    /// All layout is dropped and every group goes back to an estimate; lay out
    /// again lazily or with [`Grid::layout_all`]. To keep the view in place use
    /// [`Grid::set_config_anchored`].
    pub fn set_config(&mut self, cfg: LayoutConfig) {
        let bounds_changed =
            cfg.min_aspect != self.cfg.min_aspect || cfg.max_aspect != self.cfg.max_aspect;
        self.cfg = cfg;
        self.p = Params::new(&cfg);
        self.rows.clear();
        self.dead_rows = 0;
        let groups = self.group_count() as usize;
        self.group_row_start.fill(NOT_LAID_OUT);
        self.group_row_count.fill(0);
        if bounds_changed {
            self.recompute_sums(0..groups);
        }
        self.recompute_estimates(0..groups);
        self.rebuild_lines_from(0);
        self.recompute_tops_from_line(0);
    }

    /// [`Grid::set_config`] keeping the tile at the top of the view where it
    /// was; returns the new scroll top. Lays out the anchor's group.
    pub fn set_config_anchored(
        &mut self,
        cfg: LayoutConfig,
        scroll_top: f64,
        viewport_h: f64,
    ) -> f64 {
        let anchor = self.anchor_at(scroll_top);
        self.set_config(cfg);
        match anchor {
            Some(a) => self.scroll_top_for_anchor(a, viewport_h),
            None => 0.0,
        }
    }

    /// Changes only the width (a resize), keeping the view anchored; returns
    /// the new scroll top.
    pub fn set_width_anchored(&mut self, width: f32, scroll_top: f64, viewport_h: f64) -> f64 {
        let cfg = LayoutConfig { width, ..self.cfg };
        self.set_config_anchored(cfg, scroll_top, viewport_h)
    }

    /// Number of tiles.
    pub fn len(&self) -> u32 {
        self.aspects.len() as u32
    }

    /// True when there are no tiles.
    pub fn is_empty(&self) -> bool {
        self.aspects.is_empty()
    }

    /// Number of day groups (1 for a non-empty ungrouped grid).
    pub fn group_count(&self) -> u32 {
        self.group_day.len() as u32
    }

    /// Number of month sections (0 when ungrouped).
    pub fn section_count(&self) -> u32 {
        self.section_month.len() as u32
    }

    /// Height of the whole grid in real pixels (estimates included).
    pub fn total_height(&self) -> f64 {
        self.line_top.last().copied().unwrap_or(0.0)
    }

    /// Largest useful scroll top for a viewport of `viewport_h`.
    pub fn max_scroll_top(&self, viewport_h: f64) -> f64 {
        (self.total_height() - viewport_h).max(0.0)
    }

    /// Whether group `g` has real rows.
    pub fn is_laid_out(&self, g: u32) -> bool {
        self.group_row_start
            .get(g as usize)
            .is_some_and(|&s| s != NOT_LAID_OUT)
    }

    /// Number of groups laid out so far.
    pub fn laid_out_count(&self) -> u32 {
        self.group_row_start
            .iter()
            .filter(|&&s| s != NOT_LAID_OUT)
            .count() as u32
    }

    /// Lays out every group that is not laid out yet. O(tiles).
    pub fn layout_all(&mut self) {
        let groups = self.group_count();
        self.layout_groups(0..groups);
    }

    /// Lays out the groups of `range` that are not laid out yet and updates the
    /// prefix sum once. Out-of-range indices are ignored.
    pub fn layout_groups(&mut self, range: Range<u32>) {
        let end = range.end.min(self.group_count()) as usize;
        let mut first_changed = None;
        for g in (range.start as usize)..end {
            if self.group_row_start[g] == NOT_LAID_OUT {
                self.layout_one(g);
                first_changed.get_or_insert(g);
            }
        }
        if let Some(g) = first_changed {
            self.recompute_tops_from_line(self.group_line[g] as usize);
        }
    }

    /// Lays out every group intersecting the band around the viewport,
    /// repeating while real heights pull more groups into the band, and
    /// returns the scroll top that keeps the tile at the top of the view in
    /// place (equal to `scroll_top` unless a group above it changed height).
    /// Call before [`Grid::window`] on every scroll or resize.
    pub fn layout_window(&mut self, scroll_top: f64, viewport_h: f64, overscan: f64) -> f64 {
        let anchor = self.anchor_at(scroll_top);
        let mut top = scroll_top;
        // Each pass lays out at least one group, so this terminates; the cap
        // only guards against pathological configs.
        for _ in 0..self.group_count().max(1) {
            let w = self.window(top, viewport_h, overscan);
            if w.complete {
                break;
            }
            self.layout_groups(w.groups.clone());
            if let Some(a) = anchor {
                if let Some(t) = self.tile_top(a.tile) {
                    top = (t - a.offset).clamp(0.0, self.max_scroll_top(viewport_h));
                }
            }
        }
        top
    }

    /// Geometry of group `g`, or `None` if out of range.
    pub fn group(&self, g: u32) -> Option<GroupInfo> {
        let gi = g as usize;
        if gi >= self.group_day.len() {
            return None;
        }
        let line = self.group_line[gi] as usize;
        let top = self.line_top[line];
        let month_header = self.group_month_start[gi]
            .then(|| self.section_month[self.section_of_group(g) as usize]);
        // Only a line's first group can start a month; the days beside it
        // sit under its month header too.
        let first = self.line_start[line] as usize;
        let day_header_top = top
            + if self.grouped && self.group_month_start[first] {
                self.p.month_header
            } else {
                0.0
            };
        Some(GroupInfo {
            group: g,
            tiles: self.group_start[gi]..self.group_start[gi + 1],
            day: self.group_day[gi],
            top,
            x: self.group_x[gi],
            width: self.group_w[gi],
            month_header,
            day_header_top,
            content_top: self.content_top(gi),
            content_height: f64::from(self.group_content_h[gi]),
            laid_out: self.is_laid_out(g),
        })
    }

    /// The group holding tile `i` (clamped to the last group). O(log groups).
    pub fn group_of_tile(&self, i: u32) -> u32 {
        let g = self.group_start[1..].partition_point(|&end| end <= i);
        (g as u32).min(self.group_count().saturating_sub(1))
    }

    /// The group whose block contains real position `y` (clamped to the first /
    /// last group); for a line of days side by side, its first (leftmost)
    /// group. O(log groups).
    pub fn group_at_y(&self, y: f64) -> u32 {
        if self.group_day.is_empty() {
            return 0;
        }
        self.line_start[self.line_at_y(y)]
    }

    /// The line whose block contains real position `y` (clamped). O(log lines).
    pub(crate) fn line_at_y(&self, y: f64) -> usize {
        let lines = self.line_count();
        let l = self.line_top[1..].partition_point(|&bottom| bottom <= y);
        l.min(lines.saturating_sub(1))
    }

    /// Number of lines (groups, or days side by side).
    pub(crate) fn line_count(&self) -> usize {
        self.line_start.len() - 1
    }

    /// Position of tile `i`, or `None` if out of range or its group is not laid out.
    /// O(log groups + log rows + tiles in its row).
    pub fn tile_rect(&self, i: u32) -> Option<TileRect> {
        if i >= self.len() {
            return None;
        }
        let g = self.group_of_tile(i) as usize;
        let r = self.row_of_tile(g, i)?;
        let h = self.rows.h[r];
        let first = self.rows.first[r];
        let mut x = self.group_x[g];
        for j in first..i {
            x += self.p.tile_width(self.aspects[j as usize], h) + self.p.gap;
        }
        Some(TileRect {
            index: i,
            x,
            y: self.content_top(g) + f64::from(self.rows.y[r]),
            w: self.p.tile_width(self.aspects[i as usize], h),
            h,
        })
    }

    /// Fills `out` with `x, y, w, h` (4 floats per tile, `y` absolute) for every
    /// tile of a laid-out group; tiles of other groups get zeros. For callers
    /// that want materialised arrays (and for comparing with packers that
    /// output them); the grid itself never needs this.
    pub fn write_rects(&self, out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.aspects.len() * 4, 0.0);
        for g in 0..self.group_day.len() {
            let start = self.group_row_start[g];
            if start == NOT_LAID_OUT {
                continue;
            }
            let top = self.content_top(g);
            let rows = start as usize..(start + self.group_row_count[g]) as usize;
            let row_end_last = self.group_start[g + 1];
            for r in rows.clone() {
                let end = if r + 1 < rows.end {
                    self.rows.first[r + 1]
                } else {
                    row_end_last
                };
                let (h, y) = (self.rows.h[r], (top + f64::from(self.rows.y[r])) as f32);
                let mut x = self.group_x[g];
                for i in self.rows.first[r] as usize..end as usize {
                    let w = self.p.tile_width(self.aspects[i], h);
                    out[i * 4..i * 4 + 4].copy_from_slice(&[x, y, w, h]);
                    x += w + self.p.gap;
                }
            }
        }
    }

    /// The band to render: groups (for headers) and laid-out tiles that
    /// intersect `[scroll_top - overscan, scroll_top + viewport_h + overscan)`.
    /// Pure and O(log groups + log rows + groups in the band).
    pub fn window(&self, scroll_top: f64, viewport_h: f64, overscan: f64) -> Window {
        let overscan = if overscan.is_finite() {
            overscan.max(0.0)
        } else {
            0.0
        };
        let viewport_h = if viewport_h.is_finite() {
            viewport_h.max(0.0)
        } else {
            0.0
        };
        // Past the end (a stale scroll position after the content shrank) the
        // view shows the end, so the window does too.
        let scroll_top = if scroll_top.is_finite() {
            scroll_top
        } else {
            0.0
        };
        let scroll_top = scroll_top.clamp(0.0, self.max_scroll_top(viewport_h));
        let top = (scroll_top - overscan).max(0.0);
        let bottom = scroll_top + viewport_h + overscan;
        // Lines intersecting the band; groups on one line share its rows'
        // height and top, so the band's tiles stay one contiguous range.
        let lines = self.line_count();
        let l0 = self.line_top[1..].partition_point(|&b| b <= top);
        let l1 = self.line_top[..lines]
            .partition_point(|&t| t < bottom)
            .max(l0);
        let g0 = self.line_start[l0];
        let g1 = self.line_start[l1].max(g0);
        let mut complete = true;
        let mut first_tile = None;
        let mut end_tile = 0;
        for g in g0..g1 {
            let gi = g as usize;
            if self.group_row_start[gi] == NOT_LAID_OUT {
                complete = false;
                continue;
            }
            let rows = self.visible_rows(gi, top, bottom);
            if rows.is_empty() {
                continue;
            }
            first_tile.get_or_insert(self.rows.first[rows.start]);
            end_tile = self.row_end(gi, rows.end - 1);
        }
        let tiles = first_tile.map_or(0..0, |f| f..end_tile);
        Window {
            top,
            bottom,
            groups: g0..g1,
            tiles,
            complete,
        }
    }

    /// Positions of the tiles in `window` (laid-out groups only), row by row.
    pub fn visible_tiles<'a>(&'a self, window: &Window) -> VisibleTiles<'a> {
        VisibleTiles {
            grid: self,
            top: window.top,
            bottom: window.bottom,
            g: window.groups.start,
            g_end: window.groups.end.min(self.group_count()),
            r: 0,
            r_end: 0,
            content_top: 0.0,
            x0: 0.0,
            group_end: 0,
            row_end_last: 0,
            i: 0,
            i_end: 0,
            x: 0.0,
            y: 0.0,
            h: 0.0,
        }
    }

    /// The tile at the top of the view and its offset from the viewport top:
    /// the first tile of the first row whose bottom is below `scroll_top`
    /// (or the first tile of the group there if it is not laid out).
    pub fn anchor_at(&self, scroll_top: f64) -> Option<Anchor> {
        if self.is_empty() {
            return None;
        }
        let line = self.line_at_y(scroll_top);
        let g = self.line_start[line] as usize;
        let mut tile = self.group_start[g];
        if self.group_row_start[g] != NOT_LAID_OUT {
            let rows = self.visible_rows(g, scroll_top, f64::INFINITY);
            if let Some(r) = rows.clone().next() {
                tile = self.rows.first[r];
            } else if line + 1 < self.line_count() {
                // In the gap below the last row: the next line's first tile.
                tile = self.group_start[self.line_start[line + 1] as usize];
            } else {
                tile = self.rows.first[self.group_rows(g).end - 1];
            }
        }
        let top = self.tile_top(tile)?;
        Some(Anchor {
            tile,
            offset: top - scroll_top,
        })
    }

    /// The scroll top that puts `anchor.tile` at `anchor.offset` from the
    /// viewport top, clamped to the scrollable range. Lays out the tile's
    /// group if needed. An index past the end is clamped to the last tile.
    pub fn scroll_top_for_anchor(&mut self, anchor: Anchor, viewport_h: f64) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let tile = anchor.tile.min(self.len() - 1);
        let g = self.group_of_tile(tile);
        self.layout_groups(g..g + 1);
        let top = self.tile_top(tile).unwrap_or(0.0);
        (top - anchor.offset).clamp(0.0, self.max_scroll_top(viewport_h))
    }

    /// Heap bytes held by the geometry (capacities), for budgeting.
    pub fn heap_bytes(&self) -> usize {
        self.aspects.capacity() * 4
            + self.group_start.capacity() * 4
            + self.group_day.capacity() * 4
            + self.group_aspect_sum.capacity() * 4
            + self.group_aspect_sq.capacity() * 4
            + self.group_month_start.capacity()
            + self.group_row_start.capacity() * 4
            + self.group_row_count.capacity() * 4
            + self.group_content_h.capacity() * 4
            + self.group_line.capacity() * 4
            + self.group_x.capacity() * 4
            + self.group_w.capacity() * 4
            + self.group_flowed.capacity()
            + self.line_start.capacity() * 4
            + self.line_top.capacity() * 8
            + self.section_first_group.capacity() * 4
            + self.section_month.capacity() * std::mem::size_of::<YearMonth>()
            + self.rows.heap_bytes()
    }

    // ---- internals -------------------------------------------------------

    /// Top of tile `i` in real pixels: exact when its group is laid out; for
    /// an estimated group only known for its first tile.
    pub(crate) fn tile_top(&self, i: u32) -> Option<f64> {
        if i >= self.len() {
            return None;
        }
        let g = self.group_of_tile(i) as usize;
        match self.row_of_tile(g, i) {
            Some(r) => Some(self.content_top(g) + f64::from(self.rows.y[r])),
            None if self.group_start[g] == i => Some(self.content_top(g)),
            None => None,
        }
    }

    pub(crate) fn header_height(&self, g: usize) -> f64 {
        if !self.grouped {
            return 0.0;
        }
        self.p.day_header
            + if self.group_month_start[g] {
                self.p.month_header
            } else {
                0.0
            }
    }

    /// Top of group `g`'s rows: its line's top plus the line's headers (only
    /// a line's first group can carry a month header).
    pub(crate) fn content_top(&self, g: usize) -> f64 {
        let line = self.group_line[g] as usize;
        self.line_top[line] + self.header_height(self.line_start[line] as usize)
    }

    /// Arena range of group `g`'s rows (empty if not laid out).
    pub(crate) fn group_rows(&self, g: usize) -> Range<usize> {
        let s = self.group_row_start[g];
        if s == NOT_LAID_OUT {
            return 0..0;
        }
        s as usize..(s + self.group_row_count[g]) as usize
    }

    /// One past the last tile of arena row `r` of group `g`.
    pub(crate) fn row_end(&self, g: usize, r: usize) -> u32 {
        if r + 1 < self.group_rows(g).end {
            self.rows.first[r + 1]
        } else {
            self.group_start[g + 1]
        }
    }

    /// Arena row holding tile `i` of group `g`, if laid out. O(log rows).
    pub(crate) fn row_of_tile(&self, g: usize, i: u32) -> Option<usize> {
        let rows = self.group_rows(g);
        if rows.is_empty() {
            return None;
        }
        let k = self.rows.first[rows.clone()].partition_point(|&f| f <= i);
        Some(rows.start + k.max(1) - 1)
    }

    /// Arena rows of laid-out group `g` intersecting `[top, bottom)`. O(log rows).
    pub(crate) fn visible_rows(&self, g: usize, top: f64, bottom: f64) -> Range<usize> {
        let rows = self.group_rows(g);
        let ct = self.content_top(g);
        let (ys, hs) = (&self.rows.y[rows.clone()], &self.rows.h[rows.clone()]);
        // Rows are sorted by y, so their bottoms are too.
        let a = first_true(ys.len(), |k| ct + f64::from(ys[k] + hs[k]) > top);
        let b = first_true(ys.len(), |k| ct + f64::from(ys[k]) >= bottom);
        rows.start + a..rows.start + b.max(a)
    }

    fn layout_one(&mut self, g: usize) {
        // A group re-laid out at the arena's end (the common append case)
        // reuses its own rows instead of leaving them dead.
        let old = self.group_rows(g);
        if !old.is_empty() && old.end == self.rows.len() {
            self.rows.truncate(old.start);
        } else {
            self.dead_rows += old.len();
        }
        let (s, e) = (self.group_start[g], self.group_start[g + 1]);
        let start = self.rows.len();
        let h = if self.group_flowed[g] {
            // One row at its line's height, decided by `rebuild_lines_from`.
            let h = self.group_content_h[g];
            self.rows.first.push(s);
            self.rows.y.push(0.0);
            self.rows.h.push(h);
            h
        } else {
            layout_group(
                &self.p,
                &self.aspects[s as usize..e as usize],
                s,
                &mut self.rows,
            )
        };
        self.group_row_start[g] = start as u32;
        self.group_row_count[g] = (self.rows.len() - start) as u32;
        self.group_content_h[g] = h;
    }

    fn forget_layout(&mut self, g: usize) {
        let old = self.group_rows(g);
        if !old.is_empty() && old.end == self.rows.len() {
            self.rows.truncate(old.start);
        } else {
            self.dead_rows += old.len();
        }
        self.group_row_start[g] = NOT_LAID_OUT;
        self.group_row_count[g] = 0;
    }

    fn recompute_sums(&mut self, groups: Range<usize>) {
        let (lo, hi) = (
            self.p.lo,
            sanitize_aspect(self.cfg.max_aspect).max(self.p.lo),
        );
        for g in groups {
            let (s, e) = (
                self.group_start[g] as usize,
                self.group_start[g + 1] as usize,
            );
            let (mut sum, mut sq) = (0.0f32, 0.0f32);
            for &a in &self.aspects[s..e] {
                let a = a.max(lo).min(hi);
                sum += a;
                sq += a * a;
            }
            self.group_aspect_sum[g] = sum;
            self.group_aspect_sq[g] = sq;
        }
    }

    fn recompute_estimates(&mut self, groups: Range<usize>) {
        for g in groups {
            if self.group_row_start[g] != NOT_LAID_OUT {
                continue;
            }
            let count = self.group_start[g + 1] - self.group_start[g];
            let n = count.max(1) as f32;
            let mean = self.group_aspect_sum[g] / n;
            let std_dev = (self.group_aspect_sq[g] / n - mean * mean).max(0.0).sqrt();
            self.group_content_h[g] = estimate_height(&self.p, count, mean, std_dev);
        }
    }

    /// Recomputes the prefix sum of line tops from line `l` on. O(lines - l),
    /// a few microseconds even for tens of thousands of days.
    fn recompute_tops_from_line(&mut self, l: usize) {
        let lines = self.line_count();
        self.line_top.resize(lines + 1, 0.0);
        for k in l..lines {
            let first = self.line_start[k] as usize;
            let block = self.header_height(first)
                + f64::from(self.group_content_h[first])
                + self.p.group_gap;
            self.line_top[k + 1] = self.line_top[k] + block;
        }
    }

    /// Width of group `g`'s tiles at target height if they fit one row, the
    /// sum of its clamped aspects and of its inner gaps; `None` for a group
    /// that needs more than one row (or must not flow).
    fn one_row(&self, g: usize) -> Option<(f32, f32)> {
        let n = self.group_start[g + 1] - self.group_start[g];
        let sum = self.group_aspect_sum[g];
        let gaps = n.saturating_sub(1) as f32 * self.p.gap;
        (n > 0 && sum * self.p.target + gaps < self.p.width).then_some((sum, gaps))
    }

    /// Re-packs groups into lines from the line holding group `g` on (lines
    /// before it cannot change: a line's extent depends only on its own and
    /// the next group) and returns that line's index. Flowed groups get their
    /// line's height, x and width; a laid-out flowed group's one row follows.
    /// O(groups from there).
    fn rebuild_lines_from(&mut self, g: usize) -> usize {
        let groups = self.group_day.len();
        self.line_start.pop();
        let l_from = self
            .line_start
            .partition_point(|&s| s as usize <= g)
            .saturating_sub(1);
        // Group indices before `g` are unchanged, so line `l_from` still
        // starts where it did.
        let mut k = self.line_start.get(l_from).map_or(0, |&s| s as usize);
        self.line_start.truncate(l_from);
        let flow = self.grouped && self.p.flow;
        let (w, t, max_h, spacing) = (
            self.p.width,
            self.p.target,
            self.p.max_h,
            self.p.day_spacing,
        );
        while k < groups {
            let line = self.line_start.len();
            self.line_start.push(k as u32);
            let first = if flow { self.one_row(k) } else { None };
            let Some((mut sum, mut fixed)) = first else {
                self.place_alone(k, line);
                k += 1;
                continue;
            };
            // A run of small days of one month, closed like a justified row.
            let mut end = k + 1;
            let mut h = t;
            while end < groups && !self.group_month_start[end] {
                let Some((s2, f2)) = self.one_row(end) else {
                    break;
                };
                let (sum_with, fixed_with) = (sum + s2, fixed + f2 + spacing);
                if sum_with * t + fixed_with < w {
                    (sum, fixed) = (sum_with, fixed_with);
                    end += 1;
                    continue;
                }
                let h_with = (w - fixed_with).max(0.0) / sum_with;
                let h_without = (w - fixed) / sum;
                if h_without <= max_h && (h_without * h_with < t * t || h_with <= 0.0) {
                    h = h_without;
                } else {
                    h = h_with.min(max_h);
                    end += 1;
                }
                break;
            }
            let mut x = 0.0f32;
            for j in k..end {
                let (s, gaps) = self.one_row(j).unwrap_or((0.0, 0.0));
                let width = s * h + gaps;
                self.group_line[j] = line as u32;
                self.group_x[j] = x;
                self.group_w[j] = width.min(w);
                self.group_flowed[j] = true;
                self.set_flowed_height(j, h);
                x += width + spacing;
            }
            // The last day's header may use the rest of the line.
            self.group_w[end - 1] = (w - self.group_x[end - 1]).max(0.0);
            k = end;
        }
        self.line_start.push(groups as u32);
        l_from
    }

    /// Group `k` alone on line `line`, full width.
    fn place_alone(&mut self, k: usize, line: usize) {
        if self.group_flowed[k] {
            // It was a flowed row; it is laid out again by the packer.
            self.forget_layout(k);
            self.group_flowed[k] = false;
            self.recompute_estimates(k..k + 1);
        }
        self.group_line[k] = line as u32;
        self.group_x[k] = 0.0;
        self.group_w[k] = self.p.width;
    }

    /// Sets flowed group `k`'s height, and its one row's if laid out.
    fn set_flowed_height(&mut self, k: usize, h: f32) {
        self.group_content_h[k] = h;
        let rows = self.group_rows(k);
        if rows.len() == 1 && self.rows.y[rows.start] == 0.0 {
            self.rows.h[rows.start] = h;
        } else if !rows.is_empty() {
            self.forget_layout(k);
        }
    }

    fn rebuild_sections(&mut self) {
        self.section_first_group.clear();
        self.section_month.clear();
        self.group_month_start.fill(false);
        if self.grouped {
            let mut prev = None;
            for (g, &day) in self.group_day.iter().enumerate() {
                let ym = year_month_of_day(day);
                if prev != Some(ym) {
                    prev = Some(ym);
                    self.section_first_group.push(g as u32);
                    self.section_month.push(ym);
                    self.group_month_start[g] = true;
                }
            }
        }
        self.section_first_group.push(self.group_count());
    }

    pub(crate) fn section_of_group(&self, g: u32) -> u32 {
        let s = self.section_first_group.partition_point(|&f| f <= g);
        (s as u32).saturating_sub(1)
    }
}

/// Binary search for the first index in `0..len` where a monotone predicate
/// becomes true (`len` if never). Lets `visible_rows` search two parallel
/// arrays (row y and row height) without building pairs.
fn first_true(len: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// Iterator over [`TileRect`]s of a [`Window`], from [`Grid::visible_tiles`].
/// Walks rows in order and accumulates x, so each tile costs O(1).
#[derive(Clone, Debug)]
pub struct VisibleTiles<'a> {
    grid: &'a Grid,
    top: f64,
    bottom: f64,
    g: u32,
    g_end: u32,
    r: usize,
    r_end: usize,
    content_top: f64,
    x0: f32,
    group_end: usize,
    row_end_last: u32,
    i: u32,
    i_end: u32,
    x: f32,
    y: f64,
    h: f32,
}

impl Iterator for VisibleTiles<'_> {
    type Item = TileRect;

    fn next(&mut self) -> Option<TileRect> {
        let grid = self.grid;
        loop {
            if self.i < self.i_end {
                let i = self.i;
                let w = grid.p.tile_width(grid.aspects[i as usize], self.h);
                let rect = TileRect {
                    index: i,
                    x: self.x,
                    y: self.y,
                    w,
                    h: self.h,
                };
                self.x += w + grid.p.gap;
                self.i += 1;
                return Some(rect);
            }
            if self.r < self.r_end {
                let r = self.r;
                self.r += 1;
                self.i = grid.rows.first[r];
                self.i_end = if r + 1 < self.group_end {
                    grid.rows.first[r + 1]
                } else {
                    self.row_end_last
                };
                self.x = self.x0;
                self.y = self.content_top + f64::from(grid.rows.y[r]);
                self.h = grid.rows.h[r];
                continue;
            }
            if self.g < self.g_end {
                let g = self.g as usize;
                self.g += 1;
                let rows = grid.visible_rows(g, self.top, self.bottom);
                self.r = rows.start;
                self.r_end = rows.end;
                self.group_end = grid.group_rows(g).end;
                self.row_end_last = grid.group_start[g + 1];
                self.content_top = grid.content_top(g);
                self.x0 = grid.group_x[g];
                continue;
            }
            return None;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::LayoutMode;

    /// Deterministic xorshift so tests and the bench need no dependency.
    pub(crate) struct Rng(pub u64);
    impl Rng {
        pub(crate) fn next_f32(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 40) as f32 / (1u64 << 24) as f32
        }
    }

    /// `n` tiles with a camera-like aspect mix, in day groups of 1..=max_group
    /// tiles, days descending from 2026-01-01.
    pub(crate) fn library(n: usize, max_group: u32, seed: u64) -> (Vec<f32>, Vec<i32>) {
        let mut rng = Rng(seed);
        let choices = [1.333f32, 0.75, 1.777, 1.0, 1.333, 0.5625, 1.5, 4.0];
        let mut aspects = Vec::with_capacity(n);
        let mut days = Vec::with_capacity(n);
        let mut day = 20_454;
        let mut left = 0;
        for _ in 0..n {
            if left == 0 {
                left = 1 + (rng.next_f32() * max_group as f32) as u32;
                day -= 1 + (rng.next_f32() * 3.0) as i32;
            }
            left -= 1;
            aspects.push(choices[(rng.next_f32() * choices.len() as f32) as usize % choices.len()]);
            days.push(day);
        }
        (aspects, days)
    }

    fn cfg(width: f32) -> LayoutConfig {
        LayoutConfig {
            width,
            ..LayoutConfig::default()
        }
    }

    /// Whether a tile's rect intersects the band `[top, bottom)`.
    fn intersects(r: &TileRect, top: f64, bottom: f64) -> bool {
        r.y + f64::from(r.h) > top && r.y < bottom
    }

    #[test]
    fn groups_and_sections_from_day_keys() {
        // 2024-02-29 = 19782, 2024-03-01 = 19783, 2024-02-28 = 19781, 2023-12-31 = 19722.
        let days = [
            19_783, 19_783, 19_782, 19_781, 19_781, 19_781, 19_722, 19_783,
        ];
        let g = Grid::new(LayoutConfig::default(), &[1.0; 8], &days);
        assert_eq!(g.group_count(), 5);
        let ranges: Vec<_> = (0..5).map(|k| g.group(k).unwrap().tiles).collect();
        assert_eq!(ranges, vec![0..2, 2..3, 3..6, 6..7, 7..8]);
        // Sections are runs of months: Mar 2024, Feb 2024, Dec 2023, Mar 2024 again.
        let months: Vec<_> = (0..g.section_count())
            .map(|s| g.section_month(s).unwrap())
            .collect();
        let ym = |year, month| YearMonth { year, month };
        assert_eq!(
            months,
            vec![ym(2024, 3), ym(2024, 2), ym(2023, 12), ym(2024, 3)]
        );
        assert_eq!(g.section_groups(1), Some(1..3));
        // Month header only on the first group of a section.
        let heads: Vec<bool> = (0..5)
            .map(|k| g.group(k).unwrap().month_header.is_some())
            .collect();
        assert_eq!(heads, vec![true, true, false, true, true]);
        let g1 = g.group(1).unwrap();
        assert_eq!(g1.day_header_top - g1.top, 64.0);
        assert_eq!(g1.content_top - g1.day_header_top, 48.0);
        // Group 2 (one tile, same month) flows beside group 1 under the same
        // month header, with its own day header to the right.
        let g2 = g.group(2).unwrap();
        assert_eq!(
            (g2.top, g2.day_header_top, g2.content_top),
            (g1.top, g1.day_header_top, g1.content_top)
        );
        assert!(g2.x >= g1.x + g1.width + 16.0 - 1e-3, "{g1:?} {g2:?}");
        // Without flowing, each day starts its own block.
        let unflowed = Grid::new(
            LayoutConfig {
                flow_days: false,
                ..LayoutConfig::default()
            },
            &[1.0; 8],
            &days,
        );
        let g2 = unflowed.group(2).unwrap();
        assert_eq!(
            (g2.content_top - g2.top, g2.x),
            (48.0, 0.0),
            "no month header inside a month"
        );
        assert_eq!(g.group_of_tile(5), 2);
        assert_eq!(g.group_of_tile(7), 4);
    }

    /// Lays out `aspects` in `days` (width 1000, target 200, gap 4, day
    /// spacing 16, rows up to 1.5x) and checks the lines: the groups on each
    /// line, and each line's row height.
    fn check_lines(aspects: &[f32], days: &[i32], expected: &[(Vec<u32>, f32)]) {
        let cfg = LayoutConfig {
            width: 1000.0,
            target_row_height: 200.0,
            ..LayoutConfig::default()
        };
        let mut g = Grid::new(cfg, aspects, days);
        g.layout_all();
        let got: Vec<(Vec<u32>, f32)> = (0..g.line_count())
            .map(|l| {
                let groups: Vec<u32> = (g.line_start[l]..g.line_start[l + 1]).collect();
                let first = g.line_start[l] as usize;
                (groups, g.rows.h[g.group_rows(first).start])
            })
            .collect();
        assert_eq!(got.len(), expected.len(), "{got:?}");
        for ((gg, gh), (eg, eh)) in got.iter().zip(expected) {
            assert_eq!(gg, eg, "{got:?}");
            assert!((gh - eh).abs() < 0.01, "{got:?}");
        }
        check_flow_invariants(&g);
    }

    /// Geometry every flowed layout must satisfy.
    fn check_flow_invariants(g: &Grid) {
        let width = g.p.width;
        for l in 0..g.line_count() {
            let groups = g.line_start[l]..g.line_start[l + 1];
            let first = g.group(groups.start).unwrap();
            let mut right = -g.p.day_spacing;
            for k in groups.clone() {
                let info = g.group(k).unwrap();
                assert_eq!(
                    (info.top, info.day_header_top, info.content_top),
                    (first.top, first.day_header_top, first.content_top),
                    "line {l} group {k}"
                );
                assert!(
                    k == groups.start || info.month_header.is_none(),
                    "a month starts a line"
                );
                assert!(
                    (info.x - (right + g.p.day_spacing)).abs() < 0.01,
                    "line {l}"
                );
                right = info.x + info.width;
                assert!(right <= width + 0.05, "line {l} overflows: {right}");
                if groups.len() > 1 {
                    assert!(g.group_flowed[k as usize]);
                }
                // The group's tiles sit under its header, left to right.
                if info.laid_out {
                    let mut prev_right = info.x;
                    for i in info.tiles.clone() {
                        let r = g.tile_rect(i).unwrap();
                        if g.group_flowed[k as usize] {
                            assert_eq!(r.y, info.content_top);
                            assert!(r.x >= prev_right - 0.01, "tile {i}");
                            prev_right = r.x + r.w;
                        }
                        assert!(
                            r.x >= info.x - 0.01 && r.x + r.w <= info.x + info.width + 0.05,
                            "tile {i} {r:?} {info:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn small_days_flow_side_by_side() {
        // Same month (days 19_790..19_786 of March 2024) unless said otherwise.
        let d = |counts: &[(i32, usize)]| -> Vec<i32> {
            counts
                .iter()
                .flat_map(|&(day, n)| std::iter::repeat_n(day, n))
                .collect()
        };
        // Two squares (404 px at 200) + one 3:2 (300 px): 720 px with the
        // spacing, they share a line; nothing follows: the target height.
        check_lines(
            &[1.0, 1.0, 1.5],
            &d(&[(19_790, 2), (19_789, 1)]),
            &[(vec![0, 1], 200.0)],
        );
        // A third day of three squares (608 px) does not fit (1344 px).
        // Stretching the first two to the width gives (1000-20)/3.5 = 280 px,
        // shrinking all three (1000-44)/6.5 = 147.1 px; 280 x 147.1 > 200²,
        // so shrinking is closer to the target in ratio and all three share it.
        check_lines(
            &[1.0, 1.0, 1.5, 1.0, 1.0, 1.0],
            &d(&[(19_790, 2), (19_789, 1), (19_788, 3)]),
            &[(vec![0, 1, 2], 956.0 / 6.5)],
        );
        // A day that needs two rows stands alone, full width (its first
        // row: 5 squares at (1000-16)/5 = 196.8 px) and keeps lines apart.
        check_lines(
            &[1.0, 1.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            &d(&[(19_790, 2), (19_789, 1), (19_788, 8), (19_787, 1)]),
            &[(vec![0, 1], 200.0), (vec![2], 196.8), (vec![3], 200.0)],
        );
        // A new month starts a new line even if the day would fit.
        check_lines(
            &[1.0, 1.0, 1.5],
            &d(&[(19_784, 2), (19_782, 1)]), // 2024-03-02, 2024-02-29
            &[(vec![0], 200.0), (vec![1], 200.0)],
        );
        // A stretched line: 3 squares (608 px) then 3 squares: 1232 px. Stretch
        // the first (992/3 = 330.7 > 300 max) is not allowed: shrink both.
        check_lines(
            &[1.0; 6],
            &d(&[(19_790, 3), (19_789, 3)]),
            &[(vec![0, 1], (1000.0 - 8.0 - 8.0 - 16.0) / 6.0)],
        );
        // Stretch wins: 4 squares (812 px) then 3 (608 px): stretching the
        // first to (1000-12)/4 = 247 (x1.235) vs shrinking both to
        // (1000-36)/7 = 137.7 (x0.69): 247 x 137.7 < 200², stretch.
        check_lines(
            &[1.0; 7],
            &d(&[(19_790, 4), (19_789, 3)]),
            &[(vec![0], 247.0), (vec![1], 200.0)],
        );
    }

    #[test]
    fn flowing_keeps_window_anchor_and_append_consistent() {
        for seed in [21, 22, 23] {
            let (a, d) = library(8_000, 12, seed);
            let mut whole = Grid::new(cfg(1200.0), &a, &d);
            whole.layout_all();
            check_flow_invariants(&whole);
            assert!(
                whole.line_count() < whole.group_count() as usize,
                "days share lines"
            );
            // Page by page (appends split days across pages) gives the same geometry.
            let mut paged = Grid::new(cfg(1200.0), &[], &[]);
            for (ca, cd) in a.chunks(777).zip(d.chunks(777)) {
                paged.append(ca, cd);
                paged.layout_window(paged.total_height() * 0.9, 900.0, 400.0);
            }
            paged.layout_all();
            assert!((paged.total_height() - whole.total_height()).abs() < 1e-6);
            for i in (0..8_000).step_by(37) {
                assert_eq!(paged.tile_rect(i), whole.tile_rect(i), "tile {i}");
            }
            for k in 0..whole.group_count() {
                assert_eq!(paged.group(k), whole.group(k));
            }
        }
    }

    /// Share of the grid's area (width x total height) not covered by tiles.
    pub(crate) fn empty_share(g: &Grid) -> f64 {
        let mut rects = Vec::new();
        g.write_rects(&mut rects);
        let tiles: f64 = rects
            .chunks(4)
            .map(|r| f64::from(r[2]) * f64::from(r[3]))
            .sum();
        1.0 - tiles / (f64::from(g.p.width) * g.total_height())
    }

    #[test]
    fn flowing_days_leaves_less_empty_area() {
        // Many small days (1 to 6 tiles): most of the width was empty.
        let (a, d) = library(10_000, 6, 31);
        let mut before = Grid::new(
            LayoutConfig {
                flow_days: false,
                ..cfg(1200.0)
            },
            &a,
            &d,
        );
        let mut after = Grid::new(cfg(1200.0), &a, &d);
        before.layout_all();
        after.layout_all();
        let (b, f) = (empty_share(&before), empty_share(&after));
        let (hb, hf) = (before.total_height(), after.total_height());
        eprintln!("empty share {b:.3} -> {f:.3}, height {hb:.0} -> {hf:.0}");
        assert!(f < b - 0.05, "empty share {b} -> {f}");
        assert!(hf < 0.9 * hb, "height {hb} -> {hf}");
    }

    #[test]
    fn ungrouped_and_degenerate_inputs() {
        let g = Grid::new(
            LayoutConfig::default(),
            &[1.0, f32::NAN, 0.0, f32::INFINITY, -2.0],
            &[],
        );
        assert_eq!((g.group_count(), g.section_count()), (1, 0));
        assert_eq!(
            g.group(0).unwrap().content_top,
            0.0,
            "no headers when ungrouped"
        );
        assert!(g.aspects.iter().all(|&a| a == 1.0));
        let mut empty = Grid::new(LayoutConfig::default(), &[], &[]);
        empty.layout_all();
        assert_eq!(empty.total_height(), 0.0);
        assert_eq!(empty.window(0.0, 800.0, 200.0).tiles, 0..0);
        assert_eq!(empty.anchor_at(0.0), None);
        assert_eq!(empty.navigate(0, crate::NavKey::Down, 800.0), 0);
        // A zero-width container (hidden element) must not panic or produce NaN.
        let mut z = Grid::new(cfg(0.0), &[1.5; 100], &[1; 100]);
        z.layout_all();
        assert!(z.total_height().is_finite() && z.total_height() > 0.0);
        // A grid created empty takes its grouping from its first page.
        let mut paged = Grid::new(LayoutConfig::default(), &[], &[]);
        paged.append(&[1.0; 3], &[5, 5, 4]);
        assert_eq!((paged.group_count(), paged.section_count()), (2, 1));
        // Missing day keys extend the last day.
        let short = Grid::new(LayoutConfig::default(), &[1.0; 5], &[3, 2]);
        assert_eq!(short.group_count(), 2);
        assert_eq!(short.group(1).unwrap().tiles, 1..5);
    }

    #[test]
    fn estimates_close_to_real_heights() {
        // (aspects, days, tolerance on the total)
        let (mixed_a, mixed_d) = library(20_000, 40, 1);
        let uniform_d: Vec<i32> = (0..20_000).map(|i| -(i / 25)).collect();
        let cases = [
            (mixed_a, mixed_d, 0.03),
            (vec![1.5f32; 20_000], uniform_d, 0.001),
        ];
        for (aspects, days, tol) in cases {
            for mode in [LayoutMode::Justified, LayoutMode::Square] {
                let mut g = Grid::new(
                    LayoutConfig {
                        mode,
                        ..cfg(1440.0)
                    },
                    &aspects,
                    &days,
                );
                let est = g.total_height();
                g.layout_all();
                let real = g.total_height();
                assert!(
                    (est - real).abs() <= tol * real,
                    "{mode:?}: est {est} real {real}"
                );
                assert_eq!(g.laid_out_count(), g.group_count());
            }
        }
    }

    #[test]
    fn lazy_and_full_layout_agree() {
        let (a, d) = library(5_000, 30, 2);
        let mut full = Grid::new(cfg(1000.0), &a, &d);
        full.layout_all();
        let mut lazy = Grid::new(cfg(1000.0), &a, &d);
        // Lay out groups in a scrambled order.
        let n = lazy.group_count();
        for k in 0..n {
            let g = (k * 7919) % n;
            lazy.layout_groups(g..g + 1);
        }
        assert!((full.total_height() - lazy.total_height()).abs() < 1e-6);
        let (mut rf, mut rl) = (Vec::new(), Vec::new());
        full.write_rects(&mut rf);
        lazy.write_rects(&mut rl);
        assert_eq!(rf, rl);
    }

    #[test]
    fn visible_tiles_match_window_and_rects() {
        let (a, d) = library(3_000, 20, 3);
        let mut g = Grid::new(cfg(1200.0), &a, &d);
        g.layout_all();
        let mut flat = Vec::new();
        g.write_rects(&mut flat);
        for scroll in [0.0, 1234.5, g.total_height() * 0.5, g.max_scroll_top(900.0)] {
            let w = g.window(scroll, 900.0, 300.0);
            let tiles: Vec<TileRect> = g.visible_tiles(&w).collect();
            assert!(!tiles.is_empty());
            let indices: Vec<u32> = tiles.iter().map(|t| t.index).collect();
            assert_eq!(indices, w.tiles.clone().collect::<Vec<_>>());
            for t in &tiles {
                assert_eq!(Some(*t), g.tile_rect(t.index));
                let i = t.index as usize * 4;
                assert_eq!(
                    [t.x, t.y as f32, t.w, t.h],
                    [flat[i], flat[i + 1], flat[i + 2], flat[i + 3]]
                );
            }
            // Exactly the tiles that intersect the band (checked by brute force).
            for i in 0..g.len() {
                let r = g.tile_rect(i).unwrap();
                assert_eq!(
                    intersects(&r, w.top, w.bottom),
                    w.tiles.contains(&i),
                    "tile {i} at {scroll}"
                );
            }
        }
    }

    /// Checks a window of a big laid-out grid: right tiles, bounded count.
    fn check_window(
        g: &Grid,
        scroll: f64,
        vh: f64,
        overscan: f64,
        expect_first: Option<u32>,
        expect_last: Option<u32>,
    ) {
        let w = g.window(scroll, vh, overscan);
        assert!(w.complete);
        assert!(!w.tiles.is_empty(), "window at {scroll} is empty");
        // Bounded: the band holds at most band/min_row_height rows of at most
        // width/(min_aspect*min_row_height) tiles.
        let band = w.bottom - w.top;
        let max_rows = (band / (0.5 * 235.0)).ceil() + 2.0;
        assert!(
            (w.tiles.len() as f64) <= max_rows * 1200.0 / (0.25 * 0.5 * 235.0),
            "{} tiles",
            w.tiles.len()
        );
        assert!(w.tiles.len() < 400, "{} tiles", w.tiles.len());
        // Neighbours just outside the range are outside the band.
        if w.tiles.start > 0 {
            let r = g.tile_rect(w.tiles.start - 1).unwrap();
            assert!(!intersects(&r, w.top, w.bottom));
        }
        if w.tiles.end < g.len() {
            let r = g.tile_rect(w.tiles.end).unwrap();
            assert!(!intersects(&r, w.top, w.bottom));
        }
        for i in w.tiles.clone() {
            assert!(intersects(&g.tile_rect(i).unwrap(), w.top, w.bottom));
        }
        if let Some(f) = expect_first {
            assert_eq!(w.tiles.start, f);
        }
        if let Some(l) = expect_last {
            assert_eq!(w.tiles.end, l + 1);
        }
    }

    #[test]
    fn window_at_top_middle_and_end_of_a_million_tiles() {
        let n = 1_000_000;
        let (a, d) = library(n, 60, 4);
        let mut g = Grid::new(cfg(1200.0), &a, &d);
        g.layout_all();
        let vh = 900.0;
        let end = g.max_scroll_top(vh);
        assert!(
            g.total_height() > 40_000_000.0,
            "a million tiles is ~50 M px: {}",
            g.total_height()
        );
        check_window(&g, 0.0, vh, 400.0, Some(0), None);
        check_window(&g, end * 0.5, vh, 400.0, None, None);
        check_window(&g, end, vh, 400.0, None, Some(n as u32 - 1));
        check_window(&g, end + 10_000.0, vh, 400.0, None, Some(n as u32 - 1));
        // The last tile's bottom is the end of the content (minus the trailing group gap).
        let last = g.tile_rect(n as u32 - 1).unwrap();
        assert!((last.y + f64::from(last.h) + 8.0 - g.total_height()).abs() < 1e-3);
    }

    #[test]
    fn lazy_window_at_the_end_of_a_million_tiles() {
        let n = 1_000_000;
        let (a, d) = library(n, 60, 5);
        let mut g = Grid::new(cfg(1200.0), &a, &d);
        let vh = 900.0;
        // Jump straight to the end without laying out anything else.
        let end = g.max_scroll_top(vh);
        let s = g.layout_window(end, vh, 400.0);
        assert!(
            g.laid_out_count() < 100,
            "only groups near the viewport are laid out"
        );
        let end = g.max_scroll_top(vh);
        assert!(s <= end);
        let w = g.window(end, vh, 400.0);
        assert!(w.complete);
        assert_eq!(w.tiles.end, n as u32, "the last tile is reachable");
        // And the top, from a fresh grid.
        let mut g = Grid::new(cfg(1200.0), &a, &d);
        assert_eq!(g.layout_window(0.0, vh, 400.0), 0.0);
        assert_eq!(g.window(0.0, vh, 400.0).tiles.start, 0);
    }

    #[test]
    fn layout_window_keeps_the_top_tile_still() {
        // Scroll into the middle of an un-laid-out grid with overscan reaching
        // groups above: their real heights replace estimates, the tile at the
        // top must not move on screen.
        let (a, d) = library(50_000, 40, 6);
        let mut g = Grid::new(cfg(1000.0), &a, &d);
        let scroll = g.total_height() * 0.4;
        let before = g.anchor_at(scroll).unwrap();
        let new_scroll = g.layout_window(scroll, 800.0, 1500.0);
        let top = g.tile_top(before.tile).unwrap();
        assert!((top - new_scroll - before.offset).abs() < 1e-6);
        assert!(g.window(new_scroll, 800.0, 1500.0).complete);
    }

    #[test]
    fn anchoring_keeps_the_anchor_offset_after_width_change() {
        let (a, d) = library(30_000, 40, 7);
        // (old width, new width, scroll fraction, lay out everything first)
        let cases = [
            (1200.0, 800.0, 0.3, true),
            (800.0, 1920.0, 0.7, true),
            (1440.0, 390.0, 0.5, false),
            (390.0, 1440.0, 0.01, false),
        ];
        for (w0, w1, frac, full) in cases {
            let mut g = Grid::new(cfg(w0), &a, &d);
            if full {
                g.layout_all();
            }
            let vh = 900.0;
            let scroll = g.layout_window(g.max_scroll_top(vh) * frac + 77.0, vh, 300.0);
            let anchor = g.anchor_at(scroll).unwrap();
            assert!(anchor.offset <= 0.0 || anchor.offset < 300.0);
            let new_scroll = g.set_width_anchored(w1, scroll, vh);
            let new_top = g.tile_top(anchor.tile).unwrap();
            assert!(
                (new_top - new_scroll - anchor.offset).abs() < 1e-6,
                "{w0}->{w1}: offset {} became {}",
                anchor.offset,
                new_top - new_scroll
            );
            // The anchor tile is still the first tile of the top row.
            let new_scroll = g.layout_window(new_scroll, vh, 300.0);
            let w = g.window(new_scroll, vh, 300.0);
            assert!(w.tiles.contains(&anchor.tile));
        }
    }

    #[test]
    fn anchoring_across_inserted_tiles_and_appended_pages() {
        let (a, d) = library(10_000, 30, 8);
        let mut old = Grid::new(cfg(1200.0), &a, &d);
        old.layout_all();
        let vh = 800.0;
        let scroll = old.total_height() * 0.5;
        let anchor = old.anchor_at(scroll).unwrap();
        // 37 new photos arrive at the very top (newest day).
        let mut a2 = vec![1.0; 37];
        a2.extend_from_slice(&a);
        let mut d2 = vec![d[0] + 1; 37];
        d2.extend_from_slice(&d);
        let mut new = Grid::new(cfg(1200.0), &a2, &d2);
        new.layout_all();
        let s = crate::relayout_scroll_top(&old, scroll, &mut new, |i| Some(i + 37), vh);
        let top = new.tile_top(anchor.tile + 37).unwrap();
        assert!((top - s - anchor.offset).abs() < 1e-6);
        assert!(s > scroll, "content was added above");

        // Pages appended at the end: earlier tiles do not move.
        let mut g = Grid::new(cfg(1200.0), &a[..4_000], &d[..4_000]);
        g.layout_all();
        let before = g.tile_rect(3_000).unwrap();
        let last_group_before = g.group_count() - 1;
        g.append(&a[4_000..], &d[4_000..]);
        assert!(!g.is_laid_out(last_group_before) || d[3_999] != d[4_000]);
        g.layout_all();
        assert_eq!(g.tile_rect(3_000), Some(before));
        let whole = {
            let mut w = Grid::new(cfg(1200.0), &a, &d);
            w.layout_all();
            w
        };
        assert_eq!(whole.group_count(), g.group_count());
        assert!((whole.total_height() - g.total_height()).abs() < 1e-6);
        for i in (0..10_000).step_by(97) {
            assert_eq!(whole.tile_rect(i), g.tile_rect(i));
        }
    }

    #[test]
    fn geometry_memory_is_small() {
        let (a, d) = library(200_000, 60, 9);
        let mut g = Grid::new(cfg(1200.0), &a, &d);
        g.layout_all();
        let per_tile = g.heap_bytes() as f64 / 200_000.0;
        assert!(per_tile <= 12.0, "{per_tile} bytes per tile");
    }
}
