//! Synthetic but realistic EST incidents for the Linköping demo.
//!
//! The demo must look like the real work so that coordinators recognise their city in
//! it and the lägesbild, hot spots and årshjul show something: incidents cluster at
//! places known for them (Resecentrum, Skäggetorp centrum, the district centres,
//! pedestrian tunnels, squares), around each place with a Gaussian spread; they follow
//! the patterns safety coordinators describe (weekend nights, summer evenings, Walpurgis
//! night on 30 April with the students at Campus Valla and Ryd, New Year's Eve with its
//! fireworks); categories depend on the kind of place and the time; every partner
//! organisation reports what its people see (the police violence and drugs, the housing
//! company damage in its areas, the contractor graffiti and litter), every week; some
//! incidents have a time window instead of an instant (damage found on Monday morning),
//! and a few descriptions contain personal data, to exercise masking.
//!
//! Nothing here is real: the places are plausible points inside Linköping's RegSO areas
//! (checked by a test against the real boundaries), the personal data are Skatteverket's
//! test personnummer, phone numbers from the series PTS reserves for fiction
//! (070-174 06 05 … 070-174 06 99), `example.com` addresses and invented plates.
//!
//! Deterministic: the same [`DemoSpec`] gives the same incidents on every machine. The
//! generator uses its own SplitMix64 and only IEEE-exact arithmetic (no `exp`, `ln`,
//! `cos`, whose last bits differ between C libraries): a normal deviate is a sum of
//! twelve uniforms (Irwin–Hall), a Poisson count its normal approximation.

use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};

use crate::geo::Wgs84;
use crate::incident::category::{CategoryCode, CategoryList, Severity};
use crate::incident::when::{self, LocalTimePolicy, OccurredAt, Written};
use crate::organisation::OrganisationKind;
use crate::time::Instant;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSpec<'a> {
    pub seed: u64,
    /// The last day of the period (Stockholm).
    pub end: Date,
    /// The period's length in months, ending with `end`.
    pub months: u32,
    /// The reporting partner organisations, by kind, in the caller's order:
    /// [`DemoIncident::reporter_org_index`] is an index into this slice.
    pub organisations: &'a [OrganisationKind],
    /// The average number of incidents on an ordinary day (before the weekly, seasonal
    /// and holiday factors).
    pub per_day: f64,
}

impl<'a> DemoSpec<'a> {
    /// 18 months up to `end`, about 20 incidents a day: the order of magnitude of a
    /// city of Linköping's size with EST.
    pub fn linkoping(seed: u64, end: Date, organisations: &'a [OrganisationKind]) -> Self {
        Self {
            seed,
            end,
            months: 18,
            organisations,
            per_day: 20.0,
        }
    }
}

/// One synthetic incident.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoIncident {
    pub occurred: OccurredAt,
    pub category: CategoryCode,
    pub point: Wgs84,
    /// As a reporter would write it; some contain personal data.
    pub description: String,
    pub severity: Severity,
    pub creates_insecurity: bool,
    /// Index into [`DemoSpec::organisations`].
    pub reporter_org_index: usize,
    /// Index into [`DEMO_PLACES`]: the place the incident clusters around.
    pub place_index: usize,
}

/// A kind of place, deciding which categories happen there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoPlaceKind {
    Station,
    Square,
    DistrictCentre,
    Tunnel,
    Park,
    SchoolYard,
    Campus,
    Residential,
}

impl DemoPlaceKind {
    /// The [`PlaceKind`](crate::place::PlaceKind) code for creating the place.
    pub const fn place_kind_code(self) -> &'static str {
        match self {
            Self::Station => "station",
            Self::Square => "square",
            Self::DistrictCentre => "shopping_centre",
            Self::Tunnel => "tunnel",
            Self::Park => "park",
            Self::SchoolYard => "school_yard",
            Self::Campus => "other",
            Self::Residential => "residential_yard",
        }
    }
}

/// A place incidents cluster around.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoPlace {
    pub name: &'static str,
    pub kind: DemoPlaceKind,
    pub lat: f64,
    pub lon: f64,
    /// The RegSO area (code) the point lies in; a test checks it.
    pub regso: &'static str,
    /// Standard deviation of the spread around the point, in metres.
    pub spread_m: f64,
    /// Relative share of incidents on an ordinary day.
    pub weight: f64,
}

