//! Images and documents: serving their files, and what pages need to show them.
//!
//! A file lives at `/media/{key}/{variant}?v={version}`: `variant` is a rendition of an
//! image (`w640`, `16x9-w1024`, `1x1-w320`), `original` for an image's original, or
//! `document` for a PDF. The version is a hash over the item's files and changes with any
//! of them, so a page that links the current version lets browsers keep the file for a
//! year; an address without it, or with an old one, is still answered with the current
//! file but kept only briefly. What is known about media comes from the catalog in memory;
//! only the bytes are read from the database.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rathaus_content::media::{Crop, ImageDetails, MediaDetails, MediaInfo};
use rathaus_content::model::{Localized, Variant};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::page::{PageContext, etag_matches};
use crate::state::AppState;

/// Cache lifetime of a file requested with its current version: it never changes.
const VERSIONED_CACHE: &str = "public, max-age=31536000, immutable";

/// Cache lifetime of a file requested without its current version.
const UNVERSIONED_CACHE: &str = "public, max-age=300";

/// The widest rendition a page's main image uses as its plain `src`; wider ones are in the
/// `srcset` for screens with dense pixels.
const DEFAULT_WIDTH: u32 = 1024;

/// The query string of a media address.
#[derive(Debug, Default, Deserialize)]
pub struct VersionParam {
    /// The version the page linked.
    pub v: Option<String>,
}

/// The address of one file of a media item, with its current version.
pub fn media_url(info: &MediaInfo, variant: &str) -> String {
    format!("/media/{}/{variant}?v={}", info.key, info.version)
}

/// `/media/{key}/{variant}`: an image rendition, an image's original, or a document.
pub async fn file(
    State(state): State<AppState>,
    Path((key, variant)): Path<(String, String)>,
    Query(params): Query<VersionParam>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let catalog = state.catalog();
    let info = catalog.media(&key).ok_or(WebError::NotFound)?;
    let etag = match (&info.details, variant.as_str()) {
        (MediaDetails::Document(_), "document") | (MediaDetails::Image(_), "original") => {
            info.etag.clone()
        }
        (MediaDetails::Image(image), name) => image
            .renditions
            .iter()
            .find(|rendition| rendition.variant == name)
            .map(|rendition| rendition.etag.clone())
            .ok_or(WebError::NotFound)?,
        (MediaDetails::Document(_), _) => return Err(WebError::NotFound),
    };
    let cache_control = if params.v.as_deref() == Some(info.version.as_str()) {
        VERSIONED_CACHE
    } else {
        UNVERSIONED_CACHE
    };

    // A browser that has the file already is answered from memory, without the database.
    let quoted = format!("\"{etag}\"");
    if etag_matches(&headers, quoted.as_bytes()) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        set_caching(response.headers_mut(), &quoted, cache_control);
        return Ok(response);
    }

    let store = state.media();
    let (bytes, media_type, etag) = if variant == "document" || variant == "original" {
        let original = store.original(&key).await.map_err(internal)?;
        let original = original.ok_or(WebError::NotFound)?;
        (original.bytes, original.media_type, original.etag)
    } else {
        let rendition = store.rendition(&key, &variant).await.map_err(internal)?;
        let rendition = rendition.ok_or(WebError::NotFound)?;
        (rendition.bytes, rendition.media_type, rendition.etag)
    };

    let mut response = bytes.into_response();
    let response_headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&media_type) {
        response_headers.insert(header::CONTENT_TYPE, value);
    }
    if variant == "document"
        && let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{key}.pdf\""))
    {
        response_headers.insert(header::CONTENT_DISPOSITION, value);
    }
    set_caching(response_headers, &format!("\"{etag}\""), cache_control);
    Ok(response)
}

fn set_caching(headers: &mut HeaderMap, etag: &str, cache_control: &'static str) {
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "used with map_err, which passes the error by value"
)]
fn internal(error: rathaus_content::MediaError) -> WebError {
    WebError::Internal(error.to_string())
}

/// An image as a page shows it.
#[derive(Debug, Serialize)]
pub struct ImageView {
    /// The rendition for browsers that ignore `srcset`.
    pub src: String,
    /// Every rendition in the original aspect ratio with its width.
    pub srcset: String,
    /// How wide the image is shown, so the browser can choose from `srcset`.
    pub sizes: String,
    /// Width of `src`, so the page keeps the image's place while it loads.
    pub width: u32,
    /// Height of `src`.
    pub height: u32,
    /// The alternative text in the requested variant, German where it is missing.
    pub alt: String,
    /// The language of `alt` where it differs from the text around it.
    pub alt_lang: Option<&'static str>,
    /// The caption, if any.
    pub caption: Option<String>,
    /// The language of the caption where it differs from the text around it.
    pub caption_lang: Option<&'static str>,
    /// Whether the image lies below the fold and may load late.
    pub lazy: bool,
}

