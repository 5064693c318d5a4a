//! Reading an uploaded file into a table of text cells: CSV (UTF-8 with or without a BOM, or
//! Windows-1252 as Excel writes it; comma, semicolon, tab or pipe separated, detected from the
//! header line) and XLSX (the first worksheet; numbers without a spurious `.0`, dates as ISO
//! dates). The first row is the header; blank headers become `Column N` and repeated ones get
//! ` (2)`, ` (3)`; rows that are entirely empty are dropped. A leading `'` that a CSV export added
//! to defuse a formula (`'+33…`, `'=…`) is taken off again.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// The most rows one import takes.
pub const MAX_ROWS: usize = 1_000_000;
pub const MAX_COLUMNS: usize = 200;
/// The most non-empty cells read from one XLSX sheet: its XML is compressed, so the upload's size
/// alone does not bound what it unpacks to.
const MAX_XLSX_CELLS: usize = 5_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// From the file's first bytes (an XLSX is a ZIP) and, failing that, its name.
    pub fn detect(name: &str, bytes: &[u8]) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if bytes.starts_with(b"PK\x03\x04") {
            return Some(Format::Xlsx);
        }
        if lower.ends_with(".xls") || lower.ends_with(".numbers") || lower.ends_with(".ods") {
            return None;
        }
        Some(Format::Csv)
    }

    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// The file's header and data rows.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Each row's number as a spreadsheet shows it (the file's first row is 1, so the header row
    /// usually is, and blank rows count), so a report's row numbers find the row.
    pub numbers: Vec<usize>,
}

impl Table {
    /// The file's number for row `i` of [`Table::rows`].
    pub fn number(&self, i: usize) -> usize {
        self.numbers.get(i).copied().unwrap_or(i + 1)
    }

    /// The row the file numbers `number`, if it is one of [`Table::rows`].
    pub fn row_numbered(&self, number: usize) -> Option<&Vec<String>> {
        let i = self.numbers.binary_search(&number).ok()?;
        self.rows.get(i)
    }
}

pub fn read(format: Format, bytes: &[u8]) -> Result<Table, String> {
    let cells = match format {
        Format::Csv => read_csv(bytes)?,
        Format::Xlsx => read_xlsx(bytes)?,
    };
    let mut rows = cells
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let (_, header) = rows
        .next()
        .ok_or("The file is empty: it needs a header row and at least one row.")?;
    if header.len() > MAX_COLUMNS {
        return Err(format!(
            "The file has {} columns; at most {MAX_COLUMNS} are imported.",
            header.len()
        ));
    }
    let headers = headers(&header);
    let (numbers, rows): (Vec<usize>, Vec<Vec<String>>) = rows
        .map(|(at, mut r)| {
            r.resize(headers.len(), String::new());
            (at + 1, r)
        })
        .unzip();
    if rows.len() > MAX_ROWS {
        return Err(format!(
            "The file has {} rows; one import takes at most {MAX_ROWS}.",
            rows.len()
        ));
    }
    Ok(Table {
        headers,
        rows,
        numbers,
    })
}

fn headers(row: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(row.len());
    for (i, cell) in row.iter().enumerate() {
        let base = match cell.trim() {
            "" => format!("Column {}", i + 1),
            text => text.chars().take(100).collect(),
        };
        let mut name = base.clone();
        let mut n = 2;
        while out.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        out.push(name);
    }
    out
}

/// The file's text: UTF-8 or UTF-16 by their byte order marks, else UTF-8 when it is valid, else
/// Windows-1252 (what Excel writes for "CSV" on Windows). Binary data is refused: a text file has
/// no NUL bytes and few control characters.
fn decode(bytes: &[u8]) -> Result<String, String> {
    let text = match encoding_rs::Encoding::for_bom(bytes) {
        Some((encoding, bom)) => encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned(),
        None => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
        },
    };
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
        .count();
    if text.contains('\0') || control * 100 > text.chars().count().max(1) {
        return Err("This file is not a CSV or XLSX file (it holds binary data). Save it as CSV or XLSX and upload it again.".into());
    }
    Ok(text)
}

/// The separator used in the header line (outside quotes): the most frequent of `, ; \t |`.
fn separator(text: &str) -> u8 {
    let line = text.lines().next().unwrap_or_default();
    let mut quoted = false;
    let mut counts = [0usize; 4];
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            '|' if !quoted => counts[3] += 1,
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t', b'|'][best]
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator(&text))
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| format!("Line {} of the file cannot be read as CSV: {e}", i + 1))?;
        out.push(record.iter().map(unquote).collect());
        if out.len() > MAX_ROWS + 1 {
            return Err(format!("The file has more than {MAX_ROWS} rows; split it."));
        }
    }
    Ok(out)
}

