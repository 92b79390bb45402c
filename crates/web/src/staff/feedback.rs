//! The barrier reports of the accessibility statement's feedback form, for editors: what
//! waits for an answer, by when it is due, and the record that it was answered.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use rathaus_content::feedback::FeedbackReport;
use rathaus_identity::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::WebError;
use crate::staff::{SignedIn, StaffLayout, render, see_other};
use crate::state::AppState;

#[derive(Serialize)]
struct ReportView {
    id: String,
    received: String,
    due: String,
    overdue: bool,
    page: String,
    message: String,
    contact_name: String,
    contact_email: String,
    answered: String,
    answered_by: String,
    answer_note: String,
}

/// What the form recording an answer sends.
#[derive(Debug, Default, Deserialize)]
pub struct AnsweredForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    note: String,
}

/// The longest note kept with an answer.
const MAX_NOTE: usize = 2_000;

/// `GET /staff/feedback`: the reports waiting for an answer, the most urgent first, and the
/// answered ones.
pub async fn list(State(state): State<AppState>, staff: SignedIn) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let (open, answered) = state.store().feedback_reports().await?;
    let now = state.now();
    let view = |report: FeedbackReport| report_view(&state, report, now);
    let open: Vec<ReportView> = open.into_iter().map(view).collect();
    let answered: Vec<ReportView> = answered.into_iter().map(view).collect();

    let layout = StaffLayout::signed_in(
        &state,
        &staff,
        "Rückmeldungen zur Barrierefreiheit".to_owned(),
        "feedback",
    );
    render(
        &state,
        "staff/feedback.html",
        &layout,
        view! { open => open, answered => answered },
    )
}

/// `POST /staff/feedback/{id}/answered`: records that a report was answered.
pub async fn mark_answered(
    State(state): State<AppState>,
    staff: SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<AnsweredForm>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    staff.check_form(&state, &headers, &form.token)?;
    let id: Uuid = id.parse().map_err(|_| WebError::NotFound)?;
    if form.note.chars().count() > MAX_NOTE {
        return Err(WebError::BadRequest(format!(
            "Die Notiz darf höchstens {MAX_NOTE} Zeichen lang sein."
        )));
    }

    state
        .store()
        .mark_feedback_answered(id, staff.name(), &form.note, state.now())
        .await?;
    // Answered just now or by a colleague a moment ago: either way the list shows it.
    Ok(see_other("/staff/feedback#answered"))
}

fn report_view(state: &AppState, report: FeedbackReport, now: DateTime<Utc>) -> ReportView {
    let local = |at: DateTime<Utc>| {
        at.with_timezone(&state.time_zone())
            .format("%d.%m.%Y %H:%M")
            .to_string()
    };
    let due = report.answer_due();
    ReportView {
        id: report.id.to_string(),
        received: local(report.received_at),
        due: due
            .with_timezone(&state.time_zone())
            .format("%d.%m.%Y")
            .to_string(),
        overdue: report.answered_at.is_none() && due < now,
        page: report.page,
        message: report.message,
        contact_name: report.contact_name.unwrap_or_default(),
        contact_email: report.contact_email.unwrap_or_default(),
        answered: report.answered_at.map(local).unwrap_or_default(),
        answered_by: report.answered_by.unwrap_or_default(),
        answer_note: report.answer_note.unwrap_or_default(),
    }
}
