/**
 * pi-ai's requests to a proxy, on their way. pi-ai builds its SDK clients with the global `fetch`,
 * which follows redirects anywhere and keeps headers such as `api-key` and `x-api-key` on the way;
 * the guard wraps it once, for URLs under a registered proxy root only (every other request pi makes
 * is untouched): a redirect stays within the proxy's origin, and the stream that sent the request
 * sees what LiteLLM says besides the answer, on every pi: the cost in a stream's last event
 * (`usage.cost`), and the headers of an answer, an error's included (`llm_provider-retry-after`).
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { fetchWithinOrigin } from "../secrets.ts";
import { eventCost } from "./spend.ts";

/** What one request's answer said besides its content, filled in as the answer arrives. */
export interface Observed {
  status?: number;
  headers?: Headers;
  /** LiteLLM's cost in the stream's last events, once the stream has ended. */
  cost?: number;
}

/** The most of a stream's end kept to read its cost from: LiteLLM's last events are a few hundred bytes. */
const TAIL_BYTES = 64 * 1024;

const GUARD = Symbol.for("pi-litellm-provider.redirect-guard");
const ROOTS = Symbol.for("pi-litellm-provider.guarded-roots");
const SINKS = Symbol.for("pi-litellm-provider.observed-requests");

/**
 * Kept on `globalThis` beside the guard: pi's `/reload` loads a fresh copy of this module, whose
 * roots and observers the guard installed by the first copy must still see.
 */
const shared = globalThis as { [ROOTS]?: Map<string, string>; [SINKS]?: AsyncLocalStorage<Observed> };
const GUARDED_ROOTS: Map<string, string> = (shared[ROOTS] ??= new Map());
const REQUESTS: AsyncLocalStorage<Observed> = (shared[SINKS] ??= new AsyncLocalStorage<Observed>());

/** Runs `send` (a request through pi-ai) so that its answer is observed into `into`. */
export function observing<T>(into: Observed, send: () => T): T {
  return REQUESTS.run(into, send);
}

/** The cost in the last `data:` events of a stream's end, read from the end. */
function costInTail(chunks: readonly Uint8Array[]): number | undefined {
  const text = new TextDecoder().decode(concat(chunks));
  const lines = text.split("\n");
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index]!;
    if (!line.startsWith("data:") || !line.includes('"cost"')) continue;
    try {
      const cost = eventCost(JSON.parse(line.slice(5)));
      if (cost !== undefined) return cost;
    } catch {
      // The tail may start inside an event: that one is not the last.
    }
  }
  return undefined;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/**
 * The answer as pi-ai gets it, watched: its status and headers at once, and for an event stream
 * the cost in its last events when it ends. The bytes pass unchanged; only the end is kept.
 */
function watched(response: Response, into: Observed): Response {
  into.status = response.status;
  into.headers = response.headers;
  if (!response.ok || response.body === null || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return response;
  }
  const tail: Uint8Array[] = [];
  let kept = 0;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        tail.push(chunk);
        kept += chunk.length;
        while (kept - tail[0]!.length >= TAIL_BYTES) kept -= tail.shift()!.length;
      },
      flush() {
        into.cost = costInTail(tail) ?? into.cost;
      },
    }),
  );
  const seen = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(seen, "url", { value: response.url });
  return seen;
}

/**
 * Guards pi-ai's requests to a proxy root: within its origin, and observed for the stream that
 * sent them. Installed once; later roots join it.
 */
export function guardProxy(root: string, urlVariable: string): void {
  GUARDED_ROOTS.set(root, urlVariable);
  const current = globalThis.fetch as typeof fetch & { [GUARD]?: true };
  if (current[GUARD]) return;
  const guarded = Object.assign(async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    for (const [guardedRoot, variable] of GUARDED_ROOTS) {
      if (url !== guardedRoot && !url.startsWith(`${guardedRoot}/`)) continue;
      const response = await fetchWithinOrigin(current, input, init, variable);
      const into = REQUESTS.getStore();
      return into ? watched(response, into) : response;
    }
    return current(input, init);
  }, { [GUARD]: true as const });
  globalThis.fetch = guarded;
}
