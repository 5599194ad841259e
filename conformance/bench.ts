/**
 * `npm run bench`: what the extension costs.
 *
 * 1. `pi --list-models` with the extension (warm cache) against pi without it and against the floor
 *    extension, alternating runs on the same machine, median wall time, for 3 and for 3,000 models.
 *    Goals: ratio ≤ 1.05 and ≤ 1.10 over pi alone, ≤ 1.03 over the floor. The floor also runs
 *    against itself, as a control of the run's own noise, and spread over as many files as the
 *    extension loads, which shows what pi's loader alone costs that many files.
 * 2. Streaming a long reply (many chunks) through the extension's stream function against pi-ai's
 *    own provider on the same fake. Goal: throughput ratio ≥ 0.97. In this process, with this
 *    repository's pi-ai: measured only on the pi this repository installs.
 *
 * Each figure is the median of per-round ratios over rounds that rotate the sides' order, which
 * cancels drift in machine load. `BENCH_RUNS` sets the rounds per startup measurement (default 30,
 * rounded up to a multiple of 10 so each side runs in each position equally often; streaming takes
 * twice as many alternating pairs); `PI_CLI` and `PI_NODE` measure another pi's start, recorded
 * beside the others (`bench-pi-<version>.json`). Exits 1 when a goal is missed.
 *
 * @module
 */

import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { startFakeLiteLLM } from "./fake-litellm.ts";
import { collect, loadExtension, streamWithoutExtension } from "./harness.ts";
import { MOD_TS, PI_CLI, PI_NODE, piVersion } from "./pi-cli.ts";
import { API_KEY, manyModels } from "./scenario.ts";
import { recordFigures } from "./figures.ts";
import { temporaryDirectory } from "./temporary.ts";

/** The floor extension: the same models registered, nothing else done. */
const FLOOR_TS = fileURLToPath(new URL("./floor-extension.ts", import.meta.url));

/** Where each pi run's output goes: one file, in a directory removed at exit. */
const OUTPUT = join(temporaryDirectory("bench-"), "pi.out");

/**
 * The sides of a startup measurement: the extension, the floor extension, pi alone, the floor
 * once more, and the floor in as many files as the extension. The fourth is a control: the floor
 * against itself shows how far this run's machine moves a ratio for code that did not change, so a
 * ratio near a goal can be read against it. The fifth is the loader's share of the extension's cost.
 */
const START_SIDES = ["extension", "floor", "bare", "floorAgain", "floorInFiles"] as const;
type StartSide = typeof START_SIDES[number];

/** As many files as the extension loads at a warm start. */
const EXTENSION_FILES = staticModules(MOD_TS).size;

/** The orders the sides run in (see {@link balancedOrders}): a multiple of them balances the rounds. */
const START_ORDERS = balancedOrders(START_SIDES).length;
const RUNS = Math.ceil(Number(process.env.BENCH_RUNS ?? 30) / START_ORDERS) * START_ORDERS;
const STREAM_RUNS = RUNS * 2;
/** The middle value, or the mean of the two middle ones for an even count (30 rounds, 60 pairs). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The files `mod.ts` loads before its factory runs: its static imports, followed, less those only
 * of types (which pi's loader drops). The modules it imports later (`import()`) are not among them.
 */
function staticModules(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(entry, "utf8");
  for (const [, names, path] of source.matchAll(/^(?:import|export)\s+(?!type\s)([^;]*?)\s*from\s+"(\.{1,2}\/[^"]+\.ts)"/gm)) {
    const onlyTypes = /^\{[^}]*\}$/.test(names!) && names!.slice(1, -1).split(",").every((name) => /^\s*(type\s|$)/.test(name));
    if (!onlyTypes) staticModules(join(dirname(entry), path!), seen);
  }
  return seen;
}

/**
 * The floor extension loaded through `files` files: itself, an entry importing it, and one-line
 * modules the entry imports. What it costs beyond the floor is pi's loader's, not any code's. They
 * are written to the same place each run, so pi's loader finds them in the cache it keeps by path
 * rather than adding new entries to it every run.
 */
function floorInFiles(files: number): string {
  const dir = fileURLToPath(new URL("../node_modules/.cache/bench-floor-in-files/", import.meta.url));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const modules = Array.from({ length: files - 2 }, (_, index) => `part${index}`);
  for (const name of modules) writeFileSync(join(dir, `${name}.ts`), `export const ${name}: number = 1;\n`);
  const entry = join(dir, "floor-in-files.ts");
  writeFileSync(
    entry,
    [
      `import floor from ${JSON.stringify(FLOOR_TS)};`,
      ...modules.map((name) => `import { ${name} } from "./${name}.ts";`),
      // Used, or the TypeScript transform drops the imports as if they were types.
      `export default function floorInFiles(pi: Parameters<typeof floor>[0]): void {`,
      `  if ([${modules.join(", ")}].length === ${modules.length}) floor(pi);`,
      `}`,
    ].join("\n"),
  );
  return entry;
}

