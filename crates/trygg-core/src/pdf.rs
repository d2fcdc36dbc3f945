//! Accessible PDF reports: a small document model (headings, paragraphs, tables, figures)
//! rendered to a **tagged PDF/UA-1** file, off the async threads.
//!
//! The lägesbild for the municipality's records uses it now; the åtgärdsplan and the
//! safety-walk protocols are meant to use the same model. A caller builds a [`Document`]
//! from data it already holds and calls [`render`]; the layout (line breaking, tables
//! split across pages with repeated headers, page numbers) is done here.
//!
//! # Why krilla and not the typst compiler
//!
//! The architecture named "typst as a library". Measured here (2026-11-25): `typst` +
//! `typst-pdf` 0.15 pull in 373 crates (hyphenation, ICU segmentation, bibliography
//! styles, syntax highlighting, image codecs, a WebAssembly plugin runtime), most of which
//! a report of tables and one map never uses, on a 2-core machine shared by the whole
//! team. `krilla` is the PDF backend typst itself uses, with the same tagging and the same
//! PDF/UA-1 validator; with its text shaper it is 68 crates including the fonts. So we
//! use krilla directly and do the (simple) layout ourselves. krilla's UA-1 validator runs
//! on every render: a figure without alternative text, a missing title or an untagged
//! glyph fails the render instead of producing an inaccessible file.
//!
//! # Fonts
//!
//! Libertinus Serif (regular and bold, SIL OFL 1.1) from the `typst-assets` crate: a free
//! font with the whole Swedish alphabet, embedded in each PDF as a subset of the glyphs
//! used (a lägesbild report is about 70 kB), so no font file lives in the repository and
//! nothing is read from the machine at run time. The price: `typst_assets::fonts()` hands
//! out all 17 faces it bundles as one array, so the binary carries 9.6 MB of fonts it
//! never draws; a font file copied into this repository would be third-party content,
//! which the project keeps out.
//!
//! # Structure
//!
//! Every piece of content is tagged: headings (H1…H3 with their text as title),
//! paragraphs (P), tables (Table › Caption, THead › TR › TH with column scope, TBody ›
//! TR › TH with row scope for the first column where asked, TD), figures (Figure with
//! the alternative text, followed by its caption as a paragraph). Cell borders, header
//! shading and page numbers are artifacts, and table headers repeated on a new page are
//! pagination artifacts, so a screen reader reads each header once.

use std::num::NonZeroU16;

use krilla::configure::{Accessibility, ConfigurationBuilder, PdfVersion, Validator};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, Node, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagKind, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Document as PdfDocument, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::{Error, Result};

/// A report to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document title (metadata, shown by readers in the title bar) and first heading.
    pub title: String,
    /// BCP 47 language of the text, e.g. `sv`.
    pub lang: String,
    /// A one-line description for the metadata.
    pub subject: Option<String>,
    /// Who is responsible (organisation or author), for the metadata.
    pub author: Option<String>,
    /// When the content was fixed (e.g. published), for the metadata; never "now", so the
    /// same content gives the same file.
    pub created: Option<jiff::Timestamp>,
    /// The content after the title, in reading order.
    pub blocks: Vec<Block>,
}

/// One block of content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading, level 2 or 3 (level 1 is the document title).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    Table(Table),
    Figure(Figure),
}

/// A table with a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Shown above the table and tagged as its caption.
    pub caption: String,
    /// Column headers.
    pub columns: Vec<Column>,
    /// Cells by row; a short row is padded with empty cells.
    pub rows: Vec<Vec<String>>,
    /// Whether the first column heads its row (tagged TH with row scope).
    pub row_headers: bool,
}

/// A column header and how the column is aligned.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    /// Right-aligned (numbers).
    pub numeric: bool,
}

impl Column {
    pub fn text(header: impl Into<String>) -> Self {
        Self {
            header: header.into(),
            numeric: false,
        }
    }
    pub fn number(header: impl Into<String>) -> Self {
        Self {
            header: header.into(),
            numeric: true,
        }
    }
}

