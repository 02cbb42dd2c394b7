//! Mapping between the real content height (may be 100 M px) and a capped DOM
//! scroll height, because browsers refuse to lay out elements taller than
//! ~16.7 M px (Firefox, high-DPI Chrome) to ~33.5 M px.
//!
//! The app renders a spacer of [`ScrollMap::dom_height`] and positions each
//! tile at [`ScrollMap::dom_y`]`(real_y, real_scroll, dom_scroll)`: the tiles
//! in view are laid out relative to the viewport, so only the scroll
//! *position* is scaled, never distances between tiles.

/// A safe cap on the DOM height for every browser, with margin below the
/// ~16.7 M px limit.
pub const DEFAULT_MAX_DOM_HEIGHT: f64 = 8_000_000.0;

/// Linear mapping of the scrollable ranges: DOM scroll 0 is real 0 and the
/// maximal DOM scroll is the maximal real scroll, so the last row is reachable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScrollMap {
    real_height: f64,
    dom_height: f64,
    viewport_h: f64,
}

/// `v` if finite and positive, else 0.
fn non_negative(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}

impl ScrollMap {
    /// A map for content `real_height` tall seen through a viewport
    /// `viewport_h` tall, with the spacer capped at `max_dom_height` (use
    /// [`DEFAULT_MAX_DOM_HEIGHT`]). A cap below two viewports is raised to
    /// two viewports so there is always a DOM range to scroll.
    pub fn new(real_height: f64, viewport_h: f64, max_dom_height: f64) -> Self {
        let real_height = non_negative(real_height);
        let viewport_h = non_negative(viewport_h);
        let cap = non_negative(max_dom_height).max(2.0 * viewport_h);
        Self {
            real_height,
            dom_height: real_height.min(cap),
            viewport_h,
        }
    }

    /// Height of the spacer element to render.
    pub fn dom_height(&self) -> f64 {
        self.dom_height
    }

    /// The real content height.
    pub fn real_height(&self) -> f64 {
        self.real_height
    }

    /// The viewport height the map was built for.
    pub fn viewport_h(&self) -> f64 {
        self.viewport_h
    }

    /// Largest real scroll top.
    pub fn real_max_scroll(&self) -> f64 {
        (self.real_height - self.viewport_h).max(0.0)
    }

    /// Largest DOM scroll top.
    pub fn dom_max_scroll(&self) -> f64 {
        (self.dom_height - self.viewport_h).max(0.0)
    }

    /// True when the DOM height is capped (positions are then scaled).
    pub fn is_scaled(&self) -> bool {
        self.dom_height < self.real_height
    }

    /// Real scroll top for a DOM scroll top.
    pub fn real_from_dom(&self, dom_scroll_top: f64) -> f64 {
        let dom_max = self.dom_max_scroll();
        let d = if dom_scroll_top.is_finite() {
            dom_scroll_top.clamp(0.0, dom_max)
        } else {
            0.0
        };
        if !self.is_scaled() || dom_max <= 0.0 {
            return d.min(self.real_max_scroll());
        }
        if d >= dom_max {
            // Exact at the end, whatever the rounding.
            return self.real_max_scroll();
        }
        d * (self.real_max_scroll() / dom_max)
    }

    /// DOM scroll top for a real scroll top.
    pub fn dom_from_real(&self, real_scroll_top: f64) -> f64 {
        let real_max = self.real_max_scroll();
        let r = if real_scroll_top.is_finite() {
            real_scroll_top.clamp(0.0, real_max)
        } else {
            0.0
        };
        if !self.is_scaled() || real_max <= 0.0 {
            return r.min(self.dom_max_scroll());
        }
        if r >= real_max {
            return self.dom_max_scroll();
        }
        r * (self.dom_max_scroll() / real_max)
    }

    /// Where to place something at real position `real_y` inside the spacer,
    /// given the current real and DOM scroll tops: it appears at
    /// `real_y - real_scroll` from the viewport top, exactly as unscaled.
    pub fn dom_y(real_y: f64, real_scroll: f64, dom_scroll: f64) -> f64 {
        real_y - real_scroll + dom_scroll
    }
}

