//! The view's state lives in the page URL, so every view is a link.
//!
//! [`ViewState`] is everything that decides what the grid shows: the inputs of
//! `GET /api/asset` (an [`AssetQuery`], written with Immich's own parameter
//! names), the in-app [`Refinements`] (with this app's names), and whether the
//! person pages explicitly. It is written to and read from the URL's query
//! string here; parsing never panics and never drops a whole link for one bad
//! value: each refused value is reported against its control and left out.
//!
//! The pure half (string ⇄ state, local time ⇄ UTC) is tested natively. The
//! browser half ([`provide_view_state`]) reads `location.search` at start,
//! writes the URL with `history.pushState` / `replaceState` when the state
//! changes, and follows `popstate` so back and forward restore a view.
//!
//! URL parameters, in the canonical order [`ViewState::to_search`] writes:
//!
//! | key | values | meaning |
//! |---|---|---|
//! | `isArchived`, `isFavorite` | `true` / `false` | server filter |
//! | `skip`, `take` | whole numbers | server paging |
//! | `updatedAfter`, `updatedBefore` | RFC 3339 (UTC, ms) | server filter |
//! | `userId` | UUID v4 | whose library |
//! | `type` | `photo` / `video` | in-app type filter (absent: all) |
//! | `trashed` | `show` / `hide` | in-app trash filter (absent: hide) |
//! | `offline` | `show` / `hide` | in-app offline filter (absent: show) |
//! | `q` | text | in-app text search |
//! | `takenFrom`, `takenTo` | `YYYY-MM-DD` | in-app date-taken range, inclusive |
//! | `paged` | `1` / `0` | explicit pages (Next / Previous) |
//! | `withPartners` | `true` / `false` | partners' assets in the timeline (current servers only) |
//!
//! Parameters this module does not know are ignored when reading and kept
//! when writing ([`merge_search`]), because the app's URL may carry others.

use immich_api::{AssetQuery, Civil, Date, QueryError, Timestamp};
use leptos::prelude::*;
use library_core::{Refinements, TypeFilter};
use std::fmt::Write as _;

/// Everything that decides what the grid shows; the URL holds exactly this.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ViewState {
    /// The inputs of `GET /api/asset`: changing them means a new request.
    pub query: AssetQuery,
    /// Filters applied in the app to what is loaded: no request.
    pub refine: Refinements,
    /// Explicit pages: show one `skip`/`take` page with Next / Previous,
    /// instead of the whole library.
    pub paged: bool,
    /// Partners' assets in the timeline (`withPartners`, an input of current
    /// servers' timeline routes; an older server has none).
    pub with_partners: bool,
}

/// One control of the view, for URL keys, error reports and test ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `isArchived`.
    Archived,
    /// `isFavorite`.
    Favorite,
    /// `skip`.
    Skip,
    /// `take`.
    Take,
    /// `updatedAfter`.
    UpdatedAfter,
    /// `updatedBefore`.
    UpdatedBefore,
    /// `userId`.
    UserId,
    /// `type`.
    Type,
    /// `trashed`.
    Trashed,
    /// `offline`.
    Offline,
    /// `q`.
    Text,
    /// `takenFrom`.
    TakenFrom,
    /// `takenTo`.
    TakenTo,
    /// `paged`.
    Paged,
    /// `withPartners`.
    WithPartners,
}

impl Field {
    /// Every field, in canonical URL order.
    pub const ALL: [Field; 15] = [
        Field::Archived,
        Field::Favorite,
        Field::Skip,
        Field::Take,
        Field::UpdatedAfter,
        Field::UpdatedBefore,
        Field::UserId,
        Field::Type,
        Field::Trashed,
        Field::Offline,
        Field::Text,
        Field::TakenFrom,
        Field::TakenTo,
        Field::Paged,
        Field::WithPartners,
    ];

    /// The URL parameter name (Immich's own for server inputs).
    pub fn key(self) -> &'static str {
        match self {
            Field::Archived => "isArchived",
            Field::Favorite => "isFavorite",
            Field::Skip => "skip",
            Field::Take => "take",
            Field::UpdatedAfter => "updatedAfter",
            Field::UpdatedBefore => "updatedBefore",
            Field::UserId => "userId",
            Field::Type => "type",
            Field::Trashed => "trashed",
            Field::Offline => "offline",
            Field::Text => "q",
            Field::TakenFrom => "takenFrom",
            Field::TakenTo => "takenTo",
            Field::Paged => "paged",
            Field::WithPartners => "withPartners",
        }
    }

    /// The kebab-case name used in test ids: `filter-<slug>`, `error-<slug>`.
    pub fn slug(self) -> &'static str {
        match self {
            Field::Archived => "archived",
            Field::Favorite => "favorite",
            Field::Skip => "skip",
            Field::Take => "take",
            Field::UpdatedAfter => "updated-after",
            Field::UpdatedBefore => "updated-before",
            Field::UserId => "user-id",
            Field::Type => "type",
            Field::Trashed => "trashed",
            Field::Offline => "offline",
            Field::Text => "text",
            Field::TakenFrom => "taken-from",
            Field::TakenTo => "taken-to",
            Field::Paged => "paged",
            Field::WithPartners => "with-partners",
        }
    }

    /// The field a URL key names, if any.
    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// True for the inputs of `GET /api/asset`.
    pub fn is_server(self) -> bool {
        matches!(
            self,
            Field::Archived
                | Field::Favorite
                | Field::Skip
                | Field::Take
                | Field::UpdatedAfter
                | Field::UpdatedBefore
                | Field::UserId
        )
    }
}

