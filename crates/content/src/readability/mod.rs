//! Readability advice for editors: scores for German texts and checks for Leichte Sprache.
//!
//! While an editor writes, the staff portal shows how hard a text is to read and points at
//! what may make it harder. Everything here is advice, never a gate: the formulas see only
//! surface features (sentence length, syllables, word length), and the checks are
//! heuristics that can be wrong both ways. `docs/readability.md` explains the scores and
//! checks for editors.
//!
//! - **Flesch-Amstad** (Flesch Reading Ease adapted to German by Toni Amstad):
//!   `180 − ASL − 58.5 × ASW`, where ASL is the mean sentence length in words and ASW the
//!   mean number of syllables per word. About 0 (very hard) to 100 (very easy); the value
//!   is not clamped. See [`Band`] for the bands.
//! - **Wiener Sachtextformel** (first form, WSTF1, by Bamberger and Vanecek): roughly the
//!   school grade a reader needs, `0.1935·MS + 0.1672·SL + 0.1297·IW − 0.0327·ES − 0.875`
//!   with MS the percentage of words of three or more syllables, SL the mean sentence
//!   length, IW the percentage of words of *more than* six letters (some implementations
//!   take six or more) and ES the percentage of one-syllable words. The formula is defined
//!   for grades 4 to 15, so the result is clamped to that range.
//!
//! Both formulas are made for German; for English texts the counts and the long-sentence
//! and long-word findings are given, but no scores.
//!
//! What counts: a *word* is a run of letters and digits, joined by hyphens, Mediopunkt or
//! apostrophes ("E-Mail-Adresse" is one word). A *number* in digits ("46", "27,60",
//! "1.000") is one word of one syllable and no letters: digits are read at a glance, which
//! is why Leichte Sprache prefers them. An abbreviation counts as written ("z. B." is two
//! words of one syllable each). Syllables are counted by rule, without a dictionary; the
//! `syllables` module lists the rules and their known miscounts. A sentence ends at `.`,
//! `!`, `?` or `…`, but not after an abbreviation ("z. B.", "usw.", "Nr.") or an ordinal
//! ("am 3. Oktober"), and headings, list items and table cells are sentences of their own
//! (the `text` module has the details).

mod easy;
mod syllables;
mod text;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::model::Variant;
use text::{Block, Token, TokenKind};

/// The limits behind the findings. The defaults suit service texts; in configuration, a
/// limit left out keeps its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadabilitySettings {
    /// A sentence of German or English with more words than this is long. Default 15.
    pub max_sentence_words: usize,
    /// A sentence of Leichte Sprache with more words than this is long. Default 10.
    pub max_sentence_words_easy: usize,
    /// A word (or a hyphenated part of one) with more letters than this is long. Default 15:
    /// "Personalausweis" (15) passes, "Hundesteuermarke" (16) is long. Few German words
    /// pass that length without being compounds or legal terms.
    pub long_word_letters: usize,
    /// In Leichte Sprache, a capitalised word of more letters than this, written without a
    /// hyphen or Mediopunkt, is a compound to split ("Personalausweis" →
    /// "Personal-Ausweis"). Default 10, so "Bürgerbüro" (10) passes: Leichte Sprache splits
    /// short compounds too, but without a dictionary a lower limit would flag too many
    /// words that are not compounds.
    pub max_compound_letters_easy: usize,
}

impl Default for ReadabilitySettings {
    fn default() -> Self {
        ReadabilitySettings {
            max_sentence_words: 15,
            max_sentence_words_easy: 10,
            long_word_letters: 15,
            max_compound_letters_easy: 10,
        }
    }
}

/// What [`analyse`] found in a text.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// The number of sentences, headings, list items and table cells with at least one word.
    pub sentences: usize,
    /// The number of words, numbers in digits included.
    pub words: usize,
    /// The number of syllables of all words.
    pub syllables: usize,
    /// The Flesch-Amstad score; `None` for a text without words or in English.
    pub flesch_amstad: Option<f64>,
    /// The Wiener Sachtextformel (WSTF1), clamped to 4..=15; `None` as for Flesch-Amstad.
    pub wiener_sachtextformel: Option<f64>,
    /// The band of the Flesch-Amstad score.
    pub band: Option<Band>,
    /// Sentences with more words than the settings allow for the variant.
    pub long_sentences: Vec<Finding>,
    /// Words with more letters than the settings allow.
    pub long_words: Vec<Finding>,
    /// What the Leichte-Sprache checks found, in text order; empty for other variants.
    pub easy_language: Vec<Finding>,
}

