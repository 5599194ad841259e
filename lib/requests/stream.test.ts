import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { profileOf } from "../catalog/models.ts";
import { createEventStream, emptyAssistantMessage, failedStream, type Model, type SimpleStreamOptions, type StreamSimple } from "../pi.ts";
import { MAX_RESENDS } from "./resend.ts";
import { filteringHook } from "./policy.ts";
import { createStream, SESSION_HEADER } from "./stream.ts";
import type { WireApi } from "../types.ts";
import { piModel } from "../../conformance/scenario.ts";

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
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      wireStream: recordingWireStream(calls),
    });
    stream(piModel("gpt-5"), CONTEXT, { apiKey: "k" });
    stream(piModel("claude-haiku-4-5"), CONTEXT, { apiKey: "k" });
    assert.deepEqual(calls.map((call) => [call.api, call.model.api, call.model.id]), [
      ["openai-responses", "openai-responses", "gpt-5"],
      ["anthropic-messages", "anthropic-messages", "claude-haiku-4-5"],
    ]);
    assert.equal(calls[0]?.options?.apiKey, "k");
  });

  it("filters the payload through onPayload: Claude loses store and prompt_cache_key, GPT keeps them", async () => {
    const calls: Call[] = [];
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [{ pattern: "*", wireApi: "openai-completions" }] }),
      wireStream: recordingWireStream(calls),
    });
    stream(piModel("claude-haiku-4-5"), CONTEXT);
    stream(piModel("gpt-4.1"), CONTEXT);
    const [claude, gpt] = await Promise.all(calls.map((call) => call.options!.onPayload!(COMPLETIONS_PAYLOAD, call.model)));
    assert.deepEqual(claude, { model: "m", messages: [], stream_options: { include_usage: true } });
    assert.deepEqual(gpt, COMPLETIONS_PAYLOAD);
  });

  it("drops fields added at request time by extraDrops", async () => {
    const calls: Call[] = [];
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      extraDrops: (profile) => (profile.id === "my-model" ? ["store"] : []),
      wireStream: recordingWireStream(calls),
    });
    stream(piModel("my-model"), CONTEXT);
    assert.deepEqual(await calls[0]!.options!.onPayload!({ store: false, model: "my-model" }, calls[0]!.model), { model: "my-model" });
  });

  it("sends pi's session id as LiteLLM's session header, keeping the caller's headers", () => {
    const calls: Call[] = [];
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      wireStream: recordingWireStream(calls),
    });
    stream(piModel("claude-haiku-4-5"), CONTEXT, { sessionId: "session-42", headers: { "x-team": "a" } });
    stream(piModel("claude-haiku-4-5"), CONTEXT, {});
    assert.deepEqual(calls[0]?.options?.headers, { "x-team": "a", [SESSION_HEADER]: "session-42" });
    assert.deepEqual(calls[1]?.options?.headers, {});
  });

  it("sends the key keyFor gives for pi's, and pi's own key without keyFor", () => {
    const calls: Call[] = [];
    const profile = (m: Model<string>) => profileOf({ id: m.id }, { modelOverrides: [] });
    const swapped = createStream({
      profileOf: profile,
      wireStream: recordingWireStream(calls),
      keyFor: (fromPi) => (fromPi === "sk-stored-login" ? "sk-env" : fromPi),
    });
    swapped(piModel("gpt-5"), CONTEXT, { apiKey: "sk-stored-login" });
    swapped(piModel("gpt-5"), CONTEXT, { apiKey: "sk-from-api-key-flag" });
    createStream({ profileOf: profile, wireStream: recordingWireStream(calls) })(piModel("gpt-5"), CONTEXT, { apiKey: "sk-pi" });
    assert.deepEqual(calls.map((call) => call.options?.apiKey), ["sk-env", "sk-from-api-key-flag", "sk-pi"]);
  });

  it("passes the abort signal and thinking level through untouched", () => {
    const calls: Call[] = [];
    const controller = new AbortController();
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      wireStream: recordingWireStream(calls),
    });
    stream(piModel("gpt-5"), CONTEXT, { signal: controller.signal, reasoning: "high" });
    assert.equal(calls[0]?.options?.signal, controller.signal);
    assert.equal(calls[0]?.options?.reasoning, "high");
  });

  it("turns a synchronous throw from pi-ai into a stream that ends in one error", async () => {
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      wireStream: () => () => {
        throw new Error("No API key for provider: litellm");
      },
    });
    const events = [];
    for await (const event of stream(piModel("gpt-5"), CONTEXT)) events.push(event);
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
    const result = await hook({ model: "m", store: false }, piModel("m"));
    assert.deepEqual(seen, { model: "m" });
    assert.deepEqual(result, { model: "m", temperature: 0 });
  });

  it("keeps the filtered payload when the caller returns undefined", async () => {
    const hook = filteringHook(["store"], () => undefined);
    assert.deepEqual(await hook({ model: "m", store: false }, piModel("m")), { model: "m" });
  });
});