/// Values refused, each with the control it belongs to and a sentence saying why.
pub type FieldErrors = Vec<(Field, String)>;

/// Reads `YYYY-MM-DD` (what `<input type="date">` gives) into a day since 1970-01-01.
pub fn parse_day(text: &str) -> Result<i32, String> {
    let text = text.trim();
    Date::parse(text)
        .map(Date::days)
        .ok_or_else(|| format!("must be a date like 2024-01-31, got {text:?}"))
}

/// Writes a day since 1970-01-01 as `YYYY-MM-DD` (empty beyond the days a
/// JavaScript `Date` reaches).
pub fn format_day(day: i32) -> String {
    Timestamp::from_timestamp_millis(i64::from(day) * immich_api::time::DAY_MS)
        .map(|t| t.date().format())
        .unwrap_or_default()
}

impl ViewState {
    /// The canonical query string (no leading `?`): the server inputs in
    /// [`AssetQuery::to_query_string`]'s order, then the app's own in the
    /// order of the module's table; defaults are left out, so the default
    /// view is the empty string.
    pub fn to_search(&self) -> String {
        let mut out = self.query.to_query_string();
        let mut push = |field: Field, value: &str| {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(field.key());
            out.push('=');
            percent_encode_into(value, &mut out);
        };
        let r = &self.refine;
        match r.kind {
            TypeFilter::All => {}
            TypeFilter::Photos => push(Field::Type, "photo"),
            TypeFilter::Videos => push(Field::Type, "video"),
        }
        if r.show_trashed {
            push(Field::Trashed, "show");
        }
        if !r.show_offline {
            push(Field::Offline, "hide");
        }
        if !r.text.is_empty() {
            push(Field::Text, &r.text);
        }
        if let Some(day) = r.day_from {
            push(Field::TakenFrom, &format_day(day));
        }
        if let Some(day) = r.day_to {
            push(Field::TakenTo, &format_day(day));
        }
        if self.paged {
            push(Field::Paged, "1");
        }
        if self.with_partners {
            push(Field::WithPartners, "true");
        }
        out
    }

    /// Reads a query string (with or without `?`). Never fails as a whole:
    /// each refused value is reported against its field and left at its
    /// default. Unknown keys are ignored; a key given twice keeps the first.
    /// An empty range (`updatedAfter` later than `updatedBefore`, or
    /// `takenFrom` after `takenTo`) is reported on the range's end and
    /// neither bound is applied, since either could be the mistake.
    pub fn parse_search(search: &str) -> (ViewState, FieldErrors) {
        let text = search.strip_prefix('?').unwrap_or(search);
        let mut state = ViewState::default();
        let mut errors = FieldErrors::new();
        let mut seen: Vec<Field> = Vec::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(field) = percent_decode(raw_key).and_then(|k| Field::from_key(&k)) else {
                continue;
            };
            if seen.contains(&field) {
                errors.push((
                    field,
                    format!("{} is given more than once; the first is used", field.key()),
                ));
                continue;
            }
            seen.push(field);
            if field.is_server() {
                // One pair at a time through AssetQuery's own parser: the same
                // decoding and validation as a whole query, but per field.
                match AssetQuery::from_query_string(pair) {
                    Ok(one) => merge_server_field(&mut state.query, one),
                    Err(e) => errors.push((field, e.to_string())),
                }
                continue;
            }
            let Some(value) = percent_decode(raw_value) else {
                errors.push((
                    field,
                    format!("{} is not valid percent-encoded UTF-8", field.key()),
                ));
                continue;
            };
            if let Err(message) = apply_app_field(&mut state, field, &value) {
                errors.push((field, message));
            }
        }
        if let Err(e @ QueryError::EmptyUpdatedRange { .. }) = state.query.validate() {
            state.query.updated_after = None;
            state.query.updated_before = None;
            errors.push((Field::UpdatedBefore, e.to_string()));
        }
        if let (Some(from), Some(to)) = (state.refine.day_from, state.refine.day_to) {
            if from > to {
                state.refine.day_from = None;
                state.refine.day_to = None;
                errors.push((Field::TakenTo, empty_taken_range(from, to)));
            }
        }
        (state, errors)
    }
}

/// The message for a `takenFrom` later than `takenTo`.
pub fn empty_taken_range(from: i32, to: i32) -> String {
    format!(
        "taken from ({}) is later than taken to ({}): nothing could match",
        format_day(from),
        format_day(to)
    )
}

/// Copies the one input set in `one` into `query`.
fn merge_server_field(query: &mut AssetQuery, one: AssetQuery) {
    let AssetQuery {
        is_archived,
        is_favorite,
        skip,
        take,
        updated_after,
        updated_before,
        user_id,
    } = one;
    query.is_archived = is_archived.or(query.is_archived);
    query.is_favorite = is_favorite.or(query.is_favorite);
    query.skip = skip.or(query.skip);
    query.take = take.or(query.take);
    query.updated_after = updated_after.or(query.updated_after);
    query.updated_before = updated_before.or(query.updated_before);
    query.user_id = user_id.or(query.user_id.take());
}

