//! The editing forms of the staff portal, described once per content kind.
//!
//! A [`Schema`] lists the fields of a kind with a label, a help text and an [`Input`] that
//! says how the field is entered. The same description serves three purposes: the web layer
//! renders a server-side form from it; [`to_form`] turns a stored item into the form's
//! values; and [`from_form`] turns submitted values back into a document, which
//! [`crate::import::parse_document`] then checks like an import file. Form field names are
//! the paths the content format uses (`de.summary`, `fees[0].amount`), so a problem that
//! validation reports for a path lands on the right field.
//!
//! The staff portal is in German, the working language of city staff; labels are German.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::import::parse_document;
use crate::media::MediaKind;
use crate::model::{Item, Kind, Variant};

/// Submitted or prepared form values: each field name with its values (several for a
/// multiple choice, one for everything else).
pub type FormValues = BTreeMap<String, Vec<String>>;

/// How a field is entered.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    /// One line of text.
    Line,
    /// A web address.
    Url,
    /// An email address.
    Email,
    /// A few lines of plain text.
    Plain,
    /// Text in the Markdown subset of [`crate::markdown`].
    Markdown,
    /// A list of short texts, one per line.
    Lines,
    /// A whole number, zero or more.
    Integer,
    /// A decimal number such as a coordinate.
    Decimal,
    /// An amount of money such as `27.60`.
    Money,
    /// Yes or no.
    Checkbox,
    /// One of a fixed set of values, each with a label.
    Choice(&'static [(&'static str, &'static str)]),
    /// A calendar date.
    Date,
    /// A date and time in the city's time zone.
    DateTime,
    /// Another item of the given kind, chosen by name.
    Reference(Kind),
    /// Any number of items of the given kind, chosen by name.
    References(Kind),
    /// An image or document, chosen by its key and description.
    Media(MediaKind),
    /// Any number of images or documents, chosen by key and description.
    MediaList(MediaKind),
    /// Time ranges of one day, such as `08:00-12:00, 14:00-18:00`.
    DayHours,
    /// A short text in German with optional English and Leichte Sprache.
    Localized,
    /// A list of entries, each made of the given fields.
    Group(&'static [Field]),
    /// A nested structure that may be left out entirely when `optional`.
    Object {
        /// Its fields.
        fields: &'static [Field],
        /// Whether it may be left out.
        optional: bool,
    },
}

/// One field of a form.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The field's name in the content format.
    pub name: &'static str,
    /// The label shown to the editor.
    pub label: &'static str,
    /// A hint shown below the field; empty for none.
    pub help: &'static str,
    /// How the field is entered.
    pub input: Input,
    /// Whether the field must be filled in.
    pub required: bool,
}

/// The form of one kind: the fields that are the same in every language, and the texts that
/// exist once per variant.
#[derive(Debug)]
pub struct Schema {
    /// Fields that do not depend on language.
    pub fields: &'static [Field],
    /// The texts of one variant.
    pub texts: &'static [Field],
}

/// A problem with one submitted field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The form field's name, such as `fees[0].amount`.
    pub field: String,
    /// What is wrong, for the editor.
    pub message: String,
}

/// Spare empty entries a group offers, so that entries can be added without scripts.
pub const SPARE_ENTRIES: usize = 1;

const fn field(name: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        name,
        label,
        help: "",
        input,
        required: false,
    }
}

const fn required(name: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        name,
        label,
        help: "",
        input,
        required: true,
    }
}

const fn with_help(mut field: Field, help: &'static str) -> Field {
    field.help = help;
    field
}

const APPOINTMENT: &[(&str, &str)] = &[
    ("none", "Kein Termin nötig"),
    ("recommended", "Termin empfohlen"),
    ("required", "Termin erforderlich"),
];

const TRUST_LEVEL: &[(&str, &str)] = &[
    ("low", "Niedrig (Benutzername und Passwort)"),
    ("substantial", "Substanziell (z. B. ELSTER-Zertifikat)"),
    ("high", "Hoch (Online-Ausweis)"),
];

const FEE_PERIOD: &[(&str, &str)] = &[
    ("once", "einmalig"),
    ("year", "pro Jahr"),
    ("month", "pro Monat"),
];

