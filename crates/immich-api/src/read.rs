//! [`FromJson`] for the wire types the app decodes: by hand, with the same
//! rules as their serde derives (see the crate docs): camelCase keys,
//! unknown keys skipped, a key seen twice refused, a required key missing
//! refused; `null` and absence as each field's convention says.
//! `tests/read.rs` checks every reader against the serde derive.

use crate::json::{Error, FromJson, Number, Reader};
use crate::{
    asset::{
        AssetFaceWithoutPersonResponseDto, AssetResponseDto, AssetStatsResponseDto,
        AuditDeletesResponseDto, ExifResponseDto, PersonWithFacesResponseDto, SmartInfoResponseDto,
        TagResponseDto,
    },
    timeline::{
        ApiKeyResponseDto, BucketDuration, ServerVersionV3ResponseDto, TimeBucketAssetResponseDto,
        TimeBucketsResponseDto,
    },
    Date, ErrorMessage, ErrorResponse, JsNumber, PartnerResponseDto, ServerPingResponse,
    ServerVersionResponseDto, Timestamp, UserResponseDto,
};

/// Reads the members of an object into `Option` slots, one per listed key
/// (`"wireName" => slot: Type`); other keys are skipped, a key twice refused.
/// Exported for the other crates' stored records.
#[macro_export]
macro_rules! read_object {
    ($r:ident, { $( $wire:literal => $slot:ident : $ty:ty ),* $(,)? }) => {
        $( let mut $slot: Option<$ty> = None; )*
        $r.begin_object()?;
        while let Some(key) = $r.next_key()? {
            match &*key {
                $( $wire => $r.field(&mut $slot, $wire)?, )*
                _ => $r.skip()?,
            }
        }
    };
}

/// A required key's value, or the "missing field" error.
fn req<T>(r: &Reader<'_>, slot: Option<T>, key: &str) -> Result<T, Error> {
    slot.ok_or_else(|| r.missing(key))
}

impl FromJson for Timestamp {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let text = r.str()?;
        crate::iso::parse(&text).ok_or_else(|| r.error(format!("invalid RFC 3339 date {text:?}")))
    }
}

/// `format: date` (`birthDate`): `YYYY-MM-DD`, or leniently a full timestamp's date.
struct BirthDate(Date);

impl FromJson for BirthDate {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let text = r.str()?;
        Date::parse(&text)
            .or_else(|| crate::iso::parse(&text).map(|t| t.date()))
            .map(BirthDate)
            .ok_or_else(|| r.error(format!("invalid date {text:?}, expected YYYY-MM-DD")))
    }
}

impl FromJson for JsNumber {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        r.f64().map(JsNumber)
    }
}

impl FromJson for ServerPingResponse {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, { "res" => res: String });
        Ok(Self {
            res: req(r, res, "res")?,
        })
    }
}

impl FromJson for ServerVersionResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, { "major" => major: i64, "minor" => minor: i64, "patch" => patch: i64 });
        Ok(Self {
            major: req(r, major, "major")?,
            minor: req(r, minor, "minor")?,
            patch: req(r, patch, "patch")?,
        })
    }
}

impl FromJson for ServerVersionV3ResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "major" => major: i64,
            "minor" => minor: i64,
            "patch" => patch: i64,
            "prerelease" => prerelease: Option<i64>,
        });
        Ok(Self {
            major: req(r, major, "major")?,
            minor: req(r, minor, "minor")?,
            patch: req(r, patch, "patch")?,
            prerelease: prerelease.flatten(),
        })
    }
}

impl FromJson for ErrorMessage {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.peek()? {
            crate::json::Kind::String => r.string().map(ErrorMessage::One),
            crate::json::Kind::Array => Vec::<String>::read(r).map(ErrorMessage::Many),
            _ => Err(r.error("data did not match any variant of ErrorMessage")),
        }
    }
}

impl FromJson for ErrorResponse {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "message" => message: ErrorMessage,
            "error" => error: Option<String>,
            "statusCode" => status_code: u16,
        });
        Ok(Self {
            message: req(r, message, "message")?,
            error: error.flatten(),
            status_code: req(r, status_code, "statusCode")?,
        })
    }
}

