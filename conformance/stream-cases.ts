/**
 * What a user notices while a request streams through the extension: thinking levels arrive in the
 * form each wire API expects, thinking and tool calls stream back, prompt caching keeps hitting,
 * abort works, and every failure LiteLLM can produce ends the stream in one error that says what
 * happened.
 *
 * @module
 */

import assert from "node:assert/strict";
import process from "node:process";
import type { SimpleStreamOptions } from "../lib/pi.ts";
import type { WireApi } from "../lib/types.ts";
import { type FakeLiteLLM, type RecordedRequest, startFakeLiteLLM } from "./fake-litellm.ts";
import { Hono } from "hono";
import { collect, type LoadedExtension, loadExtension, plain } from "./harness.ts";
import { freePortAmong, serveLoopback } from "./loopback.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceSuite } from "./suite.ts";

const LONG_TEXT = "The quick brown fox jumps over the lazy dog. ".repeat(20);

/** Models whose replies or faults exercise one behaviour each. */
const BEHAVIOUR_MODELS = [
  { id: "gpt-5.2", servedBy: "gpt-5" },
  { id: "claude-sonnet-4-5", servedBy: "claude", reply: { reasoning: "Weighing the options.", text: "Hello from claude-sonnet-4-5." } },
  { id: "gpt-5-mini", servedBy: "gpt-5", reply: { reasoning: "Weighing the options.", text: "Hello from gpt-5-mini." } },
  { id: "tool-model", servedBy: "lenient", reply: { text: "Reading it.", toolCall: { name: "read", arguments: '{"path":"README.md"}' } } },
  { id: "slow-model", servedBy: "lenient", reply: { text: LONG_TEXT, chunks: 40 }, chunkDelayMs: 50 },
  { id: "flaky-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-connection-error" } },
  {
    id: "overloaded-model",
    servedBy: "lenient",
    reply: { text: "Hello from overloaded-model.", chunks: 6 },
    fault: { kind: "error-frame", afterChunks: 3, fixture: "litellm-midstream-overloaded" },
  },
  { id: "slow-start-model", servedBy: "lenient", fault: { kind: "slow", delayMs: 300 } },
  { id: "gateway-model", servedBy: "lenient", fault: { kind: "html", status: 502 } },
  { id: "broken-model", servedBy: "lenient", fault: { kind: "malformed" } },
  { id: "denied-model", servedBy: "lenient", denied: true },
] as const;

/** The fixtures this suite replays, for the check that every fixture is used. */
export const STREAM_FIXTURES: readonly string[] = [
  "litellm-connection-error",
  "litellm-midstream-overloaded",
  "litellm-auth",
  "litellm-key-model-access",
];

