//! Percentile-bootstrap intervals for the difference of a statistic
//! between two samples, drawn within each sample from a seeded generator:
//! the same samples and seed give the same interval, to the bit, on any
//! machine — a pilot report is reproducible.

/// SplitMix64: tiny, fast, and its stream is fixed by its definition, so
/// no crate upgrade can change a report (a library generator's stream is
/// not promised across versions).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Two indices below `n` (Lemire's multiply-shift on each half of one
    /// draw; the bias for the sample sizes here is below one in 10⁵).
    fn two_below(&mut self, n: usize) -> (usize, usize) {
        let r = self.next_u64();
        let n = n as u64;
        let low = ((r & 0xffff_ffff) * n) >> 32;
        let high = ((r >> 32) * n) >> 32;
        (low as usize, high as usize)
    }
}

/// A statistic the bootstrap can recompute from a resample given as how
/// many times each (sorted) value was drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistic {
    /// The mean of the values.
    Mean,
    /// The median (the mean of the middle two for an even count).
    Median,
}

impl Statistic {
    /// The statistic of `sorted` (ascending) itself.
    pub fn of(self, sorted: &[f64]) -> Option<f64> {
        let n = sorted.len();
        if n == 0 {
            return None;
        }
        Some(match self {
            Self::Mean => sorted.iter().sum::<f64>() / n as f64,
            Self::Median if n % 2 == 1 => *sorted.get(n / 2)?,
            Self::Median => (*sorted.get(n / 2 - 1)? + *sorted.get(n / 2)?) / 2.0,
        })
    }

    /// The statistic of a resample of `sorted` that drew value `i`
    /// `counts[i]` times (`n` draws in all).
    fn of_counts(self, sorted: &[f64], counts: &[u32], n: usize) -> f64 {
        match self {
            Self::Mean => {
                let sum: f64 = sorted
                    .iter()
                    .zip(counts)
                    .map(|(v, &c)| v * f64::from(c))
                    .sum();
                sum / n as f64
            }
            Self::Median => {
                // The values at ranks ⌊(n−1)/2⌋ and ⌊n/2⌋ (0-based).
                let (lower_rank, upper_rank) = ((n - 1) / 2, n / 2);
                let (mut lower, mut seen) = (None, 0usize);
                for (v, &c) in sorted.iter().zip(counts) {
                    seen += c as usize;
                    if lower.is_none() && seen > lower_rank {
                        lower = Some(*v);
                    }
                    if seen > upper_rank {
                        return (lower.unwrap_or(*v) + v) / 2.0;
                    }
                }
                0.0
            }
        }
    }
}

/// A 95% interval.
#[derive(
    Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains_zero(self) -> bool {
        self.low <= 0.0 && 0.0 <= self.high
    }
}

/// The 95% percentile-bootstrap interval of `statistic(a) − statistic(b)`,
/// from `resamples` resamples drawn within each sample (each sorted
/// ascending, neither empty), by a generator seeded with `seed`.
pub fn difference_interval(
    statistic: Statistic,
    a: &[f64],
    b: &[f64],
    resamples: usize,
    seed: u64,
) -> Option<Interval> {
    if a.is_empty() || b.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = Rng::new(seed);
    let mut ca = vec![0u32; a.len()];
    let mut cb = vec![0u32; b.len()];
    let mut differences = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let x = resample(statistic, a, &mut ca, &mut rng);
        let y = resample(statistic, b, &mut cb, &mut rng);
        differences.push(x - y);
    }
    differences.sort_by(f64::total_cmp);
    let at = |q: f64| -> f64 {
        // Nearest rank, as the report's other percentiles.
        let rank = ((q * resamples as f64).ceil() as usize).clamp(1, resamples);
        differences.get(rank - 1).copied().unwrap_or(0.0)
    };
    Some(Interval {
        low: at(0.025),
        high: at(0.975),
    })
}

fn resample(statistic: Statistic, sorted: &[f64], counts: &mut [u32], rng: &mut Rng) -> f64 {
    let n = sorted.len();
    counts.fill(0);
    let mut drawn = 0;
    while drawn < n {
        let (i, j) = rng.two_below(n);
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
        drawn += 1;
        if drawn < n {
            if let Some(c) = counts.get_mut(j) {
                *c += 1;
            }
            drawn += 1;
        }
    }
    statistic.of_counts(sorted, counts, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_splitmix64() {
        // The first outputs for seed 0, as the reference implementation gives.
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn a_median_from_counts_is_the_median_of_the_values_drawn() {
        let sorted = [1.0, 2.0, 3.0, 10.0];
        assert_eq!(Statistic::Median.of_counts(&sorted, &[1, 1, 1, 1], 4), 2.5);
        assert_eq!(Statistic::Median.of_counts(&sorted, &[0, 3, 0, 2], 5), 2.0);
        assert_eq!(Statistic::Median.of_counts(&sorted, &[0, 0, 1, 1], 2), 6.5);
        assert_eq!(Statistic::Mean.of_counts(&sorted, &[2, 0, 0, 2], 4), 5.5);
        assert_eq!(Statistic::Median.of(&sorted), Some(2.5));
    }

    #[test]
    fn equal_samples_give_an_interval_around_zero_and_shifted_ones_exclude_it() {
        let a: Vec<f64> = (0..200).map(|i| f64::from(i % 37)).collect();
        let mut sorted = a.clone();
        sorted.sort_by(f64::total_cmp);
        let same = difference_interval(Statistic::Median, &sorted, &sorted, 2_000, 7).unwrap();
        assert!(same.contains_zero(), "{same:?}");
        let doubled: Vec<f64> = sorted.iter().map(|v| v * 2.0 + 1.0).collect();
        let shifted = difference_interval(Statistic::Median, &doubled, &sorted, 2_000, 7).unwrap();
        assert!(!shifted.contains_zero(), "{shifted:?}");
        assert!(shifted.low > 0.0);
        // The same inputs and seed: the same interval, to the bit.
        assert_eq!(
            difference_interval(Statistic::Mean, &doubled, &sorted, 2_000, 7),
            difference_interval(Statistic::Mean, &doubled, &sorted, 2_000, 7)
        );
    }
}
