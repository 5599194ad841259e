import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildModels, profileOf } from "./models.ts";

const NO_OVERRIDES = { wireApiOverrides: [] };

describe("profileOf()", () => {
  const rows: [string, string, string, string][] = [
    ["claude-haiku-4-5", "claude", "unknown", "openai-completions"],
    ["gemini-2.5-pro", "gemini", "unknown", "openai-completions"],
    ["databricks-claude-sonnet-4", "claude", "databricks", "openai-completions"],
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
    const config = { wireApiOverrides: [{ pattern: "claude-*", api: "openai-responses" as const }] };
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
    const { models, profiles } = buildModels([{ id: "claude-haiku-4-5" }, { id: "my-company-model" }], NO_OVERRIDES, "litellm:litellm");
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
      compat: { supportsDeveloperRole: false },
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
    assert.deepEqual([...profiles.keys()], ["claude-haiku-4-5", "my-company-model"]);
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
    const { models } = buildModels([{ id: "gpt-5" }, { id: "gemini-2.5-pro" }], { wireApiOverrides: [{ pattern: "*", api: "openai-completions" }] }, "x");
    assert.equal(models[0]?.compat, undefined);
    assert.deepEqual(models[1]?.compat, { supportsDeveloperRole: false });
  });
});
