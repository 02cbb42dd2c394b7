//! The view state in the URL and the filter panel, in a real browser
//! (headless Chromium): pushState / replaceState, back and forward through
//! popstate, and the panel committing valid choices while refusing bad ones.
//! Run:
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=.../wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_USE_BROWSER=1 \
//! cargo test --target wasm32-unknown-unknown -p immich-grid --test browser_filters
//! ```
#![cfg(target_arch = "wasm32")]
// Tests may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{cell::Cell, rc::Rc};

use immich_api::{iso, UserResponseDto};
use immich_grid::{
    components::filters::Filters,
    url_state::{offset_label, provide_view_state, HistoryMode, ViewStateContext},
};
use leptos::prelude::*;
use library_core::{FilterCounts, TypeFilter};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

const ME: &str = "11111111-1111-4111-8111-111111111111";
const PARTNER: &str = "22222222-2222-4222-a222-222222222222";

fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

fn search() -> String {
    window().location().search().unwrap()
}

fn history_len() -> u32 {
    window().history().unwrap().length().unwrap()
}

/// Starts each test from a known URL, as the current history entry.
fn start_at(query: &str) {
    let path = window().location().pathname().unwrap();
    window()
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{query}")))
        .unwrap();
}

/// Waits `ms` milliseconds (lets effects and popstate run).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Polls `cond` for up to two seconds.
async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..100 {
        if cond() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting for {what}; URL {}", search());
}

fn by_test_id(id: &str) -> Option<HtmlElement> {
    window()
        .document()
        .unwrap()
        .query_selector(&format!("[data-testid=\"{id}\"]"))
        .unwrap()
        .map(|e| e.dyn_into().unwrap())
}

fn el(id: &str) -> HtmlElement {
    by_test_id(id).unwrap_or_else(|| panic!("no element {id}"))
}

fn input(id: &str) -> HtmlInputElement {
    el(id).dyn_into().unwrap()
}

fn fire(target: &HtmlElement, name: &str) {
    let event = window().document().unwrap().create_event("Event").unwrap();
    event.init_event_with_bubbles(name, true);
    target.dispatch_event(&event).unwrap();
}

/// Types `value` into an input: `input`, then `change` when `commit`.
fn type_into(id: &str, value: &str, commit: bool) {
    let field = input(id);
    field.set_value(value);
    fire(&field, "input");
    if commit {
        fire(&field, "change");
    }
}

fn user(id: &str, name: &str) -> UserResponseDto {
    serde_json::from_value(serde_json::json!({
        "id": id, "email": format!("{name}@example.com"), "name": name,
        "profileImagePath": "", "avatarColor": "primary", "storageLabel": null,
        "shouldChangePassword": false, "isAdmin": false,
        "createdAt": "2024-01-01T00:00:00.000Z", "deletedAt": null,
        "updatedAt": "2024-01-01T00:00:00.000Z", "oauthId": "",
        "memoriesEnabled": true, "quotaSizeInBytes": null, "quotaUsageInBytes": null,
        "status": "active"
    }))
    .unwrap()
}

#[wasm_bindgen_test]
async fn push_replace_and_popstate_restore_the_view() {
    start_at("?take=7&embed=1");
    let owner = Owner::new();
    owner.set();
    let ctx = provide_view_state();
    assert_eq!(ctx.query().get_untracked().take, Some(7));

    let before = history_len();
    ctx.update(HistoryMode::Push, |s| s.query.is_favorite = Some(true))
        .unwrap();
    assert_eq!(search(), "?isFavorite=true&take=7&embed=1");
    assert_eq!(
        history_len(),
        before + 1,
        "a chosen filter is a history entry"
    );

    ctx.update(HistoryMode::Replace, |s| s.refine.text = "paris".into())
        .unwrap();
    ctx.update(HistoryMode::Replace, |s| s.refine.text = "paris 2".into())
        .unwrap();
    assert_eq!(search(), "?isFavorite=true&take=7&q=paris%202&embed=1");
    assert_eq!(history_len(), before + 1, "typing adds no entries");

    // A query the server would refuse changes nothing, URL included.
    assert!(ctx
        .update(HistoryMode::Push, |s| s.query.user_id = Some("me".into()))
        .is_err());
    assert_eq!(search(), "?isFavorite=true&take=7&q=paris%202&embed=1");

    window().history().unwrap().back().unwrap();
    until("back", || ctx.query().get_untracked().is_favorite.is_none()).await;
    assert_eq!(ctx.query().get_untracked().take, Some(7));
    assert_eq!(ctx.refine().get_untracked().text, "");

    window().history().unwrap().forward().unwrap();
    until("forward", || {
        ctx.query().get_untracked().is_favorite == Some(true)
    })
    .await;
    assert_eq!(ctx.refine().get_untracked().text, "paris 2");

    ctx.reset();
    assert_eq!(
        search(),
        "?embed=1",
        "reset keeps parameters that are not ours"
    );
    owner.cleanup();
}

#[wasm_bindgen_test]
async fn a_bad_link_reports_and_keeps_the_rest() {
    start_at("?take=-3&type=photo&userId=nobody");
    let owner = Owner::new();
    owner.set();
    let ctx = provide_view_state();
    assert_eq!(ctx.query().get_untracked().take, None);
    assert_eq!(ctx.refine().get_untracked().kind, TypeFilter::Photos);
    let fields: Vec<&str> = ctx
        .url_errors()
        .get_untracked()
        .iter()
        .map(|(f, _)| f.slug())
        .collect();
    assert_eq!(fields, ["take", "user-id"]);
    owner.cleanup();
}

