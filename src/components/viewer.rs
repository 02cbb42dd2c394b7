//! The full-window viewer: one asset at a time, as an accessible modal
//! dialog over the grid.
//!
//! * Images appear in layers: the thumbhash at once, the thumbnail (usually
//!   cached by the tile), the JPEG preview, and on a zoom the original.
//!   Videos play the original (`/api/asset/file/{id}`, streamed with `Range`
//!   on a cookie session); a live photo plays its motion part on press or
//!   hover; a stack's members can be switched.
//! * Previous/next follow the grid's display order (its filters and
//!   refinements), so they cross day, month and page boundaries; the
//!   neighbours' previews load ahead. A step forward past the last asset
//!   loaded while the load goes on waits for the next one to arrive.
//! * The opened asset is in the URL (`?asset=ID`): opening pushes a history
//!   entry, so Back closes; steps replace it.
//! * Files load through [`crate::data::media`] with the tiles' credentials
//!   rule; object URLs are revoked when they are no longer shown or
//!   preloaded, and all of them when the viewer closes.

use std::collections::HashMap;

use leptos::{html, prelude::*, task::spawn_local};
use library_core::{AssetFlags, AssetKind};
use wasm_bindgen::JsCast;

use crate::{
    components::{grid::GridData, info::Info},
    data::{
        client::Client,
        loader::{Library, LoadStatus},
        media::{self, Abort, MediaUrl, Quality},
        session::Session,
        thumbs::ThumbSource,
        urls::AssetId,
    },
    format::{self, step},
    thumbhash::placeholder_data_url,
    url_state::HistoryMode,
};

/// The asset the viewer shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// Position in the grid's display order.
    pub pos: usize,
    /// Index into the library.
    pub lib: u32,
    /// Its id (checked).
    pub id: AssetId,
    /// Whether opening pushed a history entry (Back then closes).
    pub pushed: bool,
}

impl Opened {
    /// The asset at library index `lib`, if the grid shows it.
    pub fn at_lib(data: &GridData, lib: u32, pushed: bool) -> Option<Self> {
        let pos = data.order.iter().position(|&l| l == lib)?;
        Self::at_pos(data, pos, pushed)
    }

    /// The asset at display position `pos`.
    pub fn at_pos(data: &GridData, pos: usize, pushed: bool) -> Option<Self> {
        let lib = *data.order.get(pos)?;
        let id = AssetId::parse(&data.index.id_string(lib as usize)?).ok()?;
        Some(Self {
            pos,
            lib,
            id,
            pushed,
        })
    }

    /// The asset with id `id`, if the grid shows it.
    pub fn by_id(data: &GridData, id: &AssetId, pushed: bool) -> Option<Self> {
        let lib = u32::try_from(data.index.position(id.as_str())?).ok()?;
        Self::at_lib(data, lib, pushed)
    }
}

/// The page's URL with `?asset=` set or removed; a push makes a history
/// entry, otherwise the current one is rewritten.
pub fn write_asset_url(id: Option<&AssetId>, push: bool) {
    let mode = if push {
        HistoryMode::Push
    } else {
        HistoryMode::Replace
    };
    crate::url_state::rewrite_search(|search| format::with_asset_param(search, id), mode);
}

/// The asset named by the page's URL (`?asset=ID`), if any.
pub fn asset_in_url() -> Option<AssetId> {
    let search = web_sys::window()?.location().search().ok()?;
    format::asset_param(&search)
}

/// Closes the viewer: the URL loses `?asset=` (Back when opening pushed a
/// history entry), and `on_close` gets the asset's library index.
pub fn close(opened: RwSignal<Option<Opened>>, on_close: Callback<u32>) {
    let Some(o) = opened.get_untracked() else {
        return;
    };
    opened.set(None);
    if o.pushed {
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.back();
        }
    } else {
        write_asset_url(None, false);
    }
    on_close.run(o.lib);
}

/// Who waits for a file: called with its URL.
type Waiter = Box<dyn Fn(String)>;

/// Files loaded (or loading) for the viewer, by asset and quality. Dropping
/// an entry revokes its object URL or aborts its fetch (its waiters are
/// then never called).
#[derive(Default)]
struct Files {
    ready: HashMap<(AssetId, Quality), MediaUrl>,
    loading: HashMap<(AssetId, Quality), (Option<Abort>, Vec<Waiter>)>,
}

