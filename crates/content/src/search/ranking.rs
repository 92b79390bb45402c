//! Answering a query: expanding its terms into index terms, scoring documents with BM25
//! per field, and ranking one hit per item.

use std::cmp::{Ordering, Reverse};

use rust_stemmers::Stemmer;

use super::index::{DocStats, FIELD_COUNT, TITLE_HEAD_BYTES, TermTable, variant_slot};
use super::query::{Query, QueryTerm};
use super::synonyms::synonyms_of;
use super::text::{self, Language};
use super::{Hit, SearchIndex, compound, count, fuzzy, narrow};
use crate::model::{Kind, Variant};

/// How much a match in each field counts: title, keywords, summary, body.
const FIELD_WEIGHTS: [f32; FIELD_COUNT] = [4.0, 3.0, 1.5, 1.0];

/// BM25 term frequency saturation.
const K1: f32 = 1.2;

/// How much each way of matching a query word counts, relative to the word itself.
const EXACT: f32 = 1.0;
const TRANSLITERATED: f32 = 0.95;
const STEM: f32 = 0.9;
const SYNONYM: f32 = 0.8;
const PREFIX: f32 = 0.75;
const COMPOUND_PART: f32 = 0.7;
const QUERY_PARTS: f32 = 0.8;
/// By number of edits.
const FUZZY: [f32; 3] = [1.0, 0.6, 0.4];

/// How much a German document counts when another variant was asked for.
const FALLBACK: f32 = 0.6;

const ALL_TERMS_BONUS: f32 = 1.5;
const EXACT_TITLE_BONUS: f32 = 2.0;
const TITLE_PREFIX_BONUS: f32 = 1.3;

/// A word being typed must be this long to match longer words.
const MIN_PREFIX_BYTES: usize = 3;
const MAX_PREFIX_EXPANSIONS: usize = 24;
const MAX_FUZZY_EXPANSIONS: usize = 8;

/// Which documents take part in a search, and with what weight.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scope<'a> {
    variant: Variant,
    kinds: &'a [Kind],
}

impl<'a> Scope<'a> {
    pub(super) fn new(variant: Variant, kinds: &'a [Kind]) -> Scope<'a> {
        Scope { variant, kinds }
    }

    /// How much a document counts: fully in the wanted variant, less as the German
    /// fallback, and not at all in a third variant or of another kind.
    pub(super) fn weight(&self, doc: &DocStats) -> Option<f32> {
        if !self.kinds.is_empty() && !self.kinds.contains(&doc.kind) {
            return None;
        }
        if doc.variant == self.variant {
            Some(1.0)
        } else if doc.variant == Variant::German {
            Some(FALLBACK)
        } else {
            None
        }
    }
}

pub(super) fn search(
    index: &SearchIndex,
    query: &Query,
    scope: Scope<'_>,
    limit: usize,
) -> Vec<Hit> {
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
    matched: Vec<u16>,
    term: Accumulator,
    part: Accumulator,
    parts_sum: Accumulator,
    part_counts: Vec<u8>,
}

impl Scratch {
    fn new(docs: usize) -> Scratch {
        Scratch {
            total: Accumulator::new(docs),
            matched: vec![0; docs],
            term: Accumulator::new(docs),
            part: Accumulator::new(docs),
            parts_sum: Accumulator::new(docs),
            part_counts: vec![0; docs],
        }
    }
}

struct Searcher<'a> {
    index: &'a SearchIndex,
    scope: Scope<'a>,
    english: bool,
    german_stemmer: Stemmer,
    english_stemmer: Stemmer,
}

impl<'a> Searcher<'a> {
    fn new(index: &'a SearchIndex, scope: Scope<'a>) -> Searcher<'a> {
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
        for (position, part) in parts.iter().enumerate() {
            let last = position + 1 == parts.len();
            for expansion in self.expand(part, term.prefix && last, !term.required) {
                self.score_expansion(&expansion, &mut scratch.part);
            }
            scratch.part.drain(|doc, score| {
                scratch.parts_sum.add(doc, score);
                let found = &mut scratch.part_counts[doc as usize];
                *found = found.saturating_add(1);
            });
        }

