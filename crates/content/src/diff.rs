//! Comparing two revisions of an item, field by field, for publishers.
//!
//! A revision holds the whole item as a JSON document (see [`crate::store`]). [`compare`]
//! walks two such documents side by side and lists every field whose value differs, with a
//! path such as `de.summary`, `fees[0].amount` or `offices`:
//!
//! - Objects are compared key by key. At the top level, the language-independent fields
//!   come first in alphabetical order, then the variants in the order `de`, `ls`, `en`;
//!   inside, keys are in alphabetical order. (The order does not depend on how the JSON
//!   library keeps keys.)
//! - A list of plain values (`offices`, `keywords`) is one value: its items joined by
//!   ", ", with an item-by-item diff. A list of objects (`fees`) is compared element by
//!   element, by index.
//! - A field that exists on one side only is listed as added or removed, one entry per
//!   plain value inside it, so an added `ls` variant lists each of its texts. `null`, an
//!   empty list and an empty object count as absent.
//! - A changed text with spaces comes with a word-by-word diff, in which whitespace is kept
//!   so that the pieces joined give the old text (unchanged and deleted pieces) or the new
//!   one (unchanged and inserted pieces).
//!
//! The word diff is Myers' shortest edit script over words and whitespace, after the common
//! beginning and end are set aside. Its work is bounded: when the changed middle of a text
//! has more than [`MAX_TOKENS`] tokens on a side, or needs more than [`MAX_EDITS`] insertions
//! and deletions, the middle is shown as deleted and inserted as a whole.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value};

/// The most words and spaces, on each side, that the word diff compares one by one.
pub const MAX_TOKENS: usize = 5_000;

/// The most insertions and deletions of words and spaces the word diff looks for before it
/// shows the text as replaced as a whole.
pub const MAX_EDITS: usize = 1_000;

/// One field that differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Where the field is: keys joined by dots, list positions in brackets, as in
    /// `de.summary`, `fees[0].amount` or `offices`.
    pub path: String,
    /// How it differs.
    pub change: Change,
}

/// How a field differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Change {
    /// The field is new, with this value.
    Added(String),
    /// The field is gone; it had this value.
    Removed(String),
    /// The field has a new value.
    Changed {
        /// The value before.
        old: String,
        /// The value after.
        new: String,
        /// The difference word by word, for texts with spaces and for lists (item by
        /// item); `None` for single words, numbers and other plain values.
        words: Option<Vec<WordChange>>,
    },
}

/// A piece of a word diff. Adjacent pieces of the same kind are merged; in each changed
/// stretch the deleted piece comes before the inserted one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum WordChange {
    /// Text in both versions.
    Same(String),
    /// Text only in the new version.
    Inserted(String),
    /// Text only in the old version.
    Deleted(String),
}

/// The fields that differ between the documents of two revisions, in the order described
/// in the module documentation. Identical documents give an empty list.
pub fn compare(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    compare_at("", present(old), present(new), &mut changes);
    changes
}

/// `None` for what counts as absent: `null`, an empty list, an empty object.
fn present(value: &Value) -> Option<&Value> {
    match value {
        Value::Null => None,
        Value::Array(items) if items.is_empty() => None,
        Value::Object(fields) if fields.is_empty() => None,
        _ => Some(value),
    }
}

fn compare_at(path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<FieldChange>) {
    let (old, new) = match (old, new) {
        (None, None) => return,
        (Some(old), None) => {
            each_leaf(path, old, &mut |path, text| {
                out.push(change(path, Change::Removed(text)));
            });
            return;
        }
        (None, Some(new)) => {
            each_leaf(path, new, &mut |path, text| {
                out.push(change(path, Change::Added(text)));
            });
            return;
        }
        (Some(old), Some(new)) => (old, new),
    };

    if let (Some(old_text), Some(new_text)) = (leaf_text(old), leaf_text(new)) {
        if old_text != new_text {
            let words = word_changes(old, new, &old_text, &new_text);
            out.push(change(
                path,
                Change::Changed {
                    old: old_text,
                    new: new_text,
                    words,
                },
            ));
        }
        return;
    }

    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            for key in ordered_keys(path, old, new) {
                let old = old.get(key).and_then(present);
                let new = new.get(key).and_then(present);
                compare_at(&child_path(path, key), old, new, out);
            }
        }
        (Value::Array(old), Value::Array(new)) => {
            for index in 0..old.len().max(new.len()) {
                let old = old.get(index).and_then(present);
                let new = new.get(index).and_then(present);
                compare_at(&format!("{path}[{index}]"), old, new, out);
            }
        }
        // Different shapes, such as a text that became a list of objects.
        _ => {
            compare_at(path, Some(old), None, out);
            compare_at(path, None, Some(new), out);
        }
    }
}

