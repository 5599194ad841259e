/**
 * `npm start`: starts the fake LiteLLM with the conformance scenario and runs pi against it, so a
 * newcomer sees the extension work without a real proxy. Lists the models, asks one model per
 * family, and shows what each request carried and which fields the extension removed from it. In a
 * terminal, it then opens interactive pi.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { resolveConfigs } from "../lib/config/config.ts";
import { discover } from "../lib/catalog/discovery.ts";
import { buildModels, profileOf } from "../lib/catalog/models.ts";
import { WIRE_API_TABLE, wireStream } from "../lib/requests/wire-apis.ts";
import { startFakeLiteLLM } from "./fake-litellm.ts";
import { MOD_TS, PI_CLI, PI_NODE, runPi } from "./pi-cli.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import { temporaryDirectory } from "./temporary.ts";

const TOUR = ["claude-haiku-4-5", "databricks-gemini-2-5-pro", "gpt-5", "my-company-model"];

/** Fields every request needs, left out of the lists. */
const REQUIRED = ["messages", "input", "model", "stream", "system", "tools"];

const fake = await startFakeLiteLLM(conformanceScenario());
const env = { LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY };
console.log(`Fake LiteLLM proxy on ${fake.url} (key ${API_KEY.slice(0, 6)}…)\n`);

console.log("$ pi -e ./mod.ts --list-models litellm");
const list = await runPi(["--list-models", "litellm"], env);
console.log((list.stdout + list.stderr).trimEnd(), "\n");

const [config] = resolveConfigs(env).configs;
const discovered = await discover(config!);
if (!discovered.ok) throw new Error(discovered.problem.message);
const { models } = buildModels(discovered.value.models, config!, "demo");

/**
 * The payload pi-ai builds for a model before the extension filters it: pi-ai's own stream for the
 * model's wire API, stopped as soon as the payload exists, so nothing is sent.
 */
async function unfiltered(id: string): Promise<Record<string, unknown>> {
  const profile = profileOf({ id }, config!);
  const target = {
    ...models.find((model) => model.id === id)!,
    provider: "litellm",
    api: profile.wireApi,
    baseUrl: WIRE_API_TABLE[profile.wireApi].baseUrl(fake.url),
  };
  const controller = new AbortController();
  let payload: Record<string, unknown> = {};
  const stream = wireStream(profile.wireApi)(target as never, {
    messages: [{ role: "user", content: "Say hello.", timestamp: Date.now() }],
  }, {
    apiKey: API_KEY,
    signal: controller.signal,
    sessionId: "demo-session",
    onPayload: (built) => {
      // Keys pi-ai set to `undefined` are not sent.
      payload = JSON.parse(JSON.stringify(built)) as Record<string, unknown>;
      controller.abort();
      return built;
    },
  });
  for await (const _event of stream) { /* ends at once: aborted */ }
  return payload;
}

let failures = list.code === 0 ? 0 : 1;
for (const model of TOUR) {
  console.log(`$ pi -e ./mod.ts --provider litellm --model ${model} -p "Say hello."`);
  const before = fake.requests.length;
  const run = await runPi(["--no-session", "--provider", "litellm", "--model", model, "-p", "Say hello."], env);
  if (run.code !== 0) failures++;
  console.log((run.stdout + run.stderr).trimEnd());
  const request = fake.requests.slice(before).find((candidate) => candidate.model === model);
  const profile = profileOf({ id: model }, config!);
  const sent = Object.keys((request?.body ?? {}) as object).filter((key) => !REQUIRED.includes(key));
  // Top-level fields pi-ai builds that did not arrive and that the policy removes for this model.
  const removed = Object.keys(await unfiltered(model)).filter((key) =>
    !REQUIRED.includes(key) && !sent.includes(key) && profile.drop.has(key)
  );
  console.log(
    `  ↳ ${profile.family} on ${
      profile.backend === "unknown" ? "its backend" : profile.backend
    }, over ${profile.wireApi} (${request?.path})`,
  );
  console.log(`    sent: ${sent.join(", ") || "nothing optional"}`);
  console.log(
    `    removed by the extension: ${
      removed.join(", ") ||
      (profile.family === "unknown" ? "nothing (unknown model: fails open)" : "nothing this request carried is rejected by its backend")
    }\n`,
  );
}

if (process.stdin.isTTY && process.stdout.isTTY && process.env.CI === undefined) {
  console.log("Opening interactive pi against the fake proxy; /model lists the litellm models, Ctrl+D quits.\n");
  const child = spawn(PI_NODE, [PI_CLI, "-e", MOD_TS, "--provider", "litellm", "--model", "claude-haiku-4-5"], {
    stdio: "inherit",
    env: { ...process.env, ...env, PI_CODING_AGENT_DIR: temporaryDirectory("pi-litellm-demo-") },
  });
  await new Promise((resolve) => child.on("exit", resolve));
}

await fake.close();
process.exit(failures === 0 ? 0 : 1);
