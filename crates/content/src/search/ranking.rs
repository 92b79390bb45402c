//! Answering a query: expanding its terms into index terms, scoring documents with BM25
//! per field, and ranking one hit per item.

use std::cmp::{Ordering, Reverse};

use rust_stemmers::Stemmer;

use super::accumulator::Accumulator;
use super::index::{SCOPE_KEYS, TITLE_HEAD_BYTES, TermTable, scope_key, variant_slot};
use super::query::MAX_QUERY_TERMS;
use super::query::{Query, QueryTerm};
use super::synonyms::synonyms_of;
use super::text::{self, Language};
use super::{Hit, SearchIndex, compound, count, fuzzy, narrow};
use crate::model::{Kind, Variant};

// How much each way of matching a query word counts, relative to the word itself.
const EXACT: f32 = 1.0;
/// Typed with "ue" for "ü".
const TRANSLITERATED: f32 = 0.95;
/// Relative to the form it is the stem of.
const STEM: f32 = 0.9;
const SYNONYM: f32 = 0.8;
/// For the longest completions; shorter ones count more.
const PREFIX: f32 = 0.75;
/// The word is part of a compound in the document.
const COMPOUND_PART: f32 = 0.7;
/// A compound query word found through its parts.
const QUERY_PARTS: f32 = 0.8;
/// By number of edits.
const FUZZY: [f32; 3] = [1.0, 0.6, 0.4];

/// How much a German document counts when another variant was asked for.
const FALLBACK: f32 = 0.6;

/// For documents that match every query term.
const ALL_TERMS_BONUS: f32 = 1.5;
/// For a title that is the query.
const EXACT_TITLE_BONUS: f32 = 2.0;
/// For a title that begins with the query.
const TITLE_PREFIX_BONUS: f32 = 1.3;

// Which query terms a document matches is kept as bits of a u16.
const _: () = assert!(MAX_QUERY_TERMS <= 16);

/// A word being typed must be this long to match longer words.
const MIN_PREFIX_BYTES: usize = 3;
const MAX_PREFIX_EXPANSIONS: usize = 24;
const MAX_FUZZY_EXPANSIONS: usize = 8;

/// Which documents take part in a search, and with what weight.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scope {
    variant: Variant,
    /// The weight of documents by [`scope_key`]; 0 for those out of scope.
    weights: [f32; SCOPE_KEYS],
}

impl Scope {
    /// Documents of `variant` count fully and German documents less, if of one of
    /// `kinds` (any kind if empty); others not at all.
    pub(super) fn new(variant: Variant, kinds: &[Kind]) -> Scope {
        let mut weights = [0.0; SCOPE_KEYS];
        for kind in Kind::ALL
            .into_iter()
            .filter(|kind| kinds.is_empty() || kinds.contains(kind))
        {
            weights[usize::from(scope_key(kind, Variant::German))] = FALLBACK;
            weights[usize::from(scope_key(kind, variant))] = 1.0;
        }
        Scope { variant, weights }
    }

    /// How much a document counts, by its [`scope_key`]; 0 if not at all.
    pub(super) fn weight(&self, key: u8) -> f32 {
        self.weights[usize::from(key)]
    }
}

pub(super) fn search(index: &SearchIndex, query: &Query, scope: Scope, limit: usize) -> Vec<Hit> {
    if limit == 0 || query.is_empty() || index.docs.is_empty() {
        return Vec::new();
    }

    let searcher = Searcher::new(index, scope);
    let mut scratch = Scratch::new(index.docs.len());
    for (position, term) in query.terms.iter().enumerate() {
        searcher.score_term(term, &mut scratch);
        let bit = 1u16 << position;
        scratch.term.drain(|doc, score| {
            scratch.total.add(doc, score);
            scratch.matched[doc as usize] |= bit;
        });
    }

    searcher.rank(query, &mut scratch, limit)
}

/// One way a query word matches: a term of one of the tables, with its weight.
struct Expansion<'a> {
    table: &'a TermTable,
    id: usize,
    weight: f32,
    idf: f32,
    /// Whether it is the word itself (or its stem or a synonym) rather than a guess.
    direct: bool,
}

/// Per-document scores of one query, reset as they are drained.
struct Scratch {
    total: Accumulator,
    /// Per document, a bit for each query term it matches.
    matched: Vec<u16>,
    term: Accumulator,
    /// Only for queries with compounds.
    parts: Option<PartScratch>,
}

