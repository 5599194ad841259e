import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backendOf, familyOf, normalizeModelId } from "../families.ts";
import { filterPayload, rejectedFields, REJECTION_RULES } from "./policy.ts";
import { WIRE_APIS, type WireApi } from "../types.ts";

/** Payloads shaped like what pi-ai 0.73.1 builds on each wire API, with every optional field set. */
const PAYLOADS: Record<WireApi, Record<string, unknown>> = {
  "openai-completions": {
    model: "m",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
    prompt_cache_key: "session-1",
    prompt_cache_retention: "24h",
    stream_options: { include_usage: true },
    store: false,
    max_completion_tokens: 32_000,
    temperature: 0.2,
    tools: [],
    reasoning_effort: "high",
    parallel_tool_calls: true,
  },
  "openai-responses": {
    model: "m",
    input: [{ role: "user", content: "hi" }],
    stream: true,
    prompt_cache_key: "session-1",
    prompt_cache_retention: "24h",
    store: false,
    max_output_tokens: 32_000,
    temperature: 0.2,
    tools: [],
    reasoning: { effort: "high", summary: "auto" },
    include: ["reasoning.encrypted_content"],
  },
  "azure-openai-responses": {
    model: "m",
    input: [{ role: "user", content: "hi" }],
    stream: true,
    prompt_cache_key: "session-1",
    max_output_tokens: 32_000,
    temperature: 0.2,
    reasoning: { effort: "high", summary: "auto" },
    include: ["reasoning.encrypted_content"],
  },
  "anthropic-messages": {
    model: "m",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 32_000,
    stream: true,
    system: [{ type: "text", text: "be brief", cache_control: { type: "ephemeral" } }],
    tools: [],
    thinking: { type: "enabled", budget_tokens: 16_384, display: "summarized" },
    temperature: 0.2,
    tool_choice: { type: "auto" },
  },
};

const OPENAI_ONLY = ["prompt_cache_key", "prompt_cache_retention", "store"];
const BRIDGE = ["include", "reasoning.summary"];
const DATABRICKS = [...OPENAI_ONLY, "parallel_tool_calls"];

/** The whole policy, per model and wire API: [model id, completions drops, responses drops, messages drops]. */
const EXPECTED: [string, string[], string[], string[]][] = [
  ["claude-haiku-4-5", OPENAI_ONLY, [...OPENAI_ONLY, ...BRIDGE], []],
  ["claude-opus-5", [...OPENAI_ONLY, "temperature"], [...OPENAI_ONLY, ...BRIDGE, "temperature"], ["temperature"]],
  ["gemini-2.5-pro", OPENAI_ONLY, [...OPENAI_ONLY, ...BRIDGE], []],
  ["llama-3.3-70b", OPENAI_ONLY, [...OPENAI_ONLY, ...BRIDGE], []],
  ["databricks-claude-sonnet-4", DATABRICKS, [...DATABRICKS, ...BRIDGE], []],
  ["databricks-claude-opus-5", [...DATABRICKS, "temperature"], [...DATABRICKS, ...BRIDGE, "temperature"], ["temperature"]],
  ["databricks-gemini-2-5-pro", [...DATABRICKS, "reasoning_effort"], [...DATABRICKS, ...BRIDGE, "reasoning"], []],
  ["databricks-dbrx-instruct", DATABRICKS, DATABRICKS, []],
  ["gpt-4o", ["prompt_cache_retention"], ["prompt_cache_retention"], ["prompt_cache_retention"]],
  ["gpt-4-turbo", ["prompt_cache_retention"], ["prompt_cache_retention"], ["prompt_cache_retention"]],
  ["gpt-4.1", [], [], []],
  ["gpt-5", ["temperature"], ["temperature"], ["temperature"]],
  ["gpt-5.1-codex", ["temperature"], ["temperature"], ["temperature"]],
  ["gpt-5-chat-latest", [], [], []],
  ["o3", ["temperature"], ["temperature"], ["temperature"]],
  ["o4-mini", ["temperature"], ["temperature"], ["temperature"]],
  ["my-company-model", [], [], []],
];

