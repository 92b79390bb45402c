//! The editorial workflow: how a change gets from an editor's draft to the portal.
//!
//! Every save is a new revision. A revision moves through these states:
//!
//! ```text
//! draft ──submit──▶ in-review ──approve──▶ published ──(newer published)──▶ superseded
//!   ▲                  │   │                  ▲                 │
//!   └────send back─────┘   └──approve for─▶ scheduled ──(time)──┘        archive ──▶ archived
//! ```
//!
//! An item has at most one *open* revision (draft, in review or scheduled): a new save
//! supersedes the open one. Saves name the revision they were based on, so that two people
//! editing the same item cannot overwrite each other unnoticed ([`WorkflowError::Conflict`]).
//!
//! Scheduled revisions and expiries are carried out by [`ContentStore::publish_due`], which
//! every node calls periodically. Each change is claimed with a conditional update inside
//! one transaction, so that with several nodes each scheduled revision is published exactly
//! once.
//!
//! Who may do what is the caller's business (the staff portal checks roles); this module
//! keeps the states consistent.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rathaus_base::{DbError, Transaction};
use sha2::{Digest, Sha256};
use sqlx::types::Json;
use uuid::Uuid;

use crate::error::ContentError;
use crate::model::{Item, Kind, Variant};
use crate::store::{
    ContentStore, DocumentRow, RevisionInfo, announce_published, document_of, make_published,
    read_document,
};

/// Why a workflow step was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// Someone saved a newer revision since the editor opened the item.
    #[error(
        "revision {latest} by {author} was saved after the one you started from ({based_on}); \
         compare and merge your changes"
    )]
    Conflict {
        /// The revision the editor started from, if any.
        based_on: i64,
        /// The newest revision now.
        latest: i64,
        /// Who saved it.
        author: String,
    },
    /// The item or revision does not exist.
    #[error("there is no such item or revision")]
    NotFound,
    /// The revision is not in a state that allows the step.
    #[error("revision {number} is {state}; it cannot be {step}")]
    WrongState {
        /// The revision.
        number: i64,
        /// Its state.
        state: String,
        /// The step that was tried, in words.
        step: &'static str,
    },
    /// A comment is required to send a revision back.
    #[error("say what should change before sending the revision back")]
    CommentRequired,
    /// The content platform failed.
    #[error(transparent)]
    Content(#[from] ContentError),
}

impl From<DbError> for WorkflowError {
    fn from(error: DbError) -> Self {
        WorkflowError::Content(ContentError::Database(error))
    }
}

/// What approving a revision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// The revision is live now.
    Published,
    /// The revision goes live at this time.
    Scheduled(DateTime<Utc>),
}

/// What [`ContentStore::publish_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DueReport {
    /// Scheduled revisions that were published.
    pub published: usize,
    /// Items taken off the portal because their expiry passed.
    pub expired: usize,
}

/// One item as the staff portal lists it: its newest revision and where it stands.
#[derive(Debug, Clone)]
pub struct ItemOverview {
    /// The kind.
    pub kind: Kind,
    /// The key.
    pub key: String,
    /// The newest revision's document.
    pub latest: Item,
    /// The newest revision.
    pub latest_revision: RevisionInfo,
    /// The number of the published revision, if one is.
    pub published_number: Option<i64>,
    /// When an editor should check the item again.
    pub review_due: Option<NaiveDate>,
    /// When the item leaves the portal by itself.
    pub expire_at: Option<DateTime<Utc>>,
}

impl ItemOverview {
    /// The item's German title (name or title, whichever its kind has).
    pub fn title(&self) -> &str {
        title_of(&self.latest, Variant::German).unwrap_or(&self.key)
    }

    /// The variants the newest revision lacks.
    pub fn missing_variants(&self) -> Vec<Variant> {
        Variant::ALL
            .into_iter()
            .filter(|variant| title_of(&self.latest, *variant).is_none())
            .collect()
    }

    /// Whether the review date has passed on `today`.
    pub fn review_overdue(&self, today: NaiveDate) -> bool {
        self.review_due.is_some_and(|due| due < today)
    }
}

