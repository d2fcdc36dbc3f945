//! The incident CSV import: partners' spreadsheets and other systems' exports.
//!
//! # The format
//!
//! * UTF-8, with or without a byte order mark (Excel: "CSV UTF-8"). Other encodings are
//!   refused (`not_utf8`, with the line) rather than guessed.
//! * The first line is the header. Columns, in any order, names case-insensitive:
//!
//!   | column | required | content |
//!   |---|---|---|
//!   | `occurred_at` | yes | ISO 8601 date-time, local Stockholm time unless an offset is given; a bare date means the whole day (see [`when`](crate::incident::when)) |
//!   | `category` | yes | a category code or its Swedish name |
//!   | `lat`, `lon` | one pair | WGS84 latitude and longitude in decimal degrees |
//!   | `x`, `y` | one pair | SWEREF 99 TM in metres: **x = easting (E), y = northing (N)**, the GIS convention (x east, y north), *not* the surveyors' one where x is north |
//!   | `description` | yes | what happened |
//!   | `occurred_to` | no | the end of a window; `occurred_at` is then its start |
//!   | `place` | no | a place name, up to 200 characters |
//!   | `severity` | no | `1`, `2` or `3`; empty: the category's default |
//!   | `creates_insecurity` | no | `ja`/`nej` (also `yes`/`no`, `true`/`false`, `1`/`0`, `j`/`n`, `y`) or empty |
//!   | `organisation` | no | the reporting organisation's name, up to 200 characters |
//!   | `external_id` | no | the row's id in the source system, up to 100 characters, unique in the file |
//!
//!   The header must hold `lat` and `lon`, or `x` and `y`, or all four; each row then
//!   fills exactly one pair. Unknown columns are refused: a misspelt optional column
//!   would otherwise lose its data silently. Columns with an empty name (Excel's
//!   trailing `;;`) are allowed as long as every row leaves them empty.
//! * The separator is `;` if the header line contains one, otherwise `,` (Swedish Excel
//!   writes `;`). With either, numbers may use a decimal comma and spaces between digit
//!   groups (`58,41611`, `6 475 208,6`); a field holding the separator must be quoted.
//! * Quoting per RFC 4180: `"…"`, a quote inside written `""`, line breaks allowed
//!   inside quotes. Lines end with LF or CRLF. Blank lines are skipped.
//!
//! # Line numbers
//!
//! Errors name the physical line (1-based, the header is line 1) where the bad row
//! starts, as a text editor shows it, even when earlier fields span lines.
//!
//! # All or nothing
//!
//! [`parse_incidents`] returns every row or, if any row is bad, every bad row and no
//! rows; [`parse_incidents_skip_invalid`] returns the good rows and the bad ones. Both
//! refuse a file whose header or structure is broken ([`CsvFileError`]). The
//! [`read_incidents`] iterator underlies both; with [`check_incidents`] (a first pass
//! that keeps no rows) it lets a caller stream a million rows into a transaction
//! instead of holding them in memory.
//!
//! Descriptions are returned as written; the caller applies the category's personal-data
//! policy ([`personal_data::screen`](crate::incident::personal_data::screen)).

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;

use crate::Invalid;
use crate::geo::{Crs, Sweref99Tm, Wgs84};
use crate::incident::category::{Category, CategoryCode, CategoryList, Severity};
use crate::incident::codes;
use crate::incident::description::{Description, has_control_characters};
use crate::incident::when::{LocalTimePolicy, OccurredAt};
use crate::time::Instant;

/// The longest `place` and `organisation`, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest `external_id`, in characters.
pub const MAX_EXTERNAL_ID_CHARS: usize = 100;

/// What an import checks rows against.
#[derive(Debug, Clone, Copy)]
pub struct CsvImportOptions<'c> {
    /// The current category list: rows name a category by code or Swedish name.
    pub categories: &'c CategoryList,
    /// Now, from the clock: no incident may lie in the future.
    pub now: Instant,
    /// What to do with local times that do not exist or exist twice.
    pub local_time: LocalTimePolicy,
}

impl<'c> CsvImportOptions<'c> {
    /// Options with [`LocalTimePolicy::Reject`]: the file must say which of two
    /// possible times it means.
    pub fn new(categories: &'c CategoryList, now: Instant) -> Self {
        Self {
            categories,
            now,
            local_time: LocalTimePolicy::Reject,
        }
    }
}

/// One good row.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    /// The line the row starts on (the header is line 1).
    pub line: usize,
    pub occurred: OccurredAt,
    /// The category's code (also when the row gave the Swedish name).
    pub category: CategoryCode,
    /// The position in WGS84, converted if the row gave SWEREF 99 TM.
    pub point: Wgs84,
    /// The coordinate system the row gave its position in.
    pub given_crs: Crs,
    /// As written; not yet screened for personal data.
    pub description: Description,
    pub place: Option<String>,
    /// As given, or the category's default.
    pub severity: Severity,
    pub creates_insecurity: Option<bool>,
    /// The organisation's name as written; the caller resolves it.
    pub organisation: Option<String>,
    pub external_id: Option<String>,
}

/// A row that cannot be imported: its line, and the first problem found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The line the row starts on (the header is line 1).
    pub line: usize,
    /// The column, or `row` for a problem with the row as a whole.
    pub field: &'static str,
    /// A code from [`codes`].
    pub code: &'static str,
}

impl BadRow {
    fn new(line: usize, problem: Invalid) -> Self {
        Self {
            line,
            field: problem.field,
            code: problem.code,
        }
    }
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.code)
    }
}

