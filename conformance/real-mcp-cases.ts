/**
 * LiteLLM's MCP gateway in pi, through the real proxy: a small MCP server of ours behind the proxy's
 * `mcp_servers`, the extension registering `<proxy>/mcp` with pi (pi ≥ 1.x), and an agent session
 * whose scripted first turn calls the gateway's tool, so its result must reach the model's second.
 *
 * @module
 */

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MCP_TOOL, SECRET_PROMPT } from "./agent-script.ts";
import { assertCleanRun } from "./cli-cases.ts";
import { loadExtension } from "./harness.ts";
import { piVersion, runPi } from "./pi-cli.ts";
import { deployments } from "./real-cases.ts";
import { MASTER_KEY, type RealLiteLLM, startNotesMcp, startRealLiteLLM } from "./real-litellm.ts";
import type { ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";
import { startUpstreams, type Upstreams } from "./upstreams.ts";

/** Whether the pi the suites run (`PI_CLI`) has MCP: pi 1.x and later. */
export function piHasMcp(): boolean {
  return Number(/(\d+)\.\d+\.\d+/.exec(piVersion())?.[1] ?? 0) >= 1;
}

/** The suite; it needs `PI_CLI` to be a pi with MCP (`.ci/run` gives it pi 1.6.0). */
export function mcpSuite(): ConformanceSuite {
  let upstreams: Upstreams;
  let proxy: RealLiteLLM;
  let notes: Awaited<ReturnType<typeof startNotesMcp>>;
  return {
    name: "LiteLLM's MCP gateway in pi, through the real LiteLLM",
    async before() {
      notes = await startNotesMcp();
      upstreams = await startUpstreams();
      proxy = await startRealLiteLLM(deployments(upstreams.url), { mcp_servers: { notes: { url: notes.url, transport: "http" } } });
    },
    async after() {
      await proxy?.stop();
      await upstreams?.close();
      await notes?.stop();
    },
    cases: [
      {
        name: `pi ${piVersion()}: an agent session calls the gateway's tool (${MCP_TOOL}) and its result reaches the model's next turn`,
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-mcp-");
          // Direct exposure: the model sees the tool in its first request, as a user would set it.
          writeFileSync(join(agentDir, "settings.json"), JSON.stringify({ litellm: { mcp: { exposure: "direct" } } }));
          const before = upstreams.requests.length;
          const run = await runPi(["--no-session", "--model", "litellm/claude-haiku-4-5", "-p", `What is the ${SECRET_PROMPT}?`], {
            LITELLM_BASE_URL: proxy.url,
            LITELLM_API_KEY: MASTER_KEY,
          }, { agentDir });
          assertCleanRun(run);
          // The word exists only in the MCP server: it reached the model through pi, the gateway and the tool.
          assert.match(run.stdout, /The notes say: The secret word is pelican-42\./);
          const turns = upstreams.requests.slice(before).filter((request) => request.path.endsWith("/v1/messages"));
          assert.equal(turns.length, 2, "a tool call, then the answer");
          assert.ok(JSON.stringify(turns[0]!.body).includes(MCP_TOOL), "the first request declares the gateway's tool");
        },
      },
      {
        name: "/litellm mcp lists the tools the gateway serves, named as LiteLLM names them",
        async run() {
          const extension = await loadExtension({ LITELLM_BASE_URL: proxy.url, LITELLM_API_KEY: MASTER_KEY });
          const notices: string[] = [];
          await extension.commands.get("litellm")!.handler("mcp", { ui: { notify: (message: string) => notices.push(message) } });
          assert.match(notices.join("\n"), /^litellm: 1 MCP tools\n {2}notes-secret_word: The word the agent session must read back/m);
        },
      },
    ],
  };
}
