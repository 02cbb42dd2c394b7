//! Turns compact records into Immich's wire types, the way Immich v1.103.1's
//! mapper fills them for `GET /api/asset` (list) and `GET /api/asset/{id}` (detail).

use crate::{
    generate::{details_rng, dims, Shape},
    rng::format_uuid,
    store::{flag, Asset, Kind, Store, User, NONE},
    tables::{Naming, CAMERAS, DESCRIPTIONS, OBJECTS, PLACES, TAG_NAMES},
    thumbs::{Palette, COLOURS},
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use immich_api::{
    AssetResponseDto, AssetTypeEnum, ExifResponseDto, PartnerResponseDto, SmartInfoResponseDto,
    TagResponseDto, TagTypeEnum, Timestamp, UserAvatarColor, UserResponseDto, UserStatus,
};

/// Milliseconds to a UTC date (out-of-range values clamp to the epoch).
pub fn date(ms: i64) -> Timestamp {
    Timestamp::from_timestamp_millis(ms).unwrap_or_default()
}

/// A user as `UserResponseDto`.
pub fn user_dto(u: &User) -> UserResponseDto {
    UserResponseDto {
        id: format_uuid(u.id),
        name: u.name.clone(),
        email: u.email.clone(),
        profile_image_path: String::new(),
        avatar_color: UserAvatarColor::from_wire(u.avatar_color),
        storage_label: u.storage_label.clone(),
        is_admin: u.is_admin,
        should_change_password: false,
        oauth_id: String::new(),
        memories_enabled: Some(true),
        quota_size_in_bytes: None,
        quota_usage_in_bytes: Some(0),
        status: UserStatus::Active,
        created_at: date(u.created_ms),
        updated_at: date(u.created_ms),
        deleted_at: None,
    }
}

/// A partner as `PartnerResponseDto`: the other user of the relation, mapped
/// as for `/api/user`, plus the relation's `inTimeline`.
pub fn partner_dto(u: &User, in_timeline: bool) -> PartnerResponseDto {
    PartnerResponseDto {
        user: user_dto(u),
        in_timeline: Some(in_timeline),
    }
}

/// What the mapper needs besides the record.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The library.
    pub store: &'a Store,
    /// Thumbhash palette.
    pub palette: &'a Palette,
    /// Index of the calling user (partner sanitising).
    pub viewer: u8,
    /// Detail view (`GET /api/asset/{id}`): adds `owner` and `smartInfo`.
    pub detail: bool,
}

/// Derived look of an asset: thumbhash bytes and displayed size (for thumbnails).
pub struct Look {
    /// Raw thumbhash.
    pub thumbhash: Vec<u8>,
    /// Displayed width.
    pub width: u32,
    /// Displayed height.
    pub height: u32,
}

/// The thumbhash colour slot of a generated asset.
fn colour(store: &Store, a: &Asset) -> u32 {
    (details_rng(store.seed, a.serial).next_u64() % COLOURS as u64) as u32
}

/// Thumbhash and displayed size of an asset, for rendering its images.
pub fn look(store: &Store, palette: &Palette, a: &Asset) -> Look {
    if a.has(flag::LOADED) {
        if let Some(dto) = store.loaded(a.serial) {
            let hash = dto
                .thumbhash
                .as_deref()
                .and_then(|t| STANDARD.decode(t).ok());
            let exif = dto.exif_info.as_ref();
            let (mut w, mut h) = (
                exif.and_then(|e| e.exif_image_width).unwrap_or(0.0) as u32,
                exif.and_then(|e| e.exif_image_height).unwrap_or(0.0) as u32,
            );
            if exif
                .and_then(|e| e.orientation.as_deref())
                .is_some_and(|o| matches!(o, "5" | "6" | "7" | "8" | "90" | "-90"))
            {
                std::mem::swap(&mut w, &mut h);
            }
            let hash = hash.unwrap_or_else(|| palette.raw(Palette::slot(0, 0)).to_vec());
            if w == 0 || h == 0 {
                // No size: fall back to the thumbhash's own aspect.
                let ratio = thumbhash::thumb_hash_to_approximate_aspect_ratio(&hash).unwrap_or(1.0);
                w = 1000;
                h = ((1000.0 / ratio.max(0.01)) as u32).max(1);
            }
            return Look {
                thumbhash: hash,
                width: w,
                height: h,
            };
        }
    }
    let d = dims(a.camera, a.shape, a.kind());
    Look {
        thumbhash: palette
            .raw(Palette::slot(a.shape, colour(store, a)))
            .to_vec(),
        width: d.display_w,
        height: d.display_h,
    }
}

