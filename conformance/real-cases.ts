/**
 * The conformance cases through the real LiteLLM proxy, in front of the fake backends: every policy
 * row (negative control, filtered run, positive control), agent sessions through the pi CLI, learning
 * from the proxy's real wrapped errors, metadata from its real `/v1/model/info`, and the fidelity of
 * the Hono fake: where both answer an error, status, envelope and the field our parser reads agree.
 *
 * @module
 */

import assert from "node:assert/strict";
import { isContextOverflow } from "@mariozechner/pi-ai";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SimpleStreamOptions } from "../lib/pi.ts";
import { REJECTION_RULES } from "../lib/requests/policy.ts";
import { rejectedNames } from "../lib/requests/rejections.ts";
import { WIRE_APIS, type WireApi } from "../lib/types.ts";
import { NOTES_FILE } from "./agent-script.ts";
import { assertCleanRun } from "./cli-cases.ts";
import { type FakeLiteLLM, startFakeLiteLLM } from "./fake-litellm.ts";
import { FIXTURES_DIR } from "./fixtures.ts";
import { NOTHING_CONFIGURED } from "./login-cases.ts";
import { assertCompactedAndRetried, COMPACT_SHORT_CONVERSATIONS, inTui, logIn, overflowThenAnswer, tui } from "./pi-tui.ts";
import { collect, type LoadedExtension, loadExtension, plain, streamWithoutExtension } from "./harness.ts";
import { runPi } from "./pi-cli.ts";
import { POLICY_CASES, type PolicyCase } from "./policy-cases.ts";
import { type Deployment, LITELLM_VERSION, MASTER_KEY, type RealLiteLLM, releaseAtLeast, startRealLiteLLM } from "./real-litellm.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";
import { startUpstreams, type Upstreams } from "./upstreams.ts";
import { temporaryDirectory } from "./temporary.ts";

/** The deployments: one per model of the fake scenario, each behind the backend its name says. */
export function deployments(upstream: string): Deployment[] {
  const key = { api_key: "upstream-key-not-the-client-key" };
  const azure = (name: string) => ({ model: `azure/${name}`, api_base: `${upstream}/azure`, api_version: "2025-04-01-preview", ...key });
  const databricks = (name: string) => ({ model: `databricks/${name}`, api_base: `${upstream}/databricks/serving-endpoints`, ...key });
  return [
    {
      name: "claude-haiku-4-5",
      params: { model: "anthropic/claude-haiku-4-5-20251001", api_base: `${upstream}/anthropic`, ...key },
      info: {
        max_input_tokens: 200_000,
        max_output_tokens: 64_000,
        input_cost_per_token: 1e-6,
        output_cost_per_token: 5e-6,
        supports_reasoning: true,
        supports_vision: true,
        supports_prompt_caching: true,
      },
    },
    { name: "databricks-claude-sonnet-4", params: databricks("databricks-claude-sonnet-4") },
    { name: "claude-overflow", params: { model: "anthropic/claude-overflow", api_base: `${upstream}/anthropic`, ...key } },
    { name: "claude-small-window", params: { model: "anthropic/claude-small-window", api_base: `${upstream}/anthropic`, ...key } },
    { name: "databricks-claude-overflow", params: databricks("databricks-claude-overflow") },
    { name: "databricks-claude-opus-5", params: databricks("databricks-claude-opus-5") },
    { name: "databricks-gemini-2-5-pro", params: databricks("databricks-gemini-2-5-pro") },
    { name: "gemini-2.5-pro", params: { model: "gemini/gemini-2.5-pro", api_base: `${upstream}/gemini`, ...key } },
    { name: "gpt-4o", params: azure("gpt-4o") },
    {
      name: "gpt-5",
      params: azure("gpt-5"),
      info: {
        max_input_tokens: 272_000,
        max_output_tokens: 128_000,
        supports_reasoning: true,
        reasoning_effort_levels: ["low", "medium", "high"],
      },
    },
    { name: "o3", params: azure("o3") },
    {
      name: "bedrock-claude-sonnet-4-5",
      params: {
        model: "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0",
        aws_bedrock_runtime_endpoint: `${upstream}/bedrock`,
        aws_region_name: "us-east-1",
        aws_access_key_id: "AKIAFAKEFAKEFAKEFAKE",
        aws_secret_access_key: "fake-secret-not-used",
      },
    },
    { name: "my-company-model", params: { model: "hosted_vllm/my-company-model", api_base: `${upstream}/vllm`, ...key } },
    { name: "acme-strict", params: { model: "hosted_vllm/acme-strict", api_base: `${upstream}/vllm`, ...key } },
  ];
}

