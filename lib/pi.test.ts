import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { agentDir, failedStream, providerApiKey, sessionModel } from "./pi.ts";
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
      sessionModel(ctx([{ type: "model_change", provider: "litellm", modelId: "a" }, { type: "message" }, { type: "model_change", provider: "litellm", modelId: "b" }])),
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