/// The hot spots. Resecentrum and Skäggetorp from their Wikipedia coordinates, the
/// district centres from points inside their RegSO areas, tunnels and school yards as
/// plausible points near them.
#[rustfmt::skip]
pub const DEMO_PLACES: [DemoPlace; 22] = {
    use DemoPlaceKind::*;
    const fn p(
        name: &'static str,
        kind: DemoPlaceKind,
        lat: f64,
        lon: f64,
        regso: &'static str,
        spread_m: f64,
        weight: f64,
    ) -> DemoPlace {
        DemoPlace { name, kind, lat, lon, regso, spread_m, weight }
    }
    [
        //  name                           kind            lat       lon       RegSO      spread weight
        p("Resecentrum",                  Station,        58.41611, 15.62583, "0580R026",  60.0, 10.0),
        p("Skäggetorp centrum",           DistrictCentre, 58.42611, 15.58000, "0580R018",  80.0,  9.0),
        p("Stora torget",                 Square,         58.41087, 15.62157, "0580R002",  40.0,  6.0),
        p("Lilla torget",                 Square,         58.41209, 15.62691, "0580R012",  30.0,  4.0),
        p("Ryds centrum",                 DistrictCentre, 58.41599, 15.56581, "0580R017",  80.0,  6.0),
        p("Berga centrum",                DistrictCentre, 58.38755, 15.64436, "0580R001",  70.0,  5.0),
        p("Lambohovs centrum",            DistrictCentre, 58.37774, 15.57300, "0580R011",  70.0,  4.0),
        p("Ekholmens centrum",            DistrictCentre, 58.38110, 15.67160, "0580R003",  70.0,  3.0),
        p("Gångtunneln vid Resecentrum",  Tunnel,         58.41745, 15.62300, "0580R026",  15.0,  4.0),
        p("Gångtunneln Skäggetorp",       Tunnel,         58.42480, 15.58400, "0580R018",  15.0,  4.0),
        p("Gångtunneln Ryd",              Tunnel,         58.41350, 15.56900, "0580R017",  15.0,  3.0),
        p("Gångtunneln Berga",            Tunnel,         58.38900, 15.64100, "0580R001",  15.0,  2.0),
        p("Trädgårdsföreningen",          Park,           58.40631, 15.62468, "0580R022",  90.0,  3.0),
        p("Skäggetorpsskolan",            SchoolYard,     58.42900, 15.58300, "0580R018",  40.0,  2.0),
        p("Campus Valla",                 Campus,         58.40048, 15.58490, "0580R025", 150.0,  1.5),
        p("Johannelund",                  Residential,    58.39307, 15.66783, "0580R010", 250.0,  2.0),
        p("Gottfridsberg",                Residential,    58.41408, 15.59650, "0580R006", 250.0,  2.0),
        p("Hejdegården",                  Residential,    58.40351, 15.63727, "0580R008", 150.0,  1.5),
        p("Tannefors",                    Residential,    58.41240, 15.65674, "0580R021", 250.0,  1.5),
        p("Vasastaden",                   Residential,    58.41605, 15.61423, "0580R026", 200.0,  2.0),
        p("Skäggetorp, bostadsområdet",   Residential,    58.43000, 15.57700, "0580R018", 200.0,  3.0),
        p("Ryd, bostadsområdet",          Residential,    58.41800, 15.56000, "0580R017", 200.0,  2.5),
    ]
};

/// Metres per degree of latitude, and of longitude at Linköping's latitude (58.4° N):
/// constants rather than `cos`, for bit-identical output everywhere; the error over a
/// few hundred metres is a few centimetres.
const M_PER_DEG_LAT: f64 = 111_320.0;
const M_PER_DEG_LON: f64 = 58_330.0;

/// The categories in the order the weight tables below use.
const CATEGORIES: [&str; 16] = [
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
];

