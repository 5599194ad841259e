/**
 * A conformance suite is data: named cases with shared setup. `conformance.test.ts` hands them to
 * `node:test` (Node and `deno test`); `main.ts` runs them directly and prints `N passed, M failed`.
 *
 * @module
 */

/** One check, able to fail. */
export interface ConformanceCase {
  name: string;
  run(): Promise<void>;
}

/**
 * How long one case, or a suite's setup or teardown, may take before it fails as hung. Every wait
 * inside a case has a bound of its own (pi's run, the terminal's screen, the proxy's start); this
 * one is the last resort, so that a wait someone forgot to bound fails by name instead of stalling
 * the whole run until CI gives up on it.
 */
export const CASE_DEADLINE_MS = 300_000;

/** `work`, or a failure naming `what` once `ms` have passed without it settling. */
export function withinDeadline<T>(work: Promise<T>, what: string, ms = CASE_DEADLINE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s (hung)`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Cases that share a fake proxy or an extension instance. */
export interface ConformanceSuite {
  name: string;
  before?(): Promise<void>;
  after?(): Promise<void>;
  cases: ConformanceCase[];
}

/** The outcome of {@link runSuites}. */
export interface SuiteReport {
  passed: number;
  failed: { name: string; error: string }[];
}

/** How long a case took, shown only when it is slow enough to matter to the run's length. */
function took(started: number): string {
  const seconds = (performance.now() - started) / 1000;
  return seconds >= SLOW_CASE_S ? ` (${seconds.toFixed(0)} s)` : "";
}
const SLOW_CASE_S = 10;

/**
 * Runs every case in order, reporting each on `log`; setup failures fail the suite's cases, and a
 * case (or setup, or teardown) still pending after `deadlineMs` fails as hung.
 */
export async function runSuites(
  suites: readonly ConformanceSuite[],
  log: (line: string) => void,
  deadlineMs = CASE_DEADLINE_MS,
): Promise<SuiteReport> {
  const report: SuiteReport = { passed: 0, failed: [] };
  const fail = (name: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    report.failed.push({ name, error: message });
    log(`  ✗ ${name}\n      ${message.split("\n").join("\n      ")}`);
  };
  for (const suite of suites) {
    log(suite.name);
    try {
      if (suite.before) await withinDeadline(suite.before(), `${suite.name}: its setup`, deadlineMs);
    } catch (error) {
      for (const testCase of suite.cases) fail(`${suite.name} › ${testCase.name}`, error);
      continue;
    }
    for (const testCase of suite.cases) {
      try {
        const started = performance.now();
        await withinDeadline(testCase.run(), testCase.name, deadlineMs);
        report.passed++;
        log(`  ✓ ${testCase.name}${took(started)}`);
      } catch (error) {
        fail(`${suite.name} › ${testCase.name}`, error);
      }
    }
    if (suite.after) {
      await withinDeadline(suite.after(), `${suite.name}: its teardown`, deadlineMs).catch((error) => fail(`${suite.name} › after`, error));
    }
  }
  return report;
}
