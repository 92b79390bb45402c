//! Storing content: items, their revisions, and the published state every node reads.
//!
//! Every change to an item is a new revision holding the whole document, with author and
//! time. Publishing a revision points the item at it and marks the revision published
//! before it as superseded; nothing is ever overwritten. A counter in `content_state` rises
//! with every publishing transaction, so that each node can tell cheaply whether it must
//! reload (see [`ContentStore::version`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rathaus_base::{Database, Migration, Transaction};
use sqlx::types::Json;
use uuid::Uuid;

use crate::error::ContentError;
use crate::import::parse_document;
use crate::model::{Item, Kind};

/// The migrations of the content platform's tables.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "content items, revisions and accessibility feedback",
        sql: include_str!("../migrations/2026_12_03_01_content.sql"),
    },
    Migration {
        version: 5,
        name: "media: images and documents with their renditions",
        sql: include_str!("../migrations/2026_12_03_05_media.sql"),
    },
    Migration {
        version: 6,
        name: "editorial workflow: review, scheduling, expiry, preview links",
        sql: include_str!("../migrations/2026_12_03_06_editorial_workflow.sql"),
    },
    Migration {
        version: 15,
        name: "accessibility feedback: the record of its answer",
        sql: include_str!("../migrations/2026_12_04_15_feedback_answers.sql"),
    },
];

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Items that did not exist before.
    pub created: usize,
    /// Items that got a new published revision.
    pub updated: usize,
    /// Items whose published revision already said the same.
    pub unchanged: usize,
}

/// One revision of an item, without its document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RevisionInfo {
    /// Rises by one with each revision of the item.
    pub number: i64,
    /// Where the revision is in the workflow: `draft`, `in-review`, `scheduled`,
    /// `published`, `superseded`, `archived` or `discarded` (see [`crate::workflow`]).
    pub state: String,
    /// Who made it.
    pub author: String,
    /// Why, if given.
    pub note: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When a scheduled revision goes live.
    pub publish_at: Option<DateTime<Utc>>,
    /// Who last reviewed it.
    pub reviewed_by: Option<String>,
    /// When it was last reviewed.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Why it was sent back, if it was.
    pub review_comment: Option<String>,
}

/// A barrier reported through the feedback form of the accessibility statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    /// The page the barrier is on, as the person named it.
    pub page: String,
    /// What the barrier is.
    pub message: String,
    /// The person's name, if given.
    pub contact_name: Option<String>,
    /// The person's email address, if given, for an answer.
    pub contact_email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: Uuid,
    published_revision_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocumentRow {
    pub(crate) kind: String,
    pub(crate) item_key: String,
    pub(crate) document: Json<serde_json::Value>,
}

#[derive(sqlx::FromRow)]
struct Count {
    value: i64,
}

/// The content platform's tables.
#[derive(Debug, Clone)]
pub struct ContentStore {
    pub(crate) database: Database,
}

impl ContentStore {
    /// A store on `database`, whose migrations must have run.
    pub fn new(database: Database) -> ContentStore {
        ContentStore { database }
    }

