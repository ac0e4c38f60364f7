//! The incremental cache: what reading and segmenting each post produced,
//! so a nightly re-run only reads and segments new or changed posts.
//!
//! One compact binary file (`posts.bin`, serde + bincode) in the cache
//! folder (`DIR/.cache` by default). An entry is keyed by the post's path and
//! the hash (xxh3) of its bytes, and holds the parse result — title, date,
//! clean body, or the reason the post was rejected — and the post's words.
//! The whole file is stamped with a fingerprint of everything that shapes
//! those results: the tool's version, the stop-word lists, the user
//! dictionary, named-theme seed words, the word-length and HMM settings and
//! the body length cap. The file ends with the xxh3 of its contents. A cache
//! with another fingerprint, another format, a wrong checksum or unreadable
//! bytes is discarded with a warning and rebuilt — never trusted.
//! Posts that disappeared from the archive simply are not written again.

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use std::io::Write;

use crate::error::{Error, Result};
use crate::ingest::{IngestParams, RejectReason};
use crate::segment::{KnownWords, SegmentParams, DEFAULT_STOPWORDS};

/// The cache file's name inside the cache folder.
pub const CACHE_FILE: &str = "posts.bin";
/// Format version; bump when the layout or the meaning of a stored value
/// (such as the near-duplicate signature) changes.
const FORMAT: u32 = 8;
/// File magic, so a foreign file is recognised at once.
const MAGIC: &[u8; 8] = b"TTCACHE\0";

/// A post as read and segmented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedPost {
    /// Title.
    pub title: String,
    /// Date, days since 1970-01-01.
    pub date: i32,
    /// Clean body text.
    pub body: String,
    /// The outlet the text credits.
    pub source: Option<String>,
    /// Other front-matter fields.
    pub fields: Vec<crate::ingest::post::Field>,
    /// Forms bent but accepted.
    pub tolerated: Vec<crate::ingest::post::Tolerated>,
    /// Warnings the parse gave.
    pub warnings: Vec<String>,
    /// Kept words, when the post was segmented: (how many from the title,
    /// ids into the cache's vocabulary).
    #[serde(with = "packed::words")]
    pub words: Option<KnownWords>,
    /// Near-duplicate signature (MinHash; empty for short texts), when known.
    #[serde(with = "packed::signature")]
    pub minhash: Option<Vec<u64>>,
}

/// Word-id lists and signatures stored as one little-endian byte string
/// each: bincode then reads a list with one copy instead of element by
/// element (the cache loads several times faster).
mod packed {
    use serde::de::{Error, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::segment::KnownWords;

    /// A fixed-width integer kept little-endian.
    pub trait Int: Copy {
        const SIZE: usize;
        fn put(self, out: &mut Vec<u8>);
        fn get(bytes: &[u8]) -> Self;
    }
    macro_rules! int {
        ($t:ty) => {
            impl Int for $t {
                const SIZE: usize = std::mem::size_of::<$t>();
                fn put(self, out: &mut Vec<u8>) {
                    out.extend_from_slice(&self.to_le_bytes());
                }
                fn get(bytes: &[u8]) -> Self {
                    <$t>::from_le_bytes(bytes.try_into().expect("SIZE bytes"))
                }
            }
        };
    }
    int!(u32);
    int!(u64);

    struct Packed<'a, T>(&'a [T]);

    impl<T: Int> Serialize for Packed<'_, T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut bytes = Vec::with_capacity(self.0.len() * T::SIZE);
            for &x in self.0 {
                x.put(&mut bytes);
            }
            s.serialize_bytes(&bytes)
        }
    }

    struct Unpacked<T>(Vec<T>);

    impl<'de, T: Int> Deserialize<'de> for Unpacked<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Bytes<T>(std::marker::PhantomData<T>);
            impl<T: Int> Visitor<'_> for Bytes<T> {
                type Value = Unpacked<T>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    write!(f, "a byte string of {}-byte integers", T::SIZE)
                }
                fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                    if !v.len().is_multiple_of(T::SIZE) {
                        return Err(E::custom("integer list of a broken length"));
                    }
                    Ok(Unpacked(v.chunks_exact(T::SIZE).map(T::get).collect()))
                }
            }
            d.deserialize_bytes(Bytes(std::marker::PhantomData))
        }
    }

    pub mod words {
        use super::*;

        pub fn serialize<S: Serializer>(w: &Option<KnownWords>, s: S) -> Result<S::Ok, S::Error> {
            w.as_ref().map(|(t, ids)| (*t, Packed(ids))).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<KnownWords>, D::Error> {
            Ok(Option::<(u32, Unpacked<u32>)>::deserialize(d)?.map(|(t, ids)| (t, ids.0)))
        }
    }

    pub mod signature {
        use super::*;

        pub fn serialize<S: Serializer>(m: &Option<Vec<u64>>, s: S) -> Result<S::Ok, S::Error> {
            m.as_deref().map(Packed).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u64>>, D::Error> {
            Ok(Option::<Unpacked<u64>>::deserialize(d)?.map(|m| m.0))
        }
    }
}

/// One post file's entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// xxh3 of the file's bytes.
    pub hash: u64,
    /// What reading it gave.
    pub parsed: std::result::Result<CachedPost, RejectReason>,
}

