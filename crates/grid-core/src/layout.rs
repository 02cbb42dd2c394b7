//! Laying out one group: the greedy justified row packer, square rows, and the
//! height estimate used before a group is laid out.
//!
//! Only rows are stored (first tile, y, height). A tile's width is its clamped
//! aspect times its row's height and its x is the running sum of the widths
//! before it in the row, so the per-tile cost of layout is one clamp, one add
//! and one compare, and per-tile memory is just the input aspect ratio.

use crate::config::Params;

/// `a.min(b)` for numbers that are never NaN here: one compare and select.
/// (`f32::min` must ignore a NaN operand, which wasm's `f32.min` does not do,
/// so on wasm32 it becomes a call to `fminf`.)
#[inline(always)]
fn fmin(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// `a.max(b)` for numbers that are never NaN here (see [`fmin`]).
#[inline(always)]
fn fmax(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// Rows of every laid-out group, in flat arrays (an arena: each group owns a
/// contiguous range, groups appear in the order they were laid out).
#[derive(Clone, Debug, Default)]
pub(crate) struct Rows {
    /// Global index of the row's first tile.
    pub first: Vec<u32>,
    /// Top of the row relative to its group's first row.
    pub y: Vec<f32>,
    /// Height of every tile in the row.
    pub h: Vec<f32>,
}

impl Rows {
    #[inline(always)]
    fn push(&mut self, first: u32, y: f32, h: f32) {
        self.first.push(first);
        self.y.push(y);
        self.h.push(h);
    }

    pub(crate) fn len(&self) -> usize {
        self.first.len()
    }

    pub(crate) fn clear(&mut self) {
        self.first.clear();
        self.y.clear();
        self.h.clear();
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.first.truncate(len);
        self.y.truncate(len);
        self.h.truncate(len);
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.first.capacity() * 4 + self.y.capacity() * 4 + self.h.capacity() * 4
    }
}

/// Lays out one group whose sanitised aspects are `aspects` and whose first
/// tile has global index `first`; appends its rows to `rows` and returns the
/// group's content height (top of first row to bottom of last row).
pub(crate) fn layout_group(p: &Params, aspects: &[f32], first: u32, rows: &mut Rows) -> f32 {
    let n = aspects.len();
    if n == 0 {
        return 0.0;
    }
    if p.square {
        return layout_square(p, n, first, rows);
    }
    let (w, t, gap) = (p.width, p.target, p.gap);
    let t2 = t * t;
    let mut y = 0.0f32;
    let mut row_start = 0usize;
    // Sum of clamped aspects of the open row's tiles (row_start..i).
    let mut sum = 0.0f32;
    // Width left for tiles once the gaps of the open row plus the candidate are paid.
    let mut avail = w;
    for (i, &raw) in aspects.iter().enumerate() {
        let a = p.clamp(raw);
        let sum_with = sum + a;
        if sum_with * t < avail {
            // Even with this tile the row is narrower than the width at target
            // height: keep filling.
            sum = sum_with;
            avail -= gap;
            continue;
        }
        // The row is full. Close it either with the candidate (rows get shorter
        // than target) or without it (stretched taller than target), whichever
        // is closer to the target in ratio; stretching is capped at max_h.
        // Both outcomes are computed and one is selected without branching:
        // the choice is data-dependent and would mispredict about every row.
        let h_with = fmax(avail, 0.0) / sum_with;
        let h_without = (avail + gap) / sum; // +inf when the row is empty
        let drop_candidate = (i != row_start)
            & (h_without <= p.max_h)
            & ((h_without * h_with < t2) | (h_with <= 0.0));
        let h = if drop_candidate {
            h_without
        } else {
            fmin(h_with, p.max_h)
        };
        rows.push(first + row_start as u32, y, h);
        y += h + gap;
        row_start = if drop_candidate { i } else { i + 1 };
        sum = if drop_candidate { a } else { 0.0 };
        avail = if drop_candidate { w - gap } else { w };
    }
    if row_start < n {
        // The last row of a group keeps the target height, left aligned.
        rows.push(first + row_start as u32, y, t);
        y + t
    } else {
        y - gap
    }
}

/// Lays out `aspects` (width / height per tile; 0, negative, NaN and
/// infinities count as 1.0) as one ungrouped list with the same packer as
/// [`crate::Grid`] and writes `x, y, w, h` of every tile into `out` (4 floats
/// a tile, replacing its contents); returns the total height.
///
/// This is the like-for-like output of packers that return positions (such
/// as Immich's justified-layout wasm). The grid itself keeps only rows and
/// derives positions on demand. `out` is resized to `aspects.len()` (its
/// capacity is reused: a caller that lays out again into the same vector
/// allocates nothing); see [`justified_rects_into`] for the single pass. The
/// rects are identical to [`crate::Grid::write_rects`] for an ungrouped grid.
pub fn justified_rects(cfg: &crate::LayoutConfig, aspects: &[f32], out: &mut Vec<[f32; 4]>) -> f32 {
    out.resize(aspects.len(), [0.0; 4]);
    justified_rects_into(cfg, aspects, out)
}

/// [`justified_rects`] into a slice: writes the rects of the first
/// `min(aspects.len(), out.len())` tiles into the front of `out` (the rest of
/// `out` is left as it was) and returns their total height.
///
/// One pass: each tile's clamped aspect is parked in its own output slot
/// (the `w` float) while its row is open; when the row closes, its slots are
/// rewritten in place as `x, y, w, h`. A tile is read once from the input and
/// once more from the (cache-hot) output, with no buffer besides `out`.
pub fn justified_rects_into(
    cfg: &crate::LayoutConfig,
    aspects: &[f32],
    out: &mut [[f32; 4]],
) -> f32 {
    let p = Params::new(cfg);
    let n = aspects.len().min(out.len());
    let (aspects, out) = match (aspects.get(..n), out.get_mut(..n)) {
        (Some(a), Some(o)) if n > 0 => (a, o),
        _ => return 0.0,
    };
    if p.square {
        let step = p.size + p.gap;
        for (r, row) in out.chunks_mut(p.cols as usize).enumerate() {
            let (y, mut x) = (r as f32 * step, 0.0f32);
            for slot in row {
                *slot = [x, y, p.size, p.size];
                x += step;
            }
        }
        return n.div_ceil(p.cols as usize) as f32 * step - p.gap;
    }
    let (w, t, gap, max_h) = (p.width, p.target, p.gap, p.max_h);
    let t2 = t * t;
    // Rewrites the parked aspects of one closed row as rects of height `h`.
    let close = |row: &mut [[f32; 4]], y: f32, h: f32| {
        let mut x = 0.0f32;
        for slot in row {
            let tw = slot[2] * h;
            *slot = [x, y, tw, h];
            x += tw + gap;
        }
    };
    let mut y = 0.0f32;
    let mut row_start = 0usize;
    let mut sum = 0.0f32;
    let mut avail = w;
    for i in 0..n {
        // `clamp(sanitize_aspect(raw))`: the same arithmetic as `Grid::new`
        // then the packer, so the rects are bit-identical to the grid's.
        // (`i < n` for both slices: the compiler drops the bounds checks.)
        let a = p.clamp_raw(aspects[i]);
        out[i][2] = a;
        let sum_with = sum + a;
        if sum_with * t < avail {
            sum = sum_with;
            avail -= gap;
            continue;
        }
        // The same closing rule as `layout_group`.
        let h_with = fmax(avail, 0.0) / sum_with;
        let h_without = (avail + gap) / sum;
        let drop_candidate =
            (i != row_start) & (h_without <= max_h) & ((h_without * h_with < t2) | (h_with <= 0.0));
        let (h, end) = if drop_candidate {
            (h_without, i)
        } else {
            (fmin(h_with, max_h), i + 1)
        };
        if let Some(row) = out.get_mut(row_start..end) {
            close(row, y, h);
        }
        y += h + gap;
        row_start = end;
        sum = if drop_candidate { a } else { 0.0 };
        avail = if drop_candidate { w - gap } else { w };
    }
    if let Some(row) = out.get_mut(row_start..) {
        if !row.is_empty() {
            close(row, y, t);
            return y + t;
        }
    }
    y - gap
}

fn layout_square(p: &Params, n: usize, first: u32, rows: &mut Rows) -> f32 {
    let cols = p.cols as usize;
    let n_rows = n.div_ceil(cols);
    let step = p.size + p.gap;
    for r in 0..n_rows {
        rows.push(first + (r * cols) as u32, r as f32 * step, p.size);
    }
    n_rows as f32 * step - p.gap
}

/// Estimated content height of a group of `count` tiles whose clamped
/// aspects have mean `mean_aspect` and standard deviation `std_dev`, before
/// it is laid out. Cost is O(tiles per row), independent of `count`.
///
/// Two models, blended by the spread of the aspects:
/// * uniform tiles: run the packer's own decision for one row of identical
///   tiles, which is exact (quantisation matters: 3 tiles stretched vs 4
///   shrunk can differ by 20%);
/// * mixed tiles: the packer's choices average out to rows of about target
///   height, so height ≈ (total tile length at target height / row length)
///   rows of target height.
pub(crate) fn estimate_height(p: &Params, count: u32, mean_aspect: f32, std_dev: f32) -> f32 {
    if count == 0 {
        return 0.0;
    }
    if p.square {
        let rows = u64::from(count).div_ceil(u64::from(p.cols));
        return rows as f32 * (p.size + p.gap) - p.gap;
    }
    let a = p.clamp(crate::config::sanitize_aspect(mean_aspect));
    let spread = if std_dev.is_finite() {
        (std_dev / a).clamp(0.0, 1.0)
    } else {
        1.0
    };
    // Fully "mixed" from a coefficient of variation of 0.15 on (camera
    // libraries mixing 4:3, 3:4 and 16:9 are around 0.3).
    let mix = (spread / 0.15).min(1.0);
    let uniform = if mix < 1.0 {
        estimate_uniform(p, u64::from(count), a)
    } else {
        0.0
    };
    let length = count as f32 * (a * p.target + p.gap);
    // Fitted on random camera mixes (1 to 8 tiles per row, 3 to 200 tiles):
    // full rows come out ~3% shorter than target on average (shrinking wins
    // the closest-height choice slightly more often) and the unstretched
    // last row adds about a third of a row. Within ~3% in those runs.
    let rows = (0.97 * length / (p.width + p.gap) + 0.35).max(1.0);
    let mixed = rows * (p.target + p.gap) - p.gap;
    uniform * (1.0 - mix) + mixed * mix
}

/// Exact height of `n` tiles of aspect `a` (already clamped).
fn estimate_uniform(p: &Params, n: u64, a: f32) -> f32 {
    let (w, t, gap) = (p.width, p.target, p.gap);
    // Smallest k for which k tiles at target height fill the row (k >= 1 since
    // the clamp keeps one tile within the width).
    let mut k: u64 = 1;
    while (k as f32) * a * t < w - (k as f32 - 1.0) * gap && k < 100_000 {
        k += 1;
    }
    let avail = w - (k as f32 - 1.0) * gap;
    let h_with = avail.max(0.0) / (k as f32 * a);
    let (per_row, row_h, closes_on_next) = if k == 1 {
        (1, h_with.min(p.max_h), false)
    } else {
        let h_without = (avail + gap) / ((k - 1) as f32 * a);
        if h_without <= p.max_h && (h_without * h_with < t * t || h_with <= 0.0) {
            // Rows of k-1 tiles, each closed when the next tile arrives.
            (k - 1, h_without, true)
        } else {
            (k, h_with.min(p.max_h), false)
        }
    };
    let (full_rows, rest) = if closes_on_next {
        let full = (n - 1) / per_row;
        (full, n - full * per_row)
    } else {
        (n / per_row, n % per_row)
    };
    let rows = full_rows + u64::from(rest > 0);
    full_rows as f32 * row_h
        + if rest > 0 { t } else { 0.0 }
        + (rows.saturating_sub(1)) as f32 * gap
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LayoutConfig, LayoutMode};

    fn params(width: f32, target: f32, gap: f32) -> Params {
        Params::new(&LayoutConfig {
            width,
            target_row_height: target,
            gap,
            ..LayoutConfig::default()
        })
    }

    /// Lays out `aspects` and returns (rows as (first, y, h), content height).
    fn run(p: &Params, aspects: &[f32]) -> (Vec<(u32, f32, f32)>, f32) {
        let mut rows = Rows::default();
        let h = layout_group(p, aspects, 0, &mut rows);
        let v = (0..rows.len())
            .map(|r| (rows.first[r], rows.y[r], rows.h[r]))
            .collect();
        (v, h)
    }

    /// Widths of the rows (tiles + gaps) for a layout.
    fn row_widths(p: &Params, aspects: &[f32], rows: &[(u32, f32, f32)]) -> Vec<f32> {
        rows.iter()
            .enumerate()
            .map(|(r, &(first, _, h))| {
                let end = rows.get(r + 1).map_or(aspects.len() as u32, |x| x.0);
                let tiles: f32 = (first..end)
                    .map(|i| p.tile_width(aspects[i as usize], h))
                    .sum();
                tiles + (end - first - 1) as f32 * p.gap
            })
            .collect()
    }

    fn lcg(seed: &mut u64) -> f32 {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        ((*seed >> 40) as f32) / ((1u64 << 24) as f32)
    }

    #[test]
    fn full_rows_fill_width_and_last_row_is_unstretched() {
        // (width, target, gap, aspects)
        let cases: &[(f32, f32, f32, Vec<f32>)] = &[
            (1000.0, 200.0, 4.0, vec![1.5; 10]),
            (
                1000.0,
                200.0,
                0.0,
                vec![1.0, 0.75, 1.333, 1.777, 0.5, 2.0, 1.0, 1.0],
            ),
            (360.0, 120.0, 2.0, vec![0.75; 9]),
            (1920.0, 235.0, 4.0, {
                let mut s = 7;
                (0..500).map(|_| 0.4 + 2.0 * lcg(&mut s)).collect()
            }),
        ];
        for (width, target, gap, aspects) in cases {
            let p = params(*width, *target, *gap);
            let (rows, height) = run(&p, aspects);
            assert!(!rows.is_empty());
            let widths = row_widths(&p, aspects, &rows);
            let last = rows.len() - 1;
            for (r, &rw) in widths.iter().enumerate() {
                let h = rows[r].2;
                if r < last {
                    assert!((rw - width).abs() < 0.05, "row {r} width {rw} != {width}");
                    assert!(
                        h <= p.max_h + 1e-3 && h >= 0.5 * target,
                        "row {r} height {h}"
                    );
                } else {
                    assert_eq!(h, *target, "last row keeps target height");
                    assert!(rw <= *width + 0.05, "last row {rw} fits");
                }
            }
            // Rows are stacked with the gap and the height is the last row's bottom.
            for r in 1..rows.len() {
                let expect = rows[r - 1].1 + rows[r - 1].2 + gap;
                assert!((rows[r].1 - expect).abs() < 1e-2);
            }
            assert!((height - (rows[last].1 + rows[last].2)).abs() < 1e-2);
        }
    }

    #[test]
    fn uniform_rows_pick_the_row_closest_to_target() {
        // 1.5-aspect tiles, 1000 wide, target 200, gap 4: three tiles need a
        // 220 px row (10% stretch), four need 164.7 px (18% shrink): three win.
        let p = params(1000.0, 200.0, 4.0);
        let (rows, _) = run(&p, &[1.5; 7]);
        let firsts: Vec<u32> = rows.iter().map(|r| r.0).collect();
        assert_eq!(firsts, vec![0, 3, 6]);
        assert!((rows[0].2 - 992.0 / 4.5).abs() < 1e-3);
    }

    #[test]
    fn panoramas_are_clamped() {
        // (width, target, max_aspect in config, aspect, expected tile width at target)
        let cases = [
            (1200.0, 200.0, 3.0, 10.0, 600.0), // clamped to 3.0
            (500.0, 200.0, 3.0, 10.0, 500.0),  // clamped to width / target = 2.5
            (1200.0, 200.0, 3.0, 2.0, 400.0),  // untouched
            (1200.0, 200.0, 3.0, 0.01, 50.0),  // very tall: clamped to min_aspect 0.25
        ];
        for (width, target, max_aspect, a, expect) in cases {
            let p = Params::new(&LayoutConfig {
                width,
                target_row_height: target,
                gap: 0.0,
                max_aspect,
                ..LayoutConfig::default()
            });
            assert!((p.tile_width(a, target) - expect).abs() < 1e-3, "{a}");
            // A lone panorama in a group never exceeds the row width.
            let (rows, _) = run(&p, &[a]);
            assert!(p.tile_width(a, rows[0].2) <= width + 1e-3);
        }
    }

    #[test]
    fn stretch_is_capped_and_row_left_narrower() {
        // Narrow container, portrait tiles: one tile alone would need a huge
        // stretch; rows are capped at 1.5x target and never overflow.
        let p = params(300.0, 100.0, 4.0);
        let (rows, _) = run(&p, &[0.3, 2.9, 0.3, 0.3, 2.9, 0.3]);
        let aspects = [0.3, 2.9, 0.3, 0.3, 2.9, 0.3];
        for (r, w) in row_widths(&p, &aspects, &rows).iter().enumerate() {
            assert!(*w <= 300.0 + 0.05, "row {r} overflows: {w}");
            assert!(rows[r].2 <= 150.0 + 1e-3);
        }
    }

    #[test]
    fn square_mode_columns() {
        // (width, target, gap, tiles, expected columns, expected rows)
        let cases = [
            (1000.0, 200.0, 4.0, 11, 4, 3), // (1004 / 204) = 4.9 -> 4 columns
            (1000.0, 200.0, 0.0, 10, 5, 2),
            (150.0, 200.0, 4.0, 3, 1, 3), // narrower than one tile: still 1 column
        ];
        for (width, target, gap, n, cols, n_rows) in cases {
            let p = Params::new(&LayoutConfig {
                width,
                target_row_height: target,
                gap,
                mode: LayoutMode::Square,
                ..LayoutConfig::default()
            });
            assert_eq!(p.cols, cols);
            let (rows, h) = run(&p, &vec![1.7; n]);
            assert_eq!(rows.len(), n_rows);
            let size = rows[0].2;
            assert!((cols as f32 * size + (cols - 1) as f32 * gap - width).abs() < 1e-2);
            assert!(
                rows.iter().all(|r| r.2 == size),
                "all rows square and equal"
            );
            assert!((h - (n_rows as f32 * (size + gap) - gap)).abs() < 1e-2);
            assert!((estimate_height(&p, n as u32, 1.7, 0.0) - h).abs() < 1e-2);
        }
    }

    /// `justified_rects` against the grid's own path (`Grid::new` ungrouped,
    /// `layout_all`, `write_rects`): bit-identical rects and total height.
    fn check_rects_match_grid(cfg: LayoutConfig, aspects: &[f32]) {
        let mut fused = Vec::new();
        let h = justified_rects(&cfg, aspects, &mut fused);
        let fused = fused.into_flattened();
        let mut grid = crate::Grid::new(cfg, aspects, &[]);
        grid.layout_all();
        let mut slow = Vec::new();
        grid.write_rects(&mut slow);
        assert_eq!(fused, slow, "{cfg:?}");
        assert_eq!(f64::from(h), grid.total_height());
        assert!(h.is_finite() && h >= 0.0);
    }

    #[test]
    fn justified_rects_match_the_grid() {
        let mut seed = 11;
        let mixed: Vec<f32> = (0..5000).map(|_| 0.2 + 4.0 * lcg(&mut seed)).collect();
        let garbage = [
            0.0,
            -1.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e30,
            1e-30,
            1.5,
        ];
        let ungrouped = |width, target, gap| LayoutConfig {
            width,
            target_row_height: target,
            gap,
            group_gap: 0.0,
            ..LayoutConfig::default()
        };
        for aspects in [&mixed[..], &garbage[..], &[][..], &[1.0][..], &[1.5; 7][..]] {
            for cfg in [
                ungrouped(1200.0, 235.0, 4.0),
                ungrouped(390.0, 120.0, 2.0),
                ungrouped(0.0, f32::NAN, -3.0),
                ungrouped(1e9, 1.0, 1e9),
                ungrouped(1e5, 1.0, 0.0),
                LayoutConfig {
                    mode: LayoutMode::Square,
                    ..ungrouped(1000.0, 200.0, 4.0)
                },
            ] {
                check_rects_match_grid(cfg, aspects);
            }
        }
    }

    #[test]
    fn justified_rects_into_reuses_dirty_buffers_and_short_slices() {
        let mut seed = 5;
        let aspects: Vec<f32> = (0..3000).map(|_| 0.2 + 4.0 * lcg(&mut seed)).collect();
        let cfg = LayoutConfig {
            group_gap: 0.0,
            ..LayoutConfig::default()
        };
        let mut fresh = Vec::new();
        let h = justified_rects(&cfg, &aspects, &mut fresh);
        // A buffer full of garbage from an earlier, longer call: same rects.
        let mut dirty = vec![[f32::NAN, -1.0, 1e30, 7.0]; 5000];
        assert_eq!(justified_rects_into(&cfg, &aspects, &mut dirty), h);
        assert_eq!(&dirty[..3000], &fresh[..]);
        assert!(
            dirty[3000..].iter().all(|r| r[3] == 7.0),
            "the tail is untouched"
        );
        // The Vec form shrinks a longer vector to the tiles laid out.
        let mut long = vec![[9.0; 4]; 4000];
        assert_eq!(justified_rects(&cfg, &aspects, &mut long), h);
        assert_eq!(long, fresh);
        // A shorter output lays out only the tiles it holds: the same as
        // laying out that prefix of the aspects.
        let mut short = vec![[0.0; 4]; 1000];
        let hs = justified_rects_into(&cfg, &aspects, &mut short);
        let mut prefix = Vec::new();
        assert_eq!(justified_rects(&cfg, &aspects[..1000], &mut prefix), hs);
        assert_eq!(short, prefix);
        assert_eq!(justified_rects_into(&cfg, &aspects, &mut []), 0.0);
    }

    #[test]
    fn estimate_is_exact_for_uniform_input() {
        for &(width, target, gap) in &[
            (1000.0, 200.0, 4.0),
            (1920.0, 235.0, 4.0),
            (390.0, 120.0, 2.0),
        ] {
            let p = params(width, target, gap);
            for &a in &[0.5f32, 0.75, 1.0, 1.333, 1.5, 1.777, 2.5, 3.0] {
                for &n in &[1u32, 2, 3, 5, 17, 100, 1001] {
                    let (_, real) = run(&p, &vec![a; n as usize]);
                    let est = estimate_height(&p, n, a, 0.0);
                    assert!(
                        (real - est).abs() <= 0.01 * real.max(1.0),
                        "w={width} a={a} n={n}: real {real} est {est}"
                    );
                }
            }
        }
    }

    #[test]
    fn estimate_is_close_for_mixed_input() {
        let p = params(1440.0, 235.0, 4.0);
        let mut seed = 42;
        // Typical camera mix: mostly 4:3 and 3:4, some 16:9 and squares.
        let choices = [1.333f32, 0.75, 1.777, 1.0, 1.333, 0.5625];
        let aspects: Vec<f32> = (0..5000)
            .map(|_| choices[(lcg(&mut seed) * choices.len() as f32) as usize % choices.len()])
            .collect();
        let (_, real) = run(&p, &aspects);
        let n = aspects.len() as f32;
        let mean = aspects.iter().map(|&a| p.clamp(a)).sum::<f32>() / n;
        let var = aspects
            .iter()
            .map(|&a| (p.clamp(a) - mean).powi(2))
            .sum::<f32>()
            / n;
        let est = estimate_height(&p, 5000, mean, var.sqrt());
        assert!((real - est).abs() < 0.03 * real, "real {real} est {est}");
    }
}
