//! Swedish place names: folding for search, alphabetical order, and matching.
//!
//! People type "Skaggetorp" on a phone without Swedish letters, or "lilla torg" for
//! "Lilla Torget-Sankt Lars"; lists of areas must be in the order a Swede expects
//! (… x, y, z, å, ä, ö). Nothing here depends on a locale of the machine.
//!
//! * [`fold`] makes the search form of a name: lower case, å/ä → a, ö → o, other
//!   diacritics removed, whitespace collapsed.
//! * [`swedish_cmp`] orders names by the Swedish alphabet.
//! * [`matches()`] scores a query against a name and its aliases.

use std::cmp::Ordering;

/// The search form of a name: lower case; å, ä → a; ö, ø → o; é → e; ü → u; other
/// diacritics removed (also when written as separate combining marks); æ → ae, œ → oe,
/// ß → ss, þ → th; runs of whitespace become one space, none at either end.
///
/// Folding is lossy on purpose: "Skaggetorp" and "Skäggetorp" fold alike. Letters
/// outside Latin (Greek, Cyrillic…) are only lower-cased.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        match fold_char(c) {
            Folded::One(c) => out.push(c),
            Folded::Two(a, b) => {
                out.push(a);
                out.push(b);
            }
        }
    }
    out
}

enum Folded {
    One(char),
    Two(char, char),
}

/// Folds one lower-case character (Latin-1 Supplement and Latin Extended-A, which
/// covers the Nordic, Sami, German, French, Polish, Czech and Turkish letters met in
/// Swedish place and street names).
fn fold_char(c: char) -> Folded {
    use Folded::{One, Two};
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => One('a'),
        'æ' => Two('a', 'e'),
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => One('c'),
        'ď' | 'đ' | 'ð' => One('d'),
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => One('e'),
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => One('g'),
        'ĥ' | 'ħ' => One('h'),
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => One('i'),
        'ĳ' => Two('i', 'j'),
        'ĵ' => One('j'),
        'ķ' | 'ĸ' => One('k'),
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => One('l'),
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => One('n'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => One('o'),
        'œ' => Two('o', 'e'),
        'ŕ' | 'ŗ' | 'ř' => One('r'),
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'ſ' => One('s'),
        'ß' => Two('s', 's'),
        'ţ' | 'ť' | 'ŧ' | 'ț' => One('t'),
        'þ' => Two('t', 'h'),
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => One('u'),
        'ŵ' => One('w'),
        'ý' | 'ÿ' | 'ŷ' => One('y'),
        'ź' | 'ż' | 'ž' => One('z'),
        other => One(other),
    }
}

/// Combining diacritical marks (the blocks Unicode decomposition produces for Latin).
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Orders two names as in a Swedish dictionary; a total order.
///
/// Levels, each deciding only when the previous ones tie:
/// 1. **Letters**, ignoring case and accents, by the Swedish alphabet: a … z, å, ä, ö.
///    Spaces and punctuation come before digits, digits before letters, letters of
///    other scripts after ö (by code point). Swedish conventions: w is its own letter
///    after v (the modern order since SAOL 13, 2006; the older v = w is not used);
///    ü sorts as y, æ as ä, ø as ö; other accented letters as their base letter
///    (é as e), ß as ss. Digits compare one by one ("T10" before "T2").
/// 2. **Accents**: the plain letter before the accented one (e before é).
/// 3. **Case**: lower case before upper case.
/// 4. The code points, so that only equal strings compare `Equal`.
///
/// Å, Ä and Ö written with combining marks (as macOS does) sort like the precomposed
/// letters.
pub fn swedish_cmp(a: &str, b: &str) -> Ordering {
    let primary = |s| {
        collation_elements(s)
            .map(|e| e.primary)
            .filter(|&p| p != IGNORABLE)
    };
    let secondary = |s| collation_elements(s).map(|e| e.secondary);
    let tertiary = |s| collation_elements(s).map(|e| e.tertiary);
    primary(a)
        .cmp(primary(b))
        .then_with(|| secondary(a).cmp(secondary(b)))
        .then_with(|| tertiary(a).cmp(tertiary(b)))
        .then_with(|| a.cmp(b))
}

