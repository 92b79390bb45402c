//! Images and documents in the staff portal: the list of all media, the upload form, the
//! details page of one image or document where its texts and focal point are changed, and
//! deleting what no published item shows any more.
//!
//! The upload is the only form sent as `multipart/form-data` and the only request allowed a
//! large body ([`MAX_UPLOAD_BYTES`]); its form token travels inside the multipart body and is
//! checked before anything is stored. Every refusal shows the form again with what was
//! entered and the message beside the field. Media changes take effect on the portal at
//! once, without the review content goes through: the files and texts belong to no revision.

use std::collections::{BTreeMap, HashMap};

use axum::Form;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use rathaus_content::media::{
    Crop, MediaDetails, MediaError, MediaInfo, MediaKind, NewDocument, NewImage, NewMedia,
};
use rathaus_content::model::{Localized, Variant};
use rathaus_content::validate::is_valid_key;
use rathaus_content::workflow::title_of;
use rathaus_identity::Role;
use serde::{Deserialize, Serialize};

use super::content::kind_label;
use super::{SignedIn, StaffLayout, render, see_other};
use crate::error::WebError;
use crate::routes::media::{file_size, media_url};
use crate::state::AppState;

/// The largest upload request accepted: the largest file the media store takes (20 MB), with
/// room for the other fields and the multipart framing. Every other request stays at the
/// small limit of forms.
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;

/// The width of the preview on the details page; wider screens scale it down.
const PREVIEW_WIDTH: u32 = 1024;

/// The width of the thumbnails in the list.
const THUMBNAIL_WIDTH: u32 = 320;

/// `new` is the address of the upload form, so no media item can be reached under it.
const RESERVED_KEY: &str = "new";

fn internal(error: impl std::fmt::Display) -> WebError {
    WebError::Internal(error.to_string())
}

fn local(state: &AppState, time: DateTime<Utc>) -> String {
    time.with_timezone(&state.time_zone())
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// Reloads this node's catalog, so that the next page shows and serves the changed file;
/// other nodes follow within their poll.
async fn reload(state: &AppState) {
    if let Err(error) = state.refresh_catalog().await {
        tracing::warn!(error = %error, "cannot reload the content after a media change");
    }
}

/// A text in the three variants as the form holds it; empty where nothing was entered.
#[derive(Debug, Clone, Default, Serialize)]
struct Texts {
    de: String,
    ls: String,
    en: String,
}

impl Texts {
    fn of(texts: &Localized) -> Texts {
        Texts {
            de: texts.de.clone(),
            ls: texts.ls.clone().unwrap_or_default(),
            en: texts.en.clone().unwrap_or_default(),
        }
    }

    fn is_empty(&self) -> bool {
        self.de.is_empty() && self.ls.is_empty() && self.en.is_empty()
    }

    /// The texts as the media store takes them: missing variants left out.
    fn localized(&self) -> Localized {
        let optional = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        Localized {
            de: self.de.clone(),
            en: optional(&self.en),
            ls: optional(&self.ls),
        }
    }

    fn set(&mut self, variant: &str, value: String) {
        match variant {
            "de" => self.de = value,
            "ls" => self.ls = value,
            "en" => self.en = value,
            _ => {}
        }
    }
}

/// What the upload and details forms hold, as entered (the file aside).
#[derive(Debug, Clone, Serialize)]
struct MediaFields {
    kind: &'static str,
    key: String,
    replace: bool,
    alt: Texts,
    caption: Texts,
    focal_x: String,
    focal_y: String,
    title: Texts,
    language: String,
}

impl MediaFields {
    fn empty(kind: MediaKind) -> MediaFields {
        MediaFields {
            kind: kind.as_str(),
            key: String::new(),
            replace: false,
            alt: Texts::default(),
            caption: Texts::default(),
            focal_x: "50".to_owned(),
            focal_y: "50".to_owned(),
            title: Texts::default(),
            language: "de".to_owned(),
        }
    }

    /// The fields filled with what is stored about `info`.
    fn of(info: &MediaInfo) -> MediaFields {
        let mut fields = MediaFields::empty(info.kind());
        fields.key.clone_from(&info.key);
        match &info.details {
            MediaDetails::Image(image) => {
                fields.alt = Texts::of(&image.alt);
                fields.caption = image.caption.as_ref().map(Texts::of).unwrap_or_default();
                fields.focal_x = percent(image.focal_point.0);
                fields.focal_y = percent(image.focal_point.1);
            }
            MediaDetails::Document(document) => {
                fields.title = Texts::of(&document.title);
                fields.language.clone_from(&document.language);
            }
        }
        fields
    }

    /// Takes one submitted field; names the forms do not have are ignored.
    fn set(&mut self, name: &str, value: &str) {
        let value = value.trim().to_owned();
        match name.split_once('_') {
            Some(("alt", variant)) => self.alt.set(variant, value),
            Some(("caption", variant)) => self.caption.set(variant, value),
            Some(("title", variant)) => self.title.set(variant, value),
            _ => match name {
                "kind" => {
                    self.kind = MediaKind::parse(&value)
                        .unwrap_or(MediaKind::Image)
                        .as_str();
                }
                "key" => self.key = value,
                "replace" => self.replace = !value.is_empty(),
                "focal_x" => self.focal_x = value,
                "focal_y" => self.focal_y = value,
                "language" => self.language = value,
                _ => {}
            },
        }
    }

    fn media_kind(&self) -> MediaKind {
        MediaKind::parse(self.kind).unwrap_or(MediaKind::Image)
    }
}

/// A fraction from 0 to 1 as the percent a number field holds, without needless decimals
/// (the browser shows it with the reader's decimal sign).
fn percent(fraction: f32) -> String {
    let value = (f64::from(fraction) * 1000.0).round() / 10.0;
    format!("{value}")
}

/// Reads a percentage as people type it ("33", "33,5", "33.5") into a fraction.
#[expect(
    clippy::cast_possible_truncation,
    reason = "a value from 0 to 100 divided by 100 fits an f32"
)]
fn fraction(text: &str) -> Option<f32> {
    let value: f64 = text.trim().replace(',', ".").parse().ok()?;
    (0.0..=100.0)
        .contains(&value)
        .then(|| (value / 100.0) as f32)
}

