//! The feedback form of the accessibility statement: people report barriers here, as the
//! EU web accessibility directive requires. A report is stored before the person is told
//! it arrived.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rathaus_content::model::PageRole;
use rathaus_content::store::NewFeedback;
use rathaus_identity::IdentityError;

use crate::csrf;
use crate::error::WebError;
use crate::page::PageContext;
use crate::routes::portal::{FeedbackForm, render_page};
use crate::staff::client_key;
use crate::state::AppState;

const MAX_MESSAGE: usize = 5_000;
const MAX_SHORT: usize = 200;

/// `POST /{lang}/accessibility-feedback`: stores a report, or shows the form again with the
/// fields that need attention.
pub async fn submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    parts: Parts,
    Form(mut form): Form<FeedbackForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let statement = context
        .catalog
        .page_with_role(PageRole::AccessibilityStatement)
        .ok_or(WebError::NotFound)?;

    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let public_url = state.config().server.public_url.as_str();
    if csrf::is_cross_site(header("origin"), header("sec-fetch-site"), &[public_url])
        || !state.form_tokens().verify(
            "accessibility-feedback",
            &form.token,
            context.now.timestamp(),
        )
    {
        return Err(WebError::Forbidden);
    }

    form.errors = check(&context, &form);
    if !form.errors.is_empty() {
        return render_page(&context, statement, form, false);
    }
    // A bot filled the field people cannot see: pretend success, store nothing.
    if form.website.is_empty() {
        let client = client_key(&parts, &state.config().server.trusted_proxies);
        let counted = state
            .identity()
            .count_public_message("accessibility-feedback", &client, context.now)
            .await;
        if let Err(IdentityError::Throttled { retry_after }) = counted {
            return too_many_messages(&context, statement, form, retry_after);
        }
        counted.map_err(|error| WebError::Internal(error.to_string()))?;

        let feedback = NewFeedback {
            page: form.page.trim().to_owned(),
            message: form.message.trim().to_owned(),
            contact_name: Some(form.name.trim().to_owned()).filter(|name| !name.is_empty()),
            contact_email: Some(form.email.trim().to_owned()).filter(|email| !email.is_empty()),
        };
        state.store().save_feedback(&feedback, context.now).await?;
        metrics::counter!("rathaus_accessibility_feedback_total").increment(1);
    }

    let thanks = format!(
        "{}?sent=1#feedback",
        context.item_url(rathaus_content::model::Kind::Page, &statement.key)
    );
    Ok(Redirect::to(&thanks).into_response())
}

/// The form again, with the person's text, when their connection sent too many messages
/// lately: 429 with `Retry-After`, and the wait in words at the message field.
fn too_many_messages(
    context: &PageContext,
    statement: &rathaus_content::model::Page,
    mut form: FeedbackForm,
    retry_after: std::time::Duration,
) -> Result<Response, WebError> {
    let seconds = retry_after.as_secs().max(1);
    let minutes = seconds.div_ceil(60);
    let message = if minutes == 1 {
        context.t("feedback_error_too_many_one")
    } else {
        context.texts.format(
            "feedback_error_too_many",
            &[("minutes", &minutes.to_string())],
        )
    };
    form.errors = vec![("message".to_owned(), message)];

    let mut response = render_page(context, statement, form, false)?;
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Ok(response)
}

/// The problems of a filled-in form, as (field, message) pairs.
fn check(context: &PageContext, form: &FeedbackForm) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let message = form.message.trim();
    if message.is_empty() {
        errors.push((
            "message".to_owned(),
            context.t("feedback_error_message_missing"),
        ));
    } else if message.chars().count() > MAX_MESSAGE {
        errors.push((
            "message".to_owned(),
            context.t("feedback_error_message_long"),
        ));
    }
    if form.page.chars().count() > MAX_SHORT {
        errors.push(("page".to_owned(), context.t("feedback_error_too_long")));
    }
    if form.name.chars().count() > MAX_SHORT {
        errors.push(("name".to_owned(), context.t("feedback_error_too_long")));
    }
    let email = form.email.trim();
    if !email.is_empty() && !is_plausible_email(email) {
        errors.push(("email".to_owned(), context.t("feedback_error_email")));
    }
    errors
}

/// A light check that catches typos without refusing unusual but valid addresses.
fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::is_plausible_email;

    #[test]
    fn email_check_catches_typos_only() {
        assert!(is_plausible_email("a.b@musterstadt.example"));
        assert!(is_plausible_email("x+tag@sub.domain.de"));
        assert!(!is_plausible_email("ab.musterstadt.example"));
        assert!(!is_plausible_email("a@b"));
        assert!(!is_plausible_email("a b@c.de"));
    }
}
