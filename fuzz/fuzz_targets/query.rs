//! The view's server inputs as read from a URL (`AssetQuery::from_query_string`):
//! any text, no panic; what it accepts survives its own canonical form.
#![no_main]
use immich_api::AssetQuery;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = immich_api::percent_decode(text);
    let _ = immich_api::is_uuid_v4(text);
    if let Ok(q) = AssetQuery::from_query_string(text) {
        let canonical = q.canonical();
        match AssetQuery::from_query_string(&canonical) {
            Ok(again) => assert_eq!(again.canonical(), canonical, "{text:?}"),
            Err(e) => panic!("{text:?} -> {canonical:?} not read back: {e}"),
        }
    }
});