/// The title of an item in exactly `variant`, or `None` if the item lacks that variant.
pub fn title_of(item: &Item, variant: Variant) -> Option<&str> {
    fn pick<'a, T>(
        de: &'a T,
        en: Option<&'a T>,
        ls: Option<&'a T>,
        variant: Variant,
    ) -> Option<&'a T> {
        match variant {
            Variant::German => Some(de),
            Variant::English => en,
            Variant::EasyGerman => ls,
        }
    }
    Some(match item {
        Item::Service(i) => &pick(&i.de, i.en.as_ref(), i.ls.as_ref(), variant)?.name,
        Item::Office(i) => &pick(&i.de, i.en.as_ref(), i.ls.as_ref(), variant)?.name,
        Item::LifeSituation(i) => &pick(&i.de, i.en.as_ref(), i.ls.as_ref(), variant)?.name,
        Item::News(i) => &pick(&i.de, i.en.as_ref(), i.ls.as_ref(), variant)?.title,
        Item::Page(i) => &pick(&i.de, i.en.as_ref(), i.ls.as_ref(), variant)?.title,
        Item::District(i) => &pick(&i.de, i.en.as_ref(), i.ls.as_ref(), variant)?.name,
    })
}

#[derive(sqlx::FromRow)]
struct ItemIds {
    id: Uuid,
}

#[derive(sqlx::FromRow)]
struct RevisionRow {
    id: Uuid,
    item_id: Uuid,
    number: i64,
    state: String,
    author: String,
}

#[derive(sqlx::FromRow)]
struct OverviewRow {
    kind: String,
    item_key: String,
    document: Json<serde_json::Value>,
    #[sqlx(flatten)]
    revision: RevisionInfo,
    published_number: Option<i64>,
    review_due: Option<String>,
    expire_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: Uuid,
    item_id: Uuid,
}

