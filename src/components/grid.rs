//! The virtualised photo grid.
//!
//! All geometry comes from `grid-core`; this file only wires it to the DOM:
//!
//! * A scroll container holds a spacer as tall as the (capped) DOM height of
//!   a [`ScrollMap`]. Only the tiles and headers of the band around the
//!   viewport exist, absolutely positioned inside the spacer at
//!   [`ScrollSync::dom_y`], so a million assets cost the same DOM as a
//!   thousand.
//! * Scroll events are coalesced to one update per animation frame. An update
//!   is: read `scrollTop` → [`ScrollSync::on_dom_scroll`] →
//!   [`Grid::layout_window`] (lays out the band, returns the corrected scroll
//!   top when heights above changed) → refresh the map if the total height
//!   changed → [`Grid::window`] → per-tile position signals.
//! * Tiles are a pool of slots (a keyed `<For>` over slot ids): a tile that
//!   stays visible keeps its slot and only moves; tiles entering the window
//!   re-use the slots of tiles that left, so a fast scroll updates signals
//!   instead of building and dropping DOM. A frame that moves the view far
//!   marks the grid "not calm" for a moment: tiles then show their
//!   thumbhash's average colour and load placeholder and thumbnail later.
//! * The non-reactive state (geometry, scroll pair, DOM handles) lives in one
//!   local [`StoredValue`]; signals carry only what the view renders.

use std::{collections::HashMap, sync::Arc, time::Duration};

use grid_core::{
    civil_from_days, relayout_scroll_top, Grid as Geometry, LayoutConfig, LayoutMode, NavKey,
    ScrollMap, ScrollSync, ScrubberMark, DEFAULT_MAX_DOM_HEIGHT,
};
use leptos::{
    html,
    leptos_dom::helpers::{request_animation_frame, set_timeout_with_handle, TimeoutHandle},
    prelude::*,
};
use library_core::LibraryIndex;
use wasm_bindgen::{closure::Closure, JsCast};

use crate::{
    components::{
        scrubber::Scrubber,
        tile::{Tile, TileCtx, TileInfo, TilePos, TileSlot},
    },
    data::thumbs::{ThumbLoader, ThumbSource},
    locale::{Locale, When},
    thumbhash::PlaceholderCache,
};

/// What the grid shows. Cloning is cheap; equality is by `version` only, so
/// the app must bump `version` whenever `index` or `order` changes.
///
/// When `index_extends` says the new index starts with the old one (same
/// assets at the same positions) and the new `order` starts with the old
/// one, the grid appends instead of rebuilding.
#[derive(Clone, Debug)]
pub struct GridData {
    /// The whole library.
    pub index: Arc<LibraryIndex>,
    /// Displayed assets (indices into `index`), filtered, in display order.
    pub order: Arc<Vec<u32>>,
    /// Bumped by the app on every change of `index` or `order`.
    pub version: u64,
    /// The index holds the previous version's assets at the same positions,
    /// perhaps followed by more (pages appended).
    pub index_extends: bool,
}

impl PartialEq for GridData {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

impl Default for GridData {
    fn default() -> Self {
        Self {
            index: Arc::new(LibraryIndex::new()),
            order: Arc::new(Vec::new()),
            version: 0,
            index_extends: false,
        }
    }
}

/// Tile shape (with `config.json`'s parsing in the `site-config` crate).
pub use site_config::GridMode;

/// The user's layout choice, persisted in `localStorage` as
/// `{"mode":"square","target":200.0}` (the form serde wrote before the app
/// dropped it; a missing key takes its default).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridLayoutPrefs {
    /// Justified or square.
    pub mode: GridMode,
    /// Target row height (justified) or tile size (square), CSS pixels.
    pub target: f32,
}

impl Default for GridLayoutPrefs {
    fn default() -> Self {
        Self {
            mode: GridMode::Justified,
            target: 220.0,
        }
    }
}

/// Missing keys take their defaults, unknown keys are skipped; a bad value
/// or a key twice refuses the whole record (as serde's `#[serde(default)]`
/// derive did).
impl immich_api::json::FromJson for GridLayoutPrefs {
    fn read(r: &mut immich_api::json::Reader<'_>) -> Result<Self, immich_api::json::Error> {
        let (mut mode, mut target) = (None, None::<f64>);
        r.begin_object()?;
        while let Some(key) = r.next_key()? {
            match &*key {
                "mode" => r.field(&mut mode, "mode")?,
                "target" => r.field(&mut target, "target")?,
                _ => r.skip()?,
            }
        }
        let d = Self::default();
        Ok(Self {
            mode: mode.unwrap_or(d.mode),
            // As serde read an `f32` from a JSON number (out of range: ±inf, then sanitized).
            #[allow(clippy::cast_possible_truncation)] // reason: see above.
            target: target.map_or(d.target, |t| t as f32),
        })
    }
}

/// `localStorage` key of [`GridLayoutPrefs`].
pub const PREFS_KEY: &str = "immich-grid.prefs";
/// Range of [`GridLayoutPrefs::target`] offered and accepted.
pub use site_config::TARGET_RANGE;

impl GridLayoutPrefs {
    /// Clamps `target` into [`TARGET_RANGE`] (non-finite → default).
    pub fn sanitized(self) -> Self {
        let target = if self.target.is_finite() {
            self.target.clamp(TARGET_RANGE.0, TARGET_RANGE.1)
        } else {
            Self::default().target
        };
        Self { target, ..self }
    }

    /// Parses stored JSON; anything unreadable gives the defaults.
    pub fn from_json(s: &str) -> Self {
        immich_api::json::from_slice::<Self>(s.as_bytes())
            .unwrap_or_default()
            .sanitized()
    }

