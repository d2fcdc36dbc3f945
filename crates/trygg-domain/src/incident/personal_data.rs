//! Personal data in free text: find it, count it, mask it.
//!
//! EST reports are about places, not people, but reporters in a hurry write "the man in
//! ABC 123, 070-174 06 05" or paste a personnummer. [`detect`] finds such data so the
//! form can warn before submitting; [`mask`] replaces it with a label such as
//! `[personnummer]` and counts what it replaced for the audit entry; [`screen`] applies a
//! category's [`PiiPolicy`].
//!
//! What is detected (byte ranges into the text, never overlapping):
//!
//! * **Personnummer** and **samordningsnummer**: `YYMMDD-NNNC`, `YYMMDD+NNNC` (the `+` of
//!   people over 100), `YYMMDDNNNC`, `YYYYMMDD-NNNC`, `YYYYMMDDNNNC`, not touching other
//!   digits. The date must exist (for a samordningsnummer the day is the birth day + 60,
//!   i.e. 61–91) and the check digit C must satisfy the Luhn (mod 10) algorithm over the
//!   ten digits YYMMDDNNNC. With a century, only 18, 19 and 20 are accepted. Without
//!   one, a date counts as existing if it exists in either possible century, so
//!   `000229` (2000 was a leap year) is a date. About one ordinary 10-digit number in
//!   300 passes both tests; masking it too is the price of not missing real ones.
//! * **Phone numbers**: Swedish numbers written with the trunk prefix `0` (`070-174 06
//!   05`, `013-20 50 00`, `(013) 20 50 00`, `0701740605`) or with `+46`/`0046`
//!   (`+46 70 174 06 05`, `+46 (0)70-174 06 05`), with single spaces, hyphens, slashes
//!   or no-break spaces between digit groups, where the national number (without `0`
//!   or `46`) has 7–9 digits as Swedish numbers do; and other international numbers
//!   written with `+` and 8–15 digits (E.164). A number that is also a valid
//!   personnummer is reported as a personnummer. `DD-MM-YYYY` dates, decimals and the
//!   middle of hyphenated numbers (`2026-0123…`) are not phone numbers; any other
//!   number of 8–10 digits starting with `0` is, whatever it really was: masking a
//!   reference number now and then is the price of not missing phone numbers.
//!   Organisationsnummer (`556012-5790`) are never personnummer: their month is 20 or
//!   more.
//! * **Registration plates**: `ABC 123`, `ABC123`, `ABC-123` and the newer `ABC 12A`
//!   (since 2019). Swedish plates use the letters A–Z except I, Q and V (Å, Ä and Ö are
//!   never used), and the last position is never the letter O (it would read as a
//!   zero); these rules are Transportstyrelsen's. Only upper-case letters are matched:
//!   in lower case, everyday words followed by a number ("och 123", "kap 12a") would
//!   be masked. Personalised plates (free text) cannot be told from words and are not
//!   detected.
//! * **E-mail addresses**: `local@domain.tld` with an ASCII local part; the domain may
//!   hold Swedish letters (`exempel@åre.se`).
//!
//! Priority when candidates overlap: e-mail, then personnummer/samordningsnummer, then
//! phone, then plate.
//!
//! Names of people are not detected: no list of names tells "Berg" the person from
//! Berg the district. Reporters are told not to write names.

use std::ops::Range;

use crate::Invalid;
use crate::incident::codes;

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PiiKind {
    Personnummer,
    Samordningsnummer,
    Phone,
    Email,
    RegistrationPlate,
}

impl PiiKind {
    pub const ALL: [PiiKind; 5] = [
        Self::Personnummer,
        Self::Samordningsnummer,
        Self::Phone,
        Self::Email,
        Self::RegistrationPlate,
    ];

    /// The stable code, used in audit entries.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Personnummer => "personnummer",
            Self::Samordningsnummer => "samordningsnummer",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::RegistrationPlate => "registration_plate",
        }
    }

    /// What replaces the data in masked text. Swedish, since the text around it is; no
    /// digits, so masking twice changes nothing.
    pub const fn placeholder(self) -> &'static str {
        match self {
            Self::Personnummer => "[personnummer]",
            Self::Samordningsnummer => "[samordningsnummer]",
            Self::Phone => "[telefonnummer]",
            Self::Email => "[e-post]",
            Self::RegistrationPlate => "[registreringsnummer]",
        }
    }

    /// Lower is preferred when two candidates overlap.
    const fn priority(self) -> u8 {
        match self {
            Self::Email => 0,
            Self::Personnummer | Self::Samordningsnummer => 1,
            Self::Phone => 2,
            Self::RegistrationPlate => 3,
        }
    }
}

