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

/** Runs every case in order, reporting each on `log`; setup failures fail the suite's cases. */
export async function runSuites(suites: readonly ConformanceSuite[], log: (line: string) => void): Promise<SuiteReport> {
  const report: SuiteReport = { passed: 0, failed: [] };
  const fail = (name: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    report.failed.push({ name, error: message });
    log(`  ✗ ${name}\n      ${message.split("\n").join("\n      ")}`);
  };
  for (const suite of suites) {
    log(suite.name);
    try {
      await suite.before?.();
    } catch (error) {
      for (const testCase of suite.cases) fail(`${suite.name} › ${testCase.name}`, error);
      continue;
    }
    for (const testCase of suite.cases) {
      try {
        await testCase.run();
        report.passed++;
        log(`  ✓ ${testCase.name}`);
      } catch (error) {
        fail(`${suite.name} › ${testCase.name}`, error);
      }
    }
    await suite.after?.().catch((error) => fail(`${suite.name} › after`, error));
  }
  return report;
}
