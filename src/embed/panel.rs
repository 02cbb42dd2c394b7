//! The *Embed* panel: the code that puts the current view on another page,
//! as a custom element and as an iframe, each with a Copy button. Never a
//! key: the snippets name the server; visitors sign in there.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::snippet::{element, iframe, EmbedView};
use crate::{
    components::grid::GridLayoutPrefs, data::session::Session, url_state::expect_view_state,
};

/// Where the app is served: the page's address up to its last `/`.
fn app_url() -> String {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return String::new();
    };
    let origin = loc.origin().unwrap_or_default();
    let path = loc.pathname().unwrap_or_default();
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{origin}{dir}")
}

/// Writes `text` to the clipboard; false when the browser refuses.
async fn copy(text: String) -> bool {
    let Some(clipboard) = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("clipboard")).ok())
        .filter(|c| !c.is_undefined())
    else {
        return false;
    };
    let Ok(write) = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return false;
    };
    let Ok(promise) = write.call1(&clipboard, &JsValue::from_str(&text)) else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
        .await
        .is_ok()
}

/// The panel.
#[component]
pub fn EmbedCode(session: RwSignal<Session>, prefs: RwSignal<GridLayoutPrefs>) -> impl IntoView {
    let view_state = expect_view_state();
    let snippets = Memo::new(move |_| {
        let search = view_state.state().with(|s| s.to_search());
        let server = session.with(|s| s.server.as_str().to_owned());
        let p = prefs.get().sanitized();
        let app = app_url();
        let v = EmbedView {
            app_url: &app,
            server: &server,
            search: &search,
            layout: p.mode,
            size: p.target,
        };
        (element(&v), iframe(&v))
    });
    let note = RwSignal::new(String::new());
    let copy_button = move |label: &'static str,
                            testid: &'static str,
                            pick: fn(&(String, String)) -> String| {
        view! {
            <button
                type="button"
                class="ig-button"
                data-testid=testid
                on:click=move |_| {
                    let text = snippets.with_untracked(pick);
                    leptos::task::spawn_local(async move {
                        note.set(
                            if copy(text).await {
                                format!("{label} copied.")
                            } else {
                                "The browser refused the clipboard: select the text and copy it.".to_owned()
                            },
                        );
                    });
                }
            >
                {format!("Copy {label}")}
            </button>
        }
    };
    view! {
        <div class="ig-embed-code" data-testid="embed-code">
            <p>"Put this view on another page. No key is written: visitors sign in to Immich."</p>
            <label>
                "Custom element"
                <textarea readonly rows="3" data-testid="embed-element" prop:value=move || snippets.with(|s| s.0.clone())></textarea>
            </label>
            {copy_button("element", "embed-copy-element", |s| s.0.clone())}
            <label>
                "Iframe"
                <textarea readonly rows="2" data-testid="embed-iframe" prop:value=move || snippets.with(|s| s.1.clone())></textarea>
            </label>
            {copy_button("iframe", "embed-copy-iframe", |s| s.1.clone())}
            <p role="status" data-testid="embed-note">{move || note.get()}</p>
        </div>
    }
}