/// A document as a page links it.
#[derive(Debug, Serialize)]
pub struct DocumentView {
    /// Its address.
    pub url: String,
    /// Its title in the requested variant, German where it is missing.
    pub title: String,
    /// The language of the title where it differs from the text around it.
    pub title_lang: Option<&'static str>,
    /// The language the document is written in, for `hreflang`.
    pub language: String,
    /// Type, size and language in words, such as "PDF, 2 KB, Deutsch".
    pub details: String,
}

/// A text in the requested variant, with its language when it differs from `served`, the
/// variant of the text around it.
fn text_in(
    texts: &Localized,
    requested: Variant,
    served: Variant,
) -> (String, Option<&'static str>) {
    let (variant, text) = texts.resolve(requested);
    let tag = variant.language_tag();
    (
        text.to_owned(),
        (tag != served.language_tag()).then_some(tag),
    )
}

impl PageContext {
    /// The view of the image with `key` on a page whose texts are in `served`; `None` when
    /// there is no such image (it was deleted after the page was published).
    pub fn image_view(&self, key: Option<&str>, served: Variant, lazy: bool) -> Option<ImageView> {
        let info = self.catalog.media(key?)?;
        let image: &ImageDetails = info.image()?;
        let main = image.rendition_up_to(Crop::None, DEFAULT_WIDTH)?;
        let srcset: Vec<String> = image
            .renditions_of(Crop::None)
            .map(|rendition| {
                format!(
                    "{} {}w",
                    media_url(info, &rendition.variant),
                    rendition.width
                )
            })
            .collect();
        let (alt, alt_lang) = text_in(&image.alt, self.variant, served);
        let caption = image
            .caption
            .as_ref()
            .map(|caption| text_in(caption, self.variant, served));

        // The page column is 96 % of the window less 2 rem of padding; the image fills it up
        // to its own width.
        let breakpoint = (main.width + 32) * 100 / 96 + 1;

        Some(ImageView {
            src: media_url(info, &main.variant),
            srcset: srcset.join(", "),
            sizes: format!(
                "(min-width: {breakpoint}px) {}px, calc(96vw - 2rem)",
                main.width
            ),
            width: main.width,
            height: main.height,
            alt,
            alt_lang,
            caption_lang: caption.as_ref().and_then(|(_, lang)| *lang),
            caption: caption.map(|(text, _)| text),
            lazy,
        })
    }

    /// The views of the documents with `keys` on a page whose texts are in `served`,
    /// leaving out any that no longer exist.
    pub fn document_views(&self, keys: &[String], served: Variant) -> Vec<DocumentView> {
        keys.iter()
            .filter_map(|key| {
                let info = self.catalog.media(key)?;
                let document = info.document()?;
                let (title, title_lang) = text_in(&document.title, self.variant, served);
                let size = file_size(info.byte_size, self.variant);
                let language = self.language_name(&document.language);
                Some(DocumentView {
                    url: media_url(info, "document"),
                    title,
                    title_lang,
                    language: document.language.clone(),
                    details: self.texts.format(
                        "document_details",
                        &[("size", &size), ("language", &language)],
                    ),
                })
            })
            .collect()
    }

    /// The name of a language in the interface language, or its tag where the interface
    /// texts do not name it.
    fn language_name(&self, tag: &str) -> String {
        let primary = tag.split('-').next().unwrap_or(tag);
        let key = format!("language_{primary}");
        let name = self.texts.get(&key);
        if name == key {
            tag.to_owned()
        } else {
            name.to_owned()
        }
    }
}

/// A file size as people read it in `variant`: "840 KB", "1,4 MB" (English "1.4 MB").
pub fn file_size(bytes: u64, variant: Variant) -> String {
    const KIB: u64 = 1024;
    if bytes < KIB * KIB {
        return format!("{} KB", bytes.div_ceil(KIB).max(1));
    }
    let tenths = (bytes * 10).div_ceil(KIB * KIB);
    let text = format!("{}.{}", tenths / 10, tenths % 10);
    match variant {
        Variant::English => format!("{text} MB"),
        _ => format!("{} MB", text.replace('.', ",")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_are_rounded_up_and_written_per_language() {
        assert_eq!(file_size(1654, Variant::German), "2 KB");
        assert_eq!(file_size(10, Variant::German), "1 KB");
        assert_eq!(file_size(1_400_000, Variant::German), "1,4 MB");
        assert_eq!(file_size(1_400_000, Variant::English), "1.4 MB");
    }
}
