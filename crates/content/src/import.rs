//! Reading content from a folder of TOML files and writing it back.
//!
//! An import folder holds one subfolder per kind (`services/`, `offices/`, ...) with one
//! file per item, named after the item's key, and a `media/` folder with one TOML file per
//! image or document beside the file it describes. [`read_folder_with_media`] reads and
//! checks all of it and reports every problem it finds, each with file, item and field,
//! before anything is stored; [`write_folder`] and [`write_media`] write items and media in
//! the same format, so that an export can be read by a person, compared with `diff` and
//! imported again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ContentError, ImportProblem};
use crate::media::{
    self, CENTRE, MediaDetails, MediaError, MediaInfo, MediaKind, NewDocument, NewImage, NewMedia,
    OriginalFile,
};
use crate::model::{Item, Kind, Localized};
use crate::validate;

/// The largest file an import accepts; content files are a few kilobytes.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The folder of an import directory that holds images and documents.
pub const MEDIA_FOLDER: &str = "media";

/// What is stored already, for checking the references of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// The kinds and keys of the stored items.
    pub items: BTreeSet<(Kind, String)>,
    /// The keys and kinds of the stored media.
    pub media: BTreeMap<String, MediaKind>,
}

/// Everything an import folder holds, checked.
#[derive(Debug, Clone)]
pub struct FolderContent {
    /// The content items.
    pub items: Vec<Item>,
    /// The images and documents, with their files. Store them before the items, which
    /// refer to them.
    pub media: Vec<NewMedia>,
}

/// The description of an image or document in `media/<key>.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum MediaFile {
    Image {
        key: String,
        file: String,
        alt: Localized,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<Localized>,
        #[serde(default = "centre")]
        focal_point: (f64, f64),
    },
    Document {
        key: String,
        file: String,
        title: Localized,
        language: String,
    },
}

fn centre() -> (f64, f64) {
    (f64::from(CENTRE.0), f64::from(CENTRE.1))
}

/// Reads every item of an import folder and checks it, or returns all problems found.
/// References may name items in the folder or in `stored`, the keys already in the database;
/// images and documents must be in the folder's `media/`. To import media too, or to refer
/// to stored media, use [`read_folder_with_media`].
pub fn read_folder(
    folder: &Path,
    stored: &BTreeSet<(Kind, String)>,
) -> Result<Vec<Item>, ContentError> {
    let stored = Stored {
        items: stored.clone(),
        media: BTreeMap::new(),
    };
    read_folder_with_media(folder, &stored).map(|content| content.items)
}

/// Reads every item and medium of an import folder and checks them, or returns all problems
/// found. References may name items and media in the folder or in `stored`. Image files are
/// checked here by type and size only; they are decoded when stored.
pub fn read_folder_with_media(
    folder: &Path,
    stored: &Stored,
) -> Result<FolderContent, ContentError> {
    let mut items = Vec::new();
    let mut problems = Vec::new();

    if !folder.is_dir() {
        return Err(ContentError::Import(vec![problem(
            PathBuf::new(),
            None,
            None,
            format!("{} is not a folder", folder.display()),
        )]));
    }
    for kind in Kind::ALL {
        let subfolder = folder.join(kind.folder());
        for path in toml_files(&subfolder, &mut problems) {
            let relative = path.strip_prefix(folder).unwrap_or(&path).to_owned();
            match read_file(&path, &relative, kind) {
                Ok(item) => items.push((relative, item)),
                Err(problem) => problems.push(problem),
            }
        }
    }
    let media = read_media(folder, &mut problems);
    problems.extend(check_folders(folder));
    problems.extend(validate::check_items(&items));
    let mut known = validate::keys_of(items.iter().map(|(_, item)| item));
    known.extend(stored.items.iter().cloned());
    let mut known_media = stored.media.clone();
    known_media.extend(
        media
            .iter()
            .map(|item| (item.key().to_owned(), item.kind())),
    );
    problems.extend(validate::check_references(&items, &known, &known_media));

    if problems.is_empty() {
        Ok(FolderContent {
            items: items.into_iter().map(|(_, item)| item).collect(),
            media,
        })
    } else {
        Err(ContentError::Import(problems))
    }
}