const PAGE_ROLE: &[(&str, &str)] = &[
    ("general", "Allgemeine Seite"),
    ("accessibility-statement", "Erklärung zur Barrierefreiheit"),
    ("imprint", "Impressum"),
    ("privacy", "Datenschutz"),
    ("easy-language", "Leichte Sprache (Startseite)"),
    ("sign-language", "Gebärdensprache (Startseite)"),
];

const COMPLIANCE: &[(&str, &str)] = &[
    ("full", "vollständig barrierefrei"),
    ("partial", "teilweise barrierefrei"),
    ("none", "nicht barrierefrei"),
];

const COORDINATES: &[Field] = &[
    required("lat", "Breitengrad", Input::Decimal),
    required("lon", "Längengrad", Input::Decimal),
];

const SERVICE: Schema = Schema {
    fields: &[
        field("local_id", "Interne Nummer", Input::Line),
        with_help(
            field("leika_key", "LeiKa-Schlüssel", Input::Line),
            "Schlüssel im Leistungskatalog der öffentlichen Verwaltung.",
        ),
        field(
            "offices",
            "Zuständige Stellen",
            Input::References(Kind::Office),
        ),
        field("online_application", "Online-Antrag", Input::Url),
        field("appointment", "Termin", Input::Choice(APPOINTMENT)),
        field(
            "min_trust_level",
            "Nötiges Vertrauensniveau",
            Input::Choice(TRUST_LEVEL),
        ),
        field(
            "fees",
            "Gebühren",
            Input::Group(&[
                required("amount", "Betrag in Euro", Input::Money),
                field("period", "Zeitraum", Input::Choice(FEE_PERIOD)),
                required("label", "Bezeichnung", Input::Localized),
            ]),
        ),
        field(
            "legal_basis",
            "Rechtsgrundlagen",
            Input::Group(&[
                required("title", "Titel", Input::Line),
                field("url", "Adresse", Input::Url),
            ]),
        ),
        with_help(
            field(
                "documents",
                "Dokumente zum Herunterladen",
                Input::MediaList(MediaKind::Document),
            ),
            "Formulare und Merkblätter als PDF; neue Dokumente unter „Medien“ hochladen.",
        ),
        field(
            "processing_days",
            "Bearbeitungsdauer in Tagen",
            Input::Integer,
        ),
        with_help(
            field("popularity", "Aufrufe pro Monat", Input::Integer),
            "Steuert die Reihenfolge unter „Häufig gesucht“ und in der Suche.",
        ),
    ],
    texts: &[
        required("name", "Name", Input::Line),
        with_help(
            required("summary", "Kurzbeschreibung", Input::Plain),
            "Zwei bis drei Sätze; erscheint in Suchergebnissen.",
        ),
        required("description", "Beschreibung", Input::Markdown),
        required("eligibility", "Wer kann das beantragen?", Input::Markdown),
        field(
            "required_documents",
            "Unterlagen (eine pro Zeile)",
            Input::Lines,
        ),
        field("procedure", "Ablauf", Input::Markdown),
        field("fees_note", "Hinweise zu den Gebühren", Input::Markdown),
        field("processing_time", "Bearbeitungszeit", Input::Line),
        field("deadlines", "Fristen", Input::Line),
        with_help(
            required("spoken_answer", "Antwort zum Vorlesen", Input::Plain),
            "Für Sprachassistenten und Telefon: in ganzen Sätzen, ohne Aufzählungen.",
        ),
        field("keywords", "Suchbegriffe (einer pro Zeile)", Input::Lines),
    ],
};

const WEEK: &[Field] = &[
    field("monday", "Montag", Input::DayHours),
    field("tuesday", "Dienstag", Input::DayHours),
    field("wednesday", "Mittwoch", Input::DayHours),
    field("thursday", "Donnerstag", Input::DayHours),
    field("friday", "Freitag", Input::DayHours),
    field("saturday", "Samstag", Input::DayHours),
    field("sunday", "Sonntag", Input::DayHours),
];

