//! The JSON API under `/api/v1`, for apps and other city systems.
//!
//! It serves the same records as the portal, whole: every variant of every text, amounts as
//! decimal strings, Markdown as written. What the API adds are computed facts (whether an
//! office is open now, distances, search ranking). The OpenAPI document at
//! `/api/v1/openapi.json` is generated from the types and handlers below. Errors are RFC
//! 9457 problem documents.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use rathaus_content::hours::{self, OpenStatus};
use rathaus_content::media::{MediaDetails, MediaKind};
use rathaus_content::model::{
    Kind, LifeSituation, Localized, News, Office, Page, Service, Variant,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::state::AppState;

/// The OpenAPI description of this API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rathaus API",
        version = "1",
        description = "Services, offices, life situations and news of the city, in German, English and Leichte Sprache."
    ),
    paths(
        services,
        service,
        offices,
        office,
        life_situations,
        life_situation,
        news,
        page,
        media,
        search,
        suggest
    ),
    components(schemas(
        Service,
        Office,
        LifeSituation,
        News,
        Page,
        OfficeEntry,
        OfficeState,
        SearchHit,
        MediaView,
        RenditionView,
        Problem
    ))
)]
pub struct ApiDoc;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What exactly was wrong with this request.
    pub detail: String,
}

/// An error answer of the API.
pub struct ApiError {
    status: StatusCode,
    detail: String,
}

impl ApiError {
    fn not_found(what: &str, key: &str) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            detail: format!("there is no {what} `{key}`"),
        }
    }

    fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            detail: detail.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem(self.status, self.detail)
    }
}

/// A problem document response.
pub fn problem(status: StatusCode, detail: String) -> Response {
    let body = Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// Whether an office is open, as of the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeState {
    /// Open now.
    pub open_now: bool,
    /// When it closes (local time), if open.
    pub closes_at: Option<NaiveDateTime>,
    /// When it opens next (local time), if closed and known within two weeks.
    pub opens_at: Option<NaiveDateTime>,
}

/// An office with its current state and, when a position was given, its distance.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeEntry {
    /// The office record.
    pub office: Office,
    /// Open or closed now.
    pub state: OfficeState,
    /// Distance in metres from the given position.
    pub distance_metres: Option<f64>,
}

/// A search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// `service`, `office`, `life-situation` or `news`.
    pub kind: String,
    /// The item's key.
    pub key: String,
    /// Its name in the requested variant (German where missing).
    pub title: String,
    /// The address of its page in the portal.
    pub url: String,
    /// Relevance; higher is better.
    pub score: f32,
}

/// Query parameters of the office list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct OfficeQuery {
    /// Only offices responsible for this service.
    pub service: Option<String>,
    /// Latitude to sort by distance from.
    pub lat: Option<String>,
    /// Longitude to sort by distance from.
    pub lon: Option<String>,
    /// Only offices in the district of this postcode, sorted by distance from its centre.
    pub postcode: Option<String>,
}

/// Query parameters of search and suggestions.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// What was typed.
    #[serde(default)]
    pub q: String,
    /// `de` (default), `en` or `ls`.
    pub lang: Option<String>,
    /// Only this kind: `service`, `office`, `life-situation` or `news`.
    pub kind: Option<String>,
    /// At most this many results (1–50, default 10).
    pub limit: Option<usize>,
}

fn office_state(state: &AppState, office: &Office) -> OfficeState {
    let now = state.now().with_timezone(&state.time_zone());
    match hours::status_at(office, state.state(), now) {
        OpenStatus::Open { closes_at } => OfficeState {
            open_now: true,
            closes_at: Some(closes_at),
            opens_at: None,
        },
        OpenStatus::Closed { opens_at, .. } => OfficeState {
            open_now: false,
            closes_at: None,
            opens_at,
        },
    }
}

/// All services.
#[utoipa::path(get, path = "/api/v1/services", responses((status = 200, body = [Service])))]
pub async fn services(State(state): State<AppState>) -> Json<Vec<Service>> {
    Json(state.catalog().services().cloned().collect())
}

/// One service.
#[utoipa::path(get, path = "/api/v1/services/{key}", params(("key" = String, Path)),
    responses((status = 200, body = Service), (status = 404, body = Problem)))]
pub async fn service(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<Service>, ApiError> {
    let catalog = state.catalog();
    catalog
        .service(&key)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("service", &key))
}

