// Summarizes a Google Benchmark JSON report of hookline_bench_receiver_load run with repetitions:
// one line per connection count, "CONNECTIONS RUNS MEDIAN_EVENTS_PER_S MEDIAN_P50_MS MEDIAN_P99_MS
// MAX_MS FAILURES", where RUNS is each repetition's events/s joined by commas, MAX_MS the slowest
// request of every repetition and FAILURES their sum.
//   node receiver-load-runs.mjs REPORT.json
import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error(`usage: node ${process.argv[1]} REPORT.json`);
  process.exit(2);
}
// Google Benchmark writes bare NaN and inf, which are not JSON, in some aggregates (the coefficient
// of variation of a counter that is always 0); only the repetitions themselves are read here.
const report = JSON.parse(readFileSync(file, "utf8").replace(/:\s*-?(NaN|inf)\b/g, ": null"));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const byConnections = new Map();
for (const run of report.benchmarks.filter((b) => b.run_type === "iteration")) {
  const connections = Number(/connections:(\d+)/.exec(run.name)?.[1]);
  if (!byConnections.has(connections)) byConnections.set(connections, []);
  byConnections.get(connections).push(run);
}
if (byConnections.size === 0) {
  console.error(`no runs in ${file}`);
  process.exit(1);
}
for (const [connections, runs] of byConnections) {
  const rates = runs.map((r) => Math.round(r.events_per_s));
  console.log([
    connections,
    rates.join(","),
    median(rates),
    median(runs.map((r) => r.p50_ms)).toFixed(2),
    median(runs.map((r) => r.p99_ms)).toFixed(2),
    Math.max(...runs.map((r) => r.max_ms)).toFixed(2),
    runs.reduce((sum, r) => sum + r.failures, 0),
  ].join(" "));
}