/** Every field some policy rule drops: what a negative control's error must name. */
const POLICY_FIELDS: ReadonlySet<string> = new Set([
  ...REJECTION_RULES.flatMap((rule) => rule.fields.map((field) => field.split(".")[0]!)),
  "reasoning_effort",
  "parallel_tool_calls",
]);

/** What one unfiltered request (no extension) got from a proxy. */
interface Observed {
  status: number | undefined;
  message: string;
}

/**
 * The envelope an error came in, as far as pi-ai's clients show it: the Anthropic client prints the
 * body's JSON (its top-level keys tell the envelope), the OpenAI client only the message.
 */
const envelopeOf = (message: string): string => {
  try {
    return Object.keys(JSON.parse(message.replace(/^\d{3}\s+/, "")) as object).sort().join(",");
  } catch {
    return "message";
  }
};

/** The status pi-ai's clients put first in an error message. */
const statusOf = (message: string) => Number(/^(\d{3})\b/.exec(message)?.[1]) || undefined;

function label(row: PolicyCase): string {
  const extra = [row.options && JSON.stringify(row.options), row.adds && `adds ${Object.keys(row.adds).join(",")}`].filter(Boolean);
  return `${row.model} on ${row.api}${extra.length ? ` (${extra.join("; ")})` : ""}`;
}

/** Where the texts the real proxy produced are kept, one fixture per negative control. */
export const REAL_FIXTURES_DIR = join(FIXTURES_DIR, `real-litellm-${LITELLM_VERSION}`);

