//! Benchmark entry points for the browser: the pure cores of immich-grid
//! ([`grid_core::Grid`] and [`library_core::decode_page`]) exported through
//! wasm-bindgen, called exactly as the app calls them, so
//! `end2end/bench/run.mjs` can time them side by side with other layout
//! packers and with `JSON.parse` on identical input.
//!
//! Build (what `cargo xtask bench` does):
//!
//! ```text
//! cargo build -p bench-wasm --target wasm32-unknown-unknown --release
//! wasm-bindgen --target web --out-dir OUT target/wasm32-unknown-unknown/release/bench_wasm.wasm
//! ```
//!
//! Each export is a thin wrapper over a plain Rust function (tested on the
//! host); only the wrappers touch JavaScript values, because wasm-bindgen's
//! JS types cannot be created outside wasm32.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use grid_core::{justified_rects, justified_rects_into, Grid, LayoutConfig};
use library_core::{decode_page, LibraryIndex};
use wasm_bindgen::prelude::*;

/// The layout configuration of a benchmark run: the app's defaults (gap 4,
/// aspects clamped to 0.25..3) with the given width and target row height,
/// and rows stretched at most `tolerance` above the target (the app ships
/// 0.5; Immich's timeline passes a height tolerance of 0.15, so the benchmark
/// runs every packer at 0.15).
pub fn bench_config(width: f32, row_height: f32, tolerance: f32) -> LayoutConfig {
    LayoutConfig {
        width,
        target_row_height: row_height,
        max_row_height_factor: 1.0 + tolerance,
        ..LayoutConfig::default()
    }
}

/// Builds and lays out the whole geometry of `aspects` the way the app does
/// (`Grid::new` then laying out every group), grouped by `days` (empty: one
/// ungrouped list, no headers).
pub fn layout_grid(
    aspects: &[f32],
    days: &[i32],
    width: f32,
    row_height: f32,
    tolerance: f32,
) -> Grid {
    let mut grid = Grid::new(bench_config(width, row_height, tolerance), aspects, days);
    grid.layout_all();
    grid
}

/// Lays out `aspects` (width / height per tile) as one ungrouped list in a
/// `width`-wide grid with rows of about `row_height`, the way the app keeps
/// it (one aspect a tile plus rows; positions derived on demand, nothing per
/// tile materialised), and returns the total height. Not the output the
/// other packers produce: compare those with [`layout_rects`].
#[wasm_bindgen]
pub fn layout(aspects: &[f32], width: f32, row_height: f32, tolerance: f32) -> f64 {
    layout_grid(aspects, &[], width, row_height, tolerance).total_height()
}

/// The app's real path: `aspects` grouped by `days` (one day key a tile,
/// equal neighbours form a day group, months get sections), every group laid
/// out with its headers; returns the total height.
#[wasm_bindgen]
pub fn layout_days(
    aspects: &[f32],
    days: &[i32],
    width: f32,
    row_height: f32,
    tolerance: f32,
) -> f64 {
    layout_grid(aspects, days, width, row_height, tolerance).total_height()
}

/// The like-for-like layout: the same packer as the grid, every tile's
/// `x, y, w, h` written into a new `Float32Array` (4 floats a tile), the
/// output of `@immich/justified-layout-wasm` (which adds 4 header floats),
/// through wasm-bindgen's own binding as Immich's uses it (input and output
/// allocated in wasm memory on every call). The benchmark times
/// [`RectLayout`], which keeps both buffers; this is the reference its tests
/// compare with.
#[wasm_bindgen]
pub fn layout_rects(aspects: &[f32], width: f32, row_height: f32, tolerance: f32) -> Vec<f32> {
    let mut out = Vec::new();
    justified_rects(
        &bench_config(width, row_height, tolerance),
        aspects,
        &mut out,
    );
    out.into_flattened()
}