/** A stand-in for pi-ai that plays a script per attempt: each entry is what one request answers. */
function scriptedWireStream(script: ((payload: unknown) => "ok" | "content-then-error" | string)[], payloads: unknown[]) {
  return (): StreamSimple => (target, _context, options) => {
    const stream = createEventStream();
    void (async () => {
      const payload = await options!.onPayload!({ model: target.id, store: false, temperature: 0.2, top_k: 3 }, target);
      payloads.push(payload);
      const step = script[payloads.length - 1]!(payload);
      const message = emptyAssistantMessage(target, "stop");
      if (step === "ok" || step === "content-then-error") {
        stream.push({ type: "start", partial: message });
        message.content.push({ type: "text", text: "hi" });
        stream.push({ type: "text_delta", contentIndex: 0, delta: "hi", partial: message });
      } else {
        stream.push({ type: "start", partial: message });
      }
      if (step === "ok") stream.push({ type: "done", reason: "stop", message });
      else {
        const errorMessage = step === "content-then-error" ? "Unsupported parameter: 'store'" : step;
        stream.push({ type: "error", reason: "error", error: { ...message, stopReason: "error", errorMessage } });
      }
      stream.end();
    })();
    return stream;
  };
}

async function run(stream: ReturnType<StreamSimple>) {
  const types: string[] = [];
  for await (const event of stream) types.push(event.type);
  return { types, message: await stream.result() };
}

describe("learning from a rejected field", () => {
  const profileOfModel = (m: Model<string>) => profileOf({ id: m.id }, { modelOverrides: [] });

  it("drops the field the backend named and retries once, invisibly to pi", async () => {
    const payloads: unknown[] = [];
    const learned: string[] = [];
    const stream = createStream({
      profileOf: profileOfModel,
      learned: (_profile, field) => learned.push(field),
      wireStream: scriptedWireStream([() => "400 Unrecognized request argument supplied: store", () => "ok"], payloads),
    });
    const { types, message } = await run(stream(piModel("acme-1"), CONTEXT));
    assert.deepEqual(types, ["start", "text_delta", "done"]);
    assert.equal(message.stopReason, "stop");
    assert.deepEqual(learned, ["store"]);
    assert.ok("store" in (payloads[0] as object));
    assert.ok(!("store" in (payloads[1] as object)));
  });

  it("learns several fields one retry at a time, but at most a few", async () => {
    const payloads: unknown[] = [];
    const script = [
      () => "400 Unsupported parameter: 'store'",
      () => "400 Unsupported parameter: 'temperature'",
      () => "400 Unsupported parameter: 'top_k'",
      () => "ok",
    ];
    const { message } = await run(
      createStream({ profileOf: profileOfModel, wireStream: scriptedWireStream(script, payloads) })(piModel("acme-1"), CONTEXT),
    );
    assert.equal(message.stopReason, "stop");
    assert.equal(payloads.length, 4);
    assert.deepEqual(payloads[3], { model: "acme-1" });
  });

  it("keeps a learned field only once the request without it answers: a retry that still fails teaches nothing", async () => {
    const learned: string[] = [];
    const failing = createStream({
      profileOf: profileOfModel,
      learned: (_profile, field) => learned.push(field),
      wireStream: scriptedWireStream([
        () => "400 Unsupported parameter: 'store'",
        () => "401 Authentication Error, Invalid proxy server token passed.",
      ], []),
    });
    const { message } = await run(failing(piModel("acme-1"), CONTEXT));
    assert.equal(message.stopReason, "error");
    assert.deepEqual(learned, []);
    const proven: string[] = [];
    const answering = createStream({
      profileOf: profileOfModel,
      learned: (_profile, field) => proven.push(field),
      wireStream: scriptedWireStream([
        () => "400 Unsupported parameter: 'store'",
        () => "400 Unsupported parameter: 'temperature'",
        () => "ok",
      ], []),
    });
    await run(answering(piModel("acme-1"), CONTEXT));
    assert.deepEqual(proven, ["store", "temperature"]);
  });

  it("gives up after the retry limit and shows the last error", async () => {
    const payloads: unknown[] = [];
    const never = (payload: unknown) =>
      `400 Unsupported parameter: '${Object.keys(payload as object).find((key) => key !== "model") ?? "x"}'`;
    const script = [never, never, never, never, never];
    const stream = createStream({ profileOf: profileOfModel, wireStream: scriptedWireStream(script, payloads) });
    const { message } = await run(stream({ ...piModel("acme-1") }, CONTEXT));
    assert.equal(message.stopReason, "error");
    assert.equal(payloads.length, 1 + MAX_RESENDS);
  });

  it("does not retry once content has streamed", async () => {
    const payloads: unknown[] = [];
    const { types, message } = await run(
      createStream({ profileOf: profileOfModel, wireStream: scriptedWireStream([() => "content-then-error"], payloads) })(
        piModel("acme-1"),
        CONTEXT,
      ),
    );
    assert.deepEqual(types, ["start", "text_delta", "error"]);
    assert.equal(message.stopReason, "error");
    assert.equal(payloads.length, 1);
  });

  it("does not retry authentication errors, errors naming nothing it sent, or aborted requests", async () => {
    for (
      const [error, signal] of [
        ["401 Authentication Error, Invalid proxy server token passed. Unsupported parameter: 'store'", undefined],
        ["400 Unsupported parameter: 'frequency_penalty'", undefined],
        ["400 Unsupported parameter: 'store'", AbortSignal.abort()],
      ] as const
    ) {
      const payloads: unknown[] = [];
      const stream = createStream({ profileOf: profileOfModel, wireStream: scriptedWireStream([() => error, () => "ok"], payloads) });
      const { types } = await run(stream(piModel("acme-1"), CONTEXT, signal ? { signal } : {}));
      assert.deepEqual(types, ["start", "error"], error);
      assert.equal(payloads.length, 1, error);
    }
  });
});

