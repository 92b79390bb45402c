//! Building the index from the documents.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rust_stemmers::Stemmer;

use super::compound::{self, MIN_PART_BYTES};
use super::index::{
    DocInfo, DocStats, FIELD_COUNT, Item, Posting, TITLE_HEAD_BYTES, TermTable, scope_key,
    variant_slot,
};
use super::text::{self, Language};
use super::{Document, SearchIndex};
use crate::model::Kind;

/// The position of the title among the fields.
const TITLE: u8 = 0;

/// How much a match in each field counts: title, keywords, summary, body.
const FIELD_WEIGHTS: [f32; FIELD_COUNT] = [4.0, 3.0, 1.5, 1.0];

/// How strongly each field's length dampens its term frequencies (the BM25 `b`). Titles
/// and keywords are short by nature, so their length says little.
const LENGTH_DAMPING: [f32; FIELD_COUNT] = [0.5, 0.3, 0.75, 0.75];

/// BM25 term frequency saturation (`k1`).
const SATURATION: f32 = 1.2;

/// A term occurs `tf` times in one field of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Occurrence {
    doc: u32,
    field: u8,
    tf: u16,
}

pub(super) fn build(documents: &[Document]) -> SearchIndex {
    let mut builder = Builder::new();
    for (position, document) in documents.iter().enumerate() {
        let Ok(doc) = u32::try_from(position) else {
            break;
        };
        builder.add(doc, document);
    }
    builder.finish()
}

struct Builder {
    stats: Vec<DocStats>,
    docs: Vec<DocInfo>,
    lengths: Vec<[u32; FIELD_COUNT]>,
    items: Vec<Item>,
    item_ids: HashMap<(Kind, String), u32>,
    words: TermsBuilder,
    german_stems: StemsBuilder,
    english_stems: StemsBuilder,
    /// Word ids of the field being added; kept to reuse its memory.
    field_words: Vec<u32>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            stats: Vec::new(),
            docs: Vec::new(),
            lengths: Vec::new(),
            items: Vec::new(),
            item_ids: HashMap::new(),
            words: TermsBuilder::default(),
            german_stems: StemsBuilder::new(Language::German),
            english_stems: StemsBuilder::new(Language::English),
            field_words: Vec::new(),
        }
    }

    fn add(&mut self, doc: u32, document: &Document) {
        let language = Language::of(document.variant);
        let keywords = document.keywords.join("\n");
        let texts = [
            &document.title,
            &keywords,
            &document.summary,
            &document.body,
        ];

        let mut lengths = [0; FIELD_COUNT];
        for (field, text) in (0u8..).zip(texts) {
            lengths[usize::from(field)] = self.add_field(doc, field, language, text);
        }

        let item = self.item_of(document, doc);
        let info = doc_info(document);
        self.stats
            .push(doc_stats(document, item, &info.title_compact));
        self.docs.push(info);
        self.lengths.push(lengths);
    }

    /// Adds the occurrences of the words of one field and returns its length in forms.
    fn add_field(&mut self, doc: u32, field: u8, language: Language, text: &str) -> u32 {
        let mut ids = std::mem::take(&mut self.field_words);
        ids.clear();
        text::for_each_form(text, |form| ids.push(self.words.id(form)));
        ids.sort_unstable();

        for run in ids.chunk_by(|a, b| a == b) {
            let word = run[0];
            let tf = u16::try_from(run.len()).unwrap_or(u16::MAX);
            let occurrence = Occurrence { doc, field, tf };
            self.words.push(word, occurrence);
            let stems = match language {
                Language::German => &mut self.german_stems,
                Language::English => &mut self.english_stems,
            };
            stems.push(word, self.words.term(word), occurrence);
        }

        let length = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        self.field_words = ids;
        length
    }

    fn item_of(&mut self, document: &Document, doc: u32) -> u32 {
        let next = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        let id = *self
            .item_ids
            .entry((document.kind, document.key.clone()))
            .or_insert(next);
        if id == next {
            self.items.push(Item { docs: [None; 3] });
        }
        let slot = &mut self.items[id as usize].docs[variant_slot(document.variant)];
        slot.get_or_insert(doc);
        id
    }

    fn finish(mut self) -> SearchIndex {
        apply_tie_ranks(&mut self.stats, &self.docs);
        let norms = length_norms(&self.lengths);
        let known_german = known_german_words(&self.words, &self.stats);
        let compound_parts = index_compound_parts(&self.words, &self.stats, &known_german);
        let titles = self.words.table_of_field(TITLE, &norms);
        let scope_keys = self
            .stats
            .iter()
            .map(|doc| scope_key(doc.kind, doc.variant))
            .collect();
        SearchIndex {
            words: self.words.finish(&norms),
            german_stems: self.german_stems.terms.finish(&norms),
            english_stems: self.english_stems.terms.finish(&norms),
            compound_parts: compound_parts.finish(&norms),
            titles,
            known_german,
            scope_keys,
            stats: self.stats,
            docs: self.docs,
            items: self.items,
        }
    }
}

