//! Opening hours of offices: the public holidays of the German states, the hours that apply
//! on a given date, whether an office is open now and when it opens next.
//!
//! All times are local wall-clock times in the city's time zone, as printed on the office
//! door. They are compared with the wall-clock time of "now" in that zone, never shifted by a
//! fixed offset, so that "08:00–12:00" means the same on the days daylight saving time begins
//! or ends as on any other day.
//!
//! # Public holidays
//!
//! Public holidays (gesetzliche Feiertage) are set partly by federal law and partly by each
//! of the 16 states (Bundesländer). [`public_holidays`] applies the rules in force today to
//! every year; the portal shows present and future hours, so changes of the past (such as
//! the Reformationstag becoming a holiday in the northern states in 2018) are not modelled.
//! Holidays declared once, such as 8 May 2025 in Berlin, and holidays of single towns, such as
//! the Augsburger Friedensfest, are not included; an office enters them as an
//! [`HoursException`](crate::model::HoursException). Where a state keeps a holiday only in
//! some municipalities, this module decides for the whole state:
//!
//! - Mariä Himmelfahrt (Assumption Day) is a holiday in Bavaria only in its predominantly
//!   Catholic municipalities, which are most of them; it is treated as a holiday for all of
//!   Bavaria, since an office closed for it is the common case.
//! - Fronleichnam (Corpus Christi) is a holiday in some Catholic municipalities of Saxony and
//!   Thuringia; it is not treated as a holiday there, since most offices are open.

use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::{Closure, Localized, Office, TimeRange};

/// How many days after today [`status_at`] looks for the next opening.
const LOOKAHEAD_DAYS: usize = 14;

/// How many days [`week_schedule`] covers.
const WEEK_DAYS: usize = 7;

/// A German state (Bundesland), written in files and the API as its two-letter code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    /// Baden-Württemberg.
    #[serde(rename = "BW")]
    BadenWuerttemberg,
    /// Bayern.
    #[serde(rename = "BY")]
    Bavaria,
    /// Berlin.
    #[serde(rename = "BE")]
    Berlin,
    /// Brandenburg.
    #[serde(rename = "BB")]
    Brandenburg,
    /// Bremen.
    #[serde(rename = "HB")]
    Bremen,
    /// Hamburg.
    #[serde(rename = "HH")]
    Hamburg,
    /// Hessen.
    #[serde(rename = "HE")]
    Hesse,
    /// Mecklenburg-Vorpommern.
    #[serde(rename = "MV")]
    MecklenburgVorpommern,
    /// Niedersachsen.
    #[serde(rename = "NI")]
    LowerSaxony,
    /// Nordrhein-Westfalen.
    #[serde(rename = "NW")]
    NorthRhineWestphalia,
    /// Rheinland-Pfalz.
    #[serde(rename = "RP")]
    RhinelandPalatinate,
    /// Saarland.
    #[serde(rename = "SL")]
    Saarland,
    /// Sachsen.
    #[serde(rename = "SN")]
    Saxony,
    /// Sachsen-Anhalt.
    #[serde(rename = "ST")]
    SaxonyAnhalt,
    /// Schleswig-Holstein.
    #[serde(rename = "SH")]
    SchleswigHolstein,
    /// Thüringen.
    #[serde(rename = "TH")]
    Thuringia,
}

impl State {
    /// All states, in the order of their codes' usual listing.
    pub const ALL: [State; 16] = [
        State::BadenWuerttemberg,
        State::Bavaria,
        State::Berlin,
        State::Brandenburg,
        State::Bremen,
        State::Hamburg,
        State::Hesse,
        State::MecklenburgVorpommern,
        State::LowerSaxony,
        State::NorthRhineWestphalia,
        State::RhinelandPalatinate,
        State::Saarland,
        State::Saxony,
        State::SaxonyAnhalt,
        State::SchleswigHolstein,
        State::Thuringia,
    ];