fn apply_app_field(state: &mut ViewState, field: Field, value: &str) -> Result<(), String> {
    let show_hide = |value: &str| match value {
        "show" => Ok(true),
        "hide" => Ok(false),
        _ => Err(format!(
            "{} must be `show` or `hide`, got {value:?}",
            field.key()
        )),
    };
    let r = &mut state.refine;
    match field {
        Field::Type => {
            r.kind = match value {
                "all" => TypeFilter::All,
                "photo" | "photos" => TypeFilter::Photos,
                "video" | "videos" => TypeFilter::Videos,
                _ => return Err(format!("type must be `photo` or `video`, got {value:?}")),
            }
        }
        Field::Trashed => r.show_trashed = show_hide(value)?,
        Field::Offline => r.show_offline = show_hide(value)?,
        Field::Text => r.text = value.to_owned(),
        Field::TakenFrom => {
            r.day_from = Some(parse_day(value).map_err(|m| format!("takenFrom {m}"))?)
        }
        Field::TakenTo => r.day_to = Some(parse_day(value).map_err(|m| format!("takenTo {m}"))?),
        Field::Paged => {
            state.paged = match value {
                "1" | "true" => true,
                "0" | "false" => false,
                _ => return Err(format!("paged must be `1` or `0`, got {value:?}")),
            }
        }
        Field::WithPartners => {
            state.with_partners = match value {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(format!(
                        "withPartners must be `true` or `false`, got {value:?}"
                    ))
                }
            }
        }
        // Server fields never get here; nothing to do if one did.
        _ => {}
    }
    Ok(())
}

/// Writes `state` into a page's current query string: the state's keys are
/// replaced by its canonical form (first), every other parameter is kept, in
/// its order and spelling, after them. No leading `?`.
pub fn merge_search(current: &str, state: &ViewState) -> String {
    let current = current.strip_prefix('?').unwrap_or(current);
    let mut out = state.to_search();
    for pair in current.split('&').filter(|p| !p.is_empty()) {
        let raw_key = pair.split_once('=').map_or(pair, |(k, _)| k);
        let ours = percent_decode(raw_key).is_some_and(|k| Field::from_key(&k).is_some());
        if !ours {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(pair);
        }
    }
    out
}

fn percent_encode_into(text: &str, out: &mut String) {
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing into a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// A query-string component decoded, or `None` when it is malformed.
fn percent_decode(text: &str) -> Option<String> {
    immich_api::percent_decode(text).ok()
}

// ---------------------------------------------------------------------------
// Local time ⇄ UTC. `<input type="datetime-local">` speaks the browser's wall
// clock; the server speaks UTC. The conversions take the offset as a value or
// a function, so they are tested here with explicit zones.

/// Reads an `<input type="datetime-local">` value:
/// `YYYY-MM-DDTHH:MM`, optionally with `:SS` and a fraction (kept to the
/// millisecond). The wall-clock time comes back written as if it were UTC
/// (Immich's `localDateTime` convention).
pub fn parse_local_input(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let (date, time) = text.split_once('T')?;
    let date = Date::parse(date)?;
    let (hm, rest) = match time.get(5..) {
        Some(rest) => (time.get(..5)?, rest),
        None => return None,
    };
    let two = |t: &str| -> Option<u32> {
        (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())?
    };
    let (h, m) = hm.split_once(':')?;
    let (second, milli) = match rest.strip_prefix(':') {
        None if rest.is_empty() => (0, 0),
        None => return None,
        Some(rest) => {
            let (sec, frac) = rest
                .split_once('.')
                .map_or((rest, None), |(s, f)| (s, Some(f)));
            let milli = match frac {
                None => 0,
                Some(f)
                    if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    // The first three digits, right-padded: `.5` is 500 ms.
                    f.bytes()
                        .chain(std::iter::repeat(b'0'))
                        .take(3)
                        .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
                }
                Some(_) => return None,
            };
            (two(sec)?, milli)
        }
    };
    let (year, month, day) = date.ymd();
    Timestamp::from_civil(&Civil {
        year,
        month,
        day,
        hour: two(h)?,
        minute: two(m)?,
        second,
        milli,
    })
}

/// Writes a wall-clock time (written as if UTC) for `<input
/// type="datetime-local">`, as short as the value allows: minutes, then
/// seconds, then milliseconds.
pub fn format_local_input(local: Timestamp) -> String {
    let c = local.civil();
    let mut out = local.date().format();
    let _ = write!(out, "T{:02}:{:02}", c.hour, c.minute);
    if c.second != 0 || c.milli != 0 {
        let _ = write!(out, ":{:02}", c.second);
    }
    if c.milli != 0 {
        let _ = write!(out, ".{:03}", c.milli);
    }
    out
}

/// `t` moved by `minutes`, held within a `Date`'s range.
fn shifted(t: Timestamp, minutes: i32) -> Timestamp {
    let ms = t
        .timestamp_millis()
        .saturating_add(i64::from(minutes) * 60_000)
        .clamp(-immich_api::time::MAX_MS, immich_api::time::MAX_MS);
    Timestamp::from_timestamp_millis(ms).unwrap_or(t)
}

/// The UTC instant of a wall-clock time (written as if UTC) in a zone
/// `offset_east` minutes ahead of UTC (Paris in winter: 60).
pub fn local_to_utc(local: Timestamp, offset_east: i32) -> Timestamp {
    shifted(local, -offset_east)
}

/// The wall-clock time (written as if UTC) of `utc` in a zone `offset_east`
/// minutes ahead of UTC.
pub fn utc_to_local(utc: Timestamp, offset_east: i32) -> Timestamp {
    shifted(utc, offset_east)
}

