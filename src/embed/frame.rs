//! The frame protocol: the app in an `<iframe>` (`?embed=1`) talks to its
//! parent page with `postMessage`, both ways checked against `config.json`'s
//! `allowedParentOrigins` (none listed: no messages at all).
//!
//! Frame → parent: `{type: "immich-grid:height", height}` (the content's
//! full height in CSS pixels, so the parent can size the frame) and
//! `{type: "immich-grid:open", id}` (the asset opened). Parent → frame:
//! `{type: "immich-grid:set", filters?: {name: value}, theme?: "light" |
//! "dark" | "system"}`. Anything else, malformed or from another origin, is
//! ignored.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::config::{SiteConfig, Theme};
use crate::url_state::{Field, HistoryMode, ViewState, ViewStateContext};

/// What a parent asked for, checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SetMessage {
    /// Filters by their URL names, each replacing the current value (an
    /// empty value clears it).
    pub filters: Vec<(Field, String)>,
    /// A new theme.
    pub theme: Option<Theme>,
}

/// A message's data as the protocol reads it: scalars and objects of them,
/// two levels deep at most (anything else is `Other`).
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A string.
    Str(String),
    /// true or false.
    Bool(bool),
    /// A number.
    Num(f64),
    /// null.
    Null,
    /// An object's own keys and values.
    Obj(Vec<(String, Msg)>),
    /// Anything else (arrays, functions, deeper objects, too large).
    Other,
}

impl Msg {
    fn get(&self, key: &str) -> Option<&Msg> {
        match self {
            Msg::Obj(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Reads a structured-clone value (`MessageEvent.data`), bounded.
    pub fn from_js(v: &JsValue, depth: u32) -> Msg {
        if let Some(s) = v.as_string() {
            return if s.len() <= 1024 {
                Msg::Str(s)
            } else {
                Msg::Other
            };
        }
        if let Some(b) = v.as_bool() {
            return Msg::Bool(b);
        }
        if let Some(n) = v.as_f64() {
            return Msg::Num(n);
        }
        if v.is_null() {
            return Msg::Null;
        }
        if depth == 0 || js_sys::Array::is_array(v) || !v.is_object() {
            return Msg::Other;
        }
        let Ok(obj) = v.clone().dyn_into::<js_sys::Object>() else {
            return Msg::Other;
        };
        let keys = js_sys::Object::keys(&obj);
        if keys.length() > 64 {
            return Msg::Other;
        }
        let mut pairs = Vec::new();
        for k in keys.iter() {
            let Some(name) = k.as_string() else { continue };
            let value = js_sys::Reflect::get(&obj, &k).unwrap_or(JsValue::UNDEFINED);
            pairs.push((name, Msg::from_js(&value, depth - 1)));
        }
        Msg::Obj(pairs)
    }
}

/// Reads a parent's message: `None` for anything but a well-formed
/// `immich-grid:set` (unknown filter names and values of the wrong kind
/// make the whole message ignored).
pub fn parse_set(data: &Msg) -> Option<SetMessage> {
    if data.get("type")? != &Msg::Str("immich-grid:set".into()) {
        return None;
    }
    let mut out = SetMessage::default();
    if let Some(filters) = data.get("filters") {
        let Msg::Obj(pairs) = filters else {
            return None;
        };
        for (k, v) in pairs {
            let field = Field::from_key(k)?;
            let text = match v {
                Msg::Str(s) => s.clone(),
                Msg::Bool(b) => b.to_string(),
                Msg::Num(n) if n.is_finite() => n.to_string(),
                Msg::Null => String::new(),
                _ => return None,
            };
            out.filters.push((field, text));
        }
    }
    if let Some(t) = data.get("theme") {
        let Msg::Str(t) = t else {
            return None;
        };
        out.theme = Some(Theme::parse(t)?);
    }
    Some(out)
}

/// `current` (a query string) with `set`'s filters replacing their keys.
pub fn apply_filters(current: &str, set: &SetMessage) -> String {
    let keys: Vec<&str> = set.filters.iter().map(|(f, _)| f.key()).collect();
    let mut parts: Vec<String> = current
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !keys.contains(&p.split_once('=').map_or(*p, |(k, _)| k)))
        .map(str::to_owned)
        .collect();
    for (f, v) in &set.filters {
        if !v.is_empty() {
            parts.push(format!("{}={}", f.key(), super::config::encode(v)));
        }
    }
    parts.join("&")
}

/// Wires the protocol when the app is framed by an allowed parent.
pub fn attach(
    site: &SiteConfig,
    view_state: ViewStateContext,
    opened: Signal<Option<String>>,
    content_changed: Signal<usize>,
) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    if parent == window || site.allowed_parent_origins.is_empty() {
        return;
    }
    let origins = site.allowed_parent_origins.clone();
    let post = {
        let origins = origins.clone();
        move |kind: &str, key: &str, value: JsValue| {
            let Ok(parent) = window_parent() else { return };
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &"type".into(), &kind.into());
            let _ = js_sys::Reflect::set(&msg, &key.into(), &value);
            // Delivered only if the parent is one of these origins.
            for o in &origins {
                let _ = parent.post_message(&msg, o);
            }
        }
    };
    let handle = window_event_listener(leptos::ev::message, move |e: web_sys::MessageEvent| {
        if !origins.iter().any(|o| *o == e.origin()) {
            return;
        }
        // Compared as values: a cross-origin WindowProxy is no `Window`
        // to an `instanceof` check.
        let from_parent = e
            .source()
            .map(JsValue::from)
            .zip(window_parent().ok().map(JsValue::from))
            .is_some_and(|(s, p)| s == p);
        if !from_parent {
            return;
        }
        let data = Msg::from_js(&e.data(), 2);
        let Some(set) = parse_set(&data) else {
            return;
        };
        if !set.filters.is_empty() {
            let current = view_state.state().with_untracked(ViewState::to_search);
            let (next, _) = ViewState::parse_search(&apply_filters(&current, &set));
            let _ = view_state.set(next, HistoryMode::Replace);
        }
        if let Some(theme) = set.theme {
            if let Some(root) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = match theme.attr() {
                    Some(t) => root.set_attribute("data-theme", t),
                    None => root.remove_attribute("data-theme"),
                };
            }
        }
    });
    on_cleanup(move || handle.remove());
    let post_open = post.clone();
    Effect::new(move |_| {
        if let Some(id) = opened.get() {
            post_open("immich-grid:open", "id", JsValue::from_str(&id));
        }
    });
    // The content height: measured after each change of what the grid
    // holds (next frame), on resize, and whenever the grid's spacer changes
    // size (a resized frame lays out again), through a ResizeObserver.
    let last = StoredValue::new(0.0_f64);
    let report = move || {
        let h = content_height();
        if h > 0.0 && (h - last.get_value()).abs() >= 1.0 {
            last.set_value(h);
            post("immich-grid:height", "height", JsValue::from_f64(h.round()));
        }
    };
    let on_resize = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(report.clone());
    let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
    // The framed app lives as long as its page.
    on_resize.forget();
    let observed = StoredValue::new_local(None::<web_sys::Element>);
    let observer = StoredValue::new_local(observer);
    let measure = move || {
        let report = report.clone();
        request_animation_frame(move || {
            // Observe the spacer the grid has now (it is new after a remount).
            let spacer = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(".ig-spacer").ok().flatten());
            if spacer != observed.get_value() {
                observer.with_value(|o| {
                    if let Some(o) = o {
                        o.disconnect();
                        if let Some(s) = &spacer {
                            o.observe(s);
                        }
                    }
                });
                observed.set_value(spacer);
            }
            report();
        });
    };
    let m = measure.clone();
    Effect::new(move |_| {
        content_changed.track();
        m();
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || {
        resize.remove();
        observer.with_value(|o| {
            if let Some(o) = o {
                o.disconnect();
            }
        });
    });
}

