// Summarizes a Google Benchmark JSON report of hookline_bench_receiver_load run with repetitions:
// one line per load, "CONNECTIONS DURABLE RUNS MEDIAN_EVENTS_PER_S MEDIAN_P50_MS MEDIAN_P99_MS MAX_MS
// FAILURES", where DURABLE is 1 for the SQLite inbox and 0 for the in-memory one, RUNS each
// repetition's events/s joined by commas, MAX_MS the slowest request of every repetition and
// FAILURES their sum.
//   node receiver-load-runs.mjs REPORT.json
import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error(`usage: node ${process.argv[1]} REPORT.json`);
  process.exit(2);
}
// Google Benchmark writes bare NaN and Infinity, which are not JSON, in some aggregates (the
// coefficient of variation of a counter that is always 0); only the repetitions themselves are read.
const report = JSON.parse(readFileSync(file, "utf8").replace(/:\s*-?(NaN|Infinity)\b/g, ": null"));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const byLoad = new Map();
for (const run of report.benchmarks.filter((b) => b.run_type === "iteration")) {
  const connections = /\/connections:(\d+)/.exec(run.name)?.[1];
  const durable = /\/durable:([01])/.exec(run.name)?.[1];
  if (connections === undefined || durable === undefined) {
    console.error(`unexpected benchmark name in ${file}: ${run.name}`);
    process.exit(1);
  }
  const load = `${connections} ${durable}`;
  if (!byLoad.has(load)) byLoad.set(load, []);
  byLoad.get(load).push(run);
}
if (byLoad.size === 0) {
  console.error(`no runs in ${file}`);
  process.exit(1);
}
for (const [load, runs] of byLoad) {
  const rates = runs.map((r) => Math.round(r.events_per_s));
  console.log([
    load,
    rates.join(","),
    Math.round(median(rates)),
    median(runs.map((r) => r.p50_ms)).toFixed(2),
    median(runs.map((r) => r.p99_ms)).toFixed(2),
    Math.max(...runs.map((r) => r.max_ms)).toFixed(2),
    runs.reduce((sum, r) => sum + r.failures, 0),
  ].join(" "));
}
