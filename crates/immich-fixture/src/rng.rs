//! A tiny deterministic PRNG (splitmix64) and the hashing helpers the generator
//! uses to derive per-asset details from `(seed, serial)` without storing them.

/// splitmix64: small, fast, and good enough for synthetic data; the same seed
/// always yields the same library on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A uniform value in `0..n` (`n == 0` yields 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Multiply-shift keeps the bias negligible for the small ranges used here.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform value in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A random element of a non-empty slice (the first one for an empty slice is impossible,
    /// so callers pass non-empty tables).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }

    /// 128 random bits shaped as a UUID v4 (version nibble 4, RFC 4122 variant).
    pub fn uuid_v4(&mut self) -> u128 {
        let raw = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        (raw & !(0xF000u128 << 64) & !(0xC000u128 << 48)) | (0x4000u128 << 64) | (0x8000u128 << 48)
    }
}

/// The splitmix64 finaliser: a strong 64-bit mixing function.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A generator for the details of one thing (`salt` picks which thing) of one seed:
/// lets the server re-derive an asset's EXIF on demand instead of storing it.
pub fn derived(seed: u64, salt: u64, serial: u64) -> SplitMix64 {
    SplitMix64::new(mix(seed ^ mix(salt.wrapping_add(mix(serial)))))
}

/// Formats a UUID the canonical lowercase way.
pub fn format_uuid(id: u128) -> String {
    let h = format!("{id:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Parses any canonical (hyphenated) UUID; `None` for anything else.
pub fn parse_uuid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

/// Whether `s` is a UUID v4 as class-validator's `IsUUID('4')` sees it
/// (hyphenated, version 4, variant 8/9/a/b, any case).
pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    parse_uuid(s).is_some()
        && b[14] == b'4'
        && matches!(b[19].to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_different_seed_differs() {
        let a: Vec<u64> = (0..5)
            .scan(SplitMix64::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(SplitMix64::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..5)
            .scan(SplitMix64::new(8), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn uuids_are_v4_and_round_trip() {
        let mut r = SplitMix64::new(1);
        for _ in 0..1000 {
            let id = r.uuid_v4();
            let s = format_uuid(id);
            assert!(is_uuid_v4(&s), "{s}");
            assert_eq!(parse_uuid(&s), Some(id));
        }
    }

    #[test]
    fn uuid_v4_validation() {
        fn check(input: &str, expected: bool) {
            assert_eq!(is_uuid_v4(input), expected, "{input}");
        }
        check("3fa85f64-5717-4562-b3fc-2c963f66afa6", true);
        check("3FA85F64-5717-4562-B3FC-2C963F66AFA6", true);
        check("3fa85f64-5717-1562-b3fc-2c963f66afa6", false); // version 1
        check("3fa85f64-5717-4562-c3fc-2c963f66afa6", false); // bad variant
        check("3fa85f6457174562b3fc2c963f66afa6", false);
        check("not-a-uuid", false);
        check("", false);
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = SplitMix64::new(3);
        for n in [1u64, 2, 3, 10, 1000] {
            for _ in 0..200 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(r.below(0), 0);
    }
}
