//! Passkeys in the account pages: the JSON endpoints the passkey script calls to add a
//! passkey and to sign in with one, and the plain forms that rename and remove passkeys and
//! remove the password.
//!
//! The ceremony itself needs the browser's WebAuthn API, so adding a passkey and signing in
//! with one need JavaScript; the pages say so where the script cannot run. Renaming,
//! removing and the list work without it. The JSON endpoints are guarded like forms: the
//! body carries the page's form token and requests from other sites are refused. Their
//! answers are `{"ceremony", "options"}` to begin, `{"redirect"}` when finished, and
//! `{"error"}` with a message in the page's language otherwise.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use rathaus_identity::IdentityError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::security::{SecurityForms, security_page};
use super::{
    Citizen, add_retry_after, check_anonymous_form, describe_device, explain, internal, safe_next,
    session_cookie,
};
use crate::error::WebError;
use crate::page::PageContext;
use crate::staff::{ClientKey, client_key, see_other};
use crate::state::AppState;

/// What the script sends to begin a ceremony.
#[derive(Debug, Default, Deserialize)]
pub struct BeginRequest {
    #[serde(default)]
    token: String,
}

/// A ceremony begun, for the script.
#[derive(Debug, Serialize)]
struct Begun {
    ceremony: String,
    options: serde_json::Value,
}

/// What the script sends to finish a ceremony: the browser's answer as JSON, with binary
/// values in base64url.
#[derive(Debug, Default, Deserialize)]
pub struct FinishRequest {
    #[serde(default)]
    token: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: serde_json::Value,
    /// The name the person gave a new passkey; empty for the device's name.
    #[serde(default)]
    name: String,
    /// Where to go after signing in.
    #[serde(default)]
    next: String,
}

/// An answer to the script: where to go, or what went wrong.
#[derive(Debug, Serialize)]
struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A JSON answer that browsers and proxies must not keep.
fn json(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The JSON answer for an identity error: a message in the page's language the script shows.
fn failure(context: &PageContext, error: &IdentityError) -> Result<Response, WebError> {
    let (message, status) = match error {
        IdentityError::PasskeyCeremonyInvalid => (
            context.t("account_passkey_error_expired"),
            StatusCode::CONFLICT,
        ),
        IdentityError::PasskeyNotAccepted => (
            context.t("account_passkey_error_not_accepted"),
            StatusCode::UNAUTHORIZED,
        ),
        IdentityError::PasskeyAlreadyRegistered => (
            context.t("account_passkey_error_registered"),
            StatusCode::CONFLICT,
        ),
        IdentityError::InvalidPasskeyName => (
            context.t("account_passkey_error_name"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        IdentityError::PasskeysUnavailable => (
            context.t("account_passkey_error_unavailable"),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        other => {
            let (_, message, status) = explain(context, other)?;
            (message, status)
        }
    };
    let mut response = json(
        status,
        Outcome {
            redirect: None,
            error: Some(message),
        },
    );
    add_retry_after(&mut response, error);
    Ok(response)
}

/// `POST /{lang}/account/passkeys/register/begin`: options to create a passkey for the
/// signed-in person.
pub async fn begin_registration(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    client: ClientKey,
    Json(request): Json<BeginRequest>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &request.token)?;
    let outcome = state
        .identity()
        .begin_passkey_registration(citizen.session.account.id, &client.0, state.now())
        .await;
    match outcome {
        Ok(ceremony) => Ok(json(
            StatusCode::OK,
            Begun {
                ceremony: ceremony.token,
                options: ceremony.options,
            },
        )),
        Err(error) => failure(&context, &error),
    }
}

/// `POST /{lang}/account/passkeys/register/finish`: stores the new passkey.
pub async fn finish_registration(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Json(request): Json<FinishRequest>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &request.token)?;
    let name = match request.name.trim() {
        "" => default_name(&context, &headers),
        given => given.to_owned(),
    };
    let outcome = state
        .identity()
        .finish_passkey_registration(
            citizen.session.account.id,
            &request.ceremony,
            &request.credential.to_string(),
            &name,
            state.now(),
        )
        .await;
    match outcome {
        Ok(_) => Ok(json(
            StatusCode::OK,
            Outcome {
                redirect: Some(format!(
                    "{}?note=passkey-added",
                    context.url("/account/security")
                )),
                error: None,
            },
        )),
        Err(error) => failure(&context, &error),
    }
}

/// The name of a passkey the person did not name: the browser and system it was made on.
fn default_name(context: &PageContext, headers: &HeaderMap) -> String {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    match describe_device(user_agent) {
        device if device.is_empty() => context.t("account_passkey_default_name"),
        device => device,
    }
}

/// `POST /{lang}/account/sign-in/passkey/begin`: options to sign in with any passkey of
/// this portal.
pub async fn begin_sign_in(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    client: ClientKey,
    Json(request): Json<BeginRequest>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &headers, &request.token)?;
    let outcome = state
        .identity()
        .begin_passkey_sign_in(&client.0, state.now())
        .await;
    match outcome {
        Ok(ceremony) => Ok(json(
            StatusCode::OK,
            Begun {
                ceremony: ceremony.token,
                options: ceremony.options,
            },
        )),
        Err(error) => failure(&context, &error),
    }
}

/// `POST /{lang}/account/sign-in/passkey/finish`: checks the passkey's signature and starts
/// a session with a new cookie, as signing in with a password does.
pub async fn finish_sign_in(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    parts: Parts,
    Json(request): Json<FinishRequest>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &parts.headers, &request.token)?;
    let client = client_key(&parts, &state.config().server.trusted_proxies);
    let outcome = state
        .identity()
        .finish_passkey_sign_in(
            &request.ceremony,
            &request.credential.to_string(),
            &client,
            state.now(),
        )
        .await;
    let token = match outcome {
        Ok(token) => token,
        Err(error) => return failure(&context, &error),
    };

    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    state
        .identity()
        .note_device(&token, &describe_device(user_agent))
        .await
        .map_err(internal)?;
    let next = safe_next(Some(&request.next), &context);
    let mut response = json(
        StatusCode::OK,
        Outcome {
            redirect: Some(next),
            error: None,
        },
    );
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, &token));
    Ok(response)
}

