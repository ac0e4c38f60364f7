//! Reading posts from a table file (CSV, TSV, Parquet, JSON lines), row by
//! row, never the whole table at once.
//!
//! A `text` column is required; `title` and `date` are optional; every
//! other column (a `label`, an `id`, an outlet) is carried through to the
//! assignments and can be a `--facet`. Values are read as text, so ids
//! like `007` survive. CSV uses `"` quoting; TSV none (news texts contain
//! `"` freely). JSON lines take their columns from the keys of the first
//! rows. Parquet is read in slices of rows with polars.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;
use polars_io::prelude::ParquetReader;
use polars_io::SerReader;

use super::item::{json_lines, Item, Part, Row, What, BLOCK};
use super::reject::RejectReason;
use crate::error::{Error, Result};
use crate::ids::DocId;

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

/// Columns that are not carried: they are the post.
const OWN: [&str; 3] = ["text", "title", "date"];
/// JSON-lines rows whose keys make the columns.
const JSON_SNIFF: usize = 1000;

fn table_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Table {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// All column names of a table, in file order.
fn column_names(path: &Path, format: TableFormat) -> Result<Vec<String>> {
    match format {
        TableFormat::Csv | TableFormat::Tsv => {
            let mut r = csv_reader(path, format)?;
            let header = r
                .byte_headers()
                .map_err(|e| table_error(path, e.to_string()))?;
            header
                .iter()
                .map(|h| {
                    String::from_utf8(h.to_vec())
                        .map(|s| s.trim().to_string())
                        .map_err(|_| table_error(path, "the header is not UTF-8 text"))
                })
                .collect()
        }
        TableFormat::Parquet => {
            let file = File::open(path).map_err(|e| Error::read(path, e))?;
            let schema = ParquetReader::new(file)
                .schema()
                .map_err(|e| table_error(path, e.to_string()))?;
            Ok(schema.iter_names().map(|n| n.to_string()).collect())
        }
        TableFormat::JsonLines => {
            let mut names: Vec<String> = Vec::new();
            for line in json_lines(path)?.take(JSON_SNIFF) {
                let line = line.map_err(|e| Error::read(path, e))?;
                if let Ok(KeysInOrder(keys)) = serde_json::from_str(&line) {
                    for k in keys {
                        if !names.contains(&k) {
                            names.push(k);
                        }
                    }
                }
            }
            Ok(names)
        }
    }
}

/// The keys of a JSON object in the order they are written (a map would
/// sort them).
struct KeysInOrder(Vec<String>);

impl<'de> serde::Deserialize<'de> for KeysInOrder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = KeysInOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<KeysInOrder, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(KeysInOrder(keys))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// The carried columns of a table (every column but text, title and date),
/// checking that it has a `text` column.
pub fn carried_columns(path: &Path, format: TableFormat) -> Result<Vec<String>> {
    let names = column_names(path, format)?;
    if !names.iter().any(|n| n == "text") {
        return Err(table_error(
            path,
            format!("no 'text' column (columns are: {})", names.join(", ")),
        ));
    }
    Ok(names
        .into_iter()
        .filter(|n| !OWN.contains(&n.as_str()))
        .collect())
}

fn csv_reader(path: &Path, format: TableFormat) -> Result<csv::Reader<File>> {
    let file = File::open(path).map_err(|e| Error::read(path, e))?;
    Ok(csv::ReaderBuilder::new()
        .delimiter(if format == TableFormat::Tsv {
            b'\t'
        } else {
            b','
        })
        .quoting(format != TableFormat::Tsv)
        .flexible(true)
        .has_headers(true)
        .from_reader(file))
}

/// Where each part of a row comes from: column positions in the file.
struct Layout {
    text: Option<usize>,
    title: Option<usize>,
    date: Option<usize>,
    extra: Vec<Option<usize>>,
}

impl Layout {
    fn new(names: &[String], carried: &[String]) -> Self {
        let pos = |n: &str| names.iter().position(|x| x == n);
        Layout {
            text: pos("text"),
            title: pos("title"),
            date: pos("date"),
            extra: carried.iter().map(|c| pos(c)).collect(),
        }
    }

    /// A row from its fields as text (`None` for null or missing).
    fn row(&self, field: impl Fn(usize) -> Option<String>) -> Row {
        Row {
            text: self.text.and_then(&field),
            title: self.title.and_then(&field),
            date: self.date.map(&field),
            extra: self
                .extra
                .iter()
                .map(|p| p.and_then(&field).unwrap_or_default())
                .collect(),
        }
    }
}

fn item(path: &Path, doc: u64, what: What) -> Item {
    Item {
        doc: DocId(doc),
        key: doc.to_string(),
        path: format!("{}#{doc}", path.display()),
        what,
    }
}

/// The rows of `part` as input items, lazily.
pub fn rows<'a>(
    path: &'a Path,
    format: TableFormat,
    carried: &'a [String],
    part: Part,
) -> Result<Box<dyn Iterator<Item = Item> + Send + 'a>> {
    let names = column_names(path, format)?;
    let layout = Layout::new(&names, carried);
    match format {
        TableFormat::Csv | TableFormat::Tsv => {
            let reader = csv_reader(path, format)?;
            Ok(Box::new(
                reader
                    .into_byte_records()
                    .enumerate()
                    .filter(move |(i, _)| part.holds(DocId(*i as u64)))
                    .map(move |(i, rec)| {
                        let what = match rec {
                            Err(e) => What::Bad(RejectReason::BadRow(e.to_string())),
                            Ok(rec) => {
                                match rec.iter().position(|f| std::str::from_utf8(f).is_err()) {
                                    Some(col) => What::Bad(RejectReason::Encoding(format!(
                                        "column '{}' is not UTF-8",
                                        names.get(col).map_or("?", String::as_str)
                                    ))),
                                    None => What::Row(layout.row(|c| {
                                        rec.get(c)
                                            .map(|f| String::from_utf8_lossy(f).into_owned())
                                            .filter(|s| !s.is_empty())
                                    })),
                                }
                            }
                        };
                        item(path, i as u64, what)
                    }),
            ))
        }
        TableFormat::JsonLines => {
            let lines = json_lines(path)?;
            Ok(Box::new(
                lines
                    .enumerate()
                    .filter(move |(i, _)| part.holds(DocId(*i as u64)))
                    .map(move |(i, line)| {
                        let what = match line {
                            Err(e) => What::Bad(RejectReason::BadRow(e.to_string())),
                            Ok(line) => match serde_json::from_str::<serde_json::Value>(&line) {
                                Ok(serde_json::Value::Object(map)) => {
                                    What::Row(layout.row(|c| json_text(map.get(&names[c])?)))
                                }
                                Ok(_) => {
                                    What::Bad(RejectReason::BadRow("not a JSON object".into()))
                                }
                                Err(e) => {
                                    What::Bad(RejectReason::BadRow(format!("not JSON ({e})")))
                                }
                            },
                        };
                        item(path, i as u64, what)
                    }),
            ))
        }
        TableFormat::Parquet => Ok(Box::new(ParquetRows::new(path, names, layout, part)?)),
    }
}