fn doc_stats(document: &Document, item: u32, title_compact: &str) -> DocStats {
    let boost = if document.boost.is_finite() {
        document.boost.clamp(0.01, 100.0)
    } else {
        1.0
    };
    let (kind, variant) = (document.kind, document.variant);
    let title_head = title_head(title_compact);
    DocStats {
        kind,
        variant,
        item,
        boost,
        tie_rank: 0,
        title_head,
    }
}

/// The first bytes of a folded text, zero-padded.
fn title_head(compact: &str) -> [u8; TITLE_HEAD_BYTES] {
    let mut head = [0; TITLE_HEAD_BYTES];
    for (slot, byte) in head.iter_mut().zip(compact.bytes()) {
        *slot = byte;
    }
    head
}

fn doc_info(document: &Document) -> DocInfo {
    let title_words = text::words(&document.title);
    DocInfo {
        key: document.key.clone(),
        title: document.title.clone(),
        title_compact: title_words.iter().map(text::Word::joined).collect(),
        title_forms: title_words.iter().flat_map(text::Word::forms).collect(),
        keyword_compacts: document
            .keywords
            .iter()
            .map(|keyword| {
                text::words(keyword)
                    .iter()
                    .map(text::Word::joined)
                    .collect()
            })
            .collect(),
    }
}

/// Per document and field, `1 - b + b * length / average length`, the BM25 length
/// normalisation.
fn length_norms(lengths: &[[u32; FIELD_COUNT]]) -> Vec<[f32; FIELD_COUNT]> {
    let count = f64::from(u32::try_from(lengths.len()).unwrap_or(u32::MAX)).max(1.0);
    let mut norms = vec![[1.0; FIELD_COUNT]; lengths.len()];
    for field in 0..FIELD_COUNT {
        let total: f64 = lengths.iter().map(|doc| f64::from(doc[field])).sum();
        let average = (total / count).max(1.0);
        let damping = f64::from(LENGTH_DAMPING[field]);
        for (doc, length) in norms.iter_mut().zip(lengths) {
            let relative = f64::from(length[field]) / average;
            doc[field] = super::narrow(1.0 - damping + damping * relative);
        }
    }
    norms
}

fn apply_tie_ranks(stats: &mut [DocStats], docs: &[DocInfo]) {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by(|&a, &b| {
        let first = (&docs[a].title, &docs[a].key, stats[a].kind);
        first.cmp(&(&docs[b].title, &docs[b].key, stats[b].kind))
    });
    for (rank, doc) in (0u32..).zip(order) {
        stats[doc].tie_rank = rank;
    }
}

fn is_german(stats: &[DocStats], doc: u32) -> bool {
    Language::of(stats[doc as usize].variant) == Language::German
}