impl Scratch {
    fn new(docs: usize) -> Scratch {
        Scratch {
            total: Accumulator::new(docs),
            matched: vec![0; docs],
            term: Accumulator::new(docs),
            parts: None,
        }
    }
}

struct PartScratch {
    part: Accumulator,
    sum: Accumulator,
    found: Vec<u8>,
}

impl PartScratch {
    fn new(docs: usize) -> PartScratch {
        PartScratch {
            part: Accumulator::new(docs),
            sum: Accumulator::new(docs),
            found: vec![0; docs],
        }
    }
}

struct Searcher<'a> {
    index: &'a SearchIndex,
    scope: Scope,
    english: bool,
    german_stemmer: Stemmer,
    english_stemmer: Stemmer,
}

impl<'a> Searcher<'a> {
    fn new(index: &'a SearchIndex, scope: Scope) -> Searcher<'a> {
        Searcher {
            index,
            scope,
            english: scope.variant == Variant::English,
            german_stemmer: Language::German.stemmer(),
            english_stemmer: Language::English.stemmer(),
        }
    }

    /// Scores the documents for one query term into `scratch.term`: the best of the
    /// ways the word matches and, for a compound, the parts together.
    fn score_term(&self, term: &QueryTerm, scratch: &mut Scratch) {
        let expansions = self.expand(&term.word, term.prefix, !term.required);
        for expansion in &expansions {
            self.score_expansion(expansion, &mut scratch.term);
        }

        let unknown = !expansions.iter().any(|expansion| expansion.direct);
        let parts = if term.parts.is_empty() && unknown {
            self.split_compound(&term.word)
        } else {
            term.parts.clone()
        };
        if !parts.is_empty() {
            self.score_parts(&parts, term, scratch);
        }
    }

    /// Scores the parts of a compound query word, such as "hund" and "anmeldung" for
    /// "hundeanmeldung": the mean of the parts' scores, scaled by how many parts match.
    fn score_parts(&self, parts: &[String], term: &QueryTerm, scratch: &mut Scratch) {
        let docs = self.index.docs.len();
        let each = scratch.parts.get_or_insert_with(|| PartScratch::new(docs));
        for (position, part) in parts.iter().enumerate() {
            let last = position + 1 == parts.len();
            for expansion in self.expand(part, term.prefix && last, !term.required) {
                self.score_expansion(&expansion, &mut each.part);
            }
            each.part.drain(|doc, score| {
                each.sum.add(doc, score);
                let found = &mut each.found[doc as usize];
                *found = found.saturating_add(1);
            });
        }

        let total = count(parts.len());
        each.sum.drain(|doc, sum| {
            let found = f32::from(std::mem::take(&mut each.found[doc as usize]));
            let score = QUERY_PARTS * sum / total * (found / total);
            scratch.term.raise(doc, score);
        });
    }

    fn split_compound(&self, word: &str) -> Vec<String> {
        let known = |part: &str| self.index.known_german.contains(part);
        let parts = compound::split(word, known).unwrap_or_default();
        parts
            .into_iter()
            .map(|range| word[range].to_owned())
            .collect()
    }

    /// All the ways a folded word matches the index; guesses (synonyms, completions and
    /// typo corrections) only if `guess`.
    fn expand(&self, word: &str, prefix: bool, guess: bool) -> Vec<Expansion<'a>> {
        let mut found = Vec::new();
        self.push_direct(word, EXACT, true, &mut found);
        if let Some(plain) = without_transliteration(word) {
            self.push_direct(&plain, TRANSLITERATED, true, &mut found);
        }
        if guess {
            for synonym in synonyms_of(word) {
                self.push_direct(synonym, SYNONYM, true, &mut found);
            }
            if prefix {
                self.push_completions(word, &mut found);
            }
            // A word the index knows is not a typo: "anmelden" must not also find "abmelden".
            let known = found.iter().any(|expansion| expansion.direct);
            if !known {
                self.push_corrections(word, &mut found);
            }
        }

        cap_guessed_idf(&mut found);
        found
    }

    /// The word itself, its stems and the compounds it is a part of.
    fn push_direct(&self, word: &str, weight: f32, direct: bool, found: &mut Vec<Expansion<'a>>) {
        let index = self.index;
        let german_stem = text::stem(&self.german_stemmer, word);
        self.push(&index.words, word, weight, direct, found);
        self.push(
            &index.german_stems,
            &german_stem,
            weight * STEM,
            direct,
            found,
        );
        if self.english {
            let english_stem = text::stem(&self.english_stemmer, word);
            self.push(
                &index.english_stems,
                &english_stem,
                weight * STEM,
                direct,
                found,
            );
        }
        self.push(
            &index.compound_parts,
            &german_stem,
            weight * COMPOUND_PART,
            false,
            found,
        );
    }

