/**
 * The extension's own files beside pi's (learned rules, catalog cache): read without surprises, and
 * updated by several pi processes at once without any of them losing what another wrote.
 *
 * An update re-reads the file, applies the caller's change to what it finds, writes a temporary
 * file and renames it over the old one, all under a lock file taken with `O_EXCL`. A rename alone
 * cannot be made conditional on the file being unchanged, so two processes updating together would
 * each write back a copy without the other's change; the lock closes that window. It is held for
 * one read and one write, readers never take it, and a lock left by a process that died is broken
 * after {@link STALE_LOCK_MS}.
 *
 * @module
 */

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import type { Result } from "./types.ts";

/** A lock older than this belongs to a process that died while holding it. */
export const STALE_LOCK_MS = 5_000;

/**
 * How long an update waits for the lock before giving up (the rules then stay in memory). Longer
 * than {@link STALE_LOCK_MS}, so a dead process's lock is broken first; a live holder keeps it
 * for milliseconds, but many processes saving at once on a loaded machine queue for seconds.
 */
const LOCK_WAIT_MS = 10_000;

/** A file's parsed JSON, `undefined` when there is no file, or why it cannot be read. */
export function readJsonFile(file: string): Result<unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return { ok: true, value: undefined };
    return { ok: false, problem: `${file} cannot be read (${(error as { code?: string }).code ?? String(error)})` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: `${file} is not valid JSON` };
  }
}

/** Writes a whole file or nothing: a temporary file beside it, renamed over it; the temporary never stays. */
export function writeFileAtomically(file: string, text: string): Result<void> {
  const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, file);
    return { ok: true, value: undefined };
  } catch (error) {
    rmSync(temporary, { force: true });
    return { ok: false, problem: `${file} cannot be written (${(error as { code?: string }).code ?? String(error)})` };
  }
}

/** Blocks the thread for a few milliseconds: the update is synchronous, so a timer would not do. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The lock's content now, or `undefined` when there is none. */
function lockContent(lockFile: string): string | undefined {
  try {
    return readFileSync(lockFile, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock file; `undefined` when another process holds it for longer than {@link LOCK_WAIT_MS}.
 * The lock holds a token of its own: a holder releases only its own lock, and a stale lock is
 * broken only if it is still the one found stale, so a late holder never removes a newer one.
 */
function lock(file: string): (() => void) | undefined {
  const lockFile = `${file}.lock`;
  const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  mkdirSync(dirname(file), { recursive: true });
  for (;;) {
    try {
      const descriptor = openSync(lockFile, "wx", 0o600);
      try {
        writeSync(descriptor, token);
      } finally {
        closeSync(descriptor);
      }
      return () => {
        if (lockContent(lockFile) === token) rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
    }
    try {
      const found = lockContent(lockFile);
      if (Date.now() - statSync(lockFile).mtimeMs > STALE_LOCK_MS && lockContent(lockFile) === found) rmSync(lockFile, { force: true });
    } catch {
      // Released meanwhile: take it on the next turn.
    }
    if (Date.now() > deadline) return undefined;
    pause(2);
  }
}

/**
 * Re-reads a JSON file and writes back what `change` makes of it, under the lock. `change` sees
 * the file as it is now (`undefined` when there is none) and returns the new content, or a problem
 * to leave the file as it is (one from a newer version, one it does not understand). A file that
 * is not JSON is left alone too, unless `replaceBroken` says it is a cache worth rebuilding.
 */
export function updateJsonFile<T>(file: string, change: (current: unknown) => Result<T>, replaceBroken = false): Result<T> {
  let release: (() => void) | undefined;
  try {
    release = lock(file);
  } catch (error) {
    return { ok: false, problem: `${file} cannot be written (${(error as { code?: string }).code ?? String(error)})` };
  }
  if (!release) return { ok: false, problem: `${file} stayed locked by another pi process for ${LOCK_WAIT_MS / 1000} s` };
  try {
    const current = readJsonFile(file);
    if (!current.ok && !(replaceBroken && existsSync(file))) return current;
    const next = change(current.ok ? current.value : undefined);
    if (!next.ok) return next;
    const written = writeFileAtomically(file, `${JSON.stringify(next.value, null, 2)}\n`);
    return written.ok ? next : written;
  } finally {
    release();
  }
}
