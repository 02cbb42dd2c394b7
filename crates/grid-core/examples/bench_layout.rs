//! Lays out 100 000 and 1 000 000 random tiles and prints the time and the
//! bytes of geometry per tile.
//!
//! Run: `cargo run -p grid-core --release --example bench_layout`
//! (the workspace release profile is opt-level "z", as shipped in the wasm
//! app; `--profile release-native` shows opt-level 3).
//!
//! The "baseline" is a plain greedy row packer that writes x/y/w/h for every
//! tile into one `Vec<f32>` (the shape of the justified-layout packers web
//! photo grids use), written here from scratch for comparison.

#![allow(clippy::unwrap_used, reason = "a benchmark binary")]

use std::{hint::black_box, time::Instant};

use grid_core::{justified_rects, Grid, LayoutConfig};

/// xorshift64: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Camera-like aspects (some panoramas, some garbage) and day groups of 1..=60.
fn library(n: usize) -> (Vec<f32>, Vec<i32>) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let choices = [1.333f32, 0.75, 1.777, 1.0, 1.333, 0.5625, 1.5, 4.0, 0.0];
    let (mut aspects, mut days) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut day, mut left) = (20_454, 0u32);
    for _ in 0..n {
        if left == 0 {
            left = 1 + (rng.next_f32() * 60.0) as u32;
            day -= 1 + (rng.next_f32() * 3.0) as i32;
        }
        left -= 1;
        aspects.push(choices[(rng.next_f32() * choices.len() as f32) as usize % choices.len()]);
        days.push(day);
    }
    (aspects, days)
}

/// Greedy packer: fill a row at target height until it is at least the width,
/// scale it to the width, write x/y/w/h per tile. One group, no headers.
fn baseline(aspects: &[f32], width: f32, target: f32, gap: f32, out: &mut Vec<f32>) -> f32 {
    out.clear();
    out.resize(aspects.len() * 4, 0.0);
    let (mut y, mut start, mut row_w) = (0.0f32, 0usize, 0.0f32);
    for i in 0..aspects.len() {
        let a = aspects[i];
        let a = if a.is_finite() && a > 0.0 {
            a.min(3.0)
        } else {
            1.0
        };
        row_w += a * target;
        let gaps = (i - start) as f32 * gap;
        if row_w + gaps >= width || i + 1 == aspects.len() {
            let scale = if i + 1 == aspects.len() && row_w + gaps < width {
                1.0
            } else {
                (width - gaps) / row_w
            };
            let h = target * scale;
            let mut x = 0.0;
            for j in start..=i {
                let a = aspects[j];
                let a = if a.is_finite() && a > 0.0 {
                    a.min(3.0)
                } else {
                    1.0
                };
                let w = a * h;
                out[j * 4..j * 4 + 4].copy_from_slice(&[x, y, w, h]);
                x += w + gap;
            }
            y += h + gap;
            start = i + 1;
            row_w = 0.0;
        }
    }
    y
}

/// Fastest of `runs` timings of `f`, in milliseconds (the minimum is the
/// most stable figure on a shared, loaded machine).
fn time_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[0]
}

fn main() {
    let cfg = LayoutConfig {
        width: 1440.0,
        ..LayoutConfig::default()
    };
    if let Some(n) = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<usize>().ok())
    {
        // Profiling mode (`callgrind`): one fused layout of n tiles, or with a
        // second argument "grid" the grid's path plus write_rects.
        let (aspects, _) = library(n);
        let grid_path = std::env::args().nth(2).as_deref() == Some("grid");
        let mut out = Vec::new();
        let mut flat = Vec::new();
        for _ in 0..3 {
            if grid_path {
                let mut g = Grid::new(cfg, black_box(&aspects), &[]);
                g.layout_all();
                g.write_rects(&mut flat);
                black_box(&flat);
            } else {
                black_box(justified_rects(&cfg, black_box(&aspects), &mut out));
                black_box(&out);
            }
        }
        return;
    }
    for n in [100_000usize, 1_000_000] {
        let (aspects, days) = library(n);
        let runs = if n > 100_000 { 9 } else { 31 };

        let build = time_ms(runs, || {
            black_box(Grid::new(cfg, black_box(&aspects), black_box(&days)));
        });
        let mut grid = Grid::new(cfg, &aspects, &days);
        let layout = time_ms(runs, || {
            // Width flip forces a full relayout each run.
            grid.set_config(cfg);
            grid.layout_all();
            black_box(grid.total_height());
        });
        let reset = time_ms(runs, || {
            grid.set_config(cfg);
            black_box(grid.total_height());
        });
        grid.layout_all();
        let mut rects = Vec::new();
        let materialise = time_ms(runs, || {
            grid.write_rects(&mut rects);
            black_box(&rects);
        });
        let mut out = Vec::new();
        let base = time_ms(runs, || {
            black_box(baseline(black_box(&aspects), 1440.0, 235.0, 4.0, &mut out));
        });
        let mut flat = Grid::new(cfg, &aspects, &[]);
        let ungrouped = time_ms(runs, || {
            flat.set_config(cfg);
            flat.layout_all();
            black_box(flat.total_height());
        });
        let mut fused_out = Vec::new();
        let fused = time_ms(runs, || {
            black_box(justified_rects(&cfg, black_box(&aspects), &mut fused_out));
            black_box(&fused_out);
        });
        let mut flat_rects = Vec::new();
        let flat_path = time_ms(runs, || {
            let mut g = Grid::new(cfg, black_box(&aspects), &[]);
            g.layout_all();
            g.write_rects(&mut flat_rects);
            black_box(&flat_rects);
        });
        let w = grid.window(grid.max_scroll_top(900.0), 900.0, 400.0);
        let query = time_ms(runs, || {
            for k in 0..1000 {
                let s = grid.max_scroll_top(900.0) * f64::from(k) / 1000.0;
                black_box(grid.window(black_box(s), 900.0, 400.0));
            }
        }) / 1000.0;
        println!(
            "{n} tiles ({} day groups, {} months):",
            grid.group_count(),
            grid.section_count()
        );
        println!("  build (sanitise, group, estimate):   {build:8.3} ms");
        println!("  set_config + layout_all (all rows):  {layout:8.3} ms");
        println!("    of which set_config (re-estimate): {reset:8.3} ms");
        println!("  ungrouped set_config + layout_all:   {ungrouped:8.3} ms");
        println!("  write_rects (x,y,w,h for all tiles): {materialise:8.3} ms");
        println!(
            "  layout_all + write_rects:            {:8.3} ms",
            layout + materialise
        );
        println!("  ungrouped Grid::new+layout_all+write_rects: {flat_path:8.3} ms");
        println!("  justified_rects (one pass, same rects):     {fused:8.3} ms");
        println!("  baseline greedy packer, 4 f32/tile:  {base:8.3} ms");
        println!(
            "  window query:                        {:8.3} us",
            query * 1e3
        );
        println!(
            "  geometry: {:.2} bytes/tile ({} bytes); baseline output 16 bytes/tile + input 4",
            grid.heap_bytes() as f64 / n as f64,
            grid.heap_bytes()
        );
        println!(
            "  end-of-library window: tiles {:?} ({} tiles)",
            w.tiles,
            w.tiles.len()
        );
    }
}