fn window_parent() -> Result<web_sys::Window, JsValue> {
    web_sys::window()
        .ok_or(JsValue::NULL)?
        .parent()?
        .ok_or(JsValue::NULL)
}

/// The chrome's height plus the grid's full height.
fn content_height() -> f64 {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return 0.0;
    };
    let get = |sel: &str| {
        doc.query_selector(sel)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    };
    let (Some(app), Some(main), Some(spacer)) =
        (get(".ig-app"), get(".ig-main"), get(".ig-spacer"))
    else {
        return 0.0;
    };
    let chrome = f64::from(app.offset_height() - main.offset_height()).max(0.0);
    chrome + f64::from(spacer.offset_height())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Msg)]) -> Msg {
        Msg::Obj(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }
    fn s(t: &str) -> Msg {
        Msg::Str(t.to_owned())
    }

    #[test]
    fn only_well_formed_set_messages() {
        let set = s("immich-grid:set");
        let m = parse_set(&obj(&[
            ("type", set.clone()),
            (
                "filters",
                obj(&[
                    ("isFavorite", Msg::Bool(true)),
                    ("type", s("photos")),
                    ("take", Msg::Num(50.0)),
                ]),
            ),
            ("theme", s("dark")),
        ]))
        .unwrap();
        assert_eq!(
            m.filters,
            vec![
                (Field::Favorite, "true".into()),
                (Field::Type, "photos".into()),
                (Field::Take, "50".into())
            ]
        );
        assert_eq!(m.theme, Some(Theme::Dark));
        for bad in [
            set.clone(),
            obj(&[("type", s("other"))]),
            obj(&[("filters", obj(&[]))]),
            obj(&[("type", set.clone()), ("filters", obj(&[("nope", s("1"))]))]),
            obj(&[
                ("type", set.clone()),
                ("filters", obj(&[("q", Msg::Other)])),
            ]),
            obj(&[("type", set.clone()), ("filters", s("isFavorite=true"))]),
            obj(&[("type", set.clone()), ("theme", s("pink"))]),
            obj(&[("type", set.clone()), ("theme", Msg::Num(1.0))]),
            Msg::Null,
        ] {
            assert_eq!(parse_set(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn filters_replace_their_keys() {
        let m = SetMessage {
            filters: vec![
                (Field::Favorite, "true".into()),
                (Field::Type, String::new()),
            ],
            theme: None,
        };
        assert_eq!(
            apply_filters("type=videos&isArchived=false", &m),
            "isArchived=false&isFavorite=true"
        );
    }
}
