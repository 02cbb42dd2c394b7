//! Thumbnails and previews: a palette of thumbhashes made once at start-up
//! from small synthetic "scenes" (each asset points at one by index, so a
//! million assets cost nothing), and real WEBP/JPEG images rendered on the fly
//! from a thumbhash at the asset's displayed aspect ratio, with a small cache.

use crate::{generate::SHAPES, rng::SplitMix64};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use image::{
    codecs::{jpeg::JpegEncoder, webp::WebPEncoder},
    imageops::FilterType,
    ExtendedColorType, ImageBuffer, Rgba,
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// Scenes per shape in the palette.
pub const COLOURS: usize = 48;
/// Long side of the `WEBP` thumbnail (Immich's default thumbnail size).
pub const WEBP_SIZE: u32 = 250;
/// Long side of the `JPEG` preview. Immich uses 1440; the fixture caps it at
/// 720 so previews render fast even in debug builds (the app scales it anyway).
pub const JPEG_SIZE: u32 = 720;
/// Long side of an image's "original" (`GET /api/asset/file/{id}`): larger
/// than the preview, so a zoom visibly loads another file.
pub const ORIGINAL_SIZE: u32 = 1440;

/// The two thumbnail formats of `GET /api/asset/thumbnail/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Small lossless WEBP thumbnail.
    Webp,
    /// Large JPEG preview.
    Jpeg,
}

impl Format {
    /// `Content-Type` of the encoded image.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Webp => "image/webp",
            Format::Jpeg => "image/jpeg",
        }
    }

    /// Long side in pixels.
    pub fn long_side(self) -> u32 {
        match self {
            Format::Webp => WEBP_SIZE,
            Format::Jpeg => JPEG_SIZE,
        }
    }
}

/// Thumbhashes indexed by `shape * COLOURS + colour`, raw and base64.
#[derive(Debug)]
pub struct Palette {
    raw: Vec<Vec<u8>>,
    b64: Vec<String>,
}

/// Displayed aspect (w, h) of each generated shape, for the palette's images.
const SHAPE_ASPECT: [(u32, u32); SHAPES] = [(4, 3), (3, 4), (1, 1), (4, 1), (16, 9), (9, 16)];

impl Palette {
    /// Builds the palette for a seed (a few milliseconds).
    pub fn new(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x7A1E77E);
        let scenes: Vec<Scene> = (0..COLOURS).map(|_| Scene::random(&mut rng)).collect();
        let mut raw = Vec::with_capacity(SHAPES * COLOURS);
        for (aw, ah) in SHAPE_ASPECT {
            let scale = 64.0 / f64::from(aw.max(ah));
            let w = ((f64::from(aw) * scale).round() as u32).max(8);
            let h = ((f64::from(ah) * scale).round() as u32).max(8);
            for scene in &scenes {
                let rgba = scene.paint(w, h);
                raw.push(thumbhash::rgba_to_thumb_hash(w as usize, h as usize, &rgba));
            }
        }
        let b64 = raw.iter().map(|h| STANDARD.encode(h)).collect();
        Self { raw, b64 }
    }

    /// Palette slot of a generated asset.
    pub fn slot(shape: u8, colour: u32) -> usize {
        (shape as usize % SHAPES) * COLOURS + colour as usize % COLOURS
    }

    /// Raw thumbhash bytes of a slot.
    pub fn raw(&self, slot: usize) -> &[u8] {
        self.raw.get(slot).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Base64 thumbhash (as `AssetResponseDto.thumbhash` carries it) of a slot.
    pub fn base64(&self, slot: usize) -> &str {
        self.b64.get(slot).map(String::as_str).unwrap_or("")
    }
}

/// A synthetic photo: a sky-to-ground gradient with a bright blob (sun, face, lamp).
#[derive(Debug, Clone, Copy)]
struct Scene {
    top: [f32; 3],
    bottom: [f32; 3],
    blob: [f32; 3],
    blob_x: f32,
    blob_y: f32,
}

impl Scene {
    fn random(rng: &mut SplitMix64) -> Self {
        let mut colour = |lo: f64, hi: f64| -> [f32; 3] {
            let h = rng.unit() * 6.0;
            let (s, v) = (0.25 + rng.unit() * 0.6, lo + rng.unit() * (hi - lo));
            let c = v * s;
            let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
            let (r, g, b) = match h as u32 {
                0 => (c, x, 0.0),
                1 => (x, c, 0.0),
                2 => (0.0, c, x),
                3 => (0.0, x, c),
                4 => (x, 0.0, c),
                _ => (c, 0.0, x),
            };
            let m = v - c;
            [
                (r + m) as f32 * 255.0,
                (g + m) as f32 * 255.0,
                (b + m) as f32 * 255.0,
            ]
        };
        Self {
            top: colour(0.5, 1.0),
            bottom: colour(0.15, 0.7),
            blob: colour(0.7, 1.0),
            blob_x: rng.unit() as f32,
            blob_y: 0.2 + rng.unit() as f32 * 0.5,
        }
    }

    fn paint(&self, w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            let t = y as f32 / (h.max(2) - 1) as f32;
            for x in 0..w {
                let (dx, dy) = (x as f32 / w as f32 - self.blob_x, t - self.blob_y);
                let glow = (1.0 - (dx * dx + dy * dy).sqrt() * 4.0).clamp(0.0, 1.0);
                for c in 0..3 {
                    let base = self.top[c] * (1.0 - t) + self.bottom[c] * t;
                    out.push((base * (1.0 - glow) + self.blob[c] * glow).clamp(0.0, 255.0) as u8);
                }
                out.push(255);
            }
        }
        out
    }
}

