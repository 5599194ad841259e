/**
 * Modules the extension loads after startup (the stream's, the discovery's), one at a time. pi's
 * loader (jiti) loads a module's imports asynchronously, so two loads under way at once that share
 * a module can hand one of them that module unfinished (seen on pi 0.73: two providers starting
 * together read `getJson` of an undefined module); queued, each load finds what the one before loaded.
 *
 * @module
 */

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` (a dynamic `import()`) once every load queued before it has settled.
 *
 * @example
 * ```ts
 * import { loadLater } from "./load-later.ts";
 *
 * const { redact } = await loadLater(() => import("./secrets.ts"));
 * ```
 */
export function loadLater<T>(load: () => Promise<T>): Promise<T> {
  const loaded = queue.then(load);
  queue = loaded.catch(() => undefined);
  return loaded;
}
