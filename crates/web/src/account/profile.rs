//! The profile page of a signed-in citizen: every attribute the profile vault holds about
//! them, each value with its source and date and the one forms will use, and the forms to
//! add, change, prefer and delete their own (self-declared) values.
//!
//! The forms follow the catalogue ([`catalogue`]): a value with parts (an address, a bank
//! account) gets one input per part, and a value the catalogue refuses comes back with the
//! reason at the input it belongs to and in a summary at the top, with everything typed
//! kept. Ids in addresses and form fields (values to prefer or delete) are looked up among
//! the signed-in person's own values only; any other id is not found.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rathaus_identity::vault::catalogue::{self, AttributeError, AttributeProblem};
use rathaus_identity::{IdentityError, ProfileAttribute, ProfileValue, Source};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::auth::TokenOnly;
use super::security::{NoteParams, note_text};
use super::{Citizen, Problems, internal, layout, local_time, render};
use crate::error::WebError;
use crate::page::PageContext;
use crate::staff::see_other;
use crate::state::AppState;

/// The groups of the profile page, by the namespace of their attributes' names; every
/// other namespace falls into "others".
const GROUPS: [&str; 4] = ["person", "address", "contact", "payment"];

/// The parts of an address, in the order the form asks for them, with the `autocomplete`
/// token of each and whether it is optional.
const ADDRESS_PARTS: [Part; 6] = [
    Part::required("street", "address-line1"),
    Part::required("house_number", ""),
    Part::optional("supplement", "address-line2"),
    Part::required("postal_code", "postal-code"),
    Part::required("city", "address-level2"),
    Part::required("country", "country"),
];

/// The parts of a bank account.
const BANK_PARTS: [Part; 3] = [
    Part::required("iban", ""),
    Part::optional("bic", ""),
    Part::required("holder", "name"),
];

/// One input of a value with parts.
#[derive(Debug, Clone, Copy)]
struct Part {
    name: &'static str,
    autocomplete: &'static str,
    optional: bool,
}

impl Part {
    const fn required(name: &'static str, autocomplete: &'static str) -> Part {
        Part {
            name,
            autocomplete,
            optional: false,
        }
    }

    const fn optional(name: &'static str, autocomplete: &'static str) -> Part {
        Part {
            name,
            autocomplete,
            optional: true,
        }
    }
}

/// How the form of an attribute asks for its value.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// One text input of this HTML type and `autocomplete` token.
    Text(&'static str, &'static str),
    /// Country codes in one input, separated by commas.
    Countries,
    /// One input per part.
    Parts(&'static [Part]),
    /// Several entries with the same parts: the entries there are, and one empty entry to
    /// add another.
    PartsList(&'static [Part]),
}

/// The form of every attribute a person can enter themselves: the catalogue's.
const FORMS: [(&str, Shape); 12] = [
    (catalogue::GIVEN_NAMES, Shape::Text("text", "given-name")),
    (catalogue::FAMILY_NAME, Shape::Text("text", "family-name")),
    (catalogue::BIRTH_NAME, Shape::Text("text", "")),
    (catalogue::DATE_OF_BIRTH, Shape::Text("date", "bday")),
    (catalogue::PLACE_OF_BIRTH, Shape::Text("text", "")),
    (catalogue::NATIONALITIES, Shape::Countries),
    (catalogue::MAIN_RESIDENCE, Shape::Parts(&ADDRESS_PARTS)),
    (
        catalogue::OTHER_RESIDENCES,
        Shape::PartsList(&ADDRESS_PARTS),
    ),
    (catalogue::POSTAL_ADDRESS, Shape::Parts(&ADDRESS_PARTS)),
    (catalogue::EMAIL, Shape::Text("email", "email")),
    (catalogue::PHONE, Shape::Text("tel", "tel")),
    (catalogue::BANK_ACCOUNT, Shape::Parts(&BANK_PARTS)),
];

/// The form of an attribute, if the person can enter it.
fn shape_of(attribute: &str) -> Option<Shape> {
    FORMS
        .iter()
        .find(|(name, _)| *name == attribute)
        .map(|(_, shape)| *shape)
}

/// The text key of an attribute's name in words, such as `vault_attribute_person_family_name`.
fn attribute_key(attribute: &str) -> String {
    format!("vault_attribute_{}", attribute.replace('.', "_"))
}

/// An attribute's name in words; the name itself for attributes outside the catalogue.
pub(super) fn attribute_label(context: &PageContext, attribute: &str) -> String {
    if shape_of(attribute).is_some() {
        context.t(&attribute_key(attribute))
    } else {
        attribute.to_owned()
    }
}

/// A part's name in words, such as "Postal code".
fn part_label(context: &PageContext, part: &str) -> String {
    context.t(&format!("vault_part_{part}"))
}

/// The group of an attribute on the page.
fn group_of(attribute: &str) -> &'static str {
    let namespace = attribute.split('.').next().unwrap_or_default();
    GROUPS
        .iter()
        .find(|group| **group == namespace)
        .copied()
        .unwrap_or("others")
}

