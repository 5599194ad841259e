/**
 * Agent sessions through the real pi CLI: `pi -p` in a directory holding `notes.txt`, the scripted
 * model calls pi's `read` tool, and the next request replays that tool call under the backend
 * family's replay rule. Each family's default route completes the loop with thinking still on; the
 * route that loses what the rule needs gets the backend's 400, which reaches the user as one line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Context, ThinkingContent } from "../lib/pi.ts";
import type { WireApi } from "../lib/types.ts";
import { GEMINI_TOOL_CALL_ID, NOTES_FILE, THINKING_SIGNATURE } from "./agent-script.ts";
import { assertCleanRun } from "./cli-cases.ts";
import { type FakeLiteLLM, type RecordedRequest, startFakeLiteLLM } from "./fake-litellm.ts";
import { collect, type LoadedExtension, loadExtension } from "./harness.ts";
import { runPi } from "./pi-cli.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";

const NOTES = "The launch code is 4417.";
const PROMPT = `Read ${NOTES_FILE} and tell me what it says.`;

/** One family on its default route: the wire API its two requests must take. */
interface LoopRow {
  model: string;
  route: WireApi;
  thinking: boolean;
}

const LOOPS: readonly LoopRow[] = [
  { model: "claude-haiku-4-5", route: "anthropic-messages", thinking: true },
  { model: "databricks-claude-sonnet-4", route: "anthropic-messages", thinking: true },
  { model: "gemini-2.5-pro", route: "openai-completions", thinking: true },
  { model: "gpt-5", route: "openai-responses", thinking: true },
  { model: "o3", route: "openai-responses", thinking: true },
  { model: "gpt-4o", route: "openai-responses", thinking: false },
  { model: "my-company-model", route: "openai-completions", thinking: false },
];

/** A vision model per route, each receiving an attached image. */
const IMAGE_ROUTES: readonly { model: string; route: WireApi }[] = [
  { model: "claude-haiku-4-5", route: "anthropic-messages" },
  { model: "gemini-2.5-pro", route: "openai-completions" },
  { model: "gpt-4o", route: "openai-responses" },
];

type Raw = Record<string, unknown>;

/** Whether a request body asks for thinking, in its wire API's spelling. */
function thinkingOn(request: RecordedRequest): boolean {
  const body = request.body as Raw;
  if (request.wireApi === "anthropic-messages") {
    return (body.thinking as Raw | undefined)?.type === "enabled" || (body.thinking as Raw | undefined)?.type === "adaptive";
  }
  if (request.wireApi === "openai-completions") return typeof body.reasoning_effort === "string";
  const effort = (body.reasoning as Raw | undefined)?.effort;
  return typeof effort === "string" && effort !== "none";
}

/** The fixtures the replay negative controls rely on, for the check that every fixture is used. */
export const SESSION_FIXTURES: readonly string[] = ["anthropic-thinking-replay", "gemini-thought-signature", "openai-reasoning-item"];

/** A 1×1 PNG, the smallest image pi attaches. */
const PIXEL_PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/**
 * A session that replayed one `read` call, as pi stores it: the assistant turn (with or without its
 * thinking) and the tool's result. `api` is the route it was made on, so pi-ai treats it as its own.
 */
function replayedContext(model: string, api: WireApi, call: { id: string; thinking?: ThinkingContent }): Context {
  const now = Date.now();
  const usage = {
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: 0,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  };
  const toolCall = { type: "toolCall" as const, id: call.id, name: "read", arguments: { path: NOTES_FILE } };
  return {
    systemPrompt: "You are a test.",
    tools: [{
      name: "read",
      description: "Read a file",
      parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } as never,
    }],
    messages: [
      { role: "user", content: PROMPT, timestamp: now },
      {
        role: "assistant",
        content: [...(call.thinking ? [call.thinking] : []), toolCall],
        api,
        provider: "litellm",
        model,
        usage,
        stopReason: "toolUse",
        timestamp: now,
      },
      {
        role: "toolResult",
        toolCallId: call.id,
        toolName: "read",
        content: [{ type: "text", text: NOTES }],
        isError: false,
        timestamp: now,
      },
    ],
  };
}

