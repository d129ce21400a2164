//! Image processing for thumbnails and avatars: decoding with limits against decompression
//! bombs, then re-encoding, which drops every piece of metadata (EXIF, GPS, comments) the
//! original carried. CPU work: callers run it on the blocking pool.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, imageops::FilterType};

/// The widest or tallest image decoded.
pub const MAX_SIDE: u32 = 12_000;
/// The most memory one decode may allocate.
pub const MAX_ALLOC: u64 = 128 * 1024 * 1024;
/// Thumbnails fit in this square.
pub const THUMBNAIL_SIDE: u32 = 400;
/// Avatar sizes (square).
pub const AVATAR_SIZES: [u32; 2] = [64, 256];

/// Why an image was not processed.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Not an image of a supported format (PNG, JPEG, GIF, WebP).
    #[error("not a supported image")]
    Unsupported,
    /// Larger than the limits (or declaring to be: a decompression bomb).
    #[error("the image is too large to process")]
    TooLarge,
    /// Broken data.
    #[error("the image could not be decoded: {0}")]
    Invalid(String),
}

/// A re-encoded image.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Content types decoded here.
pub fn is_supported(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn classify(err: &image::ImageError) -> ImageError {
    match err {
        image::ImageError::Limits(_) => ImageError::TooLarge,
        image::ImageError::Unsupported(_) => ImageError::Unsupported,
        other => ImageError::Invalid(other.to_string()),
    }
}

/// Decodes `bytes` within the limits, turned upright by its EXIF orientation.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Invalid(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) => {}
        _ => return Err(ImageError::Unsupported),
    }
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| classify(&e))?;
    // The declared size is checked before any pixel is decoded.
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooLarge);
    }
    decoder.set_limits(limits()).map_err(|e| classify(&e))?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| classify(&e))?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// Encodes as PNG when the image has transparency, else as JPEG; nothing but pixels is kept.
pub fn encode(image: &DynamicImage) -> Result<Encoded, ImageError> {
    let mut out = Cursor::new(Vec::new());
    let content_type = if image.color().has_alpha() {
        image
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| ImageError::Invalid(e.to_string()))?;
        "image/png"
    } else {
        let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        rgb.write_with_encoder(encoder)
            .map_err(|e| ImageError::Invalid(e.to_string()))?;
        "image/jpeg"
    };
    Ok(Encoded {
        bytes: out.into_inner(),
        content_type,
        width: image.width(),
        height: image.height(),
    })
}

/// The original's size and its thumbnail (at most [`THUMBNAIL_SIDE`] a side, never enlarged).
pub fn thumbnail(bytes: &[u8]) -> Result<((u32, u32), Encoded), ImageError> {
    let image = decode(bytes)?;
    let size = (image.width(), image.height());
    let thumb = if size.0 <= THUMBNAIL_SIDE && size.1 <= THUMBNAIL_SIDE {
        image
    } else {
        image.resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, FilterType::Triangle)
    };
    Ok((size, encode(&thumb)?))
}

/// The avatar sizes of an image: its centre square, scaled to each of [`AVATAR_SIZES`].
pub fn avatars(bytes: &[u8]) -> Result<Vec<(u32, Encoded)>, ImageError> {
    let image = decode(bytes)?;
    let side = image.width().min(image.height());
    if side == 0 {
        return Err(ImageError::Invalid("empty image".into()));
    }
    let square = image.crop_imm(
        (image.width() - side) / 2,
        (image.height() - side) / 2,
        side,
        side,
    );
    AVATAR_SIZES
        .iter()
        .map(|&size| {
            let scaled = square.resize_exact(size, size, FilterType::Triangle);
            encode(&scaled).map(|e| (size, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }));
        let mut out = Cursor::new(Vec::new());
        image
            .write_to(&mut out, ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        out.into_inner()
    }

    #[test]
    fn thumbnails_fit_and_keep_the_aspect_ratio() {
        let ((w, h), thumb) = thumbnail(&png(1000, 500)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((w, h), (1000, 500));
        assert_eq!((thumb.width, thumb.height), (400, 200));
        assert_eq!(thumb.content_type, "image/jpeg");
        let (_, small) = thumbnail(&png(40, 30)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((small.width, small.height), (40, 30));
    }

    #[test]
    fn avatars_are_centre_squares() {
        let sizes = avatars(&png(300, 200)).unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<_> = sizes.iter().map(|(s, e)| (*s, e.width, e.height)).collect();
        assert_eq!(got, [(64, 64, 64), (256, 256, 256)]);
    }

    #[test]
    fn bombs_and_garbage_are_refused() {
        // A PNG header declaring 50,000 x 50,000 pixels.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        assert!(matches!(
            decode(&bomb),
            Err(ImageError::TooLarge) | Err(ImageError::Invalid(_))
        ));
        assert!(matches!(
            decode(b"not an image"),
            Err(ImageError::Unsupported)
        ));
    }
}
