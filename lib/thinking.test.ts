import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { effortsFromFlags, isThinkingLevelsSetting, thinkingLevelsFor, toThinkingLevelMap } from "./thinking.ts";

describe("thinkingLevelsFor()", () => {
  const rows: [string[], Record<string, string | null>][] = [
    [["none", "minimal", "low", "medium", "high"], { minimal: "minimal", low: "low", medium: "medium", high: "high", xhigh: null }],
    [["low", "medium", "high"], { off: null, minimal: null, low: "low", medium: "medium", high: "high", xhigh: null }],
    [["low", "high", "max"], { off: null, minimal: null, low: "low", medium: null, high: "high", xhigh: "max" }],
    [["medium", "high", "xhigh", "max"], { off: null, minimal: null, low: null, medium: "medium", high: "high", xhigh: "xhigh" }],
  ];
  for (const [efforts, expected] of rows) it(`${efforts.join(",")}`, () => assert.deepEqual(thinkingLevelsFor(efforts), expected));
});

describe("effortsFromFlags()", () => {
  it("accepts the levels a missing flag allows and those flagged true, nothing without any flag", () => {
    assert.deepEqual(effortsFromFlags({ supports_xhigh_reasoning_effort: true, supports_none_reasoning_effort: false }), [
      "minimal",
      "low",
      "medium",
      "high",
      "xhigh",
    ]);
    assert.deepEqual(effortsFromFlags({ supports_minimal_reasoning_effort: false }), ["none", "low", "medium", "high"]);
    assert.equal(effortsFromFlags({ supports_reasoning: true }), undefined);
  });
});

describe("thinking levels in settings", () => {
  it("takes a list or pi's map, in pi's map form", () => {
    assert.deepEqual(toThinkingLevelMap(["low", "high"]), {
      off: null,
      minimal: null,
      low: "low",
      medium: null,
      high: "high",
      xhigh: null,
    });
    assert.deepEqual(toThinkingLevelMap({ high: "max" }), { high: "max" });
    assert.deepEqual([
      isThinkingLevelsSetting(["low"]),
      isThinkingLevelsSetting({ high: null }),
      isThinkingLevelsSetting(["extreme"]),
      isThinkingLevelsSetting({ high: 3 }),
    ], [true, true, false, false]);
  });
});
