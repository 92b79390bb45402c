//! Media: the images and documents that content items show, each under a stable key.
//!
//! An image is checked by its content (JPEG, PNG or WebP), refused when it is too large in
//! bytes or pixels, and encoded again without its metadata, so that no GPS position or camera
//! serial number of an EXIF block reaches the public. From it, renditions are made once, at
//! fixed widths in the original aspect ratio and as 16:9 and 1:1 crops around the focal
//! point the editor chose ([`processing`]). A document is a PDF file with a title and a
//! language. Originals and renditions are stored in the database, so every node can serve
//! them; every change raises the content version, so nodes reload what pages show about
//! media (size, alternative text, the version in the addresses) as they do for content.

pub mod processing;
mod store;

use std::fmt;

use chrono::{DateTime, Utc};
use rathaus_base::DbError;
use serde::{Deserialize, Serialize};

use crate::model::{Kind, Localized};
use crate::validate::is_valid_key;

pub use store::MediaStore;

/// The largest file accepted, image or document: 20 MB.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// The most pixels an image may have: 40 megapixels. Larger images are refused before they
/// are decoded, since a small compressed file can unpack into gigabytes.
pub const MAX_PIXELS: u64 = 40_000_000;

/// The focal point of an image nobody chose one for: its centre.
pub const CENTRE: (f32, f32) = (0.5, 0.5);

/// The longest alternative text accepted. Good alternative text says in a sentence what the
/// image shows; longer explanations belong in the caption or the text.
const MAX_ALT_CHARS: usize = 250;

/// The longest caption accepted.
const MAX_CAPTION_CHARS: usize = 500;

/// The longest document title accepted.
const MAX_TITLE_CHARS: usize = 200;

/// Whether a media item is an image or a document.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum MediaKind {
    /// A JPEG, PNG or WebP image, shown on a page.
    Image,
    /// A PDF document, such as a form or a leaflet, offered for download.
    Document,
}

impl MediaKind {
    /// The name used in the database and in import files.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Document => "document",
        }
    }

    /// The kind with its indefinite article, for messages: "an image", "a document".
    pub fn with_article(self) -> &'static str {
        match self {
            MediaKind::Image => "an image",
            MediaKind::Document => "a document",
        }
    }

    /// Parses the database name of a kind.
    pub fn parse(name: &str) -> Option<MediaKind> {
        match name {
            "image" => Some(MediaKind::Image),
            "document" => Some(MediaKind::Document),
            _ => None,
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a rendition is cut from the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Crop {
    /// Not cut: the original aspect ratio.
    None,
    /// 16:9 around the focal point, for teasers.
    Wide,
    /// 1:1 around the focal point, for thumbnails.
    Square,
}

impl Crop {
    /// The aspect ratio as (width, height), if the image is cut.
    pub fn aspect(self) -> Option<(u32, u32)> {
        match self {
            Crop::None => None,
            Crop::Wide => Some((16, 9)),
            Crop::Square => Some((1, 1)),
        }
    }

    /// The name of the rendition of this crop at `width`: `w640`, `16x9-w640`, `1x1-w320`.
    pub fn variant_name(self, width: u32) -> String {
        match self.aspect() {
            Some((w, h)) => format!("{w}x{h}-w{width}"),
            None => format!("w{width}"),
        }
    }
}

/// A new image, or a new file and details for an existing one.
#[derive(Debug, Clone)]
pub struct NewImage {
    /// Stable key, such as `rathaus-marktplatz`.
    pub key: String,
    /// The file: JPEG, PNG or WebP.
    pub bytes: Vec<u8>,
    /// What the image shows, for people who cannot see it; German required.
    pub alt: Localized,
    /// A caption shown below the image, such as who took the photo.
    pub caption: Option<Localized>,
    /// The point crops are centred on, as fractions of width and height (0 to 1).
    pub focal_point: (f32, f32),
}

/// A new document, or a new file and details for an existing one.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// Stable key, such as `merkblatt-wohnsitzanmeldung`.
    pub key: String,
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// The title people see in the link; German required.
    pub title: Localized,
    /// The language the document is written in, as a BCP 47 tag such as `de` or `tr`.
    pub language: String,
}

/// An image or a document, as an import folder holds them.
#[derive(Debug, Clone)]
pub enum NewMedia {
    /// An image.
    Image(NewImage),
    /// A document.
    Document(NewDocument),
}

impl NewMedia {
    /// The key.
    pub fn key(&self) -> &str {
        match self {
            NewMedia::Image(image) => &image.key,
            NewMedia::Document(document) => &document.key,
        }
    }

    /// The kind.
    pub fn kind(&self) -> MediaKind {
        match self {
            NewMedia::Image(_) => MediaKind::Image,
            NewMedia::Document(_) => MediaKind::Document,
        }
    }
}

/// One stored rendition of an image, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RenditionInfo {
    /// Its name, such as `w640` or `16x9-w1024`.
    pub variant: String,
    /// How it is cut.
    pub crop: Crop,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// A hash of its bytes.
    pub etag: String,
}

