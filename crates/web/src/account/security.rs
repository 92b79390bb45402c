//! The pages of a signed-in citizen: the overview, and sign-in and security with the
//! password, the address, the authenticator app and the list of sessions.
//!
//! Each handler acts on the account of the session it is called with; an id in an address
//! (a session to end) is checked to belong to that account by the identity platform.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use rathaus_identity::IdentityError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::TokenOnly;
use super::{
    Citizen, Problems, add_retry_after, anonymous_token, check_anonymous_form, clear_cookie,
    explain, internal, layout, local_time, mail, render, send_address_mail, send_mail,
};
use crate::error::WebError;
use crate::page::PageContext;
use crate::staff::auth::{group_in_fours, qr_code_svg};
use crate::staff::see_other;
use crate::state::AppState;

/// The query string of the account pages: a note on what the last action did.
#[derive(Debug, Default, Deserialize)]
pub struct NoteParams {
    /// The name of the note, such as `password-changed`.
    pub note: Option<String>,
}

/// The notes the account pages know, by their name in the address.
pub(super) fn note_text(context: &PageContext, note: Option<&str>) -> Option<String> {
    let key = match note? {
        "welcome" => "account_note_welcome",
        "password-changed" => "account_note_password_changed",
        "email-sent" => "account_note_email_sent",
        "email-changed" => "account_note_email_changed",
        "session-ended" => "account_note_session_ended",
        "sessions-ended" => "account_note_sessions_ended",
        "authenticator-removed" => "account_note_authenticator_removed",
        "value-saved" => "vault_note_value_saved",
        "value-preferred" => "vault_note_value_preferred",
        "value-deleted" => "vault_note_value_deleted",
        "consent-withdrawn" => "vault_note_consent_withdrawn",
        "passkey-added" => "account_note_passkey_added",
        "passkey-renamed" => "account_note_passkey_renamed",
        "passkey-removed" => "account_note_passkey_removed",
        "password-removed" => "account_note_password_removed",
        "provider-linked" => "account_note_provider_linked",
        "provider-unlinked" => "account_note_provider_unlinked",
        "provider-last" => "account_note_provider_last",
        _ => return None,
    };
    Some(context.t(key))
}

/// `GET /{lang}/account`: who is signed in and what the account offers.
pub async fn overview(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<NoteParams>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let account = &citizen.session.account;
    let view = view! {
        token => citizen.form_token(&state),
        name => &account.display_name,
        email => &account.email,
        since => local_time(&context, account.created_at),
        trust_level => context.t(&format!("account_trust_{}", citizen.session.trust_level)),
        note => note_text(&context, params.note.as_deref()),
    };
    let layout = layout(&context, "/account", "account_title", false);
    render(
        &context,
        "account/overview.html",
        &layout,
        view,
        StatusCode::OK,
    )
}

/// One session in the list.
#[derive(Debug, Serialize)]
struct SessionView {
    id: Uuid,
    device: String,
    started: String,
    last_seen: String,
    current: bool,
}

/// One passkey in the list.
#[derive(Debug, Serialize)]
struct PasskeyView {
    id: Uuid,
    name: String,
    created: String,
    last_used: Option<String>,
}

/// A configured identity provider on the security page, linked or not.
#[derive(Debug, Serialize)]
struct ProviderLink {
    id: String,
    name: String,
    /// When the account's identity there was linked; `None` when it is not.
    linked_since: Option<String>,
}

/// What the forms of the security page hold after a failed attempt.
#[derive(Debug, Default, Serialize)]
pub(super) struct SecurityForms {
    pub(super) new_email: String,
    pub(super) problems: Problems,
    /// Which form the problems belong to: `password`, `email`, `authenticator`, `passkey`
    /// or `remove_password`.
    pub(super) form: &'static str,
}

impl SecurityForms {
    /// Empty forms, with problems to come for `form`.
    pub(super) fn for_form(form: &'static str) -> SecurityForms {
        SecurityForms {
            form,
            ..SecurityForms::default()
        }
    }
}

