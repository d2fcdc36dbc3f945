//! The category code list, and the small closed sets an incident carries: severity,
//! sharing level, review status and source.
//!
//! No national code list for EST exists, so Trygg ships a default list (the categories
//! of DOMAIN.md, [`CategoryList::defaults`]) that admins may extend, rename and retire.
//! Lists are versioned: an incident keeps the code *and* the list version it was
//! reported with, and a retired category may name its successor
//! ([`Category::replaced_by`]) so the lägesbild can count old reports under new codes
//! ([`CategoryList::current_code`]).
//!
//! Codes are stable lower-case Swedish words with hyphens (`klotter`, `otrygg-plats`):
//! readable in exports and URLs, and never translated. Imports accept the code or the
//! Swedish name, ignoring case, diacritics and the difference between `-`, `/`, `_` and
//! a space ([`CategoryList::resolve`]), because spreadsheets are typed by people.

use std::fmt;
use std::sync::Arc;

use crate::Invalid;
use crate::geo::fold;
use crate::incident::codes;
use crate::incident::personal_data::PiiPolicy;
use crate::organisation::Name;

/// A category code: 1–40 characters of lower-case letters (a–z, å, ä, ö, é, ü), digits
/// and single hyphens, starting with a letter and not ending with a hyphen.
///
/// Shared (`Arc`), since a million imported rows name the same sixteen codes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CategoryCode(Arc<str>);

impl CategoryCode {
    /// The longest code, in characters.
    pub const MAX_CHARS: usize = 40;

    /// Checks the syntax of a new code (an admin creating a category). Field `code`;
    /// codes `required` and `invalid_category_code`. To read the category of an
    /// incident, use [`CategoryList::resolve`] or [`CategoryCode::parse`], which also
    /// accept the Swedish name.
    pub fn new(code: &str) -> Result<Self, Invalid> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Invalid::new("code", codes::REQUIRED));
        }
        let letter = |c: char| c.is_ascii_lowercase() || matches!(c, 'å' | 'ä' | 'ö' | 'é' | 'ü');
        let ok = code.chars().count() <= Self::MAX_CHARS
            && code.starts_with(letter)
            && !code.ends_with('-')
            && !code.contains("--")
            && code
                .chars()
                .all(|c| letter(c) || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(Invalid::new("code", codes::INVALID_CATEGORY_CODE));
        }
        Ok(Self(Arc::from(code)))
    }

    /// Reads the category of an incident from a form or import: the code or the Swedish
    /// name of a current (not retired) category of `list`. Field `category`; codes
    /// `required`, `unknown_category`, `retired_category`.
    pub fn parse(text: &str, list: &CategoryList) -> Result<Self, Invalid> {
        list.resolve(text).map(|c| c.code.clone())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The five groups categories are summed into in the lägesbild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CategoryGroup {
    /// Miljö/skadegörelse: the physical environment and damage to it.
    MiljoSkadegorelse,
    /// Ordning: public order, disturbances, gatherings.
    Ordning,
    /// Brott: crimes against people and property.
    Brott,
    /// Brand: fires, including arson.
    Brand,
    /// Information: events and rumours that are context, not incidents in themselves.
    Information,
}

impl CategoryGroup {
    pub const ALL: [CategoryGroup; 5] = [
        Self::MiljoSkadegorelse,
        Self::Ordning,
        Self::Brott,
        Self::Brand,
        Self::Information,
    ];

    /// The stable code stored and exported.
    pub const fn code(self) -> &'static str {
        match self {
            Self::MiljoSkadegorelse => "miljö-skadegörelse",
            Self::Ordning => "ordning",
            Self::Brott => "brott",
            Self::Brand => "brand",
            Self::Information => "information",
        }
    }

    pub const fn name_sv(self) -> &'static str {
        match self {
            Self::MiljoSkadegorelse => "Miljö/skadegörelse",
            Self::Ordning => "Ordning",
            Self::Brott => "Brott",
            Self::Brand => "Brand",
            Self::Information => "Information",
        }
    }

    pub const fn name_en(self) -> &'static str {
        match self {
            Self::MiljoSkadegorelse => "Environment/vandalism",
            Self::Ordning => "Public order",
            Self::Brott => "Crime",
            Self::Brand => "Fire",
            Self::Information => "Information",
        }
    }

    /// Field `group`; code `unknown_category` (a group is a kind of category).
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|g| g.code() == text.trim())
            .ok_or(Invalid::new("group", codes::UNKNOWN_CATEGORY))
    }
}

