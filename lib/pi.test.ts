import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { writeFileSync } from "node:fs";
import { temporaryDirectory } from "../conformance/temporary.ts";
import {
  agentDir,
  commandLineModel,
  createEventStream,
  emptyAssistantMessage,
  type ExtensionAPI,
  failedStream,
  piProjectTrust,
  piResendsTurn,
  providerApiKey,
  registerProvider,
  sessionCost,
  sessionModel,
  storedCredential,
  takeOver,
} from "./pi.ts";
import { wireStream } from "./requests/wire-apis.ts";
import { WIRE_APIS } from "./types.ts";

const MODEL = {
  id: "m",
  name: "m",
  api: "openai-completions",
  provider: "litellm",
  baseUrl: "http://127.0.0.1:9/v1",
  reasoning: false,
  input: ["text" as const],
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 1000,
  maxTokens: 100,
};

describe("the pi seam", () => {
  it("finds a resumed session's last model from its model_change entries", () => {
    const ctx = (entries: unknown[]) => ({ hasUI: false, ui: { notify() {} }, sessionManager: { getBranch: () => entries } });
    assert.deepEqual(
      sessionModel(
        ctx([{ type: "model_change", provider: "litellm", modelId: "a" }, { type: "message" }, {
          type: "model_change",
          provider: "litellm",
          modelId: "b",
        }]),
      ),
      { provider: "litellm", id: "b" },
    );
    assert.equal(sessionModel(ctx([{ type: "message" }])), undefined);
    assert.equal(sessionModel(ctx([{ type: "model_change", provider: 1 }])), undefined);
    assert.equal(sessionModel({ hasUI: false, ui: { notify() {} } }), undefined);
  });

  it("places its files where pi keeps its own", () => {
    assert.equal(agentDir({}), join(homedir(), ".pi", "agent"));
    assert.equal(agentDir({ PI_CODING_AGENT_DIR: "/srv/pi" }), "/srv/pi");
    assert.equal(agentDir({ PI_CODING_AGENT_DIR: "~/pi" }), join(homedir(), "pi"));
  });

  it("hands pi the key itself, or a placeholder for keyless proxies", () => {
    assert.equal(providerApiKey("sk-1"), "sk-1");
    assert.equal(providerApiKey(undefined), "no-key");
  });

  it("ends a failed stream in exactly one error event", async () => {
    const events = [];
    for await (const event of failedStream(MODEL, "boom")) events.push(event);
    assert.deepEqual(events.map((event) => event.type), ["error"]);
    assert.equal(events[0]?.type === "error" ? events[0].error.errorMessage : "", "boom");
  });

  it("streams each wire API through pi-ai, ending unreachable proxies in an error, not a throw", async () => {
    for (const api of WIRE_APIS) {
      const stream = wireStream(api)({ ...MODEL, api }, { messages: [] }, { apiKey: "k", maxRetries: 0 });
      const message = await stream.result();
      assert.equal(message.stopReason, "error", api);
    }
  });
});

