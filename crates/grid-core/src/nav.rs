//! Keyboard navigation over the grid: the tile reached by an arrow, page or
//! Home/End key, crossing group boundaries.

use crate::grid::Grid;

/// A navigation key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NavKey {
    /// Previous tile in display order.
    Left,
    /// Next tile in display order.
    Right,
    /// Tile in the row above whose horizontal centre is closest.
    Up,
    /// Tile in the row below whose horizontal centre is closest.
    Down,
    /// About one viewport up, closest horizontal centre.
    PageUp,
    /// About one viewport down, closest horizontal centre.
    PageDown,
    /// First tile.
    Home,
    /// Last tile.
    End,
}

impl Grid {
    /// The tile reached from `from` by `key`. Stays on `from` at the edges;
    /// `from` past the end is treated as the last tile; 0 for an empty grid.
    ///
    /// May lay out the groups it visits (so heights above the viewport can
    /// change): capture [`Grid::anchor_at`] before and restore after, or
    /// follow with [`Grid::scroll_into_view`].
    pub fn navigate(&mut self, from: u32, key: NavKey, viewport_h: f64) -> u32 {
        if self.is_empty() {
            return 0;
        }
        let last = self.len() - 1;
        let from = from.min(last);
        match key {
            NavKey::Left => from.saturating_sub(1),
            NavKey::Right => (from + 1).min(last),
            NavKey::Home => 0,
            NavKey::End => last,
            NavKey::Up | NavKey::Down => {
                let g = self.group_of_tile(from);
                self.layout_groups(g..g + 1);
                let (Some(rect), Some(r)) =
                    (self.tile_rect(from), self.row_of_tile(g as usize, from))
                else {
                    return from;
                };
                let centre = rect.x + rect.w * 0.5;
                let rows = self.group_rows(g as usize);
                // Rows inside a group, else the nearest row of the line above
                // or below (a line may hold several days side by side).
                let line = self.group_line[g as usize] as usize;
                if key == NavKey::Up {
                    if r > rows.start {
                        self.closest_at(g as usize, r - 1, centre)
                    } else if line > 0 {
                        self.closest_in_line(line - 1, true, centre)
                    } else {
                        from
                    }
                } else if r + 1 < rows.end {
                    self.closest_at(g as usize, r + 1, centre)
                } else if line + 1 < self.line_count() {
                    self.closest_in_line(line + 1, false, centre)
                } else {
                    from
                }
            }
            NavKey::PageUp | NavKey::PageDown => {
                let g = self.group_of_tile(from);
                self.layout_groups(g..g + 1);
                let Some(rect) = self.tile_rect(from) else {
                    return from;
                };
                let centre_x = rect.x + rect.w * 0.5;
                let centre_y = rect.y + f64::from(rect.h) * 0.5;
                let dy = viewport_h.max(0.0);
                let y = if key == NavKey::PageUp {
                    centre_y - dy
                } else {
                    centre_y + dy
                };
                match self.row_near_y(y.clamp(0.0, self.total_height())) {
                    Some((tg, tr)) => self.closest_at(tg, tr, centre_x),
                    None => from,
                }
            }
        }
    }

    /// The smallest change of `scroll_top` that shows tile `i` entirely (or
    /// its top, if it is taller than the viewport). Lays out its group. A
    /// tile of its day's first row reached from below brings its headers
    /// into view too (when they fit), so Home shows the top of the grid.
    pub fn scroll_into_view(&mut self, i: u32, scroll_top: f64, viewport_h: f64) -> f64 {
        if i >= self.len() {
            return scroll_top;
        }
        let g = self.group_of_tile(i);
        self.layout_groups(g..g + 1);
        let Some(rect) = self.tile_rect(i) else {
            return scroll_top;
        };
        let bottom = rect.y + f64::from(rect.h);
        // The top of the tile's block of headers, for a first-row tile.
        let headed = self
            .group(g)
            .filter(|info| rect.y <= info.content_top + 0.5 && bottom - info.top <= viewport_h)
            .map(|info| info.top);
        let s = match headed {
            Some(top) if rect.y < scroll_top => top,
            _ if rect.y < scroll_top || bottom - rect.y > viewport_h => rect.y,
            _ if bottom > scroll_top + viewport_h => bottom - viewport_h,
            _ => scroll_top,
        };
        s.clamp(0.0, self.max_scroll_top(viewport_h))
    }