/// The security page, with the problems of a form that came back.
pub(super) async fn security_page(
    context: &PageContext,
    citizen: &Citizen,
    forms: SecurityForms,
    note: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let state = &context.state;
    let account = &citizen.session.account;
    let sessions = state
        .identity()
        .sessions_of(account.id, state.now())
        .await
        .map_err(internal)?;
    let sessions: Vec<SessionView> = sessions
        .into_iter()
        .filter(|session| session.second_factor_passed)
        .map(|session| SessionView {
            id: session.id,
            device: if session.device.is_empty() {
                context.t("account_device_unknown")
            } else {
                session.device
            },
            started: local_time(context, session.created_at),
            last_seen: local_time(context, session.last_seen_at),
            current: session.id == citizen.session.id,
        })
        .collect();

    let passkeys: Vec<PasskeyView> = state
        .identity()
        .passkeys_of(account.id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|passkey| PasskeyView {
            id: passkey.id,
            name: passkey.name,
            created: local_time(context, passkey.created_at),
            last_used: passkey.last_used_at.map(|at| local_time(context, at)),
        })
        .collect();
    let has_password = state
        .identity()
        .has_password(account.id)
        .await
        .map_err(internal)?;
    let linked = state
        .identity()
        .linked_identities(account.id)
        .await
        .map_err(internal)?;
    let providers: Vec<ProviderLink> = state
        .identity()
        .providers()
        .iter()
        .filter(|provider| !provider.staff)
        .map(|provider| {
            let link = linked.iter().find(|link| link.provider == provider.id);
            ProviderLink {
                id: provider.id.clone(),
                name: provider.display_name.clone(),
                linked_since: link.map(|link| local_time(context, link.created_at)),
            }
        })
        .collect();

    let failed = !forms.problems.is_empty();
    let others = sessions.iter().filter(|session| !session.current).count();
    let view = view! {
        token => citizen.form_token(state),
        email => &account.email,
        authenticator => account.second_factor_enrolled,
        sessions => sessions,
        others => others,
        providers => providers,
        errors => forms.problems.by_field(),
        problems => &forms.problems,
        form => forms.form,
        new_email => &forms.new_email,
        passkeys => passkeys,
        has_password => has_password,
        min_length => state.identity().config().password.min_length,
        note => note,
    };
    let layout = layout(
        context,
        "/account/security",
        "account_security_title",
        failed,
    );
    render(context, "account/security.html", &layout, view, status)
}

/// `GET /{lang}/account/security`.
pub async fn security(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<NoteParams>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let note = note_text(&context, params.note.as_deref());
    security_page(
        &context,
        &citizen,
        SecurityForms::default(),
        note,
        StatusCode::OK,
    )
    .await
}

/// What the password form sends.
#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    token: String,
}

/// `POST /{lang}/account/password`: changes the password; other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let mut forms = SecurityForms::for_form("password");
    if form.password != form.password_again {
        forms
            .problems
            .add("password_again", context.t("account_error_password_again"));
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return security_page(&context, &citizen, forms, None, status).await;
    }

    let outcome = state
        .identity()
        .change_password(
            citizen.session.account.id,
            &form.current_password,
            &form.password,
            citizen.session.id,
            state.now(),
        )
        .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "{}?note=password-changed",
            context.url("/account/security")
        ))),
        Err(error) => {
            let (field, message, status) = explain(&context, &error)?;
            // A wrong password here is the current one, not the new one.
            let field = if matches!(error, IdentityError::InvalidCredentials) {
                "current_password"
            } else {
                field
            };
            forms.problems.add(field, message);
            let mut response = security_page(&context, &citizen, forms, None, status).await?;
            add_retry_after(&mut response, &error);
            Ok(response)
        }
    }
}

