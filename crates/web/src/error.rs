//! Errors of the web layer and how each is shown.
//!
//! A handler returns [`WebError`]; the person sees a helpful page (or, under `/api`, an
//! RFC 9457 problem document) and the log gets the cause, once, from the request logger,
//! which finds it in the response's extensions. Conversions here never log.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rathaus_content::ContentError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Nothing lives at this address.
    #[error("not found")]
    NotFound,
    /// The request is malformed; the text says what to change, in the interface language.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A form was sent from another site or with an expired or forged token.
    #[error("form token or origin rejected")]
    Forbidden,
    /// Too many requests from one client; try again after the given seconds.
    #[error("too many requests")]
    TooManyRequests(u64),
    /// Something on our side broke; the cause goes to the log, not to the person.
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<ContentError> for WebError {
    fn from(error: ContentError) -> Self {
        WebError::Internal(error.to_string())
    }
}

impl From<minijinja::Error> for WebError {
    fn from(error: minijinja::Error) -> Self {
        WebError::Internal(format!("template: {error:#}"))
    }
}

/// Marks a response as an error so that the error page middleware renders it.
#[derive(Debug, Clone)]
pub struct ErrorMarker(pub Arc<WebError>);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let WebError::TooManyRequests(seconds) = self
            && let Ok(value) = seconds.to_string().parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
            .extensions_mut()
            .insert(ErrorMarker(Arc::new(self)));
        response
    }
}
