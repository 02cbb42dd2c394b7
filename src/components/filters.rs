//! The filter panel: a control for every input of `GET /api/asset` and for
//! every in-app refinement, all kept in the URL (see [`crate::url_state`]).
//!
//! Choices (radio groups, check boxes, the user list) commit at once, as a
//! new history entry. Typed values (dates, numbers, the user id) are kept as
//! [`Drafts`] while the person types, checked on every keystroke, and
//! committed when the control's `change` fires; a value that is wrong, or an
//! empty range, is explained beside its control and never sent, so the
//! committed query stays the last valid one. The text search commits as it is
//! typed, replacing the current history entry rather than adding one per key.
//! Changing a server input changes [`ViewState::query`] (the data layer then
//! requests); a refinement changes [`ViewState::refine`] only (no request).

use crate::url_state::{
    empty_taken_range, expect_view_state, format_day, format_local_input, parse_day,
    parse_local_input, Field, FieldErrors, HistoryMode, ViewState, Zone,
};
use immich_api::{is_uuid_v4, Timestamp, UserResponseDto};
use leptos::prelude::*;
use library_core::{FilterCounts, TypeFilter};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The text of the panel's typed controls as the person left them, valid or not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drafts {
    /// `<input type="datetime-local">` text, the person's wall clock.
    pub updated_after: String,
    /// `<input type="datetime-local">` text, the person's wall clock.
    pub updated_before: String,
    /// The user id typed (or chosen in the list).
    pub user_id: String,
    /// Page size text.
    pub take: String,
    /// Start offset text.
    pub skip: String,
    /// `<input type="date">` text, `YYYY-MM-DD`.
    pub taken_from: String,
    /// `<input type="date">` text, `YYYY-MM-DD`.
    pub taken_to: String,
}

impl Drafts {
    /// The drafts showing a committed state, times in `zone`.
    pub fn from_state(state: &ViewState, zone: Zone) -> Self {
        let q = &state.query;
        let local = |t: Option<Timestamp>| {
            t.map(|t| format_local_input(zone.to_local(t)))
                .unwrap_or_default()
        };
        let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        let day = |d: Option<i32>| d.map(format_day).unwrap_or_default();
        Self {
            updated_after: local(q.updated_after),
            updated_before: local(q.updated_before),
            user_id: q.user_id.clone().unwrap_or_default(),
            take: number(q.take),
            skip: number(q.skip),
            taken_from: day(state.refine.day_from),
            taken_to: day(state.refine.day_to),
        }
    }
}

/// Applies every valid draft onto `base` and explains the others.
///
/// A draft that does not parse keeps `base`'s value for its field. A range
/// whose bounds cross keeps both of `base`'s bounds (which were valid) and is
/// reported on the bound that differs from `base`, the one just edited. An
/// empty draft clears its field.
pub fn apply_drafts(base: &ViewState, drafts: &Drafts, zone: Zone) -> (ViewState, FieldErrors) {
    let mut next = base.clone();
    let mut errors = FieldErrors::new();
    let e = &mut errors;
    let after = keep_ok(
        e,
        Field::UpdatedAfter,
        parse_local(&drafts.updated_after, zone),
    );
    let before = keep_ok(
        e,
        Field::UpdatedBefore,
        parse_local(&drafts.updated_before, zone),
    );
    let user_id = keep_ok(e, Field::UserId, parse_user_id(&drafts.user_id));
    let take_n = keep_ok(e, Field::Take, parse_count(&drafts.take, "page size"));
    let skip_n = keep_ok(e, Field::Skip, parse_count(&drafts.skip, "start"));
    let from = keep_ok(e, Field::TakenFrom, parse_optional_day(&drafts.taken_from));
    let to = keep_ok(e, Field::TakenTo, parse_optional_day(&drafts.taken_to));

    let q = &mut next.query;
    if let Some(v) = user_id {
        q.user_id = v;
    }
    if let Some(v) = take_n {
        q.take = v;
    }
    if let Some(v) = skip_n {
        q.skip = v;
    }
    let (new_after, new_before) = (
        after.unwrap_or(q.updated_after),
        before.unwrap_or(q.updated_before),
    );
    match (new_after, new_before) {
        (Some(a), Some(b)) if a > b => {
            let field = if new_after != base.query.updated_after
                && new_before == base.query.updated_before
            {
                Field::UpdatedAfter
            } else {
                Field::UpdatedBefore
            };
            errors.push((
                field,
                "“updated after” is later than “updated before”: nothing could match".to_owned(),
            ));
        }
        _ => {
            q.updated_after = new_after;
            q.updated_before = new_before;
        }
    }

    let r = &mut next.refine;
    let (new_from, new_to) = (from.unwrap_or(r.day_from), to.unwrap_or(r.day_to));
    match (new_from, new_to) {
        (Some(a), Some(b)) if a > b => {
            let field = if new_from != base.refine.day_from && new_to == base.refine.day_to {
                Field::TakenFrom
            } else {
                Field::TakenTo
            };
            errors.push((field, empty_taken_range(a, b)));
        }
        _ => {
            r.day_from = new_from;
            r.day_to = new_to;
        }
    }
    errors.sort_by_key(|(f, _)| *f);
    (next, errors)
}

