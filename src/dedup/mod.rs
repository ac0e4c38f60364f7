//! Finding re-published copies: exact duplicates and near-duplicates, over
//! the whole store, in bounded memory.
//!
//! Two posts are exact duplicates when their title + body are equal once
//! whitespace is ignored ([`exact_key`], computed by `prepare`). They are
//! near-duplicates when the Jaccard similarity of their character 5-gram
//! sets (letters and digits only) is at least `--near-duplicate`;
//! candidates come from MinHash signatures ([`signature`], also computed by
//! `prepare`) with LSH banding, and are confirmed on the exact 5-gram sets
//! of the two texts, so a reported near-duplicate is never a hashing
//! accident.
//!
//! The earliest post — by month, then by place in the input — is kept;
//! each later copy is reported as a copy *of it*. Exact copies are found
//! across the whole archive by spilling the keys into hash buckets on disk
//! and sorting each bucket alone. Near copies are looked for within a
//! window of the same and the previous month, which is where a feed
//! re-publishes: memory holds the signatures and texts of two months, not
//! of the archive.
//!
//! A nightly re-run starts from what the previous run found ([`state`]):
//! when no post was removed and the new ones come after the old, only the
//! new posts are searched, with the same answer as a search of the whole.

mod keys;
mod search;
mod state;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::ingest::RejectReason;
use crate::store::{Partition, SegmentRef, Store};

pub use keys::{exact_key, signature};
#[cfg(test)]
use search::exact_copies;
pub use state::{Search, STATE_FILE};

/// Parameters of duplicate detection.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct DedupParams {
    /// A post sharing at least this fraction of its text (character
    /// 5-grams) with an earlier post is a re-publication and is dropped.
    #[arg(
        long,
        default_value_t = 0.9,
        value_name = "FRACTION",
        help_heading = "Input"
    )]
    pub near_duplicate: f64,

    /// Keep near-duplicate posts (exact copies are still dropped).
    #[arg(long, help_heading = "Input")]
    pub keep_near_duplicates: bool,
}

impl Default for DedupParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl DedupParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if !(0.5..=1.0).contains(&self.near_duplicate) {
            return Err(Error::param(
                "--near-duplicate",
                "must be between 0.5 and 1",
            ));
        }
        Ok(())
    }
}

/// The posts found to be copies, with why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Duplicates {
    /// Each copy and its reason (`duplicate of PATH`, `near-duplicate of
    /// PATH (93% …)`), by doc.
    pub copies: std::collections::BTreeMap<DocId, RejectReason>,
}

/// Copies file magic.
pub const DUPLICATES_MAGIC: &[u8; 8] = b"TTDUP\x00\x00\x01";
/// The copies' file name in the cache folder.
pub const DUPLICATES_FILE: &str = "duplicates.bin";

impl Duplicates {
    /// Writes the copies into `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        crate::codec::write_file(&dir.join(DUPLICATES_FILE), DUPLICATES_MAGIC, self)
    }

    /// Reads the copies `fit` found, from `dir`.
    pub fn load(dir: &Path) -> Result<Duplicates> {
        let path = dir.join(DUPLICATES_FILE);
        crate::codec::read_file(&path, DUPLICATES_MAGIC).map_err(|reason| Error::Damaged {
            what: "list of copies",
            path,
            reason: format!("{reason}; run `theme-trends fit` first"),
        })
    }

    /// Why `doc` is a copy, if it is one.
    pub fn of(&self, doc: DocId) -> Option<&RejectReason> {
        self.copies.get(&doc)
    }

    /// Number of copies.
    pub fn len(&self) -> usize {
        self.copies.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
    }
}

/// Finds every exact and near copy in the store.
pub fn find_duplicates(store: &Store, params: &DedupParams, tmp: &Path) -> Result<Duplicates> {
    Ok(find_duplicates_since(store, params, tmp, None, None)?.0)
}

/// Finds every exact and near copy in the store, starting from the state
/// the previous run left in the folder `previous` when it still holds, and
/// leaves this run's state in the folder `save`. Says how it searched.
pub fn find_duplicates_since(
    store: &Store,
    params: &DedupParams,
    tmp: &Path,
    previous: Option<&Path>,
    save: Option<&Path>,
) -> Result<(Duplicates, Search)> {
    let segments: Vec<SegmentRef> = store
        .segments()
        .into_iter()
        .filter(|s| s.entry.partition != Partition::Rejected)
        .collect();
    state::find(&segments, params, tmp, previous, save)
}

#[cfg(test)]
mod tests {
    use super::keys::{jaccard, shingle_set, HASHES};
    use super::*;
    use crate::ingest::Part;
    use crate::store::{Features, InputId, PartManifest, PendingPost, PostRecord, SegmentWriter};

