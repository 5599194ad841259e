/**
 * The conformance suites under `node:test`: `node --test` in CI and `deno test` both run this file.
 *
 * @module
 */

import { after, before, describe, it } from "node:test";
import { allSuites } from "./suites.ts";

for (const suite of allSuites()) {
  describe(suite.name, () => {
    if (suite.before) before(() => suite.before!());
    if (suite.after) after(() => suite.after!());
    for (const testCase of suite.cases) it(testCase.name, () => testCase.run());
  });
}
