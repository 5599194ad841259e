/**
 * `npm run fake`: the fake LiteLLM proxy on its own, for pointing a real pi at it by hand, and for
 * benchmarks that must not share a process with it. Prints its URL on the first line of stdout, then
 * the `export` lines to paste into the shell pi runs in, and serves until stopped.
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
  chunks
    ? [{
      id: "bench-model",
      servedBy: "lenient",
      reply: { text: "lorem ipsum dolor sit amet ".repeat(chunks).slice(0, chunks * 8), chunks },
    }]
    : [],
);
const port = option("port");
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65_536)) {
  console.error(`--port takes a port number from 1 to 65535, e.g. npm run fake -- --port 4000`);
  process.exit(2);
}
const fake = await startFakeLiteLLM(scenario, port);
console.log(fake.url);
console.log(`export LITELLM_BASE_URL=${fake.url}`);
console.log(`export LITELLM_API_KEY=${API_KEY}`);
console.error(
  `fake LiteLLM on ${fake.url} serving ${
    scenario.models.map((model) => model.id).join(", ")
  }; paste the export lines above, then: pi -e ./mod.ts --list-models litellm`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void fake.close().then(() => process.exit(0)));
}
