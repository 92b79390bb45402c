//! The attribute catalogue: the names of the profile vault's attributes and what a valid
//! value of each looks like.
//!
//! An attribute name is a namespaced string: lower-case words of letters, digits and `_`,
//! joined by dots, such as `person.family_name`. The catalogue knows the attributes of four
//! namespaces (`person`, `address`, `contact` and `payment`) and checks their values
//! closely. A name in one of these namespaces that the catalogue does not know is refused,
//! so that a misspelt name is caught rather than stored. A name in any other namespace
//! (such as `vehicle.number_plates`) is accepted with any JSON value up to
//! [`MAX_OPEN_VALUE_BYTES`]: a later process can keep what it needs before the catalogue
//! learns about it. Teaching the catalogue an attribute means adding a constant below and a
//! row to `DEFINITIONS` with its check.
//!
//! A check returns the value in its normal form, which is what gets stored: text trimmed,
//! country codes in capitals, an IBAN without spaces, repeated nationalities once.
//!
//! Errors are typed ([`AttributeError`]) and name the attribute, the field inside its value
//! where there is one, and the problem; wording them for people is the web layer's job.

use std::fmt;

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::countries::is_country_code;
use super::iban::{Iban, check_bic};
use crate::secret::check_email;

/// Given names as in the passport, in one text: `Anna Maria`.
pub const GIVEN_NAMES: &str = "person.given_names";
/// The family name: `Huber`.
pub const FAMILY_NAME: &str = "person.family_name";
/// The family name at birth, where it differs: `Meier`.
pub const BIRTH_NAME: &str = "person.birth_name";
/// The date of birth as `YYYY-MM-DD`.
pub const DATE_OF_BIRTH: &str = "person.date_of_birth";
/// The place of birth as written in the passport: `München`.
pub const PLACE_OF_BIRTH: &str = "person.place_of_birth";
/// Every nationality, as a list of ISO 3166-1 codes: `["DE", "AT"]`.
pub const NATIONALITIES: &str = "person.nationalities";
/// The main residence (Hauptwohnung) as an address object.
pub const MAIN_RESIDENCE: &str = "address.main_residence";
/// Further residences (Nebenwohnungen) as a list of address objects.
pub const OTHER_RESIDENCES: &str = "address.other_residences";
/// Where post should go when not to the main residence, as an address object.
pub const POSTAL_ADDRESS: &str = "address.postal";
/// An email address for messages about applications.
pub const EMAIL: &str = "contact.email";
/// A telephone number, such as `+49 89 233-0` or `089 2330`.
pub const PHONE: &str = "contact.phone";
/// A bank account for payments and refunds: `{"iban", "bic", "holder"}`, BIC optional.
pub const BANK_ACCOUNT: &str = "payment.bank_account";

/// The namespaces whose every attribute the catalogue knows.
const CATALOGUE_NAMESPACES: [&str; 4] = ["person", "address", "contact", "payment"];

/// The largest value, as JSON text, of an attribute outside the catalogue.
pub const MAX_OPEN_VALUE_BYTES: usize = 8 * 1024;

/// The longest attribute name.
const MAX_NAME_LENGTH: usize = 100;

/// The longest person's name, given names or family name (as in the registers' interchange
/// format).
const MAX_PERSON_NAME: usize = 120;

/// How many residences besides the main one, and how many nationalities, a value may list.
const MAX_LIST_ENTRIES: usize = 10;

/// Characters that occur in no one's name. Everything else that is not a control character
/// or a digit is allowed, so that names from every script can be kept.
///
/// TODO: check against the character sets of DIN 91379 (the norm for names in German
/// administration) and store names in Unicode normal form C; that needs a normalisation
/// library the workspace does not have yet.
const NOT_IN_NAMES: &str = "@#$%^&*_=+<>{}[]|\\/~\";:!?";

/// What a valid value must be, checked with the time of the change (for dates).
type Check = fn(&Value, DateTime<Utc>) -> Result<Value, FieldProblem>;

