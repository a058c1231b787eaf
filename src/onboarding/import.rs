//! Association bulk onboarding from CSV or XLSX. Each valid row creates a business, invites
//! its owner and files its ODR application; each bad row is reported with its line and
//! reasons. Rows are keyed by credit code, so uploading the same file again changes nothing.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::business::{
    BusinessText, Conditions, apply_for_unit, check_references, new_business_row, parse_business,
};
use super::{AccountInput, InviteError, Inviter, Membership, new_user_row};
use crate::domain::contact::EmailAddress;
use crate::domain::region::RegionCode;
use crate::domain::role::StaffRole;
use crate::domain::text::BoundedText;
use crate::error::{FieldError, FieldErrors};
use crate::i18n::Lang;
use crate::security::pii::PiiCipher;
use crate::store::businesses::{find_business_by_uscc, insert_business};
use crate::store::reference::Association;
use crate::store::units::Actor;
use crate::store::users::{find_user_by_email, insert_user};
use crate::store::{DbConn, StoreError};

/// A column of the import file, with the headers accepted for it (English or Chinese).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Uscc,
    Name,
    IndustryCode,
    RegionCode,
    Address,
    ContactName,
    ContactPhone,
    OwnerName,
    OwnerEmail,
    HandlingPlace,
    Staff,
    Computer,
    DedicatedPhone,
    WrittenProcedure,
}

impl Column {
    /// Every column; all are required.
    pub const ALL: [Column; 14] = [
        Self::Uscc,
        Self::Name,
        Self::IndustryCode,
        Self::RegionCode,
        Self::Address,
        Self::ContactName,
        Self::ContactPhone,
        Self::OwnerName,
        Self::OwnerEmail,
        Self::HandlingPlace,
        Self::Staff,
        Self::Computer,
        Self::DedicatedPhone,
        Self::WrittenProcedure,
    ];

    /// The English header, also used as the field name in row errors.
    pub fn name(self) -> &'static str {
        self.headers()[0]
    }

    /// Accepted headers: English first, then Chinese.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Self::Uscc => &["uscc", "统一社会信用代码"],
            Self::Name => &["name", "企业名称", "名称"],
            Self::IndustryCode => &["industry_code", "行业代码"],
            Self::RegionCode => &["region_code", "行政区划代码", "地区代码"],
            Self::Address => &["address", "经营地址", "地址"],
            Self::ContactName => &["contact_name", "联系人"],
            Self::ContactPhone => &["contact_phone", "投诉电话", "联系电话"],
            Self::OwnerName => &["owner_name", "负责人姓名"],
            Self::OwnerEmail => &["owner_email", "负责人邮箱"],
            Self::HandlingPlace => &["has_handling_place", "有处理场所"],
            Self::Staff => &["has_staff", "有专门人员"],
            Self::Computer => &["has_computer", "有电脑"],
            Self::DedicatedPhone => &["has_dedicated_phone", "有专用电话"],
            Self::WrittenProcedure => &["has_written_procedure", "有书面流程"],
        }
    }

    fn from_header(header: &str) -> Option<Self> {
        let header = header.trim().trim_start_matches('\u{feff}').to_lowercase();
        Self::ALL
            .iter()
            .copied()
            .find(|column| column.headers().contains(&header.as_str()))
    }
}

/// One data row of the file; `line` counts the header as line 1.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: usize,
    cells: HashMap<Column, String>,
}

impl RawRow {
    fn get(&self, column: Column) -> &str {
        self.cells.get(&column).map(String::as_str).unwrap_or("")
    }
}

/// The file as a whole cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportFileError {
    #[error("the file is neither CSV nor XLSX: {0}")]
    Unreadable(String),
    #[error("the file has no header row")]
    Empty,
    #[error("the header row lacks the columns: {}", .0.join(", "))]
    MissingColumns(Vec<&'static str>),
    #[error("the file has more than {0} rows; split it")]
    TooManyRows(usize),
    #[error("the sheet has cells beyond column {0} (the import reads at most {1} columns)")]
    TooManyColumns(String, usize),
    #[error("the XLSX file unpacks to more than {0} KiB; save only the member list in it")]
    TooLargeUnpacked(u64),
}

