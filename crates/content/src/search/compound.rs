//! Splitting German compounds into the known words they are made of.

use std::ops::Range;

use super::text::MAX_WORD_BYTES;

/// The shortest word that counts as a part of a compound; shorter pieces match too much.
pub(super) const MIN_PART_BYTES: usize = 3;

/// Linking elements (Fugenelemente) that may stand between two parts, as the "e" in
/// "Hund-e-steuer" or the "s" in "Geburt-s-urkunde". The empty link comes first.
const LINKS: [&str; 6] = ["", "s", "es", "n", "en", "e"];

/// Splits a folded word into parts that `is_known` accepts, each at least
/// [`MIN_PART_BYTES`] long, with optional linking elements between them. Returns the
/// byte ranges of the parts (links excluded), or `None` when the word is not a compound
/// of known words. Of several splits the one with the fewest parts wins, then the one
/// with the fewest links.
pub(super) fn split(word: &str, is_known: impl Fn(&str) -> bool) -> Option<Vec<Range<usize>>> {
    if !word.is_ascii() || word.len() < 2 * MIN_PART_BYTES || word.len() > MAX_WORD_BYTES {
        return None;
    }

    let end = word.len();
    // best[i]: the cheapest way found to cover word[..i] with parts and links.
    let mut best: Vec<Option<Step>> = vec![None; end + 1];
    best[0] = Some(Step {
        cost: (0, 0),
        part: 0..0,
    });

    for start in 0..end {
        let Some(Step {
            cost: (parts, links),
            ..
        }) = best[start]
        else {
            continue;
        };
        for part_end in start + MIN_PART_BYTES..=end {
            let whole_word = start == 0 && part_end == end;
            if whole_word || !is_known(&word[start..part_end]) {
                continue;
            }
            for link in LINKS {
                let next = part_end + link.len();
                let ends_with_link = next == end && !link.is_empty();
                if next > end || ends_with_link || !word[part_end..].starts_with(link) {
                    continue;
                }
                let cost = (parts + 1, links + usize::from(!link.is_empty()));
                if best[next].as_ref().is_none_or(|known| cost < known.cost) {
                    best[next] = Some(Step {
                        cost,
                        part: start..part_end,
                    });
                }
            }
        }
    }

    trace_back(&best, end)
}

/// The last step of the cheapest split of a word's beginning.
#[derive(Debug, Clone)]
struct Step {
    /// Number of parts, then number of links.
    cost: (usize, usize),
    /// The last part.
    part: Range<usize>,
}

/// Follows the best split back from the end of the word and returns its parts in order.
fn trace_back(best: &[Option<Step>], end: usize) -> Option<Vec<Range<usize>>> {
    let mut parts = Vec::new();
    let mut position = end;
    while position > 0 {
        let part = best[position].as_ref()?.part.clone();
        position = part.start;
        parts.push(part);
    }
    parts.reverse();
    Some(parts)
}

/// Everything a compound should be found by: the runs of neighbouring parts of its split
/// and, since each part may be a compound itself, the same for every part, so
/// "bewohnerparkausweis" is found by "bewohner", "parkausweis", "park" and "ausweis".
pub(super) fn parts_to_index<'a>(word: &'a str, is_known: &impl Fn(&str) -> bool) -> Vec<&'a str> {
    let mut found = Vec::new();
    collect_parts(word, is_known, &mut found);
    found.sort_unstable();
    found.dedup();
    found
}

fn collect_parts<'a>(word: &'a str, is_known: &impl Fn(&str) -> bool, found: &mut Vec<&'a str>) {
    let Some(parts) = split(word, is_known) else {
        return;
    };
    found.extend(sub_compounds(word, &parts));
    for part in parts {
        collect_parts(&word[part], is_known, found);
    }
}

/// The sub-compounds of a split word worth indexing: every run of neighbouring parts
/// except the whole word, so "bewohner|park|ausweis" gives "bewohner", "park", "ausweis",
/// "bewohnerpark" and "parkausweis".
fn sub_compounds<'a>(word: &'a str, parts: &[Range<usize>]) -> Vec<&'a str> {
    let mut runs = Vec::new();
    for first in 0..parts.len() {
        for last in first..parts.len() {
            if first == 0 && last == parts.len() - 1 {
                continue;
            }
            runs.push(&word[parts[first].start..parts[last].end]);
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &[
        "hund",
        "steuer",
        "personal",
        "ausweis",
        "bewohner",
        "park",
        "parken",
        "anwohner",
        "wohnsitz",
        "anmeldung",
        "geburt",
        "urkunde",
        "parkausweis",
    ];

    fn parts(word: &str) -> Option<Vec<&str>> {
        let ranges = split(word, |part| KNOWN.contains(&part))?;
        Some(ranges.into_iter().map(|range| &word[range]).collect())
    }

    #[test]
    fn compounds_split_into_known_words() {
        assert_eq!(parts("personalausweis"), Some(vec!["personal", "ausweis"]));
        assert_eq!(
            parts("wohnsitzanmeldung"),
            Some(vec!["wohnsitz", "anmeldung"])
        );
        assert_eq!(parts("anwohnerparken"), Some(vec!["anwohner", "parken"]));
    }

    #[test]
    fn linking_elements_are_skipped() {
        assert_eq!(parts("hundesteuer"), Some(vec!["hund", "steuer"]));
        assert_eq!(parts("geburtsurkunde"), Some(vec!["geburt", "urkunde"]));
    }

    #[test]
    fn the_split_with_fewest_parts_wins() {
        assert_eq!(
            parts("bewohnerparkausweis"),
            Some(vec!["bewohner", "parkausweis"])
        );
    }

    #[test]
    fn words_that_are_no_compound_of_known_words_stay_whole() {
        assert_eq!(parts("hund"), None);
        assert_eq!(parts("steuererklarung"), None);
        assert_eq!(parts("hundes"), None);
        assert_eq!(parts("führerschein"), None);
    }

    #[test]
    fn parts_of_parts_are_indexed_too() {
        let found = parts_to_index("bewohnerparkausweis", &|part: &str| KNOWN.contains(&part));
        assert_eq!(found, ["ausweis", "bewohner", "park", "parkausweis"]);
        assert!(parts_to_index("hund", &|part: &str| KNOWN.contains(&part)).is_empty());
    }

    #[test]
    fn sub_compounds_are_all_runs_but_the_whole() {
        let word = "bewohnerparkausweis";
        let runs = sub_compounds(word, &[0..8, 8..12, 12..19]);
        assert_eq!(
            runs,
            ["bewohner", "bewohnerpark", "park", "parkausweis", "ausweis"]
        );
    }
}
