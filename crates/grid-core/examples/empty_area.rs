//! How much of the grid's area tiles cover, with day groups each starting
//! their own rows (`flow_days: false`) and with small days flowing side by
//! side (`flow_days: true`, the default), on the browser benchmark's seeded
//! library (the same generators as `end2end/bench/page.mjs`) and the app's
//! header and gap sizes.
//!
//! Run: `cargo run -p grid-core --release --example empty_area [tiles]`

#![allow(clippy::unwrap_used, reason = "a measuring binary")]

use grid_core::{Grid, LayoutConfig};

/// mulberry32, as `page.mjs` (same sequence for the same seed).
struct Mulberry(u32);
impl Mulberry {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x6d2b_79f5);
        let mut t = self.0;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        f64::from(t ^ (t >> 14)) / 4_294_967_296.0
    }
}

/// `aspects(n)` of page.mjs: mostly 4:3 and 3:4, some 16:9, squares, 3% panoramas.
fn aspects(n: usize) -> Vec<f32> {
    let mut r = Mulberry(1);
    let shapes = [
        (0.42, 4.0 / 3.0),
        (0.2, 3.0 / 4.0),
        (0.12, 16.0 / 9.0),
        (0.05, 9.0 / 16.0),
        (0.08, 1.0),
        (0.07, 3.0 / 2.0),
        (0.03, 2.0 / 3.0),
    ];
    (0..n)
        .map(|_| {
            let mut x = r.next();
            let mut a = 0.0;
            for (p, v) in shapes {
                if x < p {
                    a = v;
                    break;
                }
                x -= p;
            }
            if a == 0.0 {
                a = 3.0 + 3.0 * r.next();
            }
            a as f32
        })
        .collect()
}

/// `dayKeys(n)` of page.mjs: days of 1 to 60 tiles (60·u³), 1 to 3 days
/// apart; with `few`, days of 1 to 6 tiles (uniform) instead.
fn day_keys(n: usize, few: bool) -> Vec<i32> {
    let mut r = Mulberry(2);
    let (mut day, mut left) = (20_454, 0u32);
    (0..n)
        .map(|_| {
            if left == 0 {
                left = if few {
                    1 + (r.next() * 6.0) as u32
                } else {
                    ((60.0 * r.next().powi(3)).ceil() as u32).max(1)
                };
                day -= 1 + (r.next() * 3.0).floor() as i32;
            }
            left -= 1;
            day
        })
        .collect()
}

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let a = aspects(n);
    // The app's geometry (src/components/grid.rs) at a 1200 px wide grid.
    let app = LayoutConfig {
        width: 1200.0,
        target_row_height: 235.0,
        gap: 4.0,
        day_header_height: 32.0,
        month_header_height: 48.0,
        group_gap: 12.0,
        ..LayoutConfig::default()
    };
    for (what, d) in [
        ("days of 1-60 tiles (the benchmark's)", day_keys(n, false)),
        ("days of 1-6 tiles", day_keys(n, true)),
    ] {
        println!("{n} tiles in {what}, width 1200, row height 235, app headers and gaps");
        report(&app, &a, &d);
    }
}

fn report(app: &LayoutConfig, a: &[f32], d: &[i32]) {
    let app = *app;
    for flow in [false, true] {
        let mut g = Grid::new(
            LayoutConfig {
                flow_days: flow,
                ..app
            },
            a,
            d,
        );
        g.layout_all();
        let mut rects = Vec::new();
        g.write_rects(&mut rects);
        let tiles: f64 = rects
            .chunks(4)
            .map(|r| f64::from(r[2]) * f64::from(r[3]))
            .sum();
        let total = f64::from(app.width) * g.total_height();
        // Rows only: the area of the lines' tile rows (no headers, no gaps
        // between groups), i.e. the empty width beside short days.
        let mut row_area = 0.0;
        let mut prev = None;
        for r in rects.chunks(4) {
            if prev != Some(r[1]) {
                prev = Some(r[1]);
                row_area += f64::from(app.width) * f64::from(r[3]);
            }
        }
        println!(
            "  flow_days {flow:5}: {} days, height {:.0} px, empty {:.1}% of the grid, {:.1}% of the rows' band",
            g.group_count(),
            g.total_height(),
            100.0 * (1.0 - tiles / total),
            100.0 * (1.0 - tiles / row_area)
        );
    }
}
