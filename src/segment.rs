//! Stage 2, segment: split Chinese text into words with jieba-rs and keep
//! the words that can carry a theme.
//!
//! One [`Segmenter`] (one jieba dictionary, loaded once) is shared by all
//! rayon threads. A token is kept when it has at least `min_chars`
//! characters, has a letter in it (so punctuation, whitespace and pure
//! numbers such as `2023`, `8.7%` or `１２` go), and is not a stop word.
//! Latin letters are lower-cased. The default stop-word list is
//! `data/stopwords.txt`, compiled into the binary; `--stopwords FILE` adds to
//! it. Words are interned: each post becomes a list of `u32` word ids into
//! one vocabulary, sorted so that ids do not depend on thread scheduling.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

use jieba_rs::Jieba;
use rayon::prelude::*;

use crate::error::{Error, Result};

/// The stop-word list shipped with the tool (`data/stopwords.txt`).
pub const DEFAULT_STOPWORDS: &str = include_str!("../data/stopwords.txt");

/// Parameters of the segment stage.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentParams {
    stopword_files: Vec<PathBuf>,
    user_dict: Option<PathBuf>,
    extra_words: Vec<String>,
    min_chars: usize,
    hmm: bool,
}

impl Default for SegmentParams {
    fn default() -> Self {
        SegmentParams {
            stopword_files: Vec::new(),
            user_dict: None,
            extra_words: Vec::new(),
            min_chars: 2,
            hmm: true,
        }
    }
}

impl SegmentParams {
    /// Adds a stop-word file (one word per line, `#` comments).
    pub fn stopwords(mut self, file: impl Into<PathBuf>) -> Self {
        self.stopword_files.push(file.into());
        self
    }

    /// A jieba user dictionary (`word [freq] [tag]` per line).
    pub fn user_dict(mut self, file: Option<PathBuf>) -> Self {
        self.user_dict = file;
        self
    }

    /// Words jieba must keep whole (e.g. named themes' seed words).
    pub fn extra_words(mut self, words: impl IntoIterator<Item = String>) -> Self {
        self.extra_words.extend(words);
        self
    }

    /// Shortest word kept, in characters (default 2: single characters
    /// such as 的, 在, 国 carry little of a theme).
    pub fn min_chars(mut self, n: usize) -> Result<Self> {
        if n == 0 || n > 8 {
            return Err(Error::param("--min-word-chars", "must be between 1 and 8"));
        }
        self.min_chars = n;
        Ok(self)
    }

    /// Whether jieba's HMM guesses words missing from its dictionary (names).
    pub fn hmm(mut self, on: bool) -> Self {
        self.hmm = on;
        self
    }

    /// Shortest word kept, in characters.
    pub fn get_min_chars(&self) -> usize {
        self.min_chars
    }

    /// Words jieba keeps whole.
    pub fn get_extra_words(&self) -> &[String] {
        &self.extra_words
    }

    /// Whether jieba's HMM is on.
    pub fn get_hmm(&self) -> bool {
        self.hmm
    }

    /// The extra stop-word files.
    pub fn stopword_files(&self) -> &[PathBuf] {
        &self.stopword_files
    }

    /// The user dictionary.
    pub fn user_dict_file(&self) -> Option<&Path> {
        self.user_dict.as_deref()
    }
}

