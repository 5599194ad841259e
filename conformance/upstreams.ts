/**
 * The backends the real LiteLLM proxy calls, played on one loopback Hono server, one path prefix
 * each: Anthropic Messages, a Databricks serving endpoint, Azure OpenAI (Chat Completions and
 * Responses), an OpenAI-compatible server (vLLM), Gemini and Bedrock (`bedrock.ts`). Each logs what LiteLLM really sends
 * (the ground truth for paths and bodies), plays the scripted agent turn, answers a broken replay
 * rule with the backend's own error, and rejects the fields the policy says that backend rejects.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { WireApi } from "../lib/types.ts";
import { brokenReplayRule, readTurn, type ReplayCheck, scriptedReply, THINKING_SIGNATURE } from "./agent-script.ts";
import { converseStream, converseTurn, invokeStream } from "./bedrock.ts";
import { serveLoopback } from "./loopback.ts";
import { chatChunks, messageEvents, type Reply, responseEvents } from "./replies.ts";

/** A request LiteLLM sent upstream. */
export interface UpstreamRequest {
  backend: string;
  path: string;
  body: Record<string, unknown>;
  status: number;
}

/** A running set of fake backends. */
export interface Upstreams {
  url: string;
  requests: UpstreamRequest[];
  /** Makes the backend of `model` answer its next `count` requests as busy (429) or broken (500), each in its own words. */
  failNext(model: string, count: number): void;
  close(): Promise<void>;
}

/**
 * How each backend says it is busy (429, with `retry-after`) or broken (500), in its own envelope:
 * Azure's and Anthropic's rate-limit bodies, vLLM's error object.
 */
const BUSY: Readonly<Record<string, { status: 429 | 500; body: unknown }>> = {
  azure: {
    status: 429,
    body: {
      error: {
        code: "429",
        message:
          "Rate limit reached for the deployment in organization org-real-tier on requests per min (RPM). Please retry after 2 seconds.",
      },
    },
  },
  anthropic: {
    status: 429,
    body: {
      type: "error",
      error: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" },
    },
  },
  vllm: {
    status: 500,
    body: { object: "error", message: "Internal server error: CUDA out of memory", type: "InternalServerError", code: 500 },
  },
};

type Raw = Record<string, unknown>;

/** A field a backend refuses for some models, answered in that backend's own words. */
interface Refusal {
  backend: string;
  models: RegExp;
  field: string;
  /** Refuses only the requests this holds for; every request carrying the field otherwise. */
  when?: (body: Raw) => boolean;
  status: number;
  body: (model: string) => unknown;
}

/**
 * A context window that holds one exchange: a request with a second user turn overflows, unless it
 * is pi's compaction (its summary request, and the turn sent again over the summary).
 */
const pastOneExchange = (body: Raw) => {
  // The user turns only: pi's system prompt may name summaries too.
  const users = ((body.messages ?? []) as Raw[]).filter((message) => message.role === "user");
  return users.length > 1 && !/summar/i.test(JSON.stringify(users));
};

/**
 * What the fake backends refuse themselves. LiteLLM refuses `store`, `prompt_cache_key` and friends
 * for non-OpenAI backends before anything is sent; these are the rejections only the backend makes.
 */