    /// The two-letter code of the state (ISO 3166-2 without the `DE-` prefix), such as `BY`.
    pub fn code(self) -> &'static str {
        match self {
            State::BadenWuerttemberg => "BW",
            State::Bavaria => "BY",
            State::Berlin => "BE",
            State::Brandenburg => "BB",
            State::Bremen => "HB",
            State::Hamburg => "HH",
            State::Hesse => "HE",
            State::MecklenburgVorpommern => "MV",
            State::LowerSaxony => "NI",
            State::NorthRhineWestphalia => "NW",
            State::RhinelandPalatinate => "RP",
            State::Saarland => "SL",
            State::Saxony => "SN",
            State::SaxonyAnhalt => "ST",
            State::SchleswigHolstein => "SH",
            State::Thuringia => "TH",
        }
    }

    /// Parses a two-letter code such as `BY`, ignoring surrounding blanks and letter case.
    pub fn parse(code: &str) -> Option<State> {
        let code = code.trim();
        State::ALL
            .into_iter()
            .find(|state| state.code().eq_ignore_ascii_case(code))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A public holiday on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    /// The date.
    pub date: NaiveDate,
    /// Its name in German and English.
    pub name: Localized,
}

/// How the date of a holiday is found in a year.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// The same day every year.
    Fixed { month: u32, day: u32 },
    /// A number of days after (or, if negative, before) Easter Sunday.
    Easter(i64),
    /// The Wednesday before 23 November: Buß- und Bettag.
    WednesdayBeforeNovember23,
}

/// Where a holiday is kept.
#[derive(Debug, Clone, Copy)]
enum Observed {
    /// In all states.
    Nationwide,
    /// In the listed states only.
    In(&'static [State]),
}

/// One holiday of the table: its rule, where it is kept and its names.
#[derive(Debug, Clone, Copy)]
struct Definition {
    rule: Rule,
    observed: Observed,
    german: &'static str,
    english: &'static str,
}

impl Definition {
    const fn new(
        rule: Rule,
        observed: Observed,
        german: &'static str,
        english: &'static str,
    ) -> Definition {
        Definition {
            rule,
            observed,
            german,
            english,
        }
    }

    fn is_observed_in(&self, state: State) -> bool {
        match self.observed {
            Observed::Nationwide => true,
            Observed::In(states) => states.contains(&state),
        }
    }

    fn date_in(&self, year: i32) -> Option<NaiveDate> {
        match self.rule {
            Rule::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day),
            Rule::Easter(offset) => {
                easter_sunday(year)?.checked_add_signed(TimeDelta::try_days(offset)?)
            }
            Rule::WednesdayBeforeNovember23 => wednesday_before_november_23(year),
        }
    }

    fn name(&self) -> Localized {
        Localized {
            de: self.german.to_owned(),
            en: Some(self.english.to_owned()),
            ls: None,
        }
    }
}

/// The public holidays of all states, in their usual order in the year.
const HOLIDAYS: [Definition; 19] = {
    use Observed::{In, Nationwide};
    use State::{
        BadenWuerttemberg as BW, Bavaria as BY, Berlin as BE, Brandenburg as BB, Bremen as HB,
        Hamburg as HH, Hesse as HE, LowerSaxony as NI, MecklenburgVorpommern as MV,
        NorthRhineWestphalia as NW, RhinelandPalatinate as RP, Saarland as SL, Saxony as SN,
        SaxonyAnhalt as ST, SchleswigHolstein as SH, Thuringia as TH,
    };

    const fn fixed(month: u32, day: u32) -> Rule {
        Rule::Fixed { month, day }
    }

    [
        Definition::new(fixed(1, 1), Nationwide, "Neujahr", "New Year's Day"),
        Definition::new(
            fixed(1, 6),
            In(&[BW, BY, ST]),
            "Heilige Drei Könige",
            "Epiphany",
        ),
        Definition::new(
            fixed(3, 8),
            In(&[BE, MV]),
            "Internationaler Frauentag",
            "International Women's Day",
        ),
        Definition::new(Rule::Easter(-2), Nationwide, "Karfreitag", "Good Friday"),
        Definition::new(Rule::Easter(0), In(&[BB]), "Ostersonntag", "Easter Sunday"),
        Definition::new(Rule::Easter(1), Nationwide, "Ostermontag", "Easter Monday"),
        Definition::new(fixed(5, 1), Nationwide, "Tag der Arbeit", "Labour Day"),
        Definition::new(
            Rule::Easter(39),
            Nationwide,
            "Christi Himmelfahrt",
            "Ascension Day",
        ),
        Definition::new(Rule::Easter(49), In(&[BB]), "Pfingstsonntag", "Whit Sunday"),
        Definition::new(Rule::Easter(50), Nationwide, "Pfingstmontag", "Whit Monday"),
        Definition::new(
            Rule::Easter(60),
            In(&[BW, BY, HE, NW, RP, SL]),
            "Fronleichnam",
            "Corpus Christi",
        ),
        Definition::new(
            fixed(8, 15),
            In(&[BY, SL]),
            "Mariä Himmelfahrt",
            "Assumption Day",
        ),
        Definition::new(
            fixed(9, 20),
            In(&[TH]),
            "Weltkindertag",
            "World Children's Day",
        ),
        Definition::new(
            fixed(10, 3),
            Nationwide,
            "Tag der Deutschen Einheit",
            "German Unity Day",
        ),
        Definition::new(
            fixed(10, 31),
            In(&[BB, HB, HH, MV, NI, SN, ST, SH, TH]),
            "Reformationstag",
            "Reformation Day",
        ),
        Definition::new(
            fixed(11, 1),
            In(&[BW, BY, NW, RP, SL]),
            "Allerheiligen",
            "All Saints' Day",
        ),
        Definition::new(
            Rule::WednesdayBeforeNovember23,
            In(&[SN]),
            "Buß- und Bettag",
            "Day of Repentance and Prayer",
        ),
        Definition::new(
            fixed(12, 25),
            Nationwide,
            "1. Weihnachtstag",
            "Christmas Day",
        ),
        Definition::new(
            fixed(12, 26),
            Nationwide,
            "2. Weihnachtstag",
            "Second Day of Christmas",
        ),
    ]
};

