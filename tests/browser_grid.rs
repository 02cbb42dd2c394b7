//! The virtualised grid in a real browser (headless Chromium): DOM size at
//! 1k and 1M assets, reaching the end by scrolling, scrubber and keyboard,
//! focus movement. Run (see the crate README for the runner):
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=.../wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_USE_BROWSER=1 \
//! cargo test --target wasm32-unknown-unknown -p immich-grid --test browser_grid
//! ```
#![cfg(target_arch = "wasm32")]
// Tests may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{cell::RefCell, sync::Arc};

use immich_grid::{
    components::grid::{Grid, GridData, GridLayoutPrefs, GridMode, PREFS_KEY},
    data::thumbs::ThumbSource,
};
use leptos::prelude::*;
use library_core::{AssetFlags, AssetKind, AssetRecord, LibraryIndex, DAY_MS};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

const W: u32 = 1000;
const H: u32 = 700;
/// The DOM budget under the grid element.
const MAX_NODES: u32 = 400;

fn log(msg: &str) {
    web_sys::console::log_1(&msg.into());
}

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A library of `n` assets, newest first, ~40 a day, with a mix of aspects,
/// videos and flags.
fn library(n: usize) -> LibraryIndex {
    let hash = thumbhash::rgba_to_thumb_hash(4, 3, &[120u8; 4 * 3 * 4]);
    let mut idx = LibraryIndex::with_capacity(n);
    let start = 1_767_268_800_000i64; // 2026-01-01 12:00
    let mut id = String::with_capacity(36);
    let mut name = String::with_capacity(16);
    for i in 0..n {
        id.clear();
        name.clear();
        use std::fmt::Write;
        write!(id, "{:08x}-0000-4000-8000-{:012x}", i, i).unwrap();
        write!(name, "IMG_{i}.jpg").unwrap();
        let aspect = [1.5f32, 0.75, 1.0, 1.777, 0.5625, 2.4][i % 6];
        let mut flags = AssetFlags::empty();
        flags.set(AssetFlags::FAVORITE, i % 11 == 0);
        flags.set(AssetFlags::LIVE_PHOTO, i % 13 == 0);
        let local = start - (i as i64 / 40) * DAY_MS - (i as i64 % 40) * 60_000;
        idx.push(&AssetRecord {
            id: &id,
            local_ms: local,
            file_created_ms: local,
            aspect,
            kind: if i % 17 == 0 {
                AssetKind::Video
            } else {
                AssetKind::Image
            },
            flags,
            stack_count: 0,
            duration_ms: 42_000,
            owner_id: "00000000-0000-4000-8000-000000000001",
            thumbhash: &hash,
            file_name: &name,
            search_text: &name,
        })
        .unwrap();
    }
    idx
}

thread_local! {
    static BIG: RefCell<Option<Arc<LibraryIndex>>> = const { RefCell::new(None) };
}

/// The 1M library, built once per test page.
fn big() -> Arc<LibraryIndex> {
    BIG.with(|b| {
        b.borrow_mut()
            .get_or_insert_with(|| {
                let t = now();
                let l = Arc::new(library(1_000_000));
                log(&format!("built 1M synthetic index in {:.0} ms", now() - t));
                l
            })
            .clone()
    })
}

async fn frames(n: u32) {
    for _ in 0..n {
        let p = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window().unwrap().request_animation_frame(&resolve);
        });
        JsFuture::from(p).await.unwrap();
    }
}

fn inject_css() {
    let doc = document();
    if doc.get_element_by_id("ig-test-css").is_some() {
        return;
    }
    let style = doc.create_element("style").unwrap();
    style.set_id("ig-test-css");
    style.set_text_content(Some(include_str!("../style/grid.css")));
    doc.head().unwrap().append_child(&style).unwrap();
}

struct Mounted {
    container: HtmlElement,
    grid: HtmlElement,
    activated: ArcRwSignal<Vec<u32>>,
    _handle: Box<dyn std::any::Any>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.container.remove();
    }
}

