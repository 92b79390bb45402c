//! The checks for Leichte Sprache that a program can make.
//!
//! Leichte Sprache has rules (BITV 2.0, Netzwerk Leichte Sprache, DIN SPEC 33429) of which
//! only some show in the surface of a text. The checks here look at single words and at
//! simple patterns; they are conservative, preferring to miss a case over flagging a good
//! sentence, and they are advice for the editor. Each [`Rule`] says what its check looks
//! for and what it misses.

use std::ops::Range;

use super::syllables::letters;
use super::text::{self, Token, TokenKind};
use super::{Finding, ReadabilitySettings, Rule, Sentence};

/// Conjunctions that always start a subordinate clause.
const SUBORDINATORS: &[&str] = &[
    "weil",
    "dass",
    "obwohl",
    "obgleich",
    "falls",
    "nachdem",
    "sobald",
    "sodass",
    "indem",
    "wenn",
    "bevor",
    "ehe",
    "ob",
    "sofern",
    "soweit",
    "solange",
    "wohingegen",
];

/// Words that start a clause when they follow a comma, and are often something else
/// elsewhere ("Damit zeigen Sie: …" is an adverb).
const CLAUSE_AFTER_COMMA: &[&str] = &[
    "damit", "da", "denn", "um", "deren", "dessen", "denen", "welche", "welcher", "welches",
    "welchem", "welchen", "wo", "wobei", "womit", "wodurch", "worauf", "weshalb", "weswegen",
];

/// The forms of "werden" that build the passive.
const PASSIVE_AUXILIARIES: &[&str] = &[
    "werde", "wirst", "wird", "werden", "werdet", "wurde", "wurdest", "wurden", "wurdet", "würde",
    "würdest", "würden", "würdet", "worden",
];

/// Infinitives that look like participles ("ge…en"), and words beginning with "ge" that
/// are no participles.
const NOT_PARTICIPLES: &[&str] = &[
    "gebären",
    "geben",
    "gebrauchen",
    "gedenken",
    "gefallen",
    "gegen",
    "gehen",
    "gehören",
    "gelangen",
    "gelingen",
    "gelten",
    "genesen",
    "genießen",
    "genügen",
    "geraten",
    "geschehen",
    "gestalten",
    "gestatten",
    "gestehen",
    "gewähren",
    "gewinnen",
    "gewöhnen",
    "geworden",
];

/// Separable prefixes that come before the "ge" of a participle ("ab·ge·holt").
const SEPARABLE_PREFIXES: &[&str] = &[
    "ab", "an", "auf", "aus", "bei", "dar", "ein", "fest", "fort", "frei", "her", "heraus",
    "herein", "hin", "hinaus", "los", "mit", "nach", "statt", "teil", "um", "vor", "weg", "weiter",
    "wieder", "zu", "zurück", "zusammen",
];

/// Inseparable prefixes of participles without "ge" ("be·zahlt", "ver·schickt").
const INSEPARABLE_PREFIXES: &[&str] = &["be", "emp", "ent", "er", "miss", "ver", "zer"];

const NEGATIONS: &[&str] = &[
    "nicht",
    "kein",
    "keine",
    "keinen",
    "keinem",
    "keiner",
    "keines",
    "nie",
    "niemals",
    "nichts",
    "niemand",
    "niemandem",
    "niemanden",
    "nirgends",
    "nirgendwo",
    "weder",
];

const SUBJUNCTIVES: &[&str] = &[
    "würde",
    "würdest",
    "würden",
    "würdet",
    "könnte",
    "könntest",
    "könnten",
    "könntet",
    "hätte",
    "hättest",
    "hätten",
    "hättet",
    "wäre",
    "wärest",
    "wären",
    "wäret",
    "müsste",
    "müsstest",
    "müssten",
    "müsstet",
    "dürfte",
    "dürftest",
    "dürften",
    "dürftet",
];

/// The pieces number words are made of ("ein·und·zwanzig", "sech·zehn").
const NUMBER_PARTS: &[&str] = &[
    "null", "eins", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sech", "sieben", "sieb",
    "acht", "neun", "zehn", "elf", "zwölf", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig",
    "siebzig", "achtzig", "neunzig", "hundert", "tausend", "und",
];