/// The file as a whole cannot be read; nothing in it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvFileError {
    /// `empty_file`: no header line.
    #[error("the file is empty; its first line must be the header")]
    Empty,
    /// `not_utf8`: the file is not UTF-8.
    #[error("line {line} is not valid UTF-8; save the file as \"CSV UTF-8\" (Excel) or convert it")]
    NotUtf8 {
        /// The line of the first invalid byte.
        line: usize,
    },
    /// `duplicate_column`: the header names a column twice.
    #[error("the header names the column {column:?} twice")]
    DuplicateColumn { column: String },
    /// `unknown_column`: the header names a column that is not documented.
    #[error("unknown column {column:?} in the header")]
    UnknownColumn { column: String },
    /// `missing_column`: a required column is missing.
    #[error("the header lacks the required column {column:?}")]
    MissingColumn { column: &'static str },
    /// `missing_coordinate_columns`: neither `lat`+`lon` nor `x`+`y`.
    #[error("the header needs the columns lat and lon, or x and y")]
    MissingCoordinateColumns,
    /// `malformed_quotes`: the header has text after a closing quote.
    #[error("line {line}: the header has text after a closing quote")]
    MalformedHeader { line: usize },
    /// `unterminated_quote`: a quote opened on this line is never closed.
    #[error("a quote opened on line {line} is never closed")]
    UnterminatedQuote { line: usize },
}

impl CsvFileError {
    /// The stable code, from [`codes`].
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => codes::EMPTY_FILE,
            Self::NotUtf8 { .. } => codes::NOT_UTF8,
            Self::DuplicateColumn { .. } => codes::DUPLICATE_COLUMN,
            Self::UnknownColumn { .. } => codes::UNKNOWN_COLUMN,
            Self::MissingColumn { .. } => codes::MISSING_COLUMN,
            Self::MissingCoordinateColumns => codes::MISSING_COORDINATE_COLUMNS,
            Self::UnterminatedQuote { .. } => codes::UNTERMINATED_QUOTE,
            Self::MalformedHeader { .. } => codes::MALFORMED_QUOTES,
        }
    }

    /// The line the problem is on, where there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::NotUtf8 { line }
            | Self::UnterminatedQuote { line }
            | Self::MalformedHeader { line } => Some(*line),
            _ => None,
        }
    }
}

/// Why an all-or-nothing import refused a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvImportError {
    /// The file cannot be read at all.
    #[error(transparent)]
    File(#[from] CsvFileError),
    /// These rows are bad (in line order); none of the file was taken.
    #[error("{} bad row(s), the first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Rows(Vec<BadRow>),
}

/// The result of a skip-invalid import.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsvImport {
    pub rows: Vec<IncidentRow>,
    pub bad: Vec<BadRow>,
}

/// All rows, or (all or nothing) every bad row.
pub fn parse_incidents(
    bytes: &[u8],
    options: &CsvImportOptions<'_>,
) -> Result<Vec<IncidentRow>, CsvImportError> {
    let out = parse_incidents_skip_invalid(bytes, options)?;
    if out.bad.is_empty() {
        Ok(out.rows)
    } else {
        Err(CsvImportError::Rows(out.bad))
    }
}

/// The good rows and the bad ones (`--skip-invalid`).
pub fn parse_incidents_skip_invalid(
    bytes: &[u8],
    options: &CsvImportOptions<'_>,
) -> Result<CsvImport, CsvFileError> {
    let reader = read_incidents(bytes, options)?;
    let mut out = CsvImport {
        rows: Vec::with_capacity(reader.lines),
        bad: Vec::new(),
    };
    for item in reader {
        match item? {
            Ok(row) => out.rows.push(row),
            Err(b) => out.bad.push(b),
        }
    }
    let duplicates = duplicate_external_ids(&out.rows);
    if !duplicates.is_empty() {
        let mut is_duplicate = vec![false; out.rows.len()];
        for &i in &duplicates {
            is_duplicate[i] = true;
            out.bad.push(BadRow::new(
                out.rows[i].line,
                Invalid::new("external_id", codes::DUPLICATE_EXTERNAL_ID),
            ));
        }
        let mut flags = is_duplicate.into_iter();
        out.rows.retain(|_| !flags.next().unwrap_or(false));
        out.bad.sort_by_key(|b| b.line);
    }
    Ok(out)
}

/// The positions in `rows` of rows whose `external_id` an earlier row already has, in
/// order. [`read_incidents`] cannot know this row by row; the collectors call it.
///
/// Built for a million rows: it sorts pairs of (keyed 64-bit hash, position), which
/// stays in cache where a hash table of a million strings would not, and compares the
/// ids themselves only within runs of equal hashes, so a hash collision never reports a
/// false duplicate. The hash key is random (std's [`RandomState`]), so a file cannot be
/// crafted to make every id collide.
pub fn duplicate_external_ids(rows: &[IncidentRow]) -> Vec<usize> {
    later_duplicates(
        rows.iter()
            .enumerate()
            .filter_map(|(i, r)| r.external_id.as_deref().map(|id| (i, id))),
    )
}

/// Of `(key, id)` pairs in file order, the keys of those whose id an earlier pair has,
/// in order (see [`duplicate_external_ids`] for the method).
fn later_duplicates<'i>(ids: impl Iterator<Item = (usize, &'i str)>) -> Vec<usize> {
    let keys = RandomState::new();
    let mut hashed: Vec<(u64, usize, &str)> =
        ids.map(|(k, id)| (keys.hash_one(id), k, id)).collect();
    hashed.sort_unstable_by_key(|&(hash, k, _)| (hash, k));
    let mut duplicates = Vec::new();
    for run in hashed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        // Within a run (in file order), a pair is a duplicate if an earlier pair of the
        // run has the same id; almost always every pair of a run has the same id.
        for (n, &(_, k, id)) in run.iter().enumerate() {
            if run[..n].iter().any(|&(_, _, earlier)| earlier == id) {
                duplicates.push(k);
            }
        }
    }
    duplicates.sort_unstable();
    duplicates
}

