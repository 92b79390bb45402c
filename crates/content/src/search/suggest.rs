//! Autocomplete: titles whose words start with what was typed.

use std::collections::{HashMap, HashSet};

use super::index::DocInfo;
use super::query::{MAX_QUERY_CHARS, MAX_QUERY_TERMS, truncate_chars};
use super::ranking::Scope;
use super::{SearchIndex, count, text};
use crate::model::Variant;

/// How much more a title counts when it begins with what was typed.
const TITLE_START_BONUS: f32 = 2.0;

pub(super) fn suggest(
    index: &SearchIndex,
    input: &str,
    variant: Variant,
    limit: usize,
) -> Vec<String> {
    let typed: Vec<String> = text::words(truncate_chars(input, MAX_QUERY_CHARS))
        .into_iter()
        .flat_map(|word| word.parts)
        .take(MAX_QUERY_TERMS)
        .collect();
    if typed.is_empty() || limit == 0 {
        return Vec::new();
    }

    let best = best_per_item(index, &typed, Scope::new(variant, &[]));

    let mut titles: Vec<(f32, &str)> = best
        .into_values()
        .map(|(score, doc)| (score, index.docs[doc as usize].title.as_str()))
        .collect();
    titles.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut unique = HashSet::new();
    titles
        .into_iter()
        .filter(|(_, title)| unique.insert(*title))
        .take(limit)
        .map(|(_, title)| title.to_owned())
        .collect()
}

/// For each item with a matching title in scope, the best score and its document. The
/// last typed word is looked up as a prefix in the title words; the others must begin
/// some word of the same title.
fn best_per_item(index: &SearchIndex, typed: &[String], wanted: Scope) -> HashMap<u32, (f32, u32)> {
    let Some((last, earlier)) = typed.split_last() else {
        return HashMap::new();
    };
    let typed_compact = typed.concat();

    let mut best: HashMap<u32, (f32, u32)> = HashMap::new();
    let mut seen = HashSet::new();
    for id in index.titles.with_prefix(last) {
        for posting in index.titles.postings(id) {
            if !seen.insert(posting.doc) {
                continue;
            }
            let stats = &index.stats[posting.doc as usize];
            let info = &index.docs[posting.doc as usize];
            let weight = wanted.weight(index.scope_keys[posting.doc as usize]);
            if weight <= 0.0 || !begins_title_words(earlier, info) {
                continue;
            }

            let rank = weight * stats.boost * title_rank(info, &typed_compact);
            let entry = best.entry(stats.item).or_insert((rank, posting.doc));
            if rank > entry.0 {
                *entry = (rank, posting.doc);
            }
        }
    }
    best
}

fn begins_title_words(typed: &[String], info: &DocInfo) -> bool {
    typed.iter().all(|word| {
        info.title_forms
            .iter()
            .any(|form| form.starts_with(word.as_str()))
    })
}

/// Titles that begin with what was typed come first, then shorter titles.
fn title_rank(info: &DocInfo, typed_compact: &str) -> f32 {
    let start = if info.title_compact.starts_with(typed_compact) {
        TITLE_START_BONUS
    } else {
        1.0
    };
    let brevity = 1.0 + 1.0 / count(info.title_forms.len() + 1);
    start * brevity
}
