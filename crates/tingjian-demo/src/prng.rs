//! A small deterministic random number generator (splitmix64).
//!
//! The generator must give the same calls and the same export for the same seed on every machine and
//! in every version of its dependencies, so it carries its own generator instead of depending on a
//! crate whose streams may change between releases.

#[derive(Debug, Clone)]
pub(crate) struct SplitMix {
    state: u64,
}

impl SplitMix {
    /// A stream for one purpose: mixing the purpose into the seed keeps, for example, the export's
    /// dates independent of the audio, so changing the dates never changes a recording.
    pub fn new(seed: u64, purpose: u64) -> Self {
        let mut mixer = Self { state: seed ^ purpose.wrapping_mul(0xA076_1D64_78BD_642F) };
        // One step discards the weak first output of closely related seeds.
        mixer.next_u64();
        mixer
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1) built from the top 53 bits, which is exact in an f64.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A float in [low, high).
    pub fn range_f64(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// An integer in [low, high], inclusive on both ends as ranges of minutes and days are written.
    pub fn range_u64(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        let span = high - low + 1;
        // The modulo bias is below 2^-50 for the small spans used here, far under anything audible
        // or visible in a demo.
        low + self.next_u64() % span
    }

    /// An index into a non-empty collection of `len` items; zero for an empty one.
    pub fn index(&mut self, len: usize) -> usize {
        if len == 0 { 0 } else { (self.next_u64() % len as u64) as usize }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }

    /// A roughly normal value with mean 0 and standard deviation 1 (Irwin–Hall with four terms),
    /// good enough for a line-noise floor.
    pub fn noise(&mut self) -> f64 {
        let sum: f64 = (0..4).map(|_| self.unit()).sum();
        (sum - 2.0) * (3.0f64).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_purposes_differ() {
        let mut a = SplitMix::new(7, 1);
        let mut b = SplitMix::new(7, 1);
        let mut c = SplitMix::new(7, 2);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let other: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(first, second);
        assert_ne!(first, other);
    }

    #[test]
    fn ranges_stay_inside_their_bounds() {
        let mut rng = SplitMix::new(1, 0);
        for _ in 0..10_000 {
            let x = rng.range_u64(5, 70);
            assert!((5..=70).contains(&x));
            let f = rng.range_f64(0.3, 1.2);
            assert!((0.3..1.2).contains(&f));
            assert!(rng.index(3) < 3);
        }
    }

    #[test]
    fn noise_has_unit_spread() {
        let mut rng = SplitMix::new(3, 0);
        let n = 20_000;
        let mean_square: f64 = (0..n).map(|_| rng.noise().powi(2)).sum::<f64>() / f64::from(n);
        assert!((0.9..1.1).contains(&mean_square), "{mean_square}");
    }
}
