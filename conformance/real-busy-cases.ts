/**
 * Busy and broken backends, and the turn's cost, through the real LiteLLM with its default retries
 * (a backend's 429 or 500 is tried three times before the proxy answers): a persistent one costs at
 * most two proxy requests and under 30 s before its one line, on every route; one that clears is
 * answered; the cost pi records is the `usage.cost` LiteLLM put on the wire. A tap in front of the
 * proxy counts the requests and keeps the bytes. The figures go to the README.
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readProxyError } from "../lib/requests/error-text.ts";
import { recordFigures } from "./figures.ts";
import { FIXTURES_DIR } from "./fixtures.ts";
import { plain } from "./harness.ts";
import { inTui, tui } from "./pi-tui.ts";
import { KEYS } from "./terminal.ts";
import { temporaryDirectory } from "./temporary.ts";
import { piVersion, runPi } from "./pi-cli.ts";
import { LITELLM_VERSION, MASTER_KEY, type RealLiteLLM, startRealLiteLLM } from "./real-litellm.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";
import { startUpstreams, type Upstreams } from "./upstreams.ts";
import { INFERENCE_PATH, startWireTap, streamedCost, type WireTap } from "./wire-tap.ts";

/** What a persistent failure may cost before its line, as the issue that asked for it says. */
const MOST_REQUESTS = 2;
const MOST_SECONDS = 30;

/** One persistent failure: the model, the route pi takes, what the backend answers and says. */
const PERSISTENT: readonly { model: string; wireApi: string; status: number; says: RegExp }[] = [
  { model: "gpt-5-busy", wireApi: "openai-completions", status: 429, says: /Rate limit reached for the deployment/ },
  { model: "gpt-5-busy", wireApi: "openai-responses", status: 429, says: /Rate limit reached for the deployment/ },
  {
    model: "claude-busy",
    wireApi: "anthropic-messages",
    status: 429,
    says: /Number of request tokens has exceeded your per-minute rate limit/,
  },
  { model: "acme-busy", wireApi: "openai-completions", status: 500, says: /Internal server error: CUDA out of memory/ },
];

