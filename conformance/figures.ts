/**
 * The README's figures that change from run to run (test and case counts, coverage, benchmark
 * ratios), rendered from what the runs themselves recorded instead of typed by hand. Each run writes
 * its figures to `coverage/figures/<run>.json`; `npm run docs` renders the ones present and leaves
 * the others as they were.
 *
 * @module
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where runs leave their figures (git-ignored, like the coverage report beside them). */
export const FIGURES_DIR = fileURLToPath(new URL("../coverage/figures/", import.meta.url));

/** What a conformance run records. */
export interface SuiteFigures {
  passed: number;
  failed: number;
}

/** What the benchmark records on one pi (`bench-pi-<version>.json`), one row per measure. */
export interface BenchFigures {
  node: string;
  /** The pi CLI whose start was measured, as `pi --version` prints it. */
  pi: string;
  rows: { name: string; goal: string; ratio: number; detail: string }[];
}

/** Records one run's figures, for the next `npm run docs`. */
export function recordFigures(run: string, figures: SuiteFigures | BenchFigures | Record<string, unknown>): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  writeFileSync(join(FIGURES_DIR, `${run}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}

function read<T>(dir: string, name: string): T | undefined {
  const file = join(dir, name);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) as T : undefined;
}

/** Every run's figures whose file name matches `pattern`, in the order of their names. */
function recordedRuns<T>(dir: string, pattern: RegExp): { name: string; figures: T }[] {
  const names = existsSync(dir) ? readdirSync(dir).filter((name) => pattern.test(name)).sort() : [];
  return names.map((name) => ({ name, figures: read<T>(dir, name)! }));
}

const versionParts = (text: string) => text.split(".").map(Number);
/** Orders release numbers as releases, not as text: 0.73.1 before 0.100.0. */
const byVersion = (a: string, b: string) =>
  versionParts(a).reduce((order, part, index) => order || part - (versionParts(b)[index] ?? 0), 0);

const percent = (value: number) => `${value.toFixed(1)} %`;
/** A run's failures, said beside what passed: a figure counts only passed cases. */
const failed = (count: number) => (count > 0 ? ` (${count} failed)` : "");

/** The test-and-coverage paragraph, from `npm test`'s TAP report and c8's summary; `undefined` before a run. */
export function testFigures(dir = FIGURES_DIR): string | undefined {
  const tap = existsSync(join(dir, "tests.tap")) ? readFileSync(join(dir, "tests.tap"), "utf8") : undefined;
  const summary = read<{ total: Record<"statements" | "branches" | "functions", { pct: number }> }>(dir, "../coverage-summary.json");
  const tests = tap && /^# pass (\d+)$/m.exec(tap)?.[1];
  const failedTests = Number(tap && /^# fail (\d+)$/m.exec(tap)?.[1] || 0);
  const reals = recordedRuns<SuiteFigures>(dir, /^real-litellm-[\d.]+\.json$/)
    .map(({ name, figures }) => ({ version: name.slice("real-litellm-".length, -".json".length), ...figures }));
  const real = reals.length > 0
    ? ` The real-LiteLLM tier passes ${
      reals.map((run) => `${run.passed} cases${failed(run.failed)} on LiteLLM ${run.version}`).join(" and ")
    }.`
    : "";
  const deno = read<SuiteFigures>(dir, "conformance-deno.json");
  if (!tests || !summary) return undefined;
  const { statements, branches, functions } = summary.total;
  return [
    `Coverage (\`npm test\` gates branches and functions at 90 %): \`lib/\` has ${percent(statements.pct)} of statements,`,
    `${percent(branches.pct)} of branches and ${percent(functions.pct)} of functions covered (\`npm test\` passes ${tests} tests${
      failed(failedTests)
    }: the unit tests and the`,
    `conformance cases).${real}${deno ? ` Under Deno the conformance suite passes ${deno.passed} cases${failed(deno.failed)}.` : ""}`,
  ].join("\n");
}

/** The benchmark table, from the last `npm run bench` on each pi; `undefined` before one. */
export function benchFigures(dir = FIGURES_DIR): string | undefined {
  const runs = recordedRuns<BenchFigures>(dir, /^bench-pi-.*\.json$/).map((run) => run.figures).sort((a, b) => byVersion(a.pi, b.pi));
  if (runs.length === 0) return undefined;
  const rows = runs.flatMap((run) =>
    run.rows.map((row) => `| ${run.pi} (node ${run.node}) | ${row.name} | ${row.goal} | ${row.ratio.toFixed(3)} (${row.detail}) |`)
  );
  return ["| pi | Measure | Goal | Measured (last run) |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** What the real tier's busy-backend cases record, per pi and LiteLLM version. */
interface BusyFigures {
  pi: string;
  litellm: string;
  rows: { case: string; model: string; wireApi: string; status: number; requests: number; seconds: number }[];
}

/** The busy-backend table, from every pi's and LiteLLM's last real-tier run; `undefined` before one. */
export function busyFigures(dir = FIGURES_DIR): string | undefined {
  const runs = recordedRuns<BusyFigures>(dir, /^real-busy-.*\.json$/).map((run) => run.figures);
  if (runs.length === 0) return undefined;
  const rows = runs.flatMap((run) =>
    run.rows.map((row) =>
      `| ${run.pi} | ${run.litellm} | ${
        row.case === "persistent" ? `persistent ${row.status}` : `429, ${row.case}`
      } | ${row.wireApi} | ${row.requests} | ${row.seconds} s |`
    )
  );
  return [
    "| pi | LiteLLM | Backend answers | Route | Proxy requests | Until the line or answer |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** One run of the suites on one pi against one proxy, for the matrix. */
interface MatrixRun {
  pi: string;
  proxy: string;
  passed: number;
  failed: number;
  suites: string[];
}

/**
 * Which pis and which LiteLLM releases are verified, from the last runs: a row per pi, a column per
 * proxy (the fake's CLI suites, each real LiteLLM), each cell the cases that passed there.
 */
export function matrixFigures(dir = FIGURES_DIR): string | undefined {
  const runs = recordedRuns<MatrixRun>(dir, /^matrix-.*\.json$/).map((run) => run.figures);
  if (runs.length === 0) return undefined;
  const pis = [...new Set(runs.map((run) => run.pi))].sort(byVersion);
  const proxies = [...new Set(runs.map((run) => run.proxy))].sort();
  const cell = (pi: string, proxy: string) => {
    const run = runs.find((candidate) => candidate.pi === pi && candidate.proxy === proxy);
    return run ? `${run.passed} passed${failed(run.failed)}, ${run.suites.length} suite${run.suites.length === 1 ? "" : "s"}` : "not run";
  };
  const head = `| pi | ${proxies.map((proxy) => (proxy === "fake" ? "the fake LiteLLM (CLI suites)" : proxy)).join(" | ")} |`;
  return [
    head,
    `| --- |${proxies.map(() => " --- |").join("")}`,
    ...pis.map((pi) => `| ${pi} | ${proxies.map((proxy) => cell(pi, proxy)).join(" | ")} |`),
  ].join("\n");
}
