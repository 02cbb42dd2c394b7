//! Property tests (proptest, in the normal `cargo test`): the decoder, the
//! paged load with failures set aside, and the retry policy, over generated
//! input. Kept small enough to run in a few seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure report.
#![cfg(not(target_arch = "wasm32"))]

use library_core::{
    decode_page,
    retry::{quick_retry, Failure, PageDecision, PageRetries, ASIDE_MAX_MS, RETRY_AFTER_CAP_MS},
    AssetRecord, LibraryIndex, PageRequest, PageResponse, PageSet, PageSetPhase,
};
use proptest::prelude::*;

const PAGE: &str = r#"[{"id":"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9","ownerId":"u","localDateTime":"2024-03-01T12:00:00.000Z","fileCreatedAt":"2024-03-01T11:00:00.000Z","originalFileName":"a<b>\u202e.jpg","exifInfo":{"exifImageWidth":-4,"exifImageHeight":1e400,"city":"Z\u200bürich"},"thumbhash":"!!","type":"SOMETHING_NEW","tags":[{"name":"<script>"}]}]"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any bytes: an index or an error, never a panic; an index holds valid text.
    #[test]
    fn decoder_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(ix) = decode_page(&bytes) {
            for i in 0..ix.len() {
                prop_assert!(ix.get(i).is_some());
            }
        }
    }

    /// A real-looking page with bytes overwritten anywhere: never a panic.
    #[test]
    fn decoder_takes_damaged_pages(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut b = PAGE.as_bytes().to_vec();
        for (at, v) in edits {
            let n = b.len();
            b[at % n] = v;
        }
        let _ = decode_page(&b);
    }

    /// Quick retries stop after a bounded number and never wait longer than the cap.
    #[test]
    fn quick_retries_are_bounded(status in 400u16..600, after in proptest::option::of(any::<u64>()), attempt in 0u32..50) {
        let f = match status {
            429 | 503 => Failure::Busy { status, retry_after_ms: after },
            401 => Failure::Unauthorized,
            500..=599 => Failure::Server(status),
            _ => Failure::Permanent,
        };
        if let Some(ms) = quick_retry(f, attempt) {
            prop_assert!(attempt < 3);
            prop_assert!(ms <= 10_000);
        }
        let mut r = PageRetries::new();
        for _ in 0..attempt {
            match r.on_failure(1, f) {
                PageDecision::Aside { after_ms } => prop_assert!(after_ms <= ASIDE_MAX_MS.max(RETRY_AFTER_CAP_MS)),
                PageDecision::Stop => prop_assert_eq!(f, Failure::Unauthorized),
            }
        }
    }

    /// A paged load where any answer may fail (set aside, asked again later)
    /// ends with exactly the server's assets, in order.
    #[test]
    fn a_load_with_failures_ends_with_the_server_set(
        n in 0u32..120,
        take in 1u32..25,
        fails in proptest::collection::vec(any::<bool>(), 0..40),
    ) {
        let ids: Vec<String> = (0..n).map(|i| format!("asset-{i}")).collect();
        let answer = |r: &PageRequest| {
            let start = (r.skip as usize).min(ids.len());
            let end = (start + r.take as usize).min(ids.len());
            let mut ix = LibraryIndex::new();
            for id in &ids[start..end] {
                ix.push(&AssetRecord { id, owner_id: "o", ..AssetRecord::default() }).unwrap();
            }
            PageResponse::Fresh { assets: ix, etag: Some(format!("\"{start}-{end}\"")) }
        };
        let mut set = PageSet::new(take).with_max_in_flight(3);
        let mut fails = fails.into_iter();
        let mut steps = 0;
        loop {
            steps += 1;
            prop_assert!(steps < 10_000, "the load never ends");
            if let Some(r) = set.next_request() {
                if fails.next().unwrap_or(false) {
                    set.set_aside(r.page);
                } else {
                    let resp = answer(&r);
                    set.on_response(r.page, resp).unwrap();
                }
                continue;
            }
            // Nothing to send: the set-aside pages' delays are over.
            let aside: Vec<usize> = set.aside().collect();
            if aside.is_empty() {
                break;
            }
            for p in aside {
                set.retry_aside(p);
            }
        }
        prop_assert_eq!(set.phase(), PageSetPhase::Complete);
        let got = set.merged().unwrap();
        let got: Vec<String> = (0..got.len()).map(|i| got.id_string(i).unwrap()).collect();
        prop_assert_eq!(got, ids);
    }
}
