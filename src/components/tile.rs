//! One tile of the grid: a thumbhash placeholder, the thumbnail fading in over
//! it, and badges. Tiles exist only while they are in or near the viewport;
//! the grid positions them (absolutely, by `transform`) through a per-tile
//! signal so a scroll never re-creates a tile that stays visible.
//!
//! A tile created while the grid scrolls fast (see [`TileCtx::calm`]) is cheap:
//! it shows the thumbhash's average colour only. The decoded placeholder and
//! the thumbnail request wait until the grid is calm, so tiles that are only
//! passed over cost no image decode and no request.

use std::sync::Arc;

use grid_core::civil_from_days;
use leptos::{html, prelude::*};
use library_core::{AssetFlags, AssetKind, LibraryIndex, DAY_MS};

use crate::{
    components::grid::MONTH_NAMES,
    data::thumbs::{ThumbLoader, ThumbSource, ThumbTicket},
    thumbhash::{average_color, PlaceholderCache},
};

/// Where a tile sits and which display position it has. Lengths are CSS
/// pixels inside the grid's spacer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TilePos {
    /// Position in display order (index into `GridData::order`).
    pub disp: u32,
    /// Left edge.
    pub x: f64,
    /// Top edge inside the (possibly scaled) spacer.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// What a tile shows about its asset, read once from the index when the tile
/// is created.
#[derive(Clone, Debug, PartialEq)]
pub struct TileInfo {
    /// Index into the library (`data-index`).
    pub lib: u32,
    /// Asset id, for the thumbnail URL.
    pub id: String,
    /// Accessible name: file name, date and the badges in words.
    pub label: String,
    /// Raw thumbhash bytes (empty when the server had none).
    pub thumbhash: Vec<u8>,
    /// The thumbhash's average colour as CSS (`""` without a hash): shown
    /// while the grid scrolls too fast to decode the placeholder.
    pub colour: String,
    /// Badges to draw, in order.
    pub badges: Vec<Badge>,
}

/// A small marker in a tile's corner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Badge {
    /// A video, with its duration as `m:ss` (or `h:mm:ss`).
    Video(String),
    /// A live photo (image with a motion part).
    Live,
    /// Marked favourite.
    Favorite,
    /// Archived.
    Archived,
    /// In the trash.
    Trashed,
    /// The file is offline (external library not reachable).
    Offline,
    /// The primary of a stack of this many assets.
    Stack(u16),
}

impl Badge {
    /// (CSS modifier, visible glyph/text, words for the accessible label).
    fn parts(&self) -> (&'static str, String, String) {
        match self {
            Badge::Video(d) => ("video", format!("▶ {d}"), format!("video {d}")),
            Badge::Live => ("live", "◉".into(), "live photo".into()),
            Badge::Favorite => ("favorite", "♥".into(), "favourite".into()),
            Badge::Archived => ("archived", "▣".into(), "archived".into()),
            Badge::Trashed => ("trashed", "🗑".into(), "in trash".into()),
            Badge::Offline => ("offline", "⚠".into(), "offline".into()),
            // The index holds at most 65,535 (a count past it saturates).
            Badge::Stack(u16::MAX) => {
                ("stack", "❐ 65535+".into(), "stack of 65,535 or more".into())
            }
            Badge::Stack(n) => ("stack", format!("❐ {n}"), format!("stack of {n}")),
        }
    }
}

/// `m:ss` below an hour, `h:mm:ss` from an hour on (whole seconds, rounded down).
pub fn format_duration(ms: u32) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// `3 May 2024, 14:05` for a local timestamp (local wall clock as UTC ms).
pub fn format_local(local_ms: i64) -> String {
    let days = local_ms.div_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
    let mins = local_ms.rem_euclid(DAY_MS) / 60_000;
    let month = &MONTH_NAMES[usize::from(m.clamp(1, 12)) - 1][..3];
    format!("{d} {month} {y}, {:02}:{:02}", mins / 60, mins % 60)
}

impl TileInfo {
    /// Reads asset `lib` of `index`; `None` when it is out of range.
    pub fn from_index(index: &LibraryIndex, lib: u32) -> Option<Self> {
        let a = index.get(lib as usize)?;
        let mut badges = Vec::new();
        if a.kind == AssetKind::Video {
            badges.push(Badge::Video(format_duration(a.duration_ms)));
        }
        let f = a.flags;
        if f.contains(AssetFlags::LIVE_PHOTO) {
            badges.push(Badge::Live);
        }
        if f.contains(AssetFlags::FAVORITE) {
            badges.push(Badge::Favorite);
        }
        if f.contains(AssetFlags::ARCHIVED) {
            badges.push(Badge::Archived);
        }
        if f.contains(AssetFlags::TRASHED) {
            badges.push(Badge::Trashed);
        }
        if f.contains(AssetFlags::OFFLINE) {
            badges.push(Badge::Offline);
        }
        if a.stack_count > 1 {
            badges.push(Badge::Stack(a.stack_count));
        }
        // A current server's month has no file names: the kind stands in.
        let name = match (a.file_name, a.kind) {
            ("", AssetKind::Video) => "Video",
            ("", _) => "Photo",
            (name, _) => name,
        };
        let mut label = format!("{name}, {}", format_local(a.local_ms));
        for b in &badges {
            label.push_str(", ");
            label.push_str(&b.parts().2);
        }
        Some(Self {
            lib,
            id: index.id_string(lib as usize)?,
            label,
            thumbhash: a.thumbhash.to_vec(),
            colour: average_color(a.thumbhash).unwrap_or_default(),
            badges,
        })
    }
}

