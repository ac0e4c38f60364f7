//! Bursts: periods in which a theme is much more frequent than usual.
//!
//! Kleinberg's two-state automaton for batched data (Kleinberg 2002, "Bursty
//! and hierarchical structure in streams", §4). In period `t` the theme has
//! `r_t` of the `d_t` posts. The base state emits a post of the theme with
//! probability `p0 = Σr / Σd` (its long-run share), the burst state with
//! `p1 = s · p0`. The cost of explaining period `t` in state `i` is the
//! negative log-likelihood `−(r_t ln p_i + (d_t − r_t) ln(1 − p_i))`;
//! entering the burst state costs `γ ln n` (n periods), leaving it is free.
//! The cheapest state sequence (Viterbi) marks the bursts; a burst's strength
//! is the likelihood it gains over the base state, summed over its periods.
//! Because the model works on counts against the period's total, a half-full
//! period is judged by its proportion, not by its smaller count.

/// Parameters of burst detection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurstParams {
    /// Rate multiplier of the burst state (`s`, > 1).
    pub scale: f64,
    /// Cost of entering a burst, in units of `ln n` (`γ`, > 0).
    pub gamma: f64,
}

impl Default for BurstParams {
    fn default() -> Self {
        BurstParams {
            scale: 2.0,
            gamma: 1.0,
        }
    }
}

/// One burst of one theme, in period indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    /// First period of the burst.
    pub start: usize,
    /// Last period of the burst (inclusive).
    pub end: usize,
    /// Log-likelihood gained over the base state.
    pub strength: f64,
}

fn cost(r: f64, d: f64, p: f64) -> f64 {
    -(r * p.ln() + (d - r) * (1.0 - p).ln())
}

/// The bursts of a theme with `counts[t]` posts among `totals[t]`.
pub fn detect(counts: &[u32], totals: &[u32], params: BurstParams) -> Vec<Burst> {
    let n = counts.len();
    let (r_sum, d_sum): (f64, f64) = counts
        .iter()
        .zip(totals)
        .fold((0.0, 0.0), |(a, b), (&r, &d)| (a + r as f64, b + d as f64));
    if n < 2 || r_sum == 0.0 || d_sum == 0.0 {
        return Vec::new();
    }
    let p0 = (r_sum / d_sum).clamp(1e-12, 1.0 - 1e-9);
    let p1 = (params.scale * p0).min(0.999_999);
    if p1 <= p0 {
        return Vec::new();
    }
    let enter = params.gamma * (n as f64).ln();
    // Viterbi over two states; back[t][j] = state at t-1 on the best path to j.
    let mut best = [0.0f64, f64::INFINITY];
    let mut back = Vec::with_capacity(n);
    let mut gains = Vec::with_capacity(n);
    for (&r, &d) in counts.iter().zip(totals) {
        let (r, d) = (r as f64, d as f64);
        let c0 = cost(r, d, p0);
        let c1 = cost(r, d, p1);
        gains.push(c0 - c1);
        let to0 = if best[0] <= best[1] {
            (best[0], 0)
        } else {
            (best[1], 1)
        };
        let to1 = if best[0] + enter < best[1] {
            (best[0] + enter, 0)
        } else {
            (best[1], 1)
        };
        back.push([to0.1, to1.1]);
        best = [to0.0 + c0, to1.0 + c1];
    }
    let mut state = if best[0] <= best[1] { 0 } else { 1 };
    let mut states = vec![0u8; n];
    for t in (0..n).rev() {
        states[t] = state as u8;
        state = back[t][state];
    }
    let mut bursts = Vec::new();
    let mut t = 0;
    while t < n {
        if states[t] == 1 {
            let start = t;
            while t + 1 < n && states[t + 1] == 1 {
                t += 1;
            }
            bursts.push(Burst {
                start,
                end: t,
                strength: gains[start..=t].iter().sum(),
            });
        }
        t += 1;
    }
    bursts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_surge_is_one_burst_where_it_happened() {
        let totals = vec![100u32; 12];
        let mut counts = vec![5u32; 12];
        counts[6] = 30;
        counts[7] = 25;
        let b = detect(&counts, &totals, BurstParams::default());
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!((b[0].start, b[0].end), (6, 7));
        assert!(b[0].strength > 10.0);
    }

    #[test]
    fn a_steady_theme_has_no_burst() {
        let totals = vec![100u32, 120, 90, 110, 100, 95];
        let counts = vec![10u32, 12, 9, 11, 10, 10];
        assert!(detect(&counts, &totals, BurstParams::default()).is_empty());
    }

    #[test]
    fn a_half_full_period_is_judged_by_its_share() {
        // The last period has half the posts but the same share: no burst,
        // and no drop either.
        let totals = vec![100u32, 100, 100, 100, 50];
        let counts = vec![10u32, 10, 10, 10, 5];
        assert!(detect(&counts, &totals, BurstParams::default()).is_empty());
        // Same count, half the total: that *is* a surge.
        let counts = vec![10u32, 10, 10, 10, 25];
        let b = detect(&counts, &totals, BurstParams::default());
        assert_eq!(b.last().map(|b| b.end), Some(4));
    }

    #[test]
    fn nothing_to_find_in_empty_or_single_periods() {
        assert!(detect(&[], &[], BurstParams::default()).is_empty());
        assert!(detect(&[3], &[10], BurstParams::default()).is_empty());
        assert!(detect(&[0, 0], &[10, 10], BurstParams::default()).is_empty());
    }
}
