//! Signing in through external identity providers (OpenID Connect), linking and unlinking
//! them on the security page, and raising a session's trust level (step-up).
//!
//! Every flow starts with a form (token and origin checked), which sends the browser to the
//! provider and gives it a short-lived cookie that binds the flow to this browser. The
//! provider sends the browser back to the callback address; the identity platform checks
//! the answer and the ID token and says what it led to. Failures are told in plain words;
//! the details go to the log, without personal data.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use rathaus_identity::{FlowPurpose, IdentityError, ProviderAnswer, ProviderOutcome, TrustLevel};
use serde::{Deserialize, Serialize};

use super::{
    Citizen, check_anonymous_form, cookie_name, internal, layout, render, safe_next,
    session_cookie, signed_in_redirect,
};
use crate::error::WebError;
use crate::page::PageContext;
use crate::staff::{ClientKey, see_other, token_from, urlencoding};
use crate::state::AppState;

/// The cookie that binds a flow to the browser that began it.
const FLOW_COOKIE: &str = "rathaus-flow";

/// How long the flow cookie lives, in seconds: as long as the flow.
const FLOW_COOKIE_SECONDS: u32 = 600;

/// A provider as the pages offer it.
#[derive(Debug, Serialize)]
pub struct ProviderView {
    /// The provider's id, used in the form's address.
    pub id: String,
    /// The name on the button.
    pub name: String,
}

/// The providers that can confirm at least `level`, for buttons.
pub fn providers_for(state: &AppState, level: TrustLevel) -> Vec<ProviderView> {
    state
        .identity()
        .providers()
        .iter()
        .filter(|provider| !provider.staff && provider.highest_level() >= level)
        .map(|provider| ProviderView {
            id: provider.id.clone(),
            name: provider.display_name.clone(),
        })
        .collect()
}

/// What the forms that start a flow send.
#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    level: String,
}

/// The callback address registered at the provider, in the page's variant.
fn redirect_uri(context: &PageContext) -> String {
    format!(
        "{}{}",
        context.state.config().server.public_url,
        context.url("/account/provider/callback")
    )
}

/// Begins a flow and sends the browser to the provider with the flow cookie.
pub(crate) async fn start_flow(
    context: &PageContext,
    provider: &str,
    purpose: FlowPurpose,
    citizen: Option<&Citizen>,
    level: TrustLevel,
    return_to: &str,
    client: &ClientKey,
) -> Result<Response, WebError> {
    let state = &context.state;
    let account_id = citizen.map(|citizen| citizen.session.account.id);
    let begun = state
        .identity()
        .begin_provider_flow(
            provider,
            purpose,
            account_id,
            level,
            &redirect_uri(context),
            return_to,
            &client.0,
            state.now(),
        )
        .await;
    let flow = match begun {
        Ok(flow) => flow,
        Err(error) => return failure_page(context, &error),
    };

    let mut response = see_other(&flow.authorization_url);
    let secure = if crate::cookies::is_https(state) {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={FLOW_COOKIE_SECONDS}{secure}",
        crate::cookies::name(state, FLOW_COOKIE),
        flow.browser_secret
    );
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(internal)?,
    );
    Ok(response)
}

/// `POST /{lang}/account/provider/{id}/sign-in`: signs in (or up) through the provider.
pub async fn start_sign_in(
    State(state): State<AppState>,
    Path((lang, provider)): Path<(String, String)>,
    headers: HeaderMap,
    client: ClientKey,
    Form(form): Form<StartForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    check_anonymous_form(&state, &headers, &form.token)?;
    let next = safe_next(Some(&form.next), &context);
    start_flow(
        &context,
        &provider,
        FlowPurpose::SignIn,
        None,
        TrustLevel::Low,
        &next,
        &client,
    )
    .await
}