/// One piece of personal data found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: PiiKind,
    /// Byte range into the text; always on character boundaries.
    pub range: Range<usize>,
}

/// How many pieces of each kind were found (or masked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PiiCounts {
    pub personnummer: u32,
    pub samordningsnummer: u32,
    pub phone: u32,
    pub email: u32,
    pub registration_plate: u32,
}

impl PiiCounts {
    pub fn add(&mut self, kind: PiiKind) {
        let n = match kind {
            PiiKind::Personnummer => &mut self.personnummer,
            PiiKind::Samordningsnummer => &mut self.samordningsnummer,
            PiiKind::Phone => &mut self.phone,
            PiiKind::Email => &mut self.email,
            PiiKind::RegistrationPlate => &mut self.registration_plate,
        };
        *n = n.saturating_add(1);
    }

    pub fn get(&self, kind: PiiKind) -> u32 {
        match kind {
            PiiKind::Personnummer => self.personnummer,
            PiiKind::Samordningsnummer => self.samordningsnummer,
            PiiKind::Phone => self.phone,
            PiiKind::Email => self.email,
            PiiKind::RegistrationPlate => self.registration_plate,
        }
    }

    pub fn total(&self) -> u32 {
        PiiKind::ALL.iter().map(|&k| self.get(k)).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// `(code, count)` for the kinds found, for an audit entry.
    pub fn nonzero(&self) -> Vec<(&'static str, u32)> {
        PiiKind::ALL
            .iter()
            .filter(|&&k| self.get(k) > 0)
            .map(|&k| (k.code(), self.get(k)))
            .collect()
    }

    fn of(findings: &[Finding]) -> Self {
        let mut counts = Self::default();
        for f in findings {
            counts.add(f.kind);
        }
        counts
    }
}

/// What a category does with personal data in descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PiiPolicy {
    /// Store and show the description masked. The default: the data is almost always
    /// there by mistake.
    #[default]
    Mask,
    /// Store it as written but flag the incident, for categories where the detail is
    /// the point (a registration plate in `buskörning`) and access is narrow.
    KeepAndFlag,
}

impl PiiPolicy {
    pub const ALL: [PiiPolicy; 2] = [Self::Mask, Self::KeepAndFlag];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Mask => "mask",
            Self::KeepAndFlag => "keep_and_flag",
        }
    }

    /// Field `pii_policy`; code `unknown_pii_policy`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|p| p.code() == text.trim())
            .ok_or(Invalid::new("pii_policy", codes::UNKNOWN_PII_POLICY))
    }
}

/// A description after its category's policy was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    /// The text to store: masked, or as written under [`PiiPolicy::KeepAndFlag`].
    pub text: String,
    /// What was found.
    pub counts: PiiCounts,
    /// Personal data was found and kept: the incident must be flagged.
    pub flagged: bool,
}

/// Applies `policy` to `text`.
pub fn screen(text: &str, policy: PiiPolicy) -> Screened {
    match policy {
        PiiPolicy::Mask => {
            let (text, counts) = mask(text);
            Screened {
                text,
                counts,
                flagged: false,
            }
        }
        PiiPolicy::KeepAndFlag => {
            let counts = PiiCounts::of(&detect(text));
            Screened {
                text: text.to_owned(),
                flagged: !counts.is_empty(),
                counts,
            }
        }
    }
}

