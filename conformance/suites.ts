/**
 * Every conformance suite, in the order they run.
 *
 * @module
 */

import { cliSuite } from "./cli-cases.ts";
import { fakeSuite } from "./fake-cases.ts";
import { POLICY_FIXTURES, policySuite } from "./policy-cases.ts";
import { STREAM_FIXTURES, streamSuite } from "./stream-cases.ts";
import type { ConformanceSuite } from "./suite.ts";

/** Fixtures the proof suites replay; the fake suite checks none is left unused. */
export const PROOF_FIXTURES: readonly string[] = [...POLICY_FIXTURES, ...STREAM_FIXTURES];

/** Builds the suites afresh: each holds its own fake proxy and extension instances. */
export function allSuites(): ConformanceSuite[] {
  return [fakeSuite(() => PROOF_FIXTURES), policySuite(), streamSuite(), cliSuite()];
}