impl Mounted {
    fn nodes(&self) -> u32 {
        self.grid.query_selector_all("*").unwrap().length() + 1
    }
    fn tiles(&self) -> Vec<HtmlElement> {
        let list = self.grid.query_selector_all("[data-testid=tile]").unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
            .collect()
    }
    fn has_tile(&self, lib: u32) -> bool {
        self.grid
            .query_selector(&format!("[data-index=\"{lib}\"]"))
            .unwrap()
            .is_some()
    }
    async fn scroll_to(&self, top: i32) {
        self.grid.set_scroll_top(top);
        frames(3).await;
    }
    fn max_scroll(&self) -> i32 {
        self.grid.scroll_height() - self.grid.client_height()
    }
}

async fn mount(index: Arc<LibraryIndex>, prefs: GridLayoutPrefs) -> Mounted {
    inject_css();
    let doc = document();
    let container: HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
    container.style().set_css_text(&format!(
        "position:fixed;left:0;top:0;width:{W}px;height:{H}px"
    ));
    doc.body().unwrap().append_child(&container).unwrap();
    let order = Arc::new((0..index.len() as u32).collect::<Vec<_>>());
    let data = GridData {
        index,
        order,
        version: 1,
        index_extends: false,
    };
    let activated = ArcRwSignal::new(Vec::new());
    let sink = activated.clone();
    let handle = leptos::mount::mount_to(container.clone(), move || {
        let on_activate = Callback::new(move |i: u32| sink.update(|v| v.push(i)));
        view! {
            <Grid
                data=Signal::stored(data)
                thumbs=ThumbSource::default()
                layout=Signal::stored(prefs)
                on_activate=on_activate
            />
        }
    });
    frames(4).await;
    let grid: HtmlElement = container
        .query_selector("[data-testid=grid]")
        .unwrap()
        .expect("grid element")
        .dyn_into()
        .unwrap();
    Mounted {
        container,
        grid,
        activated,
        _handle: Box::new(handle),
    }
}

fn press(target: &HtmlElement, key: &str) -> f64 {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    let t = now();
    target.dispatch_event(&ev).unwrap();
    now() - t
}

fn active_index() -> Option<u32> {
    document()
        .active_element()?
        .get_attribute("data-index")?
        .parse()
        .ok()
}

/// Scrolls to top, middle and end; returns node counts and whether the last
/// asset's tile was reached.
async fn positions(m: &Mounted, last: u32) -> [u32; 3] {
    m.scroll_to(0).await;
    let top = m.nodes();
    assert!(m.has_tile(0), "first tile at the top");
    m.scroll_to(m.max_scroll() / 2).await;
    let middle = m.nodes();
    // The end: heights near it become real as it is reached, so the grid
    // keeps the view pinned to the end; one scroll must suffice.
    m.scroll_to(m.max_scroll() + 10).await;
    let end = m.nodes();
    assert!(
        m.has_tile(last),
        "last tile reached by scrolling to the end"
    );
    [top, middle, end]
}

#[wasm_bindgen_test]
async fn dom_stays_small_at_1k_and_1m() {
    let small = Arc::new(library(1_000));
    let m = mount(small, GridLayoutPrefs::default()).await;
    let k = positions(&m, 999).await;
    drop(m);

    let m = mount(big(), GridLayoutPrefs::default()).await;
    let t = now();
    let mm = positions(&m, 999_999).await;
    let scroll_ms = now() - t;
    let spacer_h = m.grid.scroll_height();
    drop(m);

    log(&format!(
        "DOM nodes under grid (top/middle/end): 1k {k:?}, 1M {mm:?}; 1M spacer {spacer_h}px; 3 scroll positions incl. 9 frames {scroll_ms:.0} ms"
    ));
    for n in k.iter().chain(&mm) {
        assert!(*n <= MAX_NODES, "{n} nodes > {MAX_NODES}");
        assert!(*n > 20, "tiles rendered ({n})");
    }
    let (lo, hi) = (
        *k.iter().chain(&mm).min().unwrap(),
        *k.iter().chain(&mm).max().unwrap(),
    );
    assert!(hi <= lo * 2, "about the same DOM everywhere ({lo}..{hi})");
    assert!(spacer_h <= 8_000_000, "spacer capped");
}