/// The problems of a form, in the order of its fields, each naming the field it belongs to.
#[derive(Debug, Default)]
struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The list for the error summary at the top of the page.
    fn summary(&self) -> Vec<ProblemView> {
        self.0
            .iter()
            .map(|(field, message)| ProblemView {
                id: field_id(field),
                message: message.clone(),
            })
            .collect()
    }

    /// The message of each field, for the fields themselves.
    fn by_field(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        for (field, message) in &self.0 {
            map.entry(field.clone()).or_insert_with(|| message.clone());
        }
        map
    }
}

#[derive(Debug, Serialize)]
struct ProblemView {
    id: String,
    message: String,
}

/// The HTML id of a form field: `alt_de` is `media-alt-de`.
fn field_id(field: &str) -> String {
    format!("media-{}", field.replace('_', "-"))
}

/// The languages a document can be written in, German and English first, then the others
/// the interface texts name, by their German name.
fn languages(state: &AppState, current: &str) -> Vec<(String, String)> {
    let texts = state.messages().table(Variant::German);
    let mut others: Vec<(String, String)> = texts
        .keys()
        .filter_map(|key| key.strip_prefix("language_"))
        .filter(|code| !matches!(*code, "de" | "en"))
        .map(|code| {
            let name = texts.get(&format!("language_{code}")).to_owned();
            (code.to_owned(), name)
        })
        .collect();
    others.sort_by(|a, b| a.1.cmp(&b.1));

    let mut languages = vec![
        ("de".to_owned(), texts.get("language_de").to_owned()),
        ("en".to_owned(), texts.get("language_en").to_owned()),
    ];
    languages.extend(others);
    // A document imported from files may carry a tag the list lacks, such as `de-AT`.
    if !current.is_empty() && languages.iter().all(|(code, _)| code != current) {
        languages.push((current.to_owned(), current.to_owned()));
    }
    languages
}

/// Checks what the person entered for an image and turns it into what the store takes.
fn image_details(
    fields: &MediaFields,
    problems: &mut Problems,
) -> Option<(Localized, Option<Localized>, (f32, f32))> {
    if fields.alt.de.is_empty() {
        problems.add(
            "alt_de",
            "Bitte beschreiben Sie in einem Satz, was das Bild zeigt (Alternativtext auf \
             Deutsch).",
        );
    }
    if fields.caption.de.is_empty() && !fields.caption.is_empty() {
        problems.add(
            "caption_de",
            "Eine Bildunterschrift braucht eine deutsche Fassung, wenn es eine andere gibt.",
        );
    }
    let x = fraction(&fields.focal_x);
    let y = fraction(&fields.focal_y);
    if x.is_none() {
        problems.add(
            "focal_x",
            "Bitte für waagerecht eine Zahl von 0 bis 100 angeben.",
        );
    }
    if y.is_none() {
        problems.add(
            "focal_y",
            "Bitte für senkrecht eine Zahl von 0 bis 100 angeben.",
        );
    }

    let (Some(x), Some(y)) = (x, y) else {
        return None;
    };
    if !problems.is_empty() {
        return None;
    }
    let caption = (!fields.caption.is_empty()).then(|| fields.caption.localized());
    Some((fields.alt.localized(), caption, (x, y)))
}

