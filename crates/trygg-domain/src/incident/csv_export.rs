//! CSV for Swedish Excel, written as a stream.
//!
//! Excel with Swedish settings opens a file by double-click correctly only if it is
//! UTF-8 *with* a byte order mark (else å, ä, ö turn into mojibake), separated by `;`
//! (the Swedish list separator; `,` is the decimal comma), with CRLF line ends.
//! [`CsvExport`] writes exactly that, quoting per RFC 4180.
//!
//! Spreadsheets execute cells that start with `=`, `+`, `-` or `@` as formulas ("CSV
//! injection": a description `=HYPERLINK("http://evil",…)` becomes a live link, DDE
//! payloads can start programs). Every such cell, and every cell starting with a tab or
//! carriage return (which Excel skips before looking for those characters), is prefixed
//! with `'`, which Excel shows as text and does not display. The price: a negative
//! number exported as text gets the `'` too; use [`excel_decimal`] and accept that, or
//! keep signed values out of exports (Swedish coordinates are positive).
//!
//! Dates: [`excel_time`] writes `YYYY-MM-DD HH:MM` in Stockholm local time, which
//! Swedish Excel reads as a date-time. Decimals: [`excel_decimal`] writes a decimal
//! comma, which Swedish Excel reads as a number (with a point it would read text, or
//! worse, a date).

use std::io::{self, Write};

use crate::incident::when::stockholm;
use crate::time::Instant;

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer for Swedish Excel: BOM, `;`, CRLF, RFC 4180 quoting, formula cells
/// neutralised.
///
/// Rows are written to `out` as they come (one `write_all` per row); wrap a socket or
/// file in a [`std::io::BufWriter`]. Call [`CsvExport::finish`] at the end: it writes
/// the BOM of an empty export and flushes.
pub struct CsvExport<W: Write> {
    out: W,
    started: bool,
    line: Vec<u8>,
}

impl<W: Write> CsvExport<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            started: false,
            line: Vec::with_capacity(256),
        }
    }

    /// Writes one row (the header is a row like any other).
    pub fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        self.line.clear();
        if !self.started {
            self.line.extend_from_slice(BOM);
            self.started = true;
        }
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.line.push(b';');
            }
            write_cell(&mut self.line, cell);
        }
        self.line.extend_from_slice(b"\r\n");
        self.out.write_all(&self.line)
    }

    /// The writer, e.g. to take what a page of rows wrote into a `Vec<u8>` and send it
    /// on as one chunk of a streamed response.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Writes the BOM if no row was written (so even an empty export opens as UTF-8),
    /// flushes, and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.started {
            self.out.write_all(BOM)?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Whether a cell would be read as a formula (or lead Excel to look for one).
fn needs_neutralising(cell: &str) -> bool {
    matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

fn write_cell(line: &mut Vec<u8>, cell: &str) {
    let prefix: &[u8] = if needs_neutralising(cell) { b"'" } else { b"" };
    let quote = cell.contains([';', '"', '\n', '\r']);
    if !quote {
        line.extend_from_slice(prefix);
        line.extend_from_slice(cell.as_bytes());
        return;
    }
    line.push(b'"');
    line.extend_from_slice(prefix);
    for (i, part) in cell.split('"').enumerate() {
        if i > 0 {
            line.extend_from_slice(b"\"\"");
        }
        line.extend_from_slice(part.as_bytes());
    }
    line.push(b'"');
}

/// `YYYY-MM-DD HH:MM` in Stockholm local time, for a date-time cell.
pub fn excel_time(t: Instant) -> String {
    match stockholm() {
        Some(tz) => t
            .timestamp()
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        None => t.local_display(),
    }
}

/// `x` with `decimals` decimals and a decimal comma (`58,416110`), for a number cell.
pub fn excel_decimal(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}").replacen('.', ",", 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn export(rows: &[&[&str]]) -> String {
        let mut csv = CsvExport::new(Vec::new());
        for row in rows {
            csv.row(row).unwrap();
        }
        String::from_utf8(csv.finish().unwrap()).unwrap()
    }

    #[test]
    fn bom_semicolons_and_crlf() {
        assert_eq!(
            export(&[&["kategori", "plats"], &["klotter", "Skäggetorp"]]),
            "\u{feff}kategori;plats\r\nklotter;Skäggetorp\r\n"
        );
        assert_eq!(export(&[]), "\u{feff}");
        assert_eq!(export(&[&[]]), "\u{feff}\r\n");
        assert_eq!(export(&[&[""]]), "\u{feff}\r\n");
    }

    #[test]
    fn quotes_per_rfc_4180() {
        assert_eq!(
            export(&[&["a;b", "sa \"hej\"", "rad1\nrad2", "ok, fint"]]),
            "\u{feff}\"a;b\";\"sa \"\"hej\"\"\";\"rad1\nrad2\";ok, fint\r\n"
        );
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(
            export(&[&["=1+2", "+46", "-5", "@SUM(A1)", "\tx", "\rx", "a=b", " =x"]]),
            "\u{feff}'=1+2;'+46;'-5;'@SUM(A1);'\tx;\"'\rx\";a=b; =x\r\n"
        );
        // Neutralised and quoted: the ' goes inside the quotes.
        assert_eq!(
            export(&[&["=HYPERLINK(\"http://x\";\"y\")"]]),
            "\u{feff}\"'=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\"\r\n"
        );
    }

    #[test]
    fn dates_and_decimals_as_swedish_excel_reads_them() {
        let t = Instant::from_timestamp("2026-07-01T10:05:00Z".parse().unwrap());
        assert_eq!(excel_time(t), "2026-07-01 12:05");
        let w = Instant::from_timestamp("2026-12-01T10:05:00Z".parse().unwrap());
        assert_eq!(excel_time(w), "2026-12-01 11:05");
        assert_eq!(excel_decimal(58.41611, 6), "58,416110");
        assert_eq!(excel_decimal(15.5, 1), "15,5");
        assert_eq!(excel_decimal(3.0, 0), "3");
    }

    #[test]
    fn rows_go_out_as_they_come() {
        let mut csv = CsvExport::new(Vec::new());
        csv.row(&["a"]).unwrap();
        assert_eq!(csv.out, b"\xEF\xBB\xBFa\r\n");
        csv.row(&["b"]).unwrap();
        assert_eq!(csv.out, b"\xEF\xBB\xBFa\r\nb\r\n");
    }
}