/// What is known about an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImageDetails {
    /// Width of the original in pixels.
    pub width: u32,
    /// Height of the original in pixels.
    pub height: u32,
    /// What the image shows.
    pub alt: Localized,
    /// The caption, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<Localized>,
    /// The focal point as fractions of width and height.
    #[schema(value_type = [f32; 2])]
    pub focal_point: (f32, f32),
    /// The renditions, narrowest first within each crop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<RenditionInfo>,
}

impl ImageDetails {
    /// The renditions of one crop, narrowest first.
    pub fn renditions_of(&self, crop: Crop) -> impl Iterator<Item = &RenditionInfo> {
        self.renditions.iter().filter(move |r| r.crop == crop)
    }

    /// The widest rendition of a crop that is at most `width` wide, or the narrowest one
    /// when all are wider.
    pub fn rendition_up_to(&self, crop: Crop, width: u32) -> Option<&RenditionInfo> {
        self.renditions_of(crop)
            .filter(|rendition| rendition.width <= width)
            .max_by_key(|rendition| rendition.width)
            .or_else(|| self.renditions_of(crop).min_by_key(|r| r.width))
    }
}

/// What is known about a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentDetails {
    /// The title.
    pub title: Localized,
    /// The language of the document (BCP 47).
    pub language: String,
}

/// The kind-specific part of a media item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum MediaDetails {
    /// An image.
    Image(ImageDetails),
    /// A document.
    Document(DocumentDetails),
}

/// A stored media item, without its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediaInfo {
    /// Stable key.
    pub key: String,
    /// Media type of the original: `image/jpeg`, `image/png` or `application/pdf`.
    pub media_type: String,
    /// Size of the original in bytes.
    pub byte_size: u64,
    /// A hash of the original file.
    pub etag: String,
    /// Changes whenever any file served for this item changes; web addresses carry it, so
    /// that browsers may keep each file for a year.
    pub version: String,
    /// When it was first uploaded.
    pub created_at: DateTime<Utc>,
    /// Who uploaded it first.
    pub created_by: String,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// Who changed it last.
    pub updated_by: String,
    /// Image or document facts.
    #[serde(flatten)]
    pub details: MediaDetails,
}

impl MediaInfo {
    /// Image or document.
    pub fn kind(&self) -> MediaKind {
        match self.details {
            MediaDetails::Image(_) => MediaKind::Image,
            MediaDetails::Document(_) => MediaKind::Document,
        }
    }

    /// The image facts, if it is an image.
    pub fn image(&self) -> Option<&ImageDetails> {
        match &self.details {
            MediaDetails::Image(image) => Some(image),
            MediaDetails::Document(_) => None,
        }
    }

    /// The document facts, if it is a document.
    pub fn document(&self) -> Option<&DocumentDetails> {
        match &self.details {
            MediaDetails::Document(document) => Some(document),
            MediaDetails::Image(_) => None,
        }
    }
}

/// A rendition with its bytes, to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub media_type: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// A hash of the bytes, for `ETag`.
    pub etag: String,
}

/// The original file of a media item, to serve or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalFile {
    /// The file; for images re-encoded without metadata.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub media_type: String,
    /// A hash of the bytes, for `ETag`.
    pub etag: String,
}

/// What an import of media changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaImportReport {
    /// Media that did not exist before.
    pub created: usize,
    /// Media with a new file or new details.
    pub updated: usize,
    /// Media that were stored exactly so already.
    pub unchanged: usize,
}