/// What [`check_incidents`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsvCheck {
    /// Rows that can be imported.
    pub good: usize,
    /// Rows that cannot, duplicates of `external_id` included, in line order.
    pub bad: Vec<BadRow>,
}

/// Checks every row without keeping any: the first pass of a low-memory import. An
/// all-or-nothing import of a large file checks first and, if `bad` is empty, streams
/// [`read_incidents`] into one transaction; a skip-invalid import streams it and skips
/// the rows whose line is in `bad` (the later duplicates are good rows to the
/// iterator). Memory: the external ids only.
pub fn check_incidents(
    bytes: &[u8],
    options: &CsvImportOptions<'_>,
) -> Result<CsvCheck, CsvFileError> {
    let mut check = CsvCheck::default();
    let mut ids: Vec<(usize, String)> = Vec::new();
    for item in read_incidents(bytes, options)? {
        match item? {
            Ok(row) => {
                check.good += 1;
                if let Some(id) = row.external_id {
                    ids.push((row.line, id));
                }
            }
            Err(b) => check.bad.push(b),
        }
    }
    let duplicates = later_duplicates(ids.iter().map(|(line, id)| (*line, id.as_str())));
    check.good -= duplicates.len();
    for line in duplicates {
        check.bad.push(BadRow::new(
            line,
            Invalid::new("external_id", codes::DUPLICATE_EXTERNAL_ID),
        ));
    }
    check.bad.sort_by_key(|b| b.line);
    Ok(check)
}

/// Reads the header and returns an iterator over the rows: each item is a good row or
/// a bad one, or a [`CsvFileError`] after which the iterator ends (a quote never
/// closed: the rest of the file cannot be split into rows).
///
/// Each row is checked on its own; that `external_id`s are unique across the file is
/// checked by [`duplicate_external_ids`] (which the collectors call) or
/// [`check_incidents`].
pub fn read_incidents<'t, 'c>(
    bytes: &'t [u8],
    options: &CsvImportOptions<'c>,
) -> Result<IncidentCsvReader<'t, 'c>, CsvFileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| CsvFileError::NotUtf8 {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
    })?;
    let separator = detect_separator(text);
    let mut records = Records::new(text, separator);
    let mut fields = Vec::new();
    loop {
        match records.next_record(&mut fields) {
            None => return Err(CsvFileError::Empty),
            Some(Err(RecordError::Unterminated { line })) => {
                return Err(CsvFileError::UnterminatedQuote { line });
            }
            Some(Err(RecordError::Malformed { line })) => {
                return Err(CsvFileError::MalformedHeader { line });
            }
            Some(Ok(_)) if is_blank(&fields) => continue,
            Some(Ok(_)) => break,
        }
    }
    let columns = Columns::from_header(&fields)?;
    // About the number of rows, so that the caller's vector is not grown (moved) again
    // and again over a million rows: extrapolated from the first 64 KiB, which costs
    // nothing, where counting every line would cost a pass over the file.
    let sample = &bytes[..bytes.len().min(1 << 16)];
    let sample_lines = sample.iter().filter(|&&b| b == b'\n').count().max(1);
    let lines =
        (bytes.len() as f64 / sample.len().max(1) as f64 * sample_lines as f64 * 1.05) as usize + 1;
    Ok(IncidentCsvReader {
        records,
        columns,
        width: fields.len(),
        options: *options,
        fields: Vec::with_capacity(fields.len()),
        lines,
        categories_seen: Vec::new(),
        finished: false,
    })
}

/// `;` if the first non-blank line has one, else `,`. Column names contain neither.
fn detect_separator(text: &str) -> u8 {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    if first.contains(';') { b';' } else { b',' }
}