impl ImportFileError {
    /// The refusal of the upload's `file` field, with what the portal's sentence for it names
    /// (`field_error-invalid_import_file`: the reason, and the limit or the columns).
    pub fn field_error(&self) -> crate::error::FieldError {
        let arg = |name: &str, value: String| (name.to_string(), value);
        let args = match self {
            Self::Unreadable(_) => vec![arg("reason", "unreadable".into())],
            Self::Empty => vec![arg("reason", "empty".into())],
            Self::MissingColumns(names) => {
                let zh: Vec<&str> = (Column::ALL.iter())
                    .filter(|c| names.contains(&c.name()))
                    .map(|c| c.headers().get(1).copied().unwrap_or(c.name()))
                    .collect();
                vec![
                    arg("reason", "missing_columns".into()),
                    arg("columns", names.join(", ")),
                    arg("columns_zh", zh.join("、")),
                ]
            }
            Self::TooManyRows(rows) => {
                vec![
                    arg("reason", "too_many_rows".into()),
                    arg("rows", rows.to_string()),
                ]
            }
            Self::TooManyColumns(column, most) => vec![
                arg("reason", "too_many_columns".into()),
                arg("column", column.clone()),
                arg("most", most.to_string()),
            ],
            Self::TooLargeUnpacked(kib) => vec![
                arg("reason", "unpacks_too_large".into()),
                arg("kib", kib.to_string()),
            ],
        };
        crate::error::FieldError {
            args,
            ..crate::error::FieldError::new("file", "invalid_import_file", self.to_string())
        }
    }
}

/// Most columns a sheet may use: the 14 of the import and room for notes beside them.
pub const MAX_COLUMNS: usize = 64;

/// How many times its own size an XLSX file may unpack to. An XLSX is a zip archive; a few
/// kilobytes can unpack to gigabytes, so the archive is measured before anything is parsed.
/// A member list unpacks to about five times its size.
pub const MAX_UNPACK_FACTOR: u64 = 16;

/// Reads the rows of a CSV (UTF-8, with or without BOM, or GB18030 as saved by Excel) or
/// XLSX file (first sheet). Reading is sparse and bounded: memory and time grow with the
/// cells a file holds, never with where they are, and a file past `max_rows` data rows or
/// [`MAX_COLUMNS`] columns is refused as soon as that shows. It blocks: call it off the async
/// threads.
pub fn read_rows(
    bytes: &[u8],
    max_rows: usize,
    max_file_bytes: usize,
) -> Result<Vec<RawRow>, ImportFileError> {
    let mut table = Table::new(max_rows);
    if bytes.starts_with(b"PK\x03\x04") {
        let max_unpacked = u64::try_from(max_file_bytes)
            .unwrap_or(u64::MAX)
            .saturating_mul(MAX_UNPACK_FACTOR);
        xlsx_table(bytes, max_unpacked, &mut table)?;
    } else {
        csv_table(bytes, &mut table)?;
    }
    let mut lines = table.rows.into_iter();
    let (_, header) = lines.next().ok_or(ImportFileError::Empty)?;
    let columns: Vec<Option<Column>> = header
        .iter()
        .map(|h| Column::from_header(h.as_str()))
        .collect();
    let missing: Vec<&'static str> = Column::ALL
        .into_iter()
        .filter(|c| !columns.contains(&Some(*c)))
        .map(Column::name)
        .collect();
    if !missing.is_empty() {
        return Err(ImportFileError::MissingColumns(missing));
    }
    Ok(lines
        .map(|(index, record)| RawRow {
            line: index + 1,
            cells: columns
                .iter()
                .zip(record)
                .filter_map(|(column, cell)| column.map(|c| (c, cell.trim().to_string())))
                .collect(),
        })
        .collect())
}

/// The non-blank rows of a sheet, by their 0-based index, header first; it refuses a cell
/// past the row and column limits as soon as one arrives.
struct Table {
    rows: Vec<(usize, Vec<String>)>,
    max_rows: usize,
}

impl Table {
    fn new(max_rows: usize) -> Self {
        Self {
            rows: Vec::new(),
            max_rows,
        }
    }

    /// Adds the text of the cell at (`row`, `column`); blank cells are skipped. Cells come
    /// row by row.
    fn add(&mut self, row: usize, column: usize, text: String) -> Result<(), ImportFileError> {
        if text.trim().is_empty() {
            return Ok(());
        }
        if text.contains('\0') {
            return Err(ImportFileError::Unreadable(format!(
                "the cell in column {} of line {} holds the NUL character",
                column_name(column.min(MAX_COLUMNS)),
                row + 1
            )));
        }
        if column >= MAX_COLUMNS {
            return Err(ImportFileError::TooManyColumns(
                column_name(MAX_COLUMNS - 1),
                MAX_COLUMNS,
            ));
        }
        if self.rows.last().is_none_or(|(last, _)| *last != row) {
            // The header and at most `max_rows` data rows, within the first `max_rows + 1`
            // lines (blank lines count: a cell on line 200,000 is no member list).
            if self.rows.len() > self.max_rows || row > self.max_rows {
                return Err(ImportFileError::TooManyRows(self.max_rows));
            }
            if self.rows.last().is_some_and(|(last, _)| *last > row) {
                return Err(ImportFileError::Unreadable(
                    "the sheet's rows are out of order".into(),
                ));
            }
            self.rows.push((row, Vec::new()));
        }
        if let Some((_, cells)) = self.rows.last_mut() {
            if cells.len() <= column {
                cells.resize(column + 1, String::new());
            }
            cells[column] = text;
        }
        Ok(())
    }
}

