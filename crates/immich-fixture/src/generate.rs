//! The seeded library generator: users, partners and realistic timelines
//! (years of dates with busy days, videos, live photos, stacks, flags).
//! Only the fields the server must index are stored; the rest is re-derived
//! from `(seed, serial)` when an asset is serialized (see `dto.rs`).

use crate::{
    rng::{derived, mix, SplitMix64},
    store::{flag, Asset, Kind, Partner, Store, User, NONE, NO_PLACE},
    tables::{Naming, CAMERAS, PLACES, TAG_NAMES},
};

/// 2012-01-01T00:00:00Z: the oldest generated photo.
pub const START_MS: i64 = 1_325_376_000_000;
/// 2024-04-20T12:00:00Z: the newest generated photo and `updatedAt` (around v1.103.1's release).
pub const ANCHOR_MS: i64 = 1_713_614_400_000;
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// Display shapes; the index is stored in [`Asset::shape`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The camera's landscape frame (4:3 or 3:2).
    Landscape = 0,
    /// The camera's frame turned upright.
    Portrait = 1,
    /// 1:1.
    Square = 2,
    /// A wide stitched panorama (about 4:1).
    Panorama = 3,
    /// 16:9 (most videos).
    Wide = 4,
    /// 9:16 (upright videos, screenshots).
    Tall = 5,
}

/// Number of shapes.
pub const SHAPES: usize = 6;

impl Shape {
    /// From the stored byte.
    pub fn from_u8(v: u8) -> Shape {
        match v {
            1 => Shape::Portrait,
            2 => Shape::Square,
            3 => Shape::Panorama,
            4 => Shape::Wide,
            5 => Shape::Tall,
            _ => Shape::Landscape,
        }
    }
}

/// EXIF size and orientation, and the displayed size, of a generated asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    /// `exifImageWidth`.
    pub exif_w: u32,
    /// `exifImageHeight`.
    pub exif_h: u32,
    /// `orientation` ("1", "6", "8") or none.
    pub orientation: Option<&'static str>,
    /// Width as shown (after orientation).
    pub display_w: u32,
    /// Height as shown.
    pub display_h: u32,
}

/// The sizes of a generated asset from its camera, shape and kind.
pub fn dims(camera: u8, shape: u8, kind: Kind) -> Dims {
    let cam = CAMERAS.get(camera as usize).unwrap_or(&CAMERAS[0]);
    let (sw, sh) = cam.sensor;
    let plain = |w: u32, h: u32, o: Option<&'static str>| Dims {
        exif_w: w,
        exif_h: h,
        orientation: o,
        display_w: w,
        display_h: h,
    };
    let video = kind == Kind::Video;
    // Phones record upright frames sideways with a rotation tag; so does Immich's EXIF.
    let rotates = matches!(cam.naming, Naming::Apple | Naming::Samsung);
    match Shape::from_u8(shape) {
        Shape::Landscape if video => plain(1920, 1080, Some("1")),
        Shape::Landscape => plain(sw, sh, Some("1")),
        Shape::Portrait | Shape::Tall if cam.naming == Naming::Screenshot => {
            plain(sw.min(sh), sw.max(sh), None)
        }
        Shape::Portrait | Shape::Tall => {
            let (w, h) = if video || Shape::from_u8(shape) == Shape::Tall {
                (1920, 1080)
            } else {
                (sw, sh)
            };
            if rotates {
                Dims {
                    exif_w: w,
                    exif_h: h,
                    orientation: Some("6"),
                    display_w: h,
                    display_h: w,
                }
            } else if cam.naming == Naming::Dsc && !video {
                Dims {
                    exif_w: w,
                    exif_h: h,
                    orientation: Some("8"),
                    display_w: h,
                    display_h: w,
                }
            } else {
                plain(h, w, Some("1"))
            }
        }
        Shape::Square => plain(sh, sh, Some("1")),
        Shape::Panorama => plain(sw * 4, sh, Some("1")),
        Shape::Wide if video => plain(3840, 2160, Some("1")),
        Shape::Wide => plain(sw, sw * 9 / 16, Some("1")),
    }
}

