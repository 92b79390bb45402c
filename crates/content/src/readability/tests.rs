//! Tests of the whole analysis: hand-counted sample texts, each Leichte-Sprache check, and
//! properties that hold for any input.

use proptest::prelude::*;

use super::*;

/// A text with its counts made by hand, and the scores the formulas give for them.
struct Sample {
    text: &'static str,
    variant: Variant,
    sentences: usize,
    words: usize,
    syllables: usize,
    flesch_amstad: f64,
    wiener_sachtextformel: f64,
}

/// The expected scores were computed from the hand counts: FRE = 180 − words/sentences −
/// 58.5 × syllables/words, and WSTF1 from MS (words of 3+ syllables), SL, IW (words of 7+
/// letters) and ES (one-syllable words), each given below, clamped to 4..=15. Numbers in
/// digits are one word of one syllable and no letters.
const SAMPLES: &[Sample] = &[
    // Den(1) Per-so-nal-aus-weis(5) be-an-tra-gen(4) Sie(1) per-sön-lich(3) mit(1)
    // Ter-min(2) in(1) ei-nem(2) Bür-ger-bü-ro(4) = 24 | Er(1) kos-tet(2) 46(1) Eu-ro(2)
    // un-ter(2) 24(1) Jah-ren(2) 27,60(1) Eu-ro(2) = 14. MS 4, IW 4, ES 8 of 19.
    Sample {
        text: "Den Personalausweis beantragen Sie persönlich mit Termin in einem Bürgerbüro. \
               Er kostet 46 Euro, unter 24 Jahren 27,60 Euro.",
        variant: Variant::German,
        sentences: 2,
        words: 19,
        syllables: 38,
        flesch_amstad: 53.5,
        wiener_sachtextformel: 6.14,
    },
    // Der(1) Per-so-nal-Aus-weis(5) ist(1) ei-ne(2) Kar-te(2) mit(1) Ih-rem(2) Fo-to(2) = 16
    // | Da-mit(2) zei-gen(2) Sie(1) Das(1) bin(1) ich(1) = 8 | Sie(1) be-an-tra-gen(4)
    // den(1) Per-so-nal-Aus-weis(5) im(1) Bür-ger-Bü-ro(4) = 16. MS 4, IW 4, ES 10 of 20.
    Sample {
        text: "Der Personal-Ausweis ist eine Karte mit Ihrem Foto.\n\n\
               Damit zeigen Sie: Das bin ich.\n\n\
               Sie beantragen den Personal-Ausweis im Bürger-Büro.",
        variant: Variant::EasyGerman,
        sentences: 3,
        words: 20,
        syllables: 40,
        flesch_amstad: 56.33,
        wiener_sachtextformel: 5.07,
    },
    // In-ner-halb(3) von(1) 2(1) Wo-chen(2) nach-dem(2) Sie(1) den(1) Hund(1)
    // auf-ge-nom-men(4) ha-ben(2) nach-dem(2) ein(1) ei-ge-ner(3) Wel-pe(2) 4(1)
    // Mo-na-te(3) alt(1) ge-wor-den(3) ist(1) o-der(2) nach-dem(2) Sie(1) mit(1) Hund(1)
    // nach(1) Mus-ter-stadt(3) ge-zo-gen(3) sind(1) = 50. MS 7, IW 9, ES 14 of 28.
    Sample {
        text: "Innerhalb von 2 Wochen, nachdem Sie den Hund aufgenommen haben, nachdem ein \
               eigener Welpe 4 Monate alt geworden ist oder nachdem Sie mit Hund nach \
               Musterstadt gezogen sind.",
        variant: Variant::German,
        sentences: 1,
        words: 28,
        syllables: 50,
        flesch_amstad: 47.54,
        wiener_sachtextformel: 11.18,
    },
    // Die(1) Hun-de-Steu-er(4) kos-tet(2) 100(1) Eu-ro(2) im(1) Jahr(1) = 12 | Das(1)
    // gilt(1) für(1) je-den(2) Hund(1) = 6 | Für(1) ei-nen(2) Kampf-Hund(2) kos-tet(2)
    // die(1) Hun-de-Steu-er(4) 800(1) Eu-ro(2) im(1) Jahr(1) = 17 | Sie(1) be-zah-len(3)
    // die(1) Hun-de-Steu-er(4) im-mer(2) am(1) 15(1) Ja-nu-ar(3) = 16. MS 5, IW 5, ES 17
    // of 30: WSTF1 3.91, clamped.
    Sample {
        text: "Die Hunde-Steuer kostet 100 Euro im Jahr.\n\n\
               Das gilt für jeden Hund.\n\n\
               Für einen Kampf-Hund kostet die Hunde-Steuer 800 Euro im Jahr.\n\n\
               Sie bezahlen die Hunde-Steuer immer am 15. Januar.",
        variant: Variant::EasyGerman,
        sentences: 4,
        words: 30,
        syllables: 51,
        flesch_amstad: 73.05,
        wiener_sachtextformel: 4.0,
    },
    // Brin-gen(2) Sie(1) z(1) B(1) Ih-ren(2) Aus-weis(2) mit(1) = 10 | Die(1) Ge-bühr(2)
    // be-trägt(2) ca(1) 30(1) Eu-ro(2) d(1) h(1) et-wa(2) so(1) viel(1) wie(1) im(1)
    // Vor-jahr(2) = 19. MS 0, IW 4, ES 13 of 21: WSTF1 1.33, clamped.
    Sample {
        text: "Bringen Sie z. B. Ihren Ausweis mit. Die Gebühr beträgt ca. 30 Euro, d. h. \
               etwa so viel wie im Vorjahr.",
        variant: Variant::German,
        sentences: 2,
        words: 21,
        syllables: 29,
        flesch_amstad: 88.71,
        wiener_sachtextformel: 4.0,
    },
    // Die(1) Steu-er(2) ist(1) je-des(2) Jahr(1) am(1) 15(1) Ja-nu-ar(3) fäl-lig(2) = 14 |
    // Im(1) ers-ten(2) Jahr(1) zah-len(2) Sie(1) nur(1) für(1) die(1) Mo-na-te(3) in(1)
    // de-nen(2) Sie(1) den(1) Hund(1) hal-ten(2) = 21. MS 2, IW 0, ES 15 of 24.
    Sample {
        text: "Die Steuer ist jedes Jahr am **15. Januar** fällig. Im ersten Jahr zahlen Sie \
               nur für die Monate, in denen Sie den Hund halten.",
        variant: Variant::German,
        sentences: 2,
        words: 24,
        syllables: 35,
        flesch_amstad: 82.69,
        wiener_sachtextformel: 4.0,
    },
    // Un-ter-la-gen(4) | bis-he-ri-ger(4) Per-so-nal-aus-weis(5) o-der(2) Rei-se-pass(3) |
    // Ge-burts-ur-kun-de(5) | Brin-gen(2) Sie(1) al-les(2) mit(1) = 29. MS 5, IW 6, ES 2
    // of 10: WSTF1 16.35, clamped.
    Sample {
        text: "### Unterlagen\n\n\
               - bisheriger Personalausweis oder Reisepass\n\
               - Geburtsurkunde\n\n\
               Bringen Sie alles mit.",
        variant: Variant::German,
        sentences: 4,
        words: 10,
        syllables: 29,
        flesch_amstad: 7.85,
        wiener_sachtextformel: 15.0,
    },
    // Sie(1) müs-sen(2) Ih-ren(2) Hund(1) an-mel-den(3) wenn(1) er(1) äl-ter(2) als(1) 4(1)
    // Mo-na-te(3) ist(1) = 19. MS 2, IW 1, ES 7 of 12: WSTF1 3.53, clamped.
    Sample {
        text: "Sie müssen Ihren Hund anmelden, wenn er älter als 4 Monate ist.",
        variant: Variant::EasyGerman,
        sentences: 1,
        words: 12,
        syllables: 19,
        flesch_amstad: 75.38,
        wiener_sachtextformel: 4.0,
    },
    // Die(1) Fa-mi-lie(3) be-kommt(2) ei-nen(2) neu-en(2) Aus-weis(2) = 12. MS 1, IW 3,
    // ES 1 of 6.
    Sample {
        text: "Die Familie bekommt einen neuen Ausweis.",
        variant: Variant::German,
        sentences: 1,
        words: 6,
        syllables: 12,
        flesch_amstad: 57.0,
        wiener_sachtextformel: 9.29,
    },
    // Sie(1) ha-ben(2) ei-nen(2) Hund(1) in(1) Mus-ter-stadt(3) = 10 | Dann(1)
    // be-zah-len(3) Sie(1) je-des(2) Jahr(1) Geld(1) an(1) die(1) Stadt(1) = 12 | Das(1)
    // Geld(1) heißt(1) Hun-de-Steu-er(4) = 7. MS 3, IW 3, ES 13 of 19: WSTF1 3.05, clamped.
    Sample {
        text: "Sie haben einen Hund in Musterstadt.\n\n\
               Dann bezahlen Sie jedes Jahr Geld an die Stadt.\n\n\
               Das Geld heißt: Hunde-Steuer.",
        variant: Variant::EasyGerman,
        sentences: 3,
        words: 19,
        syllables: 29,
        flesch_amstad: 84.38,
        wiener_sachtextformel: 4.0,
    },
];