    /// The stored JSON. `target` is written as serde wrote an `f32`
    /// (`200.0`, `220.5`): Rust's shortest round-trip form; `null` if not finite.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"mode\":");
        immich_api::json::write_str(&mut out, self.mode.as_str());
        out.push_str(",\"target\":");
        if self.target.is_finite() {
            out.push_str(&format!("{:?}", self.target));
        } else {
            out.push_str("null");
        }
        out.push('}');
        out
    }

    /// Loads from `localStorage`; defaults when storage is unavailable
    /// (private mode, sandboxed iframe) or holds garbage.
    pub fn load() -> Self {
        crate::data::prefs::load(PREFS_KEY)
            .map(|s| Self::from_json(&s))
            .unwrap_or_default()
    }

    /// Saves to `localStorage`; returns false when storage refused (the
    /// caller keeps the value in memory, so the choice lasts the session).
    pub fn save(&self) -> bool {
        crate::data::prefs::save(PREFS_KEY, &self.to_json())
    }

    fn config(&self, width: f32) -> LayoutConfig {
        LayoutConfig {
            width: width.max(1.0),
            target_row_height: phone_target(self.sanitized().target, width),
            gap: GAP,
            mode: match self.mode {
                GridMode::Justified => LayoutMode::Justified,
                GridMode::Square => LayoutMode::Square,
            },
            day_header_height: DAY_HEADER,
            month_header_height: MONTH_HEADER,
            group_gap: GROUP_GAP,
            ..LayoutConfig::default()
        }
    }
}

/// The row height (or tile size) used at `width`: the person's choice,
/// but on a phone's width (below [`PHONE_WIDTH`]) at most a size that puts
/// 3–4 photos in a row, as the phone layouts of Immich and Google Photos do.
pub fn phone_target(target: f32, width: f32) -> f32 {
    if width < PHONE_WIDTH {
        target.min((width / 4.2).max(TARGET_RANGE.0 / 2.0))
    } else {
        target
    }
}

/// Widths below this are laid out for phones (matches style/*.css).
pub const PHONE_WIDTH: f32 = 600.0;

/// Geometry tunables; the header heights must match `style/grid.css`.
const GAP: f32 = 4.0;
const DAY_HEADER: f32 = 32.0;
const MONTH_HEADER: f32 = 48.0;
const GROUP_GAP: f32 = 12.0;
/// How far beyond the viewport tiles exist, as a fraction of its height.
const OVERSCAN: f64 = 0.6;
/// Scroll idle time after which the scaled scroll pair is re-linearised.
const SETTLE: Duration = Duration::from_millis(180);
/// A frame that moves the view by more than this fraction of its height is
/// "fast": tiles created then skip placeholder decoding and thumbnail loads.
const FAST_FRACTION: f64 = 0.5;
/// Time after the last fast frame until tiles load their images (so tiles
/// only passed over by a fling never decode or request anything).
const CALM_AFTER: Duration = Duration::from_millis(120);

/// A positioned header.
#[derive(Clone, Debug, PartialEq)]
struct HeaderItem {
    key: u64,
    text: String,
    y: f64,
    /// Left edge (a day flowing beside other days on one line), else 0.
    x: f64,
    /// Width in px for a day beside other days; `None` = the grid's width.
    width: Option<f64>,
    month: bool,
    /// `aria-rowindex` (see [`row_index`]).
    row: u32,
}

/// A row of tiles for assistive technology: an empty `role=row` element
/// that owns (`aria-owns`) the tiles of one row of the layout, which stay
/// pooled and absolutely positioned in the spacer.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RowItem {
    /// `aria-rowindex` (see [`row_index`]).
    index: u32,
    /// Element ids of the row's tiles (`ig-t-{display position}`).
    owns: String,
}

/// What a row of the grid is, for its `aria-rowindex`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// The month header of a group that starts a month.
    Month,
    /// The day header of a group.
    Day,
    /// A row of tiles starting at this display position.
    Tiles(u32),
}

/// The `aria-rowindex` of a row of group `group` (whose first tile is at
/// display position `first`): numbered over the whole library, not the band
/// on screen. Each group counts room for its two headers, so indices grow
/// down the grid whatever is laid out yet, and stay at most
/// [`row_count`]: `first + 2·group + 1` for the month header, `+ 2` for the
/// day header, and `tile + 2·group + 3` for a row starting at `tile`.
pub fn row_index(first: u32, group: u32, kind: RowKind) -> u32 {
    let base = group.saturating_mul(2);
    match kind {
        RowKind::Month => first.saturating_add(base).saturating_add(1),
        RowKind::Day => first.saturating_add(base).saturating_add(2),
        RowKind::Tiles(tile) => tile.saturating_add(base).saturating_add(3),
    }
}

/// `aria-rowcount` of a grid of `tiles` tiles in `groups` day groups: the
/// largest [`row_index`] it can have.
pub fn row_count(tiles: u32, groups: u32) -> u32 {
    tiles.saturating_add(groups.saturating_mul(2))
}

impl HeaderItem {
    /// The transform placing the header (one compositor transform, as
    /// tiles) and its width; set through CSSOM, which a strict CSP allows
    /// where a `style` attribute is refused.
    fn placement(&self) -> (String, Option<String>) {
        (
            format!("translate3d({}px,{}px,0)", self.x, self.y),
            self.width.map(|w| format!("{w}px")),
        )
    }
}

/// A pool slot and the asset it shows now.
struct SlotEntry {
    slot: TileSlot,
    lib: u32,
}

/// English month names (tile labels; headers follow the locale).
pub(crate) use crate::locale::MONTH_NAMES;

