//! Segment (used by `prepare`, layer 3): split Chinese text into words with jieba-rs and keep
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

use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;
use std::path::PathBuf;

use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text::is_common_cjk;

/// The stop-word list shipped with the tool (`data/stopwords.txt`).
pub const DEFAULT_STOPWORDS: &str = include_str!("../data/stopwords.txt");

/// Parameters of the segment stage.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentParams {
    /// Extra stop words, one per line (`#` starts a comment); adds to the
    /// built-in list (data/stopwords.txt). May be repeated.
    #[arg(long, value_name = "FILE", help_heading = "Words")]
    pub stopwords: Vec<PathBuf>,

    /// A jieba user dictionary (`word [freq] [tag]` per line) for names and
    /// terms jieba splits wrongly.
    #[arg(long, value_name = "FILE", help_heading = "Words")]
    pub user_dict: Option<PathBuf>,

    /// Shortest word kept, in characters (single characters such as 的, 在,
    /// 国 carry little of a theme).
    #[arg(long, default_value_t = 2, value_name = "N", help_heading = "Words")]
    pub min_word_chars: usize,

    /// Do not let jieba guess unknown words (names) with its HMM.
    #[arg(long, help_heading = "Words")]
    pub no_hmm: bool,

    /// Words jieba keeps whole: the named themes' seed words (set by
    /// [`crate::params::Params::check`], not a flag).
    #[arg(skip)]
    pub extra_words: Vec<String>,
}

impl Default for SegmentParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl SegmentParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if self.min_word_chars == 0 || self.min_word_chars > 8 {
            return Err(Error::param("--min-word-chars", "must be between 1 and 8"));
        }
        Ok(())
    }

    /// Everything that shapes the words of a post, as bytes: the settings,
    /// and the contents (not the names) of the stop-word and dictionary
    /// files. Part of the store's fingerprint.
    pub fn shaping_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut field = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(bytes);
        };
        field(DEFAULT_STOPWORDS.as_bytes());
        for file in &self.stopwords {
            field(&std::fs::read(file).map_err(|e| Error::read(file, e))?);
        }
        if let Some(dict) = &self.user_dict {
            field(&std::fs::read(dict).map_err(|e| Error::read(dict, e))?);
        }
        for w in &self.extra_words {
            field(w.as_bytes());
        }
        field(&(self.min_word_chars as u64).to_le_bytes());
        field(&[self.no_hmm as u8]);
        Ok(out)
    }
}

/// Parses a word list: one word per line, blank lines and `#` comments skipped.
pub fn parse_word_list(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// jieba with its own dictionary, loaded once per process (about 0.1 s of
/// CPU) and shared: by every segmenter that adds no words of its own, and
/// by the events' word kinds.
pub(crate) fn dictionary() -> &'static Jieba {
    static DICTIONARY: std::sync::OnceLock<Jieba> = std::sync::OnceLock::new();
    DICTIONARY.get_or_init(Jieba::new)
}

/// Loads [`dictionary`] on a thread of its own, so that the load overlaps
/// the run's first stages (reading, copies) instead of waiting for the
/// stage that needs it first.
/// When the system refuses a thread, the dictionary loads when first
/// needed, as without this.
pub(crate) fn load_dictionary_ahead() {
    let _ = std::thread::Builder::new()
        .name("jieba-dictionary".into())
        .spawn(|| {
            dictionary();
        });
}

/// The jieba a segmenter cuts with.
enum Dictionary {
    /// jieba's own, shared.
    Shared(&'static Jieba),
    /// With a user dictionary or extra words.
    Own(Box<Jieba>),
}

/// A loaded segmenter: jieba dictionary plus stop words.
pub struct Segmenter {
    jieba: Dictionary,
    stopwords: HashSet<String>,
    min_chars: usize,
    hmm: bool,
}

impl Segmenter {
    /// Takes jieba's dictionary (shared, [`dictionary`]; a copy of its own
    /// with the user dictionary and the extra words, when given) and loads
    /// the stop words.
    pub fn new(params: &SegmentParams) -> Result<Self> {
        let extra: Vec<&str> = params
            .extra_words
            .iter()
            .map(|w| w.trim())
            .filter(|w| !w.is_empty() && !w.contains(char::is_whitespace))
            .collect();
        let jieba = if params.user_dict.is_none() && extra.is_empty() {
            Dictionary::Shared(dictionary())
        } else {
            Dictionary::Own(Box::new(Self::own_dictionary(params, &extra)?))
        };
        let mut stopwords: HashSet<String> = parse_word_list(DEFAULT_STOPWORDS)
            .map(str::to_lowercase)
            .collect();
        for file in &params.stopwords {
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
            min_chars: params.min_word_chars,
            hmm: !params.no_hmm,
        })
    }

    /// jieba's dictionary with the user dictionary and the extra words.
    fn own_dictionary(params: &SegmentParams, extra: &[&str]) -> Result<Jieba> {
        let mut jieba = dictionary().clone();
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
        for w in extra {
            jieba.add_word(w, None, None);
        }
        Ok(jieba)
    }

    /// Whether `word` is a stop word.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// The kept words of `text`, in order.
    pub fn words<'a>(&self, text: &'a str) -> Vec<Cow<'a, str>> {
        let jieba: &Jieba = match &self.jieba {
            Dictionary::Shared(j) => j,
            Dictionary::Own(j) => j,
        };
        jieba
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
    fn extra_words_are_kept_whole() {
        let plain = segmenter();
        assert!(!plain.words("专精特新企业").iter().any(|w| w == "专精特新"));
        let params = SegmentParams {
            extra_words: vec!["专精特新".to_string()],
            ..Default::default()
        };
        let seg = Segmenter::new(&params).unwrap();
        assert!(seg.words("专精特新企业").iter().any(|w| w == "专精特新"));
    }

    #[test]
    fn a_user_dictionary_keeps_its_words_whole_and_leaves_the_shared_one_alone() {
        let dir = tempfile::tempdir().unwrap();
        let dict = dir.path().join("dict.txt");
        std::fs::write(&dict, "专精特新 5 n\n").unwrap();
        let params = SegmentParams {
            user_dict: Some(dict),
            ..Default::default()
        };
        let seg = Segmenter::new(&params).unwrap();
        assert!(seg.words("专精特新企业").iter().any(|w| w == "专精特新"));
        // The shared dictionary did not learn the word.
        assert!(!segmenter()
            .words("专精特新企业")
            .iter()
            .any(|w| w == "专精特新"));
    }

    #[test]
    fn user_stop_words_are_added() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("stop.txt");
        std::fs::write(&file, "# mine\n铁路\n").unwrap();
        let params = SegmentParams {
            stopwords: vec![file],
            ..Default::default()
        };
        let seg = Segmenter::new(&params).unwrap();
        let words = seg.words("铁路旅客");
        assert!(words.iter().all(|w| w != "铁路"), "{words:?}");
    }

    #[test]
    fn a_missing_stop_word_file_is_named() {
        let params = SegmentParams {
            stopwords: vec!["/nope/stop.txt".into()],
            ..Default::default()
        };
        let err = Segmenter::new(&params).err().unwrap();
        assert!(err.to_string().contains("/nope/stop.txt"), "{err}");
    }
}
