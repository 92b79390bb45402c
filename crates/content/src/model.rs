//! The content types of the content platform and their file format.
//!
//! Each content item is one document: the fields that do not depend on language at the top,
//! and one table per language variant (`[de]`, `[en]`, `[ls]`) with the texts. The same
//! serde shape is used for import files (TOML), for revisions stored in the database (JSON)
//! and, through the view types of the web crate, for the JSON API. `docs/content-format.md`
//! describes the format for editors with examples.
//!
//! Texts marked "Markdown" accept the small subset rendered by [`crate::markdown`].

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::media::MediaKind;

/// A language variant of the content. German is the default and the fallback.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Variant {
    /// Standard German.
    #[serde(rename = "de")]
    German,
    /// English.
    #[serde(rename = "en")]
    English,
    /// Leichte Sprache: easy-to-read German for people with learning difficulties, written
    /// to its own rules (short sentences, one statement each, common words) and reviewed by
    /// readers of the target group. It is a variant in its own right, not a translation.
    #[serde(rename = "ls")]
    EasyGerman,
}

impl Variant {
    /// All variants, in the order the portal offers them.
    pub const ALL: [Variant; 3] = [Variant::German, Variant::EasyGerman, Variant::English];

    /// The short code used in URLs, import files and the API.
    pub fn code(self) -> &'static str {
        match self {
            Variant::German => "de",
            Variant::English => "en",
            Variant::EasyGerman => "ls",
        }
    }

    /// The BCP 47 language tag for the `lang` and `hreflang` attributes. Leichte Sprache is
    /// German with a private-use subtag, so assistive technology reads it as German.
    pub fn language_tag(self) -> &'static str {
        match self {
            Variant::German => "de",
            Variant::English => "en",
            Variant::EasyGerman => "de-x-ls",
        }
    }

    /// Parses a code as used in URLs; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Variant> {
        match code {
            "de" => Some(Variant::German),
            "en" => Some(Variant::English),
            "ls" => Some(Variant::EasyGerman),
            _ => None,
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A small text given per variant inside a language-independent structure, such as the
/// label of a fee. Missing variants fall back to German.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// German text; required wherever a localized text is given.
    pub de: String,
    /// English text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    /// Leichte Sprache text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<String>,
}

impl Localized {
    /// The text in `variant`, or the German text where that variant is missing.
    pub fn get(&self, variant: Variant) -> &str {
        self.resolve(variant).1
    }

    /// The text in `variant`, or German where that variant is missing, with the variant
    /// served.
    pub fn resolve(&self, variant: Variant) -> (Variant, &str) {
        let text = match variant {
            Variant::German => None,
            Variant::English => self.en.as_deref(),
            Variant::EasyGerman => self.ls.as_deref(),
        };
        match text {
            Some(text) => (variant, text),
            None => (Variant::German, &self.de),
        }
    }
}

/// A borrowed view of the texts of one item in each variant it exists in.
#[derive(Debug)]
pub struct Variants<'a, T> {
    de: &'a T,
    en: Option<&'a T>,
    ls: Option<&'a T>,
}

impl<T> Clone for Variants<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Variants<'_, T> {}

impl<'a, T> Variants<'a, T> {
    /// The texts in exactly `variant`, if they exist.
    pub fn exact(self, variant: Variant) -> Option<&'a T> {
        match variant {
            Variant::German => Some(self.de),
            Variant::English => self.en,
            Variant::EasyGerman => self.ls,
        }
    }

    /// The texts in `variant`, or German where it is missing, with the variant served.
    pub fn resolve(self, variant: Variant) -> (Variant, &'a T) {
        match self.exact(variant) {
            Some(texts) => (variant, texts),
            None => (Variant::German, self.de),
        }
    }

    /// The variants this item exists in.
    pub fn available(self) -> Vec<Variant> {
        Variant::ALL
            .into_iter()
            .filter(|variant| self.exact(*variant).is_some())
            .collect()
    }

    /// Each existing variant with its texts.
    pub fn iter(self) -> impl Iterator<Item = (Variant, &'a T)> {
        Variant::ALL
            .into_iter()
            .filter_map(move |variant| self.exact(variant).map(|texts| (variant, texts)))
    }
}