const OFFICE: Schema = Schema {
    fields: &[
        field("district", "Stadtteil", Input::Reference(Kind::District)),
        required(
            "address",
            "Anschrift",
            Input::Object {
                fields: &[
                    required("street", "Straße und Hausnummer", Input::Line),
                    required("postcode", "Postleitzahl", Input::Line),
                    required("city", "Ort", Input::Line),
                ],
                optional: false,
            },
        ),
        required(
            "location",
            "Lage",
            Input::Object {
                fields: COORDINATES,
                optional: false,
            },
        ),
        field("phone", "Telefon", Input::Line),
        field("email", "E-Mail", Input::Email),
        with_help(
            field(
                "opening_hours",
                "Öffnungszeiten",
                Input::Object {
                    fields: WEEK,
                    optional: false,
                },
            ),
            "Je Tag Zeiträume wie 08:00-12:00, 14:00-18:00; leer heißt geschlossen.",
        ),
        field(
            "exceptions",
            "Abweichende Öffnungszeiten",
            Input::Group(&[
                required("date", "Datum", Input::Date),
                field("hours", "Zeiten (leer: geschlossen)", Input::DayHours),
                field("note", "Hinweis", Input::Localized),
            ]),
        ),
        field(
            "closures",
            "Schließzeiten",
            Input::Group(&[
                required("from", "Von", Input::Date),
                required("to", "Bis", Input::Date),
                required("reason", "Grund", Input::Localized),
            ]),
        ),
        field(
            "closed_on_public_holidays",
            "An Feiertagen geschlossen",
            Input::Checkbox,
        ),
        field(
            "accessibility",
            "Barrierefreiheit des Gebäudes",
            Input::Object {
                fields: &[
                    field("step_free_entrance", "Stufenloser Eingang", Input::Checkbox),
                    field("lift", "Aufzug", Input::Checkbox),
                    field("accessible_toilet", "Barrierefreies WC", Input::Checkbox),
                    field("hearing_loop", "Induktionsschleife", Input::Checkbox),
                    field("disabled_parking", "Behindertenparkplatz", Input::Checkbox),
                    field("tactile_guidance", "Taktiles Leitsystem", Input::Checkbox),
                ],
                optional: false,
            },
        ),
    ],
    texts: &[
        required("name", "Name", Input::Line),
        field("description", "Beschreibung", Input::Markdown),
        field("directions", "Anfahrt", Input::Markdown),
        field(
            "accessibility_notes",
            "Hinweise zur Barrierefreiheit",
            Input::Markdown,
        ),
    ],
};

const LIFE_SITUATION: Schema = Schema {
    fields: &[required(
        "steps",
        "Schritte",
        Input::Group(&[
            required("service", "Leistung", Input::Reference(Kind::Service)),
            field("note", "Hinweis zum Schritt", Input::Localized),
            field("optional", "Nicht für alle nötig", Input::Checkbox),
        ]),
    )],
    texts: &[
        required("name", "Name", Input::Line),
        required("summary", "Kurzbeschreibung", Input::Plain),
        field("description", "Beschreibung", Input::Markdown),
        field("keywords", "Suchbegriffe (einer pro Zeile)", Input::Lines),
    ],
};

const NEWS: Schema = Schema {
    fields: &[
        required("published_at", "Erscheint am", Input::DateTime),
        field("expires_at", "Läuft ab am", Input::DateTime),
        with_help(
            field("image", "Bild", Input::Media(MediaKind::Image)),
            "Neue Bilder unter „Medien“ hochladen, mit Alternativtext und Bildschwerpunkt.",
        ),
    ],
    texts: &[
        required("title", "Titel", Input::Line),
        required("summary", "Vorspann", Input::Plain),
        required("body", "Text", Input::Markdown),
    ],
};

