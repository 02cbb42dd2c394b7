//! The byte-level decoder against serde decoding of the same bodies into
//! `immich_api::AssetResponseDto`, and against hostile input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failure report.

mod common;

use common::gen::{generate, Rng};
use immich_api::{AssetResponseDto, AssetTypeEnum};
use library_core::{decode_page, AssetFlags, AssetKind, DecodeErrorKind, LibraryIndex};

fn b64(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = alphabet.iter().position(|&a| a == c).unwrap() as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// What the index should hold for a DTO, computed independently of the decoder.
fn check_asset(ix: &LibraryIndex, i: usize, dto: &AssetResponseDto) {
    let v = ix.get(i).unwrap();
    assert_eq!(ix.id_string(i).unwrap(), dto.id);
    assert_eq!(v.owner_id, dto.owner_id);
    let kind = match dto.asset_type {
        AssetTypeEnum::Image => AssetKind::Image,
        AssetTypeEnum::Video => AssetKind::Video,
        AssetTypeEnum::Audio => AssetKind::Audio,
        _ => AssetKind::Other,
    };
    assert_eq!(v.kind, kind, "{}", dto.id);
    assert_eq!(v.local_ms, dto.local_date_time.timestamp_millis());
    assert_eq!(v.file_created_ms, dto.file_created_at.timestamp_millis());
    assert_eq!(
        i64::from(v.local_day),
        dto.local_date_time
            .timestamp_millis()
            .div_euclid(86_400_000)
    );
    let flag = |f| v.flags.contains(f);
    assert_eq!(flag(AssetFlags::FAVORITE), dto.is_favorite);
    assert_eq!(flag(AssetFlags::ARCHIVED), dto.is_archived);
    assert_eq!(flag(AssetFlags::TRASHED), dto.is_trashed);
    assert_eq!(flag(AssetFlags::OFFLINE), dto.is_offline);
    assert_eq!(
        flag(AssetFlags::LIVE_PHOTO),
        dto.live_photo_video_id().is_some()
    );
    assert_eq!(
        flag(AssetFlags::STACK_CHILD),
        dto.stack_parent_id().is_some()
    );
    assert_eq!(i64::from(v.stack_count), dto.stack_count.unwrap_or(0));
    let secs = dto.duration_seconds().unwrap_or(0.0);
    assert!(
        (f64::from(v.duration_ms) - (secs * 1000.0).floor()).abs() <= 1.0,
        "{} vs {}",
        v.duration_ms,
        dto.duration
    );
    assert_eq!(v.thumbhash, b64(dto.thumbhash.as_deref().unwrap_or("")));
    assert_eq!(v.file_name, dto.original_file_name);
    let exif = dto.exif_info.clone().unwrap_or_default();
    let expected_aspect = match (exif.exif_image_width, exif.exif_image_height) {
        (Some(w), Some(h)) if w > 0.0 && h > 0.0 => {
            let rotated = matches!(exif.orientation.as_deref(), Some("5" | "6" | "7" | "8"));
            if rotated {
                h / w
            } else {
                w / h
            }
        }
        _ => 1.0,
    };
    assert!((f64::from(v.aspect) - expected_aspect).abs() < 1e-5);
    let mut parts: Vec<String> = [
        exif.make,
        exif.model,
        exif.lens_model,
        exif.city,
        exif.country,
    ]
    .into_iter()
    .flatten()
    .collect();
    parts.extend(dto.tags.iter().flatten().map(|t| t.name.clone()));
    let expected: Vec<String> = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.to_lowercase())
        .collect();
    assert_eq!(v.search_text, expected.join("\u{1f}"), "{}", dto.id);
}

#[test]
fn matches_serde_on_generated_library() {
    for seed in [1, 2, 3] {
        let g = generate(700, seed);
        let dtos: Vec<AssetResponseDto> = serde_json::from_slice(&g.json).unwrap();
        let ix = decode_page(&g.json).unwrap();
        assert_eq!(ix.len(), dtos.len());
        assert_eq!(ix.len(), g.count);
        for (i, dto) in dtos.iter().enumerate() {
            check_asset(&ix, i, dto);
        }
        // The generator exercises what it should.
        let count = |f| {
            (0..ix.len())
                .filter(|&i| ix.flags(i).unwrap().contains(f))
                .count()
        };
        assert!(count(AssetFlags::STACK_CHILD) > 0 && count(AssetFlags::LIVE_PHOTO) > 0);
        assert!((0..ix.len()).any(|i| ix.kind(i) == Some(AssetKind::Other)));
        assert!((0..ix.len()).any(|i| ix.file_name(i).unwrap().contains('"')));
        assert_eq!(ix.owners().len(), 3);
    }
}

