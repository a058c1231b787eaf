//! Tables of figures and lists (reports, exports): plain data, kept as JSON when a report is
//! archived and rendered as CSV or XLSX when downloaded (see `http::tables`).

use serde::{Deserialize, Serialize};

/// A value in a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Money in fen, shown in yuan with two decimals.
    Yuan(i64),
    /// A rate 0–1, shown as a percentage; empty when there is nothing to rate.
    Rate(Option<f64>),
    /// A plain number; empty when absent.
    Number(Option<f64>),
}

/// Text as a CSV cell: text that a spreadsheet would run as a formula (it begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, which spreadsheets show as
/// text and do not display.
pub fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

impl Cell {
    /// The cell as CSV shows it.
    pub fn csv(&self) -> String {
        match self {
            Self::Text(t) => csv_text(t),
            Self::Int(n) => n.to_string(),
            Self::Yuan(fen) => format!("{}.{:02}", fen / 100, (fen % 100).abs()),
            Self::Rate(r) => r.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_default(),
            Self::Number(n) => n.map(|n| format!("{n:.2}")).unwrap_or_default(),
        }
    }
}

/// A titled table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_is_shown_as_text() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(Cell::Text(formula.into()).csv(), format!("'{formula}"));
        }
        assert_eq!(Cell::Text("退款 = 500".into()).csv(), "退款 = 500");
        assert_eq!(Cell::Yuan(-500).csv(), "-5.00", "numbers stay numbers");
    }
}
