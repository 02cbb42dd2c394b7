//! How the viewer's info panel words an asset's facts, the way a
//! photographer reads them: `1/250 s`, `f/1.8`, `50 mm`, `ISO 400`,
//! `4032 × 3024 (12.2 MP)`, `3.4 MB`, the date in the photo's own time zone,
//! and a map link at the photo's coordinates. Also the `?asset=ID` part of
//! the page's URL and the step to the previous/next asset.
//!
//! Plain Rust over the wire types, tested natively.

use immich_api::{AssetResponseDto, ExifResponseDto, Timestamp};

use crate::{
    data::urls::AssetId,
    locale::{Locale, When},
};

/// One line of the info panel: a label and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    /// Stable key (test id suffix and CSS hook).
    pub key: &'static str,
    /// What the value is, in words.
    pub label: &'static str,
    /// The value as shown.
    pub value: String,
}

/// Exposure time as Immich stores it (`"1/250"`, `"0.5"`, `"2"`), shown as
/// `1/250 s`, `1/2 s`, `2 s`. Anything else is shown as given, with `s`.
pub fn exposure(text: &str, l: &Locale) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.len() > 32 {
        return None;
    }
    if t.contains('/') {
        return Some(format!("{t} s"));
    }
    match t.parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Some(format!("1/{} s", (1.0 / v).round())),
        Ok(v) if v.is_finite() && v >= 1.0 => Some(format!("{} s", l.number(v, 1))),
        _ => Some(format!("{t} s")),
    }
}

/// `f/1.8`, `f/11`.
pub fn f_number(f: f64, l: &Locale) -> Option<String> {
    (f.is_finite() && f > 0.0).then(|| format!("f/{}", l.number(f, 1)))
}

/// `50 mm`, `4.2 mm`.
pub fn focal_length(mm: f64, l: &Locale) -> Option<String> {
    (mm.is_finite() && mm > 0.0).then(|| format!("{} mm", l.number(mm, 1)))
}

/// `ISO 400`.
pub fn iso(v: f64) -> Option<String> {
    (v.is_finite() && v > 0.0).then(|| format!("ISO {}", v.round()))
}

/// `4032 × 3024 (12.2 MP)`.
pub fn pixel_size(w: f64, h: f64, l: &Locale) -> Option<String> {
    if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0) {
        return None;
    }
    let mp = w * h / 1e6;
    Some(format!(
        "{} × {} ({} MP)",
        l.count(w.round() as u64),
        l.count(h.round() as u64),
        l.number(mp, 1)
    ))
}

/// `512 B`, `3.4 MB`, `1.2 GB` (decimal units, as cameras and Immich count).
pub fn file_size(bytes: i64, l: &Locale) -> Option<String> {
    if bytes < 0 {
        return None;
    }
    let b = bytes as f64;
    Some(if b < 1e3 {
        format!("{} B", l.count(bytes as u64))
    } else if b < 1e6 {
        format!("{} kB", l.number(b / 1e3, 1))
    } else if b < 1e9 {
        format!("{} MB", l.number(b / 1e6, 1))
    } else {
        format!("{} GB", l.number(b / 1e9, 1))
    })
}