/// Parses a word list: one word per line, blank lines and `#` comments skipped.
pub fn parse_word_list(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// A loaded segmenter: jieba dictionary plus stop words.
pub struct Segmenter {
    jieba: Jieba,
    stopwords: HashSet<String>,
    min_chars: usize,
    hmm: bool,
}

impl Segmenter {
    /// Loads jieba's dictionary, the user dictionary and the stop words.
    pub fn new(params: &SegmentParams) -> Result<Self> {
        let mut jieba = Jieba::new();
        if let Some(dict) = &params.user_dict {
            let file = std::fs::File::open(dict).map_err(|e| Error::read(dict, e))?;
            jieba
                .load_dict(&mut std::io::BufReader::new(file))
                .map_err(|e| Error::Resource {
                    what: "user dictionary",
                    path: dict.clone(),
                    reason: e.to_string(),
                })?;
        }
        for w in &params.extra_words {
            let w = w.trim();
            if !w.is_empty() && !w.contains(char::is_whitespace) {
                jieba.add_word(w, None, None);
            }
        }
        let mut stopwords: HashSet<String> = parse_word_list(DEFAULT_STOPWORDS)
            .map(str::to_lowercase)
            .collect();
        for file in &params.stopword_files {
            let bytes = std::fs::read(file).map_err(|e| Error::read(file, e))?;
            let text = String::from_utf8(bytes).map_err(|e| Error::Resource {
                what: "stop-word list",
                path: file.clone(),
                reason: format!("not UTF-8 text ({e})"),
            })?;
            stopwords.extend(parse_word_list(&text).map(str::to_lowercase));
        }
        Ok(Segmenter {
            jieba,
            stopwords,
            min_chars: params.min_chars,
            hmm: params.hmm,
        })
    }

    /// Whether `word` is a stop word.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// The kept words of `text`, in order.
    pub fn words<'a>(&self, text: &'a str) -> Vec<Cow<'a, str>> {
        self.jieba
            .cut(text, self.hmm)
            .into_iter()
            .filter_map(|t| self.keep(t.word))
            .collect()
    }

    fn keep<'a>(&self, word: &'a str) -> Option<Cow<'a, str>> {
        if word.chars().count() < self.min_chars || !is_content_word(word) {
            return None;
        }
        let word = if word.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(word.to_ascii_lowercase())
        } else {
            Cow::Borrowed(word)
        };
        (!self.stopwords.contains(word.as_ref())).then_some(word)
    }
}

/// A word worth counting: no whitespace, at least one letter (CJK
/// ideographs are letters), and not a number written with letters-free
/// symbols. `5G` and `C919` pass; `2023`, `8.7%`, `——` do not.
pub fn is_content_word(word: &str) -> bool {
    !word.is_empty() && !word.chars().any(char::is_whitespace) && word.chars().any(is_letter)
}

/// `char::is_alphabetic` with a fast path for the common CJK ideographs,
/// which would otherwise take the slow Unicode table search.
fn is_letter(c: char) -> bool {
    is_common_cjk(c) || c.is_alphabetic()
}

/// A CJK unified ideograph of the basic block (nearly every character of a
/// Chinese archive).
pub(crate) fn is_common_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Segmented posts: every post as word ids into one vocabulary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Segmented {
    /// The words, sorted; a word's id is its index here.
    pub vocab: Vec<String>,
    /// Per post (same order as the input), its word ids in text order:
    /// first the title's, then the body's.
    pub docs: Vec<Vec<u32>>,
    /// Per post, how many of its leading ids come from the title.
    pub title_len: Vec<u32>,
}

impl Segmented {
    /// The words of post `i` as ids into [`Segmented::vocab`].
    pub fn words_of(&self, i: usize) -> KnownWords {
        (self.title_len[i], self.docs[i].clone())
    }