/// Gives an item type its per-variant text fields' view.
macro_rules! texts_view {
    ($item:ty, $texts:ty) => {
        impl $item {
            /// The item's texts per variant.
            pub fn texts(&self) -> Variants<'_, $texts> {
                Variants {
                    de: &self.de,
                    en: self.en.as_ref(),
                    ls: self.ls.as_ref(),
                }
            }
        }
    };
}

texts_view!(Service, ServiceTexts);
texts_view!(Office, OfficeTexts);
texts_view!(LifeSituation, LifeSituationTexts);
texts_view!(News, NewsTexts);
texts_view!(Page, PageTexts);
texts_view!(District, DistrictTexts);

/// The kinds of content item.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A service of the city ([`Service`]).
    Service,
    /// An office with its location and opening hours ([`Office`]).
    Office,
    /// A life situation guiding through several services ([`LifeSituation`]).
    LifeSituation,
    /// A news item ([`News`]).
    News,
    /// A page such as the imprint or the accessibility statement ([`Page`]).
    Page,
    /// A district of the city, used to find nearby offices ([`District`]).
    District,
}

impl Kind {
    /// All kinds, in import order: what others refer to comes first.
    pub const ALL: [Kind; 6] = [
        Kind::District,
        Kind::Office,
        Kind::Service,
        Kind::LifeSituation,
        Kind::News,
        Kind::Page,
    ];

    /// The name used in the database, in import folder names and in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::Office => "office",
            Kind::LifeSituation => "life-situation",
            Kind::News => "news",
            Kind::Page => "page",
            Kind::District => "district",
        }
    }

    /// The folder of an import directory that holds items of this kind.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Service => "services",
            Kind::Office => "offices",
            Kind::LifeSituation => "life-situations",
            Kind::News => "news",
            Kind::Page => "pages",
            Kind::District => "districts",
        }
    }

    /// Parses the database name of a kind.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any content item.
#[expect(
    clippy::large_enum_variant,
    reason = "items are built once per load; boxing buys nothing"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "item", rename_all = "kebab-case")]
pub enum Item {
    /// A service.
    Service(Service),
    /// An office.
    Office(Office),
    /// A life situation.
    LifeSituation(LifeSituation),
    /// A news item.
    News(News),
    /// A page.
    Page(Page),
    /// A district.
    District(District),
}

impl Item {
    /// The kind of this item.
    pub fn kind(&self) -> Kind {
        match self {
            Item::Service(_) => Kind::Service,
            Item::Office(_) => Kind::Office,
            Item::LifeSituation(_) => Kind::LifeSituation,
            Item::News(_) => Kind::News,
            Item::Page(_) => Kind::Page,
            Item::District(_) => Kind::District,
        }
    }

    /// The stable key of this item.
    pub fn key(&self) -> &str {
        match self {
            Item::Service(item) => &item.key,
            Item::Office(item) => &item.key,
            Item::LifeSituation(item) => &item.key,
            Item::News(item) => &item.key,
            Item::Page(item) => &item.key,
            Item::District(item) => &item.key,
        }
    }

    /// The media this item shows: for each reference its field (such as `documents[0]`),
    /// the kind of media it must be, and the media key.
    pub fn media_references(&self) -> Vec<(String, MediaKind, &str)> {
        match self {
            Item::Service(service) => service
                .documents
                .iter()
                .enumerate()
                .map(|(index, key)| {
                    (
                        format!("documents[{index}]"),
                        MediaKind::Document,
                        key.as_str(),
                    )
                })
                .collect(),
            Item::News(News { image, .. }) | Item::Page(Page { image, .. }) => image
                .iter()
                .map(|key| ("image".to_owned(), MediaKind::Image, key.as_str()))
                .collect(),
            Item::Office(_) | Item::LifeSituation(_) | Item::District(_) => Vec::new(),
        }
    }
}

