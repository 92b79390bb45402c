//! Signing up, in and out, and resetting a forgotten password.
//!
//! The forms that concern an address (signing up, asking for a reset link) answer the same
//! whether or not it has an account: the message sent to the address says what happened.
//! Signing in gives the same error for an unknown address and a wrong password.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use rathaus_identity::{CitizenSignIn, IdentityError};
use serde::{Deserialize, Serialize};

use super::{
    Citizen, Problems, add_retry_after, anonymous_token, check_anonymous_form, clear_cookie,
    cookie_name, explain, internal, layout, render, safe_next, send_address_mail, send_link,
    session_cookie, signed_in_redirect,
};
use crate::error::WebError;
use crate::page::PageContext;
use crate::staff::{client_key, see_other, token_from, urlencoding};
use crate::state::AppState;

/// The query string of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct SignInParams {
    /// Where to go after signing in.
    pub next: Option<String>,
    /// Why the page is shown: `signed-out`, `reset` (password changed) or `expired`.
    pub note: Option<String>,
}

/// What the sign-in form sends.
#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    token: String,
}

#[derive(Serialize)]
struct SignInView {
    token: String,
    email: String,
    next: String,
    note: Option<String>,
    error: Option<String>,
    providers: Vec<super::providers::ProviderView>,
}

/// The notes the sign-in page knows, by their name in the address.
fn sign_in_note(context: &PageContext, note: Option<&str>) -> Option<String> {
    let key = match note? {
        "signed-out" => "account_note_signed_out",
        "reset" => "account_note_password_reset",
        "email-changed" => "account_note_email_changed",
        _ => return None,
    };
    Some(context.t(key))
}

/// `GET /{lang}/account/sign-in`.
pub async fn sign_in_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<SignInParams>,
    signed_in: Option<Citizen>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let next = safe_next(params.next.as_deref(), &context);
    if signed_in.is_some() {
        return Ok(see_other(&next));
    }
    let view = SignInView {
        token: anonymous_token(&state),
        email: String::new(),
        next,
        note: sign_in_note(&context, params.note.as_deref()),
        error: None,
        providers: super::providers::providers_for(&state, rathaus_identity::TrustLevel::Low),
    };
    let layout = layout(&context, "/account/sign-in", "account_sign_in_title", false);
    render(
        &context,
        "account/sign_in.html",
        &layout,
        view,
        StatusCode::OK,
    )
}

/// `POST /{lang}/account/sign-in`: checks the password; asks for the authenticator code
/// next where the account has one.
pub async fn sign_in(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    parts: Parts,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &parts.headers, &form.token)?;
    let client = client_key(&parts, &state.config().server.trusted_proxies);
    let next = safe_next(Some(&form.next), &context);

    let outcome = state
        .identity()
        .sign_in_citizen(form.email.trim(), &form.password, &client, state.now())
        .await;
    match outcome {
        Ok(CitizenSignIn::Complete(token)) => {
            signed_in_redirect(&state, &parts.headers, &token, &next).await
        }
        Ok(CitizenSignIn::SecondFactorRequired { pending }) => {
            let target = format!(
                "{}?next={}",
                context.url("/account/sign-in/code"),
                urlencoding(&next)
            );
            let mut response = see_other(&target);
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&state, &pending));
            Ok(response)
        }
        Err(error) => {
            let (_, message, status) = explain(&context, &error)?;
            let view = SignInView {
                token: anonymous_token(&state),
                email: form.email.trim().to_owned(),
                next,
                note: None,
                error: Some(message),
                providers: super::providers::providers_for(
                    &state,
                    rathaus_identity::TrustLevel::Low,
                ),
            };
            let layout = layout(&context, "/account/sign-in", "account_sign_in_title", true);
            let mut response = render(&context, "account/sign_in.html", &layout, view, status)?;
            add_retry_after(&mut response, &error);
            Ok(response)
        }
    }
}

/// What the code form sends.
#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    token: String,
}

