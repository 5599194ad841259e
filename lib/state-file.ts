/**
 * The extension's own files beside pi's (learned rules, catalog cache): read without surprises, and
 * updated by several pi processes at once without any of them losing what another wrote.
 *
 * An update re-reads the file, applies the caller's change to what it finds, writes a temporary
 * file and renames it over the old one, all under a lock: a rename alone cannot be made conditional
 * on the file being unchanged. The lock is a generation, `<file>.locks/<n>`, created with `O_EXCL`:
 * whoever creates the next number holds it, until it writes `released` there or its file goes stale
 * (its process died). No process ever removes a lock another may hold: breaking a stale lock is
 * creating the next generation, which only one process can do, so a lock taken while another
 * process breaks a stale one stays its holder's. Only generations below one's own are removed.
 *
 * An update whose lock is free happens at once; one whose lock is held waits with timers, never
 * blocking pi's thread, and gives up after {@link LOCK_WAIT_MS}.
 *
 * @module
 */

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
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

/** What a lock generation says once its holder is done. */
const RELEASED = "released";

/** How a state file's bytes become its content, and its content text. */
export interface FileFormat {
  /** What lines call a file this format cannot read, e.g. "valid JSON". */
  name: string;
  /** The content of a file's bytes (UTF-8); throws when they are not one. */
  parse(bytes: Uint8Array): unknown;
  format(content: unknown): string;
  /** A file it cannot read is a cache to rebuild, not a person's to mend. */
  rebuildsBroken?: boolean;
}

/** Decodes a state file's bytes: bytes that are not UTF-8 become U+FFFD, and an editor's byte-order mark is dropped. */
export const utf8: TextDecoder = new TextDecoder();

/** JSON as people read it: the learned rules, which `/litellm` points to. */
export const JSON_FILE: FileFormat = {
  name: "valid JSON",
  parse: (bytes) => JSON.parse(utf8.decode(bytes)),
  format: (content) => `${JSON.stringify(content, null, 2)}\n`,
};

/** A file's content, `undefined` when there is no file, or why it cannot be read. */
export function readStateFile(file: string, format: FileFormat = JSON_FILE): Result<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return { ok: true, value: undefined };
    return { ok: false, problem: `${file} cannot be read (${(error as { code?: string }).code ?? String(error)})` };
  }
  try {
    return { ok: true, value: format.parse(bytes) };
  } catch {
    return { ok: false, problem: `${file} is not ${format.name}` };
  }
}

/** A name of this process's own for a temporary file or a lock. */
function uniqueName(): string {
  return `${process.pid}-${Math.random().toString(36).slice(2)}`;
}

/** Writes a whole file or nothing: a temporary file beside it, renamed over it; the temporary never stays. */
export function writeFileAtomically(file: string, text: string): Result<void> {
  const temporary = `${file}.${uniqueName()}.tmp`;
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

/** The lock generations present in a lock directory, lowest first. */
function generations(dir: string): number[] {
  return readdirSync(dir).filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
}

/** Where a generation stands: `held` by a live process, or `free` (released, or left by one that died). */
function generationState(file: string, now: number): "held" | "free" {
  try {
    if (readFileSync(file, "utf8") === RELEASED) return "free";
  } catch (error) {
    // Removed meanwhile by a newer holder: the next look finds that one. Unreadable (another user's, a directory): its age decides.
    if ((error as { code?: unknown }).code === "ENOENT") return "held";
  }
  try {
    return now - statSync(file).mtimeMs > STALE_LOCK_MS ? "free" : "held";
  } catch {
    return "held";
  }
}

/** Watches a lock at its one race: tests take another lock there, as a process running alongside would. */
export interface LockObserver {
  /** Called when the newest generation was found free, before this process creates the next. */
  freeFound?(generation: number): void;
}

/**
 * One try at the lock: the release function when this process now holds it, `busy` when another
 * does. Never waits.
 */
function tryLock(file: string, observer: LockObserver = {}): (() => void) | "busy" {
  const dir = `${file}.locks`;
  mkdirSync(dir, { recursive: true });
  const newest = generations(dir).at(-1) ?? -1;
  if (newest >= 0) {
    if (generationState(join(dir, String(newest)), Date.now()) === "held") return "busy";
    observer.freeFound?.(newest);
  }
  const mine = join(dir, String(newest + 1));
  const token = uniqueName();
  let descriptor: number;
  try {
    descriptor = openSync(mine, "wx", 0o600);
  } catch (error) {
    if ((error as { code?: unknown }).code === "EEXIST") return "busy";
    throw error;
  }
  try {
    try {
      writeSync(descriptor, token);
    } finally {
      closeSync(descriptor);
    }
    // A process that looked before a newer holder cleaned up can create a number below it: it holds nothing.
    const present = generations(dir);
    if (present.at(-1)! > newest + 1) {
      rmSync(mine, { force: true });
      return "busy";
    }
    for (const older of present.filter((generation) => generation <= newest)) {
      try {
        rmSync(join(dir, String(older)), { force: true, recursive: true });
      } catch {
        // One that cannot be removed is below ours: nobody reads it any more.
      }
    }
  } catch (error) {
    // A lock taken but never used would hold everyone off until it went stale.
    rmSync(mine, { force: true });
    throw error;
  }
  return () => {
    try {
      if (readFileSync(mine, "utf8") !== token) return;
      writeFileAtomically(mine, RELEASED);
    } catch {
      // Broken as stale and removed by a newer holder: nothing is left to release.
    }
  };
}

/** Resolves after `ms`; a timer, so pi's thread runs meanwhile. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Re-reads a file and writes back what `change` makes of it, under the lock. `change` sees the
 * file as it is now (`undefined` when there is none) and returns the new content, or a problem to
 * leave the file as it is (one from a newer version, one it does not understand). A file the
 * format cannot read is left alone too, unless the format says it is a cache to rebuild.
 *
 * With the lock free, the file is written and the result returned at once; with it held, a promise
 * of the result settles once the lock was had, or given up on.
 */
export function updateStateFile<T>(
  file: string,
  change: (current: unknown) => Result<T>,
  format: FileFormat = JSON_FILE,
  observer?: LockObserver,
): Result<T> | Promise<Result<T>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  const attempt = (): Result<T> | "busy" => {
    let release: (() => void) | "busy";
    try {
      release = tryLock(file, observer);
    } catch (error) {
      return { ok: false, problem: `${file} cannot be written (${(error as { code?: string }).code ?? String(error)})` };
    }
    if (release === "busy") {
      return Date.now() > deadline
        ? { ok: false, problem: `${file} stayed locked by another pi process for ${LOCK_WAIT_MS / 1000} s` }
        : "busy";
    }
    try {
      const current = readStateFile(file, format);
      if (!current.ok && !(format.rebuildsBroken && existsSync(file))) return current;
      const next = change(current.ok ? current.value : undefined);
      if (!next.ok) return next;
      const written = writeFileAtomically(file, format.format(next.value));
      return written.ok ? next : written;
    } catch (error) {
      // Settled, never rejected: a save nobody awaits must not end pi with an unhandled rejection.
      return { ok: false, problem: `${file} was not updated (${error instanceof Error ? error.message : String(error)})` };
    } finally {
      release();
    }
  };
  const first = attempt();
  if (first !== "busy") return first;
  return (async () => {
    for (let pause = 2;; pause = Math.min(pause * 2, 50)) {
      await sleep(pause);
      const result = attempt();
      if (result !== "busy") return result;
    }
  })();
}
