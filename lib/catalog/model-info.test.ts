import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { complement, mergeDeployments, readInfo, readModelGroups, readModelInfoRows } from "./model-info.ts";

/** LiteLLM's model_info for Claude Sonnet 4, from its own test data (tests/ in BerriAI/litellm). */
const CLAUDE_INFO = {
  key: "claude-4-sonnet-20250514",
  max_tokens: 128000,
  max_input_tokens: 200000,
  max_output_tokens: 128000,
  input_cost_per_token: 3e-06,
  cache_creation_input_token_cost: 3.75e-06,
  cache_read_input_token_cost: 3e-07,
  output_cost_per_token: 1.5e-05,
  litellm_provider: "anthropic",
  mode: "chat",
  supports_vision: true,
  supports_function_calling: true,
  supports_prompt_caching: true,
  supports_reasoning: true,
  supported_openai_params: ["stream", "stop", "temperature", "max_tokens", "tools", "tool_choice", "reasoning_effort", "thinking"],
};

describe("readInfo()", () => {
  it("maps LiteLLM's model_info to pi's units", () => {
    assert.deepEqual(readInfo(CLAUDE_INFO, "anthropic/claude-sonnet-4-20250514"), {
      contextWindow: 200_000,
      maxTokens: 128_000,
      vision: true,
      reasoning: true,
      promptCaching: true,
      cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
      backend: "anthropic",
      upstreamModel: "anthropic/claude-sonnet-4-20250514",
      supportedParams: CLAUDE_INFO.supported_openai_params,
    });
  });

  it("falls back from max_output_tokens to max_tokens, and from litellm_provider to the route prefix", () => {
    const info = readInfo({ max_tokens: 4096, max_input_tokens: null }, "databricks/databricks-dbrx");
    assert.deepEqual(info, { maxTokens: 4096, backend: "databricks", upstreamModel: "databricks/databricks-dbrx" });
  });

  it("reads the fields newer proxies put in /v1/models entries", () => {
    assert.deepEqual(
      readInfo({ id: "x", context_window: 128000, max_output_tokens: 8192, capabilities: { vision: true, prompt_caching: false } }),
      {
        contextWindow: 128_000,
        maxTokens: 8192,
        vision: true,
        promptCaching: false,
      },
    );
  });

  it("derives reasoning efforts from per-level flags when there is no list", () => {
    assert.deepEqual(readInfo({ supports_minimal_reasoning_effort: false, supports_xhigh_reasoning_effort: true }).reasoningEfforts, [
      "none",
      "low",
      "medium",
      "high",
      "xhigh",
    ]);
    assert.deepEqual(readInfo({ supported_reasoning_efforts: ["low", "high"], supports_xhigh_reasoning_effort: true }).reasoningEfforts, [
      "low",
      "high",
    ]);
    assert.equal(readInfo({ supports_reasoning: true }).reasoningEfforts, undefined);
  });

  it("marks models LiteLLM serves only on the Responses API", () => {
    assert.equal(readInfo({ mode: "responses" }).responsesOnly, true);
    assert.equal(readInfo({ mode: "chat" }).responsesOnly, undefined);
  });

  it("ignores values of the wrong type", () => {
    assert.deepEqual(
      readInfo({ max_input_tokens: "big", supports_vision: "yes", input_cost_per_token: -1, supported_openai_params: [1] }),
      { ignoredLimits: ['max_input_tokens="big"'] },
    );
  });

  it("takes only whole numbers of tokens no model could lack for limits, and names the others", () => {
    const info = readInfo({ max_input_tokens: 1, context_window: 200_000, max_output_tokens: 0.5, max_tokens: 1e12 });
    assert.deepEqual(info, {
      contextWindow: 200_000,
      ignoredLimits: ["max_input_tokens=1", "max_output_tokens=0.5", "max_tokens=1000000000000"],
    });
  });
});