#[wasm_bindgen_test]
async fn end_key_reaches_and_focuses_the_last_asset_of_1m() {
    let m = mount(big(), GridLayoutPrefs::default()).await;
    let first = m.tiles().into_iter().next().expect("tiles");
    first.focus().unwrap();
    assert_eq!(active_index(), Some(0));
    let ms = press(&first, "End");
    frames(3).await;
    log(&format!("End key at 1M: keydown handler {ms:.1} ms"));
    assert_eq!(active_index(), Some(999_999), "End focuses the last asset");
    assert!(ms < 50.0, "End handled in one short task ({ms:.1} ms)");

    // Home comes back.
    let last: HtmlElement = document().active_element().unwrap().dyn_into().unwrap();
    let ms = press(&last, "Home");
    frames(3).await;
    log(&format!("Home key at 1M: {ms:.1} ms"));
    assert_eq!(active_index(), Some(0));
}

#[wasm_bindgen_test]
async fn arrows_move_focus_and_enter_activates() {
    let m = mount(Arc::new(library(1_000)), GridLayoutPrefs::default()).await;
    let first = m.tiles().into_iter().next().expect("tiles");
    first.focus().unwrap();
    let target =
        |_: ()| -> HtmlElement { document().active_element().unwrap().dyn_into().unwrap() };

    press(&target(()), "ArrowRight");
    frames(2).await;
    assert_eq!(active_index(), Some(1));
    press(&target(()), "ArrowLeft");
    frames(2).await;
    assert_eq!(active_index(), Some(0));
    press(&target(()), "ArrowDown");
    frames(2).await;
    let below = active_index().unwrap();
    assert!(below > 1, "ArrowDown goes to the next row ({below})");
    let top_a = first.get_bounding_client_rect().top();
    let top_b = target(()).get_bounding_client_rect().top();
    assert!(top_b > top_a, "the focused tile is lower");
    press(&target(()), "ArrowUp");
    frames(2).await;
    assert_eq!(active_index(), Some(0));
    // PageDown moves about a viewport.
    press(&target(()), "PageDown");
    frames(2).await;
    assert!(active_index().unwrap() > below);

    press(&target(()), "Enter");
    assert_eq!(
        m.activated.with_untracked(|v| v.last().copied()),
        active_index()
    );
    // Roving tabindex: exactly one tile is tabbable.
    let tabbable = m
        .tiles()
        .iter()
        .filter(|t| t.get_attribute("tabindex").as_deref() == Some("0"))
        .count();
    assert_eq!(tabbable, 1);
}