    /// The keys of all items, published or not.
    pub async fn keys(&self) -> Result<BTreeSet<(Kind, String)>, ContentError> {
        #[derive(sqlx::FromRow)]
        struct KeyRow {
            kind: String,
            item_key: String,
        }
        let rows: Vec<KeyRow> = self
            .database
            .fetch_all("SELECT kind, item_key FROM content_items", &[])
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Kind::parse(&row.kind).map(|kind| (kind, row.item_key)))
            .collect())
    }

    /// Publishes each item that differs from its published revision, in one transaction:
    /// either every item is stored or none is.
    pub async fn import(
        &self,
        items: &[Item],
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<ImportReport, ContentError> {
        let mut report = ImportReport::default();
        let mut transaction = self.database.begin().await?;

        for item in items {
            match publish(&mut transaction, item, author, now).await? {
                Outcome::Created => report.created += 1,
                Outcome::Updated => report.updated += 1,
                Outcome::Unchanged => report.unchanged += 1,
            }
        }
        if report.created + report.updated > 0 {
            announce_published(&mut transaction).await?;
        }
        transaction.commit().await?;

        Ok(report)
    }

    /// The counter of published changes; it rises with every publishing transaction.
    pub async fn version(&self) -> Result<i64, ContentError> {
        let row: Count = self
            .database
            .fetch_one(
                "SELECT version AS value FROM content_state WHERE id = 1",
                &[],
            )
            .await?;
        Ok(row.value)
    }

    /// The published revision of every item, with the counter read before them: the items
    /// are at least as new as the counter says.
    pub async fn published(&self) -> Result<(i64, Vec<Item>), ContentError> {
        let version = self.version().await?;
        let rows: Vec<DocumentRow> = self
            .database
            .fetch_all(
                "SELECT i.kind, i.item_key, r.document FROM content_items i \
                 JOIN content_revisions r ON r.id = i.published_revision_id \
                 ORDER BY i.kind, i.item_key",
                &[],
            )
            .await?;
        let items = rows.iter().map(read_document).collect::<Result<_, _>>()?;
        Ok((version, items))
    }

    /// The documents of the revisions still open (drafts, those in review and those
    /// scheduled), which may be published later.
    pub async fn open_revisions(&self) -> Result<Vec<Item>, ContentError> {
        let rows: Vec<DocumentRow> = self
            .database
            .fetch_all(
                "SELECT i.kind, i.item_key, r.document FROM content_items i \
                 JOIN content_revisions r ON r.item_id = i.id \
                 WHERE r.state IN ('draft', 'in-review', 'scheduled') \
                 ORDER BY i.kind, i.item_key, r.number",
                &[],
            )
            .await?;
        rows.iter().map(read_document).collect()
    }

    /// The revisions of an item, newest first.
    pub async fn revisions(
        &self,
        kind: Kind,
        key: &str,
    ) -> Result<Vec<RevisionInfo>, ContentError> {
        Ok(self
            .database
            .fetch_all(
                "SELECT r.number, r.state, r.author, r.note, r.created_at, r.publish_at, \
                 r.reviewed_by, r.reviewed_at, r.review_comment \
                 FROM content_revisions r JOIN content_items i ON i.id = r.item_id \
                 WHERE i.kind = $1 AND i.item_key = $2 ORDER BY r.number DESC",
                &[kind.as_str().into(), key.into()],
            )
            .await?)
    }

    /// Stores a barrier report and returns its id.
    pub async fn save_feedback(
        &self,
        feedback: &NewFeedback,
        now: DateTime<Utc>,
    ) -> Result<Uuid, ContentError> {
        let id = Uuid::now_v7();
        self.database
            .execute(
                "INSERT INTO accessibility_feedback \
                 (id, received_at, page, message, contact_name, contact_email, state) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'new')",
                &[
                    id.into(),
                    now.into(),
                    feedback.page.as_str().into(),
                    feedback.message.as_str().into(),
                    feedback.contact_name.as_deref().into(),
                    feedback.contact_email.as_deref().into(),
                ],
            )
            .await?;
        Ok(id)
    }

    /// How many barrier reports are waiting for an answer.
    pub async fn open_feedback_count(&self) -> Result<i64, ContentError> {
        let row: Count = self
            .database
            .fetch_one(
                "SELECT COUNT(*) AS value FROM accessibility_feedback WHERE state = 'new'",
                &[],
            )
            .await?;
        Ok(row.value)
    }
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Makes `item` the published revision of its key, unless it already is.
async fn publish(
    transaction: &mut Transaction,
    item: &Item,
    author: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, ContentError> {
    let kind = item.kind().as_str();
    let existing: Option<ItemRow> = transaction
        .fetch_optional(
            "SELECT id, published_revision_id FROM content_items \
             WHERE kind = $1 AND item_key = $2",
            &[kind.into(), item.key().into()],
        )
        .await?;

    let (item_id, outcome) = match existing {
        None => {
            let id = Uuid::now_v7();
            transaction
                .execute(
                    "INSERT INTO content_items (id, kind, item_key, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $4)",
                    &[id.into(), kind.into(), item.key().into(), now.into()],
                )
                .await?;
            (id, Outcome::Created)
        }
        Some(row) => {
            if let Some(revision) = row.published_revision_id
                && published_document(transaction, revision).await?.as_ref() == Some(item)
            {
                return Ok(Outcome::Unchanged);
            }
            (row.id, Outcome::Updated)
        }
    };

    // An import speaks for the item: open drafts end, and stay in the history.
    transaction
        .execute(
            "UPDATE content_revisions SET state = 'superseded' \
             WHERE item_id = $1 AND state IN ('draft', 'in-review', 'scheduled')",
            &[item_id.into()],
        )
        .await?;
    let revision_id = Uuid::now_v7();
    transaction
        .execute(
            "INSERT INTO content_revisions \
             (id, item_id, number, state, author, note, created_at, document) \
             SELECT $1, $2, COALESCE(MAX(number), 0) + 1, 'draft', $3, $4, $5, $6 \
             FROM content_revisions WHERE item_id = $2",
            &[
                revision_id.into(),
                item_id.into(),
                author.into(),
                "import".into(),
                now.into(),
                document_of(item).into(),
            ],
        )
        .await?;
    make_published(transaction, item_id, revision_id, now).await?;

    Ok(outcome)
}

/// Makes a stored revision the one readers see: the revision published before it becomes
/// superseded. The caller announces the change with [`announce_published`].
pub(crate) async fn make_published(
    transaction: &mut Transaction,
    item_id: Uuid,
    revision_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ContentError> {
    transaction
        .execute(
            "UPDATE content_revisions SET state = 'superseded' \
             WHERE item_id = $1 AND state = 'published' AND id <> $2",
            &[item_id.into(), revision_id.into()],
        )
        .await?;
    transaction
        .execute(
            "UPDATE content_revisions SET state = 'published', publish_at = NULL WHERE id = $1",
            &[revision_id.into()],
        )
        .await?;
    transaction
        .execute(
            "UPDATE content_items SET published_revision_id = $1, updated_at = $2 WHERE id = $3",
            &[revision_id.into(), now.into(), item_id.into()],
        )
        .await?;
    Ok(())
}

/// Raises the content version, so that every node reloads. On PostgreSQL it also notifies
/// the nodes listening on [`CHANGES_CHANNEL`]; the notice is delivered at commit, so no
/// node reloads before the change is visible to it.
pub(crate) async fn announce_published(transaction: &mut Transaction) -> Result<(), ContentError> {
    transaction
        .execute(
            "UPDATE content_state SET version = version + 1 WHERE id = 1",
            &[],
        )
        .await?;
    if transaction.backend() == rathaus_base::Backend::Postgres {
        transaction
            .execute("SELECT pg_notify('rathaus_content', '')", &[])
            .await?;
    }
    Ok(())
}

/// The PostgreSQL channel on which publishing transactions notify the nodes.
pub const CHANGES_CHANNEL: &str = "rathaus_content";

async fn published_document(
    transaction: &mut Transaction,
    revision: Uuid,
) -> Result<Option<Item>, ContentError> {
    let row: Option<DocumentRow> = transaction
        .fetch_optional(
            "SELECT i.kind, i.item_key, r.document FROM content_revisions r \
             JOIN content_items i ON i.id = r.item_id WHERE r.id = $1",
            &[revision.into()],
        )
        .await?;
    row.as_ref().map(read_document).transpose()
}

/// The JSON document stored for an item: the item's own fields, without the kind.
pub fn document_of(item: &Item) -> serde_json::Value {
    let tagged = serde_json::to_value(item).unwrap_or_default();
    tagged.get("item").cloned().unwrap_or_default()
}

pub(crate) fn read_document(row: &DocumentRow) -> Result<Item, ContentError> {
    let corrupt = |reason: String| ContentError::Corrupt {
        kind: row.kind.clone(),
        key: row.item_key.clone(),
        reason,
    };
    let kind = Kind::parse(&row.kind).ok_or_else(|| corrupt("unknown kind".to_owned()))?;
    parse_document(kind, row.document.0.clone()).map_err(|(field, message)| match field {
        Some(field) => corrupt(format!("{field}: {message}")),
        None => corrupt(message),
    })
}