/// A place in the text that a piece of advice is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which advice applies.
    pub rule: Rule,
    /// The sentence, words or word concerned, as plain text without markup.
    pub excerpt: String,
    /// Where the excerpt starts, as a byte offset into the Markdown given to [`analyse`].
    pub start: usize,
    /// Where the excerpt ends, as a byte offset into the Markdown given to [`analyse`]:
    /// `&text[start..end]` is the excerpt as written, markup included. Both offsets lie on
    /// character boundaries.
    pub end: usize,
}

/// The kinds of advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A sentence longer than the limit of its variant.
    LongSentence,
    /// A word longer than the limit.
    LongWord,
    /// Leichte Sprache: a sentence that seems to say more than one thing. Flagged when it
    /// holds a subordinating conjunction that always starts a clause ("weil", "dass",
    /// "wenn", "obwohl", "falls", "nachdem", "sobald", "bevor", "ob" …), a comma followed by
    /// a word that starts a clause after a comma ("damit", "da", "denn", "um", "deren",
    /// "welche", "wo" …; "damit" and "da" alone are often adverbs), or a semicolon. "und"
    /// between two main clauses is not detected.
    SeveralStatements,
    /// Leichte Sprache: a form of "werden" ("wird", "wurden", "worden" …) with a past
    /// participle in the same sentence ("ge…t", "ge…en", "ver…t", "ab·ge…t", "…iert"). The
    /// participle must be written in lower case, which keeps nouns like "Geschäft" out;
    /// infinitives such as "geben" or "gelten" are excluded, so "wird … gelten" (future)
    /// is not flagged. The state passive ("ist geöffnet") is not detected.
    Passive,
    /// Leichte Sprache: a negation ("nicht", "kein", "nie", "nichts", "niemand" …).
    Negation,
    /// Leichte Sprache: a number written as a word ("drei", "zwölf", "zweihundert").
    NumberAsWord,
    /// Leichte Sprache: an exact number that may not be needed: a decimal fraction
    /// ("27,60") or a number with thousands separators that is not a round hundred
    /// ("1.250"). Years, postcodes and times are not flagged.
    ExactNumber,
    /// Leichte Sprache: a long capitalised word without hyphen or Mediopunkt, probably a
    /// compound. The first word of a sentence is not checked, since it is capitalised
    /// whatever it is; an ending that makes a noun ("-ung", "-heit", "-keit", "-schaft",
    /// "-nis", "-tion") does not count toward the length. Names ("Musterstadt") are
    /// flagged too.
    LongCompound,
    /// Leichte Sprache: a subjunctive ("würde", "könnte", "hätte", "wäre", "müsste",
    /// "dürfte"). "sollte" and "möchte" are left out: one is also past tense, the other a
    /// common polite form.
    Subjunctive,
    /// Leichte Sprache: the article "des", which is always genitive. Other genitives are
    /// not detected.
    Genitive,
    /// Leichte Sprache: an abbreviation with a full stop ("z. B.", "usw.", "Nr.").
    Abbreviation,
    /// Leichte Sprache: a line (paragraph, list item) with more than one sentence.
    SeveralSentencesPerLine,
}

