//! From text to index words: folding, tokenising, stop words and stemming.
//!
//! Folding is one scheme used for documents and queries alike: lower case, every Latin
//! letter with a diacritic reduced to its base letter (`ä` → `a`, `é` → `e`), `ß` → `ss`,
//! ligatures spelled out (`æ` → `ae`). So "Straße", "Strasse" and "STRASSE" are the same
//! word, and so are "Führerschein" and "Fuhrerschein". The transliteration `ue` for `ü`
//! is not folded here; the query side looks that spelling up separately.

use rust_stemmers::{Algorithm, Stemmer};

use crate::model::Variant;

/// The longest word kept, in bytes of its folded form. Longer runs of letters are codes,
/// hashes or garbage that nobody searches for.
pub(super) const MAX_WORD_BYTES: usize = 48;

/// The language rules a text is analysed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Language {
    /// German and Leichte Sprache.
    German,
    /// English.
    English,
}

impl Language {
    /// The language of a content variant.
    pub(super) fn of(variant: Variant) -> Language {
        match variant {
            Variant::German | Variant::EasyGerman => Language::German,
            Variant::English => Language::English,
        }
    }

    /// The Snowball stemmer of the language.
    pub(super) fn stemmer(self) -> Stemmer {
        match self {
            Language::German => Stemmer::create(Algorithm::German),
            Language::English => Stemmer::create(Algorithm::English),
        }
    }
}

/// A word of a text. Words joined by hyphens, such as "Hunde-Steuer", stay together as
/// the parts of one word, so that both the parts and the joined form can be indexed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Word {
    /// The folded parts; one for a plain word.
    pub(super) parts: Vec<String>,
}

impl Word {
    /// The parts written together: "hundesteuer" for "Hunde-Steuer".
    pub(super) fn joined(&self) -> String {
        self.parts.concat()
    }

    /// The forms to index: every part and, for a hyphenated word, the joined form too.
    pub(super) fn forms(&self) -> Vec<String> {
        let mut forms = self.parts.clone();
        if self.parts.len() > 1 {
            let joined = self.joined();
            if joined.len() <= MAX_WORD_BYTES {
                forms.push(joined);
            }
        }
        forms
    }
}

/// Splits a text into folded words. Anything that is not a letter or digit separates
/// words, except a hyphen between two letters, which joins the parts of a compound.
pub(super) fn words(text: &str) -> Vec<Word> {
    let mut collector = WordCollector::default();
    tokenize(text, &mut collector);
    collector.words
}

/// Calls `each` with every form of every word of a text, as [`Word::forms`] would list
/// them, without building the words.
pub(super) fn for_each_form(text: &str, each: impl FnMut(&str)) {
    tokenize(text, &mut FormSink(each));
}

/// Folds a whole text, keeping everything that is not a letter as it is.
#[cfg(test)]
pub(super) fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(c, &mut folded);
    }
    folded
}

/// Whether a folded word carries no meaning of its own in German or English.
pub(super) fn is_stop_word(word: &str) -> bool {
    GERMAN_STOP_WORDS.binary_search(&word).is_ok()
        || ENGLISH_STOP_WORDS.binary_search(&word).is_ok()
}

/// The stem of a folded word.
pub(super) fn stem(stemmer: &Stemmer, word: &str) -> String {
    stemmer.stem(word).into_owned()
}

/// Receives the pieces of a text as the tokeniser finds them.
trait Sink {
    /// A part of a word (the whole word unless it is hyphenated).
    fn part(&mut self, part: &str);
    /// The end of a word of `parts` parts, written together as `joined`.
    fn word_end(&mut self, joined: &str, parts: usize);
}

fn tokenize(text: &str, sink: &mut impl Sink) {
    let mut tokenizer = Tokenizer::default();
    for c in text.chars() {
        tokenizer.push(c, sink);
    }
    tokenizer.end_part(sink);
    tokenizer.end_word(sink);
}

/// The state of splitting a text, with buffers that are reused from word to word.
#[derive(Default)]
struct Tokenizer {
    part: String,
    joined: String,
    parts: usize,
}

impl Tokenizer {
    fn push(&mut self, c: char, sink: &mut impl Sink) {
        if c.is_alphanumeric() {
            push_folded(c, &mut self.part);
        } else if is_invisible(c) {
            // Combining marks and soft hyphens belong to the word they stand in.
        } else if is_hyphen(c) && !self.part.is_empty() {
            self.end_part(sink);
        } else {
            self.end_part(sink);
            self.end_word(sink);
        }
    }

    fn end_part(&mut self, sink: &mut impl Sink) {
        if !self.part.is_empty() && self.part.len() <= MAX_WORD_BYTES {
            sink.part(&self.part);
            self.joined.push_str(&self.part);
            self.parts += 1;
        }
        self.part.clear();
    }

    fn end_word(&mut self, sink: &mut impl Sink) {
        if self.parts > 0 {
            sink.word_end(&self.joined, self.parts);
        }
        self.joined.clear();
        self.parts = 0;
    }
}

#[derive(Default)]
struct WordCollector {
    words: Vec<Word>,
    parts: Vec<String>,
}

impl Sink for WordCollector {
    fn part(&mut self, part: &str) {
        self.parts.push(part.to_owned());
    }