const REFUSALS: readonly Refusal[] = [
  {
    backend: "databricks",
    models: /claude-opus-5/,
    field: "temperature",
    status: 400,
    body: (model) => ({ error_code: "BAD_REQUEST", message: `BAD_REQUEST: Model ${model} does not support the temperature parameter.` }),
  },
  {
    backend: "azure",
    models: /gpt-4o/,
    field: "prompt_cache_retention",
    status: 400,
    body: () => ({
      error: {
        message: "prompt_cache_retention is not supported on this model",
        type: "invalid_request_error",
        param: "prompt_cache_retention",
        code: null,
      },
    }),
  },
  {
    backend: "azure",
    models: /gpt-5|o3/,
    field: "temperature",
    status: 400,
    body: () => ({
      error: {
        message: "Unsupported parameter: 'temperature' is not supported with this model.",
        type: "invalid_request_error",
        param: "temperature",
        code: "unsupported_parameter",
      },
    }),
  },
  {
    backend: "anthropic",
    models: /overflow/,
    field: "messages",
    status: 400,
    body: () => ({
      type: "error",
      error: { type: "invalid_request_error", message: "prompt is too long: 213462 tokens > 200000 maximum" },
    }),
  },
  {
    backend: "anthropic",
    models: /small-window/,
    field: "messages",
    when: pastOneExchange,
    status: 400,
    body: () => ({
      type: "error",
      error: { type: "invalid_request_error", message: "prompt is too long: 213462 tokens > 200000 maximum" },
    }),
  },
  {
    backend: "databricks",
    models: /overflow/,
    field: "messages",
    status: 400,
    body: () => ({ error_code: "BAD_REQUEST", message: "prompt is too long: 213462 tokens > 200000 maximum" }),
  },
  {
    backend: "vllm",
    models: /acme-strict/,
    field: "store",
    status: 400,
    body: () => ({
      object: "error",
      message: '[{"type":"extra_forbidden","loc":["body","store"],"msg":"Extra inputs are not permitted","input":false}]',
      type: "BadRequestError",
      code: 400,
    }),
  },
];

/** Each backend's answer to a broken replay rule, in its own envelope. */
const REPLAY_ERRORS: Readonly<Record<ReplayCheck, unknown>> = {
  "signed-thinking": {
    type: "error",
    error: {
      type: "invalid_request_error",
      message:
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking",
    },
  },
  "thought-signature": {
    error: {
      code: 400,
      message:
        "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:read` , position 2. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
      status: "INVALID_ARGUMENT",
    },
  },
  "reasoning-item": {
    error: {
      message: "Item 'fc_fake' of type 'function_call' was provided without its required 'reasoning' item: 'rs_fake'.",
      type: "invalid_request_error",
      param: "input",
      code: null,
    },
  },
};

const has = (body: Raw, field: string) => body[field] !== undefined;

/**
 * Gemini's `streamGenerateContent` chunks for a reply, one part each as Gemini streams them (thought,
 * text, function call with its thought signature), the finish reason and usage on the last.
 */
function geminiChunks(reply: Reply): unknown[] {
  const parts: Raw[] = [];
  if (reply.reasoning) parts.push({ text: reply.reasoning, thought: true });
  if (reply.text) parts.push({ text: reply.text });
  if (reply.toolCall) {
    parts.push({
      functionCall: { name: reply.toolCall.name, args: JSON.parse(reply.toolCall.arguments) },
      thoughtSignature: THINKING_SIGNATURE,
    });
  }
  return parts.map((part, index) => ({
    candidates: [{ content: { role: "model", parts: [part] }, index: 0, ...(index === parts.length - 1 ? { finishReason: "STOP" } : {}) }],
    ...(index === parts.length - 1 ? { usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 8, totalTokenCount: 28 } } : {}),
    modelVersion: "gemini-2.5-pro",
  }));
}

/** The first string inside a value: LiteLLM wraps a tool's text in a `functionResponse` object. */
function firstText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return "";
  for (const item of Object.values(value)) {
    const found = firstText(item);
    if (found) return found;
  }
  return "";
}

/** Reads a Gemini request as the script's chat view: function responses are tool results. */
function geminiTurn(body: Raw): ReturnType<typeof readTurn> {
  const contents = (body.contents ?? []) as Raw[];
  const parts: Raw[] = contents.flatMap((content) => (content.parts ?? []) as Raw[]);
  // LiteLLM writes the parts in snake_case (`function_call`), Google's docs in camelCase.
  const result = parts.filter((part) => part.functionResponse ?? part.function_response).at(-1);
  const call = parts.filter((part) => part.functionCall ?? part.function_call).at(-1);
  const user = contents.filter((content) => content.role === "user").at(-1);
  const config = (body.generationConfig ?? {}) as Raw;
  return {
    // LiteLLM turns thinking off with `thinkingBudget: 0`, not by leaving the config out.
    thinking: config.thinkingConfig !== undefined && (config.thinkingConfig as Raw).thinkingBudget !== 0,
    tools: Array.isArray(body.tools) && body.tools.length > 0,
    prompt: ((user?.parts ?? []) as Raw[]).map((part) => String(part.text ?? "")).join(""),
    ...(result ? { toolResult: firstText(((result.functionResponse ?? result.function_response) as Raw).response) } : {}),
    replayKept: { "signed-thinking": true, "thought-signature": call?.thoughtSignature === THINKING_SIGNATURE, "reasoning-item": true },
    images: 0,
  };
}