/// A vector drawing with its alternative text and caption.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// What the figure shows, for readers who cannot see it (required).
    pub alt: String,
    /// Shown under the figure.
    pub caption: String,
    /// The drawing's own coordinate box (y grows downwards); it is scaled to the page.
    pub width: f32,
    pub height: f32,
    pub shapes: Vec<Shape>,
}

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// One element of a drawing, in the figure's coordinates.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<Rgb>,
    },
    /// A short label, its baseline at `y`; `size` in figure units.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
}

/// Renders on a blocking thread: layout, font subsetting and compression are CPU work
/// that would stall the async runtime's few threads.
pub async fn render(doc: Document) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || render_blocking(&doc))
        .await
        .map_err(|e| Error::Internal(format!("pdf task: {e}")))?
}

/// Renders on the current thread (for the command line and tests).
pub fn render_blocking(doc: &Document) -> Result<Vec<u8>> {
    let fonts = Fonts::load()?;
    let mut layout = Layout::new(&fonts);
    layout.document(doc);
    layout.paginate_footer();
    write(doc, &fonts, layout)
}

// ---------------------------------------------------------------------------------------
// Fonts and measuring

/// Page geometry and type sizes, in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.7;
const FOOTER_Y: f32 = PAGE_H - 28.0;
const BODY: f32 = 10.5;
const TABLE_TEXT: f32 = 9.5;
const LEADING: f32 = 1.35;
const CELL_PAD: f32 = 3.5;

struct Face {
    font: Font,
    data: &'static [u8],
}

impl Face {
    fn new(data: &'static [u8]) -> Result<Self> {
        let font = Font::new(data.into(), 0).ok_or_else(|| Error::Internal("pdf font".into()))?;
        FontRef::new(data).map_err(|e| Error::Internal(format!("pdf font: {e}")))?;
        Ok(Self { font, data })
    }

    /// Width of a line of text, from the advance widths (no kerning: line breaking needs
    /// only a close estimate, and the margins absorb the difference).
    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(font) = FontRef::new(self.data) else {
            return 0.0;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| metrics.advance_width(g))
                    .unwrap_or(size * 0.5)
            })
            .sum()
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    fn load() -> Result<Self> {
        // typst-assets lists Libertinus Serif Regular and Bold first; the test
        // `fonts_are_libertinus` keeps that assumption honest.
        let mut all = typst_assets::fonts();
        let regular = all
            .next()
            .ok_or_else(|| Error::Internal("no font".into()))?;
        let bold = all
            .next()
            .ok_or_else(|| Error::Internal("no font".into()))?;
        Ok(Self {
            regular: Face::new(regular)?,
            bold: Face::new(bold)?,
        })
    }

    fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

/// Greedy line breaking at spaces; a word longer than the line is broken by characters.
fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if face.width(word, size) <= width {
                line = word.to_owned();
            } else {
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if face.width(&next, size) > width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
                }
            }
        }
        lines.push(line);
    }
    lines
}

// ---------------------------------------------------------------------------------------
// Layout: blocks become drawing operations on pages plus a structure tree whose leaves
// point at operations.

#[derive(Debug, Clone)]
enum Draw {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mark {
    /// Real content belonging to leaf `n` of the structure tree, text or graphics.
    Span(usize),
    Other(usize),
    Artifact(ArtifactType),
}

#[derive(Debug, Clone)]
struct Op {
    draw: Draw,
    mark: Mark,
}

/// Structure element kinds we use (converted to krilla's tags at the end).
#[derive(Debug, Clone)]
enum Kind {
    Heading(u8, String),
    P,
    Table,
    Caption,
    THead,
    TBody,
    Tr,
    Th(TableHeaderScope),
    Td,
    Figure(String),
}

#[derive(Debug, Clone)]
enum SNode {
    Group(Kind, Vec<SNode>),
    Leaf(usize),
}

struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
    leaves: usize,
    tree: Vec<SNode>,
    /// Headings for the bookmarks: level, text, page index, y.
    outline: Vec<(u8, String, usize, f32)>,
}

const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
const BOTTOM: f32 = PAGE_H - MARGIN - 10.0;

const BORDER: Rgb = Rgb(120, 120, 120);
const HEADER_BG: Rgb = Rgb(228, 232, 238);