/// A day header for `day` (days since 1970-01-01) in `locale`.
fn day_text(day: i32, locale: &Locale) -> String {
    let (y, m, d) = civil_from_days(day);
    locale.day(&When {
        year: y,
        month: u32::from(m),
        day: u32::from(d),
        // 1970-01-01 was a Thursday (Monday is 0).
        weekday: (day + 3).rem_euclid(7) as u32,
        hour: 0,
        minute: 0,
    })
}

/// What one update changed, applied to signals after the state is released.
#[derive(Default)]
struct Frame {
    /// The pool's slots, when slots were added or removed.
    tiles: Option<Vec<TileSlot>>,
    moved: Vec<(ArcRwSignal<TilePos>, TilePos)>,
    /// Slots re-used for another asset.
    assigned: Vec<(ArcRwSignal<Arc<TileInfo>>, Arc<TileInfo>)>,
    headers: Option<Vec<HeaderItem>>,
    rows: Option<Vec<RowItem>>,
    row_count: u32,
    marks: Option<Vec<ScrubberMark>>,
    scrub: f64,
    scaled: bool,
    /// The view moved more than [`FAST_FRACTION`] of its height since the last frame.
    fast: bool,
}

/// The grid's non-reactive state.
struct Engine {
    geo: Geometry,
    sync: ScrollSync,
    data: GridData,
    prefs: GridLayoutPrefs,
    width: f32,
    vh: f64,
    /// Display position holding the roving tabindex.
    focus: u32,
    /// The tile pool: one slot per tile in the window, re-assigned as the
    /// window moves (see [`Engine::render`]).
    slots: Vec<SlotEntry>,
    next_slot: u32,
    headers: Vec<HeaderItem>,
    rows: Vec<RowItem>,
    marks_for: f64,
    /// The total height changed while scrolling a scaled map; applied on settle.
    map_stale: bool,
    /// The index was replaced since the last render: a slot that keeps its
    /// library index may now hold another asset (pages merged in another
    /// order) or the same asset with other values, so every kept slot's
    /// info is read again from the new index.
    infos_stale: bool,
    scroller: Option<web_sys::HtmlElement>,
    spacer: Option<web_sys::HtmlElement>,
    raf_pending: bool,
    settle: Option<TimeoutHandle>,
    /// Real scroll top of the last rendered frame (for the scroll speed).
    last_real: f64,
    calm_timer: Option<TimeoutHandle>,
    observer: Option<(web_sys::ResizeObserver, Closure<dyn FnMut()>)>,
    /// How headers write dates.
    locale: Arc<Locale>,
}

impl Engine {
    fn new(prefs: GridLayoutPrefs, locale: Arc<Locale>) -> Self {
        let geo = Geometry::new(prefs.config(1000.0), &[], &[]);
        Self {
            locale,
            sync: ScrollSync::new(ScrollMap::new(0.0, 0.0, DEFAULT_MAX_DOM_HEIGHT)),
            geo,
            data: GridData::default(),
            prefs,
            width: 0.0,
            vh: 0.0,
            focus: 0,
            slots: Vec::new(),
            next_slot: 0,
            headers: Vec::new(),
            rows: Vec::new(),
            marks_for: -1.0,
            map_stale: false,
            infos_stale: false,
            scroller: None,
            spacer: None,
            raf_pending: false,
            settle: None,
            last_real: 0.0,
            calm_timer: None,
            observer: None,
        }
    }

    /// Aspects and day keys of `order[from..]`, in display order.
    fn gather(data: &GridData, from: usize) -> (Vec<f32>, Vec<i32>) {
        let tail = data.order.get(from..).unwrap_or(&[]);
        data.index.aspects_and_days(tail)
    }

    /// Takes new data; returns the scroll top that keeps the view's top tile.
    fn set_data(&mut self, new: GridData) -> f64 {
        let vh = self.vh.max(1.0);
        let real = self.sync.real();
        let old = std::mem::replace(&mut self.data, new);
        let new = &self.data;
        if !Arc::ptr_eq(&old.index, &new.index) {
            self.infos_stale = true;
        }
        let (ol, nl) = (old.order.len(), new.order.len());
        let extends = nl >= ol
            && new.index_extends
            && new.index.len() >= old.index.len()
            && (Arc::ptr_eq(&old.order, &new.order) || new.order[..ol] == old.order[..]);
        if extends && ol > 0 {
            if nl == ol {
                return real;
            }
            let anchor = self.geo.anchor_at(real);
            let (a, d) = Self::gather(new, ol);
            self.geo.append(&a, &d);
            return anchor.map_or(real, |a| self.geo.scroll_top_for_anchor(a, vh));
        }
        let (a, d) = Self::gather(new, 0);
        let mut geo = Geometry::new(self.prefs.config(self.width.max(1.0)), &a, &d);
        let position_in_new = |lib: u32| new.order.iter().position(|&x| x == lib);
        let st = relayout_scroll_top(
            &self.geo,
            real,
            &mut geo,
            |t| {
                let lib = *old.order.get(t as usize)?;
                position_in_new(lib).map(|p| p as u32)
            },
            vh,
        );
        self.focus = old
            .order
            .get(self.focus as usize)
            .and_then(|&lib| position_in_new(lib))
            .map_or(0, |p| p as u32);
        self.geo = geo;
        st
    }

    fn set_prefs(&mut self, prefs: GridLayoutPrefs) -> Option<f64> {
        if prefs == self.prefs {
            return None;
        }
        self.prefs = prefs;
        let cfg = prefs.config(self.width.max(1.0));
        Some(
            self.geo
                .set_config_anchored(cfg, self.sync.real(), self.vh.max(1.0)),
        )
    }

