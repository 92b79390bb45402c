//! Checking and converting uploaded images: format by magic bytes, size and pixel limits,
//! re-encoding without metadata, scaled renditions and crops around the focal point.
//!
//! Everything here is synchronous and CPU-heavy; async callers run it on a blocking thread
//! (`tokio::task::spawn_blocking`), as [`super::MediaStore`] does.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::{Crop, MAX_FILE_BYTES, MAX_PIXELS, MediaError, RenditionInfo};

/// The longest side an image may have, whatever its pixel count.
const MAX_SIDE: u32 = 20_000;

/// The most memory a decoder may take: a 40-megapixel image with 16-bit colour and alpha.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// JPEG quality of renditions: small files without visible loss on screens.
const RENDITION_QUALITY: u8 = 80;

/// JPEG quality of the stored original, which all renditions are made from again when the
/// focal point moves.
const ORIGINAL_QUALITY: u8 = 90;

/// The widths renditions are made in, per crop. Square crops are thumbnails and stay small.
fn target_widths(crop: Crop) -> &'static [u32] {
    match crop {
        Crop::None | Crop::Wide => &[320, 640, 1024, 1600],
        Crop::Square => &[320, 640],
    }
}

/// An uploaded image after processing, ready to store.
#[derive(Debug)]
pub struct ProcessedImage {
    /// Width of the original in pixels, after applying its orientation.
    pub width: u32,
    /// Height of the original in pixels.
    pub height: u32,
    /// The original, re-encoded without metadata.
    pub original: Encoded,
    /// The renditions with their bytes.
    pub renditions: Vec<(RenditionInfo, Vec<u8>)>,
}

/// An encoded image file.
#[derive(Debug)]
pub struct Encoded {
    /// The file.
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub media_type: &'static str,
}

/// The entity tag of a file: a short hash of its bytes.
pub fn etag_of(bytes: &[u8]) -> String {
    rathaus_base::hex(&Sha256::digest(bytes)[..12])
}

/// The format of an image by its first bytes; anything but JPEG, PNG and WebP is refused,
/// naming what the file seems to be. Also refuses files over the size limit.
pub fn check_image_bytes(bytes: &[u8]) -> Result<ImageFormat, MediaError> {
    check_size(bytes)?;
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(ImageFormat::WebP)
    } else {
        Err(MediaError::UnsupportedImage {
            looks_like: looks_like(bytes),
        })
    }
}

/// Refuses anything that is not a PDF file or is over the size limit.
pub fn check_document_bytes(bytes: &[u8]) -> Result<(), MediaError> {
    check_size(bytes)?;
    if bytes.starts_with(b"%PDF-") {
        Ok(())
    } else {
        Err(MediaError::UnsupportedDocument {
            looks_like: looks_like(bytes),
        })
    }
}

fn check_size(bytes: &[u8]) -> Result<(), MediaError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(MediaError::TooLarge { size: bytes.len() });
    }
    Ok(())
}

/// What a file seems to be, for messages about files that are refused.
fn looks_like(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(512)];
    let brand = bytes.get(4..12);
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|window| window == needle);

    if bytes.is_empty() {
        "empty"
    } else if bytes.starts_with(b"%PDF-") {
        "a PDF document"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "a JPEG image"
    } else if bytes.starts_with(b"\x89PNG") {
        "a PNG image"
    } else if bytes.starts_with(b"GIF8") {
        "a GIF image"
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        "a TIFF image"
    } else if bytes.starts_with(b"BM") {
        "a BMP image"
    } else if matches!(
        brand,
        Some(b"ftypheic" | b"ftypheix" | b"ftypmif1" | b"ftyphevc")
    ) {
        "a HEIC photo (export it as JPEG)"
    } else if brand == Some(b"ftypavif") {
        "an AVIF image"
    } else if contains(b"<svg") {
        "an SVG drawing"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "a ZIP archive or office document"
    } else {
        "of an unknown type"
    }
}

