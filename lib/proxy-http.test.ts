import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { errorDetail, getJson, MAX_BODY_BYTES, type ProxyRequest } from "./proxy-http.ts";

const KEY = "sk-secret-123";

function request(fetchImpl: typeof fetch, overrides: Partial<ProxyRequest> = {}): ProxyRequest {
  return {
    url: "http://proxy.test:4000/v1/models?x=1",
    apiKey: KEY,
    timeoutMs: 200,
    keyVariable: "LITELLM_API_KEY",
    urlVariable: "LITELLM_BASE_URL",
    fetch: fetchImpl,
    ...overrides,
  };
}

const answer = (status: number, body: string, contentType = "application/json"): typeof fetch => async () =>
  new Response(body, { status, headers: { "content-type": contentType } });

const throwing = (error: unknown): typeof fetch => async () => {
  throw error;
};

function networkError(code: string): Error {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ${code} proxy.test`), { code }) });
}

describe("getJson()", () => {
  it("sends the key as a bearer token and returns the parsed body", async () => {
    let seen: Headers | undefined;
    const result = await getJson(request(async (_url, init) => {
      seen = new Headers(init?.headers);
      return new Response('{"data":[]}');
    }));
    assert.deepEqual(result, { ok: true, value: { data: [] } });
    assert.equal(seen?.get("authorization"), `Bearer ${KEY}`);
  });

  it("sends no Authorization header for a keyless proxy", async () => {
    let seen: Headers | undefined;
    await getJson(request(async (_url, init) => {
      seen = new Headers(init?.headers);
      return new Response("{}");
    }, { apiKey: undefined }));
    assert.equal(seen?.has("authorization"), false);
  });

  const failures: { name: string; fetch: typeof fetch; kind: string; message: RegExp }[] = [
    {
      name: "401",
      fetch: answer(401, '{"error":{"message":"Authentication Error, Invalid proxy server token passed. valid_token=None.","code":"401"}}'),
      kind: "unauthorized",
      message: /^LiteLLM rejected the API key \(401\) at http:\/\/proxy\.test:4000\/v1\/models; check LITELLM_API_KEY$/,
    },
    {
      // The real LiteLLM 1.106.12 without a database, for any key but its master key.
      name: "400 No connected db.",
      fetch: answer(400, '{"error":{"message":"No connected db.","type":"no_db_connection","param":"None","code":"400"}}'),
      kind: "no-database",
      message:
        /^LiteLLM at http:\/\/proxy\.test:4000\/v1\/models has no database to check this key against; use its master key in LITELLM_API_KEY, or ask its admin$/,
    },
    {
      name: "403 with FastAPI's detail body",
      fetch: answer(403, '{"detail":"Virtual key is not allowed to call this route."}'),
      kind: "forbidden",
      message: /refused this key access \(403\).*check LITELLM_API_KEY/,
    },
    { name: "404", fetch: answer(404, '{"detail":"Not Found"}'), kind: "not-found", message: /no such route \(404\).*LITELLM_BASE_URL/ },
    {
      name: "HTML 502 from a gateway",
      fetch: answer(502, "<html><head><title>502 Bad Gateway</title></head></html>", "text/html"),
      kind: "gateway",
      message: /unavailable \(502, 502 Bad Gateway\); a gateway in front of the proxy failed/,
    },
    {
      name: "HTML 500",
      fetch: answer(500, "<html><title>Oops</title></html>", "text/html"),
      kind: "gateway",
      message: /unavailable \(500, Oops\)/,
    },
    {
      name: "500 with LiteLLM's envelope",
      fetch: answer(500, '{"error":{"message":"litellm.APIConnectionError: boom\\ntrace","code":"500"}}'),
      kind: "http",
      message: /answered 500: litellm\.APIConnectionError: boom$/,
    },
    {
      name: "malformed JSON",
      fetch: answer(200, '{"data": ['),
      kind: "malformed",
      message: /not JSON \("\{\\"data\\": \["\); check that LITELLM_BASE_URL/,
    },
    {
      name: "connection refused",
      fetch: throwing(networkError("ECONNREFUSED")),
      kind: "refused",
      message: /connection refused\); is the proxy running\? Check LITELLM_BASE_URL/,
    },
    {
      name: "DNS failure",
      fetch: throwing(networkError("ENOTFOUND")),
      kind: "dns",
      message: /^Cannot resolve LiteLLM host "proxy\.test"; check LITELLM_BASE_URL$/,
    },
    {
      name: "other network error",
      fetch: throwing(networkError("ECONNRESET")),
      kind: "network",
      message: /Cannot reach LiteLLM at .*: fetch failed/,
    },
  ];
  for (const row of failures) {
    it(`turns ${row.name} into one line naming the cause`, async () => {
      const result = await getJson(request(row.fetch));
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.problem.kind, row.kind);
      assert.match(result.problem.message, row.message);
      assert.doesNotMatch(result.problem.message, /\n|\?x=1/);
    });
  }

  it("gives up after timeoutMs", async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    const started = Date.now();
    const result = await getJson(request(hanging, { timeoutMs: 50 }));
    assert.ok(Date.now() - started < 1_000);
    assert.equal(result.ok ? "" : result.problem.kind, "timeout");
    assert.match(result.ok ? "" : result.problem.message, /did not answer within 50 ms/);
  });

  it("reports a refused connection from a real socket", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const result = await getJson({ ...request(fetch), url: `http://127.0.0.1:${port}/v1/models` });
    assert.equal(result.ok ? "" : result.problem.kind, "refused");
  });

  it("says https:// against a plain-HTTP proxy is a TLS problem, from a real socket", async () => {
    const server = createHttpServer((_request, response) => response.end("{}"));
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port))
    );
    try {
      const result = await getJson({ ...request(fetch), url: `https://127.0.0.1:${port}/v1/models`, timeoutMs: 2_000 });
      assert.equal(result.ok ? "" : result.problem.kind, "tls");
      assert.match(
        result.ok ? "" : result.problem.message,
        /^Cannot speak TLS with LiteLLM at https:\/\/127\.0\.0\.1:\d+\/v1\/models: the proxy is plain HTTP \(use http:\/\/ in LITELLM_BASE_URL\)/,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("never repeats the key, even when the proxy echoes it", async () => {
    const result = await getJson(request(answer(400, `{"error":{"message":"bad key ${KEY}","code":"400"}}`)));
    assert.ok(!result.ok);
    assert.doesNotMatch(result.problem.message, new RegExp(KEY));
    assert.match(result.problem.message, /bad key \*\*\*/);
  });
});

