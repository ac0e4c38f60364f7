//! Text helpers every layer uses: which characters are common CJK
//! ideographs, words interned to `u32` ids ([`Interner`]), and the 32-bit
//! key a word is counted by in the sums ([`word_key`]), and the small hash
//! ([`splitmix`]) behind sampling and MinHash.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// A CJK unified ideograph of the basic block (nearly every character of a
/// Chinese archive).
pub fn is_common_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Words interned to `u32` ids in order of first appearance; [`finish`]
/// sorts them, so that the ids written do not depend on the order posts
/// were processed in.
///
/// [`finish`]: Interner::finish
#[derive(Debug, Default, Clone)]
pub struct Interner {
    ids: HashMap<String, u32>,
    words: Vec<String>,
}

impl Interner {
    /// The id of `word`, new or known.
    pub fn id(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.words.len() as u32;
        self.ids.insert(word.to_string(), id);
        self.words.push(word.to_string());
        id
    }

    /// The words in order of their ids (not sorted).
    pub fn into_words(self) -> Vec<String> {
        self.words
    }

    /// The words sorted, and for each id given out its id in that order.
    pub fn finish(self) -> (Vec<String>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.words.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| self.words[a as usize].cmp(&self.words[b as usize]));
        let mut remap = vec![0u32; self.words.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let mut words = self.words;
        let mut sorted = Vec::with_capacity(words.len());
        for &old in &order {
            sorted.push(std::mem::take(&mut words[old as usize]));
        }
        (sorted, remap)
    }
}

/// The key of a word in the daily counts and in a post's terms: 32 bits
/// of its xxh3 hash. Two words sharing a key are counted together and
/// named by the smaller (`aggregate::keep_name`); among a million distinct
/// words about one in four thousand shares its key, almost always with a
/// rare word that cannot burst.
pub fn word_key(word: &str) -> u32 {
    xxhash_rust::xxh3::xxh3_64(word.as_bytes()) as u32
}

/// The splitmix64 finaliser: a cheap, well-mixed 64-bit hash of `z`, for
/// sampling orders and MinHash permutations.
pub fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The golden-ratio step splitmix64 advances its state by.
pub const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_ids_are_sorted_whatever_the_order_of_arrival() {
        let mut a = Interner::default();
        let ids_a: Vec<u32> = ["铁路", "春运", "旅客", "春运"]
            .iter()
            .map(|w| a.id(w))
            .collect();
        let mut b = Interner::default();
        let ids_b: Vec<u32> = ["旅客", "铁路", "春运"].iter().map(|w| b.id(w)).collect();
        let (words_a, remap_a) = a.finish();
        let (words_b, remap_b) = b.finish();
        assert_eq!(words_a, words_b);
        let mut sorted = words_a.clone();
        sorted.sort();
        assert_eq!(words_a, sorted);
        let word =
            |words: &[String], remap: &[u32], id: u32| words[remap[id as usize] as usize].clone();
        assert_eq!(word(&words_a, &remap_a, ids_a[1]), "春运");
        assert_eq!(word(&words_b, &remap_b, ids_b[0]), "旅客");
    }
}
