import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { runSuites } from "./suite.ts";

describe("runSuites()", () => {
  it("fails a case that never settles by name once the deadline passes, and goes on to the next case and the teardown", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const lines: string[] = [];
      let tornDown = false;
      const running = runSuites(
        [{
          name: "a suite",
          cases: [
            { name: "waits on a server that never answers", run: () => new Promise<void>(() => {}) },
            { name: "answers", run: () => Promise.resolve() },
          ],
          after: () => Promise.resolve(void (tornDown = true)),
        }],
        (line) => lines.push(line),
        60_000,
      );
      // The hung case is the one pending: its deadline is the only timer there is.
      await Promise.resolve();
      mock.timers.tick(60_000);
      const report = await running;
      assert.equal(report.passed, 1);
      assert.deepEqual(report.failed, [{
        name: "a suite › waits on a server that never answers",
        error: "waits on a server that never answers did not finish within 60 s (hung)",
      }]);
      assert.ok(tornDown, "the teardown still runs");
      assert.ok(lines.includes("  ✓ answers"));
    } finally {
      mock.timers.reset();
    }
  });
});