impl Files {
    /// Keeps only the files of `keep`.
    fn prune(&mut self, keep: &[&AssetId]) {
        self.ready.retain(|(id, _), _| keep.contains(&id));
        self.loading.retain(|(id, _), _| keep.contains(&id));
    }
}

/// Zoom and pan of the shown image.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Zoom {
    scale: f64,
    x: f64,
    y: f64,
}

impl Default for Zoom {
    fn default() -> Self {
        Self {
            scale: 1.0,
            x: 0.0,
            y: 0.0,
        }
    }
}

/// Largest zoom.
const MAX_ZOOM: f64 = 8.0;
/// Zoom of a double-click or double-tap.
const TAP_ZOOM: f64 = 2.5;
/// Horizontal travel (CSS px) that makes a swipe a step.
const SWIPE_PX: f64 = 50.0;

/// Pointers down on the stage, for pan, pinch, swipe and double-tap.
#[derive(Default)]
struct Gesture {
    points: Vec<(i32, f64, f64)>,
    start: Option<(f64, f64)>,
    pinch_from: Option<(f64, f64)>,
    pan_from: Option<(f64, f64, f64, f64)>,
    last_tap_ms: f64,
    moved: bool,
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The viewer. Shown while `opened` is `Some`; closing sets it to `None`
/// and calls `on_close` with the library index to return focus to.
#[component]
pub fn Viewer(
    /// What the grid shows, in display order.
    #[prop(into)]
    data: Signal<GridData>,
    /// The opened asset.
    opened: RwSignal<Option<Opened>>,
    /// Where files come from, with which credentials.
    #[prop(into)]
    thumbs: Signal<ThumbSource>,
    /// Credentials for the full record.
    session: RwSignal<Session>,
    /// Called after closing, with the asset's library index.
    on_close: Callback<u32>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Div>::new();
    let files = StoredValue::new_local(Files::default());
    // The shown stack member (None: the opened asset itself).
    let member = RwSignal::new(None::<AssetId>);
    let shown = Memo::new(move |_| {
        member
            .get()
            .or_else(|| opened.with(|o| o.as_ref().map(|o| o.id.clone())))
    });
    let urls = RwSignal::new(HashMap::<Quality, String>::new());
    let loaded = RwSignal::new(HashMap::<Quality, String>::new());
    let motion = RwSignal::new(None::<String>);
    let zoom = RwSignal::new(Zoom::default());
    let want_original = RwSignal::new(false);
    let info_open = RwSignal::new(false);
    let full = RwSignal::new(None::<(AssetId, Result<immich_api::AssetResponseDto, String>)>);
    let gesture = StoredValue::new_local(Gesture::default());
    // The opened asset's stack (its record's members), kept while a member
    // is shown (a member's own record has no stack).
    let stack_members = RwSignal::new(None::<Vec<(String, String)>>);
    Effect::new(move |_| {
        let open_id = opened.with(|o| o.as_ref().map(|o| o.id.clone()));
        full.with(|f| {
            let Some((id, Ok(a))) = f.as_ref() else {
                return;
            };
            if Some(id) != open_id.as_ref() {
                return;
            }
            let all = a.stack.as_ref().filter(|s| !s.is_empty()).map(|members| {
                let mut all = vec![(a.id.clone(), a.original_file_name.clone())];
                all.extend(
                    members
                        .iter()
                        .map(|m| (m.id.clone(), m.original_file_name.clone())),
                );
                all
            });
            stack_members.set(all);
        });
    });

    // Loads `q` of `id`; `then` gets its URL (at once when it is held, or
    // when the fetch already running for it ends).
    let want = move |id: AssetId, q: Quality, then: Option<Waiter>| {
        let key = (id, q);
        let held = files.with_value(|f| f.ready.get(&key).map(|u| u.as_str().to_owned()));
        if let Some(u) = held {
            if let Some(t) = then {
                t(u);
            }
            return;
        }
        let joined = files
            .try_update_value(|f| match f.loading.get_mut(&key) {
                Some((_, waiters)) => {
                    waiters.extend(then);
                    None
                }
                None => Some(then),
            })
            .flatten();
        // `None`: joined the running fetch (or the viewer is gone).
        let Some(then) = joined else { return };
        let source = thumbs.get_untracked();
        let abort = Abort::new();
        let signal = abort.as_ref().map(Abort::signal);
        files.update_value(|f| {
            f.loading
                .insert(key.clone(), (abort, then.into_iter().collect()));
        });
        spawn_local(async move {
            let r = media::load(&source, &key.0, key.1, signal.as_ref()).await;
            // Still wanted? (A prune or the viewer's end drops the entry.)
            let Some(Some((_, waiters))) = files.try_update_value(|f| f.loading.remove(&key))
            else {
                return;
            };
            let Ok(url) = r else { return };
            let text = url.as_str().to_owned();
            files.update_value(|f| {
                f.ready.insert(key, url);
            });
            for w in waiters {
                w(text.clone());
            }
        });
    };

    // A new asset: reset the view, load its files and its neighbours'
    // previews, let go of everything else, and put it in the URL.
    Effect::new(move |prev: Option<Option<AssetId>>| {
        let id = shown.get()?;
        if prev.flatten().as_ref() == Some(&id) {
            return Some(id);
        }
        zoom.set(Zoom::default());
        want_original.set(false);
        motion.set(None);
        urls.set(HashMap::new());
        loaded.set(HashMap::new());
        let Some(o) = opened.get_untracked() else {
            return Some(id);
        };
        let is_video = data.with_untracked(|d| d.index.kind(o.lib as usize))
            == Some(AssetKind::Video)
            && member.get_untracked().is_none();
        let set_url = move |q: Quality, for_id: AssetId| -> Option<Waiter> {
            Some(Box::new(move |u: String| {
                if shown.try_get_untracked().flatten().as_ref() == Some(&for_id) {
                    urls.update(|m| {
                        m.insert(q, u);
                    });
                }
            }))
        };
        want(
            id.clone(),
            Quality::Thumbnail,
            set_url(Quality::Thumbnail, id.clone()),
        );
        want(
            id.clone(),
            Quality::Preview,
            set_url(Quality::Preview, id.clone()),
        );
        if is_video {
            want(
                id.clone(),
                Quality::Playback,
                set_url(Quality::Playback, id.clone()),
            );
        }
        // Neighbours' previews, ahead of a step.
        let neighbours: Vec<AssetId> = data.with_untracked(|d| {
            [-1i64, 1]
                .iter()
                .filter_map(|&dlt| step(o.pos, dlt, d.order.len()))
                .filter_map(|p| Opened::at_pos(d, p, false))
                .map(|n| n.id)
                .collect()
        });
        let source = thumbs.get_untracked();
        for n in &neighbours {
            match media::direct_url(&source, n, Quality::Preview) {
                Some(u) => media::preload_image(&u),
                None => want(n.clone(), Quality::Preview, None),
            }
        }
        let mut keep: Vec<&AssetId> = neighbours.iter().collect();
        keep.push(&id);
        keep.push(&o.id);
        files.update_value(|f| f.prune(&keep));
        if member.get_untracked().is_none() {
            write_asset_url(Some(&id), false);
        }
        Some(id)
    });

    // New grid data (a background sync, pages appended): the open asset
    // keeps its place by id, so steps follow the new order.
    Effect::new(move |_| {
        let moved = data.with(|d| {
            let o = opened.get_untracked()?;
            // Pages appended after it leave it where it was: no search.
            let same_lib = d.index.id_string(o.lib as usize).as_deref() == Some(o.id.as_str());
            if same_lib && d.order.get(o.pos) == Some(&o.lib) {
                return None;
            }
            let now = Opened::by_id(d, &o.id, o.pushed)?;
            (now.pos != o.pos || now.lib != o.lib).then_some(now)
        });
        if let Some(now) = moved {
            opened.set(Some(now));
        }
    });

    // The original, once the person zooms in.
    Effect::new(move |_| {
        if !want_original.get() {
            return;
        }
        let Some(id) = shown.get_untracked() else {
            return;
        };
        let for_id = id.clone();
        want(
            id,
            Quality::Original,
            Some(Box::new(move |u: String| {
                if shown.try_get_untracked().flatten().as_ref() == Some(&for_id) {
                    urls.update(|m| {
                        m.insert(Quality::Original, u);
                    });
                }
            })),
        );
    });

    // The full record of the opened asset (only this one is decoded).
    Effect::new(move |_| {
        let Some(id) = shown.get() else { return };
        if full.with_untracked(|f| f.as_ref().is_some_and(|(fid, _)| *fid == id)) {
            return;
        }
        full.set(None);
        let client = Client::new(&session.get_untracked());
        spawn_local(async move {
            let r = client
                .asset(id.as_str(), None)
                .await
                .map_err(|e| e.to_string());
            // The viewer may have closed meanwhile (its signals are gone):
            // `try_`, never a panic (a release build aborts on panic).
            if shown.try_get_untracked().flatten().as_ref() == Some(&id) {
                full.try_set(Some((id, r)));
            }
        });
    });

    // Focus moves into the dialog when it opens.
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });
    on_cleanup(move || {
        // Revokes every object URL and aborts every fetch.
        files.update_value(|f| {
            f.ready.clear();
            f.loading.clear();
        });
    });

    // A step forward waiting for the load to bring its asset (see `go`).
    let pending = StoredValue::new(None::<i64>);
    let close = move || {
        pending.set_value(None);
        close(opened, on_close);
    };
    // A step forward past the last asset loaded while the load goes on waits
    // for the next assets to arrive (a person pressing → at the end of what
    // is shown so far is not ignored).
    let library = use_context::<Library>();
    let loading = move || {
        library.is_some_and(|l| {
            matches!(
                l.status.get_untracked(),
                LoadStatus::Loading | LoadStatus::Revalidating
            )
        })
    };
    let go = move |delta: i64| {
        pending.set_value(None);
        let Some(o) = opened.get_untracked() else {
            return;
        };
        let next = data.with_untracked(|d| {
            step(o.pos, delta, d.order.len()).and_then(|p| Opened::at_pos(d, p, o.pushed))
        });
        if let Some(n) = next {
            member.set(None);
            stack_members.set(None);
            opened.set(Some(n));
        } else if delta > 0 && loading() {
            pending.set_value(Some(delta));
        }
    };
    Effect::new(move |_| {
        data.track();
        if let Some(delta) = pending.get_value() {
            go(delta);
        }
    });
    let total = move || data.with(|d| d.order.len());
    let pos = move || opened.with(|o| o.as_ref().map_or(0, |o| o.pos));
    let has_prev = move || pos() > 0;
    let has_next = move || pos() + 1 < total();

    let set_zoom = move |scale: f64| {
        let s = scale.clamp(1.0, MAX_ZOOM);
        zoom.update(|z| {
            if s <= 1.0 {
                *z = Zoom::default();
            } else {
                let k = s / z.scale;
                z.x *= k;
                z.y *= k;
                z.scale = s;
            }
        });
        if s > 1.0 {
            want_original.set(true);
        }
    };

    let on_keydown = move |e: web_sys::KeyboardEvent| {
        let in_media = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|t| matches!(t.tag_name().as_str(), "VIDEO" | "INPUT"));
        match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                close();
            }
            "ArrowLeft" if !in_media => {
                e.prevent_default();
                go(-1);
            }
            "ArrowRight" if !in_media => {
                e.prevent_default();
                go(1);
            }
            "+" | "=" if !in_media => set_zoom(zoom.get_untracked().scale * 1.5),
            "-" if !in_media => set_zoom(zoom.get_untracked().scale / 1.5),
            "Tab" => trap_focus(&e, dialog),
            _ => {}
        }
    };

    // Pointer gestures on the stage: drag pans a zoomed image, a horizontal
    // swipe steps, two fingers pinch, a double tap zooms.
    let on_down = move |e: web_sys::PointerEvent| {
        if on_control(&e) {
            return;
        }
        // A mouse drag may leave the stage; touches are captured by the
        // browser already.
        if e.pointer_type() == "mouse" {
            if let Some(t) = e
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            {
                let _ = t.set_pointer_capture(e.pointer_id());
            }
        }
        let p = (f64::from(e.client_x()), f64::from(e.client_y()));
        let z = zoom.get_untracked();
        gesture.update_value(|g| {
            g.points.retain(|q| q.0 != e.pointer_id());
            g.points.push((e.pointer_id(), p.0, p.1));
            if g.points.len() == 1 {
                g.start = Some(p);
                g.moved = false;
                g.pan_from = Some((p.0, p.1, z.x, z.y));
            } else if g.points.len() == 2 {
                let d = dist(
                    (g.points[0].1, g.points[0].2),
                    (g.points[1].1, g.points[1].2),
                );
                g.pinch_from = Some((d.max(1.0), z.scale));
                g.start = None;
            }
        });
    };
    let on_move = move |e: web_sys::PointerEvent| {
        let p = (f64::from(e.client_x()), f64::from(e.client_y()));
        let action = gesture.try_update_value(|g| {
            let pt = g.points.iter_mut().find(|q| q.0 == e.pointer_id())?;
            pt.1 = p.0;
            pt.2 = p.1;
            if let Some(s) = g.start {
                if dist(s, p) > 8.0 {
                    g.moved = true;
                }
            }
            if g.points.len() == 2 {
                let (d0, s0) = g.pinch_from?;
                let d = dist(
                    (g.points[0].1, g.points[0].2),
                    (g.points[1].1, g.points[1].2),
                );
                return Some((Some(s0 * d / d0), None));
            }
            let (x0, y0, zx, zy) = g.pan_from?;
            Some((None, Some((zx + p.0 - x0, zy + p.1 - y0))))
        });
        match action.flatten() {
            Some((Some(scale), _)) => set_zoom(scale),
            Some((None, Some((x, y)))) if zoom.get_untracked().scale > 1.0 => {
                zoom.update(|z| {
                    z.x = x;
                    z.y = y;
                });
            }
            _ => {}
        }
    };
    let on_up = move |e: web_sys::PointerEvent| {
        let p = (f64::from(e.client_x()), f64::from(e.client_y()));
        let touch = e.pointer_type() != "mouse";
        let t = now_ms();
        let outcome = gesture.try_update_value(|g| {
            let single = g.points.len() == 1;
            g.points.retain(|q| q.0 != e.pointer_id());
            if !g.points.is_empty() {
                // One finger of a pinch lifted: the other pans from here.
                g.start = None;
                g.pan_from = None;
                return 0;
            }
            g.pinch_from = None;
            let Some(s) = g.start.take().filter(|_| single) else {
                return 0;
            };
            let (dx, dy) = (p.0 - s.0, p.1 - s.1);
            if dx.abs() > SWIPE_PX && dx.abs() > dy.abs() * 1.5 {
                return if dx < 0.0 { 1 } else { -1 };
            }
            if !g.moved && touch {
                if t - g.last_tap_ms < 300.0 {
                    g.last_tap_ms = 0.0;
                    return 2;
                }
                g.last_tap_ms = t;
            }
            0
        });
        match outcome {
            Some(d @ (1 | -1)) if zoom.get_untracked().scale <= 1.0 => go(i64::from(d)),
            Some(2) => toggle_zoom(zoom, set_zoom),
            _ => {}
        }
    };
    let on_cancel = move |e: web_sys::PointerEvent| {
        gesture.update_value(|g| {
            g.points.retain(|q| q.0 != e.pointer_id());
            g.start = None;
            g.pinch_from = None;
        });
    };
    let on_wheel = move |e: web_sys::WheelEvent| {
        e.prevent_default();
        let k = (-e.delta_y() * 0.002).exp();
        set_zoom(zoom.get_untracked().scale * k);
    };

    // What the index says about the shown asset (at once, before the record).
    let index_facts = move || {
        let o = opened.get()?;
        data.with(|d| {
            let a = d.index.get(o.lib as usize)?;
            Some((
                a.file_name.to_owned(),
                a.kind,
                a.flags,
                placeholder_data_url(a.thumbhash),
            ))
        })
    };
    // A current server's month has no file names: the record's, once read.
    let file_name = move || {
        let name = index_facts().map(|f| f.0).unwrap_or_default();
        if !name.is_empty() {
            return name;
        }
        let id = shown.get();
        full.with(|f| match f {
            Some((fid, Ok(a))) if id.as_ref() == Some(fid) => a.original_file_name.clone(),
            _ => String::new(),
        })
    };
    let is_video =
        move || member.get().is_none() && index_facts().is_some_and(|f| f.1 == AssetKind::Video);
    let is_live = move || index_facts().is_some_and(|f| f.2.contains(AssetFlags::LIVE_PHOTO));
    let description = move || {
        full.with(|f| {
            f.as_ref()
                .and_then(|(_, r)| r.as_ref().ok())
                .and_then(|a| a.exif_info.as_ref())
                .and_then(|e| e.description.clone())
        })
    };
    let alt = move || format::alt_text(description().as_deref(), &file_name());
    let label = move || {
        let kind = if is_video() { "Video" } else { "Photo" };
        format!("{kind} {}, {} of {}", file_name(), pos() + 1, total())
    };
    let url = move |q: Quality| move || urls.with(|m| m.get(&q).cloned());
    let is_loaded = move |q: Quality| {
        move || {
            urls.with(|m| m.get(&q).cloned())
                .is_some_and(|u| loaded.with(|l| l.get(&q) == Some(&u)))
        }
    };
    let mark_loaded = move |q: Quality| {
        move |_: web_sys::Event| {
            if let Some(u) = urls.with_untracked(|m| m.get(&q).cloned()) {
                loaded.update(|l| {
                    l.insert(q, u);
                });
            }
        }
    };
    let transform = move || {
        let z = zoom.get();
        format!("translate({}px, {}px) scale({})", z.x, z.y, z.scale)
    };
    let placeholder = move || {
        index_facts()
            .and_then(|f| f.3)
            .map(|u| format!("url(\"{u}\")"))
    };
    let live_id = move || {
        full.with(|f| {
            f.as_ref()
                .and_then(|(_, r)| r.as_ref().ok())
                .and_then(|a| a.live_photo_video_id.clone().flatten())
                .and_then(|v| AssetId::parse(&v).ok())
        })
    };
    let play_motion = move || {
        if motion.get_untracked().is_some() {
            return;
        }
        let Some(vid) = live_id() else { return };
        let for_id = shown.get_untracked();
        want(
            vid,
            Quality::Playback,
            Some(Box::new(move |u: String| {
                if shown.try_get_untracked().is_some_and(|s| s == for_id) {
                    motion.set(Some(u));
                }
            })),
        );
    };
    let stack = move || stack_members.get();
    let opened_id = move || opened.with(|o| o.as_ref().map(|o| o.id.clone()));
    // The stack's size in words: the record's count when it was read, else
    // the index's (which holds at most 65,535).
    let stack_words = move || {
        let o = opened.get()?;
        let from_record = full.with(|f| match f.as_ref() {
            Some((id, Ok(a))) if *id == o.id => a.stack_count,
            _ => None,
        });
        let from_index = data.with(|d| d.index.stack_count(o.lib as usize));
        format::stack_words(from_record, from_index)
    };

    view! {
        <div
            class="ig-viewer"
            class:ig-viewer-info=move || info_open.get()
            role="dialog"
            aria-modal="true"
            aria-label=label
            data-testid="viewer"
            data-asset=move || shown.get().map(|i| i.to_string())
            tabindex="-1"
            node_ref=dialog
            on:keydown=on_keydown
        >
            <div class="ig-v-bar">
                <button type="button" class="ig-button" data-testid="viewer-close" aria-label="Close viewer" on:click=move |_| close()>
                    "✕"
                </button>
                <span class="ig-v-count" data-testid="viewer-count">{move || format!("{} / {}", pos() + 1, total())}</span>
                <span class="ig-v-name" data-testid="viewer-name">{file_name}</span>
                <Show when=is_live>
                    <button type="button" class="ig-button" data-testid="viewer-motion" on:click=move |_| play_motion()>
                        "Play motion"
                    </button>
                </Show>
                <button type="button" class="ig-button" data-testid="viewer-zoom-in" aria-label="Zoom in" on:click=move |_| set_zoom(zoom.get_untracked().scale * 1.5)>
                    "+"
                </button>
                <button type="button" class="ig-button" data-testid="viewer-zoom-out" aria-label="Zoom out" on:click=move |_| set_zoom(zoom.get_untracked().scale / 1.5)>
                    "−"
                </button>
                <button
                    type="button"
                    class="ig-button"
                    data-testid="viewer-info-toggle"
                    aria-expanded=move || info_open.get().to_string()
                    aria-controls="ig-viewer-info"
                    on:click=move |_| info_open.update(|v| *v = !*v)
                >
                    "Info"
                </button>
            </div>
            <div
                class="ig-v-stage"
                data-testid="viewer-stage"
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointercancel=on_cancel
                on:wheel=on_wheel
                on:dblclick=move |e: web_sys::MouseEvent| {
                    if !on_control(&e) {
                        toggle_zoom(zoom, set_zoom);
                    }
                }
                on:pointerenter=move |e: web_sys::PointerEvent| {
                    if e.pointer_type() == "mouse" && is_live() {
                        play_motion();
                    }
                }
            >
                {move || if is_video() {
                    view! {
                        <video
                            class="ig-v-video"
                            data-testid="viewer-video"
                            controls=true
                            playsinline=true
                            preload="metadata"
                            poster=url(Quality::Preview)
                            src=url(Quality::Playback)
                            aria-label=alt
                        ></video>
                    }.into_any()
                } else {
                    view! {
                        <div class="ig-v-frame" style:transform=transform style:background-image=placeholder>
                            <img class="ig-v-img" class:loaded=is_loaded(Quality::Thumbnail) data-testid="viewer-thumb"
                                src=url(Quality::Thumbnail) alt="" draggable="false" on:load=mark_loaded(Quality::Thumbnail) />
                            <img class="ig-v-img" class:loaded=is_loaded(Quality::Preview) data-testid="viewer-preview"
                                src=url(Quality::Preview) alt=alt draggable="false" on:load=mark_loaded(Quality::Preview) />
                            <img class="ig-v-img" class:loaded=is_loaded(Quality::Original) data-testid="viewer-original"
                                src=url(Quality::Original) alt="" draggable="false" on:load=mark_loaded(Quality::Original) />
                        </div>
                        {move || motion.get().map(|m| view! {
                            <video class="ig-v-motion" data-testid="viewer-motion-video" src=m autoplay=true muted=true playsinline=true
                                on:ended=move |_| motion.set(None)></video>
                        })}
                    }.into_any()
                }}
                <button type="button" class="ig-v-nav ig-v-prev" data-testid="viewer-prev" aria-label="Previous"
                    disabled=move || !has_prev() on:click=move |_| go(-1)>"‹"</button>
                <button type="button" class="ig-v-nav ig-v-next" data-testid="viewer-next" aria-label="Next"
                    disabled=move || !has_next() on:click=move |_| go(1)>"›"</button>
            </div>
            {move || stack_words().map(|w| view! {
                <p class="ig-v-stack-count" data-testid="viewer-stack-count">{w}</p>
            })}
            {move || stack().map(|members| {
                // A bounded strip: the first members as buttons, the rest as a count.
                let more = members.len().saturating_sub(format::STACK_STRIP_MAX);
                let buttons = members.into_iter().take(format::STACK_STRIP_MAX).enumerate().map(|(n, (id, name))| {
                    let parsed = AssetId::parse(&id).ok();
                    let p2 = parsed.clone();
                    let current = move || {
                        let s = shown.get();
                        (s.is_some() && s == p2).to_string()
                    };
                    view! {
                        <button type="button" class="ig-button" data-testid="viewer-stack-member" aria-pressed=current
                            on:click=move |_| {
                                let target = parsed.clone();
                                member.set(if target == opened_id() { None } else { target });
                            }>
                            {format!("{} {}", n + 1, name)}
                        </button>
                    }
                }).collect_view();
                let more = (more > 0).then(|| view! {
                    <span data-testid="viewer-stack-more">{format!("and {} more", format::thousands(more as u64))}</span>
                });
                view! { <div class="ig-v-stack" role="group" aria-label="Stack" data-testid="viewer-stack">{buttons}{more}</div> }
            })}
            <Show when=move || info_open.get()>
                <Info full=full />
            </Show>
        </div>
    }
}

/// Whether an event happened on a control inside the stage (the
/// previous/next buttons, a video's controls): gestures leave those alone.
fn on_control(e: &web_sys::Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest("button, video, a").ok().flatten())
        .is_some()
}

fn toggle_zoom(zoom: RwSignal<Zoom>, set_zoom: impl Fn(f64)) {
    if zoom.get_untracked().scale > 1.0 {
        set_zoom(1.0);
    } else {
        set_zoom(TAP_ZOOM);
    }
}

/// Keeps Tab inside the dialog: from the last control to the first, and
/// Shift+Tab from the first to the last.
fn trap_focus(e: &web_sys::KeyboardEvent, dialog: NodeRef<html::Div>) {
    let Some(root) = dialog.get_untracked() else {
        return;
    };
    let Ok(list) = root.query_selector_all(
        "button:not([disabled]), a[href], video[controls], [tabindex]:not([tabindex='-1'])",
    ) else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        e.prevent_default();
        return;
    };
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    let is = |el: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    let outside = !items.iter().any(is);
    if e.shift_key() && (is(first) || outside) {
        e.prevent_default();
        let _ = last.focus();
    } else if !e.shift_key() && (is(last) || outside) {
        e.prevent_default();
        let _ = first.focus();
    }
}