    /// The scroller's size changed; returns the scroll top to jump to.
    fn resize(&mut self, width: f32, vh: f64) -> f64 {
        let real = self.sync.real();
        self.vh = vh;
        if (width - self.width).abs() >= 0.5 {
            let target = self.prefs.sanitized().target;
            let phone_changed =
                phone_target(target, self.width.max(1.0)) != phone_target(target, width);
            self.width = width;
            // Crossing the phone width (or the first real measure, from 0)
            // changes the row height too, not only the width.
            if phone_changed {
                let cfg = self.prefs.config(width.max(1.0));
                return self.geo.set_config_anchored(cfg, real, vh.max(1.0));
            }
            return self.geo.set_width_anchored(width, real, vh.max(1.0));
        }
        real
    }

    fn overscan(&self) -> f64 {
        self.vh * OVERSCAN
    }

    /// One frame: scroll (or jump to `jump`), lay out the band, place tiles.
    fn update(&mut self, jump: Option<f64>, settle: bool) -> Option<Frame> {
        let el = self.scroller.clone()?;
        let spacer = self.spacer.clone()?;
        if self.width < 1.0 || self.vh < 1.0 {
            return None;
        }
        let vh = self.vh;
        let ov = self.overscan();
        let dom_now = f64::from(el.scroll_top());
        let map = *self.sync.map();
        let at_end = match jump {
            Some(r) => r >= self.geo.max_scroll_top(vh) - 0.5,
            None => map.dom_max_scroll() > 0.0 && dom_now >= map.dom_max_scroll() - 1.0,
        };
        let real = match jump {
            Some(r) => r,
            None => self.sync.on_dom_scroll(dom_now),
        };
        let mut fixed = self.geo.layout_window(real, vh, ov);
        // At the very end, real heights near the end replace estimates:
        // follow the end until it stops moving, so one scroll (or End, or the
        // scrubber's bottom) always reaches the last row.
        if at_end {
            for _ in 0..4 {
                let end = self.geo.max_scroll_top(vh);
                fixed = self.geo.layout_window(end, vh, ov);
                if (self.geo.max_scroll_top(vh) - end).abs() < 0.5 {
                    break;
                }
            }
        }
        let mut set_dom = jump.is_some() || (fixed - real).abs() > 0.01;

        let total = self.geo.total_height();
        if map.real_height() != total || map.viewport_h() != vh || self.map_stale {
            let next = ScrollMap::new(total, vh, DEFAULT_MAX_DOM_HEIGHT);
            // While a scaled view scrolls, moving the DOM scroll top would
            // cancel the browser's smooth scrolling; positions come from the
            // (real, dom) pair anyway, so the map waits for the scroll to settle.
            let defer = map.is_scaled()
                && next.is_scaled()
                && map.viewport_h() == vh
                && jump.is_none()
                && !settle
                && fixed < map.real_max_scroll();
            if defer {
                self.map_stale = true;
            } else {
                if next.dom_height() != map.dom_height() {
                    let _ = spacer
                        .style()
                        .set_property("height", &format!("{}px", next.dom_height()));
                }
                self.sync.set_map(next);
                self.map_stale = false;
                set_dom = true;
            }
        }
        if settle {
            set_dom |= self.sync.resync().is_some();
        }
        if set_dom {
            let d = self.sync.scroll_to_real(fixed);
            if (d - dom_now).abs() >= 1.0 {
                el.set_scroll_top(d.round() as i32);
                // Keep the pair on the integer the browser stores, so the
                // scroll event this causes reads as no movement.
                self.sync.on_dom_scroll(d.round());
            }
        }
        Some(self.render())
    }

    /// Tiles and headers of the current window.
    fn render(&mut self) -> Frame {
        let real = self.sync.real();
        let (vh, ov) = (self.vh, self.overscan());
        let win = self.geo.window(real, vh, ov);
        let order = Arc::clone(&self.data.order);
        let mut frame = Frame {
            scaled: self.sync.map().is_scaled(),
            fast: (real - self.last_real).abs() > vh * FAST_FRACTION,
            ..Frame::default()
        };
        self.last_real = real;

        self.place_tiles(&win, &order, &mut frame);

        let mut headers = Vec::new();
        for g in win.groups.clone() {
            let Some(info) = self.geo.group(g) else {
                continue;
            };
            let first = info.tiles.start;
            if let Some(m) = info.month_header {
                let y = self.sync.dom_y(info.top).round();
                headers.push(HeaderItem {
                    key: ((u64::from(g) << 1) | 1) ^ ((y as i64 as u64) << 24),
                    text: self.locale.month_year(m.year, u32::from(m.month)),
                    y,
                    x: 0.0,
                    width: None,
                    month: true,
                    row: row_index(first, g, RowKind::Month),
                });
            }
            if DAY_HEADER > 0.0 && self.geo.section_count() > 0 {
                let y = self.sync.dom_y(info.day_header_top).round();
                // A day beside other days gets its own x and width; a day
                // alone on its line spans the grid, as the month header does.
                let alone = info.x == 0.0 && info.width >= self.geo.config().width;
                headers.push(HeaderItem {
                    key: (u64::from(g) << 1) ^ ((y as i64 as u64) << 24),
                    text: day_text(info.day, &self.locale),
                    y,
                    x: f64::from(info.x),
                    width: (!alone).then_some(f64::from(info.width)),
                    month: false,
                    row: row_index(first, g, RowKind::Day),
                });
            }
        }
        if headers != self.headers {
            self.headers = headers.clone();
            frame.headers = Some(headers);
        }
        // Rows of tiles: consecutive visible tiles of one group at one top.
        let mut rows: Vec<RowItem> = Vec::new();
        let mut last: Option<(u32, f32)> = None;
        for r in self.geo.visible_tiles(&win) {
            let g = self.geo.group_of_tile(r.index);
            if last != Some((g, r.y as f32)) {
                let first = self.geo.group(g).map_or(0, |i| i.tiles.start);
                rows.push(RowItem {
                    index: row_index(first, g, RowKind::Tiles(r.index)),
                    owns: String::new(),
                });
                last = Some((g, r.y as f32));
            }
            if let Some(row) = rows.last_mut() {
                if !row.owns.is_empty() {
                    row.owns.push(' ');
                }
                row.owns.push_str("ig-t-");
                row.owns.push_str(&r.index.to_string());
            }
        }
        if rows != self.rows {
            self.rows = rows.clone();
            frame.rows = Some(rows);
        }
        frame.row_count = row_count(self.geo.len(), self.geo.group_count());

        let total = self.geo.total_height();
        if total != self.marks_for {
            self.marks_for = total;
            frame.marks = Some(self.geo.scrubber_marks());
        }
        frame.scrub = self.geo.fraction_for_scroll_top(real);
        frame
    }