/// The public holidays of `state` in `year`, ordered by date.
///
/// Years outside the range of [`NaiveDate`] give an empty list.
pub fn public_holidays(state: State, year: i32) -> Vec<Holiday> {
    let mut holidays: Vec<Holiday> = HOLIDAYS
        .iter()
        .filter(|definition| definition.is_observed_in(state))
        .filter_map(|definition| {
            let date = definition.date_in(year)?;
            Some(Holiday {
                date,
                name: definition.name(),
            })
        })
        .collect();

    // A movable holiday can come before a fixed one listed earlier, such as Ascension Day on
    // 30 April; the sort is stable, so holidays on the same date keep the table's order.
    holidays.sort_by_key(|holiday| holiday.date);
    holidays
}

/// The public holiday of `state` on `date`, if there is one.
pub fn holiday_on(state: State, date: NaiveDate) -> Option<Holiday> {
    public_holidays(state, date.year())
        .into_iter()
        .find(|holiday| holiday.date == date)
}

/// Easter Sunday of `year` in the Gregorian calendar, by the anonymous algorithm published
/// by Meeus, Jones and Butcher; `None` outside the range of [`NaiveDate`].
#[expect(
    clippy::many_single_char_names,
    reason = "the names are those of the published algorithm, which cannot be read otherwise"
)]
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;

    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Buß- und Bettag (Day of Repentance and Prayer): the Wednesday before 23 November.
fn wednesday_before_november_23(year: i32) -> Option<NaiveDate> {
    let november_22 = NaiveDate::from_ymd_opt(year, 11, 22)?;
    let days_since_wednesday = (november_22.weekday().num_days_from_monday() + 7
        - Weekday::Wed.num_days_from_monday())
        % 7;
    november_22.checked_sub_days(Days::new(u64::from(days_since_wednesday)))
}

/// Why an office keeps other than its regular weekly hours on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ClosedReason {
    /// The date lies in a closure period; the office is closed.
    Closure {
        /// Why it is closed.
        reason: Localized,
    },
    /// The date is a public holiday; the office is closed.
    Holiday {
        /// The name of the holiday.
        name: Localized,
    },
    /// The office has different hours on the date, possibly none.
    Exception {
        /// Why, if the office gave a reason.
        note: Option<Localized>,
    },
}

/// The hours of an office on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayStatus {
    /// The opening hours, ordered by start; empty if the office is closed all day.
    pub ranges: Vec<TimeRange>,
    /// Why the hours differ from the regular weekly hours; `None` if they do not.
    pub reason: Option<ClosedReason>,
}

impl DayStatus {
    /// Whether the office is closed all day.
    pub fn is_closed(&self) -> bool {
        self.ranges.is_empty()
    }

    fn closed(reason: ClosedReason) -> DayStatus {
        DayStatus {
            ranges: Vec::new(),
            reason: Some(reason),
        }
    }
}

