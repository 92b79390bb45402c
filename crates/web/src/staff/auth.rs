//! Signing in to the staff portal: password, then the authenticator code (or setting the
//! authenticator up on the first sign-in), and accepting an invitation.
//!
//! Wrong passwords and unknown addresses get the same answer, so that the form does not tell
//! who has an account. The identity platform throttles repeated failures per account and
//! per client; a throttled or overloaded sign-in is answered with its waiting time.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use rathaus_identity::{IdentityError, SignInStep};
use serde::{Deserialize, Serialize};

use super::{
    StaffLayout, check_origin, clear_cookie, client_key, cookie_name, render, safe_next, see_other,
    session_cookie, token_from,
};
use crate::error::WebError;
use crate::state::AppState;

/// The form name of the anonymous sign-in forms.
const SIGN_IN_FORM: &str = "staff-sign-in";

/// The query string of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct SignInParams {
    /// Where to go after signing in.
    pub next: Option<String>,
    /// Set after an invitation was accepted.
    pub welcome: Option<String>,
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
struct SignInView<'a> {
    email: &'a str,
    next: &'a str,
    error: Option<String>,
    welcome: bool,
    /// The city's providers for staff, by id and name.
    providers: Vec<(String, String)>,
}

/// The identity providers configured for staff, by id and name.
fn staff_providers(state: &AppState) -> Vec<(String, String)> {
    state
        .identity()
        .providers()
        .iter()
        .filter(|provider| provider.staff)
        .map(|provider| (provider.id.clone(), provider.display_name.clone()))
        .collect()
}

/// What the form that starts a sign-in through the staff provider sends.
#[derive(Debug, Default, Deserialize)]
pub struct ProviderForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    token: String,
}

/// `POST /staff/provider/{id}/sign-in`: signs in through the city's provider for staff,
/// which checks the second factor itself.
pub async fn sign_in_with_provider(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    client: super::ClientKey,
    Form(form): Form<ProviderForm>,
) -> Result<Response, WebError> {
    check_anonymous_form(&state, &headers, &form.token)?;
    let context = crate::page::PageContext::new(&state, "de")?;
    let next = safe_next(Some(&form.next));
    crate::account::providers::start_flow(
        &context,
        &provider,
        rathaus_identity::FlowPurpose::StaffSignIn,
        None,
        rathaus_identity::TrustLevel::Low,
        &next,
        &client,
    )
    .await
}

/// `GET /staff/sign-in`.
pub async fn sign_in_form(
    State(state): State<AppState>,
    Query(params): Query<SignInParams>,
) -> Result<Response, WebError> {
    let layout = StaffLayout::public(&state, "Anmelden".to_owned(), SIGN_IN_FORM);
    let next = safe_next(params.next.as_deref());
    let view = SignInView {
        email: "",
        next: &next,
        error: None,
        welcome: params.welcome.is_some(),
        providers: staff_providers(&state),
    };
    render(&state, "staff/sign_in.html", &layout, view)
}

/// `POST /staff/sign-in`: checks the password and moves on to the second step.
pub async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    check_anonymous_form(&state, &parts.headers, &form.token)?;
    let client = client_key(&parts, &state.config().server.trusted_proxies);
    let next = safe_next(Some(&form.next));

    let outcome = state
        .identity()
        .sign_in_with_password(form.email.trim(), &form.password, &client, state.now())
        .await;
    let step = match outcome {
        Ok(step) => step,
        Err(error) => {
            let (status, message) = failure(&error)?;
            let layout = StaffLayout::public(&state, "Anmelden: Fehler".to_owned(), SIGN_IN_FORM);
            let view = SignInView {
                email: form.email.trim(),
                next: &next,
                error: Some(message),
                welcome: false,
                providers: staff_providers(&state),
            };
            let mut response = render(&state, "staff/sign_in.html", &layout, view)?;
            *response.status_mut() = status;
            add_retry_after(&mut response, &error);
            return Ok(response);
        }
    };

    let target = match &step {
        SignInStep::SecondFactorRequired { .. } => "/staff/sign-in/code",
        SignInStep::EnrolmentRequired { .. } => "/staff/sign-in/enrol",
    };
    let mut response = see_other(&format!("{target}?next={}", super::urlencoding(&next)));
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, step.pending()));
    Ok(response)
}

