import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { age, registerLiteLLMCommand, statusLines } from "../command.ts";
import type { LiteLLMConfig } from "../config/config.ts";
import type { ExtensionAPI } from "../pi.ts";
import { LiteLLMProvider } from "./provider.ts";
import { temporaryDirectory } from "../../conformance/temporary.ts";

const CONFIG: LiteLLMConfig = {
  providerName: "litellm",
  baseUrl: "http://proxy.test",
  baseUrlVariable: "LITELLM_BASE_URL",
  apiKey: "sk-provider-test",
  apiKeyVariable: "LITELLM_API_KEY",
  headers: {},
  hide: [],
  modelOverrides: [],
  discoveryTimeoutMs: 500,
  secrets: ["sk-provider-test"],
};

/** A stand-in for pi recording registrations, and a proxy whose model list the test controls. */
function setup(models: string[][], config: LiteLLMConfig = CONFIG) {
  const registered: { name: string; models: string[] }[] = [];
  const commands = new Map<string, { handler: (args: string, ctx: unknown) => Promise<void> }>();
  const pi = {
    registerProvider: (name: string, config: { models: { id: string }[] }) =>
      registered.push({ name, models: config.models.map((model) => model.id) }),
    registerCommand: (name: string, command: { handler: (args: string, ctx: unknown) => Promise<void> }) => commands.set(name, command),
  } as unknown as ExtensionAPI;
  let call = 0;
  const fetchImpl: typeof fetch = async (url) => {
    const path = new URL(String(url)).pathname;
    if (path !== "/v1/models") return new Response('{"detail":"Not Found"}', { status: 404 });
    const ids = models[Math.min(call++, models.length - 1)]!;
    return new Response(JSON.stringify({ data: ids.map((id) => ({ id })) }));
  };
  const stateDir = temporaryDirectory("provider-");
  const make = (recheckAfterMs?: number, settings: LiteLLMConfig = config) =>
    new LiteLLMProvider(pi, settings, { stateDir, fetch: fetchImpl, ...(recheckAfterMs === undefined ? {} : { recheckAfterMs }) });
  return { registered, commands, make };
}

/**
 * Awaits a background refresh. Its timer is unref'd (a short pi run must not wait for it), so a
 * referenced interval keeps the test's event loop alive meanwhile.
 */
async function settled(run: Promise<void> | undefined): Promise<void> {
  const hold = setInterval(() => {}, 1_000);
  try {
    await run;
  } finally {
    clearInterval(hold);
  }
}