/** The URLs in a line as pi printed it, byte for byte: what a user's copy holds. */
const urlsIn = (line: string) => [...line.matchAll(/https?:\/\/[^\s"'<>`;,)]+/g)].map((match) => match[0].replace(/[.]$/, ""));

/** The suite, on the pi under test (`PI_CLI`). */
export function busySuite(): ConformanceSuite {
  let upstreams: Upstreams;
  let proxy: RealLiteLLM;
  let tap: WireTap;
  const figures: Record<string, unknown>[] = [];
  const record = process.argv.includes("--record");
  const fixturesDir = join(FIXTURES_DIR, `real-litellm-${LITELLM_VERSION}`);

  const ask = async (model: string, wireApi: string, args: string[] = ["-p", "Say hello."]) => {
    const before = tap.requests.length;
    const started = Date.now();
    const run = await runPi(["--no-session", "--model", `litellm/${model}`, ...args], {
      LITELLM_BASE_URL: tap.url,
      LITELLM_API_KEY: MASTER_KEY,
      LITELLM_WIRE_API: `${model}=${wireApi}`,
    }, {
      timeoutMs: 120_000,
    });
    const requests = tap.requests.slice(before).filter((request) => INFERENCE_PATH.test(request.path));
    return { run, requests, seconds: (Date.now() - started) / 1000 };
  };

  const persistent: ConformanceCase[] = PERSISTENT.map((row) => ({
    name:
      `a persistent backend ${row.status} over ${row.wireApi} (${row.model}): at most ${MOST_REQUESTS} proxy requests and under ${MOST_SECONDS} s, then one line with the backend's words, no JSON; its URLs copy and answer`,
    async run() {
      const { run, requests, seconds } = await ask(row.model, row.wireApi);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.ok(requests.length <= MOST_REQUESTS, `${requests.length} proxy requests`);
      assert.ok(seconds < MOST_SECONDS, `${seconds} s`);
      const lines = (run.stdout + run.stderr).split("\n").filter((line) => line.includes("LiteLLM"));
      assert.equal(lines.length, 1, run.stdout + run.stderr);
      const line = plain(lines[0]!);
      assert.match(line, new RegExp(`${row.model}'s backend`));
      assert.match(line, row.says);
      assert.doesNotMatch(line, /\{"|\\"|litellm\.\w+Error|Exception -|model group/);
      for (const url of urlsIn(lines[0]!)) {
        await fetch(url).then((answer) => answer.body?.cancel(), (error) => assert.fail(`${url} does not answer: ${error}`));
      }
      figures.push({
        case: "persistent",
        model: row.model,
        wireApi: row.wireApi,
        status: row.status,
        requests: requests.length,
        seconds: Math.round(seconds * 10) / 10,
      });
      // LiteLLM's own answer, recorded and held to: its status, and the backend's words inside it.
      const answer = requests[0]!;
      const file = join(fixturesDir, `busy-${row.model}-${row.wireApi}.json`);
      if (record) {
        mkdirSync(fixturesDir, { recursive: true });
        writeFileSync(
          file,
          `${
            JSON.stringify(
              {
                id: `busy-${row.model}-${row.wireApi}`,
                litellm: LITELLM_VERSION,
                verbatim: true,
                request: `POST ${answer.path}`,
                status: answer.status,
                body: answer.body,
              },
              null,
              2,
            )
          }\n`,
        );
      } else if (existsSync(file)) {
        const recorded = JSON.parse(readFileSync(file, "utf8")) as { status: number; body: string };
        assert.equal(answer.status, recorded.status);
        assert.equal(
          readProxyError(`${answer.status} ${answer.body}`).message,
          readProxyError(`${recorded.status} ${recorded.body}`).message,
        );
      }
      assert.match(readProxyError(`${answer.status} ${answer.body}`).message, row.says);
    },
  }));

  return {
    name: `the real LiteLLM ${LITELLM_VERSION}: busy backends, the turn's cost and spend`,
    async before() {
      upstreams = await startUpstreams();
      const azure = (name: string) => ({
        model: `azure/${name}`,
        api_base: `${upstreams.url}/azure`,
        api_version: "2025-04-01-preview",
        api_key: "upstream-key",
      });
      const vllm = (name: string, extra: Record<string, unknown> = {}) => ({
        model: `hosted_vllm/${name}`,
        api_base: `${upstreams.url}/vllm`,
        api_key: "upstream-key",
        ...extra,
      });
      proxy = await startRealLiteLLM(
        [
          { name: "gpt-5-busy", params: azure("gpt-5-busy") },
          { name: "gpt-5-flaky", params: azure("gpt-5-flaky") },
          {
            name: "claude-busy",
            params: { model: "anthropic/claude-busy", api_base: `${upstreams.url}/anthropic`, api_key: "upstream-key" },
          },
          { name: "acme-busy", params: vllm("acme-busy") },
          // Priced by time, not by token: no price in the metadata, only LiteLLM's usage.cost gives the turn a cost.
          { name: "timed-model", params: vllm("my-company-model", { input_cost_per_second: 0.5 }) },
          { name: "spend-model", params: vllm("my-company-model", { input_cost_per_token: 0.001, output_cost_per_token: 0.002 }) },
          { name: "acme-limited", params: vllm("acme-limited") },
          // LiteLLM puts usage.cost on a Responses stream it bridges (a non-OpenAI backend), not on a native one.
          {
            name: "claude-timed",
            params: {
              model: "anthropic/claude-timed",
              api_base: `${upstreams.url}/anthropic`,
              api_key: "upstream-key",
              input_cost_per_second: 0.5,
            },
          },
        ],
        { litellm_settings: { request_timeout: 30 }, general_settings: { custom_auth: "custom_auth.user_api_key_auth" } },
        ["custom_auth.py"],
      );
      tap = await startWireTap(proxy.url);
    },
    async after() {
      await tap?.close();
      await proxy?.stop();
      await upstreams?.close();
      if (figures.length > 0) {
        recordFigures(`real-busy-${LITELLM_VERSION}-pi-${piVersion()}`, { pi: piVersion(), litellm: LITELLM_VERSION, rows: figures });
      }
    },
    cases: [
      ...persistent,
      ...([[2, 1], [3, 2]] as const).map(([failures, sent]): ConformanceCase => ({
        name: `a backend 429 that clears after ${failures} answers (${
          failures < 3 ? "within LiteLLM's own retries" : "after them"
        }): answered, in ${sent} proxy request${sent === 1 ? "" : "s"}`,
        async run() {
          upstreams.failNext("gpt-5-flaky", failures);
          const { run, requests, seconds } = await ask("gpt-5-flaky", "openai-completions");
          assert.equal(run.code, 0, run.stdout + run.stderr);
          assert.equal(run.stdout.trim(), "Hello from gpt-5-flaky.");
          assert.equal(requests.length, sent);
          figures.push({
            case: `clears after ${failures}`,
            model: "gpt-5-flaky",
            wireApi: "openai-completions",
            status: 429,
            requests: requests.length,
            seconds: Math.round(seconds * 10) / 10,
          });
        },
      })),
      {
        name:
          "pi's TUI, three turns with a key LiteLLM says spent $7.50, $8.50, $9.60 of $10.00: the footer shows the session's cost (the usage.cost on the wire) and the key's spend, 80 % and 95 % warn once each, /litellm spend lists the turns",
        async run() {
          const key = `sk-spender-${Math.random().toString(36).slice(2, 5)}-real-tier`;
          const before = tap.requests.length;
          const terminal = tui(temporaryDirectory("pi-litellm-real-spend-agent-"), temporaryDirectory("pi-litellm-real-spend-"), [
            "--model",
            "litellm/spend-model",
          ], {
            LITELLM_BASE_URL: tap.url,
            LITELLM_API_KEY: key,
          });
          await inTui(terminal, async () => {
            await terminal.waitFor("commands");
            let total = 0;
            for (const turn of [1, 2, 3]) {
              const asked = tap.requests.slice(before).filter((request) => INFERENCE_PATH.test(request.path)).length;
              terminal.type(`Say hello, turn ${turn}.`);
              await terminal.waitFor(`Say hello, turn ${turn}.`);
              terminal.type(KEYS.enter);
              await tap.ended(tap.requests.slice(0, before).filter((request) => INFERENCE_PATH.test(request.path)).length + asked + 1);
              const cost = streamedCost(tap.requests.filter((request) => INFERENCE_PATH.test(request.path)).at(-1)!.body);
              assert.ok(cost !== undefined && cost > 0, "LiteLLM sent the turn's cost");
              total += cost;
              // The footer once the turn has ended: LiteLLM's costs so far, and the spend the key's last answer carried.
              await terminal.waitFor(
                `litellm ${total < 0.1 ? `$${total.toFixed(4)}` : `$${total.toFixed(2)}`} · key $${
                  ["7.50", "8.50", "9.60"][turn - 1]
                } of $10.00`,
              );
            }
            terminal.type("/litellm spend");
            await terminal.waitFor("/litellm spend");
            // Enter takes the completion pi offers for the subcommand, the second sends it.
            terminal.type(KEYS.enter);
            terminal.type(KEYS.enter);
            await terminal.waitFor("3 turns in this run");
          });
          // pi 1.6 draws its chat again as it scrolls: the TUI shows each line, print mode counts them (the next case).
          const text = terminal.text.replace(/\s+/g, " ");
          for (const share of ["85 %", "96 %"]) {
            assert.ok(text.includes(`budget (${share}, from x-litellm-key-spend)`), `the warning at ${share}`);
          }
          assert.doesNotMatch(text, /budget \(75 %/, "none under 80 %");
          assert.match(
            text,
            /spend-model: 20 in, 8 out, 0 cache read, 0 cache write: \$0\.0360 \(LiteLLM\)/,
            "the turns, at LiteLLM's cost",
          );
        },
      },
      {
        name: "print mode, three turns in one run as the key's spend climbs past 80 % and 95 %: each warning is one line on stderr, once",
        async run() {
          const key = `sk-spender-${Math.random().toString(36).slice(2, 5)}-real-tier`;
          const run = await runPi(["--no-session", "--model", "litellm/spend-model", "-p", "Turn one.", "Turn two.", "Turn three."], {
            LITELLM_BASE_URL: tap.url,
            LITELLM_API_KEY: key,
          });
          assert.equal(run.code, 0, run.stdout + run.stderr);
          const warnings = run.stderr.split("\n").filter((line) => line.includes("budget ("));
          assert.deepEqual(warnings, [
            "pi-litellm-provider: LiteLLM: this key has spent $8.50 of its $10.00 budget (85 %, from x-litellm-key-spend); /litellm spend shows the session's turns",
            "pi-litellm-provider: LiteLLM: this key has spent $9.60 of its $10.00 budget (96 %, from x-litellm-key-spend); /litellm spend shows the session's turns",
          ]);
        },
      },
      {
        name: "print mode: the budget's warning and a backend's low rate limit are one line each on stderr, the answer alone on stdout",
        async run() {
          const run = await runPi(["--no-session", "--model", "litellm/acme-limited", "-p", "Say hello."], {
            LITELLM_BASE_URL: tap.url,
            LITELLM_API_KEY: "sk-spent-real-tier-01",
          });
          assert.equal(run.code, 0, run.stdout + run.stderr);
          assert.equal(run.stdout.trim(), "Hello from acme-limited.");
          const lines = run.stderr.split("\n").filter((line) => line.startsWith("pi-litellm-provider: "));
          assert.deepEqual(lines.sort(), [
            "pi-litellm-provider: LiteLLM: 5 of 100 requests left in the backend's rate limit, as LiteLLM passes it on (x-ratelimit-remaining-requests); slow down, or pick another model with /model",
            "pi-litellm-provider: LiteLLM: this key has spent $9.60 of its $10.00 budget (96 %, from x-litellm-key-spend); /litellm spend shows the session's turns",
          ]);
        },
      },
      ...([["timed-model", "openai-completions"], ["claude-timed", "openai-responses"]] as const).map((
        [model, wireApi],
      ): ConformanceCase => ({
        name: `the turn's cost over ${wireApi} (${model}) is the usage.cost LiteLLM sent, for a model the metadata gives no price`,
        async run() {
          const { run, requests } = await ask(model, wireApi, ["--mode", "json", "Say hello."]);
          assert.equal(run.code, 0, run.stdout + run.stderr);
          const sent = streamedCost(requests.at(-1)?.body);
          assert.ok(sent !== undefined && sent > 0, `LiteLLM sent no cost: ${requests.at(-1)?.body?.slice(-400)}`);
          const ends = run.stdout.split("\n").filter(Boolean).map((line) =>
            JSON.parse(line) as { type: string; message?: { role: string; usage: { cost: { total: number } } } }
          );
          const answer = ends.filter((event) => event.type === "message_end" && event.message?.role === "assistant").at(-1)!.message!;
          assert.equal(answer.usage.cost.total, sent);
        },
      })),
    ],
  };
}
