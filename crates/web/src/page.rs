//! What every portal page has in common: the variant it is shown in, the layout around it
//! (title, language links, canonical address, social and search-engine metadata) and the
//! response with its caching headers.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use rathaus_content::Catalog;
use rathaus_content::model::{Kind, Variant};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::WebError;
use crate::i18n::MessageTable;
use crate::state::AppState;

/// How long browsers and proxies may keep a public page. Short, because "open now" and
/// published changes should show within a minute.
const PAGE_MAX_AGE_SECONDS: u32 = 60;

/// The context of one portal request.
pub struct PageContext {
    /// The shared state.
    pub state: AppState,
    /// The variant the person asked for.
    pub variant: Variant,
    /// The interface texts of that variant.
    pub texts: Arc<MessageTable>,
    /// The published content.
    pub catalog: Arc<Catalog>,
    /// The time of the request.
    pub now: DateTime<Utc>,
}

/// A link to the same page in another variant.
#[derive(Debug, Serialize)]
pub struct Alternate {
    /// The variant's code.
    pub code: &'static str,
    /// Its language tag.
    pub tag: &'static str,
    /// Its name, in its own language.
    pub name: &'static str,
    /// The page's address in it.
    pub url: String,
    /// Whether it is the variant shown.
    pub current: bool,
}

/// The frame of a page.
#[derive(Debug, Serialize)]
pub struct Layout {
    /// Code of the requested variant (`de`, `en`, `ls`).
    pub lang: &'static str,
    /// Language tag of the interface.
    pub lang_tag: &'static str,
    /// Language tag of the main content, when it differs from the interface because the
    /// requested variant does not exist yet.
    pub content_lang_tag: Option<&'static str>,
    /// The city's name.
    pub city: String,
    /// The page title, without the city.
    pub title: String,
    /// A sentence describing the page, for search engines and link previews.
    pub description: String,
    /// The page's absolute address.
    pub canonical: String,
    /// The page in the other variants.
    pub alternates: Vec<Alternate>,
    /// Which section of the navigation the page belongs to.
    pub section: &'static str,
    /// Open Graph type: `website` or `article`.
    pub og_type: &'static str,
    /// Structured data (schema.org JSON-LD), already serialised.
    pub json_ld: Option<String>,
    /// The search text, to keep it in the header's search field.
    pub query: String,
    /// Breadcrumbs: label and address of each level above this page.
    pub breadcrumbs: Vec<(String, String)>,
    /// Links of the footer that every page carries: label and address.
    pub footer: Vec<(String, String)>,
    /// The address of the search page in this variant.
    pub search_url: String,
}

impl PageContext {
    /// The context for a request in the variant named by `code`; unknown codes are 404.
    pub fn new(state: &AppState, code: &str) -> Result<PageContext, WebError> {
        let variant = Variant::from_code(code).ok_or(WebError::NotFound)?;
        Ok(PageContext {
            texts: Arc::clone(state.messages().table(variant)),
            catalog: state.catalog(),
            now: state.now(),
            variant,
            state: state.clone(),
        })
    }

    /// The context for a preview: like [`PageContext::new`], but pages are rendered from
    /// `catalog` as if it were published, at the time `now`.
    pub fn with_catalog(
        state: &AppState,
        variant: Variant,
        catalog: Arc<Catalog>,
        now: DateTime<Utc>,
    ) -> PageContext {
        PageContext {
            texts: Arc::clone(state.messages().table(variant)),
            catalog,
            now,
            variant,
            state: state.clone(),
        }
    }

    /// An interface text.
    pub fn t(&self, key: &str) -> String {
        self.texts.get(key).to_owned()
    }

    /// A layout for a page at `path` (the part after the variant, starting with `/`).
    pub fn layout(&self, path: &str, title: String, description: String) -> Layout {
        let config = self.state.config();
        let alternates = Variant::ALL
            .into_iter()
            .map(|variant| Alternate {
                code: variant.code(),
                tag: variant.language_tag(),
                name: variant_name(variant),
                url: format!("/{}{path}", variant.code()),
                current: variant == self.variant,
            })
            .collect();
        Layout {
            lang: self.variant.code(),
            lang_tag: self.variant.language_tag(),
            content_lang_tag: None,
            city: config.city.name.clone(),
            title,
            description,
            canonical: format!("{}/{}{path}", config.server.public_url, self.variant.code()),
            alternates,
            section: "",
            og_type: "website",
            json_ld: None,
            query: String::new(),
            breadcrumbs: vec![(self.t("nav_home"), self.url("/"))],
            footer: self.footer_links(),
            search_url: self.url("/search"),
        }
    }