        let total = count(parts.len());
        scratch.parts_sum.drain(|doc, sum| {
            let found = f32::from(std::mem::take(&mut scratch.part_counts[doc as usize]));
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
            self.push_corrections(word, &mut found);
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
        let mut near = Vec::new();
        for id in words.starting_with_byte(first) {
            let candidate = words.term(id);
            if candidate.len().abs_diff(word.len()) > max {
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

    /// Adds the BM25 score of one expansion, summed over the fields with their weights,
    /// to each document in scope, keeping the best per document.
    fn score_expansion(&self, expansion: &Expansion<'_>, scores: &mut Accumulator) {
        let postings = expansion.table.postings(expansion.id);
        POSTINGS.fetch_add(postings.len(), std::sync::atomic::Ordering::Relaxed);
        EXPANSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for group in postings.chunk_by(|a, b| a.doc == b.doc) {
            let doc = group[0].doc;
            let stats = &self.index.stats[doc as usize];
            if self.scope.weight(stats).is_none() {
                continue;
            }
            let mut score = 0.0;
            for posting in group {
                let field = usize::from(posting.field);
                let tf = f32::from(posting.tf);
                score += FIELD_WEIGHTS[field] * tf * (K1 + 1.0) / (tf + K1 * stats.norms[field]);
            }
            scores.raise(doc, expansion.weight * expansion.idf * score);
        }
    }

    /// Turns document scores into the best hits, one per item.
    fn rank(&self, query: &Query, scratch: &mut Scratch, limit: usize) -> Vec<Hit> {
        let required = required_mask(query);
        let mut items = Accumulator::new(self.index.items.len());
        scratch.total.drain(|doc, score| {
            let matched = scratch.matched[doc as usize];
            let stats = &self.index.stats[doc as usize];
            let Some(weight) = self.scope.weight(stats) else {
                return;
            };
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

    /// The bonus for a title that is or begins with the query, written together.
    fn title_bonus(&self, doc: u32, query: &Query) -> f32 {
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
        share * ALL_TERMS_BONUS
    } else {
        share
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

/// Scores per document in a dense array, remembering which are set so that reading
/// them out is proportional to the matches, not to the index.
pub(super) struct Accumulator {
    values: Vec<f32>,
    touched: Vec<u32>,
}

impl Accumulator {
    pub(super) fn new(len: usize) -> Accumulator {
        Accumulator {
            values: vec![0.0; len],
            touched: Vec::new(),
        }
    }

    /// Keeps the larger of the stored and the given score.
    pub(super) fn raise(&mut self, id: u32, value: f32) {
        if !value.is_finite() || value <= 0.0 {
            return;
        }
        let slot = &mut self.values[id as usize];
        if *slot <= 0.0 {
            self.touched.push(id);
        }
        *slot = slot.max(value);
    }

    pub(super) fn add(&mut self, id: u32, value: f32) {
        if !value.is_finite() || value <= 0.0 {
            return;
        }
        let slot = &mut self.values[id as usize];
        if *slot <= 0.0 {
            self.touched.push(id);
        }
        *slot += value;
    }

    /// Hands out every set score in the order first set, and resets them.
    pub(super) fn drain(&mut self, mut each: impl FnMut(u32, f32)) {
        for id in self.touched.drain(..) {
            let value = std::mem::take(&mut self.values[id as usize]);
            each(id, value);
        }
    }
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
        assert!((coverage(0b01, 2) - 0.5).abs() < f32::EPSILON);
        assert!((coverage(0b11, 2) - ALL_TERMS_BONUS).abs() < f32::EPSILON);
    }

    #[test]
    fn the_accumulator_keeps_maxima_and_sums_and_resets() {
        let mut scores = Accumulator::new(4);
        scores.raise(2, 1.0);
        scores.raise(2, 3.0);
        scores.raise(2, 2.0);
        scores.add(0, 1.0);
        scores.add(0, 1.5);
        scores.raise(1, f32::NAN);
        let mut seen = Vec::new();
        scores.drain(|id, value| seen.push((id, value)));
        assert_eq!(seen, [(2, 3.0), (0, 2.5)]);
        scores.drain(|_, _| panic!("drained twice"));
    }
}

pub static POSTINGS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
pub static EXPANSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
