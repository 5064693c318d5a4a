//! Token buckets in this instance's memory: the per-bin rate limit on captures, and the website
//! chat's limits per visitor and per address.
//!
//! A bin accepts `request_bin_rate_per_minute` requests a minute, as a burst of that size refilled
//! evenly. Several instances each hold their own buckets, so a deployment of N web instances lets
//! up to N times the rate through; the limit exists to keep one noisy sender from filling the
//! database, and that holds per instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use std::hash::Hash;

use playgram_core::ids::BinId;

/// Above this many buckets, full ones (idle bins) are forgotten: a full bucket is the same as none.
const FORGET_ABOVE: usize = 10_000;

pub struct Limiter<K = BinId> {
    per_minute: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    pub fn new(per_minute: u32) -> Limiter<K> {
        Limiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::default(),
        }
    }

    /// Takes one request's worth from the bin's bucket: `Ok` when allowed, otherwise
    /// `Err(seconds)` until the next request would be.
    pub fn take(&self, bin: &K) -> Result<(), u64> {
        self.take_at(bin, Instant::now())
    }

    fn take_at(&self, bin: &K, now: Instant) -> Result<(), u64> {
        let per_second = self.per_minute / 60.0;
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(()); // A panic elsewhere poisoned the lock; capturing beats refusing.
        };
        if buckets.len() > FORGET_ABOVE {
            let capacity = self.per_minute;
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(bin.clone()).or_insert(Bucket {
            tokens: self.per_minute,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.per_minute);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_of_the_rate_then_refill_over_the_minute() {
        let limiter = Limiter::new(3);
        let (a, b) = (BinId::new(), BinId::new());
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take_at(&a, start), Ok(()));
        }
        assert_eq!(limiter.take_at(&a, start), Err(20), "one token per 20 s");
        assert_eq!(limiter.take_at(&b, start), Ok(()), "bins are separate");
        let later = start + Duration::from_secs(21);
        assert_eq!(limiter.take_at(&a, later), Ok(()));
        assert!(limiter.take_at(&a, later).is_err());
    }
}