/// Handles a tile shares with its grid (all `Copy`).
#[derive(Clone, Copy)]
pub struct TileCtx {
    /// Display position of the tile that holds the roving tabindex.
    pub focus: RwSignal<u32>,
    /// Display position whose tile should take DOM focus once it exists
    /// (set by keyboard navigation; cleared by the tile that takes it).
    pub pending_focus: RwSignal<Option<u32>>,
    /// Enter or click on a tile, with its library index.
    pub on_activate: Callback<u32>,
    /// False while the grid scrolls fast. A tile loads its placeholder and
    /// thumbnail once it has been alive while this was true (and keeps them
    /// when scrolling resumes).
    pub calm: Signal<bool>,
}

/// One slot of the grid's tile pool: a DOM tile that shows whichever asset
/// the grid assigns to it. During a fast scroll the grid re-assigns slots
/// instead of creating and dropping components, so a frame costs attribute
/// updates, not DOM construction.
#[derive(Clone)]
pub struct TileSlot {
    /// Stable key of the slot (for the keyed `<For>`).
    pub id: u32,
    /// The asset shown; replaced when the slot is re-used.
    pub info: ArcRwSignal<Arc<TileInfo>>,
    /// Position, updated by the grid on scroll and relayout.
    pub pos: ArcRwSignal<TilePos>,
}