/// Reads the images and documents described in `media/`, each with its file.
fn read_media(folder: &Path, problems: &mut Vec<ImportProblem>) -> Vec<NewMedia> {
    let media_folder = folder.join(MEDIA_FOLDER);
    let mut media = Vec::new();
    let mut described = BTreeSet::new();
    let mut broken = BTreeSet::new();

    for path in toml_files(&media_folder, problems) {
        let relative = path.strip_prefix(folder).unwrap_or(&path).to_owned();
        match read_media_file(&path, &relative) {
            Ok((item, file)) => {
                described.insert(file);
                media.push(item);
            }
            Err(problem) => {
                // The file beside a broken description is not reported a second time.
                broken.insert(path.with_extension(""));
                problems.push(problem);
            }
        }
    }
    let keys: BTreeSet<&str> = media.iter().map(NewMedia::key).collect();
    if keys.len() != media.len() {
        problems.push(problem(
            MEDIA_FOLDER.into(),
            None,
            Some("key".to_owned()),
            "two media files have the same key".to_owned(),
        ));
    }

    // A file nobody describes is probably named wrongly in its description.
    if let Ok(entries) = std::fs::read_dir(&media_folder) {
        for entry in entries.flatten() {
            let path = entry.path();
            let is_described =
                described.contains(&path) || broken.contains(&path.with_extension(""));
            let is_hidden = entry.file_name().to_string_lossy().starts_with('.');
            if path.is_file()
                && path.extension().is_none_or(|ext| ext != "toml")
                && !is_described
                && !is_hidden
            {
                let relative = path.strip_prefix(folder).unwrap_or(&path).to_owned();
                problems.push(problem(
                    relative,
                    None,
                    None,
                    "no file in media/ names this file with `file = ...`".to_owned(),
                ));
            }
        }
    }

    media
}

/// Reads one media description and the file beside it; returns the medium and the path of
/// its file.
fn read_media_file(path: &Path, relative: &Path) -> Result<(NewMedia, PathBuf), ImportProblem> {
    let fail = |item: Option<String>, field: Option<String>, message: String| {
        problem(relative.to_owned(), item, field, message)
    };

    let text = std::fs::read_to_string(path)
        .map_err(|error| fail(None, None, format!("cannot read the file: {error}")))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|error| fail(None, None, toml_message(&error, &text)))?;
    let key = table
        .get("key")
        .and_then(toml::Value::as_str)
        .map(str::to_owned);
    let description: MediaFile = serde_path_to_error::deserialize(toml_to_json(
        toml::Value::Table(table),
    ))
    .map_err(|error| {
        let path = error.path().to_string();
        let field = (path != ".").then_some(path);
        fail(key.clone(), field, error.into_inner().to_string())
    })?;

    let (MediaFile::Image { key, file, .. } | MediaFile::Document { key, file, .. }) = &description;
    let expected_name = format!("{key}.toml");
    if relative.file_name().and_then(|name| name.to_str()) != Some(expected_name.as_str()) {
        return Err(fail(
            Some(key.clone()),
            Some("key".to_owned()),
            format!("the file must be named after the key: {expected_name}"),
        ));
    }
    let file_path = path.with_file_name(file);
    let bytes = read_media_bytes(path, file)
        .map_err(|message| fail(Some(key.clone()), Some("file".to_owned()), message))?;

    let media_problem = |error: MediaError| match error {
        MediaError::Invalid { field, message } => fail(Some(key.clone()), Some(field), message),
        other => fail(
            Some(key.clone()),
            Some("file".to_owned()),
            other.to_string(),
        ),
    };
    let item = match description.clone() {
        MediaFile::Image {
            key,
            alt,
            caption,
            focal_point,
            ..
        } => {
            let image = NewImage {
                key,
                bytes,
                alt,
                caption,
                focal_point: to_f32(focal_point),
            };
            media::check_image_details(
                &image.key,
                &image.alt,
                image.caption.as_ref(),
                image.focal_point,
            )
            .and_then(|()| media::processing::check_image_bytes(&image.bytes).map(drop))
            .map_err(media_problem)?;
            NewMedia::Image(image)
        }
        MediaFile::Document {
            key,
            title,
            language,
            ..
        } => {
            let document = NewDocument {
                key,
                bytes,
                title,
                language,
            };
            media::check_document_details(&document.key, &document.title, &document.language)
                .and_then(|()| media::processing::check_document_bytes(&document.bytes))
                .map_err(media_problem)?;
            NewMedia::Document(document)
        }
    };
    Ok((item, file_path))
}