fn german(text: &str) -> Analysis {
    analyse(text, Variant::German, &ReadabilitySettings::default())
}

fn easy(text: &str) -> Analysis {
    analyse(text, Variant::EasyGerman, &ReadabilitySettings::default())
}

/// The excerpts of the Leichte-Sprache findings of `rule` in `text`.
fn flagged(text: &str, rule: Rule) -> Vec<String> {
    easy(text)
        .easy_language
        .into_iter()
        .filter(|finding| finding.rule == rule)
        .map(|finding| finding.excerpt)
        .collect()
}

fn assert_flags(rule: Rule, cases: &[(&str, &[&str])]) {
    for (text, expected) in cases {
        assert_eq!(flagged(text, rule), *expected, "{rule:?} in {text:?}");
    }
}

#[test]
fn hand_counted_samples_get_their_counts_and_scores() {
    for sample in SAMPLES {
        let analysis = analyse(sample.text, sample.variant, &ReadabilitySettings::default());
        let counts = (analysis.sentences, analysis.words, analysis.syllables);
        assert_eq!(
            counts,
            (sample.sentences, sample.words, sample.syllables),
            "{}",
            sample.text
        );

        let flesch_amstad = analysis.flesch_amstad.unwrap();
        let wiener_sachtextformel = analysis.wiener_sachtextformel.unwrap();
        assert!(
            (flesch_amstad - sample.flesch_amstad).abs() < 0.05,
            "{flesch_amstad} for {}",
            sample.text
        );
        assert!(
            (wiener_sachtextformel - sample.wiener_sachtextformel).abs() < 0.05,
            "{wiener_sachtextformel} for {}",
            sample.text
        );
        assert_eq!(analysis.band, Some(Band::of(sample.flesch_amstad)));
    }
}

