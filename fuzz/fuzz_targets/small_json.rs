//! The small JSON answers the app reads with serde (user, version, ping,
//! statistics, audit deletes, partners, the error body): any bytes, no panic.
#![no_main]
use immich_api::{
    AssetStatsResponseDto, AuditDeletesResponseDto, ErrorResponse, PartnerResponseDto,
    ServerPingResponse, ServerVersionResponseDto, UserResponseDto,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<UserResponseDto>(data);
    let _ = serde_json::from_slice::<Vec<UserResponseDto>>(data);
    let _ = serde_json::from_slice::<ServerVersionResponseDto>(data);
    let _ = serde_json::from_slice::<ServerPingResponse>(data);
    let _ = serde_json::from_slice::<AssetStatsResponseDto>(data);
    let _ = serde_json::from_slice::<AuditDeletesResponseDto>(data);
    let _ = serde_json::from_slice::<Vec<PartnerResponseDto>>(data);
    if let Ok(e) = serde_json::from_slice::<ErrorResponse>(data) {
        let _ = e.message.text();
    }
});
