//! The few statistics SPEC §6 names, written out so that "any SQL engine
//! over `baton export` gives the same numbers" can be checked by hand.

/// `numerator ÷ denominator`, or `None` when there is nothing to divide by:
/// a rate over no decisions is unknown, not zero.
pub(super) fn rate(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The median of `values` (the middle one, or the mean of the two middle
/// ones), found by selection: linear, where a sort would be n·log n over
/// millions of durations. Reorders `values`.
pub(super) fn median(values: &mut [i64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (below, &mut upper, _) = values.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        return Some(upper as f64);
    }
    // Everything before the selected place is at or below it: the lower
    // middle value is the largest of them.
    let lower = *below.iter().max()?;
    Some((lower as f64 + upper as f64) / 2.0)
}

/// The nearest-rank percentile of `values`: the smallest value with at
/// least `pct`% of the values at or below it — always one of the values,
/// never an interpolation. Reorders `values`.
pub(super) fn nearest_rank(values: &mut [i64], pct: u32) -> Option<i64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    // rank = ceil(pct/100 · n), at least 1; in integers to avoid rounding.
    let rank = (pct as usize * n).div_ceil(100).max(1);
    let (_, &mut value, _) = values.select_nth_unstable(rank - 1);
    Some(value)
}

/// The Gini coefficient of non-negative counts: 0 when everyone has the
/// same, (n−1)/n when one of n has everything. `None` when the total is 0,
/// since nobody doing anything is neither equal nor concentrated.
pub(super) fn gini(counts: &[u64]) -> Option<f64> {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    let total: u64 = sorted.iter().sum();
    if total == 0 {
        return None;
    }
    // G = 2·Σ i·x_i / (n·Σ x) − (n+1)/n, with x ascending and i from 1.
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| (i as f64 + 1.0) * x as f64)
        .sum();
    Some(2.0 * weighted / (n * total as f64) - (n + 1.0) / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn close(actual: Option<f64>, expected: f64) {
        let a = actual.unwrap();
        assert!((a - expected).abs() < 1e-12, "{a} != {expected}");
    }

    #[test]
    fn a_rate_over_nothing_is_unknown() {
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(1, 4), Some(0.25));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut [10, 1, 2]), Some(2.0));
        assert_eq!(median(&mut [4, 10, 2, 1]), Some(3.0));
    }

    #[test]
    fn p90_is_the_nearest_rank_value() {
        let mut ten: Vec<i64> = (1..=10).rev().collect();
        assert_eq!(nearest_rank(&mut ten, 90), Some(9));
        let mut eleven: Vec<i64> = (1..=11).rev().collect();
        // ceil(0.9 · 11) = 10: the tenth value, not an interpolation.
        assert_eq!(nearest_rank(&mut eleven, 90), Some(10));
        assert_eq!(nearest_rank(&mut [7], 90), Some(7));
        assert_eq!(nearest_rank(&mut [8, 3], 90), Some(8));
        assert_eq!(nearest_rank(&mut [], 90), None);
    }

    #[test]
    fn gini_is_zero_for_equal_counts_and_n_minus_one_over_n_for_one_holder() {
        close(gini(&[3, 3, 3, 3]), 0.0);
        close(gini(&[0, 0, 0, 7]), 3.0 / 4.0);
        close(gini(&[5, 0, 0, 0, 0]), 4.0 / 5.0);
        close(gini(&[1, 3]), 0.25);
        assert_eq!(gini(&[0, 0]), None);
        assert_eq!(gini(&[]), None);
    }
}