#[test]
fn settings_left_out_of_configuration_keep_their_defaults() {
    let settings: ReadabilitySettings = toml::from_str("max_sentence_words = 12").unwrap();
    assert_eq!(
        settings,
        ReadabilitySettings {
            max_sentence_words: 12,
            ..ReadabilitySettings::default()
        }
    );
    assert!(toml::from_str::<ReadabilitySettings>("max_words = 12").is_err());
}

#[test]
fn bands_follow_the_flesch_amstad_boundaries() {
    let cases = [
        (-12.0, Band::VeryDifficult),
        (30.0, Band::VeryDifficult),
        (30.1, Band::Difficult),
        (50.0, Band::Difficult),
        (53.5, Band::FairlyDifficult),
        (60.5, Band::Medium),
        (73.05, Band::FairlyEasy),
        (88.7, Band::Easy),
        (90.1, Band::VeryEasy),
        (130.0, Band::VeryEasy),
    ];
    for (score, band) in cases {
        assert_eq!(Band::of(score), band, "{score}");
    }
    assert_eq!(Band::FairlyDifficult.label(Variant::German), "mittelschwer");
    assert_eq!(
        Band::FairlyDifficult.label(Variant::English),
        "fairly difficult"
    );
}

#[test]
fn keys_are_what_the_api_sends() {
    for rule in [
        Rule::LongSentence,
        Rule::SeveralSentencesPerLine,
        Rule::NumberAsWord,
    ] {
        assert_eq!(serde_json::to_value(rule).unwrap(), rule.key());
    }
    assert_eq!(
        serde_json::to_value(Band::VeryEasy).unwrap(),
        Band::VeryEasy.key()
    );
    assert!(
        Rule::Passive
            .explanation(Variant::German)
            .contains("Passiv")
    );
    assert!(
        Rule::Passive
            .explanation(Variant::English)
            .contains("passive")
    );
}