/// Money as integer cents with a currency. Written in files as a decimal string such as
/// `"27.60"`; the currency defaults to euro.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money {
    /// The amount in cents.
    pub cents: i64,
}

impl Money {
    /// Parses `"30"`, `"30.5"` or `"27.60"`. A comma is accepted as decimal separator.
    pub fn parse(text: &str) -> Option<Money> {
        let text = text.trim().replace(',', ".");
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 2 {
            return None;
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let fraction: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().ok()? * 10,
            _ => fraction.parse().ok()?,
        };
        Some(Money {
            cents: whole.checked_mul(100)?.checked_add(fraction)?,
        })
    }

    /// The amount as a plain decimal string with two digits, such as `27.60`.
    pub fn decimal(self) -> String {
        format!("{}.{:02}", self.cents / 100, self.cents % 100)
    }

    /// The amount as German readers expect it, such as `27,60 €`.
    pub fn german(self) -> String {
        format!("{},{:02} €", self.cents / 100, self.cents % 100)
    }

    /// The amount as English readers expect it, such as `€27.60`.
    pub fn english(self) -> String {
        format!("€{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.decimal())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Money::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not an amount of money; write it as a string like \"27.60\""
            ))
        })
    }
}

/// Both [`Money`] and [`TimeRange`] travel as strings.
macro_rules! string_schema {
    ($type:ty, $description:literal) => {
        impl utoipa::PartialSchema for $type {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some($description))
                    .into()
            }
        }
        impl utoipa::ToSchema for $type {}
    };
}

string_schema!(
    Money,
    "An amount in euro as a decimal string with two digits, such as 27.60."
);
string_schema!(TimeRange, "A range of local time such as 08:00-12:30.");

/// How often a fee is due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FeePeriod {
    /// Once per application.
    #[default]
    Once,
    /// Every year.
    Year,
    /// Every month.
    Month,
}

/// One fee of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// The amount.
    pub amount: Money,
    /// How often it is due.
    #[serde(default)]
    pub period: FeePeriod,
    /// What the fee is for, such as "Ausweis für Personen ab 24 Jahren".
    pub label: Localized,
}

/// A law or statute a service rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalReference {
    /// Its citation, such as "§ 17 Bundesmeldegesetz (BMG)".
    pub title: String,
    /// Where the text can be read, if online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Whether a service needs an appointment at the office.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Appointment {
    /// No appointment: come during opening hours or apply online.
    #[default]
    None,
    /// An appointment saves waiting but is not required.
    Recommended,
    /// Only with an appointment.
    Required,
}

/// How sure the city must be of a person's identity, per eIDAS and BSI TR-03107.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum TrustLevel {
    /// Basisregistrierung: a user name and password, no proof of identity.
    #[default]
    Low,
    /// "Substanziell": for example an ELSTER certificate.
    Substantial,
    /// "Hoch": the online function of the identity card (eID).
    High,
}

/// A service of the city: what a person can apply for, register or report.
///
/// The fields follow the service description of the German FIM catalogue (`XZuFi` `leistung`),
/// so that services can be exchanged with the federal portal network without loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Stable key, used in URLs and references: lower case letters, digits and hyphens.
    pub key: String,
    /// The city's own service number, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<String>,
    /// The 14-digit key of the federal service catalogue (Leistungskatalog, LeiKa), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leika_key: Option<String>,
    /// Keys of the offices responsible for this service.
    #[serde(default)]
    pub offices: Vec<String>,
    /// Where to apply online, if the service can be applied for online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_application: Option<String>,
    /// Whether an appointment is needed at the office.
    #[serde(default)]
    pub appointment: Appointment,
    /// The trust level an online application needs.
    #[serde(default)]
    pub min_trust_level: TrustLevel,
    /// The fees, as structured amounts.
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// The laws the service rests on.
    #[serde(default)]
    pub legal_basis: Vec<LegalReference>,
    /// Keys of the documents (forms, leaflets) offered for download, in the order shown.
    #[serde(default)]
    pub documents: Vec<String>,
    /// Typical processing time in working days, if it can be given as a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_days: Option<u32>,
    /// How many people use the service in a month; orders the "most used" list.
    #[serde(default)]
    pub popularity: u32,
    /// German texts; required.
    pub de: ServiceTexts,
    /// English texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<ServiceTexts>,
    /// Leichte Sprache texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<ServiceTexts>,
}

