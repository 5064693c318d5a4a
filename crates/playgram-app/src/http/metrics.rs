//! Prometheus metrics, rendered by hand at `/metrics`: requests and latency by route, and the DB pool.
//!
//! Each app instance owns its registry (tests run several apps in one process, which a global
//! recorder would mix). The hot path takes a read lock and bumps atomics; the write lock is taken only
//! the first time a route is seen.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Latency bucket upper bounds in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

#[derive(Default)]
pub struct Metrics {
    /// (method, route) → latency histogram.
    latency: RwLock<HashMap<(String, String), RouteStats>>,
    /// (method, route, status) → count.
    requests: RwLock<HashMap<(String, String, u16), AtomicU64>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        bump(
            &self.requests,
            (method.to_owned(), route.to_owned(), status),
            |count| {
                count.fetch_add(1, Ordering::Relaxed);
            },
        );
        bump(
            &self.latency,
            (method.to_owned(), route.to_owned()),
            |stats: &RouteStats| {
                stats.count.fetch_add(1, Ordering::Relaxed);
                stats
                    .sum_micros
                    .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
                if let Some(i) = BUCKETS.iter().position(|le| seconds <= *le) {
                    stats.buckets[i].fetch_add(1, Ordering::Relaxed);
                }
            },
        );
    }

    /// The Prometheus text exposition, with pool gauges `(open, idle, max)` appended.
    pub fn render(&self, pool: (u32, usize, u32)) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP playgram_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE playgram_http_requests_total counter\n");
        if let Ok(requests) = self.requests.read() {
            let mut rows: Vec<_> = requests.iter().collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            for ((method, route, status), count) in rows {
                let _ = writeln!(
                    out,
                    "playgram_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                    escape(route),
                    count.load(Ordering::Relaxed)
                );
            }
        }
        out.push_str("# HELP playgram_http_request_duration_seconds HTTP request latency by method and route.\n");
        out.push_str("# TYPE playgram_http_request_duration_seconds histogram\n");
        if let Ok(latency) = self.latency.read() {
            let mut rows: Vec<_> = latency.iter().collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            for ((method, route), stats) in rows {
                let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
                let mut cumulative = 0;
                for (i, le) in BUCKETS.iter().enumerate() {
                    cumulative += stats.buckets[i].load(Ordering::Relaxed);
                    let _ = writeln!(
                        out,
                        "playgram_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                    );
                }
                let count = stats.count.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "playgram_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
                );
                let sum = stats.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
                let _ = writeln!(
                    out,
                    "playgram_http_request_duration_seconds_sum{{{labels}}} {sum}"
                );
                let _ = writeln!(
                    out,
                    "playgram_http_request_duration_seconds_count{{{labels}}} {count}"
                );
            }
        }
        let (open, idle, max) = pool;
        out.push_str("# HELP playgram_db_pool_connections Database pool connections by state.\n");
        out.push_str("# TYPE playgram_db_pool_connections gauge\n");
        let _ = writeln!(out, "playgram_db_pool_connections{{state=\"open\"}} {open}");
        let _ = writeln!(out, "playgram_db_pool_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(
            out,
            "playgram_db_pool_connections{{state=\"in_use\"}} {}",
            (open as usize).saturating_sub(idle)
        );
        let _ = writeln!(out, "playgram_db_pool_max_connections {max}");
        out
    }
}

fn bump<K: std::hash::Hash + Eq, V: Default>(
    map: &RwLock<HashMap<K, V>>,
    key: K,
    apply: impl Fn(&V),
) {
    if let Ok(read) = map.read()
        && let Some(value) = read.get(&key)
    {
        apply(value);
        return;
    }
    if let Ok(mut write) = map.write() {
        apply(write.entry(key).or_default());
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/api/v1/me", 200, 0.0004);
        metrics.observe("GET", "/api/v1/me", 200, 0.02);
        let text = metrics.render((2, 1, 16));
        assert!(text.contains(
            "playgram_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.0005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("playgram_db_pool_connections{state=\"in_use\"} 1"));
    }
}