/** The suite: one fake, a working directory with the notes, pi spawned per loop. */
export function sessionSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  let work: string;
  let extension: LoadedExtension;
  const env = (extra: Record<string, string> = {}) => ({ LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY, ...extra });
  const loop = async (model: string, args: string[], extra?: Record<string, string>) => {
    const before = fake.requests.length;
    const agentDir = join(work, `agent-${before}`);
    const run = await runPi(["--no-session", "--model", `litellm/${model}`, ...args, "-p", PROMPT], env(extra), { cwd: work, agentDir });
    const requests = fake.requests.slice(before).filter((request) => request.model === model);
    return { run, requests, agentDir };
  };

  const loops: ConformanceCase[] = LOOPS.map((row) => ({
    name: `${row.model}: a tool loop${row.thinking ? " with --thinking high" : ""} completes over ${row.route}${
      row.thinking ? ", thinking still on with the tool result" : ""
    }`,
    async run() {
      const { run, requests } = await loop(row.model, row.thinking ? ["--thinking", "high"] : []);
      assertCleanRun(run);
      assert.equal(run.stdout.trim(), `The notes say: ${NOTES}`);
      assert.deepEqual(requests.map((request) => [request.wireApi, request.status]), [[row.route, 200], [row.route, 200]]);
      assert.deepEqual(requests.map(thinkingOn), [row.thinking, row.thinking], "thinking is on in both requests, or off in both");
      if (row.route === "anthropic-messages" && row.thinking) {
        const replayed = (requests[1]!.body as { messages: { role: string; content: { type: string; signature?: string }[] }[] }).messages
          .find((message) => message.role === "assistant");
        assert.equal(replayed?.content[0]?.type, "thinking");
        assert.equal(replayed?.content[0]?.signature, THINKING_SIGNATURE, "the signed thinking block is replayed as received");
      }
    },
  }));

  return {
    name: "agent sessions through the pi CLI",
    async before() {
      fake = await startFakeLiteLLM(conformanceScenario());
      work = temporaryDirectory("pi-litellm-session-");
      writeFileSync(join(work, NOTES_FILE), `${NOTES}\n`);
      writeFileSync(join(work, "pixel.png"), PIXEL_PNG);
      extension = await loadExtension(env());
    },
    async after() {
      await fake.close();
      rmSync(work, { recursive: true, force: true });
    },
    cases: [
      ...loops,
      ...IMAGE_ROUTES.map(({ model, route }): ConformanceCase => ({
        name: `${model} receives an attached image over ${route}`,
        async run() {
          const before = fake.requests.length;
          const run = await runPi(["--no-session", "--model", `litellm/${model}`, "-p", "@pixel.png", "What is in this image?"], env(), {
            cwd: work,
            agentDir: join(work, `agent-image-${before}`),
          });
          assertCleanRun(run);
          assert.equal(run.stdout.trim(), "I see 1 image.");
          const requests = fake.requests.slice(before).filter((request) => request.model === model);
          assert.deepEqual(requests.map((request) => request.wireApi), [route]);
        },
      })),
      {
        name: "negative control: Gemini's tool call id changed on the way gets Gemini's thought-signature 400, as one line",
        async run() {
          const changed = await collect(
            extension.stream("gemini-2.5-pro", {}, replayedContext("gemini-2.5-pro", "openai-completions", { id: "call_fake_1" })),
          );
          assert.equal(changed.message.stopReason, "error");
          assert.match(
            changed.message.errorMessage ?? "",
            /^LiteLLM: gemini-2\.5-pro over openai-completions refused the replayed tool turn \(Gemini needs each function call's thought signature/,
          );
          const kept = await collect(
            extension.stream("gemini-2.5-pro", {}, replayedContext("gemini-2.5-pro", "openai-completions", { id: GEMINI_TOOL_CALL_ID })),
          );
          assert.equal(kept.text, `The notes say: ${NOTES}`, kept.message.errorMessage);
        },
      },
      {
        name: "negative control: GPT-5 with reasoning, a function call replayed without its reasoning item gets OpenAI's 400, as one line",
        async run() {
          const bare = await collect(
            extension.stream("gpt-5", { reasoning: "high" }, replayedContext("gpt-5", "openai-responses", { id: "call_fake_1|fc_fake" })),
          );
          assert.equal(bare.message.stopReason, "error");
          assert.match(
            bare.message.errorMessage ?? "",
            /^LiteLLM: gpt-5 over openai-responses refused the replayed tool turn \(OpenAI Responses needs the reasoning item/,
          );
          const item = JSON.stringify({
            type: "reasoning",
            id: "rs_fake",
            summary: [{ type: "summary_text", text: "Reading." }],
            encrypted_content: THINKING_SIGNATURE,
          });
          const kept = await collect(
            extension.stream(
              "gpt-5",
              { reasoning: "high" },
              replayedContext("gpt-5", "openai-responses", {
                id: "call_fake_1|fc_fake",
                thinking: { type: "thinking", thinking: "Reading.", thinkingSignature: item },
              }),
            ),
          );
          assert.equal(kept.text, `The notes say: ${NOTES}`, kept.message.errorMessage);
        },
      },
      {
        name:
          "negative control: Claude with thinking over Chat Completions loses the signature, gets Anthropic's 400 as one line, learns nothing",
        async run() {
          const { run, requests, agentDir } = await loop("claude-haiku-4-5", ["--thinking", "high"], {
            LITELLM_WIRE_API: "openai-completions",
          });
          assertCleanRun(run, 1);
          assert.deepEqual(requests.map((request) => [request.status, request.fixture]), [[200, undefined], [
            400,
            "anthropic-thinking-replay",
          ]]);
          assert.ok(thinkingOn(requests[1]!), "thinking was not turned off to dodge the rule");
          const lines = (run.stdout + run.stderr).split("\n").filter((line) => line.includes("refused the replayed tool turn"));
          assert.equal(lines.length, 1, run.stdout + run.stderr);
          assert.match(lines[0]!, /claude-haiku-4-5 over openai-completions .*signed thinking block.*anthropic-messages/);
          const files = readdirSync(join(agentDir, "litellm"));
          assert.ok(!files.includes("learned-rules.json"), `nothing learned, got ${files.join(", ")}`);
        },
      },
      {
        name: "Claude without thinking: every request of the loop carries cache_control markers",
        async run() {
          const { run, requests } = await loop("claude-haiku-4-5", ["--thinking", "off"]);
          assertCleanRun(run);
          assert.equal(requests.length, 2);
          for (const request of requests) assert.match(JSON.stringify(request.body), /"cache_control":\{"type":"ephemeral"/);
        },
      },
      {
        name: "a proxy without /v1/messages: Claude falls back to Chat Completions once, and the next run starts there",
        async run() {
          const old = await startFakeLiteLLM({ ...conformanceScenario(), messagesRoute: false });
          try {
            const agentDir = join(work, "agent-old-proxy");
            const args = ["--no-session", "--model", "litellm/claude-haiku-4-5", "-p", "Say hello."];
            const first = await runPi(args, { LITELLM_BASE_URL: old.url, LITELLM_API_KEY: API_KEY }, { cwd: work, agentDir });
            assertCleanRun(first);
            assert.equal(first.stdout.trim(), "Hello from claude-haiku-4-5.");
            const middle = old.requests.length;
            const second = await runPi(args, { LITELLM_BASE_URL: old.url, LITELLM_API_KEY: API_KEY }, { cwd: work, agentDir });
            assertCleanRun(second);
            // Chat requests only: pi 1.x also asks the proxy's MCP gateway (`POST /mcp`) at session start.
            const routes = (from: number, to?: number) =>
              old.requests.slice(from, to).filter((request) => request.method === "POST" && request.path !== "/mcp").map((request) =>
                request.path.split("?")[0]
              );
            assert.deepEqual(routes(0, middle), ["/v1/messages", "/v1/chat/completions"]);
            assert.deepEqual(routes(middle), ["/v1/chat/completions"]);
          } finally {
            await old.close();
          }
        },
      },
    ],
  };
}
