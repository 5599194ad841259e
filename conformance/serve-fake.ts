/**
 * `npm run fake`: the fake LiteLLM proxy on its own, for pointing a real pi at it by hand, and for
 * benchmarks that must not share a process with it. Prints its URL on the first line of stdout and
 * serves until stopped.
 *
 * Options: `--port N` (default: any free port), `--stream-chunks N` (adds `bench-model`, whose reply
 * streams in N chunks).
 *
 * @module
 */

import process from "node:process";
import { startFakeLiteLLM } from "./fake-litellm.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";

function option(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : Number(process.argv[index + 1]);
}

const chunks = option("stream-chunks");
const scenario = conformanceScenario(
  chunks ? [{ id: "bench-model", servedBy: "lenient", reply: { text: "lorem ipsum dolor sit amet ".repeat(chunks).slice(0, chunks * 8), chunks } }] : [],
);
const fake = await startFakeLiteLLM(scenario, option("port"));
console.log(fake.url);
console.error(`fake LiteLLM on ${fake.url}; key ${API_KEY}; models: ${scenario.models.map((model) => model.id).join(", ")}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void fake.close().then(() => process.exit(0)));
}
