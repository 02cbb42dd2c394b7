//! The small JSON answers the app reads (user, version, ping, statistics,
//! audit deletes, partners, the full asset, the error body) with immich-api's
//! hand readers: any bytes, no panic, and the same verdict as the serde
//! derives (accepted with an equal value, or refused).
#![no_main]
use immich_api::json::{self, FromJson};
use immich_api::{
    AssetResponseDto, AssetStatsResponseDto, AuditDeletesResponseDto, ErrorResponse,
    PartnerResponseDto, ServerPingResponse, ServerVersionResponseDto, UserResponseDto,
};
use libfuzzer_sys::fuzz_target;

fn same<T>(data: &[u8])
where
    T: FromJson + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let ours = json::from_slice::<T>(data);
    let theirs = serde_json::from_slice::<T>(data);
    if let (Ok(a), Ok(b)) = (&ours, &theirs) {
        assert_eq!(a, b);
    }
    // serde also reads a struct from an array of its fields, and refuses
    // lone surrogate escapes the hand reader reads as U+FFFD: only values
    // both accept are compared.
}

fuzz_target!(|data: &[u8]| {
    same::<UserResponseDto>(data);
    same::<Vec<UserResponseDto>>(data);
    same::<ServerVersionResponseDto>(data);
    same::<ServerPingResponse>(data);
    same::<AssetStatsResponseDto>(data);
    same::<AuditDeletesResponseDto>(data);
    same::<Vec<PartnerResponseDto>>(data);
    same::<AssetResponseDto>(data);
    if let Ok(e) = json::from_slice::<ErrorResponse>(data) {
        let _ = e.message.text();
    }
});
