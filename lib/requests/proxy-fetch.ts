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
const OBSERVERS = Symbol.for("pi-litellm-provider.observers");

/**
 * Names a request's observer on its way from pi-ai's client to the guard, which takes it off before
 * sending. A header rather than an AsyncLocalStorage: on Node 20 and 22, once used, the storage's
 * promise hooks slow every promise in pi (a long stream took a third longer).
 */
const OBSERVER_HEADER = "x-pi-litellm-observer";

/**
 * Kept on `globalThis` beside the guard: pi's `/reload` loads a fresh copy of this module, whose
 * roots and observers the guard installed by the first copy must still see.
 */
const shared = globalThis as { [ROOTS]?: Map<string, string>; [OBSERVERS]?: Map<string, Observed> };
const GUARDED_ROOTS: Map<string, string> = (shared[ROOTS] ??= new Map());
const WAITING: Map<string, Observed> = (shared[OBSERVERS] ??= new Map());

/** The root of `url` among the guarded ones, with the variable that sets it. */
function guardedRoot(url: string): [string, string] | undefined {
  for (const [root, variable] of GUARDED_ROOTS) if (url === root || url.startsWith(`${root}/`)) return [root, variable];
  return undefined;
}

/**
 * Headers that have the guard observe into `into` the answer to the next request they go with, to
 * a URL under `baseUrl`; none where no guard covers it, so nothing extra is ever sent.
 */
export function observerHeaders(into: Observed, baseUrl: string): Record<string, string> {
  if (guardedRoot(baseUrl) === undefined) return {};
  const id = crypto.randomUUID();
  WAITING.set(id, into);
  return { [OBSERVER_HEADER]: id };
}

/** Forgets an observer whose request was never sent (pi-ai threw before sending). */
export function forgetObserver(headers: Record<string, string>): void {
  const id = headers[OBSERVER_HEADER];
  if (id !== undefined) WAITING.delete(id);
}

/** The request's observer, taken off its headers: `init` then carries the headers to send. */
function takeObserver(input: string | URL | Request, init: RequestInit | undefined): { observer?: Observed; init?: RequestInit } {
  // As fetch does: headers in `init` replace a Request's own.
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  const id = headers.get(OBSERVER_HEADER);
  if (id === null) return { init };
  headers.delete(OBSERVER_HEADER);
  const observer = WAITING.get(id);
  WAITING.delete(id);
  return { observer, init: { ...init, headers } };
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
  const settle = () => into.cost = costInTail(tail) ?? into.cost;
  // Read chunk by chunk, not piped through a TransformStream: a pipe's promises cost three times as
  // much a chunk (1.5 µs against 0.4 µs), several percent of a long stream's throughput. One chunk
  // is read ahead, as a pipe does: pi-ai stops reading at the last event, and the read ahead takes
  // in the proxy's end, so its connection ends whole rather than being cut.
  const source = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await source.read();
      if (done) {
        settle();
        return controller.close();
      }
      controller.enqueue(value);
      tail.push(value);
      kept += value.length;
      while (kept - tail[0]!.length >= TAIL_BYTES) kept -= tail.shift()!.length;
    },
    // A reader that stops after the last event has had the cost; one that stops earlier has what came.
    cancel(reason) {
      const cancelled = source.cancel(reason);
      settle();
      return cancelled;
    },
  }, { highWaterMark: 1 });
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
    const taken = takeObserver(input, init);
    const guarding = guardedRoot(url);
    if (guarding === undefined) return current(input, taken.init);
    const response = await fetchWithinOrigin(current, input, taken.init, guarding[1]);
    return taken.observer ? watched(response, taken.observer) : response;
  }, { [GUARD]: true as const });
  globalThis.fetch = guarded;
}
