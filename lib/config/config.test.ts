import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveConfigs } from "./config.ts";
import { normalizeBaseUrl, parseWireApiOverrides, resolveReference } from "./values.ts";
import { isHidden, modelSettings } from "./model-settings.ts";

/** The main provider's configuration and the problems, for cases about one proxy. */
function resolveConfig(env: Record<string, string>, settings = {}) {
  const { configs, problems } = resolveConfigs(env, settings);
  return { config: configs[0], problems };
}

describe("resolveConfig()", () => {
  const cases: { name: string; env: Record<string, string>; baseUrl: string; apiKey: string | undefined; keyVariable: string }[] = [
    {
      name: "reads LITELLM_BASE_URL and LITELLM_API_KEY",
      env: { LITELLM_BASE_URL: "http://proxy:4000", LITELLM_API_KEY: "sk-own" },
      baseUrl: "http://proxy:4000",
      apiKey: "sk-own",
      keyVariable: "LITELLM_API_KEY",
    },
    {
      name: "falls back to OPENAI_BASE_URL and OPENAI_API_KEY when the LiteLLM pair is unset",
      env: { OPENAI_BASE_URL: "https://llm.corp/v1", OPENAI_API_KEY: "sk-openai" },
      baseUrl: "https://llm.corp",
      apiKey: "sk-openai",
      keyVariable: "OPENAI_API_KEY",
    },
    {
      name: "prefers the LiteLLM variables over the OpenAI ones",
      env: { LITELLM_BASE_URL: "http://a", LITELLM_API_KEY: "sk-a", OPENAI_BASE_URL: "http://b", OPENAI_API_KEY: "sk-b" },
      baseUrl: "http://a",
      apiKey: "sk-a",
      keyVariable: "LITELLM_API_KEY",
    },
    {
      name: "uses LITELLM_API_KEY with an OPENAI_BASE_URL proxy",
      env: { OPENAI_BASE_URL: "http://b", LITELLM_API_KEY: "sk-a", OPENAI_API_KEY: "sk-b" },
      baseUrl: "http://b",
      apiKey: "sk-a",
      keyVariable: "LITELLM_API_KEY",
    },
    {
      name: "never sends OPENAI_API_KEY to a LITELLM_BASE_URL host",
      env: { LITELLM_BASE_URL: "http://a", OPENAI_API_KEY: "sk-openai" },
      baseUrl: "http://a",
      apiKey: undefined,
      keyVariable: "LITELLM_API_KEY",
    },
    {
      name: "treats blank variables as unset",
      env: { LITELLM_BASE_URL: "  ", LITELLM_API_KEY: "", OPENAI_BASE_URL: "http://b/", OPENAI_API_KEY: "sk-b" },
      baseUrl: "http://b",
      apiKey: "sk-b",
      keyVariable: "OPENAI_API_KEY",
    },
  ];
  for (const row of cases) {
    it(row.name, () => {
      const { config, problems } = resolveConfig(row.env);
      assert.deepEqual(problems, []);
      assert.equal(config?.baseUrl, row.baseUrl);
      assert.equal(config?.apiKey, row.apiKey);
      assert.equal(config?.apiKeyVariable, row.keyVariable);
      assert.equal(config?.providerName, "litellm");
    });
  }

  it("without a base URL, returns no config and one line naming the variables to set", () => {
    const { config, problems } = resolveConfig({ OPENAI_API_KEY: "sk-openai" });
    assert.equal(config, undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /set LITELLM_BASE_URL \(and LITELLM_API_KEY\)/);
    assert.doesNotMatch(problems[0]!, /\n/);
  });

  it("reports an unusable URL by the variable it came from", () => {
    const { config, problems } = resolveConfig({ OPENAI_BASE_URL: "not a url" });
    assert.equal(config, undefined);
    assert.deepEqual(problems, ["OPENAI_BASE_URL is not a URL; set it to your proxy, e.g. http://localhost:4000"]);
  });

  it("keeps going with the defaults when optional values are invalid, reporting each", () => {
    const { config, problems } = resolveConfig({
      LITELLM_BASE_URL: "http://a",
      LITELLM_WIRE_API: "gpt-*=openai-responses,claude-*=grpc",
      LITELLM_DISCOVERY_TIMEOUT_MS: "soon",
    });
    assert.equal(config?.discoveryTimeoutMs, 3_000);
    assert.deepEqual(config?.modelOverrides, [{ pattern: "gpt-*", wireApi: "openai-responses" }]);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /LITELLM_WIRE_API: ignoring "claude-\*=grpc"/);
    assert.match(problems[1]!, /LITELLM_DISCOVERY_TIMEOUT_MS: "soon"/);
  });

  it("skips an invalid LITELLM_DISCOVERY_TIMEOUT_MS for the settings value, and clamps one timers cannot hold", () => {
    const invalid = resolveConfig({ LITELLM_BASE_URL: "http://a", LITELLM_DISCOVERY_TIMEOUT_MS: "-5" }, { discoveryTimeoutMs: 1_500 });
    assert.equal(invalid.config?.discoveryTimeoutMs, 1_500);
    assert.match(
      invalid.problems[0]!,
      /LITELLM_DISCOVERY_TIMEOUT_MS: "-5" is not a positive whole number of milliseconds; using 1500 from settings litellm\.discoveryTimeoutMs/,
    );
    const huge = resolveConfig({ LITELLM_BASE_URL: "http://a", LITELLM_DISCOVERY_TIMEOUT_MS: "3000000000" });
    assert.equal(huge.config?.discoveryTimeoutMs, 600_000);
    assert.match(huge.problems[0]!, /LITELLM_DISCOVERY_TIMEOUT_MS: 3000000000 ms is longer than the 600000 ms/);
  });

  it("reads a discovery timeout in milliseconds", () => {
    assert.equal(resolveConfig({ LITELLM_BASE_URL: "http://a", LITELLM_DISCOVERY_TIMEOUT_MS: "750" }).config?.discoveryTimeoutMs, 750);
  });
});