fn is_blank(fields: &[Cow<'_, str>]) -> bool {
    fields.len() == 1 && fields[0].trim().is_empty()
}

/// The iterator of [`read_incidents`].
pub struct IncidentCsvReader<'t, 'c> {
    records: Records<'t>,
    columns: Columns,
    width: usize,
    options: CsvImportOptions<'c>,
    fields: Vec<Cow<'t, str>>,
    /// About the number of lines in the file.
    lines: usize,
    /// Category texts met so far and what they resolved to: files repeat a few texts a
    /// million times, and a name (not a code) would be folded every time.
    categories_seen: Vec<(Box<str>, Result<&'c Category, Invalid>)>,
    finished: bool,
}

impl Iterator for IncidentCsvReader<'_, '_> {
    type Item = Result<Result<IncidentRow, BadRow>, CsvFileError>;

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        loop {
            let line = match self.records.next_record(&mut self.fields) {
                None => {
                    self.finished = true;
                    return None;
                }
                Some(Err(RecordError::Unterminated { line })) => {
                    self.finished = true;
                    return Some(Err(CsvFileError::UnterminatedQuote { line }));
                }
                Some(Err(RecordError::Malformed { line })) => {
                    return Some(Ok(Err(BadRow::new(
                        line,
                        Invalid::new("row", codes::MALFORMED_QUOTES),
                    ))));
                }
                Some(Ok(line)) => line,
            };
            if is_blank(&self.fields) {
                continue;
            }
            if self.fields.len() != self.width {
                return Some(Ok(Err(BadRow::new(
                    line,
                    Invalid::new("row", codes::WRONG_FIELD_COUNT),
                ))));
            }
            if self
                .columns
                .unnamed
                .iter()
                .any(|&i| !self.fields[i].trim().is_empty())
            {
                return Some(Ok(Err(BadRow::new(
                    line,
                    Invalid::new("row", codes::VALUE_IN_UNNAMED_COLUMN),
                ))));
            }
            return Some(Ok(self
                .row(line)
                .map_err(|problem| BadRow::new(line, problem))));
        }
    }
}

impl<'c> IncidentCsvReader<'_, 'c> {
    fn get(&self, column: Option<usize>) -> &str {
        column
            .and_then(|i| self.fields.get(i))
            .map_or("", |f| f.as_ref())
    }

    fn category(&mut self) -> Result<&'c Category, Invalid> {
        let text = self.get(self.columns.category);
        if let Some((_, found)) = self.categories_seen.iter().find(|(t, _)| **t == *text) {
            return found.clone();
        }
        let found = self.options.categories.resolve(text);
        if self.categories_seen.len() < 64 {
            let text: Box<str> = text.into();
            self.categories_seen.push((text, found.clone()));
        }
        found
    }

    fn row(&mut self, line: usize) -> Result<IncidentRow, Invalid> {
        let category = self.category();
        let c = &self.columns;
        let o = &self.options;
        let to = self.get(c.occurred_to);
        let occurred = OccurredAt::parse(
            self.get(c.occurred_at),
            (!to.is_empty()).then_some(to),
            o.now,
            o.local_time,
        )?;
        let category = category?;
        let (point, given_crs) = self.point()?;
        let description = Description::parse(self.get(c.description))?;
        let place = optional_text("place", self.get(c.place), MAX_NAME_CHARS)?;
        let severity = match self.get(c.severity).trim() {
            "" => category.default_severity,
            text => Severity::parse(text)?,
        };
        let creates_insecurity = parse_yes_no(self.get(c.creates_insecurity))?;
        let organisation = optional_text("organisation", self.get(c.organisation), MAX_NAME_CHARS)?;
        let external_id = optional_text(
            "external_id",
            self.get(c.external_id),
            MAX_EXTERNAL_ID_CHARS,
        )?;
        Ok(IncidentRow {
            line,
            occurred,
            category: category.code.clone(),
            point,
            given_crs,
            description,
            place,
            severity,
            creates_insecurity,
            organisation,
            external_id,
        })
    }

    fn point(&self) -> Result<(Wgs84, Crs), Invalid> {
        let c = &self.columns;
        let (lat, lon) = (self.get(c.lat).trim(), self.get(c.lon).trim());
        let (x, y) = (self.get(c.x).trim(), self.get(c.y).trim());
        let wgs = !lat.is_empty() || !lon.is_empty();
        let tm = !x.is_empty() || !y.is_empty();
        match (wgs, tm) {
            (true, true) => Err(Invalid::new("lat", codes::CONFLICTING_COORDINATES)),
            (false, false) => Err(Invalid::new("lat", codes::COORDINATES_REQUIRED)),
            (true, false) => {
                let lat_v = parse_decimal("lat", lat)?;
                let lon_v = parse_decimal("lon", lon)?;
                match Wgs84::new(lat_v, lon_v) {
                    Ok(p) if p.plausible_in_sweden() => Ok((p, Crs::Wgs84)),
                    _ if Wgs84::new(lon_v, lat_v).is_ok_and(Wgs84::plausible_in_sweden) => {
                        Err(Invalid::new("lat", codes::COORDINATES_SWAPPED))
                    }
                    _ => Err(Invalid::new("lat", codes::OUTSIDE_SWEDEN)),
                }
            }
            (false, true) => {
                let e = parse_decimal("x", x)?;
                let n = parse_decimal("y", y)?;
                let plausible =
                    |n, e| Sweref99Tm::new(n, e).is_ok_and(Sweref99Tm::plausible_in_sweden);
                if !plausible(n, e) {
                    let code = if plausible(e, n) {
                        codes::COORDINATES_SWAPPED
                    } else {
                        codes::OUTSIDE_SWEDEN
                    };
                    return Err(Invalid::new("x", code));
                }
                Sweref99Tm::new(n, e)
                    .and_then(Sweref99Tm::to_wgs84)
                    .map(|p| (p, Crs::Sweref99Tm))
                    .map_err(|_| Invalid::new("x", codes::OUTSIDE_SWEDEN))
            }
        }
    }
}

/// A number as spreadsheets write it: `58.41611`, `58,41611`, `6 475 208,6`, `+15.6`;
/// no exponents, `inf` or `NaN`. Codes `required`, `not_a_number`.
fn parse_decimal(field: &'static str, text: &str) -> Result<f64, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::new(field, codes::REQUIRED));
    }
    let plain = |s: &str| {
        let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && digits.bytes().filter(|&b| b == b'.').count() <= 1
            && digits.bytes().any(|b| b.is_ascii_digit())
    };
    // The fast path allocates nothing: most files write plain decimal points.
    let cleaned: Cow<'_, str> = if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
                .map(|c| if c == ',' { '.' } else { c })
                .collect(),
        )
    };
    if !plain(&cleaned) {
        return Err(Invalid::new(field, codes::NOT_A_NUMBER));
    }
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Invalid::new(field, codes::NOT_A_NUMBER)),
    }
}

/// An optional single-line text: trimmed, empty → `None`. Codes `too_long`,
/// `control_characters`.
fn optional_text(
    field: &'static str,
    text: &str,
    max_chars: usize,
) -> Result<Option<String>, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > max_chars && text.chars().count() > max_chars {
        return Err(Invalid::new(field, codes::TOO_LONG));
    }
    if has_control_characters(text, false) {
        return Err(Invalid::new(field, codes::CONTROL_CHARACTERS));
    }
    Ok(Some(text.to_owned()))
}

/// Field `creates_insecurity`; code `invalid_boolean`.
fn parse_yes_no(text: &str) -> Result<Option<bool>, Invalid> {
    let text = text.trim();
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(text));
    if text.is_empty() {
        Ok(None)
    } else if is(&["ja", "j", "yes", "y", "true", "1"]) {
        Ok(Some(true))
    } else if is(&["nej", "n", "no", "false", "0"]) {
        Ok(Some(false))
    } else {
        Err(Invalid::new("creates_insecurity", codes::INVALID_BOOLEAN))
    }
}

