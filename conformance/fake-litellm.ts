/**
 * A fake LiteLLM proxy on Hono. A declarative {@link Scenario} (models, their metadata, which backend
 * family serves each, injected faults) plus the fixture set decide everything it answers; it records
 * every request so tests can assert on payloads and headers.
 *
 * Runs unchanged under Node and Deno: no globals are replaced, the port is ephemeral.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { WireApi } from "../lib/types.ts";
import { findFixture, type Fixture, fixtureById, loadFixtures } from "./fixtures.ts";
import { serveLoopback } from "./loopback.ts";
import { brokenReplayRule, readTurn, REPLAY_FIXTURES, scriptedReply } from "./agent-script.ts";
import { chatChunks, messageEvents, type Reply, type ReplyUsage, responseEvents } from "./replies.ts";

/** A failure the fake injects instead of its normal answer. Error bodies come from fixtures. */
export type Fault =
  | { kind: "fixture"; fixture: string; /** Only the first N requests fail; every one when absent. */ times?: number }
  | { kind: "missing" }
  | { kind: "html"; status: number }
  | { kind: "malformed" }
  | { kind: "slow"; delayMs: number }
  | { kind: "error-frame"; afterChunks: number; fixture: string };

/** One model name on the fake proxy. */
export interface FakeModel {
  id: string;
  /** The backend family serving it; fixtures whose `family` lists it are replayed for it. */
  servedBy: string;
  /** `model_info` of each deployment, as `/v1/model/info` lists them (one row each). */
  deployments?: Record<string, unknown>[];
  /** `litellm_params.model`, the upstream model behind the name. */
  litellmModel?: string;
  /** Extra fields of its `/model_group/info` row. */
  group?: Record<string, unknown>;
  reply?: Reply;
  /** Pause between streamed chunks, in milliseconds. */
  chunkDelayMs?: number;
  /**
   * What LiteLLM says each answer cost, in dollars: as LiteLLM 1.106 and 1.110 stream it, `usage.cost`
   * in the last chat chunk (with `include_usage`) and in `response.completed`, nowhere on
   * `/v1/messages`; `x-litellm-response-cost` only on answers that are not streamed, which pi never asks for.
   */
  responseCost?: number;
  /** The key may list the model but not call it (LiteLLM's 403 `key_model_access_denied`). */
  denied?: boolean;
  fault?: Fault;
}

/** The management routes whose answers a scenario can replace with a fault. */
export type ManagementRoute = "models" | "model/info" | "model_group/info";

/** Everything that decides the fake's behaviour. */
export interface Scenario {
  /** The key (or keys) accepted; `null` for a proxy without auth. */
  apiKey: string | readonly string[] | null;
  models: FakeModel[];
  /** Wildcard routes `/v1/models` lists besides the models (`anthropic/*`). */
  wildcards?: string[];
  routes?: Partial<Record<ManagementRoute, Fault>>;
  fixtures?: Fixture[];
  /** `false` plays a LiteLLM older than its `/v1/messages` route: a 404 there. */
  messagesRoute?: boolean;
  /** The key's spend and budget, sent on every answer's headers and by `/key/info`. */
  key?: {
    spend: number;
    maxBudget: number;
    resetsAt?: string;
    expires?: string;
    models?: string[];
    team?: { id: string; spend: number; maxBudget: number };
  };
}

/** A request the fake received, and what it answered. */
export interface RecordedRequest {
  /** Epoch milliseconds when it arrived. */
  at: number;
  method: string;
  path: string;
  wireApi?: WireApi;
  model?: string;
  headers: Record<string, string>;
  body?: unknown;
  status: number;
  fixture?: string;
}

/** A running fake proxy. */
export interface FakeLiteLLM {
  /** Root URL, e.g. `http://127.0.0.1:43210`. */
  url: string;
  requests: RecordedRequest[];
  /** Replaces the keys the proxy accepts, as an admin revoking one does; `null` accepts any. */
  acceptKeys(keys: string | readonly string[] | null): void;
  close(): Promise<void>;
}

