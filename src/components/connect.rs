//! The connect screen: which Immich server, how to sign in, and a "Test
//! connection" button that explains failures in plain words.
//!
//! A test runs three calls, each telling something different:
//! `server-info/ping` (is this an Immich server, reachable from this page?),
//! `server-info/version` (which release), `user/me` (are the credentials
//! accepted?). A network error on another origin is most often the browser
//! blocking the call (Immich sends no CORS headers), so the screen shows the
//! reverse-proxy lines that allow it. Before any call, an https page with
//! a plain-http server is refused (the browser would block it as mixed
//! content); a release outside v1.98–v1.105 and v1.135–v3 is named (a
//! current server answers the ping under `/api/server/` once its version,
//! asked first on a 404, names its routes), and a
//! `me` answer whose `ETag` the page cannot read says that caching is off.
//!
//! A key belongs to one server: the key field shows the key kept for the
//! address typed, and when the address changes to another server it holds
//! that server's kept key or nothing (a key typed or edited for one server
//! is not carried over to the next).

use leptos::{prelude::*, task::spawn_local};
use web_sys::AbortController;

use immich_api::ServerVersionResponseDto;

use crate::data::{
    client::{ApiError, Client},
    loader::Library,
    session::{ApiKey, Auth, Persisted, ServerUrl, Session},
};

/// Whether `v` is a release this app speaks: v1.98–v1.105 (`GET /api/asset`)
/// or v1.135–v3 (timeline months), as library-core's `flavour_for` says.
pub fn version_supported(v: &ServerVersionResponseDto) -> bool {
    library_core::flavour_for(v.major, v.minor, v.patch).is_ok()
}

/// Explains a release this app does not speak (see [`version_supported`]).
pub fn diagnose_version(v: &ServerVersionResponseDto) -> Option<Diagnosis> {
    let why = library_core::flavour_for(v.major, v.minor, v.patch).err()?;
    Some(unsupported(v.to_string(), why.message))
}

fn unsupported(version: String, message: String) -> Diagnosis {
    Diagnosis {
        title: format!("This server runs Immich {version}, which this app does not speak."),
        detail: message,
        proxy_lines: None,
    }
}

/// Refuses a plain-http server from an https page: the browser blocks such
/// calls as mixed content before they leave (this machine's own addresses
/// excepted), and the page would only see a network error.
pub fn diagnose_mixed_content(page_scheme: &str, server: &ServerUrl) -> Option<Diagnosis> {
    let page_https = page_scheme
        .trim_end_matches(':')
        .eq_ignore_ascii_case("https");
    if !page_https || server.scheme() != "http" || server.is_loopback() {
        return None;
    }
    Some(Diagnosis {
        title: format!("This page is served over https, and {server} over plain http."),
        detail: "The browser blocks http calls from an https page (mixed content). Give Immich \
                 an https address (a reverse proxy with a certificate), or serve this app over \
                 http next to it."
            .to_owned(),
        proxy_lines: None,
    })
}

/// Why caching is off when the page cannot read the `ETag`, with the
/// proxy line that turns it on.
pub fn etag_warning() -> Diagnosis {
    Diagnosis {
        title: "Caching is off: this page cannot read the server's ETag.".to_owned(),
        detail: "The server (or the proxy in front of it) allows this page's origin but does not \
                 expose the ETag header, so the browser hides it. The grid works, but every load \
                 downloads the whole library again instead of a 304. Add this line to the proxy:"
            .to_owned(),
        proxy_lines: Some("add_header Access-Control-Expose-Headers \"ETag\" always;".to_owned()),
    }
}

/// The page's own scheme (`https:`), or `""` outside a page.
fn page_scheme() -> String {
    web_sys::window()
        .and_then(|w| w.location().protocol().ok())
        .unwrap_or_default()
}

