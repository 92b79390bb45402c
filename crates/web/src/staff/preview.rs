//! Previews of revisions that are not published: in the staff portal on a phone-sized and a
//! desktop-sized frame, and through a secret link that works without signing in until it
//! expires.
//!
//! A preview is rendered by the portal's own page functions from a catalog in which the
//! revision replaces the published item, so it looks exactly as the portal will show it.
//! Preview pages are never cached, carry `noindex`, and may be framed only by this site.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use rathaus_content::Catalog;
use rathaus_content::model::{Item, Kind, Variant};
use rathaus_content::workflow::title_of;
use rathaus_identity::Role;
use serde::{Deserialize, Serialize};

use super::content::{kind_label, variant_label};
use super::{SignedIn, StaffLayout, render, see_other};
use crate::error::WebError;
use crate::page::PageContext;
use crate::routes::portal;
use crate::state::AppState;

/// How long a preview link works.
pub const PREVIEW_LINK_DAYS: i64 = 7;

/// Marks a response that this site may show in a frame; the security headers then allow
/// framing by the same origin instead of refusing all framing.
pub const FRAMEABLE: &str = "sameorigin";

#[derive(Serialize)]
struct FrameView {
    title: String,
    kind_label: &'static str,
    number: Option<i64>,
    item_url: Option<String>,
    variants: Vec<VariantFrame>,
    framed: bool,
    link_action: Option<String>,
}

#[derive(Serialize)]
struct VariantFrame {
    code: &'static str,
    label: &'static str,
    url: String,
}

fn variant_frames(base: &str, item: &Item) -> Vec<VariantFrame> {
    Variant::ALL
        .into_iter()
        .filter(|variant| title_of(item, *variant).is_some())
        .map(|variant| VariantFrame {
            code: variant.code(),
            label: variant_label(variant),
            url: format!("{base}/{}", variant.code()),
        })
        .collect()
}

/// `GET /staff/content/{kind}/{key}/revisions/{number}/preview`: the revision on a phone and
/// a desktop frame, in each variant it has.
pub async fn frames(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key, number)): Path<(String, String, i64)>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = Kind::parse(&kind).ok_or(WebError::NotFound)?;
    let (_, item) = state
        .store()
        .revision(kind, &key, number)
        .await?
        .ok_or(WebError::NotFound)?;

    let title = title_of(&item, Variant::German).unwrap_or(&key).to_owned();
    let base = format!("/staff/content/{kind}/{key}/revisions/{number}/render");
    let layout = StaffLayout::signed_in(
        &state,
        &staff,
        format!("Vorschau: {title}, Version {number}"),
        "content",
    );
    let view = FrameView {
        title,
        kind_label: kind_label(kind).0,
        number: Some(number),
        item_url: Some(format!("/staff/content/{kind}/{key}")),
        variants: variant_frames(&base, &item),
        framed: kind != Kind::District,
        link_action: Some(format!(
            "/staff/content/{kind}/{key}/revisions/{number}/preview-link"
        )),
    };
    render(&state, "staff/preview.html", &layout, view)
}

/// `GET /staff/content/{kind}/{key}/revisions/{number}/render/{lang}`: the revision as the
/// portal page, for the preview frames.
pub async fn render_revision(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key, number, lang)): Path<(String, String, i64, String)>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = Kind::parse(&kind).ok_or(WebError::NotFound)?;
    let variant = Variant::from_code(&lang).ok_or(WebError::NotFound)?;
    let (_, item) = state
        .store()
        .revision(kind, &key, number)
        .await?
        .ok_or(WebError::NotFound)?;
    portal_page(&state, item, variant).await
}

/// Renders `item` as the portal would if it were published.
async fn portal_page(state: &AppState, item: Item, variant: Variant) -> Result<Response, WebError> {
    let (version, mut items) = state.store().published().await?;
    items.retain(|other| !(other.kind() == item.kind() && other.key() == item.key()));
    items.push(item.clone());
    let catalog = Arc::new(Catalog::build(version, items));
    let context = PageContext::with_catalog(state, variant, catalog, preview_time(state, &item));

    let mut response = match &item {
        Item::Service(service) => portal::service_page(&context, &service.key)?,
        Item::Office(office) => portal::office_page(&context, &office.key)?,
        Item::LifeSituation(situation) => portal::life_situation_page(&context, &situation.key)?,
        Item::News(news) => portal::news_item_page(&context, &news.key)?,
        Item::Page(page) => {
            portal::render_page(&context, page, portal::FeedbackForm::default(), false)?
        }
        Item::District(_) => return Err(WebError::NotFound),
    };
    private_preview(&mut response);
    Ok(response)
}

/// The time a preview is shown at: now, or for news not yet (or no longer) current, the
/// moment it appears.
fn preview_time(state: &AppState, item: &Item) -> DateTime<Utc> {
    let now = state.now();
    match item {
        Item::News(news) if !news.is_current(now) => news.published_at,
        _ => now,
    }
}

fn private_preview(response: &mut Response) {
    let headers = response.headers_mut();
    headers.remove(header::ETAG);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(FRAMEABLE));
}

/// What the preview-link form sends.
#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    token: String,
}

/// `POST /staff/content/{kind}/{key}/revisions/{number}/preview-link`: makes a link that
/// shows this revision to anyone who has it, for [`PREVIEW_LINK_DAYS`] days.
pub async fn create_link(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key, number)): Path<(String, String, i64)>,
    headers: HeaderMap,
    Form(form): Form<LinkForm>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    staff.check_form(&state, &headers, &form.token)?;
    let kind = Kind::parse(&kind).ok_or(WebError::NotFound)?;
    let secret = state
        .store()
        .create_preview_link(
            kind,
            &key,
            number,
            staff.name(),
            Duration::days(PREVIEW_LINK_DAYS),
            state.now(),
        )
        .await
        .map_err(|error| match error {
            rathaus_content::WorkflowError::NotFound => WebError::NotFound,
            other => WebError::Internal(other.to_string()),
        })?;
    Ok(see_other(&format!(
        "/staff/content/{kind}/{key}?link={secret}"
    )))
}

/// `GET /preview/{secret}`: the frames of a shared preview, for people without an account.
pub async fn by_link(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Result<Response, WebError> {
    let item = linked_item(&state, &secret).await?;
    let title = title_of(&item, Variant::German)
        .unwrap_or(item.key())
        .to_owned();
    let mut layout = StaffLayout::public(&state, format!("Vorschau: {title}"), "preview");
    layout.section = "preview";
    let view = FrameView {
        kind_label: kind_label(item.kind()).0,
        variants: variant_frames(&format!("/preview/{secret}"), &item),
        framed: item.kind() != Kind::District,
        title,
        number: None,
        item_url: None,
        link_action: None,
    };
    let mut response = render(&state, "staff/preview.html", &layout, view)?;
    response.headers_mut().insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    Ok(response)
}

/// `GET /preview/{secret}/{lang}`: the shared revision as the portal page.
pub async fn by_link_in(
    State(state): State<AppState>,
    Path((secret, lang)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let variant = Variant::from_code(&lang).ok_or(WebError::NotFound)?;
    let item = linked_item(&state, &secret).await?;
    portal_page(&state, item, variant).await
}

/// The item a preview link shows; 404 for an unknown or expired link, so that a guess
/// learns nothing.
async fn linked_item(state: &AppState, secret: &str) -> Result<Item, WebError> {
    if secret.len() > 100 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    state
        .store()
        .preview(secret, state.now())
        .await?
        .ok_or(WebError::NotFound)
}
