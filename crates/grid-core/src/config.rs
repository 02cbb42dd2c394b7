//! Tunables of the grid, in one place, and their sanitised form used by the hot loops.

/// How tiles are sized inside a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LayoutMode {
    /// Rows of tiles that keep their aspect ratio and are scaled so each full
    /// row fills the container width (Google Photos / Immich style).
    #[default]
    Justified,
    /// A fixed number of columns (`width / target_row_height`), every tile square.
    Square,
}

/// Everything that decides the geometry. All lengths are CSS pixels.
///
/// Any value may come from user input or a zero-sized element; [`LayoutConfig`]
/// is sanitised before use (non-finite or non-positive values fall back to
/// safe minimums) so layout never divides by zero or panics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayoutConfig {
    /// Width of the grid's content box.
    pub width: f32,
    /// Row height the justified packer aims for; in square mode the target tile size.
    pub target_row_height: f32,
    /// Space between tiles horizontally and between rows vertically.
    pub gap: f32,
    /// A full row is stretched to fill the width but never taller than
    /// `target_row_height * max_row_height_factor` (it is left narrower instead).
    pub max_row_height_factor: f32,
    /// Panoramas are treated as if their width/height were at most this (the
    /// image is cropped by the view, e.g. `object-fit: cover`). The effective
    /// maximum is further capped so a lone tile at target height fits the width.
    pub max_aspect: f32,
    /// Very tall images (screenshots, receipts) are treated as at least this wide.
    pub min_aspect: f32,
    /// Justified or square tiles.
    pub mode: LayoutMode,
    /// Height of the header above each day group (0 for none).
    pub day_header_height: f32,
    /// Height of the extra header above the first day group of each month (0 for none).
    pub month_header_height: f32,
    /// Vertical space after each group's last row.
    pub group_gap: f32,
    /// Justified mode only: small day groups (whose tiles fit one row at the
    /// target height) of the same month flow side by side on one line, each
    /// under its own day header, instead of each starting its own rows. A
    /// line that is closed because the next day does not fit is justified
    /// like a full row (same stretch cap and closest-to-target rule); the
    /// last line before a bigger day, a new month or the end keeps the target.
    pub flow_days: bool,
    /// Horizontal space between day groups sharing a line.
    pub day_spacing: f32,
}

impl Default for LayoutConfig {
    fn default() -> Self {
        Self {
            width: 1200.0,
            target_row_height: 235.0,
            gap: 4.0,
            max_row_height_factor: 1.5,
            max_aspect: 3.0,
            min_aspect: 0.25,
            mode: LayoutMode::Justified,
            day_header_height: 48.0,
            month_header_height: 64.0,
            group_gap: 8.0,
            flow_days: true,
            day_spacing: 16.0,
        }
    }
}

/// The largest width, row height or header height the layout takes, in px.
const MAX_PX: f32 = 1_000_000.0;

/// `v` if it is a finite number `>= min`, else `fallback`.
fn finite_at_least(v: f32, min: f32, fallback: f32) -> f32 {
    if v.is_finite() && v >= min {
        v
    } else {
        fallback
    }
}

/// Width-dependent constants derived once per layout pass so the per-tile loop
/// only does adds, multiplies and compares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Params {
    pub width: f32,
    pub target: f32,
    pub gap: f32,
    pub max_h: f32,
    /// Aspect clamp bounds, `lo <= hi`.
    pub lo: f32,
    pub hi: f32,
    /// `clamp(1.0)`: what an unusable input aspect becomes.
    pub one: f32,
    pub square: bool,
    /// Square mode only.
    pub cols: u32,
    pub size: f32,
    pub day_header: f64,
    pub month_header: f64,
    pub group_gap: f64,
    /// Whether small day groups flow side by side (justified, grouped only).
    pub flow: bool,
    pub day_spacing: f32,
}