/// Primary weight of combining marks that do not compose with the previous letter.
const IGNORABLE: u32 = 0;
const PUNCTUATION: u32 = 0x0010_0000;
const DIGIT: u32 = 0x0030_0000;
const LETTER: u32 = 0x0040_0000;
const OTHER_SCRIPT: u32 = 0x0080_0000;

#[derive(Debug, Clone, Copy)]
struct CollationElement {
    primary: u32,
    /// 0 for the letter itself, else the code point of the accented letter or mark.
    secondary: u32,
    /// 0 lower case, 1 upper case.
    tertiary: u8,
}

/// Position in the Swedish alphabet of a lower-case letter: a = 0 … z = 25, å, ä, ö.
fn swedish_letter(c: char) -> Option<u32> {
    match c {
        'a'..='z' => Some(u32::from(c) - u32::from('a')),
        'å' => Some(26),
        'ä' => Some(27),
        'ö' => Some(28),
        _ => None,
    }
}

fn letter_weight(c: char) -> u32 {
    swedish_letter(c).map_or(OTHER_SCRIPT, |i| LETTER + i)
}

/// Composes a base letter and a following combining mark into the precomposed letter
/// when Swedish gives it a place of its own (å, ä, ö) or a special rule (ü, ø is never
/// written decomposed).
fn compose(base: char, mark: char) -> Option<char> {
    Some(match (base, mark) {
        ('a', '\u{030A}') => 'å',
        ('A', '\u{030A}') => 'Å',
        ('a', '\u{0308}') => 'ä',
        ('A', '\u{0308}') => 'Ä',
        ('o', '\u{0308}') => 'ö',
        ('O', '\u{0308}') => 'Ö',
        ('u', '\u{0308}') => 'ü',
        ('U', '\u{0308}') => 'Ü',
        _ => return None,
    })
}

fn collation_elements(text: &str) -> impl Iterator<Item = CollationElement> + '_ {
    let mut chars = text.chars().peekable();
    std::iter::from_fn(move || {
        let mut c = chars.next()?;
        if let Some(&next) = chars.peek()
            && let Some(composed) = compose(c, next)
        {
            chars.next();
            c = composed;
        }
        Some(char_elements(c))
    })
    .flatten()
}

/// The collation elements of one character (two for ß, æ-like expansions).
fn char_elements(c: char) -> impl Iterator<Item = CollationElement> {
    let tertiary = u8::from(c.is_uppercase());
    // Lower-casing a single letter gives one character except for a few (İ), whose
    // extra combining dot is an accent.
    let mut lower = c.to_lowercase();
    let l = lower.next().unwrap_or(c);
    let extra_accent = lower.next().map_or(0, u32::from);
    let element = |primary, secondary| CollationElement {
        primary,
        secondary,
        tertiary,
    };
    let mut second = None;
    let first = if is_combining_mark(l) {
        element(IGNORABLE, u32::from(l))
    } else if let Some(digit) = l.to_digit(10).filter(|_| l.is_ascii_digit()) {
        element(DIGIT + digit, 0)
    } else if swedish_letter(l).is_some() {
        element(letter_weight(l), extra_accent)
    } else if l.is_alphabetic() {
        // Swedish special cases, then the base letter of the folded form.
        let accent = u32::from(l);
        match l {
            'ü' => element(letter_weight('y'), accent),
            'æ' => element(letter_weight('ä'), accent),
            'ø' => element(letter_weight('ö'), accent),
            _ => match fold_char(l) {
                Folded::One(base) if base != l => element(letter_weight(base), accent),
                Folded::One(_) => element(OTHER_SCRIPT + u32::from(l), 0),
                Folded::Two(x, y) => {
                    second = Some(element(letter_weight(y), accent));
                    element(letter_weight(x), accent)
                }
            },
        }
    } else {
        element(PUNCTUATION + u32::from(l), 0)
    };
    std::iter::once(first).chain(second)
}

/// How well a search query matches a name; higher is better. Compare scores with `>`,
/// and break ties by name (e.g. with [`swedish_cmp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatchScore(u8);

impl MatchScore {
    /// The name equals the query (after folding).
    pub const EXACT: Self = Self(100);
    /// The name starts with the query ("linkop" → "Linköping").
    pub const PREFIX: Self = Self(80);
    /// Every word of the query starts a word of the name ("tornby" →
    /// "Skäggetorp-Tornby", "lilla torg" → "Lilla Torget-Sankt Lars").
    pub const WORD_PREFIX: Self = Self(60);
    /// The query occurs inside the name ("ggetorp" → "Skäggetorp").
    pub const SUBSTRING: Self = Self(40);

