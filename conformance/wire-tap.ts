/**
 * A loopback forwarder in front of a proxy, recording what crosses the wire: each request's path,
 * status and time, and the whole answer as the proxy sent it. A test counts the requests pi made
 * and reads LiteLLM's own figures (the `usage.cost` of a stream's last event) from the bytes, not
 * from anything the extension computed.
 *
 * @module
 */

import { Hono } from "hono";
import { serveLoopback } from "./loopback.ts";

/** One request through the tap. */
export interface TappedRequest {
  method: string;
  path: string;
  status: number;
  /** Epoch milliseconds the request arrived and its answer ended. */
  at: number;
  endedAt?: number;
  /**
   * The answer's body as the proxy sent it, as far as it has come through: whole once `endedAt` is
   * set. pi may close the connection as soon as it has read the last event, before the proxy's end
   * reaches the tap; the body then still holds every event pi read.
   */
  body?: string;
}

/** A running tap. */
export interface WireTap {
  url: string;
  requests: TappedRequest[];
  /** Settles once `count` inference requests have been answered to their end; fails after `timeoutMs` (60 s). */
  ended(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Inference routes of LiteLLM, as opposed to discovery and health. */
export const INFERENCE_PATH = /\/(?:chat\/completions|responses|messages)$/;

/** The `usage.cost` of the last event of a streamed answer that has one, as LiteLLM sent it. */
export function streamedCost(body: string | undefined): number | undefined {
  const costs = [...(body ?? "").matchAll(/"usage":\{[^{}]*(?:\{[^{}]*\}[^{}]*)*"cost":([0-9.eE+-]+)/g)].map((match) => Number(match[1]));
  return costs.at(-1);
}

/** Starts a tap forwarding everything to `target`. */
export async function startWireTap(target: string): Promise<WireTap> {
  const requests: TappedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const inference = () => requests.filter((request) => INFERENCE_PATH.test(request.path));
  const endedSoFar = () => inference().filter((request) => request.endedAt !== undefined).length;
  const wake = () => {
    for (const waiter of waiters.filter((candidate) => endedSoFar() >= candidate.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const app = new Hono();
  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    const entry: TappedRequest = { method: c.req.method, path: url.pathname, status: 0, at: Date.now() };
    requests.push(entry);
    const headers = new Headers(c.req.raw.headers);
    headers.delete("host");
    const body = c.req.method === "GET" || c.req.method === "HEAD" ? undefined : await c.req.arrayBuffer();
    const answer = await fetch(`${target}${url.pathname}${url.search}`, { method: c.req.method, headers, body, redirect: "manual" });
    entry.status = answer.status;
    const decoder = new TextDecoder();
    const recorded = answer.body?.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          entry.body = (entry.body ?? "") + decoder.decode(chunk, { stream: true });
          controller.enqueue(chunk);
        },
        flush() {
          entry.body = (entry.body ?? "") + decoder.decode();
          entry.endedAt = Date.now();
          wake();
        },
      }),
    );
    const forwarded = new Headers(answer.headers);
    // The body is passed on decoded: its length and encoding are the tap's own.
    forwarded.delete("content-length");
    forwarded.delete("content-encoding");
    return new Response(recorded ?? null, { status: answer.status, headers: forwarded });
  });
  const server = await serveLoopback(app);
  // Bounded: an answer pi hung up on before its end never ends here.
  const ended = (count: number, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const waiter = { count, resolve: () => resolve(clearTimeout(timer)) };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        const which = inference().filter((request) => request.endedAt === undefined)
          .map((request) => `${request.path} (${request.status}, ${request.body?.length ?? 0} characters so far)`).join(", ");
        reject(
          new Error(`${endedSoFar()} of ${count} answers ended at the tap within ${timeoutMs / 1000} s; not ended: ${which || "none"}`),
        );
      }, timeoutMs);
      waiters.push(waiter);
      wake();
    });
  return { ...server, requests, ended };
}
