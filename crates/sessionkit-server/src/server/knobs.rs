//! Client-testing knobs: answers forced with `Prefer: code=429|500` (as Prism does), a rate limit
//! per API key with `Retry-After`, and a seeded fault rate, so a client's retry logic can be tested.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sessionkit::headers::Headers;

use super::answer::ServerError;

pub(crate) struct Knobs {
    rate_limit: Option<u32>,
    fault_rate: f64,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    draws: AtomicU64,
}

impl Knobs {
    pub(crate) fn new(rate_limit: Option<u32>, fault_rate: f64, seed: u64) -> Self {
        Self {
            rate_limit,
            fault_rate,
            windows: Mutex::new(HashMap::new()),
            draws: AtomicU64::new(seed),
        }
    }

    /// The answer a knob forces on this request, if any: `Prefer` first, then the rate limit,
    /// then the fault rate.
    pub(crate) fn forced(&self, headers: &Headers, api_key: &str) -> Option<ServerError> {
        match preferred_code(headers) {
            Some(429) => return Some(ServerError::RateLimited { retry_after: 1 }),
            Some(500) => return Some(ServerError::InjectedFault),
            _ => {}
        }
        if let Some(retry_after) = self.over_rate_limit(api_key) {
            return Some(ServerError::RateLimited { retry_after });
        }
        (self.fault_rate > 0.0 && self.draw() < self.fault_rate)
            .then_some(ServerError::InjectedFault)
    }

    /// Fixed one-minute windows per API key; returns the seconds to wait when over the limit.
    fn over_rate_limit(&self, key: &str) -> Option<u64> {
        let limit = self.rate_limit?;
        let mut windows = self.windows.lock().ok()?;
        let now = Instant::now();
        let window = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(window.0) >= Duration::from_secs(60) {
            *window = (now, 0);
        }
        window.1 += 1;
        (window.1 > limit).then(|| 60 - now.duration_since(window.0).as_secs().min(59))
    }

    /// A draw in [0, 1) from a seeded xorshift: the fault rate needs no cryptographic randomness.
    fn draw(&self) -> f64 {
        let mut x = self
            .draws
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A forced answer asked for with `Prefer: code=429` or `code=500`.
fn preferred_code(headers: &Headers) -> Option<u16> {
    headers
        .get_all("prefer")
        .iter()
        .flat_map(|v| v.split([',', ';']))
        .find_map(|part| {
            let (name, value) = part.split_once('=')?;
            (name.trim().eq_ignore_ascii_case("code"))
                .then(|| value.trim().trim_matches('"').parse().ok())?
        })
}
