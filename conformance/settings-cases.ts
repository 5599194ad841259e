/**
 * Configuration without code, through the real pi CLI: the `litellm` section of pi's settings sets
 * the proxy, key reference, headers, provider name, hidden models, per-model overrides and aliases;
 * the project's settings win over the user's; an invalid field costs one line and nothing else.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertCleanRun } from "./cli-cases.ts";
import { type FakeLiteLLM, startFakeLiteLLM } from "./fake-litellm.ts";
import { runPi } from "./pi-cli.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceSuite } from "./suite.ts";
import { piHasProjectTrust } from "./trust-cases.ts";
import { temporaryDirectory } from "./temporary.ts";

const BATCH_KEY = "sk-batch-second-key-5b1e";

/** A fresh agent directory and project directory with the given `litellm` sections. */
function dirs(user: unknown, project?: unknown): { agentDir: string; cwd: string } {
  const agentDir = temporaryDirectory("pi-litellm-settings-agent-");
  const cwd = temporaryDirectory("pi-litellm-settings-project-");
  writeFileSync(join(agentDir, "settings.json"), JSON.stringify({ litellm: user }, null, 2));
  if (project !== undefined) {
    mkdirSync(join(cwd, ".pi"));
    writeFileSync(join(cwd, ".pi", "settings.json"), JSON.stringify({ litellm: project }, null, 2));
  }
  return { agentDir, cwd };
}

/** The suite: one fake accepting two keys, pi run with settings only (no LITELLM_* variables). */
export function settingsSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  const keys = {
    CORP_LITELLM_KEY: API_KEY,
    CORP_BATCH_KEY: BATCH_KEY,
    LITELLM_BASE_URL: "",
    LITELLM_API_KEY: "",
    OPENAI_BASE_URL: "",
    OPENAI_API_KEY: "",
  };
  const settings = () => ({
    baseUrl: `${fake.url}/v1`,
    apiKey: "$CORP_LITELLM_KEY",
    providerName: "corp",
    headers: { "x-team": "platform" },
    hideModels: ["databricks-*"],
    models: {
      "gpt-4o": { contextWindow: 64000, maxTokens: 2000, dropFields: ["store"] },
      "gpt-5": { wireApi: "openai-completions", thinkingLevels: ["low", "high"] },
    },
    aliases: { "corp-batch": { apiKey: "${CORP_BATCH_KEY}" } },
  });

  return {
    name: "configuration from pi's settings",
    async before() {
      fake = await startFakeLiteLLM({ ...conformanceScenario(), apiKey: [API_KEY, BATCH_KEY] });
    },
    after: () => fake.close(),
    cases: [
      {
        name: "settings name the provider, hide models and override limits, and an alias registers a second provider",
        async run() {
          const run = await runPi(["--list-models"], keys, dirs(settings()));
          assertCleanRun(run);
          const table = run.stdout + run.stderr;
          assert.match(table, /^corp\s+gpt-4o\s+64K\s+2K\s/m);
          assert.match(table, /^corp-batch\s+gpt-4o\s+64K\s+2K\s/m);
          assert.match(table, /^corp\s+claude-haiku-4-5\s/m);
          assert.doesNotMatch(table, /databricks-|^litellm\s/m);
          assert.ok(fake.requests.some((request) => request.path === "/v1/model/info" && request.headers["x-team"] === "platform"));
        },
      },
      {
        name: "per-model settings shape requests: wire API, extra dropped field, thinking levels, headers",
        async run() {
          const before = fake.requests.length;
          for (const [model, thinking] of [["gpt-5", "medium"], ["gpt-4o", "off"]]) {
            const run = await runPi(
              ["--no-session", "--model", `corp/${model}`, "--thinking", thinking!, "-p", "Hi."],
              keys,
              dirs(settings()),
            );
            assertCleanRun(run);
          }
          const requests = fake.requests.slice(before).filter((request) => request.model);
          const gpt5 = requests.find((request) => request.model === "gpt-5")!;
          assert.equal(gpt5.path, "/v1/chat/completions");
          assert.ok(["low", "high"].includes((gpt5.body as { reasoning_effort?: string }).reasoning_effort ?? ""));
          assert.equal(gpt5.headers["x-team"], "platform");
          const gpt4o = requests.find((request) => request.model === "gpt-4o")!;
          assert.ok(!("store" in (gpt4o.body as object)), "store is dropped by settings");
          assert.ok("prompt_cache_key" in (gpt4o.body as object), "the rest is still sent");
        },
      },
      {
        name: "an alias sends its own key",
        async run() {
          const before = fake.requests.length;
          const run = await runPi(["--no-session", "--model", "corp-batch/my-company-model", "-p", "Hi."], keys, dirs(settings()));
          assertCleanRun(run);
          assert.match(run.stdout, /Hello from my-company-model\./);
          const request = fake.requests.slice(before).find((candidate) => candidate.model === "my-company-model");
          assert.equal(request?.headers.authorization, `Bearer ${BATCH_KEY}`);
        },
      },
      {
        name: "the project's settings, once pi trusts the project, win over the user's",
        async run() {
          // pi 0.87 and later load a project's settings only once it is trusted; 0.73 always does.
          const trusted = piHasProjectTrust() ? ["--approve"] : [];
          const run = await runPi(["--list-models", "team", ...trusted], keys, dirs(settings(), { providerName: "team", hideModels: [] }));
          assertCleanRun(run);
          assert.match(run.stdout + run.stderr, /^team\s+databricks-claude-sonnet-4\s/m);
        },
      },
      {
        name: "an invalid field costs one line naming it; the rest of the settings still apply",
        async run() {
          const broken = { ...settings(), discoveryTimeoutMs: "fast", models: { "gpt-4o": { contextWindow: -1, maxTokens: 2000 } } };
          const run = await runPi(["--list-models", "corp"], keys, dirs(broken));
          assertCleanRun(run);
          const lines = run.stderr.split("\n").filter((line) => line.startsWith("pi-litellm-provider:"));
          // In the file's order: `models` comes before the added `discoveryTimeoutMs`.
          assert.deepEqual(lines, [
            'pi-litellm-provider: ~/.pi/agent/settings.json litellm.models["gpt-4o"].contextWindow: expected a whole number of tokens from 1024 to 100000000; ignoring it',
            "pi-litellm-provider: ~/.pi/agent/settings.json litellm.discoveryTimeoutMs: expected a positive whole number; ignoring it",
          ]);
          assert.match(run.stdout + run.stderr, /^corp\s+gpt-4o\s+128K\s+2K\s/m);
        },
      },
    ],
  };
}
