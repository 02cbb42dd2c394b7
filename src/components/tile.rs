//! One tile of the grid: a thumbhash placeholder, the thumbnail fading in over
//! it, and badges. Tiles exist only while they are in or near the viewport;
//! the grid positions them (absolutely, by `transform`) through a per-tile
//! signal so a scroll never re-creates a tile that stays visible.

use grid_core::civil_from_days;
use leptos::{html, prelude::*};
use library_core::{AssetFlags, AssetKind, LibraryIndex, DAY_MS};

use crate::thumbs::{ThumbLoader, ThumbSource, ThumbTicket};

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

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `3 May 2024, 14:05` for a local timestamp (local wall clock as UTC ms).
pub fn format_local(local_ms: i64) -> String {
    let days = local_ms.div_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
    let mins = local_ms.rem_euclid(DAY_MS) / 60_000;
    let month = MONTHS[usize::from(m.clamp(1, 12)) - 1];
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
        let mut label = format!("{}, {}", a.file_name, format_local(a.local_ms));
        for b in &badges {
            label.push_str(", ");
            label.push_str(&b.parts().2);
        }
        Some(Self {
            lib,
            id: index.id_string(lib as usize)?,
            label,
            thumbhash: a.thumbhash.to_vec(),
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
}

/// A grid tile. `pos` moves it; everything else is fixed for its lifetime.
#[component]
pub fn Tile(
    /// The asset shown.
    info: TileInfo,
    /// Position, updated by the grid on relayout and scroll resync.
    pos: ArcRwSignal<TilePos>,
    /// Shared focus state and callbacks.
    ctx: TileCtx,
    /// Where thumbnails come from.
    thumbs: ThumbSource,
    /// The grid's fetch queue (API-key sessions only).
    loader: ThumbLoader,
    /// Whether the tile is inside the viewport (its fetch goes first).
    urgent: bool,
) -> impl IntoView {
    let TileInfo {
        lib,
        id,
        label,
        thumbhash,
        badges,
    } = info;
    let node = NodeRef::<html::Div>::new();
    let loaded = RwSignal::new(false);
    let url = thumbs.url(&id);

    // The image source: the URL itself with a cookie session; an object URL
    // from the fetch queue with an API key (revoked when the tile goes).
    let src = RwSignal::new(None::<String>);
    match thumbs.api_key.clone() {
        None => src.set(Some(url)),
        Some(key) => {
            let ticket = loader.request(url, key, urgent, move |object_url| {
                // `try_set` hands the value back if the tile is already gone.
                if let Some(Some(u)) = src.try_set(Some(object_url)) {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
            });
            let ticket = StoredValue::new_local(Some::<ThumbTicket>(ticket));
            on_cleanup(move || {
                // Dropping the ticket aborts a fetch still running.
                ticket.update_value(|t| drop(t.take()));
                if let Some(Some(u)) = src.try_get_untracked() {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
            });
        }
    }

    let placeholder = crate::thumbhash::placeholder_data_url(&thumbhash)
        .map(|u| format!("url(\"{u}\")"))
        .unwrap_or_default();

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
    // position takes it as soon as it is mounted.
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
    let badges = (!badges.is_empty()).then(|| {
        let spans = badges
            .iter()
            .map(|b| {
                let (class, text, _) = b.parts();
                view! { <span class=format!("ig-badge ig-badge-{class}")>{text}</span> }
            })
            .collect_view();
        view! { <div class="ig-badges" aria-hidden="true">{spans}</div> }
    });

    view! {
        <div
            class="ig-tile"
            role="gridcell"
            data-testid="tile"
            data-index=lib.to_string()
            tabindex=tabindex
            aria-label=label
            node_ref=node
            style:transform=transform
            style:width=width
            style:height=height
            style:background-image=placeholder
            on:click=move |_| ctx.on_activate.run(lib)
            on:focus=move |_| ctx.focus.set(d4())
        >
            <img
                class="ig-thumb"
                class:loaded=move || loaded.get()
                src=move || src.get()
                alt=""
                decoding="async"
                draggable="false"
                on:load=move |_| loaded.set(true)
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