/// Where each documented column is in the file.
#[derive(Debug, Clone, Default)]
struct Columns {
    occurred_at: Option<usize>,
    category: Option<usize>,
    lat: Option<usize>,
    lon: Option<usize>,
    description: Option<usize>,
    occurred_to: Option<usize>,
    x: Option<usize>,
    y: Option<usize>,
    place: Option<usize>,
    severity: Option<usize>,
    creates_insecurity: Option<usize>,
    organisation: Option<usize>,
    external_id: Option<usize>,
    /// Columns without a name in the header.
    unnamed: Vec<usize>,
}

impl Columns {
    fn from_header(names: &[Cow<'_, str>]) -> Result<Self, CsvFileError> {
        let mut c = Self::default();
        for (i, name) in names.iter().enumerate() {
            let name = name.trim();
            if name.is_empty() {
                // Excel writes empty columns after the data (`…;external_id;;`) when
                // cells there were ever formatted; rows must leave them empty.
                c.unnamed.push(i);
                continue;
            }
            let slot = match name.to_ascii_lowercase().as_str() {
                "occurred_at" => &mut c.occurred_at,
                "category" => &mut c.category,
                "lat" => &mut c.lat,
                "lon" => &mut c.lon,
                "description" => &mut c.description,
                "occurred_to" => &mut c.occurred_to,
                "x" => &mut c.x,
                "y" => &mut c.y,
                "place" => &mut c.place,
                "severity" => &mut c.severity,
                "creates_insecurity" => &mut c.creates_insecurity,
                "organisation" => &mut c.organisation,
                "external_id" => &mut c.external_id,
                _ => {
                    return Err(CsvFileError::UnknownColumn {
                        column: name.to_owned(),
                    });
                }
            };
            if slot.replace(i).is_some() {
                return Err(CsvFileError::DuplicateColumn {
                    column: name.to_owned(),
                });
            }
        }
        for (column, at) in [
            ("occurred_at", c.occurred_at),
            ("category", c.category),
            ("description", c.description),
        ] {
            if at.is_none() {
                return Err(CsvFileError::MissingColumn { column });
            }
        }
        match (c.lat, c.lon, c.x, c.y) {
            (Some(_), Some(_), _, _) | (_, _, Some(_), Some(_)) => {}
            (Some(_), None, ..) => return Err(CsvFileError::MissingColumn { column: "lon" }),
            (None, Some(_), ..) => return Err(CsvFileError::MissingColumn { column: "lat" }),
            (None, None, Some(_), None) => {
                return Err(CsvFileError::MissingColumn { column: "y" });
            }
            (None, None, None, Some(_)) => {
                return Err(CsvFileError::MissingColumn { column: "x" });
            }
            (None, None, None, None) => return Err(CsvFileError::MissingCoordinateColumns),
        }
        Ok(c)
    }
}

/// Splits text into records of fields (RFC 4180), tracking physical line numbers.
struct Records<'t> {
    text: &'t str,
    pos: usize,
    /// The line `pos` is on.
    line: usize,
    separator: u8,
}

enum RecordError {
    /// A quote opened on `line` is never closed.
    Unterminated { line: usize },
    /// Text after a closing quote, in the record starting on `line`.
    Malformed { line: usize },
}

impl<'t> Records<'t> {
    fn new(text: &'t str, separator: u8) -> Self {
        Self {
            text,
            pos: 0,
            line: 1,
            separator,
        }
    }

    /// The index of the next `\n` at or after `from`, or the end of the text.
    fn line_end(&self, from: usize) -> usize {
        // `str::find` with an ASCII char is a memchr: word-at-a-time, not byte by byte.
        self.text[from..]
            .find('\n')
            .map_or(self.text.len(), |i| from + i)
    }

