//! Full-text search over the published content, built for German.
//!
//! Every node keeps the whole index in memory and rebuilds it from the published
//! documents; a city has at most some ten thousand services plus offices, life situations
//! and news, so this takes well under a second and needs no search engine.
//!
//! **Text.** Documents and queries go through the same folding (see [`text`](self)):
//! lower case, letters with umlauts or other diacritics reduced to the base letter and
//! `ß` to `ss`, so "Straße" = "strasse" and "Führerschein" = "Fuhrerschein". Someone who
//! types "Fuehrerschein" gets the "ue" pairs folded too. Words are runs of letters and
//! digits; a hyphen joins parts ("Hunde-Steuer"), which are indexed on their own and
//! written together.
//!
//! **Postings.** Each document has four fields: title, keywords, summary and body. The
//! index keeps several term tables, each sorted for binary search and prefix ranges, and
//! each term with its postings (document, field, count) sorted by document:
//! the folded words as written; their Snowball stems, one table for German and
//! Leichte Sprache and one for English; the stems of the parts of German compounds; and
//! the title words for autocomplete.
//!
//! **Compounds.** After all documents are read, every German word is split, where it
//! can be, into words that occur on their own elsewhere in the content (at least three
//! letters, with linking elements such as the "e" in "Hund-e-steuer" allowed between
//! them). The stems of the parts, and of the parts' parts, are indexed with the
//! compound's postings, so "hund" finds "Hundesteuer" and "parkausweis" finds
//! "Bewohnerparkausweis". A query word that matches nothing is split the same way and
//! its parts searched together.
//!
//! **Matching a query word.** The word itself, its stems, the compounds it is a part of,
//! the words of a small synonym table, longer words starting with it (only for the word
//! being typed), and words one typo away (two for long words; same first letter, capped
//! in number). Each way has a weight below the exact word, and guesses never count as
//! rarer than the word itself.
//!
//! **Scoring.** BM25 per field with field weights (title over keywords over summary over
//! body), the best way of matching per query word, summed over the query words, scaled
//! by the share of query words matched, with bonuses when all match and when the title
//! is or begins with the query, times the document's boost. Documents of the wanted
//! variant count fully; German documents of the same items count less, so German words
//! work on the English portal. One hit per item, ties ordered by title and key.

mod compound;
mod fuzzy;
mod index;
mod query;
mod ranking;
mod suggest;
mod synonyms;
mod text;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fmt;

pub use query::{MAX_QUERY_CHARS, MAX_QUERY_TERMS, Query, parse_query};

use crate::model::{Kind, Variant};
use index::{DocInfo, DocStats, Item, TermTable};

/// One text variant of a content item, as handed to [`SearchIndex::build`].
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// What kind of item this is.
    pub kind: Kind,
    /// The item's key; documents of the same kind and key are variants of one item.
    pub key: String,
    /// The variant the texts are written in.
    pub variant: Variant,
    /// The title or name.
    pub title: String,
    /// Words people use for the item; weighted almost like the title.
    pub keywords: Vec<String>,
    /// A sentence or two.
    pub summary: String,
    /// The rest of the text, as plain text or Markdown.
    pub body: String,
    /// Multiplies the score, such as from popularity; 1.0 is neutral.
    pub boost: f32,
}

/// A search result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The position of the document in the slice given to [`SearchIndex::build`].
    pub doc: usize,
    /// How well it matches; only comparable within one search.
    pub score: f32,
}

/// The in-memory search index over all published documents.
pub struct SearchIndex {
    stats: Vec<DocStats>,
    docs: Vec<DocInfo>,
    items: Vec<Item>,
    words: TermTable,
    german_stems: TermTable,
    english_stems: TermTable,
    compound_parts: TermTable,
    titles: TermTable,
    /// German words that may be parts of a compound, for splitting query words.
    known_german: HashSet<Box<str>>,
}

impl SearchIndex {
    /// Builds the index. Documents are identified in hits by their position here.
    pub fn build(documents: &[Document]) -> SearchIndex {
        index::build(documents)
    }

    /// Searches, best hits first, at most `limit` and at most one per item (kind and key).
    ///
    /// For [`Variant::English`] and [`Variant::EasyGerman`], documents of that variant
    /// count fully and German documents of the same items count with a lower weight, so a
    /// German word typed on the English portal still finds the item. The hit then names
    /// the document in the wanted variant if the item has one. `kinds` empty means all
    /// kinds.
    pub fn search(&self, query: &str, variant: Variant, kinds: &[Kind], limit: usize) -> Vec<Hit> {
        self.search_parsed(&parse_query(query), variant, kinds, limit)
    }

    /// Like [`SearchIndex::search`] with a query parsed before.
    pub fn search_parsed(
        &self,
        query: &Query,
        variant: Variant,
        kinds: &[Kind],
        limit: usize,
    ) -> Vec<Hit> {
        ranking::search(self, query, ranking::Scope::new(variant, kinds), limit)
    }

    /// Autocomplete: up to `limit` titles of documents in `variant`, or in German where
    /// only that matches, each of whose typed words begins a word of the title (the last
    /// typed word may be partial), best first and without duplicates.
    pub fn suggest(&self, prefix: &str, variant: Variant, limit: usize) -> Vec<String> {
        suggest::suggest(self, prefix, variant, limit)
    }

    /// The number of documents indexed.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no document is indexed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

impl Default for SearchIndex {
    fn default() -> SearchIndex {
        SearchIndex::build(&[])
    }
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.docs.len())
            .field("items", &self.items.len())
            .field("words", &self.words.len())
            .field("compound_parts", &self.compound_parts.len())
            .finish_non_exhaustive()
    }
}

/// Narrows a computed score to the precision hits carry.
#[expect(
    clippy::cast_possible_truncation,
    reason = "ranking needs no more than single precision"
)]
fn narrow(value: f64) -> f32 {
    value as f32
}

/// A count as a float for ratios.
fn count(n: usize) -> f32 {
    narrow(f64::from(u32::try_from(n).unwrap_or(u32::MAX)))
}
