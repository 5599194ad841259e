/**
 * Runs every conformance suite and ends with the line `N passed, M failed`; exits 1 on any failure.
 * `deno task conformance` runs this under Deno; `npx tsx conformance/main.ts` under Node.
 *
 * @module
 */

import process from "node:process";
import { runSuites } from "./suite.ts";
import { allSuites } from "./suites.ts";

const report = await runSuites(allSuites(), (line) => console.log(line));
console.log(`${report.passed} passed, ${report.failed.length} failed`);
process.exit(report.failed.length === 0 ? 0 : 1);