/// What the rename form sends.
#[derive(Debug, Default, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    token: String,
}

/// `POST /{lang}/account/passkeys/{id}/rename`: gives one of the person's passkeys a new
/// name. An id that is not one of theirs is not found.
pub async fn rename(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<RenameForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let outcome = state
        .identity()
        .rename_passkey(citizen.session.account.id, id, &form.name)
        .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "{}?note=passkey-renamed",
            context.url("/account/security")
        ))),
        Err(IdentityError::PasskeyNotFound) => Err(WebError::NotFound),
        Err(IdentityError::InvalidPasskeyName) => {
            let mut forms = SecurityForms::for_form("passkey");
            let field = format!("passkey_name_{id}");
            forms
                .problems
                .add(&field, context.t("account_passkey_error_name"));
            security_page(
                &context,
                &citizen,
                forms,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => Err(internal(error)),
    }
}

/// `POST /{lang}/account/passkeys/{id}/remove`: removes one of the person's passkeys,
/// unless it is their last way to sign in.
pub async fn remove(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<super::auth::TokenOnly>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let outcome = state
        .identity()
        .remove_passkey(citizen.session.account.id, id, state.now())
        .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "{}?note=passkey-removed",
            context.url("/account/security")
        ))),
        Err(IdentityError::PasskeyNotFound) => Err(WebError::NotFound),
        Err(IdentityError::LastCredential) => {
            let mut forms = SecurityForms::for_form("passkey");
            forms
                .problems
                .add("passkeys", context.t("account_passkey_error_last"));
            security_page(&context, &citizen, forms, None, StatusCode::CONFLICT).await
        }
        Err(error) => Err(internal(error)),
    }
}

/// What the form removing the password sends.
#[derive(Debug, Default, Deserialize)]
pub struct RemovePasswordForm {
    #[serde(default)]
    password_to_remove: String,
    #[serde(default)]
    token: String,
}

/// `POST /{lang}/account/password/remove`: removes the password of a person who has a
/// passkey, after the password is confirmed; other sessions end.
pub async fn remove_password(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<RemovePasswordForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let outcome = state
        .identity()
        .remove_password(
            citizen.session.account.id,
            &form.password_to_remove,
            citizen.session.id,
            state.now(),
        )
        .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "{}?note=password-removed",
            context.url("/account/security")
        ))),
        Err(error) => {
            let message = if matches!(error, IdentityError::LastCredential) {
                (
                    context.t("account_passkey_error_none"),
                    StatusCode::CONFLICT,
                )
            } else {
                let (_, message, status) = explain(&context, &error)?;
                (message, status)
            };
            let mut forms = SecurityForms::for_form("remove_password");
            forms.problems.add("password_to_remove", message.0);
            let mut response = security_page(&context, &citizen, forms, None, message.1).await?;
            add_retry_after(&mut response, &error);
            Ok(response)
        }
    }
}