/// The keys of a `UserResponseDto` (also the top level of a partner).
#[derive(Default)]
struct UserFields {
    id: Option<String>,
    email: Option<String>,
    name: Option<String>,
    profile_image_path: Option<String>,
    avatar_color: Option<crate::UserAvatarColor>,
    storage_label: Option<Option<String>>,
    should_change_password: Option<bool>,
    is_admin: Option<bool>,
    created_at: Option<Timestamp>,
    deleted_at: Option<Option<Timestamp>>,
    updated_at: Option<Timestamp>,
    oauth_id: Option<String>,
    memories_enabled: Option<Option<bool>>,
    quota_size_in_bytes: Option<Option<i64>>,
    quota_usage_in_bytes: Option<Option<i64>>,
    status: Option<crate::UserStatus>,
}

impl UserFields {
    /// Reads the value of `key` if it is a user key; false (nothing read) otherwise.
    fn accept(&mut self, r: &mut Reader<'_>, key: &str) -> Result<bool, Error> {
        match key {
            "id" => r.field(&mut self.id, key)?,
            "email" => r.field(&mut self.email, key)?,
            "name" => r.field(&mut self.name, key)?,
            "profileImagePath" => r.field(&mut self.profile_image_path, key)?,
            "avatarColor" => r.field(&mut self.avatar_color, key)?,
            "storageLabel" => r.field(&mut self.storage_label, key)?,
            "shouldChangePassword" => r.field(&mut self.should_change_password, key)?,
            "isAdmin" => r.field(&mut self.is_admin, key)?,
            "createdAt" => r.field(&mut self.created_at, key)?,
            "deletedAt" => r.field(&mut self.deleted_at, key)?,
            "updatedAt" => r.field(&mut self.updated_at, key)?,
            "oauthId" => r.field(&mut self.oauth_id, key)?,
            "memoriesEnabled" => r.field(&mut self.memories_enabled, key)?,
            "quotaSizeInBytes" => r.field(&mut self.quota_size_in_bytes, key)?,
            "quotaUsageInBytes" => r.field(&mut self.quota_usage_in_bytes, key)?,
            "status" => r.field(&mut self.status, key)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish(self, r: &Reader<'_>) -> Result<UserResponseDto, Error> {
        Ok(UserResponseDto {
            id: req(r, self.id, "id")?,
            email: req(r, self.email, "email")?,
            name: req(r, self.name, "name")?,
            profile_image_path: req(r, self.profile_image_path, "profileImagePath")?,
            avatar_color: req(r, self.avatar_color, "avatarColor")?,
            storage_label: req(r, self.storage_label, "storageLabel")?,
            should_change_password: req(r, self.should_change_password, "shouldChangePassword")?,
            is_admin: req(r, self.is_admin, "isAdmin")?,
            created_at: req(r, self.created_at, "createdAt")?,
            deleted_at: req(r, self.deleted_at, "deletedAt")?,
            updated_at: req(r, self.updated_at, "updatedAt")?,
            oauth_id: req(r, self.oauth_id, "oauthId")?,
            memories_enabled: self.memories_enabled.flatten(),
            quota_size_in_bytes: req(r, self.quota_size_in_bytes, "quotaSizeInBytes")?,
            quota_usage_in_bytes: req(r, self.quota_usage_in_bytes, "quotaUsageInBytes")?,
            status: req(r, self.status, "status")?,
        })
    }
}

impl FromJson for UserResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut user = UserFields::default();
        r.begin_object()?;
        while let Some(key) = r.next_key()? {
            if !user.accept(r, &key)? {
                r.skip()?;
            }
        }
        user.finish(r)
    }
}

impl FromJson for PartnerResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut user = UserFields::default();
        let mut in_timeline: Option<Option<bool>> = None;
        r.begin_object()?;
        while let Some(key) = r.next_key()? {
            if key == "inTimeline" {
                r.field(&mut in_timeline, "inTimeline")?;
            } else if !user.accept(r, &key)? {
                r.skip()?;
            }
        }
        Ok(Self {
            user: user.finish(r)?,
            in_timeline: in_timeline.flatten(),
        })
    }
}