/// Which call of the test failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `GET /api/server-info/ping`.
    Ping,
    /// `GET /api/server-info/version`.
    Version,
    /// `GET /api/user/me`.
    Me,
}

/// A failed test, explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// One line: what is wrong.
    pub title: String,
    /// What to do about it.
    pub detail: String,
    /// Reverse-proxy configuration that fixes a cross-origin block, when relevant.
    pub proxy_lines: Option<String>,
}

/// Explains `error` from `step` for a server at `server`, tried from a page
/// at `page_origin`, authenticating with a key (`with_key`) or the cookie.
pub fn diagnose(
    step: Step,
    error: &ApiError,
    server: &ServerUrl,
    page_origin: &str,
    with_key: bool,
) -> Diagnosis {
    let plain = |title: String, detail: &str| Diagnosis {
        title,
        detail: detail.to_owned(),
        proxy_lines: None,
    };
    match error {
        ApiError::Network {
            cross_origin: true, ..
        } => Diagnosis {
            title: format!("The browser could not call {server}."),
            detail: format!(
                "Either the server is down, or — most likely — the browser blocked the call: \
                 this page ({page_origin}) is on another origin, and Immich does not allow \
                 other origins by itself. Serve this app from the Immich address, or add \
                 these lines to the reverse proxy in front of Immich (nginx shown):"
            ),
            proxy_lines: Some(proxy_lines(page_origin, !with_key)),
        },
        ApiError::Network { .. } => plain(
            format!("Could not reach {server}."),
            "The server did not answer. Check that Immich is running and that the address is right.",
        ),
        ApiError::Unauthorized { message } if with_key => plain(
            "The API key was refused.".to_owned(),
            &format!(
                "Immich said: {message}. Create a key in Immich under Account Settings → API Keys \
                 and paste it whole."
            ),
        ),
        ApiError::Unauthorized { .. } => plain(
            "You are not signed in to Immich in this browser.".to_owned(),
            "Sign in to Immich at this address in another tab and test again, or use an API key.",
        ),
        ApiError::Status { status: 404, .. } | ApiError::Decode(_)
            if step != Step::Me =>
        {
            plain(
                format!("{server} does not look like an Immich server."),
                &format!(
                    "There is no Immich API at this address. Check the address: Immich usually \
                     listens on port 2283, and this app speaks {}.",
                    library_core::flavour::SUPPORTED_TEXT
                ),
            )
        }
        ApiError::Status { status: 404, .. } => plain(
            format!("{server} answered, but its API is not one this app speaks."),
            &format!(
                "The server's version was read, but asking who is signed in found no such \
                 route. This app speaks {}.",
                library_core::flavour::SUPPORTED_TEXT
            ),
        ),
        ApiError::Status {
            status, message, ..
        } if *status >= 500 => plain(
            format!("The server had a problem ({status})."),
            &format!("It said: {message}. Try again in a moment; check the Immich logs if it lasts."),
        ),
        ApiError::Aborted => plain(
            "The test was cancelled.".to_owned(),
            "Test again.",
        ),
        other => plain("The test failed.".to_owned(), &other.to_string()),
    }
}

/// nginx lines that let a page at `page_origin` call Immich through the proxy.
pub fn proxy_lines(page_origin: &str, with_cookie: bool) -> String {
    let mut lines = vec![
        format!("add_header Access-Control-Allow-Origin \"{page_origin}\" always;"),
        "add_header Access-Control-Allow-Headers \"x-api-key, if-none-match\" always;".to_owned(),
        "add_header Access-Control-Expose-Headers \"ETag\" always;".to_owned(),
        "add_header Access-Control-Allow-Methods \"GET, OPTIONS\" always;".to_owned(),
        "add_header Vary \"Origin\" always;".to_owned(),
    ];
    if with_cookie {
        lines.push("add_header Access-Control-Allow-Credentials \"true\" always;".to_owned());
    }
    lines.push("if ($request_method = OPTIONS) { return 204; }".to_owned());
    lines.join("\n")
}