/// The status and message for a sign-in step that failed, or the error itself when it is
/// not the person's to fix.
fn failure(error: &IdentityError) -> Result<(StatusCode, String), WebError> {
    Ok(match error {
        IdentityError::InvalidCredentials => (
            StatusCode::UNAUTHORIZED,
            "E-Mail-Adresse oder Passwort stimmen nicht.".to_owned(),
        ),
        IdentityError::InvalidCode => (
            StatusCode::UNAUTHORIZED,
            "Der Code stimmt nicht. Bitte den Code eingeben, den die App jetzt zeigt, oder \
             einen Wiederherstellungscode."
                .to_owned(),
        ),
        IdentityError::CodeAlreadyUsed => (
            StatusCode::UNAUTHORIZED,
            "Dieser Code wurde schon verwendet. Bitte auf den nächsten Code der App warten."
                .to_owned(),
        ),
        IdentityError::Throttled { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Zu viele Fehlversuche. Bitte in {} erneut versuchen.",
                wait_text(retry_after.as_secs())
            ),
        ),
        IdentityError::Busy { retry_after } => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "Gerade melden sich sehr viele an. Bitte in {} erneut versuchen.",
                wait_text(retry_after.as_secs())
            ),
        ),
        IdentityError::PendingSignInInvalid => (
            StatusCode::UNAUTHORIZED,
            "Die Anmeldung hat zu lange gedauert. Bitte von vorn beginnen.".to_owned(),
        ),
        other => return Err(WebError::Internal(other.to_string())),
    })
}

fn add_retry_after(response: &mut Response, error: &IdentityError) {
    let seconds = match error {
        IdentityError::Throttled { retry_after } | IdentityError::Busy { retry_after } => {
            retry_after.as_secs().max(1)
        }
        _ => return,
    };
    if let Ok(value) = seconds.to_string().parse() {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

fn wait_text(seconds: u64) -> String {
    match seconds {
        0..=1 => "einer Sekunde".to_owned(),
        2..=90 => format!("{seconds} Sekunden"),
        _ => format!("{} Minuten", seconds.div_ceil(60)),
    }
}

fn check_anonymous_form(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
) -> Result<(), WebError> {
    check_origin(state, headers)?;
    if state
        .form_tokens()
        .verify(SIGN_IN_FORM, token, state.now().timestamp())
    {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

/// What the code forms send.
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
struct CodeView<'a> {
    next: &'a str,
    error: Option<String>,
}

/// `GET /staff/sign-in/code`: asks for the authenticator code.
pub async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<SignInParams>,
) -> Result<Response, WebError> {
    if token_from(&headers, cookie_name(&state)).is_none() {
        return Ok(see_other("/staff/sign-in"));
    }
    let layout = StaffLayout::public(&state, "Code eingeben".to_owned(), SIGN_IN_FORM);
    let next = safe_next(params.next.as_deref());
    render(
        &state,
        "staff/sign_in_code.html",
        &layout,
        CodeView {
            next: &next,
            error: None,
        },
    )
}

/// `POST /staff/sign-in/code`: checks the code and starts the full session.
pub async fn check_code(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    check_anonymous_form(&state, &parts.headers, &form.token)?;
    let Some(pending) = token_from(&parts.headers, cookie_name(&state)) else {
        return Ok(see_other("/staff/sign-in"));
    };
    let client = client_key(&parts, &state.config().server.trusted_proxies);
    let next = safe_next(Some(&form.next));

    match state
        .identity()
        .verify_second_factor(&pending, form.code.trim(), &client, state.now())
        .await
    {
        Ok(session) => {
            let mut response = see_other(&next);
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&state, &session));
            Ok(response)
        }
        Err(error) => {
            let (status, message) = failure(&error)?;
            let layout =
                StaffLayout::public(&state, "Code eingeben: Fehler".to_owned(), SIGN_IN_FORM);
            let mut response = render(
                &state,
                "staff/sign_in_code.html",
                &layout,
                CodeView {
                    next: &next,
                    error: Some(message),
                },
            )?;
            *response.status_mut() = status;
            add_retry_after(&mut response, &error);
            Ok(response)
        }
    }
}

#[derive(Serialize)]
struct EnrolView<'a> {
    next: &'a str,
    secret: String,
    uri: String,
    qr_svg: String,
    error: Option<String>,
}