impl FromJson for AssetStatsResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, { "images" => images: i64, "videos" => videos: i64, "total" => total: i64 });
        Ok(Self {
            images: req(r, images, "images")?,
            videos: req(r, videos, "videos")?,
            total: req(r, total, "total")?,
        })
    }
}

impl FromJson for AuditDeletesResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, { "ids" => ids: Vec<String>, "needsFullSync" => needs_full_sync: bool });
        Ok(Self {
            ids: req(r, ids, "ids")?,
            needs_full_sync: req(r, needs_full_sync, "needsFullSync")?,
        })
    }
}

impl FromJson for ApiKeyResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "id" => id: String,
            "name" => name: String,
            "permissions" => permissions: Vec<String>,
        });
        Ok(Self {
            id: req(r, id, "id")?,
            name: req(r, name, "name")?,
            permissions: req(r, permissions, "permissions")?,
        })
    }
}

impl FromJson for TagResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "id" => id: String,
            "type" => tag_type: crate::TagTypeEnum,
            "name" => name: String,
            "userId" => user_id: String,
        });
        Ok(Self {
            id: req(r, id, "id")?,
            tag_type: req(r, tag_type, "type")?,
            name: req(r, name, "name")?,
            user_id: req(r, user_id, "userId")?,
        })
    }
}

impl FromJson for AssetFaceWithoutPersonResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "id" => id: String,
            "imageHeight" => image_height: i64,
            "imageWidth" => image_width: i64,
            "boundingBoxX1" => x1: i64,
            "boundingBoxX2" => x2: i64,
            "boundingBoxY1" => y1: i64,
            "boundingBoxY2" => y2: i64,
        });
        Ok(Self {
            id: req(r, id, "id")?,
            image_height: req(r, image_height, "imageHeight")?,
            image_width: req(r, image_width, "imageWidth")?,
            bounding_box_x1: req(r, x1, "boundingBoxX1")?,
            bounding_box_x2: req(r, x2, "boundingBoxX2")?,
            bounding_box_y1: req(r, y1, "boundingBoxY1")?,
            bounding_box_y2: req(r, y2, "boundingBoxY2")?,
        })
    }
}

impl FromJson for PersonWithFacesResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "id" => id: String,
            "name" => name: String,
            "birthDate" => birth_date: Option<BirthDate>,
            "thumbnailPath" => thumbnail_path: String,
            "isHidden" => is_hidden: bool,
            "faces" => faces: Vec<AssetFaceWithoutPersonResponseDto>,
        });
        Ok(Self {
            id: req(r, id, "id")?,
            name: req(r, name, "name")?,
            birth_date: req(r, birth_date, "birthDate")?.map(|d| d.0),
            thumbnail_path: req(r, thumbnail_path, "thumbnailPath")?,
            is_hidden: req(r, is_hidden, "isHidden")?,
            faces: req(r, faces, "faces")?,
        })
    }
}

impl FromJson for SmartInfoResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "tags" => tags: Option<Vec<String>>,
            "objects" => objects: Option<Vec<String>>,
        });
        Ok(Self {
            tags: tags.flatten(),
            objects: objects.flatten(),
        })
    }
}

