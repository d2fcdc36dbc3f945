//! Photos of incidents: from untrusted upload bytes to a [`CleanPhoto`] that is safe to
//! store and show.
//!
//! A photo from a phone carries more than the picture: EXIF with the GPS position of
//! the photographer (often their home), the camera's serial number, the time, and
//! sometimes a thumbnail of what was cropped away. Other partners may see the incident,
//! so none of that may survive. Nothing of the upload is kept: the type is read from
//! the content (magic bytes, never the file name or the client's content type), the
//! declared size is checked before decoding (a few kilobytes can declare a picture of
//! billions of pixels), the pixels are decoded, turned upright by the EXIF orientation,
//! scaled down to a sensible size, and encoded anew. An encoder writes only pixels, so
//! every metadata segment and chunk of the upload is gone.
//!
//! Output formats, and why: JPEG and WebP uploads become JPEG (quality 85). Phone
//! cameras make JPEG; WebP photos are lossy too, the pure-Rust WebP encoder only writes
//! lossless WebP (several times larger for photos), and JPEG is shown everywhere. PNG
//! uploads stay PNG (lossless): they are mostly screenshots and pictures of text or
//! signs, which JPEG smears, and they may be transparent. Thumbnails are always JPEG,
//! small enough for a list on a phone.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};

use crate::Invalid;

/// The form and API field photos come in.
pub const FIELD: &str = "photos";

/// The upload is not a JPEG, PNG or WebP picture (judged by its content).
pub const PHOTO_TYPE_NOT_ALLOWED: &str = "photo_type_not_allowed";
/// The upload is larger than the byte limit.
pub const PHOTO_TOO_LARGE: &str = "photo_too_large";
/// The picture declares more pixels (or a longer edge) than allowed.
pub const PHOTO_TOO_MANY_PIXELS: &str = "photo_too_many_pixels";
/// The upload is empty.
pub const PHOTO_EMPTY: &str = "photo_empty";
/// The file starts like a picture of an accepted type but cannot be decoded.
pub const PHOTO_UNREADABLE: &str = "photo_unreadable";
/// More photos for one incident than allowed.
pub const TOO_MANY_PHOTOS: &str = "too_many_photos";

/// The three accepted types, as found in the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
    Webp,
}

impl PhotoType {
    /// The type the bytes are, from their first bytes alone; `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// Reads a stored content type back (only what [`CleanPhoto`] writes).
    pub fn from_content_type(s: &str) -> Option<Self> {
        match s {
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/webp" => Some(Self::Webp),
            _ => None,
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Webp => ImageFormat::WebP,
        }
    }
}

/// How large photos may be, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoLimits {
    /// Bytes of one upload.
    pub max_bytes: usize,
    /// Pixels (width × height) one upload may declare. Decoding needs about four bytes
    /// per pixel, so this bounds the memory one request can take.
    pub max_pixels: u64,
    /// The longest edge of the stored photo; larger ones are scaled down.
    pub max_edge: u32,
    /// The longest edge of the thumbnail.
    pub thumb_edge: u32,
    /// Photos per incident.
    pub max_per_incident: usize,
}

impl Default for PhotoLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            // 48 Mpx: the largest phone cameras' full resolution.
            max_pixels: 50_000_000,
            max_edge: 2048,
            thumb_edge: 320,
            max_per_incident: 5,
        }
    }
}

impl PhotoLimits {
    /// Whether `n` photos fit one incident.
    pub fn check_count(&self, n: usize) -> Result<(), Invalid> {
        if n > self.max_per_incident {
            return Err(Invalid::new(FIELD, TOO_MANY_PHOTOS));
        }
        Ok(())
    }
}

/// A re-encoded photo without any metadata, with its thumbnail: the only form a photo
/// is stored in. Made only by [`CleanPhoto::parse`].
#[derive(Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    content_type: PhotoType,
    bytes: Vec<u8>,
    width: u32,
    height: u32,
    thumb: Vec<u8>,
    sha256: String,
}

