import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildModels, profileOf } from "./models.ts";

const NO_OVERRIDES = { modelOverrides: [], hide: [] };

describe("profileOf()", () => {
  const rows: [string, string, string, string][] = [
    ["claude-haiku-4-5", "claude", "unknown", "anthropic-messages"],
    ["gemini-2.5-pro", "gemini", "unknown", "openai-completions"],
    ["databricks-claude-sonnet-4", "claude", "databricks", "anthropic-messages"],
    ["gpt-4o", "gpt-4", "unknown", "openai-responses"],
    ["gpt-5", "gpt-5", "unknown", "openai-responses"],
    ["o3", "o-series", "unknown", "openai-responses"],
    ["my-company-model", "unknown", "unknown", "openai-completions"],
  ];
  for (const [id, family, backend, wireApi] of rows) {
    it(`${id}: ${family} on ${backend}, spoken to with ${wireApi}`, () => {
      const profile = profileOf({ id }, NO_OVERRIDES);
      assert.deepEqual({ family: profile.family, backend: profile.backend, wireApi: profile.wireApi }, { family, backend, wireApi });
    });
  }

  it("lets the user's override choose the wire API, and the policy follow it", () => {
    const config = { modelOverrides: [{ pattern: "claude-*", wireApi: "openai-responses" as const }], hide: [] };
    const profile = profileOf({ id: "claude-haiku-4-5" }, config);
    assert.equal(profile.wireApi, "openai-responses");
    assert.ok(profile.drop.has("reasoning.summary"));
    assert.equal(profileOf({ id: "gpt-5" }, config).wireApi, "openai-responses");
  });

  it("reads family and backend through an alias's upstream model", () => {
    const profile = profileOf({ id: "smart", info: { upstreamModel: "databricks/databricks-gemini-2-5-pro" } }, NO_OVERRIDES);
    assert.deepEqual([profile.family, profile.backend], ["gemini", "databricks"]);
    assert.ok(profile.drop.has("reasoning_effort"));
  });
});

describe("buildModels()", () => {
  it("registers every model under the extension's api id with family capabilities", () => {
    const { models, fingerprint } = buildModels([{ id: "claude-haiku-4-5" }, { id: "my-company-model" }], NO_OVERRIDES, "litellm:litellm");
    assert.deepEqual(models[0], {
      id: "claude-haiku-4-5",
      name: "claude-haiku-4-5",
      api: "litellm:litellm",
      reasoning: true,
      input: ["text", "image"],
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      contextWindow: 200_000,
      maxTokens: 64_000,
      thinkingLevelMap: { minimal: null, xhigh: null },
    });
    assert.deepEqual(models[1], {
      id: "my-company-model",
      name: "my-company-model",
      api: "litellm:litellm",
      reasoning: false,
      input: ["text"],
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      contextWindow: 32_768,
      maxTokens: 4_096,
    });
    assert.match(fingerprint, /^[0-9a-f]{32}$/);
  });

  it("lets proxy metadata win over the name pattern and keeps output within the window", () => {
    const { models } = buildModels(
      [{ id: "my-company-model", info: { contextWindow: 8_000, vision: true, reasoning: true, cost: { input: 3, output: 15 } } }],
      NO_OVERRIDES,
      "x",
    );
    assert.equal(models[0]?.contextWindow, 8_000);
    assert.equal(models[0]?.maxTokens, 4_096);
    assert.deepEqual(models[0]?.input, ["text", "image"]);
    assert.equal(models[0]?.reasoning, true);
    assert.deepEqual(models[0]?.cost, { input: 3, output: 15, cacheRead: 0, cacheWrite: 0 });
    const small = buildModels([{ id: "gpt-5", info: { contextWindow: 16_000 } }], NO_OVERRIDES, "x").models[0];
    assert.equal(small?.maxTokens, 16_000);
  });

  it("asks pi for the system role only where the backend lacks OpenAI's developer role", () => {
    const { models } = buildModels([{ id: "gpt-5" }, { id: "gemini-2.5-pro" }], {
      modelOverrides: [{ pattern: "*", wireApi: "openai-completions" }],
      hide: [],
    }, "x");
    assert.equal(models[0]?.compat, undefined);
    assert.deepEqual(models[1]?.compat, { supportsDeveloperRole: false });
  });

  it("lets settings say that an unknown model reasons and sees images, so its thinking levels apply", () => {
    const levels = { off: null, low: "low", high: "high" } as const;
    const { models, notes } = buildModels([{ id: "acme-thinker" }, { id: "acme-plain" }], {
      modelOverrides: [
        { pattern: "acme-thinker", reasoning: true, input: ["text", "image"], thinkingLevelMap: levels },
        { pattern: "acme-plain", thinkingLevelMap: levels },
      ],
      hide: [],
    }, "x");
    assert.deepEqual([models[0]?.reasoning, models[0]?.input, models[0]?.thinkingLevelMap], [true, ["text", "image"], levels]);
    assert.deepEqual([models[1]?.reasoning, models[1]?.thinkingLevelMap], [false, undefined]);
    assert.deepEqual(notes, [
      'litellm.models thinkingLevels has no effect on acme-plain: it is not known to reason; add "reasoning": true to its settings if it does',
    ]);
  });
});