/// The word diff of two changed plain values: item by item for two lists, word by word
/// for texts with spaces, none for single words and numbers.
fn word_changes(
    old: &Value,
    new: &Value,
    old_text: &str,
    new_text: &str,
) -> Option<Vec<WordChange>> {
    match (old, new) {
        (Value::Array(old), Value::Array(new)) => {
            let old: Vec<String> = old.iter().filter_map(scalar_text).collect();
            let new: Vec<String> = new.iter().filter_map(scalar_text).collect();
            Some(diff_tokens(
                &list_tokens(&old),
                &list_tokens(&new),
                MAX_TOKENS,
                MAX_EDITS,
            ))
        }
        _ if has_space(old_text) || has_space(new_text) => Some(diff_tokens(
            &word_tokens(old_text),
            &word_tokens(new_text),
            MAX_TOKENS,
            MAX_EDITS,
        )),
        _ => None,
    }
}

fn change(path: &str, change: Change) -> FieldChange {
    FieldChange {
        path: path.to_owned(),
        change,
    }
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The keys of both objects; at the top level the variants go last, as `de`, `ls`, `en`.
fn ordered_keys<'a>(
    path: &str,
    old: &'a Map<String, Value>,
    new: &'a Map<String, Value>,
) -> Vec<&'a str> {
    let mut keys: Vec<&str> = old
        .keys()
        .chain(new.keys())
        .map(String::as_str)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if path.is_empty() {
        let rank = |key: &str| match key {
            "de" => 1,
            "ls" => 2,
            "en" => 3,
            _ => 0,
        };
        keys.sort_by_key(|key| rank(key));
    }
    keys
}