/// A JSON value as text: strings as they are, numbers and booleans as
/// written, lists and objects as JSON; null as nothing.
fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()).filter(|s| !s.is_empty()),
        other => Some(other.to_string()),
    }
}

/// Blocks of [`BLOCK`] rows read per Parquet slice, at most.
const SLICE_BLOCKS: u64 = 16;

/// Parquet rows, read a slice at a time.
struct ParquetRows<'a> {
    path: &'a Path,
    names: Vec<String>,
    layout: Layout,
    part: Part,
    total: u64,
    next: u64,
    buffer: std::vec::IntoIter<Item>,
    metadata: Option<polars_io::parquet::metadata::FileMetadataRef>,
}

impl<'a> ParquetRows<'a> {
    fn new(path: &'a Path, names: Vec<String>, layout: Layout, part: Part) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::read(path, e))?;
        let mut reader = ParquetReader::new(file);
        let total = reader
            .num_rows()
            .map_err(|e| table_error(path, e.to_string()))? as u64;
        let metadata = reader.get_metadata().ok().cloned();
        Ok(ParquetRows {
            path,
            names,
            layout,
            part,
            total,
            next: 0,
            buffer: Vec::new().into_iter(),
            metadata,
        })
    }

    /// Reads the next run of this part's blocks.
    fn fill(&mut self) -> Option<Vec<Item>> {
        while self.next < self.total && !self.part.holds(DocId(self.next)) {
            self.next += BLOCK;
        }
        if self.next >= self.total {
            return None;
        }
        let start = self.next;
        let mut end = start;
        while end < self.total && self.part.holds(DocId(end)) && end - start < SLICE_BLOCKS * BLOCK
        {
            end = (end + BLOCK).min(self.total);
        }
        self.next = end;
        Some(self.read(start, end).unwrap_or_else(|e| {
            // The slice cannot be read: each of its rows is rejected with
            // the reason, and the rest of the table goes on.
            (start..end)
                .map(|doc| {
                    item(
                        self.path,
                        doc,
                        What::Bad(RejectReason::BadRow(e.to_string())),
                    )
                })
                .collect()
        }))
    }