/// The value, or `None` with the message recorded against `field`.
fn keep_ok<T>(errors: &mut FieldErrors, field: Field, result: Result<T, String>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(message) => {
            errors.push((field, message));
            None
        }
    }
}

fn parse_local(text: &str, zone: Zone) -> Result<Option<Timestamp>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_local_input(text)
        .map(|local| Some(zone.to_utc(local)))
        .ok_or_else(|| format!("must be a date and time, like 2024-01-31T18:30; got {text:?}"))
}

fn parse_user_id(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        Ok(None)
    } else if is_uuid_v4(text) {
        Ok(Some(text.to_owned()))
    } else {
        Err(format!(
            "must be a user id (a UUID v4, like 0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f); got {text:?}"
        ))
    }
}

fn parse_count(text: &str, what: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.starts_with('-') && text.len() > 1 && text[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the {what} cannot be negative; got {text}"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the {what} must be a whole number; got {text:?}"));
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("the {what} is too large; got {text}"))
}

fn parse_optional_day(text: &str) -> Result<Option<i32>, String> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_day(text).map(Some)
    }
}

/// The skip of the next page, or `None` when there is no next page to go to:
/// no page size, or the loaded page (`loaded` assets) is not a full one.
pub fn next_skip(skip: Option<u64>, take: Option<u64>, loaded: Option<u32>) -> Option<u64> {
    let take = take.filter(|&t| t > 0)?;
    if loaded.is_some_and(|n| u64::from(n) < take) {
        return None;
    }
    Some(skip.unwrap_or(0).saturating_add(take))
}

/// The skip of the previous page (0 = the start), or `None` when already at
/// the start or without a page size.
pub fn prev_skip(skip: Option<u64>, take: Option<u64>) -> Option<u64> {
    take.filter(|&t| t > 0)?;
    let skip = skip.filter(|&s| s > 0)?;
    Some(skip.saturating_sub(take.unwrap_or(0)))
}

/// Distinguishes the radio groups of two panels on one page.
static PANEL_SEQ: AtomicUsize = AtomicUsize::new(0);

