/**
 * LiteLLM's answers at request time, through the real pi CLI: each error kind reaches the user as
 * one line, is sent exactly as often as its kind allows (counted at the fake), and the catalog
 * follows the proxy. Figures come from the recorded fixtures.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isContextOverflow } from "@mariozechner/pi-ai";
import { assertCleanRun } from "./cli-cases.ts";
import { type FakeLiteLLM, type FakeModel, type RecordedRequest, startFakeLiteLLM } from "./fake-litellm.ts";
import { collect, loadExtension, plain } from "./harness.ts";
import { piVersion, runPi } from "./pi-cli.ts";
import { assertCompactedAndRetried, COMPACT_SHORT_CONVERSATIONS, inTui, overflowThenAnswer, tui } from "./pi-tui.ts";
import { API_KEY } from "./scenario.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";

/** The models of the suite's proxy, one per kind, each failing as its fixture says. */
const MODELS: readonly FakeModel[] = [
  { id: "budget-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-budget-exceeded" } },
  { id: "budget-429-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-budget-exceeded-429" } },
  { id: "throttled-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-throttled", times: 1 } },
  { id: "cooldown-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-cooldown", times: 1 } },
  { id: "expired-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-expired-key" } },
  { id: "denied-model", servedBy: "lenient", denied: true },
  { id: "overflow-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-context-window", times: 1 } },
  { id: "busy-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-backend-rate-limit" } },
  { id: "busy-once-model", servedBy: "lenient", fault: { kind: "fixture", fixture: "litellm-backend-rate-limit", times: 1 } },
  { id: "healthy-model", servedBy: "lenient" },
  {
    id: "priced-model",
    servedBy: "lenient",
    responseCost: 0.0042,
    deployments: [{ input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5 }],
  },
  // No prices anywhere: only LiteLLM's usage.cost can give the turn a cost.
  { id: "gpt-5-unpriced", servedBy: "lenient", responseCost: 0.0421 },
];

/** The fixtures this suite replays, for the check that every fixture is used. */
export const REQUEST_TIME_FIXTURES: readonly string[] = [
  "litellm-budget-exceeded",
  "litellm-budget-exceeded-429",
  "litellm-throttled",
  "litellm-cooldown",
  "litellm-expired-key",
  "litellm-context-window",
  "litellm-backend-rate-limit",
];

/**
 * Whether the pi under test prints the answer it gets after compacting in print mode: 0.87 and 1.x
 * do; 0.73 compacts and is answered, but prints nothing.
 */
const printsAnswerAfterCompaction = () => !/^0\.(?:[0-7]?\d|8[0-6])\./.test(piVersion());

/**
 * Without something beyond `keepRecentTokens` to summarise (two short turns), pi 0.87 and 1.x do
 * not compact at all, in print mode or the TUI; 0.73 compacts anyway.
 */
const compactsShortConversations = () => !printsAnswerAfterCompaction();

/** pi's compaction asks the model for a summary of the conversation so far. */
const isSummaryRequest = (request: RecordedRequest) => /summar/i.test(JSON.stringify(request.body));

