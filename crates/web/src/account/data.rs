//! What a citizen's account shows and does with their data beyond the profile: consents
//! and their withdrawal, the data-use log, the copy of everything (as a page and as a JSON
//! download) and deleting the account.
//!
//! Like every account page, each handler acts on the account of its session only; a
//! consent id in an address is looked up among that account's consents.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rathaus_identity::vault::purposes;
use rathaus_identity::{AccountExport, FRESH_SIGN_IN, IdentityError, is_recent_sign_in};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::TokenOnly;
use super::profile::{attribute_label, source_text, value_text};
use super::security::{NoteParams, note_text};
use super::{
    Citizen, Problems, add_retry_after, clear_cookie, explain, internal, layout, local_time, render,
};
use crate::error::WebError;
use crate::page::PageContext;
use crate::staff::see_other;
use crate::state::AppState;

/// The purposes whose names the portal has in words.
const KNOWN_PURPOSES: [&str; 3] = [
    purposes::APPLICATION_PREFILL,
    purposes::CONTACT,
    purposes::CASE_LOOKUP,
];

/// A purpose's key in words; the key itself for purposes the portal does not know.
fn purpose_label(context: &PageContext, purpose: &str) -> String {
    if KNOWN_PURPOSES.contains(&purpose) {
        context.t(&format!("vault_purpose_{}", purpose.replace('.', "_")))
    } else {
        purpose.to_owned()
    }
}

/// One consent on the consents page.
#[derive(Debug, Serialize)]
struct ConsentView {
    id: Uuid,
    purpose: String,
    granted: String,
    withdrawn: Option<String>,
}

/// `GET /{lang}/account/consents`: the person's consents, standing and withdrawn.
pub async fn consents(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<NoteParams>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let consents = state
        .identity()
        .consents(citizen.session.account.id)
        .await
        .map_err(internal)?;
    let consents: Vec<ConsentView> = consents
        .into_iter()
        .map(|consent| ConsentView {
            id: consent.id,
            purpose: purpose_label(&context, &consent.purpose),
            granted: local_time(&context, consent.granted_at),
            withdrawn: consent.withdrawn_at.map(|at| local_time(&context, at)),
        })
        .collect();
    let view = view! {
        token => citizen.form_token(&state),
        consents => consents,
        note => note_text(&context, params.note.as_deref()),
    };
    let layout = layout(&context, "/account/consents", "vault_consents_title", false);
    render(
        &context,
        "account/consents.html",
        &layout,
        view,
        StatusCode::OK,
    )
}

/// `POST /{lang}/account/consents/{id}/withdraw`: withdraws one of the person's standing
/// consents. An id that is not one of them is not found.
pub async fn withdraw_consent(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<TokenOnly>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let account_id = citizen.session.account.id;
    let consent = state
        .identity()
        .consents(account_id)
        .await
        .map_err(internal)?
        .into_iter()
        .find(|consent| consent.id == id && consent.is_active())
        .ok_or(WebError::NotFound)?;
    state
        .identity()
        .withdraw_consent(account_id, &consent.purpose, state.now())
        .await
        .map_err(internal)?;
    Ok(see_other(&format!(
        "{}?note=consent-withdrawn",
        context.url("/account/consents")
    )))
}

/// One entry of the data-use log as the person reads it.
#[derive(Debug, Serialize)]
struct DataUseView {
    at: String,
    reader: String,
    purpose: String,
    attributes: Vec<String>,
    reference: String,
    consent: Option<String>,
}

