//! Barrier reports from the feedback form of the accessibility statement, as the staff
//! portal reads and answers them.
//!
//! The EU web accessibility directive requires a way to report barriers, and Bavarian law
//! expects an answer within six weeks ([`ANSWER_WITHIN`]). A report is `new` until a member
//! of staff records that it was answered; the answer itself goes to the person by email or
//! letter, outside Rathaus. Reports hold personal data (name and address, when given), so an
//! answered report is deleted [`KEEP_ANSWERED_FOR`] after its answer.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::error::ContentError;
use crate::store::ContentStore;

/// How long the city has to answer a report.
pub const ANSWER_WITHIN: Duration = Duration::weeks(6);

/// How long an answered report is kept, for questions about how it was handled.
pub const KEEP_ANSWERED_FOR: Duration = Duration::days(365);

/// The most reports one list shows.
const LIST_LIMIT: i64 = 500;

/// A stored barrier report.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedbackReport {
    /// The report's id.
    pub id: Uuid,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The page the barrier is on, as the person named it.
    pub page: String,
    /// What the barrier is.
    pub message: String,
    /// The person's name, if given.
    pub contact_name: Option<String>,
    /// The person's email address, if given.
    pub contact_email: Option<String>,
    /// When a member of staff recorded the answer; `None` while the report waits.
    pub answered_at: Option<DateTime<Utc>>,
    /// Who recorded the answer.
    pub answered_by: Option<String>,
    /// What was answered or done, for colleagues.
    pub answer_note: Option<String>,
}

impl FeedbackReport {
    /// When the answer is due.
    pub fn answer_due(&self) -> DateTime<Utc> {
        self.received_at + ANSWER_WITHIN
    }
}

impl ContentStore {
    /// The reports waiting for an answer, oldest first (the most urgent on top), and then
    /// the answered ones, newest answer first; at most [`LIST_LIMIT`] of each.
    pub async fn feedback_reports(
        &self,
    ) -> Result<(Vec<FeedbackReport>, Vec<FeedbackReport>), ContentError> {
        let open = self
            .database
            .fetch_all(
                "SELECT id, received_at, page, message, contact_name, contact_email, \
                 answered_at, answered_by, answer_note FROM accessibility_feedback \
                 WHERE state = 'new' ORDER BY received_at LIMIT $1",
                &[LIST_LIMIT.into()],
            )
            .await?;
        let answered = self
            .database
            .fetch_all(
                "SELECT id, received_at, page, message, contact_name, contact_email, \
                 answered_at, answered_by, answer_note FROM accessibility_feedback \
                 WHERE state = 'answered' ORDER BY answered_at DESC LIMIT $1",
                &[LIST_LIMIT.into()],
            )
            .await?;
        Ok((open, answered))
    }

    /// Records that a waiting report was answered. Returns false when there is no such
    /// report or it was answered already, so that a second click changes nothing.
    pub async fn mark_feedback_answered(
        &self,
        id: Uuid,
        by: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, ContentError> {
        let note = Some(note.trim()).filter(|note| !note.is_empty());
        let changed = self
            .database
            .execute(
                "UPDATE accessibility_feedback \
                 SET state = 'answered', answered_at = $2, answered_by = $3, answer_note = $4 \
                 WHERE id = $1 AND state = 'new'",
                &[id.into(), now.into(), by.into(), note.into()],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Deletes reports answered longer than [`KEEP_ANSWERED_FOR`] ago; returns how many.
    pub async fn delete_old_feedback(&self, now: DateTime<Utc>) -> Result<u64, ContentError> {
        Ok(self
            .database
            .execute(
                "DELETE FROM accessibility_feedback \
                 WHERE state = 'answered' AND answered_at < $1",
                &[(now - KEEP_ANSWERED_FOR).into()],
            )
            .await?)
    }
}
