/**
 * The real LiteLLM proxy, one release at a time, each pinned by its own hash lock
 * (`conformance/litellm/<version>/requirements.lock`): installed on first use into a git-ignored
 * venv of its own (`.venv/<version>`, hash-checked, from PyPI only), it runs with a proxy config
 * whose deployments point at the fake backends, on a free loopback port, with no database and no
 * internet (`LITELLM_LOCAL_MODEL_COST_MAP=True`), and is stopped again whatever happens.
 *
 * @module
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { freePort } from "./loopback.ts";
import { killGroup, ownGroup } from "./process-groups.ts";
import { temporaryDirectory } from "./temporary.ts";

/**
 * The releases the real tier runs, oldest first: the last patch of 1.106, and the newest the
 * package index has (1.110.2). A new release is a new line here and a lock beside the others.
 */
export const LITELLM_RELEASES = ["1.106.12", "1.110.2"] as const;

/** One of {@link LITELLM_RELEASES}. */
export type LiteLLMRelease = typeof LITELLM_RELEASES[number];

/** The release this run uses: `--litellm <version>` on the command line, else the oldest. */
function chosenRelease(argv = process.argv): LiteLLMRelease {
  const asked = argv[argv.indexOf("--litellm") + 1];
  if (!argv.includes("--litellm")) return LITELLM_RELEASES[0];
  if ((LITELLM_RELEASES as readonly string[]).includes(asked ?? "")) return asked as LiteLLMRelease;
  console.error(`--litellm takes one of ${LITELLM_RELEASES.join(", ")}, not ${JSON.stringify(asked ?? "")}`);
  process.exit(2);
}

/** Raised when the real tier cannot run here, with the one line to print. */
export class RealTierUnavailable extends Error {}

/** The LiteLLM release this run uses. */
export const LITELLM_VERSION: LiteLLMRelease = chosenRelease();
/** The proxy's master key, the only key a proxy without a database has. */
export const MASTER_KEY = "sk-real-litellm-5d1e8b3a";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const VENV = join(ROOT, ".venv", LITELLM_VERSION);
const LOCK = join(ROOT, "conformance", "litellm", LITELLM_VERSION, "requirements.lock");
const LITELLM = join(VENV, "bin", "litellm");

/** Whether the release is at least `version`, for what changed between them. */
export function releaseAtLeast(version: LiteLLMRelease): boolean {
  return LITELLM_RELEASES.indexOf(LITELLM_VERSION) >= LITELLM_RELEASES.indexOf(version);
}

/** One deployment of the proxy config: a model name, its LiteLLM route, and what it reports. */
export interface Deployment {
  name: string;
  params: Record<string, unknown>;
  info?: Record<string, unknown>;
}

/** A running proxy. */
export interface RealLiteLLM {
  url: string;
  /** The directory its config (and any helper files) are in. */
  dir: string;
  stop(): Promise<void>;
}

function run(command: string, args: string[], what: string): void {
  try {
    execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 900_000 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim().split("\n").at(-1) ?? "";
    throw new RealTierUnavailable(`Cannot ${what}: ${stderr || (error as Error).message}`);
  }
}

/**
 * Creates the release's venv with the locked LiteLLM unless it is there already. Every package is checked
 * against its hash; nothing comes from anywhere but the package index.
 */
export function ensureVenv(log: (line: string) => void): void {
  if (existsSync(LITELLM)) return;
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
  } catch {
    throw new RealTierUnavailable(
      "Cannot run the real LiteLLM tier: python3 is not installed; install Python 3.11 with venv, or run npm test for the Node-only tier",
    );
  }
  log(`installing LiteLLM ${LITELLM_VERSION} into .venv/${LITELLM_VERSION} from its hash-locked requirements (first run only)`);
  run("python3", ["-m", "venv", VENV], `create .venv/${LITELLM_VERSION} with python3 -m venv (is the venv module installed?)`);
  run(
    join(VENV, "bin", "pip"),
    ["install", "--quiet", "--require-hashes", "--no-deps", "-r", LOCK],
    `install LiteLLM from conformance/litellm/${LITELLM_VERSION}/requirements.lock (is the package index reachable?)`,
  );
}