/// The like-for-like layout through buffers this object keeps in wasm memory
/// and reuses from call to call, so a call allocates nothing in wasm:
/// JavaScript writes the aspects at [`RectLayout::input`]'s address, calls
/// [`RectLayout::layout`], and copies the `4 × n` floats at the address it
/// returns into a new `Float32Array` (`new Float32Array(memory.buffer, ptr,
/// 4 * n).slice()`): one copy in, one copy out, the output of
/// `@immich/justified-layout-wasm`'s binding (which allocates both buffers
/// in wasm on every call). Reading the floats in place instead (valid until
/// the next call) is reported apart, as a different binding.
#[wasm_bindgen]
#[derive(Default)]
pub struct RectLayout {
    aspects: Vec<f32>,
    rects: Vec<[f32; 4]>,
    height: f32,
}

#[wasm_bindgen]
impl RectLayout {
    /// Empty buffers.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sizes both buffers for `n` tiles (growing wasm memory if needed, which
    /// detaches earlier views of it) and returns the address of the `n`
    /// aspect ratios for JavaScript to write.
    pub fn input(&mut self, n: usize) -> usize {
        self.aspects.resize(n, 0.0);
        self.rects.resize(n, [0.0; 4]);
        self.aspects.as_ptr() as usize
    }

    /// Lays out the aspects written at [`RectLayout::input`] and returns the
    /// address of their rects (`x, y, w, h` a tile, `4 × n` floats). Allocates
    /// nothing: views taken after `input` stay valid.
    pub fn layout(&mut self, width: f32, row_height: f32, tolerance: f32) -> usize {
        self.height = justified_rects_into(
            &bench_config(width, row_height, tolerance),
            &self.aspects,
            &mut self.rects,
        );
        self.rects.as_ptr() as usize
    }

    /// Total height of the last layout.
    pub fn height(&self) -> f64 {
        f64::from(self.height)
    }
}

impl RectLayout {
    /// [`RectLayout::input`] and [`RectLayout::layout`] with the aspects
    /// copied from a slice; returns the rects (for host tests).
    pub fn layout_slice(
        &mut self,
        aspects: &[f32],
        width: f32,
        row_height: f32,
        tolerance: f32,
    ) -> &[f32] {
        self.input(aspects.len());
        self.aspects.copy_from_slice(aspects);
        self.layout(width, row_height, tolerance);
        self.rects.as_flattened()
    }
}

/// Heap bytes of the laid-out (ungrouped) geometry of `aspects`, for bytes per tile.
#[wasm_bindgen]
pub fn layout_heap_bytes(aspects: &[f32], width: f32, row_height: f32, tolerance: f32) -> f64 {
    layout_grid(aspects, &[], width, row_height, tolerance).heap_bytes() as f64
}

/// Decodes one `GET /api/asset` body and returns how many assets it held.
/// Throws on a malformed body.
#[wasm_bindgen]
pub fn decode(bytes: &[u8]) -> Result<u32, JsError> {
    decode_count(bytes).map_err(|e| JsError::new(&e))
}

/// The count of assets in a page body, or the decoder's error as text.
pub fn decode_count(bytes: &[u8]) -> Result<u32, String> {
    let index = decode_page(bytes).map_err(|e| e.to_string())?;
    u32::try_from(index.len()).map_err(|e| e.to_string())
}

/// Decodes pages and keeps them, as the app's loader does, so the memory of
/// the decoded library can be measured after a run.
#[wasm_bindgen]
#[derive(Default)]
pub struct PageDecoder {
    pages: Vec<LibraryIndex>,
}

#[wasm_bindgen]
impl PageDecoder {
    /// An empty decoder.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one page body and keeps it; returns its asset count. Throws on
    /// a malformed body.
    pub fn push(&mut self, bytes: &[u8]) -> Result<u32, JsError> {
        self.push_page(bytes).map_err(|e| JsError::new(&e))
    }

    /// Assets decoded so far (duplicates across pages counted twice).
    pub fn assets(&self) -> f64 {
        self.pages.iter().map(LibraryIndex::len).sum::<usize>() as f64
    }

    /// Bytes held by the decoded pages.
    pub fn memory_bytes(&self) -> f64 {
        self.pages
            .iter()
            .map(LibraryIndex::memory_bytes)
            .sum::<usize>() as f64
    }

