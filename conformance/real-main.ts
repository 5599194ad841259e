/**
 * `npm run test:litellm`: the real-LiteLLM tier. Installs the pinned proxy on first use, runs every
 * case through it, and ends with `N passed, M failed`; exits 1 on any failure. A machine without
 * Python, or without the package index, gets one line saying so.
 *
 * `--record` also writes what the real proxy answered to each negative control as fixtures.
 *
 * @module
 */

import process from "node:process";
import { ensureVenv, RealTierUnavailable } from "./real-litellm.ts";
import { realSuites } from "./real-cases.ts";
import { recordFigures } from "./figures.ts";
import { runSuites } from "./suite.ts";

try {
  ensureVenv((line) => console.log(line));
} catch (error) {
  console.error(error instanceof RealTierUnavailable ? error.message : `Cannot prepare the real LiteLLM tier: ${(error as Error).message}`);
  process.exit(1);
}
const report = await runSuites(realSuites({ record: process.argv.includes("--record") }), (line) => console.log(line));
console.log(`${report.passed} passed, ${report.failed.length} failed`);
recordFigures("real-litellm", { passed: report.passed, failed: report.failed.length });
process.exit(report.failed.length === 0 ? 0 : 1);
