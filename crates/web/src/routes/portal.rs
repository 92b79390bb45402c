//! The pages of the citizen portal.
//!
//! Every page exists in each variant under its code: `/de/…`, `/en/…`, `/ls/…`. A handler
//! looks the item up in the catalog, turns it into a view (plain data with the texts of the
//! requested variant, or German with a note where that variant is missing) and renders its
//! template. No handler touches the database except the feedback form.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;
use rathaus_content::hours::{self, ClosedReason, OpenStatus};
use rathaus_content::markdown;
use rathaus_content::model::{
    Appointment, FeePeriod, Kind, Office, PageRole, Service, TrustLevel, Variant,
};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::page::PageContext;
use crate::routes::media::DocumentView;
use crate::state::AppState;
use crate::structured_data;

/// How many results a search page shows.
const SEARCH_RESULTS: usize = 20;

/// A link with a label, the most common thing on a page.
#[derive(Debug, Serialize)]
pub struct Link {
    /// What the link says.
    pub label: String,
    /// Where it goes.
    pub url: String,
    /// A sentence about the target.
    pub summary: String,
}

/// The short form of an office with its current status, for lists.
#[derive(Debug, Serialize)]
pub struct OfficeCard {
    /// Name.
    pub name: String,
    /// Page address.
    pub url: String,
    /// Street, postcode and town.
    pub address: String,
    /// Whether it is open now.
    pub open: bool,
    /// "Open until 18:00" or "Closed, opens Monday at 08:00".
    pub status: String,
    /// Distance from the chosen position, such as "1.2 km", if a position was given.
    pub distance: Option<String>,
}

impl PageContext {
    /// An office's current status in words.
    pub fn office_status(&self, office: &Office) -> (bool, String) {
        let zone = self.state.time_zone();
        let now = self.now.with_timezone(&zone);
        match hours::status_at(office, self.state.state(), now) {
            OpenStatus::Open { closes_at } => {
                let time = closes_at.format("%H:%M").to_string();
                (
                    true,
                    self.texts.format("status_open_until", &[("time", &time)]),
                )
            }
            OpenStatus::Closed {
                opens_at: Some(opens),
                ..
            } => {
                let day = if opens.date() == now.date_naive() {
                    self.t("today")
                } else if Some(opens.date()) == now.date_naive().succ_opt() {
                    self.t("tomorrow")
                } else {
                    self.t(&format!(
                        "weekday_{}",
                        opens.weekday().num_days_from_monday()
                    ))
                };
                let time = opens.format("%H:%M").to_string();
                (
                    false,
                    self.texts
                        .format("status_closed_opens", &[("day", &day), ("time", &time)]),
                )
            }
            OpenStatus::Closed { opens_at: None, .. } => (false, self.t("status_closed")),
        }
    }

    /// The card of an office.
    pub fn office_card(&self, office: &Office, distance_metres: Option<f64>) -> OfficeCard {
        let (open, status) = self.office_status(office);
        OfficeCard {
            name: office.texts().resolve(self.variant).1.name.clone(),
            url: self.item_url(Kind::Office, &office.key),
            address: format!(
                "{}, {} {}",
                office.address.street, office.address.postcode, office.address.city
            ),
            open,
            status,
            distance: distance_metres.map(|metres| self.format_distance(metres)),
        }
    }

    fn format_distance(&self, metres: f64) -> String {
        if metres < 1000.0 {
            format!("{} m", (metres / 10.0).round() * 10.0)
        } else {
            let kilometres = format!("{:.1}", metres / 1000.0);
            match self.variant {
                Variant::English => format!("{kilometres} km"),
                _ => format!("{} km", kilometres.replace('.', ",")),
            }
        }
    }

    fn money(&self, cents: i64) -> String {
        let money = rathaus_content::model::Money { cents };
        match self.variant {
            Variant::English => money.english(),
            _ => money.german(),
        }
    }

    fn service_link(&self, service: &Service) -> Link {
        let texts = service.texts().resolve(self.variant).1;
        Link {
            label: texts.name.clone(),
            url: self.item_url(Kind::Service, &service.key),
            summary: texts.summary.clone(),
        }
    }
}

