//! Reading content from a folder of TOML files and writing it back.
//!
//! An import folder holds one subfolder per kind (`services/`, `offices/`, ...) with one
//! file per item, named after the item's key. [`read_folder`] reads and checks all of it and
//! reports every problem it finds, each with file, item and field, before anything is
//! stored; [`write_folder`] writes items in the same format, so that an export can be read
//! by a person, compared with `diff` and imported again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{ContentError, ImportProblem};
use crate::model::{Item, Kind};
use crate::validate;

/// The largest file an import accepts; content files are a few kilobytes.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads every item of an import folder and checks it, or returns all problems found.
/// References may name items in the folder or in `stored`, the keys already in the database.
pub fn read_folder(
    folder: &Path,
    stored: &BTreeSet<(Kind, String)>,
) -> Result<Vec<Item>, ContentError> {
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
    problems.extend(check_folders(folder));
    problems.extend(validate::check_items(&items));
    let mut known = validate::keys_of(items.iter().map(|(_, item)| item));
    known.extend(stored.iter().cloned());
    problems.extend(validate::check_references(&items, &known));

    if problems.is_empty() {
        Ok(items.into_iter().map(|(_, item)| item).collect())
    } else {
        Err(ContentError::Import(problems))
    }
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
    let known: BTreeSet<&str> = Kind::ALL.iter().map(|kind| kind.folder()).collect();
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
