//! The library side of immich-grid, with no I/O:
//!
//! - [`LibraryIndex`]: a compact index of the assets the grid shows, in shared
//!   chunks of columns (48 fixed bytes an asset plus string and thumbhash arenas
//!   per chunk);
//! - [`decode_page`]: a single-pass byte-level decoder from a `GET /api/asset` body
//!   straight into a [`LibraryIndex`], without building DTOs;
//! - [`PageSet`]: the pure state machine of a paged load (skip/take) with ETag
//!   verification passes, merging pages without duplicates;
//! - [`refine::apply`]: in-app refinements (type, trash, offline, text, date range);
//! - [`cache`]: the ETag cache policy over a synchronous key-value store;
//! - [`snapshot`]: decoded pages as checked binary snapshots, stored instead of
//!   the raw bodies so a reload does not parse JSON again;
//! - [`sync`]: delta sync: which pass a load runs, what a delta does to the held
//!   index, and when to fall back to ETag verification ([`LibrarySync`]);
//! - [`flavour`]: which API a server speaks from its version (`GET /api/asset`
//!   for v1.98–v1.105, timeline months for v1.135–v3) and a month as a chunk;
//! - [`ties`]: order ties (same `fileCreatedAt`) that pages split: what is
//!   missing and the one request that lists it;
//! - [`retry`]: what a failed request leads to (a quick retry honouring
//!   `Retry-After`, a page set aside and asked again later, or a stop).
//!
//! Nothing here reads a clock, touches the network or storage itself, or panics on
//! input: every fallible step returns a typed error.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod cache;
mod chunk;
mod decode;
mod dedupe;
pub mod flavour;
mod index;
mod pages;
pub mod refine;
pub mod retry;
pub mod scopes;
pub mod snapshot;
pub mod sync;
pub mod ties;
mod time;

pub use cache::{
    CacheEvent, CacheMode, CachePolicy, CacheScope, HeldAnswer, InMemoryKv, KvStore, StoreError,
    UncachedReason,
};
pub use chunk::FIXED_BYTES_PER_ASSET;
pub use decode::{decode_page, DecodeError, DecodeErrorKind};
pub use flavour::{flavour_for, month_index, ApiFlavour, MonthError, Unsupported};
pub use index::{
    AssetFlags, AssetId, AssetKind, AssetRecord, AssetView, IdSet, IndexError, LibraryIndex,
    UuidHasher, CHUNK_ASSETS,
};
pub use pages::{PageError, PageRequest, PageResponse, PageSet, PageSetPhase};
pub use refine::{apply, apply_with_counts, FilterCounts, Refinements, TypeFilter};
pub use scopes::{key_warning, KeyWarning, READ_ONLY_PERMISSIONS};
pub use sync::{
    apply_delta, delta_applies, parse_http_date, plan, requests_ahead, watermark_from_date,
    DeltaEffect, DeltaFailure, LibrarySync, Plan, PlanInput, SyncEnd, SyncPhase, SyncRecord,
    SyncRequest, VerifyReason, ViewFilter,
};
pub use time::{parse_duration_ms, parse_timestamp_ms, DAY_MS};