/// `GET /staff/sign-in/enrol`: shows a new authenticator secret as a QR code and as text.
pub async fn enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<SignInParams>,
) -> Result<Response, WebError> {
    let Some(pending) = token_from(&headers, cookie_name(&state)) else {
        return Ok(see_other("/staff/sign-in"));
    };
    let next = safe_next(params.next.as_deref());
    enrol_page(&state, &pending, &next, None).await
}

async fn enrol_page(
    state: &AppState,
    pending: &rathaus_identity::SessionToken,
    next: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let enrolment = match state
        .identity()
        .begin_totp_enrolment(pending, state.now())
        .await
    {
        Ok(enrolment) => enrolment,
        Err(IdentityError::PendingSignInInvalid) => return Ok(see_other("/staff/sign-in")),
        Err(error) => return Err(WebError::Internal(error.to_string())),
    };
    let qr_svg = qr_code_svg(&enrolment.otpauth_uri);
    let layout = StaffLayout::public(state, "Anmelde-App einrichten".to_owned(), SIGN_IN_FORM);
    let failed = error.is_some();
    let mut response = render(
        state,
        "staff/enrol.html",
        &layout,
        EnrolView {
            next,
            secret: group_in_fours(&enrolment.secret_base32),
            uri: enrolment.otpauth_uri,
            qr_svg,
            error,
        },
    )?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The secret in groups of four characters, easier to type.
pub(crate) fn group_in_fours(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A QR code as an inline SVG image; empty if the text does not fit in one.
pub(crate) fn qr_code_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    code.render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build()
}

#[derive(Serialize)]
struct RecoveryView<'a> {
    next: &'a str,
    codes: &'a [String],
}

/// `POST /staff/sign-in/enrol`: confirms the authenticator with a first code, shows the
/// recovery codes once and starts the full session.
pub async fn confirm_enrolment(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    check_anonymous_form(&state, &parts.headers, &form.token)?;
    let Some(pending) = token_from(&parts.headers, cookie_name(&state)) else {
        return Ok(see_other("/staff/sign-in"));
    };
    let next = safe_next(Some(&form.next));

    match state
        .identity()
        .confirm_totp_enrolment(&pending, form.code.trim(), state.now())
        .await
    {
        Ok((session, codes)) => {
            let layout =
                StaffLayout::public(&state, "Wiederherstellungscodes".to_owned(), SIGN_IN_FORM);
            let mut response = render(
                &state,
                "staff/recovery_codes.html",
                &layout,
                RecoveryView {
                    next: &next,
                    codes: codes.codes(),
                },
            )?;
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&state, &session));
            Ok(response)
        }
        Err(IdentityError::InvalidCode) => {
            enrol_page(
                &state,
                &pending,
                &next,
                Some(
                    "Der Code passt nicht. Die App zeigt jetzt ein neues Geheimnis: bitte den \
                     Eintrag in der App ersetzen und den neuen Code eingeben."
                        .to_owned(),
                ),
            )
            .await
        }
        Err(IdentityError::PendingSignInInvalid) => Ok(see_other("/staff/sign-in")),
        Err(error) => Err(WebError::Internal(error.to_string())),
    }
}

/// What a sign-out form sends.
#[derive(Debug, Default, Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    token: String,
}

/// `POST /staff/sign-out`: ends the session on the server, not just in the browser.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    staff: Option<super::SignedIn>,
    Form(form): Form<TokenOnly>,
) -> Result<Response, WebError> {
    if let Some(staff) = &staff {
        staff.check_form(&state, &headers, &form.token)?;
    }
    if let Some(token) = token_from(&headers, cookie_name(&state)) {
        state
            .identity()
            .end_session(&token)
            .await
            .map_err(|error| WebError::Internal(error.to_string()))?;
    }
    let mut response = see_other("/staff/sign-in");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(&state));
    Ok(response)
}

#[derive(Serialize)]
struct InvitationView {
    email: String,
    display_name: String,
    roles: Vec<String>,
    errors: BTreeMap<&'static str, String>,
}

/// `GET /staff/invitation/{token}`: the page where an invited person chooses a password.
pub async fn invitation_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    invitation_page(&state, &token, BTreeMap::new()).await
}