#[test]
fn a_text_without_words_has_no_scores() {
    for text in ["", "   ", "- \n- ", "**–** …", "```\nCode\n```"] {
        let analysis = german(text);
        assert_eq!((analysis.sentences, analysis.words), (0, 0), "{text:?}");
        assert_eq!(analysis.flesch_amstad, None);
        assert_eq!(analysis.wiener_sachtextformel, None);
        assert_eq!(analysis.band, None);
    }
}

#[test]
fn english_is_counted_but_not_scored() {
    let analysis = analyse(
        "Apply in person. Bring your old card.",
        Variant::English,
        &ReadabilitySettings::default(),
    );
    assert_eq!((analysis.sentences, analysis.words), (2, 7));
    assert_eq!(analysis.flesch_amstad, None);
    assert_eq!(analysis.band, None);
    assert!(analysis.easy_language.is_empty());
}

#[test]
fn sentence_length_limits_depend_on_the_variant() {
    // Twelve words: long for Leichte Sprache, not for German.
    let text = "Sie müssen Ihren Hund anmelden, wenn er älter als 4 Monate ist.";
    assert!(german(text).long_sentences.is_empty());
    let long = easy(text).long_sentences;
    assert_eq!(long.len(), 1);
    assert_eq!(long[0].rule, Rule::LongSentence);
    assert_eq!(long[0].excerpt, text);

    let settings = ReadabilitySettings {
        max_sentence_words: 11,
        ..ReadabilitySettings::default()
    };
    assert_eq!(
        analyse(text, Variant::German, &settings)
            .long_sentences
            .len(),
        1
    );
}

#[test]
fn long_words_are_words_or_parts_beyond_the_letter_limit() {
    let analysis =
        german("Die Hundesteuermarke, der Personalausweis und die Online-Ausweisfunktion.");
    let long: Vec<&str> = analysis
        .long_words
        .iter()
        .map(|finding| finding.excerpt.as_str())
        .collect();
    assert_eq!(long, ["Hundesteuermarke"]);
}

#[test]
fn leichte_sprache_checks_run_only_for_leichte_sprache() {
    let text = "Sie brauchen keinen Termin, weil der Antrag geprüft wird.";
    assert!(german(text).easy_language.is_empty());
    assert!(!easy(text).easy_language.is_empty());
}

#[test]
fn good_leichte_sprache_from_the_demo_city_passes() {
    let text = "Der Personal-Ausweis ist eine Karte mit Ihrem Foto.\n\n\
                Damit zeigen Sie: Das bin ich.\n\n\
                Im Bürger-Büro nehmen wir Ihre Finger-Abdrücke.\n\n\
                Darum müssen Sie selbst kommen.\n\n\
                - Sie machen einen Termin im Internet.\n\
                - Sie gehen zum Termin in das Bürger-Büro.";
    let analysis = easy(text);
    assert_eq!(analysis.easy_language, []);
    assert_eq!(analysis.long_sentences, []);
}

#[test]
fn several_statements_are_found_by_conjunctions_and_semicolons() {
    assert_flags(
        Rule::SeveralStatements,
        &[
            (
                "Sie müssen Ihren Hund anmelden, wenn er älter ist.",
                &["Sie müssen Ihren Hund anmelden, wenn er älter ist."],
            ),
            (
                "Wenn Sie umziehen, melden Sie sich.",
                &["Wenn Sie umziehen, melden Sie sich."],
            ),
            (
                "Bringen Sie Fotos mit, damit wir sie prüfen.",
                &["Bringen Sie Fotos mit, damit wir sie prüfen."],
            ),
            ("Sie kommen; wir warten.", &["Sie kommen; wir warten."]),
            ("Damit zeigen Sie: Das bin ich.", &[]),
            ("Sie brauchen den Ausweis und ein Foto.", &[]),
            ("Bringen Sie Ausweis, Foto und Geld mit.", &[]),
        ],
    );
}