    /// The next record's fields into `out`; returns the line it starts on.
    fn next_record(&mut self, out: &mut Vec<Cow<'t, str>>) -> Option<Result<usize, RecordError>> {
        let b = self.text.as_bytes();
        if self.pos >= b.len() {
            return None;
        }
        out.clear();
        let start_line = self.line;
        let separator = char::from(self.separator);
        let mut line_end = self.line_end(self.pos);
        loop {
            if b.get(self.pos) == Some(&b'"') {
                let field = match self.quoted() {
                    Ok(f) => f,
                    Err(e) => return Some(Err(e)),
                };
                out.push(field);
                if self.pos > line_end {
                    // The field held line breaks.
                    line_end = self.line_end(self.pos);
                }
                match b.get(self.pos) {
                    None => return Some(Ok(start_line)),
                    Some(&c) if c == self.separator => self.pos += 1,
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                        return Some(Ok(start_line));
                    }
                    Some(b'\r') if b.get(self.pos + 1) == Some(&b'\n') => {
                        self.pos += 2;
                        self.line += 1;
                        return Some(Ok(start_line));
                    }
                    Some(_) => {
                        self.skip_line();
                        return Some(Err(RecordError::Malformed { line: start_line }));
                    }
                }
            } else {
                let start = self.pos;
                if let Some(i) = self.text[start..line_end].find(separator) {
                    out.push(Cow::Borrowed(&self.text[start..start + i]));
                    self.pos = start + i + 1;
                    continue;
                }
                let end = if line_end > start && b[line_end - 1] == b'\r' {
                    line_end - 1
                } else {
                    line_end
                };
                out.push(Cow::Borrowed(&self.text[start..end]));
                self.pos = line_end;
                if line_end < b.len() {
                    self.pos += 1;
                    self.line += 1;
                }
                return Some(Ok(start_line));
            }
        }
    }

    /// A quoted field starting at `pos`; leaves `pos` after the closing quote.
    fn quoted(&mut self) -> Result<Cow<'t, str>, RecordError> {
        let b = self.text.as_bytes();
        let opened_on = self.line;
        self.pos += 1;
        let content_start = self.pos;
        let mut owned: Option<String> = None;
        let mut segment = self.pos;
        loop {
            let Some(q) = self.text[self.pos..].find('"') else {
                self.pos = b.len();
                return Err(RecordError::Unterminated { line: opened_on });
            };
            let q = self.pos + q;
            self.line += b[self.pos..q].iter().filter(|&&c| c == b'\n').count();
            if b.get(q + 1) == Some(&b'"') {
                // `""` is one quote: keep up to and including the first.
                owned
                    .get_or_insert_with(String::new)
                    .push_str(&self.text[segment..=q]);
                self.pos = q + 2;
                segment = self.pos;
                continue;
            }
            self.pos = q + 1;
            return Ok(match owned {
                Some(mut s) => {
                    s.push_str(&self.text[segment..q]);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(&self.text[content_start..q]),
            });
        }
    }

    fn skip_line(&mut self) {
        let b = self.text.as_bytes();
        match b[self.pos..].iter().position(|&c| c == b'\n') {
            Some(n) => {
                self.pos += n + 1;
                self.line += 1;
            }
            None => self.pos = b.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn now() -> Instant {
        Instant::from_timestamp("2026-11-24T12:00:00Z".parse().unwrap())
    }

    fn parse(text: &str) -> Result<Vec<IncidentRow>, CsvImportError> {
        let list = CategoryList::defaults();
        parse_incidents(text.as_bytes(), &CsvImportOptions::new(&list, now()))
    }

    fn bad(text: &str) -> Vec<(usize, &'static str, &'static str)> {
        match parse(text) {
            Err(CsvImportError::Rows(rows)) => rows
                .into_iter()
                .map(|r| (r.line, r.field, r.code))
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    fn file_error(text: &str) -> &'static str {
        match parse(text) {
            Err(CsvImportError::File(e)) => e.code(),
            other => panic!("{other:?}"),
        }
    }

    const HEADER: &str = "occurred_at,category,lat,lon,description";

    #[test]
    fn reads_the_minimal_columns() {
        let rows = parse(&format!(
            "{HEADER}\n2026-08-19 07:58,klotter,58.41611,15.62583,Klotter på tunnelväggen\n"
        ))
        .unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.category.as_str(), "klotter");
        assert_eq!((r.point.lat(), r.point.lon()), (58.41611, 15.62583));
        assert_eq!(r.given_crs, Crs::Wgs84);
        assert_eq!(r.description.as_str(), "Klotter på tunnelväggen");
        assert_eq!(r.severity, Severity::LOW, "klotter's default");
        assert_eq!(r.creates_insecurity, None);
        assert_eq!(r.place, None);
        assert_eq!(
            r.occurred,
            OccurredAt::At(Instant::from_timestamp(
                "2026-08-19T05:58:00Z".parse().unwrap()
            ))
        );
    }

    #[test]
    fn reads_every_column_with_semicolons_bom_crlf_and_decimal_commas() {
        let text = "\u{feff}Occurred_At;occurred_to;category;x;y;description;place;severity;\
                    creates_insecurity;organisation;external_id\r\n\
                    2026-08-15 18:00;2026-08-17 07:00;Skadegörelse;536 561,9;6 475 208,6;\
                    \"Krossad ruta; dörr uppbruten\";Resecentrum;3;Ja;AB Stångåstaden;A-17\r\n";
        let rows = parse(text).unwrap();
        let r = &rows[0];
        assert_eq!(r.line, 2);
        assert!(r.occurred.is_window());
        assert_eq!(r.category.as_str(), "skadegörelse");
        assert_eq!(r.given_crs, Crs::Sweref99Tm);
        assert!((r.point.lat() - 58.416).abs() < 0.01 && (r.point.lon() - 15.626).abs() < 0.01);
        assert_eq!(r.description.as_str(), "Krossad ruta; dörr uppbruten");
        assert_eq!(r.place.as_deref(), Some("Resecentrum"));
        assert_eq!(r.severity, Severity::HIGH);
        assert_eq!(r.creates_insecurity, Some(true));
        assert_eq!(r.organisation.as_deref(), Some("AB Stångåstaden"));
        assert_eq!(r.external_id.as_deref(), Some("A-17"));
    }

    #[test]
    fn quoted_fields_may_hold_quotes_separators_and_line_breaks() {
        let text = format!(
            "{HEADER}\n\
             2026-08-19 07:58,klotter,58.41611,15.62583,\"Tagg \"\"XYZ\"\", två rader:\nrad två\"\n\
             2026-08-19 08:00,klotter,58.41611,15.62583,\"\"\n"
        );
        // The second row's empty description is line 4: line 2 spans two lines.
        assert_eq!(bad(&text), vec![(4, "description", "required")]);
        let text = format!(
            "{HEADER}\n2026-08-19 07:58,klotter,58.41611,15.62583,\"Tagg \"\"XYZ\"\", två rader:\nrad två\"\n"
        );
        let rows = parse(&text).unwrap();
        assert_eq!(
            rows[0].description.as_str(),
            "Tagg \"XYZ\", två rader:\nrad två"
        );
    }

    #[test]
    fn all_or_nothing_lists_every_bad_line_with_its_reason() {
        let text = format!(
            "{HEADER}\n\
             2026-08-19 07:58,klotter,58.41611,15.62583,ok\n\
             2026-02-30 07:58,klotter,58.41611,15.62583,no such day\n\
             \n\
             2026-08-19 07:58,graffiti,58.41611,15.62583,unknown category\n\
             2026-08-19 07:58,klotter,15.62583,58.41611,swapped\n\
             2026-08-19 07:58,klotter,52.52,13.40,Berlin\n\
             2026-08-19 07:58,klotter,58.41611,15.62583,too,many\n\
             2026-08-19 07:58,klotter,58.4x,15.62583,letters\n\
             2027-08-19 07:58,klotter,58.41611,15.62583,future\n\
             2026-03-29 02:30,klotter,58.41611,15.62583,skipped hour\n\
             2026-08-19 07:58,klotter,,,no position\n"
        );
        assert_eq!(
            bad(&text),
            vec![
                (3, "occurred_at", "invalid_date"),
                (5, "category", "unknown_category"),
                (6, "lat", "coordinates_swapped"),
                (7, "lat", "outside_sweden"),
                (8, "row", "wrong_field_count"),
                (9, "lat", "not_a_number"),
                (10, "occurred_at", "in_future"),
                (11, "occurred_at", "nonexistent_local_time"),
                (12, "lat", "coordinates_required"),
            ]
        );
    }

    #[test]
    fn skip_invalid_keeps_the_good_rows() {
        let list = CategoryList::defaults();
        let text = format!(
            "{HEADER}\n\
             2026-08-19 07:58,klotter,58.41611,15.62583,ok\n\
             2026-08-19 07:58,klotter,58.41611,15.62583,\n\
             2026-08-19 07:59,brand,58.42611,15.58,ok too\n"
        );
        let out =
            parse_incidents_skip_invalid(text.as_bytes(), &CsvImportOptions::new(&list, now()))
                .unwrap();
        assert_eq!(out.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(
            out.bad,
            vec![BadRow {
                line: 3,
                field: "description",
                code: "required"
            }]
        );
        assert_eq!(out.rows[1].severity, Severity::HIGH, "brand's default");
    }

    #[test]
    fn sweref_rows_check_their_axes() {
        let head = "occurred_at,category,x,y,description";
        let ok = parse(&format!(
            "{head}\n2026-08-19 07:58,klotter,536562,6475209,ok\n"
        ));
        assert_eq!(ok.unwrap()[0].given_crs, Crs::Sweref99Tm);
        assert_eq!(
            bad(&format!(
                "{head}\n2026-08-19 07:58,klotter,6475209,536562,swapped\n"
            )),
            vec![(2, "x", "coordinates_swapped")]
        );
        assert_eq!(
            bad(&format!(
                "{head}\n2026-08-19 07:58,klotter,58.4,15.6,degrees\n"
            )),
            vec![(2, "x", "outside_sweden")]
        );
        assert_eq!(
            bad(&format!("{head}\n2026-08-19 07:58,klotter,536562,,half\n")),
            vec![(2, "y", "required")]
        );
        let both = "occurred_at,category,lat,lon,x,y,description";
        assert_eq!(
            bad(&format!(
                "{both}\n2026-08-19 07:58,klotter,58.4,15.6,536562,6475209,both\n"
            )),
            vec![(2, "lat", "conflicting_coordinates")]
        );
        assert!(
            parse(&format!(
                "{both}\n2026-08-19 07:58,klotter,,,536562,6475209,tm\n"
            ))
            .is_ok()
        );
    }

    #[test]
    fn optional_fields_are_checked() {
        let head = "occurred_at,category,lat,lon,description,severity,creates_insecurity,external_id,place";
        let row = |rest: &str| format!("{head}\n2026-08-19 07:58,klotter,58.4,15.6,d,{rest}\n");
        assert_eq!(bad(&row("4,,,")), vec![(2, "severity", "invalid_severity")]);
        assert_eq!(
            bad(&row(",kanske,,")),
            vec![(2, "creates_insecurity", "invalid_boolean")]
        );
        for (text, value) in [
            ("NEJ", false),
            ("no", false),
            ("0", false),
            ("yes", true),
            ("J", true),
        ] {
            let rows = parse(&row(&format!(",{text},,"))).unwrap();
            assert_eq!(rows[0].creates_insecurity, Some(value), "{text}");
        }
        assert_eq!(
            bad(&row(&format!(",,,{}", "x".repeat(201)))),
            vec![(2, "place", "too_long")]
        );
        assert_eq!(
            bad(&row(&format!(",,{},", "x".repeat(101)))),
            vec![(2, "external_id", "too_long")]
        );
        let dup = format!(
            "{head}\n2026-08-19 07:58,klotter,58.4,15.6,d,,,A1,\n2026-08-19 07:58,klotter,58.4,15.6,d,,,A1,\n"
        );
        assert_eq!(bad(&dup), vec![(3, "external_id", "duplicate_external_id")]);
    }

    #[test]
    fn duplicate_external_ids_are_bad_rows_after_the_first() {
        let list = CategoryList::defaults();
        let head = "occurred_at,category,lat,lon,description,external_id";
        let text = format!(
            "{head}\n\
             2026-08-19 07:58,klotter,58.4,15.6,a,A1\n\
             2026-08-19 07:58,klotter,58.4,15.6,b,B\n\
             2026-08-19 07:58,klotter,58.4,15.6,,X\n\
             2026-08-19 07:58,klotter,58.4,15.6,c,A1\n\
             2026-08-19 07:58,klotter,58.4,15.6,d,\"A1\"\n\
             2026-08-19 07:58,klotter,58.4,15.6,e,\n\
             2026-08-19 07:58,klotter,58.4,15.6,f,b\n"
        );
        let out =
            parse_incidents_skip_invalid(text.as_bytes(), &CsvImportOptions::new(&list, now()))
                .unwrap();
        let lines: Vec<usize> = out.rows.iter().map(|r| r.line).collect();
        assert_eq!(
            lines,
            [2, 3, 7, 8],
            "ids are case-sensitive; empty ids are no ids"
        );
        assert_eq!(
            out.bad.iter().map(|b| (b.line, b.code)).collect::<Vec<_>>(),
            [
                (4, "required"),
                (5, "duplicate_external_id"),
                (6, "duplicate_external_id")
            ]
        );
        assert_eq!(duplicate_external_ids(&out.rows), Vec::<usize>::new());
        let check = check_incidents(text.as_bytes(), &CsvImportOptions::new(&list, now())).unwrap();
        assert_eq!(check.good, 4);
        assert_eq!(check.bad, out.bad);
    }

    #[test]
    fn empty_columns_after_the_data_are_allowed_but_must_stay_empty() {
        let text = format!("{HEADER},,\n2026-08-19 07:58,klotter,58.4,15.6,ok,,\n");
        assert_eq!(parse(&text).unwrap().len(), 1);
        let text = format!("{HEADER},,\n2026-08-19 07:58,klotter,58.4,15.6,ok,,x\n");
        assert_eq!(bad(&text), vec![(2, "row", "value_in_unnamed_column")]);
    }

    #[test]
    fn broken_files_are_refused_whole() {
        assert_eq!(file_error(""), "empty_file");
        assert_eq!(file_error("\u{feff}\n\n"), "empty_file");
        assert_eq!(
            file_error("occurred_at,category,lat,lon,descripton\n"),
            "unknown_column"
        );
        assert_eq!(
            file_error("occurred_at,category,lat,lon,description,lat\n"),
            "duplicate_column"
        );
        assert_eq!(
            file_error("occurred_at,lat,lon,description\n"),
            "missing_column"
        );
        assert_eq!(
            file_error("occurred_at,category,description\n"),
            "missing_coordinate_columns"
        );
        assert_eq!(
            file_error("occurred_at,category,lat,description\n"),
            "missing_column"
        );
        let list = CategoryList::defaults();
        let latin1 =
            b"occurred_at,category,lat,lon,description\n2026-08-19 07:58,klotter,58.4,15.6,\xe5\n";
        let err = parse_incidents(latin1, &CsvImportOptions::new(&list, now())).unwrap_err();
        assert_eq!(err, CsvImportError::File(CsvFileError::NotUtf8 { line: 2 }));
        let open = format!(
            "{HEADER}\n2026-08-19 07:58,klotter,58.4,15.6,ok\n2026-08-19 07:58,klotter,58.4,15.6,\"never closed\n"
        );
        assert_eq!(
            parse(&open).unwrap_err(),
            CsvImportError::File(CsvFileError::UnterminatedQuote { line: 3 })
        );
        // Even in skip-invalid mode: the rows after it cannot be told apart.
        assert!(
            parse_incidents_skip_invalid(open.as_bytes(), &CsvImportOptions::new(&list, now()))
                .is_err()
        );
        assert_eq!(
            bad(&format!(
                "{HEADER}\n2026-08-19 07:58,klotter,58.4,15.6,\"a\"b\n2026-08-19 07:58,klotter,58.4,15.6,ok\n"
            )),
            vec![(2, "row", "malformed_quotes")]
        );
    }

    #[test]
    fn numbers_as_spreadsheets_write_them() {
        assert_eq!(parse_decimal("x", "58,41611").unwrap(), 58.41611);
        assert_eq!(parse_decimal("x", " 6 475 208,6 ").unwrap(), 6_475_208.6);
        assert_eq!(
            parse_decimal("x", "6\u{a0}475\u{a0}208").unwrap(),
            6_475_208.0
        );
        assert_eq!(parse_decimal("x", "-15.5").unwrap(), -15.5);
        assert_eq!(parse_decimal("x", "+15.5").unwrap(), 15.5);
        for bad in [
            "1e5", "inf", "NaN", "1.2.3", "1,2,3", ".", "-", "15.6°", "0x10",
        ] {
            assert_eq!(
                parse_decimal("x", bad).unwrap_err().code,
                "not_a_number",
                "{bad}"
            );
        }
        assert_eq!(parse_decimal("x", "  ").unwrap_err().code, "required");
    }

    /// One field, quoted if it must be, as a writer following RFC 4180 would.
    fn quote(cell: &str) -> String {
        if cell.contains([',', '"', '\n', '\r']) || cell.starts_with(' ') || cell.ends_with(' ') {
            format!("\"{}\"", cell.replace('"', "\"\""))
        } else {
            cell.to_owned()
        }
    }

    proptest! {
        #[test]
        fn any_description_survives_quoting(desc in "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{7f}-\u{9f}]{1,60}") {
            prop_assume!(!desc.trim().is_empty());
            let text = format!(
                "{HEADER}\r\n2026-08-19 07:58,klotter,58.4,15.6,{}\r\n2026-08-19 07:59,brand,58.4,15.6,x\r\n",
                quote(&desc)
            );
            let rows = parse(&text).unwrap();
            prop_assert_eq!(rows.len(), 2);
            prop_assert_eq!(rows[0].description.as_str(), desc.trim());
            let breaks = desc.matches('\n').count();
            prop_assert_eq!(rows[1].line, 3 + breaks);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let list = CategoryList::defaults();
            let options = CsvImportOptions::new(&list, now());
            let mut with_header = HEADER.as_bytes().to_vec();
            with_header.push(b'\n');
            with_header.extend_from_slice(&bytes);
            let _ = parse_incidents(&bytes, &options);
            let _ = parse_incidents_skip_invalid(&with_header, &options);
        }

        #[test]
        fn csv_like_text_never_panics(text in "[a-z0-9,;\"\r\n .:-]{0,200}") {
            let list = CategoryList::defaults();
            let options = CsvImportOptions::new(&list, now());
            let with_header = format!("{HEADER}\n{text}");
            if let Ok(out) = parse_incidents_skip_invalid(with_header.as_bytes(), &options) {
                let mut lines: Vec<usize> = out.rows.iter().map(|r| r.line).chain(out.bad.iter().map(|b| b.line)).collect();
                let sorted = { let mut s = lines.clone(); s.sort(); s };
                prop_assert_eq!(&lines, &sorted);
                lines.dedup();
                prop_assert!(lines.iter().all(|&l| l >= 2));
            }
        }
    }
}