    /// Fills the pool for `win`: a slot whose asset stays in the window keeps
    /// it (and only moves); assets entering take the slots of assets that
    /// left; the pool grows or shrinks by the difference. A fast scroll thus
    /// updates a few signals per tile instead of building and dropping DOM.
    fn place_tiles(&mut self, win: &grid_core::Window, order: &[u32], frame: &mut Frame) {
        let mut wanted: HashMap<u32, TilePos> = HashMap::with_capacity(self.slots.len() + 16);
        let mut entering = Vec::new();
        for r in self.geo.visible_tiles(win) {
            let Some(&lib) = order.get(r.index as usize) else {
                continue;
            };
            let pos = TilePos {
                disp: r.index,
                x: f64::from(r.x),
                y: self.sync.dom_y(r.y).round(),
                w: f64::from(r.w),
                h: f64::from(r.h),
            };
            if wanted.insert(lib, pos).is_none() {
                entering.push(lib);
            }
        }
        // Slots keeping their asset: move them; the others are free. After
        // the index changed, what a kept slot shows is read again: the same
        // library index may now name another asset.
        let refresh = std::mem::take(&mut self.infos_stale);
        let mut free = Vec::new();
        for (i, e) in self.slots.iter().enumerate() {
            match wanted.remove(&e.lib) {
                Some(pos) => {
                    if refresh {
                        if let Some(info) = TileInfo::from_index(&self.data.index, e.lib) {
                            if e.slot.info.with_untracked(|cur| **cur != info) {
                                frame.assigned.push((e.slot.info.clone(), Arc::new(info)));
                            }
                        }
                    }
                    if e.slot.pos.get_untracked() != pos {
                        frame.moved.push((e.slot.pos.clone(), pos));
                    }
                }
                None => free.push(i),
            }
        }
        let mut free = free.into_iter();
        let mut grew = false;
        for lib in entering {
            // Still in `wanted` = not kept by an existing slot.
            let Some(pos) = wanted.remove(&lib) else {
                continue;
            };
            let Some(info) = TileInfo::from_index(&self.data.index, lib).map(Arc::new) else {
                continue;
            };
            match free.next() {
                Some(i) => {
                    let e = &mut self.slots[i];
                    e.lib = lib;
                    frame.assigned.push((e.slot.info.clone(), info));
                    if e.slot.pos.get_untracked() != pos {
                        frame.moved.push((e.slot.pos.clone(), pos));
                    }
                }
                None => {
                    self.next_slot = self.next_slot.wrapping_add(1);
                    self.slots.push(SlotEntry {
                        slot: TileSlot {
                            id: self.next_slot,
                            info: ArcRwSignal::new(info),
                            pos: ArcRwSignal::new(pos),
                        },
                        lib,
                    });
                    grew = true;
                }
            }
        }
        // Slots left over: the window holds fewer tiles than before.
        let unused: Vec<usize> = free.collect();
        if !unused.is_empty() {
            let mut k = 0;
            let mut i = 0;
            self.slots.retain(|_| {
                let drop_it = unused.get(k) == Some(&i);
                if drop_it {
                    k += 1;
                }
                i += 1;
                !drop_it
            });
        }
        if grew || !unused.is_empty() {
            frame.tiles = Some(self.slots.iter().map(|e| e.slot.clone()).collect());
        }
    }

    /// Keyboard navigation: the target display position and the scroll top
    /// that shows it.
    /// The display position of library index `lib`, if shown.
    fn focus_of(&self, lib: u32) -> Option<u32> {
        u32::try_from(self.data.order.iter().position(|&l| l == lib)?).ok()
    }

    /// Focus on the tile of library index `lib`, scrolled into view: its
    /// display position and the scroll top.
    fn reveal(&mut self, lib: u32) -> Option<(u32, f64)> {
        if self.geo.is_empty() || self.vh < 1.0 {
            return None;
        }
        let to = self.focus_of(lib)?;
        let real = self.sync.real();
        let anchor = self.geo.anchor_at(real);
        let vh = self.vh;
        // Lay out the target's group first, then keep the view still.
        let _ = self.geo.scroll_into_view(to, real, vh);
        let real = anchor.map_or(real, |a| self.geo.scroll_top_for_anchor(a, vh));
        let ov = self.overscan();
        let st = self.geo.reveal(to, real, vh, ov);
        self.focus = to;
        Some((to, st))
    }

    fn navigate(&mut self, key: NavKey) -> Option<(u32, f64)> {
        if self.geo.is_empty() || self.vh < 1.0 {
            return None;
        }
        let vh = self.vh;
        let real = self.sync.real();
        let in_view = self
            .geo
            .tile_rect(self.focus)
            .is_some_and(|r| r.y + f64::from(r.h) > real && r.y < real + vh);
        let from = if in_view {
            self.focus
        } else {
            self.geo.anchor_at(real).map_or(0, |a| a.tile)
        };
        // `navigate` may lay out groups above the view: keep the view still.
        let anchor = self.geo.anchor_at(real);
        let to = self.geo.navigate(from, key, vh);
        let real = anchor.map_or(real, |a| self.geo.scroll_top_for_anchor(a, vh));
        let ov = self.overscan();
        let st = self.geo.reveal(to, real, vh, ov);
        self.focus = to;
        Some((to, st))
    }
}

