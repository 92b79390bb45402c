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

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Utc};
use rathaus_base::{Database, DbError, Transaction, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use uuid::Uuid;

use crate::model::{Kind, Localized};
use crate::store::ContentStore;
use crate::validate::is_valid_key;
use processing::{ProcessedImage, etag_of};

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

/// The facts stored as JSON beside an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredImage {
    width: u32,
    height: u32,
    alt: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    caption: Option<Localized>,
    focal_point: (f32, f32),
}

#[derive(sqlx::FromRow)]
struct MediaRow {
    id: Uuid,
    media_key: String,
    kind: String,
    media_type: String,
    byte_size: i64,
    original_etag: String,
    version: String,
    details: Json<serde_json::Value>,
    created_at: DateTime<Utc>,
    created_by: String,
    updated_at: DateTime<Utc>,
    updated_by: String,
}

#[derive(sqlx::FromRow)]
struct RenditionRow {
    media_id: Uuid,
    variant: String,
    width: i64,
    height: i64,
    media_type: String,
    etag: String,
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    id: Uuid,
    kind: String,
    source_sha256: String,
    original_etag: String,
    details: Json<serde_json::Value>,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    bytes: Vec<u8>,
    media_type: String,
    width: i64,
    height: i64,
    etag: String,
}

#[derive(sqlx::FromRow)]
struct OriginalRow {
    original: Vec<u8>,
    media_type: String,
    original_etag: String,
}

/// What to write for one image or document.
struct Write {
    key: String,
    kind: MediaKind,
    media_type: String,
    source_sha256: String,
    details: serde_json::Value,
    original: Vec<u8>,
    original_etag: String,
    /// The renditions to store; `None` keeps the stored ones.
    renditions: Option<Vec<(RenditionInfo, Vec<u8>)>>,
}

/// The media tables.
#[derive(Debug, Clone)]
pub struct MediaStore {
    database: Database,
}

impl MediaStore {
    /// A store on `database`, whose migrations (those of [`crate::store::MIGRATIONS`]) must
    /// have run.
    pub fn new(database: Database) -> MediaStore {
        MediaStore { database }
    }