/// The hours of `office` on `date` in a city of `state`, and why they differ from the
/// regular ones.
///
/// A closure period wins over an exception for the date, an exception over a public holiday
/// (so an office can open on a holiday), and a holiday over the weekly hours. Holidays count
/// only if the office is closed on them.
pub fn hours_on(office: &Office, state: State, date: NaiveDate) -> DayStatus {
    let in_closure = |closure: &&Closure| closure.from <= date && date <= closure.to;
    if let Some(closure) = office.closures.iter().find(in_closure) {
        let reason = closure.reason.clone();
        return DayStatus::closed(ClosedReason::Closure { reason });
    }

    if let Some(exception) = office.exceptions.iter().find(|e| e.date == date) {
        let note = exception.note.clone();
        return DayStatus {
            ranges: sorted(&exception.hours),
            reason: Some(ClosedReason::Exception { note }),
        };
    }

    if office.closed_on_public_holidays
        && let Some(holiday) = holiday_on(state, date)
    {
        return DayStatus::closed(ClosedReason::Holiday { name: holiday.name });
    }

    DayStatus {
        ranges: sorted(office.opening_hours.day(date.weekday())),
        reason: None,
    }
}

/// Whether an office is open at a moment, and until or from when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum OpenStatus {
    /// The office is open.
    Open {
        /// When it closes, in local wall-clock time.
        closes_at: NaiveDateTime,
    },
    /// The office is closed.
    Closed {
        /// When it opens next, in local wall-clock time; `None` if not within two weeks.
        opens_at: Option<NaiveDateTime>,
        /// Why it keeps other than its regular hours today, if it does.
        reason: Option<ClosedReason>,
    },
}

/// Whether `office` in a city of `state` is open at `now`, given in the city's time zone.
///
/// A range includes its opening time and excludes its closing time. Ranges that touch or
/// overlap count as one, so the office closes at the end of the last of them.
pub fn status_at(office: &Office, state: State, now: DateTime<Tz>) -> OpenStatus {
    let now = now.naive_local();
    let today = hours_on(office, state, now.date());

    if let Some(closes) = closing_time(&today.ranges, now.time()) {
        return OpenStatus::Open {
            closes_at: now.date().and_time(closes),
        };
    }

    OpenStatus::Closed {
        opens_at: next_opening(office, state, now),
        reason: today.reason,
    }
}

/// The hours of `office` in a city of `state` on the seven days from `from` on, for display.
pub fn week_schedule(
    office: &Office,
    state: State,
    from: NaiveDate,
) -> Vec<(NaiveDate, DayStatus)> {
    from.iter_days()
        .take(WEEK_DAYS)
        .map(|date| (date, hours_on(office, state, date)))
        .collect()
}

/// The ranges ordered by their start.
fn sorted(ranges: &[TimeRange]) -> Vec<TimeRange> {
    let mut ranges = ranges.to_vec();
    ranges.sort_by_key(|range| range.opens);
    ranges
}

/// When the office closes if it is open at `time`, joining ranges that touch or overlap.
fn closing_time(ranges: &[TimeRange], time: NaiveTime) -> Option<NaiveTime> {
    let mut open_until: Option<NaiveTime> = None;

    for range in sorted(ranges) {
        match open_until {
            Some(until) if range.opens <= until => open_until = Some(until.max(range.closes)),
            Some(_) => break,
            None if range.opens <= time && time < range.closes => open_until = Some(range.closes),
            None => {}
        }
    }

    open_until
}