#[wasm_bindgen_test]
async fn panel_commits_valid_choices_and_explains_bad_ones() {
    start_at("");
    let parent: HtmlElement = window()
        .document()
        .unwrap()
        .create_element("div")
        .unwrap()
        .dyn_into()
        .unwrap();
    window()
        .document()
        .unwrap()
        .body()
        .unwrap()
        .append_child(&parent)
        .unwrap();
    let slot: Rc<Cell<Option<ViewStateContext>>> = Rc::default();
    let put = slot.clone();
    let counts = FilterCounts {
        total: 100,
        visible: 90,
        by_kind: 100,
        by_trashed: 95,
        by_offline: 97,
        by_text: 100,
        by_date: 100,
        photos: 80,
        videos: 10,
    };
    let handle = leptos::mount::mount_to(parent.clone(), move || {
        put.set(Some(provide_view_state()));
        view! {
            <Filters
                users=Signal::stored(vec![user(ME, "Me"), user(PARTNER, "Pat")])
                counts=Signal::stored(Some(counts))
                open=true
            />
        }
    });
    let ctx = slot.get().unwrap();
    sleep(0).await;
    assert_eq!(el("count-visible").text_content().unwrap(), "90");
    assert_eq!(el("count-photos").text_content().unwrap(), "80");
    assert!(input("filter-favorite-any").checked());

    // A choice commits at once, as a history entry.
    let before = history_len();
    el("filter-favorite-only").click();
    until("favourites", || search() == "?isFavorite=true").await;
    assert_eq!(history_len(), before + 1);
    el("filter-archived-none").click();
    until("archived", || {
        search() == "?isArchived=false&isFavorite=true"
    })
    .await;

    // A negative page size is explained and not sent.
    type_into("filter-take", "-1", true);
    sleep(0).await;
    let error = el("error-take");
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    assert!(error.text_content().unwrap().contains("negative"));
    assert_eq!(ctx.query().get_untracked().take, None);
    assert!(!search().contains("take"));
    type_into("filter-take", "25", true);
    until("take", || search().contains("take=25")).await;
    until("no take error", || by_test_id("error-take").is_none()).await;

    // Wall-clock input goes out as UTC, converted with the browser's zone.
    let local = js_sys::Date::new_with_year_month_day_hr_min(2024, 0, 5, 10, 0);
    let utc = iso::parse(&String::from(local.to_iso_string())).unwrap();
    type_into("filter-updated-after", "2024-01-05T10:00", true);
    until("updatedAfter", || search().contains("updatedAfter=")).await;
    assert_eq!(ctx.query().get_untracked().updated_after, Some(utc));
    let label = el("filter-timezone").text_content().unwrap();
    let offset_now = -(js_sys::Date::new_0().get_timezone_offset() as i32);
    web_sys::console::log_1(&format!("zone: {label}; 2024-01-05T10:00 local = {utc}").into());
    assert!(label.contains(&offset_label(offset_now)), "{label}");
    // An earlier "before" is an empty range: explained, not sent.
    type_into("filter-updated-before", "2024-01-01T00:00", true);
    sleep(0).await;
    assert!(by_test_id("error-updated-before").is_some());
    assert_eq!(ctx.query().get_untracked().updated_before, None);

    // A bad user id is explained; a partner from the list is sent.
    type_into("filter-user-id", "not-a-user", true);
    sleep(0).await;
    assert!(by_test_id("error-user-id").is_some());
    assert_eq!(ctx.query().get_untracked().user_id, None);
    let select: HtmlSelectElement = el("filter-user").dyn_into().unwrap();
    select.set_value(PARTNER);
    fire(&select, "change");
    until("userId", || search().contains(PARTNER)).await;
    until("id field", || input("filter-user-id").value() == PARTNER).await;
    until("no id error", || by_test_id("error-user-id").is_none()).await;

    // Refinements change only `refine`: the server query stays the same.
    let query = ctx.query().get_untracked();
    el("filter-type-videos").click();
    let entries = history_len();
    type_into("filter-text", "beach", false);
    until("q", || search().contains("q=beach")).await;
    assert_eq!(history_len(), entries, "typing replaces the entry");
    assert_eq!(ctx.refine().get_untracked().kind, TypeFilter::Videos);
    assert_eq!(ctx.query().get_untracked(), query);

    // Pages: Next and Previous move `skip` by `take`.
    assert!(
        by_test_id("page-next").is_none(),
        "no pager until explicit pages"
    );
    el("filter-paged").click();
    until("pager", || by_test_id("page-next").is_some()).await;
    assert!(
        el("page-prev").has_attribute("disabled"),
        "no previous page at the start"
    );
    until("next enabled", || {
        !el("page-next").has_attribute("disabled")
    })
    .await;
    el("page-next").click();
    until("next", || ctx.query().get_untracked().skip == Some(25)).await;
    assert_eq!(search().matches("skip=25").count(), 1);
    until("prev enabled", || {
        !el("page-prev").has_attribute("disabled")
    })
    .await;
    el("page-prev").click();
    until("prev", || ctx.query().get_untracked().skip.is_none()).await;

    // Reset clears everything; Back brings it all back, controls included.
    let full = search();
    el("filter-reset").click();
    until("reset", || search().is_empty()).await;
    until("controls reset", || {
        input("filter-favorite-any").checked() && input("filter-take").value().is_empty()
    })
    .await;
    window().history().unwrap().back().unwrap();
    until("back", || search() == full).await;
    until("controls back", || input("filter-take").value() == "25").await;
    assert!(input("filter-favorite-only").checked());
    assert!(input("filter-type-videos").checked());
    assert_eq!(input("filter-take").value(), "25");
    assert_eq!(input("filter-text").value(), "beach");

    drop(handle);
    parent.remove();
}