describe("mergeDeployments()", () => {
  it("merges 150,000 deployments of one name without overflowing the stack, and 2,000 lists of 2,000 parameters", () => {
    const params = Array.from({ length: 2_000 }, (_, index) => `param_${index}`);
    const deployments = Array.from({ length: 2_000 }, () => ({ supportedParams: params, maxTokens: 4_096, cost: { input: 1 } }));
    const rows = Array.from({ length: 150_000 }, () => ({ maxTokens: 8_192, cost: { output: 2 } }));
    assert.equal(mergeDeployments(deployments).supportedParams?.length, 2_000);
    assert.deepEqual(mergeDeployments(rows), { maxTokens: 8_192, cost: { output: 2 } });
  });

  it("is conservative: smallest limits, capabilities all share, highest price, common parameters", () => {
    const merged = mergeDeployments([
      readInfo({ ...CLAUDE_INFO, supported_openai_params: ["tools", "temperature", "reasoning_effort"] }),
      readInfo({
        max_input_tokens: 100000,
        max_output_tokens: 200000,
        supports_vision: false,
        supports_reasoning: true,
        input_cost_per_token: 4e-06,
        supported_openai_params: ["tools", "reasoning_effort"],
        supported_reasoning_efforts: ["low", "high"],
      }),
    ]);
    assert.equal(merged.contextWindow, 100_000);
    assert.equal(merged.maxTokens, 128_000);
    assert.equal(merged.vision, false);
    assert.equal(merged.reasoning, true);
    assert.deepEqual(merged.cost, { input: 4, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
    assert.deepEqual(merged.supportedParams, ["tools", "reasoning_effort"]);
    assert.deepEqual(merged.reasoningEfforts, ["low", "high"]);
  });

  it("claims a capability only when every deployment reports it", () => {
    assert.equal(mergeDeployments([readInfo({ supports_vision: true }), readInfo({})]).vision, undefined);
    assert.equal(mergeDeployments([readInfo({ supports_vision: true }), readInfo({ supports_vision: true })]).vision, true);
  });
});

describe("readModelInfoRows()", () => {
  it("groups deployments by model name in the proxy's order, keeping each row's mode", () => {
    const rows = [
      { model_name: "gpt-4o", litellm_params: { model: "azure/gpt-4o-eu" }, model_info: { max_input_tokens: 128000 } },
      { model_name: "embed", litellm_params: { model: "openai/text-embedding-3-large" }, model_info: { mode: "embedding" } },
      { model_name: "gpt-4o", litellm_params: { model: "openai/gpt-4o" }, model_info: { max_input_tokens: 64000 } },
      { litellm_params: { model: "nameless" } },
    ];
    const grouped = readModelInfoRows(rows);
    assert.deepEqual([...grouped.keys()], ["gpt-4o", "embed"]);
    assert.equal(grouped.get("gpt-4o")?.info.contextWindow, 64_000);
    assert.equal(grouped.get("gpt-4o")?.info.upstreamModel, "azure/gpt-4o-eu");
    assert.deepEqual(grouped.get("embed")?.modes, ["embedding"]);
  });
});

describe("readModelGroups()", () => {
  it("reads groups, treating LiteLLM's default false flags as unknown", () => {
    const groups = readModelGroups([
      {
        model_group: "gpt-5",
        supports_vision: false,
        supports_reasoning: true,
        supported_reasoning_efforts: ["minimal", "low", "medium", "high"],
      },
      { providers: ["openai"] },
    ]);
    assert.deepEqual(groups.get("gpt-5"), { reasoning: true, reasoningEfforts: ["minimal", "low", "medium", "high"] });
    assert.equal(groups.size, 1);
  });
});

describe("complement()", () => {
  it("fills only what the primary source does not know, prices field by field", () => {
    assert.deepEqual(
      complement({ contextWindow: 1000, cost: { input: 1 } }, { contextWindow: 9999, maxTokens: 500, cost: { input: 9, output: 2 } }),
      { contextWindow: 1000, maxTokens: 500, cost: { input: 1, output: 2 } },
    );
    assert.deepEqual(complement({ vision: true }, undefined), { vision: true });
  });
});