/// The texts of a service in one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceTexts {
    /// The name people know the service by, such as "Wohnsitz anmelden".
    pub name: String,
    /// One or two plain sentences saying what the service is for.
    pub summary: String,
    /// The full description (Markdown).
    pub description: String,
    /// Who may or must apply (Markdown).
    pub eligibility: String,
    /// The documents to bring or upload, one per entry.
    #[serde(default)]
    pub required_documents: Vec<String>,
    /// How it works, step by step (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<String>,
    /// Explanations of the fees beyond the amounts, such as exemptions (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees_note: Option<String>,
    /// How long processing takes, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_time: Option<String>,
    /// Deadlines the applicant must keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadlines: Option<String>,
    /// One or two sentences fit to be spoken by a voice assistant.
    pub spoken_answer: String,
    /// Words people use for this service, including colloquial ones and abbreviations.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// Opening hours of a weekday as ranges such as `"08:00-12:00"`.
pub type DayHours = Vec<TimeRange>;

/// A range of time within a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// When it starts.
    pub opens: NaiveTime,
    /// When it ends; after `opens`.
    pub closes: NaiveTime,
}

impl TimeRange {
    /// Parses `"08:00-12:30"`.
    pub fn parse(text: &str) -> Option<TimeRange> {
        let (opens, closes) = text.split_once('-')?;
        let opens = NaiveTime::parse_from_str(opens.trim(), "%H:%M").ok()?;
        let closes = NaiveTime::parse_from_str(closes.trim(), "%H:%M").ok()?;
        (opens < closes).then_some(TimeRange { opens, closes })
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.opens.format("%H:%M"),
            self.closes.format("%H:%M")
        )
    }
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TimeRange::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a time range; write it like \"08:00-12:30\", the end after the start"
            ))
        })
    }
}

/// The regular weekly opening hours of an office. A missing day is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// Monday.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub monday: DayHours,
    /// Tuesday.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub tuesday: DayHours,
    /// Wednesday.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub wednesday: DayHours,
    /// Thursday.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub thursday: DayHours,
    /// Friday.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub friday: DayHours,
    /// Saturday.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub saturday: DayHours,
    /// Sunday.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub sunday: DayHours,
}

impl WeeklyHours {
    /// The hours of a weekday.
    pub fn day(&self, weekday: chrono::Weekday) -> &DayHours {
        match weekday {
            chrono::Weekday::Mon => &self.monday,
            chrono::Weekday::Tue => &self.tuesday,
            chrono::Weekday::Wed => &self.wednesday,
            chrono::Weekday::Thu => &self.thursday,
            chrono::Weekday::Fri => &self.friday,
            chrono::Weekday::Sat => &self.saturday,
            chrono::Weekday::Sun => &self.sunday,
        }
    }
}

/// Different hours on one date, such as shorter hours on Christmas Eve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursException {
    /// The date.
    pub date: NaiveDate,
    /// The hours on that date; empty means closed.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub hours: DayHours,
    /// Why, shown to visitors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Localized>,
}

/// A period in which an office is closed, such as for renovation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// First closed day.
    pub from: NaiveDate,
    /// Last closed day.
    pub to: NaiveDate,
    /// Why, shown to visitors.
    pub reason: Localized,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and house number.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// Town.
    pub city: String,
}

/// A position on the earth (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    /// Latitude in degrees, north positive.
    pub lat: f64,
    /// Longitude in degrees, east positive.
    pub lon: f64,
}

impl Coordinates {
    /// Whether both values lie in their valid ranges.
    pub fn is_valid(self) -> bool {
        (-90.0..=90.0).contains(&self.lat) && (-180.0..=180.0).contains(&self.lon)
    }
}

