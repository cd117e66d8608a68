//! The HTML report. The runs it shows are kept as JSON inside the page
//! (`<script type="application/json" id="sibyl-stress-runs">`), so
//! `-graph file=report.html` on an existing report appends a run and
//! re-renders every chart with all runs overlaid, like cassandra-stress.

use std::fmt::Write;
use std::path::Path;

use super::RunSummary;
use super::svg::{PALETTE, Series, line_chart};
use crate::error::StressError;

const DATA_OPEN: &str = r#"<script type="application/json" id="sibyl-stress-runs">"#;
const DATA_CLOSE: &str = "</script>";

/// Reads the runs stored in an existing report (none if the file is absent).
pub fn read_runs(path: &Path) -> Result<Vec<RunSummary>, StressError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StressError::io("read", path, e)),
    };
    let bad = |message: String| StressError::Input {
        path: path.into(),
        message,
    };
    let start = text
        .find(DATA_OPEN)
        .ok_or_else(|| bad("not a sibyl-stress report".into()))?
        + DATA_OPEN.len();
    let end = start
        + text
            .get(start..)
            .and_then(|t| t.find(DATA_CLOSE))
            .ok_or_else(|| bad("truncated report".into()))?;
    let json = text
        .get(start..end)
        .unwrap_or_default()
        .replace("<\\/", "</");
    serde_json::from_str(&json).map_err(|e| bad(e.to_string()))
}

/// Adds `run` to the report at `path` (creating it) and rewrites the page.
pub fn append_run(path: &Path, run: &RunSummary) -> Result<usize, StressError> {
    let mut runs = read_runs(path)?;
    runs.push(run.clone());
    let page = render(&runs)?;
    std::fs::write(path, page).map_err(|e| StressError::io("write", path, e))?;
    Ok(runs.len())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn render(runs: &[RunSummary]) -> Result<String, StressError> {
    let color = |i: usize| PALETTE.get(i % PALETTE.len()).copied().unwrap_or("#000");
    let mut throughput = Vec::new();
    let mut latency = Vec::new();
    let mut raw = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let label = format!("{}: {}", i + 1, run.label());
        let totals: Vec<_> = run.totals_over_time().collect();
        throughput.push(Series {
            label: label.clone(),
            color: color(i),
            dash: "",
            points: totals.iter().map(|t| (t.time_s, t.op_rate)).collect(),
        });
        for (name, dash, pick) in [
            (
                "p50",
                "2,3",
                (|t: &crate::stats::OpInterval| t.latency.p50_ms)
                    as fn(&crate::stats::OpInterval) -> f64,
            ),
            ("p99", "", |t| t.latency.p99_ms),
            ("p99.9", "8,3", |t| t.latency.p999_ms),
        ] {
            latency.push(Series {
                label: format!("{} {name}", i + 1),
                color: color(i),
                dash,
                points: totals.iter().map(|t| (t.time_s, pick(t))).collect(),
            });
        }
        raw.push(Series {
            label: format!("{} raw p99", i + 1),
            color: color(i),
            dash: "",
            points: totals.iter().map(|t| (t.time_s, t.raw.p99_ms)).collect(),
        });
    }
    let mut page = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sibyl-stress report</title>\n<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}td.l{text-align:left}</style></head><body>\n<h1>sibyl-stress report</h1>\n",
    );
    page.push_str("<table><tr><th>#</th><th>run</th><th>revision</th><th>command</th><th>ops</th><th>op/s</th><th>requested</th><th>mean ms</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>raw p99</th><th>errors</th></tr>\n");
    for (i, run) in runs.iter().enumerate() {
        let l = &run.latency;
        let requested = run
            .requested_rate_ops_per_s
            .map_or_else(|| "unlimited".to_owned(), |r| format!("{r:.0}"));
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\"><code>{}</code></td><td>{}</td><td>{:.0}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
            i + 1,
            escape(run.title.as_deref().unwrap_or("")),
            escape(run.revision.as_deref().unwrap_or("")),
            escape(&run.command),
            run.total_ops,
            run.achieved_rate_ops_per_s,
            requested,
            l.mean_ms,
            l.p50_ms,
            l.p99_ms,
            l.p999_ms,
            l.max_ms,
            run.raw.p99_ms,
            run.total_errors
        );
    }
    page.push_str("</table>\n");
    page.push_str(&line_chart(
        "throughput",
        "Throughput over time",
        "time [s]",
        "op/s",
        &throughput,
    ));
    page.push('\n');
    page.push_str(&line_chart(
        "latency",
        "Latency percentiles over time (corrected: from intended start)",
        "time [s]",
        "ms",
        &latency,
    ));
    page.push('\n');
    page.push_str(&line_chart(
        "service-time",
        "Service time p99 over time (raw: from actual send)",
        "time [s]",
        "ms",
        &raw,
    ));
    page.push('\n');
    let json = serde_json::to_string(runs).map_err(|e| StressError::usage(e.to_string()))?;
    page.push_str(DATA_OPEN);
    page.push_str(&json.replace("</", "<\\/"));
    page.push_str(DATA_CLOSE);
    page.push_str("\n</body></html>\n");
    Ok(page)
}
