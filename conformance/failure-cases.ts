/**
 * A slow, dead or broken proxy must never make pi slow, noisy or crash: for every failure mode, the
 * real pi CLI still starts with its other providers, prints one line naming the cause and what to
 * set, keeps its own exit code, and shows no stack trace and no key (`runPi` scans every output and
 * every file it left for the key).
 *
 * @module
 */

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertCleanRun } from "./cli-cases.ts";
import { type FakeLiteLLM, type FakeModel, type Scenario, startFakeLiteLLM } from "./fake-litellm.ts";
import { Hono } from "hono";
import { plain } from "./harness.ts";
import { runPi } from "./pi-cli.ts";
import { freePort, serveLoopback } from "./loopback.ts";
import { API_KEY, manyModels } from "./scenario.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";

/** Another provider pi must keep whatever happens to LiteLLM. */
const OTHER_PROVIDER = { ANTHROPIC_API_KEY: "sk-ant-other-provider-1" };
const MODELS: FakeModel[] = [{ id: "gpt-5", servedBy: "gpt-5" }];
const ALL_ROUTES = (fault: NonNullable<Scenario["routes"]>["models"]) => ({
  models: fault,
  "model/info": fault,
  "model_group/info": fault,
});

/** One failure mode: the proxy it needs (if any), the URL and key pi is given, the line expected. */
interface FailureMode {
  name: string;
  scenario?: Scenario;
  url?: (fake: FakeLiteLLM | undefined) => Promise<string> | string;
  env?: Record<string, string>;
  line: RegExp;
}

const FAILURE_MODES: readonly FailureMode[] = [
  {
    name: "proxy down (connection refused)",
    url: async () => `http://127.0.0.1:${await freePort()}`,
    line:
      /^Cannot reach LiteLLM at http:\/\/127\.0\.0\.1:\d+\/v1\/model\/info \(connection refused\); is the proxy running\? Check LITELLM_BASE_URL$/,
  },
  {
    name: "DNS failure",
    url: () => "http://litellm.invalid:4000",
    line: /^Cannot resolve LiteLLM host "litellm\.invalid"; check LITELLM_BASE_URL$/,
  },
  {
    name: "timeout",
    scenario: { apiKey: API_KEY, models: MODELS, routes: ALL_ROUTES({ kind: "slow", delayMs: 3_000 }) },
    env: { LITELLM_DISCOVERY_TIMEOUT_MS: "300" },
    line: /did not answer within 300 ms; check the proxy or raise LITELLM_DISCOVERY_TIMEOUT_MS$/,
  },
  {
    name: "401 wrong key",
    scenario: { apiKey: "sk-the-right-key-99", models: MODELS },
    line: /^LiteLLM rejected the API key \(401\) at http:\/\/127\.0\.0\.1:\d+\/v1\/models; check LITELLM_API_KEY$/,
  },
  {
    name: "403 key without access",
    scenario: { apiKey: API_KEY, models: MODELS, routes: ALL_ROUTES({ kind: "fixture", fixture: "litellm-route-not-allowed" }) },
    line: /^LiteLLM refused this key access \(403\) at .*\/v1\/models; check LITELLM_API_KEY or the key's allowed routes$/,
  },
  {
    name: "404 on /v1/models",
    scenario: { apiKey: API_KEY, models: MODELS, routes: ALL_ROUTES({ kind: "missing" }) },
    line: /^LiteLLM has no such route \(404\) at .*\/v1\/models; check that LITELLM_BASE_URL points at the proxy$/,
  },
  {
    name: "HTML 502 from a gateway",
    scenario: { apiKey: API_KEY, models: MODELS, routes: ALL_ROUTES({ kind: "html", status: 502 }) },
    line: /^LiteLLM at .*\/v1\/models is unavailable \(502, 502 Bad Gateway\); a gateway in front of the proxy failed$/,
  },
  {
    name: "malformed JSON",
    scenario: { apiKey: API_KEY, models: MODELS, routes: ALL_ROUTES({ kind: "malformed" }) },
    line: /^LiteLLM at .*\/v1\/models answered with something that is not JSON .*; check that LITELLM_BASE_URL points at the proxy$/,
  },
  {
    name: "an empty model list",
    scenario: { apiKey: API_KEY, models: [] },
    line: /^LiteLLM at http:\/\/127\.0\.0\.1:\d+ lists no chat models for this key; check the key's model access$/,
  },
];