/// What the address form sends.
#[derive(Debug, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    email_password: String,
    #[serde(default)]
    token: String,
}

/// `POST /{lang}/account/email`: sends a link to the new address; the address changes when
/// it is used.
pub async fn request_email_change(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<EmailForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let outcome = state
        .identity()
        .request_email_change(
            citizen.session.account.id,
            &form.email,
            &form.email_password,
            state.now(),
        )
        .await;
    let address_mail = match outcome {
        Ok(address_mail) => address_mail,
        Err(error) => {
            let (field, message, status) = explain(&context, &error)?;
            let field = if field == "password" {
                "email_password"
            } else {
                field
            };
            let mut forms = SecurityForms {
                form: "email",
                new_email: form.email.trim().to_owned(),
                ..SecurityForms::default()
            };
            forms.problems.add(field, message);
            let mut response = security_page(&context, &citizen, forms, None, status).await?;
            add_retry_after(&mut response, &error);
            return Ok(response);
        }
    };

    send_address_mail(
        &context,
        address_mail,
        "/account/email",
        "mail_email_change",
    )
    .await?;
    Ok(see_other(&format!(
        "{}?note=email-sent",
        context.url("/account/security")
    )))
}

/// `GET /{lang}/account/email/{token}`: asks to confirm the new address with a button.
pub async fn email_link(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let layout = layout(
        &context,
        "/account/security",
        "account_confirm_title",
        false,
    );
    let view = view! {
        token => anonymous_token(&state),
        action => context.url(&format!("/account/email/{token}")),
        text => context.t("account_confirm_email"),
        button => context.t("account_confirm_email_button"),
    };
    render(
        &context,
        "account/confirm.html",
        &layout,
        view,
        StatusCode::OK,
    )
}

/// `POST /{lang}/account/email/{token}`: changes the address and tells the old one.
pub async fn confirm_email(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    headers: HeaderMap,
    signed_in: Option<Citizen>,
    Form(form): Form<TokenOnly>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &headers, &form.token)?;
    let (account, old_email) = match state
        .identity()
        .confirm_email_change(&token, state.now())
        .await
    {
        Ok(changed) => changed,
        Err(IdentityError::LinkInvalid) => {
            let layout = layout(
                &context,
                "/account/security",
                "account_link_invalid_title",
                false,
            );
            let view = view! {
                text => context.t("account_link_invalid"),
                action_url => context.url("/account/security"),
                action_label => context.t("account_security_title"),
            };
            return render(
                &context,
                "account/message.html",
                &layout,
                view,
                StatusCode::NOT_FOUND,
            );
        }
        Err(IdentityError::EmailTaken) => {
            let layout = layout(
                &context,
                "/account/security",
                "account_confirm_title",
                false,
            );
            let view = view! { text => context.t("account_email_taken") };
            return render(
                &context,
                "account/message.html",
                &layout,
                view,
                StatusCode::CONFLICT,
            );
        }
        Err(error) => return Err(internal(error)),
    };

    let values = [
        ("name", account.display_name.as_str()),
        ("email", account.email.as_str()),
    ];
    send_mail(
        &state,
        mail(&context, &old_email, "mail_email_changed", &values),
    )
    .await?;
    let target = match signed_in {
        Some(citizen) if citizen.session.account.id == account.id => {
            format!("{}?note=email-changed", context.url("/account"))
        }
        _ => format!("{}?note=email-changed", context.url("/account/sign-in")),
    };
    Ok(see_other(&target))
}

/// What the authenticator form sends.
#[derive(Debug, Default, Deserialize)]
pub struct AuthenticatorForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    token: String,
}