describe("errorDetail()", () => {
  it("reads LiteLLM envelopes, FastAPI details, HTML titles and plain text", () => {
    assert.equal(errorDetail('{"error":{"message":"first\\nsecond"}}'), "first");
    assert.equal(errorDetail('{"error":"flat"}'), "flat");
    assert.equal(errorDetail('{"detail":"Not Found"}'), "Not Found");
    assert.equal(errorDetail('{"detail":{"error":"x"}}'), '{"error":"x"}');
    assert.equal(errorDetail("<html><title>Bad Gateway</title></html>"), "Bad Gateway");
    assert.equal(errorDetail("\n  plain text\nmore"), "plain text");
    assert.equal(errorDetail("x".repeat(400)).length, 160);
  });
});

describe("getJson() and large bodies", () => {
  it("stops reading a body larger than the cap, whether it says its length or not", async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(32);
    let pulled = 0;
    const endless: typeof fetch = async () =>
      new Response(new ReadableStream({ pull: (controller) => void (pulled++, controller.enqueue(chunk)) }));
    const declared: typeof fetch = async () => new Response("{}", { headers: { "content-length": String(MAX_BODY_BYTES + 1) } });
    for (const fetchImpl of [endless, declared]) {
      const result = await getJson(request(fetchImpl, { timeoutMs: 5_000 }));
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.match(
          result.problem.message,
          /^LiteLLM at http:\/\/proxy\.test:4000\/v1\/models answered with more than 64 MB; that is not a model list/,
        );
      }
    }
    assert.ok(pulled <= MAX_BODY_BYTES / chunk.length + 2);
  });
});