/// How accessible an office building is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is an independent fact"
)]
pub struct BuildingAccessibility {
    /// The entrance can be reached without steps.
    #[serde(default)]
    pub step_free_entrance: bool,
    /// There is a lift to every floor with public rooms.
    #[serde(default)]
    pub lift: bool,
    /// There is a toilet for wheelchair users.
    #[serde(default)]
    pub accessible_toilet: bool,
    /// Counters have an induction loop for hearing aids.
    #[serde(default)]
    pub hearing_loop: bool,
    /// There are parking spaces for disabled people.
    #[serde(default)]
    pub disabled_parking: bool,
    /// There is a tactile guidance system for blind people.
    #[serde(default)]
    pub tactile_guidance: bool,
}

/// An office of the city where people can get services in person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// Stable key.
    pub key: String,
    /// Key of the district it lies in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Postal address.
    pub address: Address,
    /// Position of the entrance.
    pub location: Coordinates,
    /// Telephone number in international form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Regular weekly hours.
    #[serde(default)]
    pub opening_hours: WeeklyHours,
    /// Dates with different hours.
    #[serde(default)]
    pub exceptions: Vec<HoursException>,
    /// Periods of closure.
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// Whether the office observes the public holidays of the city's state (default yes).
    #[serde(default = "yes")]
    pub closed_on_public_holidays: bool,
    /// Accessibility of the building.
    #[serde(default)]
    pub accessibility: BuildingAccessibility,
    /// German texts; required.
    pub de: OfficeTexts,
    /// English texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<OfficeTexts>,
    /// Leichte Sprache texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<OfficeTexts>,
}

fn yes() -> bool {
    true
}

/// The texts of an office in one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeTexts {
    /// Name, such as "Bürgerbüro Altstadt".
    pub name: String,
    /// What the office does (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How to get there by public transport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directions: Option<String>,
    /// More about accessibility than the flags say, such as where the ramp is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessibility_notes: Option<String>,
}

/// One step of a life situation: a service, with a note on when or why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Key of the service.
    pub service: String,
    /// When or why to do this step, such as "within 14 days after moving in".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Localized>,
    /// Whether only some people need this step.
    #[serde(default)]
    pub optional: bool,
}

/// A life situation (Lebenslage), such as moving to the city: an ordered guide through the
/// services it involves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LifeSituation {
    /// Stable key.
    pub key: String,
    /// The steps in order.
    pub steps: Vec<Step>,
    /// German texts; required.
    pub de: LifeSituationTexts,
    /// English texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<LifeSituationTexts>,
    /// Leichte Sprache texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<LifeSituationTexts>,
}

/// The texts of a life situation in one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LifeSituationTexts {
    /// Name, such as "Umzug in die Stadt".
    pub name: String,
    /// One or two sentences.
    pub summary: String,
    /// The introduction (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Words people use for this situation.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// A news item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct News {
    /// Stable key.
    pub key: String,
    /// When it is published; it is hidden before.
    pub published_at: DateTime<Utc>,
    /// When it expires; it is hidden after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Key of the image shown with the article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// German texts; required.
    pub de: NewsTexts,
    /// English texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<NewsTexts>,
    /// Leichte Sprache texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<NewsTexts>,
}

impl News {
    /// Whether the item is visible at `now`.
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.published_at <= now && self.expires_at.is_none_or(|expires| now < expires)
    }
}

/// The texts of a news item in one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewsTexts {
    /// Headline.
    pub title: String,
    /// One or two sentences for lists and feeds.
    pub summary: String,
    /// The article (Markdown).
    pub body: String,
}

/// What a page is for. Some roles are required by law and linked from every page.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PageRole {
    /// An ordinary page.
    #[default]
    General,
    /// The accessibility statement (Erklärung zur Barrierefreiheit) with its feedback form.
    AccessibilityStatement,
    /// The legal notice (Impressum).
    Imprint,
    /// The privacy notice (Datenschutzerklärung).
    Privacy,
    /// The explanation of the portal in Leichte Sprache that BITV 2.0 § 4 requires.
    EasyLanguage,
    /// The explanation of the portal in German Sign Language that BITV 2.0 § 4 requires.
    SignLanguage,
}