function subject(id: string, wireApi: WireApi) {
  return { id: normalizeModelId(id), family: familyOf(id).family, backend: backendOf(id), wireApi };
}

describe("rejectedFields()", () => {
  for (const [id, completions, responses, messages] of EXPECTED) {
    for (const wireApi of WIRE_APIS) {
      const expected = wireApi === "openai-completions" ? completions : wireApi === "anthropic-messages" ? messages : responses;
      it(`${id} on ${wireApi} drops ${expected.length ? expected.join(", ") : "nothing"}`, () => {
        assert.deepEqual([...rejectedFields(subject(id, wireApi)).keys()].sort(), [...expected].sort());
      });
    }
  }

  it("keeps what GPT needs for prompt caching", () => {
    for (const wireApi of WIRE_APIS) {
      for (const id of ["gpt-4o", "gpt-4.1", "gpt-5", "o3"]) {
        const drop = rejectedFields(subject(id, wireApi));
        assert.ok(!drop.has("prompt_cache_key"), `${id} on ${wireApi} must keep prompt_cache_key`);
        assert.ok(!drop.has("store"), `${id} on ${wireApi} must keep store`);
      }
    }
  });

  it("explains every dropped field and cites at least one fixture", () => {
    for (const rule of REJECTION_RULES) {
      assert.ok(rule.why.length > 20, rule.why);
      assert.ok(rule.sources.length > 0);
    }
    const drop = rejectedFields(subject("claude-haiku-4-5", "openai-completions"));
    assert.match(drop.get("store")!, /drop_params/);
  });
});

describe("filterPayload()", () => {
  for (const [id] of EXPECTED) {
    for (const wireApi of WIRE_APIS) {
      it(`${id} on ${wireApi}: sends everything but the dropped fields`, () => {
        const payload = PAYLOADS[wireApi];
        const drop = [...rejectedFields(subject(id, wireApi)).keys()];
        const filtered = filterPayload(payload, drop) as Record<string, unknown>;
        for (const field of drop) {
          const [head, child] = field.split(".");
          const value = filtered[head!];
          if (child === undefined) assert.equal(value, undefined, `${field} must be gone`);
          else assert.equal((value as Record<string, unknown> | undefined)?.[child], undefined, `${field} must be gone`);
        }
        for (const [key, value] of Object.entries(payload)) {
          if (drop.includes(key)) continue;
          if (drop.some((field) => field.startsWith(`${key}.`))) continue;
          assert.deepEqual(filtered[key], value, `${key} must be sent unchanged`);
        }
      });
    }
  }

  it("keeps the rest of a nested object and never mutates the caller's payload", () => {
    const payload = { reasoning: { effort: "high", summary: "auto" }, model: "m" };
    const filtered = filterPayload(payload, ["reasoning.summary"]);
    assert.deepEqual(filtered, { reasoning: { effort: "high" }, model: "m" });
    assert.deepEqual(payload, { reasoning: { effort: "high", summary: "auto" }, model: "m" });
  });

  it("removes a parent the drop leaves empty", () => {
    assert.deepEqual(filterPayload({ model: "m", stream_options: { include_usage: true } }, ["stream_options.include_usage"]), {
      model: "m",
    });
  });

  it("returns the same object when nothing is present, and leaves non-objects alone", () => {
    const payload = { model: "m" };
    assert.equal(filterPayload(payload, ["store", "reasoning.summary"]), payload);
    assert.equal(filterPayload("text", ["store"]), "text");
    assert.equal(filterPayload(null, ["store"]), null);
    assert.deepEqual(filterPayload({ reasoning: "high" }, ["reasoning.summary"]), { reasoning: "high" });
  });
});
