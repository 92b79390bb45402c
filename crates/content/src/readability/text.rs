//! From Markdown to blocks, words and sentences, keeping where each lies in the original.
//!
//! A *block* is text a reader sees as a unit of its own: a paragraph, a heading, a list item,
//! a table cell or a line ended by a hard break. No sentence runs across two blocks, so a
//! heading or a list item is a sentence even without a full stop.

use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

/// The plain text of one block, with a map back to the Markdown it came from.
#[derive(Debug, Default)]
pub(super) struct Block {
    /// The text without markup; parts of the block are joined by single spaces.
    pub(super) text: String,
    pieces: Vec<Piece>,
}

/// A stretch of a block's text and the stretch of Markdown it was read from.
#[derive(Debug)]
struct Piece {
    plain: Range<usize>,
    source: Range<usize>,
    /// The Markdown says exactly the plain text, byte for byte, so positions inside can be
    /// mapped one to one. Escapes, entities and inline code differ from their source.
    exact: bool,
}

impl Block {
    /// Where in the Markdown the text from `range` of the block was written: a range that
    /// holds the same words with their markup, always on character boundaries.
    pub(super) fn source_range(&self, range: &Range<usize>) -> Range<usize> {
        // Pieces are in text order and do not overlap, so both ends are found by bisection.
        let first = self
            .pieces
            .partition_point(|piece| piece.plain.end <= range.start);
        let start = self
            .pieces
            .get(first)
            .filter(|piece| piece.plain.start <= range.start)
            .map_or(0, |piece| piece.map(range.start, piece.source.start));
        let last = self
            .pieces
            .partition_point(|piece| piece.plain.end < range.end);
        let end = self
            .pieces
            .get(last)
            .filter(|piece| piece.plain.start < range.end)
            .map_or(start, |piece| piece.map(range.end, piece.source.end));
        start..end.max(start)
    }

    fn push_text(&mut self, text: &str, source: Range<usize>, markdown: &str) {
        if text.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.pieces.push(Piece {
            plain: start..self.text.len(),
            exact: markdown.get(source.clone()) == Some(text),
            source,
        });
    }

    fn push_space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(' ') {
            self.text.push(' ');
        }
    }
}

impl Piece {
    /// The source position of a plain position inside this piece; `fallback` where the
    /// piece is not exact.
    fn map(&self, plain: usize, fallback: usize) -> usize {
        if self.exact {
            self.source.start + (plain - self.plain.start)
        } else {
            fallback
        }
    }
}

/// Splits Markdown of the content subset into blocks of plain text. Markup is dropped,
/// links keep their text; code blocks, raw HTML and bare web or email addresses are not
/// prose and are left out.
pub(super) fn blocks(markdown: &str) -> Vec<Block> {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut blocks = Vec::new();
    let mut current = Block::default();
    let mut in_code_block = false;
    // For each open link: whether it is a bare address, whose text is not prose.
    let mut links: Vec<bool> = Vec::new();

    for (event, source) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Text(text) | Event::Code(text) if !in_code_block && !links.contains(&true) => {
                current.push_text(&text, source, markdown);
            }
            Event::SoftBreak => current.push_space(),
            Event::HardBreak => finish(&mut blocks, &mut current),
            Event::Start(Tag::Link { link_type, .. }) => {
                links.push(matches!(link_type, LinkType::Autolink | LinkType::Email));
            }
            Event::End(TagEnd::Link) => {
                links.pop();
            }
            Event::Start(tag) if !is_inline(&tag) => {
                finish(&mut blocks, &mut current);
                in_code_block = matches!(tag, Tag::CodeBlock(_));
            }
            Event::End(tag) if !is_inline_end(tag) => {
                finish(&mut blocks, &mut current);
                in_code_block = false;
            }
            _ => {}
        }
    }
    finish(&mut blocks, &mut current);

    blocks
}

fn finish(blocks: &mut Vec<Block>, current: &mut Block) {
    let block = std::mem::take(current);
    if block.text.chars().any(char::is_alphanumeric) {
        blocks.push(block);
    }
}

fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// What a token of a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// A word: letters, perhaps with digits, joined by hyphens, Mediopunkt or apostrophes.
    Word,
    /// A number in digits, with its separators: `46`, `27,60`, `1.000`, `7.2.2026`.
    Number,
    /// Any other visible character, one token each: punctuation, symbols.
    Mark(char),
}

/// A word, number or mark, with its place in the block's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) range: Range<usize>,
}

impl Token {
    /// Whether this token is a word or a number, the units the formulas count.
    pub(super) fn is_word(&self) -> bool {
        matches!(self.kind, TokenKind::Word | TokenKind::Number)
    }

    /// Whether this token is the mark `mark`.
    pub(super) fn is_mark(&self, mark: char) -> bool {
        self.kind == TokenKind::Mark(mark)
    }
}

/// Characters that join two parts into one word: hyphen, non-breaking hyphen, soft hyphen,
/// Mediopunkt (the raised dot of Leichte Sprache, as in "Halte·stelle") and apostrophes.
pub(super) fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '\u{2011}' | '\u{00AD}' | '·' | '\'' | '’')
}

