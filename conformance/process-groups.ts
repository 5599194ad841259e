/**
 * Process groups the suites start (`detached` children: pi's TUI under `script`, the fake served by
 * `npm run fake`, LiteLLM and its MCP server). A group outlives the process that started it unless
 * that process kills it, so whatever ends this process (its end, Ctrl-C, CI's `timeout`) kills every
 * group still running: a hung case leaves nothing behind.
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";
import process from "node:process";

const running = new Set<number>();

/** Signals a process group; one that has ended already (ESRCH) has nothing left to stop. */
export function killGroup(pid: number, signal: "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as { code?: string }).code !== "ESRCH") throw error;
  }
}

function killAll(): void {
  for (const pid of running) {
    try {
      killGroup(pid, "SIGKILL");
    } catch {
      // Not ours to signal any more (EPERM): nothing else can be done from here.
    }
  }
  running.clear();
}

process.once("exit", killAll);
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(code);
  });
}

/**
 * Has a detached child's group killed whenever this process ends; gives the function that forgets
 * it once it has been stopped another way.
 */
export function ownGroup(child: ChildProcess): () => void {
  const pid = child.pid;
  if (pid === undefined) return () => {};
  running.add(pid);
  return () => running.delete(pid);
}