/// Checks what the person entered for a document.
fn document_details(fields: &MediaFields, problems: &mut Problems) -> Option<(Localized, String)> {
    if fields.title.de.is_empty() {
        problems.add(
            "title_de",
            "Bitte einen Titel auf Deutsch angeben; er ist der Text des Links.",
        );
    }
    if !rathaus_content::media::is_language_tag(&fields.language) {
        problems.add("language", "Bitte die Sprache des Dokuments auswählen.");
    }
    problems
        .is_empty()
        .then(|| (fields.title.localized(), fields.language.clone()))
}

/// The form field a store error belongs to and what to tell the person, in German; `None`
/// for faults on our side.
fn problem_of(error: &MediaError) -> Option<(String, String)> {
    let problem = |field: &str, message: String| Some((field.to_owned(), message));
    match error {
        MediaError::Invalid { field, message } => {
            let field = match field.as_str() {
                "focal_point" => "focal_x".to_owned(),
                other => other.replace('.', "_"),
            };
            let message = invalid_message(&field, message);
            Some((field, message))
        }
        MediaError::UnsupportedImage { looks_like } => problem(
            "file",
            format!(
                "Die Datei ist {}, kein Bild im Format JPEG, PNG oder WebP. Fotos bitte als \
                 JPEG, Grafiken als PNG speichern.",
                file_type(looks_like)
            ),
        ),
        MediaError::UnsupportedDocument { looks_like } => problem(
            "file",
            format!(
                "Die Datei ist {}, kein PDF-Dokument. Bitte als PDF speichern.",
                file_type(looks_like)
            ),
        ),
        MediaError::TooLarge { size } => problem(
            "file",
            format!(
                "Die Datei hat {}; höchstens 20 MB sind möglich.",
                file_size(u64::try_from(*size).unwrap_or(u64::MAX), Variant::German)
            ),
        ),
        MediaError::TooManyPixels { width, height } => problem(
            "file",
            format!(
                "Das Bild hat {width} × {height} Pixel; höchstens 40 Megapixel sind möglich. \
                 Bitte verkleinern Sie es vorher."
            ),
        ),
        MediaError::Limits(_) => problem(
            "file",
            "Das Bild ist zu groß, um es zu verarbeiten. Bitte verkleinern Sie es vorher."
                .to_owned(),
        ),
        MediaError::Unreadable(_) => problem(
            "file",
            "Das Bild lässt sich nicht lesen; vielleicht ist die Datei beschädigt. Bitte \
             speichern Sie es neu und laden Sie es noch einmal hoch."
                .to_owned(),
        ),
        MediaError::KindMismatch { existing, .. } => problem("key", taken_by_other(*existing)),
        MediaError::KeyTaken { existing, .. } => problem("key", key_in_use(*existing)),
        _ => None,
    }
}

/// The message for a key that holds a file of the same kind, which the upload was not meant
/// to replace.
fn key_in_use(kind: MediaKind) -> String {
    let what = match kind {
        MediaKind::Image => "ein Bild",
        MediaKind::Document => "ein Dokument",
    };
    format!(
        "Unter diesem Schlüssel ist schon {what} gespeichert. Bitte einen anderen Schlüssel \
         wählen oder „Vorhandene Datei ersetzen“ ankreuzen."
    )
}

fn taken_by_other(existing: MediaKind) -> String {
    let what = match existing {
        MediaKind::Image => "ein Bild",
        MediaKind::Document => "ein Dokument",
    };
    format!("Unter diesem Schlüssel ist schon {what} gespeichert; bitte einen anderen wählen.")
}

/// The German message for a field the store found wrong. The store's checks run after ours,
/// so only the limits we do not check ourselves reach this point.
fn invalid_message(field: &str, message: &str) -> String {
    // The store writes lengths as "260 characters; at most 250".
    let numbers: Vec<&str> = message
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .collect();
    if message.contains("characters") && numbers.len() == 2 {
        return format!(
            "Der Text hat {} Zeichen; höchstens {} sind möglich.",
            numbers[0], numbers[1]
        );
    }
    if message.contains("file name") {
        return "Das sieht aus wie ein Dateiname. Beschreiben Sie in Worten, was das Bild zeigt."
            .to_owned();
    }
    match field {
        "key" => key_message().to_owned(),
        "language" => "Bitte die Sprache des Dokuments auswählen.".to_owned(),
        "focal_x" | "focal_y" => "Bitte Zahlen von 0 bis 100 angeben.".to_owned(),
        _ if message.contains("required") => "Bitte den deutschen Text angeben.".to_owned(),
        _ => "Bitte diese Angabe prüfen.".to_owned(),
    }
}

fn key_message() -> &'static str {
    "Bitte einen Schlüssel aus Kleinbuchstaben, Ziffern und einzelnen Bindestrichen angeben \
     (höchstens 80 Zeichen), etwa rathaus-marktplatz."
}

