//! What kind of word an event word is, from jieba's dictionary and its
//! part-of-speech tags: a name (a person, place, organisation, brand, or
//! a word the dictionary does not know, as new names are), a common word,
//! or a function word or fragment that names nothing.

use jieba_rs::Jieba;

/// The kind of an event word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A proper name, an abbreviation, a Latin-letter word, or a word the
    /// dictionary does not hold.
    Name,
    /// A common content word (a noun, verb or adjective of the
    /// dictionary).
    Common,
    /// A function word (adverb, preposition, pronoun, numeral, measure
    /// word, particle…) or a piece of a phrase cut at one: it names
    /// nothing.
    Function,
}

/// Tags of dictionary words that name something particular.
fn is_name_tag(tag: &str) -> bool {
    tag.starts_with("nr") || matches!(tag, "ns" | "nt" | "nz" | "eng" | "j")
}

/// Tags of function words.
fn is_function_tag(tag: &str) -> bool {
    tag.starts_with('u')
        || matches!(
            tag,
            "d" | "p"
                | "c"
                | "r"
                | "m"
                | "mq"
                | "q"
                | "f"
                | "t"
                | "y"
                | "e"
                | "o"
                | "ad"
                | "rr"
                | "rz"
        )
}

/// Tells word kinds apart with jieba's own dictionary.
pub struct Words {
    jieba: &'static Jieba,
}

impl Default for Words {
    fn default() -> Self {
        Words {
            jieba: crate::segment::dictionary(),
        }
    }
}

impl Words {
    /// The kind of `word`.
    pub fn kind(&self, word: &str) -> Kind {
        let tags = self.jieba.tag(word, false);
        match tags.as_slice() {
            [one] if is_function_tag(one.tag) => Kind::Function,
            [one] if is_name_tag(one.tag) => Kind::Name,
            [_] => Kind::Common,
            many => {
                // Unknown to the dictionary: a new name, unless it is a
                // phrase cut at a function word (`分在`).
                if many.iter().any(|t| is_function_tag(t.tag)) {
                    Kind::Function
                } else {
                    Kind::Name
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_words_and_fragments_are_told_apart() {
        let w = Words::default();
        for name in ["埃森哲", "柳州", "lululemon", "武契奇", "富国银行", "沃什"] {
            assert_eq!(w.kind(name), Kind::Name, "{name}");
        }
        for common in ["杠杆", "占领", "底价", "海啸", "北纬"] {
            assert_eq!(w.kind(common), Kind::Common, "{common}");
        }
        for function in ["已经", "今日", "分在", "亿千瓦"] {
            assert_eq!(w.kind(function), Kind::Function, "{function}");
        }
    }
}