    /// Number of posts.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there are no posts.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// Words of a post known from the cache: (how many come from the title,
/// word ids into the cache's vocabulary).
pub type KnownWords = (u32, Vec<u32>);

/// Segments `(title, body, known words)` triples in parallel; a post whose
/// words are known (ids into `known_vocab`, from the cache) is not
/// segmented again. `seg` may be `None` only when every post's words are
/// known (loading jieba's dictionary costs about 0.1 s). The result is the
/// same whether words came from the cache or from jieba.
pub fn segment<'a, I>(posts: I, seg: Option<&Segmenter>, known_vocab: &[String]) -> Segmented
where
    I: IndexedParallelIterator<Item = (&'a str, &'a str, Option<&'a KnownWords>)>,
{
    let posts: Vec<(&str, &str, Option<&KnownWords>)> = posts.collect();
    let fresh: Vec<usize> = (0..posts.len()).filter(|&i| posts[i].2.is_none()).collect();
    if fresh.len() == posts.len() {
        return segment_fresh(posts.par_iter().map(|&(t, b, _)| (t, b)), seg);
    }
    let new = segment_fresh(fresh.par_iter().map(|&i| (posts[i].0, posts[i].1)), seg);
    // The vocabulary is every word in use, sorted: the cache's words that
    // known posts still use, and the new posts' words.
    let mut used = vec![false; known_vocab.len()];
    for (_, ids) in posts.iter().filter_map(|p| p.2) {
        for &k in ids {
            used[k as usize] = true;
        }
    }
    let (all, global) = sorted_vocabulary(
        known_vocab
            .iter()
            .zip(&used)
            .filter(|(_, &u)| u)
            .map(|(w, _)| w.as_str())
            .chain(new.vocab.iter().map(String::as_str)),
    );
    let from_known: Vec<u32> = known_vocab
        .iter()
        .zip(&used)
        .map(|(w, &u)| if u { global[w.as_str()] } else { u32::MAX })
        .collect();
    let from_new: Vec<u32> = new.vocab.iter().map(|w| global[w.as_str()]).collect();
    let mut docs: Vec<Vec<u32>> = posts
        .par_iter()
        .map(|p| match p.2 {
            Some((_, ids)) => ids.iter().map(|&k| from_known[k as usize]).collect(),
            None => Vec::new(),
        })
        .collect();
    let mut title_len: Vec<u32> = posts.iter().map(|p| p.2.map_or(0, |(t, _)| *t)).collect();
    for ((&i, ids), t) in fresh.iter().zip(new.docs).zip(new.title_len) {
        docs[i] = ids.into_iter().map(|w| from_new[w as usize]).collect();
        title_len[i] = t;
    }
    Segmented {
        vocab: all.into_iter().map(str::to_string).collect(),
        docs,
        title_len,
    }
}

/// Segments posts with jieba, each chunk of posts interning into its own
/// small vocabulary, merged at the end.
fn segment_fresh<'a, I>(posts: I, seg: Option<&Segmenter>) -> Segmented
where
    I: IndexedParallelIterator<Item = (&'a str, &'a str)>,
{
    let n = posts.len();
    if n == 0 {
        return Segmented::default();
    }
    let seg = seg.expect("a segmenter is loaded when some words are unknown");
    let chunk = (n / (rayon::current_num_threads() * 8)).max(64);
    let parts: Vec<ChunkWords> = posts
        .chunks(chunk)
        .map(|chunk| {
            let mut local = Interner::default();
            let mut docs = Vec::with_capacity(chunk.len());
            let mut title_len = Vec::with_capacity(chunk.len());
            for (title, body) in chunk {
                let mut ids: Vec<u32> = seg.words(title).into_iter().map(|w| local.id(w)).collect();
                title_len.push(ids.len() as u32);
                ids.extend(seg.words(body).into_iter().map(|w| local.id(w)));
                docs.push(ids);
            }
            ChunkWords {
                vocab: local.words,
                docs,
                title_len,
            }
        })
        .collect();
    merge(parts)
}

struct ChunkWords {
    vocab: Vec<String>,
    docs: Vec<Vec<u32>>,
    title_len: Vec<u32>,
}

#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    words: Vec<String>,
}

impl Interner {
    fn id(&mut self, word: Cow<'_, str>) -> u32 {
        if let Some(&id) = self.ids.get(word.as_ref()) {
            return id;
        }
        let id = self.words.len() as u32;
        let word = word.into_owned();
        self.ids.insert(word.clone(), id);
        self.words.push(word);
        id
    }
}

/// The distinct words, sorted (a word's id is its index), and the id of
/// each word.
fn sorted_vocabulary<'a>(
    words: impl Iterator<Item = &'a str>,
) -> (Vec<&'a str>, HashMap<&'a str, u32>) {
    let mut all: Vec<&str> = words.collect();
    all.par_sort_unstable();
    all.dedup();
    let ids = all
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, i as u32))
        .collect();
    (all, ids)
}