/// The LSA basis of the run that wrote the cache: one row of `dims`
/// values per word (ids into the cache's vocabulary, ascending).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Basis {
    /// Word id of each row.
    pub words: Vec<u32>,
    /// Values per row.
    pub dims: u32,
    /// Row-major values.
    pub values: Vec<f32>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    format: u32,
    fingerprint: u64,
    vocab: Vec<String>,
    basis: Option<Basis>,
    entries: Vec<(String, Entry)>,
}

/// The cache as loaded.
#[derive(Debug, Default)]
pub struct PostCache {
    entries: HashMap<String, Entry>,
    /// The words the entries' word ids refer to.
    pub vocab: Vec<String>,
    /// The previous run's LSA basis, if it was saved.
    pub basis: Option<Basis>,
}

/// Hash of a post file's bytes, the second half of the cache key.
pub fn content_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Fingerprint of every setting that shapes cached results. Reads the
/// user's stop-word and dictionary files (their contents count, not names).
pub fn fingerprint(segment: &SegmentParams, ingest: &IngestParams) -> Result<u64> {
    let mut h = Xxh3::new();
    let mut field = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(env!("CARGO_PKG_VERSION").as_bytes());
    field(&FORMAT.to_le_bytes());
    field(DEFAULT_STOPWORDS.as_bytes());
    for file in segment.stopword_files() {
        field(&std::fs::read(file).map_err(|e| Error::read(file, e))?);
    }
    if let Some(dict) = segment.user_dict_file() {
        field(&std::fs::read(dict).map_err(|e| Error::read(dict, e))?);
    }
    for w in segment.get_extra_words() {
        field(w.as_bytes());
    }
    field(&(segment.get_min_chars() as u64).to_le_bytes());
    field(&[segment.get_hmm() as u8]);
    field(&(ingest.get_max_chars() as u64).to_le_bytes());
    Ok(h.digest())
}