/// The words of German documents that may serve as parts when splitting compounds: at
/// least three letters and no stop word.
fn known_german_words(words: &TermsBuilder, stats: &[DocStats]) -> HashSet<Box<str>> {
    let usable = |term: &str| term.len() >= MIN_PART_BYTES && !text::is_stop_word(term);
    let in_german =
        |occurrences: &[Occurrence]| occurrences.iter().any(|at| is_german(stats, at.doc));
    words
        .terms
        .iter()
        .zip(&words.occurrences)
        .filter(|(term, occurrences)| usable(term) && in_german(occurrences))
        .map(|(term, _)| term.clone())
        .collect()
}

/// For every word of German documents that is a compound of known words, the stems of
/// its parts with the word's occurrences.
fn index_compound_parts(
    words: &TermsBuilder,
    stats: &[DocStats],
    known: &HashSet<Box<str>>,
) -> TermsBuilder {
    let stemmer = Language::German.stemmer();
    let is_known = |part: &str| known.contains(part);
    let mut parts = TermsBuilder::default();

    for (word, occurrences) in words.terms.iter().zip(&words.occurrences) {
        let found = compound::parts_to_index(word, &is_known);
        if found.is_empty() {
            continue;
        }
        let german: Vec<Occurrence> = occurrences
            .iter()
            .filter(|at| is_german(stats, at.doc))
            .copied()
            .collect();
        for part in found {
            let part_id = parts.id(&text::stem(&stemmer, part));
            for &occurrence in &german {
                parts.push(part_id, occurrence);
            }
        }
    }
    parts
}

/// Collects terms and where they occur, with ids in order of first appearance.
#[derive(Default)]
struct TermsBuilder {
    ids: FastMap<Box<str>, u32>,
    terms: Vec<Box<str>>,
    occurrences: Vec<Vec<Occurrence>>,
}

impl TermsBuilder {
    fn id(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
        self.ids.insert(term.into(), id);
        self.terms.push(term.into());
        self.occurrences.push(Vec::new());
        id
    }

    fn term(&self, id: u32) -> &str {
        &self.terms[id as usize]
    }

    fn push(&mut self, id: u32, occurrence: Occurrence) {
        self.occurrences[id as usize].push(occurrence);
    }

    /// A table of the terms that occur in one field, scored for that field alone.
    fn table_of_field(&self, field: u8, norms: &[[f32; FIELD_COUNT]]) -> TermTable {
        let entries = self
            .terms
            .iter()
            .zip(&self.occurrences)
            .map(|(term, occurrences)| {
                let in_field = occurrences.iter().filter(|at| at.field == field);
                (term.clone(), in_field.copied().collect())
            });
        scored_table(entries, norms)
    }

    fn finish(self, norms: &[[f32; FIELD_COUNT]]) -> TermTable {
        scored_table(self.terms.into_iter().zip(self.occurrences), norms)
    }
}

/// A table of terms with their occurrences turned into postings; terms that do not
/// occur are left out.
fn scored_table(
    entries: impl Iterator<Item = (Box<str>, Vec<Occurrence>)>,
    norms: &[[f32; FIELD_COUNT]],
) -> TermTable {
    let scored = entries
        .filter(|(_, occurrences)| !occurrences.is_empty())
        .map(|(term, occurrences)| (term, score_occurrences(occurrences, norms)))
        .collect();
    TermTable::new(scored)
}

/// The stems of one language, each word stemmed once.
struct StemsBuilder {
    stemmer: Stemmer,
    terms: TermsBuilder,
    /// The stem id of each word id, once stemmed.
    of_word: Vec<Option<u32>>,
}

impl StemsBuilder {
    fn new(language: Language) -> StemsBuilder {
        let stemmer = language.stemmer();
        StemsBuilder {
            stemmer,
            terms: TermsBuilder::default(),
            of_word: Vec::new(),
        }
    }

    fn push(&mut self, word_id: u32, word: &str, occurrence: Occurrence) {
        let slot = word_id as usize;
        if self.of_word.len() <= slot {
            self.of_word.resize(slot + 1, None);
        }
        let stem_id = if let Some(id) = self.of_word[slot] {
            id
        } else {
            let id = self.terms.id(&text::stem(&self.stemmer, word));
            self.of_word[slot] = Some(id);
            id
        };
        self.terms.push(stem_id, occurrence);
    }
}