const PAGE: Schema = Schema {
    fields: &[
        field("role", "Art der Seite", Input::Choice(PAGE_ROLE)),
        field("image", "Bild", Input::Media(MediaKind::Image)),
        with_help(
            field(
                "accessibility_statement",
                "Angaben der Erklärung zur Barrierefreiheit",
                Input::Object {
                    fields: &[
                        required(
                            "status",
                            "Stand der Vereinbarkeit",
                            Input::Choice(COMPLIANCE),
                        ),
                        required("prepared_on", "Erstellt am", Input::Date),
                        required("reviewed_on", "Zuletzt geprüft am", Input::Date),
                        required("method", "Methode der Prüfung", Input::Localized),
                        required("contact_email", "E-Mail für Rückmeldungen", Input::Email),
                        required("enforcement_body", "Durchsetzungsstelle", Input::Line),
                        required(
                            "enforcement_url",
                            "Adresse der Durchsetzungsstelle",
                            Input::Url,
                        ),
                    ],
                    optional: true,
                },
            ),
            "Nur für die Erklärung zur Barrierefreiheit.",
        ),
        field(
            "videos",
            "Videos",
            Input::Group(&[
                required("title", "Titel", Input::Localized),
                required("url", "Adresse des Videos", Input::Url),
                required("duration_seconds", "Dauer in Sekunden", Input::Integer),
                required("size_bytes", "Größe in Bytes", Input::Integer),
                field("poster", "Vorschaubild (Adresse)", Input::Url),
                field("captions", "Untertitel (Adresse)", Input::Url),
            ]),
        ),
    ],
    texts: &[
        required("title", "Titel", Input::Line),
        required("summary", "Kurzbeschreibung", Input::Plain),
        required("body", "Text", Input::Markdown),
    ],
};

const DISTRICT: Schema = Schema {
    fields: &[
        field("postcodes", "Postleitzahlen (eine pro Zeile)", Input::Lines),
        required(
            "centre",
            "Mittelpunkt",
            Input::Object {
                fields: COORDINATES,
                optional: false,
            },
        ),
    ],
    texts: &[required("name", "Name", Input::Line)],
};

/// The form of `kind`.
pub fn schema(kind: Kind) -> &'static Schema {
    match kind {
        Kind::Service => &SERVICE,
        Kind::Office => &OFFICE,
        Kind::LifeSituation => &LIFE_SITUATION,
        Kind::News => &NEWS,
        Kind::Page => &PAGE,
        Kind::District => &DISTRICT,
    }
}

/// The form values that show `item`, with times in the city's time zone `zone`.
pub fn to_form(item: &Item, zone: Tz) -> FormValues {
    let tagged = serde_json::to_value(item).unwrap_or_default();
    let document = tagged.get("item").cloned().unwrap_or_default();
    let schema = schema(item.kind());
    let mut values = FormValues::new();

    for field in schema.fields {
        fill(
            &mut values,
            field.name,
            field,
            document.get(field.name),
            zone,
        );
    }
    for variant in Variant::ALL {
        let texts = document.get(variant.code());
        if texts.is_none_or(Value::is_null) {
            continue;
        }
        for field in schema.texts {
            let name = format!("{}.{}", variant.code(), field.name);
            fill(
                &mut values,
                &name,
                field,
                texts.and_then(|t| t.get(field.name)),
                zone,
            );
        }
    }

    values
}