/// Scroll state for a scaled grid that keeps small scrolls 1:1.
///
/// With a purely linear map, one DOM pixel is `real / dom` real pixels (e.g.
/// 7 at a million assets), so wheel and touch scrolling would jump. This
/// keeps the pair (real, dom): small DOM deltas move the real position by the
/// same amount (smooth), large ones (dragging the scrollbar) use the linear
/// map, and the ends are exact (DOM 0 is real 0, DOM max is real max). When
/// scrolling settles the app calls [`ScrollSync::resync`] and sets the DOM
/// scroll top it returns, which moves the scrollbar thumb back to its linear
/// place without moving any tile (tiles are placed from the pair).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScrollSync {
    map: ScrollMap,
    real: f64,
    dom: f64,
    /// DOM deltas up to this are applied 1:1.
    jump_threshold: f64,
}

impl ScrollSync {
    /// Starts at the top. Deltas up to two viewports are treated as scrolling.
    pub fn new(map: ScrollMap) -> Self {
        Self {
            map,
            real: 0.0,
            dom: 0.0,
            jump_threshold: 2.0 * map.viewport_h(),
        }
    }

    /// The current map.
    pub fn map(&self) -> &ScrollMap {
        &self.map
    }

    /// Current real scroll top (feed it to [`crate::Grid::window`]).
    pub fn real(&self) -> f64 {
        self.real
    }

    /// DOM scroll top the state corresponds to.
    pub fn dom(&self) -> f64 {
        self.dom
    }

    /// Where to place real position `real_y` inside the spacer.
    pub fn dom_y(&self, real_y: f64) -> f64 {
        ScrollMap::dom_y(real_y, self.real, self.dom)
    }

    /// Handles a scroll event; returns the new real scroll top.
    pub fn on_dom_scroll(&mut self, dom_scroll_top: f64) -> f64 {
        let dom_max = self.map.dom_max_scroll();
        let d = if dom_scroll_top.is_finite() {
            dom_scroll_top.clamp(0.0, dom_max)
        } else {
            0.0
        };
        let delta = d - self.dom;
        let real_max = self.map.real_max_scroll();
        self.real = if !self.map.is_scaled() {
            d
        } else if d <= 0.0 {
            0.0
        } else if d >= dom_max {
            real_max
        } else if delta.abs() <= self.jump_threshold {
            (self.real + delta).clamp(0.0, real_max)
        } else {
            self.map.real_from_dom(d)
        };
        self.dom = d;
        self.real
    }

    /// The DOM scroll top to set once scrolling has settled, or `None` if
    /// the pair is already on the linear map (within a pixel).
    pub fn resync(&mut self) -> Option<f64> {
        let want = self.map.dom_from_real(self.real);
        if (want - self.dom).abs() < 1.0 {
            return None;
        }
        self.dom = want;
        Some(want)
    }

    /// Jump to a real position (scrubber, anchoring, keyboard); returns the
    /// DOM scroll top to set.
    pub fn scroll_to_real(&mut self, real_scroll_top: f64) -> f64 {
        let r = if real_scroll_top.is_finite() {
            real_scroll_top
        } else {
            0.0
        };
        self.real = r.clamp(0.0, self.map.real_max_scroll());
        self.dom = self.map.dom_from_real(self.real);
        self.dom
    }

