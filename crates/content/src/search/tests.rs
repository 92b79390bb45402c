//! Behaviour of the whole search on a small hand-made index, robustness on any input,
//! and a timing run on a large generated index.

use proptest::prelude::*;

use super::*;

use Variant::{EasyGerman, English, German};

/// Kind, key, variant, title, keywords, summary, body.
type Row = (
    Kind,
    &'static str,
    Variant,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

const SERVICE: Kind = Kind::Service;

const FIXTURE: &[Row] = &[
    (
        SERVICE,
        "personalausweis",
        German,
        "Personalausweis beantragen",
        &["Perso", "Ausweis"],
        "Den Personalausweis beantragen Sie persönlich im Bürgerbüro.",
        "Sie brauchen ein biometrisches Passbild. Der Ausweis gilt zehn Jahre.",
    ),
    (
        SERVICE,
        "personalausweis",
        English,
        "Apply for an identity card",
        &["ID card"],
        "Apply for a German identity card in person at a citizens' office.",
        "Bring a biometric photo. The card is valid for ten years.",
    ),
    (
        SERVICE,
        "reisepass",
        German,
        "Reisepass beantragen",
        &["Pass"],
        "Für Reisen außerhalb der EU brauchen Sie einen Reisepass.",
        "Haben Sie schon einen Personalausweis? Der Reisepass kostet mehr.",
    ),
    (
        SERVICE,
        "hundesteuer",
        German,
        "Hundesteuer",
        &["Hund anmelden"],
        "Wer einen Hund hält, zahlt jedes Jahr Hundesteuer.",
        "Für Listenhunde ist die Steuer höher.",
    ),
    (
        SERVICE,
        "hundesteuer",
        EasyGerman,
        "Hunde-Steuer",
        &[],
        "Sie haben einen Hund? Dann zahlen Sie Hunde-Steuer.",
        "Das ist Geld für die Stadt.",
    ),
    (
        SERVICE,
        "hundesteuer",
        English,
        "Dog tax",
        &["dog licence"],
        "Dog owners pay a yearly tax.",
        "",
    ),
    (
        SERVICE,
        "fundsachen",
        German,
        "Fundsachen abgeben",
        &["Fundbüro"],
        "Sie haben etwas gefunden?",
        "Auch ein entlaufener Hund wird dort gemeldet.",
    ),
    (
        SERVICE,
        "wohnsitz-anmelden",
        German,
        "Wohnsitz anmelden",
        &["ummelden", "Umzug", "Meldebescheinigung"],
        "Nach dem Umzug melden Sie Ihre neue Wohnung innerhalb von zwei Wochen an.",
        "Sie brauchen die Wohnungsgeberbestätigung und Ihren Ausweis.",
    ),
    (
        SERVICE,
        "wohnsitz-anmelden",
        English,
        "Register a residence",
        &["moving", "registration"],
        "Register your new address within two weeks after moving in.",
        "Bring the landlord confirmation and your ID.",
    ),
    (
        SERVICE,
        "wohnsitz-anmelden",
        EasyGerman,
        "Wohnung anmelden",
        &[],
        "Sie ziehen um? Dann melden Sie die neue Wohnung an.",
        "",
    ),
    (
        SERVICE,
        "wohnsitz-abmelden",
        German,
        "Wohnsitz abmelden",
        &["Wegzug"],
        "Wenn Sie ins Ausland ziehen, melden Sie sich ab.",
        "",
    ),
    (
        SERVICE,
        "fuehrerschein",
        German,
        "Führerschein beantragen",
        &["Fahrerlaubnis"],
        "Den ersten Führerschein beantragen Sie bei der Führerscheinstelle.",
        "",
    ),
    (
        SERVICE,
        "fuehrungszeugnis",
        German,
        "Führungszeugnis beantragen",
        &[],
        "Das Führungszeugnis zeigt Einträge im Register.",
        "",
    ),
    (
        SERVICE,
        "bewohnerparkausweis",
        German,
        "Bewohnerparkausweis",
        &["Anwohnerparken"],
        "Als Bewohner einer Parkzone parken Sie mit dem Ausweis günstiger.",
        "Bis zu drei Kennzeichen; 30 Euro im Jahr.",
    ),
    (
        SERVICE,
        "veranstaltung",
        German,
        "Veranstaltung anmelden",
        &[],
        "Ein Fest im Park oder auf der Straße melden Sie hier an.",
        "",
    ),
    (
        SERVICE,
        "kinderbetreuung",
        German,
        "Kinderbetreuung finden",
        &[],
        "Einen Platz in der Krippe finden.",
        "",
    ),
    (
        Kind::Office,
        "buergerbuero-mitte",
        German,
        "Bürgerbüro Mitte",
        &["Marktplatz 1"],
        "Personalausweis, Reisepass und Anmeldung an einem Ort.",
        "",
    ),
    (
        Kind::News,
        "strassenfest",
        German,
        "Straßenfest in der Altstadt",
        &[],
        "Die Straße ist am Samstag gesperrt.",
        "",
    ),
    (
        Kind::LifeSituation,
        "umzug",
        German,
        "Umzug in die Stadt",
        &["Neu in der Stadt"],
        "Was Sie nach dem Umzug erledigen müssen.",
        "",
    ),
];

fn document(&(kind, key, variant, title, keywords, summary, body): &Row) -> Document {
    Document {
        kind,
        key: key.to_owned(),
        variant,
        title: title.to_owned(),
        keywords: keywords
            .iter()
            .map(|keyword| (*keyword).to_owned())
            .collect(),
        summary: summary.to_owned(),
        body: body.to_owned(),
        boost: 1.0,
    }
}

fn service(
    key: &'static str,
    title: &'static str,
    summary: &'static str,
    body: &'static str,
) -> Document {
    document(&(SERVICE, key, German, title, &[], summary, body))
}

fn fixture() -> Vec<Document> {
    FIXTURE.iter().map(document).collect()
}

fn index() -> (Vec<Document>, SearchIndex) {
    let documents = fixture();
    let index = SearchIndex::build(&documents);
    (documents, index)
}

/// The key and variant of the best hit.
fn top(query: &str, variant: Variant) -> (String, Variant) {
    let (documents, index) = index();
    let hits = index.search(query, variant, &[], 10);
    let hit = hits
        .first()
        .unwrap_or_else(|| panic!("no hit for {query:?}"));
    let document = &documents[hit.doc];
    (document.key.clone(), document.variant)
}

fn top_key(query: &str) -> String {
    top(query, German).0
}

fn keys(query: &str, variant: Variant, kinds: &[Kind]) -> Vec<String> {
    let (documents, index) = index();
    index
        .search(query, variant, kinds, 10)
        .iter()
        .map(|hit| documents[hit.doc].key.clone())
        .collect()
}

#[test]
fn perso_finds_the_identity_card_first() {
    assert_eq!(top_key("perso"), "personalausweis");
    assert_eq!(top_key("Perso beantragen"), "personalausweis");
}

#[test]
fn a_synonym_finds_items_without_that_keyword() {
    assert_eq!(top_key("Kita"), "kinderbetreuung");
    let documents = [service("ausweis", "Personalausweis", "", "")];
    let index = SearchIndex::build(&documents);
    assert_eq!(index.search("perso", German, &[], 5).len(), 1);
}

#[test]
fn hund_finds_the_dog_tax_first() {
    assert_eq!(top_key("hund"), "hundesteuer");
    assert_eq!(top_key("Hunde"), "hundesteuer");
}

#[test]
fn ummelden_finds_residence_registration_first() {
    assert_eq!(top_key("ummelden"), "wohnsitz-anmelden");
}

#[test]
fn fuehrerschein_is_found_with_and_without_umlaut_and_with_a_typo() {
    for query in [
        "führerschein",
        "Fuhrerschein",
        "Fuehrerschein",
        "führershein",
        "FÜHRERSCHEIN",
        "Fahrerlaubnis",
    ] {
        assert_eq!(top_key(query), "fuehrerschein", "for {query}");
    }
}

#[test]
fn parkausweis_finds_the_compound() {
    assert_eq!(top_key("parkausweis"), "bewohnerparkausweis");
    assert_eq!(top_key("Parkausweise"), "bewohnerparkausweis");
}

#[test]
fn query_compounds_are_split_into_known_words() {
    assert_eq!(top_key("Hundeanmeldung"), "hundesteuer");
}

#[test]
fn register_address_in_english_finds_the_registration() {
    assert_eq!(
        top("register address", English),
        ("wohnsitz-anmelden".to_owned(), English)
    );
}

#[test]
fn a_german_word_on_the_english_portal_finds_the_item_in_english() {
    assert_eq!(
        top("Hundesteuer", English),
        ("hundesteuer".to_owned(), English)
    );
    assert_eq!(top("Reisepass", English), ("reisepass".to_owned(), German));
}

#[test]
fn hunde_steuer_in_leichte_sprache_finds_the_easy_variant() {
    assert_eq!(
        top("Hunde-Steuer", EasyGerman),
        ("hundesteuer".to_owned(), EasyGerman)
    );
    assert_eq!(
        top("Hundesteuer", EasyGerman),
        ("hundesteuer".to_owned(), EasyGerman)
    );
}

#[test]
fn strasse_is_found_however_it_is_spelt() {
    for query in ["Straße", "strasse", "STRASSE", "strase"] {
        assert_eq!(top_key(query), "strassenfest", "for {query}");
    }
}

#[test]
fn the_word_being_typed_matches_longer_words() {
    assert_eq!(top_key("Personalaus"), "personalausweis");
    assert_eq!(top_key("Bewohnerpark"), "bewohnerparkausweis");
}

#[test]
fn exact_forms_rank_above_stems() {
    let documents = [
        service("a", "Anmelden", "", ""),
        service("b", "Anmeldung", "", ""),
    ];
    let index = SearchIndex::build(&documents);
    let hits = index.search("anmeldung ", German, &[], 5);
    assert_eq!(hits.iter().map(|hit| hit.doc).collect::<Vec<_>>(), [1, 0]);
}

#[test]
fn a_known_word_is_not_taken_for_a_typo_of_its_neighbour() {
    let documents = [
        service("an", "Auto anmelden", "", ""),
        service("ab", "Auto abmelden", "", ""),
    ];
    let index = SearchIndex::build(&documents);
    let hits = index.search("auto anmelden", German, &[], 5);
    assert_eq!(hits.iter().map(|hit| hit.doc).collect::<Vec<_>>(), [0, 1]);
    assert!(
        hits[0].score > 1.5 * hits[1].score,
        "only \"auto\" matches the other"
    );

    let typo = index.search("auto anmeldne", German, &[], 5);
    assert_eq!(
        typo.first().map(|hit| hit.doc),
        Some(0),
        "an unknown word is still corrected"
    );
}

#[test]
fn title_beats_body_and_boost_multiplies() {
    let mut documents = vec![
        service("body", "Gewerbe", "", "Hier geht es um Parkplätze."),
        service("title", "Parkplätze", "", ""),
    ];
    let index = SearchIndex::build(&documents);
    assert_eq!(index.search("parkplatze ", German, &[], 5)[0].doc, 1);

    documents[0].boost = 50.0;
    let index = SearchIndex::build(&documents);
    assert_eq!(index.search("parkplatze ", German, &[], 5)[0].doc, 0);
}

#[test]
fn matching_all_terms_beats_matching_one() {
    assert_eq!(
        keys("Wohnsitz anmelden", German, &[])[0],
        "wohnsitz-anmelden"
    );
    assert_eq!(
        keys("Wohnsitz abmelden", German, &[])[0],
        "wohnsitz-abmelden"
    );
}

#[test]
fn ties_are_ordered_by_title_then_key() {
    let documents = [
        service("z", "Beta", "", ""),
        service("y", "Alpha", "Gleich", ""),
        service("x", "Alpha", "Gleich", ""),
        service("w", "Beta", "Gleich", ""),
    ];
    let index = SearchIndex::build(&documents);
    let hits = index.search("gleich", German, &[], 5);
    assert_eq!(
        hits.iter().map(|hit| hit.doc).collect::<Vec<_>>(),
        [2, 1, 3]
    );
}

#[test]
fn one_hit_per_item_and_the_kind_filter_applies() {
    let found = keys("Personalausweis", German, &[]);
    assert_eq!(
        found.iter().filter(|key| *key == "personalausweis").count(),
        1
    );
    assert!(found.contains(&"buergerbuero-mitte".to_owned()));
    let services = keys("Personalausweis", German, &[Kind::Service]);
    assert!(!services.contains(&"buergerbuero-mitte".to_owned()));
    assert_eq!(
        keys("Bürgerbüro", German, &[Kind::Office]),
        ["buergerbuero-mitte"]
    );
}

#[test]
fn a_query_of_stop_words_still_searches() {
    assert!(!keys("in der", German, &[]).is_empty());
}

#[test]
fn quoted_words_are_all_required() {
    assert_eq!(
        keys("\"Wohnsitz anmelden\"", German, &[]),
        ["wohnsitz-anmelden"]
    );
}

#[test]
fn suggestions_complete_title_words() {
    let (_, index) = index();
    assert_eq!(
        index.suggest("perso", German, 5),
        ["Personalausweis beantragen"]
    );
    assert_eq!(
        index.suggest("Wohnsitz an", German, 5),
        ["Wohnsitz anmelden"]
    );
    assert_eq!(index.suggest("wohn", German, 1), ["Wohnsitz abmelden"]);
    assert_eq!(
        index.suggest("ident", English, 5),
        ["Apply for an identity card"]
    );
    assert_eq!(index.suggest("Reise", English, 5), ["Reisepass beantragen"]);
    assert_eq!(index.suggest("hunde", EasyGerman, 5), ["Hunde-Steuer"]);
    assert!(index.suggest("", German, 5).is_empty());
    assert!(index.suggest("perso", German, 0).is_empty());
}

#[test]
fn hostile_input_returns_without_panicking() {
    let (_, index) = index();
    let huge = "Hundesteuer ".repeat(10_000);
    let inputs = [
        "",
        "   ",
        huge.as_str(),
        "\u{0}\u{1b}[31m\u{7f}",
        "🐕🐕🐕 🏛️",
        "!!!???...",
        "'; DROP TABLE services; --",
        "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p",
        "\"\"\"\"\"",
        "ä\u{0308}\u{0308}\u{0308}",
    ];
    for input in inputs {
        let hits = index.search(input, German, &[], 10);
        assert!(hits.len() <= 10);
        let _ = index.suggest(input, English, 10);
    }
}

#[test]
fn an_empty_index_finds_nothing() {
    let index = SearchIndex::default();
    assert!(index.is_empty());
    assert!(index.search("hund", German, &[], 10).is_empty());
    assert!(index.suggest("hund", German, 10).is_empty());
}

fn any_variant() -> impl Strategy<Value = Variant> {
    prop_oneof![Just(German), Just(English), Just(EasyGerman)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn parsing_never_panics_and_caps_terms(input in any::<String>()) {
        let query = parse_query(&input);
        prop_assert!(query.terms().count() <= MAX_QUERY_TERMS);
    }

    #[test]
    fn search_is_bounded_valid_and_deterministic(
        input in prop_oneof![any::<String>(), "[a-zäöüß -]{0,40}", "(hund|perso|amt|steuer|ausweis|wohn) ?{1,3}"],
        variant in any_variant(),
        limit in 0usize..20,
    ) {
        let (documents, index) = index();
        let hits = index.search(&input, variant, &[], limit);
        prop_assert!(hits.len() <= limit);
        prop_assert!(hits.iter().all(|hit| hit.doc < documents.len() && hit.score.is_finite()));
        let mut items: Vec<(Kind, &str)> = hits.iter().map(|hit| (documents[hit.doc].kind, documents[hit.doc].key.as_str())).collect();
        items.sort_unstable();
        items.dedup();
        prop_assert_eq!(items.len(), hits.len());
        prop_assert_eq!(&hits, &index.search(&input, variant, &[], limit));
        prop_assert!(index.suggest(&input, variant, limit).len() <= limit);
    }
}

/// A small deterministic random generator for the generated index.
struct Random(u64);

impl Random {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 >> 33).unwrap_or(0)
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.next() % words.len()]
    }
}

