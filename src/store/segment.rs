//! A segment: up to [`SEGMENT_POSTS`] posts of one partition (a calendar
//! month; undated and rejected posts have partitions of their own) with a
//! local vocabulary, written as one file of three blocks (the records, the
//! clean texts, the copy-finding keys) so that each can be read alone.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::ingest::{Field, FileStat, RejectReason, Tolerated};
use crate::time::{epoch_days, from_epoch_days, Day};

/// Posts per segment, at most.
pub const SEGMENT_POSTS: usize = 16_384;
/// Segment file magic (kind and format version).
pub const SEGMENT_MAGIC: &[u8; 8] = b"TTSEG\x00\x00\x01";

/// Where a post lives in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Partition {
    /// The calendar month starting on this day (days since 1970-01-01).
    Month(i32),
    /// Accepted posts without a date (tables without a `date` column).
    Undated,
    /// Posts that cannot be used.
    Rejected,
}

impl Partition {
    /// The partition of a post dated `date` (or rejected).
    pub fn of(date: Option<NaiveDate>, rejected: bool) -> Self {
        use chrono::Datelike;
        match (rejected, date) {
            (true, _) => Partition::Rejected,
            (false, None) => Partition::Undated,
            (false, Some(d)) => Partition::Month(epoch_days(d.with_day(1).expect("day 1"))),
        }
    }

    /// The folder name of the partition: `2024-03`, `undated`, `rejected`.
    pub fn dir_name(self) -> String {
        match self {
            Partition::Month(d) => from_epoch_days(d).format("%Y-%m").to_string(),
            Partition::Undated => "undated".into(),
            Partition::Rejected => "rejected".into(),
        }
    }

    /// The month, for a month partition.
    pub fn month(self) -> Option<NaiveDate> {
        match self {
            Partition::Month(d) => Some(from_epoch_days(d)),
            _ => None,
        }
    }
}

/// What prepare made of an accepted post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Features {
    /// Its date; `None` for undated table rows.
    pub date: Option<Day>,
    /// Its time of day as written, in minutes after midnight, when the
    /// input gives one.
    pub minute: Option<u16>,
    /// Title.
    pub title: String,
    /// The outlet credited in the text.
    pub source: Option<String>,
    /// Front-matter fields other than title and date.
    pub fields: Vec<Field>,
    /// Carried table columns.
    pub extra: Vec<String>,
    /// Forms bent but accepted.
    pub tolerated: Vec<Tolerated>,
    /// Warnings about the post.
    pub warnings: Vec<String>,
    /// How many of `words` come from the title (they come first).
    pub title_words: u32,
    /// The kept words, ids into the segment's vocabulary, in text order.
    pub words: Vec<u32>,
}

/// What finding copies needs of a post, kept apart from its record so
/// that it can be read without the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Keys {
    /// The post.
    pub doc: DocId,
    /// How reports name it.
    pub path: String,
    /// Hash of the text with whitespace removed (exact copies); 0 for a
    /// rejected post.
    pub exact: u128,
    /// MinHash signature of the text's character 5-grams (empty when the
    /// text is too short to compare for near-copies, or rejected).
    pub signature: Vec<u32>,
}

impl Features {
    /// The date as a calendar date.
    pub fn day(&self) -> Option<NaiveDate> {
        self.date.map(Day::date)
    }
}

/// One post of the input as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostRecord {
    /// Its place in the input.
    pub doc: DocId,
    /// Cache key: path below the input folder, or row number.
    pub key: String,
    /// How reports name it.
    pub path: String,
    /// Size, times and inode of the post file (folder input).
    pub stat: Option<FileStat>,
    /// xxh3 of the file's bytes (folder input).
    pub hash: u64,
    /// The post's features, or why it cannot be used.
    pub outcome: std::result::Result<Features, RejectReason>,
}

impl PostRecord {}

/// A segment's vocabulary: sorted words and how many of the segment's
/// accepted posts contain each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Vocabulary {
    /// The words, sorted (a word's local id is its index).
    pub words: Vec<String>,
    /// Posts of the segment containing each word.
    pub df: Vec<u32>,
}

