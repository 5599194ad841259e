/**
 * The conformance suites under `node:test`: `node --test` in CI and `deno test` both run this file.
 *
 * @module
 */

import { after, before, describe, it } from "node:test";
import { CASE_DEADLINE_MS } from "./suite.ts";
import { allSuites } from "./suites.ts";

for (const suite of allSuites()) {
  describe(suite.name, () => {
    // The same last-resort bound as main.ts's runs: a hung case fails by name.
    const timeout = CASE_DEADLINE_MS;
    if (suite.before) before(() => suite.before!(), { timeout });
    if (suite.after) after(() => suite.after!(), { timeout });
    for (const testCase of suite.cases) it(testCase.name, { timeout }, () => testCase.run());
  });
}
