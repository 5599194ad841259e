import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LiteLLMConfig } from "./config.ts";
import { discover, isWildcard, parseModelList } from "./discovery.ts";

const CONFIG: LiteLLMConfig = {
  providerName: "litellm",
  baseUrl: "http://proxy.test",
  baseUrlVariable: "LITELLM_BASE_URL",
  apiKey: "sk-1",
  apiKeyVariable: "LITELLM_API_KEY",
  wireApiOverrides: [],
  discoveryTimeoutMs: 500,
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
        { name: "no-id" },
        null,
        42,
      ],
    };
    assert.deepEqual(parseModelList(body), [{ id: "gpt-4o" }, { id: "o3" }]);
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

describe("discover()", () => {
  it("lists /v1/models as a catalog", async () => {
    const asked: string[] = [];
    const result = await discover(CONFIG, routes({ "/v1/models": [200, { data: [{ id: "gpt-5" }, { id: "*" }] }] }, asked));
    assert.ok(result.ok);
    assert.deepEqual(result.catalog.models, [{ id: "gpt-5" }]);
    assert.equal(result.catalog.source, "models");
    assert.ok(asked.includes("/v1/models"));
  });

  it("returns an empty catalog for an empty list", async () => {
    const result = await discover(CONFIG, routes({ "/v1/models": [200, { data: [] }] }));
    assert.ok(result.ok);
    assert.deepEqual(result.catalog.models, []);
  });

  it("explains a body that is JSON but not a model list", async () => {
    const result = await discover(CONFIG, routes({ "/v1/models": [200, { hello: "world" }] }));
    assert.ok(!result.ok);
    assert.match(result.failure.message, /answered without a model list; check that LITELLM_BASE_URL points at the proxy/);
  });

  it("passes HTTP failures through as one line", async () => {
    const result = await discover(CONFIG, routes({ "/v1/models": [401, { error: { message: "nope", code: "401" } }] }));
    assert.ok(!result.ok);
    assert.equal(result.failure.kind, "unauthorized");
  });
});