describe("normalizeBaseUrl()", () => {
  const rows: [string, string][] = [
    ["http://localhost:4000", "http://localhost:4000"],
    ["http://localhost:4000/", "http://localhost:4000"],
    ["http://localhost:4000/v1", "http://localhost:4000"],
    ["http://localhost:4000/v1/", "http://localhost:4000"],
    ["https://gw.example.com/litellm/v1", "https://gw.example.com/litellm"],
    ["https://gw.example.com/litellm//", "https://gw.example.com/litellm"],
    [" https://gw.example.com/v1?x=1 ", "https://gw.example.com"],
  ];
  for (const [input, expected] of rows) {
    it(`${JSON.stringify(input)} → ${expected}`, () =>
      assert.deepEqual(normalizeBaseUrl(input, "LITELLM_BASE_URL"), { ok: true, value: expected }));
  }

  it("refuses other schemes and URLs with credentials, without echoing them", () => {
    assert.deepEqual(normalizeBaseUrl("ftp://a", "X"), { ok: false, problem: "X must start with http:// or https://" });
    const withSecret = normalizeBaseUrl("http://user:hunter2@a", "X");
    assert.ok(!withSecret.ok);
    assert.doesNotMatch(withSecret.problem, /hunter2/);
  });
});

describe("parseWireApiOverrides()", () => {
  it("reads globs and a bare catch-all in order", () => {
    assert.deepEqual(parseWireApiOverrides("gpt-*=openai-completions, azure-openai-responses").overrides, [
      { pattern: "gpt-*", wireApi: "openai-completions" },
      { pattern: "*", wireApi: "azure-openai-responses" },
    ]);
  });

  it("reports entries with an unknown api or an empty pattern", () => {
    const { overrides, problems } = parseWireApiOverrides("=openai-responses,x=chat");
    assert.deepEqual(overrides, []);
    assert.equal(problems.length, 2);
  });

  it("applies every matching override in order, the later winning", () => {
    const { overrides } = parseWireApiOverrides("gpt-*=azure-openai-responses,gpt-5*=openai-completions");
    assert.equal(modelSettings({ modelOverrides: overrides }, "gpt-5-mini").wireApi, "openai-completions");
    assert.equal(modelSettings({ modelOverrides: overrides }, "gpt-4o").wireApi, "azure-openai-responses");
    assert.equal(modelSettings({ modelOverrides: overrides }, "claude-haiku-4-5").wireApi, undefined);
  });
});