/// Turns the occurrences of a term into one posting per document: the term frequency
/// of each field (occurrences of the same field added up) saturated, normalised by the
/// field's length and weighted, then summed over the fields.
fn score_occurrences(
    mut occurrences: Vec<Occurrence>,
    norms: &[[f32; FIELD_COUNT]],
) -> Box<[Posting]> {
    occurrences.sort_unstable_by_key(|at| (at.doc, at.field));
    let mut postings = Vec::new();
    for in_doc in occurrences.chunk_by(|a, b| a.doc == b.doc) {
        let doc = in_doc[0].doc;
        let mut score = 0.0;
        for in_field in in_doc.chunk_by(|a, b| a.field == b.field) {
            let field = usize::from(in_field[0].field);
            let tf = f32::from(
                in_field
                    .iter()
                    .fold(0u16, |sum, at| sum.saturating_add(at.tf)),
            );
            let norm = norms.get(doc as usize).map_or(1.0, |norms| norms[field]);
            score += FIELD_WEIGHTS[field] * tf * (SATURATION + 1.0) / (tf + SATURATION * norm);
        }
        postings.push(Posting { doc, score });
    }
    postings.into_boxed_slice()
}

/// A fast hash for building the index. It does not resist hash flooding, which is fine:
/// only the city's own published content goes in.
#[derive(Debug, Default, Clone, Copy)]
struct FastHasher(u64);

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

impl FastHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.mix(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occurrence(doc: u32, field: u8, tf: u16) -> Occurrence {
        Occurrence { doc, field, tf }
    }

    #[test]
    fn occurrences_become_one_posting_per_document() {
        let norms = [[1.0; FIELD_COUNT]; 3];
        let occurrences = vec![
            occurrence(2, 3, 1),
            occurrence(1, 0, 1),
            occurrence(2, 3, 1),
        ];
        let postings = score_occurrences(occurrences, &norms);
        let docs: Vec<u32> = postings.iter().map(|posting| posting.doc).collect();
        assert_eq!(docs, [1, 2]);
        // One title occurrence outweighs two in the body.
        assert!(postings[0].score > postings[1].score);
        let twice = score_occurrences(vec![occurrence(0, 3, 2)], &norms);
        assert!((twice[0].score - postings[1].score).abs() < 1e-6);
    }

    #[test]
    fn longer_fields_count_less() {
        let norms = length_norms(&[[0, 0, 0, 10], [0, 0, 0, 100]]);
        let postings = score_occurrences(vec![occurrence(0, 3, 1), occurrence(1, 3, 1)], &norms);
        assert!(postings[0].score > postings[1].score);
    }

    #[test]
    fn stems_are_interned_once() {
        let mut stems = StemsBuilder::new(Language::German);
        stems.push(0, "hunde", occurrence(0, 0, 1));
        stems.push(1, "hund", occurrence(0, 2, 1));
        stems.push(0, "hunde", occurrence(1, 0, 1));
        let table = stems.terms.finish(&[]);
        assert_eq!(table.len(), 1);
        assert_eq!(table.term(0), "hund");
        assert_eq!(table.doc_freq(0), 2);
    }

    #[test]
    fn compounds_are_indexed_by_their_known_parts() {
        let document = |title: &str| Document {
            kind: Kind::Service,
            key: title.to_owned(),
            variant: crate::model::Variant::German,
            title: title.to_owned(),
            keywords: Vec::new(),
            summary: String::new(),
            body: String::new(),
            boost: 1.0,
        };
        let index = build(&[
            document("Hund"),
            document("Steuer"),
            document("Hundesteuer"),
        ]);
        let hund = index
            .compound_parts
            .find("hund")
            .map(|id| index.compound_parts.postings(id));
        assert_eq!(hund.map(|postings| postings[0].doc), Some(2));
        assert!(index.known_german.contains("steuer"));
    }
}