/// `/{lang}/`: the start page.
pub async fn home(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct HomeView {
        most_used: Vec<Link>,
        life_situations: Vec<Link>,
        news: Vec<NewsCard>,
        easy_language_url: Option<String>,
        sign_language_url: Option<String>,
    }

    let context = PageContext::new(&state, &lang)?;
    let catalog = &context.catalog;
    let most_used = catalog
        .most_used_services(8)
        .into_iter()
        .map(|s| context.service_link(s))
        .collect();
    let life_situations = catalog
        .life_situations()
        .map(|situation| {
            let texts = situation.texts().resolve(context.variant).1;
            Link {
                label: texts.name.clone(),
                url: context.item_url(Kind::LifeSituation, &situation.key),
                summary: texts.summary.clone(),
            }
        })
        .collect();
    let news = catalog
        .current_news(context.now)
        .take(3)
        .map(|n| news_card(&context, n))
        .collect();
    let role_url = |role| {
        catalog
            .page_with_role(role)
            .map(|page| context.item_url(Kind::Page, &page.key))
    };
    let view = HomeView {
        most_used,
        life_situations,
        news,
        easy_language_url: role_url(PageRole::EasyLanguage),
        sign_language_url: role_url(PageRole::SignLanguage),
    };

    let mut layout = context.layout("/", context.t("home_title"), context.t("home_description"));
    layout.breadcrumbs.clear();
    layout.section = "home";
    context.render("home.html", &layout, view)
}

/// The query string of the search page.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    /// What the person typed.
    #[serde(default)]
    pub q: String,
}

/// `/{lang}/search`: search results.
pub async fn search(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct Result_ {
        kind: String,
        label: String,
        url: String,
        summary: String,
    }
    #[derive(Serialize)]
    struct SearchView {
        query: String,
        results: Vec<Result_>,
        count_text: String,
        a_to_z_url: String,
    }

    let context = PageContext::new(&state, &lang)?;
    let query: String = params.q.chars().take(200).collect();
    let found = context
        .catalog
        .search(&query, context.variant, &[], SEARCH_RESULTS, context.now);
    let results: Vec<Result_> = found
        .iter()
        .map(|found| {
            let (kind, key, label, summary) = describe(&context, found.item);
            Result_ {
                kind: context.t(&format!("kind_{}", kind.as_str().replace('-', "_"))),
                label,
                url: context.item_url(kind, key),
                summary,
            }
        })
        .collect();
    let count_text = match results.len() {
        0 => context.t("search_none"),
        1 => context.t("search_one"),
        n => context
            .texts
            .format("search_many", &[("count", &n.to_string())]),
    };
    let view = SearchView {
        query: query.clone(),
        results,
        count_text,
        a_to_z_url: context.url("/a-z"),
    };

    let title = if query.is_empty() {
        context.t("search_title")
    } else {
        context
            .texts
            .format("search_title_for", &[("query", &query)])
    };
    let mut layout = context.layout("/search", title, context.t("search_description"));
    layout.query = query;
    layout.section = "search";
    let mut response = context.render("search.html", &layout, view)?;
    // Results are personal to a query and not worth indexing.
    response.headers_mut().insert(
        "x-robots-tag",
        axum::http::HeaderValue::from_static("noindex"),
    );
    Ok(response)
}

/// Kind, key, name and summary of a found item in the context's variant; for an office,
/// its address stands in for a summary.
fn describe<'a>(
    context: &PageContext,
    item: rathaus_content::catalog::ItemRef<'a>,
) -> (Kind, &'a str, String, String) {
    use rathaus_content::catalog::ItemRef;
    let variant = context.variant;
    let summary = match item {
        ItemRef::Service(s) => s.texts().resolve(variant).1.summary.clone(),
        ItemRef::Office(o) => format!(
            "{}, {} {}",
            o.address.street, o.address.postcode, o.address.city
        ),
        ItemRef::LifeSituation(l) => l.texts().resolve(variant).1.summary.clone(),
        ItemRef::News(n) => n.texts().resolve(variant).1.summary.clone(),
        ItemRef::Page(p) => p.texts().resolve(variant).1.summary.clone(),
    };
    (
        item.kind(),
        item.key(),
        item.title(variant).to_owned(),
        summary,
    )
}