/// The spreadsheet name of a 0-based column: 0 is `A`, 63 is `BL`.
fn column_name(mut column: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + u8::try_from(column % 26).unwrap_or(0));
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    name.iter().rev().map(|b| char::from(*b)).collect()
}

fn csv_table(bytes: &[u8], table: &mut Table) -> Result<(), ImportFileError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text.trim_start_matches('\u{feff}')),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(ImportFileError::Unreadable(
                    "text is neither UTF-8 nor GB18030".into(),
                ));
            }
            decoded
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    while reader
        .read_record(&mut record)
        .map_err(|e| ImportFileError::Unreadable(e.to_string()))?
    {
        for (column, cell) in record.iter().enumerate() {
            table.add(row, column, cell.to_string())?;
        }
        row += 1;
    }
    Ok(())
}

/// Sums what the archive's members unpack to, reading (and dropping) at most `max` bytes in
/// all: the sizes the archive declares may lie.
fn check_unpacked_size(bytes: &[u8], max: u64) -> Result<(), ImportFileError> {
    let unreadable = |e: &dyn std::fmt::Display| ImportFileError::Unreadable(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut total = 0u64;
    for index in 0..archive.len() {
        let member = archive.by_index(index).map_err(|e| unreadable(&e))?;
        let allowance = max - total;
        let mut bounded = std::io::Read::take(member, allowance + 1);
        let read = std::io::copy(&mut bounded, &mut std::io::sink()).map_err(|e| unreadable(&e))?;
        if read > allowance {
            return Err(ImportFileError::TooLargeUnpacked(max / 1024));
        }
        total += read;
    }
    Ok(())
}

fn xlsx_table(bytes: &[u8], max_unpacked: u64, table: &mut Table) -> Result<(), ImportFileError> {
    check_unpacked_size(bytes, max_unpacked)?;
    let unreadable = |e: calamine::XlsxError| ImportFileError::Unreadable(e.to_string());
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(unreadable)?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(ImportFileError::Empty)?;
    // Cell by cell: a sheet's declared dimensions (A1:XFD1048576) are never allocated.
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(unreadable)?;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let text = cell_text(&Data::from(cell.get_value().clone()));
        let index = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
        table.add(index(row), index(column), text)?;
    }
    Ok(())
}

/// Spreadsheet cells as text; whole numbers (phones, codes) without a decimal point.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// Business created, owner invited, application filed.
    Created,
    /// A business with this credit code exists already; nothing changed.
    Unchanged,
    /// The row has errors; nothing was written for it.
    Rejected,
}

/// The report line of one row.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct RowReport {
    pub line: usize,
    pub uscc: String,
    pub name: String,
    pub outcome: RowOutcome,
    pub business_id: Option<String>,
    pub errors: Vec<FieldError>,
}

/// The report of an import.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub rows: Vec<RowReport>,
}

/// What an import needs besides the connection.
#[derive(Debug, Clone)]
pub struct ImportContext<'a> {
    pub pii: &'a PiiCipher,
    pub inviter: &'a Inviter,
    pub association: &'a Association,
    pub actor: Actor<'a>,
    pub now: DateTime<Utc>,
}

/// Why an import failed as a whole (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Invite(#[from] InviteError),
    #[error("the association's region code is invalid")]
    AssociationRegion,
}

impl From<super::business::ApplyError> for ImportError {
    fn from(error: super::business::ApplyError) -> Self {
        match error {
            super::business::ApplyError::Store(e) => Self::Store(e),
            other => Self::Store(StoreError::Corrupt(other.to_string())),
        }
    }
}

/// Imports `rows` in one transaction and reports on each.
pub fn import_members(
    conn: &mut DbConn,
    ctx: &ImportContext<'_>,
    rows: &[RawRow],
) -> Result<ImportReport, ImportError> {
    let area = RegionCode::parse(&ctx.association.region_code)
        .map_err(|_| ImportError::AssociationRegion)?;
    crate::store::write_transaction(conn, |conn| {
        let mut seen = HashSet::new();
        let mut reports = Vec::with_capacity(rows.len());
        for row in rows {
            reports.push(import_row(conn, ctx, &area, row, &mut seen)?);
        }
        let count = |outcome| {
            reports
                .iter()
                .filter(|r: &&RowReport| r.outcome == outcome)
                .count()
        };
        Ok(ImportReport {
            created: count(RowOutcome::Created),
            unchanged: count(RowOutcome::Unchanged),
            rejected: count(RowOutcome::Rejected),
            rows: reports,
        })
    })
}