describe("LiteLLMProvider", () => {
  it("a login's key: its own requests carry it while pi's store holds it, and no key after /logout", async () => {
    const sent: (string | null)[] = [];
    const pi = { registerProvider() {} } as unknown as ExtensionAPI;
    const fetchImpl: typeof fetch = async (_url, init) => {
      sent.push(new Headers(init?.headers).get("authorization"));
      return new Response("{}");
    };
    let stored = true;
    const provider = new LiteLLMProvider(pi, { ...CONFIG, keyFromLogin: true }, { fetch: fetchImpl, loggedIn: () => stored });
    await provider.keyInfo();
    stored = false;
    await provider.keyInfo();
    assert.deepEqual(sent, [`Bearer ${CONFIG.apiKey}`, null]);
  });

  it("cold start: discovers, registers and caches", async () => {
    const { registered, make } = setup([["gpt-5", "claude-haiku-4-5"]]);
    const provider = make();
    assert.deepEqual(await provider.start(), []);
    assert.deepEqual(registered, [{ name: "litellm", models: ["gpt-5", "claude-haiku-4-5"] }]);
    assert.equal(provider.models.fromCache, false);
    assert.equal(provider.refreshes.background, undefined);
    assert.deepEqual(provider.cache.read()?.catalog.models.map((model) => model.id), ["gpt-5", "claude-haiku-4-5"]);
  });

  it("warm start: registers the cached catalog at once and, when a session starts, refreshes the cache", async () => {
    const { registered, make } = setup([["gpt-5"], ["gpt-5", "gpt-5-mini"]]);
    await make().start();
    const warm = make();
    assert.deepEqual(await warm.start(), []);
    assert.deepEqual(registered.at(-1)?.models, ["gpt-5"], "the cached catalog, not the new one");
    assert.equal(warm.models.fromCache, true);
    warm.sessionStarted({ hasUI: false, ui: { notify() {} } }, () => {});
    await settled(warm.refreshes.backgroundRun);
    assert.deepEqual(warm.refreshes.background, { state: "done", models: 2 });
    assert.deepEqual(warm.cache.read()?.catalog.models.map((model) => model.id), ["gpt-5", "gpt-5-mini"]);
    const next = make();
    await next.start();
    assert.deepEqual(registered.at(-1)?.models, ["gpt-5", "gpt-5-mini"], "the refresh applies at the next start");
  });

  it("warm start: registers the models the cache kept as they are, and builds them again once the model settings change", async () => {
    const { registered, make } = setup([["gpt-5"]]);
    const cold = make();
    await cold.start();
    const built = cold.models.built!;
    // A marker no build would make: registered only if the kept models are taken as they are.
    const kept = { ...built, models: built.models.map((model) => ({ ...model, id: `${model.id}-as-kept` })) };
    await cold.cache.write(cold.models.current!, "merge", kept);
    await make().start();
    assert.deepEqual(registered.at(-1)?.models, ["gpt-5-as-kept"]);
    await make(undefined, { ...CONFIG, modelOverrides: [{ pattern: "gpt-5", contextWindow: 100_000 }] }).start();
    assert.deepEqual(registered.at(-1)?.models, ["gpt-5"], "other model settings, so built again from the catalog");
  });

  it("re-checks a fresh cache only when a session starts, so --list-models does not pay for it; an older one at once", async () => {
    const { make } = setup([["gpt-5"], ["gpt-5", "o3"]]);
    await make().start();
    const warm = make(60_000);
    await warm.start();
    assert.equal(warm.refreshes.backgroundRun, undefined, "no refresh is started before a session");
    assert.deepEqual(warm.refreshes.background, { state: "scheduled" });
    warm.cache.write({ ...warm.cache.read()!.catalog, fetchedAt: Date.now() - 60_001 });
    const old = make(60_000);
    await old.start();
    await settled(old.refreshes.backgroundRun);
    assert.equal(old.refreshes.background?.state, "done");
  });

  it("refresh re-registers at once", async () => {
    const { registered, make } = setup([["gpt-5"], ["gpt-5", "o3"]]);
    const provider = make();
    await provider.start();
    assert.deepEqual(await provider.refresh(), { ok: true, value: 2 });
    assert.deepEqual(registered.at(-1)?.models, ["gpt-5", "o3"]);
  });

  it("an empty list registers nothing and says so", async () => {
    const { registered, make } = setup([[]]);
    assert.match((await make().start()).join("\n"), /lists no chat models for this key/);
    assert.deepEqual(registered, []);
  });

  it("names a resumed session's model the proxy no longer lists, and a --model it never listed", async () => {
    const { make } = setup([["gpt-5"]]);
    const provider = make();
    assert.equal(
      provider.models.unlistedModelNotice({ provider: "litellm", id: "gpt-5" }, { provider: "litellm", id: "gpt-5" }),
      undefined,
      "nothing before a catalog exists",
    );
    await provider.start();
    assert.match(
      provider.models.unlistedModelNotice({ provider: "litellm", id: "old" }, { provider: "litellm", id: "gpt-5" })!,
      /used litellm\/old, which LiteLLM no longer lists.*continuing with litellm\/gpt-5/,
    );
    assert.match(provider.models.unlistedModelNotice(undefined, { provider: "litellm", id: "old" })!, /does not list "old" for this key/);
    assert.equal(provider.models.unlistedModelNotice({ provider: "anthropic", id: "x" }, { provider: "litellm", id: "gpt-5" }), undefined);
    assert.equal(
      provider.models.unlistedModelNotice({ provider: "litellm", id: "gpt-5" }, { provider: "anthropic", id: "claude" }),
      undefined,
    );
  });

  it("gives a resumed session whose model the settings now hide the same notice, saying why", async () => {
    const { make } = setup([["gpt-5", "o3"]], { ...CONFIG, hide: ["o3"] });
    const provider = make();
    await provider.start();
    assert.match(
      provider.models.unlistedModelNotice({ provider: "litellm", id: "o3" }, { provider: "litellm", id: "gpt-5" })!,
      /^This session used litellm\/o3, which your hideModels setting hides; continuing with litellm\/gpt-5\./,
    );
    assert.match(
      provider.models.unlistedModelNotice(undefined, { provider: "litellm", id: "o3" })!,
      /^litellm\/o3 is hidden by your hideModels setting, so requests to it will fail/,
    );
  });
});

