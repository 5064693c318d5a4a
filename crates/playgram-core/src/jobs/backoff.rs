//! Retry delays: exponential backoff with full jitter (a uniform delay between zero and the
//! exponential bound), which spreads retries of jobs that failed together instead of bunching them.

use rand::Rng;
use std::time::Duration;

/// The delay after failed attempt `attempt` (1-based): uniform in `[0, min(cap, base × 2^(attempt-1))]`,
/// never below a tenth of that bound so a retry is not immediate.
pub fn full_jitter(attempt: i32, base: Duration, cap: Duration) -> Duration {
    let bound = exponential(attempt, base, cap);
    let bound_ms = bound.as_millis() as u64;
    let floor = bound_ms / 10;
    Duration::from_millis(rand::rng().random_range(floor..=bound_ms.max(floor)))
}

/// `min(cap, base × 2^(attempt-1))`.
pub fn exponential(attempt: i32, base: Duration, cap: Duration) -> Duration {
    let shift = (attempt.max(1) - 1).min(30) as u32;
    base.saturating_mul(1u32 << shift).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(60);
        assert_eq!(exponential(1, base, cap), Duration::from_secs(1));
        assert_eq!(exponential(4, base, cap), Duration::from_secs(8));
        assert_eq!(exponential(30, base, cap), cap);
        for attempt in 1..12 {
            let delay = full_jitter(attempt, base, cap);
            let bound = exponential(attempt, base, cap);
            assert!(
                delay <= bound && delay >= bound / 10,
                "{delay:?} vs {bound:?}"
            );
        }
    }
}