/** How LiteLLM names each route in its "Invalid model name" message. */
const ROUTE_NAMES: Readonly<Record<WireApi, string>> = {
  "openai-completions": "chat/completions",
  "openai-responses": "responses",
  "azure-openai-responses": "responses",
  "anthropic-messages": "v1/messages",
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** LiteLLM's answer for a model name it does not know (HTTP 400, message as `str(dict)`). */
function invalidModelBody(route: string, model: string): unknown {
  const message =
    `{'error': '/${route}: Invalid model name passed in model=${model}. Call \`/v1/models\` to view available models for your key.'}`;
  return { error: { message, type: "None", param: "None", code: "400" } };
}

/**
 * LiteLLM's error as `/v1/messages` sends it: Anthropic's envelope around its own message (observed
 * on the real LiteLLM 1.106.12), so Anthropic clients read it.
 */
function anthropicEnvelope(payload: unknown): unknown {
  const error = (payload as { error?: { message?: unknown; type?: unknown } } | null)?.error;
  if (typeof error?.message !== "string") return payload;
  return {
    type: "error",
    error: { type: typeof error.type === "string" && error.type !== "None" ? error.type : "invalid_request_error", message: error.message },
  };
}

function estimateTokens(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body ?? "").length / 4));
}

/** A cache identity for a request: OpenAI's `prompt_cache_key`, or Anthropic-style markers. */
function cacheIdentity(body: Record<string, unknown>): string | undefined {
  if (typeof body.prompt_cache_key === "string") return `key:${body.prompt_cache_key}`;
  const text = JSON.stringify(body.messages ?? body.input ?? "");
  return text.includes('"cache_control"') ? `markers:${text.slice(0, 200)}` : undefined;
}

function modelInfoRows(models: readonly FakeModel[]): unknown[] {
  return models.flatMap((model) =>
    (model.deployments ?? [{}]).map((info, index) => ({
      model_name: model.id,
      litellm_params: { model: model.litellmModel ?? `openai/${model.id}`, use_in_pass_through: false },
      model_info: { id: `${model.id}-deployment-${index}`, db_model: false, mode: "chat", ...info },
    }))
  );
}

function modelGroupRows(models: readonly FakeModel[]): unknown[] {
  return models.map((model) => {
    const info = model.deployments?.[0] ?? {};
    return {
      model_group: model.id,
      providers: [String(info.litellm_provider ?? model.litellmModel?.split("/")[0] ?? "openai")],
      max_input_tokens: info.max_input_tokens ?? null,
      max_output_tokens: info.max_output_tokens ?? null,
      input_cost_per_token: info.input_cost_per_token ?? null,
      output_cost_per_token: info.output_cost_per_token ?? null,
      mode: info.mode ?? "chat",
      supports_vision: info.supports_vision ?? false,
      supports_reasoning: info.supports_reasoning ?? false,
      supports_function_calling: true,
      supported_openai_params: info.supported_openai_params ?? null,
      ...model.group,
    };
  });
}

