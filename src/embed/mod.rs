//! Embedding: how the app starts (the page's own app with `config.json`, or
//! a `<immich-grid>` custom element in someone else's page), and what it
//! tells its host (DOM events for the element, `postMessage` for a frame).
//!
//! [`Setup`] is what differs between the two: where the view state lives
//! (the URL, or the element's attributes), the first session, layout and
//! chrome. `App` reads it from context, or makes the page's own.

pub mod config;
pub mod frame;
pub mod panel;
pub mod snippet;
pub mod widget;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::{
    components::grid::{GridLayoutPrefs, GridMode, PREFS_KEY},
    data::session::{ServerUrl, Session},
    url_state::{provide_view_state_over, ViewStateContext},
};
use config::{SignIn, SiteConfig, Theme};

/// How the app was started.
#[derive(Clone)]
pub struct Setup {
    /// The view state (provided as context too).
    pub view_state: ViewStateContext,
    /// The connection settings.
    pub session: RwSignal<Session>,
    /// Tile shape and size.
    pub prefs: RwSignal<GridLayoutPrefs>,
    /// Only the grid and a status line (`?embed=1`, the element).
    pub embed: bool,
    /// Open the connect form at start (sign-in by key and none stored).
    pub connect_at_start: bool,
    /// Why `config.json` was not used, for the page.
    pub config_error: Option<String>,
    /// The element this app lives in, when it is a custom element.
    pub widget: Option<widget::Host>,
    /// The deployment's defaults.
    pub site: SiteConfig,
    /// How dates and numbers are written (provided as context too).
    pub locale: std::sync::Arc<crate::locale::Locale>,
}

impl Setup {
    /// The setup `App` runs with: the one provided, else the page's own
    /// with built-in defaults (browser tests mount `App` alone).
    pub fn current() -> Self {
        use_context::<Setup>().unwrap_or_else(|| Self::for_page(SiteConfig::default(), None))
    }

    /// The page's own app: the URL over `config.json` over built-in
    /// defaults; a session stored on this device wins over the file's server.
    pub fn for_page(site: SiteConfig, config_error: Option<String>) -> Self {
        let view_state = provide_view_state_over(site.filters.clone());
        let params = page_params();
        let param = |k: &str| params.as_ref().and_then(|p| p.get(k));
        let mut session = Session::load();
        if session == Session::for_page() {
            if let Some(server) = site
                .server
                .as_deref()
                .and_then(|s| ServerUrl::parse(s).ok())
            {
                session.server = server;
            }
        }
        let stored_prefs = crate::data::prefs::load(PREFS_KEY).is_some();
        let mut prefs = GridLayoutPrefs::load();
        if !stored_prefs {
            prefs = apply_layout(prefs, site.layout, site.tile_size);
        }
        let layout = param("layout").and_then(|l| parse_layout(&l));
        let size = param("size").and_then(|s| s.parse::<f32>().ok());
        prefs = apply_layout(prefs, layout, size);
        let theme = param("theme")
            .and_then(|t| Theme::parse(&t))
            .unwrap_or(site.theme);
        if let Some(root) = document_element() {
            match theme.attr() {
                Some(t) => {
                    let _ = root.set_attribute("data-theme", t);
                }
                None => {
                    let _ = root.remove_attribute("data-theme");
                }
            }
            if let Some(l) = &site.locale {
                let _ = root.set_attribute("lang", l);
            }
        }
        let locale = crate::locale::Locale::resolve(site.locale.as_deref());
        let embed = param("embed").is_some_and(|v| v == "1" || v == "true");
        let connect_at_start = site.sign_in == SignIn::ApiKey
            && matches!(session.auth, crate::data::session::Auth::Cookie);
        Self {
            view_state,
            session: RwSignal::new(session),
            prefs: RwSignal::new(prefs),
            embed,
            connect_at_start,
            config_error,
            widget: None,
            site,
            locale,
        }
    }
}

/// `justified` or `square`.
pub fn parse_layout(text: &str) -> Option<GridMode> {
    match text.trim() {
        "justified" => Some(GridMode::Justified),
        "square" => Some(GridMode::Square),
        _ => None,
    }
}

/// `prefs` with the shape and size given (each when set), kept in range.
pub fn apply_layout(
    mut prefs: GridLayoutPrefs,
    mode: Option<GridMode>,
    size: Option<f32>,
) -> GridLayoutPrefs {
    if let Some(m) = mode {
        prefs.mode = m;
    }
    if let Some(s) = size {
        prefs.target = s;
    }
    prefs.sanitized()
}

fn page_params() -> Option<web_sys::UrlSearchParams> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()
}

fn document_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

/// Mounts the page's own app on `<body>` once `config.json` is read.
pub fn mount_page() {
    // Not Leptos's spawn_local: its executor starts with `mount_to`.
    wasm_bindgen_futures::spawn_local(async {
        let (site, error) = crate::data::site::load_site_config().await;
        let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
            .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return;
        };
        // Leaked: the page's app lives as long as the page.
        std::mem::forget(mount_app(
            body,
            Box::new(move || Setup::for_page(site, error)),
        ));
    });
}

/// Mounts `App` into `parent` with the setup `make` gives (called inside
/// the app's reactive owner). The one call of `mount_to` for the page and
/// the elements: it is generic over its closure and inlines the whole
/// view, so a second call site would put the app in the wasm twice.
/// Dropping the answer unmounts the app and disposes its owner.
pub fn mount_app(parent: web_sys::HtmlElement, make: Box<dyn FnOnce() -> Setup>) -> Mounted {
    let owner = std::rc::Rc::new(std::cell::RefCell::new(None));
    let slot = owner.clone();
    let handle = leptos::mount::mount_to(parent, move || {
        *slot.borrow_mut() = Owner::current();
        let setup = make();
        provide_context(setup.view_state);
        provide_context(setup.locale.clone());
        provide_context(setup);
        crate::App()
    });
    let owner = owner.borrow_mut().take();
    Mounted {
        owner,
        handle: Some(Box::new(handle)),
    }
}

/// A mounted app.
pub struct Mounted {
    owner: Option<Owner>,
    handle: Option<Box<dyn std::any::Any>>,
}

impl Mounted {
    /// Unmounts the app now and disposes everything it owns: its cleanups
    /// run (the load stops, timers and listeners go), its signals and
    /// effects are dropped. Dropping the handle alone is not enough: a
    /// task in flight holds the owner until it ends.
    pub fn unmount(&mut self) {
        if let Some(owner) = self.owner.take() {
            owner.cleanup();
        }
        self.handle = None;
    }
}