impl ContentStore {
    /// Saves `item` as a new draft revision and returns its number. `based_on` is the number
    /// of the newest revision when the editor opened the item (`None` for a new item); if a
    /// newer one was saved since, nothing is stored and the conflict is reported. An open
    /// revision before it becomes superseded.
    pub async fn save_draft(
        &self,
        item: &Item,
        based_on: Option<i64>,
        author: &str,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<i64, WorkflowError> {
        let mut transaction = self.database.begin().await?;
        let kind = item.kind().as_str();

        let existing: Option<ItemIds> = transaction
            .fetch_optional(
                "SELECT id FROM content_items WHERE kind = $1 AND item_key = $2",
                &[kind.into(), item.key().into()],
            )
            .await?;
        let item_id = if let Some(row) = existing {
            row.id
        } else {
            let id = Uuid::now_v7();
            transaction
                .execute(
                    "INSERT INTO content_items (id, kind, item_key, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $4)",
                    &[id.into(), kind.into(), item.key().into(), now.into()],
                )
                .await?;
            id
        };

        if let Some(latest) = latest_revision(&mut transaction, item_id).await?
            && based_on != Some(latest.number)
        {
            return Err(WorkflowError::Conflict {
                based_on: based_on.unwrap_or(0),
                latest: latest.number,
                author: latest.author,
            });
        }

        transaction
            .execute(
                "UPDATE content_revisions SET state = 'superseded' \
                 WHERE item_id = $1 AND state IN ('draft', 'in-review', 'scheduled')",
                &[item_id.into()],
            )
            .await?;
        let number = based_on.unwrap_or(0) + 1;
        transaction
            .execute(
                "INSERT INTO content_revisions \
                 (id, item_id, number, state, author, note, created_at, document) \
                 VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7)",
                &[
                    Uuid::now_v7().into(),
                    item_id.into(),
                    number.into(),
                    author.into(),
                    note.into(),
                    now.into(),
                    document_of(item).into(),
                ],
            )
            .await?;
        transaction
            .execute(
                "UPDATE content_items SET updated_at = $1 WHERE id = $2",
                &[now.into(), item_id.into()],
            )
            .await?;
        transaction.commit().await?;

        Ok(number)
    }

    /// Sends a draft to review.
    pub async fn submit_for_review(
        &self,
        kind: Kind,
        key: &str,
        number: i64,
    ) -> Result<(), WorkflowError> {
        self.move_revision(
            (kind, key, number),
            "draft",
            "sent to review",
            "UPDATE content_revisions SET state = 'in-review' WHERE id = $1",
        )
        .await
    }

    /// Runs `update` (with the revision's id as `$1`) if the revision is in state `from`.
    async fn move_revision(
        &self,
        (kind, key, number): (Kind, &str, i64),
        from: &str,
        step: &'static str,
        update: &'static str,
    ) -> Result<(), WorkflowError> {
        let mut transaction = self.database.begin().await?;
        let revision = revision_row(&mut transaction, kind, key, number).await?;
        require_state(&revision, from, step)?;

        transaction.execute(update, &[revision.id.into()]).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Sends a revision in review back to its author as a draft, with a comment saying what
    /// should change.
    pub async fn send_back(
        &self,
        kind: Kind,
        key: &str,
        number: i64,
        reviewer: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<(), WorkflowError> {
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(WorkflowError::CommentRequired);
        }
        let mut transaction = self.database.begin().await?;
        let revision = revision_row(&mut transaction, kind, key, number).await?;
        require_state(&revision, "in-review", "sent back")?;

        transaction
            .execute(
                "UPDATE content_revisions SET state = 'draft', reviewed_by = $1, \
                 reviewed_at = $2, review_comment = $3 WHERE id = $4",
                &[
                    reviewer.into(),
                    now.into(),
                    comment.into(),
                    revision.id.into(),
                ],
            )
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Approves a revision in review: it is published at once, or at `publish_at` if that is
    /// in the future.
    pub async fn approve(
        &self,
        kind: Kind,
        key: &str,
        number: i64,
        reviewer: &str,
        publish_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Approval, WorkflowError> {
        let mut transaction = self.database.begin().await?;
        let revision = revision_row(&mut transaction, kind, key, number).await?;
        require_state(&revision, "in-review", "approved")?;

        transaction
            .execute(
                "UPDATE content_revisions SET reviewed_by = $1, reviewed_at = $2, \
                 review_comment = NULL WHERE id = $3",
                &[reviewer.into(), now.into(), revision.id.into()],
            )
            .await?;
        let approval = match publish_at {
            Some(at) if at > now => {
                transaction
                    .execute(
                        "UPDATE content_revisions SET state = 'scheduled', publish_at = $1 \
                         WHERE id = $2",
                        &[at.into(), revision.id.into()],
                    )
                    .await?;
                Approval::Scheduled(at)
            }
            _ => {
                make_published(&mut transaction, revision.item_id, revision.id, now).await?;
                announce_published(&mut transaction).await?;
                Approval::Published
            }
        };
        transaction.commit().await?;

        Ok(approval)
    }

    /// Takes a scheduled revision back into review, so that it is not published.
    pub async fn cancel_schedule(
        &self,
        kind: Kind,
        key: &str,
        number: i64,
    ) -> Result<(), WorkflowError> {
        self.move_revision(
            (kind, key, number),
            "scheduled",
            "unscheduled",
            "UPDATE content_revisions SET state = 'in-review', publish_at = NULL WHERE id = $1",
        )
        .await
    }

    /// Discards an open revision: it stays in the history but is no longer worked on.
    pub async fn discard(&self, kind: Kind, key: &str, number: i64) -> Result<(), WorkflowError> {
        let mut transaction = self.database.begin().await?;
        let revision = revision_row(&mut transaction, kind, key, number).await?;
        if !matches!(revision.state.as_str(), "draft" | "in-review" | "scheduled") {
            return Err(wrong_state(&revision, "discarded"));
        }

        transaction
            .execute(
                "UPDATE content_revisions SET state = 'discarded', publish_at = NULL \
                 WHERE id = $1",
                &[revision.id.into()],
            )
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Takes an item off the portal now: its published revision becomes archived.
    pub async fn archive(
        &self,
        kind: Kind,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), WorkflowError> {
        let mut transaction = self.database.begin().await?;
        let item: Option<ItemIds> = transaction
            .fetch_optional(
                "SELECT id FROM content_items \
                 WHERE kind = $1 AND item_key = $2 AND published_revision_id IS NOT NULL",
                &[kind.as_str().into(), key.into()],
            )
            .await?;
        let item = item.ok_or(WorkflowError::NotFound)?;

        take_off_portal(&mut transaction, item.id, now).await?;
        announce_published(&mut transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Sets when an editor should check the item again, and when it leaves the portal by
    /// itself; `None` clears either.
    pub async fn set_dates(
        &self,
        kind: Kind,
        key: &str,
        review_due: Option<NaiveDate>,
        expire_at: Option<DateTime<Utc>>,
    ) -> Result<(), WorkflowError> {
        let changed = self
            .database
            .execute(
                "UPDATE content_items SET review_due = $1, expire_at = $2 \
                 WHERE kind = $3 AND item_key = $4",
                &[
                    review_due.map(|date| date.to_string()).into(),
                    expire_at.into(),
                    kind.as_str().into(),
                    key.into(),
                ],
            )
            .await?;
        if changed == 0 {
            return Err(WorkflowError::NotFound);
        }
        Ok(())
    }

    /// Publishes the scheduled revisions whose time has come and takes expired items off the
    /// portal. Safe to run on every node at once: each change is claimed by exactly one.
    pub async fn publish_due(&self, now: DateTime<Utc>) -> Result<DueReport, ContentError> {
        let mut report = DueReport::default();
        let mut transaction = self.database.begin().await?;

        let due: Vec<DueRow> = transaction
            .fetch_all(
                "SELECT id, item_id FROM content_revisions \
                 WHERE state = 'scheduled' AND publish_at <= $1 ORDER BY publish_at",
                &[now.into()],
            )
            .await?;
        for revision in due {
            // The state check makes the claim: a node that lost the race changes no row.
            let claimed = transaction
                .execute(
                    "UPDATE content_revisions SET state = 'in-review' \
                     WHERE id = $1 AND state = 'scheduled'",
                    &[revision.id.into()],
                )
                .await?;
            if claimed == 1 {
                make_published(&mut transaction, revision.item_id, revision.id, now).await?;
                report.published += 1;
            }
        }

        let expired: Vec<ItemIds> = transaction
            .fetch_all(
                "SELECT id FROM content_items \
                 WHERE expire_at <= $1 AND published_revision_id IS NOT NULL",
                &[now.into()],
            )
            .await?;
        for item in expired {
            report.expired += take_off_portal(&mut transaction, item.id, now).await?;
        }

        if report.published + report.expired > 0 {
            announce_published(&mut transaction).await?;
        }
        transaction.commit().await?;

        Ok(report)
    }

    /// One revision of an item with its document.
    pub async fn revision(
        &self,
        kind: Kind,
        key: &str,
        number: i64,
    ) -> Result<Option<(RevisionInfo, Item)>, ContentError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            info: RevisionInfo,
            document: Json<serde_json::Value>,
        }
        let row: Option<Row> = self
            .database
            .fetch_optional(
                "SELECT r.number, r.state, r.author, r.note, r.created_at, r.publish_at, \
                 r.reviewed_by, r.reviewed_at, r.review_comment, r.document \
                 FROM content_revisions r JOIN content_items i ON i.id = r.item_id \
                 WHERE i.kind = $1 AND i.item_key = $2 AND r.number = $3",
                &[kind.as_str().into(), key.into(), number.into()],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };

        let item = read_document(&DocumentRow {
            kind: kind.as_str().to_owned(),
            item_key: key.to_owned(),
            document: row.document,
        })?;
        Ok(Some((row.info, item)))
    }

    /// Every item with its newest revision, ordered by kind and key.
    pub async fn overview(&self) -> Result<Vec<ItemOverview>, ContentError> {
        let rows: Vec<OverviewRow> = self
            .database
            .fetch_all(
                "SELECT i.kind, i.item_key, r.document, r.number, r.state, r.author, r.note, \
                 r.created_at, r.publish_at, r.reviewed_by, r.reviewed_at, r.review_comment, \
                 p.number AS published_number, i.review_due, i.expire_at \
                 FROM content_items i \
                 JOIN content_revisions r ON r.item_id = i.id AND r.number = \
                   (SELECT MAX(number) FROM content_revisions WHERE item_id = i.id) \
                 LEFT JOIN content_revisions p ON p.id = i.published_revision_id \
                 ORDER BY i.kind, i.item_key",
                &[],
            )
            .await?;

        rows.into_iter()
            .map(|row| {
                let kind = Kind::parse(&row.kind).ok_or_else(|| ContentError::Corrupt {
                    kind: row.kind.clone(),
                    key: row.item_key.clone(),
                    reason: "unknown kind".to_owned(),
                })?;
                let latest = read_document(&DocumentRow {
                    kind: row.kind,
                    item_key: row.item_key.clone(),
                    document: row.document,
                })?;
                Ok(ItemOverview {
                    kind,
                    key: row.item_key,
                    latest,
                    latest_revision: row.revision,
                    published_number: row.published_number,
                    review_due: row.review_due.and_then(|date| date.parse().ok()),
                    expire_at: row.expire_at,
                })
            })
            .collect()
    }

    /// Makes a link secret that shows revision `number` of an item to anyone who has it,
    /// until `lifetime` has passed. Only a hash of the secret is stored.
    pub async fn create_preview_link(
        &self,
        kind: Kind,
        key: &str,
        number: i64,
        created_by: &str,
        lifetime: Duration,
        now: DateTime<Utc>,
    ) -> Result<String, WorkflowError> {
        let mut transaction = self.database.begin().await?;
        let revision = revision_row(&mut transaction, kind, key, number).await?;

        let secret = rathaus_base::hex(&rand::random::<[u8; 24]>());
        transaction
            .execute(
                "INSERT INTO content_preview_links \
                 (token_hash, revision_id, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    token_hash(&secret).into(),
                    revision.id.into(),
                    created_by.into(),
                    now.into(),
                    (now + lifetime).into(),
                ],
            )
            .await?;
        transaction.commit().await?;

        Ok(secret)
    }

    /// The revision a preview link shows, if the link exists and has not expired.
    pub async fn preview(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Item>, ContentError> {
        let row: Option<DocumentRow> = self
            .database
            .fetch_optional(
                "SELECT i.kind, i.item_key, r.document FROM content_preview_links l \
                 JOIN content_revisions r ON r.id = l.revision_id \
                 JOIN content_items i ON i.id = r.item_id \
                 WHERE l.token_hash = $1 AND l.expires_at > $2",
                &[token_hash(secret).into(), now.into()],
            )
            .await?;
        row.as_ref().map(read_document).transpose()
    }
}

fn token_hash(secret: &str) -> String {
    rathaus_base::hex(&Sha256::digest(secret.as_bytes()))
}

async fn latest_revision(
    transaction: &mut Transaction,
    item_id: Uuid,
) -> Result<Option<RevisionRow>, DbError> {
    transaction
        .fetch_optional(
            "SELECT id, item_id, number, state, author FROM content_revisions \
             WHERE item_id = $1 ORDER BY number DESC LIMIT 1",
            &[item_id.into()],
        )
        .await
}

async fn revision_row(
    transaction: &mut Transaction,
    kind: Kind,
    key: &str,
    number: i64,
) -> Result<RevisionRow, WorkflowError> {
    let row: Option<RevisionRow> = transaction
        .fetch_optional(
            "SELECT r.id, r.item_id, r.number, r.state, r.author \
             FROM content_revisions r JOIN content_items i ON i.id = r.item_id \
             WHERE i.kind = $1 AND i.item_key = $2 AND r.number = $3",
            &[kind.as_str().into(), key.into(), number.into()],
        )
        .await?;
    row.ok_or(WorkflowError::NotFound)
}

fn require_state(
    revision: &RevisionRow,
    state: &str,
    step: &'static str,
) -> Result<(), WorkflowError> {
    if revision.state == state {
        Ok(())
    } else {
        Err(wrong_state(revision, step))
    }
}

fn wrong_state(revision: &RevisionRow, step: &'static str) -> WorkflowError {
    WorkflowError::WrongState {
        number: revision.number,
        state: revision.state.clone(),
        step,
    }
}

/// Archives an item's published revision and clears its expiry; returns 1 if this call did
/// it and 0 if another node was first.
async fn take_off_portal(
    transaction: &mut Transaction,
    item_id: Uuid,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    let claimed = transaction
        .execute(
            "UPDATE content_revisions SET state = 'archived' WHERE item_id = $1 \
             AND state = 'published'",
            &[item_id.into()],
        )
        .await?;
    if claimed == 0 {
        return Ok(0);
    }
    transaction
        .execute(
            "UPDATE content_items SET published_revision_id = NULL, expire_at = NULL, \
             updated_at = $1 WHERE id = $2",
            &[now.into(), item_id.into()],
        )
        .await?;
    Ok(1)
}