    /// A store of posts (doc, month, title, body), one segment per month.
    fn store_of(dir: &Path, posts: &[(u64, u32, &str, &str)]) -> Store {
        let entries = segments_of(dir, "t", posts);
        open_store(dir, entries)
    }

    /// Segments of posts (doc, month, title, body), one per month, their
    /// files named from `prefix`.
    fn segments_of(
        dir: &Path,
        prefix: &str,
        posts: &[(u64, u32, &str, &str)],
    ) -> Vec<crate::store::SegmentEntry> {
        let mut entries = Vec::new();
        let mut months: Vec<u32> = posts.iter().map(|p| p.1).collect();
        months.sort_unstable();
        months.dedup();
        for m in months {
            let day = chrono::NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
            let mut w = SegmentWriter::new(dir, Partition::of(Some(day), false), prefix, None);
            for &(doc, _, title, body) in posts.iter().filter(|p| p.1 == m) {
                w.push(
                    PendingPost {
                        record: PostRecord {
                            doc: DocId(doc),
                            key: format!("{doc}"),
                            path: format!("p{doc}.md"),
                            stat: None,
                            hash: 0,
                            outcome: Ok(Features {
                                date: Some(crate::time::Day::of(day)),
                                title: title.into(),
                                ..Default::default()
                            }),
                        },
                        text: format!("{title}\n{body}"),
                        keys: (exact_key(title, body), signature(title, body)),
                    },
                    &[],
                    &mut [],
                )
                .unwrap();
            }
            entries.extend(w.finish().unwrap());
        }
        entries
    }

    /// The store of `entries`.
    fn open_store(dir: &Path, entries: Vec<crate::store::SegmentEntry>) -> Store {
        let m = PartManifest {
            fingerprint: 1,
            input: InputId {
                path: "x".into(),
                table: None,
            },
            part: Part::WHOLE,
            columns: vec![],
            segments: entries,
            ignored: 0,
            problems: vec![],
            warnings: vec![],
            index: vec![],
            fresh: 0,
        };
        m.save(dir).unwrap();
        Store::open(dir, 1).unwrap()
    }

    fn find(posts: &[(u64, u32, &str, &str)], threshold: f64) -> Vec<(u64, RejectReason)> {
        let dir = tempfile::tempdir().unwrap();
        let store = store_of(dir.path(), posts);
        let params = DedupParams {
            near_duplicate: threshold,
            keep_near_duplicates: false,
        };
        find_duplicates(&store, &params, &dir.path().join("tmp"))
            .unwrap()
            .copies
            .into_iter()
            .map(|(d, r)| (d.0, r))
            .collect()
    }

    const STORY: &str = "国家统计局今天发布数据显示，前三季度国内生产总值同比增长百分之五点二，经济运行总体平稳，稳中有进，就业形势保持稳定，居民消费价格温和上涨，国际收支基本平衡，高质量发展扎实推进。";
    const OTHER: &str = "春运首日全国铁路发送旅客一千万人次，各地车站秩序井然，铁路部门增开临时列车，保障旅客平安有序出行，返乡人流明显增加，民航和公路客运同步加强运力。";

    #[test]
    fn exact_copies_are_found_ignoring_whitespace_across_the_archive() {
        let spaced = format!("  {STORY}\n");
        let dups = find(
            &[
                (0, 1, "标题", STORY),
                (1, 2, "别的", "完全不同的内容"),
                (2, 9, "标题", &spaced),
            ],
            0.9,
        );
        assert_eq!(
            dups,
            vec![(2, RejectReason::Duplicate { of: "p0.md".into() })]
        );
    }