/// Splits a block's text into tokens.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let position = |index: usize| chars.get(index).map_or(text.len(), |(at, _)| *at);
    let mut tokens = Vec::new();
    let mut index = 0;

    while let Some(&(start, c)) = chars.get(index) {
        if c.is_alphanumeric() {
            let mut end = index + 1;
            loop {
                match (chars.get(end), chars.get(end + 1)) {
                    (Some(&(_, next)), _) if next.is_alphanumeric() => end += 1,
                    (Some(&(_, joiner)), Some(&(_, after)))
                        if after.is_alphanumeric() && joins(joiner, chars[end - 1].1, after) =>
                    {
                        end += 2;
                    }
                    _ => break,
                }
            }
            let range = start..position(end);
            let kind = if text[range.clone()].chars().any(char::is_alphabetic) {
                TokenKind::Word
            } else {
                TokenKind::Number
            };
            tokens.push(Token { kind, range });
            index = end;
        } else {
            if !c.is_whitespace() {
                tokens.push(Token {
                    kind: TokenKind::Mark(c),
                    range: start..start + c.len_utf8(),
                });
            }
            index += 1;
        }
    }

    tokens
}

/// Whether `joiner` between `before` and `after` keeps them in one token. Dots, commas and
/// colons do so only between digits (`27,60`, `1.000`, `8:30`).
fn joins(joiner: char, before: char, after: char) -> bool {
    is_joiner(joiner)
        || (matches!(joiner, '.' | ',' | ':') && before.is_ascii_digit() && after.is_ascii_digit())
}

/// Abbreviations that end with a full stop that does not end the sentence. Single letters
/// ("z. B.", "d. h.", "u. a.") are abbreviations too and need no entry.
const ABBREVIATIONS: &[&str] = &[
    "Abb", "Abs", "Abt", "bspw", "bzw", "ca", "Dr", "etc", "evtl", "ff", "Fr", "geb", "gem", "ggf",
    "Hr", "inkl", "insb", "Jh", "max", "Mio", "Mrd", "Nr", "Prof", "sog", "St", "Std", "Str",
    "Tel", "usw", "vgl", "zzgl", "Mo", "Di", "Mi", "Do", "Sa", "So", "Jan", "Feb", "Apr", "Jun",
    "Jul", "Aug", "Sep", "Sept", "Okt", "Nov", "Dez",
];

/// Abbreviations that are ordinary words at the end of a sentence, unless a number follows:
/// "Art. 3" but "Das ist eine neue Art."
const ABBREVIATIONS_BEFORE_NUMBERS: &[&str] = &["Art", "S", "Bd"];

/// Whether `word`, written directly before a full stop, is an abbreviation. `next` is the
/// token after the full stop.
pub(super) fn is_abbreviation(word: &str, next: Option<&Token>) -> bool {
    let single_letter = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
    single_letter
        || ABBREVIATIONS.contains(&word)
        || (ABBREVIATIONS_BEFORE_NUMBERS.contains(&word)
            && next.is_some_and(|token| token.kind == TokenKind::Number))
}

/// The sentences of a block, as ranges of its tokens.
///
/// A sentence ends at `.`, `!`, `?` or `…`, with any closing quotes or brackets after it,
/// or at the end of the block. It does not end where the next word starts in lower case,
/// where a comma follows ("„Ja!“, sagte sie"), where the mark touches the next word (an
/// address, "z.B."), after an abbreviation, or after a number of one or two digits (an
/// ordinal, as in "am 3. Oktober" or "im 2. Stock") or a day and month ("7.2."). Sentences
/// without a word or number are dropped.
pub(super) fn sentences(text: &str, tokens: &[Token]) -> Vec<Range<usize>> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut index = 0;

    while index < tokens.len() {
        let TokenKind::Mark(mark) = tokens[index].kind else {
            index += 1;
            continue;
        };
        if !is_terminator(mark) {
            index += 1;
            continue;
        }
        let mut end = index + 1;
        while tokens.get(end).is_some_and(
            |token| matches!(token.kind, TokenKind::Mark(c) if is_terminator(c) || is_closing(c)),
        ) {
            end += 1;
        }
        if ends_sentence(text, tokens, index, end) {
            sentences.push(start..end);
            start = end;
        }
        index = end;
    }
    sentences.push(start..tokens.len());

    sentences.retain(|sentence| tokens[sentence.clone()].iter().any(Token::is_word));
    sentences
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

fn is_closing(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '“' | '”' | '‘' | '’' | '»' | '«' | '›' | '‹' | ')' | ']'
    )
}