impl Rule {
    /// A stable name for the interface and the API, such as `long-sentence`.
    pub fn key(self) -> &'static str {
        match self {
            Rule::LongSentence => "long-sentence",
            Rule::LongWord => "long-word",
            Rule::SeveralStatements => "several-statements",
            Rule::Passive => "passive",
            Rule::Negation => "negation",
            Rule::NumberAsWord => "number-as-word",
            Rule::ExactNumber => "exact-number",
            Rule::LongCompound => "long-compound",
            Rule::Subjunctive => "subjunctive",
            Rule::Genitive => "genitive",
            Rule::Abbreviation => "abbreviation",
            Rule::SeveralSentencesPerLine => "several-sentences-per-line",
        }
    }

    /// The advice shown to the editor, in English for [`Variant::English`] and in German
    /// otherwise.
    pub fn explanation(self, language: Variant) -> &'static str {
        let (german, english) = self.explanations();
        match language {
            Variant::English => english,
            Variant::German | Variant::EasyGerman => german,
        }
    }

    fn explanations(self) -> (&'static str, &'static str) {
        match self {
            Rule::LongSentence => (
                "Dieser Satz ist lang. Kurze Sätze lesen sich leichter: Lässt er sich in zwei \
                 oder mehr Sätze teilen?",
                "This sentence is long. Short sentences are easier to read: can you split it \
                 into two or more?",
            ),
            Rule::LongWord => (
                "Dieses Wort ist sehr lang. Gibt es ein kürzeres, oder lässt es sich anders \
                 sagen?",
                "This word is very long. Is there a shorter one, or another way to say it?",
            ),
            Rule::SeveralStatements => (
                "In Leichter Sprache sagt jeder Satz nur eine Sache. Nebensätze (mit „weil“, \
                 „wenn“, „dass“ …) und Sätze mit Semikolon werden oft besser zu zwei Sätzen.",
                "In Leichte Sprache each sentence says one thing. Subordinate clauses (with \
                 „weil“, „wenn“, „dass“ …) and sentences with a semicolon often read better as \
                 two sentences.",
            ),
            Rule::Passive => (
                "Das sieht nach Passiv aus. Leichte Sprache sagt, wer etwas tut: „Wir schicken \
                 Ihnen den Brief.“ statt „Der Brief wird geschickt.“",
                "This looks like the passive voice. Leichte Sprache says who does what: „Wir \
                 schicken Ihnen den Brief.“ rather than „Der Brief wird geschickt.“",
            ),
            Rule::Negation => (
                "Verneinungen werden leicht überlesen. Sagen Sie es positiv, wo das geht. Ist \
                 die Verneinung nötig, heben Sie sie hervor.",
                "Negations are easily overlooked. Say it positively where you can. If the \
                 negation is needed, make it stand out.",
            ),
            Rule::NumberAsWord => (
                "Schreiben Sie Zahlen als Ziffern: „3 Wochen“ statt „drei Wochen“.",
                "Write numbers as digits: „3 Wochen“ rather than „drei Wochen“.",
            ),
            Rule::ExactNumber => (
                "Genaue Zahlen sind schwer zu lesen. Ist die genaue Zahl nötig? Sonst runden \
                 Sie: „mehr als 1.000“. Beträge lassen sich als „27 Euro und 60 Cent“ schreiben.",
                "Exact numbers are hard to read. Is the exact number needed? If not, round it: \
                 „mehr als 1.000“. Amounts can be written as „27 Euro und 60 Cent“.",
            ),
            Rule::LongCompound => (
                "Trennen Sie lange zusammengesetzte Wörter mit Bindestrich oder Mediopunkt: \
                 „Personal-Ausweis“ oder „Personal·ausweis“. Ist das Wort nicht \
                 zusammengesetzt, gibt es vielleicht ein kürzeres.",
                "Split long compound words with a hyphen or a Mediopunkt: „Personal-Ausweis“ \
                 or „Personal·ausweis“. If the word is not a compound, there may be a shorter \
                 one.",
            ),
            Rule::Subjunctive => (
                "Leichte Sprache vermeidet den Konjunktiv („würde“, „könnte“, „hätte“). \
                 Sagen Sie direkt, was gilt oder was die Leserin oder der Leser tun kann.",
                "Leichte Sprache avoids the subjunctive („würde“, „könnte“, „hätte“). Say \
                 directly what applies or what the reader can do.",
            ),
            Rule::Genitive => (
                "Leichte Sprache vermeidet den Genitiv. Schreiben Sie „von dem“: „die Adresse \
                 von dem Amt“ statt „die Adresse des Amtes“.",
                "Leichte Sprache avoids the genitive. Write „von dem“: „die Adresse von dem \
                 Amt“ rather than „die Adresse des Amtes“.",
            ),
            Rule::Abbreviation => (
                "Abkürzungen sind schwer zu lesen. Schreiben Sie das Wort aus: „zum Beispiel“ \
                 statt „z. B.“.",
                "Abbreviations are hard to read. Write the words out: „zum Beispiel“ rather \
                 than „z. B.“.",
            ),
            Rule::SeveralSentencesPerLine => (
                "In Leichter Sprache steht jeder Satz in einer eigenen Zeile. Trennen Sie die \
                 Sätze mit einer Leerzeile.",
                "In Leichte Sprache each sentence stands on a line of its own. Separate the \
                 sentences with an empty line.",
            ),
        }
    }
}