/// Signals the view renders (all `Copy`).
#[derive(Clone, Copy)]
struct Sigs {
    engine: StoredValue<Engine, LocalStorage>,
    tiles: RwSignal<Vec<TileSlot>>,
    headers: RwSignal<Vec<HeaderItem>>,
    rows: RwSignal<Vec<RowItem>>,
    row_count: RwSignal<u32>,
    marks: RwSignal<Vec<ScrubberMark>>,
    scrub: RwSignal<f64>,
    /// False from a fast frame until [`CALM_AFTER`] later.
    calm: RwSignal<bool>,
    focus: RwSignal<u32>,
    pending_focus: RwSignal<Option<u32>>,
}

impl Sigs {
    /// Runs an update now and applies it. `motion`: the update follows the
    /// user's scrolling or dragging, so a big move counts as fast (keyboard,
    /// data and resize jumps load their tiles at once).
    fn run(self, jump: Option<f64>, settle: bool, motion: bool) {
        let Some(frame) = self
            .engine
            .try_update_value(|e| e.update(jump, settle))
            .flatten()
        else {
            return;
        };
        // Before the tiles change, so new tiles see the current state.
        if motion && frame.fast {
            self.arm_calm();
        }
        for (sig, info) in frame.assigned {
            sig.set(info);
        }
        for (sig, pos) in frame.moved {
            sig.set(pos);
        }
        if let Some(t) = frame.tiles {
            self.tiles.set(t);
        }
        if let Some(h) = frame.headers {
            self.headers.set(h);
        }
        if let Some(r) = frame.rows {
            self.rows.set(r);
        }
        if self.row_count.get_untracked() != frame.row_count {
            self.row_count.set(frame.row_count);
        }
        if let Some(m) = frame.marks {
            self.marks.set(m);
        }
        if self.scrub.get_untracked() != frame.scrub {
            self.scrub.set(frame.scrub);
        }
        if frame.scaled && !settle {
            self.arm_settle();
        }
    }

    /// Coalesces scroll events to one update per animation frame.
    fn schedule(self) {
        let first = self
            .engine
            .try_update_value(|e| !std::mem::replace(&mut e.raf_pending, true))
            .unwrap_or(false);
        if first {
            request_animation_frame(move || {
                self.engine.update_value(|e| e.raf_pending = false);
                self.run(None, false, true);
            });
        }
    }

    /// After scrolling stops, re-linearise the scaled scroll pair (moves the
    /// scrollbar thumb to its true place without moving any tile).
    fn arm_settle(self) {
        let handle = set_timeout_with_handle(move || self.run(None, true, false), SETTLE).ok();
        self.engine.update_value(|e| {
            if let Some(old) = std::mem::replace(&mut e.settle, handle) {
                old.clear();
            }
        });
    }

    /// Marks the grid fast now and calm after [`CALM_AFTER`] without another
    /// fast frame.
    fn arm_calm(self) {
        if self.calm.get_untracked() {
            self.calm.set(false);
        }
        let calm = self.calm;
        let handle = set_timeout_with_handle(move || calm.set(true), CALM_AFTER).ok();
        if handle.is_none() {
            // No timer: never leave tiles without images.
            self.calm.set(true);
        }
        self.engine.update_value(|e| {
            if let Some(old) = std::mem::replace(&mut e.calm_timer, handle) {
                old.clear();
            }
        });
    }

    fn jump(self, real: f64) {
        self.run(Some(real), false, false);
    }

    /// A jump from dragging the scrubber: fast when it moves far.
    fn seek(self, real: f64) {
        self.run(Some(real), false, true);
    }
}

fn nav_key(key: &str) -> Option<NavKey> {
    Some(match key {
        "ArrowLeft" => NavKey::Left,
        "ArrowRight" => NavKey::Right,
        "ArrowUp" => NavKey::Up,
        "ArrowDown" => NavKey::Down,
        "PageUp" => NavKey::PageUp,
        "PageDown" => NavKey::PageDown,
        "Home" => NavKey::Home,
        "End" => NavKey::End,
        _ => return None,
    })
}

