//! `PartnerResponseDto`: the answer of `GET /api/partner`.

use crate::UserResponseDto;

/// `PartnerResponseDto`: one partner as `GET /api/partner?direction=…` returns
/// it (the body is a `Vec` of these, [`crate::PartnerListResponse`]).
///
/// The spec's schema is every [`UserResponseDto`] property plus the optional
/// `inTimeline`, and Immich builds it the same way (the partner's user mapped
/// as for `/api/user`, then `inTimeline` added last). Flattening the user
/// keeps that shape on the wire, byte for byte and key order included, while
/// the app gets a plain [`UserResponseDto`] it can treat like any other user.
/// `tests/contract.rs` checks the flattened keys against the spec.
///
/// Which user `user` is depends on the direction asked for: with
/// [`crate::PartnerDirection::SharedWith`] it is somebody who shares their
/// library with the caller (a valid `userId` for `GET /api/asset`); with
/// [`crate::PartnerDirection::SharedBy`] it is somebody the caller shares with.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct PartnerResponseDto {
    /// The partner, with every `UserResponseDto` field at the top level of the object.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub user: UserResponseDto,
    /// Whether the partner's assets are shown in the timeline of the user they
    /// share with; optional in the spec (omitted when `None`, though Immich
    /// always sends it).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub in_timeline: Option<bool>,
}