    /// The score as a number 0–100; an alias match scores one less than the same kind
    /// of match on the name.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// Scores `query` against a place's `name` and its `aliases`; `None` if it matches
/// none of them.
///
/// Both sides are [`fold`]ed and split into words at anything that is not a letter or
/// digit, so case, accents, hyphens and extra spaces do not matter. The best match
/// wins; a match on an alias scores one less than the same match on the name, so the
/// official name comes first. A query without letters or digits matches nothing.
pub fn matches<S: AsRef<str>>(query: &str, name: &str, aliases: &[S]) -> Option<MatchScore> {
    let query = words(query);
    if query.is_empty() {
        return None;
    }
    let on_name = score(&query, name);
    let on_aliases = aliases
        .iter()
        .filter_map(|alias| score(&query, alias.as_ref()))
        .max()
        .map(|s| MatchScore(s.0.saturating_sub(1)));
    on_name.max(on_aliases)
}

fn score(query: &[String], candidate: &str) -> Option<MatchScore> {
    let candidate = words(candidate);
    let (q, c) = (query.join(" "), candidate.join(" "));
    if c == q {
        Some(MatchScore::EXACT)
    } else if c.starts_with(&q) {
        Some(MatchScore::PREFIX)
    } else if query
        .iter()
        .all(|qw| candidate.iter().any(|cw| cw.starts_with(qw.as_str())))
    {
        Some(MatchScore::WORD_PREFIX)
    } else if c.contains(&q) || candidate.concat().contains(&query.concat()) {
        Some(MatchScore::SUBSTRING)
    } else {
        None
    }
}

/// The folded words of a text.
fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_swedish_and_other_diacritics() {
        assert_eq!(fold("Skäggetorp"), "skaggetorp");
        assert_eq!(fold("  Åkerbo   omland\t"), "akerbo omland");
        assert_eq!(fold("ÖREBRO"), "orebro");
        assert_eq!(fold("Café Müller"), "cafe muller");
        assert_eq!(
            fold("Trädgårdsföreningen-Folkungavallen"),
            "tradgardsforeningen-folkungavallen"
        );
        assert_eq!(fold("Čáhppesjávri Łódź"), "cahppesjavri lodz");
        assert_eq!(fold("Straße Ærøskøbing"), "strasse aeroskobing");
        // Decomposed (NFD) input folds like precomposed.
        assert_eq!(fold("Ska\u{0308}ggetorp"), "skaggetorp");
        assert_eq!(fold(""), "");
        assert_eq!(fold(" \n "), "");
    }

    #[test]
    fn swedish_alphabet_order() {
        let mut names = vec![
            "Örebro",
            "Åre",
            "Ängelholm",
            "Zinkgruvan",
            "Aneby",
            "Ystad",
            "Älmhult",
            "Uppsala",
            "Västerås",
            "Wadköping",
            "Eskilstuna",
            "Ödeshög",
            "Åmål",
        ];
        names.sort_by(|a, b| swedish_cmp(a, b));
        assert_eq!(
            names,
            [
                "Aneby",
                "Eskilstuna",
                "Uppsala",
                "Västerås",
                "Wadköping",
                "Ystad",
                "Zinkgruvan",
                "Åmål",
                "Åre",
                "Älmhult",
                "Ängelholm",
                "Ödeshög",
                "Örebro"
            ]
        );
    }

