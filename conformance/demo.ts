/**
 * `npm start`: starts the fake LiteLLM with the conformance scenario and runs pi against it, so a
 * newcomer sees the extension work without a real proxy. Lists the models, asks one model per
 * family, and shows what each request carried. In a terminal, it then opens interactive pi.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { profileOf } from "../lib/models.ts";
import { startFakeLiteLLM } from "./fake-litellm.ts";
import { MOD_TS, PI_CLI, PI_NODE, runPi } from "./harness.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import { temporaryDirectory } from "./temporary.ts";

const TOUR = ["claude-haiku-4-5", "databricks-gemini-2-5-pro", "gpt-5", "my-company-model"];

const fake = await startFakeLiteLLM(conformanceScenario());
const env = { LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY };
console.log(`Fake LiteLLM proxy on ${fake.url} (key ${API_KEY.slice(0, 6)}…)\n`);

console.log("$ pi -e ./mod.ts --list-models litellm");
const list = await runPi(["--list-models", "litellm"], env);
console.log((list.stdout + list.stderr).trimEnd(), "\n");

let failures = list.code === 0 ? 0 : 1;
for (const model of TOUR) {
  console.log(`$ pi -e ./mod.ts --provider litellm --model ${model} -p "Say hello."`);
  const before = fake.requests.length;
  const run = await runPi(["--no-session", "--provider", "litellm", "--model", model, "-p", "Say hello."], env);
  if (run.code !== 0) failures++;
  console.log((run.stdout + run.stderr).trimEnd());
  const request = fake.requests.slice(before).find((candidate) => candidate.model === model);
  const profile = profileOf({ id: model }, { modelOverrides: [] });
  const sent = Object.keys((request?.body ?? {}) as object).filter((key) => !["messages", "input", "model", "stream"].includes(key));
  console.log(`  ↳ ${profile.family} on ${profile.backend === "unknown" ? "its backend" : profile.backend}, over ${profile.wireApi} (${request?.path})`);
  console.log(`    sent: ${sent.join(", ") || "nothing optional"}`);
  console.log(`    dropped by the policy: ${[...profile.drop.keys()].join(", ") || "nothing (fails open)"}\n`);
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
