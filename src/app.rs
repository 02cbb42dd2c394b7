//! The top component: provides the view state (the URL) and the library
//! (the data layer), derives what the grid shows, and lays out the chrome.

use std::sync::Arc;

use immich_api::PartnerDirection;
use leptos::{prelude::*, task::spawn_local};
use library_core::{apply_with_counts, FilterCounts, LibraryIndex};
use wasm_bindgen::JsCast;

use crate::{
    // The panels the first screen does not need come in wasm chunks of
    // their own, loaded on first use (components/lazy.rs).
    components::{
        grid::{Grid, GridControls, GridData},
        lazy::{Connect, EmbedCode, Filters, Viewer},
        status::StatusBar,
        viewer::{asset_in_url, write_asset_url, Opened},
    },
    data::{
        client::Client,
        loader::{Library, LoadStatus, LoaderOptions, TimelineExtras},
        session::Session,
        thumbs::ThumbSource,
    },
    debug_hook,
};

/// Whether `new` holds `old`'s assets at the same positions (pages were
/// appended), so the grid may extend its layout instead of rebuilding it.
fn index_extends(old: &LibraryIndex, new: &LibraryIndex) -> bool {
    new.starts_with(old)
}

/// A header button that opens and closes a panel.
#[component]
fn PanelToggle(
    open: RwSignal<bool>,
    label: &'static str,
    testid: &'static str,
    /// Where the button is, to give focus back when its panel closes by Escape.
    node_ref: NodeRef<leptos::html::Button>,
    /// Extra classes.
    #[prop(optional)]
    class: &'static str,
    /// The menu the button sits in on a phone, closed by a click so that the
    /// panel it opens is not under it.
    #[prop(optional)]
    menu: Option<RwSignal<bool>>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class=format!("ig-button {class}")
            data-testid=testid
            aria-expanded=move || open.get().to_string()
            on:click=move |_| {
                open.update(|o| *o = !*o);
                if let Some(menu) = menu {
                    menu.set(false);
                }
            }
            node_ref=node_ref
        >
            {label}
        </button>
    }
}

/// Closes `open` on Escape and gives focus back to `toggle`, the button that
/// opened it (the disclosure pattern: a keyboard user is not left on a
/// control that has gone).
fn close_on_escape(
    open: RwSignal<bool>,
    toggle: NodeRef<leptos::html::Button>,
) -> impl Fn(leptos::ev::KeyboardEvent) + Copy {
    move |ev| {
        if ev.key() != "Escape" || !open.get_untracked() {
            return;
        }
        // A search field with text clears it on Escape first (its own default).
        let clears_search = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|i| i.type_() == "search" && !i.value().is_empty());
        if clears_search {
            return;
        }
        ev.prevent_default();
        ev.stop_propagation();
        open.set(false);
        if let Some(button) = toggle.get_untracked() {
            let _ = button.focus();
        }
    }
}