/// Replaces every finding of [`detect`] with its kind's
/// [placeholder](PiiKind::placeholder); the rest of the text is kept byte for byte.
pub fn mask(text: &str) -> (String, PiiCounts) {
    let findings = detect(text);
    let counts = PiiCounts::of(&findings);
    if findings.is_empty() {
        return (text.to_owned(), counts);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in &findings {
        out.push_str(&text[at..f.range.start]);
        out.push_str(f.kind.placeholder());
        at = f.range.end;
    }
    out.push_str(&text[at..]);
    (out, counts)
}

/// Finds personal data in `text`: non-overlapping findings in text order.
pub fn detect(text: &str) -> Vec<Finding> {
    let mut candidates = Vec::new();
    emails(text, &mut candidates);
    identity_numbers(text, &mut candidates);
    phones(text, &mut candidates);
    plates(text, &mut candidates);
    if candidates.is_empty() {
        return candidates;
    }
    candidates.sort_by_key(|f| (f.kind.priority(), f.range.start));
    let mut chosen: Vec<Finding> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let overlaps = chosen
            .iter()
            .any(|k| c.range.start < k.range.end && k.range.start < c.range.end);
        if !overlaps {
            chosen.push(c);
        }
    }
    chosen.sort_by_key(|f| f.range.start);
    chosen
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text[..i].chars().next_back()
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text[i..].chars().next()
}

fn is_digit_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_digit)
}

/// The end of the run of ASCII digits starting at `i`.
fn digit_run_end(b: &[u8], mut i: usize) -> usize {
    while is_digit_at(b, i) {
        i += 1;
    }
    i
}

// --- personnummer and samordningsnummer ----------------------------------------------

fn identity_numbers(text: &str, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let end = digit_run_end(b, i);
        i = end;
        let run = &b[start..end];
        let found = match run.len() {
            10 => classify(None, run, false).map(|k| (k, end)),
            12 => classify(Some(&run[..2]), &run[2..], false).map(|k| (k, end)),
            6 | 8 => {
                let sep = b.get(end).copied();
                let tail_end = digit_run_end(b, end + 1);
                if matches!(sep, Some(b'-' | b'+')) && tail_end == end + 5 {
                    let mut ten = [0u8; 10];
                    ten[..6].copy_from_slice(&run[run.len() - 6..]);
                    ten[6..].copy_from_slice(&b[end + 1..tail_end]);
                    let century = (run.len() == 8).then(|| &run[..2]);
                    classify(century, &ten, sep == Some(b'+')).map(|k| (k, tail_end))
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some((kind, stop)) = found {
            out.push(Finding {
                kind,
                range: start..stop,
            });
            i = stop;
        }
    }
}

/// Whether ten digits YYMMDDNNNC (with an optional two-digit century) are a
/// personnummer or a samordningsnummer. `plus` is the over-100 separator.
fn classify(century: Option<&[u8]>, ten: &[u8], plus: bool) -> Option<PiiKind> {
    let d = |i: usize| u32::from(ten[i] - b'0');
    let yy = d(0) * 10 + d(1);
    let month = d(2) * 10 + d(3);
    let mut day = d(4) * 10 + d(5);
    let kind = if day > 60 {
        day -= 60;
        PiiKind::Samordningsnummer
    } else {
        PiiKind::Personnummer
    };
    let leap = match century {
        Some(c) => {
            let cc = u32::from(c[0] - b'0') * 10 + u32::from(c[1] - b'0');
            if !(18..=20).contains(&cc) {
                return None;
            }
            is_leap(cc * 100 + yy)
        }
        // Either century may be meant: 19YY/20YY, or 18YY/19YY for the over-100 `+`.
        None if plus => is_leap(1800 + yy) || is_leap(1900 + yy),
        None => is_leap(1900 + yy) || is_leap(2000 + yy),
    };
    let max_day = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > max_day || !luhn_valid(ten) {
        return None;
    }
    Some(kind)
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// The Luhn (mod 10) check over ASCII digits: from the right, every second digit
/// (starting with the one before the check digit) doubled, digit sums added.
fn luhn_valid(digits: &[u8]) -> bool {
    luhn_sum(digits).is_multiple_of(10)
}

fn luhn_sum(digits: &[u8]) -> u32 {
    // The check digit (the last) is not doubled, the one before it is, and so on.
    let doubled = digits.len() % 2;
    digits
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let v = u32::from(c - b'0');
            if i % 2 == doubled {
                let v = v * 2;
                if v > 9 { v - 9 } else { v }
            } else {
                v
            }
        })
        .sum()
}

/// The check digit that completes nine digits YYMMDDNNN.
pub fn personnummer_check_digit(nine: &[u8; 9]) -> u8 {
    let mut ten = [b'0'; 10];
    ten[..9].copy_from_slice(nine);
    let sum = luhn_sum(&ten);
    ((10 - sum % 10) % 10) as u8
}

// --- phone numbers ---------------------------------------------------------------------

/// Characters allowed between digit groups of a phone number.
fn is_phone_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '/' | '\u{a0}' | '\u{202f}' | '\u{2011}')
}