/// How often each category happens at a kind of place (CATEGORIES order).
#[rustfmt::skip]
const fn category_weights(kind: DemoPlaceKind) -> [f64; 16] {
    use DemoPlaceKind::*;
    match kind {
        //                 skad klot ned  bran otry bely stör ungd busk våld inbr stöl nark pers arra rykt
        Station =>        [3.0, 3.0, 4.0, 0.3, 3.0, 1.0, 6.0, 3.0, 0.5, 3.0, 0.2, 3.0, 4.0, 2.0, 0.5, 1.0],
        Square =>         [3.0, 3.0, 5.0, 0.5, 2.0, 1.0, 5.0, 4.0, 1.0, 2.5, 0.3, 2.0, 2.0, 1.0, 2.0, 1.0],
        DistrictCentre => [4.0, 4.0, 4.0, 1.5, 2.0, 1.5, 4.0, 5.0, 2.5, 2.0, 1.0, 2.0, 3.0, 2.0, 0.5, 2.0],
        Tunnel =>         [3.0, 7.0, 3.0, 0.3, 5.0, 4.0, 1.5, 2.0, 1.5, 1.0, 0.0, 0.3, 1.0, 0.2, 0.0, 0.2],
        Park =>           [2.0, 2.0, 6.0, 0.8, 4.0, 3.0, 3.0, 4.0, 1.0, 1.0, 0.0, 0.5, 2.0, 0.2, 2.0, 0.3],
        SchoolYard =>     [5.0, 4.0, 3.0, 2.0, 1.0, 1.0, 2.0, 5.0, 1.5, 1.0, 2.0, 1.0, 0.5, 1.5, 0.3, 2.0],
        Campus =>         [2.0, 2.0, 5.0, 0.5, 1.5, 2.0, 3.0, 1.0, 0.5, 1.0, 1.0, 3.0, 1.0, 0.5, 3.0, 0.5],
        Residential =>    [4.0, 3.0, 3.0, 2.0, 2.0, 2.5, 2.0, 3.0, 3.0, 1.0, 4.0, 3.0, 1.0, 0.3, 0.2, 1.5],
    }
}

/// How likely each kind of organisation is to report each category (CATEGORIES
/// order): police see violence and drugs, the housing company damage and break-ins in
/// its buildings, the contractor graffiti and litter, the rescue service fires.
#[rustfmt::skip]
const fn affinity(kind: OrganisationKind) -> [f64; 16] {
    use OrganisationKind::*;
    match kind {
        //                    skad  klot  ned   bran  otry  bely  stör  ungd  busk  våld  inbr  stöl  nark  pers  arra  rykt
        Kommun =>            [1.0,  1.0,  1.5,  0.5,  3.0,  3.0,  1.5,  3.0,  1.0,  1.0,  0.5,  0.5,  1.0,  2.0,  3.0,  3.0],
        Polis =>             [1.0,  0.3,  0.2,  1.0,  0.5,  0.2,  2.0,  1.5,  2.5,  5.0,  2.5,  3.0,  5.0,  1.0,  1.0,  2.0],
        Fastighetsagare =>   [4.0,  3.0,  2.5,  2.0,  1.5,  2.5,  1.5,  1.5,  1.0,  0.5,  4.0,  1.5,  0.5,  1.0,  0.2,  0.5],
        Bevakningsforetag => [1.5,  1.0,  1.0,  0.5,  1.5,  1.0,  4.0,  3.0,  1.0,  2.5,  1.0,  1.5,  2.5,  3.0,  1.0,  0.5],
        Raddningstjanst =>   [0.05, 0.02, 0.02, 8.0,  0.05, 0.02, 0.05, 0.05, 0.05, 0.05, 0.02, 0.02, 0.02, 0.3,  0.3,  0.05],
        Skola =>             [3.0,  2.0,  1.0,  1.5,  1.0,  0.5,  1.5,  3.0,  1.0,  1.0,  1.0,  1.0,  0.5,  2.0,  0.5,  3.0],
        Entreprenor =>       [2.0,  6.0,  5.0,  0.3,  1.0,  3.0,  0.2,  0.2,  0.2,  0.1,  0.1,  0.2,  0.2,  0.3,  0.1,  0.1],
        Ovrig =>             [1.0; 16],
    }
}

/// Probability (percent) that a reporter judges the category to create insecurity.
const INSECURITY_PERCENT: [u64; 16] = [
    50, 40, 30, 70, 95, 70, 80, 60, 60, 90, 60, 40, 80, 80, 10, 50,
];

/// Categories often found after the fact (damage found in the morning): reported
/// with a time window a fifth of the time.
const FOUND_LATER: [&str; 5] = [
    "skadegörelse",
    "klotter",
    "nedskräpning",
    "inbrott",
    "stöld",
];

