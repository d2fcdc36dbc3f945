//! The police's public events feed (`https://polisen.se/api/events`): reading a
//! response, keeping one municipality's events, and linking an event to a district.
//!
//! Each event: `id` (integer), `datetime` (`2026-08-19 7:58:52 +02:00`: the hour is not
//! zero-padded in about a third of the events), `name` (`19 augusti 07.52,
//! Trafikolycka, Linköping`: the event's own day and time, its type, its place),
//! `summary`, `url` (a path under `/aktuellt/handelser/`), `type`, and
//! `location: {name, gps: "lat,lon"}`.
//!
//! The feed's position is never where the event happened: it is the centroid of the
//! municipality or, in newer events, of the county (`location.name` is then
//! `Östergötlands län` and the municipality is the text after the last comma of
//! `name`). Events are context for the lägesbild and must never count in hot spots;
//! [`PoliceEvent::centroid_of`] says which centroid the position is.
//!
//! `datetime` is when the police published (or last updated) the event; the time in
//! `name` is when it happened, without a year ([`PoliceEvent::named_time`] supplies it).

use serde::Deserialize;

use crate::geo::Wgs84;
use crate::incident::codes;
use crate::incident::ids::PoliceEventId;
use crate::incident::when::{self, LocalTimePolicy, Written};
use crate::time::Instant;

/// Where the police put an event's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CentroidOf {
    /// The centre of the municipality.
    Municipality,
    /// The centre of the county (`location.name` ends in ` län`).
    County,
}

/// One event of the feed, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PoliceEvent {
    /// The feed's id: the key of idempotent imports.
    pub id: PoliceEventId,
    /// `datetime`: when the police published or last updated the event.
    pub published: Instant,
    /// When it happened, from `name` (local time, year from `published`); `None` when
    /// `name` does not start with a day, month and time.
    pub named_time: Option<Instant>,
    /// `name`, e.g. `19 augusti 07.52, Trafikolycka, Linköping`.
    pub name: String,
    pub summary: String,
    /// A path on polisen.se; see [`PoliceEvent::absolute_url`].
    pub url: String,
    /// `type`, e.g. `Trafikolycka` (97 values seen 2022–2026).
    pub event_type: String,
    /// `location.name`: a municipality, or a county.
    pub location_name: String,
    /// `location.gps`: a centroid, never the event's place.
    pub centroid: Wgs84,
    pub centroid_of: CentroidOf,
}

impl PoliceEvent {
    /// The event's page: `https://polisen.se` + its path.
    pub fn absolute_url(&self) -> String {
        format!("https://polisen.se{}", self.url)
    }

    /// The municipality the event's `name` ends with: the text after its last comma,
    /// trimmed.
    pub fn name_place(&self) -> &str {
        name_place(&self.name)
    }

    /// Whether the event belongs to `municipality`: its `location.name` or the place at
    /// the end of its `name` equals it, ignoring case and surrounding spaces but not
    /// diacritics (Håbo and Habo are two municipalities).
    pub fn in_municipality(&self, municipality: &str) -> bool {
        let wanted = municipality.trim().to_lowercase();
        !wanted.is_empty()
            && (self.location_name.trim().to_lowercase() == wanted
                || self.name_place().to_lowercase() == wanted)
    }

    /// When it happened as well as the feed tells: the time in `name`, else the
    /// publication time.
    pub fn occurred(&self) -> Instant {
        self.named_time.unwrap_or(self.published)
    }
}

/// The text after the last comma of an event name, trimmed (the whole name if it has no
/// comma).
pub fn name_place(name: &str) -> &str {
    name.rsplit(',').next().unwrap_or(name).trim()
}

/// One event the feed has but Trygg cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEvent {
    /// 0-based position in the feed's array.
    pub index: usize,
    /// The event's `id`, if it has a readable one.
    pub id: Option<i64>,
    /// A code from [`codes`]: `invalid_event`,
    /// `invalid_datetime`, `invalid_gps`, `invalid_url`.
    pub code: &'static str,
}