/// Asset counts per user for `--assets N`: the admin gets N, the partner a quarter, the third user a tenth.
pub fn user_sizes(admin_assets: usize) -> [usize; 3] {
    [admin_assets, admin_assets / 4, admin_assets / 10]
}

fn token(rng: &mut SplitMix64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..43)
        .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len() as u64) as usize]))
        .collect()
}

/// The three fixture users (admin first) and the partner shares:
/// user 1 shares with the admin, the admin shares with user 2.
pub fn users(seed: u64) -> (Vec<User>, Vec<Partner>) {
    let mut rng = SplitMix64::new(mix(seed ^ 0x05E2));
    let specs: [(&str, &str, bool, &'static str, Option<&str>); 3] = [
        (
            "Immich Admin",
            "admin@immich.test",
            true,
            "primary",
            Some("admin"),
        ),
        ("Alice Partner", "alice@immich.test", false, "pink", None),
        ("Bob Viewer", "bob@immich.test", false, "green", None),
    ];
    let users = specs
        .iter()
        .enumerate()
        .map(|(i, (name, email, is_admin, color, label))| User {
            id: rng.uuid_v4(),
            email: (*email).to_owned(),
            name: (*name).to_owned(),
            is_admin: *is_admin,
            api_key: token(&mut rng),
            key_permissions: vec![crate::scopes::ALL.to_owned()],
            access_token: token(&mut rng),
            avatar_color: color,
            storage_label: label.map(str::to_owned),
            created_ms: START_MS - DAY_MS * (30 - i as i64),
            library_id: rng.uuid_v4(),
            tag_ids: TAG_NAMES.iter().map(|_| rng.uuid_v4()).collect(),
        })
        .collect();
    let partners = vec![
        // The admin shows Alice's photos in their timeline; Bob left the
        // default (off), so both values of `inTimeline` are served.
        Partner {
            shared_by: 1,
            shared_with: 0,
            in_timeline: true,
        },
        Partner {
            shared_by: 0,
            shared_with: 2,
            in_timeline: false,
        },
    ];
    (users, partners)
}

/// A store with the fixture users and generated libraries (`sizes[i]` visible assets for user `i`).
pub fn generate(seed: u64, sizes: &[usize]) -> Store {
    let (users, partners) = users(seed);
    let mut store = Store::new(seed, users, partners);
    for (owner, &n) in sizes.iter().enumerate().take(store.users.len()) {
        generate_user(&mut store, owner as u8, n);
    }
    store.rebuild_index();
    store
}

/// Everything the generator decides about one new asset.
struct Draft {
    created_ms: i64,
    owner: u8,
    camera: u8,
    place: u16,
    shape: Shape,
    kind: Kind,
    flags: u16,
}

/// Adds one generated asset (and its hidden live-photo video when `live`); returns its index.
fn add(
    store: &mut Store,
    rng: &mut SplitMix64,
    d: &Draft,
    parent: u32,
    live: bool,
    updated_ms: i64,
) -> u32 {
    let serial = store.next_serial;
    store.next_serial += 1;
    let mut a = Asset {
        id_hi: 0,
        id_lo: 0,
        created_ms: d.created_ms,
        updated_ms,
        serial,
        live: NONE,
        parent,
        place: d.place,
        edits: 0,
        owner: d.owner,
        camera: d.camera,
        shape: d.shape as u8,
        kind: d.kind as u8,
        flags: d.flags,
    };
    a.set_id(rng.uuid_v4());
    let idx = store.push_unsorted(a);
    if live {
        let serial = store.next_serial;
        store.next_serial += 1;
        let mut v = Asset {
            id_hi: 0,
            id_lo: 0,
            created_ms: d.created_ms,
            updated_ms,
            serial,
            live: NONE,
            parent: NONE,
            place: d.place,
            edits: 0,
            owner: d.owner,
            camera: d.camera,
            shape: d.shape as u8,
            kind: Kind::Video as u8,
            flags: flag::HIDDEN,
        };
        v.set_id(rng.uuid_v4());
        let vid = store.push_unsorted(v);
        if let Some(img) = store.asset_mut(idx) {
            img.live = vid;
        }
    }
    idx
}

fn pick_shape(rng: &mut SplitMix64, kind: Kind) -> Shape {
    let u = rng.unit();
    if kind == Kind::Video {
        return if u < 0.7 { Shape::Wide } else { Shape::Tall };
    }
    match u {
        u if u < 0.55 => Shape::Landscape,
        u if u < 0.87 => Shape::Portrait,
        u if u < 0.93 => Shape::Square,
        u if u < 0.96 => Shape::Panorama,
        _ => Shape::Wide,
    }
}

fn pick_flags(rng: &mut SplitMix64) -> u16 {
    let mut f = 0;
    if rng.chance(0.05) {
        f |= flag::FAVORITE;
    }
    if rng.chance(0.03) {
        f |= flag::ARCHIVED;
    }
    if rng.chance(0.01) {
        f |= flag::TRASHED;
    }
    if rng.chance(0.005) {
        f |= flag::OFFLINE;
    }
    f
}

fn pick_updated(rng: &mut SplitMix64, created_ms: i64) -> i64 {
    let updated = if rng.chance(0.1) {
        // Touched again later (edited, favourited, re-scanned).
        rng.range(created_ms, ANCHOR_MS.max(created_ms))
    } else {
        created_ms + rng.range(30_000, 2 * DAY_MS)
    };
    updated.min(ANCHOR_MS.max(created_ms))
}

/// A draft for a new asset of `owner` at `created_ms` (used by the generator and the test controls).
fn draft(rng: &mut SplitMix64, owner: u8, created_ms: i64, camera: u8, place: u16) -> Draft {
    let screenshot = rng.chance(0.04);
    let kind = if !screenshot && rng.chance(0.10) {
        Kind::Video
    } else {
        Kind::Image
    };
    let (camera, shape) = if screenshot {
        (0, Shape::Tall)
    } else {
        (camera, pick_shape(rng, kind))
    };
    Draft {
        created_ms,
        owner,
        camera,
        place: if screenshot { NO_PLACE } else { place },
        shape,
        kind,
        flags: pick_flags(rng),
    }
}

fn main_camera(owner: u8) -> u8 {
    [1, 4, 5].get(owner as usize).copied().unwrap_or(2)
}

fn generate_user(store: &mut Store, owner: u8, n: usize) {
    let mut rng = SplitMix64::new(mix(store.seed ^ mix(u64::from(owner) + 17)));
    let span_days = (ANCHOR_MS - START_MS) / DAY_MS;
    let mut made = 0usize;
    while made < n {
        // More photos in recent years: u^1.6 crowds the offsets near "today".
        let back = (span_days as f64 * rng.unit().powf(1.6)) as i64;
        let day = (span_days - 1 - back).max(0);
        let size = match rng.unit() {
            u if u < 0.60 => rng.range(1, 4),
            u if u < 0.90 => rng.range(5, 20),
            u if u < 0.98 => rng.range(20, 80),
            _ => rng.range(80, 300), // a wedding, a holiday: one very busy day
        } as usize;
        let size = size.min(n - made);
        let place = if rng.chance(0.65) {
            rng.below(3) as u16
        } else {
            rng.below(PLACES.len() as u64) as u16
        };
        let offset_ms = PLACES
            .get(place as usize)
            .map_or(0, |p| i64::from(p.offset_min) * 60_000);
        let day_start = START_MS + day * DAY_MS - offset_ms;
        let window_start = day_start + rng.range(7, 16) * HOUR_MS;
        let window_len = if size > 30 { 12 * HOUR_MS } else { 3 * HOUR_MS };
        let camera = if rng.chance(0.75) {
            main_camera(owner)
        } else {
            rng.range(1, CAMERAS.len() as i64 - 1) as u8
        };
        let mut k = 0;
        while k < size {
            let created = (window_start + rng.range(0, window_len)).min(ANCHOR_MS);
            let d = draft(&mut rng, owner, created, camera, place);
            let updated = pick_updated(&mut rng, created);
            let remaining = size - k;
            if d.kind == Kind::Image && d.camera != 0 && remaining >= 2 && rng.chance(0.04) {
                // A burst: the camera stacked 2-4 shots taken within the same second.
                let g = (rng.range(2, 4) as usize).min(remaining);
                let primary = add(store, &mut rng, &d, NONE, false, updated);
                for j in 1..g {
                    let child = Draft {
                        created_ms: d.created_ms + j as i64 * 90,
                        flags: pick_flags(&mut rng) & !flag::FAVORITE,
                        ..d
                    };
                    add(store, &mut rng, &child, primary, false, updated);
                }
                k += g;
                continue;
            }
            let live = d.kind == Kind::Image
                && CAMERAS.get(d.camera as usize).is_some_and(|c| c.live)
                && d.shape != Shape::Panorama
                && rng.chance(0.35);
            add(store, &mut rng, &d, NONE, live, updated);
            k += 1;
        }
        made += size;
    }
}

/// Gives runs of neighbouring assets one `fileCreatedAt` (bursts of 2 to
/// 60 shots in the same millisecond, about two assets in three in one):
/// order ties of every size, for testing pages that split them. The order
/// by time is kept.
pub fn tie_bursts(store: &mut Store, seed: u64) {
    let mut rng = SplitMix64::new(mix(seed ^ 0x7135_B125));
    for owner in 0..store.users.len() {
        let timeline: Vec<u32> = store.timeline(owner as u8).to_vec();
        let mut i = 0;
        while i < timeline.len() {
            let n = if rng.chance(0.3) {
                rng.range(2, 60) as usize
            } else {
                1
            };
            let run = timeline.get(i..(i + n).min(timeline.len())).unwrap_or(&[]);
            let t = run
                .first()
                .and_then(|&x| store.asset(x))
                .map(|a| a.created_ms);
            if let Some(t) = t {
                for &x in run {
                    if let Some(a) = store.asset_mut(x) {
                        a.created_ms = t;
                    }
                }
            }
            i += n;
        }
    }
    store.rebuild_index();
}

/// Inserts one new asset for `owner` at `created_ms` through the sorted index (test controls).
pub fn insert_new(store: &mut Store, owner: u8, created_ms: i64, updated_ms: i64) -> u32 {
    let mut rng = SplitMix64::new(mix(
        store.seed ^ mix(u64::from(store.next_serial) ^ 0xC0FFEE)
    ));
    let d = draft(&mut rng, owner, created_ms, main_camera(owner), 0);
    let d = Draft { flags: 0, ..d };
    let serial = store.next_serial;
    store.next_serial += 1;
    let mut a = Asset {
        id_hi: 0,
        id_lo: 0,
        created_ms: d.created_ms,
        updated_ms,
        serial,
        live: NONE,
        parent: NONE,
        place: d.place,
        edits: 0,
        owner,
        camera: d.camera,
        shape: d.shape as u8,
        kind: d.kind as u8,
        flags: 0,
    };
    a.set_id(rng.uuid_v4());
    store.insert(a)
}

/// Per-asset details that are derived, not stored. `salt` values used by `dto.rs`.
pub fn details_rng(seed: u64, serial: u32) -> SplitMix64 {
    derived(seed, 0xDE7A, u64::from(serial))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ListQuery;

    #[test]
    fn same_seed_same_library() {
        let a = generate(42, &[500, 100, 50]);
        let b = generate(42, &[500, 100, 50]);
        let c = generate(43, &[500, 100, 50]);
        let ids = |s: &Store| {
            s.list(0, &ListQuery::default())
                .iter()
                .map(|&i| s.asset(i).unwrap().id())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
        assert_eq!(a.users[0].api_key, b.users[0].api_key);
    }

    #[test]
    fn tie_bursts_make_ties_and_shuffled_pages_split_them() {
        let mut s = generate(7, &[3000, 30, 3]);
        let before: Vec<u32> = s.list(0, &ListQuery::default());
        tie_bursts(&mut s, 7);
        let all = s.list(0, &ListQuery::default());
        let time = |i: u32| s.asset(i).unwrap().created_ms;
        // Same assets, still in time order, with many ties.
        let mut a = before.clone();
        let mut b = all.clone();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        assert!(all.windows(2).all(|w| time(w[0]) >= time(w[1])));
        let tied = all.windows(2).filter(|w| time(w[0]) == time(w[1])).count();
        assert!(tied > 1000, "{tied} ties");
        // Shuffled pages of 100 hold each page's times, but not its ids:
        // together they repeat some assets and skip others.
        let page = |k: usize, seed: u64| {
            s.list_shuffled(
                0,
                &ListQuery {
                    skip: k * 100,
                    take: Some(100),
                    ..ListQuery::default()
                },
                seed,
            )
        };
        let mut got = std::collections::HashSet::new();
        for k in 0..30 {
            let p = page(k, k as u64 + 1);
            let want = &all[k * 100..(k * 100 + 100).min(all.len())];
            assert_eq!(
                p.iter().map(|&i| time(i)).collect::<Vec<_>>(),
                want.iter().map(|&i| time(i)).collect::<Vec<_>>()
            );
            got.extend(p);
        }
        assert!(got.len() < all.len(), "no asset was skipped");
        assert_ne!(page(3, 1), page(3, 2));
    }

    #[test]
    fn sizes_count_listed_assets_and_variety_is_there() {
        let s = generate(7, &[3000, 300, 30]);
        assert_eq!(s.timeline(0).len(), 3000);
        assert_eq!(s.timeline(1).len(), 300);
        assert_eq!(s.timeline(2).len(), 30);
        let listed: Vec<&Asset> = s.timeline(0).iter().map(|&i| s.asset(i).unwrap()).collect();
        let count = |f: &dyn Fn(&Asset) -> bool| listed.iter().filter(|a| f(a)).count();
        let videos = count(&|a| a.kind() == Kind::Video);
        assert!((150..500).contains(&videos), "videos {videos}");
        assert!(count(&|a| a.has(flag::FAVORITE)) > 50);
        assert!(count(&|a| a.has(flag::ARCHIVED)) > 20);
        assert!(count(&|a| a.has(flag::TRASHED)) > 5);
        assert!(count(&|a| a.has(flag::OFFLINE)) > 0);
        assert!(count(&|a| a.live != NONE) > 50);
        assert!(count(&|a| a.parent != NONE) > 10);
        for shape in 0..SHAPES as u8 {
            assert!(count(&|a| a.shape == shape) > 0, "shape {shape}");
        }
        let hidden = s
            .assets()
            .iter()
            .filter(|a| a.owner == 0 && a.has(flag::HIDDEN))
            .count();
        assert_eq!(hidden, count(&|a| a.live != NONE));
        // Dates span years, with at least one busy day.
        let years: std::collections::BTreeSet<i64> = listed
            .iter()
            .map(|a| a.created_ms / (365 * DAY_MS))
            .collect();
        assert!(years.len() >= 8, "{years:?}");
        let mut per_day = std::collections::HashMap::new();
        for a in &listed {
            *per_day.entry(a.created_ms / DAY_MS).or_insert(0) += 1;
        }
        assert!(per_day.values().any(|&c| c >= 50));
        assert!(listed.iter().all(|a| a.created_ms <= ANCHOR_MS
            && a.updated_ms <= ANCHOR_MS
            && a.created_ms >= START_MS - DAY_MS));
    }

    #[test]
    fn portrait_phone_photos_are_rotated_in_exif() {
        let d = dims(1, Shape::Portrait as u8, Kind::Image);
        assert_eq!((d.exif_w, d.exif_h, d.orientation), (4032, 3024, Some("6")));
        assert_eq!((d.display_w, d.display_h), (3024, 4032));
        let p = dims(6, Shape::Panorama as u8, Kind::Image);
        assert!(p.display_w > 3 * p.display_h);
        let t = dims(0, Shape::Tall as u8, Kind::Image);
        assert_eq!(
            (t.display_w, t.display_h, t.orientation),
            (1170, 2532, None)
        );
    }

    #[test]
    fn insert_new_lands_in_order() {
        let mut s = generate(1, &[200, 0, 0]);
        let top = s.asset(s.timeline(0)[0]).unwrap().created_ms;
        let idx = insert_new(&mut s, 0, top + 1000, top + 1000);
        assert_eq!(s.timeline(0)[0], idx);
        assert_eq!(s.timeline(0).len(), 201);
    }
}
