//! Content work in the staff portal: the overview, the item list, the editing forms, the
//! workflow steps (submit, approve or schedule, send back, discard, archive), the comparison
//! of two revisions and the readability advice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rathaus_content::catalog::Catalog;
use rathaus_content::diff::{self, Change, WordChange};
use rathaus_content::editor::{self, Field, FieldProblem, FormValues, Input};
use rathaus_content::media::{MediaDetails, MediaKind};
use rathaus_content::model::{Item, Kind, Variant};
use rathaus_content::readability::{self, Analysis, ReadabilitySettings};
use rathaus_content::store::{RevisionInfo, document_of};
use rathaus_content::workflow::{Approval, ItemOverview, title_of};
use rathaus_content::{WorkflowError, validate};
use rathaus_identity::Role;
use serde::{Deserialize, Serialize};

use super::{SignedIn, StaffLayout, render, see_other};
use crate::error::WebError;
use crate::state::AppState;

/// The readability limits the city configured.
fn readability_settings(state: &AppState) -> ReadabilitySettings {
    let limits = &state.config().readability;
    ReadabilitySettings {
        max_sentence_words: limits.max_sentence_words,
        max_sentence_words_easy: limits.max_sentence_words_easy,
        long_word_letters: limits.long_word_letters,
        max_compound_letters_easy: limits.max_compound_letters_easy,
    }
}

/// The German name of a kind, in the singular and the plural.
pub fn kind_label(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Service => ("Leistung", "Leistungen"),
        Kind::Office => ("Dienststelle", "Dienststellen"),
        Kind::LifeSituation => ("Lebenslage", "Lebenslagen"),
        Kind::News => ("Meldung", "Meldungen"),
        Kind::Page => ("Seite", "Seiten"),
        Kind::District => ("Stadtteil", "Stadtteile"),
    }
}

/// The German name of a revision state.
pub fn state_label(state: &str) -> &'static str {
    match state {
        "draft" => "Entwurf",
        "in-review" => "In Prüfung",
        "scheduled" => "Geplant",
        "published" => "Veröffentlicht",
        "superseded" => "Abgelöst",
        "archived" => "Archiviert",
        "discarded" => "Verworfen",
        _ => "Unbekannt",
    }
}

/// The German name of a variant.
pub fn variant_label(variant: Variant) -> &'static str {
    match variant {
        Variant::German => "Deutsch",
        Variant::English => "Englisch",
        Variant::EasyGerman => "Leichte Sprache",
    }
}

fn parse_kind(kind: &str) -> Result<Kind, WebError> {
    Kind::parse(kind).ok_or(WebError::NotFound)
}

fn internal(error: impl std::fmt::Display) -> WebError {
    WebError::Internal(error.to_string())
}

fn local(state: &AppState, time: DateTime<Utc>) -> String {
    time.with_timezone(&state.time_zone())
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// One row of an item list.
#[derive(Debug, Serialize)]
struct ItemRow {
    kind: &'static str,
    kind_label: &'static str,
    key: String,
    title: String,
    url: String,
    state: String,
    state_label: &'static str,
    published: bool,
    missing: Vec<&'static str>,
    review_due: Option<String>,
    overdue: bool,
    updated: String,
    author: String,
    comment: Option<String>,
    publish_at: Option<String>,
    flesch: Option<f64>,
    flesch_text: String,
}

fn item_row(state: &AppState, entry: &ItemOverview, today: NaiveDate) -> ItemRow {
    let settings = readability_settings(state);
    let flesch = editor::running_text(&entry.latest, Variant::German)
        .and_then(|text| readability::analyse(&text, Variant::German, &settings).flesch_amstad);
    ItemRow {
        kind: entry.kind.as_str(),
        kind_label: kind_label(entry.kind).0,
        key: entry.key.clone(),
        title: entry.title().to_owned(),
        url: format!("/staff/content/{}/{}", entry.kind, entry.key),
        state: entry.latest_revision.state.clone(),
        state_label: state_label(&entry.latest_revision.state),
        published: entry.published_number.is_some(),
        missing: entry
            .missing_variants()
            .into_iter()
            .map(variant_label)
            .collect(),
        review_due: entry
            .review_due
            .map(|date| date.format("%d.%m.%Y").to_string()),
        overdue: entry.review_overdue(today),
        updated: local(state, entry.latest_revision.created_at),
        author: entry.latest_revision.author.clone(),
        comment: entry.latest_revision.review_comment.clone(),
        publish_at: entry.latest_revision.publish_at.map(|at| local(state, at)),
        flesch,
        flesch_text: flesch.map_or_else(|| "–".to_owned(), |score| format!("{score:.0}")),
    }
}

/// `GET /staff`: what waits for the signed-in person.
pub async fn dashboard(
    State(state): State<AppState>,
    staff: SignedIn,
) -> Result<Response, WebError> {
    if !staff.session.account.can_edit() {
        return super::people::own_roles(&state, &staff);
    }
    let overview = state.store().overview().await?;
    let today = state.now().with_timezone(&state.time_zone()).date_naive();
    let rows: Vec<ItemRow> = overview
        .iter()
        .map(|entry| item_row(&state, entry, today))
        .collect();

    let pick = |wanted: &dyn Fn(&ItemRow) -> bool| -> Vec<&ItemRow> {
        rows.iter().filter(|row| wanted(row)).collect()
    };
    let in_review = pick(&|row| row.state == "in-review");
    let sent_back = pick(&|row| row.state == "draft" && row.comment.is_some());
    let drafts = pick(&|row| row.state == "draft" && row.comment.is_none());
    let scheduled = pick(&|row| row.state == "scheduled");
    let overdue = pick(&|row| row.overdue);
    let open_feedback = state.store().open_feedback_count().await?;

    let layout = StaffLayout::signed_in(&state, &staff, "Übersicht".to_owned(), "dashboard");
    render(
        &state,
        "staff/dashboard.html",
        &layout,
        view! {
            in_review => in_review,
            sent_back => sent_back,
            drafts => drafts,
            scheduled => scheduled,
            overdue => overdue,
            open_feedback => open_feedback,
            kinds => kinds(),
        },
    )
}

#[derive(Serialize)]
struct KindLink {
    kind: &'static str,
    label: &'static str,
    singular: &'static str,
}

fn kinds() -> Vec<KindLink> {
    Kind::ALL
        .into_iter()
        .map(|kind| KindLink {
            kind: kind.as_str(),
            label: kind_label(kind).1,
            singular: kind_label(kind).0,
        })
        .collect()
}

/// The filters and order of the item list.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ListParams {
    /// Only items of this kind.
    #[serde(default)]
    pub kind: String,
    /// Only items whose newest revision is in this state.
    #[serde(default)]
    pub state: String,
    /// Only items lacking this variant (`en` or `ls`).
    #[serde(default)]
    pub missing: String,
    /// Only items past their review date.
    #[serde(default)]
    pub overdue: String,
    /// `title` (default), `updated`, `score` (hardest first) or `review`.
    #[serde(default)]
    pub sort: String,
}