/// `GET /{lang}/account/data-use`: who read which of the person's data, newest first.
pub async fn data_uses(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let uses = state
        .identity()
        .data_uses(citizen.session.account.id)
        .await
        .map_err(internal)?;
    let retention_days = state.identity().config().retention.data_use_log.as_secs() / 86_400;
    let uses: Vec<DataUseView> = uses
        .into_iter()
        .map(|entry| DataUseView {
            at: local_time(&context, entry.at),
            reader: entry.reader,
            purpose: entry.purpose_label,
            attributes: entry
                .attributes
                .iter()
                .map(|name| attribute_label(&context, name))
                .collect(),
            reference: entry.reference,
            consent: entry.consent_granted_at.map(|at| local_time(&context, at)),
        })
        .collect();
    let view = view! {
        uses => uses,
        intro => context.texts.format(
            "vault_data_use_intro",
            &[("days", &retention_days.to_string())],
        ),
    };
    let layout = layout(&context, "/account/data-use", "vault_data_use_title", false);
    render(
        &context,
        "account/data_use.html",
        &layout,
        view,
        StatusCode::OK,
    )
}

/// One value of the copy as the person reads it.
#[derive(Debug, Serialize)]
struct ExportValueView {
    attribute: String,
    text: String,
    source: String,
    recorded: String,
    current: bool,
}

/// `GET /{lang}/account/export`: everything the platform holds about the person, as a
/// page, with the link to the same as a JSON file.
pub async fn export_page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let export = export_of(&state, &citizen).await?;
    let time = |at: chrono::DateTime<chrono::Utc>| local_time(&context, at);

    let mut values = Vec::new();
    for attribute in &export.profile {
        for (index, value) in attribute.values.iter().enumerate() {
            values.push(ExportValueView {
                attribute: attribute_label(&context, &attribute.name),
                text: value_text(&context, &value.value),
                source: source_text(&context, value),
                recorded: time(value.recorded_at),
                current: index == 0,
            });
        }
    }
    let consents: Vec<(String, String, Option<String>)> = export
        .consents
        .iter()
        .map(|consent| {
            (
                purpose_label(&context, &consent.purpose),
                time(consent.granted_at),
                consent.withdrawn_at.map(time),
            )
        })
        .collect();
    let uses: Vec<(String, String, String, String, String)> = export
        .data_uses
        .iter()
        .map(|entry| {
            let attributes: Vec<String> = entry
                .attributes
                .iter()
                .map(|name| attribute_label(&context, name))
                .collect();
            (
                time(entry.at),
                entry.reader.clone(),
                entry.purpose_label.clone(),
                attributes.join(", "),
                entry.reference.clone(),
            )
        })
        .collect();
    let sessions: Vec<(String, String, String)> = export
        .sessions
        .iter()
        .map(|session| {
            (
                session.device.clone(),
                time(session.created_at),
                time(session.last_seen_at),
            )
        })
        .collect();
    let events: Vec<(String, String, String)> = export
        .audit_events
        .iter()
        .map(|event| (time(event.at), event.kind.clone(), event.detail.clone()))
        .collect();
    let account = &export.account;
    let view = view! {
        name => &account.display_name,
        email => &account.email,
        created => time(account.created_at),
        verified => account.verified_at.map(time),
        password_set => export.credentials.password_set,
        authenticator => export.credentials.second_factor_enrolled,
        recovery_codes => export.credentials.recovery_codes_unused,
        values => values,
        consents => consents,
        uses => uses,
        sessions => sessions,
        events => events,
    };
    let layout = layout(&context, "/account/export", "vault_export_title", false);
    render(
        &context,
        "account/export.html",
        &layout,
        view,
        StatusCode::OK,
    )
}

/// `GET /{lang}/account/export/download`: the same copy as a JSON file to keep or take to
/// another service (GDPR Art. 20), named with the day it was made.
pub async fn export_download(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    PageContext::new(&state, &lang)?;
    let export = export_of(&state, &citizen).await?;
    let json = serde_json::to_vec_pretty(&export).map_err(internal)?;
    let day = state
        .now()
        .with_timezone(&state.time_zone())
        .format("%Y-%m-%d");
    let disposition = format!("attachment; filename=\"my-data-{day}.json\"");
    let mut response = (StatusCode::OK, json).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(internal)?,
    );
    Ok(response)
}

