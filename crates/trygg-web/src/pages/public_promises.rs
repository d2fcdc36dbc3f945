//! The public medborgarlöfte pages, no login: the promises with their published monthly
//! results (a small bar chart per indicator with the same figures in a table beside
//! it), one promise, and the Atom feed of published reports.
//!
//! Everything here comes from `trygg_core::promises::PublicPromise` and `FeedEntry`,
//! which hold published reports only and no person: a draft cannot reach these pages
//! or the feed. The feed is Atom 1.0 (RFC 4287), written by hand with every text
//! escaped; the pages link it with `<link rel="alternate">`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use trygg_core::promises::{PublicPromise, PublicReport};
use trygg_domain::promise::PromiseId;
use trygg_store::Store;

use super::promises::{month_label, owner_label, period_text};
use super::{PageResult, Shell, render};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

/// The bar chart's drawing area, in px; small enough for 320 px screens.
const CHART_WIDTH: i64 = 264;
const CHART_HEIGHT: i64 = 80;

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

/// One indicator of a promise: the chart and the same figures as a table.
pub struct IndicatorBlock {
    pub n: usize,
    pub name: String,
    pub chart_label: String,
    pub bars: Vec<Bar>,
    /// (month, value)
    pub rows: Vec<(String, String)>,
}

pub struct ReportBlock {
    pub anchor: String,
    pub month: String,
    pub done_text: String,
    pub comments: Option<String>,
    pub published: String,
    /// (indicator, value)
    pub values: Vec<(String, String)>,
}

pub struct PromiseBlock {
    pub id: i64,
    pub href: String,
    pub title: String,
    pub statement: String,
    pub description: Option<String>,
    pub area: Option<String>,
    pub period: String,
    /// (text, owner)
    pub activities: Vec<(String, String)>,
    pub indicators: Vec<IndicatorBlock>,
    /// Newest first.
    pub reports: Vec<ReportBlock>,
}

fn value_of(r: &PublicReport, id: trygg_domain::promise::PromiseIndicatorId) -> Option<i64> {
    r.values
        .iter()
        .find(|v| v.indicator_id == id)
        .and_then(|v| v.value)
}

/// Bars for the months' values; a missing value has no bar (its row says "–").
fn bars(values: &[Option<i64>]) -> Vec<Bar> {
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1);
    let n = values.len().max(1) as i64;
    let slot = CHART_WIDTH / n;
    let width = (slot - 2).max(2);
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let v = (*v)?;
            // At least one pixel, so a zero month is visibly there and not missing.
            let height = ((v * (CHART_HEIGHT - 2)) / max).max(1);
            Some(Bar {
                x: i as i64 * slot + 1,
                y: CHART_HEIGHT - height,
                width,
                height,
            })
        })
        .collect()
}