    /// Stores an image under its key, replacing the file and details of an image stored
    /// there before. The file is processed on a blocking thread.
    pub async fn upload_image(
        &self,
        image: NewImage,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<MediaInfo, MediaError> {
        let key = image.key.clone();
        self.import(vec![NewMedia::Image(image)], author, now)
            .await?;
        self.info(&key)
            .await?
            .ok_or_else(|| MediaError::NotFound(key))
    }

    /// Stores a document under its key, replacing the file and details of a document stored
    /// there before.
    pub async fn upload_document(
        &self,
        document: NewDocument,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<MediaInfo, MediaError> {
        let key = document.key.clone();
        self.import(vec![NewMedia::Document(document)], author, now)
            .await?;
        self.info(&key)
            .await?
            .ok_or_else(|| MediaError::NotFound(key))
    }

    /// Stores images and documents in one transaction: either all or none. Files that are
    /// stored already with the same details are left alone; all files are checked and
    /// processed before anything is written.
    pub async fn import(
        &self,
        media: Vec<NewMedia>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<MediaImportReport, MediaError> {
        let mut report = MediaImportReport::default();
        let mut writes = Vec::new();

        for item in media {
            let existing = self.existing(item.key()).await?;
            if let Some(row) = &existing
                && let Some(stored) = MediaKind::parse(&row.kind)
                && stored != item.kind()
            {
                return Err(MediaError::KindMismatch {
                    key: item.key().to_owned(),
                    existing: stored,
                });
            }
            match prepare_write(item, existing.as_ref()).await? {
                Some(write) => {
                    if existing.is_some() {
                        report.updated += 1;
                    } else {
                        report.created += 1;
                    }
                    writes.push((write, existing.map(|row| row.id)));
                }
                None => report.unchanged += 1,
            }
        }
        if writes.is_empty() {
            return Ok(report);
        }

        let mut transaction = self.database.begin().await?;
        for (write, id) in writes {
            store(&mut transaction, write, id, author, now).await?;
        }
        raise_content_version(&mut transaction).await?;
        transaction.commit().await?;

        Ok(report)
    }

    /// Changes what is said about an image and where its focal point is; the crops are made
    /// again when the focal point moved.
    pub async fn update_image_details(
        &self,
        key: &str,
        alt: Localized,
        caption: Option<Localized>,
        focal_point: (f32, f32),
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<MediaInfo, MediaError> {
        check_image_details(key, &alt, caption.as_ref(), focal_point)?;
        let existing = self
            .existing(key)
            .await?
            .ok_or_else(|| MediaError::NotFound(key.to_owned()))?;
        if existing.kind != MediaKind::Image.as_str() {
            return Err(MediaError::KindMismatch {
                key: key.to_owned(),
                existing: MediaKind::Document,
            });
        }
        let stored: StoredImage = read_details(key, &existing.details.0)?;
        let original = self
            .original(key)
            .await?
            .ok_or_else(|| MediaError::NotFound(key.to_owned()))?;

        let crops = if stored.focal_point == focal_point {
            None
        } else {
            let bytes = original.bytes.clone();
            Some(
                tokio::task::spawn_blocking(move || {
                    processing::crop_renditions(&bytes, focal_point)
                })
                .await
                .map_err(|error| MediaError::Interrupted(error.to_string()))??,
            )
        };
        let details = StoredImage {
            alt,
            caption,
            focal_point,
            ..stored
        };

        let mut transaction = self.database.begin().await?;
        if let Some(crops) = crops {
            transaction
                .execute(
                    "DELETE FROM media_renditions WHERE media_id = $1 AND variant NOT LIKE 'w%'",
                    &[existing.id.into()],
                )
                .await?;
            insert_renditions(&mut transaction, existing.id, crops).await?;
        }
        let version = version_of(&mut transaction, existing.id, &original.etag).await?;
        transaction
            .execute(
                "UPDATE media_items SET details = $1, version = $2, updated_at = $3, \
                 updated_by = $4 WHERE id = $5",
                &[
                    json(&details).into(),
                    version.into(),
                    now.into(),
                    author.into(),
                    existing.id.into(),
                ],
            )
            .await?;
        raise_content_version(&mut transaction).await?;
        transaction.commit().await?;

        self.info(key)
            .await?
            .ok_or_else(|| MediaError::NotFound(key.to_owned()))
    }

    /// All media, or those of one kind, by key.
    pub async fn list(&self, kind: Option<MediaKind>) -> Result<Vec<MediaInfo>, MediaError> {
        let rows: Vec<MediaRow> = self
            .database
            .fetch_all(
                "SELECT id, media_key, kind, media_type, byte_size, original_etag, version, details, \
                 created_at, created_by, updated_at, updated_by FROM media_items \
                 ORDER BY media_key",
                &[],
            )
            .await?;
        let renditions: Vec<RenditionRow> = self
            .database
            .fetch_all(
                "SELECT media_id, variant, width, height, media_type, etag \
                 FROM media_renditions ORDER BY media_id, variant",
                &[],
            )
            .await?;
        let mut by_media: HashMap<Uuid, Vec<RenditionRow>> = HashMap::new();
        for rendition in renditions {
            by_media
                .entry(rendition.media_id)
                .or_default()
                .push(rendition);
        }

        rows.into_iter()
            .filter(|row| kind.is_none_or(|kind| row.kind == kind.as_str()))
            .map(|row| {
                let renditions = by_media.remove(&row.id).unwrap_or_default();
                read_info(row, renditions)
            })
            .collect()
    }

    /// The keys and kinds of all media, for checking references.
    pub async fn kinds(&self) -> Result<BTreeMap<String, MediaKind>, MediaError> {
        #[derive(sqlx::FromRow)]
        struct KeyRow {
            media_key: String,
            kind: String,
        }
        let rows: Vec<KeyRow> = self
            .database
            .fetch_all("SELECT media_key, kind FROM media_items", &[])
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| MediaKind::parse(&row.kind).map(|kind| (row.media_key, kind)))
            .collect())
    }

    /// One media item, without its bytes.
    pub async fn info(&self, key: &str) -> Result<Option<MediaInfo>, MediaError> {
        let Some(row) = self
            .database
            .fetch_optional::<MediaRow>(
                "SELECT id, media_key, kind, media_type, byte_size, original_etag, version, details, \
                 created_at, created_by, updated_at, updated_by FROM media_items \
                 WHERE media_key = $1",
                &[key.into()],
            )
            .await?
        else {
            return Ok(None);
        };
        let renditions: Vec<RenditionRow> = self
            .database
            .fetch_all(
                "SELECT media_id, variant, width, height, media_type, etag \
                 FROM media_renditions WHERE media_id = $1 ORDER BY variant",
                &[row.id.into()],
            )
            .await?;
        read_info(row, renditions).map(Some)
    }

    /// A rendition of an image by its name, such as `w640` or `1x1-w320`; `original` gives
    /// the original.
    pub async fn rendition(
        &self,
        key: &str,
        variant: &str,
    ) -> Result<Option<Rendition>, MediaError> {
        if variant == "original" {
            let Some(info) = self.info(key).await? else {
                return Ok(None);
            };
            let Some(image) = info.image() else {
                return Ok(None);
            };
            return Ok(self.original(key).await?.map(|original| Rendition {
                bytes: original.bytes,
                media_type: original.media_type,
                width: image.width,
                height: image.height,
                etag: original.etag,
            }));
        }

        let row: Option<FileRow> = self
            .database
            .fetch_optional(
                "SELECT r.bytes, r.media_type, r.width, r.height, r.etag \
                 FROM media_renditions r JOIN media_items m ON m.id = r.media_id \
                 WHERE m.media_key = $1 AND r.variant = $2",
                &[key.into(), variant.into()],
            )
            .await?;
        row.map(|row| {
            Ok(Rendition {
                width: dimension(key, row.width)?,
                height: dimension(key, row.height)?,
                bytes: row.bytes,
                media_type: row.media_type,
                etag: row.etag,
            })
        })
        .transpose()
    }

    /// The original file: for an image the upload re-encoded without metadata, for a
    /// document the file as uploaded.
    pub async fn original(&self, key: &str) -> Result<Option<OriginalFile>, MediaError> {
        let row: Option<OriginalRow> = self
            .database
            .fetch_optional(
                "SELECT original, media_type, original_etag FROM media_items \
                 WHERE media_key = $1",
                &[key.into()],
            )
            .await?;
        Ok(row.map(|row| OriginalFile {
            bytes: row.original,
            media_type: row.media_type,
            etag: row.original_etag,
        }))
    }

    /// The published items that show a media item.
    pub async fn used_by(&self, key: &str) -> Result<Vec<(Kind, String)>, MediaError> {
        let content = ContentStore::new(self.database.clone());
        let (_, items) = content.published().await.map_err(|error| match error {
            crate::ContentError::Database(error) => MediaError::Database(error),
            other => MediaError::Corrupt {
                key: key.to_owned(),
                reason: other.to_string(),
            },
        })?;
        Ok(items
            .iter()
            .filter(|item| {
                item.media_references()
                    .iter()
                    .any(|(_, _, used)| *used == key)
            })
            .map(|item| (item.kind(), item.key().to_owned()))
            .collect())
    }

    /// Deletes a media item with its renditions, unless published content still shows it.
    pub async fn delete(&self, key: &str) -> Result<(), MediaError> {
        let users = self.used_by(key).await?;
        if !users.is_empty() {
            return Err(MediaError::InUse {
                key: key.to_owned(),
                users,
            });
        }

        let mut transaction = self.database.begin().await?;
        let Some(row) = transaction
            .fetch_optional::<ExistingRow>(
                "SELECT id, kind, source_sha256, original_etag, details FROM media_items \
                 WHERE media_key = $1",
                &[key.into()],
            )
            .await?
        else {
            return Err(MediaError::NotFound(key.to_owned()));
        };
        transaction
            .execute(
                "DELETE FROM media_renditions WHERE media_id = $1",
                &[row.id.into()],
            )
            .await?;
        transaction
            .execute("DELETE FROM media_items WHERE id = $1", &[row.id.into()])
            .await?;
        raise_content_version(&mut transaction).await?;
        transaction.commit().await?;

        Ok(())
    }

    async fn existing(&self, key: &str) -> Result<Option<ExistingRow>, MediaError> {
        Ok(self
            .database
            .fetch_optional(
                "SELECT id, kind, source_sha256, original_etag, details FROM media_items \
                 WHERE media_key = $1",
                &[key.into()],
            )
            .await?)
    }
}

/// Checks a new image or document and, unless it is stored exactly so already, processes it
/// into what to write.
async fn prepare_write(
    item: NewMedia,
    existing: Option<&ExistingRow>,
) -> Result<Option<Write>, MediaError> {
    match item {
        NewMedia::Image(image) => {
            check_image_details(
                &image.key,
                &image.alt,
                image.caption.as_ref(),
                image.focal_point,
            )?;
            processing::check_image_bytes(&image.bytes)?;
            let source_sha256 = rathaus_base::hex(&Sha256::digest(&image.bytes));
            // An export holds the stored original, which is unchanged too.
            if let Some(row) = existing
                && (row.source_sha256 == source_sha256
                    || row.original_etag == etag_of(&image.bytes))
                && let Ok(stored) = serde_json::from_value::<StoredImage>(row.details.0.clone())
                && stored.alt == image.alt
                && stored.caption == image.caption
                && stored.focal_point == image.focal_point
            {
                return Ok(None);
            }

            let NewImage {
                key,
                bytes,
                alt,
                caption,
                focal_point,
            } = image;
            let processed: ProcessedImage =
                tokio::task::spawn_blocking(move || processing::process_image(&bytes, focal_point))
                    .await
                    .map_err(|error| MediaError::Interrupted(error.to_string()))??;
            let details = StoredImage {
                width: processed.width,
                height: processed.height,
                alt,
                caption,
                focal_point,
            };
            Ok(Some(Write {
                key,
                kind: MediaKind::Image,
                media_type: processed.original.media_type.to_owned(),
                source_sha256,
                details: json(&details),
                original_etag: etag_of(&processed.original.bytes),
                original: processed.original.bytes,
                renditions: Some(processed.renditions),
            }))
        }
        NewMedia::Document(document) => {
            check_document_details(&document.key, &document.title, &document.language)?;
            processing::check_document_bytes(&document.bytes)?;
            let source_sha256 = rathaus_base::hex(&Sha256::digest(&document.bytes));
            let details = DocumentDetails {
                title: document.title,
                language: document.language,
            };
            if let Some(row) = existing
                && row.source_sha256 == source_sha256
                && serde_json::from_value::<DocumentDetails>(row.details.0.clone()).ok()
                    == Some(details.clone())
            {
                return Ok(None);
            }
            Ok(Some(Write {
                key: document.key,
                kind: MediaKind::Document,
                media_type: "application/pdf".to_owned(),
                source_sha256,
                details: json(&details),
                original_etag: etag_of(&document.bytes),
                original: document.bytes,
                renditions: Some(Vec::new()),
            }))
        }
    }
}

/// Writes one media item: inserted when `id` is `None`, else replaced.
async fn store(
    transaction: &mut Transaction,
    write: Write,
    id: Option<Uuid>,
    author: &str,
    now: DateTime<Utc>,
) -> Result<(), MediaError> {
    let byte_size = i64::try_from(write.original.len()).unwrap_or(i64::MAX);
    let id = if let Some(id) = id {
        transaction
            .execute(
                "UPDATE media_items SET media_type = $1, byte_size = $2, \
                     source_sha256 = $3, details = $4, original = $5, original_etag = $6, \
                     updated_at = $7, updated_by = $8 WHERE id = $9",
                &[
                    write.media_type.into(),
                    byte_size.into(),
                    write.source_sha256.into(),
                    write.details.into(),
                    write.original.into(),
                    write.original_etag.clone().into(),
                    now.into(),
                    author.into(),
                    id.into(),
                ],
            )
            .await?;
        id
    } else {
        let id = Uuid::now_v7();
        transaction
            .execute(
                "INSERT INTO media_items (id, media_key, kind, media_type, byte_size, \
                     source_sha256, version, details, original, original_etag, created_at, \
                     created_by, updated_at, updated_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, $9, $10, $11, $10, $11)",
                &[
                    id.into(),
                    write.key.into(),
                    write.kind.as_str().into(),
                    write.media_type.into(),
                    byte_size.into(),
                    write.source_sha256.into(),
                    write.details.into(),
                    write.original.into(),
                    write.original_etag.clone().into(),
                    now.into(),
                    author.into(),
                ],
            )
            .await?;
        id
    };

    if let Some(renditions) = write.renditions {
        transaction
            .execute(
                "DELETE FROM media_renditions WHERE media_id = $1",
                &[id.into()],
            )
            .await?;
        insert_renditions(transaction, id, renditions).await?;
    }
    let version = version_of(transaction, id, &write.original_etag).await?;
    transaction
        .execute(
            "UPDATE media_items SET version = $1 WHERE id = $2",
            &[version.into(), id.into()],
        )
        .await?;

    Ok(())
}

async fn insert_renditions(
    transaction: &mut Transaction,
    id: Uuid,
    renditions: Vec<(RenditionInfo, Vec<u8>)>,
) -> Result<(), MediaError> {
    for (info, bytes) in renditions {
        transaction
            .execute(
                "INSERT INTO media_renditions \
                 (media_id, variant, width, height, media_type, etag, bytes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    id.into(),
                    info.variant.into(),
                    i64::from(info.width).into(),
                    i64::from(info.height).into(),
                    info.media_type.into(),
                    info.etag.into(),
                    Value::Bytes(Some(bytes)),
                ],
            )
            .await?;
    }
    Ok(())
}

/// The version of a media item: a hash over the entity tags of every file served for it, so
/// it changes exactly when one of them does.
async fn version_of(
    transaction: &mut Transaction,
    id: Uuid,
    original_etag: &str,
) -> Result<String, MediaError> {
    #[derive(sqlx::FromRow)]
    struct Tag {
        variant: String,
        etag: String,
    }
    let tags: Vec<Tag> = transaction
        .fetch_all(
            "SELECT variant, etag FROM media_renditions WHERE media_id = $1 ORDER BY variant",
            &[id.into()],
        )
        .await?;
    let mut hasher = Sha256::new();
    hasher.update(original_etag.as_bytes());
    for tag in tags {
        hasher.update(tag.variant.as_bytes());
        hasher.update(tag.etag.as_bytes());
    }
    Ok(rathaus_base::hex(&hasher.finalize()[..8]))
}

/// Media changes show on pages (sizes, alternative texts, addresses), so they raise the
/// content version like a publication: every node reloads.
async fn raise_content_version(transaction: &mut Transaction) -> Result<(), MediaError> {
    transaction
        .execute(
            "UPDATE content_state SET version = version + 1 WHERE id = 1",
            &[],
        )
        .await?;
    Ok(())
}

fn json(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

fn read_details<T: serde::de::DeserializeOwned>(
    key: &str,
    details: &serde_json::Value,
) -> Result<T, MediaError> {
    serde_json::from_value(details.clone()).map_err(|error| MediaError::Corrupt {
        key: key.to_owned(),
        reason: error.to_string(),
    })
}

fn dimension(key: &str, value: i64) -> Result<u32, MediaError> {
    u32::try_from(value).map_err(|_| MediaError::Corrupt {
        key: key.to_owned(),
        reason: format!("{value} is no image dimension"),
    })
}

fn read_info(row: MediaRow, renditions: Vec<RenditionRow>) -> Result<MediaInfo, MediaError> {
    let key = row.media_key;
    let details = match MediaKind::parse(&row.kind) {
        Some(MediaKind::Image) => {
            let stored: StoredImage = read_details(&key, &row.details.0)?;
            let mut renditions = renditions
                .into_iter()
                .map(|rendition| {
                    Ok(RenditionInfo {
                        crop: crop_of(&rendition.variant),
                        width: dimension(&key, rendition.width)?,
                        height: dimension(&key, rendition.height)?,
                        variant: rendition.variant,
                        media_type: rendition.media_type,
                        etag: rendition.etag,
                    })
                })
                .collect::<Result<Vec<_>, MediaError>>()?;
            renditions.sort_by_key(|rendition| (crop_order(rendition.crop), rendition.width));
            MediaDetails::Image(ImageDetails {
                width: stored.width,
                height: stored.height,
                alt: stored.alt,
                caption: stored.caption,
                focal_point: stored.focal_point,
                renditions,
            })
        }
        Some(MediaKind::Document) => MediaDetails::Document(read_details(&key, &row.details.0)?),
        None => {
            return Err(MediaError::Corrupt {
                key,
                reason: format!("unknown kind `{}`", row.kind),
            });
        }
    };

    Ok(MediaInfo {
        byte_size: u64::try_from(row.byte_size).unwrap_or_default(),
        etag: row.original_etag,
        key,
        media_type: row.media_type,
        version: row.version,
        created_at: row.created_at,
        created_by: row.created_by,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
        details,
    })
}

fn crop_order(crop: Crop) -> u8 {
    match crop {
        Crop::None => 0,
        Crop::Wide => 1,
        Crop::Square => 2,
    }
}

fn crop_of(variant: &str) -> Crop {
    if variant.starts_with("16x9-") {
        Crop::Wide
    } else if variant.starts_with("1x1-") {
        Crop::Square
    } else {
        Crop::None
    }
}