#[wasm_bindgen_test]
async fn scrubber_jumps_to_the_end_of_1m() {
    let m = mount(big(), GridLayoutPrefs::default()).await;
    let scrubber: HtmlElement = m
        .container
        .query_selector("[data-testid=scrubber]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let r = scrubber.get_bounding_client_rect();
    let init = web_sys::PointerEventInit::new();
    init.set_bubbles(true);
    init.set_client_x((r.left() + r.width() / 2.0) as i32);
    init.set_client_y((r.bottom() - 0.5) as i32);
    init.set_button(0);
    init.set_pointer_id(1);
    let ev = web_sys::PointerEvent::new_with_event_init_dict("pointerdown", &init).unwrap();
    let t = now();
    scrubber.dispatch_event(&ev).unwrap();
    let ms = now() - t;
    let up = web_sys::PointerEvent::new_with_event_init_dict("pointerup", &init).unwrap();
    scrubber.dispatch_event(&up).unwrap();
    frames(3).await;
    log(&format!("scrubber jump to the end of 1M: {ms:.1} ms"));
    assert!(m.has_tile(999_999), "last tile reached by the scrubber");
    assert!(m.nodes() <= MAX_NODES);
}

#[wasm_bindgen_test]
async fn square_mode_and_layout_timing() {
    let index = big();
    let aspects = index.aspects();
    let days = index.local_days();
    let t = now();
    let mut g = grid_core::Grid::new(
        grid_core::LayoutConfig {
            width: 952.0,
            ..Default::default()
        },
        &aspects,
        &days,
    );
    let t_new = now() - t;
    let t = now();
    g.layout_window(g.total_height() / 2.0, 700.0, 420.0);
    let t_window = now() - t;
    let t = now();
    g.layout_all();
    let t_all = now() - t;
    log(&format!(
        "1M in wasm: Grid::new {t_new:.1} ms, layout_window {t_window:.2} ms, layout_all {t_all:.1} ms, groups {}",
        g.group_count()
    ));

    let m = mount(
        Arc::new(library(1_000)),
        GridLayoutPrefs {
            mode: GridMode::Square,
            target: 150.0,
        },
    )
    .await;
    let tiles = m.tiles();
    assert!(!tiles.is_empty());
    for t in tiles.iter().take(10) {
        let r = t.get_bounding_client_rect();
        assert!((r.width() - r.height()).abs() < 0.5, "square tiles");
    }
}

#[wasm_bindgen_test]
fn prefs_round_trip_through_local_storage() {
    let p = GridLayoutPrefs {
        mode: GridMode::Square,
        target: 160.0,
    };
    assert!(p.save());
    assert_eq!(GridLayoutPrefs::load(), p);
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item(PREFS_KEY, "{broken").unwrap();
    assert_eq!(GridLayoutPrefs::load(), GridLayoutPrefs::default());
    storage.remove_item(PREFS_KEY).unwrap();
}

/// The tile whose top is the first at or below the grid's top edge: its
/// library index and its top relative to the grid.
fn top_tile(m: &Mounted) -> (u32, f64) {
    let grid_top = m.grid.get_bounding_client_rect().top();
    m.tiles()
        .iter()
        .map(|t| {
            let top = t.get_bounding_client_rect().top() - grid_top;
            let lib = t
                .get_attribute("data-index")
                .unwrap()
                .parse::<u32>()
                .unwrap();
            (lib, top)
        })
        .filter(|&(_, top)| top >= 0.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap()
}

#[wasm_bindgen_test]
async fn new_data_and_resizes_keep_the_view_anchored() {
    inject_css();
    let doc = document();
    let container: HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
    container.style().set_css_text(&format!(
        "position:fixed;left:0;top:0;width:{W}px;height:{H}px"
    ));
    doc.body().unwrap().append_child(&container).unwrap();
    let index = Arc::new(library(3_000));
    // First only the older 2 900 assets; then 100 newer ones arrive at the top.
    let data = ArcRwSignal::new(GridData {
        index: index.clone(),
        order: Arc::new((100..3_000).collect()),
        version: 1,
        index_extends: false,
    });
    let d = data.clone();
    let handle = leptos::mount::mount_to(container.clone(), move || {
        view! {
            <Grid
                data=Signal::from(d)
                thumbs=ThumbSource::default()
                layout=Signal::stored(GridLayoutPrefs::default())
                on_activate=Callback::new(|_| {})
            />
        }
    });
    frames(4).await;
    let grid: HtmlElement = container
        .query_selector("[data-testid=grid]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let m = Mounted {
        container,
        grid,
        activated: ArcRwSignal::new(Vec::new()),
        _handle: Box::new(handle),
    };
    m.scroll_to(m.max_scroll() / 3).await;
    let (lib, top) = top_tile(&m);

    data.set(GridData {
        index,
        order: Arc::new((0..3_000).collect()),
        version: 2,
        index_extends: true,
    });
    frames(3).await;
    let after = m
        .tiles()
        .into_iter()
        .find(|t| t.get_attribute("data-index") == Some(lib.to_string()))
        .expect("anchor tile still rendered");
    let top_after =
        after.get_bounding_client_rect().top() - m.grid.get_bounding_client_rect().top();
    log(&format!(
        "prepend 100: anchor {lib} moved {:.1}px",
        top_after - top
    ));
    assert!(
        (top_after - top).abs() <= 1.0,
        "anchor stays ({top} → {top_after})"
    );

    // Narrower container: rows re-pack; the first tile of the first row
    // whose bottom is in view (grid-core's anchor) keeps its offset.
    let grid_top = m.grid.get_bounding_client_rect().top();
    let (lib, top) = m
        .tiles()
        .iter()
        .map(|t| {
            let r = t.get_bounding_client_rect();
            let lib = t
                .get_attribute("data-index")
                .unwrap()
                .parse::<u32>()
                .unwrap();
            (lib, r.top() - grid_top, r.bottom() - grid_top, r.left())
        })
        .filter(|t| t.2 > 0.0)
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.3.total_cmp(&b.3)))
        .map(|t| (t.0, t.1))
        .unwrap();
    m.container.style().set_property("width", "700px").unwrap();
    frames(4).await;
    let after = m
        .tiles()
        .into_iter()
        .find(|t| t.get_attribute("data-index") == Some(lib.to_string()))
        .expect("anchor tile still rendered after resize");
    let top_resized = after.get_bounding_client_rect().top() - grid_top;
    log(&format!(
        "resize 1000→700: anchor {lib} at {top_resized:.1}px (was {top:.1}px)"
    ));
    assert!((top_resized - top).abs() <= 1.0, "resize keeps the anchor");
}