/// How serious the reporter (or the category's default) judges an incident: 1 (low),
/// 2 (medium), 3 (high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Severity(u8);

impl Severity {
    pub const LOW: Self = Self(1);
    pub const MEDIUM: Self = Self(2);
    pub const HIGH: Self = Self(3);

    /// Field `severity`; code `invalid_severity`.
    pub fn new(value: u8) -> Result<Self, Invalid> {
        match value {
            1..=3 => Ok(Self(value)),
            _ => Err(Invalid::new("severity", codes::INVALID_SEVERITY)),
        }
    }

    /// Reads `1`, `2` or `3` (surrounding spaces ignored). Field `severity`; codes
    /// `required` and `invalid_severity`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        match text.trim() {
            "" => Err(Invalid::new("severity", codes::REQUIRED)),
            "1" => Ok(Self::LOW),
            "2" => Ok(Self::MEDIUM),
            "3" => Ok(Self::HIGH),
            _ => Err(Invalid::new("severity", codes::INVALID_SEVERITY)),
        }
    }

    pub const fn get(self) -> u8 {
        self.0
    }

    pub const fn name_sv(self) -> &'static str {
        match self.0 {
            1 => "Låg",
            2 => "Medel",
            _ => "Hög",
        }
    }

    pub const fn name_en(self) -> &'static str {
        match self.0 {
            1 => "Low",
            2 => "Medium",
            _ => "High",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Who may see an incident besides the coordinators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SharingLevel {
    /// All EST partner organisations. The default: EST works because partners see each
    /// other's reports.
    #[default]
    Partners,
    /// Only the reporter's own organisation (and the coordinators).
    Own,
}

impl SharingLevel {
    pub const ALL: [SharingLevel; 2] = [Self::Partners, Self::Own];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Partners => "partners",
            Self::Own => "own",
        }
    }

    /// Field `sharing`; code `unknown_sharing_level`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == text.trim())
            .ok_or(Invalid::new("sharing", codes::UNKNOWN_SHARING_LEVEL))
    }
}

/// Where an incident is in review (granskning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReviewStatus {
    /// Ny: submitted, waiting for a coordinator.
    #[default]
    Submitted,
    /// Godkänd: counted in the lägesbild.
    Accepted,
    /// Avvisad: not counted; the reviewer's reason is shown to the reporter.
    Rejected,
    /// Sammanslagen: a duplicate, merged into another incident that is counted instead.
    Merged,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        Self::Submitted,
        Self::Accepted,
        Self::Rejected,
        Self::Merged,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Merged => "merged",
        }
    }

    pub const fn name_sv(self) -> &'static str {
        match self {
            Self::Submitted => "Ny",
            Self::Accepted => "Godkänd",
            Self::Rejected => "Avvisad",
            Self::Merged => "Sammanslagen",
        }
    }

    pub const fn name_en(self) -> &'static str {
        match self {
            Self::Submitted => "Submitted",
            Self::Accepted => "Accepted",
            Self::Rejected => "Rejected",
            Self::Merged => "Merged",
        }
    }

    /// Field `status`; code `unknown_review_status`. `ny` is read as `submitted`, the
    /// word coordinators use.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text == "ny" {
            return Ok(Self::Submitted);
        }
        Self::ALL
            .into_iter()
            .find(|s| s.code() == text)
            .ok_or(Invalid::new("status", codes::UNKNOWN_REVIEW_STATUS))
    }

    /// Whether the incident still waits for a reviewer.
    pub const fn is_open(self) -> bool {
        matches!(self, Self::Submitted)
    }
}