/// Why a feed response was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PoliceFeedError {
    /// `invalid_json`: not JSON.
    #[error("not valid JSON at line {line}, column {column}: {reason}")]
    InvalidJson {
        line: usize,
        column: usize,
        reason: String,
    },
    /// `not_an_array`: JSON, but not an array of events.
    #[error("the feed is not a JSON array of events")]
    NotAnArray,
    /// Some events cannot be read (all-or-nothing mode only); none were taken.
    #[error("{} event(s) cannot be read", .0.len())]
    BadEvents(Vec<BadEvent>),
}

impl PoliceFeedError {
    /// The stable code; `invalid_event` for [`PoliceFeedError::BadEvents`] (each event
    /// carries its own code).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidJson { .. } => codes::INVALID_JSON,
            Self::NotAnArray => codes::NOT_AN_ARRAY,
            Self::BadEvents(_) => codes::INVALID_EVENT,
        }
    }
}

/// Every event of a feed response, or (all or nothing) every event that cannot be read.
pub fn parse_feed(json: &str) -> Result<Vec<PoliceEvent>, PoliceFeedError> {
    let (events, bad) = parse_feed_skip_invalid(json)?;
    if bad.is_empty() {
        Ok(events)
    } else {
        Err(PoliceFeedError::BadEvents(bad))
    }
}

/// The readable events and the unreadable ones; refuses only a response that is not a
/// JSON array.
pub fn parse_feed_skip_invalid(
    json: &str,
) -> Result<(Vec<PoliceEvent>, Vec<BadEvent>), PoliceFeedError> {
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| PoliceFeedError::InvalidJson {
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })?;
    let serde_json::Value::Array(items) = value else {
        return Err(PoliceFeedError::NotAnArray);
    };
    let mut events = Vec::with_capacity(items.len());
    let mut bad = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let id = item.get("id").and_then(serde_json::Value::as_i64);
        match RawEvent::deserialize(item) {
            Err(_) => bad.push(BadEvent {
                index,
                id,
                code: codes::INVALID_EVENT,
            }),
            Ok(raw) => match raw.check() {
                Ok(event) => events.push(event),
                Err(code) => bad.push(BadEvent { index, id, code }),
            },
        }
    }
    Ok((events, bad))
}

/// The events of `municipality` (see [`PoliceEvent::in_municipality`]), in feed order.
pub fn events_in<'e>(
    events: &'e [PoliceEvent],
    municipality: &str,
) -> impl Iterator<Item = &'e PoliceEvent> {
    let municipality = municipality.to_owned();
    events
        .iter()
        .filter(move |e| e.in_municipality(&municipality))
}

#[derive(Deserialize)]
struct RawEvent {
    id: i64,
    datetime: String,
    name: String,
    summary: String,
    url: String,
    #[serde(rename = "type")]
    event_type: String,
    location: RawLocation,
}

#[derive(Deserialize)]
struct RawLocation {
    name: String,
    gps: String,
}

impl RawEvent {
    fn check(self) -> Result<PoliceEvent, &'static str> {
        let published = parse_feed_time(&self.datetime)?;
        let centroid: Wgs84 = self.location.gps.parse().map_err(|_| codes::INVALID_GPS)?;
        // Only a path on polisen.se: the url becomes a link on our pages, and a
        // `javascript:` or foreign URL must never get there.
        let path_ok = self.url.starts_with('/')
            && !self.url.starts_with("//")
            && !self.url.contains(['\\', '"', '<', '>', ' '])
            && !self.url.chars().any(char::is_control);
        if !path_ok {
            return Err(codes::INVALID_URL);
        }
        let location_name = self.location.name.trim().to_owned();
        let centroid_of = if location_name.to_lowercase().ends_with(" län") {
            CentroidOf::County
        } else {
            CentroidOf::Municipality
        };
        Ok(PoliceEvent {
            id: PoliceEventId(self.id),
            named_time: named_time(&self.name, published),
            published,
            name: self.name,
            summary: self.summary,
            url: self.url,
            event_type: self.event_type,
            location_name,
            centroid,
            centroid_of,
        })
    }
}

