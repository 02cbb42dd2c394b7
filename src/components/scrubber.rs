//! The timeline scrubber: a thin column at the grid's right edge with year
//! labels and month ticks; hovering shows the month under the pointer, and
//! clicking or dragging jumps there.
//!
//! Month ticks are one SVG path (one DOM node however many months the library
//! spans); year labels are thinned so they never overlap.

use grid_core::ScrubberMark;

use std::sync::Arc;

use crate::locale::Locale;
use leptos::{html, prelude::*};

/// Smallest gap between two year labels, as a fraction of the scrubber height.
const MIN_LABEL_GAP: f64 = 0.035;

/// `May 2024` (in `locale`).
pub fn month_label(mark: &ScrubberMark, locale: &Locale) -> String {
    locale.month_year(mark.month.year, u32::from(mark.month.month))
}

/// The mark a pointer at `fraction` is over: the last mark at or above it.
pub fn mark_at(marks: &[ScrubberMark], fraction: f64) -> Option<&ScrubberMark> {
    let i = marks.partition_point(|m| m.fraction <= fraction);
    marks.get(i.saturating_sub(1))
}

/// Year labels to draw: the first month of each year, skipping any closer
/// than [`MIN_LABEL_GAP`] to the previous label.
pub fn year_labels(marks: &[ScrubberMark]) -> Vec<(f64, i32)> {
    let mut out: Vec<(f64, i32)> = Vec::new();
    let mut last_year = None;
    for m in marks {
        if last_year == Some(m.month.year) {
            continue;
        }
        last_year = Some(m.month.year);
        if out
            .last()
            .is_none_or(|&(f, _)| m.fraction - f >= MIN_LABEL_GAP)
        {
            out.push((m.fraction, m.month.year));
        }
    }
    out
}

/// SVG path data for the month ticks in a `0 0 10 1000` view box.
pub fn ticks_path(marks: &[ScrubberMark]) -> String {
    let mut d = String::with_capacity(marks.len() * 16);
    for m in marks {
        let y = (m.fraction * 1000.0).clamp(0.0, 1000.0);
        d.push_str(&format!("M4 {y:.2}h6"));
    }
    d
}

/// Where a key moves the scrubber as a slider (`None`: not its key): arrows
/// by 1 % of the library, Page Up/Down by 10 %, Home and End to the ends.
pub fn slider_key(key: &str, now: f64) -> Option<f64> {
    let to = match key {
        "ArrowUp" | "ArrowLeft" => now - 0.01,
        "ArrowDown" | "ArrowRight" => now + 0.01,
        "PageUp" => now - 0.1,
        "PageDown" => now + 0.1,
        "Home" => 0.0,
        "End" => 1.0,
        _ => return None,
    };
    Some(to.clamp(0.0, 1.0))
}