/// What the store says a refused file seems to be, in German.
fn file_type(looks_like: &str) -> &'static str {
    match looks_like {
        "empty" => "leer",
        "a PDF document" => "ein PDF-Dokument",
        "a JPEG image" => "ein JPEG-Bild",
        "a PNG image" => "ein PNG-Bild",
        "a GIF image" => "ein GIF-Bild",
        "a TIFF image" => "ein TIFF-Bild",
        "a BMP image" => "ein BMP-Bild",
        "a HEIC photo (export it as JPEG)" => "ein HEIC-Foto (bitte als JPEG exportieren)",
        "an AVIF image" => "ein AVIF-Bild",
        "an SVG drawing" => "eine SVG-Zeichnung",
        "a ZIP archive or office document" => "ein ZIP-Archiv oder ein Office-Dokument",
        _ => "von unbekannter Art",
    }
}

/// One published item that shows a media item.
#[derive(Debug, Clone, Serialize)]
struct UseView {
    label: String,
    url: String,
}

/// For every media key, the items that show it, published or in an open revision: the rule
/// of `MediaStore::used_by`, applied to all media at once so that the list reads the items
/// once instead of once per file.
async fn uses(state: &AppState) -> Result<HashMap<String, Vec<UseView>>, WebError> {
    let (_, published) = state.store().published().await?;
    let open = state.store().open_revisions().await?;
    let mut uses: HashMap<String, Vec<UseView>> = HashMap::new();
    for item in published.iter().chain(&open) {
        let kind = item.kind();
        let title = title_of(item, Variant::German).unwrap_or(item.key());
        let url = format!("/staff/content/{kind}/{}", item.key());
        for (_, _, key) in item.media_references() {
            let shown_by = uses.entry(key.to_owned()).or_default();
            if !shown_by.iter().any(|user| user.url == url) {
                shown_by.push(UseView {
                    label: format!("{} „{title}“", kind_label(kind).0),
                    url: url.clone(),
                });
            }
        }
    }
    Ok(uses)
}

/// One row of the media list.
#[derive(Debug, Serialize)]
struct MediaRow {
    key: String,
    kind: &'static str,
    kind_label: &'static str,
    url: String,
    /// The square thumbnail of an image with its German alternative text.
    thumbnail: Option<(String, String)>,
    title: String,
    size: String,
    created: String,
    created_by: String,
    updated: String,
    updated_by: String,
    used_by: Vec<UseView>,
}

fn kind_name(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "Bild",
        MediaKind::Document => "Dokument",
    }
}

/// The filter of the media list.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ListParams {
    /// `image`, `document`, or empty for both.
    #[serde(default)]
    pub kind: String,
    /// The key of an item just deleted.
    #[serde(default)]
    pub deleted: String,
}

/// `GET /staff/media`: every image and document, or those of one kind.
pub async fn list(
    State(state): State<AppState>,
    staff: SignedIn,
    Query(params): Query<ListParams>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = MediaKind::parse(&params.kind);
    let media = state.media().list(kind).await.map_err(internal)?;
    let mut uses = uses(&state).await?;

    let rows: Vec<MediaRow> = media
        .iter()
        .map(|info| {
            let (title, thumbnail) = match &info.details {
                MediaDetails::Image(image) => (
                    image.alt.de.clone(),
                    image
                        .rendition_up_to(Crop::Square, THUMBNAIL_WIDTH)
                        .map(|rendition| {
                            (media_url(info, &rendition.variant), image.alt.de.clone())
                        }),
                ),
                MediaDetails::Document(document) => (document.title.de.clone(), None),
            };
            MediaRow {
                key: info.key.clone(),
                kind: info.kind().as_str(),
                kind_label: kind_name(info.kind()),
                url: format!("/staff/media/{}", info.key),
                thumbnail,
                title,
                size: file_size(info.byte_size, Variant::German),
                created: local(&state, info.created_at),
                created_by: info.created_by.clone(),
                updated: local(&state, info.updated_at),
                updated_by: info.updated_by.clone(),
                used_by: uses.remove(&info.key).unwrap_or_default(),
            }
        })
        .collect();

    let mut layout = StaffLayout::signed_in(&state, &staff, "Medien".to_owned(), "media");
    if !params.deleted.is_empty() {
        layout.notice = Some(format!("„{}“ ist gelöscht.", params.deleted));
    }
    render(
        &state,
        "staff/media_list.html",
        &layout,
        view! { rows => rows, kind => kind.map_or("", MediaKind::as_str) },
    )
}

/// What the upload form page shows.
struct UploadPage {
    fields: MediaFields,
    problems: Problems,
    /// Whether the page answers a sent form, whose file the browser has forgotten.
    sent: bool,
    status: StatusCode,
}