fn fill(values: &mut FormValues, name: &str, field: &Field, value: Option<&Value>, zone: Tz) {
    let Some(value) = value.filter(|value| !value.is_null()) else {
        return;
    };
    let mut put = |text: String| {
        values.insert(name.to_owned(), vec![text]);
    };

    match field.input {
        Input::Lines => put(strings(value).join("\n")),
        Input::DayHours => put(strings(value).join(", ")),
        Input::References(_) | Input::MediaList(_) => {
            values.insert(name.to_owned(), strings(value));
        }
        Input::Checkbox => {
            if value.as_bool() == Some(true) {
                put("on".to_owned());
            }
        }
        Input::DateTime => {
            let local = value
                .as_str()
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|time| {
                    time.with_timezone(&zone)
                        .format("%Y-%m-%dT%H:%M")
                        .to_string()
                });
            put(local.unwrap_or_default());
        }
        Input::Localized => {
            for code in ["de", "en", "ls"] {
                if let Some(text) = value.get(code).and_then(Value::as_str) {
                    values.insert(format!("{name}.{code}"), vec![text.to_owned()]);
                }
            }
        }
        Input::Group(fields) => {
            for (index, entry) in value.as_array().into_iter().flatten().enumerate() {
                for sub in fields {
                    let sub_name = format!("{name}[{index}].{}", sub.name);
                    fill(values, &sub_name, sub, entry.get(sub.name), zone);
                }
            }
        }
        Input::Object { fields, .. } => {
            for sub in fields {
                let sub_name = format!("{name}.{}", sub.name);
                fill(values, &sub_name, sub, value.get(sub.name), zone);
            }
        }
        Input::Line
        | Input::Url
        | Input::Email
        | Input::Plain
        | Input::Markdown
        | Input::Integer
        | Input::Decimal
        | Input::Money
        | Input::Choice(_)
        | Input::Date
        | Input::Reference(_)
        | Input::Media(_) => put(scalar_text(value)),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .map(scalar_text)
        .collect()
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The running texts of `item` in exactly `variant` (summaries, descriptions and the like,
/// not names or keywords), as Markdown paragraphs for a readability analysis; `None` when
/// the item lacks the variant.
pub fn running_text(item: &Item, variant: Variant) -> Option<String> {
    let values = to_form(item, chrono_tz::UTC);
    let texts: Vec<&str> = schema(item.kind())
        .texts
        .iter()
        .filter(|field| matches!(field.input, Input::Plain | Input::Markdown))
        .filter_map(|field| values.get(&format!("{}.{}", variant.code(), field.name)))
        .filter_map(|values| values.first())
        .map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}

/// The number of entries a group has in `values`, counting the highest index present.
pub fn group_len(values: &FormValues, name: &str) -> usize {
    let prefix = format!("{name}[");
    values
        .keys()
        .filter_map(|key| key.strip_prefix(&prefix))
        .filter_map(|rest| rest.split(']').next()?.parse::<usize>().ok())
        .map(|index| index + 1)
        .max()
        .unwrap_or(0)
}

/// Builds an item of `kind` with `key` from submitted form values. Every problem names its
/// field; an item comes back only when there is none.
pub fn from_form(
    kind: Kind,
    key: &str,
    values: &FormValues,
    zone: Tz,
) -> Result<Item, Vec<FieldProblem>> {
    let schema = schema(kind);
    let mut problems = Vec::new();
    let mut document = Map::new();
    document.insert("key".to_owned(), Value::String(key.to_owned()));

    for field in schema.fields {
        if let Some(value) = read(values, field.name, field, zone, &mut problems) {
            document.insert(field.name.to_owned(), value);
        }
    }
    for variant in Variant::ALL {
        let mut texts = Map::new();
        for field in schema.texts {
            let name = format!("{}.{}", variant.code(), field.name);
            if let Some(value) = read(values, &name, field, zone, &mut problems) {
                texts.insert(field.name.to_owned(), value);
            }
        }
        // English and Leichte Sprache exist only when something was written in them.
        let written = texts.values().any(|value| !is_empty(value));
        if variant == Variant::German || written {
            document.insert(variant.code().to_owned(), Value::Object(texts));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    parse_document(kind, Value::Object(document))
        .map_err(|(path, message)| vec![problem_from_parser(path.as_deref(), &message)])
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(flag) => !flag,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.values().all(is_empty),
        Value::String(text) => text.is_empty(),
        Value::Number(_) => false,
    }
}

/// Reads one field; `None` leaves it out of the document.
fn read(
    values: &FormValues,
    name: &str,
    field: &Field,
    zone: Tz,
    problems: &mut Vec<FieldProblem>,
) -> Option<Value> {
    match field.input {
        Input::Localized => read_localized(values, name, problems),
        Input::Group(fields) => Some(read_group(values, name, fields, zone, problems)),
        Input::Object { fields, optional } => {
            let mut object = Map::new();
            for sub in fields {
                let sub_name = format!("{name}.{}", sub.name);
                if let Some(value) = read(values, &sub_name, sub, zone, problems) {
                    object.insert(sub.name.to_owned(), value);
                }
            }
            if optional && object.values().all(is_empty) {
                return None;
            }
            Some(Value::Object(object))
        }
        Input::References(_) | Input::MediaList(_) => Some(Value::Array(
            values
                .get(name)
                .into_iter()
                .flatten()
                .filter(|key| !key.trim().is_empty())
                .map(|key| Value::String(key.trim().to_owned()))
                .collect(),
        )),
        _ => read_single(values, name, field, zone, problems),
    }
}

/// Reads a field entered in one form control.
fn read_single(
    values: &FormValues,
    name: &str,
    field: &Field,
    zone: Tz,
    problems: &mut Vec<FieldProblem>,
) -> Option<Value> {
    let text = values
        .get(name)
        .and_then(|all| all.first())
        .map(|text| text.replace("\r\n", "\n"))
        .unwrap_or_default();
    let trimmed = text.trim();
    let mut complain = |message: &str| {
        problems.push(FieldProblem {
            field: name.to_owned(),
            message: message.to_owned(),
        });
    };
    let filled = !trimmed.is_empty();

    match field.input {
        // Longer texts are kept as written, line ends included, so that saving an item
        // unchanged stores the same document.
        Input::Plain | Input::Markdown => filled.then_some(Value::String(text.clone())),
        Input::Lines => Some(Value::Array(
            trimmed
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(|line| Value::String(line.to_owned()))
                .collect(),
        )),
        Input::DayHours => Some(Value::Array(
            trimmed
                .split([',', ';'])
                .map(str::trim)
                .filter(|range| !range.is_empty())
                .map(|range| Value::String(range.to_owned()))
                .collect(),
        )),
        Input::Checkbox => Some(Value::Bool(filled)),
        _ if !filled => None,
        Input::Choice(options) if options.iter().all(|(value, _)| *value != trimmed) => {
            complain("Bitte einen der angebotenen Werte wählen.");
            None
        }
        Input::Integer => {
            let number = trimmed.replace(['.', ' '], "").parse::<u64>().ok();
            if number.is_none() {
                complain("Bitte eine ganze Zahl ohne Vorzeichen eingeben, etwa 14.");
            }
            number.map(Value::from)
        }
        Input::Decimal => {
            let number = trimmed
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|number| number.is_finite());
            if number.is_none() {
                complain("Bitte eine Dezimalzahl eingeben, etwa 48,7665.");
            }
            number.map(Value::from)
        }
        Input::DateTime => {
            let time = local_time(trimmed, zone);
            if time.is_none() {
                complain("Bitte Datum und Uhrzeit angeben, etwa 2026-12-07 09:00.");
            }
            time.map(|time| Value::String(time.to_rfc3339()))
        }
        _ => Some(Value::String(trimmed.to_owned())),
    }
}

/// Reads a short text given in up to three variants; German is needed if any is given.
fn read_localized(
    values: &FormValues,
    name: &str,
    problems: &mut Vec<FieldProblem>,
) -> Option<Value> {
    let mut texts = Map::new();
    for code in ["de", "en", "ls"] {
        let text = values
            .get(&format!("{name}.{code}"))
            .and_then(|all| all.first())
            .map(|text| text.trim().to_owned())
            .unwrap_or_default();
        if !text.is_empty() {
            texts.insert(code.to_owned(), Value::String(text));
        }
    }
    if texts.is_empty() {
        return None;
    }
    if !texts.contains_key("de") {
        problems.push(FieldProblem {
            field: format!("{name}.de"),
            message: "Der deutsche Text fehlt; er ist immer nötig.".to_owned(),
        });
        return None;
    }
    Some(Value::Object(texts))
}

/// Reads the entries of a group, leaving out those marked for removal and spare ones left
/// empty.
fn read_group(
    values: &FormValues,
    name: &str,
    fields: &[Field],
    zone: Tz,
    problems: &mut Vec<FieldProblem>,
) -> Value {
    let mut entries = Vec::new();
    for index in 0..group_len(values, name) {
        let prefix = format!("{name}[{index}]");
        if values.contains_key(&format!("{prefix}.remove")) {
            continue;
        }
        let mut entry = Map::new();
        let before = problems.len();
        for sub in fields {
            let sub_name = format!("{prefix}.{}", sub.name);
            if let Some(value) = read(values, &sub_name, sub, zone, problems) {
                entry.insert(sub.name.to_owned(), value);
            }
        }
        if entry.values().all(is_empty) && problems.len() == before {
            continue;
        }
        entries.push(Value::Object(entry));
    }
    Value::Array(entries)
}

/// Reads `2026-12-07T09:00` (as a browser's date-time field sends it) or `2026-12-07 09:00`
/// as a time in `zone`; `None` for anything else, and for a time that does not exist there
/// (the hour skipped when summer time begins).
pub fn local_time(text: &str, zone: Tz) -> Option<DateTime<Utc>> {
    let text = text.replace(' ', "T");
    let naive = NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    // In the hour skipped at the start of summer time there is no such local time; the
    // earlier reading of an ambiguous autumn hour is the one people mean.
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|time| time.with_timezone(&Utc))
}

/// Turns a problem the content parser found into a problem of a form field: a missing field
/// is reported on the field itself, in the staff portal's language.
fn problem_from_parser(path: Option<&str>, message: &str) -> FieldProblem {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (path, missing) {
        (Some(path), Some(name)) => FieldProblem {
            field: format!("{path}.{name}"),
            message: "Dieses Feld ist nötig.".to_owned(),
        },
        (None, Some(name)) => FieldProblem {
            field: name.to_owned(),
            message: "Dieses Feld ist nötig.".to_owned(),
        },
        (path, None) => FieldProblem {
            field: path.unwrap_or_default().to_owned(),
            message: message.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Tz {
        chrono_tz::Europe::Berlin
    }

    #[test]
    fn every_field_of_every_kind_is_described() {
        // A field the model has and the form lacks would be lost on the first save; this
        // checks the schema against the serialised shape of a maximal document per kind.
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
        let Ok(items) = crate::import::read_folder(&folder, &std::collections::BTreeSet::new())
        else {
            panic!("the demo content must be valid");
        };
        for item in &items {
            let values = to_form(item, zone());
            let back = from_form(item.kind(), item.key(), &values, zone());
            assert_eq!(back.as_ref(), Ok(item), "{} {}", item.kind(), item.key());
        }
    }

    #[test]
    fn a_missing_required_text_is_reported_on_its_field() {
        let mut values = FormValues::new();
        values.insert("published_at".into(), vec!["2026-12-07T09:00".into()]);
        values.insert("de.title".into(), vec!["Titel".into()]);
        values.insert("de.body".into(), vec!["Text".into()]);
        let problems = from_form(Kind::News, "neu", &values, zone()).unwrap_err();
        assert_eq!(
            problems,
            [FieldProblem {
                field: "de.summary".into(),
                message: "Dieses Feld ist nötig.".into()
            }]
        );
    }

    #[test]
    fn bad_numbers_dates_and_amounts_name_their_field() {
        let mut values = FormValues::new();
        values.insert("processing_days".into(), vec!["zwei".into()]);
        let problems = from_form(Kind::Service, "x", &values, zone()).unwrap_err();
        assert_eq!(problems[0].field, "processing_days");

        let mut values = FormValues::new();
        values.insert("published_at".into(), vec!["morgen".into()]);
        let problems = from_form(Kind::News, "x", &values, zone()).unwrap_err();
        assert_eq!(problems[0].field, "published_at");

        let mut values = to_form_of_first_service();
        values.insert("fees[0].amount".into(), vec!["zehn".into()]);
        let problems = from_form(Kind::Service, "x", &values, zone()).unwrap_err();
        assert_eq!(problems[0].field, "fees[0].amount");
    }

    fn to_form_of_first_service() -> FormValues {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
        let Ok(items) = crate::import::read_folder(&folder, &std::collections::BTreeSet::new())
        else {
            panic!("the demo content must be valid");
        };
        let Some(service) = items
            .iter()
            .find(|item| matches!(item, Item::Service(service) if !service.fees.is_empty()))
        else {
            panic!("the demo has a service with fees");
        };
        to_form(service, zone())
    }

    #[test]
    fn spare_and_removed_group_entries_are_left_out() {
        let mut values = to_form_of_first_service();
        let fees = group_len(&values, "fees");
        values.insert(format!("fees[{fees}].period"), vec![String::new()]);
        values.insert("fees[0].remove".into(), vec!["on".into()]);
        let Ok(Item::Service(service)) = from_form(Kind::Service, "x", &values, zone()) else {
            panic!("the form is valid");
        };
        assert_eq!(service.fees.len(), fees - 1);
    }

    #[test]
    fn local_times_become_utc_across_daylight_saving() {
        let winter = local_time("2026-12-07T09:00", zone()).map(|time| time.to_rfc3339());
        assert_eq!(winter.as_deref(), Some("2026-12-07T08:00:00+00:00"));
        let summer = local_time("2026-07-07 09:00", zone()).map(|time| time.to_rfc3339());
        assert_eq!(summer.as_deref(), Some("2026-07-07T07:00:00+00:00"));
        assert_eq!(local_time("2026-03-29T02:30", zone()), None);
    }
}