/// `UTC+02:00`, `UTC−05:30` for an offset east of UTC in minutes.
pub fn offset_text(minutes: i64) -> String {
    let sign = if minutes < 0 { '−' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// When the photo was taken, on the clock of the place it was taken:
/// Immich's `localDateTime` is that wall clock (written as if UTC); the zone
/// is exif's `timeZone` when present, else the offset between the wall clock
/// and the instant (`dateTimeOriginal`). `Fri 3 May 2024, 14:05 (Europe/Paris)`.
pub fn date_taken(
    local: Timestamp,
    original: Option<Timestamp>,
    zone: Option<&str>,
    l: &Locale,
) -> String {
    let c = local.civil();
    let base = l.taken(&When {
        year: c.year,
        month: c.month,
        day: c.day,
        weekday: c.weekday_from_monday(),
        hour: c.hour,
        minute: c.minute,
    });
    let zone = zone
        .map(str::trim)
        .filter(|z| !z.is_empty() && z.len() <= 64);
    match (zone, original) {
        (Some(z), _) => format!("{base} ({z})"),
        (None, Some(o)) => {
            let minutes = (local.timestamp_millis() - o.timestamp_millis()) / 60_000;
            // Real offsets are within ±14 h; anything else is bad data.
            if minutes.abs() <= 14 * 60 {
                format!("{base} ({})", offset_text(minutes))
            } else {
                base
            }
        }
        (None, None) => base,
    }
}

/// OpenStreetMap at the coordinates, or `None` when they are not on Earth.
pub fn map_url(lat: f64, lon: f64) -> Option<String> {
    let ok = lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0;
    ok.then(|| {
        format!(
            "https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lon:.6}#map=15/{lat:.6}/{lon:.6}"
        )
    })
}

/// `48.8566, 2.3522` (four decimals: about 10 m).
pub fn coordinates(lat: f64, lon: f64) -> String {
    format!("{lat:.4}, {lon:.4}")
}

fn join_present(parts: &[Option<&String>], sep: &str) -> Option<String> {
    let v: Vec<&str> = parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!v.is_empty()).then(|| v.join(sep))
}

/// Camera as `Make Model`, without repeating the make when the model
/// already starts with it (`Canon Canon EOS R5` → `Canon EOS R5`).
pub fn camera(make: Option<&String>, model: Option<&String>) -> Option<String> {
    match (make.map(|s| s.trim()), model.map(|s| s.trim())) {
        (Some(ma), Some(mo))
            if !ma.is_empty() && mo.to_lowercase().starts_with(&ma.to_lowercase()) =>
        {
            Some(mo.to_owned())
        }
        _ => join_present(&[make, model], " "),
    }
}

/// Every fact of the asset that is present, in the order a photographer
/// reads them. Absent values make no line.
pub fn facts(a: &AssetResponseDto, l: &Locale) -> Vec<Fact> {
    let empty = ExifResponseDto::default();
    let e = a.exif_info.as_ref().unwrap_or(&empty);
    let mut out = Vec::new();
    let mut push = |key, label, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            out.push(Fact { key, label, value });
        }
    };
    push(
        "taken",
        "Taken",
        Some(date_taken(
            a.local_date_time,
            e.date_time_original,
            e.time_zone.as_deref(),
            l,
        )),
    );
    push(
        "camera",
        "Camera",
        camera(e.make.as_ref(), e.model.as_ref()),
    );
    push(
        "lens",
        "Lens",
        e.lens_model.clone().filter(|l| !l.trim().is_empty()),
    );
    let exposure_line = [
        e.exposure_time.as_deref().and_then(|t| exposure(t, l)),
        e.f_number.and_then(|f| f_number(f, l)),
        e.focal_length.and_then(|f| focal_length(f, l)),
        e.iso.and_then(iso),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    push("exposure", "Exposure", Some(exposure_line));
    push(
        "pixels",
        "Size",
        match (e.exif_image_width, e.exif_image_height) {
            (Some(w), Some(h)) => pixel_size(w, h, l),
            _ => None,
        },
    );
    push(
        "file-size",
        "File size",
        e.file_size_in_byte.and_then(|b| file_size(b, l)),
    );
    push(
        "place",
        "Place",
        join_present(
            &[e.city.as_ref(), e.state.as_ref(), e.country.as_ref()],
            ", ",
        ),
    );
    push(
        "coordinates",
        "Coordinates",
        match (e.latitude, e.longitude) {
            (Some(la), Some(lo)) if map_url(la, lo).is_some() => Some(coordinates(la, lo)),
            _ => None,
        },
    );
    push("description", "Description", e.description.clone());
    let people = a
        .people
        .iter()
        .flatten()
        .map(|p| p.name.trim())
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    push("people", "People", Some(people));
    let tags = a
        .tags
        .iter()
        .flatten()
        .map(|t| t.name.trim())
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    push("tags", "Tags", Some(tags));
    push("file-name", "File name", Some(a.original_file_name.clone()));
    push("flags", "Flags", Some(flags(a).join(", ")));
    out
}