describe("settings in the configuration", () => {
  const env = { TEAM_KEY: "sk-team-123", EU_KEY: "sk-eu-456", TENANT: "acme" };

  it("takes the proxy, key reference, headers, timeout and name from settings", () => {
    const { config, problems } = resolveConfig(env, {
      baseUrl: "https://llm.corp/v1",
      apiKey: "$TEAM_KEY",
      headers: { "x-tenant": "${TENANT}", "x-team": "platform" },
      discoveryTimeoutMs: 900,
      providerName: "corp",
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(
      {
        name: config?.providerName,
        url: config?.baseUrl,
        key: config?.apiKey,
        variable: config?.apiKeyVariable,
        headers: config?.headers,
        timeout: config?.discoveryTimeoutMs,
      },
      {
        name: "corp",
        url: "https://llm.corp",
        key: "sk-team-123",
        variable: "TEAM_KEY",
        headers: { "x-tenant": "acme", "x-team": "platform" },
        timeout: 900,
      },
    );
  });

  it("lets LITELLM_* variables win over settings, and settings over the OPENAI_* fallback", () => {
    const settings = { baseUrl: "https://from-settings", apiKey: "$TEAM_KEY" };
    assert.equal(resolveConfig({ ...env, LITELLM_BASE_URL: "http://from-env" }, settings).config?.baseUrl, "http://from-env");
    assert.equal(resolveConfig({ ...env, LITELLM_API_KEY: "sk-env-999" }, settings).config?.apiKey, "sk-env-999");
    assert.equal(
      resolveConfig({ ...env, OPENAI_BASE_URL: "http://openai-fallback", OPENAI_API_KEY: "sk-openai" }, settings).config?.baseUrl,
      "https://from-settings",
    );
    assert.equal(resolveConfig({ ...env, OPENAI_API_KEY: "sk-openai" }, { baseUrl: "https://from-settings" }).config?.apiKey, undefined);
  });

  it("reports a reference to an unset variable, and goes on without it", () => {
    const { config, problems } = resolveConfig({}, { baseUrl: "http://a", apiKey: "$NOPE", headers: { "x-a": "$ALSO_NOPE" } });
    assert.equal(config?.apiKey, undefined);
    assert.deepEqual(config?.headers, {});
    assert.equal(problems.length, 2);
    assert.match(problems.join("\n"), /\$ALSO_NOPE is not set; the header is not sent/);
    assert.match(problems.join("\n"), /\$NOPE is not set; litellm connects without a key/);
  });

  it("turns model settings into overrides, before the LITELLM_WIRE_API ones", () => {
    const { config } = resolveConfig({ LITELLM_BASE_URL: "http://a", LITELLM_WIRE_API: "gpt-5=openai-responses" }, {
      models: {
        "gpt-*": { wireApi: "openai-completions", dropFields: ["store"] },
        "gpt-5": { dropFields: ["temperature"], maxTokens: 1000 },
      },
      hideModels: ["*embedding*"],
    });
    assert.deepEqual(modelSettings(config!, "gpt-5"), {
      wireApi: "openai-responses",
      dropFields: ["store", "temperature"],
      maxTokens: 1000,
    });
    assert.deepEqual(modelSettings(config!, "gpt-4o"), { wireApi: "openai-completions", dropFields: ["store"] });
    assert.ok(isHidden(config!, "text-embedding-3-large"));
    assert.ok(!isHidden(config!, "gpt-5"));
  });

  it("adds a provider per alias: a second key on the same proxy, or a second proxy that never gets the main key", () => {
    const { configs, problems } = resolveConfigs({ ...env, LITELLM_BASE_URL: "http://main", LITELLM_API_KEY: "sk-main-000" }, {
      headers: { "x-team": "platform" },
      aliases: {
        "litellm-batch": { apiKey: "$TEAM_KEY" },
        "litellm-eu": { baseUrl: "https://eu.proxy/v1", apiKey: "${EU_KEY}", headers: { "x-region": "eu" } },
        "litellm-lab": { baseUrl: "https://lab.proxy" },
        "litellm-same": { baseUrl: "http://main/v1/" },
      },
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(configs.map((config) => [config.providerName, config.baseUrl, config.apiKey]), [
      ["litellm", "http://main", "sk-main-000"],
      ["litellm-batch", "http://main", "sk-team-123"],
      ["litellm-eu", "https://eu.proxy", "sk-eu-456"],
      ["litellm-lab", "https://lab.proxy", undefined],
      ["litellm-same", "http://main", "sk-main-000"],
    ]);
    assert.deepEqual(configs[2]?.headers, { "x-team": "platform", "x-region": "eu" });
  });

  it("keeps the main section's secret headers on its own proxy: an alias elsewhere gets only the plain ones, or those it names", () => {
    const { configs } = resolveConfigs({ ...env, LITELLM_BASE_URL: "http://main", GATEWAY_TOKEN: "gw-token-0000" }, {
      headers: { "x-litellm-api-key": "Bearer literal-secret-1", "x-gateway": "$GATEWAY_TOKEN", "x-team": "platform" },
      aliases: {
        "litellm-same": { apiKey: "$TEAM_KEY" },
        "litellm-eu": { baseUrl: "https://eu.proxy", apiKey: "$EU_KEY" },
        "litellm-lab": { baseUrl: "https://lab.proxy", headers: { "x-gateway": "$GATEWAY_TOKEN" } },
      },
    });
    const headers = Object.fromEntries(configs.map((config) => [config.providerName, config.headers]));
    assert.deepEqual(headers["litellm-same"], {
      "x-litellm-api-key": "Bearer literal-secret-1",
      "x-gateway": "gw-token-0000",
      "x-team": "platform",
    });
    assert.deepEqual(headers["litellm-eu"], { "x-team": "platform" });
    assert.deepEqual(headers["litellm-lab"], { "x-team": "platform", "x-gateway": "gw-token-0000" });
    assert.deepEqual(configs.find((config) => config.providerName === "litellm")?.secrets, ["literal-secret-1", "gw-token-0000"]);
    assert.deepEqual(configs.find((config) => config.providerName === "litellm-eu")?.secrets, ["sk-eu-456"]);
  });

  it("names every alias it cannot register, and lets an alias with its own URL work without the main one", () => {
    const { configs, problems, off } = resolveConfigs({ EU_KEY: "sk-eu-456" }, {
      aliases: {
        "litellm-eu": { baseUrl: "https://eu.proxy", apiKey: "$EU_KEY" },
        "litellm-nowhere": { apiKey: "$EU_KEY" },
        "litellm-lab": { baseUrl: "https://lab.proxy" },
      },
    });
    assert.deepEqual(configs.map((config) => [config.providerName, config.apiKeyVariable]), [
      ["litellm-eu", "EU_KEY"],
      ["litellm-lab", 'settings litellm.aliases["litellm-lab"].apiKey'],
    ]);
    assert.deepEqual(problems, [
      'settings litellm.aliases["litellm-nowhere"]: no baseUrl, and the main section has none to share; set settings litellm.aliases["litellm-nowhere"].baseUrl or LITELLM_BASE_URL',
    ]);
    assert.equal(off, undefined);
  });

  it("lets an alias be named litellm when there is no main provider to clash with", () => {
    const { configs } = resolveConfigs({}, { aliases: { litellm: { baseUrl: "https://eu" } } });
    assert.deepEqual(configs.map((config) => config.providerName), ["litellm"]);
  });

  it("refuses pi's own provider names for the main provider and for aliases", () => {
    const taken = ["openai", "anthropic"];
    const { configs, problems, off } = resolveConfigs(
      { LITELLM_BASE_URL: "http://a" },
      { providerName: "openai", aliases: { anthropic: {} } },
      "settings",
      taken,
    );
    assert.deepEqual(configs, []);
    assert.deepEqual(problems, [
      'settings litellm.aliases["anthropic"]: "anthropic" is one of pi\'s own providers, whose models the alias would replace; ignoring it, pick another name',
      'settings litellm.providerName: "openai" is one of pi\'s own providers, whose models it would replace; pick another name',
    ]);
    assert.equal(off, problems[1]);
  });

  it("registers the MCP gateway for the main provider by default, for an alias only when asked, each name once", () => {
    const { configs, problems } = resolveConfigs({ LITELLM_BASE_URL: "http://main" }, {
      mcp: { exposure: "direct" },
      aliases: {
        "litellm-eu": { baseUrl: "https://eu", mcp: true },
        "litellm-batch": {},
        "litellm-lab": { baseUrl: "https://lab", mcp: { name: "litellm" } },
      },
    });
    assert.deepEqual(configs.map((config) => [config.providerName, config.mcp]), [
      ["litellm", { name: "litellm", exposure: "direct" }],
      ["litellm-eu", { name: "litellm-eu" }],
      ["litellm-batch", undefined],
      ["litellm-lab", undefined],
    ]);
    assert.deepEqual(problems, [
      'settings litellm.aliases["litellm-lab"].mcp: the MCP server name "litellm" is taken by another provider; set another "name"',
    ]);
    assert.equal(resolveConfigs({ LITELLM_BASE_URL: "http://main" }, { mcp: false }).configs[0]?.mcp, undefined);
  });

  it("refuses an alias whose name the main provider already has", () => {
    const { configs, problems } = resolveConfigs({ LITELLM_BASE_URL: "http://a" }, { aliases: { litellm: { apiKey: "x" } } });
    assert.equal(configs.length, 1);
    assert.match(problems[0]!, /aliases\["litellm"\]: the name is already taken/);
  });
});

describe("resolveConfigs() with a stored /login", () => {
  const login = { baseUrl: "http://login:4000", apiKey: "$sk-login-literal" };
  const main = (env: Record<string, string>, settings = {}, stored: typeof login | { apiKey: string } = login) =>
    resolveConfigs(env, settings, "settings", [], stored).configs[0];

  it("is the proxy and key with nothing else configured, its key taken as written (never as a $VAR)", () => {
    const config = main({});
    assert.deepEqual([config?.baseUrl, config?.apiKey, config?.keyFromLogin, config?.apiKeyVariable], [
      "http://login:4000",
      "$sk-login-literal",
      true,
      "/login litellm",
    ]);
    assert.ok(config?.secrets.includes("$sk-login-literal"));
  });

  it("loses to the environment and to settings, URL and key alike", () => {
    assert.equal(main({ LITELLM_BASE_URL: "http://env" })?.baseUrl, "http://env");
    assert.equal(main({}, { baseUrl: "http://settings" })?.baseUrl, "http://settings");
    const keyed = main({ LITELLM_API_KEY: "sk-env" });
    assert.deepEqual([keyed?.baseUrl, keyed?.apiKey, keyed?.keyFromLogin], ["http://login:4000", "sk-env", undefined]);
    assert.equal(main({}, { apiKey: "sk-settings" })?.apiKey, "sk-settings");
  });

  it("keeps its key from any other proxy the environment names", () => {
    const config = main({ LITELLM_BASE_URL: "http://elsewhere:4000" });
    assert.deepEqual([config?.baseUrl, config?.apiKey], ["http://elsewhere:4000", undefined]);
    assert.equal(main({ LITELLM_BASE_URL: "http://login:4000/v1/" })?.apiKey, "$sk-login-literal");
  });

  it("wins over the OPENAI_* fallback; a bare stored key never goes to OPENAI_BASE_URL", () => {
    const openai = { OPENAI_BASE_URL: "http://other-tool:8080", OPENAI_API_KEY: "sk-openai" };
    assert.deepEqual([main(openai)?.baseUrl, main(openai)?.apiKey], ["http://login:4000", "$sk-login-literal"]);
    const bare = main(openai, {}, { apiKey: "sk-bare" });
    assert.deepEqual([bare?.baseUrl, bare?.apiKey], ["http://other-tool:8080", "sk-openai"]);
    assert.equal(main({ LITELLM_BASE_URL: "http://env" }, {}, { apiKey: "sk-bare" })?.apiKey, "sk-bare");
  });

  it("gives an alias on the same proxy its key pinned: only the main provider holds the login in pi's store", () => {
    const { configs } = resolveConfigs({}, { aliases: { "litellm-batch": {} } }, "settings", [], login);
    const alias = configs.find((config) => config.providerName === "litellm-batch");
    assert.deepEqual([alias?.apiKey, alias?.keyFromLogin], ["$sk-login-literal", undefined]);
  });
});

describe("resolveReference()", () => {
  it("reads $VAR and ${VAR}, and leaves anything else as it is", () => {
    assert.deepEqual(resolveReference("$A", { A: "1" }), { ok: true, value: { value: "1", variable: "A" } });
    assert.deepEqual(resolveReference("${A}", { A: "1" }), { ok: true, value: { value: "1", variable: "A" } });
    assert.deepEqual(resolveReference("$A", {}), { ok: false, problem: "A" });
    assert.deepEqual(resolveReference("sk-literal", {}), { ok: true, value: { value: "sk-literal" } });
    assert.deepEqual(resolveReference("a$b", {}), { ok: true, value: { value: "a$b" } });
  });
});