impl PostCache {
    /// Loads the cache in `dir`. A missing cache is empty; an unusable one
    /// is empty with a warning saying why.
    pub fn load(dir: &Path, fingerprint: u64) -> (PostCache, Option<String>) {
        let path = dir.join(CACHE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (PostCache::default(), None)
            }
            Err(e) => {
                return (
                    PostCache::default(),
                    Some(format!("{}: {e}; the cache is rebuilt", path.display())),
                )
            }
        };
        let discard = |why: &str| {
            (
                PostCache::default(),
                Some(format!(
                    "{}: {why}; the cache is discarded and rebuilt",
                    path.display()
                )),
            )
        };
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return discard("not a theme-trends cache");
        };
        // The payload ends with the xxh3 of its bytes: any damage shows.
        let Some((body, sum)) = rest.split_last_chunk::<8>() else {
            return discard("truncated (corrupt)");
        };
        if xxhash_rust::xxh3::xxh3_64(body) != u64::from_le_bytes(*sum) {
            return discard("checksum mismatch (corrupt)");
        }
        let file: CacheFile =
            match bincode::serde::decode_from_slice(body, bincode::config::standard()) {
                Ok((f, used)) if used == body.len() => f,
                Ok(_) => return discard("trailing bytes (corrupt)"),
                Err(e) => return discard(&format!("corrupt ({e})")),
            };
        if file.format != FORMAT {
            return discard(&format!(
                "format {} (this tool writes {FORMAT})",
                file.format
            ));
        }
        if file.fingerprint != fingerprint {
            return discard("made with other segmentation settings, stop words or tool version");
        }
        if file
            .entries
            .iter()
            .filter_map(|(_, e)| e.parsed.as_ref().ok()?.words.as_ref())
            .any(|(t, ids)| {
                *t as usize > ids.len() || ids.iter().any(|&i| i as usize >= file.vocab.len())
            })
        {
            return discard("word ids out of range (corrupt)");
        }
        (
            PostCache {
                entries: file.entries.into_iter().collect(),
                vocab: file.vocab,
                basis: file
                    .basis
                    .filter(|b| b.values.len() == b.words.len() * b.dims as usize),
            },
            None,
        )
    }

    /// The entry for `path` if its content hash still matches.
    pub fn get(&self, path: &str, hash: u64) -> Option<&Entry> {
        self.entries.get(path).filter(|e| e.hash == hash)
    }

    /// Removes and returns the entry of `path` (to move it into the next
    /// cache without a copy).
    pub fn take(&mut self, path: &str) -> Option<Entry> {
        self.entries.remove(path)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Writes a cache file into `dir` (through a temporary file and a rename);
/// the entries' word ids refer to `vocab`.
pub fn save(
    dir: &Path,
    fingerprint: u64,
    vocab: Vec<String>,
    basis: Option<Basis>,
    entries: Vec<(String, Entry)>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let path = dir.join(CACHE_FILE);
    let file = CacheFile {
        format: FORMAT,
        fingerprint,
        vocab,
        basis,
        entries,
    };
    // Encoded straight into the file (no copy of the whole cache in
    // memory), hashed on the way, the hash appended.
    let tmp = dir.join(format!("{CACHE_FILE}.tmp"));
    let out = std::fs::File::create(&tmp).map_err(|e| Error::write(&tmp, e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    out.write_all(MAGIC).map_err(|e| Error::write(&tmp, e))?;
    let mut hashed = Hashed {
        inner: &mut out,
        sum: Xxh3::new(),
    };
    bincode::serde::encode_into_std_write(&file, &mut hashed, bincode::config::standard())
        .map_err(|e| Error::write(&tmp, std::io::Error::other(e)))?;
    let sum = hashed.sum.digest();
    out.write_all(&sum.to_le_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::write(&tmp, e))?;
    drop(out);
    std::fs::rename(&tmp, &path).map_err(|e| Error::write(&path, e))?;
    Ok(path)
}

/// A writer that hashes what passes through it.
struct Hashed<W> {
    inner: W,
    sum: Xxh3,
}

impl<W: Write> Write for Hashed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sum.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(title: &str) -> Entry {
        Entry {
            hash: content_hash(title.as_bytes()),
            parsed: Ok(CachedPost {
                title: title.into(),
                date: 19_000,
                body: "正文".into(),
                source: Some("新华社".into()),
                fields: vec![("tags".into(), vec!["东财滚动新闻".into()])],
                tolerated: vec![],
                warnings: vec![],
                words: Some((1, vec![0, 1, 2])),
                minhash: Some(vec![1, 2, 3]),
            }),
        }
    }

    fn vocab() -> Vec<String> {
        ["春运", "旅客", "铁路"].map(String::from).to_vec()
    }

    #[test]
    fn entries_come_back_only_for_the_same_content() {
        let dir = tempfile::tempdir().unwrap();
        save(
            dir.path(),
            7,
            vocab(),
            None,
            vec![("a.md".into(), entry("a"))],
        )
        .unwrap();
        let (c, warning) = PostCache::load(dir.path(), 7);
        assert!(warning.is_none());
        assert_eq!(c.get("a.md", content_hash(b"a")), Some(&entry("a")));
        assert!(c.get("a.md", content_hash(b"changed")).is_none());
        assert!(c.get("b.md", content_hash(b"a")).is_none());
    }

    #[test]
    fn other_settings_or_corrupt_bytes_are_discarded_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        save(
            dir.path(),
            7,
            vocab(),
            None,
            vec![("a.md".into(), entry("a"))],
        )
        .unwrap();
        let (c, warning) = PostCache::load(dir.path(), 8);
        assert!(c.is_empty());
        assert!(warning.unwrap().contains("settings"));

        let path = dir.path().join(CACHE_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes.truncate(n - 5);
        std::fs::write(&path, &bytes).unwrap();
        let (c, warning) = PostCache::load(dir.path(), 7);
        assert!(c.is_empty());
        assert!(warning.unwrap().contains("corrupt"));

        // One changed byte anywhere (here in the middle of a title).
        save(
            dir.path(),
            7,
            vocab(),
            None,
            vec![("a.md".into(), entry("春运"))],
        )
        .unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes
            .windows(6)
            .position(|w| w == "春运".as_bytes())
            .unwrap();
        bytes[at + 1] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let (c, warning) = PostCache::load(dir.path(), 7);
        assert!(c.is_empty());
        assert!(warning.unwrap().contains("checksum"));

        std::fs::write(&path, b"garbage").unwrap();
        let (_, warning) = PostCache::load(dir.path(), 7);
        assert!(warning.unwrap().contains("not a theme-trends cache"));
    }

    #[test]
    fn the_fingerprint_follows_the_stop_words() {
        let dir = tempfile::tempdir().unwrap();
        let stop = dir.path().join("stop.txt");
        std::fs::write(&stop, "甲\n").unwrap();
        let base = fingerprint(&SegmentParams::default(), &IngestParams::default()).unwrap();
        let with = fingerprint(
            &SegmentParams::default().stopwords(&stop),
            &IngestParams::default(),
        )
        .unwrap();
        std::fs::write(&stop, "乙\n").unwrap();
        let changed = fingerprint(
            &SegmentParams::default().stopwords(&stop),
            &IngestParams::default(),
        )
        .unwrap();
        assert_ne!(base, with);
        assert_ne!(with, changed);
        assert_eq!(
            base,
            fingerprint(&SegmentParams::default(), &IngestParams::default()).unwrap()
        );
    }
}
