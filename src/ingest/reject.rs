//! Why a post was not used.
//!
//! Every post the run sees either reaches the themes or leaves with one of
//! these reasons in `rejected.csv`. The `Display` text is what the user reads
//! there, so it says what is wrong in plain words.

use std::fmt;

/// Where a date was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DateSource {
    /// The front matter's `date` field.
    FrontMatter,
    /// The `YYYY-MM-DD-` prefix of the file name.
    FileName,
    /// The table's `date` column.
    Column,
}

impl fmt::Display for DateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateSource::FrontMatter => "front matter",
            DateSource::FileName => "file name",
            DateSource::Column => "date column",
        })
    }
}

/// Why a post file (or table row) was not used.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum RejectReason {
    /// The file could not be read.
    Unreadable(String),
    /// A table row that cannot be read (not JSON, a broken CSV record, an
    /// unreadable slice of a Parquet file).
    BadRow(String),
    /// The file is empty or whitespace only.
    Empty,
    /// The file holds NUL bytes: not text.
    Binary,
    /// The bytes are not text in a known encoding.
    Encoding(String),
    /// The file does not start with a `---` front matter block.
    NoFrontMatter,
    /// The front matter's closing `---` is missing.
    UnterminatedFrontMatter,
    /// The front matter is not valid YAML.
    InvalidYaml(String),
    /// The front matter is YAML but not a mapping of fields.
    FrontMatterNotMapping,
    /// A front-matter field has the wrong shape.
    BadField {
        /// The field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Neither the front matter nor the file name gives a date.
    NoDate,
    /// The front matter's `date` names no day (`date: +0800`, only a time
    /// zone) and the file name has no `YYYY-MM-DD-` prefix either. The
    /// value is as written.
    DateWithoutDay(String),
    /// A date is present but is not a real date in a known form.
    BadDate {
        /// The date as written.
        value: String,
        /// Where it was found.
        source: DateSource,
    },
    /// A real date, but outside the plausible years (`--years`).
    ImplausibleDate {
        /// The date as written.
        value: String,
        /// Where it was found.
        source: DateSource,
        /// The window it missed.
        years: super::limits::Years,
    },
    /// Dated more than a day after the run's moment (`--now`). Never kept
    /// in the cache: the post is judged again each run, and analysed once
    /// its date has come.
    DatedInFuture {
        /// The post's date.
        date: chrono::NaiveDate,
        /// The run's moment.
        now: chrono::NaiveDateTime,
    },
    /// Handling the post hit a bug of the tool (a panic), caught so that
    /// the run goes on.
    Internal(String),
    /// The body nests elements absurdly deep (malformed or hostile).
    TooDeep(usize),
    /// Neither title nor body holds any text.
    NoText,
    /// The same text as an earlier post.
    Duplicate {
        /// The post kept.
        of: String,
    },
    /// Nearly the same text as an earlier post (a re-publication).
    NearDuplicate {
        /// The post kept.
        of: String,
        /// Estimated Jaccard similarity of their character shingles.
        similarity: f64,
    },
    /// Segmentation left no word (only stop words, numbers, punctuation).
    NoWords,
    /// No word of the post is in the vocabulary after frequency filtering.
    NoTerms,
}

impl RejectReason {
    /// Whether the post is a copy of one that was kept.
    pub fn is_duplicate(&self) -> bool {
        matches!(
            self,
            RejectReason::Duplicate { .. } | RejectReason::NearDuplicate { .. }
        )
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::Unreadable(e) => write!(f, "cannot read the file: {e}"),
            RejectReason::BadRow(e) => write!(f, "unreadable row: {e}"),
            RejectReason::Empty => write!(f, "empty file"),
            RejectReason::Binary => write!(f, "binary file (contains NUL bytes), not a text post"),
            RejectReason::Encoding(e) => write!(f, "unknown text encoding: {e}"),
            RejectReason::NoFrontMatter => {
                write!(f, "no front matter: the file must start with a '---' line")
            }
            RejectReason::UnterminatedFrontMatter => {
                write!(f, "front matter never closed: no second '---' line")
            }
            RejectReason::InvalidYaml(e) => write!(f, "front matter is not valid YAML: {e}"),
            RejectReason::FrontMatterNotMapping => {
                write!(f, "front matter is not a list of 'field: value' lines")
            }
            RejectReason::BadField { field, reason } => {
                write!(f, "front-matter field '{field}': {reason}")
            }
            RejectReason::NoDate => write!(
                f,
                "no date: neither a 'date' field nor a YYYY-MM-DD- file-name prefix"
            ),
            RejectReason::DateWithoutDay(value) => write!(
                f,
                "date '{value}' has no day, and the file name has no YYYY-MM-DD- prefix"
            ),
            RejectReason::BadDate { value, source } => {
                write!(f, "impossible or unreadable date '{value}' in the {source}")
            }
            RejectReason::ImplausibleDate {
                value,
                source,
                years,
            } => write!(
                f,
                "date '{value}' in the {source} is outside the plausible years {years} (--years)"
            ),
            RejectReason::DatedInFuture { date, now } => write!(
                f,
                "dated in the future: {date} is more than a day after the run's moment {} (--now); it is analysed once its date has come",
                now.format("%Y-%m-%d %H:%M")
            ),
            RejectReason::Internal(e) => write!(
                f,
                "internal error: {e} (a bug of theme-trends; the run went on without this post)"
            ),
            RejectReason::TooDeep(d) => write!(
                f,
                "body nests {d} elements deep (at most {} accepted): malformed HTML or Markdown",
                super::limits::MAX_NESTING
            ),
            RejectReason::NoText => write!(f, "no text: title and body are both empty"),
            RejectReason::Duplicate { of } => write!(f, "duplicate of {of}"),
            RejectReason::NearDuplicate { of, similarity } => write!(
                f,
                "near-duplicate of {of} ({:.0}% of the text shared)",
                similarity * 100.0
            ),
            RejectReason::NoWords => write!(
                f,
                "no words left after segmentation (only stop words, numbers or punctuation)"
            ),
            RejectReason::NoTerms => write!(
                f,
                "none of its words is in the vocabulary (all rarer than --min-df or commoner than --max-df)"
            ),
        }
    }
}

/// One post that was not used, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rejection {
    /// The post's doc_id when it had one (a post file or table row).
    pub doc_id: Option<crate::ids::DocId>,
    /// The file (and row, for tables) as the user knows it.
    pub path: String,
    /// Why.
    pub reason: RejectReason,
}