/// Why a media operation failed. Messages say which field or which limit, and why.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// A field is missing or wrong.
    #[error("field `{field}`: {message}")]
    Invalid {
        /// The field, such as `alt.de`.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The file is not a JPEG, PNG or WebP image.
    #[error(
        "the file is {looks_like}, not a JPEG, PNG or WebP image; save photos as JPEG and \
         graphics as PNG"
    )]
    UnsupportedImage {
        /// What the file seems to be.
        looks_like: &'static str,
    },
    /// The file is not a PDF document.
    #[error("the file is {looks_like}, not a PDF document; save it as PDF")]
    UnsupportedDocument {
        /// What the file seems to be.
        looks_like: &'static str,
    },
    /// The file is over the size limit.
    #[error("the file has {} MB; at most 20 MB are accepted", megabytes(*.size))]
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// The image has more pixels than the limit.
    #[error(
        "the image has {width} × {height} pixels; at most 40 megapixels are accepted, so \
         scale it down first"
    )]
    TooManyPixels {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Decoding the image would exceed a limit (a side over 20,000 pixels, or memory).
    #[error("the image is too large to process ({0}); scale it down first")]
    Limits(String),
    /// The image is damaged or uses a variant of its format that cannot be read.
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
    /// An image could not be encoded; a fault on our side.
    #[error("the image cannot be encoded: {0}")]
    Encoding(String),
    /// There is no media item with this key.
    #[error("there is no image or document with the key `{0}`")]
    NotFound(String),
    /// The key belongs to a media item of the other kind.
    #[error("`{key}` is already the key of {}; choose another key", .existing.with_article())]
    KindMismatch {
        /// The key.
        key: String,
        /// The kind stored under it.
        existing: MediaKind,
    },
    /// Something is stored under the key already, and the upload was not meant to replace
    /// it.
    #[error("`{key}` is already the key of {}; replace it or choose another key", .existing.with_article())]
    KeyTaken {
        /// The key.
        key: String,
        /// The kind stored under it.
        existing: MediaKind,
    },
    /// Published content still shows the item, so it cannot be deleted.
    #[error("`{key}` is still shown by {}; remove it there first", list_items(.users))]
    InUse {
        /// The key.
        key: String,
        /// The published items that show it.
        users: Vec<(Kind, String)>,
    },
    /// A stored item cannot be read back.
    #[error("stored media `{key}` cannot be read: {reason}")]
    Corrupt {
        /// The key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// The processing thread stopped before it finished.
    #[error("image processing stopped: {0}")]
    Interrupted(String),
}

#[expect(
    clippy::cast_precision_loss,
    reason = "file sizes stay far below 2^52 bytes"
)]
fn megabytes(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

fn list_items(items: &[(Kind, String)]) -> String {
    let names: Vec<String> = items
        .iter()
        .map(|(kind, key)| format!("{kind} `{key}`"))
        .collect();
    names.join(", ")
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> MediaError {
    MediaError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Checks the key and details of a new image, before its file is processed.
pub fn check_image_details(
    key: &str,
    alt: &Localized,
    caption: Option<&Localized>,
    focal_point: (f32, f32),
) -> Result<(), MediaError> {
    check_key(key)?;
    check_texts("alt", alt, MAX_ALT_CHARS)?;
    for (variant, text) in texts_of(alt) {
        if looks_like_file_name(text) {
            return Err(invalid(
                format!("alt.{variant}"),
                "this looks like a file name; describe what the image shows",
            ));
        }
    }
    if let Some(caption) = caption {
        check_texts("caption", caption, MAX_CAPTION_CHARS)?;
    }
    let (x, y) = focal_point;
    if !(0.0..=1.0).contains(&x) || !(0.0..=1.0).contains(&y) {
        return Err(invalid(
            "focal_point",
            "give x and y as fractions from 0 to 1, such as [0.5, 0.3]",
        ));
    }
    Ok(())
}

/// Checks the key, title and language of a new document.
pub fn check_document_details(
    key: &str,
    title: &Localized,
    language: &str,
) -> Result<(), MediaError> {
    check_key(key)?;
    check_texts("title", title, MAX_TITLE_CHARS)?;
    if !is_language_tag(language) {
        return Err(invalid(
            "language",
            format!("`{language}` is not a language tag; write it like \"de\", \"en\" or \"tr\""),
        ));
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), MediaError> {
    if is_valid_key(key) {
        Ok(())
    } else {
        Err(invalid(
            "key",
            "use lower case letters, digits and single hyphens (at most 80)",
        ))
    }
}

fn texts_of(texts: &Localized) -> impl Iterator<Item = (&'static str, &str)> {
    [
        ("de", Some(texts.de.as_str())),
        ("en", texts.en.as_deref()),
        ("ls", texts.ls.as_deref()),
    ]
    .into_iter()
    .filter_map(|(variant, text)| text.map(|text| (variant, text)))
}

fn check_texts(field: &str, texts: &Localized, max_chars: usize) -> Result<(), MediaError> {
    for (variant, text) in texts_of(texts) {
        if text.trim().is_empty() {
            let message = if variant == "de" {
                "the German text is required"
            } else {
                "leave the variant out rather than empty"
            };
            return Err(invalid(format!("{field}.{variant}"), message));
        }
        let length = text.chars().count();
        if length > max_chars {
            return Err(invalid(
                format!("{field}.{variant}"),
                format!("{length} characters; at most {max_chars}"),
            ));
        }
    }
    Ok(())
}

fn looks_like_file_name(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    [".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic"]
        .iter()
        .any(|extension| lower.ends_with(extension))
        || ((lower.starts_with("img_") || lower.starts_with("dsc")) && !lower.contains(' '))
}

/// Whether `tag` has the shape of a BCP 47 language tag: a language of 2 or 3 letters and
/// optional subtags such as a region (`de-AT`).
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or("");
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|part| {
            (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}
