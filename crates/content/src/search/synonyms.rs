//! Colloquial words and abbreviations, and the words the content uses for them.
//!
//! Editors give each item keywords of their own, which the index weighs highly; this
//! table only covers words so common that every item would otherwise need them. To add
//! one, add a line: the word people type, then what else to search for, both folded
//! (lower case, umlauts as their base letter, `ß` as `ss`). Lookups go one way, so list
//! both directions for true synonyms.

const SYNONYMS: &[(&str, &[&str])] = &[
    ("ausweis", &["personalausweis"]),
    ("auto", &["fahrzeug", "kraftfahrzeug"]),
    ("fahrerlaubnis", &["fuhrerschein"]),
    ("fuhrerschein", &["fahrerlaubnis"]),
    ("handy", &["mobiltelefon"]),
    ("hartz", &["burgergeld"]),
    ("kfz", &["fahrzeug", "kraftfahrzeug"]),
    ("kita", &["kindertagesstatte", "kinderbetreuung"]),
    ("pass", &["reisepass"]),
    ("perso", &["personalausweis"]),
    ("ummelden", &["anmelden", "ummeldung"]),
    ("ummeldung", &["anmeldung", "anmelden"]),
];

/// The words to search for besides a folded query word; empty if there are none.
pub(super) fn synonyms_of(word: &str) -> &'static [&'static str] {
    SYNONYMS
        .binary_search_by(|(key, _)| (*key).cmp(word))
        .map_or(&[], |found| SYNONYMS[found].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colloquial_words_expand() {
        assert_eq!(synonyms_of("perso"), ["personalausweis"]);
        assert_eq!(
            synonyms_of("kita"),
            ["kindertagesstatte", "kinderbetreuung"]
        );
        assert_eq!(synonyms_of("fuhrerschein"), ["fahrerlaubnis"]);
        assert_eq!(synonyms_of("fahrerlaubnis"), ["fuhrerschein"]);
        assert!(synonyms_of("hund").is_empty());
    }

    #[test]
    fn the_table_is_sorted_and_folded() {
        assert!(SYNONYMS.is_sorted_by(|a, b| a.0 < b.0));
        for (word, alternatives) in SYNONYMS {
            for text in alternatives.iter().chain([word]) {
                assert!(
                    text.bytes().all(|b| b.is_ascii_lowercase()),
                    "{text} is not folded"
                );
            }
        }
    }
}