    fn push(
        &self,
        table: &'a TermTable,
        term: &str,
        weight: f32,
        direct: bool,
        found: &mut Vec<Expansion<'a>>,
    ) {
        if let Some(id) = table.find(term) {
            let idf = self.idf(table.doc_freq(id));
            found.push(Expansion {
                table,
                id,
                weight,
                idf,
                direct,
            });
        }
    }

    /// Longer words that start with a word being typed, the most frequent first; shorter
    /// completions count more.
    fn push_completions(&self, word: &str, found: &mut Vec<Expansion<'a>>) {
        if word.len() < MIN_PREFIX_BYTES {
            return;
        }
        let words = &self.index.words;
        let mut completions: Vec<usize> = words
            .with_prefix(word)
            .filter(|&id| words.term(id).len() > word.len())
            .collect();
        keep_most_frequent(&mut completions, words, MAX_PREFIX_EXPANSIONS);

        for id in completions {
            let typed_share = count(word.len()) / count(words.term(id).len());
            let weight = PREFIX * (0.6 + 0.4 * typed_share);
            found.push(Expansion {
                table: words,
                id,
                weight,
                idf: self.idf(words.doc_freq(id)),
                direct: false,
            });
        }
    }

    /// Words of the index within the allowed number of typos. Only words with the same
    /// first letter and a length within the bound are compared, which keeps this fast
    /// and costs little: a wrong first letter is the rarest typo.
    fn push_corrections(&self, word: &str, found: &mut Vec<Expansion<'a>>) {
        let max = fuzzy::allowed_edits(word.len());
        let Some(&first) = word.as_bytes().first() else {
            return;
        };
        if max == 0 || word.bytes().any(|b| b.is_ascii_digit()) {
            return;
        }

        let words = &self.index.words;
        let letters = fuzzy::letter_signature(word);
        let mut near = Vec::new();
        for id in words.starting_with_byte(first) {
            let candidate = words.term(id);
            let too_far = candidate.len().abs_diff(word.len()) > max
                || !fuzzy::may_be_within(letters, words.signature(id), max);
            if too_far {
                continue;
            }
            if let Some(edits @ 1..) =
                fuzzy::bounded_distance(word.as_bytes(), candidate.as_bytes(), max)
            {
                near.push((edits, Reverse(words.doc_freq(id)), id));
            }
        }
        near.sort_unstable();
        near.truncate(MAX_FUZZY_EXPANSIONS);

        for (edits, _, id) in near {
            self.push_direct(words.term(id), FUZZY[edits.min(2)], false, found);
        }
    }

    /// The inverse document frequency of a term in `doc_freq` documents (BM25's form,
    /// always positive).
    fn idf(&self, doc_freq: u32) -> f32 {
        let docs = count(self.index.docs.len());
        let with = f64::from(doc_freq);
        narrow((1.0 + (f64::from(docs) - with + 0.5) / (with + 0.5)).ln())
    }

    /// Adds the BM25 score of one expansion to each document in scope, keeping the best
    /// per document.
    fn score_expansion(&self, expansion: &Expansion<'_>, scores: &mut Accumulator) {
        let factor = expansion.weight * expansion.idf;
        for posting in expansion.table.postings(expansion.id) {
            if self.scope_weight(posting.doc) > 0.0 {
                scores.raise(posting.doc, factor * posting.score);
            }
        }
    }

    fn scope_weight(&self, doc: u32) -> f32 {
        self.scope.weight(self.index.scope_keys[doc as usize])
    }

    /// Turns document scores into the best hits, one per item.
    fn rank(&self, query: &Query, scratch: &mut Scratch, limit: usize) -> Vec<Hit> {
        let required = required_mask(query);
        let mut items = Accumulator::new(self.index.items.len());
        scratch.total.drain(|doc, score| {
            let matched = scratch.matched[doc as usize];
            let stats = &self.index.stats[doc as usize];
            let weight = self.scope_weight(doc);
            if matched & required == required {
                let bonus = coverage(matched, query.terms.len()) * self.title_bonus(doc, query);
                items.raise(stats.item, score * bonus * stats.boost * weight);
            }
        });

        let mut hits = Vec::new();
        items.drain(|item, score| {
            if let Some(doc) = self.shown_doc(item) {
                hits.push(Hit {
                    doc: doc as usize,
                    score,
                });
            }
        });
        best_first(hits, limit, |a, b| self.order(a, b))
    }

