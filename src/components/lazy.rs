//! The panels the first screen does not need, loaded on first use: the
//! *Connect* form, the *Filters* panel, the *Embed* panel and the viewer
//! with its info panel. Each lives in a wasm chunk of its own that
//! `cargo xtask build` splits off the main module (wasm-split, the tool
//! behind Leptos 0.8's `#[lazy]`); the chunk is fetched the first time its
//! panel opens, then kept.
//!
//! The wrappers here take the same props as the panels they stand for, so
//! `app.rs` uses them under the same names. Leptos's `#[lazy]` gives no
//! way to see a failed fetch (a failed load panics, and a release build
//! aborts on panic), so the split points are `#[wasm_split(…, fallible)]`:
//! a chunk that cannot be fetched (offline, or an old page after a deploy
//! removed its chunks) shows an error with *Retry* in the panel's place,
//! and the rest of the app goes on.
//!
//! On other targets (native tests, clippy) the split functions are plain
//! calls.
// The `wasm_split` macro declares each chunk's import and export
// (`extern "C"`, `no_mangle`); this module has no unsafe code of its own.
#![allow(unsafe_code)]

use std::future::Future;

use immich_api::UserResponseDto;
use leptos::{
    html,
    prelude::*,
    wasm_split::{wasm_split, SplitLoaderError},
};
use library_core::FilterCounts;
use send_wrapper::SendWrapper;

use crate::{
    components::{
        connect, filters,
        grid::{GridData, GridLayoutPrefs},
        viewer::{self, Opened},
    },
    data::{session::Session, thumbs::ThumbSource},
    embed::panel,
};

/// A chunk could not be fetched or started (the browser's console has the
/// reason).
#[derive(Clone, Copy, Debug)]
pub struct ChunkError;

impl From<SplitLoaderError> for ChunkError {
    fn from(_: SplitLoaderError) -> Self {
        ChunkError
    }
}

type Built = Result<AnyView, ChunkError>;

// The split points: each builds its panel, untracked (the view is built
// once; what it shows follows its signals from inside).

#[wasm_split(connect, wasm_split_path = ::leptos::wasm_split, fallible)]
fn connect_chunk(props: connect::ConnectProps) -> Built {
    Ok(untrack(|| connect::Connect(props).into_any()))
}

#[wasm_split(filters, wasm_split_path = ::leptos::wasm_split, fallible)]
fn filters_chunk(props: filters::FiltersProps) -> Built {
    Ok(untrack(|| filters::Filters(props).into_any()))
}

#[wasm_split(embed, wasm_split_path = ::leptos::wasm_split, fallible)]
fn embed_chunk(props: panel::EmbedCodeProps) -> Built {
    Ok(untrack(|| panel::EmbedCode(props).into_any()))
}

#[wasm_split(viewer, wasm_split_path = ::leptos::wasm_split, fallible)]
fn viewer_chunk(props: viewer::ViewerProps) -> Built {
    Ok(untrack(|| viewer::Viewer(props).into_any()))
}

/// Where a chunk's load is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Loading,
    Failed,
    Ready,
}

/// A panel's chunk: its phase, and a way to try again.
#[derive(Clone, Copy)]
struct Chunk {
    phase: RwSignal<Phase>,
    attempt: RwSignal<u32>,
}

impl Chunk {
    fn retry(self) {
        self.phase.set(Phase::Loading);
        self.attempt.update(|n| *n += 1);
    }
}

/// Loads a chunk and shows what `load` builds from it; a new attempt on
/// each [`Chunk::retry`]. The view is empty until the chunk is in; the
/// caller shows [`status`] beside it.
fn load_chunk<F, Fut>(load: F) -> (Chunk, impl IntoView)
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Built> + 'static,
{
    let chunk = Chunk {
        phase: RwSignal::new(Phase::Loading),
        attempt: RwSignal::new(0),
    };
    let content = move || {
        chunk.attempt.track();
        let load = load.clone();
        // Single-threaded wasm: the future never leaves this thread.
        Suspend::new(SendWrapper::new(async move {
            match load().await {
                Ok(view) => {
                    chunk.phase.try_set(Phase::Ready);
                    view
                }
                Err(ChunkError) => {
                    chunk.phase.try_set(Phase::Failed);
                    ().into_any()
                }
            }
        }))
    };
    (chunk, content)
}

