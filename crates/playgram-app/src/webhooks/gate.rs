//! Each endpoint's share of the sender on this instance: at most `max` requests in flight. A
//! delivery that finds its endpoint full waits its turn in a virtual queue: it is deferred (not
//! counted as an attempt) by about the time the requests ahead of it will take, judged from the
//! endpoint's recent request durations. So a backlog for a slow endpoint comes back spread over
//! the time the endpoint can absorb it, instead of every job knocking again every few hundred
//! milliseconds and keeping the queue busy for everyone else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use playgram_core::ids::EndpointId;

/// The shortest and longest wait given to a delivery that finds its endpoint full.
const MIN_WAIT_MS: f64 = 100.0;
const MAX_WAIT_MS: f64 = 60_000.0;
/// The guess for an endpoint with no request finished yet.
const UNKNOWN_MS: f64 = 1_000.0;

#[derive(Debug, Default)]
struct Lane {
    in_flight: u32,
    /// Deliveries told to come back later and not back yet.
    waiting: u32,
    /// A moving average of the endpoint's request durations.
    average_ms: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Gate(Arc<Mutex<HashMap<EndpointId, Lane>>>);

/// A request slot; given back when dropped.
#[derive(Debug)]
pub struct Slot {
    gate: Gate,
    id: EndpointId,
    started: Instant,
}

impl Gate {
    /// A slot, or how long to wait before trying again.
    pub fn enter(&self, id: &EndpointId, max: u32) -> Result<Slot, Duration> {
        let Ok(mut lanes) = self.0.lock() else {
            return Err(Duration::from_millis(MIN_WAIT_MS as u64));
        };
        let lane = lanes.entry(id.clone()).or_default();
        if lane.in_flight < max.max(1) {
            lane.in_flight += 1;
            lane.waiting = lane.waiting.saturating_sub(1);
            return Ok(Slot {
                gate: self.clone(),
                id: id.clone(),
                started: Instant::now(),
            });
        }
        lane.waiting += 1;
        let rounds = f64::from(lane.waiting.div_ceil(max.max(1)));
        let per_round = if lane.average_ms > 0.0 {
            lane.average_ms
        } else {
            UNKNOWN_MS
        };
        let wait =
            (rounds * per_round).clamp(MIN_WAIT_MS, MAX_WAIT_MS) * rand::random_range(1.0..1.2);
        Err(Duration::from_millis(wait as u64))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Ok(mut lanes) = self.gate.0.lock() else {
            return;
        };
        if let Some(lane) = lanes.get_mut(&self.id) {
            let took = self.started.elapsed().as_secs_f64() * 1000.0;
            lane.average_ms = if lane.average_ms > 0.0 {
                0.8 * lane.average_ms + 0.2 * took
            } else {
                took
            };
            lane.in_flight = lane.in_flight.saturating_sub(1);
            if lane.in_flight == 0 {
                // Idle: nobody is really queued behind it any more.
                lanes.remove(&self.id);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_full_endpoint_spreads_its_backlog_over_its_request_time() {
        let gate = Gate::default();
        let id = EndpointId::new();
        let first = gate.enter(&id, 2).unwrap();
        let _second = gate.enter(&id, 2).unwrap();
        // Nothing finished yet: about a second per round of two.
        let waits: Vec<Duration> = (0..6).map(|_| gate.enter(&id, 2).unwrap_err()).collect();
        for (n, wait) in waits.iter().enumerate() {
            let round = (n as u64 + 2) / 2;
            let expected = Duration::from_millis(1000 * round);
            assert!(
                *wait >= expected && *wait <= expected.mul_f64(1.2),
                "{n}: {wait:?}"
            );
        }
        drop(first);
        // A slot freed: the next one in goes.
        assert!(gate.enter(&id, 2).is_ok());
        // Another endpoint is not affected.
        assert!(gate.enter(&EndpointId::new(), 2).is_ok());
    }
}
