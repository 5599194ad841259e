/**
 * Every conformance suite, in the order they run.
 *
 * @module
 */

import { policySuite } from "./policy-cases.ts";
import { streamSuite } from "./stream-cases.ts";
import type { ConformanceSuite } from "./suite.ts";

/** Builds the suites afresh: each holds its own fake proxy and extension instances. */
export function allSuites(): ConformanceSuite[] {
  return [policySuite(), streamSuite()];
}