/** The suite: one pi run per failure mode, each against its own proxy. */
export function failureSuite(): ConformanceSuite {
  const modes: ConformanceCase[] = FAILURE_MODES.map((mode) => ({
    name: `${mode.name}: pi keeps its other providers and prints one line naming the cause`,
    async run() {
      const fake = mode.scenario ? await startFakeLiteLLM(mode.scenario) : undefined;
      try {
        const url = mode.url ? await mode.url(fake) : fake!.url;
        const run = await runPi(["--list-models"], { LITELLM_BASE_URL: url, LITELLM_API_KEY: API_KEY, ...OTHER_PROVIDER, ...mode.env });
        assertCleanRun(run);
        const lines = run.stderr.split("\n").filter((line) => line.startsWith("pi-litellm-provider: ")).map((line) =>
          line.slice("pi-litellm-provider: ".length)
        );
        assert.equal(lines.length, 1, run.stderr);
        assert.match(lines[0]!, mode.line);
        assert.match(run.stdout + run.stderr, /anthropic\s+claude/, "pi's other providers are still listed");
        assert.doesNotMatch(run.stdout + run.stderr, /^litellm\s/m);
      } finally {
        await fake?.close();
      }
    },
  }));

  return {
    name: "failure modes of the proxy",
    cases: [
      ...modes,
      {
        name: "a proxy that redirects requests to another host: the request, the key and the secret header never get there",
        async run() {
          const elsewhere = await startFakeLiteLLM({ apiKey: API_KEY, models: [{ id: "claude-haiku-4-5", servedBy: "claude" }] });
          // The proxy answers discovery itself (from the other host's catalog) and redirects every request.
          const proxy = new Hono();
          proxy.get("*", async (c) => {
            const answer = await fetch(`${elsewhere.url}${new URL(c.req.url).pathname}`, {
              headers: { authorization: `Bearer ${API_KEY}` },
            });
            return new Response(await answer.text(), { status: answer.status, headers: { "content-type": "application/json" } });
          });
          proxy.post("*", (c) => c.redirect(`${elsewhere.url}${new URL(c.req.url).pathname}`, 307));
          const redirecting = await serveLoopback(proxy);
          try {
            const settings = { litellm: { headers: { "x-litellm-api-key": "$GATEWAY_SECRET" } } };
            const agentDir = temporaryDirectory("pi-litellm-redirect-");
            writeFileSync(join(agentDir, "settings.json"), JSON.stringify(settings));
            const before = elsewhere.requests.length;
            const run = await runPi(["--no-session", "--provider", "litellm", "--model", "claude-haiku-4-5", "-p", "Say hello."], {
              LITELLM_BASE_URL: redirecting.url,
              LITELLM_API_KEY: API_KEY,
              GATEWAY_SECRET: "gw-secret-redirect-77",
            }, { agentDir });
            assertCleanRun(run, 1);
            const reached = elsewhere.requests.slice(before).filter((request) => request.method === "POST");
            assert.deepEqual(reached, [], "no request followed the redirect");
            assert.match(
              plain(run.stdout + run.stderr),
              /LiteLLM at http:\/\/127\.0\.0\.1:\d+ redirected to another origin, http:\/\/127\.0\.0\.1:\d+\/v1\/messages; the request was not sent there, so the key stays with the proxy\. If the proxy moved, set LITELLM_BASE_URL to its new address/,
            );
            assert.doesNotMatch(run.stdout + run.stderr, /gw-secret-redirect-77/);
          } finally {
            await redirecting.close();
            await elsewhere.close();
          }
        },
      },
      {
        name:
          "a cold start against a slow proxy, naming one of its models: the run goes ahead on the model's name and is answered, with one line saying so",
        async run() {
          // The model list takes longer than the bound; the chat route answers at once.
          const fake = await startFakeLiteLLM({ apiKey: API_KEY, models: MODELS, routes: ALL_ROUTES({ kind: "slow", delayMs: 1_500 }) });
          try {
            const run = await runPi(["--no-session", "--model", "litellm/gpt-5", "-p", "Say hello."], {
              LITELLM_BASE_URL: fake.url,
              LITELLM_API_KEY: API_KEY,
              LITELLM_DISCOVERY_TIMEOUT_MS: "300",
            });
            assertCleanRun(run);
            assert.equal(run.stdout.trim(), "Hello from gpt-5.");
            const lines = run.stderr.split("\n").filter((line) => line.startsWith("pi-litellm-provider: "));
            assert.equal(lines.length, 1, run.stderr);
            assert.match(
              lines[0]!,
              /did not answer within 300 ms; litellm\/gpt-5 goes ahead on its name alone \(its family's limits\) while the model list is read again$/,
            );
          } finally {
            await fake.close();
          }
        },
      },
      {
        name: "3,000 models: all listed, no warning",
        async run() {
          const fake = await startFakeLiteLLM({ apiKey: API_KEY, models: manyModels(3_000) });
          try {
            const run = await runPi(["--list-models", "litellm"], { LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY });
            assertCleanRun(run);
            const rows = (run.stdout + run.stderr).split("\n").filter((line) => /^litellm\s+team-\d{4}-model\s+128K\s+8\.2K\s/.test(line));
            assert.equal(rows.length, 3_000);
            assert.doesNotMatch(run.stderr, /pi-litellm-provider:/);
          } finally {
            await fake.close();
          }
        },
      },
      {
        name: "an error frame mid-stream: pi -p reports LiteLLM's message with pi's own exit code, no stack trace",
        async run() {
          const fake = await startFakeLiteLLM({
            apiKey: API_KEY,
            models: [{
              id: "acme-overloaded",
              servedBy: "lenient",
              reply: { text: "Partial answer here", chunks: 6 },
              fault: { kind: "error-frame", afterChunks: 3, fixture: "litellm-midstream-overloaded" },
            }],
          });
          try {
            const run = await runPi(["--no-session", "--provider", "litellm", "--model", "acme-overloaded", "-p", "Say hello."], {
              LITELLM_BASE_URL: fake.url,
              LITELLM_API_KEY: API_KEY,
            });
            assertCleanRun(run, 1);
            assert.match(run.stderr, /Overloaded/);
          } finally {
            await fake.close();
          }
        },
      },
      {
        name: "a saved session whose model the proxy no longer lists: one clear line, then pi goes on",
        async run() {
          // pi keeps sessions per working directory: both runs must share one to --continue.
          const agentDir = temporaryDirectory("pi-litellm-session-");
          const cwd = temporaryDirectory("pi-litellm-project-");
          const before = await startFakeLiteLLM({ apiKey: API_KEY, models: [{ id: "retired-model", servedBy: "lenient" }, ...MODELS] });
          const first = await runPi(["--provider", "litellm", "--model", "retired-model", "-p", "Say hello."], {
            LITELLM_BASE_URL: before.url,
            LITELLM_API_KEY: API_KEY,
          }, { agentDir, cwd });
          await before.close();
          assertCleanRun(first);
          const after = await startFakeLiteLLM({ apiKey: API_KEY, models: MODELS });
          try {
            const env = { LITELLM_BASE_URL: after.url, LITELLM_API_KEY: API_KEY };
            const resumed = await runPi(["--continue", "-p", "Again."], env, { agentDir, cwd });
            assertCleanRun(resumed);
            assert.match(
              resumed.stderr,
              /^pi-litellm-provider: This session used litellm\/retired-model, which LiteLLM no longer lists for this key; continuing with litellm\/gpt-5\./m,
            );
            const explicit = await runPi(["--no-session", "--provider", "litellm", "--model", "retired-model", "-p", "Hi."], env);
            assertCleanRun(explicit, 1);
            assert.match(
              explicit.stderr,
              /^pi-litellm-provider: LiteLLM at .* does not list "retired-model" for this key, so requests to it will fail/m,
            );
          } finally {
            await after.close();
          }
        },
      },
    ],
  };
}
