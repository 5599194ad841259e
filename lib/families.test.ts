import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backendOf, familyOf, normalizeModelId } from "./families.ts";

describe("familyOf()", () => {
  // [id, family, reasoning, vision, contextWindow, maxTokens]
  const rows: [string, string, boolean, boolean, number, number][] = [
    ["claude-3-haiku-20240307", "claude", false, true, 200_000, 4_096],
    ["claude-3-5-sonnet-20241022", "claude", false, true, 200_000, 8_192],
    ["claude-3.5-haiku", "claude", false, true, 200_000, 8_192],
    ["claude-3-7-sonnet-20250219", "claude", true, true, 200_000, 64_000],
    ["claude-opus-4-20250514", "claude", true, true, 200_000, 32_000],
    ["claude-opus-4-1", "claude", true, true, 200_000, 32_000],
    ["us.anthropic.claude-opus-4-1-20250805-v1:0", "claude", true, true, 200_000, 32_000],
    ["claude-opus-4-5-20251101", "claude", true, true, 200_000, 64_000],
    ["claude-haiku-4-5", "claude", true, true, 200_000, 64_000],
    ["databricks-claude-sonnet-4", "claude", true, true, 200_000, 64_000],
    ["anthropic/claude-sonnet-4-6", "claude", true, true, 200_000, 64_000],
    ["gemini-1.5-pro", "gemini", false, true, 1_000_000, 8_192],
    ["gemini/gemini-2.0-flash", "gemini", false, true, 1_000_000, 8_192],
    ["gemini-2.5-pro", "gemini", true, true, 1_000_000, 65_536],
    ["databricks-gemini-2-5-flash", "gemini", true, true, 1_000_000, 65_536],
    ["gpt-4", "gpt-4", false, false, 8_192, 4_096],
    ["gpt-4-turbo", "gpt-4", false, true, 128_000, 4_096],
    ["azure/gpt-4o-2024-08-06", "gpt-4", false, true, 128_000, 16_384],
    ["gpt-4.1-mini", "gpt-4", false, true, 1_047_576, 32_768],
    ["gpt-5", "gpt-5", true, true, 272_000, 128_000],
    ["gpt-5-2025-08-07", "gpt-5", true, true, 272_000, 128_000],
    ["gpt-5.2-codex", "gpt-5", true, true, 272_000, 128_000],
    ["gpt-5-chat-latest", "gpt-5", false, true, 128_000, 16_384],
    ["o1", "o-series", true, true, 200_000, 100_000],
    ["o3-mini", "o-series", true, false, 128_000, 65_536],
    ["azure/o4-mini", "o-series", true, true, 200_000, 100_000],
    ["gpt-oss-120b", "gpt-oss", true, false, 131_072, 32_768],
    ["meta-llama/Llama-3.3-70B-Instruct", "llama", false, false, 128_000, 4_096],
    ["llama-3.2-90b-vision", "llama", false, true, 128_000, 4_096],
    ["llama4-maverick", "llama", false, true, 128_000, 8_192],
    ["mistral-large-latest", "mistral", false, false, 128_000, 8_192],
    ["mixtral-8x7b", "mistral", false, false, 32_000, 4_096],
    ["amazon.nova-pro-v1:0", "nova", false, true, 300_000, 5_000],
    ["amazon.nova-micro-v1:0", "nova", false, false, 128_000, 5_000],
    ["deepseek-r1", "deepseek", true, false, 64_000, 8_192],
    ["deepseek-chat", "deepseek", false, false, 64_000, 8_192],
    ["qwen3-coder-480b", "qwen", false, false, 128_000, 8_192],
    ["qwq-32b", "qwen", true, false, 128_000, 8_192],
    ["my-company-model", "unknown", false, false, 32_768, 4_096],
    ["supernova-7b", "unknown", false, false, 32_768, 4_096],
    ["prophet-3", "unknown", false, false, 32_768, 4_096],
  ];
  for (const [id, family, reasoning, vision, contextWindow, maxTokens] of rows) {
    it(`${id} → ${family}`, () => {
      const row = familyOf(id);
      assert.deepEqual(
        { family: row.family, reasoning: row.reasoning, vision: row.vision, contextWindow: row.contextWindow, maxTokens: row.maxTokens },
        { family, reasoning, vision, contextWindow, maxTokens },
      );
    });
  }

  it("falls back to the upstream model behind an opaque alias", () => {
    assert.equal(familyOf("smart", "vertex_ai/gemini-2.5-pro").family, "gemini");
    assert.equal(familyOf("claude-fast", "vertex_ai/gemini-2.5-pro").family, "claude");
    assert.equal(familyOf("smart").family, "unknown");
  });

  it("hides thinking levels the family's backends reject", () => {
    assert.deepEqual(familyOf("claude-sonnet-4-5").thinkingLevelMap, { minimal: null, xhigh: null });
    assert.deepEqual(familyOf("gpt-5").thinkingLevelMap, { off: null });
    assert.deepEqual(familyOf("gpt-5.2").thinkingLevelMap, { off: null, xhigh: "xhigh" });
    assert.equal(familyOf("gpt-4o").thinkingLevelMap, undefined);
  });
});

describe("backendOf()", () => {
  const rows: [string, string | undefined, string | undefined, string][] = [
    ["databricks-claude-sonnet-4", undefined, undefined, "databricks"],
    ["smart", "databricks/databricks-claude-sonnet-4", undefined, "databricks"],
    ["gpt-4o", "azure/gpt-4o-eu", undefined, "azure"],
    ["us.anthropic.claude-haiku-4-5-20251001-v1:0", undefined, undefined, "bedrock"],
    ["gemini-2.5-pro", "vertex_ai/gemini-2.5-pro", undefined, "vertex"],
    ["gpt-4o", undefined, "openai", "openai"],
    ["gpt-4o", "azure/gpt-4o", "vertex_ai-language-models", "vertex"],
    ["claude-haiku-4-5", undefined, undefined, "unknown"],
  ];
  for (const [id, upstream, provider, backend] of rows) {
    it(`${id} (${upstream ?? "-"}, ${provider ?? "-"}) → ${backend}`, () => assert.equal(backendOf(id, upstream, provider), backend));
  }
});

describe("normalizeModelId()", () => {
  it("unifies case, underscores and version dots", () => {
    assert.equal(normalizeModelId("Claude_3.5_Sonnet"), "claude-3-5-sonnet");
    assert.equal(normalizeModelId("gpt-4.1"), "gpt-4-1");
    assert.equal(normalizeModelId("amazon.nova-pro-v1:0"), "amazon.nova-pro-v1:0");
  });
});
