//! Request rate limits for the API: a token bucket per client (an API key, or the address of a
//! caller without a key), kept in this process's memory. With several nodes each node counts
//! its own requests, so a key's rate across the city is at most nodes × the limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many requests a client may make: `per_minute` on average, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSettings {
    /// Sustained requests per minute (≥ 1).
    pub per_minute: u32,
    /// Requests that may come at once after a quiet spell (≥ 1).
    pub burst: u32,
}

impl Default for RateSettings {
    /// 120 requests a minute, 60 at once.
    fn default() -> Self {
        RateSettings {
            per_minute: 120,
            burst: 60,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by client id.
#[derive(Debug)]
pub struct RateLimiter {
    settings: RateSettings,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Buckets kept before idle full ones are dropped.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    /// A limiter with `settings` (values below 1 count as 1).
    pub fn new(settings: RateSettings) -> RateLimiter {
        RateLimiter {
            settings: RateSettings {
                per_minute: settings.per_minute.max(1),
                burst: settings.burst.max(1),
            },
            buckets: Mutex::default(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> RateSettings {
        self.settings
    }

    /// Takes one request for `client` at `now`: `Ok(())`, or `Err(seconds)` to wait before the
    /// next one will be taken.
    pub fn take(&self, client: &str, now: Instant) -> Result<(), u64> {
        let rate = f64::from(self.settings.per_minute) / 60.0;
        let burst = f64::from(self.settings.burst);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(client.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at);
        bucket.tokens = (bucket.tokens + elapsed.as_secs_f64() * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            // Rounded up: a client that waits this long is taken.
            let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / rate);
            Err(wait.as_secs_f64().ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_taken_then_refused_until_tokens_come_back() {
        let limiter = RateLimiter::new(RateSettings {
            per_minute: 60,
            burst: 3,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("k", t0), Ok(()));
        }
        assert_eq!(limiter.take("k", t0), Err(1));
        // Another client has its own bucket.
        assert_eq!(limiter.take("other", t0), Ok(()));
        // One token a second comes back.
        assert_eq!(limiter.take("k", t0 + Duration::from_millis(1100)), Ok(()));
        assert!(limiter.take("k", t0 + Duration::from_millis(1100)).is_err());
    }

    #[test]
    fn the_wait_is_how_long_one_token_takes() {
        let limiter = RateLimiter::new(RateSettings {
            per_minute: 6,
            burst: 1,
        });
        let t0 = Instant::now();
        assert_eq!(limiter.take("k", t0), Ok(()));
        assert_eq!(limiter.take("k", t0), Err(10));
    }
}
