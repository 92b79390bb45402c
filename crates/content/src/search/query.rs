//! Parsing what people type into the search box.

use super::text::{self, Word};

/// The most characters of a query that are looked at; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;

/// The most terms a query keeps; later words are ignored.
pub const MAX_QUERY_TERMS: usize = 12;

/// A parsed search query: folded terms without stop words, in the order typed.
///
/// Words in quotes ("..." or „...“) must all occur in a hit, as written or inflected but
/// without typos, synonyms or completions; their order is not checked.
/// A word still being typed, the last one when the input does not end in a space, also
/// matches as the beginning of longer words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub(super) terms: Vec<QueryTerm>,
    /// All typed words folded and written together, stop words included, to compare with
    /// titles written the same way.
    pub(super) compact: String,
}

impl Query {
    /// The folded terms that will be searched for.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|term| term.word.as_str())
    }

    /// Whether there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct QueryTerm {
    /// The folded word; a hyphenated word written together.
    pub(super) word: String,
    /// The parts of a hyphenated word; empty for a plain word.
    pub(super) parts: Vec<String>,
    /// Whether hits must contain it (it stood in quotes).
    pub(super) required: bool,
    /// Whether it is still being typed and also matches longer words.
    pub(super) prefix: bool,
}

/// Parses a query. Never fails: input beyond [`MAX_QUERY_CHARS`] and terms beyond
/// [`MAX_QUERY_TERMS`] are ignored, and so are punctuation and operators.
pub fn parse_query(input: &str) -> Query {
    let input = truncate_chars(input, MAX_QUERY_CHARS);
    let still_typing = input.chars().last().is_some_and(char::is_alphanumeric);

    let mut typed = Vec::new();
    for (segment, quoted) in quote_segments(input) {
        typed.extend(text::words(segment).into_iter().map(|word| (word, quoted)));
    }

    let compact = typed.iter().map(|(word, _)| word.joined()).collect();
    let terms = meaningful_terms(typed, still_typing);
    Query { terms, compact }
}

/// Turns the typed words into terms: stop words are left out unless nothing else was
/// typed, and the word being typed stays even if it looks like one ("die" may become
/// "Dienst").
fn meaningful_terms(typed: Vec<(Word, bool)>, still_typing: bool) -> Vec<QueryTerm> {
    let last = typed.len().saturating_sub(1);
    let mut terms: Vec<QueryTerm> = typed
        .into_iter()
        .enumerate()
        .map(|(position, (word, required))| {
            let prefix = still_typing && position == last;
            let joined = word.joined();
            let parts = if word.parts.len() > 1 {
                word.parts
            } else {
                Vec::new()
            };
            QueryTerm {
                word: joined,
                parts,
                required,
                prefix,
            }
        })
        .collect();

    if terms.iter().any(|term| !text::is_stop_word(&term.word)) {
        terms.retain(|term| term.prefix || !text::is_stop_word(&term.word));
    }
    terms.truncate(MAX_QUERY_TERMS);
    terms
}

/// Splits the input at quotation marks into pieces outside and inside quotes. An
/// unmatched last quotation mark is treated as punctuation.
fn quote_segments(input: &str) -> Vec<(&str, bool)> {
    let marks: Vec<(usize, char)> = input.char_indices().filter(|&(_, c)| is_quote(c)).collect();
    let paired = marks.len() - marks.len() % 2;

    let mut segments = Vec::with_capacity(paired + 1);
    let mut start = 0;
    let mut quoted = false;
    for &(at, mark) in &marks[..paired] {
        segments.push((&input[start..at], quoted));
        quoted = !quoted;
        start = at + mark.len_utf8();
    }
    segments.push((&input[start..], false));
    segments
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '„' | '“' | '”')
}

pub(super) fn truncate_chars(input: &str, max: usize) -> &str {
    match input.char_indices().nth(max) {
        Some((end, _)) => &input[..end],
        None => input,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(input: &str) -> Vec<String> {
        parse_query(input).terms().map(str::to_owned).collect()
    }

    #[test]
    fn terms_are_folded_and_stop_words_dropped() {
        assert_eq!(terms("Der Hund und die Steuer "), ["hund", "steuer"]);
        assert_eq!(
            terms("Führerschein für Straße"),
            ["fuhrerschein", "strasse"]
        );
    }

    #[test]
    fn a_query_of_only_stop_words_keeps_them() {
        assert_eq!(terms("die und "), ["die", "und"]);
        assert_eq!(terms("the"), ["the"]);
    }

    #[test]
    fn the_word_being_typed_matches_as_prefix_even_if_it_looks_like_a_stop_word() {
        let query = parse_query("Antrag die");
        assert_eq!(query.terms().collect::<Vec<_>>(), ["antrag", "die"]);
        assert!(query.terms[1].prefix);
        assert!(!parse_query("Antrag ").terms[0].prefix);
    }

    #[test]
    fn hyphenated_words_become_one_term_with_parts() {
        let query = parse_query("Hunde-Steuer");
        assert_eq!(query.terms[0].word, "hundesteuer");
        assert_eq!(query.terms[0].parts, ["hunde", "steuer"]);
    }

    #[test]
    fn quoted_words_are_required_and_unmatched_quotes_ignored() {
        let query = parse_query("Amt „Wohnsitz anmelden“ \"offen");
        let required: Vec<bool> = query.terms.iter().map(|term| term.required).collect();
        assert_eq!(
            query.terms().collect::<Vec<_>>(),
            ["amt", "wohnsitz", "anmelden", "offen"]
        );
        assert_eq!(required, [false, true, true, false]);
    }

    #[test]
    fn operators_punctuation_and_sql_are_just_separators() {
        assert_eq!(
            terms("hund' OR 1=1; DROP TABLE --"),
            ["hund", "1", "1", "drop", "table"]
        );
        assert!(parse_query("+-*/!?()[]{}").is_empty());
    }

    #[test]
    fn length_and_term_count_are_capped() {
        let long = "Wort ".repeat(10_000);
        assert_eq!(parse_query(&long).terms.len(), MAX_QUERY_TERMS);
        let huge = "x".repeat(100_000);
        assert!(parse_query(&huge).is_empty());
    }

    #[test]
    fn the_compact_form_keeps_stop_words() {
        assert_eq!(parse_query("Umzug in die Stadt").compact, "umzugindiestadt");
    }
}