    /// The legally required and helpful links at the foot of every page.
    fn footer_links(&self) -> Vec<(String, String)> {
        use rathaus_content::model::PageRole;
        let mut links = Vec::new();
        let roles = [
            (PageRole::AccessibilityStatement, "footer_accessibility"),
            (PageRole::EasyLanguage, "footer_easy_language"),
            (PageRole::SignLanguage, "footer_sign_language"),
            (PageRole::Imprint, "footer_imprint"),
            (PageRole::Privacy, "footer_privacy"),
        ];
        for (role, label) in roles {
            if let Some(page) = self.catalog.page_with_role(role) {
                let url = self.item_url(Kind::Page, &page.key);
                if role == PageRole::AccessibilityStatement {
                    links.push((self.t("footer_report_barrier"), format!("{url}#feedback")));
                }
                links.push((self.t(label), url));
            }
        }
        links.push((self.t("footer_feed"), self.url("/news/feed.atom")));
        links.push((self.t("footer_api"), "/api/v1/openapi.json".to_owned()));
        links
    }

    /// An address in this variant, such as `/en/services/x` for `/services/x`.
    pub fn url(&self, path: &str) -> String {
        format!("/{}{path}", self.variant.code())
    }

    /// The address of an item in this variant.
    pub fn item_url(&self, kind: Kind, key: &str) -> String {
        self.url(&format!("/{}/{key}", kind.folder()))
    }

    /// Marks a page whose content is shown in `served` although `self.variant` was asked
    /// for, so that the page says so and screen readers switch language.
    pub fn note_fallback(&self, layout: &mut Layout, served: Variant) {
        if served != self.variant {
            layout.content_lang_tag = Some(served.language_tag());
        }
    }

    /// A local date and time as people read it in this variant.
    pub fn format_datetime(&self, local: NaiveDateTime) -> String {
        match self.variant {
            Variant::English => local.format("%-d %B %Y, %H:%M").to_string(),
            _ => format!(
                "{} {}",
                self.format_date(local.date()),
                local.format("%H:%M")
            ),
        }
    }

    /// A date as people read it in this variant, such as `3. Dezember 2026`.
    pub fn format_date(&self, date: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let month = self.t(&format!("month_{}", date.month()));
        match self.variant {
            Variant::English => format!("{} {month} {}", date.day(), date.year()),
            _ => format!("{}. {month} {}", date.day(), date.year()),
        }
    }

    /// Renders `template` with the layout and the page's own data as an HTML response.
    pub fn render(
        &self,
        template: &str,
        layout: &Layout,
        page: impl Serialize,
    ) -> Result<Response, WebError> {
        let html = self.state.templates().render(
            template,
            &self.texts,
            view! { layout => layout, page => page },
        )?;
        Ok(html_response(html))
    }
}

/// The name of a variant in its own language, for the language switcher.
pub fn variant_name(variant: Variant) -> &'static str {
    match variant {
        Variant::German => "Deutsch",
        Variant::English => "English",
        Variant::EasyGerman => "Leichte Sprache",
    }
}

/// Whether the browser's `If-None-Match` names `etag`: it has this response already.
pub fn etag_matches(request: &HeaderMap, etag: &[u8]) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|asked| asked.split(',').any(|tag| tag.trim().as_bytes() == etag))
}

/// An HTML response with its entity tag and cache lifetime. Conditional requests are answered
/// by the page cache, which every page passes through.
pub fn html_response(html: String) -> Response {
    let digest = Sha256::digest(html.as_bytes());
    let etag = format!("\"{}\"", rathaus_base::hex(&digest[..12]));
    let cache_control = format!("public, max-age={PAGE_MAX_AGE_SECONDS}");

    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&cache_control) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    response
}
