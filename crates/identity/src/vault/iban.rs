//! Bank accounts: the IBAN (ISO 13616) with its check digits and its length per country,
//! and the BIC (ISO 9362) of the bank.

use std::fmt;

use super::catalogue::AttributeProblem;
use super::countries::is_country_code;

/// The length of an IBAN in the countries of the SEPA area, in alphabetical order. An IBAN
/// of another country is held to the general bounds, [`SHORTEST`] to [`LONGEST`].
const LENGTHS: [(&str, usize); 36] = [
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// The shortest IBAN any country uses.
const SHORTEST: usize = 15;

/// The longest IBAN ISO 13616 allows.
const LONGEST: usize = 34;

/// An IBAN in its electronic form: capitals and digits without spaces, such as
/// `DE89370400440532013000`. Only [`Iban::parse`] makes one, so every `Iban` has the right
/// length for its country and correct check digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iban(String);

impl Iban {
    /// Checks an IBAN as a person types it, with or without spaces and in either case.
    ///
    /// The checks, in order: only letters and digits; a country code of ISO 3166-1; check
    /// digits between 02 and 98; the length the country uses (or 15 to 34 characters for a
    /// country outside the SEPA area); and the check digits themselves (the whole number,
    /// rearranged as ISO 13616 prescribes, leaves remainder 1 when divided by 97).
    pub fn parse(text: &str) -> Result<Iban, AttributeProblem> {
        let compact: String = text
            .chars()
            .filter(|letter| !letter.is_whitespace())
            .map(|letter| letter.to_ascii_uppercase())
            .collect();
        if compact.is_empty() {
            return Err(AttributeProblem::Empty);
        }
        if !compact.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            return Err(AttributeProblem::IbanCharacters);
        }

        let country = compact.get(..2).unwrap_or_default();
        if !is_country_code(country) {
            return Err(AttributeProblem::IbanCountry);
        }
        let check_digits: u32 = compact
            .get(2..4)
            .and_then(|digits| digits.parse().ok())
            .ok_or(AttributeProblem::IbanChecksum)?;
        // 00, 01 and 99 are never computed; 99 would pass the remainder test whenever 02
        // does, so it is refused here.
        if !(2..=98).contains(&check_digits) {
            return Err(AttributeProblem::IbanChecksum);
        }

        let (min, max) = match LENGTHS.binary_search_by_key(&country, |(code, _)| code) {
            Ok(index) => (LENGTHS[index].1, LENGTHS[index].1),
            Err(_) => (SHORTEST, LONGEST),
        };
        if !(min..=max).contains(&compact.len()) {
            return Err(AttributeProblem::IbanLength {
                found: compact.len(),
                min,
                max,
            });
        }

        if remainder_97(&compact) != 1 {
            return Err(AttributeProblem::IbanChecksum);
        }

        Ok(Iban(compact))
    }

    /// The IBAN in its electronic form, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country the account is kept in, such as `DE`.
    pub fn country(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }
}

impl fmt::Display for Iban {
    /// The IBAN in groups of four characters, as printed on paper:
    /// `DE89 3704 0044 0532 0130 00`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, letter) in self.0.chars().enumerate() {
            if index > 0 && index % 4 == 0 {
                formatter.write_str(" ")?;
            }
            write!(formatter, "{letter}")?;
        }
        Ok(())
    }
}

/// The remainder of the IBAN's number when divided by 97: the first four characters moved
/// to the end, each letter replaced by two digits (A = 10 … Z = 35). The number is far too
/// long for any integer type, so the remainder is carried along digit by digit.
fn remainder_97(compact: &str) -> u32 {
    let (head, tail) = compact.split_at(4.min(compact.len()));
    tail.chars()
        .chain(head.chars())
        .filter_map(|letter| letter.to_digit(36))
        .fold(0, |remainder, value| {
            let shift = if value < 10 { 10 } else { 100 };
            (remainder * shift + value) % 97
        })
}

