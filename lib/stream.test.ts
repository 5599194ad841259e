import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { profileOf } from "./models.ts";
import { createEventStream, type Model, type SimpleStreamOptions, type StreamSimple } from "./pi.ts";
import { createStream, filteringHook, SESSION_HEADER } from "./stream.ts";
import type { WireApi } from "./types.ts";

function model(id: string): Model<string> {
  return {
    id,
    name: id,
    api: "litellm:litellm",
    provider: "litellm",
    baseUrl: "http://proxy.test/v1",
    reasoning: true,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 200_000,
    maxTokens: 64_000,
  };
}

interface Call {
  api: WireApi;
  model: Model<string>;
  options: SimpleStreamOptions | undefined;
}

/** A stand-in for pi-ai that records what it was asked to stream. */
function recordingWireStream(calls: Call[]): (api: WireApi) => StreamSimple {
  return (api) => (target, _context, options) => {
    calls.push({ api, model: target, options });
    return createEventStream();
  };
}

const CONTEXT = { messages: [] };
const COMPLETIONS_PAYLOAD = { model: "m", messages: [], store: false, prompt_cache_key: "s", stream_options: { include_usage: true } };

describe("createStream()", () => {
  it("hands the request to pi-ai's stream for the model's wire API, with the real api on the model", () => {
    const calls: Call[] = [];
    const stream = createStream({ profileOf: (m) => profileOf({ id: m.id }, { wireApiOverrides: [] }), wireStream: recordingWireStream(calls) });
    stream(model("gpt-5"), CONTEXT, { apiKey: "k" });
    stream(model("claude-haiku-4-5"), CONTEXT, { apiKey: "k" });
    assert.deepEqual(calls.map((call) => [call.api, call.model.api, call.model.id]), [
      ["openai-responses", "openai-responses", "gpt-5"],
      ["openai-completions", "openai-completions", "claude-haiku-4-5"],
    ]);
    assert.equal(calls[0]?.options?.apiKey, "k");
  });

  it("filters the payload through onPayload: Claude loses store and prompt_cache_key, GPT keeps them", async () => {
    const calls: Call[] = [];
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { wireApiOverrides: [{ pattern: "*", api: "openai-completions" }] }),
      wireStream: recordingWireStream(calls),
    });
    stream(model("claude-haiku-4-5"), CONTEXT);
    stream(model("gpt-4.1"), CONTEXT);
    const [claude, gpt] = await Promise.all(calls.map((call) => call.options!.onPayload!(COMPLETIONS_PAYLOAD, call.model)));
    assert.deepEqual(claude, { model: "m", messages: [], stream_options: { include_usage: true } });
    assert.deepEqual(gpt, COMPLETIONS_PAYLOAD);
  });

  it("drops fields added at request time by extraDrops", async () => {
    const calls: Call[] = [];
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { wireApiOverrides: [] }),
      extraDrops: (profile) => (profile.id === "my-model" ? ["store"] : []),
      wireStream: recordingWireStream(calls),
    });
    stream(model("my-model"), CONTEXT);
    assert.deepEqual(await calls[0]!.options!.onPayload!({ store: false, model: "my-model" }, calls[0]!.model), { model: "my-model" });
  });

  it("sends pi's session id as LiteLLM's session header, keeping the caller's headers", () => {
    const calls: Call[] = [];
    const stream = createStream({ profileOf: (m) => profileOf({ id: m.id }, { wireApiOverrides: [] }), wireStream: recordingWireStream(calls) });
    stream(model("claude-haiku-4-5"), CONTEXT, { sessionId: "session-42", headers: { "x-team": "a" } });
    stream(model("claude-haiku-4-5"), CONTEXT, {});
    assert.deepEqual(calls[0]?.options?.headers, { "x-team": "a", [SESSION_HEADER]: "session-42" });
    assert.deepEqual(calls[1]?.options?.headers, {});
  });

  it("passes the abort signal and thinking level through untouched", () => {
    const calls: Call[] = [];
    const controller = new AbortController();
    const stream = createStream({ profileOf: (m) => profileOf({ id: m.id }, { wireApiOverrides: [] }), wireStream: recordingWireStream(calls) });
    stream(model("gpt-5"), CONTEXT, { signal: controller.signal, reasoning: "high" });
    assert.equal(calls[0]?.options?.signal, controller.signal);
    assert.equal(calls[0]?.options?.reasoning, "high");
  });

  it("turns a synchronous throw from pi-ai into a stream that ends in one error", async () => {
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { wireApiOverrides: [] }),
      wireStream: () => () => {
        throw new Error("No API key for provider: litellm");
      },
    });
    const events = [];
    for await (const event of stream(model("gpt-5"), CONTEXT)) events.push(event);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, "error");
    assert.equal(events[0]?.type === "error" ? events[0].error.errorMessage : "", "No API key for provider: litellm");
  });
});

describe("filteringHook()", () => {
  it("shows the caller the filtered payload and filters its replacement again", async () => {
    let seen: unknown;
    const hook = filteringHook(["store", "parallel_tool_calls"], (payload) => {
      seen = payload;
      return { ...(payload as object), parallel_tool_calls: true, temperature: 0 };
    });
    const result = await hook({ model: "m", store: false }, model("m"));
    assert.deepEqual(seen, { model: "m" });
    assert.deepEqual(result, { model: "m", temperature: 0 });
  });

  it("keeps the filtered payload when the caller returns undefined", async () => {
    const hook = filteringHook(["store"], () => undefined);
    assert.deepEqual(await hook({ model: "m", store: false }, model("m")), { model: "m" });
  });
});