/// The feed's `datetime`: `YYYY-MM-DD H:MM:SS ±HH:MM`, hour padded or not; the offset is
/// required. Code `invalid_datetime`.
pub fn parse_feed_time(text: &str) -> Result<Instant, &'static str> {
    match when::parse_time(text) {
        Ok(
            written @ Written::DateTime {
                offset: Some(_), ..
            },
        ) => when::instant_of("datetime", written, LocalTimePolicy::Reject)
            .map_err(|_| codes::INVALID_DATETIME),
        _ => Err(codes::INVALID_DATETIME),
    }
}

/// How long before its publication an event may have happened for the time in its name
/// to be believed.
pub const NAMED_TIME_MAX_AGE_DAYS: i64 = 60;

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// The time at the start of an event name (`19 augusti 07.52, …`) in Stockholm time,
/// in the year that puts it at or before `published` (an event published on 1 January
/// about 31 December happened the year before). `None` if the name does not start so,
/// or no such time lies between [`NAMED_TIME_MAX_AGE_DAYS`] before `published` and an
/// hour after it (the feed is about recent events).
pub fn named_time(name: &str, published: Instant) -> Option<Instant> {
    let head = name.split(',').next()?.trim();
    let mut parts = head.split_whitespace();
    let day: i8 = parts.next()?.parse().ok()?;
    let month = parts.next()?.to_lowercase();
    let month = MONTHS.iter().position(|m| *m == month)? as i8 + 1;
    let (hour, minute) = parts.next()?.split_once('.')?;
    let (hour, minute): (i8, i8) = (hour.parse().ok()?, minute.parse().ok()?);
    if parts.next().is_some() {
        return None;
    }
    let tz = when::stockholm()?;
    let published_year = published.timestamp().to_zoned(tz.clone()).year();
    for year in [published_year, published_year - 1] {
        let date = jiff::civil::Date::new(year, month, day).ok()?;
        let time = jiff::civil::Time::new(hour, minute, 0, 0).ok()?;
        let written = Written::DateTime {
            datetime: date.to_datetime(time),
            offset: None,
        };
        let t = when::instant_of("name", written, LocalTimePolicy::Compatible).ok()?;
        // Events are published after they happen; a few minutes of clock difference
        // (or a name time rounded up) are allowed.
        if t <= published.plus_seconds(3600) {
            let oldest = published.minus_seconds(NAMED_TIME_MAX_AGE_DAYS * 24 * 3600);
            return (t >= oldest).then_some(t);
        }
    }
    None
}

/// The districts of `district_names` that `summary` mentions as whole words (the
/// characters on either side of the match are not letters or digits), ignoring case, in
/// the order of `district_names`, each once. A name found only inside a longer name
/// that is also found (`Berg` in `Ljungsbro-Berg`) does not count.
///
/// A summary is linked to a district only if this returns exactly one name (see
/// [`linked_district`]). Swedish genitives (`Skäggetorps centrum`) are not matched:
/// "whole word" is meant literally.
pub fn districts_mentioned<'d, S: AsRef<str>>(
    summary: &str,
    district_names: &'d [S],
) -> Vec<&'d str> {
    let text = summary.to_lowercase();
    // (start, end, index into district_names) of every whole-word match.
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    for (k, name) in district_names.iter().enumerate() {
        let needle = name.as_ref().trim().to_lowercase();
        if needle.is_empty() {
            continue;
        }
        for (start, _) in text.match_indices(&needle) {
            let end = start + needle.len();
            let before = text[..start].chars().next_back();
            let after = text[end..].chars().next();
            if !before.is_some_and(char::is_alphanumeric)
                && !after.is_some_and(char::is_alphanumeric)
            {
                spans.push((start, end, k));
            }
        }
    }
    let mut found: Vec<usize> = spans
        .iter()
        .filter(|&&(s, e, k)| {
            !spans
                .iter()
                .any(|&(s2, e2, k2)| k2 != k && s2 <= s && e <= e2 && e2 - s2 > e - s)
        })
        .map(|&(_, _, k)| k)
        .collect();
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .map(|k| district_names[k].as_ref())
        .collect()
}