/// Merges chunk vocabularies into one sorted vocabulary and remaps ids.
fn merge(parts: Vec<ChunkWords>) -> Segmented {
    let (all, global) = sorted_vocabulary(
        parts
            .iter()
            .flat_map(|p| p.vocab.iter().map(String::as_str)),
    );
    let remaps: Vec<Vec<u32>> = parts
        .iter()
        .map(|p| p.vocab.iter().map(|w| global[w.as_str()]).collect())
        .collect();
    let vocab: Vec<String> = all.iter().map(|w| w.to_string()).collect();
    let mut out = Segmented {
        vocab,
        ..Default::default()
    };
    for (part, remap) in parts.into_iter().zip(&remaps) {
        out.title_len.extend(part.title_len);
        out.docs.extend(part.docs.into_iter().map(|ids| {
            ids.into_iter()
                .map(|i| remap[i as usize])
                .collect::<Vec<u32>>()
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segmenter() -> Segmenter {
        Segmenter::new(&SegmentParams::default()).unwrap()
    }

    #[test]
    fn punctuation_numbers_single_characters_and_stop_words_are_dropped() {
        let seg = segmenter();
        let words: Vec<String> = seg
            .words("2023年，我国GDP增长5.2%，“专精特新”中小企业达到12万家！")
            .into_iter()
            .map(Cow::into_owned)
            .collect();
        assert!(words.contains(&"gdp".to_string()), "{words:?}");
        assert!(words.contains(&"中小企业".to_string()), "{words:?}");
        for w in &words {
            assert!(w.chars().count() >= 2, "{w}");
            assert!(w.chars().any(char::is_alphabetic), "{w}");
            assert!(!seg.is_stopword(w), "{w}");
        }
    }

    #[test]
    fn content_words_keep_letters_and_lose_numbers() {
        assert!(is_content_word("5G"));
        assert!(is_content_word("C919"));
        assert!(!is_content_word("2023"));
        assert!(!is_content_word("8.7%"));
        assert!(!is_content_word("——"));
        assert!(!is_content_word("１２"));
        assert!(!is_content_word("a b"));
    }

    #[test]
    fn ids_are_the_same_whatever_the_chunking() {
        let seg = segmenter();
        let posts: Vec<(String, String)> = (0..300)
            .map(|i| {
                (
                    format!("标题{}", ["春运", "防汛", "外贸"][i % 3]),
                    format!("铁路旅客列车开行{}，港口集装箱吞吐量增长，水库泄洪", i),
                )
            })
            .collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                segment(
                    posts
                        .par_iter()
                        .map(|(t, b)| (t.as_str(), b.as_str(), None)),
                    Some(&seg),
                    &[],
                )
            })
        };
        let one = run(1);
        let two = run(2);
        assert_eq!(one, two);
        let mut sorted = one.vocab.clone();
        sorted.sort();
        assert_eq!(sorted, one.vocab);
        assert!(one.title_len.iter().all(|&t| t >= 1));
    }

    #[test]
    fn extra_words_are_kept_whole() {
        let plain = segmenter();
        assert!(!plain.words("专精特新企业").iter().any(|w| w == "专精特新"));
        let seg = Segmenter::new(&SegmentParams::default().extra_words(["专精特新".to_string()]))
            .unwrap();
        assert!(seg.words("专精特新企业").iter().any(|w| w == "专精特新"));
    }

    #[test]
    fn user_stop_words_are_added() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("stop.txt");
        std::fs::write(&file, "# mine\n铁路\n").unwrap();
        let seg = Segmenter::new(&SegmentParams::default().stopwords(&file)).unwrap();
        let words = seg.words("铁路旅客");
        assert!(words.iter().all(|w| w != "铁路"), "{words:?}");
    }

    #[test]
    fn a_missing_stop_word_file_is_named() {
        let err = Segmenter::new(&SegmentParams::default().stopwords("/nope/stop.txt"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("/nope/stop.txt"), "{err}");
    }

    /// Words taken from the cache give exactly what segmenting anew gives:
    /// the same sorted vocabulary (words of posts no longer present gone)
    /// and the same ids.
    #[test]
    fn cached_words_give_the_same_result_as_segmenting_anew() {
        let seg = segmenter();
        let a = ("春运开始", "铁路部门增开临时旅客列车");
        let b = ("防汛会商", "水利部门部署主汛期防汛工作");
        let c = ("外贸增长", "港口集装箱吞吐量创新高");
        let gone = ("航天发射", "运载火箭成功发射卫星");
        let fresh = |posts: &[(&'static str, &'static str)]| {
            segment(
                posts.par_iter().map(|&(t, b)| (t, b, None)),
                Some(&seg),
                &[],
            )
        };
        // The previous run saw a, gone and c.
        let before = fresh(&[a, gone, c]);
        let known_a = before.words_of(0);
        let known_c = before.words_of(2);
        // This run: a and c from the cache, b new.
        let posts = [
            (a.0, a.1, Some(&known_a)),
            (b.0, b.1, None),
            (c.0, c.1, Some(&known_c)),
        ];
        let mixed = segment(posts.par_iter().copied(), Some(&seg), &before.vocab);
        assert_eq!(mixed, fresh(&[a, b, c]));
        assert!(!mixed.vocab.iter().any(|w| w == "火箭"));
    }
}