impl<'f> Layout<'f> {
    fn new(fonts: &'f Fonts) -> Self {
        Self {
            fonts,
            pages: vec![Vec::new()],
            y: MARGIN,
            leaves: 0,
            tree: Vec::new(),
            outline: Vec::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    fn leaf(&mut self) -> usize {
        self.leaves += 1;
        self.leaves - 1
    }

    fn push(&mut self, draw: Draw, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(Op { draw, mark });
        }
    }

    /// Lines of text as one structure element; returns the element's leaves.
    fn text_lines(&mut self, text: &str, size: f32, bold: bool, x: f32, width: f32) -> Vec<SNode> {
        let line_h = size * LEADING;
        let lines = wrap(self.fonts.face(bold), text, size, width);
        let mut leaves = Vec::new();
        for line in lines {
            self.ensure(line_h);
            self.y += line_h;
            if line.is_empty() {
                continue;
            }
            let leaf = self.leaf();
            self.push(
                Draw::Text {
                    x,
                    y: self.y - line_h * 0.25,
                    size,
                    bold,
                    text: line,
                },
                Mark::Span(leaf),
            );
            leaves.push(SNode::Leaf(leaf));
        }
        leaves
    }

    fn document(&mut self, doc: &Document) {
        self.heading(1, &doc.title);
        for block in &doc.blocks {
            match block {
                Block::Heading { level, text } => self.heading((*level).clamp(2, 3), text),
                Block::Paragraph(text) => {
                    let leaves = self.text_lines(text, BODY, false, MARGIN, CONTENT_W);
                    self.tree.push(SNode::Group(Kind::P, leaves));
                    self.y += BODY * 0.6;
                }
                Block::Table(t) => self.table(t),
                Block::Figure(f) => self.figure(f),
            }
        }
    }

    fn heading(&mut self, level: u8, text: &str) {
        let size = match level {
            1 => 18.0,
            2 => 13.5,
            _ => 11.5,
        };
        // Keep a heading with at least three lines of what follows.
        self.ensure(size * LEADING + 3.0 * BODY * LEADING);
        if self.y > MARGIN {
            self.y += size * 0.5;
        }
        self.outline
            .push((level, text.to_owned(), self.pages.len() - 1, self.y));
        let leaves = self.text_lines(text, size, true, MARGIN, CONTENT_W);
        self.tree
            .push(SNode::Group(Kind::Heading(level, text.to_owned()), leaves));
        self.y += size * 0.35;
    }

    fn table(&mut self, t: &Table) {
        let n = t.columns.len().max(1);
        let widths = self.column_widths(t, n);
        let mut table = Vec::new();

        // Caption above the table.
        self.ensure(BODY * LEADING * 3.0);
        let caption = self.text_lines(&t.caption, BODY, true, MARGIN, CONTENT_W);
        table.push(SNode::Group(Kind::Caption, caption));
        self.y += 2.0;

        let header: Vec<String> = t.columns.iter().map(|c| c.header.clone()).collect();
        let header_row = self.row(t, &widths, &header, true, false, None);
        table.push(SNode::Group(Kind::THead, vec![header_row]));

        let mut body = Vec::new();
        for cells in &t.rows {
            let mut cells = cells.clone();
            cells.resize(n, String::new());
            let height = self.row_height(t, &widths, &cells, false);
            if self.y + height > BOTTOM {
                self.new_page();
                // The header again, as a pagination artifact: read once, seen on each page.
                self.row(t, &widths, &header, true, true, None);
            }
            body.push(self.row(t, &widths, &cells, false, false, Some(height)));
        }
        table.push(SNode::Group(Kind::TBody, body));
        self.tree.push(SNode::Group(Kind::Table, table));
        self.y += BODY;
    }

    fn column_widths(&self, t: &Table, n: usize) -> Vec<f32> {
        let mut natural = vec![0.0_f32; n];
        let mut minimum = vec![0.0_f32; n];
        let rows = std::iter::once(
            t.columns
                .iter()
                .map(|c| c.header.clone())
                .collect::<Vec<_>>(),
        )
        .chain(t.rows.iter().cloned());
        for (r, row) in rows.enumerate() {
            let face = self.fonts.face(r == 0);
            for (i, cell) in row.iter().enumerate().take(n) {
                let w = face.width(cell, TABLE_TEXT) + 2.0 * CELL_PAD;
                natural[i] = natural[i].max(w);
                let longest = cell
                    .split_whitespace()
                    .map(|word| face.width(word, TABLE_TEXT))
                    .fold(0.0, f32::max);
                minimum[i] = minimum[i].max(longest + 2.0 * CELL_PAD);
            }
        }
        let total: f32 = natural.iter().sum();
        if total <= CONTENT_W {
            let extra = (CONTENT_W - total) / n as f32;
            return natural.iter().map(|w| w + extra).collect();
        }
        // Too wide: share the width in proportion to content, but never below the longest
        // word, then squeeze everything evenly if that still overflows.
        let mut widths: Vec<f32> = natural
            .iter()
            .zip(&minimum)
            .map(|(w, m)| (CONTENT_W * w / total).max(m.min(CONTENT_W / n as f32 * 2.0)))
            .collect();
        let sum: f32 = widths.iter().sum();
        if sum > CONTENT_W {
            for w in &mut widths {
                *w *= CONTENT_W / sum;
            }
        }
        widths
    }

    fn row_height(&self, t: &Table, widths: &[f32], cells: &[String], header: bool) -> f32 {
        cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let bold = header || (t.row_headers && i == 0);
                let lines = wrap(self.fonts.face(bold), cell, TABLE_TEXT, w - 2.0 * CELL_PAD);
                lines.len().max(1) as f32 * TABLE_TEXT * LEADING + 2.0 * CELL_PAD
            })
            .fold(0.0, f32::max)
    }

    /// Draws one row at the cursor; returns its TR element (empty for an artifact row).
    fn row(
        &mut self,
        t: &Table,
        widths: &[f32],
        cells: &[String],
        header: bool,
        artifact: bool,
        height: Option<f32>,
    ) -> SNode {
        let height = height.unwrap_or_else(|| self.row_height(t, widths, cells, header));
        if self.y + height > BOTTOM {
            self.new_page();
        }
        let top = self.y;
        let mut x = MARGIN;
        let mut tr = Vec::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let row_header = t.row_headers && i == 0 && !header;
            self.push(
                Draw::Rect {
                    x,
                    y: top,
                    w: *w,
                    h: height,
                    fill: header.then_some(HEADER_BG),
                    stroke: Some((BORDER, 0.5)),
                },
                Mark::Artifact(ArtifactType::Layout),
            );
            let bold = header || row_header;
            let face = self.fonts.face(bold);
            let lines = wrap(face, cell, TABLE_TEXT, w - 2.0 * CELL_PAD);
            let numeric = t.columns.get(i).is_some_and(|c| c.numeric);
            let mut leaves = Vec::new();
            for (k, line) in lines.into_iter().enumerate() {
                if line.is_empty() {
                    continue;
                }
                let line_w = self.fonts.face(bold).width(&line, TABLE_TEXT);
                let tx = if numeric && !header {
                    x + w - CELL_PAD - line_w
                } else {
                    x + CELL_PAD
                };
                let ty = top + CELL_PAD + (k as f32 + 1.0) * TABLE_TEXT * LEADING
                    - TABLE_TEXT * LEADING * 0.25;
                let mark = if artifact {
                    Mark::Artifact(ArtifactType::PaginationOther)
                } else {
                    let leaf = self.leaf();
                    leaves.push(SNode::Leaf(leaf));
                    Mark::Span(leaf)
                };
                self.push(
                    Draw::Text {
                        x: tx,
                        y: ty,
                        size: TABLE_TEXT,
                        bold,
                        text: line,
                    },
                    mark,
                );
            }
            let kind = if header {
                Kind::Th(TableHeaderScope::Column)
            } else if row_header {
                Kind::Th(TableHeaderScope::Row)
            } else {
                Kind::Td
            };
            tr.push(SNode::Group(kind, leaves));
            x += w;
        }
        self.y = top + height;
        SNode::Group(Kind::Tr, tr)
    }

    fn figure(&mut self, f: &Figure) {
        if f.width <= 0.0 || f.height <= 0.0 {
            return;
        }
        let max_h = (BOTTOM - MARGIN) * 0.7;
        let scale = (CONTENT_W / f.width).min(max_h / f.height);
        let (w, h) = (f.width * scale, f.height * scale);
        self.ensure(h + BODY * LEADING * 3.0);
        self.y += 4.0;
        let ox = MARGIN + (CONTENT_W - w) / 2.0;
        let oy = self.y;
        let leaf = self.leaf();
        for shape in &f.shapes {
            let draw = match shape {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => Draw::Rect {
                    x: ox + x * scale,
                    y: oy + y * scale,
                    w: w * scale,
                    h: h * scale,
                    fill: *fill,
                    stroke: stroke.map(|s| (s, 0.5)),
                },
                Shape::Text { x, y, size, text } => Draw::Text {
                    x: ox + x * scale,
                    y: oy + y * scale,
                    size: size * scale,
                    bold: false,
                    text: text.clone(),
                },
            };
            self.push(draw, Mark::Other(leaf));
        }
        self.y = oy + h + 6.0;
        self.tree.push(SNode::Group(
            Kind::Figure(f.alt.clone()),
            vec![SNode::Leaf(leaf)],
        ));
        let caption = self.text_lines(&f.caption, BODY * 0.95, false, MARGIN, CONTENT_W);
        self.tree.push(SNode::Group(Kind::P, caption));
        self.y += BODY;
    }

    /// "Sida 1 av 3" at the foot of each page, as a page-number artifact.
    fn paginate_footer(&mut self) {
        let total = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let text = format!("Sida {} av {}", i + 1, total);
            let w = self.fonts.regular.width(&text, 8.5);
            page.push(Op {
                draw: Draw::Text {
                    x: PAGE_W - MARGIN - w,
                    y: FOOTER_Y,
                    size: 8.5,
                    bold: false,
                    text,
                },
                mark: Mark::Artifact(ArtifactType::PageNumber),
            });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing with krilla

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: krilla::color::rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, d: &Draw) {
    match d {
        Draw::Text {
            x,
            y,
            size,
            bold,
            text,
        } => {
            surface.set_fill(Some(fill(Rgb(0, 0, 0))));
            surface.set_stroke(None);
            surface.draw_text(
                Point::from_xy(*x, *y),
                fonts.face(*bold).font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Draw::Rect {
            x,
            y,
            w,
            h,
            fill: f,
            stroke,
        } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            let Some(path) = pb.finish() else { return };
            surface.set_fill(f.map(fill));
            surface.set_stroke(stroke.map(|(c, width)| Stroke {
                paint: krilla::color::rgb::Color::new(c.0, c.1, c.2).into(),
                width,
                ..Default::default()
            }));
            surface.draw_path(&path);
        }
    }
}

fn write(doc: &Document, fonts: &Fonts, layout: Layout<'_>) -> Result<Vec<u8>> {
    let configuration = ConfigurationBuilder::new()
        .with_version(PdfVersion::Pdf17)
        .set_validator(Validator::Ua(Accessibility::UA1))
        .finish()
        .map_err(|e| Error::Internal(format!("pdf configuration: {e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..Default::default()
    };
    let mut pdf = PdfDocument::new_with(settings);
    let mut identifiers: Vec<Option<Identifier>> = vec![None; layout.leaves];

    for ops in &layout.pages {
        let Some(page_settings) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
            return Err(Error::Internal("pdf page size".into()));
        };
        let mut page = pdf.start_page_with(page_settings);
        let mut surface = page.surface();
        let mut i = 0;
        while i < ops.len() {
            // Consecutive operations of one leaf go into one marked-content sequence.
            let mark = ops[i].mark;
            let tag = match mark {
                Mark::Span(_) => ContentTag::Span(SpanTag::empty()),
                Mark::Other(_) => ContentTag::Other,
                Mark::Artifact(kind) => ContentTag::Artifact(Artifact::with_kind(kind)),
            };
            let id = surface.start_tagged(tag);
            while i < ops.len() && ops[i].mark == mark {
                draw(&mut surface, fonts, &ops[i].draw);
                i += 1;
                if matches!(mark, Mark::Artifact(_)) {
                    break;
                }
            }
            surface.end_tagged();
            if let Mark::Span(leaf) | Mark::Other(leaf) = mark
                && let Some(slot) = identifiers.get_mut(leaf)
            {
                *slot = Some(id);
            }
        }
        surface.finish();
        page.finish();
    }

    let mut tree = TagTree::new().with_lang(Some(doc.lang.clone()));
    for node in &layout.tree {
        if let Some(n) = to_node(node, &mut identifiers) {
            tree.push(n);
        }
    }
    pdf.set_tag_tree(tree);
    pdf.set_outline(outline(&layout.outline));

    let mut metadata = Metadata::new()
        .title(doc.title.clone())
        .language(doc.lang.clone())
        .creator("Trygg".into())
        .producer("Trygg (krilla)".into());
    if let Some(s) = &doc.subject {
        metadata = metadata.description(s.clone());
    }
    if let Some(a) = &doc.author {
        metadata = metadata.authors(vec![a.clone()]);
    }
    if let Some(t) = doc.created {
        let utc = t.to_zoned(jiff::tz::TimeZone::UTC);
        metadata = metadata.creation_date(
            DateTime::new(utc.year().clamp(0, 9999) as u16)
                .month(utc.month() as u8)
                .day(utc.day() as u8)
                .hour(utc.hour() as u8)
                .minute(utc.minute() as u8)
                .second(utc.second() as u8)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        );
    }
    pdf.set_metadata(metadata);
    pdf.finish()
        .map_err(|e| Error::Internal(format!("pdf: {e:?}")))
}

/// Bookmarks from the headings (PDF/UA wants them): the title, its sections, their
/// subsections.
fn outline(headings: &[(u8, String, usize, f32)]) -> Outline {
    let node = |text: &str, page: usize, y: f32| {
        OutlineNode::new(
            text.to_owned(),
            XyzDestination::new(page, Point::from_xy(0.0, y)),
        )
    };
    let mut root = Outline::new();
    let mut title: Option<OutlineNode> = None;
    let mut section: Option<OutlineNode> = None;
    let mut top_level = Vec::new();
    for (level, text, page, y) in headings {
        match level {
            1 => title = Some(node(text, *page, *y).with_open(true)),
            2 => {
                if let Some(s) = section.take() {
                    top_level.push(s);
                }
                section = Some(node(text, *page, *y));
            }
            _ => match section.as_mut() {
                Some(s) => s.push_child(node(text, *page, *y)),
                None => top_level.push(node(text, *page, *y)),
            },
        }
    }
    top_level.extend(section);
    match title {
        Some(mut t) => {
            for s in top_level {
                t.push_child(s);
            }
            root.push_child(t);
        }
        None => top_level.into_iter().for_each(|s| root.push_child(s)),
    }
    root
}

/// Converts our structure tree to krilla's; groups left without content are dropped
/// (krilla discards childless groups anyway), except table cells, which keep the table
/// regular with an empty cell.
fn to_node(node: &SNode, ids: &mut [Option<Identifier>]) -> Option<Node> {
    match node {
        SNode::Leaf(i) => ids.get_mut(*i).and_then(Option::take).map(Node::from),
        SNode::Group(kind, children) => {
            let tag: TagKind = match kind {
                Kind::Heading(level, title) => Tag::Hn(
                    NonZeroU16::new(u16::from(*level)).unwrap_or(NonZeroU16::MIN),
                    Some(title.clone()),
                )
                .into(),
                Kind::P => Tag::P.into(),
                Kind::Table => Tag::Table.into(),
                Kind::Caption => Tag::Caption.into(),
                Kind::THead => Tag::THead.into(),
                Kind::TBody => Tag::TBody.into(),
                Kind::Tr => Tag::TR.into(),
                Kind::Th(scope) => Tag::TH(*scope).into(),
                Kind::Td => Tag::TD.into(),
                Kind::Figure(alt) => Tag::Figure(Some(alt.clone())).into(),
            };
            let children: Vec<Node> = children.iter().filter_map(|c| to_node(c, ids)).collect();
            if children.is_empty() {
                return None;
            }
            Some(TagGroup::with_children(tag, children).into())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn fonts_are_libertinus() {
        let fonts = Fonts::load().unwrap();
        for (face, want) in [(&fonts.regular, "Regular"), (&fonts.bold, "Bold")] {
            let font = FontRef::new(face.data).unwrap();
            let name: String = font
                .localized_strings(skrifa::string::StringId::FULL_NAME)
                .english_or_first()
                .unwrap()
                .chars()
                .collect();
            assert!(name.starts_with("Libertinus Serif"), "{name}");
            assert!(name.ends_with(want) || want == "Regular", "{name}");
        }
    }

    /// A lägesbild-like report: a title, headings, text, a table over two pages and a
    /// map figure with labels, in regular and bold.
    fn sample() -> Document {
        let rows = (0..80)
            .map(|i| {
                vec![
                    format!("Område {i}: Skäggetorp–Ålleberg"),
                    format!("{}", i * 3),
                    format!("{}", i * 2),
                    "↑ ökning".into(),
                ]
            })
            .collect();
        let mut shapes = Vec::new();
        for i in 0..10 {
            shapes.push(Shape::Rect {
                x: i as f32 * 10.0,
                y: 0.0,
                w: 10.0,
                h: 10.0,
                fill: Some(Rgb(200, 30, 30)),
                stroke: Some(Rgb(0, 0, 0)),
            });
            shapes.push(Shape::Text {
                x: i as f32 * 10.0 + 1.0,
                y: 8.0,
                size: 3.0,
                text: format!("Z{i} ÅÄÖ"),
            });
        }
        Document {
            title: "Lägesbild vecka 38, Linköping".into(),
            lang: "sv".into(),
            subject: Some("Veckans lägesbild".into()),
            author: Some("Linköpings kommun".into()),
            created: None,
            blocks: vec![
                Block::Heading {
                    level: 2,
                    text: "Översikt".into(),
                },
                Block::Paragraph(
                    "Skadegörelse och klotter ökade i gångtunneln vid Ålleberg.".into(),
                ),
                Block::Table(Table {
                    caption: "Händelser per område".into(),
                    columns: vec![
                        Column::text("Område"),
                        Column::number("Vecka 38"),
                        Column::number("Snitt 4 v."),
                        Column::text("Förändring"),
                    ],
                    rows,
                    row_headers: true,
                }),
                Block::Figure(Figure {
                    alt: "Karta över hot spots".into(),
                    caption: "Hot spots (Gi*), 95 %".into(),
                    width: 100.0,
                    height: 10.0,
                    shapes,
                }),
            ],
        }
    }

    /// Issue 5: the report carries only the two faces it uses, as subsets, and is small.
    /// Uses poppler's `pdffonts`, as a real reader sees the file.
    #[test]
    fn a_pdf_embeds_only_the_subset_faces_it_uses() {
        let bytes = render_blocking(&sample()).unwrap();
        let path = std::env::temp_dir().join(format!("trygg-fonts-{}.pdf", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new("pdffonts")
            .arg(&path)
            .output()
            .expect("pdffonts (apt-get install poppler-utils)");
        let _ = std::fs::remove_file(&path);
        assert!(out.status.success());
        let listing = String::from_utf8_lossy(&out.stdout).into_owned();
        println!("{} bytes\n{listing}", bytes.len());
        let fonts: Vec<&str> = listing.lines().skip(2).collect();
        assert_eq!(fonts.len(), 2, "{listing}");
        for f in &fonts {
            let cols: Vec<&str> = f.split_whitespace().collect();
            assert!(cols[0].contains("Libertinus"), "{f}");
            // The columns emb, sub, uni: embedded, subset, with a ToUnicode map.
            assert_eq!(
                cols[cols.len() - 5..cols.len() - 2],
                ["yes", "yes", "yes"],
                "{f}"
            );
        }
        assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let fonts = Fonts::load().unwrap();
        let text = "Skadegörelse och klotter ökade kraftigt i gångtunneln vid Ålleberg \
                    under helgen, enligt både polisen och fastighetsägaren.";
        let lines = wrap(&fonts.regular, text, 10.0, 120.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(fonts.regular.width(l, 10.0) <= 120.0, "{l}");
        }
        assert_eq!(
            lines.join(" "),
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
}