/// [`local_to_utc`] in a zone whose offset changes (summer time):
/// `offset_at(instant)` gives the offset in force at an instant. Guesses with
/// the offset at the wall time read as UTC, then corrects once with the
/// offset at the guess, which settles every real zone's transitions; a wall
/// time skipped by a spring-forward lands just after the gap.
pub fn local_to_utc_with(local: Timestamp, offset_at: impl Fn(Timestamp) -> i32) -> Timestamp {
    let first = local_to_utc(local, offset_at(local));
    local_to_utc(local, offset_at(first))
}

/// `UTC+01:00`, `UTC-03:30`, `UTC+00:00` for an offset in minutes east.
pub fn offset_label(offset_east: i32) -> String {
    let sign = if offset_east < 0 { '-' } else { '+' };
    let m = offset_east.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// The time zone the person's wall clock is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset in minutes east of UTC (tests, or a chosen zone).
    Fixed(i32),
    /// The browser's own zone, summer time included (UTC outside a browser).
    Browser,
}

impl Zone {
    /// The offset in minutes east of UTC in force at `at`.
    pub fn offset_at(self, at: Timestamp) -> i32 {
        match self {
            Zone::Fixed(offset) => offset,
            Zone::Browser => browser::offset_at(at),
        }
    }

    /// The UTC instant of a wall-clock time in this zone.
    pub fn to_utc(self, local: Timestamp) -> Timestamp {
        local_to_utc_with(local, |at| self.offset_at(at))
    }

    /// The wall-clock time of an instant in this zone.
    pub fn to_local(self, utc: Timestamp) -> Timestamp {
        utc_to_local(utc, self.offset_at(utc))
    }

