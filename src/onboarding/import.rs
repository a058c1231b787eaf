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
use crate::notify::messages::Language;
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
            .into_iter()
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
}

/// Reads the rows of a CSV (UTF-8, with or without BOM, or GB18030 as saved by Excel) or
/// XLSX file (first sheet).
pub fn read_rows(bytes: &[u8], max_rows: usize) -> Result<Vec<RawRow>, ImportFileError> {
    let table = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_table(bytes)?
    } else {
        csv_table(bytes)?
    };
    let mut lines = table.into_iter().enumerate();
    let (_, header) = lines.next().ok_or(ImportFileError::Empty)?;
    let columns: Vec<Option<Column>> = header.iter().map(|h| Column::from_header(h)).collect();
    let missing: Vec<&'static str> = Column::ALL
        .into_iter()
        .filter(|c| !columns.contains(&Some(*c)))
        .map(Column::name)
        .collect();
    if !missing.is_empty() {
        return Err(ImportFileError::MissingColumns(missing));
    }
    let mut rows = Vec::new();
    for (index, record) in lines {
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(ImportFileError::TooManyRows(max_rows));
        }
        let cells = columns
            .iter()
            .zip(record)
            .filter_map(|(column, cell)| column.map(|c| (c, cell.trim().to_string())))
            .collect();
        rows.push(RawRow {
            line: index + 1,
            cells,
        });
    }
    Ok(rows)
}

fn csv_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportFileError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(ImportFileError::Unreadable(
                    "text is neither UTF-8 nor GB18030".into(),
                ));
            }
            decoded.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .map(|r| r.iter().map(str::to_string).collect())
                .map_err(|e| ImportFileError::Unreadable(e.to_string()))
        })
        .collect()
}

fn xlsx_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportFileError> {
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| ImportFileError::Unreadable(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(ImportFileError::Empty)?
        .map_err(|e| ImportFileError::Unreadable(e.to_string()))?;
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
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

impl From<diesel::result::Error> for ImportError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(error.into())
    }
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
            language: Language::ZhCn,
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