/// Every attribute the catalogue knows, with its check.
const DEFINITIONS: [(&str, Check); 12] = [
    (GIVEN_NAMES, check_person_name),
    (FAMILY_NAME, check_person_name),
    (BIRTH_NAME, check_person_name),
    (DATE_OF_BIRTH, check_date_of_birth),
    (PLACE_OF_BIRTH, check_place_of_birth),
    (NATIONALITIES, check_nationalities),
    (MAIN_RESIDENCE, check_address),
    (OTHER_RESIDENCES, check_address_list),
    (POSTAL_ADDRESS, check_address),
    (EMAIL, check_email_address),
    (PHONE, check_phone),
    (BANK_ACCOUNT, check_bank_account),
];

/// The names of every attribute the catalogue knows, in catalogue order.
pub fn known_attributes() -> impl Iterator<Item = &'static str> {
    DEFINITIONS.iter().map(|(name, _)| *name)
}

/// Why a value or an attribute name was refused: which attribute, where inside the value,
/// and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AttributeError {
    /// The attribute, as it was named.
    pub attribute: String,
    /// Where inside the value, for values with parts: `iban`, `postal_code`, or
    /// `[1].postal_code` for the second entry of a list. `None` for the value as a whole.
    pub field: Option<String>,
    /// What is wrong.
    pub problem: AttributeProblem,
}

impl fmt::Display for AttributeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(formatter, "{} ({field}): {}", self.attribute, self.problem),
            None => write!(formatter, "{}: {}", self.attribute, self.problem),
        }
    }
}

/// The form a value should have had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueShape {
    /// A JSON string.
    Text,
    /// A JSON array.
    List,
    /// A JSON object.
    Object,
    /// Anything but `null`.
    Present,
}

/// What is wrong with an attribute name or value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeProblem {
    /// The name is not lower-case words joined by dots, with at least one dot.
    #[error("is not an attribute name such as `person.family_name`")]
    MalformedName,
    /// The name is in a namespace the catalogue covers but is not in the catalogue.
    #[error("is not an attribute the catalogue knows")]
    UnknownAttribute,
    /// The value or part has the wrong form.
    #[error("must be {0:?}")]
    WrongShape(ValueShape),
    /// A required part is missing.
    #[error("is missing")]
    Missing,
    /// The value has a part the attribute does not know.
    #[error("is not a part of this attribute")]
    UnknownField,
    /// The text is empty or only spaces.
    #[error("is empty")]
    Empty,
    /// The text has more characters than allowed.
    #[error("has more than {max} characters")]
    TooLong {
        /// The most allowed.
        max: usize,
    },
    /// The list has more entries than allowed.
    #[error("has more than {max} entries")]
    TooMany {
        /// The most allowed.
        max: usize,
    },
    /// The value as JSON text is larger than allowed.
    #[error("is larger than {max_bytes} bytes")]
    TooLarge {
        /// The most allowed.
        max_bytes: usize,
    },
    /// The text holds characters that do not belong there, such as digits in a name.
    #[error("contains characters that are not allowed here")]
    ForbiddenCharacters,
    /// The text is not a date of the form `YYYY-MM-DD`.
    #[error("is not a date of the form YYYY-MM-DD")]
    NotADate,
    /// The date lies in the future.
    #[error("lies in the future")]
    InFuture,
    /// The date lies further back than anyone alive.
    #[error("lies too far back")]
    TooLongAgo,
    /// The text is not an email address.
    #[error("is not an email address")]
    NotAnEmailAddress,
    /// The text is not a telephone number.
    #[error("is not a telephone number")]
    NotAPhoneNumber,
    /// The text is not a country code of ISO 3166-1, such as `DE`.
    #[error("is not a country code such as DE")]
    UnknownCountry,
    /// The postal code does not have the form the country uses.
    #[error("is not a postal code of the country")]
    PostalCodeFormat,
    /// The IBAN holds characters other than letters, digits and spaces.
    #[error("may hold only letters, digits and spaces")]
    IbanCharacters,
    /// The IBAN does not begin with a country code.
    #[error("does not begin with a country code")]
    IbanCountry,
    /// The IBAN is too short or too long for its country.
    #[error("has {found} characters instead of {min} to {max}")]
    IbanLength {
        /// How many it has, spaces not counted.
        found: usize,
        /// The fewest the country uses.
        min: usize,
        /// The most the country uses.
        max: usize,
    },
    /// The IBAN's check digits do not match: a typing error.
    #[error("has wrong check digits (probably a typing error)")]
    IbanChecksum,
    /// The BIC does not have the form of one.
    #[error("is not a BIC of 8 or 11 characters")]
    BicFormat,
}

