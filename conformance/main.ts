/**
 * Runs every conformance suite and ends with the line `N passed, M failed`; exits 1 on any failure.
 * `deno task conformance` runs this under Deno; `npx tsx conformance/main.ts` under Node.
 *
 * `--suite <text>` (repeatable) keeps only the suites whose name contains the text; CI uses it to
 * run the pi CLI suites against another pi (`PI_CLI`, `PI_NODE`).
 *
 * @module
 */

import process from "node:process";
import { recordFigures } from "./figures.ts";
import { piVersion } from "./pi-cli.ts";
import { runSuites } from "./suite.ts";
import { allSuites } from "./suites.ts";

const wanted = process.argv.flatMap((argument, index) => (process.argv[index - 1] === "--suite" ? [argument] : []));
const suites = allSuites().filter((suite) => wanted.length === 0 || wanted.some((text) => suite.name.includes(text)));
if (suites.length === 0) {
  console.log(`no suite matches ${wanted.join(", ")}`);
  process.exit(1);
}
const report = await runSuites(suites, (line) => console.log(line));
console.log(`${report.passed} passed, ${report.failed.length} failed`);
// A whole run under Deno is the Deno figure; a run on another pi (CI's) is that pi's line of the matrix.
if (wanted.length === 0 && "Deno" in globalThis) recordFigures("conformance-deno", { passed: report.passed, failed: report.failed.length });
recordFigures(`matrix-fake-pi-${piVersion()}`, {
  pi: piVersion(),
  proxy: "fake",
  passed: report.passed,
  failed: report.failed.length,
  suites: suites.map((suite) => suite.name),
});
process.exit(report.failed.length === 0 ? 0 : 1);