fn phones(text: &str, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let starts = matches!(c, b'+' | b'0' | b'(')
            && !char_before(text, i).is_some_and(|p| p.is_alphanumeric() || p == '+')
            && !continues_a_number(b, i);
        if starts && let Some(end) = phone_at(text, i) {
            out.push(Finding {
                kind: PiiKind::Phone,
                range: i..end,
            });
            i = end;
            continue;
        }
        i += 1;
    }
}

/// A phone number starting at `start`, returning its end.
fn phone_at(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = start;
    // The national part's digits are counted from `national_from` on.
    let swedish;
    if b[i] == b'+' || text[i..].starts_with("0046") {
        i += if b[i] == b'+' { 1 } else { 4 };
        if b[start] == b'0' || text[i..].starts_with("46") {
            if b[start] == b'+' {
                i += 2;
            }
            swedish = true;
            i = skip_separator(text, i);
            // "+46 (0)70…": the trunk zero some people keep in brackets.
            if text[i..].starts_with("(0)") {
                i = skip_separator(text, i + 3);
            }
        } else {
            swedish = false;
        }
    } else {
        swedish = true;
        let bracket = b[i] == b'(';
        if bracket {
            i += 1;
        }
        if b.get(i) != Some(&b'0') {
            return None;
        }
        i += 1;
        if bracket {
            // "(013) 20 50 00": the area code in brackets.
            let close = digit_run_end(b, i);
            if close == i || b.get(close) != Some(&b')') {
                return None;
            }
            let groups_start = i;
            i = skip_separator(text, close + 1);
            return digit_groups(text, i, groups_start, close, swedish);
        }
    }
    digit_groups(text, i, i, i, swedish)
}

/// Whether position `i` follows a digit and a joining character (`58.0123…`,
/// `2026-0123…`): the middle of a decimal number, date or case number, not the start of
/// a phone number.
fn continues_a_number(b: &[u8], i: usize) -> bool {
    i >= 2 && matches!(b[i - 1], b'.' | b',' | b'-' | b'/' | b':') && b[i - 2].is_ascii_digit()
}

fn skip_separator(text: &str, i: usize) -> usize {
    match char_at(text, i) {
        Some(c) if is_phone_separator(c) => i + c.len_utf8(),
        _ => i,
    }
}

/// Reads digit groups from `i`; `pre_from..pre_to` are digits already read (a bracketed
/// area code). Returns the end of the longest prefix of groups that makes a plausible
/// number.
fn digit_groups(
    text: &str,
    mut i: usize,
    pre_from: usize,
    pre_to: usize,
    swedish: bool,
) -> Option<usize> {
    let b = text.as_bytes();
    let (min, max) = if swedish { (7, 9) } else { (8, 15) };
    let mut count = pre_to - pre_from;
    let mut first_digit = b.get(pre_from).copied().filter(|_| pre_to > pre_from);
    let mut groups: Vec<(usize, char)> = Vec::new();
    let mut best = None;
    loop {
        let end = digit_run_end(b, i);
        if end == i {
            break;
        }
        first_digit = first_digit.or(Some(b[i]));
        count += end - i;
        if count > max {
            break;
        }
        let sep = char_at(text, end).unwrap_or(' ');
        groups.push((end - i, sep));
        if count >= min {
            best = Some(end);
        }
        let next = skip_separator(text, end);
        if next == end || !is_digit_at(b, next) {
            break;
        }
        i = next;
    }
    let end = best?;
    // The national number never starts with 0 (that would be an international prefix).
    if swedish && first_digit == Some(b'0') {
        return None;
    }
    // Nothing may continue the number right after it (a letter, or more digits that
    // made it too long).
    if char_at(text, end).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    // "01-02-2026" is a date, not 0 + 1-02-2026.
    let lengths: Vec<usize> = groups.iter().map(|g| g.0).collect();
    if lengths.starts_with(&[1, 2, 4]) && matches!(groups[0].1, '-' | '/' | '.') {
        return None;
    }
    Some(end)
}