fn upload_page(
    state: &AppState,
    staff: &SignedIn,
    page: &UploadPage,
) -> Result<Response, WebError> {
    let kind = page.fields.media_kind();
    let failed = !page.problems.is_empty();
    let title = match (kind, failed) {
        (MediaKind::Image, false) => "Bild hochladen",
        (MediaKind::Image, true) => "Fehler: Bild hochladen",
        (MediaKind::Document, false) => "Dokument hochladen",
        (MediaKind::Document, true) => "Fehler: Dokument hochladen",
    };
    let layout = StaffLayout::signed_in(state, staff, title.to_owned(), "media");
    let mut response = render(
        state,
        "staff/media_new.html",
        &layout,
        view! {
            fields => &page.fields,
            problems => page.problems.summary(),
            errors => page.problems.by_field(),
            sent => page.sent,
            languages => languages(state, &page.fields.language),
        },
    )?;
    *response.status_mut() = page.status;
    Ok(response)
}

/// What the upload form is opened with.
#[derive(Debug, Default, Deserialize)]
pub struct NewParams {
    /// `image` (default) or `document`.
    #[serde(default)]
    pub kind: String,
    /// The key of a stored item whose file is to be replaced.
    #[serde(default)]
    pub key: String,
}

/// `GET /staff/media/new`: the upload form for an image or a document; with the key of a
/// stored item, filled with its details for replacing its file.
pub async fn new_form(
    State(state): State<AppState>,
    staff: SignedIn,
    Query(params): Query<NewParams>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let stored = if params.key.is_empty() {
        None
    } else {
        state.media().info(&params.key).await.map_err(internal)?
    };
    let fields = match stored {
        Some(info) => MediaFields {
            replace: true,
            ..MediaFields::of(&info)
        },
        None => MediaFields::empty(MediaKind::parse(&params.kind).unwrap_or(MediaKind::Image)),
    };
    let page = UploadPage {
        fields,
        problems: Problems::default(),
        sent: false,
        status: StatusCode::OK,
    };
    upload_page(&state, &staff, &page)
}

/// A file as the browser sent it.
struct Upload {
    bytes: Vec<u8>,
}

/// The upload form as sent: its token, its fields and the file, if one was chosen.
async fn read_upload(
    multipart: &mut Multipart,
    fields: &mut MediaFields,
) -> Result<(String, Option<Upload>), MultipartError> {
    let mut token = String::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let chosen = field.file_name().is_some_and(|name| !name.is_empty());
            let bytes = field.bytes().await?;
            if chosen || !bytes.is_empty() {
                file = Some(Upload {
                    bytes: bytes.to_vec(),
                });
            }
        } else if name == "token" {
            token = field.text().await?;
        } else {
            let value = field.text().await?;
            fields.set(&name, &value);
        }
    }
    Ok((token, file))
}

/// `POST /staff/media`: stores an uploaded image or document under a new key, or under an
/// existing one when the person chose to replace its file.
pub async fn upload(
    State(state): State<AppState>,
    staff: SignedIn,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let mut multipart = multipart.map_err(|rejection| {
        WebError::BadRequest(format!("Das Formular kam unvollständig an: {rejection}"))
    })?;
    let mut fields = MediaFields::empty(MediaKind::Image);
    let sent = |fields, problems, status| UploadPage {
        fields,
        problems,
        sent: true,
        status,
    };

    let (token, file) = match read_upload(&mut multipart, &mut fields).await {
        Ok(read) => read,
        Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            // Nothing is stored, so the form can be shown before its token is known. A
            // browser announces the length, so usually no field was read at all.
            let mut problems = Problems::default();
            problems.add(
                "file",
                "Die Datei ist zu groß: höchstens 20 MB sind möglich. Bitte verkleinern Sie \
                 sie und füllen Sie das Formular noch einmal aus.",
            );
            let page = sent(fields, problems, StatusCode::PAYLOAD_TOO_LARGE);
            return upload_page(&state, &staff, &page);
        }
        Err(error) => {
            return Err(WebError::BadRequest(format!(
                "Das Formular kam unvollständig an: {error}"
            )));
        }
    };
    staff.check_form(&state, &headers, &token)?;

    let problems = upload_problems(&state, &fields, file.as_ref()).await?;
    if !problems.is_empty() {
        let page = sent(fields, problems, StatusCode::UNPROCESSABLE_ENTITY);
        return upload_page(&state, &staff, &page);
    }
    let Some(file) = file else {
        return Err(internal("an upload without a file passed the checks"));
    };

    match store_upload(&state, &staff, &fields, file).await? {
        Ok(()) => {
            reload(&state).await;
            Ok(see_other(&format!(
                "/staff/media/{}?done=uploaded",
                fields.key
            )))
        }
        Err(problems) => {
            let page = sent(fields, problems, StatusCode::UNPROCESSABLE_ENTITY);
            upload_page(&state, &staff, &page)
        }
    }
}