/// Offices, optionally only those for one service, sorted by distance when a position or
/// postcode is given.
#[utoipa::path(get, path = "/api/v1/offices", params(OfficeQuery),
    responses((status = 200, body = [OfficeEntry]), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn offices(
    State(state): State<AppState>,
    Query(query): Query<OfficeQuery>,
) -> Result<Json<Vec<OfficeEntry>>, ApiError> {
    let catalog = state.catalog();
    let service = match query.service.as_deref() {
        Some(key) => Some(
            catalog
                .service(key)
                .ok_or_else(|| ApiError::not_found("service", key))?,
        ),
        None => None,
    };
    let origin = match (&query.lat, &query.lon, &query.postcode) {
        (Some(lat), Some(lon), _) => Some(
            rathaus_content::location::parse_position(lat, lon).ok_or_else(|| {
                ApiError::bad_request("lat and lon must be decimal degrees in range")
            })?,
        ),
        (None, None, Some(postcode)) => Some(
            catalog
                .district_for_postcode(postcode)
                .map(|district| district.centre)
                .ok_or_else(|| ApiError::not_found("district with the postcode", postcode))?,
        ),
        (None, None, None) => None,
        _ => return Err(ApiError::bad_request("give both lat and lon, or neither")),
    };

    let entries = match origin {
        Some(position) => catalog
            .nearest_offices(position, service, usize::MAX)
            .into_iter()
            .map(|(office, distance)| (office, Some(distance)))
            .collect::<Vec<_>>(),
        None => match service {
            Some(service) => catalog.offices_for_service(service),
            None => catalog.offices().collect(),
        }
        .into_iter()
        .map(|office| (office, None))
        .collect(),
    };
    Ok(Json(
        entries
            .into_iter()
            .map(|(office, distance_metres)| OfficeEntry {
                state: office_state(&state, office),
                office: office.clone(),
                distance_metres,
            })
            .collect(),
    ))
}

/// One office with whether it is open now.
#[utoipa::path(get, path = "/api/v1/offices/{key}", params(("key" = String, Path)),
    responses((status = 200, body = OfficeEntry), (status = 404, body = Problem)))]
pub async fn office(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<OfficeEntry>, ApiError> {
    let catalog = state.catalog();
    let office = catalog
        .office(&key)
        .ok_or_else(|| ApiError::not_found("office", &key))?;
    Ok(Json(OfficeEntry {
        state: office_state(&state, office),
        office: office.clone(),
        distance_metres: None,
    }))
}

/// All life situations.
#[utoipa::path(get, path = "/api/v1/life-situations", responses((status = 200, body = [LifeSituation])))]
pub async fn life_situations(State(state): State<AppState>) -> Json<Vec<LifeSituation>> {
    Json(state.catalog().life_situations().cloned().collect())
}

/// One life situation.
#[utoipa::path(get, path = "/api/v1/life-situations/{key}", params(("key" = String, Path)),
    responses((status = 200, body = LifeSituation), (status = 404, body = Problem)))]
pub async fn life_situation(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<LifeSituation>, ApiError> {
    let catalog = state.catalog();
    catalog
        .life_situation(&key)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("life situation", &key))
}

/// Current news, newest first.
#[utoipa::path(get, path = "/api/v1/news", responses((status = 200, body = [News])))]
pub async fn news(State(state): State<AppState>) -> Json<Vec<News>> {
    Json(state.catalog().current_news(state.now()).cloned().collect())
}

/// One page.
#[utoipa::path(get, path = "/api/v1/pages/{key}", params(("key" = String, Path)),
    responses((status = 200, body = Page), (status = 404, body = Problem)))]
pub async fn page(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<Page>, ApiError> {
    let catalog = state.catalog();
    catalog
        .page(&key)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("page", &key))
}

/// One scaled or cropped file of an image.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenditionView {
    /// Its name, such as `w640`, `16x9-w1024` or `1x1-w320`.
    pub variant: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// Its address.
    pub url: String,
}