/// A problem inside a value, before it is tied to the attribute's name.
#[derive(Debug)]
struct FieldProblem {
    field: Option<String>,
    problem: AttributeProblem,
}

impl From<AttributeProblem> for FieldProblem {
    fn from(problem: AttributeProblem) -> Self {
        FieldProblem {
            field: None,
            problem,
        }
    }
}

impl FieldProblem {
    fn at(field: &str, problem: AttributeProblem) -> FieldProblem {
        FieldProblem {
            field: Some(field.to_owned()),
            problem,
        }
    }

    /// The same problem inside entry `index` of a list.
    fn in_entry(self, index: usize) -> FieldProblem {
        let field = match self.field {
            Some(inner) => format!("[{index}].{inner}"),
            None => format!("[{index}]"),
        };
        FieldProblem {
            field: Some(field),
            problem: self.problem,
        }
    }
}

/// Checks an attribute name: well formed, and known if it lies in a catalogue namespace.
pub fn check_attribute_name(name: &str) -> Result<(), AttributeError> {
    let refuse = |problem| AttributeError {
        attribute: name.to_owned(),
        field: None,
        problem,
    };

    let well_formed = name.len() <= MAX_NAME_LENGTH
        && name.contains('.')
        && name.split('.').all(|word| {
            word.starts_with(|letter: char| letter.is_ascii_lowercase())
                && word.chars().all(|letter| {
                    letter.is_ascii_lowercase() || letter.is_ascii_digit() || letter == '_'
                })
        });
    if !well_formed {
        return Err(refuse(AttributeProblem::MalformedName));
    }
    let in_catalogue_namespace = name
        .split_once('.')
        .is_some_and(|(namespace, _)| CATALOGUE_NAMESPACES.contains(&namespace));
    if in_catalogue_namespace && definition(name).is_none() {
        return Err(refuse(AttributeProblem::UnknownAttribute));
    }

    Ok(())
}

/// Checks a value of attribute `name`, changed at `now`, and returns it in its normal form.
pub fn check_attribute(
    name: &str,
    value: &Value,
    now: DateTime<Utc>,
) -> Result<Value, AttributeError> {
    check_attribute_name(name)?;

    let checked = match definition(name) {
        Some(check) => check(value, now),
        None => check_open_value(value),
    };

    checked.map_err(|problem| AttributeError {
        attribute: name.to_owned(),
        field: problem.field,
        problem: problem.problem,
    })
}

fn definition(name: &str) -> Option<Check> {
    DEFINITIONS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, check)| *check)
}

/// A value outside the catalogue: anything but `null`, within the size limit.
fn check_open_value(value: &Value) -> Result<Value, FieldProblem> {
    if value.is_null() {
        return Err(AttributeProblem::WrongShape(ValueShape::Present).into());
    }
    if value.to_string().len() > MAX_OPEN_VALUE_BYTES {
        return Err(AttributeProblem::TooLarge {
            max_bytes: MAX_OPEN_VALUE_BYTES,
        }
        .into());
    }
    Ok(value.clone())
}

/// Text, trimmed: not empty, at most `max` characters, no control characters.
fn text(value: &Value, max: usize) -> Result<String, AttributeProblem> {
    let Some(text) = value.as_str() else {
        return Err(AttributeProblem::WrongShape(ValueShape::Text));
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(AttributeProblem::Empty);
    }
    if text.chars().count() > max {
        return Err(AttributeProblem::TooLong { max });
    }
    if text.chars().any(char::is_control) {
        return Err(AttributeProblem::ForbiddenCharacters);
    }
    Ok(text.to_owned())
}

