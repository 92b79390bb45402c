//! Storing media: originals, renditions and details in the database, and the checks that
//! keep published content from losing an image or document it shows.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rathaus_base::{Database, Transaction, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use uuid::Uuid;

use super::processing::{self, ProcessedImage, etag_of};
use super::{
    Crop, DocumentDetails, ImageDetails, MediaDetails, MediaError, MediaImportReport, MediaInfo,
    MediaKind, NewDocument, NewImage, NewMedia, OriginalFile, Rendition, RenditionInfo,
    check_document_details, check_image_details,
};
use crate::model::{Kind, Localized};
use crate::store::ContentStore;

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
struct PreparedMedia {
    key: String,
    kind: MediaKind,
    media_type: String,
    source_sha256: String,
    details: serde_json::Value,
    original: Vec<u8>,
    original_etag: String,
    /// The renditions, which replace the stored ones; none for a document.
    renditions: Vec<(RenditionInfo, Vec<u8>)>,
}

/// The media tables.
#[derive(Debug, Clone)]
pub struct MediaStore {
    database: Database,
}

/// Whether a write may replace what is stored under its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteMode {
    Replace,
    OnlyNew,
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

    /// Stores an image or document under a key, replacing what is stored there only when
    /// `replace` says so; otherwise a key in use is refused with `KeyTaken`, even when
    /// another upload took it a moment before.
    pub async fn upload(
        &self,
        media: NewMedia,
        replace: bool,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<MediaInfo, MediaError> {
        let key = media.key().to_owned();
        let mode = if replace {
            WriteMode::Replace
        } else {
            WriteMode::OnlyNew
        };
        self.write_all(vec![media], mode, author, now).await?;
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
        self.write_all(media, WriteMode::Replace, author, now).await
    }

    async fn write_all(
        &self,
        media: Vec<NewMedia>,
        mode: WriteMode,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<MediaImportReport, MediaError> {
        let mut report = MediaImportReport::default();
        // TODO: every changed image is processed before the first is written, so that a bad
        // file leaves nothing half-imported; a folder of many large photos therefore holds
        // all their renditions in memory at once. Write in batches once imports grow.
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
            if existing.is_some() && mode == WriteMode::OnlyNew {
                return Err(MediaError::KeyTaken {
                    key: item.key().to_owned(),
                    existing: item.kind(),
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

        let crops = if stored.focal_point == focal_point {
            None
        } else {
            let original = self
                .original(key)
                .await?
                .ok_or_else(|| MediaError::NotFound(key.to_owned()))?;
            Some(
                tokio::task::spawn_blocking(move || {
                    processing::crop_renditions(&original.bytes, focal_point)
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
        let version = version_of(&mut transaction, existing.id, &existing.original_etag).await?;
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
                "SELECT id, media_key, kind, media_type, byte_size, original_etag, version, \
                 details, created_at, created_by, updated_at, updated_by FROM media_items \
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
                "SELECT id, media_key, kind, media_type, byte_size, original_etag, version, \
                 details, created_at, created_by, updated_at, updated_by FROM media_items \
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

    /// The items that show a media item: published, or in an open revision (a draft, one in
    /// review or one scheduled) that would show it once published. Each item once.
    pub async fn used_by(&self, key: &str) -> Result<Vec<(Kind, String)>, MediaError> {
        let failed = |error| match error {
            crate::ContentError::Database(error) => MediaError::Database(error),
            other => MediaError::Corrupt {
                key: key.to_owned(),
                reason: other.to_string(),
            },
        };
        let content = ContentStore::new(self.database.clone());
        let (_, published) = content.published().await.map_err(failed)?;
        let open = content.open_revisions().await.map_err(failed)?;

        let mut users: Vec<(Kind, String)> = published
            .iter()
            .chain(&open)
            .filter(|item| {
                item.media_references()
                    .iter()
                    .any(|(_, _, used)| *used == key)
            })
            .map(|item| (item.kind(), item.key().to_owned()))
            .collect();
        users.sort();
        users.dedup();
        Ok(users)
    }

    /// Deletes a media item with its renditions, unless content shows it or an open revision
    /// would ([`MediaStore::used_by`]).
    pub async fn delete(&self, key: &str) -> Result<(), MediaError> {
        // TODO: on PostgreSQL a draft saved between this check and the deletion can still
        // name the key (SQLite's write lock rules that out); the page then leaves the image
        // or document out rather than fail. Checking the references inside the saving
        // transaction under a lock this deletion shares would close the gap.
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
) -> Result<Option<PreparedMedia>, MediaError> {
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
            Ok(Some(PreparedMedia {
                key,
                kind: MediaKind::Image,
                media_type: processed.original.media_type.to_owned(),
                source_sha256,
                details: json(&details),
                original_etag: etag_of(&processed.original.bytes),
                original: processed.original.bytes,
                renditions: processed.renditions,
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
            Ok(Some(PreparedMedia {
                key: document.key,
                kind: MediaKind::Document,
                media_type: "application/pdf".to_owned(),
                source_sha256,
                details: json(&details),
                original_etag: etag_of(&document.bytes),
                original: document.bytes,
                renditions: Vec::new(),
            }))
        }
    }
}

/// Writes one media item: inserted when `id` is `None`, else replaced.
async fn store(
    transaction: &mut Transaction,
    write: PreparedMedia,
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
        let key = write.key.clone();
        let kind = write.kind;
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
            .await
            .map_err(|error| {
                // Another upload stored this key after it was looked up.
                if error.is_unique_violation() {
                    MediaError::KeyTaken {
                        key,
                        existing: kind,
                    }
                } else {
                    MediaError::Database(error)
                }
            })?;
        id
    };

    transaction
        .execute(
            "DELETE FROM media_renditions WHERE media_id = $1",
            &[id.into()],
        )
        .await?;
    insert_renditions(transaction, id, write.renditions).await?;
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
