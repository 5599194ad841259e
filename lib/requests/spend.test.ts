import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventCost, headerCost, keyInfoLine, keySpend, readKeyInfo, splitCost } from "./spend.ts";

describe("splitCost()", () => {
  it("splits LiteLLM's total in proportion to the priced parts", () => {
    const cost = splitCost(0.03, { input: 1000, output: 100, cacheRead: 1000, cacheWrite: 0 }, {
      input: 3,
      output: 15,
      cacheRead: 0.3,
      cacheWrite: 3.75,
    });
    // priced: input 3000, output 1500, cache read 300 (per million): 5/8, 2.5/8, 0.5/8 of 0.03
    assert.ok(Math.abs(cost.input - 0.01875) < 1e-12);
    assert.ok(Math.abs(cost.output - 0.009375) < 1e-12);
    assert.ok(Math.abs(cost.cacheRead - 0.001875) < 1e-12);
    assert.equal(cost.cacheWrite, 0);
    assert.equal(cost.total, 0.03);
  });

  it("puts everything in total when the proxy reports no prices", () => {
    assert.deepEqual(
      splitCost(0.5, { input: 10, output: 10, cacheRead: 0, cacheWrite: 0 }, { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }),
      { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0.5 },
    );
  });
});

describe("LiteLLM's figures", () => {
  it("reads the cost header, a stream's usage.cost, and the key's spend", () => {
    assert.equal(headerCost({ "x-litellm-response-cost": "0.0042" }), 0.0042);
    assert.equal(headerCost({ "x-litellm-response-cost": "nan" }), undefined);
    assert.equal(eventCost({ usage: { cost: 0.01 } }), 0.01);
    assert.equal(eventCost({ type: "response.completed", response: { usage: { cost: 0.02 } } }), 0.02);
    assert.equal(eventCost({ choices: [] }), undefined);
    assert.deepEqual(keySpend({ "x-litellm-key-spend": "9.5", "x-litellm-key-max-budget": "10" }), { spend: 9.5, maxBudget: 10 });
    assert.equal(keySpend({ "x-litellm-key-spend": "9.5" }), undefined);
  });

  it("reads /key/info into one line", () => {
    const info = readKeyInfo({ key: "x", info: { spend: 1.25, max_budget: null, expires: null, models: [] } });
    assert.equal(keyInfoLine(info), "  key: spent $1.25, no budget");
    assert.equal(keyInfoLine(readKeyInfo({ info: {} })), "  key: spend unknown");
  });
});