/// Everything wrong with an upload that can be told before the file is processed.
async fn upload_problems(
    state: &AppState,
    fields: &MediaFields,
    file: Option<&Upload>,
) -> Result<Problems, WebError> {
    let mut problems = Problems::default();
    let kind = fields.media_kind();

    if !is_valid_key(&fields.key) {
        problems.add("key", key_message());
    } else if fields.key == RESERVED_KEY {
        problems.add(
            "key",
            "„new“ ist die Adresse des Formulars und kein möglicher Schlüssel; bitte einen \
             anderen wählen.",
        );
    } else {
        // The store checks again as it writes, for an upload that takes the key meanwhile.
        let existing = state.media().info(&fields.key).await.map_err(internal)?;
        match existing {
            Some(info) if info.kind() != kind => problems.add("key", taken_by_other(info.kind())),
            Some(_) if !fields.replace => problems.add("key", key_in_use(kind)),
            _ => {}
        }
    }
    if file.is_none() {
        problems.add("file", "Bitte eine Datei auswählen.");
    }
    match kind {
        MediaKind::Image => {
            image_details(fields, &mut problems);
        }
        MediaKind::Document => {
            document_details(fields, &mut problems);
        }
    }
    Ok(problems)
}

/// Hands a checked upload to the media store; the inner error holds what the store refused,
/// by field.
async fn store_upload(
    state: &AppState,
    staff: &SignedIn,
    fields: &MediaFields,
    file: Upload,
) -> Result<Result<(), Problems>, WebError> {
    let mut problems = Problems::default();
    let key = fields.key.clone();
    let outcome = match fields.media_kind() {
        MediaKind::Image => {
            let Some((alt, caption, focal_point)) = image_details(fields, &mut problems) else {
                return Ok(Err(problems));
            };
            let image = NewImage {
                key,
                bytes: file.bytes,
                alt,
                caption,
                focal_point,
            };
            let media = NewMedia::Image(image);
            state
                .media()
                .upload(media, fields.replace, staff.name(), state.now())
                .await
        }
        MediaKind::Document => {
            let Some((title, language)) = document_details(fields, &mut problems) else {
                return Ok(Err(problems));
            };
            let document = NewDocument {
                key,
                bytes: file.bytes,
                title,
                language,
            };
            let media = NewMedia::Document(document);
            state
                .media()
                .upload(media, fields.replace, staff.name(), state.now())
                .await
        }
    };
    refused_fields(outcome.map(|_| ()))
}

/// Sorts a store outcome into success, what the person can fix (by field), and our faults.
fn refused_fields(outcome: Result<(), MediaError>) -> Result<Result<(), Problems>, WebError> {
    match outcome {
        Ok(()) => Ok(Ok(())),
        Err(error) => match problem_of(&error) {
            Some((field, message)) => {
                let mut problems = Problems::default();
                problems.add(&field, message);
                Ok(Err(problems))
            }
            None => Err(internal(error)),
        },
    }
}

/// One rendition in the table of the details page.
#[derive(Debug, Serialize)]
struct RenditionView {
    variant: String,
    crop: &'static str,
    width: u32,
    height: u32,
    url: String,
}

fn crop_label(crop: Crop) -> &'static str {
    match crop {
        Crop::None => "ganzes Bild",
        Crop::Wide => "Ausschnitt 16:9",
        Crop::Square => "Ausschnitt 1:1",
    }
}