/** The floor in as many files as the extension loads, written once for both startup measurements. */
const FLOOR_IN_FILES_TS = floorInFiles(EXTENSION_FILES);

/** Wall time of one pi run, output to a file as a user's terminal would take it. */
async function timePi(args: string[], env: Record<string, string>): Promise<number> {
  const out = openSync(OUTPUT, "w");
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(PI_NODE, [PI_CLI, ...args], { stdio: ["ignore", out, out], env: { ...process.env, ...env } });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pi ${args.join(" ")} exited ${code}`))));
  });
  closeSync(out);
  return performance.now() - started;
}

/** Medians of both sides, and the median of the per-pair ratios (which cancels drift in machine load). */
interface Measurement {
  with: number;
  without: number;
  ratio: number;
}

/** Runs `measure` for both sides, alternating which goes first, and summarizes the pairs. */
async function pairs(runs: number, measure: (side: "with" | "without") => Promise<number>): Promise<Measurement> {
  const rounds = await interleaved(runs, ["with", "without"], measure);
  return { with: rounds.medians.with, without: rounds.medians.without, ratio: rounds.ratio("with", "without") };
}

/**
 * Runs `measure` once per side per round, each round in another order (see {@link balancedOrders}), so
 * drift in machine load falls on every side alike; gives each side's median and the median of the
 * per-round ratio of two sides.
 */
async function interleaved<Side extends string>(
  runs: number,
  sides: readonly Side[],
  measure: (side: Side) => Promise<number>,
): Promise<{ medians: Record<Side, number>; ratio(of: Side, to: Side): number }> {
  const orders = balancedOrders(sides);
  const values = Object.fromEntries(sides.map((side) => [side, [] as number[]])) as Record<Side, number[]>;
  for (let run = 0; run < runs; run++) for (const side of orders[run % orders.length]!) values[side].push(await measure(side));
  const medians = Object.fromEntries(sides.map((side) => [side, median(values[side])])) as Record<Side, number>;
  return { medians, ratio: (of, to) => median(values[of].map((value, run) => value / values[to][run]!)) };
}

/**
 * Every rotation of the sides, each also reversed: within every 2n rounds each of n sides runs in
 * each position equally often (for three sides these are all six orders; all 120 orders of five
 * would be more than a run has rounds).
 */
function balancedOrders<T>(items: readonly T[]): T[][] {
  const rotations = items.map((_, shift) => [...items.slice(shift), ...items.slice(0, shift)]);
  return rotations.flatMap((order) => [order, [...order].reverse()]);
}

/** Rounds of each of {@link START_SIDES}: wall time in ms. */
async function startup(models: number) {
  const fake = await startFakeLiteLLM({ apiKey: API_KEY, models: manyModels(models) });
  const env = {
    LITELLM_BASE_URL: fake.url,
    LITELLM_API_KEY: API_KEY,
    PI_CODING_AGENT_DIR: temporaryDirectory("bench-agent-"),
    PI_OFFLINE: "1",
    BENCH_FLOOR_MODELS: join(temporaryDirectory("bench-floor-"), "models.json"),
  };
  // The floor registers what the extension registers, to the field.
  const registered = await loadExtension({ LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY });
  const catalog = registered.providers.get("litellm")?.config.models ?? [];
  if (catalog.length !== models) throw new Error(`the extension registered ${catalog.length} of ${models} models`);
  writeFileSync(env.BENCH_FLOOR_MODELS, JSON.stringify(catalog));
  const args: Record<StartSide, string[]> = {
    extension: ["-e", MOD_TS, "--list-models"],
    floor: ["-e", FLOOR_TS, "--list-models"],
    bare: ["--list-models"],
    floorAgain: ["-e", FLOOR_TS, "--list-models"],
    floorInFiles: ["-e", FLOOR_IN_FILES_TS, "--list-models"],
  };
  // Warm up: jiti's transpile cache, the catalog cache, the OS file cache.
  for (let index = 0; index < 2; index++) for (const side of START_SIDES) await timePi(args[side], env);
  const result = await interleaved(RUNS, START_SIDES, (side) => timePi(args[side], env));
  await fake.close();
  return result;
}

/** Starts the fake in a process of its own, so the measured process only does the client's work. */
async function fakeProcess(args: string[]): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./serve-fake.ts", import.meta.url)), ...args], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (data: Buffer) => resolve(data.toString().split("\n")[0]!.trim()));
    child.once("exit", (code) => reject(new Error(`the fake exited ${code}`)));
  });
  return { url, stop: () => child.kill() };
}

/** Chunks per second streaming a long reply, through the extension and through pi-ai directly. */
async function streaming(chunks: number): Promise<Measurement> {
  const fake = await fakeProcess(["--stream-chunks", String(chunks)]);
  const extension = await loadExtension({ LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY });
  const model = extension.model("bench-model");
  const gc = (globalThis as { gc?: () => void }).gc;
  const measure = async (run: () => ReturnType<typeof collect>) => {
    gc?.();
    const started = performance.now();
    const outcome = await run();
    if (outcome.message.stopReason !== "stop" || outcome.text.length < chunks) throw new Error("the reply did not arrive whole");
    return chunks / ((performance.now() - started) / 1000);
  };
  const through = () => collect(extension.stream("bench-model", { sessionId: "bench" }));
  const direct = () => collect(streamWithoutExtension(model, "openai-completions", { apiKey: API_KEY, sessionId: "bench" }));
  for (let index = 0; index < 3; index++) {
    await measure(through);
    await measure(direct);
  }
  const result = await pairs(STREAM_RUNS, (side) => measure(side === "with" ? through : direct));
  fake.stop();
  return result;
}

/** `BENCH_ONLY=streaming` or `BENCH_ONLY=startup` runs one half, for an A/B of one change. */
const only = process.env.BENCH_ONLY;
/** A measured figure, with its goal (or what it is for, for a figure without one) and whether the goal is met. */
const results: { name: string; detail: string; ratio: number; goal: string; met?: boolean }[] = [];
for (const models of only === "streaming" ? [] : [3, 3_000]) {
  const timing = await startup(models);
  const seconds = (side: StartSide) => `${(timing.medians[side] / 1000).toFixed(3)} s`;
  const control = timing.ratio("floorAgain", "floor").toFixed(3);
  const detail = `extension ${seconds("extension")}, floor ${seconds("floor")}, pi alone ${
    seconds("bare")
  } (medians of ${RUNS} rounds); the floor against itself: ${control}`;
  const name = `pi --list-models, ${models.toLocaleString("en")} models, warm cache`;
  const overFloor = timing.ratio("extension", "floor");
  results.push({ name: `${name}, against the floor extension`, detail, ratio: overFloor, goal: "≤ 1.03", met: overFloor <= 1.03 });
  const overBare = timing.ratio("extension", "bare");
  const limit = models === 3 ? 1.05 : 1.10;
  results.push({ name: `${name}, against pi alone`, detail, ratio: overBare, goal: `≤ ${limit.toFixed(2)}`, met: overBare <= limit });
  if (models === 3_000) {
    results.push({
      name: `${name}, the floor in ${EXTENSION_FILES} files against the floor`,
      detail: `floor in ${EXTENSION_FILES} files ${seconds("floorInFiles")}, floor ${seconds("floor")} (medians of ${RUNS} rounds)`,
      ratio: timing.ratio("floorInFiles", "floor"),
      goal: "none: pi's loader's share of the gap",
    });
  }
}
const chunks = 20_000;
const rate = only === "startup" || process.env.PI_CLI !== undefined ? undefined : await streaming(chunks);
if (rate) {
  results.push({
    name: `streaming ${chunks.toLocaleString("en")} chunks`,
    detail: `through the extension ${Math.round(rate.with).toLocaleString("en")}/s, pi-ai directly ${
      Math.round(rate.without).toLocaleString("en")
    }/s (medians of ${STREAM_RUNS} alternating pairs)`,
    ratio: rate.ratio,
    goal: "≥ 0.97",
    met: rate.ratio >= 0.97,
  });
}

const pi = piVersion();
const node = spawnSync(PI_NODE, ["--version"], { encoding: "utf8" }).stdout.trim();
console.log(`pi ${pi} on node ${node}, ${RUNS} rounds per startup measurement, ${rate ? STREAM_RUNS : "no"} pairs for streaming\n`);
for (const result of results) {
  const mark = result.met === undefined ? "·" : result.met ? "✓" : "✗";
  console.log(`${mark} ${result.name}: ratio ${result.ratio.toFixed(3)} (goal ${result.goal})`);
  console.log(`    ${result.detail}`);
}
if (!only) {
  recordFigures(`bench-pi-${pi}`, { node, pi, rows: results.map(({ name, goal, ratio, detail }) => ({ name, goal, ratio, detail })) });
}
process.exit(results.every((result) => result.met !== false) ? 0 : 1);
