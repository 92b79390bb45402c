//! Distances on the earth and finding the offices nearest to a person: from a position the
//! browser reports, from a district chosen in a list or from a typed postcode (Postleitzahl,
//! the five-digit German postal code).

use crate::model::{Coordinates, District};

/// The mean radius of the earth in metres (IUGG), the usual choice for the haversine formula.
pub const EARTH_RADIUS_METRES: f64 = 6_371_008.8;

/// The great-circle distance between two positions in metres, by the haversine formula on a
/// sphere of [`EARTH_RADIUS_METRES`].
///
/// Accurate to about 0.5 %, as the earth is not quite a sphere; that is plenty for ordering
/// offices by distance. For invalid coordinates the result is meaningless and may be NaN.
pub fn distance_metres(a: Coordinates, b: Coordinates) -> f64 {
    let lat_a = a.lat.to_radians();
    let lat_b = b.lat.to_radians();
    let half_lat = (lat_b - lat_a) / 2.0;
    let half_lon = (b.lon - a.lon).to_radians() / 2.0;

    let haversine = half_lat.sin().powi(2) + lat_a.cos() * lat_b.cos() * half_lon.sin().powi(2);

    // Rounding can push the value just above 1 for antipodal points, where asin is undefined.
    let central_angle = 2.0 * haversine.clamp(0.0, 1.0).sqrt().asin();
    EARTH_RADIUS_METRES * central_angle
}

/// The `limit` candidates nearest to `origin` with their distance in metres, nearest first.
///
/// Candidates at the same distance keep their input order. Candidates with invalid
/// coordinates are left out, as no distance can be given for them; an invalid origin gives
/// an empty list.
pub fn nearest<'a, T>(
    origin: Coordinates,
    candidates: impl IntoIterator<Item = (&'a T, Coordinates)>,
    limit: usize,
) -> Vec<(&'a T, f64)> {
    if !origin.is_valid() {
        return Vec::new();
    }

    let mut found: Vec<(&'a T, f64)> = candidates
        .into_iter()
        .filter(|(_, position)| position.is_valid())
        .map(|(candidate, position)| (candidate, distance_metres(origin, position)))
        .collect();

    // A stable sort, so that ties keep the input order.
    found.sort_by(|(_, a), (_, b)| a.total_cmp(b));
    found.truncate(limit);
    found
}

/// The district a postcode belongs to; the first one listing it if several do.
///
/// Blanks around the postcode are ignored; anything but five ASCII digits gives `None`.
pub fn district_for_postcode<'a>(
    districts: &'a [District],
    postcode: &str,
) -> Option<&'a District> {
    let postcode = postcode.trim();
    if postcode.len() != 5 || !postcode.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }

    districts
        .iter()
        .find(|district| district.postcodes.iter().any(|code| code == postcode))
}

/// Parses a position given as two decimal numbers in degrees, such as `"48.13743"` and
/// `"11.57549"`, as a browser or a query string gives them.
///
/// Only an optional sign, digits and one decimal point are accepted, with blanks around;
/// not exponents, decimal commas, `NaN` or `inf`. Values outside the valid ranges give `None`.
pub fn parse_position(lat: &str, lon: &str) -> Option<Coordinates> {
    let position = Coordinates {
        lat: parse_degrees(lat)?,
        lon: parse_degrees(lon)?,
    };
    position.is_valid().then_some(position)
}