/** The suite: one fake proxy; one extension per wire API it needs. */
export function streamSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  const extensions = new Map<WireApi | "default", LoadedExtension>();

  async function send(model: string, options: SimpleStreamOptions = {}, api: WireApi | "default" = "default") {
    const before = fake.requests.length;
    const outcome = await collect(extensions.get(api)!.stream(model, { sessionId: "stream-session", ...options }));
    const recorded = fake.requests.slice(before).filter((request) => request.model === model);
    return { outcome, recorded: recorded.at(-1) as RecordedRequest, all: recorded };
  }
  const body = (request: RecordedRequest) => request.body as Record<string, unknown>;

  return {
    name: "streaming through the extension",
    async before() {
      fake = await startFakeLiteLLM(conformanceScenario(BEHAVIOUR_MODELS.map((model) => ({ ...model }))));
      const env = { LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY };
      extensions.set("default", await loadExtension(env));
      for (const api of ["openai-completions", "openai-responses", "azure-openai-responses"] as const) {
        extensions.set(api, await loadExtension({ ...env, LITELLM_WIRE_API: api }));
      }
    },
    after: () => fake.close(),
    cases: [
      {
        name: "--thinking high reaches Chat Completions as reasoning_effort",
        async run() {
          const { outcome, recorded } = await send("claude-haiku-4-5", { reasoning: "high" }, "openai-completions");
          assert.equal(outcome.message.stopReason, "stop");
          assert.equal(body(recorded).reasoning_effort, "high");
        },
      },
      {
        name: "--thinking high reaches Anthropic Messages (Claude's default route) as thinking with a token budget",
        async run() {
          const { outcome, recorded } = await send("claude-haiku-4-5", { reasoning: "high" });
          assert.equal(outcome.message.stopReason, "stop", outcome.message.errorMessage);
          assert.equal(recorded.wireApi, "anthropic-messages");
          const thinking = body(recorded).thinking as { type: string; budget_tokens: number };
          assert.equal(thinking.type, "enabled");
          assert.ok(thinking.budget_tokens >= 1024, `budget ${thinking.budget_tokens}`);
        },
      },
      {
        name: "--thinking high reaches the Responses API as reasoning.effort, with the encrypted reasoning included",
        async run() {
          const { recorded } = await send("gpt-5", { reasoning: "high" });
          assert.deepEqual(body(recorded).reasoning, { effort: "high", summary: "auto" });
          assert.deepEqual(body(recorded).include, ["reasoning.encrypted_content"]);
        },
      },
      {
        name: "--thinking high reaches the Azure wire API at the proxy, even with AZURE_OPENAI_BASE_URL set elsewhere",
        async run() {
          const previous = process.env.AZURE_OPENAI_BASE_URL;
          process.env.AZURE_OPENAI_BASE_URL = "http://127.0.0.1:9/not-the-proxy";
          try {
            const { outcome, recorded } = await send("gpt-5", { reasoning: "high" }, "azure-openai-responses");
            assert.equal(outcome.message.stopReason, "stop", outcome.message.errorMessage);
            assert.match(recorded.path, /^\/v1\/responses\?api-version=/);
            assert.equal((body(recorded).reasoning as { effort?: string }).effort, "high");
            assert.equal(recorded.headers.authorization, `Bearer ${API_KEY}`);
          } finally {
            if (previous === undefined) delete process.env.AZURE_OPENAI_BASE_URL;
            else process.env.AZURE_OPENAI_BASE_URL = previous;
          }
        },
      },
      {
        name: "a level the family rejects is never sent: minimal becomes low for Claude, xhigh becomes high for GPT-5",
        async run() {
          assert.equal(
            body((await send("claude-haiku-4-5", { reasoning: "minimal" }, "openai-completions")).recorded).reasoning_effort,
            "low",
          );
          assert.equal(
            body((await send("claude-haiku-4-5", { reasoning: "xhigh" }, "openai-completions")).recorded).reasoning_effort,
            "high",
          );
          assert.equal((body((await send("gpt-5", { reasoning: "xhigh" })).recorded).reasoning as { effort: string }).effort, "high");
          assert.equal((body((await send("gpt-5.2", { reasoning: "xhigh" })).recorded).reasoning as { effort: string }).effort, "xhigh");
        },
      },
      {
        name: "thinking streams back as thinking on Anthropic Messages and on the Responses API",
        async run() {
          const claude = await send("claude-sonnet-4-5", { reasoning: "medium" });
          assert.equal(claude.outcome.thinking, "Weighing the options.");
          assert.equal(claude.outcome.text, "Hello from claude-sonnet-4-5.");
          const gpt = await send("gpt-5-mini", { reasoning: "medium" });
          assert.match(gpt.outcome.thinking, /^Weighing the options\./);
          assert.equal(gpt.outcome.text, "Hello from gpt-5-mini.");
        },
      },
      {
        name: "tool calls stream back with their arguments",
        async run() {
          for (const api of ["openai-completions", "openai-responses"] as const) {
            const { outcome } = await send("tool-model", {}, api);
            assert.deepEqual(outcome.toolCalls, ["read"], api);
            assert.equal(outcome.message.stopReason, "toolUse", api);
            const call = outcome.message.content.find((block) => block.type === "toolCall");
            assert.deepEqual(call?.type === "toolCall" ? call.arguments : undefined, { path: "README.md" }, api);
          }
        },
      },
      {
        name: "every request carries pi's session id as x-litellm-session-id, on every wire API",
        async run() {
          for (const api of ["openai-completions", "openai-responses", "azure-openai-responses"] as const) {
            const { recorded } = await send("my-company-model", { sessionId: `session-${api}` }, api);
            assert.equal(recorded.headers["x-litellm-session-id"], `session-${api}`, api);
          }
        },
      },
      {
        name: "GPT prompt caching keeps hitting: the second turn of a session reports cached tokens",
        async run() {
          const first = await send("gpt-5", { sessionId: "cache-session" });
          const second = await send("gpt-5", { sessionId: "cache-session" });
          assert.equal(first.outcome.message.usage.cacheRead, 0);
          assert.ok(second.outcome.message.usage.cacheRead > 0, "the repeated prompt_cache_key should hit the cache");
        },
      },
      {
        name: "abort ends the stream as aborted before the reply is complete",
        async run() {
          const controller = new AbortController();
          const stream = extensions.get("default")!.stream("slow-model", { signal: controller.signal });
          let text = "";
          let last = "";
          for await (const event of stream) {
            last = event.type;
            if (event.type === "text_delta") {
              text += event.delta;
              controller.abort();
            }
          }
          const message = await stream.result();
          assert.equal(last, "error");
          assert.equal(message.stopReason, "aborted");
          assert.ok(text.length < LONG_TEXT.length, "the reply must not have arrived in full");
        },
      },
      {
        name: "a 500 APIConnectionError ends the stream in an error carrying LiteLLM's message",
        async run() {
          const { outcome } = await send("flaky-model", { maxRetries: 0 });
          assert.equal(outcome.message.stopReason, "error");
          // The backend's own words, without LiteLLM's wrapping (its class, its provider prefix, its tail).
          assert.match(
            plain(outcome.message.errorMessage),
            /^LiteLLM: flaky-model's backend \(Databricks\) failed \(500\), also when sent again after LiteLLM's own retries: "Bad request: Unrecognized field "store""/,
          );
        },
      },
      {
        name: "an error frame after HTTP 200 ends the stream in that error, after the text that already arrived",
        async run() {
          const { outcome } = await send("overloaded-model");
          assert.equal(outcome.message.stopReason, "error");
          assert.match(outcome.message.errorMessage ?? "", /Overloaded/);
          assert.ok(outcome.text.length > 0 && outcome.text.length < "Hello from overloaded-model.".length, outcome.text);
        },
      },
      {
        name: "a slow first byte still completes",
        async run() {
          const { outcome } = await send("slow-start-model");
          assert.equal(outcome.message.stopReason, "stop");
          assert.equal(outcome.text, "Hello from slow-start-model.");
        },
      },
      {
        name: "an HTML 502 page from a gateway ends in an error naming the status",
        async run() {
          const { outcome } = await send("gateway-model", { maxRetries: 0 });
          assert.equal(outcome.message.stopReason, "error");
          assert.match(plain(outcome.message.errorMessage), /a gateway in front of it answered 502 \(502 Bad Gateway\) with an HTML page/);
        },
      },
      {
        name: "a malformed stream ends in an error, not in a silent empty answer",
        async run() {
          const { outcome } = await send("broken-model");
          assert.equal(outcome.message.stopReason, "error");
          assert.equal(outcome.text, "");
        },
      },
      {
        name: "a model the proxy no longer serves ends in one line saying so, naming the proxy",
        async run() {
          const extension = extensions.get("default")!;
          const retired = { ...extension.model("my-company-model"), id: "retired-model" };
          const provider = extension.providers.get("litellm")!.config;
          const outcome = await collect(provider.streamSimple!(retired as never, { messages: [] }, { apiKey: API_KEY }));
          assert.equal(outcome.message.stopReason, "error");
          assert.match(
            plain(outcome.message.errorMessage),
            /^LiteLLM at http:\/\/127\.0\.0\.1:\d+ no longer serves retired-model; the model list is re-read in the background/,
          );
        },
      },
      {
        name: "a key revoked after startup gets one line naming the key's variable, not a crash",
        async run() {
          fake.acceptKeys("sk-issued-instead");
          const { outcome, recorded } = await send("claude-haiku-4-5").finally(() => fake.acceptKeys(API_KEY));
          assert.equal(recorded.status, 401);
          assert.equal(outcome.message.stopReason, "error");
          assert.match(
            plain(outcome.message.errorMessage),
            /^LiteLLM at http:\/\/127\.0\.0\.1:\d+ rejected the key; check LITELLM_API_KEY$/,
          );
        },
      },
      {
        name:
          "every URL in every line copies byte for byte and answers when fetched, from a proxy whose port holds a status number (pi 0.73's judge, the strictest)",
        async run() {
          // 5000-5049 and 4290-4299 hold 500 or 429, which pi 0.73 resends on wherever they stand.
          const port = await freePortAmong([
            ...Array.from({ length: 50 }, (_, index) => 5000 + index),
            ...Array.from({ length: 10 }, (_, index) => 4290 + index),
          ]);
          assert.ok(port !== undefined, "a free port holding a status number");
          const proxy = await startFakeLiteLLM({ ...conformanceScenario() }, port);
          const elsewhere = await startFakeLiteLLM({ ...conformanceScenario() });
          const redirecting = new Hono();
          redirecting.all(
            "*",
            (c) =>
              c.req.method === "POST"
                ? c.redirect(`${elsewhere.url}${new URL(c.req.url).pathname}`, 307)
                : fetch(`${proxy.url}${new URL(c.req.url).pathname}`, { headers: c.req.raw.headers }),
          );
          const hop = await serveLoopback(redirecting);
          try {
            const extension = await loadExtension({ LITELLM_BASE_URL: proxy.url, LITELLM_API_KEY: API_KEY });
            const provider = extension.providers.get("litellm")!.config;
            const lines: string[] = [];
            const ghost = { ...extension.model("gpt-4o"), id: "ghost-model" };
            lines.push(
              (await collect(provider.streamSimple!(ghost as never, { messages: [] }, { apiKey: API_KEY }))).message.errorMessage ?? "",
            );
            proxy.acceptKeys("sk-issued-instead");
            lines.push((await collect(extension.stream("gpt-4o"))).message.errorMessage ?? "");
            proxy.acceptKeys(API_KEY);
            const redirected = await loadExtension({ LITELLM_BASE_URL: hop.url, LITELLM_API_KEY: API_KEY });
            lines.push((await collect(redirected.stream("gpt-4o"))).message.errorMessage ?? "");
            const urls = lines.flatMap((line) => [...line.matchAll(/https?:\/\/[^\s,;]+/g)].map((match) => match[0]));
            assert.ok(lines.slice(0, 2).every((line) => line.includes(`${proxy.url} `)), lines.join("\n"));
            assert.ok(urls.length >= 4, urls.join(" "));
            for (const url of urls) {
              const answer = await fetch(url).catch((error: unknown) =>
                assert.fail(`${JSON.stringify(url)} does not answer as copied: ${error}`)
              );
              await answer.body?.cancel();
            }
          } finally {
            await hop.close();
            await elsewhere.close();
            await proxy.close();
          }
        },
      },
      {
        name: "a model the key may not call gets one line naming the models it may use",
        async run() {
          const { outcome, recorded } = await send("denied-model");
          assert.equal(recorded.status, 403);
          assert.match(
            outcome.message.errorMessage ?? "",
            /^LiteLLM: this key may not use denied-model; it may use us\.anthropic\.claude-haiku-4-5-20251001-v1:0/,
          );
        },
      },
    ],
  };
}