/// How hard a text is to read by its Flesch-Amstad score. A score on a boundary belongs to
/// the harder band: 30 is very difficult, 30.1 difficult, 90 easy, 90.1 very easy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Band {
    /// 30 or less; academic texts.
    VeryDifficult,
    /// More than 30, up to 50.
    Difficult,
    /// More than 50, up to 60.
    FairlyDifficult,
    /// More than 60, up to 70.
    Medium,
    /// More than 70, up to 80.
    FairlyEasy,
    /// More than 80, up to 90.
    Easy,
    /// More than 90.
    VeryEasy,
}

impl Band {
    /// The band of a Flesch-Amstad score.
    pub fn of(flesch_amstad: f64) -> Band {
        match flesch_amstad {
            score if score <= 30.0 => Band::VeryDifficult,
            score if score <= 50.0 => Band::Difficult,
            score if score <= 60.0 => Band::FairlyDifficult,
            score if score <= 70.0 => Band::Medium,
            score if score <= 80.0 => Band::FairlyEasy,
            score if score <= 90.0 => Band::Easy,
            _ => Band::VeryEasy,
        }
    }

    /// A stable name for the interface and the API, such as `fairly-difficult`.
    pub fn key(self) -> &'static str {
        match self {
            Band::VeryDifficult => "very-difficult",
            Band::Difficult => "difficult",
            Band::FairlyDifficult => "fairly-difficult",
            Band::Medium => "medium",
            Band::FairlyEasy => "fairly-easy",
            Band::Easy => "easy",
            Band::VeryEasy => "very-easy",
        }
    }

    /// The name shown to the editor, in English for [`Variant::English`] and in German
    /// otherwise.
    pub fn label(self, language: Variant) -> &'static str {
        let (german, english) = match self {
            Band::VeryDifficult => ("sehr schwer", "very difficult"),
            Band::Difficult => ("schwer", "difficult"),
            Band::FairlyDifficult => ("mittelschwer", "fairly difficult"),
            Band::Medium => ("mittel", "medium"),
            Band::FairlyEasy => ("mittelleicht", "fairly easy"),
            Band::Easy => ("leicht", "easy"),
            Band::VeryEasy => ("sehr leicht", "very easy"),
        };
        match language {
            Variant::English => english,
            Variant::German | Variant::EasyGerman => german,
        }
    }
}

/// Analyses `text`, Markdown of the subset in [`crate::markdown`], written in `variant`.
pub fn analyse(text: &str, variant: Variant, settings: &ReadabilitySettings) -> Analysis {
    let sentence_limit = match variant {
        Variant::EasyGerman => settings.max_sentence_words_easy,
        Variant::German | Variant::English => settings.max_sentence_words,
    };
    let mut counts = Counts::default();
    let mut analysis = Analysis::default();

    for block in text::blocks(text) {
        let tokens = text::tokens(&block.text);
        let sentences = text::sentences(&block.text, &tokens);

        for range in &sentences {
            let sentence = Sentence {
                block: &block,
                tokens: &tokens[range.clone()],
            };
            counts.add(&sentence);
            if sentence.words().count() > sentence_limit {
                analysis
                    .long_sentences
                    .push(sentence.finding(Rule::LongSentence, sentence.range()));
            }
            for word in sentence.words() {
                if is_long_word(sentence.text(word), settings) {
                    analysis
                        .long_words
                        .push(sentence.finding(Rule::LongWord, word.range.clone()));
                }
            }
            if variant == Variant::EasyGerman {
                easy::check(&sentence, settings, &mut analysis.easy_language);
            }
        }

        if variant == Variant::EasyGerman && sentences.len() > 1 {
            let whole = Sentence {
                block: &block,
                tokens: &tokens,
            };
            analysis
                .easy_language
                .push(whole.finding(Rule::SeveralSentencesPerLine, whole.range()));
        }
    }

    analysis
        .easy_language
        .sort_by_key(|finding| (finding.start, finding.end));
    analysis.sentences = counts.sentences;
    analysis.words = counts.words;
    analysis.syllables = counts.syllables;
    if counts.words > 0 && variant != Variant::English {
        let flesch_amstad = counts.flesch_amstad();
        analysis.flesch_amstad = Some(flesch_amstad);
        analysis.band = Some(Band::of(flesch_amstad));
        analysis.wiener_sachtextformel = Some(counts.wiener_sachtextformel());
    }

    analysis
}

