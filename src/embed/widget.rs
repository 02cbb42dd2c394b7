//! The `<immich-grid>` custom element's Rust half. `immich-grid.js` defines
//! the element, opens its shadow root and calls [`Widget::mount`] with a
//! `<div>` inside it and the element's attributes; attribute changes come
//! back through [`Widget::set`], removal through [`Widget::unmount`].
//!
//! Attributes: `server` (the Immich address), `layout`, `size`, `theme`
//! (CSS only), and every filter under its slug (`favorite`, `archived`,
//! `type`, `text`, `taken-from`, …; `favorite` and `archived` also take
//! `only` and `exclude`). Never a key: a key is entered in the element's
//! connect form, as in the app.

use std::{cell::RefCell, collections::BTreeMap, rc::Rc};

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::{apply_layout, config::SiteConfig, parse_layout, Setup};
use crate::{
    components::grid::GridLayoutPrefs,
    data::session::{Auth, ServerUrl, Session},
    locale::Locale,
    url_state::{Field, HistoryMode, ViewState, ViewStateContext},
};

/// The element the app lives in: where its events go.
#[derive(Clone)]
pub struct Host(web_sys::HtmlElement);

impl Host {
    /// Dispatches `immich-grid:{name}` on the element, bubbling out of the
    /// shadow root, with `detail`.
    pub fn emit(&self, name: &str, detail: &[(&str, JsValue)]) {
        let obj = js_sys::Object::new();
        for (k, v) in detail {
            let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), v);
        }
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&obj);
        init.set_bubbles(true);
        init.set_composed(true);
        if let Ok(ev) =
            web_sys::CustomEvent::new_with_event_init_dict(&format!("immich-grid:{name}"), &init)
        {
            let _ = self.0.dispatch_event(&ev);
        }
    }
}

/// The query string of a view, from the element's attributes.
pub fn search_from_attributes(attrs: &BTreeMap<String, String>) -> String {
    let mut out = Vec::new();
    for (name, value) in attrs {
        let Some(field) = Field::ALL.iter().find(|f| f.slug() == name.as_str()) else {
            continue;
        };
        let value = match (field, value.trim()) {
            (Field::Favorite | Field::Archived, "only") => "true",
            (Field::Favorite | Field::Archived, "exclude") => "false",
            (_, v) => v,
        };
        out.push(format!("{}={}", field.key(), super::config::encode(value)));
    }
    out.join("&")
}

fn session_for(server: Option<&str>) -> Session {
    let mut s = Session::for_page();
    if let Some(url) = server.and_then(|t| ServerUrl::parse(t).ok()) {
        // A key entered for that server in an element of this page is used
        // (kept in memory only: see `Session::keep_for_elements`).
        s.auth = Session::element_key_for(&url).map_or(Auth::Cookie, Auth::ApiKey);
        s.server = url;
    }
    s
}

struct Inputs {
    attrs: BTreeMap<String, String>,
    view_state: ViewStateContext,
    session: RwSignal<Session>,
    prefs: RwSignal<GridLayoutPrefs>,
}

/// One mounted element.
pub struct Widget {
    inputs: Rc<RefCell<Inputs>>,
    mounted: Option<super::Mounted>,
}

impl Widget {
    /// Mounts the app into `root` (a `<div>` in the element's shadow root)
    /// with the element's `attrs`; events go to `host`.
    pub fn mount(
        root: web_sys::HtmlElement,
        host: web_sys::HtmlElement,
        attrs: BTreeMap<String, String>,
    ) -> Self {
        // `locale`: dates and numbers in that language (read at mount).
        if let Some(l) = attrs.get("locale").filter(|l| Locale::valid_tag(l.trim())) {
            let _ = root.set_attribute("lang", l.trim());
        }
        let slot: Rc<RefCell<Option<Inputs>>> = Rc::new(RefCell::new(None));
        let out = slot.clone();
        let host = Host(host);
        let handle = super::mount_app(
            root,
            Box::new(move || {
                let view_state = ViewStateContext::detached(&search_from_attributes(&attrs));
                let locale = Locale::resolve(attrs.get("locale").map(String::as_str));
                let session = RwSignal::new(session_for(attrs.get("server").map(String::as_str)));
                let prefs = RwSignal::new(apply_layout(
                    GridLayoutPrefs::default(),
                    attrs.get("layout").and_then(|l| parse_layout(l)),
                    attrs.get("size").and_then(|s| s.parse().ok()),
                ));
                *out.borrow_mut() = Some(Inputs {
                    attrs,
                    view_state,
                    session,
                    prefs,
                });
                Setup {
                    view_state,
                    session,
                    prefs,
                    embed: true,
                    connect_at_start: false,
                    config_error: None,
                    widget: Some(host),
                    site: SiteConfig::default(),
                    locale,
                }
            }),
        );
        let inputs = slot.borrow_mut().take();
        match inputs {
            Some(inputs) => Self {
                inputs: Rc::new(RefCell::new(inputs)),
                mounted: Some(handle),
            },
            // The mount closure always runs before `mount_to` returns.
            None => unreachable_widget(),
        }
    }