/** Starts every fake backend on one loopback port. */
export async function startUpstreams(): Promise<Upstreams> {
  const requests: UpstreamRequest[] = [];
  const app = new Hono();

  /** Logs, checks refusals and the replay rule, and answers a scripted turn in `wireApi`'s format. */
  /** Requests still to fail per model; a `busy` model fails every one. */
  const failing = new Map<string, number>();
  const play =
    (backend: string, wireApi: WireApi, modelOf: (c: Context, body: Raw) => string, servedBy: (model: string) => string) =>
    async (c: Context) => {
      const body = await c.req.json<Raw>().catch(() => ({} as Raw));
      const model = modelOf(c, body);
      const log = (status: number) => requests.push({ backend, path: new URL(c.req.url).pathname, body, status });
      const left = failing.get(model) ?? 0;
      if ((/-busy$/.test(model) || left > 0) && BUSY[backend]) {
        failing.set(model, left - 1);
        log(BUSY[backend]!.status);
        return c.json(BUSY[backend]!.body as object, BUSY[backend]!.status, BUSY[backend]!.status === 429 ? { "retry-after": "2" } : {});
      }
      const refusal = REFUSALS.find((row) =>
        row.backend === backend && row.models.test(model) && has(body, row.field) && (row.when?.(body) ?? true)
      );
      if (refusal) {
        log(refusal.status);
        return c.json(refusal.body(model) as object, refusal.status as 400);
      }
      const turn = readTurn(wireApi, body);
      const broken = brokenReplayRule(servedBy(model), turn);
      if (broken) {
        log(400);
        return c.json(REPLAY_ERRORS[broken] as object, 400);
      }
      log(200);
      // A backend close to its rate limit says so in OpenAI's headers, which LiteLLM passes on.
      if (/-limited$/.test(model)) {
        for (const [name, value] of Object.entries({ "x-ratelimit-remaining-requests": "5", "x-ratelimit-limit-requests": "100" })) {
          c.header(name, value);
        }
      }
      const reply = scriptedReply(servedBy(model), turn, { text: `Hello from ${model}.` });
      const usage = { prompt: 20, completion: 8, cached: JSON.stringify(body).includes("cache_control") ? 10 : 0 };
      return streamSSE(c, async (stream) => {
        if (wireApi === "anthropic-messages") {
          for (const frame of messageEvents(model, reply, usage)) {
            await stream.writeSSE({ event: frame.event, data: JSON.stringify(frame.data) });
          }
          return;
        }
        const frames = wireApi === "openai-completions" ? chatChunks(model, reply, usage) : responseEvents(model, reply, usage);
        for (const frame of frames) await stream.writeSSE({ data: JSON.stringify(frame) });
        if (wireApi === "openai-completions") await stream.writeSSE({ data: "[DONE]" });
      });
    };

  const claudeOr = (fallback: string) =>
  (
    model: string,
  ) => (/claude/.test(model)
    ? "claude"
    : /gemini/.test(model)
    ? "gemini"
    : /gpt-5/.test(model)
    ? "gpt-5"
    : /o3/.test(model)
    ? "o-series"
    : fallback);
  const bodyModel = (_c: Context, body: Raw) => String(body.model ?? "");

  app.post("/anthropic/v1/messages", play("anthropic", "anthropic-messages", bodyModel, () => "claude"));
  // Databricks documents that a replayed turn may omit its reasoning (and LiteLLM strips it), so no rule is checked.
  app.post("/databricks/serving-endpoints/chat/completions", play("databricks", "openai-completions", bodyModel, () => "databricks"));
  // LiteLLM 1.110 sends Databricks Claude's /v1/messages natively to the workspace's Anthropic endpoint, which keeps signed thinking.
  app.post("/databricks/serving-endpoints/anthropic/v1/messages", play("databricks", "anthropic-messages", bodyModel, () => "claude"));
  app.post(
    "/azure/openai/deployments/:deployment/chat/completions",
    play("azure", "openai-completions", (c) => c.req.param("deployment") ?? "", claudeOr("azure")),
  );
  app.post("/azure/openai/responses", play("azure", "openai-responses", bodyModel, claudeOr("azure")));
  app.post("/azure/openai/v1/responses", play("azure", "openai-responses", bodyModel, claudeOr("azure")));
  app.post("/vllm/chat/completions", play("vllm", "openai-completions", bodyModel, () => "vllm"));
  app.post("/vllm/responses", play("vllm", "openai-responses", bodyModel, () => "vllm"));
  app.post("/vllm/v1/responses", play("vllm", "openai-responses", bodyModel, () => "vllm"));
  app.get(
    "/vllm/models",
    (c) => c.json({ object: "list", data: [{ id: "my-company-model", object: "model" }, { id: "acme-strict", object: "model" }] }),
  );
  app.post(
    "/gemini/v1beta/models/:call",
    async (c) => c.redirect(new URL(c.req.url).pathname.replace("/v1beta", "") + new URL(c.req.url).search, 307),
  );
  app.post("/gemini/models/:call", async (c) => {
    const body = await c.req.json<Raw>().catch(() => ({} as Raw));
    const model = (c.req.param("call") ?? "").split(":")[0]!;
    const turn = geminiTurn(body);
    const broken = brokenReplayRule("gemini", turn);
    requests.push({ backend: "gemini", path: new URL(c.req.url).pathname, body, status: broken ? 400 : 200 });
    if (broken) return c.json(REPLAY_ERRORS[broken] as object, 400);
    const reply = scriptedReply("gemini", turn, { text: `Hello from ${model}.` });
    return streamSSE(c, async (stream) => {
      for (const chunk of geminiChunks(reply)) await stream.writeSSE({ data: JSON.stringify(chunk) });
    });
  });
  const bedrock = (wireApi: "converse" | "invoke") => async (c: Context) => {
    const body = await c.req.json<Raw>().catch(() => ({} as Raw));
    const model = decodeURIComponent(c.req.param("id") ?? "");
    const turn = wireApi === "converse" ? converseTurn(body) : readTurn("anthropic-messages", body);
    const broken = brokenReplayRule("claude", turn);
    requests.push({ backend: "bedrock", path: new URL(c.req.url).pathname, body, status: broken ? 400 : 200 });
    if (broken) {
      const message = `The model returned the following errors: ${(REPLAY_ERRORS[broken] as { error: { message: string } }).error.message}`;
      return c.json({ message }, 400, { "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/" });
    }
    const reply = scriptedReply("claude", turn, { text: `Hello from ${model}.` });
    const frames = wireApi === "converse" ? converseStream(reply) : invokeStream(model, reply);
    return new Response(new Blob(frames as BlobPart[]).stream(), { headers: { "content-type": "application/vnd.amazon.eventstream" } });
  };
  app.post("/bedrock/model/:id/converse-stream", bedrock("converse"));
  app.post("/bedrock/model/:id/invoke-with-response-stream", bedrock("invoke"));
  app.notFound((c) => {
    requests.push({ backend: "none", path: new URL(c.req.url).pathname, body: {}, status: 404 });
    return c.json({ error: { message: `no fake backend at ${new URL(c.req.url).pathname}` } }, 404);
  });

  const server = await serveLoopback(app);
  return { ...server, requests, failNext: (model, count) => void failing.set(model, count) };
}