/** The suites through the real proxy. `record` writes what it answered as fixtures. */
export function realSuites(options: { record?: boolean } = {}): ConformanceSuite[] {
  let upstreams: Upstreams;
  let proxy: RealLiteLLM;
  let fake: FakeLiteLLM;
  let work: string;
  const extensions = new Map<WireApi, LoadedExtension>();
  const fakeExtensions = new Map<WireApi, LoadedExtension>();
  const observed = new Map<string, { real: Observed; fake: Observed }>();

  const requestOptions = (row: PolicyCase, capture?: (payload: unknown) => void): SimpleStreamOptions => ({
    sessionId: "real-litellm-session",
    maxRetries: 0,
    ...row.options,
    onPayload: (payload: unknown) => {
      const replaced = row.adds ? { ...(payload as object), ...row.adds } : undefined;
      capture?.(replaced ?? payload);
      return replaced;
    },
  });

  const unfiltered = async (extension: LoadedExtension, row: PolicyCase, key: string): Promise<Observed> => {
    const outcome = await collect(streamWithoutExtension(extension.model(row.model), row.api, { apiKey: key, ...requestOptions(row) }));
    const message = outcome.message.stopReason === "error" ? outcome.message.errorMessage ?? "" : "";
    return { status: message ? statusOf(message) : 200, message };
  };

  const policyCases: ConformanceCase[] = POLICY_CASES.flatMap((row) => [
    {
      name: `${label(row)}: without the extension, the real proxy answers as recorded`,
      async run() {
        const real = await unfiltered(extensions.get(row.api)!, row, MASTER_KEY);
        const fakeAnswer = await unfiltered(fakeExtensions.get(row.api)!, row, API_KEY);
        observed.set(label(row), { real, fake: fakeAnswer });
        const id = label(row).replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "").toLowerCase();
        const file = join(REAL_FIXTURES_DIR, `${id}.json`);
        if (options.record) {
          if (real.status === 200) return;
          mkdirSync(REAL_FIXTURES_DIR, { recursive: true });
          writeFileSync(
            file,
            `${
              JSON.stringify(
                { id, litellm: LITELLM_VERSION, verbatim: true, request: label(row), status: real.status, message: real.message },
                null,
                2,
              )
            }\n`,
          );
          return;
        }
        // The recorded answers are the truth this run is held to: an error where one was recorded,
        // with the same status and text, and an answer where LiteLLM handled the field itself.
        if (!existsSync(file)) return assert.equal(real.status, 200, `no error was recorded for this request, got: ${real.message}`);
        const recorded = JSON.parse(readFileSync(file, "utf8")) as { status: number; message: string };
        assert.deepEqual([real.status, real.message], [recorded.status, recorded.message]);
      },
    },
    {
      name: `${label(row)}: with the extension the stream completes and keeps ${row.keeps.join(", ")}`,
      async run() {
        let sent: unknown;
        const outcome = await collect(extensions.get(row.api)!.stream(row.model, requestOptions(row, (payload) => sent = payload)));
        assert.equal(outcome.message.stopReason, "stop", outcome.message.errorMessage);
        assert.ok(outcome.text.length > 0, "the answer's text arrives");
        const paths = new Set(
          Object.entries(sent as object).flatMap((
            [key, value],
          ) => [
            key,
            ...(value && typeof value === "object" && !Array.isArray(value) ? Object.keys(value).map((child) => `${key}.${child}`) : []),
          ]),
        );
        for (const field of row.keeps) assert.ok(paths.has(field), `${field} must still be sent`);
      },
    },
  ]);

  const loop = async (model: string, args: string[], extra: Record<string, string> = {}) => {
    const before = upstreams.requests.length;
    const run = await runPi(
      ["--no-session", "--model", `litellm/${model}`, ...args, "-p", `Read ${NOTES_FILE} and tell me what it says.`],
      { LITELLM_BASE_URL: proxy.url, LITELLM_API_KEY: MASTER_KEY, ...extra },
      { cwd: work },
    );
    return { run, upstream: upstreams.requests.slice(before) };
  };
  /** The fields of a backend request that say whether it asks the model to think. */
  type Body = {
    thinking?: { type?: string };
    reasoning?: { effort?: string };
    generationConfig?: { thinkingConfig?: { thinkingBudget?: number } };
  };
  /** Each family's loop, the backend route LiteLLM must have called, and how that backend is asked to think. */
  const sessionRows: readonly { model: string; thinking: boolean; upstream: RegExp; thinks?: (body: Body) => boolean }[] = [
    {
      model: "claude-haiku-4-5",
      thinking: true,
      upstream: /^\/anthropic\/v1\/messages$/,
      thinks: (body) => body.thinking?.type === "enabled",
    },
    // LiteLLM 1.110 sends Databricks Claude's /v1/messages to the workspace's Anthropic endpoint, 1.106 through Chat Completions.
    {
      model: "databricks-claude-sonnet-4",
      thinking: true,
      upstream: releaseAtLeast("1.110.2")
        ? /^\/databricks\/serving-endpoints\/anthropic\/v1\/messages$/
        : /^\/databricks\/serving-endpoints\/chat\/completions$/,
      thinks: (body) => body.thinking?.type === "enabled",
    },
    {
      model: "bedrock-claude-sonnet-4-5",
      thinking: true,
      upstream: /\/invoke-with-response-stream$/,
      thinks: (body) => body.thinking?.type === "enabled",
    },
    {
      model: "gemini-2.5-pro",
      thinking: true,
      upstream: /:streamGenerateContent$/,
      thinks: (body) => (body.generationConfig?.thinkingConfig?.thinkingBudget ?? 0) > 0,
    },
    {
      model: "gpt-5",
      thinking: true,
      upstream: /^\/azure\/openai(?:\/v1)?\/responses$/,
      thinks: (body) => ["low", "medium", "high"].includes(body.reasoning?.effort ?? ""),
    },
    { model: "my-company-model", thinking: false, upstream: /^\/vllm\/chat\/completions$/ },
  ];
  const sessionCases: ConformanceCase[] = sessionRows.map((row) => ({
    name: `${row.model}: a tool loop${row.thinking ? " with --thinking high" : ""} completes through the real LiteLLM${
      row.thinking ? ", thinking still on with the tool result" : ""
    }`,
    async run() {
      const { run, upstream } = await loop(row.model, row.thinking ? ["--thinking", "high"] : []);
      assertCleanRun(run);
      assert.match(run.stdout, /The notes say: The launch code is 4417\./);
      assert.ok(upstream.length >= 2, `the backend saw ${upstream.length} requests`);
      for (const request of upstream) assert.match(request.path, row.upstream);
      if (row.thinks) {
        assert.ok(
          upstream.every((request) => row.thinks!(request.body as Body)),
          "thinking is on in every request the backend saw, the tool result's included",
        );
      }
    },
  }));

  const infrastructure = {
    async before() {
      upstreams = await startUpstreams();
      proxy = await startRealLiteLLM(deployments(upstreams.url));
      fake = await startFakeLiteLLM({ ...conformanceScenario([{ id: "acme-strict", servedBy: "strict-vllm" }]) });
      work = temporaryDirectory("pi-litellm-real-session-");
      writeFileSync(join(work, NOTES_FILE), "The launch code is 4417.\n");
      for (const api of WIRE_APIS) {
        extensions.set(api, await loadExtension({ LITELLM_BASE_URL: proxy.url, LITELLM_API_KEY: MASTER_KEY, LITELLM_WIRE_API: api }));
        fakeExtensions.set(api, await loadExtension({ LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY, LITELLM_WIRE_API: api }));
      }
    },
    async after() {
      await proxy?.stop();
      await upstreams?.close();
      await fake?.close();
      rmSync(work, { recursive: true, force: true });
    },
  };

  return [
    {
      name: `the real LiteLLM ${LITELLM_VERSION}`,
      ...infrastructure,
      cases: [
        {
          name: "metadata: the extension lists what the real /v1/model/info reports",
          async run() {
            const model = extensions.get("anthropic-messages")!.model("claude-haiku-4-5");
            assert.deepEqual([model.contextWindow, model.maxTokens, model.cost.input, model.cost.output, model.reasoning], [
              200_000,
              64_000,
              1,
              5,
              true,
            ]);
            assert.deepEqual(model.input, ["text", "image"]);
            // Reasoning efforts: the levels the deployment lists, every other level hidden.
            const gpt = extensions.get("openai-responses")!.model("gpt-5");
            assert.deepEqual([gpt.contextWindow, gpt.maxTokens], [272_000, 128_000]);
            assert.deepEqual(gpt.thinkingLevelMap, { off: null, minimal: null, low: "low", medium: "medium", high: "high", xhigh: null });
          },
        },
        ...policyCases,
        ...sessionCases,
        {
          name: "negative control: Claude with thinking over Chat Completions gets Anthropic's 400 through the real LiteLLM, as one line",
          async run() {
            const { run } = await loop("claude-haiku-4-5", ["--thinking", "high"], { LITELLM_WIRE_API: "openai-completions" });
            assertCleanRun(run, 1);
            assert.match(run.stdout + run.stderr, /claude-haiku-4-5 over openai-completions refused the replayed tool turn/);
          },
        },
        {
          name:
            "negative control: Claude on Bedrock with thinking over Chat Completions (Converse) gets the replay 400 through the real LiteLLM, as one line",
          async run() {
            const { run, upstream } = await loop("bedrock-claude-sonnet-4-5", ["--thinking", "high"], {
              LITELLM_WIRE_API: "openai-completions",
            });
            assertCleanRun(run, 1);
            assert.deepEqual(upstream.map((request) => [request.path.split("/").at(-1), request.status]), [["converse-stream", 200], [
              "converse-stream",
              400,
            ]]);
            assert.match(run.stdout + run.stderr, /bedrock-claude-sonnet-4-5 over openai-completions refused the replayed tool turn/);
          },
        },
        {
          name:
            "learning: a field the backend rejects (vLLM's extra_forbidden) is read out of the real proxy's wrapped error, dropped, and the retry answers",
          async run() {
            const extension = extensions.get("openai-completions")!;
            const outcome = await collect(extension.stream("acme-strict", { maxRetries: 0, sessionId: "learning" }));
            assert.equal(outcome.message.stopReason, "stop", outcome.message.errorMessage);
            const attempts = upstreams.requests.filter((request) => request.body.model === "acme-strict");
            assert.deepEqual(attempts.map((request) => [request.status, "store" in request.body]), [[400, true], [200, false]]);
          },
        },
        {
          name: "the parser reads the field out of every error the real proxy produced for a negative control",
          async run() {
            const errors = [...observed.entries()].filter(([, { real }]) => real.status !== 200);
            assert.ok(errors.length > 0);
            for (const [name, { real }] of errors) {
              const row = POLICY_CASES.find((candidate) => label(candidate) === name)!;
              assert.ok(row, name);
              assert.ok(
                rejectedNames(real.message).some((field) => POLICY_FIELDS.has(field)),
                `${name}: no field read from ${real.message.slice(0, 300)}`,
              );
            }
          },
        },
        {
          name:
            "fidelity: where both answer an error, the fake and the real proxy agree on the status class and the envelope, and each names a field the policy drops",
          async run() {
            const disagreements: string[] = [];
            for (const [name, { real, fake: fakeAnswer }] of observed) {
              if (real.status === 200 || fakeAnswer.status === 200) continue;
              const realNames = rejectedNames(real.message);
              const fakeNames = rejectedNames(fakeAnswer.message);
              // The real proxy names every unsupported field at once and refuses before the backend sees
              // the request, so it may name another dropped field than the fake's recorded backend error.
              const dropped = (names: string[]) => names.some((field) => POLICY_FIELDS.has(field));
              // Some recorded backend texts name no field (Databricks' "Multiple tool calls are not supported").
              const fakeNamesOne = fakeNames.length === 0 || dropped(fakeNames);
              const envelopes = [envelopeOf(real.message), envelopeOf(fakeAnswer.message)];
              if (
                Math.floor(real.status! / 100) !== Math.floor(fakeAnswer.status! / 100) || envelopes[0] !== envelopes[1] ||
                !dropped(realNames) || !fakeNamesOne
              ) {
                disagreements.push(
                  `${name}: real ${real.status} {${envelopes[0]}} [${realNames}] vs fake ${fakeAnswer.status} {${
                    envelopes[1]
                  }} [${fakeNames}]`,
                );
              }
            }
            assert.deepEqual(disagreements, []);
          },
        },
      ],
    },
    requestTimeSuite(),
    tuiSuite(),
  ];
}

