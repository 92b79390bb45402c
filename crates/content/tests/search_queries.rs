//! The search test list: queries people really type, each with the item that must come
//! first, run against the demo city. The list lives in `search_queries.toml`.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::Utc;
use rathaus_content::model::Variant;
use rathaus_content::{Catalog, import};
use serde::Deserialize;

#[derive(Deserialize)]
struct List {
    query: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    q: String,
    first: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    known_miss: Option<String>,
}

#[test]
fn every_listed_query_finds_its_item_first() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
    let items = import::read_folder(&folder, &BTreeSet::new()).unwrap();
    let catalog = Catalog::build(1, items);
    let list: List = toml::from_str(include_str!("search_queries.toml")).unwrap();
    assert!(
        list.query.len() >= 40,
        "keep at least 40 queries in the list"
    );

    let mut failures = Vec::new();
    let mut known_misses = 0;
    for case in &list.query {
        let variant = Variant::from_code(case.lang.as_deref().unwrap_or("de")).unwrap();
        let found = catalog.search(&case.q, variant, &[], 3, Utc::now());
        let keys: Vec<&str> = found.iter().map(|found| found.item.key()).collect();
        let first = keys.first() == Some(&case.first.as_str());
        let in_top_three = keys.contains(&case.first.as_str());
        match (&case.known_miss, first, in_top_three) {
            (None, true, _) | (Some(_), false, true) => {}
            (Some(_), true, _) => failures.push(format!(
                "{:?} ({variant}) now comes first: remove its known_miss mark",
                case.q
            )),
            _ => failures.push(format!(
                "{:?} ({variant}): expected {}, got {keys:?}",
                case.q, case.first
            )),
        }
        known_misses += usize::from(case.known_miss.is_some());
    }
    assert!(
        known_misses * 5 <= list.query.len(),
        "at most a fifth of the list may be known misses"
    );
    assert!(
        failures.is_empty(),
        "{} of {} queries failed:\n{}",
        failures.len(),
        list.query.len(),
        failures.join("\n")
    );
}