    /// The scroll top that shows tile `i` entirely once the band around
    /// it is laid out ([`Grid::layout_window`] with `overscan`): what a
    /// jump to the tile (End, a deep link) scrolls to.
    pub fn reveal(&mut self, i: u32, scroll_top: f64, viewport_h: f64, overscan: f64) -> f64 {
        let mut st = self.scroll_into_view(i, scroll_top, viewport_h);
        // Laying out the band can move the tile (groups above it change
        // height); each pass lays out more, so a few passes settle.
        for _ in 0..8 {
            let fixed = self.layout_window(st, viewport_h, overscan);
            let next = self.scroll_into_view(i, fixed, viewport_h);
            if (fixed - st).abs() < 0.5 && (next - fixed).abs() < 0.5 {
                return next;
            }
            st = next;
        }
        st
    }

    /// The row at real position `y`: the first row whose bottom is below `y`
    /// (so a header or gap resolves to the row after it), else the last row.
    /// Lays out the groups it lands in.
    fn row_near_y(&mut self, y: f64) -> Option<(usize, usize)> {
        // Laying out a group can shrink it so `y` now falls in a later group;
        // each pass lays out one more group, so this is bounded.
        for _ in 0..=self.group_count() {
            let g = self.group_at_y(y);
            if !self.is_laid_out(g) {
                self.layout_groups(g..g + 1);
                continue;
            }
            let gi = g as usize;
            let rows = self.visible_rows(gi, y, f64::INFINITY);
            if !rows.is_empty() {
                return Some((gi, rows.start));
            }
            let line = self.group_line[gi] as usize;
            if line + 1 < self.line_count() {
                let next = self.line_start[line + 1];
                self.layout_groups(next..next + 1);
                let next = next as usize;
                return Some((next, self.group_rows(next).start));
            }
            return Some((gi, self.group_rows(gi).end.checked_sub(1)?));
        }
        None
    }

    /// The tile closest to `cx` in the visual row of arena row `r` of group
    /// `g`: that row, or for a day flowing beside others, the row of every
    /// day on its line.
    fn closest_at(&mut self, g: usize, r: usize, cx: f32) -> u32 {
        if self.group_flowed[g] {
            self.closest_in_line(self.group_line[g] as usize, false, cx)
        } else {
            self.closest_in_row(g, r, cx).0
        }
    }

    /// The tile closest to `cx` in line `line`'s first (or `last`) visual
    /// row; lays out the line's groups.
    fn closest_in_line(&mut self, line: usize, last: bool, cx: f32) -> u32 {
        let (a, b) = (self.line_start[line], self.line_start[line + 1]);
        self.layout_groups(a..b);
        let mut best = (self.group_start[a as usize], f32::INFINITY);
        for g in a as usize..b as usize {
            let rows = self.group_rows(g);
            let r = if last {
                rows.end.checked_sub(1)
            } else {
                (!rows.is_empty()).then_some(rows.start)
            };
            if let Some(r) = r {
                let c = self.closest_in_row(g, r, cx);
                if c.1 < best.1 {
                    best = c;
                }
            }
            if !self.group_flowed[g] {
                // A group alone on its line: its own rows are the line's.
                break;
            }
        }
        best.0
    }