/// `/{lang}/a-z`: all services by name.
pub async fn a_to_z(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct Group {
        letter: char,
        services: Vec<Link>,
    }

    let context = PageContext::new(&state, &lang)?;
    let groups: Vec<Group> = context
        .catalog
        .services_a_to_z(context.variant)
        .into_iter()
        .map(|(letter, services)| Group {
            letter,
            services: services
                .into_iter()
                .map(|s| context.service_link(s))
                .collect(),
        })
        .collect();

    let mut layout = context.layout(
        "/a-z",
        context.t("a_to_z_title"),
        context.t("a_to_z_description"),
    );
    layout.section = "a-z";
    context.render("a_to_z.html", &layout, view! { groups => groups })
}

/// `/{lang}/services/{key}`: one service.
pub async fn service(
    State(state): State<AppState>,
    Path((lang, key)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    service_page(&context, &key)
}

/// Renders the page of one service of `context`'s catalog; the staff preview renders drafts
/// through it with a catalog that holds the draft.
#[expect(
    clippy::too_many_lines,
    reason = "one view with one field per section of the page"
)]
pub fn service_page(context: &PageContext, key: &str) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct FeeView {
        label: String,
        amount: String,
    }
    #[derive(Serialize)]
    struct LawView {
        title: String,
        url: Option<String>,
    }
    #[derive(Serialize)]
    struct ServiceView {
        name: String,
        summary: String,
        description: String,
        eligibility: String,
        required_documents: Vec<String>,
        procedure: Option<String>,
        fees: Vec<FeeView>,
        fees_note: Option<String>,
        free: bool,
        processing_time: Option<String>,
        deadlines: Option<String>,
        legal_basis: Vec<LawView>,
        online_application: Option<String>,
        trust_level: String,
        appointment: Option<String>,
        offices: Vec<OfficeCard>,
        nearest_url: String,
        life_situations: Vec<Link>,
        documents: Vec<DocumentView>,
        fallback: bool,
    }

    let service = context.catalog.service(key).ok_or(WebError::NotFound)?;
    let (served, texts) = service.texts().resolve(context.variant);

    let fees = service
        .fees
        .iter()
        .map(|fee| {
            let period = match fee.period {
                FeePeriod::Once => String::new(),
                FeePeriod::Year => format!(" {}", context.t("fee_per_year")),
                FeePeriod::Month => format!(" {}", context.t("fee_per_month")),
            };
            FeeView {
                label: fee.label.get(context.variant).to_owned(),
                amount: format!("{}{period}", context.money(fee.amount.cents)),
            }
        })
        .collect();
    let appointment = match service.appointment {
        Appointment::None => None,
        Appointment::Recommended => Some(context.t("appointment_recommended")),
        Appointment::Required => Some(context.t("appointment_required")),
    };
    let trust_level = match service.min_trust_level {
        TrustLevel::Low => context.t("trust_low"),
        TrustLevel::Substantial => context.t("trust_substantial"),
        TrustLevel::High => context.t("trust_high"),
    };
    let offices = context
        .catalog
        .offices_for_service(service)
        .into_iter()
        .map(|office| context.office_card(office, None))
        .collect();
    let life_situations = context
        .catalog
        .life_situations_with(service)
        .into_iter()
        .map(|situation| {
            let t = situation.texts().resolve(context.variant).1;
            Link {
                label: t.name.clone(),
                url: context.item_url(Kind::LifeSituation, &situation.key),
                summary: t.summary.clone(),
            }
        })
        .collect();
    let view = ServiceView {
        name: texts.name.clone(),
        summary: texts.summary.clone(),
        description: markdown::to_html(&texts.description),
        eligibility: markdown::to_html(&texts.eligibility),
        required_documents: texts.required_documents.clone(),
        procedure: texts.procedure.as_deref().map(markdown::to_html),
        free: service.fees.is_empty(),
        fees,
        fees_note: texts.fees_note.as_deref().map(markdown::to_html),
        processing_time: texts.processing_time.clone(),
        deadlines: texts.deadlines.clone(),
        legal_basis: service
            .legal_basis
            .iter()
            .map(|law| LawView {
                title: law.title.clone(),
                url: law.url.clone(),
            })
            .collect(),
        // The link passes through the portal, which asks for the trust level the service
        // needs before sending the person on (see `account::providers::apply_online`).
        online_application: service
            .online_application
            .as_ref()
            .map(|_| context.url(&format!("/account/apply/{}", service.key))),
        trust_level,
        appointment,
        offices,
        nearest_url: format!("{}?service={}", context.url("/offices"), service.key),
        life_situations,
        documents: context.document_views(&service.documents, served),
        fallback: served != context.variant,
    };

    let path = format!("/services/{key}");
    let mut layout = context.layout(&path, texts.name.clone(), texts.summary.clone());
    context.note_fallback(&mut layout, served);
    layout
        .breadcrumbs
        .push((context.t("nav_a_to_z"), context.url("/a-z")));
    layout.json_ld = Some(structured_data::service(
        context,
        service,
        &layout.canonical,
    ));
    context.render("service.html", &layout, view)
}