/// How an incident came into Trygg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncidentSource {
    /// The report form (phone or PC).
    Form,
    /// A CSV import.
    Import,
    /// The Open311 API.
    Open311,
    /// A guard's shift report (ordningsvakt, väktare).
    Guard,
    /// A maintenance contractor's report (klottersanering, renhållning).
    Contractor,
    /// The police's public events feed: context only, its position is a centroid.
    PoliceFeed,
}

impl IncidentSource {
    pub const ALL: [IncidentSource; 6] = [
        Self::Form,
        Self::Import,
        Self::Open311,
        Self::Guard,
        Self::Contractor,
        Self::PoliceFeed,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Form => "form",
            Self::Import => "import",
            Self::Open311 => "open311",
            Self::Guard => "guard",
            Self::Contractor => "contractor",
            Self::PoliceFeed => "police_feed",
        }
    }

    /// Field `source`; code `unknown_incident_source`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == text.trim())
            .ok_or(Invalid::new("source", codes::UNKNOWN_INCIDENT_SOURCE))
    }
}

/// One category of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: CategoryCode,
    /// The Swedish name, shown on Swedish pages and accepted by imports.
    pub name_sv: Name,
    pub name_en: Name,
    pub group: CategoryGroup,
    /// The severity an incident gets when the reporter does not judge it.
    pub default_severity: Severity,
    /// What happens to personal data found in descriptions of this category.
    pub pii_policy: PiiPolicy,
    /// A retired category stays in the list (old incidents refer to it) but new
    /// incidents cannot use it.
    pub retired: bool,
    /// For a retired category: the code its incidents count under from now on.
    pub replaced_by: Option<CategoryCode>,
}

impl Category {
    /// A current category with the default personal-data policy (mask).
    pub fn new(
        code: &str,
        name_sv: &str,
        name_en: &str,
        group: CategoryGroup,
        default_severity: Severity,
    ) -> Result<Self, Invalid> {
        Ok(Self {
            code: CategoryCode::new(code)?,
            name_sv: Name::parse("name_sv", name_sv)?,
            name_en: Name::parse("name_en", name_en)?,
            group,
            default_severity,
            pii_policy: PiiPolicy::default(),
            retired: false,
            replaced_by: None,
        })
    }
}

/// The default categories: (code, Swedish name, English name, group, default severity).
const DEFAULTS: [(&str, &str, &str, CategoryGroup, u8); 16] = {
    use CategoryGroup::{Brand, Brott, Information, MiljoSkadegorelse, Ordning};
    [
        (
            "skadegörelse",
            "Skadegörelse",
            "Vandalism",
            MiljoSkadegorelse,
            2,
        ),
        ("klotter", "Klotter", "Graffiti", MiljoSkadegorelse, 1),
        (
            "nedskräpning",
            "Nedskräpning",
            "Littering",
            MiljoSkadegorelse,
            1,
        ),
        ("brand", "Brand/anlagd brand", "Fire/arson", Brand, 3),
        (
            "otrygg-plats",
            "Otrygg plats",
            "Unsafe place (dark, overgrown, desolate)",
            MiljoSkadegorelse,
            2,
        ),
        (
            "trasig-belysning",
            "Trasig belysning",
            "Broken lighting",
            MiljoSkadegorelse,
            1,
        ),
        (
            "störande-grupp",
            "Störande grupp/folksamling",
            "Disruptive group or crowd",
            Ordning,
            2,
        ),
        (
            "ungdomar-samlas",
            "Ungdomar som samlas (tillhåll)",
            "Young people gathering (hangout)",
            Ordning,
            1,
        ),
        (
            "buskörning",
            "Buskörning",
            "Reckless driving (mopeds, A-tractors)",
            Ordning,
            2,
        ),
        ("våld-hot", "Våld/hot", "Violence or threats", Brott, 3),
        ("inbrott", "Inbrott", "Burglary", Brott, 2),
        ("stöld", "Stöld", "Theft", Brott, 2),
        (
            "narkotika",
            "Misstänkt narkotikahantering",
            "Suspected drug dealing or use",
            Brott,
            2,
        ),
        (
            "incident-mot-personal",
            "Incident mot personal",
            "Incident against staff",
            Brott,
            3,
        ),
        (
            "arrangemang",
            "Arrangemang/evenemang",
            "Event",
            Information,
            1,
        ),
        (
            "rykten-sociala-medier",
            "Rykten i sociala medier",
            "Rumours on social media",
            Information,
            1,
        ),
    ]
};

