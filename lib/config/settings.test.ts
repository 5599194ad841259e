import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { layerSettings, readProjectSettings, readSettingsFile, readUserSettings } from "./settings.ts";
import { temporaryDirectory } from "../../conformance/temporary.ts";

function file(content: unknown): string {
  const path = join(temporaryDirectory("settings-"), "settings.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("readSettingsFile()", () => {
  it("reads a valid section", () => {
    const { settings, problems } = readSettingsFile(
      file({
        theme: "dark",
        litellm: {
          baseUrl: "https://llm.corp",
          apiKey: "$LITELLM_API_KEY",
          headers: { "x-team": "a" },
          discoveryTimeoutMs: 2000,
          providerName: "corp",
          hideModels: ["*embed*"],
          models: {
            "gpt-5*": {
              wireApi: "openai-completions",
              dropFields: ["store"],
              contextWindow: 100000,
              maxTokens: 8000,
              thinkingLevels: ["low", "high"],
            },
          },
          aliases: { "corp-eu": { baseUrl: "https://eu.llm.corp", apiKey: "$EU" } },
        },
      }),
      "s.json",
    );
    assert.deepEqual(problems, []);
    assert.equal(settings.providerName, "corp");
    assert.deepEqual(settings.models?.["gpt-5*"]?.thinkingLevelMap, {
      off: null,
      minimal: null,
      low: "low",
      medium: null,
      high: "high",
      xhigh: null,
    });
    assert.deepEqual(settings.aliases?.["corp-eu"], { baseUrl: "https://eu.llm.corp", apiKey: "$EU" });
  });

  it("names each invalid field in one line and keeps the rest", () => {
    const { settings, problems } = readSettingsFile(
      file({
        litellm: {
          baseUrl: "https://llm.corp",
          discoveryTimeoutMs: "soon",
          providerName: "no spaces please",
          colour: "blue",
          spend: { footer: "yes", warnAt: [0.8, 2] },
          models: {
            "gpt-*": { wireApi: "grpc", maxTokens: 1000 },
            "bad": 3,
            "tiny": { contextWindow: 1, maxTokens: 0.5, dropFields: ["temperature", "messages"], reasoning: "yes", input: ["image"] },
          },
          aliases: { "ok-name": { baseUrl: "https://x", aliases: {} }, "bad name": {} },
        },
      }),
      "s.json",
    );
    assert.equal(settings.baseUrl, "https://llm.corp");
    assert.deepEqual(settings.models?.["gpt-*"], { maxTokens: 1000 });
    assert.deepEqual(problems, [
      "s.json litellm.discoveryTimeoutMs: expected a positive whole number; ignoring it",
      "s.json litellm.providerName: expected a name of letters, digits, '.', '_' or '-'; ignoring it",
      "s.json litellm.colour: unknown field (known: baseUrl, apiKey, headers, discoveryTimeoutMs, providerName, hideModels, models, mcp, spend, aliases); ignoring it",
      's.json litellm.spend: expected { "footer": true or false, "warnAt": a list of budget shares above 0 and at most 1, e.g. [0.8, 0.95] }; ignoring it',
      's.json litellm.models["gpt-*"].wireApi: expected one of openai-completions, openai-responses, azure-openai-responses, anthropic-messages; ignoring it',
      's.json litellm.models["bad"]: expected an object; ignoring it',
      's.json litellm.models["tiny"].contextWindow: expected a whole number of tokens from 1024 to 100000000; ignoring it',
      's.json litellm.models["tiny"].maxTokens: expected a whole number of tokens from 16 to 10000000; ignoring it',
      's.json litellm.models["tiny"].dropFields: "messages" cannot be dropped: no request goes without model, messages, input, stream, tools or system; ignoring it',
      's.json litellm.models["tiny"].reasoning: expected true or false; ignoring it',
      's.json litellm.models["tiny"].input: expected ["text"] or ["text", "image"]; ignoring it',
      's.json litellm.aliases["ok-name"].aliases: unknown field (known: baseUrl, apiKey, headers, discoveryTimeoutMs, providerName, hideModels, models, mcp, spend); ignoring it',
      "s.json litellm.aliases[\"bad name\"]: expected a name of letters, digits, '.', '_' or '-'; ignoring it",
    ]);
  });

  it("reads the spend settings, and refuses shares outside (0, 1]", () => {
    assert.deepEqual(readSettingsFile(file({ litellm: { spend: { footer: false, warnAt: [0.5, 1] } } }), "x"), {
      settings: { spend: { footer: false, warnAt: [0.5, 1] } },
      found: true,
      problems: [],
    });
    for (const spend of [{ warnAt: [0] }, { warnAt: "0.8" }, { colour: 1 }, "on"]) {
      assert.equal(readSettingsFile(file({ litellm: { spend } }), "x").problems.length, 1, JSON.stringify(spend));
    }
  });

  it("is quiet about a missing file or section, and one line about broken JSON", () => {
    assert.deepEqual(readSettingsFile("/nonexistent/settings.json", "x"), { settings: {}, found: false, problems: [] });
    assert.deepEqual(readSettingsFile(file({ theme: "dark" }), "x"), { settings: {}, found: false, problems: [] });
    const broken = readSettingsFile(file("{ nope"), "x");
    assert.equal(broken.problems.length, 1);
    assert.match(broken.problems[0]!, /^x is not valid JSON( \(at character \d+\))?; its litellm section is ignored$/);
    // The parser quotes the text around the error; a key typed without quotes must not be printed.
    const keyNearby = readSettingsFile(file('{"litellm":{"apiKey":sk-live-abcdef123456}}'), "x");
    assert.doesNotMatch(keyNearby.problems.join("\n"), /sk-live/);
    assert.deepEqual(readSettingsFile(file({ litellm: "http://a" }), "x").problems, ["x litellm: expected an object; ignoring it"]);
  });
});