describe("/litellm", () => {
  function context() {
    const notices: [string, string][] = [];
    return { notices, ctx: { ui: { notify: (message: string, type: string) => notices.push([message, type]) } } };
  }

  it("shows the proxy, where the models came from, and the learned rules", async () => {
    const { make } = setup([["gpt-5"]]);
    await make().start();
    const provider = make();
    await provider.start();
    provider.rules.learn(
      { model: "gpt-5", wireApi: "openai-responses", field: "temperature", reason: "x" },
      new Date("2026-11-24T09:30:00Z"),
    );
    const lines = statusLines(provider, provider.models.current!.fetchedAt + 3 * 3600_000);
    assert.equal(lines[0], "litellm: http://proxy.test (key from LITELLM_API_KEY)");
    assert.equal(lines[1], "  1 models from cache of /v1/models, 3 h old");
    assert.match(lines[2]!, /refresh/);
    assert.equal(lines.at(-1), '    gpt-5 over openai-responses: no "temperature" (since 2026-11-24 09:30)');
    assert.ok(!lines.join("\n").includes("sk-provider-test"));
  });

  it("refresh re-discovers, forget clears the rules, unknown subcommands get usage", async () => {
    const { commands, make } = setup([["gpt-5"], ["gpt-5", "o3"]]);
    const provider = make();
    await provider.start();
    provider.rules.learn({ model: "gpt-5", wireApi: "openai-responses", field: "store", reason: "x" });
    registerLiteLLMCommand(provider.pi, [provider]);
    const { notices, ctx } = context();
    const command = commands.get("litellm")!;
    await command.handler("refresh", ctx);
    await command.handler(" forget ", ctx);
    await command.handler("", ctx);
    await command.handler("bogus", ctx);
    assert.deepEqual(notices[0], ["litellm: 2 models registered from /v1/models", "info"]);
    assert.deepEqual(notices[1], [
      'LiteLLM: forgot 1 learned rule (gpt-5 "store"): those fields are sent again, the policy\'s own drops still apply',
      "info",
    ]);
    assert.match(notices[2]![0], /learned rules: none/);
    assert.deepEqual(notices[3], [
      'Unknown subcommand "bogus"; use /litellm status, /litellm refresh, /litellm spend, /litellm mcp, /litellm forget',
      "warning",
    ]);
    await command.handler("forget", ctx);
    assert.deepEqual(notices[4], ["LiteLLM: no learned rules to forget", "info"]);
  });

  it("shows why no models are registered, without a refresh", async () => {
    const { commands, make } = setup([["gpt-5"]]);
    const failing = new LiteLLMProvider(make().pi, { ...CONFIG, providerName: "down" }, {
      fetch: async () => new Response("{}", { status: 401 }),
    });
    await failing.start();
    registerLiteLLMCommand(failing.pi, [failing]);
    const { notices, ctx } = context();
    await commands.get("litellm")!.handler("", ctx);
    assert.match(
      notices[0]![0],
      /^down: http:\/\/proxy\.test \(key from LITELLM_API_KEY\)\n {2}no models registered: LiteLLM rejected the API key \(401\) at http:\/\/proxy\.test\/v1\/models; check LITELLM_API_KEY/,
    );
  });

  it("says what to set when the extension is not configured", async () => {
    const { commands, make } = setup([[]]);
    registerLiteLLMCommand(make().pi, [], () => "LiteLLM provider is off: set LITELLM_BASE_URL");
    const { notices, ctx } = context();
    await commands.get("litellm")!.handler("", ctx);
    assert.deepEqual(notices, [["LiteLLM provider is off: set LITELLM_BASE_URL", "warning"]]);
  });
});

describe("age()", () => {
  it("uses the largest unit that fits", () => {
    assert.deepEqual([age(5_000), age(10 * 60_000), age(5 * 3600_000), age(3 * 86400_000)], ["5 s", "10 min", "5 h", "3 d"]);
  });
});