async fn invitation_page(
    state: &AppState,
    token: &str,
    errors: BTreeMap<&'static str, String>,
) -> Result<Response, WebError> {
    let info = match state.identity().invitation(token, state.now()).await {
        Ok(info) => info,
        Err(IdentityError::InvitationInvalid) => {
            let layout = StaffLayout::public(state, "Einladung ungültig".to_owned(), SIGN_IN_FORM);
            let mut response = render(state, "staff/invitation_invalid.html", &layout, ())?;
            *response.status_mut() = StatusCode::NOT_FOUND;
            return Ok(response);
        }
        Err(error) => return Err(WebError::Internal(error.to_string())),
    };
    let failed = !errors.is_empty();
    let title = if failed {
        "Konto anlegen: Fehler"
    } else {
        "Konto anlegen"
    };
    let layout = StaffLayout::public(state, title.to_owned(), SIGN_IN_FORM);
    let view = InvitationView {
        email: info.email,
        display_name: info.display_name,
        roles: grant_labels(state, &info.grants),
        errors,
    };
    let mut response = render(state, "staff/invitation.html", &layout, view)?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// What the invitation form sends.
#[derive(Debug, Default, Deserialize)]
pub struct InvitationForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    token: String,
}

/// `POST /staff/invitation/{token}`: creates the account.
pub async fn accept_invitation(
    State(state): State<AppState>,
    Path(invitation): Path<String>,
    headers: HeaderMap,
    Form(form): Form<InvitationForm>,
) -> Result<Response, WebError> {
    check_anonymous_form(&state, &headers, &form.token)?;
    if form.password != form.password_again {
        let errors = BTreeMap::from([(
            "password_again",
            "Die beiden Passwörter sind nicht gleich.".to_owned(),
        )]);
        return invitation_page(&state, &invitation, errors).await;
    }

    match state
        .identity()
        .accept_invitation(&invitation, &form.password, state.now())
        .await
    {
        Ok(_) => Ok(see_other("/staff/sign-in?welcome=1")),
        Err(IdentityError::WeakPassword(reason)) => {
            let errors = BTreeMap::from([("password", password_rule(&reason))]);
            invitation_page(&state, &invitation, errors).await
        }
        Err(IdentityError::InvitationInvalid) => {
            invitation_page(&state, &invitation, BTreeMap::new()).await
        }
        Err(error) => {
            let (status, message) = failure(&error)?;
            let mut response =
                invitation_page(&state, &invitation, BTreeMap::from([("password", message)]))
                    .await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

/// The password rule that was broken, in the staff portal's language.
fn password_rule(reason: &rathaus_identity::PasswordRule) -> String {
    use rathaus_identity::PasswordRule;
    match reason {
        PasswordRule::TooShort { min } => {
            format!("Das Passwort ist zu kurz: bitte mindestens {min} Zeichen.")
        }
        PasswordRule::TooLong { max } => {
            format!("Das Passwort ist zu lang: bitte höchstens {max} Zeichen.")
        }
        PasswordRule::SameAsEmail => "Das Passwort darf nicht die E-Mail-Adresse sein.".to_owned(),
        PasswordRule::Common => "Dieses Passwort gehört zu den häufigsten und wird bei Angriffen \
                                 zuerst probiert. Bitte wählen Sie ein anderes, etwa einen Satz \
                                 aus mehreren Wörtern."
            .to_owned(),
    }
}

/// The German name of a role.
pub fn role_label(role: rathaus_identity::Role) -> &'static str {
    use rathaus_identity::Role;
    match role {
        Role::Editor => "Redaktion",
        Role::Publisher => "Freigabe",
        Role::Caseworker => "Sachbearbeitung",
        Role::OfficeLead => "Amtsleitung",
        Role::ProcessDesigner => "Prozessgestaltung",
        Role::Admin => "Verwaltung",
    }
}

/// The name of an office by its key, as the published content has it; the key itself for an
/// office that is not (or no longer) published.
pub fn office_name(state: &AppState, key: &str) -> String {
    state
        .catalog()
        .offices()
        .find(|office| office.key == key)
        .map_or_else(|| key.to_owned(), |office| office.de.name.clone())
}

/// Every role of `grants` by its German name, those per office with the office's name.
pub fn grant_labels(state: &AppState, grants: &rathaus_identity::Grants) -> Vec<String> {
    let everywhere = grants.roles.iter().map(|role| role_label(*role).to_owned());
    let in_offices = grants.office_roles.iter().map(|grant| {
        format!(
            "{} in {}",
            role_label(grant.role),
            office_name(state, &grant.office)
        )
    });
    everywhere.chain(in_offices).collect()
}