/// The virtualised grid. Fills its parent (give the parent a height).
#[component]
pub fn Grid(
    /// Library and displayed order; the grid relayouts when `version` changes.
    #[prop(into)]
    data: Signal<GridData>,
    /// Where thumbnails come from.
    thumbs: ThumbSource,
    /// Justified or square, and the target tile size.
    #[prop(into)]
    layout: Signal<GridLayoutPrefs>,
    /// Enter or click on a tile, with the tile's index into `data.index`.
    on_activate: Callback<u32>,
    /// A library index whose tile should be scrolled into view and take the
    /// focus (set when the viewer closes; the grid clears it).
    #[prop(optional)]
    reveal: Option<RwSignal<Option<u32>>>,
) -> impl IntoView {
    let scroller = NodeRef::<html::Div>::new();
    let spacer = NodeRef::<html::Div>::new();
    let sigs = Sigs {
        engine: StoredValue::new_local(Engine::new(
            layout.get_untracked().sanitized(),
            use_context::<Arc<Locale>>().unwrap_or_default(),
        )),
        tiles: RwSignal::new(Vec::new()),
        headers: RwSignal::new(Vec::new()),
        rows: RwSignal::new(Vec::new()),
        row_count: RwSignal::new(0),
        marks: RwSignal::new(Vec::new()),
        scrub: RwSignal::new(0.0),
        calm: RwSignal::new(true),
        focus: RwSignal::new(0),
        pending_focus: RwSignal::new(None),
    };
    let loader = StoredValue::new_local(ThumbLoader::default());
    let placeholders = StoredValue::new_local(PlaceholderCache::default());
    let ctx = TileCtx {
        focus: sigs.focus,
        pending_focus: sigs.pending_focus,
        on_activate,
        calm: sigs.calm.into(),
    };

    // Mount: keep the DOM handles and watch the scroller's size.
    Effect::new(move |_| {
        let (Some(el), Some(sp)) = (scroller.get(), spacer.get()) else {
            return;
        };
        let el: web_sys::HtmlElement = el.into();
        let observed = el.clone();
        let on_resize = Closure::<dyn FnMut()>::new(move || {
            let w = observed.client_width() as f32;
            let h = f64::from(observed.client_height());
            if let Some(st) = sigs.engine.try_update_value(|e| e.resize(w, h)) {
                sigs.jump(st);
            }
        });
        let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
        if let Some(o) = &observer {
            o.observe(&el);
        }
        sigs.engine.update_value(|e| {
            e.scroller = Some(el);
            e.spacer = Some(sp.into());
            e.observer = observer.map(|o| (o, on_resize));
        });
    });
    on_cleanup(move || {
        sigs.engine.update_value(|e| {
            if let Some((o, _)) = e.observer.take() {
                o.disconnect();
            }
            if let Some(t) = e.settle.take() {
                t.clear();
            }
            if let Some(t) = e.calm_timer.take() {
                t.clear();
            }
        });
    });

    // New data: append or rebuild, keeping the top tile in place.
    Effect::new(move |_| {
        let d = data.get();
        let focus = sigs.engine.try_update_value(|e| {
            let st = e.set_data(d);
            (st, e.focus)
        });
        if let Some((st, f)) = focus {
            sigs.focus.set(f);
            sigs.jump(st);
        }
    });
    // A tile focused by click or Tab takes the roving tabindex.
    Effect::new(move |_| {
        let f = sigs.focus.get();
        sigs.engine.update_value(|e| e.focus = f);
    });
    // New layout preferences.
    Effect::new(move |_| {
        let p = layout.get().sanitized();
        if let Some(Some(st)) = sigs.engine.try_update_value(|e| e.set_prefs(p)) {
            sigs.jump(st);
        }
    });

    // Focus back on a tile (the viewer closed): scroll it into view if the
    // person moved, then focus it.
    if let Some(reveal) = reveal {
        Effect::new(move |_| {
            let Some(lib) = reveal.get() else { return };
            reveal.set(None);
            // Twice: the first jump lays out the groups around the target,
            // whose real heights may move it; the second puts it in view.
            for _ in 0..2 {
                if let Some(Some((_, st))) = sigs.engine.try_update_value(|e| e.reveal(lib)) {
                    sigs.jump(st);
                }
            }
            if let Some(to) = sigs.engine.with_value(|e| e.focus_of(lib)) {
                sigs.focus.set(to);
                sigs.pending_focus.set(Some(to));
            }
        });
    }

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        let key = ev.key();
        if key == "Enter" {
            let lib = sigs
                .engine
                .with_value(|e| e.data.order.get(e.focus as usize).copied());
            if let Some(lib) = lib {
                ev.prevent_default();
                on_activate.run(lib);
            }
            return;
        }
        let Some(nav) = nav_key(&key) else {
            return;
        };
        ev.prevent_default();
        if let Some(Some((to, st))) = sigs.engine.try_update_value(|e| e.navigate(nav)) {
            // Scroll first so the target's tile exists, then focus it.
            sigs.jump(st);
            sigs.focus.set(to);
            sigs.pending_focus.set(Some(to));
        }
    };

    let on_seek = Callback::new(move |f: f64| {
        let st = sigs
            .engine
            .with_value(|e| e.geo.scroll_top_for_fraction(f, e.vh.max(1.0)));
        sigs.seek(st);
    });

    let tile_view = move |slot: TileSlot| {
        view! {
            <Tile
                tile=slot
                ctx=ctx
                thumbs=thumbs.clone()
                loader=loader.get_value()
                placeholders=placeholders.get_value()
            />
        }
    };

    view! {
        <div class="ig-grid-root">
            <div
                class="ig-scroller"
                role="grid"
                aria-label="Photos"
                aria-multiselectable="false"
                aria-rowcount=move || sigs.row_count.get().to_string()
                data-testid="grid"
                tabindex="0"
                node_ref=scroller
                on:scroll=move |_| sigs.schedule()
                on:keydown=on_keydown
            >
                <div class="ig-spacer" role="presentation" node_ref=spacer>
                    // Keyed by place and text: a header at the same place that
                    // names another date (the index changed) is a new header.
                    <For
                        each=move || sigs.headers.get()
                        key=|h| (h.key, h.text.clone())
                        children=move |h| {
                            let (transform, width) = h.placement();
                            // A row holding a heading: month headings at level 2
                            // (under the page's title), days at level 3.
                            view! {
                                <div
                                    class=if h.month { "ig-month-header" } else { "ig-day-header" }
                                    role="row"
                                    aria-rowindex=h.row.to_string()
                                    style:transform=transform
                                    style:width=width
                                >
                                    <div role="columnheader" class="ig-header-cell">
                                        {if h.month {
                                            view! { <h2 class="ig-header-text">{h.text}</h2> }.into_any()
                                        } else {
                                            view! { <h3 class="ig-header-text">{h.text}</h3> }.into_any()
                                        }}
                                    </div>
                                </div>
                            }
                        }
                    />
                    // The tiles' layer. Each numbered row below owns its tiles
                    // (aria-owns), so in the accessibility tree this row is
                    // left empty; it is their parent for tools that ignore
                    // aria-owns.
                    <div class="ig-tile-layer" role="row">
                        <For each=move || sigs.tiles.get() key=|t| t.id children=tile_view />
                    </div>
                    <For
                        each=move || sigs.rows.get()
                        key=|r| (r.index, r.owns.clone())
                        children=|r| view! {
                            <div class="ig-a11y-row" role="row" aria-rowindex=r.index.to_string() aria-owns=r.owns></div>
                        }
                    />
                </div>
            </div>
            <Scrubber marks=sigs.marks position=sigs.scrub on_seek=on_seek />
        </div>
    }
}

