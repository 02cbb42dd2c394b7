//! The timeline scrubber: one mark per month section at its fraction of the
//! total height, and the inverse mapping for clicks and drags.

use crate::{civil::YearMonth, grid::Grid};

/// A month on the scrubber.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScrubberMark {
    /// Section index.
    pub section: u32,
    /// The month.
    pub month: YearMonth,
    /// Real position of the section's month header.
    pub top: f64,
    /// `top / total_height`, in `[0, 1)`.
    pub fraction: f64,
}

impl Grid {
    /// One mark per month section, top to bottom. Fractions move as
    /// estimates are replaced by real heights; recompute after layout.
    pub fn scrubber_marks(&self) -> Vec<ScrubberMark> {
        let total = self.total_height();
        self.section_month
            .iter()
            .enumerate()
            .map(|(s, &month)| {
                let g = self.section_first_group[s] as usize;
                let top = self.line_top[self.group_line[g] as usize];
                let fraction = if total > 0.0 { top / total } else { 0.0 };
                ScrubberMark {
                    section: s as u32,
                    month,
                    top,
                    fraction,
                }
            })
            .collect()
    }

    /// Scroll top for a click/drag at `fraction` (0 = top, 1 = bottom) of
    /// the scrubber: `fraction * total_height`, clamped to the scrollable
    /// range, so a mark's fraction scrolls to its month header and 1.0 to the end.
    pub fn scroll_top_for_fraction(&self, fraction: f64, viewport_h: f64) -> f64 {
        let f = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        (f * self.total_height()).clamp(0.0, self.max_scroll_top(viewport_h))
    }

    /// Where the scrubber's position indicator goes for a scroll top.
    pub fn fraction_for_scroll_top(&self, scroll_top: f64) -> f64 {
        let total = self.total_height();
        if total > 0.0 {
            (scroll_top / total).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// The month section whose block contains real position `y` (for the
    /// label shown while dragging), `None` when ungrouped or empty.
    pub fn section_at_y(&self, y: f64) -> Option<u32> {
        if self.section_month.is_empty() {
            return None;
        }
        Some(self.section_of_group(self.group_at_y(y)))
    }

    /// The month of section `s`.
    pub fn section_month(&self, s: u32) -> Option<YearMonth> {
        self.section_month.get(s as usize).copied()
    }

    /// Groups of section `s`.
    pub fn section_groups(&self, s: u32) -> Option<std::ops::Range<u32>> {
        let s = s as usize;
        (s < self.section_month.len())
            .then(|| self.section_first_group[s]..self.section_first_group[s + 1])
    }
}

#[cfg(test)]
mod tests {
    use crate::{grid::tests::library, Grid, LayoutConfig, YearMonth};

    #[test]
    fn marks_follow_month_sections_and_round_trip() {
        let (a, d) = library(50_000, 40, 12);
        let mut g = Grid::new(LayoutConfig::default(), &a, &d);
        g.layout_all();
        let vh = 900.0;
        let marks = g.scrubber_marks();
        assert_eq!(marks.len() as u32, g.section_count());
        assert!(marks.len() > 12);
        assert_eq!(marks[0].fraction, 0.0);
        assert_eq!(
            marks[0].month,
            YearMonth {
                year: 2025,
                month: 12
            }
        );
        for w in marks.windows(2) {
            assert!(w[0].fraction < w[1].fraction, "ordered top to bottom");
            assert!(w[0].month > w[1].month, "newest first");
        }
        for m in &marks {
            let s = g.scroll_top_for_fraction(m.fraction, vh);
            if m.top <= g.max_scroll_top(vh) {
                // Clicking a mark scrolls to its month header ...
                assert!((s - m.top).abs() < 1e-6);
                assert!((g.fraction_for_scroll_top(s) - m.fraction).abs() < 1e-12);
                // ... and the label while dragging there is that month.
                assert_eq!(g.section_at_y(s + 1.0), Some(m.section));
                assert_eq!(g.section_month(m.section), Some(m.month));
            } else {
                assert_eq!(s, g.max_scroll_top(vh), "marks near the end clamp");
            }
        }
        // Dragging to the bottom reaches the end; garbage stays at the top.
        assert_eq!(g.scroll_top_for_fraction(1.0, vh), g.max_scroll_top(vh));
        assert_eq!(g.scroll_top_for_fraction(f64::NAN, vh), 0.0);
        // Ungrouped grids have no marks.
        assert!(Grid::new(LayoutConfig::default(), &a, &[])
            .scrubber_marks()
            .is_empty());
    }
}