/// The filter panel, collapsible; needs [`crate::url_state::provide_view_state`]
/// above it.
#[component]
pub fn Filters(
    /// Whose libraries the person may open: the caller first, then the
    /// partners who share with the caller.
    #[prop(into)]
    users: Signal<Vec<UserResponseDto>>,
    /// What each refinement leaves of the loaded library; `None` before
    /// anything is loaded.
    #[prop(into)]
    counts: Signal<Option<FilterCounts>>,
    /// Whether the panel starts open.
    #[prop(optional)]
    open: bool,
) -> impl IntoView {
    let ctx = expect_view_state();
    let zone = Zone::Browser;
    let state = ctx.state();
    let seq = PANEL_SEQ.fetch_add(1, Ordering::Relaxed);
    let drafts = RwSignal::new(Drafts::from_state(&state.get_untracked(), zone));
    // The last state this panel committed: when the state changes to it, the
    // drafts are already right; any other change (back/forward, reset,
    // another component) re-fills them.
    let own = StoredValue::new(None::<ViewState>);
    Effect::new(move |_| {
        let current = state.get();
        let mine = own.with_value(|o| o.as_ref() == Some(&current));
        own.set_value(None);
        if !mine {
            drafts.set(Drafts::from_state(&current, zone));
        }
    });
    let checked = Memo::new(move |_| {
        let base = state.get();
        drafts.with(|d| apply_drafts(&base, d, zone).1)
    });
    let url_errors = ctx.url_errors();
    let error_for = move |field: Field| -> Option<String> {
        checked
            .with(|e| e.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
            .or_else(|| {
                url_errors.with(|e| e.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
            })
    };

    // Every commit applies `change`, then the valid drafts, to the committed state.
    let commit = move |mode: HistoryMode, change: &dyn Fn(&mut ViewState)| {
        let mut base = state.get_untracked();
        change(&mut base);
        let (next, _) = drafts.with_untracked(|d| apply_drafts(&base, d, zone));
        if state.with_untracked(|s| *s != next) {
            own.set_value(Some(next.clone()));
        }
        // apply_drafts only keeps valid values, so this cannot be refused;
        // if it were, the state simply stays as it was.
        let _ = ctx.set(next, mode);
    };
    let commit_drafts = move || commit(HistoryMode::Push, &|_| {});
    let edit = move |f: fn(&mut Drafts, String)| {
        move |ev: leptos::ev::Event| drafts.update(|d| f(d, event_target_value(&ev)))
    };

    let error_view = move |field: Field| {
        move || {
            error_for(field).map(|message| {
                view! {
                    <p class="filter-error" role="alert" data-testid=format!("error-{}", field.slug())>
                        {message}
                    </p>
                }
            })
        }
    };
    let invalid = move |field: Field| move || error_for(field).map(|_| "true");

    // Behind an immich-grid-proxy, the controls it forbids are hidden.
    let session = crate::embed::Setup::current().session;
    let proxied = move || session.with(|s| crate::data::proxy::policy(s.server.as_str()));
    // A current server (v1.135 to v3) takes partners into its timeline and
    // lists the trash apart.
    let library = use_context::<crate::data::loader::Library>();
    let timeline = move || {
        library.is_some_and(|l| l.flavour.get() == Some(library_core::ApiFlavour::Timeline))
    };

    // A checkbox over one flag of the view; a change is a history entry.
    let toggle =
        move |testid: &'static str, get: fn(&ViewState) -> bool, set: fn(&mut ViewState, bool)| {
            view! {
                <input
                    type="checkbox"
                    data-testid=testid
                    prop:checked=move || state.with(get)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        commit(HistoryMode::Push, &|s| set(s, on));
                    }
                />
            }
        };

    let tri = move |field: Field, legend: &'static str, labels: [&'static str; 3]| {
        let name = format!("filter-{}-{seq}", field.slug());
        let forced = move || {
            proxied().is_some_and(|p| match field {
                Field::Favorite => p.favorites.is_some(),
                _ => p.archived.is_some(),
            })
        };
        let current = move || {
            state.with(|s| match field {
                Field::Favorite => s.query.is_favorite,
                _ => s.query.is_archived,
            })
        };
        let options = [(None, "any"), (Some(true), "only"), (Some(false), "none")];
        view! {
            <fieldset class="segmented" hidden=forced>
                <legend>{legend}</legend>
                {options
                    .into_iter()
                    .zip(labels)
                    .map(|((value, key), label)| {
                        let pick = move |_| {
                            commit(HistoryMode::Push, &|s| match field {
                                Field::Favorite => s.query.is_favorite = value,
                                _ => s.query.is_archived = value,
                            })
                        };
                        view! {
                            <label>
                                <input
                                    type="radio"
                                    name=name.clone()
                                    data-testid=format!("filter-{}-{key}", field.slug())
                                    prop:checked=move || current() == value
                                    on:change=pick
                                />
                                <span>{label}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
        }
    };

    let type_name = format!("filter-type-{seq}");
    let type_options = [
        (TypeFilter::All, "all", "All"),
        (TypeFilter::Photos, "photos", "Photos"),
        (TypeFilter::Videos, "videos", "Videos"),
    ];
    // "All" gets no count: the counts hold images and videos, and the
    // library may also hold audio and other files.
    let type_count = move |kind: TypeFilter| {
        counts.with(|c| {
            c.and_then(|c| match kind {
                TypeFilter::All => None,
                TypeFilter::Photos => Some(c.photos),
                TypeFilter::Videos => Some(c.videos),
            })
        })
    };

    let user_choice = move || {
        let id = state.with(|s| s.query.user_id.clone());
        id.unwrap_or_default()
    };
    let user_options = move || {
        let chosen = user_choice();
        let list = users.get();
        let mut known = chosen.is_empty();
        let mut options = Vec::with_capacity(list.len() + 2);
        let me = list
            .first()
            .map_or_else(|| "My library".to_owned(), |u| format!("{} (me)", u.name));
        options.push(("".to_owned(), me));
        for u in list.iter().skip(1) {
            known |= u.id == chosen;
            options.push((u.id.clone(), u.name.clone()));
        }
        if !known {
            options.push((chosen.clone(), format!("Other: {chosen}")));
        }
        options
            .into_iter()
            .map(|(value, label)| {
                let selected = value == chosen;
                view! { <option value=value selected=selected>{label}</option> }
            })
            .collect_view()
    };

    let page_next = move || {
        state.with(|s| {
            next_skip(
                s.query.skip,
                s.query.take,
                counts.with(|c| c.map(|c| c.total)),
            )
        })
    };
    let page_prev = move || state.with(|s| prev_skip(s.query.skip, s.query.take));
    let go_page = move |skip: u64| {
        // The start of the list is written as no `skip` at all: a shorter link.
        let skip = Some(skip).filter(|&s| s > 0);
        drafts.update(|d| d.skip = skip.map(|s| s.to_string()).unwrap_or_default());
        commit(HistoryMode::Push, &|s| s.query.skip = skip);
    };

    let summary = move || {
        counts.get().map(|c| {
            view! {
                <span class="filter-summary">
                    <span data-testid="count-visible">{c.visible}</span>
                    " of "
                    <span data-testid="count-total">{c.total}</span>
                </span>
            }
        })
    };
    let count = move |id: &'static str, pick: fn(&FilterCounts) -> u32, unit: &'static str| {
        move || {
            counts.get().map(|c| {
                view! { <span class="filter-count" data-testid=format!("count-{id}")>{pick(&c)} " " {unit}</span> }
            })
        }
    };
    let zone_label = zone.label();

    view! {
        <details class="filters" data-testid="filters" open=open>
            <summary>"Filters " {summary}</summary>
            <div class="filters-body">
                <section class="filter-group" aria-label="Server filters">
                    {tri(Field::Favorite, "Favourites", ["Any", "Only", "None"])}
                    {tri(Field::Archived, "Archived", ["Any", "Only", "None"])}
                    <div class="filter-row">
                        <label>
                            "Updated after"
                            <input
                                type="datetime-local"
                                data-testid="filter-updated-after"
                                prop:value=move || drafts.with(|d| d.updated_after.clone())
                                aria-invalid=invalid(Field::UpdatedAfter)
                                on:input=edit(|d, v| d.updated_after = v)
                                on:change=move |_| commit_drafts()
                            />
                        </label>
                        {error_view(Field::UpdatedAfter)}
                        <label>
                            "Updated before"
                            <input
                                type="datetime-local"
                                data-testid="filter-updated-before"
                                prop:value=move || drafts.with(|d| d.updated_before.clone())
                                aria-invalid=invalid(Field::UpdatedBefore)
                                on:input=edit(|d, v| d.updated_before = v)
                                on:change=move |_| commit_drafts()
                            />
                        </label>
                        {error_view(Field::UpdatedBefore)}
                        <p class="filter-hint" data-testid="filter-timezone">
                            "Times are in " {zone_label}
                        </p>
                    </div>
                    <div class="filter-row" hidden=move || proxied().is_some_and(|p| !p.partners)>
                        <label>
                            "Library of"
                            <select
                                data-testid="filter-user"
                                on:change=move |ev| {
                                    let id = event_target_value(&ev);
                                    drafts.update(|d| d.user_id = id);
                                    commit_drafts();
                                }
                            >
                                {user_options}
                            </select>
                        </label>
                        <label>
                            "User id"
                            <input
                                type="text"
                                spellcheck="false"
                                autocomplete="off"
                                placeholder="UUID"
                                data-testid="filter-user-id"
                                prop:value=move || drafts.with(|d| d.user_id.clone())
                                aria-invalid=invalid(Field::UserId)
                                on:input=edit(|d, v| d.user_id = v)
                                on:change=move |_| commit_drafts()
                            />
                        </label>
                        {error_view(Field::UserId)}
                        <label hidden=move || !timeline()>
                            {toggle("filter-with-partners", |s| s.with_partners, |s, on| s.with_partners = on)}
                            "With partners' assets"
                        </label>
                        {error_view(Field::WithPartners)}
                    </div>
                    <div class="filter-row">
                        <label>
                            "Page size"
                            <input
                                type="number"
                                min="0"
                                step="1"
                                inputmode="numeric"
                                placeholder="all"
                                data-testid="filter-take"
                                prop:value=move || drafts.with(|d| d.take.clone())
                                aria-invalid=invalid(Field::Take)
                                on:input=edit(|d, v| d.take = v)
                                on:change=move |_| commit_drafts()
                            />
                        </label>
                        {error_view(Field::Take)}
                        <label>
                            "Start at"
                            <input
                                type="number"
                                min="0"
                                step="1"
                                inputmode="numeric"
                                placeholder="0"
                                data-testid="filter-skip"
                                prop:value=move || drafts.with(|d| d.skip.clone())
                                aria-invalid=invalid(Field::Skip)
                                on:input=edit(|d, v| d.skip = v)
                                on:change=move |_| commit_drafts()
                            />
                        </label>
                        {error_view(Field::Skip)}
                        <label>
                            {toggle("filter-paged", |s| s.paged, |s, on| s.paged = on)}
                            "Explicit pages"
                        </label>
                        <Show when=move || state.with(|s| s.paged)>
                            <span class="pager">
                                <button
                                    type="button"
                                    data-testid="page-prev"
                                    disabled=move || page_prev().is_none()
                                    on:click=move |_| {
                                        if let Some(skip) = page_prev() {
                                            go_page(skip);
                                        }
                                    }
                                >
                                    "Previous page"
                                </button>
                                <button
                                    type="button"
                                    data-testid="page-next"
                                    disabled=move || page_next().is_none()
                                    on:click=move |_| {
                                        if let Some(skip) = page_next() {
                                            go_page(skip);
                                        }
                                    }
                                >
                                    "Next page"
                                </button>
                            </span>
                        </Show>
                    </div>
                </section>
                <section class="filter-group" aria-label="Refine what is loaded">
                    <fieldset class="segmented">
                        <legend>"Type"</legend>
                        {type_options
                            .into_iter()
                            .map(|(kind, key, label)| {
                                view! {
                                    <label>
                                        <input
                                            type="radio"
                                            name=type_name.clone()
                                            data-testid=format!("filter-type-{key}")
                                            prop:checked=move || state.with(|s| s.refine.kind == kind)
                                            on:change=move |_| commit(HistoryMode::Push, &|s| s.refine.kind = kind)
                                        />
                                        <span>{label}</span>
                                        {move || type_count(kind).map(|n| view! {
                                            <span class="filter-count" data-testid=format!("count-{key}")>{n}</span>
                                        })}
                                    </label>
                                }
                            })
                            .collect_view()}
                    </fieldset>
                    <div class="filter-row">
                        <label>
                            {toggle("filter-trashed", |s| s.refine.show_trashed, |s, on| s.refine.show_trashed = on)}
                            "Show trashed"
                            {count("trashed", |c| c.by_trashed, "left")}
                        </label>
                        <p
                            class="filter-hint"
                            data-testid="trash-hint"
                            hidden=move || !(timeline() && state.with(|s| s.refine.show_trashed))
                        >
                            "This server lists the trash apart from the timeline: the grid shows the trash alone."
                        </p>
                        <label>
                            {toggle("filter-offline", |s| s.refine.show_offline, |s, on| s.refine.show_offline = on)}
                            "Show offline"
                            {count("offline", |c| c.by_offline, "left")}
                        </label>
                    </div>
                    <div class="filter-row">
                        <label>
                            "Search"
                            <input
                                type="search"
                                placeholder="file name, city, country, camera, tag"
                                data-testid="filter-text"
                                prop:value=move || state.with(|s| s.refine.text.clone())
                                on:input=move |ev| {
                                    let text = event_target_value(&ev);
                                    commit(HistoryMode::Replace, &|s| s.refine.text = text.clone());
                                }
                            />
                        </label>
                        {count("text", |c| c.by_text, "match")}
                    </div>
                    <div class="filter-row">
                        <label>
                            "Taken from"
                            <input
                                type="date"
                                data-testid="filter-taken-from"
                                prop:value=move || drafts.with(|d| d.taken_from.clone())
                                aria-invalid=invalid(Field::TakenFrom)
                                on:input=edit(|d, v| d.taken_from = v)
                                on:change=move |_| commit_drafts()
                            />
                        </label>
                        {error_view(Field::TakenFrom)}
                        <label>
                            "to"
                            <input
                                type="date"
                                data-testid="filter-taken-to"
                                prop:value=move || drafts.with(|d| d.taken_to.clone())
                                aria-invalid=invalid(Field::TakenTo)
                                on:input=edit(|d, v| d.taken_to = v)
                                on:change=move |_| commit_drafts()
                            />
                        </label>
                        {error_view(Field::TakenTo)}
                        {count("taken", |c| c.by_date, "in range")}
                    </div>
                    {[Field::Type, Field::Trashed, Field::Offline, Field::Text, Field::Paged]
                        .into_iter()
                        .map(error_view)
                        .collect_view()}
                </section>
                <button
                    type="button"
                    class="ig-button filter-reset"
                    data-testid="filter-reset"
                    on:click=move |_| {
                        own.set_value(None);
                        drafts.set(Drafts::default());
                        ctx.reset();
                    }
                >
                    "Reset"
                </button>
            </div>
        </details>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // reason: tests fail loudly.
mod tests {
    use super::*;
    use immich_api::iso;

    const USER: &str = "0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f";
    const PARIS_WINTER: Zone = Zone::Fixed(60);

    fn drafts(f: impl FnOnce(&mut Drafts)) -> Drafts {
        let mut d = Drafts::default();
        f(&mut d);
        d
    }

    /// Applying `d` onto `base` gives the canonical URL `search` and errors on `fields`.
    fn check(base: &ViewState, d: Drafts, search: &str, fields: &[Field]) {
        let (next, errors) = apply_drafts(base, &d, PARIS_WINTER);
        assert_eq!(next.to_search(), search, "{d:?}");
        let got: Vec<Field> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(got, fields, "{errors:?}");
        // Whatever the drafts, what is committed is a query the server accepts.
        assert!(next.query.validate().is_ok());
    }

    #[test]
    fn valid_drafts_apply() {
        let base = ViewState::default();
        check(&base, Drafts::default(), "", &[]);
        check(
            &base,
            drafts(|d| {
                d.updated_after = "2024-01-05T10:11".into();
                d.updated_before = "2024-01-06T00:00:30".into();
                d.user_id = format!(" {USER} ");
                d.take = "1000".into();
                d.skip = "0".into();
                d.taken_from = "2023-12-01".into();
                d.taken_to = "2023-12-31".into();
            }),
            "skip=0&take=1000&updatedAfter=2024-01-05T09%3A11%3A00.000Z\
             &updatedBefore=2024-01-05T23%3A00%3A30.000Z&userId=0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f\
             &takenFrom=2023-12-01&takenTo=2023-12-31",
            &[],
        );
    }

    #[test]
    fn bad_drafts_keep_the_committed_value() {
        let (base, _) = ViewState::parse_search(&format!("take=50&skip=100&userId={USER}"));
        let committed = Drafts::from_state(&base, PARIS_WINTER);
        let keep = format!("skip=100&take=50&userId={USER}");
        let with = |f: &dyn Fn(&mut Drafts)| {
            let mut d = committed.clone();
            f(&mut d);
            d
        };
        check(&base, committed.clone(), &keep, &[]);
        // An emptied field is cleared.
        check(
            &base,
            with(&|d| d.take.clear()),
            &format!("skip=100&userId={USER}"),
            &[],
        );
        check(
            &base,
            with(&|d| d.take = "-1".into()),
            &keep,
            &[Field::Take],
        );
        check(
            &base,
            with(&|d| {
                d.take = "-1".into();
                d.skip = "1.5".into();
                d.user_id = "bob".into();
            }),
            &keep,
            &[Field::Skip, Field::Take, Field::UserId],
        );
        // Bad values are refused one by one: the good ones still apply.
        check(
            &base,
            with(&|d| {
                d.take = "99999999999999999999999".into();
                d.skip = "7".into();
                d.updated_after = "2024-13-01T00:00".into();
                d.taken_to = "yesterday".into();
            }),
            &format!("skip=7&take=50&userId={USER}"),
            &[Field::Take, Field::UpdatedAfter, Field::TakenTo],
        );
        let (_, errors) = apply_drafts(&base, &with(&|d| d.take = "-5".into()), PARIS_WINTER);
        assert!(errors[0].1.contains("negative"), "{errors:?}");
    }

    #[test]
    fn crossed_ranges_are_refused_on_the_edited_bound() {
        let (base, errors) = ViewState::parse_search(
            "updatedAfter=2024-01-01T00:00:00Z&updatedBefore=2024-02-01T00:00:00Z&takenFrom=2024-01-01&takenTo=2024-01-31",
        );
        assert!(errors.is_empty());
        let committed = Drafts::from_state(&base, PARIS_WINTER);
        assert_eq!(committed.updated_after, "2024-01-01T01:00");
        assert_eq!(committed.taken_to, "2024-01-31");
        let keep = base.to_search();
        // The after bound moved past the before bound: reported on "after".
        let d = Drafts {
            updated_after: "2024-03-01T00:00".into(),
            ..committed.clone()
        };
        check(&base, d, &keep, &[Field::UpdatedAfter]);
        // The before bound moved before the after bound: reported on "before".
        let d = Drafts {
            updated_before: "2023-12-01T00:00".into(),
            ..committed.clone()
        };
        check(&base, d, &keep, &[Field::UpdatedBefore]);
        let d = Drafts {
            taken_from: "2024-02-15".into(),
            ..committed.clone()
        };
        check(&base, d, &keep, &[Field::TakenFrom]);
        let d = Drafts {
            taken_to: "2023-02-15".into(),
            ..committed.clone()
        };
        check(&base, d, &keep, &[Field::TakenTo]);
        // Moving both consistently is fine; clearing one ends the range.
        let d = Drafts {
            updated_after: "2025-01-01T01:00".into(),
            updated_before: "2025-01-02T01:00".into(),
            taken_to: String::new(),
            ..committed.clone()
        };
        check(
            &base,
            d,
            "updatedAfter=2025-01-01T00%3A00%3A00.000Z&updatedBefore=2025-01-02T00%3A00%3A00.000Z&takenFrom=2024-01-01",
            &[],
        );
        // An instant range (after == before) is allowed.
        let d = Drafts {
            updated_before: committed.updated_after.clone(),
            ..committed
        };
        let (next, errors) = apply_drafts(&base, &d, PARIS_WINTER);
        assert!(errors.is_empty());
        assert_eq!(
            next.query.updated_before,
            Some(iso::parse("2024-01-01T00:00:00Z").unwrap())
        );
    }

    #[test]
    fn drafts_show_the_state_in_local_time() {
        let (state, _) = ViewState::parse_search(
            "updatedAfter=2024-06-30T22:15:30.250Z&take=10&skip=20&takenFrom=2020-02-29",
        );
        let d = Drafts::from_state(&state, Zone::Fixed(120));
        assert_eq!(d.updated_after, "2024-07-01T00:15:30.250");
        assert_eq!((d.take.as_str(), d.skip.as_str()), ("10", "20"));
        assert_eq!(d.taken_from, "2020-02-29");
        // Drafts of a state apply back to the same state.
        assert_eq!(
            apply_drafts(&ViewState::default(), &d, Zone::Fixed(120)),
            (state, vec![])
        );
    }

    #[test]
    fn paging() {
        assert_eq!(next_skip(None, Some(100), None), Some(100));
        assert_eq!(next_skip(Some(100), Some(100), Some(100)), Some(200));
        assert_eq!(
            next_skip(Some(100), Some(100), Some(40)),
            None,
            "a short page is the last"
        );
        assert_eq!(next_skip(Some(0), None, None), None, "no page size");
        assert_eq!(next_skip(Some(0), Some(0), None), None);
        assert_eq!(next_skip(Some(u64::MAX), Some(5), None), Some(u64::MAX));
        assert_eq!(prev_skip(Some(250), Some(100)), Some(150));
        assert_eq!(prev_skip(Some(100), Some(100)), Some(0));
        assert_eq!(prev_skip(Some(50), Some(100)), Some(0));
        assert_eq!(prev_skip(None, Some(100)), None);
        assert_eq!(prev_skip(Some(0), Some(100)), None);
        assert_eq!(prev_skip(Some(10), None), None);
    }
}
