/**
 * Temporary directories for tests, the demo and the benchmark, all removed when the process exits:
 * a run leaves nothing behind in the system's temporary directory (`.ci/run` counts).
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const created: string[] = [];

/** Removes every directory made here; runs once, at exit, however the process ends normally. */
function removeAll(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

process.on("exit", removeAll);

/** A new empty directory under the system's temporary directory, removed at exit. */
export function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}
