//! Checks of content that the types alone cannot express: key formats, references between
//! items, dates in order, and the rules for special pages.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::error::ImportProblem;
use crate::media::MediaKind;
use crate::model::{Item, Kind, PageRole};

/// Checks each item on its own and that no key appears twice.
pub fn check_items(items: &[(PathBuf, Item)]) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    let mut seen: BTreeSet<(Kind, &str)> = BTreeSet::new();
    let mut special_pages: BTreeMap<PageRole, &str> = BTreeMap::new();

    for (file, item) in items {
        let mut report = |field: &str, message: String| {
            problems.push(ImportProblem {
                file: file.clone(),
                item: Some(item.key().to_owned()),
                field: (!field.is_empty()).then(|| field.to_owned()),
                message,
            });
        };
        if !seen.insert((item.kind(), item.key())) {
            report("key", "another file has the same key".to_owned());
        }
        if let Item::Page(page) = item
            && page.role != PageRole::General
            && let Some(other) = special_pages.insert(page.role, &page.key)
        {
            report("role", format!("page `{other}` already has this role"));
        }
        check_item(item, &mut report);
    }

    problems
}

/// Checks that every reference names an item of the right kind in `known`, and every image
/// or document a stored medium of the right kind in `media`.
pub fn check_references(
    items: &[(PathBuf, Item)],
    known: &BTreeSet<(Kind, String)>,
    media: &BTreeMap<String, MediaKind>,
) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    let exists = |kind: Kind, key: &str| known.contains(&(kind, key.to_owned()));

    for (file, item) in items {
        for (field, wanted, key) in item.media_references() {
            let message = match media.get(key) {
                None => format!("there is no {wanted} with the key `{key}`"),
                Some(stored) if *stored != wanted => {
                    format!(
                        "`{key}` is {}, not {}",
                        stored.with_article(),
                        wanted.with_article()
                    )
                }
                Some(_) => continue,
            };
            problems.push(ImportProblem {
                file: file.clone(),
                item: Some(item.key().to_owned()),
                field: Some(field),
                message,
            });
        }

        let mut missing = |field: String, kind: Kind, key: &str| {
            if !exists(kind, key) {
                problems.push(ImportProblem {
                    file: file.clone(),
                    item: Some(item.key().to_owned()),
                    field: Some(field),
                    message: format!("there is no {kind} with the key `{key}`"),
                });
            }
        };
        match item {
            Item::Service(service) => {
                for (index, office) in service.offices.iter().enumerate() {
                    missing(format!("offices[{index}]"), Kind::Office, office);
                }
            }
            Item::Office(office) => {
                if let Some(district) = &office.district {
                    missing("district".to_owned(), Kind::District, district);
                }
            }
            Item::LifeSituation(situation) => {
                for (index, step) in situation.steps.iter().enumerate() {
                    missing(
                        format!("steps[{index}].service"),
                        Kind::Service,
                        &step.service,
                    );
                }
            }
            Item::News(_) | Item::Page(_) | Item::District(_) => {}
        }
    }

    problems
}

/// Whether a key is lower case letters, digits and single hyphens, at most 80 characters.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 80
        && key.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Whether a link target is a web address or a path on this site.
fn is_valid_link(link: &str) -> bool {
    (link.starts_with("https://") || link.starts_with("http://") || link.starts_with('/'))
        && !link.chars().any(char::is_whitespace)
}

#[expect(
    clippy::too_many_lines,
    reason = "one check per kind, read side by side"
)]
fn check_item(item: &Item, report: &mut impl FnMut(&str, String)) {
    if !is_valid_key(item.key()) {
        report(
            "key",
            "use lower case letters, digits and single hyphens (at most 80)".into(),
        );
    }
    match item {
        Item::Service(service) => {
            if let Some(leika) = &service.leika_key
                && (leika.len() != 14 || !leika.bytes().all(|b| b.is_ascii_digit()))
            {
                report("leika_key", "a LeiKa key has exactly 14 digits".into());
            }
            if let Some(link) = &service.online_application
                && !is_valid_link(link)
            {
                report(
                    "online_application",
                    "must be an http(s) address or a path".into(),
                );
            }
            for (index, law) in service.legal_basis.iter().enumerate() {
                if law.url.as_deref().is_some_and(|url| !is_valid_link(url)) {
                    report(
                        &format!("legal_basis[{index}].url"),
                        "must be an http(s) address".into(),
                    );
                }
            }
            for (variant, texts) in service.texts().iter() {
                if texts.name.trim().is_empty() {
                    report(&format!("{variant}.name"), "must not be empty".into());
                }
                if texts.spoken_answer.len() > 400 {
                    report(
                        &format!("{variant}.spoken_answer"),
                        "keep it to one or two sentences (at most 400 characters)".into(),
                    );
                }
            }
        }
        Item::Office(office) => {
            if !office.location.is_valid() {
                report("location", "latitude or longitude out of range".into());
            }
            let mut dates = BTreeSet::new();
            for (index, exception) in office.exceptions.iter().enumerate() {
                if !dates.insert(exception.date) {
                    report(
                        &format!("exceptions[{index}].date"),
                        "this date is listed twice".into(),
                    );
                }
            }
            for (index, closure) in office.closures.iter().enumerate() {
                if closure.to < closure.from {
                    report(
                        &format!("closures[{index}].to"),
                        "ends before it begins".into(),
                    );
                }
            }
        }
        Item::News(news) => {
            if news
                .expires_at
                .is_some_and(|expires| expires <= news.published_at)
            {
                report("expires_at", "must be after published_at".into());
            }
        }
        Item::Page(page) => {
            let is_statement = page.role == PageRole::AccessibilityStatement;
            if is_statement != page.accessibility_statement.is_some() {
                report(
                    "accessibility_statement",
                    "give it exactly when the role is accessibility-statement".into(),
                );
            }
        }
        Item::District(district) => {
            if !district.centre.is_valid() {
                report("centre", "latitude or longitude out of range".into());
            }
            for (index, postcode) in district.postcodes.iter().enumerate() {
                if postcode.len() != 5 || !postcode.bytes().all(|b| b.is_ascii_digit()) {
                    report(
                        &format!("postcodes[{index}]"),
                        "a postcode has 5 digits".into(),
                    );
                }
            }
        }
        Item::LifeSituation(situation) => {
            if situation.steps.is_empty() {
                report("steps", "a life situation needs at least one step".into());
            }
        }
    }
}

/// The keys items in a folder define, for checking references.
pub fn keys_of<'a>(items: impl IntoIterator<Item = &'a Item>) -> BTreeSet<(Kind, String)> {
    items
        .into_iter()
        .map(|item| (item.kind(), item.key().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lower_case_words_joined_by_single_hyphens() {
        assert!(is_valid_key("wohnsitz-anmelden"));
        assert!(is_valid_key("a1"));
        assert!(!is_valid_key("Wohnsitz"));
        assert!(!is_valid_key("a--b"));
        assert!(!is_valid_key("-a"));
        assert!(!is_valid_key("a b"));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key(&"a".repeat(81)));
    }
}