    /// An attribute changed (`None`: removed): the view follows.
    pub fn set(&self, name: &str, value: Option<String>) {
        let mut i = self.inputs.borrow_mut();
        match value {
            Some(v) => i.attrs.insert(name.to_owned(), v),
            None => i.attrs.remove(name),
        };
        match name {
            "server" => {
                let s = session_for(i.attrs.get("server").map(String::as_str));
                i.session.try_set(s);
            }
            "layout" | "size" => {
                let p = apply_layout(
                    GridLayoutPrefs::default(),
                    i.attrs.get("layout").and_then(|l| parse_layout(l)),
                    i.attrs.get("size").and_then(|s| s.parse().ok()),
                );
                i.prefs.try_set(p);
            }
            _ => {
                let (state, _) = ViewState::parse_search(&search_from_attributes(&i.attrs));
                // A view the server would refuse is not applied.
                let _ = i.view_state.set(state, HistoryMode::Replace);
            }
        }
    }

    /// Removes the app: its reactive owner is disposed, which stops the
    /// load, the timers and the observers, and the DOM is emptied.
    pub fn unmount(&mut self) {
        if let Some(mut m) = self.mounted.take() {
            m.unmount();
        }
    }
}

fn unreachable_widget() -> Widget {
    // Not reached: see the caller. Still no panic in a release build.
    Widget {
        inputs: Rc::new(RefCell::new(Inputs {
            attrs: BTreeMap::new(),
            view_state: ViewStateContext::detached(""),
            session: RwSignal::new(Session::for_page()),
            prefs: RwSignal::new(GridLayoutPrefs::default()),
        })),
        mounted: None,
    }
}

thread_local! {
    /// Bumped when an element of this page keeps a key (see
    /// [`Session::keep_for_elements`]). Reference-counted, owned by no
    /// element: it outlives any of them.
    static KEYS_KEPT: ArcRwSignal<u64> = ArcRwSignal::new(0);
}

/// An element of this page kept a key: the others on that server use it.
pub fn key_kept() {
    KEYS_KEPT.with(|k| k.update(|n| *n += 1));
}

/// Signs this element in with a key another element of the page was given
/// for its server, when it is still on the cookie session.
pub fn share_keys(session: RwSignal<Session>, on_connect: Callback<Session>) {
    let kept = KEYS_KEPT.with(Clone::clone);
    Effect::new(move |_| {
        kept.track();
        let s = session.get_untracked();
        if matches!(s.auth, Auth::Cookie) {
            if let Some(k) = Session::element_key_for(&s.server) {
                on_connect.run(Session {
                    auth: Auth::ApiKey(k),
                    ..s
                });
            }
        }
    });
}

/// Reads an element's attributes into a map.
pub fn attributes_of(el: &web_sys::Element) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let names = el.get_attribute_names();
    for n in names.iter() {
        if let Some(name) = n.as_string() {
            if let Some(v) = el.get_attribute(&name) {
                out.insert(name, v);
            }
        }
    }
    out
}

/// The element's host handle from a JS value (the element itself).
pub fn element(value: &JsValue) -> Option<web_sys::HtmlElement> {
    value.clone().dyn_into().ok()
}

/// Tells the element's host what happens: `ready` now, `loaded` (with the
/// counts) each time a load or a change of view completes, `open` (with the
/// asset id) when a tile is opened, `error` (with the message) when a load
/// fails.
pub fn attach_events(
    host: Host,
    library: crate::data::loader::Library,
    shown: Signal<usize>,
    opened: Signal<Option<String>>,
) {
    use crate::data::loader::LoadStatus;
    let ready = host.clone();
    leptos::task::spawn_local(async move { ready.emit("ready", &[]) });
    // Removal stops the load under way (its requests are aborted).
    on_cleanup(move || library.stop());
    let h = host.clone();
    Effect::new(move |prev: Option<Option<LoadStatus>>| {
        let status = library.status.get();
        let before = prev.flatten();
        match &status {
            LoadStatus::Current if before.as_ref() != Some(&LoadStatus::Current) => {
                let total = library.index.with_untracked(|i| i.len());
                h.emit(
                    "loaded",
                    &[
                        ("shown", JsValue::from_f64(shown.get_untracked() as f64)),
                        ("loaded", JsValue::from_f64(total as f64)),
                    ],
                );
            }
            LoadStatus::Error(msg) if before.as_ref() != Some(&status) => {
                h.emit("error", &[("message", JsValue::from_str(msg))]);
            }
            _ => {}
        }
        Some(status)
    });
    Effect::new(move |_| {
        if let Some(id) = opened.get() {
            host.emit("open", &[("id", JsValue::from_str(&id))]);
        }
    });
}