#[derive(Serialize)]
struct CodeView {
    token: String,
    next: String,
    error: Option<String>,
}

/// `GET /{lang}/account/sign-in/code`: asks for the authenticator code.
pub async fn code_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<SignInParams>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let view = CodeView {
        token: anonymous_token(&state),
        next: safe_next(params.next.as_deref(), &context),
        error: None,
    };
    let layout = layout(
        &context,
        "/account/sign-in/code",
        "account_code_title",
        false,
    );
    render(&context, "account/code.html", &layout, view, StatusCode::OK)
}

/// `POST /{lang}/account/sign-in/code`: checks the code and begins the session.
pub async fn check_code(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    parts: Parts,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &parts.headers, &form.token)?;
    let next = safe_next(Some(&form.next), &context);
    let Some(pending) = token_from(&parts.headers, cookie_name(&state)) else {
        return Ok(see_other(&context.url("/account/sign-in")));
    };
    let client = client_key(&parts, &state.config().server.trusted_proxies);

    let outcome = state
        .identity()
        .verify_second_factor(&pending, form.code.trim(), &client, state.now())
        .await;
    match outcome {
        Ok(token) => signed_in_redirect(&state, &parts.headers, &token, &next).await,
        Err(IdentityError::PendingSignInInvalid | IdentityError::SecondFactorNotEnrolled) => {
            let target = format!("{}?note=expired", context.url("/account/sign-in"));
            Ok(see_other(&target))
        }
        Err(error) => {
            let (_, message, status) = explain(&context, &error)?;
            let view = CodeView {
                token: anonymous_token(&state),
                next,
                error: Some(message),
            };
            let layout = layout(
                &context,
                "/account/sign-in/code",
                "account_code_title",
                true,
            );
            let mut response = render(&context, "account/code.html", &layout, view, status)?;
            add_retry_after(&mut response, &error);
            Ok(response)
        }
    }
}

/// What a form with nothing but its token sends.
#[derive(Debug, Default, Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    pub(super) token: String,
}

/// What the sign-out button sends: `next` where signing in again should lead, when the
/// person signs out only to sign in anew (to confirm a grave step).
#[derive(Debug, Default, Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    token: String,
    next: Option<String>,
}

/// `POST /{lang}/account/sign-out`: ends this session.
pub async fn sign_out(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<SignOutForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    if let Some(token) = token_from(&headers, cookie_name(&state)) {
        state
            .identity()
            .end_session(&token)
            .await
            .map_err(internal)?;
    }
    let mut sign_in = format!("{}?note=signed-out", context.url("/account/sign-in"));
    if let Some(next) = &form.next {
        let next = safe_next(Some(next), &context);
        sign_in = format!("{sign_in}&next={}", urlencoding(&next));
    }
    let mut response = see_other(&sign_in);
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&state));
    Ok(response)
}

/// What the sign-up form sends.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SignUpForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    password: String,
    #[serde(default, skip_serializing)]
    password_again: String,
    #[serde(default, skip_serializing)]
    token: String,
}

#[derive(Serialize)]
struct SignUpView<'a> {
    token: String,
    form: &'a SignUpForm,
    problems: &'a Problems,
    errors: std::collections::BTreeMap<String, String>,
    min_length: usize,
}

fn sign_up_page(
    context: &PageContext,
    form: &SignUpForm,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = SignUpView {
        token: anonymous_token(&context.state),
        form,
        problems,
        errors: problems.by_field(),
        min_length: context.state.identity().config().password.min_length,
    };
    let failed = !problems.is_empty();
    let layout = layout(context, "/account/sign-up", "account_sign_up_title", failed);
    render(context, "account/sign_up.html", &layout, view, status)
}

/// `GET /{lang}/account/sign-up`.
pub async fn sign_up_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    sign_up_page(
        &context,
        &SignUpForm::default(),
        &Problems::default(),
        StatusCode::OK,
    )
}

