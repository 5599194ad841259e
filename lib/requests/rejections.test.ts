import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { learnableField, payloadField, rejectedNames, REJECTION_PHRASINGS, unescapeNested } from "./rejections.ts";

describe("rejectedNames()", () => {
  for (const phrasing of REJECTION_PHRASINGS) {
    it(`reads ${phrasing.origin}: ${phrasing.example}`, () => {
      const names = rejectedNames(phrasing.example);
      assert.ok(names.length > 0, "no field found");
      assert.match(phrasing.example, new RegExp(names[0]!.replace(".", "\\.")));
    });
  }

  const rows: [string, string, string[]][] = [
    ["an LiteLLM list of several", "anthropic does not support parameters: ['store', 'prompt_cache_key'], for model=x", [
      "store",
      "prompt_cache_key",
    ]],
    ["an Azure list", "Unrecognized request arguments supplied: store, metadata", ["store", "metadata"]],
    ["a JSON-schema list", "Additional properties are not allowed ('store', 'user' were unexpected)", ["store", "user"]],
    [
      "pydantic's loc form",
      '{"detail":[{"type":"extra_forbidden","loc":["body","parallel_tool_calls"],"msg":"Extra inputs are not permitted"}]}',
      ["parallel_tool_calls"],
    ],
    ["a nested name", "stream_options.include_usage: Extra inputs are not permitted", ["stream_options.include_usage"]],
    ["nothing about fields", "litellm.InternalServerError: AnthropicException - Overloaded.", []],
  ];
  for (const [name, message, expected] of rows) it(`reads ${name}`, () => assert.deepEqual(rejectedNames(message), expected));

  it("reads every recorded fixture that names a field", () => {
    const expected: Record<string, string> = {
      "databricks-reasoning-dict": "reasoning_effort",
      "databricks-gemini-reasoning-effort": "reasoning_effort",
      "databricks-claude-temperature": "temperature",
      "databricks-prompt-cache-key": "prompt_cache_key",
      "azure-unrecognized-argument": "prompt_cache_key",
      "azure-gpt5-temperature": "temperature",
      "azure-max-tokens": "max_tokens",
      "azure-prompt-cache-retention": "prompt_cache_retention",
      "azure-o-series-temperature": "temperature",
      "litellm-vertex-reasoning-effort": "reasoning_effort",
      "litellm-anthropic-store": "store",
      "litellm-anthropic-prompt-cache-key": "prompt_cache_key",
      "litellm-vertex-prompt-cache-key": "prompt_cache_key",
      "litellm-connection-error": "store",
    };
    const dir = new URL("../../fixtures/", import.meta.url);
    for (const file of readdirSync(dir).filter((name) => name.endsWith(".json"))) {
      const fixture = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as { id: string; body: { error?: { message: string } } };
      const message = fixture.body.error?.message ?? "";
      if (fixture.id in expected) assert.equal(rejectedNames(message)[0], expected[fixture.id], fixture.id);
      else assert.deepEqual(rejectedNames(message), [], `${fixture.id} names no field`);
    }
  });
});

/** What each real LiteLLM answered that 1.106.12 did not: 1.110 refuses prompt_cache_retention on Azure Chat Completions itself. */
const NEWER: Readonly<Record<string, Record<string, string[]>>> = {
  "1.106.12": {},
  "1.110.2": { "gpt-4o-on-openai-completions-cacheretention-long": ["prompt_cache_retention"] },
};

for (const [release, added] of Object.entries(NEWER)) {
  describe(`rejectedNames() on the real LiteLLM ${release}`, () => {
    /** What the proxy itself answered to each negative control of the real tier, and the fields it names. */
    const EXPECTED: Record<string, string[]> = {
      "claude-haiku-4-5-on-azure-openai-responses": ["prompt_cache_key"],
      "claude-haiku-4-5-on-openai-completions": ["store"],
      "claude-haiku-4-5-on-openai-responses": ["prompt_cache_key"],
      "databricks-claude-opus-5-on-openai-completions-temperature-0-3": ["store"],
      "databricks-claude-opus-5-on-anthropic-messages-temperature-0-3": ["temperature"],
      "databricks-claude-sonnet-4-on-azure-openai-responses": ["prompt_cache_key"],
      "databricks-claude-sonnet-4-on-openai-completions-adds-parallel-tool-calls": ["parallel_tool_calls", "store"],
      "databricks-claude-sonnet-4-on-openai-completions-cacheretention-long": ["store", "prompt_cache_key"],
      "databricks-claude-sonnet-4-on-openai-responses": ["prompt_cache_key"],
      "databricks-gemini-2-5-pro-on-azure-openai-responses": ["prompt_cache_key"],
      "databricks-gemini-2-5-pro-on-openai-completions-reasoning-high": ["store"],
      "gemini-2-5-pro-on-openai-completions-cacheretention-long": ["store", "prompt_cache_key"],
      "gemini-2-5-pro-on-openai-responses": ["prompt_cache_key"],
      "gemini-2-5-pro-on-azure-openai-responses": ["prompt_cache_key"],
      "gpt-4o-on-azure-openai-responses-adds-prompt-cache-retention": ["prompt_cache_retention"],
      "gpt-4o-on-openai-responses-cacheretention-long": ["prompt_cache_retention"],
      "gpt-5-on-azure-openai-responses-temperature-0-5": ["temperature"],
      "gpt-5-on-openai-completions-temperature-0-5-reasoning-low": ["temperature"],
      "gpt-5-on-openai-responses-temperature-0-5": ["temperature"],
      "o3-on-azure-openai-responses-temperature-0-5": ["temperature"],
      "o3-on-openai-completions-temperature-0-5": ["temperature"],
      "o3-on-openai-responses-temperature-0-5-reasoning-high": ["temperature"],
    };
    Object.assign(EXPECTED, added);
    const dir = new URL(`../../fixtures/real-litellm-${release}/`, import.meta.url);
    it("has a recorded text for every negative control the table expects, and no other", () => {
      // The busy backends' answers beside them are no negative controls (error-text.test.ts reads those).
      const controls = readdirSync(dir).filter((file) => !file.startsWith("busy-"));
      assert.deepEqual(controls.map((file) => file.replace(/\.json$/, "")).sort(), Object.keys(EXPECTED).sort());
    });
    for (const [id, fields] of Object.entries(EXPECTED)) {
      it(`reads ${fields.join(", ")} out of ${id}`, () => {
        const { message } = JSON.parse(readFileSync(new URL(`${id}.json`, dir), "utf8")) as { message: string };
        for (const field of fields) assert.ok(rejectedNames(message).includes(field), `${field} in ${message.slice(0, 200)}`);
      });
    }
  });
}