/// `POST /{lang}/account/provider/{id}/link`: links the provider's identity to the
/// signed-in account; signing in there proves the person holds both.
pub async fn start_link(
    State(state): State<AppState>,
    Path((lang, provider)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    client: ClientKey,
    Form(form): Form<StartForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let back = format!("{}?note=provider-linked", context.url("/account/security"));
    start_flow(
        &context,
        &provider,
        FlowPurpose::Link,
        Some(&citizen),
        TrustLevel::Low,
        &back,
        &client,
    )
    .await
}

/// `POST /{lang}/account/provider/{id}/step-up`: asks the provider to confirm the level
/// the form names, then returns to `next`.
pub async fn start_step_up(
    State(state): State<AppState>,
    Path((lang, provider)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    client: ClientKey,
    Form(form): Form<StartForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let level = TrustLevel::parse(&form.level).unwrap_or(TrustLevel::High);
    let next = safe_next(Some(&form.next), &context);
    start_flow(
        &context,
        &provider,
        FlowPurpose::StepUp,
        Some(&citizen),
        level,
        &next,
        &client,
    )
    .await
}

/// `POST /{lang}/account/provider/{id}/unlink`.
pub async fn unlink(
    State(state): State<AppState>,
    Path((lang, provider)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<StartForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let outcome = state
        .identity()
        .unlink_provider(citizen.session.account.id, &provider, state.now())
        .await;
    let note = match outcome {
        Ok(_) => "provider-unlinked",
        Err(IdentityError::LastSignInMethod) => "provider-last",
        Err(error) => return Err(internal(error)),
    };
    Ok(see_other(&format!(
        "{}?note={note}",
        context.url("/account/security")
    )))
}

/// The query string of the callback address.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackParams {
    #[serde(default)]
    state: String,
    code: Option<String>,
    error: Option<String>,
}

/// `GET /{lang}/account/provider/callback`: the provider's answer.
pub async fn callback(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<CallbackParams>,
    parts: Parts,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let browser_secret = token_from(&parts.headers, &crate::cookies::name(&state, FLOW_COOKIE))
        .map(|token| token.as_str().to_owned())
        .unwrap_or_default();
    let current = token_from(&parts.headers, cookie_name(&state));
    let answer = ProviderAnswer {
        state: params.state,
        code: params.code,
        error: params.error,
    };

    let outcome = state
        .identity()
        .finish_provider_flow(&answer, &browser_secret, current.as_ref(), state.now())
        .await;
    let mut response = match outcome {
        Ok(ProviderOutcome::SignedIn {
            token,
            new_account,
            return_to,
        }) => {
            let target = if new_account {
                format!("{}?note=welcome", context.url("/account"))
            } else {
                safe_next(Some(&return_to), &context)
            };
            signed_in_redirect(&state, &parts.headers, &token, &target).await?
        }
        Ok(ProviderOutcome::Linked { return_to }) => {
            see_other(&safe_next(Some(&return_to), &context))
        }
        Ok(ProviderOutcome::StaffSignedIn { token, return_to }) => {
            let mut response = see_other(&crate::staff::safe_next(Some(&return_to)));
            response.headers_mut().insert(
                header::SET_COOKIE,
                crate::staff::session_cookie(&state, &token),
            );
            response
        }
        Ok(ProviderOutcome::SteppedUp { token, return_to }) => {
            let mut response = see_other(&safe_next(Some(&return_to), &context));
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&state, &token));
            response
        }
        Err(error) => failure_page(&context, &error)?,
    };
    response.headers_mut().append(
        header::SET_COOKIE,
        crate::cookies::removal(&state, &crate::cookies::name(&state, FLOW_COOKIE)),
    );
    Ok(response)
}