/// `GET /staff/content`: every item, filtered and sorted.
pub async fn list(
    State(state): State<AppState>,
    staff: SignedIn,
    Query(params): Query<ListParams>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let overview = state.store().overview().await?;
    let today = state.now().with_timezone(&state.time_zone()).date_naive();
    let missing = Variant::from_code(&params.missing);

    let mut rows: Vec<ItemRow> = overview
        .iter()
        .filter(|entry| params.kind.is_empty() || entry.kind.as_str() == params.kind)
        .filter(|entry| params.state.is_empty() || entry.latest_revision.state == params.state)
        .filter(|entry| missing.is_none_or(|variant| entry.missing_variants().contains(&variant)))
        .filter(|entry| params.overdue.is_empty() || entry.review_overdue(today))
        .map(|entry| item_row(&state, entry, today))
        .collect();
    match params.sort.as_str() {
        "updated" => rows.sort_by(|a, b| b.updated.cmp(&a.updated)),
        "score" => rows.sort_by(|a, b| {
            let a = a.flesch.unwrap_or(f64::INFINITY);
            let b = b.flesch.unwrap_or(f64::INFINITY);
            a.total_cmp(&b)
        }),
        "review" => rows.sort_by(|a, b| match (&a.review_due, &b.review_due) {
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            _ => a.review_due.cmp(&b.review_due),
        }),
        _ => rows.sort_by_key(|row| rathaus_content::catalog::sort_key(&row.title)),
    }

    let layout = StaffLayout::signed_in(&state, &staff, "Inhalte".to_owned(), "content");
    let states: Vec<(&str, &str)> = ["draft", "in-review", "scheduled", "published", "archived"]
        .into_iter()
        .map(|state| (state, state_label(state)))
        .collect();
    render(
        &state,
        "staff/list.html",
        &layout,
        view! { rows => rows, params => params, kinds => kinds(), states => states },
    )
}

/// One form control as the template draws it.
#[derive(Debug, Serialize)]
struct Control {
    name: String,
    id: String,
    label: String,
    help: &'static str,
    input: &'static str,
    value: String,
    values: Vec<String>,
    options: Vec<OptionView>,
    required: bool,
    error: Option<String>,
    lang: &'static str,
}

#[derive(Debug, Serialize)]
struct OptionView {
    value: String,
    label: String,
    selected: bool,
}

/// A field of the form: a single control, or a group of them (a fieldset), or a list of
/// entries each made of controls.
#[derive(Debug, Serialize)]
struct FieldView {
    label: &'static str,
    help: &'static str,
    kind: &'static str,
    controls: Vec<Control>,
    entries: Vec<EntryView>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct EntryView {
    number: usize,
    spare: bool,
    remove_name: String,
    remove_id: String,
    controls: Vec<Control>,
}

/// One row of the side-by-side texts: a text field in each variant.
#[derive(Debug, Serialize)]
struct TextRow {
    label: &'static str,
    help: &'static str,
    cells: Vec<Control>,
}

fn control_id(name: &str) -> String {
    let mut id = String::from("f-");
    id.extend(
        name.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }),
    );
    id
}

struct FormBuilder<'a> {
    values: &'a FormValues,
    errors: &'a BTreeMap<String, String>,
    catalog: &'a Catalog,
}