fn parse_flag(errors: &mut FieldErrors, column: Column, value: &str) -> bool {
    match value.trim().to_lowercase().as_str() {
        "是" | "有" | "yes" | "y" | "true" | "1" => true,
        "否" | "无" | "no" | "n" | "false" | "0" => false,
        _ => {
            errors.add(column.name(), "invalid_flag", "write 是/否 or yes/no");
            false
        }
    }
}

fn import_row(
    conn: &mut DbConn,
    ctx: &ImportContext<'_>,
    area: &RegionCode,
    row: &RawRow,
    seen: &mut HashSet<String>,
) -> Result<RowReport, ImportError> {
    let mut report = RowReport {
        line: row.line,
        uscc: row.get(Column::Uscc).to_uppercase(),
        name: row.get(Column::Name).to_string(),
        outcome: RowOutcome::Rejected,
        business_id: None,
        errors: Vec::new(),
    };
    let mut errors = FieldErrors::default();
    let text = BusinessText {
        uscc: row.get(Column::Uscc),
        name: row.get(Column::Name),
        industry_code: row.get(Column::IndustryCode),
        region_code: row.get(Column::RegionCode),
        address: row.get(Column::Address),
        contact_name: row.get(Column::ContactName),
        contact_phone: row.get(Column::ContactPhone),
    };
    let business = parse_business(&mut errors, "", &text);
    let owner_name = errors.check(
        Column::OwnerName.name(),
        "invalid_length",
        BoundedText::parse(row.get(Column::OwnerName), 1, 50),
    );
    let owner_email = errors.check(
        Column::OwnerEmail.name(),
        "invalid_email",
        EmailAddress::parse(row.get(Column::OwnerEmail)),
    );
    let conditions = Conditions {
        handling_place: parse_flag(
            &mut errors,
            Column::HandlingPlace,
            row.get(Column::HandlingPlace),
        ),
        staff: parse_flag(&mut errors, Column::Staff, row.get(Column::Staff)),
        computer: parse_flag(&mut errors, Column::Computer, row.get(Column::Computer)),
        dedicated_phone: parse_flag(
            &mut errors,
            Column::DedicatedPhone,
            row.get(Column::DedicatedPhone),
        ),
        written_procedure: parse_flag(
            &mut errors,
            Column::WrittenProcedure,
            row.get(Column::WrittenProcedure),
        ),
    };
    if errors.is_empty() {
        for unmet in conditions.unmet() {
            errors.add(
                &format!("has_{unmet}"),
                "condition_not_met",
                "an ODR unit must meet all five conditions",
            );
        }
    }
    let (Some(business), Some(owner_name), Some(owner_email), true) =
        (business, owner_name, owner_email, errors.is_empty())
    else {
        report.errors = errors.into_vec();
        return Ok(report);
    };
    report.uscc = business.uscc.to_string();
    if !seen.insert(report.uscc.clone()) {
        errors.add(
            "uscc",
            "duplicate_in_file",
            "the same credit code appears on an earlier line",
        );
        report.errors = errors.into_vec();
        return Ok(report);
    }
    if let Some(existing) = find_business_by_uscc(conn, business.uscc.as_str())? {
        report.outcome = RowOutcome::Unchanged;
        report.business_id = Some(existing.id);
        return Ok(report);
    }
    check_references(conn, &mut errors, "", &business, Some(area))?;
    if find_user_by_email(conn, owner_email.as_str())?.is_some() {
        errors.add(
            Column::OwnerEmail.name(),
            "email_taken",
            "an account with this email already exists",
        );
    }
    if !errors.is_empty() {
        report.errors = errors.into_vec();
        return Ok(report);
    }
    let row = new_business_row(&business, Some(&ctx.association.id), ctx.now);
    insert_business(conn, &row)?;
    let owner = new_user_row(
        ctx.pii,
        &AccountInput {
            display_name: owner_name.into_string(),
            email: Some(owner_email),
            phone: None,
            language: Lang::Zh,
        },
        &Membership::staff(&row.id, StaffRole::Owner),
        None,
        ctx.now,
    );
    insert_user(conn, &owner)?;
    apply_for_unit(conn, &row.id, conditions, ctx.actor, ctx.now)?;
    ctx.inviter.invite(conn, &owner, &row.name, ctx.now)?;
    report.outcome = RowOutcome::Created;
    report.business_id = Some(row.id);
    Ok(report)
}