/// The page that tells the person in plain words why a flow failed; the detail goes to the
/// log (it never holds personal data).
fn failure_page(context: &PageContext, error: &IdentityError) -> Result<Response, WebError> {
    let (key, status) = match error {
        IdentityError::Throttled { .. } => ("", StatusCode::TOO_MANY_REQUESTS),
        IdentityError::FlowUnknown => ("account_provider_error_flow", StatusCode::BAD_REQUEST),
        IdentityError::ProviderRefused(_) => {
            ("account_provider_error_cancelled", StatusCode::BAD_REQUEST)
        }
        IdentityError::TokenInvalid(_) => ("account_provider_error_token", StatusCode::BAD_GATEWAY),
        IdentityError::ProviderUnavailable(_) => (
            "account_provider_error_unavailable",
            StatusCode::BAD_GATEWAY,
        ),
        IdentityError::ProviderUnknown(_) => {
            ("account_provider_error_unknown", StatusCode::NOT_FOUND)
        }
        IdentityError::ProviderEmailTaken => {
            ("account_provider_error_email_taken", StatusCode::CONFLICT)
        }
        IdentityError::ProviderEmailMissing => (
            "account_provider_error_email_missing",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        IdentityError::IdentityLinkedElsewhere | IdentityError::ProviderAlreadyLinked => {
            ("account_provider_error_linked", StatusCode::CONFLICT)
        }
        IdentityError::TrustLevelTooLow { .. } => {
            ("account_provider_error_level", StatusCode::FORBIDDEN)
        }
        IdentityError::SecondFactorMissing => (
            "account_provider_error_second_factor",
            StatusCode::FORBIDDEN,
        ),
        IdentityError::NoStaffAccount => ("account_provider_error_no_staff", StatusCode::FORBIDDEN),
        IdentityError::InvalidCredentials => {
            ("account_provider_error_disabled", StatusCode::FORBIDDEN)
        }
        other => return Err(internal(other)),
    };
    tracing::warn!(reason = %error, "provider flow failed");

    let layout = layout(
        context,
        "/account/sign-in",
        "account_provider_error_title",
        true,
    );
    // The failures only a staff sign-in has lead back to the staff portal's sign-in.
    let (back, label) = match error {
        IdentityError::SecondFactorMissing | IdentityError::NoStaffAccount => (
            "/staff/sign-in".to_owned(),
            "account_provider_error_back_staff",
        ),
        _ => (context.url("/account"), "account_provider_error_back"),
    };
    // A client with too many flows open is told how long to wait, as a throttled sign-in is.
    let text = match error {
        IdentityError::Throttled { .. } => super::explain(context, error)?.1,
        _ => context.t(key),
    };
    let view = view! {
        text => text,
        action_url => back,
        action_label => context.t(label),
    };
    let mut response = render(context, "account/message.html", &layout, view, status)?;
    super::add_retry_after(&mut response, error);
    Ok(response)
}

/// The query string of the step-up page.
#[derive(Debug, Default, Deserialize)]
pub struct StepUpParams {
    level: Option<String>,
    next: Option<String>,
}

/// `GET /{lang}/account/step-up?level=…&next=…`: explains the level needed and offers the
/// providers that can confirm it.
pub async fn step_up_page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<StepUpParams>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let level = params
        .level
        .as_deref()
        .and_then(TrustLevel::parse)
        .unwrap_or(TrustLevel::High);
    let next = safe_next(params.next.as_deref(), &context);
    if citizen.session.level() >= level {
        return Ok(see_other(&next));
    }
    let view = view! {
        token => citizen.form_token(&state),
        level => level.as_str(),
        needed => context.t(&format!("account_trust_{}", level.as_str())),
        current => context.t(&format!("account_trust_{}", citizen.session.level().as_str())),
        next => next,
        providers => providers_for(&state, level),
    };
    let layout = layout(&context, "/account/step-up", "account_step_up_title", false);
    render(
        &context,
        "account/step_up.html",
        &layout,
        view,
        StatusCode::OK,
    )
}

/// `GET /{lang}/account/apply/{service}`: the way to a service's online application. It
/// needs a signed-in citizen at the service's trust level (asking for a step-up below it),
/// then forwards to the online service.
pub async fn apply_online(
    State(state): State<AppState>,
    Path((lang, key)): Path<(String, String)>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    use rathaus_content::model::TrustLevel as ServiceLevel;

    let context = PageContext::new(&state, &lang)?;
    let service = context.catalog.service(&key).ok_or(WebError::NotFound)?;
    let Some(online) = service.online_application.clone() else {
        return Err(WebError::NotFound);
    };
    let needed = match service.min_trust_level {
        ServiceLevel::Low => TrustLevel::Low,
        ServiceLevel::Substantial => TrustLevel::Substantial,
        ServiceLevel::High => TrustLevel::High,
    };
    let back = context.url(&format!("/account/apply/{key}"));
    if let Some(step_up) = require_trust_level(&context, &citizen, needed, &back) {
        return Ok(step_up);
    }

    Ok(see_other(&online))
}

/// Lets a handler demand a minimum trust level: `None` when the session has it, otherwise
/// the response that sends the person to the step-up page, coming back to `back` (an
/// address inside the portal) afterwards. A handler returns that response at once.
pub fn require_trust_level(
    context: &PageContext,
    citizen: &Citizen,
    level: TrustLevel,
    back: &str,
) -> Option<Response> {
    if citizen.session.level() >= level {
        return None;
    }
    Some(see_other(&format!(
        "{}?level={}&next={}",
        context.url("/account/step-up"),
        level.as_str(),
        urlencoding(back)
    )))
}