/// Runs every Leichte-Sprache check on one sentence.
pub(super) fn check(
    sentence: &Sentence<'_>,
    settings: &ReadabilitySettings,
    findings: &mut Vec<Finding>,
) {
    if has_several_statements(sentence) {
        findings.push(sentence.finding(Rule::SeveralStatements, sentence.range()));
    }
    if let Some(range) = passive(sentence) {
        findings.push(sentence.finding(Rule::Passive, range));
    }

    for (position, word) in sentence.words().enumerate() {
        let written = sentence.text(word);
        let rule = match word.kind {
            TokenKind::Word => word_rule(written, position == 0, settings),
            TokenKind::Number => is_exact_number(written).then_some(Rule::ExactNumber),
            TokenKind::Mark(_) => None,
        };
        if let Some(rule) = rule {
            findings.push(sentence.finding(rule, word.range.clone()));
        }
    }

    for range in abbreviations(sentence) {
        findings.push(sentence.finding(Rule::Abbreviation, range));
    }
}

/// The rule a single word breaks, if any. `first` tells whether it starts the sentence.
fn word_rule(word: &str, first: bool, settings: &ReadabilitySettings) -> Option<Rule> {
    let lower = word.to_lowercase();
    let written_small = word.chars().next().is_some_and(char::is_lowercase);

    if NEGATIONS.contains(&lower.as_str()) {
        Some(Rule::Negation)
    } else if SUBJUNCTIVES.contains(&lower.as_str()) {
        Some(Rule::Subjunctive)
    } else if lower == "des" {
        Some(Rule::Genitive)
    } else if (written_small || first) && is_number_word(&lower) {
        Some(Rule::NumberAsWord)
    } else if !first && is_long_compound(word, settings) {
        Some(Rule::LongCompound)
    } else {
        None
    }
}

fn has_several_statements(sentence: &Sentence<'_>) -> bool {
    let lower = |token: &Token| sentence.text(token).to_lowercase();

    let subordinate = sentence
        .words()
        .any(|word| SUBORDINATORS.contains(&lower(word).as_str()));
    let clause_after_comma = sentence.tokens.windows(2).any(|pair| {
        pair[0].is_mark(',')
            && pair[1].kind == TokenKind::Word
            && CLAUSE_AFTER_COMMA.contains(&lower(&pair[1]).as_str())
    });
    let semicolon = sentence.tokens.iter().any(|token| token.is_mark(';'));

    subordinate || clause_after_comma || semicolon
}

/// The first passive of the sentence: from the form of "werden" to its participle, or the
/// other way round in a subordinate clause ("…, weil er geprüft wird").
fn passive(sentence: &Sentence<'_>) -> Option<Range<usize>> {
    let words: Vec<&Token> = sentence
        .words()
        .filter(|word| word.kind == TokenKind::Word)
        .collect();

    for (index, auxiliary) in words.iter().enumerate() {
        let form = sentence.text(auxiliary).to_lowercase();
        if !PASSIVE_AUXILIARIES.contains(&form.as_str()) {
            continue;
        }
        let participle = words[index + 1..]
            .iter()
            .chain(words[..index].iter().rev())
            .find(|word| is_participle(sentence.text(word)));
        match participle {
            Some(participle) => {
                let start = auxiliary.range.start.min(participle.range.start);
                let end = auxiliary.range.end.max(participle.range.end);
                return Some(start..end);
            }
            // "worden" is passive on its own: the perfect of the full verb is "geworden".
            None if form == "worden" => return Some(auxiliary.range.clone()),
            None => {}
        }
    }
    None
}