/// Immich's duration text: `H:MM:SS.ffffff` for videos, `0:00:00.00000` for images.
pub fn duration_text(ms: Option<u64>) -> String {
    match ms {
        None => "0:00:00.00000".to_owned(),
        Some(ms) => {
            let (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
            format!("{h}:{m:02}:{s:02}.{:06}", f * 1000)
        }
    }
}

/// The asset at `idx` as Immich maps it; `with_stack` adds stack data (top-level assets).
pub fn asset_dto(ctx: Ctx<'_>, idx: u32, with_stack: bool) -> Option<AssetResponseDto> {
    let store = ctx.store;
    let a = store.asset(idx)?;
    let mut dto = if a.has(flag::LOADED) {
        let mut d = store.loaded(a.serial)?.clone();
        d.owner_id = store
            .users
            .get(a.owner as usize)
            .map(|u| format_uuid(u.id))
            .unwrap_or_default();
        d.updated_at = date(a.updated_ms);
        d.file_created_at = date(a.created_ms);
        d.is_favorite = a.has(flag::FAVORITE);
        d.is_archived = a.has(flag::ARCHIVED);
        d.is_trashed = a.has(flag::TRASHED);
        if a.edits > 0 {
            if let Some(e) = d.exif_info.as_mut() {
                e.description = Some(format!("Edited {} times", a.edits));
            }
        }
        d.owner = None;
        d.smart_info = None;
        d
    } else {
        generated(ctx, a)
    };
    if !ctx.detail {
        dto.people = Some(Vec::new());
    }
    if dto.tags.is_none() {
        dto.tags = Some(Vec::new());
    }
    // Immich hides a partner's favourite/archive state.
    if a.owner != ctx.viewer {
        dto.is_favorite = false;
        dto.is_archived = false;
    }
    dto.stack = None;
    dto.stack_count = None;
    dto.stack_parent_id = None;
    if with_stack {
        if a.parent != NONE {
            dto.stack_parent_id = Some(Some(store.id_text(a.parent)));
        } else if let Some(children) = store.stack_children(idx) {
            let mut live: Vec<u32> = children
                .iter()
                .copied()
                .filter(|&c| store.asset(c).is_some_and(|x| !x.has(flag::DELETED)))
                .collect();
            // Members oldest first (ties by insertion), however the stack was built.
            live.sort_by_key(|&c| (store.asset(c).map_or(0, |x| x.created_ms), c));
            if !live.is_empty() {
                let member_ctx = Ctx {
                    detail: false,
                    ..ctx
                };
                dto.stack = Some(
                    live.iter()
                        .filter_map(|&c| asset_dto(member_ctx, c, false))
                        .collect(),
                );
                dto.stack_count = Some(live.len() as i64 + 1);
            }
        }
    }
    if ctx.detail {
        dto.owner = store.users.get(a.owner as usize).map(user_dto);
    }
    Some(dto)
}

fn file_name(naming: Naming, kind: Kind, number: u64, t: Timestamp) -> String {
    let video = kind == Kind::Video;
    let t = t.civil();
    let stamp = format!(
        "{:04}{:02}{:02}_{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    );
    match naming {
        Naming::Apple => format!(
            "IMG_{:04}.{}",
            number % 10_000,
            if video { "MOV" } else { "HEIC" }
        ),
        Naming::Pixel => format!(
            "PXL_{stamp}{:03}.{}",
            number % 1000,
            if video { "mp4" } else { "jpg" }
        ),
        Naming::Samsung => format!("{stamp}.{}", if video { "mp4" } else { "jpg" }),
        Naming::Dsc if video => format!("C{:04}.MP4", number % 10_000),
        Naming::Dsc => format!("DSC{:05}.JPG", number % 100_000),
        Naming::Screenshot => format!("Screenshot_{stamp}.png"),
    }
}

fn generated(ctx: Ctx<'_>, a: &Asset) -> AssetResponseDto {
    let store = ctx.store;
    let mut rng = details_rng(store.seed, a.serial);
    let slot_colour = (rng.next_u64() % COLOURS as u64) as u32;
    let owner = store.users.get(a.owner as usize);
    let cam = CAMERAS.get(a.camera as usize).unwrap_or(&CAMERAS[0]);
    let kind = a.kind();
    let d = dims(a.camera, a.shape, kind);
    let created = date(a.created_ms);
    let place = PLACES.get(a.place as usize);
    let offset_ms = i64::from(place.map_or(60, |p| p.offset_min)) * 60_000;
    let number = rng.below(9000) + 1000 + u64::from(a.serial);
    let name = file_name(cam.naming, kind, number, date(a.created_ms + offset_ms));
    let label = owner
        .and_then(|u| u.storage_label.clone())
        .unwrap_or_else(|| owner.map(|u| format_uuid(u.id)).unwrap_or_default());
    let day = created.civil();
    let original_path = format!(
        "upload/library/{label}/{:04}/{:04}-{:02}-{:02}/{name}",
        day.year, day.year, day.month, day.day
    );
    let duration_ms = (kind == Kind::Video).then(|| {
        if a.has(flag::HIDDEN) {
            rng.range(1500, 3000) as u64 // a live photo's motion part
        } else {
            rng.range(1000, 180_000) as u64
        }
    });
    let size = match (kind, cam.naming) {
        (Kind::Video, _) => duration_ms.unwrap_or(1000) as i64 * rng.range(600, 2500),
        (_, Naming::Screenshot) => rng.range(200_000, 1_500_000),
        (_, Naming::Dsc) => rng.range(6_000_000, 25_000_000),
        _ => rng.range(1_200_000, 6_000_000),
    };
    let mut checksum = [0u8; 20];
    for chunk in checksum.chunks_mut(8) {
        let bytes = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    let has_camera = !cam.make.is_empty();
    // One optic per shot: lens, focal length and aperture agree.
    let optic = rng.below(8) as usize;
    let nth = |items: &[f64]| (has_camera && !items.is_empty()).then(|| items[optic % items.len()]);
    let lens = (has_camera && !cam.lenses.is_empty())
        .then(|| cam.lenses[optic % cam.lenses.len()].to_owned());
    let focal = nth(cam.focal);
    let aperture = nth(cam.apertures);
    let iso = has_camera
        .then(|| [50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0][rng.below(7) as usize]);
    let exposure = has_camera.then(|| {
        format!(
            "1/{}",
            [30, 60, 125, 250, 500, 1000, 2000][rng.below(7) as usize]
        )
    });
    let (lat, lon) = match place {
        Some(p) => (
            Some(((p.lat + (rng.unit() - 0.5) * 0.08) * 1e6).round() / 1e6),
            Some(((p.lon + (rng.unit() - 0.5) * 0.08) * 1e6).round() / 1e6),
        ),
        None => (None, None),
    };
    let description = if a.edits > 0 {
        format!("Edited {} times", a.edits)
    } else {
        rng.pick(DESCRIPTIONS).copied().unwrap_or("").to_owned()
    };
    let projection = (Shape::from_u8(a.shape) == Shape::Panorama && cam.make == "DJI")
        .then(|| "EQUIRECTANGULAR".to_owned());
    let exif = ExifResponseDto {
        make: has_camera.then(|| cam.make.to_owned()),
        model: has_camera.then(|| cam.model.to_owned()),
        exif_image_width: Some(f64::from(d.exif_w)),
        exif_image_height: Some(f64::from(d.exif_h)),
        file_size_in_byte: Some(size),
        orientation: d.orientation.map(str::to_owned),
        date_time_original: Some(created),
        modify_date: Some(created),
        time_zone: place.map(|p| p.tz.to_owned()),
        lens_model: lens,
        f_number: aperture,
        focal_length: focal,
        iso,
        exposure_time: exposure,
        latitude: lat,
        longitude: lon,
        city: place.map(|p| p.city.to_owned()),
        state: place.map(|p| p.state.to_owned()),
        country: place.map(|p| p.country.to_owned()),
        description: Some(description),
        projection_type: projection,
    };
    let tags = match (owner, rng.below(100)) {
        (Some(u), r) if r < 15 => {
            let first = rng.below(TAG_NAMES.len() as u64) as usize;
            let count = if r < 4 { 2 } else { 1 };
            (0..count)
                .map(|k| (first + k * 3) % TAG_NAMES.len())
                .map(|t| TagResponseDto {
                    id: u
                        .tag_ids
                        .get(t)
                        .map(|&id| format_uuid(id))
                        .unwrap_or_default(),
                    tag_type: TagTypeEnum::Custom,
                    name: TAG_NAMES.get(t).copied().unwrap_or("").to_owned(),
                    user_id: format_uuid(u.id),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let smart_info = ctx.detail.then(|| SmartInfoResponseDto {
        tags: None,
        objects: Some(
            (0..rng.range(1, 3))
                .filter_map(|_| rng.pick(OBJECTS).map(|s| (*s).to_owned()))
                .collect(),
        ),
    });
    AssetResponseDto {
        id: format_uuid(a.id()),
        device_asset_id: format!("web-{name}-{}", a.created_ms),
        owner_id: owner.map(|u| format_uuid(u.id)).unwrap_or_default(),
        owner: None,
        device_id: "WEB".to_owned(),
        library_id: owner.map(|u| format_uuid(u.library_id)).unwrap_or_default(),
        asset_type: match kind {
            Kind::Image => AssetTypeEnum::Image,
            Kind::Video => AssetTypeEnum::Video,
            Kind::Audio => AssetTypeEnum::Audio,
            Kind::Other => AssetTypeEnum::Other,
        },
        original_path,
        original_file_name: name,
        resized: true,
        thumbhash: Some(
            ctx.palette
                .base64(Palette::slot(a.shape, slot_colour))
                .to_owned(),
        ),
        file_created_at: created,
        file_modified_at: created,
        local_date_time: date(a.created_ms + offset_ms),
        updated_at: date(a.updated_ms),
        is_favorite: a.has(flag::FAVORITE),
        is_archived: a.has(flag::ARCHIVED),
        is_trashed: a.has(flag::TRASHED),
        is_offline: a.has(flag::OFFLINE),
        is_external: false,
        is_read_only: false,
        duration: duration_text(duration_ms),
        exif_info: Some(exif),
        smart_info,
        live_photo_video_id: Some((a.live != NONE).then(|| store.id_text(a.live))),
        tags: Some(tags),
        people: Some(Vec::new()),
        checksum: STANDARD.encode(checksum),
        stack_parent_id: None,
        stack: None,
        stack_count: None,
        has_metadata: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_look_like_immich() {
        fn check(input: Option<u64>, expected: &str) {
            assert_eq!(duration_text(input), expected);
        }
        check(None, "0:00:00.00000");
        check(Some(12_345), "0:00:12.345000");
        check(Some(3_723_004), "1:02:03.004000");
    }

    #[test]
    fn file_names_follow_the_camera() {
        let t = date(1_700_000_000_000);
        assert_eq!(
            file_name(Naming::Apple, Kind::Image, 12_345, t),
            "IMG_2345.HEIC"
        );
        assert_eq!(file_name(Naming::Apple, Kind::Video, 7, t), "IMG_0007.MOV");
        assert_eq!(
            file_name(Naming::Pixel, Kind::Image, 5, t),
            "PXL_20231114_221320005.jpg"
        );
        assert_eq!(
            file_name(Naming::Screenshot, Kind::Image, 5, t),
            "Screenshot_20231114_221320.png"
        );
    }
}
