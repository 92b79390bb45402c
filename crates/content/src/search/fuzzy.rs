//! Edit distance for typo tolerance.

use super::text::MAX_WORD_BYTES;

/// How many typos a query word of `len` bytes may contain: none below 4, one from 4,
/// two from 8. Short words have too many neighbours to guess from.
pub(super) fn allowed_edits(len: usize) -> usize {
    match len {
        0..4 => 0,
        4..8 => 1,
        _ => 2,
    }
}

/// A set of the letters of a word as bits: `a` to `z`, digits, and other bytes sharing
/// the remaining bits. Used by [`may_be_within`].
pub(super) fn letter_signature(word: &str) -> u64 {
    word.bytes().fold(0, |signature, byte| {
        let bit = match byte {
            b'a'..=b'z' => byte - b'a',
            b'0'..=b'9' => 26 + (byte - b'0'),
            _ => 36 + byte % 28,
        };
        signature | 1 << bit
    })
}

/// A quick test that rules out most pairs of words that are more than `max` edits
/// apart: every letter of one word that the other lacks takes an edit to remove.
pub(super) fn may_be_within(a: u64, b: u64, max: usize) -> bool {
    let max = u32::try_from(max).unwrap_or(u32::MAX);
    (a & !b).count_ones() <= max && (b & !a).count_ones() <= max
}

/// The Damerau-Levenshtein distance between `a` and `b` (insertions, deletions,
/// substitutions and swaps of neighbours, each substring edited once), if it is at most
/// `max`. Stops as soon as the distance must exceed `max`. Counts bytes, which for folded
/// Latin text are letters.
pub(super) fn bounded_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max || a.len() > MAX_WORD_BYTES || b.len() > MAX_WORD_BYTES {
        return None;
    }

    // Three rows of the distance matrix: two rows back (for swaps), previous, current.
    let mut before = [0usize; MAX_WORD_BYTES + 1];
    let mut previous = [0usize; MAX_WORD_BYTES + 1];
    let mut current = [0usize; MAX_WORD_BYTES + 1];
    for (j, cell) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }

    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let substitution = previous[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut cell = substitution.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cell = cell.min(before[j - 2] + 1);
            }
            current[j] = cell;
            row_min = row_min.min(cell);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }

    Some(previous[b.len()]).filter(|&distance| distance <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &str, b: &str) -> Option<usize> {
        bounded_distance(a.as_bytes(), b.as_bytes(), 2)
    }

    #[test]
    fn counts_the_four_kinds_of_edit() {
        assert_eq!(distance("fuhrerschein", "fuhrerschein"), Some(0));
        assert_eq!(distance("fuhrershein", "fuhrerschein"), Some(1));
        assert_eq!(distance("strase", "strasse"), Some(1));
        assert_eq!(distance("hnud", "hund"), Some(1));
        assert_eq!(distance("hand", "hund"), Some(1));
        assert_eq!(distance("ummelden", "anmelden"), Some(2));
    }

    #[test]
    fn gives_up_beyond_the_bound() {
        assert_eq!(distance("hund", "katze"), None);
        assert_eq!(distance("ab", "abcde"), None);
        assert_eq!(bounded_distance(b"hund", b"hand", 0), None);
    }

    #[test]
    fn the_letter_test_keeps_every_near_word() {
        let near =
            |a: &str, b: &str, max| may_be_within(letter_signature(a), letter_signature(b), max);
        assert!(near("fuhrershein", "fuhrerschein", 1));
        assert!(near("hnud", "hund", 1));
        assert!(near("ummelden", "anmelden", 2));
        assert!(!near("hund", "katze", 1));
        assert!(!near("register", "residenz", 1));
    }

    #[test]
    fn longer_words_allow_more_typos() {
        assert_eq!(allowed_edits(3), 0);
        assert_eq!(allowed_edits(4), 1);
        assert_eq!(allowed_edits(7), 1);
        assert_eq!(allowed_edits(8), 2);
    }
}
