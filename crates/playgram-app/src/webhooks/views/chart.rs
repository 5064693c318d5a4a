//! The endpoint page's chart: its messages of the last 24 hours, one stacked bar per hour by their
//! status now, drawn here as inline SVG (no script) and said in words for screen readers.

use std::collections::BTreeMap;

use playgram_core::time::{Millis, to_datetime};

use super::super::messages::HourCount;

/// Height and width of the drawing area, in SVG units (one hour is 25 wide).
pub const CHART_HEIGHT: u32 = 120;
pub const CHART_WIDTH: u32 = 600;
const HOURS: i64 = 24;
const HOUR_MS: i64 = 3_600_000;

/// The statuses, stacked from the bottom, with their bar classes.
const STACK: [(&str, &str); 4] = [
    ("delivered", "bar-done"),
    ("pending", "bar-pending"),
    ("failing", "bar-failed"),
    ("failed", "bar-dead"),
];

pub struct Bar {
    pub x: u32,
    /// What the hour holds, for the bar's tooltip.
    pub label: String,
    /// (CSS class, y, height), from the bottom up.
    pub parts: Vec<(&'static str, String, String)>,
}

pub struct HourChart {
    pub bars: Vec<Bar>,
    /// The chart in words (also its accessible name).
    pub summary: String,
}

impl HourChart {
    /// The chart of the 24 hours up to and including the current one.
    pub fn of(rows: &[HourCount], now: Millis) -> HourChart {
        let this_hour = now - now.rem_euclid(HOUR_MS);
        let first = this_hour - (HOURS - 1) * HOUR_MS;
        let mut by_hour: BTreeMap<Millis, [i64; 4]> = BTreeMap::new();
        for row in rows {
            if let Some(at) = STACK.iter().position(|(s, _)| *s == row.status) {
                by_hour.entry(row.hour_start).or_default()[at] += row.count;
            }
        }
        let hours: Vec<(Millis, [i64; 4])> = (0..HOURS)
            .map(|i| {
                let hour = first + i * HOUR_MS;
                (hour, by_hour.get(&hour).copied().unwrap_or_default())
            })
            .collect();
        let peak = hours
            .iter()
            .map(|(_, c)| c.iter().sum::<i64>())
            .max()
            .unwrap_or(0);
        let scale = if peak > 0 {
            f64::from(CHART_HEIGHT - 8) / peak as f64
        } else {
            0.0
        };
        let bars = hours
            .iter()
            .enumerate()
            .map(|(i, (hour, counts))| {
                let mut bottom = f64::from(CHART_HEIGHT);
                let mut parts = Vec::new();
                for ((_, class), count) in STACK.iter().zip(counts) {
                    if *count == 0 {
                        continue;
                    }
                    let height = (*count as f64 * scale).max(2.0);
                    bottom -= height;
                    parts.push((*class, format!("{bottom:.1}"), format!("{height:.1}")));
                }
                Bar {
                    x: i as u32 * 25 + 2,
                    label: format!(
                        "{} UTC: {}",
                        to_datetime(*hour).format("%H:00"),
                        words(counts)
                    ),
                    parts,
                }
            })
            .collect();
        let mut sums = [0i64; 4];
        for (_, counts) in &hours {
            for (sum, n) in sums.iter_mut().zip(counts) {
                *sum += n;
            }
        }
        let summary = if peak == 0 {
            "No message in the last 24 hours.".to_owned()
        } else {
            format!(
                "Messages of the last 24 hours: {}. Busiest hour: {peak}.",
                words(&sums)
            )
        };
        HourChart { bars, summary }
    }
}

fn words(counts: &[i64; 4]) -> String {
    STACK
        .iter()
        .zip(counts)
        .map(|((status, _), n)| format!("{n} {status}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(hour_start: Millis, status: &str, count: i64) -> HourCount {
        HourCount {
            hour_start,
            status: status.to_owned(),
            count,
        }
    }

    #[test]
    fn a_bar_per_hour_stacked_by_status() {
        let now: Millis = 1_800_000_000_000 + 1_234;
        let this_hour = now - now.rem_euclid(HOUR_MS);
        let rows = [
            count(this_hour - 30 * HOUR_MS, "delivered", 99), // before the day: not drawn
            count(this_hour - 23 * HOUR_MS, "delivered", 1),
            count(this_hour, "delivered", 3),
            count(this_hour, "failed", 1),
        ];
        let chart = HourChart::of(&rows, now);
        assert_eq!(chart.bars.len(), 24);
        assert_eq!(chart.bars[0].parts.len(), 1);
        let last = &chart.bars[23];
        assert_eq!(last.x, 577);
        let classes: Vec<_> = last.parts.iter().map(|p| p.0).collect();
        assert_eq!(classes, ["bar-done", "bar-dead"]);
        assert_eq!(last.parts[0], ("bar-done", "36.0".into(), "84.0".into()));
        assert!(
            last.label
                .ends_with("3 delivered, 0 pending, 0 failing, 1 failed")
        );
        assert_eq!(
            chart.summary,
            "Messages of the last 24 hours: 4 delivered, 0 pending, 0 failing, 1 failed. \
             Busiest hour: 4."
        );
        assert_eq!(
            HourChart::of(&[], now).summary,
            "No message in the last 24 hours."
        );
    }
}