    /// The content height or viewport changed: keeps the real position
    /// (clamped) and returns the DOM scroll top to set.
    pub fn set_map(&mut self, map: ScrollMap) -> f64 {
        self.map = map;
        self.jump_threshold = 2.0 * map.viewport_h();
        let real = self.real;
        self.scroll_to_real(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{grid::tests::library, Grid, LayoutConfig};

    #[test]
    fn endpoints_map_to_endpoints() {
        // (real height, viewport, cap)
        let cases = [
            (100_000_000.0, 900.0, DEFAULT_MAX_DOM_HEIGHT),
            (8_000_001.0, 900.0, DEFAULT_MAX_DOM_HEIGHT),
            (50_000.0, 900.0, DEFAULT_MAX_DOM_HEIGHT), // small: unscaled
            (500.0, 900.0, DEFAULT_MAX_DOM_HEIGHT),    // shorter than the viewport
            (1e9, 1000.0, 100.0),                      // cap below viewport is raised
        ];
        for (real, vh, cap) in cases {
            let m = ScrollMap::new(real, vh, cap);
            assert!(m.dom_height() <= cap.max(2.0 * vh) && m.dom_height() <= real);
            assert_eq!(m.real_from_dom(0.0), 0.0);
            assert_eq!(m.dom_from_real(0.0), 0.0);
            assert_eq!(m.real_from_dom(m.dom_max_scroll()), m.real_max_scroll());
            assert_eq!(m.dom_from_real(m.real_max_scroll()), m.dom_max_scroll());
            // Out of range and garbage input clamp instead of misbehaving.
            assert_eq!(m.real_from_dom(1e12), m.real_max_scroll());
            assert_eq!(m.real_from_dom(f64::NAN), 0.0);
            assert_eq!(m.dom_from_real(-5.0), 0.0);
            // Monotone and round-trips in the middle.
            let d = m.dom_max_scroll() * 0.37;
            let r = m.real_from_dom(d);
            assert!((m.dom_from_real(r) - d).abs() < 1e-6);
            if !m.is_scaled() {
                assert_eq!(r, d, "unscaled maps 1:1");
            }
        }
    }

    #[test]
    fn end_of_a_million_tiles_is_reachable_through_a_capped_spacer() {
        let (a, d) = library(1_000_000, 60, 11);
        let mut g = Grid::new(
            LayoutConfig {
                width: 1200.0,
                ..LayoutConfig::default()
            },
            &a,
            &d,
        );
        g.layout_all();
        let vh = 900.0;
        let m = ScrollMap::new(g.total_height(), vh, DEFAULT_MAX_DOM_HEIGHT);
        assert!(m.is_scaled() && m.dom_height() == DEFAULT_MAX_DOM_HEIGHT);
        // The browser's maximal (integer) scroll top.
        let dom_end = m.dom_max_scroll().floor();
        let real = m.real_from_dom(dom_end);
        assert!(g.max_scroll_top(vh) - real < (g.total_height() / m.dom_height()) * 1.01);
        let real = m.real_from_dom(m.dom_max_scroll());
        let w = g.window(real, vh, 0.0);
        assert_eq!(w.tiles.end, g.len(), "last tile rendered");
        // The last tile sits inside the viewport when placed relative to it.
        let last = g.tile_rect(g.len() - 1).unwrap();
        let y = ScrollMap::dom_y(last.y, real, m.dom_max_scroll());
        let view_top = m.dom_max_scroll();
        assert!(y >= view_top && y + f64::from(last.h) <= view_top + vh);
        assert!(y + f64::from(last.h) <= m.dom_height());
    }

    #[test]
    fn sync_scrolls_small_deltas_one_to_one_and_keeps_ends_exact() {
        let m = ScrollMap::new(60_000_000.0, 1000.0, DEFAULT_MAX_DOM_HEIGHT);
        let mut s = ScrollSync::new(m);
        // Wheel steps move the content by exactly the wheel step.
        assert_eq!(s.on_dom_scroll(100.0), 100.0);
        assert_eq!(s.on_dom_scroll(250.0), 250.0);
        assert_eq!(s.on_dom_scroll(200.0), 200.0);
        // Settling moves the thumb to the linear place, not the content.
        let before = s.dom_y(5000.0);
        let dom = s.resync().unwrap();
        assert!((dom - m.dom_from_real(200.0)).abs() < 1e-9);
        assert!((s.dom_y(5000.0) - before - (dom - 200.0)).abs() < 1e-9);
        assert_eq!(s.resync(), None);
        // The scroll event caused by setting scrollTop is a no-op.
        assert_eq!(s.on_dom_scroll(dom), 200.0);
        // A thumb drag (large delta) maps linearly.
        let r = s.on_dom_scroll(m.dom_max_scroll() * 0.5);
        assert!((r - m.real_from_dom(m.dom_max_scroll() * 0.5)).abs() < 1e-6);
        // Ends are exact.
        assert_eq!(s.on_dom_scroll(m.dom_max_scroll()), m.real_max_scroll());
        assert_eq!(
            s.on_dom_scroll(m.dom_max_scroll() - 50.0),
            m.real_max_scroll() - 50.0
        );
        assert_eq!(s.on_dom_scroll(0.0), 0.0);
        // Jumps and content changes.
        let dom = s.scroll_to_real(1e7);
        assert!((m.real_from_dom(dom) - 1e7).abs() < 1e-3);
        let m2 = ScrollMap::new(5e6, 1000.0, DEFAULT_MAX_DOM_HEIGHT);
        assert_eq!(s.set_map(m2), m2.real_max_scroll());
        assert_eq!(s.real(), m2.real_max_scroll());
    }
}