describe("models from proxy metadata", () => {
  it("offers exactly the thinking levels the proxy says the backend accepts", () => {
    const { models } = buildModels(
      [{ id: "acme-reasoner", info: { reasoning: true, reasoningEfforts: ["low", "high"] } }],
      NO_OVERRIDES,
      "x",
    );
    assert.deepEqual(models[0]?.thinkingLevelMap, { off: null, minimal: null, low: "low", medium: null, high: "high", xhigh: null });
  });

  it("drops gated parameters the proxy does not list as supported, on each wire API's spelling", () => {
    const supported = ["stream", "tools", "temperature", "max_tokens"];
    const completions = profileOf({ id: "acme-1", info: { supportedParams: supported } }, NO_OVERRIDES);
    assert.deepEqual([...completions.drop.keys()].sort(), [
      "parallel_tool_calls",
      "prompt_cache_key",
      "prompt_cache_retention",
      "reasoning_effort",
      "store",
      "tool_choice",
    ]);
    const responses = profileOf({ id: "acme-1", info: { supportedParams: supported } }, {
      modelOverrides: [{ pattern: "*", wireApi: "openai-responses" }],
    });
    assert.ok(responses.drop.has("reasoning"));
    assert.match(completions.drop.get("store")!, /supported_openai_params/);
    assert.equal(profileOf({ id: "acme-1" }, NO_OVERRIDES).drop.size, 0);
  });

  it("keeps GPT's caching fields when the proxy lists them", () => {
    const supported = [
      "stream",
      "tools",
      "store",
      "prompt_cache_key",
      "prompt_cache_retention",
      "reasoning_effort",
      "temperature",
      "parallel_tool_calls",
      "tool_choice",
    ];
    assert.deepEqual([...profileOf({ id: "gpt-5", info: { supportedParams: supported } }, NO_OVERRIDES).drop.keys()], ["temperature"]);
  });

  it("turns on Anthropic-style cache_control for Claude on Chat Completions when the proxy says it caches", () => {
    const { models } = buildModels(
      [{ id: "claude-haiku-4-5", info: { promptCaching: true } }, { id: "gpt-4o", info: { promptCaching: true } }, {
        id: "claude-sonnet-4-5",
      }],
      { modelOverrides: [{ pattern: "*", wireApi: "openai-completions" }], hide: [] },
      "x",
    );
    assert.deepEqual(models[0]?.compat, { supportsDeveloperRole: false, cacheControlFormat: "anthropic" });
    assert.equal(models[1]?.compat, undefined);
    assert.deepEqual(models[2]?.compat, { supportsDeveloperRole: false });
  });

  it("tells pi 1.x how long Claude's cache lives (5 min, 1 h) when the proxy says the model caches, so pi keeps it warm", () => {
    const { models } = buildModels(
      [{ id: "claude-haiku-4-5", info: { promptCaching: true } }, { id: "claude-sonnet-4-5" }, {
        id: "gpt-4o",
        info: { promptCaching: true },
      }],
      { modelOverrides: [], hide: [] },
      "x",
    );
    assert.deepEqual(models.map((model) => model.promptCache), [{ short: 300, long: 3_600 }, undefined, undefined]);
  });

  it("speaks the Responses API to models LiteLLM serves only there, unless the user says otherwise", () => {
    assert.equal(profileOf({ id: "acme-pro", info: { responsesOnly: true } }, NO_OVERRIDES).wireApi, "openai-responses");
    assert.equal(
      profileOf({ id: "acme-pro", info: { responsesOnly: true } }, {
        modelOverrides: [{ pattern: "*", wireApi: "azure-openai-responses" }],
      }).wireApi,
      "azure-openai-responses",
    );
  });
});
