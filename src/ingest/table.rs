//! Reading posts from a table file (CSV, TSV, Parquet, JSON lines) with polars.
//!
//! A `text` column is required; `title`, `date` and `id` are optional; every
//! other column (a `label`, say) is carried through to the assignments.
//! CSV and TSV are read with every column as text, so that ids like `007`
//! survive. TSV is read without quoting: news texts contain `"` freely.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;
use polars_io::json::{JsonFormat, JsonReader};
use polars_io::prelude::{CsvParseOptions, CsvReadOptions, ParquetReader};
use polars_io::SerReader;

use crate::error::{Error, Result};

/// The table formats understood, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated, `"` quoting, header row.
    Csv,
    /// Tab-separated, no quoting, header row.
    Tsv,
    /// Apache Parquet.
    Parquet,
    /// One JSON object per line.
    JsonLines,
}

impl TableFormat {
    /// The table format for a file extension, if it is one.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Some(TableFormat::Csv),
            "tsv" | "tab" => Some(TableFormat::Tsv),
            "parquet" | "pq" => Some(TableFormat::Parquet),
            "jsonl" | "ndjson" => Some(TableFormat::JsonLines),
            _ => None,
        }
    }
}

/// A table's columns as text, row-aligned.
#[derive(Debug, Default)]
pub struct TableColumns {
    /// The `text` column.
    pub text: Vec<Option<String>>,
    /// The `title` column, if the table has one.
    pub title: Option<Vec<Option<String>>>,
    /// The `date` column, if the table has one.
    pub date: Option<Vec<Option<String>>>,
    /// Names of the carried columns (everything else, `id` included).
    pub extra_names: Vec<String>,
    /// Carried values, one `Vec` per row, in `extra_names` order.
    pub extra: Vec<Vec<String>>,
}

/// Reads a table file into text columns.
pub fn read_table(path: &Path, format: TableFormat) -> Result<TableColumns> {
    let fail = |reason: String| Error::Table {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::open(path).map_err(|e| Error::read(path, e))?;
    let df = match format {
        TableFormat::Csv | TableFormat::Tsv => {
            let (sep, quote) = match format {
                TableFormat::Tsv => (b'\t', None),
                _ => (b',', Some(b'"')),
            };
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .with_parse_options(
                    CsvParseOptions::default()
                        .with_separator(sep)
                        .with_quote_char(quote)
                        .with_truncate_ragged_lines(true),
                )
                .into_reader_with_file_handle(file)
                .finish()
        }
        TableFormat::Parquet => ParquetReader::new(file).finish(),
        TableFormat::JsonLines => JsonReader::new(file)
            .with_json_format(JsonFormat::JsonLines)
            .finish(),
    }
    .map_err(|e| fail(e.to_string()))?;

    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    if !names.iter().any(|n| n == "text") {
        return Err(fail(format!(
            "no 'text' column (columns are: {})",
            names.join(", ")
        )));
    }
    let as_text = |name: &str| -> Result<Vec<Option<String>>> {
        let col = df
            .column(name)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(|e| fail(format!("column '{name}': {e}")))?;
        let ca = col
            .str()
            .map_err(|e| fail(format!("column '{name}': {e}")))?;
        Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
    };

    let mut out = TableColumns {
        text: as_text("text")?,
        ..Default::default()
    };
    let mut extra_cols = Vec::new();
    for name in &names {
        match name.as_str() {
            "text" => {}
            "title" => out.title = Some(as_text(name)?),
            "date" => out.date = Some(as_text(name)?),
            _ => {
                out.extra_names.push(name.clone());
                extra_cols.push(as_text(name)?);
            }
        }
    }
    out.extra = (0..df.height())
        .map(|row| {
            extra_cols
                .iter()
                .map(|col| col[row].clone().unwrap_or_default())
                .collect()
        })
        .collect();
    Ok(out)
}