fn check_person_name(value: &Value, _now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    let name = text(value, MAX_PERSON_NAME)?;
    let forbidden = name
        .chars()
        .any(|letter| letter.is_numeric() || NOT_IN_NAMES.contains(letter));
    if forbidden || !name.chars().any(char::is_alphabetic) {
        return Err(AttributeProblem::ForbiddenCharacters.into());
    }
    Ok(Value::String(name))
}

fn check_place_of_birth(value: &Value, _now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    Ok(Value::String(text(value, MAX_PERSON_NAME)?))
}

/// A date of birth as `YYYY-MM-DD`, not after today and not more than 150 years ago.
///
/// TODO: registers hold partly unknown dates of birth (day or month unknown, written with
/// zeros); accept those once a process needs them.
fn check_date_of_birth(value: &Value, now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    let text = text(value, 10)?;
    let date = (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or(AttributeProblem::NotADate)?;

    // The day may already have begun in Germany while it is still yesterday in UTC.
    let latest = now.date_naive().succ_opt().unwrap_or(NaiveDate::MAX);
    if date > latest {
        return Err(AttributeProblem::InFuture.into());
    }
    if now.year() - date.year() > 150 {
        return Err(AttributeProblem::TooLongAgo.into());
    }

    Ok(Value::String(date.format("%Y-%m-%d").to_string()))
}

/// A country code in capitals, such as `DE`.
fn country_code(value: &Value) -> Result<String, AttributeProblem> {
    let code = text(value, 2).map_err(|problem| match problem {
        AttributeProblem::TooLong { .. } => AttributeProblem::UnknownCountry,
        other => other,
    })?;
    let code = code.to_ascii_uppercase();
    if is_country_code(&code) {
        Ok(code)
    } else {
        Err(AttributeProblem::UnknownCountry)
    }
}

/// One or more nationalities, each once, in the order given.
fn check_nationalities(value: &Value, _now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    let Some(entries) = value.as_array() else {
        return Err(AttributeProblem::WrongShape(ValueShape::List).into());
    };
    if entries.is_empty() {
        return Err(AttributeProblem::Empty.into());
    }
    if entries.len() > MAX_LIST_ENTRIES {
        return Err(AttributeProblem::TooMany {
            max: MAX_LIST_ENTRIES,
        }
        .into());
    }

    let mut codes: Vec<Value> = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let code = Value::String(
            country_code(entry).map_err(|problem| FieldProblem::from(problem).in_entry(index))?,
        );
        if !codes.contains(&code) {
            codes.push(code);
        }
    }

    Ok(Value::Array(codes))
}

/// The parts of an address and the most characters each may have.
const ADDRESS_PARTS: [(&str, usize); 6] = [
    ("street", 100),
    ("house_number", 20),
    ("supplement", 100),
    ("postal_code", 10),
    ("city", 100),
    ("country", 2),
];

/// An address: street, house number, postal code, city and country are required; the
/// supplement (a flat, "c/o", a building) is optional.
fn check_address(value: &Value, _now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    let parts = object(value, &ADDRESS_PARTS.map(|(part, _)| part))?;
    let mut address = Map::new();
    for (part, max) in ADDRESS_PARTS {
        let given = parts.get(part).filter(|inner| !inner.is_null());
        let checked = match (part, given) {
            ("supplement", None) => continue,
            (_, None) => return Err(FieldProblem::at(part, AttributeProblem::Missing)),
            ("country", Some(inner)) => country_code(inner),
            (_, Some(inner)) => text(inner, max),
        };
        let checked = checked.map_err(|problem| FieldProblem::at(part, problem))?;
        address.insert(part.to_owned(), Value::String(checked));
    }

    let country = address.get("country").and_then(Value::as_str).unwrap_or("");
    let postal_code = address
        .get("postal_code")
        .and_then(Value::as_str)
        .unwrap_or("");
    let normalised = postal_code_of(country, postal_code)
        .ok_or_else(|| FieldProblem::at("postal_code", AttributeProblem::PostalCodeFormat))?;
    address.insert("postal_code".to_owned(), Value::String(normalised));

    Ok(Value::Object(address))
}

