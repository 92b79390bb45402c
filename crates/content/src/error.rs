//! Errors of the content platform.

use std::path::PathBuf;

use rathaus_base::DbError;

/// Why an operation of the content platform failed.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// An import was refused; nothing was changed. Holds every problem found.
    #[error("the import was refused and nothing was changed:\n{}", list(.0))]
    Import(Vec<ImportProblem>),
    /// A stored document could not be read back; the database holds something this version
    /// of Rathaus does not understand.
    #[error("stored revision of {kind} `{key}` cannot be read: {reason}")]
    Corrupt {
        /// The item's kind.
        kind: String,
        /// The item's key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A media operation failed.
    #[error(transparent)]
    Media(#[from] crate::media::MediaError),
    /// Writing an export failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// One problem in an import: which file, which item, which field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// The file, relative to the import folder.
    pub file: PathBuf,
    /// The item's key, when it could be read.
    pub item: Option<String>,
    /// The field, as a path such as `fees[0].amount`, when the problem is in one field.
    pub field: Option<String>,
    /// What is wrong and, where it helps, how to fix it.
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(item) = &self.item {
            write!(f, ", item `{item}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn list(problems: &[ImportProblem]) -> String {
    let lines: Vec<String> = problems
        .iter()
        .map(|problem| format!("  - {problem}"))
        .collect();
    lines.join("\n")
}