/// Description templates per category (CATEGORIES order); `{p}` is the place's name.
const TEMPLATES: [&[&str]; 16] = [
    &[
        "Krossad glasruta vid {p}.",
        "Sönderslagen soptunna och bänk vid {p}.",
        "Uppbruten dörr till förråd, {p}.",
    ],
    &[
        "Klotter på väggen vid {p}, ca 2 m².",
        "Nya taggar i {p}, kränkande text, behöver saneras inom 24 h.",
        "Klotter på elskåp vid {p}.",
    ],
    &[
        "Mycket skräp och glas vid {p}.",
        "Nedskräpning efter helgen vid {p}, pizzakartonger och burkar.",
        "Sprutor och skräp hittade vid {p}.",
    ],
    &[
        "Brand i papperskorg vid {p}, släckt.",
        "Anlagd brand i container vid {p}.",
        "Raketer avfyrade mot fasad vid {p}.",
    ],
    &[
        "Mörkt och igenvuxet vid {p}, boende upplever det som otryggt.",
        "Buskar skymmer sikten vid {p}, behöver röjas.",
        "Öde och dåligt upplyst gångväg vid {p}.",
    ],
    &[
        "Trasig belysning vid {p}, tre armaturer släckta.",
        "Gatlampa ur funktion vid {p}.",
    ],
    &[
        "Störande grupp om ca 15 personer vid {p}, högljudda.",
        "Folksamling och bråk vid {p} under kvällen.",
    ],
    &[
        "Ungdomar samlas vid {p} sent på kvällen, tillhåll.",
        "Grupp yngre tonåringar vid {p}, några verkar påverkade.",
    ],
    &[
        "Buskörning med mopeder på gång- och cykelvägen vid {p}.",
        "A-traktorer kör i hög fart runt {p}.",
    ],
    &[
        "Hot mot förbipasserande vid {p}.",
        "Misshandel vid {p}, polis tillkallad.",
    ],
    &[
        "Inbrott i källarförråd, {p}.",
        "Inbrottsförsök i lokal vid {p}.",
    ],
    &["Cykelstölder vid {p}.", "Stöld ur butik vid {p}."],
    &[
        "Misstänkt narkotikaförsäljning vid {p}.",
        "Lukt av cannabis och misstänkt langning vid {p}.",
    ],
    &[
        "Personal hotad vid {p}.",
        "Vakt utsatt för spottloskor vid {p}.",
    ],
    &[
        "Arrangemang vid {p} under kvällen, många besökare.",
        "Marknad vid {p}, extra renhållning behövs.",
    ],
    &[
        "Rykten i sociala medier om bråk vid {p} ikväll.",
        "Uppmaning på sociala medier att samlas vid {p}.",
    ],
];

/// Skatteverket's test personnummer (never issued to anyone).
const TEST_PERSONNUMMER: [&str; 6] = [
    "19121212-1212",
    "20080903-2386",
    "121212-1212",
    "200306062381",
    "20080212-2390",
    "20030606-2381",
];

/// Splitmix64: small, fast, and enough for a simulation.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    /// Approximately standard normal: the Irwin–Hall sum of twelve uniforms, minus 6.
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }

    /// An index drawn with the given weights (all ≥ 0, some > 0).
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
    }

    fn pick<'t>(&mut self, items: &[&'t str]) -> &'t str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The generated incidents, in time order. Empty if `organisations` is empty.
pub fn generate(spec: &DemoSpec<'_>) -> Vec<DemoIncident> {
    let Some(mut g) = Generator::new(spec) else {
        return Vec::new();
    };
    let mut day = g.start;
    while day <= spec.end {
        g.day(day);
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    g.every_partner_every_week();
    let mut out = g.out;
    out.sort_by_key(|i| (i.occurred.start(), i.place_index, i.reporter_org_index));
    out
}

struct Generator<'a> {
    spec: &'a DemoSpec<'a>,
    rng: Rng,
    list: CategoryList,
    start: Date,
    /// The instant after the period: no incident may be later.
    now: Instant,
    out: Vec<DemoIncident>,
}

/// What kind of day it is, for the hour and category patterns.
#[derive(Clone, Copy)]
struct DayKind {
    weekday: Weekday,
    month: i8,
    walpurgis: bool,
    new_years_eve: bool,
    /// 1 May or 1 January: the night after the party.
    morning_after: bool,
}

impl DayKind {
    fn of(day: Date) -> Self {
        Self {
            weekday: day.weekday(),
            month: day.month(),
            walpurgis: day.month() == 4 && day.day() == 30,
            new_years_eve: day.month() == 12 && day.day() == 31,
            morning_after: (day.month() == 5 || day.month() == 1) && day.day() == 1,
        }
    }

    fn summer(self) -> bool {
        (6..=8).contains(&self.month)
    }

    fn party(self) -> bool {
        self.walpurgis || self.new_years_eve
    }