/// One version of the category code list.
///
/// Codes are unique, and so are the "match keys" of codes and Swedish names (see
/// [`CategoryList::resolve`]), so that an import can never be ambiguous.
///
/// Lookups scan the list: it holds tens of categories, where comparing a few short
/// strings is faster than hashing one.
#[derive(Debug, Clone)]
pub struct CategoryList {
    version: u32,
    categories: Vec<Category>,
    /// Match keys (of the code and of the Swedish name) and the position they name.
    keys: Vec<(String, usize)>,
}

impl CategoryList {
    /// The version of [`CategoryList::defaults`].
    pub const DEFAULT_VERSION: u32 = 1;

    /// The default list of DOMAIN.md, version 1.
    pub fn defaults() -> Self {
        let categories = DEFAULTS
            .iter()
            .filter_map(|&(code, sv, en, group, severity)| {
                let severity = Severity::new(severity).ok()?;
                Category::new(code, sv, en, group, severity).ok()
            })
            .collect();
        // The defaults are constants checked by a test; an error here is impossible, and
        // an empty list would show at once.
        Self::new(Self::DEFAULT_VERSION, categories).unwrap_or_else(|_| Self::empty())
    }

    fn empty() -> Self {
        Self {
            version: Self::DEFAULT_VERSION,
            categories: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// A list version. Field `categories`; codes `duplicate_category` (a code used twice,
    /// or two categories whose codes or Swedish names read alike) and
    /// `invalid_replacement` (`replaced_by` names a missing code, a retired category that
    /// is not itself replaced, or forms a cycle).
    pub fn new(version: u32, categories: Vec<Category>) -> Result<Self, Invalid> {
        let duplicate = || Invalid::new("categories", codes::DUPLICATE_CATEGORY);
        let mut keys: Vec<(String, usize)> = Vec::with_capacity(categories.len() * 2);
        for (i, c) in categories.iter().enumerate() {
            if categories[..i].iter().any(|other| other.code == c.code) {
                return Err(duplicate());
            }
            for key in [match_key(c.code.as_str()), match_key(c.name_sv.as_str())] {
                match keys.iter().find(|(k, _)| *k == key) {
                    Some(&(_, other)) if other != i => return Err(duplicate()),
                    Some(_) => {}
                    None => keys.push((key, i)),
                }
            }
        }
        let list = Self {
            version,
            categories,
            keys,
        };
        for c in &list.categories {
            if c.replaced_by.is_some() && list.follow(c.code.as_str()).is_none() {
                return Err(Invalid::new("categories", codes::INVALID_REPLACEMENT));
            }
        }
        Ok(list)
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// All categories, current and retired, in the list's order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The categories new incidents may use, in the list's order (for forms).
    pub fn current(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| !c.retired)
    }

    /// The category with exactly this code, current or retired.
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code.as_str() == code)
    }

    /// The current category named by `text`: its code, or its Swedish name, compared
    /// after folding case and diacritics (`Skadegorelse`, `SKADEGÖRELSE`) and treating
    /// `-`, `/`, `_` and spaces alike (`otrygg plats`, `Våld/hot`). Field `category`;
    /// codes `required`, `unknown_category`, `retired_category`.
    pub fn resolve(&self, text: &str) -> Result<&Category, Invalid> {
        let field = "category";
        // Files mostly hold codes as they are: no folding, no allocation.
        let category = match self.get(text) {
            Some(c) => c,
            None => {
                let key = match_key(text);
                if key.is_empty() {
                    return Err(Invalid::new(field, codes::REQUIRED));
                }
                self.keys
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|&(_, i)| &self.categories[i])
                    .ok_or(Invalid::new(field, codes::UNKNOWN_CATEGORY))?
            }
        };
        if category.retired {
            return Err(Invalid::new(field, codes::RETIRED_CATEGORY));
        }
        Ok(category)
    }

    /// The code an incident reported under `code` counts under today: `code` itself,
    /// or, for a retired category, the end of its `replaced_by` chain. `None` if the code
    /// is not in this list.
    pub fn current_code(&self, code: &str) -> Option<&CategoryCode> {
        self.follow(code)
    }

    fn follow(&self, code: &str) -> Option<&CategoryCode> {
        let mut category = self.get(code)?;
        // Each step visits a different category, so a chain longer than the list is a
        // cycle.
        for _ in 0..=self.categories.len() {
            match &category.replaced_by {
                None => return (!category.retired).then_some(&category.code),
                Some(next) => category = self.get(next.as_str())?,
            }
        }
        None
    }
}