/// Further residences: one or more addresses.
fn check_address_list(value: &Value, now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    let Some(entries) = value.as_array() else {
        return Err(AttributeProblem::WrongShape(ValueShape::List).into());
    };
    if entries.is_empty() {
        return Err(AttributeProblem::Empty.into());
    }
    if entries.len() > MAX_LIST_ENTRIES {
        return Err(AttributeProblem::TooMany {
            max: MAX_LIST_ENTRIES,
        }
        .into());
    }

    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| check_address(entry, now).map_err(|problem| problem.in_entry(index)))
        .collect::<Result<Vec<Value>, FieldProblem>>()
        .map(Value::Array)
}

/// The postal code in the form the country writes it, or `None` when it has not that form.
/// Countries without a rule here accept 2 to 10 letters, digits, spaces and hyphens.
fn postal_code_of(country: &str, code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    let digits = |count: usize, text: &str| {
        text.len() == count && text.bytes().all(|byte| byte.is_ascii_digit())
    };

    let valid = match country {
        "DE" | "FR" | "IT" | "ES" => digits(5, &code),
        "AT" | "CH" | "BE" | "LU" => digits(4, &code),
        "NL" => {
            // Four digits and two letters, written with a space between: `1012 AB`.
            let compact = code.replace(' ', "");
            let (numbers, letters) = compact.split_at_checked(4).unwrap_or_default();
            let valid = digits(4, numbers)
                && letters.len() == 2
                && letters.bytes().all(|byte| byte.is_ascii_uppercase());
            return valid.then(|| format!("{numbers} {letters}"));
        }
        "PL" => {
            let (head, tail) = code.split_once('-').unwrap_or(("", ""));
            digits(2, head) && digits(3, tail)
        }
        _ => {
            (2..=10).contains(&code.len())
                && code
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b' ' || byte == b'-')
        }
    };
    valid.then_some(code)
}

fn check_email_address(value: &Value, _now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    let typed = text(value, 254)?;
    let (email, _) = check_email(&typed).map_err(|_| AttributeProblem::NotAnEmailAddress)?;
    Ok(Value::String(email))
}

/// A telephone number as people write it: digits with spaces, `-`, `/`, `.` and
/// parentheses, beginning with `+` (country code) or `0`; 5 to 15 digits, the most an
/// international number (E.164) has.
fn check_phone(value: &Value, _now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    let number = text(value, 30)?;
    let rest = number.strip_prefix('+').unwrap_or(&number);
    let digit_count = rest.chars().filter(char::is_ascii_digit).count();
    let valid = (number.starts_with('+') || number.starts_with('0'))
        && rest
            .chars()
            .all(|letter| letter.is_ascii_digit() || " -/.()".contains(letter))
        && (5..=15).contains(&digit_count);
    if valid {
        Ok(Value::String(number))
    } else {
        Err(AttributeProblem::NotAPhoneNumber.into())
    }
}

/// A bank account: IBAN and account holder required, BIC optional.
fn check_bank_account(value: &Value, _now: DateTime<Utc>) -> Result<Value, FieldProblem> {
    let parts = object(value, &["iban", "bic", "holder"])?;
    let required = |part: &str| {
        parts
            .get(part)
            .filter(|inner| !inner.is_null())
            .ok_or_else(|| FieldProblem::at(part, AttributeProblem::Missing))
    };

    let iban_text = text(required("iban")?, 42).map_err(|p| FieldProblem::at("iban", p))?;
    let iban = Iban::parse(&iban_text).map_err(|p| FieldProblem::at("iban", p))?;
    // SEPA transfers carry at most 70 characters of a name.
    let holder = text(required("holder")?, 70).map_err(|p| FieldProblem::at("holder", p))?;
    let bic = match parts.get("bic").filter(|inner| !inner.is_null()) {
        None => Value::Null,
        Some(Value::String(empty)) if empty.trim().is_empty() => Value::Null,
        Some(inner) => {
            let typed = text(inner, 20).map_err(|p| FieldProblem::at("bic", p))?;
            Value::String(check_bic(&typed).map_err(|p| FieldProblem::at("bic", p))?)
        }
    };

    let mut account = Map::new();
    account.insert("iban".to_owned(), Value::String(iban.as_str().to_owned()));
    account.insert("bic".to_owned(), bic);
    account.insert("holder".to_owned(), Value::String(holder));
    Ok(Value::Object(account))
}