/// Size of a rendition: the long side is `long`, the aspect that of `display_w x display_h`.
pub fn fit(display_w: u32, display_h: u32, long: u32) -> (u32, u32) {
    let (w, h) = (display_w.max(1), display_h.max(1));
    if w >= h {
        (
            long,
            ((u64::from(long) * u64::from(h) / u64::from(w)) as u32).max(1),
        )
    } else {
        (
            ((u64::from(long) * u64::from(w) / u64::from(h)) as u32).max(1),
            long,
        )
    }
}

/// Why an image could not be made.
#[derive(Debug)]
pub enum RenderError {
    /// The thumbhash does not decode.
    BadThumbhash,
    /// The encoder failed.
    Encode(String),
}

impl std::error::Error for RenderError {}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderError::BadThumbhash => f.write_str("thumbhash does not decode"),
            RenderError::Encode(e) => write!(f, "image encoding failed: {e}"),
        }
    }
}

/// Renders `hash` as a `width x height` image in `format`.
pub fn render(
    hash: &[u8],
    width: u32,
    height: u32,
    format: Format,
) -> Result<Vec<u8>, RenderError> {
    let (tw, th, rgba) =
        thumbhash::thumb_hash_to_rgba(hash).map_err(|()| RenderError::BadThumbhash)?;
    let small: ImageBuffer<Rgba<u8>, Vec<u8>> =
        ImageBuffer::from_raw(tw as u32, th as u32, rgba).ok_or(RenderError::BadThumbhash)?;
    let big = image::imageops::resize(&small, width.max(1), height.max(1), FilterType::Triangle);
    let mut out = Vec::new();
    match format {
        Format::Webp => WebPEncoder::new_lossless(&mut out)
            .encode(
                big.as_raw(),
                big.width(),
                big.height(),
                ExtendedColorType::Rgba8,
            )
            .map_err(|e| RenderError::Encode(e.to_string()))?,
        Format::Jpeg => {
            let rgb = image::DynamicImage::ImageRgba8(big).to_rgb8();
            JpegEncoder::new_with_quality(&mut out, 80)
                .encode(
                    rgb.as_raw(),
                    rgb.width(),
                    rgb.height(),
                    ExtendedColorType::Rgb8,
                )
                .map_err(|e| RenderError::Encode(e.to_string()))?
        }
    }
    Ok(out)
}

type CacheKey = (Vec<u8>, u32, u32, Format);

/// A bounded cache of rendered images: generated assets share a few hundred
/// thumbhashes and a handful of aspect ratios, so hits are the norm.
#[derive(Debug, Default)]
pub struct ImageCache {
    map: Mutex<HashMap<CacheKey, Arc<Vec<u8>>>>,
}

/// Most images the cache keeps before it starts over.
const CACHE_CAP: usize = 2048;

impl ImageCache {
    /// Renders through the cache.
    pub fn get(
        &self,
        hash: &[u8],
        width: u32,
        height: u32,
        format: Format,
    ) -> Result<Arc<Vec<u8>>, RenderError> {
        let key = (hash.to_vec(), width, height, format);
        if let Ok(map) = self.map.lock() {
            if let Some(hit) = map.get(&key) {
                return Ok(Arc::clone(hit));
            }
        }
        let bytes = Arc::new(render(hash, width, height, format)?);
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= CACHE_CAP {
                map.clear();
            }
            map.insert(key, Arc::clone(&bytes));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_is_deterministic_and_has_the_shapes_aspect() {
        let a = Palette::new(1);
        let b = Palette::new(1);
        assert_eq!(a.base64(5), b.base64(5));
        let pano =
            thumbhash::thumb_hash_to_approximate_aspect_ratio(a.raw(Palette::slot(3, 0))).unwrap();
        let tall =
            thumbhash::thumb_hash_to_approximate_aspect_ratio(a.raw(Palette::slot(5, 0))).unwrap();
        assert!(pano > 2.0, "{pano}");
        assert!(tall < 0.8, "{tall}");
    }

    #[test]
    fn fit_keeps_aspect() {
        fn check(input: (u32, u32, u32), expected: (u32, u32)) {
            assert_eq!(fit(input.0, input.1, input.2), expected, "{input:?}");
        }
        check((4032, 3024, 250), (250, 187));
        check((3024, 4032, 250), (187, 250));
        check((100, 100, 250), (250, 250));
        check((16000, 3000, 250), (250, 46));
        check((0, 0, 250), (250, 250));
    }

    #[test]
    fn renders_real_webp_and_jpeg() {
        let p = Palette::new(3);
        let webp = render(p.raw(0), 250, 187, Format::Webp).unwrap();
        assert_eq!(&webp[0..4], b"RIFF");
        assert_eq!(&webp[8..12], b"WEBP");
        let img = image::load_from_memory(&webp).unwrap();
        assert_eq!((img.width(), img.height()), (250, 187));
        let jpeg = render(p.raw(1), 200, 300, Format::Jpeg).unwrap();
        assert_eq!(&jpeg[0..2], &[0xFF, 0xD8]);
        let img = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (200, 300));
        assert!(render(&[1, 2], 10, 10, Format::Webp).is_err());
    }

    #[test]
    fn cache_returns_the_same_bytes() {
        let p = Palette::new(3);
        let c = ImageCache::default();
        let a = c.get(p.raw(2), 50, 40, Format::Webp).unwrap();
        let b = c.get(p.raw(2), 50, 40, Format::Webp).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
