import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadLater } from "./load-later.ts";

describe("loadLater()", () => {
  it("starts a load only once the one queued before it has settled, a failed one included", async () => {
    const started: string[] = [];
    let finishFirst!: () => void;
    const first = loadLater(() => {
      started.push("first");
      return new Promise<string>((resolve) => (finishFirst = () => resolve("first")));
    });
    const failing = loadLater(() => {
      started.push("failing");
      return Promise.reject(new Error("no such module"));
    });
    const third = loadLater(() => {
      started.push("third");
      return Promise.resolve("third");
    });
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(started, ["first"], "nothing else starts while the first is loading");
    finishFirst();
    assert.equal(await first, "first");
    await assert.rejects(failing, /no such module/);
    assert.equal(await third, "third");
    assert.deepEqual(started, ["first", "failing", "third"]);
  });
});