/// `POST /{lang}/account/sign-up`: checks the form and sends the link that completes the
/// sign-up (or, for an address with an account, a notice to its owner).
pub async fn sign_up(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    parts: Parts,
    Form(form): Form<SignUpForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &parts.headers, &form.token)?;
    let client = client_key(&parts, &state.config().server.trusted_proxies);

    let mut problems = Problems::default();
    if form.password != form.password_again {
        problems.add("password_again", context.t("account_error_password_again"));
        return sign_up_page(&context, &form, &problems, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let outcome = state
        .identity()
        .sign_up(
            &form.email,
            &form.name,
            &form.password,
            &client,
            state.now(),
        )
        .await;
    let address_mail = match outcome {
        Ok(address_mail) => address_mail,
        Err(error) => {
            let (field, message, status) = explain(&context, &error)?;
            problems.add(field, message);
            let mut response = sign_up_page(&context, &form, &problems, status)?;
            add_retry_after(&mut response, &error);
            return Ok(response);
        }
    };

    send_address_mail(&context, address_mail, "/account/sign-up", "mail_sign_up").await?;
    sent_page(&context, form.email.trim(), "account_sign_up_sent")
}

/// The page that tells a person to look in their inbox, the same for every outcome.
fn sent_page(context: &PageContext, email: &str, text_key: &str) -> Result<Response, WebError> {
    let text = context.texts.format(text_key, &[("email", email)]);
    let layout = layout(
        context,
        "/account/sign-up",
        "account_check_mail_title",
        false,
    );
    render(
        context,
        "account/message.html",
        &layout,
        view! { text => text, hint => context.t("account_check_mail_hint") },
        StatusCode::OK,
    )
}

/// The page for a link that does not work (any more).
fn invalid_link_page(context: &PageContext, again_path: &str) -> Result<Response, WebError> {
    let layout = layout(context, again_path, "account_link_invalid_title", false);
    render(
        context,
        "account/message.html",
        &layout,
        view! {
            text => context.t("account_link_invalid"),
            action_url => context.url(again_path),
            action_label => context.t("account_link_again"),
        },
        StatusCode::NOT_FOUND,
    )
}

/// `GET /{lang}/account/sign-up/{token}`: asks to confirm the sign-up with a button, so that
/// a mail program that opens links to check them does not use the link up.
pub async fn sign_up_link(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    match state.identity().sign_up_link(&token, state.now()).await {
        Ok(info) => {
            let layout = layout(&context, "/account/sign-up", "account_confirm_title", false);
            let view = view! {
                token => anonymous_token(&state),
                action => context.url(&format!("/account/sign-up/{token}")),
                text => context.texts.format(
                    "account_confirm_sign_up",
                    &[("email", &info.email), ("name", &info.display_name)],
                ),
                button => context.t("account_confirm_sign_up_button"),
            };
            render(
                &context,
                "account/confirm.html",
                &layout,
                view,
                StatusCode::OK,
            )
        }
        Err(IdentityError::LinkInvalid) => invalid_link_page(&context, "/account/sign-up"),
        Err(error) => Err(internal(error)),
    }
}

/// `POST /{lang}/account/sign-up/{token}`: makes the account and signs the person in.
pub async fn complete_sign_up(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<TokenOnly>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &headers, &form.token)?;
    match state.identity().complete_sign_up(&token, state.now()).await {
        Ok((_, session)) => {
            let target = format!("{}?note=welcome", context.url("/account"));
            signed_in_redirect(&state, &headers, &session, &target).await
        }
        Err(IdentityError::LinkInvalid) => invalid_link_page(&context, "/account/sign-up"),
        Err(IdentityError::EmailTaken) => {
            let layout = layout(&context, "/account/sign-up", "account_confirm_title", false);
            let view = view! {
                text => context.t("account_sign_up_taken"),
                action_url => context.url("/account/sign-in"),
                action_label => context.t("account_sign_in_title"),
            };
            render(
                &context,
                "account/message.html",
                &layout,
                view,
                StatusCode::CONFLICT,
            )
        }
        Err(error) => Err(internal(error)),
    }
}

