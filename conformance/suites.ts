/**
 * Every conformance suite, in the order they run.
 *
 * @module
 */

import { cliSuite } from "./cli-cases.ts";
import { docsSuite } from "./docs.ts";
import { failureSuite } from "./failure-cases.ts";
import { fakeSuite } from "./fake-cases.ts";
import { LEARNING_FIXTURES, learningSuite } from "./learning-cases.ts";
import { loginSuite } from "./login-cases.ts";
import { METADATA_FIXTURES, metadataSuite } from "./metadata-cases.ts";
import { packageSuite } from "./package-cases.ts";
import { POLICY_FIXTURES, policySuite } from "./policy-cases.ts";
import { REQUEST_TIME_FIXTURES, requestTimeSuite } from "./request-time-cases.ts";
import { SESSION_FIXTURES, sessionSuite } from "./session-cases.ts";
import { settingsSuite } from "./settings-cases.ts";
import { STREAM_FIXTURES, streamSuite } from "./stream-cases.ts";
import type { ConformanceSuite } from "./suite.ts";
import { trustSuite } from "./trust-cases.ts";

/** Fixtures the proof suites replay; the fake suite checks none is left unused. */
export const PROOF_FIXTURES: readonly string[] = [
  ...POLICY_FIXTURES,
  ...STREAM_FIXTURES,
  ...LEARNING_FIXTURES,
  ...METADATA_FIXTURES,
  ...SESSION_FIXTURES,
  ...REQUEST_TIME_FIXTURES,
];

/** Builds the suites afresh: each holds its own fake proxy and extension instances. */
export function allSuites(): ConformanceSuite[] {
  return [
    docsSuite(),
    fakeSuite(() => PROOF_FIXTURES),
    policySuite(),
    streamSuite(),
    metadataSuite(),
    learningSuite(),
    cliSuite(),
    sessionSuite(),
    requestTimeSuite(),
    settingsSuite(),
    trustSuite(),
    failureSuite(),
    loginSuite(),
    packageSuite(),
  ];
}
