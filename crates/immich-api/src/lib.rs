//! Immich v1.103.1 wire types and the `GET /api/asset` query, and the
//! timeline of current servers (v1.135 to v3: `GET /api/timeline/buckets` and
//! `/bucket`, columnar months, checked by [`decode_time_bucket`]; contract in
//! `testdata/openapi-v3.1.0-timeline.json`, `tests/contract_v3.rs`).
//!
//! Field for field the server's OpenAPI document of that release
//! (`testdata/openapi-v1.103.1.json`; `tests/contract.rs` checks it). The
//! crate does no I/O and depends on thiserror only, so both the wasm app and
//! the native fixture server use it. The app reads JSON with the crate's own
//! [`json`] pull reader: every wire type it decodes implements
//! [`json::FromJson`] by hand (no serde in the wasm). The serde derives (and
//! the helper modules `nullable` and `js_number` they use) are behind the
//! optional `serde` feature, off by default, which the native crates (the
//! fixture server, the proxy) and the tests turn on; `tests/read.rs` checks
//! each hand reader against its derive.
//!
//! Conventions (details on each type):
//! - required, non-nullable → `T`; required, nullable → `Option<T>` written as `null`;
//!   optional → `Option<T>` omitted when `None`; optional and nullable →
//!   `Option<Option<T>>` where absent and `null` differ on the wire (module
//!   `nullable`, feature `serde`),
//!   or `Option<T>` written as `null` where Immich always sends the key
//!   ([`ExifResponseDto`], [`SmartInfoResponseDto`]).
//! - dates are [`Timestamp`]s (a JS `Date`'s milliseconds), written like JS
//!   `toISOString()` ([`iso`]); `format: date` values are [`Date`]s.
//! - string enums keep unknown values in an `Unknown(String)` variant; unknown
//!   object keys are ignored.
//! - `number` fields are `f64` written like JavaScript (whole numbers without `.0`),
//!   `integer` fields are `i64`; decoding then encoding an Immich body gives
//!   back the same bytes (`tests/decode.rs` checks this).
//!
//! ```
//! use immich_api::{AssetQuery, AssetResponseDto};
//!
//! let query = AssetQuery { take: Some(1000), is_favorite: Some(true), ..Default::default() };
//! assert_eq!(query.to_query_string(), "isFavorite=true&take=1000");
//! assert_eq!(AssetQuery::from_query_string("?take=1000&isFavorite=true")?, query);
//!
//! let body = r#"[]"#; // the body of GET /api/asset?isFavorite=true&take=1000
//! let assets: Vec<AssetResponseDto> = immich_api::json::from_slice(body.as_bytes()).unwrap_or_default();
//! assert!(assets.is_empty());
//! # Ok::<(), immich_api::QueryError>(())
//! ```

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))] // reason: tests fail loudly.

mod asset;
mod enums;
pub mod iso;
mod js_number;
pub mod json;
#[cfg(feature = "serde")]
pub mod nullable;
mod partner;
mod query;
mod read;
mod server;
pub mod time;
mod timeline;
mod user;

pub use asset::{
    parse_duration, AssetFaceWithoutPersonResponseDto, AssetResponseDto, AssetStatsResponseDto,
    AuditDeletesResponseDto, ExifResponseDto, PersonWithFacesResponseDto, SmartInfoResponseDto,
    TagResponseDto,
};
pub use enums::{
    AssetTypeEnum, AssetVisibility, PartnerDirection, TagTypeEnum, UserAvatarColor, UserStatus,
};
pub use js_number::JsNumber;
pub use partner::PartnerResponseDto;
pub use query::{is_uuid_v4, percent_decode, AssetQuery, QueryError};
pub use server::{ErrorMessage, ErrorResponse, ServerPingResponse, ServerVersionResponseDto};
pub use time::{Civil, Date, Timestamp};
pub use timeline::{
    bucket_month, bucket_param, decode_time_bucket, decode_time_buckets, ApiKeyResponseDto,
    BucketDuration, BucketLimits, ServerVersionV3ResponseDto, TimeBucketAssetResponseDto,
    TimeBucketListResponse, TimeBucketQuery, TimeBucketsResponseDto, TimelineError,
};
pub use user::UserResponseDto;

/// Body of `GET /api/user`: every user.
pub type UserListResponse = Vec<UserResponseDto>;

/// Body of `GET /api/partner?direction=…`: the partners in that direction.
pub type PartnerListResponse = Vec<PartnerResponseDto>;

/// Body of `GET /api/asset`: the assets, `fileCreatedAt` descending.
pub type AssetListResponse = Vec<AssetResponseDto>;