/// The one district `summary` mentions, if it mentions exactly one.
pub fn linked_district<'d, S: AsRef<str>>(
    summary: &str,
    district_names: &'d [S],
) -> Option<&'d str> {
    match districts_mentioned(summary, district_names).as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn utc(text: &str) -> Instant {
        Instant::from_timestamp(text.parse().unwrap())
    }

    const ONE: &str = r#"[{"id": 649894, "datetime": "2026-08-19 7:58:52 +02:00",
        "name": "19 augusti 07.52, Trafikolycka, Linköping",
        "summary": "Krock vid universitetet.",
        "url": "/aktuellt/handelser/2026/augusti/19/19-augusti-07.52-trafikolycka-linkoping/",
        "type": "Trafikolycka",
        "location": {"name": "Östergötlands län", "gps": "58.345364,15.519784"}}]"#;

    #[test]
    fn reads_an_event() {
        let events = parse_feed(ONE).unwrap();
        let e = &events[0];
        assert_eq!(e.id, PoliceEventId(649894));
        assert_eq!(e.published, utc("2026-08-19T05:58:52Z"));
        assert_eq!(e.named_time, Some(utc("2026-08-19T05:52:00Z")));
        assert_eq!(e.occurred(), utc("2026-08-19T05:52:00Z"));
        assert_eq!(e.event_type, "Trafikolycka");
        assert_eq!(e.location_name, "Östergötlands län");
        assert_eq!(e.centroid_of, CentroidOf::County);
        assert_eq!((e.centroid.lat(), e.centroid.lon()), (58.345364, 15.519784));
        assert_eq!(e.name_place(), "Linköping");
        assert_eq!(
            e.absolute_url(),
            "https://polisen.se/aktuellt/handelser/2026/augusti/19/19-augusti-07.52-trafikolycka-linkoping/"
        );
        assert!(e.in_municipality("Linköping"));
        assert!(e.in_municipality("  LINKÖPING "));
        assert!(!e.in_municipality("Linkoping"), "diacritics matter");
        assert!(!e.in_municipality("Norrköping"));
        assert!(!e.in_municipality(""));
        assert!(e.in_municipality("östergötlands län"));
    }

    #[test]
    fn feed_times_with_and_without_padding() {
        assert_eq!(
            parse_feed_time("2026-08-19 7:58:52 +02:00"),
            Ok(utc("2026-08-19T05:58:52Z"))
        );
        assert_eq!(
            parse_feed_time("2026-08-19 17:58:52 +02:00"),
            Ok(utc("2026-08-19T15:58:52Z"))
        );
        assert_eq!(
            parse_feed_time("2026-01-09 0:05:00 +01:00"),
            Ok(utc("2026-01-08T23:05:00Z"))
        );
        for bad in [
            "2026-08-19 7:58:52",
            "2026-08-19",
            "19 augusti",
            "2026-08-19 25:00:00 +02:00",
        ] {
            assert_eq!(parse_feed_time(bad), Err("invalid_datetime"), "{bad}");
        }
    }

    #[test]
    fn named_times_take_the_year_from_publication() {
        let published = utc("2026-01-01T00:30:00Z");
        assert_eq!(
            named_time("31 december 23.40, Brand, Linköping", published),
            Some(utc("2025-12-31T22:40:00Z"))
        );
        assert_eq!(
            named_time("1 januari 01.10, Brand, Linköping", published),
            Some(utc("2026-01-01T00:10:00Z"))
        );
        assert_eq!(named_time("Sammanfattning, Linköping", published), None);
        assert_eq!(named_time("31 juni 10.00, Brand, X", published), None);
        assert_eq!(named_time("1 januari 25.00, Brand, X", published), None);
        // A name time after publication in the same year is not moved a year back.
        assert_eq!(named_time("2 januari 10.00, Brand, X", published), None);
    }

    #[test]
    fn bad_events_are_named_by_index_and_id() {
        let json = r#"[
            {"id": 1, "datetime": "2026-08-19 7:58:52 +02:00", "name": "n", "summary": "s",
             "url": "/a", "type": "t", "location": {"name": "Linköping", "gps": "58.41,15.62"}},
            {"id": 2, "datetime": "2026-08-19 7:58:52", "name": "n", "summary": "s",
             "url": "/a", "type": "t", "location": {"name": "Linköping", "gps": "58.41,15.62"}},
            {"id": 3, "datetime": "2026-08-19 7:58:52 +02:00", "name": "n", "summary": "s",
             "url": "/a", "type": "t", "location": {"name": "Linköping", "gps": "58.41"}},
            {"id": 4, "datetime": "2026-08-19 7:58:52 +02:00", "name": "n", "summary": "s",
             "url": "javascript:alert(1)", "type": "t",
             "location": {"name": "Linköping", "gps": "58.41,15.62"}},
            {"id": 5, "name": "n"},
            {"id": 6, "datetime": "2026-08-19 7:58:52 +02:00", "name": "n", "summary": "s",
             "url": "//evil.example/", "type": "t",
             "location": {"name": "Linköping", "gps": "58.41,15.62"}}
        ]"#;
        let (events, bad) = parse_feed_skip_invalid(json).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].centroid_of, CentroidOf::Municipality);
        assert_eq!(events[0].named_time, None);
        let codes: Vec<(usize, Option<i64>, &str)> =
            bad.iter().map(|b| (b.index, b.id, b.code)).collect();
        assert_eq!(
            codes,
            [
                (1, Some(2), "invalid_datetime"),
                (2, Some(3), "invalid_gps"),
                (3, Some(4), "invalid_url"),
                (4, Some(5), "invalid_event"),
                (5, Some(6), "invalid_url"),
            ]
        );
        assert!(matches!(parse_feed(json), Err(PoliceFeedError::BadEvents(b)) if b.len() == 5));
        assert_eq!(parse_feed("{}").unwrap_err().code(), "not_an_array");
        assert_eq!(parse_feed("[").unwrap_err().code(), "invalid_json");
        assert_eq!(parse_feed("[]").unwrap(), vec![]);
    }

    #[test]
    fn districts_are_whole_words_and_linked_only_when_alone() {
        let districts = [
            "Skäggetorp",
            "Berga",
            "Lambohov",
            "Tornby",
            "Berg",
            "Ljungsbro-Berg",
            "Ryd",
        ];
        let d = |s: &str| districts_mentioned(s, &districts);
        assert_eq!(d("Brand i källare i Skäggetorp."), ["Skäggetorp"]);
        assert_eq!(d("BRAND I SKÄGGETORP"), ["Skäggetorp"]);
        assert_eq!(
            d("Misshandel i Berga centrum och i Lambohov"),
            ["Berga", "Lambohov"]
        );
        assert_eq!(d("Bergagatan"), Vec::<&str>::new(), "not a whole word");
        assert_eq!(d("Skäggetorps centrum"), Vec::<&str>::new(), "genitive");
        assert_eq!(
            d("Bråk i Ljungsbro-Berg"),
            ["Ljungsbro-Berg"],
            "Berg is inside"
        );
        assert_eq!(
            d("Bråk i Berg, sedan Ljungsbro-Berg"),
            ["Berg", "Ljungsbro-Berg"]
        );
        assert_eq!(d("Rydsvägen, Ryd och Ryd igen"), ["Ryd"]);
        assert_eq!(d("Krock vid universitetet."), Vec::<&str>::new());
        assert_eq!(
            linked_district("Brand i Tornby", &districts),
            Some("Tornby")
        );
        assert_eq!(linked_district("Skäggetorp och Tornby", &districts), None);
        assert_eq!(linked_district("Inget", &districts), None);
        let owned: Vec<String> = vec!["Ryd".into()];
        assert_eq!(linked_district("Stöld i Ryd", &owned), Some("Ryd"));
    }
}