/// What the details page shows about the stored item, apart from the form.
#[derive(Debug, Serialize)]
struct ItemView {
    key: String,
    kind: &'static str,
    media_type: String,
    size: String,
    created: String,
    created_by: String,
    updated: String,
    updated_by: String,
    /// The image's pixel size.
    dimensions: Option<String>,
    /// What the image shows, in German.
    alt: String,
    /// The preview, with its address and size, and the crops, each an address.
    preview: Option<(String, u32, u32)>,
    crops: Vec<(String, &'static str)>,
    renditions: Vec<RenditionView>,
    /// The address of a document's file.
    document_url: Option<String>,
    language_name: String,
    used_by: Vec<UseView>,
}

fn item_view(state: &AppState, info: &MediaInfo, used_by: Vec<UseView>) -> ItemView {
    let mut view = ItemView {
        key: info.key.clone(),
        kind: info.kind().as_str(),
        media_type: info.media_type.clone(),
        size: file_size(info.byte_size, Variant::German),
        created: local(state, info.created_at),
        created_by: info.created_by.clone(),
        updated: local(state, info.updated_at),
        updated_by: info.updated_by.clone(),
        dimensions: None,
        alt: String::new(),
        preview: None,
        crops: Vec::new(),
        renditions: Vec::new(),
        document_url: None,
        language_name: String::new(),
        used_by,
    };
    match &info.details {
        MediaDetails::Image(image) => {
            view.dimensions = Some(format!("{} × {} Pixel", image.width, image.height));
            view.alt.clone_from(&image.alt.de);
            view.preview = image
                .rendition_up_to(Crop::None, PREVIEW_WIDTH)
                .map(|rendition| {
                    let url = media_url(info, &rendition.variant);
                    (url, rendition.width, rendition.height)
                });
            view.crops = [Crop::Wide, Crop::Square]
                .into_iter()
                .filter_map(|crop| {
                    image
                        .rendition_up_to(crop, THUMBNAIL_WIDTH)
                        .map(|rendition| (media_url(info, &rendition.variant), crop_label(crop)))
                })
                .collect();
            view.renditions = image
                .renditions
                .iter()
                .map(|rendition| RenditionView {
                    variant: rendition.variant.clone(),
                    crop: crop_label(rendition.crop),
                    width: rendition.width,
                    height: rendition.height,
                    url: media_url(info, &rendition.variant),
                })
                .collect();
        }
        MediaDetails::Document(document) => {
            view.document_url = Some(media_url(info, "document"));
            view.language_name = languages(state, &document.language)
                .into_iter()
                .find(|(code, _)| *code == document.language)
                .map_or_else(|| document.language.clone(), |(_, name)| name);
        }
    }
    view
}

/// What the details page shows besides the stored facts.
struct DetailsPage {
    fields: MediaFields,
    problems: Problems,
    /// Why a deletion was refused.
    refusal: Option<String>,
    notice: Option<String>,
    status: StatusCode,
}

async fn details_page(
    state: &AppState,
    staff: &SignedIn,
    info: &MediaInfo,
    page: DetailsPage,
) -> Result<Response, WebError> {
    let used_by = uses(state).await?.remove(&info.key).unwrap_or_default();
    let item = item_view(state, info, used_by);
    let failed = !page.problems.is_empty() || page.refusal.is_some();
    let title = format!(
        "{}{} „{}“",
        if failed { "Fehler: " } else { "" },
        kind_name(info.kind()),
        info.key
    );
    let mut layout = StaffLayout::signed_in(state, staff, title, "media");
    layout.notice = page.notice;
    let mut response = render(
        state,
        "staff/media_item.html",
        &layout,
        view! {
            item => item,
            fields => &page.fields,
            problems => page.problems.summary(),
            errors => page.problems.by_field(),
            refusal => page.refusal,
            languages => languages(state, &page.fields.language),
        },
    )?;
    *response.status_mut() = page.status;
    Ok(response)
}

async fn stored(state: &AppState, key: &str) -> Result<MediaInfo, WebError> {
    state
        .media()
        .info(key)
        .await
        .map_err(internal)?
        .ok_or(WebError::NotFound)
}

/// What the details page is opened with.
#[derive(Debug, Default, Deserialize)]
pub struct ItemParams {
    /// What was just done: `uploaded` or `saved`.
    #[serde(default)]
    pub done: String,
}

/// `GET /staff/media/{key}`: one image or document with its files, the form for its texts
/// and focal point, and deleting it.
pub async fn item(
    State(state): State<AppState>,
    staff: SignedIn,
    Path(key): Path<String>,
    Query(params): Query<ItemParams>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let info = stored(&state, &key).await?;
    let notice = match params.done.as_str() {
        "uploaded" => Some("Die Datei ist gespeichert.".to_owned()),
        "saved" => Some("Die Angaben sind gespeichert.".to_owned()),
        _ => None,
    };
    let page = DetailsPage {
        fields: MediaFields::of(&info),
        problems: Problems::default(),
        refusal: None,
        notice,
        status: StatusCode::OK,
    };
    details_page(&state, &staff, &info, page).await
}

fn form_field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(field, _)| field == name)
        .map_or("", |(_, value)| value.as_str())
}

