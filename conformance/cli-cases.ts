/**
 * The real pi CLI with `-e ./mod.ts` against the fake: the discovered models are listed, `-p` answers
 * for one model per family with exactly the fields the policy allows, and a missing configuration
 * costs one line, not pi's other providers. No output ever contains the key.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type FakeLiteLLM, startFakeLiteLLM } from "./fake-litellm.ts";
import { type CliRun, runPi } from "./pi-cli.ts";
import { freePort } from "./loopback.ts";
import { killGroup, ownGroup } from "./process-groups.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";

/** One model per family, and which caching fields its request must carry. */
const ANSWERS: readonly { model: string; promptCacheKey: boolean; store: boolean }[] = [
  { model: "claude-haiku-4-5", promptCacheKey: false, store: false },
  { model: "gemini-2.5-pro", promptCacheKey: false, store: false },
  { model: "databricks-claude-sonnet-4", promptCacheKey: false, store: false },
  { model: "gpt-4o", promptCacheKey: true, store: true },
  { model: "gpt-5", promptCacheKey: true, store: true },
  { model: "o3", promptCacheKey: true, store: true },
  { model: "my-company-model", promptCacheKey: false, store: true },
];

/** An id the policy knows nothing about, behind a backend that rejects `store` with a 500. */
const STRICT_MODEL = { id: "acme-batch", servedBy: "strict-databricks" };

/** Asserts what every CLI run must satisfy: pi's own exit code, no key, no stack trace. */
export function assertCleanRun(run: CliRun, expectedCode = 0): void {
  const output = run.stdout + run.stderr;
  assert.equal(run.code, expectedCode, output);
  assert.ok(!output.includes(API_KEY), "the API key must never appear in pi's output");
  assert.doesNotMatch(output, /\n\s+at .+:\d+:\d+/, "no stack trace");
}

