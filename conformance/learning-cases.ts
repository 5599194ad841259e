/**
 * Learning from the error: an id the policy knows nothing about, served by a backend that rejects a
 * field, completes on the first user request through one retry; the next request, and the next
 * session, no longer send the field. One row per error phrasing.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, watch } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SimpleStreamOptions } from "../lib/pi.ts";
import type { FakeLiteLLM, FakeModel } from "./fake-litellm.ts";
import { startFakeLiteLLM } from "./fake-litellm.ts";
import { fixtureById, loadFixtures } from "./fixtures.ts";
import { collect, fieldPaths, type LoadedExtension, loadExtension, plain } from "./harness.ts";
import { assertNoSecrets } from "./leaks.ts";
import { PI_NODE } from "./pi-cli.ts";
import { API_KEY } from "./scenario.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";

/** One phrasing: a model no family matches, the backend that rejects a field, and the request that carries it. */
interface LearningCase {
  model: FakeModel;
  fixture: string;
  field: string;
  options?: SimpleStreamOptions;
  /** Fields another extension adds through `before_provider_request`. */
  adds?: Record<string, unknown>;
}

const REASONS = [{ supports_reasoning: true }];

export const LEARNING_CASES: readonly LearningCase[] = [
  {
    model: { id: "acme-foundry", servedBy: "azure-foundry" },
    fixture: "azure-unrecognized-argument",
    field: "prompt_cache_key",
    options: { cacheRetention: "long" },
  },
  { model: { id: "acme-legacy", servedBy: "azure-legacy" }, fixture: "azure-max-tokens", field: "max_tokens", adds: { max_tokens: 1024 } },
  {
    model: { id: "acme-vertex", servedBy: "vertex-legacy", deployments: REASONS },
    fixture: "litellm-vertex-reasoning-effort",
    field: "reasoning_effort",
    options: { reasoning: "high" },
  },
  {
    model: { id: "acme-flash", servedBy: "databricks-gemini", deployments: REASONS },
    fixture: "databricks-gemini-reasoning-effort",
    field: "reasoning_effort",
    options: { reasoning: "high" },
  },
  {
    model: { id: "acme-writer", servedBy: "databricks-claude" },
    fixture: "databricks-prompt-cache-key",
    field: "prompt_cache_key",
    options: { cacheRetention: "long" },
  },
  {
    model: { id: "acme-poet", servedBy: "databricks-claude" },
    fixture: "databricks-claude-temperature",
    field: "temperature",
    options: { temperature: 0.7 },
  },
  {
    model: { id: "acme-batch", servedBy: "strict-databricks" },
    fixture: "litellm-connection-error",
    field: "store",
    options: { maxRetries: 0 },
  },
  {
    model: { id: "acme-sampler", servedBy: "gpt-4" },
    fixture: "azure-prompt-cache-retention",
    field: "prompt_cache_retention",
    options: { cacheRetention: "long" },
  },
];

/** A model whose backend fails mid-stream with an error naming a field: too late to retry. */
const MIDSTREAM: FakeModel = {
  id: "acme-midstream",
  servedBy: "lenient",
  reply: { text: "Half an answer", chunks: 4 },
  // Responses frames: created, item added, part added, then deltas; fail after two deltas.
  fault: { kind: "error-frame", afterChunks: 5, fixture: "databricks-prompt-cache-key" },
};

/** A model first seen while another pi process holds the rules' lock. */
const WHILE_LOCKED: LearningCase = {
  model: { id: "acme-locked", servedBy: "azure-foundry" },
  fixture: "azure-unrecognized-argument",
  field: "prompt_cache_key",
  options: { cacheRetention: "long" },
};

/**
 * Another process holding a state file's lock as a pi process does while it writes, through the
 * same module: it says `held` from inside its update and lets go when a line arrives on stdin.
 */
function lockHolder(file: string) {
  const module = fileURLToPath(new URL("../lib/state-file.ts", import.meta.url));
  const holder = `const { readSync } = await import("node:fs");
    const { updateStateFile } = await import(${JSON.stringify(module)});
    updateStateFile(process.argv.at(-1), () => {
      process.stdout.write("held\\n");
      // stdin is a pipe Node may have made non-blocking: wait out EAGAIN until the line comes.
      for (;;) {
        try {
          if (readSync(0, Buffer.alloc(1)) > 0) break;
        } catch (error) {
          if (error.code !== "EAGAIN") throw error;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        }
      }
      return { ok: false, problem: "only holding the lock" };
    });`;
  const child = spawn(PI_NODE, ["--import", "tsx", "--input-type=module", "--eval", holder, file], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const held = new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    void exited.then((code) => reject(new Error(`the lock holder exited (${code}) before taking the lock`)));
  });
  return { held, exited, running: () => child.exitCode === null, letGo: () => child.stdin.end("\n") };
}

/** Resolves once `file` satisfies `holds`; rejects after `failAfterMs`, which only a regression reaches. */
function until(file: string, holds: (text: string) => boolean, failAfterMs: number): Promise<void> {
  const check = () => {
    try {
      return holds(readFileSync(file, "utf8"));
    } catch {
      return false;
    }
  };
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const watcher = watch(join(file, ".."), () => check() && done(resolve));
    const timer = setTimeout(() => done(() => reject(new Error(`${file} never held what was awaited`))), failAfterMs);
    function done(settle: () => void) {
      watcher.close();
      clearTimeout(timer);
      settle();
    }
  });
}

/** The fixtures this suite replays. */
export const LEARNING_FIXTURES: readonly string[] = [...LEARNING_CASES.map((row) => row.fixture), "databricks-prompt-cache-key"];