/// `POST /staff/media/{key}`: changes an image's alternative texts, caption and focal
/// point, or a document's title and language.
pub async fn update(
    State(state): State<AppState>,
    staff: SignedIn,
    Path(key): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    staff.check_form(&state, &headers, form_field(&pairs, "token"))?;
    let info = stored(&state, &key).await?;
    let mut fields = MediaFields::of(&info);
    for (name, value) in pairs {
        if !matches!(name.as_str(), "kind" | "key" | "replace") {
            fields.set(&name, &value);
        }
    }

    let mut problems = Problems::default();
    let outcome = match info.kind() {
        MediaKind::Image => match image_details(&fields, &mut problems) {
            Some((alt, caption, focal_point)) => {
                let outcome = state
                    .media()
                    .update_image_details(
                        &key,
                        alt,
                        caption,
                        focal_point,
                        staff.name(),
                        state.now(),
                    )
                    .await;
                refused_fields(outcome.map(|_| ()))?
            }
            None => Err(problems),
        },
        MediaKind::Document => match document_details(&fields, &mut problems) {
            Some((title, language)) => {
                refused_fields(update_document(&state, &staff, &key, title, language).await)?
            }
            None => Err(problems),
        },
    };

    match outcome {
        Ok(()) => {
            reload(&state).await;
            Ok(see_other(&format!("/staff/media/{key}?done=saved")))
        }
        Err(problems) => {
            let page = DetailsPage {
                fields,
                problems,
                refusal: None,
                notice: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            details_page(&state, &staff, &info, page).await
        }
    }
}

/// Stores a document's new title and language with its file unchanged.
async fn update_document(
    state: &AppState,
    staff: &SignedIn,
    key: &str,
    title: Localized,
    language: String,
) -> Result<(), MediaError> {
    let original = state
        .media()
        .original(key)
        .await?
        .ok_or_else(|| MediaError::NotFound(key.to_owned()))?;
    let document = NewDocument {
        key: key.to_owned(),
        bytes: original.bytes,
        title,
        language,
    };
    state
        .media()
        .upload_document(document, staff.name(), state.now())
        .await
        .map(|_| ())
}

/// `POST /staff/media/{key}/delete`: deletes an image or document, unless published content
/// still shows it.
pub async fn delete(
    State(state): State<AppState>,
    staff: SignedIn,
    Path(key): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    staff.check_form(&state, &headers, form_field(&pairs, "token"))?;
    let info = stored(&state, &key).await?;

    match state.media().delete(&key).await {
        Ok(()) => {
            reload(&state).await;
            Ok(see_other(&format!("/staff/media?deleted={key}")))
        }
        Err(MediaError::InUse { users, .. }) => {
            let names: Vec<String> = users
                .iter()
                .map(|(kind, key)| format!("{} „{key}“", kind_label(*kind).0))
                .collect();
            let refusal = format!(
                "Nicht gelöscht: Inhalte zeigen {} noch, veröffentlicht oder in einer offenen \
                 Fassung ({}). Bitte dort zuerst entfernen.",
                match info.kind() {
                    MediaKind::Image => "das Bild",
                    MediaKind::Document => "das Dokument",
                },
                names.join(", ")
            );
            let page = DetailsPage {
                fields: MediaFields::of(&info),
                problems: Problems::default(),
                refusal: Some(refusal),
                notice: None,
                status: StatusCode::CONFLICT,
            };
            details_page(&state, &staff, &info, page).await
        }
        Err(MediaError::NotFound(_)) => Err(WebError::NotFound),
        Err(error) => Err(internal(error)),
    }
}

#[cfg(test)]
mod tests {
    use rathaus_content::media::processing::check_image_bytes;

    use super::*;

    #[test]
    fn every_kind_of_refused_file_is_named_in_german() {
        let samples: [&[u8]; 10] = [
            b"",
            b"%PDF-1.7 ...",
            b"GIF89a......",
            b"II*\0........",
            b"BM..........",
            b"\0\0\0\x18ftypheic....",
            b"\0\0\0\x18ftypavif....",
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
            b"PK\x03\x04........",
            b"\x89PNG.....",
        ];
        for bytes in samples {
            let Err(MediaError::UnsupportedImage { looks_like }) = check_image_bytes(bytes) else {
                panic!("{bytes:?} is refused as an image");
            };
            assert_ne!(
                file_type(looks_like),
                "von unbekannter Art",
                "{looks_like} has a German name"
            );
        }
        let Err(MediaError::UnsupportedImage { looks_like }) = check_image_bytes(b"hello") else {
            panic!("text is refused as an image");
        };
        assert_eq!(file_type(looks_like), "von unbekannter Art");
    }

    #[test]
    fn percentages_are_read_as_people_type_them() {
        let close = |text: &str, expected: f32| {
            let read = fraction(text).expect("a percentage");
            assert!((read - expected).abs() < 1e-6, "{text}: {read}");
        };
        close("50", 0.5);
        close(" 33,5 ", 0.335);
        close("33.5", 0.335);
        close("0", 0.0);
        close("100", 1.0);
        assert_eq!(fraction("100.1"), None);
        assert_eq!(fraction("-1"), None);
        assert_eq!(fraction("mitte"), None);
        assert_eq!(fraction(""), None);
        assert_eq!(percent(0.335), "33.5");
        assert_eq!(percent(0.5), "50");
    }

    #[test]
    fn store_limits_reach_the_field_in_german() {
        let error = MediaError::Invalid {
            field: "alt.en".to_owned(),
            message: "260 characters; at most 250".to_owned(),
        };
        let (field, message) = problem_of(&error).expect("a person can fix it");
        assert_eq!(field, "alt_en");
        assert_eq!(
            message,
            "Der Text hat 260 Zeichen; höchstens 250 sind möglich."
        );

        let error = MediaError::Invalid {
            field: "alt.de".to_owned(),
            message: "this looks like a file name; describe what the image shows".to_owned(),
        };
        let (field, message) = problem_of(&error).expect("a person can fix it");
        assert_eq!(field, "alt_de");
        assert!(message.contains("Dateiname"), "{message}");

        assert!(problem_of(&MediaError::Interrupted("stopped".to_owned())).is_none());
    }
}