    #[test]
    fn keys_spilled_to_disk_find_the_same_copies_as_keys_kept_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let texts: Vec<String> = (0..40).map(|i| format!("{STORY}{}", i % 7)).collect();
        let posts: Vec<(u64, u32, &str, &str)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i as u64, 1 + (i as u32 % 5), "标题", t.as_str()))
            .collect();
        let store = store_of(dir.path(), &posts);
        let segments = store.segments();
        let tmp = dir.path().join("tmp");
        let in_memory = exact_copies(&segments, &tmp, usize::MAX, false)
            .unwrap()
            .copies;
        let spilled = exact_copies(&segments, &tmp, 1, false).unwrap().copies;
        assert_eq!(in_memory.len(), 33);
        assert_eq!(spilled, in_memory);
        assert!(!tmp.exists(), "the spill folder is removed");
    }

    /// The copies of `old` then `old` + `new` (each post: doc, month,
    /// title, body), found the second time from the first run's state, and
    /// by a search of the whole store.
    fn night(
        old: &[(u64, u32, &str, &str)],
        new: &[(u64, u32, &str, &str)],
    ) -> (Duplicates, Search, Duplicates) {
        let dir = tempfile::tempdir().unwrap();
        let (store_dir, first, second) = (
            dir.path().join("store"),
            dir.path().join("first"),
            dir.path().join("second"),
        );
        let params = DedupParams {
            near_duplicate: 0.75,
            keep_near_duplicates: false,
        };
        let tmp = dir.path().join("tmp");
        std::fs::create_dir_all(&first).unwrap();
        std::fs::create_dir_all(&second).unwrap();
        let mut entries = segments_of(&store_dir, "old", old);
        let store = open_store(&store_dir, entries.clone());
        let (_, how) = find_duplicates_since(&store, &params, &tmp, None, Some(&first)).unwrap();
        assert_eq!(how, Search::All(None));
        entries.extend(segments_of(&store_dir, "new", new));
        let store = open_store(&store_dir, entries);
        let (dups, how) =
            find_duplicates_since(&store, &params, &tmp, Some(&first), Some(&second)).unwrap();
        (dups, how, find_duplicates(&store, &params, &tmp).unwrap())
    }

    #[test]
    fn a_night_searches_only_its_new_posts_and_finds_what_a_whole_search_finds() {
        let edited = STORY.replace("今天", "今日");
        let other_edited = OTHER.replace("秩序井然", "秩序良好");
        let fresh = "国务院常务会议今天研究部署进一步扩大内需的政策措施，会议指出要加大财政支持力度，稳定和扩大消费，推动重大项目建设，增强经济发展内生动力。";
        let fresh_edited = fresh.replace("今天", "今日");
        let old = [
            (0, 1, "统计", STORY),
            (1, 2, "春运", OTHER),
            (2, 2, "统计", STORY),
        ];
        let new = [
            // An exact copy of a post of an earlier month.
            (3, 2, "统计", STORY),
            // A near copy of a post searched before, in its month.
            (4, 2, "春运", other_edited.as_str()),
            // A new story, copied exactly and nearly by later new posts.
            (5, 3, "常务会", fresh),
            (6, 3, "常务会", fresh),
            (7, 3, "常务会", fresh_edited.as_str()),
            // A near copy of a post two months back: not a copy.
            (8, 3, "统计", edited.as_str()),
        ];
        let (dups, how, whole) = night(&old, &new);
        assert_eq!(how, Search::Night { posts: 6 });
        assert_eq!(dups, whole);
        let found: Vec<u64> = dups.copies.keys().map(|d| d.0).collect();
        assert_eq!(found, [2, 3, 4, 6, 7]);
        assert_eq!(
            dups.of(DocId(3)),
            Some(&RejectReason::Duplicate { of: "p0.md".into() })
        );
        assert!(
            matches!(dups.of(DocId(7)), Some(RejectReason::NearDuplicate { of, .. }) if of == "p5.md")
        );
    }

    #[test]
    fn a_night_starts_from_the_state_a_night_left_and_a_removed_post_makes_a_whole_search() {
        let dir = tempfile::tempdir().unwrap();
        let store_dir = dir.path().join("store");
        let states: Vec<std::path::PathBuf> =
            (0..4).map(|i| dir.path().join(format!("s{i}"))).collect();
        for s in &states {
            std::fs::create_dir_all(s).unwrap();
        }
        let params = DedupParams {
            near_duplicate: 0.75,
            keep_near_duplicates: false,
        };
        let tmp = dir.path().join("tmp");
        let edited = STORY.replace("今天", "今日");
        let other_edited = OTHER.replace("秩序井然", "秩序良好");
        let mut entries = segments_of(&store_dir, "a", &[(0, 1, "统计", STORY)]);
        let first = entries.clone();
        let search = |entries: &[crate::store::SegmentEntry], from: Option<usize>, to: usize| {
            let store = open_store(&store_dir, entries.to_vec());
            let (dups, how) = find_duplicates_since(
                &store,
                &params,
                &tmp,
                from.map(|i| states[i].as_path()),
                Some(&states[to]),
            )
            .unwrap();
            (dups, how, find_duplicates(&store, &params, &tmp).unwrap())
        };
        search(&entries, None, 0);
        // Night one: a near copy and a new story; night two: copies of both.
        entries.extend(segments_of(
            &store_dir,
            "b",
            &[(1, 1, "统计", edited.as_str()), (2, 2, "春运", OTHER)],
        ));
        let (dups, how, whole) = search(&entries, Some(0), 1);
        assert_eq!((how, &dups), (Search::Night { posts: 2 }, &whole));
        entries.extend(segments_of(
            &store_dir,
            "c",
            &[(3, 2, "统计", STORY), (4, 2, "春运", other_edited.as_str())],
        ));
        let (dups, how, whole) = search(&entries, Some(1), 2);
        assert_eq!((how, &dups), (Search::Night { posts: 2 }, &whole));
        let found: Vec<u64> = dups.copies.keys().map(|d| d.0).collect();
        assert_eq!(found, [1, 3, 4]);
        // The first segment gone: its post was removed from the archive.
        let without: Vec<_> = entries[first.len()..].to_vec();
        let (dups, how, whole) = search(&without, Some(2), 3);
        assert!(
            matches!(how, Search::All(Some(ref why)) if why.contains("removed")),
            "{how:?}"
        );
        assert_eq!(dups, whole);
    }

    #[test]
    fn a_new_post_that_sorts_before_the_searched_ones_makes_a_whole_search() {
        let old = [(0, 1, "统计", STORY), (5, 2, "春运", OTHER)];
        // Doc 3 of month 2 comes before doc 5: it would be the original.
        let new = [(3, 2, "春运", OTHER)];
        let (dups, how, whole) = night(&old, &new);
        assert!(matches!(how, Search::All(Some(ref why)) if why.contains("sorts before")));
        assert_eq!(dups, whole);
        assert_eq!(
            dups.of(DocId(5)),
            Some(&RejectReason::Duplicate { of: "p3.md".into() })
        );
    }

    #[test]
    fn a_lightly_edited_republication_is_a_near_duplicate() {
        let edited = STORY.replace("今天", "今日");
        let dups = find(
            &[
                (0, 3, "统计局发布数据", STORY),
                (1, 3, "统计局发布数据（转载）", &edited),
                (2, 3, "春运", OTHER),
            ],
            0.75,
        );
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].0, 1);
        match &dups[0].1 {
            RejectReason::NearDuplicate { of, similarity } => {
                assert_eq!(of, "p0.md");
                assert!(*similarity >= 0.75 && *similarity < 1.0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn near_copies_are_sought_in_the_same_and_the_previous_month_only() {
        let edited = STORY.replace("今天", "今日");
        // Next month: found. Two months later: a new story as far as the
        // feed is concerned.
        assert_eq!(
            find(&[(0, 3, "统计", STORY), (1, 4, "统计", &edited)], 0.75).len(),
            1
        );
        assert!(find(&[(0, 3, "统计", STORY), (1, 5, "统计", &edited)], 0.75).is_empty());
        // The earlier month holds the original, whatever the doc order.
        let dups = find(&[(5, 3, "统计", STORY), (1, 4, "统计", &edited)], 0.75);
        assert_eq!(dups[0].0, 1);
    }

    #[test]
    fn different_stories_on_the_same_subject_are_kept() {
        let a = "春运首日全国铁路发送旅客一千万人次，各地车站秩序井然，铁路部门增开临时列车，保障旅客平安有序出行。";
        let b = "春运第十天民航运送旅客二百万人次，机场加强运行保障，航空公司增加航班，旅客出行需求持续旺盛，客座率明显提升。";
        assert!(find(&[(0, 1, "春运", a), (1, 1, "春运", b)], 0.9).is_empty());
    }

    /// Lightly edited copies of two stories, interleaved: each copy is
    /// reported against the first post of its own story, and a copy that
    /// only resembles another copy (a chain) is kept.
    #[test]
    fn interleaved_stories_and_chains_are_settled_in_order() {
        let a1 = STORY.replacen("今天", "今日", 1);
        let a2 = a1.replacen("总体平稳", "总体稳定", 1);
        let b1 = OTHER.replacen("秩序井然", "秩序良好", 1);
        let sim = |x: &str, y: &str| jaccard(&shingle_set(x), &shingle_set(y));
        let t = |s: &str| format!("\n{s}");
        let threshold =
            (sim(&t(STORY), &t(&a1)).min(sim(&t(&a1), &t(&a2))) + sim(&t(STORY), &t(&a2))) / 2.0;
        assert!(sim(&t(STORY), &t(&a2)) < threshold);
        let dups = find(
            &[
                (0, 1, "", STORY),
                (1, 1, "", OTHER),
                (2, 1, "", &a1),
                (3, 1, "", &b1),
                (4, 1, "", &a2),
            ],
            threshold,
        );
        let found: Vec<(u64, String)> = dups
            .into_iter()
            .map(|(i, r)| match r {
                RejectReason::NearDuplicate { of, .. } => (i, of),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(found, vec![(2, "p0.md".into()), (3, "p1.md".into())]);
    }

    #[test]
    fn the_exact_key_hashes_the_text_without_whitespace() {
        assert_eq!(
            exact_key("标题 A", "第一段\n\n第二　段 end "),
            xxhash_rust::xxh3::xxh3_128("标题A第一段第二段end".as_bytes())
        );
    }

    #[test]
    fn short_texts_have_no_signature() {
        assert!(signature("快讯", "股市收涨").is_empty());
        assert_eq!(signature("统计", STORY).len(), HASHES);
    }
}
