/**
 * The stream function, loaded when a session starts or its first request comes, not at load: a run
 * that never streams (`pi --list-models`) then never loads the request-time modules (the stream,
 * LiteLLM's error kinds, the rejection phrasings, the resend rules). pi's loader costs about a
 * millisecond per module, and those are a sixth of the extension's modules.
 *
 * @module
 */

import { createEventStream, emptyAssistantMessage, type StreamSimple } from "../pi.ts";
import type { StreamDependencies } from "./stream-dependencies.ts";
import { loadLater } from "../load-later.ts";

type StreamModule = typeof import("./stream.ts");

let loaded: StreamModule | undefined;
let loading: Promise<StreamModule> | undefined;

/** Loads the stream's modules, once; a session start awaits it, so its requests find them loaded. */
export function loadStream(): Promise<StreamModule> {
  return loading ??= loadLater(() => import("./stream.ts")).then((module) => (loaded = module));
}

/**
 * The provider's stream function, as {@link StreamModule.createStream} makes it for `dependencies`,
 * made at the first request. A request that comes before the modules are loaded gets an event stream
 * of pi-ai's own kind at once, and the stream's events in it once they are.
 *
 * @example
 * ```ts
 * import { lazyStream } from "./stream-loader.ts";
 *
 * const streamSimple = lazyStream({ profileOf: () => ({ id: "gpt-5", wireApi: "openai-responses", drop: new Map() }) });
 * ```
 */
export function lazyStream(dependencies: StreamDependencies): StreamSimple {
  let stream: StreamSimple | undefined;
  const made = (module: StreamModule) => stream ??= module.createStream(dependencies);
  return (model, context, options) => {
    if (loaded) return made(loaded)(model, context, options);
    const forwarded = createEventStream();
    const fail = (error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      const errorMessage = `LiteLLM: the extension's request modules did not load (${why}); reinstall the extension`;
      forwarded.push({ type: "error", reason: "error", error: { ...emptyAssistantMessage(model, "error"), errorMessage } });
      forwarded.end();
    };
    loadStream().then(async (module) => {
      for await (const event of made(module)(model, context, options)) forwarded.push(event);
      forwarded.end();
    }).catch(fail);
    return forwarded;
  };
}