/// A grid tile: a pool slot's view. Everything follows the slot's signals.
#[component]
pub fn Tile(
    /// The pool slot shown.
    tile: TileSlot,
    /// Shared focus state and callbacks.
    ctx: TileCtx,
    /// Where thumbnails come from.
    thumbs: ThumbSource,
    /// The grid's fetch queue (API-key sessions only).
    loader: ThumbLoader,
    /// Decoded placeholders shared by the grid's tiles.
    placeholders: PlaceholderCache,
) -> impl IntoView {
    let TileSlot { info, pos, .. } = tile;
    let node = NodeRef::<html::Div>::new();
    // Everything a tile remembers about "its" asset is keyed by the asset's
    // id, not by its library index: after the index is replaced the same
    // library index may name another asset, and the slot must then let go
    // of the previous asset's image.
    // Asset whose thumbnail has loaded (the image fades in only for the
    // asset shown now, not for the slot's previous one).
    let loaded = RwSignal::new(None::<String>);
    let lib = {
        let info = info.clone();
        move || info.with(|i| i.lib)
    };
    let asset = {
        let info = info.clone();
        move || info.with(|i| i.id.clone())
    };
    // (asset, shown): shown latches once the grid is calm while this asset is
    // in the slot, so it keeps its images through later fast scrolls; a new
    // asset starts over.
    let shown = {
        let asset = asset.clone();
        Memo::new(move |prev: Option<&(String, bool)>| {
            let a = asset();
            let was = prev.is_some_and(|(p, s)| *p == a && *s);
            (a, was || ctx.calm.get())
        })
    };
    let is_shown = move || shown.with(|s| s.1);

    // The image source: the URL itself with a cookie session; an object URL
    // from the fetch queue with an API key (revoked when replaced or gone).
    let fetched = RwSignal::new(None::<(String, String)>);
    let direct = !thumbs.needs_fetch();
    if !direct {
        let ticket = StoredValue::new_local(None::<(String, ThumbTicket)>);
        let thumbs = thumbs.clone();
        Effect::new(move |_| {
            let (id, on) = shown.get();
            if !on || ticket.with_value(|t| t.as_ref().is_some_and(|(ta, _)| *ta == id)) {
                return;
            }
            // Requests start only for tiles the view settled on: all urgent.
            // An id that is not a UUID is never requested: the tile keeps its placeholder.
            let for_id = id.clone();
            let t = loader.request(&thumbs, &id, true, move |object_url| {
                let entry = (for_id.clone(), object_url.clone());
                let old = match fetched.try_update(|f| f.replace(entry)) {
                    Some(old) => old.map(|(_, u)| u),
                    // The tile is gone: nobody will show the new URL.
                    None => Some(object_url),
                };
                if let Some(u) = old {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
            });
            // Dropping the old ticket aborts its fetch.
            ticket.set_value(t.map(|t| (id, t)));
            if let Some(Some((_, u))) = fetched.try_update(Option::take) {
                let _ = web_sys::Url::revoke_object_url(&u);
            }
        });
        on_cleanup(move || {
            ticket.update_value(|t| drop(t.take()));
            if let Some(Some((_, u))) = fetched.try_get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&u);
            }
        });
    }
    let src = move || {
        shown.with(|(id, on)| {
            if !on {
                None
            } else if direct {
                thumbs.url(id)
            } else {
                fetched.with(|f| {
                    f.as_ref()
                        .filter(|(fa, _)| fa == id)
                        .map(|(_, u)| u.clone())
                })
            }
        })
    };

    let colour = {
        let info = info.clone();
        move || info.with(|i| i.colour.clone())
    };
    // The style closure must be `Send`; the cache is a single-threaded `Rc`.
    let placeholders = StoredValue::new_local(placeholders);
    let placeholder = {
        let info = info.clone();
        move || {
            if !is_shown() {
                return None;
            }
            info.with(|i| placeholders.with_value(|c| c.css_url(&i.thumbhash)))
                .map(|u| u.to_string())
        }
    };

    let p = pos.clone();
    let disp = move || p.with(|p| p.disp);
    let d2 = disp.clone();
    let tabindex = move || if ctx.focus.get() == d2() { "0" } else { "-1" };
    let p = pos.clone();
    let transform = move || p.with(|p| format!("translate3d({}px,{}px,0)", p.x, p.y));
    let p = pos.clone();
    let width = move || p.with(|p| format!("{}px", p.w));
    let p = pos.clone();
    let height = move || p.with(|p| format!("{}px", p.h));

    // Keyboard navigation asks for DOM focus on a position; the tile at that
    // position takes it as soon as it is mounted (or re-assigned there).
    let d3 = disp.clone();
    Effect::new(move |_| {
        let want = ctx.pending_focus.get();
        if want.is_some() && want == Some(d3()) {
            if let Some(el) = node.get() {
                let opts = web_sys::FocusOptions::new();
                opts.set_prevent_scroll(true);
                let _ = el.focus_with_options(&opts);
                ctx.pending_focus.set(None);
            }
        }
    });

    let d4 = disp.clone();
    let badges = {
        let info = info.clone();
        // Deferred like the images: a slot re-assigned every frame of a fling
        // would otherwise rebuild its badges every frame.
        move || {
            if !is_shown() {
                return None;
            }
            info.with(|i| {
                (!i.badges.is_empty()).then(|| {
                    let spans = i
                        .badges
                        .iter()
                        .map(|b| {
                            let (class, text, _) = b.parts();
                            view! { <span class=format!("ig-badge ig-badge-{class}")>{text}</span> }
                        })
                        .collect_view();
                    view! { <div class="ig-badges" aria-hidden="true">{spans}</div> }
                })
            })
        }
    };
    let index_attr = {
        let lib = lib.clone();
        move || lib().to_string()
    };
    let d5 = disp.clone();
    let pos_attr = move || d5().to_string();
    // The element id its row owns (`aria-owns`, see grid.rs).
    let d6 = disp.clone();
    let id_attr = asset.clone();
    let label = {
        let info = info.clone();
        move || info.with(|i| i.label.clone())
    };
    let (a2, a3) = (asset.clone(), asset);

    view! {
        <div
            class="ig-tile"
            role="gridcell"
            data-testid="tile"
            data-index=index_attr
            data-id=id_attr
            data-pos=pos_attr
            id=move || format!("ig-t-{}", d6())
            tabindex=tabindex
            aria-label=label
            node_ref=node
            style:transform=transform
            style:width=width
            style:height=height
            style:background-color=colour
            style:background-image=placeholder
            on:click=move |_| ctx.on_activate.run(lib())
            on:focus=move |_| ctx.focus.set(d4())
        >
            <img
                class="ig-thumb"
                class:loaded=move || loaded.with(|l| l.as_deref() == Some(a2().as_str()))
                src=src
                alt=""
                decoding="async"
                draggable="false"
                on:load=move |_| loaded.set(Some(a3()))
            />
            {badges}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let check = |ms, expected: &str| assert_eq!(format_duration(ms), expected, "{ms}");
        check(0, "0:00");
        check(999, "0:00");
        check(42_500, "0:42");
        check(61_000, "1:01");
        check(3_599_999, "59:59");
        check(3_600_000, "1:00:00");
        check(3_723_000, "1:02:03");
    }

    #[test]
    fn local_dates() {
        let check = |ms, expected: &str| assert_eq!(format_local(ms), expected, "{ms}");
        check(0, "1 Jan 1970, 00:00");
        check(1_714_745_100_000, "3 May 2024, 14:05");
        check(-60_000, "31 Dec 1969, 23:59");
    }
}