    /// The bonus for a title or keyword that is the query, or a title that begins with it,
    /// written together.
    fn title_bonus(&self, doc: u32, query: &Query) -> f32 {
        let info = &self.index.docs[doc as usize];
        if !query.compact.is_empty() && info.keyword_compacts.contains(&query.compact) {
            return EXACT_TITLE_BONUS;
        }
        let head = &self.index.stats[doc as usize].title_head;
        let compared = query.compact.len().min(TITLE_HEAD_BYTES);
        if query.compact.is_empty() || head[..compared] != query.compact.as_bytes()[..compared] {
            return 1.0;
        }

        let title = &self.index.docs[doc as usize].title_compact;
        if *title == query.compact {
            EXACT_TITLE_BONUS
        } else if title.starts_with(&query.compact) {
            TITLE_PREFIX_BONUS
        } else {
            1.0
        }
    }

    /// The document to show for an item: the wanted variant, else German.
    fn shown_doc(&self, item: u32) -> Option<u32> {
        let docs = &self.index.items[item as usize].docs;
        docs[variant_slot(self.scope.variant)].or(docs[variant_slot(Variant::German)])
    }

    /// Best score first; ties by title, then key, then kind, so the order is total.
    fn order(&self, a: &Hit, b: &Hit) -> Ordering {
        let ties = (
            self.index.stats[a.doc].tie_rank,
            self.index.stats[b.doc].tie_rank,
        );
        b.score.total_cmp(&a.score).then(ties.0.cmp(&ties.1))
    }
}

/// Makes guesses (prefixes, typos, compound parts) count no more than the word itself
/// would: a rare misspelt neighbour must not outrank the common word that was typed.
fn cap_guessed_idf(found: &mut [Expansion<'_>]) {
    let reference = found
        .iter()
        .filter(|expansion| expansion.direct)
        .map(|expansion| expansion.idf)
        .reduce(f32::max);
    if let Some(reference) = reference {
        for expansion in found.iter_mut().filter(|expansion| !expansion.direct) {
            expansion.idf = expansion.idf.min(reference);
        }
    }
}

/// The spelling with umlauts written as "ae", "oe" and "ue" turned into the folded form
/// ("fuehrerschein" → "fuhrerschein"), if the word has such pairs.
fn without_transliteration(word: &str) -> Option<String> {
    let has_pair = ["ae", "oe", "ue"].iter().any(|pair| word.contains(pair));
    has_pair.then(|| {
        word.replace("ae", "a")
            .replace("oe", "o")
            .replace("ue", "u")
    })
}

fn keep_most_frequent(ids: &mut Vec<usize>, table: &TermTable, max: usize) {
    if ids.len() > max {
        ids.select_nth_unstable_by_key(max - 1, |&id| (Reverse(table.doc_freq(id)), id));
        ids.truncate(max);
    }
}

fn required_mask(query: &Query) -> u16 {
    query
        .terms
        .iter()
        .enumerate()
        .filter(|(_, term)| term.required)
        .fold(0, |mask, (position, _)| mask | 1 << position)
}

/// The share of query terms a document matches, with a bonus when it matches all.
fn coverage(matched: u16, terms: usize) -> f32 {
    let found = matched.count_ones();
    let share = f32::from(u16::try_from(found).unwrap_or(u16::MAX)) / count(terms);
    if terms > 1 && found as usize == terms {
        ALL_TERMS_BONUS
    } else {
        // Squared, so that a popular item matching half the words does not outrank an item
        // matching all of them.
        share * share
    }
}

fn best_first(
    mut hits: Vec<Hit>,
    limit: usize,
    order: impl Fn(&Hit, &Hit) -> Ordering,
) -> Vec<Hit> {
    if hits.len() > limit && limit > 0 {
        hits.select_nth_unstable_by(limit - 1, &order);
        hits.truncate(limit);
    }
    hits.sort_unstable_by(order);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterated_umlauts_fold_to_base_letters() {
        assert_eq!(
            without_transliteration("fuehrerschein").as_deref(),
            Some("fuhrerschein")
        );
        assert_eq!(without_transliteration("hund"), None);
    }

    #[test]
    fn coverage_rewards_matching_every_term() {
        assert!((coverage(0b1, 1) - 1.0).abs() < f32::EPSILON);
        assert!((coverage(0b01, 2) - 0.25).abs() < f32::EPSILON);
        assert!((coverage(0b11, 2) - ALL_TERMS_BONUS).abs() < f32::EPSILON);
    }
}