describe("layerSettings()", () => {
  it("lets the project win field by field, merging headers, model globs and aliases", () => {
    const merged = layerSettings(
      {
        baseUrl: "http://user",
        headers: { a: "1" },
        models: { "gpt-*": { maxTokens: 1, dropFields: ["x"] } },
        aliases: { eu: { baseUrl: "http://eu" } },
      },
      {
        apiKey: "$K",
        headers: { b: "2" },
        models: { "gpt-*": { maxTokens: 2 }, "o3": { wireApi: "openai-responses" } },
        aliases: { eu: { apiKey: "$EU" } },
      },
    );
    assert.deepEqual(merged, {
      baseUrl: "http://user",
      apiKey: "$K",
      headers: { a: "1", b: "2" },
      models: { "gpt-*": { maxTokens: 2, dropFields: ["x"] }, "o3": { wireApi: "openai-responses" } },
      aliases: { eu: { baseUrl: "http://eu", apiKey: "$EU" } },
    });
  });
});

describe("readUserSettings() and readProjectSettings()", () => {
  it("read the agent directory's settings, with pi's defaultProjectTrust, and the project's apart", () => {
    const agent = temporaryDirectory("agent-");
    const project = temporaryDirectory("project-");
    writeFileSync(
      join(agent, "settings.json"),
      JSON.stringify({ defaultProjectTrust: "always", litellm: { baseUrl: "http://user", providerName: "mine" } }),
    );
    mkdirSync(join(project, ".pi"));
    writeFileSync(
      join(project, ".pi", "settings.json"),
      JSON.stringify({ defaultProjectTrust: "always", litellm: { baseUrl: "http://project" } }),
    );
    assert.deepEqual(readUserSettings(agent), {
      settings: { baseUrl: "http://user", providerName: "mine" },
      found: true,
      problems: [],
      defaultProjectTrust: "always",
    });
    // A project cannot set how much projects are trusted: only the user's file says that.
    assert.deepEqual(readProjectSettings(project), { settings: { baseUrl: "http://project" }, found: true, problems: [] });
    assert.deepEqual(readProjectSettings(temporaryDirectory("empty-")), { settings: {}, found: false, problems: [] });
  });
});
