import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LiteLLMConfig } from "../config/config.ts";
import { discover, isWildcard, parseModelInfo, parseModelList } from "./discovery.ts";

const CONFIG: LiteLLMConfig = {
  providerName: "litellm",
  baseUrl: "http://proxy.test",
  baseUrlVariable: "LITELLM_BASE_URL",
  apiKey: "sk-1",
  apiKeyVariable: "LITELLM_API_KEY",
  headers: {},
  hide: [],
  modelOverrides: [],
  discoveryTimeoutMs: 500,
  secrets: ["sk-1"],
};

/** A fetch that answers each path from a table and 404s the rest, recording what was asked. */
function routes(table: Record<string, [number, unknown]>, asked: string[] = []): typeof fetch {
  return async (url) => {
    const path = new URL(String(url)).pathname;
    asked.push(path);
    const [status, body] = table[path] ?? [404, { detail: "Not Found" }];
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  };
}

describe("parseModelList()", () => {
  it("keeps chat model ids in the proxy's order", () => {
    assert.deepEqual(parseModelList({ object: "list", data: [{ id: "gpt-4o" }, { id: "claude-haiku-4-5" }] }), [
      { id: "gpt-4o" },
      { id: "claude-haiku-4-5" },
    ]);
  });

  it("skips wildcard routes, duplicates, non-chat modes and malformed entries", () => {
    const body = {
      data: [
        { id: "*" },
        { id: "anthropic/*" },
        { id: "gpt-4o" },
        { id: "gpt-4o" },
        { id: "text-embedding-3-large", mode: "embedding" },
        { id: "dall-e-3", mode: "image_generation" },
        { id: "o3", mode: "responses" },
        { id: "" },
        { id: "gpt-5\u001b]0;owned\u0007" },
        { id: "o4\u0000" },
        { name: "no-id" },
        null,
        42,
      ],
    };
    assert.deepEqual(parseModelList(body), [{ id: "gpt-4o" }, { id: "o3", info: { responsesOnly: true } }]);
  });

  it("accepts an empty list and rejects bodies that are not lists", () => {
    assert.deepEqual(parseModelList({ data: [] }), []);
    assert.equal(parseModelList({ models: [] }), undefined);
    assert.equal(parseModelList([]), undefined);
    assert.equal(parseModelList(null), undefined);
  });

  it("recognises wildcards anywhere in the id", () => {
    assert.ok(isWildcard("*"));
    assert.ok(isWildcard("bedrock/us.anthropic.*"));
    assert.ok(!isWildcard("gpt-4o"));
  });
});

describe("parseModelInfo()", () => {
  it("merges deployments, skips non-chat names and wildcards, and lets groups fill gaps", () => {
    const rows = [
      {
        model_name: "claude",
        litellm_params: { model: "anthropic/claude-sonnet-4-5" },
        model_info: { max_input_tokens: 200000, supports_vision: true },
      },
      {
        model_name: "claude",
        litellm_params: { model: "bedrock/claude-sonnet-4-5" },
        model_info: { max_input_tokens: 150000, supports_vision: true },
      },
      { model_name: "embed", model_info: { mode: "embedding" } },
      { model_name: "anthropic/*", model_info: {} },
      { model_name: "bare", model_info: {} },
    ];
    const groups = new Map([["claude", { maxTokens: 64000, reasoningEfforts: ["low", "medium", "high"] }]]);
    assert.deepEqual(parseModelInfo(rows, groups), [
      {
        id: "claude",
        info: {
          contextWindow: 150_000,
          vision: true,
          backend: "anthropic",
          upstreamModel: "anthropic/claude-sonnet-4-5",
          maxTokens: 64_000,
          reasoningEfforts: ["low", "medium", "high"],
        },
      },
      { id: "bare" },
    ]);
  });
});