    /// Expected incidents relative to an ordinary day.
    fn factor(self) -> f64 {
        let weekday = match self.weekday {
            Weekday::Monday => 0.9,
            Weekday::Tuesday => 0.85,
            Weekday::Wednesday => 0.9,
            Weekday::Thursday => 0.95,
            Weekday::Friday => 1.25,
            Weekday::Saturday => 1.35,
            Weekday::Sunday => 1.0,
        };
        let season = [
            0.75, 0.75, 0.85, 0.95, 1.1, 1.25, 1.2, 1.25, 1.05, 0.95, 0.85, 0.85,
        ][usize::try_from(self.month - 1).unwrap_or(0).min(11)];
        // Most of a New Year's night falls after midnight, on 1 January.
        let special = if self.walpurgis {
            3.5
        } else if self.new_years_eve {
            4.0
        } else if self.morning_after {
            2.0
        } else {
            1.0
        };
        weekday * season * special
    }

    /// Relative likelihood of each local hour.
    fn hour_weights(self) -> [f64; 24] {
        let mut w = [
            3.0, 2.5, 2.0, 1.5, 0.7, 0.5, 0.8, 1.5, 2.0, 2.2, 2.3, 2.3, 2.4, 2.4, 2.5, 2.8, 3.0,
            3.2, 3.5, 3.8, 4.0, 4.0, 3.8, 3.4,
        ];
        let weekend_evening = matches!(self.weekday, Weekday::Friday | Weekday::Saturday);
        let weekend_night = matches!(self.weekday, Weekday::Saturday | Weekday::Sunday);
        for (h, w) in w.iter_mut().enumerate() {
            if weekend_evening && h >= 21 {
                *w *= 1.8;
            }
            if weekend_night && h <= 3 {
                *w *= 2.2;
            }
            if self.summer() && (19..=23).contains(&h) {
                *w *= 1.5;
            }
            if self.party() && h >= 18 {
                *w *= 3.0;
            }
            if self.morning_after && h <= 3 {
                *w *= 4.0;
            }
        }
        w
    }

    /// How the time changes the category mix (CATEGORIES order).
    fn category_factor(self, category: usize, hour: u8) -> f64 {
        let night = !(6..21).contains(&hour);
        let f = match CATEGORIES[category] {
            "störande-grupp" | "våld-hot" | "narkotika" if night => 2.0,
            "skadegörelse" if night => 1.5,
            "nedskräpning" if !night => 1.5,
            "trasig-belysning" | "otrygg-plats"
                if (10..=12).contains(&self.month) || self.month <= 2 =>
            {
                2.0
            }
            "ungdomar-samlas" | "buskörning" | "störande-grupp" if self.summer() => 1.8,
            _ => 1.0,
        };
        let party = match CATEGORIES[category] {
            "brand" | "störande-grupp" | "skadegörelse" | "nedskräpning"
                if self.party() || self.morning_after =>
            {
                3.0
            }
            _ => 1.0,
        };
        f * party
    }

    /// How the day changes where things happen.
    fn place_factor(self, place: &DemoPlace) -> f64 {
        if self.walpurgis && matches!(place.kind, DemoPlaceKind::Campus | DemoPlaceKind::Park) {
            return 6.0;
        }
        if self.walpurgis && place.name.starts_with("Ryd") {
            return 3.0;
        }
        if self.new_years_eve
            && matches!(
                place.kind,
                DemoPlaceKind::Square | DemoPlaceKind::Residential
            )
        {
            return 2.5;
        }
        if self.summer() && matches!(place.kind, DemoPlaceKind::Park | DemoPlaceKind::Square) {
            return 1.5;
        }
        1.0
    }
}

impl<'a> Generator<'a> {
    fn new(spec: &'a DemoSpec<'a>) -> Option<Self> {
        if spec.organisations.is_empty() {
            return None;
        }
        let start = spec
            .end
            .checked_sub(i64::from(spec.months).months())
            .ok()?
            .tomorrow()
            .ok()?;
        let after = spec.end.tomorrow().ok()?;
        let now = local_instant(after, 0, 0)?;
        Some(Self {
            spec,
            rng: Rng(spec.seed),
            list: CategoryList::defaults(),
            start,
            now,
            out: Vec::new(),
        })
    }

    fn day(&mut self, day: Date) {
        let kind = DayKind::of(day);
        let mean = self.spec.per_day * kind.factor();
        // Poisson by its normal approximation (exact enough at these means).
        let n = (mean + mean.sqrt() * self.rng.normal()).round().max(0.0) as usize;
        for _ in 0..n {
            self.incident(day, kind, None);
        }
    }