/** Builds the Hono app for a scenario; `requests` receives every request it answers. */
export function createFakeApp(scenario: Scenario, requests: RecordedRequest[] = []): Hono {
  const fixtures = scenario.fixtures ?? loadFixtures();
  const auth = fixtureById(fixtures, "litellm-auth");
  const denied = fixtureById(fixtures, "litellm-key-model-access");
  const cache = new Set<string>();
  const faultsUsed = new Map<Fault, number>();
  const app = new Hono();

  const record = (c: Context, entry: Omit<RecordedRequest, "at" | "method" | "path" | "headers">) => {
    requests.push({
      at: Date.now(),
      method: c.req.method,
      path: new URL(c.req.url).pathname + new URL(c.req.url).search,
      headers: c.req.header(),
      ...entry,
    });
  };
  const presentedKey = (c: Context) =>
    c.req.header("authorization")?.replace(/^Bearer\s+/i, "") ?? c.req.header("api-key") ?? c.req.header("x-api-key");
  // Read per request: a test may revoke a key while the proxy runs.
  const authorized = (c: Context) => scenario.apiKey === null || [scenario.apiKey].flat().includes(presentedKey(c) ?? "");

  async function faulted(
    c: Context,
    fault: Fault | undefined,
    envelope: (payload: unknown) => unknown = (payload) => payload,
  ): Promise<Response | undefined> {
    if (!fault) return undefined;
    switch (fault.kind) {
      case "slow":
        await sleep(fault.delayMs);
        return undefined;
      case "fixture": {
        const used = faultsUsed.get(fault) ?? 0;
        if (fault.times !== undefined && used >= fault.times) return undefined;
        faultsUsed.set(fault, used + 1);
        const fixture = fixtureById(fixtures, fault.fixture);
        return c.json(envelope(fixture.body) as object, fixture.status as 400, fixture.headers ?? {});
      }
      case "missing":
        return c.json({ detail: "Not Found" }, 404);
      case "html":
        return c.html(
          `<html><head><title>${fault.status} Bad Gateway</title></head><body><h1>${fault.status} Bad Gateway</h1></body></html>`,
          fault.status as 502,
        );
      case "malformed":
        // A JSON body cut short, as a crashed worker or a truncating gateway leaves it.
        return c.body('{"object": "list", "data": [{"id": "gpt', 200, { "content-type": "application/json" });
      default:
        return undefined;
    }
  }

  function management(route: ManagementRoute, answer: () => unknown) {
    return async (c: Context) => {
      if (!authorized(c)) {
        record(c, { status: auth.status, fixture: auth.id });
        return c.json(auth.body as object, 401);
      }
      const response = await faulted(c, scenario.routes?.[route]) ?? c.json(answer() as object);
      record(c, { status: response.status });
      return response;
    };
  }

  function chat(wireApiOf: (c: Context) => WireApi) {
    return async (c: Context) => {
      const wireApi = wireApiOf(c);
      const body: Record<string, unknown> = await c.req.json<Record<string, unknown>>().catch(() => ({}));
      const modelId = String(body.model ?? "");
      const model = scenario.models.find((candidate) => candidate.id === modelId);
      const answer = (status: number, payload: unknown, fixture?: string) => {
        record(c, { wireApi, model: modelId, body, status, ...(fixture ? { fixture } : {}) });
        return c.json((wireApi === "anthropic-messages" ? anthropicEnvelope(payload) : payload) as object, status as 400);
      };
      if (!authorized(c)) return answer(auth.status, auth.body, auth.id);
      if (!model) return answer(400, invalidModelBody(ROUTE_NAMES[wireApi], modelId));
      if (model.denied) return answer(denied.status, denied.body, denied.id);
      const fixture = findFixture(fixtures, model.servedBy, wireApi, body);
      if (fixture) return answer(fixture.status, fixture.body, fixture.id);
      if (model.fault?.kind === "malformed") {
        record(c, { wireApi, model: modelId, body, status: 200 });
        return streamSSE(c, (stream) => stream.writeSSE({ data: '{"id":"chatcmpl-fake","choices":[{"index":0,"delta":{"content":"Hel' }));
      }
      const fault = await faulted(c, model.fault, wireApi === "anthropic-messages" ? anthropicEnvelope : undefined);
      if (fault) {
        record(c, {
          wireApi,
          model: modelId,
          body,
          status: fault.status,
          ...(model.fault?.kind === "fixture" ? { fixture: model.fault.fixture } : {}),
        });
        return fault;
      }
      const turn = readTurn(wireApi, body);
      const broken = brokenReplayRule(model.servedBy, turn);
      if (broken) {
        const replay = fixtureById(fixtures, REPLAY_FIXTURES[broken]);
        return answer(replay.status, replay.body, replay.id);
      }
      record(c, { wireApi, model: modelId, body, status: 200 });
      if (scenario.key) {
        c.header("x-litellm-key-spend", String(scenario.key.spend));
        c.header("x-litellm-key-max-budget", String(scenario.key.maxBudget));
      }

      const identity = cacheIdentity(body);
      const prompt = estimateTokens(body.messages ?? body.input);
      const cached = identity !== undefined && cache.has(identity) ? Math.floor(prompt * 0.8) : 0;
      if (identity !== undefined) cache.add(identity);
      const reply = scriptedReply(model.servedBy, turn, model.reply ?? { text: `Hello from ${model.id}.` });
      const usage: ReplyUsage = {
        prompt,
        completion: estimateTokens(reply.text),
        cached,
        ...(model.responseCost === undefined ? {} : { cost: model.responseCost }),
      };
      if (wireApi === "anthropic-messages") {
        return streamSSE(c, async (stream) => {
          for (const frame of messageEvents(modelId, reply, usage)) {
            if (model.chunkDelayMs) await sleep(model.chunkDelayMs);
            if (stream.aborted) return;
            await stream.writeSSE({ event: frame.event, data: JSON.stringify(frame.data) });
          }
        });
      }
      const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const frames = wireApi === "openai-completions"
        ? chatChunks(modelId, reply, wantsUsage ? usage : undefined)
        : responseEvents(modelId, reply, usage);
      const errorFrame = model.fault?.kind === "error-frame" ? fixtureById(fixtures, model.fault.fixture) : undefined;
      const errorAfter = model.fault?.kind === "error-frame" ? model.fault.afterChunks : -1;

      return streamSSE(c, async (stream) => {
        for (const [index, frame] of frames.entries()) {
          if (errorFrame && index === errorAfter) {
            // LiteLLM writes the error as a data frame and ends the stream without [DONE].
            await stream.writeSSE({ data: JSON.stringify(errorFrame.body) });
            return;
          }
          if (model.chunkDelayMs) await sleep(model.chunkDelayMs);
          if (stream.aborted) return;
          await stream.writeSSE({ data: JSON.stringify(frame) });
        }
        await stream.writeSSE({ data: "[DONE]" });
      });
    };
  }

  const responsesApi = (c: Context): WireApi =>
    c.req.query("api-version") !== undefined || c.req.header("api-key") !== undefined ? "azure-openai-responses" : "openai-responses";

  app.get("/health/liveliness", (c) => c.json("I'm alive!"));
  for (const prefix of ["", "/v1"]) {
    app.get(
      `${prefix}/models`,
      management("models", () => ({
        object: "list",
        data: [...scenario.models.map((model) => model.id), ...(scenario.wildcards ?? [])].map((id) => ({
          id,
          object: "model",
          created: 1_677_610_602,
          owned_by: "openai",
        })),
      })),
    );
    app.get(`${prefix}/model/info`, management("model/info", () => ({ data: modelInfoRows(scenario.models) })));
    app.post(`${prefix}/chat/completions`, chat(() => "openai-completions"));
    app.post(`${prefix}/responses`, chat(responsesApi));
  }
  if (scenario.messagesRoute !== false) app.post("/v1/messages", chat(() => "anthropic-messages"));
  app.get("/model_group/info", management("model_group/info", () => ({ data: modelGroupRows(scenario.models) })));
  app.get("/key/info", async (c) => {
    if (!authorized(c)) {
      record(c, { status: 401 });
      return c.json(auth.body as object, 401);
    }
    const key = scenario.key;
    record(c, { status: key ? 200 : 400 });
    if (!key) return c.json({ error: { message: "No connected db.", type: "no_db_connection", param: "None", code: "400" } }, 400);
    return c.json({
      key: "hashed",
      info: {
        spend: key.spend,
        max_budget: key.maxBudget,
        budget_reset_at: key.resetsAt ?? null,
        expires: key.expires ?? null,
        models: key.models ?? [],
        team_id: key.team?.id ?? null,
      },
    });
  });
  // What a proxy with a database answers for the key's team (litellm/proxy/management_endpoints/team_endpoints.py).
  app.get("/team/info", (c) => {
    const team = scenario.key?.team;
    record(c, { status: team && c.req.query("team_id") === team.id ? 200 : 404 });
    if (!team || c.req.query("team_id") !== team.id) return c.json({ detail: "Not Found" }, 404);
    return c.json({
      team_id: team.id,
      team_info: { team_id: team.id, spend: team.spend, max_budget: team.maxBudget, budget_reset_at: null },
    });
  });
  app.notFound((c) => {
    record(c, { status: 404 });
    return c.json({ detail: "Not Found" }, 404);
  });
  return app;
}

/** Starts the fake on a loopback port, ephemeral unless one is given. */
export async function startFakeLiteLLM(scenario: Scenario, port = 0): Promise<FakeLiteLLM> {
  const requests: RecordedRequest[] = [];
  const live = { ...scenario };
  const server = await serveLoopback(createFakeApp(live, requests), port);
  return { ...server, requests, acceptKeys: (keys) => void (live.apiKey = keys) };
}