    fn read(&self, start: u64, end: u64) -> Result<Vec<Item>> {
        let fail = |e: PolarsError| table_error(self.path, e.to_string());
        let file = File::open(self.path).map_err(|e| Error::read(self.path, e))?;
        let mut reader = ParquetReader::new(file);
        if let Some(md) = &self.metadata {
            reader.set_metadata(md.clone());
        }
        let df = reader
            .with_slice(Some((start as usize, (end - start) as usize)))
            .finish()
            .map_err(fail)?;
        let columns: Vec<Option<StringChunked>> = self
            .names
            .iter()
            .map(|n| {
                df.column(n)
                    .and_then(|c| c.cast(&DataType::String))
                    .ok()
                    .and_then(|c| c.str().ok().cloned())
            })
            .collect();
        Ok((0..df.height())
            .map(|i| {
                let row = self.layout.row(|c| {
                    columns[c]
                        .as_ref()
                        .and_then(|col| col.get(i))
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                });
                item(self.path, start + i as u64, What::Row(row))
            })
            .collect())
    }
}

impl Iterator for ParquetRows<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Some(item);
            }
            self.buffer = self.fill()?.into_iter();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(path: &Path, format: TableFormat) -> (Vec<String>, Vec<Item>) {
        let carried = carried_columns(path, format).unwrap();
        let items = rows(path, format, &carried, Part::WHOLE).unwrap().collect();
        (carried, items)
    }

    #[test]
    fn csv_tsv_and_json_lines_give_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, "id,date,title,text,label\n007,2024-01-02,春运,\"铁路旅客，\"\"加开\"\"列车\",交通\n8,,,只有正文,\n").unwrap();
        let tsv = dir.path().join("t.tsv");
        std::fs::write(&tsv, "id\tdate\ttitle\ttext\tlabel\n007\t2024-01-02\t春运\t铁路旅客，\"加开\"列车\t交通\n8\t\t\t只有正文\t\n").unwrap();
        let jsonl = dir.path().join("t.jsonl");
        std::fs::write(&jsonl, "{\"id\":\"007\",\"date\":\"2024-01-02\",\"title\":\"春运\",\"text\":\"铁路旅客，\\\"加开\\\"列车\",\"label\":\"交通\"}\n{\"id\":\"8\",\"date\":null,\"text\":\"只有正文\",\"label\":null}\n").unwrap();
        for (path, format) in [
            (&csv, TableFormat::Csv),
            (&tsv, TableFormat::Tsv),
            (&jsonl, TableFormat::JsonLines),
        ] {
            let (carried, items) = rows_of(path, format);
            assert_eq!(carried, ["id", "label"], "{format:?}");
            assert_eq!(items.len(), 2);
            assert_eq!(items[1].doc, DocId(1));
            assert!(items[0].path.ends_with("#0"));
            let What::Row(first) = &items[0].what else {
                panic!("{:?}", items[0])
            };
            assert_eq!(
                first.text.as_deref(),
                Some("铁路旅客，\"加开\"列车"),
                "{format:?}"
            );
            assert_eq!(first.title.as_deref(), Some("春运"));
            assert_eq!(first.date, Some(Some("2024-01-02".into())));
            assert_eq!(first.extra, ["007", "交通"]);
            let What::Row(second) = &items[1].what else {
                panic!()
            };
            assert_eq!(second.date, Some(None), "{format:?}");
            assert_eq!(second.extra, ["8", ""]);
        }
    }

    #[test]
    fn parquet_rows_come_in_slices_and_parts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let n = BLOCK as usize * 3 + 17;
        let mut df = df!(
            "date" => (0..n).map(|i| format!("2024-01-{:02}", 1 + i % 28)).collect::<Vec<_>>(),
            "text" => (0..n).map(|i| format!("正文{i}")).collect::<Vec<_>>(),
            "views" => (0..n as i64).collect::<Vec<_>>(),
        )
        .unwrap();
        let file = File::create(&path).unwrap();
        polars_io::prelude::ParquetWriter::new(file)
            .finish(&mut df)
            .unwrap();
        let (carried, items) = rows_of(&path, TableFormat::Parquet);
        assert_eq!(carried, ["views"]);
        assert_eq!(items.len(), n);
        for (i, it) in items.iter().enumerate() {
            assert_eq!(it.doc, DocId(i as u64));
            let What::Row(r) = &it.what else { panic!() };
            assert_eq!(r.text.as_deref(), Some(format!("正文{i}").as_str()));
            assert_eq!(r.extra, [i.to_string()]);
        }
        // Two parts hold every row once.
        let mut seen = vec![0; n];
        for index in 0..2 {
            let part = Part { index, count: 2 };
            for it in rows(&path, TableFormat::Parquet, &carried, part).unwrap() {
                assert!(part.holds(it.doc));
                seen[it.doc.0 as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1));
    }

    #[test]
    fn a_table_without_text_is_refused_naming_its_columns() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, "title,body\na,b\n").unwrap();
        let err = carried_columns(&csv, TableFormat::Csv)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no 'text' column") && err.contains("title, body"),
            "{err}"
        );
    }
}