impl std::fmt::Debug for CleanPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleanPhoto")
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("thumb", &self.thumb.len())
            .finish()
    }
}

impl CleanPhoto {
    /// Checks, decodes and re-encodes an upload. The file name and the client's content
    /// type are deliberately not parameters: only the bytes decide.
    ///
    /// CPU-bound (tens to hundreds of milliseconds for a phone photo): async callers run
    /// it on a blocking thread.
    pub fn parse(upload: &[u8], limits: &PhotoLimits) -> Result<Self, Invalid> {
        let err = |code| Invalid::new(FIELD, code);
        if upload.is_empty() {
            return Err(err(PHOTO_EMPTY));
        }
        if upload.len() > limits.max_bytes {
            return Err(err(PHOTO_TOO_LARGE));
        }
        let kind = PhotoType::sniff(upload).ok_or(err(PHOTO_TYPE_NOT_ALLOWED))?;
        let mut reader = ImageReader::with_format(Cursor::new(upload), kind.format());
        let mut decoder_limits = Limits::default();
        // Twice the RGBA frame: room for the decoder's own buffers, and no more.
        decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8));
        reader.limits(decoder_limits);
        let mut decoder = reader.into_decoder().map_err(|e| decode_error(&e))?;
        // The declared size, read from the header before any pixel is decoded.
        let (w, h) = decoder.dimensions();
        if w == 0 || h == 0 {
            return Err(err(PHOTO_UNREADABLE));
        }
        if u64::from(w) * u64::from(h) > limits.max_pixels {
            return Err(err(PHOTO_TOO_MANY_PIXELS));
        }
        // A broken orientation tag is not worth refusing the photo for.
        let orientation = decoder
            .orientation()
            .unwrap_or(image::metadata::Orientation::NoTransforms);
        let mut img = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(&e))?;
        img.apply_orientation(orientation);
        let img = fit(img, limits.max_edge, FilterType::CatmullRom);
        let (width, height) = (img.width(), img.height());
        let (content_type, bytes) = match kind {
            PhotoType::Png => (PhotoType::Png, encode_png(&img)?),
            PhotoType::Jpeg | PhotoType::Webp => {
                (PhotoType::Jpeg, encode_jpeg(&flatten(&img), 85)?)
            }
        };
        let thumb_img = fit(img, limits.thumb_edge, FilterType::Triangle);
        let thumb = encode_jpeg(&flatten(&thumb_img), 80)?;
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self {
            content_type,
            bytes,
            width,
            height,
            thumb,
            sha256,
        })
    }

    pub fn content_type(&self) -> PhotoType {
        self.content_type
    }
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn height(&self) -> u32 {
        self.height
    }
    /// The thumbnail, always JPEG.
    pub fn thumb(&self) -> &[u8] {
        &self.thumb
    }
    /// SHA-256 of [`bytes`](Self::bytes), lower-case hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

fn decode_error(e: &image::ImageError) -> Invalid {
    match e {
        image::ImageError::Limits(_) => Invalid::new(FIELD, PHOTO_TOO_MANY_PIXELS),
        _ => Invalid::new(FIELD, PHOTO_UNREADABLE),
    }
}

/// Scales down (never up) so the longer edge is at most `edge`, keeping the aspect.
fn fit(img: DynamicImage, edge: u32, filter: FilterType) -> DynamicImage {
    if img.width() <= edge && img.height() <= edge {
        img
    } else {
        img.resize(edge, edge, filter)
    }
}

/// RGB on white: JPEG has no transparency, and black (what dropping alpha gives) would
/// hide dark pictures.
fn flatten(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, Invalid> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .map_err(|_| Invalid::new(FIELD, PHOTO_UNREADABLE))?;
    Ok(out)
}