const NOUNS: &[&str] = &[
    "Hund",
    "Steuer",
    "Ausweis",
    "Personal",
    "Wohnsitz",
    "Anmeldung",
    "Park",
    "Bewohner",
    "Gewerbe",
    "Geburt",
    "Urkunde",
    "Ehe",
    "Kinder",
    "Geld",
    "Wohnung",
    "Fahrzeug",
    "Zulassung",
    "Bau",
    "Antrag",
    "Genehmigung",
    "Abfall",
    "Müll",
    "Wasser",
    "Straße",
    "Markt",
    "Stand",
    "Fest",
    "Schule",
    "Bibliothek",
    "Sport",
    "Verein",
    "Bürger",
    "Rente",
    "Pflege",
    "Heim",
    "Arbeit",
    "Lohn",
    "Miete",
    "Zuschuss",
    "Förderung",
    "Grund",
    "Stück",
    "Baum",
    "Garten",
    "Friedhof",
    "Grab",
    "Tier",
    "Halter",
    "Fischerei",
    "Jagd",
    "Waffe",
    "Schein",
    "Karte",
    "Reise",
    "Pass",
    "Visum",
    "Aufenthalt",
    "Titel",
    "Namens",
    "Änderung",
    "Melde",
    "Register",
    "Auskunft",
    "Gaststätte",
    "Lärm",
    "Schutz",
    "Brand",
    "Feuer",
    "Wehr",
    "Impfung",
    "Gesundheit",
    "Amt",
];
const VERBS: &[&str] = &[
    "beantragen",
    "anmelden",
    "abmelden",
    "ändern",
    "verlängern",
    "melden",
    "bezahlen",
    "erhalten",
    "zurückgeben",
    "ersetzen",
    "prüfen",
    "ausstellen",
];
const FILLER: &[&str] = &[
    "Sie",
    "die",
    "der",
    "das",
    "und",
    "mit",
    "für",
    "bei",
    "brauchen",
    "können",
    "müssen",
    "online",
    "persönlich",
    "Termin",
    "Unterlagen",
    "Gebühr",
    "Euro",
    "Frist",
    "Tage",
    "Wochen",
    "Nachweis",
    "Formular",
    "Stadt",
    "Verwaltung",
    "innerhalb",
    "nach",
    "vor",
    "Jahr",
];
const ENGLISH_WORDS: &[&str] = &[
    "apply",
    "for",
    "register",
    "permit",
    "licence",
    "tax",
    "dog",
    "card",
    "identity",
    "residence",
    "parking",
    "birth",
    "certificate",
    "marriage",
    "child",
    "benefit",
    "vehicle",
    "waste",
    "water",
    "street",
    "market",
    "school",
    "library",
    "pension",
    "care",
    "work",
    "rent",
    "grant",
    "tree",
    "garden",
    "cemetery",
    "animal",
    "hunting",
    "weapon",
    "travel",
    "passport",
    "visa",
    "change",
    "name",
    "noise",
    "fire",
    "health",
    "office",
    "the",
    "your",
];

