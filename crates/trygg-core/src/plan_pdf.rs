//! The åtgärdsplan (lag 2023:196) version as a tagged PDF for the municipality's records,
//! made from the frozen version text only: the agreement (parties, period, problems,
//! causes, measurable goals, follow-up, signatories), each priority area's activities as
//! a table, the decision, and the version's SHA-256 so the paper copy can be checked
//! against the stored one.

use trygg_domain::plan::ActionPlanContent;
use trygg_store::plan::ActionPlanVersionSummary;

use crate::pdf::{Block, Column, Document, Table};

/// A measure status in Swedish words, as the pages show it.
fn status_sv(code: &str) -> &str {
    match code {
        "proposed" => "föreslagen",
        "assigned" => "tilldelad",
        "accepted" => "accepterad",
        "in_progress" => "pågår",
        "done" => "utförd",
        "confirmed" => "bekräftad",
        "refused" => "avböjd",
        "not_feasible" => "inte genomförbar",
        other => other,
    }
}

fn section(blocks: &mut Vec<Block>, heading: &str, text: &str) {
    blocks.push(Block::Heading {
        level: 2,
        text: heading.into(),
    });
    for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        blocks.push(Block::Paragraph(p.replace('\n', " ")));
    }
}

/// The report for one version.
pub fn document(summary: &ActionPlanVersionSummary, c: &ActionPlanContent) -> Document {
    let mut blocks = Vec::new();
    blocks.push(Block::Paragraph(format!(
        "Åtgärdsplan enligt lag (2023:196) om kommuners ansvar för brottsförebyggande \
         arbete, byggd från samverkansöverenskommelsens aktivitetsplaner. Version {}, \
         skapad {} av {}, {}.",
        summary.version,
        summary.created_at.local_display(),
        c.created_by,
        c.created_by_organisation
    )));
    blocks.push(Block::Paragraph(match &summary.decision {
        Some(d) => format!(
            "Beslutad {} av {}, diarienummer {}.",
            d.decided_on, d.body, d.diary_number
        ),
        None => "Versionen är inte beslutad.".into(),
    }));
    blocks.push(Block::Paragraph(format!(
        "SHA-256 för den lagrade versionen: {}.",
        summary.sha256
    )));
    section(
        &mut blocks,
        "Parter och period",
        &format!(
            "Parter: {}. Period: {} – {}.",
            c.parties.join(", "),
            c.period_start,
            c.period_end
        ),
    );
    section(&mut blocks, "Problem i fokus", &c.problems);
    section(&mut blocks, "Orsaker", &c.causes);
    section(&mut blocks, "Mätbara mål", &c.goals);
    section(&mut blocks, "Dokumentation och uppföljning", &c.follow_up);
    blocks.push(Block::Heading {
        level: 2,
        text: "Prioriterade områden och aktiviteter".into(),
    });
    let mut tables = 0;
    for area in &c.priority_areas {
        blocks.push(Block::Heading {
            level: 3,
            text: area.name.clone(),
        });
        if let Some(d) = &area.description {
            blocks.push(Block::Paragraph(d.replace('\n', " ")));
        }
        if area.activities.is_empty() {
            blocks.push(Block::Paragraph(
                "Inga aktiviteter under området i denna version.".into(),
            ));
            continue;
        }
        tables += 1;
        blocks.push(Block::Table(Table {
            caption: format!("Tabell {tables}. Aktiviteter: {}", area.name),
            columns: vec![
                Column::text("Åtgärd"),
                Column::text("Status"),
                Column::text("Ansvarig"),
                Column::text("Klart senast"),
                Column::text("Plan"),
            ],
            rows: area
                .activities
                .iter()
                .map(|a| {
                    vec![
                        format!("{} (nr {})", a.title, a.measure_id),
                        status_sv(&a.status).to_owned(),
                        a.owner.clone().unwrap_or_else(|| "–".into()),
                        a.due_date.clone().unwrap_or_else(|| "–".into()),
                        a.plan.clone(),
                    ]
                })
                .collect(),
            row_headers: true,
        }));
    }
    blocks.push(Block::Heading {
        level: 2,
        text: "Undertecknare".into(),
    });
    if c.signatories.is_empty() {
        blocks.push(Block::Paragraph("Inga undertecknare angivna.".into()));
    }
    for s in &c.signatories {
        blocks.push(Block::Paragraph(s.clone()));
    }
    Document {
        title: format!("Åtgärdsplan: {}", c.title),
        lang: "sv".into(),
        subject: Some(format!(
            "Åtgärdsplan enligt lag (2023:196), version {}",
            summary.version
        )),
        author: Some(c.created_by_organisation.clone()),
        created: Some(summary.created_at.timestamp()),
        blocks,
    }
}