    /// Tile of arena row `r` (in group `g`) whose horizontal centre is
    /// closest to `cx`, and that distance.
    fn closest_in_row(&self, g: usize, r: usize, cx: f32) -> (u32, f32) {
        let h = self.rows.h[r];
        let first = self.rows.first[r];
        let end = self.row_end(g, r);
        let (mut best, mut best_d) = (first, f32::INFINITY);
        let mut x = self.group_x[g];
        for i in first..end {
            let w = self.p.tile_width(self.aspects[i as usize], h);
            let d = (x + w * 0.5 - cx).abs();
            if d < best_d {
                best = i;
                best_d = d;
            }
            x += w + self.p.gap;
        }
        (best, best_d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LayoutConfig, LayoutMode};

    /// Square grid, 4 columns (1000 wide, target 200, gap 4), day groups of
    /// 6, 3 and 9 tiles: rows [0-3][4-5] | [6-8] | [9-12][13-16][17].
    fn grid() -> Grid {
        let cfg = LayoutConfig {
            width: 1000.0,
            target_row_height: 200.0,
            mode: LayoutMode::Square,
            ..LayoutConfig::default()
        };
        let days: Vec<i32> = (0..18)
            .map(|i| {
                if i < 6 {
                    30
                } else if i < 9 {
                    29
                } else {
                    28
                }
            })
            .collect();
        Grid::new(cfg, &[1.0; 18], &days)
    }

    fn check(from: u32, key: NavKey, expected: u32) {
        let mut g = grid();
        assert_eq!(g.navigate(from, key, 900.0), expected, "{from} {key:?}");
    }

    #[test]
    fn arrows_home_end() {
        let cases = [
            (0, NavKey::Left, 0),
            (5, NavKey::Left, 4),
            (5, NavKey::Right, 6), // crosses into the next group
            (17, NavKey::Right, 17),
            (99, NavKey::Left, 16), // past the end counts as the last tile
            (2, NavKey::Down, 6), // row [0-3] -> row [4-5]? no: column 2 is beyond 5, closest is 5
            (1, NavKey::Down, 5),
            (0, NavKey::Down, 4),
            (4, NavKey::Down, 6), // next group, same column
            (5, NavKey::Down, 7),
            (8, NavKey::Down, 11),
            (6, NavKey::Up, 4), // previous group's last row
            (7, NavKey::Up, 5),
            (8, NavKey::Up, 5),
            (3, NavKey::Up, 3), // top row stays
            (17, NavKey::Down, 17),
            (17, NavKey::Up, 13),
            (9, NavKey::Home, 0),
            (3, NavKey::End, 17),
        ];
        // (2, Down): row [4-5] has columns 0 and 1 only; column 1 (tile 5) is closest.
        let cases = cases.map(|(f, k, e)| {
            if (f, k) == (2, NavKey::Down) {
                (f, k, 5)
            } else {
                (f, k, e)
            }
        });
        for (from, key, expected) in cases {
            check(from, key, expected);
        }
    }

    /// Justified, 1000 wide, target 200: days of 2 and 1 squares flow on one
    /// line ([0 1] [2]), a day of 8 squares stands alone (rows [3-7] at
    /// 196.8 px, [8-10] at 200), then a day of 2 ([11 12]).
    fn flowed_grid() -> Grid {
        let cfg = LayoutConfig {
            width: 1000.0,
            target_row_height: 200.0,
            ..LayoutConfig::default()
        };
        let days: Vec<i32> = (0..13)
            .map(|i| match i {
                0..=1 => 19_790,
                2 => 19_789,
                3..=10 => 19_788,
                _ => 19_787,
            })
            .collect();
        Grid::new(cfg, &[1.0; 13], &days)
    }

    #[test]
    fn arrows_across_days_side_by_side() {
        // (from, key, expected)
        let cases = [
            (1, NavKey::Right, 2), // to the next day on the same line
            (2, NavKey::Left, 1),
            (2, NavKey::Down, 5), // centre 520 -> the third square of [3-7]
            (0, NavKey::Down, 3),
            (5, NavKey::Up, 2), // back to the day on the right
            (3, NavKey::Up, 0),
            (4, NavKey::Up, 1),
            (9, NavKey::Down, 12), // centre 304 -> the second tile of the last day
            (11, NavKey::Up, 8),
            (12, NavKey::Down, 12),
            (1, NavKey::Up, 1),
        ];
        for (from, key, expected) in cases {
            let mut g = flowed_grid();
            assert_eq!(g.navigate(from, key, 900.0), expected, "{from} {key:?}");
        }
        // Tiles of the two days of the first line share a row.
        let g = {
            let mut g = flowed_grid();
            g.layout_all();
            g
        };
        let (a, b) = (g.tile_rect(1).unwrap(), g.tile_rect(2).unwrap());
        assert_eq!(a.y, b.y);
        assert!((b.x - (a.x + a.w + 16.0)).abs() < 1e-3, "{a:?} {b:?}");
    }

    #[test]
    fn pages_move_about_a_viewport() {
        // Rows are 247 px + 4 gap; headers 48 (+64 for the month). A 500 px
        // page from row [0-3] lands two rows down past a header.
        let mut g = grid();
        let to = g.navigate(1, NavKey::PageDown, 500.0);
        let (a, b) = (g.tile_rect(1).unwrap(), g.tile_rect(to).unwrap());
        assert!(b.y > a.y + 400.0 && b.y < a.y + 700.0, "{} -> {}", a.y, b.y);
        assert_eq!(b.x, a.x, "same column");
        let back = g.navigate(to, NavKey::PageUp, 500.0);
        assert_eq!(g.tile_rect(back).unwrap().x, a.x);
        assert!(g.tile_rect(back).unwrap().y < b.y);
        // Beyond the ends: the last / first row.
        assert_eq!(g.navigate(13, NavKey::PageDown, 1e6), 17);
        assert_eq!(g.navigate(13, NavKey::PageUp, 1e6), 0);
        assert_eq!(g.navigate(14, NavKey::PageUp, 1e6), 1);
    }

    #[test]
    fn justified_up_down_picks_closest_centre_and_scroll_into_view() {
        let (a, d) = crate::grid::tests::library(2_000, 30, 13);
        let mut g = Grid::new(LayoutConfig::default(), &a, &d);
        // Not laid out: navigation lays out what it needs.
        let mut i = 0;
        let mut prev_y = -1.0;
        for _ in 0..50 {
            let next = g.navigate(i, NavKey::Down, 900.0);
            let (r0, r1) = (g.tile_rect(i).unwrap(), g.tile_rect(next).unwrap());
            assert!(r1.y > r0.y && r1.y > prev_y);
            // No tile of the target row has a closer centre.
            let c = r0.x + r0.w / 2.0;
            let d_best = (r1.x + r1.w / 2.0 - c).abs();
            for j in next.saturating_sub(15)..(next + 15).min(g.len()) {
                // Tiles of groups not laid out cannot be in the target row.
                let Some(r) = g.tile_rect(j) else { continue };
                if r.y == r1.y {
                    assert!((r.x + r.w / 2.0 - c).abs() >= d_best);
                }
            }
            prev_y = r1.y;
            i = next;
        }
        let s = g.scroll_into_view(i, 0.0, 900.0);
        let r = g.tile_rect(i).unwrap();
        assert!(r.y >= s && r.y + f64::from(r.h) <= s + 900.0 + 1e-6);
        assert_eq!(
            g.scroll_into_view(i, s, 900.0),
            s,
            "already visible: no move"
        );
    }

    #[test]
    fn a_first_row_reached_from_below_shows_its_headers() {
        let (a, d) = crate::grid::tests::library(5_000, 30, 1);
        let mut g = Grid::new(LayoutConfig::default(), &a, &d);
        g.layout_all();
        let vh = 700.0;
        // Home from far below: the very top, month and day headers in view.
        assert_eq!(g.scroll_into_view(0, 50_000.0, vh), 0.0);
        // A later day's first tile from below: its block's top (its day
        // header, or the month header above it), not the tile's own top.
        let gi = 40;
        let info = g.group(gi).unwrap();
        let first = info.tiles.start;
        let r = g.tile_rect(first).unwrap();
        assert!(r.y > info.top);
        assert_eq!(g.scroll_into_view(first, r.y + 5_000.0, vh), info.top);
        // From above, only as far as the tile's bottom; a second-row tile
        // from below stops at the tile itself.
        let bottom = r.y + f64::from(r.h);
        assert_eq!(g.scroll_into_view(first, 0.0, vh), bottom - vh);
        if let Some(second) = (info.tiles.clone()).find(|&t| g.tile_rect(t).unwrap().y > r.y) {
            let r2 = g.tile_rect(second).unwrap();
            assert_eq!(g.scroll_into_view(second, r2.y + 5_000.0, vh), r2.y);
        }
        // Already in view: no move.
        assert_eq!(g.scroll_into_view(first, info.top, vh), info.top);
    }

    /// What the app does on End or a deep link: the scroll top that shows
    /// the target, then the band around it laid out (real heights replacing
    /// estimates above the target) before the frame is drawn. The target
    /// must still be entirely in view after that.
    #[test]
    fn revealed_tile_stays_in_view_once_its_band_is_laid_out() {
        let (vh, ov) = (719.0, 719.0 * 1.5);
        for (n, max_group, seed) in [(5_000, 30, 1), (20_000, 8, 2), (3_000, 200, 3)] {
            let (a, d) = crate::grid::tests::library(n, max_group, seed);
            for width in [1232.0f32, 390.0] {
                let cfg = LayoutConfig {
                    width,
                    ..LayoutConfig::default()
                };
                let targets = [n as u32 - 1, n as u32 / 2, n as u32 / 3 + 7];
                for to in targets {
                    let mut g = Grid::new(cfg, &a, &d);
                    let top = g.layout_window(0.0, vh, ov);
                    let st = g.reveal(to, top, vh, ov);
                    let fixed = g.layout_window(st, vh, ov);
                    let r = g.tile_rect(to).unwrap();
                    assert!(
                        r.y >= fixed - 0.5 && r.y + f64::from(r.h) <= fixed + vh + 0.5,
                        "n {n} width {width} tile {to}: {:?} not within {fixed}..{}",
                        r,
                        fixed + vh
                    );
                }
            }
        }
    }
}
