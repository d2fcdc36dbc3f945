//! The published lägesbild as a PDF for the municipality's records (diariet), made from
//! the frozen snapshot only: the same figures as the published page, the hot-spot map as
//! a figure followed by a table of the same cells, the meeting's decisions, and the
//! publication's hash so the paper copy can be checked against the stored one.

use trygg_analytics::trend::{Change, Comparison};
use trygg_store::est_meeting::PublicationSummary;

use crate::est_meeting::Snapshot;
use crate::lagesbild::HotSpotMap;
use crate::pdf::{Block, Column, Document, Figure, Rgb, Shape, Table};

fn opt_u32(v: Option<u32>) -> String {
    v.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

fn decimal(v: f64, digits: usize) -> String {
    format!("{v:.digits$}").replace('.', ",")
}

/// A comparison in words, never colour alone: "ökning (p = 0,004)".
fn change_text(c: &Option<Comparison>) -> String {
    match c {
        None => "–".to_owned(),
        Some(c) => {
            let word = match c.change {
                Change::Increase => "ökning ↑",
                Change::Decrease => "minskning ↓",
                Change::NoChange => "ingen säker förändring",
            };
            format!("{word} (p = {})", decimal(c.q_value, 3))
        }
    }
}

fn bin_text(bin: i8) -> String {
    let confidence = match bin.unsigned_abs() {
        3 => "99 %",
        2 => "95 %",
        _ => "90 %",
    };
    if bin > 0 {
        format!("hot spot, {confidence}")
    } else {
        format!("cold spot, {confidence}")
    }
}

/// Cell colours from cold (blue) to hot (red); the label in each cell carries the same
/// information as text.
fn bin_colour(bin: i8) -> Rgb {
    match bin {
        3 => Rgb(178, 24, 43),
        2 => Rgb(214, 96, 77),
        1 => Rgb(244, 165, 130),
        -1 => Rgb(146, 197, 222),
        -2 => Rgb(67, 147, 195),
        _ => Rgb(33, 102, 172),
    }
}

fn hot_spot_figure(map: &HotSpotMap) -> Figure {
    let (cols, rows) = (map.cols.max(1) as f32, map.rows.max(1) as f32);
    let mut shapes = vec![Shape::Rect {
        x: 0.0,
        y: 0.0,
        w: cols,
        h: rows,
        fill: Some(Rgb(246, 246, 246)),
        stroke: Some(Rgb(120, 120, 120)),
    }];
    for c in &map.cells {
        // Row 0 is the southernmost; the drawing's y grows downwards.
        let y = rows - 1.0 - c.row as f32;
        shapes.push(Shape::Rect {
            x: c.col as f32,
            y,
            w: 1.0,
            h: 1.0,
            fill: Some(bin_colour(c.bin)),
            stroke: Some(Rgb(60, 60, 60)),
        });
        shapes.push(Shape::Text {
            x: c.col as f32 + 0.12,
            y: y + 0.68,
            size: 0.5,
            text: format!("{:+}", c.bin),
        });
    }
    let hot = map.cells.iter().filter(|c| c.bin > 0).count();
    let cold = map.cells.len() - hot;
    Figure {
        alt: format!(
            "Karta över området i rutor om {} m ({} × {} rutor) med {} signifikanta hot \
             spots och {} cold spots markerade; varje markerad ruta har sin klass (+1 till +3 \
             eller −1 till −3) skriven i rutan. Samma rutor med antal och värden finns i \
             tabellen efter kartan.",
            map.cell_size_m, map.cols, map.rows, hot, cold
        ),
        caption: format!(
            "Figur 1. Hot spots enligt Getis-Ord Gi* på ett rutnät med {} m rutor (SWEREF 99 TM), \
             norr uppåt. Röda rutor: fler händelser än slumpen förklarar; blå: färre. \
             Siffran i rutan är klassen (3 = 99 %, 2 = 95 %, 1 = 90 % konfidens{}).",
            map.cell_size_m,
            if map.fdr {
                ", korrigerat för multipla test (Benjamini–Hochberg)"
            } else {
                ""
            }
        ),
        width: cols,
        height: rows,
        shapes,
    }
}

/// The report for one publication.
pub fn document(summary: &PublicationSummary, s: &Snapshot) -> Document {
    let p = &s.picture;
    let mut blocks = Vec::new();
    blocks.push(Block::Paragraph(format!(
        "Område: {} ({}). Vecka {} ({} – {}), {} timmar.",
        p.area.name, p.area.kind, p.week, p.first_day, p.last_day, p.hours
    )));
    blocks.push(Block::Paragraph(format!(
        "Publicerad {} av {}, {}. Version {}. SHA-256 för den lagrade ögonblicksbilden: {}.",
        s.published_at.local_display(),
        s.published_by,
        s.published_by_organisation,
        summary.version,
        summary.sha256
    )));

    let h = &p.headline;
    blocks.push(Block::Heading {
        level: 2,
        text: "Nyckeltal".into(),
    });
    blocks.push(Block::Table(Table {
        caption: "Tabell 1. Veckans händelser".into(),
        columns: vec![Column::text("Mått"), Column::number("Värde")],
        rows: vec![
            vec!["Händelser denna vecka".into(), h.count.to_string()],
            vec!["Förra veckan".into(), opt_u32(h.last_week)],
            vec![
                "Medel de fyra veckorna innan".into(),
                h.four_week_mean
                    .map_or_else(|| "–".into(), |m| decimal(m, 1)),
            ],
            vec![
                "Samma vecka förra året".into(),
                opt_u32(h.same_week_last_year),
            ],
            vec![
                "Händelser som skapar otrygghet".into(),
                match h.insecurity_share_pct {
                    Some(pct) => format!("{} ({} %)", h.creating_insecurity, decimal(pct, 0)),
                    None => h.creating_insecurity.to_string(),
                },
            ],
            vec![
                "Kategorier med säkerställd förändring".into(),
                h.flagged_categories.to_string(),
            ],
        ],
        row_headers: true,
    }));

    blocks.push(Block::Heading {
        level: 2,
        text: "Per kategori".into(),
    });
    let mut rows = Vec::new();
    for r in std::iter::once(&p.trend.total).chain(&p.trend.rows) {
        let f = &r.figures;
        rows.push(vec![
            if r.code == "total" {
                "Alla kategorier".into()
            } else {
                r.name_sv.clone()
            },
            f.count.to_string(),
            opt_u32(f.last_week.as_ref().map(|c| c.baseline_count)),
            f.four_weeks
                .as_ref()
                .map_or_else(|| "–".into(), |c| decimal(c.baseline_mean, 1)),
            opt_u32(f.same_week_last_year.as_ref().map(|c| c.baseline_count)),
            change_text(&f.last_week),
            change_text(&f.four_weeks),
            change_text(&f.same_week_last_year),
        ]);
    }
    blocks.push(Block::Table(Table {
        caption: "Tabell 2. Händelser per kategori med jämförelser".into(),
        columns: vec![
            Column::text("Kategori"),
            Column::number("Veckan"),
            Column::number("Förra veckan"),
            Column::number("Medel 4 v"),
            Column::number("Samma vecka i fjol"),
            Column::text("Mot förra veckan"),
            Column::text("Mot 4 veckor"),
            Column::text("Mot i fjol"),
        ],
        rows,
        row_headers: true,
    }));
    blocks.push(Block::Paragraph(format!(
        "Metod: en förändring markeras bara när testet säger att den är osannolik av en \
         slump: {} (på engelska: {}), signifikansnivå {}{}. p-värdena i tabellen är {}.",
        "exakt betingat test för två Poisson-antal med exponering (binomialtest givet summan, \
         tvåsidigt)",
        p.trend.test.name(),
        decimal(p.trend.alpha, 2),
        if p.trend.fdr {
            ", med Benjamini–Hochbergs korrigering för många jämförelser"
        } else {
            ""
        },
        if p.trend.fdr {
            "justerade"
        } else {
            "ojusterade"
        }
    )));

    blocks.push(Block::Heading {
        level: 2,
        text: "Hot spots".into(),
    });
    let map = &p.hot_spots;
    blocks.push(Block::Paragraph(format!(
        "{} händelser med position ingår; {} saknar position och finns inte på kartan.",
        map.incidents, map.without_position
    )));
    if map.cells.is_empty() {
        blocks.push(Block::Paragraph(
            "Inga rutor var signifikanta denna vecka.".into(),
        ));
    } else {
        blocks.push(Block::Figure(hot_spot_figure(map)));
        blocks.push(Block::Table(Table {
            caption: "Tabell 3. Kartans signifikanta rutor".into(),
            columns: vec![
                Column::text("Ruta (kolumn, rad)"),
                Column::text("Plats"),
                Column::number("Händelser"),
                Column::number("z"),
                Column::number("p"),
                Column::text("Klass"),
            ],
            rows: map
                .cells
                .iter()
                .map(|c| {
                    vec![
                        format!("{}, {}", c.col, c.row),
                        c.place.clone().unwrap_or_else(|| "–".into()),
                        c.count.to_string(),
                        decimal(c.z, 2),
                        decimal(c.p, 4),
                        format!("{:+} ({})", c.bin, bin_text(c.bin)),
                    ]
                })
                .collect(),
            row_headers: true,
        }));
    }

    if !p.notable.is_empty() {
        blocks.push(Block::Heading {
            level: 2,
            text: "Värda att nämna".into(),
        });
        blocks.push(Block::Table(Table {
            caption: "Tabell 4. Veckans särskilda händelser".into(),
            columns: vec![
                Column::text("När"),
                Column::text("Kategori"),
                Column::text("Plats"),
                Column::number("Allvar"),
                Column::text("Beskrivning"),
            ],
            rows: p
                .notable
                .iter()
                .map(|n| {
                    vec![
                        n.occurred.clone(),
                        n.category_sv.clone(),
                        n.place.clone().unwrap_or_else(|| "–".into()),
                        n.severity.to_string(),
                        if n.description.is_empty() {
                            "(visas inte för din roll)".into()
                        } else {
                            n.description.clone()
                        },
                    ]
                })
                .collect(),
            row_headers: false,
        }));
    }

    blocks.push(Block::Heading {
        level: 2,
        text: "EST-mötet".into(),
    });
    let m = &s.meeting;
    if m.participants.is_empty() {
        blocks.push(Block::Paragraph("Inga deltagare registrerade.".into()));
    } else {
        blocks.push(Block::Table(Table {
            caption: "Tabell 5. Deltagare".into(),
            columns: vec![Column::text("Organisation"), Column::text("Namn")],
            rows: m
                .participants
                .iter()
                .map(|x| {
                    vec![
                        x.organisation.clone(),
                        x.name.clone().unwrap_or_else(|| "–".into()),
                    ]
                })
                .collect(),
            row_headers: false,
        }));
    }
    blocks.push(Block::Heading {
        level: 3,
        text: "Prioriterade platser nästa vecka".into(),
    });
    if m.priorities.is_empty() {
        blocks.push(Block::Paragraph("Inga prioriteringar registrerade.".into()));
    } else {
        blocks.push(Block::Table(Table {
            caption: "Tabell 6. Prioriteringar och ansvar".into(),
            columns: vec![
                Column::text("Plats"),
                Column::text("Ansvarig organisation"),
                Column::text("Vad som görs"),
            ],
            rows: m
                .priorities
                .iter()
                .map(|x| vec![x.location.clone(), x.organisation.clone(), x.action.clone()])
                .collect(),
            row_headers: true,
        }));
    }
    if !m.notes.is_empty() {
        blocks.push(Block::Heading {
            level: 3,
            text: "Anteckningar".into(),
        });
        blocks.push(Block::Paragraph(m.notes.clone()));
    }

    Document {
        title: format!("Lägesbild {}, vecka {}", p.area.name, p.week),
        lang: "sv".into(),
        subject: Some(format!(
            "Publicerad lägesbild för {} vecka {}, version {}",
            p.area.name, p.week, summary.version
        )),
        author: Some(s.published_by_organisation.clone()),
        created: Some(s.published_at.timestamp()),
        blocks,
    }
}