impl Params {
    pub(crate) fn new(cfg: &LayoutConfig) -> Self {
        // Caps keep every sum finite whatever the input (found by fuzzing:
        // a row height near f32::MAX made the total height infinite).
        let width = finite_at_least(cfg.width, 1.0, 1.0).min(MAX_PX);
        let target = finite_at_least(cfg.target_row_height, 1.0, 1.0).min(MAX_PX);
        // A gap wider than half the container would leave no room for tiles.
        let gap = finite_at_least(cfg.gap, 0.0, 0.0).min(width * 0.5);
        let max_h = target * finite_at_least(cfg.max_row_height_factor, 1.0, 1.0).min(100.0);
        let lo = finite_at_least(cfg.min_aspect, 1e-3, 1e-3);
        // Cap panoramas so one tile at target height never exceeds the width.
        let hi = finite_at_least(cfg.max_aspect, lo, lo)
            .min(width / target)
            .max(lo);
        let cols = (((width + gap) / (target + gap)).floor() as u32).max(1);
        let size = ((width - (cols - 1) as f32 * gap) / cols as f32).max(1.0);
        Self {
            width,
            target,
            gap,
            max_h,
            lo,
            hi,
            one: 1.0f32.max(lo).min(hi),
            square: cfg.mode == LayoutMode::Square,
            cols,
            size,
            day_header: f64::from(finite_at_least(cfg.day_header_height, 0.0, 0.0).min(MAX_PX)),
            month_header: f64::from(finite_at_least(cfg.month_header_height, 0.0, 0.0).min(MAX_PX)),
            group_gap: f64::from(finite_at_least(cfg.group_gap, 0.0, 0.0).min(MAX_PX)),
            flow: cfg.flow_days && cfg.mode == LayoutMode::Justified,
            day_spacing: finite_at_least(cfg.day_spacing, 0.0, 0.0).min(width * 0.5),
        }
    }

    /// The aspect ratio the packer uses for a sanitised input aspect.
    #[inline(always)]
    pub(crate) fn clamp(&self, a: f32) -> f32 {
        // Plain compares (inputs are sanitised, never NaN) compile to
        // minss/maxss; f32::max/min carry NaN handling the hot loop does not need.
        let a = if a < self.lo { self.lo } else { a };
        if a > self.hi {
            self.hi
        } else {
            a
        }
    }

    /// `clamp(sanitize_aspect(raw))` for a raw input aspect, in the hot loop
    /// of [`crate::justified_rects`]. A float is positive, finite and not
    /// zero exactly when its bits are in `1..=0x7f7f_ffff`, so one wrapping
    /// subtract and one unsigned compare replace `is_finite() && > 0`'s
    /// three tests.
    #[inline(always)]
    pub(crate) fn clamp_raw(&self, raw: f32) -> f32 {
        let c = self.clamp(raw);
        if raw.to_bits().wrapping_sub(1) < 0x7f7f_ffff {
            c
        } else {
            self.one
        }
    }

    /// Width of a tile with sanitised aspect `a` in a row of height `h`.
    #[inline(always)]
    pub(crate) fn tile_width(&self, a: f32, h: f32) -> f32 {
        if self.square {
            h
        } else {
            self.clamp(a) * h
        }
    }
}

/// Replaces an unusable aspect ratio (0, negative, NaN, infinite) with 1.0 (a square).
#[inline(always)]
pub fn sanitize_aspect(a: f32) -> f32 {
    if a.is_finite() && a > 0.0 {
        a
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_sizes_keep_the_geometry_finite() {
        let cfg = LayoutConfig {
            width: f32::MAX,
            target_row_height: f32::MAX,
            max_row_height_factor: f32::MAX,
            day_header_height: f32::MAX,
            month_header_height: f32::MAX,
            group_gap: f32::MAX,
            ..LayoutConfig::default()
        };
        let mut g = crate::Grid::new(cfg, &[1.0; 50], &[3, 3, 2, 2, 1]);
        g.layout_all();
        assert!(g.total_height().is_finite());
        let r = g.tile_rect(49).unwrap();
        assert!(r.y.is_finite() && r.h.is_finite() && r.w.is_finite());
    }

    #[test]
    fn clamp_raw_is_clamp_of_sanitize() {
        let p = Params::new(&LayoutConfig::default());
        let inputs = [
            0.0f32,
            -0.0,
            -1.0,
            f32::MIN_POSITIVE,
            1e-45,
            0.1,
            1.0,
            2.5,
            1e30,
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7f80_0001),
        ];
        for raw in inputs {
            assert_eq!(
                p.clamp_raw(raw).to_bits(),
                p.clamp(sanitize_aspect(raw)).to_bits(),
                "{raw}"
            );
        }
    }
}