/// How far a site meets the accessibility requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ComplianceStatus {
    /// Fully compliant.
    Full,
    /// Partially compliant; the known barriers are listed.
    Partial,
    /// Not compliant.
    None,
}

/// The structured part of an accessibility statement (EU decision 2018/1523).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessibilityStatement {
    /// Compliance status.
    pub status: ComplianceStatus,
    /// When the statement was first made.
    pub prepared_on: NaiveDate,
    /// When it was last reviewed.
    pub reviewed_on: NaiveDate,
    /// How compliance was assessed, such as "self-assessment".
    pub method: Localized,
    /// Where barriers can be reported besides the form.
    pub contact_email: String,
    /// The body to turn to when the city does not answer (Schlichtungsstelle or state body).
    pub enforcement_body: String,
    /// The enforcement body's web address.
    pub enforcement_url: String,
}

/// A video, such as one in German Sign Language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Video {
    /// What the video explains.
    pub title: Localized,
    /// Where the video file is.
    pub url: String,
    /// Length in seconds.
    pub duration_seconds: u32,
    /// File size in bytes, stated so people can decide before downloading.
    pub size_bytes: u64,
    /// A still image shown before playing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
    /// Captions in `WebVTT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captions: Option<String>,
}

/// A page of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Stable key.
    pub key: String,
    /// What the page is for.
    #[serde(default)]
    pub role: PageRole,
    /// Facts of the accessibility statement; only for that role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessibility_statement: Option<AccessibilityStatement>,
    /// Videos shown on the page, such as in German Sign Language.
    #[serde(default)]
    pub videos: Vec<Video>,
    /// Key of the image shown below the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// German texts; required.
    pub de: PageTexts,
    /// English texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<PageTexts>,
    /// Leichte Sprache texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<PageTexts>,
}

/// The texts of a page in one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageTexts {
    /// Title.
    pub title: String,
    /// One or two sentences for lists and search results.
    pub summary: String,
    /// The page (Markdown).
    pub body: String,
}

/// A district of the city, with its postcodes and centre, so that a person can find nearby
/// offices by choosing a district or typing a postcode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// Stable key.
    pub key: String,
    /// The postcodes that lie (mostly) in this district.
    #[serde(default)]
    pub postcodes: Vec<String>,
    /// The centre of the district.
    pub centre: Coordinates,
    /// German texts; required.
    pub de: DistrictTexts,
    /// English texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<DistrictTexts>,
    /// Leichte Sprache texts, if written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ls: Option<DistrictTexts>,
}

/// The texts of a district in one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DistrictTexts {
    /// Name.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parses_decimal_strings_exactly() {
        assert_eq!(Money::parse("27.60"), Some(Money { cents: 2760 }));
        assert_eq!(Money::parse("30"), Some(Money { cents: 3000 }));
        assert_eq!(Money::parse("0,5"), Some(Money { cents: 50 }));
        assert_eq!(Money::parse("1.234"), None);
        assert_eq!(Money::parse("-3"), None);
        assert_eq!(Money::parse(""), None);
        assert_eq!(Money::parse("99999999999999999999"), None);
        assert_eq!(Money { cents: 2760 }.german(), "27,60 €");
    }

    #[test]
    fn time_ranges_must_end_after_they_start() {
        assert!(TimeRange::parse("08:00-12:30").is_some());
        assert!(TimeRange::parse("12:00-08:00").is_none());
        assert!(TimeRange::parse("8-12").is_none());
    }

    #[test]
    fn a_missing_variant_falls_back_to_german() {
        let label = Localized {
            de: "Gebühr".into(),
            en: Some("Fee".into()),
            ls: None,
        };
        assert_eq!(label.get(Variant::English), "Fee");
        assert_eq!(label.get(Variant::EasyGerman), "Gebühr");
    }
}