/// An image or document that services, news and pages refer to by key.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    /// The key items use.
    pub key: String,
    /// `image` or `document`.
    pub kind: MediaKind,
    /// Media type of the original file.
    pub media_type: String,
    /// Size of the original file in bytes.
    pub byte_size: u64,
    /// Address of the original file (the PDF of a document).
    pub url: String,
    /// Width of an image in pixels.
    pub width: Option<u32>,
    /// Height of an image in pixels.
    pub height: Option<u32>,
    /// What an image shows, per variant.
    pub alt: Option<Localized>,
    /// An image's caption, per variant.
    pub caption: Option<Localized>,
    /// The point of an image that crops keep in view, as fractions of width and height.
    pub focal_point: Option<[f32; 2]>,
    /// A document's title, per variant.
    pub title: Option<Localized>,
    /// The language a document is written in (BCP 47).
    pub language: Option<String>,
    /// The scaled and cropped files of an image.
    pub renditions: Vec<RenditionView>,
}

/// One image or document, with the addresses of its files. Addresses carry a version and
/// may be kept for a year.
#[utoipa::path(get, path = "/api/v1/media/{key}", params(("key" = String, Path)),
    responses((status = 200, body = MediaView), (status = 404, body = Problem)))]
pub async fn media(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<MediaView>, ApiError> {
    use crate::routes::media::media_url;

    let catalog = state.catalog();
    let info = catalog
        .media(&key)
        .ok_or_else(|| ApiError::not_found("image or document", &key))?;
    let mut view = MediaView {
        key: info.key.clone(),
        kind: info.kind(),
        media_type: info.media_type.clone(),
        byte_size: info.byte_size,
        url: String::new(),
        width: None,
        height: None,
        alt: None,
        caption: None,
        focal_point: None,
        title: None,
        language: None,
        renditions: Vec::new(),
    };
    match &info.details {
        MediaDetails::Image(image) => {
            view.url = media_url(info, "original");
            view.width = Some(image.width);
            view.height = Some(image.height);
            view.alt = Some(image.alt.clone());
            view.caption.clone_from(&image.caption);
            view.focal_point = Some([image.focal_point.0, image.focal_point.1]);
            view.renditions = image
                .renditions
                .iter()
                .map(|rendition| RenditionView {
                    variant: rendition.variant.clone(),
                    width: rendition.width,
                    height: rendition.height,
                    media_type: rendition.media_type.clone(),
                    url: media_url(info, &rendition.variant),
                })
                .collect();
        }
        MediaDetails::Document(document) => {
            view.url = media_url(info, "document");
            view.title = Some(document.title.clone());
            view.language = Some(document.language.clone());
        }
    }
    Ok(Json(view))
}

fn parse_search(query: &SearchQuery) -> Result<(Variant, Vec<Kind>, usize), ApiError> {
    let variant = match query.lang.as_deref() {
        None => Variant::German,
        Some(code) => Variant::from_code(code).ok_or_else(|| {
            ApiError::bad_request(format!("lang must be de, en or ls, not `{code}`"))
        })?,
    };
    let kinds = match query.kind.as_deref() {
        None => Vec::new(),
        Some(name) => match Kind::parse(name) {
            Some(kind @ (Kind::Service | Kind::Office | Kind::LifeSituation | Kind::News)) => {
                vec![kind]
            }
            _ => {
                return Err(ApiError::bad_request(
                    "kind must be service, office, life-situation or news",
                ));
            }
        },
    };
    let limit = query.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 50"));
    }
    Ok((variant, kinds, limit))
}

/// Search across services, offices, life situations and news.
#[utoipa::path(get, path = "/api/v1/search", params(SearchQuery),
    responses((status = 200, body = [SearchHit]), (status = 400, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, ApiError> {
    let (variant, kinds, limit) = parse_search(&query)?;
    let catalog = state.catalog();
    let hits = catalog
        .search(&query.q, variant, &kinds, limit, state.now())
        .into_iter()
        .map(|found| {
            let (kind, key) = (found.item.kind(), found.item.key());
            SearchHit {
                kind: kind.as_str().to_owned(),
                key: key.to_owned(),
                url: format!("/{}/{}/{key}", variant.code(), kind.folder()),
                title: found.item.title(variant).to_owned(),
                score: found.score,
            }
        })
        .collect();
    Ok(Json(hits))
}

/// Completions for a partly typed search, for autocomplete.
#[utoipa::path(get, path = "/api/v1/suggest", params(SearchQuery),
    responses((status = 200, body = [String]), (status = 400, body = Problem)))]
pub async fn suggest(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Vec<String>>, ApiError> {
    let (variant, _, limit) = parse_search(&query)?;
    Ok(Json(state.catalog().suggest(&query.q, variant, limit)))
}

/// The OpenAPI document.
pub async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(error) => problem(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
    }
}