    /// One incident on `day`; by `org` if given, else by whoever fits the category.
    fn incident(&mut self, day: Date, kind: DayKind, org: Option<usize>) {
        let place_weights: Vec<f64> = DEMO_PLACES
            .iter()
            .map(|p| p.weight * kind.place_factor(p))
            .collect();
        let place_index = self.rng.weighted(&place_weights);
        let place = &DEMO_PLACES[place_index];
        let hour = self.rng.weighted(&kind.hour_weights()) as u8;
        let minute = self.rng.below(60) as u8;

        let mut weights = category_weights(place.kind);
        for (c, w) in weights.iter_mut().enumerate() {
            *w *= kind.category_factor(c, hour);
            if let Some(o) = org {
                *w *= affinity(self.spec.organisations[o])[c];
            }
        }
        let c = self.rng.weighted(&weights);
        let org_given = org;
        let org = org.unwrap_or_else(|| {
            let by_org: Vec<f64> = self
                .spec
                .organisations
                .iter()
                .map(|&k| affinity(k)[c])
                .collect();
            self.rng.weighted(&by_org)
        });

        // Added reports (`org` given) are instants, so they land in the week they are
        // added to.
        let window_allowed = org_given.is_none();
        let Some(occurred) = self.occurred(day, hour, minute, CATEGORIES[c], window_allowed) else {
            return;
        };
        let Some(point) = self.spread(place) else {
            return;
        };
        let Some(category) = self.list.get(CATEGORIES[c]) else {
            return;
        };
        let severity = match self.rng.below(100) {
            0..15 => Severity::new(category.default_severity.get().saturating_sub(1)),
            15..30 => Severity::new(category.default_severity.get() + 1),
            _ => Ok(category.default_severity),
        }
        .unwrap_or(category.default_severity);
        let incident = DemoIncident {
            occurred,
            category: category.code.clone(),
            point,
            description: self.description(c, place.name),
            severity,
            creates_insecurity: self.rng.percent(INSECURITY_PERCENT[c]),
            reporter_org_index: org,
            place_index,
        };
        self.out.push(incident);
    }

    /// An instant, or for things found later sometimes a window: from the evening
    /// before (on Mondays from Friday afternoon) to the morning it was found.
    fn occurred(
        &mut self,
        day: Date,
        hour: u8,
        minute: u8,
        category: &str,
        window_allowed: bool,
    ) -> Option<OccurredAt> {
        if window_allowed && FOUND_LATER.contains(&category) && self.rng.percent(20) {
            let found_hour = 6 + self.rng.below(3) as i8;
            let to = local_instant(day, found_hour, self.rng.below(60) as i8)?;
            let (from_day, from_hour) = if day.weekday() == Weekday::Monday {
                (day.checked_sub(3.days()).ok()?, 16)
            } else {
                (day.yesterday().ok()?, 17 + self.rng.below(5) as i8)
            };
            let from = local_instant(from_day, from_hour, 0)?;
            return OccurredAt::window(from, to, self.now).ok();
        }
        let at = local_instant(day, hour as i8, minute as i8)?;
        OccurredAt::at(at, self.now).ok()
    }

    /// A point around the place: a normal spread, at most 2.5 standard deviations.
    fn spread(&mut self, place: &DemoPlace) -> Option<Wgs84> {
        for _ in 0..16 {
            let (dy, dx) = (self.rng.normal(), self.rng.normal());
            if dx * dx + dy * dy > 6.25 {
                continue;
            }
            let lat = place.lat + dy * place.spread_m / M_PER_DEG_LAT;
            let lon = place.lon + dx * place.spread_m / M_PER_DEG_LON;
            if let Ok(p) = Wgs84::new(lat, lon) {
                return Some(p);
            }
        }
        // Sixteen draws outside 2.5 sigma in a row do not happen; the centre is a
        // correct answer anyway.
        Wgs84::new(place.lat, place.lon).ok()
    }

    fn description(&mut self, c: usize, place: &str) -> String {
        let mut text = self.rng.pick(TEMPLATES[c]).replace("{p}", place);
        // About one in thirty descriptions carries personal data by mistake.
        if self.rng.below(30) == 0 {
            let extra = match self.rng.below(4) {
                0 => format!(" Anmälare: {}.", self.rng.pick(&TEST_PERSONNUMMER)),
                1 => format!(" Ring mig på 070-174 06 {:02}.", 5 + self.rng.below(95)),
                2 => {
                    let plates = ["MLB 123", "XYZ 98A", "ABC 123", "GHJ 45K"];
                    format!(" Bil med reg.nr {} inblandad.", self.rng.pick(&plates))
                }
                _ => " Mejla bilder till kalle.anka@example.com.".to_owned(),
            };
            text.push_str(&extra);
        }
        text
    }

