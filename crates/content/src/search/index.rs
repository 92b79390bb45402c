//! The index structures and how they are built from the documents.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use rust_stemmers::Stemmer;

use super::compound::{self, MIN_PART_BYTES};
use super::text::{self, Language};
use super::{Document, SearchIndex};
use crate::model::{Kind, Variant};

/// The number of indexed fields: title, keywords, summary and body, in this order.
pub(super) const FIELD_COUNT: usize = 4;

/// The position of the title among the fields.
const TITLE: u8 = 0;

/// How strongly each field's length dampens its term frequencies (the BM25 `b`). Titles
/// and keywords are short by nature, so their length says little.
const LENGTH_DAMPING: [f32; FIELD_COUNT] = [0.5, 0.3, 0.75, 0.75];

/// One occurrence record: a term occurs `tf` times in one field of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Posting {
    pub(super) doc: u32,
    pub(super) field: u8,
    pub(super) tf: u16,
}

/// Terms sorted for binary search and prefix ranges, each with its postings sorted by
/// document and field.
#[derive(Debug, Default)]
pub(super) struct TermTable {
    terms: Vec<Box<str>>,
    postings: Vec<Box<[Posting]>>,
    doc_freq: Vec<u32>,
}

impl TermTable {
    /// A table of the given terms and postings, in any order; terms without postings
    /// are left out.
    fn from_entries(mut entries: Vec<(Box<str>, Vec<Posting>)>) -> TermTable {
        entries.retain(|(_, postings)| !postings.is_empty());
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));

        let mut table = TermTable::default();
        for (term, postings) in entries {
            let postings = merge_postings(postings);
            let docs = postings.chunk_by(|a, b| a.doc == b.doc).count();
            table.terms.push(term);
            table.doc_freq.push(u32::try_from(docs).unwrap_or(u32::MAX));
            table.postings.push(postings);
        }
        table
    }

    /// The id of a term, if it occurs.
    pub(super) fn find(&self, term: &str) -> Option<usize> {
        self.terms
            .binary_search_by(|known| (**known).cmp(term))
            .ok()
    }

    /// The ids of the terms that start with `prefix`.
    pub(super) fn with_prefix(&self, prefix: &str) -> Range<usize> {
        let start = self.terms.partition_point(|known| &**known < prefix);
        let count = self.terms[start..].partition_point(|known| known.starts_with(prefix));
        start..start + count
    }

    /// The ids of the terms whose first byte is `first`.
    pub(super) fn starting_with_byte(&self, first: u8) -> Range<usize> {
        let start = self
            .terms
            .partition_point(|known| known.as_bytes().first() < Some(&first));
        let end = self
            .terms
            .partition_point(|known| known.as_bytes().first() <= Some(&first));
        start..end
    }

    pub(super) fn term(&self, id: usize) -> &str {
        &self.terms[id]
    }

    pub(super) fn postings(&self, id: usize) -> &[Posting] {
        &self.postings[id]
    }

    /// In how many documents the term occurs.
    pub(super) fn doc_freq(&self, id: usize) -> u32 {
        self.doc_freq[id]
    }

    pub(super) fn len(&self) -> usize {
        self.terms.len()
    }
}

/// What scoring needs per document, kept small and together for the inner loop.
#[derive(Debug, Clone, Copy)]
pub(super) struct DocStats {
    pub(super) kind: Kind,
    pub(super) variant: Variant,
    /// The index of the item (kind and key) in [`SearchIndex::items`].
    pub(super) item: u32,
    pub(super) boost: f32,
    /// The position of the document ordered by title, key and kind, which decides
    /// between hits of equal score.
    pub(super) tie_rank: u32,
    /// The first bytes of [`DocInfo::title_compact`], zero-padded, to rule out most title
    /// bonuses without reading the title.
    pub(super) title_head: [u8; TITLE_HEAD_BYTES],
    /// Per field, `1 - b + b * length / average length`, the BM25 length normalisation.
    pub(super) norms: [f32; FIELD_COUNT],
}

/// How many bytes of the title [`DocStats::title_head`] holds.
pub(super) const TITLE_HEAD_BYTES: usize = 8;