impl Default for CategoryList {
    fn default() -> Self {
        Self::defaults()
    }
}

/// The form of a code or name imports compare: folded (case, diacritics), with `-`, `/`,
/// `_` and runs of spaces all one space.
fn match_key(text: &str) -> String {
    let folded = fold(text);
    let mut key = String::with_capacity(folded.len());
    for word in folded.split(['-', '/', '_', ' ']).filter(|w| !w.is_empty()) {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    key
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_default_list_has_every_domain_category() {
        let list = CategoryList::defaults();
        assert_eq!(list.version(), 1);
        assert_eq!(list.categories().len(), DEFAULTS.len());
        let codes: Vec<&str> = list.categories().iter().map(|c| c.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "skadegörelse",
                "klotter",
                "nedskräpning",
                "brand",
                "otrygg-plats",
                "trasig-belysning",
                "störande-grupp",
                "ungdomar-samlas",
                "buskörning",
                "våld-hot",
                "inbrott",
                "stöld",
                "narkotika",
                "incident-mot-personal",
                "arrangemang",
                "rykten-sociala-medier",
            ]
        );
        // Every group is used, every default code is a valid code.
        for g in CategoryGroup::ALL {
            assert!(list.categories().iter().any(|c| c.group == g), "{g:?}");
        }
        for c in list.categories() {
            assert_eq!(CategoryCode::new(c.code.as_str()).unwrap(), c.code);
        }
    }

    #[test]
    fn resolves_codes_and_swedish_names_ignoring_case_and_diacritics() {
        let list = CategoryList::defaults();
        let code = |t: &str| list.resolve(t).map(|c| c.code.as_str().to_owned());
        assert_eq!(code("klotter").unwrap(), "klotter");
        assert_eq!(code("Klotter").unwrap(), "klotter");
        assert_eq!(code("  SKADEGÖRELSE ").unwrap(), "skadegörelse");
        assert_eq!(code("skadegorelse").unwrap(), "skadegörelse");
        assert_eq!(code("Otrygg plats").unwrap(), "otrygg-plats");
        assert_eq!(code("otrygg_plats").unwrap(), "otrygg-plats");
        assert_eq!(code("Våld/hot").unwrap(), "våld-hot");
        assert_eq!(code("vald hot").unwrap(), "våld-hot");
        assert_eq!(code("Brand/anlagd brand").unwrap(), "brand");
        assert_eq!(code("Misstänkt narkotikahantering").unwrap(), "narkotika");
        assert_eq!(
            code("Ungdomar som samlas (tillhåll)").unwrap(),
            "ungdomar-samlas"
        );
        assert_eq!(code("graffiti").unwrap_err().code, "unknown_category");
        assert_eq!(code("  ").unwrap_err().code, "required");
        let parsed = CategoryCode::parse("Nedskräpning", &list).unwrap();
        assert_eq!(parsed.as_str(), "nedskräpning");
    }

    #[test]
    fn category_codes_have_a_strict_syntax() {
        for good in ["klotter", "otrygg-plats", "a", "brand2", "våld-hot"] {
            assert!(CategoryCode::new(good).is_ok(), "{good}");
        }
        for bad in [
            "Klotter",
            "-a",
            "a-",
            "a--b",
            "a b",
            "2brand",
            "a_b",
            &"a".repeat(41),
        ] {
            assert_eq!(
                CategoryCode::new(bad).unwrap_err().code,
                "invalid_category_code",
                "{bad}"
            );
        }
        assert_eq!(CategoryCode::new("").unwrap_err().code, "required");
    }

    #[test]
    fn lists_refuse_duplicates_and_bad_replacements() {
        let c = |code: &str, sv: &str| {
            Category::new(code, sv, "x", CategoryGroup::Ordning, Severity::LOW).unwrap()
        };
        let dup = CategoryList::new(2, vec![c("a", "A"), c("a", "B")]);
        assert_eq!(dup.unwrap_err().code, "duplicate_category");
        // A name that reads like another category's code is ambiguous for imports.
        let alike = CategoryList::new(2, vec![c("otrygg-plats", "X"), c("b", "Otrygg plats")]);
        assert_eq!(alike.unwrap_err().code, "duplicate_category");
        // A category's own code and name may read alike.
        assert!(CategoryList::new(2, vec![c("klotter", "Klotter")]).is_ok());

        let mut old = c("gammal", "Gammal");
        old.retired = true;
        old.replaced_by = Some(CategoryCode::new("saknas").unwrap());
        let missing = CategoryList::new(2, vec![old.clone(), c("ny", "Ny")]);
        assert_eq!(missing.unwrap_err().code, "invalid_replacement");

        let mut a = c("a", "A");
        a.retired = true;
        a.replaced_by = Some(CategoryCode::new("b").unwrap());
        let mut b = c("b", "B");
        b.retired = true;
        b.replaced_by = Some(CategoryCode::new("a").unwrap());
        let cycle = CategoryList::new(2, vec![a, b]);
        assert_eq!(cycle.unwrap_err().code, "invalid_replacement");
    }

    #[test]
    fn retired_categories_are_refused_for_new_incidents_and_map_to_successors() {
        let mut gang = Category::new(
            "gäng",
            "Gäng",
            "Gang",
            CategoryGroup::Ordning,
            Severity::MEDIUM,
        )
        .unwrap();
        gang.retired = true;
        gang.replaced_by = Some(CategoryCode::new("störande-grupp").unwrap());
        let mut categories = CategoryList::defaults().categories().to_vec();
        categories.push(gang);
        let v2 = CategoryList::new(2, categories).unwrap();
        assert_eq!(v2.resolve("gäng").unwrap_err().code, "retired_category");
        assert_eq!(v2.current_code("gäng").unwrap().as_str(), "störande-grupp");
        assert_eq!(v2.current_code("klotter").unwrap().as_str(), "klotter");
        assert!(v2.current_code("saknas").is_none());
        assert_eq!(v2.current().count(), 16);
    }

    #[test]
    fn small_enums_round_trip_their_codes() {
        for s in SharingLevel::ALL {
            assert_eq!(SharingLevel::parse(s.code()).unwrap(), s);
        }
        for s in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(s.code()).unwrap(), s);
        }
        assert_eq!(ReviewStatus::parse("ny").unwrap(), ReviewStatus::Submitted);
        for s in IncidentSource::ALL {
            assert_eq!(IncidentSource::parse(s.code()).unwrap(), s);
        }
        for g in CategoryGroup::ALL {
            assert_eq!(CategoryGroup::parse(g.code()).unwrap(), g);
        }
        assert_eq!(SharingLevel::default(), SharingLevel::Partners);
        assert_eq!(
            SharingLevel::parse("all").unwrap_err().code,
            "unknown_sharing_level"
        );
        assert_eq!(
            IncidentSource::parse("x").unwrap_err().code,
            "unknown_incident_source"
        );
    }

    #[test]
    fn severity_is_one_to_three() {
        assert_eq!(Severity::parse(" 2 ").unwrap(), Severity::MEDIUM);
        assert_eq!(Severity::parse("").unwrap_err().code, "required");
        for bad in ["0", "4", "1.5", "hög", "-1"] {
            assert_eq!(Severity::parse(bad).unwrap_err().code, "invalid_severity");
        }
        assert!(Severity::new(0).is_err() && Severity::new(4).is_err());
        assert_eq!(Severity::HIGH.get(), 3);
        assert!(Severity::LOW < Severity::HIGH);
    }
}