/// Checks a BIC (the bank's business identifier code), with or without spaces and in
/// either case, and returns it in capitals: four letters for the bank, the ISO 3166-1 code
/// of its country, two letters or digits for the place, and optionally three for the
/// branch, such as `COBADEFFXXX`.
pub fn check_bic(text: &str) -> Result<String, AttributeProblem> {
    let compact: String = text
        .chars()
        .filter(|letter| !letter.is_whitespace())
        .map(|letter| letter.to_ascii_uppercase())
        .collect();
    let part = |range: std::ops::Range<usize>| compact.get(range).unwrap_or_default();
    let well_formed = compact.is_ascii()
        && (compact.len() == 8 || compact.len() == 11)
        && part(0..4).bytes().all(|byte| byte.is_ascii_uppercase())
        && is_country_code(part(4..6))
        && part(6..compact.len())
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric());
    if well_formed {
        Ok(compact)
    } else {
        Err(AttributeProblem::BicFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published example accounts of the banks and standards bodies of each country.
    const VALID: [&str; 12] = [
        "DE89 3704 0044 0532 0130 00",
        "DE02120300000000202051",
        "AT61 1904 3002 3457 3201",
        "CH93 0076 2011 6238 5295 7",
        "NL91 ABNA 0417 1643 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "IT60 X054 2811 1010 0000 0123 456",
        "ES91 2100 0418 4502 0005 1332",
        "BE68 5390 0754 7034",
        "LU28 0019 4006 4475 0000",
        "PL61 1090 1014 0000 0712 1981 2874",
        "GB29 NWBK 6016 1331 9268 19",
    ];

    #[test]
    fn published_example_accounts_pass_in_any_spelling() {
        for text in VALID {
            let iban = Iban::parse(text).unwrap_or_else(|problem| panic!("{text}: {problem}"));
            assert_eq!(iban.as_str(), text.replace(' ', ""));
        }
        let lower = Iban::parse(" de89 3704 0044 0532 0130 00 ").unwrap();
        assert_eq!(lower.as_str(), "DE89370400440532013000");
        assert_eq!(lower.country(), "DE");
        assert_eq!(lower.to_string(), "DE89 3704 0044 0532 0130 00");
    }

    #[test]
    fn a_single_wrong_or_swapped_digit_fails_the_check() {
        for wrong in [
            "DE89370400440532013001",
            "DE89370400440532013100",
            "DE98370400440532013000",
            "AT611904300234573210",
            "NL91ABNA0417164301",
            "PL61109010140000071219812875",
        ] {
            assert_eq!(
                Iban::parse(wrong),
                Err(AttributeProblem::IbanChecksum),
                "{wrong}"
            );
        }
    }

    #[test]
    fn check_digits_outside_02_to_98_are_refused_even_when_the_remainder_fits() {
        // 99 differs from 02 by 97, so the remainder test alone would pass it.
        assert!(Iban::parse("DE02120300000000202051").is_ok());
        assert_eq!(
            Iban::parse("DE99120300000000202051"),
            Err(AttributeProblem::IbanChecksum)
        );
        assert_eq!(
            Iban::parse("DExx120300000000202051"),
            Err(AttributeProblem::IbanChecksum)
        );
    }

    #[test]
    fn each_country_has_its_own_length() {
        assert_eq!(
            Iban::parse("DE8937040044053201300"),
            Err(AttributeProblem::IbanLength {
                found: 21,
                min: 22,
                max: 22
            })
        );
        assert_eq!(
            Iban::parse("BE685390075470341"),
            Err(AttributeProblem::IbanLength {
                found: 17,
                min: 16,
                max: 16
            })
        );
        // A German account number with an Austrian country code is too long for Austria.
        assert!(matches!(
            Iban::parse("AT89370400440532013000"),
            Err(AttributeProblem::IbanLength { min: 20, .. })
        ));
        // Outside the SEPA area only the general bounds apply.
        assert!(matches!(
            Iban::parse("TR12345"),
            Err(AttributeProblem::IbanLength {
                min: 15,
                max: 34,
                ..
            })
        ));
    }

    #[test]
    fn foreign_letters_and_unknown_countries_are_named() {
        assert_eq!(
            Iban::parse("DE89-3704-0044-0532-0130-00"),
            Err(AttributeProblem::IbanCharacters)
        );
        assert_eq!(
            Iban::parse("DE89 3704 0044 0532 0130 0ä"),
            Err(AttributeProblem::IbanCharacters)
        );
        assert_eq!(
            Iban::parse("XX89370400440532013000"),
            Err(AttributeProblem::IbanCountry)
        );
        assert_eq!(Iban::parse("  "), Err(AttributeProblem::Empty));
        assert_eq!(Iban::parse("D"), Err(AttributeProblem::IbanCountry));
    }

    #[test]
    fn the_length_table_is_sorted_for_binary_search() {
        assert!(LENGTHS.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(LENGTHS.iter().all(|(code, _)| is_country_code(code)));
    }

    #[test]
    fn bics_have_eight_or_eleven_characters_with_a_country_inside() {
        assert_eq!(check_bic("cobadeffxxx").unwrap(), "COBADEFFXXX");
        assert_eq!(check_bic("GENO DE M1 GLS").unwrap(), "GENODEM1GLS");
        assert_eq!(check_bic("BKAUATWW").unwrap(), "BKAUATWW");
        for wrong in [
            "COBADEFF1",
            "COBAXXFFXXX",
            "C0BADEFFXXX",
            "COBADEFFXX-",
            "CÖBDEFF",
            "",
        ] {
            assert_eq!(
                check_bic(wrong),
                Err(AttributeProblem::BicFormat),
                "{wrong}"
            );
        }
    }
}