fn block(lang: Lang, p: &PublicPromise) -> PromiseBlock {
    let indicators = p
        .indicators
        .iter()
        .enumerate()
        .map(|(i, (id, name))| {
            let values: Vec<Option<i64>> = p.reports.iter().map(|r| value_of(r, *id)).collect();
            let first = p.reports.first().map(|r| month_label(lang, &r.month));
            let last = p.reports.last().map(|r| month_label(lang, &r.month));
            IndicatorBlock {
                n: i + 1,
                chart_label: lang.t_args(
                    "public-promises-chart",
                    &[
                        ("name", name.clone()),
                        ("from", first.unwrap_or_default()),
                        ("to", last.unwrap_or_default()),
                    ],
                ),
                name: name.clone(),
                bars: bars(&values),
                rows: p
                    .reports
                    .iter()
                    .zip(&values)
                    .map(|(r, v)| {
                        (
                            month_label(lang, &r.month),
                            v.map(|n| n.to_string()).unwrap_or_else(|| "–".into()),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    PromiseBlock {
        id: p.id.0,
        href: format!("/public/promises/{}", p.id),
        title: p.title.clone(),
        statement: p.statement.clone(),
        description: p.description.clone(),
        area: p.area_name.clone(),
        period: period_text(lang, &p.first_month, p.last_month.as_deref()),
        activities: p
            .activities
            .iter()
            .map(|a| (a.text.clone(), owner_label(lang, a.owner.code())))
            .collect(),
        indicators,
        reports: p
            .reports
            .iter()
            .rev()
            .map(|r| ReportBlock {
                anchor: format!("month-{}", r.month),
                month: month_label(lang, &r.month),
                done_text: r.done_text.clone(),
                comments: r.comments.clone(),
                published: r.published_at.local_display(),
                values: p
                    .indicators
                    .iter()
                    .map(|(id, name)| {
                        (
                            name.clone(),
                            value_of(r, *id)
                                .map(|n| n.to_string())
                                .unwrap_or_else(|| "–".into()),
                        )
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "promises/public_list.html")]
struct ListPage {
    shell: Shell,
    promises: Vec<PromiseBlock>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let promises = state
        .trygg
        .public_promises()
        .await?
        .iter()
        .map(|p| block(ctx.lang, p))
        .collect();
    let page = ListPage {
        shell: Shell::new(&ctx, ctx.lang.t("public-promises-title")),
        promises,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "promises/public_promise.html")]
struct PromisePage {
    shell: Shell,
    p: PromiseBlock,
}

pub async fn promise(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let p = state.trygg.public_promise(PromiseId(id)).await?;
    let page = PromisePage {
        shell: Shell::new(&ctx, p.title.clone()),
        p: block(ctx.lang, &p),
    };
    Ok(render(&page))
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids other control characters (the domain refuses them too).
            c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// One entry of the feed, ready to write.
pub struct AtomEntry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub updated: String,
    pub summary: String,
}

/// An Atom 1.0 feed document (RFC 4287): id, title, updated, a self and an alternate
/// link, an author, and the entries.
pub struct AtomFeed<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub updated: &'a str,
    pub self_link: &'a str,
    pub html_link: &'a str,
    pub author: &'a str,
    pub lang: &'a str,
    pub entries: &'a [AtomEntry],
}

impl AtomFeed<'_> {
    pub fn to_xml(&self) -> String {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        x.push_str(&format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
            xml_escape(self.lang)
        ));
        x.push_str(&format!("  <id>{}</id>\n", xml_escape(self.id)));
        x.push_str(&format!("  <title>{}</title>\n", xml_escape(self.title)));
        x.push_str(&format!(
            "  <updated>{}</updated>\n",
            xml_escape(self.updated)
        ));
        x.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            xml_escape(self.self_link)
        ));
        x.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_escape(self.html_link)
        ));
        x.push_str(&format!(
            "  <author><name>{}</name></author>\n",
            xml_escape(self.author)
        ));
        for e in self.entries {
            x.push_str("  <entry>\n");
            x.push_str(&format!("    <id>{}</id>\n", xml_escape(&e.id)));
            x.push_str(&format!("    <title>{}</title>\n", xml_escape(&e.title)));
            x.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                xml_escape(&e.link)
            ));
            x.push_str(&format!(
                "    <updated>{}</updated>\n",
                xml_escape(&e.updated)
            ));
            x.push_str(&format!(
                "    <summary type=\"text\">{}</summary>\n",
                xml_escape(&e.summary)
            ));
            x.push_str("  </entry>\n");
        }
        x.push_str("</feed>\n");
        x
    }
}

/// `GET /public/promises.atom`: one entry per published report, newest first.
pub async fn feed(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> PageResult {
    let base = super::walks::base_url(&state, &headers);
    let lang = ctx.lang;
    let entries = state.trygg.promise_feed().await?;
    let author = state
        .trygg
        .db
        .home_organisation()
        .await
        .map_err(trygg_core::Error::from)?
        .map(|o| o.name)
        .unwrap_or_else(|| "Trygg".into());
    let updated = entries
        .iter()
        .map(|e| e.report.published_at)
        .max()
        .unwrap_or(trygg_domain::time::Instant::from_micros(0))
        .rfc3339();
    let atom: Vec<AtomEntry> = entries
        .iter()
        .map(|e| {
            let r = &e.report;
            let mut summary = r.done_text.clone();
            for v in &r.values {
                summary.push_str(&format!(
                    "\n{}: {}",
                    v.name,
                    v.value.map(|n| n.to_string()).unwrap_or_else(|| "–".into())
                ));
            }
            if let Some(c) = &r.comments {
                summary.push_str(&format!("\n{c}"));
            }
            AtomEntry {
                id: format!("{base}/public/promises/{}#month-{}", r.promise_id, r.month),
                title: format!("{}: {}", e.promise_title, month_label(lang, &r.month)),
                link: format!("{base}/public/promises/{}#month-{}", r.promise_id, r.month),
                updated: r.published_at.rfc3339(),
                summary,
            }
        })
        .collect();
    let self_link = format!("{base}/public/promises.atom");
    let body = AtomFeed {
        id: &self_link,
        title: &lang.t("public-promises-feed-title"),
        updated: &updated,
        self_link: &self_link,
        html_link: &format!("{base}/public/promises"),
        author: &author,
        lang: lang.code(),
        entries: &atom,
    }
    .to_xml();
    let mut res: Response = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            xml_escape("a<b>&\"c\"'d'\u{7}"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_skip_missing_months() {
        let b = bars(&[Some(0), None, Some(39), Some(78)]);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].height, 1);
        assert_eq!(b[1].height, 39);
        assert_eq!(b[2].height, 78);
        assert_eq!(b[2].y, 2);
        assert_eq!(b[1].x, 2 * 66 + 1);
    }
}