#[test]
fn passive_voice_is_found_from_auxiliary_to_participle() {
    assert_flags(
        Rule::Passive,
        &[
            (
                "Der Ausweis wird im Bürger-Büro hergestellt.",
                &["wird im Bürger-Büro hergestellt"],
            ),
            ("Der Antrag wurde geprüft.", &["wurde geprüft"]),
            ("Sie werden informiert.", &["werden informiert"]),
            (
                "Dann wird der Betrag bezahlt.",
                &["wird der Betrag bezahlt"],
            ),
            ("Der Brief ist verschickt worden.", &["verschickt worden"]),
            (
                "Sie warten, bis der Ausweis abgeholt wird.",
                &["abgeholt wird"],
            ),
            ("Sie werden einen Brief bekommen.", &[]),
            ("Die Regel wird ab Mai gelten.", &[]),
            ("Das Geschäft wird groß.", &[]),
            ("Der Ausweis wird teuer.", &[]),
            ("Das wird gegen Mittag fertig.", &[]),
        ],
    );
}

#[test]
fn negations_are_found_as_words() {
    assert_flags(
        Rule::Negation,
        &[
            ("Sie brauchen keinen Termin.", &["keinen"]),
            ("Nicht vergessen: Das geht nie online.", &["Nicht", "nie"]),
            ("Niemand muss warten.", &["Niemand"]),
            ("Der Nichtraucher-Bereich ist oben.", &[]),
            ("Sie brauchen einen Termin.", &[]),
        ],
    );
}

#[test]
fn numbers_written_as_words_are_found() {
    assert_flags(
        Rule::NumberAsWord,
        &[
            ("Es dauert drei Wochen.", &["drei"]),
            ("Zwei Hunde kosten mehr.", &["Zwei"]),
            (
                "Sie warten einundzwanzig oder zweihundert Tage.",
                &["einundzwanzig", "zweihundert"],
            ),
            ("Sie haben ein Kind und eine Katze.", &[]),
            ("Die Elf spielt heute.", &[]),
            ("Sie achten auf den Hund.", &[]),
            ("Es dauert 3 Wochen.", &[]),
        ],
    );
}

#[test]
fn exact_numbers_are_found_but_years_and_round_numbers_pass() {
    assert_flags(
        Rule::ExactNumber,
        &[
            ("Das kostet 27,60 Euro.", &["27,60"]),
            ("Es kamen 1.250 Menschen.", &["1.250"]),
            ("Das kostet 46 Euro oder 46,00 Euro.", &[]),
            ("Es kamen mehr als 1.500 Menschen im Jahr 2026.", &[]),
            ("Die Post-Leitzahl ist 80331.", &[]),
            ("Wir öffnen um 8:30 Uhr.", &[]),
        ],
    );
}

#[test]
fn long_compounds_without_hyphen_are_found() {
    assert_flags(
        Rule::LongCompound,
        &[
            ("Sie brauchen einen Personalausweis.", &["Personalausweis"]),
            ("Sie brauchen einen Personal-Ausweis.", &[]),
            ("Sie brauchen einen Personal·ausweis.", &[]),
            ("Sie gehen zum Bürgerbüro.", &[]),
            (
                "Sie brauchen eine Krankenversicherung.",
                &["Krankenversicherung"],
            ),
            ("Sie beantragen die Einbürgerung und ein Verzeichnis.", &[]),
            ("Sie wohnen in Deutschland.", &[]),
            ("Personalausweise kosten Geld.", &[]),
            ("Sie geben das SEPA-Mandat und die IBAN an.", &[]),
            ("Das ist selbstverständlich.", &[]),
        ],
    );
}

#[test]
fn subjunctives_are_found() {
    assert_flags(
        Rule::Subjunctive,
        &[
            ("Das würde helfen.", &["würde"]),
            ("Sie könnten morgen kommen.", &["könnten"]),
            ("Sie können morgen kommen.", &[]),
            ("Sie möchten bar zahlen.", &[]),
        ],
    );
}