/// The value as an object whose parts all have one of the `known` names.
fn object<'value>(
    value: &'value Value,
    known: &[&str],
) -> Result<&'value Map<String, Value>, FieldProblem> {
    let Some(parts) = value.as_object() else {
        return Err(AttributeProblem::WrongShape(ValueShape::Object).into());
    };
    if let Some(unknown) = parts.keys().find(|part| !known.contains(&part.as_str())) {
        return Err(FieldProblem::at(unknown, AttributeProblem::UnknownField));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap()
    }

    fn problem(name: &str, value: &Value) -> (Option<String>, AttributeProblem) {
        let error = check_attribute(name, value, now()).unwrap_err();
        assert_eq!(error.attribute, name);
        (error.field, error.problem)
    }

    fn address() -> Value {
        json!({
            "street": " Marienplatz ",
            "house_number": "8",
            "postal_code": "80331",
            "city": "München",
            "country": "de"
        })
    }

    #[test]
    fn names_are_lower_case_words_joined_by_dots() {
        for good in [FAMILY_NAME, "vehicle.number_plates", "dog.breed_2", "a.b.c"] {
            assert!(check_attribute_name(good).is_ok(), "{good}");
        }
        for bad in [
            "family_name",
            "Person.family_name",
            "person..family_name",
            "person.family-name",
            ".person",
            "vehicle.2plates",
            "",
        ] {
            let error = check_attribute_name(bad).unwrap_err();
            assert_eq!(error.problem, AttributeProblem::MalformedName, "{bad}");
        }
    }

    #[test]
    fn a_misspelt_name_in_a_catalogue_namespace_is_refused() {
        let error = check_attribute_name("person.familyname").unwrap_err();
        assert_eq!(error.problem, AttributeProblem::UnknownAttribute);
        assert!(check_attribute_name("contact.fax").is_err());
        assert_eq!(known_attributes().count(), DEFINITIONS.len());
        assert!(known_attributes().all(|name| check_attribute_name(name).is_ok()));
    }

    #[test]
    fn attributes_outside_the_catalogue_take_any_value_of_bounded_size() {
        let plates = json!(["M-AB 123", "M-CD 456"]);
        assert_eq!(
            check_attribute("vehicle.number_plates", &plates, now()).unwrap(),
            plates
        );
        assert_eq!(
            problem("vehicle.number_plates", &Value::Null).1,
            AttributeProblem::WrongShape(ValueShape::Present)
        );
        let huge = Value::String("x".repeat(MAX_OPEN_VALUE_BYTES));
        assert_eq!(
            problem("vehicle.notes", &huge).1,
            AttributeProblem::TooLarge {
                max_bytes: MAX_OPEN_VALUE_BYTES
            }
        );
    }

    #[test]
    fn person_names_are_trimmed_text_without_digits_or_symbols() {
        for name in [GIVEN_NAMES, FAMILY_NAME, BIRTH_NAME] {
            assert_eq!(
                check_attribute(name, &json!("  Müller-Lüdenscheidt "), now()).unwrap(),
                json!("Müller-Lüdenscheidt")
            );
            assert!(check_attribute(name, &json!("O'Brien"), now()).is_ok());
            assert!(check_attribute(name, &json!("Παπαδόπουλος"), now()).is_ok());
            assert_eq!(
                problem(name, &json!("Huber2")).1,
                AttributeProblem::ForbiddenCharacters
            );
            assert_eq!(
                problem(name, &json!("anna@huber")).1,
                AttributeProblem::ForbiddenCharacters
            );
            assert_eq!(problem(name, &json!("   ")).1, AttributeProblem::Empty);
            assert_eq!(
                problem(name, &json!("x".repeat(121))).1,
                AttributeProblem::TooLong { max: 120 }
            );
            assert_eq!(
                problem(name, &json!(42)).1,
                AttributeProblem::WrongShape(ValueShape::Text)
            );
            assert_eq!(
                problem(name, &json!("Anna\u{0007}")).1,
                AttributeProblem::ForbiddenCharacters
            );
        }
    }

    #[test]
    fn the_place_of_birth_is_text() {
        assert_eq!(
            check_attribute(PLACE_OF_BIRTH, &json!(" Garmisch-Partenkirchen "), now()).unwrap(),
            json!("Garmisch-Partenkirchen")
        );
        assert_eq!(
            problem(PLACE_OF_BIRTH, &json!("")).1,
            AttributeProblem::Empty
        );
    }

    #[test]
    fn a_date_of_birth_is_a_real_past_date() {
        assert_eq!(
            check_attribute(DATE_OF_BIRTH, &json!("1984-02-29"), now()).unwrap(),
            json!("1984-02-29")
        );
        assert!(
            check_attribute(DATE_OF_BIRTH, &json!("2026-12-05"), now()).is_ok(),
            "already today in Germany"
        );
        for wrong in [
            "1985-02-29",
            "1984-2-9",
            "29.02.1984",
            "1984-13-01",
            "yesterday",
        ] {
            assert_eq!(
                problem(DATE_OF_BIRTH, &json!(wrong)).1,
                AttributeProblem::NotADate,
                "{wrong}"
            );
        }
        assert_eq!(
            problem(DATE_OF_BIRTH, &json!("2026-12-06")).1,
            AttributeProblem::InFuture
        );
        assert_eq!(
            problem(DATE_OF_BIRTH, &json!("1860-01-01")).1,
            AttributeProblem::TooLongAgo
        );
    }

    #[test]
    fn nationalities_are_country_codes_each_once() {
        assert_eq!(
            check_attribute(NATIONALITIES, &json!(["de", "AT", "DE"]), now()).unwrap(),
            json!(["DE", "AT"])
        );
        assert_eq!(
            problem(NATIONALITIES, &json!(["DE", "XX"])),
            (Some("[1]".to_owned()), AttributeProblem::UnknownCountry)
        );
        assert_eq!(
            problem(NATIONALITIES, &json!(["DEU"])).1,
            AttributeProblem::UnknownCountry
        );
        assert_eq!(
            problem(NATIONALITIES, &json!([])).1,
            AttributeProblem::Empty
        );
        assert_eq!(
            problem(NATIONALITIES, &json!("DE")).1,
            AttributeProblem::WrongShape(ValueShape::List)
        );
    }

    #[test]
    fn an_address_is_checked_part_by_part_and_stored_in_normal_form() {
        let checked = check_attribute(MAIN_RESIDENCE, &address(), now()).unwrap();
        assert_eq!(
            checked,
            json!({
                "street": "Marienplatz",
                "house_number": "8",
                "postal_code": "80331",
                "city": "München",
                "country": "DE"
            })
        );

        let mut no_city = address();
        no_city["city"] = Value::Null;
        assert_eq!(
            problem(MAIN_RESIDENCE, &no_city),
            (Some("city".to_owned()), AttributeProblem::Missing)
        );
        let mut typo = address();
        typo["steet"] = json!("Marienplatz");
        assert_eq!(
            problem(POSTAL_ADDRESS, &typo),
            (Some("steet".to_owned()), AttributeProblem::UnknownField)
        );
        let mut bad_code = address();
        bad_code["postal_code"] = json!("8033");
        assert_eq!(
            problem(MAIN_RESIDENCE, &bad_code),
            (
                Some("postal_code".to_owned()),
                AttributeProblem::PostalCodeFormat
            )
        );
        let mut bad_country = address();
        bad_country["country"] = json!("Germany");
        assert_eq!(
            problem(MAIN_RESIDENCE, &bad_country),
            (Some("country".to_owned()), AttributeProblem::UnknownCountry)
        );
        assert_eq!(
            problem(MAIN_RESIDENCE, &json!("Marienplatz 8")).1,
            AttributeProblem::WrongShape(ValueShape::Object)
        );
    }

    #[test]
    fn postal_codes_follow_their_country() {
        assert_eq!(postal_code_of("AT", "1010").as_deref(), Some("1010"));
        assert_eq!(postal_code_of("CH", "8001").as_deref(), Some("8001"));
        assert_eq!(postal_code_of("NL", "1012ab").as_deref(), Some("1012 AB"));
        assert_eq!(postal_code_of("PL", "00-950").as_deref(), Some("00-950"));
        assert_eq!(
            postal_code_of("GB", "sw1a 1aa").as_deref(),
            Some("SW1A 1AA")
        );
        assert_eq!(postal_code_of("DE", "8033a"), None);
        assert_eq!(postal_code_of("AT", "80331"), None);
        assert_eq!(postal_code_of("NL", "1012"), None);
        assert_eq!(postal_code_of("PL", "00950"), None);
        assert_eq!(postal_code_of("US", "9"), None);
    }

    #[test]
    fn further_residences_are_a_list_whose_errors_name_the_entry() {
        let mut second = address();
        second["postal_code"] = json!("1234");
        let checked = check_attribute(OTHER_RESIDENCES, &json!([address()]), now()).unwrap();
        assert_eq!(checked.as_array().map(Vec::len), Some(1));
        assert_eq!(
            problem(OTHER_RESIDENCES, &json!([address(), second])),
            (
                Some("[1].postal_code".to_owned()),
                AttributeProblem::PostalCodeFormat
            )
        );
        let eleven: Vec<Value> = (0..11).map(|_| address()).collect();
        assert_eq!(
            problem(OTHER_RESIDENCES, &Value::Array(eleven)).1,
            AttributeProblem::TooMany { max: 10 }
        );
    }

    #[test]
    fn email_addresses_and_phone_numbers_must_look_like_them() {
        assert_eq!(
            check_attribute(EMAIL, &json!(" anna@example.org "), now()).unwrap(),
            json!("anna@example.org")
        );
        assert_eq!(
            problem(EMAIL, &json!("anna.example.org")).1,
            AttributeProblem::NotAnEmailAddress
        );
        for good in ["+49 89 233-0", "089 2330", "0171/1234567", "+43 (1) 4000"] {
            assert!(
                check_attribute(PHONE, &json!(good), now()).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "233-0",
            "+49 89 CALL-ME",
            "0123",
            "+49 1234 5678 9012 3456",
            "0+49",
        ] {
            assert_eq!(
                problem(PHONE, &json!(bad)).1,
                AttributeProblem::NotAPhoneNumber,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bank_account_needs_a_valid_iban_and_a_holder() {
        let checked = check_attribute(
            BANK_ACCOUNT,
            &json!({"iban": "de89 3704 0044 0532 0130 00", "holder": "Anna Huber"}),
            now(),
        )
        .unwrap();
        assert_eq!(
            checked,
            json!({"iban": "DE89370400440532013000", "bic": null, "holder": "Anna Huber"})
        );
        let with_bic = check_attribute(
            BANK_ACCOUNT,
            &json!({"iban": "AT611904300234573201", "bic": "bkauatww", "holder": "A. Huber"}),
            now(),
        )
        .unwrap();
        assert_eq!(with_bic["bic"], json!("BKAUATWW"));

        assert_eq!(
            problem(
                BANK_ACCOUNT,
                &json!({"iban": "DE89370400440532013001", "holder": "Anna Huber"})
            ),
            (Some("iban".to_owned()), AttributeProblem::IbanChecksum)
        );
        assert_eq!(
            problem(BANK_ACCOUNT, &json!({"iban": "DE89370400440532013000"})),
            (Some("holder".to_owned()), AttributeProblem::Missing)
        );
        assert_eq!(
            problem(
                BANK_ACCOUNT,
                &json!({"iban": "DE89370400440532013000", "holder": "A", "bic": "XYZ"})
            ),
            (Some("bic".to_owned()), AttributeProblem::BicFormat)
        );
    }

    #[test]
    fn errors_read_as_a_sentence_naming_the_attribute() {
        let error = check_attribute(
            BANK_ACCOUNT,
            &json!({"iban": "DE89370400440532013001", "holder": "Anna Huber"}),
            now(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "payment.bank_account (iban): has wrong check digits (probably a typing error)"
        );
    }
}