/// What a successful test found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// `v1.103.1`.
    pub version: String,
    /// The user's name and e-mail.
    pub user: String,
    /// Whether the page could read the `ETag` of an answer (caching works).
    pub etag_readable: bool,
}

/// The result of the last test.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Testing,
    Ok(Found),
    Failed(Diagnosis),
    BadInput(String),
}

/// Why a test failed.
enum Failure {
    /// A call failed.
    Call(Step, ApiError),
    /// Found out before or between the calls.
    Said(Diagnosis),
}

/// Runs the three calls of a test.
async fn test_connection(
    session: &Session,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Found, Failure> {
    if let Some(d) = diagnose_mixed_content(&page_scheme(), &session.server) {
        return Err(Failure::Said(d));
    }
    let client = Client::new(session);
    let detect = || async {
        match client.detect(signal).await {
            Ok((v, _)) => Ok(v),
            Err(ApiError::Unsupported(message)) => Err(Failure::Said(Diagnosis {
                title: "This server runs an Immich release this app does not speak.".to_owned(),
                detail: message,
                proxy_lines: None,
            })),
            Err(e) => Err(Failure::Call(Step::Version, e)),
        }
    };
    // v1.103's ping first; a 404 may be a current server (its routes moved
    // to /api/server/…): its version names its flavour, then its ping.
    let version = match client.ping(signal).await {
        Ok(_) => detect().await?,
        Err(ApiError::Status { status: 404, .. }) => {
            let v = detect().await?;
            client
                .ping(signal)
                .await
                .map_err(|e| Failure::Call(Step::Ping, e))?;
            v
        }
        Err(e) => return Err(Failure::Call(Step::Ping, e)),
    };
    let (me, etag_readable) = client
        .me_and_etag(signal)
        .await
        .map_err(|e| Failure::Call(Step::Me, e))?;
    Ok(Found {
        version: version.to_string(),
        user: format!("{} ({})", me.name, me.email),
        etag_readable,
    })
}

/// The connect screen. `on_connect` receives the saved settings; without it the
/// library in context (if any) switches to them.
#[component]
pub fn Connect(
    /// Called with the settings when the user connects.
    #[prop(optional, into)]
    on_connect: Option<Callback<Session>>,
    /// The settings the form starts from (the app's current ones); else
    /// what this page saved.
    #[prop(optional)]
    initial: Option<Session>,
    /// In an `<immich-grid>` element on someone else's page: the key stays
    /// in the page's memory, never in that site's web storage, and no
    /// *Remember* box is offered.
    #[prop(optional)]
    memory_only: bool,
) -> impl IntoView {
    let initial = initial.unwrap_or_else(Session::load);
    // A key kept for `server`, where this form may keep keys.
    let kept_key = move |server: &ServerUrl| {
        if memory_only {
            Session::element_key_for(server).map(|k| (k, false))
        } else {
            Session::stored_key_for(server)
        }
    };
    let url = RwSignal::new(initial.server.to_string());
    let use_key = RwSignal::new(matches!(initial.auth, Auth::ApiKey(_)));
    let key = RwSignal::new(match &initial.auth {
        Auth::ApiKey(k) => k.expose().to_owned(),
        Auth::Cookie => String::new(),
    });
    // The server the key field belongs to: whatever is in the field (kept,
    // or typed, or edited) is for that server only.
    let key_for = RwSignal::new(initial.server.clone());
    let remember = RwSignal::new(initial.remember);
    // A key kept for one server is never offered for another: a new address
    // shows that server's own key, or none.
    let on_url = move |text: String| {
        url.set(text.clone());
        let Ok(server) = ServerUrl::parse(&text) else {
            return;
        };
        // Another server (not just another spelling of the same one): the
        // field now holds that server's kept key, or nothing.
        if key_for.with_untracked(|k| *k != server) {
            let stored = kept_key(&server);
            key.set(
                stored
                    .as_ref()
                    .map(|(k, _)| k.expose().to_owned())
                    .unwrap_or_default(),
            );
            remember.set(stored.is_some_and(|(_, r)| r));
            key_for.set(server);
        }
    };
    let outcome = RwSignal::new(None::<Outcome>);
    let saved_note = RwSignal::new(None::<String>);
    let running = StoredValue::new_local(None::<AbortController>);

    // The settings as typed, or why they cannot be used.
    let session_from_form = move || -> Result<Session, String> {
        let server = ServerUrl::parse(&url.get_untracked()).map_err(|e| e.to_string())?;
        let auth = if use_key.get_untracked() {
            Auth::ApiKey(
                ApiKey::new(&key.get_untracked())
                    .ok_or("paste the API key, or choose the existing session")?,
            )
        } else {
            Auth::Cookie
        };
        Ok(Session {
            server,
            auth,
            remember: !memory_only && use_key.get_untracked() && remember.get_untracked(),
        })
    };

    let run_test = move |_| {
        let session = match session_from_form() {
            Ok(s) => s,
            Err(e) => {
                outcome.set(Some(Outcome::BadInput(e)));
                return;
            }
        };
        // A new test cancels the one under way.
        running.update_value(|r| {
            if let Some(c) = r.take() {
                c.abort();
            }
        });
        let controller = AbortController::new().ok();
        running.set_value(controller.clone());
        outcome.set(Some(Outcome::Testing));
        spawn_local(async move {
            let signal = controller.as_ref().map(AbortController::signal);
            let result = test_connection(&session, signal.as_ref()).await;
            if signal.as_ref().is_some_and(web_sys::AbortSignal::aborted) {
                return;
            }
            let page_origin = ServerUrl::page_origin()
                .map(|u| u.origin().to_owned())
                .unwrap_or_default();
            let with_key = matches!(session.auth, Auth::ApiKey(_));
            outcome.try_set(Some(match result {
                Ok(found) => Outcome::Ok(found),
                Err(Failure::Said(d)) => Outcome::Failed(d),
                Err(Failure::Call(step, e)) => {
                    Outcome::Failed(diagnose(step, &e, &session.server, &page_origin, with_key))
                }
            }));
        });
    };

    let connect = move |_| match session_from_form() {
        Ok(session) => {
            if let Some(d) = diagnose_mixed_content(&page_scheme(), &session.server) {
                outcome.set(Some(Outcome::Failed(d)));
                return;
            }
            let note = if memory_only {
                session.keep_for_elements();
                crate::embed::widget::key_kept();
                None
            } else {
                match session.save() {
                    Persisted::Stored => None,
                    Persisted::MemoryOnly => Some(
                        "This browser does not let the page save settings: they last until the page is closed."
                            .to_owned(),
                    ),
                }
            };
            saved_note.set(note);
            match on_connect {
                Some(cb) => cb.run(session),
                None => {
                    if let Some(library) = use_context::<Library>() {
                        library.set_session(session);
                    }
                }
            }
        }
        Err(e) => outcome.set(Some(Outcome::BadInput(e))),
    };

    let result_view = move || {
        outcome.get().map(|o| match o {
            Outcome::Testing => view! { <p data-testid="connect-testing">"Testing…"</p> }.into_any(),
            Outcome::Ok(found) => {
                let warning = (!found.etag_readable).then(etag_warning);
                view! {
                    <p class="ok" data-testid="connect-ok">
                        "Connected to Immich " <span data-testid="connect-version">{found.version}</span>
                        " as " <span data-testid="connect-user">{found.user}</span> "."
                    </p>
                    {warning.map(|d| view! {
                        <div class="warning" role="status" data-testid="connect-etag-warning">
                            <p><strong>{d.title}</strong></p>
                            <p>{d.detail}</p>
                            {d.proxy_lines.map(|l| view! { <pre>{l}</pre> })}
                        </div>
                    })}
                }
                .into_any()
            }
            Outcome::BadInput(message) => {
                view! { <p class="error" role="alert" data-testid="connect-error">{message}</p> }.into_any()
            }
            Outcome::Failed(d) => view! {
                <div class="error" role="alert" data-testid="connect-error">
                    <p data-testid="connect-error-title"><strong>{d.title}</strong></p>
                    <p data-testid="connect-error-detail">{d.detail}</p>
                    {d.proxy_lines.map(|lines| view! { <pre data-testid="connect-cors-lines">{lines}</pre> })}
                </div>
            }
            .into_any(),
        })
    };

    view! {
        <form class="connect" data-testid="connect" on:submit=move |ev| ev.prevent_default()>
            <h2>"Connect to Immich"</h2>
            <label class="ig-field">
                "Server address"
                <input
                    type="url"
                    data-testid="connect-url"
                    placeholder="https://photos.example.com"
                    prop:value=move || url.get()
                    on:input=move |ev| on_url(event_target_value(&ev))
                />
            </label>
            <fieldset>
                <legend>"Sign in with"</legend>
                <label>
                    <input
                        type="radio"
                        name="auth"
                        data-testid="connect-auth-session"
                        prop:checked=move || !use_key.get()
                        on:change=move |_| use_key.set(false)
                    />
                    "the Immich session of this browser"
                </label>
                <label>
                    <input
                        type="radio"
                        name="auth"
                        data-testid="connect-auth-key"
                        prop:checked=move || use_key.get()
                        on:change=move |_| use_key.set(true)
                    />
                    "an API key"
                </label>
                <Show when=move || use_key.get()>
                    <label class="ig-field">
                        "API key"
                        <input
                            type="password"
                            autocomplete="off"
                            data-testid="connect-key"
                            prop:value=move || key.get()
                            on:input=move |ev| key.set(event_target_value(&ev))
                        />
                    </label>
                    <label hidden=memory_only>
                        <input
                            type="checkbox"
                            data-testid="connect-remember"
                            prop:checked=move || remember.get()
                            on:change=move |ev| remember.set(event_target_checked(&ev))
                        />
                        "Remember on this device"
                    </label>
                </Show>
            </fieldset>
            <div class="ig-actions">
                <button type="button" class="ig-button" data-testid="connect-test" on:click=run_test>
                    "Test connection"
                </button>
                <button type="submit" class="ig-button ig-primary" data-testid="connect-save" on:click=connect>
                    "Connect"
                </button>
            </div>
            {result_view}
            {move || saved_note.get().map(|n| view! { <p data-testid="connect-saved-note">{n}</p> })}
        </form>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    fn server() -> ServerUrl {
        match ServerUrl::parse("http://nas:2283") {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn check(step: Step, error: ApiError, with_key: bool, title_has: &str, cors: bool) {
        let d = diagnose(step, &error, &server(), "https://grid.example", with_key);
        assert!(d.title.contains(title_has), "{d:?} lacks {title_has:?}");
        assert_eq!(d.proxy_lines.is_some(), cors, "{d:?}");
    }

    #[test]
    fn failures_are_explained() {
        let net = |cross_origin| ApiError::Network {
            cross_origin,
            detail: "Failed to fetch".into(),
        };
        let status = |status: u16, from_immich| ApiError::Status {
            status,
            message: "m".into(),
            from_immich,
        };
        let unauthorized = ApiError::Unauthorized {
            message: "Invalid API key".into(),
        };
        check(
            Step::Ping,
            net(false),
            false,
            "Could not reach http://nas:2283",
            false,
        );
        check(Step::Ping, net(true), true, "browser could not call", true);
        check(Step::Me, net(true), true, "browser could not call", true);
        check(
            Step::Ping,
            status(404, false),
            false,
            "does not look like an Immich",
            false,
        );
        check(
            Step::Ping,
            ApiError::Decode("x".into()),
            false,
            "does not look like",
            false,
        );
        check(
            Step::Me,
            status(404, true),
            false,
            "not one this app speaks",
            false,
        );
        check(
            Step::Me,
            unauthorized.clone(),
            true,
            "API key was refused",
            false,
        );
        check(Step::Me, unauthorized, false, "not signed in", false);
        // A wrong route names every release the app speaks, current ones too.
        for step in [Step::Ping, Step::Me] {
            let d = diagnose(
                step,
                &status(404, true),
                &server(),
                "https://grid.example",
                false,
            );
            assert!(d.detail.contains("v1.135 to v3"), "{d:?}");
        }
        check(
            Step::Version,
            status(503, false),
            false,
            "problem (503)",
            false,
        );
    }

    #[test]
    fn proxy_lines_name_the_origin_and_headers() {
        let with_key = proxy_lines("https://grid.example", false);
        assert!(with_key.contains("Access-Control-Allow-Origin \"https://grid.example\""));
        assert!(with_key.contains("x-api-key, if-none-match"));
        assert!(with_key.contains("Access-Control-Expose-Headers \"ETag\""));
        assert!(!with_key.contains("Allow-Credentials"));
        assert!(proxy_lines("https://grid.example", true).contains("Allow-Credentials \"true\""));
    }

    #[test]
    fn versions_outside_the_listing_api_are_named() {
        let v = |major, minor, patch| ServerVersionResponseDto {
            major,
            minor,
            patch,
        };
        for ok in [
            v(1, 98, 0),
            v(1, 103, 1),
            v(1, 105, 99),
            v(1, 135, 0),
            v(2, 0, 0),
            v(3, 1, 0),
        ] {
            assert!(version_supported(&ok), "{ok:?}");
            assert_eq!(diagnose_version(&ok), None);
        }
        for (bad, says) in [
            (v(1, 97, 9), "older than"),
            (v(1, 106, 0), "older format"),
            (v(1, 120, 0), "older format"),
            (v(1, 134, 0), "interim"),
            (v(4, 0, 0), "newer than"),
        ] {
            let d = diagnose_version(&bad).unwrap();
            let name = format!("v{}.{}.{}", bad.major, bad.minor, bad.patch);
            assert!(d.title.contains(&name), "{d:?}");
            assert!(d.detail.contains(says), "{d:?}");
            assert!(
                d.detail.contains("v1.98 to v1.105, and v1.135 to v3"),
                "{d:?}"
            );
        }
    }

    #[test]
    fn an_https_page_refuses_a_plain_http_server() {
        let u = |s| ServerUrl::parse(s).unwrap();
        let d = diagnose_mixed_content("https:", &u("http://nas:2283/immich")).unwrap();
        assert!(d.title.contains("http://nas:2283/immich"), "{d:?}");
        assert!(d.detail.contains("mixed content"), "{d:?}");
        assert_eq!(diagnose_mixed_content("https:", &u("https://nas")), None);
        assert_eq!(diagnose_mixed_content("http:", &u("http://nas")), None);
        // The browser lets a page call this machine over http.
        assert_eq!(
            diagnose_mixed_content("https:", &u("http://127.0.0.1:2283")),
            None
        );
        assert_eq!(
            diagnose_mixed_content("https:", &u("http://localhost:2283")),
            None
        );
        assert_eq!(diagnose_mixed_content("", &u("http://nas")), None);
    }

    #[test]
    fn the_etag_warning_says_caching_is_off_and_how_to_fix_it() {
        let d = etag_warning();
        assert!(d.title.contains("Caching is off"));
        assert!(d.detail.contains("expose the ETag"));
        assert!(d
            .proxy_lines
            .unwrap()
            .contains("Access-Control-Expose-Headers \"ETag\""));
    }
}