/// Decodes, strips and re-encodes an uploaded image and makes its renditions.
pub fn process_image(bytes: &[u8], focal_point: (f32, f32)) -> Result<ProcessedImage, MediaError> {
    let format = check_image_bytes(bytes)?;
    let image = prepare(decode(bytes, format)?);

    // The original is encoded again from the pixels alone: EXIF (with GPS positions),
    // XMP and comments stay behind.
    let original = encode(&image, ORIGINAL_QUALITY)?;
    let renditions = renditions(&image, focal_point, &[Crop::None, Crop::Wide, Crop::Square])?;

    Ok(ProcessedImage {
        width: image.width(),
        height: image.height(),
        original,
        renditions,
    })
}

/// The crops of a stored original around a new focal point.
pub fn crop_renditions(
    original: &[u8],
    focal_point: (f32, f32),
) -> Result<Vec<(RenditionInfo, Vec<u8>)>, MediaError> {
    let format = check_image_bytes(original)?;
    let image = prepare(decode(original, format)?);
    renditions(&image, focal_point, &[Crop::Wide, Crop::Square])
}

/// Decodes within the size limits and turns the image upright.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, MediaError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);

    // The header is read first, so that a small file announcing a huge picture (a
    // decompression bomb) is refused before any pixel is allocated.
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(MediaError::TooManyPixels { width, height });
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn image_error(error: ImageError) -> MediaError {
    match error {
        ImageError::Limits(limit) => MediaError::Limits(limit.to_string()),
        other => MediaError::Unreadable(other.to_string()),
    }
}