async fn export_of(state: &AppState, citizen: &Citizen) -> Result<AccountExport, WebError> {
    state
        .identity()
        .export_account(citizen.session.account.id)
        .await
        .map_err(internal)
}

/// The deletion page, with the problem of a refused attempt. An account with a password
/// confirms with it; one without confirms by a recent sign-in, and a session older than that
/// is offered to sign in again first.
async fn deletion_page(
    context: &PageContext,
    citizen: &Citizen,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, WebError> {
    let identity = context.state.identity();
    let retention = &identity.config().retention;
    let days = |period: std::time::Duration| (period.as_secs() / 86_400).to_string();
    let has_password = identity
        .has_password(citizen.session.account.id)
        .await
        .map_err(internal)?;
    let fresh_minutes = FRESH_SIGN_IN.as_secs() / 60;
    let view = view! {
        token => citizen.form_token(&context.state),
        email => &citizen.session.account.email,
        has_password => has_password,
        recently_signed_in => is_recent_sign_in(citizen.session.created_at, context.state.now()),
        passwordless_text => context.texts.format(
            "vault_delete_passwordless",
            &[("minutes", &fresh_minutes.to_string())],
        ),
        sign_in_again_next => context.url("/account/delete"),
        audit_kept => context.texts.format(
            "vault_delete_kept_audit",
            &[("days", &days(retention.audit_log))],
        ),
        data_use_kept => context.texts.format(
            "vault_delete_kept_data_use",
            &[("days", &days(retention.data_use_log))],
        ),
        errors => problems.by_field(),
        problems => problems,
    };
    let layout = layout(
        context,
        "/account/delete",
        "vault_delete_title",
        !problems.is_empty(),
    );
    render(context, "account/delete.html", &layout, view, status)
}

/// `GET /{lang}/account/delete`: what deleting the account erases and keeps, and the form
/// to do it.
pub async fn deletion_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    deletion_page(&context, &citizen, &Problems::default(), StatusCode::OK).await
}

/// What the deletion form sends.
#[derive(Debug, Default, Deserialize)]
pub struct DeletionForm {
    #[serde(default)]
    delete_password: String,
    #[serde(default)]
    token: String,
}

/// `POST /{lang}/account/delete`: deletes the account after the current password is
/// confirmed, ends the session and leads to the confirmation.
pub async fn delete_account(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<DeletionForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let outcome = state
        .identity()
        .delete_own_account(
            citizen.session.account.id,
            citizen.session.created_at,
            &form.delete_password,
            state.now(),
        )
        .await;
    match outcome {
        Ok(_) => {
            let mut response = see_other(&context.url("/account/deleted"));
            response
                .headers_mut()
                .insert(header::SET_COOKIE, clear_cookie(&state));
            Ok(response)
        }
        Err(IdentityError::SignInNotRecent) => {
            let mut problems = Problems::default();
            problems.add("", context.t("vault_delete_sign_in_again"));
            deletion_page(&context, &citizen, &problems, StatusCode::FORBIDDEN).await
        }
        Err(error) => {
            let (_, mut message, status) = explain(&context, &error)?;
            if matches!(error, IdentityError::InvalidCredentials) {
                message = context.t("vault_delete_wrong_password");
            }
            let mut problems = Problems::default();
            problems.add("delete_password", message);
            let mut response = deletion_page(&context, &citizen, &problems, status).await?;
            add_retry_after(&mut response, &error);
            Ok(response)
        }
    }
}

/// `GET /{lang}/account/deleted`: the confirmation that the account is gone.
pub async fn deleted(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let view = view! {
        text => context.t("vault_deleted_text"),
        hint => context.t("vault_deleted_hint"),
        action_url => context.url(""),
        action_label => context.t("nav_home"),
    };
    let layout = layout(&context, "/account/deleted", "vault_deleted_title", false);
    render(
        &context,
        "account/message.html",
        &layout,
        view,
        StatusCode::OK,
    )
}
