//! Fields that are both optional and nullable, where absent and `null` differ.
//!
//! On `AssetResponseDto`, Immich's mapper sends `livePhotoVideoId` as `null`
//! when there is none but leaves `stackParentId` out entirely for an
//! unstacked asset. To write the same bytes back (the fixture server must,
//! since ETags hash the body), such fields are `Option<Option<T>>`:
//!
//! | wire              | Rust             |
//! |-------------------|------------------|
//! | key absent        | `None`           |
//! | `"key": null`     | `Some(None)`     |
//! | `"key": value`    | `Some(Some(v))`  |
//!
//! Plain serde collapses `null` into the outer `None`; this module keeps it.
//! Use as
//! `#[serde(default, skip_serializing_if = "Option::is_none", with = "crate::nullable")]`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Serde `serialize`: `Some(None)` writes `null`, `Some(Some(v))` writes `v`.
/// The outer `None` is skipped by `skip_serializing_if` and never reaches here;
/// if it does (no skip attribute), it is written as `null` too.
pub fn serialize<T: Serialize, S: Serializer>(
    value: &Option<Option<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(Some(v)) => v.serialize(serializer),
        Some(None) | None => serializer.serialize_none(),
    }
}

/// Serde `deserialize`: called only when the key is present, so the result is
/// always `Some(..)`; an absent key comes from `#[serde(default)]` as `None`.
pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Required but nullable fields (`Option<T>`, key always present).
///
/// serde's derive lets a plain `Option<T>` field be missing and reads it as
/// `None`; the spec says these keys are required, so decoding an object
/// without them must fail. Naming a `deserialize_with` function turns that
/// implicit default off. Use as `#[serde(with = "crate::nullable::required")]`.
pub mod required {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serde `serialize`: `None` writes `null`.
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    /// Serde `deserialize`: `null` reads as `None`; a missing key is an error.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<T>::deserialize(deserializer)
    }
}
