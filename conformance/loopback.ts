/**
 * Serves a Hono app on a loopback port, the same way under Node and Deno: no globals replaced, the
 * port ephemeral unless one is given, and a `close` that also ends kept-alive connections.
 *
 * @module
 */

import { serve } from "@hono/node-server";
import { createServer } from "node:net";
import type { Hono } from "hono";

/** A running loopback server. */
export interface LoopbackServer {
  /** Root URL, e.g. `http://127.0.0.1:43210`. */
  url: string;
  close(): Promise<void>;
}

/** Starts `app` on 127.0.0.1. */
export function serveLoopback(app: Hono, port = 0): Promise<LoopbackServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1", overrideGlobalObjects: false }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A loopback port free a moment ago: nothing listens on it until someone is started there. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The first of `ports` free a moment ago, or `undefined` when every one is taken. */
export async function freePortAmong(ports: Iterable<number>): Promise<number | undefined> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  return undefined;
}