/// Whether a word written in lower case looks like a past participle.
fn is_participle(word: &str) -> bool {
    if !word.chars().next().is_some_and(char::is_lowercase) {
        return false;
    }
    let word = word.to_lowercase();
    let has_ge = |rest: &str| {
        rest.starts_with("ge")
            && rest.chars().count() > 4
            && (rest.ends_with('t') || rest.ends_with("en"))
            && !NOT_PARTICIPLES.contains(&rest)
    };

    let foreign = word.ends_with("iert");
    let with_prefix = SEPARABLE_PREFIXES
        .iter()
        .any(|prefix| word.strip_prefix(prefix).is_some_and(has_ge));
    // Only "-t": "bekommen" and "erhalten" are infinitives as often as participles.
    let inseparable = word.chars().count() >= 6
        && word.ends_with('t')
        && INSEPARABLE_PREFIXES
            .iter()
            .any(|prefix| word.starts_with(prefix));

    foreign || has_ge(&word) || with_prefix || inseparable
}

/// Whether a word in lower case is a number written out ("drei", "einundzwanzig").
fn is_number_word(lower: &str) -> bool {
    let alone_no_number = ["ein", "und", "sech", "sieb"].contains(&lower);
    if alone_no_number || lower.starts_with("und") || lower.ends_with("und") {
        return false;
    }

    // reachable[i]: the first i bytes are made of number parts.
    let mut reachable = vec![false; lower.len() + 1];
    reachable[0] = true;
    for start in 0..lower.len() {
        if !reachable[start] {
            continue;
        }
        for part in NUMBER_PARTS {
            if lower[start..].starts_with(part) {
                reachable[start + part.len()] = true;
            }
        }
    }
    reachable[lower.len()]
}

/// Endings that make a noun of another word. They lengthen a word without making it a
/// compound ("Einbürgerung", "Verzeichnis"), so they do not count toward its length.
const DERIVATION_ENDINGS: &[&str] = &[
    "ungen", "ung", "heiten", "heit", "keiten", "keit", "schaften", "schaft", "nisse", "nis",
    "tionen", "tion",
];

/// Compounds written as one word everywhere, even in Leichte Sprache.
const ONE_WORD_NAMES: &[&str] = &["Deutschland"];

fn is_long_compound(word: &str, settings: &ReadabilitySettings) -> bool {
    let capitalised = word.chars().next().is_some_and(char::is_uppercase);
    let has_small = word.chars().any(char::is_lowercase);
    let split = word
        .chars()
        .any(|c| text::is_joiner(c) && c != '\'' && c != '’');
    if !capitalised || !has_small || split || ONE_WORD_NAMES.contains(&word) {
        return false;
    }

    let ending = DERIVATION_ENDINGS
        .iter()
        .find(|ending| word.ends_with(*ending))
        .map_or(0, |ending| ending.chars().count());
    letters(word).saturating_sub(ending) > settings.max_compound_letters_easy
}

/// A decimal fraction that is not whole ("27,60", not "46,00"), or a number with
/// thousands separators that is not a round hundred ("1.250", not "1.500").
fn is_exact_number(number: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());

    if let Some((whole, fraction)) = number.split_once(',') {
        return digits(whole) && digits(fraction) && fraction.bytes().any(|b| b != b'0');
    }
    let groups: Vec<&str> = number.split('.').collect();
    let thousands = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|group| group.len() == 3)
        && groups.iter().all(|group| digits(group));
    thousands && !number.ends_with("00")
}

/// The abbreviations with a full stop in the sentence; "z. B." is one.
fn abbreviations(sentence: &Sentence<'_>) -> Vec<Range<usize>> {
    let tokens = sentence.tokens;
    let is_at = |index: usize| {
        let (Some(word), Some(stop)) = (tokens.get(index), tokens.get(index + 1)) else {
            return false;
        };
        word.kind == TokenKind::Word
            && stop.is_mark('.')
            && word.range.end == stop.range.start
            && text::is_abbreviation(sentence.text(word), tokens.get(index + 2))
    };

    let mut found = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        if !is_at(index) {
            index += 1;
            continue;
        }
        let start = tokens[index].range.start;
        let mut end = tokens[index + 1].range.end;
        index += 2;
        while is_at(index) {
            end = tokens[index + 1].range.end;
            index += 2;
        }
        found.push(start..end);
    }
    found
}
