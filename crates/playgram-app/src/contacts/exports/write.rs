//! Writing contacts as CSV, JSON or XLSX: the same columns in CSV and XLSX, re-importable (the
//! headers are ones the import recognises), and the API's own objects in JSON.

use crate::contacts::fields::FieldSet;
use crate::contacts::model::{Contact, ContactOut};
use playgram_core::time::rfc3339;

/// A cell a spreadsheet will not run as a formula.
pub fn safe_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

const FIXED: [&str; 17] = [
    "ID",
    "Name",
    "Emails",
    "Phones",
    "Tags",
    "WhatsApp ID",
    "Instagram ID",
    "Instagram username",
    "Messenger PSID",
    "Manychat ID",
    "Website visitor",
    "Locale",
    "Timezone",
    "Source",
    "Created at",
    "Updated at",
    "Last seen at",
];

pub fn headers(fields: &FieldSet) -> Vec<String> {
    let mut out: Vec<String> = FIXED.iter().map(|h| h.to_string()).collect();
    out.extend(fields.fields.iter().map(|f| f.label.clone()));
    out
}

/// The cells of one contact, in the order of [`headers`].
pub fn cells(contact: &Contact, fields: &FieldSet) -> Vec<String> {
    let p = &contact.parts;
    let r = &contact.row;
    let identity = |channel: &str| {
        p.identities
            .iter()
            .filter(|i| i.channel == channel)
            .map(|i| i.external_id.clone())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let username = p
        .identities
        .iter()
        .filter(|i| i.channel == "instagram")
        .filter_map(|i| i.username.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = vec![
        r.id.to_string(),
        r.name.clone(),
        p.emails.join("; "),
        p.phones.join("; "),
        p.tags
            .iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
            .join("; "),
        identity("whatsapp"),
        identity("instagram"),
        username,
        identity("messenger"),
        identity("manychat"),
        identity("website"),
        r.locale.clone().unwrap_or_default(),
        r.timezone.clone().unwrap_or_default(),
        r.source.clone(),
        rfc3339(r.created_at),
        rfc3339(r.updated_at),
        if r.last_seen_at > 0 {
            rfc3339(r.last_seen_at)
        } else {
            String::new()
        },
    ];
    for field in &fields.fields {
        let rows: Vec<&(playgram_core::ids::FieldId, String, Option<f64>)> = p
            .values
            .iter()
            .filter(|(id, _, _)| id == &field.id)
            .collect();
        out.push(field.kind().to_text(&field.options(), &rows));
    }
    out
}

/// A writer for one format, fed contacts page by page.
pub enum Writer {
    Csv(Box<csv::Writer<Vec<u8>>>),
    Json(Vec<u8>, usize),
    Xlsx(Box<rust_xlsxwriter::Workbook>, u32),
}

impl Writer {
    pub fn new(format: &str, fields: &FieldSet) -> Result<Writer, String> {
        let headers = headers(fields);
        match format {
            "csv" => {
                let mut bom = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
                bom.write_record(headers.iter().map(|h| safe_cell(h)))
                    .map_err(|e| e.to_string())?;
                Ok(Writer::Csv(Box::new(bom)))
            }
            "json" => Ok(Writer::Json(b"[".to_vec(), 0)),
            "xlsx" => {
                let mut book = rust_xlsxwriter::Workbook::new();
                let sheet = book.add_worksheet();
                sheet.set_name("Contacts").map_err(|e| e.to_string())?;
                let bold = rust_xlsxwriter::Format::new().set_bold();
                for (i, h) in headers.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, i as u16, h, &bold)
                        .map_err(|e| e.to_string())?;
                    sheet
                        .set_column_width(i as u16, if i < 2 { 28 } else { 20 })
                        .map_err(|e| e.to_string())?;
                }
                sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
                Ok(Writer::Xlsx(Box::new(book), 1))
            }
            other => Err(format!("`{other}` is not an export format.")),
        }
    }

    pub fn write(&mut self, contact: &Contact, fields: &FieldSet) -> Result<(), String> {
        match self {
            Writer::Csv(w) => w
                .write_record(cells(contact, fields).iter().map(|c| safe_cell(c)))
                .map_err(|e| e.to_string()),
            Writer::Json(out, n) => {
                if *n > 0 {
                    out.push(b',');
                }
                out.push(b'\n');
                serde_json::to_writer(&mut *out, &ContactOut::of(contact, fields))
                    .map_err(|e| e.to_string())?;
                *n += 1;
                Ok(())
            }
            Writer::Xlsx(book, row) => {
                let sheet = book.worksheet_from_index(0).map_err(|e| e.to_string())?;
                for (i, cell) in cells(contact, fields).iter().enumerate() {
                    if !cell.is_empty() {
                        sheet
                            .write_string(*row, i as u16, cell)
                            .map_err(|e| e.to_string())?;
                    }
                }
                *row += 1;
                Ok(())
            }
        }
    }

    pub fn finish(self) -> Result<Vec<u8>, String> {
        match self {
            Writer::Csv(w) => w.into_inner().map_err(|e| e.to_string()),
            Writer::Json(mut out, _) => {
                out.extend_from_slice(b"\n]\n");
                Ok(out)
            }
            Writer::Xlsx(mut book, _) => book.save_to_buffer().map_err(|e| e.to_string()),
        }
    }
}

pub fn content_type(format: &str) -> &'static str {
    match format {
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        _ => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(safe_cell("+33612345678"), "'+33612345678");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("Ana"), "Ana");
    }
}
