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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn texts(v: &[Option<String>]) -> Vec<Option<&str>> {
        v.iter().map(|s| s.as_deref()).collect()
    }

    #[test]
    fn csv_is_quoted_and_every_column_stays_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "posts.csv",
            "id,title,text,date,label\n\
             007,春运,\"铁路，旅客, \"\"返乡\"\"\n第二行\",2024-01-05,交通\n\
             010,防汛,暴雨,2024-06-01,灾害\n",
        );
        let t = read_table(&p, TableFormat::Csv).unwrap();
        assert_eq!(
            texts(&t.text),
            [Some("铁路，旅客, \"返乡\"\n第二行"), Some("暴雨")]
        );
        assert_eq!(
            texts(t.title.as_ref().unwrap()),
            [Some("春运"), Some("防汛")]
        );
        assert_eq!(
            texts(t.date.as_ref().unwrap()),
            [Some("2024-01-05"), Some("2024-06-01")]
        );
        // Everything else is carried, in column order, as written.
        assert_eq!(t.extra_names, ["id", "label"]);
        assert_eq!(t.extra, [["007", "交通"], ["010", "灾害"]]);
    }

    #[test]
    fn tsv_has_no_quoting() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "posts.tsv",
            "text\tsource\n他说\"春运\"开始了\t新华社\n\"防汛\t央视\n",
        );
        let t = read_table(&p, TableFormat::Tsv).unwrap();
        assert_eq!(texts(&t.text), [Some("他说\"春运\"开始了"), Some("\"防汛")]);
        assert!(t.title.is_none() && t.date.is_none());
        assert_eq!(t.extra_names, ["source"]);
        assert_eq!(t.extra, [["新华社"], ["央视"]]);
    }

    #[test]
    fn json_lines_values_become_text_and_missing_ones_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "posts.jsonl",
            "{\"text\": \"春运\", \"id\": 7, \"label\": \"交通\"}\n\
             {\"text\": \"防汛\", \"id\": 8}\n",
        );
        let t = read_table(&p, TableFormat::JsonLines).unwrap();
        assert_eq!(texts(&t.text), [Some("春运"), Some("防汛")]);
        assert_eq!(t.extra_names, ["id", "label"]);
        assert_eq!(t.extra, [["7", "交通"], ["8", ""]]);
    }

    #[test]
    fn parquet_columns_of_any_type_are_read_as_text() {
        use polars_io::prelude::ParquetWriter;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("posts.parquet");
        let mut df = df!(
            "text" => ["春运铁路", "防汛暴雨"],
            "title" => [Some("春运"), None],
            "views" => [12i64, 30],
            "label" => ["交通", "灾害"],
        )
        .unwrap();
        ParquetWriter::new(File::create(&p).unwrap())
            .finish(&mut df)
            .unwrap();
        let t = read_table(&p, TableFormat::Parquet).unwrap();
        assert_eq!(texts(&t.text), [Some("春运铁路"), Some("防汛暴雨")]);
        assert_eq!(texts(t.title.as_ref().unwrap()), [Some("春运"), None]);
        assert_eq!(t.extra_names, ["views", "label"]);
        assert_eq!(t.extra, [["12", "交通"], ["30", "灾害"]]);
    }

    #[test]
    fn a_table_without_text_names_its_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "posts.csv", "title,body\n春运,铁路\n");
        let e = read_table(&p, TableFormat::Csv).unwrap_err().to_string();
        assert!(e.contains("posts.csv"), "{e}");
        assert!(
            e.contains("no 'text' column (columns are: title, body)"),
            "{e}"
        );
    }

    #[test]
    fn formats_are_chosen_by_extension() {
        assert_eq!(TableFormat::from_extension("CSV"), Some(TableFormat::Csv));
        assert_eq!(TableFormat::from_extension("tab"), Some(TableFormat::Tsv));
        assert_eq!(
            TableFormat::from_extension("pq"),
            Some(TableFormat::Parquet)
        );
        assert_eq!(
            TableFormat::from_extension("ndjson"),
            Some(TableFormat::JsonLines)
        );
        assert_eq!(TableFormat::from_extension("md"), None);
    }
}