/// A line while the chunk loads, the error and *Retry* if it failed,
/// nothing once it is in.
fn status(chunk: Chunk, what: &'static str) -> impl IntoView {
    move || match chunk.phase.get() {
        Phase::Ready => ().into_any(),
        Phase::Loading => view! {
            <p class="ig-chunk-status" role="status" data-testid="chunk-loading">
                {format!("Loading the {what}…")}
            </p>
        }
        .into_any(),
        Phase::Failed => view! {
            <div class="ig-chunk-status ig-chunk-error" role="alert" data-testid="chunk-error">
                <p>
                    {format!(
                        "The {what} could not be loaded: the network failed, or a new \
                         version of the app was installed since this page opened (then \
                         reload the page)."
                    )}
                </p>
                <button
                    type="button"
                    class="ig-button"
                    data-testid="chunk-retry"
                    on:click=move |_| chunk.retry()
                >
                    "Retry"
                </button>
            </div>
        }
        .into_any(),
    }
}

/// A panel: its status line, then the panel once its chunk is in.
fn lazy_panel<F, Fut>(what: &'static str, load: F) -> impl IntoView
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Built> + 'static,
{
    let (chunk, content) = load_chunk(load);
    view! {
        {status(chunk, what)}
        {content}
    }
}

/// The *Connect* form ([`connect::Connect`]), loaded on first use.
#[component]
pub fn Connect(
    /// Called with the settings when the user connects.
    #[prop(optional, into)]
    on_connect: Option<Callback<Session>>,
    /// The settings the form starts from.
    #[prop(optional)]
    initial: Option<Session>,
    /// In an `<immich-grid>` element: the key stays in memory only.
    #[prop(optional)]
    memory_only: bool,
) -> impl IntoView {
    lazy_panel("connection form", move || {
        connect_chunk(connect::ConnectProps {
            on_connect,
            initial: initial.clone(),
            memory_only,
        })
    })
}

/// The *Filters* panel ([`filters::Filters`]), loaded on first use.
#[component]
pub fn Filters(
    /// Whose libraries the person may open.
    #[prop(into)]
    users: Signal<Vec<UserResponseDto>>,
    /// What each refinement leaves of the loaded library.
    #[prop(into)]
    counts: Signal<Option<FilterCounts>>,
    /// Whether the panel starts open.
    #[prop(optional)]
    open: bool,
) -> impl IntoView {
    lazy_panel("filters", move || {
        filters_chunk(filters::FiltersProps {
            users,
            counts,
            open,
        })
    })
}

/// The *Embed* panel ([`panel::EmbedCode`]), loaded on first use.
#[component]
pub fn EmbedCode(session: RwSignal<Session>, prefs: RwSignal<GridLayoutPrefs>) -> impl IntoView {
    lazy_panel("embed code", move || {
        embed_chunk(panel::EmbedCodeProps { session, prefs })
    })
}

/// The viewer ([`viewer::Viewer`]), loaded the first time an asset opens
/// (a click, or a `?asset=` link). Until it is in, a dark window says so,
/// with *Close*; a failed load offers *Retry* there too.
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
    let (chunk, content) = load_chunk(move || {
        viewer_chunk(viewer::ViewerProps {
            data,
            opened,
            thumbs,
            session,
            on_close,
        })
    });
    let close = move || viewer::close(opened, on_close);
    let window = NodeRef::<html::Div>::new();
    // Focus the window so Escape reaches it (the viewer does the same).
    Effect::new(move |_| {
        if let Some(w) = window.get() {
            let _ = w.focus();
        }
    });
    view! {
        <Show when=move || chunk.phase.get() != Phase::Ready>
            <div
                class="ig-viewer ig-viewer-pending"
                role="dialog"
                aria-modal="true"
                aria-label="Viewer"
                data-testid="viewer-chunk"
                tabindex="-1"
                node_ref=window
                on:keydown=move |e: web_sys::KeyboardEvent| {
                    if e.key() == "Escape" {
                        e.prevent_default();
                        close();
                    }
                }
            >
                <div class="ig-v-bar">
                    <button
                        type="button"
                        class="ig-button"
                        data-testid="viewer-chunk-close"
                        aria-label="Close viewer"
                        on:click=move |_| close()
                    >
                        "✕"
                    </button>
                </div>
                <div class="ig-v-pending">{status(chunk, "viewer")}</div>
            </div>
        </Show>
        {content}
    }
}