/// The query string of the office finder.
#[derive(Debug, Default, Deserialize)]
pub struct OfficeParams {
    /// Only offices responsible for this service.
    pub service: Option<String>,
    /// A postcode to search from.
    pub postcode: Option<String>,
    /// A district key to search from.
    pub district: Option<String>,
    /// Latitude of the browser's position.
    pub lat: Option<String>,
    /// Longitude of the browser's position.
    pub lon: Option<String>,
}

/// `/{lang}/offices`: the office finder: nearest offices, optionally for one service.
#[expect(
    clippy::too_many_lines,
    reason = "one view with one field per section of the page"
)]
pub async fn offices(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<OfficeParams>,
) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct DistrictOption {
        key: String,
        name: String,
        selected: bool,
    }
    #[derive(Serialize)]
    struct OfficesView {
        service: Option<Link>,
        service_key: Option<String>,
        postcode: String,
        districts: Vec<DistrictOption>,
        origin: Option<String>,
        error: Option<String>,
        offices: Vec<OfficeCard>,
    }

    let context = PageContext::new(&state, &lang)?;
    let catalog = &context.catalog;
    let service = match params.service.as_deref().filter(|key| !key.is_empty()) {
        Some(key) => Some(catalog.service(key).ok_or(WebError::NotFound)?),
        None => None,
    };

    let postcode = params.postcode.as_deref().unwrap_or("").trim().to_owned();
    let mut error = None;
    let origin = if let (Some(lat), Some(lon)) = (&params.lat, &params.lon) {
        let position = rathaus_content::location::parse_position(lat, lon);
        if position.is_none() {
            error = Some(context.t("offices_error_position"));
        }
        position.map(|position| (position, context.t("offices_origin_position")))
    } else if !postcode.is_empty() {
        if let Some(district) = catalog.district_for_postcode(&postcode) {
            Some((district.centre, postcode.clone()))
        } else {
            error = Some(
                context
                    .texts
                    .format("offices_error_postcode", &[("postcode", &postcode)]),
            );
            None
        }
    } else if let Some(key) = params.district.as_deref().filter(|key| !key.is_empty()) {
        let district = catalog.district(key).ok_or(WebError::NotFound)?;
        Some((
            district.centre,
            district.texts().resolve(context.variant).1.name.clone(),
        ))
    } else {
        None
    };

    let offices: Vec<OfficeCard> = match origin {
        Some((position, _)) => catalog
            .nearest_offices(position, service, 20)
            .into_iter()
            .map(|(office, distance)| context.office_card(office, Some(distance)))
            .collect(),
        None => match service {
            Some(service) => catalog.offices_for_service(service),
            None => catalog.offices().collect(),
        }
        .into_iter()
        .map(|office| context.office_card(office, None))
        .collect(),
    };
    let districts = catalog
        .districts()
        .map(|district| DistrictOption {
            key: district.key.clone(),
            name: district.texts().resolve(context.variant).1.name.clone(),
            selected: params.district.as_deref() == Some(district.key.as_str()),
        })
        .collect();
    let view = OfficesView {
        service: service.map(|s| context.service_link(s)),
        service_key: service.map(|s| s.key.clone()),
        postcode,
        districts,
        origin: origin.map(|(_, label)| label),
        error,
        offices,
    };

    let title = match &view.service {
        Some(link) => context
            .texts
            .format("offices_title_for", &[("service", &link.label)]),
        None => context.t("offices_title"),
    };
    let mut layout = context.layout("/offices", title, context.t("offices_description"));
    layout.section = "offices";
    context.render("offices.html", &layout, view)
}