impl FromJson for ExifResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "make" => make: Option<String>,
            "model" => model: Option<String>,
            "exifImageWidth" => exif_image_width: Option<f64>,
            "exifImageHeight" => exif_image_height: Option<f64>,
            "fileSizeInByte" => file_size_in_byte: Option<i64>,
            "orientation" => orientation: Option<String>,
            "dateTimeOriginal" => date_time_original: Option<Timestamp>,
            "modifyDate" => modify_date: Option<Timestamp>,
            "timeZone" => time_zone: Option<String>,
            "lensModel" => lens_model: Option<String>,
            "fNumber" => f_number: Option<f64>,
            "focalLength" => focal_length: Option<f64>,
            "iso" => iso: Option<f64>,
            "exposureTime" => exposure_time: Option<String>,
            "latitude" => latitude: Option<f64>,
            "longitude" => longitude: Option<f64>,
            "city" => city: Option<String>,
            "state" => state: Option<String>,
            "country" => country: Option<String>,
            "description" => description: Option<String>,
            "projectionType" => projection_type: Option<String>,
        });
        // Every key optional and nullable: absent and `null` are both `None`.
        Ok(Self {
            make: make.flatten(),
            model: model.flatten(),
            exif_image_width: exif_image_width.flatten(),
            exif_image_height: exif_image_height.flatten(),
            file_size_in_byte: file_size_in_byte.flatten(),
            orientation: orientation.flatten(),
            date_time_original: date_time_original.flatten(),
            modify_date: modify_date.flatten(),
            time_zone: time_zone.flatten(),
            lens_model: lens_model.flatten(),
            f_number: f_number.flatten(),
            focal_length: focal_length.flatten(),
            iso: iso.flatten(),
            exposure_time: exposure_time.flatten(),
            latitude: latitude.flatten(),
            longitude: longitude.flatten(),
            city: city.flatten(),
            state: state.flatten(),
            country: country.flatten(),
            description: description.flatten(),
            projection_type: projection_type.flatten(),
        })
    }
}

impl FromJson for AssetResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, {
            "id" => id: String,
            "deviceAssetId" => device_asset_id: String,
            "ownerId" => owner_id: String,
            "owner" => owner: Option<UserResponseDto>,
            "deviceId" => device_id: String,
            "libraryId" => library_id: String,
            "type" => asset_type: crate::AssetTypeEnum,
            "originalPath" => original_path: String,
            "originalFileName" => original_file_name: String,
            "resized" => resized: bool,
            "thumbhash" => thumbhash: Option<String>,
            "fileCreatedAt" => file_created_at: Timestamp,
            "fileModifiedAt" => file_modified_at: Timestamp,
            "localDateTime" => local_date_time: Timestamp,
            "updatedAt" => updated_at: Timestamp,
            "isFavorite" => is_favorite: bool,
            "isArchived" => is_archived: bool,
            "isTrashed" => is_trashed: bool,
            "duration" => duration: String,
            "exifInfo" => exif_info: Option<ExifResponseDto>,
            "smartInfo" => smart_info: Option<SmartInfoResponseDto>,
            "livePhotoVideoId" => live_photo_video_id: Option<String>,
            "tags" => tags: Option<Vec<TagResponseDto>>,
            "people" => people: Option<Vec<PersonWithFacesResponseDto>>,
            "checksum" => checksum: String,
            "stackParentId" => stack_parent_id: Option<String>,
            "stack" => stack: Option<Vec<AssetResponseDto>>,
            "stackCount" => stack_count: Option<i64>,
            "isExternal" => is_external: bool,
            "isOffline" => is_offline: bool,
            "isReadOnly" => is_read_only: bool,
            "hasMetadata" => has_metadata: bool,
        });
        Ok(Self {
            id: req(r, id, "id")?,
            device_asset_id: req(r, device_asset_id, "deviceAssetId")?,
            owner_id: req(r, owner_id, "ownerId")?,
            owner: owner.flatten(),
            device_id: req(r, device_id, "deviceId")?,
            library_id: req(r, library_id, "libraryId")?,
            asset_type: req(r, asset_type, "type")?,
            original_path: req(r, original_path, "originalPath")?,
            original_file_name: req(r, original_file_name, "originalFileName")?,
            resized: req(r, resized, "resized")?,
            thumbhash: req(r, thumbhash, "thumbhash")?,
            file_created_at: req(r, file_created_at, "fileCreatedAt")?,
            file_modified_at: req(r, file_modified_at, "fileModifiedAt")?,
            local_date_time: req(r, local_date_time, "localDateTime")?,
            updated_at: req(r, updated_at, "updatedAt")?,
            is_favorite: req(r, is_favorite, "isFavorite")?,
            is_archived: req(r, is_archived, "isArchived")?,
            is_trashed: req(r, is_trashed, "isTrashed")?,
            duration: req(r, duration, "duration")?,
            exif_info: exif_info.flatten(),
            smart_info: smart_info.flatten(),
            // Optional and nullable: absent (`None`) and `null` (`Some(None)`) kept apart.
            live_photo_video_id,
            tags: tags.flatten(),
            people: people.flatten(),
            checksum: req(r, checksum, "checksum")?,
            stack_parent_id,
            stack: stack.flatten(),
            stack_count: req(r, stack_count, "stackCount")?,
            is_external: req(r, is_external, "isExternal")?,
            is_offline: req(r, is_offline, "isOffline")?,
            is_read_only: req(r, is_read_only, "isReadOnly")?,
            has_metadata: req(r, has_metadata, "hasMetadata")?,
        })
    }
}