async fn authenticator_page(
    context: &PageContext,
    citizen: &Citizen,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let state = &context.state;
    let token = &citizen.token;
    let offered = state
        .identity()
        .offered_totp(token, state.now())
        .await
        .map_err(internal)?;
    let enrolment = match offered {
        Some(enrolment) => enrolment,
        None => state
            .identity()
            .begin_totp_for_session(token, state.now())
            .await
            .map_err(internal)?,
    };

    let failed = error.is_some();
    let view = view! {
        token => citizen.form_token(state),
        secret => group_in_fours(&enrolment.secret_base32),
        uri => &enrolment.otpauth_uri,
        qr_svg => qr_code_svg(&enrolment.otpauth_uri),
        error => error,
    };
    let layout = layout(
        context,
        "/account/authenticator",
        "account_authenticator_title",
        failed,
    );
    render(context, "account/authenticator.html", &layout, view, status)
}

/// `GET /{lang}/account/authenticator`: a new secret as a QR code and as text.
pub async fn authenticator_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    if citizen.session.account.second_factor_enrolled {
        return Ok(see_other(&context.url("/account/security")));
    }
    authenticator_page(&context, &citizen, None, StatusCode::OK).await
}

/// `POST /{lang}/account/authenticator`: confirms the app with a code and shows the
/// recovery codes, once.
pub async fn confirm_authenticator(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<AuthenticatorForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;

    let outcome = state
        .identity()
        .confirm_totp_for_session(&citizen.token, form.code.trim(), state.now())
        .await;
    match outcome {
        Ok(codes) => {
            let layout = layout(
                &context,
                "/account/authenticator",
                "account_recovery_codes_title",
                false,
            );
            let view =
                view! { codes => codes.codes(), security_url => context.url("/account/security") };
            render(
                &context,
                "account/recovery_codes.html",
                &layout,
                view,
                StatusCode::OK,
            )
        }
        Err(IdentityError::SecondFactorAlreadyEnrolled) => {
            Ok(see_other(&context.url("/account/security")))
        }
        Err(error) => {
            let (_, message, status) = explain(&context, &error)?;
            authenticator_page(&context, &citizen, Some(message), status).await
        }
    }
}

/// What the form removing the authenticator sends.
#[derive(Debug, Default, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    remove_password: String,
    #[serde(default)]
    token: String,
}

/// `POST /{lang}/account/authenticator/remove`: removes the app after the password is
/// confirmed.
pub async fn remove_authenticator(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<RemoveForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let outcome = state
        .identity()
        .remove_second_factor(
            citizen.session.account.id,
            &form.remove_password,
            state.now(),
        )
        .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "{}?note=authenticator-removed",
            context.url("/account/security")
        ))),
        Err(error) => {
            let (_, message, status) = explain(&context, &error)?;
            let mut forms = SecurityForms::for_form("authenticator");
            forms.problems.add("remove_password", message);
            let mut response = security_page(&context, &citizen, forms, None, status).await?;
            add_retry_after(&mut response, &error);
            Ok(response)
        }
    }
}

/// `POST /{lang}/account/sessions/{id}/end`: ends one of the person's sessions. An id that
/// is not one of theirs is not found.
pub async fn end_session(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<TokenOnly>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let ended = state
        .identity()
        .end_session_of(citizen.session.account.id, id, state.now())
        .await
        .map_err(internal)?;
    if !ended {
        return Err(WebError::NotFound);
    }

    if id == citizen.session.id {
        let mut response = see_other(&format!(
            "{}?note=signed-out",
            context.url("/account/sign-in")
        ));
        response
            .headers_mut()
            .insert(header::SET_COOKIE, clear_cookie(&state));
        return Ok(response);
    }
    Ok(see_other(&format!(
        "{}?note=session-ended",
        context.url("/account/security")
    )))
}

/// `POST /{lang}/account/sessions/end-others`: ends every session but this one.
pub async fn end_other_sessions(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<TokenOnly>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    state
        .identity()
        .end_other_sessions(citizen.session.account.id, citizen.session.id, state.now())
        .await
        .map_err(internal)?;
    Ok(see_other(&format!(
        "{}?note=sessions-ended",
        context.url("/account/security")
    )))
}