/// Tile size slider and layout toggle; saves to `localStorage` on change
/// (if storage refuses, the choice stays in memory for the session).
#[component]
pub fn GridControls(
    /// The preferences the grid reads.
    prefs: RwSignal<GridLayoutPrefs>,
) -> impl IntoView {
    let save = move || {
        let _ = prefs.get_untracked().save();
    };
    view! {
        <div class="ig-controls" data-testid="grid-controls">
            <label class="ig-size">
                <span>"Tile size"</span>
                <input
                    type="range"
                    data-testid="tile-size"
                    min=TARGET_RANGE.0.to_string()
                    max=TARGET_RANGE.1.to_string()
                    step="10"
                    prop:value=move || prefs.get().target.to_string()
                    on:input=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                            prefs.update(|p| *p = GridLayoutPrefs { target: v, ..*p }.sanitized());
                            save();
                        }
                    }
                />
            </label>
            <button
                type="button"
                class="ig-button"
                data-testid="layout-toggle"
                aria-pressed=move || (prefs.get().mode == GridMode::Square).to_string()
                on:click=move |_| {
                    prefs.update(|p| {
                        p.mode = match p.mode {
                            GridMode::Justified => GridMode::Square,
                            GridMode::Square => GridMode::Justified,
                        };
                    });
                    save();
                }
            >
                "Square tiles"
            </button>
        </div>
    }
}

#[cfg(test)]
// A failed unwrap is a failed test.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn row_indices_grow_down_the_grid_within_the_count() {
        // Groups of 3, 1 and 4 tiles; a row of two tiles in the first and last.
        let groups = [(0u32, 3u32), (3, 1), (4, 4)];
        let mut all = Vec::new();
        for (g, &(first, n)) in groups.iter().enumerate() {
            let g = g as u32;
            all.push(row_index(first, g, RowKind::Month));
            all.push(row_index(first, g, RowKind::Day));
            for t in (first..first + n).step_by(2) {
                all.push(row_index(first, g, RowKind::Tiles(t)));
            }
        }
        assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
        assert_eq!(all[0], 1);
        // A row that starts at the very last tile has the largest index.
        assert_eq!(row_index(4, 2, RowKind::Tiles(7)), row_count(8, 3));
        assert!(all.iter().all(|&i| i <= row_count(8, 3)));
    }

    #[test]
    fn phones_get_three_to_four_photos_a_row() {
        // 390 px: rows of ~93 px, so 4:3 photos come 3 a row and squares 4.
        let h = phone_target(220.0, 390.0);
        assert!((90.0..=95.0).contains(&h), "{h}");
        assert!((3.0..=4.5).contains(&(390.0 / (h * 4.0 / 3.0))));
        // A smaller choice is kept; wide screens keep the choice.
        assert_eq!(phone_target(80.0, 390.0), 80.0);
        assert_eq!(phone_target(220.0, 1280.0), 220.0);
    }

    #[test]
    fn prefs_parse_or_fall_back() {
        let check = |json: &str, expected: GridLayoutPrefs| {
            assert_eq!(GridLayoutPrefs::from_json(json), expected, "{json}");
        };
        let d = GridLayoutPrefs::default();
        check(
            r#"{"mode":"square","target":150}"#,
            GridLayoutPrefs {
                mode: GridMode::Square,
                target: 150.0,
            },
        );
        check(r#"{"target":5000}"#, GridLayoutPrefs { target: 480.0, ..d });
        check(r#"{"mode":"hexagons"}"#, d);
        check("not json", d);
        check("", d);
        check(
            r#"{"target":150,"mode":"square","x":[1]}"#,
            GridLayoutPrefs {
                mode: GridMode::Square,
                target: 150.0,
            },
        );
        check(r#"{"target":null}"#, d);
        check(r#"{"mode":"square","mode":"square"}"#, d);
        let json = GridLayoutPrefs {
            mode: GridMode::Square,
            target: 200.0,
        }
        .to_json();
        assert_eq!(json, r#"{"mode":"square","target":200.0}"#);
        // The bytes serde wrote, and what it wrote reads back.
        #[derive(serde::Serialize)]
        struct Old {
            mode: &'static str,
            target: f32,
        }
        for (mode, target) in [
            (GridMode::Square, 200.0),
            (GridMode::Justified, 220.5),
            (GridMode::Justified, 80.25),
        ] {
            let prefs = GridLayoutPrefs { mode, target };
            let old = serde_json::to_string(&Old {
                mode: mode.as_str(),
                target,
            })
            .unwrap();
            assert_eq!(prefs.to_json(), old);
            assert_eq!(GridLayoutPrefs::from_json(&old), prefs);
        }
    }

    #[test]
    fn day_headers() {
        let en = Locale::english();
        assert_eq!(day_text(0, &en), "Thu, 1 Jan 1970");
        assert_eq!(day_text(19_846, &en), "Fri, 3 May 2024");
    }

    #[test]
    fn navigation_keys() {
        assert_eq!(nav_key("End"), Some(NavKey::End));
        assert_eq!(nav_key("ArrowUp"), Some(NavKey::Up));
        assert_eq!(nav_key("a"), None);
    }
}