    fn word_end(&mut self, _joined: &str, _parts: usize) {
        let parts = std::mem::take(&mut self.parts);
        self.words.push(Word { parts });
    }
}

struct FormSink<F>(F);

impl<F: FnMut(&str)> Sink for FormSink<F> {
    fn part(&mut self, part: &str) {
        (self.0)(part);
    }

    fn word_end(&mut self, joined: &str, parts: usize) {
        if parts > 1 && joined.len() <= MAX_WORD_BYTES {
            (self.0)(joined);
        }
    }
}

/// Hyphens and the middle dot that Leichte Sprache uses to show the parts of a compound.
fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{00b7}')
}

/// Characters that never split a word: combining diacritics (as in a decomposed "ü"),
/// the soft hyphen and the zero-width joiners.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036f}' | '\u{00ad}' | '\u{200c}' | '\u{200d}'
    )
}

fn push_folded(c: char, out: &mut String) {
    for lower in c.to_lowercase() {
        if is_invisible(lower) {
            continue;
        }
        match fold_latin(lower) {
            Some(base) => out.push_str(base),
            None => out.push(lower),
        }
    }
}

/// The base letters of a lower-case Latin letter with a diacritic or a ligature.
fn fold_latin(c: char) -> Option<&'static str> {
    let base = match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    };
    Some(base)
}

/// German function words, folded and sorted for binary search.
const GERMAN_STOP_WORDS: &[&str] = &[
    "aber", "alle", "als", "also", "am", "an", "auch", "auf", "aus", "bei", "bin", "bis", "da",
    "das", "dass", "dem", "den", "der", "des", "die", "dies", "diese", "dir", "du", "ein", "eine",
    "einem", "einen", "einer", "eines", "er", "es", "fur", "hat", "ich", "ihr", "ihre", "im", "in",
    "ist", "ja", "kann", "man", "mein", "meine", "mit", "muss", "nach", "noch", "nur", "ob",
    "oder", "sich", "sie", "sind", "so", "uber", "um", "und", "uns", "vom", "von", "vor", "was",
    "wenn", "wer", "wie", "wir", "wird", "wo", "zu", "zum", "zur",
];

/// English function words, folded and sorted for binary search.
const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "by", "can", "do", "for", "from", "how",
    "i", "if", "in", "is", "it", "me", "my", "of", "on", "or", "our", "that", "the", "their",
    "this", "to", "we", "what", "when", "where", "which", "who", "with", "you", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Vec<String> {
        words(text).iter().flat_map(Word::forms).collect()
    }

    #[test]
    fn folding_lowercases_and_removes_umlauts_and_diacritics() {
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("STRASSE"), "strasse");
        assert_eq!(fold("Führerschein"), "fuhrerschein");
        assert_eq!(fold("Fuhrerschein"), "fuhrerschein");
        assert_eq!(fold("Ärger Öl Übung"), "arger ol ubung");
        assert_eq!(fold("Café Crème, Łódź, Œuvre"), "cafe creme, lodz, oeuvre");
    }

    #[test]
    fn decomposed_umlauts_fold_like_composed_ones() {
        assert_eq!(plain("Fu\u{0308}hrerschein"), ["fuhrerschein"]);
    }

    #[test]
    fn hyphens_split_words_and_keep_the_joined_form() {
        assert_eq!(plain("Hunde-Steuer"), ["hunde", "steuer", "hundesteuer"]);
        assert_eq!(plain("Hunde·steuer"), ["hunde", "steuer", "hundesteuer"]);
        assert_eq!(
            plain("Hunde- und Katzensteuer"),
            ["hunde", "und", "katzensteuer"]
        );
        assert_eq!(plain("-Steuer-"), ["steuer"]);
    }

    #[test]
    fn punctuation_control_characters_and_emoji_separate_words() {
        assert_eq!(plain("Kita/Hort\u{0}(neu)🐕!"), ["kita", "hort", "neu"]);
        assert!(plain("!!! ??? 🎉").is_empty());
    }

    #[test]
    fn forms_can_be_listed_without_building_words() {
        let text = "Die Hunde-Steuer, ein Über·blick";
        let mut forms = Vec::new();
        for_each_form(text, |form| forms.push(form.to_owned()));
        assert_eq!(forms, plain(text));
    }

    #[test]
    fn overlong_runs_are_dropped() {
        let long = "a".repeat(MAX_WORD_BYTES + 1);
        assert_eq!(plain(&format!("{long} amt")), ["amt"]);
    }

    #[test]
    fn stop_words_of_both_languages_are_recognised() {
        assert!(is_stop_word("die"));
        assert!(is_stop_word("fur"));
        assert!(is_stop_word("the"));
        assert!(!is_stop_word("hund"));
        assert!(!is_stop_word("register"));
    }

    #[test]
    fn stop_word_lists_are_sorted_for_binary_search() {
        assert!(GERMAN_STOP_WORDS.is_sorted());
        assert!(ENGLISH_STOP_WORDS.is_sorted());
    }

    #[test]
    fn stemming_follows_the_language() {
        let german = Language::German.stemmer();
        assert_eq!(stem(&german, "anmeldung"), stem(&german, "anmelden"));
        assert_eq!(stem(&german, "hunde"), "hund");
        let english = Language::English.stemmer();
        assert_eq!(stem(&english, "registering"), stem(&english, "registered"));
    }
}