/** The proxy config for a set of deployments, as YAML (JSON is YAML). */
export function proxyConfig(deployments: readonly Deployment[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      model_list: deployments.map((deployment) => ({
        model_name: deployment.name,
        litellm_params: deployment.params,
        ...(deployment.info ? { model_info: deployment.info } : {}),
      })),
      litellm_settings: { num_retries: 0, request_timeout: 30 },
      // One deliberate failure (a negative control) must not put a deployment in cooldown for the next case.
      router_settings: { disable_cooldowns: true },
      ...extra,
      general_settings: { master_key: MASTER_KEY, ...(extra.general_settings as object | undefined) },
    },
    null,
    2,
  );
}

/** How long a server the tier started has to stop on SIGTERM before its process group is killed. */
const STOP_GRACE_MS = 10_000;

/**
 * Waits until a server the tier started says it serves (Uvicorn's "running on" line); gives the
 * function that stops it (and its process group), or throws with its output when it ends first.
 */
async function untilServing(child: ChildProcess, name: string, cleanUp: () => void = () => {}): Promise<() => Promise<void>> {
  const forget = ownGroup(child);
  let output = "";
  const stop = async () => {
    try {
      // A child killed by a signal has no exit code but will never exit again.
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        const pid = child.pid;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        killGroup(pid, "SIGTERM");
        // Uvicorn's graceful shutdown waits for open connections to close, and a streaming one (an MCP
        // session's event stream) need never close: after a grace period the group is killed.
        const force = setTimeout(() => {
          try {
            killGroup(pid, "SIGKILL");
          } catch {
            // Not ours to signal (EPERM): the wait below then ends with the group, or the case's deadline ends it.
          }
        }, STOP_GRACE_MS);
        await exited;
        clearTimeout(force);
        // Whatever of its group outlived the leader (a worker it started) goes with it.
        killGroup(pid, "SIGKILL");
      }
    } finally {
      // Owned until here: a stop that hangs still leaves the group to this process's end.
      forget();
      cleanUp();
    }
  };
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Uvicorn running on")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once(
      "exit",
      (code) => reject(new RealTierUnavailable(`${name} exited with ${code} before it answered:\n${output.slice(-2000)}`)),
    );
    const deadline = setTimeout(
      () => reject(new RealTierUnavailable(`${name} did not start within 120 s:\n${output.slice(-2000)}`)),
      120_000,
    );
    deadline.unref();
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return stop;
}

/**
 * The real tier's MCP server (`conformance/litellm/notes_mcp.py`, the official `mcp` SDK from the
 * lock) on a free loopback port, streamable HTTP at `/mcp`.
 */
export async function startNotesMcp(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(join(VENV, "bin", "python"), [join(ROOT, "conformance", "litellm", "notes_mcp.py"), String(port)], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { url: `http://127.0.0.1:${port}/mcp`, stop: await untilServing(child, "the notes MCP server") };
}

/**
 * Starts the proxy and resolves once it answers `/health/liveliness`. Its output is kept and shown
 * when it fails to start.
 */
export async function startRealLiteLLM(
  deployments: readonly Deployment[],
  extra: Record<string, unknown> = {},
  files: readonly string[] = [],
): Promise<RealLiteLLM> {
  const dir = temporaryDirectory("pi-litellm-real-");
  const config = join(dir, "config.yaml");
  writeFileSync(config, proxyConfig(deployments, extra));
  for (const file of files) copyFileSync(join(ROOT, "conformance", "litellm", file), join(dir, file));
  const port = await freePort();
  const child = spawn(LITELLM, ["--config", config, "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LITELLM_LOCAL_MODEL_COST_MAP: "True", NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost" },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = await untilServing(child, "LiteLLM", () => rmSync(dir, { recursive: true, force: true }));
  const health = await fetch(`${url}/health/liveliness`);
  if (!health.ok) {
    await stop();
    throw new RealTierUnavailable(`LiteLLM at ${url} answered ${health.status} on /health/liveliness`);
  }
  return { url, dir, stop };
}