/// What ordering hits and autocomplete need per document.
#[derive(Debug)]
pub(super) struct DocInfo {
    pub(super) key: String,
    pub(super) title: String,
    /// The folded title words written together, to compare with the query.
    pub(super) title_compact: String,
    /// The folded title words, for autocomplete.
    pub(super) title_forms: Vec<String>,
}

/// A content item: the documents of its variants, by [`variant_slot`].
#[derive(Debug)]
pub(super) struct Item {
    pub(super) docs: [Option<u32>; 3],
}

/// The position of a variant in [`Item::docs`].
pub(super) fn variant_slot(variant: Variant) -> usize {
    match variant {
        Variant::German => 0,
        Variant::English => 1,
        Variant::EasyGerman => 2,
    }
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

    /// Adds the postings of one field and returns its length in forms.
    fn add_field(&mut self, doc: u32, field: u8, language: Language, text: &str) -> u32 {
        let mut ids = std::mem::take(&mut self.field_words);
        ids.clear();
        text::for_each_form(text, |form| ids.push(self.words.id(form)));
        ids.sort_unstable();

        for run in ids.chunk_by(|a, b| a == b) {
            let word = run[0];
            let tf = u16::try_from(run.len()).unwrap_or(u16::MAX);
            let posting = Posting { doc, field, tf };
            self.words.push(word, posting);
            let stems = match language {
                Language::German => &mut self.german_stems,
                Language::English => &mut self.english_stems,
            };
            stems.push(word, self.words.term(word), posting);
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
        apply_length_norms(&mut self.stats, &self.lengths);
        apply_tie_ranks(&mut self.stats, &self.docs);
        let known_german = known_german_words(&self.words, &self.stats);
        let titles = self.words.table_of_field(TITLE);
        let words = self.words.finish();
        let compound_parts = index_compound_parts(&words, &self.stats, &known_german);
        SearchIndex {
            stats: self.stats,
            docs: self.docs,
            items: self.items,
            words,
            german_stems: self.german_stems.terms.finish(),
            english_stems: self.english_stems.terms.finish(),
            compound_parts,
            titles,
            known_german,
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
    DocStats {
        kind,
        variant,
        item,
        boost,
        tie_rank: 0,
        title_head: title_head(title_compact),
        norms: [1.0; FIELD_COUNT],
    }
}

/// The first bytes of a folded text, zero-padded.
pub(super) fn title_head(compact: &str) -> [u8; TITLE_HEAD_BYTES] {
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
    }
}

fn apply_length_norms(stats: &mut [DocStats], lengths: &[[u32; FIELD_COUNT]]) {
    let count = f64::from(u32::try_from(lengths.len()).unwrap_or(u32::MAX)).max(1.0);
    for field in 0..FIELD_COUNT {
        let total: f64 = lengths.iter().map(|doc| f64::from(doc[field])).sum();
        let average = (total / count).max(1.0);
        let damping = f64::from(LENGTH_DAMPING[field]);
        for (doc, length) in stats.iter_mut().zip(lengths) {
            let relative = f64::from(length[field]) / average;
            doc.norms[field] = super::narrow(1.0 - damping + damping * relative);
        }
    }
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
    words
        .terms
        .iter()
        .zip(&words.postings)
        .filter(|(term, postings)| {
            usable(term) && postings.iter().any(|posting| is_german(stats, posting.doc))
        })
        .map(|(term, _)| term.clone())
        .collect()
}

/// Indexes, for every word of German documents that is a compound of known words, the
/// stems of its parts with the word's postings.
fn index_compound_parts(
    words: &TermTable,
    stats: &[DocStats],
    known: &HashSet<Box<str>>,
) -> TermTable {
    let stemmer = Language::German.stemmer();
    let is_known = |part: &str| known.contains(part);
    let mut parts = TermsBuilder::default();

    for id in 0..words.len() {
        let found = compound::parts_to_index(words.term(id), &is_known);
        if found.is_empty() {
            continue;
        }
        let german: Vec<Posting> = words
            .postings(id)
            .iter()
            .filter(|posting| is_german(stats, posting.doc))
            .copied()
            .collect();
        for part in found {
            let part_id = parts.id(&text::stem(&stemmer, part));
            for &posting in &german {
                parts.push(part_id, posting);
            }
        }
    }
    parts.finish()
}

/// Collects terms and their postings, with ids in order of first appearance.
#[derive(Default)]
struct TermsBuilder {
    ids: FastMap<Box<str>, u32>,
    terms: Vec<Box<str>>,
    postings: Vec<Vec<Posting>>,
}

impl TermsBuilder {
    fn id(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
        self.ids.insert(term.into(), id);
        self.terms.push(term.into());
        self.postings.push(Vec::new());
        id
    }

    fn term(&self, id: u32) -> &str {
        &self.terms[id as usize]
    }

    fn push(&mut self, id: u32, posting: Posting) {
        self.postings[id as usize].push(posting);
    }

    /// A table of the terms that occur in one field, with only those postings.
    fn table_of_field(&self, field: u8) -> TermTable {
        let entries = self
            .terms
            .iter()
            .zip(&self.postings)
            .map(|(term, postings)| {
                let in_field = postings.iter().filter(|posting| posting.field == field);
                (term.clone(), in_field.copied().collect())
            });
        TermTable::from_entries(entries.collect())
    }

    fn finish(self) -> TermTable {
        TermTable::from_entries(self.terms.into_iter().zip(self.postings).collect())
    }
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

    fn push(&mut self, word_id: u32, word: &str, posting: Posting) {
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
        self.terms.push(stem_id, posting);
    }
}

/// Sorts postings by document and field and adds up those of the same field.
fn merge_postings(mut postings: Vec<Posting>) -> Box<[Posting]> {
    postings.sort_unstable_by_key(|posting| (posting.doc, posting.field));
    let mut merged: Vec<Posting> = Vec::with_capacity(postings.len());
    for posting in postings {
        match merged.last_mut() {
            Some(last) if last.doc == posting.doc && last.field == posting.field => {
                last.tf = last.tf.saturating_add(posting.tf);
            }
            _ => merged.push(posting),
        }
    }
    merged.into_boxed_slice()
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

    fn table(terms: &[&str]) -> TermTable {
        let mut builder = TermsBuilder::default();
        for (doc, term) in (0..).zip(terms) {
            let id = builder.id(term);
            builder.push(
                id,
                Posting {
                    doc,
                    field: 0,
                    tf: 1,
                },
            );
        }
        builder.finish()
    }

    #[test]
    fn terms_are_sorted_for_lookup_and_prefix_ranges() {
        let table = table(&["hund", "amt", "hundesteuer", "hunger", "zoo"]);
        assert_eq!(table.find("hund"), Some(1));
        assert_eq!(table.find("hun"), None);
        let completions: Vec<&str> = table.with_prefix("hund").map(|id| table.term(id)).collect();
        assert_eq!(completions, ["hund", "hundesteuer"]);
        assert_eq!(table.starting_with_byte(b'h'), 1..4);
        assert!(table.with_prefix("zz").is_empty());
    }

    #[test]
    fn postings_of_the_same_document_and_field_are_merged() {
        let posting = |doc, field, tf| Posting { doc, field, tf };
        let merged = merge_postings(vec![posting(2, 0, 1), posting(1, 3, 2), posting(2, 0, 4)]);
        assert_eq!(&*merged, [posting(1, 3, 2), posting(2, 0, 5)]);
    }

    #[test]
    fn terms_and_stems_are_interned_once() {
        let mut stems = StemsBuilder::new(Language::German);
        stems.push(
            0,
            "hunde",
            Posting {
                doc: 0,
                field: 0,
                tf: 1,
            },
        );
        stems.push(
            1,
            "hund",
            Posting {
                doc: 0,
                field: 2,
                tf: 1,
            },
        );
        stems.push(
            0,
            "hunde",
            Posting {
                doc: 1,
                field: 0,
                tf: 1,
            },
        );
        let table = stems.terms.finish();
        assert_eq!(table.len(), 1);
        assert_eq!(table.term(0), "hund");
        assert_eq!(table.doc_freq(0), 2);
    }
}