describe("unescapeNested()", () => {
  it("undoes any depth of quote escaping", () => {
    assert.equal(unescapeNested('Unknown name \\\\\\"reasoning_effort\\\\\\"'), 'Unknown name "reasoning_effort"');
    assert.equal(unescapeNested("a\\\\nb"), "a\nb");
  });
});

describe("payloadField()", () => {
  const completions = { model: "m", messages: [], stream: true, store: false, stream_options: { include_usage: true }, tools: [] };
  const responses = { model: "m", input: [], reasoning: { effort: "high", summary: "auto" }, max_output_tokens: 100 };
  const rows: [string, unknown, "openai-completions" | "openai-responses", string | undefined][] = [
    ["store", completions, "openai-completions", "store"],
    ["include_usage", completions, "openai-completions", "stream_options.include_usage"],
    ["reasoning_effort", responses, "openai-responses", "reasoning"],
    ["summary", responses, "openai-responses", "reasoning.summary"],
    ["max_tokens", responses, "openai-responses", "max_output_tokens"],
    ["reasoning_effort", completions, "openai-completions", undefined],
    ["temperature", completions, "openai-completions", undefined],
    ["tools", completions, "openai-completions", undefined],
    ["messages", completions, "openai-completions", undefined],
    ["model", responses, "openai-responses", undefined],
  ];
  for (const [name, payload, api, expected] of rows) {
    it(`${name} on ${api} → ${expected ?? "nothing to drop"}`, () => assert.equal(payloadField(name, payload, api), expected));
  }
});

describe("learnableField()", () => {
  const payload = { model: "m", store: false, temperature: 0.2 };
  it("learns from 400, 422, LiteLLM's 500 and a status-less error frame", () => {
    for (const status of ["400 ", "422 ", "500 ", ""]) {
      assert.equal(
        learnableField(
          `${status}litellm.BadRequestError: Unrecognized request argument supplied: temperature`,
          payload,
          "openai-completions",
        ),
        "temperature",
      );
    }
  });
  it("drops a thinking or caching field on a 400, or a 500 wrapping the backend's 400, never on a 500 alone", () => {
    const thinking = { model: "m", reasoning_effort: "high", prompt_cache_key: "s", store: false, thinking: { type: "enabled" } };
    for (const field of ["reasoning_effort", "prompt_cache_key", "store", "thinking"]) {
      assert.equal(learnableField(`400 Unrecognized request argument supplied: ${field}`, thinking, "openai-completions"), field);
      assert.equal(
        learnableField(`500 litellm.InternalServerError: Unrecognized request argument supplied: ${field}`, thinking, "openai-completions"),
        undefined,
        field,
      );
      const wrapped =
        `500 litellm.APIConnectionError: DatabricksException - {"error_code":"BAD_REQUEST","message":"Bad request: Unrecognized field \\"${field}\\""}`;
      assert.equal(learnableField(wrapped, thinking, "openai-completions"), field);
    }
  });
  it("never takes a name every object has for a field", () => {
    for (const name of ["constructor", "__proto__", "toString"]) {
      assert.equal(learnableField(`400 Unrecognized request argument supplied: ${name}`, payload, "openai-completions"), undefined, name);
    }
  });
  it("never learns from authentication, permission or rate-limit errors", () => {
    for (const status of ["401", "403", "429"]) {
      assert.equal(learnableField(`${status} Unsupported parameter: 'store'`, payload, "openai-completions"), undefined, status);
    }
  });
  it("skips names the request did not carry and takes the first it did", () => {
    assert.equal(learnableField("400 does not support parameters: ['top_k', 'temperature']", payload, "openai-completions"), "temperature");
    assert.equal(learnableField("400 Unsupported parameter: 'top_k'", payload, "openai-completions"), undefined);
  });
});