#[test]
fn serde_round_trip_of_dtos_decodes_the_same() {
    // The wire types' own serialization (Immich's key order) decodes identically.
    let g = generate(200, 9);
    let dtos: Vec<AssetResponseDto> = serde_json::from_slice(&g.json).unwrap();
    let again = serde_json::to_vec(&dtos).unwrap();
    let pretty = serde_json::to_vec_pretty(&dtos).unwrap();
    let a = decode_page(&g.json).unwrap();
    assert_eq!(decode_page(&again).unwrap(), a);
    assert_eq!(decode_page(&pretty).unwrap(), a);
}

#[test]
fn every_truncation_is_an_error() {
    let g = generate(6, 4);
    assert!(decode_page(&g.json).is_ok());
    for cut in 0..g.json.len() {
        let r = decode_page(&g.json[..cut]);
        assert!(r.is_err(), "prefix of {cut} bytes decoded");
    }
}

#[test]
fn byte_flips_never_panic_and_agree_with_a_json_validator() {
    let g = generate(6, 5);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let interesting = b"{}[]\",:\\0123456789-.eEtfnulr aZ\n";
    let mut rejected = 0;
    for round in 0..4000 {
        let mut doc = g.json.clone();
        let flips = 1 + rng.below(3);
        let mut ascii_only = true;
        for _ in 0..flips {
            let at = rng.below(doc.len() as u64) as usize;
            let new = if round % 4 == 0 {
                rng.next() as u8
            } else {
                interesting[rng.below(interesting.len() as u64) as usize]
            };
            ascii_only &= doc[at].is_ascii() && new.is_ascii();
            doc[at] = new;
        }
        let ours = decode_page(&doc);
        rejected += usize::from(ours.is_err());
        // Where a flip keeps the text valid UTF-8, every document a JSON parser
        // rejects must be rejected here too (lone surrogates excepted: replaced).
        if ascii_only {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&doc) {
                // Also excepted: serde_json's own limit on huge exponents, which JSON's
                // grammar allows (JavaScript reads them as Infinity).
                let msg = e.to_string();
                if !msg.contains("surrogate") && !msg.contains("out of range") {
                    assert!(
                        ours.is_err(),
                        "accepted invalid JSON ({e}): {}",
                        String::from_utf8_lossy(&doc)
                    );
                }
            }
        }
    }
    assert!(rejected > 1000, "{rejected}");
}

#[test]
fn hostile_shapes() {
    // Deep nesting inside an asset, where the decoder skips an unknown
    // member: the depth guard, not a syntax error, must stop it, at the
    // opening bracket one past the limit (and not after reading it all).
    const ID: &str = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
    let head = format!(
        "[{{\"id\":\"{ID}\",\"ownerId\":\"u\",\"localDateTime\":\"2024-03-01T12:00:00.000Z\",\
         \"fileCreatedAt\":\"2024-03-01T11:00:00.000Z\",\"a\":"
    );
    for (open, name) in [("[", "arrays"), ("{\"a\":", "objects")] {
        let deep = format!("{head}{}", open.repeat(1_000_000));
        let e = decode_page(deep.as_bytes()).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TooDeep, "{name}: {e:?}");
        assert_eq!(e.offset, head.len() + 128 * open.len() + 1, "{name}: {e:?}");
        // At the limit, closed: accepted as an unknown member.
        let close = if open == "[" { "]" } else { "}" };
        let ok = format!("{head}{}1{}}}]", open.repeat(128), close.repeat(128));
        assert_eq!(decode_page(ok.as_bytes()).unwrap().len(), 1, "{name}");
    }
    assert!(decode_page(&[0xff; 64]).is_err());
    assert!(decode_page(b"[\"\\u12").is_err());
    assert!(decode_page(b"[1e]").is_err());
    assert!(decode_page(b"[-]").is_err());
    assert!(decode_page(b"[{\"id\":\"a\"\"x\":1}]").is_err());
}
