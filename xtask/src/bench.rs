//! Browser benchmarks (filled in by the benchmark issue).

use anyhow::Result;

use crate::{tools::Tools, Built};

/// The full benchmark run.
pub fn bench(_opts: &[String]) -> Result<()> {
    anyhow::bail!("bench is not written yet")
}

/// A small run of the benchmark so it cannot rot; no thresholds.
pub fn smoke(_t: &Tools, _built: &Built) -> Result<()> {
    Ok(())
}