impl FormBuilder<'_> {
    fn first(&self, name: &str) -> String {
        self.values
            .get(name)
            .and_then(|values| values.first())
            .cloned()
            .unwrap_or_default()
    }

    fn control(&self, name: String, label: String, field: &Field, lang: &'static str) -> Control {
        let (input, options) = match field.input {
            Input::Line => ("text", Vec::new()),
            Input::Url => ("url", Vec::new()),
            Input::Email => ("email", Vec::new()),
            Input::Plain => ("plain", Vec::new()),
            Input::Markdown => ("markdown", Vec::new()),
            Input::Lines => ("lines", Vec::new()),
            Input::Integer => ("integer", Vec::new()),
            Input::Decimal => ("decimal", Vec::new()),
            Input::Money => ("money", Vec::new()),
            Input::Checkbox => ("checkbox", Vec::new()),
            Input::Date => ("date", Vec::new()),
            Input::DateTime => ("datetime", Vec::new()),
            Input::DayHours => ("hours", Vec::new()),
            Input::Choice(choices) => {
                let current = self.first(&name);
                let options = choices
                    .iter()
                    .map(|(value, label)| OptionView {
                        value: (*value).to_owned(),
                        label: (*label).to_owned(),
                        selected: current == *value,
                    })
                    .collect();
                ("choice", options)
            }
            Input::Reference(kind) => ("reference", self.options_of(kind, &name)),
            Input::References(kind) => ("references", self.options_of(kind, &name)),
            Input::Media(kind) => ("reference", self.media_options(kind, &name)),
            Input::MediaList(kind) => ("references", self.media_options(kind, &name)),
            // Composite inputs are drawn as their parts; this arm is never shown.
            Input::Localized | Input::Group(_) | Input::Object { .. } => ("composite", Vec::new()),
        };
        Control {
            id: control_id(&name),
            value: self.first(&name),
            values: self.values.get(&name).cloned().unwrap_or_default(),
            error: self.errors.get(&name).cloned(),
            label,
            help: field.help,
            input,
            options,
            required: field.required,
            lang,
            name,
        }
    }

    /// The items of `kind` to choose from, by name, with the chosen ones marked.
    fn options_of(&self, kind: Kind, name: &str) -> Vec<OptionView> {
        let choices = published_titles(self.catalog, kind);
        self.options(name, choices, "nicht veröffentlicht")
    }

    /// The images or documents to choose from, by German description and key.
    fn media_options(&self, kind: MediaKind, name: &str) -> Vec<OptionView> {
        let choices = self
            .catalog
            .all_media()
            .filter(|info| info.kind() == kind)
            .map(|info| {
                let description = match &info.details {
                    MediaDetails::Image(image) => &image.alt.de,
                    MediaDetails::Document(document) => &document.title.de,
                };
                (info.key.clone(), format!("{description} ({})", info.key))
            })
            .collect();
        self.options(name, choices, "nicht vorhanden")
    }

    /// Options from (key, label) pairs with the values of `name` marked as chosen. A chosen
    /// key that is not among the choices (any more) stays offered, marked with `missing`, so
    /// that saving the form does not drop it unnoticed.
    fn options(
        &self,
        name: &str,
        choices: Vec<(String, String)>,
        missing: &str,
    ) -> Vec<OptionView> {
        let chosen: BTreeSet<&str> = self
            .values
            .get(name)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let mut options: Vec<OptionView> = choices
            .into_iter()
            .map(|(key, label)| OptionView {
                selected: chosen.contains(key.as_str()),
                value: key,
                label,
            })
            .collect();
        for key in chosen {
            if !key.is_empty() && options.iter().all(|option| option.value != key) {
                options.push(OptionView {
                    value: key.to_owned(),
                    label: format!("{key} ({missing})"),
                    selected: true,
                });
            }
        }
        options
    }

    /// The controls of one field at `name`: one, or three for a localized text.
    fn controls(&self, name: &str, field: &Field) -> Vec<Control> {
        match field.input {
            Input::Localized => [Variant::German, Variant::EasyGerman, Variant::English]
                .into_iter()
                .map(|variant| {
                    let sub = Field {
                        input: Input::Line,
                        required: field.required && variant == Variant::German,
                        ..*field
                    };
                    self.control(
                        format!("{name}.{}", variant.code()),
                        format!("{} ({})", field.label, variant_label(variant)),
                        &sub,
                        variant.language_tag(),
                    )
                })
                .collect(),
            Input::Object { fields, .. } => fields
                .iter()
                .flat_map(|sub| self.controls(&format!("{name}.{}", sub.name), sub))
                .collect(),
            _ => vec![self.control(name.to_owned(), field.label.to_owned(), field, "de")],
        }
    }

    fn field(&self, field: &Field) -> FieldView {
        let error = self.errors.get(field.name).cloned();
        match field.input {
            Input::Group(fields) => {
                let count = editor::group_len(self.values, field.name);
                let entries = (0..=count)
                    .map(|index| {
                        let prefix = format!("{}[{index}]", field.name);
                        EntryView {
                            number: index + 1,
                            spare: index >= count,
                            remove_id: control_id(&format!("{prefix}.remove")),
                            remove_name: format!("{prefix}.remove"),
                            controls: fields
                                .iter()
                                .flat_map(|sub| {
                                    self.controls(&format!("{prefix}.{}", sub.name), sub)
                                })
                                .collect(),
                        }
                    })
                    .collect();
                FieldView {
                    label: field.label,
                    help: field.help,
                    kind: "group",
                    controls: Vec::new(),
                    entries,
                    error,
                }
            }
            Input::Object { .. } | Input::Localized => FieldView {
                label: field.label,
                help: field.help,
                kind: "fieldset",
                controls: self.controls(field.name, field),
                entries: Vec::new(),
                error,
            },
            _ => FieldView {
                label: field.label,
                help: field.help,
                kind: "single",
                controls: self.controls(field.name, field),
                entries: Vec::new(),
                error,
            },
        }
    }

    fn text_rows(&self, kind: Kind) -> Vec<TextRow> {
        editor::schema(kind)
            .texts
            .iter()
            .map(|field| TextRow {
                label: field.label,
                help: field.help,
                cells: [Variant::German, Variant::EasyGerman, Variant::English]
                    .into_iter()
                    .map(|variant| {
                        let sub = Field {
                            required: field.required && variant == Variant::German,
                            ..*field
                        };
                        self.control(
                            format!("{}.{}", variant.code(), field.name),
                            format!("{} ({})", field.label, variant_label(variant)),
                            &sub,
                            variant.language_tag(),
                        )
                    })
                    .collect(),
            })
            .collect()
    }
}

/// The published items of `kind` as (key, German title), sorted by title.
fn published_titles(catalog: &Catalog, kind: Kind) -> Vec<(String, String)> {
    let mut titles: Vec<(String, String)> = match kind {
        Kind::Service => catalog
            .services()
            .map(|item| (item.key.clone(), item.de.name.clone()))
            .collect(),
        Kind::Office => catalog
            .offices()
            .map(|item| (item.key.clone(), item.de.name.clone()))
            .collect(),
        Kind::District => catalog
            .districts()
            .map(|item| (item.key.clone(), item.de.name.clone()))
            .collect(),
        Kind::LifeSituation => catalog
            .life_situations()
            .map(|item| (item.key.clone(), item.de.name.clone()))
            .collect(),
        Kind::Page => catalog
            .pages()
            .map(|item| (item.key.clone(), item.de.title.clone()))
            .collect(),
        Kind::News => Vec::new(),
    };
    titles.sort_by_key(|(_, title)| rathaus_content::catalog::sort_key(title));
    titles
}