describe("routes and replay rules", () => {
  const ANTHROPIC_REPLAY_400 =
    '400 {"type":"error","error":{"type":"invalid_request_error","message":"litellm.BadRequestError: AnthropicException - messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block"}}';

  it("answers a 404 from a route the proxy lacks with the route's fallback, and reports the route once", async () => {
    const calls: WireApi[] = [];
    const unserved: WireApi[] = [];
    const routes = new Set<WireApi>();
    const stream = createStream({
      root: "http://proxy.test",
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }, routes),
      unserved: (api) => {
        unserved.push(api);
        routes.add(api);
      },
      wireStream: (api) => (target, context, options) => {
        calls.push(api);
        if (api === "anthropic-messages") return failedStream(target, '404 {"detail":"Not Found"}');
        return scriptedWireStream([() => "ok"], [])()(target, context, options);
      },
    });
    const { message } = await run(stream(piModel("claude-haiku-4-5"), CONTEXT));
    assert.equal(message.stopReason, "stop", message.errorMessage);
    assert.deepEqual(calls, ["anthropic-messages", "openai-completions"]);
    assert.deepEqual(unserved, ["anthropic-messages"]);
  });

  it("gives each wire API the base URL its client expects", () => {
    const calls: Call[] = [];
    const stream = createStream({
      root: "http://proxy.test/litellm",
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      wireStream: recordingWireStream(calls),
    });
    stream(piModel("claude-haiku-4-5"), CONTEXT, {});
    stream(piModel("gpt-5"), CONTEXT, {});
    assert.deepEqual(calls.map((call) => call.model.baseUrl), ["http://proxy.test/litellm", "http://proxy.test/litellm/v1"]);
  });

  it("a 404 naming something else than a missing route is an error like any other", async () => {
    const calls: WireApi[] = [];
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      unserved: () => assert.fail("not a missing route"),
      wireStream: (api) => (target) => {
        calls.push(api);
        return failedStream(target, '404 {"type":"error","error":{"type":"not_found_error","message":"model: claude-9"}}');
      },
    });
    const { message } = await run(stream(piModel("claude-haiku-4-5"), CONTEXT));
    assert.equal(message.stopReason, "error");
    assert.deepEqual(calls, ["anthropic-messages"]);
  });

  it("a request that could not connect gets one line naming what a probe of the proxy found", async () => {
    const causes: string[] = [];
    for (const cause of ["tls", "dns", "answers"] as const) {
      const stream = createStream({
        root: "http://proxy.test",
        profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
        diagnose: async () => cause,
        wireStream: () => (target) => failedStream(target, "Connection error."),
      });
      const { message } = await run(stream(piModel("gpt-5"), CONTEXT));
      causes.push(message.errorMessage ?? "");
    }
    assert.match(
      causes[0]!,
      /^LiteLLM at http:\/\/proxy\.test cannot be reached: it does not speak TLS, .*use http:\/\/ in LITELLM_BASE_URL/,
    );
    assert.match(causes[1]!, /^LiteLLM at http:\/\/proxy\.test cannot be reached: its host name does not resolve; check LITELLM_BASE_URL$/);
    assert.match(causes[2]!, /answers again; send the request again$/);
  });

  it("waits once when LiteLLM names the wait, and not at all when it does not", async () => {
    const payloads: unknown[] = [];
    const named = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      wireStream: scriptedWireStream([
        () => "429 No deployments available for selected model, Try again in 0 seconds.",
        () => "429 No deployments available for selected model, Try again in 0 seconds.",
        () => "ok",
      ], payloads),
    });
    const { message } = await run(named(piModel("acme-1"), CONTEXT));
    assert.equal(payloads.length, 2, "sent again once");
    assert.match(message.errorMessage ?? "", /^LiteLLM: every deployment of acme-1 is cooling down/);
    const unnamed: unknown[] = [];
    const silent = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      wireStream: scriptedWireStream([() => "429 Rate limit exceeded for api_key: 1a2b. Limit type: requests.", () => "ok"], unnamed),
    });
    await run(silent(piModel("acme-1"), CONTEXT));
    assert.equal(unnamed.length, 1, "no wait named, nothing sent again");
  });

  it("redacts a key holding 429 or 500 from a line pi must not resend, as from any other", async () => {
    const key = "sk-live-4290-5000-abcdef";
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [] }),
      secrets: [key],
      // A proxy whose body echoes the key in a kind pi must not resend (a redirect refused, quoted whole).
      wireStream: () => (target) => failedStream(target, `307 redirected to another origin with key=${key}`),
    });
    const { message } = await run(stream(piModel("acme-1"), CONTEXT));
    assert.doesNotMatch(message.errorMessage ?? "", /sk-live|4\u2060?290|abcdef/);
    assert.match(message.errorMessage ?? "", /key=\*\*\*/);
  });

  it("never learns from a replay rule, never retries it, and says in one line what to do", async () => {
    const learned: string[] = [];
    const payloads: unknown[] = [];
    const stream = createStream({
      profileOf: (m) => profileOf({ id: m.id }, { modelOverrides: [{ pattern: "*", wireApi: "openai-completions" }] }),
      learned: (_profile, field) => learned.push(field),
      wireStream: scriptedWireStream([() => ANTHROPIC_REPLAY_400, () => "ok"], payloads),
    });
    const { message } = await run(stream(piModel("claude-haiku-4-5"), CONTEXT, { reasoning: "high" }));
    assert.equal(message.stopReason, "error");
    assert.deepEqual(learned, []);
    assert.equal(payloads.length, 1, "sent once");
    assert.equal(message.errorMessage?.split("\n").length, 1);
    assert.match(
      message.errorMessage ?? "",
      /^LiteLLM: claude-haiku-4-5 over openai-completions refused the replayed tool turn \(Claude with thinking needs the signed thinking block.*anthropic-messages/,
    );
  });
});