/// A value as people read it: an address on one line, a bank account with its IBAN in
/// groups of four, a date in the page's variant, lists joined.
pub(super) fn value_text(context: &PageContext, value: &Value) -> String {
    match value {
        Value::String(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_or_else(|_| text.clone(), |date| context.format_date(date)),
        Value::Array(entries) => entries
            .iter()
            .map(|entry| value_text(context, entry))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(parts) if parts.contains_key("street") => address_text(parts),
        Value::Object(parts) if parts.contains_key("iban") => bank_account_text(context, parts),
        other => other.to_string(),
    }
}

fn part<'a>(parts: &'a Map<String, Value>, name: &str) -> &'a str {
    parts.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn address_text(parts: &Map<String, Value>) -> String {
    let street = format!("{} {}", part(parts, "street"), part(parts, "house_number"));
    let town = format!("{} {}", part(parts, "postal_code"), part(parts, "city"));
    [
        street.trim(),
        part(parts, "supplement"),
        town.trim(),
        part(parts, "country"),
    ]
    .into_iter()
    .filter(|line| !line.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

fn bank_account_text(context: &PageContext, parts: &Map<String, Value>) -> String {
    let iban = crate::staff::auth::group_in_fours(part(parts, "iban"));
    let bic = part(parts, "bic");
    let holder = format!(
        "{}: {}",
        context.t("vault_part_holder"),
        part(parts, "holder")
    );
    let mut pieces = vec![format!("IBAN {iban}")];
    if !bic.is_empty() {
        pieces.push(format!("BIC {bic}"));
    }
    pieces.push(holder);
    pieces.join(", ")
}

/// Where a value came from, in words.
pub(super) fn source_text(context: &PageContext, value: &ProfileValue) -> String {
    match &value.source {
        Source::SelfDeclared => context.t("vault_source_self"),
        Source::Provider { provider } => context
            .texts
            .format("vault_source_provider", &[("provider", provider)]),
        Source::Application { reference } if value.verified => context.texts.format(
            "vault_source_application_checked",
            &[("reference", reference)],
        ),
        Source::Application { reference } => context
            .texts
            .format("vault_source_application", &[("reference", reference)]),
    }
}

/// One value on the profile page.
#[derive(Debug, Serialize)]
struct ValueView {
    id: Uuid,
    text: String,
    source: String,
    recorded: String,
    /// Whether forms use this value.
    current: bool,
    preferred: bool,
    own: bool,
}

/// One attribute on the profile page, with or without values.
#[derive(Debug, Serialize)]
struct AttributeView {
    name: String,
    /// The id of its section on the page.
    anchor: String,
    label: String,
    /// Whether one of the values is the person's own.
    has_own: bool,
    /// Whether the person can enter a value themselves.
    editable: bool,
    values: Vec<ValueView>,
}

/// One group of attributes on the profile page.
#[derive(Debug, Serialize)]
struct GroupView {
    key: &'static str,
    title: String,
    attributes: Vec<AttributeView>,
}

fn attribute_view(context: &PageContext, attribute: &ProfileAttribute) -> AttributeView {
    let values = attribute
        .values
        .iter()
        .enumerate()
        .map(|(index, value)| ValueView {
            id: value.id,
            text: value_text(context, &value.value),
            source: source_text(context, value),
            recorded: local_time(context, value.recorded_at),
            current: index == 0,
            preferred: value.preferred,
            own: value.source == Source::SelfDeclared,
        })
        .collect();
    AttributeView {
        name: attribute.name.clone(),
        anchor: attribute_anchor(&attribute.name),
        label: attribute_label(context, &attribute.name),
        has_own: attribute
            .values
            .iter()
            .any(|value| value.source == Source::SelfDeclared),
        editable: shape_of(&attribute.name).is_some(),
        values,
    }
}

/// The profile in groups: every catalogue attribute (empty ones with a link to add a
/// value), then the attributes outside the catalogue the profile holds.
fn grouped(context: &PageContext, profile: &[ProfileAttribute]) -> Vec<GroupView> {
    let mut views: Vec<AttributeView> = FORMS
        .iter()
        .map(|(name, _)| {
            profile
                .iter()
                .find(|attribute| attribute.name == *name)
                .map_or_else(
                    || AttributeView {
                        name: (*name).to_owned(),
                        anchor: attribute_anchor(name),
                        label: attribute_label(context, name),
                        has_own: false,
                        editable: true,
                        values: Vec::new(),
                    },
                    |attribute| attribute_view(context, attribute),
                )
        })
        .collect();
    views.extend(
        profile
            .iter()
            .filter(|attribute| shape_of(&attribute.name).is_none())
            .map(|attribute| attribute_view(context, attribute)),
    );

    let mut groups: Vec<GroupView> = GROUPS
        .iter()
        .chain(std::iter::once(&"others"))
        .map(|key| GroupView {
            key,
            title: context.t(&format!("vault_group_{key}")),
            attributes: Vec::new(),
        })
        .collect();
    for view in views {
        let key = group_of(&view.name);
        if let Some(group) = groups.iter_mut().find(|group| group.key == key) {
            group.attributes.push(view);
        }
    }
    groups.retain(|group| !group.attributes.is_empty());
    groups
}

/// `GET /{lang}/account/profile`: every attribute with its values and sources.
pub async fn profile(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<NoteParams>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let profile = state
        .identity()
        .profile(citizen.session.account.id)
        .await
        .map_err(internal)?;
    let view = view! {
        token => citizen.form_token(&state),
        groups => grouped(&context, &profile),
        note => note_text(&context, params.note.as_deref()),
    };
    let layout = layout(&context, "/account/profile", "vault_profile_title", false);
    render(
        &context,
        "account/profile.html",
        &layout,
        view,
        StatusCode::OK,
    )
}

/// One input of an attribute's form.
#[derive(Debug, Serialize)]
struct InputView {
    name: String,
    label: String,
    value: String,
    kind: &'static str,
    autocomplete: &'static str,
    hint: String,
}

/// A group of inputs: the whole form for most attributes, one entry of a list.
#[derive(Debug, Serialize)]
struct EntryView {
    legend: String,
    inputs: Vec<InputView>,
}

/// What the form of an attribute shows: typed text by input name.
type Typed = BTreeMap<String, String>;

/// The text of a part as the form shows it.
fn part_text(parts: &Map<String, Value>, name: &str) -> String {
    part(parts, name).to_owned()
}

/// What the form shows at first: the person's own value, else the value forms use, so
/// that changing a provider's address starts from it.
fn typed_from(shape: Shape, value: Option<&Value>) -> Typed {
    let mut typed = Typed::new();
    let Some(value) = value else {
        return typed;
    };
    match (shape, value) {
        (Shape::Text(..), Value::String(text)) => {
            typed.insert("value".to_owned(), text.clone());
        }
        (Shape::Countries, Value::Array(codes)) => {
            let codes: Vec<&str> = codes.iter().filter_map(Value::as_str).collect();
            typed.insert("value".to_owned(), codes.join(", "));
        }
        (Shape::Parts(parts), Value::Object(given)) => {
            for part in parts {
                typed.insert(part.name.to_owned(), part_text(given, part.name));
            }
        }
        (Shape::PartsList(parts), Value::Array(entries)) => {
            for (index, entry) in entries.iter().enumerate() {
                if let Value::Object(given) = entry {
                    for part in parts {
                        typed.insert(
                            format!("{}_{index}", part.name),
                            part_text(given, part.name),
                        );
                    }
                }
            }
        }
        _ => {}
    }
    typed
}

/// How many entries a list form shows: those typed, and one empty one.
fn entry_count(typed: &Typed) -> usize {
    typed
        .keys()
        .filter_map(|name| name.rsplit_once('_')?.1.parse::<usize>().ok())
        .max()
        .map_or(1, |last| last + 2)
        .min(10)
}

fn inputs(context: &PageContext, parts: &[Part], suffix: &str, typed: &Typed) -> Vec<InputView> {
    parts
        .iter()
        .map(|part| {
            let name = format!("{}{suffix}", part.name);
            let hint = if part.optional {
                context.t("vault_optional")
            } else if part.name == "country" {
                context.t("vault_hint_country")
            } else {
                String::new()
            };
            InputView {
                value: typed.get(&name).cloned().unwrap_or_default(),
                label: part_label(context, part.name),
                name,
                kind: "text",
                autocomplete: part.autocomplete,
                hint,
            }
        })
        .collect()
}

/// The inputs of an attribute's form, in groups.
fn entries(context: &PageContext, attribute: &str, shape: Shape, typed: &Typed) -> Vec<EntryView> {
    let label = attribute_label(context, attribute);
    match shape {
        Shape::Text(kind, autocomplete) => {
            let hint = if attribute == catalogue::DATE_OF_BIRTH {
                context.t("vault_hint_date")
            } else {
                String::new()
            };
            vec![EntryView {
                legend: String::new(),
                inputs: vec![InputView {
                    name: "value".to_owned(),
                    label,
                    value: typed.get("value").cloned().unwrap_or_default(),
                    kind,
                    autocomplete,
                    hint,
                }],
            }]
        }
        Shape::Countries => vec![EntryView {
            legend: String::new(),
            inputs: vec![InputView {
                name: "value".to_owned(),
                label,
                value: typed.get("value").cloned().unwrap_or_default(),
                kind: "text",
                autocomplete: "",
                hint: context.t("vault_hint_nationalities"),
            }],
        }],
        Shape::Parts(parts) => vec![EntryView {
            legend: String::new(),
            inputs: inputs(context, parts, "", typed),
        }],
        Shape::PartsList(parts) => (0..entry_count(typed))
            .map(|index| EntryView {
                legend: context.texts.format(
                    "vault_entry",
                    &[("label", &label), ("number", &(index + 1).to_string())],
                ),
                inputs: inputs(context, parts, &format!("_{index}"), typed),
            })
            .collect(),
    }
}

/// The form of one attribute, with what was typed and the problems found in it.
fn edit_page(
    context: &PageContext,
    citizen: &Citizen,
    attribute: &str,
    shape: Shape,
    typed: &Typed,
    problems: &Problems,
    status: StatusCode,
) -> Result<Response, WebError> {
    let label = attribute_label(context, attribute);
    let view = view! {
        token => citizen.form_token(&context.state),
        attribute => attribute,
        label => &label,
        entries => entries(context, attribute, shape, typed),
        errors => problems.by_field(),
        problems => problems,
    };
    let mut layout = layout(
        context,
        &format!("/account/profile/{attribute}"),
        "vault_edit_title",
        !problems.is_empty(),
    );
    layout.title = layout.title.replace("{label}", &label);
    layout.breadcrumbs.push((
        context.t("vault_profile_title"),
        context.url("/account/profile"),
    ));
    render(context, "account/profile_edit.html", &layout, view, status)
}

/// `GET /{lang}/account/profile/{attribute}`: the form to add or change the person's own
/// value of a catalogue attribute.
pub async fn edit_form(
    State(state): State<AppState>,
    Path((lang, attribute)): Path<(String, String)>,
    citizen: Citizen,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let shape = shape_of(&attribute).ok_or(WebError::NotFound)?;
    let profile = state
        .identity()
        .profile(citizen.session.account.id)
        .await
        .map_err(internal)?;
    let start = profile
        .iter()
        .find(|known| known.name == attribute)
        .and_then(|known| {
            known
                .values
                .iter()
                .find(|value| value.source == Source::SelfDeclared)
                .or_else(|| known.current())
        })
        .map(|value| &value.value);
    let typed = typed_from(shape, start);
    edit_page(
        &context,
        &citizen,
        &attribute,
        shape,
        &typed,
        &Problems::default(),
        StatusCode::OK,
    )
}

/// A value from what the form sent, and for a list, which entry of the form each entry of
/// the value came from (empty entries are left out).
fn value_from(shape: Shape, typed: &Typed) -> (Value, Vec<usize>) {
    let text = |name: &str| typed.get(name).map_or("", |text| text.trim());
    match shape {
        Shape::Text(..) => (Value::String(text("value").to_owned()), Vec::new()),
        Shape::Countries => {
            let codes = text("value")
                .split([',', ';', ' '])
                .filter(|code| !code.is_empty())
                .map(|code| Value::String(code.to_owned()))
                .collect();
            (Value::Array(codes), Vec::new())
        }
        Shape::Parts(parts) => (Value::Object(object_from(parts, "", typed)), Vec::new()),
        Shape::PartsList(parts) => {
            let mut entries = Vec::new();
            let mut origins = Vec::new();
            for index in 0..entry_count(typed) {
                let entry = object_from(parts, &format!("_{index}"), typed);
                if !entry.is_empty() {
                    entries.push(Value::Object(entry));
                    origins.push(index);
                }
            }
            (Value::Array(entries), origins)
        }
    }
}

/// The parts that were filled in; blank ones are left out, so that the catalogue names a
/// required one as missing.
fn object_from(parts: &[Part], suffix: &str, typed: &Typed) -> Map<String, Value> {
    parts
        .iter()
        .filter_map(|part| {
            let text = typed.get(&format!("{}{suffix}", part.name))?.trim();
            (!text.is_empty()).then(|| (part.name.to_owned(), Value::String(text.to_owned())))
        })
        .collect()
}

/// The input a refusal belongs to: `iban`, `postal_code_1` for the second entry of a list,
/// `value` for single inputs.
fn input_of(shape: Shape, error: &AttributeError, origins: &[usize]) -> String {
    let field = error.field.as_deref().unwrap_or_default();
    match shape {
        Shape::Text(..) | Shape::Countries => "value".to_owned(),
        Shape::Parts(parts) => {
            if parts.iter().any(|part| part.name == field) {
                field.to_owned()
            } else {
                parts.first().map_or("value", |part| part.name).to_owned()
            }
        }
        Shape::PartsList(parts) => {
            let (entry, part) = field
                .strip_prefix('[')
                .and_then(|rest| rest.split_once(']'))
                .map_or(("0", ""), |(index, rest)| {
                    (index, rest.trim_start_matches('.'))
                });
            let index = entry
                .parse::<usize>()
                .ok()
                .and_then(|entry| origins.get(entry).copied())
                .unwrap_or_default();
            let part = parts
                .iter()
                .find(|known| known.name == part)
                .or_else(|| parts.first())
                .map_or("street", |known| known.name);
            format!("{part}_{index}")
        }
    }
}

/// The reason for a refusal in words, naming the input.
fn problem_text(context: &PageContext, label: &str, problem: &AttributeProblem) -> String {
    let (key, extra) = match problem {
        AttributeProblem::Missing | AttributeProblem::Empty => ("vault_problem_missing", None),
        AttributeProblem::TooLong { max } => ("vault_problem_too_long", Some(max.to_string())),
        AttributeProblem::TooMany { max } => ("vault_problem_too_many", Some(max.to_string())),
        AttributeProblem::ForbiddenCharacters => ("vault_problem_characters", None),
        AttributeProblem::NotADate => ("vault_problem_date", None),
        AttributeProblem::InFuture => ("vault_problem_future", None),
        AttributeProblem::TooLongAgo => ("vault_problem_long_ago", None),
        AttributeProblem::NotAnEmailAddress => ("vault_problem_email", None),
        AttributeProblem::NotAPhoneNumber => ("vault_problem_phone", None),
        AttributeProblem::UnknownCountry => ("vault_problem_country", None),
        AttributeProblem::PostalCodeFormat => ("vault_problem_postal_code", None),
        AttributeProblem::IbanCharacters => ("vault_problem_iban_characters", None),
        AttributeProblem::IbanCountry => ("vault_problem_iban_country", None),
        AttributeProblem::IbanLength { min, max, .. } => {
            ("vault_problem_iban_length", Some(format!("{min}–{max}")))
        }
        AttributeProblem::IbanChecksum => ("vault_problem_iban_checksum", None),
        AttributeProblem::BicFormat => ("vault_problem_bic", None),
        _ => ("vault_problem_other", None),
    };
    let extra = extra.unwrap_or_default();
    context
        .texts
        .format(key, &[("field", label), ("max", &extra)])
}

/// `POST /{lang}/account/profile/{attribute}`: stores the person's own value, or shows the
/// form again with the catalogue's reason at the input it belongs to.
pub async fn save_value(
    State(state): State<AppState>,
    Path((lang, attribute)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(mut typed): Form<Typed>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let token = typed.remove("token").unwrap_or_default();
    citizen.check_form(&state, &headers, &token)?;
    let shape = shape_of(&attribute).ok_or(WebError::NotFound)?;

    let (value, origins) = value_from(shape, &typed);
    let outcome = state
        .identity()
        .set_attribute(citizen.session.account.id, &attribute, &value, state.now())
        .await;
    let refused = match outcome {
        Ok(_) => {
            return Ok(see_other(&format!(
                "{}?note=value-saved#{}",
                context.url("/account/profile"),
                attribute_anchor(&attribute)
            )));
        }
        Err(IdentityError::InvalidAttributes(refused)) => refused,
        Err(IdentityError::ProfileFull { .. }) => {
            let mut problems = Problems::default();
            problems.add("", context.t("vault_problem_full"));
            return edit_page(
                &context,
                &citizen,
                &attribute,
                shape,
                &typed,
                &problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(error) => return Err(internal(error)),
    };

    let mut problems = Problems::default();
    for error in &refused {
        let input = input_of(shape, error, &origins);
        let part = input
            .rsplit_once('_')
            .map_or(input.as_str(), |(part, index)| {
                if index.parse::<usize>().is_ok() {
                    part
                } else {
                    input.as_str()
                }
            });
        let label = if part == "value" {
            attribute_label(&context, &attribute)
        } else {
            part_label(&context, part)
        };
        problems.add(&input, problem_text(&context, &label, &error.problem));
    }
    edit_page(
        &context,
        &citizen,
        &attribute,
        shape,
        &typed,
        &problems,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// The id of an attribute's section on the profile page.
fn attribute_anchor(attribute: &str) -> String {
    format!("attribute-{}", attribute.replace(['.', '_'], "-"))
}

/// The person's own value with this id, if it is one of theirs.
async fn own_value(
    state: &AppState,
    citizen: &Citizen,
    id: &str,
) -> Result<ProfileValue, WebError> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| WebError::NotFound)?;
    let profile = state
        .identity()
        .profile(citizen.session.account.id)
        .await
        .map_err(internal)?;
    profile
        .into_iter()
        .flat_map(|attribute| attribute.values)
        .find(|value| value.id == id)
        .ok_or(WebError::NotFound)
}

/// What the form choosing a value sends.
#[derive(Debug, Default, Deserialize)]
pub struct PreferForm {
    #[serde(default)]
    value: String,
    #[serde(default)]
    token: String,
}

/// `POST /{lang}/account/profile/prefer`: forms use the chosen value of its attribute
/// from now on. A value that is not the person's is not found.
pub async fn prefer_value(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<PreferForm>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let value = own_value(&state, &citizen, &form.value).await?;
    match state
        .identity()
        .prefer_value(citizen.session.account.id, &value.attribute, Some(value.id))
        .await
    {
        Ok(()) => {}
        Err(IdentityError::ValueNotFound) => return Err(WebError::NotFound),
        Err(error) => return Err(internal(error)),
    }
    Ok(see_other(&format!(
        "{}?note=value-preferred#{}",
        context.url("/account/profile"),
        attribute_anchor(&value.attribute)
    )))
}

/// `POST /{lang}/account/profile/values/{id}/delete`: deletes one of the person's own
/// values. Values from providers and applications are not deleted here, and an id that is
/// not one of the person's own values is not found.
pub async fn delete_value(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    headers: HeaderMap,
    citizen: Citizen,
    Form(form): Form<TokenOnly>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    citizen.check_form(&state, &headers, &form.token)?;
    let value = own_value(&state, &citizen, &id).await?;
    if value.source != Source::SelfDeclared {
        return Err(WebError::NotFound);
    }
    let deleted = state
        .identity()
        .delete_value(citizen.session.account.id, value.id)
        .await
        .map_err(internal)?;
    if !deleted {
        return Err(WebError::NotFound);
    }
    Ok(see_other(&format!(
        "{}?note=value-deleted",
        context.url("/account/profile")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(pairs: &[(&str, &str)]) -> Typed {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn a_list_form_leaves_out_empty_entries_and_remembers_where_each_came_from() {
        let form = typed(&[
            ("street_0", ""),
            ("city_0", " "),
            ("street_1", "Marienplatz"),
            ("postal_code_1", "80331"),
        ]);
        let (value, origins) = value_from(Shape::PartsList(&ADDRESS_PARTS), &form);
        assert_eq!(origins, vec![1]);
        assert_eq!(
            value,
            serde_json::json!([{"street": "Marienplatz", "postal_code": "80331"}])
        );

        let error = AttributeError {
            attribute: catalogue::OTHER_RESIDENCES.to_owned(),
            field: Some("[0].postal_code".to_owned()),
            problem: AttributeProblem::PostalCodeFormat,
        };
        assert_eq!(
            input_of(Shape::PartsList(&ADDRESS_PARTS), &error, &origins),
            "postal_code_1"
        );
    }

    #[test]
    fn a_list_form_offers_one_empty_entry_after_the_last_typed_one() {
        assert_eq!(entry_count(&Typed::new()), 1);
        assert_eq!(entry_count(&typed(&[("street_2", "x")])), 4);
    }

    #[test]
    fn nationalities_are_split_at_commas_and_spaces() {
        let (value, _) = value_from(Shape::Countries, &typed(&[("value", "de, AT;fr")]));
        assert_eq!(value, serde_json::json!(["de", "AT", "fr"]));
    }
}