/// The keys of everything published, for checking references.
fn published_keys(catalog: &Catalog) -> BTreeSet<(Kind, String)> {
    [
        Kind::Service,
        Kind::Office,
        Kind::District,
        Kind::LifeSituation,
        Kind::Page,
    ]
    .into_iter()
    .flat_map(|kind| {
        published_titles(catalog, kind)
            .into_iter()
            .map(move |(key, _)| (kind, key))
    })
    .collect()
}

#[derive(Serialize)]
struct EditView {
    kind: &'static str,
    kind_label: &'static str,
    key: String,
    new: bool,
    based_on: Option<i64>,
    action: String,
    fields: Vec<FieldView>,
    texts: Vec<TextRow>,
    problems: Vec<ProblemView>,
    conflict: Option<String>,
    note: String,
    readability: Vec<ReadabilityView>,
    cancel_url: String,
}

#[derive(Serialize)]
struct ProblemView {
    id: String,
    label: String,
    message: String,
}

struct EditPage {
    kind: Kind,
    key: String,
    new: bool,
    based_on: Option<i64>,
    values: FormValues,
    problems: Vec<FieldProblem>,
    conflict: Option<String>,
    note: String,
    checked: Option<Item>,
}

fn edit_page(state: &AppState, staff: &SignedIn, page: EditPage) -> Result<Response, WebError> {
    let catalog = state.catalog();
    let errors: BTreeMap<String, String> = page
        .problems
        .iter()
        .map(|problem| (problem.field.clone(), problem.message.clone()))
        .collect();
    let builder = FormBuilder {
        values: &page.values,
        errors: &errors,
        catalog: &catalog,
    };
    let schema = editor::schema(page.kind);
    let fields: Vec<FieldView> = schema
        .fields
        .iter()
        .map(|field| builder.field(field))
        .collect();
    let texts = builder.text_rows(page.kind);
    let problems = page
        .problems
        .iter()
        .map(|problem| ProblemView {
            id: control_id(&problem.field),
            label: problem.field.clone(),
            message: problem.message.clone(),
        })
        .collect::<Vec<_>>();
    let (singular, _) = kind_label(page.kind);
    let action = if page.new {
        format!("/staff/content/{}/new", page.kind)
    } else {
        format!("/staff/content/{}/{}/edit", page.kind, page.key)
    };
    let readability = page
        .checked
        .as_ref()
        .map(|item| readability_views(state, item))
        .unwrap_or_default();

    let failed = !problems.is_empty() || page.conflict.is_some();
    let title = match (page.new, failed) {
        (true, false) => format!("{singular} anlegen"),
        (true, true) => format!("Fehler: {singular} anlegen"),
        (false, false) => format!("{singular} bearbeiten"),
        (false, true) => format!("Fehler: {singular} bearbeiten"),
    };
    let layout = StaffLayout::signed_in(state, staff, title, "content");
    let view = EditView {
        kind: page.kind.as_str(),
        kind_label: singular,
        cancel_url: if page.new {
            "/staff/content".to_owned()
        } else {
            format!("/staff/content/{}/{}", page.kind, page.key)
        },
        key: page.key,
        new: page.new,
        based_on: page.based_on,
        action,
        fields,
        texts,
        problems,
        conflict: page.conflict,
        note: page.note,
        readability,
    };
    let mut response = render(state, "staff/edit.html", &layout, view)?;
    if failed {
        *response.status_mut() = if page.problems.is_empty() {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
    }
    Ok(response)
}

/// `GET /staff/content/{kind}/new`: an empty form.
pub async fn new_form(
    State(state): State<AppState>,
    staff: SignedIn,
    Path(kind): Path<String>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = parse_kind(&kind)?;
    edit_page(
        &state,
        &staff,
        EditPage {
            kind,
            key: String::new(),
            new: true,
            based_on: None,
            values: FormValues::new(),
            problems: Vec::new(),
            conflict: None,
            note: String::new(),
            checked: None,
        },
    )
}

/// `GET /staff/content/{kind}/{key}/edit`: the form with the newest revision.
pub async fn edit_form(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key)): Path<(String, String)>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = parse_kind(&kind)?;
    let (info, item) = latest(&state, kind, &key).await?;
    edit_page(
        &state,
        &staff,
        EditPage {
            kind,
            values: editor::to_form(&item, state.time_zone()),
            key,
            new: false,
            based_on: Some(info.number),
            problems: Vec::new(),
            conflict: None,
            note: String::new(),
            checked: Some(item),
        },
    )
}

async fn latest(state: &AppState, kind: Kind, key: &str) -> Result<(RevisionInfo, Item), WebError> {
    let revisions = state.store().revisions(kind, key).await?;
    let newest = revisions.first().ok_or(WebError::NotFound)?;
    state
        .store()
        .revision(kind, key, newest.number)
        .await?
        .ok_or(WebError::NotFound)
}

/// Splits submitted form pairs into the item's values and the form's own fields (those
/// starting with an underscore).
fn split_form(pairs: Vec<(String, String)>) -> (FormValues, BTreeMap<String, String>) {
    let mut values = FormValues::new();
    let mut own = BTreeMap::new();
    for (name, value) in pairs {
        if let Some(own_name) = name.strip_prefix('_') {
            own.insert(own_name.to_owned(), value);
        } else {
            values.entry(name).or_default().push(value);
        }
    }
    (values, own)
}