describe("discover()", () => {
  const info = { data: [{ model_name: "gpt-5", litellm_params: { model: "azure/gpt-5" }, model_info: { max_input_tokens: 272000 } }] };

  it("prefers /v1/model/info and reports it as the source", async () => {
    const asked: string[] = [];
    const result = await discover(
      CONFIG,
      routes({ "/v1/model/info": [200, info], "/v1/models": [200, { data: [{ id: "other" }] }] }, asked),
    );
    assert.ok(result.ok);
    assert.equal(result.value.source, "model/info");
    assert.deepEqual(result.value.models.map((model) => model.id), ["gpt-5"]);
    assert.equal(result.value.models[0]?.info?.contextWindow, 272_000);
    assert.ok(!asked.includes("/v1/models"), "no third request when model/info answered");
  });

  for (
    const [status, body] of [[401, { error: { message: "no", code: "401" } }], [403, {
      detail: "Virtual key is not allowed to call this route.",
    }], [404, { detail: "Not Found" }]] as const
  ) {
    it(`falls back to /v1/models when /v1/model/info answers ${status}`, async () => {
      const result = await discover(CONFIG, routes({ "/v1/model/info": [status, body], "/v1/models": [200, { data: [{ id: "gpt-5" }] }] }));
      assert.ok(result.ok);
      assert.equal(result.value.source, "models");
      assert.deepEqual(result.value.models, [{ id: "gpt-5" }]);
    });
  }

  it("enriches a /v1/models fallback with /model_group/info", async () => {
    const result = await discover(
      CONFIG,
      routes({
        "/v1/model/info": [404, { detail: "Not Found" }],
        "/model_group/info": [200, {
          data: [{ model_group: "gpt-5", max_input_tokens: 272000.0, supports_vision: true, supported_reasoning_efforts: ["low", "high"] }],
        }],
        "/v1/models": [200, { data: [{ id: "gpt-5" }] }],
      }),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value.models, [{
      id: "gpt-5",
      info: { contextWindow: 272_000, vision: true, reasoningEfforts: ["low", "high"] },
    }]);
  });

  it("does not try /v1/models after a network failure, and reports that failure", async () => {
    const asked: string[] = [];
    const refused: typeof fetch = async (url) => {
      asked.push(new URL(String(url)).pathname);
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    };
    const result = await discover(CONFIG, refused);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, "refused");
    assert.deepEqual(asked.sort(), ["/model_group/info", "/v1/model/info"]);
  });

  it("ends every request within one deadline", async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    const started = Date.now();
    const result = await discover({ ...CONFIG, discoveryTimeoutMs: 60 }, hanging);
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, "timeout");
    assert.ok(Date.now() - started < 1_000);
  });

  it("lists /v1/models as a catalog", async () => {
    const asked: string[] = [];
    const result = await discover(CONFIG, routes({ "/v1/models": [200, { data: [{ id: "gpt-5" }, { id: "*" }] }] }, asked));
    assert.ok(result.ok);
    assert.deepEqual(result.value.models, [{ id: "gpt-5" }]);
    assert.equal(result.value.source, "models");
    assert.ok(asked.includes("/v1/models"));
  });

  it("returns an empty catalog for an empty list", async () => {
    const result = await discover(CONFIG, routes({ "/v1/models": [200, { data: [] }] }));
    assert.ok(result.ok);
    assert.deepEqual(result.value.models, []);
  });

  it("explains a body that is JSON but not a model list", async () => {
    const result = await discover(CONFIG, routes({ "/v1/models": [200, { hello: "world" }] }));
    assert.ok(!result.ok);
    assert.match(result.problem.message, /answered without a model list; check that LITELLM_BASE_URL points at the proxy/);
  });

  it("passes HTTP failures through as one line", async () => {
    const result = await discover(CONFIG, routes({ "/v1/models": [401, { error: { message: "nope", code: "401" } }] }));
    assert.ok(!result.ok);
    assert.equal(result.problem.kind, "unauthorized");
  });
});
