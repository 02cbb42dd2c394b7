//! The page decoder over arbitrary bytes: any outcome but a panic, and a
//! decoded index holds only valid text and checked ids.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ix) = library_core::decode_page(data) {
        for i in 0..ix.len() {
            let Some(v) = ix.get(i) else {
                panic!("asset {i} of {} not readable", ix.len());
            };
            assert!(std::str::from_utf8(v.file_name.as_bytes()).is_ok());
        }
    }
});
