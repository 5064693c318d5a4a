//! Counters and histograms of job runs for `/metrics` (queue depth is read from the database when
//! scraped). Each worker owns its instance, like the HTTP metrics.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Mutex;

const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0, 120.0,
];

#[derive(Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        self.count += 1;
        self.sum += seconds;
        if let Some(i) = BUCKETS.iter().position(|le| seconds <= *le) {
            self.buckets[i] += 1;
        }
    }

    fn render(&self, out: &mut String, metric: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, le) in BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i];
            let _ = writeln!(out, "{metric}_bucket{{{labels},le=\"{le}\"}} {cumulative}");
        }
        let _ = writeln!(
            out,
            "{metric}_bucket{{{labels},le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{metric}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{metric}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    /// (job name, outcome) → runs.
    runs: HashMap<(String, &'static str), u64>,
    /// job name → run duration.
    durations: HashMap<String, Histogram>,
    /// queue → time from due to start.
    pickup: HashMap<String, Histogram>,
}

#[derive(Default)]
pub struct JobMetrics {
    inner: Mutex<Inner>,
}

impl JobMetrics {
    pub fn run(&self, name: &str, outcome: &'static str, seconds: f64) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner.runs.entry((name.to_owned(), outcome)).or_default() += 1;
            inner
                .durations
                .entry(name.to_owned())
                .or_default()
                .observe(seconds);
        }
    }

    pub fn pickup(&self, queue: &str, seconds: f64) {
        if let Ok(mut inner) = self.inner.lock() {
            inner
                .pickup
                .entry(queue.to_owned())
                .or_default()
                .observe(seconds.max(0.0));
        }
    }

    pub fn render(&self, out: &mut String) {
        let Ok(inner) = self.inner.lock() else {
            return;
        };
        out.push_str(
            "# HELP playgram_job_runs_total Job runs by type and outcome (done, retry, dead).\n",
        );
        out.push_str("# TYPE playgram_job_runs_total counter\n");
        let mut runs: Vec<_> = inner.runs.iter().collect();
        runs.sort();
        for ((name, outcome), count) in runs {
            let _ = writeln!(
                out,
                "playgram_job_runs_total{{job=\"{name}\",outcome=\"{outcome}\"}} {count}"
            );
        }
        out.push_str("# HELP playgram_job_duration_seconds Job run time by type.\n");
        out.push_str("# TYPE playgram_job_duration_seconds histogram\n");
        let mut durations: Vec<_> = inner.durations.iter().collect();
        durations.sort_by(|a, b| a.0.cmp(b.0));
        for (name, histogram) in durations {
            histogram.render(
                out,
                "playgram_job_duration_seconds",
                &format!("job=\"{name}\""),
            );
        }
        out.push_str("# HELP playgram_job_pickup_seconds Time from a job being due to its start, by queue.\n");
        out.push_str("# TYPE playgram_job_pickup_seconds histogram\n");
        let mut pickup: Vec<_> = inner.pickup.iter().collect();
        pickup.sort_by(|a, b| a.0.cmp(b.0));
        for (queue, histogram) in pickup {
            histogram.render(
                out,
                "playgram_job_pickup_seconds",
                &format!("queue=\"{queue}\""),
            );
        }
    }
}