/// The asset's flags in words (favourite, archived, in trash, offline,
/// read-only, external), those that are set.
pub fn flags(a: &AssetResponseDto) -> Vec<&'static str> {
    [
        (a.is_favorite, "favourite"),
        (a.is_archived, "archived"),
        (a.is_trashed, "in trash"),
        (a.is_offline, "offline"),
        (a.is_read_only, "read-only"),
        (a.is_external, "external"),
    ]
    .into_iter()
    .filter_map(|(on, w)| on.then_some(w))
    .collect()
}

/// The map link of the asset's coordinates, if it has valid ones.
pub fn asset_map_url(a: &AssetResponseDto) -> Option<String> {
    let e = a.exif_info.as_ref()?;
    map_url(e.latitude?, e.longitude?)
}

/// The image's alternative text: its description, else its file name.
pub fn alt_text(description: Option<&str>, file_name: &str) -> String {
    description
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.chars().take(500).collect())
        .unwrap_or_else(|| file_name.to_owned())
}

// ---------------------------------------------------------------------------
// `?asset=ID` in the page's URL.

/// The opened asset named by a query string (`?asset=ID`), if it is a UUID.
pub fn asset_param(search: &str) -> Option<AssetId> {
    let s = search.strip_prefix('?').unwrap_or(search);
    s.split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "asset")
        .and_then(|(_, v)| AssetId::parse(v).ok())
}

/// `search` with `asset` set to `id` (or removed for `None`), every other
/// parameter kept in its order and spelling. No leading `?`.
pub fn with_asset_param(search: &str, id: Option<&AssetId>) -> String {
    let s = search.strip_prefix('?').unwrap_or(search);
    let mut parts: Vec<String> = s
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| p.split_once('=').map_or(*p, |(k, _)| k) != "asset")
        .map(str::to_owned)
        .collect();
    if let Some(id) = id {
        parts.push(format!("asset={id}"));
    }
    parts.join("&")
}

/// The display position `delta` steps from `pos` in a list of `len`
/// assets, or `None` past either end.
pub fn step(pos: usize, delta: i64, len: usize) -> Option<usize> {
    let to = i64::try_from(pos).ok()?.checked_add(delta)?;
    (to >= 0 && (to as u64) < len as u64).then_some(to as usize)
}

/// The most stack members the viewer's strip shows as buttons (the rest are
/// a count): a stack of 100,000 builds 50 buttons, not 100,000.
pub const STACK_STRIP_MAX: usize = 50;

