/**
 * Leak checks shared by the in-process and the CLI runs: no key from the environment in any output,
 * warning or file the extension or pi left.
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every file under a directory, by path, as text. */
export function filesUnder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(files, filesUnder(path));
    else files[path] = readFileSync(path, "utf8");
  }
  return files;
}

/** The secrets of an environment: every `*_API_KEY` value long enough to be a real key. */
export function secretsOf(env: Record<string, string | undefined>): string[] {
  return Object.entries(env).filter(([name, value]) => name.endsWith("_API_KEY") && (value?.length ?? 0) >= 8).map(([, value]) => value!);
}

/** Throws when any of the outputs contains a key from the environment. */
export function assertNoSecrets(env: Record<string, string | undefined>, outputs: Record<string, string>): void {
  for (const secret of secretsOf(env)) {
    for (const [where, text] of Object.entries(outputs)) {
      if (text.includes(secret)) throw new Error(`The key ${secret.slice(0, 4)}… leaked into ${where}`);
    }
  }
}