// --- registration plates ---------------------------------------------------------------

fn is_plate_letter(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'I' | b'Q' | b'V')
}

fn plates(text: &str, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !is_plate_letter(b[i]) || char_before(text, i).is_some_and(char::is_alphanumeric) {
            i += 1;
            continue;
        }
        if let Some(end) = plate_at(text, i) {
            out.push(Finding {
                kind: PiiKind::RegistrationPlate,
                range: i..end,
            });
            i = end;
        } else {
            i += 1;
        }
    }
}

fn plate_at(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    let letters = b.get(i..i + 3)?;
    if !letters.iter().all(|&c| is_plate_letter(c)) {
        return None;
    }
    let mut j = i + 3;
    if matches!(b.get(j), Some(b' ' | b'-')) {
        j += 1;
    }
    let tail = b.get(j..j + 3)?;
    let last_ok = tail[2].is_ascii_digit() || (is_plate_letter(tail[2]) && tail[2] != b'O');
    if !(tail[0].is_ascii_digit() && tail[1].is_ascii_digit() && last_ok) {
        return None;
    }
    let end = j + 3;
    if char_at(text, end).is_some_and(char::is_alphanumeric) {
        return None;
    }
    Some(end)
}

// --- e-mail addresses ------------------------------------------------------------------

fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn emails(text: &str, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text[from..].find('@') {
        let at = from + offset;
        from = at + 1;
        // The local part: back over local characters, not starting with a dot.
        let mut start = at;
        while start > 0 && is_local_char(b[start - 1]) {
            start -= 1;
        }
        while start < at && b[start] == b'.' {
            start += 1;
        }
        if start == at {
            continue;
        }
        // The domain: letters (also non-ASCII, for IDN), digits, hyphens and dots.
        let mut end = at + 1;
        for c in text[at + 1..].chars() {
            if c.is_alphanumeric() || c == '-' || c == '.' {
                end += c.len_utf8();
            } else {
                break;
            }
        }
        // A sentence may end right after the address.
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        let labels: Vec<&str> = domain.split('.').collect();
        let tld_ok = labels
            .last()
            .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
        if labels.len() >= 2 && tld_ok && labels.iter().all(|l| !l.is_empty()) {
            out.push(Finding {
                kind: PiiKind::Email,
                range: start..end,
            });
            from = end;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn kinds(text: &str) -> Vec<(PiiKind, &str)> {
        detect(text)
            .into_iter()
            .map(|f| (f.kind, &text[f.range]))
            .collect()
    }

    fn only(text: &str) -> Option<PiiKind> {
        let found = kinds(text);
        assert!(found.len() <= 1, "{text}: {found:?}");
        found.first().map(|f| f.0)
    }

    /// Skatteverket's test personnummer (its open data set "Testpersonnummer"), in the
    /// forms people write them, plus the classic 19121212-1212 of its examples.
    const SKATTEVERKET_TEST_NUMBERS: [&str; 16] = [
        "19121212-1212",
        "191212121212",
        "121212-1212",
        "1212121212",
        "20080903-2386",
        "200306062381",
        "200802122390",
        "200607092384",
        "202508242381",
        "202512232386",
        "190006129803",
        "190704019801",
        "190108219817",
        "189506299818",
        "189002099811",
        "189103179801",
    ];

    #[test]
    fn skatteverkets_test_numbers_are_personnummer() {
        for pnr in SKATTEVERKET_TEST_NUMBERS {
            let digits: Vec<u8> = pnr.bytes().filter(u8::is_ascii_digit).collect();
            assert!(luhn_valid(&digits[digits.len() - 10..]), "{pnr} fails Luhn");
            let text = format!("Anmälare {pnr} ringde.");
            assert_eq!(kinds(&text), vec![(PiiKind::Personnummer, pnr)], "{text}");
        }
        // Over 100: the plus separator.
        assert_eq!(only("född 121212+1212"), Some(PiiKind::Personnummer));
    }

    /// The kind found in `prefix` completed with its check digit, to build test numbers.
    fn check_only(prefix: &str) -> Option<PiiKind> {
        let nine: Vec<u8> = prefix.bytes().filter(u8::is_ascii_digit).collect();
        let nine: [u8; 9] = nine[nine.len() - 9..].try_into().unwrap();
        let c = personnummer_check_digit(&nine);
        only(&format!("{prefix}{c}"))
    }

    #[test]
    fn samordningsnummer_have_day_plus_sixty() {
        for s in ["701063-2391", "7010632391", "19701063-2391", "197010632391"] {
            assert_eq!(only(s), Some(PiiKind::Samordningsnummer), "{s}");
        }
        // Day 91 = the 31st; day 92 does not exist; February 29 + 60 only in leap years.
        assert_eq!(check_only("640891-323"), Some(PiiKind::Samordningsnummer));
        assert_eq!(check_only("640892-323"), None);
        assert_eq!(check_only("20000289-123"), Some(PiiKind::Samordningsnummer));
        assert_eq!(check_only("19000289-123"), None);
        assert_eq!(check_only("640860-323"), None);
    }

    #[test]
    fn near_misses_are_not_personnummer() {
        for text in [
            "19121312-1212", // month 13
            "19121232-1212", // day 32
            "19120230-1210", // 30 February
            "19121212-1213", // bad check digit
            "121212-1213",   // bad check digit
            "1212121213",    // bad check digit
            "17121212-1212", // no 18th-century people
            "21121212-1212", // nor 22nd
            "121212-12120",  // five digits after the separator
            "1121212-1212",  // seven before it
            "3121212121212", // 13 digits
            "121212 1212",   // a space is not a personnummer separator
            "121212–1212",   // nor an en dash
        ] {
            assert!(
                !kinds(text)
                    .iter()
                    .any(|k| matches!(k.0, PiiKind::Personnummer | PiiKind::Samordningsnummer)),
                "{text}: {:?}",
                kinds(text)
            );
        }
        // Ordinary numbers: order numbers, invoice numbers, amounts.
        for text in [
            "Order 1234567890 levererad",
            "Faktura 9876543210",
            "Ärende 2026-12345",
            "Kostnad 12 500 kr",
            "Telefonsamtal kl 12.12",
            "Koordinater 58.41611, 15.62583",
            "Datum 2026-08-19 07:58",
        ] {
            assert_eq!(kinds(text), vec![], "{text}");
        }
        // Organisationsnummer: month 20 or more, never a date.
        let org = "556012-579";
        let nine: [u8; 9] = *b"556012579";
        let org = format!("{org}{}", personnummer_check_digit(&nine));
        assert_eq!(kinds(&format!("AB Exempel {org}")), vec![]);
        // 19 February 1989, check digit 9 (a leap-year check in passing: 890229 is no
        // date in any century).
        assert_eq!(check_only("890219-123"), Some(PiiKind::Personnummer));
        assert_eq!(check_only("890229-123"), None);
        assert_eq!(check_only("000229-123"), Some(PiiKind::Personnummer));
    }

    #[test]
    fn phone_numbers_in_swedish_formats() {
        for text in [
            "070-174 06 05",
            "070-1740605",
            "070 174 06 05",
            "0701740605",
            "+46 70 174 06 05",
            "+46701740605",
            "+46 (0)70-174 06 05",
            "0046 70 174 06 05",
            "013-20 50 00",
            "013-205000",
            "(013) 20 50 00",
            "08-465 004 00",
            "031-390 06 00",
            "0980-319 200",
            "+47 22 12 34 56",
            "+1 202 555 0143",
        ] {
            assert_eq!(kinds(text), vec![(PiiKind::Phone, text)], "{text}");
        }
        for text in [
            "ring 112",
            "Polisen 114 14",
            "01-02-2026",
            "Postnummer 581 83",
            "0,5 liter",
            "kl 07:58",
            "070-12",
            "+46 70",
            "070123456789012",
            "0701740605x",
            "Ärende 2026-01740605",
            "58.0701740605",
        ] {
            assert_eq!(kinds(text), vec![], "{text}");
        }
        // A trailing group that would make it too long is left out.
        assert_eq!(
            kinds("ring 070-174 06 05 25 gånger"),
            vec![(PiiKind::Phone, "070-174 06 05")]
        );
        assert_eq!(
            kinds("Ring 070-174 06 05."),
            vec![(PiiKind::Phone, "070-174 06 05")]
        );
    }

    #[test]
    fn a_number_that_is_both_is_a_personnummer() {
        // 0701230008 is a valid date (2007-01-23) with a valid check digit, and also
        // looks like a mobile number.
        let nine = *b"070123000";
        let c = personnummer_check_digit(&nine);
        let text = format!("nr 070123000{c}");
        assert_eq!(only(&text), Some(PiiKind::Personnummer));
        // With a different check digit it is a phone number.
        let text = format!("nr 070123000{}", (c + 1) % 10);
        assert_eq!(only(&text), Some(PiiKind::Phone));
    }

    #[test]
    fn registration_plates() {
        for plate in [
            "ABC 123", "ABC123", "ABC-123", "ABC 12A", "MLB 84X", "XYZ 99Z",
        ] {
            let text = format!("Bil {plate} stod parkerad.");
            assert_eq!(
                kinds(&text),
                vec![(PiiKind::RegistrationPlate, plate)],
                "{text}"
            );
        }
        for text in [
            "AIC 123", // I is not used
            "AQC 123", // nor Q
            "AVC 123", // nor V
            "ÅBC 123", // nor Å, Ä, Ö
            "ABC 12O", // O is never last
            "abc 123", // lower case: ordinary words
            "och 123", "ABCD 123", // four letters
            "ABC 1234", // four digits
            "XABC 123", "ABC 123X", "ABC  123", // two spaces
        ] {
            assert_eq!(kinds(text), vec![], "{text}");
        }
    }

    #[test]
    fn email_addresses() {
        for (text, email) in [
            (
                "mejla anna.svensson@linkoping.se idag",
                "anna.svensson@linkoping.se",
            ),
            ("kontakt: a+b@example.com.", "a+b@example.com"),
            ("x@åre.se", "x@åre.se"),
            ("<kalle_1@sub.example.org>", "kalle_1@sub.example.org"),
        ] {
            assert_eq!(kinds(text), vec![(PiiKind::Email, email)], "{text}");
        }
        for text in [
            "@linkoping",
            "a@b",
            "träffas @ torget",
            "a@b.c",
            "a@.se",
            "x@y.s3",
        ] {
            assert_eq!(kinds(text), vec![], "{text}");
        }
        // A personnummer inside an address is masked with the address.
        assert_eq!(
            kinds("191212121212@example.se"),
            vec![(PiiKind::Email, "191212121212@example.se")]
        );
    }

    #[test]
    fn masks_and_counts_keeping_the_rest() {
        let text = "Man med pnr 19121212-1212 i bil ABC 123 ringde 070-174 06 05 och \
                    mejlade kalle@example.com; samordningsnr 701063-2391. Skadegörelse på ÅVC.";
        let (masked, counts) = mask(text);
        assert_eq!(
            masked,
            "Man med pnr [personnummer] i bil [registreringsnummer] ringde [telefonnummer] \
             och mejlade [e-post]; samordningsnr [samordningsnummer]. Skadegörelse på ÅVC."
        );
        assert_eq!(
            counts,
            PiiCounts {
                personnummer: 1,
                samordningsnummer: 1,
                phone: 1,
                email: 1,
                registration_plate: 1
            }
        );
        assert_eq!(counts.total(), 5);
        assert_eq!(mask(&masked), (masked.clone(), PiiCounts::default()));
        let (same, none) = mask("Klotter på tunnelns vägg, ca 3 m².");
        assert_eq!(same, "Klotter på tunnelns vägg, ca 3 m².");
        assert!(none.is_empty());
    }

    #[test]
    fn policies() {
        let text = "Ring 070-174 06 05";
        let masked = screen(text, PiiPolicy::Mask);
        assert_eq!(masked.text, "Ring [telefonnummer]");
        assert!(!masked.flagged);
        assert_eq!(masked.counts.phone, 1);
        let kept = screen(text, PiiPolicy::KeepAndFlag);
        assert_eq!(kept.text, text);
        assert!(kept.flagged);
        assert!(!screen("Klotter", PiiPolicy::KeepAndFlag).flagged);
        assert_eq!(masked.counts.nonzero(), vec![("phone", 1)]);
        for p in PiiPolicy::ALL {
            assert_eq!(PiiPolicy::parse(p.code()).unwrap(), p);
        }
        assert_eq!(PiiPolicy::default(), PiiPolicy::Mask);
    }

    /// A valid personnummer or samordningsnummer in a random one of its written forms.
    fn any_identity_number() -> impl Strategy<Value = String> {
        (
            1890u32..2030,
            1u32..=12,
            1u32..=31,
            0u32..1000,
            any::<bool>(),
            0u8..5,
        )
            .prop_filter_map("no such date", |(year, month, day, serial, coord, form)| {
                let max = match month {
                    2 if is_leap(year) => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                if day > max {
                    return None;
                }
                let day = if coord { day + 60 } else { day };
                let nine = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
                let nine: [u8; 9] = nine.as_bytes().try_into().ok()?;
                let c = personnummer_check_digit(&nine);
                let nine = std::str::from_utf8(&nine).ok()?.to_owned();
                let (date, serial) = nine.split_at(6);
                let cc = year / 100;
                // The over-100 `+` only for people who can be over 100.
                let form = if form == 4 && year >= 1926 { 0 } else { form };
                Some(match form {
                    0 => format!("{date}-{serial}{c}"),
                    1 => format!("{date}{serial}{c}"),
                    2 => format!("{cc}{date}-{serial}{c}"),
                    3 => format!("{cc}{date}{serial}{c}"),
                    _ => format!("{date}+{serial}{c}"),
                })
            })
    }

    /// Text without digits and without '@' (so nothing else can be found next to it).
    fn words() -> impl Strategy<Value = String> {
        "[a-zåäö ,.:;!?()\\n-]{0,30}"
    }

    proptest! {
        #[test]
        fn every_valid_identity_number_is_found_and_masked(
            pnr in any_identity_number(),
            before in words(),
            after in words(),
        ) {
            // Keep the number apart from the words' hyphens, which could read as a
            // separator.
            let text = format!("{before} {pnr} {after}");
            let found = detect(&text);
            prop_assert_eq!(found.len(), 1, "{:?}: {:?}", text, found);
            prop_assert!(matches!(
                found[0].kind,
                PiiKind::Personnummer | PiiKind::Samordningsnummer
            ));
            prop_assert_eq!(&text[found[0].range.clone()], pnr.as_str());
            let (masked, counts) = mask(&text);
            prop_assert_eq!(counts.total(), 1);
            prop_assert!(!masked.bytes().any(|b| b.is_ascii_digit()), "{}", masked);
            prop_assert!(masked.starts_with(&format!("{before} [")), "{}", masked);
            prop_assert!(masked.ends_with(&format!("] {after}")), "{}", masked);
        }

        #[test]
        fn a_wrong_check_digit_is_never_an_identity_number(pnr in any_identity_number()) {
            let last = pnr.as_bytes()[pnr.len() - 1] - b'0';
            let wrong = format!("{}{}", &pnr[..pnr.len() - 1], (last + 1) % 10);
            prop_assert!(!detect(&wrong).iter().any(|f| matches!(
                f.kind,
                PiiKind::Personnummer | PiiKind::Samordningsnummer
            )));
        }

        #[test]
        fn detection_is_total_and_masking_idempotent(text in "\\PC{0,80}") {
            let found = detect(&text);
            for pair in found.windows(2) {
                prop_assert!(pair[0].range.end <= pair[1].range.start);
            }
            for f in &found {
                prop_assert!(text.is_char_boundary(f.range.start));
                prop_assert!(text.is_char_boundary(f.range.end));
            }
            let (masked, counts) = mask(&text);
            prop_assert_eq!(counts.total() as usize, found.len());
            prop_assert_eq!(mask(&masked).1.total(), 0);
        }

        #[test]
        fn numbery_text_never_panics(text in "[0-9 +()@.a-zA-Z-]{0,60}") {
            let (masked, _) = mask(&text);
            prop_assert_eq!(mask(&masked).1.total(), 0);
        }
    }
}