/// `/{lang}/offices/{key}`: one office with its hours and services.
pub async fn office(
    State(state): State<AppState>,
    Path((lang, key)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    office_page(&context, &key)
}

/// Renders the page of one office of `context`'s catalog; the staff preview renders drafts
/// through it with a catalog that holds the draft.
#[expect(
    clippy::too_many_lines,
    reason = "one view with one field per section of the page"
)]
pub fn office_page(context: &PageContext, key: &str) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct DayView {
        day: String,
        date: String,
        hours: String,
        note: Option<String>,
        today: bool,
    }
    #[derive(Serialize)]
    struct OfficeView {
        card: OfficeCard,
        description: Option<String>,
        directions: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        week: Vec<DayView>,
        closures: Vec<String>,
        accessibility: Vec<String>,
        accessibility_notes: Option<String>,
        services: Vec<Link>,
        map_url: String,
        fallback: bool,
    }

    let office = context.catalog.office(key).ok_or(WebError::NotFound)?;
    let (served, texts) = office.texts().resolve(context.variant);
    let today = context
        .now
        .with_timezone(&context.state.time_zone())
        .date_naive();

    let week = hours::week_schedule(office, context.state.state(), today)
        .into_iter()
        .map(|(date, status)| {
            let hours = if status.ranges.is_empty() {
                context.t("closed")
            } else {
                let ranges: Vec<String> = status
                    .ranges
                    .iter()
                    .map(|r| format!("{}–{}", r.opens.format("%H:%M"), r.closes.format("%H:%M")))
                    .collect();
                ranges.join(", ")
            };
            let note = status.reason.as_ref().and_then(|reason| match reason {
                ClosedReason::Closure { reason } => Some(reason.get(context.variant).to_owned()),
                ClosedReason::Holiday { name } => Some(name.get(context.variant).to_owned()),
                ClosedReason::Exception { note } => note
                    .as_ref()
                    .map(|note| note.get(context.variant).to_owned()),
            });
            DayView {
                day: context.t(&format!(
                    "weekday_{}",
                    date.weekday().num_days_from_monday()
                )),
                date: context.format_date(date),
                hours,
                note,
                today: date == today,
            }
        })
        .collect();
    let closures = office
        .closures
        .iter()
        .filter(|closure| closure.to >= today)
        .map(|closure| {
            format!(
                "{} – {}: {}",
                context.format_date(closure.from),
                context.format_date(closure.to),
                closure.reason.get(context.variant)
            )
        })
        .collect();
    let flags = office.accessibility;
    let accessibility = [
        (flags.step_free_entrance, "access_step_free"),
        (flags.lift, "access_lift"),
        (flags.accessible_toilet, "access_toilet"),
        (flags.hearing_loop, "access_hearing_loop"),
        (flags.disabled_parking, "access_parking"),
        (flags.tactile_guidance, "access_tactile"),
    ]
    .into_iter()
    .filter(|(present, _)| *present)
    .map(|(_, key)| context.t(key))
    .collect();
    let services = context
        .catalog
        .services_at_office(office)
        .into_iter()
        .map(|s| context.service_link(s))
        .collect();
    let view = OfficeView {
        card: context.office_card(office, None),
        description: texts.description.as_deref().map(markdown::to_html),
        directions: texts.directions.clone(),
        phone: office.phone.clone(),
        email: office.email.clone(),
        week,
        closures,
        accessibility,
        accessibility_notes: texts.accessibility_notes.clone(),
        services,
        map_url: format!(
            "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}",
            lat = office.location.lat,
            lon = office.location.lon
        ),
        fallback: served != context.variant,
    };

    let path = format!("/offices/{key}");
    let description = format!("{}, {}", office.address.street, office.address.city);
    let mut layout = context.layout(&path, texts.name.clone(), description);
    context.note_fallback(&mut layout, served);
    layout.section = "offices";
    layout
        .breadcrumbs
        .push((context.t("nav_offices"), context.url("/offices")));
    layout.json_ld = Some(structured_data::office(context, office, &layout.canonical));
    context.render("office.html", &layout, view)
}

/// `/{lang}/life-situations`: all life situations.
pub async fn life_situations(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let situations: Vec<Link> = context
        .catalog
        .life_situations()
        .map(|situation| {
            let t = situation.texts().resolve(context.variant).1;
            Link {
                label: t.name.clone(),
                url: context.item_url(Kind::LifeSituation, &situation.key),
                summary: t.summary.clone(),
            }
        })
        .collect();
    let mut layout = context.layout(
        "/life-situations",
        context.t("life_situations_title"),
        context.t("life_situations_description"),
    );
    layout.section = "life-situations";
    context.render(
        "life_situations.html",
        &layout,
        view! { situations => situations },
    )
}

