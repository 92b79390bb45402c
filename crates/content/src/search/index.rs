//! The structures of the index: term tables with their postings, and what is kept per
//! document and per item.

use std::ops::Range;

use super::fuzzy;
use crate::model::{Kind, Variant};

/// The number of indexed fields: title, keywords, summary and body, in this order.
pub(super) const FIELD_COUNT: usize = 4;

/// The number of distinct [`scope_key`]s.
pub(super) const SCOPE_KEYS: usize = Kind::ALL.len() * Variant::ALL.len();

/// How many bytes of the title [`DocStats::title_head`] holds.
pub(super) const TITLE_HEAD_BYTES: usize = 8;

/// A term in a document, with the part of the document's BM25 score that does not
/// depend on the query: the term frequency of each field, saturated and normalised by
/// the field's length, weighted by field and summed. Times the term's IDF, it is the
/// BM25 score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Posting {
    pub(super) doc: u32,
    pub(super) score: f32,
}

/// Terms sorted for binary search and prefix ranges, each with its postings sorted by
/// document.
#[derive(Debug, Default)]
pub(super) struct TermTable {
    terms: Vec<Box<str>>,
    postings: Vec<Box<[Posting]>>,
    doc_freq: Vec<u32>,
    /// The [`fuzzy::letter_signature`] of each term.
    signatures: Vec<u64>,
}

impl TermTable {
    /// A table of terms, in any order, with their postings sorted by document.
    pub(super) fn new(mut entries: Vec<(Box<str>, Box<[Posting]>)>) -> TermTable {
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));

        let mut table = TermTable::default();
        for (term, postings) in entries {
            table.signatures.push(fuzzy::letter_signature(&term));
            table.terms.push(term);
            table
                .doc_freq
                .push(u32::try_from(postings.len()).unwrap_or(u32::MAX));
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

    /// The letters of the term, see [`fuzzy::letter_signature`].
    pub(super) fn signature(&self, id: usize) -> u64 {
        self.signatures[id]
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
}

/// What ordering hits and autocomplete need per document.
#[derive(Debug)]
pub(super) struct DocInfo {
    pub(super) key: String,
    pub(super) title: String,
    /// The folded title words written together, to compare with the query.
    pub(super) title_compact: String,
    /// The folded title words, for autocomplete.
    pub(super) title_forms: Vec<String>,
    /// Each keyword phrase folded and written together, like the title, so that a query
    /// that is exactly one of them counts like one that is the title.
    pub(super) keyword_compacts: Vec<String>,
}

/// A content item: the documents of its variants, by [`variant_slot`].
#[derive(Debug)]
pub(super) struct Item {
    pub(super) docs: [Option<u32>; 3],
}

/// A number for the kind and variant of a document, below [`SCOPE_KEYS`], to look up
/// whether it is in the scope of a search.
pub(super) fn scope_key(kind: Kind, variant: Variant) -> u8 {
    let kind = Kind::ALL
        .iter()
        .position(|known| *known == kind)
        .unwrap_or(0);
    let key = kind * Variant::ALL.len() + variant_slot(variant);
    u8::try_from(key).unwrap_or(0)
}

/// The position of a variant in [`Item::docs`].
pub(super) fn variant_slot(variant: Variant) -> usize {
    match variant {
        Variant::German => 0,
        Variant::English => 1,
        Variant::EasyGerman => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(terms: &[&str]) -> TermTable {
        let posting = |doc| Box::from([Posting { doc, score: 1.0 }]);
        TermTable::new(
            (0..)
                .zip(terms)
                .map(|(doc, term)| (Box::from(*term), posting(doc)))
                .collect(),
        )
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
        assert_eq!(table.doc_freq(0), 1);
    }

    #[test]
    fn scope_keys_are_distinct_and_in_range() {
        let mut keys: Vec<u8> = Kind::ALL
            .iter()
            .flat_map(|&kind| {
                Variant::ALL
                    .iter()
                    .map(move |&variant| scope_key(kind, variant))
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SCOPE_KEYS);
        assert!(keys.iter().all(|&key| usize::from(key) < SCOPE_KEYS));
    }
}