/// Calls `found` with the path and text of every plain value (or list of plain values) in
/// `value`.
fn each_leaf(path: &str, value: &Value, found: &mut dyn FnMut(&str, String)) {
    if let Some(text) = leaf_text(value) {
        found(path, text);
        return;
    }
    match value {
        Value::Object(fields) => {
            for key in ordered_keys(path, fields, fields) {
                if let Some(child) = fields.get(key).and_then(present) {
                    each_leaf(&child_path(path, key), child, found);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                if let Some(item) = present(item) {
                    each_leaf(&format!("{path}[{index}]"), item, found);
                }
            }
        }
        _ => {}
    }
}

/// The text of a plain value, or of a list of plain values joined by ", ".
fn leaf_text(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => {
            let texts: Option<Vec<String>> = items.iter().map(scalar_text).collect();
            texts.map(|texts| texts.join(", "))
        }
        _ => scalar_text(value),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

fn has_space(text: &str) -> bool {
    text.chars().any(char::is_whitespace)
}

/// A text as alternating runs of whitespace and of everything else.
fn word_tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (index, c) in text.char_indices() {
        let space = c.is_whitespace();
        if in_space.is_some_and(|was| was != space) {
            tokens.push(&text[start..index]);
            start = index;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

/// The items of a list with the ", " between them, as tokens.
fn list_tokens(items: &[String]) -> Vec<&str> {
    let mut tokens = Vec::with_capacity(items.len() * 2);
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            tokens.push(", ");
        }
        tokens.push(item.as_str());
    }
    tokens
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Same,
    Delete,
    Insert,
}

/// The diff of two token sequences, merged into pieces.
fn diff_tokens(old: &[&str], new: &[&str], max_tokens: usize, max_edits: usize) -> Vec<WordChange> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old_middle = &old[prefix..old.len() - suffix];
    let new_middle = &new[prefix..new.len() - suffix];

    let bounded = old_middle.len() <= max_tokens && new_middle.len() <= max_tokens;
    let middle = bounded
        .then(|| shortest_edit(old_middle, new_middle, max_edits))
        .flatten()
        .unwrap_or_else(|| {
            let deleted = old_middle.iter().map(|token| (Edit::Delete, *token));
            let inserted = new_middle.iter().map(|token| (Edit::Insert, *token));
            deleted.chain(inserted).collect()
        });

    let edits = old[..prefix]
        .iter()
        .map(|token| (Edit::Same, *token))
        .chain(middle)
        .chain(
            old[old.len() - suffix..]
                .iter()
                .map(|token| (Edit::Same, *token)),
        );
    pieces(edits)
}

/// Myers' shortest edit script from `old` to `new`, or `None` when it takes more than
/// `max_edits` insertions and deletions.
///
/// Row `d` of the trace holds, for each diagonal `k = x − y` in `−d, −d+2, …, d`, the
/// furthest `x` reached with `d` edits; entry `j` is diagonal `k = 2j − d`.
fn shortest_edit<'t>(
    old: &[&'t str],
    new: &[&'t str],
    max_edits: usize,
) -> Option<Vec<(Edit, &'t str)>> {
    let (n, m) = (old.len(), new.len());
    let mut trace: Vec<Vec<usize>> = Vec::new();

    for d in 0..=max_edits.min(n + m) {
        let mut row = Vec::with_capacity(d + 1);
        for j in 0..=d {
            let mut x = match trace.last() {
                None => 0,
                Some(previous) if comes_down(previous, j, d) => previous[j],
                Some(previous) => previous[j - 1] + 1,
            };
            // y = x − k = x − (2j − d); never negative on a path from the origin.
            let mut y = x + d - 2 * j;
            while x < n && y < m && old[x] == new[y] {
                x += 1;
                y += 1;
            }
            row.push(x);
            if x >= n && y >= m {
                trace.push(row);
                return Some(trace_back(&trace, old, new, j));
            }
        }
        trace.push(row);
    }
    None
}

/// Whether entry `j` of row `d` is reached by an insertion from diagonal `k + 1` (entry `j`
/// of the row before) rather than a deletion from diagonal `k − 1` (entry `j − 1`).
fn comes_down(previous: &[usize], j: usize, d: usize) -> bool {
    j == 0 || (j != d && previous[j - 1] < previous[j])
}

/// Follows the trace back from the end, `j` being the end's entry in the last row.
fn trace_back<'t>(
    trace: &[Vec<usize>],
    old: &[&'t str],
    new: &[&'t str],
    mut j: usize,
) -> Vec<(Edit, &'t str)> {
    let mut edits = Vec::new();
    let (mut x, mut y) = (old.len(), new.len());

    for d in (1..trace.len()).rev() {
        let previous = &trace[d - 1];
        let down = comes_down(previous, j, d);
        let previous_j = if down { j } else { j - 1 };
        let previous_x = previous[previous_j];
        let previous_y = previous_x + (d - 1) - 2 * previous_j;
        let (after_x, after_y) = if down {
            (previous_x, previous_y + 1)
        } else {
            (previous_x + 1, previous_y)
        };

        while x > after_x && y > after_y {
            x -= 1;
            y -= 1;
            edits.push((Edit::Same, old[x]));
        }
        if down {
            edits.push((Edit::Insert, new[previous_y]));
        } else {
            edits.push((Edit::Delete, old[previous_x]));
        }
        (x, y, j) = (previous_x, previous_y, previous_j);
    }
    while x > 0 && y > 0 {
        x -= 1;
        y -= 1;
        edits.push((Edit::Same, old[x]));
    }

    edits.reverse();
    edits
}

/// A stretch of a diff: unchanged text, or what was deleted and inserted in its place.
enum Stretch {
    Same(String),
    Changed { deleted: String, inserted: String },
}

/// Merges single edits into pieces. Whitespace alone between two changes joins them, so
/// that "a b" → "c d" reads as one replacement rather than two.
fn pieces<'t>(edits: impl Iterator<Item = (Edit, &'t str)>) -> Vec<WordChange> {
    let mut stretches: Vec<Stretch> = Vec::new();
    for (edit, token) in edits {
        match (edit, stretches.last_mut()) {
            (Edit::Same, Some(Stretch::Same(text))) => text.push_str(token),
            (Edit::Same, _) => stretches.push(Stretch::Same(token.to_owned())),
            (Edit::Delete, Some(Stretch::Changed { deleted, .. })) => deleted.push_str(token),
            (Edit::Insert, Some(Stretch::Changed { inserted, .. })) => inserted.push_str(token),
            (Edit::Delete, _) => stretches.push(Stretch::Changed {
                deleted: token.to_owned(),
                inserted: String::new(),
            }),
            (Edit::Insert, _) => stretches.push(Stretch::Changed {
                deleted: String::new(),
                inserted: token.to_owned(),
            }),
        }
    }

    let mut joined: Vec<Stretch> = Vec::with_capacity(stretches.len());
    for stretch in stretches {
        if let Stretch::Changed { deleted, inserted } = &stretch
            && let [.., Stretch::Changed { .. }, Stretch::Same(space)] = joined.as_slice()
            && space.trim().is_empty()
        {
            let space = space.clone();
            joined.pop();
            if let Some(Stretch::Changed {
                deleted: before_deleted,
                inserted: before_inserted,
            }) = joined.last_mut()
            {
                before_deleted.push_str(&space);
                before_deleted.push_str(deleted);
                before_inserted.push_str(&space);
                before_inserted.push_str(inserted);
            }
            continue;
        }
        joined.push(stretch);
    }

    let mut pieces = Vec::new();
    for stretch in joined {
        match stretch {
            Stretch::Same(text) => pieces.push(WordChange::Same(text)),
            Stretch::Changed { deleted, inserted } => {
                if !deleted.is_empty() {
                    pieces.push(WordChange::Deleted(deleted));
                }
                if !inserted.is_empty() {
                    pieces.push(WordChange::Inserted(inserted));
                }
            }
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::model::Service;

    /// The identity card service of the demo city, as stored in a revision.
    fn identity_card() -> Value {
        let service: Service = toml::from_str(include_str!(
            "../../../content/demo/services/personalausweis-beantragen.toml"
        ))
        .unwrap();
        serde_json::to_value(service).unwrap()
    }

    fn changed(old: &str, new: &str, words: Option<Vec<WordChange>>) -> Change {
        Change::Changed {
            old: old.to_owned(),
            new: new.to_owned(),
            words,
        }
    }

    fn same(text: &str) -> WordChange {
        WordChange::Same(text.to_owned())
    }

    fn deleted(text: &str) -> WordChange {
        WordChange::Deleted(text.to_owned())
    }

    fn inserted(text: &str) -> WordChange {
        WordChange::Inserted(text.to_owned())
    }

    fn words(old: &str, new: &str) -> Vec<WordChange> {
        diff_tokens(&word_tokens(old), &word_tokens(new), MAX_TOKENS, MAX_EDITS)
    }

    #[test]
    fn identical_documents_have_no_changes() {
        assert_eq!(compare(&identity_card(), &identity_card()), []);
    }

    #[test]
    fn a_changed_fee_amount_is_one_change_at_its_path() {
        let old = identity_card();
        let mut new = old.clone();
        new["fees"][0]["amount"] = json!("50.00");

        assert_eq!(
            compare(&old, &new),
            [FieldChange {
                path: "fees[0].amount".to_owned(),
                change: changed("46.00", "50.00", None),
            }]
        );
    }

    #[test]
    fn a_changed_summary_comes_with_a_word_diff() {
        let old = identity_card();
        let mut new = old.clone();
        new["de"]["summary"] = json!(
            "Den Personalausweis beantragen Sie persönlich mit Termin in einem Bürgerbüro. \
             Er kostet 50 Euro, unter 24 Jahren 27,60 Euro."
        );

        let changes = compare(&old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "de.summary");
        let Change::Changed { words, .. } = &changes[0].change else {
            panic!("{changes:?}");
        };
        assert_eq!(
            words.as_deref(),
            Some(
                &[
                    same(
                        "Den Personalausweis beantragen Sie persönlich mit Termin in einem \
                         Bürgerbüro. Er kostet "
                    ),
                    deleted("46"),
                    inserted("50"),
                    same(" Euro, unter 24 Jahren 27,60 Euro."),
                ][..]
            )
        );
    }

    #[test]
    fn an_added_variant_lists_each_of_its_texts() {
        let new = identity_card();
        let mut old = new.clone();
        old.as_object_mut().unwrap().remove("ls");

        let changes = compare(&old, &new);
        assert!(!changes.is_empty());
        assert!(
            changes.iter().all(|change| change.path.starts_with("ls.")
                && matches!(change.change, Change::Added(_))),
            "{changes:?}"
        );
        assert!(changes.contains(&FieldChange {
            path: "ls.name".to_owned(),
            change: Change::Added("Personal-Ausweis beantragen".to_owned()),
        }));
        assert!(changes.contains(&FieldChange {
            path: "ls.keywords".to_owned(),
            change: Change::Added("perso, personalausweis, ausweis, neuer ausweis".to_owned()),
        }));
    }

    #[test]
    fn a_removed_keyword_shows_in_the_joined_list() {
        let old = identity_card();
        let mut new = old.clone();
        new["ls"]["keywords"] = json!(["perso", "personalausweis", "neuer ausweis"]);

        assert_eq!(
            compare(&old, &new),
            [FieldChange {
                path: "ls.keywords".to_owned(),
                change: changed(
                    "perso, personalausweis, ausweis, neuer ausweis",
                    "perso, personalausweis, neuer ausweis",
                    Some(vec![
                        same("perso, personalausweis, "),
                        deleted("ausweis, "),
                        same("neuer ausweis"),
                    ]),
                ),
            }]
        );
    }

    #[test]
    fn removed_and_added_fields_and_list_elements_are_listed() {
        let old = identity_card();
        let mut new = old.clone();
        let fields = new.as_object_mut().unwrap();
        fields.remove("processing_days");
        fields.insert(
            "online_application".to_owned(),
            json!("https://x.example/a"),
        );
        new["fees"].as_array_mut().unwrap().pop();

        let listed: Vec<String> = compare(&old, &new)
            .into_iter()
            .map(|change| match change.change {
                Change::Added(value) => format!("+ {} {value}", change.path),
                Change::Removed(value) => format!("- {} {value}", change.path),
                Change::Changed { .. } => format!("~ {}", change.path),
            })
            .collect();
        assert_eq!(
            listed,
            [
                "- fees[3].amount 6.00",
                "- fees[3].label.de Digitales Passfoto im Bürgerbüro",
                "- fees[3].label.en Digital photo taken at the citizens' office",
                "- fees[3].label.ls Foto im Bürger-Büro",
                "- fees[3].period once",
                "+ online_application https://x.example/a",
                "- processing_days 15",
            ]
        );
    }

    #[test]
    fn top_level_fields_come_first_then_german_easy_and_english() {
        let old = identity_card();
        let mut new = old.clone();
        new["en"]["name"] = json!("Identity card");
        new["ls"]["name"] = json!("Ausweis");
        new["de"]["name"] = json!("Ausweis");
        new["popularity"] = json!(4000);

        let paths: Vec<String> = compare(&old, &new)
            .into_iter()
            .map(|change| change.path)
            .collect();
        assert_eq!(paths, ["popularity", "de.name", "ls.name", "en.name"]);
    }

    #[test]
    fn single_words_have_no_word_diff() {
        let changes = compare(
            &json!({"appointment": "required"}),
            &json!({"appointment": "none"}),
        );
        assert_eq!(changes[0].change, changed("required", "none", None));
    }

    #[test]
    fn neighbouring_replaced_words_are_one_replacement() {
        assert_eq!(
            words("Sie zahlen 46 Euro bar.", "Sie zahlen 50 Cent bar."),
            [
                same("Sie zahlen "),
                deleted("46 Euro"),
                inserted("50 Cent"),
                same(" bar.")
            ]
        );
    }

    #[test]
    fn whitespace_is_kept() {
        assert_eq!(
            words("eins\n\nzwei  drei", "eins\n\nzwei vier"),
            [same("eins\n\nzwei"), deleted("  drei"), inserted(" vier")]
        );
    }

    #[test]
    fn beyond_the_bounds_the_middle_is_replaced_as_a_whole() {
        let old = word_tokens("a b c d e");
        let new = word_tokens("a x c y e");
        assert_eq!(
            diff_tokens(&old, &new, MAX_TOKENS, 2),
            [same("a "), deleted("b c d"), inserted("x c y"), same(" e")]
        );
        assert_eq!(
            diff_tokens(&old, &new, 2, MAX_EDITS),
            [same("a "), deleted("b c d"), inserted("x c y"), same(" e")]
        );
        assert_eq!(
            diff_tokens(&old, &new, MAX_TOKENS, MAX_EDITS),
            [
                same("a "),
                deleted("b"),
                inserted("x"),
                same(" c "),
                deleted("d"),
                inserted("y"),
                same(" e")
            ]
        );
    }

    fn text_from(words: &[usize], separators: &[usize]) -> String {
        const WORDS: [&str; 6] = ["Ausweis", "Termin", "46", "Euro", "im", "Bürgerbüro."];
        const SPACES: [&str; 3] = [" ", "\n", "  "];
        let mut text = String::new();
        for (index, word) in words.iter().enumerate() {
            if index > 0 {
                text.push_str(SPACES[separators.get(index).copied().unwrap_or(0) % 3]);
            }
            text.push_str(WORDS[word % 6]);
        }
        text
    }

    fn rebuild(pieces: &[WordChange], keep_inserted: bool) -> String {
        pieces
            .iter()
            .filter_map(|piece| match piece {
                WordChange::Same(text) => Some(text.as_str()),
                WordChange::Inserted(text) => keep_inserted.then_some(text.as_str()),
                WordChange::Deleted(text) => (!keep_inserted).then_some(text.as_str()),
            })
            .collect()
    }

    proptest! {
        #[test]
        fn the_word_diff_rebuilds_both_texts(
            old_words in prop::collection::vec(0usize..6, 0..40),
            new_words in prop::collection::vec(0usize..6, 0..40),
            separators in prop::collection::vec(0usize..3, 40),
            max_edits in prop_oneof![Just(MAX_EDITS), 0usize..6],
        ) {
            let old = text_from(&old_words, &separators);
            let new = text_from(&new_words, &separators[1..]);
            let pieces = diff_tokens(&word_tokens(&old), &word_tokens(&new), MAX_TOKENS, max_edits);

            prop_assert_eq!(rebuild(&pieces, true), new);
            prop_assert_eq!(rebuild(&pieces, false), old);
            for pair in pieces.windows(2) {
                prop_assert!(std::mem::discriminant(&pair[0]) != std::mem::discriminant(&pair[1]));
            }
            prop_assert!(pieces.iter().all(|piece| !matches!(piece,
                WordChange::Same(text) | WordChange::Inserted(text) | WordChange::Deleted(text)
                    if text.is_empty())));
        }

        #[test]
        fn a_diff_without_bounds_keeps_every_common_word(
            old_words in prop::collection::vec(0usize..6, 0..30),
            new_words in prop::collection::vec(0usize..6, 0..30),
        ) {
            let old: Vec<String> = old_words.iter().map(ToString::to_string).collect();
            let new: Vec<String> = new_words.iter().map(ToString::to_string).collect();
            let old_tokens: Vec<&str> = old.iter().map(String::as_str).collect();
            let new_tokens: Vec<&str> = new.iter().map(String::as_str).collect();
            let edits = shortest_edit(&old_tokens, &new_tokens, MAX_EDITS).unwrap();
            let kept = edits.iter().filter(|(edit, _)| *edit == Edit::Same).count();
            prop_assert_eq!(kept, longest_common_subsequence(&old_tokens, &new_tokens));
        }
    }

    /// The textbook dynamic programme, to check that the edit script is a shortest one.
    fn longest_common_subsequence(old: &[&str], new: &[&str]) -> usize {
        let mut lengths = vec![vec![0usize; new.len() + 1]; old.len() + 1];
        for (i, a) in old.iter().enumerate() {
            for (j, b) in new.iter().enumerate() {
                lengths[i + 1][j + 1] = if a == b {
                    lengths[i][j] + 1
                } else {
                    lengths[i][j + 1].max(lengths[i + 1][j])
                };
            }
        }
        lengths[old.len()][new.len()]
    }
}