    /// Merges the pages into one index (as the app publishes it, duplicates
    /// dropped, shrunk to fit) and returns `[assets, bytes]` of the result.
    /// Throws if the merged index would overflow its limits.
    pub fn merged_stats(&self) -> Result<Vec<f64>, JsError> {
        self.merged().map_err(|e| JsError::new(&e))
    }

    /// Drops every decoded page.
    pub fn clear(&mut self) {
        self.pages.clear();
    }
}

impl PageDecoder {
    /// [`PageDecoder::push`] without JavaScript errors.
    pub fn push_page(&mut self, bytes: &[u8]) -> Result<u32, String> {
        let index = decode_page(bytes).map_err(|e| e.to_string())?;
        let n = u32::try_from(index.len()).map_err(|e| e.to_string())?;
        self.pages.push(index);
        Ok(n)
    }

    /// [`PageDecoder::merged_stats`] without JavaScript errors.
    pub fn merged(&self) -> Result<Vec<f64>, String> {
        let mut merged = LibraryIndex::merge(&self.pages).map_err(|e| e.to_string())?;
        merged.shrink_to_fit();
        Ok(vec![merged.len() as f64, merged.memory_bytes() as f64])
    }
}

/// Current size of this module's linear memory in bytes (it only grows), or
/// 0 outside wasm32.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        if let Ok(mem) = wasm_bindgen::memory().dyn_into::<js_sys::WebAssembly::Memory>() {
            if let Ok(buf) = mem.buffer().dyn_into::<js_sys::ArrayBuffer>() {
                return f64::from(buf.byte_length());
            }
        }
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"[
      {"id":"00000000-0000-4000-8000-000000000001","deviceAssetId":"a","ownerId":"00000000-0000-4000-8000-0000000000aa",
       "deviceId":"d","libraryId":null,"type":"IMAGE","originalPath":"/p/a.jpg","originalFileName":"a.jpg",
       "resized":true,"thumbhash":null,"fileCreatedAt":"2024-01-02T03:04:05.000Z",
       "fileModifiedAt":"2024-01-02T03:04:05.000Z","localDateTime":"2024-01-02T03:04:05.000Z",
       "updatedAt":"2024-01-02T03:04:05.000Z","isFavorite":false,"isArchived":false,"isTrashed":false,
       "duration":"0:00:00.00000","exifInfo":{"exifImageWidth":4000,"exifImageHeight":3000},
       "livePhotoVideoId":null,"tags":[],"people":[],"checksum":"x","stackCount":null,
       "isOffline":false,"isExternal":false,"isReadOnly":false,"hasMetadata":true,"duplicateId":null},
      {"id":"00000000-0000-4000-8000-000000000002","deviceAssetId":"b","ownerId":"00000000-0000-4000-8000-0000000000aa",
       "deviceId":"d","libraryId":null,"type":"VIDEO","originalPath":"/p/b.mp4","originalFileName":"b.mp4",
       "resized":true,"thumbhash":null,"fileCreatedAt":"2024-01-01T03:04:05.000Z",
       "fileModifiedAt":"2024-01-01T03:04:05.000Z","localDateTime":"2024-01-01T03:04:05.000Z",
       "updatedAt":"2024-01-01T03:04:05.000Z","isFavorite":true,"isArchived":false,"isTrashed":false,
       "duration":"0:00:02.00000","exifInfo":null,
       "livePhotoVideoId":null,"tags":[],"people":[],"checksum":"y","stackCount":null,
       "isOffline":false,"isExternal":false,"isReadOnly":false,"hasMetadata":true,"duplicateId":null}
    ]"#;

    /// Layout of `n` tiles of aspect `a` at `width`, row height 200: (total height, rects).
    fn check_layout(n: usize, a: f32, width: f32, expected_rows: usize) {
        let aspects = vec![a; n];
        let total = layout(&aspects, width, 200.0, 0.5);
        let rects = layout_rects(&aspects, width, 200.0, 0.5);
        assert_eq!(rects.len(), n * 4);
        let mut tops: Vec<f32> = rects.chunks(4).map(|r| r[1]).collect();
        tops.dedup();
        assert_eq!(tops.len(), expected_rows, "rows for {n} x {a} at {width}");
        // Every tile lies inside the width and the total height.
        for r in rects.chunks(4) {
            assert!(r[0] >= 0.0 && r[0] + r[2] <= width + 0.01, "{r:?}");
            assert!(f64::from(r[1] + r[3]) <= total + 0.01, "{r:?} vs {total}");
        }
        assert!(layout_heap_bytes(&aspects, width, 200.0, 0.5) >= (n * 4) as f64);
        // Grouped into days of 7: headers add height.
        let days: Vec<i32> = (0..n as i32).map(|i| 20_000 - i / 7).collect();
        let grouped = layout_days(&aspects, &days, width, 200.0, 0.5);
        assert!(n == 0 || grouped > total, "{grouped} vs {total}");
    }

    #[test]
    fn layout_packs_rows_and_reports_the_total_height() {
        // Square tiles at 200 px with 4 px gaps: 5 fit in 1000 px (5*200+4*4 = 1016 > 1000
        // at exactly 200, so a full row of 5 is shrunk slightly to fit).
        check_layout(10, 1.0, 1000.0, 2);
        check_layout(1, 1.0, 1000.0, 1);
        check_layout(0, 1.0, 1000.0, 0);
        check_layout(1000, 1.5, 1200.0, 250);
    }

    #[test]
    fn decode_counts_assets_and_rejects_garbage() {
        assert_eq!(decode_count(PAGE.as_bytes()), Ok(2));
        assert_eq!(decode_count(b"[]"), Ok(0));
        assert!(decode_count(b"{not json").is_err());
        assert!(decode_count(&PAGE.as_bytes()[..PAGE.len() / 2]).is_err());
    }

    #[test]
    fn page_decoder_keeps_pages_and_merges_duplicates() {
        let mut d = PageDecoder::new();
        assert_eq!(d.push_page(PAGE.as_bytes()), Ok(2));
        assert_eq!(d.push_page(PAGE.as_bytes()), Ok(2));
        assert!(d.push_page(b"nope").is_err());
        assert_eq!(d.assets(), 4.0);
        assert!(d.memory_bytes() > 0.0);
        let merged = d.merged().unwrap();
        assert_eq!(merged[0], 2.0, "the second page repeats the first");
        assert!(merged[1] > 0.0 && merged[1] < d.memory_bytes());
        d.clear();
        assert_eq!(d.assets(), 0.0);
    }

    #[test]
    fn rect_layout_holds_the_same_rects_and_reuses_its_buffers() {
        let aspects = [1.5, 0.75, 1.0, 4.0, f32::NAN, 1.333, 0.0, -2.0, 1e30];
        let mut l = RectLayout::new();
        // Bigger, then smaller, then the same size again: each call's rects
        // equal a fresh `layout_rects` (nothing left over from a longer run).
        for take in [aspects.len(), 3, 0, aspects.len()] {
            let a = &aspects[..take];
            let copied = layout_rects(a, 1000.0, 200.0, 0.15);
            let rects = l.layout_slice(a, 1000.0, 200.0, 0.15).to_vec();
            assert_eq!(rects, copied, "{take} tiles");
            let total = justified_rects(&bench_config(1000.0, 200.0, 0.15), a, &mut Vec::new());
            assert_eq!(l.height(), f64::from(total), "{take} tiles");
        }
        // The next call of the same size writes into the same buffers.
        let (pin, pout) = (l.input(aspects.len()), l.layout(1000.0, 200.0, 0.15));
        assert_eq!(l.input(aspects.len()), pin);
        assert_eq!(l.layout(1000.0, 200.0, 0.15), pout);
    }

    #[test]
    fn memory_is_zero_on_the_host() {
        assert_eq!(wasm_memory_bytes(), 0.0);
    }
}