#[expect(
    clippy::cast_possible_truncation,
    reason = "focal points are fractions between 0 and 1"
)]
fn to_f32((x, y): (f64, f64)) -> (f32, f32) {
    (x as f32, y as f32)
}

/// The bytes of the file a media description names, which must lie beside it.
fn read_media_bytes(description: &Path, file: &str) -> Result<Vec<u8>, String> {
    let plain_name = !file.is_empty()
        && !file.starts_with('.')
        && !file.contains(['/', '\\'])
        && Path::new(file).file_name().is_some_and(|name| name == file);
    if !plain_name {
        return Err(format!(
            "`{file}` is not a file name; put the file beside the description and name it here"
        ));
    }
    let path = description.with_file_name(file);
    let size = std::fs::metadata(&path)
        .map_err(|error| format!("cannot read `{file}`: {error}"))?
        .len();
    if size > media::MAX_FILE_BYTES as u64 {
        return Err(MediaError::TooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
        }
        .to_string());
    }
    std::fs::read(&path).map_err(|error| format!("cannot read `{file}`: {error}"))
}

/// The `.toml` files of a folder in name order; a missing folder has none.
fn toml_files(folder: &Path, problems: &mut Vec<ImportProblem>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) if entry.path().extension().is_some_and(|ext| ext == "toml") => {
                files.push(entry.path());
            }
            Ok(_) => {}
            Err(error) => problems.push(problem(folder.into(), None, None, error.to_string())),
        }
    }
    files.sort();
    files
}

/// Folders in the import folder that hold no kind of content are probably misspelt.
fn check_folders(folder: &Path) -> Vec<ImportProblem> {
    let mut known: BTreeSet<&str> = Kind::ALL.iter().map(|kind| kind.folder()).collect();
    known.insert(MEDIA_FOLDER);
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .filter(|name| !name.starts_with('.') && !known.contains(name.as_str()))
        .map(|name| {
            let expected: Vec<&str> = known.iter().copied().collect();
            problem(
                PathBuf::from(&name),
                None,
                None,
                format!(
                    "unknown folder; content folders are {}",
                    expected.join(", ")
                ),
            )
        })
        .collect()
}