/// Undoes the formula guard a CSV export adds (`'` before `= + - @`).
fn unquote(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// The first worksheet's cells, streamed: calamine's `worksheet_range` allocates the sheet's whole
/// bounding box first, so a tiny file naming cells `A1` and `XFD1048576` would ask for hundreds of
/// gigabytes. Here a cell past [`MAX_COLUMNS`] or [`MAX_ROWS`] refuses the file before anything
/// that size exists; columns start at the first non-empty one, rows keep their sheet numbers.
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("The file is not a readable XLSX workbook: {e}"))?;
    let sheet = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or("The workbook has no worksheet.")?;
    let unreadable = |e: calamine::XlsxError| format!("The first worksheet cannot be read: {e}");
    let mut reader = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let mut cells: Vec<(usize, usize, String)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        if column >= MAX_COLUMNS {
            return Err(format!(
                "The sheet has cells past column {MAX_COLUMNS}; at most {MAX_COLUMNS} are imported."
            ));
        }
        if row > MAX_ROWS + 1 {
            return Err(format!(
                "The sheet has more than {MAX_ROWS} rows; split it."
            ));
        }
        cells.push((row, column, text));
        if cells.len() > MAX_XLSX_CELLS {
            return Err(format!(
                "The sheet has more than {MAX_XLSX_CELLS} filled cells; split it."
            ));
        }
    }
    // Rows keep their place in the sheet (blank ones are dropped later, their numbers kept).
    let first_column = cells.iter().map(|c| c.1).min().unwrap_or(0);
    let height = cells.iter().map(|c| c.0 + 1).max().unwrap_or(0);
    let mut rows = vec![Vec::new(); height];
    for (row, column, text) in cells {
        let row: &mut Vec<String> = &mut rows[row];
        let at = column - first_column;
        if row.len() <= at {
            row.resize(at + 1, String::new());
        }
        row[at] = text;
    }
    Ok(rows)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => unquote(s),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (*f as i64).to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => {
                at.date().format("%Y-%m-%d").to_string()
            }
            Some(at) => at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            None => d.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csv_files_of_every_usual_shape_are_read() {
        let t = read(
            Format::Csv,
            "\u{feff}Name;Email;\n\"Núñez, Ana\";ana@example.com;x\n;;\nBo;'+33612345678\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(t.headers, ["Name", "Email", "Column 3"]);
        assert_eq!(t.numbers, [2, 4], "the blank row still counts");
        assert_eq!(
            t.rows,
            [
                vec!["Núñez, Ana", "ana@example.com", "x"],
                vec!["Bo", "+33612345678", ""]
            ]
        );
        let latin1 = b"Name,City\nJos\xe9,M\xe1laga\n";
        let t = read(Format::Csv, latin1).unwrap();
        assert_eq!(t.rows[0], ["José", "Málaga"]);
        let t = read(Format::Csv, b"a\tb\tb\n1\t2\t3\n").unwrap();
        assert_eq!(t.headers, ["a", "b", "b (2)"]);
        assert!(read(Format::Csv, b"").is_err());
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Name\nZoë\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(read(Format::Csv, &utf16).unwrap().rows[0], ["Zoë"]);
        let junk: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
        let refused = read(Format::Csv, &junk).unwrap_err();
        assert!(refused.contains("binary"), "{refused}");
        assert!(read(Format::Xlsx, b"PK\x03\x04 not really").is_err());
    }

    #[test]
    fn xlsx_workbooks_are_read() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Name").unwrap();
        sheet.write_string(0, 1, "Phone").unwrap();
        sheet.write_string(0, 2, "Born").unwrap();
        sheet.write_string(1, 0, "Zoë").unwrap();
        sheet.write_number(1, 1, 33612345678.0).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(1990, 5, 1).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_datetime_with_format(1, 2, &date, &format)
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(Format::detect("x.csv", &bytes), Some(Format::Xlsx));
        let t = read(Format::Xlsx, &bytes).unwrap();
        assert_eq!(t.headers, ["Name", "Phone", "Born"]);
        assert_eq!(t.rows[0], ["Zoë", "33612345678", "1990-05-01"]);
    }

    #[test]
    fn xlsx_sheets_reaching_far_cells_are_refused_without_allocating_them() {
        let sheet_of = |far: (u32, u16)| {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet.write_string(0, 0, "Name").unwrap();
            sheet.write_string(far.0, far.1, "far away").unwrap();
            book.save_to_buffer().unwrap()
        };
        // The last cell of a sheet: a bounding box of 1,048,576 × 16,384 cells.
        let refused = read(Format::Xlsx, &sheet_of((1_048_575, 16_383))).unwrap_err();
        assert!(refused.contains("column"), "{refused}");
        let refused = read(Format::Xlsx, &sheet_of((1_048_575, 1))).unwrap_err();
        assert!(refused.contains("rows"), "{refused}");
        // Leading blank columns are not part of the table; rows keep the sheet's numbers.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(3, 2, "Name").unwrap();
        sheet.write_string(3, 3, "Note").unwrap();
        sheet.write_string(5, 3, "late").unwrap();
        let t = read(Format::Xlsx, &book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(t.headers, ["Name", "Note"]);
        assert_eq!(t.rows, [["", "late"]]);
        assert_eq!(t.numbers, [6]);
    }
}
