/**
 * `npm run test:litellm`: the real-LiteLLM tier. Installs the pinned proxy on first use, runs every
 * case through it, and ends with `N passed, M failed`; exits 1 on any failure. A machine without
 * Python, or without the package index, gets one line saying so.
 *
 * `--record` also writes what the real proxy answered to each negative control as fixtures;
 * `--suite <text>` (repeatable) keeps the suites whose name contains the text.
 *
 * @module
 */

import process from "node:process";
import { piVersion } from "./pi-cli.ts";
import { ensureVenv, LITELLM_VERSION, RealTierUnavailable } from "./real-litellm.ts";
import { busySuite } from "./real-busy-cases.ts";
import { realSuites } from "./real-cases.ts";
import { mcpSuite, piHasMcp } from "./real-mcp-cases.ts";
import { recordFigures } from "./figures.ts";
import { runSuites } from "./suite.ts";

try {
  ensureVenv((line) => console.log(line));
} catch (error) {
  console.error(error instanceof RealTierUnavailable ? error.message : `Cannot prepare the real LiteLLM tier: ${(error as Error).message}`);
  process.exit(1);
}
const wanted = process.argv.flatMap((argument, index) => (process.argv[index - 1] === "--suite" ? [argument] : []));
// The MCP gateway needs a pi with MCP; CI runs that suite again with PI_CLI set to pi 1.6.0.
const withMcp = piHasMcp();
if (!withMcp) console.log("skipping the MCP gateway suite: it needs PI_CLI to be pi 1.x (.ci/run runs it with pi 1.6.0)");
const suites = [...realSuites({ record: process.argv.includes("--record") }), busySuite(), ...(withMcp ? [mcpSuite()] : [])]
  .filter((suite) => wanted.length === 0 || wanted.some((text) => suite.name.includes(text)));
// A filter that matches nothing would pass with nothing run.
const unmatched = wanted.filter((text) => !suites.some((suite) => suite.name.includes(text)) && !(text === "MCP gateway" && !withMcp));
if (unmatched.length > 0 || (wanted.length > 0 && suites.length === 0 && withMcp)) {
  console.error(`no real-tier suite matches ${unmatched.join(", ") || wanted.join(", ")}`);
  process.exit(1);
}
const report = await runSuites(suites, (line) => console.log(line));
console.log(`${report.passed} passed, ${report.failed.length} failed`);
if (wanted.length === 0) recordFigures(`real-litellm-${LITELLM_VERSION}`, { passed: report.passed, failed: report.failed.length });
recordFigures(`matrix-litellm-${LITELLM_VERSION}-pi-${piVersion()}`, {
  pi: piVersion(),
  proxy: `LiteLLM ${LITELLM_VERSION}`,
  passed: report.passed,
  failed: report.failed.length,
  suites: suites.map((suite) => suite.name),
});
process.exit(report.failed.length === 0 ? 0 : 1);