async fn sleep_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    JsFuture::from(p).await.unwrap();
}

/// Tiles of the grid with an image request started (`img[src]`).
fn loading_images(m: &Mounted) -> u32 {
    m.grid.query_selector_all("img[src]").unwrap().length()
}

#[wasm_bindgen_test]
async fn a_fling_reuses_tiles_and_defers_images_until_calm() {
    let m = mount(Arc::new(library(20_000)), GridLayoutPrefs::default()).await;
    sleep_ms(200).await;
    let tiles = m.tiles();
    assert!(tiles.len() > 10);
    // A calm grid loads every tile's thumbnail and placeholder at once.
    assert_eq!(loading_images(&m), tiles.len() as u32, "calm: all images");
    assert!(tiles[0]
        .style()
        .get_property_value("background-image")
        .unwrap()
        .contains("data:image/png"));
    for t in &tiles {
        t.set_attribute("data-probe", "1").unwrap();
    }

    // A fling: several viewports a frame.
    let mut worst = 0.0f64;
    for k in 1..=12 {
        let t = now();
        m.grid.set_scroll_top(k * 3 * H as i32);
        frames(1).await;
        worst = worst.max(now() - t);
    }
    frames(1).await;
    let tiles = m.tiles();
    let reused = tiles
        .iter()
        .filter(|t| t.has_attribute("data-probe"))
        .count();
    log(&format!(
        "fling: {} tiles, {reused} re-used elements, worst frame {worst:.1} ms",
        tiles.len()
    ));
    assert!(
        reused * 2 >= tiles.len(),
        "tiles are re-used slots, not new elements ({reused} of {})",
        tiles.len()
    );
    assert!(
        tiles
            .iter()
            .all(|t| t.get_attribute("data-index") != Some("0".into())),
        "the re-used slots show other assets"
    );
    // Mid-fling: no thumbnail requests, no placeholder decodes, but a colour.
    assert_eq!(loading_images(&m), 0, "no image loads while flinging");
    assert!(tiles[0]
        .style()
        .get_property_value("background-image")
        .unwrap()
        .is_empty());
    assert!(tiles[0]
        .style()
        .get_property_value("background-color")
        .unwrap()
        .starts_with("rgb"));

    // Calm again: every tile loads.
    sleep_ms(300).await;
    frames(2).await;
    let tiles = m.tiles();
    assert_eq!(
        loading_images(&m),
        tiles.len() as u32,
        "calm again: all images"
    );
    let lib: u32 = tiles[0]
        .get_attribute("data-index")
        .unwrap()
        .parse()
        .unwrap();
    let src = tiles[0]
        .query_selector("img")
        .unwrap()
        .unwrap()
        .get_attribute("src")
        .unwrap();
    let id = format!("{:08x}-0000-4000-8000-{:012x}", lib, lib);
    assert!(
        src.contains(&id),
        "the slot's image is its current asset's ({src})"
    );
}