fn encode_png(img: &DynamicImage) -> Result<Vec<u8>, Invalid> {
    let mut out = Vec::new();
    let enc = PngEncoder::new(&mut out);
    let res = if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        enc.write_image(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            image::ExtendedColorType::Rgba8,
        )
    } else {
        let rgb = img.to_rgb8();
        enc.write_image(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            image::ExtendedColorType::Rgb8,
        )
    };
    res.map_err(|_| Invalid::new(FIELD, PHOTO_UNREADABLE))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// A `w`×`h` picture: the left half red, the right half blue.
    fn two_halves(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, _| {
            if x < w / 2 {
                image::Rgb([220, 20, 20])
            } else {
                image::Rgb([20, 20, 220])
            }
        })
    }

    fn jpeg(img: &RgbImage) -> Vec<u8> {
        encode_jpeg(img, 90).unwrap()
    }

    fn png(img: &RgbImage) -> Vec<u8> {
        encode_png(&DynamicImage::ImageRgb8(img.clone())).unwrap()
    }

    const SECRET: &[u8] = b"Storgatan 1 Linkoping (home of the photographer)";

    /// An EXIF block (little-endian TIFF) with an orientation, a description holding
    /// [`SECRET`] and a GPS IFD at 58.41 N, 15.62 E.
    fn exif(orientation: u16) -> Vec<u8> {
        let mut t: Vec<u8> = Vec::new();
        t.extend_from_slice(b"II*\0");
        t.extend_from_slice(&8u32.to_le_bytes());
        // IFD0: 3 entries at 8; then next-IFD 0; then data.
        let ifd0_len = 2 + 3 * 12 + 4;
        let desc_off = 8 + ifd0_len;
        let gps_off = desc_off + SECRET.len() as u32 + 1;
        let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32| {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&typ.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&value.to_le_bytes());
        };
        t.extend_from_slice(&3u16.to_le_bytes());
        entry(&mut t, 0x010E, 2, SECRET.len() as u32 + 1, desc_off);
        entry(&mut t, 0x0112, 3, 1, u32::from(orientation));
        entry(&mut t, 0x8825, 4, 1, gps_off);
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(SECRET);
        t.push(0);
        // GPS IFD: LatitudeRef 'N', Latitude (3 rationals), LongitudeRef 'E', Longitude.
        let gps_len = 2 + 4 * 12 + 4;
        let lat_off = gps_off + gps_len;
        let lon_off = lat_off + 24;
        t.extend_from_slice(&4u16.to_le_bytes());
        entry(&mut t, 1, 2, 2, u32::from(b'N'));
        entry(&mut t, 2, 5, 3, lat_off);
        entry(&mut t, 3, 2, 2, u32::from(b'E'));
        entry(&mut t, 4, 5, 3, lon_off);
        t.extend_from_slice(&0u32.to_le_bytes());
        for (n, d) in [(58, 1), (24, 1), (3600, 100), (15, 1), (37, 1), (1200, 100)] {
            t.extend_from_slice(&(n as u32).to_le_bytes());
            t.extend_from_slice(&(d as u32).to_le_bytes());
        }
        t
    }

    /// The JPEG with an APP1 EXIF segment right after SOI, as cameras write it.
    fn with_exif(jpeg: &[u8], exif: &[u8]) -> Vec<u8> {
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(exif);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// The PNG with a chunk inserted after IHDR (8-byte signature + 25-byte IHDR).
    fn with_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        chunk.extend_from_slice(&body);
        chunk.extend_from_slice(&crc32(&body).to_be_bytes());
        let mut out = png[..33].to_vec();
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&png[33..]);
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn exif_and_gps_are_gone_from_a_jpeg() {
        let src = with_exif(&jpeg(&two_halves(64, 48)), &exif(1));
        assert!(contains(&src, SECRET) && contains(&src, b"Exif"));
        let p = CleanPhoto::parse(&src, &PhotoLimits::default()).unwrap();
        assert_eq!(p.content_type(), PhotoType::Jpeg);
        assert!(!contains(p.bytes(), b"Exif"));
        assert!(!contains(p.bytes(), SECRET));
        assert!(!contains(p.bytes(), &[0x88, 0x25]), "no GPS IFD pointer");
        assert!(!contains(p.thumb(), b"Exif"));
        // Only the segments our encoder writes: SOI, JFIF APP0, tables, frame, scan.
        let app_markers: Vec<u8> = p
            .bytes()
            .windows(2)
            .filter(|w| w[0] == 0xFF && (0xE1..=0xEF).contains(&w[1]))
            .map(|w| w[1])
            .collect();
        assert!(
            app_markers.is_empty() || !contains(p.bytes(), b"Exif"),
            "{app_markers:?}"
        );
        assert_eq!((p.width(), p.height()), (64, 48));
    }

    #[test]
    fn text_chunks_are_gone_from_a_png() {
        let src = with_chunk(
            &png(&two_halves(40, 30)),
            b"tEXt",
            b"Author\0Anna Andersson 070-1234567",
        );
        let src = with_chunk(&src, b"eXIf", &exif(1));
        // The test corpus must itself be a valid PNG with the chunk in it.
        assert!(image::load_from_memory(&src).is_ok());
        assert!(contains(&src, b"Anna Andersson"));
        let p = CleanPhoto::parse(&src, &PhotoLimits::default()).unwrap();
        assert_eq!(p.content_type(), PhotoType::Png);
        assert!(p.bytes().starts_with(b"\x89PNG"));
        assert!(!contains(p.bytes(), b"Anna Andersson"));
        assert!(!contains(p.bytes(), b"tEXt"));
        assert!(!contains(p.bytes(), b"eXIf"));
        assert!(!contains(p.bytes(), SECRET));
        assert!(p.thumb().starts_with(&[0xFF, 0xD8]));
    }

    #[test]
    fn webp_becomes_jpeg() {
        let mut src = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut src)
            .write_image(
                two_halves(30, 20).as_raw(),
                30,
                20,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        assert_eq!(PhotoType::sniff(&src), Some(PhotoType::Webp));
        let p = CleanPhoto::parse(&src, &PhotoLimits::default()).unwrap();
        assert_eq!(p.content_type(), PhotoType::Jpeg);
        assert_eq!((p.width(), p.height()), (30, 20));
    }

    #[test]
    fn orientation_is_applied() {
        // Wide picture, tagged "rotate 90° clockwise to view": stored upright and tall.
        let src = with_exif(&jpeg(&two_halves(80, 40)), &exif(6));
        let p = CleanPhoto::parse(&src, &PhotoLimits::default()).unwrap();
        assert_eq!((p.width(), p.height()), (40, 80));
        let img = image::load_from_memory(p.bytes()).unwrap().to_rgb8();
        // The left (red) half becomes the top, the right (blue) the bottom.
        let top = img.get_pixel(20, 10).0;
        let bottom = img.get_pixel(20, 70).0;
        assert!(top[0] > 150 && top[2] < 100, "top {top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "bottom {bottom:?}");
    }

    #[test]
    fn the_name_does_not_matter_only_the_content() {
        let text = b"This is not a photo, even if it is called photo.jpg\n";
        assert_eq!(
            CleanPhoto::parse(text, &PhotoLimits::default()).unwrap_err(),
            Invalid::new(FIELD, PHOTO_TYPE_NOT_ALLOWED)
        );
        // A GIF (a real picture, but not an accepted type).
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
        assert_eq!(
            CleanPhoto::parse(gif, &PhotoLimits::default())
                .unwrap_err()
                .code,
            PHOTO_TYPE_NOT_ALLOWED
        );
        // An SVG, HTML or a PDF named .png: the same.
        for bad in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"<html><script>",
            b"%PDF-1.7",
        ] {
            assert_eq!(
                CleanPhoto::parse(bad, &PhotoLimits::default())
                    .unwrap_err()
                    .code,
                PHOTO_TYPE_NOT_ALLOWED
            );
        }
        assert_eq!(
            CleanPhoto::parse(b"", &PhotoLimits::default())
                .unwrap_err()
                .code,
            PHOTO_EMPTY
        );
    }

    #[test]
    fn a_truncated_picture_is_unreadable() {
        let src = jpeg(&two_halves(64, 64));
        let cut = &src[..src.len() / 3];
        assert_eq!(
            CleanPhoto::parse(cut, &PhotoLimits::default())
                .unwrap_err()
                .code,
            PHOTO_UNREADABLE
        );
    }

    #[test]
    fn oversize_uploads_are_refused() {
        let src = jpeg(&two_halves(64, 64));
        let limits = PhotoLimits {
            max_bytes: src.len() - 1,
            ..PhotoLimits::default()
        };
        assert_eq!(
            CleanPhoto::parse(&src, &limits).unwrap_err().code,
            PHOTO_TOO_LARGE
        );
    }

    #[test]
    fn too_many_pixels_are_refused_before_decoding() {
        // A PNG header that declares 100 000 × 100 000 pixels (10 Gpx) in a few bytes:
        // a decompression bomb if decoded.
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut body = b"IHDR".to_vec();
        body.extend_from_slice(&ihdr);
        bomb.extend_from_slice(&13u32.to_be_bytes());
        bomb.extend_from_slice(&body);
        bomb.extend_from_slice(&crc32(&body).to_be_bytes());
        // The start of the (highly compressible) pixel data.
        let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01";
        bomb.extend_from_slice(&8u32.to_be_bytes());
        bomb.extend_from_slice(idat);
        bomb.extend_from_slice(&crc32(idat).to_be_bytes());
        bomb.extend_from_slice(&[0, 0, 0, 0]);
        bomb.extend_from_slice(b"IEND");
        bomb.extend_from_slice(&crc32(b"IEND").to_be_bytes());
        assert_eq!(
            CleanPhoto::parse(&bomb, &PhotoLimits::default())
                .unwrap_err()
                .code,
            PHOTO_TOO_MANY_PIXELS
        );
        // And a real picture over a small pixel limit.
        let src = jpeg(&two_halves(100, 100));
        let limits = PhotoLimits {
            max_pixels: 9_999,
            ..PhotoLimits::default()
        };
        assert_eq!(
            CleanPhoto::parse(&src, &limits).unwrap_err().code,
            PHOTO_TOO_MANY_PIXELS
        );
    }

    #[test]
    fn large_photos_are_scaled_down_with_a_small_thumbnail() {
        let src = jpeg(&two_halves(3000, 1500));
        let p = CleanPhoto::parse(&src, &PhotoLimits::default()).unwrap();
        assert_eq!((p.width(), p.height()), (2048, 1024));
        let t = image::load_from_memory(p.thumb()).unwrap();
        assert_eq!((t.width(), t.height()), (320, 160));
        assert_eq!(p.sha256().len(), 64);
    }

    #[test]
    fn transparent_png_keeps_alpha_and_the_thumbnail_is_on_white() {
        let rgba = image::RgbaImage::from_pixel(10, 10, image::Rgba([0, 0, 0, 0]));
        let mut src = Vec::new();
        PngEncoder::new(&mut src)
            .write_image(rgba.as_raw(), 10, 10, image::ExtendedColorType::Rgba8)
            .unwrap();
        let p = CleanPhoto::parse(&src, &PhotoLimits::default()).unwrap();
        let back = image::load_from_memory(p.bytes()).unwrap();
        assert!(back.color().has_alpha());
        let t = image::load_from_memory(p.thumb()).unwrap().to_rgb8();
        assert!(t.get_pixel(5, 5).0.iter().all(|c| *c > 240));
    }

    #[test]
    fn count_limit() {
        let l = PhotoLimits::default();
        assert!(l.check_count(5).is_ok());
        assert_eq!(l.check_count(6).unwrap_err().code, TOO_MANY_PHOTOS);
    }
}
