//! The status line: loading progress (loaded of total), whether the view is
//! current, cached or failing, and a retry.

use leptos::prelude::*;

use std::sync::Arc;

use crate::{
    data::loader::{Library, LoadStatus},
    locale::Locale,
};

/// `data-state` of the progress element, for people's CSS and for tests.
fn state_name(s: &LoadStatus) -> &'static str {
    match s {
        LoadStatus::Idle => "idle",
        LoadStatus::Loading => "loading",
        LoadStatus::Revalidating => "revalidating",
        LoadStatus::Current => "current",
        LoadStatus::Error(_) => "error",
    }
}

/// Plain words for the status, with the counts.
fn describe(
    status: &LoadStatus,
    loaded: u64,
    total: Option<u64>,
    from_cache: bool,
    l: &Locale,
) -> String {
    let of = |n: u64| match total {
        Some(t) if t >= n => format!("{} of {} assets", l.count(n), l.count(t)),
        _ => format!("{} assets", l.count(n)),
    };
    match status {
        LoadStatus::Idle => "Starting…".to_owned(),
        LoadStatus::Loading if loaded == 0 => "Connecting…".to_owned(),
        LoadStatus::Loading => format!("Loading {}…", of(loaded)),
        LoadStatus::Revalidating if from_cache => {
            format!("{}: from this device, checking for changes…", of(loaded))
        }
        LoadStatus::Revalidating => format!("{}: checking for changes…", of(loaded)),
        LoadStatus::Current => format!("{}: up to date", of(loaded)),
        LoadStatus::Error(e) => e.clone(),
    }
}

/// The status line of `library`.
#[component]
pub fn StatusBar(library: Library) -> impl IntoView {
    let locale = use_context::<Arc<Locale>>().unwrap_or_default();
    let fraction = move || {
        let p = library.progress.get();
        match (library.status.get(), p.total) {
            (LoadStatus::Current, _) => 1.0,
            (_, Some(t)) if t > 0 => (p.loaded as f64 / t as f64).min(1.0),
            _ => 0.0,
        }
    };
    // The key warning stays away once dismissed, until the page reloads.
    let key_dismissed = RwSignal::new(false);
    view! {
        <div
            class="ig-status"
            data-testid="progress"
            data-state=move || state_name(&library.status.get())
            data-loaded=move || library.progress.get().loaded.to_string()
            data-total=move || library.progress.get().total.map(|t| t.to_string()).unwrap_or_default()
            data-from-cache=move || library.from_cache.get().to_string()
        >
            <progress
                class="ig-progress"
                max="1"
                value=move || fraction().to_string()
                aria-label="Library loaded"
            ></progress>
            <span
                class="ig-status-text"
                role=move || if matches!(library.status.get(), LoadStatus::Error(_)) { "alert" } else { "status" }
                data-testid="status-text"
            >
                {move || {
                    let p = library.progress.get();
                    describe(
                        &library.status.get(),
                        p.loaded,
                        p.total,
                        library.from_cache.get(),
                        &locale,
                    )
                }}
            </span>
            <Show when=move || matches!(library.status.get(), LoadStatus::Error(_))>
                <button type="button" class="ig-button" data-testid="retry" on:click=move |_| library.reload()>
                    "Retry"
                </button>
            </Show>
            <Show when=move || library.status.get() == LoadStatus::Current>
                <button
                    type="button"
                    class="ig-button"
                    data-testid="refresh"
                    title="Check every page with the server (also finds edits a quick check cannot see)"
                    on:click=move |_| library.refresh()
                >
                    "Refresh"
                </button>
            </Show>
            {move || library.cache_note.get().map(|n| view! { <span class="ig-note" data-testid="cache-note">{n}</span> })}
            {move || library.fault_note.get().map(|n| view! { <span class="ig-note" data-testid="fault-note">{n}</span> })}
            {move || {
                let note = library.key_note.get().filter(|_| !key_dismissed.get())?;
                Some(view! {
                    <span class="ig-note ig-key-note" role="alert" data-testid="key-note">
                        {note}
                        " "
                        <button
                            type="button"
                            class="ig-button"
                            data-testid="key-note-dismiss"
                            on:click=move |_| key_dismissed.set(true)
                        >
                            "Dismiss"
                        </button>
                    </span>
                })
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_each_state() {
        let check = |s: LoadStatus, loaded, total, cache, want: &str| {
            assert_eq!(describe(&s, loaded, total, cache, &Locale::english()), want)
        };
        check(LoadStatus::Loading, 0, None, false, "Connecting…");
        check(
            LoadStatus::Loading,
            1000,
            Some(5000),
            false,
            "Loading 1000 of 5000 assets…",
        );
        check(
            LoadStatus::Revalidating,
            5000,
            Some(5000),
            true,
            "5000 of 5000 assets: from this device, checking for changes…",
        );
        check(
            LoadStatus::Current,
            5003,
            Some(5000),
            false,
            "5003 assets: up to date",
        );
        check(
            LoadStatus::Error("Could not reach the server".into()),
            0,
            None,
            false,
            "Could not reach the server",
        );
    }
}