/** The suite: one fake proxy, the pi CLI spawned per case. */
export function cliSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  const env = () => ({ LITELLM_BASE_URL: `${fake.url}/v1`, LITELLM_API_KEY: API_KEY });
  const answers: ConformanceCase[] = ANSWERS.map((row) => ({
    name: `pi -p answers with ${row.model}; prompt_cache_key ${row.promptCacheKey ? "sent" : "absent"}, store ${
      row.store ? "sent" : "absent"
    }`,
    async run() {
      const before = fake.requests.length;
      const run = await runPi(["--no-session", "--provider", "litellm", "--model", row.model, "-p", "Say hello."], env());
      assertCleanRun(run);
      assert.match(run.stdout, new RegExp(`Hello from ${row.model.replaceAll(".", "\\.")}\\.`));
      const request = fake.requests.slice(before).find((candidate) => candidate.model === row.model);
      const body = request?.body as Record<string, unknown>;
      assert.equal("prompt_cache_key" in body, row.promptCacheKey, `prompt_cache_key for ${row.model}`);
      assert.equal("store" in body, row.store, `store for ${row.model}`);
      assert.ok(request?.headers["x-litellm-session-id"], "pi's session id reaches LiteLLM");
    },
  }));

  return {
    name: "the pi CLI with the extension",
    async before() {
      fake = await startFakeLiteLLM(conformanceScenario([STRICT_MODEL]));
    },
    after: () => fake.close(),
    cases: [
      {
        name: "pi --list-models lists every discovered chat model with its limits, and no wildcard route",
        async run() {
          const run = await runPi(["--list-models", "litellm"], env());
          assertCleanRun(run);
          const table = run.stdout + run.stderr;
          for (const model of conformanceScenario().models) {
            assert.match(table, new RegExp(`litellm\\s+${model.id.replaceAll(".", "\\.")}\\s`));
          }
          assert.match(table, /litellm\s+claude-haiku-4-5\s+200K\s+64K\s+yes\s+yes/);
          assert.match(table, /litellm\s+gpt-5\s+272K\s+128K\s+yes\s+yes/);
          assert.match(table, /litellm\s+my-company-model\s+32\.8K\s+4\.1K\s+no\s+no/);
          assert.doesNotMatch(table, /\*/);
        },
      },
      ...answers,
      {
        name: "pi -p --thinking high reaches Claude's backend as thinking on /v1/messages",
        async run() {
          const before = fake.requests.length;
          const run = await runPi([
            "--no-session",
            "--provider",
            "litellm",
            "--model",
            "claude-haiku-4-5",
            "--thinking",
            "high",
            "-p",
            "Think.",
          ], env());
          assertCleanRun(run);
          const request = fake.requests.slice(before).find((candidate) => candidate.model === "claude-haiku-4-5");
          assert.equal(request?.wireApi, "anthropic-messages");
          assert.equal((request?.body as { thinking?: { type: string } }).thinking?.type, "enabled");
        },
      },
      {
        name: "pi -p learns with one line on stderr (the answer alone on stdout), and the next pi run starts with the rule",
        async run() {
          const cliAgentDir = temporaryDirectory("pi-litellm-cli-learning-");
          const args = ["--no-session", "--provider", "litellm", "--model", "acme-batch", "-p", "Say hello."];
          const cliEnv = { ...env(), PI_CODING_AGENT_DIR: cliAgentDir };
          const before = fake.requests.length;
          const first = await runPi(args, cliEnv, { agentDir: cliAgentDir });
          assertCleanRun(first);
          assert.equal(first.stdout.trim(), "Hello from acme-batch.");
          assert.match(
            first.stderr,
            /^pi-litellm-provider: LiteLLM: acme-batch rejected "store"; it is no longer sent to that model \(\/litellm forget undoes this\)$/m,
          );
          const chat = (from: number) => fake.requests.slice(from).filter((request) => request.model === "acme-batch");
          // The OpenAI client retries a 500 by itself before the error reaches the extension.
          const attempts = chat(before);
          assert.deepEqual(attempts.map((request) => request.status).slice(-2), [500, 200]);
          assert.ok(
            attempts.slice(0, -1).every((request) => request.fixture === "litellm-connection-error" && "store" in (request.body as object)),
          );
          assert.ok(!("store" in (attempts.at(-1)!.body as object)));
          const middle = fake.requests.length;
          const second = await runPi(args, cliEnv, { agentDir: cliAgentDir });
          assertCleanRun(second);
          const requests = chat(middle);
          assert.equal(requests.length, 1);
          assert.ok(!("store" in (requests[0]!.body as object)));
        },
      },
      {
        name: "a warm pi --list-models asks the proxy nothing, on every pi (its own refresh included)",
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-warm-");
          const first = await runPi(["--list-models", "litellm"], env(), { agentDir });
          assertCleanRun(first);
          const before = fake.requests.length;
          const warm = await runPi(["--list-models", "litellm"], env(), { agentDir });
          assertCleanRun(warm);
          assert.match(warm.stdout + warm.stderr, /^litellm\s+gpt-5\s/m);
          assert.deepEqual(fake.requests.slice(before).map((request) => request.path), []);
        },
      },
      {
        name:
          "a warm pi --list-models loads none of the request-time modules nor those that ask the proxy (pi's loader says what it loads); pi -p loads them",
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-modules-");
          assertCleanRun(await runPi(["--list-models", "litellm"], env(), { agentDir }));
          // jiti, pi's loader, names every module it loads under JITI_DEBUG.
          const loaded = (run: CliRun) => new Set((run.stdout + run.stderr).match(/lib\/[\w/-]+\.ts/g));
          const listed = await runPi(["--list-models", "litellm"], { ...env(), JITI_DEBUG: "1" }, { agentDir });
          assert.ok(loaded(listed).has("lib/startup.ts"), "pi's loader names the modules it loads");
          const requestTime = [
            "lib/requests/stream.ts",
            "lib/requests/error-kinds.ts",
            "lib/requests/rejections.ts",
            "lib/requests/resend.ts",
          ];
          assert.deepEqual(requestTime.filter((module) => loaded(listed).has(module)), []);
          // Nor the ones that ask the proxy: a warm list asks it nothing.
          const askingTheProxy = ["lib/catalog/discovery.ts", "lib/proxy-http.ts", "lib/provider/budgets.ts", "lib/provider/diagnosis.ts"];
          assert.deepEqual(askingTheProxy.filter((module) => loaded(listed).has(module)), []);
          const asked = await runPi(["--no-session", "--provider", "litellm", "--model", "gpt-5", "-p", "Say hello."], {
            ...env(),
            JITI_DEBUG: "1",
          }, { agentDir });
          assert.match(asked.stdout, /Hello from gpt-5\./);
          assert.deepEqual(requestTime.filter((module) => !loaded(asked).has(module)), []);
        },
      },
      {
        name: "npm run fake -- --port N serves there and prints the export lines that point a real pi at it",
        async run() {
          const port = await freePort();
          const root = fileURLToPath(new URL("..", import.meta.url));
          const server = spawn("npm", ["run", "--silent", "fake", "--", "--port", String(port)], {
            cwd: root,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
          });
          // Killed with SIGKILL as well when this process ends, should npm not stop on SIGTERM.
          ownGroup(server);
          try {
            let stdout = "";
            await new Promise<void>((resolve, reject) => {
              server.on("exit", (code) => reject(new Error(`npm run fake exited ${code}`)));
              server.stdout.on("data", (chunk) => {
                stdout += chunk;
                if (stdout.split("\n").length > 3) resolve();
              });
            });
            const [url, ...exports] = stdout.trim().split("\n");
            assert.equal(url, `http://127.0.0.1:${port}`);
            assert.deepEqual(exports, [`export LITELLM_BASE_URL=http://127.0.0.1:${port}`, `export LITELLM_API_KEY=${API_KEY}`]);
            const pasted = Object.fromEntries(exports.map((line) => line.replace(/^export /, "").split("=") as [string, string]));
            const run = await runPi(["--list-models", "litellm"], pasted);
            assertCleanRun(run);
            assert.match(run.stdout + run.stderr, /^litellm\s+gpt-5\s/m);
          } finally {
            killGroup(server.pid!, "SIGTERM");
          }
        },
      },
      {
        name: "without configuration, pi still lists its other providers and prints one line saying what to set",
        async run() {
          const run = await runPi(["--list-models"], {
            LITELLM_BASE_URL: "",
            LITELLM_API_KEY: "",
            OPENAI_BASE_URL: "",
            OPENAI_API_KEY: "",
            ANTHROPIC_API_KEY: "sk-ant-test",
          });
          assertCleanRun(run);
          const lines = run.stderr.split("\n").filter((line) => line.startsWith("pi-litellm-provider:"));
          assert.deepEqual(lines, [
            "pi-litellm-provider: LiteLLM provider is off: run /login and pick LiteLLM, or set LITELLM_BASE_URL (and LITELLM_API_KEY) to your proxy, e.g. http://localhost:4000",
          ]);
          assert.match(run.stdout + run.stderr, /anthropic\s+claude/);
        },
      },
    ],
  };
}