describe("forwarding pi-ai's events", () => {
  const profileOfModel = (m: Model<string>) => profileOf({ id: m.id }, { modelOverrides: [] });

  it("hands pi every event of an answer in order, start first, whenever pi-ai pushes them", async () => {
    const wireStream = (): StreamSimple => (target) => {
      const inner = createEventStream();
      const message = emptyAssistantMessage(target, "stop");
      void Promise.resolve().then(async () => {
        inner.push({ type: "start", partial: message });
        for (const delta of ["a", "b", "c"]) {
          await Promise.resolve();
          inner.push({ type: "text_delta", contentIndex: 0, delta, partial: message });
        }
        inner.push({ type: "done", reason: "stop", message });
        inner.end();
      });
      return inner;
    };
    const stream = createStream({ profileOf: profileOfModel, wireStream })(piModel("acme-1"), CONTEXT);
    const seen: string[] = [];
    for await (const event of stream) seen.push(event.type === "text_delta" ? event.delta : event.type);
    assert.deepEqual(seen, ["start", "a", "b", "c", "done"]);
  });

  it("hands pi a stream pi-ai had already ended in an error before it was read", async () => {
    const stream = createStream({ profileOf: profileOfModel, wireStream: () => (target) => failedStream(target, "boom") })(
      piModel("acme-1"),
      CONTEXT,
    );
    const { types, message } = await run(stream);
    assert.deepEqual(types, ["error"]);
    assert.equal(message.errorMessage, "boom");
  });
});