    #[test]
    fn levels_and_special_letters() {
        use Ordering::{Equal, Greater, Less};
        // ü as y, with the accent deciding only between otherwise equal names.
        assert_eq!(swedish_cmp("Muller", "Myller"), Less);
        assert_eq!(swedish_cmp("Myller", "Müller"), Less);
        assert_eq!(swedish_cmp("Müller", "Mz"), Less);
        // æ as ä, ø as ö.
        assert_eq!(swedish_cmp("Æbeltoft", "Åbo"), Greater);
        assert_eq!(swedish_cmp("Øresund", "Ängby"), Greater);
        assert_eq!(
            swedish_cmp("Øre", "Öre"),
            Greater,
            "ø = ö, then the accent decides"
        );
        assert_eq!(
            swedish_cmp("Øra", "Öre"),
            Less,
            "ø = ö, so the a/e decides first"
        );
        // Case after letters and accents, lower case first.
        assert_eq!(swedish_cmp("berga", "Berga"), Less);
        assert_eq!(swedish_cmp("Berga", "bergb"), Less);
        assert_eq!(swedish_cmp("e", "é"), Less);
        assert_eq!(swedish_cmp("é", "f"), Less);
        // Space and hyphen before letters; digits before letters.
        assert_eq!(swedish_cmp("Lilla Torget", "Lillan"), Less);
        assert_eq!(swedish_cmp("Valla-T1", "Valla-T2"), Less);
        assert_eq!(swedish_cmp("T9", "TA"), Less);
        // Decomposed Swedish letters sort as precomposed ones.
        assert_eq!(swedish_cmp("A\u{030A}re", "Zebra"), Greater);
        assert_ne!(
            swedish_cmp("A\u{030A}re", "Åre"),
            Equal,
            "total: differs from NFC"
        );
        assert_eq!(swedish_cmp("Åre", "Åre"), Equal);
    }

    #[test]
    fn matching_ranks_prefix_above_substring() {
        let none: [&str; 0] = [];
        assert_eq!(
            matches("skaggetorp", "Skäggetorp", &none),
            Some(MatchScore::EXACT)
        );
        assert_eq!(
            matches("Skägg", "Skäggetorp-Tornby", &none),
            Some(MatchScore::PREFIX)
        );
        assert_eq!(
            matches("tornby", "Skäggetorp-Tornby", &none),
            Some(MatchScore::WORD_PREFIX)
        );
        assert_eq!(
            matches("lilla torg", "Lilla Torget-Sankt Lars", &none),
            Some(MatchScore::PREFIX)
        );
        assert_eq!(
            matches("torg lilla", "Lilla Torget-Sankt Lars", &none),
            Some(MatchScore::WORD_PREFIX)
        );
        assert_eq!(
            matches("ggetorp", "Skäggetorp", &none),
            Some(MatchScore::SUBSTRING)
        );
        assert_eq!(matches("ryd", "Berga", &none), None);
        assert_eq!(matches(" - ", "Berga", &none), None);
        assert!(MatchScore::WORD_PREFIX > MatchScore::SUBSTRING);
        // Aliases count, one below the name.
        let aliases = ["Resecentrum", "Linköping C"];
        let score = matches("resecentrum", "Linköpings centralstation", &aliases).unwrap();
        assert_eq!(score.get(), MatchScore::EXACT.get() - 1);
        assert_eq!(
            matches("linkoping c", "Linköpings centralstation", &aliases)
                .unwrap()
                .get(),
            MatchScore::EXACT.get() - 1
        );
        assert_eq!(
            matches("linkopings", "Linköpings centralstation", &aliases),
            Some(MatchScore::PREFIX)
        );
    }

    fn name() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[aAeEéÉoOuUüyYzZåÅäÄöÖæøß0-9 \\-\u{0308}\u{030A}]{0,6}")
            .unwrap()
    }

    proptest! {
        #[test]
        fn order_is_total_and_antisymmetric(a in name(), b in name()) {
            let ab = swedish_cmp(&a, &b);
            prop_assert_eq!(ab, swedish_cmp(&b, &a).reverse());
            prop_assert_eq!(ab == Ordering::Equal, a == b);
        }

        #[test]
        fn order_is_transitive(a in name(), b in name(), c in name()) {
            for (x, y, z) in [(&a, &b, &c), (&a, &c, &b), (&b, &a, &c), (&b, &c, &a), (&c, &a, &b), (&c, &b, &a)] {
                if swedish_cmp(x, y) != Ordering::Greater && swedish_cmp(y, z) != Ordering::Greater {
                    prop_assert!(swedish_cmp(x, z) != Ordering::Greater, "{x:?} {y:?} {z:?}");
                }
            }
        }

        #[test]
        fn folding_is_idempotent_and_matches_itself(a in name()) {
            let folded = fold(&a);
            prop_assert_eq!(fold(&folded), folded.clone());
            if words(&a).is_empty() {
                prop_assert_eq!(matches(&a, &a, &[] as &[&str]), None);
            } else {
                prop_assert_eq!(matches(&a, &a, &[] as &[&str]), Some(MatchScore::EXACT));
            }
        }
    }
}