#[test]
fn the_genitive_article_is_found() {
    assert_flags(
        Rule::Genitive,
        &[
            ("Das ist die Adresse des Amtes.", &["des"]),
            ("Das ist die Adresse von dem Amt.", &[]),
        ],
    );
}

#[test]
fn abbreviations_are_found_and_z_b_is_one() {
    assert_flags(
        Rule::Abbreviation,
        &[
            ("Bringen Sie z. B. den Ausweis mit.", &["z. B."]),
            ("Sie bringen Fotos, Papiere usw.", &["usw."]),
            ("Gehen Sie zu Zimmer Nr. 5.", &["Nr."]),
            ("Das ist gut. Die PIN ist geheim.", &[]),
        ],
    );
}

#[test]
fn several_sentences_on_one_line_are_found() {
    assert_flags(
        Rule::SeveralSentencesPerLine,
        &[
            ("Sie kommen. Wir warten.", &["Sie kommen. Wir warten."]),
            ("Sie kommen.\n\nWir warten.", &[]),
            ("- Sie kommen.\n- Wir warten.", &[]),
        ],
    );
}

#[test]
fn offsets_point_into_the_markdown_as_written() {
    let text = "Sie brauchen **keinen** Termin. Der Ausweis wird [hier](/de/a) *hergestellt*.";
    let analysis = easy(text);

    let negation = &analysis.easy_language[1];
    assert_eq!(negation.rule, Rule::Negation);
    assert_eq!(&text[negation.start..negation.end], "keinen");

    let passive = analysis
        .easy_language
        .iter()
        .find(|finding| finding.rule == Rule::Passive)
        .unwrap();
    assert_eq!(passive.excerpt, "wird hier hergestellt");
    assert_eq!(
        &text[passive.start..passive.end],
        "wird [hier](/de/a) *hergestellt"
    );
}

#[test]
fn findings_are_in_text_order() {
    let analysis = easy("Sie brauchen keinen Termin, weil der Antrag des Amtes geprüft wird.");
    let rules: Vec<Rule> = analysis
        .easy_language
        .iter()
        .map(|finding| finding.rule)
        .collect();
    assert_eq!(
        rules,
        [
            Rule::SeveralStatements,
            Rule::Negation,
            Rule::Genitive,
            Rule::Passive
        ]
    );
}

fn all_findings(analysis: &Analysis) -> impl Iterator<Item = &Finding> {
    analysis
        .long_sentences
        .iter()
        .chain(&analysis.long_words)
        .chain(&analysis.easy_language)
}

fn markdownish() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("**".to_owned()),
        Just("*".to_owned()),
        Just("\n\n".to_owned()),
        Just("\n- ".to_owned()),
        Just("### ".to_owned()),
        Just("[Link](https://x.example)".to_owned()),
        Just("<https://x.example>".to_owned()),
        Just("&amp;".to_owned()),
        Just("\\*".to_owned()),
        Just("`Code`".to_owned()),
        Just(" z. B. ".to_owned()),
        Just(" 3. ".to_owned()),
        Just("wird geprüft".to_owned()),
        "[ a-zA-ZäöüßÄÖÜ·,;:.!?0-9-]{0,12}",
        ".{0,4}",
    ];
    prop::collection::vec(pieces, 0..30).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn analysis_never_panics_and_offsets_are_character_boundaries(
        text in prop_oneof![".{0,300}", markdownish()],
        variant in prop_oneof![
            Just(Variant::German),
            Just(Variant::EasyGerman),
            Just(Variant::English),
        ],
    ) {
        let analysis = analyse(&text, variant, &ReadabilitySettings::default());

        for finding in all_findings(&analysis) {
            prop_assert!(finding.start <= finding.end && finding.end <= text.len(), "{finding:?}");
            prop_assert!(text.is_char_boundary(finding.start), "{finding:?}");
            prop_assert!(text.is_char_boundary(finding.end), "{finding:?}");
        }
        prop_assert!(analysis.sentences <= analysis.words);
        prop_assert!(analysis.syllables >= analysis.words);
        let scored = analysis.words > 0 && variant != Variant::English;
        prop_assert_eq!(analysis.flesch_amstad.is_some(), scored);
        if let Some(grade) = analysis.wiener_sachtextformel {
            prop_assert!((4.0..=15.0).contains(&grade));
        }
    }
}