/// `POST /staff/content/{kind}/new`: stores a new item as a draft.
pub async fn create(
    State(state): State<AppState>,
    staff: SignedIn,
    Path(kind): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = parse_kind(&kind)?;
    let (values, own) = split_form(pairs);
    staff.check_form(
        &state,
        &headers,
        own.get("token").map_or("", String::as_str),
    )?;
    let key = own.get("key").map_or("", |key| key.trim()).to_owned();

    let mut problems = Vec::new();
    if !validate::is_valid_key(&key) {
        problems.push(FieldProblem {
            field: "_key".to_owned(),
            message: "Bitte einen Schlüssel aus Kleinbuchstaben, Ziffern und einzelnen \
                      Bindestrichen angeben, etwa hundesteuer-anmelden."
                .to_owned(),
        });
    } else if state.store().keys().await?.contains(&(kind, key.clone())) {
        problems.push(FieldProblem {
            field: "_key".to_owned(),
            message: "Diesen Schlüssel hat schon ein anderer Inhalt dieser Art.".to_owned(),
        });
    }
    save_form(&state, &staff, kind, key, true, None, values, own, problems).await
}

/// `POST /staff/content/{kind}/{key}/edit`: saves a new draft revision, checks the texts
/// without saving, or saves and sends to review, depending on the button.
pub async fn save(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key)): Path<(String, String)>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = parse_kind(&kind)?;
    let (values, own) = split_form(pairs);
    staff.check_form(
        &state,
        &headers,
        own.get("token").map_or("", String::as_str),
    )?;
    let based_on = own.get("based_on").and_then(|number| number.parse().ok());
    if state.store().revisions(kind, &key).await?.is_empty() {
        return Err(WebError::NotFound);
    }
    save_form(
        &state,
        &staff,
        kind,
        key,
        false,
        based_on,
        values,
        own,
        Vec::new(),
    )
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site each for new and existing items"
)]
async fn save_form(
    state: &AppState,
    staff: &SignedIn,
    kind: Kind,
    key: String,
    new: bool,
    based_on: Option<i64>,
    values: FormValues,
    own: BTreeMap<String, String>,
    mut problems: Vec<FieldProblem>,
) -> Result<Response, WebError> {
    let note = own.get("note").map_or("", |note| note.trim()).to_owned();
    let action = own.get("action").map_or("save", String::as_str);
    let item_key = if validate::is_valid_key(&key) {
        key.clone()
    } else {
        "neu".to_owned()
    };

    let item = match editor::from_form(kind, &item_key, &values, state.time_zone()) {
        Ok(item) => {
            problems.extend(check_item(state, &item));
            Some(item)
        }
        Err(found) => {
            problems.extend(found);
            None
        }
    };
    let page = |problems, conflict, checked| EditPage {
        kind,
        key: key.clone(),
        new,
        based_on,
        values: values.clone(),
        problems,
        conflict,
        note: note.clone(),
        checked,
    };
    let Some(item) = item.filter(|_| problems.is_empty()) else {
        return edit_page(state, staff, page(problems, None, None));
    };
    if action == "check" {
        return edit_page(state, staff, page(Vec::new(), None, Some(item)));
    }

    let note_text = (!note.is_empty()).then_some(note.as_str());
    let number = match state
        .store()
        .save_draft(&item, based_on, staff.name(), note_text, state.now())
        .await
    {
        Ok(number) => number,
        Err(WorkflowError::Conflict { latest, author, .. }) => {
            let message = format!(
                "{author} hat inzwischen Version {latest} gespeichert. Ihre Eingaben sind \
                 unten erhalten; bitte mit Version {latest} vergleichen und erneut speichern."
            );
            let mut conflicted = page(Vec::new(), Some(message), Some(item));
            conflicted.based_on = Some(latest);
            return edit_page(state, staff, conflicted);
        }
        Err(error) => return Err(internal(error)),
    };
    if action == "submit" {
        state
            .store()
            .submit_for_review(kind, &key, number)
            .await
            .map_err(internal)?;
    }
    Ok(see_other(&format!(
        "/staff/content/{kind}/{key}?saved={number}"
    )))
}

/// The problems validation finds in an item, named by form field.
fn check_item(state: &AppState, item: &Item) -> Vec<FieldProblem> {
    let file = PathBuf::from("form");
    let entry = [(file, item.clone())];
    let catalog = state.catalog();
    let mut known = published_keys(&catalog);
    known.insert((item.kind(), item.key().to_owned()));
    let media: BTreeMap<String, MediaKind> = catalog
        .all_media()
        .map(|info| (info.key.clone(), info.kind()))
        .collect();
    let mut problems = validate::check_items(&entry);
    problems.extend(validate::check_references(&entry, &known, &media));
    problems
        .into_iter()
        .map(|problem| FieldProblem {
            field: problem.field.map_or_else(String::new, |field| {
                // A reference list is one control: `offices[2]` is the field `offices`.
                match field
                    .strip_suffix(']')
                    .and_then(|rest| rest.rsplit_once('['))
                {
                    Some((list, index))
                        if index.bytes().all(|b| b.is_ascii_digit())
                            && !list.contains('.')
                            && !list.contains('[') =>
                    {
                        list.to_owned()
                    }
                    _ => field,
                }
            }),
            message: problem.message,
        })
        .collect()
}

/// The readability advice on one variant's texts.
#[derive(Debug, Serialize)]
struct ReadabilityView {
    variant: &'static str,
    lang: &'static str,
    analysis: Analysis,
    band: Option<&'static str>,
    flesch: Option<String>,
    wiener: Option<String>,
    findings: Vec<FindingView>,
}

#[derive(Debug, Serialize)]
struct FindingView {
    rule: &'static str,
    explanation: &'static str,
    excerpt: String,
}

