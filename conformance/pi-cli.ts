/**
 * The real pi CLI, spawned the way a user runs it: with `-e ./mod.ts` in a throwaway agent
 * directory, every output and every file it leaves scanned for the key.
 *
 * @module
 */

import { execFile, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assertNoSecrets, filesUnder } from "./leaks.ts";
import { temporaryDirectory } from "./temporary.ts";

/** Where the pi CLI and the Node.js that runs it are; `PI_CLI` and `PI_NODE` point elsewhere. */
export const PI_CLI = process.env.PI_CLI ??
  fileURLToPath(new URL("../node_modules/@mariozechner/pi-coding-agent/dist/cli.js", import.meta.url));
export const PI_NODE = process.env.PI_NODE ?? "node";
/** The extension entry point pi loads. */
export const MOD_TS = fileURLToPath(new URL("../mod.ts", import.meta.url));

let version: string | undefined;

/** The version of the pi CLI the suites run, as `pi --version` prints it; asked once a process. */
export function piVersion(): string {
  // pi 0.73 prints its version on stderr, later ones on stdout; a warning beside it (Node's) must not
  // reach the figure files named after it.
  if (version === undefined) {
    const said = piSays(["--version"]);
    version = /\b\d+\.\d+\.\d+(?:-[\w.]+)?\b/.exec(said)?.[0] ?? said;
  }
  return version;
}

/**
 * What the pi under test prints for `args` (`--version`, `--help`), both streams. Even for those pi
 * sets up its agent directory: a throwaway one, so the user's ~/.pi gains no auth.json nor sessions.
 */
export function piSays(args: string[]): string {
  const env = { ...process.env, PI_OFFLINE: "1", PI_CODING_AGENT_DIR: temporaryDirectory("pi-says-") };
  const run = spawnSync(PI_NODE, [PI_CLI, ...args], { encoding: "utf8", env, timeout: 60_000, killSignal: "SIGKILL" });
  return `${run.stdout}${run.stderr}`.trim();
}

/** What a pi CLI run printed, and how it ended. */
export interface CliRun {
  /** pi's exit code; {@link TIMED_OUT} when the harness killed it at its timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

/** The exit code of a pi killed at its timeout, as timeout(1) gives: told apart from pi's own failure (1). */
export const TIMED_OUT = 124;

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the pi CLI with the extension in a throwaway agent directory. Output goes to files, not pipes:
 * pi ends with `process.exit()`, which can cut off output still queued on a pipe.
 */
export async function runPi(
  args: string[],
  env: Record<string, string | undefined>,
  options: { extension?: string | null; timeoutMs?: number; agentDir?: string; cwd?: string } = {},
): Promise<CliRun> {
  const dir = temporaryDirectory("pi-litellm-");
  const cwd = options.cwd ?? dir;
  const extension = options.extension === undefined ? MOD_TS : options.extension;
  const argv = [PI_NODE, PI_CLI, ...(extension ? ["-e", extension] : []), ...args].map(quote).join(" ");
  // `exec`: the shell becomes pi (dash forks for a command with redirections), so the timeout ends pi itself.
  const command = `exec ${argv} < /dev/null > ${quote(join(dir, "out"))} 2> ${quote(join(dir, "err"))}`;
  const childEnv: Record<string, string> = {};
  const agentDir = options.agentDir ?? join(dir, "agent");
  for (const [key, value] of Object.entries({ ...process.env, PI_CODING_AGENT_DIR: agentDir, PI_OFFLINE: "1", ...env })) {
    if (value !== undefined) childEnv[key] = value;
  }
  // pi loads our TypeScript through its own transpiler; its coverage would not map onto our sources.
  // Node re-adds a missing NODE_V8_COVERAGE to children, so it is pointed somewhere harmless instead.
  if (childEnv.NODE_V8_COVERAGE) childEnv.NODE_V8_COVERAGE = join(dir, "coverage");
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    const code = await new Promise<number>((resolve) => {
      execFile("sh", ["-c", command], { cwd, env: childEnv, timeout: timeoutMs, killSignal: "SIGKILL" }, (error) => {
        if (error?.killed) return resolve(TIMED_OUT);
        resolve(error ? typeof error.code === "number" ? error.code : 1 : 0);
      });
    });
    const stderr = readFileSync(join(dir, "err"), "utf8");
    const run = {
      code,
      stdout: readFileSync(join(dir, "out"), "utf8"),
      stderr: code === TIMED_OUT ? `${stderr}[harness] pi did not end within ${timeoutMs / 1000} s and was killed\n` : stderr,
    };
    assertNoSecrets(env, { stdout: run.stdout, stderr: run.stderr, ...filesUnder(agentDir) });
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
