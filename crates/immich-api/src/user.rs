//! `UserResponseDto`.

use crate::{Timestamp, UserAvatarColor, UserStatus};

/// `UserResponseDto`: a user as `/api/user/me`, `/api/user` and
/// `/api/user/info/{id}` return it (`GET /api/user` returns a `Vec` of these).
///
/// Fields are declared in the order Immich's mapper writes them, so a
/// serialized value has Immich's key order (ETags hash the bytes).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct UserResponseDto {
    /// User id (a UUID).
    pub id: String,
    /// E-mail address (the login).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Avatar image path on the server (empty when none).
    pub profile_image_path: String,
    /// Default avatar colour.
    pub avatar_color: UserAvatarColor,
    /// Storage label; required but nullable.
    #[cfg_attr(feature = "serde", serde(with = "crate::nullable::required"))]
    pub storage_label: Option<String>,
    /// Must change password at next login.
    pub should_change_password: bool,
    /// Administrator.
    pub is_admin: bool,
    /// Creation time.
    pub created_at: Timestamp,
    /// Deletion time; required but nullable.
    #[cfg_attr(feature = "serde", serde(with = "crate::nullable::required"))]
    pub deleted_at: Option<Timestamp>,
    /// Last update.
    pub updated_at: Timestamp,
    /// OAuth subject (empty when none).
    pub oauth_id: String,
    /// Whether memories are shown; optional in the spec (omitted when `None`,
    /// though Immich always sends it).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub memories_enabled: Option<bool>,
    /// Quota in bytes; required but nullable (`null` = unlimited).
    #[cfg_attr(feature = "serde", serde(with = "crate::nullable::required"))]
    pub quota_size_in_bytes: Option<i64>,
    /// Bytes used; required but nullable.
    #[cfg_attr(feature = "serde", serde(with = "crate::nullable::required"))]
    pub quota_usage_in_bytes: Option<i64>,
    /// Account status.
    pub status: UserStatus,
}