/** The suite: one fake whose models fail by kind, pi spawned per case. */
export function requestTimeSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  let work: string;
  const env = (url = fake.url) => ({ LITELLM_BASE_URL: url, LITELLM_API_KEY: API_KEY });
  const ask = async (model: string, extraArgs: string[] = [], agentDir = join(work, `agent-${model}-${Date.now()}`)) => {
    const before = fake.requests.length;
    const started = Date.now();
    const run = await runPi(["--no-session", "--model", `litellm/${model}`, ...extraArgs, "-p", "Say hello."], env(), {
      cwd: work,
      agentDir,
    });
    const requests = fake.requests.slice(before).filter((request) => request.model === model);
    return { run, requests, seconds: (Date.now() - started) / 1000 };
  };
  // Lines pi must not retry carry an invisible word joiner in status-like numbers (a port like 42973).
  const lineOf = (output: string) => plain(output).split("\n").filter((line) => line.includes("LiteLLM"));

  const once: ConformanceCase[] = [
    {
      model: "budget-model",
      line: /^LiteLLM refused budget-model: the key is out of budget \(spent \$12\.50 of \$10\.00\); ask the proxy's admin/,
    },
    // A proxy before 1.106 answers the budget with a 429, which pi-ai and pi would otherwise resend nine times.
    { model: "budget-429-model", line: /^LiteLLM refused budget-429-model: the key is out of budget \(spent \$12\.50 of \$10\.00\)/ },
    {
      model: "expired-model",
      line: /^LiteLLM refused expired-model: the key expired on 2026-01-01 00:00:00; ask for a new one and set it in LITELLM_API_KEY/,
    },
    {
      model: "denied-model",
      line: /^LiteLLM: this key may not use denied-model; it may use us\.anthropic\.claude-haiku-4-5-20251001-v1:0/,
    },
  ].map(({ model, line }) => ({
    name: `${model}: sent once, neither pi-ai's client nor pi's turn retry repeats it, one line, exit 1 at once`,
    async run() {
      const { run, requests, seconds } = await ask(model);
      assertCleanRun(run, 1);
      assert.equal(requests.length, 1, `requests: ${requests.map((request) => request.status)}`);
      const lines = lineOf(run.stdout + run.stderr);
      assert.equal(lines.length, 1, run.stdout + run.stderr);
      assert.match(lines[0]!.replace(/^Error: /, ""), line);
      assert.ok(seconds < 5, `took ${seconds} s`);
    },
  }));

  return {
    name: "request time through the pi CLI",
    async before() {
      fake = await startFakeLiteLLM({ apiKey: API_KEY, models: [...MODELS] });
      work = temporaryDirectory("pi-litellm-request-time-");
    },
    async after() {
      await fake.close();
      rmSync(work, { recursive: true, force: true });
    },
    cases: [
      ...once,
      ...([["priced-model", "openai-completions", 0.0042], ["gpt-5-unpriced", "openai-responses", 0.0421]] as const).map((
        [model, wireApi, cost],
      ): ConformanceCase => ({
        name: `cost over ${wireApi}: pi's turn costs what LiteLLM's usage.cost in the stream's last event says, on every pi${
          model === "priced-model" ? ", split in proportion to the metadata prices" : ", for a model without prices"
        }`,
        async run() {
          const run = await runPi(["--no-session", "--model", `litellm/${model}`, "--mode", "json", "Say hello."], {
            ...env(),
            LITELLM_WIRE_API: `${model}=${wireApi}`,
          }, {
            cwd: work,
            agentDir: join(work, `agent-cost-${model}`),
          });
          assertCleanRun(run);
          const ends = run.stdout.split("\n").filter(Boolean).map((line) =>
            JSON.parse(line) as {
              type: string;
              message?: { role: string; usage: { input: number; output: number; cost: Record<string, number> } };
            }
          );
          const answer = ends.filter((event) => event.type === "message_end" && event.message?.role === "assistant").at(-1)!.message!;
          assert.equal(answer.usage.cost.total, cost);
          if (model !== "priced-model") return;
          const { input, output } = answer.usage;
          const expectedInput = cost * (input * 3) / (input * 3 + output * 15);
          assert.ok(Math.abs(answer.usage.cost.input! - expectedInput) < 1e-12, `input ${answer.usage.cost.input} vs ${expectedInput}`);
        },
      })),
      {
        name:
          "spend: one notice per session at the highest share of the key's budget crossed (95 %), and /litellm shows spend, budget, reset and expiry from /key/info",
        async run() {
          const spender = await startFakeLiteLLM({
            apiKey: API_KEY,
            models: [{ id: "healthy-model", servedBy: "lenient" }],
            key: {
              spend: 9.5,
              maxBudget: 10,
              resetsAt: "2026-12-31T00:00:00Z",
              expires: "2027-01-31T00:00:00Z",
              models: ["healthy-model"],
            },
          });
          try {
            const extension = await loadExtension(env(spender.url));
            const notices: string[] = [];
            const ctx = { hasUI: true, ui: { notify: (message: string) => notices.push(message) } };
            for (const handler of extension.handlers.get("session_start") ?? []) await handler({}, ctx);
            await collect(extension.stream("healthy-model"));
            await collect(extension.stream("healthy-model"));
            assert.deepEqual(notices, [
              "LiteLLM: this key has spent $9.50 of its $10.00 budget (95 %, from x-litellm-key-spend); /litellm spend shows the session's turns",
            ]);
            await extension.commands.get("litellm")!.handler("", ctx);
            assert.match(
              notices.at(-1)!,
              /key: spent \$9\.50 of \$10\.00; budget resets 2026-12-31 00:00; key expires 2027-01-31 00:00; models: healthy-model/,
            );
          } finally {
            await spender.close();
          }
        },
      },
      {
        name:
          "/litellm spend: the session's turns at LiteLLM's cost, the footer, the key's and its team's budgets where the proxy answers, and what it cannot know",
        async run() {
          const spender = await startFakeLiteLLM({
            apiKey: API_KEY,
            models: [{ id: "healthy-model", servedBy: "lenient", responseCost: 0.0125 }],
            key: { spend: 12.1, maxBudget: 50, resetsAt: "2026-12-07T00:00:00Z", team: { id: "platform", spend: 40, maxBudget: 100 } },
          });
          try {
            const extension = await loadExtension(env(spender.url));
            const notices: string[] = [];
            const footer: (string | undefined)[] = [];
            const ctx = {
              hasUI: true,
              ui: {
                notify: (message: string) => notices.push(message),
                setStatus: (_key: string, text: string | undefined) => footer.push(text),
              },
            };
            for (const handler of extension.handlers.get("session_start") ?? []) await handler({}, ctx);
            await collect(extension.stream("healthy-model"));
            await collect(extension.stream("healthy-model"));
            await extension.commands.get("litellm")!.handler("spend", ctx);
            // The reset comes from /key/info, read once at the session's start (and by /litellm spend).
            assert.equal(footer.at(-1), "litellm $0.0250 · key $12.10 of $50.00, resets Dec 7");
            const report = notices.at(-1)!.split("\n");
            assert.equal(report[0], "litellm: this session, 2 turns in this run, $0.0250 as LiteLLM counted it");
            assert.equal(
              report.filter((line) => /^ {2}healthy-model: \d+ in, \d+ out, 0 cache read, 0 cache write: \$0\.0125 \(LiteLLM\)$/.test(line))
                .length,
              2,
            );
            assert.ok(report.includes("  team platform (/team/info): spent $40.00 of $100.00"), report.join("\n"));
            assert.ok(report.some((line) => line.startsWith("  user budget: /user/info unavailable")), report.join("\n"));
          } finally {
            await spender.close();
          }
          const silent = await loadExtension(env());
          const footer: (string | undefined)[] = [];
          const ctx = { hasUI: true, ui: { notify() {}, setStatus: (_key: string, text: string | undefined) => footer.push(text) } };
          for (const handler of silent.handlers.get("session_start") ?? []) await handler({}, ctx);
          assert.deepEqual(footer.filter(Boolean), [], "a proxy that reports no figures shows nothing");
        },
      },
      {
        name: "spend in print mode: the budget notice is one line on stderr, once per run, the answer alone on stdout",
        async run() {
          const spender = await startFakeLiteLLM({
            apiKey: API_KEY,
            models: [{ id: "healthy-model", servedBy: "lenient" }],
            key: { spend: 9.5, maxBudget: 10 },
          });
          try {
            const run = await runPi(["--no-session", "--model", "litellm/healthy-model", "-p", "Say hello."], env(spender.url), {
              cwd: work,
              agentDir: join(work, "agent-spend-print"),
            });
            assertCleanRun(run);
            assert.equal(run.stdout.trim(), "Hello from healthy-model.");
            const notices = run.stderr.split("\n").filter((line) => line.includes("budget"));
            assert.deepEqual(notices, [
              "pi-litellm-provider: LiteLLM: this key has spent $9.50 of its $10.00 budget (95 %, from x-litellm-key-spend); /litellm spend shows the session's turns",
            ]);
          } finally {
            await spender.close();
          }
        },
      },
      {
        name: "throttled by the proxy: sent again once LiteLLM's limit resets, and answered",
        async run() {
          const { run, requests } = await ask("throttled-model");
          assertCleanRun(run);
          assert.equal(run.stdout.trim(), "Hello from throttled-model.");
          assert.deepEqual(requests.map((request) => request.status), [429, 200]);
        },
      },
      {
        name: "router cooldown: waits the seconds LiteLLM names, then asks again and is answered",
        async run() {
          const { run, requests } = await ask("cooldown-model");
          assertCleanRun(run);
          assert.equal(run.stdout.trim(), "Hello from cooldown-model.");
          assert.deepEqual(requests.map((request) => request.status), [429, 200]);
          assert.ok(
            requests[1]!.at - requests[0]!.at >= 900,
            `asked again after ${requests[1]!.at - requests[0]!.at} ms, LiteLLM said 1 s`,
          );
        },
      },
      {
        name:
          "a backend's own persistent 429 (LiteLLM already retried it): sent once more after a short wait, then one line pi does not resend, with pi's turn retry on",
        async run() {
          const agentDir = join(work, "agent-busy");
          mkdirSync(agentDir, { recursive: true });
          writeFileSync(join(agentDir, "settings.json"), JSON.stringify({ retry: { enabled: true, maxRetries: 2, baseDelayMs: 10 } }));
          const { run, requests } = await ask("busy-model", [], agentDir);
          assertCleanRun(run, 1);
          assert.equal(
            requests.length,
            2,
            `the request and one more; pi's turn retry would add two, pi-ai's client six: ${requests.map((request) => request.status)}`,
          );
          const lines = lineOf(run.stdout + run.stderr);
          assert.equal(lines.length, 1, run.stdout + run.stderr);
          assert.match(
            lines[0]!.replace(/^Error: /, ""),
            /^LiteLLM: busy-model's backend \(Anthropic\) refused it, its quota exceeded for now, also when sent again after LiteLLM's own retries: "Number of request tokens has exceeded your per-minute rate limit"; try again in a minute/,
          );
        },
      },
      {
        name: "a backend's 429 that clears: the one more try is answered",
        async run() {
          const { run, requests } = await ask("busy-once-model");
          assertCleanRun(run);
          assert.equal(run.stdout.trim(), "Hello from busy-once-model.");
          assert.deepEqual(requests.map((request) => request.status), [429, 200]);
        },
      },
      {
        name: "context overflow, as LiteLLM wraps it: the error reaches pi as one pi-ai itself reads as an overflow",
        async run() {
          const fresh = await startFakeLiteLLM({ apiKey: API_KEY, models: [...MODELS] });
          try {
            const outcome = await collect((await loadExtension(env(fresh.url))).stream("overflow-model"));
            assert.equal(outcome.message.stopReason, "error");
            assert.ok(isContextOverflow(outcome.message), `pi-ai does not read an overflow in: ${outcome.message.errorMessage}`);
          } finally {
            await fresh.close();
          }
        },
      },
      ...[true, false].map((compactable): ConformanceCase => ({
        name: compactable
          ? "context overflow in print mode, with history to compact (as a real overflow has): pi compacts and is answered; 0.87 and 1.x print the answer, 0.73 prints nothing; one line says what to do"
          : "context overflow in print mode, two short turns: pi does not resend the failed turn as is; only 0.73 compacts",
        async run() {
          const session = join(work, `overflow-session-${compactable}.jsonl`);
          const agentDir = join(work, `agent-overflow-${compactable}`);
          mkdirSync(agentDir, { recursive: true });
          if (compactable) writeFileSync(join(agentDir, "settings.json"), JSON.stringify(COMPACT_SHORT_CONVERSATIONS));
          const args = ["--session", session, "--model", "litellm/overflow-model"];
          const first = await runPi([...args, "-p", "Remember the word lantern."], env(), { cwd: work, agentDir });
          assertCleanRun(first);
          // The fixture fails only the first request of a proxy: a fresh one makes the second turn overflow.
          const fresh = await startFakeLiteLLM({ apiKey: API_KEY, models: [...MODELS] });
          try {
            const second = await runPi([...args, "-p", "Which word?"], env(fresh.url), { cwd: work, agentDir });
            assertCleanRun(second);
            const requests = fresh.requests.filter((request) => request.model === "overflow-model");
            assert.equal(requests[0]?.fixture, "litellm-context-window");
            assert.equal(
              requests.filter((request) => request.fixture === "litellm-context-window").length,
              1,
              "the overflowed turn is not resent as it was",
            );
            assert.deepEqual(plain(second.stderr).split("\n").filter((line) => line.includes("LiteLLM")), [
              "pi-litellm-provider: LiteLLM: the conversation is longer than overflow-model's context window; pi compacts it and sends the turn again. If no answer follows, open the session in pi's TUI (pi -c, or --session) to see it or go on",
            ]);
            const compacted = requests.some(isSummaryRequest);
            assert.equal(compacted, compactable || compactsShortConversations(), `pi ${piVersion()} compacted: ${compacted}`);
            if (compacted) assert.equal(requests.at(-1)?.status, 200, "compacted, sent again and answered");
            assert.equal(
              second.stdout.includes("Hello from overflow-model."),
              compacted && printsAnswerAfterCompaction(),
              `stdout ${JSON.stringify(second.stdout)}`,
            );
          } finally {
            await fresh.close();
          }
        },
      })),
      {
        name: "context overflow in pi's TUI: pi compacts, sends the turn again and shows the answer",
        async run() {
          const session = join(work, "overflow-tui.jsonl");
          const agentDir = join(work, "agent-overflow-tui");
          mkdirSync(agentDir, { recursive: true });
          writeFileSync(join(agentDir, "settings.json"), JSON.stringify(COMPACT_SHORT_CONVERSATIONS));
          assertCleanRun(
            await runPi(["--session", session, "--model", "litellm/healthy-model", "-p", "Remember the word lantern."], env(), {
              cwd: work,
              agentDir,
            }),
          );
          // A fresh proxy: its first overflow-model request overflows, the ones after it answer.
          const fresh = await startFakeLiteLLM({ apiKey: API_KEY, models: [...MODELS] });
          const terminal = tui(agentDir, work, ["--session", session, "--model", "litellm/overflow-model"], env(fresh.url));
          try {
            await inTui(terminal, () => overflowThenAnswer(terminal, "Which word?", "Hello from overflow-model."));
            assert.ok(
              !terminal.text.includes("If no answer follows"),
              "the print-mode line stays out of the TUI, which shows pi's compaction",
            );
            assertCompactedAndRetried(
              fresh.requests.filter((request) => request.model === "overflow-model").map((request) =>
                [request.status, isSummaryRequest(request)] as const
              ),
            );
          } finally {
            await fresh.close();
          }
        },
      },
      {
        name:
          "control, without the extension: the same overflow through a provider of pi's own (models.json, openai-completions), history to compact: compacted on every pi, the answer printed exactly where ours is",
        async run() {
          const session = join(work, "overflow-own-provider.jsonl");
          const agentDir = join(work, "agent-overflow-own-provider");
          const ownProvider = (url: string) => {
            mkdirSync(agentDir, { recursive: true });
            const provider = {
              baseUrl: `${url}/v1`,
              api: "openai-completions",
              apiKey: API_KEY,
              models: [{ id: "overflow-model", contextWindow: 128_000, maxTokens: 4_096 }],
            };
            writeFileSync(join(agentDir, "models.json"), JSON.stringify({ providers: { plain: provider } }));
            writeFileSync(join(agentDir, "settings.json"), JSON.stringify(COMPACT_SHORT_CONVERSATIONS));
          };
          const args = ["--session", session, "--model", "plain/overflow-model"];
          ownProvider(fake.url);
          assertCleanRun(await runPi([...args, "-p", "Remember the word lantern."], {}, { cwd: work, agentDir, extension: null }));
          const fresh = await startFakeLiteLLM({ apiKey: API_KEY, models: [...MODELS] });
          try {
            ownProvider(fresh.url);
            const second = await runPi([...args, "-p", "Which word?"], {}, { cwd: work, agentDir, extension: null });
            const requests = fresh.requests.filter((request) => request.model === "overflow-model");
            assert.equal(requests[0]?.fixture, "litellm-context-window");
            const compacted = requests.some(isSummaryRequest);
            assert.ok(compacted, `pi ${piVersion()} compacted: ${compacted}`);
            assert.equal(
              second.stdout.includes("Hello from overflow-model."),
              printsAnswerAfterCompaction(),
              `pi ${piVersion()}: exit ${second.code}, stdout ${JSON.stringify(second.stdout)}`,
            );
          } finally {
            await fresh.close();
          }
        },
      },
      {
        name: "the proxy gone after startup (warm cache): one line naming the URL, not retried, no 20 s wait",
        async run() {
          const gone = await startFakeLiteLLM({ apiKey: API_KEY, models: [...MODELS] });
          const agentDir = join(work, "agent-gone");
          const url = gone.url;
          await runPi(["--list-models", "litellm"], env(url), { cwd: work, agentDir });
          await gone.close();
          const started = Date.now();
          const run = await runPi(["--no-session", "--model", "litellm/healthy-model", "-p", "Say hello."], env(url), {
            cwd: work,
            agentDir,
          });
          assertCleanRun(run, 1);
          const lines = lineOf(run.stdout + run.stderr).filter((line) => line.includes("cannot be reached"));
          assert.equal(lines.length, 1, run.stdout + run.stderr);
          assert.ok(
            lines[0]!.includes(
              `LiteLLM at ${url} cannot be reached: nothing listens there; check that the proxy runs and that LITELLM_BASE_URL points at it`,
            ),
            lines[0],
          );
          assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
        },
      },
      {
        name: "a model removed from the proxy (warm cache): the request's line says so, and the cache no longer lists it",
        async run() {
          const before = await startFakeLiteLLM({ apiKey: API_KEY, models: [...MODELS] });
          const agentDir = join(work, "agent-removed");
          await runPi(["--list-models", "litellm"], env(before.url), { cwd: work, agentDir });
          const port = new URL(before.url).port;
          await before.close();
          const after = await startFakeLiteLLM(
            { apiKey: API_KEY, models: MODELS.filter((model) => model.id !== "healthy-model") },
            Number(port),
          );
          try {
            const run = await runPi(["--no-session", "--model", "litellm/healthy-model", "-p", "Say hello."], env(after.url), {
              cwd: work,
              agentDir,
            });
            assertCleanRun(run, 1);
            assert.ok(lineOf(run.stdout + run.stderr).some((line) => /no longer serves healthy-model/.test(line)), run.stdout + run.stderr);
            const cache = readdirSync(join(agentDir, "litellm")).find((file) => file.startsWith("catalog-"))!;
            // The cache's catalog entries: its third line, below the header and the summary.
            const entries = readFileSync(join(agentDir, "litellm", cache), "utf8").split("\n")[2]!;
            const ids = (JSON.parse(entries) as { id: string }[]).map((model) => model.id);
            assert.ok(!ids.includes("healthy-model"), `the cache still lists it: ${ids.join(", ")}`);
          } finally {
            await after.close();
          }
        },
      },
    ],
  };
}