/// A panel under the header, shown while `open`; Escape inside it closes it.
#[component]
fn Panel(
    open: RwSignal<bool>,
    label: &'static str,
    toggle: NodeRef<leptos::html::Button>,
    children: ChildrenFn,
) -> impl IntoView {
    let on_key = close_on_escape(open, toggle);
    view! {
        <Show when=move || open.get()>
            <section class="ig-panel" aria-label=label on:keydown=on_key>
                {children()}
            </section>
        </Show>
    }
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    // The page's own app (URL, config.json) or a custom element.
    let setup = crate::embed::Setup::current();
    let view_state = setup.view_state;
    let session = setup.session;
    let library = Library::new(
        session.get_untracked(),
        view_state.query().get_untracked(),
        LoaderOptions::default(),
    );
    provide_context(library);
    // Background deltas while the page is open (timer and window focus).
    library.keep_in_sync();

    // Server inputs drive the loader; the first run starts the load.
    // A current server lists the trash apart and takes partners' assets
    // into the timeline: both are inputs of its requests (a memo, so other
    // refinements, such as typing a search, do not wake the loader).
    let extras = Memo::new(move |_| TimelineExtras {
        trash: view_state.refine().with(|r| r.show_trashed),
        with_partners: view_state.with_partners().get(),
    });
    Effect::new(move |prev: Option<()>| {
        let query = view_state.query().get();
        let paged = view_state.paged().get();
        let extras = extras.get();
        let restarted = library.set_view_with(query, paged, extras);
        if prev.is_none() && !restarted {
            library.reload();
        }
    });

    // In-app refinements over the loaded index: no request.
    let grid_data = RwSignal::new(GridData::default());
    let counts = RwSignal::new(None::<FilterCounts>);
    Effect::new(move |_| {
        let index = library.index.get();
        let refine = view_state.refine().get();
        let (order, c) = apply_with_counts(&index, &refine);
        let (version, index_extends) =
            grid_data.with_untracked(|d| (d.version + 1, index_extends(&d.index, &index)));
        grid_data.set(GridData {
            index,
            order: Arc::new(order),
            version,
            index_extends,
        });
        counts.set(Some(c));
    });

    // Whose libraries the person may open: the caller, then the partners
    // who share with the caller. Partners are asked for only once someone
    // needs them (the filters panel opens, or the view is another user's
    // library), so a plain reload sends no partners request.
    let users = RwSignal::new(Vec::new());
    let filters_open = RwSignal::new(false);
    let partners_for = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let Some(me) = library.user.get() else {
            return;
        };
        // A proxy that allows no other user's library refuses the question.
        let proxy_says_no = session
            .with(|s| crate::data::proxy::policy(s.server.as_str()).is_some_and(|p| !p.partners));
        let wanted = !proxy_says_no
            && (filters_open.get() || view_state.query().with(|q| q.user_id.is_some()));
        if partners_for.with_value(|p| p.as_deref() == Some(me.id.as_str())) {
            return;
        }
        users.set(vec![me.clone()]);
        if !wanted {
            return;
        }
        partners_for.set_value(Some(me.id.clone()));
        let client = Client::new(&session.get_untracked());
        spawn_local(async move {
            // Without partners the person still has their own library.
            if let Ok(partners) = client.partners(PartnerDirection::SharedWith, None).await {
                users.update(|u| u.extend(partners.into_iter().map(|p| p.user)));
            }
        });
    });

    let prefs = setup.prefs;
    // Thumbnails come from the server's full address (its path kept), with
    // the session's credentials.
    let thumbs = Signal::derive(move || ThumbSource::for_session(&session.get()));
    // The viewer: the opened asset, and the tile to give focus back to.
    let opened = RwSignal::new(None::<Opened>);
    let reveal = RwSignal::new(None::<u32>);
    // A deep link (`?asset=ID`) opens once the grid holds that asset.
    let deep_link = RwSignal::new(asset_in_url());
    // How much of the index the deep link has searched: while pages are
    // appended only the new ones are searched, so a load of a million
    // assets costs one pass, not one per page.
    let searched = StoredValue::new(0usize);
    Effect::new(move |_| {
        let Some(id) = deep_link.get() else {
            searched.set_value(0);
            return;
        };
        let found = grid_data.with(|d| {
            let from = if d.index_extends {
                searched.get_value().min(d.index.len())
            } else {
                0
            };
            searched.set_value(d.index.len());
            let lib = d.index.position_from(id.as_str(), from)?;
            Opened::at_lib(d, u32::try_from(lib).ok()?, false)
        });
        if let Some(o) = found {
            deep_link.set(None);
            opened.set(Some(o));
        }
    });
    // Back and Forward: the URL says which asset is open, if any.
    let history = window_event_listener(leptos::ev::popstate, move |_| {
        let want = asset_in_url();
        let now = opened.with_untracked(|o| o.as_ref().map(|o| o.id.clone()));
        if want == now {
            return;
        }
        match want {
            None => {
                if let Some(o) = opened.get_untracked() {
                    opened.set(None);
                    reveal.set(Some(o.lib));
                }
            }
            Some(id) => match grid_data.with_untracked(|d| Opened::by_id(d, &id, false)) {
                Some(o) => opened.set(Some(o)),
                None => deep_link.set(Some(id)),
            },
        }
    });
    on_cleanup(move || history.remove());
    let on_activate = Callback::new(move |lib: u32| {
        if let Some(o) = grid_data.with_untracked(|d| Opened::at_lib(d, lib, true)) {
            write_asset_url(Some(&o.id), true);
            opened.set(Some(o));
        }
    });
    let menu_open = RwSignal::new(false);
    let connect_open = RwSignal::new(setup.connect_at_start);
    let embed_open = RwSignal::new(false);
    // Refused credentials or an unreachable server: offer the connect screen.
    Effect::new(move |_| {
        if matches!(library.status.get(), LoadStatus::Error(_))
            && library.user.get_untracked().is_none()
        {
            connect_open.set(true);
        }
    });
    let on_connect = Callback::new(move |s: Session| {
        session.set(s.clone());
        library.set_session(s);
        connect_open.set(false);
    });
    if setup.widget.is_some() {
        crate::embed::widget::share_keys(session, on_connect);
    }
    // The opened asset's id, for the host page (element events, frame messages).
    let opened_id = Signal::derive(move || opened.with(|o| o.as_ref().map(|o| o.id.to_string())));
    match setup.widget.clone() {
        Some(host) => crate::embed::widget::attach_events(
            host,
            library,
            Signal::derive(move || grid_data.with(|d| d.order.len())),
            opened_id,
        ),
        None => {
            debug_hook::install(library, grid_data);
            if setup.embed {
                let changed = Signal::derive(move || grid_data.with(|d| d.version as usize));
                crate::embed::frame::attach(&setup.site, view_state, opened_id, changed);
            }
        }
    }
    // A new server from outside (the element's `server` attribute).
    Effect::new(move |_| library.set_session(session.get()));
    let config_error = setup.config_error.clone();

    let embed = setup.embed;
    let in_element = setup.widget.is_some();
    let (menu_button, filters_button, embed_button, connect_button) = (
        NodeRef::new(),
        NodeRef::new(),
        NodeRef::new(),
        NodeRef::new(),
    );
    // Escape with focus nowhere (Safari does not focus a clicked button, and
    // a re-drawn control drops focus) closes the open panels too; focus
    // inside a panel is handled by the panel itself. The element on another
    // page has no panels and leaves the host page's Escape alone.
    if !in_element {
        let panels = [
            (filters_open, filters_button),
            (embed_open, embed_button),
            (connect_open, connect_button),
            (menu_open, menu_button),
        ];
        let escape = window_event_listener(leptos::ev::keydown, move |ev| {
            let focus_nowhere = document().active_element().is_none_or(|a| {
                document().body().is_some_and(|b| {
                    let body: &web_sys::Node = &b;
                    a.is_same_node(Some(body))
                })
            });
            if ev.key() != "Escape" || ev.default_prevented() || !focus_nowhere {
                return;
            }
            if opened.with_untracked(Option::is_some) {
                return;
            }
            let mut focus: Option<NodeRef<leptos::html::Button>> = None;
            for (open, toggle) in panels {
                if open.get_untracked() {
                    open.set(false);
                    focus = focus.or(Some(toggle));
                }
            }
            if let Some(button) = focus.and_then(|t| t.get_untracked()) {
                let _ = button.focus();
            }
        });
        on_cleanup(move || escape.remove());
    }
    view! {
        <div class="ig-app" class:ig-embed=embed>
            <Show when=move || !embed>
                <header class="ig-bar">
                    <h1 class="ig-title">"immich-grid"</h1>
                    // On phones the controls fold behind one button (style/main.css).
                    <PanelToggle open=menu_open label="Menu" testid="toggle-menu" class="ig-menu-toggle" node_ref=menu_button />
                    <div
                        class="ig-bar-controls"
                        class:open=move || menu_open.get()
                        data-testid="bar-controls"
                        on:keydown=close_on_escape(menu_open, menu_button)
                    >
                        <PanelToggle open=filters_open label="Filters" testid="toggle-filters" node_ref=filters_button menu=menu_open />
                        <GridControls prefs=prefs />
                        <PanelToggle open=embed_open label="Embed" testid="toggle-embed" node_ref=embed_button menu=menu_open />
                        <PanelToggle open=connect_open label="Connect" testid="toggle-connect" node_ref=connect_button menu=menu_open />
                    </div>
                </header>
            </Show>
            {config_error.map(|e| view! { <p class="ig-config-error" role="alert">{e}</p> })}
            <StatusBar library=library />
            <Panel open=connect_open label="Connection" toggle=connect_button>
                <Connect
                    on_connect=on_connect
                    initial=session.get_untracked()
                    memory_only=in_element
                />
            </Panel>
            <Panel open=filters_open label="Filters" toggle=filters_button>
                <Filters users=users counts=counts open=true />
            </Panel>
            <Panel open=embed_open label="Embed" toggle=embed_button>
                <EmbedCode session=session prefs=prefs />
            </Panel>
            <main class="ig-main">
                {move || {
                    view! {
                        <Grid
                            data=grid_data
                            thumbs=thumbs.get()
                            layout=prefs
                            on_activate=on_activate
                            reveal=reveal
                        />
                    }
                }}
            </main>
            <Show when=move || opened.with(Option::is_some)>
                <Viewer
                    data=grid_data
                    opened=opened
                    thumbs=thumbs
                    session=session
                    on_close=Callback::new(move |lib| reveal.set(Some(lib)))
                />
            </Show>
        </div>
    }
}