fn readability_views(state: &AppState, item: &Item) -> Vec<ReadabilityView> {
    let settings = readability_settings(state);
    [Variant::German, Variant::EasyGerman]
        .into_iter()
        .filter_map(|variant| {
            let text = editor::running_text(item, variant)?;
            let analysis = readability::analyse(&text, variant, &settings);
            let findings = analysis
                .long_sentences
                .iter()
                .chain(&analysis.long_words)
                .chain(&analysis.easy_language)
                .map(|finding| FindingView {
                    rule: finding.rule.key(),
                    explanation: finding.rule.explanation(Variant::German),
                    excerpt: finding.excerpt.clone(),
                })
                .collect();
            Some(ReadabilityView {
                variant: variant_label(variant),
                lang: variant.language_tag(),
                band: analysis.band.map(|band| band.label(Variant::German)),
                flesch: analysis.flesch_amstad.map(|score| format!("{score:.0}")),
                wiener: analysis
                    .wiener_sachtextformel
                    .map(|grade| format!("{grade:.1}")),
                findings,
                analysis,
            })
        })
        .collect()
}

/// The query string of the item page.
#[derive(Debug, Default, Deserialize)]
pub struct ItemParams {
    /// The number of a revision just saved.
    pub saved: Option<i64>,
    /// What the last workflow step did, as a key.
    pub done: Option<String>,
    /// A preview link just made.
    pub link: Option<String>,
}

#[derive(Serialize)]
struct RevisionView {
    number: i64,
    state: String,
    state_label: &'static str,
    author: String,
    note: Option<String>,
    created: String,
    publish_at: Option<String>,
    reviewed_by: Option<String>,
    review_comment: Option<String>,
    preview_url: String,
}

/// `GET /staff/content/{kind}/{key}`: the item with its history, its state and the steps
/// the signed-in person may take.
pub async fn item(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key)): Path<(String, String)>,
    Query(params): Query<ItemParams>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = parse_kind(&kind)?;
    let (latest_info, latest_item) = latest(&state, kind, &key).await?;
    let overview = state.store().overview().await?;
    let entry = overview
        .iter()
        .find(|entry| entry.kind == kind && entry.key == key)
        .ok_or(WebError::NotFound)?;

    let revisions: Vec<RevisionView> = state
        .store()
        .revisions(kind, &key)
        .await?
        .into_iter()
        .map(|revision| RevisionView {
            preview_url: format!(
                "/staff/content/{kind}/{key}/revisions/{}/preview",
                revision.number
            ),
            number: revision.number,
            state_label: state_label(&revision.state),
            state: revision.state,
            author: revision.author,
            note: revision.note,
            created: local(&state, revision.created_at),
            publish_at: revision.publish_at.map(|at| local(&state, at)),
            reviewed_by: revision.reviewed_by,
            review_comment: revision.review_comment,
        })
        .collect();
    let notice = match params.done.as_deref() {
        Some("submit") => Some("Zur Prüfung gesendet.".to_owned()),
        Some("approve") => Some("Freigegeben und veröffentlicht.".to_owned()),
        Some("schedule") => Some("Freigegeben; die Veröffentlichung ist geplant.".to_owned()),
        Some("send-back") => Some("Mit Kommentar zurückgegeben.".to_owned()),
        Some("discard") => Some("Entwurf verworfen.".to_owned()),
        Some("cancel-schedule") => {
            Some("Planung aufgehoben; die Version ist wieder in Prüfung.".to_owned())
        }
        Some("archive") => Some("Vom Portal genommen.".to_owned()),
        Some("dates") => Some("Termine gespeichert.".to_owned()),
        _ => params
            .saved
            .map(|number| format!("Version {number} gespeichert.")),
    };
    let preview_link = params
        .link
        .filter(|secret| secret.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|secret| format!("{}/preview/{secret}", state.config().server.public_url));

    let title = title_of(&latest_item, Variant::German)
        .unwrap_or(&key)
        .to_owned();
    let mut layout = StaffLayout::signed_in(&state, &staff, title.clone(), "content");
    layout.notice = notice;
    let tz = state.time_zone();
    let public_url = entry
        .published_number
        .map(|_| format!("/de/{}/{key}", kind.folder()))
        .filter(|_| kind != Kind::District);
    let view = view! {
        kind => kind.as_str(),
        kind_label => kind_label(kind).0,
        key => key.clone(),
        title => title,
        latest => RevisionView {
            preview_url: format!("/staff/content/{kind}/{key}/revisions/{}/preview", latest_info.number),
            number: latest_info.number,
            state_label: state_label(&latest_info.state),
            state: latest_info.state.clone(),
            author: latest_info.author.clone(),
            note: latest_info.note.clone(),
            created: local(&state, latest_info.created_at),
            publish_at: latest_info.publish_at.map(|at| local(&state, at)),
            reviewed_by: latest_info.reviewed_by.clone(),
            review_comment: latest_info.review_comment.clone(),
        },
        published_number => entry.published_number,
        public_url => public_url,
        revisions => revisions,
        missing => entry.missing_variants().into_iter().map(variant_label).collect::<Vec<_>>(),
        review_due => entry.review_due.map(|date| date.to_string()),
        overdue => entry.review_overdue(state.now().with_timezone(&tz).date_naive()),
        expire_at => entry.expire_at.map(|at| at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()),
        readability => readability_views(&state, &latest_item),
        preview_link => preview_link,
        is_own => latest_info.author == staff.name(),
    };
    render(&state, "staff/item.html", &layout, view)
}

/// What the workflow forms send.
#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    publish_at: String,
}