describe("LiteLLM's MCP gateway in pi", () => {
  const base = { registerProvider() {}, registerCommand() {}, on() {} };
  const withMcp: LiteLLMConfig = { ...CONFIG, headers: { "x-team": "a" }, mcp: { name: "litellm", exposure: "direct" } };

  it("registers <proxy>/mcp with the provider's own key, without a request, where pi has MCP", () => {
    const registered: unknown[] = [];
    const pi = {
      ...base,
      registerMcpServer: (name: string, config: unknown) => registered.push([name, config]),
    } as unknown as ExtensionAPI;
    const provider = new LiteLLMProvider(pi, withMcp, { fetch: async () => assert.fail("no request at registration") });
    assert.equal(provider.registerMcp(), undefined);
    assert.deepEqual(registered, [["litellm", {
      url: "http://proxy.test/mcp",
      headers: { "x-team": "a", "x-litellm-api-key": "Bearer sk-provider-test" },
      exposure: "direct",
      description: "The MCP servers of the LiteLLM proxy at http://proxy.test",
    }]]);
    assert.match(statusLines(provider).join("\n"), /MCP gateway: http:\/\/proxy\.test\/mcp as pi's MCP server "litellm"/);
  });

  it("on a pi without MCP, /litellm says it needs pi 1.x; settings can turn it off", () => {
    const older = new LiteLLMProvider(base as unknown as ExtensionAPI, withMcp);
    older.registerMcp();
    assert.match(statusLines(older).join("\n"), /MCP gateway: needs pi 1\.x or later/);
    const off = new LiteLLMProvider(base as unknown as ExtensionAPI, CONFIG);
    off.registerMcp();
    assert.match(statusLines(off).join("\n"), /MCP gateway: off/);
  });

  it("a registration pi refuses is one line, without the key", () => {
    const pi = {
      ...base,
      registerMcpServer: () => {
        throw new Error("invalid config for sk-provider-test");
      },
    } as unknown as ExtensionAPI;
    const line = new LiteLLMProvider(pi, withMcp).registerMcp();
    assert.equal(line, "LiteLLM: pi refused the MCP gateway litellm (http://proxy.test/mcp): invalid config for ***");
  });
});

describe("pi's own refresh (refreshModels, pi ≥ 0.87)", () => {
  it("returns the live catalog without registering again, and the next start uses it", async () => {
    const registrations: {
      models: { id: string }[];
      refreshModels?: (context: { allowNetwork?: boolean; force?: boolean }) => Promise<{ id: string }[] | undefined>;
    }[] = [];
    const { make } = setup([["gpt-5"], ["gpt-5", "o3"]]);
    const provider = make();
    const pi = provider.pi as unknown as { registerProvider: (name: string, config: (typeof registrations)[number]) => void };
    const original = pi.registerProvider;
    pi.registerProvider = (name, config) => {
      registrations.push(config);
      original(name, config);
    };
    await provider.start();
    assert.equal(
      await registrations[0]!.refreshModels!({ allowNetwork: false }),
      undefined,
      "offline: pi keeps its models, nothing is asked",
    );
    assert.equal(await registrations[0]!.refreshModels!({ allowNetwork: true }), undefined, "just discovered: nothing is asked again");
    const live = (await registrations[0]!.refreshModels!({ allowNetwork: true, force: true }))!;
    assert.deepEqual(live.map((model) => model.id), ["gpt-5", "o3"]);
    assert.equal(registrations.length, 1, "pi replaces the models itself");
    assert.deepEqual(provider.models.current?.models.map((model) => model.id), ["gpt-5", "o3"]);
    assert.deepEqual(provider.cache.read()?.catalog.models.map((model) => model.id), ["gpt-5", "o3"]);
  });

  it("a refresh the proxy refuses throws its line, so pi keeps the models it has", async () => {
    let registered: { refreshModels?: (context: { force: boolean }) => Promise<unknown> } | undefined;
    const pi = {
      registerProvider: (_name: string, config: typeof registered) => registered = config,
      registerCommand() {},
      on() {},
    } as unknown as ExtensionAPI;
    let lists = 0;
    const fetchImpl: typeof fetch = async (url) => {
      if (new URL(String(url)).pathname !== "/v1/models") return new Response('{"detail":"Not Found"}', { status: 404 });
      return lists++ === 0 ? new Response('{"data":[{"id":"gpt-5"}]}') : new Response("{}", { status: 401 });
    };
    const provider = new LiteLLMProvider(pi, CONFIG, { fetch: fetchImpl });
    await provider.start();
    await assert.rejects(registered!.refreshModels!({ force: true }), /LiteLLM rejected the API key \(401\)/);
  });

  it("awaiting its project's trust: registers the cached catalog and sends nothing (no request, no MCP server) until pi confirms", async () => {
    const stateDir = temporaryDirectory("provider-trust-");
    const asked: string[] = [];
    const mcp: string[] = [];
    const pi = {
      registerProvider() {},
      registerMcpServer: (name: string) => mcp.push(name),
    } as unknown as ExtensionAPI;
    const fetchImpl: typeof fetch = async (url) => {
      asked.push(new URL(String(url)).pathname);
      return new URL(String(url)).pathname === "/v1/models"
        ? new Response('{"data":[{"id":"gpt-5"}]}')
        : new Response('{"detail":"Not Found"}', { status: 404 });
    };
    const config: LiteLLMConfig = { ...CONFIG, mcp: { name: "litellm" } };
    await new LiteLLMProvider(pi, config, { stateDir, fetch: fetchImpl }).start();
    asked.length = 0;
    mcp.length = 0;
    const waiting = new LiteLLMProvider(pi, config, { stateDir, fetch: fetchImpl, awaitsTrust: true });
    assert.deepEqual(await waiting.start(), []);
    assert.deepEqual(waiting.models.current?.models.map((model) => model.id), ["gpt-5"]);
    assert.equal(waiting.registerMcp(), undefined);
    assert.equal((await waiting.refresh()).ok, false);
    assert.match((await waiting.keyInfo() as { problem: string }).problem, /not confirmed it trusts yet/);
    assert.equal((await waiting.mcpTools()).ok, false);
    assert.deepEqual([asked, mcp], [[], []]);
    assert.equal(waiting.trustConfirmed(), undefined);
    assert.deepEqual(mcp, ["litellm"], "the MCP server it put off");
    assert.equal((await waiting.refresh()).ok, true);
    const cold = new LiteLLMProvider(pi, config, {
      stateDir: temporaryDirectory("provider-trust-cold-"),
      fetch: fetchImpl,
      awaitsTrust: true,
    });
    assert.match(
      (await cold.start()).join("\n"),
      /no cached catalog, and nothing is asked of http:\/\/proxy\.test before pi trusts the project/,
    );
  });

  it("a cold start out of time, for a model the command line names: that model goes ahead on its name, and the list replaces it when it comes", async () => {
    let answered!: () => void;
    const full = new Promise<void>((resolve) => answered = resolve);
    const registrations: string[][] = [];
    const pi = {
      registerProvider: (_name: string, config: { models: { id: string }[] }) => {
        registrations.push(config.models.map((model) => model.id));
        if (registrations.length === 2) answered();
      },
    } as unknown as ExtensionAPI;
    let calls = 0;
    const fetchImpl: typeof fetch = (url, init) => {
      if (new URL(String(url)).pathname !== "/v1/models") return Promise.resolve(new Response('{"detail":"Not Found"}', { status: 404 }));
      // The first discovery hangs past its bound; the one read again answers.
      if (calls++ === 0) {
        return new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
      }
      return Promise.resolve(new Response('{"data":[{"id":"gpt-5"},{"id":"o3"}]}'));
    };
    const provider = new LiteLLMProvider(pi, { ...CONFIG, discoveryTimeoutMs: 50 }, { fetch: fetchImpl, namedModel: "gpt-5" });
    const lines = await provider.start();
    assert.match(
      lines.join("\n"),
      /did not answer within 50 ms; litellm\/gpt-5 goes ahead on its name alone \(its family's limits\) while the model list is read again$/,
    );
    assert.deepEqual(registrations[0], ["gpt-5"]);
    await full;
    assert.deepEqual(registrations[1], ["gpt-5", "o3"]);
  });
});