/// A segment as read: the parts asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Its partition.
    pub partition: Partition,
    /// Its vocabulary.
    pub vocab: Vocabulary,
    /// Its current records, in doc order (records no longer current are
    /// left out); empty when not asked for.
    pub records: Vec<PostRecord>,
    /// Each record's clean text (title, then body), when asked for.
    pub texts: Option<Vec<String>>,
    /// Each record's copy-finding keys, when asked for.
    pub keys: Option<Vec<Keys>>,
}

/// Which parts of a segment to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Want {
    /// The records (and the vocabulary).
    pub records: bool,
    /// The texts.
    pub texts: bool,
    /// The copy-finding keys.
    pub keys: bool,
}

impl Want {
    /// The records only.
    pub const RECORDS: Want = Want {
        records: true,
        texts: false,
        keys: false,
    };
    /// The keys only.
    pub const KEYS: Want = Want {
        records: false,
        texts: false,
        keys: true,
    };
    /// The keys and the texts.
    pub const KEYS_AND_TEXTS: Want = Want {
        records: false,
        texts: true,
        keys: true,
    };
    /// Everything.
    pub const ALL: Want = Want {
        records: true,
        texts: true,
        keys: true,
    };
}

#[derive(Serialize, Deserialize)]
struct SegmentHead {
    partition: Partition,
    vocab: Vocabulary,
    records: Vec<PostRecord>,
}

/// Writes a segment file.
pub fn write_segment(
    path: &Path,
    partition: Partition,
    vocab: &Vocabulary,
    records: &[PostRecord],
    texts: &[String],
    keys: &[Keys],
) -> Result<()> {
    #[derive(Serialize)]
    struct HeadRef<'a> {
        partition: Partition,
        vocab: &'a Vocabulary,
        records: &'a [PostRecord],
    }
    let fail = |e| Error::write(path, e);
    let head = codec::encode(&HeadRef {
        partition,
        vocab,
        records,
    })
    .map_err(fail)?;
    let text = codec::encode(&texts).map_err(fail)?;
    let keys = codec::encode(&keys).map_err(fail)?;
    codec::write_blocks(path, SEGMENT_MAGIC, &[&head, &text, &keys])
}

/// Keeps the items whose position is not in `dead` (ascending).
fn alive<T>(items: Vec<T>, dead: &[u32]) -> Vec<T> {
    if dead.is_empty() {
        return items;
    }
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| dead.binary_search(&(*i as u32)).is_err())
        .map(|(_, x)| x)
        .collect()
}

/// Reads the parts `want` of a segment file; `dead` lists record positions
/// no longer current.
pub fn read_segment(path: &Path, dead: &[u32], want: Want) -> std::result::Result<Segment, String> {
    let blocks = codec::read_blocks(path, SEGMENT_MAGIC)?;
    let [head, text, keys] = blocks.as_slice() else {
        return Err("not three blocks".into());
    };
    let (partition, vocab, records) = if want.records {
        let head: SegmentHead = codec::decode(head)?;
        (head.partition, head.vocab, head.records)
    } else {
        #[derive(Deserialize)]
        struct Partial {
            partition: Partition,
        }
        // Only the partition, which comes first.
        let p: Partial = codec::decode_prefix(head)?;
        (p.partition, Vocabulary::default(), Vec::new())
    };
    let texts: Option<Vec<String>> = if want.texts {
        Some(codec::decode(text)?)
    } else {
        None
    };
    let keys: Option<Vec<Keys>> = if want.keys {
        Some(codec::decode(keys)?)
    } else {
        None
    };
    let n_words = vocab.words.len();
    if vocab.df.len() != n_words
        || records.iter().any(|r| {
            r.outcome.as_ref().is_ok_and(|f| {
                f.words.iter().any(|&w| w as usize >= n_words)
                    || f.title_words as usize > f.words.len()
            })
        })
    {
        return Err("word ids out of range (damaged)".into());
    }
    Ok(Segment {
        partition,
        vocab,
        records: alive(records, dead),
        texts: texts.map(|t| alive(t, dead)),
        keys: keys.map(|k| alive(k, dead)),
    })
}