fn sentence(random: &mut Random, words: usize) -> String {
    let mut text = Vec::with_capacity(words);
    for _ in 0..words {
        let word = match random.next() % 4 {
            0 => format!(
                "{}{}",
                random.pick(NOUNS),
                random.pick(NOUNS).to_lowercase()
            ),
            1 => random.pick(NOUNS).to_owned(),
            2 => random.pick(VERBS).to_owned(),
            _ => random.pick(FILLER).to_owned(),
        };
        text.push(word);
    }
    text.join(" ")
}

fn english_sentence(random: &mut Random, words: usize) -> String {
    (0..words)
        .map(|_| random.pick(ENGLISH_WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

fn generated_services(count: usize) -> Vec<Document> {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let mut documents = Vec::with_capacity(count * 2);
    for number in 0..count {
        let key = format!("service-{number}");
        let noun = format!(
            "{}{}",
            random.pick(NOUNS),
            random.pick(NOUNS).to_lowercase()
        );
        let title = format!("{noun} {}", random.pick(VERBS));
        let keywords = vec![random.pick(NOUNS).to_owned(), random.pick(NOUNS).to_owned()];
        let boost = 1.0 + f32::from(u8::try_from(random.next() % 10).unwrap_or(0)) / 20.0;
        documents.push(Document {
            kind: Kind::Service,
            key: key.clone(),
            variant: German,
            title,
            keywords,
            summary: sentence(&mut random, 15),
            body: sentence(&mut random, 80),
            boost,
        });
        documents.push(Document {
            kind: Kind::Service,
            key,
            variant: English,
            title: english_sentence(&mut random, 4),
            keywords: vec![english_sentence(&mut random, 1)],
            summary: english_sentence(&mut random, 15),
            body: english_sentence(&mut random, 60),
            boost,
        });
    }
    documents
}

/// Run with `cargo test --release -p rathaus-content --lib search::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore = "a timing run, not a check; run it in release mode"]
fn timing_on_ten_thousand_generated_services() {
    let documents = generated_services(10_000);
    let started = std::time::Instant::now();
    let index = SearchIndex::build(&documents);
    let build = started.elapsed();
    eprintln!("fastest, median and slowest of 20 runs:");

    let queries = [
        ("hund", German),
        ("perso", German),
        ("hundesteuer", German),
        ("Hundeanmeldung", German),
        ("parkausweis", German),
        ("führershein", German),
        ("Wohnsitz anmelden", German),
        ("Geburtsurkunde beantragen", German),
        ("Personalausw", German),
        ("ste", German),
        ("Antrag Genehmigung Gebühr Termin online Unterlagen", German),
        (
            "Straße Markt Stand Fest Lärm Schutz Feuer Wehr Amt Jagd Waffe Schein",
            German,
        ),
        ("register residence", English),
        ("dog tax", English),
        ("Hundesteuer", English),
        ("pasport", English),
    ];
    let mut times = Vec::new();
    for (query, variant) in queries {
        let mut these: Vec<std::time::Duration> = (0..20)
            .map(|_| {
                let started = std::time::Instant::now();
                let hits = index.search(query, variant, &[], 20);
                assert!(hits.len() <= 20);
                started.elapsed()
            })
            .collect();
        these.sort_unstable();
        let (fastest, median, slowest) = (these[0], these[these.len() / 2], these[these.len() - 1]);
        eprintln!("{fastest:>10.2?} {median:>10.2?} {slowest:>10.2?}  {query} ({variant:?})");
        times.extend(these);
    }
    let mut suggest_times = Vec::new();
    for prefix in ["h", "hu", "hund", "Wohnsitz an", "reg"] {
        let started = std::time::Instant::now();
        let _ = index.suggest(prefix, German, 8);
        suggest_times.push(started.elapsed());
    }

    times.sort_unstable();
    let percentile = |share: usize| times[(times.len() * share / 100).min(times.len() - 1)];
    eprintln!(
        "{} documents, {:?}: build {build:?}; search p50 {:?}, p99 {:?}, max {:?}; suggest max {:?}",
        index.len(),
        index,
        percentile(50),
        percentile(99),
        times[times.len() - 1],
        suggest_times.iter().max(),
    );
}