    /// A label for people: the IANA name when known and the offset now,
    /// like `Europe/Paris, UTC+01:00`.
    pub fn label(self) -> String {
        match self {
            Zone::Fixed(offset) => offset_label(offset),
            Zone::Browser => {
                let offset = offset_label(browser::offset_now());
                match browser::zone_name() {
                    Some(name) => format!("{name}, {offset}"),
                    None => offset,
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Reactive state and the browser's history.

/// Rewrites the page's query string with `edit` (path and hash kept) as a
/// new history entry or in place; outside a browser, nothing.
pub fn rewrite_search(edit: impl FnOnce(&str) -> String, mode: HistoryMode) {
    browser::rewrite_search(edit, mode);
}

/// How a change of state is written to the browser's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryMode {
    /// A new history entry: the person chose a filter, Back undoes it.
    Push,
    /// Rewrite the current entry: typing, where each keystroke is no step.
    Replace,
}

/// The view state, shared through context. `Copy`: pass it freely.
///
/// Readers take [`query`](Self::query) (the data layer: changes only when a
/// server input changes), [`refine`](Self::refine) (the grid) or
/// [`state`](Self::state); writers call [`set`](Self::set).
#[derive(Clone, Copy, Debug)]
pub struct ViewStateContext {
    state: RwSignal<ViewState>,
    url_errors: RwSignal<FieldErrors>,
    query: Memo<AssetQuery>,
    refine: Memo<Refinements>,
    paged: Memo<bool>,
    with_partners: Memo<bool>,
    /// Whether [`set`](Self::set) writes the URL (the page's app) or not (a
    /// widget in someone else's page, whose URL is not ours).
    writes_url: bool,
}

impl ViewStateContext {
    /// A context starting from a query string (errors kept for the panel).
    /// Writes nothing to the browser; [`provide_view_state`] wires that.
    pub fn from_search(search: &str) -> Self {
        let (initial, errors) = ViewState::parse_search(search);
        let state = RwSignal::new(initial);
        Self {
            state,
            url_errors: RwSignal::new(errors),
            query: Memo::new(move |_| state.with(|s| s.query.clone())),
            refine: Memo::new(move |_| state.with(|s| s.refine.clone())),
            paged: Memo::new(move |_| state.with(|s| s.paged)),
            with_partners: Memo::new(move |_| state.with(|s| s.with_partners)),
            writes_url: true,
        }
    }

    /// A context that never touches the page's URL (a custom element).
    pub fn detached(search: &str) -> Self {
        Self {
            writes_url: false,
            ..Self::from_search(search)
        }
    }

    /// The whole state.
    pub fn state(&self) -> Signal<ViewState> {
        self.state.into()
    }

    /// The server inputs; notifies only when they change, so a data layer
    /// tracking it requests exactly when it must.
    pub fn query(&self) -> Memo<AssetQuery> {
        self.query
    }

    /// The in-app refinements; notifies only when they change.
    pub fn refine(&self) -> Memo<Refinements> {
        self.refine
    }

    /// Whether explicit pages are on.
    pub fn paged(&self) -> Memo<bool> {
        self.paged
    }

    /// Whether partners' assets join the timeline (current servers).
    pub fn with_partners(&self) -> Memo<bool> {
        self.with_partners
    }

    /// What the URL held that could not be applied (at start or after
    /// back/forward); cleared by the next [`set`](Self::set).
    pub fn url_errors(&self) -> Signal<FieldErrors> {
        self.url_errors.into()
    }

    /// Commits a new state and writes it to the URL. A query the server
    /// would refuse (bad `userId`, empty updated range) is not committed:
    /// the state, the URL and the request stay as they were.
    pub fn set(&self, next: ViewState, mode: HistoryMode) -> Result<(), QueryError> {
        next.query.validate()?;
        if self.url_errors.with_untracked(|e| !e.is_empty()) {
            self.url_errors.set(FieldErrors::new());
        }
        if self.state.with_untracked(|s| *s == next) {
            return Ok(());
        }
        if self.writes_url {
            browser::write_url(&next, mode);
        }
        self.state.set(next);
        Ok(())
    }

    /// Changes the state with `f` and commits it like [`set`](Self::set).
    pub fn update(
        &self,
        mode: HistoryMode,
        f: impl FnOnce(&mut ViewState),
    ) -> Result<(), QueryError> {
        let mut next = self.state.get_untracked();
        f(&mut next);
        self.set(next, mode)
    }

    /// Back to the default view, as a new history entry.
    pub fn reset(&self) {
        // The default state is always valid.
        let _ = self.set(ViewState::default(), HistoryMode::Push);
    }

    /// Adopts a state read from the URL (back/forward): no history write.
    fn restore(&self, search: &str) {
        let (state, errors) = ViewState::parse_search(search);
        self.url_errors.set(errors);
        self.state.set(state);
    }
}

/// Creates the view state from the page's URL, follows back/forward, and
/// provides it as context. Call once, near the top of the app.
pub fn provide_view_state() -> ViewStateContext {
    provide_view_state_over(String::new())
}

/// [`provide_view_state`] over defaults (`config.json`'s filters, a query
/// string): the page's URL wins parameter by parameter.
pub fn provide_view_state_over(defaults: String) -> ViewStateContext {
    let search =
        move || crate::embed::config::merge_defaults(&defaults, &browser::current_search());
    let ctx = ViewStateContext::from_search(&search());
    let handle = browser::on_popstate(move || ctx.restore(&search()));
    on_cleanup(move || {
        if let Some(handle) = handle {
            handle.remove();
        }
    });
    provide_context(ctx);
    ctx
}

/// The view state provided by [`provide_view_state`], if any.
pub fn use_view_state_context() -> Option<ViewStateContext> {
    use_context::<ViewStateContext>()
}

/// The view state provided by [`provide_view_state`].
///
/// # Panics
/// When no ancestor called [`provide_view_state`]: a wiring mistake, found
/// the first time the app runs.
pub fn expect_view_state() -> ViewStateContext {
    expect_context::<ViewStateContext>()
}

/// The state and a setter, for components that need no more. The setter
/// ignores a state the server would refuse.
pub fn use_view_state() -> (Signal<ViewState>, Callback<(ViewState, HistoryMode)>) {
    let ctx = expect_view_state();
    let set = Callback::new(move |(next, mode): (ViewState, HistoryMode)| {
        let _ = ctx.set(next, mode);
    });
    (ctx.state(), set)
}

/// The browser's URL, history and clock. Outside wasm (native tests) the
/// URL is empty, writes do nothing and the zone is UTC.
#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{merge_search, HistoryMode, ViewState};
    use immich_api::Timestamp;
    use leptos::{ev, prelude::window_event_listener, wasm_bindgen::JsValue};

    /// `location.search`, or empty.
    pub fn current_search() -> String {
        web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default()
    }

    /// Writes the state into the URL, keeping path, hash and other parameters.
    pub fn write_url(state: &ViewState, mode: HistoryMode) {
        rewrite_search(|search| merge_search(search, state), mode);
    }

    /// Writes the page's URL with its query string rewritten by `edit`
    /// (path and hash kept) into the history.
    pub fn rewrite_search(edit: impl FnOnce(&str) -> String, mode: HistoryMode) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let location = window.location();
        let search = edit(&location.search().unwrap_or_default());
        let mut url = location.pathname().unwrap_or_default();
        if !search.is_empty() {
            url.push('?');
            url.push_str(&search);
        }
        url.push_str(&location.hash().unwrap_or_default());
        let Ok(history) = window.history() else {
            return;
        };
        // A refused write (a sandboxed frame) leaves the URL behind the view;
        // the view itself still changes, which matters more.
        let _ = match mode {
            HistoryMode::Push => history.push_state_with_url(&JsValue::NULL, "", Some(&url)),
            HistoryMode::Replace => history.replace_state_with_url(&JsValue::NULL, "", Some(&url)),
        };
    }

    /// Calls `f` on back/forward.
    pub fn on_popstate(f: impl Fn() + 'static) -> Option<leptos::prelude::WindowListenerHandle> {
        Some(window_event_listener(ev::popstate, move |_| f()))
    }

    /// Minutes east of UTC at an instant (JavaScript counts west).
    pub fn offset_at(at: Timestamp) -> i32 {
        // Millisecond counts are exact in an f64 for every date JS can hold.
        #[allow(clippy::cast_precision_loss)] // reason: see above.
        let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
        minutes_east(date.get_timezone_offset())
    }

    /// Minutes east of UTC now.
    pub fn offset_now() -> i32 {
        minutes_east(js_sys::Date::new_0().get_timezone_offset())
    }

    fn minutes_east(west: f64) -> i32 {
        if west.is_finite() {
            // Offsets are within a day's minutes.
            -(west.round() as i32)
        } else {
            0
        }
    }

    /// The IANA zone name (`Europe/Paris`), when the browser tells it.
    pub fn zone_name() -> Option<String> {
        let format =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        let options = format.resolved_options();
        js_sys::Reflect::get(&options, &JsValue::from_str("timeZone"))
            .ok()?
            .as_string()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod browser {
    use super::{HistoryMode, ViewState};
    use immich_api::Timestamp;

    /// No URL outside a browser.
    pub fn current_search() -> String {
        String::new()
    }

    /// No history outside a browser.
    pub fn write_url(_state: &ViewState, _mode: HistoryMode) {}

    /// No history outside a browser.
    pub fn rewrite_search(_edit: impl FnOnce(&str) -> String, _mode: HistoryMode) {}

    /// No window outside a browser.
    pub fn on_popstate(_f: impl Fn() + 'static) -> Option<NoHandle> {
        None
    }

    /// Stands in for the window listener handle.
    pub struct NoHandle;

    impl NoHandle {
        pub fn remove(self) {}
    }

    /// UTC outside a browser.
    pub fn offset_at(_at: Timestamp) -> i32 {
        0
    }

    /// UTC outside a browser.
    pub fn offset_now() -> i32 {
        0
    }

    /// Unknown outside a browser.
    pub fn zone_name() -> Option<String> {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // reason: tests fail loudly.
mod tests {
    use super::*;
    use immich_api::iso;

    const USER: &str = "0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f";

    fn date(text: &str) -> Timestamp {
        iso::parse(text).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> i32 {
        Date::from_ymd(y, m, d).unwrap().days()
    }

    fn full() -> ViewState {
        ViewState {
            query: AssetQuery {
                is_archived: Some(false),
                is_favorite: Some(true),
                skip: Some(2000),
                take: Some(1000),
                updated_after: Some(date("2024-01-05T10:11:12.123Z")),
                updated_before: Some(date("2024-02-01T00:00:00.000Z")),
                user_id: Some(USER.to_owned()),
            },
            refine: Refinements {
                kind: TypeFilter::Videos,
                show_trashed: true,
                show_offline: false,
                text: "Café & co+1".to_owned(),
                day_from: Some(day(2023, 12, 31)),
                day_to: Some(day(2024, 2, 29)),
            },
            paged: true,
            with_partners: true,
        }
    }

    const FULL: &str = "isArchived=false&isFavorite=true&skip=2000&take=1000\
        &updatedAfter=2024-01-05T10%3A11%3A12.123Z&updatedBefore=2024-02-01T00%3A00%3A00.000Z\
        &userId=0f6b2a52-6f0e-4c8e-9a4b-3b1f0c2d4e5f\
        &type=video&trashed=show&offline=hide&q=Caf%C3%A9%20%26%20co%2B1\
        &takenFrom=2023-12-31&takenTo=2024-02-29&paged=1&withPartners=true";

    /// `state` writes `expected` and reads back from it without errors.
    fn check_round_trip(state: ViewState, expected: &str) {
        assert_eq!(state.to_search(), expected);
        assert_eq!(ViewState::parse_search(expected), (state.clone(), vec![]));
        assert_eq!(
            ViewState::parse_search(&format!("?{expected}")),
            (state, vec![])
        );
    }

    #[test]
    fn canonical_round_trips() {
        check_round_trip(ViewState::default(), "");
        check_round_trip(full(), FULL);
        let d = ViewState::default;
        let with = |f: &dyn Fn(&mut ViewState)| {
            let mut s = d();
            f(&mut s);
            s
        };
        check_round_trip(with(&|s| s.refine.kind = TypeFilter::Photos), "type=photo");
        check_round_trip(with(&|s| s.refine.show_trashed = true), "trashed=show");
        check_round_trip(with(&|s| s.refine.show_offline = false), "offline=hide");
        check_round_trip(with(&|s| s.refine.text = " x ".into()), "q=%20x%20");
        check_round_trip(with(&|s| s.paged = true), "paged=1");
        check_round_trip(with(&|s| s.with_partners = true), "withPartners=true");
        check_round_trip(with(&|s| s.query.take = Some(0)), "take=0");
        check_round_trip(
            with(&|s| s.refine.day_to = Some(day(1969, 12, 31))),
            "takenTo=1969-12-31",
        );
        check_round_trip(
            with(&|s| {
                s.query.is_favorite = Some(false);
                s.refine.kind = TypeFilter::Photos;
            }),
            "isFavorite=false&type=photo",
        );
    }

    #[test]
    fn every_field_alone_round_trips() {
        // Each field of `full()` on its own over the default state.
        let f = full();
        for field in Field::ALL {
            let mut s = ViewState::default();
            match field {
                Field::Archived => s.query.is_archived = f.query.is_archived,
                Field::Favorite => s.query.is_favorite = f.query.is_favorite,
                Field::Skip => s.query.skip = f.query.skip,
                Field::Take => s.query.take = f.query.take,
                Field::UpdatedAfter => s.query.updated_after = f.query.updated_after,
                Field::UpdatedBefore => s.query.updated_before = f.query.updated_before,
                Field::UserId => s.query.user_id = f.query.user_id.clone(),
                Field::Type => s.refine.kind = f.refine.kind,
                Field::Trashed => s.refine.show_trashed = f.refine.show_trashed,
                Field::Offline => s.refine.show_offline = f.refine.show_offline,
                Field::Text => s.refine.text = f.refine.text.clone(),
                Field::TakenFrom => s.refine.day_from = f.refine.day_from,
                Field::TakenTo => s.refine.day_to = f.refine.day_to,
                Field::Paged => s.paged = f.paged,
                Field::WithPartners => s.with_partners = f.with_partners,
            }
            let text = s.to_search();
            assert!(text.starts_with(&format!("{}=", field.key())), "{text}");
            assert!(!text.contains('&'), "{text}");
            assert_eq!(ViewState::parse_search(&text), (s, vec![]), "{text}");
        }
    }

    /// `search` reads to the state whose canonical form is `canonical`, with
    /// errors on exactly `error_fields`.
    fn check_parse(search: &str, canonical: &str, error_fields: &[Field]) {
        let (state, errors) = ViewState::parse_search(search);
        assert_eq!(state.to_search(), canonical, "{search}");
        let fields: Vec<Field> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, error_fields, "{search}: {errors:?}");
        for (_, message) in errors {
            assert!(!message.is_empty());
        }
    }

    #[test]
    fn parsing_normalises_and_ignores_unknown_keys() {
        // Any order gives the canonical order.
        check_parse(
            "paged=1&type=photo&take=10&isFavorite=true",
            "isFavorite=true&take=10&type=photo&paged=1",
            &[],
        );
        // Unknown keys, keys without values, stray '&' are ignored.
        check_parse("foo=bar&&key=abc&x&take=5&", "take=5", &[]);
        // Lower-case escapes, raw ':', '+' as a space, plural type names.
        check_parse(
            "updatedAfter=2024-01-05T10:11:12Z&q=a+b%2fc&type=videos",
            "updatedAfter=2024-01-05T10%3A11%3A12.000Z&type=video&q=a%20b%2Fc",
            &[],
        );
        // Offsets become UTC; explicit defaults vanish.
        check_parse(
            "updatedBefore=2024-01-05T10:11:12.5%2B02:00&type=all&trashed=hide&offline=show&paged=0",
            "updatedBefore=2024-01-05T08%3A11%3A12.500Z",
            &[],
        );
    }

    #[test]
    fn bad_values_are_reported_per_field_and_not_applied() {
        check_parse("take=-1&isFavorite=true", "isFavorite=true", &[Field::Take]);
        check_parse("skip=abc&take=", "", &[Field::Skip, Field::Take]);
        check_parse(
            "isArchived=yes&isFavorite=1",
            "",
            &[Field::Archived, Field::Favorite],
        );
        check_parse("userId=me&type=photo", "type=photo", &[Field::UserId]);
        // A v1 UUID is not a v4.
        check_parse(
            "userId=0f6b2a52-6f0e-1c8e-9a4b-3b1f0c2d4e5f",
            "",
            &[Field::UserId],
        );
        check_parse("updatedAfter=yesterday", "", &[Field::UpdatedAfter]);
        check_parse(
            "type=audio&trashed=maybe&offline=0&paged=yes&withPartners=1",
            "",
            &[
                Field::Type,
                Field::Trashed,
                Field::Offline,
                Field::Paged,
                Field::WithPartners,
            ],
        );
        check_parse(
            "takenFrom=2024-13-01&takenTo=2024-1-5",
            "",
            &[Field::TakenFrom, Field::TakenTo],
        );
        check_parse("q=%ZZ&take=3", "take=3", &[Field::Text]);
        check_parse("q=%C3", "", &[Field::Text]);
        check_parse("take=%", "", &[Field::Take]);
        // The first of a repeated key wins.
        check_parse(
            "take=1&take=2&type=photo&type=video",
            "take=1&type=photo",
            &[Field::Take, Field::Type],
        );
        // Empty ranges: neither bound is applied, the error is on the end.
        check_parse(
            "updatedAfter=2024-02-01T00:00:00Z&updatedBefore=2024-01-01T00:00:00Z&take=1",
            "take=1",
            &[Field::UpdatedBefore],
        );
        check_parse(
            "takenFrom=2024-02-01&takenTo=2024-01-31",
            "",
            &[Field::TakenTo],
        );
        // Equal bounds are a one-instant / one-day range, not an error.
        check_parse(
            "takenFrom=2024-02-01&takenTo=2024-02-01",
            "takenFrom=2024-02-01&takenTo=2024-02-01",
            &[],
        );
    }

    #[test]
    fn parsing_never_panics_on_odd_input() {
        for text in [
            "%",
            "%%",
            "=",
            "==",
            "&=&",
            "take=%F0%9F%98",
            "q=%E2%82%AC",
            "?",
            "??take=1",
            "userId=\u{1F600}",
            "takenFrom=+002024-01-01",
        ] {
            let _ = ViewState::parse_search(text);
        }
    }

    #[test]
    fn merge_keeps_other_parameters() {
        let mut s = ViewState::default();
        s.query.take = Some(10);
        s.refine.text = "x".into();
        assert_eq!(
            merge_search("?key=abc&take=5&q=old&embed", &s),
            "take=10&q=x&key=abc&embed"
        );
        assert_eq!(merge_search("", &ViewState::default()), "");
        assert_eq!(merge_search("q=1&paged=1", &ViewState::default()), "");
        assert_eq!(merge_search("a=1", &ViewState::default()), "a=1");
    }

    #[test]
    fn days_and_dates() {
        assert_eq!(day(1970, 1, 1), 0);
        assert_eq!(day(1970, 1, 2), 1);
        assert_eq!(day(1969, 12, 31), -1);
        assert_eq!(parse_day("2024-02-29"), Ok(day(2024, 2, 29)));
        assert_eq!(format_day(day(2024, 2, 29)), "2024-02-29");
        assert!(parse_day("2023-02-29").is_err());
        assert!(parse_day("20240101").is_err());
        assert_eq!(format_day(i32::MAX), "");
    }

    fn check_local(input: &str, offset_east: i32, utc: &str) {
        let local = parse_local_input(input).unwrap();
        let got = local_to_utc(local, offset_east);
        assert_eq!(iso::format(&got), utc, "{input} at {offset_east}");
        // And back to the same wall-clock text.
        assert_eq!(format_local_input(utc_to_local(got, offset_east)), input);
    }

    #[test]
    fn local_and_utc() {
        check_local("2024-01-05T10:11", 60, "2024-01-05T09:11:00.000Z");
        check_local("2024-01-05T00:30", 60, "2024-01-04T23:30:00.000Z");
        check_local("2024-07-01T12:00", -420, "2024-07-01T19:00:00.000Z");
        check_local("2024-03-10T05:45:30", 330, "2024-03-10T00:15:30.000Z");
        check_local("2024-12-31T23:59:59.999", 0, "2024-12-31T23:59:59.999Z");
        check_local("2024-01-01T00:00", -570, "2024-01-01T09:30:00.000Z");
        let ms = |t: &str| parse_local_input(t).map(|t| iso::format(&t));
        assert_eq!(
            ms("2024-01-05T10:11:12.5").as_deref(),
            Some("2024-01-05T10:11:12.500Z")
        );
        assert_eq!(
            ms(" 2024-01-05T10:11:12.123456789 ").as_deref(),
            Some("2024-01-05T10:11:12.123Z")
        );
        for bad in [
            "2024-01-05",
            "nonsense",
            "",
            "2024-01-05T1:11",
            "2024-01-05T10:11:",
            "2024-01-05T10:11:12.",
            "2024-01-05T10:11:12.1234567890",
            "2024-01-05T10:11:12Z",
            "2024-01-05T24:00",
            "2024-01-05T10:60",
            "2024-02-30T10:11",
            "2024-01-05 10:11",
            "2024-01-05T10-11",
        ] {
            assert_eq!(parse_local_input(bad), None, "{bad}");
        }
        assert_eq!(offset_label(60), "UTC+01:00");
        assert_eq!(offset_label(-210), "UTC-03:30");
        assert_eq!(offset_label(0), "UTC+00:00");
        assert_eq!(Zone::Fixed(120).label(), "UTC+02:00");
    }

    /// A Paris-like zone: +60, +120 from 2024-03-31T01:00Z to 2024-10-27T01:00Z.
    fn paris(at: Timestamp) -> i32 {
        if at >= date("2024-03-31T01:00:00Z") && at < date("2024-10-27T01:00:00Z") {
            120
        } else {
            60
        }
    }

    fn check_zone(input: &str, utc: &str) {
        let local = parse_local_input(input).unwrap();
        assert_eq!(
            iso::format(&local_to_utc_with(local, paris)),
            utc,
            "{input}"
        );
    }

    #[test]
    fn summer_time_uses_the_offset_in_force() {
        check_zone("2024-01-15T12:00", "2024-01-15T11:00:00.000Z");
        check_zone("2024-07-15T12:00", "2024-07-15T10:00:00.000Z");
        // Just before and after the spring change (02:00 → 03:00 local).
        check_zone("2024-03-31T01:59", "2024-03-31T00:59:00.000Z");
        check_zone("2024-03-31T03:00", "2024-03-31T01:00:00.000Z");
        // Just after the autumn change (03:00 → 02:00 local), later half.
        check_zone("2024-10-27T03:00", "2024-10-27T02:00:00.000Z");
        let fixed = Zone::Fixed(-300);
        let local = parse_local_input("2024-05-01T08:00").unwrap();
        assert_eq!(
            iso::format(&fixed.to_utc(local)),
            "2024-05-01T13:00:00.000Z"
        );
        assert_eq!(fixed.to_local(fixed.to_utc(local)), local);
    }

    #[test]
    fn context_commits_valid_states_only() {
        let owner = Owner::new();
        owner.set();
        let ctx = ViewStateContext::from_search("take=5&type=photo&skip=-1");
        assert_eq!(ctx.query().get_untracked().take, Some(5));
        assert_eq!(ctx.refine().get_untracked().kind, TypeFilter::Photos);
        assert_eq!(ctx.url_errors().get_untracked().len(), 1);

        // A bad user id is refused as a whole: nothing changes.
        let mut bad = ctx.state().get_untracked();
        bad.query.user_id = Some("nobody".into());
        bad.paged = true;
        assert!(ctx.set(bad, HistoryMode::Push).is_err());
        assert!(!ctx.paged().get_untracked());

        ctx.update(HistoryMode::Replace, |s| s.refine.text = "paris".into())
            .unwrap();
        assert_eq!(ctx.refine().get_untracked().text, "paris");
        assert_eq!(ctx.query().get_untracked().take, Some(5));
        assert!(ctx.url_errors().get_untracked().is_empty());

        ctx.restore("?isFavorite=true");
        assert_eq!(ctx.query().get_untracked().is_favorite, Some(true));
        assert_eq!(ctx.refine().get_untracked(), Refinements::default());

        ctx.reset();
        assert_eq!(ctx.state().get_untracked(), ViewState::default());
    }
}