/// Whether the terminator at `mark` (followed by closing marks up to `after`) ends the
/// sentence.
fn ends_sentence(text: &str, tokens: &[Token], mark: usize, after: usize) -> bool {
    let terminator = &tokens[mark];
    let next = tokens.get(after);

    let touches_next = text[terminator.range.end..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric);
    let continues = next.is_some_and(|token| {
        token.is_mark(',')
            || (token.kind == TokenKind::Word
                && text[token.range.clone()]
                    .chars()
                    .next()
                    .is_some_and(char::is_lowercase))
    });
    if touches_next || continues {
        return false;
    }
    if !terminator.is_mark('.') || mark == 0 {
        return true;
    }

    let before = &tokens[mark - 1];
    if before.range.end != terminator.range.start {
        return true;
    }
    let word = &text[before.range.clone()];
    match before.kind {
        TokenKind::Word => !is_abbreviation(word, next),
        TokenKind::Number => next.is_none() || !is_ordinal_or_day(word),
        TokenKind::Mark(_) => true,
    }
}

/// One or two digits ("3" in "3. Oktober"), or day and month ("7.2" in "am 7.2.").
fn is_ordinal_or_day(number: &str) -> bool {
    let short =
        |part: &str| (1..=2).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    match number.split_once('.') {
        None => short(number),
        Some((day, month)) => short(day) && short(month),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence_texts(markdown: &str) -> Vec<String> {
        blocks(markdown)
            .iter()
            .flat_map(|block| {
                let tokens = tokens(&block.text);
                sentences(&block.text, &tokens)
                    .into_iter()
                    .map(|sentence| {
                        let range =
                            tokens[sentence.start].range.start..tokens[sentence.end - 1].range.end;
                        block.text[range].to_owned()
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn markup_is_dropped_and_links_keep_their_text() {
        let blocks = blocks("Bitte **persönlich** kommen, siehe [Termine](https://x.example/t).");
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].text, "Bitte persönlich kommen, siehe Termine.");
    }

    #[test]
    fn headings_and_list_items_are_sentences_of_their_own() {
        assert_eq!(
            sentence_texts("### Unterlagen\n\n- Ausweis\n- Foto vom Studio\n\nDas ist alles."),
            ["Unterlagen", "Ausweis", "Foto vom Studio", "Das ist alles."]
        );
    }

    #[test]
    fn abbreviations_and_ordinals_do_not_end_a_sentence() {
        assert_eq!(
            sentence_texts(
                "Bringen Sie z. B. den Ausweis mit, d. h. das Original. Es kostet ca. 30 Euro \
                 usw. Dann gilt Nr. 5 bzw. Art. 3 ab dem 3. Oktober 2026. Fragen Sie Dr. Huber."
            ),
            [
                "Bringen Sie z. B. den Ausweis mit, d. h. das Original.",
                "Es kostet ca. 30 Euro usw. Dann gilt Nr. 5 bzw. Art. 3 ab dem 3. Oktober 2026.",
                "Fragen Sie Dr. Huber."
            ]
        );
    }

    #[test]
    fn question_and_exclamation_marks_end_sentences() {
        assert_eq!(
            sentence_texts("Sie sind älter als 24 Jahre? Dann zahlen Sie mehr! „Gut!“, sagt sie."),
            [
                "Sie sind älter als 24 Jahre?",
                "Dann zahlen Sie mehr!",
                "„Gut!“, sagt sie."
            ]
        );
    }

    #[test]
    fn a_sentence_ending_in_a_long_number_ends() {
        assert_eq!(
            sentence_texts("Das gilt seit 2026. Danach nicht mehr."),
            ["Das gilt seit 2026.", "Danach nicht mehr."]
        );
    }

    #[test]
    fn numbers_and_joined_words_are_single_tokens() {
        let text = "Am 7.2.2026 zahlen Sie 27,60 € für die E-Mail-Adresse und Halte·stelle.";
        let words: Vec<&str> = tokens(text)
            .iter()
            .filter(|token| token.is_word())
            .map(|token| &text[token.range.clone()])
            .collect();
        assert_eq!(
            words,
            [
                "Am",
                "7.2.2026",
                "zahlen",
                "Sie",
                "27,60",
                "für",
                "die",
                "E-Mail-Adresse",
                "und",
                "Halte·stelle"
            ]
        );
    }

    #[test]
    fn source_ranges_cover_the_markdown_of_the_words() {
        let markdown = "- Ein **neuer** Ausweis &amp; Foto";
        let block = &blocks(markdown)[0];
        assert_eq!(block.text, "Ein neuer Ausweis & Foto");
        let neuer = block.text.find("neuer").unwrap();
        assert_eq!(&markdown[block.source_range(&(neuer..neuer + 5))], "neuer");
        let whole = block.source_range(&(0..block.text.len()));
        assert_eq!(&markdown[whole], "Ein **neuer** Ausweis &amp; Foto");
    }

    #[test]
    fn code_blocks_and_bare_addresses_are_not_prose() {
        let texts: Vec<String> =
            blocks("```\nlet x = 1;\n```\n\nSchreiben Sie an <info@stadt.example>.")
                .into_iter()
                .map(|block| block.text)
                .collect();
        assert_eq!(texts, ["Schreiben Sie an ."]);
    }
}