/// The first opening after `after`, today or on one of the next [`LOOKAHEAD_DAYS`] days.
fn next_opening(office: &Office, state: State, after: NaiveDateTime) -> Option<NaiveDateTime> {
    after
        .date()
        .iter_days()
        .take(LOOKAHEAD_DAYS + 1)
        .find_map(|date| {
            hours_on(office, state, date)
                .ranges
                .iter()
                .map(|range| date.and_time(range.opens))
                .find(|opens| *opens > after)
        })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use chrono_tz::Europe::Berlin;

    use super::*;
    use crate::model::{
        Address, BuildingAccessibility, Coordinates, HoursException, OfficeTexts, WeeklyHours,
    };

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn local(text: &str) -> NaiveDateTime {
        text.parse().unwrap()
    }

    /// `text` as wall-clock time in Berlin; it must exist and be unambiguous.
    fn berlin(text: &str) -> DateTime<Tz> {
        Berlin.from_local_datetime(&local(text)).single().unwrap()
    }

    fn utc_in_berlin(text: &str) -> DateTime<Tz> {
        Utc.from_utc_datetime(&local(text)).with_timezone(&Berlin)
    }

    fn ranges(texts: &[&str]) -> Vec<TimeRange> {
        texts
            .iter()
            .map(|text| TimeRange::parse(text).unwrap())
            .collect()
    }

    fn text(german: &str) -> Localized {
        Localized {
            de: german.to_owned(),
            en: None,
            ls: None,
        }
    }

    /// Open Monday to Friday 08:00–12:00 and 13:00–16:00, Thursday until 18:00.
    fn office() -> Office {
        let weekday = ranges(&["08:00-12:00", "13:00-16:00"]);
        Office {
            key: "buergerbuero".to_owned(),
            district: None,
            address: Address {
                street: "Marktplatz 1".to_owned(),
                postcode: "80331".to_owned(),
                city: "München".to_owned(),
            },
            location: Coordinates {
                lat: 48.13743,
                lon: 11.57549,
            },
            phone: None,
            email: None,
            opening_hours: WeeklyHours {
                monday: weekday.clone(),
                tuesday: weekday.clone(),
                wednesday: weekday.clone(),
                thursday: ranges(&["13:00-18:00", "08:00-12:00"]),
                friday: weekday,
                saturday: Vec::new(),
                sunday: Vec::new(),
            },
            exceptions: Vec::new(),
            closures: Vec::new(),
            closed_on_public_holidays: true,
            accessibility: BuildingAccessibility::default(),
            de: OfficeTexts {
                name: "Bürgerbüro".to_owned(),
                description: None,
                directions: None,
                accessibility_notes: None,
            },
            en: None,
            ls: None,
        }
    }

    /// Open every day, Sunday included, 08:00–12:00.
    fn daily_office() -> Office {
        let mut office = office();
        let morning = ranges(&["08:00-12:00"]);
        office.opening_hours = WeeklyHours {
            monday: morning.clone(),
            tuesday: morning.clone(),
            wednesday: morning.clone(),
            thursday: morning.clone(),
            friday: morning.clone(),
            saturday: morning.clone(),
            sunday: morning,
        };
        office
    }

    fn open_until(text: &str) -> OpenStatus {
        OpenStatus::Open {
            closes_at: local(text),
        }
    }

    fn closed_until(text: &str, reason: Option<ClosedReason>) -> OpenStatus {
        OpenStatus::Closed {
            opens_at: Some(local(text)),
            reason,
        }
    }

    fn holiday(german: &str, english: &str) -> ClosedReason {
        let name = Localized {
            de: german.to_owned(),
            en: Some(english.to_owned()),
            ls: None,
        };
        ClosedReason::Holiday { name }
    }

    #[test]
    fn easter_sunday_matches_known_dates() {
        let known = [
            (1818, "1818-03-22"),
            (1943, "1943-04-25"),
            (2000, "2000-04-23"),
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ];
        for (year, expected) in known {
            assert_eq!(easter_sunday(year), Some(date(expected)), "Easter {year}");
        }
    }

    #[test]
    fn years_outside_the_calendar_have_no_holidays() {
        assert_eq!(easter_sunday(i32::MAX), None);
        assert!(public_holidays(State::Bavaria, i32::MIN).is_empty());
    }

    #[test]
    fn each_state_has_its_number_of_holidays_in_2026() {
        let expected = [
            (State::BadenWuerttemberg, 12),
            (State::Bavaria, 13),
            (State::Berlin, 10),
            (State::Brandenburg, 12),
            (State::Bremen, 10),
            (State::Hamburg, 10),
            (State::Hesse, 10),
            (State::MecklenburgVorpommern, 11),
            (State::LowerSaxony, 10),
            (State::NorthRhineWestphalia, 11),
            (State::RhinelandPalatinate, 11),
            (State::Saarland, 12),
            (State::Saxony, 11),
            (State::SaxonyAnhalt, 11),
            (State::SchleswigHolstein, 10),
            (State::Thuringia, 11),
        ];
        for (state, count) in expected {
            assert_eq!(public_holidays(state, 2026).len(), count, "{state}");
        }
    }

    #[test]
    fn movable_holidays_of_2026_fall_on_their_dates() {
        let bavaria: Vec<(NaiveDate, String)> = public_holidays(State::Bavaria, 2026)
            .into_iter()
            .map(|holiday| (holiday.date, holiday.name.de))
            .collect();
        for (day, name) in [
            ("2026-04-03", "Karfreitag"),
            ("2026-04-06", "Ostermontag"),
            ("2026-05-14", "Christi Himmelfahrt"),
            ("2026-05-25", "Pfingstmontag"),
            ("2026-06-04", "Fronleichnam"),
        ] {
            assert!(bavaria.contains(&(date(day), name.to_owned())), "{name}");
        }
        assert!(bavaria.is_sorted_by_key(|(day, _)| *day));

        let saxony = holiday_on(State::Saxony, date("2026-11-18")).unwrap();
        assert_eq!(saxony.name.de, "Buß- und Bettag");
        assert_eq!(wednesday_before_november_23(2017), Some(date("2017-11-22")));
        assert_eq!(holiday_on(State::Berlin, date("2026-06-04")), None);
    }

    #[test]
    fn states_parse_and_serialize_as_their_codes() {
        assert_eq!(State::parse("BY"), Some(State::Bavaria));
        assert_eq!(State::parse(" nw "), Some(State::NorthRhineWestphalia));
        assert_eq!(State::parse("XX"), None);
        for state in State::ALL {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.code()));
            assert_eq!(serde_json::from_str::<State>(&json).unwrap(), state);
        }
    }

    #[test]
    fn opening_is_inclusive_and_closing_exclusive() {
        let office = office();

        let status = status_at(&office, State::Bavaria, berlin("2026-05-04T07:59:59"));
        assert_eq!(status, closed_until("2026-05-04T08:00:00", None));

        let status = status_at(&office, State::Bavaria, berlin("2026-05-04T08:00:00"));
        assert_eq!(status, open_until("2026-05-04T12:00:00"));

        let status = status_at(&office, State::Bavaria, berlin("2026-05-04T15:59:59"));
        assert_eq!(status, open_until("2026-05-04T16:00:00"));

        let status = status_at(&office, State::Bavaria, berlin("2026-05-04T16:00:00"));
        assert_eq!(status, closed_until("2026-05-05T08:00:00", None));
    }

    #[test]
    fn the_lunch_break_is_closed() {
        let office = office();

        let status = status_at(&office, State::Bavaria, berlin("2026-05-04T12:00:00"));
        assert_eq!(status, closed_until("2026-05-04T13:00:00", None));

        // Thursday's ranges are given out of order in the data.
        let status = status_at(&office, State::Bavaria, berlin("2026-05-07T12:30:00"));
        assert_eq!(status, closed_until("2026-05-07T13:00:00", None));
    }

    #[test]
    fn ranges_that_touch_count_as_one() {
        let mut office = office();
        office.opening_hours.monday = ranges(&["12:00-16:00", "08:00-12:00"]);

        let status = status_at(&office, State::Bavaria, berlin("2026-05-04T11:00:00"));
        assert_eq!(status, open_until("2026-05-04T16:00:00"));
    }

    #[test]
    fn a_holiday_on_a_weekday_is_closed() {
        let status = status_at(&office(), State::Bavaria, berlin("2026-05-01T10:00:00"));
        let reason = Some(holiday("Tag der Arbeit", "Labour Day"));
        assert_eq!(status, closed_until("2026-05-04T08:00:00", reason));
    }

    #[test]
    fn an_office_may_ignore_holidays() {
        let mut office = office();
        office.closed_on_public_holidays = false;

        let status = status_at(&office, State::Bavaria, berlin("2026-05-01T10:00:00"));
        assert_eq!(status, open_until("2026-05-01T12:00:00"));
    }

    #[test]
    fn an_exception_shortens_the_day_and_christmas_follows() {
        let mut office = office();
        let note = Some(text("Heiligabend"));
        let exception = HoursException {
            date: date("2026-12-24"),
            hours: ranges(&["08:00-11:00"]),
            note,
        };
        office.exceptions.push(exception);

        let status = status_at(&office, State::Bavaria, berlin("2026-12-24T10:00:00"));
        assert_eq!(status, open_until("2026-12-24T11:00:00"));

        let status = status_at(&office, State::Bavaria, berlin("2026-12-24T11:00:00"));
        let reason = Some(ClosedReason::Exception {
            note: Some(text("Heiligabend")),
        });
        assert_eq!(status, closed_until("2026-12-28T08:00:00", reason));

        let status = status_at(&office, State::Bavaria, berlin("2026-12-25T09:00:00"));
        let reason = Some(holiday("1. Weihnachtstag", "Christmas Day"));
        assert_eq!(status, closed_until("2026-12-28T08:00:00", reason));
    }

    #[test]
    fn a_closure_wins_over_everything() {
        let mut office = office();
        office.closures.push(Closure {
            from: date("2026-07-27"),
            to: date("2026-08-14"),
            reason: text("Umbau"),
        });
        let exception = HoursException {
            date: date("2026-08-05"),
            hours: ranges(&["08:00-12:00"]),
            note: None,
        };
        office.exceptions.push(exception);

        let status = status_at(&office, State::Bavaria, berlin("2026-08-05T10:00:00"));
        let reason = Some(ClosedReason::Closure {
            reason: text("Umbau"),
        });
        assert_eq!(status, closed_until("2026-08-17T08:00:00", reason.clone()));

        let day = hours_on(&office, State::Bavaria, date("2026-08-14"));
        assert_eq!(
            day,
            DayStatus {
                ranges: Vec::new(),
                reason
            }
        );
    }

    #[test]
    fn the_next_opening_is_sought_for_two_weeks_only() {
        let mut office = office();
        office.closures.push(Closure {
            from: date("2026-07-01"),
            to: date("2026-08-31"),
            reason: text("Umbau"),
        });

        let status = status_at(&office, State::Bavaria, berlin("2026-07-10T10:00:00"));
        assert!(matches!(status, OpenStatus::Closed { opens_at: None, .. }));
    }

    #[test]
    fn the_next_opening_after_friday_is_monday() {
        let status = status_at(&office(), State::Bavaria, berlin("2026-05-08T17:00:00"));
        assert_eq!(status, closed_until("2026-05-11T08:00:00", None));
    }

    #[test]
    fn hours_keep_to_the_wall_clock_when_summer_time_begins() {
        let office = daily_office();

        // On 29 March 2026 the clocks go from 02:00 CET to 03:00 CEST (UTC+2).
        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-03-29T05:30:00"),
        );
        assert_eq!(status, closed_until("2026-03-29T08:00:00", None));

        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-03-29T06:00:00"),
        );
        assert_eq!(status, open_until("2026-03-29T12:00:00"));

        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-03-29T09:59:00"),
        );
        assert_eq!(status, open_until("2026-03-29T12:00:00"));

        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-03-29T10:00:00"),
        );
        assert_eq!(status, closed_until("2026-03-30T08:00:00", None));
    }

    #[test]
    fn hours_keep_to_the_wall_clock_when_summer_time_ends() {
        let office = daily_office();

        // On 25 October 2026 the clocks go from 03:00 CEST back to 02:00 CET (UTC+1).
        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-10-25T06:30:00"),
        );
        assert_eq!(status, closed_until("2026-10-25T08:00:00", None));

        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-10-25T07:00:00"),
        );
        assert_eq!(status, open_until("2026-10-25T12:00:00"));

        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-10-25T11:00:00"),
        );
        assert_eq!(status, closed_until("2026-10-26T08:00:00", None));

        // 02:30 happens twice that night; either way the office opens at 08:00.
        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-10-25T00:30:00"),
        );
        assert_eq!(status, closed_until("2026-10-25T08:00:00", None));
        let status = status_at(
            &office,
            State::Bavaria,
            utc_in_berlin("2026-10-25T01:30:00"),
        );
        assert_eq!(status, closed_until("2026-10-25T08:00:00", None));
    }

    #[test]
    fn the_week_schedule_shows_seven_days_with_reasons() {
        let schedule = week_schedule(&office(), State::Bavaria, date("2026-12-21"));

        let dates: Vec<NaiveDate> = schedule.iter().map(|(day, _)| *day).collect();
        let expected: Vec<NaiveDate> = date("2026-12-21").iter_days().take(7).collect();
        assert_eq!(dates, expected);

        let (_, monday) = &schedule[0];
        assert_eq!(monday.ranges, ranges(&["08:00-12:00", "13:00-16:00"]));
        assert_eq!(monday.reason, None);

        let (_, christmas) = &schedule[4];
        assert!(christmas.is_closed());
        assert_eq!(
            christmas.reason,
            Some(holiday("1. Weihnachtstag", "Christmas Day"))
        );

        let (_, sunday) = &schedule[6];
        assert_eq!(
            *sunday,
            DayStatus {
                ranges: Vec::new(),
                reason: None
            }
        );
    }
}