impl FromJson for TimeBucketsResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        read_object!(r, { "timeBucket" => time_bucket: String, "count" => count: i64 });
        Ok(Self {
            time_bucket: req(r, time_bucket, "timeBucket")?,
            count: req(r, count, "count")?,
        })
    }
}

/// Milliseconds (a non-negative integer) or `H:MM:SS.ffffff` text.
impl FromJson for BucketDuration {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        match r.peek()? {
            crate::json::Kind::String => r.string().map(BucketDuration::Text),
            crate::json::Kind::Number => {
                let at = r.offset();
                match r.number()? {
                    Number::Int(n) => u64::try_from(n)
                        .map(BucketDuration::Millis)
                        .map_err(|_| at_error(at, "a negative duration")),
                    Number::Float(_) => Err(at_error(
                        at,
                        "invalid type: a number with a fraction or exponent, expected a duration",
                    )),
                }
            }
            _ => Err(r.error("expected a duration: milliseconds or H:MM:SS.ffffff")),
        }
    }
}

fn at_error(offset: usize, message: &str) -> Error {
    Error {
        message: message.to_owned(),
        offset,
    }
}

impl FromJson for TimeBucketAssetResponseDto {
    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        // Each column is read straight into its `Vec`.
        read_object!(r, {
            "id" => id: Vec<String>,
            "ownerId" => owner_id: Vec<String>,
            "ratio" => ratio: Vec<JsNumber>,
            "isFavorite" => is_favorite: Vec<bool>,
            "visibility" => visibility: Vec<crate::AssetVisibility>,
            "isTrashed" => is_trashed: Vec<bool>,
            "isImage" => is_image: Vec<bool>,
            "thumbhash" => thumbhash: Vec<Option<String>>,
            "fileCreatedAt" => file_created_at: Vec<String>,
            "localOffsetHours" => local_offset_hours: Vec<JsNumber>,
            "duration" => duration: Vec<Option<BucketDuration>>,
            "livePhotoVideoId" => live_photo_video_id: Vec<Option<String>>,
            "projectionType" => projection_type: Vec<Option<String>>,
            "city" => city: Option<Vec<Option<String>>>,
            "country" => country: Option<Vec<Option<String>>>,
            "createdAt" => created_at: Vec<String>,
            "stack" => stack: Option<Vec<Option<Vec<String>>>>,
            "latitude" => latitude: Option<Vec<Option<JsNumber>>>,
            "longitude" => longitude: Option<Vec<Option<JsNumber>>>,
        });
        Ok(Self {
            id: req(r, id, "id")?,
            owner_id: req(r, owner_id, "ownerId")?,
            ratio: req(r, ratio, "ratio")?,
            is_favorite: req(r, is_favorite, "isFavorite")?,
            visibility: req(r, visibility, "visibility")?,
            is_trashed: req(r, is_trashed, "isTrashed")?,
            is_image: req(r, is_image, "isImage")?,
            thumbhash: req(r, thumbhash, "thumbhash")?,
            file_created_at: req(r, file_created_at, "fileCreatedAt")?,
            local_offset_hours: req(r, local_offset_hours, "localOffsetHours")?,
            duration: req(r, duration, "duration")?,
            live_photo_video_id: req(r, live_photo_video_id, "livePhotoVideoId")?,
            projection_type: req(r, projection_type, "projectionType")?,
            city: city.flatten(),
            country: country.flatten(),
            created_at: created_at.unwrap_or_default(),
            stack: stack.flatten(),
            latitude: latitude.flatten(),
            longitude: longitude.flatten(),
        })
    }
}