/// `/{lang}/life-situations/{key}`: one life situation, step by step.
pub async fn life_situation(
    State(state): State<AppState>,
    Path((lang, key)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    life_situation_page(&context, &key)
}

/// Renders the page of one life situation of `context`'s catalog; the staff preview renders drafts
/// through it with a catalog that holds the draft.
pub fn life_situation_page(context: &PageContext, key: &str) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct StepView {
        service: Link,
        note: Option<String>,
        optional: bool,
    }
    #[derive(Serialize)]
    struct SituationView {
        name: String,
        summary: String,
        description: Option<String>,
        steps: Vec<StepView>,
        fallback: bool,
    }

    let situation = context
        .catalog
        .life_situation(key)
        .ok_or(WebError::NotFound)?;
    let (served, texts) = situation.texts().resolve(context.variant);
    let steps = situation
        .steps
        .iter()
        .filter_map(|step| {
            let service = context.catalog.service(&step.service)?;
            Some(StepView {
                service: context.service_link(service),
                note: step
                    .note
                    .as_ref()
                    .map(|note| note.get(context.variant).to_owned()),
                optional: step.optional,
            })
        })
        .collect();
    let view = SituationView {
        name: texts.name.clone(),
        summary: texts.summary.clone(),
        description: texts.description.as_deref().map(markdown::to_html),
        steps,
        fallback: served != context.variant,
    };

    let path = format!("/life-situations/{key}");
    let mut layout = context.layout(&path, texts.name.clone(), texts.summary.clone());
    context.note_fallback(&mut layout, served);
    layout.section = "life-situations";
    layout.breadcrumbs.push((
        context.t("nav_life_situations"),
        context.url("/life-situations"),
    ));
    context.render("life_situation.html", &layout, view)
}

/// A news item in a list.
#[derive(Debug, Serialize)]
pub struct NewsCard {
    /// Headline.
    pub title: String,
    /// Page address.
    pub url: String,
    /// One or two sentences.
    pub summary: String,
    /// Publication date in words.
    pub date: String,
    /// Publication date as ISO 8601, for `<time datetime>`.
    pub iso_date: String,
}

fn news_card(context: &PageContext, news: &rathaus_content::model::News) -> NewsCard {
    let texts = news.texts().resolve(context.variant).1;
    let local = news.published_at.with_timezone(&context.state.time_zone());
    NewsCard {
        title: texts.title.clone(),
        url: context.item_url(Kind::News, &news.key),
        summary: texts.summary.clone(),
        date: context.format_date(local.date_naive()),
        iso_date: local.date_naive().to_string(),
    }
}

/// `/{lang}/news`: current news, newest first.
pub async fn news_list(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let news: Vec<NewsCard> = context
        .catalog
        .current_news(context.now)
        .map(|n| news_card(&context, n))
        .collect();
    let mut layout = context.layout(
        "/news",
        context.t("news_title"),
        context.t("news_description"),
    );
    layout.section = "news";
    let feed_url = context.url("/news/feed.atom");
    context.render(
        "news_list.html",
        &layout,
        view! { news => news, feed_url => feed_url },
    )
}

/// `/{lang}/news/{key}`: one news item.
pub async fn news_item(
    State(state): State<AppState>,
    Path((lang, key)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    news_item_page(&context, &key)
}

/// Renders the page of one news item of `context`'s catalog; the staff preview renders drafts
/// through it with a catalog that holds the draft.
pub fn news_item_page(context: &PageContext, key: &str) -> Result<Response, WebError> {
    let news = context
        .catalog
        .news_item(key, context.now)
        .ok_or(WebError::NotFound)?;
    let (served, texts) = news.texts().resolve(context.variant);
    let card = news_card(context, news);
    let body = markdown::to_html(&texts.body);

    let path = format!("/news/{key}");
    let mut layout = context.layout(&path, texts.title.clone(), texts.summary.clone());
    context.note_fallback(&mut layout, served);
    layout.section = "news";
    layout.og_type = "article";
    layout
        .breadcrumbs
        .push((context.t("nav_news"), context.url("/news")));
    let fallback = served != context.variant;
    // The image follows the headline and summary, within the first screen: it loads at once.
    let image = context.image_view(news.image.as_deref(), served, false);
    context.render(
        "news_item.html",
        &layout,
        view! { card => card, body => body, image => image, fallback => fallback },
    )
}

/// The query string of a page: `sent` after a feedback report was stored.
#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    /// Present after a report was sent.
    pub sent: Option<String>,
}