/// `100000` → `100,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `Stack of 100,000` from the record's `stackCount` when it was read, else
/// from the index's count (saturated at 65,535: then "65,535 or more").
/// `None` for an asset that is not a stack's primary.
pub fn stack_words(record: Option<i64>, index: Option<u16>) -> Option<String> {
    match (record, index) {
        (Some(n), _) if n > 1 => Some(format!("Stack of {}", thousands(n.unsigned_abs()))),
        (Some(_), _) => None,
        (None, Some(u16::MAX)) => Some(format!(
            "Stack of {} or more",
            thousands(u64::from(u16::MAX))
        )),
        (None, Some(n)) if n > 1 => Some(format!("Stack of {}", thousands(u64::from(n)))),
        (None, _) => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    fn en() -> Locale {
        Locale::english()
    }

    #[test]
    fn stack_counts_in_words() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(
            stack_words(Some(100_000), Some(u16::MAX)).as_deref(),
            Some("Stack of 100,000")
        );
        assert_eq!(
            stack_words(None, Some(u16::MAX)).as_deref(),
            Some("Stack of 65,535 or more")
        );
        assert_eq!(stack_words(None, Some(4)).as_deref(), Some("Stack of 4"));
        assert_eq!(stack_words(None, Some(1)), None);
        assert_eq!(stack_words(Some(0), Some(3)), None);
        assert_eq!(stack_words(None, None), None);
    }

    #[test]
    fn exposures() {
        assert_eq!(exposure("1/250", &en()).as_deref(), Some("1/250 s"));
        assert_eq!(exposure("0.004", &en()).as_deref(), Some("1/250 s"));
        assert_eq!(exposure("0.5", &en()).as_deref(), Some("1/2 s"));
        assert_eq!(exposure("2", &en()).as_deref(), Some("2 s"));
        assert_eq!(exposure("2.5", &en()).as_deref(), Some("2.5 s"));
        assert_eq!(exposure("", &en()), None);
        assert_eq!(exposure(&"9".repeat(40), &en()), None);
    }

    #[test]
    fn optics() {
        assert_eq!(f_number(1.8, &en()).as_deref(), Some("f/1.8"));
        assert_eq!(f_number(11.0, &en()).as_deref(), Some("f/11"));
        assert_eq!(f_number(0.0, &en()), None);
        assert_eq!(f_number(f64::NAN, &en()), None);
        assert_eq!(focal_length(50.0, &en()).as_deref(), Some("50 mm"));
        assert_eq!(focal_length(4.25, &en()).as_deref(), Some("4.2 mm"));
        assert_eq!(iso(400.0).as_deref(), Some("ISO 400"));
        assert_eq!(iso(-1.0), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(
            pixel_size(4032.0, 3024.0, &en()).as_deref(),
            Some("4032 × 3024 (12.2 MP)")
        );
        assert_eq!(pixel_size(0.0, 3024.0, &en()), None);
        assert_eq!(file_size(512, &en()).as_deref(), Some("512 B"));
        assert_eq!(file_size(3_400_000, &en()).as_deref(), Some("3.4 MB"));
        assert_eq!(file_size(12_000, &en()).as_deref(), Some("12 kB"));
        assert_eq!(file_size(1_234_000_000, &en()).as_deref(), Some("1.2 GB"));
        assert_eq!(file_size(-1, &en()), None);
    }

    #[test]
    fn dates_in_the_photos_zone() {
        let local = immich_api::iso::parse("2024-05-03T14:05:00Z").unwrap();
        let instant = immich_api::iso::parse("2024-05-03T12:05:00Z").unwrap();
        assert_eq!(
            date_taken(local, Some(instant), Some("Europe/Paris"), &en()),
            "Fri 3 May 2024, 14:05 (Europe/Paris)"
        );
        assert_eq!(
            date_taken(local, Some(instant), None, &en()),
            "Fri 3 May 2024, 14:05 (UTC+02:00)"
        );
        let west = immich_api::iso::parse("2024-05-03T19:35:00Z").unwrap();
        assert_eq!(
            date_taken(local, Some(west), None, &en()),
            "Fri 3 May 2024, 14:05 (UTC−05:30)"
        );
        assert_eq!(
            date_taken(local, None, None, &en()),
            "Fri 3 May 2024, 14:05"
        );
    }

    #[test]
    fn maps() {
        assert_eq!(
            map_url(48.8566, 2.3522).as_deref(),
            Some("https://www.openstreetmap.org/?mlat=48.856600&mlon=2.352200#map=15/48.856600/2.352200")
        );
        assert_eq!(map_url(91.0, 0.0), None);
        assert_eq!(map_url(f64::NAN, 0.0), None);
    }

    #[test]
    fn cameras() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            camera(s("Canon").as_ref(), s("Canon EOS R5").as_ref()).as_deref(),
            Some("Canon EOS R5")
        );
        assert_eq!(
            camera(s("Apple").as_ref(), s("iPhone 15 Pro").as_ref()).as_deref(),
            Some("Apple iPhone 15 Pro")
        );
        assert_eq!(camera(None, s("X100V").as_ref()).as_deref(), Some("X100V"));
        assert_eq!(camera(None, None), None);
    }

    #[test]
    fn facts_of_a_full_record() {
        // A real record (the wire contract's sample), with every field set.
        let mut v: serde_json::Value = serde_json::from_str(include_str!(
            "../crates/immich-api/testdata/assets/video.json"
        ))
        .unwrap();
        v["originalFileName"] = "DSC01234.JPG".into();
        v["localDateTime"] = "2024-05-03T14:05:00.000Z".into();
        v["isFavorite"] = true.into();
        v["isExternal"] = true.into();
        v["exifInfo"] = serde_json::json!({"make":"SONY","model":"ILCE-7M4","lensModel":"FE 35mm F1.8",
            "exposureTime":"1/250","fNumber":1.8,"focalLength":35,"iso":400,"exifImageWidth":7008,
            "exifImageHeight":4672,"fileSizeInByte":12345678,"dateTimeOriginal":"2024-05-03T12:05:00.000Z",
            "timeZone":"Europe/Paris","city":"Paris","country":"France","latitude":48.8566,"longitude":2.3522,
            "description":"Seine","orientation":null,"modifyDate":null,"state":null,"projectionType":null});
        v["tags"] = serde_json::json!([{"id":"t","type":"OBJECT","name":"holiday","userId":"u"}]);
        let a: AssetResponseDto = serde_json::from_value(v).unwrap();
        let f = facts(&a, &en());
        let get = |k: &str| f.iter().find(|x| x.key == k).map(|x| x.value.as_str());
        assert_eq!(get("taken"), Some("Fri 3 May 2024, 14:05 (Europe/Paris)"));
        assert_eq!(get("camera"), Some("SONY ILCE-7M4"));
        assert_eq!(get("lens"), Some("FE 35mm F1.8"));
        assert_eq!(get("exposure"), Some("1/250 s · f/1.8 · 35 mm · ISO 400"));
        assert_eq!(get("pixels"), Some("7008 × 4672 (32.7 MP)"));
        assert_eq!(get("file-size"), Some("12.3 MB"));
        assert_eq!(get("place"), Some("Paris, France"));
        assert_eq!(get("coordinates"), Some("48.8566, 2.3522"));
        assert_eq!(get("description"), Some("Seine"));
        assert_eq!(get("people"), None);
        assert_eq!(get("tags"), Some("holiday"));
        assert_eq!(get("file-name"), Some("DSC01234.JPG"));
        assert_eq!(get("flags"), Some("favourite, external"));
        assert!(asset_map_url(&a).unwrap().contains("mlat=48.856600"));
        assert_eq!(alt_text(Some(" Seine "), "x.jpg"), "Seine");
        assert_eq!(alt_text(None, "x.jpg"), "x.jpg");
    }

    #[test]
    fn the_asset_parameter() {
        const ID: &str = "0b1e7c1a-3a55-4d2c-9f0e-0123456789ab";
        let id = AssetId::parse(ID).unwrap();
        assert_eq!(
            asset_param(&format!("?type=photos&asset={ID}")),
            Some(id.clone())
        );
        assert_eq!(asset_param("?asset=../user/me"), None);
        assert_eq!(asset_param(""), None);
        assert_eq!(
            with_asset_param("?type=photos&isFavorite=true", Some(&id)),
            format!("type=photos&isFavorite=true&asset={ID}")
        );
        assert_eq!(
            with_asset_param(&format!("?asset={ID}&type=photos"), None),
            "type=photos"
        );
        assert_eq!(with_asset_param("", None), "");
    }

    #[test]
    fn steps() {
        assert_eq!(step(0, 1, 3), Some(1));
        assert_eq!(step(2, 1, 3), None);
        assert_eq!(step(0, -1, 3), None);
        assert_eq!(step(1, -1, 3), Some(0));
        assert_eq!(step(0, i64::MAX, 3), None);
    }
}