/// `POST /staff/content/{kind}/{key}/revisions/{number}/{step}`: one workflow step.
pub async fn workflow_step(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key, number, step)): Path<(String, String, i64, String)>,
    headers: HeaderMap,
    Form(form): Form<StepForm>,
) -> Result<Response, WebError> {
    let kind = parse_kind(&kind)?;
    let needed = match step.as_str() {
        "submit" | "discard" => Role::Editor,
        "approve" | "send-back" | "cancel-schedule" => Role::Publisher,
        _ => return Err(WebError::NotFound),
    };
    staff.require(needed)?;
    staff.check_form(&state, &headers, &form.token)?;
    let store = state.store();
    let now = state.now();

    let outcome = match step.as_str() {
        "submit" => store
            .submit_for_review(kind, &key, number)
            .await
            .map(|()| "submit"),
        "discard" => store.discard(kind, &key, number).await.map(|()| "discard"),
        "cancel-schedule" => store
            .cancel_schedule(kind, &key, number)
            .await
            .map(|()| "cancel-schedule"),
        "send-back" => store
            .send_back(kind, &key, number, staff.name(), &form.comment, now)
            .await
            .map(|()| "send-back"),
        _ => {
            let publish_at = if form.publish_at.trim().is_empty() {
                None
            } else {
                Some(parse_local(&state, &form.publish_at).ok_or_else(|| {
                    WebError::BadRequest(
                        "Der Zeitpunkt der Veröffentlichung ist kein gültiges Datum mit Uhrzeit."
                            .to_owned(),
                    )
                })?)
            };
            if let Some((_, item)) = store.revision(kind, &key, number).await? {
                let problems = check_item(&state, &item);
                if let Some(problem) = problems.first() {
                    return Err(WebError::BadRequest(format!(
                        "Diese Version kann nicht veröffentlicht werden: {} ({})",
                        problem.message, problem.field
                    )));
                }
            }
            store
                .approve(kind, &key, number, staff.name(), publish_at, now)
                .await
                .map(|approval| match approval {
                    Approval::Published => "approve",
                    Approval::Scheduled(_) => "schedule",
                })
        }
    };
    match outcome {
        Ok(done) => {
            if done == "approve" {
                refresh(&state).await;
            }
            Ok(see_other(&format!(
                "/staff/content/{kind}/{key}?done={done}"
            )))
        }
        Err(WorkflowError::NotFound) => Err(WebError::NotFound),
        Err(WorkflowError::CommentRequired) => Err(WebError::BadRequest(
            "Bitte im Kommentar sagen, was geändert werden soll.".to_owned(),
        )),
        Err(WorkflowError::WrongState { state: current, .. }) => {
            Err(WebError::BadRequest(format!(
                "Dieser Schritt geht nicht: die Version ist im Zustand „{}“. Vielleicht hat \
                 jemand anderes sie gerade bearbeitet; bitte die Seite neu laden.",
                state_label(&current)
            )))
        }
        Err(error) => Err(internal(error)),
    }
}

/// Reloads this node's catalog at once after a publication, so that the person who
/// published sees the change on the next page; other nodes follow within their poll.
async fn refresh(state: &AppState) {
    if let Err(error) = state.refresh_catalog().await {
        tracing::warn!(error = %error, "cannot reload the content after publishing");
    }
}

fn parse_local(state: &AppState, text: &str) -> Option<DateTime<Utc>> {
    editor::local_time(text.trim(), state.time_zone())
}

/// What the dates form sends.
#[derive(Debug, Default, Deserialize)]
pub struct DatesForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    review_due: String,
    #[serde(default)]
    expire_at: String,
}

/// `POST /staff/content/{kind}/{key}/dates`: review date (editors) and expiry (publishers,
/// since it takes the item off the portal).
pub async fn set_dates(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<DatesForm>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    staff.check_form(&state, &headers, &form.token)?;
    let kind = parse_kind(&kind)?;
    let overview = state.store().overview().await?;
    let entry = overview
        .iter()
        .find(|entry| entry.kind == kind && entry.key == key)
        .ok_or(WebError::NotFound)?;

    let review_due = match form.review_due.trim() {
        "" => None,
        text => Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            WebError::BadRequest("Das Prüfdatum ist kein gültiges Datum.".to_owned())
        })?),
    };
    let expire_at = match form.expire_at.trim() {
        "" => None,
        text => Some(parse_local(&state, text).ok_or_else(|| {
            WebError::BadRequest("Das Ablaufdatum ist kein gültiges Datum mit Uhrzeit.".to_owned())
        })?),
    };
    if expire_at != entry.expire_at {
        staff.require(Role::Publisher)?;
    }
    state
        .store()
        .set_dates(kind, &key, review_due, expire_at)
        .await
        .map_err(internal)?;
    Ok(see_other(&format!(
        "/staff/content/{kind}/{key}?done=dates"
    )))
}

/// `POST /staff/content/{kind}/{key}/archive`: takes the item off the portal now.
pub async fn archive(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<StepForm>,
) -> Result<Response, WebError> {
    staff.require(Role::Publisher)?;
    staff.check_form(&state, &headers, &form.token)?;
    let kind = parse_kind(&kind)?;
    match state.store().archive(kind, &key, state.now()).await {
        Ok(()) => {
            refresh(&state).await;
            Ok(see_other(&format!(
                "/staff/content/{kind}/{key}?done=archive"
            )))
        }
        Err(WorkflowError::NotFound) => Err(WebError::NotFound),
        Err(error) => Err(internal(error)),
    }
}

/// The query string of the comparison.
#[derive(Debug, Default, Deserialize)]
pub struct CompareParams {
    /// The older revision; default the published one, or the one before `to`.
    pub from: Option<i64>,
    /// The newer revision; default the newest.
    pub to: Option<i64>,
}

#[derive(Serialize)]
struct ChangeView {
    path: String,
    label: String,
    kind: &'static str,
    old: String,
    new: String,
    words: Vec<(String, String)>,
}