    /// EST partners report at least weekly: give every organisation without a report
    /// in an ISO week one incident that week.
    fn every_partner_every_week(&mut self) {
        let orgs = self.spec.organisations.len();
        let mut reported: std::collections::BTreeMap<(i16, i8), Vec<bool>> =
            std::collections::BTreeMap::new();
        let mut day = self.start;
        while day <= self.spec.end {
            let week = day.iso_week_date();
            reported
                .entry((week.year(), week.week()))
                .or_insert_with(|| vec![false; orgs]);
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        let tz = when::stockholm();
        for i in &self.out {
            let Some(tz) = tz else { break };
            let local = i.occurred.start().timestamp().to_zoned(tz.clone()).date();
            let week = local.iso_week_date();
            if let Some(flags) = reported.get_mut(&(week.year(), week.week())) {
                flags[i.reporter_org_index] = true;
            }
        }
        for ((year, week), flags) in reported {
            for (org, done) in flags.into_iter().enumerate() {
                if done {
                    continue;
                }
                let weekday = self.rng.below(5) as i8 + 1;
                let Ok(day) = jiff::civil::ISOWeekDate::new(
                    year,
                    week,
                    Weekday::from_monday_one_offset(weekday).unwrap_or(Weekday::Wednesday),
                )
                .map(|d| d.date()) else {
                    continue;
                };
                // The first and last weeks may lie partly outside the period.
                let day = day.max(self.start).min(self.spec.end);
                self.incident(day, DayKind::of(day), Some(org));
            }
        }
    }
}

/// A local Stockholm time as an instant; a time in the spring-forward gap moves forward.
fn local_instant(day: Date, hour: i8, minute: i8) -> Option<Instant> {
    let time = Time::new(hour, minute, 0, 0).ok()?;
    let written = Written::DateTime {
        datetime: day.to_datetime(time),
        offset: None,
    };
    when::instant_of("occurred_at", written, LocalTimePolicy::Compatible).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::incident::personal_data;
    use jiff::civil::date;

    const PARTNERS: [OrganisationKind; 6] = [
        OrganisationKind::Kommun,
        OrganisationKind::Polis,
        OrganisationKind::Fastighetsagare,
        OrganisationKind::Bevakningsforetag,
        OrganisationKind::Entreprenor,
        OrganisationKind::Raddningstjanst,
    ];

    fn demo(seed: u64) -> Vec<DemoIncident> {
        generate(&DemoSpec::linkoping(seed, date(2026, 8, 31), &PARTNERS))
    }

    #[test]
    fn the_same_seed_gives_the_same_incidents() {
        let a = demo(2026);
        assert_eq!(a, demo(2026));
        assert_ne!(a, demo(2027));
    }

    #[test]
    fn eighteen_months_of_checked_incidents() {
        let incidents = demo(1);
        assert!(
            (9_000..16_000).contains(&incidents.len()),
            "{}",
            incidents.len()
        );
        let first = utc("2025-02-28T23:00:00Z");
        let end = utc("2026-08-31T22:00:00Z");
        for i in &incidents {
            // A window may open the evening (or Friday) before the first day.
            assert!(i.occurred.latest() >= first, "{:?}", i.occurred);
            assert!(i.occurred.latest() <= end, "{:?}", i.occurred);
            assert!(i.point.plausible_in_sweden());
            assert!(i.reporter_org_index < PARTNERS.len());
            assert!(CategoryList::defaults().get(i.category.as_str()).is_some());
        }
        let windows = incidents.iter().filter(|i| i.occurred.is_window()).count();
        assert!(windows > 300 && windows < incidents.len() / 5, "{windows}");
        let sorted = incidents
            .windows(2)
            .all(|w| w[0].occurred.start() <= w[1].occurred.start());
        assert!(sorted);
    }

    fn utc(text: &str) -> Instant {
        Instant::from_timestamp(text.parse().unwrap())
    }

    fn local_date(i: &DemoIncident) -> Date {
        i.occurred
            .start()
            .timestamp()
            .to_zoned(when::stockholm().unwrap().clone())
            .date()
    }

    #[test]
    fn walpurgis_and_new_years_eve_stand_out() {
        let incidents = demo(7);
        let on = |d: Date| incidents.iter().filter(|i| local_date(i) == d).count();
        let ordinary = incidents.len() as f64 / 549.0;
        assert!(on(date(2025, 4, 30)) as f64 > 2.0 * ordinary);
        assert!(on(date(2026, 4, 30)) as f64 > 2.0 * ordinary);
        assert!(on(date(2025, 12, 31)) as f64 > 2.0 * ordinary);
        let fires = |d: Date| {
            incidents
                .iter()
                .filter(|i| local_date(i) == d && i.category.as_str() == "brand")
                .count()
        };
        assert!(fires(date(2025, 12, 31)) > fires(date(2025, 12, 17)));
    }

    #[test]
    fn weekend_nights_and_summer_evenings_are_busier() {
        let incidents = demo(3);
        let tz = when::stockholm().unwrap().clone();
        let (mut weekend_night, mut weekday_night) = (0, 0);
        let (mut summer_evening, mut winter_evening) = (0, 0);
        for i in incidents.iter().filter(|i| !i.occurred.is_window()) {
            let z = i.occurred.start().timestamp().to_zoned(tz.clone());
            let night = z.hour() <= 3;
            match z.weekday() {
                Weekday::Saturday | Weekday::Sunday if night => weekend_night += 1,
                Weekday::Tuesday | Weekday::Wednesday if night => weekday_night += 1,
                _ => {}
            }
            if (19..=23).contains(&z.hour()) {
                match z.month() {
                    6..=8 => summer_evening += 1,
                    12 | 1 | 2 => winter_evening += 1,
                    _ => {}
                }
            }
        }
        assert!(
            weekend_night > 2 * weekday_night,
            "{weekend_night} {weekday_night}"
        );
        assert!(
            summer_evening * 10 > winter_evening * 15,
            "{summer_evening} {winter_evening}"
        );
    }

    #[test]
    fn every_partner_reports_every_week_and_fits_its_role() {
        let incidents = demo(11);
        let mut weeks = std::collections::BTreeMap::<(i16, i8), [bool; 6]>::new();
        for i in &incidents {
            let w = local_date(i).iso_week_date();
            weeks.entry((w.year(), w.week())).or_default()[i.reporter_org_index] = true;
        }
        assert!(weeks.len() >= 78);
        for (week, flags) in &weeks {
            assert!(flags.iter().all(|f| *f), "{week:?}: {flags:?}");
        }
        let share = |org: usize, code: &str| {
            let by: Vec<_> = incidents
                .iter()
                .filter(|i| i.reporter_org_index == org)
                .collect();
            by.iter().filter(|i| i.category.as_str() == code).count() as f64 / by.len() as f64
        };
        assert!(share(5, "brand") > 0.5, "the rescue service reports fires");
        assert!(
            share(4, "klotter") > share(1, "klotter"),
            "the contractor, graffiti"
        );
        assert!(
            share(1, "våld-hot") > share(4, "våld-hot"),
            "the police, violence"
        );
    }

    #[test]
    fn hot_spots_dominate_and_some_descriptions_hold_personal_data() {
        let incidents = demo(5);
        let at = |name: &str| {
            incidents
                .iter()
                .filter(|i| DEMO_PLACES[i.place_index].name == name)
                .count()
        };
        assert!(at("Resecentrum") > at("Hejdegården") * 3);
        assert!(at("Skäggetorp centrum") > at("Tannefors") * 3);
        let with_pii = incidents
            .iter()
            .filter(|i| !personal_data::detect(&i.description).is_empty())
            .count();
        let share = with_pii as f64 / incidents.len() as f64;
        assert!((0.02..0.05).contains(&share), "{share}");
        // Every kind of personal data appears, and masking removes all of it.
        let mut kinds = std::collections::BTreeSet::new();
        for i in &incidents {
            for f in personal_data::detect(&i.description) {
                kinds.insert(f.kind);
            }
            let (masked, _) = personal_data::mask(&i.description);
            assert!(personal_data::detect(&masked).is_empty());
        }
        assert_eq!(kinds.len(), 4, "{kinds:?}");
    }

    #[test]
    fn points_stay_near_their_places() {
        for i in demo(9) {
            let p = &DEMO_PLACES[i.place_index];
            let dy = (i.point.lat() - p.lat) * M_PER_DEG_LAT;
            let dx = (i.point.lon() - p.lon) * M_PER_DEG_LON;
            assert!((dx * dx + dy * dy).sqrt() <= 2.5 * p.spread_m + 0.01);
        }
    }

    #[test]
    fn no_organisations_no_incidents() {
        assert!(generate(&DemoSpec::linkoping(1, date(2026, 8, 31), &[])).is_empty());
    }

    #[test]
    fn tables_cover_every_category() {
        let list = CategoryList::defaults();
        let codes: Vec<&str> = list.categories().iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, CATEGORIES);
        for pnr in TEST_PERSONNUMMER {
            assert_eq!(
                personal_data::detect(pnr)[0].kind,
                personal_data::PiiKind::Personnummer
            );
        }
    }
}
