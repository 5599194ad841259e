/**
 * A plain loopback HTTP server for unit tests: records what reached it and answers as told.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server } from "node:http";

/** What the recorder answers one request with. */
export interface RecordedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A loopback server that records what reached it and answers with `reply`. */
export async function recorder(reply: (request: IncomingMessage, url: string) => RecordedReply) {
  const seen: { path: string; headers: IncomingMessage["headers"]; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => body += chunk);
    request.on("end", () => {
      seen.push({ path: request.url ?? "", headers: request.headers, body });
      const answer = reply(request, url);
      response.writeHead(answer.status, answer.headers).end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