/// `GET /staff/content/{kind}/{key}/compare?from=&to=`: what changed between two
/// revisions, field by field and word by word in texts.
pub async fn compare(
    State(state): State<AppState>,
    staff: SignedIn,
    Path((kind, key)): Path<(String, String)>,
    Query(params): Query<CompareParams>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    let kind = parse_kind(&kind)?;
    let revisions = state.store().revisions(kind, &key).await?;
    let newest = revisions.first().ok_or(WebError::NotFound)?.number;
    let to = params.to.unwrap_or(newest);
    let published = revisions
        .iter()
        .find(|revision| revision.state == "published" && revision.number != to)
        .map(|revision| revision.number);
    let from = params.from.or(published).unwrap_or_else(|| (to - 1).max(1));

    let (_, old) = state
        .store()
        .revision(kind, &key, from)
        .await?
        .ok_or(WebError::NotFound)?;
    let (_, new) = state
        .store()
        .revision(kind, &key, to)
        .await?
        .ok_or(WebError::NotFound)?;
    let changes: Vec<ChangeView> = diff::compare(&document_of(&old), &document_of(&new))
        .into_iter()
        .map(|change| {
            let label = field_label(kind, &change.path);
            match change.change {
                Change::Added(value) => ChangeView {
                    path: change.path,
                    label,
                    kind: "added",
                    old: String::new(),
                    new: value,
                    words: Vec::new(),
                },
                Change::Removed(value) => ChangeView {
                    path: change.path,
                    label,
                    kind: "removed",
                    old: value,
                    new: String::new(),
                    words: Vec::new(),
                },
                Change::Changed { old, new, words } => ChangeView {
                    path: change.path,
                    label,
                    kind: "changed",
                    old,
                    new,
                    words: words
                        .unwrap_or_default()
                        .into_iter()
                        .map(|word| match word {
                            WordChange::Same(text) => ("same".to_owned(), text),
                            WordChange::Inserted(text) => ("inserted".to_owned(), text),
                            WordChange::Deleted(text) => ("deleted".to_owned(), text),
                        })
                        .collect(),
                },
            }
        })
        .collect();

    let numbers: Vec<i64> = revisions.iter().map(|revision| revision.number).collect();
    let title = title_of(&new, Variant::German).unwrap_or(&key).to_owned();
    let layout = StaffLayout::signed_in(
        &state,
        &staff,
        format!("Vergleich: {title}, Version {from} und {to}"),
        "content",
    );
    render(
        &state,
        "staff/compare.html",
        &layout,
        view! {
            kind => kind.as_str(),
            key => key.clone(),
            title => title,
            from => from,
            to => to,
            numbers => numbers,
            changes => changes,
        },
    )
}

/// The German label of a field path such as `de.summary` or `fees[0].amount` (shown as
/// "Gebühren, Eintrag 1: Betrag in Euro").
fn field_label(kind: Kind, path: &str) -> String {
    let schema = editor::schema(kind);
    let texts = path
        .split_once('.')
        .and_then(|(code, rest)| Some((Variant::from_code(code)?, rest)));
    let (fields, rest, suffix) = match texts {
        Some((variant, rest)) => (schema.texts, rest, format!(" ({})", variant_label(variant))),
        None => (schema.fields, path, String::new()),
    };
    format!("{}{suffix}", label_in(fields, rest))
}

/// The label of `path` among `fields`, following groups and nested structures.
fn label_in(fields: &[Field], path: &str) -> String {
    let (head, tail) = path.split_once('.').unwrap_or((path, ""));
    let (name, index) = match head.split_once('[') {
        Some((name, index)) => (name, index.trim_end_matches(']').parse::<usize>().ok()),
        None => (head, None),
    };
    let Some(field) = fields.iter().find(|field| field.name == name) else {
        return path.to_owned();
    };
    let mut label = field.label.to_owned();
    if let Some(index) = index {
        label = format!("{label}, Eintrag {}", index + 1);
    }
    if tail.is_empty() {
        return label;
    }
    match field.input {
        Input::Group(sub) | Input::Object { fields: sub, .. } => {
            format!("{label}: {}", label_in(sub, tail))
        }
        Input::Localized => match Variant::from_code(tail) {
            Some(variant) => format!("{label} ({})", variant_label(variant)),
            None => label,
        },
        _ => label,
    }
}

/// What the live assistance of the editing form sends: one text, its variant, and the form
/// token.
#[derive(Debug, Default, Deserialize)]
pub struct AssistForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    variant: String,
}

/// The live assistance's answer.
#[derive(Debug, Serialize)]
struct Assistance {
    html: String,
    flesch: Option<String>,
    wiener: Option<String>,
    band: Option<&'static str>,
    findings: Vec<FindingView>,
}

/// `POST /staff/assist`: the rendered Markdown and the readability advice for one text, for
/// the editing form's scripts. Stores nothing.
pub async fn assist(
    State(state): State<AppState>,
    staff: SignedIn,
    headers: HeaderMap,
    Form(form): Form<AssistForm>,
) -> Result<Response, WebError> {
    staff.require(Role::Editor)?;
    staff.check_form(&state, &headers, &form.token)?;
    let variant = Variant::from_code(&form.variant).unwrap_or(Variant::German);
    let text: String = form.text.chars().take(100_000).collect();

    let analysis = readability::analyse(&text, variant, &readability_settings(&state));
    let findings = analysis
        .long_sentences
        .iter()
        .chain(&analysis.long_words)
        .chain(&analysis.easy_language)
        .map(|finding| FindingView {
            rule: finding.rule.key(),
            explanation: finding.rule.explanation(Variant::German),
            excerpt: finding.excerpt.clone(),
        })
        .collect();
    let answer = Assistance {
        html: rathaus_content::markdown::to_html(&text),
        flesch: analysis.flesch_amstad.map(|score| format!("{score:.0}")),
        wiener: analysis
            .wiener_sachtextformel
            .map(|grade| format!("{grade:.1}")),
        band: analysis.band.map(|band| band.label(Variant::German)),
        findings,
    };
    let mut response = axum::Json(answer).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
