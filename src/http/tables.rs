//! Tables downloaded as CSV (UTF-8 with a BOM, so Excel and WPS read the Chinese right) or as
//! XLSX workbooks (one sheet per table), for dispute lists, metrics and reports.

use actix_web::HttpResponse;
use actix_web::http::header;
use rust_xlsxwriter::{Format as CellFormat, Workbook};

use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::i18n::Lang;
pub use crate::tables::{Cell, Table};

/// Which file an export produces, and in which language.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `csv` (UTF-8 with BOM, default) or `xlsx`.
    pub format: Option<String>,
    /// `zh-CN` or `en`: the language of the headers and of every word in the cells (default: the
    /// account's language). Codes for programs sit in their own columns in either.
    pub lang: Option<String>,
}

impl ExportFormat {
    /// The file format, and the language of the export for `auth`; a 422 naming `format` or
    /// `lang` when either is not one of its values.
    pub fn parse(&self, auth: &AuthUser) -> Result<(Format, Lang), ApiError> {
        Ok((
            Format::parse(self.format.as_deref())?,
            export_lang(auth, self.lang.as_deref())?,
        ))
    }
}

/// The language of an export for `auth`: `asked` when given (`zh-CN` or `en`), else the
/// account's. An export is in one language, as the page it comes from (docs/api.md#exports).
pub fn export_lang(auth: &AuthUser, asked: Option<&str>) -> Result<Lang, ApiError> {
    match asked.filter(|tag| !tag.is_empty()) {
        None => Ok(Lang::of(&auth.user.language)),
        Some(tag @ ("zh-CN" | "zh" | "en")) => Ok(Lang::of(tag)),
        Some(_) => Err(ApiError::invalid_field(
            "lang",
            "unsupported_language",
            "use zh-CN or en",
        )),
    }
}

/// CSV or XLSX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// `csv` (default) or `xlsx`; anything else is a 422 naming `format`.
    pub fn parse(input: Option<&str>) -> Result<Self, ApiError> {
        match input.unwrap_or("csv") {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            _ => Err(ApiError::invalid_field(
                "format",
                "invalid_format",
                "csv or xlsx",
            )),
        }
    }
}

/// The tables as CSV: each table's title, header and rows, a blank line between tables.
pub fn to_csv(tables: &[Table]) -> Result<Vec<u8>, ApiError> {
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            out.write_record([""]).map_err(ApiError::internal)?;
        }
        if tables.len() > 1 {
            out.write_record([table.title.as_str()])
                .map_err(ApiError::internal)?;
        }
        out.write_record(&table.headers)
            .map_err(ApiError::internal)?;
        for row in &table.rows {
            out.write_record(row.iter().map(Cell::csv))
                .map_err(ApiError::internal)?;
        }
    }
    out.into_inner().map_err(ApiError::internal)
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str, index: usize) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(28)
        .collect();
    if clean.trim().is_empty() {
        format!("Sheet{}", index + 1)
    } else {
        clean
    }
}

/// The tables as an XLSX workbook, one sheet per table with a bold header row.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, ApiError> {
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let percent = CellFormat::new().set_num_format("0.0%");
    let money = CellFormat::new().set_num_format("#,##0.00");
    for (i, table) in tables.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        sheet
            .set_name(sheet_name(&table.title, i))
            .map_err(ApiError::internal)?;
        for (col, header) in table.headers.iter().enumerate() {
            let col = u16::try_from(col).map_err(ApiError::internal)?;
            sheet
                .write_string_with_format(0, col, header, &bold)
                .map_err(ApiError::internal)?;
            sheet
                .set_column_width(col, 16)
                .map_err(ApiError::internal)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(ApiError::internal)?;
            for (col, cell) in row.iter().enumerate() {
                let col = u16::try_from(col).map_err(ApiError::internal)?;
                let written = match cell {
                    Cell::Text(t) => sheet.write_string(r, col, t).map(drop),
                    Cell::Int(n) => sheet.write_number(r, col, *n as f64).map(drop),
                    Cell::Yuan(fen) => sheet
                        .write_number_with_format(r, col, *fen as f64 / 100.0, &money)
                        .map(drop),
                    Cell::Rate(Some(v)) => sheet
                        .write_number_with_format(r, col, *v, &percent)
                        .map(drop),
                    Cell::Number(Some(v)) => sheet.write_number(r, col, *v).map(drop),
                    Cell::Rate(None) | Cell::Number(None) => Ok(()),
                };
                written.map_err(ApiError::internal)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(ApiError::internal)
}

/// The tables as a download named `<name>.csv` or `<name>.xlsx`.
pub fn download(tables: &[Table], format: Format, name: &str) -> Result<HttpResponse, ApiError> {
    let (bytes, content_type, extension) = match format {
        Format::Csv => (to_csv(tables)?, "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            to_xlsx(tables)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.{extension}\""),
        ))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_starts_with_a_bom_and_formats_values() {
        let table = Table {
            title: "t".into(),
            headers: vec!["金额".into(), "比率".into(), "户数".into()],
            rows: vec![
                vec![Cell::Yuan(388_005), Cell::Rate(Some(0.5)), Cell::Int(3)],
                vec![Cell::Yuan(-150), Cell::Rate(None), Cell::Number(None)],
            ],
        };
        let bytes = to_csv(&[table]).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "金额,比率,户数\n3880.05,50.0%,3\n-1.50,,\n");
    }

    #[test]
    fn sheet_names_are_valid() {
        assert_eq!(sheet_name("Disputes [Nov]: a/b", 0), "Disputes Nov ab");
        assert_eq!(sheet_name("???", 2), "Sheet3");
    }
}
