import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globToRegExp, normalizeBaseUrl, overriddenWireApi, parseWireApiOverrides, resolveConfig } from "./config.ts";

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
    assert.deepEqual(config?.wireApiOverrides, [{ pattern: "gpt-*", api: "openai-responses" }]);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /LITELLM_WIRE_API: ignoring "claude-\*=grpc"/);
    assert.match(problems[1]!, /LITELLM_DISCOVERY_TIMEOUT_MS: "soon"/);
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
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.deepEqual(normalizeBaseUrl(input, "LITELLM_BASE_URL"), { url: expected }));
  }

  it("refuses other schemes and URLs with credentials, without echoing them", () => {
    assert.deepEqual(normalizeBaseUrl("ftp://a", "X"), { error: "X must start with http:// or https://" });
    const withSecret = normalizeBaseUrl("http://user:hunter2@a", "X");
    assert.ok("error" in withSecret);
    assert.doesNotMatch(withSecret.error, /hunter2/);
  });
});

describe("parseWireApiOverrides()", () => {
  it("reads globs and a bare catch-all in order", () => {
    assert.deepEqual(parseWireApiOverrides("gpt-*=openai-completions, azure-openai-responses").overrides, [
      { pattern: "gpt-*", api: "openai-completions" },
      { pattern: "*", api: "azure-openai-responses" },
    ]);
  });

  it("reports entries with an unknown api or an empty pattern", () => {
    const { overrides, problems } = parseWireApiOverrides("=openai-responses,x=chat");
    assert.deepEqual(overrides, []);
    assert.equal(problems.length, 2);
  });

  it("lets the first matching override win", () => {
    const { overrides } = parseWireApiOverrides("gpt-5*=openai-completions,gpt-*=azure-openai-responses");
    assert.equal(overriddenWireApi({ wireApiOverrides: overrides }, "gpt-5-mini"), "openai-completions");
    assert.equal(overriddenWireApi({ wireApiOverrides: overrides }, "gpt-4o"), "azure-openai-responses");
    assert.equal(overriddenWireApi({ wireApiOverrides: overrides }, "claude-haiku-4-5"), undefined);
  });
});

describe("globToRegExp()", () => {
  it("anchors, ignores case and escapes regex characters", () => {
    assert.ok(globToRegExp("claude-*").test("Claude-Sonnet-4"));
    assert.ok(!globToRegExp("claude-*").test("databricks-claude-sonnet"));
    assert.ok(globToRegExp("gpt-4.1*").test("gpt-4.1-mini"));
    assert.ok(!globToRegExp("gpt-4.1*").test("gpt-4x1"));
  });
});