describe("a backend's 429 or 5xx, which LiteLLM already retried", () => {
  const profileOfModel = (m: Model<string>) => profileOf({ id: m.id }, { modelOverrides: [] });
  const BUSY =
    "429 litellm.RateLimitError: AzureException RateLimitError - Rate limit reached for acme-1. Please retry after 0 seconds.\n\nLiteLLM: model group 'acme-1' failed with the error above. No fallback was attempted.";

  it("is sent once more after the wait the backend names, and answered when it clears", async () => {
    const payloads: unknown[] = [];
    const stream = createStream({ profileOf: profileOfModel, wireStream: scriptedWireStream([() => BUSY, () => "ok"], payloads) });
    const { message } = await run(stream(piModel("acme-1"), CONTEXT));
    assert.equal(message.stopReason, "stop");
    assert.equal(payloads.length, 2);
  });

  it("persistent: one more try, then one line saying so, with the backend's words", async () => {
    const payloads: unknown[] = [];
    const stream = createStream({
      profileOf: profileOfModel,
      wireStream: scriptedWireStream([() => BUSY, () => BUSY, () => "ok"], payloads),
    });
    const { message } = await run(stream(piModel("acme-1"), CONTEXT));
    assert.equal(payloads.length, 2, "never a third");
    assert.equal(
      message.errorMessage?.replaceAll("\u2060", ""),
      `LiteLLM: acme-1's backend (Azure) refused it, its quota exceeded for now, also when sent again after LiteLLM's own retries: "Rate limit reached for acme-1. Please retry after 0 seconds."; try again in a minute, or pick another model with /model`,
    );
  });

  it("is not sent again when the backend names a wait longer than the stream waits for", async () => {
    const payloads: unknown[] = [];
    const long = BUSY.replace("after 0 seconds", "after 20 seconds");
    const stream = createStream({ profileOf: profileOfModel, wireStream: scriptedWireStream([() => long, () => "ok"], payloads) });
    const { message } = await run(stream(piModel("acme-1"), CONTEXT));
    assert.equal(payloads.length, 1);
    assert.match(message.errorMessage ?? "", /Please retry after 20 seconds/);
  });

  it("that breaks off an answer keeps the backend's words for pi's own turn retry", async () => {
    const stream = createStream({
      profileOf: profileOfModel,
      wireStream: () => (target) => {
        const inner = createEventStream();
        const message = emptyAssistantMessage(target, "stop");
        inner.push({ type: "start", partial: message });
        inner.push({ type: "text_delta", contentIndex: 0, delta: "Hel", partial: message });
        inner.push({
          type: "error",
          reason: "error",
          error: { ...message, stopReason: "error", errorMessage: "litellm.InternalServerError: AnthropicException - Overloaded." },
        });
        inner.end();
        return inner;
      },
    });
    const { message } = await run(stream(piModel("acme-1"), CONTEXT));
    assert.equal(message.errorMessage, `LiteLLM: acme-1's answer broke off: "Overloaded."`);
  });

  it("a final line pi would resend all the same (a port that is a status number, on pi 0.73) is answered again without a request", async () => {
    const payloads: unknown[] = [];
    const gone =
      "400 /chat/completions: Invalid model name passed in model=acme-1. Call `/v1/models` to view available models for your key.";
    const stream = createStream({
      root: "http://127.0.0.1:5000",
      profileOf: profileOfModel,
      wireStream: scriptedWireStream([() => gone, () => "ok"], payloads),
    });
    const first = await run(stream(piModel("acme-1"), CONTEXT));
    assert.match(first.message.errorMessage ?? "", /http:\/\/127\.0\.0\.1:5000 no longer serves acme-1/);
    const again = await run(stream(piModel("acme-1"), CONTEXT));
    assert.equal(again.message.errorMessage, first.message.errorMessage);
    assert.equal(payloads.length, 1, "pi's turn retry of the same conversation sends nothing");
    await run(stream(piModel("acme-1"), { messages: [{ role: "user", content: "something else", timestamp: 0 }] }));
    assert.equal(payloads.length, 2, "another conversation is sent");
  });

  it("refuses to send for a provider that is barred (replaced, or its project not yet trusted)", async () => {
    const payloads: unknown[] = [];
    const stream = createStream({
      barred: () => "not yet",
      profileOf: profileOfModel,
      wireStream: scriptedWireStream([() => "ok"], payloads),
    });
    const { message } = await run(stream(piModel("acme-1"), CONTEXT));
    assert.equal(message.errorMessage, "not yet");
    assert.equal(payloads.length, 0);
  });
});
