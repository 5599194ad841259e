import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globToRegExp, isHidden } from "./model-settings.ts";

describe("globToRegExp()", () => {
  it("anchors, ignores case and escapes regex characters", () => {
    assert.ok(globToRegExp("claude-*").test("Claude-Sonnet-4"));
    assert.ok(!globToRegExp("claude-*").test("databricks-claude-sonnet"));
    assert.ok(globToRegExp("gpt-4.1*").test("gpt-4.1-mini"));
    assert.ok(!globToRegExp("gpt-4.1*").test("gpt-4x1"));
  });
});

describe("isHidden()", () => {
  it("matches globs case-insensitively", () => {
    assert.ok(isHidden({ hide: ["DALL-E*"] }, "dall-e-3"));
    assert.ok(!isHidden({ hide: [] }, "dall-e-3"));
  });
});
