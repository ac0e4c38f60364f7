//! Super-themes: related themes grouped so that a picture of many themes
//! stays readable.
//!
//! The stacked share chart shows at most [`MAX_BANDS`] bands however many
//! themes there are. With more themes than that, the themes are grouped by
//! the cosine similarity of their centres (average linkage, closest pair
//! first) into `MAX_BANDS - 1` groups; groups holding less than
//! [`MIN_GROUP_SHARE`] of the posts go into one "other" band. A group is
//! named by its largest theme, and carries that theme's id (stable across
//! runs like the theme ids); the other band has no id. Every theme keeps
//! its own small multiple and page: grouping only serves the overview.

use ndarray::ArrayView2;
use serde::Serialize;

/// Bands of the stacked share chart, "other" included.
pub const MAX_BANDS: usize = 12;
/// A group smaller than this share of the posts goes into "other" (when
/// themes are grouped at all).
pub const MIN_GROUP_SHARE: f64 = 0.01;
/// The label of the "other" band.
pub const OTHER_LABEL: &str = "其他 · other";

/// A band of the stacked share chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The id of its largest theme; `None` for "other".
    pub id: Option<u32>,
    /// Its label: its largest theme's, with the number of themes in it.
    pub label: String,
    /// Its themes (indexes into the themes), largest first.
    pub themes: Vec<usize>,
    /// Its share of the posts.
    pub share: f64,
}

/// Groups the themes (`centres` one row per theme, `ids`, `labels` and
/// `shares` per theme) into at most [`MAX_BANDS`] bands, largest first,
/// "other" last.
pub fn group_themes(
    centres: ArrayView2<f32>,
    ids: &[u32],
    labels: &[String],
    shares: &[f64],
) -> Vec<Group> {
    let k = shares.len();
    let by_share = |members: &mut Vec<usize>| {
        members.sort_by(|&a, &b| shares[b].total_cmp(&shares[a]).then(ids[a].cmp(&ids[b])));
    };
    let mut clusters: Vec<Vec<usize>> = (0..k).map(|t| vec![t]).collect();
    if k > MAX_BANDS {
        // Cosine similarity of the centres.
        let norms: Vec<f32> = (0..k)
            .map(|t| centres.row(t).dot(&centres.row(t)).sqrt().max(1e-12))
            .collect();
        let sim = |a: usize, b: usize| {
            (centres.row(a).dot(&centres.row(b)) / (norms[a] * norms[b])) as f64
        };
        let pair: Vec<Vec<f64>> = (0..k)
            .map(|a| (0..k).map(|b| sim(a, b)).collect())
            .collect();
        // Average linkage, closest pair first, until MAX_BANDS - 1 groups.
        while clusters.len() > MAX_BANDS - 1 {
            let mut best = (f64::NEG_INFINITY, 0, 1);
            for i in 0..clusters.len() {
                for j in i + 1..clusters.len() {
                    let mut total = 0.0;
                    for &a in &clusters[i] {
                        for &b in &clusters[j] {
                            total += pair[a][b];
                        }
                    }
                    let avg = total / (clusters[i].len() * clusters[j].len()) as f64;
                    if avg > best.0 {
                        best = (avg, i, j);
                    }
                }
            }
            let (_, i, j) = best;
            let moved = clusters.remove(j);
            clusters[i].extend(moved);
        }
    }
    let mut groups: Vec<Group> = clusters
        .into_iter()
        .map(|mut members| {
            by_share(&mut members);
            let head = members[0];
            let label = if members.len() == 1 {
                labels[head].clone()
            } else {
                format!("{} 等{}个主题", labels[head], members.len())
            };
            Group {
                id: Some(ids[head]),
                label,
                share: members.iter().map(|&t| shares[t]).sum(),
                themes: members,
            }
        })
        .collect();
    groups.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.id.cmp(&b.id)));
    if k > MAX_BANDS {
        let (big, small): (Vec<Group>, Vec<Group>) =
            groups.into_iter().partition(|g| g.share >= MIN_GROUP_SHARE);
        groups = big;
        if !small.is_empty() {
            let mut themes: Vec<usize> = small.into_iter().flat_map(|g| g.themes).collect();
            by_share(&mut themes);
            groups.push(Group {
                id: None,
                label: OTHER_LABEL.to_string(),
                share: themes.iter().map(|&t| shares[t]).sum(),
                themes,
            });
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn many_themes_make_at_most_twelve_bands_of_related_themes() {
        // 30 themes around 10 directions, three each; two tiny themes.
        let k = 30;
        let mut c = Array2::<f32>::zeros((k, 10));
        for t in 0..k {
            c[[t, t % 10]] = 1.0;
            c[[t, (t + 1) % 10]] = 0.05 * (t / 10) as f32;
        }
        let ids: Vec<u32> = (0..k as u32).map(|i| i + 100).collect();
        let labels: Vec<String> = (0..k).map(|t| format!("主题{t}")).collect();
        let mut shares = vec![1.0 / 28.0; k];
        shares[7] = 0.0;
        shares[17] = 0.0;
        let groups = group_themes(c.view(), &ids, &labels, &shares);
        assert!(groups.len() <= MAX_BANDS, "{}", groups.len());
        let mut all: Vec<usize> = groups.iter().flat_map(|g| g.themes.clone()).collect();
        all.sort();
        assert_eq!(all, (0..k).collect::<Vec<_>>(), "every theme in one band");
        // Themes of one direction are together.
        for g in groups.iter().filter(|g| g.id.is_some()) {
            let dirs: std::collections::HashSet<usize> = g.themes.iter().map(|t| t % 10).collect();
            assert_eq!(dirs.len(), 1, "{:?}", g.themes);
        }
        let total: f64 = groups.iter().map(|g| g.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn few_themes_are_their_own_bands() {
        let c = Array2::<f32>::eye(3);
        let groups = group_themes(
            c.view(),
            &[5, 6, 7],
            &["a".into(), "b".into(), "c".into()],
            &[0.2, 0.5, 0.3],
        );
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].id, Some(6));
        assert_eq!(groups[0].label, "b");
    }
}