/// Reads one file as an item of `kind`.
fn read_file(path: &Path, relative: &Path, kind: Kind) -> Result<Item, ImportProblem> {
    let fail = |item: Option<String>, field: Option<String>, message: String| {
        problem(relative.to_owned(), item, field, message)
    };

    let size = std::fs::metadata(path)
        .map_err(|e| fail(None, None, e.to_string()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(fail(
            None,
            None,
            format!("the file has {size} bytes; at most 1 MiB"),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|error| {
        fail(
            None,
            None,
            format!("cannot read the file as UTF-8: {error}"),
        )
    })?;

    // TOML dates become strings on the way to JSON, so the model reads one representation
    // whether a document comes from a file or from the database.
    let table: toml::Table =
        toml::from_str(&text).map_err(|error| fail(None, None, toml_message(&error, &text)))?;
    let key = table
        .get("key")
        .and_then(toml::Value::as_str)
        .map(str::to_owned);
    let document = toml_to_json(toml::Value::Table(table));

    let item = parse_document(kind, document)
        .map_err(|(field, message)| fail(key.clone(), field, message))?;
    let expected_name = format!("{}.toml", item.key());
    if relative.file_name().and_then(|name| name.to_str()) != Some(expected_name.as_str()) {
        return Err(fail(
            key,
            Some("key".to_owned()),
            format!("the file must be named after the key: {expected_name}"),
        ));
    }
    Ok(item)
}

/// Reads a JSON document as an item of `kind`; on failure, the field path and the message.
pub fn parse_document(
    kind: Kind,
    document: serde_json::Value,
) -> Result<Item, (Option<String>, String)> {
    fn parse<T: serde::de::DeserializeOwned>(
        document: serde_json::Value,
    ) -> Result<T, (Option<String>, String)> {
        serde_path_to_error::deserialize(document).map_err(|error| {
            let path = error.path().to_string();
            let field = (path != ".").then_some(path);
            (field, error.into_inner().to_string())
        })
    }

    Ok(match kind {
        Kind::Service => Item::Service(parse(document)?),
        Kind::Office => Item::Office(parse(document)?),
        Kind::LifeSituation => Item::LifeSituation(parse(document)?),
        Kind::News => Item::News(parse(document)?),
        Kind::Page => Item::Page(parse(document)?),
        Kind::District => Item::District(parse(document)?),
    })
}

/// A TOML syntax error with its line and column.
fn toml_message(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().to_owned();
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(text) => serde_json::Value::String(text),
        toml::Value::Integer(number) => serde_json::Value::from(number),
        toml::Value::Float(number) => serde_json::Value::from(number),
        toml::Value::Boolean(flag) => serde_json::Value::Bool(flag),
        toml::Value::Datetime(datetime) => serde_json::Value::String(datetime.to_string()),
        toml::Value::Array(values) => values.into_iter().map(toml_to_json).collect(),
        toml::Value::Table(table) => serde_json::Value::Object(
            table
                .into_iter()
                .map(|(key, value)| (key, toml_to_json(value)))
                .collect(),
        ),
    }
}

fn problem(
    file: PathBuf,
    item: Option<String>,
    field: Option<String>,
    message: String,
) -> ImportProblem {
    ImportProblem {
        file,
        item,
        field,
        message,
    }
}

/// Writes items into `folder` in the import format, one file per item.
pub fn write_folder(folder: &Path, items: &[Item]) -> Result<usize, ContentError> {
    let write_error = |path: &Path, source| ContentError::Write {
        path: path.to_owned(),
        source,
    };

    let mut by_kind: BTreeMap<Kind, Vec<&Item>> = BTreeMap::new();
    for item in items {
        by_kind.entry(item.kind()).or_default().push(item);
    }
    for (kind, items) in by_kind {
        let subfolder = folder.join(kind.folder());
        std::fs::create_dir_all(&subfolder).map_err(|error| write_error(&subfolder, error))?;
        for item in items {
            let path = subfolder.join(format!("{}.toml", item.key()));
            let text = to_toml(item).map_err(|error| write_error(&path, error))?;
            std::fs::write(&path, text).map_err(|error| write_error(&path, error))?;
        }
    }

    Ok(items.len())
}

/// An item in the import format.
pub fn to_toml(item: &Item) -> Result<String, std::io::Error> {
    let result = match item {
        Item::Service(item) => toml::to_string_pretty(item),
        Item::Office(item) => toml::to_string_pretty(item),
        Item::LifeSituation(item) => toml::to_string_pretty(item),
        Item::News(item) => toml::to_string_pretty(item),
        Item::Page(item) => toml::to_string_pretty(item),
        Item::District(item) => toml::to_string_pretty(item),
    };
    result.map_err(std::io::Error::other)
}

/// Writes images and documents into `media/` of `folder` in the import format: for each a
/// description `<key>.toml` and its file `<key>.<extension>`.
pub fn write_media(
    folder: &Path,
    media: &[(MediaInfo, OriginalFile)],
) -> Result<usize, ContentError> {
    let write_error = |path: &Path, source| ContentError::Write {
        path: path.to_owned(),
        source,
    };
    if media.is_empty() {
        return Ok(0);
    }

    let subfolder = folder.join(MEDIA_FOLDER);
    std::fs::create_dir_all(&subfolder).map_err(|error| write_error(&subfolder, error))?;
    for (info, original) in media {
        let file = format!("{}.{}", info.key, extension(&original.media_type));
        let description = match &info.details {
            MediaDetails::Image(image) => MediaFile::Image {
                key: info.key.clone(),
                file: file.clone(),
                alt: image.alt.clone(),
                caption: image.caption.clone(),
                focal_point: (tidy(image.focal_point.0), tidy(image.focal_point.1)),
            },
            MediaDetails::Document(document) => MediaFile::Document {
                key: info.key.clone(),
                file: file.clone(),
                title: document.title.clone(),
                language: document.language.clone(),
            },
        };
        let path = subfolder.join(format!("{}.toml", info.key));
        let text = toml::to_string_pretty(&description)
            .map_err(|error| write_error(&path, std::io::Error::other(error)))?;
        std::fs::write(&path, text).map_err(|error| write_error(&path, error))?;
        let path = subfolder.join(&file);
        std::fs::write(&path, &original.bytes).map_err(|error| write_error(&path, error))?;
    }

    Ok(media.len())
}

/// A focal point coordinate as written, such as `0.3` rather than `0.30000001192092896`.
fn tidy(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(0.5)
}

fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}
