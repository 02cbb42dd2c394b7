//! A generator of realistic `GET /api/asset` bodies (shaped like Immich v1.103.1's
//! `AssetResponseDto`, keys in the server's order, `exifInfo` full), shared by the
//! integration tests and `examples/bench_decode.rs`. Deterministic for a seed.
#![allow(dead_code)] // Each includer uses a different part.

use std::fmt::Write as _;

/// A small xorshift generator: deterministic, no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= n {
                out.push(A[((v >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// JSON string literal; `ascii_only` escapes non-ASCII as `\uXXXX` (with surrogate
/// pairs), as some encoders do, to exercise the decoder's escapes.
fn js(out: &mut String, s: &str, ascii_only: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if ascii_only && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{:04x}", u);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn iso(ms: i64) -> String {
    // Days to civil (the inverse of the decoder's computation), for the generator only.
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

const CITIES: &[(&str, &str, &str, f64, f64)] = &[
    ("Paris", "Île-de-France", "France", 48.8566, 2.3522),
    ("Zürich", "Zurich", "Switzerland", 47.3769, 8.5417),
    ("Tokyo", "Tokyo", "Japan", 35.6762, 139.6503),
    (
        "New York City",
        "New York",
        "United States of America",
        40.7128,
        -74.006,
    ),
    ("São Paulo", "São Paulo", "Brazil", -23.5505, -46.6333),
    ("Kraków", "Lesser Poland", "Poland", 50.0647, 19.945),
];
const CAMERAS: &[(&str, &str, &str)] = &[
    (
        "Apple",
        "iPhone 12 Pro",
        "iPhone 12 Pro back triple camera 4.2mm f/1.6",
    ),
    ("SONY", "ILCE-7M3", "FE 24-105mm F4 G OSS"),
    ("FUJIFILM", "X100V", "23mm F2"),
    ("Google", "Pixel 7", "Pixel 7 back camera 6.81mm f/1.85"),
    ("Canon", "Canon EOS R6", "RF24-105mm F4 L IS USM"),
];
const TAGS: &[&str] = &[
    "Holiday",
    "Family",
    "Hike",
    "Sommer ☀",
    "Café \"Central\"",
    "🎉 Party",
];

/// One generated library: the JSON body and a few facts about it.
pub struct Generated {
    pub json: Vec<u8>,
    pub count: usize,
}

/// `n` assets in `fileCreatedAt` descending order, JSON-encoded like the server.
pub fn generate(n: usize, seed: u64) -> Generated {
    let mut rng = Rng(seed | 1);
    let owners: Vec<String> = (0..3).map(|_| uuid(&mut rng)).collect();
    let library = uuid(&mut rng);
    let mut out = String::with_capacity(n * 1500 + 2);
    out.push('[');
    let mut t: i64 = 1_717_000_000_000;
    let mut pending_children: Vec<String> = Vec::new();
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        t -= rng.below(3_600_000 * 6) as i64;
        let parent = pending_children.pop();
        asset(
            &mut out,
            &mut rng,
            &owners,
            &library,
            t,
            parent.as_deref(),
            &mut pending_children,
        );
    }
    out.push(']');
    Generated {
        json: out.into_bytes(),
        count: n,
    }
}

#[allow(clippy::too_many_arguments)]
fn asset(
    out: &mut String,
    rng: &mut Rng,
    owners: &[String],
    library: &str,
    t: i64,
    stack_parent: Option<&str>,
    children: &mut Vec<String>,
) {
    let id = uuid(rng);
    let owner = &owners[if rng.chance(90) {
        0
    } else {
        1 + rng.below(2) as usize
    }];
    let video = rng.chance(12);
    let kind = if video {
        "VIDEO"
    } else if rng.chance(1) {
        if rng.chance(50) {
            "AUDIO"
        } else {
            "HOLOGRAM"
        }
    } else {
        "IMAGE"
    };
    let ascii_only = rng.chance(10);
    let stem = match rng.below(10) {
        0 => format!("Été à \"la\" plage {}", rng.below(10_000)),
        1 => format!(
            "PXL_2023{:04}_{:09}",
            rng.below(10_000),
            rng.below(1_000_000_000)
        ),
        2 => format!("写真_{}", rng.below(1000)),
        _ => format!("IMG_{:04}", rng.below(10_000)),
    };
    let ext = if video { "MOV" } else { "JPG" };
    let name = format!("{stem}.{ext}");
    let tz_shift = (rng.below(25) as i64 - 12) * 3_600_000;
    let local = t + tz_shift;
    let o = |o: &mut String, k: &str| {
        o.push('"');
        o.push_str(k);
        o.push_str("\":");
    };
    out.push('{');
    o(out, "id");
    js(out, &id, false);
    out.push(',');
    o(out, "deviceAssetId");
    js(
        out,
        &format!("web-{name}-{}", rng.below(1 << 40)),
        ascii_only,
    );
    out.push(',');
    o(out, "ownerId");
    js(out, owner, false);
    out.push(',');
    o(out, "deviceId");
    out.push_str("\"WEB\",");
    o(out, "libraryId");
    js(out, library, false);
    out.push(',');
    o(out, "type");
    js(out, kind, false);
    out.push(',');
    o(out, "originalPath");
    js(
        out,
        &format!(
            "/usr/src/app/upload/library/admin/{}/{}",
            &iso(t)[..10],
            name
        ),
        ascii_only,
    );
    out.push(',');
    o(out, "originalFileName");
    js(out, &name, ascii_only);
    out.push(',');
    o(out, "resized");
    out.push_str("true,");
    o(out, "thumbhash");
    if rng.chance(97) {
        let len = 20 + rng.below(8) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        js(out, &base64(&bytes), false);
    } else {
        out.push_str("null");
    }
    out.push(',');
    o(out, "fileCreatedAt");
    js(out, &iso(t), false);
    out.push(',');
    o(out, "fileModifiedAt");
    js(out, &iso(t + 1000), false);
    out.push(',');
    o(out, "localDateTime");
    js(out, &iso(local), false);
    out.push(',');
    o(out, "updatedAt");
    js(out, &iso(t + 86_400_000), false);
    out.push(',');
    let _ = write!(
        out,
        "\"isFavorite\":{},\"isArchived\":{},\"isTrashed\":{},",
        rng.chance(5),
        rng.chance(3),
        rng.chance(2)
    );
    o(out, "duration");
    if video {
        let ms = rng.below(600_000);
        let _ = write!(
            out,
            "\"{}:{:02}:{:02}.{:06}\",",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            (ms % 1000) * 1000
        );
    } else {
        out.push_str("\"0:00:00.00000\",");
    }
    o(out, "exifInfo");
    if rng.chance(2) {
        // Metadata not extracted yet: every key null.
        out.push_str("{\"make\":null,\"model\":null,\"exifImageWidth\":null,\"exifImageHeight\":null,\"fileSizeInByte\":null,\"orientation\":null,\"dateTimeOriginal\":null,\"modifyDate\":null,\"timeZone\":null,\"lensModel\":null,\"fNumber\":null,\"focalLength\":null,\"iso\":null,\"exposureTime\":null,\"latitude\":null,\"longitude\":null,\"city\":null,\"state\":null,\"country\":null,\"description\":null,\"projectionType\":null}");
    } else {
        let (make, model, lens) = CAMERAS[rng.below(CAMERAS.len() as u64) as usize];
        let (city, state, country, lat, lon) = CITIES[rng.below(CITIES.len() as u64) as usize];
        let (w, h) = if rng.chance(70) {
            (4032, 3024)
        } else {
            (1920 + rng.below(4000), 1080 + rng.below(3000))
        };
        let orientation = ["1", "1", "1", "6", "8", "3"][rng.below(6) as usize];
        out.push('{');
        o(out, "make");
        js(out, make, false);
        out.push(',');
        o(out, "model");
        js(out, model, false);
        let _ = write!(
            out,
            ",\"exifImageWidth\":{w},\"exifImageHeight\":{h},\"fileSizeInByte\":{},\"orientation\":\"{orientation}\",",
            rng.below(20_000_000)
        );
        o(out, "dateTimeOriginal");
        js(out, &iso(t), false);
        out.push(',');
        o(out, "modifyDate");
        js(out, &iso(t), false);
        out.push(',');
        o(out, "timeZone");
        out.push_str("\"Europe/Paris\",");
        o(out, "lensModel");
        js(out, lens, ascii_only);
        let _ = write!(
            out,
            ",\"fNumber\":{}.{},\"focalLength\":{}.{},\"iso\":{},\"exposureTime\":\"1/{}\",\"latitude\":{lat}{},\"longitude\":{lon}{},",
            1 + rng.below(15),
            rng.below(10),
            4 + rng.below(200),
            rng.below(10),
            50 * (1 + rng.below(64)),
            60 * (1 + rng.below(16)),
            rng.below(1000),
            rng.below(1000)
        );
        o(out, "city");
        js(out, city, ascii_only);
        out.push(',');
        o(out, "state");
        js(out, state, ascii_only);
        out.push(',');
        o(out, "country");
        js(out, country, ascii_only);
        out.push(',');
        o(out, "description");
        js(
            out,
            if rng.chance(10) {
                "A day out\nwith \"friends\" \\o/"
            } else {
                ""
            },
            ascii_only,
        );
        out.push(',');
        o(out, "projectionType");
        out.push_str("null}");
    }
    out.push(',');
    o(out, "livePhotoVideoId");
    if !video && rng.chance(15) {
        js(out, &uuid(rng), false);
    } else {
        out.push_str("null");
    }
    out.push(',');
    o(out, "tags");
    out.push('[');
    for k in 0..rng.below(4).saturating_sub(1) {
        if k > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        js(out, &uuid(rng), false);
        out.push_str(",\"type\":\"OBJECT\",\"name\":");
        js(out, TAGS[rng.below(TAGS.len() as u64) as usize], ascii_only);
        out.push_str(",\"userId\":");
        js(out, owner, false);
        out.push('}');
    }
    out.push_str("],\"people\":[],");
    o(out, "checksum");
    let sum: Vec<u8> = (0..20).map(|_| rng.next() as u8).collect();
    js(out, &base64(&sum), false);
    out.push(',');
    let mut wrote_stack_count = false;
    if let Some(p) = stack_parent {
        o(out, "stackParentId");
        js(out, p, false);
        out.push(',');
    } else if rng.chance(3) {
        // A stack primary: the stack lists its children (which also come later in
        // the list, carrying `stackParentId`).
        let n = 1 + rng.below(3) as usize;
        o(out, "stack");
        out.push('[');
        for k in 0..n {
            if k > 0 {
                out.push(',');
            }
            let mut child = String::new();
            let mut none = Vec::new();
            asset(
                &mut child,
                rng,
                owners,
                library,
                t - 1,
                Some(&id),
                &mut none,
            );
            out.push_str(&child);
            children.push(id.clone());
        }
        out.push_str("],");
        let _ = write!(out, "\"stackCount\":{},", n + 1);
        wrote_stack_count = true;
    }
    if !wrote_stack_count {
        o(out, "stackCount");
        out.push_str("null,");
    }
    let _ = write!(
        out,
        "\"isExternal\":false,\"isOffline\":{},\"isReadOnly\":false,\"hasMetadata\":true",
        rng.chance(1)
    );
    out.push('}');
}