/// `/{lang}/pages/{key}`: a page, with the feedback form when it is the accessibility
/// statement and the videos when it has any.
pub async fn page(
    State(state): State<AppState>,
    Path((lang, key)): Path<(String, String)>,
    Query(params): Query<PageParams>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let page = context.catalog.page(&key).ok_or(WebError::NotFound)?;
    render_page(
        &context,
        page,
        FeedbackForm::default(),
        params.sent.is_some(),
    )
}

/// What a person entered in the feedback form, shown again when it has errors.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FeedbackForm {
    /// The page with the barrier.
    #[serde(default)]
    pub page: String,
    /// What the barrier is.
    #[serde(default)]
    pub message: String,
    /// Name, optional.
    #[serde(default)]
    pub name: String,
    /// Email, optional.
    #[serde(default)]
    pub email: String,
    /// The form token.
    #[serde(default)]
    pub token: String,
    /// A field people do not see; bots fill it.
    #[serde(default)]
    pub website: String,
    /// Errors by field name.
    #[serde(skip_deserializing)]
    pub errors: Vec<(String, String)>,
}

#[expect(
    clippy::cast_precision_loss,
    reason = "file sizes stay far below 2^52 bytes"
)]
fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Renders a content page; the feedback form keeps what was entered when it had errors.
pub fn render_page(
    context: &PageContext,
    page: &rathaus_content::model::Page,
    mut form: FeedbackForm,
    sent: bool,
) -> Result<Response, WebError> {
    #[derive(Serialize)]
    struct VideoView {
        title: String,
        url: String,
        duration: String,
        size: String,
        poster: Option<String>,
        captions: Option<String>,
    }
    #[derive(Serialize)]
    struct StatementView {
        status: String,
        prepared_on: String,
        reviewed_on: String,
        method: String,
        contact_email: String,
        enforcement_body: String,
        enforcement_url: String,
    }

    let (served, texts) = page.texts().resolve(context.variant);
    let statement = page
        .accessibility_statement
        .as_ref()
        .map(|s| StatementView {
            status: context.t(match s.status {
                rathaus_content::model::ComplianceStatus::Full => "statement_full",
                rathaus_content::model::ComplianceStatus::Partial => "statement_partial",
                rathaus_content::model::ComplianceStatus::None => "statement_none",
            }),
            prepared_on: context.format_date(s.prepared_on),
            reviewed_on: context.format_date(s.reviewed_on),
            method: s.method.get(context.variant).to_owned(),
            contact_email: s.contact_email.clone(),
            enforcement_body: s.enforcement_body.clone(),
            enforcement_url: s.enforcement_url.clone(),
        });
    let videos: Vec<VideoView> = page
        .videos
        .iter()
        .map(|video| VideoView {
            title: video.title.get(context.variant).to_owned(),
            url: video.url.clone(),
            duration: format!(
                "{}:{:02}",
                video.duration_seconds / 60,
                video.duration_seconds % 60
            ),
            size: format!("{:.1} MB", megabytes(video.size_bytes)),
            poster: video.poster.clone(),
            captions: video.captions.clone(),
        })
        .collect();
    let now = context.now.timestamp();
    form.token = context
        .state
        .form_tokens()
        .issue("accessibility-feedback", now);
    let has_errors = !form.errors.is_empty();
    let errors: std::collections::BTreeMap<String, String> = form.errors.iter().cloned().collect();

    let path = format!("/pages/{}", page.key);
    let mut title = texts.title.clone();
    if has_errors {
        title = format!("{}: {title}", context.t("error_prefix"));
    }
    let mut layout = context.layout(&path, title, texts.summary.clone());
    context.note_fallback(&mut layout, served);
    let view = view! {
        title => texts.title.clone(),
        // The image follows the title, within the first screen: it loads at once.
        image => context.image_view(page.image.as_deref(), served, false),
        body => markdown::to_html(&texts.body),
        statement => statement,
        videos => videos,
        form => form,
        errors => errors,
        sent => sent,
        form_action => context.url("/accessibility-feedback"),
        fallback => served != context.variant,
    };
    let mut response = context.render("page.html", &layout, view)?;
    if has_errors {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}
