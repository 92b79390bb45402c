//! Counting the syllables and letters of German words.
//!
//! Without a dictionary, syllables are counted as vowel nuclei: each group of vowels is one
//! syllable, except that a group may hold several nuclei. The pairs `ei`, `ai`, `au`, `eu`,
//! `äu`, `ey`, `ay`, `ie`, `aa`, `ee`, `oo` and `ou` are one nucleus each; any other vowel
//! of a group is a nucleus of its own. So "Feuer" is Feu-er (2), "Situation" Si-tu-a-ti-on
//! (5) and "Familie" Fa-mi-lie (3). `ä`, `ö`, `ü`, `y` and accented vowels are vowels; `u`
//! after `q` is not ("Quelle"), nor is `y` before a vowel at the start of a word ("Yoga").
//!
//! Known miscounts, accepted because they are rare in service texts: `ee` across a prefix
//! ("be-en-den" counts 2, not 3), `eu` in foreign words ("Mu-se-um" counts 2), and `ie`
//! before another vowel ("Bat-te-ri-en" counts 3). A few common English words in German
//! texts have their count listed ("online" 2, not 3). Parts of a word joined by a hyphen
//! or Mediopunkt are counted apart, each with at least one syllable, so an abbreviation
//! without vowels ("Kfz") counts as one.

use super::text::is_joiner;

/// English words common in German service texts, whose written vowels mislead the count.
const LOANWORDS: &[(&str, usize)] = &[
    ("online", 2),
    ("offline", 2),
    ("service", 2),
    ("website", 2),
    ("homepage", 2),
    ("software", 2),
    ("update", 2),
    ("updates", 2),
    ("download", 2),
    ("downloads", 2),
    ("upload", 2),
    ("team", 1),
    ("teams", 1),
];

/// The vowel pairs read as one nucleus.
const ONE_NUCLEUS: &[[char; 2]] = &[
    ['e', 'i'],
    ['a', 'i'],
    ['a', 'u'],
    ['e', 'u'],
    ['ä', 'u'],
    ['e', 'y'],
    ['a', 'y'],
    ['i', 'e'],
    ['a', 'a'],
    ['e', 'e'],
    ['o', 'o'],
    ['o', 'u'],
];

/// The number of syllables of a written word; at least one.
pub(super) fn syllables(word: &str) -> usize {
    let count: usize = word
        .split(|c: char| is_joiner(c) && c != '\'' && c != '’')
        .filter(|part| part.chars().any(char::is_alphabetic))
        .map(part_syllables)
        .sum();
    count.max(1)
}

/// The number of letters of a word, without hyphens, Mediopunkt, apostrophes or digits.
pub(super) fn letters(word: &str) -> usize {
    word.chars().filter(|c| c.is_alphabetic()).count()
}

fn part_syllables(part: &str) -> usize {
    let lower: Vec<char> = part
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    let spelled: String = lower.iter().collect();
    if let Some(&(_, count)) = LOANWORDS.iter().find(|(word, _)| *word == spelled) {
        return count;
    }

    let mut count = 0;
    let mut index = 0;
    while index < lower.len() {
        if !is_vowel_at(&lower, index) {
            index += 1;
            continue;
        }
        let start = index;
        while index < lower.len() && is_vowel_at(&lower, index) {
            index += 1;
        }
        count += nuclei(&lower[start..index]);
    }

    count.max(1)
}

/// How many nuclei a group of adjacent vowels holds.
fn nuclei(group: &[char]) -> usize {
    let mut count = 0;
    let mut index = 0;
    while index < group.len() {
        let pair = group.get(index..index + 2);
        let is_one = pair.is_some_and(|pair| ONE_NUCLEUS.iter().any(|known| known == pair));
        index += if is_one { 2 } else { 1 };
        count += 1;
    }
    count
}

fn is_vowel_at(word: &[char], index: usize) -> bool {
    let c = word[index];
    match c {
        'u' => index == 0 || word[index - 1] != 'q',
        'y' => !(index == 0 && word.get(1).is_some_and(|&next| is_plain_vowel(next))),
        _ => is_plain_vowel(c),
    }
}

fn is_plain_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'e'
            | 'i'
            | 'o'
            | 'u'
            | 'ä'
            | 'ö'
            | 'ü'
            | 'y'
            | 'á'
            | 'à'
            | 'â'
            | 'é'
            | 'è'
            | 'ê'
            | 'ë'
            | 'í'
            | 'ì'
            | 'î'
            | 'ï'
            | 'ó'
            | 'ò'
            | 'ô'
            | 'ú'
            | 'ù'
            | 'û'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_counts(cases: &[(&str, usize)]) {
        for &(word, expected) in cases {
            assert_eq!(syllables(word), expected, "{word}");
        }
    }

    #[test]
    fn diphthongs_and_long_vowels_are_one_syllable() {
        assert_counts(&[
            ("Eis", 1),
            ("Mai", 1),
            ("Haus", 1),
            ("heute", 2),
            ("Häuser", 2),
            ("Bier", 1),
            ("Saal", 1),
            ("Tee", 1),
            ("Boot", 1),
            ("Meyer", 2),
            ("Bayern", 2),
        ]);
    }

    #[test]
    fn a_vowel_after_a_diphthong_is_a_syllable_of_its_own() {
        assert_counts(&[
            ("Feuer", 2),
            ("neue", 2),
            ("Bauer", 2),
            ("Eier", 2),
            ("Säue", 2),
        ]);
    }

    #[test]
    fn other_vowel_pairs_are_two_syllables() {
        assert_counts(&[
            ("Situation", 5),
            ("Theater", 3),
            ("beantragen", 4),
            ("Januar", 3),
            ("Poesie", 3),
        ]);
    }

    #[test]
    fn final_ie_of_foreign_words_is_one_syllable() {
        assert_counts(&[("Familie", 3), ("Linie", 2), ("Batterie", 3), ("Knie", 1)]);
    }

    #[test]
    fn umlauts_y_and_qu_are_read_as_spoken() {
        assert_counts(&[
            ("Bürgerbüro", 4),
            ("Gebühr", 2),
            ("Handy", 2),
            ("Typ", 1),
            ("Yoga", 2),
            ("Quelle", 2),
            ("bequem", 2),
        ]);
    }

    #[test]
    fn joined_parts_are_counted_apart() {
        assert_counts(&[
            ("Personalausweis", 5),
            ("Personal-Ausweis", 5),
            ("Halte·stelle", 4),
            ("E-Mail", 2),
            ("Kfz", 1),
            ("Kfz-Steuer", 3),
            ("geht's", 1),
        ]);
    }

    #[test]
    fn listed_english_words_have_their_spoken_count() {
        assert_counts(&[("online", 2), ("Online-Antrag", 4), ("Team", 1)]);
    }

    #[test]
    fn letters_leave_out_joiners_and_digits() {
        assert_eq!(letters("Personal-Ausweis"), 15);
        assert_eq!(letters("Halte·stelle"), 11);
        assert_eq!(letters("24-Stunden"), 7);
    }
}