/// Whether a word, or one of its hyphenated parts, has more letters than the limit.
fn is_long_word(word: &str, settings: &ReadabilitySettings) -> bool {
    word.split(text::is_joiner)
        .any(|part| syllables::letters(part) > settings.long_word_letters)
}

/// The tokens of one sentence within its block.
struct Sentence<'a> {
    block: &'a Block,
    /// Never empty: every sentence has a word.
    tokens: &'a [Token],
}

impl<'a> Sentence<'a> {
    /// The words and numbers of the sentence.
    fn words(&self) -> impl Iterator<Item = &'a Token> + use<'a> {
        self.tokens.iter().filter(|token| token.is_word())
    }

    /// The text of a token of this sentence.
    fn text(&self, token: &Token) -> &'a str {
        &self.block.text[token.range.clone()]
    }

    /// The sentence's place in the block's text.
    fn range(&self) -> Range<usize> {
        let start = self.tokens.first().map_or(0, |token| token.range.start);
        let end = self.tokens.last().map_or(start, |token| token.range.end);
        start..end
    }

    /// A finding about `range` of the block's text.
    fn finding(&self, rule: Rule, range: Range<usize>) -> Finding {
        let source = self.block.source_range(&range);
        Finding {
            rule,
            excerpt: self.block.text[range].to_owned(),
            start: source.start,
            end: source.end,
        }
    }
}

/// The counts behind the formulas.
#[derive(Debug, Default)]
struct Counts {
    sentences: usize,
    words: usize,
    syllables: usize,
    /// Words of three or more syllables (MS in the Wiener Sachtextformel).
    polysyllabic: usize,
    /// Words of more than six letters (IW).
    long: usize,
    /// Words of one syllable (ES).
    monosyllabic: usize,
}

impl Counts {
    fn add(&mut self, sentence: &Sentence<'_>) {
        self.sentences += 1;
        for word in sentence.words() {
            let (syllables, letters) = match word.kind {
                TokenKind::Word => {
                    let text = sentence.text(word);
                    (syllables::syllables(text), syllables::letters(text))
                }
                TokenKind::Number | TokenKind::Mark(_) => (1, 0),
            };
            self.words += 1;
            self.syllables += syllables;
            self.polysyllabic += usize::from(syllables >= 3);
            self.monosyllabic += usize::from(syllables == 1);
            self.long += usize::from(letters > 6);
        }
    }

    /// `180 − ASL − 58.5 × ASW`.
    fn flesch_amstad(&self) -> f64 {
        let words = float(self.words);
        180.0 - words / float(self.sentences) - 58.5 * float(self.syllables) / words
    }

    /// WSTF1, clamped to the grades 4 to 15 it is defined for.
    fn wiener_sachtextformel(&self) -> f64 {
        let words = float(self.words);
        let percent = |count: usize| 100.0 * float(count) / words;
        let grade = 0.1935 * percent(self.polysyllabic)
            + 0.1672 * (words / float(self.sentences))
            + 0.1297 * percent(self.long)
            - 0.0327 * percent(self.monosyllabic)
            - 0.875;
        grade.clamp(4.0, 15.0)
    }
}

/// A count as a float; counts of words in a text stay far below 2³², where this is exact.
fn float(count: usize) -> f64 {
    f64::from(u32::try_from(count).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests;