/** The suite: a fake serving every row's model, extensions sharing one agent directory. */
export function learningSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  let agentDir: string;
  let extension: LoadedExtension;
  const notices: string[] = [];
  const env = () => ({
    LITELLM_BASE_URL: fake.url,
    LITELLM_API_KEY: API_KEY,
    PI_CODING_AGENT_DIR: agentDir,
    LITELLM_WIRE_API: "acme-midstream=openai-responses",
  });
  const options = (row: LearningCase): SimpleStreamOptions => ({
    sessionId: "learning-session",
    ...row.options,
    ...(row.adds ? { onPayload: (payload: unknown) => ({ ...(payload as object), ...row.adds }) } : {}),
  });
  async function send(target: LoadedExtension, row: LearningCase) {
    const before = fake.requests.length;
    const outcome = await collect(target.stream(row.model.id, options(row)));
    return { outcome, requests: fake.requests.slice(before).filter((request) => request.model === row.model.id) };
  }

  const cases: ConformanceCase[] = LEARNING_CASES.flatMap((row): ConformanceCase[] => [
    {
      name: `${row.model.id} (${row.fixture}): the first request completes by dropping ${row.field} and retrying once`,
      async run() {
        const { outcome, requests } = await send(extension, row);
        assert.equal(outcome.message.stopReason, "stop", outcome.message.errorMessage);
        assert.equal(outcome.text, `Hello from ${row.model.id}.`);
        assert.deepEqual(requests.map((request) => [request.status, request.fixture]), [[
          fixtureById(loadFixtures(), row.fixture).status,
          row.fixture,
        ], [200, undefined]]);
        assert.ok(fieldPaths(requests[0]!.body).includes(row.field));
        assert.ok(!fieldPaths(requests[1]!.body).includes(row.field));
      },
    },
    {
      name: `${row.model.id}: the next request no longer sends ${row.field}`,
      async run() {
        const { outcome, requests } = await send(extension, row);
        assert.equal(outcome.message.stopReason, "stop");
        assert.equal(requests.length, 1);
        assert.ok(!fieldPaths(requests[0]!.body).includes(row.field));
      },
    },
    {
      name: `${row.model.id}: a new session remembers the rule`,
      async run() {
        const { requests } = await send(await loadExtension(env()), row);
        assert.equal(requests.length, 1);
        assert.equal(requests[0]!.status, 200);
      },
    },
  ]);

  return {
    name: "learning rejected fields from the error",
    async before() {
      agentDir = temporaryDirectory("pi-litellm-learning-");
      fake = await startFakeLiteLLM({
        apiKey: API_KEY,
        models: [...LEARNING_CASES.map((row) => row.model), MIDSTREAM, WHILE_LOCKED.model],
      });
      extension = await loadExtension(env());
      for (const handler of extension.handlers.get("session_start") ?? []) {
        handler({ reason: "startup" }, {
          hasUI: true,
          ui: { notify: (message: string) => notices.push(message) },
          sessionManager: { getBranch: () => [] },
        });
      }
    },
    after: () => fake.close(),
    cases: [
      ...cases,
      {
        name: "the TUI shows one notice per learned rule, naming the model and the field, never the key",
        async run() {
          assert.equal(notices.length, LEARNING_CASES.length);
          assertNoSecrets(env(), Object.fromEntries(notices.map((notice, index) => [`notice ${index}`, notice])));
          assert.match(
            notices[0]!,
            /acme-foundry rejected "prompt_cache_key"; it is no longer sent to that model \(\/litellm forget undoes this\)/,
          );
        },
      },
      {
        name:
          "while another pi process holds the rules' lock, the turn is answered through its retry and the rule is written once the lock is let go",
        async run() {
          const file = join(agentDir, "litellm", "learned-rules.json");
          const learned = (text: string) => text.includes(`"${WHILE_LOCKED.model.id}"`);
          const holder = lockHolder(file);
          await holder.held;
          // pi's thread is free meanwhile: the fake LiteLLM, on this thread too, answers the retry.
          const { outcome, requests } = await send(extension, WHILE_LOCKED);
          assert.equal(outcome.message.stopReason, "stop", outcome.message.errorMessage);
          assert.deepEqual(requests.map((request) => request.status), [400, 200]);
          assert.ok(holder.running(), "the other process still holds the lock");
          assert.ok(!learned(readFileSync(file, "utf8")), "not written while the lock is held");
          holder.letGo();
          assert.equal(await holder.exited, 0);
          // Written within the lock's next tries (50 ms apart), long before its 10 s give-up.
          await until(file, learned, 5_000);
        },
      },
      {
        name: "an error naming a field after content has streamed is not retried",
        async run() {
          const before = fake.requests.length;
          const outcome = await collect(extension.stream(MIDSTREAM.id, { sessionId: "s" }));
          assert.equal(outcome.message.stopReason, "error");
          assert.ok(outcome.text.length > 0);
          assert.equal(fake.requests.slice(before).filter((request) => request.model === MIDSTREAM.id).length, 1);
        },
      },
      {
        name: "a rejected key is never learned from: one request, one line naming the key's variable",
        async run() {
          const before = fake.requests.length;
          fake.acceptKeys("sk-issued-instead");
          const outcome = await collect(extension.stream("acme-batch")).finally(() => fake.acceptKeys(API_KEY));
          assert.match(plain(outcome.message.errorMessage), /rejected the key; check LITELLM_API_KEY$/);
          assert.equal(fake.requests.slice(before).length, 1);
        },
      },
    ],
  };
}
