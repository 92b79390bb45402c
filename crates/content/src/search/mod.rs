//! Full-text search over the published content, built for German.
//!
//! Every node keeps the whole index in memory and rebuilds it from the published
//! documents. A city has at most some ten thousand services plus offices, life
//! situations and news; for that, building takes about a second and a query a few
//! milliseconds, without a search engine.
//!
//! **Text.** Documents and queries are folded the same way (see the `text` module):
//! lower case, letters with umlauts or other diacritics reduced to their base letter,
//! `ß` to `ss`. So "Straße", "Strasse" and "strasse" are one word, and "Führerschein"
//! and "Fuhrerschein" too; a query typed with "ue" for "ü" is also looked up with the
//! pair folded. Words are runs of letters and digits. A hyphen joins parts: "Hunde-Steuer"
//! is indexed as "hunde", "steuer" and "hundesteuer".
//!
//! **Postings.** Each document has four fields: title, keywords, summary and body. The
//! index keeps term tables sorted for binary search and prefix ranges: the words as
//! written; their Snowball stems, one table for German and Leichte Sprache and one for
//! English; the stems of the parts of German compounds; and the title words for
//! autocomplete. Each term lists the documents it occurs in, with the part of its BM25
//! score that does not depend on the query (saturated term frequency per field,
//! normalised by field length, weighted by field and summed) worked out when building.
//! A query then only multiplies and adds.
//!
//! **Compounds.** Once all documents are read, every German word is split where it can
//! be into words that occur on their own in German content (at least three letters,
//! with linking elements such as the "e" in "Hund-e-steuer" allowed between them). The
//! stems of the parts, and of the parts' own parts, are indexed for the compound, so
//! "hund" finds "Hundesteuer" and "parkausweis" finds "Bewohnerparkausweis". A query
//! word that matches nothing is split the same way and its parts are searched together.
//!
//! **Matching a query word.** The word itself, its stems, the compounds it is part of,
//! the words of a small synonym table, longer words that start with it (only the word
//! being typed) and words within one typo (two for long words). A word the index knows is
//! taken as meant, not as a typo: "anmelden" does not also find "abmelden". Typos are
//! looked for only among words with the same first letter and a similar length, after a
//! cheap test of their letters, and only the closest few are kept. Each way counts less
//! than the word itself, and no guess counts as rarer than the word typed.
//!
//! **Scoring.** Per query word the best way of matching counts; the query words' scores
//! are added, scaled by the square of the share of query words matched (a bonus when all
//! match), with bonuses when the title or one of the keywords is the query or the title
//! begins with it, and multiplied by the document's boost (the catalog derives it from
//! how much a service is used). Documents of the wanted variant count fully and German documents of the same
//! items less, so German words work on the English portal. One hit per item; equal
//! scores are ordered by title and key.

mod accumulator;
mod build;
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
    /// Per document, its [`index::scope_key`].
    scope_keys: Vec<u8>,
    /// Per document, what scoring needs.
    stats: Vec<DocStats>,
    /// Per document, what ordering and autocomplete need.
    docs: Vec<DocInfo>,
    /// Per item (kind and key), its documents.
    items: Vec<Item>,
    /// The folded words as written.
    words: TermTable,
    /// The stems of the words of German and Leichte Sprache documents.
    german_stems: TermTable,
    /// The stems of the words of English documents.
    english_stems: TermTable,
    /// The stems of the parts of compounds in German and Leichte Sprache documents.
    compound_parts: TermTable,
    /// The words of titles, for autocomplete.
    titles: TermTable,
    /// German words that may be parts of a compound, for splitting query words.
    known_german: HashSet<Box<str>>,
}

impl SearchIndex {
    /// Builds the index. Documents are identified in hits by their position here.
    pub fn build(documents: &[Document]) -> SearchIndex {
        build::build(documents)
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