/**
 * pi's interactive TUI through the real proxy, in a pseudo-terminal: `/login` against LiteLLM's own
 * answers, and a context overflow pi compacts. CI runs it on every pi.
 */
function tuiSuite(): ConformanceSuite {
  let upstreams: Upstreams;
  let proxy: RealLiteLLM;
  let work: string;
  return {
    name: `the real LiteLLM ${LITELLM_VERSION}: pi's TUI`,
    async before() {
      upstreams = await startUpstreams();
      proxy = await startRealLiteLLM(deployments(upstreams.url));
      work = temporaryDirectory("pi-litellm-real-tui-");
    },
    async after() {
      await proxy?.stop();
      await upstreams?.close();
    },
    cases: [
      {
        name:
          '/login in pi\'s TUI against the real proxy: a key it cannot check (its own 400 "No connected db.", no database) is said so and asked again, its master key logs in, and pi -p answers with the stored login',
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-real-login-agent-");
          const terminal = tui(agentDir, work);
          const refusal = `LiteLLM at ${proxy.url} has no database to check keys against, so only its master key works`;
          await inTui(terminal, () => logIn(terminal, proxy.url, ["sk-not-this-proxys-key-01", MASTER_KEY], refusal));
          const run = await runPi(["--no-session", "--model", "litellm/my-company-model", "-p", "Say hello."], NOTHING_CONFIGURED, {
            agentDir,
            cwd: work,
          });
          assertCleanRun(run);
          assert.match(run.stdout, /Hello from my-company-model\./);
        },
      },
      {
        name:
          "a context overflow through the real proxy in pi's TUI (LiteLLM's ContextWindowExceededError around Anthropic's text): pi compacts, sends the turn again and shows the answer",
        async run() {
          const session = join(work, "overflow.jsonl");
          const agentDir = temporaryDirectory("pi-litellm-real-overflow-agent-");
          writeFileSync(join(agentDir, "settings.json"), JSON.stringify(COMPACT_SHORT_CONVERSATIONS));
          const env = { LITELLM_BASE_URL: proxy.url, LITELLM_API_KEY: MASTER_KEY };
          const args = ["--session", session, "--model", "litellm/claude-small-window"];
          assertCleanRun(await runPi([...args, "-p", "Remember the word lantern."], env, { cwd: work, agentDir }));
          const before = upstreams.requests.length;
          const terminal = tui(agentDir, work, args, env);
          await inTui(terminal, () => overflowThenAnswer(terminal, "Which word?", "Hello from claude-small-window."));
          assertCompactedAndRetried(
            upstreams.requests.slice(before).map((request) =>
              [request.status, /summar/i.test(JSON.stringify(request.body.messages))] as const
            ),
          );
        },
      },
    ],
  };
}