/// The scrubber column. Fractions are of the whole grid's height (0 = top).
#[component]
pub fn Scrubber(
    /// Month sections of the grid, top to bottom.
    #[prop(into)]
    marks: Signal<Vec<ScrubberMark>>,
    /// Where the view is, as a fraction (drawn as a line).
    #[prop(into)]
    position: Signal<f64>,
    /// Click or drag at a fraction of the height.
    on_seek: Callback<f64>,
) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    let dragging = RwSignal::new(false);
    let hover = RwSignal::new(None::<(f64, String)>);

    let fraction_of = move |ev: &web_sys::PointerEvent| -> Option<f64> {
        let el = root.get_untracked()?;
        let r = el.get_bounding_client_rect();
        if r.height() <= 0.0 {
            return None;
        }
        // The outermost pixels mean "the very top / end": pointer
        // coordinates are integers, so the last pixel row is never 1.0.
        let y = f64::from(ev.client_y()) - r.top();
        Some(if y <= 1.0 {
            0.0
        } else if y >= r.height() - 2.0 {
            1.0
        } else {
            (y / r.height()).clamp(0.0, 1.0)
        })
    };
    let locale = StoredValue::new(use_context::<Arc<Locale>>().unwrap_or_default());
    let show = move |f: f64| {
        let label = marks
            .with_untracked(|m| mark_at(m, f).map(|k| locale.with_value(|l| month_label(k, l))));
        hover.set(label.map(|l| (f, l)));
    };

    let labels = move || {
        marks
            .with(|m| year_labels(m))
            .into_iter()
            .map(|(f, y)| {
                view! {
                    <span class="ig-scrub-year" style:top=format!("{:.3}%", f * 100.0)>{y}</span>
                }
            })
            .collect_view()
    };

    view! {
        <div
            class="ig-scrubber"
            class:dragging=move || dragging.get()
            data-testid="scrubber"
            role="slider"
            tabindex="0"
            aria-label="Position in the library"
            aria-orientation="vertical"
            aria-valuemin="0"
            aria-valuemax="100"
            aria-valuenow=move || format!("{:.0}", position.get().clamp(0.0, 1.0) * 100.0)
            aria-valuetext=move || {
                let f = position.get().clamp(0.0, 1.0);
                marks.with(|m| mark_at(m, f).map(|k| locale.with_value(|l| month_label(k, l)))).unwrap_or_default()
            }
            node_ref=root
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                let now = position.get_untracked().clamp(0.0, 1.0);
                if let Some(f) = slider_key(&ev.key(), now) {
                    ev.prevent_default();
                    on_seek.run(f);
                }
            }
            on:pointerdown=move |ev: web_sys::PointerEvent| {
                if ev.button() != 0 {
                    return;
                }
                ev.prevent_default();
                if let Some(el) = root.get_untracked() {
                    let _ = el.set_pointer_capture(ev.pointer_id());
                }
                dragging.set(true);
                if let Some(f) = fraction_of(&ev) {
                    show(f);
                    on_seek.run(f);
                }
            }
            on:pointermove=move |ev: web_sys::PointerEvent| {
                if let Some(f) = fraction_of(&ev) {
                    show(f);
                    if dragging.get_untracked() {
                        on_seek.run(f);
                    }
                }
            }
            on:pointerup=move |ev: web_sys::PointerEvent| {
                dragging.set(false);
                if let Some(el) = root.get_untracked() {
                    let _ = el.release_pointer_capture(ev.pointer_id());
                }
            }
            on:pointercancel=move |_| dragging.set(false)
            on:pointerleave=move |_| {
                if !dragging.get_untracked() {
                    hover.set(None);
                }
            }
        >
            <svg class="ig-scrub-ticks" viewBox="0 0 10 1000" preserveAspectRatio="none">
                <path d=move || marks.with(|m| ticks_path(m)) />
            </svg>
            {labels}
            <div
                class="ig-scrub-pos"
                style:top=move || format!("{:.3}%", position.get().clamp(0.0, 1.0) * 100.0)
            ></div>
            {move || {
                hover
                    .get()
                    .map(|(f, label)| {
                        view! {
                            <div
                                class="ig-scrub-hover"
                                style:top=format!("{:.3}%", f * 100.0)
                            >
                                {label}
                            </div>
                        }
                    })
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grid_core::YearMonth;

    fn mark(fraction: f64, year: i32, month: u8) -> ScrubberMark {
        ScrubberMark {
            section: 0,
            month: YearMonth { year, month },
            top: fraction * 1000.0,
            fraction,
        }
    }

    #[test]
    fn slider_keys() {
        assert_eq!(slider_key("End", 0.3), Some(1.0));
        assert_eq!(slider_key("Home", 0.3), Some(0.0));
        assert_eq!(slider_key("PageDown", 0.95), Some(1.0));
        assert_eq!(slider_key("ArrowUp", 0.0), Some(0.0));
        assert!((slider_key("ArrowDown", 0.5).unwrap_or(0.0) - 0.51).abs() < 1e-9);
        assert_eq!(slider_key("a", 0.5), None);
    }

    #[test]
    fn pointer_maps_to_the_month_above_it() {
        let marks = [mark(0.0, 2024, 5), mark(0.3, 2024, 4), mark(0.7, 2023, 12)];
        let check = |f, expected: Option<&str>| {
            assert_eq!(
                mark_at(&marks, f)
                    .map(|k| month_label(k, &Locale::english()))
                    .as_deref(),
                expected,
                "{f}"
            );
        };
        check(0.0, Some("May 2024"));
        check(0.29, Some("May 2024"));
        check(0.3, Some("April 2024"));
        check(0.99, Some("December 2023"));
        assert!(mark_at(&[], 0.5).is_none());
    }

    #[test]
    fn year_labels_are_thinned() {
        let marks = [
            mark(0.0, 2024, 2),
            mark(0.01, 2023, 12), // too close to 2024's label
            mark(0.2, 2023, 6),
            mark(0.5, 2022, 12),
        ];
        assert_eq!(year_labels(&marks), vec![(0.0, 2024), (0.5, 2022)]);
    }

    #[test]
    fn one_tick_per_month() {
        let d = ticks_path(&[mark(0.0, 2024, 1), mark(0.5, 2023, 12)]);
        assert_eq!(d, "M4 0.00h6M4 500.00h6");
    }
}