/// What the form asking for a reset link sends.
#[derive(Debug, Default, Deserialize)]
pub struct ResetRequestForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    token: String,
}

fn reset_request_page(
    context: &PageContext,
    email: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let failed = error.is_some();
    let layout = layout(
        context,
        "/account/password-reset",
        "account_reset_title",
        failed,
    );
    let view = view! { token => anonymous_token(&context.state), email => email, error => error };
    render(context, "account/reset_request.html", &layout, view, status)
}

/// `GET /{lang}/account/password-reset`.
pub async fn reset_request_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    reset_request_page(&context, "", None, StatusCode::OK)
}

/// `POST /{lang}/account/password-reset`: sends a reset link if the address has an
/// account; the answer is the same either way.
pub async fn request_reset(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    parts: Parts,
    Form(form): Form<ResetRequestForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &parts.headers, &form.token)?;
    let client = client_key(&parts, &state.config().server.trusted_proxies);
    let email = form.email.trim();

    let outcome = state
        .identity()
        .request_password_reset(email, &client, state.now())
        .await;
    let link = match outcome {
        Ok(link) => link,
        Err(error) => {
            let (_, message, status) = explain(&context, &error)?;
            let mut response = reset_request_page(&context, email, Some(message), status)?;
            add_retry_after(&mut response, &error);
            return Ok(response);
        }
    };
    if let Some(link) = link {
        send_link(&context, &link, "/account/password-reset", "mail_reset").await?;
    }
    sent_page(&context, email, "account_reset_sent")
}

/// What the form with the new password sends.
#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    token: String,
}

fn reset_page(
    context: &PageContext,
    link_token: &str,
    email: &str,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, WebError> {
    let failed = !problems.is_empty();
    let layout = layout(
        context,
        "/account/password-reset",
        "account_new_password_title",
        failed,
    );
    let view = view! {
        token => anonymous_token(&context.state),
        action => context.url(&format!("/account/password-reset/{link_token}")),
        email => email,
        problems => problems,
        errors => problems.by_field(),
        min_length => context.state.identity().config().password.min_length,
    };
    render(context, "account/reset.html", &layout, view, status)
}

/// `GET /{lang}/account/password-reset/{token}`: the form for the new password.
pub async fn reset_form(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    match state
        .identity()
        .password_reset_link(&token, state.now())
        .await
    {
        Ok(email) => reset_page(
            &context,
            &token,
            &email,
            &Problems::default(),
            StatusCode::OK,
        ),
        Err(IdentityError::LinkInvalid) => invalid_link_page(&context, "/account/password-reset"),
        Err(error) => Err(internal(error)),
    }
}

/// `POST /{lang}/account/password-reset/{token}`: sets the new password; every session of
/// the account ends, and the person signs in with the new one.
pub async fn reset_password(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &headers, &form.token)?;
    let email = match state
        .identity()
        .password_reset_link(&token, state.now())
        .await
    {
        Ok(email) => email,
        Err(IdentityError::LinkInvalid) => {
            return invalid_link_page(&context, "/account/password-reset");
        }
        Err(error) => return Err(internal(error)),
    };

    let mut problems = Problems::default();
    if form.password != form.password_again {
        problems.add("password_again", context.t("account_error_password_again"));
        return reset_page(
            &context,
            &token,
            &email,
            &problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match state
        .identity()
        .reset_password(&token, &form.password, state.now())
        .await
    {
        Ok(_) => {
            let mut response =
                see_other(&format!("{}?note=reset", context.url("/account/sign-in")));
            response
                .headers_mut()
                .insert(header::SET_COOKIE, clear_cookie(&state));
            Ok(response)
        }
        Err(IdentityError::LinkInvalid) => invalid_link_page(&context, "/account/password-reset"),
        Err(error) => {
            let (field, message, status) = explain(&context, &error)?;
            problems.add(field, message);
            reset_page(&context, &token, &email, &problems, status)
        }
    }
}