/// Eight bits per channel; an alpha channel only where some pixel is see-through.
fn prepare(image: DynamicImage) -> DynamicImage {
    let transparent = image.color().has_alpha()
        && match image.as_rgba8() {
            Some(pixels) => pixels.pixels().any(|pixel| pixel[3] < u8::MAX),
            None => image.to_rgba8().pixels().any(|pixel| pixel[3] < u8::MAX),
        };
    match (image, transparent) {
        (DynamicImage::ImageRgba8(pixels), true) => DynamicImage::ImageRgba8(pixels),
        (DynamicImage::ImageRgb8(pixels), false) => DynamicImage::ImageRgb8(pixels),
        (other, true) => DynamicImage::ImageRgba8(other.to_rgba8()),
        (other, false) => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// Photos as JPEG; images with transparency as PNG, which keeps it.
fn encode(image: &DynamicImage, quality: u8) -> Result<Encoded, MediaError> {
    let mut bytes = Vec::new();
    let media_type = if image.color().has_alpha() {
        let encoder =
            PngEncoder::new_with_quality(&mut bytes, CompressionType::Best, PngFilter::Adaptive);
        image
            .write_with_encoder(encoder)
            .map_err(|error| MediaError::Encoding(error.to_string()))?;
        "image/png"
    } else {
        let encoder = JpegEncoder::new_with_quality(&mut bytes, quality);
        image
            .write_with_encoder(encoder)
            .map_err(|error| MediaError::Encoding(error.to_string()))?;
        "image/jpeg"
    };
    Ok(Encoded { bytes, media_type })
}

/// The renditions of each crop, largest first, each scaled from the one before.
fn renditions(
    image: &DynamicImage,
    focal_point: (f32, f32),
    crops: &[Crop],
) -> Result<Vec<(RenditionInfo, Vec<u8>)>, MediaError> {
    let mut result = Vec::new();
    for &crop in crops {
        let (x, y, width, height) = match crop.aspect() {
            Some(aspect) => crop_rectangle(image.width(), image.height(), aspect, focal_point),
            None => (0, 0, image.width(), image.height()),
        };
        let mut current = image.crop_imm(x, y, width, height);
        for target in rendition_widths(width, target_widths(crop))
            .into_iter()
            .rev()
        {
            if target != current.width() {
                let target_height = scaled_height(width, height, target);
                current = current.resize_exact(target, target_height, FilterType::CatmullRom);
            }
            let encoded = encode(&current, RENDITION_QUALITY)?;
            let info = RenditionInfo {
                variant: crop.variant_name(target),
                crop,
                width: current.width(),
                height: current.height(),
                media_type: encoded.media_type.to_owned(),
                etag: etag_of(&encoded.bytes),
            };
            result.push((info, encoded.bytes));
        }
    }
    Ok(result)
}

/// The widths to make from a source `width` wide: each target that needs no upscaling, and
/// the source's own width when it lies below the largest target.
pub fn rendition_widths(width: u32, targets: &[u32]) -> Vec<u32> {
    let mut widths: Vec<u32> = targets
        .iter()
        .copied()
        .filter(|target| *target <= width)
        .collect();
    let largest = targets.iter().copied().max().unwrap_or(0);
    if width < largest && !widths.contains(&width) {
        widths.push(width);
    }
    widths
}

/// The height that keeps the aspect ratio of `width` × `height` at `target` width.
fn scaled_height(width: u32, height: u32, target: u32) -> u32 {
    let scaled = u64::from(height) * u64::from(target) / u64::from(width.max(1));
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// The largest rectangle of the given aspect ratio (width, height) inside an image of
/// `width` × `height` pixels, centred on the focal point as far as the image allows:
/// `(x, y, width, height)`.
pub fn crop_rectangle(
    width: u32,
    height: u32,
    aspect: (u32, u32),
    focal_point: (f32, f32),
) -> (u32, u32, u32, u32) {
    let (aspect_width, aspect_height) = (u64::from(aspect.0), u64::from(aspect.1));
    let (full_width, full_height) = (u64::from(width), u64::from(height));
    let (crop_width, crop_height) = if full_width * aspect_height > full_height * aspect_width {
        (full_height * aspect_width / aspect_height, full_height)
    } else {
        (full_width, full_width * aspect_height / aspect_width)
    };
    let crop_width = u32::try_from(crop_width.max(1)).unwrap_or(width);
    let crop_height = u32::try_from(crop_height.max(1)).unwrap_or(height);

    let place = |size: u32, crop: u32, fraction: f32| -> u32 {
        let centre = f64::from(size) * f64::from(fraction.clamp(0.0, 1.0));
        let start = (centre - f64::from(crop) / 2.0).round();
        let latest = f64::from(size.saturating_sub(crop));
        // Clamped to 0..=latest, which fits in u32.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "the value is clamped to 0..=latest, a u32"
        )]
        let start = start.clamp(0.0, latest) as u32;
        start
    };
    (
        place(width, crop_width, focal_point.0),
        place(height, crop_height, focal_point.1),
        crop_width,
        crop_height,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renditions_are_never_wider_than_their_source() {
        assert_eq!(
            rendition_widths(4000, &[320, 640, 1024, 1600]),
            [320, 640, 1024, 1600]
        );
        assert_eq!(
            rendition_widths(800, &[320, 640, 1024, 1600]),
            [320, 640, 800]
        );
        assert_eq!(rendition_widths(200, &[320, 640]), [200]);
        assert_eq!(rendition_widths(640, &[320, 640]), [320, 640]);
    }

    #[test]
    fn crops_follow_the_focal_point_until_the_edge() {
        // A landscape image cropped square: full height, moved along the width.
        assert_eq!(
            crop_rectangle(1600, 900, (1, 1), (0.5, 0.5)),
            (350, 0, 900, 900)
        );
        assert_eq!(
            crop_rectangle(1600, 900, (1, 1), (0.9, 0.5)),
            (700, 0, 900, 900)
        );
        assert_eq!(
            crop_rectangle(1600, 900, (1, 1), (0.0, 0.5)),
            (0, 0, 900, 900)
        );
        // A portrait image cropped 16:9: full width, moved along the height.
        assert_eq!(
            crop_rectangle(900, 1600, (16, 9), (0.5, 0.1)),
            (0, 0, 900, 506)
        );
        assert_eq!(
            crop_rectangle(900, 1600, (16, 9), (0.5, 0.5)),
            (0, 547, 900, 506)
        );
    }

    #[test]
    fn files_are_recognised_by_their_content_not_their_name() {
        assert!(matches!(
            check_image_bytes(b"GIF89a\x01\x00"),
            Err(MediaError::UnsupportedImage {
                looks_like: "a GIF image"
            })
        ));
        assert!(matches!(
            check_image_bytes(b"%PDF-1.7"),
            Err(MediaError::UnsupportedImage {
                looks_like: "a PDF document"
            })
        ));
        assert!(check_document_bytes(b"%PDF-1.4\n").is_ok());
        assert!(matches!(
            check_document_bytes(b"\x89PNG\r\n\x1a\n"),
            Err(MediaError::UnsupportedDocument {
                looks_like: "a PNG image"
            })
        ));
    }
}