/**
 * LiteLLM's own answers at request time, produced by the real proxy: a key over budget and a
 * throttled key come from its own checks (through a `custom_auth` hook, the only way without a
 * database), and a context overflow is wrapped by it around each backend's text. Requests are counted
 * by the hook.
 */
function requestTimeSuite(): ConformanceSuite {
  let upstreams: Upstreams;
  let proxy: RealLiteLLM;
  let work: string;
  const calls = () => {
    const log = join(proxy.dir, "calls.log");
    return existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((line) => /completions|responses|messages/.test(line)) : [];
  };
  const ask = async (model: string, key: string) => {
    const before = calls().length;
    const run = await runPi(["--no-session", "--model", `litellm/${model}`, "-p", "Say hello."], {
      LITELLM_BASE_URL: proxy.url,
      LITELLM_API_KEY: key,
    }, { cwd: work });
    return { run, sent: calls().length - before };
  };
  const line = (run: { stdout: string; stderr: string }) =>
    plain(run.stdout + run.stderr).split("\n").filter((text) => text.includes("LiteLLM"));
  return {
    name: `the real LiteLLM ${LITELLM_VERSION}: request time`,
    async before() {
      upstreams = await startUpstreams();
      proxy = await startRealLiteLLM(deployments(upstreams.url), { general_settings: { custom_auth: "custom_auth.user_api_key_auth" } }, [
        "custom_auth.py",
      ]);
      work = temporaryDirectory("pi-litellm-real-request-time-");
    },
    async after() {
      await proxy?.stop();
      await upstreams?.close();
      rmSync(work, { recursive: true, force: true });
    },
    cases: [
      // Claude's route is /v1/messages, whose errors LiteLLM 1.110 puts in Anthropic's envelope (litellm_error_type).
      ...[["my-company-model", "Chat Completions"], ["claude-haiku-4-5", "Messages"]].map(([model, route]): ConformanceCase => ({
        name: `a key over its budget over ${route} (LiteLLM's own 422 budget_exceeded): one request, one line with the figures, exit 1`,
        async run() {
          const { run, sent } = await ask(model!, "sk-budget-real-tier-0001");
          assertCleanRun(run, 1);
          assert.equal(sent, 1);
          assert.deepEqual(line(run).map((text) => text.replace(/^Error: /, "")), [
            `LiteLLM refused ${model}: the key is out of budget (spent $12.50 of $10.00); ask the proxy's admin to raise it, or wait for its reset`,
          ]);
        },
      })),
      {
        name: "a throttled key (LiteLLM's own limiter, a minute's window): answered once, then one line naming the reset, not waited out",
        async run() {
          const first = await ask("my-company-model", "sk-throttled-real-tier-0001");
          assertCleanRun(first.run);
          const second = await ask("my-company-model", "sk-throttled-real-tier-0001");
          assertCleanRun(second.run, 1);
          assert.equal(second.sent, 1, "a wait over 20 s is not waited: sent once");
          assert.match(
            line(second.run).join("\n"),
            /LiteLLM refused my-company-model: the key's quota exceeded, the proxy allows it 1 requests per window until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
          );
        },
      },
      ...["claude-overflow", "databricks-claude-overflow"].map((model): ConformanceCase => ({
        name: `context overflow from ${
          model.startsWith("databricks")
            ? "Databricks (LiteLLM keeps it a BadRequestError)"
            : "Anthropic (LiteLLM's ContextWindowExceededError)"
        }: pi-ai reads what reaches pi as an overflow`,
        async run() {
          const extension = await loadExtension({ LITELLM_BASE_URL: proxy.url, LITELLM_API_KEY: MASTER_KEY });
          const outcome = await collect(extension.stream(model, { maxRetries: 0 }));
          assert.equal(outcome.message.stopReason, "error");
          assert.ok(isContextOverflow(outcome.message), outcome.message.errorMessage);
          assert.match(outcome.message.errorMessage ?? "", /context_length_exceeded/);
        },
      })),
    ],
  };
}