/// Parses `[+-]digits[.digits]`, where either side of the point may be empty but not both.
fn parse_degrees(text: &str) -> Option<f64> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));

    let digits_only = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits_only(whole) || !digits_only(fraction) {
        return None;
    }

    text.parse().ok().filter(|value: &f64| value.is_finite())
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use proptest::prelude::*;

    use super::*;
    use crate::model::DistrictTexts;

    /// Half the circumference of the earth: no two points are farther apart.
    const HALF_CIRCUMFERENCE_METRES: f64 = EARTH_RADIUS_METRES * PI;

    const MARIENPLATZ: Coordinates = Coordinates {
        lat: 48.13743,
        lon: 11.57549,
    };
    const BRANDENBURGER_TOR: Coordinates = Coordinates {
        lat: 52.51628,
        lon: 13.37770,
    };

    fn district(key: &str, postcodes: &[&str]) -> District {
        District {
            key: key.to_owned(),
            postcodes: postcodes.iter().map(|code| (*code).to_owned()).collect(),
            centre: MARIENPLATZ,
            de: DistrictTexts {
                name: key.to_owned(),
            },
            en: None,
            ls: None,
        }
    }

    fn coordinates() -> impl Strategy<Value = Coordinates> {
        (-90.0..=90.0, -180.0..=180.0).prop_map(|(lat, lon)| Coordinates { lat, lon })
    }

    #[test]
    fn munich_to_berlin_is_about_504_km() {
        let distance = distance_metres(MARIENPLATZ, BRANDENBURGER_TOR);
        assert!(
            (distance - 504_000.0).abs() < 504_000.0 * 0.005,
            "{distance}"
        );
    }

    #[test]
    fn antipodes_are_half_the_circumference_apart() {
        let north = Coordinates {
            lat: 90.0,
            lon: 0.0,
        };
        let south = Coordinates {
            lat: -90.0,
            lon: 0.0,
        };
        let distance = distance_metres(north, south);
        assert!(
            (distance - HALF_CIRCUMFERENCE_METRES).abs() < 1e-6,
            "{distance}"
        );
    }

    #[test]
    fn nearest_orders_by_distance_and_keeps_ties_in_order() {
        let hamburg = Coordinates {
            lat: 53.55034,
            lon: 10.00065,
        };
        let candidates = [
            ("Berlin", BRANDENBURGER_TOR),
            ("Hamburg", hamburg),
            ("Munich", MARIENPLATZ),
            ("Munich again", MARIENPLATZ),
            (
                "nowhere",
                Coordinates {
                    lat: f64::NAN,
                    lon: 0.0,
                },
            ),
        ];
        let input = candidates.iter().map(|(name, position)| (name, *position));

        let found: Vec<&str> = nearest(MARIENPLATZ, input, 3)
            .into_iter()
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(found, ["Munich", "Munich again", "Berlin"]);
    }

    #[test]
    fn nearest_from_an_invalid_origin_finds_nothing() {
        let candidates = [("Munich", MARIENPLATZ)];
        let input = candidates.iter().map(|(name, position)| (name, *position));
        let origin = Coordinates {
            lat: f64::NAN,
            lon: f64::NAN,
        };
        assert!(nearest(origin, input, 5).is_empty());
    }

    #[test]
    fn postcodes_find_their_district() {
        let districts = [
            district("altstadt", &["80331", "80333"]),
            district("schwabing", &["80801", "80333"]),
        ];

        let found = district_for_postcode(&districts, " 80801 ").map(|d| d.key.as_str());
        assert_eq!(found, Some("schwabing"));
        let found = district_for_postcode(&districts, "80333").map(|d| d.key.as_str());
        assert_eq!(found, Some("altstadt"));

        for invalid in ["99999", "8033", "803310", "8O331", "８0331", "", "80 331"] {
            assert_eq!(
                district_for_postcode(&districts, invalid),
                None,
                "{invalid}"
            );
        }
    }

    #[test]
    fn positions_parse_as_plain_decimal_numbers() {
        assert_eq!(parse_position("48.13743", " 11.57549 "), Some(MARIENPLATZ));
        assert_eq!(
            parse_position("-33.9", "+151"),
            Some(Coordinates {
                lat: -33.9,
                lon: 151.0
            })
        );
        assert_eq!(
            parse_position(".5", "5."),
            Some(Coordinates { lat: 0.5, lon: 5.0 })
        );

        let invalid = [
            ("NaN", "0"),
            ("inf", "0"),
            ("0", "-infinity"),
            ("1e1", "0"),
            ("48,1", "11"),
            ("90.0001", "0"),
            ("0", "180.5"),
            ("", "0"),
            (".", "0"),
            ("-", "0"),
            ("--1", "0"),
            ("1.2.3", "0"),
        ];
        for (lat, lon) in invalid {
            assert_eq!(parse_position(lat, lon), None, "{lat}, {lon}");
        }
    }

    proptest! {
        #[test]
        fn distance_is_symmetric(a in coordinates(), b in coordinates()) {
            prop_assert_eq!(distance_metres(a, b).to_bits(), distance_metres(b, a).to_bits());
        }

        #[test]
        fn distance_to_itself_is_zero(a in coordinates()) {
            prop_assert_eq!(distance_metres(a, a).to_bits(), 0.0_f64.to_bits());
        }

        #[test]
        fn distance_is_a_number_within_half_the_circumference(
            a in coordinates(),
            b in coordinates(),
        ) {
            let distance = distance_metres(a, b);
            prop_assert!(!distance.is_nan());
            prop_assert!((0.0..=HALF_CIRCUMFERENCE_METRES).contains(&distance), "{}", distance);
        }

        #[test]
        fn parse_position_never_panics(lat in any::<String>(), lon in any::<String>()) {
            let _ = parse_position(&lat, &lon);
        }

        #[test]
        fn parsed_positions_are_valid(
            lat in "[+-]?[0-9]{0,3}(\\.[0-9]{0,8})?",
            lon in "[+-]?[0-9]{0,3}(\\.[0-9]{0,8})?",
        ) {
            if let Some(position) = parse_position(&lat, &lon) {
                prop_assert!(position.is_valid());
            }
        }

        #[test]
        fn formatted_positions_parse_back(a in coordinates()) {
            let parsed = parse_position(&a.lat.to_string(), &a.lon.to_string());
            prop_assert_eq!(parsed, Some(a));
        }
    }
}