describe("storedCredential()", () => {
  const store = (text: string | undefined) => {
    const dir = temporaryDirectory("auth-");
    if (text !== undefined) writeFileSync(join(dir, "auth.json"), text);
    return dir;
  };

  it("reads a login (the key and its proxy) and a bare API key pi stored for the provider", () => {
    const env = store(
      JSON.stringify({
        litellm: { type: "oauth", access: "sk-1", refresh: "", expires: 1, baseUrl: "http://p" },
        other: { type: "api_key", key: "sk-2" },
      }),
    );
    assert.deepEqual(storedCredential("litellm", env), { ok: true, value: { type: "oauth", access: "sk-1", baseUrl: "http://p" } });
    assert.deepEqual(storedCredential("other", env), { ok: true, value: { type: "api_key", key: "sk-2" } });
  });

  it("has nothing for no file, no entry, a key pi resolves itself ($VAR, !command), or an empty login without a proxy", () => {
    assert.deepEqual(storedCredential("litellm", store(undefined)), { ok: true, value: undefined });
    const env = store(
      JSON.stringify({
        a: { type: "api_key", key: "$TEAM_KEY" },
        b: { type: "api_key", key: "!pass show litellm" },
        c: { type: "oauth", access: "" },
      }),
    );
    for (const provider of ["a", "b", "c", "litellm"]) {
      assert.deepEqual(storedCredential(provider, env), { ok: true, value: undefined }, provider);
    }
  });

  it("says a store that is not JSON cannot be read, quoting none of it", () => {
    const result = storedCredential("litellm", store('{"litellm": {"access": "sk-secret-in-a-broken-file"'));
    assert.equal(result.ok, false);
    assert.doesNotMatch(result.ok ? "" : result.problem, /sk-secret/);
  });

  it("reads the model pi's command line names, as provider/id or --provider with --model", () => {
    assert.deepEqual(commandLineModel(["--model", "litellm/gpt-5", "-p", "hi"]), { provider: "litellm", id: "gpt-5" });
    assert.deepEqual(commandLineModel(["--provider", "corp", "--model", "anthropic/claude"]), { provider: "corp", id: "anthropic/claude" });
    assert.deepEqual(commandLineModel(["--model", "gpt-5"]), { id: "gpt-5" });
    assert.equal(commandLineModel(["-p", "--", "--model", "x"]), undefined, "after -- it is the message");
    assert.equal(commandLineModel([]), undefined);
  });

  it("on pi 0.73 (the pi these tests run): no project trust, and pi's own turn-retry pattern", () => {
    assert.equal(piProjectTrust("/nowhere"), undefined);
    assert.equal(piResendsTurn("429 Too Many Requests"), true);
    assert.equal(piResendsTurn("LiteLLM at http://localhost:5000 no longer serves x"), true, "0.73 matches 500 inside 5000");
    assert.equal(piResendsTurn("LiteLLM refused x: the key is out of budget"), false);
  });

  it("drops a registration pi refuses because it retired the extension's API, and lets any other failure through", () => {
    const retired = {
      registerProvider: () => {
        throw new Error("This extension ctx is stale after session replacement or reload.");
      },
    } as unknown as ExtensionAPI;
    assert.equal(registerProvider(retired, "litellm", { models: [] } as never), false);
    const broken = {
      registerProvider: () => {
        throw new Error("invalid model");
      },
    } as unknown as ExtensionAPI;
    assert.throws(() => registerProvider(broken, "litellm", { models: [] } as never), /invalid model/);
  });

  it("adds up what a session's file says its earlier turns through the provider cost", () => {
    const entry = (provider: string, total: unknown) => ({
      type: "message",
      message: { role: "assistant", provider, usage: { cost: { total } } },
    });
    const ctx = {
      hasUI: false,
      ui: { notify() {} },
      sessionManager: {
        getBranch:
          () => [entry("litellm", 0.5), entry("anthropic", 9), entry("litellm", "x"), { type: "model_change" }, entry("litellm", 0.25)],
      },
    };
    assert.equal(sessionCost(ctx, "litellm"), 0.75);
    assert.equal(sessionCost({ hasUI: false, ui: { notify() {} } }, "litellm"), 0);
  });
});

describe("takeOver()", () => {
  const delta = (text: string) =>
    ({ type: "text_delta", contentIndex: 0, delta: text, partial: emptyAssistantMessage(MODEL, "stop") }) as const;
  /** What the takeover hands on, as letters, and a promise of them all once the stream ends. */
  function handedOn(inner: ReturnType<typeof createEventStream>): Promise<string[]> {
    const seen: string[] = [];
    return new Promise((resolve) =>
      takeOver(inner, (event) => seen.push(event.type === "text_delta" ? event.delta : event.type), () => resolve(seen))
    );
  }

  it("hands on, in order, what was pushed before the takeover, during its drain and after it, then the end", async () => {
    const inner = createEventStream();
    inner.push(delta("before"));
    const seen = handedOn(inner);
    inner.push(delta("during"));
    for (let tick = 0; tick < 5; tick++) await Promise.resolve();
    inner.push(delta("after"));
    inner.end();
    assert.deepEqual(await seen, ["before", "during", "after"]);
  });

  it("hands on a stream that had already ended in an error before the takeover", async () => {
    assert.deepEqual(await handedOn(failedStream(MODEL, "boom")), ["error"]);
  });
});
